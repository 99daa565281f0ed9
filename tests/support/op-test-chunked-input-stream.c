/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-test-chunked-input-stream.h"

struct _OpTestChunkedInputStream
{
  GInputStream  parent_instance;

  GQueue        chunks;   /* (element-type GBytes) */
  gsize         offset;   /* into the head chunk */
  guint         n_reads;
};

G_DEFINE_FINAL_TYPE (OpTestChunkedInputStream, op_test_chunked_input_stream, G_TYPE_INPUT_STREAM)

static gssize
op_test_chunked_input_stream_read (GInputStream  *stream,
                                   void          *buffer,
                                   gsize          count,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  OpTestChunkedInputStream *self = OP_TEST_CHUNKED_INPUT_STREAM (stream);
  GBytes *head;
  gsize size;
  const guint8 *data;
  gsize n;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;

  self->n_reads++;

  head = g_queue_peek_head (&self->chunks);
  if (head == NULL)
    return 0;

  data = g_bytes_get_data (head, &size);
  n = MIN (count, size - self->offset);
  memcpy (buffer, data + self->offset, n);
  self->offset += n;

  if (self->offset == size)
    {
      g_bytes_unref (g_queue_pop_head (&self->chunks));
      self->offset = 0;
    }

  return n;
}

static gboolean
op_test_chunked_input_stream_close (GInputStream  *stream,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  return TRUE;
}

static void
op_test_chunked_input_stream_finalize (GObject *object)
{
  OpTestChunkedInputStream *self = OP_TEST_CHUNKED_INPUT_STREAM (object);

  g_queue_clear_full (&self->chunks, (GDestroyNotify) g_bytes_unref);

  G_OBJECT_CLASS (op_test_chunked_input_stream_parent_class)->finalize (object);
}

static void
op_test_chunked_input_stream_class_init (OpTestChunkedInputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = op_test_chunked_input_stream_finalize;
  stream_class->read_fn = op_test_chunked_input_stream_read;
  stream_class->close_fn = op_test_chunked_input_stream_close;
}

static void
op_test_chunked_input_stream_init (OpTestChunkedInputStream *self)
{
  g_queue_init (&self->chunks);
}

/**
 * op_test_chunked_input_stream_new:
 *
 * Returns: (transfer full): an empty stream (end of stream at once)
 */
OpTestChunkedInputStream *
op_test_chunked_input_stream_new (void)
{
  return g_object_new (OP_TYPE_TEST_CHUNKED_INPUT_STREAM, NULL);
}

/**
 * op_test_chunked_input_stream_add:
 * @self: a stream
 * @data: (array length=size): bytes that one read will return (empty chunks are
 *   skipped)
 * @size: their number
 */
void
op_test_chunked_input_stream_add (OpTestChunkedInputStream *self,
                                  const void               *data,
                                  gsize                     size)
{
  g_return_if_fail (OP_IS_TEST_CHUNKED_INPUT_STREAM (self));
  g_return_if_fail (data != NULL || size == 0);

  if (size > 0)
    g_queue_push_tail (&self->chunks, g_bytes_new (data, size));
}

void
op_test_chunked_input_stream_add_string (OpTestChunkedInputStream *self,
                                         const char               *text)
{
  g_return_if_fail (text != NULL);

  op_test_chunked_input_stream_add (self, text, strlen (text));
}

/**
 * op_test_chunked_input_stream_get_n_reads:
 * @self: a stream
 *
 * Returns: how many reads were made (including those that found end of stream)
 */
guint
op_test_chunked_input_stream_get_n_reads (OpTestChunkedInputStream *self)
{
  g_return_val_if_fail (OP_IS_TEST_CHUNKED_INPUT_STREAM (self), 0);

  return self->n_reads;
}

/**
 * op_test_chunked_io_stream_new:
 * @input: the input side
 * @output: (out) (optional) (transfer none): the output side, which records all writes
 *
 * Returns: (transfer full): a stream reading from @input and writing to memory
 */
GIOStream *
op_test_chunked_io_stream_new (OpTestChunkedInputStream  *input,
                               GMemoryOutputStream      **output)
{
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  GIOStream *stream;

  g_return_val_if_fail (OP_IS_TEST_CHUNKED_INPUT_STREAM (input), NULL);

  stream = g_simple_io_stream_new (G_INPUT_STREAM (input), memory);
  if (output != NULL)
    *output = G_MEMORY_OUTPUT_STREAM (memory);

  return stream;
}

void
op_test_stream_fixture_set_up (OpTestStreamFixture *fixture,
                               gconstpointer        user_data)
{
  fixture->input = op_test_chunked_input_stream_new ();
  fixture->stream = op_test_chunked_io_stream_new (fixture->input, &fixture->output);
  fixture->log = op_protocol_log_new ();
  fixture->connection = op_connection_new_for_stream (fixture->stream, "server.test", 21,
                                                      NULL, fixture->log);
}

void
op_test_stream_fixture_tear_down (OpTestStreamFixture *fixture,
                                  gconstpointer        user_data)
{
  g_clear_object (&fixture->connection);
  g_clear_object (&fixture->log);
  g_clear_object (&fixture->stream);
  g_clear_object (&fixture->input);
}
