/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-news-over"

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "bench-news-common.h"
#include "news/op-news-store.h"
#include "news/op-news-sync.h"
#include "nntp/op-nntp-client.h"
#include "nntp/op-nntp-reply.h"

/*
 * OVER of INN's big group (tests/servers/inn.sh with OUTPOST_TEST_INN_BIG=1: 100,000
 * articles) into the news store with threading, next to the raw wire read of the same
 * OVER in the same run (issue 14 "Benchmarks": at most 1.5 times), on INN's plain
 * reader port:
 *
 *   wire:   plain GIO: GROUP, then OVER low-high, the block read off the socket and
 *           split into lines, nothing parsed;
 *   engine: the real path: OpNntpClient (connected beforehand) and op_news_sync_group
 *           into an OpNewsStore: LIST ACTIVE, GROUP, then OVER in chunks whose batches
 *           the client parses on its worker while the store thread stores and threads
 *           the batches before.
 *
 * They take turns for OUTPOST_BENCH_RUNS rounds (default 3), a fresh database each
 * time; each one's best counts. Then: resident memory per header held after the fetch
 * (VmRSS right after the last sync, its store and client still open, minus before the
 * first; the limit is 200 bytes), and the thread model's first rows (50 ms).
 * Without the big group it exits 77 (skipped).
 */

#define READ_BLOCK (64 * 1024)

static char *
read_status (GDataInputStream *in)
{
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  char *line = g_data_input_stream_read_line (in, &length, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  if (length > 0 && line[length - 1] == '\r')
    line[length - 1] = '\0';
  return line;
}

static void
send_line (GOutputStream *out,
           const char    *line)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *wire = g_strconcat (line, "\r\n", NULL);

  g_assert_true (g_output_stream_write_all (out, wire, strlen (wire), NULL, NULL, &error));
  g_assert_no_error (error);
}

typedef struct
{
  gint64  wall;
  gint64  cpu;
  guint64 lines;
  gint64  rss_kib;   /* VmRSS right after the fetch, the store still open */
} Run;

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* The engine: the group synced from INN into a new store at @database_path. */
static Run
run_sync (const char *host,
          guint16     port,
          const char *group,
          const char *database_path)
{
  g_autoptr(OpNewsStore) store = op_news_store_new (database_path);
  g_autoptr(OpNntpClient) client = op_nntp_client_new (host, port, OP_SECURITY_NONE);
  g_autoptr(GAsyncResult) opened = NULL, connected = NULL, synced = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { 0, };
  gint64 t0, c0;

  op_news_store_open_async (store, NULL, store_result, &opened);
  g_assert_true (op_news_store_finish (store, wait_result (&opened), &error));
  g_assert_no_error (error);
  op_nntp_client_connect_async (client, NULL, NULL, NULL, store_result, &connected);
  g_assert_true (op_nntp_client_connect_finish (client, wait_result (&connected), &error));
  g_assert_no_error (error);

  t0 = g_get_monotonic_time ();
  c0 = bench_cpu_usec ();
  op_news_sync_group_async (store, client, group, 0, NULL, NULL, NULL, store_result, &synced);
  g_assert_true (op_news_sync_group_finish (store, wait_result (&synced), &run.lines, &error));
  g_assert_no_error (error);
  run.cpu = bench_cpu_usec () - c0;
  run.wall = g_get_monotonic_time () - t0;
  run.rss_kib = bench_status_kib ("VmRSS:");
  return run;
}

