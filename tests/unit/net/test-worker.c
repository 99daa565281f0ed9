/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-worker"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-progress.h"
#include "op-worker.h"

/* Generous bounds: the machine running the tests may be busy. */
#define WAIT_SECONDS 10

typedef struct
{
  GMutex    mutex;
  GCond     cond;
  gboolean  blocker_started;
  gboolean  blocker_saw_cancel;
  gboolean  release;
  GArray   *ran;             /* (element-type guint): job indices, in the order they ran */
  GArray   *completed;       /* (element-type guint): indices, in completion order */
  GArray   *codes;           /* (element-type gint): 0 or the GIOErrorEnum of each completion */
  guint     n_wrong_thread;  /* callbacks not on the test thread, jobs on it */
  guint     n_data_freed;
  guint     n_tasks_finalized;
  GThread  *test_thread;
} State;

typedef struct
{
  State    *state;
  guint     index;
  gpointer  extra;
} JobData;

static void
state_init (State *state)
{
  memset (state, 0, sizeof *state);
  g_mutex_init (&state->mutex);
  g_cond_init (&state->cond);
  state->ran = g_array_new (FALSE, FALSE, sizeof (guint));
  state->completed = g_array_new (FALSE, FALSE, sizeof (guint));
  state->codes = g_array_new (FALSE, FALSE, sizeof (gint));
  state->test_thread = g_thread_self ();
}

static void
state_clear (State *state)
{
  g_array_unref (state->ran);
  g_array_unref (state->completed);
  g_array_unref (state->codes);
  g_mutex_clear (&state->mutex);
  g_cond_clear (&state->cond);
}

static void
job_data_free (gpointer data)
{
  JobData *job = data;

  g_atomic_int_inc (&job->state->n_data_freed);
  g_free (job);
}

static void
on_task_finalized (gpointer  data,
                   GObject  *where_the_object_was)
{
  State *state = data;

  g_atomic_int_inc (&state->n_tasks_finalized);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  State *state = user_data;
  g_autoptr(GError) error = NULL;
  gssize index;
  gint code = 0;

  if (g_thread_self () != state->test_thread)
    state->n_wrong_thread++;

  index = g_task_propagate_int (G_TASK (result), &error);
  if (error != NULL)
    {
      g_assert_true (error->domain == G_IO_ERROR);
      code = error->code;
      index = ((JobData *) g_task_get_task_data (G_TASK (result)))->index;
    }

  g_array_append_val (state->completed, index);
  g_array_append_val (state->codes, code);
}

/* Runs on the worker: records that it ran. */
static void
record_job (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  JobData *job = task_data;
  State *state = job->state;

  g_mutex_lock (&state->mutex);
  if (g_thread_self () == state->test_thread)
    state->n_wrong_thread++;
  g_array_append_val (state->ran, job->index);
  g_mutex_unlock (&state->mutex);

  g_task_return_int (task, job->index);
}

/* Runs on the worker: blocks until released or cancelled. */
static void
blocking_job (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  JobData *job = task_data;
  State *state = job->state;
  g_autoptr(GError) error = NULL;

  g_mutex_lock (&state->mutex);
  state->blocker_started = TRUE;
  g_cond_broadcast (&state->cond);
  while (!state->release && !g_cancellable_is_cancelled (cancellable))
    g_cond_wait_until (&state->cond, &state->mutex, g_get_monotonic_time () + 5000);
  state->blocker_saw_cancel = g_cancellable_is_cancelled (cancellable);
  g_mutex_unlock (&state->mutex);

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_int (task, job->index);
}

static void
queue_job (OpWorker        *worker,
           State           *state,
           guint            index,
           GCancellable    *cancellable,
           GTaskThreadFunc  func)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, on_done, state);
  JobData *job = g_new0 (JobData, 1);

  job->state = state;
  job->index = index;
  g_task_set_task_data (task, job, job_data_free);
  g_object_weak_ref (G_OBJECT (task), on_task_finalized, state);

  op_worker_run (worker, task, func);
}

static gboolean
on_wait_expired (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the test thread's main context until @n callbacks arrived. */
static void
wait_for_completions (State *state,
                      guint  n)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS, on_wait_expired, &expired);

  while (state->completed->len < n && !expired)
    g_main_context_iteration (NULL, TRUE);

  if (expired)
    g_error ("only %u of %u jobs completed within %d s", state->completed->len, n,
             WAIT_SECONDS);
  g_source_remove (id);
}

