/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"
#include "op-overwrite-policy.h"

G_BEGIN_DECLS

/**
 * OpTransferDirection:
 * @OP_TRANSFER_DOWNLOAD: remote → local
 * @OP_TRANSFER_UPLOAD: local → remote
 */
typedef enum
{
  OP_TRANSFER_DOWNLOAD,
  OP_TRANSFER_UPLOAD,
} OpTransferDirection;

/**
 * OpTransferState:
 * @OP_TRANSFER_STATE_QUEUED: waiting for a free slot.
 * @OP_TRANSFER_STATE_RUNNING: connecting, checking the target or transferring.
 * @OP_TRANSFER_STATE_ASKING: the target exists; waiting for the user's decision
 *   (#OpTransferQueue::conflict).
 * @OP_TRANSFER_STATE_PAUSED: stopped by the user (or restored from a previous run);
 *   resuming continues from the .part (download) or the remote size (upload) with REST.
 * @OP_TRANSFER_STATE_DONE: finished.
 * @OP_TRANSFER_STATE_SKIPPED: finished without transferring (the target was kept).
 * @OP_TRANSFER_STATE_FAILED: failed; #OpTransferItem:error-message says why (with the
 *   server's text). It can be retried.
 * @OP_TRANSFER_STATE_CANCELLED: cancelled by the user (a download's .part is removed).
 *
 * QUEUED → RUNNING ⇄ ASKING; RUNNING → DONE | SKIPPED | FAILED | PAUSED | CANCELLED;
 * QUEUED/ASKING → PAUSED | CANCELLED; PAUSED → QUEUED (resume) | CANCELLED;
 * FAILED | CANCELLED → QUEUED (retry).
 */
typedef enum
{
  OP_TRANSFER_STATE_QUEUED,
  OP_TRANSFER_STATE_RUNNING,
  OP_TRANSFER_STATE_ASKING,
  OP_TRANSFER_STATE_PAUSED,
  OP_TRANSFER_STATE_DONE,
  OP_TRANSFER_STATE_SKIPPED,
  OP_TRANSFER_STATE_FAILED,
  OP_TRANSFER_STATE_CANCELLED,
} OpTransferState;

#define OP_TYPE_TRANSFER_DIRECTION (op_transfer_direction_get_type ())
GType       op_transfer_direction_get_type  (void) G_GNUC_CONST;
#define OP_TYPE_TRANSFER_STATE (op_transfer_state_get_type ())
GType       op_transfer_state_get_type      (void) G_GNUC_CONST;
/* "queued", "running", … (not translated; for files and logs). */
const char *op_transfer_state_to_string     (OpTransferState  state);
/* A translated word for the queue's State column ("Queued", "Running", …). */
const char *op_transfer_state_to_label      (OpTransferState  state);
/* DONE, SKIPPED, FAILED or CANCELLED: nothing more happens unless retried. */
gboolean    op_transfer_state_is_finished   (OpTransferState  state);

#define OP_TYPE_TRANSFER_ITEM (op_transfer_item_get_type ())
G_DECLARE_FINAL_TYPE (OpTransferItem, op_transfer_item, OP, TRANSFER_ITEM, GObject)

/*
 * One row of the transfer queue. Created by op_transfer_queue_add_download() /
 * _add_upload(); every property below is read-only for the UI and notifies (on the main
 * context) when it changes — progress properties at most ~20 times a second:
 *
 *   id             (string)  stable id, kept across restarts
 *   direction      (OpTransferDirection)
 *   is-directory   (boolean) a recursive transfer of a folder
 *   name           (string)  the source's base name, for display
 *   local-path     (string)  the local file or folder (the target of a download; after a
 *                            "Rename" decision, the new name)
 *   remote-path    (string)  the remote file or folder (likewise for an upload)
 *   site           (OpAccount) the FTP site (op-ftp-site.h)
 *   size           (guint64) bytes in all (the whole tree for a folder); 0 = unknown
 *   bytes-done     (guint64) bytes transferred, counting a resumed part
 *   fraction       (double)  bytes-done / size, 0…1 (0 while the size is unknown)
 *   files-done, files-total (guint) for folders
 *   rate           (guint64) bytes per second now (0 when not running)
 *   eta            (gint64)  seconds left, -1 when unknown or not running
 *   state          (OpTransferState)
 *   error-message  (string, nullable) why it failed: translated, with the server's text
 *   overwrite      (OpOverwriteChoice) this item's own decision for an existing target
 *                  (ASK until the user or "apply to all" decides; settable before start).
 *                  On a folder transfer: the decision for every file in it that has none
 *                  of its own ("apply to all" on one of its files sets it).
 *
 * A folder transfer (is-directory) is expanded as it is walked: each file found becomes
 * an item of its own, whose parent is the folder's item, with its own overwrite decision
 * and result. The folder's item counts them (files-done, files-total, size, bytes-done of
 * the finished ones) and is DONE when every file is DONE or SKIPPED, FAILED when any
 * failed or a folder could not be listed.
 */
const char         *op_transfer_item_get_id            (OpTransferItem *self);
OpTransferDirection op_transfer_item_get_direction     (OpTransferItem *self);
gboolean            op_transfer_item_get_is_directory  (OpTransferItem *self);
const char         *op_transfer_item_get_name          (OpTransferItem *self);
const char         *op_transfer_item_get_local_path    (OpTransferItem *self);
const char         *op_transfer_item_get_remote_path   (OpTransferItem *self);
OpAccount          *op_transfer_item_get_site          (OpTransferItem *self);
guint64             op_transfer_item_get_size          (OpTransferItem *self);
guint64             op_transfer_item_get_bytes_done    (OpTransferItem *self);
double              op_transfer_item_get_fraction      (OpTransferItem *self);
guint               op_transfer_item_get_files_done    (OpTransferItem *self);
guint               op_transfer_item_get_files_total   (OpTransferItem *self);
guint64             op_transfer_item_get_rate          (OpTransferItem *self);
gint64              op_transfer_item_get_eta           (OpTransferItem *self);
OpTransferState     op_transfer_item_get_state         (OpTransferItem *self);
const char         *op_transfer_item_get_error_message (OpTransferItem *self);
/* The error behind error-message (nullable; domain OP_FTP_ERROR, G_IO_ERROR or
 * OP_TRANSFER_QUEUE_ERROR). */
const GError       *op_transfer_item_get_error         (OpTransferItem *self);
OpOverwriteChoice   op_transfer_item_get_overwrite     (OpTransferItem *self);
/* (nullable) the folder transfer that listed this file. */
OpTransferItem     *op_transfer_item_get_parent        (OpTransferItem *self);
void                op_transfer_item_set_overwrite     (OpTransferItem *self,
                                                        OpOverwriteChoice choice);
/* Binary: TYPE I whatever the site's transfer type says (a synchronisation copies bytes
 * as they are; Auto would send text files as ASCII, which a server such as vsftpd stores
 * with CR LF). On a folder transfer it holds for every file in it. Default FALSE; set it
 * before the item starts. */
gboolean            op_transfer_item_get_binary        (OpTransferItem *self);
void                op_transfer_item_set_binary        (OpTransferItem *self,
                                                        gboolean        binary);

G_END_DECLS
