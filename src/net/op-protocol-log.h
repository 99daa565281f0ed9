/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-log-entry.h"

G_BEGIN_DECLS

/**
 * OpSendFlags:
 * @OP_SEND_PLAIN: logged as sent (still passed through op_protocol_log_redact_line(), so
 *   a password sent with the wrong flag never reaches the log).
 * @OP_SEND_SECRET_ARGUMENT: "PASS ****": the verb is logged, the argument is not.
 * @OP_SEND_SECRET_LINE: "****": a SASL blob or other secret line.
 *
 * How a line sent through op_connection_send_command() appears in the protocol log.
 */
typedef enum
{
  OP_SEND_PLAIN,
  OP_SEND_SECRET_ARGUMENT,
  OP_SEND_SECRET_LINE,
} OpSendFlags;

/* What replaces a secret in the log. */
#define OP_PROTOCOL_LOG_MASK "****"

/* The last 10,000 entries are kept: enough for a long session, bounded for a long day. */
#define OP_PROTOCOL_LOG_DEFAULT_CAPACITY 10000

/* Longer lines are cut (the entry says how long the line was): a log is for reading,
 * and a hostile peer must not be able to grow it without bound. */
#define OP_PROTOCOL_LOG_MAX_TEXT 2048

#define OP_TYPE_PROTOCOL_LOG (op_protocol_log_get_type ())
G_DECLARE_FINAL_TYPE (OpProtocolLog, op_protocol_log, OP, PROTOCOL_LOG, GObject)

/*
 * An OpProtocolLog records what a session sends and receives. Workers append from any
 * thread; the log delivers each entry on the GMainContext that was the thread-default
 * one when it was created: there it emits ::entry-added and updates its GListModel of
 * #OpLogEntry (the last @capacity entries), so the UI can bind a list view to it.
 */
OpProtocolLog *op_protocol_log_new                (void);
OpProtocolLog *op_protocol_log_new_with_capacity  (guint            capacity);

void           op_protocol_log_append             (OpProtocolLog   *self,
                                                   OpLogDirection   direction,
                                                   const char      *text);
void           op_protocol_log_append_printf      (OpProtocolLog   *self,
                                                   OpLogDirection   direction,
                                                   const char      *format,
                                                   ...) G_GNUC_PRINTF (3, 4);
void           op_protocol_log_append_sent        (OpProtocolLog   *self,
                                                   const char      *line,
                                                   OpSendFlags      flags);
void           op_protocol_log_append_received    (OpProtocolLog   *self,
                                                   const char      *data,
                                                   gsize            length);

GPtrArray     *op_protocol_log_dup_entries        (OpProtocolLog   *self);
void           op_protocol_log_clear              (OpProtocolLog   *self);

char          *op_protocol_log_redact_line        (const char      *line,
                                                   OpSendFlags      flags);
char          *op_protocol_log_sanitize_text      (const char      *data,
                                                   gssize           length);

G_END_DECLS
