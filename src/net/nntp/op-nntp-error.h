/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-nntp-reply.h"

G_BEGIN_DECLS

#define OP_NNTP_ERROR (op_nntp_error_quark ())

/**
 * OpNntpError:
 * @OP_NNTP_ERROR_SERVICE_UNAVAILABLE: the server refuses service now (400 in the greeting
 *   or any time later, "closing connection"); the session is over. Trying again later may
 *   work.
 * @OP_NNTP_ERROR_ACCESS_DENIED: the server does not let this client in at all (502 in the
 *   greeting), or refuses a command permanently (502 "permission denied").
 * @OP_NNTP_ERROR_TEMPORARY: an internal fault of the server (403) or a transfer refused
 *   for now (436): trying again later may work.
 * @OP_NNTP_ERROR_WRONG_MODE: the server is a transit server and needs MODE READER first
 *   (401, RFC 3977 §3.2.1).
 * @OP_NNTP_ERROR_NO_SUCH_GROUP: there is no such newsgroup (411).
 * @OP_NNTP_ERROR_NO_GROUP_SELECTED: the command needs a current group (412).
 * @OP_NNTP_ERROR_NO_SUCH_ARTICLE: no such article: none by that number or Message-ID,
 *   none in the range, no current article, or none after or before it with NEXT and
 *   LAST (420, 421, 422, 423, 430).
 * @OP_NNTP_ERROR_POSTING_NOT_ALLOWED: the server does not accept posts from this
 *   client (440).
 * @OP_NNTP_ERROR_POSTING_FAILED: the server refused the article (441; also 437, a
 *   transfer rejected): the text says why (a bad From, a missing group…).
 * @OP_NNTP_ERROR_AUTH_REQUIRED: the command needs a login first (480).
 * @OP_NNTP_ERROR_AUTH_FAILED: the server refused the user name or password, or the
 *   SASL exchange (481, 482, and 502 to AUTHINFO).
 * @OP_NNTP_ERROR_ENCRYPTION_REQUIRED: the command needs TLS first (483).
 * @OP_NNTP_ERROR_TLS_REFUSED: TLS was required and the server does not offer STARTTLS
 *   or refused it (580, or 502 to STARTTLS); nothing secret was sent.
 * @OP_NNTP_ERROR_PLAINTEXT_REFUSED: a password would have gone over an unencrypted
 *   connection and the account does not allow that; nothing secret was sent.
 * @OP_NNTP_ERROR_UNSUPPORTED: the server does not know or support the command, or this
 *   form of it (500, 501, 503; e.g. OVER by Message-ID on INN).
 * @OP_NNTP_ERROR_PERMANENT: any other failure code (4xx/5xx not listed above, 504 bad
 *   base64 included): repeating it will not help.
 * @OP_NNTP_ERROR_CONNECTION_LOST: the connection closed, stalled past the timeout or
 *   failed mid-command; the session is over.
 * @OP_NNTP_ERROR_BAD_REPLY: the server sent something that is not a valid NNTP reply
 *   (or data where none was due, or a line past its limit); the session is over.
 * @OP_NNTP_ERROR_NOT_CONNECTED: the call needs a connected session.
 * @OP_NNTP_ERROR_INVALID_ARGUMENT: a group name, Message-ID, range, user name or
 *   password cannot be sent (CR, LF, NUL or a space where none may be); nothing was sent.
 *
 * Errors of the NNTP client (RFC 3977, 4642, 4643, 6048). Transport errors pass through
 * as G_IO_ERROR, TLS ones as G_TLS_ERROR, and cancellation as G_IO_ERROR_CANCELLED.
 */
typedef enum
{
  OP_NNTP_ERROR_SERVICE_UNAVAILABLE,
  OP_NNTP_ERROR_ACCESS_DENIED,
  OP_NNTP_ERROR_TEMPORARY,
  OP_NNTP_ERROR_WRONG_MODE,
  OP_NNTP_ERROR_NO_SUCH_GROUP,
  OP_NNTP_ERROR_NO_GROUP_SELECTED,
  OP_NNTP_ERROR_NO_SUCH_ARTICLE,
  OP_NNTP_ERROR_POSTING_NOT_ALLOWED,
  OP_NNTP_ERROR_POSTING_FAILED,
  OP_NNTP_ERROR_AUTH_REQUIRED,
  OP_NNTP_ERROR_AUTH_FAILED,
  OP_NNTP_ERROR_ENCRYPTION_REQUIRED,
  OP_NNTP_ERROR_TLS_REFUSED,
  OP_NNTP_ERROR_PLAINTEXT_REFUSED,
  OP_NNTP_ERROR_UNSUPPORTED,
  OP_NNTP_ERROR_PERMANENT,
  OP_NNTP_ERROR_CONNECTION_LOST,
  OP_NNTP_ERROR_BAD_REPLY,
  OP_NNTP_ERROR_NOT_CONNECTED,
  OP_NNTP_ERROR_INVALID_ARGUMENT,
} OpNntpError;

GQuark op_nntp_error_quark (void);

/**
 * OpNntpCommandKind:
 * What a failure code answered, where the same code means different things: 502 to
 * AUTHINFO is a refused login, to STARTTLS a refusal of TLS, to the greeting no access.
 */
typedef enum
{
  OP_NNTP_COMMAND_OTHER,
  OP_NNTP_COMMAND_GREETING,  /* the server's first line */
  OP_NNTP_COMMAND_AUTH,      /* AUTHINFO USER, PASS, SASL */
  OP_NNTP_COMMAND_TLS,       /* STARTTLS */
  OP_NNTP_COMMAND_POST,      /* POST and the article after 340 */
} OpNntpCommandKind;

/* The one place failure replies become errors (STYLE.md "Ownership and errors"):
 * @reply is a 4xx or 5xx reply to @command (the verb, for the message), asked in @kind.
 * The message is translated and quotes the server's line. (transfer full) */
GError   *op_nntp_error_from_reply    (const OpNntpReply *reply,
                                       const char        *command,
                                       OpNntpCommandKind  kind);

/* TRUE for errors where trying again later may work (service unavailable, temporary, a
 * lost connection, a timeout). */
gboolean  op_nntp_error_is_transient  (const GError      *error);

G_END_DECLS
