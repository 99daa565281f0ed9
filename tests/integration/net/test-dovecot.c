/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-dovecot"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-connection.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"

/*
 * Smoke tests of the Dovecot started by tests/servers/dovecot.sh, with OpConnection only
 * (no mail client): each of the four endpoints greets, the two STARTTLS ones upgrade, and
 * every TLS session verifies against the test CA. The mail clients' own tests build on
 * these endpoints.
 */

/* RFC 3501 sets no limit; Dovecot's greeting and capability lines are under 1 KiB. */
#define MAX_LINE 8192
#define TIMEOUT_SECONDS 10

typedef struct
{
  const char *host;
  guint16     port;
  const char *user;
  const char *password;
  const char *ca;
} Endpoint;

static gboolean
get_endpoint (Endpoint   *endpoint,
              const char *port_variable)
{
  const char *port;
  guint64 value;

  endpoint->host = op_test_endpoint_env ("OUTPOST_TEST_MAIL_HOST");
  port = op_test_endpoint_env (port_variable);
  endpoint->ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  endpoint->user = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_USER");
  endpoint->password = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_PASSWORD");
  if (endpoint->host == NULL || port == NULL || endpoint->ca == NULL ||
      endpoint->user == NULL || endpoint->password == NULL)
    return FALSE;

  if (!g_ascii_string_to_unsigned (port, 10, 1, G_MAXUINT16, &value, NULL))
    {
      g_test_fail_printf ("%s is not a port number: “%s”", port_variable, port);
      return FALSE;
    }
  endpoint->port = value;

  return TRUE;
}

static char *
read_line (OpConnection *connection)
{
  g_autoptr(GError) error = NULL;
  char *line;

  line = op_connection_read_line (connection, MAX_LINE, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);

  return line;
}

/* Reads lines until one starts with @prefix (an IMAP tag or POP3 status) and checks it. */
static void
expect_line (OpConnection *connection,
             const char   *prefix)
{
  for (;;)
    {
      g_autofree char *line = read_line (connection);

      if (g_str_has_prefix (line, prefix))
        return;
      /* Untagged IMAP lines come before the tagged one; anything else is a failure. */
      if (!g_str_has_prefix (line, "* "))
        g_error ("expected a line starting with “%s”, got “%s”", prefix, line);
    }
}

static void
send_line (OpConnection *connection,
           const char   *verb,
           const char   *argument,
           OpSendFlags   flags)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_connection_send_command (connection, verb, argument, flags, NULL, &error));
  g_assert_no_error (error);
}

