/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ftp"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "op-connection.h"
#include "op-ftp-client.h"
#include "op-progress.h"
#include "op-secret.h"
#include "op-worker.h"

/* One read or write on a data connection. Large enough that a 1 GiB transfer costs few
 * system calls, small enough to stay far below the 16 MiB RSS budget (issue 3). */
#define DATA_BUFFER_SIZE (256 * 1024)
#define TLS_RECORD_SIZE  (16 * 1024)
/* How long ABOR and the re-synchronising NOOP may take before the session is given up. */
#define ABORT_TIMEOUT_SECONDS 5
#define DEFAULT_TIMEOUT_SECONDS 30
/* Rate over roughly the last two seconds of progress reports. */
#define RATE_WINDOW_USEC (2 * G_USEC_PER_SEC)
#define RATE_SAMPLES 48

/* The nicks are what sites store in the profile (src/core/op-ftp-site.c). */
G_DEFINE_ENUM_TYPE (OpFtpSecurity, op_ftp_security,
  G_DEFINE_ENUM_VALUE (OP_FTP_SECURITY_NONE, "none"),
  G_DEFINE_ENUM_VALUE (OP_FTP_SECURITY_EXPLICIT_TLS, "explicit-tls"),
  G_DEFINE_ENUM_VALUE (OP_FTP_SECURITY_IMPLICIT_TLS, "implicit-tls"))

G_DEFINE_ENUM_TYPE (OpFtpDataMode, op_ftp_data_mode,
  G_DEFINE_ENUM_VALUE (OP_FTP_DATA_PASSIVE, "passive"),
  G_DEFINE_ENUM_VALUE (OP_FTP_DATA_ACTIVE, "active"))

G_DEFINE_ENUM_TYPE (OpFtpState, op_ftp_state,
  G_DEFINE_ENUM_VALUE (OP_FTP_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (OP_FTP_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (OP_FTP_STATE_READY, "ready"),
  G_DEFINE_ENUM_VALUE (OP_FTP_STATE_BUSY, "busy"))

struct _OpFtpClient
{
  GObject          parent_instance;

  char            *host;
  guint16          port;
  OpFtpSecurity    security;
  OpProtocolLog   *log;
  OpWorker        *worker;
  GMainContext    *context;          /* where the client was made: notifications go here */

  /* Settings: written on the main thread, read by the worker under @lock. */
  GMutex           lock;
  OpTlsVerifier   *verifier;
  guint            timeout;
  char            *charset;          /* NULL: UTF-8 */
  OpFtpDataMode    data_mode;
  gboolean         trust_pasv;
  gboolean         allow_plaintext;
  /* Credentials of the last successful login, to reconnect after a dropped connection. */
  char            *user;
  char            *password;
  char            *account;
  gboolean         want_connected;   /* connect succeeded and no QUIT since */
  gint64           last_activity;    /* monotonic usec of the last command */

  /* Main-context snapshots. */
  OpFtpState       state;
  GHashTable      *features;         /* (nullable) */
  char            *system;
  GTlsCertificate *peer_certificate;
  gboolean         is_tls;
  guint            keepalive_interval;
  guint            keepalive_source;

  /* Worker-only. */
  OpConnection    *conn;
  GHashTable      *w_features;
  char            *w_system;
  char             w_type;           /* 'A', 'I' or 0 when unknown */
  gboolean         w_epsv_failed;
  gboolean         w_prot_p;
};

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OpFtpClient, op_ftp_client, G_TYPE_OBJECT)

/* --- settings snapshot ------------------------------------------------------------- */

typedef struct
{
  OpTlsVerifier *verifier;
  guint          timeout;
  char          *charset;
  OpFtpDataMode  data_mode;
  gboolean       trust_pasv;
  gboolean       allow_plaintext;
} Settings;

static void
settings_clear (Settings *s)
{
  g_clear_object (&s->verifier);
  g_clear_pointer (&s->charset, g_free);
}

static void
settings_get (OpFtpClient *self,
              Settings    *s)
{
  g_mutex_lock (&self->lock);
  s->verifier = self->verifier != NULL ? g_object_ref (self->verifier) : NULL;
  s->timeout = self->timeout;
  s->charset = g_strdup (self->charset);
  s->data_mode = self->data_mode;
  s->trust_pasv = self->trust_pasv;
  s->allow_plaintext = self->allow_plaintext;
  g_mutex_unlock (&self->lock);
}

/* --- main-context notifications ------------------------------------------------------ */

typedef struct
{
  OpFtpClient     *self;
  OpFtpState       state;
  gboolean         update_session;   /* the fields below are valid */
  GHashTable      *features;
  char            *system;
  GTlsCertificate *peer_certificate;
  gboolean         is_tls;
} StateUpdate;

static void
state_update_free (StateUpdate *u)
{
  g_object_unref (u->self);
  g_clear_pointer (&u->features, g_hash_table_unref);
  g_free (u->system);
  g_clear_object (&u->peer_certificate);
  g_free (u);
}

static gboolean
apply_state_update (gpointer data)
{
  StateUpdate *u = data;
  OpFtpClient *self = u->self;

  if (u->update_session)
    {
      g_clear_pointer (&self->features, g_hash_table_unref);
      self->features = g_steal_pointer (&u->features);
      g_free (self->system);
      self->system = g_steal_pointer (&u->system);
      g_set_object (&self->peer_certificate, u->peer_certificate);
      self->is_tls = u->is_tls;
    }
  if (self->state != u->state)
    {
      self->state = u->state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  return G_SOURCE_REMOVE;
}

static void
post_update (OpFtpClient *self,
             StateUpdate *u)
{
  GSource *source = g_idle_source_new ();

  u->self = g_object_ref (self);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, apply_state_update, u, (GDestroyNotify) state_update_free);
  g_source_set_static_name (source, "[outpost] ftp state");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* Called on the worker: every state change goes through here (STYLE.md). */
static void
set_state (OpFtpClient *self,
           OpFtpState   state)
{
  StateUpdate *u = g_new0 (StateUpdate, 1);

  u->state = state;
  if (state == OP_FTP_STATE_READY || state == OP_FTP_STATE_DISCONNECTED)
    {
      u->update_session = TRUE;
      if (self->conn != NULL && state == OP_FTP_STATE_READY)
        {
          u->features = self->w_features != NULL ? g_hash_table_ref (self->w_features) : NULL;
          u->system = g_strdup (self->w_system);
          u->peer_certificate = op_connection_get_peer_certificate (self->conn);
          if (u->peer_certificate != NULL)
            g_object_ref (u->peer_certificate);
          u->is_tls = op_connection_is_tls (self->conn);
        }
    }
  post_update (self, u);
}

/* --- progress ------------------------------------------------------------------------ */

/*
 * Carries OpFtpProgress to the caller: OpProgress rate-limits and delivers the byte count;
 * the other fields are read under @lock when it delivers; the rate is measured on the
 * main context from the deliveries themselves.
 */
typedef struct
{
  OpFtpProgressFunc  func;
  gpointer           data;
  GDestroyNotify     notify;
  GMainContext      *context;
  OpProgress        *progress;

  GMutex             lock;
  guint              files_done;
  guint              files_total;
  char              *current_path;
  guint64            bytes_base;     /* bytes of files finished before the current one */

  /* Main context only. */
  gint64             sample_time[RATE_SAMPLES];
  guint64            sample_bytes[RATE_SAMPLES];
  guint              n_samples;
  guint              first_sample;
} Sink;

static void
sink_deliver (guint64  done,
              guint64  total,
              gpointer user_data)
{
  Sink *sink = user_data;
  OpFtpProgress p = { 0 };
  g_autofree char *path = NULL;
  gint64 now = g_get_monotonic_time ();
  guint i;

  /* Rate: bytes over the span between the oldest sample still inside the window and now. */
  while (sink->n_samples > 0 &&
         now - sink->sample_time[sink->first_sample] > RATE_WINDOW_USEC)
    {
      sink->first_sample = (sink->first_sample + 1) % RATE_SAMPLES;
      sink->n_samples--;
    }
  if (sink->n_samples == RATE_SAMPLES)
    {
      sink->first_sample = (sink->first_sample + 1) % RATE_SAMPLES;
      sink->n_samples--;
    }
  i = (sink->first_sample + sink->n_samples) % RATE_SAMPLES;
  sink->sample_time[i] = now;
  sink->sample_bytes[i] = done;
  sink->n_samples++;
  if (sink->n_samples > 1)
    {
      gint64 span = now - sink->sample_time[sink->first_sample];
      guint64 moved = done - MIN (done, sink->sample_bytes[sink->first_sample]);

      if (span > 0)
        p.bytes_per_second = (guint64) ((double) moved * G_USEC_PER_SEC / (double) span);
    }

  g_mutex_lock (&sink->lock);
  p.files_done = sink->files_done;
  p.files_total = sink->files_total;
  path = g_strdup (sink->current_path);
  g_mutex_unlock (&sink->lock);

  p.bytes_done = done;
  p.bytes_total = total;
  p.current_path = path;
  sink->func (&p, sink->data);
}

static Sink *
sink_new (GTask             *task,
          OpFtpProgressFunc  func,
          gpointer           data,
          GDestroyNotify     notify)
{
  Sink *sink;

  if (func == NULL)
    {
      if (notify != NULL)
        notify (data);
      return NULL;
    }
  sink = g_new0 (Sink, 1);
  sink->func = func;
  sink->data = data;
  sink->notify = notify;
  sink->context = g_main_context_ref (g_task_get_context (task));
  g_mutex_init (&sink->lock);
  sink->progress = op_progress_new_for_task (task, sink_deliver, sink);
  return sink;
}

static gboolean
sink_free_now (gpointer data)
{
  Sink *sink = data;

  if (sink->notify != NULL)
    sink->notify (sink->data);
  g_object_unref (sink->progress);
  g_main_context_unref (sink->context);
  g_mutex_clear (&sink->lock);
  g_free (sink->current_path);
  g_free (sink);
  return G_SOURCE_REMOVE;
}

/* The task may be finalized on the worker; the caller's data is released on its own
 * context, after any delivery still queued there. */
static void
sink_free (Sink *sink)
{
  GSource *source;

  if (sink == NULL)
    return;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_LOW);
  g_source_set_callback (source, sink_free_now, sink, NULL);
  g_source_attach (source, sink->context);
  g_source_unref (source);
}

static void
sink_set_file (Sink       *sink,
               const char *path,
               guint       files_done)
{
  if (sink == NULL)
    return;
  g_mutex_lock (&sink->lock);
  g_free (sink->current_path);
  sink->current_path = g_strdup (path);
  sink->files_done = files_done;
  g_mutex_unlock (&sink->lock);
}

/* --- object -------------------------------------------------------------------------- */

/* The keep-alive timer lives on the client's own context, so g_source_remove() (which
 * looks in the default one) cannot be used. */
static void
stop_keepalive (OpFtpClient *self)
{
  GSource *source;

  if (self->keepalive_source == 0)
    return;
  source = g_main_context_find_source_by_id (self->context, self->keepalive_source);
  if (source != NULL)
    g_source_destroy (source);
  self->keepalive_source = 0;
}

static void
op_ftp_client_dispose (GObject *object)
{
  OpFtpClient *self = OP_FTP_CLIENT (object);

  stop_keepalive (self);
  if (self->worker != NULL)
    op_worker_shutdown (self->worker);
  g_clear_object (&self->worker);

  G_OBJECT_CLASS (op_ftp_client_parent_class)->dispose (object);
}

static void
op_ftp_client_finalize (GObject *object)
{
  OpFtpClient *self = OP_FTP_CLIENT (object);

  if (self->conn != NULL)
    op_connection_close (self->conn, NULL, NULL);
  g_clear_object (&self->conn);
  g_clear_pointer (&self->w_features, g_hash_table_unref);
  g_free (self->w_system);
  g_clear_pointer (&self->features, g_hash_table_unref);
  g_clear_object (&self->verifier);
  g_clear_object (&self->log);
  g_clear_object (&self->peer_certificate);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->host);
  g_free (self->charset);
  g_free (self->system);
  g_free (self->user);
  op_secret_free (self->password);
  g_free (self->account);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (op_ftp_client_parent_class)->finalize (object);
}

static void
op_ftp_client_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  OpFtpClient *self = OP_FTP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_ftp_client_class_init (OpFtpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_ftp_client_dispose;
  object_class->finalize = op_ftp_client_finalize;
  object_class->get_property = op_ftp_client_get_property;

  /**
   * OpFtpClient:state:
   *
   * Where the session is, for a connection indicator; notified on the main context.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       op_ftp_state_get_type (), OP_FTP_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_ftp_client_init (OpFtpClient *self)
{
  g_mutex_init (&self->lock);
  self->timeout = DEFAULT_TIMEOUT_SECONDS;
  self->log = op_protocol_log_new ();
  self->context = g_main_context_ref_thread_default ();
}

/**
 * op_ftp_client_new:
 * @host: a host name or address
 * @port: the port, or 0 for the default (21, or 990 for implicit TLS)
 * @security: how the session is protected
 *
 * Returns: (transfer full): a client, not connected yet
 */
OpFtpClient *
op_ftp_client_new (const char    *host,
                   guint16        port,
                   OpFtpSecurity  security)
{
  OpFtpClient *self;
  g_autofree char *name = NULL;

  g_return_val_if_fail (host != NULL && *host != '\0', NULL);

  self = g_object_new (OP_TYPE_FTP_CLIENT, NULL);
  self->host = g_strdup (host);
  self->port = port != 0 ? port : (security == OP_FTP_SECURITY_IMPLICIT_TLS ? 990 : 21);
  self->security = security;
  name = g_strdup_printf ("ftp %s", host);
  self->worker = op_worker_new (name);
  return self;
}

void
op_ftp_client_set_verifier (OpFtpClient   *self,
                            OpTlsVerifier *verifier)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (verifier == NULL || OP_IS_TLS_VERIFIER (verifier));

  g_mutex_lock (&self->lock);
  g_set_object (&self->verifier, verifier);
  g_mutex_unlock (&self->lock);
}

void
op_ftp_client_set_timeout (OpFtpClient *self,
                           guint        seconds)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  g_mutex_lock (&self->lock);
  self->timeout = seconds;
  g_mutex_unlock (&self->lock);
}

void
op_ftp_client_set_charset (OpFtpClient *self,
                           const char  *charset)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  g_mutex_lock (&self->lock);
  g_free (self->charset);
  self->charset = charset == NULL || g_ascii_strcasecmp (charset, "UTF-8") == 0 ||
                  g_ascii_strcasecmp (charset, "UTF8") == 0
                  ? NULL : g_strdup (charset);
  g_mutex_unlock (&self->lock);
}

void
op_ftp_client_set_data_mode (OpFtpClient   *self,
                             OpFtpDataMode  mode)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  g_mutex_lock (&self->lock);
  self->data_mode = mode;
  g_mutex_unlock (&self->lock);
}

