/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-imap-parser-private.h"

/*
 * Responses as a whole: tags and status words, response codes (RFC 3501 §7.1, RFC 5530,
 * RFC 4315, RFC 7162) and resp-text, and which typed data an untagged response is.
 */

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
  args = _op_imap_parse_args (&t, TRUE);
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
          return _op_imap_bad_data (error, c->name);
        c->number = v;
        return TRUE;
      }
    case OP_IMAP_CODE_HIGHESTMODSEQ:
      if (n != 1 || !op_imap_value_get_number64 (ITEM (args, 0), &c->number))
        return _op_imap_bad_data (error, c->name);
      return TRUE;
    case OP_IMAP_CODE_PERMANENTFLAGS:
      if (n != 1 || (c->list = _op_imap_parse_atom_list (ITEM (args, 0))) == NULL)
        return _op_imap_bad_data (error, c->name);
      return TRUE;
    case OP_IMAP_CODE_BADCHARSET:
      if (n == 0)
        return TRUE;
      if (n != 1 || ITEM (args, 0)->kind != OP_IMAP_VALUE_LIST)
        return _op_imap_bad_data (error, c->name);
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
              return _op_imap_bad_data (error, c->name);
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
            !_op_imap_sequence_set_valid (ITEM (args, 1)->data, FALSE))
          return _op_imap_bad_data (error, c->name);
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
            !_op_imap_sequence_set_valid (ITEM (args, 1)->data, FALSE) ||
            !_op_imap_sequence_set_valid (ITEM (args, 2)->data, FALSE))
          return _op_imap_bad_data (error, c->name);
        c->number = v;
        c->source = g_strdup (ITEM (args, 1)->data);
        c->dest = g_strdup (ITEM (args, 2)->data);
        return TRUE;
      }
    case OP_IMAP_CODE_MODIFIED:
      if (n != 1 || ITEM (args, 0)->kind != OP_IMAP_VALUE_ATOM ||
          !_op_imap_sequence_set_valid (ITEM (args, 0)->data, FALSE))
        return _op_imap_bad_data (error, c->name);
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
        return _op_imap_tok_fail (t, _("an unterminated response code"));
      name_end = name_start;
      while (name_end < close && *name_end != ' ')
        name_end++;
      if (name_end == name_start)
        return _op_imap_tok_fail (t, _("an empty response code"));
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
          return _op_imap_tok_fail (t, _("a bad response code"));
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
        return _op_imap_tok_fail (t, _("a NUL byte in a text"));
      t->p++;
    }
  r->text = g_strndup (start, t->p - start);
  return _op_imap_eat_eol (t);
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

gboolean
_op_imap_status_word (const char   *word,
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

const char *
_op_imap_word_end (const char *p,
                   const char *end)
{
  while (p < end && *p != ' ' && *p != '\r' && *p != '\n')
    p++;
  return p;
}

static OpImapResponse *parse_response_tok (Tok *tok, gsize length, GError **error);

/* Reads one response; its values come from *@arena, which the response takes when it
 * keeps them (*@arena is then NULL) and which is otherwise emptied for the next one. */
OpImapResponse *
_op_imap_parse_response (const char    *data,
                         gsize          length,
                         GArray        *literals,
                         OpImapArena  **arena,
                         GError       **error)
{
  g_autoptr(OpImapResponse) r = NULL;
  Tok t = { data, data, data + length, literals, 0, error, NULL };

  if (*arena == NULL)
    *arena = _op_imap_arena_new ();
  t.arena = *arena;
  r = parse_response_tok (&t, length, error);
  if (r != NULL && r->args != NULL && r->args != &_op_imap_empty_list)
    r->arena = g_steal_pointer (arena);
  else
    _op_imap_arena_reset (*arena);
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
      _op_imap_tok_fail (&t, _("an empty line"));
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
      if (!_op_imap_eat_eol (&t))
        return NULL;
    }
  else
    {
      w = t.p;
      we = _op_imap_word_end (w, t.end);
      if (we == w || we >= t.end || *we != ' ')
        {
          _op_imap_tok_fail (&t, _("a response without a tag"));
          return NULL;
        }
      if (we - w == 1 && *w == '*')
        {
          t.p = we + 1;
          w = t.p;
          we = _op_imap_word_end (w, t.end);
          if (we == w)
            {
              _op_imap_tok_fail (&t, _("an untagged response without a name"));
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
                  _op_imap_tok_fail (&t, _("a bad message number"));
                  return NULL;
                }
              r->kind = OP_IMAP_RESPONSE_DATA;
              r->number = (guint32) n;
              t.p = we + 1;
              w = t.p;
              we = _op_imap_word_end (w, t.end);
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
                  _op_imap_tok_fail (&t, _("an unknown message data response"));
                  return NULL;
                }
              t.p = we;
              if (r->data == OP_IMAP_DATA_FETCH)
                {
                  /* One list, but read with the argument rules. */
                  r->args = _op_imap_parse_args (&t, FALSE);
                }
              else
                r->args = &_op_imap_empty_list;
              if (r->args == NULL || !_op_imap_eat_eol (&t))
                return NULL;
            }
          else if (_op_imap_status_word (w, we - w, &r->status))
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
                    _op_imap_tok_fail (&t, _("a bad response name"));
                    return NULL;
                  }
              r->name = g_ascii_strup (w, we - w);
              for (guint i = 0; i < G_N_ELEMENTS (data_names); i++)
                if (g_str_equal (r->name, data_names[i].name))
                  r->data = data_names[i].kind;
              t.p = we;
              r->args = _op_imap_parse_args (&t, FALSE);
              if (r->args == NULL || !_op_imap_eat_eol (&t))
                return NULL;
            }
        }
      else
        {
          for (const char *q = w; q < we; q++)
            if (!is_atom_char (*q, TRUE) || *q == '+')
              {
                t.p = q;
                _op_imap_tok_fail (&t, _("a bad tag"));
                return NULL;
              }
          r->kind = OP_IMAP_RESPONSE_TAGGED;
          r->tag = g_strndup (w, we - w);
          t.p = we + 1;
          w = t.p;
          we = _op_imap_word_end (w, t.end);
          if (!_op_imap_status_word (w, we - w, &r->status) || r->status > OP_IMAP_STATUS_BAD)
            {
              _op_imap_tok_fail (&t, _("a tagged response that is not OK, NO or BAD"));
              return NULL;
            }
          t.p = we;
          if (!parse_resp_text (&t, r))
            return NULL;
        }
    }
  if (t.p != t.end)
    {
      _op_imap_tok_fail (&t, _("data after the end of a response"));
      return NULL;
    }
  if (r->kind == OP_IMAP_RESPONSE_DATA)
    {
      if (!_op_imap_parse_typed_data (r, error))
        return NULL;
      /* Typed data took what it needed from the values. */
      if (r->data != OP_IMAP_DATA_OTHER)
        {
          r->args = &_op_imap_empty_list;
        }
    }
  return g_steal_pointer (&r);
}
