/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-news"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench-news-common.h"
#include "news/op-news-db.h"
#include "news/op-news-thread-model.h"
#include "nntp/op-nntp-overview.h"
#include "nntp/op-nntp-reply.h"

#define BATCH 5000

struct _BenchNews
{
  char                 *group;
  sqlite3              *db;        /* NULL for the reference */
  OpNntpOverviewFormat *format;
  GPtrArray            *batch;
  GByteArray           *pending;   /* an incomplete line */
  guint64               lines;
};

BenchNews *
bench_news_new (const char *database_path,
                const char *group)
{
  BenchNews *bench = g_new0 (BenchNews, 1);

  bench->group = g_strdup (group);
  bench->pending = g_byte_array_new ();
  if (database_path != NULL)
    {
      g_autoptr(GError) error = NULL;

      bench->db = _op_news_db_open (database_path, FALSE, &error);
      g_assert_no_error (error);
      bench->format = op_nntp_overview_format_new_default ();
      g_assert_true (op_nntp_overview_format_add_line (bench->format, "Xref:full", 9, NULL));
      bench->batch = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);
    }
  return bench;
}

static void
flush (BenchNews *bench)
{
  g_autoptr(GError) error = NULL;

  if (bench->batch == NULL || bench->batch->len == 0)
    return;
  if (!_op_news_db_add_overviews (bench->db, bench->group, bench->batch, &error))
    g_error ("%s", error->message);
  g_ptr_array_set_size (bench->batch, 0);
}

static void
take_line (BenchNews  *bench,
           const char *line,
           gsize       length)
{
  g_autoptr(GError) error = NULL;
  OpNntpOverview *ov;

  bench->lines++;
  if (bench->db == NULL)
    return;
  ov = op_nntp_overview_parse (bench->format, line, length, &error);
  g_assert_no_error (error);
  g_ptr_array_add (bench->batch, ov);
  if (bench->batch->len == BATCH)
    flush (bench);
}

/* Runs the block reader over @data; returns TRUE at the terminator. */
static gboolean
scan (BenchNews  *bench,
      const char *data,
      gsize       size,
      gsize      *consumed_total)
{
  gsize offset = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      const char *line = NULL;
      gsize length = 0, consumed = 0;
      OpNntpBlockStatus status = op_nntp_block_next_line (data + offset, size - offset,
                                                          OP_NNTP_MAX_LIST_LINE, &line,
                                                          &length, &consumed, &error);

      g_assert_no_error (error);
      if (status == OP_NNTP_BLOCK_NEED_MORE)
        {
          *consumed_total = offset;
          return FALSE;
        }
      offset += consumed;
      if (status == OP_NNTP_BLOCK_END)
        {
          *consumed_total = offset;
          return TRUE;
        }
      take_line (bench, line, length);
    }
}

gboolean
bench_news_feed (BenchNews    *bench,
                 const guint8 *data,
                 gsize         size,
                 gsize        *used)
{
  gsize consumed = 0;
  gboolean done;

  if (bench->pending->len == 0)
    {
      done = scan (bench, (const char *) data, size, &consumed);
      if (!done)
        g_byte_array_append (bench->pending, data + consumed, size - consumed);
      if (used != NULL)
        *used = done ? consumed : size;
      return done;
    }
  {
    gsize before = bench->pending->len;

    g_byte_array_append (bench->pending, data, size);
    done = scan (bench, (const char *) bench->pending->data, bench->pending->len, &consumed);
    if (used != NULL)
      *used = done ? consumed - before : size;
    g_byte_array_remove_range (bench->pending, 0, done ? bench->pending->len : consumed);
    return done;
  }
}

guint64
bench_news_finish (BenchNews *bench)
{
  flush (bench);
  return bench->lines;
}

void
bench_news_free (BenchNews *bench)
{
  if (bench == NULL)
    return;
  g_clear_pointer (&bench->db, _op_news_db_close);
  g_clear_pointer (&bench->format, op_nntp_overview_format_free);
  g_clear_pointer (&bench->batch, g_ptr_array_unref);
  g_byte_array_unref (bench->pending);
  g_free (bench->group);
  g_free (bench);
}

static void
model_ready (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

void
bench_print_model (const char *database_path,
                   const char *group)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  g_autoptr(OpNewsThreadModel) model = NULL;
  gint64 t0, t_first, t_index, t_middle, t_end;
  guint total;

  t0 = g_get_monotonic_time ();
  op_news_thread_model_new_async (database_path, group, NULL, model_ready, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  model = op_news_thread_model_new_finish (result, &error);
  g_object_unref (result);
  g_assert_no_error (error);
  total = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (total, >, 0);
  for (guint i = 0; i < MIN (50u, total); i++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), i));
  t_first = g_get_monotonic_time () - t0;

  /* The far rows once the model has walked its index (on a worker thread). */
  t0 = g_get_monotonic_time ();
  while (!op_news_thread_model_is_indexed (model))
    g_main_context_iteration (NULL, TRUE);
  t_index = g_get_monotonic_time () - t0;
  t0 = g_get_monotonic_time ();
  g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), total / 2));
  t_middle = g_get_monotonic_time () - t0;
  t0 = g_get_monotonic_time ();
  g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), total - 1));
  t_end = g_get_monotonic_time () - t0;
  printf ("thread model: %u rows; open and first 50 rows %.1f ms (issue 14: 50 ms at "
          "100,000); page index after %.1f ms more; a row in the middle %.1f ms, the last "
          "row %.1f ms\n",
          total, t_first / 1e3, t_index / 1e3, t_middle / 1e3, t_end / 1e3);

  /* The other orders list the group's threads when they open (issue 15's first rows). */
  {
    static const struct
    {
      const char       *name;
      OpNewsThreadOrder order;
      gboolean          descending;
    } orders[] = {
      { "newest first", OP_NEWS_THREAD_ORDER_DATE, TRUE },
      { "by subject", OP_NEWS_THREAD_ORDER_SUBJECT, FALSE },
      { "by author", OP_NEWS_THREAD_ORDER_AUTHOR, FALSE },
    };

    for (guint o = 0; o < G_N_ELEMENTS (orders); o++)
      {
        g_autoptr(OpNewsThreadModel) sorted = NULL;
        gint64 c0 = bench_cpu_usec ();

        result = NULL;
        t0 = g_get_monotonic_time ();
        op_news_thread_model_new_sorted_async (database_path, group, orders[o].order,
                                               orders[o].descending, NULL, model_ready, &result);
        while (result == NULL)
          g_main_context_iteration (NULL, TRUE);
        sorted = op_news_thread_model_new_finish (result, &error);
        g_object_unref (result);
        g_assert_no_error (error);
        g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (sorted)), ==, total);
        for (guint i = 0; i < MIN (50u, total); i++)
          g_object_unref (g_list_model_get_item (G_LIST_MODEL (sorted), i));
        printf ("thread model %s: open and first 50 rows %.1f ms (%.1f ms CPU)\n", orders[o].name,
                (g_get_monotonic_time () - t0) / 1e3, (bench_cpu_usec () - c0) / 1e3);
      }
  }
}