void
op_ftp_client_set_trust_pasv_address (OpFtpClient *self,
                                      gboolean     trust)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  g_mutex_lock (&self->lock);
  self->trust_pasv = trust;
  g_mutex_unlock (&self->lock);
}

void
op_ftp_client_set_allow_plaintext_password (OpFtpClient *self,
                                            gboolean     allow)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  g_mutex_lock (&self->lock);
  self->allow_plaintext = allow;
  g_mutex_unlock (&self->lock);
}

const char *
op_ftp_client_get_host (OpFtpClient *self)
{
  g_return_val_if_fail (OP_IS_FTP_CLIENT (self), NULL);
  return self->host;
}

guint16
op_ftp_client_get_port (OpFtpClient *self)
{
  g_return_val_if_fail (OP_IS_FTP_CLIENT (self), 0);
  return self->port;
}

OpFtpSecurity
op_ftp_client_get_security (OpFtpClient *self)
{
  g_return_val_if_fail (OP_IS_FTP_CLIENT (self), OP_FTP_SECURITY_NONE);
  return self->security;
}

OpFtpState
op_ftp_client_get_state (OpFtpClient *self)
{
  g_return_val_if_fail (OP_IS_FTP_CLIENT (self), OP_FTP_STATE_DISCONNECTED);
  return self->state;
}

/**
 * op_ftp_client_get_log:
 *
 * Returns: (transfer none): the session's protocol log (commands, replies, TLS details;
 *   passwords as "****")
 */
OpProtocolLog *
op_ftp_client_get_log (OpFtpClient *self)
{
  g_return_val_if_fail (OP_IS_FTP_CLIENT (self), NULL);
  return self->log;
}

gboolean
op_ftp_client_has_feature (OpFtpClient *self,
                           const char  *feature)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (OP_IS_FTP_CLIENT (self), FALSE);
  g_return_val_if_fail (feature != NULL, FALSE);

  if (self->features == NULL)
    return FALSE;
  upper = g_ascii_strup (feature, -1);
  return g_hash_table_contains (self->features, upper);
}

const char *
op_ftp_client_get_system (OpFtpClient *self)
{
  g_return_val_if_fail (OP_IS_FTP_CLIENT (self), NULL);
  return self->system;
}

/**
 * op_ftp_client_get_peer_certificate:
 *
 * Returns: (transfer none) (nullable): the control connection's certificate
 */
GTlsCertificate *
op_ftp_client_get_peer_certificate (OpFtpClient *self)
{
  g_return_val_if_fail (OP_IS_FTP_CLIENT (self), NULL);
  return self->peer_certificate;
}

gboolean
op_ftp_client_is_tls (OpFtpClient *self)
{
  g_return_val_if_fail (OP_IS_FTP_CLIENT (self), FALSE);
  return self->is_tls;
}

/* --- the control connection (worker) ----------------------------------------------- */

static gboolean
is_connected (OpFtpClient *self)
{
  return self->conn != NULL && !op_connection_is_closed (self->conn);
}

static void
drop_connection (OpFtpClient *self)
{
  if (self->conn != NULL)
    {
      op_connection_close (self->conn, NULL, NULL);
      g_clear_object (&self->conn);
    }
  g_clear_pointer (&self->w_features, g_hash_table_unref);
  self->w_type = 0;
  self->w_prot_p = FALSE;
  self->w_epsv_failed = FALSE;
  set_state (self, OP_FTP_STATE_DISCONNECTED);
}

static void
touch (OpFtpClient *self)
{
  g_mutex_lock (&self->lock);
  self->last_activity = g_get_monotonic_time ();
  g_mutex_unlock (&self->lock);
}

/* A failure of the control connection: the session's state is unknown, so it ends here
 * and the error says so (cancellation stays silent, as everywhere). */
static void
control_failed (OpFtpClient  *self,
                GError       *cause,
                GError      **error)
{
  drop_connection (self);
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      cause->domain == OP_FTP_ERROR)
    {
      g_propagate_error (error, cause);
      return;
    }
  g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
               _("The connection to the server was lost: %s"), cause->message);
  g_error_free (cause);
}

static OpFtpReply *
read_reply_on (OpFtpClient   *self,
               OpConnection  *conn,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(OpFtpReplyParser) parser = op_ftp_reply_parser_new ();

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *line = NULL;
      gsize length = 0;
      OpFtpReply *reply;

      line = op_connection_read_line (conn, OP_FTP_REPLY_MAX_LINE, &length,
                                      cancellable, &local_error);
      if (line == NULL)
        {
          if (g_error_matches (local_error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED))
            {
              g_clear_error (&local_error);
              g_set_error_literal (&local_error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                                   _("The server closed the connection."));
            }
          control_failed (self, g_steal_pointer (&local_error), error);
          return NULL;
        }
      reply = op_ftp_reply_parser_push_line (parser, line, length, &local_error);
      if (local_error != NULL)
        {
          control_failed (self, g_steal_pointer (&local_error), error);
          return NULL;
        }
      if (reply != NULL)
        return reply;
    }
}

/* The next final reply (1yz preliminary replies are skipped unless @preliminary_ok). */
static OpFtpReply *
read_reply (OpFtpClient   *self,
            gboolean       preliminary_ok,
            GCancellable  *cancellable,
            GError       **error)
{
  for (;;)
    {
      OpFtpReply *reply;

      if (!is_connected (self))
        {
          g_set_error_literal (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_CONNECTED,
                               _("Not connected to the server."));
          return NULL;
        }
      reply = read_reply_on (self, self->conn, cancellable, error);
      if (reply == NULL || preliminary_ok || OP_FTP_REPLY_CLASS (reply) != 1)
        {
          if (reply != NULL && reply->code == 421)
            {
              /* RFC 959: 421 closes the control connection. */
              g_autoptr(OpFtpReply) closing = reply;
              GError *cause = g_error_new (OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                                           _("The server closed the session: “%s”"),
                                           closing->text);
              control_failed (self, cause, error);
              return NULL;
            }
          return reply;
        }
      op_ftp_reply_free (reply);
    }
}

static gboolean
send_line (OpFtpClient   *self,
           const char    *verb,
           const char    *argument,
           gssize         argument_length,
           OpSendFlags    flags,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!is_connected (self))
    {
      g_set_error_literal (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_CONNECTED,
                           _("Not connected to the server."));
      return FALSE;
    }
  touch (self);
  if (op_connection_send_command_len (self->conn, verb, argument, argument_length, flags,
                                      cancellable, &local_error))
    return TRUE;
  if (g_error_matches (local_error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_BAD_ARGUMENT))
    {
      g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME,
                   _("The name cannot be sent to the server: it contains a line break or "
                     "a NUL character."));
      return FALSE;
    }
  control_failed (self, g_steal_pointer (&local_error), error);
  return FALSE;
}

/* Sends a command and reads its final reply, whatever its class. */
static OpFtpReply *
command (OpFtpClient   *self,
         const char    *verb,
         const char    *argument,
         OpSendFlags    flags,
         GCancellable  *cancellable,
         GError       **error)
{
  if (!send_line (self, verb, argument, -1, flags, cancellable, error))
    return NULL;
  return read_reply (self, FALSE, cancellable, error);
}

/* A command that must succeed with a reply of class @expected_class (2 or 3). */
static OpFtpReply *
command_expect (OpFtpClient       *self,
                const char        *verb,
                const char        *argument,
                OpSendFlags        flags,
                guint              expected_class,
                OpFtpCommandKind   kind,
                GCancellable      *cancellable,
                GError           **error)
{
  OpFtpReply *reply = command (self, verb, argument, flags, cancellable, error);

  if (reply == NULL)
    return NULL;
  if (OP_FTP_REPLY_CLASS (reply) == expected_class)
    return reply;
  if (OP_FTP_REPLY_CLASS (reply) == 4 || OP_FTP_REPLY_CLASS (reply) == 5)
    g_propagate_error (error, op_ftp_error_from_reply (reply, verb, kind));
  else
    g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY,
                 _("The server answered %s with an unexpected reply: “%u %s”."),
                 verb, reply->code, reply->text);
  op_ftp_reply_free (reply);
  return NULL;
}

static gboolean
command_ok (OpFtpClient       *self,
            const char        *verb,
            const char        *argument,
            OpFtpCommandKind   kind,
            GCancellable      *cancellable,
            GError           **error)
{
  g_autoptr(OpFtpReply) reply = command_expect (self, verb, argument, OP_SEND_PLAIN, 2, kind,
                                                cancellable, error);
  return reply != NULL;
}

/* --- names ------------------------------------------------------------------------- */

/* UTF-8 from the caller → the site's bytes. */
static char *
to_wire (const Settings  *s,
         const char      *utf8,
         GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  char *wire;

  if (!g_utf8_validate (utf8, -1, NULL))
    {
      g_set_error_literal (error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME,
                           _("The name is not valid UTF-8 text."));
      return NULL;
    }
  if (s->charset == NULL)
    return g_strdup (utf8);
  wire = op_ftp_charset_from_utf8 (s->charset, utf8, NULL, &local_error);
  if (wire == NULL)
    g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME,
                 _("“%s” cannot be written in the site’s character set (%s). Rename it, "
                   "or change the site’s character set."), utf8, s->charset);
  return wire;
}

static char *
wire_join (const char *dir,
           const char *name)
{
  gsize len = strlen (dir);

  if (len == 0)
    return g_strdup (name);
  if (dir[len - 1] == '/')
    return g_strconcat (dir, name, NULL);
  return g_strconcat (dir, "/", name, NULL);
}

/* --- connect and login ------------------------------------------------------------- */

static const char *
anonymous_user (const char *user)
{
  return user == NULL || *user == '\0' ? "anonymous" : user;
}

static gboolean
is_anonymous (const char *user)
{
  return g_ascii_strcasecmp (anonymous_user (user), "anonymous") == 0 ||
         g_ascii_strcasecmp (anonymous_user (user), "ftp") == 0;
}

