/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/random.h>

#include "nntp/op-nntp-overview.h"
#include "op-news-db.h"
#include "op-news-store.h"
#include "op-profile.h"
#include "op-worker.h"

/* A .newsrc bigger than this is not one (a million groups is about 30 MiB). */
#define MAX_NEWSRC_SIZE (64 * 1024 * 1024)

struct _OpNewsStore
{
  GObject   parent_instance;

  char     *path;
  OpWorker *worker;
  sqlite3  *db;        /* used on the worker thread only (closed after it is joined) */
  guint64   cache_limit;
};

G_DEFINE_FINAL_TYPE (OpNewsStore, op_news_store, G_TYPE_OBJECT)

enum
{
  GROUP_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
op_news_group_free (OpNewsGroup *group)
{
  if (group == NULL)
    return;
  g_free (group->name);
  g_free (group->description);
  g_free (group);
}

char *
op_news_store_default_path (const char *server_id)
{
  g_autofree char *data = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (server_id != NULL && *server_id != '\0', NULL);
  for (const char *p = server_id; *p != '\0'; p++)
    g_return_val_if_fail (g_ascii_isalnum (*p) || strchr ("._-", *p) != NULL, NULL);
  g_return_val_if_fail (server_id[0] != '.', NULL);

  data = op_profile_data_dir ();
  name = g_strconcat (server_id, ".sqlite", NULL);
  return g_build_filename (data, "news", name, NULL);
}

static void
op_news_store_dispose (GObject *object)
{
  OpNewsStore *self = OP_NEWS_STORE (object);

  /* Every queued job holds a reference to the store (its GTask's source object), so
   * nothing is waiting here: shutting the worker down joins its thread, and then the
   * connection is no thread's but ours. */
  if (self->worker != NULL)
    {
      op_worker_shutdown (self->worker);
      g_clear_object (&self->worker);
    }
  g_clear_pointer (&self->db, _op_news_db_close);
  G_OBJECT_CLASS (op_news_store_parent_class)->dispose (object);
}

static void
op_news_store_finalize (GObject *object)
{
  OpNewsStore *self = OP_NEWS_STORE (object);

  g_free (self->path);
  G_OBJECT_CLASS (op_news_store_parent_class)->finalize (object);
}

static void
op_news_store_class_init (OpNewsStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_news_store_dispose;
  object_class->finalize = op_news_store_finalize;

  signals[GROUP_CHANGED] = g_signal_new ("group-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
op_news_store_init (OpNewsStore *self)
{
  self->cache_limit = OP_NEWS_STORE_DEFAULT_CACHE_LIMIT;
  self->worker = op_worker_new ("news-store");
}

OpNewsStore *
op_news_store_new (const char *path)
{
  OpNewsStore *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (OP_TYPE_NEWS_STORE, NULL);
  self->path = g_strdup (path);
  return self;
}

const char *
op_news_store_get_path (OpNewsStore *self)
{
  g_return_val_if_fail (OP_IS_NEWS_STORE (self), NULL);

  return self->path;
}

/* --- jobs ------------------------------------------------------------------------ */

typedef enum
{
  JOB_OPEN,
  JOB_UPDATE_ACTIVE,
  JOB_DESCRIPTIONS,
  JOB_SUBSCRIBE,
  JOB_ADD_OVERVIEWS,
  JOB_MARK_READ,
  JOB_MARK_THREAD_READ,
  JOB_CATCH_UP,
  JOB_EXPIRE,
  JOB_IMPORT_NEWSRC,
  JOB_EXPORT_NEWSRC,
  JOB_MARK_VISITED,
  JOB_LIST_GROUPS,
  JOB_GET_READ,
  JOB_GET_FETCHED_HIGH,
  JOB_FIND_BINARY_PARTS,
  JOB_CACHE_ARTICLE,
  JOB_LOOKUP_ARTICLE,
  JOB_CACHE_SIZE,
  JOB_CANCEL_SECRET,
  JOB_UNCACHE_ARTICLE,
} JobKind;

typedef struct
{
  JobKind     kind;
  char       *group;        /* for group-changed, and the group jobs */
  guint64     number;
  gboolean    flag;
  GPtrArray  *items;        /* actives or overviews */
  GHashTable *descriptions;
  GFile      *file;
  GBytes     *bytes;        /* an article to cache */
} Job;

static void
job_free (Job *job)
{
  g_free (job->group);
  g_clear_pointer (&job->items, g_ptr_array_unref);
  g_clear_pointer (&job->descriptions, g_hash_table_unref);
  g_clear_object (&job->file);
  g_clear_pointer (&job->bytes, g_bytes_unref);
  g_free (job);
}

static gboolean
not_open (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                       _("The news store is not open."));
  return FALSE;
}

static gboolean
run_descriptions (sqlite3    *db,
                  GHashTable *descriptions,
                  GError    **error)
{
  GHashTableIter iter;
  gpointer key, value;

  if (!_op_news_db_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  g_hash_table_iter_init (&iter, descriptions);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!_op_news_db_set_description (db, key, value, error))
      {
        _op_news_db_exec (db, "ROLLBACK", NULL);
        return FALSE;
      }
  return _op_news_db_exec (db, "COMMIT", error);
}

static gboolean
run_import (sqlite3  *db,
            GFile    *file,
            GError  **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, error);
  g_autoptr(GPtrArray) entries = NULL;

  if (info == NULL)
    return FALSE;
  if (g_file_info_get_size (info) > MAX_NEWSRC_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The file is too large to be a .newsrc file."));
      return FALSE;
    }
  if (!g_file_load_contents (file, NULL, &data, &length, NULL, error))
    return FALSE;
  entries = op_newsrc_parse (data, length, NULL);
  return _op_news_db_import_newsrc (db, entries, g_get_real_time () / G_USEC_PER_SEC, error);
}

static gboolean
run_export (sqlite3  *db,
            GFile    *file,
            GError  **error)
{
  g_autoptr(GPtrArray) entries = _op_news_db_export_newsrc (db, error);
  g_autofree char *text = NULL;

  if (entries == NULL)
    return FALSE;
  text = op_newsrc_format (entries);
  /* Replaced atomically: a crash leaves the old file or the new one. */
  return g_file_replace_contents (file, text, strlen (text), NULL, TRUE, G_FILE_CREATE_NONE,
                                  NULL, NULL, error);
}

/* The store's Cancel-Lock secret (RFC 8315 §4: at least as long as the hash, 32 bytes),
 * made once from the system's random source and kept with the server's data. */
static GBytes *
get_cancel_secret (sqlite3  *db,
                   GError  **error)
{
  g_autofree char *hex = _op_news_db_get_meta (db, "cancel-lock-secret", error);
  guint8 secret[32];

  if (hex == NULL && error != NULL && *error != NULL)
    return NULL;
  if (hex != NULL && strlen (hex) == 2 * sizeof secret)
    {
      for (gsize i = 0; i < sizeof secret; i++)
        secret[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4 |
                              g_ascii_xdigit_value (hex[2 * i + 1]));
      return g_bytes_new (secret, sizeof secret);
    }
  if (getrandom (secret, sizeof secret, 0) != (ssize_t) sizeof secret)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("No random key could be made for cancelling articles: %s"),
                   g_strerror (saved));
      return NULL;
    }
  g_free (hex);
  hex = g_malloc (2 * sizeof secret + 1);
  for (gsize i = 0; i < sizeof secret; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", secret[i]);
  if (!_op_news_db_set_meta (db, "cancel-lock-secret", hex, error))
    return NULL;
  return g_bytes_new (secret, sizeof secret);
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  OpNewsStore *self = source_object;
  Job *job = task_data;
  GError *error = NULL;
  gboolean ok = FALSE;

  if (job->kind == JOB_OPEN)
    {
      if (self->db == NULL)
        {
          g_autofree char *dir = g_path_get_dirname (self->path);

          if (g_mkdir_with_parents (dir, 0700) != 0)
            {
              int saved = errno;

              g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                                       _("Could not create the folder %s: %s"), dir,
                                       g_strerror (saved));
              return;
            }
          self->db = _op_news_db_open (self->path, FALSE, &error);
        }
      ok = self->db != NULL;
    }
  else if (self->db == NULL)
    ok = not_open (&error);
  else
    switch (job->kind)
      {
      case JOB_UPDATE_ACTIVE:
        ok = _op_news_db_update_active (self->db, job->items, g_get_real_time () / G_USEC_PER_SEC,
                                        &error);
        break;
      case JOB_DESCRIPTIONS:
        ok = run_descriptions (self->db, job->descriptions, &error);
        break;
      case JOB_SUBSCRIBE:
        ok = _op_news_db_set_subscribed (self->db, job->group, job->flag, &error);
        break;
      case JOB_ADD_OVERVIEWS:
        ok = _op_news_db_add_overviews (self->db, job->group, job->items, &error);
        break;
      case JOB_MARK_READ:
        ok = _op_news_db_set_read (self->db, job->group, job->number, job->flag, &error);
        break;
      case JOB_MARK_THREAD_READ:
        ok = _op_news_db_set_thread_read (self->db, job->group, job->number, job->flag, &error);
        break;
      case JOB_CATCH_UP:
        ok = _op_news_db_catch_up (self->db, job->group, &error);
        break;
      case JOB_EXPIRE:
        ok = _op_news_db_expire (self->db, job->group, job->number, &error);
        break;
      case JOB_IMPORT_NEWSRC:
        ok = run_import (self->db, job->file, &error);
        break;
      case JOB_EXPORT_NEWSRC:
        ok = run_export (self->db, job->file, &error);
        break;
      case JOB_MARK_VISITED:
        {
          g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                  g_get_real_time () / G_USEC_PER_SEC);

          ok = _op_news_db_set_meta (self->db, "last-visit", now, &error);
        }
        break;
      case JOB_LIST_GROUPS:
        {
          GPtrArray *groups = _op_news_db_list_groups (self->db, job->flag, &error);

          if (groups != NULL)
            {
              g_task_return_pointer (task, groups, (GDestroyNotify) g_ptr_array_unref);
              return;
            }
        }
        break;
      case JOB_GET_READ:
        {
          OpNewsRanges *read = _op_news_db_get_read (self->db, job->group, &error);

          if (read != NULL)
            {
              g_task_return_pointer (task, read, (GDestroyNotify) op_news_ranges_free);
              return;
            }
        }
        break;
      case JOB_GET_FETCHED_HIGH:
        {
          guint64 high = _op_news_db_get_fetched_high (self->db, job->group, &error);

          if (error == NULL)
            {
              g_task_return_pointer (task, g_memdup2 (&high, sizeof high), g_free);
              return;
            }
        }
        break;
      case JOB_FIND_BINARY_PARTS:
        {
          OpNewsBinaryPosting *posting =
            _op_news_db_find_binary_parts (self->db, job->group, job->number, &error);

          if (posting != NULL)
            {
              g_task_return_pointer (task, posting, (GDestroyNotify) op_news_binary_posting_free);
              return;
            }
        }
        break;
      case JOB_CACHE_ARTICLE:
        /* job->group holds the Message-ID; job->number the limit. */
        ok = _op_news_db_cache_article (self->db, job->group, job->bytes, job->number, &error);
        break;
      case JOB_UNCACHE_ARTICLE:
        ok = _op_news_db_uncache_article (self->db, job->group, &error);
        break;
      case JOB_LOOKUP_ARTICLE:
        {
          GBytes *article = _op_news_db_lookup_article (self->db, job->group, &error);

          if (error == NULL)
            {
              g_task_return_pointer (task, article, (GDestroyNotify) g_bytes_unref);
              return;
            }
        }
        break;
      case JOB_CACHE_SIZE:
        {
          guint64 size = _op_news_db_cached_size (self->db, &error);

          if (error == NULL)
            {
              g_task_return_pointer (task, g_memdup2 (&size, sizeof size), g_free);
              return;
            }
        }
        break;
      case JOB_CANCEL_SECRET:
        {
          GBytes *secret = get_cancel_secret (self->db, &error);

          if (secret != NULL)
            {
              g_task_return_pointer (task, secret, (GDestroyNotify) g_bytes_unref);
              return;
            }
        }
        break;
      case JOB_OPEN:
      default:
        g_assert_not_reached ();
      }

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
queue_job (OpNewsStore         *self,
           Job                 *job,
           gpointer             source_tag,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  op_worker_run (self->worker, task, job_thread);
}

