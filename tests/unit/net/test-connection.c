/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-connection"

#include "config.h"

#include <dlfcn.h>
#include <string.h>

#include <glib/gi18n.h>
#include <gnutls/x509.h>

#include "op-connection.h"
#include "op-tls-system-database.h"
#include "op-test-fixtures.h"
#include "op-test-server.h"
#include "op-test-verifier.h"

/* How long a scripted server may take; the client side uses its own timeouts. */
#define SERVER_WAIT_MS 10000
#define TIMEOUT_SECONDS 10

/* Each parse of the system trust store in this process. glib-networking's GnuTLS backend
 * calls this for its default database and, for a connection given a database of its own
 * type, again for that connection's credentials. The executable exports it
 * (export_dynamic), so the backend's module finds it before libgnutls's. */
static gint system_trust_parses;

int
gnutls_x509_trust_list_add_system_trust (gnutls_x509_trust_list_t list,
                                         unsigned int             tl_flags,
                                         unsigned int             tl_vflags)
{
  static int (*real) (gnutls_x509_trust_list_t, unsigned int, unsigned int);

  if (real == NULL)
    {
      void *gnutls = dlopen ("libgnutls.so.30", RTLD_LAZY | RTLD_NOLOAD);

      real = dlsym (gnutls != NULL ? gnutls : RTLD_NEXT, "gnutls_x509_trust_list_add_system_trust");
      g_assert_nonnull (real);
    }
  g_atomic_int_inc (&system_trust_parses);
  return real (list, tl_flags, tl_vflags);
}

static OpTestServer *
start_server (OpTestServer *server)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_test_server_start (server, &error));
  g_assert_no_error (error);

  return server;
}

static void
assert_server_ok (OpTestServer *server)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_test_server_wait (server, SERVER_WAIT_MS, &error));
  g_assert_no_error (error);
}

static OpTestVerifier *
fixture_ca_verifier (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) ca = op_test_load_ca (&error);

  g_assert_no_error (error);

  return op_test_verifier_new_for_ca (ca);
}

static OpConnection *
connect_to (OpTestServer   *server,
            gboolean        implicit_tls,
            guint           timeout,
            OpTlsVerifier  *verifier,
            OpProtocolLog  *log,
            GError        **error)
{
  return op_connection_connect (op_test_server_get_host (server),
                                op_test_server_get_port (server),
                                implicit_tls, timeout, verifier, log, NULL, error);
}

static void
assert_read_line (OpConnection *connection,
                  const char   *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = op_connection_read_line (connection, 512, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, expected);
}

static void
send_command (OpConnection *connection,
              const char   *verb,
              const char   *argument)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_connection_send_command (connection, verb, argument, OP_SEND_PLAIN, NULL,
                                             &error));
  g_assert_no_error (error);
}

static gboolean
log_contains (OpProtocolLog  *log,
              OpLogDirection  direction,
              const char     *prefix)
{
  g_autoptr(GPtrArray) entries = op_protocol_log_dup_entries (log);

  for (guint i = 0; i < entries->len; i++)
    if (op_log_entry_get_direction (entries->pdata[i]) == direction &&
        g_str_has_prefix (op_log_entry_get_text (entries->pdata[i]), prefix))
      return TRUE;

  return FALSE;
}

/* Plain TCP ----------------------------------------------------------------------- */

static void
test_plain_greeting (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpProtocolLog) log = op_protocol_log_new ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GInetSocketAddress) peer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *peer_text = NULL;

  op_test_server_send (server, "220 scripted server ready\r\n");
  op_test_server_expect_line (server, "QUIT");
  op_test_server_send (server, "221 bye\r\n");
  start_server (server);

  connection = connect_to (server, FALSE, TIMEOUT_SECONDS, NULL, log, &error);
  g_assert_no_error (error);
  g_assert_false (op_connection_is_tls (connection));
  g_assert_null (op_connection_get_peer_certificate (connection));
  g_assert_cmpstr (op_connection_get_host (connection), ==, "127.0.0.1");
  g_assert_cmpuint (op_connection_get_port (connection), ==, op_test_server_get_port (server));

  peer = op_connection_get_peer_address (connection);
  peer_text = g_inet_address_to_string (g_inet_socket_address_get_address (peer));
  g_assert_cmpstr (peer_text, ==, "127.0.0.1");

  assert_read_line (connection, "220 scripted server ready");
  send_command (connection, "QUIT", NULL);
  assert_read_line (connection, "221 bye");
  g_assert_true (op_connection_close (connection, NULL, &error));
  g_assert_no_error (error);

  assert_server_ok (server);
  g_assert_true (log_contains (log, OP_LOG_INFO, "Connecting to 127.0.0.1:"));
  g_assert_true (log_contains (log, OP_LOG_RECEIVED, "220 scripted server ready"));
  g_assert_true (log_contains (log, OP_LOG_SENT, "QUIT"));
}

