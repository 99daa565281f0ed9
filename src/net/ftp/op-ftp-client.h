/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-ftp-error.h"
#include "op-ftp-listing.h"
#include "op-ftp-reply.h"
#include "op-net-types.h"
#include "op-protocol-log.h"
#include "op-rate-limit.h"
#include "op-session.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

/**
 * OpFtpDataMode:
 * @OP_FTP_DATA_PASSIVE: EPSV, then PASV (the default).
 * @OP_FTP_DATA_ACTIVE: EPRT, then PORT: the server connects to us.
 */
typedef enum
{
  OP_FTP_DATA_PASSIVE,
  OP_FTP_DATA_ACTIVE,
} OpFtpDataMode;

/**
 * OpFtpTransferFlags:
 * @OP_FTP_TRANSFER_DEFAULT: binary (TYPE I), from the start, keeping modification times.
 * @OP_FTP_TRANSFER_ASCII: TYPE A: line endings become CRLF on the wire and "\n" locally.
 * @OP_FTP_TRANSFER_RESUME: a download continues from the size of NAME.part (REST); an
 *   upload continues from the remote file's size (REST + STOR, or APPE without REST).
 * @OP_FTP_TRANSFER_APPEND: an upload appends to the remote file (APPE).
 * @OP_FTP_TRANSFER_NO_MTIME: do not copy the modification time (MFMT on upload, the
 *   local file's time on download).
 */
typedef enum
{
  OP_FTP_TRANSFER_DEFAULT  = 0,
  OP_FTP_TRANSFER_ASCII    = 1 << 0,
  OP_FTP_TRANSFER_RESUME   = 1 << 1,
  OP_FTP_TRANSFER_APPEND   = 1 << 2,
  OP_FTP_TRANSFER_NO_MTIME = 1 << 3,
} OpFtpTransferFlags;

/**
 * OpFtpChmodTargets:
 * @OP_FTP_CHMOD_FILES: op_ftp_client_chmod_tree_async() changes the files in the tree.
 * @OP_FTP_CHMOD_FOLDERS: it changes the folders, the top one included.
 *
 * FileZilla's "apply to all files and folders / only files / only folders".
 */
typedef enum
{
  OP_FTP_CHMOD_FILES   = 1 << 0,
  OP_FTP_CHMOD_FOLDERS = 1 << 1,
  OP_FTP_CHMOD_ALL     = OP_FTP_CHMOD_FILES | OP_FTP_CHMOD_FOLDERS,
} OpFtpChmodTargets;

/**
 * OpFtpListFlags:
 * @OP_FTP_LIST_DEFAULT: MLSD when the server offers it, else LIST.
 * @OP_FTP_LIST_FORCE_LIST: LIST even when MLSD is offered.
 * @OP_FTP_LIST_SHOW_HIDDEN: "LIST -a" (only with LIST; MLSD always shows everything).
 */
typedef enum
{
  OP_FTP_LIST_DEFAULT     = 0,
  OP_FTP_LIST_FORCE_LIST  = 1 << 0,
  OP_FTP_LIST_SHOW_HIDDEN = 1 << 1,
} OpFtpListFlags;

/**
 * OpFtpProgress:
 * @bytes_done: bytes transferred so far in this operation (the whole tree for the
 *   recursive calls), counting a resumed file's existing part.
 * @bytes_total: bytes in all, or 0 when unknown.
 * @bytes_per_second: the current rate (averaged over the last seconds).
 * @files_done: files finished (recursive calls; 0 or 1 otherwise).
 * @files_total: files in all (recursive calls, known after the tree was listed).
 * @current_path: (nullable): the remote path being transferred or deleted.
 *
 * Delivered on the main context that started the operation, at most ~20 times a second.
 */
typedef struct
{
  guint64     bytes_done;
  guint64     bytes_total;
  guint64     bytes_per_second;
  guint       files_done;
  guint       files_total;
  const char *current_path;
} OpFtpProgress;

typedef void (*OpFtpProgressFunc) (const OpFtpProgress *progress,
                                   gpointer             user_data);

/**
 * OpFtpState:
 * @OP_FTP_STATE_DISCONNECTED: not connected (yet, or any more: after QUIT, a dropped
 *   control connection, or a failed connect).
 * @OP_FTP_STATE_CONNECTING: connecting, TLS, login.
 * @OP_FTP_STATE_READY: logged in and idle.
 * @OP_FTP_STATE_BUSY: running a command or a transfer.
 */
typedef enum
{
  OP_FTP_STATE_DISCONNECTED,
  OP_FTP_STATE_CONNECTING,
  OP_FTP_STATE_READY,
  OP_FTP_STATE_BUSY,
} OpFtpState;

#define OP_TYPE_FTP_DATA_MODE (op_ftp_data_mode_get_type ())
GType op_ftp_data_mode_get_type (void) G_GNUC_CONST;
#define OP_TYPE_FTP_STATE (op_ftp_state_get_type ())
GType op_ftp_state_get_type (void) G_GNUC_CONST;

#define OP_TYPE_FTP_CLIENT (op_ftp_client_get_type ())
G_DECLARE_FINAL_TYPE (OpFtpClient, op_ftp_client, OP, FTP_CLIENT, OpSession)

