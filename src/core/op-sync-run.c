/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-sync"

/*
 * Scanning both trees into a sync plan and carrying the plan out (op-sync-run.h). A scan
 * lists one folder at a time on each side at once; the plan says which folders both
 * sides have, and those are listed next, breadth first.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-sync-run.h"

char *
op_sync_remote_join (const char *root,
                     const char *relative)
{
  g_return_val_if_fail (root != NULL, NULL);

  if (relative == NULL || *relative == '\0')
    return g_strdup (root);
  if (g_str_has_suffix (root, "/"))
    return g_strconcat (root, relative, NULL);
  return g_strconcat (root, "/", relative, NULL);
}

static GFile *
local_child (GFile      *root,
             const char *relative)
{
  if (relative == NULL || *relative == '\0')
    return g_object_ref (root);
  return g_file_resolve_relative_path (root, relative);
}

/* --- the scan ------------------------------------------------------------------------ */

typedef struct
{
  OpFtpBrowser *browser;
  GFile        *local_root;
  char         *remote_root;
  gboolean      include_hidden;
  OpSyncPlan   *plan;
  GQueue        folders;          /* OpSyncFolder still to compare; the current first */
  GPtrArray    *local_entries;    /* of the current folder, once listed */
  GPtrArray    *remote_entries;
  guint         pending;          /* listings of the current folder not yet back */
  GError       *error;            /* the first listing error */
} Scan;

static void
scan_free (Scan *scan)
{
  g_clear_object (&scan->browser);
  g_clear_object (&scan->local_root);
  g_free (scan->remote_root);
  g_clear_pointer (&scan->plan, op_sync_plan_free);
  g_queue_clear_full (&scan->folders, (GDestroyNotify) op_sync_folder_free);
  g_clear_pointer (&scan->local_entries, g_ptr_array_unref);
  g_clear_pointer (&scan->remote_entries, g_ptr_array_unref);
  g_clear_error (&scan->error);
  g_free (scan);
}

static void scan_next_folder (GTask *task);

/* Runs in a GIO thread: one local folder, links not followed. */
static void
list_local_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GFile *dir = task_data;
  g_autoptr(GFileEnumerator) enumerator = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) op_ftp_entry_free);
  GError *error = NULL;

  enumerator = g_file_enumerate_children (dir, OP_SYNC_LOCAL_ATTRIBUTES,
                                          G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, cancellable,
                                          &error);
  if (enumerator == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (;;)
    {
      GFileInfo *info = NULL;

      if (!g_file_enumerator_iterate (enumerator, &info, NULL, cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      if (info == NULL)
        break;
      g_ptr_array_add (entries, op_sync_entry_from_file_info (info));
    }
  g_task_return_pointer (task, g_steal_pointer (&entries), (GDestroyNotify) g_ptr_array_unref);
}

static void
scan_folder_listed (GTask *task)
{
  Scan *scan = g_task_get_task_data (task);
  g_autoptr(GPtrArray) next = NULL;
  OpSyncFolder *folder;

  if (--scan->pending > 0)
    return;
  if (scan->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&scan->error));
      g_object_unref (task);
      return;
    }
  folder = g_queue_pop_head (&scan->folders);
  next = op_sync_plan_add_folder (scan->plan, folder, scan->local_entries, scan->remote_entries);
  op_sync_folder_free (folder);
  g_clear_pointer (&scan->local_entries, g_ptr_array_unref);
  g_clear_pointer (&scan->remote_entries, g_ptr_array_unref);
  for (guint i = 0; i < next->len; i++)
    g_queue_push_tail (&scan->folders, g_steal_pointer (&g_ptr_array_index (next, i)));
  scan_next_folder (task);
}

static void
on_local_listed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Scan *scan = g_task_get_task_data (task);
  GError *error = NULL;

  scan->local_entries = g_task_propagate_pointer (G_TASK (result), &error);
  if (error != NULL && scan->error == NULL)
    scan->error = error;
  else
    g_clear_error (&error);
  scan_folder_listed (task);
}

