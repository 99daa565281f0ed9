/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-mail-pop3-faults"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op-imap-client.h"
#include "op-mail-pop3-sync.h"
#include "op-mail-test-util.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"

/*
 * kill -9 during a POP3 download with delete-after-store (issue 12, "Faults"), OP_KILLS
 * times: N_DELIVERED messages are delivered (IMAP APPEND) to the POP3 test user, a child
 * process downloads them into a new store with leave-on-server off and is killed at a
 * moment: a third of the kills at random within the time a whole run takes, the others
 * soon after the child reports its first or its second batch committed
 * (OP_MAIL_POP3_BATCH is 20), so that they fall on the downloads, the commits, the DELEs
 * and the QUIT, not only on start-up.
 * No message may be gone from the server that the store lacks; a run in this process
 * then finishes, and every message must be in the store exactly once. Lost messages are
 * counted (must be 0); where the kills fell is reported (store and server at the kill).
 */

#define TIMEOUT 60
#define N_DELIVERED 30
#define OP_KILLS 20

static OpTestVerifier *
verifier_new (void)
{
  g_autoptr(GError) error = NULL;
  OpTestVerifier *verifier = op_test_verifier_new_for_ca_file (g_getenv ("OUTPOST_TEST_CA"), &error);

  g_assert_no_error (error);
  return verifier;
}

static OpImapClient *
imap_session (void)
{
  g_autoptr(OpTestVerifier) verifier = verifier_new ();
  OpImapClient *client = op_imap_client_new (g_getenv ("OUTPOST_TEST_MAIL_HOST"),
                                             (guint16) atoi (g_getenv ("OUTPOST_TEST_DOVECOT_IMAPS_PORT")),
                                             OP_SECURITY_IMPLICIT_TLS);
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GError) error = NULL;

  op_imap_client_set_verifier (client, OP_TLS_VERIFIER (verifier));
  op_imap_client_connect_async (client, NULL, op_mail_test_store_result, &r1);
  g_assert_true (op_imap_client_connect_finish (client, op_mail_test_wait_result (&r1, TIMEOUT), &error));
  op_imap_client_login_async (client, g_getenv ("OUTPOST_TEST_DOVECOT_POP_USER"),
                              g_getenv ("OUTPOST_TEST_DOVECOT_POP_PASSWORD"), OP_IMAP_AUTH_AUTO, NULL,
                              op_mail_test_store_result, &r2);
  g_assert_true (op_imap_client_login_finish (client, op_mail_test_wait_result (&r2, TIMEOUT), &error));
  g_assert_no_error (error);
  return client;
}

/* The subjects of what the server's INBOX holds now. */
static GHashTable *
server_subjects (OpImapClient *client)
{
  GHashTable *subjects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpImapSelectInfo) info = NULL;
  g_autoptr(GPtrArray) fetches = NULL;

  op_imap_client_select_async (client, "INBOX", TRUE, NULL, op_mail_test_store_result, &r1);
  info = op_imap_client_select_finish (client, op_mail_test_wait_result (&r1, TIMEOUT), &error);
  g_assert_no_error (error);
  if (info->exists == 0)
    return subjects;
  op_imap_client_fetch_async (client, "1:*", OP_IMAP_FETCH_UID | OP_IMAP_FETCH_ENVELOPE, NULL, NULL,
                              op_mail_test_store_result, &r2);
  fetches = op_imap_client_fetch_finish (client, op_mail_test_wait_result (&r2, TIMEOUT), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < fetches->len; i++)
    {
      OpImapFetch *fetch = g_ptr_array_index (fetches, i);
      if (fetch->envelope != NULL && fetch->envelope->subject != NULL)
        g_hash_table_add (subjects, g_strdup (fetch->envelope->subject));
    }
  return subjects;
}

