/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "nntp/op-nntp-list.h"
#include "op-news-ranges.h"

/* A hostile or corrupt .newsrc line cannot make us hold more than this. */
#define MAX_RANGES 1000000

typedef struct
{
  guint64 low;
  guint64 high;
} Range;

struct _OpNewsRanges
{
  GArray *ranges;   /* Range, sorted, disjoint and not adjacent */
};

G_DEFINE_BOXED_TYPE (OpNewsRanges, op_news_ranges, op_news_ranges_copy, op_news_ranges_free)

OpNewsRanges *
op_news_ranges_new (void)
{
  OpNewsRanges *ranges = g_new0 (OpNewsRanges, 1);

  ranges->ranges = g_array_new (FALSE, FALSE, sizeof (Range));
  return ranges;
}

OpNewsRanges *
op_news_ranges_copy (const OpNewsRanges *ranges)
{
  OpNewsRanges *copy;

  g_return_val_if_fail (ranges != NULL, NULL);

  copy = op_news_ranges_new ();
  g_array_append_vals (copy->ranges, ranges->ranges->data, ranges->ranges->len);
  return copy;
}

void
op_news_ranges_free (OpNewsRanges *ranges)
{
  if (ranges == NULL)
    return;
  g_array_unref (ranges->ranges);
  g_free (ranges);
}

#define RANGE(r, i) (g_array_index ((r)->ranges, Range, (i)))

/* The index of the first range whose high is ≥ @number - 1 (so it touches or follows
 * @number), or len. */
static guint
first_touching (const OpNewsRanges *ranges,
                guint64             number)
{
  guint lo = 0, hi = ranges->ranges->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      /* high + 1 < number, without overflowing at G_MAXUINT64 */
      if (number > 0 && RANGE (ranges, mid).high < number - 1)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

void
op_news_ranges_add (OpNewsRanges *ranges,
                    guint64       low,
                    guint64       high)
{
  guint first, last;
  Range merged;

  g_return_if_fail (ranges != NULL);

  if (low > high)
    {
      guint64 t = low;

      low = high;
      high = t;
    }
  if (low == 0)
    low = 1;
  if (high == 0)
    return;
  first = first_touching (ranges, low);
  last = first;
  merged.low = low;
  merged.high = high;
  while (last < ranges->ranges->len && RANGE (ranges, last).low <= (high == G_MAXUINT64 ? high : high + 1))
    {
      merged.low = MIN (merged.low, RANGE (ranges, last).low);
      merged.high = MAX (merged.high, RANGE (ranges, last).high);
      last++;
    }
  if (last > first)
    g_array_remove_range (ranges->ranges, first, last - first);
  g_array_insert_val (ranges->ranges, first, merged);
}

void
op_news_ranges_remove (OpNewsRanges *ranges,
                       guint64       low,
                       guint64       high)
{
  g_return_if_fail (ranges != NULL);

  if (low > high)
    {
      guint64 t = low;

      low = high;
      high = t;
    }
  for (guint i = first_touching (ranges, low); i < ranges->ranges->len;)
    {
      Range r = RANGE (ranges, i);

      if (r.low > high)
        break;
      if (r.high < low)
        {
          i++;
          continue;
        }
      g_array_remove_index (ranges->ranges, i);
      if (r.high > high)
        {
          Range right = { high + 1, r.high };

          g_array_insert_val (ranges->ranges, i, right);
        }
      if (r.low < low)
        {
          Range left = { r.low, low - 1 };

          g_array_insert_val (ranges->ranges, i, left);
          i++;
        }
    }
}

gboolean
op_news_ranges_contains (const OpNewsRanges *ranges,
                         guint64             number)
{
  guint i;

  g_return_val_if_fail (ranges != NULL, FALSE);

  i = first_touching (ranges, number);
  return i < ranges->ranges->len && RANGE (ranges, i).low <= number &&
         RANGE (ranges, i).high >= number;
}

guint64
op_news_ranges_count_in (const OpNewsRanges *ranges,
                         guint64             low,
                         guint64             high)
{
  guint64 count = 0;

  g_return_val_if_fail (ranges != NULL, 0);

  if (low > high)
    return 0;
  for (guint i = first_touching (ranges, low); i < ranges->ranges->len; i++)
    {
      Range r = RANGE (ranges, i);
      guint64 a = MAX (r.low, low), b = MIN (r.high, high);

      if (r.low > high)
        break;
      if (a <= b)
        count += b - a + 1;
    }
  return count;
}

gboolean
op_news_ranges_is_empty (const OpNewsRanges *ranges)
{
  g_return_val_if_fail (ranges != NULL, TRUE);

  return ranges->ranges->len == 0;
}

gboolean
op_news_ranges_equal (const OpNewsRanges *a,
                      const OpNewsRanges *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  /* An empty GArray may have no data at all: memcmp must not see it. */
  return a->ranges->len == b->ranges->len &&
         (a->ranges->len == 0 ||
          memcmp (a->ranges->data, b->ranges->data, a->ranges->len * sizeof (Range)) == 0);
}

static gboolean
parse_number (const char **p,
              const char  *end,
              guint64     *value)
{
  guint64 v = 0;
  const char *q = *p;

  while (q < end && *q == ' ')
    q++;
  if (q == end || !g_ascii_isdigit (*q))
    return FALSE;
  for (; q < end && g_ascii_isdigit (*q); q++)
    {
      guint digit = *q - '0';

      if (v > (guint64) (G_MAXINT64 - digit) / 10)
        return FALSE;
      v = v * 10 + digit;
    }
  while (q < end && *q == ' ')
    q++;
  *p = q;
  *value = v;
  return TRUE;
}

OpNewsRanges *
op_news_ranges_parse (const char  *text,
                      gsize        length,
                      GError     **error)
{
  g_autoptr(OpNewsRanges) ranges = op_news_ranges_new ();
  const char *p = text;
  const char *end = text + length;
  guint n = 0;

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  while (p < end)
    {
      guint64 low = 0, high = 0;

      if (!parse_number (&p, end, &low))
        goto bad;
      high = low;
      if (p < end && *p == '-')
        {
          p++;
          if (!parse_number (&p, end, &high))
            goto bad;
        }
      if (p < end && *p != ',')
        goto bad;
      if (p < end)
        p++;
      if (++n > MAX_RANGES)
        goto bad;
      op_news_ranges_add (ranges, low, high);
    }
  return g_steal_pointer (&ranges);

bad:
  {
    g_autofree char *quoted = g_utf8_make_valid (text, MIN (length, 80));

    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("“%s” is not a list of article numbers."), quoted);
  }
  return NULL;
}

