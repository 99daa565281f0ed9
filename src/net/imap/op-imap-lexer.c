/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-imap-parser-private.h"

/*
 * The grammar's first layer (RFC 3501 §9): a response's line and literals, tokenized by
 * recursive descent into an OpImapValue tree that lives in one arena per response.
 */

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

OpImapArena *
_op_imap_arena_new (void)
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
void
_op_imap_arena_reset (OpImapArena *a)
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
  _op_imap_arena_reset (a);
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

/* --- the tokenizer --------------------------------------------------------------------- */

gboolean
_op_imap_tok_fail (Tok        *t,
                   const char *what)
{
  if (t->error != NULL && *t->error == NULL)
    g_set_error (t->error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                 _("The server sent an invalid response (%s at byte %lu)."),
                 what, (gulong) (t->p - t->base));
  return FALSE;
}

/* Skips the CRLF (or LF) ending a line. */
gboolean
_op_imap_eat_eol (Tok *t)
{
  if (t->p < t->end && *t->p == '\r')
    t->p++;
  if (t->p < t->end && *t->p == '\n')
    {
      t->p++;
      return TRUE;
    }
  return _op_imap_tok_fail (t, _("a line does not end where expected"));
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
OpImapValue _op_imap_empty_list = { .kind = OP_IMAP_VALUE_LIST };

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
          _op_imap_tok_fail (t, _("an unterminated quoted string"));
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
              _op_imap_tok_fail (t, _("a bad escape in a quoted string"));
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
      _op_imap_tok_fail (t, _("a bad literal size"));
      return NULL;
    }
  if (t->p < t->end && *t->p == '+')
    t->p++;
  if (t->p >= t->end || *t->p != '}')
    {
      _op_imap_tok_fail (t, _("a bad literal header"));
      return NULL;
    }
  t->p++;
  if (!_op_imap_eat_eol (t))
    return NULL;
  if (t->next_literal >= t->literals->len)
    {
      _op_imap_tok_fail (t, _("a literal header in the wrong place"));
      return NULL;
    }
  rec = &g_array_index (t->literals, LiteralRecord, t->next_literal);
  if (rec->offset != (gsize) (t->p - t->base) || rec->length != n)
    {
      _op_imap_tok_fail (t, _("a literal header in the wrong place"));
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
              _op_imap_tok_fail (t, _("an unterminated section"));
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
      _op_imap_tok_fail (t, _("an unexpected character"));
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
      _op_imap_tok_fail (t, _("lists nested too deep"));
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
          _op_imap_tok_fail (t, _("an unterminated list"));
          items_clear (&items);
          return NULL;
        }
      if (items.len > 0 && t->p[-1] != ' ' && t->p[-1] != '\n' && t->p[-1] != '(' &&
          *t->p != '(' && t->p[-1] != ')')
        {
          /* Two values need a space between them ("a"b is not a list of two). */
          _op_imap_tok_fail (t, _("values without a space between them"));
          items_clear (&items);
          return NULL;
        }
      if (items.len >= OP_IMAP_MAX_LIST_ITEMS)
        {
          _op_imap_tok_fail (t, _("a list that is too long"));
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
      _op_imap_tok_fail (t, _("a missing value"));
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
OpImapValue *
_op_imap_parse_args (Tok      *t,
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
          _op_imap_tok_fail (t, in_code ? _("a bad response code") : _("values without a space between them"));
          return NULL;
        }
      t->p++;
      /* Some servers end "* SEARCH " with a space. */
      if (at_eol (t))
        break;
      if (items.len >= OP_IMAP_MAX_LIST_ITEMS || (in_code && *t->p == '{'))
        {
          items_clear (&items);
          _op_imap_tok_fail (t, in_code ? _("a bad response code") : _("a list that is too long"));
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

/* The text of an nstring as a new allocation (NULL for NIL); a literal is taken out of
 * the value tree (which is dropped after the typed data is built) without a copy. */
char *
_op_imap_dup_nstring (const OpImapValue *v)
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

gboolean
_op_imap_bad_data (GError     **error,
                   const char  *what)
{
  if (error != NULL && *error == NULL)
    g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                 _("The server sent an invalid %s."), what);
  return FALSE;
}
