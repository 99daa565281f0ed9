/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-pop3"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-pop3-error.h"
#include "op-net-types.h"
#include "op-pop3-reply.h"

G_DEFINE_BOXED_TYPE (OpPop3Reply, op_pop3_reply, op_pop3_reply_copy, op_pop3_reply_free)

OpPop3Reply *
op_pop3_reply_copy (const OpPop3Reply *reply)
{
  OpPop3Reply *copy;

  g_return_val_if_fail (reply != NULL, NULL);

  copy = g_new0 (OpPop3Reply, 1);
  copy->ok = reply->ok;
  copy->code = g_strdup (reply->code);
  copy->text = g_strdup (reply->text);
  return copy;
}

void
op_pop3_reply_free (OpPop3Reply *reply)
{
  if (reply == NULL)
    return;
  g_free (reply->code);
  g_free (reply->text);
  g_free (reply);
}

static gboolean
bad_reply (GError    **error,
           const char *what,
           const char *line,
           gsize       length)
{
  g_autofree char *quoted = op_net_quote_bytes (line, length);

  /* Translators: the first %s says what was expected, the second is the server's line */
  g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY,
               _("The server sent an invalid reply (%s): “%s”."), what, quoted);
  return FALSE;
}

static gboolean
has_prefix_ci (const char *line,
               gsize       length,
               const char *prefix)
{
  gsize n = strlen (prefix);

  return length >= n && g_ascii_strncasecmp (line, prefix, n) == 0;
}

/* RFC 2449 §8: resp-code = "[" resp-level *("/" resp-level) "]",
 * resp-level = 1*rchar, rchar = %x21-2E / %x30-5C / %x5E-7F. */
static gboolean
parse_code (const char  *p,
            const char  *end,
            char       **code,
            const char **after)
{
  const char *q = p + 1;
  gboolean level_empty = TRUE;

  g_assert (p < end && *p == '[');
  for (; q < end && *q != ']'; q++)
    {
      guchar c = *q;

      if (c == '/')
        {
          if (level_empty)
            return FALSE;
          level_empty = TRUE;
        }
      else if (c >= 0x21 && c <= 0x7f && c != '[')
        level_empty = FALSE;
      else
        return FALSE;
    }
  if (q >= end || level_empty)
    return FALSE;
  *code = g_ascii_strup (p + 1, q - (p + 1));
  *after = q + 1;
  return TRUE;
}

OpPop3Reply *
op_pop3_reply_parse (const char  *line,
                     gsize        length,
                     GError     **error)
{
  g_autoptr(OpPop3Reply) reply = g_new0 (OpPop3Reply, 1);
  const char *end = line + length;
  const char *p;

  g_return_val_if_fail (line != NULL || length == 0, NULL);

  if (has_prefix_ci (line, length, "+OK"))
    {
      reply->ok = TRUE;
      p = line + 3;
    }
  else if (has_prefix_ci (line, length, "-ERR"))
    p = line + 4;
  else
    {
      bad_reply (error, _("expected “+OK” or “-ERR”"), line, length);
      return NULL;
    }
  if (p < end && *p != ' ')
    {
      bad_reply (error, _("expected “+OK” or “-ERR”"), line, length);
      return NULL;
    }
  while (p < end && *p == ' ')
    p++;

  /* A bracket that does not make a valid code is ordinary text (RFC 2449 §8 asks
   * clients to ignore what they don't understand). */
  if (p < end && *p == '[')
    {
      const char *after = NULL;

      if (parse_code (p, end, &reply->code, &after))
        {
          p = after;
          while (p < end && *p == ' ')
            p++;
        }
    }

  reply->text = g_utf8_make_valid (p, end - p);
  /* An embedded NUL would cut the text short silently: make it visible. */
  if (memchr (p, '\0', end - p) != NULL)
    {
      g_free (reply->text);
      reply->text = op_net_quote_bytes (p, end - p);
    }
  return g_steal_pointer (&reply);
}

gboolean
op_pop3_reply_is_continuation (const char  *line,
                               gsize        length,
                               const char **data)
{
  g_return_val_if_fail (line != NULL || length == 0, FALSE);

  if (length == 0 || line[0] != '+')
    return FALSE;
  if (length == 1 || line[1] == ' ')
    {
      if (data != NULL)
        *data = length == 1 ? line + 1 : line + 2;
      return TRUE;
    }
  return FALSE;
}

