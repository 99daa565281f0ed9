/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-vsftpd"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-connection.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"

/* RFC 959 sets no line limit; 512 bytes is what FTP servers send in practice and what
 * the FTP client will allow. */
#define FTP_MAX_LINE 512
#define TIMEOUT_SECONDS 10

typedef struct
{
  const char *host;
  guint16     port;
  const char *user;
  const char *password;
  const char *ca;
} Endpoint;

/* Reads the endpoint of vsftpd; FALSE when the test was skipped or failed because it is
 * not configured (op_test_endpoint_env() said why). */
static gboolean
get_endpoint (Endpoint   *endpoint,
              const char *port_variable,
              gboolean    need_login)
{
  const char *port;
  guint64 value;

  endpoint->host = op_test_endpoint_env ("OUTPOST_TEST_FTP_HOST");
  if (endpoint->host == NULL)
    return FALSE;

  port = op_test_endpoint_env (port_variable);
  if (port == NULL)
    return FALSE;
  if (!g_ascii_string_to_unsigned (port, 10, 1, G_MAXUINT16, &value, NULL))
    {
      g_test_fail_printf ("%s is not a port number: “%s”", port_variable, port);
      return FALSE;
    }
  endpoint->port = value;

  endpoint->ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  if (endpoint->ca == NULL)
    return FALSE;

  if (need_login)
    {
      endpoint->user = op_test_endpoint_env ("OUTPOST_TEST_VSFTPD_USER");
      endpoint->password = op_test_endpoint_env ("OUTPOST_TEST_VSFTPD_PASSWORD");
      if (endpoint->user == NULL || endpoint->password == NULL)
        return FALSE;
    }

  return TRUE;
}

/* Reads one FTP reply (RFC 959 §4.2: "ddd-" lines up to the "ddd " line) and returns
 * its last line. */
static char *
read_reply (OpConnection *connection)
{
  g_autoptr(GError) error = NULL;
  char *line;

  line = op_connection_read_line (connection, FTP_MAX_LINE, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_cmpuint (strlen (line), >=, 4);

  if (line[3] == '-')
    {
      g_autofree char *first = line;
      g_autofree char *end = g_strndup (first, 3);

      for (;;)
        {
          line = op_connection_read_line (connection, FTP_MAX_LINE, NULL, NULL, &error);
          g_assert_no_error (error);
          if (g_str_has_prefix (line, end) && line[3] == ' ')
            break;
          g_free (line);
        }
    }

  return line;
}

static void
assert_reply (OpConnection *connection,
              const char   *code)
{
  g_autofree char *reply = read_reply (connection);

  if (!g_str_has_prefix (reply, code))
    g_error ("expected a %s reply, got “%s”", code, reply);
}

static void
send_command (OpConnection *connection,
              const char   *verb,
              const char   *argument,
              OpSendFlags   flags)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_connection_send_command (connection, verb, argument, flags, NULL, &error));
  g_assert_no_error (error);
}

static OpConnection *
connect_plain (const Endpoint *endpoint,
               OpTlsVerifier  *verifier,
               OpProtocolLog  *log)
{
  g_autoptr(GError) error = NULL;
  OpConnection *connection;

  connection = op_connection_connect (endpoint->host, endpoint->port, FALSE, TIMEOUT_SECONDS,
                                      verifier, log, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (connection);

  return connection;
}

static void
test_plain_greeting (void)
{
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  Endpoint endpoint = { 0 };

  if (!get_endpoint (&endpoint, "OUTPOST_TEST_VSFTPD_PORT", FALSE))
    return;

  connection = connect_plain (&endpoint, NULL, NULL);
  assert_reply (connection, "220");
  send_command (connection, "QUIT", NULL, OP_SEND_PLAIN);
  assert_reply (connection, "221");
  g_assert_true (op_connection_close (connection, NULL, &error));
  g_assert_no_error (error);
}

static void
test_auth_tls_with_verifier (void)
{
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(OpProtocolLog) log = op_protocol_log_new ();
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  Endpoint endpoint = { 0 };
  gboolean pass_logged = FALSE;

  if (!get_endpoint (&endpoint, "OUTPOST_TEST_VSFTPD_FTPS_PORT", TRUE))
    return;

  verifier = op_test_verifier_new_for_ca_file (endpoint.ca, &error);
  g_assert_no_error (error);

  connection = connect_plain (&endpoint, OP_TLS_VERIFIER (verifier), log);
  assert_reply (connection, "220");

  /* RFC 4217 §4: AUTH TLS, 234, then the handshake. */
  send_command (connection, "AUTH", "TLS", OP_SEND_PLAIN);
  assert_reply (connection, "234");
  g_assert_true (op_connection_start_tls (connection, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (op_connection_is_tls (connection));

  /* The throwaway CA is not in the system store: the verifier accepted it. */
  g_assert_cmpuint (op_test_verifier_get_n_calls (verifier), ==, 1);
  g_assert_true (op_test_verifier_get_last_errors (verifier) & G_TLS_CERTIFICATE_UNKNOWN_CA);

  send_command (connection, "USER", endpoint.user, OP_SEND_PLAIN);
  assert_reply (connection, "331");
  send_command (connection, "PASS", endpoint.password, OP_SEND_SECRET_ARGUMENT);
  assert_reply (connection, "230");
  send_command (connection, "QUIT", NULL, OP_SEND_PLAIN);
  assert_reply (connection, "221");
  g_assert_true (op_connection_close (connection, NULL, &error));
  g_assert_no_error (error);

  /* The log shows the command, never the password. */
  entries = op_protocol_log_dup_entries (log);
  for (guint i = 0; i < entries->len; i++)
    {
      const char *text = op_log_entry_get_text (entries->pdata[i]);

      if (*endpoint.password != '\0')
        g_assert_null (strstr (text, endpoint.password));
      if (op_log_entry_get_direction (entries->pdata[i]) == OP_LOG_SENT &&
          g_str_equal (text, "PASS ****"))
        pass_logged = TRUE;
    }
  g_assert_true (pass_logged);
}

static void
test_auth_tls_without_verifier (void)
{
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  Endpoint endpoint = { 0 };

  if (!get_endpoint (&endpoint, "OUTPOST_TEST_VSFTPD_FTPS_PORT", FALSE))
    return;

  connection = connect_plain (&endpoint, NULL, NULL);
  assert_reply (connection, "220");
  send_command (connection, "AUTH", "TLS", OP_SEND_PLAIN);
  assert_reply (connection, "234");

  /* An untrusted certificate and nobody to ask: refused, and the connection closed. */
  g_assert_false (op_connection_start_tls (connection, NULL, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, "not signed by a known certificate authority"));
  g_assert_true (op_connection_is_closed (connection));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/net/vsftpd/plain/greeting", test_plain_greeting);
  g_test_add_func ("/net/vsftpd/ftps/auth-tls-with-verifier-and-masked-password",
                   test_auth_tls_with_verifier);
  g_test_add_func ("/net/vsftpd/ftps/auth-tls-without-verifier-is-refused",
                   test_auth_tls_without_verifier);

  return op_test_run ();
}
