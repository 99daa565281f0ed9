/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ftp-pool"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-ftp-error.h"
#include "op-ftp-session-pool.h"
#include "op-ftp-site.h"
#include "op-secret.h"

/* A session idle longer than this answers a NOOP before it is reused: the server may
 * have closed it meanwhile (an idle timeout, a restart), and a transfer should not be
 * the one to find out. Back-to-back items never pay it. */
#define FRESH_SECONDS 5

typedef struct
{
  OpFtpSessionPool *pool;     /* (unowned) */
  char             *key;
  OpFtpClient      *client;
  gint64            since;    /* monotonic µs */
  guint             timeout_id;
} Idle;

struct _OpFtpSessionPool
{
  GObject        parent_instance;

  OpTlsVerifier *verifier;
  OpRateLimit   *download_limit;
  OpRateLimit   *upload_limit;
  GHashTable    *idle;          /* key → GQueue of Idle, the most recent last */
  guint          idle_timeout;
  guint          n_idle;
  guint          n_logins;
};

enum
{
  PROP_0,
  PROP_IDLE_TIMEOUT,
  PROP_N_IDLE,
  PROP_N_LOGINS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OpFtpSessionPool, op_ftp_session_pool, G_TYPE_OBJECT)

/* Everything a session was made with: only a site with the same may reuse it. */
static char *
site_key (OpAccount *site)
{
  return g_strdup_printf ("%s\n%u\n%s\n%d\n%s\n%d\n%d", op_account_get_host (site),
                          op_ftp_site_get_effective_port (site),
                          op_ftp_site_get_login_user (site),
                          op_ftp_site_get_protocol (site),
                          op_ftp_site_get_charset (site) != NULL
                          ? op_ftp_site_get_charset (site) : "",
                          op_ftp_site_get_data_mode (site),
                          op_account_get_allow_plaintext_password (site));
}

static void
quit_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  OpFtpClient *client = OP_FTP_CLIENT (source);

  op_ftp_client_quit_finish (client, result, NULL);
  op_ftp_client_shutdown (client);
  g_object_unref (client);
}

/* Ends @client (transfer full): QUIT politely when it is still connected. */
static void
close_client (OpFtpClient *client)
{
  if (op_ftp_client_get_state (client) == OP_FTP_STATE_READY)
    {
      op_ftp_client_quit_async (client, NULL, quit_done, client);
      return;
    }
  op_ftp_client_shutdown (client);
  g_object_unref (client);
}

static void
set_n_idle (OpFtpSessionPool *self,
            guint             n)
{
  if (self->n_idle == n)
    return;
  self->n_idle = n;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_IDLE]);
}

/* Takes @idle out of the pool; returns its client (transfer full). */
static OpFtpClient *
idle_take (Idle *idle)
{
  OpFtpSessionPool *self = idle->pool;
  GQueue *queue = g_hash_table_lookup (self->idle, idle->key);
  OpFtpClient *client = g_steal_pointer (&idle->client);

  g_clear_handle_id (&idle->timeout_id, g_source_remove);
  g_queue_remove (queue, idle);
  if (g_queue_is_empty (queue))
    g_hash_table_remove (self->idle, idle->key);
  g_free (idle->key);
  g_free (idle);
  set_n_idle (self, self->n_idle - 1);
  return client;
}

static gboolean
idle_expired (gpointer user_data)
{
  Idle *idle = user_data;

  idle->timeout_id = 0;
  close_client (idle_take (idle));
  return G_SOURCE_REMOVE;
}

/* Acquiring */

typedef struct
{
  OpAccount *site;
  char      *key;
  char      *password;
  OpFtpAcquireFlags flags;
} Acquire;

static void
acquire_free (Acquire *acquire)
{
  g_clear_object (&acquire->site);
  g_free (acquire->key);
  op_secret_free (acquire->password);
  g_free (acquire);
}

static void try_next (GTask *task);

static void
noop_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OpFtpClient *client = OP_FTP_CLIENT (source);
  g_autoptr(GError) error = NULL;

  if (op_ftp_client_noop_finish (client, result, &error))
    {
      g_task_return_pointer (task, client, g_object_unref);
      return;
    }
  /* Dropped while it waited: forget it and try the next (or a new one). */
  op_ftp_client_shutdown (client);
  g_object_unref (client);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    try_next (g_steal_pointer (&task));
}

static void
connect_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OpFtpSessionPool *self = g_task_get_source_object (task);
  g_autoptr(OpFtpClient) client = OP_FTP_CLIENT (source);
  GError *error = NULL;

  if (!op_ftp_client_connect_finish (client, result, &error))
    {
      op_ftp_client_shutdown (client);
      g_task_return_error (task, error);
      return;
    }
  self->n_logins++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_LOGINS]);
  g_task_return_pointer (task, g_steal_pointer (&client), g_object_unref);
}

