/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-smtp"

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <string.h>

#include "op-connection.h"
#include "op-smtp-client.h"
#include "op-worker.h"

#define DEFAULT_TIMEOUT_SECONDS 30
/* RFC 5321 §4.5.3.2.6: "DATA Termination: 10 minutes" — the server may scan the message
 * before it answers; giving up earlier would leave its fate unknown for no reason. */
#define DATA_END_TIMEOUT_SECONDS (10 * 60)
/* How long QUIT may take before the connection is closed anyway. */
#define QUIT_TIMEOUT_SECONDS 5
/* One read of the message: large enough for few system calls, small enough to keep the
 * memory of a send flat whatever the message's size. */
#define MESSAGE_CHUNK_SIZE (64 * 1024)
/* A SASL exchange longer than this is a server in a loop (the longest, LOGIN, has 2). */
#define MAX_SASL_STEPS 6

G_DEFINE_ENUM_TYPE (OpSmtpState, op_smtp_state,
  G_DEFINE_ENUM_VALUE (OP_SMTP_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (OP_SMTP_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (OP_SMTP_STATE_READY, "ready"),
  G_DEFINE_ENUM_VALUE (OP_SMTP_STATE_BUSY, "busy"))

G_DEFINE_BOXED_TYPE (OpSmtpSendResult, op_smtp_send_result, op_smtp_send_result_copy,
                     op_smtp_send_result_free)

struct _OpSmtpClient
{
  GObject              parent_instance;

  char                *host;
  guint16              port;
  OpSmtpSecurity       security;
  OpProtocolLog       *log;
  OpWorker            *worker;
  GMainContext        *context;          /* where the client was made */

  /* Settings: written on the main thread, read by the worker under @lock. */
  GMutex               lock;
  OpTlsVerifier       *verifier;
  guint                timeout;
  char                *hello_name;       /* NULL: the local address literal */
  gboolean             allow_plaintext;
  OpSaslMechanism      allowed_mechanisms;

  /* Main-context snapshots. */
  OpSmtpState          state;
  OpSmtpCapabilities  *capabilities;
  GTlsCertificate     *peer_certificate;
  gboolean             is_tls;
  OpSaslMechanism      auth_mechanism;

  /* Worker-only. */
  OpConnection        *conn;
  OpSmtpCapabilities  *w_caps;
  OpSaslMechanism      w_auth_mechanism;
};

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OpSmtpClient, op_smtp_client, G_TYPE_OBJECT)

/* --- results ------------------------------------------------------------------------- */

static void
recipient_free (OpSmtpRecipient *r)
{
  g_free (r->address);
  g_free (r->enhanced_code);
  g_free (r->text);
  g_clear_error (&r->error);
  g_free (r);
}

static OpSmtpRecipient *
recipient_copy (const OpSmtpRecipient *r)
{
  OpSmtpRecipient *copy = g_new0 (OpSmtpRecipient, 1);

  copy->address = g_strdup (r->address);
  copy->accepted = r->accepted;
  copy->code = r->code;
  copy->enhanced_code = g_strdup (r->enhanced_code);
  copy->text = g_strdup (r->text);
  copy->error = r->error != NULL ? g_error_copy (r->error) : NULL;
  return copy;
}

void
op_smtp_send_result_free (OpSmtpSendResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->recipients, g_ptr_array_unref);
  g_clear_pointer (&result->reply, op_smtp_reply_free);
  g_free (result);
}

static OpSmtpSendResult *
send_result_new (void)
{
  OpSmtpSendResult *result = g_new0 (OpSmtpSendResult, 1);

  result->recipients = g_ptr_array_new_with_free_func ((GDestroyNotify) recipient_free);
  return result;
}

OpSmtpSendResult *
op_smtp_send_result_copy (const OpSmtpSendResult *result)
{
  OpSmtpSendResult *copy;

  g_return_val_if_fail (result != NULL, NULL);

  copy = send_result_new ();
  for (guint i = 0; i < result->recipients->len; i++)
    g_ptr_array_add (copy->recipients,
                     recipient_copy (g_ptr_array_index (result->recipients, i)));
  copy->n_accepted = result->n_accepted;
  copy->n_refused = result->n_refused;
  copy->reply = result->reply != NULL ? op_smtp_reply_copy (result->reply) : NULL;
  copy->bytes = result->bytes;
  return copy;
}

/* --- scanning ------------------------------------------------------------------------ */

/* RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets with its CRLF. Servers refuse
 * longer ones, or worse, break them (which corrupts signatures): refuse before sending. */
#define MAX_LINE_LENGTH 998

typedef struct
{
  gboolean in_headers;
  gboolean line_empty;
  gboolean eight_bit;
  gboolean utf8_headers;
  gboolean nul;
  char     previous;
  guint64  line_length;  /* bytes since the last LF */
  guint64  longest;      /* the longest line so far, without its line end */
  guint64  bytes;        /* as given */
  guint64  wire_bytes;   /* with every bare LF made CRLF (RFC 1870 §3: the size counts
                          * CRLF line ends; dot-stuffing is not counted) */
} Scanner;

static void
scanner_init (Scanner *s)
{
  memset (s, 0, sizeof *s);
  s->in_headers = TRUE;
  s->line_empty = TRUE;
}

static void
scanner_feed (Scanner      *s,
              const guint8 *data,
              gsize         size)
{
  for (gsize i = 0; i < size; i++)
    {
      guint8 b = data[i];

      if (b >= 0x80)
        {
          s->eight_bit = TRUE;
          if (s->in_headers)
            s->utf8_headers = TRUE;
        }
      else if (b == '\0')
        s->nul = TRUE;
      if (b == '\n')
        {
          if (s->previous != '\r')
            s->wire_bytes++;
          /* RFC 5322 §2.1: the header section ends at the first empty line. */
          if (s->line_empty)
            s->in_headers = FALSE;
          s->line_empty = TRUE;
          s->line_length = 0;
        }
      else
        {
          /* A CR counts once something follows it on the line (not before its LF). */
          s->line_length++;
          if (b != '\r')
            {
              s->line_empty = FALSE;
              s->longest = MAX (s->longest, s->line_length);
            }
        }
      s->previous = (char) b;
    }
  s->bytes += size;
  s->wire_bytes += size;
}

/* The size once sent: a last line without its line end gets one (GMime's unix2dos). */
static guint64
scanner_wire_size (const Scanner *s)
{
  return s->wire_bytes + (s->bytes > 0 && s->previous != '\n' ? 2 : 0);
}

void
op_smtp_message_scan (const guint8 *data,
                      gsize         size,
                      gboolean     *needs_8bit,
                      gboolean     *needs_utf8)
{
  Scanner s;

  g_return_if_fail (data != NULL || size == 0);

  scanner_init (&s);
  scanner_feed (&s, data, size);
  if (needs_8bit != NULL)
    *needs_8bit = s.eight_bit;
  if (needs_utf8 != NULL)
    *needs_utf8 = s.utf8_headers;
}

/* --- settings snapshot --------------------------------------------------------------- */

typedef struct
{
  OpTlsVerifier   *verifier;
  guint            timeout;
  char            *hello_name;
  gboolean         allow_plaintext;
  OpSaslMechanism  allowed_mechanisms;
} Settings;

static void
settings_clear (Settings *s)
{
  g_clear_object (&s->verifier);
  g_clear_pointer (&s->hello_name, g_free);
}

static void
settings_get (OpSmtpClient *self,
              Settings     *s)
{
  g_mutex_lock (&self->lock);
  s->verifier = self->verifier != NULL ? g_object_ref (self->verifier) : NULL;
  s->timeout = self->timeout;
  s->hello_name = g_strdup (self->hello_name);
  s->allow_plaintext = self->allow_plaintext;
  s->allowed_mechanisms = self->allowed_mechanisms;
  g_mutex_unlock (&self->lock);
}

/* --- main-context notifications ------------------------------------------------------ */

typedef struct
{
  OpSmtpClient       *self;
  OpSmtpState         state;
  gboolean            update_session;
  OpSmtpCapabilities *caps;
  GTlsCertificate    *peer_certificate;
  gboolean            is_tls;
  OpSaslMechanism     auth_mechanism;
} StateUpdate;

static void
state_update_free (StateUpdate *u)
{
  g_object_unref (u->self);
  g_clear_pointer (&u->caps, op_smtp_capabilities_free);
  g_clear_object (&u->peer_certificate);
  g_free (u);
}

