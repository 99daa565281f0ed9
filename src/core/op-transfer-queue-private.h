/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The transfer queue is one type in three files: op-transfer-queue.c (the list, the
 * slots, the questions, the public API), op-transfer-job.c (one running item) and
 * op-transfer-queue-store.c (the state file). */

#include "op-ftp-client.h"
#include "op-ftp-session-pool.h"
#include "op-transfer-queue.h"

G_BEGIN_DECLS

typedef enum
{
  STOP_NONE,
  STOP_PAUSE,
  STOP_CANCEL,
} StopReason;

typedef struct _OpTransferWalk OpTransferWalk;

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
  gboolean            reuse_only;    /* asking the pool for an idle session only */
  gboolean            fresh_only;    /* a new session: the last one refused TLS reuse */
  gboolean            source_from_listing; /* source facts from the folder's listing */
  gboolean            target_checked;      /* the local target was looked at */
  OpTransferWalk     *walk;          /* a folder being walked (op-transfer-walk.c) */
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
  OpFtpSessionPool  *pool;
  OpRateLimit       *download_limit;  /* shared by every session of the pool */
  OpRateLimit       *upload_limit;
  OpSecrets         *secrets;
  GHashTable        *passwords;   /* "host\nport\nuser" → password */
  guint              pump_id;
  guint              retry_id;    /* wakes the pump for the next automatic retry */
  gboolean           running;     /* FALSE: stopped, nothing starts */
  guint              retry_max;
  guint              retry_delay_ms;
  guint              save_id;
  gboolean           saving;
  gboolean           save_again;
  guint64            generation;          /* of the last snapshot taken (main thread) */
  GMutex             write_lock;
  guint64            written_generation;  /* of the snapshot on disk (under write_lock) */
  guint              n_active;
  guint              n_queued;
};

typedef enum
{
  OUTCOME_DONE,
  OUTCOME_SKIPPED,
  OUTCOME_FAILED,
  OUTCOME_STOPPED,
  OUTCOME_WALKED,   /* a folder's walk ended: its files carry on as items of their own */
} Outcome;

/* op-transfer-queue.c */
void              _op_transfer_queue_update_counts  (OpTransferQueue   *self);
void              _op_transfer_queue_set_item_state (OpTransferQueue   *self,
                                                     OpTransferItem    *item,
                                                     OpTransferState    state);
char             *_op_transfer_queue_password_key   (OpAccount         *site);
void              _op_transfer_queue_ask_next       (OpTransferQueue   *self);
void              _op_transfer_queue_schedule_pump  (OpTransferQueue   *self);
/* Adds @item, a file found in @folder, after @folder's other files. */
void              _op_transfer_queue_add_child      (OpTransferQueue   *self,
                                                     OpTransferItem    *folder,
                                                     OpTransferItem    *item);
/* Recounts @folder's files; when its walk is over and every file finished, the folder
 * is DONE, or FAILED when one of them failed or a folder could not be walked. */
void              _op_transfer_queue_update_folder  (OpTransferQueue   *self,
                                                     OpTransferItem    *folder);

/* TRUE when @error may go away by itself (a dropped connection, a 4xx reply, a
 * timeout): the item is tried again automatically, after a pause that doubles each time. */
gboolean          _op_transfer_queue_error_is_transient (const GError *error);
/* Queues @item again for an automatic retry, or returns FALSE when it has had them all. */
gboolean          _op_transfer_queue_retry_later    (OpTransferQueue   *self,
                                                     OpTransferItem    *item,
                                                     const GError      *error);

/* op-transfer-job.c */
void              _op_transfer_job_start            (OpTransferQueue   *self,
                                                     OpTransferItem    *item);
void              _op_transfer_job_free             (Job               *job);
/* Ends @job: the transfer succeeded, was skipped, failed with @error, or was stopped by
 * a pause or cancel (the item's state already says which). Frees @job. */
void              _op_transfer_job_finish           (Job               *job,
                                                     Outcome            outcome,
                                                     const GError      *error);
void              _op_transfer_job_run_action       (Job               *job,
                                                     OpOverwriteChoice  choice);
OpOverwriteChoice _op_transfer_job_standing_choice  (Job               *job);
/* TRUE when the job was stopped (paused or cancelled) and has been finished. */
gboolean          _op_transfer_job_check_stopped    (Job               *job,
                                                     const GError      *error);

void              _op_transfer_job_count_data_connection (OpFtpClient *client);
gboolean          _op_transfer_job_refused_reuse    (Job               *job,
                                                     const GError      *error);
void              _op_transfer_job_restart_fresh    (Job               *job);

/* op-transfer-walk.c */
void              _op_transfer_walk_begin           (Job               *job);
void              _op_transfer_walk_free            (OpTransferWalk    *walk);
char             *_op_transfer_job_part_path        (OpTransferItem    *item);

/* op-transfer-queue-store.c */
void              _op_transfer_queue_schedule_save  (OpTransferQueue   *self);

G_END_DECLS
