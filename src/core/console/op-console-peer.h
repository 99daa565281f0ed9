/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define OP_TYPE_CONSOLE_PEER (op_console_peer_get_type ())
G_DECLARE_FINAL_TYPE (OpConsolePeer, op_console_peer, OP, CONSOLE_PEER, GObject)

/* A client of a console server: a TCP connection, or a UDP source seen. */
const char *op_console_peer_get_address   (OpConsolePeer *self);
gboolean    op_console_peer_get_connected (OpConsolePeer *self);

OpConsolePeer *_op_console_peer_new           (const char    *address);
void           _op_console_peer_set_connected (OpConsolePeer *self,
                                               gboolean       connected);

G_END_DECLS
