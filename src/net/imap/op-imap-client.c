/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-connection.h"
#include "op-imap-client-private.h"
#include "op-secret.h"

/*
 * The IMAP session on OpSession: the greeting (PREAUTH through the base's hook),
 * CAPABILITY and STARTTLS, the response reader (tagged responses and literals, through
 * OpImapParser), the events untagged responses become, and logging in (LOGIN, or
 * AUTHENTICATE through the base's SASL driver). Commands: op-imap-command.c and the
 * files beside it.
 */

#define READ_BUFFER_SIZE (64 * 1024)

G_DEFINE_ENUM_TYPE (OpImapState, op_imap_state,
  G_DEFINE_ENUM_VALUE (OP_IMAP_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (OP_IMAP_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (OP_IMAP_STATE_NOT_AUTHENTICATED, "not-authenticated"),
  G_DEFINE_ENUM_VALUE (OP_IMAP_STATE_AUTHENTICATED, "authenticated"),
  G_DEFINE_ENUM_VALUE (OP_IMAP_STATE_SELECTED, "selected"),
  G_DEFINE_ENUM_VALUE (OP_IMAP_STATE_IDLE, "idle"))

enum
{
  SIGNAL_EXISTS,
  SIGNAL_EXPUNGED,
  SIGNAL_VANISHED,
  SIGNAL_FLAGS_CHANGED,
  SIGNAL_ALERT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OpImapClient, op_imap_client, OP_TYPE_SESSION)

void
op_imap_select_info_free (OpImapSelectInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_strfreev (info->flags);
  g_strfreev (info->permanent_flags);
  g_free (info->vanished);
  g_clear_pointer (&info->changed, g_ptr_array_unref);
  g_free (info);
}

void
op_imap_mailbox_free (OpImapMailbox *mailbox)
{
  if (mailbox == NULL)
    return;
  op_imap_list_entry_free (mailbox->entry);
  op_imap_mailbox_status_free (mailbox->status);
  g_free (mailbox);
}

/* --- events ------------------------------------------------------------------------------ */

typedef struct
{
  guint  a, b;
  char  *text;
  GStrv  strv;
} EventData;

static void
event_data_free (EventData *e)
{
  g_free (e->text);
  g_strfreev (e->strv);
  g_free (e);
}

/* Main context. */
static void
deliver_event (OpSession *session,
               guint      kind,
               gpointer   data)
{
  EventData *e = data;

  switch (kind)
    {
    case _OP_IMAP_EVENT_EXISTS:
      g_signal_emit (session, signals[SIGNAL_EXISTS], 0, e->a);
      break;
    case _OP_IMAP_EVENT_EXPUNGED:
      g_signal_emit (session, signals[SIGNAL_EXPUNGED], 0, e->a);
      break;
    case _OP_IMAP_EVENT_VANISHED:
      g_signal_emit (session, signals[SIGNAL_VANISHED], 0, e->text);
      break;
    case _OP_IMAP_EVENT_FLAGS_CHANGED:
      g_signal_emit (session, signals[SIGNAL_FLAGS_CHANGED], 0, e->a, e->b, e->strv);
      break;
    case _OP_IMAP_EVENT_ALERT:
      g_signal_emit (session, signals[SIGNAL_ALERT], 0, e->text);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* @e (transfer full). EXISTS and one message's flags only count in their latest value:
 * a burst of them during IDLE coalesces in the base's queue. */
static gboolean
post (OpImapClient        *self,
      OpImapEventKind      kind,
      EventData           *e,
      OpSessionEventFlags  flags)
{
  guint64 key = kind == _OP_IMAP_EVENT_FLAGS_CHANGED ? ((guint64) e->a << 32) | e->b : 0;

  if (kind == _OP_IMAP_EVENT_EXISTS || kind == _OP_IMAP_EVENT_FLAGS_CHANGED)
    flags |= OP_SESSION_EVENT_COALESCE;
  return op_session_post_event (OP_SESSION (self), kind, key, e,
                                (GDestroyNotify) event_data_free, flags);
}

void
_op_imap_post_exists (OpImapClient *self,
                      guint32       count)
{
  EventData *e = g_new0 (EventData, 1);

  e->a = count;
  post (self, _OP_IMAP_EVENT_EXISTS, e, OP_SESSION_EVENT_NONE);
}

gboolean
_op_imap_post_untagged (OpImapClient   *self,
                        OpImapResponse *r)
{
  EventData *e;

  if (r->kind == OP_IMAP_RESPONSE_STATUS && r->code != NULL &&
      r->code->kind == OP_IMAP_CODE_ALERT)
    {
      e = g_new0 (EventData, 1);
      e->text = g_utf8_make_valid (r->text, -1);
      return post (self, _OP_IMAP_EVENT_ALERT, e, OP_SESSION_EVENT_DROPPABLE);
    }
  if (r->kind != OP_IMAP_RESPONSE_DATA)
    return TRUE;
  switch (r->data)
    {
    case OP_IMAP_DATA_EXISTS:
    case OP_IMAP_DATA_EXPUNGE:
      e = g_new0 (EventData, 1);
      e->a = r->number;
      return post (self, r->data == OP_IMAP_DATA_EXISTS ? _OP_IMAP_EVENT_EXISTS
                                                        : _OP_IMAP_EVENT_EXPUNGED,
                   e, OP_SESSION_EVENT_DROPPABLE);
    case OP_IMAP_DATA_VANISHED:
      if (!r->vanished_earlier)
        {
          e = g_new0 (EventData, 1);
          e->text = g_strdup (r->set);
          return post (self, _OP_IMAP_EVENT_VANISHED, e, OP_SESSION_EVENT_DROPPABLE);
        }
      break;
    case OP_IMAP_DATA_FETCH:
      if (r->fetch->items & OP_IMAP_FETCH_FLAGS)
        {
          e = g_new0 (EventData, 1);
          e->a = r->fetch->seq;
          e->b = r->fetch->uid;
          e->strv = g_strdupv (r->fetch->flags);
          return post (self, _OP_IMAP_EVENT_FLAGS_CHANGED, e, OP_SESSION_EVENT_DROPPABLE);
        }
      break;
    default:
      break;
    }
  return TRUE;
}

/* --- state and capabilities (worker) ------------------------------------------------------ */

gboolean
_op_imap_has_cap (OpImapClient *self,
                  const char   *name)
{
  return self->w_caps != NULL && g_hash_table_contains (self->w_caps, name);
}

void
_op_imap_set_caps (OpImapClient  *self,
                   char         **caps)
{
  g_clear_pointer (&self->w_caps, g_hash_table_unref);
  self->w_caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; caps != NULL && caps[i] != NULL; i++)
    g_hash_table_add (self->w_caps, g_ascii_strup (caps[i], -1));
}

static gpointer
dup_capabilities (OpSession *session)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer key;

  if (self->w_caps != NULL)
    {
      g_hash_table_iter_init (&iter, self->w_caps);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_strv_builder_add (b, key);
    }
  return g_strv_builder_end (b);
}

void
_op_imap_set_state (OpImapClient *self,
                    OpImapState   state)
{
  if (self->w_state != state)
    g_debug ("imap %s: state %d → %d", op_session_get_host (OP_SESSION (self)),
             self->w_state, state);
  self->w_state = state;
  op_session_set_state (OP_SESSION (self), state);
}

static int
ready_state (OpSession *session)
{
  return OP_IMAP_CLIENT (session)->w_state;
}

/* After STARTTLS and when the connection drops: what the server said counts no more. */
static void
reset (OpSession *session)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);

  g_clear_pointer (&self->parser, op_imap_parser_free);
  self->rpos = self->rlen = 0;
  g_clear_pointer (&self->w_caps, g_hash_table_unref);
  self->w_state = OP_IMAP_STATE_DISCONNECTED;
  self->w_exists = 0;
  self->w_qresync = FALSE;
  self->w_logging_out = FALSE;
  self->w_preauth = FALSE;
}

