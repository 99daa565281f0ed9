/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news"

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <string.h>

#include "nntp/op-nntp-reply.h"
#include "op-mime.h"
#include "op-news-binary.h"
#include "op-news-db.h"
#include "op-news-header.h"
#include "op-news-store.h"

/* One level of a node's sort key: the date (seconds since 1970, 8 hex digits: until
 * 2106) and the article number (10 hex digits: a trillion), so siblings sort by date and
 * then by arrival. Fixed width keeps every key a plain string prefix of its subtree's. */
#define COMPONENT_DATE_DIGITS 8
#define COMPONENT_NUMBER_DIGITS 10
#define COMPONENT_LENGTH (COMPONENT_DATE_DIGITS + COMPONENT_NUMBER_DIGITS)
/* Threads deeper than this are flattened at this level (real threads stay far below;
 * the bound keeps keys and the loop check bounded). */
#define MAX_LEVELS 48
/* jwz keeps every reference; a hostile References header may list thousands. */
#define MAX_REFERENCES 64
/* A group's newsrc line in the database, in ranges: far above any real one. */
#define MAX_READ_TEXT (16 * 1024 * 1024)

/* --- errors and statements ---------------------------------------------------- */

gboolean
_op_news_db_fail (sqlite3  *db,
                  GError  **error)
{
  /* Translators: %s is SQLite's own message, in English */
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The news database failed: %s"),
               db != NULL ? sqlite3_errmsg (db) : "out of memory");
  return FALSE;
}

gboolean
_op_news_db_exec (sqlite3     *db,
                  const char  *sql,
                  GError     **error)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return _op_news_db_fail (db, error);
  return TRUE;
}

/* Prepared statements are cached per connection, keyed by their (static) SQL text; so
 * are, while one batch of overviews is threaded, the nodes it reads and writes (a
 * thread's articles arrive together and name the same ancestors over and over). */
typedef struct
{
  sqlite3    *db;
  GHashTable *statements;   /* const char * (static SQL) → sqlite3_stmt * */
  GHashTable *nodes;        /* Message-ID → CachedNode, only during a batch */
} Connection;

static GMutex connections_lock;
static GHashTable *connections;   /* sqlite3 * → Connection * */

static void
statement_finalize (gpointer data)
{
  sqlite3_finalize (data);
}

static Connection *
get_connection (sqlite3 *db)
{
  Connection *connection;

  g_mutex_lock (&connections_lock);
  connection = connections != NULL ? g_hash_table_lookup (connections, db) : NULL;
  g_mutex_unlock (&connections_lock);
  g_assert (connection != NULL);
  return connection;
}

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  Connection *connection = get_connection (db);
  sqlite3_stmt *stmt;

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
  g_hash_table_insert (connection->statements, (gpointer) sql, stmt);
  return stmt;
}

/* Runs a prepared statement that returns no rows. */
static gboolean
step_done (sqlite3       *db,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return _op_news_db_fail (db, error);
  return TRUE;
}

/* A string parameter, NULL as SQL NULL. SQLITE_STATIC (bind_static) is for the
 * ingest's statements, each stepped once and reset at once while @text lives: SQLite
 * then neither copies nor frees it. */
static void
bind_text_as (sqlite3_stmt            *stmt,
              int                      index,
              const char              *text,
              sqlite3_destructor_type  destructor)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, destructor);
}

#define bind_text(stmt, index, text) bind_text_as ((stmt), (index), (text), SQLITE_TRANSIENT)
#define bind_static(stmt, index, text) bind_text_as ((stmt), (index), (text), SQLITE_STATIC)

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
};

static gboolean
migrate (sqlite3  *db,
         GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  int version;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_finalize (stmt);
      return _op_news_db_fail (db, error);
    }
  version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  if (version > (int) G_N_ELEMENTS (migrations))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The news database was written by a newer version of Outpost "
                     "(schema %d; this version knows %d)."),
                   version, (int) G_N_ELEMENTS (migrations));
      return FALSE;
    }
  for (int v = version; v < (int) G_N_ELEMENTS (migrations); v++)
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
_op_news_db_open (const char  *path,
                  gboolean     read_only,
                  GError     **error)
{
  sqlite3 *db = NULL;
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  Connection *connection;

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
  if (!read_only &&
      (!_op_news_db_exec (db, "PRAGMA journal_mode = WAL", error) ||
       /* WAL + NORMAL: a commit survives a crash of the app; a power loss may lose the
        * last transactions, never corrupt the file. Overviews can be fetched again. */
       !_op_news_db_exec (db, "PRAGMA synchronous = NORMAL", error) ||
       !migrate (db, error)))
    {
      sqlite3_close (db);
      return NULL;
    }
  /* A bounded page cache whatever the database's size: 8 MiB for the writer, whose
   * threading touches the indexes all over, 2 MiB for a reader's pages. */
  _op_news_db_exec (db, read_only ? "PRAGMA cache_size = -2048" : "PRAGMA cache_size = -8192",
                    NULL);

  connection = g_new0 (Connection, 1);
  connection->db = db;
  connection->statements = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                                  statement_finalize);
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
  Connection *connection = NULL;

  if (db == NULL)
    return;
  g_mutex_lock (&connections_lock);
  if (connections != NULL && g_hash_table_steal_extended (connections, db, NULL,
                                                          (gpointer *) &connection))
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
_op_news_db_group_id (sqlite3     *db,
                      const char  *name,
                      gboolean     create,
                      gint64       now,
                      GError     **error)
{
  sqlite3_stmt *stmt = prepare (db, "SELECT id FROM groups WHERE name = ?", error);
  gint64 id = 0;
  int rc;

  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, name);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _op_news_db_fail (db, error);
      return 0;
    }
  if (id != 0 || !create)
    return id;

  stmt = prepare (db, "INSERT INTO groups (name, first_seen) VALUES (?, ?)", error);
  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, name);
  sqlite3_bind_int64 (stmt, 2, now);
  if (!step_done (db, stmt, error))
    return 0;
  return sqlite3_last_insert_rowid (db);
}

/* Runs @func inside one transaction (committed on success, rolled back on failure). */
static gboolean
in_transaction (sqlite3   *db,
                gboolean (*func) (sqlite3 *, gpointer, GError **),
                gpointer   data,
                GError   **error)
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

static gboolean expire_below (sqlite3     *db,
                              const char  *group,
                              guint64      low,
                              GError     **error);

