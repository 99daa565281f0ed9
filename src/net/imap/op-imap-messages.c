/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-imap-client-private.h"

/*
 * Messages: UID FETCH (into OpImapFetch objects, or one section written to a stream as
 * it arrives), UID SEARCH, UID STORE (also conditional, RFC 7162), UID COPY, UID MOVE
 * (or its fallback) and APPEND.
 */


typedef struct
{
  GPtrArray *out;
  gboolean   want_vanished;   /* UID FETCH … (CHANGEDSINCE n VANISHED) */
  char      *vanished;
} FetchSink;

static gboolean
collect_fetch (OpImapClient   *self,
               OpImapResponse *r,
               gpointer        data)
{
  FetchSink *sink = data;
  GPtrArray *out = sink->out;

  if (sink->want_vanished && r->kind == OP_IMAP_RESPONSE_DATA &&
      r->data == OP_IMAP_DATA_VANISHED && r->vanished_earlier)
    return _op_imap_collect_vanished_earlier (self, r, &sink->vanished);
  if (r->kind != OP_IMAP_RESPONSE_DATA || r->data != OP_IMAP_DATA_FETCH ||
      !(r->fetch->items & OP_IMAP_FETCH_UID))
    return FALSE;
  if (!_op_imap_within_limit (self, out->len + 1, _op_imap_message_limit (self), "FETCH"))
    return TRUE;
  g_ptr_array_add (out, g_steal_pointer (&r->fetch));
  return TRUE;
}

/* "1.2" → "BODY.PEEK[1.2]"; "1<0.100>" → "BODY.PEEK[1]<0.100>". */
static char *
peek_item (const char  *section,
           GError     **error)
{
  const char *lt = strchr (section, '<');
  g_autofree char *part = g_strndup (section, lt != NULL ? (gsize) (lt - section) : strlen (section));

  for (const char *p = section; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f || *p == '{' || *p == ']' || *p == '[')
      {
        g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                     _("“%s” is not a valid message section."), section);
        return NULL;
      }
  if (lt != NULL)
    {
      guint64 a, b;
      const char *dot = strchr (lt, '.');
      const char *gt = strchr (lt, '>');

      if (dot == NULL || gt == NULL || gt[1] != '\0' || dot > gt ||
          !op_imap_parse_number (lt + 1, dot - lt - 1, G_MAXUINT32, &a) ||
          !op_imap_parse_number (dot + 1, gt - dot - 1, G_MAXUINT32, &b) || b == 0)
        {
          g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                       _("“%s” is not a valid message section."), section);
          return NULL;
        }
      return g_strdup_printf ("BODY.PEEK[%s]%s", part, lt);
    }
  return g_strdup_printf ("BODY.PEEK[%s]", part);
}

/* @changedsince: NULL, or UID FETCH … (CHANGEDSINCE *@changedsince [VANISHED]) with the
 * VANISHED (EARLIER) sets, when QRESYNC is enabled, in *@vanished. */
