/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "nntp/op-nntp-client.h"
#include "op-news-store.h"
#include "op-progress.h"

G_BEGIN_DECLS

/* Articles asked for in one OVER: the store's queue holds at most this many overviews of
 * a sync, and the one batch it is writing, at once (the client parses
 * OP_NNTP_OVERVIEW_IN_FLIGHT batches ahead). */
#define OP_NEWS_SYNC_DEFAULT_CHUNK 5000

/*
 * Incremental fetch (issue 14, "Store"): the overviews of @group that @store lacks,
 * from @client (connected), in OVERs of at most @chunk articles (0: the default) whose
 * batches go into the store as they arrive, each stored and threaded in one
 * transaction, in order.
 *
 * First the group's line of LIST ACTIVE updates its marks and posting status, then
 * GROUP selects it; a raised low mark expires what the server dropped; the fetch starts
 * after the store's fetched mark (or at the low mark). Because batches are stored in
 * order, a sync that fails half-way (a dropped connection) leaves a prefix, and the
 * next one continues after it with no gap and no duplicate.
 *
 * @progress (nullable): articles fetched so far of those announced, on the main context.
 * The call completes after every store write it started has ended.
 */
void      op_news_sync_group_async  (OpNewsStore          *store,
                                     OpNntpClient         *client,
                                     const char           *group,
                                     guint                 chunk,
                                     OpProgressFunc        progress,
                                     gpointer              progress_data,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
/* @n_new: overviews fetched and stored by this sync. */
gboolean  op_news_sync_group_finish (OpNewsStore          *store,
                                     GAsyncResult         *result,
                                     guint64              *n_new,
                                     GError              **error);

G_END_DECLS
