/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-transfer"

/* One running item of the transfer queue: its session, the look at source and target,
 * the overwrite decision and the transfer itself. */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>

#include "op-ftp-error.h"
#include "op-ftp-session-pool.h"
#include "op-ftp-site.h"
#include "op-transfer-item-private.h"
#include "op-transfer-queue-private.h"

/* NOOP this often on a session waiting for the user's overwrite decision. */
#define ASKING_KEEPALIVE_SECONDS 60

void
_op_transfer_job_free (Job *job)
{
  g_clear_object (&job->item);
  if (job->client != NULL)
    op_ftp_client_shutdown (job->client);
  g_clear_object (&job->client);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->remote_names, g_hash_table_unref);
  g_clear_error (&job->stat_error);
  g_clear_pointer (&job->walk, _op_transfer_walk_free);
  g_clear_object (&job->queue);
  g_free (job);
}

/* After these the session is still logged in and between commands: the server refused
 * one file (or we did), nothing broke on the wire. */
static gboolean
error_keeps_session (const GError *error)
{
  if (error == NULL)
    return TRUE;
  if (error->domain == OP_TRANSFER_QUEUE_ERROR)
    return TRUE;
  if (error->domain != OP_FTP_ERROR)
    return FALSE;
  switch (error->code)
    {
    case OP_FTP_ERROR_TRANSIENT:
    case OP_FTP_ERROR_PERMANENT:
    case OP_FTP_ERROR_PERMISSION_DENIED:
    case OP_FTP_ERROR_NOT_FOUND:
    case OP_FTP_ERROR_ALREADY_EXISTS:
    case OP_FTP_ERROR_DISK_FULL:
    case OP_FTP_ERROR_UNSUPPORTED:
    case OP_FTP_ERROR_INVALID_NAME:
      return TRUE;
    default:
      return FALSE;
    }
}

char *
_op_transfer_job_part_path (OpTransferItem *item)
{
  return g_strconcat (op_transfer_item_get_local_path (item), ".part", NULL);
}

/* Ends @job: the transfer succeeded, was skipped, failed with @error, or was stopped by
 * a pause or cancel (the item's state already says which). */
void
_op_transfer_job_finish (Job          *job,
            Outcome       outcome,
            const GError *error)
{
  OpTransferQueue *self = job->queue;
  OpTransferItem *item = g_object_ref (job->item);
  OpTransferState state = op_transfer_item_get_state (item);
  gboolean was_asking = self->asking == job;

  g_queue_remove (&self->ask_queue, job);
  if (was_asking)
    self->asking = NULL;

  /* The session goes back to the pool for the next item, unless it was stopped
   * half-way through a command or something broke on the wire. */
  if (job->client != NULL)
    {
      g_autoptr(OpFtpClient) client = g_steal_pointer (&job->client);
      gboolean reusable = job->stop == STOP_NONE &&
                          (outcome == OUTCOME_DONE || outcome == OUTCOME_SKIPPED ||
                           outcome == OUTCOME_WALKED ||
                           (outcome == OUTCOME_FAILED && error_keeps_session (error)));

      op_ftp_session_pool_release (self->pool, op_transfer_item_get_site (item), client,
                                   reusable);
    }

  g_object_ref (self);
  g_hash_table_remove (self->jobs, item);  /* frees job */
  job = NULL;

  switch (outcome)
    {
    case OUTCOME_DONE:
    case OUTCOME_SKIPPED:
      _op_transfer_item_set_resume (item, FALSE);
      _op_transfer_item_set_error (item, NULL);
      if (outcome == OUTCOME_DONE)
        _op_transfer_item_set_progress (item, op_transfer_item_get_size (item), 0, 0,
                                        op_transfer_item_get_files_total (item),
                                        op_transfer_item_get_files_total (item));
      _op_transfer_queue_set_item_state (self, item, outcome == OUTCOME_DONE ? OP_TRANSFER_STATE_DONE
                                                          : OP_TRANSFER_STATE_SKIPPED);
      break;

    case OUTCOME_WALKED:
      /* The folder stays RUNNING until its files are finished. */
      _op_transfer_item_set_resume (item, FALSE);
      _op_transfer_queue_update_folder (self, item);
      break;

    case OUTCOME_FAILED:
    case OUTCOME_STOPPED:
      if ((state == OP_TRANSFER_STATE_RUNNING || state == OP_TRANSFER_STATE_ASKING) &&
          outcome == OUTCOME_FAILED && _op_transfer_queue_retry_later (self, item, error))
        {
          /* Queued again; it starts after its pause (op-transfer-queue.c "Retries"). */
        }
      else if (state == OP_TRANSFER_STATE_RUNNING || state == OP_TRANSFER_STATE_ASKING)
        {
          /* Not stopped by the user: a real failure (or a cancel from elsewhere). */
          _op_transfer_item_set_error (item, error);
          _op_transfer_queue_set_item_state (self, item, OP_TRANSFER_STATE_FAILED);
        }
      else if (state == OP_TRANSFER_STATE_CANCELLED && _op_transfer_item_get_resume (item) &&
               op_transfer_item_get_direction (item) == OP_TRANSFER_DOWNLOAD &&
               !op_transfer_item_get_is_directory (item))
        {
          /* Cancelled for good: the half-downloaded file is not wanted. Only now, when
           * the session's worker has stopped writing it. */
          g_autofree char *part = _op_transfer_job_part_path (item);

          g_unlink (part);
          _op_transfer_item_set_resume (item, FALSE);
          _op_transfer_queue_schedule_save (self);
        }
      break;

    default:
      g_assert_not_reached ();
    }

  _op_transfer_queue_update_counts (self);
  _op_transfer_queue_schedule_pump (self);
  if (was_asking)
    _op_transfer_queue_ask_next (self);
  g_object_unref (item);
  g_object_unref (self);
}