static void
test_ipv6 (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_set_address (server, "::1");
  op_test_server_send (server, "220 over IPv6\r\n");
  if (!op_test_server_start (server, &error))
    {
      g_test_skip_printf ("no IPv6 loopback here: %s", error->message);
      return;
    }

  connection = op_connection_connect ("::1", op_test_server_get_port (server), FALSE,
                                      TIMEOUT_SECONDS, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_read_line (connection, "220 over IPv6");
  assert_server_ok (server);
}

static void
test_host_name (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  /* "localhost" resolves to ::1 and 127.0.0.1; the server only listens on the latter,
   * so the IPv6 attempt fails and IPv4 wins. */
  op_test_server_send (server, "220 by name\r\n");
  start_server (server);

  connection = op_connection_connect ("localhost", op_test_server_get_port (server), FALSE,
                                      TIMEOUT_SECONDS, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_read_line (connection, "220 by name");
  assert_server_ok (server);
}

static void
test_refused (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  guint16 port;

  /* A port that was just free again. */
  start_server (server);
  port = op_test_server_get_port (server);
  op_test_server_stop (server);

  connection = op_connection_connect ("127.0.0.1", port, FALSE, TIMEOUT_SECONDS, NULL, NULL,
                                      NULL, &error);
  g_assert_null (connection);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  expected = g_strdup_printf ("127.0.0.1:%u refused the connection. Check the port number "
                              "and that the server is running.", port);
  g_assert_cmpstr (error->message, ==, expected);

  /* Callers may ignore the error. */
  g_assert_null (op_connection_connect ("127.0.0.1", port, FALSE, TIMEOUT_SECONDS, NULL, NULL,
                                        NULL, NULL));
}

static void
test_cancelled_connect (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  connection = op_connection_connect ("127.0.0.1", 9, FALSE, TIMEOUT_SECONDS, NULL, NULL,
                                      cancellable, &error);
  g_assert_null (connection);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Faults ------------------------------------------------------------------------- */

static void
test_drop_mid_line (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  op_test_server_drop_after (server, 5);
  op_test_server_send (server, "220 hello\r\n");
  start_server (server);

  connection = connect_to (server, FALSE, TIMEOUT_SECONDS, NULL, NULL, &error);
  g_assert_no_error (error);
  line = op_connection_read_line (connection, 512, NULL, NULL, &error);
  g_assert_null (line);
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED);
  g_assert_nonnull (strstr (error->message, "closed the connection in the middle of a reply"));
  assert_server_ok (server);
}

static void
test_garbage_is_too_long (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  op_test_server_send_garbage (server, 100000, FALSE);
  op_test_server_stall (server, 5000);
  start_server (server);

  connection = connect_to (server, FALSE, TIMEOUT_SECONDS, NULL, NULL, &error);
  g_assert_no_error (error);
  line = op_connection_read_line (connection, 512, NULL, NULL, &error);
  g_assert_null (line);
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_LINE_TOO_LONG);

  /* The client closed the connection: the stalling server saw it at once. */
  assert_server_ok (server);
  g_assert_true (op_test_server_get_client_closed (server));
}

static void
test_stalled_read_times_out (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *expected = NULL;
  gint64 start;
  gint64 elapsed;

  op_test_server_stall (server, 10000);
  start_server (server);

  connection = connect_to (server, FALSE, 1, NULL, NULL, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  line = op_connection_read_line (connection, 512, NULL, NULL, &error);
  elapsed = g_get_monotonic_time () - start;

  g_assert_null (line);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  expected = g_strdup_printf ("The server at 127.0.0.1:%u did not answer within 1 second. "
                              "It may be busy or unreachable; try again later.",
                              op_test_server_get_port (server));
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_cmpint (elapsed, >=, G_USEC_PER_SEC * 9 / 10);
  g_assert_cmpint (elapsed, <, G_USEC_PER_SEC * 3);

  g_clear_object (&connection);
  assert_server_ok (server);
}

static void
test_stalled_handshake_times_out (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpTestVerifier) verifier = fixture_ca_verifier ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;
  gint64 elapsed;

  /* Implicit TLS to a server that never answers the ClientHello. */
  op_test_server_stall (server, 10000);
  start_server (server);

  /* Load the system trust store first: under a sanitizer that alone takes seconds, and
   * this test measures the timeout, not the start-up. */
  g_object_unref (g_tls_backend_get_default_database (g_tls_backend_get_default ()));

  start = g_get_monotonic_time ();
  connection = connect_to (server, TRUE, 1, OP_TLS_VERIFIER (verifier), NULL, &error);
  elapsed = g_get_monotonic_time () - start;

  g_assert_null (connection);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  /* The 1 s timeout fired, not the server's 10 s stall: under a sanitizer on a busy
   * machine the handshake set-up alone can take seconds. */
  g_assert_cmpint (elapsed, <, G_USEC_PER_SEC * 9);
  assert_server_ok (server);
}

typedef struct
{
  GCancellable *cancellable;
  guint         delay_ms;
} CancelLater;

static gpointer
cancel_later (gpointer data)
{
  CancelLater *later = data;

  g_usleep (later->delay_ms * 1000);
  g_cancellable_cancel (later->cancellable);

  return NULL;
}

static void
test_cancel_stalled_read (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  CancelLater later = { cancellable, 200 };
  GThread *thread;

  op_test_server_stall (server, 10000);
  start_server (server);

  connection = connect_to (server, FALSE, TIMEOUT_SECONDS, NULL, NULL, &error);
  g_assert_no_error (error);

  /* The main thread cancels while a worker blocks in a read. */
  thread = g_thread_new ("canceller", cancel_later, &later);
  line = op_connection_read_line (connection, 512, NULL, cancellable, &error);
  g_thread_join (thread);

  g_assert_null (line);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_object (&connection);
  assert_server_ok (server);
}

/* STARTTLS ------------------------------------------------------------------------- */

static void
test_starttls_injection (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpTestVerifier) verifier = fixture_ca_verifier ();
  g_autoptr(OpProtocolLog) log = op_protocol_log_new ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;

  op_test_server_send (server, "220 ready\r\n");
  op_test_server_expect_line (server, "STARTTLS");
  /* The go-ahead and an injected reply in one write (CVE-2011-0411). */
  op_test_server_send (server, "220 go ahead\r\n250 injected\r\n");
  op_test_server_expect_close (server, 5000);
  start_server (server);

  connection = connect_to (server, FALSE, TIMEOUT_SECONDS, OP_TLS_VERIFIER (verifier), log,
                           &error);
  g_assert_no_error (error);
  assert_read_line (connection, "220 ready");
  send_command (connection, "STARTTLS", NULL);
  assert_read_line (connection, "220 go ahead");

  g_assert_false (op_connection_start_tls (connection, NULL, &error));
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_STARTTLS_INJECTION);
  expected = g_strdup_printf ("127.0.0.1:%u sent data after agreeing to start TLS and before "
                              "the secure connection began. This may be an attack injecting "
                              "responses, so the connection was closed. Try again later; if "
                              "it happens again, your network or the server may be "
                              "compromised.", op_test_server_get_port (server));
  g_assert_cmpstr (error->message, ==, expected);

  /* Closed: no handshake started, no certificate looked at, the server saw the close. */
  g_assert_true (op_connection_is_closed (connection));
  g_assert_false (op_connection_is_tls (connection));
  g_assert_cmpuint (op_test_verifier_get_n_calls (verifier), ==, 0);
  assert_server_ok (server);
  g_assert_true (op_test_server_get_client_closed (server));
  g_assert_true (log_contains (log, OP_LOG_TLS, "14 bytes arrived after the go-ahead"));
}