void
_op_imap_fail (OpImapClient  *self,
               GError        *cause,
               GError       **error)
{
  op_session_fail (OP_SESSION (self), cause, error);
}

void
_op_imap_unexpected_tag (OpImapClient  *self,
                         GError       **error)
{
  _op_imap_fail (self, g_error_new_literal (OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                                            _("The server answered a command that was "
                                              "not sent.")),
                 error);
}

char *
_op_imap_next_tag (OpImapClient *self)
{
  return g_strdup_printf ("a%u", ++self->next_tag);
}

/* How many UIDs a set of numbers and ranges ("41,43:116") names; sets with anything
 * else (never sent in VANISHED) count 0. */
static guint64
uid_set_count (const char *set)
{
  guint64 count = 0;
  const char *p = set;

  while (p != NULL && *p != '\0')
    {
      char *end;
      guint64 a = g_ascii_strtoull (p, &end, 10), b = a;

      if (end == p)
        return 0;
      p = end;
      if (*p == ':')
        {
          b = g_ascii_strtoull (++p, &end, 10);
          if (end == p)
            return 0;
          p = end;
        }
      count += (a > b ? a - b : b - a) + 1;
      if (*p == ',')
        p++;
      else if (*p != '\0')
        return 0;
    }
  return count;
}

void
_op_imap_note_untagged (OpImapClient   *self,
                        OpImapResponse *r)
{
  if (r->code != NULL && r->code->kind == OP_IMAP_CODE_CAPABILITY)
    _op_imap_set_caps (self, r->code->list);
  if (r->kind == OP_IMAP_RESPONSE_DATA)
    {
      if (r->data == OP_IMAP_DATA_CAPABILITY)
        _op_imap_set_caps (self, r->strv);
      else if (r->data == OP_IMAP_DATA_EXISTS)
        self->w_exists = r->number;
      else if (r->data == OP_IMAP_DATA_EXPUNGE && self->w_exists > 0)
        self->w_exists--;
      else if (r->data == OP_IMAP_DATA_VANISHED && !r->vanished_earlier)
        {
          /* RFC 7162 §3.2.10: with QRESYNC, VANISHED replaces EXPUNGE. */
          guint64 gone = uid_set_count (r->set);

          self->w_exists = gone >= self->w_exists ? 0 : self->w_exists - (guint32) gone;
        }
    }
}

