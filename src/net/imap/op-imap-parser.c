/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-imap-parser-private.h"

/*
 * Two layers. The framing layer (op_imap_parser_feed) collects one response: lines up to
 * LF, and after a line that ends in a literal header "{n}" or "{n+}", n bytes of
 * literal, kept in one buffer or handed to the literal sink. When a line ends without a
 * literal, the response is complete and the grammar layer (_op_imap_parse_response, in
 * op-imap-codes.c with op-imap-lexer.c, op-imap-body.c and op-imap-data.c) reads it with a
 * recursive-descent tokenizer into values, then into typed data.
 */

typedef enum
{
  STATE_LINE,
  STATE_LITERAL,
} FrameState;

struct _OpImapParser
{
  GByteArray        *buf;
  GArray            *literals;     /* LiteralRecord */
  OpImapArena       *arena;        /* the values of the next response */
  FrameState         state;
  gsize              line_start;
  guint64            literal_left;
  gboolean           literal_streamed;
  gboolean           may_have_literals;
  gboolean           broken;

  gsize              threshold;
  OpImapLiteralSink  sink;
  gpointer           sink_data;
  OpImapLiteralInfo  info;
  char              *info_item;
};

/* --- framing --------------------------------------------------------------------------- */

OpImapParser *
op_imap_parser_new (void)
{
  OpImapParser *self = g_new0 (OpImapParser, 1);

  self->buf = g_byte_array_new ();
  self->literals = g_array_new (FALSE, FALSE, sizeof (LiteralRecord));
  self->threshold = OP_IMAP_DEFAULT_STREAM_THRESHOLD;
  return self;
}

void
op_imap_parser_free (OpImapParser *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->buf);
  g_array_unref (self->literals);
  op_imap_arena_free (self->arena);
  g_free (self->info_item);
  g_free (self);
}

void
op_imap_parser_set_literal_sink (OpImapParser      *self,
                                 gsize              threshold,
                                 OpImapLiteralSink  sink,
                                 gpointer           user_data)
{
  g_return_if_fail (self != NULL);

  self->threshold = threshold;
  self->sink = sink;
  self->sink_data = user_data;
}

void
op_imap_parser_reset (OpImapParser *self)
{
  g_return_if_fail (self != NULL);

  if (self->buf->len > 1024 * 1024)
    {
      /* Give back the memory of a huge response. */
      g_byte_array_unref (self->buf);
      self->buf = g_byte_array_new ();
    }
  else
    g_byte_array_set_size (self->buf, 0);
  g_array_set_size (self->literals, 0);
  self->state = STATE_LINE;
  self->line_start = 0;
  self->literal_left = 0;
  self->broken = FALSE;
}

gboolean
op_imap_parser_is_idle (OpImapParser *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->state == STATE_LINE && self->buf->len == 0;
}

static gboolean
frame_error (OpImapParser  *self,
             GError       **error,
             const char    *what)
{
  self->broken = TRUE;
  g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
               _("The server sent an invalid response (%s)."), what);
  return FALSE;
}

/* The first line decides whether lines may end in literal headers: status responses
 * and continuation requests end in free text, where "{5}" is just text. */
static gboolean
line_may_have_literals (const guint8 *line,
                        gsize         length)
{
  const char *p = (const char *) line;
  const char *end = p + length;
  const char *w, *we;
  OpImapStatus status;

  if (length == 0 || *p == '+')
    return FALSE;
  w = _op_imap_word_end (p, end);
  if (w >= end)
    return FALSE;
  w++;
  we = _op_imap_word_end (w, end);
  return !_op_imap_status_word (w, we - w, &status);
}

/* The UID item of the FETCH response in the buffer, if it comes before @end: its
 * top-level items are read as words, skipping quoted strings, nested lists and the
 * bytes of literals kept in the buffer (a literal's text is never taken for an item). */
