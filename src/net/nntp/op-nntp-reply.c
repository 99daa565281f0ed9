/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-nntp"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-nntp-error.h"
#include "op-net-types.h"
#include "op-nntp-private.h"
#include "op-nntp-reply.h"

G_DEFINE_BOXED_TYPE (OpNntpReply, op_nntp_reply, op_nntp_reply_copy, op_nntp_reply_free)

OpNntpReply *
op_nntp_reply_copy (const OpNntpReply *reply)
{
  OpNntpReply *copy;

  g_return_val_if_fail (reply != NULL, NULL);

  copy = g_new0 (OpNntpReply, 1);
  copy->code = reply->code;
  copy->text = g_strdup (reply->text);
  return copy;
}

void
op_nntp_reply_free (OpNntpReply *reply)
{
  if (reply == NULL)
    return;
  g_free (reply->text);
  g_free (reply);
}

/* --- shared helpers (op-nntp-private.h) ------------------------------------------- */

gboolean
_op_nntp_bad_reply (GError    **error,
                    const char *what,
                    const char *line,
                    gsize       length)
{
  g_autofree char *quoted = op_net_quote_bytes (line, length);

  /* Translators: the first %s says what was expected, the second is the server's line */
  g_set_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY,
               _("The news server sent an invalid reply (%s): “%s”."), what, quoted);
  return FALSE;
}

gboolean
_op_nntp_parse_number (const char  *p,
                       const char  *end,
                       const char **after,
                       guint64      max,
                       guint64     *value)
{
  guint64 v = 0;
  const char *q = p;

  for (; q < end && g_ascii_isdigit (*q); q++)
    {
      guint digit = *q - '0';

      if (v > (max - digit) / 10)
        return FALSE;
      v = v * 10 + digit;
    }
  if (q == p)
    return FALSE;
  *after = q;
  *value = v;
  return TRUE;
}

char *
_op_nntp_sanitize (const char *data,
                   gsize       length)
{
  GString *out;
  const char *p = data;
  const char *end = data + length;
  gsize plain = 0;

  /* Printable ASCII, what nearly every overview field is, stays as it is: one pass
   * and a copy (this runs for each field of each OVER line). */
  while (plain < length && (guchar) data[plain] >= 0x20 && (guchar) data[plain] < 0x7f)
    plain++;
  if (plain == length)
    return g_strndup (data, length);
  out = g_string_sized_new (length);
  g_string_append_len (out, data, plain);
  p += plain;

  /* g_utf8_make_valid stops at a NUL: walk the bytes ourselves, replacing what is not
   * UTF-8 with U+FFFD as it would. */
  while (p < end)
    {
      const char *valid_end = NULL;
      gunichar c;

      if ((guchar) *p < 0x20 || *p == 0x7f)
        {
          g_string_append_c (out, ' ');
          p++;
          continue;
        }
      if ((guchar) *p < 0x80)
        {
          g_string_append_c (out, *p++);
          continue;
        }
      c = g_utf8_get_char_validated (p, end - p);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append (out, "\xef\xbf\xbd");
          p++;
          continue;
        }
      valid_end = g_utf8_next_char (p);
      g_string_append_len (out, p, valid_end - p);
      p = valid_end;
    }
  return g_string_free (out, FALSE);
}

/* --- status lines -------------------------------------------------------------------- */

OpNntpReply *
op_nntp_reply_parse (const char  *line,
                     gsize        length,
                     GError     **error)
{
  g_autoptr(OpNntpReply) reply = NULL;
  const char *p;

  g_return_val_if_fail (line != NULL || length == 0, NULL);

  if (length > OP_NNTP_MAX_REPLY_LINE)
    {
      _op_nntp_bad_reply (error, _("status line too long"), line, length);
      return NULL;
    }
  /* RFC 3977 §3.2: a three-digit code whose first digit is 1 to 5. */
  if (length < 3 || line[0] < '1' || line[0] > '5' || !g_ascii_isdigit (line[1]) ||
      !g_ascii_isdigit (line[2]) || (length > 3 && line[3] != ' '))
    {
      _op_nntp_bad_reply (error, _("expected a three-digit status code"), line, length);
      return NULL;
    }
  reply = g_new0 (OpNntpReply, 1);
  reply->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  p = length > 3 ? line + 4 : line + 3;
  {
    /* A NUL would cut the text short and a control character garble an error message:
     * both become "?" before the UTF-8 check. */
    gsize n = line + length - p;
    g_autofree char *bytes = g_malloc (n + 1);

    memcpy (bytes, p, n);
    bytes[n] = '\0';

    for (gsize i = 0; i < n; i++)
      if ((guchar) bytes[i] < 0x20 || bytes[i] == 0x7f)
        bytes[i] = '?';
    reply->text = g_utf8_make_valid (bytes, n);
  }
  return g_steal_pointer (&reply);
}

