/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Shared by the benchmarks (GLib only): CPU time, /proc figures, the machine's load, and
 * the main-loop stall probe of the view benchmarks.
 */

/* CPU time of the process, and of the calling thread, in µs: on a shared machine the
 * wall clock also counts the other processes' turns. */
gint64      bench_cpu_usec          (void);
gint64      bench_thread_cpu_usec   (void);
/* A "Field:" of /proc/self/status in KiB (VmRSS:, VmHWM:), -1 if unknown. */
gint64      bench_status_kib        (const char *field);
/* The same for another process (@pid 0: this one). */
gint64      bench_pid_status_kib    (GPid        pid,
                                     const char *field);
/* Prints "@name: load average @when: 1.00 0.80 0.70 …" (ratios taken on a busy
 * machine say little without it). */
void        bench_print_load        (const char *name,
                                     const char *when);

/*
 * A probe on the thread-default main context that asks to run every @interval_ms and
 * records how late it runs: the worst main-loop stall in wall-clock time (beyond the
 * interval), and the worst main-thread CPU time between two runs (what the window's own
 * work cost, without the turns other processes took on a busy machine).
 */
typedef struct
{
  guint   interval_ms;
  guint   source;
  guint   ticks;
  gint64  last;
  gint64  last_cpu;
  gint64  worst;         /* µs beyond the interval */
  gint64  worst_at;      /* monotonic time when it ended */
  gint64  worst_cpu;     /* µs of the main thread's CPU between two runs */
  gint64  worst_cpu_at;
  gint64  log_cpu_us;    /* OUTPOST_BENCH_STALL_LOG (ms): each turn of this much CPU or more
                          * is printed on stderr with its monotonic times (for perf) */
} BenchProbe;

void        bench_probe_start       (BenchProbe *probe,
                                     guint       interval_ms);
/* Forgets the worst so far (the probe keeps running). */
void        bench_probe_reset       (BenchProbe *probe);
void        bench_probe_stop        (BenchProbe *probe);

G_END_DECLS
