/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-smtp"

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <string.h>

#include "op-connection.h"
#include "op-secret.h"
#include "op-smtp-client-private.h"

/* A SASL exchange longer than this is a server in a loop (the longest, LOGIN, has 2). */
#define MAX_SASL_STEPS 6

G_DEFINE_ENUM_TYPE (OpSmtpState, op_smtp_state,
  G_DEFINE_ENUM_VALUE (OP_SMTP_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (OP_SMTP_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (OP_SMTP_STATE_READY, "ready"),
  G_DEFINE_ENUM_VALUE (OP_SMTP_STATE_BUSY, "busy"))

/* What SMTP adds to OpSession: its own settings, and the capabilities the worker
 * learnt. */
struct _OpSmtpClient
{
  OpSession            parent_instance;

  /* Under the session's settings lock. */
  char                *hello_name;       /* NULL: the local address literal */
  OpSaslMechanism      allowed_mechanisms;

  /* Worker only. */
  OpSmtpCapabilities  *w_caps;
};

G_DEFINE_FINAL_TYPE (OpSmtpClient, op_smtp_client, OP_TYPE_SESSION)

#define SESSION(self) (OP_SESSION (self))

/* --- settings snapshot --------------------------------------------------------------- */

/* SMTP's own settings, snapshotted with the session's for each job. */
typedef struct
{
  char            *hello_name;
  OpSaslMechanism  allowed_mechanisms;
} SmtpSettings;

static gpointer
smtp_copy_settings (OpSession *session)
{
  OpSmtpClient *self = OP_SMTP_CLIENT (session);
  SmtpSettings *x = g_new0 (SmtpSettings, 1);

  x->hello_name = g_strdup (self->hello_name);
  x->allowed_mechanisms = self->allowed_mechanisms;
  return x;
}

static void
smtp_free_settings (gpointer data)
{
  SmtpSettings *x = data;

  g_free (x->hello_name);
  g_free (x);
}

static const SmtpSettings *
smtp_settings (OpSmtpClient *self)
{
  return op_session_get_settings (SESSION (self))->extra;
}

/* --- object -------------------------------------------------------------------------- */

static void smtp_class_init_session (OpSessionClass *session_class);

static void
op_smtp_client_finalize (GObject *object)
{
  OpSmtpClient *self = OP_SMTP_CLIENT (object);

  g_clear_pointer (&self->w_caps, op_smtp_capabilities_free);
  g_free (self->hello_name);

  G_OBJECT_CLASS (op_smtp_client_parent_class)->finalize (object);
}

static void
op_smtp_client_class_init (OpSmtpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = op_smtp_client_finalize;

  smtp_class_init_session (OP_SESSION_CLASS (klass));

  /* The DATA filters are GMime's (issue 5: "with GMime's SMTP data filter"); GMime
   * counts its initialisations, so this is safe beside the MIME layer's own. */
  g_mime_init ();
}

static void
op_smtp_client_init (OpSmtpClient *self)
{
  self->allowed_mechanisms = OP_SASL_MECHANISM_ALL;
}

OpSmtpClient *
op_smtp_client_new (const char *host,
                    guint16     port,
                    OpSecurity  security)
{
  return op_session_new (OP_TYPE_SMTP_CLIENT, host, port, security);
}

OP_SESSION_DEFINE_SETTINGS (OpSmtpClient, op_smtp_client, OP_IS_SMTP_CLIENT)
OP_SESSION_DEFINE_GETTERS (OpSmtpClient, op_smtp_client, OP_IS_SMTP_CLIENT)
OP_SESSION_DEFINE_STATE_GETTER (OpSmtpClient, op_smtp_client, OP_IS_SMTP_CLIENT, OpSmtpState,
                                OP_SMTP_STATE_DISCONNECTED)

void
op_smtp_client_set_hello_name (OpSmtpClient *self,
                               const char   *name)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));

  op_session_lock_settings (SESSION (self));
  g_free (self->hello_name);
  self->hello_name = name != NULL && *name != '\0' ? g_strdup (name) : NULL;
  op_session_unlock_settings (SESSION (self));
}

OP_SESSION_DEFINE_SETTER (OpSmtpClient, op_smtp_client, OP_IS_SMTP_CLIENT, allowed_mechanisms, OpSaslMechanism)

