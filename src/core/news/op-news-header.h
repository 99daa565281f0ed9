/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OP_TYPE_NEWS_HEADER (op_news_header_get_type ())
G_DECLARE_FINAL_TYPE (OpNewsHeader, op_news_header, OP, NEWS_HEADER, GObject)

/*
 * One row of a group's threaded headers (OpNewsThreadModel): an article's overview
 * data (subject and author decoded from RFC 2047), where it sits in its thread, and
 * whether it was read. Immutable: the model hands out new objects when rows change.
 */

OpNewsHeader *_op_news_header_new            (guint64       number,
                                              const char   *message_id,
                                              const char   *subject,
                                              const char   *author,
                                              gint64        date,
                                              guint64       bytes,
                                              guint64       lines,
                                              guint         depth,
                                              gboolean      read);

guint64       op_news_header_get_number      (OpNewsHeader *self);
const char   *op_news_header_get_message_id  (OpNewsHeader *self);
const char   *op_news_header_get_subject     (OpNewsHeader *self);
const char   *op_news_header_get_author      (OpNewsHeader *self);
/* Seconds since 1970 (UTC); 0 when the Date header could not be read. */
gint64        op_news_header_get_date        (OpNewsHeader *self);
guint64       op_news_header_get_bytes       (OpNewsHeader *self);
guint64       op_news_header_get_lines       (OpNewsHeader *self);
/* How many articles above it in its thread (0 for a thread's first article). */
guint         op_news_header_get_depth       (OpNewsHeader *self);
gboolean      op_news_header_get_read        (OpNewsHeader *self);

G_END_DECLS
