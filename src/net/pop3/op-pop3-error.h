/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-pop3-reply.h"

G_BEGIN_DECLS

#define OP_POP3_ERROR (op_pop3_error_quark ())

/**
 * OpPop3Error:
 * @OP_POP3_ERROR_AUTH_FAILED: the server refused the user name or password (a plain
 *   -ERR to a login command, or the RFC 3206 [AUTH] code).
 * @OP_POP3_ERROR_IN_USE: the mailbox is locked by another session (RFC 2449 [IN-USE]).
 * @OP_POP3_ERROR_TEMPORARY: the server failed for a reason that may go away: RFC 3206
 *   [SYS/TEMP], or RFC 2449 [LOGIN-DELAY]. Trying again later may work.
 * @OP_POP3_ERROR_PERMANENT: any other -ERR (no such message, command refused,
 *   [SYS/PERM]): repeating it will not help.
 * @OP_POP3_ERROR_TLS_REFUSED: TLS was required and the server does not offer STLS or
 *   refused it; nothing secret was sent.
 * @OP_POP3_ERROR_PLAINTEXT_REFUSED: a password would have gone over an unencrypted
 *   connection and the account does not allow that; nothing secret was sent.
 * @OP_POP3_ERROR_CONNECTION_LOST: the connection closed, stalled past the timeout or
 *   failed mid-command; the session is over (deletions are not committed).
 * @OP_POP3_ERROR_BAD_REPLY: the server sent something that is not a valid POP3 reply
 *   (or data where none was due); the session is over.
 * @OP_POP3_ERROR_NOT_CONNECTED: the call needs a logged-in session.
 * @OP_POP3_ERROR_UNSUPPORTED: the server offers no login method the account allows.
 * @OP_POP3_ERROR_INVALID_ARGUMENT: a user name, password or message number cannot be
 *   sent (CR, LF or NUL in it, or zero as a message number); nothing was sent.
 *
 * Errors of the POP3 client (RFC 1939, 2449, 2595, 3206, 5034). Transport errors pass
 * through as G_IO_ERROR, TLS ones as G_TLS_ERROR, and cancellation as
 * G_IO_ERROR_CANCELLED.
 */
typedef enum
{
  OP_POP3_ERROR_AUTH_FAILED,
  OP_POP3_ERROR_IN_USE,
  OP_POP3_ERROR_TEMPORARY,
  OP_POP3_ERROR_PERMANENT,
  OP_POP3_ERROR_TLS_REFUSED,
  OP_POP3_ERROR_PLAINTEXT_REFUSED,
  OP_POP3_ERROR_CONNECTION_LOST,
  OP_POP3_ERROR_BAD_REPLY,
  OP_POP3_ERROR_NOT_CONNECTED,
  OP_POP3_ERROR_UNSUPPORTED,
  OP_POP3_ERROR_INVALID_ARGUMENT,
} OpPop3Error;

GQuark op_pop3_error_quark (void);

/**
 * OpPop3CommandKind:
 * What an -ERR answered: a plain -ERR after PASS is a failed login, after STLS a refusal
 * of TLS, after RETR a missing message.
 */
typedef enum
{
  OP_POP3_COMMAND_OTHER,
  OP_POP3_COMMAND_LOGIN,   /* USER, PASS, APOP, AUTH */
  OP_POP3_COMMAND_TLS,     /* STLS */
} OpPop3CommandKind;

/* The one place -ERR replies become errors (STYLE.md "Ownership and errors"): @reply is
 * an -ERR reply to @command (the verb, for the message), asked in @kind. The message is
 * translated and quotes the server's text. (transfer full) */
GError   *op_pop3_error_from_reply    (const OpPop3Reply *reply,
                                       const char        *command,
                                       OpPop3CommandKind  kind);

/* TRUE for errors where trying again later may work (temporary, in use, a lost
 * connection, a timeout). */
gboolean  op_pop3_error_is_transient  (const GError      *error);

G_END_DECLS