static Job *
job_new (JobKind     kind,
         const char *group)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->group = g_strdup (group);
  return job;
}

void
op_news_store_open_async (OpNewsStore         *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (OP_IS_NEWS_STORE (self));

  queue_job (self, job_new (JOB_OPEN, NULL), op_news_store_open_async, cancellable, callback,
             user_data);
}

void
op_news_store_update_active_async (OpNewsStore         *self,
                                   GPtrArray           *actives,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Job *job;

  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (actives != NULL);

  job = job_new (JOB_UPDATE_ACTIVE, NULL);
  job->items = g_ptr_array_ref (actives);
  queue_job (self, job, op_news_store_update_active_async, cancellable, callback, user_data);
}

void
op_news_store_set_descriptions_async (OpNewsStore         *self,
                                      GHashTable          *descriptions,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  Job *job;

  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (descriptions != NULL);

  job = job_new (JOB_DESCRIPTIONS, NULL);
  job->descriptions = g_hash_table_ref (descriptions);
  queue_job (self, job, op_news_store_set_descriptions_async, cancellable, callback, user_data);
}

void
op_news_store_set_subscribed_async (OpNewsStore         *self,
                                    const char          *group,
                                    gboolean             subscribed,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  Job *job;

  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (group != NULL);

  job = job_new (JOB_SUBSCRIBE, group);
  job->flag = subscribed;
  queue_job (self, job, op_news_store_set_subscribed_async, cancellable, callback, user_data);
}

