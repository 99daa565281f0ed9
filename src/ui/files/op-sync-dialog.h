/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "op-ftp-browser.h"
#include "op-sync-plan.h"
#include "op-transfer-queue.h"

G_BEGIN_DECLS

#define OP_TYPE_SYNC_DIALOG (op_sync_dialog_get_type ())
G_DECLARE_FINAL_TYPE (OpSyncDialog, op_sync_dialog, OP, SYNC_DIALOG, AdwWindow)

/*
 * "Synchronise Folders": the direction (local → remote or remote → local), whether what
 * only the target has is deleted, and hidden files; below, the preview of every copy,
 * replacement and deletion (and what is skipped, and why), listed again after every
 * change of the options (op_sync_scan_async()). "Synchronise" carries out exactly the
 * plan on show (op_sync_apply_async(): the deletions, then one queue batch), emits
 * ::applied (guint n_queued) and closes. The folders are @local_dir and @remote_path,
 * compared by @rules (the Files view's own).
 */
OpSyncDialog *op_sync_dialog_new           (GtkWindow         *parent,
                                            OpFtpBrowser      *browser,
                                            OpTransferQueue   *queue,
                                            OpAccount         *site,
                                            GFile             *local_dir,
                                            const char        *remote_path,
                                            const OpSyncRules *rules);
void          op_sync_dialog_set_direction (OpSyncDialog      *self,
                                            OpSyncDirection    direction);
void          op_sync_dialog_set_delete    (OpSyncDialog      *self,
                                            gboolean           delete_extra);
/* The preview's lines, one per step (GtkStringList); for tests. (transfer none) */
GListModel   *op_sync_dialog_get_preview   (OpSyncDialog      *self);
/* TRUE once the preview is complete and Synchronise can run. */
gboolean      op_sync_dialog_is_ready      (OpSyncDialog      *self);

G_END_DECLS
