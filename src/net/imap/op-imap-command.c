/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-imap-client-private.h"
#include "op-imap-utf7.h"
#include "op-secret.h"

/*
 * IMAP commands: building one (atoms, quoted strings, literals, mailbox names), sending
 * it (waiting for each literal's continuation unless LITERAL+) and reading up to its
 * tagged response while untagged ones go to the command's collector or become events;
 * the calls' plumbing on OpSession; and the session commands (ID, ENABLE, NAMESPACE,
 * NOOP, LOGOUT).
 */

/* --- building ------------------------------------------------------------------------------ */

/* Secrets are overwritten before their memory goes back to the allocator. */
static void
wipe_bytes (GBytes *bytes)
{
  gsize size;
  gpointer data = (gpointer) g_bytes_get_data (bytes, &size);

  /* Only for GBytes the command made itself (it owns the copy). */
  if (data != NULL && size > 0)
    op_secret_wipe (data, size);
}

void
_op_imap_cmd_init (OpImapCmd *c)
{
  c->text = g_string_new (NULL);
  c->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  c->secret = FALSE;
  c->bad = FALSE;
  c->after_literal = FALSE;
}

/* A command that will hold a secret: its line is allocated once, large enough for
 * @reserve bytes, so that growing it leaves no copy of the secret behind. */
void
_op_imap_cmd_init_secret (OpImapCmd *c,
                          gsize      reserve)
{
  _op_imap_cmd_init (c);
  g_string_free (c->text, TRUE);
  c->text = g_string_sized_new (reserve);
  c->secret = TRUE;
}

void
_op_imap_cmd_clear (OpImapCmd *c)
{
  if (c->secret)
    {
      if (c->text != NULL)
        op_secret_wipe (c->text->str, c->text->allocated_len);
      for (guint i = 0; c->parts != NULL && i < c->parts->len; i++)
        wipe_bytes (c->parts->pdata[i]);
    }
  if (c->text != NULL)
    g_string_free (c->text, TRUE);
  c->text = NULL;
  g_clear_pointer (&c->parts, g_ptr_array_unref);
}

void
_op_imap_cmd_separate (OpImapCmd *c)
{
  if (c->text->len == 0 ? c->after_literal
      : (c->text->str[c->text->len - 1] != ' ' && c->text->str[c->text->len - 1] != '('))
    g_string_append_c (c->text, ' ');
}

void
_op_imap_cmd_add (OpImapCmd  *c,
                  const char *text)
{
  _op_imap_cmd_separate (c);
  g_string_append (c->text, text);
}

void
_op_imap_cmd_literal (OpImapCmd    *c,
                      OpImapClient *self,
                      const void   *data,
                      gsize         length)
{
  gsize reserve = c->text->allocated_len;

  /* RFC 7888 LITERAL+: no wait for the continuation request. */
  g_string_append_printf (c->text, "{%" G_GSIZE_FORMAT "%s}", length,
                          _op_imap_has_cap (self, "LITERAL+") ? "+" : "");

  g_ptr_array_add (c->parts, g_string_free_to_bytes (c->text));
  /* A secret command's next line is sized like the first, so it never grows. */
  c->text = c->secret ? g_string_sized_new (reserve) : g_string_new (NULL);
  g_ptr_array_add (c->parts, g_bytes_new (data, length));
  c->after_literal = TRUE;
}

/* An astring argument: a quoted string, or a literal for 8-bit and control bytes.
 * CR, LF and NUL are refused (the whole command then fails before anything is sent). */
