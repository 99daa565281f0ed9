/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-progress"

#include "config.h"

#include <glib/gi18n.h>

#include "op-progress.h"

struct _OpProgress
{
  GObject         parent_instance;

  GMainContext   *context;
  int             priority;
  OpProgressFunc  func;
  gpointer        user_data;

  GMutex          mutex;
  guint64         done;            /* the latest values, under @mutex */
  guint64         total;
  gint64          last_scheduled;  /* monotonic time of the last delivery scheduled */
  gboolean        scheduled;       /* a delivery is waiting on @context */
  gboolean        finished;        /* op_progress_finish() was called */
};

G_DEFINE_FINAL_TYPE (OpProgress, op_progress, G_TYPE_OBJECT)

static void
op_progress_finalize (GObject *object)
{
  OpProgress *self = OP_PROGRESS (object);

  g_mutex_clear (&self->mutex);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (op_progress_parent_class)->finalize (object);
}

static void
op_progress_class_init (OpProgressClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = op_progress_finalize;
}

static void
op_progress_init (OpProgress *self)
{
  g_mutex_init (&self->mutex);
}

OpProgress *
op_progress_new (GMainContext   *context,
                 int             priority,
                 OpProgressFunc  func,
                 gpointer        user_data)
{
  OpProgress *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = g_object_new (OP_TYPE_PROGRESS, NULL);
  self->context = context != NULL ? g_main_context_ref (context)
                                  : g_main_context_ref_thread_default ();
  self->priority = priority;
  self->func = func;
  self->user_data = user_data;

  return self;
}

/**
 * op_progress_new_for_task:
 * @task: the operation's task
 * @func: receives progress on the task's context
 * @user_data: for @func; it must stay valid until @task completed
 *
 * Delivers on @task's context at @task's priority, so every delivery comes before the
 * task's completion callback.
 *
 * Returns: (transfer full): a new progress reporter
 */
OpProgress *
op_progress_new_for_task (GTask          *task,
                          OpProgressFunc  func,
                          gpointer        user_data)
{
  g_return_val_if_fail (G_IS_TASK (task), NULL);

  return op_progress_new (g_task_get_context (task), g_task_get_priority (task),
                          func, user_data);
}

static gboolean
deliver (gpointer user_data)
{
  OpProgress *self = user_data;
  guint64 done;
  guint64 total;

  g_mutex_lock (&self->mutex);
  done = self->done;
  total = self->total;
  self->scheduled = FALSE;
  g_mutex_unlock (&self->mutex);

  self->func (done, total, self->user_data);

  return G_SOURCE_REMOVE;
}

static void
schedule (OpProgress *self)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, self->priority);
  g_source_set_callback (source, deliver, g_object_ref (self), g_object_unref);
  g_source_set_static_name (source, "[outpost] progress");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* @force: deliver even within the interval. */
static void
update (OpProgress *self,
        guint64     done,
        guint64     total,
        gboolean    force)
{
  gboolean now_due;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->mutex);
  if (self->finished)
    {
      g_mutex_unlock (&self->mutex);
      return;
    }

  self->done = done;
  self->total = total;

  /* A waiting delivery reads the latest values when it runs, so it carries this update
   * too: the final values are never lost, and a slow main context gets one callback,
   * not a backlog. */
  now_due = !self->scheduled &&
            (force || self->last_scheduled == 0 ||
             now - self->last_scheduled >= OP_PROGRESS_INTERVAL_USEC);
  if (now_due)
    {
      self->scheduled = TRUE;
      self->last_scheduled = now;
    }
  g_mutex_unlock (&self->mutex);

  if (now_due)
    schedule (self);
}

/**
 * op_progress_update:
 * @self: a progress reporter
 * @done: units done so far
 * @total: units in all, or 0 when unknown
 *
 * Records progress; safe from any thread. Reaching @total (when known) is always
 * delivered; other updates at most once per %OP_PROGRESS_INTERVAL_USEC.
 */
void
op_progress_update (OpProgress *self,
                    guint64     done,
                    guint64     total)
{
  g_return_if_fail (OP_IS_PROGRESS (self));

  update (self, done, total, total > 0 && done >= total);
}

/**
 * op_progress_finish:
 * @self: a progress reporter
 *
 * Delivers the latest values now, whatever the rate limit, and ignores later updates.
 * Call it when the operation ends with an unknown total.
 */
void
op_progress_finish (OpProgress *self)
{
  guint64 done;
  guint64 total;

  g_return_if_fail (OP_IS_PROGRESS (self));

  g_mutex_lock (&self->mutex);
  done = self->done;
  total = self->total;
  g_mutex_unlock (&self->mutex);

  update (self, done, total, TRUE);

  g_mutex_lock (&self->mutex);
  self->finished = TRUE;
  g_mutex_unlock (&self->mutex);
}
