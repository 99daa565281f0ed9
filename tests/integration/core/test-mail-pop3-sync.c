/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-mail-pop3-sync"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "op-imap-client.h"
#include "op-mail-pop3-sync.h"
#include "op-mail-test-util.h"
#include "op-pop3-client.h"
#include "op-test-fixtures.h"
#include "op-test-server.h"
#include "op-test-verifier.h"

#include <sqlite3.h>

/*
 * POP3 downloads into the store against Dovecot's POP3 (STLS), as the third test user,
 * whose mailbox only this test uses: mail is delivered by IMAP APPEND; the server's count
 * is read with STAT. Leave-on-server (the default), "after N days" and delete-after-store.
 * And against a scripted server: DELE only for what the store committed.
 */

#define TIMEOUT 60

typedef struct
{
  const char     *host;
  guint16         imaps;
  guint16         pop3;
  const char     *user;
  const char     *password;
  OpTestVerifier *verifier;
} Env;

static gboolean
get_env (Env *env)
{
  const char *imaps = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_IMAPS_PORT");
  const char *pop3 = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_POP3_PORT");
  const char *ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  g_autoptr(GError) error = NULL;

  env->host = op_test_endpoint_env ("OUTPOST_TEST_MAIL_HOST");
  env->user = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_POP_USER");
  env->password = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_POP_PASSWORD");
  if (imaps == NULL || pop3 == NULL || ca == NULL || env->host == NULL || env->user == NULL || env->password == NULL)
    return FALSE;
  env->imaps = (guint16) atoi (imaps);
  env->pop3 = (guint16) atoi (pop3);
  env->verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  return TRUE;
}

static void
deliver (Env        *env,
         const char *subject)
{
  g_autoptr(OpImapClient) client = op_imap_client_new (env->host, env->imaps, OP_SECURITY_IMPLICIT_TLS);
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = op_mail_test_message (NULL, NULL, NULL, subject, "Pop Sender <pop@outpost.test>",
                                                    "Downloaded by POP3.", 1700000000);

  op_imap_client_set_verifier (client, OP_TLS_VERIFIER (env->verifier));
  op_imap_client_connect_async (client, NULL, op_mail_test_store_result, &r1);
  g_assert_true (op_imap_client_connect_finish (client, op_mail_test_wait_result (&r1, TIMEOUT), &error));
  op_imap_client_login_async (client, env->user, env->password, OP_IMAP_AUTH_AUTO, NULL, op_mail_test_store_result, &r2);
  g_assert_true (op_imap_client_login_finish (client, op_mail_test_wait_result (&r2, TIMEOUT), &error));
  op_imap_client_append_async (client, "INBOX", message, NULL, NULL, NULL, op_mail_test_store_result, &r3);
  g_assert_true (op_imap_client_append_finish (client, op_mail_test_wait_result (&r3, TIMEOUT), NULL, &error));
  g_assert_no_error (error);
}

static guint
server_count (Env *env)
{
  g_autoptr(OpPop3Client) client = op_pop3_client_new (env->host, env->pop3, OP_SECURITY_STARTTLS);
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GError) error = NULL;
  guint count = 0;

  op_pop3_client_set_verifier (client, OP_TLS_VERIFIER (env->verifier));
  op_pop3_client_connect_async (client, env->user, env->password, NULL, op_mail_test_store_result, &r1);
  g_assert_true (op_pop3_client_connect_finish (client, op_mail_test_wait_result (&r1, TIMEOUT), &error));
  op_pop3_client_stat_async (client, NULL, op_mail_test_store_result, &r2);
  g_assert_true (op_pop3_client_stat_finish (client, op_mail_test_wait_result (&r2, TIMEOUT), &count, NULL, &error));
  op_pop3_client_quit_async (client, NULL, op_mail_test_store_result, &r3);
  op_pop3_client_quit_finish (client, op_mail_test_wait_result (&r3, TIMEOUT), NULL);
  return count;
}

static void
run (OpMailPop3Sync *sync,
     guint          *downloaded,
     guint          *deleted)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  op_mail_pop3_sync_run_async (sync, NULL, op_mail_test_store_result, &r);
  ok = op_mail_pop3_sync_run_finish (sync, op_mail_test_wait_result (&r, TIMEOUT), downloaded, deleted, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  op_mail_test_drain ();
}

static void
on_new_mail (OpMailPop3Sync *sync,
             gint64          folder,
             gint64          message,
             const char     *sender,
             const char     *subject,
             GString        *seen)
{
  g_string_append_printf (seen, "%s: %s;", sender, subject);
}

