/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* DESIGN.md, "Sessions and threads": progress is reported at most ~20 times a second
 * per operation. */
#define OP_PROGRESS_INTERVAL_USEC (G_USEC_PER_SEC / 20)

/**
 * OpProgressFunc:
 * @done: units done so far (bytes, messages, …)
 * @total: units in all, or 0 when unknown
 * @user_data: the data given to op_progress_new()
 *
 * Receives progress on the operation's main context.
 */
typedef void (*OpProgressFunc) (guint64  done,
                                guint64  total,
                                gpointer user_data);

#define OP_TYPE_PROGRESS (op_progress_get_type ())
G_DECLARE_FINAL_TYPE (OpProgress, op_progress, OP, PROGRESS, GObject)

/*
 * An OpProgress carries an operation's progress from its worker thread to the main
 * context that started it. op_progress_update() may be called as often as convenient
 * (after every block read, say); callbacks are coalesced and rate-limited to one per
 * OP_PROGRESS_INTERVAL_USEC, except that reaching the total, and op_progress_finish(),
 * are always delivered. Deliveries go through the context in order, before the task's
 * own completion when both share the context and priority.
 */
OpProgress *op_progress_new          (GMainContext   *context,
                                      int             priority,
                                      OpProgressFunc  func,
                                      gpointer        user_data);
OpProgress *op_progress_new_for_task (GTask          *task,
                                      OpProgressFunc  func,
                                      gpointer        user_data);
void        op_progress_update       (OpProgress     *self,
                                      guint64         done,
                                      guint64         total);
void        op_progress_finish       (OpProgress     *self);

G_END_DECLS
