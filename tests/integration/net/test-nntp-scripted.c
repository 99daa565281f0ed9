/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-nntp-scripted"

#include "config.h"

#include <string.h>

#include "op-connection.h"
#include "op-test-async.h"
#include "op-test-fixtures.h"
#include "op-test-server.h"
#include "op-test-verifier.h"
#include "test-nntp-common.h"

/*
 * OpNntpClient against scripted in-process servers (tests/support/op-test-server.h):
 * what INN cannot be made to do. A reply injected right after STARTTLS's 382, a server
 * without STARTTLS or refusing it when TLS is required (nothing sent), capabilities
 * asked again after TLS and MODE READER, AUTHINFO SASL PLAIN masked in the log, COMPRESS
 * refused (the session goes on) or followed by plain text (it ends), an
 * RFC 977 server (XOVER, XHDR, no CAPABILITIES), a connection dropped in the middle of
 * an OVER, a hostile OVER line with tabs and a NUL, an over-long line, 440 and 441 with
 * the server's text, dot-stuffing of POST, cancellation of an OVER mid-stream, and
 * releasing a connected client from the main thread.
 */

#define USER     "reader"
#define PASSWORD "s3cret-pass"
#define TIMEOUT  3

static OpNntpClient *
new_client (OpTestServer *server,
            OpSecurity    security)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) ca = op_test_load_ca (&error);
  g_autoptr(OpTestVerifier) verifier = NULL;
  OpNntpClient *client;

  g_assert_no_error (error);
  verifier = op_test_verifier_new_for_ca (ca);
  client = op_nntp_client_new ("127.0.0.1", op_test_server_get_port (server), security);
  op_nntp_client_set_verifier (client, OP_TLS_VERIFIER (verifier));
  op_nntp_client_set_timeout (client, TIMEOUT);
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

      if (g_str_has_prefix (upper, "AUTHINFO") || strstr (lines[i], PASSWORD) != NULL)
        g_error ("the server received a login command: “%s”", lines[i]);
    }
}

static void
assert_log_clean (OpNntpClient *client)
{
  g_autoptr(GPtrArray) entries = op_protocol_log_dup_entries (op_nntp_client_get_log (client));
  static const char plain[] = "\0" USER "\0" PASSWORD;
  g_autofree char *b64 = g_base64_encode ((const guchar *) plain, sizeof plain - 1);

  for (guint i = 0; i < entries->len; i++)
    {
      const char *text = op_log_entry_get_text (entries->pdata[i]);

      g_assert_null (strstr (text, PASSWORD));
      g_assert_null (strstr (text, b64));
    }
}

static gboolean
log_has_sent (OpNntpClient *client,
              const char   *line)
{
  g_autoptr(GPtrArray) entries = op_protocol_log_dup_entries (op_nntp_client_get_log (client));

  for (guint i = 0; i < entries->len; i++)
    if (op_log_entry_get_direction (entries->pdata[i]) == OP_LOG_SENT &&
        g_str_equal (op_log_entry_get_text (entries->pdata[i]), line))
      return TRUE;
  return FALSE;
}

#define CAPS_READER "101 Capability list:\r\nVERSION 2\r\nREADER\r\nOVER\r\nHDR\r\n" \
                    "LIST ACTIVE NEWSGROUPS OVERVIEW.FMT\r\n"
#define OVERVIEW_FMT "215 Order of fields in overview database.\r\nSubject:\r\nFrom:\r\n" \
                     "Date:\r\nMessage-ID:\r\nReferences:\r\n:bytes\r\n:lines\r\n" \
                     "Xref:full\r\n.\r\n"

