/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-nntp"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-nntp-error.h"
#include "op-nntp-overview.h"
#include "op-nntp-private.h"
#include "op-nntp-reply.h"

/* Real servers add one to three fields (Xref, sometimes Newsgroups, Keywords). */
#define MAX_EXTRA_FIELDS 64
/* Number, the seven fixed fields, the extras, and room for stray tabs; past that a line
 * is not an overview line. */
#define MAX_FIELDS (8 + MAX_EXTRA_FIELDS + 64)

enum { F_NUMBER, F_SUBJECT, F_FROM, F_DATE, F_MESSAGE_ID, F_REFERENCES, F_BYTES, F_LINES,
       N_FIXED };

typedef struct
{
  char     *name;   /* without the colon(s) and ":full" */
  gboolean  full;
} ExtraField;

struct _OpNntpOverviewFormat
{
  guint   n_fixed;    /* how many of the seven fixed fields were added */
  GArray *extra;      /* ExtraField */
};

static void
extra_field_clear (gpointer data)
{
  ExtraField *field = data;

  g_free (field->name);
}

OpNntpOverviewFormat *
op_nntp_overview_format_new (void)
{
  OpNntpOverviewFormat *format = g_new0 (OpNntpOverviewFormat, 1);

  format->extra = g_array_new (FALSE, TRUE, sizeof (ExtraField));
  g_array_set_clear_func (format->extra, extra_field_clear);
  return format;
}

OpNntpOverviewFormat *
op_nntp_overview_format_new_default (void)
{
  OpNntpOverviewFormat *format = op_nntp_overview_format_new ();

  format->n_fixed = 7;
  return format;
}

void
op_nntp_overview_format_free (OpNntpOverviewFormat *format)
{
  if (format == NULL)
    return;
  g_array_unref (format->extra);
  g_free (format);
}

/* RFC 3977 §8.4.2: the first seven lines, with the legacy spellings of the two metadata
 * items that RFC 2980 servers (INN among them) still send. */
