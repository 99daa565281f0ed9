/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Loaded into a GTK program with LD_PRELOAD by bench-startup, the same way into Outpost
 * and into the bare libadwaita window it is compared with, so neither program carries
 * code of its own for the measurement. At the end of the process's first painted frame
 * (the first GdkFrameClock::after-paint of any window) it writes to the file named by
 * $OUTPOST_BENCH_FRAME_FILE one line:
 *
 *   MONOTONIC_US PROCESS_CPU_US LOADED_US
 *
 * the monotonic clock then (the launcher took it before the spawn), the process's CPU
 * time then, and the monotonic clock when this library's constructor ran (the program's
 * libraries mapped and relocated, before main()). Written to NAME.part, then renamed.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

static gint64 loaded_at;
static gboolean written;

static gboolean
on_after_paint (GSignalInvocationHint *hint,
                guint                  n_params,
                const GValue          *params,
                gpointer               data)
{
  const char *path = g_getenv ("OUTPOST_BENCH_FRAME_FILE");
  gint64 now = g_get_monotonic_time ();
  struct timespec cpu;
  g_autofree char *part = NULL;
  g_autofree char *line = NULL;

  if (written || path == NULL)
    return FALSE;
  written = TRUE;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &cpu);
  line = g_strdup_printf ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", now,
                          (gint64) cpu.tv_sec * G_USEC_PER_SEC + cpu.tv_nsec / 1000, loaded_at);
  part = g_strconcat (path, ".part", NULL);
  if (g_file_set_contents (part, line, -1, NULL))
    g_rename (part, path);
  /* Once is enough: the hook goes. */
  return FALSE;
}

__attribute__ ((constructor)) static void
bench_first_frame_init (void)
{
  GTypeClass *klass;

  loaded_at = g_get_monotonic_time ();
  klass = g_type_class_ref (GDK_TYPE_FRAME_CLOCK);
  g_signal_add_emission_hook (g_signal_lookup ("after-paint", GDK_TYPE_FRAME_CLOCK), 0,
                              on_after_paint, NULL, NULL);
  g_type_class_unref (klass);
}
