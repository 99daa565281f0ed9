/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * OpImapValueKind:
 * @OP_IMAP_VALUE_ATOM: an atom (numbers and flags too); BODY[section]<origin> is one atom.
 * @OP_IMAP_VALUE_STRING: a quoted string or a literal (bytes, may hold NUL in a literal).
 * @OP_IMAP_VALUE_NIL: NIL.
 * @OP_IMAP_VALUE_LIST: a parenthesised list.
 *
 * One value of an IMAP response (RFC 3501 §4), as the generic layer of the parser sees it.
 */
typedef enum
{
  OP_IMAP_VALUE_ATOM,
  OP_IMAP_VALUE_STRING,
  OP_IMAP_VALUE_NIL,
  OP_IMAP_VALUE_LIST,
} OpImapValueKind;

typedef struct _OpImapValue OpImapValue;

/**
 * OpImapValue:
 * @kind: what it is.
 * @is_literal: a string sent as a literal.
 * @streamed: a literal handed to the literal sink instead of being kept: @data is NULL,
 *   @length is its size.
 * @data: atom or string bytes, nul-terminated (NULL for NIL and lists).
 * @length: bytes in @data (without the terminator), or the number of @items.
 * @items: (array length=length): a list's values.
 * @owned: (private) @data is a separate allocation, not in the arena.
 *
 * Values live in an #OpImapArena, the storage of one response's value tree: they are
 * freed with it (op_imap_response_free()), never one by one.
 */
struct _OpImapValue
{
  OpImapValueKind   kind;
  guint             is_literal : 1;
  guint             streamed : 1;
  guint             owned : 1;
  char             *data;
  gsize             length;
  OpImapValue     **items;
};

typedef struct _OpImapArena OpImapArena;

void         op_imap_arena_free        (OpImapArena        *arena);

/* Case-insensitive comparison of an atom with @word. */
gboolean     op_imap_value_is_atom     (const OpImapValue  *value,
                                        const char         *word);
/* An atom of digits that fits: RFC 3501 number (32 bits) and mod-sequence (63 bits). */
gboolean     op_imap_value_get_number  (const OpImapValue  *value,
                                        guint32            *number);
gboolean     op_imap_value_get_number64 (const OpImapValue *value,
                                         guint64           *number);

/* Parses a number the same way, from text. */
gboolean     op_imap_parse_number      (const char         *text,
                                        gsize               length,
                                        guint64             max,
                                        guint64            *number);

G_END_DECLS
