/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ftp-no-reuse"

/*
 * The other half of test-ftp-servers.c's TLS session reuse tests: proof that vsftpd and
 * ProFTPD, as tests/servers/ runs them, really refuse a data connection that does not
 * resume the control connection's TLS session (otherwise those tests would prove
 * nothing), and that the client reports it as OP_FTP_ERROR_TLS_SESSION_REUSE.
 *
 * This is deliberately a GTest program: glib-networking turns session resumption off
 * when g_test_initialized() is true (testing.md "FTP"), which makes this client one that
 * does not resume. Should a glib-networking release stop doing that, the listing below
 * succeeds and this test says so.
 */

#include "config.h"

#include <stdlib.h>

#include <glib/gi18n.h>

#include "op-ftp-client.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"
#include "op-test-async.h"

typedef struct
{
  const char *port_variable;
  const char *user_variable;
  const char *password_variable;
  /* What the server answers the refused data connection (for the message only). */
  const char *refusal;
} Server;

static const Server vsftpd = {
  "OUTPOST_TEST_VSFTPD_FTPS_PORT", "OUTPOST_TEST_VSFTPD_USER", "OUTPOST_TEST_VSFTPD_PASSWORD",
  "522 SSL connection failed: session reuse required",
};
static const Server proftpd = {
  "OUTPOST_TEST_PROFTPD_PORT", "OUTPOST_TEST_PROFTPD_USER", "OUTPOST_TEST_PROFTPD_PASSWORD",
  "425 Unable to build data connection",
};

static void
test_refused (gconstpointer data)
{
  const Server *server = data;
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(OpFtpClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OpFtpListing) listing = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  const char *host, *port, *user, *password, *ca;

  host = op_test_endpoint_env ("OUTPOST_TEST_FTP_HOST");
  port = host ? op_test_endpoint_env (server->port_variable) : NULL;
  user = port ? op_test_endpoint_env (server->user_variable) : NULL;
  password = user ? op_test_endpoint_env (server->password_variable) : NULL;
  ca = password ? op_test_endpoint_env ("OUTPOST_TEST_CA") : NULL;
  if (ca == NULL)
    return;

  g_assert_true (g_test_initialized ());
  verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  client = op_ftp_client_new (host, atoi (port), OP_SECURITY_STARTTLS);
  op_ftp_client_set_verifier (client, OP_TLS_VERIFIER (verifier));
  op_ftp_client_connect_async (client, user, password, NULL, NULL, op_test_store_result, &slot);
  op_test_wait_result (&slot, 60);
  result = g_steal_pointer (&slot);
  op_ftp_client_connect_finish (client, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  /* With resumption off, glib-networking 2.74 has no session ID for the control
   * connection and says so when the client copies its session state to the data
   * connection (a critical, fatal in GTest programs unless expected). */
  g_test_expect_message ("GLib-Net", G_LOG_LEVEL_CRITICAL, "*copy_session_state*session_id*");
  op_ftp_client_list_async (client, "/", OP_FTP_LIST_DEFAULT, NULL, op_test_store_result, &slot);
  op_test_wait_result (&slot, 60);
  result = g_steal_pointer (&slot);
  listing = op_ftp_client_list_finish (client, result, &error);
  g_test_assert_expected_messages ();
  if (listing != NULL)
    g_test_fail_printf ("the listing worked: either the server does not require TLS "
                        "session reuse any more (it should answer “%s”), or "
                        "glib-networking now resumes sessions in GTest programs",
                        server->refusal);
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_TLS_SESSION_REUSE);
  g_clear_object (&result);

  op_ftp_client_shutdown (client);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/ftp/servers/vsftpd-ftps/data-connection-without-session-reuse",
                        &vsftpd, test_refused);
  g_test_add_data_func ("/ftp/servers/proftpd-ftps/data-connection-without-session-reuse",
                        &proftpd, test_refused);
  return op_test_run ();
}