static gboolean
run_sync (OpMailStore  *store,
          GError      **error)
{
  g_autoptr(OpTestVerifier) verifier = verifier_new ();
  g_autoptr(OpMailPop3Sync) sync = op_mail_pop3_sync_new (store, g_getenv ("OUTPOST_TEST_MAIL_HOST"),
                                                          (guint16) atoi (g_getenv ("OUTPOST_TEST_DOVECOT_POP3_PORT")),
                                                          OP_SECURITY_STARTTLS, g_getenv ("OUTPOST_TEST_DOVECOT_POP_USER"));
  g_autoptr(GAsyncResult) r = NULL;

  op_mail_pop3_sync_set_password (sync, g_getenv ("OUTPOST_TEST_DOVECOT_POP_PASSWORD"));
  op_mail_pop3_sync_set_verifier (sync, OP_TLS_VERIFIER (verifier));
  op_mail_pop3_sync_set_leave_on_server (sync, FALSE);
  op_mail_pop3_sync_run_async (sync, NULL, op_mail_test_store_result, &r);
  return op_mail_pop3_sync_run_finish (sync, op_mail_test_wait_result (&r, TIMEOUT), NULL, NULL, error);
}

/* The child tells the parent of each committed batch (a line on its standard output),
 * so that kills can follow a commit rather than land on start-up. */
static void
on_child_added (OpMailStore *store,
                gint64       folder_id,
                GArray      *ids,
                gpointer     user_data)
{
  g_print ("committed\n");
  fflush (stdout);
}

static int
child_main (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpMailStore) store = op_mail_store_open_sync (path, NULL, &error);

  if (store != NULL)
    g_signal_connect (store, "messages-added", G_CALLBACK (on_child_added), NULL);
  if (store == NULL || !run_sync (store, &error))
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }
  op_mail_store_close (store);
  return 0;
}

/* How many messages of the store carry @subject. */
static guint
stored (OpMailStore *store,
        const char  *subject)
{
  g_autoptr(OpMailFolder) inbox = op_mail_store_lookup_special (store, OP_MAIL_SPECIAL_USE_INBOX);
  guint n = 0;

  if (inbox == NULL)
    return 0;
  for (guint32 uid = 1; uid <= op_mail_folder_get_uidnext (inbox) + 64; uid++)
    {
      g_autoptr(OpMailMessage) m = op_mail_store_lookup_uid (store, op_mail_folder_get_id (inbox), uid);
      if (m != NULL && strcmp (op_mail_message_get_subject (m), subject) == 0)
        n++;
    }
  return n;
}