static gboolean
update_active_locked (sqlite3   *db,
                      gpointer   data,
                      GError   **error)
{
  ActiveJob *job = data;

  for (guint i = 0; i < job->actives->len; i++)
    {
      const OpNntpActive *active = g_ptr_array_index (job->actives, i);
      sqlite3_stmt *stmt;
      gint64 old_low = -1;

      stmt = prepare (db, "SELECT low FROM groups WHERE name = ?", error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, active->name);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        old_low = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);

      stmt = prepare (db,
                      "INSERT INTO groups (name, low, high, count, posting, alias, first_seen) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                      "ON CONFLICT (name) DO UPDATE SET low = ?2, high = ?3, count = ?4, "
                      "posting = ?5, alias = ?6",
                      error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, active->name);
      sqlite3_bind_int64 (stmt, 2, (gint64) active->low);
      sqlite3_bind_int64 (stmt, 3, (gint64) active->high);
      /* LIST ACTIVE has no count: estimate it from the marks as RFC 3977 §6.1.1.2 does. */
      sqlite3_bind_int64 (stmt, 4, active->high >= active->low ?
                                   (gint64) (active->high - active->low + 1) : 0);
      sqlite3_bind_int (stmt, 5, active->posting);
      bind_text (stmt, 6, active->alias);
      sqlite3_bind_int64 (stmt, 7, job->now);
      if (!step_done (db, stmt, error))
        return FALSE;
      /* A raised low mark: the server expired what lies below it. */
      if (old_low >= 0 && (gint64) active->low > old_low &&
          !expire_below (db, active->name, active->low, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
_op_news_db_update_active (sqlite3    *db,
                           GPtrArray  *actives,
                           gint64      now,
                           GError    **error)
{
  ActiveJob job = { actives, now };

  return in_transaction (db, update_active_locked, &job, error);
}

static gboolean
update_group_column (sqlite3     *db,
                     const char  *sql,
                     const char  *group,
                     const char  *text,
                     gint64       number,
                     gboolean     use_text,
                     GError     **error)
{
  sqlite3_stmt *stmt = prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  if (use_text)
    bind_text (stmt, 1, text);
  else
    sqlite3_bind_int64 (stmt, 1, number);
  bind_text (stmt, 2, group);
  return step_done (db, stmt, error);
}

gboolean
_op_news_db_set_description (sqlite3     *db,
                             const char  *group,
                             const char  *description,
                             GError     **error)
{
  return update_group_column (db, "UPDATE groups SET description = ?1 WHERE name = ?2", group,
                              description, 0, TRUE, error);
}

gboolean
_op_news_db_set_created (sqlite3     *db,
                         const char  *group,
                         gint64       created,
                         GError     **error)
{
  return update_group_column (db, "UPDATE groups SET created = ?1 WHERE name = ?2", group,
                              NULL, created, FALSE, error);
}

gboolean
_op_news_db_set_subscribed (sqlite3     *db,
                            const char  *group,
                            gboolean     subscribed,
                            GError     **error)
{
  return update_group_column (db, "UPDATE groups SET subscribed = ?1 WHERE name = ?2", group,
                              NULL, subscribed ? 1 : 0, FALSE, error);
}

char *
_op_news_db_get_meta (sqlite3     *db,
                      const char  *key,
                      GError     **error)
{
  sqlite3_stmt *stmt = prepare (db, "SELECT value FROM server_meta WHERE key = ?", error);
  char *value = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _op_news_db_fail (db, error);
  return value;
}

gboolean
_op_news_db_set_meta (sqlite3     *db,
                      const char  *key,
                      const char  *value,
                      GError     **error)
{
  sqlite3_stmt *stmt = prepare (db,
                                "INSERT INTO server_meta (key, value) VALUES (?1, ?2) "
                                "ON CONFLICT (key) DO UPDATE SET value = ?2",
                                error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  bind_text (stmt, 2, value);
  return step_done (db, stmt, error);
}

/* --- decoding fast paths -------------------------------------------------------- */

/* Printable ASCII without an encoded word decodes to itself (GMime copies words and
 * the blanks between them); only the rest goes through GMime, which costs as much as
 * storing the article. */
static char *
decode_header_text (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || (guchar) *p > 0x7e || (p[0] == '=' && p[1] == '?'))
      return g_mime_utils_header_decode_text (NULL, text);
  return g_strdup (text);
}

static gboolean
parse_digits (const char **p,
              guint        min_digits,
              guint        max_digits,
              int         *value)
{
  guint n = 0;

  *value = 0;
  while (n < max_digits && g_ascii_isdigit ((*p)[n]))
    *value = *value * 10 + ((*p)[n++] - '0');
  *p += n;
  return n >= min_digits;
}

/* The date every server writes, "[Www, ]D Mmm YYYY HH:MM[:SS] +ZZZZ" (RFC 5322 3.3
 * without comments or obsolete forms), as seconds since 1970. FALSE for anything else,
 * which GMime's lenient parser then reads: the same value for what this one accepts,
 * and a tenth of its cost. */
static gboolean
parse_plain_date (const char *text,
                  gint64     *unix_time)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  static const char *const weekdays[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  const char *p = text;
  int day, month = 0, year, hour, minute, second = 0, zone_hours, zone_minutes, sign;

  while (*p == ' ')
    p++;
  if (g_ascii_isalpha (*p))
    {
      gboolean known = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (weekdays) && !known; i++)
        known = strncmp (p, weekdays[i], 3) == 0;
      if (!known || p[3] != ',')
        return FALSE;
      p += 4;
      while (*p == ' ')
        p++;
    }
  if (!parse_digits (&p, 1, 2, &day) || *p++ != ' ')
    return FALSE;
  for (int m = 0; m < 12 && month == 0; m++)
    if (strncmp (p, months + 3 * m, 3) == 0)
      month = m + 1;
  if (month == 0 || p[3] != ' ')
    return FALSE;
  p += 4;
  if (!parse_digits (&p, 4, 4, &year) || *p++ != ' ' ||
      !parse_digits (&p, 2, 2, &hour) || *p++ != ':' ||
      !parse_digits (&p, 2, 2, &minute))
    return FALSE;
  if (*p == ':' && (p++, !parse_digits (&p, 2, 2, &second)))
    return FALSE;
  if (*p++ != ' ' || (*p != '+' && *p != '-'))
    return FALSE;
  sign = *p++ == '-' ? -1 : 1;
  if (!parse_digits (&p, 2, 2, &zone_hours) || !parse_digits (&p, 2, 2, &zone_minutes))
    return FALSE;
  while (*p == ' ')
    p++;
  if (*p != '\0')
    return FALSE;
  if (year < 1970 || year > 2999 || day < 1 || hour > 23 || minute > 59 || second > 59 ||
      zone_hours > 14 || zone_minutes > 59)
    return FALSE;
  if (!g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year))
    return FALSE;
  {
    GDate civil;

    /* Julian day 1 is 1 January of year 1; 719,163 days later is 1 January 1970. */
    g_date_clear (&civil, 1);
    g_date_set_dmy (&civil, (GDateDay) day, (GDateMonth) month, (GDateYear) year);
    *unix_time = ((gint64) g_date_get_julian (&civil) - 719163) * 86400 + hour * 3600 +
                 minute * 60 + second - sign * (zone_hours * 3600 + zone_minutes * 60);
  }
  return TRUE;
}

/* --- threading ---------------------------------------------------------------- */

typedef struct
{
  gboolean  exists;
  gboolean  real;       /* an article, not a placeholder */
  char     *parent;     /* nullable */
  char     *path;
  gint64    depth;
} Node;

static void
node_clear (Node *node)
{
  g_clear_pointer (&node->parent, g_free);
  g_clear_pointer (&node->path, g_free);
  node->exists = FALSE;
}

typedef struct
{
  gint64    group_id;
  gboolean  real;
  char     *parent;
  char     *path;
  gint64    depth;
} CachedNode;

static void
cached_node_free (gpointer data)
{
  CachedNode *cached = data;

  g_free (cached->parent);
  g_free (cached->path);
  g_free (cached);
}

/* Starts or ends caching nodes on @db (one batch, one transaction). */
static void
node_cache_enable (sqlite3  *db,
                   gboolean  enable)
{
  Connection *connection = get_connection (db);

  g_clear_pointer (&connection->nodes, g_hash_table_unref);
  if (enable)
    connection->nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cached_node_free);
}

/* Remembers what the database now holds for @message_id (when caching). */
static void
node_cache_put (sqlite3     *db,
                gint64       group_id,
                const char  *message_id,
                gboolean     real,
                const char  *parent,
                const char  *path,
                gint64       depth)
{
  Connection *connection = get_connection (db);
  CachedNode *cached;

  if (connection->nodes == NULL)
    return;
  cached = g_new0 (CachedNode, 1);
  cached->group_id = group_id;
  cached->real = real;
  cached->parent = g_strdup (parent);
  cached->path = g_strdup (path);
  cached->depth = depth;
  g_hash_table_replace (connection->nodes, g_strdup (message_id), cached);
}

/* A write that may change other nodes (a subtree moved): forget them all. */
static void
node_cache_forget_all (sqlite3 *db)
{
  Connection *connection = get_connection (db);

  if (connection->nodes != NULL)
    g_hash_table_remove_all (connection->nodes);
}

