/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-smtp-reply.h"

G_BEGIN_DECLS

#define OP_SMTP_ERROR (op_smtp_error_quark ())

/**
 * OpSmtpError:
 * @OP_SMTP_ERROR_TRANSIENT: a 4xx reply not covered below: trying again later may work.
 * @OP_SMTP_ERROR_PERMANENT: a 5xx reply not covered below: repeating it will not help.
 * @OP_SMTP_ERROR_AUTH_FAILED: the server refused the user name, password or token
 *   (535, 5.7.8), or the chosen mechanism.
 * @OP_SMTP_ERROR_AUTH_UNAVAILABLE: the server offers no AUTH this client may use, or
 *   none at all while the account has a user name.
 * @OP_SMTP_ERROR_TLS_REFUSED: TLS was required and the server does not offer STARTTLS
 *   or refused it; nothing secret was sent.
 * @OP_SMTP_ERROR_PLAINTEXT_REFUSED: a password, an access token or a CRAM-MD5 digest
 *   would have gone over an unencrypted connection and the account does not allow that, or the server wants encryption for
 *   the mechanism (538); nothing secret was sent.
 * @OP_SMTP_ERROR_MESSAGE_TOO_LARGE: the message is larger than the server's SIZE limit
 *   (found before DATA), or the server refused it for its size (552, 5.3.4, 5.2.3).
 * @OP_SMTP_ERROR_8BIT_UNSUPPORTED: the message has 8-bit content and the server does
 *   not offer 8BITMIME; nothing was sent.
 * @OP_SMTP_ERROR_UTF8_UNSUPPORTED: an address or header is UTF-8 and the server does not
 *   offer SMTPUTF8 (or refused it: 5.6.7); nothing was sent.
 * @OP_SMTP_ERROR_SENDER_REFUSED: the server refused the sender address (MAIL FROM).
 * @OP_SMTP_ERROR_RECIPIENT_REFUSED: the server refused one recipient (RCPT TO); used in
 *   per-recipient results.
 * @OP_SMTP_ERROR_ALL_RECIPIENTS_REFUSED: every recipient was refused; nothing was sent.
 *   The message lists each one with the server's reason.
 * @OP_SMTP_ERROR_CONNECTION_LOST: the connection closed, stalled past the timeout or
 *   failed before the message was complete: the message was not sent.
 * @OP_SMTP_ERROR_OUTCOME_UNKNOWN: the connection failed after the whole message (the
 *   final ".") was sent and before the server answered: it may or may not have been
 *   accepted. Never send it again without asking.
 * @OP_SMTP_ERROR_BAD_REPLY: the server sent something that is not a valid SMTP reply.
 * @OP_SMTP_ERROR_NOT_CONNECTED: the call needs a connected session.
 * @OP_SMTP_ERROR_UNSUPPORTED: the server does not implement the command (500, 502, 504).
 * @OP_SMTP_ERROR_INVALID_ARGUMENT: an address, parameter or command contains CR, LF,
 *   NUL or other characters that cannot be sent; nothing was sent.
 * @OP_SMTP_ERROR_LOCAL: reading the message to send failed.
 */
typedef enum
{
  OP_SMTP_ERROR_TRANSIENT,
  OP_SMTP_ERROR_PERMANENT,
  OP_SMTP_ERROR_AUTH_FAILED,
  OP_SMTP_ERROR_AUTH_UNAVAILABLE,
  OP_SMTP_ERROR_TLS_REFUSED,
  OP_SMTP_ERROR_PLAINTEXT_REFUSED,
  OP_SMTP_ERROR_MESSAGE_TOO_LARGE,
  OP_SMTP_ERROR_8BIT_UNSUPPORTED,
  OP_SMTP_ERROR_UTF8_UNSUPPORTED,
  OP_SMTP_ERROR_SENDER_REFUSED,
  OP_SMTP_ERROR_RECIPIENT_REFUSED,
  OP_SMTP_ERROR_ALL_RECIPIENTS_REFUSED,
  OP_SMTP_ERROR_CONNECTION_LOST,
  OP_SMTP_ERROR_OUTCOME_UNKNOWN,
  OP_SMTP_ERROR_BAD_REPLY,
  OP_SMTP_ERROR_NOT_CONNECTED,
  OP_SMTP_ERROR_UNSUPPORTED,
  OP_SMTP_ERROR_INVALID_ARGUMENT,
  OP_SMTP_ERROR_LOCAL,
} OpSmtpError;

GQuark op_smtp_error_quark (void);

/**
 * OpSmtpCommandKind:
 * What a reply answered; the same code means different things after different commands
 * (550 after RCPT is one refused recipient, after MAIL the sender).
 */
typedef enum
{
  OP_SMTP_COMMAND_OTHER,      /* NOOP, RSET, VRFY, HELP, a command sent by hand */
  OP_SMTP_COMMAND_GREETING,   /* the 220 (or 554) on connect */
  OP_SMTP_COMMAND_HELLO,      /* EHLO, HELO */
  OP_SMTP_COMMAND_STARTTLS,
  OP_SMTP_COMMAND_AUTH,       /* AUTH and each step of its exchange */
  OP_SMTP_COMMAND_MAIL,
  OP_SMTP_COMMAND_RCPT,
  OP_SMTP_COMMAND_DATA,       /* DATA itself (before the 354) */
  OP_SMTP_COMMAND_MESSAGE,    /* the reply after the final "." */
} OpSmtpCommandKind;

/* The one place reply codes become errors (STYLE.md "Ownership and errors"): @reply is
 * a 4xx or 5xx reply (or an unexpected one) to @command (the verb, for the message),
 * asked in @kind. The message is translated and quotes the server's reply.
 * (transfer full) */
GError   *op_smtp_error_from_reply  (const OpSmtpReply *reply,
                                     const char        *command,
                                     OpSmtpCommandKind  kind);

/* TRUE for 4xx-class errors and a connection lost before the message was complete: the
 * operation may be retried. Never for OP_SMTP_ERROR_OUTCOME_UNKNOWN. */
gboolean  op_smtp_error_is_transient (const GError     *error);

G_END_DECLS
