/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-news-db-private.h"

/*
 * The news database's base (op-news-db.h): connections and their cached statements,
 * the schema and its migrations, groups and server data. Threading and expiry are in
 * op-news-db-thread.c, read state and .newsrc in op-news-db-read.c, the views' queries
 * in op-news-db-query.c, the article cache in op-news-db-cache.c.
 */
/* --- errors and statements ---------------------------------------------------- */

gboolean
_op_news_db_fail (sqlite3 *db, GError **error)
{
  /* Translators: %s is SQLite's own message, in English */
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("The news database failed: %s"),
               db != NULL ? sqlite3_errmsg (db) : "out of memory");
  return FALSE;
}

gboolean
_op_news_db_exec (sqlite3 *db, const char *sql, GError **error)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return _op_news_db_fail (db, error);
  return TRUE;
}

static GMutex      connections_lock;
static GHashTable *connections; /* sqlite3 * → OpNewsDbConnection * */

static void
statement_finalize (gpointer data)
{
  sqlite3_finalize (data);
}

OpNewsDbConnection *
_op_news_db_connection (sqlite3 *db)
{
  OpNewsDbConnection *connection;

  g_mutex_lock (&connections_lock);
  connection = connections != NULL ? g_hash_table_lookup (connections, db) : NULL;
  g_mutex_unlock (&connections_lock);
  g_assert (connection != NULL);
  return connection;
}

sqlite3_stmt *
_op_news_db_prepare (sqlite3 *db, const char *sql, GError **error)
{
  OpNewsDbConnection *connection = _op_news_db_connection (db);
  sqlite3_stmt       *stmt;

  stmt = g_hash_table_lookup (connection->statements, sql);
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  if (sqlite3_prepare_v3 (db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      _op_news_db_fail (db, error);
      return NULL;
    }
  g_hash_table_insert (connection->statements, (gpointer)sql, stmt);
  return stmt;
}

gboolean
_op_news_db_step_done (sqlite3 *db, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return _op_news_db_fail (db, error);
  return TRUE;
}

void
_op_news_db_bind_text_as (sqlite3_stmt *stmt, int index, const char *text,
                          sqlite3_destructor_type destructor)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, destructor);
}

gboolean
_op_news_db_run_text (sqlite3 *db, const char *sql, gint64 group_id, const char *text,
                      GError **error)
{
  sqlite3_stmt *stmt = _op_news_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  bind_text (stmt, 2, text);
  return _op_news_db_step_done (db, stmt, error);
}

gboolean
_op_news_db_run_number (sqlite3 *db, const char *sql, gint64 group_id, gint64 number,
                        GError **error)
{
  sqlite3_stmt *stmt = _op_news_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  sqlite3_bind_int64 (stmt, 2, number);
  return _op_news_db_step_done (db, stmt, error);
}

gboolean
_op_news_db_query_int64 (sqlite3 *db, const char *sql, const char *text, gint64 *value,
                         GError **error)
{
  sqlite3_stmt *stmt = _op_news_db_prepare (db, sql, error);
  int           rc;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, text);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *value = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _op_news_db_fail (db, error);
  return TRUE;
}

/* --- schema ------------------------------------------------------------------ */

/* Numbered migrations: migrations[i] takes user_version i to i + 1. Never edit one that
 * shipped; add the next. */