static void
wait_for_blocker (State *state)
{
  gint64 end = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  g_mutex_lock (&state->mutex);
  while (!state->blocker_started)
    if (!g_cond_wait_until (&state->cond, &state->mutex, end))
      g_error ("the blocking job did not start");
  g_mutex_unlock (&state->mutex);
}

static void
release_blocker (State *state)
{
  g_mutex_lock (&state->mutex);
  state->release = TRUE;
  g_cond_broadcast (&state->cond);
  g_mutex_unlock (&state->mutex);
}

/* Lets GTask's completion idles and the last unrefs run. */
static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
assert_uints (GArray      *array,
              const guint *expected,
              gsize        n)
{
  g_assert_cmpmem (array->data, array->len * sizeof (guint), expected, n * sizeof (guint));
}

static void
test_order (void)
{
  g_autoptr(OpWorker) worker = op_worker_new ("test-worker");
  guint expected[20];
  State state;

  state_init (&state);

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      expected[i] = i;
      queue_job (worker, &state, i, NULL, record_job);
    }

  wait_for_completions (&state, G_N_ELEMENTS (expected));

  /* Run in order, on the worker; completed in order, on the caller's context. */
  assert_uints (state.ran, expected, G_N_ELEMENTS (expected));
  assert_uints (state.completed, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (state.n_wrong_thread, ==, 0);

  g_clear_object (&worker);
  drain_main_context ();
  g_assert_cmpuint (state.n_tasks_finalized, ==, G_N_ELEMENTS (expected));
  g_assert_cmpuint (state.n_data_freed, ==, G_N_ELEMENTS (expected));
  state_clear (&state);
}

