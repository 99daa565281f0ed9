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
#include "op-test-verifier.h"

/*
 * POP3 downloads into the store against Dovecot's POP3 (STLS), as the third test user,
 * whose mailbox only this test uses: mail is delivered by IMAP APPEND; the server's count
 * is read with STAT. Leave-on-server (the default), "after N days" and delete-after-store.
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

static void
test_pop3 (void)
{
  Env env = { 0 };
  g_autofree char *dir = NULL;
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailPop3Sync) sync = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);
  guint downloaded = 0, deleted = 0, before;

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

  /* Delete after storing: what the store holds goes from the server, not from the store. */
  op_mail_pop3_sync_set_leave_on_server (sync, FALSE);
  run (sync, &downloaded, &deleted);
  g_assert_cmpuint (downloaded, ==, 0);
  g_assert_cmpuint (deleted, ==, before + 4);
  g_assert_cmpuint (server_count (&env), ==, 0);
  {
    g_autoptr(OpMailFolder) inbox = op_mail_store_lookup_special (store, OP_MAIL_SPECIAL_USE_INBOX);
    g_assert_cmpuint (op_mail_folder_get_total (inbox), ==, before + 4);
  }

  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
  g_clear_object (&env.verifier);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mail/pop3-sync/leave-then-delete-after-store", test_pop3);

  return op_test_run ();
}