static void
on_remote_listed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Scan *scan = g_task_get_task_data (task);
  GError *error = NULL;
  OpFtpListing *listing;

  listing = op_ftp_browser_list_finish (OP_FTP_BROWSER (source), result, NULL, &error);
  if (listing != NULL)
    {
      scan->remote_entries = g_ptr_array_ref (listing->entries);
      op_ftp_listing_free (listing);
    }
  else if (scan->error == NULL)
    scan->error = error;
  else
    g_clear_error (&error);
  scan_folder_listed (task);
}

static void
scan_next_folder (GTask *task)
{
  Scan *scan = g_task_get_task_data (task);
  OpSyncFolder *folder = g_queue_peek_head (&scan->folders);
  g_autoptr(GTask) local_task = NULL;
  g_autofree char *remote = NULL;

  if (folder == NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&scan->plan),
                             (GDestroyNotify) op_sync_plan_free);
      g_object_unref (task);
      return;
    }

  scan->pending = 2;
  local_task = g_task_new (NULL, g_task_get_cancellable (task), on_local_listed, task);
  g_task_set_task_data (local_task, local_child (scan->local_root, folder->local_path),
                        g_object_unref);
  g_task_run_in_thread (local_task, list_local_thread);

  remote = op_sync_remote_join (scan->remote_root, folder->remote_path);
  op_ftp_browser_list_async (scan->browser, remote,
                             scan->include_hidden ? OP_FTP_LIST_SHOW_HIDDEN : OP_FTP_LIST_DEFAULT,
                             g_task_get_cancellable (task), on_remote_listed, task);
}

void
op_sync_scan_async (OpFtpBrowser        *browser,
                    GFile               *local_root,
                    const char          *remote_root,
                    OpSyncDirection      direction,
                    const OpSyncRules   *rules,
                    gboolean             include_hidden,
                    gboolean             delete_extra,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task;
  Scan *scan;

  g_return_if_fail (OP_IS_FTP_BROWSER (browser));
  g_return_if_fail (G_IS_FILE (local_root));
  g_return_if_fail (remote_root != NULL);
  g_return_if_fail (rules != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_sync_scan_async);
  scan = g_new0 (Scan, 1);
  scan->browser = g_object_ref (browser);
  scan->local_root = g_object_ref (local_root);
  scan->remote_root = g_strdup (remote_root);
  scan->include_hidden = include_hidden;
  scan->plan = op_sync_plan_new (direction, rules, include_hidden, delete_extra);
  g_queue_init (&scan->folders);
  g_queue_push_tail (&scan->folders, op_sync_folder_new_root ());
  g_task_set_task_data (task, scan, (GDestroyNotify) scan_free);
  scan_next_folder (task);
}

OpSyncPlan *
op_sync_scan_finish (GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == op_sync_scan_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- carrying it out ----------------------------------------------------------------- */

typedef struct
{
  OpSyncPlan      *plan;        /* the caller's */
  OpFtpBrowser    *browser;
  OpTransferQueue *queue;
  OpAccount       *site;
  GFile           *local_root;
  char            *remote_root;
  guint            next;        /* the step to look at next */
} Apply;

static void
apply_free (Apply *apply)
{
  g_clear_object (&apply->browser);
  g_clear_object (&apply->queue);
  g_clear_object (&apply->site);
  g_clear_object (&apply->local_root);
  g_free (apply->remote_root);
  g_free (apply);
}

static void apply_next_delete (GTask *task);

/* A local file or folder and everything in it, links removed as links. */
static gboolean
delete_local_tree (GFile         *file,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(GFileEnumerator) children = NULL;
  GFileType type = g_file_query_file_type (file, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, cancellable);

  if (type == G_FILE_TYPE_DIRECTORY)
    {
      children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                            G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, cancellable,
                                            error);
      if (children == NULL)
        return FALSE;
      for (;;)
        {
          GFile *child = NULL;

          if (!g_file_enumerator_iterate (children, NULL, &child, cancellable, error))
            return FALSE;
          if (child == NULL)
            break;
          if (!delete_local_tree (child, cancellable, error))
            return FALSE;
        }
    }
  return g_file_delete (file, cancellable, error);
}

