/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OP_TYPE_WORKER (op_worker_get_type ())
G_DECLARE_FINAL_TYPE (OpWorker, op_worker, OP, WORKER, GObject)

/*
 * An OpWorker is a session's own thread and its ordered queue of GTasks (DESIGN.md,
 * "Sessions and threads"). A client creates its GTask on the caller's thread, as usual,
 * and hands it to op_worker_run() with the function that does the blocking work; the
 * function runs on the worker thread, jobs one after another in the order given, and
 * returns the task there. GTask then calls the callback on the GMainContext the task
 * was created on.
 *
 * Cancelling a job that waits in the queue completes it with G_IO_ERROR_CANCELLED at
 * once, without running it. Cancelling the running job cancels the @cancellable its
 * function received; the function returns with that error.
 */
OpWorker *op_worker_new          (const char      *name);
void      op_worker_run          (OpWorker        *self,
                                  GTask           *task,
                                  GTaskThreadFunc  func);
void      op_worker_shutdown     (OpWorker        *self);
void      op_worker_release      (OpWorker        *self,
                                  GDestroyNotify   teardown,
                                  gpointer         data);
gboolean  op_worker_is_shut_down (OpWorker        *self);
guint     op_worker_get_n_queued (OpWorker        *self);
gboolean  op_worker_is_current   (OpWorker        *self);

G_END_DECLS
