/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-worker"

#include "config.h"

#include <glib/gi18n.h>

#include "op-worker.h"

/*
 * The queue and the thread share a refcounted state rather than the OpWorker itself:
 * the thread must not keep the worker alive (dispose is what stops it), and a job may
 * drop the last reference to the worker on the worker thread.
 *
 * Each job is completed by exactly one party, decided under the mutex by the state it
 * finds: the cancellation handler or shutdown take QUEUED jobs, the thread takes the
 * RUNNING one. Nobody calls g_cancellable_disconnect() with the mutex held, because it
 * waits for a handler running on another thread, which may wait for the mutex.
 */

typedef enum
{
  JOB_PENDING,  /* being queued by op_worker_run() */
  JOB_QUEUED,
  JOB_RUNNING,
  JOB_DONE,
} JobState;

typedef struct _Shared Shared;

typedef struct
{
  Shared          *shared;           /* (owned) */
  GTask           *task;             /* (owned) */
  GTaskThreadFunc  func;
  GCancellable    *task_cancellable; /* (nullable) (unowned): the task keeps it alive */
  GCancellable    *cancellable;      /* (owned): given to @func; cancelled by the task's
                                      * cancellable and by shutdown */
  gulong           cancel_id;
  JobState         state;            /* under shared->mutex */
} Job;

struct _Shared
{
  gatomicrefcount  ref_count;
  char            *name;

  GMutex           mutex;
  GCond            cond;
  GQueue           queue;        /* (element-type Job): waiting jobs, in order */
  Job             *running;      /* (nullable) */
  gboolean         shutting_down;
  GDestroyNotify   teardown;     /* (nullable): op_worker_release()'s, run by the thread */
  gpointer         teardown_data;
};

struct _OpWorker
{
  GObject  parent_instance;

  Shared  *shared;
  GThread *thread;  /* (nullable): started with the first job; under shared->mutex */
};

G_DEFINE_FINAL_TYPE (OpWorker, op_worker, G_TYPE_OBJECT)

static Shared *
shared_new (const char *name)
{
  Shared *shared = g_new0 (Shared, 1);

  g_atomic_ref_count_init (&shared->ref_count);
  shared->name = g_strdup (name);
  g_mutex_init (&shared->mutex);
  g_cond_init (&shared->cond);
  g_queue_init (&shared->queue);

  return shared;
}

static Shared *
shared_ref (Shared *shared)
{
  g_atomic_ref_count_inc (&shared->ref_count);
  return shared;
}

static void
shared_unref (Shared *shared)
{
  if (!g_atomic_ref_count_dec (&shared->ref_count))
    return;

  g_assert (shared->queue.length == 0);
  g_assert (shared->running == NULL);
  g_mutex_clear (&shared->mutex);
  g_cond_clear (&shared->cond);
  g_free (shared->name);
  g_free (shared);
}

static void
job_free (Job *job)
{
  g_assert (job->cancel_id == 0);

  g_clear_object (&job->cancellable);
  g_clear_object (&job->task);
  g_clear_pointer (&job->shared, shared_unref);
  g_free (job);
}

/* Not under the mutex, and not from within the cancellable's own handler. */
static void
job_disconnect (Job *job)
{
  if (job->cancel_id != 0)
    g_cancellable_disconnect (job->task_cancellable, job->cancel_id);
  job->cancel_id = 0;
}

static void
on_task_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  Job *job = user_data;
  Shared *shared = job->shared;
  GCancellable *running = NULL;
  gboolean take = FALSE;

  g_mutex_lock (&shared->mutex);
  if (job->state == JOB_QUEUED)
    {
      g_queue_remove (&shared->queue, job);
      job->state = JOB_DONE;
      take = TRUE;
    }
  else if (job->state == JOB_RUNNING)
    {
      running = g_object_ref (job->cancellable);
    }
  g_mutex_unlock (&shared->mutex);

  if (running != NULL)
    {
      /* The job's function watches its own cancellable; it may run handlers of its
       * own, so this happens outside the mutex. */
      g_cancellable_cancel (running);
      g_object_unref (running);
      return;
    }

  if (take)
    {
      /* Inside the emission g_cancellable_disconnect() would deadlock; disconnecting
       * the handler directly is what GSignal allows. GTask completes a cancelled task
       * from an idle on its own context, never from inside this handler. */
      g_signal_handler_disconnect (cancellable, job->cancel_id);
      job->cancel_id = 0;
      g_task_return_error_if_cancelled (job->task);
      job_free (job);
    }
}

