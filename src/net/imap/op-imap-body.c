/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-imap-parser-private.h"

/*
 * Envelopes, addresses and body structures (RFC 3501 §7.4.2, RFC 3501 §9 body), from
 * their value trees, with the words a large FETCH repeats shared.
 */

/* --- shared words --------------------------------------------------------------------- */

/* A FETCH of 100,000 body structures repeats the same few words a million times ("text",
 * "plain", "7bit", "charset", "utf-8", section "1"…): those point to one constant copy
 * (never freed), everything else is the parser's own allocation. */
static const char *const common_words[] = {
  "", "1", "2", "3", "4", "5", "6", "7", "8", "9",
  "text", "plain", "html", "enriched", "calendar", "csv", "rfc822-headers",
  "multipart", "mixed", "alternative", "related", "signed", "encrypted", "report",
  "digest", "parallel", "message", "rfc822", "global", "delivery-status",
  "disposition-notification", "application", "octet-stream", "pdf", "zip", "json",
  "pgp-signature", "pgp-encrypted", "pkcs7-signature", "x-pkcs7-signature", "ics",
  "image", "png", "jpeg", "gif", "webp", "svg+xml", "audio", "video",
  "7bit", "8bit", "binary", "base64", "quoted-printable",
  "charset", "name", "boundary", "format", "flowed", "delsp", "yes", "no", "type",
  "method", "protocol", "micalg", "report-type", "filename", "size", "creation-date",
  "modification-date", "attachment", "inline",
  "utf-8", "UTF-8", "us-ascii", "US-ASCII", "iso-8859-1", "ISO-8859-1", "iso-8859-15",
  "windows-1252", "gb2312", "GB2312", "gbk", "GBK", "gb18030", "GB18030", "big5", "Big5",
  "shift_jis", "Shift_JIS", "iso-2022-jp", "ISO-2022-JP", "euc-kr", "koi8-r",
};

static GHashTable *
common_word_table (void)
{
  static GHashTable *table;

  if (g_once_init_enter (&table))
    {
      GHashTable *t = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint i = 0; i < G_N_ELEMENTS (common_words); i++)
        g_hash_table_add (t, (gpointer) common_words[i]);
      g_once_init_leave (&table, t);
    }
  return table;
}

static char *
shared_copy (const char *text)
{
  const char *shared = g_hash_table_lookup (common_word_table (), text);

  return shared != NULL ? (char *) shared : g_strdup (text);
}

static void
word_free (char *text)
{
  if (text != NULL && g_hash_table_lookup (common_word_table (), text) != (gpointer) text)
    g_free (text);
}

static void
words_free (char **words)
{
  if (words == NULL)
    return;
  for (guint i = 0; words[i] != NULL; i++)
    word_free (words[i]);
  g_free (words);
}

/* Lists of no addresses (Cc, Bcc and Sender are mostly NIL) share one empty array. */
static GPtrArray *
empty_address_list (void)
{
  static GPtrArray *empty;

  if (g_once_init_enter (&empty))
    g_once_init_leave (&empty, g_ptr_array_new ());
  return g_ptr_array_ref (empty);
}

/* --- freeing --------------------------------------------------------------------------- */

/* An address and its four strings are one allocation (packed_new). */
static void
address_free (gpointer data)
{
  g_free (data);
}

void
op_imap_envelope_free (OpImapEnvelope *e)
{
  if (e == NULL)
    return;
  /* date, subject, in_reply_to and message_id live in the envelope's allocation. */
  g_clear_pointer (&e->from, g_ptr_array_unref);
  g_clear_pointer (&e->sender, g_ptr_array_unref);
  g_clear_pointer (&e->reply_to, g_ptr_array_unref);
  g_clear_pointer (&e->to, g_ptr_array_unref);
  g_clear_pointer (&e->cc, g_ptr_array_unref);
  g_clear_pointer (&e->bcc, g_ptr_array_unref);
  g_free (e);
}

