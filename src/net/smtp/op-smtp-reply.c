/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-smtp"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-smtp-error.h"
#include "op-smtp-reply.h"

G_DEFINE_BOXED_TYPE (OpSmtpReply, op_smtp_reply, op_smtp_reply_copy, op_smtp_reply_free)
G_DEFINE_BOXED_TYPE (OpSmtpCapabilities, op_smtp_capabilities, op_smtp_capabilities_copy,
                     op_smtp_capabilities_free)

/* --- replies ------------------------------------------------------------------------- */

OpSmtpReply *
op_smtp_reply_copy (const OpSmtpReply *reply)
{
  OpSmtpReply *copy;

  g_return_val_if_fail (reply != NULL, NULL);

  copy = g_new0 (OpSmtpReply, 1);
  copy->code = reply->code;
  copy->enhanced_code = g_strdup (reply->enhanced_code);
  copy->lines = g_strdupv (reply->lines);
  copy->text = g_strdup (reply->text);
  return copy;
}

void
op_smtp_reply_free (OpSmtpReply *reply)
{
  if (reply == NULL)
    return;
  g_free (reply->enhanced_code);
  g_strfreev (reply->lines);
  g_free (reply->text);
  g_free (reply);
}

char *
op_smtp_reply_describe (const OpSmtpReply *reply)
{
  g_return_val_if_fail (reply != NULL, NULL);

  if (reply->enhanced_code != NULL)
    return g_strdup_printf ("%u %s %s", reply->code, reply->enhanced_code, reply->text);
  return g_strdup_printf ("%u %s", reply->code, reply->text);
}

/* One number of an enhanced code: 1..3 digits, no leading zero unless it is "0". */
static gsize
parse_number (const char *p,
              guint      *value)
{
  gsize n = 0;

  *value = 0;
  while (n < 3 && g_ascii_isdigit (p[n]))
    {
      *value = *value * 10 + (guint) (p[n] - '0');
      n++;
    }
  if (n == 0 || g_ascii_isdigit (p[n]) || (n > 1 && p[0] == '0'))
    return 0;
  return n;
}

gsize
op_smtp_parse_enhanced_code (const char *text,
                             guint      *klass,
                             guint      *subject,
                             guint      *detail)
{
  gsize pos = 0;
  gsize n;
  guint k, s, d;

  g_return_val_if_fail (text != NULL, 0);

  /* RFC 3463 §2: class "2" / "4" / "5", then subject and detail of 1..3 digits. */
  if (text[0] != '2' && text[0] != '4' && text[0] != '5')
    return 0;
  k = (guint) (text[0] - '0');
  pos = 1;
  if (text[pos] != '.')
    return 0;
  pos++;
  if ((n = parse_number (text + pos, &s)) == 0)
    return 0;
  pos += n;
  if (text[pos] != '.')
    return 0;
  pos++;
  if ((n = parse_number (text + pos, &d)) == 0)
    return 0;
  pos += n;
  if (text[pos] != '\0' && text[pos] != ' ' && text[pos] != '\t')
    return 0;
  if (klass != NULL)
    *klass = k;
  if (subject != NULL)
    *subject = s;
  if (detail != NULL)
    *detail = d;
  return pos;
}

struct _OpSmtpReplyParser
{
  GPtrArray *lines;   /* texts of the reply being assembled; NULL between replies */
  guint      code;
};

OpSmtpReplyParser *
op_smtp_reply_parser_new (void)
{
  return g_new0 (OpSmtpReplyParser, 1);
}

static void
parser_reset (OpSmtpReplyParser *parser)
{
  g_clear_pointer (&parser->lines, g_ptr_array_unref);
  parser->code = 0;
}

void
op_smtp_reply_parser_free (OpSmtpReplyParser *parser)
{
  if (parser == NULL)
    return;
  parser_reset (parser);
  g_free (parser);
}

gboolean
op_smtp_reply_parser_is_partial (OpSmtpReplyParser *parser)
{
  g_return_val_if_fail (parser != NULL, FALSE);
  return parser->lines != NULL;
}

/* Text for display and matching: valid UTF-8, a NUL or other control character (but tab)
 * shown as U+FFFD, so it cannot cut a C string short or reach a log raw. */
static char *
make_valid (const char *line,
            gsize       length)
{
  g_autofree char *copy = g_malloc (length + 1);

  /* @line is not nul-terminated: a line read off the wire is a length. */
  memcpy (copy, line, length);
  copy[length] = '\0';
  for (gsize i = 0; i < length; i++)
    if (((guchar) copy[i] < 0x20 && copy[i] != '\t') || copy[i] == 0x7f)
      copy[i] = '\xff';
  return g_utf8_make_valid (copy, length);
}

