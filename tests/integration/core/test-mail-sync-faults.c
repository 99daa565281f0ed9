/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-mail-sync-faults"

#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "op-imap-client.h"
#include "op-mail-imap-sync.h"
#include "op-mail-test-util.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"

/*
 * kill -9 during a first sync (issue 12, "Faults"): OP_KILLS times, a child process starts
 * a first sync of a folder of N_MESSAGES from Dovecot into a new store and is killed at a
 * random moment within the time a whole first sync takes. After each kill the store must
 * pass PRAGMA integrity_check and its counts must match its rows, and the next sync (in
 * this process) must leave exactly the server's messages. Lost messages are counted (must
 * be 0).
 */

#define TIMEOUT 120
#define N_MESSAGES 1500
#define OP_KILLS 20

static OpMailImapSync *
new_sync (OpMailStore *store)
{
  const char *host = g_getenv ("OUTPOST_TEST_MAIL_HOST");
  const char *port = g_getenv ("OUTPOST_TEST_DOVECOT_IMAPS_PORT");
  g_autoptr(GError) error = NULL;
  g_autoptr(OpTestVerifier) verifier = op_test_verifier_new_for_ca_file (g_getenv ("OUTPOST_TEST_CA"), &error);
  OpMailImapSync *sync = op_mail_imap_sync_new (store, host, (guint16) atoi (port), OP_SECURITY_IMPLICIT_TLS,
                                                g_getenv ("OUTPOST_TEST_DOVECOT_USER"));

  g_assert_no_error (error);
  op_mail_imap_sync_set_password (sync, g_getenv ("OUTPOST_TEST_DOVECOT_PASSWORD"));
  op_mail_imap_sync_set_verifier (sync, OP_TLS_VERIFIER (verifier));
  return sync;
}

static gboolean
sync_folder (OpMailStore  *store,
             const char   *folder,
             GError      **error)
{
  g_autoptr(OpMailImapSync) sync = new_sync (store);
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  gboolean ok;

  op_mail_imap_sync_folders_async (sync, NULL, op_mail_test_store_result, &r1);
  ok = op_mail_imap_sync_finish (sync, op_mail_test_wait_result (&r1, TIMEOUT), error);
  if (ok)
    {
      op_mail_imap_sync_folder_async (sync, folder, NULL, op_mail_test_store_result, &r2);
      ok = op_mail_imap_sync_finish (sync, op_mail_test_wait_result (&r2, TIMEOUT), error);
    }
  op_mail_imap_sync_close (sync);
  return ok;
}

/* The child: sync @folder into the store at @path, until killed or done. */
static int
child_main (const char *path,
            const char *folder)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpMailStore) store = op_mail_store_open_sync (path, NULL, &error);

  if (store == NULL || !sync_folder (store, folder, &error))
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }
  op_mail_store_close (store);
  return 0;
}

