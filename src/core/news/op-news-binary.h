/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Binaries in news articles: yEnc (1.2 and 1.3, single and multipart: =ybegin, =ypart,
 * =yend, CRC32 checked) and uuencode ("begin MODE NAME" … "end", single or split over the
 * articles of a multipart posting). Pure functions over an
 * article's body (undotted, CRLF or LF lines), plus the reassembly of a multipart
 * posting into a file (on a worker: it writes).
 *
 * A name from an article is text, never a path: op_news_binary_safe_name() makes it one
 * path component, and op_news_binary_write_file() writes only under the folder it is
 * given, through "NAME.part", renamed to the final name only when the whole file is
 * written and checked (DESIGN.md "Storage and no data loss").
 */

#define OP_NEWS_BINARY_ERROR (op_news_binary_error_quark ())
GQuark op_news_binary_error_quark (void);

/**
 * OpNewsBinaryError:
 * @OP_NEWS_BINARY_ERROR_NOT_FOUND: the body holds no yEnc or uuencoded binary.
 * @OP_NEWS_BINARY_ERROR_MALFORMED: a =ybegin, =ypart, =yend or begin line cannot be read,
 *   or a data line holds bytes the encoding does not allow.
 * @OP_NEWS_BINARY_ERROR_TRUNCATED: the body ends before =yend (or uuencode's end).
 * @OP_NEWS_BINARY_ERROR_SIZE: the decoded size is not the one the headers announce, or
 *   the parts do not fit together.
 * @OP_NEWS_BINARY_ERROR_CRC: the CRC32 of a part or of the whole file is not the one
 *   =yend announces.
 * @OP_NEWS_BINARY_ERROR_MISSING_PARTS: parts of a multipart binary are missing.
 * @OP_NEWS_BINARY_ERROR_BAD_NAME: the binary's name cannot be made a file name.
 */
typedef enum
{
  OP_NEWS_BINARY_ERROR_NOT_FOUND,
  OP_NEWS_BINARY_ERROR_MALFORMED,
  OP_NEWS_BINARY_ERROR_TRUNCATED,
  OP_NEWS_BINARY_ERROR_SIZE,
  OP_NEWS_BINARY_ERROR_CRC,
  OP_NEWS_BINARY_ERROR_MISSING_PARTS,
  OP_NEWS_BINARY_ERROR_BAD_NAME,
} OpNewsBinaryError;

typedef enum
{
  OP_NEWS_BINARY_YENC,
  OP_NEWS_BINARY_UUENCODE,
} OpNewsBinaryEncoding;

/**
 * OpNewsBinaryPart:
 * @encoding: yEnc or uuencode.
 * @name: the name the article gives (valid UTF-8, control characters replaced); text
 *   only, see op_news_binary_safe_name().
 * @part: this part's number (1-based); 0 for a single-part binary.
 * @total: the number of parts (=ybegin total=); 0 when not given or single.
 * @size: the whole file's size (=ybegin size=; for uuencode the decoded size).
 * @offset: where @data goes in the file (0-based, from =ypart begin=).
 * @data: the decoded bytes of this part.
 * @crc32: the CRC32 of @data (checked against pcrc32=, or crc32= of a single part).
 * @has_file_crc32, @file_crc32: the whole file's CRC32 when a multipart =yend gives it.
 */
typedef struct
{
  OpNewsBinaryEncoding encoding;
  char                *name;
  guint                part;
  guint                total;
  guint64              size;
  guint64              offset;
  GBytes              *data;
  guint32              crc32;
  gboolean             has_file_crc32;
  guint32              file_crc32;
} OpNewsBinaryPart;

void              op_news_binary_part_free (OpNewsBinaryPart *part);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpNewsBinaryPart, op_news_binary_part_free)

/* CRC-32 (IEEE 802.3, as yEnc and zlib): op_news_crc32_update (0, data, n) for one
 * buffer, feed the result back for the next one. */
guint32           op_news_crc32_update     (guint32        crc,
                                            const guint8  *data,
                                            gsize          length);

/* The first binary in @body (an article's body, or a whole article: lines before the
 * binary are skipped). Bounded by @length: the decoded data is never larger. (transfer
 * full) */
OpNewsBinaryPart *op_news_binary_decode    (const char    *body,
                                            gsize          length,
                                            GError       **error);

/* The binary the articles of one posting carry (@articles: GBytes, whole articles or
 * bodies, in part order), ready for op_news_binary_write_file(): each yEnc part decoded
 * on its own; a uuencoded file split over the articles ("begin" in the first, its lines
 * continued in the next ones, whose text around the data is skipped, "end" in the last)
 * as one part. A single article is op_news_binary_decode(). (transfer full)
 * (element-type OpNewsBinaryPart) */
GPtrArray        *op_news_binary_decode_posting (GPtrArray *articles,
                                                 GError   **error);

/* @name as one path component: the last component of a name that carries a path
 * ("../../x", "C:\\x\\y"), control characters, ":" and right-to-left overrides made
 * "_", leading dots and spaces dropped, at most 200 bytes. NULL when nothing is left.
 * (transfer full) (nullable) */
char             *op_news_binary_safe_name (const char    *name);

/* A posting's part number and count from its subject: the last "(N/M)" or "[N/M]"
 * (1 ≤ N ≤ M). @key gets the subject with N replaced by "*", the same for every part
 * of one posting. FALSE when the subject has no such mark. */
gboolean          op_news_binary_parse_subject (const char *subject,
                                                guint      *part,
                                                guint      *total,
                                                char      **key);

/* The part numbers in 1..@total that @parts (OpNewsBinaryPart) lack, ascending; empty
 * when none is missing. (transfer full) (element-type guint) */
GArray           *op_news_binary_missing_parts (GPtrArray *parts,
                                                guint      total);

/* A user-readable list of missing part numbers ("2, 5–7"). (transfer full) */
char             *op_news_binary_format_missing (GArray   *missing,
                                                 guint     total);

/* Writes the binary made of @parts (one part, or every part of a multipart binary, in
 * any order) under @directory, as its safe name (" (2)", " (3)"… before the extension
 * when that name exists), through "NAME.part" renamed when complete and checked (sizes,
 * the whole file's CRC32 when given). On any error nothing is left under the final name
 * and the ".part" file is removed. Returns the file written. Blocking: run it on a
 * worker. (transfer full) */
GFile            *op_news_binary_write_file (GPtrArray    *parts,
                                             GFile        *directory,
                                             GCancellable *cancellable,
                                             GError      **error);

G_END_DECLS
