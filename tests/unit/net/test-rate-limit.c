/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-rate-limit"

#include "config.h"

#include <time.h>

#include <glib/gi18n.h>

#include "op-rate-limit.h"

#define KIB 1024
#define MIB (1024 * 1024)
/* Generous: the machine running the tests may be busy, so waits may run long (never
 * short: a bucket that lets bytes through early is the bug these tests look for). */
#define LATE_SECONDS 5.0

static double
now_seconds (void)
{
  return (double) g_get_monotonic_time () / G_USEC_PER_SEC;
}

static double
process_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_unlimited (void)
{
  g_autoptr(OpRateLimit) limit = op_rate_limit_new (0);
  double start = now_seconds ();

  g_assert_cmpuint (op_rate_limit_chunk (limit, 256 * KIB), ==, 256 * KIB);
  for (guint i = 0; i < 4096; i++)
    g_assert_true (op_rate_limit_consume (limit, 256 * KIB, NULL, NULL));
  /* A gigabyte's worth of consuming takes no time at all. */
  g_assert_cmpfloat (now_seconds () - start, <, 1.0);
}

static void
test_chunk (void)
{
  g_autoptr(OpRateLimit) limit = op_rate_limit_new (MIB);

  /* A twentieth of a second's worth, at least 1 KiB, at most what the caller can take. */
  g_assert_cmpuint (op_rate_limit_chunk (limit, 256 * KIB), ==, MIB / 20);
  g_assert_cmpuint (op_rate_limit_chunk (limit, 4 * KIB), ==, 4 * KIB);
  op_rate_limit_set_rate (limit, 100);
  g_assert_cmpuint (op_rate_limit_chunk (limit, 256 * KIB), ==, KIB);
  op_rate_limit_set_rate (limit, 0);
  g_assert_cmpuint (op_rate_limit_chunk (limit, 256 * KIB), ==, 256 * KIB);
}

typedef struct
{
  OpRateLimit  *limit;
  GCancellable *cancellable;
  gsize         bytes;
  gsize         chunk;
  gboolean      ok;
  GError       *error;
  double        finished;
} Consumer;

static gpointer
consume_thread (gpointer data)
{
  Consumer *c = data;
  gsize done = 0;

  c->ok = TRUE;
  while (c->ok && done < c->bytes)
    {
      gsize n = MIN (c->chunk, c->bytes - done);

      c->ok = op_rate_limit_consume (c->limit, n, c->cancellable, &c->error);
      done += n;
    }
  c->finished = now_seconds ();
  return NULL;
}

/* Two transfers share one bucket: together they move at the rate, not twice it, and
 * they sleep while they wait rather than spin. */
static void
test_shared_rate (void)
{
  g_autoptr(OpRateLimit) limit = op_rate_limit_new (MIB);
  Consumer a = { limit, NULL, 300 * KIB, 32 * KIB };
  Consumer b = { limit, NULL, 300 * KIB, 64 * KIB };
  double start = now_seconds ();
  double cpu = process_cpu_seconds ();
  GThread *ta = g_thread_new ("a", consume_thread, &a);
  GThread *tb = g_thread_new ("b", consume_thread, &b);
  double elapsed;

  g_thread_join (ta);
  g_thread_join (tb);
  elapsed = MAX (a.finished, b.finished) - start;
  cpu = process_cpu_seconds () - cpu;
  g_test_message ("600 KiB at 1 MiB/s by two threads: %.3f s, %.3f s of CPU", elapsed, cpu);
  g_assert_true (a.ok && b.ok);
  /* The bucket starts empty: the last bytes wait until the rate has paid for all but
   * the final chunk. */
  g_assert_cmpfloat (elapsed, >=, (600.0 - 64.0) / 1024.0 - 0.01);
  g_assert_cmpfloat (elapsed, <, 600.0 / 1024.0 + LATE_SECONDS);
  /* Sleeping, not busy waiting. */
  g_assert_cmpfloat (cpu, <, 0.25);
}

/* After an idle spell the bucket holds at most a fifth of a second's worth. */
static void
test_burst_is_bounded (void)
{
  g_autoptr(OpRateLimit) limit = op_rate_limit_new (MIB);
  double start;

  g_usleep (G_USEC_PER_SEC / 2);
  start = now_seconds ();
  g_assert_true (op_rate_limit_consume (limit, MIB, NULL, NULL));
  g_assert_cmpfloat (now_seconds () - start, >=, 0.8 - 0.01);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* A transfer waiting for a slow limit stops within a slice of its cancel. */
static void
test_cancel_while_waiting (void)
{
  g_autoptr(OpRateLimit) limit = op_rate_limit_new (KIB);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Consumer c = { limit, cancellable, MIB, MIB };   /* a wait of 1,024 s */
  double start = now_seconds ();
  GThread *thread;

  g_timeout_add (100, cancel_later, cancellable);
  thread = g_thread_new ("consumer", consume_thread, &c);
  while (!g_cancellable_is_cancelled (cancellable))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  g_assert_false (c.ok);
  g_assert_error (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpfloat (c.finished - start, <, LATE_SECONDS);
  g_clear_error (&c.error);
}

/* A new rate applies to a transfer already waiting: raised, its wait shrinks; removed,
 * it goes at once. */
static void
test_rate_change_while_waiting (void)
{
  guint64 rates[] = { 64 * MIB, 0 };

  for (guint i = 0; i < G_N_ELEMENTS (rates); i++)
    {
      g_autoptr(OpRateLimit) limit = op_rate_limit_new (KIB);
      Consumer c = { limit, NULL, 64 * KIB, 64 * KIB };   /* 64 s at 1 KiB/s */
      double start = now_seconds ();
      GThread *thread = g_thread_new ("consumer", consume_thread, &c);

      g_usleep (G_USEC_PER_SEC / 10);
      op_rate_limit_set_rate (limit, rates[i]);
      g_assert_cmpuint (op_rate_limit_get_rate (limit), ==, rates[i]);
      g_thread_join (thread);
      g_assert_true (c.ok);
      g_assert_cmpfloat (c.finished - start, <, LATE_SECONDS);
    }
}

/* Lowering the limit after a fast spell does not stall for the old debt's worth at the
 * new rate beyond a fifth of a second. */
static void
test_rate_drop_caps_debt (void)
{
  g_autoptr(OpRateLimit) limit = op_rate_limit_new (64 * MIB);
  Consumer c = { limit, NULL, 32 * MIB, 32 * MIB };   /* half a second at 64 MiB/s */
  double start = now_seconds ();
  GThread *thread = g_thread_new ("consumer", consume_thread, &c);

  g_usleep (G_USEC_PER_SEC / 20);
  op_rate_limit_set_rate (limit, 10 * KIB);
  g_thread_join (thread);
  g_assert_true (c.ok);
  g_assert_cmpfloat (c.finished - start, <, 0.2 + LATE_SECONDS);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rate-limit/unlimited-never-waits", test_unlimited);
  g_test_add_func ("/rate-limit/chunk-follows-the-rate", test_chunk);
  g_test_add_func ("/rate-limit/shared-by-two-threads", test_shared_rate);
  g_test_add_func ("/rate-limit/burst-is-bounded", test_burst_is_bounded);
  g_test_add_func ("/rate-limit/cancel-while-waiting", test_cancel_while_waiting);
  g_test_add_func ("/rate-limit/rate-change-while-waiting", test_rate_change_while_waiting);
  g_test_add_func ("/rate-limit/rate-drop-caps-debt", test_rate_drop_caps_debt);
  return g_test_run ();
}