gboolean
op_smtp_client_has_extension (OpSmtpClient *self,
                              const char   *keyword)
{
  const OpSmtpCapabilities *caps;

  g_return_val_if_fail (OP_IS_SMTP_CLIENT (self), FALSE);
  g_return_val_if_fail (keyword != NULL, FALSE);

  caps = op_session_get_capabilities (SESSION (self));
  return caps != NULL && op_smtp_capabilities_has (caps, keyword);
}

OpSaslMechanism
op_smtp_client_get_auth_mechanism (OpSmtpClient *self)
{
  g_return_val_if_fail (OP_IS_SMTP_CLIENT (self), OP_SASL_MECHANISM_NONE);
  return op_session_get_auth (SESSION (self));
}

const OpSmtpCapabilities *
_op_smtp_client_get_worker_capabilities (OpSmtpClient *self)
{
  return self->w_caps;
}

/* --- replies (worker) ---------------------------------------------------------------- */

/* The next reply, whatever its code. A 421 (RFC 5321 §3.8: the server is closing the
 * channel) ends the session and is returned as an error. */
static gpointer
smtp_read_reply (OpSession     *session,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(OpSmtpReplyParser) parser = op_smtp_reply_parser_new ();

  for (;;)
    {
      GError *local_error = NULL;
      g_autofree char *line = NULL;
      gsize length = 0;
      OpSmtpReply *reply;

      line = op_session_read_line (session, OP_SMTP_REPLY_MAX_LINE, &length, cancellable,
                                   error);
      if (line == NULL)
        return NULL;
      reply = op_smtp_reply_parser_push_line (parser, line, length, &local_error);
      if (local_error != NULL)
        {
          /* Out of step with the server: nothing later can be trusted. */
          op_session_fail (session, local_error, error);
          return NULL;
        }
      if (reply == NULL)
        continue;
      if (reply->code == 421)
        {
          g_autoptr(OpSmtpReply) closing = reply;
          g_autofree char *described = op_smtp_reply_describe (closing);

          op_session_fail (session,
                           g_error_new (OP_SMTP_ERROR, OP_SMTP_ERROR_TRANSIENT,
                                        _("The server closed the session: “%s”"), described),
                           error);
          return NULL;
        }
      return reply;
    }
}

/* @expect: the reply class (2, 3) the command must get. */
static GError *
smtp_check_reply (OpSession     *session,
                  gconstpointer  data,
                  int            expect,
                  const char    *verb,
                  int            kind)
{
  const OpSmtpReply *reply = data;

  if (OP_SMTP_REPLY_CLASS (reply) == (guint) expect)
    return NULL;
  return op_smtp_error_from_reply (reply, verb, kind);
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
  return op_session_command_expect (SESSION (self), verb, argument, OP_SEND_PLAIN,
                                    expected_class, kind, cancellable, error);
}

/* --- greeting, EHLO, STARTTLS (worker) ------------------------------------------------ */

/* RFC 5321 §4.1.4: the client's FQDN, or an address literal when it has none. The local
 * address is what the server sees anyway; a host name would tell it more. */
