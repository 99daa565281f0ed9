/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "op-imap-parser-private.h"
#include "op-imap-utf7.h"

/*
 * Typed data (RFC 3501 §7.2–7.4, RFC 4731, RFC 2342, RFC 2971, RFC 7162): FETCH,
 * LIST/LSUB, STATUS, SEARCH and ESEARCH, NAMESPACE, dates and sequence sets.
 */

static void
section_free (gpointer data)
{
  OpImapSection *s = data;

  g_free (s->name);
  g_free (s->section);
  g_clear_pointer (&s->data, g_bytes_unref);
  g_free (s);
}

void
op_imap_fetch_free (OpImapFetch *f)
{
  if (f == NULL)
    return;
  g_strfreev (f->flags);
  g_clear_pointer (&f->internaldate, g_date_time_unref);
  op_imap_envelope_free (f->envelope);
  op_imap_body_part_free (f->body);
  g_clear_pointer (&f->sections, g_ptr_array_unref);
  g_free (f);
}

void
op_imap_list_entry_free (OpImapListEntry *e)
{
  if (e == NULL)
    return;
  g_strfreev (e->attributes);
  g_free (e->raw_name);
  g_free (e->name);
  g_free (e);
}

void
op_imap_mailbox_status_free (OpImapMailboxStatus *s)
{
  if (s == NULL)
    return;
  g_free (s->raw_name);
  g_free (s->name);
  g_free (s);
}

static void
namespace_free (gpointer data)
{
  OpImapNamespace *n = data;

  g_free (n->prefix);
  g_free (n);
}

const OpImapSection *
op_imap_fetch_find_section (const OpImapFetch *fetch,
                            const char        *section)
{
  g_return_val_if_fail (fetch != NULL && section != NULL, NULL);

  for (guint i = 0; i < fetch->sections->len; i++)
    {
      const OpImapSection *s = fetch->sections->pdata[i];

      if (g_ascii_strcasecmp (s->section, section) == 0)
        return s;
    }
  return NULL;
}

gboolean
_op_imap_sequence_set_valid (const char *set,
                             gboolean    allow_star)
{
  const char *p = set;

  if (set == NULL || *set == '\0')
    return FALSE;
  for (;;)
    {
      for (int k = 0; k < 2; k++)
        {
          guint64 n;
          const char *start = p;

          if (*p == '*' && allow_star)
            p++;
          else
            {
              while (*p >= '0' && *p <= '9')
                p++;
              if (!op_imap_parse_number (start, p - start, G_MAXUINT32, &n) || n == 0)
                return FALSE;
            }
          if (k == 0 && *p == ':')
            p++;
          else
            break;
        }
      if (*p == '\0')
        return TRUE;
      if (*p != ',')
        return FALSE;
      p++;
    }
}

gboolean
op_imap_sequence_set_expand (const char *set,
                             guint       max_count,
                             GArray     *numbers)
{
  g_auto(GStrv) ranges = NULL;

  g_return_val_if_fail (numbers != NULL, FALSE);

  if (!_op_imap_sequence_set_valid (set, FALSE))
    return FALSE;
  ranges = g_strsplit (set, ",", -1);
  for (guint i = 0; ranges[i] != NULL; i++)
    {
      const char *colon = strchr (ranges[i], ':');
      guint64 a, b;

      op_imap_parse_number (ranges[i], colon != NULL ? (gsize) (colon - ranges[i]) : strlen (ranges[i]),
                            G_MAXUINT32, &a);
      b = a;
      if (colon != NULL)
        op_imap_parse_number (colon + 1, strlen (colon + 1), G_MAXUINT32, &b);
      /* RFC 3501 §9: "2:4" and "4:2" are the same. */
      if (b < a)
        {
          guint64 t = a;
          a = b;
          b = t;
        }
      if (b - a + 1 > max_count || numbers->len + (b - a + 1) > max_count)
        return FALSE;
      for (guint64 n = a; n <= b; n++)
        {
          guint32 v = (guint32) n;

          g_array_append_val (numbers, v);
        }
    }
  return TRUE;
}