static GPtrArray *
do_fetch (OpImapClient        *self,
          const char          *uid_set,
          OpImapFetchItems     items,
          const char * const  *sections,
          const guint64       *changedsince,
          char               **vanished,
          GCancellable        *cancellable,
          GError             **error)
{
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) op_imap_fetch_free);
  g_autoptr(GString) list = g_string_new ("(UID");
  FetchSink sink = { out, FALSE, NULL };

  if (!_op_imap_need_state (self, OP_IMAP_STATE_SELECTED, error) || !_op_imap_check_uid_set (uid_set, error))
    return NULL;
  if (changedsince != NULL)
    {
      if (!_op_imap_has_cap (self, "CONDSTORE"))
        {
          g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                               _("The server does not support CONDSTORE."));
          return NULL;
        }
      /* RFC 7162 §3.1.4.1: CHANGEDSINCE implies MODSEQ; ask for it anyway, to be plain. */
      items |= OP_IMAP_FETCH_MODSEQ;
      sink.want_vanished = self->w_qresync;
    }
  if (items & OP_IMAP_FETCH_FLAGS)
    g_string_append (list, " FLAGS");
  if (items & OP_IMAP_FETCH_INTERNALDATE)
    g_string_append (list, " INTERNALDATE");
  if (items & OP_IMAP_FETCH_SIZE)
    g_string_append (list, " RFC822.SIZE");
  if (items & OP_IMAP_FETCH_ENVELOPE)
    g_string_append (list, " ENVELOPE");
  if (items & OP_IMAP_FETCH_BODYSTRUCTURE)
    g_string_append (list, " BODYSTRUCTURE");
  if ((items & OP_IMAP_FETCH_MODSEQ) && _op_imap_has_cap (self, "CONDSTORE"))
    g_string_append (list, " MODSEQ");
  for (guint i = 0; sections != NULL && sections[i] != NULL; i++)
    {
      g_autofree char *item = peek_item (sections[i], error);

      if (item == NULL)
        return NULL;
      g_string_append_printf (list, " %s", item);
    }
  g_string_append_c (list, ')');
  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, "UID FETCH");
  _op_imap_cmd_add (&c, uid_set);
  _op_imap_cmd_add (&c, list->str);
  if (changedsince != NULL)
    {
      g_autofree char *modifier =
        g_strdup_printf ("(CHANGEDSINCE %" G_GUINT64_FORMAT "%s)", *changedsince,
                         sink.want_vanished ? " VANISHED" : "");

      _op_imap_cmd_add (&c, modifier);
    }
  /* Thousands of FETCH responses make one log line, not thousands. */
  self->w_quiet_fetch = TRUE;
  self->w_n_quiet = 0;
  r = _op_imap_command_ok (self, &c, "UID FETCH", OP_IMAP_COMMAND_OTHER, collect_fetch, &sink,
                  cancellable, error);
  self->w_quiet_fetch = FALSE;
  if (self->w_n_quiet > 0)
    op_protocol_log_append_printf (op_session_get_log (OP_SESSION (self)), OP_LOG_RECEIVED,
                                   "* … %u FETCH", self->w_n_quiet);
  if (r == NULL)
    {
      g_free (sink.vanished);
      return NULL;
    }
  if (vanished != NULL)
    *vanished = g_steal_pointer (&sink.vanished);
  g_free (sink.vanished);
  return g_steal_pointer (&out);
}

typedef struct
{
  GOutputStream *stream;
  GCancellable  *cancellable;
  guint64        written;
  guint32        uid;
  char          *part;         /* the requested section, e.g. "1.2", "" */
  gint64         origin;       /* the requested <origin>, or -1 */
  gboolean       found;        /* the requested UID's FETCH carried the section */
  gboolean       empty;        /* … as NIL */
  guint32        stream_seq;   /* the FETCH whose literal went to the stream, or 0 */
  gboolean       stream_uid_known;
  gboolean       wrong_message;
  GError        *error;        /* the first write error */
} StreamSink;

/* TRUE when the fetch item @item ("BODY[1.2]<0>") is the one requested. */
static gboolean
stream_item_matches (StreamSink *s,
                     const char *item)
{
  const char *close;
  gint64 origin = -1;

  if (item == NULL || g_ascii_strncasecmp (item, "BODY[", 5) != 0)
    return FALSE;
  item += 5;
  close = strchr (item, ']');
  if (close == NULL || (gsize) (close - item) != strlen (s->part) ||
      g_ascii_strncasecmp (item, s->part, close - item) != 0)
    return FALSE;
  if (close[1] == '<')
    {
      guint64 n;
      const char *gt = strchr (close + 2, '>');

      if (gt == NULL || gt[1] != '\0' ||
          !op_imap_parse_number (close + 2, gt - close - 2, G_MAXUINT32, &n))
        return FALSE;
      origin = (gint64) n;
    }
  else if (close[1] != '\0')
    return FALSE;
  return origin == s->origin;
}

static void
stream_write (StreamSink   *s,
              const guint8 *data,
              gsize         length)
{
  g_autoptr(GError) local_error = NULL;

  if (s->error != NULL)
    return;
  if (!g_output_stream_write_all (s->stream, data, length, NULL, s->cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        s->error = g_steal_pointer (&local_error);
      else
        s->error = g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_LOCAL,
                                _("Could not save the message: %s"), local_error->message);
      return;
    }
  s->written += length;
}

/* Only the requested section of the requested message goes to the stream; every other
 * literal (another message's body, an address or a folder name) is read and dropped. */