static char *
default_hello_name (OpSmtpClient *self)
{
  OpConnection *conn = op_session_get_connection (SESSION (self));
  GSocket *socket = conn != NULL ? op_connection_get_socket (conn) : NULL;
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
hello (OpSmtpClient  *self,
       gboolean       helo_only,
       GCancellable  *cancellable,
       GError       **error)
{
  const SmtpSettings *x = smtp_settings (self);
  g_autofree char *name = x->hello_name != NULL ? g_strdup (x->hello_name)
                                                : default_hello_name (self);
  g_autoptr(OpSmtpReply) reply = NULL;

  /* Until a hello succeeds the session knows of no extension (never NULL while
   * connected: the other calls read it). */
  g_clear_pointer (&self->w_caps, op_smtp_capabilities_free);
  self->w_caps = op_smtp_capabilities_new_empty ();
  if (!helo_only)
    {
      reply = op_session_command (SESSION (self), "EHLO", name, OP_SEND_PLAIN, cancellable,
                                  error);
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
      op_protocol_log_append (op_session_get_log (SESSION (self)), OP_LOG_INFO,
                              _("The server does not support EHLO; trying HELO."));
      g_clear_pointer (&reply, op_smtp_reply_free);
    }
  reply = command_expect (self, "HELO", name, 2, OP_SMTP_COMMAND_HELLO, cancellable, error);
  return reply != NULL;
}

/* RFC 5321 §3.1: 220 greets; 554 means "no service here" (the text says why). */
static gboolean
smtp_greet (OpSession     *session,
            gboolean      *preauthenticated,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(OpSmtpReply) greeting = op_session_read_reply (session, cancellable, error);
  g_autofree char *described = NULL;

  if (greeting == NULL)
    return FALSE;
  if (greeting->code == 220)
    return TRUE;
  described = op_smtp_reply_describe (greeting);
  if (OP_SMTP_REPLY_CLASS (greeting) >= 4)
    g_propagate_error (error, op_smtp_error_from_reply (greeting, "connect",
                                                        OP_SMTP_COMMAND_GREETING));
  else
    g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_BAD_REPLY,
                 _("The server did not greet as an SMTP server: “%s”."), described);
  return FALSE;
}

static gboolean
smtp_capabilities (OpSession     *session,
                   GCancellable  *cancellable,
                   GError       **error)
{
  return hello (OP_SMTP_CLIENT (session), FALSE, cancellable, error);
}

/* RFC 3207 §4: STARTTLS and its 220; the session then does the handshake and asks EHLO
 * again: everything learnt before TLS (an attacker could have written it) is forgotten,
 * authentication included. */
static gboolean
smtp_start_tls (OpSession     *session,
                GCancellable  *cancellable,
                GError       **error)
{
  OpSmtpClient *self = OP_SMTP_CLIENT (session);
  g_autoptr(OpSmtpReply) reply = NULL;

  if (self->w_caps == NULL || !self->w_caps->starttls)
    {
      g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_TLS_REFUSED,
                   _("The server %s does not offer STARTTLS, so the connection cannot be "
                     "encrypted and nothing was sent. Choose an unencrypted connection for "
                     "this account only if you trust the network."),
                   op_session_get_host (session));
      return FALSE;
    }
  reply = op_session_command (session, "STARTTLS", NULL, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (reply->code != 220)
    {
      g_propagate_error (error, op_smtp_error_from_reply (reply, "STARTTLS",
                                                          OP_SMTP_COMMAND_STARTTLS));
      return FALSE;
    }
  return TRUE;
}

static void
smtp_reset (OpSession *session)
{
  g_clear_pointer (&OP_SMTP_CLIENT (session)->w_caps, op_smtp_capabilities_free);
}

static gpointer
smtp_dup_capabilities (OpSession *session)
{
  OpSmtpClient *self = OP_SMTP_CLIENT (session);

  return self->w_caps != NULL ? op_smtp_capabilities_copy (self->w_caps) : NULL;
}

/* --- AUTH (worker) ------------------------------------------------------------------- */

/* RFC 4954 §4: "AUTH mechanism [initial-response]"; the protocol log masks what follows
 * the mechanism (op_protocol_log_redact_line()). */
static gboolean
sasl_send_start (OpSession     *session,
                 const char    *mechanism,
                 const char    *initial,
                 GCancellable  *cancellable,
                 GError       **error)
{
  char *argument = initial != NULL ? g_strconcat (mechanism, " ", initial, NULL)
                                   : g_strdup (mechanism);
  gboolean ok = op_session_send (session, "AUTH", argument, OP_SEND_PLAIN, cancellable, error);

  op_secret_free (argument);
  return ok;
}

/* A 334 continues the exchange with its first line as the challenge; any other reply
 * ends it. */
static gpointer
sasl_read_step (OpSession     *session,
                char         **challenge,
                GCancellable  *cancellable,
                GError       **error)
{
  OpSmtpReply *reply = op_session_read_reply (session, cancellable, error);

  if (reply == NULL || reply->code != 334)
    return reply;
  *challenge = g_strchomp (g_strdup (reply->lines[0] != NULL ? reply->lines[0] : ""));
  op_smtp_reply_free (reply);
  return NULL;
}