/* Moves the download time of the messages with these subjects (an SQL list of strings)
 * @days back, as if they had been downloaded that long ago; returns how many. */
static guint
age_downloads (const char *path,
               const char *subjects,
               guint       days)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = g_strdup_printf ("UPDATE pop3_uidls SET received = received - %u"
                                          " WHERE uid IN (SELECT uid FROM messages m"
                                          " WHERE m.folder_id = pop3_uidls.folder_id AND m.subject IN (%s))",
                                          days * 86400, subjects);
  guint changed;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  changed = sqlite3_changes (db);
  sqlite3_close (db);
  return changed;
}

static void
test_pop3 (void)
{
  Env env = { 0 };
  g_autofree char *dir = NULL;
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailPop3Sync) sync = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);
  guint downloaded = 0, deleted = 0, before, aged;

  if (!get_env (&env))
    return;
  /* Whatever an earlier, interrupted run left is part of the count. */
  before = server_count (&env);
  deliver (&env, "POP one");
  deliver (&env, "POP two");
  deliver (&env, "POP three");
  g_assert_cmpuint (server_count (&env), ==, before + 3);

  store = op_mail_test_open_store (&dir);
  sync = op_mail_pop3_sync_new (store, env.host, env.pop3, OP_SECURITY_STARTTLS, env.user);
  op_mail_pop3_sync_set_password (sync, env.password);
  op_mail_pop3_sync_set_verifier (sync, OP_TLS_VERIFIER (env.verifier));
  g_signal_connect (sync, "new-mail", G_CALLBACK (on_new_mail), seen);

  /* Leave on server, the default: everything downloaded, nothing deleted. */
  run (sync, &downloaded, &deleted);
  g_assert_cmpuint (downloaded, ==, before + 3);
  g_assert_cmpuint (deleted, ==, 0);
  g_assert_cmpuint (server_count (&env), ==, before + 3);
  {
    g_autoptr(OpMailFolder) inbox = op_mail_store_lookup_special (store, OP_MAIL_SPECIAL_USE_INBOX);
    g_assert_cmpuint (op_mail_folder_get_total (inbox), ==, before + 3);
  }
  /* The first run announces nothing (it is the mailbox as it was). */
  g_assert_cmpstr (seen->str, ==, "");

  /* Keyed by UIDL: a second run downloads only what is new, and says so. */
  run (sync, &downloaded, &deleted);
  g_assert_cmpuint (downloaded, ==, 0);
  deliver (&env, "POP four");
  run (sync, &downloaded, &deleted);
  g_assert_cmpuint (downloaded, ==, 1);
  g_assert_cmpstr (seen->str, ==, "Pop Sender: POP four;");

  /* Delete after 7 days: nothing is that old yet. */
  op_mail_pop3_sync_set_delete_after_days (sync, 7);
  run (sync, &downloaded, &deleted);
  g_assert_cmpuint (deleted, ==, 0);
  g_assert_cmpuint (server_count (&env), ==, before + 4);

  /* Eight days later for two of them (their download time moved back in the store):
   * those two go from the server, the others stay. */
  aged = age_downloads (op_mail_store_get_path (store), "'POP one', 'POP two'", 8);
  g_assert_cmpuint (aged, >=, 2);
  run (sync, &downloaded, &deleted);
  g_assert_cmpuint (downloaded, ==, 0);
  g_assert_cmpuint (deleted, ==, aged);
  g_assert_cmpuint (server_count (&env), ==, before + 4 - aged);

  /* Delete after storing: what the store holds goes from the server, not from the store. */
  op_mail_pop3_sync_set_leave_on_server (sync, FALSE);
  run (sync, &downloaded, &deleted);
  g_assert_cmpuint (downloaded, ==, 0);
  g_assert_cmpuint (deleted, ==, before + 4 - aged);
  g_assert_cmpuint (server_count (&env), ==, 0);
  {
    g_autoptr(OpMailFolder) inbox = op_mail_store_lookup_special (store, OP_MAIL_SPECIAL_USE_INBOX);
    g_assert_cmpuint (op_mail_folder_get_total (inbox), ==, before + 4);
  }

  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
  g_clear_object (&env.verifier);
}

/* A scripted server's session up to the end of RETR 2: two messages, each listed by UIDL
 * and retrieved. */
