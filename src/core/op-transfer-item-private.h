/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-transfer-item.h"

G_BEGIN_DECLS

/* The queue's side of an item (op-transfer-queue.c): everything the UI only reads. */
OpTransferItem *_op_transfer_item_new            (const char          *id,
                                                  OpTransferDirection  direction,
                                                  gboolean             is_directory,
                                                  OpAccount           *site,
                                                  const char          *local_path,
                                                  const char          *remote_path,
                                                  guint64              size);
void            _op_transfer_item_set_state      (OpTransferItem      *self,
                                                  OpTransferState      state);
void            _op_transfer_item_set_error      (OpTransferItem      *self,
                                                  const GError        *error);
void            _op_transfer_item_set_local_path (OpTransferItem      *self,
                                                  const char          *path);
void            _op_transfer_item_set_remote_path (OpTransferItem     *self,
                                                  const char          *path);
void            _op_transfer_item_set_size       (OpTransferItem      *self,
                                                  guint64              size);
/* Progress: notifies only what changed; rate and eta are derived. */
void            _op_transfer_item_set_progress   (OpTransferItem      *self,
                                                  guint64              bytes_done,
                                                  guint64              bytes_total,
                                                  guint64              rate,
                                                  guint                files_done,
                                                  guint                files_total);
/* TRUE once a transfer has begun writing the target: the next run continues it (REST)
 * instead of looking at the target again. */
gboolean        _op_transfer_item_get_resume     (OpTransferItem      *self);
void            _op_transfer_item_set_resume     (OpTransferItem      *self,
                                                  gboolean             resume);
/* The folder transfer that listed this file (a strong reference). */
void            _op_transfer_item_set_parent     (OpTransferItem      *self,
                                                  OpTransferItem      *parent);
/* What the folder's listing said about the source (saves a STAT per file); NULL when
 * nothing is known. */
const OpFileFacts *_op_transfer_item_get_source_facts (OpTransferItem   *self);
void            _op_transfer_item_set_source_facts (OpTransferItem    *self,
                                                  const OpFileFacts   *facts);
/* Automatic retries (op-transfer-queue.h "Retries"): how many were made since the item
 * was last started by hand, and when the next may start (monotonic µs, 0: now). */
guint           _op_transfer_item_get_attempts   (OpTransferItem      *self);
gint64          _op_transfer_item_get_retry_at   (OpTransferItem      *self);
void            _op_transfer_item_set_retry      (OpTransferItem      *self,
                                                  guint                attempts,
                                                  gint64               retry_at);
/* Clears rate and eta (when the item stops running). */
void            _op_transfer_item_stop_meter     (OpTransferItem      *self);

G_END_DECLS
