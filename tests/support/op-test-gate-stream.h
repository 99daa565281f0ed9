/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OP_TYPE_TEST_GATE_STREAM (op_test_gate_stream_get_type ())
G_DECLARE_FINAL_TYPE (OpTestGateStream, op_test_gate_stream, OP, TEST_GATE_STREAM,
                      GOutputStream)

/*
 * An output stream whose close waits (at most 10 s) while the test holds its gate shut:
 * like a TLS close_notify written into a peer that does not read. Writes go to @base
 * (then closed after the gate opens), or without one are kept for
 * op_test_gate_stream_dup_written(). For tests that a session released while connected
 * never waits for its connection's close.
 */
OpTestGateStream *op_test_gate_stream_new          (GIOStream        *base);
void              op_test_gate_stream_set_shut     (OpTestGateStream *self,
                                                    gboolean          shut);
/* Whether the stream was closed within @seconds (0: now). */
gboolean          op_test_gate_stream_wait_closed  (OpTestGateStream *self,
                                                    guint             seconds);
/* The thread that closed it (NULL before). */
GThread          *op_test_gate_stream_get_closed_on (OpTestGateStream *self);
char             *op_test_gate_stream_dup_written  (OpTestGateStream *self);

G_END_DECLS
