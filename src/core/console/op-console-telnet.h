/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A Telnet (RFC 854) filter that refuses every option politely: DO x is answered
 * IAC WONT x, WILL x is answered IAC DONT x (RFC 1143: an option is only ever refused
 * once, so WONT and DONT, which never enable anything, get no answer). Subnegotiations
 * and other commands are dropped; IAC IAC is a data byte 255. State carries across
 * calls, so a command split between two reads is still understood.
 */
typedef struct _OpConsoleTelnet OpConsoleTelnet;

OpConsoleTelnet *op_console_telnet_new    (void);
void             op_console_telnet_free   (OpConsoleTelnet *self);
/* Appends the data bytes of @input to @data and the answers to send to @reply. */
void             op_console_telnet_filter (OpConsoleTelnet *self,
                                           const guint8    *input,
                                           gsize            length,
                                           GByteArray      *data,
                                           GByteArray      *reply);
/* Doubles every 255 byte, as data sent to a Telnet peer must. */
GBytes          *op_console_telnet_escape (GBytes          *bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpConsoleTelnet, op_console_telnet_free)

G_END_DECLS
