/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OP_CONSOLE_HEX_ERROR (op_console_hex_error_quark ())

/**
 * OpConsoleHexError:
 * @OP_CONSOLE_HEX_ERROR_INVALID: a character that is neither a hex digit nor a space.
 * @OP_CONSOLE_HEX_ERROR_ODD: a hex digit without its pair.
 *
 * Messages are translated and name the position of the problem.
 */
typedef enum
{
  OP_CONSOLE_HEX_ERROR_INVALID,
  OP_CONSOLE_HEX_ERROR_ODD,
} OpConsoleHexError;

GQuark  op_console_hex_error_quark (void);

/* "48 65 6c": lower-case pairs separated by one space. */
char   *op_console_hex_encode      (const guint8  *data,
                                    gsize          length);
/* Pairs of hex digits; spaces, tabs, newlines, ':' and a "0x" before a pair are ignored
 * ("48656c", "48 65 6C", "0x48 0x65" all work). */
GBytes *op_console_hex_decode      (const char    *text,
                                    GError       **error);
/* The classic dump: "00000010  48 65 6c 6c 6f 20 77 6f  72 6c 64 0a              |Hello world.|",
 * 16 bytes a line, @offset added to the printed offsets, every line ended by "\n". */
char   *op_console_hex_dump        (const guint8  *data,
                                    gsize          length,
                                    guint64        offset);

G_END_DECLS