gboolean
_op_transfer_job_check_stopped (Job          *job,
                                const GError *error)
{
  if (job->stop == STOP_NONE &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  _op_transfer_job_finish (job, OUTCOME_STOPPED, error);
  return TRUE;
}

static void
progress_cb (const OpFtpProgress *progress,
             gpointer             user_data)
{
  OpTransferItem *item = user_data;

  _op_transfer_item_set_progress (item, progress->bytes_done, progress->bytes_total,
                                  progress->bytes_per_second, progress->files_done,
                                  progress->files_total);
}

/* Data connections this session has made with its TLS session resumed (kept on the
 * client, which the pool passes from item to item). */
#define DATA_OK_KEY "outpost-transfer-data-ok"

void
_op_transfer_job_count_data_connection (OpFtpClient *client)
{
  guint n = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (client), DATA_OK_KEY));

  g_object_set_data (G_OBJECT (client), DATA_OK_KEY, GUINT_TO_POINTER (n + 1));
}

/*
 * ProFTPD (1.3.8, TLS 1.3) now and then refuses a data connection of a long-lived
 * control connection as "not reusing the control channel's TLS session" (425), after
 * accepting several from the same one. A session that resumed before is not at fault:
 * TRUE when @error is that refusal on such a session, and the job has not yet tried a
 * new one for it.
 */
gboolean
_op_transfer_job_refused_reuse (Job          *job,
                                const GError *error)
{
  return g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_TLS_SESSION_REUSE) &&
         !job->fresh_only && job->client != NULL &&
         g_object_get_data (G_OBJECT (job->client), DATA_OK_KEY) != NULL;
}

static void job_find_password (Job *job);

/* Drops the session and goes on from the start of the job on a new one. */
void
_op_transfer_job_restart_fresh (Job *job)
{
  g_autoptr(OpFtpClient) client = g_steal_pointer (&job->client);

  g_debug ("%s: the server refused TLS session reuse; going on with a new session",
           op_transfer_item_get_remote_path (job->item));
  op_ftp_session_pool_release (job->queue->pool, op_transfer_item_get_site (job->item),
                               client, FALSE);
  g_clear_pointer (&job->remote_names, g_hash_table_unref);
  g_clear_error (&job->stat_error);
  job->target_exists = FALSE;
  job->target_checked = FALSE;
  job->source_from_listing = FALSE;
  job->target_is_directory = FALSE;
  job->reuse_only = FALSE;
  job->fresh_only = TRUE;
  job_find_password (job);
}