/* A reader server with no TLS and no login, then GROUP and LIST OVERVIEW.FMT. */
static void
script_reader_group (OpTestServer *server)
{
  op_test_server_send (server, "200 news.example.test ready (posting ok)\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, CAPS_READER ".\r\n");
  op_test_server_expect_line (server, "GROUP misc.test");
  op_test_server_send (server, "211 5000 1 5000 misc.test\r\n");
  op_test_server_expect_line (server, "LIST OVERVIEW.FMT");
  op_test_server_send (server, OVERVIEW_FMT);
}

static OpNntpClient *
connect_reader (OpTestServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  OpNntpClient *client = new_client (server, OP_SECURITY_NONE);

  g_assert_true (nntp_connect (client, NULL, NULL, &error));
  g_assert_no_error (error);
  op_nntp_client_group_async (client, "misc.test", NULL, op_test_store_result, &result);
  g_assert_true (op_nntp_client_group_finish (client, nntp_test_wait (&result), NULL, NULL, NULL,
                                              &error));
  g_assert_no_error (error);
  return client;
}

static char *
over_line (guint number)
{
  return g_strdup_printf ("%u\tSubject %u\tPoster <p@example.test>\t"
                          "Mon, 01 Jan 2024 10:00:00 +0000\t<a%u@example.test>\t\t"
                          "%u\t%u\tXref: news.example.test misc.test:%u\r\n",
                          number, number, number, 100 + number, 3, number);
}

static char *
over_block (guint first,
            guint last,
            gboolean terminated)
{
  GString *block = g_string_new ("224 Overview information follows\r\n");

  for (guint n = first; n <= last; n++)
    {
      g_autofree char *line = over_line (n);

      g_string_append (block, line);
    }
  if (terminated)
    g_string_append (block, ".\r\n");
  return g_string_free (block, FALSE);
}

/* --- STARTTLS ----------------------------------------------------------------------- */

static void
test_starttls_injection (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "200 news.example.test ready\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, CAPS_READER "STARTTLS\r\nAUTHINFO USER\r\n.\r\n");
  op_test_server_expect_line (server, "STARTTLS");
  /* The go-ahead and an injected reply in one write (CVE-2011-0411 style). */
  op_test_server_send (server, "382 Continue with TLS negotiation\r\n281 injected\r\n");
  /* What a client that took the injected reply would meet next. */
  op_test_server_start_tls (server);
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, CAPS_READER "AUTHINFO USER\r\n.\r\n");
  op_test_server_expect_line (server, "AUTHINFO USER " USER);
  start_server (server);

  client = new_client (server, OP_SECURITY_STARTTLS);
  g_assert_false (nntp_connect (client, USER, PASSWORD, &error));
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_STARTTLS_INJECTION);
  g_assert_cmpint (op_nntp_client_get_state (client), ==, OP_NNTP_STATE_DISCONNECTED);
  g_assert_false (op_nntp_client_is_tls (client));
  (void) op_test_server_wait (server, 10000, NULL);
  assert_no_credentials_sent (server);
}

static void
test_starttls_missing (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "200 news.example.test ready\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, CAPS_READER "AUTHINFO USER\r\n.\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "205 bye\r\n");
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = new_client (server, OP_SECURITY_STARTTLS);
  /* Even with plain-text passwords allowed, required TLS is required. */
  op_nntp_client_set_allow_plaintext_password (client, TRUE);
  g_assert_false (nntp_connect (client, USER, PASSWORD, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_TLS_REFUSED);
  g_assert_nonnull (strstr (error->message, "STARTTLS"));
  g_assert_cmpint (op_nntp_client_get_state (client), ==, OP_NNTP_STATE_DISCONNECTED);
  assert_server_ok (server);
  assert_no_credentials_sent (server);
}