static gpointer
worker_thread (gpointer data)
{
  Shared *shared = data;
  GDestroyNotify teardown;
  gpointer teardown_data;

  g_mutex_lock (&shared->mutex);
  for (;;)
    {
      Job *job;

      while (!shared->shutting_down && shared->queue.length == 0)
        g_cond_wait (&shared->cond, &shared->mutex);

      job = g_queue_pop_head (&shared->queue);
      if (job == NULL)
        break;

      job->state = JOB_RUNNING;
      shared->running = job;
      g_mutex_unlock (&shared->mutex);

      job->func (job->task,
                 g_task_get_source_object (job->task),
                 g_task_get_task_data (job->task),
                 job->cancellable);

      g_mutex_lock (&shared->mutex);
      job->state = JOB_DONE;
      shared->running = NULL;
      g_mutex_unlock (&shared->mutex);

      job_disconnect (job);
      job_free (job);

      g_mutex_lock (&shared->mutex);
    }
  teardown = g_steal_pointer (&shared->teardown);
  teardown_data = g_steal_pointer (&shared->teardown_data);
  g_mutex_unlock (&shared->mutex);

  if (teardown != NULL)
    teardown (teardown_data);
  shared_unref (shared);

  return NULL;
}

static void
op_worker_dispose (GObject *object)
{
  op_worker_shutdown (OP_WORKER (object));

  G_OBJECT_CLASS (op_worker_parent_class)->dispose (object);
}

static void
op_worker_finalize (GObject *object)
{
  OpWorker *self = OP_WORKER (object);

  g_clear_pointer (&self->shared, shared_unref);

  G_OBJECT_CLASS (op_worker_parent_class)->finalize (object);
}

static void
op_worker_class_init (OpWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_worker_dispose;
  object_class->finalize = op_worker_finalize;
}

static void
op_worker_init (OpWorker *self)
{
}

OpWorker *
op_worker_new (const char *name)
{
  OpWorker *self;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (OP_TYPE_WORKER, NULL);
  self->shared = shared_new (name);

  return self;
}

/* Under the mutex. */
static gboolean
ensure_thread (OpWorker  *self,
               GError   **error)
{
  g_autoptr(GError) local_error = NULL;

  if (self->thread != NULL)
    return TRUE;

  self->thread = g_thread_try_new (self->shared->name, worker_thread,
                                   shared_ref (self->shared), &local_error);
  if (self->thread != NULL)
    return TRUE;

  shared_unref (self->shared);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               _("Could not start a thread for the session (%s). Close other sessions "
                 "or programs and try again."),
               local_error->message);
  return FALSE;
}

/**
 * op_worker_run:
 * @self: a worker
 * @task: a task created on the caller's thread (the worker takes a reference)
 * @func: runs on the worker thread and must return @task
 *
 * Queues @func behind the jobs already queued. It is called as
 * `func (task, source_object, task_data, cancellable)`, where @cancellable is the job's
 * own: it is cancelled when the task's cancellable is and when the worker shuts down,
 * so @func must use it (not g_task_get_cancellable()) for its I/O.
 *
 * A job whose task is cancelled while it waits completes at once with
 * %G_IO_ERROR_CANCELLED without running. After op_worker_shutdown() a new job fails
 * with %G_IO_ERROR_CLOSED.
 */
void
op_worker_run (OpWorker        *self,
               GTask           *task,
               GTaskThreadFunc  func)
{
  g_autoptr(GError) error = NULL;
  GCancellable *task_cancellable;
  Job *job;
  gboolean refused = FALSE;
  gboolean cancelled = FALSE;

  g_return_if_fail (OP_IS_WORKER (self));
  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (func != NULL);

  if (g_task_return_error_if_cancelled (task))
    return;

  g_mutex_lock (&self->shared->mutex);
  if (self->shared->shutting_down)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                         _("The session is closed. Connect again to continue."));
  else
    ensure_thread (self, &error);
  g_mutex_unlock (&self->shared->mutex);

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  task_cancellable = g_task_get_cancellable (task);

  job = g_new0 (Job, 1);
  job->shared = shared_ref (self->shared);
  job->task = g_object_ref (task);
  job->func = func;
  job->task_cancellable = task_cancellable;
  job->cancellable = g_cancellable_new ();
  job->state = JOB_PENDING;

  /* Connect before queueing, so a cancellation can never slip between the two; while
   * the job is PENDING the handler leaves it alone and the checks below catch it. */
  if (task_cancellable != NULL)
    job->cancel_id = g_cancellable_connect (task_cancellable, G_CALLBACK (on_task_cancelled),
                                            job, NULL);

  g_mutex_lock (&self->shared->mutex);
  if (self->shared->shutting_down)
    refused = TRUE;
  else if (task_cancellable != NULL && g_cancellable_is_cancelled (task_cancellable))
    cancelled = TRUE;
  else
    {
      job->state = JOB_QUEUED;
      g_queue_push_tail (&self->shared->queue, job);
      g_cond_signal (&self->shared->cond);
    }
  g_mutex_unlock (&self->shared->mutex);

  if (refused || cancelled)
    {
      job_disconnect (job);
      if (cancelled)
        g_task_return_error_if_cancelled (task);
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 _("The session was closed before this could run."));
      job_free (job);
    }
}