void
op_imap_body_part_free (OpImapBodyPart *p)
{
  if (p == NULL)
    return;
  word_free (p->type);
  word_free (p->subtype);
  word_free (p->section);
  words_free (p->params);
  g_free (p->id);
  g_free (p->description);
  word_free (p->encoding);
  op_imap_envelope_free (p->envelope);
  op_imap_body_part_free (p->message_body);
  g_free (p->md5);
  word_free (p->disposition);
  words_free (p->disposition_params);
  g_strfreev (p->languages);
  g_free (p->location);
  g_clear_pointer (&p->children, g_ptr_array_unref);
  g_free (p);
}

/* --- lookups --------------------------------------------------------------------------- */

const OpImapBodyPart *
op_imap_body_part_find (const OpImapBodyPart *body,
                        const char           *section)
{
  g_return_val_if_fail (section != NULL, NULL);

  if (body == NULL)
    return NULL;
  if (g_strcmp0 (body->section, section) == 0)
    return body;
  if (body->children != NULL)
    for (guint i = 0; i < body->children->len; i++)
      {
        const OpImapBodyPart *found = op_imap_body_part_find (body->children->pdata[i], section);

        if (found != NULL)
          return found;
      }
  if (body->message_body != NULL)
    return op_imap_body_part_find (body->message_body, section);
  return NULL;
}

const char *
op_imap_params_lookup (char * const *params,
                       const char   *name)
{
  if (params == NULL)
    return NULL;
  for (guint i = 0; params[i] != NULL && params[i + 1] != NULL; i += 2)
    if (g_ascii_strcasecmp (params[i], name) == 0)
      return params[i + 1];
  return NULL;
}

static char *
down_in_place (char *text)
{
  for (char *p = text; p != NULL && *p != '\0'; p++)
    *p = g_ascii_tolower (*p);
  return text;
}

/* The text of an nstring: the shared copy of a common word, else _op_imap_dup_nstring(). */
static char *
shared_nstring (const OpImapValue *v)
{
  const char *shared;

  if (v->kind == OP_IMAP_VALUE_NIL || v->data == NULL)
    return NULL;
  shared = g_hash_table_lookup (common_word_table (), v->data);
  return shared != NULL ? (char *) shared : _op_imap_dup_nstring (v);
}

static gboolean
value_equal (const OpImapValue *a,
             const OpImapValue *b)
{
  if (a->kind != b->kind || a->length != b->length || a->streamed || b->streamed)
    return FALSE;
  if (a->kind == OP_IMAP_VALUE_LIST)
    {
      for (gsize i = 0; i < a->length; i++)
        if (!value_equal (a->items[i], b->items[i]))
          return FALSE;
      return TRUE;
    }
  if (a->kind == OP_IMAP_VALUE_NIL)
    return TRUE;
  return a->data != NULL && b->data != NULL && memcmp (a->data, b->data, a->length) == 0;
}

/* One allocation holding a struct of @size bytes followed by copies of the nstrings
 * @values; each copy's address (or NULL for NIL) goes to the char * at the offsets
 * @fields in the struct. Envelopes and addresses are built this way: a FETCH of 100,000
 * messages holds half a million of them. */
static gpointer
packed_new (gsize                     size,
            const OpImapValue * const *values,
            const gsize               *fields,
            guint                      n)
{
  gsize total = size;
  char *block, *p;

  for (guint i = 0; i < n; i++)
    if (values[i]->kind != OP_IMAP_VALUE_NIL)
      total += values[i]->length + 1;
  block = g_malloc0 (total);
  p = block + size;
  for (guint i = 0; i < n; i++)
    {
      char **field = (char **) (block + fields[i]);

      if (values[i]->kind == OP_IMAP_VALUE_NIL)
        continue;
      memcpy (p, values[i]->data, values[i]->length);
      p[values[i]->length] = '\0';
      *field = p;
      p += values[i]->length + 1;
    }
  return block;
}

