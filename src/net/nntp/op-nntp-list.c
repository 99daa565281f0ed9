/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-nntp"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-nntp-error.h"
#include "op-nntp-list.h"
#include "op-nntp-private.h"
#include "op-nntp-reply.h"

/* Capability keywords and arguments a hostile server could repeat without end. */
#define MAX_CAPABILITIES 256
#define MAX_CAPABILITY_ARGS 256

void
op_nntp_active_free (OpNntpActive *active)
{
  if (active == NULL)
    return;
  g_free (active->name);
  g_free (active->alias);
  g_free (active);
}

gboolean
op_nntp_group_name_is_valid (const char *name,
                             gsize       length)
{
  g_return_val_if_fail (name != NULL || length == 0, FALSE);

  if (length == 0 || length > OP_NNTP_MAX_GROUP_NAME)
    return FALSE;
  if (!g_utf8_validate_len (name, length, NULL))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      guchar c = name[i];

      if (c <= 0x20 || c == 0x7f || strchr ("*?[\\!,", c) != NULL)
        return FALSE;
    }
  return TRUE;
}

/* Splits off the next field separated by spaces or tabs; FALSE at the end. */
static gboolean
next_field (const char **p,
            const char  *end,
            const char **field,
            gsize       *field_length)
{
  const char *q = *p;

  while (q < end && (*q == ' ' || *q == '\t'))
    q++;
  if (q == end)
    return FALSE;
  *field = q;
  while (q < end && *q != ' ' && *q != '\t')
    q++;
  *field_length = q - *field;
  *p = q;
  return TRUE;
}

static gboolean
field_number (const char *field,
              gsize       length,
              guint64    *value)
{
  const char *after = NULL;

  return _op_nntp_parse_number (field, field + length, &after, G_MAXINT64, value) &&
         after == field + length;
}

OpNntpActive *
op_nntp_parse_active_line (const char  *line,
                           gsize        length,
                           GError     **error)
{
  g_autoptr(OpNntpActive) active = NULL;
  const char *end = line + length;
  const char *p = line;
  const char *f[5];
  gsize n[5];
  guint64 high = 0, low = 0;
  int count = 0;

  g_return_val_if_fail (line != NULL || length == 0, NULL);

  while (count < 5 && next_field (&p, end, &f[count], &n[count]))
    count++;
  /* RFC 3977 §7.6.3 has four fields; NEWGROUPS (§7.3) the same. Extra fields are a
   * server's business (INN adds none): refuse, so a shifted line is not half-read. */
  if (count != 4 ||
      !op_nntp_group_name_is_valid (f[0], n[0]) || !field_number (f[1], n[1], &high) ||
      !field_number (f[2], n[2], &low))
    {
      _op_nntp_bad_reply (error, _("expected “group high low status”"), line, length);
      return NULL;
    }

  active = g_new0 (OpNntpActive, 1);
  active->name = g_strndup (f[0], n[0]);
  active->high = high;
  active->low = low;
  switch (f[3][0])
    {
    case 'y': active->posting = OP_NNTP_POSTING_ALLOWED; break;
    case 'n': active->posting = OP_NNTP_POSTING_FORBIDDEN; break;
    case 'm': active->posting = OP_NNTP_POSTING_MODERATED; break;
    case 'x': active->posting = OP_NNTP_POSTING_NO_LOCAL; break;
    case 'j': active->posting = OP_NNTP_POSTING_JUNK; break;
    case '=':
      if (!op_nntp_group_name_is_valid (f[3] + 1, n[3] - 1))
        {
          _op_nntp_bad_reply (error, _("expected “group high low status”"), line, length);
          return NULL;
        }
      active->posting = OP_NNTP_POSTING_ALIAS;
      active->alias = g_strndup (f[3] + 1, n[3] - 1);
      break;
    default:
      active->posting = OP_NNTP_POSTING_UNKNOWN;
      break;
    }
  if (active->posting != OP_NNTP_POSTING_ALIAS && n[3] != 1)
    active->posting = OP_NNTP_POSTING_UNKNOWN;
  return g_steal_pointer (&active);
}

gboolean
op_nntp_parse_newsgroups_line (const char  *line,
                               gsize        length,
                               char       **name,
                               char       **description,
                               GError     **error)
{
  const char *end = line + length;
  const char *p = line;
  const char *f;
  gsize n;

  g_return_val_if_fail (line != NULL || length == 0, FALSE);

  if (!next_field (&p, end, &f, &n) || !op_nntp_group_name_is_valid (f, n))
    return _op_nntp_bad_reply (error, _("expected “group description”"), line, length);
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  if (name != NULL)
    *name = g_strndup (f, n);
  if (description != NULL)
    *description = _op_nntp_sanitize (p, end - p);
  return TRUE;
}

gboolean
op_nntp_parse_active_times_line (const char  *line,
                                 gsize        length,
                                 char       **name,
                                 gint64      *created,
                                 char       **creator,
                                 GError     **error)
{
  const char *end = line + length;
  const char *p = line;
  const char *f[3];
  gsize n[3];
  guint64 when = 0;
  int count = 0;

  g_return_val_if_fail (line != NULL || length == 0, FALSE);

  while (count < 2 && next_field (&p, end, &f[count], &n[count]))
    count++;
  if (count < 2 || !op_nntp_group_name_is_valid (f[0], n[0]) ||
      !field_number (f[1], n[1], &when))
    return _op_nntp_bad_reply (error, _("expected “group time creator”"), line, length);
  /* The creator is one field, but some servers leave it out. */
  if (!next_field (&p, end, &f[2], &n[2]))
    {
      f[2] = end;
      n[2] = 0;
    }
  if (name != NULL)
    *name = g_strndup (f[0], n[0]);
  if (created != NULL)
    *created = (gint64) when;
  if (creator != NULL)
    *creator = _op_nntp_sanitize (f[2], n[2]);
  return TRUE;
}

