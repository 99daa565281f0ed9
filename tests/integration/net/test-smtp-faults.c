/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-smtp-faults"

#include "config.h"

#include <string.h>

#include "op-connection.h"
#include "op-smtp-client.h"
#include "op-test-chunked-input-stream.h"
#include "op-test-fixtures.h"
#include "op-test-server.h"
#include "op-test-verifier.h"
#include "test-smtp-common.h"

/*
 * OpSmtpClient against scripted in-process servers (tests/support/op-test-server.h): what
 * real servers cannot be made to do. STARTTLS response injection, a server without
 * STARTTLS when it is required (refused before any AUTH), refusals before DATA (SIZE,
 * 8BITMIME, SMTPUTF8), pipelining, a connection dropped before and after the final ".",
 * HELO fallback, XOAUTH2, and replies that are not SMTP. What is asserted is what a user
 * depends on: no secret sent where it must not be, never a message delivered twice or
 * half, the server's words in the error.
 */

#define TIMEOUT 5   /* seconds: the client's timeout in these tests */

typedef struct
{
  OpTestServer *server;
  OpSmtpClient *client;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = op_test_server_new ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->client != NULL)
    op_smtp_client_shutdown (f->client);
  g_clear_object (&f->client);
  if (f->server != NULL)
    op_test_server_stop (f->server);
  g_clear_object (&f->server);
}

static void
start (Fixture        *f,
       OpSecurity  security)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) ca = op_test_load_ca (&error);
  g_autoptr(OpTestVerifier) verifier = NULL;

  g_assert_no_error (error);
  verifier = op_test_verifier_new_for_ca (ca);
  g_assert_true (op_test_server_start (f->server, &error));
  g_assert_no_error (error);
  f->client = op_smtp_client_new (op_test_server_get_host (f->server),
                                  op_test_server_get_port (f->server), security);
  op_smtp_client_set_verifier (f->client, OP_TLS_VERIFIER (verifier));
  op_smtp_client_set_timeout (f->client, TIMEOUT);
  op_smtp_client_set_hello_name (f->client, "client.test");
}

static void
server_done (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_test_server_wait (f->server, 10000, &error));
  g_assert_no_error (error);
}

/* TRUE when the server received a line starting with @prefix. */
static gboolean
server_received (Fixture    *f,
                 const char *prefix)
{
  g_auto(GStrv) lines = op_test_server_dup_received_lines (f->server);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return TRUE;
  return FALSE;
}

/* The script ran as far as the client let it. In the security tests below it goes on
 * the way a client that ignored the fault would (TLS, a login accepted): a client that
 * stops early makes it fail, which is the point, so its outcome is not asserted. */
static void
server_finish (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  (void) op_test_server_wait (f->server, 10000, &error);
}

#define SECRET_USER     "user"
#define SECRET_PASSWORD "secret-pw"

/* No AUTH, and neither the password nor an encoding of it (PLAIN, LOGIN) arrived. */
static void
assert_no_secret_sent (Fixture *f)
{
  static const char plain[] = "\0" SECRET_USER "\0" SECRET_PASSWORD;
  g_autofree char *plain64 = g_base64_encode ((const guchar *) plain, sizeof plain - 1);
  g_autofree char *login64 = g_base64_encode ((const guchar *) SECRET_PASSWORD,
                                              strlen (SECRET_PASSWORD));
  g_auto(GStrv) lines = op_test_server_dup_received_lines (f->server);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_ascii_strncasecmp (lines[i], "AUTH", 4) == 0 ||
          strstr (lines[i], SECRET_PASSWORD) != NULL ||
          strstr (lines[i], plain64) != NULL || strstr (lines[i], login64) != NULL)
        g_error ("the server received a login: “%s”", lines[i]);
    }
}

/* What a client that went on would do next: log in (AUTH PLAIN, allowed in the clear by
 * the account, so that nothing but the fault handling can stop it). */
static void
script_accept_login (Fixture *f)
{
  op_test_server_expect_line_matching (f->server, "AUTH *");
  op_test_server_send (f->server, "235 2.7.0 Authentication successful\r\n");
}

/* Greeting and EHLO with @keywords ("250-" lines, each ending in CRLF, the last "250 "). */
static void
script_hello (Fixture    *f,
              const char *keywords)
{
  g_autofree char *reply = g_strdup_printf ("250-scripted.test greets client.test\r\n%s",
                                            keywords);

  op_test_server_send (f->server, "220 scripted.test ESMTP\r\n");
  op_test_server_expect_line (f->server, "EHLO client.test");
  op_test_server_send (f->server, reply);
}

/* --- STARTTLS ---------------------------------------------------------------------- */

static void
test_starttls_injection (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;

  script_hello (f, "250-AUTH PLAIN\r\n250 STARTTLS\r\n");
  op_test_server_expect_line (f->server, "STARTTLS");
  /* The go-ahead and an injected reply in one segment: a man in the middle would answer
   * the client's first command after TLS with it (CVE-2011-0411 and its kin). */
  op_test_server_send (f->server, "220 2.0.0 Ready to start TLS\r\n250-injected\r\n"
                                  "250 AUTH PLAIN\r\n");
  /* A client that took the injected reply would go on: TLS, EHLO, a login. */
  op_test_server_start_tls (f->server);
  op_test_server_expect_line (f->server, "EHLO client.test");
  op_test_server_send (f->server, "250-scripted.test\r\n250 AUTH PLAIN\r\n");
  script_accept_login (f);
  start (f, OP_SECURITY_STARTTLS);
  op_smtp_client_set_allow_plaintext_password (f->client, TRUE);

  caps = smtp_connect (f->client, &error);
  g_assert_null (caps);
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_STARTTLS_INJECTION);
  g_clear_error (&error);
  g_assert_false (smtp_login (f->client, SECRET_USER, SECRET_PASSWORD, NULL, &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_NOT_CONNECTED);
  server_finish (f);
  assert_no_secret_sent (f);
  op_test_spin_pending ();
  g_assert_cmpint (op_smtp_client_get_state (f->client), ==, OP_SMTP_STATE_DISCONNECTED);
}

