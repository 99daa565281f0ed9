/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-pop3-scripted"
#define _GNU_SOURCE  /* memmem, in op-test-freed-secret.h */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-connection.h"
#include "op-pop3-client.h"
#include "op-test-async.h"
#include "op-test-fixtures.h"
#include "op-test-freed-secret.h"
#include "op-test-server.h"
#include "op-test-verifier.h"

/*
 * OpPop3Client against scripted in-process servers (tests/support/op-test-server.h):
 * what real servers cannot be made to do. A reply injected right after the STLS
 * go-ahead, a server without STLS when TLS is required (refused before any password),
 * capabilities forgotten after TLS, -ERR [IN-USE], a connection dropped in the middle
 * of a message (no partial message reported as complete), data after the terminator,
 * cancellation, APOP with RFC 1939's own example, and the protocol log's masking.
 */

#define USER     "mrose"
#define PASSWORD "tanstaaf"
#define TIMEOUT  3
/* RFC 1939 §7's example: this greeting timestamp and "tanstaaf" give this digest. */
#define RFC_TIMESTAMP "<1896.697170952@dbc.mtview.ca.us>"
#define RFC_DIGEST    "c4c9334bac560ecc979e58001b3e22fb"

/* --- running async calls ------------------------------------------------------------ */

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  return op_test_wait_result (slot, 30);
}

static gboolean
client_connect (OpPop3Client  *client,
                const char    *user,
                const char    *password,
                GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  op_pop3_client_connect_async (client, user, password, NULL, op_test_store_result, &result);
  ok = op_pop3_client_connect_finish (client, wait_result (&result), error);
  op_test_spin_pending ();
  return ok;
}

static gboolean
client_noop (OpPop3Client  *client,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  op_pop3_client_noop_async (client, cancellable, op_test_store_result, &result);
  ok = op_pop3_client_noop_finish (client, wait_result (&result), error);
  op_test_spin_pending ();
  return ok;
}

typedef struct
{
  guint   n_calls;
  guint64 done;
  guint64 total;
} Progress;

static void
record_progress (guint64  done,
                 guint64  total,
                 gpointer user_data)
{
  Progress *p = user_data;

  g_assert_cmpuint (done, >=, p->done);
  p->n_calls++;
  p->done = done;
  p->total = total;
}

static gboolean
client_retr_progress (OpPop3Client   *client,
                      guint           number,
                      GOutputStream  *output,
                      Progress       *progress,
                      GCancellable   *cancellable,
                      guint64        *bytes,
                      GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  op_pop3_client_retr_async (client, number, output, progress != NULL ? record_progress : NULL,
                             progress, cancellable, op_test_store_result, &result);
  ok = op_pop3_client_retr_finish (client, wait_result (&result), bytes, error);
  op_test_spin_pending ();
  return ok;
}

static gboolean
client_retr (OpPop3Client   *client,
             guint           number,
             GOutputStream  *output,
             GCancellable   *cancellable,
             guint64        *bytes,
             GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  op_pop3_client_retr_async (client, number, output, NULL, NULL, cancellable, op_test_store_result,
                             &result);
  ok = op_pop3_client_retr_finish (client, wait_result (&result), bytes, error);
  op_test_spin_pending ();
  return ok;
}

static gboolean
client_quit (OpPop3Client  *client,
             GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  op_pop3_client_quit_async (client, NULL, op_test_store_result, &result);
  ok = op_pop3_client_quit_finish (client, wait_result (&result), error);
  op_test_spin_pending ();
  return ok;
}

static OpPop3Client *
new_client (OpTestServer   *server,
            OpSecurity  security)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) ca = op_test_load_ca (&error);
  g_autoptr(OpTestVerifier) verifier = NULL;
  OpPop3Client *client;

  g_assert_no_error (error);
  verifier = op_test_verifier_new_for_ca (ca);
  client = op_pop3_client_new ("127.0.0.1", op_test_server_get_port (server), security);
  op_pop3_client_set_verifier (client, OP_TLS_VERIFIER (verifier));
  op_pop3_client_set_timeout (client, TIMEOUT);
  return client;
}

static void
start_server (OpTestServer *server)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_test_server_start (server, &error));
  g_assert_no_error (error);
}

static void
assert_server_ok (OpTestServer *server)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_test_server_wait (server, 10000, &error));
  g_assert_no_error (error);
}