static const OpSessionSaslFraming sasl_framing = {
  .send_start = sasl_send_start,
  .read_step = sasl_read_step,
  .max_initial_response = 0,
  .max_steps = MAX_SASL_STEPS,
};

static gboolean
do_login (OpSmtpClient  *self,
          const char    *user,
          const char    *password,
          const char    *token,
          GCancellable  *cancellable,
          GError       **error)
{
  OpSession *session = SESSION (self);
  g_autoptr(OpSaslSession) sasl = NULL;
  g_autoptr(OpSmtpReply) reply = NULL;
  GError *sasl_error = NULL;
  OpSaslMechanism offered;
  OpSaslMechanism mechanism;
  const char *name;

  if (!op_session_require_connection (session, error))
    return FALSE;
  if (self->w_caps == NULL || self->w_caps->auth[0] == NULL)
    {
      if (op_session_connection_is_tls (session))
        g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_AUTH_UNAVAILABLE,
                     _("The server %s does not offer a login (AUTH)."),
                     op_session_get_host (session));
      else
        g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_AUTH_UNAVAILABLE,
                     _("The server %s does not offer a login (AUTH) on an unencrypted "
                       "connection."), op_session_get_host (session));
      return FALSE;
    }
  if (op_session_get_worker_auth (session) != OP_SASL_MECHANISM_NONE)
    {
      /* RFC 4954 §4: "After a successful AUTH command completes, a server MUST reject
       * any further AUTH commands". */
      g_set_error_literal (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                           _("This session is already logged in."));
      return FALSE;
    }

  offered = op_sasl_mechanisms_from_strv ((const char * const *) self->w_caps->auth);
  mechanism = op_sasl_choose_mechanism (offered, smtp_settings (self)->allowed_mechanisms,
                                        token != NULL, op_session_connection_is_tls (session),
                                        op_session_get_settings (session)->allow_plaintext,
                                        &sasl_error);
  if (mechanism == OP_SASL_MECHANISM_NONE)
    {
      op_session_propagate_sasl_error (session, sasl_error, error);
      return FALSE;
    }
  name = op_sasl_mechanism_to_string (mechanism);
  sasl = op_sasl_session_new (mechanism, user, token != NULL ? token : password);
  reply = op_session_sasl_authenticate (session, &sasl_framing, sasl, cancellable,
                                        &sasl_error);
  if (reply == NULL)
    {
      op_session_propagate_sasl_error (session, sasl_error, error);
      return FALSE;
    }
  if (OP_SMTP_REPLY_CLASS (reply) != 2)
    {
      g_propagate_error (error, op_smtp_error_from_reply (reply, "AUTH",
                                                          OP_SMTP_COMMAND_AUTH));
      return FALSE;
    }
  op_session_set_auth (session, mechanism);
  op_protocol_log_append_printf (op_session_get_log (session), OP_LOG_INFO,
                                 _("Logged in with %s."), name);
  return TRUE;
}

static void
smtp_class_init_session (OpSessionClass *session_class)
{
  session_class->protocol = "smtp";
  /* RFC 6409 §3.1 (587), RFC 8314 §7.3 (465). */
  session_class->default_port = 587;
  session_class->default_tls_port = 465;
  session_class->error_domain = OP_SMTP_ERROR;
  session_class->error_connection_lost = OP_SMTP_ERROR_CONNECTION_LOST;
  session_class->error_bad_reply = OP_SMTP_ERROR_BAD_REPLY;
  session_class->error_not_connected = OP_SMTP_ERROR_NOT_CONNECTED;
  session_class->error_invalid_argument = OP_SMTP_ERROR_INVALID_ARGUMENT;
  session_class->error_plaintext_refused = OP_SMTP_ERROR_PLAINTEXT_REFUSED;
  session_class->error_tls_refused = OP_SMTP_ERROR_TLS_REFUSED;
  session_class->error_auth_unavailable = OP_SMTP_ERROR_AUTH_UNAVAILABLE;
  session_class->max_reply_line = OP_SMTP_REPLY_MAX_LINE;
  session_class->state_disconnected = OP_SMTP_STATE_DISCONNECTED;
  session_class->state_connecting = OP_SMTP_STATE_CONNECTING;
  session_class->state_ready = OP_SMTP_STATE_READY;
  session_class->state_busy = OP_SMTP_STATE_BUSY;
  /**
   * OpSmtpClient:state:
   *
   * Where the session is, for a connection indicator; notified on the main context.
   */
  op_session_class_install_state (session_class, OP_TYPE_SMTP_STATE);
  session_class->capabilities_free = (GDestroyNotify) op_smtp_capabilities_free;
  session_class->copy_settings = smtp_copy_settings;
  session_class->free_settings = smtp_free_settings;
  session_class->reset = smtp_reset;
  session_class->greet = smtp_greet;
  session_class->capabilities = smtp_capabilities;
  session_class->start_tls = smtp_start_tls;
  session_class->read_reply = smtp_read_reply;
  session_class->reply_free = (GDestroyNotify) op_smtp_reply_free;
  session_class->check_reply = smtp_check_reply;
  session_class->dup_capabilities = smtp_dup_capabilities;
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
  OpSmtpSendJob *send;
} Job;