static gboolean
stream_sink (const OpImapLiteralInfo *info,
             const guint8            *data,
             gsize                    length,
             gpointer                 user_data,
             GError                 **error)
{
  StreamSink *s = user_data;

  if (info->seq == 0 || (info->uid != 0 && info->uid != s->uid) ||
      !stream_item_matches (s, info->item))
    return TRUE;
  if (info->offset == 0)
    {
      if (s->stream_seq != 0 || s->found)
        return TRUE;   /* the section once more: the first one counts */
      s->stream_seq = info->seq;
      s->stream_uid_known = info->uid != 0;
    }
  else if (info->seq != s->stream_seq)
    return TRUE;
  stream_write (s, data, length);
  if (s->error != NULL && g_error_matches (s->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* A cancel ends the command (and the session: the reply is half read). */
      g_propagate_error (error, g_steal_pointer (&s->error));
      return FALSE;
    }
  /* A write error: the rest is read and dropped, the session goes on, and the error is
   * reported when the command ends. */
  return TRUE;
}

static gboolean
collect_stream (OpImapClient   *self,
                OpImapResponse *r,
                gpointer        data)
{
  StreamSink *s = data;
  OpImapSection *match = NULL;

  if (r->kind != OP_IMAP_RESPONSE_DATA || r->data != OP_IMAP_DATA_FETCH)
    return FALSE;
  if (s->stream_seq != 0 && r->fetch->seq == s->stream_seq && !s->stream_uid_known &&
      !s->found && r->fetch->uid != s->uid)
    {
      /* The UID came after the streamed literal, and is not the one asked for. */
      s->wrong_message = TRUE;
      return FALSE;
    }
  if (!(r->fetch->items & OP_IMAP_FETCH_UID) || r->fetch->uid != s->uid || s->found)
    return FALSE;
  for (guint i = 0; i < r->fetch->sections->len && match == NULL; i++)
    {
      OpImapSection *sec = r->fetch->sections->pdata[i];

      if (g_ascii_strcasecmp (sec->section, s->part) == 0 && sec->origin == s->origin)
        match = sec;
    }
  if (match == NULL)
    return FALSE;   /* e.g. a FLAGS update of the same message */
  s->found = TRUE;
  if (match->streamed)
    return TRUE;    /* already in the stream, piece by piece */
  if (match->data == NULL)
    s->empty = TRUE;
  else if (g_bytes_get_size (match->data) > 0)
    {
      /* A small body arrives whole (or as a quoted string): write it now. */
      gsize size;
      const guint8 *bytes = g_bytes_get_data (match->data, &size);

      stream_write (s, bytes, size);
    }
  return TRUE;
}

static gboolean
do_fetch_to_stream (OpImapClient   *self,
                    guint32         uid,
                    const char     *section,
                    GOutputStream  *stream,
                    guint64        *size,
                    GCancellable   *cancellable,
                    GError        **error)
{
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  g_autofree char *item = NULL;
  g_autofree char *uid_text = NULL;
  g_autofree char *part = NULL;
  const char *lt;
  StreamSink s = { stream, cancellable, 0, uid, NULL, -1, FALSE, FALSE, 0, FALSE, FALSE, NULL };

  if (!_op_imap_need_state (self, OP_IMAP_STATE_SELECTED, error))
    return FALSE;
  if (section == NULL)
    section = "";
  item = peek_item (section, error);
  if (item == NULL)
    return FALSE;
  /* peek_item checked the partial: "<origin.count>". */
  lt = strchr (section, '<');
  part = g_strndup (section, lt != NULL ? (gsize) (lt - section) : strlen (section));
  if (lt != NULL)
    s.origin = (gint64) g_ascii_strtoull (lt + 1, NULL, 10);
  s.part = part;
  uid_text = g_strdup_printf ("%u", uid);
  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, "UID FETCH");
  _op_imap_cmd_add (&c, uid_text);
  _op_imap_cmd_add (&c, "(UID");
  _op_imap_cmd_add (&c, item);
  g_string_append_c (c.text, ')');
  /* Every literal of this command passes the sink, which keeps only the one asked for. */
  if (self->parser == NULL)
    self->parser = op_imap_parser_new ();
  op_imap_parser_set_literal_sink (self->parser, 0, stream_sink, &s);
  r = _op_imap_command_ok (self, &c, "UID FETCH", OP_IMAP_COMMAND_OTHER, collect_stream, &s,
                  cancellable, error);
  if (self->parser != NULL)
    op_imap_parser_set_literal_sink (self->parser, OP_IMAP_DEFAULT_STREAM_THRESHOLD, NULL, NULL);
  /* A failure that left a response half read (read_response already ends the session
   * on a cancel or a sink error) must never leave the rest for the next command. */
  if (r == NULL && self->parser != NULL && !op_imap_parser_is_idle (self->parser))
    op_session_disconnect (OP_SESSION (self));
  if (r == NULL)
    {
      g_clear_error (&s.error);
      return FALSE;
    }
  if (s.error != NULL)
    {
      g_propagate_error (error, s.error);
      return FALSE;
    }
  if (s.wrong_message)
    {
      g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                   _("The server sent another message than the one asked for (UID %u)."), uid);
      return FALSE;
    }
  if (!s.found)
    {
      g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NO,
                   _("The message (UID %u) no longer exists on the server."), uid);
      return FALSE;
    }
  if (s.empty)
    {
      g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NO,
                   _("The server has no content for part “%s” of the message (UID %u)."),
                   section, uid);
      return FALSE;
    }
  *size = s.written;
  return TRUE;
}

