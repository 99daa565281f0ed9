/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * OpConsoleDirection:
 * @OP_CONSOLE_RECEIVED: bytes that came from the peer.
 * @OP_CONSOLE_SENT: bytes that went to the peer.
 * @OP_CONSOLE_NOTE: a translated sentence about the session (connected, closed…); no bytes.
 */
typedef enum
{
  OP_CONSOLE_RECEIVED,
  OP_CONSOLE_SENT,
  OP_CONSOLE_NOTE,
} OpConsoleDirection;

#define OP_TYPE_CONSOLE_RECORD (op_console_record_get_type ())
G_DECLARE_FINAL_TYPE (OpConsoleRecord, op_console_record, OP, CONSOLE_RECORD, GObject)

/*
 * One row of a transcript: a line (or a piece of one) in one direction, a datagram, or a
 * note. The bytes are kept as they came; the text is what they say in the transcript's
 * charset, control characters shown as their Unicode pictures and the line end left off.
 * Only the transcript changes a record (while it is the last one and the line goes on).
 */
OpConsoleDirection  op_console_record_get_direction (OpConsoleRecord *self);
/* Wall-clock time of the first byte, in microseconds since the epoch. */
gint64              op_console_record_get_time      (OpConsoleRecord *self);
/* "[::1]:4000" for a server's client or a datagram's source; NULL for a client session. */
const char         *op_console_record_get_peer      (OpConsoleRecord *self);
const guint8       *op_console_record_get_data      (OpConsoleRecord *self,
                                                     gsize           *length);
/* The offset of the first byte in its direction's stream (for the hex dump). */
guint64             op_console_record_get_offset    (OpConsoleRecord *self);
const char         *op_console_record_get_text      (OpConsoleRecord *self);
gboolean            op_console_record_is_datagram   (OpConsoleRecord *self);
/* The hex dump of the bytes (op_console_hex_dump()), or the note's text. */
char               *op_console_record_dump          (OpConsoleRecord *self);

G_END_DECLS