static gboolean
login (OpFtpClient   *self,
       const Settings *s,
       const char    *user,
       const char    *password,
       const char    *account,
       GCancellable  *cancellable,
       GError       **error)
{
  g_autoptr(OpFtpReply) reply = NULL;
  g_autoptr(OpFtpReply) greeting = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean anonymous = is_anonymous (user);

  set_state (self, OP_FTP_STATE_CONNECTING);
  op_protocol_log_append_printf (self->log, OP_LOG_INFO, _("Connecting to %s port %u…"),
                                 self->host, self->port);

  /* Nothing secret may travel in the clear without the explicit opt-in: refuse before
   * connecting, so the refusal costs nothing and says exactly why. */
  if (self->security == OP_FTP_SECURITY_NONE && !anonymous && !s->allow_plaintext)
    {
      g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_PLAINTEXT_PASSWORD,
                   _("The password would be sent unencrypted to %s. Use FTP over TLS, or "
                     "allow unencrypted passwords for this site if you trust the network."),
                   self->host);
      return FALSE;
    }

  self->conn = op_connection_connect (self->host, self->port,
                                      self->security == OP_FTP_SECURITY_IMPLICIT_TLS,
                                      s->timeout, s->verifier, self->log,
                                      cancellable, &local_error);
  if (self->conn == NULL)
    {
      drop_connection (self);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  greeting = read_reply (self, FALSE, cancellable, error);
  if (greeting == NULL)
    return FALSE;
  if (greeting->code != 220)
    {
      g_propagate_error (error, greeting->code >= 400
                                ? op_ftp_error_from_reply (greeting, "connect",
                                                           OP_FTP_COMMAND_OTHER)
                                : g_error_new (OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY,
                                               _("The server did not greet as an FTP "
                                                 "server: “%u %s”."),
                                               greeting->code, greeting->text));
      drop_connection (self);
      return FALSE;
    }

  if (self->security == OP_FTP_SECURITY_EXPLICIT_TLS)
    {
      /* RFC 4217 §4: AUTH TLS, then the handshake; a refusal ends the session before any
       * user name went out (never a silent fallback to plain text). */
      reply = command_expect (self, "AUTH", "TLS", OP_SEND_PLAIN, 2, OP_FTP_COMMAND_TLS,
                              cancellable, error);
      if (reply == NULL)
        {
          drop_connection (self);
          return FALSE;
        }
      g_clear_pointer (&reply, op_ftp_reply_free);
      if (!op_connection_start_tls (self->conn, cancellable, &local_error))
        {
          drop_connection (self);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  reply = command (self, "USER", anonymous_user (user), OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (reply->code == 331 || reply->code == 332)
    {
      const char *pass = password;

      if (anonymous && (pass == NULL || *pass == '\0'))
        pass = "anonymous@";
      g_clear_pointer (&reply, op_ftp_reply_free);
      reply = command (self, "PASS", pass != NULL ? pass : "", OP_SEND_SECRET_ARGUMENT,
                       cancellable, error);
      if (reply == NULL)
        return FALSE;
    }
  if (reply->code == 332)
    {
      g_clear_pointer (&reply, op_ftp_reply_free);
      reply = command (self, "ACCT", account != NULL ? account : "", OP_SEND_SECRET_ARGUMENT,
                       cancellable, error);
      if (reply == NULL)
        return FALSE;
    }
  if (OP_FTP_REPLY_CLASS (reply) != 2)
    {
      g_propagate_error (error, op_ftp_error_from_reply (reply, "USER",
                                                         OP_FTP_COMMAND_LOGIN));
      drop_connection (self);
      return FALSE;
    }
  g_clear_pointer (&reply, op_ftp_reply_free);

  if (self->security != OP_FTP_SECURITY_NONE)
    {
      /* RFC 4217 §9: PBSZ 0 before PROT; PROT P encrypts every data connection. */
      if (!command_ok (self, "PBSZ", "0", OP_FTP_COMMAND_TLS, cancellable, error) ||
          !command_ok (self, "PROT", "P", OP_FTP_COMMAND_TLS, cancellable, error))
        {
          drop_connection (self);
          return FALSE;
        }
      self->w_prot_p = TRUE;
    }

  reply = command (self, "FEAT", NULL, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return FALSE;
  self->w_features = op_ftp_reply_parse_feat (reply);
  g_clear_pointer (&reply, op_ftp_reply_free);

  /* RFC 2640 §3.1: UTF-8 path names when the server offers them and the site is UTF-8. */
  if (s->charset == NULL && g_hash_table_contains (self->w_features, "UTF8"))
    {
      reply = command (self, "OPTS", "UTF8 ON", OP_SEND_PLAIN, cancellable, error);
      if (reply == NULL)
        return FALSE;
      g_clear_pointer (&reply, op_ftp_reply_free);
    }

  reply = command (self, "SYST", NULL, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (OP_FTP_REPLY_CLASS (reply) == 2)
    {
      g_free (self->w_system);
      self->w_system = g_strdup (reply->text);
    }
  g_clear_pointer (&reply, op_ftp_reply_free);

  if (!command_ok (self, "TYPE", "I", OP_FTP_COMMAND_OTHER, cancellable, error))
    return FALSE;
  self->w_type = 'I';
  return TRUE;
}

/* --- data connections (worker) ----------------------------------------------------- */

typedef struct
{
  GSocket           *listener;   /* active mode, until the server connects */
  GSocketConnection *socket;
  GIOStream         *stream;     /* @socket, or the TLS connection over it */
} DataConn;

static void
data_conn_free (DataConn *d)
{
  if (d == NULL)
    return;
  if (d->stream != NULL)
    g_io_stream_close (d->stream, NULL, NULL);
  if (d->socket != NULL)
    g_io_stream_close (G_IO_STREAM (d->socket), NULL, NULL);
  if (d->listener != NULL)
    g_socket_close (d->listener, NULL);
  g_clear_object (&d->stream);
  g_clear_object (&d->socket);
  g_clear_object (&d->listener);
  g_free (d);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DataConn, data_conn_free)

/* The control connection's socket, under its TLS layer when there is one. */
static GSocketConnection *
control_socket_connection (OpFtpClient *self)
{
  GIOStream *stream = op_connection_get_stream (self->conn);

  if (G_IS_TLS_CONNECTION (stream))
    {
      GIOStream *base = NULL;

      /* The TLS connection holds its base stream for as long as we use it. */
      g_object_get (stream, "base-io-stream", &base, NULL);
      stream = base;
      if (base != NULL)
        g_object_unref (base);
    }
  return G_IS_SOCKET_CONNECTION (stream) ? G_SOCKET_CONNECTION (stream) : NULL;
}

static GSocketConnection *
connect_data (OpFtpClient     *self,
              const Settings  *s,
              GInetAddress    *address,
              guint16          port,
              GCancellable    *cancellable,
              GError         **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) target = g_inet_socket_address_new (address, port);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *shown = g_inet_address_to_string (address);
  GSocketConnection *conn;

  g_socket_client_set_timeout (client, s->timeout);
  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (target), cancellable,
                                  &local_error);
  if (conn == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                     _("Could not open the data connection to %s port %u: %s. A firewall "
                       "may block it; try the other transfer mode (active or passive)."),
                     shown, port, local_error->message);
      return NULL;
    }
  op_protocol_log_append_printf (self->log, OP_LOG_INFO, _("Data connection to %s port %u"),
                                 shown, port);
  return conn;
}

/* EPSV (RFC 2428), then PASV. The address inside a PASV reply is ignored unless the site
 * trusts it (DESIGN.md "Hostile input": it could point our connection anywhere). */
static gboolean
open_passive (OpFtpClient     *self,
              const Settings  *s,
              DataConn        *d,
              GCancellable    *cancellable,
              GError         **error)
{
  g_autoptr(GInetSocketAddress) peer = op_connection_get_peer_address (self->conn);
  g_autoptr(OpFtpReply) reply = NULL;
  GInetAddress *address;
  guint16 port = 0;

  if (peer == NULL)
    {
      g_set_error_literal (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                           _("The control connection has no network address to open a "
                             "data connection to."));
      return FALSE;
    }
  address = g_inet_socket_address_get_address (peer);

  if (!self->w_epsv_failed)
    {
      reply = command (self, "EPSV", NULL, OP_SEND_PLAIN, cancellable, error);
      if (reply == NULL)
        return FALSE;
      if (reply->code == 229)
        {
          if (!op_ftp_reply_parse_epsv (reply, &port, error))
            return FALSE;
          d->socket = connect_data (self, s, address, port, cancellable, error);
          return d->socket != NULL;
        }
      /* Remember a server without EPSV; one that refuses it for another reason (4xx)
       * is asked again next time. */
      if (OP_FTP_REPLY_CLASS (reply) == 5)
        self->w_epsv_failed = TRUE;
      g_clear_pointer (&reply, op_ftp_reply_free);
    }

  if (g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV4)
    {
      g_set_error_literal (error, OP_FTP_ERROR, OP_FTP_ERROR_UNSUPPORTED,
                           _("The server does not support passive mode over IPv6 (EPSV). "
                             "Try active mode."));
      return FALSE;
    }

  reply = command_expect (self, "PASV", NULL, OP_SEND_PLAIN, 2, OP_FTP_COMMAND_DATA,
                          cancellable, error);
  if (reply == NULL)
    return FALSE;
  {
    g_autofree char *given = NULL;
    g_autoptr(GInetAddress) trusted = NULL;

    if (!op_ftp_reply_parse_pasv (reply, &given, &port, error))
      return FALSE;
    if (s->trust_pasv)
      trusted = g_inet_address_new_from_string (given);
    d->socket = connect_data (self, s, trusted != NULL ? trusted : address, port,
                              cancellable, error);
  }
  return d->socket != NULL;
}

/* EPRT, then PORT: listen on the control connection's local address. */
static gboolean
open_active (OpFtpClient     *self,
             const Settings  *s,
             DataConn        *d,
             GCancellable    *cancellable,
             GError         **error)
{
  GSocketConnection *control = control_socket_connection (self);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocketAddress) any_port = NULL;
  g_autoptr(OpFtpReply) reply = NULL;
  g_autofree char *host = NULL;
  g_autofree char *eprt = NULL;
  GInetAddress *address;
  guint16 port;
  GSocketFamily family;

  if (control == NULL ||
      (local = g_socket_connection_get_local_address (control, error)) == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                             _("Active mode needs a network connection to the server."));
      return FALSE;
    }
  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
  family = g_inet_address_get_family (address);
  d->listener = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (d->listener == NULL)
    return FALSE;
  any_port = g_inet_socket_address_new (address, 0);
  if (!g_socket_bind (d->listener, any_port, FALSE, error) ||
      !g_socket_listen (d->listener, error))
    return FALSE;
  bound = g_socket_get_local_address (d->listener, error);
  if (bound == NULL)
    return FALSE;
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  host = g_inet_address_to_string (address);

  /* RFC 2428 §2: EPRT |1|132.235.1.2|6275| */
  eprt = g_strdup_printf ("|%d|%s|%u|", family == G_SOCKET_FAMILY_IPV6 ? 2 : 1, host, port);
  reply = command (self, "EPRT", eprt, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (OP_FTP_REPLY_CLASS (reply) == 2)
    return TRUE;
  if (family != G_SOCKET_FAMILY_IPV4)
    {
      g_propagate_error (error, op_ftp_error_from_reply (reply, "EPRT", OP_FTP_COMMAND_DATA));
      return FALSE;
    }
  g_clear_pointer (&reply, op_ftp_reply_free);
  {
    g_auto(GStrv) parts = g_strsplit (host, ".", 4);
    g_autofree char *arg = g_strdup_printf ("%s,%s,%s,%s,%u,%u", parts[0], parts[1],
                                            parts[2], parts[3], port >> 8, port & 0xff);

    reply = command_expect (self, "PORT", arg, OP_SEND_PLAIN, 2, OP_FTP_COMMAND_DATA,
                            cancellable, error);
  }
  return reply != NULL;
}

static DataConn *
data_prepare (OpFtpClient     *self,
              const Settings  *s,
              GCancellable    *cancellable,
              GError         **error)
{
  g_autoptr(DataConn) d = g_new0 (DataConn, 1);
  gboolean ok;

  if (s->data_mode == OP_FTP_DATA_ACTIVE)
    ok = open_active (self, s, d, cancellable, error);
  else
    ok = open_passive (self, s, d, cancellable, error);
  return ok ? g_steal_pointer (&d) : NULL;
}

static gboolean
accept_same_certificate (GTlsConnection       *conn,
                         GTlsCertificate      *peer,
                         GTlsCertificateFlags  errors,
                         gpointer              user_data)
{
  GTlsCertificate *control = user_data;

  /* The control connection's certificate was verified (or trusted by the user); the
   * data connection must present that same one. */
  return control != NULL && g_tls_certificate_is_same (peer, control);
}

/* After the server's 1yz reply: accept the active connection, then TLS (PROT P), resuming
 * the control connection's session: vsftpd and ProFTPD refuse a data connection that
 * does not (testing.md "FTP"). */
static gboolean
data_start (OpFtpClient     *self,
            const Settings  *s,
            DataConn        *d,
            GCancellable    *cancellable,
            GError         **error)
{
  g_autoptr(GError) local_error = NULL;

  if (d->listener != NULL)
    {
      g_autoptr(GSocket) accepted = NULL;
      g_autoptr(GInetSocketAddress) peer = op_connection_get_peer_address (self->conn);
      g_autoptr(GSocketAddress) remote = NULL;

      g_socket_set_timeout (d->listener, s->timeout);
      accepted = g_socket_accept (d->listener, cancellable, &local_error);
      if (accepted == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                         _("The server did not open the data connection (active mode): "
                           "%s. A firewall may block it; try passive mode."),
                         local_error->message);
          return FALSE;
        }
      remote = g_socket_get_remote_address (accepted, NULL);
      /* Only the server may connect: anyone else could feed us a file. */
      if (peer == NULL || remote == NULL ||
          !g_inet_address_equal (g_inet_socket_address_get_address (peer),
                                 g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote))))
        {
          g_set_error_literal (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                               _("A data connection came from an address other than the "
                                 "server’s and was refused."));
          return FALSE;
        }
      g_socket_set_timeout (accepted, s->timeout);
      d->socket = g_socket_connection_factory_create_connection (accepted);
      g_socket_close (d->listener, NULL);
      g_clear_object (&d->listener);
    }

  if (!self->w_prot_p)
    {
      d->stream = g_object_ref (G_IO_STREAM (d->socket));
      return TRUE;
    }

  {
    GIOStream *control = op_connection_get_stream (self->conn);
    GTlsCertificate *control_cert = op_connection_get_peer_certificate (self->conn);
    g_autoptr(GSocketConnectable) identity = g_network_address_new (self->host, self->port);
    GIOStream *tls;

    tls = g_tls_client_connection_new (G_IO_STREAM (d->socket), identity, &local_error);
    if (tls == NULL)
      {
        g_propagate_error (error, g_steal_pointer (&local_error));
        return FALSE;
      }
    d->stream = tls;
    if (G_IS_TLS_CLIENT_CONNECTION (control))
      g_tls_client_connection_copy_session_state (G_TLS_CLIENT_CONNECTION (tls),
                                                  G_TLS_CLIENT_CONNECTION (control));
    /* The 226 on the (protected) control connection and the size check confirm the end
     * of a transfer; some servers close data connections without close_notify. */
    g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
    g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_same_certificate),
                      control_cert);
    if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), cancellable, &local_error))
      {
        if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
          g_propagate_error (error, g_steal_pointer (&local_error));
        else
          g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                       _("The encrypted data connection failed: %s"), local_error->message);
        return FALSE;
      }
    g_signal_handlers_disconnect_by_func (tls, accept_same_certificate, control_cert);
  }
  return TRUE;
}

/* Temporarily bound the control connection's reads (ABOR after a stall must not wait a
 * whole timeout again). Returns the previous timeout. */
static guint
control_set_timeout (OpFtpClient *self,
                     guint        seconds)
{
  GSocketConnection *sc = self->conn != NULL ? control_socket_connection (self) : NULL;
  GSocket *socket;
  guint previous;

  if (sc == NULL)
    return 0;
  socket = g_socket_connection_get_socket (sc);
  previous = g_socket_get_timeout (socket);
  g_socket_set_timeout (socket, seconds);
  return previous;
}

/*
 * Ends a transfer that did not finish: close the data connection, ABOR, then NOOP, and
 * read replies until NOOP's 200 — servers answer ABOR with one or two replies (426 and
 * 226, or 225, or the transfer's own 226), so NOOP is the marker that re-synchronises the
 * reply stream. A server that does not answer within ABORT_TIMEOUT_SECONDS is dropped:
 * the session is usable afterwards or clearly disconnected, never half-way.
 */
static void
abort_transfer (OpFtpClient  *self,
                DataConn     *d,
                OpFtpReply  **why)
{
  guint previous;
  gboolean synced = FALSE;

  if (d != NULL)
    {
      g_clear_pointer (&d->stream, g_object_unref);
      if (d->socket != NULL)
        g_io_stream_close (G_IO_STREAM (d->socket), NULL, NULL);
    }
  if (!is_connected (self))
    return;

  previous = control_set_timeout (self, ABORT_TIMEOUT_SECONDS);
  if (send_line (self, "ABOR", NULL, -1, OP_SEND_PLAIN, NULL, NULL) &&
      send_line (self, "NOOP", NULL, -1, OP_SEND_PLAIN, NULL, NULL))
    {
      for (guint i = 0; i < 6 && is_connected (self); i++)
        {
          g_autoptr(OpFtpReply) reply = read_reply (self, TRUE, NULL, NULL);

          if (reply == NULL)
            break;
          if (reply->code == 200)
            {
              synced = TRUE;
              break;
            }
          if (why != NULL && *why == NULL && OP_FTP_REPLY_CLASS (reply) >= 4)
            *why = g_steal_pointer (&reply);
        }
    }
  if (!synced)
    drop_connection (self);
  else
    control_set_timeout (self, previous);
}

/* What a failure reply to a transfer is about: a 425/522 while the data connection is
 * protected is about its TLS (op-ftp-error.c tells a refused session reuse from others). */
static OpFtpCommandKind
transfer_reply_kind (OpFtpClient      *self,
                     const OpFtpReply *reply,
                     OpFtpCommandKind  kind)
{
  if (self->w_prot_p && (reply->code == 425 || reply->code == 522))
    return OP_FTP_COMMAND_TLS_DATA;
  return kind;
}

/* Aborts a transfer that failed after the server's 1yz and, when the server said why
 * (vsftpd's "522 … session reuse required" after a refused TLS resumption), reports the
 * server's reason instead of the bare symptom. */
static void
abort_and_explain (OpFtpClient  *self,
                   DataConn     *d,
                   const char   *verb,
                   GError      **error)
{
  g_autoptr(OpFtpReply) why = NULL;

  abort_transfer (self, d, &why);
  if (why != NULL && *error != NULL &&
      !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      GError *server = op_ftp_error_from_reply (why, verb,
                                                transfer_reply_kind (self, why,
                                                                     OP_FTP_COMMAND_DATA));

      if (server->code == OP_FTP_ERROR_TLS_SESSION_REUSE ||
          g_error_matches (*error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST))
        {
          g_autofree char *symptom = g_strdup ((*error)->message);

          g_clear_error (error);
          g_set_error (error, OP_FTP_ERROR,
                       server->code == OP_FTP_ERROR_TLS_SESSION_REUSE
                       ? OP_FTP_ERROR_TLS_SESSION_REUSE : OP_FTP_ERROR_CONNECTION_LOST,
                       "%s %s", symptom, server->message);
        }
      g_error_free (server);
    }
}

/* --- moving bytes ------------------------------------------------------------------ */

typedef struct
{
  Sink    *sink;
  guint64  base;     /* bytes before this transfer (resumed part, earlier files) */
  guint64  total;    /* for progress; 0 when unknown */
} Meter;

