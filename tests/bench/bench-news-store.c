/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-news-store"

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "bench-news-common.h"

/*
 * The news store with a recorded OVER stream of OUTPOST_BENCH_NEWS_HEADERS headers
 * (default 1,000,000; issue 14 "Benchmarks"): the stream (CRLF, dot-stuffed, INN's
 * overview format with Xref:full, threads of 1 to 30 articles with References chains,
 * "Re:" subjects, some replies whose parents never arrived) is written to a file, then
 *
 *   reference: the file read in 64 KiB blocks and split into unstuffed lines
 *              (op_nntp_block_next_line), nothing parsed: what reading the wire costs;
 *   engine:    the same read, every line through op_nntp_overview_parse, into the store
 *              with threading (_op_news_db_add_overviews, batches of 5,000: what the
 *              store thread runs for each OVER batch).
 *
 * (bench-news-common.c). It prints both times and their ratio, the resident memory the process holds after
 * the fetch per header stored (VmRSS after minus before, /proc/self/status; the issue's
 * limit is 200 bytes), the peak, and how long the thread model takes to give its first
 * 50 rows and a row in the middle and at the end, then the first 50 rows newest first, by
 * subject and by author. OUTPOST_BENCH_NEWS_KEEP=path keeps the store at path;
 * OUTPOST_BENCH_NEWS_OPEN=path measures only the openings on a store kept so.
 */

#define READ_BLOCK (64 * 1024)

/* Writes the recorded stream: the 224 line, N overview lines, the terminator. */
static void
write_stream (const char *path,
              guint       n)
{
  FILE *f = fopen (path, "wb");
  GRand *rand = g_rand_new_with_seed (1414);
  guint number = 1;
  guint thread = 0;

  g_assert_nonnull (f);
  fputs ("224 Overview information follows\r\n", f);
  while (number <= n)
    {
      guint size = (guint) g_rand_int_range (rand, 1, 31);
      gint64 start = 1700000000 + (gint64) thread * 97;
      gboolean lost_root = g_rand_int_range (rand, 0, 20) == 0;

      for (guint k = 0; k < size && number <= n; k++, number++)
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (start + k * 61);
          g_autofree char *date = g_date_time_format (when, "%a, %d %b %Y %H:%M:%S +0000");
          GString *refs = g_string_new (NULL);
          /* Each reply answers a random earlier article of its thread: its References
           * are the chain from the root to that article (at most the last ten). */
          guint parent = k > 0 ? (guint) g_rand_int_range (rand, 0, k) : 0;

          if (k > 0)
            {
              guint first = parent > 9 ? parent - 9 : 0;

              for (guint r = first; r <= parent; r++)
                {
                  if (r == 0 && lost_root)
                    g_string_append_printf (refs, "%s<lost.%u@bench.example>", refs->len ? " " : "", thread);
                  else
                    g_string_append_printf (refs, "%s<%u.%u@bench.example>", refs->len ? " " : "", thread, r);
                }
            }
          if (k == 0 && lost_root)
            {
              /* The root expired: the thread starts with a reply to it. */
              g_string_append_printf (refs, "<lost.%u@bench.example>", thread);
            }
          fprintf (f, "%u\t%sA benchmark thread number %u about something\t"
                      "Poster %u <poster%u@bench.example>\t%s\t<%u.%u@bench.example>\t%s\t%u\t%u\t"
                      "Xref: bench.example bench.group:%u\r\n",
                   number, k > 0 || lost_root ? "Re: " : "", thread, number % 997,
                   number % 997, date, thread, k, refs->str,
                   (guint) g_rand_int_range (rand, 800, 20000), (guint) g_rand_int_range (rand, 5, 400),
                   number);
          g_string_free (refs, TRUE);
        }
      thread++;
    }
  fputs (".\r\n", f);
  fclose (f);
  g_rand_free (rand);
}

/* Feeds the recorded stream (after its status line) to @bench in 64 KiB blocks; returns
 * the lines. */
static guint64
read_stream (const char *path,
             BenchNews  *bench)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, &error);
  g_autoptr(GDataInputStream) data = NULL;
  g_autofree char *status = NULL;
  g_autofree guint8 *block = g_malloc (READ_BLOCK);
  gboolean done = FALSE;

  g_assert_no_error (error);
  data = g_data_input_stream_new (G_INPUT_STREAM (in));
  status = g_data_input_stream_read_line (data, NULL, NULL, &error);
  g_assert_nonnull (status);
  while (!done)
    {
      gssize got = g_input_stream_read (G_INPUT_STREAM (data), block, READ_BLOCK, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (got, >, 0);
      done = bench_news_feed (bench, block, got, NULL);
    }
  return bench_news_finish (bench);
}

