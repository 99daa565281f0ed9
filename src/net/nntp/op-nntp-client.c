/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-nntp"

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <string.h>

#include "op-connection.h"
#include "op-nntp-client.h"
#include "op-nntp-client-private.h"
#include "op-nntp-private.h"
#include "op-sasl.h"
#include "op-secret.h"

/* RFC 3977 §3.1: a command line is at most 512 octets with its CRLF; AUTHINFO SASL's
 * initial response must fit on it (RFC 4643 §2.4.2), else it waits for a 383. */
#define MAX_COMMAND_LINE 512
/* PLAIN answers once; anything more is not PLAIN. */
#define MAX_SASL_STEPS 1
/* CAPABILITIES: far more than any server lists, far less than a flood. */
#define MAX_CAPABILITY_LINES 512
#define MAX_CAPABILITY_BYTES (64 * 1024)
/* HELP: text for a person to read. */
#define MAX_HELP_BYTES (64 * 1024)
/* QUIT's answer is a courtesy: do not wait the whole timeout for it. */
#define QUIT_TIMEOUT_SECONDS 5
/* RFC 3977 §3.1: "The arguments MUST NOT exceed 497 octets" with the keyword. */
#define MAX_ARGUMENT 497

G_DEFINE_ENUM_TYPE (OpNntpState, op_nntp_state,
  G_DEFINE_ENUM_VALUE (OP_NNTP_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (OP_NNTP_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (OP_NNTP_STATE_READY, "ready"),
  G_DEFINE_ENUM_VALUE (OP_NNTP_STATE_BUSY, "busy"))

/* What the main context sees of the server (OpSession's capabilities snapshot). */
typedef struct
{
  OpNntpCapabilities *caps;          /* (nullable): no CAPABILITIES */
  gboolean            posting_allowed;
  gboolean            compressed;
  char               *welcome;
} Snapshot;

static void
snapshot_free (Snapshot *snapshot)
{
  g_clear_pointer (&snapshot->caps, op_nntp_capabilities_free);
  g_free (snapshot->welcome);
  g_free (snapshot);
}

G_DEFINE_FINAL_TYPE (OpNntpClient, op_nntp_client, OP_TYPE_SESSION)

void
op_nntp_group_time_free (OpNntpGroupTime *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  g_free (entry->creator);
  g_free (entry);
}

void
op_nntp_header_value_free (OpNntpHeaderValue *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->value);
  g_free (entry);
}

/* --- replies (worker) -------------------------------------------------------------------- */

static gpointer
nntp_read_reply (OpSession     *session,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree char *line = NULL;
  GError *local_error = NULL;
  OpNntpReply *reply;
  gsize length = 0;

  line = op_session_read_line (session, OP_NNTP_MAX_REPLY_LINE, &length, cancellable, error);
  if (line == NULL)
    return NULL;
  reply = op_nntp_reply_parse (line, length, &local_error);
  if (reply == NULL)
    op_session_fail (session, local_error, error);
  return reply;
}

static GError *
unexpected_reply (const char        *verb,
                  const OpNntpReply *reply)
{
  g_autofree char *quoted = g_strdup_printf ("%03u %s", reply->code, reply->text);

  /* Translators: %s is an NNTP command, then the reply code and text the server sent */
  return g_error_new (OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY,
                      _("The news server answered %s with an unexpected reply: “%s”."),
                      verb, quoted);
}

/* @expect: the one success code the command has (0: any 1xx-3xx). A failure code is the
 * mapped error; an unexpected success code, or 400 (the server is closing), leaves the
 * session out of step or over: it ends. */
GError *
_op_nntp_nntp_check_reply (OpSession     *session,
                           gconstpointer  data,
                           int            expect,
                           const char    *verb,
                           int            kind)
{
  const OpNntpReply *reply = data;

  if (expect == 0 ? OP_NNTP_REPLY_IS_OK (reply) : reply->code == (guint) expect)
    return NULL;
  if (reply->code >= 400)
    {
      if (reply->code == 400)
        op_session_disconnect (session);
      return op_nntp_error_from_reply (reply, verb, kind);
    }
  op_session_disconnect (session);
  return unexpected_reply (verb, reply);
}

OpNntpReply *
_op_nntp_command (OpNntpClient       *self,
                  const char         *verb,
                  const char         *argument,
                  int                 expect,
                  OpNntpCommandKind   kind,
                  GCancellable       *cancellable,
                  GError            **error)
{
  return op_session_command_expect (SESSION (self), verb, argument, OP_SEND_PLAIN, expect,
                                    kind, cancellable, error);
}

/* A multi-line reply whose status line was read: its block is still due. */
OpNntpReply *
_op_nntp_command_multiline (OpNntpClient       *self,
                            const char         *verb,
                            const char         *argument,
                            int                 expect,
                            OpNntpCommandKind   kind,
                            GCancellable       *cancellable,
                            GError            **error)
{
  OpNntpReply *reply = _op_nntp_command (self, verb, argument, expect, kind, cancellable, error);

  if (reply != NULL)
    op_session_set_in_command (SESSION (self), TRUE);
  return reply;
}

/* A reply whose text must parse; a bad one ends the session. */
gboolean
_op_nntp_parse_or_fail (OpNntpClient  *self,
                        gboolean       ok,
                        GError        *local_error,
                        GError       **error)
{
  if (ok)
    return TRUE;
  op_session_fail (SESSION (self), local_error, error);
  return FALSE;
}

/* --- greeting, CAPABILITIES, STARTTLS (worker) ------------------------------------------ */

static gboolean
nntp_greet (OpSession     *session,
            gboolean      *preauthenticated,
            GCancellable  *cancellable,
            GError       **error)
{
  OpNntpClient *self = OP_NNTP_CLIENT (session);
  g_autoptr(OpNntpReply) greeting = op_session_read_reply (session, cancellable, error);

  if (greeting == NULL)
    return FALSE;
  /* RFC 3977 §5.1.1: 200 posting allowed, 201 not; 400 and 502 refuse service. */
  if (greeting->code != 200 && greeting->code != 201)
    {
      if (greeting->code >= 400)
        g_propagate_error (error, op_nntp_error_from_reply (greeting, _("greeting"),
                                                            OP_NNTP_COMMAND_GREETING));
      else
        g_propagate_error (error, unexpected_reply (_("greeting"), greeting));
      return FALSE;
    }
  self->w_posting_allowed = op_nntp_greeting_allows_posting (greeting);
  g_free (self->w_welcome);
  self->w_welcome = g_strdup (greeting->text);
  return TRUE;
}

typedef struct
{
  GPtrArray          *lines;
  OpNntpCapabilities *caps;
} CapabilityLines;

static gboolean
add_capability (const char  *line,
                gsize        length,
                gpointer     user_data,
                GError     **error)
{
  CapabilityLines *c = user_data;

  g_ptr_array_add (c->lines, g_strndup (line, length));
  op_nntp_capabilities_add_line (c->caps, line, length);
  return TRUE;
}

static void
forget_capabilities (OpNntpClient *self)
{
  g_clear_pointer (&self->w_cap_lines, g_ptr_array_unref);
  g_clear_pointer (&self->w_caps, op_nntp_capabilities_free);
}

/* CAPABILITIES (RFC 3977 §5.2), bounded like any reply. An RFC 977 server answers 500:
 * then nothing is known, and the commands of RFC 2980 (XOVER, XHDR) are used. */
static gboolean
nntp_capabilities (OpSession     *session,
                   GCancellable  *cancellable,
                   GError       **error)
{
  OpNntpClient *self = OP_NNTP_CLIENT (session);
  g_autoptr(OpNntpReply) reply = NULL;
  CapabilityLines c;

  forget_capabilities (self);
  reply = op_session_command (session, "CAPABILITIES", NULL, OP_SEND_PLAIN, cancellable,
                              error);
  if (reply == NULL)
    return FALSE;
  if (reply->code == 400)
    {
      g_propagate_error (error, op_nntp_error_from_reply (reply, "CAPABILITIES",
                                                          OP_NNTP_COMMAND_OTHER));
      op_session_disconnect (session);
      return FALSE;
    }
  if (reply->code != 101)
    return TRUE;

  c.lines = g_ptr_array_new_with_free_func (g_free);
  c.caps = op_nntp_capabilities_new ();
  if (!op_session_read_block (session, OP_NNTP_MAX_REPLY_LINE, MAX_CAPABILITY_LINES,
                              MAX_CAPABILITY_BYTES, add_capability, &c, cancellable, error))
    {
      g_ptr_array_unref (c.lines);
      op_nntp_capabilities_free (c.caps);
      return FALSE;
    }
  self->w_cap_lines = c.lines;
  self->w_caps = c.caps;
  return TRUE;
}

gboolean
_op_nntp_has_capability (OpNntpClient *self,
                         const char   *keyword)
{
  return self->w_caps != NULL && op_nntp_capabilities_has (self->w_caps, keyword);
}

gboolean
_op_nntp_has_capability_arg (OpNntpClient *self,
                             const char   *keyword,
                             const char   *argument)
{
  return self->w_caps != NULL && op_nntp_capabilities_has_arg (self->w_caps, keyword, argument);
}

static gboolean
nntp_start_tls (OpSession     *session,
                GCancellable  *cancellable,
                GError       **error)
{
  OpNntpClient *self = OP_NNTP_CLIENT (session);
  g_autoptr(OpNntpReply) reply = NULL;

  /* RFC 4642 §2.1: STARTTLS is announced in CAPABILITIES. A server that lists its
   * capabilities without it will not do TLS: stop before anything else goes out. One
   * without CAPABILITIES may still know the verb; its answer decides. */
  if (self->w_caps != NULL && !_op_nntp_has_capability (self, "STARTTLS"))
    {
      g_set_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_TLS_REFUSED,
                   _("The news server %s does not offer encryption (STARTTLS), so nothing "
                     "was sent. Choose another security setting only if you trust the "
                     "network."), op_session_get_host (session));
      op_session_quit (SESSION (self), NULL);
      return FALSE;
    }
  reply = op_session_command (session, "STARTTLS", NULL, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return FALSE;
  /* RFC 4642 §2.2.2: 382 continue with the negotiation. */
  if (reply->code != 382)
    {
      g_propagate_error (error, op_nntp_error_from_reply (reply, "STARTTLS",
                                                          OP_NNTP_COMMAND_TLS));
      op_session_quit (SESSION (self), NULL);
      return FALSE;
    }
  return TRUE;
}

/* After TLS and when the connection drops: what was learnt before is forgotten (RFC 4642
 * §2.2.2). The overview format goes too: a man in the middle may have chosen it. */
static void
nntp_reset (OpSession *session)
{
  OpNntpClient *self = OP_NNTP_CLIENT (session);

  forget_capabilities (self);
  g_clear_pointer (&self->w_format, op_nntp_overview_format_free);
  g_clear_pointer (&self->w_format_extra, g_strfreev);
}

static gpointer
nntp_dup_capabilities (OpSession *session)
{
  OpNntpClient *self = OP_NNTP_CLIENT (session);
  Snapshot *snapshot = g_new0 (Snapshot, 1);

  if (self->w_cap_lines != NULL)
    {
      snapshot->caps = op_nntp_capabilities_new ();
      for (guint i = 0; i < self->w_cap_lines->len; i++)
        {
          const char *line = self->w_cap_lines->pdata[i];

          op_nntp_capabilities_add_line (snapshot->caps, line, strlen (line));
        }
    }
  snapshot->posting_allowed = self->w_posting_allowed;
  snapshot->compressed = op_session_get_connection (session) != NULL &&
                         op_connection_is_compressed (op_session_get_connection (session));
  snapshot->welcome = g_strdup (self->w_welcome);
  return snapshot;
}

/* The client's own settings for one job, in OpSessionSettings.extra: the login method
 * in the low byte, COMPRESS above it. */
#define SETTING_COMPRESS 0x100

static gpointer
nntp_copy_settings (OpSession *session)
{
  OpNntpClient *self = OP_NNTP_CLIENT (session);

  return GINT_TO_POINTER (self->auth_preference | (self->compress ? SETTING_COMPRESS : 0));
}

static OpNntpAuthMethod
auth_preference (OpNntpClient *self)
{
  return GPOINTER_TO_INT (op_session_get_settings (SESSION (self))->extra) & 0xff;
}

static gboolean
compress_enabled (OpNntpClient *self)
{
  return (GPOINTER_TO_INT (op_session_get_settings (SESSION (self))->extra) &
          SETTING_COMPRESS) != 0;
}

/* --- MODE READER and login (worker) ------------------------------------------------------ */

/* RFC 3977 §5.3: a server that announces MODE-READER (and not READER) is a transit
 * server until asked; one without CAPABILITIES (RFC 977, RFC 2980 §2.3) may need it
 * too and may not know it (then its 500 is no error). Its 200/201 replaces the
 * greeting's posting status, and the capabilities change. */
static gboolean
mode_reader (OpNntpClient  *self,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(OpNntpReply) reply = NULL;

  if (self->w_caps != NULL && (_op_nntp_has_capability (self, "READER") ||
                               !_op_nntp_has_capability (self, "MODE-READER")))
    return TRUE;
  reply = op_session_command (SESSION (self), "MODE READER", NULL, OP_SEND_PLAIN, cancellable,
                              error);
  if (reply == NULL)
    return FALSE;
  if (reply->code == 200 || reply->code == 201)
    {
      self->w_posting_allowed = reply->code == 200;
      return nntp_capabilities (SESSION (self), cancellable, error);
    }
  if (self->w_caps == NULL && (reply->code == 500 || reply->code == 501))
    return TRUE;
  g_propagate_error (error, op_nntp_error_from_reply (reply, "MODE READER",
                                                      OP_NNTP_COMMAND_OTHER));
  return FALSE;
}

static gboolean
login_failed (OpNntpClient       *self,
              const OpNntpReply  *reply,
              const char         *verb,
              GError            **error)
{
  g_propagate_error (error, op_nntp_error_from_reply (reply, verb, OP_NNTP_COMMAND_AUTH));
  op_session_quit (SESSION (self), NULL);
  return FALSE;
}

/* RFC 4643 §2.4: "AUTHINFO SASL PLAIN initial-response"; the log shows
 * "AUTHINFO SASL PLAIN ****". */
static gboolean
sasl_send_start (OpSession     *session,
                 const char    *mechanism,
                 const char    *initial,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree char *verb = g_strconcat ("AUTHINFO SASL ", mechanism, NULL);

  if (initial != NULL)
    return op_session_send (session, verb, *initial != '\0' ? initial : "=",
                            OP_SEND_SECRET_ARGUMENT, cancellable, error);
  return op_session_send (session, verb, NULL, OP_SEND_PLAIN, cancellable, error);
}

/* RFC 4643 §2.4.1: "383 challenge" continues the exchange ("=" is an empty one); any
 * other reply ends it. */
static gpointer
sasl_read_step (OpSession     *session,
                char         **challenge,
                GCancellable  *cancellable,
                GError       **error)
{
  OpNntpReply *reply = nntp_read_reply (session, cancellable, error);

  if (reply == NULL || reply->code != 383)
    return reply;
  *challenge = g_strdup (g_str_equal (reply->text, "=") ? "" : reply->text);
  op_nntp_reply_free (reply);
  return NULL;
}

static const OpSessionSaslFraming sasl_framing = {
  .send_start = sasl_send_start,
  .read_step = sasl_read_step,
  .max_initial_response = MAX_COMMAND_LINE - 2 - (sizeof ("AUTHINFO SASL PLAIN ") - 1),
  .max_steps = MAX_SASL_STEPS,
};

static gboolean
auth_sasl_plain (OpNntpClient  *self,
                 const char    *user,
                 const char    *password,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(OpSaslSession) sasl = op_sasl_session_new (OP_SASL_MECHANISM_PLAIN, user, password);
  g_autoptr(OpNntpReply) reply = NULL;
  GError *local_error = NULL;

  reply = op_session_sasl_authenticate (SESSION (self), &sasl_framing, sasl, cancellable,
                                        &local_error);
  if (reply == NULL)
    {
      op_session_propagate_sasl_error (SESSION (self), local_error, error);
      return FALSE;
    }
  /* RFC 4643 §2.4.1: 281 authentication accepted. */
  if (reply->code != 281)
    return login_failed (self, reply, "AUTHINFO SASL", error);
  return TRUE;
}

/* RFC 4643 §2.3: AUTHINFO USER, then 381 asks for PASS (281 needs none). */
static gboolean
auth_user_pass (OpNntpClient  *self,
                const char    *user,
                const char    *password,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(OpNntpReply) reply = NULL;

  reply = op_session_command (SESSION (self), "AUTHINFO USER", user, OP_SEND_PLAIN,
                              cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (reply->code == 281)
    return TRUE;
  if (reply->code != 381)
    return login_failed (self, reply, "AUTHINFO USER", error);
  g_clear_pointer (&reply, op_nntp_reply_free);
  reply = op_session_command (SESSION (self), "AUTHINFO PASS", password,
                              OP_SEND_SECRET_ARGUMENT, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (reply->code != 281)
    return login_failed (self, reply, "AUTHINFO PASS", error);
  return TRUE;
}

static gboolean
login (OpNntpClient  *self,
       const char    *user,
       const char    *password,
       GCancellable  *cancellable,
       GError       **error)
{
  OpSession *session = SESSION (self);
  OpNntpAuthMethod method = auth_preference (self);
  gboolean user_offered, sasl_offered;

  if (!op_session_check_plaintext (session, error))
    {
      op_session_quit (SESSION (self), NULL);
      return FALSE;
    }

  /* RFC 4643 §2.1: AUTHINFO USER and SASL are announced in CAPABILITIES. A server
   * without CAPABILITIES may still know AUTHINFO USER (RFC 2980 §3.1.1). */
  user_offered = self->w_caps == NULL || _op_nntp_has_capability_arg (self, "AUTHINFO", "USER");
  sasl_offered = _op_nntp_has_capability_arg (self, "AUTHINFO", "SASL") &&
                 _op_nntp_has_capability_arg (self, "SASL", "PLAIN");
  if (method == OP_NNTP_AUTH_NONE)
    method = user_offered ? OP_NNTP_AUTH_USER_PASS
                          : sasl_offered ? OP_NNTP_AUTH_SASL_PLAIN : OP_NNTP_AUTH_NONE;
  if ((method == OP_NNTP_AUTH_USER_PASS && !user_offered) ||
      (method == OP_NNTP_AUTH_SASL_PLAIN && !sasl_offered) || method == OP_NNTP_AUTH_NONE)
    {
      if (_op_nntp_has_capability (self, "AUTHINFO") || _op_nntp_has_capability (self, "SASL") ||
          op_session_connection_is_tls (session))
        g_set_error_literal (error, OP_NNTP_ERROR, OP_NNTP_ERROR_UNSUPPORTED,
                             _("The news server offers no login method Outpost can use "
                               "for this account (AUTHINFO USER or SASL PLAIN)."));
      else
        /* RFC 4643 §2.2: servers hide AUTHINFO until the link is encrypted. */
        g_set_error_literal (error, OP_NNTP_ERROR, OP_NNTP_ERROR_ENCRYPTION_REQUIRED,
                             _("The news server offers a login only over an encrypted "
                               "connection. Use TLS for this account."));
      op_session_quit (SESSION (self), NULL);
      return FALSE;
    }

  op_session_set_auth (session, method);
  if (method == OP_NNTP_AUTH_SASL_PLAIN)
    {
      if (!auth_sasl_plain (self, user, password, cancellable, error))
        return FALSE;
    }
  else if (!auth_user_pass (self, user, password, cancellable, error))
    return FALSE;

  op_protocol_log_append (op_session_get_log (session), OP_LOG_INFO, _("Logged in."));
  /* RFC 4643 §2.2: the capabilities may change after a login; ask again. */
  return nntp_capabilities (session, cancellable, error);
}

/* RFC 8054: COMPRESS DEFLATE, after the login so that no credential is compressed
 * beside data an attacker chooses (§6). A refusal leaves the session as it was. */
static gboolean
start_compression (OpNntpClient  *self,
                   GCancellable  *cancellable,
                   GError       **error)
{
  OpSession *session = SESSION (self);
  g_autoptr(OpNntpReply) reply = NULL;
  GError *local_error = NULL;

  if (!compress_enabled (self) || !_op_nntp_has_capability_arg (self, "COMPRESS", "DEFLATE"))
    return TRUE;
  reply = op_session_command (session, "COMPRESS DEFLATE", NULL, OP_SEND_PLAIN, cancellable,
                              error);
  if (reply == NULL)
    return FALSE;
  /* RFC 8054 §2.2.2: 206 compression active; 403 and 502 refuse it. */
  if (reply->code != 206)
    {
      /* Translators: the server's reply code and text follow */
      op_protocol_log_append_printf (op_session_get_log (session), OP_LOG_INFO,
                                     _("The news server did not start compression: %03u %s"),
                                     reply->code, reply->text);
      return TRUE;
    }
  if (!op_connection_start_compression (op_session_get_connection (session), &local_error))
    {
      /* Plain bytes after 206: not NNTP as RFC 8054 §2.2.2 speaks it. */
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
        {
          GError *bad = g_error_new_literal (OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY,
                                             local_error->message);

          g_error_free (local_error);
          local_error = bad;
        }
      op_session_fail (session, local_error, error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
connect_and_login (OpNntpClient  *self,
                   const char    *user,
                   const char    *password,
                   GCancellable  *cancellable,
                   GError       **error)
{
  OpSession *session = SESSION (self);

  op_protocol_log_append_printf (op_session_get_log (session), OP_LOG_INFO,
                                 _("Connecting to %s port %u…"),
                                 op_session_get_host (session), op_session_get_port (session));
  if (user != NULL)
    {
      if (!op_session_check_credential (session, user, _("user name"), error) ||
          !op_session_check_credential (session, password, _("password"), error))
        return FALSE;
      /* Without TLS and without the opt-in no login can happen: refuse before anything
       * goes out. */
      if (op_session_get_security (session) == OP_SECURITY_NONE &&
          !op_session_check_plaintext (session, error))
        return FALSE;
    }
  if (!op_session_open (session, cancellable, error))
    return FALSE;
  if (!mode_reader (self, cancellable, error))
    return FALSE;
  if (user != NULL && !login (self, user, password, cancellable, error))
    return FALSE;
  return start_compression (self, cancellable, error);
}

/* --- arguments ----------------------------------------------------------------------------- */

gboolean
_op_nntp_invalid_argument (GError     **error,
                           const char  *message)
{
  g_set_error_literal (error, OP_NNTP_ERROR, OP_NNTP_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}

gboolean
_op_nntp_check_message_id (const char  *message_id,
                           GError     **error)
{
  if (op_nntp_message_id_is_valid (message_id, strlen (message_id)))
    return TRUE;
  return _op_nntp_invalid_argument (error, _("This is not a valid Message-ID (it must look like "
                                             "<part@domain> and contain no spaces)."));
}

static gboolean
check_group (const char  *group,
             GError     **error)
{
  if (op_nntp_group_name_is_valid (group, strlen (group)))
    return TRUE;
  return _op_nntp_invalid_argument (error, _("This is not a valid newsgroup name."));
}

/* RFC 3977 §4.1: a wildmat has no white space; printable UTF-8 otherwise. */
static gboolean
check_wildmat (const char  *wildmat,
               GError     **error)
{
  gsize length = strlen (wildmat);

  if (length > 0 && length <= MAX_ARGUMENT && g_utf8_validate (wildmat, length, NULL))
    {
      const char *p;

      for (p = wildmat; *p != '\0'; p++)
        if ((guchar) *p <= ' ' || *p == 0x7f)
          break;
      if (*p == '\0')
        return TRUE;
    }
  return _op_nntp_invalid_argument (error, _("This newsgroup pattern cannot be sent (it is empty, "
                                             "too long, or contains spaces or control characters)."));
}

/* RFC 5322 §3.6.8 field names (printable, no colon), or HDR's ":bytes" metadata. */
static gboolean
check_field (const char  *field,
             GError     **error)
{
  gsize length = strlen (field);

  if (length > 0 && length <= 128)
    {
      const char *p;

      for (p = field + (field[0] == ':' ? 1 : 0); *p != '\0'; p++)
        if ((guchar) *p <= ' ' || (guchar) *p >= 0x7f || *p == ':')
          break;
      if (*p == '\0' && !(field[0] == ':' && length == 1))
        return TRUE;
    }
  return _op_nntp_invalid_argument (error, _("This is not a valid header field name."));
}

char *
_op_nntp_format_range (guint64   low,
                       guint64   high,
                       GError  **error)
{
  char *range = op_nntp_range_format (low, high);

  if (range == NULL)
    _op_nntp_invalid_argument (error, _("This is not a valid range of article numbers (they start "
                                        "at 1, and the last may not come before the first)."));
  return range;
}

/* RFC 3977 §7.3.2: "yyyymmdd hhmmss GMT" (a four-digit year). */
static char *
format_since (GDateTime *since)
{
  g_autoptr(GDateTime) utc = g_date_time_to_utc (since);

  return g_date_time_format (utc, "%Y%m%d %H%M%S GMT");
}

/* --- jobs ---------------------------------------------------------------------------------- */

static void
job_free (Job *job)
{
  g_free (job->user);
  op_secret_free (job->secret);
  g_free (job->text);
  g_free (job->message_id);
  g_clear_pointer (&job->since, g_date_time_unref);
  g_clear_object (&job->output);
  g_clear_object (&job->input);
  g_clear_object (&job->progress);
  g_clear_pointer (&job->over, _op_nntp_over_shared_unref);
  g_free (job->r_message_id);
  g_strfreev (job->r_extra_names);
  g_free (job);
}

static gpointer
run_connect (OpSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  Job *job = data;

  if (!connect_and_login (OP_NNTP_CLIENT (session), job->user, job->secret, cancellable,
                          error))
    {
      op_session_disconnect (session);
      return NULL;
    }
  return OP_SESSION_JOB_OK;
}

static gpointer
run_quit (OpSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(OpNntpReply) reply = NULL;

  if (!op_session_is_connected (session))
    {
      op_session_disconnect (session);
      return OP_SESSION_JOB_OK;
    }
  op_session_set_state (session, OP_NNTP_STATE_BUSY);
  op_session_set_io_timeout (session, QUIT_TIMEOUT_SECONDS);
  /* RFC 3977 §5.4: 205 connection closing. */
  reply = _op_nntp_command (OP_NNTP_CLIENT (session), "QUIT", NULL, 205, OP_NNTP_COMMAND_OTHER,
                            cancellable, error);
  op_session_disconnect (session);
  return reply != NULL ? OP_SESSION_JOB_OK : NULL;
}

static gpointer
run_listing (OpNntpClient  *self,
             Job           *job,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree char *argument = NULL;
  g_autofree char *since = NULL;
  Collect c = { self, NULL, 0, LINE_ACTIVE, "LIST" };
  GDestroyNotify result_free = (GDestroyNotify) g_ptr_array_unref;
  const char *verb = "LIST";
  int expect = 215;

  if (job->text != NULL && !check_wildmat (job->text, error))
    return NULL;
  switch (job->kind)
    {
    case JOB_LIST_ACTIVE:
      argument = g_strconcat ("ACTIVE", job->text != NULL ? " " : NULL, job->text, NULL);
      c.result = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_active_free);
      break;
    case JOB_LIST_NEWSGROUPS:
      argument = g_strconcat ("NEWSGROUPS", job->text != NULL ? " " : NULL, job->text, NULL);
      c.result = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      c.kind = LINE_NEWSGROUPS;
      result_free = (GDestroyNotify) g_hash_table_unref;
      break;
    case JOB_LIST_ACTIVE_TIMES:
      argument = g_strconcat ("ACTIVE.TIMES", job->text != NULL ? " " : NULL, job->text,
                              NULL);
      c.result = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_group_time_free);
      c.kind = LINE_ACTIVE_TIMES;
      break;
    case JOB_NEWGROUPS:
      verb = c.verb = "NEWGROUPS";
      expect = 231;
      argument = format_since (job->since);
      c.result = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_active_free);
      break;
    case JOB_NEWNEWS:
      verb = c.verb = "NEWNEWS";
      expect = 230;
      since = format_since (job->since);
      argument = g_strconcat (job->text, " ", since, NULL);
      c.result = g_ptr_array_new_with_free_func (g_free);
      c.kind = LINE_MESSAGE_ID;
      break;
    case JOB_HELP:
      c.result = g_string_new (NULL);
      if (!_op_nntp_listing (self, "HELP", NULL, 100, OP_NNTP_MAX_REPLY_LINE, MAX_HELP_BYTES,
                             _op_nntp_collect_help, &c, cancellable, error))
        {
          g_string_free (c.result, TRUE);
          return NULL;
        }
      return g_string_free (c.result, FALSE);
    default:
      g_assert_not_reached ();
    }
  if (!_op_nntp_listing (self, verb, argument, expect, OP_NNTP_MAX_LIST_LINE, 0, _op_nntp_collect_line, &c,
                         cancellable, error))
    {
      result_free (c.result);
      return NULL;
    }
  job->r_skipped = c.skipped;
  return c.result;
}

static gpointer
run_group (OpNntpClient  *self,
           Job           *job,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(OpNntpReply) reply = NULL;
  g_autofree char *argument = NULL;
  GError *local_error = NULL;
  Collect c = { self, NULL, 0 };

  if (job->text != NULL && !check_group (job->text, error))
    return NULL;
  if (job->kind == JOB_GROUP)
    {
      reply = _op_nntp_command (self, "GROUP", job->text, 211, OP_NNTP_COMMAND_OTHER, cancellable,
                                error);
      if (reply == NULL ||
          !_op_nntp_parse_or_fail (self, op_nntp_parse_group_reply (reply->text, &job->r_count,
                                                                    &job->r_low, &job->r_high, NULL,
                                                                    &local_error),
                                   local_error, error))
        return NULL;
      return OP_SESSION_JOB_OK;
    }

  /* RFC 3977 §6.1.2: LISTGROUP [group [range]]. */
  if (job->low > 0)
    {
      g_autofree char *range = NULL;

      if (job->text == NULL)
        {
          _op_nntp_invalid_argument (error, _("A range of article numbers needs a newsgroup."));
          return NULL;
        }
      if ((range = _op_nntp_format_range (job->low, job->high, error)) == NULL)
        return NULL;
      argument = g_strconcat (job->text, " ", range, NULL);
    }
  else
    argument = g_strdup (job->text);
  reply = _op_nntp_command_multiline (self, "LISTGROUP", argument, 211, OP_NNTP_COMMAND_OTHER,
                                      cancellable, error);
  if (reply == NULL ||
      !_op_nntp_parse_or_fail (self, op_nntp_parse_group_reply (reply->text, &job->r_count, &job->r_low,
                                                                &job->r_high, NULL, &local_error),
                               local_error, error))
    return NULL;
  c.result = g_array_new (FALSE, FALSE, sizeof (guint64));
  c.kind = LINE_NUMBER;
  c.verb = "LISTGROUP";
  if (!op_session_read_block (SESSION (self), OP_NNTP_MAX_REPLY_LINE, 0, 0, _op_nntp_collect_line, &c,
                              cancellable, error))
    {
      g_array_unref (c.result);
      return NULL;
    }
  job->r_skipped = c.skipped;
  return c.result;
}

static gpointer
run_hdr (OpNntpClient  *self,
         Job           *job,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autofree char *argument = NULL;
  g_autofree char *range = NULL;
  gboolean hdr = _op_nntp_has_capability (self, "HDR");
  Collect c = { self, NULL, 0 };

  if (!check_field (job->text, error))
    return NULL;
  if (job->message_id != NULL)
    {
      if (!_op_nntp_check_message_id (job->message_id, error))
        return NULL;
      argument = g_strconcat (job->text, " ", job->message_id, NULL);
    }
  else
    {
      if ((range = _op_nntp_format_range (job->low, job->high, error)) == NULL)
        return NULL;
      argument = g_strconcat (job->text, " ", range, NULL);
    }
  c.result = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_header_value_free);
  c.kind = LINE_HDR;
  c.verb = hdr ? "HDR" : "XHDR";
  /* RFC 3977 §8.5.2: 225; RFC 2980 §2.6: XHDR answers 221. */
  if (!_op_nntp_listing (self, hdr ? "HDR" : "XHDR", argument, hdr ? 225 : 221, OP_NNTP_MAX_LIST_LINE,
                         0, _op_nntp_collect_line, &c, cancellable, error))
    {
      g_ptr_array_unref (c.result);
      return NULL;
    }
  job->r_skipped = c.skipped;
  return c.result;
}

static gpointer
run_command (OpSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  OpNntpClient *self = OP_NNTP_CLIENT (session);
  Job *job = data;

  switch (job->kind)
    {
    case JOB_DATE:
      {
        g_autoptr(OpNntpReply) reply = _op_nntp_command (self, "DATE", NULL, 111, OP_NNTP_COMMAND_OTHER,
                                                         cancellable, error);
        GError *local_error = NULL;
        GDateTime *date;

        if (reply == NULL)
          return NULL;
        date = op_nntp_parse_date_reply (reply->text, &local_error);
        _op_nntp_parse_or_fail (self, date != NULL, local_error, error);
        return date;
      }

    case JOB_HELP:
    case JOB_LIST_ACTIVE:
    case JOB_LIST_NEWSGROUPS:
    case JOB_LIST_ACTIVE_TIMES:
    case JOB_NEWGROUPS:
    case JOB_NEWNEWS:
      return run_listing (self, job, cancellable, error);

    case JOB_LIST_OVERVIEW_FMT:
      {
        GStrv lines = NULL;

        if (!_op_nntp_load_format (self, TRUE, &lines, cancellable, error))
          return NULL;
        return lines;
      }

    case JOB_GROUP:
    case JOB_LISTGROUP:
      return run_group (self, job, cancellable, error);

    case JOB_OVER:
      if (!_op_nntp_over_range (self, job->low, job->high, job->over, &job->r_count, &job->r_skipped,
                                cancellable, error))
        return NULL;
      return OP_SESSION_JOB_OK;

    case JOB_OVER_MESSAGE_ID:
      {
        Collect c = { self, NULL, 0 };

        if (!_op_nntp_check_message_id (job->message_id, error))
          return NULL;
        if (self->w_format == NULL && !_op_nntp_load_format (self, FALSE, NULL, cancellable, error))
          return NULL;
        /* RFC 3977 §8.3: only OVER takes a Message-ID (XOVER does not). */
        if (!_op_nntp_listing (self, "OVER", job->message_id, 224, OP_NNTP_MAX_LIST_LINE, 0,
                               _op_nntp_collect_one_overview, &c, cancellable, error))
          {
            g_clear_pointer (&c.result, op_nntp_overview_free);
            return NULL;
          }
        if (c.result == NULL)
          {
            g_set_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_ARTICLE,
                         _("The news server sent no overview of %s."), job->message_id);
            return NULL;
          }
        job->r_extra_names = g_strdupv (self->w_format_extra);
        return c.result;
      }

    case JOB_HDR:
      return run_hdr (self, job, cancellable, error);

    case JOB_ARTICLE:
      {
        gboolean ok = _op_nntp_receive_article (self, job->part, job->message_id, job->number,
                                                job->output, job->progress, &job->r_number,
                                                &job->r_message_id, &job->r_count, cancellable, error);

        if (job->progress != NULL)
          op_progress_finish (job->progress);
        return ok ? OP_SESSION_JOB_OK : NULL;
      }

    case JOB_STAT:
    case JOB_NEXT:
    case JOB_LAST:
      {
        g_autoptr(OpNntpReply) reply = NULL;
        g_autofree char *argument = NULL;
        const char *verb = job->kind == JOB_STAT ? "STAT" : job->kind == JOB_NEXT ? "NEXT"
                                                                                  : "LAST";

        if (job->kind == JOB_STAT &&
            !_op_nntp_article_argument (job->message_id, job->number, &argument, error))
          return NULL;
        /* RFC 3977 §6.1.3, §6.1.4, §6.2.4: 223 article exists. */
        reply = _op_nntp_command (self, verb, argument, 223, OP_NNTP_COMMAND_OTHER, cancellable, error);
        if (reply == NULL ||
            !_op_nntp_parse_article_reply (self, reply, &job->r_number, &job->r_message_id, error))
          return NULL;
        return OP_SESSION_JOB_OK;
      }

    case JOB_POST:
      return _op_nntp_post_article (self, job->input, cancellable, error) ? OP_SESSION_JOB_OK : NULL;

    case JOB_CONNECT:
    case JOB_QUIT:
    default:
      g_assert_not_reached ();
    }
}

Job *
_op_nntp_job_new (JobKind     kind,
                  const char *text)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->text = g_strdup (text);
  return job;
}

void
_op_nntp_job_queue (OpNntpClient *self,
                    GTask        *task,
                    Job          *job)
{
  OpSessionJobFunc func = run_command;
  OpSessionJobFlags flags = OP_SESSION_JOB_NEEDS_CONNECTION;
  GDestroyNotify result_free = NULL;

  switch (job->kind)
    {
    case JOB_CONNECT:
      func = run_connect;
      flags = OP_SESSION_JOB_NONE;
      break;
    case JOB_QUIT:
      func = run_quit;
      flags = OP_SESSION_JOB_NONE;
      break;
    case JOB_DATE:
      result_free = (GDestroyNotify) g_date_time_unref;
      break;
    case JOB_HELP:
      result_free = g_free;
      break;
    case JOB_LIST_NEWSGROUPS:
      result_free = (GDestroyNotify) g_hash_table_unref;
      break;
    case JOB_LIST_OVERVIEW_FMT:
      result_free = (GDestroyNotify) g_strfreev;
      break;
    case JOB_LISTGROUP:
      result_free = (GDestroyNotify) g_array_unref;
      break;
    case JOB_OVER_MESSAGE_ID:
      result_free = (GDestroyNotify) op_nntp_overview_free;
      break;
    case JOB_LIST_ACTIVE:
    case JOB_LIST_ACTIVE_TIMES:
    case JOB_NEWGROUPS:
    case JOB_NEWNEWS:
    case JOB_HDR:
      result_free = (GDestroyNotify) g_ptr_array_unref;
      break;
    case JOB_POST:
      flags |= OP_SESSION_JOB_RESULT_OVER_CANCEL;
      break;
    case JOB_GROUP:
    case JOB_OVER:
    case JOB_ARTICLE:
    case JOB_STAT:
    case JOB_NEXT:
    case JOB_LAST:
    default:
      break;
    }
  op_session_queue (SESSION (self), task, func, job, (GDestroyNotify) job_free, result_free,
                    flags);
}

/* Queues @job for the call @source_tag (the public _async function). */
void
_op_nntp_call (OpNntpClient         *self,
               Job                  *job,
               gpointer              source_tag,
               GCancellable         *cancellable,
               GAsyncReadyCallback   callback,
               gpointer              user_data)
{
  _op_nntp_job_queue (self, op_session_task_new (SESSION (self), source_tag, cancellable,
                                                 callback, user_data),
                      job);
}

/* --- GObject ----------------------------------------------------------------------------- */

static void
op_nntp_client_finalize (GObject *object)
{
  OpNntpClient *self = OP_NNTP_CLIENT (object);

  forget_capabilities (self);
  g_clear_pointer (&self->w_format, op_nntp_overview_format_free);
  g_clear_pointer (&self->w_format_extra, g_strfreev);
  g_free (self->w_welcome);

  G_OBJECT_CLASS (op_nntp_client_parent_class)->finalize (object);
}

static void
op_nntp_client_class_init (OpNntpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  OpSessionClass *session_class = OP_SESSION_CLASS (klass);

  object_class->finalize = op_nntp_client_finalize;

  session_class->protocol = "nntp";
  /* RFC 3977 §3.1 and RFC 8143 §3 (RFC 4642): 119 and 563. */
  session_class->default_port = 119;
  session_class->default_tls_port = 563;
  session_class->error_domain = OP_NNTP_ERROR;
  session_class->error_connection_lost = OP_NNTP_ERROR_CONNECTION_LOST;
  session_class->error_bad_reply = OP_NNTP_ERROR_BAD_REPLY;
  session_class->error_not_connected = OP_NNTP_ERROR_NOT_CONNECTED;
  session_class->error_invalid_argument = OP_NNTP_ERROR_INVALID_ARGUMENT;
  session_class->error_plaintext_refused = OP_NNTP_ERROR_PLAINTEXT_REFUSED;
  session_class->error_tls_refused = OP_NNTP_ERROR_TLS_REFUSED;
  session_class->error_auth_unavailable = OP_NNTP_ERROR_UNSUPPORTED;
  session_class->max_reply_line = OP_NNTP_MAX_REPLY_LINE;
  session_class->state_disconnected = OP_NNTP_STATE_DISCONNECTED;
  session_class->state_connecting = OP_NNTP_STATE_CONNECTING;
  session_class->state_ready = OP_NNTP_STATE_READY;
  session_class->state_busy = OP_NNTP_STATE_BUSY;
  /**
   * OpNntpClient:state:
   *
   * Where the session is, for a connection indicator; notified on the main context.
   */
  op_session_class_install_state (session_class, OP_TYPE_NNTP_STATE);
  session_class->capabilities_free = (GDestroyNotify) snapshot_free;
  session_class->copy_settings = nntp_copy_settings;
  session_class->reset = nntp_reset;
  session_class->greet = nntp_greet;
  session_class->capabilities = nntp_capabilities;
  session_class->start_tls = nntp_start_tls;
  session_class->read_reply = nntp_read_reply;
  session_class->reply_free = (GDestroyNotify) op_nntp_reply_free;
  session_class->check_reply = _op_nntp_nntp_check_reply;
  session_class->dup_capabilities = nntp_dup_capabilities;
  session_class->deliver_event = _op_nntp_nntp_deliver_event;

  /* POST's filters are GMime's (as SMTP's DATA); GMime counts its initialisations. */
  g_mime_init ();
}

static void
op_nntp_client_init (OpNntpClient *self)
{
}

/**
 * op_nntp_client_new:
 * @host: a host name or address
 * @port: the port, or 0 for the default (119, or 563 for implicit TLS)
 * @security: how the session is protected
 *
 * Returns: (transfer full): a client, not connected yet
 */
OpNntpClient *
op_nntp_client_new (const char *host,
                    guint16     port,
                    OpSecurity  security)
{
  return op_session_new (OP_TYPE_NNTP_CLIENT, host, port, security);
}

OP_SESSION_DEFINE_SETTINGS (OpNntpClient, op_nntp_client, OP_IS_NNTP_CLIENT)
OP_SESSION_DEFINE_GETTERS (OpNntpClient, op_nntp_client, OP_IS_NNTP_CLIENT)
OP_SESSION_DEFINE_STATE_GETTER (OpNntpClient, op_nntp_client, OP_IS_NNTP_CLIENT, OpNntpState,
                                OP_NNTP_STATE_DISCONNECTED)

void
op_nntp_client_set_auth_method (OpNntpClient     *self,
                                OpNntpAuthMethod  method)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));

  op_session_lock_settings (SESSION (self));
  self->auth_preference = method;
  op_session_unlock_settings (SESSION (self));
}