/* The proof that nothing secret left: no login command ever reached the server. */
static void
assert_no_credentials_sent (OpTestServer *server)
{
  g_auto(GStrv) lines = op_test_server_dup_received_lines (server);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *upper = g_ascii_strup (lines[i], -1);

      if (g_str_has_prefix (upper, "USER") || g_str_has_prefix (upper, "PASS") ||
          g_str_has_prefix (upper, "AUTH") || g_str_has_prefix (upper, "APOP") ||
          strstr (lines[i], PASSWORD) != NULL)
        g_error ("the server received a login command: “%s”", lines[i]);
    }
}

static void
assert_log_clean (OpPop3Client *client)
{
  g_autoptr(GPtrArray) entries = op_protocol_log_dup_entries (op_pop3_client_get_log (client));
  g_autofree char *b64 = NULL;
  static const char plain[] = "\0" USER "\0" PASSWORD;

  b64 = g_base64_encode ((const guchar *) plain, sizeof plain - 1);
  for (guint i = 0; i < entries->len; i++)
    {
      const char *text = op_log_entry_get_text (entries->pdata[i]);

      g_assert_null (strstr (text, PASSWORD));
      g_assert_null (strstr (text, b64));
      g_assert_null (strstr (text, RFC_DIGEST));
    }
}

static gboolean
log_has_sent (OpPop3Client *client,
              const char   *line)
{
  g_autoptr(GPtrArray) entries = op_protocol_log_dup_entries (op_pop3_client_get_log (client));

  for (guint i = 0; i < entries->len; i++)
    if (op_log_entry_get_direction (entries->pdata[i]) == OP_LOG_SENT &&
        g_str_equal (op_log_entry_get_text (entries->pdata[i]), line))
      return TRUE;
  return FALSE;
}

/* A plain-text session logged in with USER/PASS (the opt-in set). */
static void
script_plain_login (OpTestServer *server)
{
  op_test_server_send (server, "+OK POP3 ready\r\n");
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n");
  op_test_server_expect_line (server, "USER " USER);
  op_test_server_send (server, "+OK\r\n");
  op_test_server_expect_line (server, "PASS " PASSWORD);
  op_test_server_send (server, "+OK Logged in.\r\n");
}

static OpPop3Client *
connect_plain (OpTestServer *server)
{
  g_autoptr(GError) error = NULL;
  OpPop3Client *client = new_client (server, OP_SECURITY_NONE);

  op_pop3_client_set_allow_plaintext_password (client, TRUE);
  g_assert_true (client_connect (client, USER, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_READY);
  g_assert_cmpint (op_pop3_client_get_auth_method (client), ==, OP_POP3_AUTH_USER_PASS);
  return client;
}

/* --- STLS --------------------------------------------------------------------------- */

static void
test_stls_injection (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "+OK POP3 ready\r\n");
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "+OK\r\nSTLS\r\nUSER\r\n.\r\n");
  op_test_server_expect_line (server, "STLS");
  /* The go-ahead and an injected reply in one write (CVE-2011-0411 style). */
  op_test_server_send (server, "+OK Begin TLS negotiation\r\n+OK injected\r\n");
  /* What a client that took the injected reply would meet next: TLS, CAPA, and a login
   * (connecting logs in). A client that stops makes this script fail: not asserted. */
  op_test_server_start_tls (server);
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "+OK\r\nUSER\r\n.\r\n");
  op_test_server_expect_line (server, "USER " USER);
  op_test_server_send (server, "+OK\r\n");
  op_test_server_expect_line (server, "PASS " PASSWORD);
  op_test_server_send (server, "+OK Logged in.\r\n");
  start_server (server);

  client = new_client (server, OP_SECURITY_STARTTLS);
  g_assert_false (client_connect (client, USER, PASSWORD, &error));
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_STARTTLS_INJECTION);
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_DISCONNECTED);
  g_assert_false (op_pop3_client_is_tls (client));
  (void) op_test_server_wait (server, 10000, NULL);
  assert_no_credentials_sent (server);
}

static void
test_stls_missing (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  /* The server offers a login, but no STLS. */
  op_test_server_send (server, "+OK POP3 ready " RFC_TIMESTAMP "\r\n");
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "+OK\r\nUSER\r\nSASL PLAIN\r\nUIDL\r\n.\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "+OK bye\r\n");
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = new_client (server, OP_SECURITY_STARTTLS);
  /* Even with every other way in allowed, required TLS is required. */
  op_pop3_client_set_allow_plaintext_password (client, TRUE);
  op_pop3_client_set_allow_apop (client, TRUE);
  g_assert_false (client_connect (client, USER, PASSWORD, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_TLS_REFUSED);
  g_assert_nonnull (strstr (error->message, "STLS"));
  g_assert_nonnull (strstr (error->message, "no password was sent"));
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_DISCONNECTED);
  assert_server_ok (server);
  assert_no_credentials_sent (server);
}