/*
 * One FTP session, an OpSession (src/net/README.md): one control connection and its own
 * worker thread (DESIGN.md "Sessions and threads"). Every _async call is queued and runs
 * in order; results, progress and property notifications arrive on the caller's main
 * context. Parallel transfers use several clients.
 *
 * @security: OP_SECURITY_STARTTLS is explicit FTPS (RFC 4217: AUTH TLS before login,
 * PBSZ 0 and PROT P; a refusal is an error, never a silent fallback); implicit TLS is
 * port 990's TLS from the first byte. Plain FTP needs
 * op_ftp_client_set_allow_plaintext_password() to send a password.
 *
 * Settings (set before op_ftp_client_connect_async(); later changes apply to the next
 * command that uses them):
 */
OpFtpClient   *op_ftp_client_new                       (const char     *host,
                                                        guint16         port,
                                                        OpSecurity      security);
OP_SESSION_DECLARE_SETTINGS (OpFtpClient, op_ftp_client)
/* The site's charset for names (NULL or "UTF-8": UTF-8, with OPTS UTF8 ON when offered). */
void           op_ftp_client_set_charset               (OpFtpClient    *self,
                                                        const char     *charset);
void           op_ftp_client_set_data_mode             (OpFtpClient    *self,
                                                        OpFtpDataMode   mode);
/* Use the address inside a PASV reply instead of the control connection's peer
 * (off by default: DESIGN.md "Hostile input"). */
void           op_ftp_client_set_trust_pasv_address    (OpFtpClient    *self,
                                                        gboolean        trust);
/* NOOP after this many idle seconds while connected (0: never). Default 0. */
void           op_ftp_client_set_keepalive_interval    (OpFtpClient    *self,
                                                        guint           seconds);
/* Speed limits for the file data of RETR (@download) and STOR/APPE (@upload), usually
 * shared by every session of the application; NULL: none. Listings are not limited.
 * A limit's rate may change at any time, also during a transfer. */
void           op_ftp_client_set_rate_limits           (OpFtpClient    *self,
                                                        OpRateLimit    *download,
                                                        OpRateLimit    *upload);

OP_SESSION_DECLARE_GETTERS (OpFtpClient, op_ftp_client)
OpFtpState     op_ftp_client_get_state                 (OpFtpClient    *self);
/* Known after connecting (main-context snapshots; NULL before). */
gboolean       op_ftp_client_has_feature               (OpFtpClient    *self,
                                                        const char     *feature);
const char    *op_ftp_client_get_system                (OpFtpClient    *self);

/* Connect, TLS as configured, USER/PASS[/ACCT] (user NULL or "anonymous": anonymous,
 * with @password as the e-mail-style password, default "anonymous@"), FEAT, OPTS UTF8 ON,
 * SYST, TYPE I. */