static gboolean
collect_search (OpImapClient   *self,
                OpImapResponse *r,
                gpointer        data)
{
  GArray *out = data;

  if (r->kind != OP_IMAP_RESPONSE_DATA || r->data != OP_IMAP_DATA_SEARCH)
    return FALSE;
  if (!_op_imap_within_limit (self, out->len + r->numbers->len, _op_imap_message_limit (self), "SEARCH"))
    return TRUE;
  g_array_append_vals (out, r->numbers->data, r->numbers->len);
  return TRUE;
}

static GArray *
do_search (OpImapClient        *self,
           const char * const  *criteria,
           GCancellable        *cancellable,
           GError             **error)
{
  static const char *string_keys[] = { "BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO",
                                       NULL };
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (guint32));
  gboolean utf8 = FALSE;
  guint strings_left = 0;

  if (!_op_imap_need_state (self, OP_IMAP_STATE_SELECTED, error))
    return NULL;
  for (guint i = 0; criteria != NULL && criteria[i] != NULL; i++)
    for (const char *p = criteria[i]; *p != '\0'; p++)
      if ((guchar) *p >= 0x80)
        utf8 = TRUE;
  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, "UID SEARCH");
  /* RFC 3501 §6.4.4: CHARSET only when a string needs it. */
  if (utf8)
    _op_imap_cmd_add (&c, "CHARSET UTF-8");
  if (criteria == NULL || criteria[0] == NULL)
    _op_imap_cmd_add (&c, "ALL");
  for (guint i = 0; criteria != NULL && criteria[i] != NULL; i++)
    {
      const char *word = criteria[i];

      if (strings_left > 0)
        {
          if (!g_utf8_validate (word, -1, NULL))
            {
              g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                                   _("The search text is not valid UTF-8."));
              return NULL;
            }
          _op_imap_cmd_string (&c, self, word, strlen (word));
          strings_left--;
          continue;
        }
      if (!_op_imap_check_atom (word, error))
        return NULL;
      _op_imap_cmd_add (&c, word);
      if (g_ascii_strcasecmp (word, "HEADER") == 0)
        strings_left = 2;
      else
        {
          g_autofree char *upper = g_ascii_strup (word, -1);

          if (g_strv_contains (string_keys, upper))
            strings_left = 1;
        }
    }
  if (strings_left > 0)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                           _("A search key is missing its text."));
      return NULL;
    }
  r = _op_imap_command_ok (self, &c, "UID SEARCH", OP_IMAP_COMMAND_OTHER, collect_search, out,
                  cancellable, error);
  if (r == NULL)
    return NULL;
  return g_steal_pointer (&out);
}

static gboolean
flag_list (GString             *out,
           const char * const  *flags,
           GError             **error)
{
  g_string_append_c (out, '(');
  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    {
      if (!_op_imap_check_atom (flags[i], error))
        return FALSE;
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, flags[i]);
    }
  g_string_append_c (out, ')');
  return TRUE;
}

/* @unchangedsince: NULL, or UID STORE set (UNCHANGEDSINCE *@unchangedsince) … with the
 * MODIFIED response code's set (the UIDs not stored) in *@modified, NULL when none. */
static gboolean
do_store (OpImapClient        *self,
          const char          *uid_set,
          OpImapStoreMode      mode,
          const char * const  *flags,
          const guint64       *unchangedsince,
          char               **modified,
          GCancellable        *cancellable,
          GError             **error)
{
  static const char *modes[] = { "+FLAGS.SILENT", "-FLAGS.SILENT", "FLAGS.SILENT" };
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GString) list = g_string_new (NULL);

  if (!_op_imap_need_state (self, OP_IMAP_STATE_SELECTED, error) || !_op_imap_check_uid_set (uid_set, error) ||
      !flag_list (list, flags, error))
    return FALSE;
  if (unchangedsince != NULL && !_op_imap_has_cap (self, "CONDSTORE"))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                           _("The server does not support CONDSTORE."));
      return FALSE;
    }
  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, "UID STORE");
  _op_imap_cmd_add (&c, uid_set);
  if (unchangedsince != NULL)
    {
      g_autofree char *modifier =
        g_strdup_printf ("(UNCHANGEDSINCE %" G_GUINT64_FORMAT ")", *unchangedsince);

      _op_imap_cmd_add (&c, modifier);
    }
  _op_imap_cmd_add (&c, modes[mode]);
  _op_imap_cmd_add (&c, list->str);
  r = _op_imap_command_ok (self, &c, "UID STORE", OP_IMAP_COMMAND_OTHER, NULL, NULL, cancellable, error);
  if (r == NULL)
    return FALSE;
  /* RFC 7162 §3.1.3: OK [MODIFIED set] names the messages changed since, left alone. */
  if (modified != NULL && r->code != NULL && r->code->kind == OP_IMAP_CODE_MODIFIED &&
      r->code->source != NULL)
    {
      if (!_op_imap_check_uid_set (r->code->source, NULL))
        {
          g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                               _("The server named an invalid set of modified messages."));
          return FALSE;
        }
      *modified = g_strdup (r->code->source);
    }
  return TRUE;
}