static gboolean
apply_state_update (gpointer data)
{
  StateUpdate *u = data;
  OpSmtpClient *self = u->self;

  if (u->update_session)
    {
      g_clear_pointer (&self->capabilities, op_smtp_capabilities_free);
      self->capabilities = g_steal_pointer (&u->caps);
      g_set_object (&self->peer_certificate, u->peer_certificate);
      self->is_tls = u->is_tls;
      self->auth_mechanism = u->auth_mechanism;
    }
  if (self->state != u->state)
    {
      self->state = u->state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  return G_SOURCE_REMOVE;
}

/* Called on the worker: every state change goes through here (STYLE.md). */
static void
set_state (OpSmtpClient *self,
           OpSmtpState   state)
{
  StateUpdate *u = g_new0 (StateUpdate, 1);
  GSource *source;

  u->self = g_object_ref (self);
  u->state = state;
  if (state == OP_SMTP_STATE_READY || state == OP_SMTP_STATE_DISCONNECTED)
    {
      u->update_session = TRUE;
      if (self->conn != NULL && state == OP_SMTP_STATE_READY)
        {
          u->caps = self->w_caps != NULL ? op_smtp_capabilities_copy (self->w_caps) : NULL;
          u->peer_certificate = op_connection_get_peer_certificate (self->conn);
          if (u->peer_certificate != NULL)
            g_object_ref (u->peer_certificate);
          u->is_tls = op_connection_is_tls (self->conn);
          u->auth_mechanism = self->w_auth_mechanism;
        }
    }
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, apply_state_update, u, (GDestroyNotify) state_update_free);
  g_source_set_static_name (source, "[outpost] smtp state");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* --- object -------------------------------------------------------------------------- */

static void
op_smtp_client_dispose (GObject *object)
{
  OpSmtpClient *self = OP_SMTP_CLIENT (object);

  if (self->worker != NULL)
    op_worker_shutdown (self->worker);
  g_clear_object (&self->worker);

  G_OBJECT_CLASS (op_smtp_client_parent_class)->dispose (object);
}

static void
op_smtp_client_finalize (GObject *object)
{
  OpSmtpClient *self = OP_SMTP_CLIENT (object);

  if (self->conn != NULL)
    op_connection_close (self->conn, NULL, NULL);
  g_clear_object (&self->conn);
  g_clear_pointer (&self->w_caps, op_smtp_capabilities_free);
  g_clear_pointer (&self->capabilities, op_smtp_capabilities_free);
  g_clear_object (&self->verifier);
  g_clear_object (&self->log);
  g_clear_object (&self->peer_certificate);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->host);
  g_free (self->hello_name);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (op_smtp_client_parent_class)->finalize (object);
}

static void
op_smtp_client_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  OpSmtpClient *self = OP_SMTP_CLIENT (object);

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
op_smtp_client_class_init (OpSmtpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_smtp_client_dispose;
  object_class->finalize = op_smtp_client_finalize;
  object_class->get_property = op_smtp_client_get_property;

  /**
   * OpSmtpClient:state:
   *
   * Where the session is, for a connection indicator; notified on the main context.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       op_smtp_state_get_type (), OP_SMTP_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The DATA filters are GMime's (issue 5: "with GMime's SMTP data filter"); GMime
   * counts its initialisations, so this is safe beside the MIME layer's own. */
  g_mime_init ();
}

static void
op_smtp_client_init (OpSmtpClient *self)
{
  g_mutex_init (&self->lock);
  self->timeout = DEFAULT_TIMEOUT_SECONDS;
  self->allowed_mechanisms = OP_SASL_MECHANISM_ALL;
  self->log = op_protocol_log_new ();
  self->context = g_main_context_ref_thread_default ();
}

/**
 * op_smtp_client_new:
 * @host: a host name or address
 * @port: the port, or 0 for the default (587 submission, or 465 for implicit TLS)
 * @security: how the session is protected
 *
 * Returns: (transfer full): a client, not connected yet
 */
OpSmtpClient *
op_smtp_client_new (const char     *host,
                    guint16         port,
                    OpSmtpSecurity  security)
{
  OpSmtpClient *self;
  g_autofree char *name = NULL;

  g_return_val_if_fail (host != NULL && *host != '\0', NULL);

  self = g_object_new (OP_TYPE_SMTP_CLIENT, NULL);
  self->host = g_strdup (host);
  /* RFC 6409 §3.1 (587), RFC 8314 §7.3 (465). */
  self->port = port != 0 ? port : (security == OP_SMTP_SECURITY_IMPLICIT_TLS ? 465 : 587);
  self->security = security;
  name = g_strdup_printf ("smtp %s", host);
  self->worker = op_worker_new (name);
  return self;
}

void
op_smtp_client_set_verifier (OpSmtpClient  *self,
                             OpTlsVerifier *verifier)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));
  g_return_if_fail (verifier == NULL || OP_IS_TLS_VERIFIER (verifier));

  g_mutex_lock (&self->lock);
  g_set_object (&self->verifier, verifier);
  g_mutex_unlock (&self->lock);
}

void
op_smtp_client_set_timeout (OpSmtpClient *self,
                            guint         seconds)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));

  g_mutex_lock (&self->lock);
  self->timeout = seconds;
  g_mutex_unlock (&self->lock);
}

void
op_smtp_client_set_hello_name (OpSmtpClient *self,
                               const char   *name)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));

  g_mutex_lock (&self->lock);
  g_free (self->hello_name);
  self->hello_name = name != NULL && *name != '\0' ? g_strdup (name) : NULL;
  g_mutex_unlock (&self->lock);
}

void
op_smtp_client_set_allow_plaintext_password (OpSmtpClient *self,
                                             gboolean      allow)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));

  g_mutex_lock (&self->lock);
  self->allow_plaintext = allow;
  g_mutex_unlock (&self->lock);
}

void
op_smtp_client_set_allowed_mechanisms (OpSmtpClient    *self,
                                       OpSaslMechanism  mechanisms)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));

  g_mutex_lock (&self->lock);
  self->allowed_mechanisms = mechanisms;
  g_mutex_unlock (&self->lock);
}

const char *
op_smtp_client_get_host (OpSmtpClient *self)
{
  g_return_val_if_fail (OP_IS_SMTP_CLIENT (self), NULL);
  return self->host;
}

guint16
op_smtp_client_get_port (OpSmtpClient *self)
{
  g_return_val_if_fail (OP_IS_SMTP_CLIENT (self), 0);
  return self->port;
}

OpSmtpSecurity
op_smtp_client_get_security (OpSmtpClient *self)
{
  g_return_val_if_fail (OP_IS_SMTP_CLIENT (self), OP_SMTP_SECURITY_STARTTLS);
  return self->security;
}

OpSmtpState
op_smtp_client_get_state (OpSmtpClient *self)
{
  g_return_val_if_fail (OP_IS_SMTP_CLIENT (self), OP_SMTP_STATE_DISCONNECTED);
  return self->state;
}

/**
 * op_smtp_client_get_log:
 *
 * Returns: (transfer none): the session's protocol log (commands, replies, TLS details;
 *   SASL blobs as "****")
 */
OpProtocolLog *
op_smtp_client_get_log (OpSmtpClient *self)
{
  g_return_val_if_fail (OP_IS_SMTP_CLIENT (self), NULL);
  return self->log;
}

gboolean
op_smtp_client_is_tls (OpSmtpClient *self)
{
  g_return_val_if_fail (OP_IS_SMTP_CLIENT (self), FALSE);
  return self->is_tls;
}

/**
 * op_smtp_client_get_peer_certificate:
 *
 * Returns: (transfer none) (nullable): the server's certificate once TLS is up
 */
GTlsCertificate *
op_smtp_client_get_peer_certificate (OpSmtpClient *self)
{
  g_return_val_if_fail (OP_IS_SMTP_CLIENT (self), NULL);
  return self->peer_certificate;
}

const OpSmtpCapabilities *
op_smtp_client_get_capabilities (OpSmtpClient *self)
{
  g_return_val_if_fail (OP_IS_SMTP_CLIENT (self), NULL);
  return self->capabilities;
}

gboolean
op_smtp_client_has_extension (OpSmtpClient *self,
                              const char   *keyword)
{
  g_return_val_if_fail (OP_IS_SMTP_CLIENT (self), FALSE);
  g_return_val_if_fail (keyword != NULL, FALSE);

  return self->capabilities != NULL && op_smtp_capabilities_has (self->capabilities, keyword);
}

