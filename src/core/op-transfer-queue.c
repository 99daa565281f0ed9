/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-transfer"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>

#include "op-ftp-client.h"
#include "op-ftp-site.h"
#include "op-profile.h"
#include "op-transfer-item-private.h"
#include "op-transfer-queue.h"

#define STATE_GROUP_HEADER "Outpost"
#define STATE_VERSION      1
#define STATE_GROUP_PREFIX "Transfer "
/* Saving waits this long for more changes, so a batch of 1,000 items is one write. */
#define SAVE_DELAY_MS      500
/* A state file this large is not ours: refuse it rather than read it into memory. */
#define STATE_FILE_MAX     (16 * 1024 * 1024)
/* NOOP this often on a session waiting for the user's overwrite decision. */
#define ASKING_KEEPALIVE_SECONDS 60

G_DEFINE_QUARK (op-transfer-queue-error-quark, op_transfer_queue_error)

G_DEFINE_BOXED_TYPE (OpTransferConflict, op_transfer_conflict,
                     op_transfer_conflict_copy, op_transfer_conflict_free)

OpTransferConflict *
op_transfer_conflict_copy (const OpTransferConflict *conflict)
{
  OpTransferConflict *copy;

  g_return_val_if_fail (conflict != NULL, NULL);

  copy = g_new (OpTransferConflict, 1);
  *copy = *conflict;
  copy->target_path = g_strdup (conflict->target_path);
  return copy;
}

void
op_transfer_conflict_free (OpTransferConflict *conflict)
{
  if (conflict == NULL)
    return;
  g_free (conflict->target_path);
  g_free (conflict);
}

typedef enum
{
  STOP_NONE,
  STOP_PAUSE,
  STOP_CANCEL,
} StopReason;

/* One running item: its session and what was learnt about source and target. */
typedef struct
{
  OpTransferQueue    *queue;
  OpTransferItem     *item;
  OpFtpClient        *client;
  GCancellable       *cancellable;
  StopReason          stop;
  gboolean            asking;
  OpFileFacts         source;
  OpFileFacts         target;
  gboolean            target_exists;
  gboolean            target_is_directory;
  GHashTable         *remote_names;  /* for Rename on upload */
  GError             *stat_error;
} Job;

struct _OpTransferQueue
{
  GObject            parent_instance;

  GFile             *state_file;
  GPtrArray         *items;       /* OpTransferItem */
  GHashTable        *jobs;        /* OpTransferItem → Job */
  GQueue             ask_queue;   /* Job waiting to ask, the asking one first */
  Job               *asking;      /* the job whose ::conflict is outstanding */
  guint              max_parallel;
  OpOverwriteChoice  apply_to_all;
  OpTlsVerifier     *verifier;
  OpSecrets         *secrets;
  GHashTable        *passwords;   /* "host\nport\nuser" → password */
  guint              pump_id;
  guint              save_id;
  gboolean           saving;
  gboolean           save_again;
  guint64            generation;          /* of the last snapshot taken (main thread) */
  GMutex             write_lock;
  guint64            written_generation;  /* of the snapshot on disk (under write_lock) */
  guint              n_active;
  guint              n_queued;
};

enum
{
  PROP_0,
  PROP_MAX_PARALLEL,
  PROP_N_ACTIVE,
  PROP_N_QUEUED,
  PROP_APPLY_TO_ALL,
  N_PROPS
};

enum
{
  SIGNAL_CONFLICT,
  SIGNAL_ITEM_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void op_transfer_queue_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OpTransferQueue, op_transfer_queue, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      op_transfer_queue_list_model_init))

static void schedule_pump   (OpTransferQueue *self);
static void schedule_save   (OpTransferQueue *self);
static void job_run_action  (Job             *job,
                             OpOverwriteChoice choice);
static void ask_next        (OpTransferQueue *self);

/* GListModel */

static GType
op_transfer_queue_get_item_type (GListModel *model)
{
  return OP_TYPE_TRANSFER_ITEM;
}

static guint
op_transfer_queue_get_n_items (GListModel *model)
{
  return OP_TRANSFER_QUEUE (model)->items->len;
}

static gpointer
op_transfer_queue_get_item (GListModel *model,
                            guint       position)
{
  OpTransferQueue *self = OP_TRANSFER_QUEUE (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
op_transfer_queue_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = op_transfer_queue_get_item_type;
  iface->get_n_items = op_transfer_queue_get_n_items;
  iface->get_item = op_transfer_queue_get_item;
}

/* Counts */

static void
update_counts (OpTransferQueue *self)
{
  guint n_active = g_hash_table_size (self->jobs);
  guint n_queued = 0;

  for (guint i = 0; i < self->items->len; i++)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i);

      if (op_transfer_item_get_state (item) == OP_TRANSFER_STATE_QUEUED)
        n_queued++;
    }

  if (self->n_active != n_active)
    {
      self->n_active = n_active;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ACTIVE]);
    }
  if (self->n_queued != n_queued)
    {
      self->n_queued = n_queued;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_QUEUED]);
    }
  /* The end of a batch: "apply to all" was for it only. */
  if (n_active == 0 && n_queued == 0)
    op_transfer_queue_forget_apply_to_all (self);
}

static void
set_item_state (OpTransferQueue *self,
                OpTransferItem  *item,
                OpTransferState  state)
{
  OpTransferState old = op_transfer_item_get_state (item);

  if (old == state)
    return;
  _op_transfer_item_set_state (item, state);
  if (state != OP_TRANSFER_STATE_RUNNING && state != OP_TRANSFER_STATE_ASKING)
    _op_transfer_item_stop_meter (item);
  update_counts (self);
  schedule_save (self);
  if (op_transfer_state_is_finished (state))
    g_signal_emit (self, signals[SIGNAL_ITEM_FINISHED], 0, item);
}

/* Passwords */