gboolean
op_pop3_reply_has_code (const OpPop3Reply *reply,
                        const char        *name)
{
  gsize n;

  g_return_val_if_fail (reply != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (reply->code == NULL)
    return FALSE;
  n = strlen (name);
  return g_ascii_strncasecmp (reply->code, name, n) == 0 &&
         (reply->code[n] == '\0' || reply->code[n] == '/');
}

void
op_pop3_unstuff_line (const char  *line,
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

GHashTable *
op_pop3_capabilities_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

void
op_pop3_capabilities_add_line (GHashTable *capabilities,
                               const char *line,
                               gsize       length)
{
  const char *end = line + length;
  const char *p = line;
  const char *name_end;

  g_return_if_fail (capabilities != NULL);
  g_return_if_fail (line != NULL || length == 0);

  while (p < end && *p == ' ')
    p++;
  name_end = p;
  while (name_end < end && *name_end != ' ')
    {
      guchar c = *name_end;

      /* RFC 2449 §6: capability names are printable ASCII. */
      if (c < 0x21 || c > 0x7e)
        return;
      name_end++;
    }
  if (name_end == p)
    return;
  {
    const char *args = name_end;
    g_autofree char *value = NULL;

    while (args < end && *args == ' ')
      args++;
    value = g_utf8_make_valid (args, end - args);
    if (memchr (args, '\0', end - args) != NULL)
      {
        g_free (value);
        value = op_net_quote_bytes (args, end - args);
      }
    g_hash_table_replace (capabilities, g_ascii_strup (p, name_end - p),
                          g_steal_pointer (&value));
  }
}

/* Decimal digits only (no sign, no spaces), within @max. */
static gboolean
parse_number (const char  *p,
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

/* "N SIZE" with an optional rest after a space (RFC 1939 §5 lets servers add text). */
static gboolean
parse_two_numbers (const char *line,
                   gsize       length,
                   guint64     max_first,
                   guint64    *first,
                   guint64    *second)
{
  const char *end = line + length;
  const char *p = line;

  if (!parse_number (p, end, &p, max_first, first) || p >= end || *p != ' ')
    return FALSE;
  while (p < end && *p == ' ')
    p++;
  if (!parse_number (p, end, &p, G_MAXINT64, second))
    return FALSE;
  return p == end || *p == ' ';
}

gboolean
op_pop3_parse_stat (const char  *text,
                    guint       *count,
                    guint64     *size,
                    GError     **error)
{
  guint64 n = 0, octets = 0;

  g_return_val_if_fail (text != NULL, FALSE);

  if (!parse_two_numbers (text, strlen (text), G_MAXUINT, &n, &octets))
    return bad_reply (error, _("expected a message count and a size"), text, strlen (text));
  if (count != NULL)
    *count = n;
  if (size != NULL)
    *size = octets;
  return TRUE;
}

gboolean
op_pop3_parse_list_line (const char  *line,
                         gsize        length,
                         guint       *number,
                         guint64     *size,
                         GError     **error)
{
  guint64 n = 0, octets = 0;

  g_return_val_if_fail (line != NULL || length == 0, FALSE);

  if (!parse_two_numbers (line, length, G_MAXUINT, &n, &octets) || n == 0)
    return bad_reply (error, _("expected a message number and a size"), line, length);
  if (number != NULL)
    *number = n;
  if (size != NULL)
    *size = octets;
  return TRUE;
}

gboolean
op_pop3_parse_uidl_line (const char  *line,
                         gsize        length,
                         guint       *number,
                         char       **uid,
                         GError     **error)
{
  const char *end = line + length;
  const char *p = line;
  const char *start;
  guint64 n = 0;

  g_return_val_if_fail (line != NULL || length == 0, FALSE);

  if (!parse_number (p, end, &p, G_MAXUINT, &n) || n == 0 || p >= end || *p != ' ')
    return bad_reply (error, _("expected a message number and a unique ID"), line, length);
  while (p < end && *p == ' ')
    p++;
  start = p;
  /* RFC 1939 §7: 1 to 70 octets in 0x21..0x7E. */
  for (; p < end && *p != ' '; p++)
    if ((guchar) *p < 0x21 || (guchar) *p > 0x7e)
      return bad_reply (error, _("expected a message number and a unique ID"), line, length);
  if (p == start || p - start > OP_POP3_MAX_UID)
    return bad_reply (error, _("expected a message number and a unique ID"), line, length);
  if (number != NULL)
    *number = n;
  if (uid != NULL)
    *uid = g_strndup (start, p - start);
  return TRUE;
}

char *
op_pop3_parse_apop_timestamp (const char *greeting_text)
{
  const char *open;
  const char *close;
  gboolean at = FALSE;

  g_return_val_if_fail (greeting_text != NULL, NULL);

  open = strchr (greeting_text, '<');
  if (open == NULL)
    return NULL;
  for (close = open + 1; *close != '\0' && *close != '>'; close++)
    {
      guchar c = *close;

      if (c < 0x21 || c > 0x7e || c == '<')
        return NULL;
      if (c == '@')
        at = TRUE;
    }
  /* RFC 1939 §7 shows a msg-id ("<process-ID.clock@hostname>"): require its "@" so a
   * stray "<" in a banner is not taken for a timestamp. */
  if (*close != '>' || close == open + 1 || !at)
    return NULL;
  return g_strndup (open, close + 1 - open);
}

/* --- the streaming unstuffer ----------------------------------------------------- */

typedef enum
{
  UNSTUFF_LINE_START,   /* at the start of a line */
  UNSTUFF_DOT,          /* a line started with "." */
  UNSTUFF_DOT_CR,       /* a line started with ".\r" */
  UNSTUFF_TEXT,         /* inside a line */
  UNSTUFF_DONE,         /* the terminating line was seen */
} UnstuffState;

struct _OpPop3Unstuffer
{
  UnstuffState state;
  gsize        max_line;
  gsize        line_length;
};

OpPop3Unstuffer *
op_pop3_unstuffer_new (gsize max_line)
{
  OpPop3Unstuffer *u;

  g_return_val_if_fail (max_line > 0, NULL);

  u = g_new0 (OpPop3Unstuffer, 1);
  u->state = UNSTUFF_LINE_START;
  u->max_line = max_line;
  return u;
}

void
op_pop3_unstuffer_free (OpPop3Unstuffer *unstuffer)
{
  g_free (unstuffer);
}

gboolean
op_pop3_unstuffer_is_done (OpPop3Unstuffer *unstuffer)
{
  g_return_val_if_fail (unstuffer != NULL, FALSE);

  return unstuffer->state == UNSTUFF_DONE;
}

static gboolean
line_too_long (OpPop3Unstuffer  *u,
               GError          **error)
{
  g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY,
               _("The server sent a message line longer than %u bytes."),
               (guint) MIN (u->max_line, G_MAXUINT));
  return FALSE;
}

gboolean
op_pop3_unstuffer_push (OpPop3Unstuffer  *u,
                        const guint8     *data,
                        gsize             size,
                        GByteArray       *out,
                        gsize            *used,
                        GError          **error)
{
  gsize i = 0;

  g_return_val_if_fail (u != NULL, FALSE);
  g_return_val_if_fail (data != NULL || size == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  while (i < size && u->state != UNSTUFF_DONE)
    {
      guint8 c = data[i];

      switch (u->state)
        {
        case UNSTUFF_LINE_START:
          if (c == '.')
            {
              u->state = UNSTUFF_DOT;
              u->line_length = 1;
              i++;
            }
          else
            u->state = UNSTUFF_TEXT;
          break;

        case UNSTUFF_DOT:
          if (c == '\r')
            {
              u->state = UNSTUFF_DOT_CR;
              i++;
            }
          else if (c == '\n')
            {
              /* "." LF: a bare LF ends the terminator too, as it ends any line. */
              u->state = UNSTUFF_DONE;
              i++;
            }
          else
            u->state = UNSTUFF_TEXT;   /* the leading dot was stuffing: dropped */
          break;

        case UNSTUFF_DOT_CR:
          if (c == '\n')
            {
              u->state = UNSTUFF_DONE;
              i++;
            }
          else
            {
              /* ".\rX": a stuffed line whose text starts with a CR. */
              g_byte_array_append (out, (const guint8 *) "\r", 1);
              u->state = UNSTUFF_TEXT;
            }
          break;

        case UNSTUFF_TEXT:
          {
            const guint8 *nl = memchr (data + i, '\n', size - i);
            gsize span = (nl != NULL ? (gsize) (nl - (data + i)) : size - i);

            /* One byte of slack for the CR of CRLF, counted whether or not the CR and
             * the LF arrive in the same chunk, so the verdict never depends on where the
             * stream was cut. */
            if (u->line_length + span > u->max_line + 1)
              return line_too_long (u, error);
            u->line_length += span;
            if (nl != NULL)
              {
                g_byte_array_append (out, data + i, span + 1);
                i += span + 1;
                u->state = UNSTUFF_LINE_START;
                u->line_length = 0;
              }
            else
              {
                g_byte_array_append (out, data + i, span);
                i += span;
              }
          }
          break;

        case UNSTUFF_DONE:
        default:
          g_assert_not_reached ();
        }
    }

  if (used != NULL)
    *used = i;
  return TRUE;
}
