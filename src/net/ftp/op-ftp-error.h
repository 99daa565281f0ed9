/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-ftp-reply.h"

G_BEGIN_DECLS

#define OP_FTP_ERROR (op_ftp_error_quark ())

/**
 * OpFtpError:
 * @OP_FTP_ERROR_TRANSIENT: a 4xx reply not covered below: trying again later may work.
 * @OP_FTP_ERROR_PERMANENT: a 5xx reply not covered below: repeating it will not help.
 * @OP_FTP_ERROR_LOGIN_FAILED: the server refused the user name, password or account.
 * @OP_FTP_ERROR_PERMISSION_DENIED: the server refused access to the file or folder.
 * @OP_FTP_ERROR_NOT_FOUND: no such file or folder.
 * @OP_FTP_ERROR_ALREADY_EXISTS: a file or folder of that name exists.
 * @OP_FTP_ERROR_DISK_FULL: quota exceeded or no space left (452, 552).
 * @OP_FTP_ERROR_CONNECTION_LOST: the control or data connection closed, stalled past the
 *   timeout or failed mid-operation; the message says how many bytes had been moved.
 * @OP_FTP_ERROR_BAD_REPLY: the server sent something that is not a valid reply.
 * @OP_FTP_ERROR_TLS_REFUSED: TLS was required and the server refused AUTH TLS, PBSZ or
 *   PROT P (nothing secret was sent).
 * @OP_FTP_ERROR_TLS_SESSION_REUSE: the server refused the data connection because it did
 *   not resume the control connection's TLS session (vsftpd 522, ProFTPD 425).
 * @OP_FTP_ERROR_PLAINTEXT_PASSWORD: a password would have gone over an unencrypted
 *   connection and the site does not allow that.
 * @OP_FTP_ERROR_NOT_CONNECTED: the call needs a logged-in session.
 * @OP_FTP_ERROR_UNSUPPORTED: the server does not implement the command (502, 504).
 * @OP_FTP_ERROR_INVALID_NAME: a name cannot be sent (CR, LF, NUL, not expressible in the
 *   site's charset) or cannot be used locally ("..", "/"); or a raw command whose verb
 *   would break the session.
 * @OP_FTP_ERROR_LOCAL: reading or writing the local file failed (the message says which).
 */
typedef enum
{
  OP_FTP_ERROR_TRANSIENT,
  OP_FTP_ERROR_PERMANENT,
  OP_FTP_ERROR_LOGIN_FAILED,
  OP_FTP_ERROR_PERMISSION_DENIED,
  OP_FTP_ERROR_NOT_FOUND,
  OP_FTP_ERROR_ALREADY_EXISTS,
  OP_FTP_ERROR_DISK_FULL,
  OP_FTP_ERROR_CONNECTION_LOST,
  OP_FTP_ERROR_BAD_REPLY,
  OP_FTP_ERROR_TLS_REFUSED,
  OP_FTP_ERROR_TLS_SESSION_REUSE,
  OP_FTP_ERROR_PLAINTEXT_PASSWORD,
  OP_FTP_ERROR_NOT_CONNECTED,
  OP_FTP_ERROR_UNSUPPORTED,
  OP_FTP_ERROR_INVALID_NAME,
  OP_FTP_ERROR_LOCAL,
} OpFtpError;

GQuark op_ftp_error_quark (void);

/**
 * OpFtpCommandKind:
 * What a reply answered; the same code means different things after different commands
 * (530 after PASS is a failed login; 550 after MKD may mean "exists").
 */
typedef enum
{
  OP_FTP_COMMAND_OTHER,
  OP_FTP_COMMAND_LOGIN,
  OP_FTP_COMMAND_TLS,
  OP_FTP_COMMAND_DATA,      /* EPSV, PASV, PORT, EPRT, and opening the data connection */
  OP_FTP_COMMAND_READ,      /* RETR, LIST, MLSD, NLST, SIZE, MDTM, MLST, CWD */
  OP_FTP_COMMAND_WRITE,     /* STOR, APPE, MFMT, SITE CHMOD */
  OP_FTP_COMMAND_MKDIR,
  OP_FTP_COMMAND_REMOVE,    /* DELE, RMD */
  OP_FTP_COMMAND_RENAME,
  OP_FTP_COMMAND_TLS_DATA,  /* a 425/522 to a transfer whose data connection uses TLS */
} OpFtpCommandKind;

/* The one place reply codes become errors (STYLE.md "Ownership and errors"): @reply is a
 * 4xx or 5xx reply to @command (the verb, for the message), asked in @kind. The message
 * is translated and quotes the server's text. (transfer full) */
GError *op_ftp_error_from_reply (const OpFtpReply *reply,
                                 const char       *command,
                                 OpFtpCommandKind  kind);

/* TRUE for 4xx-class errors (and a lost connection): the operation may be retried. */
gboolean op_ftp_error_is_transient (const GError *error);

G_END_DECLS
