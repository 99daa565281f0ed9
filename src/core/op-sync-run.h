/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-ftp-browser.h"
#include "op-sync-plan.h"
#include "op-transfer-queue.h"

G_BEGIN_DECLS

/*
 * Synchronising two folders (issue 17): first the plan, by listing both trees folder by
 * folder (the remote one on the browser's session, the local one in a GIO thread), then
 * carrying it out: the deletions asked for, one at a time, and then every copy and
 * replacement as one batch of the transfer queue (its parallel sessions, retries and
 * per-file results). Nothing runs on the main thread but bookkeeping.
 */

/*
 * Lists @local_root and @remote_root (an absolute remote path) to any depth and compares
 * them with op_sync_plan_add_folder(). The browser must be connected. (transfer full) on
 * finish; NULL and the first listing error (the remote one as the server said it).
 */
void        op_sync_scan_async   (OpFtpBrowser        *browser,
                                  GFile               *local_root,
                                  const char          *remote_root,
                                  OpSyncDirection      direction,
                                  const OpSyncRules   *rules,
                                  gboolean             include_hidden,
                                  gboolean             delete_extra,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
OpSyncPlan *op_sync_scan_finish  (GAsyncResult        *result,
                                  GError             **error);

/*
 * Carries out @plan (kept alive by the caller until the callback) between the same
 * roots: DELETE steps first, in order (on the server through @browser: DELE, or the
 * recursive delete on a pooled session; local ones in a GIO thread), then one queue item
 * per COPY and REPLACE step for @site, each set to overwrite (the user saw the preview).
 * Stops at the first deletion that fails, before anything is queued. On success
 * @n_queued (nullable) says how many items were added.
 */
void        op_sync_apply_async  (OpSyncPlan          *plan,
                                  OpFtpBrowser        *browser,
                                  OpTransferQueue     *queue,
                                  OpAccount           *site,
                                  GFile               *local_root,
                                  const char          *remote_root,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
gboolean    op_sync_apply_finish (GAsyncResult        *result,
                                  guint               *n_queued,
                                  GError             **error);

/* @root joined with a relative '/' path ("" gives @root). (transfer full) */
char       *op_sync_remote_join  (const char          *root,
                                  const char          *relative);

G_END_DECLS
