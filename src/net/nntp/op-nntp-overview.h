/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Overview lines (OVER / XOVER, RFC 3977 §8.3, RFC 2980 §2.8) read through the server's
 * LIST OVERVIEW.FMT (§8.4). Pure functions over bytes, unit-tested on captured INN
 * transcripts and fuzzed.
 *
 * Every field is sanitised: TAB, CR, LF, NUL and other control characters become
 * spaces and invalid UTF-8 becomes U+FFFD, so a stored field never contains a separator.
 * A server that lets a TAB through inside a header (RFC 3977 §8.3.2 says it must
 * become a space) would shift every later field: the parser finds the fields again by
 * their shape (a Message-ID, then References and two numbers) and joins the surplus
 * back into the Subject (or the References), instead of storing a date as an author.
 */

typedef struct _OpNntpOverviewFormat OpNntpOverviewFormat;

/* The seven fields RFC 3977 §8.4 fixes, and no more: what to use when the server has no
 * LIST OVERVIEW.FMT. */
OpNntpOverviewFormat *op_nntp_overview_format_new_default (void);
/* An empty format to feed the lines of LIST OVERVIEW.FMT to. */
OpNntpOverviewFormat *op_nntp_overview_format_new         (void);
void                  op_nntp_overview_format_free        (OpNntpOverviewFormat *format);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpNntpOverviewFormat, op_nntp_overview_format_free)

/* One line of LIST OVERVIEW.FMT, in order. The first seven must be Subject:, From:,
 * Date:, Message-ID:, References:, then :bytes and :lines (or the legacy Bytes: and
 * Lines:), case-insensitively; after that "Name:" or "Name:full" (a header whose field
 * carries its name, like INN's "Xref:full") or ":metadata". At most 64 extra fields. */
gboolean     op_nntp_overview_format_add_line   (OpNntpOverviewFormat *format,
                                                 const char           *line,
                                                 gsize                 length,
                                                 GError              **error);
/* TRUE once the seven fixed fields were added. */
gboolean     op_nntp_overview_format_is_complete (const OpNntpOverviewFormat *format);
/* The fields after the seventh: their names without colons and ":full" ("Xref",
 * "bytes" for ":bytes"), and whether the field carries the header name. */
guint        op_nntp_overview_format_get_n_extra (const OpNntpOverviewFormat *format);
const char  *op_nntp_overview_format_get_extra_name (const OpNntpOverviewFormat *format,
                                                     guint                       index);
gboolean     op_nntp_overview_format_extra_is_full  (const OpNntpOverviewFormat *format,
                                                     guint                       index);
/* The index of the extra field @name (case-insensitive), or -1. */
int          op_nntp_overview_format_find_extra     (const OpNntpOverviewFormat *format,
                                                     const char                 *name);

/**
 * OpNntpOverview:
 * @number: the article number (0 for OVER by Message-ID, RFC 3977 §8.3.2).
 * @subject, @from, @date: the header values as sent (RFC 2047 words not decoded).
 * @message_id: "<…>", valid by op_nntp_message_id_is_valid().
 * @references: space-separated Message-IDs, possibly empty.
 * @bytes, @lines: 0 when the server left them empty.
 * @extra: the values of the format's extra fields, in its order (header names of
 *   "full" fields removed), "" for one the line lacked; NULL-terminated.
 */
typedef struct
{
  guint64   number;
  char     *subject;
  char     *from;
  char     *date;
  char     *message_id;
  char     *references;
  guint64   bytes;
  guint64   lines;
  char    **extra;
} OpNntpOverview;

void            op_nntp_overview_free  (OpNntpOverview *overview);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpNntpOverview, op_nntp_overview_free)

/* One line of an OVER/XOVER block (dot-unstuffed, without its line end), read through
 * @format. (transfer full) */
OpNntpOverview *op_nntp_overview_parse (const OpNntpOverviewFormat *format,
                                        const char                 *line,
                                        gsize                       length,
                                        GError                    **error);

/* The value of extra field @name ("Xref"), or NULL when the format has none. */
const char     *op_nntp_overview_get_extra (const OpNntpOverview       *overview,
                                            const OpNntpOverviewFormat *format,
                                            const char                 *name);

G_END_DECLS
