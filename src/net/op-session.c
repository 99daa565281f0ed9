/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-session"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-secret.h"
#include "op-session.h"
#include "op-worker.h"

#define DEFAULT_TIMEOUT_SECONDS 30
/* How long QUIT may wait for its reply before the session closes anyway. */
#define QUIT_TIMEOUT_SECONDS 5

typedef struct
{
  char              *host;
  guint16            port;
  OpSecurity         security;
  OpProtocolLog     *log;
  OpWorker          *worker;
  GMainContext      *context;         /* where the session was made: events go here */

  /* Settings and the event queue: any thread, under @lock. */
  GMutex             lock;
  OpTlsVerifier     *verifier;
  guint              timeout;
  gboolean           allow_plaintext;
  GQueue             pending_events;  /* (element-type Event) */
  gboolean           delivery_scheduled;

  /* Main-context snapshots. */
  int                state;
  gboolean           is_tls;
  GTlsCertificate   *peer_certificate;
  gpointer           capabilities;
  guint              auth;

  /* Worker only. */
  OpConnection      *conn;
  OpSessionSettings  settings;        /* the running job's snapshot */
  gboolean           in_command;
  guint              w_auth;
} OpSessionPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (OpSession, op_session, G_TYPE_OBJECT)

#define PRIV(self) ((OpSessionPrivate *) op_session_get_instance_private (OP_SESSION (self)))
#define CLASS(self) (OP_SESSION_GET_CLASS (self))

static OpConnection *real_open_connection (OpSession     *self,
                                           GCancellable  *cancellable,
                                           GError       **error);

/* --- the event queue ------------------------------------------------------------------- */

/* Kind 0 is the state; the subclass's kinds start at 1. */
#define EVENT_STATE 0

typedef struct
{
  OpSession        *self;
  guint             kind;
  guint64           key;
  gpointer          data;
  GDestroyNotify    destroy;
  /* EVENT_STATE */
  int               state;
  gboolean          is_tls;
  GTlsCertificate  *peer_certificate;
  gpointer          capabilities;
  guint             auth;
} Event;

static void
event_free (Event *e)
{
  if (e->data != NULL && e->destroy != NULL)
    e->destroy (e->data);
  if (e->capabilities != NULL && CLASS (e->self)->capabilities_free != NULL)
    CLASS (e->self)->capabilities_free (e->capabilities);
  g_clear_object (&e->peer_certificate);
  g_object_unref (e->self);
  g_free (e);
}

static void
deliver_event (Event *e)
{
  OpSession *self = e->self;
  OpSessionPrivate *priv = PRIV (self);
  OpSessionClass *klass = CLASS (self);

  if (e->kind != EVENT_STATE)
    {
      if (klass->deliver_event != NULL)
        klass->deliver_event (self, e->kind, e->data);
      return;
    }

  if (priv->capabilities != NULL && klass->capabilities_free != NULL)
    klass->capabilities_free (priv->capabilities);
  priv->capabilities = g_steal_pointer (&e->capabilities);
  g_set_object (&priv->peer_certificate, e->peer_certificate);
  priv->is_tls = e->is_tls;
  priv->auth = e->auth;
  if (priv->state != e->state)
    {
      priv->state = e->state;
      if (klass->state_pspec != NULL)
        g_object_notify_by_pspec (G_OBJECT (self), klass->state_pspec);
    }
}

/* Main context: everything queued so far, in order, from one idle source. */
static gboolean
deliver_events (gpointer data)
{
  OpSession *self = data;
  OpSessionPrivate *priv = PRIV (self);
  GQueue events;
  Event *e;

  g_mutex_lock (&priv->lock);
  events = priv->pending_events;
  g_queue_init (&priv->pending_events);
  priv->delivery_scheduled = FALSE;
  g_mutex_unlock (&priv->lock);
  while ((e = g_queue_pop_head (&events)) != NULL)
    {
      deliver_event (e);
      event_free (e);
    }
  return G_SOURCE_REMOVE;
}

/* Queues @e (transfer full). An event that only updates a value replaces the same kind
 * (and key) still waiting at the end of the queue, so a flood neither attaches one
 * source per event nor grows without bound. */
static gboolean
post (OpSession           *self,
      Event               *e,
      OpSessionEventFlags  flags)
{
  OpSessionPrivate *priv = PRIV (self);
  Event *tail;
  gboolean schedule = FALSE;

  e->self = g_object_ref (self);
  g_mutex_lock (&priv->lock);
  tail = g_queue_peek_tail (&priv->pending_events);
  if ((flags & OP_SESSION_EVENT_COALESCE) && tail != NULL && tail->kind == e->kind &&
      tail->key == e->key)
    {
      g_queue_pop_tail (&priv->pending_events);
      event_free (tail);
    }
  else if ((flags & OP_SESSION_EVENT_DROPPABLE) &&
           priv->pending_events.length >= OP_SESSION_MAX_PENDING_EVENTS)
    {
      g_mutex_unlock (&priv->lock);
      event_free (e);
      return FALSE;
    }
  g_queue_push_tail (&priv->pending_events, e);
  if (!priv->delivery_scheduled)
    {
      priv->delivery_scheduled = TRUE;
      schedule = TRUE;
    }
  g_mutex_unlock (&priv->lock);

  if (schedule)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, deliver_events, g_object_ref (self), g_object_unref);
      g_source_set_static_name (source, "[outpost] session events");
      g_source_attach (source, priv->context);
      g_source_unref (source);
    }
  return TRUE;
}

