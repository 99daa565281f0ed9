/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-sync"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-news-sync.h"

/*
 * One sync is a chain of calls on the main context: the group's fetched mark in the
 * store, LIST ACTIVE of the group (its marks into the store), GROUP, an expiry when the
 * low mark rose, then OVER chunk after chunk. Each OVER batch goes to the store at once;
 * the next chunk is asked for only when the store wrote everything of the last one but
 * the batch it is writing, so a sync holds at most one chunk and one batch of
 * overviews, whatever the group's size.
 */

typedef enum
{
  PHASE_PREPARE,   /* marks and expiry being stored; no OVER yet */
  PHASE_FETCH,
  PHASE_DONE,
} Phase;

typedef struct
{
  OpNewsStore    *store;
  OpNntpClient   *client;
  char           *group;
  guint64         chunk;
  OpProgressFunc  progress;
  gpointer        progress_data;

  Phase           phase;
  guint64         fetched_high;
  guint64         high;
  guint64         next;       /* the first article of the next OVER */
  guint64         end;        /* the last of the running one */
  guint64         total;      /* articles announced for this sync */
  guint64         n_new;
  guint           pending;    /* store writes in flight */
  gboolean        over_running;
  GError         *error;      /* the first failure */
} Sync;

static void
sync_free (Sync *sync)
{
  g_clear_object (&sync->store);
  g_clear_object (&sync->client);
  g_free (sync->group);
  g_clear_error (&sync->error);
  g_free (sync);
}

static void next_chunk (GTask *task);

/* Keeps the first error; later ones are consequences. */
static void
record_error (Sync   *sync,
              GError *error)
{
  if (sync->error == NULL)
    sync->error = error;
  else
    g_error_free (error);
}

/* Goes on when nothing is in flight: the next chunk, or the end. */
static void
maybe_continue (GTask *task)
{
  Sync *sync = g_task_get_task_data (task);

  gboolean more = sync->next != 0 && sync->next <= sync->high;

  /* The next OVER goes out while the store still writes the last batch of the one
   * before (the store thread then never waits for the server's first lines); the
   * end, or a failure, waits for every write. */
  if (sync->phase != PHASE_FETCH || sync->over_running ||
      sync->pending > (more && sync->error == NULL ? 1u : 0u))
    return;
  if (sync->error != NULL)
    {
      sync->phase = PHASE_DONE;
      g_task_return_error (task, g_steal_pointer (&sync->error));
      return;
    }
  next_chunk (task);
}

static void
store_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  if (!op_news_store_finish (OP_NEWS_STORE (source), result, &error))
    record_error (sync, error);
  g_assert (sync->pending > 0);
  sync->pending--;
  maybe_continue (task);
}

static void
on_batch (const char * const *extra_names,
          GPtrArray          *overviews,
          gpointer            user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);

  /* After a failed write, nothing more is stored: the store keeps a prefix, and the
   * next sync goes on after it without a gap. */
  if (sync->error != NULL)
    {
      g_ptr_array_unref (overviews);
      return;
    }
  sync->n_new += overviews->len;
  if (sync->progress != NULL)
    sync->progress (sync->n_new, sync->total, sync->progress_data);
  sync->pending++;
  op_news_store_add_overviews_async (sync->store, sync->group, overviews,
                                     g_task_get_cancellable (task), store_done,
                                     g_object_ref (task));
  g_ptr_array_unref (overviews);
}

static void
over_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  sync->over_running = FALSE;
  if (op_nntp_client_over_finish (OP_NNTP_CLIENT (source), result, NULL, NULL, &error))
    sync->next = sync->end + 1;
  else
    record_error (sync, error);
  maybe_continue (task);
}

static void
next_chunk (GTask *task)
{
  Sync *sync = g_task_get_task_data (task);

  if (sync->next == 0 || sync->next > sync->high)
    {
      sync->phase = PHASE_DONE;
      g_task_return_boolean (task, TRUE);
      return;
    }
  sync->end = sync->high - sync->next < sync->chunk ? sync->high
                                                     : sync->next + sync->chunk - 1;
  sync->over_running = TRUE;
  op_nntp_client_over_async (sync->client, sync->next, sync->end, on_batch, task,
                             g_task_get_cancellable (task), over_done, g_object_ref (task));
}

