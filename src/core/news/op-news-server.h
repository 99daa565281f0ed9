/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"
#include "op-tls-verifier.h"
#include "op-news-store.h"
#include "op-progress.h"

G_BEGIN_DECLS

#define OP_TYPE_NEWS_SERVER (op_news_server_get_type ())
G_DECLARE_FINAL_TYPE (OpNewsServer, op_news_server, OP, NEWS_SERVER, GObject)

/*
 * One news server as the News view sees it (DESIGN.md "Layers": the view drives no
 * protocol client): its account (host, port, security, user), its store, and the NNTP
 * client that feeds the store, connected on first need. The password is looked up in
 * OpSecrets (protocol "nntp") when the account names a user. Every call is queued on
 * the client in order; results arrive on the main context that asked.
 */

/* @store_path (nullable): the store's database; NULL for op_news_store_default_path()
 * of the server's id (host and port). */
OpNewsServer *
op_news_server_new (OpAccount *account, const char *store_path);
OpAccount *
op_news_server_get_account (OpNewsServer *self);
OpNewsStore *
op_news_server_get_store (OpNewsServer *self);
/* The account's name, else its host. */
const char *
op_news_server_get_title (OpNewsServer *self);
/* Certificates the system does not trust go here (the trust store). */
void
op_news_server_set_verifier (OpNewsServer *self, OpTlsVerifier *verifier);
/* The password to use instead of OpSecrets' (set by the UI after asking). */
void
op_news_server_set_password (OpNewsServer *self, const char *password);

/* The article @message_id, whole (headers and body, CRLF lines), as the server sent
 * it: from the store's article cache when it was read before (no connection needed),
 * else from the server, then cached. (transfer full) */
void
op_news_server_fetch_article_async (OpNewsServer *self, const char *message_id,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
GBytes *
op_news_server_fetch_article_finish (OpNewsServer *self, GAsyncResult *result, GError **error);

/* Saves the binary (yEnc or uuencode) article @number of @group carries under
 * @directory: with every other part of its posting when its subject says "(N/M)"
 * (OP_NEWS_BINARY_ERROR_MISSING_PARTS names the parts the store lacks). Each part is
 * read through the article cache; the file is written as op_news_binary_write_file()
 * does (its safe name, through NAME.part). Returns the file written. (transfer full) */
void
op_news_server_save_binary_async (OpNewsServer *self, const char *group, guint64 number,
                                  GFile *directory, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
GFile *
op_news_server_save_binary_finish (OpNewsServer *self, GAsyncResult *result, GError **error);

/* Withdrawable posting (RFC 8315 Cancel-Lock, op-news-cancel.h), each finished with
 * op_news_server_withdraw_finish(), which returns a Message-ID:
 * - post_locked: POST @article with a Cancel-Lock of the store's secret (and a
 *   Message-ID when it has none); returns the article's Message-ID. Only articles posted
 *   so can be cancelled or superseded later.
 * - cancel: POST the cancel of @message_id ("Control: cancel", its Cancel-Key), from its
 *   From to its Newsgroups; returns @message_id. The article is read first (through the
 *   cache): one not posted with this store's lock fails with
 *   OP_NEWS_CANCEL_ERROR_NOT_OWN and nothing is sent.
 * - supersede: POST @article as the replacement of @message_id ("Supersedes:", the
 *   Cancel-Key of the old one, a Cancel-Lock of its own); returns the new Message-ID. */
void
op_news_server_post_locked_async (OpNewsServer *self, GBytes *article, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
void
op_news_server_cancel_async (OpNewsServer *self, const char *message_id,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
void
op_news_server_supersede_async (OpNewsServer *self, const char *message_id, GBytes *article,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
/* (transfer full) */
char *
op_news_server_withdraw_finish (OpNewsServer *self, GAsyncResult *result, GError **error);

/* The group's new headers into the store (op_news_sync_group_async). */
void
op_news_server_sync_group_async (OpNewsServer *self, const char *group, OpProgressFunc progress,
                                 gpointer progress_data, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean
op_news_server_sync_group_finish (OpNewsServer *self, GAsyncResult *result, guint64 *n_new,
                                  GError **error);

/* The server's groups into the store: LIST ACTIVE (marks, posting status; groups the
 * server no longer has are kept with their read state), then LIST NEWSGROUPS
 * (descriptions; a server without them is not an error). */
void
op_news_server_refresh_groups_async (OpNewsServer *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean
op_news_server_refresh_groups_finish (OpNewsServer *self, GAsyncResult *result, GError **error);

/* Connects (or checks the connection): the connection test of a new server. */
void
op_news_server_connect_async (OpNewsServer *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
gboolean
op_news_server_connect_finish (OpNewsServer *self, GAsyncResult *result, GError **error);

/* POST (op_nntp_client_post_async): @article as op_news_draft_to_article() made it, with
 * a Cancel-Lock of the store's secret added as op_news_server_post_locked_async() does
 * (its Message-ID kept), so op_news_server_cancel_async() and _supersede_async() can
 * withdraw it later. A refusal (440, 441, 480) is the client's error, quoting the
 * server's reason. */
void
op_news_server_post_async (OpNewsServer *self, GBytes *article, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
gboolean
op_news_server_post_finish (OpNewsServer *self, GAsyncResult *result, GError **error);

G_END_DECLS
