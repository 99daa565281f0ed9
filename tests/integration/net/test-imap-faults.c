/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-imap-faults"

#include "config.h"

#include <string.h>

#include "op-connection.h"
#include "op-imap-client.h"
#include "op-test-fixtures.h"
#include "op-test-gate-stream.h"
#include "op-test-server.h"
#include "op-test-verifier.h"
#include "op-test-async.h"

/*
 * OpImapClient against scripted in-process servers: the refusals that keep a password
 * safe (STARTTLS missing, refused or injected into; PREAUTH with TLS required;
 * LOGINDISABLED; plaintext), literals and their continuations, untagged responses
 * delivered as signals, IDLE ended by the next call, and MOVE's fallback order.
 */

#define TIMEOUT 10
/* How long a test waits for a call before calling it hung: long, because the floods
 * take many seconds under ASan on a busy machine. */
#define WAIT_SECONDS 120
#define WAIT_RESULT(slot) op_test_wait_result ((slot), WAIT_SECONDS)

/* --- running async calls ------------------------------------------------------------ */

static OpImapClient *
new_client (OpTestServer   *server,
            OpSecurity      security)
{
  OpImapClient *client = op_imap_client_new ("127.0.0.1", op_test_server_get_port (server),
                                             security);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) ca = op_test_load_ca (&error);
  g_autoptr(OpTestVerifier) verifier = NULL;

  g_assert_no_error (error);
  verifier = op_test_verifier_new_for_ca (ca);
  op_imap_client_set_verifier (client, OP_TLS_VERIFIER (verifier));
  op_imap_client_set_timeout (client, TIMEOUT);
  return client;
}

static gboolean
do_connect (OpImapClient  *client,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_imap_client_connect_async (client, NULL, op_test_store_result, &result);
  return op_imap_client_connect_finish (client, WAIT_RESULT (&result), error);
}

static gboolean
do_login (OpImapClient      *client,
          OpImapAuthMethod   method,
          GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_imap_client_login_async (client, "user", "sec\"ret", method, NULL, op_test_store_result, &result);
  return op_imap_client_login_finish (client, WAIT_RESULT (&result), error);
}

static gboolean
do_noop (OpImapClient  *client,
         GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_imap_client_noop_async (client, NULL, op_test_store_result, &result);
  return op_imap_client_noop_finish (client, WAIT_RESULT (&result), error);
}

static gboolean
server_saw (OpTestServer *server,
            const char   *fragment)
{
  g_auto(GStrv) lines = op_test_server_dup_received_lines (server);

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], fragment) != NULL)
      return TRUE;
  return FALSE;
}

static void
finish_server (OpTestServer *server)
{
  g_autoptr(GError) error = NULL;

  gboolean finished = op_test_server_wait (server, WAIT_SECONDS * 1000, &error);

  g_assert_no_error (error);
  g_assert_true (finished);
}

/* --- TLS and passwords ------------------------------------------------------------- */

static void
test_starttls_injection (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n");
  op_test_server_expect_line (server, "a1 STARTTLS");
  /* The go-ahead and an injected response in one write. */
  op_test_server_send (server, "a1 OK Begin TLS negotiation now.\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n");
  op_test_server_expect_close (server, WAIT_SECONDS * 1000);
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_STARTTLS);
  g_assert_false (do_connect (client, &error));
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_STARTTLS_INJECTION);
  g_assert_nonnull (strstr (error->message, "attack"));
  g_clear_error (&error);
  g_assert_false (do_login (client, OP_IMAP_AUTH_AUTO, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NOT_CONNECTED);
  finish_server (server);
  g_assert_false (server_saw (server, "AUTHENTICATE"));
  g_assert_false (server_saw (server, "LOGIN"));
}

static void
test_starttls_missing (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] no TLS here\r\n");
  op_test_server_expect_close (server, WAIT_SECONDS * 1000);
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_STARTTLS);
  g_assert_false (do_connect (client, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_TLS_REFUSED);
  g_assert_nonnull (strstr (error->message, "STARTTLS"));
  g_clear_error (&error);
  g_assert_false (do_login (client, OP_IMAP_AUTH_LOGIN, &error));
  finish_server (server);
  /* The server never saw a line, let alone LOGIN. */
  g_assert_false (server_saw (server, "LOGIN"));
  g_assert_false (server_saw (server, "user"));
}

static void
test_starttls_refused (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "* OK ready\r\n");
  op_test_server_expect_line (server, "a1 CAPABILITY");
  op_test_server_send (server, "* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK done\r\n");
  op_test_server_expect_line (server, "a2 STARTTLS");
  op_test_server_send (server, "a2 NO [UNAVAILABLE] TLS is broken today\r\n");
  op_test_server_expect_close (server, WAIT_SECONDS * 1000);
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_STARTTLS);
  g_assert_false (do_connect (client, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_TLS_REFUSED);
  g_assert_nonnull (strstr (error->message, "TLS is broken today"));
  finish_server (server);
  g_assert_false (server_saw (server, "LOGIN"));
}

static void
test_preauth_refused (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome back\r\n");
  op_test_server_expect_close (server, WAIT_SECONDS * 1000);
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_STARTTLS);
  g_assert_false (do_connect (client, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_PREAUTH_REFUSED);
  finish_server (server);
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_DISCONNECTED);
}

static void
test_preauth_without_tls (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  /* With security "none" (an explicit choice), PREAUTH is simply logged in. */
  op_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1] welcome back\r\n");
  op_test_server_expect_line (server, "a1 NOOP");
  op_test_server_send (server, "a1 OK nothing\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  g_assert_no_error (error);
  g_assert_true (do_login (client, OP_IMAP_AUTH_AUTO, &error));
  g_assert_true (do_noop (client, &error));
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_AUTHENTICATED);
  finish_server (server);
  g_assert_false (server_saw (server, "LOGIN"));
}