static char *
password_key (OpAccount *site)
{
  return g_strdup_printf ("%s\n%u\n%s", op_account_get_host (site),
                          op_ftp_site_get_effective_port (site),
                          op_ftp_site_get_login_user (site));
}

/* Jobs */

static void
job_free (Job *job)
{
  g_clear_object (&job->item);
  if (job->client != NULL)
    op_ftp_client_shutdown (job->client);
  g_clear_object (&job->client);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->remote_names, g_hash_table_unref);
  g_clear_error (&job->stat_error);
  g_clear_object (&job->queue);
  g_free (job);
}

static void
quit_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  OpFtpClient *client = OP_FTP_CLIENT (source);

  op_ftp_client_quit_finish (client, result, NULL);
  op_ftp_client_shutdown (client);
  g_object_unref (client);
}

static char *
part_path (OpTransferItem *item)
{
  return g_strconcat (op_transfer_item_get_local_path (item), ".part", NULL);
}

typedef enum
{
  OUTCOME_DONE,
  OUTCOME_SKIPPED,
  OUTCOME_FAILED,
  OUTCOME_STOPPED,
} Outcome;

/* Ends @job: the transfer succeeded, was skipped, failed with @error, or was stopped by
 * a pause or cancel (the item's state already says which). */
static void
job_finish (Job          *job,
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

  /* QUIT politely in the background; the session is not needed any more. */
  if (job->client != NULL && op_ftp_client_get_state (job->client) != OP_FTP_STATE_DISCONNECTED)
    {
      OpFtpClient *client = g_steal_pointer (&job->client);

      op_ftp_client_quit_async (client, NULL, quit_done, client);
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
      set_item_state (self, item, outcome == OUTCOME_DONE ? OP_TRANSFER_STATE_DONE
                                                          : OP_TRANSFER_STATE_SKIPPED);
      break;

    case OUTCOME_FAILED:
    case OUTCOME_STOPPED:
      if (state == OP_TRANSFER_STATE_RUNNING || state == OP_TRANSFER_STATE_ASKING)
        {
          /* Not stopped by the user: a real failure (or a cancel from elsewhere). */
          _op_transfer_item_set_error (item, error);
          set_item_state (self, item, OP_TRANSFER_STATE_FAILED);
        }
      else if (state == OP_TRANSFER_STATE_CANCELLED && _op_transfer_item_get_resume (item) &&
               op_transfer_item_get_direction (item) == OP_TRANSFER_DOWNLOAD &&
               !op_transfer_item_get_is_directory (item))
        {
          /* Cancelled for good: the half-downloaded file is not wanted. Only now, when
           * the session's worker has stopped writing it. */
          g_autofree char *part = part_path (item);

          g_unlink (part);
          _op_transfer_item_set_resume (item, FALSE);
          schedule_save (self);
        }
      break;

    default:
      g_assert_not_reached ();
    }

  update_counts (self);
  schedule_pump (self);
  if (was_asking)
    ask_next (self);
  g_object_unref (item);
  g_object_unref (self);
}

