/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-news-db-private.h"

/* Read state (op-news-db.h): articles' read flags and the groups' newsrc ranges, kept
 * together, and .newsrc import and export. */
/* --- read state ------------------------------------------------------------------- */

OpNewsRanges *
_op_news_db_get_read (sqlite3 *db, const char *group, GError **error)
{
  sqlite3_stmt *stmt
      = _op_news_db_prepare (db, "SELECT read_ranges FROM groups WHERE name = ?", error);
  OpNewsRanges *ranges = NULL;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, group);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *text = (const char *)sqlite3_column_text (stmt, 0);
      gsize       n = (gsize)sqlite3_column_bytes (stmt, 0);

      ranges = op_news_ranges_parse (text != NULL ? text : "", MIN (n, MAX_READ_TEXT), error);
    }
  else
    ranges = op_news_ranges_new ();
  sqlite3_reset (stmt);
  return ranges;
}

static gboolean
store_read_ranges (sqlite3 *db, const char *group, const OpNewsRanges *read, GError **error)
{
  g_autofree char *text = op_news_ranges_to_string (read);

  return _op_news_db_update_group_column (db, "UPDATE groups SET read_ranges = ?1 WHERE name = ?2",
                                          group, text, 0, TRUE, error);
}

typedef struct
{
  const char         *group;
  guint64             number;
  gboolean            read;
  gboolean            thread;
  const OpNewsRanges *ranges;
} ReadJob;

/* The id of @group, which must be in the store: 0 and an error when it is not. */
static gint64
existing_group (sqlite3 *db, const char *group, GError **error)
{
  GError *local = NULL;
  gint64  group_id = _op_news_db_group_id (db, group, FALSE, 0, &local);

  if (group_id == 0 && local == NULL)
    g_set_error (&local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _ ("The store has no group “%s”."),
                 group);
  if (local != NULL)
    g_propagate_error (error, local);
  return group_id;
}

static gboolean
set_read_locked (sqlite3 *db, gpointer data, GError **error)
{
  ReadJob *job = data;
  gint64   group_id = existing_group (db, job->group, error);
  g_autoptr (OpNewsRanges) read = NULL;
  g_autoptr (GArray) numbers = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;

  if (group_id == 0 || (read = _op_news_db_get_read (db, job->group, error)) == NULL)
    return FALSE;

  /* The article, or its thread: the root's key (the first component of the article's
   * key) and every real node below it. */
  g_array_append_val (numbers, job->number);
  if (job->thread)
    {
      g_autofree char *root = NULL;
      g_autofree char *upper = NULL;

      stmt = _op_news_db_prepare (db,
                                  "SELECT substr (path, 1, ?1) FROM nodes "
                                  "WHERE group_id = ?2 AND number = ?3",
                                  error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int (stmt, 1, COMPONENT_LENGTH);
      sqlite3_bind_int64 (stmt, 2, group_id);
      sqlite3_bind_int64 (stmt, 3, (gint64)job->number);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        root = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
      if (root == NULL)
        return TRUE;
      upper = g_strconcat (root, "g", NULL);
      stmt = _op_news_db_prepare (db,
                                  "SELECT number FROM nodes WHERE group_id = ? AND path >= ? "
                                  "AND path < ? AND number IS NOT NULL",
                                  error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, group_id);
      bind_text (stmt, 2, root);
      bind_text (stmt, 3, upper);
      g_array_set_size (numbers, 0);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          gint64 n = sqlite3_column_int64 (stmt, 0);

          g_array_append_val (numbers, n);
        }
      sqlite3_reset (stmt);
    }
  for (guint i = 0; i < numbers->len; i++)
    {
      guint64 n = (guint64)g_array_index (numbers, gint64, i);

      if (job->read)
        op_news_ranges_add (read, n, n);
      else
        op_news_ranges_remove (read, n, n);
      if (!_op_news_db_run_number (db,
                                   job->read ? "UPDATE nodes SET read = 1 "
                                               "WHERE group_id = ?1 AND number = ?2"
                                             : "UPDATE nodes SET read = 0 "
                                               "WHERE group_id = ?1 AND number = ?2",
                                   group_id, (gint64)n, error))
        return FALSE;
    }
  return store_read_ranges (db, job->group, read, error);
}

gboolean
_op_news_db_set_read (sqlite3 *db, const char *group, guint64 number, gboolean read, GError **error)
{
  ReadJob job = { group, number, read, FALSE, NULL };

  return _op_news_db_in_transaction (db, set_read_locked, &job, error);
}