OP_SESSION_DEFINE_SETTER (OpNntpClient, op_nntp_client, OP_IS_NNTP_CLIENT, compress, gboolean)

gboolean
op_nntp_client_is_compressed (OpNntpClient *self)
{
  Snapshot *snapshot;

  g_return_val_if_fail (OP_IS_NNTP_CLIENT (self), FALSE);

  snapshot = op_session_get_capabilities (SESSION (self));
  return snapshot != NULL && snapshot->compressed;
}

OpNntpAuthMethod
op_nntp_client_get_auth_method (OpNntpClient *self)
{
  g_return_val_if_fail (OP_IS_NNTP_CLIENT (self), OP_NNTP_AUTH_NONE);
  return op_session_get_auth (SESSION (self));
}

static Snapshot *
get_snapshot (OpNntpClient *self)
{
  return op_session_get_capabilities (SESSION (self));
}

gboolean
op_nntp_client_has_capability (OpNntpClient *self,
                               const char   *keyword)
{
  Snapshot *snapshot;

  g_return_val_if_fail (OP_IS_NNTP_CLIENT (self), FALSE);
  g_return_val_if_fail (keyword != NULL, FALSE);

  snapshot = get_snapshot (self);
  return snapshot != NULL && snapshot->caps != NULL &&
         op_nntp_capabilities_has (snapshot->caps, keyword);
}

