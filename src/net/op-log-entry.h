/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * OpLogDirection:
 * @OP_LOG_SENT: a line (or a byte count) we sent, already redacted.
 * @OP_LOG_RECEIVED: a line (or a byte count) the peer sent.
 * @OP_LOG_INFO: something that happened: connecting, closing, an error.
 * @OP_LOG_TLS: the TLS state: handshake result, protocol version, cipher, certificate.
 */
typedef enum
{
  OP_LOG_SENT,
  OP_LOG_RECEIVED,
  OP_LOG_INFO,
  OP_LOG_TLS,
} OpLogDirection;

#define OP_TYPE_LOG_ENTRY (op_log_entry_get_type ())
G_DECLARE_FINAL_TYPE (OpLogEntry, op_log_entry, OP, LOG_ENTRY, GObject)

/*
 * One line of a protocol log: immutable once created, so it may be passed between
 * threads and shown by the UI while a worker appends more.
 */
OpLogEntry     *op_log_entry_new            (OpLogDirection  direction,
                                             gint64          timestamp,
                                             const char     *text);
OpLogDirection  op_log_entry_get_direction  (OpLogEntry     *self);
gint64          op_log_entry_get_timestamp  (OpLogEntry     *self);
GDateTime      *op_log_entry_dup_date_time  (OpLogEntry     *self);
const char     *op_log_entry_get_text       (OpLogEntry     *self);

G_END_DECLS