static void
test_starttls_missing (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;

  /* AUTH offered in the clear, STARTTLS not: a downgrade by an attacker looks so. The
   * account even allows passwords in the clear: only required TLS stops the login. */
  script_hello (f, "250-AUTH PLAIN LOGIN\r\n250 SIZE 1000\r\n");
  script_accept_login (f);
  start (f, OP_SECURITY_STARTTLS);
  op_smtp_client_set_allow_plaintext_password (f->client, TRUE);

  caps = smtp_connect (f->client, &error);
  g_assert_null (caps);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_TLS_REFUSED);
  g_assert_nonnull (strstr (error->message, "STARTTLS"));
  g_clear_error (&error);

  /* A login attempt afterwards sends nothing either. */
  g_assert_false (smtp_login (f->client, SECRET_USER, SECRET_PASSWORD, NULL, &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_NOT_CONNECTED);
  server_finish (f);
  assert_no_secret_sent (f);
  g_assert_false (server_received (f, "MAIL"));
}

static void
test_starttls_refused (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;

  script_hello (f, "250-AUTH PLAIN\r\n250 STARTTLS\r\n");
  op_test_server_expect_line (f->server, "STARTTLS");
  op_test_server_send (f->server, "454 4.7.0 TLS not available due to local problem\r\n");
  script_accept_login (f);
  start (f, OP_SECURITY_STARTTLS);
  op_smtp_client_set_allow_plaintext_password (f->client, TRUE);

  caps = smtp_connect (f->client, &error);
  g_assert_null (caps);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_TLS_REFUSED);
  g_assert_nonnull (strstr (error->message, "TLS not available"));
  g_clear_error (&error);
  g_assert_false (smtp_login (f->client, SECRET_USER, SECRET_PASSWORD, NULL, &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_NOT_CONNECTED);
  server_finish (f);
  assert_no_secret_sent (f);
}

/* After TLS, what the server said before is forgotten: the second EHLO decides. */
static void
test_starttls_forgets_capabilities (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;

  script_hello (f, "250-SIZE 10\r\n250-AUTH PLAIN\r\n250-8BITMIME\r\n250 STARTTLS\r\n");
  op_test_server_expect_line (f->server, "STARTTLS");
  op_test_server_send (f->server, "220 go ahead\r\n");
  op_test_server_start_tls (f->server);
  op_test_server_expect_line (f->server, "EHLO client.test");
  op_test_server_send (f->server, "250-scripted.test\r\n250 AUTH CRAM-MD5\r\n");
  op_test_server_expect_line (f->server, "QUIT");
  op_test_server_send (f->server, "221 bye\r\n");
  start (f, OP_SECURITY_STARTTLS);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  g_assert_false (caps->has_size);
  g_assert_false (caps->eightbitmime);
  g_assert_cmpstr (caps->auth[0], ==, "CRAM-MD5");
  g_assert_null (caps->auth[1]);
  g_assert_true (smtp_quit (f->client, &error));
  server_done (f);
}

/* --- AUTH ------------------------------------------------------------------------- */

