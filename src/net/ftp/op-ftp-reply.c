/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ftp"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-ftp-error.h"
#include "op-ftp-reply.h"

G_DEFINE_BOXED_TYPE (OpFtpReply, op_ftp_reply, op_ftp_reply_copy, op_ftp_reply_free)

OpFtpReply *
op_ftp_reply_copy (const OpFtpReply *reply)
{
  OpFtpReply *copy;

  g_return_val_if_fail (reply != NULL, NULL);

  copy = g_new0 (OpFtpReply, 1);
  copy->code = reply->code;
  copy->lines = g_strdupv (reply->lines);
  copy->text = g_strdup (reply->text);
  return copy;
}

void
op_ftp_reply_free (OpFtpReply *reply)
{
  if (reply == NULL)
    return;
  g_strfreev (reply->lines);
  g_free (reply->text);
  g_free (reply);
}

struct _OpFtpReplyParser
{
  GPtrArray *lines;   /* of the reply being assembled; NULL between replies */
  GString   *text;
  guint      code;
};

OpFtpReplyParser *
op_ftp_reply_parser_new (void)
{
  return g_new0 (OpFtpReplyParser, 1);
}

static void
parser_reset (OpFtpReplyParser *parser)
{
  g_clear_pointer (&parser->lines, g_ptr_array_unref);
  if (parser->text != NULL)
    g_string_free (parser->text, TRUE);
  parser->text = NULL;
  parser->code = 0;
}

void
op_ftp_reply_parser_free (OpFtpReplyParser *parser)
{
  if (parser == NULL)
    return;
  parser_reset (parser);
  g_free (parser);
}

/* "NNN" at the start of @line, 100..599; the separator after it in @sep. A bare "NNN"
 * counts as "NNN " (servers end replies so); a NUL after the code is no separator (it
 * would otherwise read as the end of the line and leave half a U+FFFD in the text). */
static gboolean
parse_code (const char *line,
            gsize       length,
            guint      *code,
            char       *sep)
{
  if (length < 3 ||
      line[0] < '1' || line[0] > '5' ||
      !g_ascii_isdigit (line[1]) || !g_ascii_isdigit (line[2]))
    return FALSE;
  *code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  *sep = length > 3 ? line[3] : ' ';
  return TRUE;
}

static char *
make_valid (const char *line,
            gsize       length)
{
  /* NUL inside a line would cut C strings short; show it as U+FFFD like other junk. */
  if (memchr (line, '\0', length) == NULL)
    return g_utf8_make_valid (line, length);

  {
    g_autofree char *copy = g_memdup2 (line, length);
    for (gsize i = 0; i < length; i++)
      if (copy[i] == '\0')
        copy[i] = '\xff';
    return g_utf8_make_valid (copy, length);
  }
}

OpFtpReply *
op_ftp_reply_parser_push_line (OpFtpReplyParser *parser,
                               const char       *line,
                               gsize             length,
                               GError          **error)
{
  guint code = 0;
  char sep = 0;
  gboolean has_code;
  gboolean last;
  g_autofree char *valid = NULL;
  OpFtpReply *reply;

  g_return_val_if_fail (parser != NULL, NULL);
  g_return_val_if_fail (line != NULL || length == 0, NULL);

  if (length > OP_FTP_REPLY_MAX_LINE)
    length = OP_FTP_REPLY_MAX_LINE;
  valid = make_valid (line, length);
  has_code = parse_code (line, length, &code, &sep);

  if (parser->lines == NULL)
    {
      if (!has_code || (sep != ' ' && sep != '-'))
        {
          g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY,
                       _("The server sent “%s”, which is not an FTP reply."), valid);
          return NULL;
        }
      parser->code = code;
      parser->lines = g_ptr_array_new_with_free_func (g_free);
      parser->text = g_string_new (length > 4 ? valid + 4 : "");
      g_ptr_array_add (parser->lines, g_steal_pointer (&valid));
      last = sep != '-';
    }
  else
    {
      const char *text = valid;

      if (parser->lines->len >= OP_FTP_REPLY_MAX_LINES)
        {
          g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY,
                       _("The server sent a reply of more than %d lines."),
                       OP_FTP_REPLY_MAX_LINES);
          parser_reset (parser);
          return NULL;
        }
      /* RFC 959 §4.2: only "NNN " with the first line's code ends the reply; servers also
       * end with a bare "NNN". Other lines may start with anything, digits included. */
      last = has_code && code == parser->code && sep == ' ';
      if (has_code && code == parser->code && (sep == ' ' || sep == '-'))
        text = length > 4 ? valid + 4 : "";
      else if (text[0] == ' ')
        text++;   /* the customary indent of continuation lines (FEAT, STAT) */
      g_string_append_c (parser->text, '\n');
      g_string_append (parser->text, text);
      g_ptr_array_add (parser->lines, g_steal_pointer (&valid));
    }

  if (!last)
    return NULL;

  g_ptr_array_add (parser->lines, NULL);
  reply = g_new0 (OpFtpReply, 1);
  reply->code = parser->code;
  reply->lines = (char **) g_ptr_array_free (g_steal_pointer (&parser->lines), FALSE);
  reply->text = g_string_free (g_steal_pointer (&parser->text), FALSE);
  parser->code = 0;
  return reply;
}

