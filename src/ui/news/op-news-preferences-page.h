/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OP_TYPE_NEWS_PREFERENCES_PAGE (op_news_preferences_page_get_type ())
G_DECLARE_FINAL_TYPE (OpNewsPreferencesPage, op_news_preferences_page, OP, NEWS_PREFERENCES_PAGE,
                      AdwPreferencesPage)

/* The News page of the Preferences window: the article cache's size, bound both ways to
 * @settings ("news-cache-limit-mib"; the view applies it to every server's store), and
 * what the caches of @view's servers hold now. (OpViewInfo.create_preferences) */
GtkWidget *op_news_preferences_page_new      (GtkWidget             *view,
                                              GSettings             *settings);
/* "1.2 MB in 2 servers", as shown; NULL until every store has answered. */
const char *op_news_preferences_page_get_usage (OpNewsPreferencesPage *self);

G_END_DECLS