static void
test_plaintext_refused (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;

  script_hello (f, "250 AUTH PLAIN LOGIN\r\n");
  op_test_server_expect_line (f->server, "QUIT");
  op_test_server_send (f->server, "221 bye\r\n");
  start (f, OP_SECURITY_NONE);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  g_assert_false (smtp_login (f->client, "user", "secret", NULL, &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_PLAINTEXT_REFUSED);
  g_clear_error (&error);
  g_assert_true (smtp_quit (f->client, &error));
  server_done (f);
  g_assert_false (server_received (f, "AUTH"));
}

/* Over a security-"none" link neither a bearer token (XOAUTH2) nor a CRAM-MD5 digest
 * (crackable offline) goes out without the opt-in, even though the server offers both. */
static void
test_plaintext_refused_token_and_cram_md5 (Fixture       *f,
                                           gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;

  script_hello (f, "250 AUTH XOAUTH2 CRAM-MD5 PLAIN LOGIN\r\n");
  op_test_server_expect_line (f->server, "QUIT");
  op_test_server_send (f->server, "221 bye\r\n");
  start (f, OP_SECURITY_NONE);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  g_assert_false (smtp_login (f->client, "me@example.test", NULL, "bearer-tok", &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_PLAINTEXT_REFUSED);
  g_assert_nonnull (strstr (error->message, "token"));
  g_clear_error (&error);
  g_assert_false (smtp_login (f->client, "user", "secret", NULL, &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_PLAINTEXT_REFUSED);
  g_assert_nonnull (strstr (error->message, "CRAM-MD5"));
  g_clear_error (&error);
  g_assert_true (smtp_quit (f->client, &error));
  server_done (f);
  g_assert_false (server_received (f, "AUTH"));
}

static void
test_plaintext_opt_in (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;

  script_hello (f, "250 AUTH LOGIN\r\n");
  op_test_server_expect_line (f->server, "AUTH LOGIN");
  op_test_server_send (f->server, "334 VXNlcm5hbWU6\r\n");
  op_test_server_expect_line (f->server, "dXNlcg==");
  op_test_server_send (f->server, "334 UGFzc3dvcmQ6\r\n");
  op_test_server_expect_line (f->server, "c2VjcmV0");
  op_test_server_send (f->server, "235 2.7.0 Authentication successful\r\n");
  start (f, OP_SECURITY_NONE);
  op_smtp_client_set_allow_plaintext_password (f->client, TRUE);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  g_assert_true (smtp_login (f->client, "user", "secret", NULL, &error));
  g_assert_no_error (error);
  server_done (f);
  /* The blobs are masked in the log. */
  g_assert_false (smtp_log_contains (f->client, "dXNlcg=="));
  g_assert_false (smtp_log_contains (f->client, "c2VjcmV0"));
  g_assert_true (smtp_log_contains (f->client, "AUTH LOGIN"));
}

static void
test_xoauth2 (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;
  /* user=me@example.test^Aauth=Bearer tok^A^A */
  const char *ir = "dXNlcj1tZUBleGFtcGxlLnRlc3QBYXV0aD1CZWFyZXIgdG9rAQE=";
  g_autofree char *first = g_strdup_printf ("AUTH XOAUTH2 %s", ir);

  script_hello (f, "250-AUTH PLAIN XOAUTH2\r\n250 STARTTLS\r\n");
  op_test_server_expect_line (f->server, "STARTTLS");
  op_test_server_send (f->server, "220 go ahead\r\n");
  op_test_server_start_tls (f->server);
  op_test_server_expect_line (f->server, "EHLO client.test");
  op_test_server_send (f->server, "250-scripted.test\r\n250 AUTH PLAIN LOGIN XOAUTH2\r\n");
  /* First a refused token: the JSON challenge, the empty answer, then 535. */
  op_test_server_expect_line (f->server, first);
  op_test_server_send (f->server, "334 eyJzdGF0dXMiOiI0MDEifQ==\r\n");
  op_test_server_expect_line (f->server, "");
  op_test_server_send (f->server, "535 5.7.8 Username and Password not accepted\r\n");
  op_test_server_expect_line (f->server, first);
  op_test_server_send (f->server, "235 2.7.0 Accepted\r\n");
  start (f, OP_SECURITY_STARTTLS);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  g_assert_false (smtp_login (f->client, "me@example.test", NULL, "tok", &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_AUTH_FAILED);
  g_clear_error (&error);
  g_assert_true (smtp_login (f->client, "me@example.test", NULL, "tok", &error));
  g_assert_no_error (error);
  server_done (f);
  g_assert_false (smtp_log_contains (f->client, ir));
}

/* --- refusals before DATA ------------------------------------------------------------ */

static void
test_size_refused_before_mail (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = g_strnfill (200, 'x');
  const char *rcpt[] = { "b@example.test", NULL };

  script_hello (f, "250 SIZE 100\r\n");
  op_test_server_expect_line (f->server, "NOOP");
  op_test_server_send (f->server, "250 ok\r\n");
  start (f, OP_SECURITY_NONE);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  result = smtp_send (f->client, "a@example.test", rcpt, message, -1, NULL, &error);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_MESSAGE_TOO_LARGE);
  g_clear_error (&error);
  /* The session goes on: the next line the server sees is NOOP, not MAIL or DATA. */
  g_assert_true (smtp_noop (f->client, &error));
  server_done (f);
  g_assert_false (server_received (f, "MAIL"));
  g_assert_false (server_received (f, "DATA"));
}

static void
test_8bit_without_8bitmime (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *rcpt[] = { "b@example.test", NULL };
  const char *utf8_rcpt[] = { "bé@example.test", NULL };
  OpSmtpSendOptions declared = { .flags = OP_SMTP_SEND_8BIT };

  script_hello (f, "250 PIPELINING\r\n");
  op_test_server_expect_line (f->server, "NOOP");
  op_test_server_send (f->server, "250 ok\r\n");
  start (f, OP_SECURITY_NONE);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  /* Found by the client's scan. */
  result = smtp_send (f->client, "a@example.test", rcpt,
                      "Subject: x\r\n\r\nCaf\xc3\xa9\r\n", -1, NULL, &error);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_8BIT_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "8BITMIME"));
  g_clear_error (&error);
  /* Declared by the caller. */
  result = smtp_send (f->client, "a@example.test", rcpt, "Subject: x\r\n\r\nplain\r\n", -1,
                      &declared, &error);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_8BIT_UNSUPPORTED);
  g_clear_error (&error);
  /* A non-ASCII address needs SMTPUTF8. */
  result = smtp_send (f->client, "a@example.test", utf8_rcpt, "Subject: x\r\n\r\nplain\r\n",
                      -1, NULL, &error);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_UTF8_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "SMTPUTF8"));
  g_clear_error (&error);
  /* A UTF-8 header, too (the client's scan). */
  result = smtp_send (f->client, "a@example.test", rcpt, "Subject: \xe4\xbd\xa0\r\n\r\nx\r\n",
                      -1, NULL, &error);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_UTF8_UNSUPPORTED);
  g_clear_error (&error);
  /* Addresses with line breaks never reach the wire. */
  {
    const char *evil[] = { "b@example.test>\r\nRCPT TO:<c@example.test", NULL };

    result = smtp_send (f->client, "a@example.test", evil, "x\r\n", -1, NULL, &error);
    g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  g_assert_true (smtp_noop (f->client, &error));
  server_done (f);
  g_assert_false (server_received (f, "MAIL"));
}