static void
meter_update (Meter   *m,
              guint64  moved)
{
  if (m->sink != NULL)
    op_progress_update (m->sink->progress, m->base + moved, m->total);
}

static void
transfer_error (GError      **error,
                GError       *cause,
                guint64       moved)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      cause->domain == OP_FTP_ERROR)
    {
      g_propagate_error (error, cause);
      return;
    }
  g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
               _("The transfer stopped after %llu bytes: %s"),
               (unsigned long long) moved, cause->message);
  g_error_free (cause);
}

static gboolean
output_is_regular_file (GOutputStream *out)
{
  struct stat st;

  return G_IS_UNIX_OUTPUT_STREAM (out) &&
         fstat (g_unix_output_stream_get_fd (G_UNIX_OUTPUT_STREAM (out)), &st) == 0 &&
         S_ISREG (st.st_mode);
}

/* Data connection → @out, converting CRLF to LF in ASCII mode. */
static gboolean
receive_data (DataConn       *d,
              GOutputStream  *out,
              gboolean        ascii,
              Meter          *meter,
              guint64        *moved,
              GCancellable   *cancellable,
              GError        **error)
{
  g_autofree guint8 *buffer = g_malloc (DATA_BUFFER_SIZE + 1);
  GInputStream *in = g_io_stream_get_input_stream (d->stream);
  /* TLS hands over one record (16 KiB) per read: gather what has already arrived into
   * one write, so a gigabyte is ~4,000 writes instead of 65,000. */
  gboolean gather = G_IS_TLS_CONNECTION (d->stream) && G_IS_POLLABLE_INPUT_STREAM (in) &&
                    g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (in));
  /* A GUnixOutputStream polls its fd and the cancellable before every write when given
   * one; a regular file is always writable, and the read checks cancellation anyway. */
  GCancellable *write_cancellable = output_is_regular_file (out) ? NULL : cancellable;
  gboolean pending_cr = FALSE;
  gboolean at_end = FALSE;
  g_autoptr(GError) failed = NULL;

  *moved = 0;
  while (!at_end)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_input_stream_read (in, buffer + 1, DATA_BUFFER_SIZE, cancellable,
                                      &local_error);
      const guint8 *chunk = buffer + 1;
      gsize chunk_len;

      if (n < 0)
        {
          transfer_error (error, g_steal_pointer (&local_error), *moved);
          return FALSE;
        }
      if (n == 0)
        break;
      while (gather && DATA_BUFFER_SIZE - (gsize) n >= TLS_RECORD_SIZE)
        {
          gssize more = g_pollable_input_stream_read_nonblocking (
              G_POLLABLE_INPUT_STREAM (in), buffer + 1 + n, DATA_BUFFER_SIZE - n, cancellable,
              &local_error);

          if (more > 0)
            n += more;
          else if (more == 0)
            at_end = TRUE;
          else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_clear_error (&local_error);
          else
            failed = g_steal_pointer (&local_error);   /* after writing what arrived */
          if (more <= 0)
            break;
        }
      *moved += n;
      chunk_len = n;

      if (ascii)
        {
          gsize o = 0;
          guint8 *p = buffer;

          /* A CR that ended the previous chunk goes before this one unless an LF follows. */
          if (pending_cr && buffer[1] != '\n')
            p[o++] = '\r';
          pending_cr = FALSE;
          for (gsize i = 1; i <= (gsize) n; i++)
            {
              if (buffer[i] == '\r')
                {
                  if (i == (gsize) n)
                    {
                      pending_cr = TRUE;
                      continue;
                    }
                  if (buffer[i + 1] == '\n')
                    continue;
                }
              p[o++] = buffer[i];
            }
          chunk = buffer;
          chunk_len = o;
        }

      if (!g_output_stream_write_all (out, chunk, chunk_len, NULL, write_cancellable,
                                      &local_error))
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_LOCAL,
                         _("Could not write the downloaded data: %s"), local_error->message);
          return FALSE;
        }
      meter_update (meter, *moved);
      if (failed != NULL)
        {
          transfer_error (error, g_steal_pointer (&failed), *moved);
          return FALSE;
        }
    }
  if (pending_cr)
    {
      g_autoptr(GError) local_error = NULL;

      if (!g_output_stream_write_all (out, "\r", 1, NULL, cancellable, &local_error))
        {
          g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_LOCAL,
                       _("Could not write the downloaded data: %s"), local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

/* @in → data connection, converting LF to CRLF in ASCII mode. @moved counts local bytes. */
static gboolean
send_data (DataConn       *d,
           GInputStream   *in,
           gboolean        ascii,
           Meter          *meter,
           guint64        *moved,
           GCancellable   *cancellable,
           GError        **error)
{
  g_autofree guint8 *buffer = g_malloc (DATA_BUFFER_SIZE);
  g_autofree guint8 *converted = ascii ? g_malloc (DATA_BUFFER_SIZE * 2) : NULL;
  GOutputStream *out = g_io_stream_get_output_stream (d->stream);
  guint8 previous = 0;

  *moved = 0;
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_input_stream_read (in, buffer, DATA_BUFFER_SIZE, cancellable, &local_error);
      const guint8 *chunk = buffer;
      gsize chunk_len;

      if (n < 0)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_LOCAL,
                         _("Could not read the file to upload: %s"), local_error->message);
          return FALSE;
        }
      if (n == 0)
        break;
      chunk_len = n;
      if (ascii)
        {
          gsize o = 0;

          for (gssize i = 0; i < n; i++)
            {
              if (buffer[i] == '\n' && previous != '\r')
                converted[o++] = '\r';
              converted[o++] = buffer[i];
              previous = buffer[i];
            }
          chunk = converted;
          chunk_len = o;
        }
      if (!g_output_stream_write_all (out, chunk, chunk_len, NULL, cancellable, &local_error))
        {
          transfer_error (error, g_steal_pointer (&local_error), *moved);
          return FALSE;
        }
      *moved += n;
      meter_update (meter, *moved);
    }
  return TRUE;
}

/*
 * Ends an upload's data connection. Closing a socket whose receive queue still holds
 * bytes makes Linux send RST instead of FIN, and the server then loses the data in
 * flight ("426 Failure reading network stream" from vsftpd): with TLS 1.3 the server's
 * session tickets sit there unread. So: close_notify, shut down our sending side, read
 * until the server closes, and only then close.
 */
static gboolean
end_upload_stream (DataConn      *d,
                   GCancellable  *cancellable,
                   GError       **error)
{
  GSocket *socket = g_socket_connection_get_socket (d->socket);
  GInputStream *in = g_io_stream_get_input_stream (d->stream);
  char drain[4096];

  if (!g_output_stream_close (g_io_stream_get_output_stream (d->stream), cancellable, error))
    return FALSE;
  if (!g_socket_shutdown (socket, FALSE, TRUE, error))
    return FALSE;
  /* Errors here only mean the server closed abruptly after taking everything; its final
   * reply on the control connection says whether the file arrived. */
  for (guint i = 0; i < 1024; i++)
    {
      gssize n = g_input_stream_read (in, drain, sizeof drain, cancellable, NULL);
      if (n <= 0)
        break;
    }
  g_io_stream_close (d->stream, NULL, NULL);
  return TRUE;
}

static gboolean
set_type (OpFtpClient   *self,
          gboolean       ascii,
          GCancellable  *cancellable,
          GError       **error)
{
  char wanted = ascii ? 'A' : 'I';

  if (self->w_type == wanted)
    return TRUE;
  if (!command_ok (self, "TYPE", ascii ? "A" : "I", OP_FTP_COMMAND_OTHER, cancellable, error))
    return FALSE;
  self->w_type = wanted;
  return TRUE;
}

/* The transfer command itself: REST first when @offset > 0, then VERB and its 1yz. On a
 * refusal the data connection is dropped and the error mapped for @kind. */
static gboolean
start_transfer (OpFtpClient       *self,
                const Settings    *s,
                DataConn          *d,
                const char        *verb,
                const char        *wire_path,
                guint64            offset,
                OpFtpCommandKind   kind,
                gboolean          *started,
                GCancellable      *cancellable,
                GError           **error)
{
  g_autoptr(OpFtpReply) reply = NULL;

  *started = FALSE;
  if (offset > 0)
    {
      g_autofree char *rest = g_strdup_printf ("%" G_GUINT64_FORMAT, offset);

      reply = command_expect (self, "REST", rest, OP_SEND_PLAIN, 3, OP_FTP_COMMAND_OTHER,
                              cancellable, error);
      if (reply == NULL)
        return FALSE;
      g_clear_pointer (&reply, op_ftp_reply_free);
    }

  if (!send_line (self, verb, wire_path, -1, OP_SEND_PLAIN, cancellable, error))
    return FALSE;
  reply = read_reply (self, TRUE, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (OP_FTP_REPLY_CLASS (reply) != 1)
    {
      if (OP_FTP_REPLY_CLASS (reply) >= 4)
        g_propagate_error (error, op_ftp_error_from_reply (reply, verb,
                                                           transfer_reply_kind (self, reply,
                                                                                kind)));
      else
        g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY,
                     _("The server answered %s with an unexpected reply: “%u %s”."),
                     verb, reply->code, reply->text);
      return FALSE;
    }
  *started = TRUE;
  return data_start (self, s, d, cancellable, error);
}

/* After the data connection closed: the transfer's final reply. */
static gboolean
finish_transfer (OpFtpClient       *self,
                 const char        *verb,
                 OpFtpCommandKind   kind,
                 guint64            moved,
                 GCancellable      *cancellable,
                 GError           **error)
{
  g_autoptr(OpFtpReply) reply = read_reply (self, FALSE, cancellable, error);

  if (reply == NULL)
    return FALSE;
  if (OP_FTP_REPLY_CLASS (reply) == 2)
    return TRUE;
  if (reply->code == 426 || reply->code == 451)
    g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                 _("The server ended the transfer after %llu bytes: “%u %s”"),
                 (unsigned long long) moved, reply->code, reply->text);
  else
    g_propagate_error (error, op_ftp_error_from_reply (reply, verb,
                                                       transfer_reply_kind (self, reply, kind)));
  return FALSE;
}

/*
 * RETR @wire_path into @out from @offset. On failure after the transfer started, ABOR
 * re-synchronises the session. @moved: bytes received.
 */
static gboolean
retrieve (OpFtpClient     *self,
          const Settings  *s,
          const char      *wire_path,
          GOutputStream   *out,
          guint64          offset,
          gboolean         ascii,
          Meter           *meter,
          guint64         *moved,
          GCancellable    *cancellable,
          GError         **error)
{
  g_autoptr(DataConn) d = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean started = FALSE;

  *moved = 0;
  if (!set_type (self, ascii, cancellable, error))
    return FALSE;
  d = data_prepare (self, s, cancellable, error);
  if (d == NULL)
    return FALSE;
  if (!start_transfer (self, s, d, "RETR", wire_path, offset, OP_FTP_COMMAND_READ,
                       &started, cancellable, error))
    {
      if (started)
        abort_and_explain (self, d, "RETR", error);
      return FALSE;
    }
  if (!receive_data (d, out, ascii, meter, moved, cancellable, error))
    {
      abort_and_explain (self, d, "RETR", error);
      return FALSE;
    }
  g_io_stream_close (d->stream, NULL, NULL);
  return finish_transfer (self, "RETR", OP_FTP_COMMAND_READ, *moved, cancellable, error);
}

static gboolean
store (OpFtpClient     *self,
       const Settings  *s,
       const char      *verb,
       const char      *wire_path,
       GInputStream    *in,
       guint64          offset,
       gboolean         ascii,
       Meter           *meter,
       guint64         *moved,
       GCancellable    *cancellable,
       GError         **error)
{
  g_autoptr(DataConn) d = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean started = FALSE;

  *moved = 0;
  if (!set_type (self, ascii, cancellable, error))
    return FALSE;
  d = data_prepare (self, s, cancellable, error);
  if (d == NULL)
    return FALSE;
  if (!start_transfer (self, s, d, verb, wire_path, offset, OP_FTP_COMMAND_WRITE,
                       &started, cancellable, error))
    {
      if (started)
        abort_and_explain (self, d, verb, error);
      return FALSE;
    }
  if (!send_data (d, in, ascii, meter, moved, cancellable, error))
    {
      abort_and_explain (self, d, verb, error);
      return FALSE;
    }
  /* The server's end of file: TLS close_notify, then FIN. */
  if (!end_upload_stream (d, cancellable, &local_error))
    {
      transfer_error (error, g_steal_pointer (&local_error), *moved);
      abort_and_explain (self, d, verb, error);
      return FALSE;
    }
  return finish_transfer (self, verb, OP_FTP_COMMAND_WRITE, *moved, cancellable, error);
}

/* Reads a whole listing (MLSD, LIST, NLST) through the parser. */
static OpFtpListing *
list_wire (OpFtpClient     *self,
           const Settings  *s,
           const char      *verb,
           const char      *argument,
           OpFtpListFormat  format,
           GCancellable    *cancellable,
           GError         **error)
{
  g_autoptr(DataConn) d = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(OpFtpListParser) parser = NULL;
  g_autofree char *buffer = NULL;
  GInputStream *in;
  guint64 moved = 0;

  /* Listings are ASCII by definition but servers send them the same in either type; in
   * TYPE I the bytes arrive as they are and the parser takes CRLF and LF alike. */
  if (!set_type (self, FALSE, cancellable, error))
    return NULL;
  d = data_prepare (self, s, cancellable, error);
  if (d == NULL)
    return NULL;
  if (!send_line (self, verb, argument, -1, OP_SEND_PLAIN, cancellable, error))
    return NULL;
  {
    g_autoptr(OpFtpReply) reply = read_reply (self, TRUE, cancellable, error);

    if (reply == NULL)
      return NULL;
    if (OP_FTP_REPLY_CLASS (reply) != 1)
      {
        /* Some servers answer an empty folder's NLST with 450/550 "No files found". */
        if (OP_FTP_REPLY_CLASS (reply) >= 4)
          g_propagate_error (error, op_ftp_error_from_reply (reply, verb,
                                                             OP_FTP_COMMAND_READ));
        else
          g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY,
                       _("The server answered %s with an unexpected reply: “%u %s”."),
                       verb, reply->code, reply->text);
        return NULL;
      }
  }
  if (!data_start (self, s, d, cancellable, error))
    {
      abort_and_explain (self, d, verb, error);
      return NULL;
    }

  parser = op_ftp_list_parser_new (format, s->charset, g_get_real_time () / G_USEC_PER_SEC);
  buffer = g_malloc (DATA_BUFFER_SIZE);
  in = g_io_stream_get_input_stream (d->stream);
  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, DATA_BUFFER_SIZE, cancellable, &local_error);

      if (n < 0)
        {
          transfer_error (error, g_steal_pointer (&local_error), moved);
          abort_and_explain (self, d, verb, error);
          return NULL;
        }
      if (n == 0)
        break;
      moved += n;
      op_ftp_list_parser_feed (parser, buffer, n);
    }
  g_io_stream_close (d->stream, NULL, NULL);
  if (!finish_transfer (self, verb, OP_FTP_COMMAND_READ, moved, cancellable, error))
    return NULL;
  return op_ftp_list_parser_finish (g_steal_pointer (&parser));
}