void
_op_imap_cmd_string (OpImapCmd    *c,
                     OpImapClient *self,
                     const char   *s,
                     gsize         length)
{
  gboolean literal = FALSE;

  _op_imap_cmd_separate (c);
  for (gsize i = 0; i < length; i++)
    {
      guchar ch = s[i];

      if (ch == '\r' || ch == '\n' || ch == '\0')
        {
          c->bad = TRUE;
          return;
        }
      if (ch >= 0x80 || ch < 0x20 || ch == 0x7f)
        literal = TRUE;
    }
  if (literal)
    {
      _op_imap_cmd_literal (c, self, s, length);
      return;
    }
  g_string_append_c (c->text, '"');
  for (gsize i = 0; i < length; i++)
    {
      if (s[i] == '"' || s[i] == '\\')
        g_string_append_c (c->text, '\\');
      g_string_append_c (c->text, s[i]);
    }
  g_string_append_c (c->text, '"');
}

/* A mailbox name: UTF-8 → modified UTF-7, then as a string. */
gboolean
_op_imap_cmd_mailbox (OpImapCmd     *c,
                      OpImapClient  *self,
                      const char    *name,
                      GError       **error)
{
  g_autofree char *wire = NULL;

  if (name == NULL || *name == '\0')
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                           _("The folder name is empty."));
      return FALSE;
    }
  if (g_ascii_strcasecmp (name, "INBOX") == 0)
    wire = g_strdup ("INBOX");
  else
    wire = op_imap_utf7_encode (name, error);
  if (wire == NULL)
    return FALSE;
  _op_imap_cmd_string (c, self, wire, strlen (wire));
  return TRUE;
}

gboolean
_op_imap_check_atom (const char  *text,
                     GError     **error)
{
  if (text == NULL || *text == '\0')
    goto bad;
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar ch = *p;

      if (ch <= 0x20 || ch >= 0x7f || ch == '(' || ch == ')' || ch == '{' || ch == '"' ||
          ch == '[' || ch == ']')
        goto bad;
    }
  return TRUE;

bad:
  g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
               _("“%s” cannot be sent to the server."), text != NULL ? text : "");
  return FALSE;
}

gboolean
_op_imap_check_uid_set (const char  *set,
                        GError     **error)
{
  if (set != NULL && *set != '\0' && strspn (set, "0123456789:,*") == strlen (set))
    return TRUE;
  g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
               _("“%s” is not a valid set of message numbers."), set != NULL ? set : "");
  return FALSE;
}

/* --- running ------------------------------------------------------------------------------- */

gboolean
_op_imap_dispatch_untagged (OpImapClient    *self,
                            OpImapResponse  *r,
                            OpImapCollect    collect,
                            gpointer         data,
                            GError         **error)
{
  _op_imap_note_untagged (self, r);
  if (r->kind == OP_IMAP_RESPONSE_STATUS && r->status == OP_IMAP_STATUS_BYE &&
      !self->w_logging_out)
    {
      g_autofree char *text = g_utf8_make_valid (r->text, -1);

      _op_imap_fail (self, g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_CONNECTION_LOST,
                                        _("The server ended the session: “%s”"), text),
                     error);
      return FALSE;
    }
  if ((collect == NULL || !collect (self, r, data)) && !_op_imap_post_untagged (self, r))
    {
      _op_imap_fail (self, g_error_new_literal (OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                                                _("The server sent more notifications than "
                                                  "can be handled, so the connection was "
                                                  "closed.")),
                     error);
      return FALSE;
    }
  if (self->w_collect_error != NULL)
    {
      _op_imap_fail (self, g_steal_pointer (&self->w_collect_error), error);
      return FALSE;
    }
  return TRUE;
}

gboolean
_op_imap_within_limit (OpImapClient *self,
                       guint         count,
                       guint         limit,
                       const char   *what)
{
  if (count <= limit)
    return TRUE;
  if (self->w_collect_error == NULL)
    self->w_collect_error = g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                                         _("The server sent more %s data than one command "
                                           "can receive (%u), so the connection was closed."),
                                         what, limit);
  return FALSE;
}

guint
_op_imap_message_limit (OpImapClient *self)
{
  return (guint) MIN ((guint64) OP_IMAP_MAX_UIDS,
                      2 * (guint64) self->w_exists + OP_IMAP_RESPONSE_MARGIN);
}