static void
test_login_disabled (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] ready\r\n");
  op_test_server_expect_line (server, "a1 NOOP");
  op_test_server_send (server, "a1 OK nothing\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  op_imap_client_set_allow_plaintext_password (client, TRUE);
  g_assert_true (do_connect (client, &error));
  g_assert_false (do_login (client, OP_IMAP_AUTH_AUTO, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_LOGIN_DISABLED);
  g_clear_error (&error);
  /* The session is still usable. */
  g_assert_true (do_noop (client, &error));
  finish_server (server);
  g_assert_false (server_saw (server, "LOGIN"));
}

static void
test_plaintext_refused (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
  op_test_server_expect_line (server, "a1 LOGOUT");
  op_test_server_send (server, "* BYE bye\r\na1 OK bye\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  g_assert_false (do_login (client, OP_IMAP_AUTH_AUTO, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_PLAINTEXT_REFUSED);
  {
    g_autoptr(GAsyncResult) result = NULL;

    op_imap_client_logout_async (client, NULL, op_test_store_result, &result);
    g_assert_true (op_imap_client_logout_finish (client, WAIT_RESULT (&result), NULL));
  }
  finish_server (server);
  g_assert_false (server_saw (server, "AUTHENTICATE"));
}

static void
test_starttls_then_plain (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *b64 = g_base64_encode ((const guchar *) "\0user\0sec\"ret", 13);
  g_autofree char *expected = g_strdup_printf ("a3 AUTHENTICATE PLAIN %s", b64);

  /* Before TLS the server claims LOGINDISABLED and no SASL-IR; after TLS, what it says
   * then is all that counts (RFC 3501 §6.2.1). */
  op_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n");
  op_test_server_expect_line (server, "a1 STARTTLS");
  op_test_server_send (server, "a1 OK go\r\n");
  op_test_server_start_tls (server);
  op_test_server_expect_line (server, "a2 CAPABILITY");
  op_test_server_send (server, "* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR IDLE\r\na2 OK\r\n");
  op_test_server_expect_line (server, expected);
  op_test_server_send (server, "a3 OK [CAPABILITY IMAP4rev1 IDLE MOVE] Logged in\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_STARTTLS);
  g_assert_true (do_connect (client, &error));
  g_assert_no_error (error);
  do_login (client, OP_IMAP_AUTH_AUTO, &error);
  g_assert_no_error (error);
  finish_server (server);
  g_assert_true (op_imap_client_is_tls (client));
  g_assert_true (op_imap_client_has_capability (client, "MOVE"));
  g_assert_false (op_imap_client_has_capability (client, "LOGINDISABLED"));
  /* The protocol log never shows the SASL blob. */
  entries = op_protocol_log_dup_entries (op_imap_client_get_log (client));
  for (guint i = 0; i < entries->len; i++)
    g_assert_null (strstr (op_log_entry_get_text (entries->pdata[i]), b64));
}

static void
test_authenticate_continuation (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *b64 = g_base64_encode ((const guchar *) "\0user\0sec\"ret", 13);

  /* AUTH=PLAIN without SASL-IR: the blob waits for the server's "+"; a refusal is a
   * failed login, and the session goes on. */
  op_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
  op_test_server_expect_line (server, "a1 AUTHENTICATE PLAIN");
  op_test_server_send (server, "+ \r\n");
  op_test_server_expect_line (server, b64);
  op_test_server_send (server, "a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
  op_test_server_expect_line (server, "a2 AUTHENTICATE PLAIN");
  op_test_server_send (server, "+ \r\n");
  op_test_server_expect_line (server, b64);
  op_test_server_send (server, "a2 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  op_imap_client_set_allow_plaintext_password (client, TRUE);
  g_assert_true (do_connect (client, &error));
  g_assert_false (do_login (client, OP_IMAP_AUTH_AUTO, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_AUTH_FAILED);
  g_assert_nonnull (strstr (error->message, "Authentication failed."));
  g_clear_error (&error);
  g_assert_true (do_login (client, OP_IMAP_AUTH_AUTO, &error));
  g_assert_no_error (error);
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_AUTHENTICATED);
  finish_server (server);
  entries = op_protocol_log_dup_entries (op_imap_client_get_log (client));
  for (guint i = 0; i < entries->len; i++)
    g_assert_null (strstr (op_log_entry_get_text (entries->pdata[i]), b64));
}

static void
test_authenticate_asked_twice (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *b64 = g_base64_encode ((const guchar *) "\0user\0sec\"ret", 13);
  g_auto(GStrv) lines = NULL;
  guint n_blobs = 0;

  /* A server that answers the credentials with another "+" gets "*" (cancel), not the
   * password again; the login fails and the session stays in step. */
  op_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
  op_test_server_expect_line (server, "a1 AUTHENTICATE PLAIN");
  op_test_server_send (server, "+ \r\n");
  op_test_server_expect_line (server, b64);
  op_test_server_send (server, "+ \r\n");
  op_test_server_expect_line (server, "*");
  op_test_server_send (server, "a1 BAD Authentication cancelled.\r\n");
  op_test_server_expect_line (server, "a2 NOOP");
  op_test_server_send (server, "a2 OK done\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  op_imap_client_set_allow_plaintext_password (client, TRUE);
  g_assert_true (do_connect (client, &error));
  g_assert_false (do_login (client, OP_IMAP_AUTH_AUTO, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_AUTH_FAILED);
  g_clear_error (&error);
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_NOT_AUTHENTICATED);
  g_assert_true (do_noop (client, &error));
  g_assert_no_error (error);
  finish_server (server);
  lines = op_test_server_dup_received_lines (server);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], b64) != NULL)
      n_blobs++;
  g_assert_cmpuint (n_blobs, ==, 1);
}

static void
test_login_literal_masked (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  /* A non-ASCII password goes as a literal; every line after LOGIN is masked. */
  op_test_server_send (server, "* OK [CAPABILITY IMAP4rev1] ready\r\n");
  op_test_server_expect_line (server, "a1 LOGIN \"user\" {7}");
  op_test_server_send (server, "+ go on\r\n");
  op_test_server_expect_line (server, "p\xc3\xa4sswd");
  op_test_server_send (server, "a1 OK done\r\n");
  op_test_server_expect_line (server, "a2 CAPABILITY");
  op_test_server_send (server, "* CAPABILITY IMAP4rev1\r\na2 OK\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  op_imap_client_set_allow_plaintext_password (client, TRUE);
  g_assert_true (do_connect (client, &error));
  op_imap_client_login_async (client, "user", "p\xc3\xa4sswd", OP_IMAP_AUTH_LOGIN, NULL,
                              op_test_store_result, &result);
  g_assert_true (op_imap_client_login_finish (client, WAIT_RESULT (&result), &error));
  g_assert_no_error (error);
  finish_server (server);
  entries = op_protocol_log_dup_entries (op_imap_client_get_log (client));
  for (guint i = 0; i < entries->len; i++)
    {
      const char *text = op_log_entry_get_text (entries->pdata[i]);

      g_assert_null (strstr (text, "sswd"));
      g_assert_null (strstr (text, "\"user\""));
    }
}

static void
test_bad_argument (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  op_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
  op_test_server_expect_line (server, "a1 NOOP");
  op_test_server_send (server, "a1 OK\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  op_imap_client_create_async (client, "evil\r\na2 DELETE INBOX", NULL, op_test_store_result, &result);
  g_assert_false (op_imap_client_simple_finish (client, WAIT_RESULT (&result), &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME);
  g_clear_error (&error);
  g_assert_true (do_noop (client, &error));
  finish_server (server);
  g_assert_false (server_saw (server, "DELETE"));
}

/* --- responses at any time ------------------------------------------------------------ */

typedef struct
{
  guint    exists;
  GArray  *expunged;
  char    *vanished;
  guint    flags_uid;
  char    *flags;
  char    *alert;
  gboolean got_exists;
} Events;

static void
on_exists (OpImapClient *client,
           guint         count,
           Events       *e)
{
  e->exists = count;
  e->got_exists = TRUE;
}

static void
on_expunged (OpImapClient *client,
             guint         seq,
             Events       *e)
{
  g_array_append_val (e->expunged, seq);
}

static void
on_vanished (OpImapClient *client,
             const char   *set,
             Events       *e)
{
  g_free (e->vanished);
  e->vanished = g_strdup (set);
}

static void
on_flags (OpImapClient *client,
          guint         seq,
          guint         uid,
          GStrv         flags,
          Events       *e)
{
  e->flags_uid = uid;
  g_free (e->flags);
  e->flags = g_strjoinv (" ", flags);
}

static void
on_alert (OpImapClient *client,
          const char   *text,
          Events       *e)
{
  g_free (e->alert);
  e->alert = g_strdup (text);
}

static void
events_connect (OpImapClient *client,
                Events       *e)
{
  e->expunged = g_array_new (FALSE, FALSE, sizeof (guint));
  g_signal_connect (client, "exists", G_CALLBACK (on_exists), e);
  g_signal_connect (client, "expunged", G_CALLBACK (on_expunged), e);
  g_signal_connect (client, "vanished", G_CALLBACK (on_vanished), e);
  g_signal_connect (client, "flags-changed", G_CALLBACK (on_flags), e);
  g_signal_connect (client, "alert", G_CALLBACK (on_alert), e);
}

static void
events_clear (Events *e)
{
  g_array_unref (e->expunged);
  g_free (e->vanished);
  g_free (e->flags);
  g_free (e->alert);
}

static void
select_inbox (OpImapClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OpImapSelectInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  op_imap_client_select_async (client, "INBOX", FALSE, NULL, op_test_store_result, &result);
  info = op_imap_client_select_finish (client, WAIT_RESULT (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (info->exists, ==, 4);
  g_assert_cmpuint (info->uidvalidity, ==, 77);
  g_assert_cmpuint (info->uidnext, ==, 9);
  g_assert_cmpuint (info->highestmodseq, ==, 120);
  g_assert_cmpstr (info->flags[0], ==, "\\Seen");
  g_assert_cmpstr (info->permanent_flags[1], ==, "\\*");
  g_assert_false (info->read_only);
}

static void
script_select (OpTestServer *server,
               const char   *tag)
{
  g_autofree char *line = g_strdup_printf ("%s SELECT \"INBOX\" (CONDSTORE)", tag);
  g_autofree char *done = g_strdup_printf ("%s OK [READ-WRITE] selected\r\n", tag);

  op_test_server_expect_line (server, line);
  op_test_server_send (server,
                       "* FLAGS (\\Seen \\Deleted)\r\n"
                       "* OK [PERMANENTFLAGS (\\Seen \\*)] ok\r\n"
                       "* 4 EXISTS\r\n* 0 RECENT\r\n"
                       "* OK [UIDVALIDITY 77] ok\r\n* OK [UIDNEXT 9] ok\r\n"
                       "* OK [HIGHESTMODSEQ 120] ok\r\n");
  op_test_server_send (server, done);
}

#define CAPS "* PREAUTH [CAPABILITY IMAP4rev1 IDLE CONDSTORE UIDPLUS] hi\r\n"

static void
test_untagged_events (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  Events e = { 0 };

  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 NOOP");
  op_test_server_send (server, "* 5 EXISTS\r\n* 2 EXPUNGE\r\n* 3 EXPUNGE\r\n"
                               "* 3 FETCH (UID 7 FLAGS (\\Seen \\Flagged))\r\n"
                               "* VANISHED 9:10\r\n* OK [ALERT] Disk almost full\r\n"
                               "a2 OK done\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  events_connect (client, &e);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  g_assert_true (do_noop (client, &error));
  /* Signals arrive on the main context, before the call's own callback. */
  g_assert_cmpuint (e.exists, ==, 5);
  g_assert_cmpuint (e.expunged->len, ==, 2);
  g_assert_cmpuint (g_array_index (e.expunged, guint, 1), ==, 3);
  g_assert_cmpuint (e.flags_uid, ==, 7);
  g_assert_cmpstr (e.flags, ==, "\\Seen \\Flagged");
  g_assert_cmpstr (e.vanished, ==, "9:10");
  g_assert_cmpstr (e.alert, ==, "Disk almost full");
  finish_server (server);
  events_clear (&e);
}

static void
test_idle_interrupted (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) idle = NULL;
  Events e = { 0 };

  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 IDLE");
  op_test_server_send (server, "+ idling\r\n");
  op_test_server_sleep (server, 100);
  op_test_server_send (server, "* 6 EXISTS\r\n");
  op_test_server_expect_line (server, "DONE");
  op_test_server_send (server, "* 7 EXISTS\r\na2 OK Idle completed\r\n");
  op_test_server_expect_line (server, "a3 NOOP");
  op_test_server_send (server, "a3 OK done\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  events_connect (client, &e);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  e.got_exists = FALSE;
  op_imap_client_idle_async (client, NULL, op_test_store_result, &idle);
  g_assert_true (op_test_spin_until (&e.got_exists, WAIT_SECONDS));
  g_assert_cmpuint (e.exists, ==, 6);
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_IDLE);
  /* The next call ends IDLE with DONE, then runs. */
  g_assert_true (do_noop (client, &error));
  g_assert_no_error (error);
  g_assert_true (op_imap_client_idle_finish (client, WAIT_RESULT (&idle), &error));
  g_assert_cmpuint (e.exists, ==, 7);
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_SELECTED);
  finish_server (server);
  events_clear (&e);
}

static void
test_idle_cancelled (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) idle = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Events e = { 0 };

  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 IDLE");
  op_test_server_send (server, "+ idling\r\n* 5 EXISTS\r\n");
  op_test_server_expect_line (server, "DONE");
  op_test_server_send (server, "a2 OK Idle completed\r\n");
  op_test_server_expect_line (server, "a3 NOOP");
  op_test_server_send (server, "a3 OK done\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  events_connect (client, &e);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  e.got_exists = FALSE;
  op_imap_client_idle_async (client, cancellable, op_test_store_result, &idle);
  g_assert_true (op_test_spin_until (&e.got_exists, WAIT_SECONDS));
  g_cancellable_cancel (cancellable);
  g_assert_false (op_imap_client_idle_finish (client, WAIT_RESULT (&idle), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  /* DONE left the session usable. */
  g_assert_true (do_noop (client, &error));
  finish_server (server);
  events_clear (&e);
}

/* Ending a session whose IDLE waits for a server that never answers DONE returns at once
 * too: the IDLE ends on the worker (here when the client's timeout passes), and the
 * connection is closed there. */
static void
test_shutdown_during_idle (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) idle = NULL;
  Events e = { 0 };
  gint64 start;

  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 IDLE");
  op_test_server_send (server, "+ idling\r\n* 5 EXISTS\r\n");
  op_test_server_expect_line (server, "DONE");
  op_test_server_expect_close (server, WAIT_SECONDS * 1000);
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  op_imap_client_set_timeout (client, 2);
  events_connect (client, &e);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  e.got_exists = FALSE;
  op_imap_client_idle_async (client, NULL, op_test_store_result, &idle);
  g_assert_true (op_test_spin_until (&e.got_exists, WAIT_SECONDS));
  start = g_get_monotonic_time ();
  op_session_shutdown (OP_SESSION (client));
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_TIME_SPAN_SECOND);
  g_assert_false (op_imap_client_idle_finish (client, WAIT_RESULT (&idle), &error));
  g_assert_nonnull (error);
  finish_server (server);
  events_clear (&e);
}

/* --- literals and the MOVE fallback ----------------------------------------------------- */

static void
test_append_waits_for_continuation (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) message = g_bytes_new_static ("Subject: x\r\n\r\nhi\r\n", 18);
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("+08:00");
  g_autoptr(GDateTime) date = g_date_time_new (tz, 2024, 3, 5, 9, 7, 1);
  const char *flags[] = { "\\Seen", "$Label1", NULL };
  guint32 uid = 0;

  op_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS] hi\r\n");
  op_test_server_expect_line (server, "a1 APPEND \"Entw&APw-rfe\" (\\Seen $Label1) \" 5-Mar-2024 09:07:01 +0800\" {18}");
  op_test_server_send (server, "+ Ready for literal data\r\n");
  op_test_server_expect_line (server, "Subject: x");
  op_test_server_expect_line (server, "");
  op_test_server_expect_line (server, "hi");
  op_test_server_expect_line (server, "");
  op_test_server_send (server, "a1 OK [APPENDUID 38505 3955] APPEND completed\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  op_imap_client_append_async (client, "Entw\xc3\xbcrfe", message, flags, date, NULL,
                               op_test_store_result, &result);
  g_assert_true (op_imap_client_append_finish (client, WAIT_RESULT (&result), &uid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (uid, ==, 3955);
  finish_server (server);
}

static void
test_search_literal_plus (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GArray) uids = NULL;
  const char *criteria[] = { "UNSEEN", "SUBJECT", "\xe4\xbd\xa0\xe5\xa5\xbd", "FROM", "a\"b", NULL };

  op_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+ CONDSTORE] hi\r\n");
  script_select (server, "a1");
  /* LITERAL+: no continuation is awaited. */
  op_test_server_expect_line (server, "a2 UID SEARCH CHARSET UTF-8 UNSEEN SUBJECT {6+}");
  op_test_server_expect_line (server, "\xe4\xbd\xa0\xe5\xa5\xbd FROM \"a\\\"b\"");
  op_test_server_send (server, "* SEARCH 3 9 12\r\na2 OK done\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  op_imap_client_search_async (client, criteria, NULL, op_test_store_result, &result);
  uids = op_imap_client_search_finish (client, WAIT_RESULT (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, 3);
  g_assert_cmpuint (g_array_index (uids, guint32, 2), ==, 12);
  finish_server (server);
}

static void
test_move_fallback_copy_fails (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  /* No MOVE: UID COPY first; when it fails nothing is deleted. */
  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 UID COPY 4:5 \"Nope\"");
  op_test_server_send (server, "a2 NO [TRYCREATE] Mailbox doesn't exist: Nope\r\n");
  op_test_server_expect_line (server, "a3 NOOP");
  op_test_server_send (server, "a3 OK\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  op_imap_client_move_async (client, "4:5", "Nope", NULL, op_test_store_result, &result);
  g_assert_false (op_imap_client_move_finish (client, WAIT_RESULT (&result), NULL, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_MAILBOX_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (do_noop (client, &error));
  finish_server (server);
  g_assert_false (server_saw (server, "UID STORE"));
  g_assert_false (server_saw (server, "EXPUNGE"));
}

static void
test_move_fallback (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *dest = NULL;

  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 UID COPY 4:5 \"Archive\"");
  op_test_server_send (server, "a2 OK [COPYUID 5 4:5 20:21] copied\r\n");
  op_test_server_expect_line (server, "a3 UID STORE 4:5 +FLAGS.SILENT (\\Deleted)");
  op_test_server_send (server, "a3 OK\r\n");
  op_test_server_expect_line (server, "a4 UID EXPUNGE 4:5");
  op_test_server_send (server, "* 3 EXPUNGE\r\n* 3 EXPUNGE\r\na4 OK\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  op_imap_client_move_async (client, "4:5", "Archive", NULL, op_test_store_result, &result);
  g_assert_true (op_imap_client_move_finish (client, WAIT_RESULT (&result), &dest, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (dest, ==, "20:21");
  finish_server (server);
}

static void
test_connection_lost (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 UID FETCH 1:* (UID FLAGS BODY.PEEK[]<0.100>)");
  op_test_server_send (server, "* 1 FETCH (UID 1 FLAGS () BODY[]<0> {100}\r\nonly a part");
  op_test_server_close (server);
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  {
    const char *sections[] = { "<0.100>", NULL };

    op_imap_client_fetch_async (client, "1:*", OP_IMAP_FETCH_FLAGS, sections, NULL,
                                op_test_store_result, &result);
  }
  g_assert_null (op_imap_client_fetch_finish (client, WAIT_RESULT (&result), &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_CONNECTION_LOST);
  finish_server (server);
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_DISCONNECTED);
}

static gboolean
cancel_soon (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel_mid_fetch (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 UID FETCH 1:* (UID FLAGS)");
  op_test_server_send (server, "* 1 FETCH (UID 1 FLAGS ())\r\n");
  op_test_server_expect_close (server, WAIT_SECONDS * 1000);
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  op_imap_client_fetch_async (client, "1:*", OP_IMAP_FETCH_FLAGS, NULL, cancellable,
                              op_test_store_result, &result);
  g_timeout_add (200, cancel_soon, cancellable);
  g_assert_null (op_imap_client_fetch_finish (client, WAIT_RESULT (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* The rest of the answer would come out of step: the session is clearly over. */
  finish_server (server);
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_DISCONNECTED);
}

static void
test_cancel_mid_stream (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autofree char *part = g_malloc (200000);
  guint64 size = 0;

  memset (part, 'm', 200000);
  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 UID FETCH 5 (UID BODY.PEEK[])");
  op_test_server_send (server, "* 2 FETCH (UID 5 BODY[] {10000000}\r\n");
  op_test_server_send_raw (server, part, 200000);
  /* The rest of the literal and the tagged reply never come before the cancel. */
  op_test_server_expect_close (server, WAIT_SECONDS * 1000);
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  op_imap_client_fetch_to_stream_async (client, 5, "", out, cancellable, op_test_store_result, &result);
  g_timeout_add (300, cancel_soon, cancellable);
  g_assert_false (op_imap_client_fetch_to_stream_finish (client, WAIT_RESULT (&result), &size,
                                                         &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)), ==, 200000);
  /* The parser was mid-literal and the tagged reply unread: the session is over, and
   * the next command says so instead of reading the rest of the old answer. */
  finish_server (server);
  g_assert_false (do_noop (client, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NOT_CONNECTED);
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_DISCONNECTED);
}

static gboolean
fetch_to_stream (OpImapClient   *client,
                 guint32         uid,
                 const char     *section,
                 GOutputStream  *out,
                 guint64        *size,
                 GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_imap_client_fetch_to_stream_async (client, uid, section, out, NULL, op_test_store_result, &result);
  return op_imap_client_fetch_to_stream_finish (client, WAIT_RESULT (&result), size, error);
}

static OpImapClient *
stream_client (OpTestServer *server)
{
  g_autoptr(GError) error = NULL;
  OpImapClient *client;

  g_assert_true (op_test_server_start (server, NULL));
  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  g_assert_no_error (error);
  select_inbox (client);
  return client;
}

static void
test_stream_only_requested (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out2 = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out3 = g_memory_output_stream_new_resizable ();
  guint64 size = 0;

  /* Around the body asked for: another message's body, an ENVELOPE literal, a LIST
   * name, the same message's other section, all literals the stream must not get. */
  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 UID FETCH 5 (UID BODY.PEEK[1]<0.100>)");
  op_test_server_send (server,
                       "* 1 FETCH (UID 3 BODY[1]<0> {7}\r\nwrong-1)\r\n"
                       "* LIST () \"/\" {6}\r\nfolder\r\n"
                       "* 2 FETCH (UID 5 ENVELOPE (NIL {9}\r\nsubject-x NIL NIL NIL NIL NIL NIL "
                       "NIL NIL) BODY[2] {7}\r\nwrong-2 BODY[1] {7}\r\nwrong-3 "
                       "BODY[1]<0> {11}\r\nhello world)\r\n"
                       "* 2 FETCH (UID 5 BODY[1]<0> {7}\r\nwrong-4)\r\n"
                       "a2 OK done\r\n");
  /* A server that puts the UID after the body, and sends another message's. */
  op_test_server_expect_line (server, "a3 UID FETCH 5 (UID BODY.PEEK[])");
  op_test_server_send (server, "* 1 FETCH (BODY[] {7}\r\nwrong-5 UID 3)\r\na3 OK done\r\n");
  /* The body once as a quoted string, then once more as a literal: the first counts. */
  op_test_server_expect_line (server, "a4 UID FETCH 5 (UID BODY.PEEK[])");
  op_test_server_send (server, "* 2 FETCH (UID 5 BODY[] \"first\")\r\n"
                       "* 2 FETCH (UID 5 BODY[] {6}\r\nsecond)\r\na4 OK done\r\n");
  client = stream_client (server);

  g_assert_true (fetch_to_stream (client, 5, "1<0.100>", out, &size, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, 11);
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                   "hello world", 11);

  g_assert_false (fetch_to_stream (client, 5, "", out2, &size, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE);
  g_clear_error (&error);

  g_assert_true (fetch_to_stream (client, 5, "", out3, &size, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, 5);
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out3)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out3)),
                   "first", 5);
  finish_server (server);
}

static void
test_stream_write_error (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = g_malloc (300000);
  char small[4], big[4];
  g_autoptr(GOutputStream) out = g_memory_output_stream_new (small, sizeof small, NULL, NULL);
  g_autoptr(GOutputStream) out2 = g_memory_output_stream_new (big, sizeof big, NULL, NULL);
  guint64 size = 0;

  memset (body, 'b', 300000);
  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 UID FETCH 5 (UID BODY.PEEK[])");
  op_test_server_send (server, "* 2 FETCH (UID 5 BODY[] \"hello world\")\r\na2 OK done\r\n");
  op_test_server_expect_line (server, "a3 UID FETCH 5 (UID BODY.PEEK[])");
  op_test_server_send (server, "* 2 FETCH (UID 5 BODY[] {300000}\r\n");
  op_test_server_send_raw (server, body, 300000);
  op_test_server_send (server, ")\r\na3 OK done\r\n");
  op_test_server_expect_line (server, "a4 NOOP");
  op_test_server_send (server, "a4 OK done\r\n");
  client = stream_client (server);

  /* The stream's own error is what the caller gets, small body or streamed one, and
   * the session goes on. */
  g_assert_false (fetch_to_stream (client, 5, "", out, &size, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_LOCAL);
  g_assert_null (strstr (error->message, "no longer exists"));
  g_clear_error (&error);
  g_assert_false (fetch_to_stream (client, 5, "", out2, &size, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_LOCAL);
  g_clear_error (&error);
  g_assert_true (do_noop (client, &error));
  g_assert_no_error (error);
  finish_server (server);
}

static void
test_stream_nil_body (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  guint64 size = 0;

  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 UID FETCH 5 (UID BODY.PEEK[3])");
  op_test_server_send (server, "* 2 FETCH (UID 5 BODY[3] NIL)\r\na2 OK done\r\n");
  op_test_server_expect_line (server, "a3 UID FETCH 5 (UID BODY.PEEK[3])");
  op_test_server_send (server, "* 2 FETCH (UID 5 FLAGS (\\Seen))\r\na3 OK done\r\n");
  client = stream_client (server);

  /* NIL, or no body at all, is an error, not an empty success. */
  g_assert_false (fetch_to_stream (client, 5, "3", out, &size, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NO);
  g_clear_error (&error);
  g_assert_false (fetch_to_stream (client, 5, "3", out, &size, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NO);
  g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)), ==, 0);
  finish_server (server);
}

/* Sends @n lines "@prefix NUMBER @suffix" in one piece, NUMBER going from @first by
 * @step. */
static void
send_flood (OpTestServer *server,
            const char   *prefix,
            const char   *suffix,
            guint         n,
            guint         first,
            guint         step)
{
  g_autoptr(GString) flood = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (flood, "%s%u%s\r\n", prefix, first + i * step, suffix);
  op_test_server_send_raw (server, flood->str, flood->len);
}

static void
expect_flood_refused (GError     *error,
                      const char *what)
{
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE);
  if (strstr (error->message, what) == NULL)
    g_error ("“%s” does not mention %s", error->message, what);
}

static void
test_fetch_flood (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  /* Four messages in the folder: a FETCH of more than 2 × 4 + 10000 responses is a
   * flood, and ends the session instead of filling memory. */
  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 UID FETCH 1:* (UID FLAGS)");
  send_flood (server, "* 1 FETCH (UID ", " FLAGS ())", 10009, 1, 1);
  op_test_server_send (server, "a2 OK done\r\n");
  op_test_server_expect_close (server, WAIT_SECONDS * 1000);
  client = stream_client (server);
  op_imap_client_fetch_async (client, "1:*", OP_IMAP_FETCH_FLAGS, NULL, NULL, op_test_store_result,
                              &result);
  g_assert_null (op_imap_client_fetch_finish (client, WAIT_RESULT (&result), &error));
  expect_flood_refused (error, "FETCH");
  finish_server (server);
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_DISCONNECTED);
}

static void
test_search_flood (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GString) line = g_string_new ("* SEARCH");

  for (guint i = 1; i <= 6000; i++)
    g_string_append_printf (line, " %u", i);
  g_string_append (line, "\r\n");
  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 UID SEARCH ALL");
  op_test_server_send (server, line->str);
  op_test_server_send (server, line->str);
  op_test_server_send (server, "a2 OK done\r\n");
  op_test_server_expect_close (server, WAIT_SECONDS * 1000);
  client = stream_client (server);
  op_imap_client_search_async (client, NULL, NULL, op_test_store_result, &result);
  g_assert_null (op_imap_client_search_finish (client, WAIT_RESULT (&result), &error));
  expect_flood_refused (error, "SEARCH");
  finish_server (server);
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_DISCONNECTED);
}

static void
test_list_flood (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  op_test_server_send (server, CAPS);
  op_test_server_expect_line (server, "a1 LIST \"\" \"*\"");
  send_flood (server, "* LIST () \"/\" f", "", 64 * 1024 + 1, 1, 1);
  op_test_server_send (server, "a1 OK done\r\n");
  op_test_server_expect_close (server, WAIT_SECONDS * 1000);
  g_assert_true (op_test_server_start (server, NULL));
  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  op_imap_client_list_async (client, NULL, FALSE, NULL, op_test_store_result, &result);
  g_assert_null (op_imap_client_list_finish (client, WAIT_RESULT (&result), &error));
  expect_flood_refused (error, "LIST");
  finish_server (server);
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_DISCONNECTED);
}

static void
count_exists (OpImapClient *client,
              guint         count,
              guint        *n)
{
  (*n)++;
}

static void
test_idle_events_coalesced (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) idle = NULL;
  g_autoptr(GAsyncResult) noop = NULL;
  Events e = { 0 };
  guint n_exists = 0;

  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 IDLE");
  op_test_server_send (server, "+ idling\r\n");
  op_test_server_sleep (server, 300);
  send_flood (server, "* ", " EXISTS", 5000, 5, 1);
  op_test_server_send (server, "* 3 EXPUNGE\r\n");
  op_test_server_expect_line (server, "DONE");
  op_test_server_send (server, "a2 OK Idle completed\r\n");
  op_test_server_expect_line (server, "a3 NOOP");
  op_test_server_send (server, "a3 OK done\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  events_connect (client, &e);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  g_signal_connect (client, "exists", G_CALLBACK (count_exists), &n_exists);
  op_imap_client_idle_async (client, NULL, op_test_store_result, &idle);
  while (op_imap_client_get_state (client) != OP_IMAP_STATE_IDLE)
    g_main_context_iteration (NULL, TRUE);
  op_imap_client_noop_async (client, NULL, op_test_store_result, &noop);
  /* The whole flood reaches the worker while the main context is not running: the
   * EXISTS burst waits as one event, not 5000 sources, and keeps its order with the
   * EXPUNGE after it. */
  finish_server (server);
  g_assert_true (op_imap_client_noop_finish (client, WAIT_RESULT (&noop), &error));
  g_assert_no_error (error);
  g_assert_true (op_imap_client_idle_finish (client, WAIT_RESULT (&idle), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_exists, ==, 1);
  g_assert_cmpuint (e.exists, ==, 5004);
  g_assert_cmpuint (e.expunged->len, ==, 1);
  g_assert_cmpuint (g_array_index (e.expunged, guint, 0), ==, 3);
  events_clear (&e);
}

static void
test_idle_events_flood (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) idle = NULL;

  /* EXPUNGE cannot be merged: past 64 Ki undelivered events, the session ends. */
  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 IDLE");
  op_test_server_send (server, "+ idling\r\n");
  op_test_server_sleep (server, 300);
  send_flood (server, "* ", " EXPUNGE", 64 * 1024 + 10, 1, 0);
  op_test_server_expect_close (server, WAIT_SECONDS * 1000);
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  op_imap_client_idle_async (client, NULL, op_test_store_result, &idle);
  while (op_imap_client_get_state (client) != OP_IMAP_STATE_IDLE)
    g_main_context_iteration (NULL, TRUE);
  finish_server (server);
  g_assert_false (op_imap_client_idle_finish (client, WAIT_RESULT (&idle), &error));
  expect_flood_refused (error, "notifications");
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_DISCONNECTED);
}

static void
test_check_unselect (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;

  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 CHECK");
  op_test_server_send (server, "a2 OK Check completed\r\n");
  op_test_server_expect_line (server, "a3 NOOP");
  op_test_server_send (server, "a3 OK\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  op_imap_client_check_async (client, NULL, op_test_store_result, &r1);
  g_assert_true (op_imap_client_simple_finish (client, WAIT_RESULT (&r1), &error));
  g_assert_no_error (error);
  /* No UNSELECT capability: refused here, nothing sent, the folder stays open. */
  op_imap_client_unselect_async (client, NULL, op_test_store_result, &r2);
  g_assert_false (op_imap_client_simple_finish (client, WAIT_RESULT (&r2), &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED);
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_SELECTED);
  g_assert_true (do_noop (client, NULL));
  finish_server (server);
  g_assert_false (server_saw (server, "UNSELECT"));
}

/* --- releasing a connected client -------------------------------------------------- */

static OpTestGateStream *gated_output;   /* the last connection gated_open_connection made */

/* OpSessionClass.open_connection for the test: the scripted server, through the gate. */
static OpConnection *
gated_open_connection (OpSession     *session,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GIOStream) stream = NULL;

  g_socket_client_set_timeout (client, TIMEOUT);
  conn = g_socket_client_connect_to_host (client, op_session_get_host (session),
                                          op_session_get_port (session), cancellable, error);
  if (conn == NULL)
    return NULL;
  g_socket_set_timeout (g_socket_connection_get_socket (conn), TIMEOUT);
  g_clear_object (&gated_output);
  gated_output = op_test_gate_stream_new (G_IO_STREAM (conn));
  stream = g_simple_io_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)),
                                   G_OUTPUT_STREAM (gated_output));
  return op_connection_new_for_stream (stream, op_session_get_host (session),
                                       op_session_get_port (session), NULL,
                                       op_session_get_log (session));
}

/* Dropping the last reference to a connected client on the main thread returns at once:
 * the connection is closed on the client's worker, however long that takes (issue 11;
 * the client used to close it in finalize, on the caller's thread). */
static void
test_release_connected (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpTestGateStream) output = NULL;
  g_autoptr(GError) error = NULL;
  OpSessionClass *klass = g_type_class_ref (OP_TYPE_IMAP_CLIENT);
  OpConnection *(*open_connection) (OpSession *, GCancellable *, GError **);
  OpImapClient *client;
  gint64 start;

  op_test_server_send (server, CAPS);
  op_test_server_expect_line (server, "a1 NOOP");
  op_test_server_send (server, "a1 OK done\r\n");
  op_test_server_expect_close (server, WAIT_SECONDS * 1000);
  g_assert_true (op_test_server_start (server, NULL));

  open_connection = klass->open_connection;
  klass->open_connection = gated_open_connection;
  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  klass->open_connection = open_connection;
  g_type_class_unref (klass);
  g_assert_true (do_noop (client, &error));
  g_assert_no_error (error);
  output = g_steal_pointer (&gated_output);

  /* From now on the close blocks, as a TLS close can. */
  op_test_gate_stream_set_shut (output, TRUE);
  start = g_get_monotonic_time ();
  g_object_unref (client);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_TIME_SPAN_SECOND);
  g_assert_false (op_test_gate_stream_wait_closed (output, 0));
  /* The worker closes it once it may, on its own thread. */
  op_test_gate_stream_set_shut (output, FALSE);
  g_assert_true (op_test_gate_stream_wait_closed (output, 5));
  g_assert_true (op_test_gate_stream_get_closed_on (output) != g_thread_self ());
  finish_server (server);
}

/* --- CONDSTORE / QRESYNC (RFC 7162) --------------------------------------------------- */


#define QR_CAPS "* PREAUTH [CAPABILITY IMAP4rev1 ENABLE CONDSTORE QRESYNC UIDPLUS] hi\r\n"

static void
enable_qresync (OpImapClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *caps[] = { "QRESYNC", NULL };
  g_auto(GStrv) enabled = NULL;

  op_imap_client_enable_async (client, caps, NULL, op_test_store_result, &result);
  enabled = op_imap_client_enable_finish (client, WAIT_RESULT (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (enabled[0], ==, "QRESYNC");
}

/* Each call that shares a finish function has a source tag of its own (issue 11), so a
 * result is always the call's own: create, delete, rename, (un)subscribe, close,
 * unselect, check and expunge through op_imap_client_simple_finish(), and both SELECTs
 * through op_imap_client_select_finish(). */
typedef struct
{
  gpointer    tag;
  const char *line;
} TaggedCall;

static void
test_source_tags (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  const TaggedCall calls[] = {
    { op_imap_client_create_async, "CREATE \"A\"" },
    { op_imap_client_rename_async, "RENAME \"A\" \"B\"" },
    { op_imap_client_subscribe_async, "SUBSCRIBE \"B\"" },
    { op_imap_client_unsubscribe_async, "UNSUBSCRIBE \"B\"" },
    { op_imap_client_delete_async, "DELETE \"B\"" },
    { op_imap_client_select_async, NULL },
    { op_imap_client_check_async, "CHECK" },
    { op_imap_client_expunge_async, "EXPUNGE" },
    { op_imap_client_unselect_async, "UNSELECT" },
    { op_imap_client_select_qresync_async, NULL },
    { op_imap_client_close_async, "CLOSE" },
  };
  guint n = 1;

  op_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1 UNSELECT ENABLE QRESYNC] hi\r\n");
  op_test_server_expect_line (server, "a1 ENABLE QRESYNC");
  op_test_server_send (server, "* ENABLED QRESYNC\r\na1 OK enabled\r\n");
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autofree char *tag = g_strdup_printf ("a%u", ++n);
      g_autofree char *line = NULL;
      g_autofree char *done = g_strdup_printf ("%s OK done\r\n", tag);

      if (calls[i].tag == (gpointer) op_imap_client_select_async)
        line = g_strdup_printf ("%s SELECT \"INBOX\"", tag);
      else if (calls[i].tag == (gpointer) op_imap_client_select_qresync_async)
        line = g_strdup_printf ("%s SELECT \"INBOX\" (QRESYNC (77 115))", tag);
      else
        line = g_strdup_printf ("%s %s", tag, calls[i].line);
      op_test_server_expect_line (server, line);
      if (calls[i].line == NULL)
        op_test_server_send (server, "* 4 EXISTS\r\n* OK [UIDVALIDITY 77] ok\r\n");
      op_test_server_send (server, done);
    }
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  enable_qresync (client);
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      gpointer tag = calls[i].tag;

      if (tag == (gpointer) op_imap_client_create_async)
        op_imap_client_create_async (client, "A", NULL, op_test_store_result, &result);
      else if (tag == (gpointer) op_imap_client_rename_async)
        op_imap_client_rename_async (client, "A", "B", NULL, op_test_store_result, &result);
      else if (tag == (gpointer) op_imap_client_subscribe_async)
        op_imap_client_subscribe_async (client, "B", NULL, op_test_store_result, &result);
      else if (tag == (gpointer) op_imap_client_unsubscribe_async)
        op_imap_client_unsubscribe_async (client, "B", NULL, op_test_store_result, &result);
      else if (tag == (gpointer) op_imap_client_delete_async)
        op_imap_client_delete_async (client, "B", NULL, op_test_store_result, &result);
      else if (tag == (gpointer) op_imap_client_select_async)
        op_imap_client_select_async (client, "INBOX", FALSE, NULL, op_test_store_result, &result);
      else if (tag == (gpointer) op_imap_client_select_qresync_async)
        op_imap_client_select_qresync_async (client, "INBOX", FALSE, 77, 115, NULL, NULL,
                                             op_test_store_result, &result);
      else if (tag == (gpointer) op_imap_client_check_async)
        op_imap_client_check_async (client, NULL, op_test_store_result, &result);
      else if (tag == (gpointer) op_imap_client_expunge_async)
        op_imap_client_expunge_async (client, NULL, op_test_store_result, &result);
      else if (tag == (gpointer) op_imap_client_unselect_async)
        op_imap_client_unselect_async (client, NULL, op_test_store_result, &result);
      else
        op_imap_client_close_async (client, NULL, op_test_store_result, &result);
      WAIT_RESULT (&result);
      g_assert_true (g_async_result_is_tagged (result, tag));
      if (calls[i].line == NULL)
        {
          g_autoptr(OpImapSelectInfo) info = op_imap_client_select_finish (client, result, &error);

          g_assert_no_error (error);
          g_assert_cmpuint (info->exists, ==, 4);
        }
      else
        {
          g_assert_true (op_imap_client_simple_finish (client, result, &error));
          g_assert_no_error (error);
        }
    }
  finish_server (server);
}