static OpConnection *
connect_verified (const Endpoint *endpoint,
                  gboolean        implicit_tls,
                  OpTestVerifier *verifier)
{
  g_autoptr(GError) error = NULL;
  OpConnection *connection;

  connection = op_connection_connect (endpoint->host, endpoint->port, implicit_tls,
                                      TIMEOUT_SECONDS, OP_TLS_VERIFIER (verifier), NULL,
                                      NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (connection);

  return connection;
}

static void
assert_verified_by_test_ca (OpConnection   *connection,
                            OpTestVerifier *verifier)
{
  g_assert_true (op_connection_is_tls (connection));
  /* The throwaway CA is not in the system store: the test CA's verifier accepted it. */
  g_assert_cmpuint (op_test_verifier_get_n_calls (verifier), ==, 1);
  g_assert_true (op_test_verifier_get_last_errors (verifier) & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_nonnull (op_connection_get_peer_certificate (connection));
}

static OpTestVerifier *
new_verifier (const Endpoint *endpoint)
{
  g_autoptr(GError) error = NULL;
  OpTestVerifier *verifier = op_test_verifier_new_for_ca_file (endpoint->ca, &error);

  g_assert_no_error (error);
  return verifier;
}

/* TRUE when @line is "* LIST (attributes) "/" @name" with @flag among the attributes:
 * the server may add others (Dovecot adds \UnMarked once a folder has been selected
 * and left, e.g. after net-imap-dovecot ran on the same server). */
static gboolean
list_line_has (const char *line,
               const char *flag,
               const char *name)
{
  const char *close;
  g_autofree char *attributes = NULL;
  g_autofree char *rest = NULL;
  g_auto(GStrv) words = NULL;

  if (!g_str_has_prefix (line, "* LIST ("))
    return FALSE;
  line += strlen ("* LIST (");
  close = strchr (line, ')');
  if (close == NULL)
    return FALSE;
  rest = g_strdup_printf (" \"/\" %s", name);
  if (!g_str_equal (close + 1, rest))
    return FALSE;
  attributes = g_strndup (line, close - line);
  words = g_strsplit (attributes, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (g_ascii_strcasecmp (words[i], flag) == 0)
      return TRUE;
  return FALSE;
}

/* Logs in over IMAP and checks the four special-use folders the script configured. */
static void
imap_login_and_list (OpConnection   *connection,
                     const Endpoint *endpoint)
{
  g_autofree char *login = g_strdup_printf ("%s %s", endpoint->user, endpoint->password);
  gboolean seen[4] = { FALSE, };
  static const char *const expected[4][2] = {
    { "\\Sent", "Sent" },
    { "\\Drafts", "Drafts" },
    { "\\Trash", "Trash" },
    { "\\Archive", "Archive" },
  };

  send_line (connection, "a2 LOGIN", login, OP_SEND_SECRET_ARGUMENT);
  expect_line (connection, "a2 OK");
  send_line (connection, "a3 LIST", "\"\" \"*\" RETURN (SPECIAL-USE)", OP_SEND_PLAIN);
  for (;;)
    {
      g_autofree char *line = read_line (connection);

      if (g_str_has_prefix (line, "a3 "))
        {
          g_assert_true (g_str_has_prefix (line, "a3 OK"));
          break;
        }
      for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
        if (list_line_has (line, expected[i][0], expected[i][1]))
          seen[i] = TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    if (!seen[i])
      g_error ("LIST did not show %s with %s", expected[i][1], expected[i][0]);

  send_line (connection, "a4 LOGOUT", NULL, OP_SEND_PLAIN);
  expect_line (connection, "a4 OK");
}

static void
pop3_login (OpConnection   *connection,
            const Endpoint *endpoint)
{
  send_line (connection, "USER", endpoint->user, OP_SEND_PLAIN);
  expect_line (connection, "+OK");
  send_line (connection, "PASS", endpoint->password, OP_SEND_SECRET_ARGUMENT);
  expect_line (connection, "+OK");
  send_line (connection, "QUIT", NULL, OP_SEND_PLAIN);
  expect_line (connection, "+OK");
}

static void
test_imap_starttls (void)
{
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  Endpoint endpoint = { 0 };

  if (!get_endpoint (&endpoint, "OUTPOST_TEST_DOVECOT_IMAP_PORT"))
    return;

  verifier = new_verifier (&endpoint);
  connection = connect_verified (&endpoint, FALSE, verifier);
  expect_line (connection, "* OK");
  g_assert_false (op_connection_is_tls (connection));
  send_line (connection, "a1 STARTTLS", NULL, OP_SEND_PLAIN);
  expect_line (connection, "a1 OK");
  g_assert_true (op_connection_start_tls (connection, NULL, &error));
  g_assert_no_error (error);
  assert_verified_by_test_ca (connection, verifier);
  imap_login_and_list (connection, &endpoint);
}

static void
test_imaps (void)
{
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(OpConnection) connection = NULL;
  Endpoint endpoint = { 0 };

  if (!get_endpoint (&endpoint, "OUTPOST_TEST_DOVECOT_IMAPS_PORT"))
    return;

  verifier = new_verifier (&endpoint);
  connection = connect_verified (&endpoint, TRUE, verifier);
  assert_verified_by_test_ca (connection, verifier);
  expect_line (connection, "* OK");
  imap_login_and_list (connection, &endpoint);
}

static void
test_pop3_stls (void)
{
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  Endpoint endpoint = { 0 };

  if (!get_endpoint (&endpoint, "OUTPOST_TEST_DOVECOT_POP3_PORT"))
    return;

  verifier = new_verifier (&endpoint);
  connection = connect_verified (&endpoint, FALSE, verifier);
  expect_line (connection, "+OK");
  g_assert_false (op_connection_is_tls (connection));
  send_line (connection, "STLS", NULL, OP_SEND_PLAIN);
  expect_line (connection, "+OK");
  g_assert_true (op_connection_start_tls (connection, NULL, &error));
  g_assert_no_error (error);
  assert_verified_by_test_ca (connection, verifier);
  pop3_login (connection, &endpoint);
}

static void
test_pop3s (void)
{
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(OpConnection) connection = NULL;
  Endpoint endpoint = { 0 };

  if (!get_endpoint (&endpoint, "OUTPOST_TEST_DOVECOT_POP3S_PORT"))
    return;

  verifier = new_verifier (&endpoint);
  connection = connect_verified (&endpoint, TRUE, verifier);
  assert_verified_by_test_ca (connection, verifier);
  expect_line (connection, "+OK");
  pop3_login (connection, &endpoint);
}

/* Without a verifier that knows the test CA, the certificate is refused. */
static void
test_pop3s_unknown_ca_is_refused (void)
{
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  Endpoint endpoint = { 0 };

  if (!get_endpoint (&endpoint, "OUTPOST_TEST_DOVECOT_POP3S_PORT"))
    return;

  connection = op_connection_connect (endpoint.host, endpoint.port, TRUE, TIMEOUT_SECONDS,
                                      NULL, NULL, NULL, &error);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_null (connection);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/net/dovecot/imap/starttls-verified-and-special-use", test_imap_starttls);
  g_test_add_func ("/net/dovecot/imaps/verified-and-special-use", test_imaps);
  g_test_add_func ("/net/dovecot/pop3/stls-verified-and-login", test_pop3_stls);
  g_test_add_func ("/net/dovecot/pop3s/verified-and-login", test_pop3s);
  g_test_add_func ("/net/dovecot/pop3s/unknown-ca-is-refused", test_pop3s_unknown_ca_is_refused);

  return op_test_run ();
}
