/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "op-test-gate-stream.h"

struct _OpTestGateStream
{
  GOutputStream  parent_instance;
  GIOStream     *base;          /* (nullable) */
  GMutex         lock;
  GCond          cond;
  GString       *written;
  gboolean       shut;
  gboolean       closed;
  GThread       *closed_on;
};

G_DEFINE_FINAL_TYPE (OpTestGateStream, op_test_gate_stream, G_TYPE_OUTPUT_STREAM)

static gssize
gate_write (GOutputStream  *stream,
            const void     *buffer,
            gsize           count,
            GCancellable   *cancellable,
            GError        **error)
{
  OpTestGateStream *self = OP_TEST_GATE_STREAM (stream);

  if (self->base != NULL)
    return g_output_stream_write (g_io_stream_get_output_stream (self->base), buffer, count,
                                  cancellable, error);
  g_mutex_lock (&self->lock);
  g_string_append_len (self->written, buffer, count);
  g_mutex_unlock (&self->lock);
  return count;
}

static gboolean
gate_close (GOutputStream  *stream,
            GCancellable   *cancellable,
            GError        **error)
{
  OpTestGateStream *self = OP_TEST_GATE_STREAM (stream);
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&self->lock);
  while (self->shut && g_cond_wait_until (&self->cond, &self->lock, end))
    ;
  self->closed = TRUE;
  self->closed_on = g_thread_self ();
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return self->base == NULL || g_io_stream_close (self->base, NULL, error);
}

static void
op_test_gate_stream_finalize (GObject *object)
{
  OpTestGateStream *self = OP_TEST_GATE_STREAM (object);

  g_clear_object (&self->base);
  g_string_free (self->written, TRUE);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (op_test_gate_stream_parent_class)->finalize (object);
}

static void
op_test_gate_stream_class_init (OpTestGateStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_test_gate_stream_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = gate_write;
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = gate_close;
}

static void
op_test_gate_stream_init (OpTestGateStream *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->written = g_string_new (NULL);
}

OpTestGateStream *
op_test_gate_stream_new (GIOStream *base)
{
  OpTestGateStream *self = g_object_new (OP_TYPE_TEST_GATE_STREAM, NULL);

  self->base = base != NULL ? g_object_ref (base) : NULL;
  return self;
}

void
op_test_gate_stream_set_shut (OpTestGateStream *self,
                              gboolean          shut)
{
  g_mutex_lock (&self->lock);
  self->shut = shut;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

gboolean
op_test_gate_stream_wait_closed (OpTestGateStream *self,
                                 guint             seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_TIME_SPAN_SECOND;
  gboolean closed;

  g_mutex_lock (&self->lock);
  while (!self->closed && g_cond_wait_until (&self->cond, &self->lock, end))
    ;
  closed = self->closed;
  g_mutex_unlock (&self->lock);
  return closed;
}

GThread *
op_test_gate_stream_get_closed_on (OpTestGateStream *self)
{
  GThread *thread;

  g_mutex_lock (&self->lock);
  thread = self->closed_on;
  g_mutex_unlock (&self->lock);
  return thread;
}

char *
op_test_gate_stream_dup_written (OpTestGateStream *self)
{
  char *text;

  g_mutex_lock (&self->lock);
  text = g_strdup (self->written->str);
  g_mutex_unlock (&self->lock);
  return text;
}