static OpSmtpReply *
finish_reply (OpSmtpReplyParser *parser)
{
  OpSmtpReply *reply = g_new0 (OpSmtpReply, 1);
  GString *text = g_string_new (NULL);
  guint klass = 0;
  gsize len;

  reply->code = parser->code;
  g_ptr_array_add (parser->lines, NULL);
  reply->lines = (char **) g_ptr_array_free (g_steal_pointer (&parser->lines), FALSE);
  parser_reset (parser);

  /* RFC 2034 §4: every line of a reply starts with the code; its class is the reply's. */
  len = op_smtp_parse_enhanced_code (reply->lines[0], &klass, NULL, NULL);
  if (len > 0 && klass == reply->code / 100)
    reply->enhanced_code = g_strndup (reply->lines[0], len);

  for (guint i = 0; reply->lines[i] != NULL; i++)
    {
      const char *t = reply->lines[i];

      if (reply->enhanced_code != NULL && g_str_has_prefix (t, reply->enhanced_code))
        {
          gsize n = strlen (reply->enhanced_code);

          if (t[n] == '\0' || t[n] == ' ' || t[n] == '\t')
            {
              t += n;
              while (*t == ' ' || *t == '\t')
                t++;
            }
        }
      if (i > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, t);
    }
  reply->text = g_string_free (text, FALSE);
  return reply;
}

OpSmtpReply *
op_smtp_reply_parser_push_line (OpSmtpReplyParser *parser,
                                const char        *line,
                                gsize              length,
                                GError           **error)
{
  guint code;
  char sep;
  g_autofree char *valid = NULL;

  g_return_val_if_fail (parser != NULL, NULL);
  g_return_val_if_fail (line != NULL || length == 0, NULL);

  if (length > OP_SMTP_REPLY_MAX_LINE)
    length = OP_SMTP_REPLY_MAX_LINE;
  valid = make_valid (line != NULL ? line : "", length);

  /* RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39, then SP or "-" (or the end,
   * which servers use for an empty text). */
  if (length < 3 || line[0] < '2' || line[0] > '5' ||
      !g_ascii_isdigit (line[1]) || !g_ascii_isdigit (line[2]) ||
      (length > 3 && line[3] != ' ' && line[3] != '-'))
    {
      parser_reset (parser);
      g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_BAD_REPLY,
                   _("The server sent “%s”, which is not an SMTP reply."), valid);
      return NULL;
    }
  code = (guint) ((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
  sep = length > 3 ? line[3] : ' ';

  if (parser->lines == NULL)
    {
      parser->code = code;
      parser->lines = g_ptr_array_new_with_free_func (g_free);
    }
  else if (code != parser->code)
    {
      parser_reset (parser);
      g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_BAD_REPLY,
                   _("The server changed the reply code within one reply (“%s”)."), valid);
      return NULL;
    }
  else if (parser->lines->len >= OP_SMTP_REPLY_MAX_LINES)
    {
      parser_reset (parser);
      g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_BAD_REPLY,
                   _("The server sent a reply of more than %u lines."),
                   OP_SMTP_REPLY_MAX_LINES);
      return NULL;
    }

  /* The text: after "NNN " / "NNN-"; the separator of a bare "NNN" is the end. Valid
   * UTF-8 conversion never changes the first four (ASCII) bytes. */
  g_ptr_array_add (parser->lines, g_strdup (length > 4 ? valid + 4 : ""));
  if (sep == '-')
    return NULL;
  return finish_reply (parser);
}

/* --- EHLO ---------------------------------------------------------------------------- */

OpSmtpCapabilities *
op_smtp_capabilities_new_empty (void)
{
  OpSmtpCapabilities *caps = g_new0 (OpSmtpCapabilities, 1);

  caps->keywords = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  caps->auth = g_new0 (char *, 1);
  return caps;
}

void
op_smtp_capabilities_free (OpSmtpCapabilities *caps)
{
  if (caps == NULL)
    return;
  g_free (caps->domain);
  g_clear_pointer (&caps->keywords, g_hash_table_unref);
  g_strfreev (caps->auth);
  g_free (caps);
}

OpSmtpCapabilities *
op_smtp_capabilities_copy (const OpSmtpCapabilities *caps)
{
  OpSmtpCapabilities *copy;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (caps != NULL, NULL);

  copy = op_smtp_capabilities_new_empty ();
  copy->domain = g_strdup (caps->domain);
  g_hash_table_iter_init (&iter, caps->keywords);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy->keywords, g_strdup (key), g_strdup (value));
  copy->has_size = caps->has_size;
  copy->size_limit = caps->size_limit;
  g_strfreev (copy->auth);
  copy->auth = g_strdupv (caps->auth);
  copy->starttls = caps->starttls;
  copy->eightbitmime = caps->eightbitmime;
  copy->smtputf8 = caps->smtputf8;
  copy->pipelining = caps->pipelining;
  copy->dsn = caps->dsn;
  copy->enhanced_status_codes = caps->enhanced_status_codes;
  return copy;
}