gboolean
_op_news_db_set_thread_read (sqlite3 *db, const char *group, guint64 number, gboolean read,
                             GError **error)
{
  ReadJob job = { group, number, read, TRUE, NULL };

  return _op_news_db_in_transaction (db, set_read_locked, &job, error);
}

/* Replaces the group's ranges and makes every article's flag follow them. */
static gboolean
apply_ranges_locked (sqlite3 *db, gpointer data, GError **error)
{
  ReadJob *job = data;
  gint64   group_id = existing_group (db, job->group, error);
  g_autoptr (GArray) changes = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;

  if (group_id == 0)
    return FALSE;
  if (!store_read_ranges (db, job->group, job->ranges, error))
    return FALSE;
  stmt = _op_news_db_prepare (db, "SELECT number, read FROM nodes INDEXED BY nodes_by_number "
                                  "WHERE group_id = ? AND number IS NOT NULL", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64   n = sqlite3_column_int64 (stmt, 0);
      gboolean was = sqlite3_column_int (stmt, 1) != 0;

      if (was != op_news_ranges_contains (job->ranges, (guint64)n))
        g_array_append_val (changes, n);
    }
  sqlite3_reset (stmt);
  for (guint i = 0; i < changes->len; i++)
    {
      gint64 n = g_array_index (changes, gint64, i);

      if (!_op_news_db_run_number (db,
                                   "UPDATE nodes SET read = NOT read "
                                   "WHERE group_id = ?1 AND number = ?2",
                                   group_id, n, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
_op_news_db_set_read_ranges (sqlite3 *db, const char *group, const OpNewsRanges *read,
                             GError **error)
{
  ReadJob job = { group, 0, FALSE, FALSE, read };

  return _op_news_db_in_transaction (db, apply_ranges_locked, &job, error);
}

gboolean
_op_news_db_catch_up (sqlite3 *db, const char *group, GError **error)
{
  g_autoptr (OpNewsRanges) read = NULL;
  gint64 high = 0;

  if (!_op_news_db_query_int64 (db, "SELECT max (high, fetched_high) FROM groups WHERE name = ?",
                                group, &high, error))
    return FALSE;
  read = _op_news_db_get_read (db, group, error);
  if (read == NULL)
    return FALSE;
  if (high > 0)
    op_news_ranges_add (read, 1, (guint64)high);
  return _op_news_db_set_read_ranges (db, group, read, error);
}

/* --- .newsrc ------------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *entries;
  gint64     now;
} NewsrcJob;

static gboolean
import_newsrc_locked (sqlite3 *db, gpointer data, GError **error)
{
  NewsrcJob *job = data;

  for (guint i = 0; i < job->entries->len; i++)
    {
      const OpNewsrcEntry *entry = g_ptr_array_index (job->entries, i);
      ReadJob              read_job = { entry->name, 0, FALSE, FALSE, entry->read };

      if (_op_news_db_group_id (db, entry->name, TRUE, job->now, error) == 0
          || !_op_news_db_set_subscribed (db, entry->name, entry->subscribed, error)
          || !apply_ranges_locked (db, &read_job, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
_op_news_db_import_newsrc (sqlite3 *db, GPtrArray *entries, gint64 now, GError **error)
{
  NewsrcJob job = { entries, now };

  return _op_news_db_in_transaction (db, import_newsrc_locked, &job, error);
}

GPtrArray *
_op_news_db_export_newsrc (sqlite3 *db, GError **error)
{
  g_autoptr (GPtrArray) entries
      = g_ptr_array_new_with_free_func ((GDestroyNotify)op_newsrc_entry_free);
  sqlite3_stmt *stmt = _op_news_db_prepare (
      db, "SELECT name, subscribed, read_ranges FROM groups ORDER BY name", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      OpNewsrcEntry *entry = g_new0 (OpNewsrcEntry, 1);
      const char    *text = (const char *)sqlite3_column_text (stmt, 2);

      entry->name = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
      entry->subscribed = sqlite3_column_int (stmt, 1) != 0;
      entry->read
          = op_news_ranges_parse (text != NULL ? text : "", text != NULL ? strlen (text) : 0, NULL);
      if (entry->read == NULL)
        entry->read = op_news_ranges_new ();
      g_ptr_array_add (entries, entry);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _op_news_db_fail (db, error);
      return NULL;
    }
  return g_steal_pointer (&entries);
}
