/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-console-peer.h"
#include "op-console-session.h"
#include "op-console-transcript.h"

G_BEGIN_DECLS

/**
 * OpConsoleServerMode:
 * @OP_CONSOLE_SERVER_ECHO: sends back every byte it receives.
 * @OP_CONSOLE_SERVER_TIME: sends back each message prefixed with the current time, as
 *   the classic tutorial server does ("[Mon Dec  7 12:00:00 2026] hello").
 * @OP_CONSOLE_SERVER_CHAT: shows what each client sends; the user answers.
 */
typedef enum
{
  OP_CONSOLE_SERVER_ECHO,
  OP_CONSOLE_SERVER_TIME,
  OP_CONSOLE_SERVER_CHAT,
} OpConsoleServerMode;

#define OP_TYPE_CONSOLE_SERVER (op_console_server_get_type ())
G_DECLARE_FINAL_TYPE (OpConsoleServer, op_console_server, OP, CONSOLE_SERVER, GObject)

/*
 * A small server of the Console: TCP (one thread per client, at most
 * OP_CONSOLE_SERVER_MAX_CLIENTS at a time) or UDP, on one address and port. Everything
 * every client sends and gets is in the transcript, with the client's address; the
 * clients are a GListModel of OpConsolePeer. It stops when stopped or disposed.
 */
#define OP_CONSOLE_SERVER_MAX_CLIENTS 64

OpConsoleServer     *op_console_server_new            (OpConsoleProtocol     protocol,
                                                       const char           *address,
                                                       guint16               port,
                                                       OpConsoleServerMode   mode);
/* Binds and starts serving; with port 0 the system picks one (see get_port). Watch
 * #OpConsoleServer:state (OPEN once listening, FAILED with an error). */
void                 op_console_server_start          (OpConsoleServer      *self);
void                 op_console_server_stop           (OpConsoleServer      *self);
/* Chat: sends @data to the client @peer (an address from the clients list), or to every
 * client when @peer is NULL. */
void                 op_console_server_send_async     (OpConsoleServer      *self,
                                                       const char           *peer,
                                                       GBytes               *data,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean             op_console_server_send_finish    (OpConsoleServer      *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
/* Closes a TCP client's connection (a UDP source is only forgotten). */
void                 op_console_server_disconnect     (OpConsoleServer      *self,
                                                       const char           *peer);

OpConsoleProtocol    op_console_server_get_protocol   (OpConsoleServer      *self);
OpConsoleServerMode  op_console_server_get_mode       (OpConsoleServer      *self);
const char          *op_console_server_get_address    (OpConsoleServer      *self);
/* The port asked for, or the one bound once open. */
guint16              op_console_server_get_port       (OpConsoleServer      *self);
OpConsoleSessionState op_console_server_get_state     (OpConsoleServer      *self);
const char          *op_console_server_get_error      (OpConsoleServer      *self);
GListModel          *op_console_server_get_clients    (OpConsoleServer      *self);
OpConsoleTranscript *op_console_server_get_transcript (OpConsoleServer      *self);
/* TRUE for a loopback address: anything else is reachable from the network. */
gboolean             op_console_address_is_loopback   (const char           *address);

G_END_DECLS