static gboolean
load_node (sqlite3     *db,
           gint64       group_id,
           const char  *message_id,
           Node        *node,
           GError     **error)
{
  Connection *connection = get_connection (db);
  sqlite3_stmt *stmt;
  int rc;

  node_clear (node);
  if (connection->nodes != NULL)
    {
      CachedNode *cached = g_hash_table_lookup (connection->nodes, message_id);

      if (cached != NULL && cached->group_id == group_id)
        {
          node->exists = TRUE;
          node->real = cached->real;
          node->parent = g_strdup (cached->parent);
          node->path = g_strdup (cached->path);
          node->depth = cached->depth;
          return TRUE;
        }
    }
  stmt = prepare (db,
                  "SELECT number IS NOT NULL, parent, path, depth FROM nodes "
                  "WHERE group_id = ? AND message_id = ?",
                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  bind_static (stmt, 2, message_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      node->exists = TRUE;
      node->real = sqlite3_column_int (stmt, 0) != 0;
      node->parent = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      node->path = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      node->depth = sqlite3_column_int64 (stmt, 3);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _op_news_db_fail (db, error);
  if (node->exists)
    node_cache_put (db, group_id, message_id, node->real, node->parent, node->path, node->depth);
  return TRUE;
}

/* @value in @digits lower-case hex digits at @out (no terminator). printf costs more
 * than the rest of a key's making, and every stored article makes one. */
static void
put_hex (char    *out,
         guint64  value,
         guint    digits)
{
  static const char hex[] = "0123456789abcdef";

  while (digits-- > 0)
    {
      out[digits] = hex[value & 0xf];
      value >>= 4;
    }
}

static char *
make_component (gint64  date,
                guint64 number)
{
  guint64 d = date < 0 ? 0 : MIN ((guint64) date, G_GUINT64_CONSTANT (0xffffffff));
  guint64 n = MIN (number, G_GUINT64_CONSTANT (0xffffffffff));
  char *component = g_malloc (COMPONENT_LENGTH + 1);

  put_hex (component, d, COMPONENT_DATE_DIGITS);
  put_hex (component + COMPONENT_DATE_DIGITS, n, COMPONENT_NUMBER_DIGITS);
  component[COMPONENT_LENGTH] = '\0';
  return component;
}

/* The last component of a node's key: where it sorts among its siblings. */
static char *
own_component (const char *path)
{
  gsize n = strlen (path);

  return g_strdup (path + n - MIN (n, (gsize) COMPONENT_LENGTH));
}

/* The key of a child of @parent_path with @component; flattened at MAX_LEVELS. */
static char *
child_path (const char *parent_path,
            const char *component)
{
  gsize n = parent_path != NULL ? strlen (parent_path) : 0;

  gsize m = strlen (component);
  char *path;

  n = MIN (n, (gsize) (MAX_LEVELS - 1) * COMPONENT_LENGTH);
  path = g_malloc (n + m + 1);
  if (n > 0)
    memcpy (path, parent_path, n);
  memcpy (path + n, component, m + 1);
  return path;
}

/* TRUE when @ancestor is @node_id or one of its ancestors (following parents up). */
static gboolean
is_ancestor (sqlite3     *db,
             gint64       group_id,
             const char  *ancestor,
             const char  *node_id,
             gboolean    *result,
             GError     **error)
{
  g_autofree char *current = g_strdup (node_id);

  *result = FALSE;
  for (guint steps = 0; current != NULL && steps <= MAX_LEVELS * 4; steps++)
    {
      Node node = { 0, };

      if (g_str_equal (current, ancestor))
        {
          *result = TRUE;
          return TRUE;
        }
      if (!load_node (db, group_id, current, &node, error))
        return FALSE;
      g_free (current);
      current = g_steal_pointer (&node.parent);
      node_clear (&node);
    }
  /* A chain this long is already broken somewhere: refuse to add to it. */
  *result = current != NULL;
  return TRUE;
}

/* Moves @message_id's subtree: the node gets @new_path / @new_depth / @parent, and
 * every descendant the same change of prefix and depth. @descendant_extra adds to the
 * descendants' depth (1 when the node turned from placeholder into article). */
static gboolean
move_subtree (sqlite3     *db,
              gint64       group_id,
              const char  *message_id,
              const Node  *old,
              const char  *parent,
              const char  *new_path,
              gint64       new_depth,
              gint64       descendant_extra,
              GError     **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *upper = NULL;

  node_cache_forget_all (db);
  if (old->exists && old->path != NULL &&
      (!g_str_equal (old->path, new_path) || new_depth != old->depth || descendant_extra != 0))
    {
      /* Descendants: their keys start with the old key ("g" sorts after every hex
       * digit, so [old, old + "g") is exactly the subtree, the node excluded). */
      upper = g_strconcat (old->path, "g", NULL);
      stmt = prepare (db,
                      "UPDATE nodes SET path = ?1 || substr (path, ?2), depth = depth + ?3 "
                      "WHERE group_id = ?4 AND path > ?5 AND path < ?6",
                      error);
      if (stmt == NULL)
        return FALSE;
      bind_static (stmt, 1, new_path);
      sqlite3_bind_int64 (stmt, 2, (gint64) strlen (old->path) + 1);
      sqlite3_bind_int64 (stmt, 3, new_depth - old->depth + descendant_extra);
      sqlite3_bind_int64 (stmt, 4, group_id);
      bind_static (stmt, 5, old->path);
      bind_static (stmt, 6, upper);
      if (!step_done (db, stmt, error))
        return FALSE;
    }
  stmt = prepare (db, "UPDATE nodes SET parent = ?1, path = ?2, depth = ?3 "
                      "WHERE group_id = ?4 AND message_id = ?5", error);
  if (stmt == NULL)
    return FALSE;
  bind_static (stmt, 1, parent);
  bind_static (stmt, 2, new_path);
  sqlite3_bind_int64 (stmt, 3, new_depth);
  sqlite3_bind_int64 (stmt, 4, group_id);
  bind_static (stmt, 5, message_id);
  return step_done (db, stmt, error);
}

/* The depth a child of @parent gets: its real ancestors. */
static gint64
child_depth (const Node *parent)
{
  if (parent == NULL || !parent->exists)
    return 0;
  return parent->depth + (parent->real ? 1 : 0);
}

/* Creates a placeholder for @message_id under @parent (nullable), keyed like the
 * article that first referenced it. */
static gboolean
create_placeholder (sqlite3     *db,
                    gint64       group_id,
                    const char  *message_id,
                    const char  *parent_id,
                    const Node  *parent,
                    const char  *component,
                    GError     **error)
{
  sqlite3_stmt *stmt = prepare (db,
                                "INSERT INTO nodes (group_id, message_id, number, parent, path, depth) "
                                "VALUES (?, ?, NULL, ?, ?, ?)",
                                error);
  g_autofree char *path = child_path (parent != NULL ? parent->path : NULL, component);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  bind_static (stmt, 2, message_id);
  bind_static (stmt, 3, parent_id);
  bind_static (stmt, 4, path);
  sqlite3_bind_int64 (stmt, 5, child_depth (parent));
  if (!step_done (db, stmt, error))
    return FALSE;
  node_cache_put (db, group_id, message_id, FALSE, parent_id, path, child_depth (parent));
  return TRUE;
}

/* Hangs @message_id (existing) under @parent_id (existing, or NULL for a root), unless
 * that would make a loop; recomputes its key with @component. */
static gboolean
attach (sqlite3     *db,
        gint64       group_id,
        const char  *message_id,
        const char  *parent_id,
        const char  *component,
        gint64       descendant_extra,
        GError     **error)
{
  Node node = { 0, }, parent = { 0, };
  g_autofree char *path = NULL;
  gboolean ok = FALSE;

  if (parent_id != NULL)
    {
      gboolean loop = FALSE;

      if (!is_ancestor (db, group_id, message_id, parent_id, &loop, error))
        goto out;
      if (loop)
        parent_id = NULL;   /* jwz: a link that would close a loop is not made */
    }
  if (!load_node (db, group_id, message_id, &node, error) ||
      (parent_id != NULL && !load_node (db, group_id, parent_id, &parent, error)))
    goto out;
  path = child_path (parent_id != NULL ? parent.path : NULL, component);
  ok = move_subtree (db, group_id, message_id, &node, parent_id, path,
                     parent_id != NULL ? child_depth (&parent) : 0, descendant_extra, error);

out:
  node_clear (&node);
  node_clear (&parent);
  return ok;
}

/* "Re: Re: x", "RE[2]: x", "Aw: x", "Fwd: x" → "x", lower-cased for comparison.
 * *@is_reply tells whether a prefix was there. */
static char *
base_subject (const char *subject,
              gboolean   *is_reply)
{
  const char *p = subject;
  gboolean found = FALSE;

  for (;;)
    {
      static const char *const prefixes[] = { "re", "aw", "sv", "fwd", "fw" };
      const char *q = NULL;

      while (*p == ' ')
        p++;
      for (guint i = 0; i < G_N_ELEMENTS (prefixes) && q == NULL; i++)
        {
          gsize n = strlen (prefixes[i]);

          if (g_ascii_strncasecmp (p, prefixes[i], n) != 0)
            continue;
          q = p + n;
          if (*q == '[')
            {
              while (g_ascii_isdigit (*++q))
                ;
              if (*q != ']')
                {
                  q = NULL;
                  continue;
                }
              q++;
            }
          if (*q != ':')
            q = NULL;
        }
      if (q == NULL)
        break;
      p = q + 1;
      found = TRUE;
    }
  *is_reply = found;
  /* ASCII folds by lowering A-Z alone; g_utf8_casefold costs as much as an insert. */
  for (const char *q = p; *q != '\0'; q++)
    if ((guchar) *q >= 0x80)
      return g_utf8_casefold (p, -1);
  return g_ascii_strdown (p, -1);
}

typedef struct
{
  const char *group;
  GPtrArray  *overviews;
} AddJob;

/* The References of @ov, valid ids only, no duplicates, the last MAX_REFERENCES. Split
 * in place: this runs for every stored article. */
static GPtrArray *
split_references (const char *references,
                  const char *own_id)
{
  GPtrArray *refs = g_ptr_array_new_with_free_func (g_free);
  const char *p = references;

  while (*p != '\0')
    {
      const char *start;
      gsize n;
      gboolean seen = FALSE;

      while (*p == ' ' || *p == '\t')
        p++;
      start = p;
      while (*p != '\0' && *p != ' ' && *p != '\t')
        p++;
      n = p - start;
      if (n == 0 || !op_nntp_message_id_is_valid (start, n) ||
          (strncmp (start, own_id, n) == 0 && own_id[n] == '\0'))
        continue;
      /* A later repetition wins over an earlier one: drop the earlier. */
      for (guint k = 0; k < refs->len && !seen; k++)
        {
          const char *r = g_ptr_array_index (refs, k);

          if (strncmp (r, start, n) == 0 && r[n] == '\0')
            {
              g_ptr_array_remove_index (refs, k);
              seen = TRUE;
            }
        }
      g_ptr_array_add (refs, g_strndup (start, n));
      if (refs->len > MAX_REFERENCES)
        g_ptr_array_remove_index (refs, 0);
    }
  return refs;
}

static gboolean
add_one (sqlite3               *db,
         gint64                 group_id,
         const OpNntpOverview  *ov,
         const OpNewsRanges    *read,
         guint64               *fetched_high,
         guint64               *added,
         GError               **error)
{
  g_autoptr(GPtrArray) refs = NULL;
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *author = NULL;
  g_autofree char *base = NULL;
  g_autofree char *component = NULL;
  const char *parent_id = NULL;
  g_autofree char *subject_parent = NULL;
  gboolean is_reply = FALSE;
  gint64 date = 0;
  Node own = { 0, };
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;

  *fetched_high = MAX (*fetched_high, ov->number);
  if (ov->number == 0 || !op_nntp_message_id_is_valid (ov->message_id, strlen (ov->message_id)))
    return TRUE;

  if (!parse_plain_date (ov->date, &date))
    {
      when = g_mime_utils_header_decode_date (ov->date);
      date = when != NULL ? g_date_time_to_unix (when) : 0;
    }
  subject = decode_header_text (ov->subject);
  author = decode_header_text (ov->from);
  base = base_subject (subject, &is_reply);
  component = make_component (date, ov->number);
  refs = split_references (ov->references, ov->message_id);

  /* OR IGNORE: an article already stored (a batch fetched again after a dropped
   * connection) is left as it is. */
  stmt = prepare (db,
                  "INSERT OR IGNORE INTO articles (group_id, number, message_id, subject, author, "
                  "date, bytes, lines, refs, read) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  sqlite3_bind_int64 (stmt, 2, (gint64) ov->number);
  bind_static (stmt, 3, ov->message_id);
  bind_static (stmt, 4, subject);
  bind_static (stmt, 5, author);
  sqlite3_bind_int64 (stmt, 6, date);
  sqlite3_bind_int64 (stmt, 7, (gint64) ov->bytes);
  sqlite3_bind_int64 (stmt, 8, (gint64) ov->lines);
  bind_static (stmt, 9, ov->references);
  sqlite3_bind_int (stmt, 10, op_news_ranges_contains (read, ov->number) ? 1 : 0);
  if (!step_done (db, stmt, error))
    return FALSE;
  if (sqlite3_changes (db) == 0)
    return TRUE;

  if (!load_node (db, group_id, ov->message_id, &own, error))
    return FALSE;
  if (own.exists && own.real)
    {
      /* The same Message-ID under another number: the server renumbered; the first
       * one stays. */
      node_clear (&own);
      stmt = prepare (db, "DELETE FROM articles WHERE group_id = ? AND number = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, group_id);
      sqlite3_bind_int64 (stmt, 2, (gint64) ov->number);
      return step_done (db, stmt, error);
    }

  /* jwz step 1B: link the reference chain, each to the one before it, unless it has a
   * parent already or the link would close a loop. Missing ones become placeholders. */
  for (guint i = 0; i < refs->len; i++)
    {
      const char *ref = g_ptr_array_index (refs, i);
      const char *prev = i > 0 ? g_ptr_array_index (refs, i - 1) : NULL;
      Node node = { 0, };
      gboolean fine;

      if (!load_node (db, group_id, ref, &node, error))
        goto out;
      if (!node.exists)
        {
          Node parent = { 0, };

          fine = (prev == NULL || load_node (db, group_id, prev, &parent, error)) &&
                 create_placeholder (db, group_id, ref, prev, prev != NULL ? &parent : NULL,
                                     component, error);
          node_clear (&parent);
        }
      else if (node.parent == NULL && prev != NULL)
        {
          g_autofree char *node_component = own_component (node.path);

          fine = attach (db, group_id, ref, prev, node_component, 0, error);
        }
      else
        fine = TRUE;
      node_clear (&node);
      if (!fine)
        goto out;
    }
  if (refs->len > 0)
    parent_id = g_ptr_array_index (refs, refs->len - 1);
  else if (is_reply)
    {
      /* No References but "Re: X": under the thread root whose subject is X. */
      stmt = prepare (db,
                      "SELECT message_id FROM nodes INDEXED BY nodes_by_subject "
                      "WHERE group_id = ? AND base_subject = ? "
                      "AND parent IS NULL AND number IS NOT NULL ORDER BY path LIMIT 1",
                      error);
      if (stmt == NULL)
        goto out;
      sqlite3_bind_int64 (stmt, 1, group_id);
      bind_text (stmt, 2, base);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        subject_parent = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
      parent_id = subject_parent;
    }

  /* The article's own node: new, or a placeholder that now gets its article (its
   * subtree then counts one more real ancestor). */
  if (!own.exists)
    {
      Node parent = { 0, };
      g_autofree char *path = NULL;
      gint64 depth;

      if (parent_id != NULL && !load_node (db, group_id, parent_id, &parent, error))
        goto out;
      path = child_path (parent_id != NULL ? parent.path : NULL, component);
      depth = parent_id != NULL ? child_depth (&parent) : 0;
      stmt = prepare (db,
                      "INSERT INTO nodes (group_id, message_id, number, parent, path, depth, "
                      "base_subject, orphan_subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      error);
      if (stmt == NULL)
        {
          node_clear (&parent);
          goto out;
        }
      sqlite3_bind_int64 (stmt, 1, group_id);
      bind_static (stmt, 2, ov->message_id);
      sqlite3_bind_int64 (stmt, 3, (gint64) ov->number);
      bind_static (stmt, 4, parent_id);
      bind_static (stmt, 5, path);
      sqlite3_bind_int64 (stmt, 6, depth);
      /* Only roots group by subject; a "Re:" root waits for its original. */
      bind_static (stmt, 7, parent_id == NULL && !is_reply ? base : NULL);
      /* A "Re: X" without References or a root X yet waits for X. */
      bind_static (stmt, 8, parent_id == NULL && is_reply ? base : NULL);
      node_clear (&parent);
      if (!step_done (db, stmt, error))
        goto out;
      node_cache_put (db, group_id, ov->message_id, TRUE, parent_id, path, depth);
    }
  else
    {
      stmt = prepare (db, "UPDATE nodes SET number = ?, base_subject = ?, orphan_subject = ? "
                          "WHERE group_id = ? AND message_id = ?", error);
      if (stmt == NULL)
        goto out;
      sqlite3_bind_int64 (stmt, 1, (gint64) ov->number);
      bind_static (stmt, 2, parent_id == NULL && !is_reply ? base : NULL);
      bind_static (stmt, 3, parent_id == NULL && is_reply ? base : NULL);
      sqlite3_bind_int64 (stmt, 4, group_id);
      bind_static (stmt, 5, ov->message_id);
      node_cache_forget_all (db);
      if (!step_done (db, stmt, error) ||
          !attach (db, group_id, ov->message_id, parent_id, component, 1, error))
        goto out;
    }

  /* An original "X" that arrives after its "Re: X" replies without References
   * collects them (jwz step 5, done as articles arrive). */
  if (parent_id == NULL && !is_reply)
    {
      g_autoptr(GPtrArray) orphans = g_ptr_array_new_with_free_func (g_free);

      /* INDEXED BY: without statistics SQLite would walk the whole group by its
       * primary key. */
      stmt = prepare (db, "SELECT message_id FROM nodes INDEXED BY nodes_by_orphan_subject "
                          "WHERE group_id = ? AND orphan_subject = ? AND parent IS NULL", error);
      if (stmt == NULL)
        goto out;
      sqlite3_bind_int64 (stmt, 1, group_id);
      bind_text (stmt, 2, base);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_ptr_array_add (orphans, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      sqlite3_reset (stmt);
      for (guint i = 0; i < orphans->len; i++)
        {
          const char *orphan = g_ptr_array_index (orphans, i);
          Node node = { 0, };
          g_autofree char *orphan_component = NULL;
          gboolean fine;

          if (!load_node (db, group_id, orphan, &node, error))
            goto out;
          orphan_component = own_component (node.path);
          node_clear (&node);
          fine = attach (db, group_id, orphan, ov->message_id, orphan_component, 0, error);
          if (fine)
            {
              stmt = prepare (db, "UPDATE nodes SET orphan_subject = NULL "
                                  "WHERE group_id = ? AND message_id = ?", error);
              fine = stmt != NULL;
              if (fine)
                {
                  sqlite3_bind_int64 (stmt, 1, group_id);
                  bind_text (stmt, 2, orphan);
                  fine = step_done (db, stmt, error);
                }
            }
          if (!fine)
            goto out;
        }
    }
  (*added)++;
  ok = TRUE;

out:
  node_clear (&own);
  return ok;
}

static gboolean
add_overviews_locked (sqlite3   *db,
                      gpointer   data,
                      GError   **error)
{
  AddJob *job = data;
  gint64 group_id = _op_news_db_group_id (db, job->group, TRUE, g_get_real_time () / G_USEC_PER_SEC,
                                          error);
  g_autoptr(OpNewsRanges) read = NULL;
  guint64 fetched_high = 0, added = 0;
  sqlite3_stmt *stmt;

  if (group_id == 0)
    return FALSE;
  read = _op_news_db_get_read (db, job->group, error);
  if (read == NULL)
    return FALSE;
  for (guint i = 0; i < job->overviews->len; i++)
    if (!add_one (db, group_id, g_ptr_array_index (job->overviews, i), read, &fetched_high,
                  &added, error))
      return FALSE;

  stmt = prepare (db, "UPDATE groups SET fetched_high = max (fetched_high, ?1), "
                      "threaded = threaded + ?2 WHERE id = ?3", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (gint64) fetched_high);
  sqlite3_bind_int64 (stmt, 2, (gint64) added);
  sqlite3_bind_int64 (stmt, 3, group_id);
  return step_done (db, stmt, error);
}

gboolean
_op_news_db_add_overviews (sqlite3     *db,
                           const char  *group,
                           GPtrArray   *overviews,
                           GError     **error)
{
  AddJob job = { group, overviews };
  gboolean ok;

  op_mime_init ();
  /* The cache holds only what this transaction saw; a rollback drops it with the
   * rest. */
  node_cache_enable (db, TRUE);
  ok = in_transaction (db, add_overviews_locked, &job, error);
  node_cache_enable (db, FALSE);
  return ok;
}

guint64
_op_news_db_get_fetched_high (sqlite3     *db,
                              const char  *group,
                              GError     **error)
{
  sqlite3_stmt *stmt = prepare (db, "SELECT fetched_high FROM groups WHERE name = ?", error);
  guint64 high = 0;
  int rc;

  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, group);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    high = (guint64) sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _op_news_db_fail (db, error);
  return high;
}

/* --- read state ------------------------------------------------------------------- */

OpNewsRanges *
_op_news_db_get_read (sqlite3     *db,
                      const char  *group,
                      GError     **error)
{
  sqlite3_stmt *stmt = prepare (db, "SELECT read_ranges FROM groups WHERE name = ?", error);
  OpNewsRanges *ranges = NULL;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, group);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *text = (const char *) sqlite3_column_text (stmt, 0);
      gsize n = (gsize) sqlite3_column_bytes (stmt, 0);

      ranges = op_news_ranges_parse (text != NULL ? text : "", MIN (n, MAX_READ_TEXT), error);
    }
  else
    ranges = op_news_ranges_new ();
  sqlite3_reset (stmt);
  return ranges;
}

static gboolean
store_read_ranges (sqlite3             *db,
                   const char          *group,
                   const OpNewsRanges  *read,
                   GError             **error)
{
  g_autofree char *text = op_news_ranges_to_string (read);

  return update_group_column (db, "UPDATE groups SET read_ranges = ?1 WHERE name = ?2", group,
                              text, 0, TRUE, error);
}

typedef struct
{
  const char         *group;
  guint64             number;
  gboolean            read;
  gboolean            thread;
  const OpNewsRanges *ranges;
} ReadJob;

static gboolean
set_read_locked (sqlite3   *db,
                 gpointer   data,
                 GError   **error)
{
  ReadJob *job = data;
  g_autoptr(OpNewsRanges) read = _op_news_db_get_read (db, job->group, error);
  gint64 group_id = _op_news_db_group_id (db, job->group, FALSE, 0, error);
  sqlite3_stmt *stmt;

  if (read == NULL || group_id == 0)
    {
      if (group_id == 0 && error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The store has no group “%s”."),
                     job->group);
      return FALSE;
    }

  if (!job->thread)
    {
      if (job->read)
        op_news_ranges_add (read, job->number, job->number);
      else
        op_news_ranges_remove (read, job->number, job->number);
      stmt = prepare (db, "UPDATE articles SET read = ? WHERE group_id = ? AND number = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int (stmt, 1, job->read ? 1 : 0);
      sqlite3_bind_int64 (stmt, 2, group_id);
      sqlite3_bind_int64 (stmt, 3, (gint64) job->number);
      if (!step_done (db, stmt, error))
        return FALSE;
      return store_read_ranges (db, job->group, read, error);
    }

  /* The thread: the root's key (the first component of the article's key) and every
   * real node below it. */
  {
    g_autofree char *root = NULL;
    g_autofree char *upper = NULL;
    g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (gint64));

    stmt = prepare (db, "SELECT substr (n.path, 1, ?1) FROM articles a JOIN nodes n "
                        "ON n.group_id = a.group_id AND n.message_id = a.message_id "
                        "WHERE a.group_id = ?2 AND a.number = ?3", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int (stmt, 1, COMPONENT_LENGTH);
    sqlite3_bind_int64 (stmt, 2, group_id);
    sqlite3_bind_int64 (stmt, 3, (gint64) job->number);
    if (sqlite3_step (stmt) == SQLITE_ROW)
      root = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    sqlite3_reset (stmt);
    if (root == NULL)
      return TRUE;
    upper = g_strconcat (root, "g", NULL);
    stmt = prepare (db, "SELECT number FROM nodes WHERE group_id = ? AND path >= ? AND path < ? "
                        "AND number IS NOT NULL", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, group_id);
    bind_text (stmt, 2, root);
    bind_text (stmt, 3, upper);
    while (sqlite3_step (stmt) == SQLITE_ROW)
      {
        gint64 n = sqlite3_column_int64 (stmt, 0);

        g_array_append_val (numbers, n);
      }
    sqlite3_reset (stmt);
    for (guint i = 0; i < numbers->len; i++)
      {
        guint64 n = (guint64) g_array_index (numbers, gint64, i);

        if (job->read)
          op_news_ranges_add (read, n, n);
        else
          op_news_ranges_remove (read, n, n);
        stmt = prepare (db, "UPDATE articles SET read = ? WHERE group_id = ? AND number = ?", error);
        if (stmt == NULL)
          return FALSE;
        sqlite3_bind_int (stmt, 1, job->read ? 1 : 0);
        sqlite3_bind_int64 (stmt, 2, group_id);
        sqlite3_bind_int64 (stmt, 3, (gint64) n);
        if (!step_done (db, stmt, error))
          return FALSE;
      }
    return store_read_ranges (db, job->group, read, error);
  }
}

gboolean
_op_news_db_set_read (sqlite3     *db,
                      const char  *group,
                      guint64      number,
                      gboolean     read,
                      GError     **error)
{
  ReadJob job = { group, number, read, FALSE, NULL };

  return in_transaction (db, set_read_locked, &job, error);
}

gboolean
_op_news_db_set_thread_read (sqlite3     *db,
                             const char  *group,
                             guint64      number,
                             gboolean     read,
                             GError     **error)
{
  ReadJob job = { group, number, read, TRUE, NULL };

  return in_transaction (db, set_read_locked, &job, error);
}

/* Replaces the group's ranges and makes every article's flag follow them. */
static gboolean
apply_ranges_locked (sqlite3   *db,
                     gpointer   data,
                     GError   **error)
{
  ReadJob *job = data;
  gint64 group_id = _op_news_db_group_id (db, job->group, FALSE, 0, error);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;

  if (group_id == 0)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The store has no group “%s”."),
                     job->group);
      return FALSE;
    }
  if (!store_read_ranges (db, job->group, job->ranges, error))
    return FALSE;
  stmt = prepare (db, "SELECT number, read FROM articles WHERE group_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 n = sqlite3_column_int64 (stmt, 0);
      gboolean was = sqlite3_column_int (stmt, 1) != 0;

      if (was != op_news_ranges_contains (job->ranges, (guint64) n))
        g_array_append_val (changes, n);
    }
  sqlite3_reset (stmt);
  for (guint i = 0; i < changes->len; i++)
    {
      gint64 n = g_array_index (changes, gint64, i);

      stmt = prepare (db, "UPDATE articles SET read = NOT read WHERE group_id = ? AND number = ?",
                      error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, group_id);
      sqlite3_bind_int64 (stmt, 2, n);
      if (!step_done (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
_op_news_db_set_read_ranges (sqlite3             *db,
                             const char          *group,
                             const OpNewsRanges  *read,
                             GError             **error)
{
  ReadJob job = { group, 0, FALSE, FALSE, read };

  return in_transaction (db, apply_ranges_locked, &job, error);
}

gboolean
_op_news_db_catch_up (sqlite3     *db,
                      const char  *group,
                      GError     **error)
{
  sqlite3_stmt *stmt = prepare (db, "SELECT max (high, fetched_high) FROM groups WHERE name = ?",
                                error);
  g_autoptr(OpNewsRanges) read = NULL;
  guint64 high = 0;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, group);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    high = (guint64) sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  read = _op_news_db_get_read (db, group, error);
  if (read == NULL)
    return FALSE;
  if (high > 0)
    op_news_ranges_add (read, 1, high);
  return _op_news_db_set_read_ranges (db, group, read, error);
}

/* --- .newsrc ------------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *entries;
  gint64     now;
} NewsrcJob;

static gboolean
import_newsrc_locked (sqlite3   *db,
                      gpointer   data,
                      GError   **error)
{
  NewsrcJob *job = data;

  for (guint i = 0; i < job->entries->len; i++)
    {
      const OpNewsrcEntry *entry = g_ptr_array_index (job->entries, i);
      ReadJob read_job = { entry->name, 0, FALSE, FALSE, entry->read };

      if (_op_news_db_group_id (db, entry->name, TRUE, job->now, error) == 0 ||
          !_op_news_db_set_subscribed (db, entry->name, entry->subscribed, error) ||
          !apply_ranges_locked (db, &read_job, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
_op_news_db_import_newsrc (sqlite3     *db,
                           GPtrArray   *entries,
                           gint64       now,
                           GError     **error)
{
  NewsrcJob job = { entries, now };

  return in_transaction (db, import_newsrc_locked, &job, error);
}

GPtrArray *
_op_news_db_export_newsrc (sqlite3  *db,
                           GError  **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) op_newsrc_entry_free);
  sqlite3_stmt *stmt = prepare (db, "SELECT name, subscribed, read_ranges FROM groups ORDER BY name",
                                error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      OpNewsrcEntry *entry = g_new0 (OpNewsrcEntry, 1);
      const char *text = (const char *) sqlite3_column_text (stmt, 2);

      entry->name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      entry->subscribed = sqlite3_column_int (stmt, 1) != 0;
      entry->read = op_news_ranges_parse (text != NULL ? text : "", text != NULL ? strlen (text) : 0, NULL);
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

/* --- expiry ------------------------------------------------------------------------- */

static gboolean
expire_locked (sqlite3   *db,
               gpointer   data,
               GError   **error)
{
  ReadJob *job = data;
  gint64 group_id = _op_news_db_group_id (db, job->group, FALSE, 0, error);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;

  if (group_id == 0)
    return error == NULL || *error == NULL;
  stmt = prepare (db, "SELECT message_id FROM articles WHERE group_id = ? AND number < ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  sqlite3_bind_int64 (stmt, 2, (gint64) job->number);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (gone, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);

  for (guint i = 0; i < gone->len; i++)
    {
      const char *id = g_ptr_array_index (gone, i);
      Node node = { 0, };
      gboolean fine;

      /* The node stays as a placeholder (its replies keep their thread); every
       * descendant has one real ancestor less. */
      fine = load_node (db, group_id, id, &node, error) &&
             move_subtree (db, group_id, id, &node, node.parent, node.path, node.depth, -1, error);
      node_clear (&node);
      if (!fine)
        return FALSE;
      stmt = prepare (db, "UPDATE nodes SET number = NULL, base_subject = NULL "
                          "WHERE group_id = ? AND message_id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, group_id);
      bind_text (stmt, 2, id);
      if (!step_done (db, stmt, error))
        return FALSE;
    }
  /* Placeholders nothing hangs below any more. */
  for (;;)
    {
      /* A node has descendants exactly when some key extends its own (the key index
       * answers that; no index on parents is kept just for expiry). */
      stmt = prepare (db,
                      "DELETE FROM nodes AS n WHERE n.group_id = ?1 AND n.number IS NULL AND NOT EXISTS "
                      "(SELECT 1 FROM nodes c WHERE c.group_id = ?1 AND c.path > n.path "
                      "AND c.path < n.path || 'g')",
                      error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, group_id);
      if (!step_done (db, stmt, error))
        return FALSE;
      if (sqlite3_changes (db) == 0)
        break;
    }
  stmt = prepare (db, "UPDATE groups SET threaded = max (0, threaded - ?) WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (gint64) gone->len);
  sqlite3_bind_int64 (stmt, 2, group_id);
  if (!step_done (db, stmt, error))
    return FALSE;
  stmt = prepare (db, "DELETE FROM articles WHERE group_id = ? AND number < ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  sqlite3_bind_int64 (stmt, 2, (gint64) job->number);
  return step_done (db, stmt, error);
}

/* Inside a transaction already. */
static gboolean
expire_below (sqlite3     *db,
              const char  *group,
              guint64      low,
              GError     **error)
{
  ReadJob job = { group, low, FALSE, FALSE, NULL };

  return expire_locked (db, &job, error);
}

gboolean
_op_news_db_expire (sqlite3     *db,
                    const char  *group,
                    guint64      low,
                    GError     **error)
{
  ReadJob job = { group, low, FALSE, FALSE, NULL };

  return in_transaction (db, expire_locked, &job, error);
}

/* --- the thread model's reads ------------------------------------------------------ */

guint
_op_news_db_count_threaded (sqlite3     *db,
                            gint64       group_id,
                            GError     **error)
{
  /* Kept as articles are added and expire: no scan. */
  sqlite3_stmt *stmt = prepare (db, "SELECT threaded FROM groups WHERE id = ?", error);
  guint count = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, group_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = (guint) MIN (sqlite3_column_int64 (stmt, 0), G_MAXUINT);
  else
    _op_news_db_fail (db, error);
  sqlite3_reset (stmt);
  return count;
}

gboolean
_op_news_db_load_page (sqlite3     *db,
                       gint64       group_id,
                       const char  *start_key,
                       guint        skip,
                       guint        limit,
                       GPtrArray   *headers,
                       char       **last_key,
                       GError     **error)
{
  sqlite3_stmt *stmt = prepare (db,
                                "SELECT n.path, a.number, a.message_id, a.subject, a.author, a.date, "
                                "a.bytes, a.lines, n.depth, a.read FROM nodes n JOIN articles a "
                                "ON a.group_id = n.group_id AND a.number = n.number "
                                "WHERE n.group_id = ?1 AND n.number IS NOT NULL AND n.path >= ?2 "
                                "ORDER BY n.path LIMIT ?3 OFFSET ?4",
                                error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  bind_text (stmt, 2, start_key);
  sqlite3_bind_int (stmt, 3, (int) MIN (limit, G_MAXINT));
  sqlite3_bind_int (stmt, 4, (int) MIN (skip, G_MAXINT));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (headers,
                       _op_news_header_new ((guint64) sqlite3_column_int64 (stmt, 1),
                                            (const char *) sqlite3_column_text (stmt, 2),
                                            (const char *) sqlite3_column_text (stmt, 3),
                                            (const char *) sqlite3_column_text (stmt, 4),
                                            sqlite3_column_int64 (stmt, 5),
                                            (guint64) sqlite3_column_int64 (stmt, 6),
                                            (guint64) sqlite3_column_int64 (stmt, 7),
                                            (guint) MIN (sqlite3_column_int64 (stmt, 8), G_MAXUINT),
                                            sqlite3_column_int (stmt, 9) != 0));
      g_free (*last_key);
      *last_key = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _op_news_db_fail (db, error);
  return TRUE;
}

/* --- groups for the view ------------------------------------------------------------ */

GPtrArray *
_op_news_db_list_groups (sqlite3   *db,
                         gboolean   subscribed_only,
                         GError   **error)
{
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) op_news_group_free);
  g_autofree char *last_visit_text = _op_news_db_get_meta (db, "last-visit", NULL);
  gint64 last_visit = last_visit_text != NULL ? g_ascii_strtoll (last_visit_text, NULL, 10) : -1;
  sqlite3_stmt *stmt = prepare (db,
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
      const char *ranges_text = (const char *) sqlite3_column_text (stmt, 9);
      g_autoptr(OpNewsRanges) read = NULL;

      group->name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      group->low = (guint64) sqlite3_column_int64 (stmt, 1);
      group->high = (guint64) sqlite3_column_int64 (stmt, 2);
      group->count = (guint64) sqlite3_column_int64 (stmt, 3);
      group->posting = sqlite3_column_int (stmt, 4);
      group->description = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
      group->created = sqlite3_column_int64 (stmt, 6);
      group->subscribed = sqlite3_column_int (stmt, 7) != 0;
      /* Nothing is new before the first visit was recorded. */
      group->is_new = last_visit >= 0 && sqlite3_column_int64 (stmt, 8) > last_visit;
      group->fetched_high = (guint64) sqlite3_column_int64 (stmt, 10);
      read = op_news_ranges_parse (ranges_text != NULL ? ranges_text : "",
                                   ranges_text != NULL ? strlen (ranges_text) : 0, NULL);
      if (group->high >= group->low && group->low > 0)
        group->unread = group->high - group->low + 1 -
                        (read != NULL ? op_news_ranges_count_in (read, group->low, group->high) : 0);
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
_op_news_db_scan_page_keys (sqlite3     *db,
                            gint64       group_id,
                            guint        page_size,
                            GPtrArray   *keys,
                            GCancellable *cancellable,
                            GError     **error)
{
  sqlite3_stmt *stmt = prepare (db, "SELECT path FROM nodes INDEXED BY nodes_by_path "
                                    "WHERE group_id = ? AND number IS NOT NULL ORDER BY path",
                                error);
  guint64 row = 0;
  int rc;

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
          g_ptr_array_add (keys, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
        }
      row++;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _op_news_db_fail (db, error);
  return TRUE;
}

/* --- the article cache -------------------------------------------------------------- */

/* The next last_read stamp: a counter, not a clock, so two reads in one second keep their
 * order (the index gives the maximum at once). */
static gboolean
next_read_stamp (sqlite3  *db,
                 gint64   *stamp,
                 GError  **error)
{
  sqlite3_stmt *stmt = prepare (db, "SELECT COALESCE (MAX (last_read), 0) + 1 FROM bodies", error);

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
evict_bodies (sqlite3  *db,
              guint64   limit,
              GError  **error)
{
  sqlite3_stmt *total = prepare (db, "SELECT COALESCE (SUM (size), 0) FROM bodies", error);
  sqlite3_stmt *oldest;
  sqlite3_stmt *drop;
  guint64 held;

  if (total == NULL)
    return FALSE;
  if (sqlite3_step (total) != SQLITE_ROW)
    {
      sqlite3_reset (total);
      return _op_news_db_fail (db, error);
    }
  held = (guint64) sqlite3_column_int64 (total, 0);
  sqlite3_reset (total);
  if (held <= limit)
    return TRUE;
  oldest = prepare (db, "SELECT message_id, size FROM bodies ORDER BY last_read LIMIT 64", error);
  drop = prepare (db, "DELETE FROM bodies WHERE message_id = ?", error);
  if (oldest == NULL || drop == NULL)
    return FALSE;
  while (held > limit)
    {
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      int rc;

      while ((rc = sqlite3_step (oldest)) == SQLITE_ROW && held > limit)
        {
          g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (oldest, 0)));
          held -= MIN (held, (guint64) sqlite3_column_int64 (oldest, 1));
        }
      sqlite3_reset (oldest);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return _op_news_db_fail (db, error);
      if (ids->len == 0)
        break;
      for (guint i = 0; i < ids->len; i++)
        {
          bind_text (drop, 1, g_ptr_array_index (ids, i));
          if (!step_done (db, drop, error))
            return FALSE;
        }
    }
  return TRUE;
}

gboolean
_op_news_db_cache_article (sqlite3     *db,
                           const char  *message_id,
                           GBytes      *article,
                           guint64      limit,
                           GError     **error)
{
  sqlite3_stmt *stmt;
  gsize size;
  const void *data = g_bytes_get_data (article, &size);
  gint64 stamp;

  /* An article larger than the whole cache is not kept (it would evict everything). */
  if (size > limit)
    return TRUE;
  if (!_op_news_db_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  stmt = prepare (db, "INSERT OR REPLACE INTO bodies (message_id, article, size, last_read) "
                      "VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL || !next_read_stamp (db, &stamp, error))
    goto fail;
  bind_text (stmt, 1, message_id);
  sqlite3_bind_blob64 (stmt, 2, size > 0 ? data : "", size, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) size);
  sqlite3_bind_int64 (stmt, 4, stamp);
  if (!step_done (db, stmt, error) || !evict_bodies (db, limit, error))
    goto fail;
  return _op_news_db_exec (db, "COMMIT", error);

fail:
  _op_news_db_exec (db, "ROLLBACK", NULL);
  return FALSE;
}

GBytes *
_op_news_db_lookup_article (sqlite3     *db,
                            const char  *message_id,
                            GError     **error)
{
  sqlite3_stmt *select = prepare (db, "SELECT article FROM bodies WHERE message_id = ?", error);
  sqlite3_stmt *touch = prepare (db, "UPDATE bodies SET last_read = ? WHERE message_id = ?", error);
  GBytes *article = NULL;
  gint64 stamp;
  int rc;

  if (select == NULL || touch == NULL)
    return NULL;
  bind_text (select, 1, message_id);
  rc = sqlite3_step (select);
  if (rc == SQLITE_ROW)
    article = g_bytes_new (sqlite3_column_blob (select, 0),
                           (gsize) sqlite3_column_bytes (select, 0));
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
  if (!step_done (db, touch, error))
    g_clear_pointer (&article, g_bytes_unref);
  return article;
}

gboolean
_op_news_db_uncache_article (sqlite3     *db,
                             const char  *message_id,
                             GError     **error)
{
  sqlite3_stmt *stmt = prepare (db, "DELETE FROM bodies WHERE message_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, message_id);
  return step_done (db, stmt, error);
}

guint64
_op_news_db_cached_size (sqlite3  *db,
                         GError  **error)
{
  sqlite3_stmt *total = prepare (db, "SELECT COALESCE (SUM (size), 0) FROM bodies", error);
  guint64 held = 0;

  if (total == NULL)
    return 0;
  if (sqlite3_step (total) == SQLITE_ROW)
    held = (guint64) sqlite3_column_int64 (total, 0);
  else
    _op_news_db_fail (db, error);
  sqlite3_reset (total);
  return held;
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
_op_news_db_find_binary_parts (sqlite3     *db,
                               const char  *group,
                               guint64      number,
                               GError     **error)
{
  sqlite3_stmt *one = prepare (db,
                               "SELECT a.subject, a.author, a.group_id FROM articles a "
                               "JOIN groups g ON g.id = a.group_id "
                               "WHERE g.name = ? AND a.number = ?", error);
  sqlite3_stmt *like;
  g_autoptr(OpNewsBinaryPosting) posting = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *pattern = NULL;
  gint64 group_id;
  guint part = 0, total = 0;
  gsize prefix;
  GString *escaped;
  int rc;

  if (one == NULL)
    return NULL;
  bind_text (one, 1, group);
  sqlite3_bind_int64 (one, 2, (sqlite3_int64) number);
  rc = sqlite3_step (one);
  if (rc == SQLITE_ROW)
    {
      posting = g_new0 (OpNewsBinaryPosting, 1);
      subject = g_strdup ((const char *) sqlite3_column_text (one, 0));
      posting->author = g_strdup ((const char *) sqlite3_column_text (one, 1));
      group_id = sqlite3_column_int64 (one, 2);
    }
  sqlite3_reset (one);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     _("Article %llu of %s is not in the news store."),
                     (unsigned long long) number, group);
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
      like = prepare (db, "SELECT message_id FROM articles WHERE group_id = ? AND number = ?",
                      error);
      if (like == NULL)
        return NULL;
      sqlite3_bind_int64 (like, 1, group_id);
      sqlite3_bind_int64 (like, 2, (sqlite3_int64) number);
      if (sqlite3_step (like) == SQLITE_ROW)
        posting->message_ids[0] = g_strdup ((const char *) sqlite3_column_text (like, 0));
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
  like = prepare (db,
                  "SELECT number, message_id, subject FROM articles "
                  "WHERE group_id = ? AND author = ? AND subject LIKE ? ESCAPE '\\' "
                  "ORDER BY number", error);
  if (like == NULL)
    return NULL;
  sqlite3_bind_int64 (like, 1, group_id);
  bind_text (like, 2, posting->author);
  bind_text (like, 3, pattern);
  while ((rc = sqlite3_step (like)) == SQLITE_ROW)
    {
      g_autofree char *key = NULL;
      guint n = 0, m = 0;

      if (!op_news_binary_parse_subject ((const char *) sqlite3_column_text (like, 2), &n, &m,
                                         &key) ||
          m != total || strcmp (key, posting->key) != 0 || posting->message_ids[n - 1] != NULL)
        continue;  /* another posting, or a repost of a part already found */
      posting->message_ids[n - 1] = g_strdup ((const char *) sqlite3_column_text (like, 1));
      posting->numbers[n - 1] = (guint64) sqlite3_column_int64 (like, 0);
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

gboolean
_op_news_db_list_threads (sqlite3      *db,
                          gint64        group_id,
                          gboolean      by_author,
                          GPtrArray    *keys,
                          GArray       *counts,
                          GCancellable *cancellable,
                          GError      **error)
{
  /* A thread's rows are the keys from its root's up to the root's followed by "g",
   * which sorts after every hex digit of a descendant's key. Its first row is the
   * first of them with an article (a placeholder root has none). MATERIALIZED: the
   * threads are listed once, not once per row of the join. */
#define THREADS_SQL(column)                                                              \
  "WITH t AS MATERIALIZED (SELECT "                                                      \
  " (SELECT c.path FROM nodes c INDEXED BY nodes_by_path WHERE c.group_id = ?1 "         \
  "  AND c.path >= r.path AND c.path < r.path || 'g' AND c.number IS NOT NULL "          \
  "  ORDER BY c.path LIMIT 1) AS first_key, "                                            \
  " (SELECT count(*) FROM nodes c INDEXED BY nodes_by_path WHERE c.group_id = ?1 "       \
  "  AND c.path >= r.path AND c.path < r.path || 'g' AND c.number IS NOT NULL) AS n "    \
  " FROM nodes r WHERE r.group_id = ?1 AND r.depth = 0) "                                \
  "SELECT first_key, n FROM t JOIN nodes f ON f.group_id = ?1 AND f.path = t.first_key " \
  "JOIN articles a ON a.group_id = ?1 AND a.number = f.number "                          \
  "WHERE n > 0 ORDER BY a." column " COLLATE NOCASE, t.first_key"
  sqlite3_stmt *stmt = prepare (db, by_author ? THREADS_SQL ("author") : THREADS_SQL ("subject"),
                                error);
#undef THREADS_SQL
  guint64 row = 0;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint n = (guint) sqlite3_column_int64 (stmt, 1);

      if (row++ % 256 == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
      g_ptr_array_add (keys, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_array_append_val (counts, n);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _op_news_db_fail (db, error);
  return TRUE;
}