static gboolean
has_feature (OpFtpClient *self,
             const char  *name)
{
  return self->w_features != NULL && g_hash_table_contains (self->w_features, name);
}

static OpFtpListing *
list_dir (OpFtpClient     *self,
          const Settings  *s,
          const char      *wire_path,
          OpFtpListFlags   flags,
          GCancellable    *cancellable,
          GError         **error)
{
  if (has_feature (self, "MLST") && !(flags & OP_FTP_LIST_FORCE_LIST))
    return list_wire (self, s, "MLSD", wire_path, OP_FTP_LIST_MLSD, cancellable, error);

  if (flags & OP_FTP_LIST_SHOW_HIDDEN)
    {
      /* "LIST -a" is a common extension, but the path then follows the option. Paths
       * starting with "-" would read as options, so those are listed plainly. */
      if (wire_path == NULL)
        return list_wire (self, s, "LIST", "-a", OP_FTP_LIST_AUTO, cancellable, error);
      if (wire_path[0] != '-')
        {
          g_autofree char *arg = g_strconcat ("-a ", wire_path, NULL);
          return list_wire (self, s, "LIST", arg, OP_FTP_LIST_AUTO, cancellable, error);
        }
    }
  return list_wire (self, s, "LIST", wire_path, OP_FTP_LIST_AUTO, cancellable, error);
}

/* --- files ------------------------------------------------------------------------- */

static char *
local_path (GFile   *file,
            GError **error)
{
  char *path = g_file_get_path (file);

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_LOCAL,
                   _("“%s” is not a local file; transfers need a folder on this computer."),
                   uri);
    }
  return path;
}

static void local_error_from_errno (GError     **error,
                                    int          saved_errno,
                                    const char  *format,
                                    ...) G_GNUC_PRINTF (3, 4);

/* @format names a local path with "%s"; paths may be in any encoding, so the message is
 * made valid UTF-8 for display. */
static void
local_error_from_errno (GError     **error,
                        int          saved_errno,
                        const char  *format,
                        ...)
{
  g_autofree char *message = NULL;
  g_autofree char *valid = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  valid = g_utf8_make_valid (message, -1);
  g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_LOCAL, "%s: %s", valid,
               g_strerror (saved_errno));
}

/* Remote size and time, both optional: SIZE and MDTM replies of 5xx just mean "unknown". */
static void
remote_size_and_time (OpFtpClient   *self,
                      const char    *wire_path,
                      gboolean       want_time,
                      gint64        *size,
                      gint64        *mtime,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(OpFtpReply) reply = NULL;
  guint64 value;

  *size = -1;
  *mtime = 0;
  /* A server that lists its features but not SIZE is not asked (RFC 3659 §2.2). */
  if (self->w_features == NULL || g_hash_table_size (self->w_features) == 0 ||
      has_feature (self, "SIZE"))
    {
      reply = command (self, "SIZE", wire_path, OP_SEND_PLAIN, cancellable, error);
      if (reply == NULL)
        return;
      if (op_ftp_reply_parse_size (reply, &value, NULL))
        *size = (gint64) value;
      g_clear_pointer (&reply, op_ftp_reply_free);
    }
  if (want_time)
    {
      reply = command (self, "MDTM", wire_path, OP_SEND_PLAIN, cancellable, error);
      if (reply == NULL)
        return;
      if (!op_ftp_reply_parse_mdtm (reply, mtime, NULL))
        *mtime = 0;
    }
}

/*
 * The download of one file to a local path through "PATH.part" (DESIGN.md "Storage and
 * no data loss"): the final name appears only when every byte arrived.
 */
static gboolean
download_file (OpFtpClient         *self,
               const Settings      *s,
               const char          *wire_path,
               const char          *path,
               OpFtpTransferFlags   flags,
               Meter               *meter,
               gint64               known_size,
               gint64               known_mtime,
               GCancellable        *cancellable,
               GError             **error)
{
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  g_autoptr(GOutputStream) out = NULL;
  gboolean ascii = (flags & OP_FTP_TRANSFER_ASCII) != 0;
  gint64 size = known_size;
  gint64 mtime = known_mtime;
  guint64 offset = 0;
  guint64 moved = 0;
  GStatBuf st;
  int fd;

  if (size < 0 || (mtime == 0 && !(flags & OP_FTP_TRANSFER_NO_MTIME)))
    {
      gint64 got_size, got_mtime;
      g_autoptr(GError) local_error = NULL;

      remote_size_and_time (self, wire_path, !(flags & OP_FTP_TRANSFER_NO_MTIME),
                            &got_size, &got_mtime, cancellable, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (size < 0)
        size = got_size;
      if (mtime == 0)
        mtime = got_mtime;
    }

  /* Resume from what the .part holds; REST counts bytes, which only binary mode keeps. */
  if ((flags & OP_FTP_TRANSFER_RESUME) && !ascii && g_stat (part, &st) == 0 &&
      S_ISREG (st.st_mode))
    {
      offset = st.st_size;
      if (size >= 0 && offset > (guint64) size)
        offset = 0;
    }
  meter->base += offset;
  if (meter->total == 0 && size >= 0)
    meter->total = size;

  if (size >= 0 && offset == (guint64) size && offset > 0)
    ;  /* the .part is already complete: only the rename is left */
  else
    {
      fd = g_open (part, O_WRONLY | O_CREAT | O_CLOEXEC | (offset > 0 ? O_APPEND : O_TRUNC),
                   0666);
      if (fd < 0)
        {
          local_error_from_errno (error, errno, _("Could not create “%s”"), part);
          return FALSE;
        }
      out = g_unix_output_stream_new (fd, TRUE);
      if (!retrieve (self, s, wire_path, out, offset, ascii, meter, &moved, cancellable,
                     error))
        {
          g_output_stream_close (out, NULL, NULL);
          /* A refused RETR (550, 425…) leaves no empty NAME.part behind; a failure after
           * bytes arrived keeps them for resuming (DESIGN.md "Storage and no data loss"). */
          if (offset == 0 && moved == 0)
            g_unlink (part);
          return FALSE;
        }
      if (!g_output_stream_close (out, NULL, NULL))
        {
          local_error_from_errno (error, errno, _("Could not write “%s”"), part);
          return FALSE;
        }
      /* A data connection that ends early without an error reply must not pass for a
       * complete file (binary sizes are exact). */
      if (!ascii && size >= 0 && offset + moved != (guint64) size)
        {
          g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                       _("The download ended after %llu of %lld bytes. Resume it to fetch "
                         "the rest."), (unsigned long long) (offset + moved), (long long) size);
          return FALSE;
        }
    }

  if (mtime > 0 && !(flags & OP_FTP_TRANSFER_NO_MTIME))
    {
      struct timespec times[2] = { { 0, UTIME_OMIT }, { mtime, 0 } };
      /* Best effort: a file system without times still gets the file. */
      (void) utimensat (AT_FDCWD, part, times, 0);
    }
  if (g_rename (part, path) != 0)
    {
      local_error_from_errno (error, errno, _("Could not rename the finished download to “%s”"),
                              path);
      return FALSE;
    }
  meter->base += moved;
  return TRUE;
}

static char *
format_mfmt_time (gint64 mtime)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (mtime);

  return dt != NULL ? g_date_time_format (dt, "%Y%m%d%H%M%S") : NULL;
}

static gboolean
upload_file (OpFtpClient         *self,
             const Settings      *s,
             const char          *path,
             const char          *wire_path,
             OpFtpTransferFlags   flags,
             Meter               *meter,
             GCancellable        *cancellable,
             GError             **error)
{
  g_autoptr(GInputStream) in = NULL;
  gboolean ascii = (flags & OP_FTP_TRANSFER_ASCII) != 0;
  const char *verb = (flags & OP_FTP_TRANSFER_APPEND) ? "APPE" : "STOR";
  guint64 offset = 0;
  guint64 moved = 0;
  GStatBuf st;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      local_error_from_errno (error, errno, _("Could not open “%s”"), path);
      return FALSE;
    }
  in = g_unix_input_stream_new (fd, TRUE);
  if (fstat (fd, &st) != 0)
    {
      local_error_from_errno (error, errno, _("Could not read “%s”"), path);
      return FALSE;
    }
  if (meter->total == 0)
    meter->total = st.st_size;

  if ((flags & OP_FTP_TRANSFER_RESUME) && !ascii && !(flags & OP_FTP_TRANSFER_APPEND))
    {
      g_autoptr(OpFtpReply) reply = command (self, "SIZE", wire_path, OP_SEND_PLAIN,
                                             cancellable, error);
      guint64 remote = 0;

      if (reply == NULL)
        return FALSE;
      if (op_ftp_reply_parse_size (reply, &remote, NULL) && remote <= (guint64) st.st_size)
        offset = remote;
    }

  if (offset > 0 && lseek (fd, (off_t) offset, SEEK_SET) < 0)
    {
      local_error_from_errno (error, errno, _("Could not read “%s”"), path);
      return FALSE;
    }
  meter->base += offset;

  if (offset < (guint64) st.st_size || offset == 0)
    {
      g_autoptr(GError) local_error = NULL;

      if (!store (self, s, verb, wire_path, in, offset, ascii, meter, &moved, cancellable,
                  &local_error))
        {
          /* A server without REST STREAM for uploads takes the rest with APPE. */
          if (offset > 0 && g_error_matches (local_error, OP_FTP_ERROR, OP_FTP_ERROR_UNSUPPORTED))
            {
              g_clear_error (&local_error);
              if (!store (self, s, "APPE", wire_path, in, 0, ascii, meter, &moved,
                          cancellable, &local_error))
                {
                  g_propagate_error (error, g_steal_pointer (&local_error));
                  return FALSE;
                }
            }
          else
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
        }
    }
  meter->base += moved;

  /* RFC 3659 has no MFMT; draft-somers-ftp-mfxx does, and most servers implement it. */
  if (!(flags & OP_FTP_TRANSFER_NO_MTIME) && has_feature (self, "MFMT"))
    {
      g_autofree char *stamp = format_mfmt_time (st.st_mtime);
      g_autofree char *arg = g_strconcat (stamp, " ", wire_path, NULL);
      g_autoptr(OpFtpReply) reply = command (self, "MFMT", arg, OP_SEND_PLAIN, cancellable,
                                             error);

      if (reply == NULL)
        return FALSE;
      /* The file arrived whole; a refused time is not worth failing the upload for. */
    }
  return TRUE;
}

/* --- stat -------------------------------------------------------------------------- */

static char *
wire_basename (const char *wire_path)
{
  const char *end = wire_path + strlen (wire_path);
  const char *slash;

  while (end > wire_path + 1 && end[-1] == '/')
    end--;
  for (slash = end; slash > wire_path && slash[-1] != '/'; slash--)
    ;
  return g_strndup (slash, end - slash);
}

static OpFtpEntry *
stat_path (OpFtpClient     *self,
           const Settings  *s,
           const char      *wire_path,
           GCancellable    *cancellable,
           GError         **error)
{
  g_autoptr(OpFtpEntry) entry = op_ftp_entry_new ();
  g_autoptr(OpFtpReply) reply = NULL;
  g_autofree char *base = wire_basename (wire_path);

  if (has_feature (self, "MLST"))
    {
      reply = command (self, "MLST", wire_path, OP_SEND_PLAIN, cancellable, error);
      if (reply == NULL)
        return NULL;
      if (OP_FTP_REPLY_CLASS (reply) >= 4)
        {
          g_propagate_error (error, op_ftp_error_from_reply (reply, "MLST",
                                                             OP_FTP_COMMAND_READ));
          return NULL;
        }
      /* RFC 3659 §7.2: the fact line is the second line, after one space. */
      for (guint i = 1; reply->lines[i] != NULL && reply->lines[i + 1] != NULL; i++)
        {
          const char *line = reply->lines[i];

          if (*line == ' ')
            line++;
          if (op_ftp_parse_mlsd_line (line, strlen (line), s->charset, entry))
            {
              /* MLST names the whole path; callers want the base name. */
              g_free (entry->wire_name);
              entry->wire_name = g_strdup (base);
              g_free (entry->name);
              entry->name = op_ftp_charset_to_utf8 (s->charset, base, -1);
              return g_steal_pointer (&entry);
            }
        }
      /* An unreadable MLST answer: fall through to SIZE/MDTM. */
      g_clear_pointer (&reply, op_ftp_reply_free);
    }

  entry->wire_name = g_strdup (base);
  entry->name = op_ftp_charset_to_utf8 (s->charset, base, -1);
  entry->mode = -1;
  entry->size = -1;

  /* No MLST: a SIZE answer means a file; otherwise CWD tells a folder (and CWD back). */
  {
    g_autoptr(GError) size_error = NULL;
    gint64 size, mtime;

    remote_size_and_time (self, wire_path, TRUE, &size, &mtime, cancellable, &size_error);
    if (size_error != NULL)
      {
        g_propagate_error (error, g_steal_pointer (&size_error));
        return NULL;
      }
    if (size >= 0)
      {
        entry->type = OP_FTP_ENTRY_FILE;
        entry->size = size;
        entry->mtime = mtime;
        entry->time_precision = mtime > 0 ? OP_FTP_TIME_SECOND : OP_FTP_TIME_NONE;
        return g_steal_pointer (&entry);
      }
  }
  {
    g_autoptr(OpFtpReply) pwd = command (self, "PWD", NULL, OP_SEND_PLAIN, cancellable, error);
    g_autofree char *here = NULL;

    if (pwd == NULL)
      return NULL;
    if (!op_ftp_reply_parse_pwd (pwd, &here, error))
      return NULL;
    reply = command (self, "CWD", wire_path, OP_SEND_PLAIN, cancellable, error);
    if (reply == NULL)
      return NULL;
    if (OP_FTP_REPLY_CLASS (reply) == 2)
      {
        g_clear_pointer (&reply, op_ftp_reply_free);
        if (!command_ok (self, "CWD", here, OP_FTP_COMMAND_READ, cancellable, error))
          return NULL;
        entry->type = OP_FTP_ENTRY_DIRECTORY;
        return g_steal_pointer (&entry);
      }
  }
  g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND,
               _("“%s” does not exist on the server."), entry->name);
  return NULL;
}

/* --- recursive operations ---------------------------------------------------------- */

typedef struct
{
  char          *wire_path;
  char          *local_path;   /* (nullable) */
  OpFtpEntryType type;
  gint64         size;
  gint64         mtime;
} TreeItem;