static void
test_qresync_select (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(OpImapSelectInfo) refused = NULL;
  g_autoptr(OpImapSelectInfo) info = NULL;
  OpImapFetch *f;
  Events e = { 0 };

  op_test_server_send (server, QR_CAPS);
  op_test_server_expect_line (server, "a1 ENABLE QRESYNC");
  op_test_server_send (server, "* ENABLED QRESYNC\r\na1 OK enabled\r\n");
  op_test_server_expect_line (server, "a2 EXAMINE \"INBOX\" (QRESYNC (77 115 1:9))");
  op_test_server_send (server,
                       "* FLAGS (\\Seen \\Deleted)\r\n"
                       "* 4 EXISTS\r\n* 0 RECENT\r\n"
                       "* OK [UIDVALIDITY 77] ok\r\n* OK [UIDNEXT 9] ok\r\n"
                       "* OK [HIGHESTMODSEQ 120] ok\r\n"
                       "* VANISHED (EARLIER) 2,5:6\r\n"
                       "* VANISHED (EARLIER) 8\r\n"
                       "* 2 FETCH (UID 4 FLAGS (\\Seen) MODSEQ (118))\r\n"
                       "* 3 FETCH (UID 7 FLAGS () MODSEQ (120))\r\n"
                       "a2 OK [READ-ONLY] examined\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  events_connect (client, &e);
  g_assert_true (do_connect (client, &error));
  /* Before ENABLE QRESYNC the parameters cannot be sent: refused, nothing written. */
  op_imap_client_select_qresync_async (client, "INBOX", TRUE, 77, 115, "1:9", NULL,
                                       op_test_store_result, &r1);
  refused = op_imap_client_select_finish (client, WAIT_RESULT (&r1), &error);
  g_assert_null (refused);
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  enable_qresync (client);
  op_imap_client_select_qresync_async (client, "INBOX", TRUE, 77, 115, "1:9", NULL,
                                       op_test_store_result, &r2);
  info = op_imap_client_select_finish (client, WAIT_RESULT (&r2), &error);
  g_assert_no_error (error);
  g_assert_true (info->read_only);
  g_assert_cmpuint (info->highestmodseq, ==, 120);
  /* Every VANISHED (EARLIER) and FETCH lands in the result, none as a signal. */
  g_assert_cmpstr (info->vanished, ==, "2,5:6,8");
  g_assert_cmpuint (info->changed->len, ==, 2);
  f = g_ptr_array_index (info->changed, 0);
  g_assert_cmpuint (f->uid, ==, 4);
  g_assert_cmpuint (f->modseq, ==, 118);
  g_assert_cmpstr (f->flags[0], ==, "\\Seen");
  f = g_ptr_array_index (info->changed, 1);
  g_assert_cmpuint (f->uid, ==, 7);
  g_assert_cmpuint (f->modseq, ==, 120);
  g_assert_null (f->flags[0]);
  finish_server (server);
  g_assert_null (e.vanished);
  g_assert_cmpuint (e.flags_uid, ==, 0);
  g_assert_false (server_saw (server, "a1 EXAMINE"));
  events_clear (&e);
}

static GPtrArray *
fetch_changed (OpImapClient  *client,
               guint64        changedsince,
               char         **vanished,
               GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_imap_client_fetch_changed_async (client, "1:*", OP_IMAP_FETCH_FLAGS, NULL, changedsince,
                                      NULL, op_test_store_result, &result);
  return op_imap_client_fetch_changed_finish (client, WAIT_RESULT (&result), vanished, error);
}

static void
test_fetch_changedsince (void)
{
  g_autoptr(OpTestServer) plain = op_test_server_new ();
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(OpImapClient) qr_client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) msgs = NULL;
  g_autoptr(GPtrArray) qr_msgs = NULL;
  g_autofree char *vanished = NULL;
  g_autofree char *qr_vanished = NULL;
  OpImapFetch *f;

  /* CONDSTORE only: CHANGEDSINCE without VANISHED. */
  op_test_server_send (plain, CAPS);
  script_select (plain, "a1");
  op_test_server_expect_line (plain, "a2 UID FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE 115)");
  op_test_server_send (plain, "* 2 FETCH (UID 4 FLAGS (\\Seen) MODSEQ (118))\r\n"
                              "a2 OK done\r\n");
  g_assert_true (op_test_server_start (plain, NULL));
  client = new_client (plain, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  msgs = fetch_changed (client, 115, &vanished, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msgs->len, ==, 1);
  f = msgs->pdata[0];
  g_assert_cmpuint (f->uid, ==, 4);
  g_assert_true (f->items & OP_IMAP_FETCH_MODSEQ);
  g_assert_cmpuint (f->modseq, ==, 118);
  g_assert_null (vanished);
  finish_server (plain);

  /* QRESYNC enabled: … VANISHED, and the VANISHED (EARLIER) sets come back. */
  op_test_server_send (server, QR_CAPS);
  op_test_server_expect_line (server, "a1 ENABLE QRESYNC");
  op_test_server_send (server, "* ENABLED QRESYNC\r\na1 OK enabled\r\n");
  script_select (server, "a2");
  op_test_server_expect_line (server,
                              "a3 UID FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE 115 VANISHED)");
  op_test_server_send (server, "* VANISHED (EARLIER) 3\r\n"
                               "* 1 FETCH (UID 2 FLAGS (\\Seen \\Flagged) MODSEQ (119))\r\n"
                               "* VANISHED (EARLIER) 5:6\r\n"
                               "a3 OK done\r\n");
  g_assert_true (op_test_server_start (server, NULL));
  qr_client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (qr_client, &error));
  enable_qresync (qr_client);
  select_inbox (qr_client);
  qr_msgs = fetch_changed (qr_client, 115, &qr_vanished, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (qr_msgs->len, ==, 1);
  f = qr_msgs->pdata[0];
  g_assert_cmpuint (f->uid, ==, 2);
  g_assert_cmpuint (f->modseq, ==, 119);
  g_assert_cmpstr (qr_vanished, ==, "3,5:6");
  finish_server (server);
}

static void
test_fetch_changedsince_unsupported (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) msgs = NULL;

  op_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
  op_test_server_expect_line (server, "a1 SELECT \"INBOX\"");
  op_test_server_send (server, "* 1 EXISTS\r\na1 OK [READ-WRITE] selected\r\n");
  op_test_server_expect_line (server, "a2 NOOP");
  op_test_server_send (server, "a2 OK\r\n");
  g_assert_true (op_test_server_start (server, NULL));
  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(OpImapSelectInfo) info = NULL;

    op_imap_client_select_async (client, "INBOX", FALSE, NULL, op_test_store_result, &result);
    info = op_imap_client_select_finish (client, WAIT_RESULT (&result), &error);
    g_assert_no_error (error);
  }
  /* Without CONDSTORE the modifier cannot be sent: refused, nothing written. */
  msgs = fetch_changed (client, 1, NULL, &error);
  g_assert_null (msgs);
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_true (do_noop (client, &error));
  finish_server (server);
  g_assert_false (server_saw (server, "CHANGEDSINCE"));
}