static char *
integrity (const char *path,
           gint64     *rows,
           gint64     *counted)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *result = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    result = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  *rows = 0;
  *counted = 0;
  if (sqlite3_prepare_v2 (db, "SELECT (SELECT count(*) FROM messages), (SELECT total (total) FROM folders)", -1,
                          &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    {
      *rows = sqlite3_column_int64 (stmt, 0);
      *counted = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return result;
}

static OpImapClient *
open_session (void)
{
  const char *host = op_test_endpoint_env ("OUTPOST_TEST_MAIL_HOST");
  const char *port = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_IMAPS_PORT");
  const char *user = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_USER");
  const char *password = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_PASSWORD");
  const char *ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  OpImapClient *client;

  if (host == NULL || port == NULL || user == NULL || password == NULL || ca == NULL)
    return NULL;
  verifier = op_test_verifier_new_for_ca_file (ca, &error);
  client = op_imap_client_new (host, (guint16) atoi (port), OP_SECURITY_IMPLICIT_TLS);
  op_imap_client_set_verifier (client, OP_TLS_VERIFIER (verifier));
  op_imap_client_connect_async (client, NULL, op_mail_test_store_result, &r1);
  g_assert_true (op_imap_client_connect_finish (client, op_mail_test_wait_result (&r1, TIMEOUT), &error));
  op_imap_client_login_async (client, user, password, OP_IMAP_AUTH_AUTO, NULL, op_mail_test_store_result, &r2);
  g_assert_true (op_imap_client_login_finish (client, op_mail_test_wait_result (&r2, TIMEOUT), &error));
  g_assert_no_error (error);
  return client;
}

static void
test_kill_first_sync (void)
{
  g_autoptr(OpImapClient) other = open_session ();
  g_autofree char *folder = NULL;
  g_autofree char *self_path = NULL;
  g_autoptr(GError) error = NULL;
  guint killed_mid = 0;
  guint duration_ms;
  gint64 lost = 0;

  if (other == NULL)
    return;
  folder = g_strdup_printf ("outpost-faults-%d", getpid ());
  {
    g_autoptr(GAsyncResult) r = NULL;
    op_imap_client_create_async (other, folder, NULL, op_mail_test_store_result, &r);
    g_assert_true (op_imap_client_simple_finish (other, op_mail_test_wait_result (&r, TIMEOUT), &error));
  }
  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autofree char *id = g_strdup_printf ("fault-%u@outpost.test", i);
      g_autofree char *subject = g_strdup_printf ("Fault test %u", i);
      g_autoptr(GBytes) bytes = op_mail_test_message (id, NULL, NULL, subject, "f@outpost.test", "x", 1700000000 + i);
      g_autoptr(GAsyncResult) r = NULL;

      op_imap_client_append_async (other, folder, bytes, NULL, NULL, NULL, op_mail_test_store_result, &r);
      g_assert_true (op_imap_client_append_finish (other, op_mail_test_wait_result (&r, TIMEOUT), NULL, &error));
    }

  self_path = g_file_read_link ("/proc/self/exe", NULL);

  /* How long a whole first sync takes here: the kills fall inside it. The shortest of
   * three, so that one slow start (a cold cache, a busy machine) does not stretch the
   * window past most children's end: a kill after a child finished tests nothing. */
  duration_ms = G_MAXUINT;
  for (guint run = 0; run < 3; run++)
    {
      g_autofree char *tdir = g_dir_make_tmp ("outpost-faults-XXXXXX", NULL);
      g_autofree char *tpath = g_build_filename (tdir, "store.sqlite", NULL);
      g_autoptr(GSubprocess) child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self_path, "--child",
                                                       tpath, folder, NULL);
      gint64 start = g_get_monotonic_time ();

      g_assert_no_error (error);
      g_assert_true (g_subprocess_wait_check (child, NULL, &error));
      duration_ms = MIN (duration_ms, (guint) ((g_get_monotonic_time () - start) / 1000));
      op_mail_test_remove_dir (tdir);
    }
  g_test_message ("a whole first sync of %u messages in a child: %u ms (the shortest of 3)", N_MESSAGES,
                  duration_ms);

  for (guint k = 0; k < OP_KILLS; k++)
    {
      g_autofree char *kdir = g_dir_make_tmp ("outpost-faults-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (kdir, "store.sqlite", NULL);
      g_autoptr(GSubprocess) child = NULL;
      g_autofree char *check = NULL;
      gint64 rows = 0, counted = 0;
      guint delay_ms = g_test_rand_int_range (1, MAX (duration_ms, 2));

      child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self_path, "--child", path, folder, NULL);
      g_assert_no_error (error);
      g_usleep (delay_ms * 1000);
      g_subprocess_send_signal (child, SIGKILL);
      g_subprocess_wait (child, NULL, NULL);
      if (g_subprocess_get_if_signaled (child))
        killed_mid++;

      check = g_file_test (path, G_FILE_TEST_EXISTS) ? integrity (path, &rows, &counted) : g_strdup ("ok");
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        rows = counted = 0;
      g_test_message ("kill %u after %u ms: %" G_GINT64_FORMAT " messages stored, integrity %s", k + 1,
                      delay_ms, rows, check);
      g_assert_cmpstr (check, ==, "ok");
      /* The folder counts never disagree with the rows, whatever was interrupted. */
      g_assert_cmpint (rows, ==, counted);
      g_assert_cmpint (rows, <=, N_MESSAGES);

      /* The next sync ends with exactly the server's messages. */
      {
        g_autoptr(OpMailStore) store = op_mail_store_open_sync (path, NULL, &error);
        g_autoptr(OpMailFolder) f = NULL;

        g_assert_no_error (error);
        g_assert_true (sync_folder (store, folder, &error));
        g_assert_no_error (error);
        op_mail_test_drain ();
        f = op_mail_store_lookup_folder (store, folder);
        lost += N_MESSAGES - (gint64) op_mail_folder_get_total (f);
        g_assert_true (op_mail_folder_get_complete (f));
        for (guint32 uid = 1; uid <= N_MESSAGES; uid++)
          {
            g_autoptr(OpMailMessage) m = op_mail_store_lookup_uid (store, op_mail_folder_get_id (f), uid);
            if (m == NULL)
              lost++;
          }
        op_mail_store_close (store);
      }
      op_mail_test_remove_dir (kdir);
    }
  g_test_message ("killed %u of %u children mid-sync; lost %" G_GINT64_FORMAT " messages", killed_mid, OP_KILLS,
                  lost);
  g_assert_cmpint (lost, ==, 0);
  g_assert_cmpuint (killed_mid, >=, OP_KILLS / 2);

  {
    g_autoptr(GAsyncResult) r = NULL;
    op_imap_client_delete_async (other, folder, NULL, op_mail_test_store_result, &r);
    g_assert_true (op_imap_client_simple_finish (other, op_mail_test_wait_result (&r, TIMEOUT), &error));
  }
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 4 && strcmp (argv[1], "--child") == 0)
    return child_main (argv[2], argv[3]);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mail/faults/kill-9-during-first-sync", test_kill_first_sync);
  return op_test_run ();
}