static void
tree_item_free (TreeItem *item)
{
  g_free (item->wire_path);
  g_free (item->local_path);
  g_free (item);
}

static TreeItem *
tree_item_new (const char     *wire_path,
               const char     *local,
               OpFtpEntryType  type,
               gint64          size,
               gint64          mtime)
{
  TreeItem *item = g_new0 (TreeItem, 1);

  item->wire_path = g_strdup (wire_path);
  item->local_path = g_strdup (local);
  item->type = type;
  item->size = size;
  item->mtime = mtime;
  return item;
}

/*
 * Lists the remote tree under @wire_root breadth-first into @dirs (parents before
 * children) and @files. With @local_root, every name is made a safe local name first
 * (DESIGN.md "Hostile input"): one that cannot be, or two that become the same, fail the
 * walk before anything is written. Symbolic links are taken as files, never followed
 * as folders, so a link loop cannot make the walk endless.
 */
static gboolean
walk_remote (OpFtpClient     *self,
             const Settings  *s,
             const char      *wire_root,
             const char      *local_root,
             GPtrArray       *dirs,
             GPtrArray       *files,
             Sink            *sink,
             GCancellable    *cancellable,
             GError         **error)
{
  guint next = dirs->len;

  g_ptr_array_add (dirs, tree_item_new (wire_root, local_root, OP_FTP_ENTRY_DIRECTORY, -1, 0));
  for (; next < dirs->len; next++)
    {
      TreeItem *dir = g_ptr_array_index (dirs, next);
      g_autoptr(OpFtpListing) listing = NULL;
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

      sink_set_file (sink, dir->wire_path, 0);
      listing = list_dir (self, s, dir->wire_path, OP_FTP_LIST_DEFAULT, cancellable, error);
      if (listing == NULL)
        return FALSE;
      for (guint i = 0; i < listing->entries->len; i++)
        {
          OpFtpEntry *entry = g_ptr_array_index (listing->entries, i);
          g_autofree char *wire = wire_join (dir->wire_path, entry->wire_name);
          g_autofree char *local = NULL;

          if (dir->local_path != NULL)
            {
              char *safe = op_ftp_local_name_from_remote (entry->name);

              if (safe == NULL)
                {
                  g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME,
                               _("The server listed an entry named “%s” in “%s”, which "
                                 "cannot be saved on this computer. Nothing was downloaded."),
                               entry->name, dir->wire_path);
                  return FALSE;
                }
              g_ptr_array_add (names, safe);
              if (!g_hash_table_add (seen, safe))
                {
                  g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME,
                               _("Two entries in “%s” would both be saved as “%s”. Nothing "
                                 "was downloaded; rename one of them on the server."),
                               dir->wire_path, safe);
                  return FALSE;
                }
              local = g_build_filename (dir->local_path, safe, NULL);
            }

          if (entry->type == OP_FTP_ENTRY_DIRECTORY)
            g_ptr_array_add (dirs, tree_item_new (wire, local, entry->type, -1, 0));
          else
            g_ptr_array_add (files, tree_item_new (wire, local, entry->type, entry->size,
                                                   entry->time_precision >= OP_FTP_TIME_MINUTE
                                                   ? entry->mtime : 0));
        }
    }
  return TRUE;
}

static gboolean
download_tree (OpFtpClient         *self,
               const Settings      *s,
               const char          *wire_root,
               const char          *local_root,
               OpFtpTransferFlags   flags,
               Sink                *sink,
               GCancellable        *cancellable,
               GError             **error)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func ((GDestroyNotify) tree_item_free);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) tree_item_free);
  Meter meter = { sink, 0, 0 };

  if (!walk_remote (self, s, wire_root, local_root, dirs, files, sink, cancellable, error))
    return FALSE;
  for (guint i = 0; i < files->len; i++)
    {
      TreeItem *item = g_ptr_array_index (files, i);
      meter.total += item->size > 0 ? item->size : 0;
    }
  if (sink != NULL)
    {
      g_mutex_lock (&sink->lock);
      sink->files_total = files->len;
      g_mutex_unlock (&sink->lock);
    }
  for (guint i = 0; i < dirs->len; i++)
    {
      TreeItem *dir = g_ptr_array_index (dirs, i);

      if (g_mkdir_with_parents (dir->local_path, 0777) != 0)
        {
          local_error_from_errno (error, errno, _("Could not create the folder “%s”"),
                                  dir->local_path);
          return FALSE;
        }
    }
  for (guint i = 0; i < files->len; i++)
    {
      TreeItem *item = g_ptr_array_index (files, i);
      /* The size from the listing saves a SIZE per file; a link's size is the link's. */
      gint64 size = item->type == OP_FTP_ENTRY_FILE ? item->size : -1;

      sink_set_file (sink, item->wire_path, i);
      if (!download_file (self, s, item->wire_path, item->local_path, flags, &meter,
                          size, item->mtime, cancellable, error))
        return FALSE;
    }
  sink_set_file (sink, NULL, files->len);
  meter_update (&meter, 0);
  return TRUE;
}

/*
 * MKD. vsftpd's "550 Create directory operation failed." does not say why, so after a
 * refusal the name is looked up: when it is taken, a vague refusal becomes
 * ALREADY_EXISTS (what the user needs to read) and @existing tells what is there.
 */
static gboolean
make_dir (OpFtpClient     *self,
          const Settings  *s,
          const char      *wire_path,
          OpFtpEntryType  *existing,
          GCancellable    *cancellable,
          GError         **error)
{
  g_autoptr(GError) mkd_error = NULL;
  g_autoptr(OpFtpEntry) entry = NULL;

  *existing = OP_FTP_ENTRY_UNKNOWN;
  if (command_ok (self, "MKD", wire_path, OP_FTP_COMMAND_MKDIR, cancellable, &mkd_error))
    return TRUE;
  if (mkd_error->domain == OP_FTP_ERROR && is_connected (self))
    entry = stat_path (self, s, wire_path, cancellable, NULL);
  if (entry != NULL)
    {
      *existing = entry->type;
      if (mkd_error->code == OP_FTP_ERROR_PERMANENT)
        {
          g_autofree char *message = g_strdup (mkd_error->message);

          g_clear_error (&mkd_error);
          g_set_error (&mkd_error, OP_FTP_ERROR, OP_FTP_ERROR_ALREADY_EXISTS,
                       _("A file or folder of that name already exists on the "
                         "server. (%s)"), message);
        }
    }
  g_propagate_error (error, g_steal_pointer (&mkd_error));
  return FALSE;
}

/* A folder of a tree being uploaded: one that is there already is fine. */
static gboolean
ensure_remote_dir (OpFtpClient     *self,
                   const Settings  *s,
                   const char      *wire_path,
                   GCancellable    *cancellable,
                   GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  OpFtpEntryType existing;

  if (make_dir (self, s, wire_path, &existing, cancellable, &local_error))
    return TRUE;
  if (existing == OP_FTP_ENTRY_DIRECTORY)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
walk_local (const Settings  *s,
            const char      *local_root,
            const char      *wire_root,
            GPtrArray       *dirs,
            GPtrArray       *files,
            GError         **error)
{
  g_ptr_array_add (dirs, tree_item_new (wire_root, local_root, OP_FTP_ENTRY_DIRECTORY, -1, 0));
  for (guint next = 0; next < dirs->len; next++)
    {
      TreeItem *dir = g_ptr_array_index (dirs, next);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GDir) handle = g_dir_open (dir->local_path, 0, &local_error);
      const char *name;

      if (handle == NULL)
        {
          g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_LOCAL,
                       _("Could not read the folder: %s"), local_error->message);
          return FALSE;
        }
      while ((name = g_dir_read_name (handle)) != NULL)
        {
          g_autofree char *child = g_build_filename (dir->local_path, name, NULL);
          g_autofree char *utf8 = g_filename_to_utf8 (name, -1, NULL, NULL, NULL);
          g_autofree char *wire_name = NULL;
          g_autofree char *wire = NULL;
          GStatBuf st;

          if (utf8 == NULL)
            utf8 = g_filename_display_name (name);
          wire_name = to_wire (s, utf8, error);
          if (wire_name == NULL)
            return FALSE;
          wire = wire_join (dir->wire_path, wire_name);
          /* lstat: links to folders are not followed (loops); links to files are sent as
           * the file they point to. */
          if (g_lstat (child, &st) != 0)
            continue;
          if (S_ISDIR (st.st_mode))
            g_ptr_array_add (dirs, tree_item_new (wire, child, OP_FTP_ENTRY_DIRECTORY, -1, 0));
          else if (S_ISLNK (st.st_mode))
            {
              if (g_stat (child, &st) == 0 && S_ISREG (st.st_mode))
                g_ptr_array_add (files, tree_item_new (wire, child, OP_FTP_ENTRY_FILE,
                                                       st.st_size, st.st_mtime));
            }
          else if (S_ISREG (st.st_mode))
            g_ptr_array_add (files, tree_item_new (wire, child, OP_FTP_ENTRY_FILE,
                                                   st.st_size, st.st_mtime));
        }
    }
  return TRUE;
}

static gboolean
upload_tree (OpFtpClient         *self,
             const Settings      *s,
             const char          *local_root,
             const char          *wire_root,
             OpFtpTransferFlags   flags,
             Sink                *sink,
             GCancellable        *cancellable,
             GError             **error)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func ((GDestroyNotify) tree_item_free);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) tree_item_free);
  Meter meter = { sink, 0, 0 };

  if (!walk_local (s, local_root, wire_root, dirs, files, error))
    return FALSE;
  for (guint i = 0; i < files->len; i++)
    meter.total += ((TreeItem *) g_ptr_array_index (files, i))->size;
  if (sink != NULL)
    {
      g_mutex_lock (&sink->lock);
      sink->files_total = files->len;
      g_mutex_unlock (&sink->lock);
    }
  for (guint i = 0; i < dirs->len; i++)
    {
      TreeItem *dir = g_ptr_array_index (dirs, i);

      if (!ensure_remote_dir (self, s, dir->wire_path, cancellable, error))
        return FALSE;
    }
  for (guint i = 0; i < files->len; i++)
    {
      TreeItem *item = g_ptr_array_index (files, i);

      sink_set_file (sink, item->wire_path, i);
      if (!upload_file (self, s, item->local_path, item->wire_path, flags, &meter,
                        cancellable, error))
        return FALSE;
    }
  sink_set_file (sink, NULL, files->len);
  meter_update (&meter, 0);
  return TRUE;
}

static gboolean
delete_tree (OpFtpClient     *self,
             const Settings  *s,
             const char      *wire_root,
             Sink            *sink,
             GCancellable    *cancellable,
             GError         **error)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func ((GDestroyNotify) tree_item_free);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) tree_item_free);
  guint done = 0;

  if (!walk_remote (self, s, wire_root, NULL, dirs, files, sink, cancellable, error))
    return FALSE;
  if (sink != NULL)
    {
      g_mutex_lock (&sink->lock);
      sink->files_total = files->len + dirs->len;
      g_mutex_unlock (&sink->lock);
    }
  for (guint i = 0; i < files->len; i++, done++)
    {
      TreeItem *item = g_ptr_array_index (files, i);

      sink_set_file (sink, item->wire_path, done);
      if (!command_ok (self, "DELE", item->wire_path, OP_FTP_COMMAND_REMOVE, cancellable,
                       error))
        return FALSE;
      if (sink != NULL)
        op_progress_update (sink->progress, 0, 0);
    }
  /* Breadth-first order lists parents first: remove children first. */
  for (guint i = dirs->len; i > 0; i--, done++)
    {
      TreeItem *dir = g_ptr_array_index (dirs, i - 1);

      sink_set_file (sink, dir->wire_path, done);
      if (!command_ok (self, "RMD", dir->wire_path, OP_FTP_COMMAND_REMOVE, cancellable, error))
        return FALSE;
      if (sink != NULL)
        op_progress_update (sink->progress, 0, 0);
    }
  sink_set_file (sink, NULL, done);
  return TRUE;
}

static gboolean
chmod_one (OpFtpClient   *self,
           const char    *wire_path,
           guint          mode,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autofree char *arg = g_strdup_printf ("CHMOD %04o %s", mode & 07777, wire_path);

  return command_ok (self, "SITE", arg, OP_FTP_COMMAND_WRITE, cancellable, error);
}

static gboolean
chmod_tree (OpFtpClient        *self,
            const Settings     *s,
            const char         *wire_root,
            guint               mode,
            OpFtpChmodTargets   targets,
            Sink               *sink,
            GCancellable       *cancellable,
            GError            **error)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func ((GDestroyNotify) tree_item_free);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) tree_item_free);
  guint done = 0;

  if (!walk_remote (self, s, wire_root, NULL, dirs, files, sink, cancellable, error))
    return FALSE;
  if (!(targets & OP_FTP_CHMOD_FILES))
    g_ptr_array_set_size (files, 0);
  if (!(targets & OP_FTP_CHMOD_FOLDERS))
    g_ptr_array_set_size (dirs, 0);
  if (sink != NULL)
    {
      g_mutex_lock (&sink->lock);
      sink->files_total = files->len + dirs->len;
      g_mutex_unlock (&sink->lock);
    }
  /* Files first, then folders deepest first: a mode that takes access away from a
   * folder does so after what is inside was changed. */
  for (guint i = 0; i < files->len; i++, done++)
    {
      TreeItem *item = g_ptr_array_index (files, i);

      sink_set_file (sink, item->wire_path, done);
      if (!chmod_one (self, item->wire_path, mode, cancellable, error))
        return FALSE;
      if (sink != NULL)
        op_progress_update (sink->progress, 0, 0);
    }
  for (guint i = dirs->len; i > 0; i--, done++)
    {
      TreeItem *dir = g_ptr_array_index (dirs, i - 1);

      sink_set_file (sink, dir->wire_path, done);
      if (!chmod_one (self, dir->wire_path, mode, cancellable, error))
        return FALSE;
      if (sink != NULL)
        op_progress_update (sink->progress, 0, 0);
    }
  sink_set_file (sink, NULL, done);
  return TRUE;
}

/* --- jobs ---------------------------------------------------------------------------- */

typedef enum
{
  JOB_CONNECT,
  JOB_QUIT,
  JOB_NOOP,
  JOB_KEEPALIVE,
  JOB_PWD,
  JOB_CWD,
  JOB_LIST,
  JOB_NLST,
  JOB_STAT,
  JOB_SIZE,
  JOB_MDTM,
  JOB_DOWNLOAD,
  JOB_UPLOAD,
  JOB_RETRIEVE,
  JOB_STORE,
  JOB_DELETE,
  JOB_MKDIR,
  JOB_RMDIR,
  JOB_RENAME,
  JOB_CHMOD,
  JOB_SEND_COMMAND,
  JOB_DOWNLOAD_TREE,
  JOB_UPLOAD_TREE,
  JOB_DELETE_TREE,
  JOB_CHMOD_TREE,
} JobKind;