OpSaslMechanism
op_smtp_client_get_auth_mechanism (OpSmtpClient *self)
{
  g_return_val_if_fail (OP_IS_SMTP_CLIENT (self), OP_SASL_MECHANISM_NONE);
  return self->auth_mechanism;
}

/* --- the connection (worker) --------------------------------------------------------- */

static gboolean
is_connected (OpSmtpClient *self)
{
  return self->conn != NULL && !op_connection_is_closed (self->conn);
}

static void
drop_connection (OpSmtpClient *self)
{
  if (self->conn != NULL)
    {
      op_connection_close (self->conn, NULL, NULL);
      g_clear_object (&self->conn);
    }
  g_clear_pointer (&self->w_caps, op_smtp_capabilities_free);
  self->w_auth_mechanism = OP_SASL_MECHANISM_NONE;
  set_state (self, OP_SMTP_STATE_DISCONNECTED);
}

/* A failure of the connection: the session's state is unknown, so it ends here and the
 * error says so (cancellation stays silent, as everywhere). */
static void
connection_failed (OpSmtpClient  *self,
                   GError        *cause,
                   GError       **error)
{
  drop_connection (self);
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      cause->domain == OP_SMTP_ERROR)
    {
      g_propagate_error (error, cause);
      return;
    }
  g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_CONNECTION_LOST,
               _("The connection to the server was lost: %s"), cause->message);
  g_error_free (cause);
}

static gboolean
require_connection (OpSmtpClient  *self,
                    GError       **error)
{
  if (is_connected (self))
    return TRUE;
  g_set_error_literal (error, OP_SMTP_ERROR, OP_SMTP_ERROR_NOT_CONNECTED,
                       _("Not connected to the server."));
  return FALSE;
}

/* The socket under the TLS layer, to change its timeout. */
static GSocket *
connection_socket (OpSmtpClient *self)
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
  return G_IS_SOCKET_CONNECTION (stream)
         ? g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)) : NULL;
}

static guint
set_socket_timeout (OpSmtpClient *self,
                    guint         seconds)
{
  GSocket *socket = self->conn != NULL ? connection_socket (self) : NULL;
  guint previous;

  if (socket == NULL)
    return 0;
  previous = g_socket_get_timeout (socket);
  g_socket_set_timeout (socket, seconds);
  return previous;
}

/* The next reply, whatever its code. A 421 (RFC 5321 §3.8: the server is closing the
 * channel) ends the session and is returned as an error. */
static OpSmtpReply *
read_reply (OpSmtpClient   *self,
            GCancellable   *cancellable,
            GError        **error)
{
  g_autoptr(OpSmtpReplyParser) parser = op_smtp_reply_parser_new ();

  if (!require_connection (self, error))
    return NULL;
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *line = NULL;
      gsize length = 0;
      OpSmtpReply *reply;

      line = op_connection_read_line (self->conn, OP_SMTP_REPLY_MAX_LINE, &length,
                                      cancellable, &local_error);
      if (line == NULL)
        {
          if (g_error_matches (local_error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED))
            {
              g_clear_error (&local_error);
              g_set_error_literal (&local_error, OP_SMTP_ERROR, OP_SMTP_ERROR_CONNECTION_LOST,
                                   _("The server closed the connection."));
            }
          connection_failed (self, g_steal_pointer (&local_error), error);
          return NULL;
        }
      reply = op_smtp_reply_parser_push_line (parser, line, length, &local_error);
      if (local_error != NULL)
        {
          /* Out of step with the server: nothing later can be trusted. */
          connection_failed (self, g_steal_pointer (&local_error), error);
          return NULL;
        }
      if (reply == NULL)
        continue;
      if (reply->code == 421)
        {
          g_autoptr(OpSmtpReply) closing = reply;
          g_autofree char *described = op_smtp_reply_describe (closing);
          GError *cause = g_error_new (OP_SMTP_ERROR, OP_SMTP_ERROR_TRANSIENT,
                                       _("The server closed the session: “%s”"), described);

          connection_failed (self, cause, error);
          return NULL;
        }
      return reply;
    }
}

static gboolean
send_line (OpSmtpClient  *self,
           const char    *verb,
           const char    *argument,
           OpSendFlags    flags,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!require_connection (self, error))
    return FALSE;
  if (op_connection_send_command (self->conn, verb, argument, flags, cancellable,
                                  &local_error))
    return TRUE;
  if (g_error_matches (local_error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_BAD_ARGUMENT))
    {
      g_set_error_literal (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                           _("The command cannot be sent: it contains a line break or a "
                             "NUL character."));
      return FALSE;
    }
  connection_failed (self, g_steal_pointer (&local_error), error);
  return FALSE;
}

static OpSmtpReply *
command (OpSmtpClient  *self,
         const char    *verb,
         const char    *argument,
         OpSendFlags    flags,
         GCancellable  *cancellable,
         GError       **error)
{
  if (!send_line (self, verb, argument, flags, cancellable, error))
    return NULL;
  return read_reply (self, cancellable, error);
}

/* A reply of class @expected_class, else the mapped error. */
static OpSmtpReply *
expect_reply (OpSmtpReply        *reply,
              guint               expected_class,
              const char         *verb,
              OpSmtpCommandKind   kind,
              GError            **error)
{
  if (reply == NULL)
    return NULL;
  if (OP_SMTP_REPLY_CLASS (reply) == expected_class)
    return reply;
  g_propagate_error (error, op_smtp_error_from_reply (reply, verb, kind));
  op_smtp_reply_free (reply);
  return NULL;
}

static OpSmtpReply *
command_expect (OpSmtpClient       *self,
                const char         *verb,
                const char         *argument,
                guint               expected_class,
                OpSmtpCommandKind   kind,
                GCancellable       *cancellable,
                GError            **error)
{
  return expect_reply (command (self, verb, argument, OP_SEND_PLAIN, cancellable, error),
                       expected_class, verb, kind, error);
}

/* --- connect, EHLO, STARTTLS (worker) ------------------------------------------------ */

/* RFC 5321 §4.1.4: the client's FQDN, or an address literal when it has none. The local
 * address is what the server sees anyway; a host name would tell it more. */
static char *
default_hello_name (OpSmtpClient *self)
{
  GSocket *socket = connection_socket (self);
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *address = NULL;
  GInetAddress *inet;

  if (socket == NULL)
    return g_strdup ("localhost");
  local = g_socket_get_local_address (socket, NULL);
  if (local == NULL || !G_IS_INET_SOCKET_ADDRESS (local))
    return g_strdup ("localhost");
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
  address = g_inet_address_to_string (inet);
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[IPv6:%s]", address);
  return g_strdup_printf ("[%s]", address);
}

/* EHLO, or HELO when the server does not know EHLO (RFC 5321 §4.1.1.1, §3.2). */
static gboolean
hello (OpSmtpClient    *self,
       const Settings  *s,
       gboolean         helo_only,
       GCancellable    *cancellable,
       GError         **error)
{
  g_autofree char *name = s->hello_name != NULL ? g_strdup (s->hello_name)
                                                : default_hello_name (self);
  g_autoptr(OpSmtpReply) reply = NULL;

  /* Until a hello succeeds the session knows of no extension (never NULL while
   * connected: the other calls read it). */
  g_clear_pointer (&self->w_caps, op_smtp_capabilities_free);
  self->w_caps = op_smtp_capabilities_new_empty ();
  if (!helo_only)
    {
      reply = command (self, "EHLO", name, OP_SEND_PLAIN, cancellable, error);
      if (reply == NULL)
        return FALSE;
      if (reply->code == 250)
        {
          g_clear_pointer (&self->w_caps, op_smtp_capabilities_free);
          self->w_caps = op_smtp_capabilities_parse (reply);
          return TRUE;
        }
      /* 500/502 "command not recognized" (old servers), 554 or others: try HELO. A 4xx
       * is the server's trouble, not ours. */
      if (OP_SMTP_REPLY_CLASS (reply) != 5)
        {
          g_propagate_error (error, op_smtp_error_from_reply (reply, "EHLO",
                                                              OP_SMTP_COMMAND_HELLO));
          return FALSE;
        }
      op_protocol_log_append (self->log, OP_LOG_INFO,
                              _("The server does not support EHLO; trying HELO."));
      g_clear_pointer (&reply, op_smtp_reply_free);
    }
  reply = command_expect (self, "HELO", name, 2, OP_SMTP_COMMAND_HELLO, cancellable, error);
  return reply != NULL;
}

