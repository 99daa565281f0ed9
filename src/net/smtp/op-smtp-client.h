/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-protocol-log.h"
#include "op-sasl.h"
#include "op-session.h"
#include "op-smtp-error.h"
#include "op-smtp-reply.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

/**
 * OpSmtpState:
 * @OP_SMTP_STATE_DISCONNECTED: not connected (yet, or any more).
 * @OP_SMTP_STATE_CONNECTING: connecting, greeting, EHLO, TLS.
 * @OP_SMTP_STATE_READY: connected and idle.
 * @OP_SMTP_STATE_BUSY: running a command or sending a message.
 */
typedef enum
{
  OP_SMTP_STATE_DISCONNECTED,
  OP_SMTP_STATE_CONNECTING,
  OP_SMTP_STATE_READY,
  OP_SMTP_STATE_BUSY,
} OpSmtpState;

#define OP_TYPE_SMTP_STATE (op_smtp_state_get_type ())
GType op_smtp_state_get_type (void) G_GNUC_CONST;

/**
 * OpSmtpSendFlags:
 * @OP_SMTP_SEND_DEFAULT: nothing declared: the client finds out itself when it can (see
 *   op_smtp_client_send_async()).
 * @OP_SMTP_SEND_8BIT: the message has 8-bit content (a "Content-Transfer-Encoding:
 *   8bit" part): BODY=8BITMIME is needed (RFC 6152).
 * @OP_SMTP_SEND_UTF8: the message has UTF-8 header fields (RFC 6532): SMTPUTF8 is
 *   needed (RFC 6531). Implies @OP_SMTP_SEND_8BIT.
 *
 * What the composer knows about the message it made (GMime tells it which encodings it
 * chose). Non-ASCII addresses in the envelope need SMTPUTF8 whatever the flags say.
 */
typedef enum
{
  OP_SMTP_SEND_DEFAULT = 0,
  OP_SMTP_SEND_8BIT    = 1 << 0,
  OP_SMTP_SEND_UTF8    = 1 << 1,
} OpSmtpSendFlags;

/**
 * OpSmtpDsnNotify:
 * When the recipients' servers should report delivery (RFC 3461 §4.1, NOTIFY).
 * %OP_SMTP_DSN_NOTIFY_DEFAULT sends no NOTIFY; NEVER excludes the others.
 */
typedef enum
{
  OP_SMTP_DSN_NOTIFY_DEFAULT = 0,
  OP_SMTP_DSN_NOTIFY_NEVER   = 1 << 0,
  OP_SMTP_DSN_NOTIFY_SUCCESS = 1 << 1,
  OP_SMTP_DSN_NOTIFY_FAILURE = 1 << 2,
  OP_SMTP_DSN_NOTIFY_DELAY   = 1 << 3,
} OpSmtpDsnNotify;

/**
 * OpSmtpDsnReturn:
 * What a failure report carries (RFC 3461 §4.3, RET): the server's choice, the whole
 * message, or its headers.
 */
typedef enum
{
  OP_SMTP_DSN_RETURN_DEFAULT,
  OP_SMTP_DSN_RETURN_FULL,
  OP_SMTP_DSN_RETURN_HEADERS,
} OpSmtpDsnReturn;

/**
 * OpSmtpSendOptions:
 * @flags: what the message needs (#OpSmtpSendFlags).
 * @dsn_notify: NOTIFY for every recipient (RFC 3461).
 * @dsn_return: RET.
 * @dsn_envid: (nullable): ENVID, printable ASCII (xtext-encoded by the client).
 *
 * Optional settings for one message; copied by op_smtp_client_send_async(). DSN
 * parameters are sent only when the server offers DSN (they are a request, not a
 * condition: without DSN the message still goes, and the log says so).
 */
typedef struct
{
  OpSmtpSendFlags  flags;
  OpSmtpDsnNotify  dsn_notify;
  OpSmtpDsnReturn  dsn_return;
  const char      *dsn_envid;
} OpSmtpSendOptions;

/**
 * OpSmtpRecipient:
 * @address: the address as given.
 * @accepted: the server accepted it (2xx to RCPT TO).
 * @code: the server's reply code to RCPT TO.
 * @enhanced_code: (nullable): its RFC 3463 code ("5.1.1").
 * @text: the server's words.
 * @error: (nullable): for a refused recipient, the error (OP_SMTP_ERROR_RECIPIENT_REFUSED
 *   or a more exact code, e.g. UTF8_UNSUPPORTED) with a translated message.
 */
typedef struct
{
  char     *address;
  gboolean  accepted;
  guint     code;
  char     *enhanced_code;
  char     *text;
  GError   *error;
} OpSmtpRecipient;