/* 8-bit bytes in a stream the client could not scan, and that the caller did not
 * declare: the session ends before the final ".", so nothing is delivered. */
static void
test_undeclared_8bit_aborts_before_dot (Fixture       *f,
                                        gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpTestChunkedInputStream) stream = op_test_chunked_input_stream_new ();
  const char *rcpt[] = { "b@example.test", NULL };

  script_hello (f, "250 8BITMIME\r\n");
  op_test_server_expect_line (f->server, "MAIL FROM:<a@example.test>");
  op_test_server_send (f->server, "250 ok\r\n");
  op_test_server_expect_line (f->server, "RCPT TO:<b@example.test>");
  op_test_server_send (f->server, "250 ok\r\n");
  op_test_server_expect_line (f->server, "DATA");
  op_test_server_send (f->server, "354 go\r\n");
  op_test_server_expect_line (f->server, "Subject: x");
  op_test_server_expect_line (f->server, "");
  op_test_server_expect_close (f->server, 5000);
  start (f, OP_SECURITY_NONE);

  op_test_chunked_input_stream_add_string (stream, "Subject: x\r\n\r\n");
  op_test_chunked_input_stream_add_string (stream, "Caf\xc3\xa9\r\n");
  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  result = smtp_send_stream (f->client, "a@example.test", rcpt, G_INPUT_STREAM (stream), -1,
                             NULL, &error);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_8BIT_UNSUPPORTED);
  server_done (f);
  g_assert_false (server_received (f, "."));
}

/* RFC 1870: SIZE counts the message as sent, with CRLF line ends. A stream of bare-LF
 * lines that the client could not measure beforehand is within the limit as given
 * (92 bytes, SIZE 100) but over it on the wire (134): the session ends before the
 * final ".", so the server never receives a message it announced it would refuse. */
static void
test_size_counts_crlf_while_streaming (Fixture       *f,
                                       gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpTestChunkedInputStream) stream = op_test_chunked_input_stream_new ();
  g_autoptr(GString) body = g_string_new (NULL);
  const char *rcpt[] = { "b@example.test", NULL };

  for (guint i = 0; i < 40; i++)
    g_string_append (body, "a\n");
  script_hello (f, "250 SIZE 100\r\n");
  op_test_server_expect_line (f->server, "MAIL FROM:<a@example.test>");
  op_test_server_send (f->server, "250 ok\r\n");
  op_test_server_expect_line (f->server, "RCPT TO:<b@example.test>");
  op_test_server_send (f->server, "250 ok\r\n");
  op_test_server_expect_line (f->server, "DATA");
  op_test_server_send (f->server, "354 go\r\n");
  op_test_server_expect_line (f->server, "Subject: x");
  op_test_server_expect_line (f->server, "");
  op_test_server_expect_close (f->server, 5000);
  start (f, OP_SECURITY_NONE);

  op_test_chunked_input_stream_add_string (stream, "Subject: x\n\n");
  op_test_chunked_input_stream_add_string (stream, body->str);
  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  result = smtp_send_stream (f->client, "a@example.test", rcpt, G_INPUT_STREAM (stream), -1,
                             NULL, &error);
  g_assert_null (result);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_MESSAGE_TOO_LARGE);
  server_done (f);
  g_assert_false (server_received (f, "a"));
  g_assert_false (server_received (f, "."));
}

/* RFC 5321 §4.5.3.1.6: lines of at most 998 octets. A longer one is refused before MAIL
 * when the client can scan the message, and ends the session before the final "."
 * otherwise: never a message the server would refuse or break. */
static void
test_line_too_long (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpTestChunkedInputStream) stream = op_test_chunked_input_stream_new ();
  g_autofree char *longest_ok = g_strnfill (998, 'a');
  g_autofree char *too_long = g_strnfill (999, 'b');
  g_autofree char *seekable = g_strdup_printf ("Subject: x\r\n\r\n%s\r\n", too_long);
  const char *rcpt[] = { "b@example.test", NULL };

  script_hello (f, "250 8BITMIME\r\n");
  op_test_server_expect_line (f->server, "MAIL FROM:<a@example.test>");
  op_test_server_send (f->server, "250 ok\r\n");
  op_test_server_expect_line (f->server, "RCPT TO:<b@example.test>");
  op_test_server_send (f->server, "250 ok\r\n");
  op_test_server_expect_line (f->server, "DATA");
  op_test_server_send (f->server, "354 go\r\n");
  op_test_server_expect_line (f->server, "Subject: x");
  op_test_server_expect_line (f->server, "");
  op_test_server_expect_line (f->server, longest_ok);
  op_test_server_expect_close (f->server, 5000);
  start (f, OP_SECURITY_NONE);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  result = smtp_send (f->client, "a@example.test", rcpt, seekable, -1, NULL, &error);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "998"));
  g_clear_error (&error);

  /* The longest allowed line goes; the next, split over two reads, does not. */
  op_test_chunked_input_stream_add_string (stream, "Subject: x\r\n\r\n");
  op_test_chunked_input_stream_add_string (stream, longest_ok);
  op_test_chunked_input_stream_add_string (stream, "\r");
  op_test_chunked_input_stream_add_string (stream, "\n");
  op_test_chunked_input_stream_add (stream, too_long, 500);
  op_test_chunked_input_stream_add (stream, too_long + 500, 499);
  op_test_chunked_input_stream_add_string (stream, "\r\n");
  result = smtp_send_stream (f->client, "a@example.test", rcpt, G_INPUT_STREAM (stream), -1,
                             NULL, &error);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT);
  server_done (f);
  g_assert_false (server_received (f, "."));
  g_assert_false (server_received (f, "bbbb"));
}

