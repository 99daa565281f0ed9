/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-imap-client.h"
#include "op-mail-store.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

/**
 * OpMailSyncMode:
 * @OP_MAIL_SYNC_MODE_UNKNOWN: not connected yet.
 * @OP_MAIL_SYNC_MODE_QRESYNC: RFC 7162 QRESYNC: SELECT (QRESYNC …) reports what changed
 *   and what vanished since the last sync.
 * @OP_MAIL_SYNC_MODE_CONDSTORE: RFC 7162 CONDSTORE: flags by CHANGEDSINCE, expunges by
 *   comparing UIDs.
 * @OP_MAIL_SYNC_MODE_FALLBACK: neither: a flags scan of the known messages and a UID
 *   comparison.
 */
typedef enum
{
  OP_MAIL_SYNC_MODE_UNKNOWN,
  OP_MAIL_SYNC_MODE_QRESYNC,
  OP_MAIL_SYNC_MODE_CONDSTORE,
  OP_MAIL_SYNC_MODE_FALLBACK,
} OpMailSyncMode;

/* Messages fetched per UID FETCH in a first sync (the first batch is smaller, so the
 * newest mail shows at once). Each batch is one transaction: fewer, larger ones write
 * the threading and full-text index pages fewer times (tests/bench/README.md). */
#define OP_MAIL_SYNC_BATCH        2000
#define OP_MAIL_SYNC_FIRST_BATCH  50
/* RFC 2177 §3: re-issue IDLE at least every 29 minutes. */
#define OP_MAIL_SYNC_IDLE_RESTART (29 * 60)
/* Background prefetch of recent bodies (issue 12, "Bodies"): after a folder's sync, the
 * bodies of its messages of the last OP_MAIL_SYNC_PREFETCH_DAYS days, newest first, at
 * most OP_MAIL_SYNC_PREFETCH_COUNT of them and each at most OP_MAIL_SYNC_PREFETCH_SIZE
 * bytes, are fetched and cached (so previews and search have their text). */
#define OP_MAIL_SYNC_PREFETCH_DAYS  14
#define OP_MAIL_SYNC_PREFETCH_COUNT 200
#define OP_MAIL_SYNC_PREFETCH_SIZE  (1024 * 1024)

#define OP_TYPE_MAIL_IMAP_SYNC (op_mail_imap_sync_get_type ())
G_DECLARE_FINAL_TYPE (OpMailImapSync, op_mail_imap_sync, OP, MAIL_IMAP_SYNC, GObject)

/*
 * Keeps an OpMailStore in step with one IMAP account. It owns an OpImapClient, made and
 * driven on a sync thread of its own (which only orchestrates: the client does its I/O
 * on its worker, the store writes on its thread). Requests run in the order made; the
 * results and signals arrive on the GMainContext the sync was made on.
 *
 * A folder's sync: SELECT (with QRESYNC when the server offers it and the folder was
 * synced before); a new UIDVALIDITY clears the folder and starts over; then
 *   - first sync (or one that was interrupted): UID SEARCH ALL, and the messages the store
 *     lacks are fetched newest first, OP_MAIL_SYNC_FIRST_BATCH then OP_MAIL_SYNC_BATCH at
 *     a time (envelope, flags, size, structure, References), each batch committed before
 *     the next one's is written;
 *   - later syncs: QRESYNC's VANISHED and changed flags, or CONDSTORE's CHANGEDSINCE plus
 *     a UID comparison, or (neither) a flags scan plus a UID comparison; then the messages
 *     from the stored UIDNEXT on.
 * The folder's UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ are stored only with the batch that
 * completes it, so an interrupted sync resumes where it stopped.
 *
 * Signals:
 *   ::new-mail (gint64 folder_id, gint64 message_id, const char *sender,
 *               const char *subject) — an unread message arrived in a folder that had
 *               been synced before (not during a first sync), for notifications.
 *   ::error (GError *error) — IDLE ended with an error (a dropped connection); requests
 *               report their own errors.
 */
OpMailImapSync *op_mail_imap_sync_new                  (OpMailStore        *store,
                                                        const char         *host,
                                                        guint16             port,
                                                        OpSecurity      security,
                                                        const char         *user);
