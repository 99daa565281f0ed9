/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-transfer"

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "op-ftp-site.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"
#include "op-transfer-queue.h"
#include "op-transfer-test-util.h"

const OpTransferTestServer op_transfer_test_servers[OP_TRANSFER_TEST_N_SERVERS] = {
  { "vsftpd", "OUTPOST_TEST_VSFTPD_FTPS_PORT", "OUTPOST_TEST_VSFTPD_USER",
    "OUTPOST_TEST_VSFTPD_PASSWORD", "OUTPOST_TEST_VSFTPD_ROOT" },
  { "proftpd", "OUTPOST_TEST_PROFTPD_PORT", "OUTPOST_TEST_PROFTPD_USER",
    "OUTPOST_TEST_PROFTPD_PASSWORD", "OUTPOST_TEST_PROFTPD_ROOT" },
  { "pure-ftpd", "OUTPOST_TEST_PUREFTPD_PORT", "OUTPOST_TEST_PUREFTPD_USER",
    "OUTPOST_TEST_PUREFTPD_PASSWORD", "OUTPOST_TEST_PUREFTPD_ROOT" },
};

OpAccount *
op_transfer_test_site_new (const OpTransferTestServer  *server,
                           const char                 **password,
                           const char                 **root,
                           const char                 **ca)
{
  const char *host, *port, *user;
  guint64 port_number;
  OpAccount *site;

  host = op_test_endpoint_env ("OUTPOST_TEST_FTP_HOST");
  port = host ? op_test_endpoint_env (server->port_variable) : NULL;
  user = port ? op_test_endpoint_env (server->user_variable) : NULL;
  *password = user ? op_test_endpoint_env (server->password_variable) : NULL;
  *root = *password ? op_test_endpoint_env (server->root_variable) : NULL;
  *ca = *root ? op_test_endpoint_env ("OUTPOST_TEST_CA") : NULL;
  if (*ca == NULL)
    return NULL;
  g_assert_true (g_ascii_string_to_unsigned (port, 10, 1, G_MAXUINT16, &port_number, NULL));

  site = op_ftp_site_new ();
  op_account_set_name (site, server->name);
  op_account_set_host (site, host);
  op_account_set_port (site, (guint16) port_number);
  op_account_set_user (site, user);
  op_ftp_site_set_protocol (site, OP_SECURITY_STARTTLS);
  op_ftp_site_set_transfer_type (site, OP_FTP_TRANSFER_TYPE_BINARY);
  return site;
}

OpTransferTestEnv *
op_transfer_test_env_new (const OpTransferTestServer *server,
                          const char                 *prefix,
                          OpTransferTestEnvFlags      flags)
{
  const char *password, *root, *ca;
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(GError) error = NULL;
  OpTransferTestEnv *env;
  g_autoptr(OpAccount) site = op_transfer_test_site_new (server, &password, &root, &ca);

  if (site == NULL)
    return NULL;
  env = g_new0 (OpTransferTestEnv, 1);
  env->site = g_steal_pointer (&site);
  env->password = g_strdup (password);
  verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  if (flags & OP_TRANSFER_TEST_ENV_QUEUE)
    {
      env->queue = op_transfer_queue_new (NULL);
      op_transfer_queue_set_verifier (env->queue, OP_TLS_VERIFIER (verifier));
      op_transfer_queue_set_password (env->queue, env->site, password);
    }
  if (flags & OP_TRANSFER_TEST_ENV_BROWSER)
    {
      env->pool = env->queue != NULL
                    ? g_object_ref (op_transfer_queue_get_session_pool (env->queue))
                    : op_ftp_session_pool_new ();
      env->browser = op_ftp_browser_new (env->pool);
      op_ftp_browser_set_verifier (env->browser, OP_TLS_VERIFIER (verifier));
    }
  op_test_ftp_dirs_init (&env->dirs, root, prefix);
  return env;
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Connected;

static void
on_connected (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  Connected *connected = user_data;

  connected->ok = op_ftp_browser_connect_finish (OP_FTP_BROWSER (source), res,
                                                 &connected->error);
  connected->done = TRUE;
}

static gboolean
connect_done (gpointer data)
{
  return ((Connected *) data)->done;
}

void
op_transfer_test_env_connect (OpTransferTestEnv *env,
                              guint              timeout_ms)
{
  Connected connected = { 0 };

  g_assert_false (op_ftp_browser_get_connected (env->browser));
  op_ftp_browser_connect_async (env->browser, env->site, env->password, FALSE, NULL,
                                on_connected, &connected);
  g_assert_true (op_ftp_browser_get_connecting (env->browser));
  op_transfer_test_wait_until (connect_done, &connected, timeout_ms);
  if (!connected.ok)
    g_error ("connect failed: %s", connected.error->message);
  g_assert_true (op_ftp_browser_get_connected (env->browser));
  g_assert_false (op_ftp_browser_get_connecting (env->browser));
  g_assert_cmpint (op_ftp_browser_get_state (env->browser), ==, OP_FTP_STATE_READY);
  g_assert_nonnull (op_ftp_browser_get_peer_certificate (env->browser));
  g_assert_nonnull (op_ftp_browser_get_log (env->browser));
}

void
op_transfer_test_env_free (OpTransferTestEnv *env)
{
  if (env == NULL)
    return;
  if (env->queue != NULL)
    {
      op_transfer_queue_pause_all (env->queue);
      while (op_transfer_queue_get_n_active (env->queue) > 0)
        g_main_context_iteration (NULL, TRUE);
    }
  if (env->browser != NULL)
    {
      op_ftp_browser_disconnect (env->browser);
      g_assert_false (op_ftp_browser_get_connected (env->browser));
    }
  g_clear_object (&env->browser);
  g_clear_object (&env->queue);
  if (env->pool != NULL)
    op_ftp_session_pool_close_idle (env->pool);
  g_clear_object (&env->pool);
  g_clear_object (&env->site);
  op_test_ftp_dirs_clear (&env->dirs);
  g_free (env->password);
  g_free (env);
}

gboolean
op_transfer_test_queue_idle (gpointer queue)
{
  return op_transfer_queue_get_n_active (queue) == 0 &&
         op_transfer_queue_get_n_queued (queue) == 0;
}

static gboolean
timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
op_transfer_test_wait_until (gboolean (*predicate) (gpointer),
                             gpointer   data,
                             guint      timeout_ms)
{
  gboolean expired = FALSE;
  guint timeout = g_timeout_add (timeout_ms, timed_out, &expired);

  while (!predicate (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timeout);
  g_assert_true (predicate (data));
}

GBytes *
op_transfer_test_random_bytes (gsize size)
{
  guint8 *data = g_malloc (size + 4);

  for (gsize i = 0; i < size; i += 4)
    {
      guint32 r = g_random_int ();
      memcpy (data + i, &r, 4);
    }
  return g_bytes_new_take (data, size);
}

char *
op_transfer_test_sha256_of_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return g_strdup ("(missing)");
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}