/* --- dates ----------------------------------------------------------------------------- */

GDateTime *
op_imap_parse_date_time (const char *text)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  int day, year, hour, minute, second, zone;
  char mon[4] = { 0 };
  char sign;
  int month = 0;
  g_autoptr(GTimeZone) tz = NULL;
  char zone_id[8];
  int consumed = 0;

  if (text == NULL)
    return NULL;
  if (*text == ' ')
    text++;
  if (sscanf (text, "%2d-%3c-%4d %2d:%2d:%2d %c%4d%n", &day, mon, &year, &hour, &minute,
              &second, &sign, &zone, &consumed) != 8 || text[consumed] != '\0')
    return NULL;
  for (int i = 0; i < 12; i++)
    if (g_ascii_strncasecmp (months + 3 * i, mon, 3) == 0)
      month = i + 1;
  if (month == 0 || (sign != '+' && sign != '-') || zone < 0 || zone > 2359 ||
      zone % 100 > 59)
    return NULL;
  g_snprintf (zone_id, sizeof zone_id, "%c%02d:%02d", sign, zone / 100, zone % 100);
  tz = g_time_zone_new_identifier (zone_id);
  if (tz == NULL)
    return NULL;
  return g_date_time_new (tz, year, month, day, hour, minute, second);
}


char **
_op_imap_parse_atom_list (const OpImapValue *v)
{
  char **out;

  if (v->kind != OP_IMAP_VALUE_LIST)
    return NULL;
  for (gsize i = 0; i < v->length; i++)
    if (ITEM (v, i)->kind != OP_IMAP_VALUE_ATOM)
      return NULL;
  /* Exactly sized: every message of a FETCH has one. */
  out = g_new (char *, v->length + 1);
  for (gsize i = 0; i < v->length; i++)
    out[i] = _op_imap_dup_nstring (ITEM (v, i));
  out[v->length] = NULL;
  return out;
}

/* "BODY[1.2]<0>", "BINARY[1]", "RFC822", "RFC822.HEADER", "RFC822.TEXT". */
static gboolean
parse_section_name (const char  *name,
                    char       **section,
                    gint64      *origin)
{
  const char *open = strchr (name, '[');
  const char *close;

  *origin = -1;
  if (open == NULL)
    {
      if (g_ascii_strcasecmp (name, "RFC822") == 0)
        *section = g_strdup ("");
      else if (g_ascii_strcasecmp (name, "RFC822.HEADER") == 0)
        *section = g_strdup ("HEADER");
      else if (g_ascii_strcasecmp (name, "RFC822.TEXT") == 0)
        *section = g_strdup ("TEXT");
      else
        return FALSE;
      return TRUE;
    }
  if (!((open - name == 4 && g_ascii_strncasecmp (name, "BODY", 4) == 0) ||
        (open - name == 6 && g_ascii_strncasecmp (name, "BINARY", 6) == 0)))
    return FALSE;
  close = strrchr (open, ']');
  if (close == NULL)
    return FALSE;
  if (close[1] == '<')
    {
      const char *gt = strchr (close + 2, '>');
      guint64 n;

      if (gt == NULL || gt[1] != '\0' ||
          !op_imap_parse_number (close + 2, gt - close - 2, G_MAXUINT32, &n))
        return FALSE;
      *origin = (gint64) n;
    }
  else if (close[1] != '\0')
    return FALSE;
  *section = g_strndup (open + 1, close - open - 1);
  return TRUE;
}

