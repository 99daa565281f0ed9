/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench-common.h"

static gint64
clock_usec (clockid_t clock)
{
  struct timespec ts;

  clock_gettime (clock, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

gint64
bench_cpu_usec (void)
{
  return clock_usec (CLOCK_PROCESS_CPUTIME_ID);
}

gint64
bench_thread_cpu_usec (void)
{
  return clock_usec (CLOCK_THREAD_CPUTIME_ID);
}

gint64
bench_pid_status_kib (GPid        pid,
                      const char *field)
{
  g_autofree char *path = pid != 0 ? g_strdup_printf ("/proc/%d/status", (int) pid)
                                   : g_strdup ("/proc/self/status");
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents (path, &status, NULL, NULL))
    return -1;
  p = strstr (status, field);
  if (p == NULL)
    return -1;
  return g_ascii_strtoll (p + strlen (field), NULL, 10);
}

gint64
bench_status_kib (const char *field)
{
  return bench_pid_status_kib (0, field);
}

void
bench_print_load (const char *name,
                  const char *when)
{
  g_autofree char *text = NULL;

  if (g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    printf ("%s: load average %s: %s", name, when, text);
}

static gboolean
probe_tick (gpointer data)
{
  BenchProbe *probe = data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = bench_thread_cpu_usec ();

  if (probe->last != 0 && now - probe->last - probe->interval_ms * 1000 > probe->worst)
    {
      probe->worst = now - probe->last - probe->interval_ms * 1000;
      probe->worst_at = now;
    }
  if (probe->log_cpu_us > 0 && probe->last_cpu != 0 && cpu - probe->last_cpu >= probe->log_cpu_us)
    fprintf (stderr, "bench-probe: turn of %.1f ms CPU, %.1f ms wall, monotonic %.6f to %.6f s\n",
             (cpu - probe->last_cpu) / 1000.0, (now - probe->last) / 1000.0,
             probe->last / 1e6, now / 1e6);
  if (probe->last_cpu != 0 && cpu - probe->last_cpu > probe->worst_cpu)
    {
      probe->worst_cpu = cpu - probe->last_cpu;
      probe->worst_cpu_at = now;
    }
  probe->last = now;
  probe->last_cpu = cpu;
  probe->ticks++;
  return G_SOURCE_CONTINUE;
}

void
bench_probe_start (BenchProbe *probe,
                   guint       interval_ms)
{
  const char *log = g_getenv ("OUTPOST_BENCH_STALL_LOG");

  memset (probe, 0, sizeof *probe);
  probe->interval_ms = interval_ms;
  if (log != NULL)
    probe->log_cpu_us = g_ascii_strtoll (log, NULL, 10) * 1000;
  probe->last = g_get_monotonic_time ();
  probe->last_cpu = bench_thread_cpu_usec ();
  probe->source = g_timeout_add (interval_ms, probe_tick, probe);
}

void
bench_probe_reset (BenchProbe *probe)
{
  probe->worst = probe->worst_at = 0;
  probe->worst_cpu = probe->worst_cpu_at = 0;
  probe->ticks = 0;
  probe->last = g_get_monotonic_time ();
  probe->last_cpu = bench_thread_cpu_usec ();
}

void
bench_probe_stop (BenchProbe *probe)
{
  g_clear_handle_id (&probe->source, g_source_remove);
}