gboolean
op_nntp_client_has_capability_arg (OpNntpClient *self,
                                   const char   *keyword,
                                   const char   *argument)
{
  Snapshot *snapshot;

  g_return_val_if_fail (OP_IS_NNTP_CLIENT (self), FALSE);
  g_return_val_if_fail (keyword != NULL && argument != NULL, FALSE);

  snapshot = get_snapshot (self);
  return snapshot != NULL && snapshot->caps != NULL &&
         op_nntp_capabilities_has_arg (snapshot->caps, keyword, argument);
}

gboolean
op_nntp_client_get_posting_allowed (OpNntpClient *self)
{
  Snapshot *snapshot;

  g_return_val_if_fail (OP_IS_NNTP_CLIENT (self), FALSE);

  snapshot = get_snapshot (self);
  return snapshot != NULL && snapshot->posting_allowed;
}

const char *
op_nntp_client_get_welcome (OpNntpClient *self)
{
  Snapshot *snapshot;

  g_return_val_if_fail (OP_IS_NNTP_CLIENT (self), NULL);

  snapshot = get_snapshot (self);
  return snapshot != NULL ? snapshot->welcome : NULL;
}

/* What GROUP and LISTGROUP report, for their _finish. */
void
_op_nntp_get_marks (GAsyncResult *result,
                    guint64      *count,
                    guint64      *low,
                    guint64      *high)
{
  Job *job = op_session_task_get_data (result);

  if (count != NULL)
    *count = job->r_count;
  if (low != NULL)
    *low = job->r_low;
  if (high != NULL)
    *high = job->r_high;
}

/* What ARTICLE, HEAD, BODY, STAT, NEXT and LAST report, for their _finish. */
void
_op_nntp_get_article (GAsyncResult  *result,
                      guint64       *number,
                      char         **message_id)
{
  Job *job = op_session_task_get_data (result);

  if (number != NULL)
    *number = job->r_number;
  if (message_id != NULL)
    *message_id = g_steal_pointer (&job->r_message_id);
}