static OpImapFetch *
parse_fetch (guint32             seq,
             const OpImapValue  *v,
             GError            **error)
{
  g_autoptr(OpImapFetch) f = g_new0 (OpImapFetch, 1);

  f->seq = seq;
  f->sections = g_ptr_array_new_full (0, section_free);
  if (v->kind != OP_IMAP_VALUE_LIST || v->length % 2 != 0)
    {
      _op_imap_bad_data (error, _("FETCH response"));
      return NULL;
    }
  for (gsize i = 0; i < v->length; i += 2)
    {
      const OpImapValue *name = ITEM (v, i);
      const OpImapValue *value = ITEM (v, i + 1);
      const char *n;

      if (name->kind != OP_IMAP_VALUE_ATOM)
        {
          _op_imap_bad_data (error, _("FETCH response"));
          return NULL;
        }
      n = name->data;
      if (g_ascii_strcasecmp (n, "UID") == 0)
        {
          if (!op_imap_value_get_number (value, &f->uid) || f->uid == 0)
            {
              _op_imap_bad_data (error, _("UID"));
              return NULL;
            }
          f->items |= OP_IMAP_FETCH_UID;
        }
      else if (g_ascii_strcasecmp (n, "FLAGS") == 0)
        {
          g_strfreev (f->flags);
          f->flags = _op_imap_parse_atom_list (value);
          if (f->flags == NULL)
            {
              _op_imap_bad_data (error, _("flag list"));
              return NULL;
            }
          f->items |= OP_IMAP_FETCH_FLAGS;
        }
      else if (g_ascii_strcasecmp (n, "INTERNALDATE") == 0)
        {
          g_clear_pointer (&f->internaldate, g_date_time_unref);
          if (value->kind == OP_IMAP_VALUE_STRING && !value->streamed)
            f->internaldate = op_imap_parse_date_time (value->data);
          if (f->internaldate == NULL)
            {
              _op_imap_bad_data (error, _("INTERNALDATE"));
              return NULL;
            }
          f->items |= OP_IMAP_FETCH_INTERNALDATE;
        }
      else if (g_ascii_strcasecmp (n, "RFC822.SIZE") == 0)
        {
          if (!op_imap_value_get_number (value, &f->size))
            {
              _op_imap_bad_data (error, _("RFC822.SIZE"));
              return NULL;
            }
          f->items |= OP_IMAP_FETCH_SIZE;
        }
      else if (g_ascii_strcasecmp (n, "ENVELOPE") == 0)
        {
          op_imap_envelope_free (f->envelope);
          f->envelope = _op_imap_parse_envelope (value, error);
          if (f->envelope == NULL)
            return NULL;
          f->items |= OP_IMAP_FETCH_ENVELOPE;
        }
      else if (g_ascii_strcasecmp (n, "BODYSTRUCTURE") == 0 ||
               g_ascii_strcasecmp (n, "BODY") == 0)
        {
          gboolean multi = value->kind == OP_IMAP_VALUE_LIST && value->length > 0 &&
                           ITEM (value, 0)->kind == OP_IMAP_VALUE_LIST;

          op_imap_body_part_free (f->body);
          f->body = _op_imap_parse_body (value, "", !multi, 0, error);
          if (f->body == NULL)
            return NULL;
          f->items |= OP_IMAP_FETCH_BODYSTRUCTURE;
        }
      else if (g_ascii_strcasecmp (n, "MODSEQ") == 0)
        {
          if (value->kind != OP_IMAP_VALUE_LIST || value->length != 1 ||
              !op_imap_value_get_number64 (ITEM (value, 0), &f->modseq))
            {
              _op_imap_bad_data (error, _("MODSEQ"));
              return NULL;
            }
          f->items |= OP_IMAP_FETCH_MODSEQ;
        }
      else
        {
          char *section = NULL;
          gint64 origin;
          OpImapSection *s;

          if (!parse_section_name (n, &section, &origin))
            continue;   /* an item we did not ask for (X-GM-*, BINARY.SIZE …) */
          if (!is_nstring (value) && !(value->kind == OP_IMAP_VALUE_STRING && value->streamed))
            {
              g_free (section);
              _op_imap_bad_data (error, _("body section"));
              return NULL;
            }
          s = g_new0 (OpImapSection, 1);
          s->name = g_strdup (n);
          s->section = section;
          s->origin = origin;
          if (value->streamed)
            {
              s->streamed = TRUE;
              s->size = value->length;
            }
          else if (value->kind != OP_IMAP_VALUE_NIL)
            {
              s->size = value->length;
              s->data = g_bytes_new_take (_op_imap_dup_nstring (value), value->length);
            }
          g_ptr_array_add (f->sections, s);
        }
    }
  return g_steal_pointer (&f);
}

