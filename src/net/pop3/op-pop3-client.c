/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-pop3"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-connection.h"
#include "op-pop3-client.h"
#include "op-sasl.h"
#include "op-worker.h"

#define DEFAULT_TIMEOUT_SECONDS 30
/* One read of message text: few system calls, far below any memory budget. */
#define READ_BUFFER_SIZE (64 * 1024)
/* RFC 5034 §4: a command with its initial response must fit in 255 octets (RFC 2449
 * §4), else the response goes on its own line after the server's "+ ". */
#define MAX_COMMAND_LENGTH 255

G_DEFINE_ENUM_TYPE (OpPop3State, op_pop3_state,
  G_DEFINE_ENUM_VALUE (OP_POP3_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (OP_POP3_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (OP_POP3_STATE_READY, "ready"),
  G_DEFINE_ENUM_VALUE (OP_POP3_STATE_BUSY, "busy"))

struct _OpPop3Client
{
  GObject           parent_instance;

  char             *host;
  guint16           port;
  OpPop3Security    security;
  OpProtocolLog    *log;
  OpWorker         *worker;
  GMainContext     *context;        /* where the client was made: notifications go here */

  /* Settings: written on the main thread, read by the worker under @lock. */
  GMutex            lock;
  OpTlsVerifier    *verifier;
  guint             timeout;
  gboolean          allow_plaintext;
  gboolean          allow_apop;

  /* Main-context snapshots. */
  OpPop3State       state;
  GHashTable       *capabilities;   /* (nullable) */
  OpPop3AuthMethod  auth_method;
  GTlsCertificate  *peer_certificate;
  gboolean          is_tls;

  /* Worker-only. */
  OpConnection     *conn;
  GHashTable       *w_capabilities;
  char             *w_timestamp;    /* APOP timestamp of the greeting */
  OpPop3AuthMethod  w_auth_method;
  gboolean          w_in_command;   /* a command was sent and its reply not fully read */
};

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OpPop3Client, op_pop3_client, G_TYPE_OBJECT)

void
op_pop3_uid_entry_free (OpPop3UidEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->uid);
  g_free (entry);
}

/* --- settings snapshot ------------------------------------------------------------- */

typedef struct
{
  OpTlsVerifier *verifier;
  guint          timeout;
  gboolean       allow_plaintext;
  gboolean       allow_apop;
} Settings;

static void
settings_clear (Settings *s)
{
  g_clear_object (&s->verifier);
}

static void
settings_get (OpPop3Client *self,
              Settings     *s)
{
  g_mutex_lock (&self->lock);
  s->verifier = self->verifier != NULL ? g_object_ref (self->verifier) : NULL;
  s->timeout = self->timeout;
  s->allow_plaintext = self->allow_plaintext;
  s->allow_apop = self->allow_apop;
  g_mutex_unlock (&self->lock);
}

/* --- main-context notifications ------------------------------------------------------ */

typedef struct
{
  OpPop3Client     *self;
  OpPop3State       state;
  gboolean          update_session;   /* the fields below are valid */
  GHashTable       *capabilities;
  OpPop3AuthMethod  auth_method;
  GTlsCertificate  *peer_certificate;
  gboolean          is_tls;
} StateUpdate;

static void
state_update_free (StateUpdate *u)
{
  g_object_unref (u->self);
  g_clear_pointer (&u->capabilities, g_hash_table_unref);
  g_clear_object (&u->peer_certificate);
  g_free (u);
}

static gboolean
apply_state_update (gpointer data)
{
  StateUpdate *u = data;
  OpPop3Client *self = u->self;

  if (u->update_session)
    {
      g_clear_pointer (&self->capabilities, g_hash_table_unref);
      self->capabilities = g_steal_pointer (&u->capabilities);
      self->auth_method = u->auth_method;
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

/* Called on the worker: every state change goes through here (STYLE.md). */
static void
set_state (OpPop3Client *self,
           OpPop3State   state)
{
  StateUpdate *u = g_new0 (StateUpdate, 1);
  GSource *source;

  u->self = g_object_ref (self);
  u->state = state;
  if (state == OP_POP3_STATE_READY || state == OP_POP3_STATE_DISCONNECTED)
    {
      u->update_session = TRUE;
      if (self->conn != NULL && state == OP_POP3_STATE_READY)
        {
          u->capabilities = self->w_capabilities != NULL
                            ? g_hash_table_ref (self->w_capabilities) : NULL;
          u->auth_method = self->w_auth_method;
          u->is_tls = op_connection_is_tls (self->conn);
          u->peer_certificate = op_connection_get_peer_certificate (self->conn);
          if (u->peer_certificate != NULL)
            g_object_ref (u->peer_certificate);
        }
    }

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, apply_state_update, u, (GDestroyNotify) state_update_free);
  g_source_set_static_name (source, "[outpost] pop3 state");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* --- the connection (worker) ---------------------------------------------------------- */

static gboolean
is_connected (OpPop3Client *self)
{
  return self->conn != NULL && !op_connection_is_closed (self->conn);
}

static void
drop_connection (OpPop3Client *self)
{
  if (self->conn != NULL)
    {
      op_connection_close (self->conn, NULL, NULL);
      g_clear_object (&self->conn);
      op_protocol_log_append (self->log, OP_LOG_INFO, _("Disconnected."));
    }
  g_clear_pointer (&self->w_capabilities, g_hash_table_unref);
  g_clear_pointer (&self->w_timestamp, g_free);
  self->w_auth_method = OP_POP3_AUTH_NONE;
  self->w_in_command = FALSE;
  set_state (self, OP_POP3_STATE_DISCONNECTED);
}

/* A failure of the connection: the session is over and the error says so (cancellation
 * and our own errors pass unchanged). */
static void
connection_failed (OpPop3Client  *self,
                   GError        *cause,
                   GError       **error)
{
  drop_connection (self);
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      cause->domain == OP_POP3_ERROR || cause->domain == G_TLS_ERROR ||
      g_error_matches (cause, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_STARTTLS_INJECTION) ||
      g_error_matches (cause, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_TLS))
    {
      g_propagate_error (error, cause);
      return;
    }
  if (g_error_matches (cause, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_LINE_TOO_LONG))
    g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY,
                 _("The server sent an invalid reply: %s"), cause->message);
  else if (g_error_matches (cause, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED))
    g_set_error_literal (error, OP_POP3_ERROR, OP_POP3_ERROR_CONNECTION_LOST,
                         _("The server closed the connection."));
  else
    g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_CONNECTION_LOST,
                 _("The connection to the server was lost: %s"), cause->message);
  g_error_free (cause);
}