static void
test_stls_refused (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  /* No CAPA at all (RFC 1939 servers): STLS is tried, and its -ERR decides. */
  op_test_server_send (server, "+OK POP3 ready\r\n");
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "-ERR unknown command\r\n");
  op_test_server_expect_line (server, "STLS");
  op_test_server_send (server, "-ERR TLS not available\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "+OK bye\r\n");
  start_server (server);

  client = new_client (server, OP_SECURITY_STARTTLS);
  op_pop3_client_set_allow_plaintext_password (client, TRUE);
  g_assert_false (client_connect (client, USER, PASSWORD, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_TLS_REFUSED);
  g_assert_nonnull (strstr (error->message, "TLS not available"));
  assert_server_ok (server);
  assert_no_credentials_sent (server);
}

/* After the handshake the pre-TLS CAPA is forgotten: it offered SASL PLAIN, the one
 * after TLS does not, so the client logs in with USER/PASS, over TLS. */
static void
test_stls_capa_again (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "+OK POP3 ready\r\n");
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "+OK\r\nSTLS\r\nSASL PLAIN\r\n.\r\n");
  op_test_server_expect_line (server, "STLS");
  op_test_server_send (server, "+OK Begin TLS negotiation\r\n");
  op_test_server_start_tls (server);
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "+OK\r\nUSER\r\nTOP\r\n.\r\n");
  op_test_server_expect_line (server, "USER " USER);
  op_test_server_send (server, "+OK\r\n");
  op_test_server_expect_line (server, "PASS " PASSWORD);
  op_test_server_send (server, "+OK Logged in.\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "+OK Logging out.\r\n");
  start_server (server);

  client = new_client (server, OP_SECURITY_STARTTLS);
  g_assert_true (client_connect (client, USER, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_true (op_pop3_client_is_tls (client));
  g_assert_nonnull (op_pop3_client_get_peer_certificate (client));
  g_assert_cmpint (op_pop3_client_get_auth_method (client), ==, OP_POP3_AUTH_USER_PASS);
  g_assert_true (op_pop3_client_has_capability (client, "top"));
  g_assert_false (op_pop3_client_has_capability (client, "SASL"));
  g_assert_false (op_pop3_client_has_capability (client, "STLS"));
  g_assert_true (client_quit (client, &error));
  g_assert_no_error (error);
  assert_server_ok (server);
  g_assert_true (log_has_sent (client, "PASS ****"));
  assert_log_clean (client);
}

/* The APOP timestamp of the greeting before STLS is forgotten with the rest: a man in the
 * middle chose it, and could replay the digest to the real server. There is no greeting
 * after STLS, so APOP is not used; USER/PASS goes over TLS. */
static void
test_stls_forgets_apop_timestamp (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "+OK POP3 ready " RFC_TIMESTAMP "\r\n");
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "+OK\r\nSTLS\r\nUSER\r\n.\r\n");
  op_test_server_expect_line (server, "STLS");
  op_test_server_send (server, "+OK Begin TLS negotiation\r\n");
  op_test_server_start_tls (server);
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "+OK\r\nUSER\r\n.\r\n");
  op_test_server_expect_line (server, "USER " USER);
  op_test_server_send (server, "+OK\r\n");
  op_test_server_expect_line (server, "PASS " PASSWORD);
  op_test_server_send (server, "+OK Logged in.\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "+OK Logging out.\r\n");
  start_server (server);

  client = new_client (server, OP_SECURITY_STARTTLS);
  op_pop3_client_set_allow_apop (client, TRUE);
  g_assert_true (client_connect (client, USER, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_true (op_pop3_client_is_tls (client));
  g_assert_cmpint (op_pop3_client_get_auth_method (client), ==, OP_POP3_AUTH_USER_PASS);
  g_assert_true (client_quit (client, &error));
  g_assert_no_error (error);
  assert_server_ok (server);
  assert_log_clean (client);
}

/* --- login -------------------------------------------------------------------------- */

static void
test_auth_plain_over_tls (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;
  static const char plain[] = "\0" USER "\0" PASSWORD;
  g_autofree char *b64 = g_base64_encode ((const guchar *) plain, sizeof plain - 1);
  g_autofree char *expected = g_strconcat ("AUTH PLAIN ", b64, NULL);

  op_test_server_start_tls (server);
  /* A timestamp too: SASL PLAIN wins over APOP when offered. */
  op_test_server_send (server, "+OK POP3 ready " RFC_TIMESTAMP "\r\n");
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "+OK\r\nUSER\r\nSASL LOGIN PLAIN\r\n.\r\n");
  op_test_server_expect_line (server, expected);
  op_test_server_send (server, "+OK Logged in.\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "+OK\r\n");
  start_server (server);

  client = new_client (server, OP_SECURITY_IMPLICIT_TLS);
  op_pop3_client_set_allow_apop (client, TRUE);
  g_assert_true (client_connect (client, USER, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_cmpint (op_pop3_client_get_auth_method (client), ==, OP_POP3_AUTH_SASL_PLAIN);
  g_assert_true (client_quit (client, &error));
  assert_server_ok (server);
  g_assert_true (log_has_sent (client, "AUTH PLAIN ****"));
  assert_log_clean (client);
}

static void
test_auth_failed_code (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "+OK POP3 ready\r\n");
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "+OK\r\nUSER\r\n.\r\n");
  op_test_server_expect_line (server, "USER " USER);
  op_test_server_send (server, "+OK\r\n");
  op_test_server_expect_line (server, "PASS " PASSWORD);
  op_test_server_send (server, "-ERR [AUTH] Authentication failed.\r\n");
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = new_client (server, OP_SECURITY_NONE);
  op_pop3_client_set_allow_plaintext_password (client, TRUE);
  g_assert_false (client_connect (client, USER, PASSWORD, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_AUTH_FAILED);
  g_assert_nonnull (strstr (error->message, "Authentication failed."));
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_DISCONNECTED);
  assert_server_ok (server);
}

static void
test_in_use (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "+OK POP3 ready\r\n");
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "+OK\r\nUSER\r\nRESP-CODES\r\n.\r\n");
  op_test_server_expect_line (server, "USER " USER);
  op_test_server_send (server, "+OK\r\n");
  op_test_server_expect_line (server, "PASS " PASSWORD);
  op_test_server_send (server, "-ERR [IN-USE] Unable to lock maildrop\r\n");
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = new_client (server, OP_SECURITY_NONE);
  op_pop3_client_set_allow_plaintext_password (client, TRUE);
  g_assert_false (client_connect (client, USER, PASSWORD, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_IN_USE);
  g_assert_true (op_pop3_error_is_transient (error));
  g_assert_nonnull (strstr (error->message, "[IN-USE] Unable to lock maildrop"));
  assert_server_ok (server);
}

static void
test_apop (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "+OK POP3 server ready " RFC_TIMESTAMP "\r\n");
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "+OK\r\nUSER\r\n.\r\n");
  op_test_server_expect_line (server, "APOP " USER " " RFC_DIGEST);
  op_test_server_send (server, "+OK maildrop has 1 message (369 octets)\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "+OK\r\n");
  start_server (server);

  /* No TLS and no plain-text opt-in: APOP sends no password, so it may log in. */
  client = new_client (server, OP_SECURITY_NONE);
  op_pop3_client_set_allow_apop (client, TRUE);
  /* The digest logs in as well as the password would (replayed on a server that reuses
   * its timestamp) and lets it be cracked: the client's copies are wiped before free. */
  op_test_freed_secret_watch (RFC_DIGEST);
  g_assert_true (client_connect (client, USER, PASSWORD, &error));
  g_assert_cmpint (op_test_freed_secret_unwatch (), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (op_pop3_client_get_auth_method (client), ==, OP_POP3_AUTH_APOP);
  g_assert_true (client_quit (client, &error));
  assert_server_ok (server);
  assert_log_clean (client);
}

static void
test_plaintext_refused (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpTestServer) server2 = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(OpPop3Client) client2 = NULL;
  g_autoptr(GError) error = NULL;

  /* Neither opt-in: refused before connecting at all. */
  op_test_server_expect_close (server, 1000);
  start_server (server);
  client = new_client (server, OP_SECURITY_NONE);
  g_assert_false (client_connect (client, USER, PASSWORD, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_PLAINTEXT_REFUSED);
  g_assert_nonnull (strstr (error->message, "unencrypted"));
  g_assert_cmpuint (op_test_server_get_n_connections (server), ==, 0);
  op_test_server_stop (server);
  g_clear_error (&error);

  /* APOP allowed, but the greeting has no timestamp: refused after CAPA, before any
   * user name went out. */
  op_test_server_send (server2, "+OK POP3 ready\r\n");
  op_test_server_expect_line (server2, "CAPA");
  op_test_server_send (server2, "+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n");
  op_test_server_expect_line (server2, "QUIT");
  op_test_server_send (server2, "+OK\r\n");
  start_server (server2);
  client2 = new_client (server2, OP_SECURITY_NONE);
  op_pop3_client_set_allow_apop (client2, TRUE);
  g_assert_false (client_connect (client2, USER, PASSWORD, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_PLAINTEXT_REFUSED);
  assert_server_ok (server2);
  assert_no_credentials_sent (server2);
}

static void
test_bad_credentials (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_expect_close (server, 1000);
  start_server (server);
  client = new_client (server, OP_SECURITY_IMPLICIT_TLS);
  g_assert_false (client_connect (client, USER "\r\nDELE 1", PASSWORD, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (client_connect (client, USER, "pass\nword", &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (op_test_server_get_n_connections (server), ==, 0);
  op_test_server_stop (server);
}

/* --- transactions ------------------------------------------------------------------- */

static void
test_listing_and_messages (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) r_stat = NULL, r_list = NULL, r_list1 = NULL, r_uidl = NULL,
                          r_uidl2 = NULL, r_top = NULL, r_dele = NULL, r_rset = NULL;
  g_autoptr(GArray) listing = NULL;
  g_autoptr(GArray) one = NULL;
  g_autoptr(GPtrArray) uids = NULL;
  g_autoptr(GPtrArray) uid2 = NULL;
  g_autoptr(GOutputStream) message = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) top = g_memory_output_stream_new_resizable ();
  static const char body[] = "Subject: dots\r\n\r\n.starts with a dot\r\n..two\r\n.\r\nend\r\n";
  guint count = 0;
  guint64 size = 0, bytes = 0;

  script_plain_login (server);
  op_test_server_expect_line (server, "STAT");
  op_test_server_send (server, "+OK 2 320\r\n");
  op_test_server_expect_line (server, "LIST");
  op_test_server_send (server, "+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n");
  op_test_server_expect_line (server, "LIST 2");
  op_test_server_send (server, "+OK 2 200\r\n");
  op_test_server_expect_line (server, "UIDL");
  op_test_server_send (server, "+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n");
  op_test_server_expect_line (server, "UIDL 2");
  op_test_server_send (server, "+OK 2 QhdPYR:00WBw1Ph7x7\r\n");
  op_test_server_expect_line (server, "RETR 1");
  /* Stuffed as RFC 1939 §3 says, with the terminator in its own write. */
  op_test_server_send (server, "+OK 120 octets\r\nSubject: dots\r\n\r\n..starts with a dot\r\n"
                               "...two\r\n..\r\nend\r\n");
  op_test_server_send (server, ".\r\n");
  op_test_server_expect_line (server, "TOP 1 0");
  op_test_server_send (server, "+OK\r\nSubject: dots\r\n\r\n.\r\n");
  op_test_server_expect_line (server, "DELE 1");
  op_test_server_send (server, "+OK message 1 deleted\r\n");
  op_test_server_expect_line (server, "RSET");
  op_test_server_send (server, "+OK maildrop has 2 messages\r\n");
  op_test_server_expect_line (server, "NOOP");
  op_test_server_send (server, "+OK\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "+OK bye\r\n");
  start_server (server);

  client = connect_plain (server);

  /* Queued all at once: they run in order on the worker. */
  op_pop3_client_stat_async (client, NULL, op_test_store_result, &r_stat);
  op_pop3_client_list_async (client, 0, NULL, op_test_store_result, &r_list);
  op_pop3_client_list_async (client, 2, NULL, op_test_store_result, &r_list1);
  op_pop3_client_uidl_async (client, 0, NULL, op_test_store_result, &r_uidl);
  op_pop3_client_uidl_async (client, 2, NULL, op_test_store_result, &r_uidl2);
  g_assert_true (op_pop3_client_stat_finish (client, wait_result (&r_stat), &count, &size,
                                             &error));
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpuint (size, ==, 320);
  listing = op_pop3_client_list_finish (client, wait_result (&r_list), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listing->len, ==, 2);
  g_assert_cmpuint (g_array_index (listing, OpPop3ListEntry, 1).number, ==, 2);
  g_assert_cmpuint (g_array_index (listing, OpPop3ListEntry, 1).size, ==, 200);
  one = op_pop3_client_list_finish (client, wait_result (&r_list1), &error);
  g_assert_cmpuint (one->len, ==, 1);
  g_assert_cmpuint (g_array_index (one, OpPop3ListEntry, 0).size, ==, 200);
  uids = op_pop3_client_uidl_finish (client, wait_result (&r_uidl), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, 2);
  g_assert_cmpstr (((OpPop3UidEntry *) uids->pdata[0])->uid, ==, "whqtswO00WBw418f9t5JxYwZ");
  uid2 = op_pop3_client_uidl_finish (client, wait_result (&r_uidl2), &error);
  g_assert_cmpstr (((OpPop3UidEntry *) uid2->pdata[0])->uid, ==, "QhdPYR:00WBw1Ph7x7");

  g_assert_true (client_retr (client, 1, message, NULL, &bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bytes, ==, sizeof body - 1);
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (message)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (message)),
                   body, sizeof body - 1);

  op_pop3_client_top_async (client, 1, 0, top, NULL, op_test_store_result, &r_top);
  g_assert_true (op_pop3_client_top_finish (client, wait_result (&r_top), &bytes, &error));
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (top)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (top)),
                   "Subject: dots\r\n\r\n", 17);

  op_pop3_client_dele_async (client, 1, NULL, op_test_store_result, &r_dele);
  g_assert_true (op_pop3_client_dele_finish (client, wait_result (&r_dele), &error));
  op_pop3_client_rset_async (client, NULL, op_test_store_result, &r_rset);
  g_assert_true (op_pop3_client_rset_finish (client, wait_result (&r_rset), &error));
  g_assert_true (client_noop (client, NULL, &error));
  g_assert_true (client_quit (client, &error));
  g_assert_no_error (error);
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_DISCONNECTED);
  assert_server_ok (server);
  assert_log_clean (client);
}

static void
test_no_such_message (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  guint64 bytes = 1;

  script_plain_login (server);
  op_test_server_expect_line (server, "RETR 9");
  op_test_server_send (server, "-ERR There's no message 9.\r\n");
  op_test_server_expect_line (server, "NOOP");
  op_test_server_send (server, "+OK\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "+OK\r\n");
  start_server (server);

  client = connect_plain (server);
  g_assert_false (client_retr (client, 9, out, NULL, &bytes, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "There's no message 9."));
  g_clear_error (&error);
  /* A refusal is not a failure of the session. */
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_READY);
  g_assert_false (client_retr (client, 0, out, NULL, &bytes, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (client_noop (client, NULL, &error));
  g_assert_true (client_quit (client, &error));
  assert_server_ok (server);
}

static void
test_drop_mid_retr (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  guint64 bytes = 99;

  script_plain_login (server);
  op_test_server_expect_line (server, "RETR 1");
  op_test_server_send (server, "+OK 4000 octets\r\nSubject: long\r\n\r\nfirst part of the bo");
  op_test_server_close (server);
  start_server (server);

  client = connect_plain (server);
  g_assert_false (client_retr (client, 1, out, NULL, &bytes, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_CONNECTION_LOST);
  g_assert_nonnull (strstr (error->message, "message 1"));
  g_assert_nonnull (strstr (error->message, "incomplete"));
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_DISCONNECTED);
  g_clear_error (&error);
  /* Clearly disconnected: the next call says so, and nothing reconnects behind it. */
  g_assert_false (client_noop (client, NULL, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_NOT_CONNECTED);
  assert_server_ok (server);
  g_assert_cmpuint (op_test_server_get_n_connections (server), ==, 1);
}

static void
test_data_after_terminator (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  guint64 bytes = 0;

  script_plain_login (server);
  op_test_server_expect_line (server, "RETR 1");
  op_test_server_send (server, "+OK\r\nSubject: x\r\n\r\nbody\r\n.\r\n+OK unsolicited\r\n");
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = connect_plain (server);
  g_assert_false (client_retr (client, 1, out, NULL, &bytes, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY);
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_DISCONNECTED);
  assert_server_ok (server);
}

/* A message of several MiB, with a stuffed line every few hundred bytes, crosses many
 * reads and comes back byte for byte. */
static void
test_large_message (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GString) message = g_string_new ("Subject: big\r\n\r\n");
  g_autoptr(GString) wire = g_string_new ("");
  g_autoptr(GError) error = NULL;
  Progress progress = { 0 };
  guint64 bytes = 0;

  for (guint i = 0; message->len < 3 * 1024 * 1024; i++)
    {
      if (i % 7 == 0)
        g_string_append (message, ".");
      if (i % 11 == 0)
        g_string_append (message, "..");
      g_string_append_printf (message, "line %u of a long message, some text to fill it up\r\n", i);
    }
  /* memchr, not strchr: under ASan's strict_string_checks each strchr reads the whole
   * rest of the 3 MiB string, which made this loop take minutes. */
  for (const char *p = message->str, *end = message->str + message->len; p < end;)
    {
      const char *nl = memchr (p, '\n', end - p);

      if (*p == '.')
        g_string_append_c (wire, '.');
      g_string_append_len (wire, p, nl + 1 - p);
      p = nl + 1;
    }
  g_string_append (wire, ".\r\n");

  script_plain_login (server);
  op_test_server_expect_line (server, "RETR 1");
  /* RFC 1939 §7: "+OK 120 octets", the size as LIST gives it (unstuffed). */
  {
    g_autofree char *status = g_strdup_printf ("+OK %" G_GSIZE_FORMAT " octets\r\n",
                                               message->len);

    op_test_server_send (server, status);
  }
  op_test_server_send_raw (server, wire->str, wire->len);
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "+OK\r\n");
  start_server (server);

  client = connect_plain (server);
  g_assert_true (client_retr_progress (client, 1, out, &progress, NULL, &bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bytes, ==, message->len);
  /* Progress reached the end, against the announced size, without a call per read. */
  g_assert_cmpuint (progress.done, ==, message->len);
  g_assert_cmpuint (progress.total, ==, message->len);
  g_assert_cmpuint (progress.n_calls, >=, 1);
  g_assert_cmpuint (progress.n_calls, <, message->len / (64 * 1024));
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                   message->str, message->len);
  g_assert_true (client_quit (client, &error));
  assert_server_ok (server);
}

/* A "line" without end inside a message is refused at the bound, not buffered. */
static void
test_endless_message_line (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_strnfill (OP_POP3_MAX_MESSAGE_LINE + 16, 'x');
  guint64 bytes = 0;

  script_plain_login (server);
  op_test_server_expect_line (server, "RETR 1");
  op_test_server_send (server, "+OK\r\nSubject: x\r\n\r\n");
  op_test_server_send (server, line);
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = connect_plain (server);
  g_assert_false (client_retr (client, 1, out, NULL, &bytes, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY);
  g_assert_nonnull (strstr (error->message, "longer than"));
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_DISCONNECTED);
  g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)), <=,
                    OP_POP3_MAX_MESSAGE_LINE + 64);
  assert_server_ok (server);
}