static char *
mailbox_name (const OpImapValue *v)
{
  /* RFC 3501 §5.1: INBOX is case-insensitive. */
  if (g_ascii_strcasecmp (v->data, "INBOX") == 0)
    return g_strdup ("INBOX");
  return g_strdup (v->data);
}

static OpImapListEntry *
parse_list_entry (const OpImapValue  *args,
                  GError            **error)
{
  static const struct { const char *name; OpImapMailboxFlags flag; } known[] = {
    { "\\Noselect", OP_IMAP_MAILBOX_NOSELECT },
    { "\\NonExistent", OP_IMAP_MAILBOX_NONEXISTENT | OP_IMAP_MAILBOX_NOSELECT },
    { "\\Noinferiors", OP_IMAP_MAILBOX_NOINFERIORS },
    { "\\Marked", OP_IMAP_MAILBOX_MARKED },
    { "\\Unmarked", OP_IMAP_MAILBOX_UNMARKED },
    { "\\HasChildren", OP_IMAP_MAILBOX_HAS_CHILDREN },
    { "\\HasNoChildren", OP_IMAP_MAILBOX_HAS_NO_CHILDREN },
    { "\\Subscribed", OP_IMAP_MAILBOX_SUBSCRIBED },
    { "\\Remote", OP_IMAP_MAILBOX_REMOTE },
    { "\\All", OP_IMAP_MAILBOX_ALL },
    { "\\Archive", OP_IMAP_MAILBOX_ARCHIVE },
    { "\\Drafts", OP_IMAP_MAILBOX_DRAFTS },
    { "\\Flagged", OP_IMAP_MAILBOX_FLAGGED },
    { "\\Junk", OP_IMAP_MAILBOX_JUNK },
    { "\\Sent", OP_IMAP_MAILBOX_SENT },
    { "\\Trash", OP_IMAP_MAILBOX_TRASH },
  };
  g_autoptr(OpImapListEntry) e = NULL;
  const OpImapValue *delim, *name;

  if (args->length < 3 || (args->length > 4) ||
      (ITEM (args, 1)->kind != OP_IMAP_VALUE_NIL &&
       (!is_string (ITEM (args, 1)) || ITEM (args, 1)->length != 1)) ||
      !is_string (ITEM (args, 2)) || ITEM (args, 2)->streamed)
    {
      _op_imap_bad_data (error, _("LIST response"));
      return NULL;
    }
  e = g_new0 (OpImapListEntry, 1);
  e->attributes = _op_imap_parse_atom_list (ITEM (args, 0));
  if (e->attributes == NULL)
    {
      _op_imap_bad_data (error, _("LIST response"));
      return NULL;
    }
  for (guint i = 0; e->attributes[i] != NULL; i++)
    for (guint k = 0; k < G_N_ELEMENTS (known); k++)
      if (g_ascii_strcasecmp (e->attributes[i], known[k].name) == 0)
        e->flags |= known[k].flag;
  delim = ITEM (args, 1);
  e->delimiter = delim->kind == OP_IMAP_VALUE_NIL ? 0 : delim->data[0];
  name = ITEM (args, 2);
  if (memchr (name->data, '\0', name->length) != NULL)
    {
      _op_imap_bad_data (error, _("folder name"));
      return NULL;
    }
  e->raw_name = mailbox_name (name);
  e->name = op_imap_utf7_decode (e->raw_name, strlen (e->raw_name), NULL);
  if (args->length == 4)
    {
      /* RFC 5258 mbox-list-extended: (tag value ...); CHILDINFO ("SUBSCRIBED"). */
      const OpImapValue *ext = ITEM (args, 3);

      if (ext->kind != OP_IMAP_VALUE_LIST || ext->length % 2 != 0)
        {
          _op_imap_bad_data (error, _("LIST response"));
          return NULL;
        }
      for (gsize i = 0; i < ext->length; i += 2)
        if (is_string (ITEM (ext, i)) && !ITEM (ext, i)->streamed &&
            g_ascii_strcasecmp (ITEM (ext, i)->data, "CHILDINFO") == 0 &&
            ITEM (ext, i + 1)->kind == OP_IMAP_VALUE_LIST)
          {
            const OpImapValue *ci = ITEM (ext, i + 1);

            for (gsize k = 0; k < ci->length; k++)
              if (is_string (ITEM (ci, k)) && !ITEM (ci, k)->streamed &&
                  g_ascii_strcasecmp (ITEM (ci, k)->data, "SUBSCRIBED") == 0)
                e->flags |= OP_IMAP_MAILBOX_CHILD_SUBSCRIBED;
          }
    }
  return g_steal_pointer (&e);
}