/* RFC 5321 §4.1.1.1: ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"). The
 * pre-standard "AUTH=LOGIN PLAIN" form (old Exchange, old Outlook-era servers) is taken
 * as an AUTH line too. */
static gboolean
is_keyword (const char *word,
            gsize       length)
{
  if (length == 0 || !g_ascii_isalnum (word[0]))
    return FALSE;
  for (gsize i = 1; i < length; i++)
    if (!g_ascii_isalnum (word[i]) && word[i] != '-')
      return FALSE;
  return TRUE;
}

static void
add_auth (GPtrArray  *auth,
          const char *params)
{
  g_auto(GStrv) words = g_strsplit_set (params, " \t", -1);

  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree char *upper = NULL;
      gboolean seen = FALSE;

      if (words[i][0] == '\0' || !is_keyword (words[i], strlen (words[i])))
        continue;
      upper = g_ascii_strup (words[i], -1);
      for (guint j = 0; j < auth->len && !seen; j++)
        seen = strcmp (g_ptr_array_index (auth, j), upper) == 0;
      if (!seen)
        g_ptr_array_add (auth, g_steal_pointer (&upper));
    }
}

OpSmtpCapabilities *
op_smtp_capabilities_parse (const OpSmtpReply *reply)
{
  OpSmtpCapabilities *caps;
  g_autoptr(GPtrArray) auth = NULL;
  const char *size;

  g_return_val_if_fail (reply != NULL, NULL);

  caps = op_smtp_capabilities_new_empty ();
  if (reply->code != 250 || reply->lines[0] == NULL)
    return caps;

  {
    const char *first = reply->lines[0];
    const char *end = first + strcspn (first, " \t");

    if (end > first)
      caps->domain = g_strndup (first, end - first);
  }

  auth = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 1; reply->lines[i] != NULL; i++)
    {
      const char *line = reply->lines[i];
      gsize kw_len = strcspn (line, " \t=");
      const char *params = line + kw_len;
      g_autofree char *keyword = NULL;

      if (!is_keyword (line, kw_len))
        continue;
      keyword = g_ascii_strup (line, kw_len);
      if (*params == '=')
        {
          if (strcmp (keyword, "AUTH") == 0)
            add_auth (auth, params + 1);
          continue;
        }
      while (*params == ' ' || *params == '\t')
        params++;
      if (strcmp (keyword, "AUTH") == 0)
        add_auth (auth, params);
      /* The first announcement of a keyword counts. */
      if (!g_hash_table_contains (caps->keywords, keyword))
        g_hash_table_insert (caps->keywords, g_steal_pointer (&keyword), g_strdup (params));
    }
  g_ptr_array_add (auth, NULL);
  g_strfreev (caps->auth);
  caps->auth = (char **) g_ptr_array_free (g_steal_pointer (&auth), FALSE);

  size = g_hash_table_lookup (caps->keywords, "SIZE");
  if (size != NULL)
    {
      guint64 limit = 0;

      /* RFC 1870 §4: "SIZE" alone, or "SIZE 0", declares no fixed maximum. A limit we
       * cannot read is treated as none declared: the server still enforces its own. */
      caps->has_size = TRUE;
      if (*size != '\0' && g_ascii_string_to_unsigned (size, 10, 0, G_MAXUINT64, &limit, NULL))
        caps->size_limit = limit;
    }
  caps->starttls = g_hash_table_contains (caps->keywords, "STARTTLS");
  caps->eightbitmime = g_hash_table_contains (caps->keywords, "8BITMIME");
  caps->smtputf8 = g_hash_table_contains (caps->keywords, "SMTPUTF8");
  caps->pipelining = g_hash_table_contains (caps->keywords, "PIPELINING");
  caps->dsn = g_hash_table_contains (caps->keywords, "DSN");
  caps->enhanced_status_codes = g_hash_table_contains (caps->keywords, "ENHANCEDSTATUSCODES");
  return caps;
}

const char *
op_smtp_capabilities_get (const OpSmtpCapabilities *caps,
                          const char               *keyword)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (caps != NULL, NULL);
  g_return_val_if_fail (keyword != NULL, NULL);

  upper = g_ascii_strup (keyword, -1);
  return g_hash_table_lookup (caps->keywords, upper);
}

gboolean
op_smtp_capabilities_has (const OpSmtpCapabilities *caps,
                          const char               *keyword)
{
  return op_smtp_capabilities_get (caps, keyword) != NULL;
}