static gboolean
store_unchanged (OpImapClient  *client,
                 const char    *set,
                 guint64        unchangedsince,
                 char         **modified,
                 GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  const char *flags[] = { "\\Seen", NULL };

  op_imap_client_store_unchanged_async (client, set, OP_IMAP_STORE_ADD, flags, unchangedsince,
                                        NULL, op_test_store_result, &result);
  return op_imap_client_store_unchanged_finish (client, WAIT_RESULT (&result), modified, error);
}

static void
test_store_unchangedsince (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *modified = NULL;
  g_autofree char *none = NULL;
  g_autofree char *bad = NULL;

  op_test_server_send (server, CAPS);
  script_select (server, "a1");
  op_test_server_expect_line (server, "a2 UID STORE 1:8 (UNCHANGEDSINCE 120) +FLAGS.SILENT (\\Seen)");
  op_test_server_send (server, "* 1 FETCH (UID 1 MODSEQ (121))\r\n"
                               "a2 OK [MODIFIED 2,7:8] Conditional STORE failed\r\n");
  op_test_server_expect_line (server, "a3 UID STORE 3 (UNCHANGEDSINCE 121) +FLAGS.SILENT (\\Seen)");
  op_test_server_send (server, "a3 OK done\r\n");
  op_test_server_expect_line (server, "a4 UID STORE 3 (UNCHANGEDSINCE 122) +FLAGS.SILENT (\\Seen)");
  op_test_server_send (server, "a4 OK [MODIFIED 3:x] huh\r\n");
  g_assert_true (op_test_server_start (server, NULL));

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (do_connect (client, &error));
  select_inbox (client);
  /* Stored on the others; the MODIFIED set says which were not. */
  g_assert_true (store_unchanged (client, "1:8", 120, &modified, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (modified, ==, "2,7:8");
  /* All stored: no set. */
  g_assert_true (store_unchanged (client, "3", 121, &none, &error));
  g_assert_no_error (error);
  g_assert_null (none);
  /* A set that is not one is a bad response, not a silent success. */
  g_assert_false (store_unchanged (client, "3", 122, &bad, &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE);
  g_assert_null (bad);
  finish_server (server);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/faults/starttls-injection", test_starttls_injection);
  g_test_add_func ("/imap/faults/starttls-missing", test_starttls_missing);
  g_test_add_func ("/imap/faults/starttls-refused", test_starttls_refused);
  g_test_add_func ("/imap/faults/preauth-refused", test_preauth_refused);
  g_test_add_func ("/imap/faults/preauth-without-tls", test_preauth_without_tls);
  g_test_add_func ("/imap/faults/login-disabled", test_login_disabled);
  g_test_add_func ("/imap/faults/plaintext-refused", test_plaintext_refused);
  g_test_add_func ("/imap/faults/starttls-then-plain", test_starttls_then_plain);
  g_test_add_func ("/imap/faults/login-literal-masked", test_login_literal_masked);
  g_test_add_func ("/imap/faults/authenticate-continuation", test_authenticate_continuation);
  g_test_add_func ("/imap/faults/authenticate-asked-twice", test_authenticate_asked_twice);
  g_test_add_func ("/imap/faults/bad-argument", test_bad_argument);
  g_test_add_func ("/imap/faults/untagged-events", test_untagged_events);
  g_test_add_func ("/imap/faults/idle-interrupted", test_idle_interrupted);
  g_test_add_func ("/imap/faults/idle-cancelled", test_idle_cancelled);
  g_test_add_func ("/imap/faults/append-waits-for-continuation", test_append_waits_for_continuation);
  g_test_add_func ("/imap/faults/search-literal-plus", test_search_literal_plus);
  g_test_add_func ("/imap/faults/move-fallback/copy-fails", test_move_fallback_copy_fails);
  g_test_add_func ("/imap/faults/move-fallback/copy-store-expunge", test_move_fallback);
  g_test_add_func ("/imap/faults/connection-lost", test_connection_lost);
  g_test_add_func ("/imap/faults/cancel-mid-fetch", test_cancel_mid_fetch);
  g_test_add_func ("/imap/faults/cancel-mid-stream", test_cancel_mid_stream);
  g_test_add_func ("/imap/faults/stream-only-requested", test_stream_only_requested);
  g_test_add_func ("/imap/faults/stream-write-error", test_stream_write_error);
  g_test_add_func ("/imap/faults/stream-nil-body", test_stream_nil_body);
  g_test_add_func ("/imap/faults/flood/fetch", test_fetch_flood);
  g_test_add_func ("/imap/faults/flood/search", test_search_flood);
  g_test_add_func ("/imap/faults/flood/list", test_list_flood);
  g_test_add_func ("/imap/faults/flood/idle-coalesced", test_idle_events_coalesced);
  g_test_add_func ("/imap/faults/flood/idle-events", test_idle_events_flood);
  g_test_add_func ("/imap/faults/check-unselect", test_check_unselect);
  g_test_add_func ("/imap/faults/qresync/select", test_qresync_select);
  g_test_add_func ("/imap/faults/source-tags", test_source_tags);
  g_test_add_func ("/imap/faults/release-connected", test_release_connected);
  g_test_add_func ("/imap/faults/shutdown-during-idle", test_shutdown_during_idle);
  g_test_add_func ("/imap/faults/condstore/fetch-changedsince", test_fetch_changedsince);
  g_test_add_func ("/imap/faults/condstore/fetch-changedsince-unsupported",
                   test_fetch_changedsince_unsupported);
  g_test_add_func ("/imap/faults/condstore/store-unchangedsince", test_store_unchangedsince);

  return op_test_run ();
}