/* TRUE when the job was stopped (paused or cancelled) and has been finished. */
static gboolean
job_check_stopped (Job          *job,
                   const GError *error)
{
  if (job->stop == STOP_NONE &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  job_finish (job, OUTCOME_STOPPED, error);
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
  else if (g_async_result_is_tagged (result, op_ftp_client_upload_async))
    ok = op_ftp_client_upload_finish (client, result, &error);
  else if (g_async_result_is_tagged (result, op_ftp_client_download_tree_async))
    ok = op_ftp_client_download_tree_finish (client, result, &error);
  else
    ok = op_ftp_client_upload_tree_finish (client, result, &error);

  if (ok)
    job_finish (job, OUTCOME_DONE, NULL);
  else if (!job_check_stopped (job, error))
    job_finish (job, OUTCOME_FAILED, error);
}

static void
job_transfer (Job                *job,
              OpFtpTransferFlags  flags)
{
  OpTransferItem *item = job->item;
  g_autoptr(GFile) local = g_file_new_for_path (op_transfer_item_get_local_path (item));
  const char *remote = op_transfer_item_get_remote_path (item);
  OpAccount *site = op_transfer_item_get_site (item);

  if (!op_transfer_item_get_is_directory (item))
    flags |= op_ftp_site_transfer_flags_for_name (site, op_transfer_item_get_name (item));

  /* From here on a pause or a failure leaves a partial target to continue. */
  _op_transfer_item_set_resume (item, TRUE);
  schedule_save (job->queue);

  switch ((op_transfer_item_get_direction (item) << 1) | op_transfer_item_get_is_directory (item))
    {
    case (OP_TRANSFER_DOWNLOAD << 1) | FALSE:
      op_ftp_client_download_async (job->client, remote, local, flags, progress_cb,
                                    g_object_ref (item), g_object_unref,
                                    job->cancellable, transfer_done, job);
      break;
    case (OP_TRANSFER_DOWNLOAD << 1) | TRUE:
      op_ftp_client_download_tree_async (job->client, remote, local, flags, progress_cb,
                                         g_object_ref (item), g_object_unref,
                                         job->cancellable, transfer_done, job);
      break;
    case (OP_TRANSFER_UPLOAD << 1) | FALSE:
      op_ftp_client_upload_async (job->client, local, remote, flags, progress_cb,
                                  g_object_ref (item), g_object_unref,
                                  job->cancellable, transfer_done, job);
      break;
    default:
      op_ftp_client_upload_tree_async (job->client, local, remote, flags, progress_cb,
                                       g_object_ref (item), g_object_unref,
                                       job->cancellable, transfer_done, job);
      break;
    }
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
      job_finish (job, OUTCOME_FAILED, error);
      return;
    }
  schedule_save (job->queue);
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
  if (job_check_stopped (job, error))
    return;
  if (names == NULL)
    {
      job_finish (job, OUTCOME_FAILED, error);
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

static void
job_run_action (Job               *job,
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
      set_item_state (job->queue, job->item, OP_TRANSFER_STATE_ASKING);
      g_queue_push_tail (&job->queue->ask_queue, job);
      ask_next (job->queue);
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
          g_autofree char *part = part_path (job->item);

          if (g_rename (op_transfer_item_get_local_path (job->item), part) != 0)
            {
              int saved_errno = errno;
              g_autoptr(GError) error =
                g_error_new (G_IO_ERROR, g_io_error_from_errno (saved_errno),
                             _("“%s” could not be resumed: %s"),
                             op_transfer_item_get_local_path (job->item),
                             g_strerror (saved_errno));

              job_finish (job, OUTCOME_FAILED, error);
              break;
            }
        }
      job_transfer (job, OP_FTP_TRANSFER_RESUME);
      break;

    case OP_OVERWRITE_ACTION_SKIP:
      job_finish (job, OUTCOME_SKIPPED, NULL);
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

/* The choice that applies to @job without asking: its own, else the batch's. */
static OpOverwriteChoice
job_standing_choice (Job *job)
{
  OpOverwriteChoice choice = op_transfer_item_get_overwrite (job->item);

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
  job_run_action (job, job_standing_choice (job));
}

/* One question at a time, so "apply to all" can answer the ones waiting behind it. */
static void
ask_next (OpTransferQueue *self)
{
  while (self->asking == NULL && !g_queue_is_empty (&self->ask_queue))
    {
      Job *job = g_queue_peek_head (&self->ask_queue);
      OpOverwriteChoice choice = job_standing_choice (job);
      g_autoptr(OpTransferConflict) conflict = NULL;
      gboolean handled = FALSE;

      if (choice != OP_OVERWRITE_ASK)
        {
          /* Answered meanwhile by "apply to all". */
          g_queue_pop_head (&self->ask_queue);
          job->asking = FALSE;
          op_ftp_client_set_keepalive_interval (job->client, 0);
          set_item_state (self, job->item, OP_TRANSFER_STATE_RUNNING);
          job_run_action (job, choice);
          continue;
        }

      conflict = g_new0 (OpTransferConflict, 1);
      conflict->target_path = g_strdup (op_transfer_item_get_direction (job->item) ==
                                        OP_TRANSFER_DOWNLOAD
                                        ? op_transfer_item_get_local_path (job->item)
                                        : op_transfer_item_get_remote_path (job->item));
      conflict->source = job->source;
      conflict->target = job->target;
      conflict->is_directory = job->target_is_directory;

      self->asking = job;
      g_signal_emit (self, signals[SIGNAL_CONFLICT], 0, job->item, conflict, &handled);
      if (!handled && self->asking == job)
        {
          g_autoptr(GError) error =
            g_error_new (OP_TRANSFER_QUEUE_ERROR, OP_TRANSFER_QUEUE_ERROR_TARGET_EXISTS,
                         _("“%s” exists already and nobody decided whether to replace it: "
                           "it was left alone."), conflict->target_path);

          job_finish (job, OUTCOME_FAILED, error);
        }
    }
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
static void
local_target_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = NULL;

  info = g_file_query_info_finish (G_FILE (source), result, &error);
  if (job_check_stopped (job, error))
    return;
  if (info != NULL)
    {
      job->target_exists = TRUE;
      job->target_is_directory = g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY;
      fill_facts_from_info (&job->target, info);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      job_finish (job, OUTCOME_FAILED, error);
      return;
    }
  job_decide (job);
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
      if (!job_check_stopped (job, error))
        job_finish (job, OUTCOME_FAILED, job->stat_error);
      return;
    }
  if (!job_check_stopped (job, error))
    job_finish (job, OUTCOME_FAILED, error);
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
  g_autoptr(GFile) local = NULL;

  entry = op_ftp_client_stat_finish (OP_FTP_CLIENT (source), result, &error);
  if (job_check_stopped (job, error))
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
      job_finish (job, OUTCOME_FAILED, error);
      return;
    }
  fill_facts_from_entry (&job->source, entry);
  if (job->source.size > 0 && !op_transfer_item_get_is_directory (job->item))
    _op_transfer_item_set_size (job->item, job->source.size);

  local = g_file_new_for_path (op_transfer_item_get_local_path (job->item));
  g_file_query_info_async (local, LOCAL_ATTRIBUTES, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                           G_PRIORITY_DEFAULT, job->cancellable, local_target_done, job);
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
  if (job_check_stopped (job, error))
    return;
  if (entry != NULL)
    {
      job->target_exists = TRUE;
      job->target_is_directory = entry->type == OP_FTP_ENTRY_DIRECTORY;
      fill_facts_from_entry (&job->target, entry);
    }
  else if (!g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND))
    {
      job_finish (job, OUTCOME_FAILED, error);
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
  if (job_check_stopped (job, error))
    return;
  if (info == NULL)
    {
      job_finish (job, OUTCOME_FAILED, error);
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

  if (!op_ftp_client_connect_finish (OP_FTP_CLIENT (source), result, &error))
    {
      if (!job_check_stopped (job, error))
        job_finish (job, OUTCOME_FAILED, error);
      return;
    }
  if (job_check_stopped (job, NULL))
    return;

  job->source = (OpFileFacts) { -1, -1 };
  job->target = (OpFileFacts) { -1, -1 };

  if (op_transfer_item_get_direction (job->item) == OP_TRANSFER_DOWNLOAD)
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

  job->client = op_ftp_site_new_client (site, job->queue->verifier);
  op_ftp_client_connect_async (job->client, op_ftp_site_get_login_user (site), password,
                               NULL, job->cancellable, connect_done, job);
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
  if (job_check_stopped (job, error))
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
      job_finish (job, OUTCOME_FAILED, error);
      return;
    }
  job_connect (job, password);
  op_secrets_password_free (password);
}