gboolean
op_session_post_event (OpSession           *self,
                       guint                kind,
                       guint64              key,
                       gpointer             data,
                       GDestroyNotify       destroy,
                       OpSessionEventFlags  flags)
{
  Event *e;

  g_return_val_if_fail (OP_IS_SESSION (self), FALSE);
  g_return_val_if_fail (kind != EVENT_STATE, FALSE);

  e = g_new0 (Event, 1);
  e->kind = kind;
  e->key = key;
  e->data = data;
  e->destroy = destroy;
  return post (self, e, flags);
}

void
op_session_set_state (OpSession *self,
                      int        state)
{
  OpSessionPrivate *priv = PRIV (self);
  OpSessionClass *klass = CLASS (self);
  Event *e = g_new0 (Event, 1);

  e->kind = EVENT_STATE;
  e->state = state;
  if (priv->conn != NULL)
    {
      e->is_tls = op_connection_is_tls (priv->conn);
      e->peer_certificate = op_connection_get_peer_certificate (priv->conn);
      if (e->peer_certificate != NULL)
        g_object_ref (e->peer_certificate);
      if (klass->dup_capabilities != NULL)
        e->capabilities = klass->dup_capabilities (self);
      e->auth = priv->w_auth;
    }
  post (self, e, OP_SESSION_EVENT_COALESCE);
}

void
op_session_set_auth (OpSession *self,
                     guint      auth)
{
  g_return_if_fail (OP_IS_SESSION (self));
  PRIV (self)->w_auth = auth;
}

guint
op_session_get_worker_auth (OpSession *self)
{
  g_return_val_if_fail (OP_IS_SESSION (self), 0);
  return PRIV (self)->w_auth;
}

/* --- teardown -------------------------------------------------------------------------- */

/* On the worker thread, after the last job: the close may block (a TLS close_notify
 * into a full window) for up to the timeout, which nobody waits for. */
static void
close_connection (gpointer data)
{
  OpConnection *conn = data;

  if (conn == NULL)
    return;
  op_connection_close (conn, NULL, NULL);
  g_object_unref (conn);
}

/* op_session_shutdown(): the session lives on, so its state says it ended. */
static void
shutdown_teardown (gpointer data)
{
  OpSession *self = data;

  op_session_disconnect (self);
  g_object_unref (self);
}

void
op_session_shutdown (OpSession *self)
{
  OpSessionPrivate *priv;

  g_return_if_fail (OP_IS_SESSION (self));

  priv = PRIV (self);
  if (priv->worker == NULL || op_worker_is_shut_down (priv->worker))
    return;
  /* A job may be running: the connection is closed after it returns, on its thread. */
  op_worker_release (priv->worker, shutdown_teardown, g_object_ref (self));
}

/* --- GObject --------------------------------------------------------------------------- */

static void
op_session_dispose (GObject *object)
{
  OpSession *self = OP_SESSION (object);
  OpSessionPrivate *priv = PRIV (self);

  /* The last reference went: no job runs (each holds one through its task), so the
   * connection is free to hand over. The worker closes it and ends on its own; the
   * caller (often the main thread) does not wait for either. */
  if (priv->worker != NULL)
    {
      op_worker_release (priv->worker, close_connection, g_steal_pointer (&priv->conn));
      g_clear_object (&priv->worker);
    }
  else if (priv->conn != NULL)
    {
      close_connection (g_steal_pointer (&priv->conn));
    }

  G_OBJECT_CLASS (op_session_parent_class)->dispose (object);
}

static void
op_session_finalize (GObject *object)
{
  OpSession *self = OP_SESSION (object);
  OpSessionPrivate *priv = PRIV (self);

  g_assert (priv->conn == NULL);
  if (priv->capabilities != NULL && CLASS (self)->capabilities_free != NULL)
    CLASS (self)->capabilities_free (priv->capabilities);
  g_queue_clear_full (&priv->pending_events, (GDestroyNotify) event_free);
  g_clear_object (&priv->peer_certificate);
  g_clear_object (&priv->verifier);
  g_clear_object (&priv->log);
  g_clear_pointer (&priv->context, g_main_context_unref);
  g_free (priv->host);
  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (op_session_parent_class)->finalize (object);
}

/* The subclass's "state" (op_session_class_install_state()). */
#define PROP_STATE 1

static void
op_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, PRIV (object)->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