void     op_ftp_client_connect_async      (OpFtpClient          *self,
                                           const char           *user,
                                           const char           *password,
                                           const char           *account,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_connect_finish     (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* QUIT and close; a dead connection is closed without error. */
void     op_ftp_client_quit_async         (OpFtpClient          *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_quit_finish        (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);

void     op_ftp_client_noop_async         (OpFtpClient          *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_noop_finish        (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* PWD: the current directory (UTF-8). (transfer full) */
void     op_ftp_client_pwd_async          (OpFtpClient          *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
char    *op_ftp_client_pwd_finish         (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* CWD @path ("..": CDUP); returns the new current directory (PWD). (transfer full) */
void     op_ftp_client_cwd_async          (OpFtpClient          *self,
                                           const char           *path,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
char    *op_ftp_client_cwd_finish         (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* A directory listing (@path NULL: the current directory). (transfer full) */
void     op_ftp_client_list_async         (OpFtpClient          *self,
                                           const char           *path,
                                           OpFtpListFlags        flags,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
OpFtpListing *op_ftp_client_list_finish   (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* NLST: names only, UTF-8, without "." and "..". (transfer full) */
void     op_ftp_client_nlst_async         (OpFtpClient          *self,
                                           const char           *path,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GStrv    op_ftp_client_nlst_finish        (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* One path's facts for overwrite decisions: MLST when offered, else SIZE + MDTM (and
 * CWD to tell a directory). OP_FTP_ERROR_NOT_FOUND when it does not exist.
 * (transfer full) */
void     op_ftp_client_stat_async         (OpFtpClient          *self,
                                           const char           *path,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
OpFtpEntry *op_ftp_client_stat_finish     (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* SIZE (in TYPE I). */
void     op_ftp_client_size_async         (OpFtpClient          *self,
                                           const char           *path,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_size_finish        (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           guint64              *size,
                                           GError              **error);

/*
 * Download @remote_path to @local. The bytes go to "@local.part", renamed to @local only
 * when complete; a failure or a cancel leaves no file under the final name (the .part
 * stays, for OP_FTP_TRANSFER_RESUME). Cancelling sends ABOR.
 */
void     op_ftp_client_download_async     (OpFtpClient          *self,
                                           const char           *remote_path,
                                           GFile                *local,
                                           OpFtpTransferFlags    flags,
                                           OpFtpProgressFunc     progress,
                                           gpointer              progress_data,
                                           GDestroyNotify        progress_notify,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
/* The same, for a file the caller knows from a listing: @known_size spares the SIZE
 * command (a round trip per file of a folder); the byte count the server announces in
 * its 150 reply, or else @known_size, checks that every byte arrived (with
 * OP_FTP_TRANSFER_RESUME the server's size is asked all the same). @known_mtime (seconds
 * since the epoch, UTC), when above 0, is a time to the second (an MLSD listing): it is
 * set on the copy without MDTM; 0 asks. Finish it with op_ftp_client_download_finish(). */
void     op_ftp_client_download_known_async (OpFtpClient        *self,
                                           const char           *remote_path,
                                           GFile                *local,
                                           guint64               known_size,
                                           gint64                known_mtime,
                                           OpFtpTransferFlags    flags,
                                           OpFtpProgressFunc     progress,
                                           gpointer              progress_data,
                                           GDestroyNotify        progress_notify,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_download_finish    (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* Upload @local to @remote_path (STOR, APPE with OP_FTP_TRANSFER_APPEND, REST + STOR
 * with OP_FTP_TRANSFER_RESUME), then MFMT when offered. */
void     op_ftp_client_upload_async       (OpFtpClient          *self,
                                           GFile                *local,
                                           const char           *remote_path,
                                           OpFtpTransferFlags    flags,
                                           OpFtpProgressFunc     progress,
                                           gpointer              progress_data,
                                           GDestroyNotify        progress_notify,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_upload_finish      (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* DELE, MKD, RMD, RNFR+RNTO, SITE CHMOD (@mode: 0..07777). */
void     op_ftp_client_delete_async       (OpFtpClient          *self,
                                           const char           *path,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_delete_finish      (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void     op_ftp_client_mkdir_async        (OpFtpClient          *self,
                                           const char           *path,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_mkdir_finish       (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void     op_ftp_client_rmdir_async        (OpFtpClient          *self,
                                           const char           *path,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_rmdir_finish       (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void     op_ftp_client_rename_async       (OpFtpClient          *self,
                                           const char           *from,
                                           const char           *to,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_rename_finish      (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void     op_ftp_client_chmod_async        (OpFtpClient          *self,
                                           const char           *path,
                                           guint                 mode,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_chmod_finish       (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* ftplib's sendcmd: one command line (UTF-8, converted to the site charset), its reply.
 * A 4xx/5xx reply is returned, not an error. Verbs that would break the session (AUTH,
 * CCC, PROT, PBSZ, RETR, STOR, PASS, USER) fail with OP_FTP_ERROR_INVALID_NAME before
 * anything is sent. (transfer full) */
void     op_ftp_client_send_command_async (OpFtpClient          *self,
                                           const char           *line,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
OpFtpReply *op_ftp_client_send_command_finish (OpFtpClient      *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/*
 * Recursive operations with progress over the whole tree: the tree is listed first
 * (files_total, bytes_total known), then transferred. Remote names become local names
 * through op_ftp_local_name_from_remote(); a name that cannot be made safe fails the call
 * with OP_FTP_ERROR_INVALID_NAME before anything is written.
 */
void     op_ftp_client_download_tree_async (OpFtpClient         *self,
                                           const char           *remote_dir,
                                           GFile                *local_dir,
                                           OpFtpTransferFlags    flags,
                                           OpFtpProgressFunc     progress,
                                           gpointer              progress_data,
                                           GDestroyNotify        progress_notify,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_download_tree_finish (OpFtpClient        *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void     op_ftp_client_upload_tree_async  (OpFtpClient          *self,
                                           GFile                *local_dir,
                                           const char           *remote_dir,
                                           OpFtpTransferFlags    flags,
                                           OpFtpProgressFunc     progress,
                                           gpointer              progress_data,
                                           GDestroyNotify        progress_notify,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_upload_tree_finish (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void     op_ftp_client_delete_tree_async  (OpFtpClient          *self,
                                           const char           *remote_dir,
                                           OpFtpProgressFunc     progress,
                                           gpointer              progress_data,
                                           GDestroyNotify        progress_notify,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_delete_tree_finish (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);
/* SITE CHMOD on @remote_dir and, per @targets, on what is below it (listed first; files,
 * then folders deepest first, the top one last). files_done/files_total count the
 * entries changed. */
void     op_ftp_client_chmod_tree_async   (OpFtpClient          *self,
                                           const char           *remote_dir,
                                           guint                 mode,
                                           OpFtpChmodTargets     targets,
                                           OpFtpProgressFunc     progress,
                                           gpointer              progress_data,
                                           GDestroyNotify        progress_notify,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean op_ftp_client_chmod_tree_finish  (OpFtpClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* Ends the session without waiting (op_session_shutdown()): queued calls complete as
 * cancelled, the running one is cancelled, and the connection is closed on the worker.
 * The client is unusable after. */
void     op_ftp_client_shutdown           (OpFtpClient          *self);

G_END_DECLS