static OpImapMailboxStatus *
parse_status (const OpImapValue  *args,
              GError            **error)
{
  OpImapMailboxStatus *s;
  const OpImapValue *items;

  if (args->length != 2 || !is_string (ITEM (args, 0)) || ITEM (args, 0)->streamed ||
      ITEM (args, 1)->kind != OP_IMAP_VALUE_LIST || ITEM (args, 1)->length % 2 != 0)
    {
      _op_imap_bad_data (error, _("STATUS response"));
      return NULL;
    }
  s = g_new0 (OpImapMailboxStatus, 1);
  s->raw_name = mailbox_name (ITEM (args, 0));
  s->name = op_imap_utf7_decode (s->raw_name, strlen (s->raw_name), NULL);
  items = ITEM (args, 1);
  for (gsize i = 0; i < items->length; i += 2)
    {
      const OpImapValue *k = ITEM (items, i), *val = ITEM (items, i + 1);
      guint64 n;

      if (k->kind != OP_IMAP_VALUE_ATOM || !op_imap_value_get_number64 (val, &n))
        {
          op_imap_mailbox_status_free (s);
          _op_imap_bad_data (error, _("STATUS response"));
          return NULL;
        }
#define STATUS_ITEM(word, flag, field, max) \
      else if (g_ascii_strcasecmp (k->data, word) == 0) \
        { if (n > (max)) goto bad; s->field = n; s->items |= flag; }
      if (FALSE) {}
      STATUS_ITEM ("MESSAGES", OP_IMAP_STATUS_MESSAGES, messages, G_MAXUINT32)
      STATUS_ITEM ("RECENT", OP_IMAP_STATUS_RECENT, recent, G_MAXUINT32)
      STATUS_ITEM ("UIDNEXT", OP_IMAP_STATUS_UIDNEXT, uidnext, G_MAXUINT32)
      STATUS_ITEM ("UIDVALIDITY", OP_IMAP_STATUS_UIDVALIDITY, uidvalidity, G_MAXUINT32)
      STATUS_ITEM ("UNSEEN", OP_IMAP_STATUS_UNSEEN, unseen, G_MAXUINT32)
      STATUS_ITEM ("DELETED", OP_IMAP_STATUS_DELETED, deleted, G_MAXUINT32)
      STATUS_ITEM ("HIGHESTMODSEQ", OP_IMAP_STATUS_HIGHESTMODSEQ, highestmodseq, G_MAXINT64)
      STATUS_ITEM ("SIZE", OP_IMAP_STATUS_SIZE, size, G_MAXINT64)
#undef STATUS_ITEM
    }
  return s;

bad:
  op_imap_mailbox_status_free (s);
  _op_imap_bad_data (error, _("STATUS response"));
  return NULL;
}

static gboolean
parse_search (OpImapResponse  *r,
              GError         **error)
{
  const OpImapValue *args = r->args;

  r->numbers = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (gsize i = 0; i < args->length; i++)
    {
      const OpImapValue *v = ITEM (args, i);
      guint32 n;

      if (i == args->length - 1 && v->kind == OP_IMAP_VALUE_LIST)
        {
          /* RFC 7162 §3.1.5: (MODSEQ n) at the end. */
          if (v->length != 2 || !op_imap_value_is_atom (ITEM (v, 0), "MODSEQ") ||
              !op_imap_value_get_number64 (ITEM (v, 1), &r->modseq))
            return _op_imap_bad_data (error, _("SEARCH response"));
          continue;
        }
      if (!op_imap_value_get_number (v, &n) || n == 0)
        return _op_imap_bad_data (error, _("SEARCH response"));
      g_array_append_val (r->numbers, n);
    }
  return TRUE;
}