static void
start_item (OpTransferQueue *self,
            OpTransferItem  *item)
{
  OpAccount *site = op_transfer_item_get_site (item);
  g_autofree char *key = NULL;
  const char *password;
  Job *job;

  job = g_new0 (Job, 1);
  job->queue = g_object_ref (self);
  job->item = g_object_ref (item);
  job->cancellable = g_cancellable_new ();
  g_hash_table_insert (self->jobs, item, job);

  _op_transfer_item_set_error (item, NULL);
  set_item_state (self, item, OP_TRANSFER_STATE_RUNNING);

  key = password_key (site);
  password = g_hash_table_lookup (self->passwords, key);
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

/* Sessions open to @site's server as @site's user: the site's max-connections counts
 * them all, whichever saved site or quick connection opened them. */
static guint
sessions_for_site (OpTransferQueue *self,
                   OpAccount       *site)
{
  g_autofree char *key = password_key (site);
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Job *job = value;
      g_autofree char *other = password_key (op_transfer_item_get_site (job->item));

      if (strcmp (key, other) == 0)
        n++;
    }
  return n;
}

static gboolean
pump (gpointer user_data)
{
  OpTransferQueue *self = user_data;

  self->pump_id = 0;

  for (guint i = 0; i < self->items->len && g_hash_table_size (self->jobs) < self->max_parallel;
       i++)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i);
      OpAccount *site = op_transfer_item_get_site (item);

      /* An item paused and resumed while its old session still winds down waits, and so
       * does one whose server already has the site's maximum of connections. */
      if (op_transfer_item_get_state (item) == OP_TRANSFER_STATE_QUEUED &&
          !g_hash_table_contains (self->jobs, item) &&
          sessions_for_site (self, site) < op_ftp_site_get_max_connections (site))
        start_item (self, item);
    }

  update_counts (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_pump (OpTransferQueue *self)
{
  if (self->pump_id == 0)
    self->pump_id = g_idle_add_full (G_PRIORITY_DEFAULT, pump, self, NULL);
}

/* Persistence */

static const char *
enum_nick (GType type,
           int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *found = g_enum_get_value (klass, value);

  return found != NULL ? found->value_nick : NULL;
}

static gboolean
enum_value (GType       type,
            const char *nick,
            int        *value)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *found;

  if (nick == NULL)
    return FALSE;
  klass = g_type_class_ref (type);
  found = g_enum_get_value_by_nick (klass, nick);
  if (found == NULL)
    return FALSE;
  *value = found->value;
  return TRUE;
}

/* The site keys saved with each item: what connecting needs, never a password. */
static const char * const site_extra_keys[] = {
  "logon-type", "charset", "data-mode", "transfer-type", "max-connections", NULL
};

static char *
serialize (OpTransferQueue *self,
           gsize           *length)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();

  g_key_file_set_integer (key_file, STATE_GROUP_HEADER, "version", STATE_VERSION);
  for (guint i = 0; i < self->items->len; i++)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i);
      OpAccount *site = op_transfer_item_get_site (item);
      g_autofree char *group = NULL;

      if (op_transfer_state_is_finished (op_transfer_item_get_state (item)))
        continue;

      group = g_strconcat (STATE_GROUP_PREFIX, op_transfer_item_get_id (item), NULL);
      g_key_file_set_string (key_file, group, "direction",
                             enum_nick (OP_TYPE_TRANSFER_DIRECTION,
                                        op_transfer_item_get_direction (item)));
      g_key_file_set_boolean (key_file, group, "directory",
                              op_transfer_item_get_is_directory (item));
      g_key_file_set_string (key_file, group, "local-path",
                             op_transfer_item_get_local_path (item));
      g_key_file_set_string (key_file, group, "remote-path",
                             op_transfer_item_get_remote_path (item));
      g_key_file_set_uint64 (key_file, group, "size", op_transfer_item_get_size (item));
      g_key_file_set_uint64 (key_file, group, "bytes-done",
                             op_transfer_item_get_bytes_done (item));
      g_key_file_set_string (key_file, group, "overwrite",
                             op_overwrite_choice_to_string (op_transfer_item_get_overwrite (item)));
      g_key_file_set_boolean (key_file, group, "resume", _op_transfer_item_get_resume (item));

      g_key_file_set_string (key_file, group, "site-id", op_account_get_id (site));
      if (op_account_get_name (site) != NULL)
        g_key_file_set_string (key_file, group, "site-name", op_account_get_name (site));
      g_key_file_set_string (key_file, group, "host", op_account_get_host (site));
      g_key_file_set_integer (key_file, group, "port", op_account_get_port (site));
      if (op_account_get_user (site) != NULL)
        g_key_file_set_string (key_file, group, "user", op_account_get_user (site));
      g_key_file_set_string (key_file, group, "security",
                             op_security_to_string (op_account_get_security (site)));
      g_key_file_set_boolean (key_file, group, "allow-plaintext-password",
                              op_account_get_allow_plaintext_password (site));
      for (guint k = 0; site_extra_keys[k] != NULL; k++)
        {
          const char *value = op_account_get_extra (site, site_extra_keys[k]);

          if (value != NULL)
            g_key_file_set_string (key_file, group, site_extra_keys[k], value);
        }
    }
  return g_key_file_to_data (key_file, length, NULL);
}

typedef struct
{
  char    *path;
  char    *data;
  gsize    length;
  guint64  generation;
} SaveData;

/* Writes one snapshot unless a newer one is on disk already: a background write that
 * finishes after op_transfer_queue_save() must not put older contents back. */
static gboolean
write_snapshot (OpTransferQueue  *self,
                const char       *path,
                const char       *data,
                gsize             length,
                guint64           generation,
                GError          **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->write_lock);

  if (generation <= self->written_generation)
    return TRUE;
  if (!op_profile_write_private_file (path, data, length, error))
    return FALSE;
  self->written_generation = generation;
  return TRUE;
}