static void
delete_local_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GError *error = NULL;

  if (delete_local_tree (task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_deleted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  gboolean ok;

  if (OP_IS_FTP_BROWSER (source))
    ok = op_ftp_browser_finish (OP_FTP_BROWSER (source), result, &error);
  else
    ok = g_task_propagate_boolean (G_TASK (result), &error);
  if (!ok)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  apply_next_delete (task);
}

static void
apply_enqueue (GTask *task)
{
  Apply *apply = g_task_get_task_data (task);
  GPtrArray *steps = op_sync_plan_get_steps (apply->plan);
  gboolean upload = op_sync_plan_get_direction (apply->plan) == OP_SYNC_TO_REMOTE;
  guint n = 0;

  for (guint i = 0; i < steps->len; i++)
    {
      OpSyncStep *step = g_ptr_array_index (steps, i);
      g_autoptr(GFile) local = NULL;
      g_autofree char *remote = NULL;
      OpTransferItem *item;
      guint64 size = step->size > 0 ? (guint64) step->size : 0;

      if (step->action != OP_SYNC_ACTION_COPY && step->action != OP_SYNC_ACTION_REPLACE)
        continue;
      local = local_child (apply->local_root, step->local_path);
      remote = op_sync_remote_join (apply->remote_root, step->remote_path);
      if (upload)
        item = op_transfer_queue_add_upload (apply->queue, apply->site, local, remote,
                                             step->is_folder, size);
      else
        item = op_transfer_queue_add_download (apply->queue, apply->site, remote, local,
                                               step->is_folder, size);
      /* The preview said what is replaced; the queue must not ask again. A mirror
       * leaves the same bytes on both sides, whatever the site's transfer type. */
      op_transfer_item_set_overwrite (item, OP_OVERWRITE_OVERWRITE);
      op_transfer_item_set_binary (item, TRUE);
      n++;
    }
  g_task_return_int (task, n);
  g_object_unref (task);
}

static void
apply_next_delete (GTask *task)
{
  Apply *apply = g_task_get_task_data (task);
  GPtrArray *steps = op_sync_plan_get_steps (apply->plan);
  OpSyncStep *step = NULL;

  while (apply->next < steps->len)
    {
      OpSyncStep *candidate = g_ptr_array_index (steps, apply->next++);

      if (candidate->action == OP_SYNC_ACTION_DELETE)
        {
          step = candidate;
          break;
        }
    }
  if (step == NULL)
    {
      apply_enqueue (task);
      return;
    }

  if (op_sync_plan_get_direction (apply->plan) == OP_SYNC_TO_REMOTE)
    {
      g_autofree char *remote = op_sync_remote_join (apply->remote_root, step->remote_path);

      if (step->is_folder)
        op_ftp_browser_delete_tree_async (apply->browser, remote, NULL, NULL, NULL,
                                          g_task_get_cancellable (task), on_deleted, task);
      else
        op_ftp_browser_delete_async (apply->browser, remote, g_task_get_cancellable (task),
                                     on_deleted, task);
    }
  else
    {
      g_autoptr(GTask) local_task = g_task_new (NULL, g_task_get_cancellable (task),
                                                on_deleted, task);

      g_task_set_task_data (local_task, local_child (apply->local_root, step->local_path),
                            g_object_unref);
      g_task_run_in_thread (local_task, delete_local_thread);
    }
}

void
op_sync_apply_async (OpSyncPlan          *plan,
                     OpFtpBrowser        *browser,
                     OpTransferQueue     *queue,
                     OpAccount           *site,
                     GFile               *local_root,
                     const char          *remote_root,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task;
  Apply *apply;

  g_return_if_fail (plan != NULL);
  g_return_if_fail (OP_IS_FTP_BROWSER (browser));
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (queue));
  g_return_if_fail (OP_IS_ACCOUNT (site));
  g_return_if_fail (G_IS_FILE (local_root));
  g_return_if_fail (remote_root != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_sync_apply_async);
  apply = g_new0 (Apply, 1);
  apply->plan = plan;
  apply->browser = g_object_ref (browser);
  apply->queue = g_object_ref (queue);
  apply->site = g_object_ref (site);
  apply->local_root = g_object_ref (local_root);
  apply->remote_root = g_strdup (remote_root);
  g_task_set_task_data (task, apply, (GDestroyNotify) apply_free);
  apply_next_delete (task);
}

gboolean
op_sync_apply_finish (GAsyncResult  *result,
                      guint         *n_queued,
                      GError       **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == op_sync_apply_async, FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (n_queued != NULL)
    *n_queued = (guint) n;
  return TRUE;
}
