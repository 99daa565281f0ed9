/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * The IMAP parser is one type split across files (STYLE.md): op-imap-parser.c (the
 * framer), op-imap-lexer.c (tokens and values), op-imap-codes.c (responses, codes),
 * op-imap-data.c (typed data) and op-imap-body.c (envelopes and body structures).
 */

#include "op-imap-parser.h"

G_BEGIN_DECLS

typedef struct
{
  gsize    offset;     /* where its bytes start in the buffer */
  guint64  length;
  gboolean streamed;
} LiteralRecord;

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

static inline gboolean
at_eol (Tok *t)
{
  return t->p >= t->end || *t->p == '\r' || *t->p == '\n';
}

static inline gboolean
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

/* --- typed data ------------------------------------------------------------------------ */

#define ITEM(v, i) ((v)->items[(i)])

static inline gboolean
is_string (const OpImapValue *v)
{
  return v->kind == OP_IMAP_VALUE_STRING || v->kind == OP_IMAP_VALUE_ATOM;
}

/* A string that is not a streamed literal, or NIL. */
static inline gboolean
is_nstring (const OpImapValue *v)
{
  return (is_string (v) && !v->streamed) || v->kind == OP_IMAP_VALUE_NIL;
}

/* --- across the parser's files --------------------------------------------------------- */

gboolean
_op_imap_sequence_set_valid (const char *set,
                             gboolean    allow_star);

OpImapArena *
_op_imap_arena_new (void);

void
_op_imap_arena_reset (OpImapArena *a);

gboolean
_op_imap_tok_fail (Tok        *t,
                   const char *what);

gboolean
_op_imap_eat_eol (Tok *t);

extern OpImapValue _op_imap_empty_list;

OpImapValue *
_op_imap_parse_args (Tok      *t,
                     gboolean  in_code);

char *
_op_imap_dup_nstring (const OpImapValue *v);

gboolean
_op_imap_bad_data (GError     **error,
                   const char  *what);

OpImapEnvelope *
_op_imap_parse_envelope (const OpImapValue  *v,
                         GError            **error);

OpImapBodyPart *
_op_imap_parse_body (const OpImapValue  *v,
                     const char         *section,
                     gboolean            is_top,
                     guint               depth,
                     GError            **error);

char **
_op_imap_parse_atom_list (const OpImapValue *v);

gboolean
_op_imap_parse_typed_data (OpImapResponse  *r,
                           GError         **error);

gboolean
_op_imap_status_word (const char   *word,
                      gsize         length,
                      OpImapStatus *status);

const char *
_op_imap_word_end (const char *p,
                   const char *end);

OpImapResponse *
_op_imap_parse_response (const char    *data,
                         gsize          length,
                         GArray        *literals,
                         OpImapArena  **arena,
                         GError       **error);

G_END_DECLS