static void
transfer_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Job *job = user_data;
  OpFtpClient *client = OP_FTP_CLIENT (source);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_async_result_is_tagged (result, op_ftp_client_download_async))
    ok = op_ftp_client_download_finish (client, result, &error);
  else
    ok = op_ftp_client_upload_finish (client, result, &error);

  if (ok)
    {
      _op_transfer_job_count_data_connection (client);
      _op_transfer_job_finish (job, OUTCOME_DONE, NULL);
    }
  else if (_op_transfer_job_check_stopped (job, error))
    return;
  else if (_op_transfer_job_refused_reuse (job, error))
    {
      /* Continue where it stopped (the target was begun) on the new session. */
      _op_transfer_job_restart_fresh (job);
    }
  else
    _op_transfer_job_finish (job, OUTCOME_FAILED, error);
}

static void
job_transfer (Job                *job,
              OpFtpTransferFlags  flags)
{
  OpTransferItem *item = job->item;
  g_autoptr(GFile) local = g_file_new_for_path (op_transfer_item_get_local_path (item));
  const char *remote = op_transfer_item_get_remote_path (item);
  OpAccount *site = op_transfer_item_get_site (item);

  if (!op_transfer_item_get_binary (item))
    flags |= op_ftp_site_transfer_flags_for_name (site, op_transfer_item_get_name (item));

  /* From here on a pause or a failure leaves a partial target to continue. */
  _op_transfer_item_set_resume (item, TRUE);
  _op_transfer_queue_schedule_save (job->queue);

  g_assert (!op_transfer_item_get_is_directory (item));
  /* The listing (or STAT) gave the size: no SIZE per file; a folder's listing gave the
   * time only when it was to the second (op-transfer-walk.c): no MDTM either. */
  if (op_transfer_item_get_direction (item) == OP_TRANSFER_DOWNLOAD && job->source.size >= 0)
    {
      const OpFileFacts *listed = _op_transfer_item_get_source_facts (item);

      op_ftp_client_download_known_async (job->client, remote, local, job->source.size,
                                          listed != NULL && listed->mtime > 0 ? listed->mtime : 0,
                                          flags, progress_cb, g_object_ref (item),
                                          g_object_unref, job->cancellable, transfer_done, job);
    }
  else if (op_transfer_item_get_direction (item) == OP_TRANSFER_DOWNLOAD)
    op_ftp_client_download_async (job->client, remote, local, flags, progress_cb,
                                  g_object_ref (item), g_object_unref,
                                  job->cancellable, transfer_done, job);
  else
    op_ftp_client_upload_async (job->client, local, remote, flags, progress_cb,
                                g_object_ref (item), g_object_unref,
                                job->cancellable, transfer_done, job);
}

static gboolean
local_name_taken (const char *name,
                  gpointer    user_data)
{
  const char *dir = user_data;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *part = g_strconcat (path, ".part", NULL);

  /* A small stat on the main thread (DESIGN.md allows small reads). */
  return g_file_test (path, G_FILE_TEST_EXISTS) || g_file_test (part, G_FILE_TEST_EXISTS);
}

static gboolean
remote_name_taken (const char *name,
                   gpointer    user_data)
{
  return g_hash_table_contains (user_data, name);
}

static char *
remote_parent (const char *path)
{
  const char *slash = strrchr (path, '/');

  if (slash == NULL)
    return g_strdup (".");
  if (slash == path)
    return g_strdup ("/");
  return g_strndup (path, slash - path);
}

