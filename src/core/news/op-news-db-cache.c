/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news"

#include "config.h"

#include <glib/gi18n.h>

#include "op-news-db-private.h"

/* The article cache (op-news-db.h): whole articles as read, by Message-ID, bounded in
 * bytes and evicted by last read. */
/* --- the article cache -------------------------------------------------------------- */

/* The next last_read stamp: a counter, not a clock, so two reads in one second keep their
 * order (the index gives the maximum at once). */
static gboolean
next_read_stamp (sqlite3 *db, gint64 *stamp, GError **error)
{
  sqlite3_stmt *stmt
      = _op_news_db_prepare (db, "SELECT COALESCE (MAX (last_read), 0) + 1 FROM bodies", error);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      return _op_news_db_fail (db, error);
    }
  *stamp = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return TRUE;
}

/* Drops the least recently read articles until the cache holds at most @limit bytes. */
static gboolean
evict_bodies (sqlite3 *db, guint64 limit, GError **error)
{
  sqlite3_stmt *total
      = _op_news_db_prepare (db, "SELECT COALESCE (SUM (size), 0) FROM bodies", error);
  sqlite3_stmt *oldest;
  sqlite3_stmt *drop;
  guint64       held;

  if (total == NULL)
    return FALSE;
  if (sqlite3_step (total) != SQLITE_ROW)
    {
      sqlite3_reset (total);
      return _op_news_db_fail (db, error);
    }
  held = (guint64)sqlite3_column_int64 (total, 0);
  sqlite3_reset (total);
  if (held <= limit)
    return TRUE;
  oldest = _op_news_db_prepare (
      db, "SELECT message_id, size FROM bodies ORDER BY last_read LIMIT 64", error);
  drop = _op_news_db_prepare (db, "DELETE FROM bodies WHERE message_id = ?", error);
  if (oldest == NULL || drop == NULL)
    return FALSE;
  while (held > limit)
    {
      g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      int rc;

      while ((rc = sqlite3_step (oldest)) == SQLITE_ROW && held > limit)
        {
          g_ptr_array_add (ids, g_strdup ((const char *)sqlite3_column_text (oldest, 0)));
          held -= MIN (held, (guint64)sqlite3_column_int64 (oldest, 1));
        }
      sqlite3_reset (oldest);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return _op_news_db_fail (db, error);
      if (ids->len == 0)
        break;
      for (guint i = 0; i < ids->len; i++)
        {
          bind_text (drop, 1, g_ptr_array_index (ids, i));
          if (!_op_news_db_step_done (db, drop, error))
            return FALSE;
        }
    }
  return TRUE;
}

gboolean
_op_news_db_cache_article (sqlite3 *db, const char *message_id, GBytes *article, guint64 limit,
                           GError **error)
{
  sqlite3_stmt *stmt;
  gsize         size;
  const void   *data = g_bytes_get_data (article, &size);
  gint64        stamp;

  /* An article larger than the whole cache is not kept (it would evict everything). */
  if (size > limit)
    return TRUE;
  if (!_op_news_db_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  stmt
      = _op_news_db_prepare (db,
                             "INSERT OR REPLACE INTO bodies (message_id, article, size, last_read) "
                             "VALUES (?, ?, ?, ?)",
                             error);
  if (stmt == NULL || !next_read_stamp (db, &stamp, error))
    goto fail;
  bind_text (stmt, 1, message_id);
  sqlite3_bind_blob64 (stmt, 2, size > 0 ? data : "", size, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64)size);
  sqlite3_bind_int64 (stmt, 4, stamp);
  if (!_op_news_db_step_done (db, stmt, error) || !evict_bodies (db, limit, error))
    goto fail;
  return _op_news_db_exec (db, "COMMIT", error);

fail:
  _op_news_db_exec (db, "ROLLBACK", NULL);
  return FALSE;
}

GBytes *
_op_news_db_lookup_article (sqlite3 *db, const char *message_id, GError **error)
{
  sqlite3_stmt *select
      = _op_news_db_prepare (db, "SELECT article FROM bodies WHERE message_id = ?", error);
  sqlite3_stmt *touch
      = _op_news_db_prepare (db, "UPDATE bodies SET last_read = ? WHERE message_id = ?", error);
  GBytes *article = NULL;
  gint64  stamp;
  int     rc;

  if (select == NULL || touch == NULL)
    return NULL;
  bind_text (select, 1, message_id);
  rc = sqlite3_step (select);
  if (rc == SQLITE_ROW)
    article
        = g_bytes_new (sqlite3_column_blob (select, 0), (gsize)sqlite3_column_bytes (select, 0));
  sqlite3_reset (select);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _op_news_db_fail (db, error);
      return NULL;
    }
  if (article == NULL)
    return NULL;
  /* Read now: the last to be evicted. */
  if (!next_read_stamp (db, &stamp, error))
    {
      g_bytes_unref (article);
      return NULL;
    }
  sqlite3_bind_int64 (touch, 1, stamp);
  bind_text (touch, 2, message_id);
  if (!_op_news_db_step_done (db, touch, error))
    g_clear_pointer (&article, g_bytes_unref);
  return article;
}

gboolean
_op_news_db_uncache_article (sqlite3 *db, const char *message_id, GError **error)
{
  sqlite3_stmt *stmt = _op_news_db_prepare (db, "DELETE FROM bodies WHERE message_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, message_id);
  return _op_news_db_step_done (db, stmt, error);
}

guint64
_op_news_db_cached_size (sqlite3 *db, GError **error)
{
  sqlite3_stmt *total
      = _op_news_db_prepare (db, "SELECT COALESCE (SUM (size), 0) FROM bodies", error);
  guint64 held = 0;

  if (total == NULL)
    return 0;
  if (sqlite3_step (total) == SQLITE_ROW)
    held = (guint64)sqlite3_column_int64 (total, 0);
  else
    _op_news_db_fail (db, error);
  sqlite3_reset (total);
  return held;
}