static void
group_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;
  guint64 count = 0, low = 0;

  if (!op_nntp_client_group_finish (OP_NNTP_CLIENT (source), result, &count, &low,
                                    &sync->high, &error))
    {
      record_error (sync, error);
    }
  else
    {
      /* RFC 3977 §6.1.1.2: an empty group may say low > high; then nothing is fetched.
       * A low mark above what is stored means the server expired the articles below. */
      if (low > 1 && count > 0)
        {
          sync->pending++;
          op_news_store_expire_async (sync->store, sync->group, low,
                                      g_task_get_cancellable (task), store_done,
                                      g_object_ref (task));
        }
      sync->next = MAX (sync->fetched_high + 1, MAX (low, 1));
      if (count == 0 || sync->next > sync->high)
        sync->next = 0;
      sync->total = sync->next > 0 ? sync->high - sync->next + 1 : 0;
    }
  sync->phase = PHASE_FETCH;
  maybe_continue (task);
}

static void
active_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Sync *sync = g_task_get_task_data (task);
  g_autoptr(GPtrArray) actives = NULL;
  GError *error = NULL;

  actives = op_nntp_client_list_active_finish (OP_NNTP_CLIENT (source), result, &error);
  if (actives == NULL)
    {
      sync->phase = PHASE_FETCH;
      record_error (sync, error);
      maybe_continue (task);
      return;
    }
  /* The group's own line only (the name has no wildmat characters, so it matches
   * itself alone). A server that lists nothing has no such group. */
  if (actives->len == 0)
    {
      sync->phase = PHASE_FETCH;
      record_error (sync, g_error_new (OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_GROUP,
                                       _("The news server has no newsgroup %s."), sync->group));
      maybe_continue (task);
      return;
    }
  sync->pending++;
  op_news_store_update_active_async (sync->store, actives, g_task_get_cancellable (task),
                                     store_done, g_object_ref (task));
  op_nntp_client_group_async (sync->client, sync->group, g_task_get_cancellable (task),
                              group_done, g_object_ref (task));
}

static void
fetched_high_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  if (!op_news_store_get_fetched_high_finish (OP_NEWS_STORE (source), result,
                                              &sync->fetched_high, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  op_nntp_client_list_active_async (sync->client, sync->group, g_task_get_cancellable (task),
                                    active_done, g_object_ref (task));
}

void
op_news_sync_group_async (OpNewsStore          *store,
                          OpNntpClient         *client,
                          const char           *group,
                          guint                 chunk,
                          OpProgressFunc        progress,
                          gpointer              progress_data,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  Sync *sync;

  g_return_if_fail (OP_IS_NEWS_STORE (store));
  g_return_if_fail (OP_IS_NNTP_CLIENT (client));
  g_return_if_fail (group != NULL);

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_news_sync_group_async);
  sync = g_new0 (Sync, 1);
  sync->store = g_object_ref (store);
  sync->client = g_object_ref (client);
  sync->group = g_strdup (group);
  sync->chunk = chunk > 0 ? chunk : OP_NEWS_SYNC_DEFAULT_CHUNK;
  sync->progress = progress;
  sync->progress_data = progress_data;
  g_task_set_task_data (task, sync, (GDestroyNotify) sync_free);

  if (!op_nntp_group_name_is_valid (group, strlen (group)))
    {
      g_task_return_new_error (task, OP_NNTP_ERROR, OP_NNTP_ERROR_INVALID_ARGUMENT,
                               _("This is not a valid newsgroup name."));
      return;
    }
  op_news_store_get_fetched_high_async (store, group, cancellable, fetched_high_done,
                                        g_object_ref (task));
}

gboolean
op_news_sync_group_finish (OpNewsStore   *store,
                           GAsyncResult  *result,
                           guint64       *n_new,
                           GError       **error)
{
  Sync *sync;

  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == op_news_sync_group_async,
                        FALSE);

  sync = g_task_get_task_data (G_TASK (result));
  if (n_new != NULL)
    *n_new = sync->n_new;
  return g_task_propagate_boolean (G_TASK (result), error);
}