/* --- pipelining and results -------------------------------------------------------- */

static void
test_pipelining (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *rcpt[] = { "one@example.test", "bad@example.test", "two@example.test", NULL };
  OpSmtpRecipient *r;
  OpSmtpSendOptions dsn = {
    .dsn_notify = OP_SMTP_DSN_NOTIFY_FAILURE | OP_SMTP_DSN_NOTIFY_DELAY,
    .dsn_return = OP_SMTP_DSN_RETURN_HEADERS,
    .dsn_envid = "id+1=x",
  };

  script_hello (f, "250-PIPELINING\r\n250-DSN\r\n250 SIZE 100000\r\n");
  /* All of MAIL and RCPT arrive before the server answers any: were the client waiting
   * for each reply, this script would stall and the test time out. */
  op_test_server_expect_line (f->server,
                              "MAIL FROM:<a@example.test> SIZE=33 RET=HDRS ENVID=id+2B1+3Dx");
  op_test_server_expect_line (f->server, "RCPT TO:<one@example.test> NOTIFY=FAILURE,DELAY");
  op_test_server_expect_line (f->server, "RCPT TO:<bad@example.test> NOTIFY=FAILURE,DELAY");
  op_test_server_expect_line (f->server, "RCPT TO:<two@example.test> NOTIFY=FAILURE,DELAY");
  op_test_server_send (f->server, "250 2.1.0 Sender ok\r\n250 2.1.5 ok\r\n"
                                  "550 5.1.1 <bad@example.test>: no such user\r\n"
                                  "250 2.1.5 ok\r\n");
  op_test_server_expect_line (f->server, "DATA");
  op_test_server_send (f->server, "354 go ahead\r\n");
  op_test_server_expect_line (f->server, "Subject: pipelined");
  op_test_server_expect_line (f->server, "");
  op_test_server_expect_line (f->server, "..dot");
  op_test_server_expect_line (f->server, "end");
  op_test_server_expect_line (f->server, ".");
  op_test_server_send (f->server, "250 2.0.0 Ok: queued as ABC123\r\n");
  start (f, OP_SECURITY_NONE);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  result = smtp_send (f->client, "a@example.test", rcpt, "Subject: pipelined\n\n.dot\nend", -1,
                      &dsn, &error);
  g_assert_no_error (error);
  server_done (f);
  g_assert_cmpuint (result->n_accepted, ==, 2);
  g_assert_cmpuint (result->n_refused, ==, 1);
  r = g_ptr_array_index (result->recipients, 1);
  g_assert_cmpstr (r->address, ==, "bad@example.test");
  g_assert_false (r->accepted);
  g_assert_cmpuint (r->code, ==, 550);
  g_assert_cmpstr (r->enhanced_code, ==, "5.1.1");
  g_assert_cmpstr (r->text, ==, "<bad@example.test>: no such user");
  g_assert_nonnull (strstr (result->reply->text, "ABC123"));
}

/*
 * A pipelining server as MTAs are: it reads what has arrived, answers all of it at
 * once, and reads again. RFC 2920 §3.1: a client must not write so much before reading
 * that both directions fill (with thousands of recipients and long replies, the client
 * blocks writing while the server blocks writing its answers); it reads replies in
 * batches. The server notes the most commands it ever held unanswered.
 */
#define MANY_RECIPIENTS 5000
/* Far below 5,000; the client's batches are smaller still. */
#define MAX_UNANSWERED  500

typedef struct
{
  GSocket  *listener;
  guint     n_rcpt;
  guint     max_unanswered;
  gboolean  got_message;
  GError   *error;
} LockStepServer;

static gboolean
lock_step_write (GSocket     *socket,
                 GString     *text,
                 GError     **error)
{
  gsize done = 0;

  while (done < text->len)
    {
      gssize n = g_socket_send (socket, text->str + done, text->len - done, NULL, error);

      if (n < 0)
        return FALSE;
      done += (gsize) n;
    }
  g_string_truncate (text, 0);
  return TRUE;
}

/* The next complete line in @buffer, without CRLF; NULL when there is none yet. */
static char *
lock_step_take_line (GString *buffer)
{
  const char *end = memchr (buffer->str, '\n', buffer->len);
  gsize length;
  char *line;

  if (end == NULL)
    return NULL;
  length = (gsize) (end - buffer->str);
  line = g_strndup (buffer->str, length > 0 && end[-1] == '\r' ? length - 1 : length);
  g_string_erase (buffer, 0, (gssize) length + 1);
  return line;
}