static const char *const migrations[] = {
  /* 0 → 1: groups, threading nodes, articles, server data. */
  "CREATE TABLE server_meta ("
  "  key TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL"
  ");"
  "CREATE TABLE groups ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  low INTEGER NOT NULL DEFAULT 0,"
  "  high INTEGER NOT NULL DEFAULT 0,"
  "  count INTEGER NOT NULL DEFAULT 0,"
  "  posting INTEGER NOT NULL DEFAULT 0,"
  "  alias TEXT,"
  "  description TEXT,"
  "  created INTEGER,"
  "  first_seen INTEGER NOT NULL,"
  "  subscribed INTEGER NOT NULL DEFAULT 0,"
  "  read_ranges TEXT NOT NULL DEFAULT '',"
  "  fetched_high INTEGER NOT NULL DEFAULT 0,"
  "  threaded INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE TABLE nodes ("
  "  group_id INTEGER NOT NULL,"
  "  message_id TEXT NOT NULL,"
  "  number INTEGER,"
  "  parent TEXT,"
  "  path TEXT NOT NULL,"
  "  depth INTEGER NOT NULL,"
  "  base_subject TEXT,"
  "  orphan_subject TEXT,"
  "  PRIMARY KEY (group_id, message_id)"
  ") WITHOUT ROWID;"
  /* With the number, so counting and walking a group's articles in threaded order
   * never reads the table. */
  "CREATE INDEX nodes_by_path ON nodes (group_id, path, number);"
  /* Partial: most nodes have neither; the queries name them (INDEXED BY). */
  "CREATE INDEX nodes_by_subject ON nodes (group_id, base_subject) WHERE base_subject IS NOT NULL;"
  "CREATE INDEX nodes_by_orphan_subject ON nodes (group_id, orphan_subject) "
  "  WHERE orphan_subject IS NOT NULL;"
  "CREATE TABLE articles ("
  "  group_id INTEGER NOT NULL,"
  "  number INTEGER NOT NULL,"
  "  message_id TEXT NOT NULL,"
  "  subject TEXT NOT NULL,"
  "  author TEXT NOT NULL,"
  "  date INTEGER NOT NULL,"
  "  bytes INTEGER NOT NULL,"
  "  lines INTEGER NOT NULL,"
  "  refs TEXT NOT NULL,"
  "  read INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (group_id, number)"
  ") WITHOUT ROWID;",
  /* 1 → 2: the article cache (whole articles as read, by Message-ID, server-wide: one
   * article may be in several groups), bounded in bytes and evicted by last read. */
  "CREATE TABLE bodies ("
  "  message_id TEXT PRIMARY KEY,"
  "  article BLOB NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  last_read INTEGER NOT NULL"
  ");"
  "CREATE INDEX bodies_by_last_read ON bodies (last_read);",
  /* 2 → 3: an article's columns move into its node, so storing an article writes one
   * row (with its Message-ID, number and key indexes) instead of a node and an article,
   * and a new article needs no lookup of its own Message-ID first: the insert's
   * conflict tells (bench-news-store). A placeholder has no number and none of these
   * columns. */
  "ALTER TABLE nodes ADD COLUMN subject TEXT;"
  "ALTER TABLE nodes ADD COLUMN author TEXT;"
  "ALTER TABLE nodes ADD COLUMN date INTEGER;"
  "ALTER TABLE nodes ADD COLUMN bytes INTEGER;"
  "ALTER TABLE nodes ADD COLUMN lines INTEGER;"
  "ALTER TABLE nodes ADD COLUMN refs TEXT;"
  "ALTER TABLE nodes ADD COLUMN read INTEGER NOT NULL DEFAULT 0;"
  "UPDATE nodes SET subject = a.subject, author = a.author, date = a.date, bytes = a.bytes, "
  "  lines = a.lines, refs = a.refs, read = a.read "
  "  FROM articles a WHERE a.group_id = nodes.group_id AND a.number = nodes.number;"
  /* A numbered node without its article row (never written so) stays a placeholder. */
  "UPDATE nodes SET number = NULL, base_subject = NULL "
  "  WHERE number IS NOT NULL AND subject IS NULL;"
  "DROP TABLE articles;"
  "CREATE UNIQUE INDEX nodes_by_number ON nodes (group_id, number) WHERE number IS NOT NULL;",
  /* 3 → 4: the nodes get rowids. Keyed by Message-ID (WITHOUT ROWID), each new article
   * put its whole row (subject, author, References...) at a random place of the table;
   * now the row is appended and only the narrow Message-ID index takes a random place
   * (bench-news-store). Rows move in threaded order. */
  "CREATE TABLE nodes_new ("
  "  group_id INTEGER NOT NULL,"
  "  message_id TEXT NOT NULL,"
  "  number INTEGER,"
  "  parent TEXT,"
  "  path TEXT NOT NULL,"
  "  depth INTEGER NOT NULL,"
  "  base_subject TEXT,"
  "  orphan_subject TEXT,"
  "  subject TEXT,"
  "  author TEXT,"
  "  date INTEGER,"
  "  bytes INTEGER,"
  "  lines INTEGER,"
  "  refs TEXT,"
  "  read INTEGER NOT NULL DEFAULT 0"
  ");"
  "INSERT INTO nodes_new (group_id, message_id, number, parent, path, depth, base_subject, "
  "  orphan_subject, subject, author, date, bytes, lines, refs, read) "
  "  SELECT group_id, message_id, number, parent, path, depth, base_subject, orphan_subject, "
  "  subject, author, date, bytes, lines, refs, read FROM nodes ORDER BY group_id, path;"
  "DROP TABLE nodes;"
  "ALTER TABLE nodes_new RENAME TO nodes;"
  "CREATE UNIQUE INDEX nodes_by_id ON nodes (group_id, message_id);"
  "CREATE INDEX nodes_by_path ON nodes (group_id, path, number);"
  "CREATE INDEX nodes_by_subject ON nodes (group_id, base_subject) WHERE base_subject IS NOT NULL;"
  "CREATE INDEX nodes_by_orphan_subject ON nodes (group_id, orphan_subject) "
  "  WHERE orphan_subject IS NOT NULL;"
  "CREATE UNIQUE INDEX nodes_by_number ON nodes (group_id, number) WHERE number IS NOT NULL;",
};

