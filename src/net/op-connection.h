/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-protocol-log.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

#define OP_CONNECTION_ERROR (op_connection_error_quark ())

/**
 * OpConnectionError:
 * @OP_CONNECTION_ERROR_LINE_TOO_LONG: the peer sent a line longer than the protocol's
 *   maximum; the connection was closed (it is unusable afterwards).
 * @OP_CONNECTION_ERROR_CLOSED: the peer closed the connection (mid-line or between lines),
 *   or the connection was already closed when the call was made.
 * @OP_CONNECTION_ERROR_BAD_ARGUMENT: a command or argument contains CR, LF or NUL; nothing
 *   was sent.
 * @OP_CONNECTION_ERROR_STARTTLS_INJECTION: bytes arrived after the server's go-ahead for
 *   STARTTLS and before the handshake (response injection); the connection was closed.
 * @OP_CONNECTION_ERROR_TLS: the TLS handshake failed for a reason other than the
 *   certificate (certificate refusals keep the verifier's error).
 */
typedef enum
{
  OP_CONNECTION_ERROR_LINE_TOO_LONG,
  OP_CONNECTION_ERROR_CLOSED,
  OP_CONNECTION_ERROR_BAD_ARGUMENT,
  OP_CONNECTION_ERROR_STARTTLS_INJECTION,
  OP_CONNECTION_ERROR_TLS,
} OpConnectionError;

GQuark op_connection_error_quark (void);

/* OpSendFlags (how a sent line appears in the protocol log) lives in op-protocol-log.h,
 * which redacts by it. */

#define OP_TYPE_CONNECTION (op_connection_get_type ())
G_DECLARE_FINAL_TYPE (OpConnection, op_connection, OP, CONNECTION, GObject)

/*
 * An OpConnection is used from one thread at a time (a session's OpWorker): every call
 * below blocks that thread and honours @cancellable. The main thread never calls them.
 * connect() uses TCP (IPv6 or IPv4, whichever answers first) and, with @implicit_tls,
 * performs the TLS handshake. (transfer full) (nullable)
 *
 * @verifier (nullable) decides about certificates the system store refuses; without one,
 * such a certificate fails the handshake. @log (nullable) records what is sent and read.
 * @timeout_seconds bounds connecting and every later read or write (0: no limit).
 */
OpConnection  *op_connection_connect          (const char     *host,
                                               guint16         port,
                                               gboolean        implicit_tls,
                                               guint           timeout_seconds,
                                               OpTlsVerifier  *verifier,
                                               OpProtocolLog  *log,
                                               GCancellable   *cancellable,
                                               GError        **error);

/* The socket client every connection of a session uses (the control connection's, FTP's
 * data connections): @timeout_seconds for connecting and every read or write, and the
 * proxy policy. (transfer full) */
GSocketClient *op_connection_new_socket_client (guint           timeout_seconds);
/* TCP_NODELAY on a connection just made (every control and data connection). */
void           op_connection_set_no_delay      (GSocketConnection *connection);

/* Wraps a stream that is already open (a data connection, a scripted stream in tests);
 * timeouts are the stream's own. */
OpConnection  *op_connection_new_for_stream   (GIOStream      *stream,
                                               const char     *host,
                                               guint16         port,
                                               OpTlsVerifier  *verifier,
                                               OpProtocolLog  *log);

/* Upgrade to TLS after the server's go-ahead reply was read with read_line(). A byte that
 * already arrived after that reply was sent in plain text and would be taken as a reply
 * from inside TLS (CVE-2011-0411; RFC 3207 §4.2 and RFC 2595 §3.1 discard it): the
 * connection is closed with OP_CONNECTION_ERROR_STARTTLS_INJECTION. After success the
 * protocol forgets what it learnt and asks for capabilities again. */
gboolean       op_connection_start_tls        (OpConnection   *self,
                                               GCancellable   *cancellable,
                                               GError        **error);

/* Raw DEFLATE both ways from now on (RFC 8054, RFC 4978), after the go-ahead was read
 * with read_line(); later writes end with a sync flush. Data already buffered past the
 * go-ahead closes the connection (G_IO_ERROR_INVALID_DATA). TLS cannot start after it. */