static gboolean
do_copy (OpImapClient  *self,
         const char    *verb,
         const char    *uid_set,
         const char    *mailbox,
         char         **dest_uids,
         GCancellable  *cancellable,
         GError       **error)
{
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;

  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, verb);
  _op_imap_cmd_add (&c, uid_set);
  if (!_op_imap_cmd_mailbox (&c, self, mailbox, error))
    return FALSE;
  r = _op_imap_command_ok (self, &c, verb, OP_IMAP_COMMAND_MAILBOX, NULL, NULL, cancellable, error);
  if (r == NULL)
    return FALSE;
  if (r->code != NULL && r->code->kind == OP_IMAP_CODE_COPYUID)
    *dest_uids = g_strdup (r->code->dest);
  return TRUE;
}

/* Untagged COPYUID: RFC 6851 §4.3 puts it in an untagged OK before the expunges. */
static gboolean
collect_copyuid (OpImapClient   *self,
                 OpImapResponse *r,
                 gpointer        data)
{
  char **dest = data;

  if (r->kind == OP_IMAP_RESPONSE_STATUS && r->code != NULL &&
      r->code->kind == OP_IMAP_CODE_COPYUID)
    {
      g_free (*dest);
      *dest = g_strdup (r->code->dest);
      return TRUE;
    }
  return FALSE;
}

/* RFC 4315 UID EXPUNGE: removes the messages of @uid_set that are marked \Deleted, and
 * only those (a plain EXPUNGE also takes what other clients marked). */
static gboolean
do_uid_expunge (OpImapClient  *self,
                const char    *uid_set,
                GCancellable  *cancellable,
                GError       **error)
{
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;

  if (!_op_imap_has_cap (self, "UIDPLUS"))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                           _("The server cannot remove single messages (UIDPLUS)."));
      return FALSE;
    }
  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, "UID EXPUNGE");
  _op_imap_cmd_add (&c, uid_set);
  r = _op_imap_command_ok (self, &c, "UID EXPUNGE", OP_IMAP_COMMAND_OTHER, NULL, NULL, cancellable,
                           error);
  return r != NULL;
}

static gboolean
do_move (OpImapClient  *self,
         const char    *uid_set,
         const char    *mailbox,
         char         **dest_uids,
         GCancellable  *cancellable,
         GError       **error)
{
  const char *deleted[] = { "\\Deleted", NULL };

  if (!_op_imap_need_state (self, OP_IMAP_STATE_SELECTED, error) || !_op_imap_check_uid_set (uid_set, error))
    return FALSE;
  if (_op_imap_has_cap (self, "MOVE"))
    {
      g_auto(OpImapCmd) c = { 0 };
      g_autoptr(OpImapResponse) r = NULL;

      _op_imap_cmd_init (&c);
      _op_imap_cmd_add (&c, "UID MOVE");
      _op_imap_cmd_add (&c, uid_set);
      if (!_op_imap_cmd_mailbox (&c, self, mailbox, error))
        return FALSE;
      r = _op_imap_command_ok (self, &c, "UID MOVE", OP_IMAP_COMMAND_MAILBOX, collect_copyuid,
                      dest_uids, cancellable, error);
      return r != NULL;
    }
  /* Without MOVE: copy, and delete only after the copy succeeded; UID EXPUNGE (UIDPLUS)
   * removes just these messages, not others someone marked \Deleted. */
  if (!_op_imap_has_cap (self, "UIDPLUS"))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                           _("The server can neither move messages (MOVE) nor remove "
                             "single messages (UIDPLUS); nothing was changed."));
      return FALSE;
    }
  if (!do_copy (self, "UID COPY", uid_set, mailbox, dest_uids, cancellable, error))
    return FALSE;
  return do_store (self, uid_set, OP_IMAP_STORE_ADD, deleted, NULL, NULL, cancellable, error)
    && do_uid_expunge (self, uid_set, cancellable, error);
}