static void
test_kill_pop3 (void)
{
  g_autoptr(OpImapClient) imap = NULL;
  g_autofree char *self_path = NULL;
  g_autoptr(GError) error = NULL;
  guint killed_mid = 0, lost = 0, doubled = 0;
  /* Where the kills fell: nothing stored yet, some stored, all stored but none deleted,
   * deleted on the server. */
  guint before_store = 0, mid_store = 0, stored_all = 0, deleted = 0;
  guint duration_ms = 0;

  if (op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_POP_USER") == NULL
      || op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_POP3_PORT") == NULL
      || op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_IMAPS_PORT") == NULL
      || op_test_endpoint_env ("OUTPOST_TEST_CA") == NULL)
    return;
  self_path = g_file_read_link ("/proc/self/exe", NULL);
  imap = imap_session ();

  for (guint k = 0; k <= OP_KILLS; k++)
    {
      g_autofree char *dir = NULL;
      g_autofree char *path = NULL;
      g_autoptr(GSubprocess) child = NULL;
      char *subjects[N_DELIVERED];
      gint64 start;

      /* The mailbox empties at each round's end; what an earlier run left goes too. */
      {
        g_autoptr(OpMailStore) store = op_mail_test_open_store (&dir);
        g_assert_true (run_sync (store, &error));
        op_mail_store_close (store);
        op_mail_test_remove_dir (dir);
        g_clear_pointer (&dir, g_free);
      }
      for (guint i = 0; i < N_DELIVERED; i++)
        {
          g_autoptr(GBytes) message = NULL;
          g_autoptr(GAsyncResult) r = NULL;

          subjects[i] = g_strdup_printf ("pop3-fault-%d-%u-%u", getpid (), k, i);
          message = op_mail_test_message (NULL, NULL, NULL, subjects[i], "p@outpost.test", "x", 1700000000);
          op_imap_client_append_async (imap, "INBOX", message, NULL, NULL, NULL, op_mail_test_store_result, &r);
          g_assert_true (op_imap_client_append_finish (imap, op_mail_test_wait_result (&r, TIMEOUT), NULL, &error));
        }
      {
        g_autoptr(OpMailStore) store = op_mail_test_open_store (&dir);
        op_mail_store_close (store);
      }
      path = g_build_filename (dir, "store.sqlite", NULL);

      start = g_get_monotonic_time ();
      child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_path, "--child", path, NULL);
      g_assert_no_error (error);
      if (k == 0)
        {
          g_autofree char *out = NULL;

          g_assert_true (g_subprocess_communicate_utf8 (child, NULL, NULL, &out, NULL, &error));
          g_assert_no_error (error);
          g_assert_true (g_subprocess_get_successful (child));
          duration_ms = (g_get_monotonic_time () - start) / 1000;
          g_test_message ("a whole POP3 run of %u messages in a child: %u ms", N_DELIVERED, duration_ms);
        }
      else
        {
          /* A third of the kills at a random moment of the run, a third at most 10 ms
           * after the first batch's commit (the second batch's downloads and commit),
           * a third at most 10 ms after the second's (the DELEs and the QUIT). */
          guint after = k % 3;
          g_autoptr(GDataInputStream) lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));

          for (guint seen = 0; seen < after; seen++)
            {
              g_autofree char *line = g_data_input_stream_read_line (lines, NULL, NULL, NULL);
              if (line == NULL)
                break;
            }
          g_usleep (g_test_rand_int_range (0, after == 0 ? MAX (duration_ms, 2) : 10) * 1000);
          g_subprocess_send_signal (child, SIGKILL);
          g_subprocess_wait (child, NULL, NULL);
          if (g_subprocess_get_if_signaled (child))
            killed_mid++;
        }

      {
        g_autoptr(OpMailStore) store = op_mail_store_open_sync (path, NULL, &error);
        g_autoptr(GHashTable) on_server = server_subjects (imap);

        g_assert_no_error (error);
        guint held = 0, gone = 0;

        /* Nothing gone from the server that the store lacks. */
        for (guint i = 0; i < N_DELIVERED; i++)
          {
            gboolean here = stored (store, subjects[i]) > 0;

            held += here;
            if (!g_hash_table_contains (on_server, subjects[i]))
              {
                gone++;
                if (!here)
                  lost++;
              }
          }
        if (k > 0)
          {
            if (gone > 0)
              deleted++;
            else if (held == N_DELIVERED)
              stored_all++;
            else if (held > 0)
              mid_store++;
            else
              before_store++;
          }
        /* The next run finishes: each message in the store exactly once. */
        g_assert_true (run_sync (store, &error));
        g_assert_no_error (error);
        op_mail_test_drain ();
        for (guint i = 0; i < N_DELIVERED; i++)
          {
            guint n = stored (store, subjects[i]);
            if (n == 0)
              lost++;
            if (n > 1)
              doubled++;
            g_free (subjects[i]);
          }
        op_mail_store_close (store);
      }
      op_mail_test_remove_dir (dir);
    }
  g_test_message ("killed %u of %u runs mid-way; lost %u, stored twice %u", killed_mid, OP_KILLS, lost, doubled);
  g_test_message ("at the kills: %u with nothing stored, %u with some of %u stored, %u with all stored and "
                  "none deleted, %u with the deletions done", before_store, mid_store, N_DELIVERED, stored_all,
                  deleted);
  g_assert_cmpuint (lost, ==, 0);
  g_assert_cmpuint (doubled, ==, 0);
  g_assert_cmpuint (killed_mid, >=, OP_KILLS / 2);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && strcmp (argv[1], "--child") == 0)
    return child_main (argv[2]);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mail/faults/kill-9-during-pop3-delete-after-store", test_kill_pop3);
  return op_test_run ();
}