void
op_news_store_add_overviews_async (OpNewsStore         *self,
                                   const char          *group,
                                   GPtrArray           *overviews,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Job *job;

  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (group != NULL);
  g_return_if_fail (overviews != NULL);

  job = job_new (JOB_ADD_OVERVIEWS, group);
  job->items = g_ptr_array_ref (overviews);
  queue_job (self, job, op_news_store_add_overviews_async, cancellable, callback, user_data);
}

static void
queue_read_job (OpNewsStore         *self,
                JobKind              kind,
                const char          *group,
                guint64              number,
                gboolean             flag,
                gpointer             source_tag,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  Job *job = job_new (kind, group);

  job->number = number;
  job->flag = flag;
  queue_job (self, job, source_tag, cancellable, callback, user_data);
}

void
op_news_store_mark_read_async (OpNewsStore         *self,
                               const char          *group,
                               guint64              number,
                               gboolean             read,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (group != NULL && number > 0);

  queue_read_job (self, JOB_MARK_READ, group, number, read, op_news_store_mark_read_async,
                  cancellable, callback, user_data);
}

void
op_news_store_mark_thread_read_async (OpNewsStore         *self,
                                      const char          *group,
                                      guint64              number,
                                      gboolean             read,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (group != NULL && number > 0);

  queue_read_job (self, JOB_MARK_THREAD_READ, group, number, read,
                  op_news_store_mark_thread_read_async, cancellable, callback, user_data);
}

