/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How long a waiting transfer sleeps at most before it looks at its cancellable and the
 * rate again: a cancel or a new limit is noticed within this long. */
#define OP_RATE_LIMIT_SLICE_USEC (50 * 1000)

#define OP_TYPE_RATE_LIMIT (op_rate_limit_get_type ())
G_DECLARE_FINAL_TYPE (OpRateLimit, op_rate_limit, OP, RATE_LIMIT, GObject)

/*
 * A token bucket shared by every transfer of one direction (FileZilla's and lftp's
 * global speed limits): tokens (bytes) arrive at the rate, up to a fifth of a second's
 * worth; each transfer takes what it moved and, once the bucket is in debt, sleeps until
 * the debt is paid. Thread-safe: workers consume, the main thread changes the rate at any
 * time, and a change applies to transfers already running at their next sleep slice.
 * A rate of 0 means no limit (consuming costs one lock, never a wait).
 */
OpRateLimit *op_rate_limit_new      (guint64        bytes_per_second);
guint64      op_rate_limit_get_rate (OpRateLimit   *self);
void         op_rate_limit_set_rate (OpRateLimit   *self,
                                     guint64        bytes_per_second);
/* How many bytes to move in one read or write at the current rate (a twentieth of a
 * second's worth, at least 1 KiB), and never more than @max. */
gsize        op_rate_limit_chunk    (OpRateLimit   *self,
                                     gsize          max);
/* Takes @bytes just moved from the bucket and sleeps, on the calling thread, while the
 * bucket is in debt: in slices of at most OP_RATE_LIMIT_SLICE_USEC, each ending with a
 * look at @cancellable (FALSE with G_IO_ERROR_CANCELLED) and at the rate. No busy
 * waiting. */
gboolean     op_rate_limit_consume  (OpRateLimit   *self,
                                     gsize          bytes,
                                     GCancellable  *cancellable,
                                     GError       **error);

G_END_DECLS
