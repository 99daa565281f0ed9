/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-console-record.h"

G_BEGIN_DECLS

#define OP_TYPE_CONSOLE_TRANSCRIPT (op_console_transcript_get_type ())
G_DECLARE_FINAL_TYPE (OpConsoleTranscript, op_console_transcript, OP, CONSOLE_TRANSCRIPT, GObject)

/* A line longer than this is cut into records of this size (a row stays cheap to show). */
#define OP_CONSOLE_RECORD_MAX_BYTES 2048

/*
 * The scrollback of a console session: a GListModel of OpConsoleRecord, oldest first.
 * Bytes are split into records at each LF; a line that arrives in pieces grows its last
 * record. It holds at most max-bytes bytes and max-records records: the oldest records go
 * first. Text is decoded in the charset chosen (UTF-8 by default), one decoder per
 * direction and peer, so a character split across reads is whole. Main thread only.
 */
OpConsoleTranscript *op_console_transcript_new          (gsize                 max_bytes,
                                                         guint                 max_records);
void                 op_console_transcript_append       (OpConsoleTranscript  *self,
                                                         OpConsoleDirection    direction,
                                                         const char           *peer,
                                                         const guint8         *data,
                                                         gsize                 length);
/* One record for one datagram, whatever it holds. */
void                 op_console_transcript_append_datagram (OpConsoleTranscript *self,
                                                         OpConsoleDirection    direction,
                                                         const char           *peer,
                                                         const guint8         *data,
                                                         gsize                 length);
void                 op_console_transcript_append_note  (OpConsoleTranscript  *self,
                                                         const char           *peer,
                                                         const char           *text);
/* Says that @length received bytes were never shown (they came faster than the window
 * could show them) and starts the next ones on a fresh record. */
void                 op_console_transcript_note_skipped (OpConsoleTranscript  *self,
                                                         guint64               length);
gboolean             op_console_transcript_set_charset  (OpConsoleTranscript  *self,
                                                         const char           *charset,
                                                         GError              **error);
const char          *op_console_transcript_get_charset  (OpConsoleTranscript  *self);
gsize                op_console_transcript_get_n_bytes  (OpConsoleTranscript  *self);
gsize                op_console_transcript_get_max_bytes (OpConsoleTranscript *self);
guint                op_console_transcript_get_max_records (OpConsoleTranscript *self);
/* Bytes (of records) dropped from the front to stay within the bounds. */
guint64              op_console_transcript_get_n_evicted (OpConsoleTranscript *self);
/* Received bytes never shown (op_console_transcript_note_skipped()). */
guint64              op_console_transcript_get_n_skipped (OpConsoleTranscript *self);
void                 op_console_transcript_clear        (OpConsoleTranscript  *self);
/* "12:00:01.250 → text" a line, for saving. */
char                *op_console_transcript_to_text      (OpConsoleTranscript  *self);
/* The received bytes, exactly as they came, for saving. */
GBytes              *op_console_transcript_to_raw       (OpConsoleTranscript  *self);

/* "HH:MM:SS.mmm", local time, from microseconds since the epoch. */
char                *op_console_format_time             (gint64                time);

G_END_DECLS
