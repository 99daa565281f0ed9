/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define OP_TYPE_CONSOLE_ANSWER (op_console_answer_get_type ())
G_DECLARE_FINAL_TYPE (OpConsoleAnswer, op_console_answer, OP, CONSOLE_ANSWER, GObject)

/* One answer of a lookup: its record type ("A", "AAAA", "PTR", "MX", "service"…), its
 * text as one would copy it, and, for an address, the address a session can open. */
OpConsoleAnswer *op_console_answer_new         (const char      *kind,
                                                const char      *text,
                                                const char      *address);
const char      *op_console_answer_get_kind    (OpConsoleAnswer *self);
const char      *op_console_answer_get_text    (OpConsoleAnswer *self);
/* (nullable) */
const char      *op_console_answer_get_address (OpConsoleAnswer *self);

G_END_DECLS