static gboolean
bad_reply (GError           **error,
           const OpFtpReply  *reply,
           const char        *expected)
{
  g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY,
               /* Translators: the first %s says what was expected (e.g. "a passive-mode
                * address"), the second is the server's reply text */
               _("The server’s reply did not contain %s: “%u %s”."),
               expected, reply->code, reply->text);
  return FALSE;
}

/* Reads a decimal number of at most @max at *@p, advancing *@p. */
static gboolean
read_number (const char **p,
             guint64      max,
             guint64     *value)
{
  guint64 v = 0;
  const char *s = *p;

  if (!g_ascii_isdigit (*s))
    return FALSE;
  while (g_ascii_isdigit (*s))
    {
      guint64 digit = (guint64) (*s - '0');

      /* Checked before multiplying: "213 18446744073709551616" must not wrap to 0. */
      if (v > (max - digit) / 10)
        return FALSE;
      v = v * 10 + digit;
      s++;
    }
  *p = s;
  *value = v;
  return TRUE;
}

gboolean
op_ftp_reply_parse_pasv (const OpFtpReply  *reply,
                         char             **address,
                         guint16           *port,
                         GError           **error)
{
  const char *s;

  g_return_val_if_fail (reply != NULL, FALSE);

  /* Servers vary the words and may omit the parentheses ("227 =127,0,0,1,4,1"): take the
   * first run of six comma-separated numbers. */
  for (s = reply->text; *s != '\0'; s++)
    {
      guint64 n[6];
      const char *p = s;
      int i;

      if (!g_ascii_isdigit (*s) || (s > reply->text && g_ascii_isdigit (s[-1])))
        continue;
      for (i = 0; i < 6; i++)
        {
          if (!read_number (&p, 255, &n[i]))
            break;
          if (i < 5)
            {
              if (*p != ',')
                break;
              p++;
            }
        }
      if (i == 6)
        {
          if (address != NULL)
            *address = g_strdup_printf ("%u.%u.%u.%u", (guint) n[0], (guint) n[1],
                                        (guint) n[2], (guint) n[3]);
          *port = (guint16) (n[4] * 256 + n[5]);
          if (*port == 0)
            return bad_reply (error, reply, _("a passive-mode address"));
          return TRUE;
        }
    }
  return bad_reply (error, reply, _("a passive-mode address"));
}

gboolean
op_ftp_reply_parse_epsv (const OpFtpReply  *reply,
                         guint16           *port,
                         GError           **error)
{
  const char *open;

  g_return_val_if_fail (reply != NULL, FALSE);

  /* RFC 2428 §3: "(<d><d><d><port><d>)", d any printable ASCII but digits. */
  for (open = strchr (reply->text, '('); open != NULL; open = strchr (open + 1, '('))
    {
      char d = open[1];
      const char *p = open + 4;
      guint64 value;

      if (d < 33 || d > 126 || g_ascii_isdigit (d) || open[2] != d || open[3] != d)
        continue;
      if (read_number (&p, 65535, &value) && value > 0 && p[0] == d && p[1] == ')')
        {
          *port = (guint16) value;
          return TRUE;
        }
    }
  return bad_reply (error, reply, _("an extended passive-mode port"));
}