static void
try_next (GTask *task)
{
  OpFtpSessionPool *self = g_task_get_source_object (task);
  Acquire *acquire = g_task_get_task_data (task);
  GQueue *queue = g_hash_table_lookup (self->idle, acquire->key);
  OpFtpClient *client;

  if (queue != NULL && (acquire->flags & OP_FTP_ACQUIRE_REUSE))
    {
      /* The most recently used first: the older ones are the ones left to time out. */
      Idle *idle = g_queue_peek_tail (queue);
      gint64 age = g_get_monotonic_time () - idle->since;

      client = idle_take (idle);
      if (op_ftp_client_get_state (client) != OP_FTP_STATE_READY)
        {
          op_ftp_client_shutdown (client);
          g_object_unref (client);
          try_next (task);
          return;
        }
      if (age < FRESH_SECONDS * G_USEC_PER_SEC)
        {
          g_task_return_pointer (task, client, g_object_unref);
          g_object_unref (task);
          return;
        }
      op_ftp_client_noop_async (client, g_task_get_cancellable (task), noop_done, task);
      return;
    }

  if (!(acquire->flags & OP_FTP_ACQUIRE_CONNECT))
    {
      g_task_return_new_error (task, OP_FTP_ERROR, OP_FTP_ERROR_NOT_CONNECTED,
                               _("No open session to %s is waiting."),
                               op_account_get_host (acquire->site));
      g_object_unref (task);
      return;
    }

  client = op_ftp_site_new_client (acquire->site, self->verifier);
  op_ftp_client_set_rate_limits (client, self->download_limit, self->upload_limit);
  op_ftp_client_connect_async (client, op_ftp_site_get_login_user (acquire->site),
                               acquire->password, NULL, g_task_get_cancellable (task),
                               connect_done, task);
}

/**
 * op_ftp_session_pool_acquire_async:
 * @self: a pool
 * @site: the FTP site
 * @password: (nullable): the password for a new session
 * @flags: whether an idle session may be reused, and a new one made
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the session is ready
 * @user_data: data for @callback
 */
void
op_ftp_session_pool_acquire_async (OpFtpSessionPool    *self,
                                   OpAccount           *site,
                                   const char          *password,
                                   OpFtpAcquireFlags    flags,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;
  Acquire *acquire;

  g_return_if_fail (OP_IS_FTP_SESSION_POOL (self));
  g_return_if_fail (op_ftp_site_is_site (site));

  acquire = g_new0 (Acquire, 1);
  acquire->site = g_object_ref (site);
  acquire->key = site_key (site);
  acquire->password = g_strdup (password);
  acquire->flags = flags;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_ftp_session_pool_acquire_async);
  g_task_set_task_data (task, acquire, (GDestroyNotify) acquire_free);
  try_next (task);
}

/**
 * op_ftp_session_pool_acquire_finish:
 * @self: a pool
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full): a logged-in, idle session, or %NULL with @error set
 */
OpFtpClient *
op_ftp_session_pool_acquire_finish (OpFtpSessionPool  *self,
                                    GAsyncResult      *result,
                                    GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, op_ftp_session_pool_acquire_async),
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
op_ftp_session_pool_release (OpFtpSessionPool *self,
                             OpAccount        *site,
                             OpFtpClient      *client,
                             gboolean          reusable)
{
  GQueue *queue;
  Idle *idle;

  g_return_if_fail (OP_IS_FTP_SESSION_POOL (self));
  g_return_if_fail (op_ftp_site_is_site (site));
  g_return_if_fail (OP_IS_FTP_CLIENT (client));

  g_object_ref (client);
  if (!reusable || self->idle_timeout == 0 ||
      op_ftp_client_get_state (client) != OP_FTP_STATE_READY)
    {
      close_client (client);
      return;
    }

  op_ftp_client_set_keepalive_interval (client, 0);
  idle = g_new0 (Idle, 1);
  idle->pool = self;
  idle->key = site_key (site);
  idle->client = client;
  idle->since = g_get_monotonic_time ();
  idle->timeout_id = g_timeout_add_seconds (self->idle_timeout, idle_expired, idle);
  queue = g_hash_table_lookup (self->idle, idle->key);
  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (self->idle, g_strdup (idle->key), queue);
    }
  g_queue_push_tail (queue, idle);
  set_n_idle (self, self->n_idle + 1);
}

gboolean
op_ftp_session_pool_has_idle (OpFtpSessionPool *self,
                              OpAccount        *site)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (OP_IS_FTP_SESSION_POOL (self), FALSE);
  g_return_val_if_fail (op_ftp_site_is_site (site), FALSE);

  key = site_key (site);
  return g_hash_table_contains (self->idle, key);
}

void
op_ftp_session_pool_close_idle (OpFtpSessionPool *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (OP_IS_FTP_SESSION_POOL (self));

  while (g_hash_table_size (self->idle) > 0)
    {
      g_hash_table_iter_init (&iter, self->idle);
      g_hash_table_iter_next (&iter, NULL, &value);
      close_client (idle_take (g_queue_peek_head (value)));
    }
}

