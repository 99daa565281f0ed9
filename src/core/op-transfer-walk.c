/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-transfer"

/*
 * A folder transfer is walked, breadth first, on one pooled session: each folder is made
 * on the target side (MKD, or a local folder), then listed, and every file found becomes
 * a queue item of its own (the folder's item is its parent) while the walk goes on. The
 * files then run like any other item: parallel sessions, their own overwrite decision,
 * their own result. A folder that cannot be listed is remembered and the walk goes on;
 * only a broken session stops it.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-ftp-error.h"
#include "op-ftp-listing.h"
#include "op-transfer-item-private.h"
#include "op-transfer-queue-private.h"

/* Local folder entries read per round trip to the GIO thread pool. */
#define ENUMERATE_BATCH 256

#define LOCAL_ATTRIBUTES G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE \
                         "," G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_TIME_MODIFIED

typedef struct
{
  char *remote;   /* a display path, "/a/b" */
  char *local;
} WalkDir;

struct _OpTransferWalk
{
  GQueue      dirs;         /* WalkDir still to list, the current one first */
  GHashTable *known;        /* "remote\nlocal" → OpTransferItem: files listed earlier */
  GHashTable *local_names;  /* local names taken in the current folder (download) */
};

static void walk_next_dir (Job *job);

static void
walk_dir_free (WalkDir *dir)
{
  g_free (dir->remote);
  g_free (dir->local);
  g_free (dir);
}

void
_op_transfer_walk_free (OpTransferWalk *walk)
{
  g_queue_clear_full (&walk->dirs, (GDestroyNotify) walk_dir_free);
  g_clear_pointer (&walk->known, g_hash_table_unref);
  g_clear_pointer (&walk->local_names, g_hash_table_unref);
  g_free (walk);
}

static char *
child_key (const char *remote,
           const char *local)
{
  return g_strconcat (remote, "\n", local, NULL);
}

static char *
remote_join (const char *dir,
             const char *name)
{
  if (g_str_has_suffix (dir, "/"))
    return g_strconcat (dir, name, NULL);
  return g_strconcat (dir, "/", name, NULL);
}

static void
walk_push_dir (OpTransferWalk *walk,
               const char     *remote,
               const char     *local)
{
  WalkDir *dir = g_new0 (WalkDir, 1);

  dir->remote = g_strdup (remote);
  dir->local = g_strdup (local);
  g_queue_push_tail (&walk->dirs, dir);
}

/* A listing or MKD of one folder failed: the folder's item says so at the end. */
static void
walk_remember_error (Job          *job,
                     const GError *error)
{
  if (op_transfer_item_get_error (job->item) == NULL)
    _op_transfer_item_set_error (job->item, error);
}

/* One file found: a new item, or the one an earlier walk of this folder listed (after a
 * pause, a restart or a retry), which continues. @error: the file cannot be transferred
 * at all (a name that cannot be saved here); its item fails at once with it. */
static void
walk_add_file (Job               *job,
               const char        *remote,
               const char        *local,
               const OpFileFacts *facts,
               const GError      *error)
{
  OpTransferQueue *self = job->queue;
  OpTransferItem *folder = job->item;
  g_autofree char *key = child_key (remote, local);
  OpTransferItem *item = g_hash_table_lookup (job->walk->known, key);

  if (item != NULL)
    {
      OpTransferState state = op_transfer_item_get_state (item);

      if (!g_ptr_array_find (self->items, item, NULL))
        return;  /* removed from the list meanwhile: the user is done with it */
      if (state == OP_TRANSFER_STATE_PAUSED)
        op_transfer_queue_resume (self, item);
      else if (state == OP_TRANSFER_STATE_FAILED || state == OP_TRANSFER_STATE_CANCELLED)
        op_transfer_queue_retry (self, item);
      return;
    }

  item = _op_transfer_item_new (NULL, op_transfer_item_get_direction (folder), FALSE,
                                op_transfer_item_get_site (folder), local, remote,
                                facts->size > 0 ? (guint64) facts->size : 0);
  _op_transfer_item_set_parent (item, folder);
  _op_transfer_item_set_source_facts (item, facts);
  g_hash_table_insert (job->walk->known, g_steal_pointer (&key), g_object_ref (item));
  if (error != NULL)
    {
      _op_transfer_item_set_error (item, error);
      _op_transfer_item_set_state (item, OP_TRANSFER_STATE_FAILED);
    }
  _op_transfer_queue_add_child (self, folder, item);
}

/* Download */

