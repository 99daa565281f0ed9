/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Encoders for the news binary tests, written from the yEnc 1.3 draft and POSIX
 * uuencode independently of the decoder (their own bitwise CRC32), so a decoder bug
 * does not cancel out. CRLF lines, as on the wire.
 */

/* Bitwise CRC-32 (IEEE), no table. */
guint32  op_news_test_crc32         (const guint8 *data,
                                     gsize         length);

/* The body of one yEnc article: part @part of @total (0 and 0 for a single part) of a
 * file of @size bytes named @name, holding @length bytes of @data from @offset. The last
 * part (and a single part) carries the whole file's @file_crc32 in =yend crc32=.
 * @line: the line length (the draft's 128 is usual). */
GString *op_news_test_yenc_encode   (const guint8 *data,
                                     gsize         offset,
                                     gsize         length,
                                     guint         part,
                                     guint         total,
                                     gsize         size,
                                     guint32       file_crc32,
                                     const char   *name,
                                     guint         line);

/* "begin 644 NAME" … "`" "end", lines of 45 bytes. */
GString *op_news_test_uu_encode     (const guint8 *data,
                                     gsize         length,
                                     const char   *name);

G_END_DECLS
