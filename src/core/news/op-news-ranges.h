/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Sets of article numbers in newsrc form ("1-100,105,200-300"): the read articles of a
 * group. Kept sorted and merged, so a group with a million read articles in a few
 * runs costs a few bytes. Pure functions, unit-tested; errors are G_IO_ERROR_INVALID_DATA.
 */

typedef struct _OpNewsRanges OpNewsRanges;

#define OP_TYPE_NEWS_RANGES (op_news_ranges_get_type ())
GType         op_news_ranges_get_type   (void) G_GNUC_CONST;
OpNewsRanges *op_news_ranges_new        (void);
OpNewsRanges *op_news_ranges_copy       (const OpNewsRanges *ranges);
void          op_news_ranges_free       (OpNewsRanges       *ranges);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpNewsRanges, op_news_ranges_free)

/* "1-10,12,15-20": numbers ≥ 1, a range "a-b" with a > b is read as "b-a", overlaps
 * and adjacent ranges merge, spaces around numbers are allowed, an empty text is the
 * empty set. At most 1,000,000 ranges. (transfer full) */
OpNewsRanges *op_news_ranges_parse      (const char         *text,
                                         gsize               length,
                                         GError            **error);
/* The newsrc form, "" for the empty set. (transfer full) */
char         *op_news_ranges_to_string  (const OpNewsRanges *ranges);

void          op_news_ranges_add        (OpNewsRanges       *ranges,
                                         guint64             low,
                                         guint64             high);
void          op_news_ranges_remove     (OpNewsRanges       *ranges,
                                         guint64             low,
                                         guint64             high);
gboolean      op_news_ranges_contains   (const OpNewsRanges *ranges,
                                         guint64             number);
/* How many numbers of @low..@high the set holds. */
guint64       op_news_ranges_count_in   (const OpNewsRanges *ranges,
                                         guint64             low,
                                         guint64             high);
gboolean      op_news_ranges_is_empty   (const OpNewsRanges *ranges);
gboolean      op_news_ranges_equal      (const OpNewsRanges *a,
                                         const OpNewsRanges *b);

/*
 * A .newsrc file (the format of rn, tin, slrn and Pan): one group a line, "name:" when
 * subscribed and "name!" when not, then the read ranges. Lines that are not groups
 * ("options …", blank lines, garbage) are skipped on import and counted.
 */
typedef struct
{
  char         *name;
  gboolean      subscribed;
  OpNewsRanges *read;
} OpNewsrcEntry;

void          op_newsrc_entry_free      (OpNewsrcEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpNewsrcEntry, op_newsrc_entry_free)

/* The entries of @data, in file order (a group listed twice keeps its last line).
 * @n_skipped: (optional): lines that were not groups. (transfer container) */
GPtrArray    *op_newsrc_parse           (const char         *data,
                                         gsize               length,
                                         guint              *n_skipped);
/* One line per entry, "name: ranges\n" or "name! ranges\n". (transfer full) */
char         *op_newsrc_format          (GPtrArray          *entries);

G_END_DECLS
