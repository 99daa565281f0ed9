/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "news/op-news-header.h"

G_BEGIN_DECLS

#define OP_TYPE_NEWS_HEADER_ROW (op_news_header_row_get_type ())
G_DECLARE_FINAL_TYPE (OpNewsHeaderRow, op_news_header_row, OP, NEWS_HEADER_ROW, GtkWidget)

/*
 * One row of the header pane: an expander when the article has replies, then subject
 * (indented by its depth in the thread, bold while unread), author, date and lines. Its
 * accessible label reads subject, author and read state. "toggle-expanded" is emitted
 * when the expander is clicked.
 */

GtkWidget *
op_news_header_row_new (void);
/* @header (nullable): NULL for a row the store could not read. */
void
op_news_header_row_set (OpNewsHeaderRow *self, OpNewsHeader *header, gboolean read,
                        gboolean has_children, gboolean expanded);
/* Relative dates ("14:05", "Mon", "3 Mar", "3 Mar 2019") as of @now. (transfer full) */
char *
op_news_format_date (gint64 date, GDateTime *now);

G_END_DECLS
