/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "news/op-news-store.h"

G_BEGIN_DECLS

/*
 * News stores for the News view's tests and screens, filled by the store's own code
 * (LIST ACTIVE and OVER results as OpNntpClient hands them over).
 */

#define NEWS_TEST_BIG_COUNT 100000

/* @name, articles 1..@high, subscribed. */
void
news_test_add_group (OpNewsStore *store, const char *name, guint64 high);
/* local.small: three threads, 1 ← 2 ← 3, 1 ← 4; 5 ← 6; 7. */
void
news_test_fill_small (OpNewsStore *store);
/* local.sort: "zebra" (Bob), "Apple" (carol) ← "Re: Apple" (Alice), "mango" (alice), in
 * that order of date. */
void
news_test_fill_sortable (OpNewsStore *store);
/* local.big: NEWS_TEST_BIG_COUNT headers in threads of five. */
void
news_test_fill_big (OpNewsStore *store);

G_END_DECLS