void            op_mail_imap_sync_set_password         (OpMailImapSync     *self,
                                                        const char         *password);
void            op_mail_imap_sync_set_verifier         (OpMailImapSync     *self,
                                                        OpTlsVerifier      *verifier);
void            op_mail_imap_sync_set_timeout          (OpMailImapSync     *self,
                                                        guint               seconds);
void            op_mail_imap_sync_set_allow_plaintext_password (OpMailImapSync *self,
                                                        gboolean            allow);
OpMailStore    *op_mail_imap_sync_get_store            (OpMailImapSync     *self);
/* Days of recent mail whose bodies are prefetched (0: none). Default
 * OP_MAIL_SYNC_PREFETCH_DAYS. */
void            op_mail_imap_sync_set_prefetch_days    (OpMailImapSync     *self,
                                                        guint               days);
/* How the last folder sync worked (after the first connection). */
OpMailSyncMode  op_mail_imap_sync_get_mode             (OpMailImapSync     *self);

/* Connects when needed, syncs the folder list (LIST with SPECIAL-USE), then every
 * selectable folder, the Inbox first. */
void            op_mail_imap_sync_run_async            (OpMailImapSync     *self,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
/* Connects when needed and syncs the folder list only (LIST with SPECIAL-USE), so that
 * the folders show before their messages do. */
void            op_mail_imap_sync_folders_async        (OpMailImapSync     *self,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
/* Connects when needed and syncs one folder (by its full name) of the store. */
void            op_mail_imap_sync_folder_async         (OpMailImapSync     *self,
                                                        const char         *name,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
/* Replays the store's offline changes (op_mail_store_set_flags_async() and the others)
 * without syncing; run and folder replay them first too. */
void            op_mail_imap_sync_push_async           (OpMailImapSync     *self,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
/* APPENDs @message (RFC 5322 bytes) to @folder with @flags (the Sent copy of a message,
 * a draft); the store learns of it with the folder's next sync. */
void            op_mail_imap_sync_append_async         (OpMailImapSync     *self,
                                                        const char         *folder,
                                                        GBytes             *message,
                                                        OpMailFlags         flags,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
/* Finishes run, folders, folder, push and append. */
gboolean        op_mail_imap_sync_finish               (OpMailImapSync     *self,
                                                        GAsyncResult       *result,
                                                        GError            **error);

/* The raw message of @message_id: from the store's cache, else fetched (BODY.PEEK[]),
 * cached, and returned. */
void            op_mail_imap_sync_fetch_body_async     (OpMailImapSync     *self,
                                                        gint64              message_id,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
GBytes         *op_mail_imap_sync_fetch_body_finish    (OpMailImapSync     *self,
                                                        GAsyncResult       *result,
                                                        GError            **error);

/* Search (issue 12, "Search"): the server's UID SEARCH (TEXT for each word of @query, in
 * the folder @folder_id) merged with the local full-text search, as store messages,
 * newest first, at most @limit. The view shows op_mail_store_search_async()'s results at
 * once and this merged list when it arrives: the server finds words in bodies the store
 * has not cached. (element-type OpMailMessage) */
void            op_mail_imap_sync_search_async         (OpMailImapSync     *self,
                                                        gint64              folder_id,
                                                        const char         *query,
                                                        guint               limit,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
GPtrArray      *op_mail_imap_sync_search_finish        (OpMailImapSync     *self,
                                                        GAsyncResult       *result,
                                                        GError            **error);

/* Between requests, IDLE on the Inbox: a change there syncs it (and may emit
 * ::new-mail). Off by default. */
void            op_mail_imap_sync_set_idle             (OpMailImapSync     *self,
                                                        gboolean            idle);
/* TRUE while an IDLE command is running on the server (for tests and status). */
gboolean        op_mail_imap_sync_get_idling           (OpMailImapSync     *self);

/* Ends IDLE, logs out, and stops the sync thread; pending requests fail with
 * G_IO_ERROR_CANCELLED. Also done by dispose. */
void            op_mail_imap_sync_close                (OpMailImapSync     *self);

G_END_DECLS