static gpointer
lock_step_thread (gpointer data)
{
  LockStepServer *s = data;
  g_autoptr(GSocket) socket = g_socket_accept (s->listener, NULL, &s->error);
  g_autoptr(GString) buffer = g_string_new (NULL);
  g_autoptr(GString) out = g_string_new ("220 lockstep.test ESMTP\r\n");
  /* A long reply for each RCPT (four lines, each under RFC 5321's 512 octets). */
  g_autofree char *padding = g_strnfill (440, 'x');
  g_autofree char *rcpt_ok = g_strdup_printf ("250-2.1.5 %s\r\n250-2.1.5 %s\r\n"
                                              "250-2.1.5 %s\r\n250 2.1.5 Recipient ok\r\n",
                                              padding, padding, padding);
  gboolean in_data = FALSE;
  guint unanswered = 0;

  if (socket == NULL)
    return NULL;
  g_socket_set_timeout (socket, 30);
  for (;;)
    {
      g_autofree char *line = lock_step_take_line (buffer);

      if (line == NULL)
        {
          char chunk[16384];
          gssize n;

          /* Nothing more arrives at once: the client waits for answers. */
          if (out->len > 0 &&
              !g_socket_condition_timed_wait (socket, G_IO_IN, 20000, NULL, NULL))
            {
              if (!lock_step_write (socket, out, &s->error))
                return NULL;
              unanswered = 0;
              continue;
            }
          n = g_socket_receive (socket, chunk, sizeof chunk, NULL, &s->error);
          if (n <= 0)
            {
              if (n == 0)
                g_set_error_literal (&s->error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                                     "the client closed the connection");
              return NULL;
            }
          g_string_append_len (buffer, chunk, n);
          continue;
        }

      if (in_data)
        {
          if (strcmp (line, ".") == 0)
            {
              in_data = FALSE;
              s->got_message = TRUE;
              g_string_append (out, "250 2.0.0 queued\r\n");
            }
          continue;
        }
      unanswered++;
      s->max_unanswered = MAX (s->max_unanswered, unanswered);
      if (g_str_has_prefix (line, "EHLO "))
        g_string_append (out, "250-lockstep.test\r\n250 PIPELINING\r\n");
      else if (g_str_has_prefix (line, "MAIL FROM:"))
        g_string_append (out, "250 2.1.0 Sender ok\r\n");
      else if (g_str_has_prefix (line, "RCPT TO:"))
        {
          s->n_rcpt++;
          g_string_append (out, rcpt_ok);
        }
      else if (strcmp (line, "DATA") == 0)
        {
          in_data = TRUE;
          g_string_append (out, "354 go ahead\r\n");
        }
      else if (strcmp (line, "QUIT") == 0)
        {
          g_string_append (out, "221 bye\r\n");
          lock_step_write (socket, out, &s->error);
          return NULL;
        }
      else
        g_string_append (out, "500 5.5.1 unexpected\r\n");
    }
}

static void
test_pipelining_many_recipients (void)
{
  LockStepServer s = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GThread) thread = NULL;
  g_autoptr(OpSmtpClient) client = NULL;
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GPtrArray) recipients = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *domain = g_strnfill (220, 'd');

  s.listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                             G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (s.listener, any, TRUE, &error));
  g_assert_true (g_socket_listen (s.listener, &error));
  g_assert_no_error (error);
  g_socket_set_timeout (s.listener, 30);
  bound = g_socket_get_local_address (s.listener, &error);
  g_assert_no_error (error);
  thread = g_thread_new ("lock-step-smtp", lock_step_thread, &s);

  for (guint i = 0; i < MANY_RECIPIENTS; i++)
    g_ptr_array_add (recipients, g_strdup_printf ("recipient-%04u@%s.test", i, domain));
  g_ptr_array_add (recipients, NULL);

  client = op_smtp_client_new ("127.0.0.1",
                               g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)),
                               OP_SECURITY_NONE);
  op_smtp_client_set_timeout (client, TIMEOUT);
  op_smtp_client_set_hello_name (client, "client.test");
  caps = smtp_connect (client, &error);
  g_assert_no_error (error);
  g_assert_true (caps->pipelining);
  result = smtp_send (client, "a@example.test", (const char * const *) recipients->pdata,
                      "Subject: many\n\nhello\n", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpuint (result->n_accepted, ==, MANY_RECIPIENTS);
  g_assert_cmpuint (result->n_refused, ==, 0);
  g_assert_true (smtp_quit (client, &error));
  g_assert_no_error (error);
  op_smtp_client_shutdown (client);
  g_thread_join (g_steal_pointer (&thread));
  g_assert_no_error (s.error);
  g_assert_cmpuint (s.n_rcpt, ==, MANY_RECIPIENTS);
  g_assert_true (s.got_message);
  g_assert_cmpuint (s.max_unanswered, <=, MAX_UNANSWERED);
  g_object_unref (s.listener);
}

/* Without PIPELINING, one command, one reply; a refused MAIL is the error. */
static void
test_no_pipelining_sender_refused (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *rcpt[] = { "one@example.test", NULL };

  script_hello (f, "250 SIZE\r\n");
  op_test_server_expect_line (f->server, "MAIL FROM:<> SIZE=3");
  op_test_server_send (f->server, "553 5.7.1 Sender address rejected: not owned by you\r\n");
  op_test_server_expect_line (f->server, "QUIT");
  op_test_server_send (f->server, "221 bye\r\n");
  start (f, OP_SECURITY_NONE);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  result = smtp_send (f->client, "", rcpt, "x\r\n", -1, NULL, &error);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_SENDER_REFUSED);
  g_assert_nonnull (strstr (error->message, "not owned by you"));
  g_clear_error (&error);
  g_assert_true (smtp_quit (f->client, &error));
  server_done (f);
}