int
main (int   argc,
      char *argv[])
{
  const char *env = g_getenv ("OUTPOST_BENCH_NEWS_HEADERS");
  guint n = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : 1000000;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("outpost-bench-news-XXXXXX", &error);
  g_autofree char *stream = g_build_filename (dir, "over.txt", NULL);
  g_autofree char *db_path = g_build_filename (dir, "bench.sqlite", NULL);
  g_autofree char *wal = g_strconcat (db_path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (db_path, "-shm", NULL);
  gint64 t0, t_raw, t_ingest, rss_before, rss_after, c0, c_raw, c_ingest;
  BenchNews *bench;
  guint64 lines;
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_cmpuint (n, >, 0);
  /* OUTPOST_BENCH_NEWS_OPEN=path: only the thread model's openings, on a kept store. */
  if (g_getenv ("OUTPOST_BENCH_NEWS_OPEN") != NULL)
    {
      bench_print_model (g_getenv ("OUTPOST_BENCH_NEWS_OPEN"), "bench.group");
      g_rmdir (dir);
      return 0;
    }
  write_stream (stream, n);
  g_assert_cmpint (g_stat (stream, &st), ==, 0);
  printf ("news-store: %u headers, recorded OVER stream of %.1f MB\n", n, st.st_size / 1e6);

  /* Reference first, after one untimed read so both find the file in the page cache. */
  bench = bench_news_new (NULL, "bench.group");
  read_stream (stream, bench);
  bench_news_free (bench);
  bench = bench_news_new (NULL, "bench.group");
  t0 = g_get_monotonic_time ();
  c0 = bench_cpu_usec ();
  lines = read_stream (stream, bench);
  c_raw = bench_cpu_usec () - c0;
  t_raw = g_get_monotonic_time () - t0;
  bench_news_free (bench);
  g_assert_cmpuint (lines, ==, n);

  bench = bench_news_new (db_path, "bench.group");
  rss_before = bench_status_kib ("VmRSS:");
  t0 = g_get_monotonic_time ();
  c0 = bench_cpu_usec ();
  lines = read_stream (stream, bench);
  c_ingest = bench_cpu_usec () - c0;
  t_ingest = g_get_monotonic_time () - t0;
  rss_after = bench_status_kib ("VmRSS:");
  g_assert_cmpuint (lines, ==, n);

  printf ("reference (read and split the stream): %.3f s wall, %.3f s CPU\n", t_raw / 1e6,
          c_raw / 1e6);
  printf ("engine (parse, store, thread):         %.3f s wall, %.3f s CPU (%.1f µs CPU per header)\n",
          t_ingest / 1e6, c_ingest / 1e6, (double) c_ingest / n);
  printf ("ratio engine/reference:                %.1f wall, %.1f CPU (issue 14: at most 1.5 "
          "against INN's wire, not this file: bench-news-over)\n",
          (double) t_ingest / MAX (t_raw, 1), (double) c_ingest / MAX (c_raw, 1));
  printf ("resident memory after the fetch:       %.1f MB, %+.1f MB for the headers\n",
          rss_after / 1024.0, (rss_after - rss_before) / 1024.0);
  printf ("resident memory per header held:       %.1f bytes (issue 14: at most 200)\n",
          MAX (0, rss_after - rss_before) * 1024.0 / n);
  printf ("peak resident memory:                  %.1f MB\n", bench_status_kib ("VmHWM:") / 1024.0);
  g_assert_cmpint (g_stat (db_path, &st), ==, 0);
  printf ("database on disk:                      %.1f MB (%.0f bytes per header)\n",
          st.st_size / 1e6, (double) st.st_size / n);
  bench_news_free (bench);

  bench_print_model (db_path, "bench.group");

  g_unlink (stream);
  g_unlink (wal);
  g_unlink (shm);
  /* OUTPOST_BENCH_NEWS_KEEP=path keeps the store there (for EXPLAIN and callgrind). */
  if (g_getenv ("OUTPOST_BENCH_NEWS_KEEP") != NULL)
    g_assert_cmpint (g_rename (db_path, g_getenv ("OUTPOST_BENCH_NEWS_KEEP")), ==, 0);
  g_unlink (db_path);
  g_rmdir (dir);
  return 0;
}