typedef struct
{
  JobKind             kind;
  char               *path;      /* UTF-8 from the caller */
  char               *path2;
  char               *secret;    /* a password, wiped when freed */
  GFile              *file;
  GInputStream       *in;
  GOutputStream      *out;
  guint64             offset;
  guint               mode;
  OpFtpTransferFlags  flags;
  OpFtpListFlags      list_flags;
  OpFtpChmodTargets   chmod_targets;
  Sink               *sink;
  guint64             result;    /* SIZE, MDTM, bytes moved */
} Job;

static void
job_free (Job *job)
{
  g_free (job->path);
  g_free (job->path2);
  op_secret_free (job->secret);
  g_clear_object (&job->file);
  g_clear_object (&job->in);
  g_clear_object (&job->out);
  sink_free (job->sink);
  g_free (job);
}

/* Every call needs a session; one lost since the last call is re-established with the
 * credentials of the last login ("a dropped connection reconnects on the next action"). */
static gboolean
ensure_session (OpFtpClient     *self,
                const Settings  *s,
                GCancellable    *cancellable,
                GError         **error)
{
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;
  g_autofree char *account = NULL;
  gboolean want;
  gboolean ok;

  if (is_connected (self))
    return TRUE;
  g_mutex_lock (&self->lock);
  want = self->want_connected;
  user = g_strdup (self->user);
  password = g_strdup (self->password);
  account = g_strdup (self->account);
  g_mutex_unlock (&self->lock);
  if (!want)
    {
      g_set_error_literal (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_CONNECTED,
                           _("Not connected to the server."));
      return FALSE;
    }
  g_clear_object (&self->conn);
  /* The new session starts in the login folder: callers use absolute paths, as the
   * Files view does, to be unaffected. */
  op_protocol_log_append (self->log, OP_LOG_INFO, _("Reconnecting…"));
  ok = login (self, s, user, password, account, cancellable, error);
  if (password != NULL)
    op_secret_wipe (password, strlen (password));
  if (!ok)
    drop_connection (self);
  return ok;
}

static void
run_job (GTask        *task,
         gpointer      source_object,
         gpointer      task_data,
         GCancellable *cancellable)
{
  OpFtpClient *self = source_object;
  Job *job = task_data;
  Settings s = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *wire = NULL;
  g_autofree char *wire2 = NULL;
  gpointer result = NULL;
  GDestroyNotify result_free = NULL;
  gboolean ok = FALSE;

  settings_get (self, &s);

  if (job->kind == JOB_CONNECT)
    {
      if (is_connected (self))
        drop_connection (self);
      g_clear_object (&self->conn);
      ok = login (self, &s, job->path, job->secret, job->path2, cancellable, &error);
      if (ok)
        {
          g_mutex_lock (&self->lock);
          g_free (self->user);
          self->user = g_strdup (job->path);
          op_secret_free (self->password);
          self->password = g_strdup (job->secret);
          g_free (self->account);
          self->account = g_strdup (job->path2);
          self->want_connected = TRUE;
          g_mutex_unlock (&self->lock);
        }
      else
        drop_connection (self);
      goto done;
    }

  if (job->kind == JOB_QUIT)
    {
      g_mutex_lock (&self->lock);
      self->want_connected = FALSE;
      g_mutex_unlock (&self->lock);
      if (is_connected (self))
        {
          g_autoptr(OpFtpReply) reply = NULL;

          control_set_timeout (self, ABORT_TIMEOUT_SECONDS);
          reply = command (self, "QUIT", NULL, OP_SEND_PLAIN, cancellable, NULL);
        }
      drop_connection (self);
      ok = TRUE;
      goto done;
    }

  if (job->kind == JOB_KEEPALIVE && !is_connected (self))
    {
      ok = TRUE;   /* nothing to keep alive; the next real call reconnects */
      goto done;
    }

  if (!ensure_session (self, &s, cancellable, &error))
    goto done;
  set_state (self, OP_FTP_STATE_BUSY);

  if (job->path != NULL && (wire = to_wire (&s, job->path, &error)) == NULL)
    goto done;
  if (job->path2 != NULL && (wire2 = to_wire (&s, job->path2, &error)) == NULL)
    goto done;

  switch (job->kind)
    {
    case JOB_NOOP:
    case JOB_KEEPALIVE:
      ok = command_ok (self, "NOOP", NULL, OP_FTP_COMMAND_OTHER, cancellable, &error);
      break;

    case JOB_PWD:
    case JOB_CWD:
      {
        g_autoptr(OpFtpReply) reply = NULL;
        char *raw = NULL;

        if (job->kind == JOB_CWD)
          {
            gboolean up = g_strcmp0 (job->path, "..") == 0;

            if (!command_ok (self, up ? "CDUP" : "CWD", up ? NULL : wire,
                             OP_FTP_COMMAND_READ, cancellable, &error))
              break;
          }
        reply = command_expect (self, "PWD", NULL, OP_SEND_PLAIN, 2, OP_FTP_COMMAND_OTHER,
                                cancellable, &error);
        if (reply == NULL || !op_ftp_reply_parse_pwd (reply, &raw, &error))
          break;
        result = op_ftp_charset_to_utf8 (s.charset, raw, -1);
        result_free = g_free;
        g_free (raw);
        ok = TRUE;
      }
      break;

    case JOB_LIST:
      result = list_dir (self, &s, wire, job->list_flags, cancellable, &error);
      result_free = (GDestroyNotify) op_ftp_listing_free;
      ok = result != NULL;
      break;

    case JOB_NLST:
      {
        g_autoptr(OpFtpListing) listing = list_wire (self, &s, "NLST", wire,
                                                     OP_FTP_LIST_NAME_ONLY, cancellable,
                                                     &error);
        GStrvBuilder *builder;

        if (listing == NULL)
          break;
        builder = g_strv_builder_new ();
        for (guint i = 0; i < listing->entries->len; i++)
          {
            OpFtpEntry *entry = g_ptr_array_index (listing->entries, i);
            g_strv_builder_add (builder, entry->name);
          }
        result = g_strv_builder_end (builder);
        result_free = (GDestroyNotify) g_strfreev;
        g_strv_builder_unref (builder);
        ok = TRUE;
      }
      break;

    case JOB_STAT:
      result = stat_path (self, &s, wire, cancellable, &error);
      result_free = (GDestroyNotify) op_ftp_entry_free;
      ok = result != NULL;
      break;

    case JOB_SIZE:
    case JOB_MDTM:
      {
        g_autoptr(OpFtpReply) reply = NULL;

        if (job->kind == JOB_SIZE && !set_type (self, FALSE, cancellable, &error))
          break;
        reply = command_expect (self, job->kind == JOB_SIZE ? "SIZE" : "MDTM", wire,
                                OP_SEND_PLAIN, 2, OP_FTP_COMMAND_READ, cancellable, &error);
        if (reply == NULL)
          break;
        if (job->kind == JOB_SIZE)
          ok = op_ftp_reply_parse_size (reply, &job->result, &error);
        else
          {
            gint64 mtime = 0;
            ok = op_ftp_reply_parse_mdtm (reply, &mtime, &error);
            job->result = (guint64) mtime;
          }
      }
      break;

    case JOB_DOWNLOAD:
      {
        g_autofree char *path = local_path (job->file, &error);
        Meter meter = { job->sink, 0, 0 };

        sink_set_file (job->sink, job->path, 0);
        ok = path != NULL &&
             download_file (self, &s, wire, path, job->flags, &meter, -1, 0, cancellable,
                            &error);
        if (ok)
          sink_set_file (job->sink, job->path, 1);
      }
      break;

    case JOB_UPLOAD:
      {
        g_autofree char *path = local_path (job->file, &error);
        Meter meter = { job->sink, 0, 0 };

        sink_set_file (job->sink, job->path, 0);
        ok = path != NULL &&
             upload_file (self, &s, path, wire, job->flags, &meter, cancellable, &error);
        if (ok)
          sink_set_file (job->sink, job->path, 1);
      }
      break;

    case JOB_RETRIEVE:
      {
        Meter meter = { job->sink, job->offset, 0 };

        ok = retrieve (self, &s, wire, job->out, job->offset,
                       (job->flags & OP_FTP_TRANSFER_ASCII) != 0, &meter, &job->result,
                       cancellable, &error) &&
             g_output_stream_flush (job->out, cancellable, &error);
      }
      break;

    case JOB_STORE:
      {
        Meter meter = { job->sink, 0, 0 };

        ok = store (self, &s, (job->flags & OP_FTP_TRANSFER_APPEND) ? "APPE" : "STOR", wire,
                    job->in, 0, (job->flags & OP_FTP_TRANSFER_ASCII) != 0, &meter,
                    &job->result, cancellable, &error);
      }
      break;

    case JOB_DELETE:
      ok = command_ok (self, "DELE", wire, OP_FTP_COMMAND_REMOVE, cancellable, &error);
      break;

    case JOB_MKDIR:
      {
        OpFtpEntryType existing;

        ok = make_dir (self, &s, wire, &existing, cancellable, &error);
      }
      break;

    case JOB_RMDIR:
      ok = command_ok (self, "RMD", wire, OP_FTP_COMMAND_REMOVE, cancellable, &error);
      break;

    case JOB_RENAME:
      {
        g_autoptr(OpFtpReply) reply = command_expect (self, "RNFR", wire, OP_SEND_PLAIN, 3,
                                                      OP_FTP_COMMAND_RENAME, cancellable,
                                                      &error);
        ok = reply != NULL &&
             command_ok (self, "RNTO", wire2, OP_FTP_COMMAND_RENAME, cancellable, &error);
      }
      break;

    case JOB_CHMOD:
      ok = chmod_one (self, wire, job->mode, cancellable, &error);
      break;

    case JOB_CHMOD_TREE:
      ok = chmod_tree (self, &s, wire, job->mode, job->chmod_targets, job->sink, cancellable,
                       &error);
      break;

    case JOB_SEND_COMMAND:
      {
        /* ftplib's sendcmd: the verb is the first word, the rest its argument. */
        const char *space = strchr (wire, ' ');
        g_autofree char *verb = g_strndup (wire, space != NULL ? (gsize) (space - wire)
                                                               : strlen (wire));
        OpSendFlags flags = OP_SEND_PLAIN;

        if (verb[0] == '\0')
          {
            g_set_error_literal (&error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME,
                                 _("The command is empty."));
            break;
          }
        if (g_ascii_strcasecmp (verb, "PASS") == 0 || g_ascii_strcasecmp (verb, "ACCT") == 0)
          flags = OP_SEND_SECRET_ARGUMENT;
        result = command (self, verb, space != NULL ? space + 1 : NULL, flags, cancellable,
                          &error);
        result_free = (GDestroyNotify) op_ftp_reply_free;
        ok = result != NULL;
        /* A TYPE sent by hand makes our idea of the type unknown. */
        self->w_type = 0;
      }
      break;

    case JOB_DOWNLOAD_TREE:
      {
        g_autofree char *path = local_path (job->file, &error);

        ok = path != NULL &&
             download_tree (self, &s, wire, path, job->flags, job->sink, cancellable, &error);
      }
      break;

    case JOB_UPLOAD_TREE:
      {
        g_autofree char *path = local_path (job->file, &error);

        ok = path != NULL &&
             upload_tree (self, &s, path, wire, job->flags, job->sink, cancellable, &error);
      }
      break;

    case JOB_DELETE_TREE:
      ok = delete_tree (self, &s, wire, job->sink, cancellable, &error);
      break;

    case JOB_CONNECT:
    case JOB_QUIT:
    default:
      g_assert_not_reached ();
    }

done:
  if (job->sink != NULL)
    op_progress_finish (job->sink->progress);
  if (is_connected (self))
    set_state (self, OP_FTP_STATE_READY);
  touch (self);
  settings_clear (&s);

  if (!ok)
    {
      if (result != NULL && result_free != NULL)
        result_free (result);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else if (result != NULL)
    g_task_return_pointer (task, result, result_free);
  else
    g_task_return_boolean (task, TRUE);
}

static GTask *
job_task (OpFtpClient          *self,
          JobKind               kind,
          gpointer              source_tag,
          GCancellable         *cancellable,
          GAsyncReadyCallback   callback,
          gpointer              user_data,
          Job                 **job_out)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  *job_out = job;
  return task;
}

static void
job_queue (OpFtpClient *self,
           GTask       *task)
{
  op_worker_run (self->worker, task, run_job);
  g_object_unref (task);
}