/* --- the connection fails --------------------------------------------------------- */

static void
script_to_data (Fixture *f)
{
  script_hello (f, "250 8BITMIME\r\n");
  op_test_server_expect_line (f->server, "MAIL FROM:<a@example.test>");
  op_test_server_send (f->server, "250 ok\r\n");
  op_test_server_expect_line (f->server, "RCPT TO:<b@example.test>");
  op_test_server_send (f->server, "250 ok\r\n");
  op_test_server_expect_line (f->server, "DATA");
  op_test_server_send (f->server, "354 go\r\n");
  op_test_server_expect_line (f->server, "Subject: x");
  op_test_server_expect_line (f->server, "");
  op_test_server_expect_line (f->server, "body");
}

static void
test_drop_after_final_dot (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *rcpt[] = { "b@example.test", NULL };

  script_to_data (f);
  op_test_server_expect_line (f->server, ".");
  op_test_server_close (f->server);
  start (f, OP_SECURITY_NONE);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  result = smtp_send (f->client, "a@example.test", rcpt, "Subject: x\r\n\r\nbody\r\n", -1,
                      NULL, &error);
  g_assert_null (result);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_OUTCOME_UNKNOWN);
  /* Never retried automatically. */
  g_assert_false (op_smtp_error_is_transient (error));
  server_done (f);
  op_test_spin_pending ();
  g_assert_cmpint (op_smtp_client_get_state (f->client), ==, OP_SMTP_STATE_DISCONNECTED);
}

/* Cancelling while the server has not yet answered the final "." is not a plain
 * "cancelled": the message may already be delivered. */
static void
test_cancel_after_final_dot (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OpSmtpSendResult) sent = NULL;
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (
    "Subject: x\r\n\r\nbody\r\n", -1, NULL);
  const char *rcpt[] = { "b@example.test", NULL };

  script_to_data (f);
  op_test_server_expect_line (f->server, ".");
  op_test_server_stall (f->server, 3000);
  start (f, OP_SECURITY_NONE);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  op_smtp_client_send_async (f->client, "a@example.test", rcpt, stream, -1, NULL, cancellable,
                             op_test_store_result, &result);
  g_timeout_add_once (500, (GSourceOnceFunc) g_cancellable_cancel, cancellable);
  sent = op_smtp_client_send_finish (f->client, smtp_test_wait (&result), &error);
  g_assert_null (sent);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_OUTCOME_UNKNOWN);
  op_test_server_stop (f->server);
}

/* Before the final ".", a lost connection means "not sent" — a different error. */
static void
test_drop_during_data (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpTestChunkedInputStream) stream = op_test_chunked_input_stream_new ();
  g_autofree char *filler = NULL;
  const char *rcpt[] = { "b@example.test", NULL };

  script_to_data (f);
  op_test_server_close (f->server);
  start (f, OP_SECURITY_NONE);

  /* Enough data after the server closed that writing must fail. */
  op_test_chunked_input_stream_add_string (stream, "Subject: x\r\n\r\nbody\r\n");
  {
    GString *lines = g_string_new (NULL);

    while (lines->len < 256 * 1024)
      g_string_append (lines, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n");
    filler = g_string_free (lines, FALSE);
  }
  for (guint i = 0; i < 64; i++)
    op_test_chunked_input_stream_add_string (stream, filler);
  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  result = smtp_send_stream (f->client, "a@example.test", rcpt, G_INPUT_STREAM (stream), -1,
                             NULL, &error);
  g_assert_null (result);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_CONNECTION_LOST);
  g_assert_true (op_smtp_error_is_transient (error));
  server_done (f);
}

static void
test_refused_after_final_dot (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *rcpt[] = { "b@example.test", NULL };

  script_to_data (f);
  op_test_server_expect_line (f->server, ".");
  op_test_server_send (f->server, "554 5.7.1 Message rejected: spam\r\n");
  start (f, OP_SECURITY_NONE);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  result = smtp_send (f->client, "a@example.test", rcpt, "Subject: x\r\n\r\nbody\r\n", -1,
                      NULL, &error);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "Message rejected: spam"));
  server_done (f);
}

/* --- greeting, EHLO ----------------------------------------------------------------- */

static void
test_helo_fallback (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (f->server, "220 old.test SMTP\r\n");
  op_test_server_expect_line (f->server, "EHLO client.test");
  op_test_server_send (f->server, "502 5.5.2 Error: command not recognized\r\n");
  op_test_server_expect_line (f->server, "HELO client.test");
  op_test_server_send (f->server, "250 old.test\r\n");
  start (f, OP_SECURITY_NONE);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (caps->keywords), ==, 0);
  server_done (f);
}