static void
save_data_free (SaveData *data)
{
  g_free (data->path);
  g_free (data->data);
  g_free (data);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *data = task_data;
  GError *error = NULL;

  if (write_snapshot (source_object, data->path, data->data, data->length, data->generation,
                      &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
save_thread_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  OpTransferQueue *self = OP_TRANSFER_QUEUE (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("Could not save the transfer queue: %s", error->message);
  self->saving = FALSE;
  if (self->save_again)
    {
      self->save_again = FALSE;
      schedule_save (self);
    }
}

static gboolean
save_timeout (gpointer user_data)
{
  OpTransferQueue *self = user_data;
  g_autoptr(GTask) task = NULL;
  SaveData *data;

  self->save_id = 0;
  if (self->saving)
    {
      /* One write at a time, in order: the next starts when this one is done. */
      self->save_again = TRUE;
      return G_SOURCE_REMOVE;
    }

  data = g_new0 (SaveData, 1);
  data->path = g_file_get_path (self->state_file);
  data->data = serialize (self, &data->length);
  data->generation = ++self->generation;
  self->saving = TRUE;
  task = g_task_new (self, NULL, save_thread_done, NULL);
  g_task_set_source_tag (task, save_timeout);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  g_task_run_in_thread (task, save_thread);
  return G_SOURCE_REMOVE;
}

static void
schedule_save (OpTransferQueue *self)
{
  if (self->state_file == NULL || self->save_id != 0)
    return;
  self->save_id = g_timeout_add (SAVE_DELAY_MS, save_timeout, self);
}

gboolean
op_transfer_queue_save (OpTransferQueue  *self,
                        GError          **error)
{
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);

  if (self->state_file == NULL)
    return TRUE;
  g_clear_handle_id (&self->save_id, g_source_remove);
  path = g_file_get_path (self->state_file);
  data = serialize (self, &length);
  return write_snapshot (self, path, data, length, ++self->generation, error);
}

static OpAccount *
load_site (GKeyFile   *key_file,
           const char *group,
           OpAccounts *accounts)
{
  g_autofree char *site_id = g_key_file_get_string (key_file, group, "site-id", NULL);
  g_autofree char *host = g_key_file_get_string (key_file, group, "host", NULL);
  g_autofree char *name = g_key_file_get_string (key_file, group, "site-name", NULL);
  g_autofree char *user = g_key_file_get_string (key_file, group, "user", NULL);
  g_autofree char *security_name = g_key_file_get_string (key_file, group, "security", NULL);
  g_autoptr(OpAccount) site = NULL;
  g_autoptr(GError) error = NULL;
  OpSecurity security;
  gint64 port;

  if (accounts != NULL && site_id != NULL)
    {
      OpAccount *known = op_accounts_lookup (accounts, site_id);

      if (known != NULL && op_ftp_site_is_site (known))
        return g_object_ref (known);
    }

  port = g_key_file_get_int64 (key_file, group, "port", &error);
  if (host == NULL || host[0] == '\0' || error != NULL || port < 0 || port > G_MAXUINT16 ||
      !op_security_from_string (security_name, &security))
    return NULL;

  site = op_ftp_site_new ();
  op_account_set_name (site, name != NULL ? name : host);
  op_account_set_host (site, host);
  op_account_set_port (site, (guint16) port);
  op_account_set_user (site, user);
  op_account_set_security (site, security);
  op_account_set_allow_plaintext_password (site,
    g_key_file_get_boolean (key_file, group, "allow-plaintext-password", NULL));
  for (guint k = 0; site_extra_keys[k] != NULL; k++)
    {
      g_autofree char *value = g_key_file_get_string (key_file, group, site_extra_keys[k],
                                                      NULL);

      if (value != NULL)
        op_account_set_extra (site, site_extra_keys[k], value);
    }
  return g_steal_pointer (&site);
}

gboolean
op_transfer_queue_load (OpTransferQueue  *self,
                        OpAccounts       *accounts,
                        GError          **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) groups = NULL;
  gsize length;
  guint first;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  g_return_val_if_fail (accounts == NULL || OP_IS_ACCOUNTS (accounts), FALSE);

  if (self->state_file == NULL)
    return TRUE;
  path = g_file_get_path (self->state_file);
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The saved transfer queue could not be read: %s"), local_error->message);
      return FALSE;
    }
  if (length > STATE_FILE_MAX ||
      !g_key_file_load_from_data (key_file, contents, length, G_KEY_FILE_NONE, &local_error) ||
      g_key_file_get_integer (key_file, STATE_GROUP_HEADER, "version", NULL) != STATE_VERSION)
    {
      g_set_error (error, OP_TRANSFER_QUEUE_ERROR, OP_TRANSFER_QUEUE_ERROR_INVALID_FILE,
                   _("The saved transfer queue “%s” is not valid and was left alone."), path);
      return FALSE;
    }

  first = self->items->len;
  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *id;
      g_autofree char *direction_name = NULL;
      g_autofree char *local_path = NULL;
      g_autofree char *remote_path = NULL;
      g_autofree char *overwrite_name = NULL;
      g_autoptr(OpAccount) site = NULL;
      OpTransferItem *item;
      OpOverwriteChoice overwrite = OP_OVERWRITE_ASK;
      int direction;
      gboolean duplicate = FALSE;

      if (!g_str_has_prefix (groups[i], STATE_GROUP_PREFIX))
        continue;
      id = groups[i] + strlen (STATE_GROUP_PREFIX);
      direction_name = g_key_file_get_string (key_file, groups[i], "direction", NULL);
      local_path = g_key_file_get_string (key_file, groups[i], "local-path", NULL);
      remote_path = g_key_file_get_string (key_file, groups[i], "remote-path", NULL);
      overwrite_name = g_key_file_get_string (key_file, groups[i], "overwrite", NULL);
      site = load_site (key_file, groups[i], accounts);

      /* An entry this version cannot use is dropped, not guessed at. */
      if (id[0] == '\0' || site == NULL ||
          !enum_value (OP_TYPE_TRANSFER_DIRECTION, direction_name, &direction) ||
          local_path == NULL || !g_path_is_absolute (local_path) ||
          remote_path == NULL || remote_path[0] == '\0')
        continue;
      for (guint j = 0; j < self->items->len && !duplicate; j++)
        duplicate = g_strcmp0 (op_transfer_item_get_id (g_ptr_array_index (self->items, j)),
                               id) == 0;
      if (duplicate)
        continue;
      op_overwrite_choice_from_string (overwrite_name, &overwrite);

      item = _op_transfer_item_new (id, direction,
                                    g_key_file_get_boolean (key_file, groups[i], "directory",
                                                            NULL),
                                    site, local_path, remote_path,
                                    g_key_file_get_uint64 (key_file, groups[i], "size", NULL));
      op_transfer_item_set_overwrite (item, overwrite);
      _op_transfer_item_set_resume (item, g_key_file_get_boolean (key_file, groups[i],
                                                                  "resume", NULL));
      _op_transfer_item_set_progress (item,
                                      g_key_file_get_uint64 (key_file, groups[i],
                                                             "bytes-done", NULL),
                                      0, 0, 0, 0);
      _op_transfer_item_set_state (item, OP_TRANSFER_STATE_PAUSED);
      g_ptr_array_add (self->items, item);
    }

  if (self->items->len > first)
    g_list_model_items_changed (G_LIST_MODEL (self), first, 0, self->items->len - first);
  update_counts (self);
  return TRUE;
}