static guint32
find_fetch_uid (OpImapParser *self,
                gsize         start,
                gsize         end)
{
  const char *base = (const char *) self->buf->data;
  guint next_literal = 0;
  gboolean want_number = FALSE;
  int depth = 0;
  gsize i = start;

  while (i < end)
    {
      char c = base[i];
      gsize w;
      guint64 n;

      while (next_literal < self->literals->len &&
             g_array_index (self->literals, LiteralRecord, next_literal).offset < i)
        next_literal++;
      if (next_literal < self->literals->len)
        {
          const LiteralRecord *rec = &g_array_index (self->literals, LiteralRecord, next_literal);

          if (rec->offset == i && !rec->streamed && rec->length > 0)
            {
              i += rec->length;
              next_literal++;
              want_number = FALSE;
              continue;
            }
        }
      if (c == '(' || c == '[')
        {
          depth++;
          i++;
          continue;
        }
      if (c == ')' || c == ']')
        {
          depth--;
          i++;
          continue;
        }
      if (c == '"')
        {
          for (i++; i < end && base[i] != '"'; i++)
            if (base[i] == '\\')
              i++;
          i++;
          want_number = FALSE;
          continue;
        }
      if (c == ' ' || c == '\r' || c == '\n')
        {
          i++;
          continue;
        }
      for (w = i; w < end && base[w] != ' ' && base[w] != '(' && base[w] != ')' &&
                  base[w] != '[' && base[w] != ']' && base[w] != '"' && base[w] != '\r' &&
                  base[w] != '\n'; w++)
        ;
      if (depth == 1 && want_number)
        return op_imap_parse_number (base + i, w - i, G_MAXUINT32, &n) ? (guint32) n : 0;
      want_number = depth == 1 && w - i == 3 && g_ascii_strncasecmp (base + i, "UID", 3) == 0;
      i = w;
    }
  return 0;
}

/* A fetch item that carries message content: BODY[…], BINARY[…], RFC822,
 * RFC822.HEADER, RFC822.TEXT (with any <origin>). */
static gboolean
is_body_item (const char *item)
{
  return g_ascii_strncasecmp (item, "BODY[", 5) == 0 ||
         g_ascii_strncasecmp (item, "BINARY[", 7) == 0 ||
         g_ascii_strcasecmp (item, "RFC822") == 0 ||
         g_ascii_strcasecmp (item, "RFC822.HEADER") == 0 ||
         g_ascii_strcasecmp (item, "RFC822.TEXT") == 0;
}

/* The fetch item just before a literal header at @brace, for the sink. */
static void
note_literal_context (OpImapParser *self,
                      gsize         brace,
                      guint64       size)
{
  const char *base = (const char *) self->buf->data;
  gsize end = brace, start;
  int depth = 0;
  guint64 n;
  const char *p, *q;

  while (end > 0 && base[end - 1] == ' ')
    end--;
  start = end;
  while (start > 0)
    {
      char c = base[start - 1];

      if (c == ']' || c == '>')
        depth++;
      else if ((c == '[' || c == '<') && depth > 0)
        depth--;
      else if (depth == 0 && (c == ' ' || c == '('))
        break;
      start--;
    }
  g_free (self->info_item);
  self->info_item = g_strndup (base + start, end - start);

  self->info.seq = 0;
  self->info.uid = 0;
  p = base;
  if (self->buf->len > 2 && p[0] == '*' && p[1] == ' ')
    {
      q = p + 2;
      while (q < base + brace && *q >= '0' && *q <= '9')
        q++;
      if (q < base + brace && *q == ' ' && g_ascii_strncasecmp (q + 1, "FETCH", 5) == 0 &&
          op_imap_parse_number (p + 2, q - p - 2, G_MAXUINT32, &n))
        {
          self->info.seq = (guint32) n;
          /* The list starts after "FETCH". */
          self->info.uid = find_fetch_uid (self, q + 1 + 5 - base, brace);
        }
    }
  self->info.item = self->info_item;
  self->info.size = size;
  self->info.offset = 0;
}