static void
test_starttls_upgrade (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpTestVerifier) verifier = fixture_ca_verifier ();
  g_autoptr(OpProtocolLog) log = op_protocol_log_new ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;
  GTlsCertificate *peer;

  op_test_server_send (server, "220 ready\r\n");
  op_test_server_expect_line (server, "STARTTLS");
  op_test_server_send (server, "220 go ahead\r\n");
  op_test_server_start_tls (server);
  op_test_server_expect_line (server, "NOOP");
  op_test_server_send (server, "250 ok over TLS\r\n");
  op_test_server_expect_line (server, "QUIT");
  start_server (server);

  connection = connect_to (server, FALSE, TIMEOUT_SECONDS, OP_TLS_VERIFIER (verifier), log,
                           &error);
  g_assert_no_error (error);
  assert_read_line (connection, "220 ready");
  send_command (connection, "STARTTLS", NULL);
  assert_read_line (connection, "220 go ahead");

  g_assert_true (op_connection_start_tls (connection, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (op_connection_is_tls (connection));
  g_assert_true (G_IS_TLS_CONNECTION (op_connection_get_stream (connection)));

  /* The system store does not know the test CA: the verifier decided, for the host
   * and port the user asked for. */
  g_assert_cmpuint (op_test_verifier_get_n_calls (verifier), ==, 1);
  g_assert_true (op_test_verifier_get_last_errors (verifier) & G_TLS_CERTIFICATE_UNKNOWN_CA);
  host = op_test_verifier_dup_last_host (verifier);
  g_assert_cmpstr (host, ==, "127.0.0.1");
  g_assert_cmpuint (op_test_verifier_get_last_port (verifier), ==,
                    op_test_server_get_port (server));
  peer = op_connection_get_peer_certificate (connection);
  g_assert_nonnull (peer);

  send_command (connection, "NOOP", NULL);
  assert_read_line (connection, "250 ok over TLS");
  send_command (connection, "QUIT", NULL);
  g_assert_true (op_connection_close (connection, NULL, &error));
  g_assert_no_error (error);

  assert_server_ok (server);
  g_assert_true (log_contains (log, OP_LOG_TLS, "Secure connection established: TLS 1."));
  g_assert_true (log_contains (log, OP_LOG_TLS, "Server certificate: "));
}

/* Implicit TLS and certificates ---------------------------------------------------- */

static void
test_implicit_tls (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpTestVerifier) verifier = fixture_ca_verifier ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_start_tls (server);
  op_test_server_send (server, "* OK secure from the start\r\n");
  op_test_server_expect_line (server, "a1 LOGOUT");
  start_server (server);

  connection = connect_to (server, TRUE, TIMEOUT_SECONDS, OP_TLS_VERIFIER (verifier), NULL,
                           &error);
  g_assert_no_error (error);
  g_assert_true (op_connection_is_tls (connection));
  assert_read_line (connection, "* OK secure from the start");
  send_command (connection, "a1 LOGOUT", NULL);
  g_assert_true (op_connection_close (connection, NULL, &error));
  g_assert_no_error (error);

  assert_server_ok (server);
  g_assert_cmpuint (op_test_verifier_get_n_calls (verifier), ==, 1);
}

