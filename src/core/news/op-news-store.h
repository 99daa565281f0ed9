/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "nntp/op-nntp-list.h"
#include "op-news-ranges.h"

G_BEGIN_DECLS

#define OP_TYPE_NEWS_STORE (op_news_store_get_type ())
G_DECLARE_FINAL_TYPE (OpNewsStore, op_news_store, OP, NEWS_STORE, GObject)

/*
 * The news store of one server: its groups (LIST ACTIVE data, descriptions, creation
 * times, subscription, read ranges in newsrc form, "new since the last visit"), the
 * overviews of the groups' articles and their threads, in one SQLite database (WAL,
 * numbered migrations; op-news-db.h). Every write runs in order on the store's own
 * thread (an OpWorker); results arrive on the main context that asked. Reading a
 * group's threaded headers: op_news_thread_model_new_async() on
 * op_news_store_get_path().
 *
 * "group-changed" (group name) is emitted after each write that changed a group's
 * articles or read state, on the context of the call that made it.
 */

/* $XDG_DATA_HOME/outpost/news/SERVER.sqlite, for a server id made of [A-Za-z0-9._-]
 * (host and port, e.g. "news.example.test-563"). (transfer full) */
char        *op_news_store_default_path   (const char          *server_id);

OpNewsStore *op_news_store_new            (const char          *path);
const char  *op_news_store_get_path       (OpNewsStore         *self);

/* Creates or migrates the database. Every other call needs it done. */
void         op_news_store_open_async     (OpNewsStore         *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);

/* LIST ACTIVE (or NEWGROUPS) results: @actives holds OpNntpActive. */
void         op_news_store_update_active_async (OpNewsStore    *self,
                                                GPtrArray      *actives,
                                                GCancellable   *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer        user_data);
/* LIST NEWSGROUPS results: group name → description. */
void         op_news_store_set_descriptions_async (OpNewsStore *self,
                                                   GHashTable  *descriptions,
                                                   GCancellable *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer     user_data);
void         op_news_store_set_subscribed_async (OpNewsStore   *self,
                                                 const char    *group,
                                                 gboolean       subscribed,
                                                 GCancellable  *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer       user_data);
/* OVER results for @group (OpNntpOverview), stored and threaded in one transaction. */
void         op_news_store_add_overviews_async (OpNewsStore    *self,
                                                const char     *group,
                                                GPtrArray      *overviews,
                                                GCancellable   *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer        user_data);