static GPtrArray *
parse_address_list (const OpImapValue  *v,
                    GError            **error)
{
  g_autoptr(GPtrArray) list = NULL;

  if (v->kind == OP_IMAP_VALUE_NIL || (v->kind == OP_IMAP_VALUE_LIST && v->length == 0))
    return empty_address_list ();
  /* Sized exactly: 100,000 envelopes hold 600,000 of these lists. */
  list = g_ptr_array_new_full (v->kind == OP_IMAP_VALUE_LIST ? v->length : 0, address_free);
  if (v->kind != OP_IMAP_VALUE_LIST)
    {
      _op_imap_bad_data (error, _("address list"));
      return NULL;
    }
  for (gsize i = 0; i < v->length; i++)
    {
      const OpImapValue *a = ITEM (v, i);
      OpImapAddress *addr;

      if (a->kind != OP_IMAP_VALUE_LIST || a->length != 4 || !is_nstring (ITEM (a, 0)) ||
          !is_nstring (ITEM (a, 1)) || !is_nstring (ITEM (a, 2)) || !is_nstring (ITEM (a, 3)))
        {
          _op_imap_bad_data (error, _("address"));
          return NULL;
        }
      {
        static const gsize fields[] = { G_STRUCT_OFFSET (OpImapAddress, name),
                                        G_STRUCT_OFFSET (OpImapAddress, adl),
                                        G_STRUCT_OFFSET (OpImapAddress, mailbox),
                                        G_STRUCT_OFFSET (OpImapAddress, host) };
        const OpImapValue *values[] = { ITEM (a, 0), ITEM (a, 1), ITEM (a, 2), ITEM (a, 3) };

        addr = packed_new (sizeof (OpImapAddress), values, fields, 4);
      }
      g_ptr_array_add (list, addr);
    }
  return g_steal_pointer (&list);
}

OpImapEnvelope *
_op_imap_parse_envelope (const OpImapValue  *v,
                         GError            **error)
{
  OpImapEnvelope *e;
  GPtrArray **lists[6];
  gboolean same_as_from[3] = { FALSE, FALSE, FALSE };

  if (v->kind != OP_IMAP_VALUE_LIST || v->length != 10)
    {
      _op_imap_bad_data (error, _("envelope"));
      return NULL;
    }
  for (guint i = 0; i < 10; i++)
    if (i < 2 || i > 7 ? !is_nstring (ITEM (v, i)) : FALSE)
      {
        _op_imap_bad_data (error, _("envelope"));
        return NULL;
      }
  {
    static const gsize fields[] = { G_STRUCT_OFFSET (OpImapEnvelope, date),
                                    G_STRUCT_OFFSET (OpImapEnvelope, subject),
                                    G_STRUCT_OFFSET (OpImapEnvelope, in_reply_to),
                                    G_STRUCT_OFFSET (OpImapEnvelope, message_id) };
    const OpImapValue *values[] = { ITEM (v, 0), ITEM (v, 1), ITEM (v, 8), ITEM (v, 9) };

    e = packed_new (sizeof (OpImapEnvelope), values, fields, 4);
  }
  lists[0] = &e->from;
  lists[1] = &e->sender;
  lists[2] = &e->reply_to;
  lists[3] = &e->to;
  lists[4] = &e->cc;
  lists[5] = &e->bcc;
  /* RFC 3501 §7.4.2: the server fills in Sender and Reply-To from From when the message
   * has none, so they are usually the same list: share it (lists are read-only). */
  same_as_from[1] = value_equal (ITEM (v, 2), ITEM (v, 3));
  same_as_from[2] = value_equal (ITEM (v, 2), ITEM (v, 4));
  for (guint i = 0; i < 6; i++)
    {
      if (i > 0 && i < 3 && same_as_from[i])
        {
          *lists[i] = g_ptr_array_ref (e->from);
          continue;
        }
      *lists[i] = parse_address_list (ITEM (v, 2 + i), error);
      if (*lists[i] == NULL)
        {
          op_imap_envelope_free (e);
          return NULL;
        }
    }
  return e;
}

/* Takes the string out of @v, in lower case. */
static char *
take_down (const OpImapValue *v)
{
  down_in_place (v->data);   /* the value tree is scratch */
  return shared_nstring (v);
}