/* RFC 3207 §4: STARTTLS, the handshake, then EHLO again: everything learnt before TLS
 * (an attacker could have written it) is forgotten, authentication included. */
static gboolean
start_tls (OpSmtpClient    *self,
           const Settings  *s,
           GCancellable    *cancellable,
           GError         **error)
{
  g_autoptr(OpSmtpReply) reply = NULL;
  g_autoptr(GError) local_error = NULL;

  if (self->w_caps == NULL || !self->w_caps->starttls)
    {
      g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_TLS_REFUSED,
                   _("The server %s does not offer STARTTLS, so the connection cannot be "
                     "encrypted and nothing was sent. Choose an unencrypted connection for "
                     "this account only if you trust the network."), self->host);
      drop_connection (self);
      return FALSE;
    }
  reply = command (self, "STARTTLS", NULL, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (reply->code != 220)
    {
      g_propagate_error (error, op_smtp_error_from_reply (reply, "STARTTLS",
                                                          OP_SMTP_COMMAND_STARTTLS));
      drop_connection (self);
      return FALSE;
    }
  /* Fails with OP_CONNECTION_ERROR_STARTTLS_INJECTION when the server (or someone in
   * between) sent anything after the go-ahead. */
  if (!op_connection_start_tls (self->conn, cancellable, &local_error))
    {
      drop_connection (self);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_clear_pointer (&self->w_caps, op_smtp_capabilities_free);
  self->w_auth_mechanism = OP_SASL_MECHANISM_NONE;
  if (!hello (self, s, FALSE, cancellable, error))
    {
      drop_connection (self);
      return FALSE;
    }
  return TRUE;
}

static gboolean
do_connect (OpSmtpClient    *self,
            const Settings  *s,
            GCancellable    *cancellable,
            GError         **error)
{
  g_autoptr(OpSmtpReply) greeting = NULL;
  g_autoptr(GError) local_error = NULL;

  if (self->conn != NULL)
    drop_connection (self);
  /* OpConnection logs the connecting itself. */
  set_state (self, OP_SMTP_STATE_CONNECTING);

  self->conn = op_connection_connect (self->host, self->port,
                                      self->security == OP_SMTP_SECURITY_IMPLICIT_TLS,
                                      s->timeout, s->verifier, self->log, cancellable,
                                      &local_error);
  if (self->conn == NULL)
    {
      drop_connection (self);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* RFC 5321 §3.1: 220 greets; 554 means "no service here" (the text says why). */
  greeting = read_reply (self, cancellable, error);
  if (greeting == NULL)
    return FALSE;
  if (greeting->code != 220)
    {
      g_autofree char *described = op_smtp_reply_describe (greeting);

      if (OP_SMTP_REPLY_CLASS (greeting) >= 4)
        g_propagate_error (error, op_smtp_error_from_reply (greeting, "connect",
                                                            OP_SMTP_COMMAND_GREETING));
      else
        g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_BAD_REPLY,
                     _("The server did not greet as an SMTP server: “%s”."), described);
      drop_connection (self);
      return FALSE;
    }

  if (!hello (self, s, FALSE, cancellable, error))
    {
      drop_connection (self);
      return FALSE;
    }
  if (self->security == OP_SMTP_SECURITY_STARTTLS &&
      !start_tls (self, s, cancellable, error))
    return FALSE;
  return TRUE;
}

/* --- AUTH (worker) ------------------------------------------------------------------- */

/* SASL's refusals in this domain: the caller handles one error domain for SMTP. */
static void
propagate_sasl_error (GError  *sasl,
                      GError **error)
{
  int code;

  switch (sasl->code)
    {
    case OP_SASL_ERROR_PLAINTEXT_REFUSED:
      code = OP_SMTP_ERROR_PLAINTEXT_REFUSED;
      break;
    case OP_SASL_ERROR_NO_MECHANISM:
      code = OP_SMTP_ERROR_AUTH_UNAVAILABLE;
      break;
    case OP_SASL_ERROR_INVALID_CREDENTIALS:
      code = OP_SMTP_ERROR_INVALID_ARGUMENT;
      break;
    case OP_SASL_ERROR_BAD_CHALLENGE:
    default:
      code = OP_SMTP_ERROR_BAD_REPLY;
      break;
    }
  g_set_error_literal (error, OP_SMTP_ERROR, code, sasl->message);
  g_error_free (sasl);
}

/* The challenge after "334 ": the first line's text, without trailing blanks. */
static char *
challenge_of (const OpSmtpReply *reply)
{
  return g_strchomp (g_strdup (reply->lines[0] != NULL ? reply->lines[0] : ""));
}

static gboolean
send_sasl_line (OpSmtpClient  *self,
                const char    *response,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  if (*response != '\0')
    return send_line (self, response, NULL, OP_SEND_SECRET_LINE, cancellable, error);
  /* An empty response is an empty line (RFC 4954 §4). */
  if (!require_connection (self, error))
    return FALSE;
  if (op_connection_write_all (self->conn, "\r\n", 2, cancellable, &local_error))
    return TRUE;
  connection_failed (self, g_steal_pointer (&local_error), error);
  return FALSE;
}

static gboolean
do_login (OpSmtpClient    *self,
          const Settings  *s,
          const char      *user,
          const char      *password,
          const char      *token,
          GCancellable    *cancellable,
          GError         **error)
{
  g_autoptr(OpSaslSession) session = NULL;
  g_autoptr(OpSmtpReply) reply = NULL;
  GError *sasl_error = NULL;
  OpSaslMechanism offered;
  OpSaslMechanism mechanism;
  const char *name;
  char *initial;
  g_autofree char *argument = NULL;

  if (!require_connection (self, error))
    return FALSE;
  if (self->w_caps == NULL || self->w_caps->auth[0] == NULL)
    {
      if (op_connection_is_tls (self->conn))
        g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_AUTH_UNAVAILABLE,
                     _("The server %s does not offer a login (AUTH)."), self->host);
      else
        g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_AUTH_UNAVAILABLE,
                     _("The server %s does not offer a login (AUTH) on an unencrypted "
                       "connection."), self->host);
      return FALSE;
    }
  if (self->w_auth_mechanism != OP_SASL_MECHANISM_NONE)
    {
      /* RFC 4954 §4: "After a successful AUTH command completes, a server MUST reject
       * any further AUTH commands". */
      g_set_error_literal (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                           _("This session is already logged in."));
      return FALSE;
    }

  offered = op_sasl_mechanisms_from_strv ((const char * const *) self->w_caps->auth);
  mechanism = op_sasl_choose_mechanism (offered, s->allowed_mechanisms, token != NULL,
                                        op_connection_is_tls (self->conn),
                                        s->allow_plaintext, &sasl_error);
  if (mechanism == OP_SASL_MECHANISM_NONE)
    {
      propagate_sasl_error (sasl_error, error);
      return FALSE;
    }
  name = op_sasl_mechanism_to_string (mechanism);
  session = op_sasl_session_new (mechanism, user, token != NULL ? token : password);

  initial = op_sasl_session_initial_response (session, &sasl_error);
  if (sasl_error != NULL)
    {
      propagate_sasl_error (sasl_error, error);
      return FALSE;
    }
  /* RFC 4954 §4: "AUTH mechanism [initial-response]"; the protocol log masks what follows
   * the mechanism (op_protocol_log_redact_line()). */
  argument = initial != NULL ? g_strconcat (name, " ", initial, NULL) : g_strdup (name);
  op_sasl_secret_free (initial);
  if (!send_line (self, "AUTH", argument, OP_SEND_PLAIN, cancellable, error))
    {
      op_sasl_secret_free (g_steal_pointer (&argument));
      return FALSE;
    }
  op_sasl_secret_free (g_steal_pointer (&argument));

  for (guint step = 0;; step++)
    {
      g_autofree char *challenge = NULL;
      char *response;

      reply = read_reply (self, cancellable, error);
      if (reply == NULL)
        return FALSE;
      if (reply->code != 334)
        break;
      challenge = challenge_of (reply);
      g_clear_pointer (&reply, op_smtp_reply_free);
      response = step < MAX_SASL_STEPS
                 ? op_sasl_session_respond (session, challenge, &sasl_error)
                 : NULL;
      if (response == NULL)
        {
          /* RFC 4954 §4: "*" cancels the exchange; the server answers 501. */
          if (send_line (self, "*", NULL, OP_SEND_PLAIN, cancellable, NULL))
            {
              g_autoptr(OpSmtpReply) cancelled = read_reply (self, cancellable, NULL);
            }
          if (sasl_error == NULL)
            sasl_error = g_error_new (OP_SASL_ERROR, OP_SASL_ERROR_BAD_CHALLENGE,
                                      _("The server did not end the %s authentication."),
                                      name);
          propagate_sasl_error (sasl_error, error);
          return FALSE;
        }
      if (!send_sasl_line (self, response, cancellable, error))
        {
          op_sasl_secret_free (response);
          return FALSE;
        }
      op_sasl_secret_free (response);
    }

  if (OP_SMTP_REPLY_CLASS (reply) != 2)
    {
      g_propagate_error (error, op_smtp_error_from_reply (reply, "AUTH",
                                                          OP_SMTP_COMMAND_AUTH));
      return FALSE;
    }
  self->w_auth_mechanism = mechanism;
  op_protocol_log_append_printf (self->log, OP_LOG_INFO, _("Logged in with %s."), name);
  return TRUE;
}