/* The wire: one OVER of the whole group, its lines only split. */
static Run
run_over (const char *host,
          guint16     port,
          const char *group)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *greeting = NULL;
  g_autofree char *group_reply = NULL;
  g_autofree char *over_reply = NULL;
  g_autofree char *group_command = g_strdup_printf ("GROUP %s", group);
  g_autofree char *over_command = NULL;
  g_autofree char *range = NULL;
  BenchNews *bench = bench_news_new (NULL, group);
  guint64 count = 0, low = 0, high = 0;
  guint8 *block = g_malloc (READ_BLOCK);
  gboolean done = FALSE;
  GOutputStream *out;
  Run run = { 0, };
  gint64 t0, c0;

  connection = g_socket_client_connect_to_host (client, host, port, NULL, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  greeting = read_status (in);
  g_assert_true (g_str_has_prefix (greeting, "200 ") || g_str_has_prefix (greeting, "201 "));
  send_line (out, group_command);
  group_reply = read_status (in);
  g_assert_true (g_str_has_prefix (group_reply, "211 "));
  g_assert_true (op_nntp_parse_group_reply (group_reply + 4, &count, &low, &high, NULL, NULL));
  range = op_nntp_range_format (low, high);
  over_command = g_strdup_printf ("OVER %s", range);

  t0 = g_get_monotonic_time ();
  c0 = bench_cpu_usec ();
  send_line (out, over_command);
  over_reply = read_status (in);
  g_assert_true (g_str_has_prefix (over_reply, "224"));
  /* What the data stream already buffered, then the socket. */
  {
    gsize buffered = 0;
    const void *data = g_buffered_input_stream_peek_buffer (G_BUFFERED_INPUT_STREAM (in), &buffered);

    if (buffered > 0)
      {
        g_autofree guint8 *copy = g_memdup2 (data, buffered);

        g_input_stream_skip (G_INPUT_STREAM (in), buffered, NULL, NULL);
        done = bench_news_feed (bench, copy, buffered, NULL);
      }
  }
  while (!done)
    {
      gssize got = g_input_stream_read (G_INPUT_STREAM (in), block, READ_BLOCK, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (got, >, 0);
      done = bench_news_feed (bench, block, got, NULL);
    }
  run.lines = bench_news_finish (bench);
  run.cpu = bench_cpu_usec () - c0;
  run.wall = g_get_monotonic_time () - t0;
  send_line (out, "QUIT");
  bench_news_free (bench);
  g_free (block);
  return run;
}

static void
remove_database (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
}

int
main (int   argc,
      char *argv[])
{
  const char *host = g_getenv ("OUTPOST_TEST_NEWS_HOST");
  const char *port_text = g_getenv ("OUTPOST_TEST_INN_PORT");
  const char *group = g_getenv ("OUTPOST_TEST_INN_BIG_GROUP");
  const char *runs_text = g_getenv ("OUTPOST_BENCH_RUNS");
  guint runs = runs_text != NULL ? (guint) g_ascii_strtoull (runs_text, NULL, 10) : 3;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *db_path = NULL;
  Run best_raw = { G_MAXINT64, G_MAXINT64, 0, 0 }, best_engine = { G_MAXINT64, G_MAXINT64, 0, 0 };
  gint64 rss_before, rss_after = 0;
  guint64 port = 0;

  if (host == NULL || port_text == NULL || group == NULL ||
      !g_ascii_string_to_unsigned (port_text, 10, 1, G_MAXUINT16, &port, NULL))
    {
      printf ("news-over: skipped: start INN with its big group "
              "(OUTPOST_TEST_INN_BIG=1 tests/servers/start --only inn) and source its env\n");
      return 77;
    }
  dir = g_dir_make_tmp ("outpost-bench-news-over-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (dir, "bench.sqlite", NULL);

  /* Before any engine run: what the fetches make the process hold, caches included. */
  rss_before = bench_status_kib ("VmRSS:");
  bench_print_load ("news-over", "before");
  for (guint r = 0; r < MAX (runs, 1u); r++)
    {
      Run raw = run_over (host, port, group);
      Run engine;

      remove_database (db_path);
      engine = run_sync (host, port, group, db_path);
      rss_after = engine.rss_kib;
      g_assert_cmpuint (raw.lines, ==, engine.lines);
      printf ("round %u: wire %.3f s, engine %.3f s, ratio %.1f (%.1f µs CPU per header)\n",
              r + 1, raw.wall / 1e6, engine.wall / 1e6, (double) engine.wall / MAX (raw.wall, 1),
              (double) engine.cpu / engine.lines);
      if (raw.wall < best_raw.wall)
        best_raw = raw;
      if (engine.wall < best_engine.wall)
        best_engine = engine;
    }

  bench_print_load ("news-over", "after");
  printf ("news-over: OVER of %s from INN, %" G_GUINT64_FORMAT " headers, best of %u\n", group,
          best_engine.lines, MAX (runs, 1u));
  printf ("wire (read and split the block):  %.3f s wall, %.3f s CPU\n", best_raw.wall / 1e6,
          best_raw.cpu / 1e6);
  printf ("engine (client, sync, store):     %.3f s wall, %.3f s CPU\n", best_engine.wall / 1e6,
          best_engine.cpu / 1e6);
  printf ("ratio engine/wire:                %.1f (issue 14: at most 1.5)\n",
          (double) best_engine.wall / MAX (best_raw.wall, 1));
  printf ("resident memory per header held:  %.1f bytes (issue 14: at most 200; %+.1f MB "
          "since before the first fetch)\n",
          MAX (0, rss_after - rss_before) * 1024.0 / MAX (best_engine.lines, 1),
          (rss_after - rss_before) / 1024.0);
  bench_print_model (db_path, group);

  remove_database (db_path);
  g_rmdir (dir);
  return 0;
}