/* Three TLS connections, one parse of the system store for the whole process (it costs
 * ~10 ms of CPU before the first byte each time); the verifier still hears what the
 * system store found. */
static void
test_system_store_parsed_once (void)
{
  g_autoptr(OpTestVerifier) verifier = fixture_ca_verifier ();

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(OpTestServer) server = op_test_server_new ();
      g_autoptr(OpConnection) connection = NULL;
      g_autoptr(GError) error = NULL;

      op_test_server_start_tls (server);
      op_test_server_send (server, "220 secure\r\n");
      start_server (server);
      connection = connect_to (server, TRUE, TIMEOUT_SECONDS, OP_TLS_VERIFIER (verifier), NULL,
                               &error);
      g_assert_no_error (error);
      assert_read_line (connection, "220 secure");
      g_assert_true (op_connection_close (connection, NULL, &error));
      assert_server_ok (server);
      g_assert_cmpuint (op_test_verifier_get_last_errors (verifier), ==, G_TLS_CERTIFICATE_UNKNOWN_CA);
    }
  g_assert_cmpuint (op_test_verifier_get_n_calls (verifier), ==, 3);
  g_assert_cmpint (g_atomic_int_get (&system_trust_parses), ==, 1);
}

/* The shared store judges a chain as the backend's default database does, identity
 * included. */