static gboolean
not_connected (GError **error)
{
  g_set_error_literal (error, OP_POP3_ERROR, OP_POP3_ERROR_NOT_CONNECTED,
                       _("Not connected to the mail server."));
  return FALSE;
}

/* One line of a reply, without CRLF. */
static char *
read_line (OpPop3Client  *self,
           gsize         *length,
           GCancellable  *cancellable,
           GError       **error)
{
  GError *local_error = NULL;
  char *line;

  if (!is_connected (self))
    {
      not_connected (error);
      return NULL;
    }
  line = op_connection_read_line (self->conn, OP_POP3_MAX_REPLY_LINE, length, cancellable,
                                  &local_error);
  if (line == NULL)
    connection_failed (self, local_error, error);
  return line;
}

/* A status line: +OK or -ERR (anything else ends the session). */
static OpPop3Reply *
read_status (OpPop3Client  *self,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree char *line = NULL;
  GError *local_error = NULL;
  OpPop3Reply *reply;
  gsize length = 0;

  line = read_line (self, &length, cancellable, error);
  if (line == NULL)
    return NULL;
  reply = op_pop3_reply_parse (line, length, &local_error);
  if (reply == NULL)
    connection_failed (self, local_error, error);
  return reply;
}

static gboolean
send_line (OpPop3Client  *self,
           const char    *verb,
           const char    *argument,
           OpSendFlags    flags,
           GCancellable  *cancellable,
           GError       **error)
{
  GError *local_error = NULL;

  if (!is_connected (self))
    return not_connected (error);
  if (op_connection_send_command (self->conn, verb, argument, flags, cancellable,
                                  &local_error))
    {
      self->w_in_command = TRUE;
      return TRUE;
    }
  if (g_error_matches (local_error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_BAD_ARGUMENT))
    {
      g_error_free (local_error);
      g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_INVALID_ARGUMENT,
                   _("The %s command cannot be sent: its argument contains a line break or "
                     "a NUL character."), verb);
      return FALSE;
    }
  connection_failed (self, local_error, error);
  return FALSE;
}

/* Sends a command and reads its status line, whatever it says. */
static OpPop3Reply *
command (OpPop3Client  *self,
         const char    *verb,
         const char    *argument,
         OpSendFlags    flags,
         GCancellable  *cancellable,
         GError       **error)
{
  OpPop3Reply *reply;

  if (!send_line (self, verb, argument, flags, cancellable, error))
    return NULL;
  reply = read_status (self, cancellable, error);
  if (reply != NULL)
    self->w_in_command = FALSE;
  return reply;
}

/* A command that must answer +OK; -ERR becomes the mapped error. The reply's
 * multi-line body, if any, is the caller's to read (w_in_command stays set until then). */
static OpPop3Reply *
command_ok (OpPop3Client       *self,
            const char         *verb,
            const char         *argument,
            OpSendFlags         flags,
            OpPop3CommandKind   kind,
            gboolean            multiline,
            GCancellable       *cancellable,
            GError            **error)
{
  OpPop3Reply *reply = command (self, verb, argument, flags, cancellable, error);

  if (reply == NULL)
    return NULL;
  if (!reply->ok)
    {
      g_propagate_error (error, op_pop3_error_from_reply (reply, verb, kind));
      op_pop3_reply_free (reply);
      return NULL;
    }
  if (multiline)
    self->w_in_command = TRUE;
  return reply;
}

/* The lines of a multi-line reply whose +OK was read, unstuffed, to @func; bounded. */
typedef gboolean (*LineFunc) (const char  *line,
                              gsize        length,
                              gpointer     user_data,
                              GError     **error);

static gboolean
read_multiline (OpPop3Client  *self,
                LineFunc       func,
                gpointer       user_data,
                GCancellable  *cancellable,
                GError       **error)
{
  for (guint n = 0;; n++)
    {
      g_autofree char *line = NULL;
      GError *local_error = NULL;
      const char *text;
      gsize length = 0, text_length = 0;
      gboolean is_end = FALSE;

      line = read_line (self, &length, cancellable, error);
      if (line == NULL)
        return FALSE;
      op_pop3_unstuff_line (line, length, &is_end, &text, &text_length);
      if (is_end)
        break;
      if (n >= OP_POP3_MAX_LISTING_LINES)
        {
          g_set_error (&local_error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY,
                       _("The server sent a reply of more than %u lines."),
                       (guint) OP_POP3_MAX_LISTING_LINES);
          connection_failed (self, local_error, error);
          return FALSE;
        }
      if (!func (text, text_length, user_data, &local_error))
        {
          connection_failed (self, local_error, error);
          return FALSE;
        }
    }
  self->w_in_command = FALSE;
  return TRUE;
}

/* --- connect and login ---------------------------------------------------------------- */

static gboolean
add_capability (const char  *line,
                gsize        length,
                gpointer     user_data,
                GError     **error)
{
  op_pop3_capabilities_add_line (user_data, line, length);
  return TRUE;
}