static gboolean
parse_esearch (OpImapResponse  *r,
               GError         **error)
{
  const OpImapValue *args = r->args;
  OpImapEsearch *e = g_new0 (OpImapEsearch, 1);
  gsize i = 0;

  r->esearch = e;
  if (i < args->length && ITEM (args, i)->kind == OP_IMAP_VALUE_LIST)
    {
      const OpImapValue *c = ITEM (args, i++);

      if (c->length != 2 || !op_imap_value_is_atom (ITEM (c, 0), "TAG") ||
          !is_string (ITEM (c, 1)) || ITEM (c, 1)->streamed)
        return _op_imap_bad_data (error, _("ESEARCH response"));
      e->tag = g_strdup (ITEM (c, 1)->data);
    }
  if (i < args->length && op_imap_value_is_atom (ITEM (args, i), "UID"))
    {
      e->uid = TRUE;
      i++;
    }
  for (; i < args->length; i += 2)
    {
      const OpImapValue *k = ITEM (args, i);
      const OpImapValue *v = i + 1 < args->length ? ITEM (args, i + 1) : NULL;
      gboolean ok = TRUE;

      if (k->kind != OP_IMAP_VALUE_ATOM || v == NULL)
        return _op_imap_bad_data (error, _("ESEARCH response"));
      if (g_ascii_strcasecmp (k->data, "MIN") == 0)
        ok = e->has_min = op_imap_value_get_number (v, &e->min);
      else if (g_ascii_strcasecmp (k->data, "MAX") == 0)
        ok = e->has_max = op_imap_value_get_number (v, &e->max);
      else if (g_ascii_strcasecmp (k->data, "COUNT") == 0)
        ok = e->has_count = op_imap_value_get_number (v, &e->count);
      else if (g_ascii_strcasecmp (k->data, "MODSEQ") == 0)
        ok = e->has_modseq = op_imap_value_get_number64 (v, &e->modseq);
      else if (g_ascii_strcasecmp (k->data, "ALL") == 0)
        {
          ok = v->kind == OP_IMAP_VALUE_ATOM && _op_imap_sequence_set_valid (v->data, FALSE);
          if (ok)
            {
              g_free (e->all);
              e->all = g_strdup (v->data);
            }
        }
      if (!ok)
        return _op_imap_bad_data (error, _("ESEARCH response"));
    }
  return TRUE;
}

static GPtrArray *
parse_namespace (const OpImapValue  *v,
                 gboolean           *ok,
                 GError            **error)
{
  g_autoptr(GPtrArray) list = NULL;

  *ok = TRUE;
  if (v->kind == OP_IMAP_VALUE_NIL)
    return NULL;
  *ok = FALSE;
  if (v->kind != OP_IMAP_VALUE_LIST || v->length == 0)
    {
      _op_imap_bad_data (error, _("NAMESPACE response"));
      return NULL;
    }
  list = g_ptr_array_new_with_free_func (namespace_free);
  for (gsize i = 0; i < v->length; i++)
    {
      const OpImapValue *n = ITEM (v, i);
      OpImapNamespace *ns;

      if (n->kind != OP_IMAP_VALUE_LIST || n->length < 2 || !is_string (ITEM (n, 0)) ||
          ITEM (n, 0)->streamed ||
          (ITEM (n, 1)->kind != OP_IMAP_VALUE_NIL &&
           (!is_string (ITEM (n, 1)) || ITEM (n, 1)->length != 1)))
        {
          _op_imap_bad_data (error, _("NAMESPACE response"));
          return NULL;
        }
      ns = g_new0 (OpImapNamespace, 1);
      ns->prefix = g_strdup (ITEM (n, 0)->data);
      ns->delimiter = ITEM (n, 1)->kind == OP_IMAP_VALUE_NIL ? 0 : ITEM (n, 1)->data[0];
      g_ptr_array_add (list, ns);
    }
  *ok = TRUE;
  return g_steal_pointer (&list);
}