static void
append_ranges (GString            *out,
               const OpNewsRanges *ranges)
{
  for (guint i = 0; i < ranges->ranges->len; i++)
    {
      Range r = RANGE (ranges, i);

      if (i > 0)
        g_string_append_c (out, ',');
      if (r.low == r.high)
        g_string_append_printf (out, "%" G_GUINT64_FORMAT, r.low);
      else
        g_string_append_printf (out, "%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, r.low, r.high);
    }
}

char *
op_news_ranges_to_string (const OpNewsRanges *ranges)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (ranges != NULL, NULL);

  append_ranges (out, ranges);
  return g_string_free (out, FALSE);
}

/* --- .newsrc --------------------------------------------------------------------- */

void
op_newsrc_entry_free (OpNewsrcEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  op_news_ranges_free (entry->read);
  g_free (entry);
}

GPtrArray *
op_newsrc_parse (const char *data,
                 gsize       length,
                 guint      *n_skipped)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) op_newsrc_entry_free);
  g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  const char *p = data;
  const char *end = data + length;
  guint skipped = 0;

  g_return_val_if_fail (data != NULL || length == 0, entries);

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl != NULL ? nl : end;
      const char *mark = p;
      g_autoptr(OpNewsrcEntry) entry = NULL;
      g_autoptr(OpNewsRanges) read = NULL;

      if (line_end > p && line_end[-1] == '\r')
        line_end--;
      while (mark < line_end && *mark != ':' && *mark != '!')
        mark++;
      if (mark == line_end || !op_nntp_group_name_is_valid (p, mark - p) ||
          (read = op_news_ranges_parse (mark + 1, line_end - (mark + 1), NULL)) == NULL)
        {
          /* "options -n …", blank lines, comments and lines we cannot read. */
          if (line_end > p)
            skipped++;
        }
      else
        {
          OpNewsrcEntry *previous;

          entry = g_new0 (OpNewsrcEntry, 1);
          entry->name = g_strndup (p, mark - p);
          entry->subscribed = *mark == ':';
          entry->read = g_steal_pointer (&read);
          previous = g_hash_table_lookup (index, entry->name);
          if (previous != NULL)
            {
              /* The last line for a group wins, as in rn. */
              previous->subscribed = entry->subscribed;
              op_news_ranges_free (previous->read);
              previous->read = g_steal_pointer (&entry->read);
            }
          else
            {
              g_hash_table_insert (index, entry->name, entry);
              g_ptr_array_add (entries, g_steal_pointer (&entry));
            }
        }
      p = nl != NULL ? nl + 1 : end;
    }
  if (n_skipped != NULL)
    *n_skipped = skipped;
  return entries;
}

char *
op_newsrc_format (GPtrArray *entries)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (entries != NULL, NULL);

  for (guint i = 0; i < entries->len; i++)
    {
      const OpNewsrcEntry *entry = g_ptr_array_index (entries, i);

      g_string_append (out, entry->name);
      g_string_append_c (out, entry->subscribed ? ':' : '!');
      if (entry->read != NULL && !op_news_ranges_is_empty (entry->read))
        {
          g_string_append_c (out, ' ');
          append_ranges (out, entry->read);
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}