static void
test_system_store_verifies_identity (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = op_test_data_path ("tls", "server.pem", NULL);
  g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_file (path, &error);
  g_autoptr(GSocketConnectable) right = g_network_address_new ("127.0.0.1", 21);
  g_autoptr(GSocketConnectable) wrong = g_network_address_new ("wrong.example.org", 21);
  GTlsDatabase *system = op_tls_system_database_get ();
  GTlsDatabase *backend = g_tls_backend_get_default_database (g_tls_backend_get_default ());
  GTlsCertificateFlags flags;

  g_assert_no_error (error);
  g_assert_true (system == op_tls_system_database_get ());
  flags = g_tls_database_verify_chain (system, certificate, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                       right, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, NULL);
  g_assert_cmpuint (flags, ==, G_TLS_CERTIFICATE_UNKNOWN_CA);
  flags = g_tls_database_verify_chain (system, certificate, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                       wrong, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, NULL);
  g_assert_cmpuint (flags, ==, G_TLS_CERTIFICATE_UNKNOWN_CA | G_TLS_CERTIFICATE_BAD_IDENTITY);
  g_assert_cmpuint (flags, ==, g_tls_database_verify_chain (backend, certificate,
                                                            G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                                            wrong, NULL, G_TLS_DATABASE_VERIFY_NONE,
                                                            NULL, NULL));
  g_object_unref (backend);
}

static void
test_refused_without_verifier (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpProtocolLog) log = op_protocol_log_new ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;

  op_test_server_start_tls (server);
  op_test_server_send (server, "220 never seen\r\n");
  start_server (server);

  /* Callers may ignore the error (and the server's script then fails at once). */
  g_assert_null (connect_to (server, TRUE, TIMEOUT_SECONDS, NULL, NULL, NULL));
  op_test_server_stop (server);
  g_clear_object (&server);

  server = op_test_server_new ();
  op_test_server_start_tls (server);
  op_test_server_send (server, "220 never seen\r\n");
  start_server (server);

  connection = connect_to (server, TRUE, TIMEOUT_SECONDS, NULL, log, &error);
  g_assert_null (connection);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  expected = g_strdup_printf ("The certificate of 127.0.0.1:%u is not trusted: it is not "
                              "signed by a known certificate authority. Nothing was sent. If "
                              "you trust this server, check its certificate and accept it in "
                              "the connection settings.", op_test_server_get_port (server));
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_true (log_contains (log, OP_LOG_TLS, "The system does not trust the certificate"));

  /* The server's handshake fails too; that is the point. */
  g_assert_false (op_test_server_wait (server, SERVER_WAIT_MS, NULL));
}

static void
test_verifier_error_is_kept (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GQuark domain = g_quark_from_static_string ("test-trust-error");

  verifier = op_test_verifier_new_refusing (domain, 1, "pin mismatch for 127.0.0.1");
  op_test_server_start_tls (server);
  start_server (server);

  connection = connect_to (server, TRUE, TIMEOUT_SECONDS, OP_TLS_VERIFIER (verifier), NULL,
                           &error);
  g_assert_null (connection);
  /* The verifier's own error, not GIO's generic "unacceptable certificate". */
  g_assert_error (error, domain, 1);
  g_assert_cmpstr (error->message, ==, "pin mismatch for 127.0.0.1");
  g_assert_cmpuint (op_test_verifier_get_n_calls (verifier), ==, 1);

  g_assert_false (op_test_server_wait (server, SERVER_WAIT_MS, NULL));
}