static void
job_rename_and_transfer (Job *job)
{
  OpTransferItem *item = job->item;
  g_autofree char *name = NULL;
  g_autofree char *free_name = NULL;

  if (op_transfer_item_get_direction (item) == OP_TRANSFER_DOWNLOAD)
    {
      const char *path = op_transfer_item_get_local_path (item);
      g_autofree char *dir = g_path_get_dirname (path);

      name = g_path_get_basename (path);
      free_name = op_overwrite_free_name (name, local_name_taken, dir);
      if (free_name != NULL)
        {
          g_autofree char *new_path = g_build_filename (dir, free_name, NULL);

          _op_transfer_item_set_local_path (item, new_path);
        }
    }
  else
    {
      const char *path = op_transfer_item_get_remote_path (item);
      const char *slash = strrchr (path, '/');
      g_autofree char *dir = remote_parent (path);

      name = g_strdup (slash != NULL ? slash + 1 : path);
      free_name = op_overwrite_free_name (name, remote_name_taken, job->remote_names);
      if (free_name != NULL)
        {
          g_autofree char *new_path = NULL;

          if (strcmp (dir, ".") == 0)
            new_path = g_strdup (free_name);
          else if (strcmp (dir, "/") == 0)
            new_path = g_strconcat ("/", free_name, NULL);
          else
            new_path = g_strconcat (dir, "/", free_name, NULL);
          _op_transfer_item_set_remote_path (item, new_path);
        }
    }

  if (free_name == NULL)
    {
      g_autoptr(GError) error =
        g_error_new (OP_TRANSFER_QUEUE_ERROR, OP_TRANSFER_QUEUE_ERROR_NO_FREE_NAME,
                     _("No free name was found for “%s”: nothing was transferred."), name);
      _op_transfer_job_finish (job, OUTCOME_FAILED, error);
      return;
    }
  _op_transfer_queue_schedule_save (job->queue);
  job_transfer (job, OP_FTP_TRANSFER_DEFAULT);
}

static void
nlst_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  names = op_ftp_client_nlst_finish (OP_FTP_CLIENT (source), result, &error);
  if (_op_transfer_job_check_stopped (job, error))
    return;
  if (names == NULL)
    {
      _op_transfer_job_finish (job, OUTCOME_FAILED, error);
      return;
    }

  job->remote_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; names[i] != NULL; i++)
    {
      /* Some servers answer NLST with paths: keep the last component. */
      const char *slash = strrchr (names[i], '/');

      g_hash_table_add (job->remote_names, g_strdup (slash != NULL ? slash + 1 : names[i]));
    }
  job_rename_and_transfer (job);
}