static void
job_free (Job *job)
{
  g_free (job->text);
  op_secret_free (job->secret);
  op_secret_free (job->token);
  if (job->send != NULL)
    _op_smtp_send_job_free (job->send);
  g_free (job);
}

static gpointer
caps_copy_or_null (OpSmtpClient *self,
                   gboolean      ok)
{
  return ok ? op_smtp_capabilities_copy (self->w_caps) : NULL;
}

static gpointer
run_connect (OpSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  /* OpConnection logs the connecting itself. */
  return caps_copy_or_null (OP_SMTP_CLIENT (session),
                            op_session_open (session, cancellable, error));
}

static gpointer
run_quit (OpSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  op_session_quit (session, cancellable);
  return OP_SESSION_JOB_OK;
}

static gpointer
run_command (OpSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  OpSmtpClient *self = OP_SMTP_CLIENT (session);
  Job *job = data;

  switch (job->kind)
    {
    case JOB_EHLO:
    case JOB_HELO:
      return caps_copy_or_null (self, hello (self, job->kind == JOB_HELO, cancellable, error));

    case JOB_STARTTLS:
      if (op_session_connection_is_tls (session))
        {
          g_set_error_literal (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                               _("The connection is already encrypted."));
          return NULL;
        }
      return caps_copy_or_null (self, op_session_start_tls (session, cancellable, error));

    case JOB_LOGIN:
      return do_login (self, job->text, job->secret != NULL ? job->secret : "", job->token,
                       cancellable, error) ? OP_SESSION_JOB_OK : NULL;

    case JOB_SEND:
      return _op_smtp_client_send (self, job->send, cancellable, error);

    case JOB_NOOP:
    case JOB_RSET:
      {
        const char *verb = job->kind == JOB_NOOP ? "NOOP" : "RSET";
        g_autoptr(OpSmtpReply) reply = command_expect (self, verb, NULL, 2,
                                                       OP_SMTP_COMMAND_OTHER, cancellable,
                                                       error);
        return reply != NULL ? OP_SESSION_JOB_OK : NULL;
      }

    case JOB_SEND_COMMAND:
      {
        /* smtplib's docmd: the verb is the first word, the rest its argument. */
        const char *space = strchr (job->text, ' ');
        g_autofree char *verb = g_strndup (job->text, space != NULL
                                                      ? (gsize) (space - job->text)
                                                      : strlen (job->text));
        static const char * const refused[] = { "AUTH", "STARTTLS", "DATA", "BDAT", NULL };
        OpSmtpReply *reply;

        if (verb[0] == '\0')
          {
            g_set_error_literal (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                                 _("The command is empty."));
            return NULL;
          }
        for (guint i = 0; refused[i] != NULL; i++)
          if (g_ascii_strcasecmp (verb, refused[i]) == 0)
            {
              g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                           _("%s cannot be sent as a plain command; use the client’s own "
                             "call for it."), refused[i]);
              return NULL;
            }
        reply = op_session_command (session, verb, space != NULL ? space + 1 : NULL,
                                    OP_SEND_PLAIN, cancellable, error);
        /* A hand-made EHLO replaces what the session knows. */
        if (reply != NULL && reply->code == 250 && g_ascii_strcasecmp (verb, "EHLO") == 0)
          {
            g_clear_pointer (&self->w_caps, op_smtp_capabilities_free);
            self->w_caps = op_smtp_capabilities_parse (reply);
          }
        return reply;
      }

    case JOB_CONNECT:
    case JOB_QUIT:
    default:
      g_assert_not_reached ();
    }
}