void         op_news_store_mark_read_async (OpNewsStore        *self,
                                            const char         *group,
                                            guint64             number,
                                            gboolean            read,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
void         op_news_store_mark_thread_read_async (OpNewsStore *self,
                                                   const char  *group,
                                                   guint64      number,
                                                   gboolean     read,
                                                   GCancellable *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer     user_data);
void         op_news_store_catch_up_async (OpNewsStore         *self,
                                           const char          *group,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
/* A raised low mark: drops what the server expired. */
void         op_news_store_expire_async   (OpNewsStore         *self,
                                           const char          *group,
                                           guint64              low,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
/* Imports a .newsrc file (subscriptions and read ranges of the groups it lists). */
void         op_news_store_import_newsrc_async (OpNewsStore    *self,
                                                GFile          *file,
                                                GCancellable   *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer        user_data);
/* Writes every group as a .newsrc file (replaced atomically). */
void         op_news_store_export_newsrc_async (OpNewsStore    *self,
                                                GFile          *file,
                                                GCancellable   *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer        user_data);
/* Remembers now as the last visit: groups first seen before it are no longer new. */
void         op_news_store_mark_visited_async (OpNewsStore     *self,
                                               GCancellable    *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer         user_data);
/* For every call above. */
gboolean     op_news_store_finish         (OpNewsStore         *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/**
 * OpNewsGroup:
 * @name: the group's name.
 * @low, @high: the server's marks as last seen.
 * @count: the server's estimate of its articles.
 * @posting: its status (OpNntpPosting).
 * @description: (nullable): from LIST NEWSGROUPS.
 * @created: from LIST ACTIVE.TIMES, 0 when unknown.
 * @subscribed: whether the user subscribed.
 * @is_new: first seen after the last visit (op_news_store_mark_visited_async).
 * @unread: articles in low..high not in the read ranges.
 * @fetched_high: the highest article whose overview is stored.
 */
typedef struct
{
  char          *name;
  guint64        low;
  guint64        high;
  guint64        count;
  OpNntpPosting  posting;
  char          *description;
  gint64         created;
  gboolean       subscribed;
  gboolean       is_new;
  guint64        unread;
  guint64        fetched_high;
} OpNewsGroup;

void         op_news_group_free           (OpNewsGroup         *group);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpNewsGroup, op_news_group_free)

/* Incremental fetch: the next OVER range for a group whose overviews are stored up to
 * @fetched_high (OpNewsGroup), when the server reports @server_low..@server_high: at
 * most @batch articles from the first one not stored (never below the server's low
 * mark). FALSE when nothing is left to fetch. A batch cut by a dropped connection is
 * stored up to its last complete line, so the next range starts right after it: no
 * gap, and a repeated article is skipped by the store. */
gboolean     op_news_next_fetch_range     (guint64              fetched_high,
                                           guint64              server_low,
                                           guint64              server_high,
                                           guint64              batch,
                                           guint64             *low,
                                           guint64             *high);

/* Every group, by name; @subscribed_only for the subscribed ones. */
void         op_news_store_list_groups_async (OpNewsStore      *self,
                                              gboolean          subscribed_only,
                                              GCancellable     *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer          user_data);
/* (transfer container) (element-type OpNewsGroup) */
GPtrArray   *op_news_store_list_groups_finish (OpNewsStore     *self,
                                               GAsyncResult    *result,
                                               GError         **error);

/* The group's read ranges. */
void         op_news_store_get_read_async (OpNewsStore         *self,
                                           const char          *group,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
/* (transfer full) */
OpNewsRanges *op_news_store_get_read_finish (OpNewsStore       *self,
                                             GAsyncResult      *result,
                                             GError           **error);

/* The highest article of @group whose overview is stored: 0 when none, or when the
 * store does not know the group (one row read, where the group list reads them all). */
void         op_news_store_get_fetched_high_async (OpNewsStore      *self,
                                                   const char       *group,
                                                   GCancellable     *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer          user_data);
gboolean     op_news_store_get_fetched_high_finish (OpNewsStore     *self,
                                                    GAsyncResult    *result,
                                                    guint64         *fetched_high,
                                                    GError         **error);

/**
 * OpNewsBinaryPosting:
 * @key: the subject with the part number replaced by "*" (op_news_binary_parse_subject),
 *   or the subject of a posting in one article.
 * @author: the From of every part.
 * @total: the number of parts (1 for a posting in one article).
 * @n_found: how many of them the store holds.
 * @message_ids: (array length=total): part N's Message-ID at N − 1, NULL where missing.
 * @numbers: (array length=total): part N's article number at N − 1, 0 where missing.
 */
typedef struct
{
  char     *key;
  char     *author;
  guint     total;
  guint     n_found;
  char    **message_ids;
  guint64  *numbers;
} OpNewsBinaryPosting;

void         op_news_binary_posting_free  (OpNewsBinaryPosting *posting);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpNewsBinaryPosting, op_news_binary_posting_free)

/* The parts of the posting article @number of @group belongs to ("(1/3)"-style
 * subjects, same author), from the stored overviews. */
void         op_news_store_find_binary_parts_async (OpNewsStore   *self,
                                                    const char    *group,
                                                    guint64        number,
                                                    GCancellable  *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer       user_data);
/* (transfer full) */
OpNewsBinaryPosting *op_news_store_find_binary_parts_finish (OpNewsStore  *self,
                                                             GAsyncResult *result,
                                                             GError      **error);

/* The article cache: whole articles as read, by Message-ID, so an article read once
 * opens offline. Bounded (op_news_store_set_cache_limit(), 64 MiB by default), the least
 * recently read dropped first. */
#define OP_NEWS_STORE_DEFAULT_CACHE_LIMIT (G_GUINT64_CONSTANT (64) * 1024 * 1024)
void         op_news_store_set_cache_limit (OpNewsStore        *self,
                                            guint64             limit);
guint64      op_news_store_get_cache_limit (OpNewsStore        *self);
void         op_news_store_cache_article_async (OpNewsStore    *self,
                                                const char     *message_id,
                                                GBytes         *article,
                                                GCancellable   *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer        user_data);
/* Drops a withdrawn article from the cache. (finish with op_news_store_finish) */
void         op_news_store_uncache_article_async (OpNewsStore  *self,
                                                  const char   *message_id,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer      user_data);
void         op_news_store_lookup_article_async (OpNewsStore   *self,
                                                 const char    *message_id,
                                                 GCancellable  *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer       user_data);
/* The cached article, or NULL with no error when it is not cached. (transfer full)
 * (nullable) */
GBytes      *op_news_store_lookup_article_finish (OpNewsStore  *self,
                                                  GAsyncResult *result,
                                                  GError      **error);
/* Bytes the cache holds (for tests and the preferences). */
void         op_news_store_get_cache_size_async (OpNewsStore   *self,
                                                 GCancellable  *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer       user_data);
gboolean     op_news_store_get_cache_size_finish (OpNewsStore  *self,
                                                  GAsyncResult *result,
                                                  guint64      *size,
                                                  GError      **error);

/* The secret the store's Cancel-Locks derive from (op-news-cancel.h), made on first
 * use and kept in the database. (transfer full) */
void         op_news_store_get_cancel_secret_async (OpNewsStore   *self,
                                                    GCancellable  *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer       user_data);
GBytes      *op_news_store_get_cancel_secret_finish (OpNewsStore  *self,
                                                     GAsyncResult *result,
                                                     GError      **error);

G_END_DECLS
