/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The News view with a 100,000-header group (issue 15 "Benchmarks"): how long from the
 * click on the group in the sidebar until its first rows are drawn, and the worst
 * main-loop stall meanwhile (a probe timer asks to run every PROBE_MS and records how
 * late it runs); then the worst stall scrolling the whole group, collapsing and
 * expanding threads, and Collapse All and Expand All, opening the group with its threads
 * collapsed (kept from before), and the resident memory with the group open over the same view
 * with none. Targets: first rows within 200 ms, no stall over 50 ms, at most 100 MB.
 * Printed, not asserted (a benchmark, not a test). No servers: the store is filled by
 * the store's own code, as ui-news-view fills it.
 *
 *   tests/ui/run-with-display.sh _build/tests/bench/bench-news-view
 *
 * OUTPOST_BENCH_RUNS (default 5): how many times the group is opened (in each order);
 * the best, median and worst are printed.
 */
#define G_LOG_DOMAIN "bench-news-view"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "bench-news-common.h"
#include "news-test-data.h"
#include "news/op-news-server.h"
#include "op-test-fixtures.h"
#include "op-news-thread-list.h"
#include "op-news-view.h"

#define PROBE_MS 5

typedef struct
{
  gint64 last_tick;
  gint64 worst; /* µs beyond PROBE_MS */
} Probe;

static Probe probe;

static gboolean
probe_tick (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();
  gint64 late = now - probe.last_tick - PROBE_MS * 1000;

  probe.worst = MAX (probe.worst, late);
  probe.last_tick = now;
  return G_SOURCE_CONTINUE;
}

static void
probe_reset (void)
{
  probe.last_tick = g_get_monotonic_time ();
  probe.worst = 0;
}

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* A label of the header list reads @text: the row is built, bound and laid out. */
static gboolean
label_in (GtkWidget *widget, const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget)
      && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (label_in (child, text))
      return TRUE;
  return FALSE;
}

/* Runs the main loop until @text is drawn in the header list (a frame after it is laid
 * out); the time it took in µs, -1 after 30 s. */
static gint64
until_drawn (OpNewsView *view, const char *text, gint64 start)
{
  GtkWidget *list = GTK_WIDGET (op_news_view_get_header_list (view));
  GdkFrameClock *clock;
  gint64 frame;

  while (!label_in (list, text))
    {
      if (g_get_monotonic_time () - start > 30 * G_USEC_PER_SEC)
        return -1;
      g_main_context_iteration (NULL, TRUE);
    }
  /* The frame that paints it. */
  clock = gtk_widget_get_frame_clock (list);
  frame = clock != NULL ? gdk_frame_clock_get_frame_counter (clock) : 0;
  while (clock != NULL && gdk_frame_clock_get_frame_counter (clock) == frame
         && g_get_monotonic_time () - start < 30 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  return g_get_monotonic_time () - start;
}

static void
run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}

/* The main thread's CPU time in µs: what the main loop spent, whatever the load. */
static gint64
thread_cpu (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Expand All or Collapse All through the view's action, timed until the pane holds
 * @n_rows rows and a frame more; the worst stall and the main thread's CPU meanwhile. */
static void
all_threads (OpNewsView *view, const char *action, guint n_rows, const char *what)
{
  OpNewsThreadList *list = op_news_view_get_thread_list (view);
  gint64            start, took, cpu;

  iterate ();
  probe_reset ();
  start = g_get_monotonic_time ();
  cpu = thread_cpu ();
  gtk_widget_activate_action (GTK_WIDGET (view), action, NULL);
  while (g_list_model_get_n_items (G_LIST_MODEL (list)) != n_rows
         && g_get_monotonic_time () - start < 30 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  took = g_get_monotonic_time () - start;
  run_for (100);
  cpu = thread_cpu () - cpu;
  printf ("bench-news-view:   %-28s %7.1f ms until done, worst stall %5.1f ms (target 50 ms);"
          " main thread CPU %.1f ms (100 ms after it included)%s\n",
          what, took / 1e3, probe.worst / 1e3, cpu / 1e3,
          g_list_model_get_n_items (G_LIST_MODEL (list)) == n_rows ? "" : " NOT DONE in 30 s");
}

static GtkListBoxRow *
group_row (OpNewsView *view, const char *name)
{
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (op_news_view_get_group_list (view), i))
                  != NULL;
       i++)
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "news-group"), name) == 0)
      return row;
  return NULL;
}

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

  return x < y ? -1 : x > y;
}

static void
print_runs (const char *what, GArray *times, GArray *stalls)
{
  g_array_sort (times, compare_gint64);
  g_array_sort (stalls, compare_gint64);
  printf ("bench-news-view:   %-28s first rows best %6.1f ms, median %6.1f ms, worst %6.1f ms"
          " (target 200 ms); worst stall %5.1f ms\n",
          what, g_array_index (times, gint64, 0) / 1e3,
          g_array_index (times, gint64, times->len / 2) / 1e3,
          g_array_index (times, gint64, times->len - 1) / 1e3,
          g_array_index (stalls, gint64, stalls->len - 1) / 1e3);
}