static void
test_status_line_too_long (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strnfill (OP_POP3_MAX_REPLY_LINE + 1, 'y');
  g_autofree char *greeting = g_strdup_printf ("+OK %s\r\n", text);

  op_test_server_send (server, greeting);
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = new_client (server, OP_SECURITY_NONE);
  op_pop3_client_set_allow_plaintext_password (client, TRUE);
  g_assert_false (client_connect (client, USER, PASSWORD, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY);
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_DISCONNECTED);
  assert_server_ok (server);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GCancellable) queued = g_cancellable_new ();
  g_autoptr(GCancellable) running = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  guint64 bytes = 0;

  script_plain_login (server);
  op_test_server_expect_line (server, "NOOP");
  op_test_server_send (server, "+OK\r\n");
  op_test_server_expect_line (server, "RETR 1");
  op_test_server_send (server, "+OK\r\nSubject: slow\r\n\r\nsome of it");
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = connect_plain (server);

  /* Cancelled before it ran: nothing was sent, the session goes on. */
  g_cancellable_cancel (queued);
  g_assert_false (client_noop (client, queued, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_READY);
  g_assert_true (client_noop (client, NULL, &error));
  g_assert_no_error (error);

  /* Cancelled in the middle of a message: the session ends, the message is not
   * reported as complete. */
  g_timeout_add (300, cancel_later, running);
  g_assert_false (client_retr (client, 1, out, running, &bytes, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_DISCONNECTED);
  assert_server_ok (server);
}

/* CAPA is bounded like any reply (a few KiB), not like a listing of a million lines: a
 * server that sends more is refused before anything else goes out. */
static void
test_capa_bounded (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) capa = g_string_new ("+OK\r\nUSER\r\n");

  /* 80 lines of 70 bytes: well under the line limit, over the CAPA byte limit. */
  for (guint i = 0; i < 80; i++)
    g_string_append_printf (capa, "X-FILLER-%02u %s\r\n", i,
                            "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
  g_string_append (capa, ".\r\n");
  op_test_server_send (server, "+OK POP3 ready\r\n");
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, capa->str);
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = new_client (server, OP_SECURITY_NONE);
  op_pop3_client_set_allow_plaintext_password (client, TRUE);
  g_assert_false (client_connect (client, USER, PASSWORD, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY);
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_DISCONNECTED);
  assert_server_ok (server);
  assert_no_credentials_sent (server);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* Dropping a connected client on the main thread returns at once; the worker closes
 * the connection (here a TLS one) afterwards, without QUIT (nothing deleted). */
static void
test_release_connected (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(GError) error = NULL;
  OpPop3Client *client;
  OpPop3State state = OP_POP3_STATE_DISCONNECTED;
  guint n_notifies = 0;
  gint64 start;

  op_test_server_start_tls (server);
  op_test_server_send (server, "+OK POP3 ready\r\n");
  op_test_server_expect_line (server, "CAPA");
  op_test_server_send (server, "+OK\r\nUSER\r\n.\r\n");
  op_test_server_expect_line (server, "USER " USER);
  op_test_server_send (server, "+OK\r\n");
  op_test_server_expect_line (server, "PASS " PASSWORD);
  op_test_server_send (server, "+OK Logged in.\r\n");
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = new_client (server, OP_SECURITY_IMPLICIT_TLS);
  g_signal_connect (client, "notify::state", G_CALLBACK (count_notify), &n_notifies);
  g_assert_true (client_connect (client, USER, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_READY);
  /* The "state" property says the same, and told its watchers. */
  g_object_get (client, "state", &state, NULL);
  g_assert_cmpint (state, ==, OP_POP3_STATE_READY);
  g_assert_cmpuint (n_notifies, >=, 2);
  start = g_get_monotonic_time ();
  g_object_unref (client);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_TIME_SPAN_SECOND / 2);
  assert_server_ok (server);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/pop3/scripted/stls/injection-after-go-ahead-is-refused",
                   test_stls_injection);
  g_test_add_func ("/pop3/scripted/stls/missing-is-refused-before-any-password",
                   test_stls_missing);
  g_test_add_func ("/pop3/scripted/stls/refused-without-capa", test_stls_refused);
  g_test_add_func ("/pop3/scripted/stls/capabilities-asked-again-after-tls",
                   test_stls_capa_again);
  g_test_add_func ("/pop3/scripted/login/auth-plain-over-tls-masked", test_auth_plain_over_tls);
  g_test_add_func ("/pop3/scripted/login/auth-failed", test_auth_failed_code);
  g_test_add_func ("/pop3/scripted/login/in-use", test_in_use);
  g_test_add_func ("/pop3/scripted/login/apop-rfc1939-example", test_apop);
  g_test_add_func ("/pop3/scripted/stls/forgets-apop-timestamp",
                   test_stls_forgets_apop_timestamp);
  g_test_add_func ("/pop3/scripted/login/plaintext-refused", test_plaintext_refused);
  g_test_add_func ("/pop3/scripted/login/line-breaks-refused", test_bad_credentials);
  g_test_add_func ("/pop3/scripted/transaction/all-commands", test_listing_and_messages);
  g_test_add_func ("/pop3/scripted/transaction/no-such-message", test_no_such_message);
  g_test_add_func ("/pop3/scripted/retr/drop-mid-message", test_drop_mid_retr);
  g_test_add_func ("/pop3/scripted/retr/data-after-terminator", test_data_after_terminator);
  g_test_add_func ("/pop3/scripted/retr/large-stuffed-message", test_large_message);
  g_test_add_func ("/pop3/scripted/retr/endless-line-refused", test_endless_message_line);
  g_test_add_func ("/pop3/scripted/status-line-too-long", test_status_line_too_long);
  g_test_add_func ("/pop3/scripted/cancel", test_cancel);
  g_test_add_func ("/pop3/scripted/capa/bounded", test_capa_bounded);
  g_test_add_func ("/pop3/scripted/release/connected-returns-at-once",
                   test_release_connected);

  return op_test_run ();
}