/* --- the reader (worker) ------------------------------------------------------------------ */

/* The log shows each response in short: its tag, status or name, its code and text
 * (data values are not repeated). */
static void
log_response (OpProtocolLog  *log,
              OpImapResponse *r)
{
  static const char *status[] = { "OK", "NO", "BAD", "BYE", "PREAUTH" };
  g_autoptr(GString) line = g_string_new (NULL);

  if (r->kind == OP_IMAP_RESPONSE_CONTINUATION)
    g_string_append (line, "+");
  else if (r->kind == OP_IMAP_RESPONSE_TAGGED)
    g_string_append_printf (line, "%s %s", r->tag, status[r->status]);
  else if (r->kind == OP_IMAP_RESPONSE_STATUS)
    g_string_append_printf (line, "* %s", status[r->status]);
  else if (r->number > 0 || r->data == OP_IMAP_DATA_EXISTS)
    g_string_append_printf (line, "* %u %s", r->number, r->name);
  else
    g_string_append_printf (line, "* %s …", r->name);
  if (r->code != NULL)
    g_string_append_printf (line, " [%s%s%s]", r->code->name,
                            r->code->raw != NULL ? " " : "",
                            r->code->raw != NULL ? r->code->raw : "");
  if (r->text != NULL && *r->text != '\0')
    g_string_append_printf (line, " %s", r->text);
  op_protocol_log_append_received (log, line->str, line->len);
}

