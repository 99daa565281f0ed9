/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OP_TYPE_NEWS_THREAD_MODEL (op_news_thread_model_get_type ())
G_DECLARE_FINAL_TYPE (OpNewsThreadModel, op_news_thread_model, OP, NEWS_THREAD_MODEL, GObject)

/*
 * A group's headers in threaded order (each thread's articles depth-first, threads by
 * the date of their first article), as a GListModel of OpNewsHeader that pages from the
 * news database: it holds at most OP_NEWS_THREAD_MODEL_MAX_PAGES pages of
 * OP_NEWS_THREAD_MODEL_PAGE_SIZE rows (least recently used pages go first), so a group
 * of a million headers is never in memory whole. A page is one indexed query on the
 * model's own read-only connection (a small read on the calling thread). Opening reads
 * the stored count on a worker thread (new_async, reload_async), then walks the index
 * there once to learn where every page starts (the "indexed" property; about one key
 * per 128 rows is kept), so a jump to any row stays a short query. A page that cannot
 * be read is reported by "read-failed".
 */

/**
 * OpNewsThreadOrder:
 * @OP_NEWS_THREAD_ORDER_DATE: threads by the date of their first article (the index's
 *   order; paged as above)
 * @OP_NEWS_THREAD_ORDER_SUBJECT: threads by the subject of their first article, A to Z
 *   without regard to case, then by date
 * @OP_NEWS_THREAD_ORDER_AUTHOR: the same by author
 *
 * In every order a thread's articles stay together, depth-first. Ordered by subject or
 * author, opening lists the threads on the worker (each one's first key and size:
 * about 20 bytes a thread), and a "page" is one thread, read by one indexed query; the
 * model keeps threads until they hold OP_NEWS_THREAD_MODEL_MAX_PAGES pages' worth of
 * rows (one larger thread alone is kept whole).
 *
 * Descending (new_sorted_async) turns the order of the threads around (newest first;
 * subjects or authors Z to A), each thread still whole from its root down. The model
 * then lists the threads when it opens and pages by thread in every order, the date
 * order too.
 */
typedef enum
{
  OP_NEWS_THREAD_ORDER_DATE,
  OP_NEWS_THREAD_ORDER_SUBJECT,
  OP_NEWS_THREAD_ORDER_AUTHOR,
} OpNewsThreadOrder;

#define OP_NEWS_THREAD_MODEL_PAGE_SIZE 128
#define OP_NEWS_THREAD_MODEL_MAX_PAGES 16

void               op_news_thread_model_new_async     (const char          *database_path,
                                                       const char          *group,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
/* As new_async in @order; new_finish() gives the model. */
void               op_news_thread_model_new_ordered_async (const char          *database_path,
                                                       const char          *group,
                                                       OpNewsThreadOrder    order,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
/* As new_ordered_async, the threads in the opposite order when @descending. */
void               op_news_thread_model_new_sorted_async (const char          *database_path,
                                                       const char          *group,
                                                       OpNewsThreadOrder    order,
                                                       gboolean             descending,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
/* As new_sorted_async, the roots listed too (op_news_thread_model_get_roots()), on a
 * thread of their own beside the count: for a view that keeps threads collapsed. */
void               op_news_thread_model_new_with_roots_async (const char          *database_path,
                                                       const char          *group,
                                                       OpNewsThreadOrder    order,
                                                       gboolean             descending,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
OpNewsThreadModel *op_news_thread_model_new_finish    (GAsyncResult        *result,
                                                       GError             **error);
OpNewsThreadOrder  op_news_thread_model_get_order     (OpNewsThreadModel   *self);
gboolean           op_news_thread_model_get_descending (OpNewsThreadModel  *self);

/* Counts again and drops the cached pages: one items-changed for the whole model. */
void               op_news_thread_model_reload_async  (OpNewsThreadModel   *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean           op_news_thread_model_reload_finish (OpNewsThreadModel   *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

const char        *op_news_thread_model_get_group     (OpNewsThreadModel   *self);
/* The "indexed" property: every page's start is known, any row is one short query. */
gboolean           op_news_thread_model_is_indexed    (OpNewsThreadModel   *self);
/* How many headers the model holds in memory now (its pages; for tests and the
 * memory benchmark). */
guint              op_news_thread_model_get_n_cached  (OpNewsThreadModel   *self);

/* The positions of the rows at depth 0 in the model's order, ascending: where the
 * header pane's threads start (a root, or an orphan under a placeholder), for
 * collapsing every thread at once. One walk of the index on a worker thread, then kept
 * until the next reload; a reload while it runs ends it with G_IO_ERROR_CANCELLED.
 * finish: (transfer full) (element-type guint) */
void               op_news_thread_model_list_roots_async  (OpNewsThreadModel   *self,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
GArray            *op_news_thread_model_list_roots_finish (OpNewsThreadModel   *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
/* Once the roots are listed (until the next reload): the article number of each, in
 * the same order (guint64), to know a thread again after a reload or a restart; NULL
 * before. (transfer none) */
GArray            *op_news_thread_model_get_root_numbers  (OpNewsThreadModel   *self);
/* The roots once listed (as list_roots_finish() gives them), NULL before. (transfer none) */
GArray            *op_news_thread_model_get_roots         (OpNewsThreadModel   *self);
/* When TRUE, reload_async lists the roots on its worker too, and they are known when
 * its items-changed comes (a view that keeps threads collapsed hides them at once). */
void               op_news_thread_model_set_roots_on_reload (OpNewsThreadModel *self,
                                                             gboolean           roots_on_reload);

G_END_DECLS