void
op_session_class_install_state (OpSessionClass *klass,
                                GType           state_type)
{
  g_return_if_fail (OP_IS_SESSION_CLASS (klass));
  g_return_if_fail (G_TYPE_IS_ENUM (state_type));

  /* GObject does not inherit get_property: a subclass without properties of its own
   * reads "state" with ours. */
  if (G_OBJECT_CLASS (klass)->get_property == NULL)
    G_OBJECT_CLASS (klass)->get_property = op_session_get_property;
  klass->state_pspec =
    g_param_spec_enum ("state", NULL, NULL, state_type, klass->state_disconnected,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_property (G_OBJECT_CLASS (klass), PROP_STATE, klass->state_pspec);
}

static void
op_session_class_init (OpSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_session_dispose;
  object_class->finalize = op_session_finalize;

  klass->open_connection = real_open_connection;
  klass->protocol = "session";
  klass->max_reply_line = 1024;
  klass->error_preauth_refused = -1;
}

static void
op_session_init (OpSession *self)
{
  OpSessionPrivate *priv = PRIV (self);

  g_mutex_init (&priv->lock);
  g_queue_init (&priv->pending_events);
  priv->timeout = DEFAULT_TIMEOUT_SECONDS;
  priv->log = op_protocol_log_new ();
  priv->context = g_main_context_ref_thread_default ();
}

/* --- construction and settings --------------------------------------------------------- */

void
op_session_setup (OpSession  *self,
                  const char *host,
                  guint16     port,
                  OpSecurity  security)
{
  OpSessionPrivate *priv;
  OpSessionClass *klass;
  g_autofree char *name = NULL;

  g_return_if_fail (OP_IS_SESSION (self));
  g_return_if_fail (host != NULL && *host != '\0');

  priv = PRIV (self);
  klass = CLASS (self);
  g_return_if_fail (priv->host == NULL);

  priv->host = g_strdup (host);
  priv->security = security;
  if (port == 0)
    port = security == OP_SECURITY_IMPLICIT_TLS ? klass->default_tls_port
                                                : klass->default_port;
  priv->port = port;
  name = g_strdup_printf ("%s %s", klass->protocol, host);
  priv->worker = op_worker_new (name);
}

gpointer
op_session_new (GType       type,
                const char *host,
                guint16     port,
                OpSecurity  security)
{
  OpSession *self;

  g_return_val_if_fail (g_type_is_a (type, OP_TYPE_SESSION), NULL);
  g_return_val_if_fail (host != NULL && *host != '\0', NULL);

  self = g_object_new (type, NULL);
  op_session_setup (self, host, port, security);
  return self;
}

void
op_session_set_verifier (OpSession     *self,
                         OpTlsVerifier *verifier)
{
  OpSessionPrivate *priv;

  g_return_if_fail (OP_IS_SESSION (self));
  g_return_if_fail (verifier == NULL || OP_IS_TLS_VERIFIER (verifier));

  priv = PRIV (self);
  g_mutex_lock (&priv->lock);
  g_set_object (&priv->verifier, verifier);
  g_mutex_unlock (&priv->lock);
}

void
op_session_set_timeout (OpSession *self,
                        guint      seconds)
{
  OpSessionPrivate *priv;

  g_return_if_fail (OP_IS_SESSION (self));

  priv = PRIV (self);
  g_mutex_lock (&priv->lock);
  priv->timeout = seconds;
  g_mutex_unlock (&priv->lock);
}

void
op_session_set_allow_plaintext_password (OpSession *self,
                                         gboolean   allow)
{
  OpSessionPrivate *priv;

  g_return_if_fail (OP_IS_SESSION (self));

  priv = PRIV (self);
  g_mutex_lock (&priv->lock);
  priv->allow_plaintext = allow;
  g_mutex_unlock (&priv->lock);
}

void
op_session_lock_settings (OpSession *self)
{
  g_return_if_fail (OP_IS_SESSION (self));
  g_mutex_lock (&PRIV (self)->lock);
}

void
op_session_unlock_settings (OpSession *self)
{
  g_return_if_fail (OP_IS_SESSION (self));
  g_mutex_unlock (&PRIV (self)->lock);
}

static void
settings_snapshot (OpSession *self)
{
  OpSessionPrivate *priv = PRIV (self);
  OpSessionClass *klass = CLASS (self);
  OpSessionSettings *s = &priv->settings;

  g_mutex_lock (&priv->lock);
  s->verifier = priv->verifier != NULL ? g_object_ref (priv->verifier) : NULL;
  s->timeout = priv->timeout;
  s->allow_plaintext = priv->allow_plaintext;
  s->extra = klass->copy_settings != NULL ? klass->copy_settings (self) : NULL;
  g_mutex_unlock (&priv->lock);
}

static void
settings_clear (OpSession *self)
{
  OpSessionPrivate *priv = PRIV (self);
  OpSessionClass *klass = CLASS (self);
  OpSessionSettings *s = &priv->settings;

  g_clear_object (&s->verifier);
  if (s->extra != NULL && klass->free_settings != NULL)
    klass->free_settings (s->extra);
  s->extra = NULL;
}

/* --- main-context getters -------------------------------------------------------------- */

const char *
op_session_get_host (OpSession *self)
{
  g_return_val_if_fail (OP_IS_SESSION (self), NULL);
  return PRIV (self)->host;
}

guint
op_session_get_n_queued (OpSession *self)
{
  OpSessionPrivate *priv;

  g_return_val_if_fail (OP_IS_SESSION (self), 0);

  priv = PRIV (self);
  return priv->worker != NULL ? op_worker_get_n_queued (priv->worker) : 0;
}

guint16
op_session_get_port (OpSession *self)
{
  g_return_val_if_fail (OP_IS_SESSION (self), 0);
  return PRIV (self)->port;
}

OpSecurity
op_session_get_security (OpSession *self)
{
  g_return_val_if_fail (OP_IS_SESSION (self), OP_SECURITY_NONE);
  return PRIV (self)->security;
}

/**
 * op_session_get_log:
 *
 * Returns: (transfer none): the session's protocol log (secrets masked)
 */
OpProtocolLog *
op_session_get_log (OpSession *self)
{
  g_return_val_if_fail (OP_IS_SESSION (self), NULL);
  return PRIV (self)->log;
}

/* Any thread: set once, when the session was made. */
GMainContext *
op_session_get_context (OpSession *self)
{
  g_return_val_if_fail (OP_IS_SESSION (self), NULL);
  return PRIV (self)->context;
}

int
op_session_get_state (OpSession *self)
{
  g_return_val_if_fail (OP_IS_SESSION (self), 0);
  return PRIV (self)->state;
}

gboolean
op_session_is_tls (OpSession *self)
{
  g_return_val_if_fail (OP_IS_SESSION (self), FALSE);
  return PRIV (self)->is_tls;
}

/**
 * op_session_get_peer_certificate:
 *
 * Returns: (transfer none) (nullable): the server's certificate once TLS is up
 */
GTlsCertificate *
op_session_get_peer_certificate (OpSession *self)
{
  g_return_val_if_fail (OP_IS_SESSION (self), NULL);
  return PRIV (self)->peer_certificate;
}

gpointer
op_session_get_capabilities (OpSession *self)
{
  g_return_val_if_fail (OP_IS_SESSION (self), NULL);
  return PRIV (self)->capabilities;
}

guint
op_session_get_auth (OpSession *self)
{
  g_return_val_if_fail (OP_IS_SESSION (self), 0);
  return PRIV (self)->auth;
}

/* --- jobs ------------------------------------------------------------------------------ */

typedef struct
{
  OpSessionJobFunc   func;
  gpointer           data;
  GDestroyNotify     data_free;
  GDestroyNotify     result_free;
  OpSessionJobFlags  flags;
} Job;

static void
job_free (Job *job)
{
  if (job->data != NULL && job->data_free != NULL)
    job->data_free (job->data);
  g_free (job);
}

static void
not_connected (OpSession  *self,
               GError    **error)
{
  g_set_error_literal (error, CLASS (self)->error_domain, CLASS (self)->error_not_connected,
                       _("Not connected to the server."));
}

static void
run_job (GTask        *task,
         gpointer      source_object,
         gpointer      task_data,
         GCancellable *cancellable)
{
  OpSession *self = source_object;
  OpSessionPrivate *priv = PRIV (self);
  OpSessionClass *klass = CLASS (self);
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  gpointer result = NULL;

  settings_snapshot (self);

  if ((job->flags & OP_SESSION_JOB_NEEDS_CONNECTION) && !op_session_is_connected (self))
    {
      not_connected (self, &error);
    }
  else
    {
      if (job->flags & OP_SESSION_JOB_NEEDS_CONNECTION)
        op_session_set_state (self, klass->state_busy);
      result = job->func (self, job->data, cancellable, &error);
      if (result == NULL && error == NULL)
        {
          g_critical ("%s job %p failed without an error", klass->protocol, job->func);
          g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Internal error."));
        }
    }

  /* A command whose reply was not read to its end (cancelled, a failed output stream)
   * leaves the session out of step: end it rather than misread the next reply. */
  if (result == NULL && priv->in_command)
    op_session_disconnect (self);
  if (op_session_is_connected (self))
    op_session_set_state (self, klass->ready_state != NULL ? klass->ready_state (self)
                                                           : klass->state_ready);
  settings_clear (self);

  if (result == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (job->result_free == NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_pointer (task, result, job->result_free);
}

GTask *
op_session_task_new (OpSession           *self,
                     gpointer             source_tag,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task;

  g_return_val_if_fail (OP_IS_SESSION (self), NULL);
  g_return_val_if_fail (source_tag != NULL, NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  return task;
}

void
op_session_queue (OpSession         *self,
                  GTask             *task,
                  OpSessionJobFunc   func,
                  gpointer           task_data,
                  GDestroyNotify     task_data_free,
                  GDestroyNotify     result_free,
                  OpSessionJobFlags  flags)
{
  OpSessionPrivate *priv;
  Job *job;

  g_return_if_fail (OP_IS_SESSION (self));
  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (func != NULL);

  priv = PRIV (self);
  job = g_new0 (Job, 1);
  job->func = func;
  job->data = task_data;
  job->data_free = task_data_free;
  job->result_free = result_free;
  job->flags = flags;
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  if (flags & OP_SESSION_JOB_RESULT_OVER_CANCEL)
    g_task_set_check_cancellable (task, FALSE);
  if (priv->worker == NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                             _("The session is closed. Connect again to continue."));
  else
    op_worker_run (priv->worker, task, run_job);
  g_object_unref (task);
}

void
op_session_call (OpSession           *self,
                 gpointer             source_tag,
                 OpSessionJobFunc     func,
                 gpointer             task_data,
                 GDestroyNotify       task_data_free,
                 GDestroyNotify       result_free,
                 OpSessionJobFlags    flags,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_return_if_fail (OP_IS_SESSION (self));

  op_session_queue (self, op_session_task_new (self, source_tag, cancellable, callback,
                                               user_data),
                    func, task_data, task_data_free, result_free, flags);
}

gpointer
op_session_task_get_data (GAsyncResult *result)
{
  Job *job;

  g_return_val_if_fail (G_IS_TASK (result), NULL);

  job = g_task_get_task_data (G_TASK (result));
  return job != NULL ? job->data : NULL;
}

gboolean
op_session_finish_boolean (OpSession     *self,
                           GAsyncResult  *result,
                           gpointer       source_tag,
                           GError       **error)
{
  g_return_val_if_fail (OP_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gpointer
op_session_finish_pointer (OpSession     *self,
                           GAsyncResult  *result,
                           gpointer       source_tag,
                           GError       **error)
{
  g_return_val_if_fail (OP_IS_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- the connection (worker) ------------------------------------------------------------ */

const OpSessionSettings *
op_session_get_settings (OpSession *self)
{
  g_return_val_if_fail (OP_IS_SESSION (self), NULL);
  return &PRIV (self)->settings;
}

/**
 * op_session_get_connection:
 *
 * Returns: (transfer none) (nullable): the connection, on the worker only
 */
OpConnection *
op_session_get_connection (OpSession *self)
{
  g_return_val_if_fail (OP_IS_SESSION (self), NULL);
  return PRIV (self)->conn;
}

gboolean
op_session_is_connected (OpSession *self)
{
  OpSessionPrivate *priv;

  g_return_val_if_fail (OP_IS_SESSION (self), FALSE);

  priv = PRIV (self);
  return priv->conn != NULL && !op_connection_is_closed (priv->conn);
}

gboolean
op_session_require_connection (OpSession  *self,
                               GError    **error)
{
  if (op_session_is_connected (self))
    return TRUE;
  not_connected (self, error);
  return FALSE;
}

gboolean
op_session_connection_is_tls (OpSession *self)
{
  OpSessionPrivate *priv = PRIV (self);

  return priv->conn != NULL && op_connection_is_tls (priv->conn);
}

void
op_session_disconnect (OpSession *self)
{
  OpSessionPrivate *priv;
  OpSessionClass *klass;

  g_return_if_fail (OP_IS_SESSION (self));

  priv = PRIV (self);
  klass = CLASS (self);
  if (priv->conn != NULL)
    {
      op_connection_close (priv->conn, NULL, NULL);
      g_clear_object (&priv->conn);
      op_protocol_log_append (priv->log, OP_LOG_INFO, _("Disconnected."));
    }
  priv->in_command = FALSE;
  priv->w_auth = 0;
  if (klass->reset != NULL)
    klass->reset (self);
  op_session_set_state (self, klass->state_disconnected);
}

void
op_session_quit (OpSession    *self,
                 GCancellable *cancellable)
{
  OpSessionClass *klass;

  g_return_if_fail (OP_IS_SESSION (self));

  klass = CLASS (self);
  if (op_session_is_connected (self) && !PRIV (self)->in_command)
    {
      gpointer reply;

      op_session_set_io_timeout (self, QUIT_TIMEOUT_SECONDS);
      reply = op_session_command (self, "QUIT", NULL, OP_SEND_PLAIN, cancellable, NULL);
      if (reply != NULL)
        klass->reply_free (reply);
    }
  op_session_disconnect (self);
}

void
op_session_fail (OpSession  *self,
                 GError     *cause,
                 GError    **error)
{
  OpSessionClass *klass;

  g_return_if_fail (OP_IS_SESSION (self));
  g_return_if_fail (cause != NULL);

  klass = CLASS (self);
  op_session_disconnect (self);
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      cause->domain == klass->error_domain || cause->domain == G_TLS_ERROR ||
      cause->domain == OP_SASL_ERROR ||
      g_error_matches (cause, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_STARTTLS_INJECTION) ||
      g_error_matches (cause, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_TLS))
    {
      g_propagate_error (error, cause);
      return;
    }
  if (g_error_matches (cause, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_LINE_TOO_LONG))
    g_set_error (error, klass->error_domain, klass->error_bad_reply,
                 _("The server sent an invalid reply: %s"), cause->message);
  else if (g_error_matches (cause, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED))
    g_set_error_literal (error, klass->error_domain, klass->error_connection_lost,
                         _("The server closed the connection."));
  else if (cause->domain == G_IO_ERROR)
    /* The connection's own message names the server and says what happened. */
    g_set_error_literal (error, klass->error_domain, klass->error_connection_lost,
                         cause->message);
  else
    g_set_error (error, klass->error_domain, klass->error_connection_lost,
                 _("The connection to the server was lost: %s"), cause->message);
  g_error_free (cause);
}

gboolean
op_session_check_plaintext (OpSession  *self,
                            GError    **error)
{
  OpSessionPrivate *priv = PRIV (self);

  if (op_session_connection_is_tls (self) || priv->settings.allow_plaintext)
    return TRUE;
  g_set_error (error, CLASS (self)->error_domain, CLASS (self)->error_plaintext_refused,
               _("The password would be sent unencrypted to %s. Use TLS for this account, "
                 "or allow unencrypted passwords for it if you trust the network."),
               priv->host);
  return FALSE;
}

gboolean
op_session_check_credential (OpSession   *self,
                             const char  *text,
                             const char  *what,
                             GError     **error)
{
  if (op_connection_check_text (text, -1, NULL))
    return TRUE;
  /* Translators: %s is "user name" or "password" */
  g_set_error (error, CLASS (self)->error_domain, CLASS (self)->error_invalid_argument,
               _("The %s contains a line break or a NUL character and cannot be sent."),
               what);
  return FALSE;
}

/* --- connect ------------------------------------------------------------------------------ */

gboolean
op_session_start_tls (OpSession     *self,
                      GCancellable  *cancellable,
                      GError       **error)
{
  OpSessionPrivate *priv = PRIV (self);
  OpSessionClass *klass = CLASS (self);
  GError *local_error = NULL;

  if (!op_session_require_connection (self, error))
    return FALSE;
  if (!klass->start_tls (self, cancellable, error))
    {
      op_session_disconnect (self);
      return FALSE;
    }
  /* Bytes that arrived after the go-ahead were sent in plain text and would be read as
   * if from inside TLS (CVE-2011-0411): the subclass's own buffer counts as well as the
   * connection's, which op_connection_start_tls() checks. */
  if (klass->has_buffered_input != NULL && klass->has_buffered_input (self))
    {
      g_set_error (&local_error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_STARTTLS_INJECTION,
                   _("%s sent data after agreeing to start TLS and before the secure "
                     "connection began. This may be an attack injecting responses, so the "
                     "connection was closed. Try again later; if it happens again, your "
                     "network or the server may be compromised."),
                   priv->host);
      op_session_fail (self, local_error, error);
      return FALSE;
    }
  if (!op_connection_start_tls (priv->conn, cancellable, &local_error))
    {
      op_session_fail (self, local_error, error);
      return FALSE;
    }
  /* RFC 3207 §4.2, RFC 2595 §3.1: forget everything learnt before TLS and ask again. */
  priv->w_auth = 0;
  if (klass->reset != NULL)
    klass->reset (self);
  if (!klass->capabilities (self, cancellable, error))
    {
      op_session_disconnect (self);
      return FALSE;
    }
  return TRUE;
}

gboolean
op_session_open (OpSession     *self,
                 GCancellable  *cancellable,
                 GError       **error)
{
  OpSessionPrivate *priv;
  OpSessionClass *klass;
  GError *local_error = NULL;
  gboolean preauthenticated = FALSE;

  g_return_val_if_fail (OP_IS_SESSION (self), FALSE);

  priv = PRIV (self);
  klass = CLASS (self);
  if (priv->conn != NULL)
    op_session_disconnect (self);
  op_session_set_state (self, klass->state_connecting);

  priv->conn = klass->open_connection (self, cancellable, &local_error);
  if (priv->conn == NULL)
    {
      op_session_disconnect (self);
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (!klass->greet (self, &preauthenticated, cancellable, error))
    {
      op_session_disconnect (self);
      return FALSE;
    }
  if (preauthenticated && priv->security == OP_SECURITY_STARTTLS)
    {
      /* Logged in before TLS could start: whatever follows would be in plain text. */
      g_set_error (error, klass->error_domain,
                   klass->error_preauth_refused >= 0 ? klass->error_preauth_refused
                                                     : klass->error_tls_refused,
                   _("The server %s logged in before encryption could start, so the "
                     "connection cannot be encrypted and nothing was sent."), priv->host);
      op_session_disconnect (self);
      return FALSE;
    }
  if (!klass->capabilities (self, cancellable, error))
    {
      op_session_disconnect (self);
      return FALSE;
    }
  if (priv->security == OP_SECURITY_STARTTLS &&
      !op_session_start_tls (self, cancellable, error))
    return FALSE;
  return TRUE;
}

static OpConnection *
real_open_connection (OpSession     *self,
                      GCancellable  *cancellable,
                      GError       **error)
{
  OpSessionPrivate *priv = PRIV (self);

  return op_connection_connect (priv->host, priv->port,
                                priv->security == OP_SECURITY_IMPLICIT_TLS,
                                priv->settings.timeout, priv->settings.verifier, priv->log,
                                cancellable, error);
}

/* --- commands ----------------------------------------------------------------------------- */

char *
op_session_read_line (OpSession     *self,
                      gsize          max_length,
                      gsize         *length,
                      GCancellable  *cancellable,
                      GError       **error)
{
  OpSessionPrivate *priv = PRIV (self);
  GError *local_error = NULL;
  char *line;

  if (!op_session_require_connection (self, error))
    return NULL;
  line = op_connection_read_line (priv->conn,
                                  max_length != 0 ? max_length : CLASS (self)->max_reply_line,
                                  length, cancellable, &local_error);
  if (line == NULL)
    op_session_fail (self, local_error, error);
  return line;
}

gboolean
op_session_send (OpSession     *self,
                 const char    *verb,
                 const char    *argument,
                 OpSendFlags    flags,
                 GCancellable  *cancellable,
                 GError       **error)
{
  OpSessionPrivate *priv = PRIV (self);
  GError *local_error = NULL;

  if (!op_session_require_connection (self, error))
    return FALSE;
  if (op_connection_send_command (priv->conn, verb, argument, flags, cancellable,
                                  &local_error))
    {
      priv->in_command = TRUE;
      return TRUE;
    }
  if (g_error_matches (local_error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_BAD_ARGUMENT))
    {
      g_error_free (local_error);
      /* A secret line is its own verb: never quote it. */
      if (flags == OP_SEND_SECRET_LINE)
        verb = "AUTH";
      g_set_error (error, CLASS (self)->error_domain, CLASS (self)->error_invalid_argument,
                   _("The %s command cannot be sent: its argument contains a line break or "
                     "a NUL character."), verb);
      return FALSE;
    }
  op_session_fail (self, local_error, error);
  return FALSE;
}

gboolean
op_session_write_all (OpSession     *self,
                      const void    *data,
                      gsize          size,
                      GCancellable  *cancellable,
                      GError       **error)
{
  OpSessionPrivate *priv = PRIV (self);
  GError *local_error = NULL;

  if (!op_session_require_connection (self, error))
    return FALSE;
  if (op_connection_write_all (priv->conn, data, size, cancellable, &local_error))
    return TRUE;
  op_session_fail (self, local_error, error);
  return FALSE;
}

gpointer
op_session_read_reply (OpSession     *self,
                       GCancellable  *cancellable,
                       GError       **error)
{
  gpointer reply = CLASS (self)->read_reply (self, cancellable, error);

  if (reply != NULL)
    PRIV (self)->in_command = FALSE;
  return reply;
}

gpointer
op_session_command (OpSession     *self,
                    const char    *verb,
                    const char    *argument,
                    OpSendFlags    flags,
                    GCancellable  *cancellable,
                    GError       **error)
{
  if (!op_session_send (self, verb, argument, flags, cancellable, error))
    return NULL;
  return op_session_read_reply (self, cancellable, error);
}

gpointer
op_session_command_expect (OpSession     *self,
                           const char    *verb,
                           const char    *argument,
                           OpSendFlags    flags,
                           int            expect,
                           int            kind,
                           GCancellable  *cancellable,
                           GError       **error)
{
  OpSessionClass *klass = CLASS (self);
  gpointer reply = op_session_command (self, verb, argument, flags, cancellable, error);
  GError *refusal;

  if (reply == NULL)
    return NULL;
  refusal = klass->check_reply (self, reply, expect, verb, kind);
  if (refusal == NULL)
    return reply;
  klass->reply_free (reply);
  g_propagate_error (error, refusal);
  return NULL;
}

void
op_session_set_in_command (OpSession *self,
                           gboolean   in_command)
{
  PRIV (self)->in_command = in_command;
}

static gboolean
read_block (OpSession          *self,
            gsize               max_line,
            guint               max_lines,
            gsize               max_bytes,
            OpSessionLineFunc   func,
            gpointer            user_data,
            guint              *n_lines,
            gsize              *n_bytes,
            GCancellable       *cancellable,
            GError            **error)
{
  OpSessionClass *klass = CLASS (self);
  gsize total = 0;

  op_session_set_in_command (self, TRUE);
  for (guint n = 0;; n++)
    {
      g_autofree char *line = NULL;
      GError *local_error = NULL;
      const char *text;
      gsize length = 0;

      line = op_session_read_line (self, max_line, &length, cancellable, error);
      if (line == NULL)
        return FALSE;
      /* RFC 1939 §3, RFC 3977 §3.1.1: "." alone ends the block; a line that starts
       * with "." had one more put in front. */
      if (length == 1 && line[0] == '.')
        break;
      *n_lines = n + 1;
      text = line;
      if (line[0] == '.')
        {
          text++;
          length--;
        }
      total += length;
      if (max_lines != 0 && n >= max_lines)
        g_set_error (&local_error, klass->error_domain, klass->error_bad_reply,
                     _("The server sent a reply of more than %u lines."), max_lines);
      else if (max_bytes != 0 && total > max_bytes)
        {
          g_autofree char *limit = g_format_size_full (max_bytes, G_FORMAT_SIZE_IEC_UNITS);

          g_set_error (&local_error, klass->error_domain, klass->error_bad_reply,
                       _("The server sent a reply of more than %s."), limit);
        }
      else
        func (text, length, user_data, &local_error);
      if (local_error != NULL)
        {
          op_session_fail (self, local_error, error);
          return FALSE;
        }
    }
  *n_bytes = total;
  op_session_set_in_command (self, FALSE);
  return TRUE;
}

gboolean
op_session_read_block (OpSession          *self,
                       gsize               max_line,
                       guint               max_lines,
                       gsize               max_bytes,
                       OpSessionLineFunc   func,
                       gpointer            user_data,
                       GCancellable       *cancellable,
                       GError            **error)
{
  guint n_lines = 0;
  gsize n_bytes = 0;

  return read_block (self, max_line, max_lines, max_bytes, func, user_data, &n_lines,
                     &n_bytes, cancellable, error);
}

gboolean
op_session_read_data_block (OpSession          *self,
                            gsize               max_line,
                            guint               max_lines,
                            gsize               max_bytes,
                            OpSessionLineFunc   func,
                            gpointer            user_data,
                            GCancellable       *cancellable,
                            GError            **error)
{
  OpSessionPrivate *priv = PRIV (self);
  OpConnection *conn;
  guint n_lines = 0;
  gsize n_bytes = 0;
  gboolean ok;

  if (!op_session_require_connection (self, error))
    return FALSE;
  /* The connection may be dropped (and freed) by a failed read: hold it. */
  conn = g_object_ref (priv->conn);
  op_connection_set_log_lines (conn, FALSE);
  ok = read_block (self, max_line, max_lines, max_bytes, func, user_data, &n_lines, &n_bytes,
                   cancellable, error);
  op_connection_set_log_lines (conn, TRUE);
  g_object_unref (conn);
  if (priv->log != NULL)
    {
      g_autofree char *size = g_format_size (n_bytes);

      op_protocol_log_append_printf (priv->log, OP_LOG_INFO,
                                     ngettext ("(%u data line, %s, not shown)",
                                               "(%u data lines, %s, not shown)", n_lines),
                                     n_lines, size);
    }
  return ok;
}

/* --- SASL --------------------------------------------------------------------------------- */

static gboolean
send_response (OpSession     *self,
               const char    *response,
               GCancellable  *cancellable,
               GError       **error)
{
  if (*response != '\0')
    return op_session_send (self, response, NULL, OP_SEND_SECRET_LINE, cancellable, error);
  /* An empty response is an empty line (RFC 4954 §4, RFC 3501 §6.2.2). */
  if (!op_session_write_all (self, "\r\n", 2, cancellable, error))
    return FALSE;
  op_session_set_in_command (self, TRUE);
  return TRUE;
}

gpointer
op_session_sasl_authenticate (OpSession                  *self,
                              const OpSessionSaslFraming *framing,
                              OpSaslSession              *sasl,
                              GCancellable               *cancellable,
                              GError                    **error)
{
  OpSessionClass *klass = CLASS (self);
  GError *sasl_error = NULL;
  const char *name;
  char *initial;
  char *held = NULL;
  gboolean sent;

  g_return_val_if_fail (OP_IS_SESSION (self), NULL);
  g_return_val_if_fail (framing != NULL && sasl != NULL, NULL);

  name = op_sasl_mechanism_to_string (op_sasl_session_get_mechanism (sasl));
  initial = op_sasl_session_initial_response (sasl, &sasl_error);
  if (sasl_error != NULL)
    {
      g_propagate_error (error, sasl_error);
      return NULL;
    }
  /* Too long for the command line: sent when the server asks with an empty challenge
   * (RFC 4954 §4, RFC 5034 §4). */
  if (initial != NULL && framing->max_initial_response != 0 &&
      strlen (initial) > framing->max_initial_response)
    {
      held = initial;
      initial = NULL;
    }
  sent = framing->send_start (self, name, initial, cancellable, error);
  op_secret_free (initial);
  if (!sent)
    {
      op_secret_free (held);
      return NULL;
    }

  for (guint step = 0;; step++)
    {
      char *challenge = NULL;
      char *response;
      gpointer reply;

      reply = framing->read_step (self, &challenge, cancellable, error);
      if (reply != NULL)
        {
          op_session_set_in_command (self, FALSE);
          op_secret_free (held);
          return reply;
        }
      if (challenge == NULL)
        {
          op_secret_free (held);
          return NULL;
        }
      if (held != NULL)
        response = g_steal_pointer (&held);
      else if (step < framing->max_steps)
        response = op_sasl_session_respond (sasl, challenge, &sasl_error);
      else
        response = NULL;
      op_secret_free (challenge);
      if (response == NULL)
        {
          char *more = NULL;

          /* RFC 4954 §4, RFC 5034 §4, RFC 3501 §6.2.2: "*" cancels the exchange, and
           * the server answers with its failure reply. */
          if (op_session_send (self, "*", NULL, OP_SEND_PLAIN, cancellable, NULL))
            {
              reply = framing->read_step (self, &more, cancellable, NULL);
              if (reply != NULL)
                {
                  op_session_set_in_command (self, FALSE);
                  klass->reply_free (reply);
                }
              else if (more != NULL)
                op_session_disconnect (self);   /* still challenging: out of step */
              op_secret_free (more);
            }
          if (sasl_error == NULL)
            sasl_error = g_error_new (OP_SASL_ERROR, OP_SASL_ERROR_BAD_CHALLENGE,
                                      _("The server did not end the %s authentication."),
                                      name);
          g_propagate_error (error, sasl_error);
          return NULL;
        }
      sent = send_response (self, response, cancellable, error);
      op_secret_free (response);
      if (!sent)
        return NULL;
    }
}

void
op_session_propagate_sasl_error (OpSession  *self,
                                 GError     *sasl,
                                 GError    **error)
{
  OpSessionClass *klass = CLASS (self);
  int code;

  g_return_if_fail (sasl != NULL);

  if (sasl->domain != OP_SASL_ERROR)
    {
      g_propagate_error (error, sasl);
      return;
    }
  switch (sasl->code)
    {
    case OP_SASL_ERROR_PLAINTEXT_REFUSED:
      code = klass->error_plaintext_refused;
      break;
    case OP_SASL_ERROR_NO_MECHANISM:
      code = klass->error_auth_unavailable;
      break;
    case OP_SASL_ERROR_INVALID_CREDENTIALS:
      code = klass->error_invalid_argument;
      break;
    case OP_SASL_ERROR_BAD_CHALLENGE:
    default:
      code = klass->error_bad_reply;
      break;
    }
  g_set_error_literal (error, klass->error_domain, code, sasl->message);
  g_error_free (sasl);
}

guint
op_session_set_io_timeout (OpSession *self,
                           guint      seconds)
{
  OpSessionPrivate *priv = PRIV (self);

  if (priv->conn == NULL)
    return 0;
  return op_connection_set_timeout (priv->conn, seconds);
}