/* --- sending (worker) ---------------------------------------------------------------- */

typedef struct
{
  char             *from;
  char            **recipients;
  GInputStream     *message;
  gssize            size;
  OpSmtpSendOptions options;
  char             *envid;
} SendJob;

static void
send_job_free (SendJob *job)
{
  g_free (job->from);
  g_strfreev (job->recipients);
  g_clear_object (&job->message);
  g_free (job->envid);
  g_free (job);
}

/* RFC 5321 §4.1.2 paths, without the angle brackets the client adds. */
static gboolean
check_address (const char  *address,
               gboolean     allow_empty,
               gboolean    *non_ascii,
               GError     **error)
{
  if (!op_connection_check_text (address, -1, NULL) || !g_utf8_validate (address, -1, NULL) ||
      strpbrk (address, "<> ") != NULL || (*address == '\0' && !allow_empty))
    {
      g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an address that can be sent to the server."), address);
      return FALSE;
    }
  for (const char *p = address; *p != '\0'; p++)
    if ((guchar) *p >= 0x80)
      *non_ascii = TRUE;
  return TRUE;
}

/* RFC 3461 §4: xtext. */
static char *
xtext (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (*p >= 33 && *p <= 126 && *p != '+' && *p != '=')
        g_string_append_c (out, (char) *p);
      else
        g_string_append_printf (out, "+%02X", *p);
    }
  return g_string_free (out, FALSE);
}

static char *
notify_parameter (OpSmtpDsnNotify notify)
{
  GString *s;

  if (notify == OP_SMTP_DSN_NOTIFY_DEFAULT)
    return NULL;
  if (notify & OP_SMTP_DSN_NOTIFY_NEVER)
    return g_strdup ("NOTIFY=NEVER");
  s = g_string_new ("NOTIFY=");
  if (notify & OP_SMTP_DSN_NOTIFY_SUCCESS)
    g_string_append (s, "SUCCESS,");
  if (notify & OP_SMTP_DSN_NOTIFY_FAILURE)
    g_string_append (s, "FAILURE,");
  if (notify & OP_SMTP_DSN_NOTIFY_DELAY)
    g_string_append (s, "DELAY,");
  g_string_truncate (s, s->len - 1);
  return g_string_free (s, FALSE);
}

/* What the message needs and how large it is, read through once when the stream can be
 * rewound; otherwise @scanner stays empty and @size is the caller's. */
static gboolean
prescan (GInputStream  *message,
         Scanner       *scanner,
         gboolean      *scanned,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autofree guint8 *buffer = NULL;
  goffset start;

  scanner_init (scanner);
  *scanned = FALSE;
  if (!G_IS_SEEKABLE (message) || !g_seekable_can_seek (G_SEEKABLE (message)))
    return TRUE;
  start = g_seekable_tell (G_SEEKABLE (message));
  buffer = g_malloc (MESSAGE_CHUNK_SIZE);
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_input_stream_read (message, buffer, MESSAGE_CHUNK_SIZE, cancellable,
                                      &local_error);

      if (n < 0)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_LOCAL,
                         _("The message could not be read: %s"), local_error->message);
          return FALSE;
        }
      if (n == 0)
        break;
      scanner_feed (scanner, buffer, (gsize) n);
    }
  if (!g_seekable_seek (G_SEEKABLE (message), start, G_SEEK_SET, cancellable, error))
    return FALSE;
  *scanned = TRUE;
  return TRUE;
}

/* Ends a session whose DATA cannot be completed: without the final "." the server
 * discards what it received (RFC 5321 §4.1.1.4), so the message is not delivered. */
static void
abort_data (OpSmtpClient *self)
{
  op_protocol_log_append (self->log, OP_LOG_INFO,
                          _("Closing the connection before the end of the message, so "
                            "the server does not deliver it."));
  drop_connection (self);
}

static void
record_recipient (OpSmtpSendResult  *result,
                  const char        *address,
                  OpSmtpReply       *reply)
{
  OpSmtpRecipient *r = g_new0 (OpSmtpRecipient, 1);

  r->address = g_strdup (address);
  r->code = reply->code;
  r->enhanced_code = g_strdup (reply->enhanced_code);
  r->text = g_strdup (reply->text);
  r->accepted = OP_SMTP_REPLY_CLASS (reply) == 2;
  if (r->accepted)
    result->n_accepted++;
  else
    {
      r->error = op_smtp_error_from_reply (reply, "RCPT", OP_SMTP_COMMAND_RCPT);
      result->n_refused++;
    }
  g_ptr_array_add (result->recipients, r);
}

/* After a refused transaction: RSET, so the session can send the next message. */
static void
reset_transaction (OpSmtpClient *self,
                   GCancellable *cancellable)
{
  g_autoptr(OpSmtpReply) reply = NULL;

  if (is_connected (self))
    reply = command (self, "RSET", NULL, OP_SEND_PLAIN, cancellable, NULL);
}

/* RFC 2920 §3.1: a client that writes without reading can fill the server's input while
 * the server blocks writing replies we do not read, and both wait for ever. With
 * PIPELINING, at most this many RCPTs go out before their replies are read: 100 lines
 * of at most 512 octets, and their replies, fit in any socket buffer. */
#define PIPELINE_BATCH 100

/* MAIL and every RCPT: pipelined (RFC 2920 §3.1: MAIL and RCPT may be sent in one go)
 * when offered, in batches of PIPELINE_BATCH, else one by one. Fills @result; FALSE on a
 * refused MAIL or a failure. */
static gboolean
envelope (OpSmtpClient      *self,
          const char        *mail_argument,
          char             **rcpt_arguments,
          char             **recipients,
          OpSmtpSendResult  *result,
          GCancellable      *cancellable,
          GError           **error)
{
  gboolean pipelining = self->w_caps->pipelining;
  g_autoptr(OpSmtpReply) mail = NULL;
  guint n = g_strv_length (recipients);

  if (pipelining)
    {
      if (!send_line (self, "MAIL", mail_argument, OP_SEND_PLAIN, cancellable, error))
        return FALSE;
      for (guint start = 0;; start += PIPELINE_BATCH)
        {
          guint end = MIN (n, start + PIPELINE_BATCH);

          for (guint i = start; i < end; i++)
            if (!send_line (self, "RCPT", rcpt_arguments[i], OP_SEND_PLAIN, cancellable,
                            error))
              return FALSE;
          if (mail == NULL)
            {
              mail = read_reply (self, cancellable, error);
              if (mail == NULL)
                return FALSE;
            }
          /* Every reply is read, even after a refused MAIL, to stay in step. */
          for (guint i = start; i < end; i++)
            {
              g_autoptr(OpSmtpReply) reply = read_reply (self, cancellable, error);

              if (reply == NULL)
                return FALSE;
              if (OP_SMTP_REPLY_CLASS (mail) == 2)
                record_recipient (result, recipients[i], reply);
            }
          /* A refused MAIL refuses every RCPT: no need to send the rest. */
          if (end == n || OP_SMTP_REPLY_CLASS (mail) != 2)
            break;
        }
      if (OP_SMTP_REPLY_CLASS (mail) != 2)
        {
          g_propagate_error (error, op_smtp_error_from_reply (mail, "MAIL",
                                                              OP_SMTP_COMMAND_MAIL));
          reset_transaction (self, cancellable);
          return FALSE;
        }
      return TRUE;
    }

  mail = command_expect (self, "MAIL", mail_argument, 2, OP_SMTP_COMMAND_MAIL, cancellable,
                         error);
  if (mail == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OpSmtpReply) reply = command (self, "RCPT", rcpt_arguments[i], OP_SEND_PLAIN,
                                              cancellable, error);

      if (reply == NULL)
        return FALSE;
      record_recipient (result, recipients[i], reply);
    }
  return TRUE;
}

