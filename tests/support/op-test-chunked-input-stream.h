/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-connection.h"

G_BEGIN_DECLS

#define OP_TYPE_TEST_CHUNKED_INPUT_STREAM (op_test_chunked_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (OpTestChunkedInputStream, op_test_chunked_input_stream,
                      OP, TEST_CHUNKED_INPUT_STREAM, GInputStream)

/*
 * An input stream that hands out its chunks one read at a time (never two chunks in
 * one read, unlike GMemoryInputStream), then end of stream: for exact control over how
 * data is split across reads. op_test_chunked_io_stream_new() pairs it with a
 * GMemoryOutputStream that records everything written.
 */
OpTestChunkedInputStream *op_test_chunked_input_stream_new (void);
void                      op_test_chunked_input_stream_add (OpTestChunkedInputStream  *self,
                                                            const void                *data,
                                                            gsize                      size);
void                      op_test_chunked_input_stream_add_string (OpTestChunkedInputStream *self,
                                                                   const char               *text);
guint                     op_test_chunked_input_stream_get_n_reads (OpTestChunkedInputStream *self);

GIOStream                *op_test_chunked_io_stream_new    (OpTestChunkedInputStream  *input,
                                                            GMemoryOutputStream      **output);

/*
 * A connection to "server.test:21" over a chunked input stream and a memory output
 * stream, with a protocol log: what line-reader and command-writer tests start from.
 * Use with g_test_add (path, OpTestStreamFixture, NULL, op_test_stream_fixture_set_up,
 * func, op_test_stream_fixture_tear_down).
 */
typedef struct
{
  OpTestChunkedInputStream *input;
  GIOStream                *stream;
  GMemoryOutputStream      *output;  /* (unowned) */
  OpProtocolLog            *log;
  OpConnection             *connection;
} OpTestStreamFixture;

void op_test_stream_fixture_set_up    (OpTestStreamFixture *fixture,
                                       gconstpointer        user_data);
void op_test_stream_fixture_tear_down (OpTestStreamFixture *fixture,
                                       gconstpointer        user_data);

G_END_DECLS