static void
test_starttls_refused (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "200 news.example.test ready\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, CAPS_READER "STARTTLS\r\n.\r\n");
  op_test_server_expect_line (server, "STARTTLS");
  op_test_server_send (server, "580 Can not initiate TLS negotiation\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "205 bye\r\n");
  start_server (server);

  client = new_client (server, OP_SECURITY_STARTTLS);
  g_assert_false (nntp_connect (client, USER, PASSWORD, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_TLS_REFUSED);
  g_assert_nonnull (strstr (error->message, "Can not initiate TLS negotiation"));
  assert_server_ok (server);
  assert_no_credentials_sent (server);
}

/* After the handshake the pre-TLS capabilities are forgotten (they offered only SASL
 * PLAIN; those after TLS offer AUTHINFO USER), MODE READER is sent because the server
 * announces MODE-READER, and its 201 replaces the greeting's posting status. */
static void
test_capabilities_again_and_mode_reader (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "200 transit.example.test ready\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, "101 caps\r\nVERSION 2\r\nMODE-READER\r\nIHAVE\r\nSTARTTLS\r\n"
                               "AUTHINFO SASL\r\nSASL PLAIN\r\n.\r\n");
  op_test_server_expect_line (server, "STARTTLS");
  op_test_server_send (server, "382 Continue with TLS negotiation\r\n");
  op_test_server_start_tls (server);
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, "101 caps\r\nVERSION 2\r\nMODE-READER\r\nIHAVE\r\n"
                               "AUTHINFO USER\r\n.\r\n");
  op_test_server_expect_line (server, "MODE READER");
  op_test_server_send (server, "201 Reader mode, posting prohibited\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, "101 caps\r\nVERSION 2\r\nREADER\r\nOVER\r\nAUTHINFO USER\r\n"
                               ".\r\n");
  op_test_server_expect_line (server, "AUTHINFO USER " USER);
  op_test_server_send (server, "381 Password required\r\n");
  op_test_server_expect_line (server, "AUTHINFO PASS " PASSWORD);
  op_test_server_send (server, "281 Authentication accepted\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, "101 caps\r\nVERSION 2\r\nREADER\r\nOVER\r\nPOST\r\n.\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "205 bye\r\n");
  start_server (server);

  client = new_client (server, OP_SECURITY_STARTTLS);
  g_assert_true (nntp_connect (client, USER, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_true (op_nntp_client_is_tls (client));
  g_assert_cmpint (op_nntp_client_get_auth_method (client), ==, OP_NNTP_AUTH_USER_PASS);
  g_assert_false (op_nntp_client_get_posting_allowed (client));
  g_assert_true (op_nntp_client_has_capability (client, "POST"));
  g_assert_false (op_nntp_client_has_capability (client, "STARTTLS"));
  g_assert_false (op_nntp_client_has_capability (client, "MODE-READER"));
  nntp_quit (client);
  assert_server_ok (server);
  g_assert_true (log_has_sent (client, "AUTHINFO PASS ****"));
  assert_log_clean (client);
}

/* --- login ------------------------------------------------------------------------- */

static void
test_sasl_plain (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  static const char plain[] = "\0" USER "\0" PASSWORD;
  g_autofree char *b64 = g_base64_encode ((const guchar *) plain, sizeof plain - 1);
  g_autofree char *expected = g_strconcat ("AUTHINFO SASL PLAIN ", b64, NULL);

  op_test_server_start_tls (server);
  op_test_server_send (server, "201 news.example.test ready (no posting)\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, CAPS_READER "AUTHINFO SASL\r\nSASL CRAM-MD5 PLAIN\r\n.\r\n");
  op_test_server_expect_line (server, expected);
  op_test_server_send (server, "281 Authentication accepted\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, CAPS_READER ".\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "205 bye\r\n");
  start_server (server);

  client = new_client (server, OP_SECURITY_IMPLICIT_TLS);
  g_assert_true (nntp_connect (client, USER, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_cmpint (op_nntp_client_get_auth_method (client), ==, OP_NNTP_AUTH_SASL_PLAIN);
  g_assert_false (op_nntp_client_get_posting_allowed (client));
  nntp_quit (client);
  assert_server_ok (server);
  g_assert_true (log_has_sent (client, "AUTHINFO SASL PLAIN ****"));
  assert_log_clean (client);
}

/* No TLS, no opt-in: nothing is sent at all (the refusal comes before connecting). */
static void
test_plaintext_refused (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "200 news.example.test ready\r\n");
  start_server (server);
  client = new_client (server, OP_SECURITY_NONE);
  g_assert_false (nntp_connect (client, USER, PASSWORD, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_PLAINTEXT_REFUSED);
  g_assert_cmpuint (op_test_server_get_n_connections (server), ==, 0);
}

/* --- COMPRESS ---------------------------------------------------------------------------- */

/* A server that offers COMPRESS DEFLATE and then refuses it: the session goes on as it
 * was, uncompressed (the scripted server would not understand a deflated command). */
static void
test_compress_refused (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "200 news.example.test ready\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, CAPS_READER "COMPRESS DEFLATE\r\n.\r\n");
  op_test_server_expect_line (server, "COMPRESS DEFLATE");
  op_test_server_send (server, "403 Unable to activate compression\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "205 bye\r\n");
  start_server (server);

  client = new_client (server, OP_SECURITY_NONE);
  op_nntp_client_set_compress (client, TRUE);
  g_assert_true (nntp_connect (client, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (op_nntp_client_is_compressed (client));
  nntp_quit (client);
  assert_server_ok (server);
}

/* Plain text right behind 206 cannot be a compressed stream: the session ends. */
static void
test_compress_plain_after_go_ahead (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "200 news.example.test ready\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, CAPS_READER "COMPRESS DEFLATE\r\n.\r\n");
  op_test_server_expect_line (server, "COMPRESS DEFLATE");
  op_test_server_send (server, "206 Compression active\r\n211 injected\r\n");
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = new_client (server, OP_SECURITY_NONE);
  op_nntp_client_set_compress (client, TRUE);
  g_assert_false (nntp_connect (client, NULL, NULL, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
  g_assert_cmpint (op_nntp_client_get_state (client), ==, OP_NNTP_STATE_DISCONNECTED);
  assert_server_ok (server);
}

/* --- an RFC 977 / 2980 server -------------------------------------------------------- */

static void
test_old_server_xover_xhdr (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *block = over_block (10, 12, TRUE);
  NntpBatches batches = { NULL, };
  guint64 count = 0;

  op_test_server_send (server, "200 old.example.test ready\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, "500 What?\r\n");
  op_test_server_expect_line (server, "MODE READER");
  op_test_server_send (server, "200 reader\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, "500 What?\r\n");
  op_test_server_expect_line (server, "LIST OVERVIEW.FMT");
  op_test_server_send (server, "500 What?\r\n");
  op_test_server_expect_line (server, "XOVER 10-12");
  /* The RFC's seven fields only: the Xref at the end is a field the format lacks. */
  op_test_server_send (server, block);
  op_test_server_expect_line (server, "XHDR Subject 10-11");
  op_test_server_send (server, "221 Subject fields follow\r\n10 Subject 10\r\n11 (none)\r\n.\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "205 bye\r\n");
  start_server (server);

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (nntp_connect (client, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (op_nntp_client_has_capability (client, "OVER"));
  g_assert_true (nntp_over (client, 10, 12, &batches, NULL, &count, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 3);
  g_assert_cmpstr (((OpNntpOverview *) batches.overviews->pdata[0])->message_id, ==,
                   "<a10@example.test>");
  g_assert_cmpuint (((OpNntpOverview *) batches.overviews->pdata[2])->bytes, ==, 112);
  nntp_batches_clear (&batches);
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) values = NULL;

    op_nntp_client_hdr_async (client, "Subject", NULL, 10, 11, NULL, op_test_store_result,
                              &result);
    values = op_nntp_client_hdr_finish (client, nntp_test_wait (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (values->len, ==, 2);
    g_assert_cmpstr (((OpNntpHeaderValue *) values->pdata[0])->value, ==, "Subject 10");
  }
  nntp_quit (client);
  assert_server_ok (server);
}

/* --- OVER faults ---------------------------------------------------------------------- */

/* 2,500 of 5,000 lines, then the connection drops: the batches delivered hold only whole
 * lines, the call fails as a lost connection, and the client is disconnected. */
static void
test_over_drop_mid_stream (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *block = over_block (1, 5000, TRUE);
  g_autofree char *cut = over_block (1, 2500, FALSE);
  NntpBatches batches = { NULL, };
  guint64 count = 0;

  script_reader_group (server);
  op_test_server_expect_line (server, "OVER 1-5000");
  /* Cut in the middle of line 2,501. */
  op_test_server_drop_after (server, strlen (cut) + 20);
  op_test_server_send (server, block);
  start_server (server);

  client = connect_reader (server);
  g_assert_false (nntp_over (client, 1, 5000, &batches, NULL, &count, NULL, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_CONNECTION_LOST);
  g_clear_error (&error);
  g_assert_cmpint (op_nntp_client_get_state (client), ==, OP_NNTP_STATE_DISCONNECTED);
  /* Whole batches only, and each overview whole: nothing from the cut line. */
  g_assert_cmpuint (batches.overviews->len % OP_NNTP_OVERVIEW_BATCH, ==, 0);
  g_assert_cmpuint (batches.overviews->len, <=, 2500);
  for (guint i = 0; i < batches.overviews->len; i++)
    g_assert_cmpuint (((OpNntpOverview *) batches.overviews->pdata[i])->number, ==, i + 1);
  nntp_batches_clear (&batches);
  (void) op_test_server_wait (server, 10000, NULL);

  /* The next call knows the session is gone. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    op_nntp_client_group_async (client, "misc.test", NULL, op_test_store_result, &result);
    g_assert_false (op_nntp_client_group_finish (client, nntp_test_wait (&result), NULL, NULL,
                                                 NULL, &error));
    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_NOT_CONNECTED);
  }
}

/* 5,000 overviews arrive in batches of at most OP_NNTP_OVERVIEW_BATCH, in order; the
 * log has their count, not each line. */
static void
test_over_batches (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *block = over_block (1, 5000, TRUE);
  NntpBatches batches = { NULL, };
  guint64 count = 0, skipped = 0;

  script_reader_group (server);
  op_test_server_expect_line (server, "OVER 1-");
  op_test_server_send (server, block);
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "205 bye\r\n");
  start_server (server);

  client = connect_reader (server);
  g_assert_true (nntp_over (client, 1, G_MAXUINT64, &batches, NULL, &count, &skipped,
                              &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 5000);
  g_assert_cmpuint (skipped, ==, 0);
  g_assert_cmpuint (batches.n_batches, ==, 5000 / OP_NNTP_OVERVIEW_BATCH);
  g_assert_cmpuint (batches.largest, ==, OP_NNTP_OVERVIEW_BATCH);
  for (guint i = 0; i < 5000; i++)
    g_assert_cmpuint (((OpNntpOverview *) batches.overviews->pdata[i])->number, ==, i + 1);
  /* The protocol log has the block's size, not its 5,000 lines (logging each cost more
   * than reading it). */
  {
    g_autoptr(GPtrArray) entries = op_protocol_log_dup_entries (op_nntp_client_get_log (client));
    guint overview_lines = 0, summaries = 0;

    for (guint i = 0; i < entries->len; i++)
      {
        const char *text = op_log_entry_get_text (entries->pdata[i]);

        /* An overview line is the only received line with a tab. */
        if (op_log_entry_get_direction (entries->pdata[i]) == OP_LOG_RECEIVED &&
            strchr (text, '\t') != NULL)
          overview_lines++;
        else if (g_str_has_prefix (text, "(5000 data lines, "))
          summaries++;
      }
    g_assert_cmpuint (summaries, ==, 1);
    g_assert_cmpuint (overview_lines, ==, 0);
  }
  nntp_batches_clear (&batches);
  nntp_quit (client);
  assert_server_ok (server);
}

/* Cancelled after the first batch, while the worker waits for the main context (the
 * window is full): the call fails as cancelled at once and the session ends. */
static void
test_over_cancel (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *block = over_block (1, 5000, TRUE);
  NntpBatches batches = { NULL, };
  guint64 count = 0;

  script_reader_group (server);
  op_test_server_expect_line (server, "OVER 1-5000");
  op_test_server_send (server, block);
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = connect_reader (server);
  batches.cancel_after_first = cancellable;
  g_assert_false (nntp_over (client, 1, 5000, &batches, cancellable, &count, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (op_nntp_client_get_state (client), ==, OP_NNTP_STATE_DISCONNECTED);
  g_assert_cmpuint (batches.overviews->len, <, 5000);
  nntp_batches_clear (&batches);
  assert_server_ok (server);
}

/* A line with tabs inside the subject and a NUL inside the From never shifts the
 * fields: the Message-ID and the numbers are found by their shape, and no stored field
 * holds a tab or a NUL. */
static void
test_over_hostile_line (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  static const char hostile[] =
    "224 Overview follows\r\n"
    "7\tTabs\tinside\tthe subject\tEvil \0<e@example.test>\tMon, 01 Jan 2024 10:00:00 +0000\t"
    "<evil.7@example.test>\t<root@example.test>\t1234\t12\tXref: h misc.test:7\r\n"
    "8\tnot enough fields\r\n"
    ".\r\n";
  NntpBatches batches = { NULL, };
  guint64 count = 0, skipped = 0;
  OpNntpOverview *ov;

  script_reader_group (server);
  op_test_server_expect_line (server, "OVER 7-8");
  op_test_server_send_raw (server, hostile, sizeof hostile - 1);
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "205 bye\r\n");
  start_server (server);

  client = connect_reader (server);
  g_assert_true (nntp_over (client, 7, 8, &batches, NULL, &count, &skipped, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 1);
  g_assert_cmpuint (skipped, ==, 1);
  ov = batches.overviews->pdata[0];
  g_assert_cmpuint (ov->number, ==, 7);
  g_assert_cmpstr (ov->message_id, ==, "<evil.7@example.test>");
  g_assert_cmpstr (ov->references, ==, "<root@example.test>");
  g_assert_cmpuint (ov->bytes, ==, 1234);
  g_assert_cmpuint (ov->lines, ==, 12);
  g_assert_null (strchr (ov->subject, '\t'));
  g_assert_nonnull (strstr (ov->subject, "Tabs"));
  g_assert_nonnull (strstr (ov->subject, "the subject"));
  g_assert_null (strchr (ov->from, '\t'));
  g_assert_nonnull (strstr (ov->from, "<e@example.test>"));
  g_assert_null (strchr (ov->date, '\t'));
  nntp_batches_clear (&batches);
  nntp_quit (client);
  assert_server_ok (server);
}

/* An OVER line without end is refused at the limit, not grown into. */
static void
test_over_line_too_long (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  NntpBatches batches = { NULL, };
  guint64 count = 0;

  script_reader_group (server);
  op_test_server_expect_line (server, "OVER 1-2");
  op_test_server_send (server, "224 Overview follows\r\n1\t");
  op_test_server_send_garbage (server, OP_NNTP_MAX_LIST_LINE + 4096, FALSE);
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = connect_reader (server);
  g_assert_false (nntp_over (client, 1, 2, &batches, NULL, &count, NULL, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
  g_assert_cmpint (op_nntp_client_get_state (client), ==, OP_NNTP_STATE_DISCONNECTED);
  g_assert_cmpuint (batches.overviews->len, ==, 0);
  nntp_batches_clear (&batches);
  assert_server_ok (server);
}

/* --- POST ------------------------------------------------------------------------------ */

static void
test_post_refusals_and_stuffing (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_send (server, "201 news.example.test ready (no posting)\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, CAPS_READER ".\r\n");
  op_test_server_expect_line (server, "POST");
  op_test_server_send (server, "440 Posting not permitted for this group\r\n");
  op_test_server_expect_line (server, "POST");
  op_test_server_send (server, "340 Input article; end with <CR-LF>.<CR-LF>\r\n");
  op_test_server_expect_line (server, "From: a@example.test");
  op_test_server_expect_line (server, "Newsgroups: misc.test");
  op_test_server_expect_line (server, "");
  op_test_server_expect_line (server, "..");
  op_test_server_expect_line (server, "...two");
  op_test_server_expect_line (server, "last");
  op_test_server_expect_line (server, ".");
  op_test_server_send (server, "441 Article has no Subject header\r\n");
  op_test_server_expect_line (server, "POST");
  op_test_server_send (server, "340 go ahead\r\n");
  op_test_server_expect_line (server, "Subject: ok");
  op_test_server_expect_line (server, "");
  op_test_server_expect_line (server, "body");
  op_test_server_expect_line (server, ".");
  op_test_server_send (server, "240 Article received <x@example.test>\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "205 bye\r\n");
  start_server (server);

  client = new_client (server, OP_SECURITY_NONE);
  g_assert_true (nntp_connect (client, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (op_nntp_client_get_posting_allowed (client));

  g_assert_false (nntp_post (client, "From: a@example.test\n\nbody\n", &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_POSTING_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "Posting not permitted for this group"));
  g_clear_error (&error);

  /* LF line ends, lines of dots, and no line end at the end. */
  g_assert_false (nntp_post (client, "From: a@example.test\nNewsgroups: misc.test\n\n.\n"
                                       "..two\nlast", &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_POSTING_FAILED);
  g_assert_nonnull (strstr (error->message, "Article has no Subject header"));
  g_clear_error (&error);
  g_assert_cmpint (op_nntp_client_get_state (client), ==, OP_NNTP_STATE_READY);

  g_assert_true (nntp_post (client, "Subject: ok\r\n\r\nbody\r\n", &error));
  g_assert_no_error (error);
  nntp_quit (client);
  assert_server_ok (server);
}

/* --- release ---------------------------------------------------------------------------- */

/* Dropping a connected client on the main thread returns at once; the worker closes
 * the connection (here a TLS one) afterwards. */
static void
test_release_connected (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(GError) error = NULL;
  OpNntpClient *client;
  OpNntpState state = OP_NNTP_STATE_DISCONNECTED;
  gint64 start;

  op_test_server_start_tls (server);
  op_test_server_send (server, "200 news.example.test ready\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, CAPS_READER ".\r\n");
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = new_client (server, OP_SECURITY_IMPLICIT_TLS);
  g_assert_true (nntp_connect (client, NULL, NULL, &error));
  g_assert_no_error (error);
  g_object_get (client, "state", &state, NULL);
  g_assert_cmpint (state, ==, OP_NNTP_STATE_READY);
  start = g_get_monotonic_time ();
  g_object_unref (client);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_TIME_SPAN_SECOND / 2);
  assert_server_ok (server);
}

/* Released while an OVER waits for the main context to take its batches: still at once,
 * and the worker ends. */
static void
test_release_during_over (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *block = over_block (1, 5000, TRUE);
  OpNntpClient *client;
  NntpBatches batches = { NULL, };
  gint64 start;

  script_reader_group (server);
  op_test_server_expect_line (server, "OVER 1-5000");
  op_test_server_send (server, block);
  op_test_server_expect_close (server, 5000);
  start_server (server);

  client = connect_reader (server);
  batches.overviews = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);
  op_nntp_client_over_async (client, 1, 5000, nntp_collect_batch, &batches, NULL, NULL, NULL);
  /* Let the worker fill its window without the main context taking anything. */
  g_usleep (G_USEC_PER_SEC / 2);
  start = g_get_monotonic_time ();
  op_session_shutdown (OP_SESSION (client));
  g_object_unref (client);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_TIME_SPAN_SECOND / 2);
  assert_server_ok (server);
  /* The worker parsed at most its window ahead of the main context, which took nothing
   * while it waited: without the window all 5,000 would have been posted. */
  op_test_spin_for (200);
  g_assert_cmpuint (batches.overviews->len, <=,
                    OP_NNTP_OVERVIEW_IN_FLIGHT * OP_NNTP_OVERVIEW_BATCH);
  for (guint i = 0; i < batches.overviews->len; i++)
    g_assert_cmpuint (((OpNntpOverview *) batches.overviews->pdata[i])->number, ==, i + 1);
  nntp_batches_clear (&batches);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/nntp/scripted/starttls/injection-after-go-ahead-is-refused",
                   test_starttls_injection);
  g_test_add_func ("/nntp/scripted/starttls/missing-is-refused-before-anything-is-sent",
                   test_starttls_missing);
  g_test_add_func ("/nntp/scripted/starttls/refused-with-the-server-text",
                   test_starttls_refused);
  g_test_add_func ("/nntp/scripted/session/capabilities-again-after-tls-mode-reader-login",
                   test_capabilities_again_and_mode_reader);
  g_test_add_func ("/nntp/scripted/login/sasl-plain-masked", test_sasl_plain);
  g_test_add_func ("/nntp/scripted/login/plaintext-refused-before-connecting",
                   test_plaintext_refused);
  g_test_add_func ("/nntp/scripted/compress/refused-goes-on-uncompressed",
                   test_compress_refused);
  g_test_add_func ("/nntp/scripted/compress/plain-text-after-go-ahead-ends-the-session",
                   test_compress_plain_after_go_ahead);
  g_test_add_func ("/nntp/scripted/session/rfc977-server-xover-xhdr",
                   test_old_server_xover_xhdr);
  g_test_add_func ("/nntp/scripted/over/drop-mid-stream", test_over_drop_mid_stream);
  g_test_add_func ("/nntp/scripted/over/batches", test_over_batches);
  g_test_add_func ("/nntp/scripted/over/cancel-while-window-full", test_over_cancel);
  g_test_add_func ("/nntp/scripted/over/hostile-line-tabs-and-nul", test_over_hostile_line);
  g_test_add_func ("/nntp/scripted/over/line-too-long", test_over_line_too_long);
  g_test_add_func ("/nntp/scripted/post/440-441-texts-and-dot-stuffing",
                   test_post_refusals_and_stuffing);
  g_test_add_func ("/nntp/scripted/release/connected-returns-at-once", test_release_connected);
  g_test_add_func ("/nntp/scripted/release/during-over-returns-at-once",
                   test_release_during_over);

  return op_test_run ();
}
