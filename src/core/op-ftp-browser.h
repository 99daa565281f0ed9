/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"
#include "op-ftp-client.h"
#include "op-ftp-session-pool.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

#define OP_TYPE_FTP_BROWSER (op_ftp_browser_get_type ())
G_DECLARE_FINAL_TYPE (OpFtpBrowser, op_ftp_browser, OP, FTP_BROWSER, GObject)

/*
 * The remote side of a site as the Files view browses it: one logged-in session that
 * lists folders and runs the short operations (MKD, RNFR/RNTO, DELE, SITE CHMOD) in
 * order, and the long ones (a recursive delete or chmod, the download behind View/Edit)
 * on a session of its own taken from a session pool, so browsing answers while they
 * run. The view owns no protocol client: it calls these and observes the properties.
 *
 * Properties (notify on the main context):
 *   state       (OpFtpState) of the browsing session
 *   connecting  (gboolean) the first connect is on its way
 *   connected   (gboolean) logged in once, no disconnect since (a dropped control
 *               connection reconnects on the next call)
 *   log         (GListModel of OpLogEntry, nullable) the browsing session's protocol log
 *   n-running   (guint) long operations running on pooled sessions
 */
OpFtpBrowser *op_ftp_browser_new                  (OpFtpSessionPool    *pool);
void          op_ftp_browser_set_verifier         (OpFtpBrowser        *self,
                                                   OpTlsVerifier       *verifier);
/* Applies now to the connected session, and to the next one. */
void          op_ftp_browser_set_keepalive_interval (OpFtpBrowser      *self,
                                                   guint                seconds);

OpFtpState    op_ftp_browser_get_state            (OpFtpBrowser        *self);
gboolean      op_ftp_browser_get_connecting       (OpFtpBrowser        *self);
gboolean      op_ftp_browser_get_connected        (OpFtpBrowser        *self);
guint         op_ftp_browser_get_n_running        (OpFtpBrowser        *self);
/* The site of the current (or last) session. (nullable) (transfer none) */
OpAccount    *op_ftp_browser_get_site             (OpFtpBrowser        *self);
/* (nullable) (transfer none) */
GListModel   *op_ftp_browser_get_log              (OpFtpBrowser        *self);
/* The server's certificate when the session is connected over TLS. (nullable) */
GTlsCertificate *op_ftp_browser_get_peer_certificate (OpFtpBrowser     *self);
/* The browsing session itself, for tests that look at it. (nullable) (transfer none) */
OpFtpClient  *op_ftp_browser_get_client           (OpFtpBrowser        *self);

/*
 * Connects to @site (op_ftp_site_new_client()) with @password (NULL: anonymous or none),
 * after ending any earlier session. @allow_plaintext_password: the user agreed, for
 * this connection, to send the password unencrypted. The same site and password open
 * the pooled sessions of the long operations.
 */
void          op_ftp_browser_connect_async        (OpFtpBrowser        *self,
                                                   OpAccount           *site,
                                                   const char          *password,
                                                   gboolean             allow_plaintext_password,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean      op_ftp_browser_connect_finish       (OpFtpBrowser        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
/* Cancels a connect on its way and every call of this session, and logs out (QUIT in
 * the background). Long operations already running go on to their end. */
void          op_ftp_browser_disconnect           (OpFtpBrowser        *self);

/* CWD @path (NULL: stay) then PWD and LIST: the listing and the server's own spelling
 * of the folder (@path_out, transfer full). */
void          op_ftp_browser_list_async           (OpFtpBrowser        *self,
                                                   const char          *path,
                                                   OpFtpListFlags       flags,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
OpFtpListing *op_ftp_browser_list_finish          (OpFtpBrowser        *self,
                                                   GAsyncResult        *result,
                                                   char               **path_out,
                                                   GError             **error);

/* Short operations, on the browsing session, in order with the listings. */
void          op_ftp_browser_mkdir_async          (OpFtpBrowser        *self,
                                                   const char          *path,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
void          op_ftp_browser_rename_async         (OpFtpBrowser        *self,
                                                   const char          *from,
                                                   const char          *to,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
void          op_ftp_browser_delete_async         (OpFtpBrowser        *self,
                                                   const char          *path,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
void          op_ftp_browser_chmod_async          (OpFtpBrowser        *self,
                                                   const char          *path,
                                                   guint                mode,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);

/* Long operations, each on a pooled session of the site (logged in when none is idle). */
void          op_ftp_browser_delete_tree_async    (OpFtpBrowser        *self,
                                                   const char          *path,
                                                   OpFtpProgressFunc    progress,
                                                   gpointer             progress_data,
                                                   GDestroyNotify       progress_notify,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
void          op_ftp_browser_chmod_tree_async     (OpFtpBrowser        *self,
                                                   const char          *path,
                                                   guint                mode,
                                                   OpFtpChmodTargets    targets,
                                                   OpFtpProgressFunc    progress,
                                                   gpointer             progress_data,
                                                   GDestroyNotify       progress_notify,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* RETR @remote_path into @local (through NAME.part), for View/Edit, with the bytes'
 * progress (@progress may be NULL). */
void          op_ftp_browser_download_async       (OpFtpBrowser        *self,
                                                   const char          *remote_path,
                                                   GFile               *local,
                                                   OpFtpProgressFunc    progress,
                                                   gpointer             progress_data,
                                                   GDestroyNotify       progress_notify,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);

/* Finishes every call above but list and connect. */
gboolean      op_ftp_browser_finish               (OpFtpBrowser        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

G_END_DECLS
