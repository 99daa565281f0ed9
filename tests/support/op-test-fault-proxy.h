/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A TCP proxy on 127.0.0.1 between a client under test and a real server, for the
 * random-cut campaign (issue 19): it forwards bytes both ways and, when told to, cuts
 * the connection (closes both sides) once a given number of bytes went in one
 * direction (the bytes up to the cut are delivered, none after), stalls the server's
 * bytes for a while, delivers them one byte at a time, or corrupts one of them. One
 * connection at a time, on a thread of its own; the counters are those of the last
 * connection.
 *
 * For plain FTP (op_test_fault_proxy_set_ftp_passive()), the proxy also relays the data
 * connections: it rewrites the port of each 227 (PASV) and 229 (EPSV) reply to one of
 * its own listeners, which forwards that one data connection to the server's port on a
 * thread of its own. The data faults cut the first data connection that carries the Nth
 * byte of the session's data connections in their direction; the control connection
 * goes on. A control connection's end (a cut or QUIT) ends its data connections too.
 */
typedef enum
{
  OP_TEST_FAULT_NONE,
  OP_TEST_FAULT_CUT_DOWNSTREAM,   /* after N bytes from the server to the client */
  OP_TEST_FAULT_CUT_UPSTREAM,     /* after N bytes from the client to the server */
  OP_TEST_FAULT_STALL_DOWNSTREAM, /* after N bytes to the client, nothing for the stall time */
  OP_TEST_FAULT_TRICKLE_DOWNSTREAM, /* every byte to the client in a segment of its own */
  OP_TEST_FAULT_CORRUPT_DOWNSTREAM, /* byte N to the client flipped (XOR 0x5a) */
  OP_TEST_FAULT_CUT_DATA_DOWNSTREAM, /* FTP: after N data bytes from the server */
  OP_TEST_FAULT_CUT_DATA_UPSTREAM,   /* FTP: after N data bytes to the server */
} OpTestFault;

typedef struct _OpTestFaultProxy OpTestFaultProxy;

OpTestFaultProxy *op_test_fault_proxy_new        (const char        *upstream_host,
                                                  guint16            upstream_port);
guint16           op_test_fault_proxy_get_port   (OpTestFaultProxy  *self);
/* For the next connection accepted. */
void              op_test_fault_proxy_set_fault  (OpTestFaultProxy  *self,
                                                  OpTestFault        fault,
                                                  guint64            after_bytes);
/* How long OP_TEST_FAULT_STALL_DOWNSTREAM holds the bytes back (default 5 s). */
void              op_test_fault_proxy_set_stall  (OpTestFaultProxy  *self,
                                                  guint              milliseconds);
/* Bytes forwarded on the last connection so far; whether its fault was applied (the
 * cut made, the stall begun, the byte flipped). */
void              op_test_fault_proxy_get_counts (OpTestFaultProxy  *self,
                                                  guint64           *downstream,
                                                  guint64           *upstream,
                                                  gboolean          *applied);
/* Relay the data connections of a plain FTP session through the proxy too (default
 * FALSE). */
void              op_test_fault_proxy_set_ftp_passive (OpTestFaultProxy *self,
                                                       gboolean          relay_data);
/* The bytes of the last control connection's data connections, summed. */
void              op_test_fault_proxy_get_data_counts (OpTestFaultProxy *self,
                                                       guint64          *downstream,
                                                       guint64          *upstream);
void              op_test_fault_proxy_free       (OpTestFaultProxy  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpTestFaultProxy, op_test_fault_proxy_free)

G_END_DECLS