gssize
op_imap_parser_feed (OpImapParser     *self,
                     const char       *data,
                     gsize             length,
                     OpImapResponse  **response,
                     GError          **error)
{
  gsize consumed = 0;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (data != NULL || length == 0, -1);
  g_return_val_if_fail (response != NULL && *response == NULL, -1);

  if (self->broken)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                           _("The server sent an invalid response."));
      return -1;
    }

  while (consumed < length)
    {
      const char *p = data + consumed;
      gsize rest = length - consumed;
      const char *nl;
      gsize chunk, line_end, line_length;
      const guint8 *line;

      if (self->state == STATE_LITERAL)
        {
          gsize n = (gsize) MIN ((guint64) rest, self->literal_left);

          if (self->literal_streamed)
            {
              /* A sink removed in the middle of a streamed literal: the rest of its
               * bytes are dropped, never handed to a NULL function. */
              if (self->sink != NULL &&
                  !self->sink (&self->info, (const guint8 *) p, n, self->sink_data, error))
                {
                  self->broken = TRUE;
                  return -1;
                }
              self->info.offset += n;
            }
          else
            g_byte_array_append (self->buf, (const guint8 *) p, n);
          consumed += n;
          self->literal_left -= n;
          if (self->literal_left == 0)
            {
              self->state = STATE_LINE;
              self->line_start = self->buf->len;
            }
          continue;
        }

      nl = memchr (p, '\n', rest);
      chunk = nl != NULL ? (gsize) (nl - p) + 1 : rest;
      if (self->buf->len - self->line_start + chunk > OP_IMAP_MAX_LINE + 2)
        {
          frame_error (self, error, _("a line is too long"));
          return -1;
        }
      if (self->buf->len + chunk > OP_IMAP_MAX_RESPONSE)
        {
          frame_error (self, error, _("a response is too large"));
          return -1;
        }
      g_byte_array_append (self->buf, (const guint8 *) p, chunk);
      consumed += chunk;
      if (nl == NULL)
        continue;

      line = self->buf->data + self->line_start;
      line_end = self->buf->len - 1;
      if (line_end > self->line_start && self->buf->data[line_end - 1] == '\r')
        line_end--;
      line_length = line_end - self->line_start;
      if (self->line_start == 0)
        self->may_have_literals = line_may_have_literals (line, line_length);

      if (self->may_have_literals && line_length >= 3 && line[line_length - 1] == '}')
        {
          gsize k = line_length - 1;
          gsize digits_end;
          guint64 n;

          if (k > 0 && line[k - 1] == '+')
            k--;
          digits_end = k;
          while (k > 0 && line[k - 1] >= '0' && line[k - 1] <= '9')
            k--;
          if (k > 0 && line[k - 1] == '{' && digits_end > k)
            {
              LiteralRecord rec;

              if (!op_imap_parse_number ((const char *) line + k, digits_end - k,
                                         G_MAXUINT64, &n))
                {
                  frame_error (self, error, _("a literal is too large"));
                  return -1;
                }
              rec.offset = self->buf->len;
              rec.length = n;
              rec.streamed = FALSE;
              if (self->sink != NULL && n > self->threshold)
                {
                  /* Only a message's content is streamed; every other literal (a
                   * subject, an address, a folder name) is kept for the grammar. */
                  note_literal_context (self, self->line_start + k - 1, n);
                  rec.streamed = self->info.seq != 0 && is_body_item (self->info.item);
                }
              /* Compared without adding, so that a size near G_MAXUINT64 cannot wrap
               * around below the limit. */
              if (n > OP_IMAP_MAX_LITERAL ||
                  (!rec.streamed && (self->buf->len > OP_IMAP_MAX_RESPONSE ||
                                     n > OP_IMAP_MAX_RESPONSE - self->buf->len)))
                {
                  frame_error (self, error, _("a literal is too large"));
                  return -1;
                }
              g_array_append_val (self->literals, rec);
              if (n == 0)
                {
                  self->line_start = self->buf->len;
                  continue;
                }
              self->state = STATE_LITERAL;
              self->literal_left = n;
              self->literal_streamed = rec.streamed;
              continue;
            }
        }

      /* A complete response. */
      *response = _op_imap_parse_response ((const char *) self->buf->data, self->buf->len,
                                  self->literals, &self->arena, error);
      if (*response == NULL)
        {
          self->broken = TRUE;
          return -1;
        }
      op_imap_parser_reset (self);
      return consumed;
    }
  return consumed;
}

OpImapResponse *
op_imap_parse_response (const char  *data,
                        gsize        length,
                        GError     **error)
{
  g_autoptr(OpImapParser) parser = op_imap_parser_new ();
  OpImapResponse *response = NULL;
  gssize n;

  n = op_imap_parser_feed (parser, data, length, &response, error);
  if (n < 0)
    return NULL;
  if (response == NULL || (gsize) n != length)
    {
      g_clear_pointer (&response, op_imap_response_free);
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                           _("The server sent an incomplete response."));
      return NULL;
    }
  return response;
}
