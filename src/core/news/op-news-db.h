/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

#include "nntp/op-nntp-list.h"
#include "nntp/op-nntp-overview.h"
#include "op-news-ranges.h"
#include "op-news-store.h"

G_BEGIN_DECLS

/*
 * The news database of one server: SQLite in WAL mode with numbered migrations
 * (PRAGMA user_version), under $XDG_DATA_HOME/outpost/news/. Synchronous functions:
 * OpNewsStore runs the writing ones on its store thread, in one connection; the thread
 * models read through connections of their own (WAL lets readers run beside the
 * writer). Errors are G_IO_ERROR (G_IO_ERROR_FAILED with SQLite's message,
 * G_IO_ERROR_INVALID_DATA for a database from a newer Outpost).
 *
 * Threading (jwz, https://www.jwz.org/doc/threading.html) is kept in the database and
 * updated as each article arrives: one node per Message-ID seen in a group (a
 * placeholder while only referenced; an article's node holds its overview columns and
 * read flag), linked to its parent by the last of its
 * References, reference chains linked as jwz does (a node that has a parent keeps it;
 * a link that would make a loop is not made), and articles without References whose
 * subject is "Re: X" hung under the thread root "X". Each node stores a sort key (its
 * path from the root, one fixed-width component per level: date, then number) and its
 * depth counted in real articles, so a group's threaded order is an index scan and a
 * page of it is one query.
 */

/* The schema this code writes; older databases are migrated on open. */
#define OP_NEWS_DB_VERSION 4

sqlite3  *_op_news_db_open          (const char   *path,
                                     gboolean      read_only,
                                     GError      **error);
void      _op_news_db_close         (sqlite3      *db);

/* Sets OP error from SQLite's last error on @db and returns FALSE. */
gboolean  _op_news_db_fail          (sqlite3      *db,
                                     GError      **error);
gboolean  _op_news_db_exec          (sqlite3      *db,
                                     const char   *sql,
                                     GError      **error);

/* The group's id, creating the row when @create (first_seen = @now). 0 when absent. */
gint64    _op_news_db_group_id      (sqlite3      *db,
                                     const char   *name,
                                     gboolean      create,
                                     gint64        now,
                                     GError      **error);

/* LIST ACTIVE (or NEWGROUPS) data: inserts new groups (first_seen = @now) and updates
 * the marks and status of known ones; a known group whose low mark rose loses the
 * articles below it (_op_news_db_expire). Groups the list lacks are kept (a LIST ACTIVE
 * with a wildmat lists only some). */
gboolean  _op_news_db_update_active (sqlite3      *db,
                                     GPtrArray    *actives,
                                     gint64        now,
                                     GError      **error);
gboolean  _op_news_db_set_description (sqlite3    *db,
                                       const char *group,
                                       const char *description,
                                       GError    **error);
gboolean  _op_news_db_set_created   (sqlite3      *db,
                                     const char   *group,
                                     gint64        created,
                                     GError      **error);
gboolean  _op_news_db_set_subscribed (sqlite3     *db,
                                      const char  *group,
                                      gboolean     subscribed,
                                      GError     **error);

/* The server-wide key/value table (e.g. "last-visit"). (transfer full) (nullable) */
char     *_op_news_db_get_meta      (sqlite3      *db,
                                     const char   *key,
                                     GError      **error);
gboolean  _op_news_db_set_meta      (sqlite3      *db,
                                     const char   *key,
                                     const char   *value,
                                     GError      **error);

/* Inserts the articles of @overviews (OpNntpOverview) into @group and threads them, in
 * one transaction. Articles already stored (same number) are skipped. Raises the
 * group's fetched mark to the highest number seen. */
gboolean  _op_news_db_add_overviews (sqlite3      *db,
                                     const char   *group,
                                     GPtrArray    *overviews,
                                     GError      **error);
/* The highest article number whose overview is stored (0 when none; 0 with @error set
 * when the read failed). */
guint64   _op_news_db_get_fetched_high (sqlite3   *db,
                                        const char *group,
                                        GError   **error);

/* Read state: the group's newsrc ranges are the truth; each article's flag follows. */
gboolean  _op_news_db_set_read      (sqlite3      *db,
                                     const char   *group,
                                     guint64       number,
                                     gboolean      read,
                                     GError      **error);
/* Marks every article of @number's thread (the root and all below it). */
gboolean  _op_news_db_set_thread_read (sqlite3    *db,
                                       const char *group,
                                       guint64     number,
                                       gboolean    read,
                                       GError    **error);
/* Catch-up: everything up to the group's high mark is read. */
gboolean  _op_news_db_catch_up      (sqlite3      *db,
                                     const char   *group,
                                     GError      **error);