void
op_news_store_catch_up_async (OpNewsStore         *self,
                              const char          *group,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (group != NULL);

  queue_read_job (self, JOB_CATCH_UP, group, 0, TRUE, op_news_store_catch_up_async,
                  cancellable, callback, user_data);
}

void
op_news_store_expire_async (OpNewsStore         *self,
                            const char          *group,
                            guint64              low,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (group != NULL);

  queue_read_job (self, JOB_EXPIRE, group, low, FALSE, op_news_store_expire_async,
                  cancellable, callback, user_data);
}

void
op_news_store_import_newsrc_async (OpNewsStore         *self,
                                   GFile               *file,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Job *job;

  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (G_IS_FILE (file));

  job = job_new (JOB_IMPORT_NEWSRC, NULL);
  job->file = g_object_ref (file);
  queue_job (self, job, op_news_store_import_newsrc_async, cancellable, callback, user_data);
}

void
op_news_store_export_newsrc_async (OpNewsStore         *self,
                                   GFile               *file,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Job *job;

  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (G_IS_FILE (file));

  job = job_new (JOB_EXPORT_NEWSRC, NULL);
  job->file = g_object_ref (file);
  queue_job (self, job, op_news_store_export_newsrc_async, cancellable, callback, user_data);
}

void
op_news_store_mark_visited_async (OpNewsStore         *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (OP_IS_NEWS_STORE (self));

  queue_job (self, job_new (JOB_MARK_VISITED, NULL), op_news_store_mark_visited_async,
             cancellable, callback, user_data);
}