/* GObject */

static void
op_transfer_queue_dispose (GObject *object)
{
  OpTransferQueue *self = OP_TRANSFER_QUEUE (object);

  /* Jobs hold a reference on the queue, so none is running here. */
  g_clear_handle_id (&self->pump_id, g_source_remove);
  if (self->save_id != 0)
    {
      g_autoptr(GError) error = NULL;

      if (!op_transfer_queue_save (self, &error))
        g_warning ("Could not save the transfer queue: %s", error->message);
    }

  G_OBJECT_CLASS (op_transfer_queue_parent_class)->dispose (object);
}

static void
op_transfer_queue_finalize (GObject *object)
{
  OpTransferQueue *self = OP_TRANSFER_QUEUE (object);

  g_clear_object (&self->state_file);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->jobs, g_hash_table_unref);
  g_queue_clear (&self->ask_queue);
  g_clear_object (&self->verifier);
  g_clear_object (&self->secrets);
  g_clear_pointer (&self->passwords, g_hash_table_unref);
  g_mutex_clear (&self->write_lock);

  G_OBJECT_CLASS (op_transfer_queue_parent_class)->finalize (object);
}

static void
op_transfer_queue_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  OpTransferQueue *self = OP_TRANSFER_QUEUE (object);

  switch (prop_id)
    {
    case PROP_MAX_PARALLEL:
      g_value_set_uint (value, self->max_parallel);
      break;
    case PROP_N_ACTIVE:
      g_value_set_uint (value, self->n_active);
      break;
    case PROP_N_QUEUED:
      g_value_set_uint (value, self->n_queued);
      break;
    case PROP_APPLY_TO_ALL:
      g_value_set_enum (value, self->apply_to_all);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_transfer_queue_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  OpTransferQueue *self = OP_TRANSFER_QUEUE (object);

  switch (prop_id)
    {
    case PROP_MAX_PARALLEL:
      op_transfer_queue_set_max_parallel (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_transfer_queue_class_init (OpTransferQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = op_transfer_queue_dispose;
  object_class->finalize = op_transfer_queue_finalize;
  object_class->get_property = op_transfer_queue_get_property;
  object_class->set_property = op_transfer_queue_set_property;

  properties[PROP_MAX_PARALLEL] =
    g_param_spec_uint ("max-parallel", NULL, NULL, 1, OP_TRANSFER_QUEUE_MAX_PARALLEL, 2,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_ACTIVE] = g_param_spec_uint ("n-active", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_QUEUED] = g_param_spec_uint ("n-queued", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_APPLY_TO_ALL] =
    g_param_spec_enum ("apply-to-all", NULL, NULL, OP_TYPE_OVERWRITE_CHOICE,
                       OP_OVERWRITE_ASK, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CONFLICT] =
    g_signal_new ("conflict", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 2, OP_TYPE_TRANSFER_ITEM,
                  OP_TYPE_TRANSFER_CONFLICT | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_ITEM_FINISHED] =
    g_signal_new ("item-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, OP_TYPE_TRANSFER_ITEM);
}

static void
op_transfer_queue_init (OpTransferQueue *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->jobs = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) job_free);
  g_queue_init (&self->ask_queue);
  self->max_parallel = 2;
  g_mutex_init (&self->write_lock);
  self->passwords = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) op_secrets_password_free);
}

/* Public API */

/**
 * op_transfer_queue_new:
 * @state_file: (nullable): where the queue is saved; %NULL: not saved
 *
 * Returns: (transfer full): an empty queue
 */
OpTransferQueue *
op_transfer_queue_new (GFile *state_file)
{
  OpTransferQueue *self;

  g_return_val_if_fail (state_file == NULL || G_IS_FILE (state_file), NULL);

  self = g_object_new (OP_TYPE_TRANSFER_QUEUE, NULL);
  if (state_file != NULL)
    self->state_file = g_object_ref (state_file);
  return self;
}

/**
 * op_transfer_queue_new_default:
 *
 * Returns: (transfer full): an empty queue saved in the profile's data folder
 */