gboolean
op_nntp_parse_hdr_line (const char  *line,
                        gsize        length,
                        guint64     *number,
                        char       **value,
                        GError     **error)
{
  const char *end = line + length;
  const char *p = line;
  guint64 n = 0;

  g_return_val_if_fail (line != NULL || length == 0, FALSE);

  /* RFC 3977 §8.5.2: "article-number SP value"; INN sends "1 " for an empty value,
   * and some servers omit the space then. */
  if (!_op_nntp_parse_number (p, end, &p, G_MAXINT64, &n) || (p < end && *p != ' ' && *p != '\t'))
    return _op_nntp_bad_reply (error, _("expected “number value”"), line, length);
  if (p < end)
    p++;
  if (number != NULL)
    *number = n;
  if (value != NULL)
    *value = _op_nntp_sanitize (p, end - p);
  return TRUE;
}

gboolean
op_nntp_parse_number_line (const char  *line,
                           gsize        length,
                           guint64     *number,
                           GError     **error)
{
  const char *end = line + length;
  guint64 n = 0;

  g_return_val_if_fail (line != NULL || length == 0, FALSE);

  while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  if (!field_number (line, end - line, &n) || n == 0)
    return _op_nntp_bad_reply (error, _("expected an article number"), line, length);
  if (number != NULL)
    *number = n;
  return TRUE;
}

/* --- CAPABILITIES ----------------------------------------------------------------- */

struct _OpNntpCapabilities
{
  GHashTable *keywords;   /* upper-cased keyword → GStrv of its arguments */
  guint       version;
};

OpNntpCapabilities *
op_nntp_capabilities_new (void)
{
  OpNntpCapabilities *caps = g_new0 (OpNntpCapabilities, 1);

  caps->keywords = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_strfreev);
  return caps;
}

void
op_nntp_capabilities_free (OpNntpCapabilities *caps)
{
  if (caps == NULL)
    return;
  g_hash_table_unref (caps->keywords);
  g_free (caps);
}

void
op_nntp_capabilities_add_line (OpNntpCapabilities *caps,
                               const char         *line,
                               gsize               length)
{
  const char *end = line + length;
  const char *p = line;
  const char *f;
  gsize n;
  g_autofree char *keyword = NULL;
  g_autoptr(GStrvBuilder) args = NULL;
  guint n_args = 0;

  g_return_if_fail (caps != NULL);
  g_return_if_fail (line != NULL || length == 0);

  if (!next_field (&p, end, &f, &n))
    return;
  /* RFC 3977 §9.5: capability labels are printable US-ASCII. */
  for (gsize i = 0; i < n; i++)
    if ((guchar) f[i] < 0x21 || (guchar) f[i] > 0x7e)
      return;
  keyword = g_ascii_strup (f, n);
  if (!g_hash_table_contains (caps->keywords, keyword) &&
      g_hash_table_size (caps->keywords) >= MAX_CAPABILITIES)
    return;
  args = g_strv_builder_new ();
  while (n_args < MAX_CAPABILITY_ARGS && next_field (&p, end, &f, &n))
    {
      g_autofree char *arg = _op_nntp_sanitize (f, n);

      g_strv_builder_add (args, arg);
      n_args++;
    }
  if (g_strcmp0 (keyword, "VERSION") == 0)
    {
      g_auto(GStrv) values = g_strv_builder_end (args);

      /* "VERSION 2 3": the server speaks each listed version; keep the highest. */
      for (guint i = 0; values[i] != NULL; i++)
        {
          guint64 v = 0;

          if (field_number (values[i], strlen (values[i]), &v) && v <= G_MAXUINT)
            caps->version = MAX (caps->version, (guint) v);
        }
      g_hash_table_replace (caps->keywords, g_steal_pointer (&keyword),
                            g_steal_pointer (&values));
      return;
    }
  g_hash_table_replace (caps->keywords, g_steal_pointer (&keyword), g_strv_builder_end (args));
}

gboolean
op_nntp_capabilities_has (const OpNntpCapabilities *caps,
                          const char               *keyword)
{
  return op_nntp_capabilities_get_args (caps, keyword) != NULL;
}

const char * const *
op_nntp_capabilities_get_args (const OpNntpCapabilities *caps,
                               const char               *keyword)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (caps != NULL, NULL);
  g_return_val_if_fail (keyword != NULL, NULL);

  upper = g_ascii_strup (keyword, -1);
  return g_hash_table_lookup (caps->keywords, upper);
}

gboolean
op_nntp_capabilities_has_arg (const OpNntpCapabilities *caps,
                              const char               *keyword,
                              const char               *argument)
{
  const char * const *args;

  g_return_val_if_fail (argument != NULL, FALSE);

  args = op_nntp_capabilities_get_args (caps, keyword);
  if (args == NULL)
    return FALSE;
  for (guint i = 0; args[i] != NULL; i++)
    if (g_ascii_strcasecmp (args[i], argument) == 0)
      return TRUE;
  return FALSE;
}

guint
op_nntp_capabilities_get_version (const OpNntpCapabilities *caps)
{
  g_return_val_if_fail (caps != NULL, 0);

  return caps->version;
}