static char *
format_date_time (GDateTime *date)
{
  static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                  "Sep", "Oct", "Nov", "Dec" };
  gint64 offset = g_date_time_get_utc_offset (date) / G_TIME_SPAN_MINUTE;
  char sign = offset < 0 ? '-' : '+';

  if (offset < 0)
    offset = -offset;
  /* RFC 3501 date-time, with English month names whatever the locale. */
  return g_strdup_printf ("\"%2d-%s-%04d %02d:%02d:%02d %c%02d%02d\"",
                          g_date_time_get_day_of_month (date),
                          months[g_date_time_get_month (date) - 1],
                          g_date_time_get_year (date), g_date_time_get_hour (date),
                          g_date_time_get_minute (date), g_date_time_get_second (date),
                          sign, (int) (offset / 60), (int) (offset % 60));
}

static gboolean
do_append (OpImapClient        *self,
           const char          *mailbox,
           GBytes              *message,
           const char * const  *flags,
           GDateTime           *date,
           guint32             *uid,
           GCancellable        *cancellable,
           GError             **error)
{
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  gsize size;
  const char *data = g_bytes_get_data (message, &size);

  if (!_op_imap_need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return FALSE;
  if (size == 0 || memchr (data, '\0', size) != NULL)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                           _("The message is empty or contains a NUL byte and cannot be "
                             "stored."));
      return FALSE;
    }
  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, "APPEND");
  if (!_op_imap_cmd_mailbox (&c, self, mailbox, error))
    return FALSE;
  if (flags != NULL && flags[0] != NULL)
    {
      g_autoptr(GString) list = g_string_new (NULL);

      if (!flag_list (list, flags, error))
        return FALSE;
      _op_imap_cmd_add (&c, list->str);
    }
  if (date != NULL)
    {
      g_autofree char *text = format_date_time (date);

      _op_imap_cmd_add (&c, text);
    }
  _op_imap_cmd_separate (&c);
  _op_imap_cmd_literal (&c, self, data, size);
  r = _op_imap_command_ok (self, &c, "APPEND", OP_IMAP_COMMAND_MAILBOX, NULL, NULL, cancellable, error);
  if (r == NULL)
    return FALSE;
  *uid = 0;
  if (r->code != NULL && r->code->kind == OP_IMAP_CODE_APPENDUID)
    {
      guint64 n;

      if (op_imap_parse_number (r->code->dest, strlen (r->code->dest), G_MAXUINT32, &n))
        *uid = (guint32) n;
    }
  return TRUE;
}

/* --- calls --------------------------------------------------------------------------------- */

static gpointer
job_fetch (OpSession     *session,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  OpImapJob *job = data;

  return do_fetch (OP_IMAP_CLIENT (session), job->a, job->number,
                   (const char * const *) job->strv, job->flag ? &job->in_number : NULL,
                   &job->out_text, cancellable, error);
}

/* UID FETCH and UID STORE: a UID set, a number (items, mode), a list (sections, flags)
 * and, for the conditional forms, a modification sequence (CHANGEDSINCE,
 * UNCHANGEDSINCE). */
static void
uid_set_call (OpImapClient        *self,
              gpointer             source_tag,
              OpSessionJobFunc     func,
              GDestroyNotify       result_free,
              const char          *uid_set,
              gint                 number,
              const char * const  *list,
              const guint64       *modseq,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  OpImapJob *job = g_new0 (OpImapJob, 1);

  job->a = g_strdup (uid_set);
  job->number = number;
  job->strv = g_strdupv ((char **) list);
  job->flag = modseq != NULL;
  job->in_number = modseq != NULL ? *modseq : 0;
  _op_imap_call (self, source_tag, func, job, result_free, cancellable, callback, user_data);
}

void
op_imap_client_fetch_async (OpImapClient        *self,
                            const char          *uid_set,
                            OpImapFetchItems     items,
                            const char * const  *sections,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL);

  uid_set_call (self, op_imap_client_fetch_async, job_fetch, (GDestroyNotify) g_ptr_array_unref,
                uid_set, items, sections, NULL, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpImapClient, op_imap_client, fetch, GPtrArray *)

void
op_imap_client_fetch_changed_async (OpImapClient        *self,
                                    const char          *uid_set,
                                    OpImapFetchItems     items,
                                    const char * const  *sections,
                                    guint64              changedsince,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL);

  uid_set_call (self, op_imap_client_fetch_changed_async, job_fetch,
                (GDestroyNotify) g_ptr_array_unref, uid_set, items, sections, &changedsince,
                cancellable, callback, user_data);
}