void
_op_transfer_job_run_action (Job               *job,
                OpOverwriteChoice  choice)
{
  OpOverwriteAction action;

  action = op_overwrite_decide (&job->source, job->target_exists ? &job->target : NULL,
                                choice);
  switch (action)
    {
    case OP_OVERWRITE_ACTION_ASK:
      job->asking = TRUE;
      /* The user may take a while: keep the session from idling out meanwhile
       * (vsftpd's idle_session_timeout is 300 s by default). */
      op_ftp_client_set_keepalive_interval (job->client, ASKING_KEEPALIVE_SECONDS);
      _op_transfer_queue_set_item_state (job->queue, job->item, OP_TRANSFER_STATE_ASKING);
      g_queue_push_tail (&job->queue->ask_queue, job);
      _op_transfer_queue_ask_next (job->queue);
      break;

    case OP_OVERWRITE_ACTION_WRITE:
    case OP_OVERWRITE_ACTION_OVERWRITE:
      job_transfer (job, OP_FTP_TRANSFER_DEFAULT);
      break;

    case OP_OVERWRITE_ACTION_RESUME:
      if (op_transfer_item_get_direction (job->item) == OP_TRANSFER_DOWNLOAD &&
          !op_transfer_item_get_is_directory (job->item) && !job->target_is_directory)
        {
          /* The engine continues NAME.part (DESIGN.md "no data loss"): the existing
           * target becomes that part, and is renamed back when complete. */
          g_autofree char *part = _op_transfer_job_part_path (job->item);

          if (g_rename (op_transfer_item_get_local_path (job->item), part) != 0)
            {
              int saved_errno = errno;
              g_autoptr(GError) error =
                g_error_new (G_IO_ERROR, g_io_error_from_errno (saved_errno),
                             _("“%s” could not be resumed: %s"),
                             op_transfer_item_get_local_path (job->item),
                             g_strerror (saved_errno));

              _op_transfer_job_finish (job, OUTCOME_FAILED, error);
              break;
            }
        }
      job_transfer (job, OP_FTP_TRANSFER_RESUME);
      break;

    case OP_OVERWRITE_ACTION_SKIP:
      _op_transfer_job_finish (job, OUTCOME_SKIPPED, NULL);
      break;

    case OP_OVERWRITE_ACTION_RENAME:
      if (op_transfer_item_get_direction (job->item) == OP_TRANSFER_UPLOAD)
        {
          g_autofree char *dir = remote_parent (op_transfer_item_get_remote_path (job->item));

          op_ftp_client_nlst_async (job->client, dir, job->cancellable, nlst_done, job);
        }
      else
        job_rename_and_transfer (job);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* The choice that applies to @job without asking: its own, else its folder's, else the
 * batch's. */
OpOverwriteChoice
_op_transfer_job_standing_choice (Job *job)
{
  OpOverwriteChoice choice = op_transfer_item_get_overwrite (job->item);
  OpTransferItem *folder = op_transfer_item_get_parent (job->item);

  if (choice == OP_OVERWRITE_ASK && folder != NULL)
    choice = op_transfer_item_get_overwrite (folder);
  return choice != OP_OVERWRITE_ASK ? choice : job->queue->apply_to_all;
}

static void
job_decide (Job *job)
{
  if (_op_transfer_item_get_resume (job->item))
    {
      /* Our own partial target from an earlier run: continue it. */
      job_transfer (job, OP_FTP_TRANSFER_RESUME);
      return;
    }
  _op_transfer_job_run_action (job, _op_transfer_job_standing_choice (job));
}


static void
fill_facts_from_entry (OpFileFacts      *facts,
                       const OpFtpEntry *entry)
{
  facts->size = entry->size;
  facts->mtime = entry->time_precision != OP_FTP_TIME_NONE ? entry->mtime : -1;
}

static void
fill_facts_from_info (OpFileFacts *facts,
                      GFileInfo   *info)
{
  facts->size = g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY
                ? -1 : g_file_info_get_size (info);
  facts->mtime = g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_TIME_MODIFIED)
                 ? (gint64) g_file_info_get_attribute_uint64 (info,
                                                              G_FILE_ATTRIBUTE_TIME_MODIFIED)
                 : -1;
}

#define LOCAL_ATTRIBUTES G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE \
                         "," G_FILE_ATTRIBUTE_TIME_MODIFIED

/* Download: the local target's facts. */
static void remote_source_done (GObject      *source,
                                GAsyncResult *result,
                                gpointer      user_data);

static void
local_target_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = NULL;

  info = g_file_query_info_finish (G_FILE (source), result, &error);
  if (_op_transfer_job_check_stopped (job, error))
    return;
  if (info != NULL)
    {
      job->target_exists = TRUE;
      job->target_is_directory = g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY;
      fill_facts_from_info (&job->target, info);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      _op_transfer_job_finish (job, OUTCOME_FAILED, error);
      return;
    }
  job->target_checked = TRUE;
  /* The folder's listing gave the size but no time to the second (a Unix LIST): ask the
   * server for the time only when a decision needs it, the dialog or "if newer". */
  if (job->target_exists && job->source.mtime < 0 && job->source_from_listing)
    {
      OpOverwriteChoice choice = _op_transfer_job_standing_choice (job);

      job->source_from_listing = FALSE;
      if (!_op_transfer_item_get_resume (job->item) &&
          (choice == OP_OVERWRITE_ASK || choice == OP_OVERWRITE_OVERWRITE_IF_NEWER))
        {
          op_ftp_client_stat_async (job->client,
                                    op_transfer_item_get_remote_path (job->item),
                                    job->cancellable, remote_source_done, job);
          return;
        }
    }
  job_decide (job);
}

/* Download: look at the local target. */
static void
query_local_target (Job *job)
{
  g_autoptr(GFile) local = g_file_new_for_path (op_transfer_item_get_local_path (job->item));

  g_file_query_info_async (local, LOCAL_ATTRIBUTES, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                           G_PRIORITY_DEFAULT, job->cancellable, local_target_done, job);
}