OpImapResponse *
_op_imap_read_response (OpImapClient  *self,
                        GCancellable  *cancellable,
                        GError       **error)
{
  OpSession *session = OP_SESSION (self);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      OpImapResponse *r = NULL;
      OpConnection *conn;
      gssize n;

      if (!op_session_require_connection (session, error))
        return NULL;
      conn = op_session_get_connection (session);
      if (self->parser == NULL)
        self->parser = op_imap_parser_new ();
      if (self->rpos < self->rlen)
        {
          n = op_imap_parser_feed (self->parser, self->rbuf + self->rpos,
                                   self->rlen - self->rpos, &r, &local_error);
          if (n < 0)
            {
              _op_imap_fail (self, g_steal_pointer (&local_error), error);
              return NULL;
            }
          self->rpos += n;
          if (r != NULL)
            {
              if (self->w_quiet_fetch && r->kind == OP_IMAP_RESPONSE_DATA &&
                  r->data == OP_IMAP_DATA_FETCH)
                self->w_n_quiet++;
              else if (op_connection_get_log (conn) != NULL)
                log_response (op_connection_get_log (conn), r);
              return r;
            }
          continue;
        }
      self->rpos = self->rlen = 0;
      n = op_connection_read (conn, self->rbuf, READ_BUFFER_SIZE, cancellable, &local_error);
      if (n < 0)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
              self->w_idle_waiting)
            {
              /* Only IDLE's wait can stop between responses and go on with DONE. */
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          /* Cancelled mid-command, the server's answer would arrive later and out of
           * step: the session ends here, clearly (DESIGN.md "Sessions and threads"). */
          _op_imap_fail (self, g_steal_pointer (&local_error), error);
          return NULL;
        }
      if (n == 0)
        {
          _op_imap_fail (self, g_error_new_literal (OP_IMAP_ERROR, OP_IMAP_ERROR_CONNECTION_LOST,
                                                    _("The server closed the connection.")),
                         error);
          return NULL;
        }
      self->rlen = n;
    }
}

static gpointer
read_reply (OpSession     *session,
            GCancellable  *cancellable,
            GError       **error)
{
  return _op_imap_read_response (OP_IMAP_CLIENT (session), cancellable, error);
}

/* The STARTTLS injection check: bytes that came with the go-ahead, in our buffer or
 * half parsed (the connection checks its own buffer and the socket's). */
static gboolean
has_buffered_input (OpSession *session)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);

  return self->rpos < self->rlen ||
         (self->parser != NULL && !op_imap_parser_is_idle (self->parser));
}

/* --- greeting, capabilities, STARTTLS (worker) -------------------------------------------- */

static gboolean
greet (OpSession     *session,
       gboolean      *preauthenticated,
       GCancellable  *cancellable,
       GError       **error)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);
  g_autoptr(OpImapResponse) greeting = _op_imap_read_response (self, cancellable, error);

  if (greeting == NULL)
    return FALSE;
  if (greeting->kind != OP_IMAP_RESPONSE_STATUS ||
      (greeting->status != OP_IMAP_STATUS_OK && greeting->status != OP_IMAP_STATUS_PREAUTH &&
       greeting->status != OP_IMAP_STATUS_BYE))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                           _("The server did not greet as an IMAP server does."));
      return FALSE;
    }
  if (greeting->status == OP_IMAP_STATUS_BYE)
    {
      g_autofree char *text = g_utf8_make_valid (greeting->text, -1);

      g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_CONNECTION_LOST,
                   _("The server refused the connection: “%s”"), text);
      return FALSE;
    }
  /* RFC 3501 §11.1: a PREAUTH connection can never be upgraded; the base refuses it
   * when TLS is required (OP_IMAP_ERROR_PREAUTH_REFUSED). */
  self->w_preauth = greeting->status == OP_IMAP_STATUS_PREAUTH;
  *preauthenticated = self->w_preauth;
  if (greeting->code != NULL && greeting->code->kind == OP_IMAP_CODE_CAPABILITY)
    _op_imap_set_caps (self, greeting->code->list);
  return TRUE;
}

/* Asks only when the greeting (or the server since) has not said them. */
static gboolean
capabilities (OpSession     *session,
              GCancellable  *cancellable,
              GError       **error)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);

  if (self->w_caps != NULL)
    return TRUE;
  return _op_imap_simple_command (self, "CAPABILITY", cancellable, error);
}

