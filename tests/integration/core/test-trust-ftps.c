/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

/*
 * The trust store deciding a real handshake: vsftpd's explicit FTPS port (started by
 * tests/servers) presents a certificate from a throwaway CA that the system store does
 * not know. Unpinned it is refused; pinned (through a prompt answering "always") it is
 * accepted and the session works over TLS; pinned to another certificate it is a
 * mismatch.
 */

#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "op-connection.h"
#include "op-test-prompt.h"
#include "op-test-util.h"
#include "op-trust-store.h"

/* No RFC bounds an FTP reply line; vsftpd's are short. Generous, not unbounded. */
#define FTP_MAX_LINE 4096
#define TIMEOUT_SECONDS 10

typedef struct
{
  const char *host;
  guint16     port;
} Endpoint;

static gboolean
require_variable (const char  *name,
                  const char **value)
{
  *value = g_getenv (name);
  if (*value != NULL && (*value)[0] != '\0')
    return TRUE;

  if (g_strcmp0 (g_getenv ("OUTPOST_TEST_REQUIRE_SERVERS"), "1") == 0)
    g_test_fail_printf ("%s is not set: the test servers are not running. Run "
                        "`build-aux/dev test` (or tests/servers/start and source its env "
                        "file).", name);
  else
    g_test_skip_printf ("%s is not set: run `build-aux/dev test` to start the test "
                        "servers (tests/servers/README.md).", name);
  return FALSE;
}

static gboolean
get_endpoint (Endpoint *endpoint)
{
  const char *host;
  const char *port;
  const char *ca;
  gchar *end = NULL;
  guint64 number;

  if (!require_variable ("OUTPOST_TEST_FTP_HOST", &host)
      || !require_variable ("OUTPOST_TEST_VSFTPD_FTPS_PORT", &port)
      || !require_variable ("OUTPOST_TEST_CA", &ca))
    return FALSE;

  number = g_ascii_strtoull (port, &end, 10);
  g_assert_true (end != NULL && *end == '\0' && number > 0 && number <= G_MAXUINT16);

  endpoint->host = host;
  endpoint->port = (guint16) number;

  return TRUE;
}

/* Reads one FTP reply (RFC 959 §4.2: "NNN-" opens a multi-line reply that ends with a
 * line starting "NNN "). Returns its code, or 0 with @error set. */
static guint
read_reply (OpConnection  *connection,
            GError       **error)
{
  char code[4] = { 0 };
  gboolean multi_line = FALSE;

  for (guint lines = 0; lines < 1000; lines++)
    {
      g_autofree char *line = NULL;
      gsize length = 0;

      line = op_connection_read_line (connection, FTP_MAX_LINE, &length, NULL, error);
      if (line == NULL)
        return 0;

      g_test_message ("S: %s", line);

      if (lines == 0)
        {
          g_assert_cmpuint (length, >=, 3);
          memcpy (code, line, 3);
          g_assert_true (g_ascii_isdigit (code[0]) && g_ascii_isdigit (code[1])
                         && g_ascii_isdigit (code[2]));
          multi_line = length > 3 && line[3] == '-';
          if (!multi_line)
            return (guint) atoi (code);
          continue;
        }

      if (multi_line && length >= 4 && strncmp (line, code, 3) == 0 && line[3] == ' ')
        return (guint) atoi (code);
    }

  g_assert_not_reached ();
}

/* Greeting, AUTH TLS, 234, then the handshake the trust store decides about. */
static OpConnection *
connect_and_upgrade (const Endpoint  *endpoint,
                     OpTrustStore    *store,
                     GError         **error)
{
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) local_error = NULL;
  guint code;

  /* Everything before the handshake must work: a failure there is not the trust
   * store's, so it fails the test right here. */
  connection = op_connection_connect (endpoint->host, endpoint->port, FALSE,
                                      TIMEOUT_SECONDS, OP_TLS_VERIFIER (store), NULL, NULL,
                                      &local_error);
  g_assert_no_error (local_error);
  g_assert_nonnull (connection);

  code = read_reply (connection, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpuint (code, ==, 220);

  op_connection_send_command (connection, "AUTH", "TLS", OP_SEND_PLAIN, NULL,
                              &local_error);
  g_assert_no_error (local_error);
  code = read_reply (connection, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpuint (code, ==, 234);

  if (!op_connection_start_tls (connection, NULL, error))
    return NULL;

  g_assert_true (op_connection_is_tls (connection));

  return g_steal_pointer (&connection);
}

static GFile *
trust_file (void)
{
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "outpost",
                                            "trust.ini", NULL);

  return g_file_new_for_path (path);
}

static void
test_unpinned_refused (void)
{
  Endpoint endpoint;
  g_autoptr(GFile) file = NULL;
  g_autoptr(OpTrustStore) store = NULL;
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  if (!get_endpoint (&endpoint))
    return;

  file = trust_file ();
  store = op_trust_store_new (file);

  connection = connect_and_upgrade (&endpoint, store, &error);
  g_assert_null (connection);
  g_assert_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_UNTRUSTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, endpoint.host));
  g_assert_nonnull (strstr (error->message, "not signed by an authority"));
}

/* --- pinning through a prompt, as the UI does --------------------------------------- */

typedef struct
{
  Endpoint      endpoint;
  OpTrustStore *store;
} UpgradeCall;

static void
upgrade_in_thread (GTask        *task,
                   gpointer      source,
                   gpointer      data,
                   GCancellable *cancellable)
{
  UpgradeCall *call = data;
  GError *error = NULL;
  OpConnection *connection;

  connection = connect_and_upgrade (&call->endpoint, call->store, &error);
  if (connection == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, connection, g_object_unref);
}