static gboolean
job_finish_boolean (OpFtpClient   *self,
                    GAsyncResult  *result,
                    gpointer       source_tag,
                    GError       **error)
{
  g_return_val_if_fail (OP_IS_FTP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gpointer
job_finish_pointer (OpFtpClient   *self,
                    GAsyncResult  *result,
                    gpointer       source_tag,
                    GError       **error)
{
  g_return_val_if_fail (OP_IS_FTP_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
job_finish_value (OpFtpClient   *self,
                  GAsyncResult  *result,
                  gpointer       source_tag,
                  guint64       *value,
                  GError       **error)
{
  if (!job_finish_boolean (self, result, source_tag, error))
    return FALSE;
  if (value != NULL)
    *value = ((Job *) g_task_get_task_data (G_TASK (result)))->result;
  return TRUE;
}

/* A call on one path (or none). */
static void
simple_call (OpFtpClient          *self,
             JobKind               kind,
             gpointer              source_tag,
             const char           *path,
             GCancellable         *cancellable,
             GAsyncReadyCallback   callback,
             gpointer              user_data)
{
  Job *job;
  GTask *task = job_task (self, kind, source_tag, cancellable, callback, user_data, &job);

  job->path = g_strdup (path);
  job_queue (self, task);
}

/* --- keep-alive ---------------------------------------------------------------------- */

static gboolean
keepalive_tick (gpointer data)
{
  OpFtpClient *self = data;
  gint64 idle;
  Job *job;

  if (self->state != OP_FTP_STATE_READY || op_worker_get_n_queued (self->worker) > 0)
    return G_SOURCE_CONTINUE;
  g_mutex_lock (&self->lock);
  idle = g_get_monotonic_time () - self->last_activity;
  g_mutex_unlock (&self->lock);
  if (idle < (gint64) self->keepalive_interval * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;
  job_queue (self, job_task (self, JOB_KEEPALIVE, keepalive_tick, NULL, NULL, NULL, &job));
  return G_SOURCE_CONTINUE;
}

void
op_ftp_client_set_keepalive_interval (OpFtpClient *self,
                                      guint        seconds)
{
  GSource *source;

  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  stop_keepalive (self);
  self->keepalive_interval = seconds;
  if (seconds == 0)
    return;
  /* Checked a few times per interval, so the NOOP goes out soon after the idle time. */
  source = g_timeout_source_new_seconds (MAX (1, seconds / 4));
  g_source_set_callback (source, keepalive_tick, self, NULL);
  g_source_set_static_name (source, "[outpost] ftp keep-alive");
  self->keepalive_source = g_source_attach (source, self->context);
  g_source_unref (source);
}

/* --- public calls -------------------------------------------------------------------- */

void
op_ftp_client_connect_async (OpFtpClient          *self,
                             const char           *user,
                             const char           *password,
                             const char           *account,
                             GCancellable         *cancellable,
                             GAsyncReadyCallback   callback,
                             gpointer              user_data)
{
  Job *job;
  GTask *task;

  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  task = job_task (self, JOB_CONNECT, op_ftp_client_connect_async, cancellable, callback,
                   user_data, &job);
  job->path = g_strdup (user);
  job->secret = g_strdup (password);
  job->path2 = g_strdup (account);
  job_queue (self, task);
}

gboolean
op_ftp_client_connect_finish (OpFtpClient   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return job_finish_boolean (self, result, op_ftp_client_connect_async, error);
}

void
op_ftp_client_quit_async (OpFtpClient          *self,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  simple_call (self, JOB_QUIT, op_ftp_client_quit_async, NULL, cancellable, callback,
               user_data);
}

gboolean
op_ftp_client_quit_finish (OpFtpClient   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return job_finish_boolean (self, result, op_ftp_client_quit_async, error);
}

void
op_ftp_client_noop_async (OpFtpClient          *self,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  simple_call (self, JOB_NOOP, op_ftp_client_noop_async, NULL, cancellable, callback,
               user_data);
}

gboolean
op_ftp_client_noop_finish (OpFtpClient   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return job_finish_boolean (self, result, op_ftp_client_noop_async, error);
}

void
op_ftp_client_pwd_async (OpFtpClient          *self,
                         GCancellable         *cancellable,
                         GAsyncReadyCallback   callback,
                         gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  simple_call (self, JOB_PWD, op_ftp_client_pwd_async, NULL, cancellable, callback,
               user_data);
}

char *
op_ftp_client_pwd_finish (OpFtpClient   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  return job_finish_pointer (self, result, op_ftp_client_pwd_async, error);
}

void
op_ftp_client_cwd_async (OpFtpClient          *self,
                         const char           *path,
                         GCancellable         *cancellable,
                         GAsyncReadyCallback   callback,
                         gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  simple_call (self, JOB_CWD, op_ftp_client_cwd_async, path, cancellable, callback,
               user_data);
}

char *
op_ftp_client_cwd_finish (OpFtpClient   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  return job_finish_pointer (self, result, op_ftp_client_cwd_async, error);
}

void
op_ftp_client_list_async (OpFtpClient          *self,
                          const char           *path,
                          OpFtpListFlags        flags,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  Job *job;
  GTask *task;

  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  task = job_task (self, JOB_LIST, op_ftp_client_list_async, cancellable, callback,
                   user_data, &job);
  job->path = g_strdup (path);
  job->list_flags = flags;
  job_queue (self, task);
}

OpFtpListing *
op_ftp_client_list_finish (OpFtpClient   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return job_finish_pointer (self, result, op_ftp_client_list_async, error);
}

void
op_ftp_client_nlst_async (OpFtpClient          *self,
                          const char           *path,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  simple_call (self, JOB_NLST, op_ftp_client_nlst_async, path, cancellable, callback,
               user_data);
}

GStrv
op_ftp_client_nlst_finish (OpFtpClient   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return job_finish_pointer (self, result, op_ftp_client_nlst_async, error);
}

void
op_ftp_client_stat_async (OpFtpClient          *self,
                          const char           *path,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  simple_call (self, JOB_STAT, op_ftp_client_stat_async, path, cancellable, callback,
               user_data);
}

OpFtpEntry *
op_ftp_client_stat_finish (OpFtpClient   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return job_finish_pointer (self, result, op_ftp_client_stat_async, error);
}

void
op_ftp_client_size_async (OpFtpClient          *self,
                          const char           *path,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  simple_call (self, JOB_SIZE, op_ftp_client_size_async, path, cancellable, callback,
               user_data);
}

gboolean
op_ftp_client_size_finish (OpFtpClient   *self,
                           GAsyncResult  *result,
                           guint64       *size,
                           GError       **error)
{
  return job_finish_value (self, result, op_ftp_client_size_async, size, error);
}

void
op_ftp_client_mdtm_async (OpFtpClient          *self,
                          const char           *path,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  simple_call (self, JOB_MDTM, op_ftp_client_mdtm_async, path, cancellable, callback,
               user_data);
}

gboolean
op_ftp_client_mdtm_finish (OpFtpClient   *self,
                           GAsyncResult  *result,
                           gint64        *mtime,
                           GError       **error)
{
  guint64 value = 0;

  if (!job_finish_value (self, result, op_ftp_client_mdtm_async, &value, error))
    return FALSE;
  if (mtime != NULL)
    *mtime = (gint64) value;
  return TRUE;
}

static void
transfer_call (OpFtpClient          *self,
               JobKind               kind,
               gpointer              source_tag,
               const char           *remote_path,
               GFile                *local,
               OpFtpTransferFlags    flags,
               OpFtpProgressFunc     progress,
               gpointer              progress_data,
               GDestroyNotify        progress_notify,
               GCancellable         *cancellable,
               GAsyncReadyCallback   callback,
               gpointer              user_data)
{
  Job *job;
  GTask *task = job_task (self, kind, source_tag, cancellable, callback, user_data, &job);

  job->path = g_strdup (remote_path);
  job->file = local != NULL ? g_object_ref (local) : NULL;
  job->flags = flags;
  job->sink = sink_new (task, progress, progress_data, progress_notify);
  job_queue (self, task);
}

void
op_ftp_client_download_async (OpFtpClient          *self,
                              const char           *remote_path,
                              GFile                *local,
                              OpFtpTransferFlags    flags,
                              OpFtpProgressFunc     progress,
                              gpointer              progress_data,
                              GDestroyNotify        progress_notify,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_path != NULL);
  g_return_if_fail (G_IS_FILE (local));
  transfer_call (self, JOB_DOWNLOAD, op_ftp_client_download_async, remote_path, local, flags,
                 progress, progress_data, progress_notify, cancellable, callback, user_data);
}

gboolean
op_ftp_client_download_finish (OpFtpClient   *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return job_finish_boolean (self, result, op_ftp_client_download_async, error);
}

void
op_ftp_client_upload_async (OpFtpClient          *self,
                            GFile                *local,
                            const char           *remote_path,
                            OpFtpTransferFlags    flags,
                            OpFtpProgressFunc     progress,
                            gpointer              progress_data,
                            GDestroyNotify        progress_notify,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_path != NULL);
  g_return_if_fail (G_IS_FILE (local));
  transfer_call (self, JOB_UPLOAD, op_ftp_client_upload_async, remote_path, local, flags,
                 progress, progress_data, progress_notify, cancellable, callback, user_data);
}

gboolean
op_ftp_client_upload_finish (OpFtpClient   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return job_finish_boolean (self, result, op_ftp_client_upload_async, error);
}

void
op_ftp_client_retrieve_async (OpFtpClient          *self,
                              const char           *remote_path,
                              GOutputStream        *stream,
                              guint64               offset,
                              OpFtpTransferFlags    flags,
                              OpFtpProgressFunc     progress,
                              gpointer              progress_data,
                              GDestroyNotify        progress_notify,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  Job *job;
  GTask *task;

  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_path != NULL);
  g_return_if_fail (G_IS_OUTPUT_STREAM (stream));

  task = job_task (self, JOB_RETRIEVE, op_ftp_client_retrieve_async, cancellable, callback,
                   user_data, &job);
  job->path = g_strdup (remote_path);
  job->out = g_object_ref (stream);
  job->offset = offset;
  job->flags = flags;
  job->sink = sink_new (task, progress, progress_data, progress_notify);
  job_queue (self, task);
}

gboolean
op_ftp_client_retrieve_finish (OpFtpClient   *self,
                               GAsyncResult  *result,
                               guint64       *bytes,
                               GError       **error)
{
  return job_finish_value (self, result, op_ftp_client_retrieve_async, bytes, error);
}

void
op_ftp_client_store_async (OpFtpClient          *self,
                           GInputStream         *stream,
                           const char           *remote_path,
                           OpFtpTransferFlags    flags,
                           OpFtpProgressFunc     progress,
                           gpointer              progress_data,
                           GDestroyNotify        progress_notify,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  Job *job;
  GTask *task;

  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_path != NULL);
  g_return_if_fail (G_IS_INPUT_STREAM (stream));

  task = job_task (self, JOB_STORE, op_ftp_client_store_async, cancellable, callback,
                   user_data, &job);
  job->path = g_strdup (remote_path);
  job->in = g_object_ref (stream);
  job->flags = flags;
  job->sink = sink_new (task, progress, progress_data, progress_notify);
  job_queue (self, task);
}

gboolean
op_ftp_client_store_finish (OpFtpClient   *self,
                            GAsyncResult  *result,
                            guint64       *bytes,
                            GError       **error)
{
  return job_finish_value (self, result, op_ftp_client_store_async, bytes, error);
}

void
op_ftp_client_delete_async (OpFtpClient          *self,
                            const char           *path,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  simple_call (self, JOB_DELETE, op_ftp_client_delete_async, path, cancellable, callback,
               user_data);
}

gboolean
op_ftp_client_delete_finish (OpFtpClient   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return job_finish_boolean (self, result, op_ftp_client_delete_async, error);
}

void
op_ftp_client_mkdir_async (OpFtpClient          *self,
                           const char           *path,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  simple_call (self, JOB_MKDIR, op_ftp_client_mkdir_async, path, cancellable, callback,
               user_data);
}

gboolean
op_ftp_client_mkdir_finish (OpFtpClient   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return job_finish_boolean (self, result, op_ftp_client_mkdir_async, error);
}

void
op_ftp_client_rmdir_async (OpFtpClient          *self,
                           const char           *path,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  simple_call (self, JOB_RMDIR, op_ftp_client_rmdir_async, path, cancellable, callback,
               user_data);
}

gboolean
op_ftp_client_rmdir_finish (OpFtpClient   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return job_finish_boolean (self, result, op_ftp_client_rmdir_async, error);
}

void
op_ftp_client_rename_async (OpFtpClient          *self,
                            const char           *from,
                            const char           *to,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data)
{
  Job *job;
  GTask *task;

  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (from != NULL && to != NULL);

  task = job_task (self, JOB_RENAME, op_ftp_client_rename_async, cancellable, callback,
                   user_data, &job);
  job->path = g_strdup (from);
  job->path2 = g_strdup (to);
  job_queue (self, task);
}

gboolean
op_ftp_client_rename_finish (OpFtpClient   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return job_finish_boolean (self, result, op_ftp_client_rename_async, error);
}

void
op_ftp_client_chmod_async (OpFtpClient          *self,
                           const char           *path,
                           guint                 mode,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  Job *job;
  GTask *task;

  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (mode <= 07777);

  task = job_task (self, JOB_CHMOD, op_ftp_client_chmod_async, cancellable, callback,
                   user_data, &job);
  job->path = g_strdup (path);
  job->mode = mode;
  job_queue (self, task);
}

gboolean
op_ftp_client_chmod_finish (OpFtpClient   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return job_finish_boolean (self, result, op_ftp_client_chmod_async, error);
}

void
op_ftp_client_send_command_async (OpFtpClient          *self,
                                  const char           *line,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (line != NULL);
  simple_call (self, JOB_SEND_COMMAND, op_ftp_client_send_command_async, line, cancellable,
               callback, user_data);
}

OpFtpReply *
op_ftp_client_send_command_finish (OpFtpClient   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return job_finish_pointer (self, result, op_ftp_client_send_command_async, error);
}

void
op_ftp_client_download_tree_async (OpFtpClient          *self,
                                   const char           *remote_dir,
                                   GFile                *local_dir,
                                   OpFtpTransferFlags    flags,
                                   OpFtpProgressFunc     progress,
                                   gpointer              progress_data,
                                   GDestroyNotify        progress_notify,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_dir != NULL);
  g_return_if_fail (G_IS_FILE (local_dir));
  transfer_call (self, JOB_DOWNLOAD_TREE, op_ftp_client_download_tree_async, remote_dir,
                 local_dir, flags, progress, progress_data, progress_notify, cancellable,
                 callback, user_data);
}

gboolean
op_ftp_client_download_tree_finish (OpFtpClient   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return job_finish_boolean (self, result, op_ftp_client_download_tree_async, error);
}

void
op_ftp_client_upload_tree_async (OpFtpClient          *self,
                                 GFile                *local_dir,
                                 const char           *remote_dir,
                                 OpFtpTransferFlags    flags,
                                 OpFtpProgressFunc     progress,
                                 gpointer              progress_data,
                                 GDestroyNotify        progress_notify,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_dir != NULL);
  g_return_if_fail (G_IS_FILE (local_dir));
  transfer_call (self, JOB_UPLOAD_TREE, op_ftp_client_upload_tree_async, remote_dir,
                 local_dir, flags, progress, progress_data, progress_notify, cancellable,
                 callback, user_data);
}

gboolean
op_ftp_client_upload_tree_finish (OpFtpClient   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return job_finish_boolean (self, result, op_ftp_client_upload_tree_async, error);
}

void
op_ftp_client_delete_tree_async (OpFtpClient          *self,
                                 const char           *remote_dir,
                                 OpFtpProgressFunc     progress,
                                 gpointer              progress_data,
                                 GDestroyNotify        progress_notify,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_dir != NULL);
  transfer_call (self, JOB_DELETE_TREE, op_ftp_client_delete_tree_async, remote_dir, NULL, 0,
                 progress, progress_data, progress_notify, cancellable, callback, user_data);
}

gboolean
op_ftp_client_delete_tree_finish (OpFtpClient   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return job_finish_boolean (self, result, op_ftp_client_delete_tree_async, error);
}

void
op_ftp_client_shutdown (OpFtpClient *self)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  op_ftp_client_set_keepalive_interval (self, 0);
  op_worker_shutdown (self->worker);
}

void
op_ftp_client_chmod_tree_async (OpFtpClient          *self,
                                const char           *remote_dir,
                                guint                 mode,
                                OpFtpChmodTargets     targets,
                                OpFtpProgressFunc     progress,
                                gpointer              progress_data,
                                GDestroyNotify        progress_notify,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data)
{
  Job *job;
  GTask *task;

  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_dir != NULL);
  g_return_if_fail (mode <= 07777);
  g_return_if_fail ((targets & ~OP_FTP_CHMOD_ALL) == 0);

  task = job_task (self, JOB_CHMOD_TREE, op_ftp_client_chmod_tree_async, cancellable, callback,
                   user_data, &job);
  job->path = g_strdup (remote_dir);
  job->mode = mode;
  job->chmod_targets = targets;
  job->sink = sink_new (task, progress, progress_data, progress_notify);
  job_queue (self, task);
}

gboolean
op_ftp_client_chmod_tree_finish (OpFtpClient   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return job_finish_boolean (self, result, op_ftp_client_chmod_tree_async, error);
}
