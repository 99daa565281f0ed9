/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "news/op-news-header.h"
#include "news/op-news-thread-model.h"

G_BEGIN_DECLS

#define OP_TYPE_NEWS_THREAD_LIST (op_news_thread_list_get_type ())
G_DECLARE_FINAL_TYPE (OpNewsThreadList, op_news_thread_list, OP, NEWS_THREAD_LIST, GObject)

/*
 * The header pane's rows: a group's OpNewsThreadModel (threaded, depth-first, paged from
 * the database) with collapsed threads left out, as a GListModel of OpNewsHeader.
 *
 * The store's model is flat (each row knows its depth), so collapsing row R hides the
 * rows after it that are deeper than R: one interval of the underlying model. The
 * intervals are kept sorted with the hidden rows before each, so mapping a visible
 * position to an underlying one is a binary search and nothing is ever walked whole;
 * a 100,000-row group costs what the store's pages cost. Finding where a thread ends
 * reads only that thread's rows.
 *
 * Read state changed from the view (N, M, K, opening an article) is kept here as an
 * override per article number until the store's model is reloaded, so a row changes
 * without reloading 100,000 rows; the store is told at the same time.
 */

OpNewsThreadList *
op_news_thread_list_new (OpNewsThreadModel *model);
OpNewsThreadModel *
op_news_thread_list_get_model (OpNewsThreadList *self);

/* Positions in the underlying (store's) model of visible rows and back; G_MAXUINT
 * when @position is hidden or out of range. */
guint
op_news_thread_list_to_model (OpNewsThreadList *self, guint position);
guint
op_news_thread_list_from_model (OpNewsThreadList *self, guint model_position);

/* Whether the visible row at @position starts a subthread (the next row is deeper). */
gboolean
op_news_thread_list_has_children (OpNewsThreadList *self, guint position);
gboolean
op_news_thread_list_is_expanded (OpNewsThreadList *self, guint position);
/* Hides or shows what is under the visible row at @position. Expanding a row shows
 * everything under it, collapsed subthreads included. */
void
op_news_thread_list_set_expanded (OpNewsThreadList *self, guint position, gboolean expanded);
/* Collapses every thread at once: @roots (guint, ascending) are the underlying rows at
 * depth 0 (op_news_thread_model_list_roots_async()); each hides the rows up to the
 * next. Nothing is walked: the pane changes as a whole, in a few items-changed, the
 * visible positions in @busy (the rows a list view holds widgets for; may be NULL) in
 * small ones of their own (GTK 4.8 reads every row a change adds when it removed a row
 * the list view tracks), widened by the rows the list view will hold widgets for after
 * it (so it reuses its widgets rather than making new ones). */
void
op_news_thread_list_collapse_all (OpNewsThreadList *self, GArray *roots, GArray *busy);
/* The same for the threads whose @collapsed is TRUE (one per root; NULL: all); every
 * other thread shows whole. */
void
op_news_thread_list_collapse_threads (OpNewsThreadList *self, GArray *roots,
                                      const gboolean *collapsed, GArray *busy);
/* Which threads to keep collapsed when the model reloads with its roots listed
 * (op_news_thread_model_set_roots_on_reload()): one gboolean per root (g_free()d by the
 * list), or NULL for none. */
typedef gboolean *(*OpNewsThreadListCollapseFunc) (GArray *roots, GArray *numbers,
                                                   gpointer data);
/* Called in the reload's items-changed, before the list tells its own: the rows come
 * back with those threads collapsed, in that one change. @data is not referenced. */
void
op_news_thread_list_set_collapse_func (OpNewsThreadList *self, OpNewsThreadListCollapseFunc func,
                                       gpointer data);
/* Shows every row, the same way. */
void
op_news_thread_list_expand_all (OpNewsThreadList *self, GArray *busy);
/* Makes the underlying row @model_position visible (expands what hides it) and returns
 * its visible position. */
guint
op_news_thread_list_reveal (OpNewsThreadList *self, guint model_position);

/* The read state shown: the override when there is one, else the header's. */
gboolean
op_news_thread_list_is_read (OpNewsThreadList *self, OpNewsHeader *header);
/* Overrides the read state of the underlying rows @model_position.. @model_position +
 * @n_rows - 1, and tells the visible ones that changed (items-changed). */
void
op_news_thread_list_set_read (OpNewsThreadList *self, guint model_position, guint n_rows,
                              gboolean read);
/* Every row read (catch-up): no rows are walked. */
void
op_news_thread_list_set_all_read (OpNewsThreadList *self);

/* The underlying row where the thread holding @model_position starts and the number of
 * its rows. */
void
op_news_thread_list_thread_bounds (OpNewsThreadList *self, guint model_position, guint *start,
                                   guint *n_rows);
/* The next unread row after @model_position (G_MAXUINT: from the top); with
 * @next_thread, the first unread row of a later thread. G_MAXUINT when none. */
guint
op_news_thread_list_next_unread (OpNewsThreadList *self, guint model_position,
                                 gboolean next_thread);

G_END_DECLS