/* Properties */

OpFtpSessionPool *
op_ftp_session_pool_new (void)
{
  return g_object_new (OP_TYPE_FTP_SESSION_POOL, NULL);
}

static void
apply_limits_to_idle (gpointer key,
                      gpointer value,
                      gpointer user_data)
{
  OpFtpSessionPool *self = user_data;

  for (GList *l = ((GQueue *) value)->head; l != NULL; l = l->next)
    op_ftp_client_set_rate_limits (((Idle *) l->data)->client, self->download_limit,
                                   self->upload_limit);
}

void
op_ftp_session_pool_set_verifier (OpFtpSessionPool *self,
                                  OpTlsVerifier    *verifier)
{
  g_return_if_fail (OP_IS_FTP_SESSION_POOL (self));
  g_return_if_fail (verifier == NULL || OP_IS_TLS_VERIFIER (verifier));
  g_set_object (&self->verifier, verifier);
}

void
op_ftp_session_pool_set_rate_limits (OpFtpSessionPool *self,
                                     OpRateLimit      *download,
                                     OpRateLimit      *upload)
{
  g_return_if_fail (OP_IS_FTP_SESSION_POOL (self));
  g_return_if_fail (download == NULL || OP_IS_RATE_LIMIT (download));
  g_return_if_fail (upload == NULL || OP_IS_RATE_LIMIT (upload));

  g_set_object (&self->download_limit, download);
  g_set_object (&self->upload_limit, upload);
  /* Idle sessions transfer with them too from their next job on. */
  g_hash_table_foreach (self->idle, apply_limits_to_idle, self);
}

guint
op_ftp_session_pool_get_idle_timeout (OpFtpSessionPool *self)
{
  g_return_val_if_fail (OP_IS_FTP_SESSION_POOL (self), 0);
  return self->idle_timeout;
}

void
op_ftp_session_pool_set_idle_timeout (OpFtpSessionPool *self,
                                      guint             seconds)
{
  g_return_if_fail (OP_IS_FTP_SESSION_POOL (self));

  if (self->idle_timeout == seconds)
    return;
  self->idle_timeout = seconds;
  /* Sessions already waiting keep the timeout they were given; none waits at 0. */
  if (seconds == 0)
    op_ftp_session_pool_close_idle (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_TIMEOUT]);
}

guint
op_ftp_session_pool_get_n_idle (OpFtpSessionPool *self)
{
  g_return_val_if_fail (OP_IS_FTP_SESSION_POOL (self), 0);
  return self->n_idle;
}

guint
op_ftp_session_pool_get_n_logins (OpFtpSessionPool *self)
{
  g_return_val_if_fail (OP_IS_FTP_SESSION_POOL (self), 0);
  return self->n_logins;
}

static void
op_ftp_session_pool_dispose (GObject *object)
{
  OpFtpSessionPool *self = OP_FTP_SESSION_POOL (object);

  if (self->idle != NULL)
    op_ftp_session_pool_close_idle (self);
  G_OBJECT_CLASS (op_ftp_session_pool_parent_class)->dispose (object);
}

static void
op_ftp_session_pool_finalize (GObject *object)
{
  OpFtpSessionPool *self = OP_FTP_SESSION_POOL (object);

  g_clear_pointer (&self->idle, g_hash_table_unref);
  g_clear_object (&self->verifier);
  g_clear_object (&self->download_limit);
  g_clear_object (&self->upload_limit);
  G_OBJECT_CLASS (op_ftp_session_pool_parent_class)->finalize (object);
}

static void
op_ftp_session_pool_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  OpFtpSessionPool *self = OP_FTP_SESSION_POOL (object);

  switch (prop_id)
    {
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, self->idle_timeout);
      break;
    case PROP_N_IDLE:
      g_value_set_uint (value, self->n_idle);
      break;
    case PROP_N_LOGINS:
      g_value_set_uint (value, self->n_logins);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_ftp_session_pool_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_IDLE_TIMEOUT:
      op_ftp_session_pool_set_idle_timeout (OP_FTP_SESSION_POOL (object),
                                            g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_ftp_session_pool_class_init (OpFtpSessionPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = op_ftp_session_pool_dispose;
  object_class->finalize = op_ftp_session_pool_finalize;
  object_class->get_property = op_ftp_session_pool_get_property;
  object_class->set_property = op_ftp_session_pool_set_property;

  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 0, G_MAXUINT,
                       OP_FTP_SESSION_POOL_IDLE_SECONDS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_IDLE] = g_param_spec_uint ("n-idle", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_LOGINS] = g_param_spec_uint ("n-logins", NULL, NULL, 0, G_MAXUINT, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_ftp_session_pool_init (OpFtpSessionPool *self)
{
  self->idle = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_queue_free);
  self->idle_timeout = OP_FTP_SESSION_POOL_IDLE_SECONDS;
}