gboolean
op_nntp_reply_is_multiline (const OpNntpReply *reply,
                            gboolean           listgroup)
{
  g_return_val_if_fail (reply != NULL, FALSE);

  switch (reply->code)
    {
    case 100:   /* HELP */
    case 101:   /* CAPABILITIES */
    case 215:   /* LIST */
    case 220:   /* ARTICLE */
    case 221:   /* HEAD, and XHDR (RFC 2980 §2.6) */
    case 222:   /* BODY */
    case 224:   /* OVER, XOVER */
    case 225:   /* HDR */
    case 230:   /* NEWNEWS */
    case 231:   /* NEWGROUPS */
      return TRUE;
    case 211:   /* GROUP is one line; LISTGROUP's 211 opens a list */
      return listgroup;
    default:
      return FALSE;
    }
}

void
op_nntp_unstuff_line (const char  *line,
                      gsize        length,
                      gboolean    *is_end,
                      const char **text,
                      gsize       *text_length)
{
  g_return_if_fail (line != NULL || length == 0);
  g_return_if_fail (is_end != NULL && text != NULL && text_length != NULL);

  *is_end = length == 1 && line[0] == '.';
  if (length > 0 && line[0] == '.')
    {
      *text = line + 1;
      *text_length = length - 1;
    }
  else
    {
      *text = line;
      *text_length = length;
    }
}

OpNntpBlockStatus
op_nntp_block_next_line (const char  *data,
                         gsize        size,
                         gsize        max_line,
                         const char **line,
                         gsize       *length,
                         gsize       *consumed,
                         GError     **error)
{
  const char *nl;
  gsize n;
  gboolean is_end = FALSE;

  g_return_val_if_fail (data != NULL || size == 0, OP_NNTP_BLOCK_ERROR);
  g_return_val_if_fail (line != NULL && length != NULL && consumed != NULL,
                        OP_NNTP_BLOCK_ERROR);

  *consumed = 0;
  nl = size > 0 ? memchr (data, '\n', size) : NULL;
  if (nl == NULL)
    {
      /* One byte of slack for the CR of CRLF, so the verdict never depends on where
       * the stream was cut. */
      if (size > max_line + 1)
        goto too_long;
      return OP_NNTP_BLOCK_NEED_MORE;
    }
  n = nl - data;
  *consumed = n + 1;
  if (n > 0 && data[n - 1] == '\r')
    n--;
  if (n > max_line)
    goto too_long;
  op_nntp_unstuff_line (data, n, &is_end, line, length);
  return is_end ? OP_NNTP_BLOCK_END : OP_NNTP_BLOCK_LINE;

too_long:
  *consumed = 0;
  g_set_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY,
               _("The news server sent a line longer than %u bytes."),
               (guint) MIN (max_line, G_MAXUINT));
  return OP_NNTP_BLOCK_ERROR;
}

/* --- replies that carry data ------------------------------------------------------- */

gboolean
op_nntp_greeting_allows_posting (const OpNntpReply *reply)
{
  g_return_val_if_fail (reply != NULL, FALSE);

  /* RFC 3977 §5.1.1: 200 "posting allowed", 201 "posting prohibited". */
  return reply->code == 200;
}

static const char *
skip_spaces (const char *p,
             const char *end)
{
  while (p < end && *p == ' ')
    p++;
  return p;
}

gboolean
op_nntp_parse_group_reply (const char  *text,
                           guint64     *count,
                           guint64     *low,
                           guint64     *high,
                           char       **group,
                           GError     **error)
{
  const char *end;
  const char *p;
  const char *name;
  guint64 n = 0, lo = 0, hi = 0;

  g_return_val_if_fail (text != NULL, FALSE);

  end = text + strlen (text);
  p = skip_spaces (text, end);
  if (!_op_nntp_parse_number (p, end, &p, G_MAXINT64, &n) || p >= end || *p != ' ')
    goto bad;
  p = skip_spaces (p, end);
  if (!_op_nntp_parse_number (p, end, &p, G_MAXINT64, &lo) || p >= end || *p != ' ')
    goto bad;
  p = skip_spaces (p, end);
  if (!_op_nntp_parse_number (p, end, &p, G_MAXINT64, &hi))
    goto bad;
  p = skip_spaces (p, end);
  name = p;
  while (p < end && *p != ' ')
    p++;
  /* RFC 3977 §6.1.1 requires the name; some old servers leave it out. */
  if (p - name > OP_NNTP_MAX_GROUP_NAME)
    goto bad;
  if (count != NULL)
    *count = n;
  if (low != NULL)
    *low = lo;
  if (high != NULL)
    *high = hi;
  if (group != NULL)
    *group = p > name ? g_strndup (name, p - name) : NULL;
  return TRUE;

bad:
  return _op_nntp_bad_reply (error, _("expected an article count, low and high marks"),
                             text, strlen (text));
}

