/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A TCP proxy on 127.0.0.1 between a client under test and a real server, for the
 * random-cut campaign (issue 19): it forwards bytes both ways and, when told to, cuts
 * the connection (closes both sides) once a given number of bytes went in one
 * direction: the bytes up to the cut are delivered, none after. One connection at a
 * time, each on a thread of its own; the counters are those of the last connection.
 */
typedef enum
{
  OP_TEST_FAULT_NONE,
  OP_TEST_FAULT_CUT_DOWNSTREAM,   /* after N bytes from the server to the client */
  OP_TEST_FAULT_CUT_UPSTREAM,     /* after N bytes from the client to the server */
} OpTestFault;

typedef struct _OpTestFaultProxy OpTestFaultProxy;

OpTestFaultProxy *op_test_fault_proxy_new        (const char        *upstream_host,
                                                  guint16            upstream_port);
guint16           op_test_fault_proxy_get_port   (OpTestFaultProxy  *self);
/* For the next connection accepted. */
void              op_test_fault_proxy_set_fault  (OpTestFaultProxy  *self,
                                                  OpTestFault        fault,
                                                  guint64            after_bytes);
/* Bytes forwarded on the last connection so far; whether it was cut. */
void              op_test_fault_proxy_get_counts (OpTestFaultProxy  *self,
                                                  guint64           *downstream,
                                                  guint64           *upstream,
                                                  gboolean          *cut);
void              op_test_fault_proxy_free       (OpTestFaultProxy  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpTestFaultProxy, op_test_fault_proxy_free)

G_END_DECLS