static gboolean
start_tls (OpSession     *session,
           GCancellable  *cancellable,
           GError       **error)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;

  if (!_op_imap_has_cap (self, "STARTTLS"))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_TLS_REFUSED,
                           _("The server does not offer STARTTLS, which this account "
                             "requires; nothing secret was sent."));
      return FALSE;
    }
  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, "STARTTLS");
  r = _op_imap_command_ok (self, &c, "STARTTLS", OP_IMAP_COMMAND_TLS, NULL, NULL, cancellable,
                           error);
  return r != NULL;
}

/* --- logging in (worker) ------------------------------------------------------------------ */

/* AUTHENTICATE's framing for the base's SASL driver (RFC 3501 §6.2.2, RFC 4959). */
static gboolean
sasl_send_start (OpSession     *session,
                 const char    *mechanism,
                 const char    *initial,
                 GCancellable  *cancellable,
                 GError       **error)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);
  g_autofree char *verb = NULL;

  g_free (self->sasl_tag);
  self->sasl_tag = _op_imap_next_tag (self);
  verb = g_strdup_printf ("%s AUTHENTICATE %s", self->sasl_tag, mechanism);
  return op_session_send (session, verb, initial,
                          initial != NULL ? OP_SEND_SECRET_ARGUMENT : OP_SEND_PLAIN,
                          cancellable, error);
}

static gpointer
sasl_read_step (OpSession     *session,
                char         **challenge,
                GCancellable  *cancellable,
                GError       **error)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);

  for (;;)
    {
      g_autoptr(OpImapResponse) r = _op_imap_read_response (self, cancellable, error);

      if (r == NULL)
        return NULL;
      if (r->kind == OP_IMAP_RESPONSE_CONTINUATION)
        {
          *challenge = g_strdup (r->text != NULL ? r->text : "");
          return NULL;
        }
      if (r->kind == OP_IMAP_RESPONSE_TAGGED)
        {
          if (g_strcmp0 (r->tag, self->sasl_tag) == 0)
            return g_steal_pointer (&r);
          _op_imap_unexpected_tag (self, error);
          return NULL;
        }
      if (!_op_imap_dispatch_untagged (self, r, NULL, NULL, error))
        return NULL;
    }
}

static OpImapResponse *
authenticate_plain (OpImapClient  *self,
                    const char    *user,
                    const char    *password,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(OpSaslSession) sasl = op_sasl_session_new (OP_SASL_MECHANISM_PLAIN, user, password);
  g_autoptr(GError) local_error = NULL;
  /* RFC 4959: with SASL-IR the initial response goes on the command line whatever its
   * length; without, it waits for the server's empty "+" (every initial response is
   * longer than one byte, so the driver always holds it back). */
  OpSessionSaslFraming framing = {
    .send_start = sasl_send_start,
    .read_step = sasl_read_step,
    .max_initial_response = _op_imap_has_cap (self, "SASL-IR") ? 0 : 1,
    .max_steps = 8,
  };
  OpImapResponse *r;

  r = op_session_sasl_authenticate (OP_SESSION (self), &framing, sasl, cancellable,
                                    &local_error);
  if (r != NULL)
    return r;
  /* PLAIN is one message: a server that asks again got "*" (the driver cancels the
   * exchange, RFC 3501 §6.2.2) instead of the password once more. */
  if (local_error->domain == OP_SASL_ERROR)
    g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_AUTH_FAILED,
                         _("The server asked for the credentials a second time; the login "
                           "was cancelled."));
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