static gboolean
migrate (sqlite3 *db, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int           version;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK
      || sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_finalize (stmt);
      return _op_news_db_fail (db, error);
    }
  version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  if (version > (int)G_N_ELEMENTS (migrations))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _ ("The news database was written by a newer version of Outpost "
                      "(schema %d; this version knows %d)."),
                   version, (int)G_N_ELEMENTS (migrations));
      return FALSE;
    }
  for (int v = version; v < (int)G_N_ELEMENTS (migrations); v++)
    {
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", v + 1);

      /* Each step and its version number commit together, or not at all. */
      if (!_op_news_db_exec (db, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!_op_news_db_exec (db, migrations[v], error) || !_op_news_db_exec (db, bump, error))
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
      if (!_op_news_db_exec (db, "COMMIT", error))
        return FALSE;
    }
  return TRUE;
}

sqlite3 *
_op_news_db_open (const char *path, gboolean read_only, GError **error)
{
  sqlite3 *db = NULL;
  int      flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  OpNewsDbConnection *connection;

  g_return_val_if_fail (path != NULL, NULL);

  /* NOMUTEX: each connection is used by one thread at a time (the store thread, or
   * the main thread for a model's pages). */
  if (sqlite3_open_v2 (path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      _op_news_db_fail (db, error);
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 1);
  /* A reader waits for a checkpoint rather than failing with SQLITE_BUSY. */
  sqlite3_busy_timeout (db, 5000);
  if (!read_only
      && (!_op_news_db_exec (db, "PRAGMA journal_mode = WAL", error) ||
          /* WAL + NORMAL: a commit survives a crash of the app; a power loss may lose the
           * last transactions, never corrupt the file. Overviews can be fetched again. */
          !_op_news_db_exec (db, "PRAGMA synchronous = NORMAL", error) || !migrate (db, error)))
    {
      sqlite3_close (db);
      return NULL;
    }
  /* A bounded page cache whatever the database's size: 2 MiB for the writer and for a
   * reader's pages. A larger writer cache bought nothing (bench-news-store, 100,000
   * headers: 8 MiB read 16,397 pages, 2 MiB 18,354, from the OS's cache, the same CPU
   * time) and held 64 bytes a header more after the fetch. */
  _op_news_db_exec (db, "PRAGMA cache_size = -2048", NULL);

  connection = g_new0 (OpNewsDbConnection, 1);
  connection->db = db;
  connection->statements
      = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, statement_finalize);
  g_mutex_lock (&connections_lock);
  if (connections == NULL)
    connections = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_hash_table_insert (connections, db, connection);
  g_mutex_unlock (&connections_lock);
  return db;
}

void
_op_news_db_close (sqlite3 *db)
{
  OpNewsDbConnection *connection = NULL;

  if (db == NULL)
    return;
  g_mutex_lock (&connections_lock);
  if (connections != NULL
      && g_hash_table_steal_extended (connections, db, NULL, (gpointer *)&connection))
    {
    }
  g_mutex_unlock (&connections_lock);
  if (connection != NULL)
    {
      g_hash_table_unref (connection->statements);
      g_clear_pointer (&connection->nodes, g_hash_table_unref);
      g_free (connection);
    }
  sqlite3_close (db);
}

/* --- groups --------------------------------------------------------------------- */

gint64
_op_news_db_group_id (sqlite3 *db, const char *name, gboolean create, gint64 now, GError **error)
{
  sqlite3_stmt *stmt;
  gint64        id = 0;

  if (!_op_news_db_query_int64 (db, "SELECT id FROM groups WHERE name = ?", name, &id, error))
    return 0;
  if (id != 0 || !create)
    return id;

  stmt = _op_news_db_prepare (db, "INSERT INTO groups (name, first_seen) VALUES (?, ?)", error);
  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, name);
  sqlite3_bind_int64 (stmt, 2, now);
  if (!_op_news_db_step_done (db, stmt, error))
    return 0;
  return sqlite3_last_insert_rowid (db);
}