/* Download: the source was not found; @result holds the server's refusal of SIZE. */
static void
remote_size_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  guint64 size;

  if (op_ftp_client_size_finish (OP_FTP_CLIENT (source), result, &size, &error) ||
      error == NULL || error->domain != OP_FTP_ERROR)
    {
      /* It appeared meanwhile, or the connection failed: report what stat said. */
      if (!_op_transfer_job_check_stopped (job, error))
        _op_transfer_job_finish (job, OUTCOME_FAILED, job->stat_error);
      return;
    }
  if (!_op_transfer_job_check_stopped (job, error))
    _op_transfer_job_finish (job, OUTCOME_FAILED, error);
}

/* Download: the remote source's facts. */
static void
remote_source_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpFtpEntry) entry = NULL;

  entry = op_ftp_client_stat_finish (OP_FTP_CLIENT (source), result, &error);
  if (_op_transfer_job_check_stopped (job, error))
    return;
  if (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND))
    {
      /* Without MLST the engine concludes "not found" from several replies; the user
       * should see the server's own words, so ask once more in the way a download
       * would (SIZE) and report that refusal. */
      job->stat_error = g_steal_pointer (&error);
      op_ftp_client_size_async (job->client, op_transfer_item_get_remote_path (job->item),
                                job->cancellable, remote_size_done, job);
      return;
    }
  if (entry == NULL)
    {
      _op_transfer_job_finish (job, OUTCOME_FAILED, error);
      return;
    }
  fill_facts_from_entry (&job->source, entry);
  if (job->source.size > 0 && !op_transfer_item_get_is_directory (job->item))
    _op_transfer_item_set_size (job->item, job->source.size);
  if (job->target_checked)
    job_decide (job);
  else
    query_local_target (job);
}

/* Upload: the remote target's facts. */
static void
remote_target_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpFtpEntry) entry = NULL;

  entry = op_ftp_client_stat_finish (OP_FTP_CLIENT (source), result, &error);
  if (_op_transfer_job_check_stopped (job, error))
    return;
  if (entry != NULL)
    {
      job->target_exists = TRUE;
      job->target_is_directory = entry->type == OP_FTP_ENTRY_DIRECTORY;
      fill_facts_from_entry (&job->target, entry);
    }
  else if (!g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND))
    {
      _op_transfer_job_finish (job, OUTCOME_FAILED, error);
      return;
    }
  job_decide (job);
}

/* Upload: the local source's facts. */
static void
local_source_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = NULL;

  info = g_file_query_info_finish (G_FILE (source), result, &error);
  if (_op_transfer_job_check_stopped (job, error))
    return;
  if (info == NULL)
    {
      _op_transfer_job_finish (job, OUTCOME_FAILED, error);
      return;
    }
  fill_facts_from_info (&job->source, info);
  if (job->source.size > 0 && !op_transfer_item_get_is_directory (job->item))
    _op_transfer_item_set_size (job->item, job->source.size);

  op_ftp_client_stat_async (job->client, op_transfer_item_get_remote_path (job->item),
                            job->cancellable, remote_target_done, job);
}

