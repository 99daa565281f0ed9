/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OP_IMAP_ERROR (op_imap_error_quark ())

/**
 * OpImapError:
 * @OP_IMAP_ERROR_NO: the server refused the command (tagged NO) for a reason not
 *   covered below; the message quotes the server's text.
 * @OP_IMAP_ERROR_BAD: the server called the command invalid (tagged BAD).
 * @OP_IMAP_ERROR_AUTH_FAILED: the user name or password was refused
 *   ([AUTHENTICATIONFAILED], or NO to LOGIN/AUTHENTICATE).
 * @OP_IMAP_ERROR_TLS_REFUSED: TLS was required and the server does not offer STARTTLS
 *   or refused it; nothing secret was sent.
 * @OP_IMAP_ERROR_PLAINTEXT_REFUSED: a password would have gone over an unencrypted
 *   connection and the account does not allow that; nothing was sent.
 * @OP_IMAP_ERROR_LOGIN_DISABLED: the server advertises LOGINDISABLED (RFC 3501 §6.2.3).
 * @OP_IMAP_ERROR_PREAUTH_REFUSED: the server greeted with PREAUTH while TLS was
 *   required, so the session can never be encrypted (RFC 3501 §11.1).
 * @OP_IMAP_ERROR_CONNECTION_LOST: the connection closed, stalled past the timeout or the
 *   server said BYE; the session is over.
 * @OP_IMAP_ERROR_MAILBOX_NOT_FOUND: no such folder ([NONEXISTENT], [TRYCREATE]).
 * @OP_IMAP_ERROR_ALREADY_EXISTS: a folder of that name exists ([ALREADYEXISTS]).
 * @OP_IMAP_ERROR_PERMISSION_DENIED: [NOPERM], or a read-only folder.
 * @OP_IMAP_ERROR_OVER_QUOTA: [OVERQUOTA] or [LIMIT].
 * @OP_IMAP_ERROR_BAD_RESPONSE: the server sent something that is not valid IMAP, or
 *   exceeded a size limit.
 * @OP_IMAP_ERROR_NOT_CONNECTED: the call needs a connected, logged-in session.
 * @OP_IMAP_ERROR_NO_MAILBOX: the call needs a selected folder.
 * @OP_IMAP_ERROR_UNSUPPORTED: the server lacks a needed capability.
 * @OP_IMAP_ERROR_INVALID_NAME: an argument cannot be sent (CR, LF, NUL, invalid UTF-8).
 * @OP_IMAP_ERROR_LOCAL: writing a fetched message to the caller's stream failed.
 */
typedef enum
{
  OP_IMAP_ERROR_NO,
  OP_IMAP_ERROR_BAD,
  OP_IMAP_ERROR_AUTH_FAILED,
  OP_IMAP_ERROR_TLS_REFUSED,
  OP_IMAP_ERROR_PLAINTEXT_REFUSED,
  OP_IMAP_ERROR_LOGIN_DISABLED,
  OP_IMAP_ERROR_PREAUTH_REFUSED,
  OP_IMAP_ERROR_CONNECTION_LOST,
  OP_IMAP_ERROR_MAILBOX_NOT_FOUND,
  OP_IMAP_ERROR_ALREADY_EXISTS,
  OP_IMAP_ERROR_PERMISSION_DENIED,
  OP_IMAP_ERROR_OVER_QUOTA,
  OP_IMAP_ERROR_BAD_RESPONSE,
  OP_IMAP_ERROR_NOT_CONNECTED,
  OP_IMAP_ERROR_NO_MAILBOX,
  OP_IMAP_ERROR_UNSUPPORTED,
  OP_IMAP_ERROR_INVALID_NAME,
  OP_IMAP_ERROR_LOCAL,
} OpImapError;

GQuark op_imap_error_quark (void);

typedef struct _OpImapResponse OpImapResponse;

/**
 * OpImapCommandKind:
 * What a tagged NO/BAD answered; the same response means different things after
 * different commands (NO after LOGIN is a refused password).
 */
typedef enum
{
  OP_IMAP_COMMAND_OTHER,
  OP_IMAP_COMMAND_LOGIN,      /* LOGIN, AUTHENTICATE */
  OP_IMAP_COMMAND_TLS,        /* STARTTLS */
  OP_IMAP_COMMAND_MAILBOX,    /* SELECT, EXAMINE, STATUS, DELETE, RENAME, COPY, MOVE, APPEND */
  OP_IMAP_COMMAND_CREATE,
} OpImapCommandKind;

/* The one place a tagged NO or BAD becomes an error (STYLE.md): the message is
 * translated, names @command and quotes the server's text. (transfer full) */
GError *op_imap_error_from_response (const OpImapResponse *response,
                                     const char           *command,
                                     OpImapCommandKind     kind);

G_END_DECLS
