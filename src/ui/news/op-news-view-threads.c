/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-ui"

#include "config.h"

#include "op-news-view-private.h"

/* The collapsed threads of each group are kept over a reload, a group switch and a
 * restart, as Pan and Thunderbird keep them: GSettings "news-group-threads", beside the
 * group's order ("news-group-sort-by"), keyed the same way ("ID/GROUP"). A group's entry
 * is (all collapsed, exceptions): after Collapse All every thread is collapsed but the
 * exceptions (the threads expanded since), otherwise every thread shows but the
 * exceptions (the threads collapsed one by one). So Collapse All on 100,000 threads
 * writes one flag, not 100,000 numbers. A thread is known by its first article's number
 * (a thread root's number stays when the group is read again); only whole threads are
 * kept, not subthreads. Threads that arrive after Collapse All come in collapsed: the
 * group is read with its threads closed until Expand All.
 *
 * A group with threads collapsed opens once its threads' first rows are listed (a walk
 * of the index on a worker), so its rows never show all open first; a reload after Get
 * Headers lists them with the rows (op_news_thread_model_set_roots_on_reload()) and the
 * thread list hides them in the reload's own change. */

/* Threads kept per group at most, the most recent ones: one click each, and a number
 * that names no thread any more is dropped when the group's threads are next listed. */
#define MAX_EXCEPTIONS 1000
/* The save waits for the clicks to stop (and runs when the group closes). */
#define SAVE_DELAY_MS 1000

static gboolean
have_key (OpNewsView *self)
{
  g_autoptr (GSettingsSchema) schema = NULL;

  if (self->settings == NULL)
    return FALSE;
  g_object_get (self->settings, "settings-schema", &schema, NULL);
  return schema != NULL && g_settings_schema_has_key (schema, "news-group-threads");
}

static gint
find_exception (OpNewsView *self, guint64 number)
{
  for (guint i = 0; i < self->threads_except->len; i++)
    if (g_array_index (self->threads_except, guint64, i) == number)
      return (gint)i;
  return -1;
}

static void
save_now (OpNewsView *self)
{
  g_autoptr (GVariant) all = NULL;
  GVariantBuilder builder;
  GVariantIter    iter;
  const char     *name;
  GVariant       *value;

  g_clear_handle_id (&self->threads_save, g_source_remove);
  if (self->threads_key == NULL || !have_key (self))
    return;
  all = g_settings_get_value (self->settings, "news-group-threads");
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{s(bat)}"));
  g_variant_iter_init (&iter, all);
  while (g_variant_iter_next (&iter, "{&s@(bat)}", &name, &value))
    {
      if (!g_str_equal (name, self->threads_key))
        g_variant_builder_add (&builder, "{s@(bat)}", name, value);
      g_variant_unref (value);
    }
  /* Nothing collapsed: the group needs no entry. */
  if (self->threads_collapsed || self->threads_except->len > 0)
    g_variant_builder_add (
        &builder, "{s@(bat)}", self->threads_key,
        g_variant_new ("(b@at)", self->threads_collapsed,
                       g_variant_new_fixed_array (G_VARIANT_TYPE_UINT64,
                                                  self->threads_except->data,
                                                  self->threads_except->len, sizeof (guint64))));
  g_settings_set_value (self->settings, "news-group-threads", g_variant_builder_end (&builder));
}

static gboolean
save_later (gpointer data)
{
  OpNewsView *self = data;

  self->threads_save = 0;
  save_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_save (OpNewsView *self)
{
  if (self->threads_save == 0)
    self->threads_save = g_timeout_add (SAVE_DELAY_MS, save_later, self);
}

void
_op_news_view_threads_restore (OpNewsView *self, const char *key)
{
  g_autoptr (GVariant) all = NULL;
  g_autoptr (GVariant) own = NULL;

  _op_news_view_threads_forget (self);
  self->threads_key = g_strdup (key);
  if (!have_key (self))
    return;
  all = g_settings_get_value (self->settings, "news-group-threads");
  own = g_variant_lookup_value (all, key, G_VARIANT_TYPE ("(bat)"));
  if (own != NULL)
    {
      g_autoptr (GVariant) numbers = g_variant_get_child_value (own, 1);
      gsize           n = 0;
      const guint64  *data = g_variant_get_fixed_array (numbers, &n, sizeof (guint64));

      g_variant_get_child (own, 0, "b", &self->threads_collapsed);
      g_array_append_vals (self->threads_except, data, (guint)MIN (n, MAX_EXCEPTIONS));
    }
}

void
_op_news_view_threads_forget (OpNewsView *self)
{
  if (self->threads_save != 0)
    save_now (self);
  self->threads_collapsed = FALSE;
  if (self->threads_except == NULL)
    self->threads_except = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_array_set_size (self->threads_except, 0);
  g_clear_pointer (&self->threads_key, g_free);
}

gboolean
_op_news_view_threads_any_collapsed (OpNewsView *self)
{
  return self->threads_collapsed || (self->threads_except != NULL && self->threads_except->len > 0);
}

void
_op_news_view_threads_set_all (OpNewsView *self, gboolean collapsed)
{
  self->threads_collapsed = collapsed;
  g_array_set_size (self->threads_except, 0);
  schedule_save (self);
}

void
_op_news_view_threads_toggled (OpNewsView *self, guint model_position, gboolean expanded)
{
  g_autoptr (OpNewsHeader) header = g_list_model_get_item (
      G_LIST_MODEL (op_news_thread_list_get_model (self->list)), model_position);
  guint64 number;
  gint    i;

  if (header == NULL || op_news_header_get_depth (header) != 0 || self->threads_key == NULL)
    return;
  number = op_news_header_get_number (header);
  i = find_exception (self, number);
  if (i >= 0)
    g_array_remove_index (self->threads_except, (guint)i);
  /* Not as the group's threads are: an exception, the most recent last. */
  if (expanded == self->threads_collapsed)
    {
      if (self->threads_except->len >= MAX_EXCEPTIONS)
        g_array_remove_index (self->threads_except, 0);
      g_array_append_val (self->threads_except, number);
    }
  schedule_save (self);
}

gboolean *
_op_news_view_threads_mask (OpNewsView *self, GArray *roots, GArray *numbers)
{
  g_autoptr (GHashTable) wanted = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  gboolean *collapsed = g_new (gboolean, MAX (roots->len, 1));

  for (guint i = 0; i < self->threads_except->len; i++)
    g_hash_table_add (wanted, &g_array_index (self->threads_except, guint64, i));
  for (guint i = 0; i < roots->len; i++)
    {
      guint64 *number = numbers != NULL && i < numbers->len
                            ? &g_array_index (numbers, guint64, i)
                            : NULL;
      gboolean listed = number != NULL && g_hash_table_contains (wanted, number);

      if (listed)
        g_hash_table_add (seen, number);
      collapsed[i] = self->threads_collapsed != listed;
    }
  /* Numbers that start no thread now (expired, or threaded under an earlier article)
   * are let go: the list stays as long as the group has such threads. */
  if (numbers != NULL && g_hash_table_size (seen) < self->threads_except->len)
    {
      for (guint i = 0; i < self->threads_except->len;)
        if (!g_hash_table_contains (seen, &g_array_index (self->threads_except, guint64, i)))
          g_array_remove_index (self->threads_except, i);
        else
          i++;
      schedule_save (self);
    }
  return collapsed;
}
