/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-certificate-info.h"
#include "op-console-transcript.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

/**
 * OpConsoleProtocol:
 * @OP_CONSOLE_TCP: a TCP stream (Start TLS may upgrade it).
 * @OP_CONSOLE_TLS: a TCP stream with TLS from the first byte (implicit TLS).
 * @OP_CONSOLE_UDP: datagrams.
 */
typedef enum
{
  OP_CONSOLE_TCP,
  OP_CONSOLE_TLS,
  OP_CONSOLE_UDP,
} OpConsoleProtocol;

/**
 * OpConsoleSessionState:
 * @OP_CONSOLE_SESSION_NEW: not opened yet.
 * @OP_CONSOLE_SESSION_CONNECTING: connecting (or, for UDP, looking up the peer).
 * @OP_CONSOLE_SESSION_OPEN: data can flow.
 * @OP_CONSOLE_SESSION_CLOSED: closed, by either side; the transcript stays.
 * @OP_CONSOLE_SESSION_FAILED: could not open; #OpConsoleSession:error says why.
 */
typedef enum
{
  OP_CONSOLE_SESSION_NEW,
  OP_CONSOLE_SESSION_CONNECTING,
  OP_CONSOLE_SESSION_OPEN,
  OP_CONSOLE_SESSION_CLOSED,
  OP_CONSOLE_SESSION_FAILED,
} OpConsoleSessionState;

#define OP_TYPE_CONSOLE_SESSION (op_console_session_get_type ())
G_DECLARE_FINAL_TYPE (OpConsoleSession, op_console_session, OP, CONSOLE_SESSION, GObject)

/*
 * A console client session: one TCP (or TLS) connection, or one UDP socket that sends to
 * a peer. It owns its worker (connect, send, Start TLS, half-close and close run there in
 * order) and a reader thread; what is read reaches the transcript on the main context,
 * in bounded turns. Properties change on the main context only.
 */
OpConsoleSession     *op_console_session_new              (OpConsoleProtocol      protocol,
                                                           const char            *host,
                                                           guint16                port);
/* Decides about certificates the system store refuses (the app's trust store). */
void                  op_console_session_set_verifier     (OpConsoleSession      *self,
                                                           OpTlsVerifier         *verifier);
/* Starts connecting; watch #OpConsoleSession:state. */
void                  op_console_session_open             (OpConsoleSession      *self);
void                  op_console_session_send_async       (OpConsoleSession      *self,
                                                           GBytes                *data,
                                                           GCancellable          *cancellable,
                                                           GAsyncReadyCallback    callback,
                                                           gpointer               user_data);
gboolean              op_console_session_send_finish      (OpConsoleSession      *self,
                                                           GAsyncResult          *result,
                                                           GError               **error);
/* Upgrades an open plain TCP session, after the peer agreed (STARTTLS, AUTH TLS…). */
void                  op_console_session_start_tls_async  (OpConsoleSession      *self,
                                                           GCancellable          *cancellable,
                                                           GAsyncReadyCallback    callback,
                                                           gpointer               user_data);
gboolean              op_console_session_start_tls_finish (OpConsoleSession      *self,
                                                           GAsyncResult          *result,
                                                           GError               **error);
/* Shuts down the writing side (TCP); the peer's data still arrives. */
void                  op_console_session_shutdown_write_async  (OpConsoleSession *self,
                                                           GCancellable          *cancellable,
                                                           GAsyncReadyCallback    callback,
                                                           gpointer               user_data);
gboolean              op_console_session_shutdown_write_finish (OpConsoleSession *self,
                                                           GAsyncResult          *result,
                                                           GError               **error);
void                  op_console_session_close            (OpConsoleSession      *self);

OpConsoleProtocol     op_console_session_get_protocol     (OpConsoleSession      *self);
const char           *op_console_session_get_host         (OpConsoleSession      *self);
guint16               op_console_session_get_port         (OpConsoleSession      *self);
OpConsoleSessionState op_console_session_get_state        (OpConsoleSession      *self);
/* The translated reason the session failed or ended with an error (nullable). */
const char           *op_console_session_get_error        (OpConsoleSession      *self);
const char           *op_console_session_get_local_address (OpConsoleSession     *self);
const char           *op_console_session_get_peer_address (OpConsoleSession      *self);
gboolean              op_console_session_get_is_tls       (OpConsoleSession      *self);
/* "TLS 1.3" and GnuTLS's cipher suite name, once TLS is up (nullable). */
const char           *op_console_session_get_tls_version  (OpConsoleSession      *self);
const char           *op_console_session_get_tls_cipher   (OpConsoleSession      *self);
OpCertificateInfo    *op_console_session_get_certificate  (OpConsoleSession      *self);
gboolean              op_console_session_get_write_shut   (OpConsoleSession      *self);
/* Telnet mode: options refused politely (op-console-telnet.h), 255 doubled in sends. */
void                  op_console_session_set_telnet       (OpConsoleSession      *self,
                                                           gboolean               telnet);
gboolean              op_console_session_get_telnet       (OpConsoleSession      *self);
OpConsoleTranscript  *op_console_session_get_transcript   (OpConsoleSession      *self);
guint64               op_console_session_get_bytes_received (OpConsoleSession    *self);

G_END_DECLS