gboolean
op_ftp_reply_parse_pwd (const OpFtpReply  *reply,
                        char             **path,
                        GError           **error)
{
  const char *s;
  GString *out;

  g_return_val_if_fail (reply != NULL, FALSE);

  s = strchr (reply->text, '"');
  if (s == NULL)
    return bad_reply (error, reply, _("a folder name"));

  /* RFC 959 Appendix II: a quote inside the name is doubled. */
  out = g_string_new (NULL);
  for (s++; *s != '\0'; s++)
    {
      if (*s == '"')
        {
          if (s[1] != '"')
            {
              *path = g_string_free (out, FALSE);
              return TRUE;
            }
          s++;
        }
      g_string_append_c (out, *s);
    }
  g_string_free (out, TRUE);
  return bad_reply (error, reply, _("a folder name"));
}

gboolean
op_ftp_parse_time_val (const char *text,
                       gsize       length,
                       gint64     *mtime)
{
  int f[6] = { 0 };
  static const int widths[6] = { 4, 2, 2, 2, 2, 2 };
  gsize pos = 0;
  g_autoptr(GDateTime) dt = NULL;

  for (int i = 0; i < 6; i++)
    {
      for (int w = 0; w < widths[i]; w++, pos++)
        {
          if (pos >= length || !g_ascii_isdigit (text[pos]))
            return FALSE;
          f[i] = f[i] * 10 + (text[pos] - '0');
        }
    }
  /* Fractions of a second (".sss") are allowed and ignored; nothing else may follow. */
  if (pos < length)
    {
      if (text[pos] != '.' || pos + 1 >= length)
        return FALSE;
      for (pos++; pos < length; pos++)
        if (!g_ascii_isdigit (text[pos]))
          return FALSE;
    }

  dt = g_date_time_new_utc (f[0], f[1], f[2], f[3], f[4], f[5] > 59 ? 59 : f[5]);
  if (dt == NULL)
    return FALSE;
  *mtime = g_date_time_to_unix (dt);
  return TRUE;
}

gboolean
op_ftp_reply_parse_mdtm (const OpFtpReply  *reply,
                         gint64            *mtime,
                         GError           **error)
{
  g_return_val_if_fail (reply != NULL, FALSE);

  if (reply->code != 213 ||
      !op_ftp_parse_time_val (reply->text, strcspn (reply->text, " \n"), mtime))
    return bad_reply (error, reply, _("a modification time"));
  return TRUE;
}

gboolean
op_ftp_reply_parse_size (const OpFtpReply  *reply,
                         guint64           *size,
                         GError           **error)
{
  const char *p;

  g_return_val_if_fail (reply != NULL, FALSE);

  p = reply->text;
  if (reply->code != 213 || !read_number (&p, G_MAXINT64, size) ||
      (*p != '\0' && *p != ' ' && *p != '\n'))
    return bad_reply (error, reply, _("a file size"));
  return TRUE;
}

gboolean
op_ftp_reply_parse_announced_size (const OpFtpReply *reply,
                                   guint64          *size)
{
  gboolean found = FALSE;

  g_return_val_if_fail (reply != NULL, FALSE);

  if (OP_FTP_REPLY_CLASS (reply) != 1)
    return FALSE;
  /* The last "(N bytes)" of the text: a file name may hold parentheses too. */
  for (const char *open = strchr (reply->text, '('); open != NULL; open = strchr (open + 1, '('))
    {
      const char *p = open + 1;
      guint64 value;

      if (read_number (&p, G_MAXINT64, &value) && g_str_has_prefix (p, " bytes)"))
        {
          *size = value;
          found = TRUE;
        }
    }
  return found;
}

GHashTable *
op_ftp_reply_parse_feat (const OpFtpReply *reply)
{
  GHashTable *features = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_return_val_if_fail (reply != NULL, features);

  if (reply->code != 211)
    return features;

  /* RFC 2389 §3.2: the first and last lines frame the list; each feature line starts with
   * a space. Some servers omit the space; accept any line between the frame lines. */
  for (guint i = 1; reply->lines[i] != NULL && reply->lines[i + 1] != NULL; i++)
    {
      const char *line = reply->lines[i];
      const char *space;
      char *name;

      while (*line == ' ')
        line++;
      if (*line == '\0')
        continue;
      space = strchr (line, ' ');
      name = g_ascii_strup (line, space != NULL ? space - line : -1);
      g_hash_table_replace (features, name, g_strdup (space != NULL ? space + 1 : ""));
    }
  return features;
}
