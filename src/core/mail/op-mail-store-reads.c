/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-mail-store-private.h"

/* --- reads on the reader thread ----------------------------------------------------------- */

typedef struct
{
  OpMailReadFunc  func;
  gpointer        data;
  GDestroyNotify  data_free;
} ReadJob;

static void
read_job_free (ReadJob *job)
{
  if (job->data_free != NULL)
    job->data_free (job->data);
  g_free (job);
}

static void
read_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpMailStore *self = source;
  ReadJob *job = task_data;

  if (self->read_db == NULL)
    {
      g_task_return_new_error (task, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_CLOSED,
                               _("The mail store is closed."));
      return;
    }
  job->func (task, self, self->read_db, job->data, cancellable);
}

void
_op_mail_store_run_read (OpMailStore    *self,
                         GTask          *task,
                         OpMailReadFunc  func,
                         gpointer        data,
                         GDestroyNotify  data_free)
{
  ReadJob *job = g_new0 (ReadJob, 1);

  job->func = func;
  job->data = data;
  job->data_free = data_free;
  g_task_set_task_data (task, job, (GDestroyNotify) read_job_free);
  if (self->closed)
    {
      g_task_return_new_error (task, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_CLOSED,
                               _("The mail store is closed."));
      return;
    }
  op_worker_run (self->reader, task, read_thread);
}

/* A read keyed by one id (a message, a folder) on the reader thread. */
void
_op_mail_store_run_read_by_id (OpMailStore         *self,
                               gint64               id,
                               gpointer             source_tag,
                               OpMailReadFunc       func,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OP_IS_MAIL_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  _op_mail_store_run_read (self, task, func, g_memdup2 (&id, sizeof id), g_free);
}

gpointer
_op_mail_store_finish_pointer (OpMailStore   *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  char   *query;
  gint64  folder_id;
  guint   limit;
} SearchData;

static void
search_data_free (SearchData *data)
{
  g_free (data->query);
  g_free (data);
}

/* Every word of @query as an FTS5 prefix term, quoted (so no word is FTS syntax). */
static char *
fts_query (const char *query)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *clean = _op_mail_clean_text (query);
  g_auto(GStrv) words = g_strsplit_set (clean, " \t", -1);

  for (char **w = words; *w != NULL; w++)
    {
      if (**w == '\0')
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, '"');
      for (const char *p = *w; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append (out, "\"*");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
search_read (GTask        *task,
             OpMailStore  *store,
             sqlite3      *db,
             gpointer      data,
             GCancellable *cancellable)
{
  SearchData *search = data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *match = fts_query (search->query);
  GError *error = NULL;
  int rc;

  if (*match == '\0')
    {
      g_task_return_pointer (task, g_steal_pointer (&results), (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  if (sqlite3_prepare_v2 (db,
                          /* The index's order is date then id (OP_MAIL_FTS_KEY): the
                           * first @limit matches are the newest, nothing is sorted. */
                          "SELECT " OP_MAIL_MESSAGE_COLUMNS " FROM messages_fts"
                          " JOIN messages m ON m.id = " OP_MAIL_FTS_ID ("messages_fts.rowid")
                          " WHERE messages_fts MATCH ?1 AND (?2 = 0 OR m.folder_id = ?2)"
                          " ORDER BY messages_fts.rowid DESC LIMIT ?3",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (&error, db, N_("searching"));
      g_task_return_error (task, error);
      return;
    }
  _op_mail_bind_text (stmt, 1, match);
  sqlite3_bind_int64 (stmt, 2, search->folder_id);
  sqlite3_bind_int64 (stmt, 3, search->limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (results, _op_mail_message_new_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      _op_mail_set_sqlite_error (&error, db, N_("searching"));
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&results), (GDestroyNotify) g_ptr_array_unref);
}

void
op_mail_store_search_async (OpMailStore         *self,
                            const char          *query,
                            gint64               folder_id,
                            guint                limit,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SearchData *data;

  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (query != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_mail_store_search_async);
  data = g_new0 (SearchData, 1);
  data->query = g_strdup (query);
  data->folder_id = folder_id;
  data->limit = limit > 0 ? limit : G_MAXINT;
  _op_mail_store_run_read (self, task, search_read, data, (GDestroyNotify) search_data_free);
}

GPtrArray *
op_mail_store_search_finish (OpMailStore   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return _op_mail_store_finish_pointer (self, result, error);
}

static void
load_body_read (GTask        *task,
                OpMailStore  *store,
                sqlite3      *db,
                gpointer      data,
                GCancellable *cancellable)
{
  gint64 message_id = *(gint64 *) data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GError *error = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "SELECT data FROM bodies WHERE message_id = ?1", -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (&error, db, N_("reading a message"));
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, message_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    g_task_return_pointer (task,
                           g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0)),
                           (GDestroyNotify) g_bytes_unref);
  else if (rc == SQLITE_DONE)
    g_task_return_pointer (task, NULL, NULL);
  else
    {
      _op_mail_set_sqlite_error (&error, db, N_("reading a message"));
      g_task_return_error (task, error);
    }
}

void
op_mail_store_load_body_async (OpMailStore         *self,
                               gint64               message_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  _op_mail_store_run_read_by_id (self, message_id, op_mail_store_load_body_async, load_body_read, cancellable, callback, user_data);
}

GBytes *
op_mail_store_load_body_finish (OpMailStore   *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return _op_mail_store_finish_pointer (self, result, error);
}

static void
list_uids_read (GTask        *task,
                OpMailStore  *store,
                sqlite3      *db,
                gpointer      data,
                GCancellable *cancellable)
{
  gint64 folder_id = *(gint64 *) data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (OpMailUidState));
  GError *error = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "SELECT uid, flags, modseq FROM messages WHERE folder_id = ?1 AND uid > 0 ORDER BY uid",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (&error, db, N_("reading UIDs"));
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, folder_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      OpMailUidState state = {
        (guint32) sqlite3_column_int64 (stmt, 0),
        sqlite3_column_int (stmt, 1),
        (guint64) sqlite3_column_int64 (stmt, 2),
      };
      g_array_append_val (uids, state);
    }
  if (rc != SQLITE_DONE)
    {
      _op_mail_set_sqlite_error (&error, db, N_("reading UIDs"));
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&uids), (GDestroyNotify) g_array_unref);
}

void
op_mail_store_list_uids_async (OpMailStore         *self,
                               gint64               folder_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  _op_mail_store_run_read_by_id (self, folder_id, op_mail_store_list_uids_async, list_uids_read, cancellable, callback, user_data);
}

GArray *
op_mail_store_list_uids_finish (OpMailStore   *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return _op_mail_store_finish_pointer (self, result, error);
}