static Job *
job_new (JobKind     kind,
         const char *text)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->text = g_strdup (text);
  return job;
}

/* Queues @job for the call @source_tag (the public _async function). */
static void
job_call (OpSmtpClient         *self,
          Job                  *job,
          gpointer              source_tag,
          GCancellable         *cancellable,
          GAsyncReadyCallback   callback,
          gpointer              user_data)
{
  OpSessionJobFunc func = run_command;
  GDestroyNotify result_free = NULL;
  OpSessionJobFlags flags = OP_SESSION_JOB_NEEDS_CONNECTION;

  switch (job->kind)
    {
    case JOB_CONNECT:
      func = run_connect;
      flags = OP_SESSION_JOB_NONE;
      result_free = (GDestroyNotify) op_smtp_capabilities_free;
      break;
    case JOB_QUIT:
      func = run_quit;
      flags = OP_SESSION_JOB_NONE;
      break;
    case JOB_EHLO:
    case JOB_HELO:
    case JOB_STARTTLS:
      result_free = (GDestroyNotify) op_smtp_capabilities_free;
      break;
    case JOB_SEND:
      /* A send cancelled after its final "." reports OP_SMTP_ERROR_OUTCOME_UNKNOWN,
       * which GTask would otherwise replace with "cancelled" (the message may be
       * delivered). */
      flags |= OP_SESSION_JOB_RESULT_OVER_CANCEL;
      result_free = (GDestroyNotify) op_smtp_send_result_free;
      break;
    case JOB_SEND_COMMAND:
      result_free = (GDestroyNotify) op_smtp_reply_free;
      break;
    case JOB_LOGIN:
    case JOB_NOOP:
    case JOB_RSET:
    default:
      break;
    }
  op_session_call (SESSION (self), source_tag, func, job, (GDestroyNotify) job_free,
                   result_free, flags, cancellable, callback, user_data);
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
  job_call (self, job_new (kind, text), source_tag, cancellable, callback, user_data);
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

OP_SESSION_DEFINE_FINISH_POINTER (OpSmtpClient, op_smtp_client, connect, OpSmtpCapabilities *)

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

OP_SESSION_DEFINE_FINISH_POINTER (OpSmtpClient, op_smtp_client, ehlo, OpSmtpCapabilities *)

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

OP_SESSION_DEFINE_FINISH_POINTER (OpSmtpClient, op_smtp_client, starttls, OpSmtpCapabilities *)

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

  g_return_if_fail (OP_IS_SMTP_CLIENT (self));
  g_return_if_fail (user != NULL);
  g_return_if_fail (password != NULL || token != NULL);

  job = job_new (JOB_LOGIN, user);
  job->secret = g_strdup (password);
  job->token = g_strdup (token);
  job_call (self, job, op_smtp_client_login_async, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpSmtpClient, op_smtp_client, login)

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

  g_return_if_fail (OP_IS_SMTP_CLIENT (self));
  g_return_if_fail (from != NULL);
  g_return_if_fail (recipients != NULL && recipients[0] != NULL);
  g_return_if_fail (G_IS_INPUT_STREAM (message));

  job = job_new (JOB_SEND, NULL);
  job->send = g_new0 (OpSmtpSendJob, 1);
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
  job_call (self, job, op_smtp_client_send_async, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpSmtpClient, op_smtp_client, send, OpSmtpSendResult *)

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

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpSmtpClient, op_smtp_client, noop)

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

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpSmtpClient, op_smtp_client, rset)

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

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpSmtpClient, op_smtp_client, quit)

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

OP_SESSION_DEFINE_FINISH_POINTER (OpSmtpClient, op_smtp_client, send_command, OpSmtpReply *)

void
op_smtp_client_shutdown (OpSmtpClient *self)
{
  g_return_if_fail (OP_IS_SMTP_CLIENT (self));
  op_session_shutdown (SESSION (self));
}