gboolean
op_nntp_message_id_is_valid (const char *text,
                             gsize       length)
{
  g_return_val_if_fail (text != NULL || length == 0, FALSE);

  /* RFC 3977 §3.6: "<" 1*(printable US-ASCII except ">") ">", at most 250 octets. */
  if (length < 3 || length > OP_NNTP_MAX_MESSAGE_ID || text[0] != '<' ||
      text[length - 1] != '>')
    return FALSE;
  for (gsize i = 1; i + 1 < length; i++)
    if ((guchar) text[i] < 0x21 || (guchar) text[i] > 0x7e || text[i] == '>')
      return FALSE;
  return TRUE;
}

gboolean
op_nntp_parse_article_reply (const char  *text,
                             guint64     *number,
                             char       **message_id,
                             GError     **error)
{
  const char *end;
  const char *p;
  const char *id;
  guint64 n = 0;

  g_return_val_if_fail (text != NULL, FALSE);

  end = text + strlen (text);
  p = skip_spaces (text, end);
  if (!_op_nntp_parse_number (p, end, &p, G_MAXINT64, &n) || p >= end || *p != ' ')
    goto bad;
  p = skip_spaces (p, end);
  id = p;
  while (p < end && *p != ' ')
    p++;
  if (!op_nntp_message_id_is_valid (id, p - id))
    goto bad;
  if (number != NULL)
    *number = n;
  if (message_id != NULL)
    *message_id = g_strndup (id, p - id);
  return TRUE;

bad:
  return _op_nntp_bad_reply (error, _("expected an article number and a Message-ID"),
                             text, strlen (text));
}

GDateTime *
op_nntp_parse_date_reply (const char  *text,
                          GError     **error)
{
  int v[6];
  static const int widths[6] = { 4, 2, 2, 2, 2, 2 };
  const char *p;

  g_return_val_if_fail (text != NULL, NULL);

  p = text;
  for (int i = 0; i < 6; i++)
    {
      v[i] = 0;
      for (int k = 0; k < widths[i]; k++, p++)
        {
          if (!g_ascii_isdigit (*p))
            goto bad;
          v[i] = v[i] * 10 + (*p - '0');
        }
    }
  if (*p != '\0' && *p != ' ')
    goto bad;
  /* g_date_time_new_utc validates the fields (month 1-12, day of that month, …). */
  {
    GDateTime *time = g_date_time_new_utc (v[0], v[1], v[2], v[3], v[4], v[5]);

    if (time != NULL && v[0] >= 1)
      return time;
    g_clear_pointer (&time, g_date_time_unref);
  }

bad:
  _op_nntp_bad_reply (error, _("expected a date as yyyymmddhhmmss"), text, strlen (text));
  return NULL;
}

char *
op_nntp_parse_message_id_line (const char  *line,
                               gsize        length,
                               GError     **error)
{
  const char *p = line;
  const char *end = line + length;

  g_return_val_if_fail (line != NULL || length == 0, NULL);

  /* Trailing white space is tolerated; anything else after the id is not. */
  while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  if (!op_nntp_message_id_is_valid (p, end - p))
    {
      _op_nntp_bad_reply (error, _("expected a Message-ID"), line, length);
      return NULL;
    }
  return g_strndup (p, end - p);
}

gboolean
op_nntp_range_parse (const char *text,
                     gsize       length,
                     guint64    *low,
                     guint64    *high)
{
  const char *end = text + length;
  const char *p = text;
  guint64 lo = 0, hi = 0;

  g_return_val_if_fail (text != NULL || length == 0, FALSE);

  if (!_op_nntp_parse_number (p, end, &p, G_MAXINT64, &lo) || lo == 0)
    return FALSE;
  if (p == end)
    hi = lo;
  else if (*p == '-' && p + 1 == end)
    hi = G_MAXUINT64;
  else if (*p == '-')
    {
      if (!_op_nntp_parse_number (p + 1, end, &p, G_MAXINT64, &hi) || p != end || hi < lo)
        return FALSE;
    }
  else
    return FALSE;
  if (low != NULL)
    *low = lo;
  if (high != NULL)
    *high = hi;
  return TRUE;
}

char *
op_nntp_range_format (guint64 low,
                      guint64 high)
{
  g_return_val_if_fail (low > 0 && low <= G_MAXINT64, NULL);
  g_return_val_if_fail (high >= low, NULL);

  if (high == low)
    return g_strdup_printf ("%" G_GUINT64_FORMAT, low);
  if (high > G_MAXINT64)
    return g_strdup_printf ("%" G_GUINT64_FORMAT "-", low);
  return g_strdup_printf ("%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, low, high);
}
