/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OP_TYPE_NEWS_ARTICLE_VIEW (op_news_article_view_get_type ())
G_DECLARE_FINAL_TYPE (OpNewsArticleView, op_news_article_view, OP, NEWS_ARTICLE_VIEW, GtkWidget)

/*
 * The News view's article pane: Subject, From, Newsgroups and Date (every header on
 * request), the body with quote levels coloured, the signature dimmed and links
 * clickable (the Mail view's plain-text rendering), a rot13 toggle for the body, and
 * the article's source in place of the body on request. Says when nothing is selected,
 * while an article is fetched, and why one could not be.
 */

GtkWidget *
op_news_article_view_new (void);
/* Nothing selected. */
void
op_news_article_view_clear (OpNewsArticleView *self);
void
op_news_article_view_set_loading (OpNewsArticleView *self);
/* @message: translated, says what failed and what to do. */
void
op_news_article_view_set_error (OpNewsArticleView *self, const char *message);
/* @article: the whole article as the server sent it. */
void
op_news_article_view_set_article (OpNewsArticleView *self, GBytes *article);
/* Scrolls the body down by a page; FALSE when its end was already shown (Space then
 * moves to the next unread article). */
gboolean
op_news_article_view_page_down (OpNewsArticleView *self);
/* The body as shown (for tests and the clipboard). (transfer full) */
char *
op_news_article_view_dup_body (OpNewsArticleView *self);
/* Activates the link at @offset of the body, as a click does; FALSE when none. */
gboolean
op_news_article_view_activate_link_at (OpNewsArticleView *self, int offset);
GtkTextView *
op_news_article_view_get_text_view (OpNewsArticleView *self);

/* Pure: rot13 of ASCII letters, everything else kept. (transfer full) */
char *
op_news_rot13 (const char *text);

G_END_DECLS
