/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "bench-common.h"

G_BEGIN_DECLS

/*
 * Shared by the news benchmarks: an OVER block fed in chunks as it arrives (from a
 * recorded stream or from INN), either only split into lines (the reference) or also
 * parsed through INN's overview format and stored with threading in batches of 5,000
 * (the engine: what the store thread runs for each batch); the thread model's first
 * rows.
 */

typedef struct _BenchNews BenchNews;

/* @database_path NULL: the reference (lines are only split). */
BenchNews *bench_news_new          (const char    *database_path,
                                    const char    *group);
/* Feeds bytes of the block (after its status line); TRUE once the terminator was
 * read (*@used then tells how much of @data belonged to the block). */
gboolean   bench_news_feed         (BenchNews     *bench,
                                    const guint8  *data,
                                    gsize          size,
                                    gsize         *used);
/* Stores the last batch; returns the lines seen. */
guint64    bench_news_finish       (BenchNews     *bench);
void       bench_news_free         (BenchNews     *bench);

/* Opens the group's thread model and prints how long the first 50 rows take, the page
 * index walk, and a row in the middle and at the end. */
void       bench_print_model       (const char    *database_path,
                                    const char    *group);

G_END_DECLS