/* body-fld-param: NIL or (name value ...). Names lower case. */
static gboolean
parse_params (const OpImapValue  *v,
              char             ***out,
              GError            **error)
{
  char **params;

  *out = NULL;
  if (v->kind == OP_IMAP_VALUE_NIL)
    return TRUE;
  if (v->kind != OP_IMAP_VALUE_LIST || v->length % 2 != 0)
    return _op_imap_bad_data (error, _("body parameter list"));
  for (gsize i = 0; i < v->length; i++)
    if (!is_string (ITEM (v, i)) || ITEM (v, i)->streamed)
      return _op_imap_bad_data (error, _("body parameter list"));
  params = g_new (char *, v->length + 1);
  for (gsize i = 0; i < v->length; i++)
    {
      if (i % 2 == 0)
        down_in_place (ITEM (v, i)->data);   /* the value tree is scratch */
      params[i] = shared_nstring (ITEM (v, i));
    }
  params[v->length] = NULL;
  *out = params;
  return TRUE;
}

/* body-ext-1part / body-ext-mpart after the MD5 (or the parameters): disposition,
 * language, location, extensions (ignored). */
static gboolean
parse_body_ext (OpImapBodyPart     *p,
                const OpImapValue  *v,
                gsize               i,
                GError            **error)
{
  if (i < v->length)
    {
      const OpImapValue *d = ITEM (v, i++);

      if (d->kind == OP_IMAP_VALUE_LIST)
        {
          if (d->length != 2 || !is_string (ITEM (d, 0)) || ITEM (d, 0)->streamed)
            return _op_imap_bad_data (error, _("content disposition"));
          p->disposition = take_down (ITEM (d, 0));
          if (!parse_params (ITEM (d, 1), &p->disposition_params, error))
            return FALSE;
        }
      else if (d->kind != OP_IMAP_VALUE_NIL)
        return _op_imap_bad_data (error, _("content disposition"));
    }
  if (i < v->length)
    {
      const OpImapValue *l = ITEM (v, i++);

      if (l->kind == OP_IMAP_VALUE_LIST)
        {
          GStrvBuilder *b = g_strv_builder_new ();

          for (gsize k = 0; k < l->length; k++)
            {
              if (!is_string (ITEM (l, k)) || ITEM (l, k)->streamed)
                {
                  g_strv_builder_unref (b);
                  return _op_imap_bad_data (error, _("content language"));
                }
              g_strv_builder_add (b, ITEM (l, k)->data);
            }
          p->languages = g_strv_builder_end (b);
          g_strv_builder_unref (b);
        }
      else if (is_nstring (l))
        {
          if (l->kind != OP_IMAP_VALUE_NIL)
            {
              const char *one[] = { l->data, NULL };

              p->languages = g_strdupv ((char **) one);
            }
        }
      else
        return _op_imap_bad_data (error, _("content language"));
    }
  if (i < v->length)
    {
      const OpImapValue *l = ITEM (v, i++);

      if (!is_nstring (l))
        return _op_imap_bad_data (error, _("content location"));
      p->location = _op_imap_dup_nstring (l);
    }
  /* body-extension: any nstring, number or nested list; kept by nobody. */
  return TRUE;
}

static char *
child_section (const char *prefix,
               guint       n)
{
  if (prefix == NULL || *prefix == '\0')
    return g_strdup_printf ("%u", n);
  return g_strdup_printf ("%s.%u", prefix, n);
}