static gboolean
do_login (OpImapClient      *self,
          const char        *user,
          const char        *password,
          OpImapAuthMethod   method,
          GCancellable      *cancellable,
          GError           **error)
{
  OpSession *session = OP_SESSION (self);
  g_autoptr(OpImapResponse) r = NULL;
  gboolean use_plain;

  if (!op_session_require_connection (session, error))
    return FALSE;
  if (self->w_state == OP_IMAP_STATE_AUTHENTICATED || self->w_state == OP_IMAP_STATE_SELECTED)
    return TRUE;
  if (!op_session_check_credential (session, user, _("user name"), error) ||
      !op_session_check_credential (session, password, _("password"), error) ||
      !op_session_check_plaintext (session, error))
    return FALSE;

  use_plain = method == OP_IMAP_AUTH_PLAIN ||
              (method == OP_IMAP_AUTH_AUTO && _op_imap_has_cap (self, "AUTH=PLAIN"));
  if (!use_plain && _op_imap_has_cap (self, "LOGINDISABLED"))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_LOGIN_DISABLED,
                           _("The server does not accept a password with LOGIN here "
                             "(LOGINDISABLED); nothing was sent."));
      return FALSE;
    }

  if (use_plain)
    {
      r = authenticate_plain (self, user, password, cancellable, error);
      if (r != NULL && r->code != NULL && r->code->kind == OP_IMAP_CODE_CAPABILITY)
        _op_imap_set_caps (self, r->code->list);
    }
  else
    {
      g_auto(OpImapCmd) c = { 0 };

      /* Quoting at most doubles each byte. */
      _op_imap_cmd_init_secret (&c, strlen ("LOGIN ") +
                                    2 * (strlen (user) + strlen (password)) + 8);
      _op_imap_cmd_add (&c, "LOGIN");
      _op_imap_cmd_string (&c, self, user, strlen (user));
      _op_imap_cmd_string (&c, self, password, strlen (password));
      r = _op_imap_run_command (self, &c, NULL, NULL, cancellable, error);
    }
  if (r == NULL)
    return FALSE;
  if (r->status != OP_IMAP_STATUS_OK)
    {
      g_propagate_error (error, op_imap_error_from_response (r,
                                                             use_plain ? "AUTHENTICATE" : "LOGIN",
                                                             OP_IMAP_COMMAND_LOGIN));
      return FALSE;
    }
  /* RFC 3501 §6.2.3: capabilities may change after login. */
  if (r->code == NULL || r->code->kind != OP_IMAP_CODE_CAPABILITY)
    {
      g_clear_pointer (&self->w_caps, g_hash_table_unref);
      if (!capabilities (session, cancellable, error))
        return FALSE;
    }
  _op_imap_set_state (self, OP_IMAP_STATE_AUTHENTICATED);
  return TRUE;
}

/* --- GObject ------------------------------------------------------------------------------- */

static void
op_imap_client_finalize (GObject *object)
{
  OpImapClient *self = OP_IMAP_CLIENT (object);

  /* The connection is the base's: it closes it on the worker, never here. */
  g_clear_pointer (&self->parser, op_imap_parser_free);
  g_free (self->rbuf);
  g_free (self->sasl_tag);
  g_clear_pointer (&self->w_caps, g_hash_table_unref);
  g_clear_object (&self->idle_wake);
  g_clear_error (&self->w_collect_error);

  G_OBJECT_CLASS (op_imap_client_parent_class)->finalize (object);
}

