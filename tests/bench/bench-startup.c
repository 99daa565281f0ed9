/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Start-up and idle memory (issue 13 "Benchmarks"), under Xvfb:
 *
 *   bench-startup FIRST-FRAME-MODULE BARE-WINDOW OUTPOST
 *
 * Starts the bare libadwaita window (bench-bare-window) and Outpost in turns,
 * OUTPOST_BENCH_RUNS times each (default 5), each with a fresh profile (no account), the
 * memory GSettings backend, the cairo renderer (unless GSK_RENDERER is set) and no
 * portal, and FIRST-FRAME-MODULE preloaded (bench-first-frame.c: it reports the end of
 * the first painted frame). For each start it prints the time from the spawn to the end
 * of the first frame, how much of it came before main() (loading the libraries), the
 * process's CPU time by then, and its resident memory (RSS and PSS) after
 * OUTPOST_BENCH_IDLE_SECONDS (default 3) of idling. Then the medians and bests, Outpost's
 * ratio to the bare window (target at most 1.25) and its idle memory over the bare
 * window's (target at most 30 MB). Never fails on timing.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "bench-common.h"

#define NAME "bench-startup"
#define TARGET_RATIO 1.25
#define TARGET_EXTRA_MB 30
#define FRAME_TIMEOUT_SECONDS 60

typedef struct
{
  double wall_ms;     /* spawn → end of the first frame */
  double before_main_ms;
  double cpu_ms;
  double rss_mb;
  double pss_mb;
} Start;

static void
die (const char *what)
{
  printf ("%s: %s\n", NAME, what);
  exit (1);
}

static double
pss_mb (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/smaps_rollup", (int) pid);
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (p = strstr (text, "\nPss:")) == NULL)
    return -1;
  return g_ascii_strtoll (p + strlen ("\nPss:"), NULL, 10) / 1024.0;
}

static void
remove_tree (const char *dir)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", dir);

  if (system (command) != 0)
    printf ("%s: could not remove %s\n", NAME, dir);
}

