/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"
#include "op-accounts.h"
#include "op-ftp-session-pool.h"
#include "op-overwrite-policy.h"
#include "op-secrets.h"
#include "op-tls-verifier.h"
#include "op-transfer-item.h"

G_BEGIN_DECLS

#define OP_TRANSFER_QUEUE_ERROR (op_transfer_queue_error_quark ())

/**
 * OpTransferQueueError:
 * @OP_TRANSFER_QUEUE_ERROR_TARGET_EXISTS: the target exists, no decision applies and
 *   nobody handled #OpTransferQueue::conflict: nothing was overwritten.
 * @OP_TRANSFER_QUEUE_ERROR_NO_PASSWORD: the site needs a password that is neither stored
 *   nor given with op_transfer_queue_set_password() (an "ask" site after a restart):
 *   connect to the site again, then retry.
 * @OP_TRANSFER_QUEUE_ERROR_NO_FREE_NAME: "Rename" found no free name.
 * @OP_TRANSFER_QUEUE_ERROR_INVALID_FILE: the saved queue file is not valid (it is left
 *   untouched).
 * @OP_TRANSFER_QUEUE_ERROR_FILES_FAILED: a folder transfer ended with some of its files
 *   failed or cancelled (each file's item says why).
 */
typedef enum
{
  OP_TRANSFER_QUEUE_ERROR_TARGET_EXISTS,
  OP_TRANSFER_QUEUE_ERROR_NO_PASSWORD,
  OP_TRANSFER_QUEUE_ERROR_NO_FREE_NAME,
  OP_TRANSFER_QUEUE_ERROR_INVALID_FILE,
  OP_TRANSFER_QUEUE_ERROR_FILES_FAILED,
} OpTransferQueueError;

GQuark op_transfer_queue_error_quark (void);

/**
 * OpTransferConflict:
 * @target_path: the existing target: a local path (download) or remote path (upload)
 * @source: size and time of what would be transferred
 * @target: size and time of what is there
 * @is_directory: the target is a folder (a recursive transfer into an existing folder)
 *
 * What #OpTransferQueue::conflict reports, for the "target exists" dialog.
 */
typedef struct
{
  char        *target_path;
  OpFileFacts  source;
  OpFileFacts  target;
  gboolean     is_directory;
} OpTransferConflict;

#define OP_TYPE_TRANSFER_CONFLICT (op_transfer_conflict_get_type ())
GType               op_transfer_conflict_get_type (void) G_GNUC_CONST;
OpTransferConflict *op_transfer_conflict_copy     (const OpTransferConflict *conflict);
void                op_transfer_conflict_free     (OpTransferConflict       *conflict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpTransferConflict, op_transfer_conflict_free)

/* Automatic retries of a transfer that failed for a reason that may pass (a dropped
 * connection, a 4xx reply, a timeout), and the pause before the first; it doubles for
 * each next one. Then the item is FAILED and waits for op_transfer_queue_retry(). */
#define OP_TRANSFER_QUEUE_RETRIES        3
#define OP_TRANSFER_QUEUE_RETRY_DELAY_MS 2000

/* The most parallel transfers the max-parallel property allows. */
#define OP_TRANSFER_QUEUE_MAX_PARALLEL 10

#define OP_TYPE_TRANSFER_QUEUE (op_transfer_queue_get_type ())
G_DECLARE_FINAL_TYPE (OpTransferQueue, op_transfer_queue, OP, TRANSFER_QUEUE, GObject)

/*
 * The transfer queue: a GListModel of #OpTransferItem in the order they were added.
 *
 * At most #OpTransferQueue:max-parallel items (default 2, 1…10) run at once — and at most
 * a site's max-connections (op_ftp_site_get_max_connections()) to one server and user —
 * each on its own #OpFtpClient session (one control connection each; DESIGN.md "Sessions and
 * threads") from the queue's #OpFtpSessionPool: an idle session of the same site when one
 * waits, else a new one made with op_ftp_site_new_client() and the site's password.
 * Everything runs on the main context through the async FTP API; nothing blocks.
 *
 * Passwords: first those given with op_transfer_queue_set_password() (memory only, for
 * this run), then #OpSecrets (op_ftp_site_lookup_password_async()); anonymous sites need
 * none. An item whose password is unknown fails with
 * OP_TRANSFER_QUEUE_ERROR_NO_PASSWORD.
 *
 * Before a transfer the target is looked at; when it exists the item's own overwrite
 * choice applies, else the queue's "apply to all" choice, else the queue emits
 * ::conflict (one question at a time) with the item in state ASKING. A handler that
 * returns TRUE promises to call op_transfer_queue_resolve_conflict() later (from a
 * dialog). Without a handler the item fails with OP_TRANSFER_QUEUE_ERROR_TARGET_EXISTS:
 * a target is never overwritten silently. An "apply to all" choice holds until the queue
 * next has nothing queued, running or asking (the end of the batch), or until
 * op_transfer_queue_forget_apply_to_all().
 *
 * Persistence: with a state file (op_transfer_queue_new_default(): transfers.ini in the
 * profile's data folder) every change of the set of items or of a state is saved
 * (debounced, written atomically in a GIO thread), and op_transfer_queue_load() brings
 * unfinished items back as PAUSED. Finished items are not saved. The file holds paths,
 * sizes and the site's host, port, user and settings — never a password.
 */