gboolean
_op_imap_collect_vanished_earlier (OpImapClient    *self,
                                   OpImapResponse  *r,
                                   char           **set)
{
  gsize len = *set != NULL ? strlen (*set) : 0;
  char *joined;

  if (!_op_imap_within_limit (self,
                              (guint) MIN ((guint64) G_MAXUINT, (guint64) len + strlen (r->set)),
                              OP_IMAP_MAX_VANISHED_TEXT, "VANISHED"))
    return TRUE;
  joined = *set != NULL ? g_strconcat (*set, ",", r->set, NULL) : g_strdup (r->set);
  g_free (*set);
  *set = joined;
  return TRUE;
}

/* One line of a command; an empty one ends a command whose last argument was a
 * literal. A failure ends the session (op_session_send/write_all). */
static gboolean
send_part (OpImapClient  *self,
           GBytes        *line,
           OpSendFlags    flags,
           GCancellable  *cancellable,
           GError       **error)
{
  OpSession *session = OP_SESSION (self);

  if (g_bytes_get_size (line) > 0)
    return op_session_send (session, g_bytes_get_data (line, NULL), NULL, flags, cancellable,
                            error);
  if (!op_session_write_all (session, "\r\n", 2, cancellable, error))
    return FALSE;
  op_session_set_in_command (session, TRUE);
  return TRUE;
}

OpImapResponse *
_op_imap_run_command (OpImapClient  *self,
                      OpImapCmd     *c,
                      OpImapCollect  collect,
                      gpointer       data,
                      GCancellable  *cancellable,
                      GError       **error)
{
  OpSession *session = OP_SESSION (self);
  g_autofree char *tag = NULL;

  if (!op_session_require_connection (session, error))
    return NULL;
  if (c->bad)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                           _("An argument contains a line break or a NUL character and "
                             "cannot be sent."));
      return NULL;
    }
  tag = _op_imap_next_tag (self);
  g_ptr_array_add (c->parts, g_string_free_to_bytes (g_steal_pointer (&c->text)));
  c->text = g_string_new (NULL);
  {
    /* The tag goes in front of the first part. */
    GBytes *first = c->parts->pdata[0];
    g_autoptr(GString) s = g_string_sized_new (strlen (tag) + 1 + g_bytes_get_size (first));

    g_string_append (s, tag);
    g_string_append_c (s, ' ');
    g_string_append_len (s, g_bytes_get_data (first, NULL), g_bytes_get_size (first));
    g_ptr_array_index (c->parts, 0) = g_string_free_to_bytes (g_steal_pointer (&s));
    if (c->secret)
      wipe_bytes (first);
    g_bytes_unref (first);
  }

  for (guint i = 0; i < c->parts->len; i += 2)
    {
      GBytes *line = c->parts->pdata[i];
      OpSendFlags flags = i > 0 && c->secret ? OP_SEND_SECRET_LINE : OP_SEND_PLAIN;
      gsize size;
      const char *text = g_bytes_get_data (line, &size);

      if (!send_part (self, line, flags, cancellable, error))
        return NULL;
      if (i + 1 < c->parts->len)
        {
          /* The line ended in a literal's header: the literal follows. */
          GBytes *lit = c->parts->pdata[i + 1];
          gboolean plus = size >= 2 && text[size - 2] == '+';

          while (!plus)
            {
              g_autoptr(OpImapResponse) r = _op_imap_read_response (self, cancellable, error);

              if (r == NULL)
                return NULL;
              if (r->kind == OP_IMAP_RESPONSE_CONTINUATION)
                break;
              if (r->kind == OP_IMAP_RESPONSE_TAGGED)
                {
                  if (g_strcmp0 (r->tag, tag) == 0)
                    {
                      op_session_set_in_command (session, FALSE);
                      return g_steal_pointer (&r);   /* refused before the literal */
                    }
                  _op_imap_unexpected_tag (self, error);
                  return NULL;
                }
              if (!_op_imap_dispatch_untagged (self, r, collect, data, error))
                return NULL;
            }
          if (!op_session_write_all (session, g_bytes_get_data (lit, NULL),
                                     g_bytes_get_size (lit), cancellable, error))
            return NULL;
        }
    }

  for (;;)
    {
      g_autoptr(OpImapResponse) r = _op_imap_read_response (self, cancellable, error);

      if (r == NULL)
        return NULL;
      if (r->kind == OP_IMAP_RESPONSE_TAGGED)
        {
          if (g_strcmp0 (r->tag, tag) != 0)
            {
              _op_imap_unexpected_tag (self, error);
              return NULL;
            }
          op_session_set_in_command (session, FALSE);
          if (r->code != NULL && r->code->kind == OP_IMAP_CODE_CAPABILITY)
            _op_imap_set_caps (self, r->code->list);
          return g_steal_pointer (&r);
        }
      if (r->kind == OP_IMAP_RESPONSE_CONTINUATION)
        {
          _op_imap_fail (self, g_error_new_literal (OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                                                    _("The server asked for data that was not announced.")),
                         error);
          return NULL;
        }
      if (!_op_imap_dispatch_untagged (self, r, collect, data, error))
        return NULL;
    }
}