/* (transfer full) */
OpNewsRanges *_op_news_db_get_read  (sqlite3      *db,
                                     const char   *group,
                                     GError      **error);
gboolean  _op_news_db_set_read_ranges (sqlite3          *db,
                                       const char       *group,
                                       const OpNewsRanges *read,
                                       GError          **error);

/* .newsrc: import sets subscription and read ranges of the listed groups (creating the
 * groups it names); export writes every group the store knows. */
gboolean  _op_news_db_import_newsrc (sqlite3      *db,
                                     GPtrArray    *entries,
                                     gint64        now,
                                     GError      **error);
GPtrArray *_op_news_db_export_newsrc (sqlite3     *db,
                                      GError     **error);

/* A raised low mark: drops the articles below @low (they become placeholders when
 * other articles still hang below them). */
gboolean  _op_news_db_expire        (sqlite3      *db,
                                     const char   *group,
                                     guint64       low,
                                     GError      **error);

/* Every group (OpNewsGroup, op-news-store.h), by name. (transfer container) */
GPtrArray *_op_news_db_list_groups  (sqlite3      *db,
                                     gboolean      subscribed_only,
                                     GError      **error);

/* The thread model's reads (on its own read-only connection). */
guint     _op_news_db_count_threaded (sqlite3     *db,
                                      gint64       group_id,
                                      GError     **error);
/* Up to @limit rows of the threaded order, starting @skip rows after the first whose
 * key is ≥ @start_key ("" for the start): appends OpNewsHeader objects to @headers and
 * returns the key of the last one in *@last_key (unchanged when no row). */
gboolean  _op_news_db_load_page     (sqlite3      *db,
                                     gint64        group_id,
                                     const char   *start_key,
                                     guint         skip,
                                     guint         limit,
                                     GPtrArray    *headers,
                                     char        **last_key,
                                     GError      **error);

/* The key of the first row of every page of @page_size rows, in order (one index walk,
 * no table reads). */
gboolean  _op_news_db_scan_page_keys (sqlite3      *db,
                                      gint64        group_id,
                                      guint         page_size,
                                      GPtrArray    *keys,
                                      GCancellable *cancellable,
                                      GError      **error);

/* The rows at depth 0 (where the header pane's threads start: a root, or an orphan
 * under a placeholder), as positions in the index's order (guint, ascending), and
 * their article numbers in @numbers (guint64, the same order) unless it is NULL. */
gboolean  _op_news_db_scan_roots     (sqlite3      *db,
                                      gint64        group_id,
                                      GArray       *roots,
                                      GArray       *numbers,
                                      GCancellable *cancellable,
                                      GError      **error);

/* The article cache: @article (whole, as read) under @message_id, then the least
 * recently read ones dropped until at most @limit bytes are held (an article larger
 * than @limit is not kept). */
gboolean  _op_news_db_cache_article (sqlite3      *db,
                                     const char   *message_id,
                                     GBytes       *article,
                                     guint64       limit,
                                     GError      **error);
/* The cached article, marked read now; NULL (and no error) when not cached.
 * (transfer full) (nullable) */
GBytes   *_op_news_db_lookup_article (sqlite3     *db,
                                      const char  *message_id,
                                      GError     **error);
/* Drops @message_id from the cache (withdrawn: cancelled or superseded). */
gboolean  _op_news_db_uncache_article (sqlite3    *db,
                                       const char *message_id,
                                       GError    **error);
/* Bytes the cache holds. */
guint64   _op_news_db_cached_size   (sqlite3      *db,
                                     GError      **error);

/* The parts of the multipart posting article @number of @group belongs to (the same
 * author and subject but for its "(N/M)"). (transfer full) */
OpNewsBinaryPosting *_op_news_db_find_binary_parts (sqlite3    *db,
                                                    const char *group,
                                                    guint64     number,
                                                    GError    **error);

/* How _op_news_db_list_threads orders the threads. */
typedef enum
{
  OP_NEWS_DB_THREAD_SORT_NONE,    /* by key: the date of their first article */
  OP_NEWS_DB_THREAD_SORT_SUBJECT, /* by the subject of their first article */
  OP_NEWS_DB_THREAD_SORT_AUTHOR,  /* by its author */
} OpNewsDbThreadSort;

/* The group's threads in @sort's order (subject and author case-insensitively, then by
 * date): each one's first row key in @keys and its number of rows in @counts (guint);
 * threads without a row are left out. */
gboolean  _op_news_db_list_threads   (sqlite3           *db,
                                      gint64             group_id,
                                      OpNewsDbThreadSort sort,
                                      GPtrArray         *keys,
                                      GArray            *counts,
                                      GCancellable      *cancellable,
                                      GError           **error);

G_END_DECLS