/* A failed EHLO later in the session leaves it connected and knowing no extension. */
static void
test_ehlo_refused_later (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpCapabilities) again = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *rcpt[] = { "b@example.test", NULL };

  script_hello (f, "250 8BITMIME\r\n");
  op_test_server_expect_line (f->server, "EHLO client.test");
  op_test_server_send (f->server, "451 4.3.0 try again later\r\n");
  op_test_server_expect_line (f->server, "NOOP");
  op_test_server_send (f->server, "250 ok\r\n");
  start (f, OP_SECURITY_NONE);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  g_assert_true (caps->eightbitmime);
  again = smtp_ehlo (f->client, FALSE, &error);
  g_assert_null (again);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_TRANSIENT);
  g_clear_error (&error);
  result = smtp_send (f->client, "a@example.test", rcpt, "Subject: x\r\n\r\nCaf\xc3\xa9\r\n",
                      -1, NULL, &error);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_8BIT_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_true (smtp_noop (f->client, &error));
  server_done (f);
}

static void
test_greeting_refused (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (f->server, "554 5.3.2 No SMTP service here\r\n");
  op_test_server_expect_close (f->server, 5000);
  start (f, OP_SECURITY_STARTTLS);

  caps = smtp_connect (f->client, &error);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "No SMTP service here"));
  server_done (f);
}

static void
test_closing_421 (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;

  script_hello (f, "250 SIZE\r\n");
  op_test_server_expect_line (f->server, "NOOP");
  op_test_server_send (f->server, "421 4.4.2 scripted.test Error: timeout exceeded\r\n");
  op_test_server_close (f->server);
  start (f, OP_SECURITY_NONE);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  g_assert_false (smtp_noop (f->client, &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_TRANSIENT);
  g_assert_nonnull (strstr (error->message, "timeout exceeded"));
  g_clear_error (&error);
  g_assert_false (smtp_noop (f->client, &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_NOT_CONNECTED);
  server_done (f);
}

static void
test_not_smtp (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (f->server, "+OK POP3 server ready\r\n");
  op_test_server_expect_close (f->server, 5000);
  start (f, OP_SECURITY_NONE);

  caps = smtp_connect (f->client, &error);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_BAD_REPLY);
  g_assert_nonnull (strstr (error->message, "+OK POP3"));
  server_done (f);
}

/* Dropping a connected client on the main thread returns at once; its worker closes
 * the (TLS) connection afterwards. */
static void
test_release_connected (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start_time;

  op_test_server_start_tls (f->server);
  script_hello (f, "250 AUTH PLAIN\r\n");
  op_test_server_expect_close (f->server, 5000);
  start (f, OP_SECURITY_IMPLICIT_TLS);

  caps = smtp_connect (f->client, &error);
  g_assert_no_error (error);
  g_assert_cmpint (op_smtp_client_get_state (f->client), ==, OP_SMTP_STATE_READY);
  g_assert_true (op_smtp_client_is_tls (f->client));
  start_time = g_get_monotonic_time ();
  g_clear_object (&f->client);
  g_assert_cmpint (g_get_monotonic_time () - start_time, <, G_TIME_SPAN_SECOND / 2);
  server_done (f);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/smtp/faults/starttls/injection-after-go-ahead", test_starttls_injection);
  ADD ("/smtp/faults/starttls/missing-refused-before-auth", test_starttls_missing);
  ADD ("/smtp/faults/starttls/refused-by-server", test_starttls_refused);
  ADD ("/smtp/faults/starttls/forgets-capabilities", test_starttls_forgets_capabilities);
  ADD ("/smtp/faults/auth/plaintext-refused", test_plaintext_refused);
  ADD ("/smtp/faults/auth/plaintext-refused-token-and-cram-md5",
       test_plaintext_refused_token_and_cram_md5);
  ADD ("/smtp/faults/auth/plaintext-opt-in-login-masked", test_plaintext_opt_in);
  ADD ("/smtp/faults/auth/xoauth2", test_xoauth2);
  ADD ("/smtp/faults/send/size-refused-before-mail", test_size_refused_before_mail);
  ADD ("/smtp/faults/send/8bit-and-utf8-not-offered", test_8bit_without_8bitmime);
  ADD ("/smtp/faults/send/size-counts-crlf-while-streaming",
       test_size_counts_crlf_while_streaming);
  ADD ("/smtp/faults/send/undeclared-8bit-aborts-before-dot",
       test_undeclared_8bit_aborts_before_dot);
  ADD ("/smtp/faults/send/line-too-long", test_line_too_long);
  ADD ("/smtp/faults/send/pipelining-and-dsn", test_pipelining);
  ADD ("/smtp/faults/send/no-pipelining-sender-refused", test_no_pipelining_sender_refused);
  g_test_add_func ("/smtp/faults/send/pipelining-5000-recipients-lock-step-server",
                   test_pipelining_many_recipients);
  ADD ("/smtp/faults/send/drop-after-final-dot-outcome-unknown", test_drop_after_final_dot);
  ADD ("/smtp/faults/send/cancel-after-final-dot-outcome-unknown",
       test_cancel_after_final_dot);
  ADD ("/smtp/faults/send/drop-during-data-not-sent", test_drop_during_data);
  ADD ("/smtp/faults/send/refused-after-final-dot", test_refused_after_final_dot);
  ADD ("/smtp/faults/hello/helo-fallback", test_helo_fallback);
  ADD ("/smtp/faults/hello/ehlo-refused-later", test_ehlo_refused_later);
  ADD ("/smtp/faults/hello/greeting-refused", test_greeting_refused);
  ADD ("/smtp/faults/hello/closing-421", test_closing_421);
  ADD ("/smtp/faults/hello/not-smtp", test_not_smtp);
  ADD ("/smtp/faults/release/connected-returns-at-once", test_release_connected);

  return op_test_run ();
}