GPtrArray *
op_imap_client_fetch_changed_finish (OpImapClient  *self,
                                     GAsyncResult  *result,
                                     char         **vanished,
                                     GError       **error)
{
  GPtrArray *out = op_session_finish_pointer (OP_SESSION (self), result,
                                              op_imap_client_fetch_changed_async, error);

  if (out != NULL && vanished != NULL)
    *vanished = g_strdup (((OpImapJob *) op_session_task_get_data (result))->out_text);
  return out;
}

static gpointer
job_fetch_to_stream (OpSession     *session,
                     gpointer       data,
                     GCancellable  *cancellable,
                     GError       **error)
{
  OpImapJob *job = data;

  if (!do_fetch_to_stream (OP_IMAP_CLIENT (session), job->uid, job->a, job->stream,
                           &job->out_number, cancellable, error))
    return NULL;
  return OP_SESSION_JOB_OK;
}

void
op_imap_client_fetch_to_stream_async (OpImapClient        *self,
                                      guint32              uid,
                                      const char          *section,
                                      GOutputStream       *stream,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  OpImapJob *job;

  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid > 0 && G_IS_OUTPUT_STREAM (stream));

  job = g_new0 (OpImapJob, 1);
  job->uid = uid;
  job->a = g_strdup (section != NULL ? section : "");
  job->stream = g_object_ref (stream);
  _op_imap_call (self, op_imap_client_fetch_to_stream_async, job_fetch_to_stream, job, NULL,
                 cancellable, callback, user_data);
}

gboolean
op_imap_client_fetch_to_stream_finish (OpImapClient  *self,
                                       GAsyncResult  *result,
                                       guint64       *size,
                                       GError       **error)
{
  if (!op_session_finish_boolean (OP_SESSION (self), result,
                                  op_imap_client_fetch_to_stream_async, error))
    return FALSE;
  if (size != NULL)
    *size = ((OpImapJob *) op_session_task_get_data (result))->out_number;
  return TRUE;
}

static gpointer
job_search (OpSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  return do_search (OP_IMAP_CLIENT (session), (const char * const *) ((OpImapJob *) data)->strv,
                    cancellable, error);
}

void
op_imap_client_search_async (OpImapClient        *self,
                             const char * const  *criteria,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  OpImapJob *job;

  g_return_if_fail (OP_IS_IMAP_CLIENT (self));

  job = g_new0 (OpImapJob, 1);
  job->strv = g_strdupv ((char **) criteria);
  _op_imap_call (self, op_imap_client_search_async, job_search, job,
                 (GDestroyNotify) g_array_unref, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpImapClient, op_imap_client, search, GArray *)

static gpointer
job_store (OpSession     *session,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  OpImapJob *job = data;

  if (!do_store (OP_IMAP_CLIENT (session), job->a, job->number,
                 (const char * const *) job->strv, job->flag ? &job->in_number : NULL,
                 &job->out_text, cancellable, error))
    return NULL;
  return OP_SESSION_JOB_OK;
}

void
op_imap_client_store_async (OpImapClient        *self,
                            const char          *uid_set,
                            OpImapStoreMode      mode,
                            const char * const  *flags,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL && mode <= OP_IMAP_STORE_REPLACE);

  uid_set_call (self, op_imap_client_store_async, job_store, NULL, uid_set, mode, flags, NULL,
                cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpImapClient, op_imap_client, store)

void
op_imap_client_store_unchanged_async (OpImapClient        *self,
                                      const char          *uid_set,
                                      OpImapStoreMode      mode,
                                      const char * const  *flags,
                                      guint64              unchangedsince,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL && mode <= OP_IMAP_STORE_REPLACE);

  uid_set_call (self, op_imap_client_store_unchanged_async, job_store, NULL, uid_set, mode,
                flags, &unchangedsince, cancellable, callback, user_data);
}

gboolean
op_imap_client_store_unchanged_finish (OpImapClient  *self,
                                       GAsyncResult  *result,
                                       char         **modified,
                                       GError       **error)
{
  if (!op_session_finish_boolean (OP_SESSION (self), result,
                                  op_imap_client_store_unchanged_async, error))
    return FALSE;
  if (modified != NULL)
    *modified = g_strdup (((OpImapJob *) op_session_task_get_data (result))->out_text);
  return TRUE;
}

static gpointer
job_uid_expunge (OpSession     *session,
                 gpointer       data,
                 GCancellable  *cancellable,
                 GError       **error)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);
  OpImapJob *job = data;

  if (!_op_imap_need_state (self, OP_IMAP_STATE_SELECTED, error) ||
      !_op_imap_check_uid_set (job->a, error) ||
      !do_uid_expunge (self, job->a, cancellable, error))
    return NULL;
  return OP_SESSION_JOB_OK;
}