OpTransferQueue *op_transfer_queue_new          (GFile            *state_file);
OpTransferQueue *op_transfer_queue_new_default  (void);
GFile           *op_transfer_queue_get_state_file (OpTransferQueue *self);

guint            op_transfer_queue_get_max_parallel (OpTransferQueue *self);
void             op_transfer_queue_set_max_parallel (OpTransferQueue *self,
                                                     guint            n);
/* Global speed limits in bytes per second (0: none), shared by every transfer of the
 * queue in that direction (FileZilla's "speed limits"). A change applies to transfers
 * already running, within a twentieth of a second. */
guint64          op_transfer_queue_get_download_limit (OpTransferQueue *self);
void             op_transfer_queue_set_download_limit (OpTransferQueue *self,
                                                       guint64          bytes_per_second);
guint64          op_transfer_queue_get_upload_limit (OpTransferQueue *self);
void             op_transfer_queue_set_upload_limit (OpTransferQueue *self,
                                                     guint64          bytes_per_second);
/*
 * Properties (all notify on the main context):
 *   max-parallel  (guint, read-write, 1…10, default 2)
 *   download-limit, upload-limit (guint64, read-write, bytes per second, 0: none)
 *   n-active      (guint) sessions in use: RUNNING and ASKING items, plus a paused or
 *                 cancelled one whose session is still closing (a second at most)
 *   n-queued      (guint) QUEUED items
 *   apply-to-all  (OpOverwriteChoice) the remembered "apply to all" choice, or ASK
 *   running       (gboolean) FALSE after op_transfer_queue_stop(): nothing starts
 */
guint            op_transfer_queue_get_n_active (OpTransferQueue  *self);
guint            op_transfer_queue_get_n_queued (OpTransferQueue  *self);

/*
 * Stops the whole queue: running transfers are cancelled (ABOR) and go back to QUEUED,
 * keeping their partial targets, and nothing starts until op_transfer_queue_start().
 * Items stay where they are in the list; a restart continues them with REST.
 */
void             op_transfer_queue_stop         (OpTransferQueue  *self);
void             op_transfer_queue_start        (OpTransferQueue  *self);
gboolean         op_transfer_queue_get_running  (OpTransferQueue  *self);

/* Retries (OP_TRANSFER_QUEUE_RETRIES, OP_TRANSFER_QUEUE_RETRY_DELAY_MS by default): an
 * item that fails for a transient reason goes back to QUEUED, keeping its error message,
 * and starts again after @first_delay_ms, doubled for each further try; after @retries
 * tries it is FAILED. Resuming or retrying an item by hand starts it at once and anew. */
void             op_transfer_queue_set_retry_policy (OpTransferQueue *self,
                                                 guint            retries,
                                                 guint            first_delay_ms);

/* Used for the TLS certificate checks of every session (nullable: system store only). */
void             op_transfer_queue_set_verifier (OpTransferQueue  *self,
                                                 OpTlsVerifier    *verifier);
/* The sessions kept logged in between items (op-ftp-session-pool.h): an item takes an
 * idle session of its site when there is one, and gives it back when it ends, so a run
 * of small files logs in once per parallel slot, not once per file. */
OpFtpSessionPool *op_transfer_queue_get_session_pool (OpTransferQueue *self);
/* Where stored passwords are looked up (default: op_secrets_get_default()). */
void             op_transfer_queue_set_secrets  (OpTransferQueue  *self,
                                                 OpSecrets        *secrets);
/* The password to use for @site's host, port and user in this run (NULL forgets it).
 * Kept in memory only. The UI calls it after a successful connect, so "ask" sites and
 * quick connections can transfer. */
void             op_transfer_queue_set_password (OpTransferQueue  *self,
                                                 OpAccount        *site,
                                                 const char       *password);

