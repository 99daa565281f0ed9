/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-news-binary.h"
#include "op-news-db-private.h"
#include "op-news-header.h"

/* The views' reads (op-news-db.h): the thread model's pages and threads, the group
 * list, and the parts of a multipart binary posting. */
/* --- the thread model's reads ------------------------------------------------------ */

guint
_op_news_db_count_threaded (sqlite3 *db, gint64 group_id, GError **error)
{
  /* Kept as articles are added and expire: no scan. */
  sqlite3_stmt *stmt = _op_news_db_prepare (db, "SELECT threaded FROM groups WHERE id = ?", error);
  guint         count = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, group_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = (guint)MIN (sqlite3_column_int64 (stmt, 0), G_MAXUINT);
  else
    _op_news_db_fail (db, error);
  sqlite3_reset (stmt);
  return count;
}

gboolean
_op_news_db_load_page (sqlite3 *db, gint64 group_id, const char *start_key, guint skip, guint limit,
                       GPtrArray *headers, char **last_key, GError **error)
{
  sqlite3_stmt *stmt
      = _op_news_db_prepare (db,
                             "SELECT path, number, message_id, subject, author, date, bytes, "
                             "lines, depth, read FROM nodes INDEXED BY nodes_by_path "
                             "WHERE group_id = ?1 AND number IS NOT NULL AND path >= ?2 "
                             "ORDER BY path LIMIT ?3 OFFSET ?4",
                             error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  bind_text (stmt, 2, start_key);
  sqlite3_bind_int (stmt, 3, (int)MIN (limit, G_MAXINT));
  sqlite3_bind_int (stmt, 4, (int)MIN (skip, G_MAXINT));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (
          headers,
          _op_news_header_new (
              (guint64)sqlite3_column_int64 (stmt, 1), (const char *)sqlite3_column_text (stmt, 2),
              (const char *)sqlite3_column_text (stmt, 3),
              (const char *)sqlite3_column_text (stmt, 4), sqlite3_column_int64 (stmt, 5),
              (guint64)sqlite3_column_int64 (stmt, 6), (guint64)sqlite3_column_int64 (stmt, 7),
              (guint)MIN (sqlite3_column_int64 (stmt, 8), G_MAXUINT),
              sqlite3_column_int (stmt, 9) != 0));
      g_free (*last_key);
      *last_key = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _op_news_db_fail (db, error);
  return TRUE;
}

/* --- groups for the view ------------------------------------------------------------ */

GPtrArray *
_op_news_db_list_groups (sqlite3 *db, gboolean subscribed_only, GError **error)
{
  g_autoptr (GPtrArray) groups
      = g_ptr_array_new_with_free_func ((GDestroyNotify)op_news_group_free);
  g_autofree char *last_visit_text = _op_news_db_get_meta (db, "last-visit", NULL);
  gint64 last_visit = last_visit_text != NULL ? g_ascii_strtoll (last_visit_text, NULL, 10) : -1;
  sqlite3_stmt *stmt
      = _op_news_db_prepare (db,
                             "SELECT name, low, high, count, posting, description, created, "
                             "subscribed, first_seen, read_ranges, fetched_high FROM groups "
                             "WHERE subscribed OR NOT ?1 ORDER BY name",
                             error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, subscribed_only ? 1 : 0);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      OpNewsGroup *group = g_new0 (OpNewsGroup, 1);
      const char  *ranges_text = (const char *)sqlite3_column_text (stmt, 9);
      g_autoptr (OpNewsRanges) read = NULL;

      group->name = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
      group->low = (guint64)sqlite3_column_int64 (stmt, 1);
      group->high = (guint64)sqlite3_column_int64 (stmt, 2);
      group->count = (guint64)sqlite3_column_int64 (stmt, 3);
      group->posting = sqlite3_column_int (stmt, 4);
      group->description = g_strdup ((const char *)sqlite3_column_text (stmt, 5));
      group->created = sqlite3_column_int64 (stmt, 6);
      group->subscribed = sqlite3_column_int (stmt, 7) != 0;
      /* Nothing is new before the first visit was recorded. */
      group->is_new = last_visit >= 0 && sqlite3_column_int64 (stmt, 8) > last_visit;
      group->fetched_high = (guint64)sqlite3_column_int64 (stmt, 10);
      read = op_news_ranges_parse (ranges_text != NULL ? ranges_text : "",
                                   ranges_text != NULL ? strlen (ranges_text) : 0, NULL);
      if (group->high >= group->low && group->low > 0)
        group->unread
            = group->high - group->low + 1
              - (read != NULL ? op_news_ranges_count_in (read, group->low, group->high) : 0);
      g_ptr_array_add (groups, group);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _op_news_db_fail (db, error);
      return NULL;
    }
  return g_steal_pointer (&groups);
}