OpImapResponse *
_op_imap_command_ok (OpImapClient       *self,
                     OpImapCmd          *c,
                     const char         *verb,
                     OpImapCommandKind   kind,
                     OpImapCollect       collect,
                     gpointer            data,
                     GCancellable       *cancellable,
                     GError            **error)
{
  OpImapResponse *r = _op_imap_run_command (self, c, collect, data, cancellable, error);

  if (r == NULL)
    return NULL;
  if (r->status == OP_IMAP_STATUS_OK)
    return r;
  g_propagate_error (error, op_imap_error_from_response (r, verb, kind));
  op_imap_response_free (r);
  return NULL;
}

gboolean
_op_imap_simple_command (OpImapClient  *self,
                         const char    *text,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;

  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, text);
  r = _op_imap_command_ok (self, &c, text, OP_IMAP_COMMAND_OTHER, NULL, NULL, cancellable,
                           error);
  return r != NULL;
}

gboolean
_op_imap_need_state (OpImapClient  *self,
                     OpImapState    at_least,
                     GError       **error)
{
  if (!op_session_require_connection (OP_SESSION (self), error))
    return FALSE;
  if (at_least == OP_IMAP_STATE_SELECTED && self->w_state != OP_IMAP_STATE_SELECTED)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NO_MAILBOX,
                           _("No folder is open."));
      return FALSE;
    }
  if (at_least == OP_IMAP_STATE_AUTHENTICATED &&
      self->w_state != OP_IMAP_STATE_AUTHENTICATED && self->w_state != OP_IMAP_STATE_SELECTED)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NOT_CONNECTED,
                           _("Not logged in to the server."));
      return FALSE;
    }
  return TRUE;
}

/* --- calls --------------------------------------------------------------------------------- */

void
_op_imap_job_free (OpImapJob *job)
{
  g_free (job->a);
  /* The LOGIN password, or a mailbox name: wiped either way. */
  op_secret_free (job->b);
  g_strfreev (job->strv);
  g_clear_pointer (&job->table, g_hash_table_unref);
  g_clear_pointer (&job->bytes, g_bytes_unref);
  g_clear_pointer (&job->date, g_date_time_unref);
  g_clear_object (&job->stream);
  g_free (job->out_text);
  g_free (job);
}