static GError *
all_refused_error (OpSmtpSendResult *result)
{
  GString *list = g_string_new (NULL);
  GError *error;

  for (guint i = 0; i < result->recipients->len; i++)
    {
      OpSmtpRecipient *r = g_ptr_array_index (result->recipients, i);

      g_string_append_printf (list, "\n%s: %u%s%s %s", r->address, r->code,
                              r->enhanced_code != NULL ? " " : "",
                              r->enhanced_code != NULL ? r->enhanced_code : "", r->text);
    }
  error = g_error_new (OP_SMTP_ERROR, OP_SMTP_ERROR_ALL_RECIPIENTS_REFUSED,
                       /* Translators: followed by one line per recipient with the
                        * server's reason */
                       _("The server refused every recipient, so the message was not "
                         "sent:%s"), list->str);
  g_string_free (list, TRUE);
  return error;
}

static void
set_line_too_long (GError **error)
{
  g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
               _("A line of the message is longer than SMTP allows (%d characters), so it "
                 "was not sent. Encode the message as quoted-printable or base64."),
               MAX_LINE_LENGTH);
}

/* The message through GMime's unix2dos (CRLF line ends, and one at the end) and SMTP
 * data (dot-stuffing) filters, onto the connection. Returns the bytes written. */
static gboolean
stream_message (OpSmtpClient   *self,
                GInputStream   *message,
                gboolean        declared_8bit,
                guint64         size_limit,
                guint64        *bytes_written,
                GCancellable   *cancellable,
                GError        **error)
{
  /* GMime 3.2 declares no autoptr for its types: hold them as GObjects. */
  g_autoptr(GObject) crlf_object = G_OBJECT (g_mime_filter_unix2dos_new (TRUE));
  g_autoptr(GObject) dots_object = G_OBJECT (g_mime_filter_smtp_data_new ());
  GMimeFilter *crlf = GMIME_FILTER (crlf_object);
  GMimeFilter *dots = GMIME_FILTER (dots_object);
  g_autofree char *buffer = g_malloc (MESSAGE_CHUNK_SIZE);
  Scanner scanner;
  gboolean done = FALSE;

  scanner_init (&scanner);
  *bytes_written = 0;
  while (!done)
    {
      g_autoptr(GError) local_error = NULL;
      char *out1 = NULL, *out2 = NULL;
      size_t len1 = 0, len2 = 0, pre1 = 0, pre2 = 0;
      gssize n = g_input_stream_read (message, buffer, MESSAGE_CHUNK_SIZE, cancellable,
                                      &local_error);

      if (n < 0)
        {
          abort_data (self);
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_LOCAL,
                         _("The message could not be read, so it was not sent: %s"),
                         local_error->message);
          return FALSE;
        }
      if (n > 0)
        {
          /* RFC 5321 §4.5.2 / RFC 6152: no NUL in DATA, 8-bit bytes only after
           * BODY=8BITMIME, lines of at most 998 octets. What the caller did not declare
           * (or the scan could not see) is caught here, before the final "." makes it a
           * delivery. */
          scanner_feed (&scanner, (const guint8 *) buffer, (gsize) n);
          if (scanner.nul)
            {
              abort_data (self);
              g_set_error_literal (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                                   _("The message contains a NUL byte, which SMTP cannot "
                                     "carry; it was not sent."));
              return FALSE;
            }
          if (scanner.eight_bit && !declared_8bit)
            {
              abort_data (self);
              g_set_error_literal (error, OP_SMTP_ERROR, OP_SMTP_ERROR_8BIT_UNSUPPORTED,
                                   _("The message contains 8-bit data that was not "
                                     "declared, so it was not sent. Encode it as "
                                     "quoted-printable or base64."));
              return FALSE;
            }
          if (scanner.longest > MAX_LINE_LENGTH)
            {
              abort_data (self);
              set_line_too_long (error);
              return FALSE;
            }
          g_mime_filter_filter (crlf, buffer, (size_t) n, 0, &out1, &len1, &pre1);
          g_mime_filter_filter (dots, out1, len1, pre1, &out2, &len2, &pre2);
        }
      else
        {
          /* The end: what the filters held back, and a last CRLF if missing. */
          g_mime_filter_complete (crlf, buffer, 0, 0, &out1, &len1, &pre1);
          g_mime_filter_complete (dots, out1, len1, pre1, &out2, &len2, &pre2);
          done = TRUE;
        }
      /* RFC 1870 §6.3: a server that announced a limit discards a larger message
       * anyway; stop sending what it will refuse (the size was unknown before). The
       * size is the one on the wire, with CRLF line ends (RFC 1870 §3), as SIZE= is
       * when known: every bare LF counts twice. Before the end, the last line's ending
       * is not yet known and not counted, so the count never runs ahead. */
      if (size_limit > 0 &&
          (done ? scanner_wire_size (&scanner) : scanner.wire_bytes) > size_limit)
        {
          g_autofree char *max = g_format_size (size_limit);

          abort_data (self);
          g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_MESSAGE_TOO_LARGE,
                       _("The message is larger than the server accepts (%s), so it was "
                         "not sent."), max);
          return FALSE;
        }
      if (len2 > 0 &&
          !op_connection_write_all (self->conn, out2, len2, cancellable, &local_error))
        {
          connection_failed (self, g_steal_pointer (&local_error), error);
          return FALSE;
        }
      *bytes_written += len2;
    }
  return TRUE;
}