/**
 * OpSmtpSendResult:
 * @recipients: (element-type OpSmtpRecipient): one per recipient, in the order given.
 * @n_accepted: how many were accepted (at least one, or the send failed).
 * @n_refused: how many were refused.
 * @reply: the server's reply to the end of the message (it usually names the queue ID).
 * @bytes: bytes of the message sent after CRLF normalisation and dot-stuffing.
 *
 * A message accepted for some recipients and refused for others is a success: this
 * says exactly which and why.
 */
typedef struct
{
  GPtrArray   *recipients;
  guint        n_accepted;
  guint        n_refused;
  OpSmtpReply *reply;
  guint64      bytes;
} OpSmtpSendResult;

#define OP_TYPE_SMTP_SEND_RESULT (op_smtp_send_result_get_type ())
GType             op_smtp_send_result_get_type (void) G_GNUC_CONST;
void              op_smtp_send_result_free     (OpSmtpSendResult *result);
OpSmtpSendResult *op_smtp_send_result_copy     (const OpSmtpSendResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpSmtpSendResult, op_smtp_send_result_free)

/*
 * Scans a message (or its beginning, if @complete is FALSE) for what it needs:
 * @needs_8bit when any byte is 8-bit, @needs_utf8 when the header section (up to the
 * first empty line) has a non-ASCII byte. For callers that hold the bytes.
 */
void op_smtp_message_scan (const guint8 *data,
                           gsize         size,
                           gboolean     *needs_8bit,
                           gboolean     *needs_utf8);

#define OP_TYPE_SMTP_CLIENT (op_smtp_client_get_type ())
G_DECLARE_FINAL_TYPE (OpSmtpClient, op_smtp_client, OP, SMTP_CLIENT, OpSession)

/*
 * One SMTP submission session: one connection and its own worker thread (DESIGN.md
 * "Sessions and threads"). Every _async call is queued and runs in order; results and
 * property notifications arrive on the caller's main context. The calls cover Python's
 * smtplib: connect (+ ehlo, starttls as the security says), ehlo/helo, starttls, login,
 * send (sendmail/send_message), noop, rset, quit, send_command (docmd) and
 * has_extension (has_extn).
 *
 * Security (OpSecurity): OP_SECURITY_NONE is plain SMTP, never TLS unless
 * op_smtp_client_starttls_async() is called, and sending a password (PLAIN, LOGIN)
 * needs op_smtp_client_set_allow_plaintext_password(). OP_SECURITY_STARTTLS (the
 * default, submission on 587) does STARTTLS (RFC 3207) before anything else: a server
 * that does not offer or refuses it is an error before any password is sent, never a
 * silent fallback. OP_SECURITY_IMPLICIT_TLS is TLS from the first byte (RFC 8314 §3.3,
 * port 465).
 *
 * The session is an OpSession: dropping the last reference while connected returns at
 * once and the connection is closed on the worker.
 *
 * Settings (set before connecting; later changes apply to the next command):
 */
OpSmtpClient  *op_smtp_client_new                    (const char      *host,
                                                      guint16          port,
                                                      OpSecurity       security);
/* The timeout (default 30 s) also bounds the reply to the end of a message: that reply
 * may take up to 10 minutes (RFC 5321 §4.5.3.2.6), or the timeout if it is longer. */
OP_SESSION_DECLARE_SETTINGS (OpSmtpClient, op_smtp_client)
/* The name sent with EHLO/HELO. Default: the local address as an address literal
 * ("[192.0.2.1]", RFC 5321 §4.1.4), which tells the server nothing it does not know. */
void           op_smtp_client_set_hello_name         (OpSmtpClient    *self,
                                                      const char      *name);
/* The SASL mechanisms login may use (default OP_SASL_MECHANISM_ALL). */
void           op_smtp_client_set_allowed_mechanisms (OpSmtpClient    *self,
                                                      OpSaslMechanism  mechanisms);

OP_SESSION_DECLARE_GETTERS (OpSmtpClient, op_smtp_client)
OpSmtpState    op_smtp_client_get_state              (OpSmtpClient    *self);
/* smtplib's has_extn(), on what the last EHLO announced (a main-context snapshot;
 * FALSE before it and after HELO). */
gboolean       op_smtp_client_has_extension          (OpSmtpClient    *self,
                                                      const char      *keyword);
/* The mechanism of the last successful login (NONE before). */
OpSaslMechanism op_smtp_client_get_auth_mechanism    (OpSmtpClient    *self);

/* Connect, read the greeting, EHLO (HELO when EHLO is refused), then as the security
 * says: STARTTLS and EHLO again (forgetting what was learnt before TLS). Returns the
 * capabilities. (transfer full) */