gboolean       op_connection_start_compression (OpConnection  *self,
                                               GError        **error);
gboolean       op_connection_is_compressed    (OpConnection   *self);

/* One line without its CRLF (a bare LF also ends a line), at most @max_length bytes
 * before the terminator, else OP_CONNECTION_ERROR_LINE_TOO_LONG and the connection is
 * closed (memory stays bounded whatever the peer sends). @length (optional): the line's
 * length, as it may hold NUL. End of stream: OP_CONNECTION_ERROR_CLOSED. (transfer full) */
char          *op_connection_read_line        (OpConnection   *self,
                                               gsize           max_length,
                                               gsize          *length,
                                               GCancellable   *cancellable,
                                               GError        **error);

/* Sends "VERB" or "VERB ARGUMENT" plus CRLF; refuses CR, LF and NUL in either. */
gboolean       op_connection_send_command     (OpConnection   *self,
                                               const char     *verb,
                                               const char     *argument,
                                               OpSendFlags     flags,
                                               GCancellable   *cancellable,
                                               GError        **error);

/* Like send_command() for an argument of any bytes (@argument_length, or -1 when
 * nul-terminated): an embedded NUL is refused like CR and LF. */
gboolean       op_connection_send_command_len (OpConnection   *self,
                                               const char     *verb,
                                               const char     *argument,
                                               gssize          argument_length,
                                               OpSendFlags     flags,
                                               GCancellable   *cancellable,
                                               GError        **error);

/* FALSE with OP_CONNECTION_ERROR_BAD_ARGUMENT if @text holds CR, LF or NUL (with
 * @length >= 0, an embedded NUL is seen too). For header values and addresses as well. */
gboolean       op_connection_check_text       (const char     *text,
                                               gssize          length,
                                               GError        **error);

/* Raw bytes (message bodies, literals): no checks, logged as a byte count. */
gboolean       op_connection_write_all        (OpConnection   *self,
                                               const void     *data,
                                               gsize           size,
                                               GCancellable   *cancellable,
                                               GError        **error);
/* Raw bytes: first those the line reader buffered, then the stream's; not logged.
 * Returns 0 at end of stream, -1 with @error set. */
gssize         op_connection_read             (OpConnection   *self,
                                               void           *buffer,
                                               gsize           size,
                                               GCancellable   *cancellable,
                                               GError        **error);

/* With a TLS close_notify when encrypted; closing twice is fine. TRUE if it closed
 * cleanly. */
gboolean       op_connection_close            (OpConnection   *self,
                                               GCancellable   *cancellable,
                                               GError        **error);

/* Whether op_connection_read_line() logs each line (default TRUE; bulk data blocks
 * log a summary instead). */
void           op_connection_set_log_lines    (OpConnection   *self,
                                               gboolean        log_lines);

const char    *op_connection_get_host         (OpConnection   *self);
guint16        op_connection_get_port         (OpConnection   *self);
gboolean       op_connection_is_tls           (OpConnection   *self);
/* TRUE after close(), end of stream while reading a line, a too-long line, a refused
 * STARTTLS or a failed handshake. */
gboolean       op_connection_is_closed        (OpConnection   *self);
OpProtocolLog *op_connection_get_log          (OpConnection   *self);
/* The peer certificate once TLS is up (nullable). */
GTlsCertificate *op_connection_get_peer_certificate (OpConnection *self);
/* The underlying stream (the TLS one once upgraded), e.g. to copy session state to an
 * FTP data connection; reading from it bypasses the line buffer. (transfer none) */
GIOStream     *op_connection_get_stream       (OpConnection   *self);
/* The peer's address, e.g. for FTP data connections that ignore the PASV address.
 * (transfer full) (nullable): NULL for a stream that is not a socket connection. */
GInetSocketAddress *op_connection_get_peer_address (OpConnection *self);

/* The socket under the TLS layer (nullable: a stream that is not a socket). */
GSocket       *op_connection_get_socket       (OpConnection   *self);
/* Changes the read/write timeout from now on (0: none), e.g. a short one for QUIT or a
 * long one for the end of SMTP DATA. Returns the previous one. */
guint          op_connection_set_timeout      (OpConnection   *self,
                                               guint           seconds);

G_END_DECLS