static OpSmtpSendResult *
do_send (OpSmtpClient    *self,
         const Settings  *s,
         SendJob         *job,
         GCancellable    *cancellable,
         GError         **error)
{
  g_autoptr(OpSmtpSendResult) result = send_result_new ();
  g_autoptr(GString) mail_argument = NULL;
  g_autoptr(GPtrArray) rcpt_arguments = NULL;
  g_autoptr(OpSmtpReply) reply = NULL;
  g_autofree char *notify = NULL;
  g_autoptr(GError) local_error = NULL;
  const OpSmtpCapabilities *caps;
  Scanner scanner;
  gboolean scanned = FALSE;
  gboolean utf8_address = FALSE;
  gboolean needs_8bit, needs_utf8;
  gint64 size = job->size;
  guint64 limit;
  guint previous_timeout;

  if (!require_connection (self, error))
    return NULL;
  caps = self->w_caps;

  if (!check_address (job->from, TRUE, &utf8_address, error))
    return NULL;
  for (guint i = 0; job->recipients[i] != NULL; i++)
    if (!check_address (job->recipients[i], FALSE, &utf8_address, error))
      return NULL;

  if (!prescan (job->message, &scanner, &scanned, cancellable, error))
    return NULL;
  if (scanned)
    size = (gint64) scanner_wire_size (&scanner);

  needs_utf8 = utf8_address || (job->options.flags & OP_SMTP_SEND_UTF8) ||
               scanner.utf8_headers;
  /* An address alone needs SMTPUTF8, not BODY=8BITMIME; UTF-8 header fields are 8-bit
   * content (RFC 6532 §3.1). */
  needs_8bit = (job->options.flags & (OP_SMTP_SEND_8BIT | OP_SMTP_SEND_UTF8)) ||
               scanner.eight_bit;

  /* Refusals that cost nothing: before MAIL, nothing sent. */
  if (scanned && scanner.nul)
    {
      g_set_error_literal (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                           _("The message contains a NUL byte, which SMTP cannot carry; it "
                             "was not sent."));
      return NULL;
    }
  if (scanned && scanner.longest > MAX_LINE_LENGTH)
    {
      set_line_too_long (error);
      return NULL;
    }
  if (needs_utf8 && !caps->smtputf8)
    {
      g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_UTF8_UNSUPPORTED,
                   utf8_address
                   ? _("An address is not plain ASCII, and the server %s does not accept "
                       "such addresses (no SMTPUTF8). Nothing was sent.")
                   : _("The message has non-ASCII header fields, and the server %s does "
                       "not accept them (no SMTPUTF8). Nothing was sent."),
                   self->host);
      return NULL;
    }
  if (needs_8bit && !caps->eightbitmime)
    {
      g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_8BIT_UNSUPPORTED,
                   _("The message contains 8-bit data, and the server %s does not accept "
                     "it (no 8BITMIME). Nothing was sent; encode the message as "
                     "quoted-printable or base64."), self->host);
      return NULL;
    }
  limit = caps->has_size ? caps->size_limit : 0;
  if (limit > 0 && size >= 0 && (guint64) size > limit)
    {
      g_autofree char *have = g_format_size ((guint64) size);
      g_autofree char *max = g_format_size (limit);

      g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_MESSAGE_TOO_LARGE,
                   _("The message (%s) is larger than the server %s accepts (%s). Nothing "
                     "was sent."), have, self->host, max);
      return NULL;
    }

  /* MAIL FROM:<reverse-path> [SIZE=] [BODY=8BITMIME] [SMTPUTF8] [RET=] [ENVID=] */
  mail_argument = g_string_new (NULL);
  g_string_append_printf (mail_argument, "FROM:<%s>", job->from);
  if (caps->has_size && size >= 0)
    g_string_append_printf (mail_argument, " SIZE=%" G_GINT64_FORMAT, size);
  if (needs_8bit)
    g_string_append (mail_argument, " BODY=8BITMIME");
  if (needs_utf8)
    g_string_append (mail_argument, " SMTPUTF8");
  if (caps->dsn)
    {
      if (job->options.dsn_return == OP_SMTP_DSN_RETURN_FULL)
        g_string_append (mail_argument, " RET=FULL");
      else if (job->options.dsn_return == OP_SMTP_DSN_RETURN_HEADERS)
        g_string_append (mail_argument, " RET=HDRS");
      if (job->envid != NULL)
        {
          g_autofree char *encoded = xtext (job->envid);

          g_string_append_printf (mail_argument, " ENVID=%s", encoded);
        }
      notify = notify_parameter (job->options.dsn_notify);
    }
  else if (job->options.dsn_notify != OP_SMTP_DSN_NOTIFY_DEFAULT ||
           job->options.dsn_return != OP_SMTP_DSN_RETURN_DEFAULT || job->envid != NULL)
    op_protocol_log_append (self->log, OP_LOG_INFO,
                            _("The server does not offer delivery status notifications "
                              "(DSN); sending without them."));

  rcpt_arguments = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; job->recipients[i] != NULL; i++)
    g_ptr_array_add (rcpt_arguments,
                     g_strdup_printf ("TO:<%s>%s%s", job->recipients[i],
                                      notify != NULL ? " " : "", notify != NULL ? notify : ""));
  g_ptr_array_add (rcpt_arguments, NULL);

  if (!envelope (self, mail_argument->str, (char **) rcpt_arguments->pdata, job->recipients,
                 result, cancellable, error))
    return NULL;
  if (result->n_accepted == 0)
    {
      reset_transaction (self, cancellable);
      g_propagate_error (error, all_refused_error (result));
      return NULL;
    }

  reply = command (self, "DATA", NULL, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return NULL;
  if (reply->code != 354)
    {
      g_propagate_error (error, op_smtp_error_from_reply (reply, "DATA",
                                                          OP_SMTP_COMMAND_DATA));
      reset_transaction (self, cancellable);
      return NULL;
    }
  g_clear_pointer (&reply, op_smtp_reply_free);

  if (!stream_message (self, job->message, needs_8bit, limit, &result->bytes, cancellable,
                       error))
    return NULL;

  /* From here the message may be delivered: whatever goes wrong before the server's
   * answer leaves its fate unknown, and the caller must never send it again blindly
   * (DESIGN.md "Storage and no data loss"). Cancelling counts as such a failure. */
  if (!op_connection_send_command (self->conn, ".", NULL, OP_SEND_PLAIN, cancellable,
                                   &local_error))
    goto unknown;
  previous_timeout = set_socket_timeout (self, MAX (s->timeout, DATA_END_TIMEOUT_SECONDS));
  {
    g_autoptr(OpSmtpReplyParser) parser = op_smtp_reply_parser_new ();

    while (reply == NULL)
      {
        g_autofree char *line = NULL;
        gsize length = 0;

        line = op_connection_read_line (self->conn, OP_SMTP_REPLY_MAX_LINE, &length,
                                        cancellable, &local_error);
        if (line == NULL)
          goto unknown;
        reply = op_smtp_reply_parser_push_line (parser, line, length, &local_error);
        if (local_error != NULL)
          goto unknown;
      }
  }
  set_socket_timeout (self, previous_timeout);
  if (OP_SMTP_REPLY_CLASS (reply) != 2)
    {
      /* A definite refusal (421 included): not delivered. */
      g_propagate_error (error, op_smtp_error_from_reply (reply, "DATA",
                                                          OP_SMTP_COMMAND_MESSAGE));
      if (reply->code == 421)
        drop_connection (self);
      return NULL;
    }
  result->reply = g_steal_pointer (&reply);
  return g_steal_pointer (&result);

unknown:
  drop_connection (self);
  g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_OUTCOME_UNKNOWN,
               _("The connection failed after the whole message was sent and before the "
                 "server confirmed it (%s). The message may or may not have been "
                 "delivered; check before sending it again."),
               local_error != NULL ? local_error->message : _("no reply"));
  return NULL;
}

/* --- jobs ---------------------------------------------------------------------------- */

typedef enum
{
  JOB_CONNECT,
  JOB_EHLO,
  JOB_HELO,
  JOB_STARTTLS,
  JOB_LOGIN,
  JOB_SEND,
  JOB_NOOP,
  JOB_RSET,
  JOB_QUIT,
  JOB_SEND_COMMAND,
} JobKind;

typedef struct
{
  JobKind   kind;
  char     *text;       /* user name, command line */
  char     *secret;     /* password, wiped when freed */
  char     *token;      /* access token, wiped when freed */
  SendJob  *send;
} Job;

static void
job_free (Job *job)
{
  g_free (job->text);
  op_sasl_secret_free (job->secret);
  op_sasl_secret_free (job->token);
  if (job->send != NULL)
    send_job_free (job->send);
  g_free (job);
}

