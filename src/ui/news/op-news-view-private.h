/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* OpNewsView is one type in six files: op-news-view.c (the sidebar, the header pane,
 * opening a group, its order, fetching headers, .newsrc, servers), op-news-view-keys.c
 * (Pan's keys), op-news-view-article.c (posting, follow-up, reply by mail, cancel and
 * supersede), op-news-view-binary.c (the bar over an article that carries a file, and
 * saving it), op-news-view-links.c (news:, nntp: and snews: links, and the view's
 * registration) and op-news-view-threads.c (the collapsed threads kept per group). Everything it shows comes from the servers' stores (core). */

#include <adwaita.h>

#include "news/op-news-header.h"
#include "news/op-news-server.h"
#include "news/op-news-thread-model.h"
#include "op-news-article-view.h"
#include "op-news-thread-list.h"
#include "op-news-view.h"

G_BEGIN_DECLS

struct _OpNewsView
{
  AdwBin parent_instance;

  AdwToastOverlay   *toasts;
  GtkStack          *stack;
  AdwLeaflet        *leaflet;
  GtkWidget         *inner_paned;
  GtkListBox        *group_list;
  GtkStack          *headers_stack;
  GtkSpinner        *opening_spinner;
  GtkListView       *header_list;
  AdwStatusPage     *headers_error;
  GtkLabel          *group_title;
  GtkProgressBar    *fetch_progress;
  OpNewsArticleView *article_view;
  GtkWidget         *binary_bar;
  GtkLabel          *binary_label;
  GtkProgressBar    *binary_progress;
  GtkWidget         *binary_cancel_button;

  GPtrArray *servers;    /* OpNewsServer, in sidebar order */
  gboolean   rebuilding; /* the sidebar's selection changes by itself */

  OpNewsServer       *server; /* of the open group */
  char               *group;
  OpNewsThreadList   *list;
  GtkSingleSelection *selection;
  GCancellable       *open_cancellable;
  GCancellable       *article_cancellable;
  GCancellable       *fetch_cancellable;
  GBytes             *article; /* the one shown, for a follow-up */
  OpNewsServer       *article_server; /* where it came from */
  OpNewsThreadOrder   order;          /* of the header pane's threads */
  gboolean            descending;     /* the threads' order turned around */
  GtkMenuButton      *sort_button;
  GSettings          *settings;       /* the orders chosen (NULL without the schema) */
  guint               all_serial;     /* bumped by Expand All and Collapse All: the last wins */
  /* The open group's collapsed threads (op-news-view-threads.c). */
  gboolean threads_collapsed; /* every thread, but those in threads_except */
  GArray  *threads_except;    /* guint64: thread roots' numbers, the most recent last */
  char    *threads_key;       /* "ID/GROUP" */
  guint    threads_save;      /* a save waiting */

  /* The binary the shown article is part of (issue 15, "Binaries"). */
  GCancellable *binary_cancellable; /* looking for its parts */
  guint64       binary_number;      /* the shown article's number; 0: nothing to save */
  gboolean      binary_complete;
  GCancellable *save_cancellable;   /* a save under way */
  guint64       save_number;
  guint         save_pulse;

  /* An article a link names, looked for in the open group's rows (reveal_step). */
  guint    reveal_source;
  guint    reveal_next;   /* the next row to look at */
  guint64  reveal_number; /* 0: by Message-ID */
  char    *reveal_id;
};

/* op-news-view.c */
void     _op_news_view_toast             (OpNewsView   *self,
                                          const char   *text);
/* The outcome of something the user confirmed: shown at once, ahead of queued toasts. */
void     _op_news_view_toast_now         (OpNewsView   *self,
                                          const char   *text);
/* The selected row's position in the store's model, G_MAXUINT when none. */
guint    _op_news_view_selected_position (OpNewsView   *self);
/* Marks the row at model position @u read or unread, in the pane and in the store. */
void     _op_news_view_set_read          (OpNewsView   *self,
                                          guint         u,
                                          gboolean      read);
/* A store write's callback (user_data: a reference to the view): a toast on failure. */
void     _op_news_view_store_write_done  (GObject      *source,
                                          GAsyncResult *result,
                                          gpointer      user_data);
/* An article fetch's callback (user_data: a reference to the view): the article pane
 * shows it; the selected row, if any, is marked read and its binary looked up. */
void     _op_news_view_article_fetched   (GObject      *source,
                                          GAsyncResult *result,
                                          gpointer      user_data);

/* op-news-view-keys.c: Pan's keys. */
void     _op_news_view_keys_class_init   (GtkWidgetClass *widget_class);
void     _op_news_view_keys_init         (OpNewsView     *self);

/* op-news-view-article.c: posting, follow-up, reply by mail, cancel and supersede. */
void     _op_news_view_article_class_init (GtkWidgetClass *widget_class);

/* op-news-view-binary.c: the binary bar and Save. */
void     _op_news_view_binary_class_init (GtkWidgetClass *widget_class);
void     _op_news_view_binary_init       (OpNewsView     *self);
void     _op_news_view_show_binary       (OpNewsView     *self,
                                          OpNewsHeader   *header,
                                          GBytes         *article);
void     _op_news_view_hide_binary       (OpNewsView     *self);

/* op-news-view-threads.c: the collapsed threads, kept per group. */
/* Reads the group @key's ("ID/GROUP") collapsed threads; forget() saves what waits and
 * forgets them (the group closes). */
void      _op_news_view_threads_restore       (OpNewsView *self,
                                               const char *key);
void      _op_news_view_threads_forget        (OpNewsView *self);
gboolean  _op_news_view_threads_any_collapsed (OpNewsView *self);
/* Collapse All (TRUE) or Expand All. */
void      _op_news_view_threads_set_all       (OpNewsView *self,
                                               gboolean    collapsed);
/* A row was expanded or collapsed by itself (OpNewsThreadList::thread-toggled). */
void      _op_news_view_threads_toggled       (OpNewsView *self,
                                               guint       model_position,
                                               gboolean    expanded);
/* For each of @roots (numbers: their articles'), whether its thread is collapsed; g_free()
 * it. Numbers that start no thread any more are dropped. */
gboolean *_op_news_view_threads_mask          (OpNewsView *self,
                                               GArray     *roots,
                                               GArray     *numbers);

/* op-news-view-links.c: news:, nntp: and snews: links. */
void     _op_news_view_stop_reveal       (OpNewsView     *self);
/* Looks for the article a link named among the open group's rows. */
void     _op_news_view_start_reveal      (OpNewsView     *self);

G_END_DECLS