/* CAPA (RFC 2449 §5). A server without it answers -ERR: then nothing is known. */
static gboolean
capa (OpPop3Client  *self,
      gboolean      *supported,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(OpPop3Reply) reply = NULL;
  g_autoptr(GHashTable) capabilities = op_pop3_capabilities_new ();

  g_clear_pointer (&self->w_capabilities, g_hash_table_unref);
  reply = command (self, "CAPA", NULL, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return FALSE;
  *supported = reply->ok;
  if (reply->ok)
    {
      self->w_in_command = TRUE;
      if (!read_multiline (self, add_capability, capabilities, cancellable, error))
        return FALSE;
    }
  self->w_capabilities = g_steal_pointer (&capabilities);
  return TRUE;
}

static gboolean
has_capability (OpPop3Client *self,
                const char   *name)
{
  return self->w_capabilities != NULL && g_hash_table_contains (self->w_capabilities, name);
}

static gboolean
offers_sasl (OpPop3Client *self,
             const char   *mechanism)
{
  const char *list;
  g_auto(GStrv) words = NULL;

  if (self->w_capabilities == NULL)
    return FALSE;
  list = g_hash_table_lookup (self->w_capabilities, "SASL");
  if (list == NULL)
    return FALSE;
  words = g_strsplit (list, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (g_ascii_strcasecmp (words[i], mechanism) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
check_credential (const char  *text,
                  const char  *what,
                  GError     **error)
{
  if (op_connection_check_text (text, -1, NULL))
    return TRUE;
  /* Translators: %s is "user name" or "password" */
  g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_INVALID_ARGUMENT,
               _("The %s contains a line break or a NUL character and cannot be sent."),
               what);
  return FALSE;
}

static gboolean
login_failed (OpPop3Client       *self,
              const OpPop3Reply  *reply,
              const char         *verb,
              GError            **error)
{
  g_propagate_error (error, op_pop3_error_from_reply (reply, verb, OP_POP3_COMMAND_LOGIN));
  drop_connection (self);
  return FALSE;
}

/* RFC 5034: AUTH PLAIN with the initial response on the command line when it fits. */
static gboolean
auth_plain (OpPop3Client  *self,
            const char    *user,
            const char    *password,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GByteArray) message = g_byte_array_new ();
  g_autofree char *encoded = NULL;
  g_autoptr(OpPop3Reply) reply = NULL;
  gboolean inline_response;

  /* RFC 4616 §2: authzid NUL authcid NUL passwd, authzid empty. */
  g_byte_array_append (message, (const guint8 *) "", 1);
  g_byte_array_append (message, (const guint8 *) user, strlen (user));
  g_byte_array_append (message, (const guint8 *) "", 1);
  g_byte_array_append (message, (const guint8 *) password, strlen (password));
  encoded = g_base64_encode (message->data, message->len);
  memset (message->data, 0, message->len);

  inline_response = strlen ("AUTH PLAIN ") + strlen (encoded) + 2 <= MAX_COMMAND_LENGTH;
  /* Split so the log shows "AUTH PLAIN ****". */
  if (inline_response
      ? !send_line (self, "AUTH PLAIN", encoded, OP_SEND_SECRET_ARGUMENT, cancellable, error)
      : !send_line (self, "AUTH", "PLAIN", OP_SEND_PLAIN, cancellable, error))
    goto out;
  for (;;)
    {
      g_autofree char *line = NULL;
      GError *local_error = NULL;
      gsize length = 0;

      line = read_line (self, &length, cancellable, error);
      if (line == NULL)
        goto out;
      if (op_pop3_reply_is_continuation (line, length, NULL))
        {
          if (inline_response)
            {
              /* The response was given already: a second challenge is not PLAIN. RFC
               * 5034 §4: "*" cancels the exchange. */
              g_set_error_literal (&local_error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY,
                                   _("The server asked for more than AUTH PLAIN sends."));
              connection_failed (self, local_error, error);
              goto out;
            }
          inline_response = TRUE;
          if (!send_line (self, encoded, NULL, OP_SEND_SECRET_LINE, cancellable, error))
            goto out;
          continue;
        }
      reply = op_pop3_reply_parse (line, length, &local_error);
      if (reply == NULL)
        {
          connection_failed (self, local_error, error);
          goto out;
        }
      break;
    }
  self->w_in_command = FALSE;
  if (!reply->ok)
    login_failed (self, reply, "AUTH", error);

out:
  memset (encoded, 0, strlen (encoded));
  return reply != NULL && reply->ok;
}

/* RFC 1939 §7: APOP name digest, digest = MD5 (timestamp password) in lower-case hex. */
static gboolean
apop (OpPop3Client  *self,
      const char    *user,
      const char    *password,
      GCancellable  *cancellable,
      GError       **error)
{
  GChecksum *checksum = g_checksum_new (G_CHECKSUM_MD5);
  const char *digest;
  char *argument;
  g_autoptr(OpPop3Reply) reply = NULL;

  /* The digest is as good as the password for an offline guess (and for a replay to a
   * server that reuses its timestamp): no copy stays in freed memory. GChecksum keeps
   * its hex string until it is freed, unwiped; it is ours to wipe until then. */
  g_checksum_update (checksum, (const guchar *) self->w_timestamp, -1);
  g_checksum_update (checksum, (const guchar *) password, -1);
  digest = g_checksum_get_string (checksum);
  argument = g_strconcat (user, " ", digest, NULL);
  memset ((char *) digest, 0, strlen (digest));
  g_checksum_free (checksum);
  reply = command (self, "APOP", argument, OP_SEND_SECRET_ARGUMENT, cancellable, error);
  op_sasl_secret_free (argument);
  if (reply == NULL)
    return FALSE;
  if (!reply->ok)
    return login_failed (self, reply, "APOP", error);
  return TRUE;
}

static gboolean
user_pass (OpPop3Client  *self,
           const char    *user,
           const char    *password,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(OpPop3Reply) reply = NULL;

  reply = command (self, "USER", user, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (!reply->ok)
    return login_failed (self, reply, "USER", error);
  g_clear_pointer (&reply, op_pop3_reply_free);
  reply = command (self, "PASS", password, OP_SEND_SECRET_ARGUMENT, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (!reply->ok)
    return login_failed (self, reply, "PASS", error);
  return TRUE;
}

static gboolean
refuse_plaintext (OpPop3Client  *self,
                  GError       **error)
{
  g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_PLAINTEXT_REFUSED,
               _("The password would be sent unencrypted to %s. Use TLS for this account, "
                 "or allow unencrypted passwords for it if you trust the network."),
               self->host);
  return FALSE;
}

/* Sends QUIT without waiting long, then closes: for sessions that end in an error. */
static void
quit_quietly (OpPop3Client *self)
{
  if (is_connected (self) && !self->w_in_command)
    {
      g_autoptr(OpPop3Reply) reply = command (self, "QUIT", NULL, OP_SEND_PLAIN, NULL, NULL);
    }
  drop_connection (self);
}

static gboolean
login (OpPop3Client    *self,
       const Settings  *s,
       const char      *user,
       const char      *password,
       GCancellable    *cancellable,
       GError         **error)
{
  g_autoptr(OpPop3Reply) greeting = NULL;
  g_autoptr(OpPop3Reply) reply = NULL;
  GError *local_error = NULL;
  gboolean encrypted;
  gboolean capa_supported = FALSE;

  set_state (self, OP_POP3_STATE_CONNECTING);
  op_protocol_log_append_printf (self->log, OP_LOG_INFO, _("Connecting to %s port %u…"),
                                 self->host, self->port);

  if (!check_credential (user, _("user name"), error) ||
      !check_credential (password, _("password"), error))
    return FALSE;

  /* Without TLS and without the opt-in only APOP could log in: refuse at once when the
   * account does not allow that either, before anything goes out. */
  if (self->security == OP_POP3_SECURITY_NONE && !s->allow_plaintext && !s->allow_apop)
    return refuse_plaintext (self, error);

  self->conn = op_connection_connect (self->host, self->port,
                                      self->security == OP_POP3_SECURITY_IMPLICIT_TLS,
                                      s->timeout, s->verifier, self->log, cancellable,
                                      &local_error);
  if (self->conn == NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  greeting = read_status (self, cancellable, error);
  if (greeting == NULL)
    return FALSE;
  if (!greeting->ok)
    {
      g_propagate_error (error, op_pop3_error_from_reply (greeting, _("greeting"),
                                                          OP_POP3_COMMAND_OTHER));
      drop_connection (self);
      return FALSE;
    }
  self->w_timestamp = op_pop3_parse_apop_timestamp (greeting->text);

  if (!capa (self, &capa_supported, cancellable, error))
    return FALSE;

  if (self->security == OP_POP3_SECURITY_STLS)
    {
      /* RFC 2595 §4: STLS is offered in CAPA. A server that lists capabilities without
       * it will not do TLS: stop before any user name goes out. One without CAPA may
       * still know STLS; its answer decides. */
      if (capa_supported && !has_capability (self, "STLS"))
        {
          g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_TLS_REFUSED,
                       _("The server %s does not offer encryption (STLS), so no password "
                         "was sent. Choose another security setting only if you trust "
                         "the network."), self->host);
          quit_quietly (self);
          return FALSE;
        }
      reply = command (self, "STLS", NULL, OP_SEND_PLAIN, cancellable, error);
      if (reply == NULL)
        return FALSE;
      if (!reply->ok)
        {
          g_propagate_error (error, op_pop3_error_from_reply (reply, "STLS",
                                                              OP_POP3_COMMAND_TLS));
          quit_quietly (self);
          return FALSE;
        }
      g_clear_pointer (&reply, op_pop3_reply_free);
      /* Bytes already waiting after the go-ahead are a response injection: OpConnection
       * refuses them and closes. */
      if (!op_connection_start_tls (self->conn, cancellable, &local_error))
        {
          connection_failed (self, local_error, error);
          return FALSE;
        }
      /* RFC 2595 §4: forget what was learnt before TLS and ask again. That includes the
       * greeting's APOP timestamp, which a man in the middle may have chosen (to replay
       * the digest to the real server, or crack it); no greeting follows STLS, so APOP
       * is not used after it. */
      g_clear_pointer (&self->w_timestamp, g_free);
      if (!capa (self, &capa_supported, cancellable, error))
        return FALSE;
    }

  encrypted = op_connection_is_tls (self->conn);
  if (offers_sasl (self, "PLAIN") && (encrypted || s->allow_plaintext))
    {
      self->w_auth_method = OP_POP3_AUTH_SASL_PLAIN;
      if (!auth_plain (self, user, password, cancellable, error))
        return FALSE;
    }
  else if (self->w_timestamp != NULL && s->allow_apop)
    {
      if (strchr (user, ' ') != NULL)
        {
          g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_INVALID_ARGUMENT,
                       _("A user name with a space cannot log in with APOP."));
          quit_quietly (self);
          return FALSE;
        }
      self->w_auth_method = OP_POP3_AUTH_APOP;
      if (!apop (self, user, password, cancellable, error))
        return FALSE;
    }
  else if (!encrypted && !s->allow_plaintext)
    {
      refuse_plaintext (self, error);
      quit_quietly (self);
      return FALSE;
    }
  else if (capa_supported && !has_capability (self, "USER"))
    {
      /* RFC 2449 §6.8: a server that lists capabilities without USER refuses it. */
      g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_UNSUPPORTED,
                   _("The server offers no login method Outpost can use (it offers "
                     "neither USER, nor SASL PLAIN, nor APOP where allowed)."));
      quit_quietly (self);
      return FALSE;
    }
  else
    {
      self->w_auth_method = OP_POP3_AUTH_USER_PASS;
      if (!user_pass (self, user, password, cancellable, error))
        return FALSE;
    }

  op_protocol_log_append (self->log, OP_LOG_INFO, _("Logged in."));
  return TRUE;
}

/* --- commands (worker) ---------------------------------------------------------------- */

typedef struct
{
  GArray *entries;
} ListCollector;

static gboolean
collect_list (const char  *line,
              gsize        length,
              gpointer     user_data,
              GError     **error)
{
  OpPop3ListEntry entry;

  if (!op_pop3_parse_list_line (line, length, &entry.number, &entry.size, error))
    return FALSE;
  g_array_append_val (user_data, entry);
  return TRUE;
}

static gboolean
collect_uidl (const char  *line,
              gsize        length,
              gpointer     user_data,
              GError     **error)
{
  OpPop3UidEntry *entry = g_new0 (OpPop3UidEntry, 1);

  if (!op_pop3_parse_uidl_line (line, length, &entry->number, &entry->uid, error))
    {
      g_free (entry);
      return FALSE;
    }
  g_ptr_array_add (user_data, entry);
  return TRUE;
}

/* A single-message reply whose text must parse; a bad one ends the session. */
static gboolean
parse_or_fail (OpPop3Client  *self,
               gboolean       ok,
               GError        *local_error,
               GError       **error)
{
  if (ok)
    return TRUE;
  connection_failed (self, local_error, error);
  return FALSE;
}

static GArray *
list (OpPop3Client  *self,
      guint          number,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (OpPop3ListEntry));
  g_autoptr(OpPop3Reply) reply = NULL;
  g_autofree char *argument = number > 0 ? g_strdup_printf ("%u", number) : NULL;

  reply = command_ok (self, "LIST", argument, OP_SEND_PLAIN, OP_POP3_COMMAND_OTHER,
                      number == 0, cancellable, error);
  if (reply == NULL)
    return NULL;
  if (number == 0)
    {
      if (!read_multiline (self, collect_list, entries, cancellable, error))
        return NULL;
    }
  else
    {
      GError *local_error = NULL;
      OpPop3ListEntry entry;

      if (!parse_or_fail (self, op_pop3_parse_list_line (reply->text, strlen (reply->text),
                                                         &entry.number, &entry.size,
                                                         &local_error),
                          local_error, error))
        return NULL;
      g_array_append_val (entries, entry);
    }
  return g_steal_pointer (&entries);
}