typedef struct
{
  gboolean      done;
  OpConnection *connection;
  GError       *error;
} UpgradeResult;

static void
on_upgraded (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  UpgradeResult *outcome = data;

  outcome->connection = g_task_propagate_pointer (G_TASK (result), &outcome->error);
  outcome->done = TRUE;
}

static void
test_pinned_accepted (void)
{
  Endpoint endpoint;
  g_autoptr(GFile) file = NULL;
  g_autoptr(OpTrustStore) store = NULL;
  g_autoptr(OpTrustStore) restarted = NULL;
  g_autoptr(OpTestPrompt) prompt = NULL;
  g_autoptr(GTask) task = NULL;
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GTlsCertificate) pinned = NULL;
  g_autoptr(GTlsCertificate) expected = NULL;
  g_autoptr(GError) error = NULL;
  UpgradeResult outcome = { 0 };
  UpgradeCall call;
  OpCertificateInfo *info;
  const char *server_cert;
  const char *user;
  const char *password;
  guint code;

  if (!get_endpoint (&endpoint)
      || !require_variable ("OUTPOST_TEST_VSFTPD_USER", &user)
      || !require_variable ("OUTPOST_TEST_VSFTPD_PASSWORD", &password)
      || !require_variable ("OUTPOST_TEST_SERVER_CERT", &server_cert))
    return;

  /* The user answers "always trust" in the dialog, which runs on this (main) thread
   * while the connection's worker waits in the handshake. */
  file = trust_file ();
  store = op_trust_store_new (file);
  prompt = op_test_prompt_new (OP_TRUST_DECISION_ALWAYS);
  op_trust_store_set_prompt (store, OP_TRUST_PROMPT (prompt));

  call.endpoint = endpoint;
  call.store = store;
  task = g_task_new (NULL, NULL, on_upgraded, &outcome);
  g_task_set_task_data (task, &call, NULL);
  g_task_run_in_thread (task, upgrade_in_thread);
  g_clear_object (&task);
  g_assert_true (op_test_wait_for (&outcome.done, 30000));
  g_assert_no_error (outcome.error);
  g_assert_nonnull (outcome.connection);
  g_clear_object (&outcome.connection);

  g_assert_cmpuint (op_test_prompt_get_n_asked (prompt), ==, 1);
  info = op_test_prompt_get_last_info (prompt);
  g_assert_cmpstr (op_certificate_info_get_host (info), ==, endpoint.host);
  g_assert_cmpuint (op_certificate_info_get_port (info), ==, endpoint.port);
  g_assert_true (op_certificate_info_get_errors (info) & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_false (op_certificate_info_get_pin_mismatch (info));

  /* What was pinned is the certificate tests/servers gave vsftpd. */
  pinned = op_trust_store_get_pinned (store, endpoint.host, endpoint.port);
  g_assert_nonnull (pinned);
  expected = g_tls_certificate_new_from_file (server_cert, &error);
  g_assert_no_error (error);
  g_assert_true (g_tls_certificate_is_same (pinned, expected));

  /* After a restart, with no prompt at all, the pin alone lets the session in. */
  restarted = op_trust_store_new (file);
  connection = connect_and_upgrade (&endpoint, restarted, &error);
  g_assert_no_error (error);
  g_assert_nonnull (connection);
  g_assert_true (g_tls_certificate_is_same (op_connection_get_peer_certificate (connection),
                                            pinned));

  /* vsftpd answers 530 to anything but USER and PASS before a login. */
  g_assert_true (op_connection_send_command (connection, "USER", user, OP_SEND_PLAIN, NULL,
                                             &error));
  code = read_reply (connection, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (code, ==, 331);
  g_assert_true (op_connection_send_command (connection, "PASS", password,
                                             OP_SEND_SECRET_ARGUMENT, NULL, &error));
  code = read_reply (connection, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (code, ==, 230);

  g_assert_true (op_connection_send_command (connection, "NOOP", NULL, OP_SEND_PLAIN, NULL,
                                             &error));
  code = read_reply (connection, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (code, ==, 200);

  g_assert_true (op_connection_send_command (connection, "QUIT", NULL, OP_SEND_PLAIN, NULL,
                                             &error));
  code = read_reply (connection, &error);
  g_assert_cmpuint (code, ==, 221);
  op_connection_close (connection, NULL, NULL);
}

static void
test_other_pin_is_mismatch (void)
{
  Endpoint endpoint;
  g_autoptr(GFile) file = NULL;
  g_autoptr(OpTrustStore) store = NULL;
  g_autoptr(GTlsCertificate) other = NULL;
  g_autoptr(OpConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  if (!get_endpoint (&endpoint))
    return;

  file = trust_file ();
  store = op_trust_store_new (file);
  other = op_test_load_certificate ("other");
  g_assert_true (op_trust_store_pin (store, endpoint.host, endpoint.port, other, &error));
  g_assert_no_error (error);

  connection = connect_and_upgrade (&endpoint, store, &error);
  g_assert_null (connection);
  g_assert_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_PIN_MISMATCH);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "changed since you trusted it"));

  /* The refused certificate did not replace the pin. */
  g_assert_true (op_trust_store_is_pinned (store, endpoint.host, endpoint.port, other));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/trust/ftps/vsftpd/unpinned-certificate-is-refused",
                   test_unpinned_refused);
  g_test_add_func ("/trust/ftps/vsftpd/pinned-certificate-is-accepted",
                   test_pinned_accepted);
  g_test_add_func ("/trust/ftps/vsftpd/other-pinned-certificate-is-a-mismatch",
                   test_other_pin_is_mismatch);

  return g_test_run ();
}