gboolean
_op_news_db_in_transaction (sqlite3 *db, gboolean (*func) (sqlite3 *, gpointer, GError **),
                            gpointer data, GError **error)
{
  if (!_op_news_db_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!func (db, data, error))
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return _op_news_db_exec (db, "COMMIT", error);
}

typedef struct
{
  GPtrArray *actives;
  gint64     now;
} ActiveJob;

static gboolean
update_active_locked (sqlite3 *db, gpointer data, GError **error)
{
  ActiveJob *job = data;

  for (guint i = 0; i < job->actives->len; i++)
    {
      const OpNntpActive *active = g_ptr_array_index (job->actives, i);
      sqlite3_stmt       *stmt;
      gint64              old_low = -1;

      if (!_op_news_db_query_int64 (db, "SELECT low FROM groups WHERE name = ?", active->name,
                                    &old_low, error))
        return FALSE;

      stmt = _op_news_db_prepare (
          db,
          "INSERT INTO groups (name, low, high, count, posting, alias, first_seen) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
          "ON CONFLICT (name) DO UPDATE SET low = ?2, high = ?3, count = ?4, "
          "posting = ?5, alias = ?6",
          error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, active->name);
      sqlite3_bind_int64 (stmt, 2, (gint64)active->low);
      sqlite3_bind_int64 (stmt, 3, (gint64)active->high);
      /* LIST ACTIVE has no count: estimate it from the marks as RFC 3977 §6.1.1.2 does. */
      sqlite3_bind_int64 (
          stmt, 4, active->high >= active->low ? (gint64)(active->high - active->low + 1) : 0);
      sqlite3_bind_int (stmt, 5, active->posting);
      bind_text (stmt, 6, active->alias);
      sqlite3_bind_int64 (stmt, 7, job->now);
      if (!_op_news_db_step_done (db, stmt, error))
        return FALSE;
      /* A raised low mark: the server expired what lies below it. */
      if (old_low >= 0 && (gint64)active->low > old_low
          && !_op_news_db_expire_below (db, active->name, active->low, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
_op_news_db_update_active (sqlite3 *db, GPtrArray *actives, gint64 now, GError **error)
{
  ActiveJob job = { actives, now };

  return _op_news_db_in_transaction (db, update_active_locked, &job, error);
}

gboolean
_op_news_db_update_group_column (sqlite3 *db, const char *sql, const char *group, const char *text,
                                 gint64 number, gboolean use_text, GError **error)
{
  sqlite3_stmt *stmt = _op_news_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  if (use_text)
    bind_text (stmt, 1, text);
  else
    sqlite3_bind_int64 (stmt, 1, number);
  bind_text (stmt, 2, group);
  return _op_news_db_step_done (db, stmt, error);
}

gboolean
_op_news_db_set_description (sqlite3 *db, const char *group, const char *description,
                             GError **error)
{
  return _op_news_db_update_group_column (db, "UPDATE groups SET description = ?1 WHERE name = ?2",
                                          group, description, 0, TRUE, error);
}

gboolean
_op_news_db_set_created (sqlite3 *db, const char *group, gint64 created, GError **error)
{
  return _op_news_db_update_group_column (db, "UPDATE groups SET created = ?1 WHERE name = ?2",
                                          group, NULL, created, FALSE, error);
}

gboolean
_op_news_db_set_subscribed (sqlite3 *db, const char *group, gboolean subscribed, GError **error)
{
  return _op_news_db_update_group_column (db, "UPDATE groups SET subscribed = ?1 WHERE name = ?2",
                                          group, NULL, subscribed ? 1 : 0, FALSE, error);
}

char *
_op_news_db_get_meta (sqlite3 *db, const char *key, GError **error)
{
  sqlite3_stmt *stmt
      = _op_news_db_prepare (db, "SELECT value FROM server_meta WHERE key = ?", error);
  char *value = NULL;
  int   rc;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    value = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _op_news_db_fail (db, error);
  return value;
}

gboolean
_op_news_db_set_meta (sqlite3 *db, const char *key, const char *value, GError **error)
{
  sqlite3_stmt *stmt = _op_news_db_prepare (db,
                                            "INSERT INTO server_meta (key, value) VALUES (?1, ?2) "
                                            "ON CONFLICT (key) DO UPDATE SET value = ?2",
                                            error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  bind_text (stmt, 2, value);
  return _op_news_db_step_done (db, stmt, error);
}

guint64
_op_news_db_get_fetched_high (sqlite3 *db, const char *group, GError **error)
{
  gint64 high = 0;

  _op_news_db_query_int64 (db, "SELECT fetched_high FROM groups WHERE name = ?", group, &high,
                           error);
  return (guint64)high;
}