void
op_imap_client_uid_expunge_async (OpImapClient        *self,
                                  const char          *uid_set,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL);

  uid_set_call (self, op_imap_client_uid_expunge_async, job_uid_expunge, NULL, uid_set, 0, NULL,
                NULL, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpImapClient, op_imap_client, uid_expunge)

static gpointer
job_copy (OpSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  OpImapClient *self = OP_IMAP_CLIENT (session);
  OpImapJob *job = data;

  if (!_op_imap_need_state (self, OP_IMAP_STATE_SELECTED, error) ||
      !_op_imap_check_uid_set (job->a, error) ||
      !do_copy (self, "UID COPY", job->a, job->b, &job->out_text, cancellable, error))
    return NULL;
  return OP_SESSION_JOB_OK;
}

static gpointer
job_move (OpSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  OpImapJob *job = data;

  if (!do_move (OP_IMAP_CLIENT (session), job->a, job->b, &job->out_text, cancellable, error))
    return NULL;
  return OP_SESSION_JOB_OK;
}

/* UID COPY and UID MOVE: a UID set and the destination folder. */
static void
copy_call (OpImapClient        *self,
           gpointer             source_tag,
           OpSessionJobFunc     func,
           const char          *uid_set,
           const char          *mailbox,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  OpImapJob *job = g_new0 (OpImapJob, 1);

  job->a = g_strdup (uid_set);
  job->b = g_strdup (mailbox);
  _op_imap_call (self, source_tag, func, job, NULL, cancellable, callback, user_data);
}

void
op_imap_client_copy_async (OpImapClient        *self,
                           const char          *uid_set,
                           const char          *mailbox,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL && mailbox != NULL);

  copy_call (self, op_imap_client_copy_async, job_copy, uid_set, mailbox, cancellable, callback,
             user_data);
}

void
op_imap_client_move_async (OpImapClient        *self,
                           const char          *uid_set,
                           const char          *mailbox,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL && mailbox != NULL);

  copy_call (self, op_imap_client_move_async, job_move, uid_set, mailbox, cancellable, callback,
             user_data);
}

static gboolean
finish_copy (OpImapClient  *self,
             GAsyncResult  *result,
             gpointer       tag,
             char         **dest_uids,
             GError       **error)
{
  if (!op_session_finish_boolean (OP_SESSION (self), result, tag, error))
    return FALSE;
  if (dest_uids != NULL)
    *dest_uids = g_strdup (((OpImapJob *) op_session_task_get_data (result))->out_text);
  return TRUE;
}

gboolean
op_imap_client_copy_finish (OpImapClient  *self,
                            GAsyncResult  *result,
                            char         **dest_uids,
                            GError       **error)
{
  return finish_copy (self, result, op_imap_client_copy_async, dest_uids, error);
}

gboolean
op_imap_client_move_finish (OpImapClient  *self,
                            GAsyncResult  *result,
                            char         **dest_uids,
                            GError       **error)
{
  return finish_copy (self, result, op_imap_client_move_async, dest_uids, error);
}

static gpointer
job_append (OpSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  OpImapJob *job = data;
  guint32 uid = 0;

  if (!do_append (OP_IMAP_CLIENT (session), job->a, job->bytes,
                  (const char * const *) job->strv, job->date, &uid, cancellable, error))
    return NULL;
  job->out_number = uid;
  return OP_SESSION_JOB_OK;
}

void
op_imap_client_append_async (OpImapClient        *self,
                             const char          *mailbox,
                             GBytes              *message,
                             const char * const  *flags,
                             GDateTime           *date,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  OpImapJob *job;

  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL && message != NULL);

  job = g_new0 (OpImapJob, 1);
  job->a = g_strdup (mailbox);
  job->bytes = g_bytes_ref (message);
  job->strv = g_strdupv ((char **) flags);
  job->date = date != NULL ? g_date_time_ref (date) : NULL;
  _op_imap_call (self, op_imap_client_append_async, job_append, job, NULL,
                 cancellable, callback, user_data);
}

gboolean
op_imap_client_append_finish (OpImapClient  *self,
                              GAsyncResult  *result,
                              guint32       *uid,
                              GError       **error)
{
  if (!op_session_finish_boolean (OP_SESSION (self), result, op_imap_client_append_async,
                                  error))
    return FALSE;
  if (uid != NULL)
    *uid = (guint32) ((OpImapJob *) op_session_task_get_data (result))->out_number;
  return TRUE;
}