static void
listed (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Job *job = user_data;
  OpTransferWalk *walk = job->walk;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpFtpListing) listing = NULL;
  WalkDir *dir;

  listing = op_ftp_client_list_finish (OP_FTP_CLIENT (source), result, &error);
  if (_op_transfer_job_check_stopped (job, error))
    return;
  if (listing == NULL && _op_transfer_job_refused_reuse (job, error))
    {
      /* This folder again, on a new session. */
      _op_transfer_job_restart_fresh (job);
      return;
    }
  if (listing != NULL)
    {
      _op_transfer_job_count_data_connection (job->client);
      /* A refusal later in the walk may try a new session again. */
      job->fresh_only = FALSE;
    }
  dir = g_queue_pop_head (&walk->dirs);
  if (listing == NULL)
    {
      walk_dir_free (dir);
      if (op_ftp_client_get_state (job->client) != OP_FTP_STATE_READY)
        {
          /* The session broke: the rest of the walk cannot go on here. */
          _op_transfer_job_finish (job, OUTCOME_FAILED, error);
          return;
        }
      walk_remember_error (job, error);
      walk_next_dir (job);
      return;
    }

  g_hash_table_remove_all (walk->local_names);
  for (guint i = 0; i < listing->entries->len; i++)
    {
      OpFtpEntry *entry = g_ptr_array_index (listing->entries, i);
      g_autofree char *remote = remote_join (dir->remote, entry->name);
      g_autofree char *safe = op_ftp_local_name_from_remote (entry->name);
      g_autofree char *local = NULL;
      g_autoptr(GError) name_error = NULL;
      OpFileFacts facts = { -1, -1 };

      if (safe == NULL)
        g_set_error (&name_error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME,
                     _("The server listed an entry named “%s” in “%s”, which cannot be "
                       "saved on this computer: it was not downloaded."),
                     entry->name, dir->remote);
      else if (g_hash_table_contains (walk->local_names, safe))
        g_set_error (&name_error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME,
                     _("Two entries in “%s” would both be saved as “%s”: this one was not "
                       "downloaded. Rename one of them on the server."),
                     dir->remote, safe);
      else
        g_hash_table_add (walk->local_names, g_strdup (safe));
      local = g_build_filename (dir->local, safe != NULL ? safe : "_", NULL);

      /* Links are taken as files, never followed as folders: no loop can make the walk
       * endless. */
      if (entry->type == OP_FTP_ENTRY_DIRECTORY && name_error == NULL)
        {
          walk_push_dir (walk, remote, local);
          continue;
        }
      if (entry->type == OP_FTP_ENTRY_DIRECTORY)
        continue;
      if (entry->type == OP_FTP_ENTRY_FILE && entry->size >= 0)
        {
          facts.size = entry->size;
          /* Only a time to the second decides "overwrite if newer"; else it is asked
           * for with the file (MDTM). */
          if (entry->time_precision == OP_FTP_TIME_SECOND)
            facts.mtime = entry->mtime;
        }
      walk_add_file (job, remote, local, &facts, name_error);
    }
  walk_dir_free (dir);
  walk_next_dir (job);
}

static void
local_dir_made (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Job *job = user_data;
  WalkDir *dir = g_queue_peek_head (&job->walk->dirs);
  g_autoptr(GError) error = NULL;

  if (!g_file_make_directory_finish (G_FILE (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      if (_op_transfer_job_check_stopped (job, error))
        return;
      /* Its files will fail one by one, each saying why; the walk goes on. */
      walk_remember_error (job, error);
    }
  op_ftp_client_list_async (job->client, dir->remote, OP_FTP_LIST_DEFAULT, job->cancellable,
                            listed, job);
}

/* Upload */

static void
enumerated (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Job *job = user_data;
  GFileEnumerator *enumerator = G_FILE_ENUMERATOR (source);
  WalkDir *dir = g_queue_peek_head (&job->walk->dirs);
  g_autoptr(GError) error = NULL;
  GList *infos;

  infos = g_file_enumerator_next_files_finish (enumerator, result, &error);
  if (_op_transfer_job_check_stopped (job, error))
    {
      g_object_unref (enumerator);
      return;
    }
  if (infos == NULL)
    {
      if (error != NULL)
        walk_remember_error (job, error);
      g_object_unref (enumerator);
      walk_dir_free (g_queue_pop_head (&job->walk->dirs));
      walk_next_dir (job);
      return;
    }

  for (GList *l = infos; l != NULL; l = l->next)
    {
      GFileInfo *info = l->data;
      const char *name = g_file_info_get_name (info);
      g_autofree char *local = g_build_filename (dir->local, name, NULL);
      g_autofree char *utf8 = g_filename_to_utf8 (name, -1, NULL, NULL, NULL);
      g_autofree char *remote = NULL;
      OpFileFacts facts = { -1, -1 };

      if (utf8 == NULL)
        utf8 = g_filename_display_name (name);
      remote = remote_join (dir->remote, utf8);
      switch (g_file_info_get_file_type (info))
        {
        case G_FILE_TYPE_DIRECTORY:
          walk_push_dir (job->walk, remote, local);
          break;
        case G_FILE_TYPE_REGULAR:
          facts.size = g_file_info_get_size (info);
          if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_TIME_MODIFIED))
            facts.mtime = g_file_info_get_attribute_uint64 (info,
                                                            G_FILE_ATTRIBUTE_TIME_MODIFIED);
          walk_add_file (job, remote, local, &facts, NULL);
          break;
        case G_FILE_TYPE_SYMBOLIC_LINK:
          /* Sent as the file it points to (its facts are read with the file); a link to
           * a folder is not followed, so no loop can make the walk endless. */
          walk_add_file (job, remote, local, &facts, NULL);
          break;
        default:
          break;
        }
    }
  g_list_free_full (infos, g_object_unref);
  g_file_enumerator_next_files_async (enumerator, ENUMERATE_BATCH, G_PRIORITY_DEFAULT,
                                      job->cancellable, enumerated, job);
}

