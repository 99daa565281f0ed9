/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "news/op-news-server.h"
#include "op-news-thread-list.h"

G_BEGIN_DECLS

#define OP_TYPE_NEWS_VIEW (op_news_view_get_type ())
G_DECLARE_FINAL_TYPE (OpNewsView, op_news_view, OP, NEWS_VIEW, AdwBin)

/*
 * The News page: the sidebar of subscribed groups with unread counts per server, the
 * header pane (threads, collapsible, virtualised over the store's paged thread model)
 * and the article pane. Pan's keys: Space pages the article then moves to the next
 * unread, N the next unread article, Shift+N the next unread thread, P the previous
 * article, M toggles read, K marks the thread read, Ctrl+Shift+C catches up the group.
 * Everything it shows comes from the servers' stores; articles are fetched through
 * OpNewsServer (core), never by the view itself.
 */

GtkWidget *
op_news_view_new (void);
/* Adds @server to the sidebar (opening its store first). */
void
op_news_view_add_server (OpNewsView *self, OpNewsServer *server);
/* The servers, in the sidebar's order. (transfer none) (element-type OpNewsServer) */
GPtrArray *
op_news_view_get_servers (OpNewsView *self);
/* Opens @group of @server in the header pane, as a click in the sidebar does. */
void
op_news_view_open_group (OpNewsView *self, OpNewsServer *server, const char *group);
/* The header pane's rows, NULL while no group is open. (transfer none) */
OpNewsThreadList *
op_news_view_get_thread_list (OpNewsView *self);
GtkListView *
op_news_view_get_header_list (OpNewsView *self);
GtkListBox *
op_news_view_get_group_list (OpNewsView *self);
GtkWidget *
op_news_view_get_article_view (OpNewsView *self);
/* The selected row's position in the store's model, G_MAXUINT when none. */
guint
op_news_view_get_selected (OpNewsView *self);
void
op_news_view_select (OpNewsView *self, guint model_position);

/* .newsrc import (subscriptions and read ranges into @server's store) and export, as the
 * server's menu does after its file chooser. */
void
op_news_view_import_newsrc (OpNewsView *self, OpNewsServer *server, GFile *file);
void
op_news_view_export_newsrc (OpNewsView *self, OpNewsServer *server, GFile *file);

/* The "sort-by" property: "date", "subject" or "author"; an open group opens again in
 * that order (news.sort-by, the header pane's Sort menu). */
void
op_news_view_set_sort_by (OpNewsView *self, const char *sort_by);
/* The "sort-descending" property: the threads newest first (Z to A by subject or
 * author), each thread whole; an open group opens again (news.sort-descending). */
void
op_news_view_set_sort_descending (OpNewsView *self, gboolean descending);

/* Saves the binary of the shown article (every part of its posting) into @folder, as
 * Save does after its folder chooser; progress and the outcome show in the bar over the
 * article (and a toast). */
void
op_news_view_save_binary_to (OpNewsView *self, GFile *folder);
/* The binary bar's text, "" when the shown article carries no binary (for tests). */
const char *
op_news_view_get_binary_status (OpNewsView *self);

void
op_news_view_register (void);

G_END_DECLS