static void
script_download (OpTestServer *server)
{
  op_test_server_send (server, "+OK POP3 ready\r\n");
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "+OK\r\nUSER\r\nUIDL\r\n.\r\n");
  op_test_server_expect_line (server, "USER scripted");
  op_test_server_send (server, "+OK\r\n");
  op_test_server_expect_line (server, "PASS secret");
  op_test_server_send (server, "+OK Logged in.\r\n");
  op_test_server_expect_line (server, "UIDL");
  op_test_server_send (server, "+OK\r\n1 uidl-first\r\n2 uidl-second\r\n.\r\n");
  op_test_server_expect_line (server, "RETR 1");
  op_test_server_send (server, "+OK\r\nFrom: a@outpost.test\r\nSubject: first\r\n\r\nOne.\r\n.\r\n");
  op_test_server_expect_line (server, "RETR 2");
  op_test_server_send (server, "+OK\r\nFrom: b@outpost.test\r\nSubject: second\r\n\r\nTwo.\r\n.\r\n");
}

static OpMailPop3Sync *
scripted_sync (OpMailStore  *store,
               OpTestServer *server)
{
  OpMailPop3Sync *sync = op_mail_pop3_sync_new (store, "127.0.0.1", op_test_server_get_port (server),
                                                OP_SECURITY_NONE, "scripted");

  op_mail_pop3_sync_set_password (sync, "secret");
  op_mail_pop3_sync_set_allow_plaintext_password (sync, TRUE);
  op_mail_pop3_sync_set_leave_on_server (sync, FALSE);
  return sync;
}

/* Delete-after-store when the store cannot commit the download (a trigger refuses the
 * rows, as a full disk would): the run fails and no DELE is sent; once the store can
 * write again, the next run stores both messages, then deletes them. */
static void
test_no_dele_before_commit (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(OpMailStore) store = op_mail_test_open_store (&dir);
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (op_mail_store_get_path (store), &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TRIGGER test_refuse BEFORE INSERT ON messages"
                                 " BEGIN SELECT RAISE (ABORT, 'the disk is full'); END",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  {
    g_autoptr(OpTestServer) server = op_test_server_new ();
    g_autoptr(OpMailPop3Sync) sync = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_auto(GStrv) lines = NULL;

    script_download (server);
    /* Whatever the client sends next is recorded; it should close instead. */
    op_test_server_read_line (server);
    g_assert_true (op_test_server_start (server, &error));
    sync = scripted_sync (store, server);
    op_mail_pop3_sync_run_async (sync, NULL, op_mail_test_store_result, &r);
    g_assert_false (op_mail_pop3_sync_run_finish (sync, op_mail_test_wait_result (&r, TIMEOUT), NULL, NULL, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_clear_object (&sync);
    op_test_server_wait (server, 5000, NULL);
    lines = op_test_server_dup_received_lines (server);
    g_assert_cmpstr (lines[g_strv_length (lines) - 1], ==, "RETR 2");
    op_mail_test_drain ();
    {
      g_autoptr(OpMailFolder) inbox = op_mail_store_lookup_special (store, OP_MAIL_SPECIAL_USE_INBOX);
      g_assert_cmpuint (op_mail_folder_get_total (inbox), ==, 0);
    }
  }

  g_assert_cmpint (sqlite3_exec (db, "DROP TRIGGER test_refuse", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  {
    g_autoptr(OpTestServer) server = op_test_server_new ();
    g_autoptr(OpMailPop3Sync) sync = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    guint downloaded = 0, deleted = 0;

    script_download (server);
    op_test_server_expect_line (server, "DELE 1");
    op_test_server_send (server, "+OK\r\n");
    op_test_server_expect_line (server, "DELE 2");
    op_test_server_send (server, "+OK\r\n");
    op_test_server_expect_line (server, "QUIT");
    op_test_server_send (server, "+OK Bye.\r\n");
    g_assert_true (op_test_server_start (server, &error));
    sync = scripted_sync (store, server);
    op_mail_pop3_sync_run_async (sync, NULL, op_mail_test_store_result, &r);
    g_assert_true (op_mail_pop3_sync_run_finish (sync, op_mail_test_wait_result (&r, TIMEOUT), &downloaded, &deleted,
                                                 &error));
    g_assert_no_error (error);
    g_assert_true (op_test_server_wait (server, 5000, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (downloaded, ==, 2);
    g_assert_cmpuint (deleted, ==, 2);
    op_mail_test_drain ();
    {
      g_autoptr(OpMailFolder) inbox = op_mail_store_lookup_special (store, OP_MAIL_SPECIAL_USE_INBOX);
      g_assert_cmpuint (op_mail_folder_get_total (inbox), ==, 2);
    }
  }
  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mail/pop3-sync/leave-then-delete-after-store", test_pop3);
  g_test_add_func ("/mail/pop3-sync/scripted/no-dele-before-commit", test_no_dele_before_commit);

  return op_test_run ();
}