void     op_smtp_client_connect_async      (OpSmtpClient          *self,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
OpSmtpCapabilities *op_smtp_client_connect_finish (OpSmtpClient   *self,
                                            GAsyncResult          *result,
                                            GError               **error);

/* EHLO again (smtplib's ehlo()); HELO with @helo (helo()): the capabilities are then
 * empty. (transfer full) */
void     op_smtp_client_ehlo_async         (OpSmtpClient          *self,
                                            gboolean               helo,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
OpSmtpCapabilities *op_smtp_client_ehlo_finish (OpSmtpClient      *self,
                                            GAsyncResult          *result,
                                            GError               **error);

/* STARTTLS now (for OP_SECURITY_NONE accounts; connect does it for STARTTLS ones),
 * then EHLO. OP_SMTP_ERROR_TLS_REFUSED when not offered or refused. (transfer full) */
void     op_smtp_client_starttls_async     (OpSmtpClient          *self,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
OpSmtpCapabilities *op_smtp_client_starttls_finish (OpSmtpClient  *self,
                                            GAsyncResult          *result,
                                            GError               **error);

/* AUTH with the strongest mechanism offered and allowed (op_sasl_choose_mechanism()):
 * XOAUTH2 with @token (then @password is ignored), else CRAM-MD5, PLAIN, LOGIN. Errors:
 * OP_SMTP_ERROR_AUTH_FAILED, _AUTH_UNAVAILABLE, _PLAINTEXT_REFUSED (nothing sent). */
void     op_smtp_client_login_async        (OpSmtpClient          *self,
                                            const char            *user,
                                            const char            *password,
                                            const char            *token,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
gboolean op_smtp_client_login_finish       (OpSmtpClient          *self,
                                            GAsyncResult          *result,
                                            GError               **error);

/*
 * Sends one message: MAIL FROM:<@from> ("" gives the null sender "<>"), RCPT TO for each
 * of @recipients (pipelined when the server offers PIPELINING), DATA, the message read
 * from @message with CRLF line ends and dot-stuffing (GMime's filters), then ".".
 *
 * @size: the message's size in bytes, or -1 when unknown. When @message is seekable it
 * is read once first to learn its size and whether it needs 8BITMIME or SMTPUTF8
 * (op_smtp_message_scan()), then sent from where it was; otherwise @options->flags say.
 * Checked before MAIL: the SIZE limit (OP_SMTP_ERROR_MESSAGE_TOO_LARGE), 8BITMIME
 * (_8BIT_UNSUPPORTED), SMTPUTF8 (_UTF8_UNSUPPORTED), and NUL bytes and lines longer than
 * 998 octets (_INVALID_ARGUMENT, RFC 5321 §4.5.3.1.6) — nothing is sent then. While
 * sending, an 8-bit byte the client was not told of, a NUL, a line too long, or more
 * bytes than the SIZE limit end the session before the final "." (the message is not
 * delivered) with the same errors.
 *
 * Result: which recipients were accepted and which refused, and why. All refused is
 * OP_SMTP_ERROR_ALL_RECIPIENTS_REFUSED. A failure after the final "." was sent and
 * before the server answered is OP_SMTP_ERROR_OUTCOME_UNKNOWN: never send it again
 * without asking. (transfer full)
 */
void     op_smtp_client_send_async         (OpSmtpClient          *self,
                                            const char            *from,
                                            const char * const    *recipients,
                                            GInputStream          *message,
                                            gssize                 size,
                                            const OpSmtpSendOptions *options,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
OpSmtpSendResult *op_smtp_client_send_finish (OpSmtpClient        *self,
                                            GAsyncResult          *result,
                                            GError               **error);

/* NOOP; RSET (ends a transaction a caller began with send_command). */
void     op_smtp_client_noop_async         (OpSmtpClient          *self,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
gboolean op_smtp_client_noop_finish        (OpSmtpClient          *self,
                                            GAsyncResult          *result,
                                            GError               **error);
void     op_smtp_client_rset_async         (OpSmtpClient          *self,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
gboolean op_smtp_client_rset_finish        (OpSmtpClient          *self,
                                            GAsyncResult          *result,
                                            GError               **error);

/* QUIT and close; a dead connection is closed without error. */
void     op_smtp_client_quit_async         (OpSmtpClient          *self,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer               user_data);
gboolean op_smtp_client_quit_finish        (OpSmtpClient          *self,
                                            GAsyncResult          *result,
                                            GError               **error);

/* smtplib's docmd(): one command line, its reply (a 4xx/5xx reply is returned, not an
 * error). AUTH, STARTTLS, DATA and BDAT are refused (OP_SMTP_ERROR_INVALID_ARGUMENT):
 * they need the calls above, which keep the session's state right. (transfer full) */
void     op_smtp_client_send_command_async (OpSmtpClient          *self,
                                            const char            *line,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
OpSmtpReply *op_smtp_client_send_command_finish (OpSmtpClient     *self,
                                            GAsyncResult          *result,
                                            GError               **error);

/* Stop the worker (queued calls complete as cancelled); the client is unusable after. */
void     op_smtp_client_shutdown           (OpSmtpClient          *self);

G_END_DECLS
