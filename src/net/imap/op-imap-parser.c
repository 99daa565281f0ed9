/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "op-imap-parser.h"
#include "op-imap-utf7.h"

/*
 * Two layers. The framing layer (op_imap_parser_feed) collects one response: lines up to
 * LF, and after a line that ends in a literal header "{n}" or "{n+}", n bytes of
 * literal, kept in one buffer or handed to the literal sink. When a line ends without a
 * literal, the response is complete and the grammar layer (parse_response) reads it
 * with a recursive-descent tokenizer into values, then into typed data.
 */

typedef struct
{
  gsize    offset;     /* where its bytes start in the buffer */
  guint64  length;
  gboolean streamed;
} LiteralRecord;

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
esearch_free (OpImapEsearch *e)
{
  if (e == NULL)
    return;
  g_free (e->tag);
  g_free (e->all);
  g_free (e);
}

static void
namespace_free (gpointer data)
{
  OpImapNamespace *n = data;

  g_free (n->prefix);
  g_free (n);
}

static void
code_free (OpImapCode *c)
{
  if (c == NULL)
    return;
  g_free (c->name);
  g_free (c->raw);
  g_strfreev (c->list);
  g_free (c->source);
  g_free (c->dest);
  g_free (c);
}

void
op_imap_response_free (OpImapResponse *r)
{
  if (r == NULL)
    return;
  g_free (r->tag);
  code_free (r->code);
  g_free (r->text);
  g_free (r->name);
  op_imap_arena_free (r->arena);
  g_strfreev (r->strv);
  op_imap_list_entry_free (r->list);
  op_imap_mailbox_status_free (r->status_data);
  g_clear_pointer (&r->numbers, g_array_unref);
  esearch_free (r->esearch);
  op_imap_fetch_free (r->fetch);
  g_free (r->set);
  for (guint i = 0; i < 3; i++)
    g_clear_pointer (&r->namespaces[i], g_ptr_array_unref);
  g_clear_pointer (&r->id, g_hash_table_unref);
  g_free (r);
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

static gboolean
sequence_set_valid (const char *set,
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

  if (!sequence_set_valid (set, FALSE))
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

/* --- the tokenizer --------------------------------------------------------------------- */

typedef struct
{
  const char    *base;
  const char    *p;
  const char    *end;
  GArray        *literals;
  guint          next_literal;
  GError       **error;
  OpImapArena   *arena;
} Tok;

/* --- the values' arena ----------------------------------------------------------------- */

/*
 * The value tree of a response lives in an arena: a FETCH of 100,000 envelopes and body
 * structures is ten million values, and a malloc and free for each cost more than the
 * rest of the parse. The parser keeps one arena and empties it after each response
 * whose typed data took what it needed; a response that keeps its values (@args of
 * OP_IMAP_DATA_OTHER) takes the arena with it. Literals stay separate allocations
 * ("owned"), so typed data can take them without a copy.
 */
#define ARENA_BLOCK_SIZE (16 * 1024 - 64)

typedef struct _ArenaBlock ArenaBlock;
struct _ArenaBlock
{
  ArenaBlock *next;    /* older */
  gsize       used;
  gsize       size;
  guint64     data[];  /* 8-byte aligned */
};

struct _OpImapArena
{
  ArenaBlock *head;    /* newest; the first block is the last in the chain */
  GPtrArray  *owned;   /* OpImapValue: @data is a g_malloc()ed literal */
};

static OpImapArena *
arena_new (void)
{
  OpImapArena *a = g_new0 (OpImapArena, 1);

  a->head = g_malloc (sizeof (ArenaBlock) + ARENA_BLOCK_SIZE);
  a->head->next = NULL;
  a->head->used = 0;
  a->head->size = ARENA_BLOCK_SIZE;
  a->owned = g_ptr_array_new ();
  return a;
}

/* Frees everything allocated from @a; keeps its first block for the next response. */
static void
arena_reset (OpImapArena *a)
{
  for (guint i = 0; i < a->owned->len; i++)
    g_free (((OpImapValue *) a->owned->pdata[i])->data);
  g_ptr_array_set_size (a->owned, 0);
  while (a->head->next != NULL)
    {
      ArenaBlock *older = a->head->next;

      g_free (a->head);
      a->head = older;
    }
  a->head->used = 0;
}

void
op_imap_arena_free (OpImapArena *a)
{
  if (a == NULL)
    return;
  arena_reset (a);
  g_free (a->head);
  g_ptr_array_unref (a->owned);
  g_free (a);
}

static gpointer
arena_alloc (OpImapArena *a,
             gsize        size)
{
  gpointer p;

  size = (size + 7) & ~(gsize) 7;
  if (a->head->size - a->head->used < size)
    {
      gsize block = MAX (size, ARENA_BLOCK_SIZE);
      ArenaBlock *b = g_malloc (sizeof (ArenaBlock) + block);

      b->next = a->head;
      b->used = 0;
      b->size = block;
      a->head = b;
    }
  p = (char *) a->head->data + a->head->used;
  a->head->used += size;
  return p;
}

static gboolean
fail (Tok        *t,
      const char *what)
{
  if (t->error != NULL && *t->error == NULL)
    g_set_error (t->error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                 _("The server sent an invalid response (%s at byte %lu)."),
                 what, (gulong) (t->p - t->base));
  return FALSE;
}

static gboolean
at_eol (Tok *t)
{
  return t->p >= t->end || *t->p == '\r' || *t->p == '\n';
}

/* Skips the CRLF (or LF) ending a line. */
static gboolean
eat_eol (Tok *t)
{
  if (t->p < t->end && *t->p == '\r')
    t->p++;
  if (t->p < t->end && *t->p == '\n')
    {
      t->p++;
      return TRUE;
    }
  return fail (t, _("a line does not end where expected"));
}

static gboolean
is_atom_char (guchar c,
              gboolean in_code)
{
  if (c <= 0x20 || c >= 0x7f)
    return FALSE;
  switch (c)
    {
    case '(': case ')': case '{': case '"':
      return FALSE;
    case ']':
      return !in_code;
    default:
      return TRUE;
    }
}

static OpImapValue *
value_new (Tok             *t,
           OpImapValueKind  kind)
{
  OpImapValue *v = arena_alloc (t->arena, sizeof (OpImapValue));

  memset (v, 0, sizeof *v);
  v->kind = kind;
  return v;
}

/* The arguments of responses that keep none. */
static OpImapValue empty_list = { .kind = OP_IMAP_VALUE_LIST };

static OpImapValue *parse_value (Tok *t, guint depth, gboolean in_code);

static OpImapValue *
parse_quoted (Tok *t)
{
  const char *start = ++t->p;
  const char *q = start;
  gsize length = 0;
  OpImapValue *v;
  char *out;

  /* First find the end and the unescaped length, then copy once into an allocation of
   * exactly that size (a FETCH of 100,000 messages keeps a million of these). */
  for (;;)
    {
      if (q >= t->end || *q == '\r' || *q == '\n' || *q == '\0')
        {
          t->p = q;
          fail (t, _("an unterminated quoted string"));
          return NULL;
        }
      if (*q == '"')
        break;
      if (*q == '\\')
        {
          /* RFC 3501 quoted-specials: only \" and \\ are escapes. */
          q++;
          if (q >= t->end || (*q != '"' && *q != '\\'))
            {
              t->p = q;
              fail (t, _("a bad escape in a quoted string"));
              return NULL;
            }
        }
      q++;
      length++;
    }
  out = arena_alloc (t->arena, length + 1);
  for (gsize i = 0; i < length; i++)
    {
      if (*t->p == '\\')
        t->p++;
      out[i] = *t->p++;
    }
  out[length] = '\0';
  t->p = q + 1;
  v = value_new (t, OP_IMAP_VALUE_STRING);
  v->length = length;
  v->data = out;
  return v;
}

static OpImapValue *
parse_literal (Tok *t)
{
  const char *start = ++t->p;
  guint64 n;
  LiteralRecord *rec;
  OpImapValue *v;

  while (t->p < t->end && *t->p >= '0' && *t->p <= '9')
    t->p++;
  if (!op_imap_parse_number (start, t->p - start, G_MAXUINT64, &n))
    {
      fail (t, _("a bad literal size"));
      return NULL;
    }
  if (t->p < t->end && *t->p == '+')
    t->p++;
  if (t->p >= t->end || *t->p != '}')
    {
      fail (t, _("a bad literal header"));
      return NULL;
    }
  t->p++;
  if (!eat_eol (t))
    return NULL;
  if (t->next_literal >= t->literals->len)
    {
      fail (t, _("a literal header in the wrong place"));
      return NULL;
    }
  rec = &g_array_index (t->literals, LiteralRecord, t->next_literal);
  if (rec->offset != (gsize) (t->p - t->base) || rec->length != n)
    {
      fail (t, _("a literal header in the wrong place"));
      return NULL;
    }
  t->next_literal++;
  v = value_new (t, OP_IMAP_VALUE_STRING);
  v->is_literal = TRUE;
  v->length = n;
  if (rec->streamed)
    v->streamed = TRUE;
  else
    {
      v->data = g_malloc (n + 1);
      memcpy (v->data, t->p, n);
      v->data[n] = '\0';
      v->owned = TRUE;
      g_ptr_array_add (t->arena->owned, v);
      t->p += n;
    }
  return v;
}

static OpImapValue *
parse_atom (Tok      *t,
            gboolean  in_code)
{
  const char *start = t->p;
  OpImapValue *v;

  while (t->p < t->end)
    {
      guchar c = *t->p;

      if (c == '[' && !in_code)
        {
          /* BODY[HEADER.FIELDS (From "X-Y")]<0>: the section is part of the item name. */
          gboolean quoted = FALSE;

          t->p++;
          while (t->p < t->end && *t->p != '\r' && *t->p != '\n' && (quoted || *t->p != ']'))
            {
              if (*t->p == '"')
                quoted = !quoted;
              else if (*t->p == '\\' && quoted && t->p + 1 < t->end)
                t->p++;
              t->p++;
            }
          if (t->p >= t->end || *t->p != ']')
            {
              fail (t, _("an unterminated section"));
              return NULL;
            }
          t->p++;
          continue;
        }
      if (!is_atom_char (c, in_code))
        break;
      t->p++;
    }
  if (t->p == start)
    {
      fail (t, _("an unexpected character"));
      return NULL;
    }
  if (t->p - start == 3 && g_ascii_strncasecmp (start, "NIL", 3) == 0)
    return value_new (t, OP_IMAP_VALUE_NIL);
  v = value_new (t, OP_IMAP_VALUE_ATOM);
  v->length = t->p - start;
  v->data = arena_alloc (t->arena, v->length + 1);
  memcpy (v->data, start, v->length);
  v->data[v->length] = '\0';
  return v;
}

/* The values of one list while it is read: the first few on the stack, so a list costs
 * one exactly sized allocation (most lists in a FETCH hold two to ten values). */
typedef struct
{
  OpImapValue  *inline_items[16];
  OpImapValue **items;
  gsize         len;
  gsize         alloc;
} Items;

static void
items_init (Items *b)
{
  b->items = b->inline_items;
  b->len = 0;
  b->alloc = G_N_ELEMENTS (b->inline_items);
}

static void
items_add (Items       *b,
           OpImapValue *v)
{
  if (b->len == b->alloc)
    {
      gsize n = b->alloc * 2;

      if (b->items == b->inline_items)
        {
          b->items = g_new (OpImapValue *, n);
          memcpy (b->items, b->inline_items, b->len * sizeof (OpImapValue *));
        }
      else
        b->items = g_renew (OpImapValue *, b->items, n);
      b->alloc = n;
    }
  b->items[b->len++] = v;
}

/* The values themselves stay in the arena. */
static void
items_clear (Items *b)
{
  if (b->items != b->inline_items)
    g_free (b->items);
  items_init (b);
}

/* A list value holding the items. */
static OpImapValue *
items_to_list (Tok   *t,
               Items *b)
{
  OpImapValue *v = value_new (t, OP_IMAP_VALUE_LIST);

  v->length = b->len;
  if (b->len > 0)
    {
      v->items = arena_alloc (t->arena, b->len * sizeof (OpImapValue *));
      memcpy (v->items, b->items, b->len * sizeof (OpImapValue *));
    }
  items_clear (b);
  return v;
}

static OpImapValue *
parse_list (Tok      *t,
            guint     depth,
            gboolean  in_code)
{
  Items items;

  if (depth >= OP_IMAP_MAX_DEPTH)
    {
      fail (t, _("lists nested too deep"));
      return NULL;
    }
  t->p++;
  items_init (&items);
  for (;;)
    {
      OpImapValue *item;

      while (t->p < t->end && *t->p == ' ')
        t->p++;
      if (t->p < t->end && *t->p == ')')
        {
          t->p++;
          break;
        }
      if (at_eol (t))
        {
          fail (t, _("an unterminated list"));
          items_clear (&items);
          return NULL;
        }
      if (items.len > 0 && t->p[-1] != ' ' && t->p[-1] != '\n' && t->p[-1] != '(' &&
          *t->p != '(' && t->p[-1] != ')')
        {
          /* Two values need a space between them ("a"b is not a list of two). */
          fail (t, _("values without a space between them"));
          items_clear (&items);
          return NULL;
        }
      if (items.len >= OP_IMAP_MAX_LIST_ITEMS)
        {
          fail (t, _("a list that is too long"));
          items_clear (&items);
          return NULL;
        }
      item = parse_value (t, depth + 1, in_code);
      if (item == NULL)
        {
          items_clear (&items);
          return NULL;
        }
      items_add (&items, item);
    }
  return items_to_list (t, &items);
}

static OpImapValue *
parse_value (Tok      *t,
             guint     depth,
             gboolean  in_code)
{
  if (t->p >= t->end)
    {
      fail (t, _("a missing value"));
      return NULL;
    }
  switch (*t->p)
    {
    case '(':
      return parse_list (t, depth, in_code);
    case '"':
      return parse_quoted (t);
    case '{':
      return parse_literal (t);
    default:
      return parse_atom (t, in_code);
    }
}

/* Values separated by single spaces up to the end of the line, as one list. */
static OpImapValue *
parse_args (Tok      *t,
            gboolean  in_code)
{
  Items items;

  items_init (&items);
  for (;;)
    {
      OpImapValue *item;

      if (at_eol (t))
        break;
      if (*t->p != ' ')
        {
          items_clear (&items);
          fail (t, in_code ? _("a bad response code") : _("values without a space between them"));
          return NULL;
        }
      t->p++;
      /* Some servers end "* SEARCH " with a space. */
      if (at_eol (t))
        break;
      if (items.len >= OP_IMAP_MAX_LIST_ITEMS || (in_code && *t->p == '{'))
        {
          items_clear (&items);
          fail (t, in_code ? _("a bad response code") : _("a list that is too long"));
          return NULL;
        }
      item = parse_value (t, 0, in_code);
      if (item == NULL)
        {
          items_clear (&items);
          return NULL;
        }
      items_add (&items, item);
    }
  return items_to_list (t, &items);
}

/* --- typed data ------------------------------------------------------------------------ */

#define ITEM(v, i) ((v)->items[(i)])

static char *
down_in_place (char *text)
{
  for (char *p = text; p != NULL && *p != '\0'; p++)
    *p = g_ascii_tolower (*p);
  return text;
}

/* The text of an nstring as a new allocation (NULL for NIL); a literal is taken out of
 * the value tree (which is dropped after the typed data is built) without a copy. */
static char *
dup_nstring (const OpImapValue *v)
{
  char *text;

  if (v->kind == OP_IMAP_VALUE_NIL)
    return NULL;
  if (!v->owned)
    return g_memdup2 (v->data, v->length + 1);
  text = v->data;
  ((OpImapValue *) v)->data = NULL;
  return text;
}

/* The text of an nstring: the shared copy of a common word, else dup_nstring(). */
static char *
shared_nstring (const OpImapValue *v)
{
  const char *shared;

  if (v->kind == OP_IMAP_VALUE_NIL || v->data == NULL)
    return NULL;
  shared = g_hash_table_lookup (common_word_table (), v->data);
  return shared != NULL ? (char *) shared : dup_nstring (v);
}

static gboolean
is_string (const OpImapValue *v)
{
  return v->kind == OP_IMAP_VALUE_STRING || v->kind == OP_IMAP_VALUE_ATOM;
}

/* A string that is not a streamed literal, or NIL. */
static gboolean
is_nstring (const OpImapValue *v)
{
  return (is_string (v) && !v->streamed) || v->kind == OP_IMAP_VALUE_NIL;
}

static gboolean
bad_data (GError     **error,
          const char  *what)
{
  if (error != NULL && *error == NULL)
    g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                 _("The server sent an invalid %s."), what);
  return FALSE;
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
      bad_data (error, _("address list"));
      return NULL;
    }
  for (gsize i = 0; i < v->length; i++)
    {
      const OpImapValue *a = ITEM (v, i);
      OpImapAddress *addr;

      if (a->kind != OP_IMAP_VALUE_LIST || a->length != 4 || !is_nstring (ITEM (a, 0)) ||
          !is_nstring (ITEM (a, 1)) || !is_nstring (ITEM (a, 2)) || !is_nstring (ITEM (a, 3)))
        {
          bad_data (error, _("address"));
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

static OpImapEnvelope *
parse_envelope (const OpImapValue  *v,
                GError            **error)
{
  OpImapEnvelope *e;
  GPtrArray **lists[6];
  gboolean same_as_from[3] = { FALSE, FALSE, FALSE };

  if (v->kind != OP_IMAP_VALUE_LIST || v->length != 10)
    {
      bad_data (error, _("envelope"));
      return NULL;
    }
  for (guint i = 0; i < 10; i++)
    if (i < 2 || i > 7 ? !is_nstring (ITEM (v, i)) : FALSE)
      {
        bad_data (error, _("envelope"));
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
    return bad_data (error, _("body parameter list"));
  for (gsize i = 0; i < v->length; i++)
    if (!is_string (ITEM (v, i)) || ITEM (v, i)->streamed)
      return bad_data (error, _("body parameter list"));
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
            return bad_data (error, _("content disposition"));
          p->disposition = take_down (ITEM (d, 0));
          if (!parse_params (ITEM (d, 1), &p->disposition_params, error))
            return FALSE;
        }
      else if (d->kind != OP_IMAP_VALUE_NIL)
        return bad_data (error, _("content disposition"));
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
                  return bad_data (error, _("content language"));
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
        return bad_data (error, _("content language"));
    }
  if (i < v->length)
    {
      const OpImapValue *l = ITEM (v, i++);

      if (!is_nstring (l))
        return bad_data (error, _("content location"));
      p->location = dup_nstring (l);
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

static OpImapBodyPart *parse_body (const OpImapValue *v, const char *section,
                                   gboolean is_top, guint depth, GError **error);

/* @section: this part's section number; for a multipart, the prefix of its children. */
static OpImapBodyPart *
parse_body (const OpImapValue  *v,
            const char         *section,
            gboolean            is_top,
            guint               depth,
            GError            **error)
{
  g_autoptr(OpImapBodyPart) p = NULL;
  gsize i;

  if (v->kind != OP_IMAP_VALUE_LIST || v->length < 2 || depth > OP_IMAP_MAX_DEPTH)
    {
      bad_data (error, _("body structure"));
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
          OpImapBodyPart *child = parse_body (ITEM (v, i), cs, FALSE, depth + 1, error);

          if (child == NULL)
            return NULL;
          g_ptr_array_add (p->children, child);
        }
      if (i >= v->length || !is_string (ITEM (v, i)) || ITEM (v, i)->streamed)
        {
          bad_data (error, _("body structure"));
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
      bad_data (error, _("body structure"));
      return NULL;
    }
  p->type = take_down (ITEM (v, 0));
  p->subtype = take_down (ITEM (v, 1));
  p->section = shared_copy (is_top ? "1" : section);
  if (!parse_params (ITEM (v, 2), &p->params, error))
    return NULL;
  p->id = dup_nstring (ITEM (v, 3));
  p->description = dup_nstring (ITEM (v, 4));
  p->encoding = take_down (ITEM (v, 5));
  if (!op_imap_value_get_number (ITEM (v, 6), &p->size))
    {
      bad_data (error, _("body structure"));
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

      p->envelope = parse_envelope (ITEM (v, 7), error);
      if (p->envelope == NULL)
        return NULL;
      if (inner->kind == OP_IMAP_VALUE_LIST && inner->length > 0 &&
          ITEM (inner, 0)->kind == OP_IMAP_VALUE_LIST)
        p->message_body = parse_body (inner, p->section, FALSE, depth + 1, error);
      else
        {
          g_autofree char *cs = child_section (p->section, 1);

          p->message_body = parse_body (inner, cs, FALSE, depth + 1, error);
        }
      if (p->message_body == NULL)
        return NULL;
      if (!op_imap_value_get_number (ITEM (v, 9), &p->lines))
        {
          bad_data (error, _("body structure"));
          return NULL;
        }
      i = 10;
    }
  else if (g_str_equal (p->type, "text"))
    {
      if (v->length < 8 || !op_imap_value_get_number (ITEM (v, 7), &p->lines))
        {
          bad_data (error, _("body structure"));
          return NULL;
        }
      i = 8;
    }
  if (i < v->length)
    {
      if (!is_nstring (ITEM (v, i)))
        {
          bad_data (error, _("body structure"));
          return NULL;
        }
      p->md5 = dup_nstring (ITEM (v, i));
      i++;
    }
  if (!parse_body_ext (p, v, i, error))
    return NULL;
  return g_steal_pointer (&p);
}


static char **
parse_atom_list (const OpImapValue *v)
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
    out[i] = dup_nstring (ITEM (v, i));
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
      bad_data (error, _("FETCH response"));
      return NULL;
    }
  for (gsize i = 0; i < v->length; i += 2)
    {
      const OpImapValue *name = ITEM (v, i);
      const OpImapValue *value = ITEM (v, i + 1);
      const char *n;

      if (name->kind != OP_IMAP_VALUE_ATOM)
        {
          bad_data (error, _("FETCH response"));
          return NULL;
        }
      n = name->data;
      if (g_ascii_strcasecmp (n, "UID") == 0)
        {
          if (!op_imap_value_get_number (value, &f->uid) || f->uid == 0)
            {
              bad_data (error, _("UID"));
              return NULL;
            }
          f->items |= OP_IMAP_FETCH_UID;
        }
      else if (g_ascii_strcasecmp (n, "FLAGS") == 0)
        {
          g_strfreev (f->flags);
          f->flags = parse_atom_list (value);
          if (f->flags == NULL)
            {
              bad_data (error, _("flag list"));
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
              bad_data (error, _("INTERNALDATE"));
              return NULL;
            }
          f->items |= OP_IMAP_FETCH_INTERNALDATE;
        }
      else if (g_ascii_strcasecmp (n, "RFC822.SIZE") == 0)
        {
          if (!op_imap_value_get_number (value, &f->size))
            {
              bad_data (error, _("RFC822.SIZE"));
              return NULL;
            }
          f->items |= OP_IMAP_FETCH_SIZE;
        }
      else if (g_ascii_strcasecmp (n, "ENVELOPE") == 0)
        {
          op_imap_envelope_free (f->envelope);
          f->envelope = parse_envelope (value, error);
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
          f->body = parse_body (value, "", !multi, 0, error);
          if (f->body == NULL)
            return NULL;
          f->items |= OP_IMAP_FETCH_BODYSTRUCTURE;
        }
      else if (g_ascii_strcasecmp (n, "MODSEQ") == 0)
        {
          if (value->kind != OP_IMAP_VALUE_LIST || value->length != 1 ||
              !op_imap_value_get_number64 (ITEM (value, 0), &f->modseq))
            {
              bad_data (error, _("MODSEQ"));
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
              bad_data (error, _("body section"));
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
              s->data = g_bytes_new_take (dup_nstring (value), value->length);
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
      bad_data (error, _("LIST response"));
      return NULL;
    }
  e = g_new0 (OpImapListEntry, 1);
  e->attributes = parse_atom_list (ITEM (args, 0));
  if (e->attributes == NULL)
    {
      bad_data (error, _("LIST response"));
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
      bad_data (error, _("folder name"));
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
          bad_data (error, _("LIST response"));
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
      bad_data (error, _("STATUS response"));
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
          bad_data (error, _("STATUS response"));
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
  bad_data (error, _("STATUS response"));
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
            return bad_data (error, _("SEARCH response"));
          continue;
        }
      if (!op_imap_value_get_number (v, &n) || n == 0)
        return bad_data (error, _("SEARCH response"));
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
        return bad_data (error, _("ESEARCH response"));
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
        return bad_data (error, _("ESEARCH response"));
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
          ok = v->kind == OP_IMAP_VALUE_ATOM && sequence_set_valid (v->data, FALSE);
          if (ok)
            {
              g_free (e->all);
              e->all = g_strdup (v->data);
            }
        }
      if (!ok)
        return bad_data (error, _("ESEARCH response"));
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
      bad_data (error, _("NAMESPACE response"));
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
          bad_data (error, _("NAMESPACE response"));
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

static gboolean
parse_typed_data (OpImapResponse  *r,
                  GError         **error)
{
  const OpImapValue *args = r->args;

  switch (r->data)
    {
    case OP_IMAP_DATA_CAPABILITY:
    case OP_IMAP_DATA_ENABLED:
      r->strv = parse_atom_list (args);
      if (r->strv == NULL)
        return bad_data (error, _("capability list"));
      return TRUE;
    case OP_IMAP_DATA_FLAGS:
      if (args->length != 1 || (r->strv = parse_atom_list (ITEM (args, 0))) == NULL)
        return bad_data (error, _("flag list"));
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
        return bad_data (error, _("FETCH response"));
      r->fetch = parse_fetch (r->number, ITEM (args, 0), error);
      return r->fetch != NULL;
    case OP_IMAP_DATA_VANISHED:
      {
        gsize i = 0;

        if (args->length == 2 && ITEM (args, 0)->kind == OP_IMAP_VALUE_LIST)
          {
            const OpImapValue *t = ITEM (args, 0);

            if (t->length != 1 || !op_imap_value_is_atom (ITEM (t, 0), "EARLIER"))
              return bad_data (error, _("VANISHED response"));
            r->vanished_earlier = TRUE;
            i = 1;
          }
        if (args->length != i + 1 || ITEM (args, i)->kind != OP_IMAP_VALUE_ATOM ||
            !sequence_set_valid (ITEM (args, i)->data, FALSE))
          return bad_data (error, _("VANISHED response"));
        r->set = g_strdup (ITEM (args, i)->data);
        return TRUE;
      }
    case OP_IMAP_DATA_NAMESPACE:
      if (args->length != 3)
        return bad_data (error, _("NAMESPACE response"));
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
        return bad_data (error, _("ID response"));
      if (ITEM (args, 0)->kind == OP_IMAP_VALUE_NIL)
        return TRUE;
      {
        const OpImapValue *l = ITEM (args, 0);

        if (l->kind != OP_IMAP_VALUE_LIST || l->length % 2 != 0)
          return bad_data (error, _("ID response"));
        r->id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
        for (gsize i = 0; i < l->length; i += 2)
          {
            if (!is_string (ITEM (l, i)) || ITEM (l, i)->streamed || !is_nstring (ITEM (l, i + 1)))
              return bad_data (error, _("ID response"));
            g_hash_table_replace (r->id, g_ascii_strdown (ITEM (l, i)->data, -1),
                                  dup_nstring (ITEM (l, i + 1)));
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

/* --- response codes -------------------------------------------------------------------- */

static const struct
{
  const char     *name;
  OpImapCodeKind  kind;
} code_names[] = {
  { "ALERT", OP_IMAP_CODE_ALERT },
  { "BADCHARSET", OP_IMAP_CODE_BADCHARSET },
  { "CAPABILITY", OP_IMAP_CODE_CAPABILITY },
  { "PARSE", OP_IMAP_CODE_PARSE },
  { "PERMANENTFLAGS", OP_IMAP_CODE_PERMANENTFLAGS },
  { "READ-ONLY", OP_IMAP_CODE_READ_ONLY },
  { "READ-WRITE", OP_IMAP_CODE_READ_WRITE },
  { "TRYCREATE", OP_IMAP_CODE_TRYCREATE },
  { "UIDNEXT", OP_IMAP_CODE_UIDNEXT },
  { "UIDVALIDITY", OP_IMAP_CODE_UIDVALIDITY },
  { "UNSEEN", OP_IMAP_CODE_UNSEEN },
  { "HIGHESTMODSEQ", OP_IMAP_CODE_HIGHESTMODSEQ },
  { "NOMODSEQ", OP_IMAP_CODE_NOMODSEQ },
  { "MODIFIED", OP_IMAP_CODE_MODIFIED },
  { "CLOSED", OP_IMAP_CODE_CLOSED },
  { "APPENDUID", OP_IMAP_CODE_APPENDUID },
  { "COPYUID", OP_IMAP_CODE_COPYUID },
  { "UIDNOTSTICKY", OP_IMAP_CODE_UIDNOTSTICKY },
  { "AUTHENTICATIONFAILED", OP_IMAP_CODE_AUTHENTICATIONFAILED },
  { "AUTHORIZATIONFAILED", OP_IMAP_CODE_AUTHORIZATIONFAILED },
  { "UNAVAILABLE", OP_IMAP_CODE_UNAVAILABLE },
  { "EXPIRED", OP_IMAP_CODE_EXPIRED },
  { "PRIVACYREQUIRED", OP_IMAP_CODE_PRIVACYREQUIRED },
  { "NONEXISTENT", OP_IMAP_CODE_NONEXISTENT },
  { "ALREADYEXISTS", OP_IMAP_CODE_ALREADYEXISTS },
  { "NOPERM", OP_IMAP_CODE_NOPERM },
  { "OVERQUOTA", OP_IMAP_CODE_OVERQUOTA },
  { "LIMIT", OP_IMAP_CODE_LIMIT },
  { "INUSE", OP_IMAP_CODE_INUSE },
  { "CANNOT", OP_IMAP_CODE_CANNOT },
  { "SERVERBUG", OP_IMAP_CODE_SERVERBUG },
};

/* The code's values come from @arena, the response's: they are dropped with it. */
static gboolean
parse_code_args (OpImapCode   *c,
                 OpImapArena  *arena,
                 GError      **error)
{
  g_autoptr(GArray) empty = g_array_new (FALSE, FALSE, sizeof (LiteralRecord));
  g_autofree char *line = NULL;
  OpImapValue *args;
  Tok t = { 0 };
  gsize n;

  line = g_strconcat (" ", c->raw != NULL ? c->raw : "", NULL);
  t.base = t.p = line;
  t.end = line + strlen (line);
  t.literals = empty;
  t.error = error;
  t.arena = arena;
  /* Tokenized like arguments, but "]" ends an atom. */
  args = parse_args (&t, TRUE);
  if (args == NULL)
    return FALSE;
  n = args->length;

  switch (c->kind)
    {
    case OP_IMAP_CODE_UIDNEXT:
    case OP_IMAP_CODE_UIDVALIDITY:
    case OP_IMAP_CODE_UNSEEN:
      {
        guint32 v;

        if (n != 1 || !op_imap_value_get_number (ITEM (args, 0), &v))
          return bad_data (error, c->name);
        c->number = v;
        return TRUE;
      }
    case OP_IMAP_CODE_HIGHESTMODSEQ:
      if (n != 1 || !op_imap_value_get_number64 (ITEM (args, 0), &c->number))
        return bad_data (error, c->name);
      return TRUE;
    case OP_IMAP_CODE_PERMANENTFLAGS:
      if (n != 1 || (c->list = parse_atom_list (ITEM (args, 0))) == NULL)
        return bad_data (error, c->name);
      return TRUE;
    case OP_IMAP_CODE_BADCHARSET:
      if (n == 0)
        return TRUE;
      if (n != 1 || ITEM (args, 0)->kind != OP_IMAP_VALUE_LIST)
        return bad_data (error, c->name);
      {
        GStrvBuilder *b = g_strv_builder_new ();
        const OpImapValue *l = ITEM (args, 0);

        for (gsize i = 0; i < l->length; i++)
          if (is_string (ITEM (l, i)))
            g_strv_builder_add (b, ITEM (l, i)->data);
        c->list = g_strv_builder_end (b);
        g_strv_builder_unref (b);
      }
      return TRUE;
    case OP_IMAP_CODE_CAPABILITY:
      {
        g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

        for (gsize i = 0; i < n; i++)
          {
            if (ITEM (args, i)->kind != OP_IMAP_VALUE_ATOM)
              return bad_data (error, c->name);
            g_strv_builder_add (b, ITEM (args, i)->data);
          }
        c->list = g_strv_builder_end (b);
        return TRUE;
      }
    case OP_IMAP_CODE_APPENDUID:
      {
        guint32 v;

        /* RFC 4315: uidvalidity SP append-uid (a set for MULTIAPPEND). */
        if (n != 2 || !op_imap_value_get_number (ITEM (args, 0), &v) ||
            ITEM (args, 1)->kind != OP_IMAP_VALUE_ATOM ||
            !sequence_set_valid (ITEM (args, 1)->data, FALSE))
          return bad_data (error, c->name);
        c->number = v;
        c->dest = g_strdup (ITEM (args, 1)->data);
        return TRUE;
      }
    case OP_IMAP_CODE_COPYUID:
      {
        guint32 v;

        if (n != 3 || !op_imap_value_get_number (ITEM (args, 0), &v) ||
            ITEM (args, 1)->kind != OP_IMAP_VALUE_ATOM ||
            ITEM (args, 2)->kind != OP_IMAP_VALUE_ATOM ||
            !sequence_set_valid (ITEM (args, 1)->data, FALSE) ||
            !sequence_set_valid (ITEM (args, 2)->data, FALSE))
          return bad_data (error, c->name);
        c->number = v;
        c->source = g_strdup (ITEM (args, 1)->data);
        c->dest = g_strdup (ITEM (args, 2)->data);
        return TRUE;
      }
    case OP_IMAP_CODE_MODIFIED:
      if (n != 1 || ITEM (args, 0)->kind != OP_IMAP_VALUE_ATOM ||
          !sequence_set_valid (ITEM (args, 0)->data, FALSE))
        return bad_data (error, c->name);
      c->source = g_strdup (ITEM (args, 0)->data);
      return TRUE;
    default:
      return TRUE;
    }
}

/* resp-text: ["[" resp-text-code "]" SP] text, up to the end of the line. */
static gboolean
parse_resp_text (Tok             *t,
                 OpImapResponse  *r)
{
  const char *start;

  if (t->p < t->end && *t->p == ' ')
    t->p++;
  if (t->p < t->end && *t->p == '[')
    {
      const char *name_start = ++t->p;
      const char *close, *name_end;
      OpImapCode *c;

      close = t->p;
      while (close < t->end && *close != ']' && *close != '\r' && *close != '\n')
        close++;
      if (close >= t->end || *close != ']')
        return fail (t, _("an unterminated response code"));
      name_end = name_start;
      while (name_end < close && *name_end != ' ')
        name_end++;
      if (name_end == name_start)
        return fail (t, _("an empty response code"));
      c = g_new0 (OpImapCode, 1);
      r->code = c;
      c->name = g_ascii_strup (name_start, name_end - name_start);
      c->kind = OP_IMAP_CODE_OTHER;
      for (guint i = 0; i < G_N_ELEMENTS (code_names); i++)
        if (g_str_equal (c->name, code_names[i].name))
          c->kind = code_names[i].kind;
      if (name_end < close)
        c->raw = g_strndup (name_end + 1, close - name_end - 1);
      for (const char *q = name_start; q < close; q++)
        if ((guchar) *q < 0x20 || *q == 0x7f)
          return fail (t, _("a bad response code"));
      if (!parse_code_args (c, t->arena, t->error))
        return FALSE;
      t->p = close + 1;
      if (t->p < t->end && *t->p == ' ')
        t->p++;
    }
  start = t->p;
  while (!at_eol (t))
    {
      if (*t->p == '\0')
        return fail (t, _("a NUL byte in a text"));
      t->p++;
    }
  r->text = g_strndup (start, t->p - start);
  return eat_eol (t);
}

static const struct
{
  const char     *name;
  OpImapDataKind  kind;
} data_names[] = {
  { "CAPABILITY", OP_IMAP_DATA_CAPABILITY },
  { "ENABLED", OP_IMAP_DATA_ENABLED },
  { "LIST", OP_IMAP_DATA_LIST },
  { "LSUB", OP_IMAP_DATA_LSUB },
  { "STATUS", OP_IMAP_DATA_STATUS },
  { "SEARCH", OP_IMAP_DATA_SEARCH },
  { "ESEARCH", OP_IMAP_DATA_ESEARCH },
  { "FLAGS", OP_IMAP_DATA_FLAGS },
  { "VANISHED", OP_IMAP_DATA_VANISHED },
  { "NAMESPACE", OP_IMAP_DATA_NAMESPACE },
  { "ID", OP_IMAP_DATA_ID },
};

static gboolean
status_word (const char   *word,
             gsize         length,
             OpImapStatus *status)
{
  static const char *words[] = { "OK", "NO", "BAD", "BYE", "PREAUTH" };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (length == strlen (words[i]) && g_ascii_strncasecmp (word, words[i], length) == 0)
      {
        *status = (OpImapStatus) i;
        return TRUE;
      }
  return FALSE;
}

static const char *
word_end (const char *p,
          const char *end)
{
  while (p < end && *p != ' ' && *p != '\r' && *p != '\n')
    p++;
  return p;
}

static OpImapResponse *parse_response_tok (Tok *tok, gsize length, GError **error);

/* Reads one response; its values come from *@arena, which the response takes when it
 * keeps them (*@arena is then NULL) and which is otherwise emptied for the next one. */
static OpImapResponse *
parse_response (const char    *data,
                gsize          length,
                GArray        *literals,
                OpImapArena  **arena,
                GError       **error)
{
  g_autoptr(OpImapResponse) r = NULL;
  Tok t = { data, data, data + length, literals, 0, error, NULL };

  if (*arena == NULL)
    *arena = arena_new ();
  t.arena = *arena;
  r = parse_response_tok (&t, length, error);
  if (r != NULL && r->args != NULL && r->args != &empty_list)
    r->arena = g_steal_pointer (arena);
  else
    arena_reset (*arena);
  return g_steal_pointer (&r);
}

static OpImapResponse *
parse_response_tok (Tok     *tok,
                    gsize    length,
                    GError **error)
{
  g_autoptr(OpImapResponse) r = g_new0 (OpImapResponse, 1);
  Tok t = *tok;
  const char *w, *we;

  if (length == 0)
    {
      fail (&t, _("an empty line"));
      return NULL;
    }
  if (*t.p == '+')
    {
      const char *start;

      r->kind = OP_IMAP_RESPONSE_CONTINUATION;
      t.p++;
      if (t.p < t.end && *t.p == ' ')
        t.p++;
      start = t.p;
      while (!at_eol (&t))
        t.p++;
      r->text = g_strndup (start, t.p - start);
      if (!eat_eol (&t))
        return NULL;
    }
  else
    {
      w = t.p;
      we = word_end (w, t.end);
      if (we == w || we >= t.end || *we != ' ')
        {
          fail (&t, _("a response without a tag"));
          return NULL;
        }
      if (we - w == 1 && *w == '*')
        {
          t.p = we + 1;
          w = t.p;
          we = word_end (w, t.end);
          if (we == w)
            {
              fail (&t, _("an untagged response without a name"));
              return NULL;
            }
          if (*w >= '0' && *w <= '9')
            {
              guint64 n;

              /* "* 23 EXISTS", "* 5 FETCH (…)" */
              if (!op_imap_parse_number (w, we - w, G_MAXUINT32, &n) || we >= t.end ||
                  *we != ' ')
                {
                  t.p = w;
                  fail (&t, _("a bad message number"));
                  return NULL;
                }
              r->kind = OP_IMAP_RESPONSE_DATA;
              r->number = (guint32) n;
              t.p = we + 1;
              w = t.p;
              we = word_end (w, t.end);
              r->name = g_ascii_strup (w, we - w);
              if (g_str_equal (r->name, "EXISTS"))
                r->data = OP_IMAP_DATA_EXISTS;
              else if (g_str_equal (r->name, "RECENT"))
                r->data = OP_IMAP_DATA_RECENT;
              else if (g_str_equal (r->name, "EXPUNGE") && n > 0)
                r->data = OP_IMAP_DATA_EXPUNGE;
              else if (g_str_equal (r->name, "FETCH") && n > 0)
                r->data = OP_IMAP_DATA_FETCH;
              else
                {
                  fail (&t, _("an unknown message data response"));
                  return NULL;
                }
              t.p = we;
              if (r->data == OP_IMAP_DATA_FETCH)
                {
                  /* One list, but read with the argument rules. */
                  r->args = parse_args (&t, FALSE);
                }
              else
                r->args = &empty_list;
              if (r->args == NULL || !eat_eol (&t))
                return NULL;
            }
          else if (status_word (w, we - w, &r->status))
            {
              r->kind = OP_IMAP_RESPONSE_STATUS;
              t.p = we;
              if (!parse_resp_text (&t, r))
                return NULL;
            }
          else
            {
              r->kind = OP_IMAP_RESPONSE_DATA;
              for (const char *q = w; q < we; q++)
                if (!is_atom_char (*q, TRUE))
                  {
                    t.p = q;
                    fail (&t, _("a bad response name"));
                    return NULL;
                  }
              r->name = g_ascii_strup (w, we - w);
              for (guint i = 0; i < G_N_ELEMENTS (data_names); i++)
                if (g_str_equal (r->name, data_names[i].name))
                  r->data = data_names[i].kind;
              t.p = we;
              r->args = parse_args (&t, FALSE);
              if (r->args == NULL || !eat_eol (&t))
                return NULL;
            }
        }
      else
        {
          for (const char *q = w; q < we; q++)
            if (!is_atom_char (*q, TRUE) || *q == '+')
              {
                t.p = q;
                fail (&t, _("a bad tag"));
                return NULL;
              }
          r->kind = OP_IMAP_RESPONSE_TAGGED;
          r->tag = g_strndup (w, we - w);
          t.p = we + 1;
          w = t.p;
          we = word_end (w, t.end);
          if (!status_word (w, we - w, &r->status) || r->status > OP_IMAP_STATUS_BAD)
            {
              fail (&t, _("a tagged response that is not OK, NO or BAD"));
              return NULL;
            }
          t.p = we;
          if (!parse_resp_text (&t, r))
            return NULL;
        }
    }
  if (t.p != t.end)
    {
      fail (&t, _("data after the end of a response"));
      return NULL;
    }
  if (r->kind == OP_IMAP_RESPONSE_DATA)
    {
      if (!parse_typed_data (r, error))
        return NULL;
      /* Typed data took what it needed from the values. */
      if (r->data != OP_IMAP_DATA_OTHER)
        {
          r->args = &empty_list;
        }
    }
  return g_steal_pointer (&r);
}

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
  w = word_end (p, end);
  if (w >= end)
    return FALSE;
  w++;
  we = word_end (w, end);
  return !status_word (w, we - w, &status);
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
      *response = parse_response ((const char *) self->buf->data, self->buf->len,
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