/*
 * Adds a transfer (state QUEUED) and starts it when a slot is free. @size is the
 * source's size when known (0: unknown; it is asked for before the transfer).
 * @is_directory: transfer the folder recursively (op_ftp_client_download_tree_async /
 * upload_tree_async) into @local / @remote_path, which name the target folder itself.
 * (transfer none: the queue owns the item)
 */
OpTransferItem  *op_transfer_queue_add_download (OpTransferQueue  *self,
                                                 OpAccount        *site,
                                                 const char       *remote_path,
                                                 GFile            *local,
                                                 gboolean          is_directory,
                                                 guint64           size);
OpTransferItem  *op_transfer_queue_add_upload   (OpTransferQueue  *self,
                                                 OpAccount        *site,
                                                 GFile            *local,
                                                 const char       *remote_path,
                                                 gboolean          is_directory,
                                                 guint64           size);

/* QUEUED, RUNNING or ASKING → PAUSED (a running transfer is cancelled with ABOR; its
 * .part or remote part stays). Returns FALSE in other states. */
gboolean         op_transfer_queue_pause        (OpTransferQueue  *self,
                                                 OpTransferItem   *item);
/* PAUSED → QUEUED; it continues where it stopped (REST). */
gboolean         op_transfer_queue_resume       (OpTransferQueue  *self,
                                                 OpTransferItem   *item);
/* Any unfinished state → CANCELLED (a download's .part is removed). */
gboolean         op_transfer_queue_cancel       (OpTransferQueue  *self,
                                                 OpTransferItem   *item);
/* FAILED or CANCELLED → QUEUED; a download resumes from a .part that survived. */
gboolean         op_transfer_queue_retry        (OpTransferQueue  *self,
                                                 OpTransferItem   *item);
/* Removes a finished (or paused) item from the list. FALSE while it is active. */
gboolean         op_transfer_queue_remove       (OpTransferQueue  *self,
                                                 OpTransferItem   *item);
/* Removes every DONE, SKIPPED and CANCELLED item (FAILED ones stay: they can be
 * retried). Returns how many were removed. */
guint            op_transfer_queue_remove_finished (OpTransferQueue *self);
void             op_transfer_queue_pause_all    (OpTransferQueue  *self);
void             op_transfer_queue_resume_all   (OpTransferQueue  *self);

/*
 * The answer to ::conflict for @item (state ASKING): @choice must not be
 * OP_OVERWRITE_ASK. With @apply_to_all the choice also decides every later conflict of
 * this batch without asking.
 */
gboolean         op_transfer_queue_resolve_conflict (OpTransferQueue   *self,
                                                 OpTransferItem    *item,
                                                 OpOverwriteChoice  choice,
                                                 gboolean           apply_to_all);
/* The remembered "apply to all" choice (OP_OVERWRITE_ASK: none). */
OpOverwriteChoice op_transfer_queue_get_apply_to_all (OpTransferQueue *self);
void             op_transfer_queue_forget_apply_to_all (OpTransferQueue *self);

/*
 * Reads the state file: its items are appended as PAUSED (after those already in the
 * queue). @accounts (nullable): an item whose site id names one of its sites uses that
 * site; otherwise the site is rebuilt from the saved host, port, user and settings.
 * A missing file is not an error. Small; call once at start-up, from the main thread.
 */
gboolean         op_transfer_queue_load         (OpTransferQueue  *self,
                                                 OpAccounts       *accounts,
                                                 GError          **error);
/* Writes the state file now, synchronously (for shutdown and tests; it is small). */
gboolean         op_transfer_queue_save         (OpTransferQueue  *self,
                                                 GError          **error);

/*
 * Signals:
 *
 * ::conflict (OpTransferQueue *queue, OpTransferItem *item,
 *             OpTransferConflict *conflict) → gboolean
 *   The target of @item exists and no decision applies. Return TRUE to answer later
 *   with op_transfer_queue_resolve_conflict(); FALSE (or no handler) fails the item
 *   with OP_TRANSFER_QUEUE_ERROR_TARGET_EXISTS. @conflict is only valid during the
 *   emission: keep an op_transfer_conflict_copy(). Only one question is outstanding at
 *   a time; the next is emitted after the answer (or after the asked item is paused or
 *   cancelled, which also withdraws its question: resolving it then returns FALSE).
 *   The sizes and times in @conflict come from the server (SIZE/MDTM or MLST) and the
 *   local file system; -1 when unknown.
 *
 * ::item-finished (OpTransferQueue *queue, OpTransferItem *item)
 *   @item reached DONE, SKIPPED, FAILED or CANCELLED (for toasts and refreshing the
 *   panes after a transfer).
 */

G_END_DECLS