static Start
start_once (const char *module,
            const char *program,
            guint       idle_seconds)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *profile = g_dir_make_tmp ("outpost-bench-startup-XXXXXX", &error);
  g_autofree char *frame_file = NULL;
  g_autofree char *config = NULL, *data = NULL, *cache = NULL;
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GSubprocess) process = NULL;
  const char *argv[] = { program, NULL };
  g_autofree char *line = NULL;
  gint64 spawned, end, frame = 0, cpu = 0, loaded = 0;
  GPid pid;
  Start start = { 0 };

  if (profile == NULL)
    die (error->message);
  frame_file = g_build_filename (profile, "first-frame", NULL);
  config = g_build_filename (profile, "config", NULL);
  data = g_build_filename (profile, "data", NULL);
  cache = g_build_filename (profile, "cache", NULL);
  g_subprocess_launcher_setenv (launcher, "LD_PRELOAD", module, TRUE);
  g_subprocess_launcher_setenv (launcher, "OUTPOST_BENCH_FRAME_FILE", frame_file, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", cache, TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_SCHEMA_DIR", OUTPOST_TEST_SCHEMA_DIR, TRUE);
  g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", "cairo", FALSE);
  g_subprocess_launcher_setenv (launcher, "ADW_DISABLE_PORTAL", "1", TRUE);

  spawned = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (process == NULL)
    die (error->message);
  pid = atoi (g_subprocess_get_identifier (process));

  end = spawned + FRAME_TIMEOUT_SECONDS * G_USEC_PER_SEC;
  while (!g_file_get_contents (frame_file, &line, NULL, NULL))
    {
      if (g_get_monotonic_time () > end)
        die ("no first frame within a minute");
      if (g_subprocess_get_identifier (process) == NULL)
        die ("the program exited before its first frame");
      g_usleep (2000);
    }
  if (sscanf (line, "%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &frame, &cpu, &loaded) != 3)
    die ("the first-frame module wrote something else");

  g_usleep (idle_seconds * G_USEC_PER_SEC);
  start.wall_ms = (frame - spawned) / 1e3;
  start.before_main_ms = (loaded - spawned) / 1e3;
  start.cpu_ms = cpu / 1e3;
  start.rss_mb = bench_pid_status_kib (pid, "VmRSS:") / 1024.0;
  start.pss_mb = pss_mb (pid);

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
  remove_tree (profile);
  return start;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* The median and the least of @field over @starts. */
static void
summary (GArray *starts,
         gsize   offset,
         double *median,
         double *best)
{
  g_autoptr (GArray) values = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < starts->len; i++)
    {
      double value = G_STRUCT_MEMBER (double, &g_array_index (starts, Start, i), offset);
      g_array_append_val (values, value);
    }
  g_array_sort (values, compare_doubles);
  *best = g_array_index (values, double, 0);
  *median = values->len % 2 == 1 ? g_array_index (values, double, values->len / 2)
    : (g_array_index (values, double, values->len / 2 - 1) + g_array_index (values, double, values->len / 2)) / 2;
}

int
main (int    argc,
      char **argv)
{
  const char *runs_env = g_getenv ("OUTPOST_BENCH_RUNS");
  const char *idle_env = g_getenv ("OUTPOST_BENCH_IDLE_SECONDS");
  guint runs = runs_env != NULL ? (guint) atoi (runs_env) : 5;
  guint idle = idle_env != NULL ? (guint) atoi (idle_env) : 3;
  const char *labels[] = { "bare window", "outpost" };
  g_autoptr (GArray) bare = g_array_new (FALSE, FALSE, sizeof (Start));
  g_autoptr (GArray) outpost = g_array_new (FALSE, FALSE, sizeof (Start));
  GArray *all[] = { bare, outpost };
  double wall[2][2], cpu[2][2], rss[2][2], pss[2][2], before[2][2];

  if (argc != 4 || runs == 0)
    {
      fprintf (stderr, "Usage: %s FIRST-FRAME-MODULE BARE-WINDOW OUTPOST\n", argv[0]);
      return 2;
    }
  bench_print_load (NAME, "at the start");
  for (guint run = 0; run < runs; run++)
    for (guint k = 0; k < 2; k++)
      {
        Start start = start_once (argv[1], argv[2 + k], idle);

        g_array_append_val (all[k], start);
        printf ("%s: run %u %-11s first frame after %6.1f ms (%5.1f ms before main), CPU %6.1f ms; "
                "idle after %u s: RSS %5.1f MB, PSS %5.1f MB\n",
                NAME, run + 1, labels[k], start.wall_ms, start.before_main_ms, start.cpu_ms, idle,
                start.rss_mb, start.pss_mb);
      }
  bench_print_load (NAME, "at the end");

  for (guint k = 0; k < 2; k++)
    {
      summary (all[k], G_STRUCT_OFFSET (Start, wall_ms), &wall[k][0], &wall[k][1]);
      summary (all[k], G_STRUCT_OFFSET (Start, before_main_ms), &before[k][0], &before[k][1]);
      summary (all[k], G_STRUCT_OFFSET (Start, cpu_ms), &cpu[k][0], &cpu[k][1]);
      summary (all[k], G_STRUCT_OFFSET (Start, rss_mb), &rss[k][0], &rss[k][1]);
      summary (all[k], G_STRUCT_OFFSET (Start, pss_mb), &pss[k][0], &pss[k][1]);
      printf ("%s: %-11s median of %u: first frame %.1f ms (best %.1f), before main %.1f ms, CPU %.1f ms (best %.1f); "
              "idle RSS %.1f MB, PSS %.1f MB\n",
              NAME, labels[k], runs, wall[k][0], wall[k][1], before[k][0], cpu[k][0], cpu[k][1],
              rss[k][0], pss[k][0]);
    }
  printf ("%s: start-up to the first window, outpost / bare window: %.2f (medians), %.2f (bests), "
          "%.2f (CPU, medians); target at most %.2f\n",
          NAME, wall[1][0] / wall[0][0], wall[1][1] / wall[0][1], cpu[1][0] / cpu[0][0], TARGET_RATIO);
  printf ("%s: idle memory with no account, outpost − bare window: RSS %+.1f MB, PSS %+.1f MB (medians); "
          "target at most +%d MB\n",
          NAME, rss[1][0] - rss[0][0], pss[1][0] - pss[0][0], TARGET_EXTRA_MB);
  return 0;
}