static void
test_starttls_refused_certificate (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  op_test_server_send (server, "220 go ahead\r\n");
  op_test_server_start_tls (server);
  start_server (server);

  connection = connect_to (server, FALSE, TIMEOUT_SECONDS, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_read_line (connection, "220 go ahead");
  g_assert_false (op_connection_start_tls (connection, NULL, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);

  /* No silent fallback: the connection is closed, not left in plain text. */
  g_assert_true (op_connection_is_closed (connection));
  line = op_connection_read_line (connection, 512, NULL, NULL, &error);
  g_assert_null (line);
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED);

  g_assert_false (op_test_server_wait (server, SERVER_WAIT_MS, NULL));
}

static void
test_tls_to_plain_server (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpTestVerifier) verifier = fixture_ca_verifier ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  /* Implicit TLS to a server that speaks plain text. */
  op_test_server_send (server, "220 plain text here\r\n");
  op_test_server_stall (server, 5000);
  start_server (server);

  connection = connect_to (server, TRUE, TIMEOUT_SECONDS, OP_TLS_VERIFIER (verifier), NULL,
                           &error);
  g_assert_null (connection);
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_TLS);
  g_assert_true (g_str_has_prefix (error->message, "The secure connection to 127.0.0.1:"));
  g_assert_cmpuint (op_test_verifier_get_n_calls (verifier), ==, 0);
  assert_server_ok (server);
}

/* Implicit TLS to a server that closes the connection at once: a TLS error whose message
 * reads as sentences (no ".." from the TLS library's own full stop). */
static void
test_tls_server_closes (void)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpTestVerifier) verifier = fixture_ca_verifier ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  op_test_server_close (server);
  start_server (server);

  connection = connect_to (server, TRUE, TIMEOUT_SECONDS, OP_TLS_VERIFIER (verifier), NULL,
                           &error);
  g_assert_null (connection);
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_TLS);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "The secure connection to 127.0.0.1:"));
  g_assert_null (strstr (error->message, ".."));
  g_assert_cmpuint (op_test_verifier_get_n_calls (verifier), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/connection/connect/plain-greeting", test_plain_greeting);
  g_test_add_func ("/connection/connect/ipv6-loopback", test_ipv6);
  g_test_add_func ("/connection/connect/host-name-falls-back-to-ipv4", test_host_name);
  g_test_add_func ("/connection/connect/refused-names-host-and-port", test_refused);
  g_test_add_func ("/connection/connect/cancelled", test_cancelled_connect);
  g_test_add_func ("/connection/fault/drop-mid-line-is-closed", test_drop_mid_line);
  g_test_add_func ("/connection/fault/garbage-is-a-too-long-line", test_garbage_is_too_long);
  g_test_add_func ("/connection/fault/stalled-read-times-out", test_stalled_read_times_out);
  g_test_add_func ("/connection/fault/stalled-handshake-times-out",
                   test_stalled_handshake_times_out);
  g_test_add_func ("/connection/fault/stalled-read-can-be-cancelled", test_cancel_stalled_read);
  g_test_add_func ("/connection/starttls/injected-reply-is-refused", test_starttls_injection);
  g_test_add_func ("/connection/starttls/upgrade-with-verifier", test_starttls_upgrade);
  g_test_add_func ("/connection/starttls/refused-certificate-closes",
                   test_starttls_refused_certificate);
  g_test_add_func ("/connection/tls/implicit", test_implicit_tls);
  g_test_add_func ("/connection/tls/system-store-parsed-once", test_system_store_parsed_once);
  g_test_add_func ("/connection/tls/system-store-verifies-identity",
                   test_system_store_verifies_identity);
  g_test_add_func ("/connection/tls/refused-without-verifier", test_refused_without_verifier);
  g_test_add_func ("/connection/tls/verifier-error-is-kept", test_verifier_error_is_kept);
  g_test_add_func ("/connection/tls/plain-server-is-a-tls-error", test_tls_to_plain_server);
  g_test_add_func ("/connection/tls/server-closes-during-handshake", test_tls_server_closes);

  return op_test_run ();
}