void
_op_imap_call (OpImapClient        *self,
               gpointer             source_tag,
               OpSessionJobFunc     func,
               OpImapJob           *job,
               GDestroyNotify       result_free,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  op_session_call (OP_SESSION (self), source_tag, func, job,
                   (GDestroyNotify) _op_imap_job_free, result_free, OP_SESSION_JOB_NONE,
                   cancellable, callback, user_data);
  /* Any call ends a running IDLE (RFC 2177: DONE, then the command). The call is queued
   * first, so an IDLE that is just starting sees it waiting and does not start. */
  op_imap_client_idle_stop (self);
}

gboolean
_op_imap_finish_boolean_of (OpImapClient   *self,
                            GAsyncResult   *result,
                            gpointer const *source_tags,
                            GError        **error)
{
  gpointer tag;
  guint i;

  g_return_val_if_fail (OP_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  tag = g_task_get_source_tag (G_TASK (result));
  for (i = 0; source_tags[i] != NULL && source_tags[i] != tag; i++)
    ;
  g_return_val_if_fail (source_tags[i] != NULL, FALSE);
  return op_session_finish_boolean (OP_SESSION (self), result, tag, error);
}

/* --- session commands ---------------------------------------------------------------------- */

static gboolean
collect_id (OpImapClient   *self,
            OpImapResponse *r,
            gpointer        data)
{
  GHashTable **out = data;

  if (r->kind != OP_IMAP_RESPONSE_DATA || r->data != OP_IMAP_DATA_ID)
    return FALSE;
  g_clear_pointer (out, g_hash_table_unref);
  *out = g_steal_pointer (&r->id);
  return TRUE;
}

static gpointer
job_id (OpSession     *session,
        gpointer       data,
        GCancellable  *cancellable,
        GError       **error)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);
  GHashTable *params = ((OpImapJob *) data)->table;
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  GHashTable *server = NULL;

  if (!op_session_require_connection (session, error))
    return NULL;
  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, "ID");
  if (params == NULL || g_hash_table_size (params) == 0)
    _op_imap_cmd_add (&c, "NIL");
  else
    {
      GHashTableIter iter;
      gpointer key, value;

      _op_imap_cmd_separate (&c);
      g_string_append_c (c.text, '(');
      g_hash_table_iter_init (&iter, params);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          _op_imap_cmd_string (&c, self, key, strlen (key));
          if (value == NULL)
            _op_imap_cmd_add (&c, "NIL");
          else
            _op_imap_cmd_string (&c, self, value, strlen (value));
        }
      g_string_append_c (c.text, ')');
    }
  r = _op_imap_command_ok (self, &c, "ID", OP_IMAP_COMMAND_OTHER, collect_id, &server,
                           cancellable, error);
  if (r == NULL)
    {
      g_clear_pointer (&server, g_hash_table_unref);
      return NULL;
    }
  if (server == NULL)
    server = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return server;
}

void
op_imap_client_id_async (OpImapClient        *self,
                         GHashTable          *params,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  OpImapJob *job;

  g_return_if_fail (OP_IS_IMAP_CLIENT (self));

  job = g_new0 (OpImapJob, 1);
  job->table = params != NULL ? g_hash_table_ref (params) : NULL;
  _op_imap_call (self, op_imap_client_id_async, job_id, job,
                 (GDestroyNotify) g_hash_table_unref, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpImapClient, op_imap_client, id, GHashTable *)

static gboolean
collect_enabled (OpImapClient   *self,
                 OpImapResponse *r,
                 gpointer        data)
{
  GStrvBuilder *b = data;

  if (r->kind != OP_IMAP_RESPONSE_DATA || r->data != OP_IMAP_DATA_ENABLED)
    return FALSE;
  g_strv_builder_addv (b, (const char **) r->strv);
  return TRUE;
}

static gpointer
job_enable (OpSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);
  GStrv caps = ((OpImapJob *) data)->strv;
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  GStrv enabled;

  if (!_op_imap_need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return NULL;
  if (!_op_imap_has_cap (self, "ENABLE"))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                           _("The server does not support ENABLE."));
      return NULL;
    }
  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, "ENABLE");
  for (guint i = 0; caps != NULL && caps[i] != NULL; i++)
    {
      if (!_op_imap_check_atom (caps[i], error))
        return NULL;
      _op_imap_cmd_add (&c, caps[i]);
    }
  r = _op_imap_command_ok (self, &c, "ENABLE", OP_IMAP_COMMAND_OTHER, collect_enabled, b,
                           cancellable, error);
  if (r == NULL)
    return NULL;
  enabled = g_strv_builder_end (b);
  for (guint i = 0; enabled[i] != NULL; i++)
    if (g_ascii_strcasecmp (enabled[i], "QRESYNC") == 0)
      self->w_qresync = TRUE;
  return enabled;
}