OpTransferQueue *
op_transfer_queue_new_default (void)
{
  g_autofree char *dir = op_profile_data_dir ();
  g_autofree char *path = g_build_filename (dir, "transfers.ini", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return op_transfer_queue_new (file);
}

/**
 * op_transfer_queue_get_state_file:
 * @self: a queue
 *
 * Returns: (transfer none) (nullable): the state file
 */
GFile *
op_transfer_queue_get_state_file (OpTransferQueue *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), NULL);
  return self->state_file;
}

guint
op_transfer_queue_get_max_parallel (OpTransferQueue *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), 0);
  return self->max_parallel;
}

void
op_transfer_queue_set_max_parallel (OpTransferQueue *self,
                                    guint            n)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));

  n = CLAMP (n, 1, OP_TRANSFER_QUEUE_MAX_PARALLEL);
  if (self->max_parallel == n)
    return;
  /* Lowering it lets running transfers finish; it only holds new ones back. */
  self->max_parallel = n;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_PARALLEL]);
  schedule_pump (self);
}

guint
op_transfer_queue_get_n_active (OpTransferQueue *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), 0);
  return self->n_active;
}

guint
op_transfer_queue_get_n_queued (OpTransferQueue *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), 0);
  return self->n_queued;
}

void
op_transfer_queue_set_verifier (OpTransferQueue *self,
                                OpTlsVerifier   *verifier)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));
  g_return_if_fail (verifier == NULL || OP_IS_TLS_VERIFIER (verifier));
  g_set_object (&self->verifier, verifier);
}

void
op_transfer_queue_set_secrets (OpTransferQueue *self,
                               OpSecrets       *secrets)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));
  g_return_if_fail (secrets == NULL || OP_IS_SECRETS (secrets));
  g_set_object (&self->secrets, secrets);
}

void
op_transfer_queue_set_password (OpTransferQueue *self,
                                OpAccount       *site,
                                const char      *password)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));
  g_return_if_fail (OP_IS_ACCOUNT (site));

  if (password == NULL)
    {
      g_autofree char *key = password_key (site);

      g_hash_table_remove (self->passwords, key);
    }
  else
    g_hash_table_replace (self->passwords, password_key (site), g_strdup (password));
}

static OpTransferItem *
add_item (OpTransferQueue     *self,
          OpTransferDirection  direction,
          OpAccount           *site,
          const char          *local_path,
          const char          *remote_path,
          gboolean             is_directory,
          guint64              size)
{
  OpTransferItem *item;

  item = _op_transfer_item_new (NULL, direction, is_directory, site, local_path,
                                remote_path, size);
  g_ptr_array_add (self->items, item);
  g_list_model_items_changed (G_LIST_MODEL (self), self->items->len - 1, 0, 1);
  update_counts (self);
  schedule_save (self);
  schedule_pump (self);
  return item;
}

/**
 * op_transfer_queue_add_download:
 * @self: a queue
 * @site: the site
 * @remote_path: the remote file or folder
 * @local: the local target
 * @is_directory: a recursive transfer
 * @size: the size if known, else 0
 *
 * Returns: (transfer none): the new item
 */
OpTransferItem *
op_transfer_queue_add_download (OpTransferQueue *self,
                                OpAccount       *site,
                                const char      *remote_path,
                                GFile           *local,
                                gboolean         is_directory,
                                guint64          size)
{
  g_autofree char *local_path = NULL;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), NULL);
  g_return_val_if_fail (op_ftp_site_is_site (site), NULL);
  g_return_val_if_fail (remote_path != NULL && remote_path[0] != '\0', NULL);
  g_return_val_if_fail (G_IS_FILE (local), NULL);

  local_path = g_file_get_path (local);
  g_return_val_if_fail (local_path != NULL, NULL);
  return add_item (self, OP_TRANSFER_DOWNLOAD, site, local_path, remote_path,
                   is_directory, size);
}

/**
 * op_transfer_queue_add_upload:
 * @self: a queue
 * @site: the site
 * @local: the local file or folder
 * @remote_path: the remote target
 * @is_directory: a recursive transfer
 * @size: the size if known, else 0
 *
 * Returns: (transfer none): the new item
 */
OpTransferItem *
op_transfer_queue_add_upload (OpTransferQueue *self,
                              OpAccount       *site,
                              GFile           *local,
                              const char      *remote_path,
                              gboolean         is_directory,
                              guint64          size)
{
  g_autofree char *local_path = NULL;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), NULL);
  g_return_val_if_fail (op_ftp_site_is_site (site), NULL);
  g_return_val_if_fail (remote_path != NULL && remote_path[0] != '\0', NULL);
  g_return_val_if_fail (G_IS_FILE (local), NULL);

  local_path = g_file_get_path (local);
  g_return_val_if_fail (local_path != NULL, NULL);
  return add_item (self, OP_TRANSFER_UPLOAD, site, local_path, remote_path,
                   is_directory, size);
}

static gboolean
has_item (OpTransferQueue *self,
          OpTransferItem  *item)
{
  return g_ptr_array_find (self->items, item, NULL);
}

/* Stops @item's job, if any: its session winds down in the background. */
static void
stop_job (OpTransferQueue *self,
          OpTransferItem  *item,
          StopReason       reason)
{
  Job *job = g_hash_table_lookup (self->jobs, item);

  if (job == NULL)
    return;
  job->stop = reason;
  if (job->asking)
    {
      /* Nothing runs while asking: end the job now. */
      job_finish (job, OUTCOME_STOPPED, NULL);
      return;
    }
  g_cancellable_cancel (job->cancellable);
}

gboolean
op_transfer_queue_pause (OpTransferQueue *self,
                         OpTransferItem  *item)
{
  OpTransferState state;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (item), FALSE);
  g_return_val_if_fail (has_item (self, item), FALSE);

  state = op_transfer_item_get_state (item);
  if (state != OP_TRANSFER_STATE_QUEUED && state != OP_TRANSFER_STATE_RUNNING &&
      state != OP_TRANSFER_STATE_ASKING)
    return FALSE;

  set_item_state (self, item, OP_TRANSFER_STATE_PAUSED);
  stop_job (self, item, STOP_PAUSE);
  return TRUE;
}