static void
connect_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  const OpFileFacts *facts;

  job->client = op_ftp_session_pool_acquire_finish (OP_FTP_SESSION_POOL (source), result,
                                                    &error);
  if (job->client == NULL)
    {
      if (_op_transfer_job_check_stopped (job, error))
        return;
      if (job->reuse_only && g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_CONNECTED))
        {
          /* The idle session had gone: log in afresh, which needs the password. */
          job->reuse_only = FALSE;
          job_find_password (job);
          return;
        }
      _op_transfer_job_finish (job, OUTCOME_FAILED, error);
      return;
    }
  if (_op_transfer_job_check_stopped (job, NULL))
    return;

  job->source = (OpFileFacts) { -1, -1 };
  job->target = (OpFileFacts) { -1, -1 };
  facts = _op_transfer_item_get_source_facts (job->item);

  if (op_transfer_item_get_is_directory (job->item))
    _op_transfer_walk_begin (job);  /* or goes on, on a new session */
  else if (op_transfer_item_get_direction (job->item) == OP_TRANSFER_DOWNLOAD &&
           facts != NULL && facts->size >= 0)
    {
      /* The folder's listing said enough: no STAT per file (the time, when the listing
       * lacked it and a decision needs it, is asked for after the local look). */
      job->source = *facts;
      job->source_from_listing = TRUE;
      query_local_target (job);
    }
  else if (op_transfer_item_get_direction (job->item) == OP_TRANSFER_DOWNLOAD)
    op_ftp_client_stat_async (job->client, op_transfer_item_get_remote_path (job->item),
                              job->cancellable, remote_source_done, job);
  else
    {
      g_autoptr(GFile) local = g_file_new_for_path (op_transfer_item_get_local_path (job->item));

      g_file_query_info_async (local, LOCAL_ATTRIBUTES, G_FILE_QUERY_INFO_NONE,
                               G_PRIORITY_DEFAULT, job->cancellable, local_source_done, job);
    }
}

static void
job_connect (Job        *job,
             const char *password)
{
  OpAccount *site = op_transfer_item_get_site (job->item);

  OpFtpAcquireFlags flags = OP_FTP_ACQUIRE_REUSE | OP_FTP_ACQUIRE_CONNECT;

  if (job->reuse_only)
    flags = OP_FTP_ACQUIRE_REUSE;
  else if (job->fresh_only)
    flags = OP_FTP_ACQUIRE_CONNECT;
  op_ftp_session_pool_acquire_async (job->queue->pool, site, password, flags,
                                     job->cancellable, connect_done, job);
}

static void
password_lookup_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  char *password;

  password = op_ftp_site_lookup_password_finish (result, &error);
  if (_op_transfer_job_check_stopped (job, error))
    {
      op_secrets_password_free (password);
      return;
    }
  if (password == NULL)
    {
      OpAccount *site = op_transfer_item_get_site (job->item);

      g_set_error (&error, OP_TRANSFER_QUEUE_ERROR, OP_TRANSFER_QUEUE_ERROR_NO_PASSWORD,
                   _("The password for %s on %s is not known: connect to the site again, "
                     "then retry."),
                   op_ftp_site_get_login_user (site), op_account_get_host (site));
      _op_transfer_job_finish (job, OUTCOME_FAILED, error);
      return;
    }
  job_connect (job, password);
  op_secrets_password_free (password);
}

/* A new session needs the password: from this run's memory, else the keyring. */
static void
job_find_password (Job *job)
{
  OpTransferQueue *self = job->queue;
  OpAccount *site = op_transfer_item_get_site (job->item);
  g_autofree char *key = _op_transfer_queue_password_key (site);
  const char *password = g_hash_table_lookup (self->passwords, key);

  if (op_ftp_site_get_logon_type (site) == OP_FTP_LOGON_ANONYMOUS || password != NULL)
    {
      job_connect (job, password);
      return;
    }
  if (self->secrets == NULL)
    self->secrets = g_object_ref (op_secrets_get_default ());
  op_ftp_site_lookup_password_async (site, self->secrets, job->cancellable,
                                     password_lookup_done, job);
}

void
_op_transfer_job_start (OpTransferQueue *self,
                        OpTransferItem  *item)
{
  Job *job;

  job = g_new0 (Job, 1);
  job->queue = g_object_ref (self);
  job->item = g_object_ref (item);
  job->cancellable = g_cancellable_new ();
  g_hash_table_insert (self->jobs, item, job);

  _op_transfer_item_set_error (item, NULL);
  _op_transfer_queue_set_item_state (self, item, OP_TRANSFER_STATE_RUNNING);

  /* A session left by the previous item needs no password and no login. */
  if (op_ftp_session_pool_has_idle (self->pool, op_transfer_item_get_site (item)))
    {
      job->reuse_only = TRUE;
      job_connect (job, NULL);
      return;
    }
  job_find_password (job);
}