static void
enumerate_started (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  GFileEnumerator *enumerator;

  enumerator = g_file_enumerate_children_finish (G_FILE (source), result, &error);
  if (_op_transfer_job_check_stopped (job, error))
    return;
  if (enumerator == NULL)
    {
      walk_remember_error (job, error);
      walk_dir_free (g_queue_pop_head (&job->walk->dirs));
      walk_next_dir (job);
      return;
    }
  g_file_enumerator_next_files_async (enumerator, ENUMERATE_BATCH, G_PRIORITY_DEFAULT,
                                      job->cancellable, enumerated, job);
}

static void
remote_dir_made (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Job *job = user_data;
  WalkDir *dir = g_queue_peek_head (&job->walk->dirs);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) local = NULL;

  if (!op_ftp_client_mkdir_finish (OP_FTP_CLIENT (source), result, &error) &&
      !g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_ALREADY_EXISTS))
    {
      if (_op_transfer_job_check_stopped (job, error))
        return;
      if (op_ftp_client_get_state (job->client) != OP_FTP_STATE_READY)
        {
          _op_transfer_job_finish (job, OUTCOME_FAILED, error);
          return;
        }
      /* Its files will fail one by one, each with the server's reason. */
      walk_remember_error (job, error);
    }
  local = g_file_new_for_path (dir->local);
  g_file_enumerate_children_async (local, LOCAL_ATTRIBUTES,
                                   G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, G_PRIORITY_DEFAULT,
                                   job->cancellable, enumerate_started, job);
}

static void
walk_next_dir (Job *job)
{
  WalkDir *dir = g_queue_peek_head (&job->walk->dirs);

  if (dir == NULL)
    {
      _op_transfer_job_finish (job, OUTCOME_WALKED, NULL);
      return;
    }
  if (op_transfer_item_get_direction (job->item) == OP_TRANSFER_DOWNLOAD)
    {
      g_autoptr(GFile) local = g_file_new_for_path (dir->local);

      g_file_make_directory_async (local, G_PRIORITY_DEFAULT, job->cancellable,
                                   local_dir_made, job);
    }
  else
    op_ftp_client_mkdir_async (job->client, dir->remote, job->cancellable, remote_dir_made,
                               job);
}

void
_op_transfer_walk_begin (Job *job)
{
  OpTransferQueue *self = job->queue;
  OpTransferWalk *walk;

  if (job->walk != NULL)
    {
      /* Back after _op_transfer_job_restart_fresh(): the folder at the head again. */
      walk_next_dir (job);
      return;
    }
  walk = g_new0 (OpTransferWalk, 1);

  g_queue_init (&walk->dirs);
  walk->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  walk->local_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < self->items->len; i++)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i);

      if (op_transfer_item_get_parent (item) == job->item)
        g_hash_table_insert (walk->known,
                             child_key (op_transfer_item_get_remote_path (item),
                                        op_transfer_item_get_local_path (item)),
                             g_object_ref (item));
    }
  walk_push_dir (walk, op_transfer_item_get_remote_path (job->item),
                 op_transfer_item_get_local_path (job->item));
  job->walk = walk;
  walk_next_dir (job);
}