static void
op_imap_client_class_init (OpImapClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  OpSessionClass *session_class = OP_SESSION_CLASS (klass);

  object_class->finalize = op_imap_client_finalize;

  session_class->protocol = "imap";
  session_class->default_port = 143;
  session_class->default_tls_port = 993;
  session_class->error_domain = OP_IMAP_ERROR;
  session_class->error_connection_lost = OP_IMAP_ERROR_CONNECTION_LOST;
  session_class->error_bad_reply = OP_IMAP_ERROR_BAD_RESPONSE;
  session_class->error_not_connected = OP_IMAP_ERROR_NOT_CONNECTED;
  session_class->error_invalid_argument = OP_IMAP_ERROR_INVALID_NAME;
  session_class->error_plaintext_refused = OP_IMAP_ERROR_PLAINTEXT_REFUSED;
  session_class->error_tls_refused = OP_IMAP_ERROR_TLS_REFUSED;
  session_class->error_preauth_refused = OP_IMAP_ERROR_PREAUTH_REFUSED;
  session_class->max_reply_line = OP_IMAP_MAX_LINE;
  session_class->state_disconnected = OP_IMAP_STATE_DISCONNECTED;
  session_class->state_connecting = OP_IMAP_STATE_CONNECTING;
  session_class->state_ready = OP_IMAP_STATE_NOT_AUTHENTICATED;
  session_class->state_busy = OP_IMAP_STATE_NOT_AUTHENTICATED;
  op_session_class_install_state (session_class, OP_TYPE_IMAP_STATE);
  session_class->capabilities_free = (GDestroyNotify) g_strfreev;
  session_class->reset = reset;
  session_class->greet = greet;
  session_class->capabilities = capabilities;
  session_class->start_tls = start_tls;
  session_class->has_buffered_input = has_buffered_input;
  session_class->read_reply = read_reply;
  session_class->reply_free = (GDestroyNotify) op_imap_response_free;
  session_class->dup_capabilities = dup_capabilities;
  session_class->ready_state = ready_state;
  session_class->deliver_event = deliver_event;

  signals[SIGNAL_EXISTS] =
    g_signal_new ("exists", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_EXPUNGED] =
    g_signal_new ("expunged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_VANISHED] =
    g_signal_new ("vanished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_FLAGS_CHANGED] =
    g_signal_new ("flags-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_STRV);
  signals[SIGNAL_ALERT] =
    g_signal_new ("alert", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
op_imap_client_init (OpImapClient *self)
{
  self->rbuf = g_malloc (READ_BUFFER_SIZE);
}

OpImapClient *
op_imap_client_new (const char *host,
                    guint16     port,
                    OpSecurity  security)
{
  return op_session_new (OP_TYPE_IMAP_CLIENT, host, port, security);
}

/* --- main-context API ---------------------------------------------------------------------- */

OP_SESSION_DEFINE_SETTINGS (OpImapClient, op_imap_client, OP_IS_IMAP_CLIENT)
OP_SESSION_DEFINE_GETTERS (OpImapClient, op_imap_client, OP_IS_IMAP_CLIENT)
OP_SESSION_DEFINE_STATE_GETTER (OpImapClient, op_imap_client, OP_IS_IMAP_CLIENT, OpImapState,
                                OP_IMAP_STATE_DISCONNECTED)

gboolean
op_imap_client_has_capability (OpImapClient *self,
                               const char   *name)
{
  GStrv caps;

  g_return_val_if_fail (OP_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  caps = op_session_get_capabilities (OP_SESSION (self));
  for (guint i = 0; caps != NULL && caps[i] != NULL; i++)
    if (g_ascii_strcasecmp (caps[i], name) == 0)
      return TRUE;
  return FALSE;
}

GStrv
op_imap_client_dup_capabilities (OpImapClient *self)
{
  GStrv caps;

  g_return_val_if_fail (OP_IS_IMAP_CLIENT (self), NULL);

  caps = op_session_get_capabilities (OP_SESSION (self));
  return g_strdupv (caps);
}

/* --- connect and login --------------------------------------------------------------------- */

static gpointer
job_connect (OpSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);

  if (op_session_is_connected (session))
    return OP_SESSION_JOB_OK;
  if (!op_session_open (session, cancellable, error))
    return NULL;
  _op_imap_set_state (self, self->w_preauth ? OP_IMAP_STATE_AUTHENTICATED
                                            : OP_IMAP_STATE_NOT_AUTHENTICATED);
  return OP_SESSION_JOB_OK;
}

void
op_imap_client_connect_async (OpImapClient        *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));

  _op_imap_call (self, op_imap_client_connect_async, job_connect, g_new0 (OpImapJob, 1), NULL,
                 cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpImapClient, op_imap_client, connect)

static gpointer
job_login (OpSession     *session,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  OpImapJob *job = data;

  if (!do_login (OP_IMAP_CLIENT (session), job->a, job->b, job->number, cancellable, error))
    return NULL;
  return OP_SESSION_JOB_OK;
}

void
op_imap_client_login_async (OpImapClient        *self,
                            const char          *user,
                            const char          *password,
                            OpImapAuthMethod     method,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  OpImapJob *job;

  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (user != NULL && password != NULL);

  job = g_new0 (OpImapJob, 1);
  job->a = g_strdup (user);
  job->b = g_strdup (password);
  job->number = method;
  _op_imap_call (self, op_imap_client_login_async, job_login, job, NULL,
                 cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpImapClient, op_imap_client, login)