/* @section: this part's section number; for a multipart, the prefix of its children. */
OpImapBodyPart *
_op_imap_parse_body (const OpImapValue  *v,
                     const char         *section,
                     gboolean            is_top,
                     guint               depth,
                     GError            **error)
{
  g_autoptr(OpImapBodyPart) p = NULL;
  gsize i;

  if (v->kind != OP_IMAP_VALUE_LIST || v->length < 2 || depth > OP_IMAP_MAX_DEPTH)
    {
      _op_imap_bad_data (error, _("body structure"));
      return NULL;
    }
  p = g_new0 (OpImapBodyPart, 1);

  if (ITEM (v, 0)->kind == OP_IMAP_VALUE_LIST)
    {
      /* body-type-mpart: 1*body SP media-subtype [SP body-ext-mpart] */
      p->type = g_strdup ("multipart");
      p->section = shared_copy (section);
      for (i = 0; i < v->length && ITEM (v, i)->kind == OP_IMAP_VALUE_LIST; i++)
        ;
      p->children = g_ptr_array_new_full (i, (GDestroyNotify) op_imap_body_part_free);
      for (i = 0; i < v->length && ITEM (v, i)->kind == OP_IMAP_VALUE_LIST; i++)
        {
          g_autofree char *cs = child_section (section, i + 1);
          OpImapBodyPart *child = _op_imap_parse_body (ITEM (v, i), cs, FALSE, depth + 1, error);

          if (child == NULL)
            return NULL;
          g_ptr_array_add (p->children, child);
        }
      if (i >= v->length || !is_string (ITEM (v, i)) || ITEM (v, i)->streamed)
        {
          _op_imap_bad_data (error, _("body structure"));
          return NULL;
        }
      p->subtype = take_down (ITEM (v, i));
      i++;
      if (i < v->length && !parse_params (ITEM (v, i++), &p->params, error))
        return NULL;
      if (!parse_body_ext (p, v, i, error))
        return NULL;
      return g_steal_pointer (&p);
    }

  /* body-type-1part: type subtype params id description encoding size ... */
  if (v->length < 7 || !is_string (ITEM (v, 0)) || !is_string (ITEM (v, 1)) ||
      ITEM (v, 0)->streamed || ITEM (v, 1)->streamed ||
      !is_nstring (ITEM (v, 3)) || !is_nstring (ITEM (v, 4)) || !is_nstring (ITEM (v, 5)))
    {
      _op_imap_bad_data (error, _("body structure"));
      return NULL;
    }
  p->type = take_down (ITEM (v, 0));
  p->subtype = take_down (ITEM (v, 1));
  p->section = shared_copy (is_top ? "1" : section);
  if (!parse_params (ITEM (v, 2), &p->params, error))
    return NULL;
  p->id = _op_imap_dup_nstring (ITEM (v, 3));
  p->description = _op_imap_dup_nstring (ITEM (v, 4));
  p->encoding = take_down (ITEM (v, 5));
  if (!op_imap_value_get_number (ITEM (v, 6), &p->size))
    {
      _op_imap_bad_data (error, _("body structure"));
      return NULL;
    }
  i = 7;
  if (g_str_equal (p->type, "message") &&
      (g_str_equal (p->subtype, "rfc822") || g_str_equal (p->subtype, "global")) &&
      v->length >= 10 && ITEM (v, 7)->kind == OP_IMAP_VALUE_LIST)
    {
      /* body-type-msg: envelope SP body SP body-fld-lines. The inner body's parts are
       * numbered under this part's section (RFC 3501 §6.4.5). */
      const OpImapValue *inner = ITEM (v, 8);

      p->envelope = _op_imap_parse_envelope (ITEM (v, 7), error);
      if (p->envelope == NULL)
        return NULL;
      if (inner->kind == OP_IMAP_VALUE_LIST && inner->length > 0 &&
          ITEM (inner, 0)->kind == OP_IMAP_VALUE_LIST)
        p->message_body = _op_imap_parse_body (inner, p->section, FALSE, depth + 1, error);
      else
        {
          g_autofree char *cs = child_section (p->section, 1);

          p->message_body = _op_imap_parse_body (inner, cs, FALSE, depth + 1, error);
        }
      if (p->message_body == NULL)
        return NULL;
      if (!op_imap_value_get_number (ITEM (v, 9), &p->lines))
        {
          _op_imap_bad_data (error, _("body structure"));
          return NULL;
        }
      i = 10;
    }
  else if (g_str_equal (p->type, "text"))
    {
      if (v->length < 8 || !op_imap_value_get_number (ITEM (v, 7), &p->lines))
        {
          _op_imap_bad_data (error, _("body structure"));
          return NULL;
        }
      i = 8;
    }
  if (i < v->length)
    {
      if (!is_nstring (ITEM (v, i)))
        {
          _op_imap_bad_data (error, _("body structure"));
          return NULL;
        }
      p->md5 = _op_imap_dup_nstring (ITEM (v, i));
      i++;
    }
  if (!parse_body_ext (p, v, i, error))
    return NULL;
  return g_steal_pointer (&p);
}