static void
test_cancel_queued (void)
{
  g_autoptr(OpWorker) worker = op_worker_new ("test-worker");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  const guint expected_ran[] = { 2 };
  const guint expected_completed[] = { 1, 0, 2 };
  State state;

  state_init (&state);

  queue_job (worker, &state, 0, NULL, blocking_job);
  queue_job (worker, &state, 1, cancellable, record_job);
  queue_job (worker, &state, 2, NULL, record_job);
  wait_for_blocker (&state);
  g_assert_cmpuint (op_worker_get_n_queued (worker), ==, 2);

  /* The queued job completes at once, while the one before it still runs. */
  g_cancellable_cancel (cancellable);
  wait_for_completions (&state, 1);
  g_assert_cmpuint (g_array_index (state.completed, guint, 0), ==, 1);
  g_assert_cmpint (g_array_index (state.codes, gint, 0), ==, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (op_worker_get_n_queued (worker), ==, 1);
  g_assert_false (state.release);

  release_blocker (&state);
  wait_for_completions (&state, 3);

  /* The cancelled job never ran; the others did, in order. */
  assert_uints (state.ran, expected_ran, G_N_ELEMENTS (expected_ran));
  assert_uints (state.completed, expected_completed, G_N_ELEMENTS (expected_completed));
  g_assert_cmpint (g_array_index (state.codes, gint, 1), ==, 0);
  g_assert_cmpint (g_array_index (state.codes, gint, 2), ==, 0);
  g_assert_cmpuint (state.n_wrong_thread, ==, 0);

  g_clear_object (&worker);
  drain_main_context ();
  g_assert_cmpuint (state.n_tasks_finalized, ==, 3);
  g_assert_cmpuint (state.n_data_freed, ==, 3);
  state_clear (&state);
}

static void
test_cancel_before_run (void)
{
  g_autoptr(OpWorker) worker = op_worker_new ("test-worker");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  State state;

  state_init (&state);

  g_cancellable_cancel (cancellable);
  queue_job (worker, &state, 0, cancellable, record_job);
  wait_for_completions (&state, 1);

  g_assert_cmpint (g_array_index (state.codes, gint, 0), ==, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (state.ran->len, ==, 0);

  g_clear_object (&worker);
  drain_main_context ();
  g_assert_cmpuint (state.n_tasks_finalized, ==, 1);
  state_clear (&state);
}

static void
test_cancel_running (void)
{
  g_autoptr(OpWorker) worker = op_worker_new ("test-worker");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  const guint expected_ran[] = { 1 };
  State state;

  state_init (&state);

  queue_job (worker, &state, 0, cancellable, blocking_job);
  wait_for_blocker (&state);

  /* The job's own cancellable follows the task's; the job returns the error. */
  g_cancellable_cancel (cancellable);
  wait_for_completions (&state, 1);
  g_assert_cmpint (g_array_index (state.codes, gint, 0), ==, G_IO_ERROR_CANCELLED);
  g_assert_true (state.blocker_saw_cancel);

  /* The worker stays usable. */
  queue_job (worker, &state, 1, NULL, record_job);
  wait_for_completions (&state, 2);
  g_assert_cmpint (g_array_index (state.codes, gint, 1), ==, 0);
  assert_uints (state.ran, expected_ran, G_N_ELEMENTS (expected_ran));

  g_clear_object (&worker);
  drain_main_context ();
  g_assert_cmpuint (state.n_tasks_finalized, ==, 2);
  state_clear (&state);
}

static void
shutdown_with_pending (gboolean by_dispose)
{
  OpWorker *worker = op_worker_new ("test-worker");
  State state;
  GWeakRef worker_ref;

  state_init (&state);
  g_weak_ref_init (&worker_ref, worker);

  /* One job runs (and only shutdown can stop it: no task cancellable), four wait. */
  queue_job (worker, &state, 0, NULL, blocking_job);
  for (guint i = 1; i < 5; i++)
    queue_job (worker, &state, i, NULL, record_job);
  wait_for_blocker (&state);

  if (by_dispose)
    {
      g_object_unref (worker);
    }
  else
    {
      op_worker_shutdown (worker);
      g_assert_true (op_worker_is_shut_down (worker));
      g_assert_cmpuint (op_worker_get_n_queued (worker), ==, 0);
    }

  /* The thread was joined: the running job has returned already. */
  g_assert_true (state.blocker_saw_cancel);

  wait_for_completions (&state, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (g_array_index (state.codes, gint, i), ==, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (state.ran->len, ==, 0);
  g_assert_cmpuint (state.n_wrong_thread, ==, 0);

  if (!by_dispose)
    g_object_unref (worker);
  drain_main_context ();

  /* Nothing leaks: every task, its data and the worker are gone. */
  g_assert_cmpuint (state.n_tasks_finalized, ==, 5);
  g_assert_cmpuint (state.n_data_freed, ==, 5);
  g_assert_null (g_weak_ref_get (&worker_ref));

  g_weak_ref_clear (&worker_ref);
  state_clear (&state);
}

static void
test_shutdown_with_pending (void)
{
  shutdown_with_pending (FALSE);
}

static void
test_dispose_with_pending (void)
{
  shutdown_with_pending (TRUE);
}

static void
test_run_after_shutdown (void)
{
  g_autoptr(OpWorker) worker = op_worker_new ("test-worker");
  State state;

  state_init (&state);

  op_worker_shutdown (worker);
  op_worker_shutdown (worker);

  queue_job (worker, &state, 0, NULL, record_job);
  wait_for_completions (&state, 1);
  g_assert_cmpint (g_array_index (state.codes, gint, 0), ==, G_IO_ERROR_CLOSED);
  g_assert_cmpuint (state.ran->len, ==, 0);

  g_clear_object (&worker);
  drain_main_context ();
  g_assert_cmpuint (state.n_tasks_finalized, ==, 1);
  state_clear (&state);
}

/* Runs on the worker and drops the last reference to it: dispose then runs on the
 * worker thread, which must not try to join itself. */
static void
release_worker_job (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  JobData *job = task_data;

  g_assert_true (op_worker_is_current (job->extra));
  g_clear_object (&job->extra);
  g_task_return_int (task, job->index);
}

static void
test_released_from_its_own_job (void)
{
  OpWorker *worker = op_worker_new ("test-worker");
  g_autoptr(GTask) task = NULL;
  JobData *job = g_new0 (JobData, 1);
  State state;
  GWeakRef worker_ref;

  state_init (&state);
  g_weak_ref_init (&worker_ref, worker);
  task = g_task_new (NULL, NULL, on_done, &state);

  job->state = &state;
  job->index = 7;
  job->extra = worker;  /* the job owns the only reference */
  g_task_set_task_data (task, job, job_data_free);

  g_assert_false (op_worker_is_current (worker));
  op_worker_run (worker, task, release_worker_job);
  g_clear_object (&task);

  wait_for_completions (&state, 1);
  g_assert_cmpint (g_array_index (state.codes, gint, 0), ==, 0);
  g_assert_null (g_weak_ref_get (&worker_ref));

  /* The detached thread ends right after its job; give it time before the leak check. */
  g_usleep (100 * 1000);
  drain_main_context ();
  g_weak_ref_clear (&worker_ref);
  state_clear (&state);
}

/* Progress ------------------------------------------------------------------------- */

#define PROGRESS_STEPS 2000

typedef struct
{
  State      *state;
  OpProgress *progress;
  guint       n_delivered;
  guint64     last_done;
  guint64     last_total;
  guint64     done_at_completion;
  gint64      job_started;
  gint64      job_ended;
} ProgressData;

static void
on_progress (guint64  done,
             guint64  total,
             gpointer user_data)
{
  ProgressData *data = user_data;

  if (g_thread_self () != data->state->test_thread)
    data->state->n_wrong_thread++;
  data->n_delivered++;
  data->last_done = done;
  data->last_total = total;
}

static void
progress_job (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ProgressData *data = task_data;

  data->job_started = g_get_monotonic_time ();
  for (guint i = 1; i <= PROGRESS_STEPS; i++)
    {
      op_progress_update (data->progress, i, PROGRESS_STEPS);
      g_usleep (500);
    }
  data->job_ended = g_get_monotonic_time ();

  g_task_return_boolean (task, TRUE);
}

static void
on_progress_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ProgressData *data = user_data;

  /* Every delivery came before the task's own callback. */
  data->done_at_completion = data->last_done;
  g_assert_true (g_task_propagate_boolean (G_TASK (result), NULL));
  g_array_append_val (data->state->completed, data->n_delivered);
}

static void
test_progress_rate_limited (void)
{
  g_autoptr(OpWorker) worker = op_worker_new ("test-worker");
  g_autoptr(GTask) task = NULL;
  ProgressData data = { 0 };
  State state;
  double seconds;
  guint limit;

  state_init (&state);
  data.state = &state;

  task = g_task_new (NULL, NULL, on_progress_done, &data);
  data.progress = op_progress_new_for_task (task, on_progress, &data);
  g_task_set_task_data (task, &data, NULL);
  op_worker_run (worker, task, progress_job);
  g_clear_object (&task);

  wait_for_completions (&state, 1);

  seconds = (data.job_ended - data.job_started) / (double) G_USEC_PER_SEC;
  limit = (guint) (seconds * G_USEC_PER_SEC / OP_PROGRESS_INTERVAL_USEC) + 2;
  g_test_message ("%u updates in %.2f s gave %u deliveries (limit %u)",
                  PROGRESS_STEPS, seconds, data.n_delivered, limit);

  g_assert_cmpuint (data.n_delivered, >=, 2);
  g_assert_cmpuint (data.n_delivered, <=, limit);
  g_assert_cmpuint (data.n_delivered, <, PROGRESS_STEPS / 10);
  /* The final values always arrive, before completion. */
  g_assert_cmpuint (data.done_at_completion, ==, PROGRESS_STEPS);
  g_assert_cmpuint (data.last_total, ==, PROGRESS_STEPS);
  g_assert_cmpuint (state.n_wrong_thread, ==, 0);

  g_clear_object (&data.progress);
  g_clear_object (&worker);
  drain_main_context ();
  state_clear (&state);
}

static void
test_progress_finish_delivers_unknown_total (void)
{
  g_autoptr(OpProgress) progress = NULL;
  ProgressData data = { 0 };
  State state;

  state_init (&state);
  data.state = &state;
  progress = op_progress_new (NULL, G_PRIORITY_DEFAULT, on_progress, &data);

  /* Within one interval, updates are coalesced into one delivery of the latest... */
  op_progress_update (progress, 10, 0);
  op_progress_update (progress, 20, 0);
  op_progress_update (progress, 30, 0);
  drain_main_context ();
  g_assert_cmpuint (data.n_delivered, ==, 1);
  g_assert_cmpuint (data.last_done, ==, 30);

  /* ...but finishing delivers the latest at once, and nothing comes after it. */
  op_progress_update (progress, 40, 0);
  op_progress_finish (progress);
  op_progress_update (progress, 50, 0);
  drain_main_context ();
  g_assert_cmpuint (data.n_delivered, ==, 2);
  g_assert_cmpuint (data.last_done, ==, 40);

  state_clear (&state);
}

/* Runs on the worker: blocks until released, whatever its cancellable says (like a
 * phase that cannot be interrupted). */
static void
stubborn_job (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  JobData *job = task_data;
  State *state = job->state;

  g_mutex_lock (&state->mutex);
  state->blocker_started = TRUE;
  g_cond_broadcast (&state->cond);
  while (!state->release)
    g_cond_wait (&state->cond, &state->mutex);
  state->blocker_saw_cancel = g_cancellable_is_cancelled (cancellable);
  g_mutex_unlock (&state->mutex);
  g_task_return_int (task, job->index);
}

typedef struct
{
  State    *state;
  gboolean  done;
  GThread  *thread;
  gboolean  job_had_returned;
} Teardown;

static void
record_teardown (gpointer data)
{
  Teardown *t = data;

  g_mutex_lock (&t->state->mutex);
  t->thread = g_thread_self ();
  t->job_had_returned = t->state->blocker_saw_cancel;
  t->done = TRUE;
  g_cond_broadcast (&t->state->cond);
  g_mutex_unlock (&t->state->mutex);
}

static void
test_release_does_not_wait (void)
{
  OpWorker *worker = op_worker_new ("test-worker");
  Teardown teardown = { 0 };
  gint64 start, end;
  State state;

  state_init (&state);
  teardown.state = &state;

  queue_job (worker, &state, 0, NULL, stubborn_job);
  queue_job (worker, &state, 1, NULL, record_job);
  wait_for_blocker (&state);

  /* The running job ignores its cancellable: release returns anyway… */
  start = g_get_monotonic_time ();
  op_worker_release (worker, record_teardown, &teardown);
  g_object_unref (worker);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  /* …the queued job completes as cancelled without running… */
  wait_for_completions (&state, 1);
  g_assert_cmpuint (g_array_index (state.completed, guint, 0), ==, 1);
  g_assert_cmpint (g_array_index (state.codes, gint, 0), ==, G_IO_ERROR_CANCELLED);
  g_mutex_lock (&state.mutex);
  g_assert_false (teardown.done);
  g_mutex_unlock (&state.mutex);

  /* …and the teardown runs on the worker once the job returned. */
  release_blocker (&state);
  wait_for_completions (&state, 2);
  end = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;
  g_mutex_lock (&state.mutex);
  while (!teardown.done)
    if (!g_cond_wait_until (&state.cond, &state.mutex, end))
      g_error ("the teardown did not run");
  g_mutex_unlock (&state.mutex);
  g_assert_true (teardown.job_had_returned);
  g_assert_true (teardown.thread != g_thread_self ());
  g_assert_cmpuint (state.ran->len, ==, 0);
  drain_main_context ();
  state_clear (&state);
}

static void
test_release_without_thread (void)
{
  OpWorker *worker = op_worker_new ("test-worker");
  State state;
  Teardown teardown = { 0 };

  state_init (&state);
  teardown.state = &state;
  /* No job ever ran: nothing to wait behind, so the teardown runs at once, here. */
  op_worker_release (worker, record_teardown, &teardown);
  g_assert_true (teardown.done);
  g_assert_true (teardown.thread == g_thread_self ());
  g_assert_true (op_worker_is_shut_down (worker));
  g_object_unref (worker);
  state_clear (&state);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/worker/runs-jobs-in-order", test_order);
  g_test_add_func ("/worker/cancel/queued-job-completes-at-once", test_cancel_queued);
  g_test_add_func ("/worker/cancel/before-queueing", test_cancel_before_run);
  g_test_add_func ("/worker/cancel/running-job-returns-cancelled", test_cancel_running);
  g_test_add_func ("/worker/shutdown/cancels-pending-jobs", test_shutdown_with_pending);
  g_test_add_func ("/worker/shutdown/by-dispose", test_dispose_with_pending);
  g_test_add_func ("/worker/shutdown/refuses-later-jobs", test_run_after_shutdown);
  g_test_add_func ("/worker/shutdown/from-its-own-job", test_released_from_its_own_job);
  g_test_add_func ("/worker/release/does-not-wait-for-the-running-job",
                   test_release_does_not_wait);
  g_test_add_func ("/worker/release/without-a-thread-tears-down-at-once",
                   test_release_without_thread);
  g_test_add_func ("/worker/progress/rate-limited-with-final", test_progress_rate_limited);
  g_test_add_func ("/worker/progress/finish-delivers-unknown-total",
                   test_progress_finish_delivers_unknown_total);

  return g_test_run ();
}