gboolean
_op_news_db_scan_page_keys (sqlite3 *db, gint64 group_id, guint page_size, GPtrArray *keys,
                            GCancellable *cancellable, GError **error)
{
  sqlite3_stmt *stmt
      = _op_news_db_prepare (db,
                             "SELECT path FROM nodes INDEXED BY nodes_by_path "
                             "WHERE group_id = ? AND number IS NOT NULL ORDER BY path",
                             error);
  guint64 row = 0;
  int     rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (row % page_size == 0)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            {
              sqlite3_reset (stmt);
              return FALSE;
            }
          g_ptr_array_add (keys, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
        }
      row++;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _op_news_db_fail (db, error);
  return TRUE;
}

gboolean
_op_news_db_scan_roots (sqlite3 *db, gint64 group_id, GArray *roots, GArray *numbers,
                        GCancellable *cancellable, GError **error)
{
  sqlite3_stmt *stmt
      = _op_news_db_prepare (db,
                             "SELECT depth, number FROM nodes INDEXED BY nodes_by_path "
                             "WHERE group_id = ? AND number IS NOT NULL ORDER BY path",
                             error);
  guint row = 0;
  int   rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (row % 1024 == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
      if (sqlite3_column_int64 (stmt, 0) == 0)
        {
          guint64 number = (guint64)sqlite3_column_int64 (stmt, 1);

          g_array_append_val (roots, row);
          if (numbers != NULL)
            g_array_append_val (numbers, number);
        }
      row++;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _op_news_db_fail (db, error);
  return TRUE;
}

/* --- multipart binaries ----------------------------------------------------------- */

void
op_news_binary_posting_free (OpNewsBinaryPosting *posting)
{
  if (posting == NULL)
    return;
  g_free (posting->key);
  g_free (posting->author);
  /* Not g_strfreev(): a missing part leaves a NULL before the parts found after it. */
  if (posting->message_ids != NULL)
    for (guint i = 0; i < posting->total; i++)
      g_free (posting->message_ids[i]);
  g_free (posting->message_ids);
  g_free (posting->numbers);
  g_free (posting);
}

OpNewsBinaryPosting *
_op_news_db_find_binary_parts (sqlite3 *db, const char *group, guint64 number, GError **error)
{
  sqlite3_stmt *one = _op_news_db_prepare (db,
                                           "SELECT a.subject, a.author, a.group_id FROM nodes a "
                                           "JOIN groups g ON g.id = a.group_id "
                                           "WHERE g.name = ? AND a.number = ?",
                                           error);
  sqlite3_stmt *like;
  g_autoptr (OpNewsBinaryPosting) posting = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *pattern = NULL;
  gint64           group_id;
  guint            part = 0, total = 0;
  gsize            prefix;
  GString         *escaped;
  int              rc;

  if (one == NULL)
    return NULL;
  bind_text (one, 1, group);
  sqlite3_bind_int64 (one, 2, (sqlite3_int64)number);
  rc = sqlite3_step (one);
  if (rc == SQLITE_ROW)
    {
      posting = g_new0 (OpNewsBinaryPosting, 1);
      subject = g_strdup ((const char *)sqlite3_column_text (one, 0));
      posting->author = g_strdup ((const char *)sqlite3_column_text (one, 1));
      group_id = sqlite3_column_int64 (one, 2);
    }
  sqlite3_reset (one);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     _ ("Article %llu of %s is not in the news store."), (unsigned long long)number,
                     group);
      else
        _op_news_db_fail (db, error);
      return NULL;
    }
  if (!op_news_binary_parse_subject (subject, &part, &total, &posting->key))
    {
      /* One article is the whole posting. */
      posting->key = g_strdup (subject);
      posting->total = 1;
      posting->message_ids = g_new0 (char *, 2);
      posting->numbers = g_new0 (guint64, 1);
      like = _op_news_db_prepare (
          db, "SELECT message_id FROM nodes WHERE group_id = ? AND number = ?", error);
      if (like == NULL)
        return NULL;
      sqlite3_bind_int64 (like, 1, group_id);
      sqlite3_bind_int64 (like, 2, (sqlite3_int64)number);
      if (sqlite3_step (like) == SQLITE_ROW)
        posting->message_ids[0] = g_strdup ((const char *)sqlite3_column_text (like, 0));
      sqlite3_reset (like);
      posting->numbers[0] = number;
      posting->n_found = posting->message_ids[0] != NULL ? 1 : 0;
      return g_steal_pointer (&posting);
    }
  posting->total = total;
  posting->message_ids = g_new0 (char *, total + 1);
  posting->numbers = g_new0 (guint64, total);

  /* The subject up to the part mark is the same for every part: a LIKE on that prefix
   * (escaped), then the whole key compared here. */
  prefix = strcspn (posting->key, "*") - 1;
  escaped = g_string_new (NULL);
  for (gsize i = 0; i < prefix; i++)
    {
      if (posting->key[i] == '%' || posting->key[i] == '_' || posting->key[i] == '\\')
        g_string_append_c (escaped, '\\');
      g_string_append_c (escaped, posting->key[i]);
    }
  g_string_append_c (escaped, '%');
  pattern = g_string_free (escaped, FALSE);
  like = _op_news_db_prepare (db,
                              "SELECT number, message_id, subject FROM nodes INDEXED BY nodes_by_number "
                              "WHERE group_id = ? AND number IS NOT NULL AND author = ? "
                              "AND subject LIKE ? ESCAPE '\\' "
                              "ORDER BY number",
                              error);
  if (like == NULL)
    return NULL;
  sqlite3_bind_int64 (like, 1, group_id);
  bind_text (like, 2, posting->author);
  bind_text (like, 3, pattern);
  while ((rc = sqlite3_step (like)) == SQLITE_ROW)
    {
      g_autofree char *key = NULL;
      guint            n = 0, m = 0;

      if (!op_news_binary_parse_subject ((const char *)sqlite3_column_text (like, 2), &n, &m, &key)
          || m != total || strcmp (key, posting->key) != 0 || posting->message_ids[n - 1] != NULL)
        continue; /* another posting, or a repost of a part already found */
      posting->message_ids[n - 1] = g_strdup ((const char *)sqlite3_column_text (like, 1));
      posting->numbers[n - 1] = (guint64)sqlite3_column_int64 (like, 0);
      posting->n_found++;
    }
  sqlite3_reset (like);
  if (rc != SQLITE_DONE)
    {
      _op_news_db_fail (db, error);
      return NULL;
    }
  return g_steal_pointer (&posting);
}