static GPtrArray *
uidl (OpPop3Client  *self,
      guint          number,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) op_pop3_uid_entry_free);
  g_autoptr(OpPop3Reply) reply = NULL;
  g_autofree char *argument = number > 0 ? g_strdup_printf ("%u", number) : NULL;

  reply = command_ok (self, "UIDL", argument, OP_SEND_PLAIN, OP_POP3_COMMAND_OTHER,
                      number == 0, cancellable, error);
  if (reply == NULL)
    return NULL;
  if (number == 0)
    {
      if (!read_multiline (self, collect_uidl, entries, cancellable, error))
        return NULL;
    }
  else
    {
      GError *local_error = NULL;
      OpPop3UidEntry *entry = g_new0 (OpPop3UidEntry, 1);

      if (!op_pop3_parse_uidl_line (reply->text, strlen (reply->text), &entry->number,
                                    &entry->uid, &local_error))
        {
          g_free (entry);
          connection_failed (self, local_error, error);
          return NULL;
        }
      g_ptr_array_add (entries, entry);
    }
  return g_steal_pointer (&entries);
}

/* The body of a RETR or TOP whose +OK was read: unstuffed into @output as it arrives.
 * Succeeds only at the terminator; anything short of it ends the session with an
 * error, so a partial message is never reported as complete. */