static void
opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(int *)user_data = op_news_store_finish (OP_NEWS_STORE (source), result, NULL) ? 1 : -1;
}

int
main (int argc, char **argv)
{
  /* The order, the first row's subject, and whether turned around (newest first: the
   * last thread's root is article NEWS_TEST_BIG_COUNT - 4). */
  static const struct
  {
    const char *order;
    const char *first;
    gboolean    descending;
  } orders[] = {
    { "date", "Topic 1", FALSE },
    { "date", "Topic 99996", TRUE },
    { "subject", "Topic 1", FALSE },
    { "author", "Topic 1", FALSE },
  };
  const char      *runs_env = g_getenv ("OUTPOST_BENCH_RUNS");
  guint            runs = runs_env != NULL ? (guint)MAX (1, atoi (runs_env)) : 5;
  g_autofree char *dir = g_dir_make_tmp ("bench-news-view-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "news.sqlite", NULL);
  g_autoptr (OpAccount) account = NULL;
  g_autoptr (OpNewsServer) server = NULL;
  OpNewsThreadList *list;
  GtkWindow       *window;
  OpNewsView      *view;
  gint64           start, rss_none, rss_open;
  int              store_open = 0;

  /* Line by line: a run stopped by its timeout still shows how far it got. */
  setvbuf (stdout, NULL, _IOLBF, 0);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* As meson's benchmark sets it: the view keeps orders and collapsed threads. */
  g_setenv ("GSETTINGS_SCHEMA_DIR", OUTPOST_TEST_SCHEMA_DIR, FALSE);
  gtk_init ();
  adw_init ();
  /* Runs from the start: it also wakes the main loop the waits below iterate. */
  g_timeout_add (PROBE_MS, probe_tick, NULL);

  account = op_account_new (OP_ACCOUNT_KIND_NEWS, NULL);
  op_account_set_host (account, "127.0.0.1");
  op_account_set_port (account, 9);
  op_account_set_security (account, OP_SECURITY_NONE);
  op_account_set_name (account, "Bench News");
  server = op_news_server_new (account, path);
  op_news_store_open_async (op_news_server_get_store (server), NULL, opened, &store_open);
  while (store_open == 0)
    g_main_context_iteration (NULL, TRUE);
  if (store_open < 0)
    {
      printf ("bench-news-view: the store could not be opened in %s\n", dir);
      return 1;
    }
  start = g_get_monotonic_time ();
  news_test_fill_small (op_news_server_get_store (server));
  news_test_fill_big (op_news_server_get_store (server));
  printf ("bench-news-view: stored and threaded %d headers in %.1f s\n", NEWS_TEST_BIG_COUNT,
          (g_get_monotonic_time () - start) / 1e6);

  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (window, 1100, 760);
  view = OP_NEWS_VIEW (op_news_view_new ());
  gtk_window_set_child (window, GTK_WIDGET (view));
  gtk_window_present (window);
  op_news_view_add_server (view, server);
  while (group_row (view, "local.big") == NULL)
    g_main_context_iteration (NULL, TRUE);
  gtk_list_box_select_row (op_news_view_get_group_list (view), group_row (view, "local.small"));
  run_for (1000);
  rss_none = bench_status_kib ("VmRSS:");
  printf ("bench-news-view: resident memory with a small group open: %.1f MB\n",
          rss_none / 1024.0);

  printf ("bench-news-view: %d headers in threads of five, %u runs each, window 1100×760\n",
          NEWS_TEST_BIG_COUNT, runs);
  for (guint o = 0; o < G_N_ELEMENTS (orders); o++)
    {
      g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr (GArray) stalls = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autofree char *what = g_strdup_printf ("open, by %s%s:", orders[o].order,
                                               orders[o].descending ? ", newest first" : "");

      for (guint r = 0; r < runs; r++)
        {
          gint64 took;

          /* Another group first: the big one opens anew, as a click does. */
          gtk_list_box_select_row (op_news_view_get_group_list (view),
                                   group_row (view, "local.small"));
          op_news_view_set_sort_by (view, orders[o].order);
          op_news_view_set_sort_descending (view, orders[o].descending);
          run_for (300);
          iterate ();
          probe_reset ();
          start = g_get_monotonic_time ();
          gtk_list_box_select_row (op_news_view_get_group_list (view),
                                   group_row (view, "local.big"));
          took = until_drawn (view, orders[o].first, start);
          if (took < 0)
            {
              printf ("bench-news-view: the group's first rows were not drawn in 30 s\n");
              return 1;
            }
          run_for (100);
          g_array_append_val (times, took);
          g_array_append_val (stalls, probe.worst);
        }
      print_runs (what, times, stalls);
    }

  /* Scrolling the whole group (by date) in 50 steps and back, as a dragged scroll bar. */
  list = op_news_view_get_thread_list (view);
  rss_open = bench_status_kib ("VmRSS:");
  probe_reset ();
  for (guint v = 0; v < NEWS_TEST_BIG_COUNT; v += NEWS_TEST_BIG_COUNT / 50)
    {
      gtk_widget_activate_action (GTK_WIDGET (op_news_view_get_header_list (view)),
                                  "list.scroll-to-item", "u", v);
      run_for (20);
    }
  printf ("bench-news-view:   scrolling the whole group:   worst stall %5.1f ms (target 50 ms)\n",
          probe.worst / 1e3);
  rss_open = MAX (rss_open, bench_status_kib ("VmRSS:"));

  /* Collapsing and expanding 20 threads in the middle. */
  probe_reset ();
  for (guint i = 0; i < 20; i++)
    {
      guint v = op_news_thread_list_from_model (list, NEWS_TEST_BIG_COUNT / 2 + i * 5);

      op_news_thread_list_set_expanded (list, v, FALSE);
      run_for (10);
    }
  for (guint i = 0; i < 20; i++)
    {
      guint v = op_news_thread_list_from_model (list, NEWS_TEST_BIG_COUNT / 2 + i * 5);

      op_news_thread_list_set_expanded (list, v, TRUE);
      run_for (10);
    }
  printf ("bench-news-view:   collapsing, expanding:       worst stall %5.1f ms (target 50 ms)\n",
          probe.worst / 1e3);

  /* Expand All and Collapse All over the whole group (in the order opened last: by
   * author), a reply in the middle selected: the pane changes as a whole. The first
   * collapse lists the threads' first rows on a worker and hides the selected reply (its
   * thread's root takes the selection); the second has the roots, the root selected. */
  op_news_view_select (view, NEWS_TEST_BIG_COUNT / 2 + 2);
  run_for (200);
  for (guint round = 0; round < 2; round++)
    {
      all_threads (view, "news.collapse-all", NEWS_TEST_BIG_COUNT / 5,
                   round == 0 ? "collapse all (first):" : "collapse all (again):");
      all_threads (view, "news.expand-all", NEWS_TEST_BIG_COUNT,
                   round == 0 ? "expand all (first):" : "expand all (again):");
    }
  printf ("bench-news-view:   selected after them: row %u of the store's model (the reply's"
          " thread starts at %u)\n",
          op_news_view_get_selected (view), NEWS_TEST_BIG_COUNT / 2);
  /* By date: the roots are the index's own order, no threads to sort. */
  op_news_view_set_sort_by (view, "date");
  if (until_drawn (view, "Topic 1", g_get_monotonic_time ()) < 0)
    {
      printf ("bench-news-view: the group's first rows were not drawn in 30 s\n");
      return 1;
    }
  op_news_view_select (view, NEWS_TEST_BIG_COUNT / 2 + 2);
  run_for (200);
  all_threads (view, "news.collapse-all", NEWS_TEST_BIG_COUNT / 5, "collapse all, by date:");
  all_threads (view, "news.expand-all", NEWS_TEST_BIG_COUNT, "expand all, by date:");
  /* The group's threads collapsed are kept: it opens collapsed (its threads' first rows
   * are listed on a worker before the rows show). */
  {
    g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
    g_autoptr (GArray) stalls = g_array_new (FALSE, FALSE, sizeof (gint64));

    all_threads (view, "news.collapse-all", NEWS_TEST_BIG_COUNT / 5, "collapse all, kept:");
    for (guint r = 0; r < runs; r++)
      {
        gint64 took;

        gtk_list_box_select_row (op_news_view_get_group_list (view),
                                 group_row (view, "local.small"));
        run_for (300);
        iterate ();
        probe_reset ();
        start = g_get_monotonic_time ();
        gtk_list_box_select_row (op_news_view_get_group_list (view), group_row (view, "local.big"));
        took = until_drawn (view, "Topic 1", start);
        if (took < 0
            || g_list_model_get_n_items (G_LIST_MODEL (op_news_view_get_thread_list (view)))
                   != NEWS_TEST_BIG_COUNT / 5)
          {
            printf ("bench-news-view: the group did not open collapsed in 30 s\n");
            return 1;
          }
        run_for (100);
        g_array_append_val (times, took);
        g_array_append_val (stalls, probe.worst);
      }
    print_runs ("open, threads collapsed:", times, stalls);
    all_threads (view, "news.expand-all", NEWS_TEST_BIG_COUNT, "expand all, kept:");
  }
  list = op_news_view_get_thread_list (view);
  printf ("bench-news-view:   resident memory: %.1f MB with the group open, %.1f MB with a "
          "small group: %+.1f MB (target at most 100 MB); %u headers held\n",
          rss_open / 1024.0, rss_none / 1024.0, (rss_open - rss_none) / 1024.0,
          op_news_thread_model_get_n_cached (op_news_thread_list_get_model (list)));

  gtk_window_destroy (window);
  iterate ();
  g_clear_object (&server);
  op_test_remove_tree (dir);
  return 0;
}