static gboolean
fixed_field_matches (guint       index,
                     const char *line,
                     gsize       length)
{
  static const char *const names[7][2] = {
    { "Subject:", NULL }, { "From:", NULL }, { "Date:", NULL }, { "Message-ID:", NULL },
    { "References:", NULL }, { ":bytes", "Bytes:" }, { ":lines", "Lines:" },
  };

  for (guint k = 0; k < 2; k++)
    {
      const char *name = names[index][k];

      if (name != NULL && strlen (name) == length &&
          g_ascii_strncasecmp (line, name, length) == 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
op_nntp_overview_format_add_line (OpNntpOverviewFormat *format,
                                  const char           *line,
                                  gsize                 length,
                                  GError              **error)
{
  const char *end = line + length;
  const char *colon;
  ExtraField field = { NULL, FALSE };

  g_return_val_if_fail (format != NULL, FALSE);
  g_return_val_if_fail (line != NULL || length == 0, FALSE);

  while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  length = end - line;

  if (format->n_fixed < 7)
    {
      if (!fixed_field_matches (format->n_fixed, line, length))
        return _op_nntp_bad_reply (error, _("the overview format does not start with the "
                                            "seven standard fields"), line, length);
      format->n_fixed++;
      return TRUE;
    }
  if (format->extra->len >= MAX_EXTRA_FIELDS)
    return _op_nntp_bad_reply (error, _("too many overview fields"), line, length);

  colon = memchr (line, ':', length);
  if (colon == NULL || length < 2)
    return _op_nntp_bad_reply (error, _("expected “Header:” or “:metadata”"), line, length);
  if (colon == line)
    field.name = g_strndup (line + 1, length - 1);   /* ":metadata" */
  else
    {
      const char *rest = colon + 1;

      /* "Name:" or "Name:full" (RFC 3977 §8.4.2). */
      if (rest != end && !(end - rest == 4 && g_ascii_strncasecmp (rest, "full", 4) == 0))
        return _op_nntp_bad_reply (error, _("expected “Header:” or “:metadata”"), line, length);
      field.full = rest != end;
      field.name = g_strndup (line, colon - line);
    }
  for (const char *p = field.name; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f || *p == ':')
      {
        g_free (field.name);
        return _op_nntp_bad_reply (error, _("expected “Header:” or “:metadata”"), line, length);
      }
  if (field.name[0] == '\0')
    {
      g_free (field.name);
      return _op_nntp_bad_reply (error, _("expected “Header:” or “:metadata”"), line, length);
    }
  g_array_append_val (format->extra, field);
  return TRUE;
}

gboolean
op_nntp_overview_format_is_complete (const OpNntpOverviewFormat *format)
{
  g_return_val_if_fail (format != NULL, FALSE);

  return format->n_fixed == 7;
}

guint
op_nntp_overview_format_get_n_extra (const OpNntpOverviewFormat *format)
{
  g_return_val_if_fail (format != NULL, 0);

  return format->extra->len;
}

const char *
op_nntp_overview_format_get_extra_name (const OpNntpOverviewFormat *format,
                                        guint                       index)
{
  g_return_val_if_fail (format != NULL, NULL);
  g_return_val_if_fail (index < format->extra->len, NULL);

  return g_array_index (format->extra, ExtraField, index).name;
}

gboolean
op_nntp_overview_format_extra_is_full (const OpNntpOverviewFormat *format,
                                       guint                       index)
{
  g_return_val_if_fail (format != NULL, FALSE);
  g_return_val_if_fail (index < format->extra->len, FALSE);

  return g_array_index (format->extra, ExtraField, index).full;
}

int
op_nntp_overview_format_find_extra (const OpNntpOverviewFormat *format,
                                    const char                 *name)
{
  g_return_val_if_fail (format != NULL, -1);
  g_return_val_if_fail (name != NULL, -1);

  for (guint i = 0; i < format->extra->len; i++)
    if (g_ascii_strcasecmp (g_array_index (format->extra, ExtraField, i).name, name) == 0)
      return (int) i;
  return -1;
}

void
op_nntp_overview_free (OpNntpOverview *overview)
{
  if (overview == NULL)
    return;
  g_free (overview->subject);
  g_free (overview->from);
  g_free (overview->date);
  g_free (overview->message_id);
  g_free (overview->references);
  g_strfreev (overview->extra);
  g_free (overview);
}

const char *
op_nntp_overview_get_extra (const OpNntpOverview       *overview,
                            const OpNntpOverviewFormat *format,
                            const char                 *name)
{
  int index;

  g_return_val_if_fail (overview != NULL, NULL);

  index = op_nntp_overview_format_find_extra (format, name);
  if (index < 0 || overview->extra == NULL)
    return NULL;
  for (int i = 0; i < index; i++)
    if (overview->extra[i] == NULL)
      return NULL;
  return overview->extra[index];
}

/* --- lines -------------------------------------------------------------------------- */

typedef struct
{
  const char *data;
  gsize       length;
} Field;

static gboolean
field_is_message_id (const Field *f)
{
  const char *p = f->data;
  const char *end = f->data + f->length;

  while (p < end && *p == ' ')
    p++;
  while (end > p && end[-1] == ' ')
    end--;
  return op_nntp_message_id_is_valid (p, end - p);
}

/* A :bytes or :lines field: digits, or empty (some servers leave them empty). */
static gboolean
field_is_count (const Field *f,
                guint64     *value)
{
  const char *p = f->data;
  const char *end = f->data + f->length;
  const char *after = NULL;

  while (p < end && *p == ' ')
    p++;
  while (end > p && end[-1] == ' ')
    end--;
  *value = 0;
  if (p == end)
    return TRUE;
  return _op_nntp_parse_number (p, end, &after, G_MAXINT64, value) && after == end;
}

/* Fields @first..@last joined with single spaces, sanitised. */
static char *
join_fields (const Field *fields,
             guint        first,
             guint        last)
{
  GString *joined;

  if (first == last)
    return _op_nntp_sanitize (fields[first].data, fields[first].length);
  joined = g_string_new (NULL);

  for (guint i = first; i <= last; i++)
    {
      g_autofree char *clean = _op_nntp_sanitize (fields[i].data, fields[i].length);

      if (i > first)
        g_string_append_c (joined, ' ');
      g_string_append (joined, clean);
    }
  return g_string_free (joined, FALSE);
}

static char *
trimmed_field (const Field *f)
{
  g_autofree char *clean = _op_nntp_sanitize (f->data, f->length);

  return g_strdup (g_strstrip (clean));
}

/* An extra field's value: "full" fields carry "Name: value"; strip the name (when the
 * server did put it there; some do not, whatever the format says). */
static char *
extra_value (const Field *f,
             const char  *name)
{
  gsize n = strlen (name);
  const char *p = f->data;
  const char *end = f->data + f->length;

  if ((gsize) (end - p) > n && g_ascii_strncasecmp (p, name, n) == 0 && p[n] == ':')
    {
      p += n + 1;
      while (p < end && *p == ' ')
        p++;
    }
  {
    Field rest = { p, end - p };

    return trimmed_field (&rest);
  }
}

OpNntpOverview *
op_nntp_overview_parse (const OpNntpOverviewFormat *format,
                        const char                 *line,
                        gsize                       length,
                        GError                    **error)
{
  g_autoptr(OpNntpOverview) overview = NULL;
  Field fields[MAX_FIELDS];
  guint n_fields = 0;
  guint n_extra;
  guint shift = 0;          /* surplus fields inside Subject */
  guint refs_last = 0;      /* the last field that belongs to References */
  const char *p = line;
  const char *end = line + length;
  guint64 number = 0, bytes = 0, lines = 0;

  g_return_val_if_fail (format != NULL, NULL);
  g_return_val_if_fail (line != NULL || length == 0, NULL);

  if (length > OP_NNTP_MAX_LIST_LINE)
    {
      _op_nntp_bad_reply (error, _("overview line too long"), line, MIN (length, 200));
      return NULL;
    }
  for (;;)
    {
      const char *tab = memchr (p, '\t', end - p);

      if (n_fields == MAX_FIELDS)
        goto bad;
      fields[n_fields].data = p;
      fields[n_fields].length = (tab != NULL ? tab : end) - p;
      n_fields++;
      if (tab == NULL)
        break;
      p = tab + 1;
    }
  n_extra = format->extra->len;

  {
    const char *after = NULL;

    if (n_fields < N_FIXED ||
        !_op_nntp_parse_number (fields[F_NUMBER].data,
                                fields[F_NUMBER].data + fields[F_NUMBER].length, &after,
                                G_MAXINT64, &number) ||
        after != fields[F_NUMBER].data + fields[F_NUMBER].length)
      goto bad;
  }

  /* Find the Message-ID where it belongs, or further right when a TAB inside Subject
   * (the usual culprit; From and Date rarely carry one) pushed it there. A place counts
   * only when two counts (:bytes, :lines) follow the References after it; TABs inside
   * References (a folded header the server did not unfold) are joined back. */
  for (shift = 0; F_REFERENCES + shift + 2 < n_fields; shift++)
    {
      if (!field_is_message_id (&fields[F_MESSAGE_ID + shift]))
        continue;
      for (refs_last = F_REFERENCES + shift; refs_last + 2 < n_fields; refs_last++)
        if (field_is_count (&fields[refs_last + 1], &bytes) &&
            field_is_count (&fields[refs_last + 2], &lines))
          goto found;
    }
  goto bad;

found:
  overview = g_new0 (OpNntpOverview, 1);
  overview->number = number;
  overview->subject = join_fields (fields, F_SUBJECT, F_SUBJECT + shift);
  g_strstrip (overview->subject);
  overview->from = trimmed_field (&fields[F_FROM + shift]);
  overview->date = trimmed_field (&fields[F_DATE + shift]);
  overview->message_id = trimmed_field (&fields[F_MESSAGE_ID + shift]);
  overview->references = join_fields (fields, F_REFERENCES + shift, refs_last);
  g_strstrip (overview->references);
  overview->bytes = bytes;
  overview->lines = lines;
  overview->extra = g_new0 (char *, n_extra + 1);
  for (guint i = 0; i < n_extra; i++)
    {
      guint k = refs_last + 3 + i;
      const ExtraField *field = &g_array_index (format->extra, ExtraField, i);

      if (k >= n_fields)
        overview->extra[i] = g_strdup ("");
      else if (i + 1 == n_extra && k + 1 < n_fields)
        {
          /* Surplus TABs after the last known field stay in it. */
          Field whole = { fields[k].data, end - fields[k].data };

          overview->extra[i] = extra_value (&whole, field->name);
        }
      else
        overview->extra[i] = extra_value (&fields[k], field->name);
    }
  return g_steal_pointer (&overview);

bad:
  _op_nntp_bad_reply (error, _("expected an overview line"), line, MIN (length, 200));
  return NULL;
}