static gboolean
receive_message (OpPop3Client   *self,
                 guint           number,
                 GOutputStream  *output,
                 OpProgress     *progress,
                 guint64         total,
                 guint64        *bytes,
                 GCancellable   *cancellable,
                 GError        **error)
{
  g_autoptr(OpPop3Unstuffer) unstuffer = op_pop3_unstuffer_new (OP_POP3_MAX_MESSAGE_LINE);
  g_autoptr(GByteArray) out = g_byte_array_sized_new (READ_BUFFER_SIZE);
  g_autofree guint8 *buffer = g_malloc (READ_BUFFER_SIZE);
  guint64 written = 0;

  *bytes = 0;
  while (!op_pop3_unstuffer_is_done (unstuffer))
    {
      GError *local_error = NULL;
      gssize n;
      gsize used = 0;

      n = op_connection_read (self->conn, buffer, READ_BUFFER_SIZE, cancellable,
                              &local_error);
      if (n < 0)
        {
          connection_failed (self, local_error, error);
          return FALSE;
        }
      if (n == 0)
        {
          g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, written);

          drop_connection (self);
          /* Translators: %u is a message number, %s a number of bytes */
          g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_CONNECTION_LOST,
                       _("The server closed the connection in the middle of message %u "
                         "(after %s bytes); the message is incomplete."),
                       number, count);
          return FALSE;
        }
      g_byte_array_set_size (out, 0);
      if (!op_pop3_unstuffer_push (unstuffer, buffer, n, out, &used, &local_error))
        {
          connection_failed (self, local_error, error);
          return FALSE;
        }
      if (used < (gsize) n)
        {
          /* We never pipeline: nothing may follow the terminator before our next
           * command. */
          g_set_error (&local_error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY,
                       _("The server sent data after the end of message %u."), number);
          connection_failed (self, local_error, error);
          return FALSE;
        }
      if (out->len > 0)
        {
          if (!g_output_stream_write_all (output, out->data, out->len, NULL, cancellable,
                                          &local_error))
            {
              /* The rest of the message is still on its way: the session is out of
               * step, so it ends (deleting nothing). */
              drop_connection (self);
              g_propagate_error (error, local_error);
              return FALSE;
            }
          written += out->len;
          if (progress != NULL)
            op_progress_update (progress, written, MAX (total, written));
        }
    }
  self->w_in_command = FALSE;
  {
    g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, written);

    /* Translators: %u is a message number, %s a number of bytes */
    op_protocol_log_append_printf (self->log, OP_LOG_INFO, _("Received message %u (%s bytes)."),
                                   number, count);
  }
  *bytes = written;
  return g_output_stream_flush (output, cancellable, error);
}

static gboolean
check_number (guint    number,
              GError **error)
{
  if (number > 0)
    return TRUE;
  g_set_error_literal (error, OP_POP3_ERROR, OP_POP3_ERROR_INVALID_ARGUMENT,
                       _("Message numbers start at 1."));
  return FALSE;
}

/* --- jobs ------------------------------------------------------------------------------ */

