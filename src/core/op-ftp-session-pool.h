/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"
#include "op-ftp-client.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

/* How long a session given back stays open for the next transfer, by default. */
#define OP_FTP_SESSION_POOL_IDLE_SECONDS 30

/**
 * OpFtpAcquireFlags:
 * @OP_FTP_ACQUIRE_REUSE: hand out an idle session when one still answers.
 * @OP_FTP_ACQUIRE_CONNECT: else log in a new one.
 */
typedef enum
{
  OP_FTP_ACQUIRE_REUSE   = 1 << 0,
  OP_FTP_ACQUIRE_CONNECT = 1 << 1,
} OpFtpAcquireFlags;

#define OP_TYPE_FTP_SESSION_POOL (op_ftp_session_pool_get_type ())
G_DECLARE_FINAL_TYPE (OpFtpSessionPool, op_ftp_session_pool, OP, FTP_SESSION_POOL, GObject)

/*
 * Logged-in FTP sessions kept between transfers, so a queue of small files pays the
 * connect, the TLS handshake and the login once per session instead of once per file
 * (FileZilla and lftp keep theirs open the same way).
 *
 * A session belongs to the server, port, user and settings it was made for (the site's
 * protocol, charset, data mode and plaintext-password choice): it is only handed to a
 * transfer for the same. The pool holds only idle sessions; how many run at once is the
 * caller's business (the transfer queue's max-parallel and the site's max-connections).
 * An idle session is closed (QUIT) after the idle timeout, and one that was idle a few
 * seconds is asked a NOOP before it is handed out again, so a session the server dropped
 * meanwhile is never given to a transfer.
 *
 * Properties (notify on the main context):
 *   idle-timeout (guint, seconds, read-write, default OP_FTP_SESSION_POOL_IDLE_SECONDS;
 *                0 closes every session as soon as it is given back)
 *   n-idle       (guint) sessions waiting in the pool
 *   n-logins     (guint) sessions the pool has logged in since it was made
 */
OpFtpSessionPool *op_ftp_session_pool_new              (void);
void              op_ftp_session_pool_set_verifier     (OpFtpSessionPool    *self,
                                                        OpTlsVerifier       *verifier);
/* The speed limits every session of the pool transfers under (NULL: none). */
void              op_ftp_session_pool_set_rate_limits  (OpFtpSessionPool    *self,
                                                        OpRateLimit         *download,
                                                        OpRateLimit         *upload);
guint             op_ftp_session_pool_get_idle_timeout (OpFtpSessionPool    *self);
void              op_ftp_session_pool_set_idle_timeout (OpFtpSessionPool    *self,
                                                        guint                seconds);
guint             op_ftp_session_pool_get_n_idle       (OpFtpSessionPool    *self);
guint             op_ftp_session_pool_get_n_logins     (OpFtpSessionPool    *self);
/* TRUE when an idle session for @site waits (it may still turn out dead on its NOOP). */
gboolean          op_ftp_session_pool_has_idle         (OpFtpSessionPool    *self,
                                                        OpAccount           *site);

/*
 * A logged-in session for @site: with OP_FTP_ACQUIRE_REUSE an idle one when there is one
 * that still answers, else, with OP_FTP_ACQUIRE_CONNECT, a new one logged in with
 * @password (NULL for anonymous sites). Neither: OP_FTP_ERROR_NOT_CONNECTED (after REUSE
 * alone the caller then finds the password and asks again with CONNECT). (transfer full)
 * The caller gives it back with op_ftp_session_pool_release().
 */
void              op_ftp_session_pool_acquire_async    (OpFtpSessionPool    *self,
                                                        OpAccount           *site,
                                                        const char          *password,
                                                        OpFtpAcquireFlags    flags,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
OpFtpClient      *op_ftp_session_pool_acquire_finish   (OpFtpSessionPool    *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

/*
 * Gives @client back. With @reusable, and when it is still logged in and idle, it waits
 * for the next transfer to @site; otherwise it is closed (QUIT in the background, or
 * dropped when no longer connected). Pass @reusable FALSE after a cancelled or broken
 * transfer: a session is never reused half-way through a command.
 */
void              op_ftp_session_pool_release          (OpFtpSessionPool    *self,
                                                        OpAccount           *site,
                                                        OpFtpClient         *client,
                                                        gboolean             reusable);
/* Closes every idle session now (QUIT in the background). */
void              op_ftp_session_pool_close_idle       (OpFtpSessionPool    *self);

G_END_DECLS
