/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include "op-mail-private.h"

/*
 * The smallest change set we can find cheaply between two orders of unique ids: the
 * ids that stay are the longest run that keeps its relative order (a longest increasing
 * subsequence, O(n log n)); every other id is removed (from the back, so positions stay
 * valid) and then inserted (from the front). A conversation that moved to the top is one
 * removal and one insertion, not a rewrite of every row between.
 */
GArray *
_op_mail_order_diff (const GArray *old_order,
                     const GArray *new_order)
{
  g_autoptr(GHashTable) new_index = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) seq = g_array_new (FALSE, FALSE, sizeof (guint));      /* new index per kept old item */
  g_autoptr(GArray) seq_old = g_array_new (FALSE, FALSE, sizeof (guint));  /* its old index */
  g_autofree guint *tails = NULL;
  g_autofree guint *prev = NULL;
  g_autofree gboolean *keep_old = g_new0 (gboolean, old_order->len + 1);
  g_autofree gboolean *keep_new = g_new0 (gboolean, new_order->len + 1);
  GArray *changes = g_array_new (FALSE, FALSE, sizeof (OpMailOrderChange));
  guint length = 0;

  for (guint i = 0; i < new_order->len; i++)
    g_hash_table_insert (new_index, &g_array_index (new_order, gint64, i), GUINT_TO_POINTER (i + 1));
  for (guint i = 0; i < old_order->len; i++)
    {
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (new_index, &g_array_index (old_order, gint64, i)));
      if (n == 0)
        continue;
      n--;
      g_array_append_val (seq, n);
      g_array_append_val (seq_old, i);
    }

  /* Patience sorting: tails[k] is the index in seq of the smallest tail of an
   * increasing run of length k + 1. */
  tails = g_new0 (guint, seq->len + 1);
  prev = g_new0 (guint, seq->len + 1);
  for (guint i = 0; i < seq->len; i++)
    {
      guint value = g_array_index (seq, guint, i);
      guint lo = 0, hi = length;

      while (lo < hi)
        {
          guint mid = (lo + hi) / 2;
          if (g_array_index (seq, guint, tails[mid]) < value)
            lo = mid + 1;
          else
            hi = mid;
        }
      prev[i] = lo > 0 ? tails[lo - 1] : G_MAXUINT;
      tails[lo] = i;
      if (lo == length)
        length++;
    }
  if (length > 0)
    for (guint i = tails[length - 1]; i != G_MAXUINT; i = prev[i])
      {
        keep_old[g_array_index (seq_old, guint, i)] = TRUE;
        keep_new[g_array_index (seq, guint, i)] = TRUE;
      }

  /* Removals, back to front, in runs. */
  for (guint i = old_order->len; i > 0;)
    {
      guint end = i;

      if (keep_old[i - 1])
        {
          i--;
          continue;
        }
      while (i > 0 && !keep_old[i - 1])
        i--;
      {
        OpMailOrderChange change = { i, end - i, 0 };
        g_array_append_val (changes, change);
      }
    }
  /* Insertions, front to back, in runs: by then the kept ids are in place. */
  for (guint i = 0; i < new_order->len;)
    {
      guint start = i;

      if (keep_new[i])
        {
          i++;
          continue;
        }
      while (i < new_order->len && !keep_new[i])
        i++;
      {
        OpMailOrderChange change = { start, 0, i - start };
        g_array_append_val (changes, change);
      }
    }
  return changes;
}