typedef enum
{
  JOB_CONNECT,
  JOB_STAT,
  JOB_LIST,
  JOB_UIDL,
  JOB_RETR,
  JOB_TOP,
  JOB_DELE,
  JOB_RSET,
  JOB_NOOP,
  JOB_QUIT,
} JobKind;

typedef struct
{
  JobKind        kind;
  char          *user;
  char          *secret;     /* a password, wiped when freed */
  guint          number;
  guint          lines;
  GOutputStream *output;
  OpProgress    *progress;   /* (nullable) RETR */
  guint64        result;     /* bytes of RETR/TOP, or the size of STAT */
  guint          count;      /* STAT */
} Job;

static void
job_free (Job *job)
{
  g_free (job->user);
  if (job->secret != NULL)
    memset (job->secret, 0, strlen (job->secret));
  g_free (job->secret);
  g_clear_object (&job->output);
  g_clear_object (&job->progress);
  g_free (job);
}

static void
run_job (GTask        *task,
         gpointer      source_object,
         gpointer      task_data,
         GCancellable *cancellable)
{
  OpPop3Client *self = source_object;
  Job *job = task_data;
  Settings s = { 0 };
  g_autoptr(GError) error = NULL;
  gpointer result = NULL;
  GDestroyNotify result_free = NULL;
  gboolean ok = FALSE;

  settings_get (self, &s);

  if (job->kind == JOB_CONNECT)
    {
      if (self->conn != NULL)
        drop_connection (self);
      ok = login (self, &s, job->user, job->secret, cancellable, &error);
      if (!ok)
        drop_connection (self);
      goto done;
    }

  if (job->kind == JOB_QUIT)
    {
      g_autoptr(OpPop3Reply) reply = NULL;

      if (!is_connected (self))
        {
          drop_connection (self);
          ok = TRUE;
          goto done;
        }
      set_state (self, OP_POP3_STATE_BUSY);
      /* RFC 1939 §6: the deletions happen now; -ERR means some failed. */
      reply = command_ok (self, "QUIT", NULL, OP_SEND_PLAIN, OP_POP3_COMMAND_OTHER, FALSE,
                          cancellable, &error);
      ok = reply != NULL;
      drop_connection (self);
      goto done;
    }

  if (!is_connected (self))
    {
      not_connected (&error);
      goto done;
    }
  set_state (self, OP_POP3_STATE_BUSY);

  switch (job->kind)
    {
    case JOB_STAT:
      {
        g_autoptr(OpPop3Reply) reply = command_ok (self, "STAT", NULL, OP_SEND_PLAIN,
                                                   OP_POP3_COMMAND_OTHER, FALSE,
                                                   cancellable, &error);
        GError *local_error = NULL;

        ok = reply != NULL &&
             parse_or_fail (self, op_pop3_parse_stat (reply->text, &job->count, &job->result,
                                                      &local_error),
                            local_error, &error);
      }
      break;

    case JOB_LIST:
      result = list (self, job->number, cancellable, &error);
      result_free = (GDestroyNotify) g_array_unref;
      ok = result != NULL;
      break;

    case JOB_UIDL:
      result = uidl (self, job->number, cancellable, &error);
      result_free = (GDestroyNotify) g_ptr_array_unref;
      ok = result != NULL;
      break;

    case JOB_RETR:
    case JOB_TOP:
      {
        g_autoptr(OpPop3Reply) reply = NULL;
        g_autofree char *argument = NULL;

        if (!check_number (job->number, &error))
          break;
        if (job->kind == JOB_RETR)
          argument = g_strdup_printf ("%u", job->number);
        else
          argument = g_strdup_printf ("%u %u", job->number, job->lines);
        reply = command_ok (self, job->kind == JOB_RETR ? "RETR" : "TOP", argument,
                            OP_SEND_PLAIN, OP_POP3_COMMAND_OTHER, TRUE, cancellable, &error);
        if (reply != NULL)
          {
            guint64 total = 0;
            const char *end = NULL;

            /* RFC 1939 §7's example: "+OK 120 octets"; the number is only a hint. */
            if (g_ascii_isdigit (reply->text[0]))
              total = g_ascii_strtoull (reply->text, (char **) &end, 10);
            ok = receive_message (self, job->number, job->output, job->progress, total,
                                  &job->result, cancellable, &error);
          }
        if (job->progress != NULL)
          op_progress_finish (job->progress);
      }
      break;

    case JOB_DELE:
      {
        g_autoptr(OpPop3Reply) reply = NULL;
        g_autofree char *argument = g_strdup_printf ("%u", job->number);

        if (!check_number (job->number, &error))
          break;
        reply = command_ok (self, "DELE", argument, OP_SEND_PLAIN, OP_POP3_COMMAND_OTHER,
                            FALSE, cancellable, &error);
        ok = reply != NULL;
      }
      break;

    case JOB_RSET:
    case JOB_NOOP:
      {
        g_autoptr(OpPop3Reply) reply = NULL;

        reply = command_ok (self, job->kind == JOB_RSET ? "RSET" : "NOOP", NULL,
                            OP_SEND_PLAIN, OP_POP3_COMMAND_OTHER, FALSE, cancellable,
                            &error);
        ok = reply != NULL;
      }
      break;

    case JOB_CONNECT:
    case JOB_QUIT:
    default:
      g_assert_not_reached ();
    }

done:
  /* A command whose reply was not read to its end (cancelled, a failed output stream)
   * leaves the session out of step: end it rather than misread the next reply. */
  if (!ok && self->w_in_command)
    drop_connection (self);
  if (is_connected (self))
    set_state (self, OP_POP3_STATE_READY);
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
job_task (OpPop3Client         *self,
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
job_queue (OpPop3Client *self,
           GTask        *task)
{
  op_worker_run (self->worker, task, run_job);
  g_object_unref (task);
}

static void
simple_call (OpPop3Client         *self,
             JobKind               kind,
             gpointer              source_tag,
             guint                 number,
             GCancellable         *cancellable,
             GAsyncReadyCallback   callback,
             gpointer              user_data)
{
  Job *job;
  GTask *task = job_task (self, kind, source_tag, cancellable, callback, user_data, &job);

  job->number = number;
  job_queue (self, task);
}

static gboolean
job_finish_boolean (OpPop3Client  *self,
                    GAsyncResult  *result,
                    gpointer       source_tag,
                    GError       **error)
{
  g_return_val_if_fail (OP_IS_POP3_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gpointer
job_finish_pointer (OpPop3Client  *self,
                    GAsyncResult  *result,
                    gpointer       source_tag,
                    GError       **error)
{
  g_return_val_if_fail (OP_IS_POP3_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- GObject ---------------------------------------------------------------------------- */

static void
op_pop3_client_dispose (GObject *object)
{
  OpPop3Client *self = OP_POP3_CLIENT (object);

  if (self->worker != NULL)
    op_worker_shutdown (self->worker);
  g_clear_object (&self->worker);

  G_OBJECT_CLASS (op_pop3_client_parent_class)->dispose (object);
}

static void
op_pop3_client_finalize (GObject *object)
{
  OpPop3Client *self = OP_POP3_CLIENT (object);

  if (self->conn != NULL)
    op_connection_close (self->conn, NULL, NULL);
  g_clear_object (&self->conn);
  g_clear_pointer (&self->w_capabilities, g_hash_table_unref);
  g_clear_pointer (&self->capabilities, g_hash_table_unref);
  g_free (self->w_timestamp);
  g_clear_object (&self->verifier);
  g_clear_object (&self->log);
  g_clear_object (&self->peer_certificate);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->host);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (op_pop3_client_parent_class)->finalize (object);
}

static void
op_pop3_client_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  OpPop3Client *self = OP_POP3_CLIENT (object);

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
op_pop3_client_class_init (OpPop3ClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_pop3_client_dispose;
  object_class->finalize = op_pop3_client_finalize;
  object_class->get_property = op_pop3_client_get_property;

  /**
   * OpPop3Client:state:
   *
   * Where the session is, for a connection indicator; notified on the main context.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       op_pop3_state_get_type (), OP_POP3_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_pop3_client_init (OpPop3Client *self)
{
  g_mutex_init (&self->lock);
  self->timeout = DEFAULT_TIMEOUT_SECONDS;
  self->log = op_protocol_log_new ();
  self->context = g_main_context_ref_thread_default ();
}

/**
 * op_pop3_client_new:
 * @host: a host name or address
 * @port: the port, or 0 for the default (110, or 995 for implicit TLS)
 * @security: how the session is protected
 *
 * Returns: (transfer full): a client, not connected yet
 */
OpPop3Client *
op_pop3_client_new (const char     *host,
                    guint16         port,
                    OpPop3Security  security)
{
  OpPop3Client *self;

  g_return_val_if_fail (host != NULL && *host != '\0', NULL);

  self = g_object_new (OP_TYPE_POP3_CLIENT, NULL);
  self->host = g_strdup (host);
  self->security = security;
  /* RFC 1939 §3 and RFC 8314 §7.3: 110 and 995. */
  self->port = port != 0 ? port : (security == OP_POP3_SECURITY_IMPLICIT_TLS ? 995 : 110);
  self->worker = op_worker_new ("pop3");
  return self;
}

void
op_pop3_client_set_verifier (OpPop3Client  *self,
                             OpTlsVerifier *verifier)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));

  g_mutex_lock (&self->lock);
  g_set_object (&self->verifier, verifier);
  g_mutex_unlock (&self->lock);
}

void
op_pop3_client_set_timeout (OpPop3Client *self,
                            guint         seconds)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));

  g_mutex_lock (&self->lock);
  self->timeout = seconds;
  g_mutex_unlock (&self->lock);
}