void
op_imap_client_enable_async (OpImapClient        *self,
                             const char * const  *capabilities,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  OpImapJob *job;

  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (capabilities != NULL && capabilities[0] != NULL);

  job = g_new0 (OpImapJob, 1);
  job->strv = g_strdupv ((char **) capabilities);
  _op_imap_call (self, op_imap_client_enable_async, job_enable, job, (GDestroyNotify) g_strfreev,
                 cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpImapClient, op_imap_client, enable, GStrv)

static gboolean
collect_namespace (OpImapClient   *self,
                   OpImapResponse *r,
                   gpointer        data)
{
  GPtrArray **out = data;

  if (r->kind != OP_IMAP_RESPONSE_DATA || r->data != OP_IMAP_DATA_NAMESPACE)
    return FALSE;
  g_clear_pointer (out, g_ptr_array_unref);
  *out = g_steal_pointer (&r->namespaces[0]);
  return TRUE;
}

static gpointer
job_namespace (OpSession     *session,
               gpointer       data,
               GCancellable  *cancellable,
               GError       **error)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);
  g_autoptr(OpImapResponse) r = NULL;
  g_auto(OpImapCmd) c = { 0 };
  GPtrArray *personal = NULL;

  if (!_op_imap_need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return NULL;
  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, "NAMESPACE");
  r = _op_imap_command_ok (self, &c, "NAMESPACE", OP_IMAP_COMMAND_OTHER, collect_namespace,
                           &personal, cancellable, error);
  if (r == NULL)
    {
      g_clear_pointer (&personal, g_ptr_array_unref);
      return NULL;
    }
  if (personal == NULL)
    personal = g_ptr_array_new ();
  return personal;
}

void
op_imap_client_namespace_async (OpImapClient        *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));

  _op_imap_call (self, op_imap_client_namespace_async, job_namespace, g_new0 (OpImapJob, 1),
                 (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpImapClient, op_imap_client, namespace, GPtrArray *)

static gpointer
job_noop (OpSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  if (!_op_imap_simple_command (OP_IMAP_CLIENT (session), "NOOP", cancellable, error))
    return NULL;
  return OP_SESSION_JOB_OK;
}

void
op_imap_client_noop_async (OpImapClient        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));

  _op_imap_call (self, op_imap_client_noop_async, job_noop, g_new0 (OpImapJob, 1), NULL,
                 cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpImapClient, op_imap_client, noop)

static gpointer
job_logout (OpSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  if (!op_session_is_connected (session))
    {
      op_session_disconnect (session);
      return OP_SESSION_JOB_OK;
    }
  self->w_logging_out = TRUE;
  ok = _op_imap_simple_command (self, "LOGOUT", cancellable, &local_error);
  op_session_disconnect (session);
  /* The session ends either way; only cancellation is reported. */
  if (!ok && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return OP_SESSION_JOB_OK;
}

void
op_imap_client_logout_async (OpImapClient        *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));

  _op_imap_call (self, op_imap_client_logout_async, job_logout, g_new0 (OpImapJob, 1), NULL,
                 cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpImapClient, op_imap_client, logout)