typedef struct
{
  char *key;        /* the thread's first row */
  gint64 row;       /* that row's article */
  char *column;     /* its subject or author (the order's) */
  guint count;
} ThreadEntry;

static void
thread_entry_clear (gpointer data)
{
  ThreadEntry *entry = data;

  g_free (entry->key);
  g_free (entry->column);
}

/* As COLLATE NOCASE (the columns are stored with ASCII letters folded, so byte by byte),
 * then by key. */
static int
compare_thread_entries (gconstpointer a, gconstpointer b)
{
  const ThreadEntry *x = *(ThreadEntry *const *)a, *y = *(ThreadEntry *const *)b;
  int                r;

  if (x->column == NULL || y->column == NULL)
    r = (x->column != NULL) - (y->column != NULL);
  else
    r = strcmp (x->column, y->column);
  return r != 0 ? r : strcmp (x->key, y->key);
}

/* In the table's order. */
static int
compare_thread_rows (gconstpointer a, gconstpointer b)
{
  const ThreadEntry *x = *(ThreadEntry *const *)a, *y = *(ThreadEntry *const *)b;

  return x->row < y->row ? -1 : x->row > y->row;
}

gboolean
_op_news_db_list_threads (sqlite3 *db, gint64 group_id, OpNewsDbThreadSort sort, GPtrArray *keys,
                          GArray *counts, GCancellable *cancellable, GError **error)
{
  /* One walk of the key index (covering: it holds the rowid), in key order. A thread
   * is a root's key and every key after it up to the next root's: only a root has no
   * parent, and only a root's key is one component long. Its first row is the first of
   * them with an article (a placeholder root has none). Then, by subject or author, that
   * row's column for each thread. This was one statement that walked every node's row
   * for the roots and the key index twice per thread: bench-news-store at 100,000
   * headers (6,442 threads), 354 million instructions newest first or by author, now
   * about 150 and 185 million. */
  sqlite3_stmt *stmt
      = _op_news_db_prepare (db,
                             "SELECT path, number IS NOT NULL, rowid "
                             "FROM nodes INDEXED BY nodes_by_path WHERE group_id = ? ORDER BY path",
                             error);
  g_autoptr (GArray) threads = g_array_new (FALSE, TRUE, sizeof (ThreadEntry));
  g_autoptr (GPtrArray) by_id = g_ptr_array_new ();
  ThreadEntry *current = NULL;
  guint64      row = 0;
  int          rc;

  g_array_set_clear_func (threads, thread_entry_clear);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (row++ % 1024 == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
      if (sqlite3_column_bytes (stmt, 0) == COMPONENT_LENGTH || current == NULL)
        {
          /* A thread without an article (placeholders only) gives its entry to the next. */
          if (current == NULL || current->count > 0)
            g_array_set_size (threads, threads->len + 1);
          current = &g_array_index (threads, ThreadEntry, threads->len - 1);
        }
      if (sqlite3_column_int (stmt, 1) == 0)
        continue;
      if (current->count++ == 0)
        {
          current->key = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
          if (sort != OP_NEWS_DB_THREAD_SORT_NONE)
            current->row = sqlite3_column_int64 (stmt, 2);
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _op_news_db_fail (db, error);
  /* The last thread may have no row. */
  if (current != NULL && current->count == 0)
    g_array_set_size (threads, threads->len - 1);

  if (sort != OP_NEWS_DB_THREAD_SORT_NONE)
    {
      stmt = _op_news_db_prepare (db,
                                  sort == OP_NEWS_DB_THREAD_SORT_AUTHOR
                                      ? "SELECT author FROM nodes WHERE rowid = ?"
                                      : "SELECT subject FROM nodes WHERE rowid = ?",
                                  error);
      if (stmt == NULL)
        return FALSE;
      /* In the table's order: its pages are read one after another, not once per
       * thread at random. */
      for (guint t = 0; t < threads->len; t++)
        g_ptr_array_add (by_id, &g_array_index (threads, ThreadEntry, t));
      g_ptr_array_sort (by_id, compare_thread_rows);
      for (guint t = 0; t < by_id->len; t++)
        {
          ThreadEntry *entry = g_ptr_array_index (by_id, t);

          if (t % 256 == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
            {
              sqlite3_reset (stmt);
              return FALSE;
            }
          sqlite3_bind_int64 (stmt, 1, entry->row);
          rc = sqlite3_step (stmt);
          /* Folded once here, not in every comparison of the sort. */
          if (rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
            entry->column = g_ascii_strdown ((const char *)sqlite3_column_text (stmt, 0), -1);
          sqlite3_reset (stmt);
          if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return _op_news_db_fail (db, error);
        }
      g_ptr_array_sort (by_id, compare_thread_entries);
    }
  else
    for (guint t = 0; t < threads->len; t++)
      g_ptr_array_add (by_id, &g_array_index (threads, ThreadEntry, t));
  for (guint t = 0; t < by_id->len; t++)
    {
      ThreadEntry *entry = g_ptr_array_index (by_id, t);

      g_ptr_array_add (keys, g_steal_pointer (&entry->key));
      g_array_append_val (counts, entry->count);
    }
  return TRUE;
}
