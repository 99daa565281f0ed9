/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Turns a byte stream in some charset into UTF-8 text, piece by piece: a multi-byte
 * character split across two reads comes out whole with the second piece. Bytes that are
 * not valid in the charset become U+FFFD, one per byte; the stream goes on after them.
 */
typedef struct _OpConsoleDecoder OpConsoleDecoder;

/* The charsets offered in the view, by their iconv names; UTF-8 first (the default). */
const char * const *op_console_charsets            (void);

OpConsoleDecoder   *op_console_decoder_new         (const char        *charset,
                                                    GError           **error);
void                op_console_decoder_free        (OpConsoleDecoder  *self);
const char         *op_console_decoder_get_charset (OpConsoleDecoder  *self);
/* Appends the text of @data to @out; an incomplete character at the end waits for the
 * next call. */
void                op_console_decoder_decode      (OpConsoleDecoder  *self,
                                                    const guint8      *data,
                                                    gsize              length,
                                                    GString           *out);
/* How many bytes wait for the rest of their character. */
gsize               op_console_decoder_get_pending (OpConsoleDecoder  *self);
/* Forgets waiting bytes (after a gap in the stream). */
void                op_console_decoder_reset       (OpConsoleDecoder  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpConsoleDecoder, op_console_decoder_free)

G_END_DECLS