void
op_pop3_client_set_allow_plaintext_password (OpPop3Client *self,
                                             gboolean      allow)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));

  g_mutex_lock (&self->lock);
  self->allow_plaintext = allow;
  g_mutex_unlock (&self->lock);
}

void
op_pop3_client_set_allow_apop (OpPop3Client *self,
                               gboolean      allow)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));

  g_mutex_lock (&self->lock);
  self->allow_apop = allow;
  g_mutex_unlock (&self->lock);
}

const char *
op_pop3_client_get_host (OpPop3Client *self)
{
  g_return_val_if_fail (OP_IS_POP3_CLIENT (self), NULL);
  return self->host;
}

guint16
op_pop3_client_get_port (OpPop3Client *self)
{
  g_return_val_if_fail (OP_IS_POP3_CLIENT (self), 0);
  return self->port;
}

OpPop3State
op_pop3_client_get_state (OpPop3Client *self)
{
  g_return_val_if_fail (OP_IS_POP3_CLIENT (self), OP_POP3_STATE_DISCONNECTED);
  return self->state;
}

/**
 * op_pop3_client_get_log:
 *
 * Returns: (transfer none): the session's protocol log (secrets masked)
 */
OpProtocolLog *
op_pop3_client_get_log (OpPop3Client *self)
{
  g_return_val_if_fail (OP_IS_POP3_CLIENT (self), NULL);
  return self->log;
}