static void
run_job (GTask        *task,
         gpointer      source_object,
         gpointer      task_data,
         GCancellable *cancellable)
{
  OpSmtpClient *self = source_object;
  Job *job = task_data;
  Settings s = { 0 };
  g_autoptr(GError) error = NULL;
  gpointer result = NULL;
  GDestroyNotify result_free = NULL;
  gboolean ok = FALSE;

  settings_get (self, &s);

  if (job->kind == JOB_CONNECT)
    {
      ok = do_connect (self, &s, cancellable, &error);
      if (ok)
        {
          result = op_smtp_capabilities_copy (self->w_caps);
          result_free = (GDestroyNotify) op_smtp_capabilities_free;
        }
      goto done;
    }
  if (job->kind == JOB_QUIT)
    {
      if (is_connected (self))
        {
          g_autoptr(OpSmtpReply) reply = NULL;

          set_socket_timeout (self, QUIT_TIMEOUT_SECONDS);
          reply = command (self, "QUIT", NULL, OP_SEND_PLAIN, cancellable, NULL);
        }
      drop_connection (self);
      ok = TRUE;
      goto done;
    }

  if (!require_connection (self, &error))
    goto done;
  set_state (self, OP_SMTP_STATE_BUSY);

  switch (job->kind)
    {
    case JOB_EHLO:
    case JOB_HELO:
      ok = hello (self, &s, job->kind == JOB_HELO, cancellable, &error);
      if (ok)
        {
          result = op_smtp_capabilities_copy (self->w_caps);
          result_free = (GDestroyNotify) op_smtp_capabilities_free;
        }
      break;

    case JOB_STARTTLS:
      if (op_connection_is_tls (self->conn))
        {
          g_set_error_literal (&error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                               _("The connection is already encrypted."));
          break;
        }
      ok = start_tls (self, &s, cancellable, &error);
      if (ok)
        {
          result = op_smtp_capabilities_copy (self->w_caps);
          result_free = (GDestroyNotify) op_smtp_capabilities_free;
        }
      break;

    case JOB_LOGIN:
      ok = do_login (self, &s, job->text, job->secret != NULL ? job->secret : "", job->token,
                     cancellable, &error);
      break;

    case JOB_SEND:
      result = do_send (self, &s, job->send, cancellable, &error);
      result_free = (GDestroyNotify) op_smtp_send_result_free;
      ok = result != NULL;
      break;

    case JOB_NOOP:
    case JOB_RSET:
      {
        const char *verb = job->kind == JOB_NOOP ? "NOOP" : "RSET";
        g_autoptr(OpSmtpReply) reply = command_expect (self, verb, NULL, 2,
                                                       OP_SMTP_COMMAND_OTHER, cancellable,
                                                       &error);
        ok = reply != NULL;
      }
      break;

    case JOB_SEND_COMMAND:
      {
        /* smtplib's docmd: the verb is the first word, the rest its argument. */
        const char *space = strchr (job->text, ' ');
        g_autofree char *verb = g_strndup (job->text, space != NULL
                                                      ? (gsize) (space - job->text)
                                                      : strlen (job->text));
        static const char * const refused[] = { "AUTH", "STARTTLS", "DATA", "BDAT", NULL };

        if (verb[0] == '\0')
          {
            g_set_error_literal (&error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                                 _("The command is empty."));
            break;
          }
        for (guint i = 0; refused[i] != NULL; i++)
          if (g_ascii_strcasecmp (verb, refused[i]) == 0)
            {
              g_set_error (&error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                           _("%s cannot be sent as a plain command; use the client’s own "
                             "call for it."), refused[i]);
              break;
            }
        if (error != NULL)
          break;
        result = command (self, verb, space != NULL ? space + 1 : NULL, OP_SEND_PLAIN,
                          cancellable, &error);
        result_free = (GDestroyNotify) op_smtp_reply_free;
        ok = result != NULL;
        /* A hand-made EHLO replaces what the session knows. */
        if (ok && ((OpSmtpReply *) result)->code == 250 &&
            g_ascii_strcasecmp (verb, "EHLO") == 0)
          {
            g_clear_pointer (&self->w_caps, op_smtp_capabilities_free);
            self->w_caps = op_smtp_capabilities_parse (result);
          }
      }
      break;

    case JOB_CONNECT:
    case JOB_QUIT:
    default:
      g_assert_not_reached ();
    }

done:
  if (is_connected (self))
    set_state (self, OP_SMTP_STATE_READY);
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
job_task (OpSmtpClient         *self,
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
  /* A send cancelled after its final "." reports OP_SMTP_ERROR_OUTCOME_UNKNOWN, which
   * GTask would otherwise replace with "cancelled" (the message may be delivered). */
  if (kind == JOB_SEND)
    g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  *job_out = job;
  return task;
}

static void
job_queue (OpSmtpClient *self,
           GTask        *task)
{
  op_worker_run (self->worker, task, run_job);
  g_object_unref (task);
}

static gboolean
job_finish_boolean (OpSmtpClient  *self,
                    GAsyncResult  *result,
                    gpointer       source_tag,
                    GError       **error)
{
  g_return_val_if_fail (OP_IS_SMTP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gpointer
job_finish_pointer (OpSmtpClient  *self,
                    GAsyncResult  *result,
                    gpointer       source_tag,
                    GError       **error)
{
  g_return_val_if_fail (OP_IS_SMTP_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
simple_call (OpSmtpClient         *self,
             JobKind               kind,
             gpointer              source_tag,
             const char           *text,
             GCancellable         *cancellable,
             GAsyncReadyCallback   callback,
             gpointer              user_data)
{
  Job *job;
  GTask *task = job_task (self, kind, source_tag, cancellable, callback, user_data, &job);

  job->text = g_strdup (text);
  job_queue (self, task);
}

/* --- public calls -------------------------------------------------------------------- */

void
op_smtp_client_connect_async (OpSmtpClient        *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));
  simple_call (self, JOB_CONNECT, op_smtp_client_connect_async, NULL, cancellable, callback,
               user_data);
}

OpSmtpCapabilities *
op_smtp_client_connect_finish (OpSmtpClient  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return job_finish_pointer (self, result, op_smtp_client_connect_async, error);
}

void
op_smtp_client_ehlo_async (OpSmtpClient        *self,
                           gboolean             helo,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));
  simple_call (self, helo ? JOB_HELO : JOB_EHLO, op_smtp_client_ehlo_async, NULL, cancellable,
               callback, user_data);
}

OpSmtpCapabilities *
op_smtp_client_ehlo_finish (OpSmtpClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return job_finish_pointer (self, result, op_smtp_client_ehlo_async, error);
}

void
op_smtp_client_starttls_async (OpSmtpClient        *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));
  simple_call (self, JOB_STARTTLS, op_smtp_client_starttls_async, NULL, cancellable,
               callback, user_data);
}

OpSmtpCapabilities *
op_smtp_client_starttls_finish (OpSmtpClient  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return job_finish_pointer (self, result, op_smtp_client_starttls_async, error);
}

void
op_smtp_client_login_async (OpSmtpClient        *self,
                            const char          *user,
                            const char          *password,
                            const char          *token,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  Job *job;
  GTask *task;

  g_return_if_fail (OP_IS_SMTP_CLIENT (self));
  g_return_if_fail (user != NULL);
  g_return_if_fail (password != NULL || token != NULL);

  task = job_task (self, JOB_LOGIN, op_smtp_client_login_async, cancellable, callback,
                   user_data, &job);
  job->text = g_strdup (user);
  job->secret = g_strdup (password);
  job->token = g_strdup (token);
  job_queue (self, task);
}

gboolean
op_smtp_client_login_finish (OpSmtpClient  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return job_finish_boolean (self, result, op_smtp_client_login_async, error);
}

void
op_smtp_client_send_async (OpSmtpClient            *self,
                           const char              *from,
                           const char * const      *recipients,
                           GInputStream            *message,
                           gssize                   size,
                           const OpSmtpSendOptions *options,
                           GCancellable            *cancellable,
                           GAsyncReadyCallback      callback,
                           gpointer                 user_data)
{
  Job *job;
  GTask *task;

  g_return_if_fail (OP_IS_SMTP_CLIENT (self));
  g_return_if_fail (from != NULL);
  g_return_if_fail (recipients != NULL && recipients[0] != NULL);
  g_return_if_fail (G_IS_INPUT_STREAM (message));

  task = job_task (self, JOB_SEND, op_smtp_client_send_async, cancellable, callback,
                   user_data, &job);
  job->send = g_new0 (SendJob, 1);
  job->send->from = g_strdup (from);
  job->send->recipients = g_strdupv ((char **) recipients);
  job->send->message = g_object_ref (message);
  job->send->size = size;
  if (options != NULL)
    {
      job->send->options = *options;
      job->send->envid = g_strdup (options->dsn_envid);
    }
  job->send->options.dsn_envid = NULL;
  job_queue (self, task);
}

OpSmtpSendResult *
op_smtp_client_send_finish (OpSmtpClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return job_finish_pointer (self, result, op_smtp_client_send_async, error);
}

void
op_smtp_client_noop_async (OpSmtpClient        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));
  simple_call (self, JOB_NOOP, op_smtp_client_noop_async, NULL, cancellable, callback,
               user_data);
}

gboolean
op_smtp_client_noop_finish (OpSmtpClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return job_finish_boolean (self, result, op_smtp_client_noop_async, error);
}

void
op_smtp_client_rset_async (OpSmtpClient        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));
  simple_call (self, JOB_RSET, op_smtp_client_rset_async, NULL, cancellable, callback,
               user_data);
}

gboolean
op_smtp_client_rset_finish (OpSmtpClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return job_finish_boolean (self, result, op_smtp_client_rset_async, error);
}

void
op_smtp_client_quit_async (OpSmtpClient        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));
  simple_call (self, JOB_QUIT, op_smtp_client_quit_async, NULL, cancellable, callback,
               user_data);
}

gboolean
op_smtp_client_quit_finish (OpSmtpClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return job_finish_boolean (self, result, op_smtp_client_quit_async, error);
}

void
op_smtp_client_send_command_async (OpSmtpClient        *self,
                                   const char          *line,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));
  g_return_if_fail (line != NULL);
  simple_call (self, JOB_SEND_COMMAND, op_smtp_client_send_command_async, line, cancellable,
               callback, user_data);
}

OpSmtpReply *
op_smtp_client_send_command_finish (OpSmtpClient  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return job_finish_pointer (self, result, op_smtp_client_send_command_async, error);
}

void
op_smtp_client_shutdown (OpSmtpClient *self)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));
  op_worker_shutdown (self->worker);
}