gboolean
op_transfer_queue_resume (OpTransferQueue *self,
                          OpTransferItem  *item)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (item), FALSE);
  g_return_val_if_fail (has_item (self, item), FALSE);

  if (op_transfer_item_get_state (item) != OP_TRANSFER_STATE_PAUSED)
    return FALSE;
  set_item_state (self, item, OP_TRANSFER_STATE_QUEUED);
  schedule_pump (self);
  return TRUE;
}

gboolean
op_transfer_queue_cancel (OpTransferQueue *self,
                          OpTransferItem  *item)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (item), FALSE);
  g_return_val_if_fail (has_item (self, item), FALSE);

  if (op_transfer_state_is_finished (op_transfer_item_get_state (item)))
    return FALSE;

  set_item_state (self, item, OP_TRANSFER_STATE_CANCELLED);
  if (g_hash_table_contains (self->jobs, item))
    stop_job (self, item, STOP_CANCEL);
  else if (_op_transfer_item_get_resume (item) &&
           op_transfer_item_get_direction (item) == OP_TRANSFER_DOWNLOAD &&
           !op_transfer_item_get_is_directory (item))
    {
      g_autofree char *part = part_path (item);

      g_unlink (part);
      _op_transfer_item_set_resume (item, FALSE);
    }
  return TRUE;
}

gboolean
op_transfer_queue_retry (OpTransferQueue *self,
                         OpTransferItem  *item)
{
  OpTransferState state;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (item), FALSE);
  g_return_val_if_fail (has_item (self, item), FALSE);

  state = op_transfer_item_get_state (item);
  if (state != OP_TRANSFER_STATE_FAILED && state != OP_TRANSFER_STATE_CANCELLED)
    return FALSE;
  _op_transfer_item_set_error (item, NULL);
  set_item_state (self, item, OP_TRANSFER_STATE_QUEUED);
  schedule_pump (self);
  return TRUE;
}

static void
remove_index (OpTransferQueue *self,
              guint            index)
{
  g_ptr_array_remove_index (self->items, index);
  g_list_model_items_changed (G_LIST_MODEL (self), index, 1, 0);
}

gboolean
op_transfer_queue_remove (OpTransferQueue *self,
                          OpTransferItem  *item)
{
  guint index;
  OpTransferState state;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (item), FALSE);

  if (!g_ptr_array_find (self->items, item, &index))
    return FALSE;
  state = op_transfer_item_get_state (item);
  if ((!op_transfer_state_is_finished (state) && state != OP_TRANSFER_STATE_PAUSED) ||
      g_hash_table_contains (self->jobs, item))
    return FALSE;
  remove_index (self, index);
  update_counts (self);
  schedule_save (self);
  return TRUE;
}

guint
op_transfer_queue_remove_finished (OpTransferQueue *self)
{
  guint removed = 0;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), 0);

  for (guint i = self->items->len; i > 0; i--)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i - 1);
      OpTransferState state = op_transfer_item_get_state (item);

      if ((state == OP_TRANSFER_STATE_DONE || state == OP_TRANSFER_STATE_SKIPPED ||
           state == OP_TRANSFER_STATE_CANCELLED) && !g_hash_table_contains (self->jobs, item))
        {
          remove_index (self, i - 1);
          removed++;
        }
    }
  if (removed > 0)
    schedule_save (self);
  return removed;
}

void
op_transfer_queue_pause_all (OpTransferQueue *self)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));

  for (guint i = 0; i < self->items->len; i++)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i);
      OpTransferState state = op_transfer_item_get_state (item);

      if (state == OP_TRANSFER_STATE_QUEUED || state == OP_TRANSFER_STATE_RUNNING ||
          state == OP_TRANSFER_STATE_ASKING)
        op_transfer_queue_pause (self, item);
    }
}

void
op_transfer_queue_resume_all (OpTransferQueue *self)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));

  for (guint i = 0; i < self->items->len; i++)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i);

      if (op_transfer_item_get_state (item) == OP_TRANSFER_STATE_PAUSED)
        op_transfer_queue_resume (self, item);
    }
}

gboolean
op_transfer_queue_resolve_conflict (OpTransferQueue   *self,
                                    OpTransferItem    *item,
                                    OpOverwriteChoice  choice,
                                    gboolean           apply_to_all)
{
  Job *job;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (item), FALSE);
  g_return_val_if_fail (choice != OP_OVERWRITE_ASK, FALSE);

  job = g_hash_table_lookup (self->jobs, item);
  if (job == NULL || !job->asking || op_transfer_item_get_state (item) != OP_TRANSFER_STATE_ASKING)
    return FALSE;

  if (apply_to_all && self->apply_to_all != choice)
    {
      self->apply_to_all = choice;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APPLY_TO_ALL]);
    }
  op_transfer_item_set_overwrite (item, choice);

  g_queue_remove (&self->ask_queue, job);
  if (self->asking == job)
    self->asking = NULL;
  job->asking = FALSE;
  op_ftp_client_set_keepalive_interval (job->client, 0);
  set_item_state (self, item, OP_TRANSFER_STATE_RUNNING);
  job_run_action (job, choice);
  ask_next (self);
  return TRUE;
}

OpOverwriteChoice
op_transfer_queue_get_apply_to_all (OpTransferQueue *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), OP_OVERWRITE_ASK);
  return self->apply_to_all;
}

void
op_transfer_queue_forget_apply_to_all (OpTransferQueue *self)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));

  if (self->apply_to_all == OP_OVERWRITE_ASK)
    return;
  self->apply_to_all = OP_OVERWRITE_ASK;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APPLY_TO_ALL]);
}