gboolean
_op_imap_parse_typed_data (OpImapResponse  *r,
                           GError         **error)
{
  const OpImapValue *args = r->args;

  switch (r->data)
    {
    case OP_IMAP_DATA_CAPABILITY:
    case OP_IMAP_DATA_ENABLED:
      r->strv = _op_imap_parse_atom_list (args);
      if (r->strv == NULL)
        return _op_imap_bad_data (error, _("capability list"));
      return TRUE;
    case OP_IMAP_DATA_FLAGS:
      if (args->length != 1 || (r->strv = _op_imap_parse_atom_list (ITEM (args, 0))) == NULL)
        return _op_imap_bad_data (error, _("flag list"));
      return TRUE;
    case OP_IMAP_DATA_LIST:
    case OP_IMAP_DATA_LSUB:
      r->list = parse_list_entry (args, error);
      return r->list != NULL;
    case OP_IMAP_DATA_STATUS:
      r->status_data = parse_status (args, error);
      return r->status_data != NULL;
    case OP_IMAP_DATA_SEARCH:
      return parse_search (r, error);
    case OP_IMAP_DATA_ESEARCH:
      return parse_esearch (r, error);
    case OP_IMAP_DATA_FETCH:
      if (args->length != 1)
        return _op_imap_bad_data (error, _("FETCH response"));
      r->fetch = parse_fetch (r->number, ITEM (args, 0), error);
      return r->fetch != NULL;
    case OP_IMAP_DATA_VANISHED:
      {
        gsize i = 0;

        if (args->length == 2 && ITEM (args, 0)->kind == OP_IMAP_VALUE_LIST)
          {
            const OpImapValue *t = ITEM (args, 0);

            if (t->length != 1 || !op_imap_value_is_atom (ITEM (t, 0), "EARLIER"))
              return _op_imap_bad_data (error, _("VANISHED response"));
            r->vanished_earlier = TRUE;
            i = 1;
          }
        if (args->length != i + 1 || ITEM (args, i)->kind != OP_IMAP_VALUE_ATOM ||
            !_op_imap_sequence_set_valid (ITEM (args, i)->data, FALSE))
          return _op_imap_bad_data (error, _("VANISHED response"));
        r->set = g_strdup (ITEM (args, i)->data);
        return TRUE;
      }
    case OP_IMAP_DATA_NAMESPACE:
      if (args->length != 3)
        return _op_imap_bad_data (error, _("NAMESPACE response"));
      for (guint i = 0; i < 3; i++)
        {
          gboolean ok;

          r->namespaces[i] = parse_namespace (ITEM (args, i), &ok, error);
          if (!ok)
            return FALSE;
        }
      return TRUE;
    case OP_IMAP_DATA_ID:
      if (args->length != 1)
        return _op_imap_bad_data (error, _("ID response"));
      if (ITEM (args, 0)->kind == OP_IMAP_VALUE_NIL)
        return TRUE;
      {
        const OpImapValue *l = ITEM (args, 0);

        if (l->kind != OP_IMAP_VALUE_LIST || l->length % 2 != 0)
          return _op_imap_bad_data (error, _("ID response"));
        r->id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
        for (gsize i = 0; i < l->length; i += 2)
          {
            if (!is_string (ITEM (l, i)) || ITEM (l, i)->streamed || !is_nstring (ITEM (l, i + 1)))
              return _op_imap_bad_data (error, _("ID response"));
            g_hash_table_replace (r->id, g_ascii_strdown (ITEM (l, i)->data, -1),
                                  _op_imap_dup_nstring (ITEM (l, i + 1)));
          }
      }
      return TRUE;
    case OP_IMAP_DATA_EXISTS:
    case OP_IMAP_DATA_RECENT:
    case OP_IMAP_DATA_EXPUNGE:
    case OP_IMAP_DATA_OTHER:
    default:
      return TRUE;
    }
}