/* Shutdown and release: fail the queued jobs, cancel the running one, and either join
 * the thread (@wait) or leave it to end on its own after running @teardown. */
static void
stop (OpWorker       *self,
      gboolean        wait,
      GDestroyNotify  teardown,
      gpointer        teardown_data)
{
  GQueue stolen = G_QUEUE_INIT;
  GCancellable *running = NULL;
  GThread *thread;

  g_mutex_lock (&self->shared->mutex);
  self->shared->shutting_down = TRUE;
  stolen = self->shared->queue;
  g_queue_init (&self->shared->queue);
  for (GList *l = stolen.head; l != NULL; l = l->next)
    ((Job *) l->data)->state = JOB_DONE;
  if (self->shared->running != NULL)
    running = g_object_ref (self->shared->running->cancellable);
  thread = g_steal_pointer (&self->thread);
  if (thread != NULL && teardown != NULL)
    {
      /* The thread takes it once the running job (if any) has returned. */
      self->shared->teardown = teardown;
      self->shared->teardown_data = teardown_data;
      teardown = NULL;
    }
  g_cond_broadcast (&self->shared->cond);
  g_mutex_unlock (&self->shared->mutex);

  if (running != NULL)
    {
      g_cancellable_cancel (running);
      g_object_unref (running);
    }

  for (GList *l = stolen.head; l != NULL; l = l->next)
    {
      Job *job = l->data;

      job_disconnect (job);
      g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("The session was closed before this could run."));
      job_free (job);
    }
  g_queue_clear (&stolen);

  /* No thread (none was started, or it was stopped before): nothing runs on it, so the
   * teardown cannot wait behind anything either. */
  if (teardown != NULL)
    teardown (teardown_data);

  if (thread != NULL)
    {
      if (!wait || thread == g_thread_self ())
        g_thread_unref (thread);
      else
        g_thread_join (thread);
    }
}

/**
 * op_worker_shutdown:
 * @self: a worker
 *
 * Stops the worker: every queued job completes with %G_IO_ERROR_CANCELLED without
 * running, the running job's cancellable is cancelled, and the thread is joined once
 * that job returned (unless this is called from the job itself, in which case the
 * thread ends on its own right after). Later jobs are refused. Calling it again does
 * nothing; dispose calls it.
 */
void
op_worker_shutdown (OpWorker *self)
{
  g_return_if_fail (OP_IS_WORKER (self));

  if (self->shared == NULL)
    return;
  stop (self, TRUE, NULL, NULL);
}

/**
 * op_worker_release:
 * @self: a worker
 * @teardown: (nullable): what to do last on the worker thread, e.g. close a connection
 * @data: its argument
 *
 * Stops the worker like op_worker_shutdown() but never waits for it: the running job's
 * cancellable is cancelled, and @teardown runs on the worker thread once that job has
 * returned; then the thread ends on its own. For a session dropped on the main thread,
 * which must not block on a TLS close or a job that is slow to notice its cancellation.
 * Without a thread (no job ever ran, or the worker was stopped already), @teardown runs
 * at once on the caller's thread.
 */
void
op_worker_release (OpWorker       *self,
                   GDestroyNotify  teardown,
                   gpointer        data)
{
  g_return_if_fail (OP_IS_WORKER (self));

  if (self->shared == NULL)
    {
      if (teardown != NULL)
        teardown (data);
      return;
    }
  stop (self, FALSE, teardown, data);
}

/**
 * op_worker_is_shut_down:
 * @self: a worker
 *
 * Returns: %TRUE once op_worker_shutdown() was called
 */
gboolean
op_worker_is_shut_down (OpWorker *self)
{
  gboolean shut_down;

  g_return_val_if_fail (OP_IS_WORKER (self), TRUE);

  g_mutex_lock (&self->shared->mutex);
  shut_down = self->shared->shutting_down;
  g_mutex_unlock (&self->shared->mutex);

  return shut_down;
}

/**
 * op_worker_get_n_queued:
 * @self: a worker
 *
 * Returns: how many jobs wait behind the running one
 */
guint
op_worker_get_n_queued (OpWorker *self)
{
  guint n;

  g_return_val_if_fail (OP_IS_WORKER (self), 0);

  g_mutex_lock (&self->shared->mutex);
  n = self->shared->queue.length;
  g_mutex_unlock (&self->shared->mutex);

  return n;
}

/**
 * op_worker_is_current:
 * @self: a worker
 *
 * For assertions in client code that must run on the session's thread.
 *
 * Returns: %TRUE if called from this worker's thread
 */
gboolean
op_worker_is_current (OpWorker *self)
{
  gboolean current;

  g_return_val_if_fail (OP_IS_WORKER (self), FALSE);

  g_mutex_lock (&self->shared->mutex);
  current = self->thread != NULL && self->thread == g_thread_self ();
  g_mutex_unlock (&self->shared->mutex);

  return current;
}