gboolean
op_pop3_client_has_capability (OpPop3Client *self,
                               const char   *name)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (OP_IS_POP3_CLIENT (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (self->capabilities == NULL)
    return FALSE;
  upper = g_ascii_strup (name, -1);
  return g_hash_table_contains (self->capabilities, upper);
}

OpPop3AuthMethod
op_pop3_client_get_auth_method (OpPop3Client *self)
{
  g_return_val_if_fail (OP_IS_POP3_CLIENT (self), OP_POP3_AUTH_NONE);
  return self->auth_method;
}

gboolean
op_pop3_client_is_tls (OpPop3Client *self)
{
  g_return_val_if_fail (OP_IS_POP3_CLIENT (self), FALSE);
  return self->is_tls;
}

/**
 * op_pop3_client_get_peer_certificate:
 *
 * Returns: (transfer none) (nullable): the server's certificate once TLS is up
 */
GTlsCertificate *
op_pop3_client_get_peer_certificate (OpPop3Client *self)
{
  g_return_val_if_fail (OP_IS_POP3_CLIENT (self), NULL);
  return self->peer_certificate;
}

/* --- the public calls ------------------------------------------------------------------- */

void
op_pop3_client_connect_async (OpPop3Client         *self,
                              const char           *user,
                              const char           *password,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  Job *job;
  GTask *task;

  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  g_return_if_fail (user != NULL);
  g_return_if_fail (password != NULL);

  task = job_task (self, JOB_CONNECT, op_pop3_client_connect_async, cancellable, callback,
                   user_data, &job);
  job->user = g_strdup (user);
  job->secret = g_strdup (password);
  job_queue (self, task);
}

gboolean
op_pop3_client_connect_finish (OpPop3Client  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return job_finish_boolean (self, result, op_pop3_client_connect_async, error);
}

void
op_pop3_client_stat_async (OpPop3Client         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  simple_call (self, JOB_STAT, op_pop3_client_stat_async, 0, cancellable, callback,
               user_data);
}

gboolean
op_pop3_client_stat_finish (OpPop3Client  *self,
                            GAsyncResult  *result,
                            guint         *count,
                            guint64       *size,
                            GError       **error)
{
  Job *job;

  if (!job_finish_boolean (self, result, op_pop3_client_stat_async, error))
    return FALSE;
  job = g_task_get_task_data (G_TASK (result));
  if (count != NULL)
    *count = job->count;
  if (size != NULL)
    *size = job->result;
  return TRUE;
}

void
op_pop3_client_list_async (OpPop3Client         *self,
                           guint                 number,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  simple_call (self, JOB_LIST, op_pop3_client_list_async, number, cancellable, callback,
               user_data);
}

/**
 * op_pop3_client_list_finish:
 *
 * Returns: (transfer full) (element-type OpPop3ListEntry): the entries, or %NULL
 */
GArray *
op_pop3_client_list_finish (OpPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return job_finish_pointer (self, result, op_pop3_client_list_async, error);
}

void
op_pop3_client_uidl_async (OpPop3Client         *self,
                           guint                 number,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  simple_call (self, JOB_UIDL, op_pop3_client_uidl_async, number, cancellable, callback,
               user_data);
}

/**
 * op_pop3_client_uidl_finish:
 *
 * Returns: (transfer full) (element-type OpPop3UidEntry): the entries, or %NULL
 */
GPtrArray *
op_pop3_client_uidl_finish (OpPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return job_finish_pointer (self, result, op_pop3_client_uidl_async, error);
}

static void
message_call (OpPop3Client         *self,
              JobKind               kind,
              gpointer              source_tag,
              guint                 number,
              guint                 lines,
              GOutputStream        *output,
              OpProgressFunc        progress,
              gpointer              progress_data,
              GCancellable         *cancellable,
              GAsyncReadyCallback   callback,
              gpointer              user_data)
{
  Job *job;
  GTask *task = job_task (self, kind, source_tag, cancellable, callback, user_data, &job);

  job->number = number;
  job->lines = lines;
  job->output = g_object_ref (output);
  if (progress != NULL)
    job->progress = op_progress_new_for_task (task, progress, progress_data);
  job_queue (self, task);
}

void
op_pop3_client_retr_async (OpPop3Client         *self,
                           guint                 number,
                           GOutputStream        *output,
                           OpProgressFunc        progress,
                           gpointer              progress_data,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  g_return_if_fail (G_IS_OUTPUT_STREAM (output));
  message_call (self, JOB_RETR, op_pop3_client_retr_async, number, 0, output, progress,
                progress_data, cancellable, callback, user_data);
}

gboolean
op_pop3_client_retr_finish (OpPop3Client  *self,
                            GAsyncResult  *result,
                            guint64       *bytes,
                            GError       **error)
{
  if (!job_finish_boolean (self, result, op_pop3_client_retr_async, error))
    return FALSE;
  if (bytes != NULL)
    *bytes = ((Job *) g_task_get_task_data (G_TASK (result)))->result;
  return TRUE;
}

void
op_pop3_client_top_async (OpPop3Client         *self,
                          guint                 number,
                          guint                 lines,
                          GOutputStream        *output,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  g_return_if_fail (G_IS_OUTPUT_STREAM (output));
  message_call (self, JOB_TOP, op_pop3_client_top_async, number, lines, output, NULL, NULL,
                cancellable, callback, user_data);
}

gboolean
op_pop3_client_top_finish (OpPop3Client  *self,
                           GAsyncResult  *result,
                           guint64       *bytes,
                           GError       **error)
{
  if (!job_finish_boolean (self, result, op_pop3_client_top_async, error))
    return FALSE;
  if (bytes != NULL)
    *bytes = ((Job *) g_task_get_task_data (G_TASK (result)))->result;
  return TRUE;
}

void
op_pop3_client_dele_async (OpPop3Client         *self,
                           guint                 number,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  simple_call (self, JOB_DELE, op_pop3_client_dele_async, number, cancellable, callback,
               user_data);
}

gboolean
op_pop3_client_dele_finish (OpPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return job_finish_boolean (self, result, op_pop3_client_dele_async, error);
}

void
op_pop3_client_rset_async (OpPop3Client         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  simple_call (self, JOB_RSET, op_pop3_client_rset_async, 0, cancellable, callback,
               user_data);
}

gboolean
op_pop3_client_rset_finish (OpPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return job_finish_boolean (self, result, op_pop3_client_rset_async, error);
}

void
op_pop3_client_noop_async (OpPop3Client         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  simple_call (self, JOB_NOOP, op_pop3_client_noop_async, 0, cancellable, callback,
               user_data);
}

gboolean
op_pop3_client_noop_finish (OpPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return job_finish_boolean (self, result, op_pop3_client_noop_async, error);
}

void
op_pop3_client_quit_async (OpPop3Client         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  simple_call (self, JOB_QUIT, op_pop3_client_quit_async, 0, cancellable, callback,
               user_data);
}

gboolean
op_pop3_client_quit_finish (OpPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return job_finish_boolean (self, result, op_pop3_client_quit_async, error);
}
