/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What op-connection.c (connecting, TLS, closing) and op-connection-io.c (the reader and
 * writer) share. Nothing outside those two files includes this. */
#pragma once

#include "op-connection.h"

G_BEGIN_DECLS

struct _OpConnection
{
  GObject             parent_instance;

  char               *host;
  guint16             port;
  char               *endpoint;      /* "host:port" or "[v6]:port", for messages */
  guint               timeout_seconds;
  OpTlsVerifier      *verifier;
  OpProtocolLog      *log;
  gboolean            quiet_lines;   /* read_line does not log each line */

  GIOStream          *base;          /* the plain stream: a socket connection or a given stream */
  GSocketConnection  *socket_connection; /* (nullable) (unowned): @base, if it is a socket */
  GIOStream          *stream;        /* @base, or the TLS connection over it */
  GTlsConnection     *tls;           /* (nullable) */
  GInputStream       *input;         /* (unowned): of @stream */
  GOutputStream      *output;        /* (unowned): of @stream */

  /* The line reader's own buffer: bytes [start, end) are read but not yet consumed. */
  guint8             *buffer;
  gsize               buffer_size;
  gsize               start;
  gsize               end;

  gboolean            closed;

  /* RFC 8054 COMPRESS DEFLATE (op_connection_start_compression()): @input and @output
   * then point at these, over the streams of @stream. */
  GInputStream       *inflate;       /* (nullable) */
  GOutputStream      *deflate;       /* (nullable) */

  /* State of one handshake, read by the accept-certificate handler. */
  GCancellable       *handshake_cancellable;
  GError             *verify_error;        /* the verifier's reason for a refusal */
  gboolean            certificate_refused; /* refused without a verifier */
  GTlsCertificateFlags certificate_errors;
};

/* A line for the protocol log (and g_debug) that the server did not send. */
void     _op_connection_log_info        (OpConnection   *self,
                                         OpLogDirection  direction,
                                         const char     *text);
/* FALSE with OP_CONNECTION_ERROR_CLOSED once the connection is closed. */
gboolean _op_connection_check_open      (OpConnection   *self,
                                         GError        **error);
/* Closes the socket at once, without a TLS close_notify: used when the peer misbehaved
 * and nothing more should be read from or written to it. */
void     _op_connection_abort           (OpConnection   *self);
/* Turns an error from a read or write into one that names the server; cancellation and
 * our own errors pass through untouched. The domain and code stay GIO's. Takes @cause. */
void     _op_connection_propagate_error (OpConnection   *self,
                                         GError         *cause,
                                         GError        **error);

G_END_DECLS
