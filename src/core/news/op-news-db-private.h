/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-news-db.h"

G_BEGIN_DECLS

/*
 * What the files of the news database (op-news-db*.c) share: the connection with its
 * cached statements, statement helpers, and the sort keys' layout.
 */

/* One level of a node's sort key: the date (seconds since 1970, 8 hex digits: until
 * 2106) and the article number (10 hex digits: a trillion), so siblings sort by date and
 * then by arrival. Fixed width keeps every key a plain string prefix of its subtree's. */
#define COMPONENT_DATE_DIGITS 8
#define COMPONENT_NUMBER_DIGITS 10
#define COMPONENT_LENGTH (COMPONENT_DATE_DIGITS + COMPONENT_NUMBER_DIGITS)
/* A group's newsrc line in the database, in ranges: far above any real one. */
#define MAX_READ_TEXT (16 * 1024 * 1024)

/* Prepared statements are cached per connection, keyed by their (static) SQL text; so
 * are, while one batch of overviews is threaded, the nodes it reads and writes. */
typedef struct
{
  sqlite3    *db;
  GHashTable *statements; /* const char * (static SQL) → sqlite3_stmt * */
  GHashTable *nodes;      /* Message-ID → CachedNode, only during a batch */
} OpNewsDbConnection;

OpNewsDbConnection *
_op_news_db_connection (sqlite3 *db);
/* @sql's statement on @db, reset with no bindings; @sql must be static text. */
sqlite3_stmt *
_op_news_db_prepare (sqlite3 *db, const char *sql, GError **error);
/* Runs a prepared statement that returns no rows. */
gboolean
_op_news_db_step_done (sqlite3 *db, sqlite3_stmt *stmt, GError **error);
/* A string parameter, NULL as SQL NULL. SQLITE_STATIC (bind_static) is for the
 * ingest's statements, each stepped once and reset at once while @text lives: SQLite
 * then neither copies nor frees it. */
void
_op_news_db_bind_text_as (sqlite3_stmt *stmt, int index, const char *text,
                          sqlite3_destructor_type destructor);
#define bind_text(stmt, index, text)                                                               \
  _op_news_db_bind_text_as ((stmt), (index), (text), SQLITE_TRANSIENT)
#define bind_static(stmt, index, text)                                                             \
  _op_news_db_bind_text_as ((stmt), (index), (text), SQLITE_STATIC)

/* Runs @sql, a statement without rows whose parameters are ?1 = @group_id and ?2 =
 * @text (SQL NULL when NULL) or, with _number, ?2 = @number. */
gboolean
_op_news_db_run_text (sqlite3 *db, const char *sql, gint64 group_id, const char *text,
                      GError **error);
gboolean
_op_news_db_run_number (sqlite3 *db, const char *sql, gint64 group_id, gint64 number,
                        GError **error);
/* The first column of @sql's first row, whose one parameter ?1 is @text; *@value is left
 * as it is when there is no row. FALSE on a database error. */
gboolean
_op_news_db_query_int64 (sqlite3 *db, const char *sql, const char *text, gint64 *value,
                         GError **error);

/* Runs @func inside one transaction (committed on success, rolled back on failure). */
gboolean
_op_news_db_in_transaction (sqlite3 *db, gboolean (*func) (sqlite3 *, gpointer, GError **),
                            gpointer data, GError **error);
/* @sql sets one column of the group ?2 to ?1: @text when @use_text, else @number. */
gboolean
_op_news_db_update_group_column (sqlite3 *db, const char *sql, const char *group, const char *text,
                                 gint64 number, gboolean use_text, GError **error);
/* _op_news_db_expire() inside a transaction already. */
gboolean
_op_news_db_expire_below (sqlite3 *db, const char *group, guint64 low, GError **error);

G_END_DECLS