gboolean
op_news_store_finish (OpNewsStore   *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  Job *job;

  g_return_val_if_fail (OP_IS_NEWS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  job = g_task_get_task_data (G_TASK (result));
  switch (job->kind)
    {
    case JOB_ADD_OVERVIEWS:
    case JOB_MARK_READ:
    case JOB_MARK_THREAD_READ:
    case JOB_CATCH_UP:
    case JOB_EXPIRE:
    case JOB_SUBSCRIBE:
      g_signal_emit (self, signals[GROUP_CHANGED], 0, job->group);
      break;
    default:
      break;
    }
  return TRUE;
}

void
op_news_store_list_groups_async (OpNewsStore         *self,
                                 gboolean             subscribed_only,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Job *job;

  g_return_if_fail (OP_IS_NEWS_STORE (self));

  job = job_new (JOB_LIST_GROUPS, NULL);
  job->flag = subscribed_only;
  queue_job (self, job, op_news_store_list_groups_async, cancellable, callback, user_data);
}

GPtrArray *
op_news_store_list_groups_finish (OpNewsStore   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (OP_IS_NEWS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
op_news_store_get_read_async (OpNewsStore         *self,
                              const char          *group,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (group != NULL);

  queue_job (self, job_new (JOB_GET_READ, group), op_news_store_get_read_async, cancellable,
             callback, user_data);
}

OpNewsRanges *
op_news_store_get_read_finish (OpNewsStore   *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (OP_IS_NEWS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
op_news_next_fetch_range (guint64  fetched_high,
                          guint64  server_low,
                          guint64  server_high,
                          guint64  batch,
                          guint64 *low,
                          guint64 *high)
{
  guint64 start;

  g_return_val_if_fail (batch > 0, FALSE);
  g_return_val_if_fail (low != NULL && high != NULL, FALSE);

  start = MAX (fetched_high == G_MAXUINT64 ? fetched_high : fetched_high + 1, MAX (server_low, 1));
  if (fetched_high == G_MAXUINT64 || start > server_high)
    return FALSE;
  *low = start;
  *high = server_high - start >= batch ? start + batch - 1 : server_high;
  return TRUE;
}

void
op_news_store_get_fetched_high_async (OpNewsStore         *self,
                                      const char          *group,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (group != NULL);

  queue_job (self, job_new (JOB_GET_FETCHED_HIGH, group), op_news_store_get_fetched_high_async,
             cancellable, callback, user_data);
}

/* A job that returned one number (g_memdup2 of a guint64). */
static gboolean
propagate_guint64 (GAsyncResult  *result,
                   guint64       *out,
                   GError       **error)
{
  g_autofree guint64 *value = g_task_propagate_pointer (G_TASK (result), error);

  if (value == NULL)
    return FALSE;
  if (out != NULL)
    *out = *value;
  return TRUE;
}

gboolean
op_news_store_get_fetched_high_finish (OpNewsStore   *self,
                                       GAsyncResult  *result,
                                       guint64       *fetched_high,
                                       GError       **error)
{
  g_return_val_if_fail (OP_IS_NEWS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return propagate_guint64 (result, fetched_high, error);
}

void
op_news_store_find_binary_parts_async (OpNewsStore         *self,
                                       const char          *group,
                                       guint64              number,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  Job *job;

  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (group != NULL);

  job = job_new (JOB_FIND_BINARY_PARTS, group);
  job->number = number;
  queue_job (self, job, op_news_store_find_binary_parts_async, cancellable, callback, user_data);
}

OpNewsBinaryPosting *
op_news_store_find_binary_parts_finish (OpNewsStore   *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (OP_IS_NEWS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
op_news_store_set_cache_limit (OpNewsStore *self,
                               guint64      limit)
{
  g_return_if_fail (OP_IS_NEWS_STORE (self));

  /* Read when a write is queued (on this thread), so the store thread never reads it. */
  self->cache_limit = limit;
}

guint64
op_news_store_get_cache_limit (OpNewsStore *self)
{
  g_return_val_if_fail (OP_IS_NEWS_STORE (self), 0);
  return self->cache_limit;
}

void
op_news_store_cache_article_async (OpNewsStore         *self,
                                   const char          *message_id,
                                   GBytes              *article,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Job *job;

  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (message_id != NULL && article != NULL);

  job = job_new (JOB_CACHE_ARTICLE, message_id);
  job->bytes = g_bytes_ref (article);
  job->number = self->cache_limit;
  queue_job (self, job, op_news_store_cache_article_async, cancellable, callback, user_data);
}

void
op_news_store_uncache_article_async (OpNewsStore         *self,
                                     const char          *message_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (message_id != NULL);

  queue_job (self, job_new (JOB_UNCACHE_ARTICLE, message_id), op_news_store_uncache_article_async,
             cancellable, callback, user_data);
}

void
op_news_store_lookup_article_async (OpNewsStore         *self,
                                    const char          *message_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (OP_IS_NEWS_STORE (self));
  g_return_if_fail (message_id != NULL);

  queue_job (self, job_new (JOB_LOOKUP_ARTICLE, message_id), op_news_store_lookup_article_async,
             cancellable, callback, user_data);
}

GBytes *
op_news_store_lookup_article_finish (OpNewsStore   *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (OP_IS_NEWS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
op_news_store_get_cache_size_async (OpNewsStore         *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (OP_IS_NEWS_STORE (self));

  queue_job (self, job_new (JOB_CACHE_SIZE, NULL), op_news_store_get_cache_size_async,
             cancellable, callback, user_data);
}

gboolean
op_news_store_get_cache_size_finish (OpNewsStore   *self,
                                     GAsyncResult  *result,
                                     guint64       *size,
                                     GError       **error)
{
  g_return_val_if_fail (OP_IS_NEWS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return propagate_guint64 (result, size, error);
}

void
op_news_store_get_cancel_secret_async (OpNewsStore         *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (OP_IS_NEWS_STORE (self));

  queue_job (self, job_new (JOB_CANCEL_SECRET, NULL), op_news_store_get_cancel_secret_async,
             cancellable, callback, user_data);
}

GBytes *
op_news_store_get_cancel_secret_finish (OpNewsStore   *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (OP_IS_NEWS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
