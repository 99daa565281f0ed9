/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * OpSession, the base of every protocol client, through a small line protocol of its
 * own ("+OK"/"-ERR" replies, a CAPA block) over in-memory streams: the connect
 * sequence, the event queue, the block reader's bounds, the SASL driver, the error
 * policy, the settings snapshot, and a session released while connected.
 */
#include "config.h"

#include <string.h>

#include "op-secret.h"
#include "op-session.h"
#include "op-test-async.h"

/* --- an output stream whose close blocks until the test opens the gate -------------- */

#define TEST_TYPE_GATE_STREAM (test_gate_stream_get_type ())
G_DECLARE_FINAL_TYPE (TestGateStream, test_gate_stream, TEST, GATE_STREAM, GOutputStream)

struct _TestGateStream
{
  GOutputStream  parent_instance;
  GMutex         lock;
  GCond          cond;
  GString       *written;
  gboolean       gate_closed;
  gboolean       closed;
  GThread       *closed_on;
};

G_DEFINE_FINAL_TYPE (TestGateStream, test_gate_stream, G_TYPE_OUTPUT_STREAM)

static gssize
gate_write (GOutputStream  *stream,
            const void     *buffer,
            gsize           count,
            GCancellable   *cancellable,
            GError        **error)
{
  TestGateStream *self = TEST_GATE_STREAM (stream);

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
  TestGateStream *self = TEST_GATE_STREAM (stream);
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  /* Like a TLS close_notify into a full window: it waits (here at most 10 s). */
  g_mutex_lock (&self->lock);
  while (self->gate_closed && g_cond_wait_until (&self->cond, &self->lock, end))
    ;
  self->closed = TRUE;
  self->closed_on = g_thread_self ();
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static void
test_gate_stream_finalize (GObject *object)
{
  TestGateStream *self = TEST_GATE_STREAM (object);

  g_string_free (self->written, TRUE);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (test_gate_stream_parent_class)->finalize (object);
}

static void
test_gate_stream_class_init (TestGateStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_gate_stream_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = gate_write;
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = gate_close;
}

static void
test_gate_stream_init (TestGateStream *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->written = g_string_new (NULL);
}

static void
gate_set (TestGateStream *self,
          gboolean        closed)
{
  g_mutex_lock (&self->lock);
  self->gate_closed = closed;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static gboolean
gate_wait_closed (TestGateStream *self,
                  guint           seconds)
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

static char *
gate_dup_written (TestGateStream *self)
{
  char *text;

  g_mutex_lock (&self->lock);
  text = g_strdup (self->written->str);
  g_mutex_unlock (&self->lock);
  return text;
}

/* --- a small line protocol on OpSession ------------------------------------------------- */

#define TEST_ERROR (test_error_quark ())
GQuark test_error_quark (void);
G_DEFINE_QUARK (test-session-error, test_error)

enum
{
  TEST_ERROR_REFUSED,
  TEST_ERROR_CONNECTION_LOST,
  TEST_ERROR_BAD_REPLY,
  TEST_ERROR_NOT_CONNECTED,
  TEST_ERROR_INVALID_ARGUMENT,
  TEST_ERROR_PLAINTEXT_REFUSED,
  TEST_ERROR_TLS_REFUSED,
};

enum
{
  STATE_DISCONNECTED,
  STATE_CONNECTING,
  STATE_READY,
  STATE_BUSY,
};

typedef struct
{
  gboolean  ok;
  char     *text;
} Reply;

static void
reply_free (gpointer data)
{
  Reply *reply = data;

  g_free (reply->text);
  g_free (reply);
}

#define TEST_TYPE_LINE_SESSION (test_line_session_get_type ())
G_DECLARE_FINAL_TYPE (TestLineSession, test_line_session, TEST, LINE_SESSION, OpSession)

struct _TestLineSession
{
  OpSession       parent_instance;
  char           *script;       /* what the "server" sends, all of it */
  TestGateStream *output;       /* what the session sent */
  GPtrArray      *w_caps;       /* worker */
  guint           n_events;     /* main context: custom events delivered */
  guint           last_event;
  int             n_state_notifies;
  guint           extra_timeout;
};

G_DEFINE_FINAL_TYPE (TestLineSession, test_line_session, OP_TYPE_SESSION)

static GParamSpec *state_pspec;

static OpConnection *
line_open_connection (OpSession     *session,
                      GCancellable  *cancellable,
                      GError       **error)
{
  TestLineSession *self = TEST_LINE_SESSION (session);
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data (g_strdup (self->script),
                                                                        -1, g_free);
  g_autoptr(GIOStream) stream = g_simple_io_stream_new (input, G_OUTPUT_STREAM (self->output));

  return op_connection_new_for_stream (stream, "test.invalid", 1, NULL,
                                       op_session_get_log (session));
}

static gpointer
line_read_reply (OpSession     *session,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree char *line = NULL;
  Reply *reply;
  gsize length = 0;

  line = op_session_read_line (session, 0, &length, cancellable, error);
  if (line == NULL)
    return NULL;
  if (!g_str_has_prefix (line, "+OK") && !g_str_has_prefix (line, "-ERR"))
    {
      op_session_fail (session, g_error_new (TEST_ERROR, TEST_ERROR_BAD_REPLY,
                                             "bad reply “%s”", line), error);
      return NULL;
    }
  reply = g_new0 (Reply, 1);
  reply->ok = line[0] == '+';
  reply->text = g_strdup (line + (reply->ok ? 3 : 4));
  return reply;
}

static GError *
line_check_reply (OpSession     *session,
                  gconstpointer  data,
                  int            expect,
                  const char    *verb,
                  int            kind)
{
  const Reply *reply = data;

  if (reply->ok)
    return NULL;
  return g_error_new (TEST_ERROR, TEST_ERROR_REFUSED, "%s refused:%s", verb, reply->text);
}

static gboolean
line_greet (OpSession     *session,
            gboolean      *preauthenticated,
            GCancellable  *cancellable,
            GError       **error)
{
  Reply *reply = op_session_read_reply (session, cancellable, error);

  if (reply == NULL)
    return FALSE;
  *preauthenticated = strstr (reply->text, "PREAUTH") != NULL;
  reply_free (reply);
  return TRUE;
}

static gboolean
add_cap (const char  *line,
         gsize        length,
         gpointer     user_data,
         GError     **error)
{
  g_ptr_array_add (user_data, g_strndup (line, length));
  return TRUE;
}

static gboolean
line_capabilities (OpSession     *session,
                   GCancellable  *cancellable,
                   GError       **error)
{
  TestLineSession *self = TEST_LINE_SESSION (session);
  Reply *reply = op_session_command_expect (session, "CAPA", NULL, OP_SEND_PLAIN, 0, 0,
                                            cancellable, error);

  if (reply == NULL)
    return FALSE;
  reply_free (reply);
  g_clear_pointer (&self->w_caps, g_ptr_array_unref);
  self->w_caps = g_ptr_array_new_with_free_func (g_free);
  return op_session_read_block (session, 0, 4, 64, add_cap, self->w_caps, cancellable,
                                error);
}

static gboolean
line_start_tls (OpSession     *session,
                GCancellable  *cancellable,
                GError       **error)
{
  g_set_error_literal (error, TEST_ERROR, TEST_ERROR_TLS_REFUSED, "no TLS here");
  return FALSE;
}

static void
line_reset (OpSession *session)
{
  g_clear_pointer (&TEST_LINE_SESSION (session)->w_caps, g_ptr_array_unref);
}

static gpointer
line_dup_capabilities (OpSession *session)
{
  TestLineSession *self = TEST_LINE_SESSION (session);
  GStrvBuilder *builder;
  GStrv caps;

  if (self->w_caps == NULL)
    return NULL;
  builder = g_strv_builder_new ();
  for (guint i = 0; i < self->w_caps->len; i++)
    g_strv_builder_add (builder, self->w_caps->pdata[i]);
  caps = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return caps;
}

static void
line_deliver_event (OpSession *session,
                    guint      kind,
                    gpointer   data)
{
  TestLineSession *self = TEST_LINE_SESSION (session);

  self->n_events++;
  self->last_event = GPOINTER_TO_UINT (data);
}

static gpointer
line_copy_settings (OpSession *session)
{
  return GUINT_TO_POINTER (TEST_LINE_SESSION (session)->extra_timeout);
}

static void
line_get_property (GObject    *object,
                   guint       prop_id,
                   GValue     *value,
                   GParamSpec *pspec)
{
  g_value_set_int (value, op_session_get_state (OP_SESSION (object)));
}

static void
test_line_session_finalize (GObject *object)
{
  TestLineSession *self = TEST_LINE_SESSION (object);

  g_free (self->script);
  g_clear_object (&self->output);
  g_clear_pointer (&self->w_caps, g_ptr_array_unref);
  G_OBJECT_CLASS (test_line_session_parent_class)->finalize (object);
}

static void
test_line_session_class_init (TestLineSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  OpSessionClass *session_class = OP_SESSION_CLASS (klass);

  object_class->finalize = test_line_session_finalize;
  object_class->get_property = line_get_property;
  state_pspec = g_param_spec_int ("state", NULL, NULL, 0, 10, 0,
                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                  G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_property (object_class, 1, state_pspec);

  session_class->protocol = "test";
  session_class->default_port = 1110;
  session_class->default_tls_port = 1995;
  session_class->error_domain = TEST_ERROR;
  session_class->error_connection_lost = TEST_ERROR_CONNECTION_LOST;
  session_class->error_bad_reply = TEST_ERROR_BAD_REPLY;
  session_class->error_not_connected = TEST_ERROR_NOT_CONNECTED;
  session_class->error_invalid_argument = TEST_ERROR_INVALID_ARGUMENT;
  session_class->error_plaintext_refused = TEST_ERROR_PLAINTEXT_REFUSED;
  session_class->error_tls_refused = TEST_ERROR_TLS_REFUSED;
  session_class->max_reply_line = 80;
  session_class->state_pspec = state_pspec;
  session_class->state_disconnected = STATE_DISCONNECTED;
  session_class->state_connecting = STATE_CONNECTING;
  session_class->state_ready = STATE_READY;
  session_class->state_busy = STATE_BUSY;
  session_class->capabilities_free = (GDestroyNotify) g_strfreev;
  session_class->copy_settings = line_copy_settings;
  session_class->open_connection = line_open_connection;
  session_class->greet = line_greet;
  session_class->capabilities = line_capabilities;
  session_class->start_tls = line_start_tls;
  session_class->reset = line_reset;
  session_class->read_reply = line_read_reply;
  session_class->reply_free = reply_free;
  session_class->check_reply = line_check_reply;
  session_class->dup_capabilities = line_dup_capabilities;
  session_class->deliver_event = line_deliver_event;
}

static void
test_line_session_init (TestLineSession *self)
{
  self->output = g_object_new (TEST_TYPE_GATE_STREAM, NULL);
}

static void
on_state_notify (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  TEST_LINE_SESSION (object)->n_state_notifies++;
}

static TestLineSession *
line_session_new (const char *script,
                  OpSecurity  security)
{
  TestLineSession *self = g_object_new (TEST_TYPE_LINE_SESSION, NULL);

  op_session_setup (OP_SESSION (self), "test.invalid", 0, security);
  self->script = g_strdup (script);
  g_signal_connect (self, "notify::state", G_CALLBACK (on_state_notify), NULL);
  return self;
}

/* --- calls ----------------------------------------------------------------------------- */

static gpointer
job_connect (OpSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  return op_session_open (session, cancellable, error) ? OP_SESSION_JOB_OK : NULL;
}

static gpointer
job_noop (OpSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  return op_session_command_expect (session, "NOOP", data, OP_SEND_PLAIN, 0, 0, cancellable,
                                    error);
}

static gpointer
job_timeouts (OpSession     *session,
              gpointer       data,
              GCancellable  *cancellable,
              GError       **error)
{
  const OpSessionSettings *s = op_session_get_settings (session);

  return g_strdup_printf ("%u %u", s->timeout, GPOINTER_TO_UINT (s->extra));
}

static gpointer
job_read_block (OpSession     *session,
                gpointer       data,
                GCancellable  *cancellable,
                GError       **error)
{
  Reply *reply = op_session_command_expect (session, "LIST", NULL, OP_SEND_PLAIN, 0, 0,
                                            cancellable, error);
  GPtrArray *lines;

  if (reply == NULL)
    return NULL;
  reply_free (reply);
  lines = g_ptr_array_new_with_free_func (g_free);
  if (!op_session_read_block (session, 0, 3, 0, add_cap, lines, cancellable, error))
    {
      g_ptr_array_unref (lines);
      return NULL;
    }
  return lines;
}

static gboolean
sasl_send_start (OpSession     *session,
                 const char    *mechanism,
                 const char    *initial,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree char *argument = initial != NULL ? g_strconcat (mechanism, " ", initial, NULL)
                                              : g_strdup (mechanism);

  return op_session_send (session, "AUTH", argument,
                          initial != NULL ? OP_SEND_SECRET_ARGUMENT : OP_SEND_PLAIN,
                          cancellable, error);
}

static gpointer
sasl_read_step (OpSession     *session,
                char         **challenge,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autofree char *line = NULL;
  gsize length = 0;
  Reply *reply;

  line = op_session_read_line (session, 0, &length, cancellable, error);
  if (line == NULL)
    return NULL;
  if (line[0] == '+' && (line[1] == ' ' || line[1] == '\0'))
    {
      *challenge = g_strdup (line[1] == ' ' ? line + 2 : "");
      return NULL;
    }
  reply = g_new0 (Reply, 1);
  reply->ok = g_str_has_prefix (line, "+OK");
  reply->text = g_strdup (line);
  return reply;
}

static const OpSessionSaslFraming sasl_framing = {
  .send_start = sasl_send_start,
  .read_step = sasl_read_step,
  .max_initial_response = 20,
  .max_steps = 3,
};

static gpointer
job_sasl (OpSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(OpSaslSession) sasl = op_sasl_session_new (GPOINTER_TO_UINT (data), "user",
                                                       "a-long-enough-password");

  return op_session_sasl_authenticate (session, &sasl_framing, sasl, cancellable, error);
}

/* --- waiting ---------------------------------------------------------------------------- */

/* Lets every event the worker queued reach the main context. */
static void
drain (void)
{
  for (guint i = 0; i < 50; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
}

static gpointer
run (TestLineSession   *self,
     OpSessionJobFunc   func,
     gpointer           data,
     GDestroyNotify     result_free,
     OpSessionJobFlags  flags,
     GError           **error)
{
  GAsyncResult *result = NULL;
  GTask *task = op_session_task_new (OP_SESSION (self), (gpointer) func, NULL,
                                     op_test_store_result, &result);
  gpointer value;

  op_session_queue (OP_SESSION (self), task, func, data, NULL, result_free, flags);
  op_test_wait_result (&result, 30);
  if (result_free == NULL)
    value = op_session_finish_boolean (OP_SESSION (self), result, (gpointer) func, error)
            ? OP_SESSION_JOB_OK : NULL;
  else
    value = op_session_finish_pointer (OP_SESSION (self), result, (gpointer) func, error);
  g_object_unref (result);
  return value;
}

static const char *connect_script = "+OK hello\r\n+OK capabilities\r\nUSER\r\n..DOT\r\n.\r\n";

/* --- tests ------------------------------------------------------------------------------- */

static void
test_connect_sequence (void)
{
  g_autoptr(TestLineSession) self = line_session_new (connect_script, OP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;
  g_autofree char *sent = NULL;
  GStrv caps;

  g_assert_cmpuint (op_session_get_port (OP_SESSION (self)), ==, 1110);
  g_assert_nonnull (run (self, job_connect, NULL, NULL, OP_SESSION_JOB_NONE, &error));
  g_assert_no_error (error);
  drain ();
  g_assert_cmpint (op_session_get_state (OP_SESSION (self)), ==, STATE_READY);
  g_assert_cmpint (self->n_state_notifies, >=, 1);
  caps = op_session_get_capabilities (OP_SESSION (self));
  g_assert_nonnull (caps);
  g_assert_cmpuint (g_strv_length (caps), ==, 2);
  g_assert_cmpstr (caps[0], ==, "USER");
  /* Unstuffed: "..DOT" is ".DOT". */
  g_assert_cmpstr (caps[1], ==, ".DOT");
  g_assert_false (op_session_is_tls (OP_SESSION (self)));
  sent = gate_dup_written (self->output);
  g_assert_cmpstr (sent, ==, "CAPA\r\n");
}

static void
test_implicit_tls_port (void)
{
  g_autoptr(TestLineSession) self = line_session_new (connect_script,
                                                      OP_SECURITY_IMPLICIT_TLS);

  g_assert_cmpuint (op_session_get_port (OP_SESSION (self)), ==, 1995);
  g_assert_cmpint (op_session_get_security (OP_SESSION (self)), ==, OP_SECURITY_IMPLICIT_TLS);
}

static void
test_starttls_required (void)
{
  g_autoptr(TestLineSession) self = line_session_new (connect_script, OP_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;

  g_assert_null (run (self, job_connect, NULL, NULL, OP_SESSION_JOB_NONE, &error));
  g_assert_error (error, TEST_ERROR, TEST_ERROR_TLS_REFUSED);
  drain ();
  g_assert_cmpint (op_session_get_state (OP_SESSION (self)), ==, STATE_DISCONNECTED);
  g_assert_true (gate_wait_closed (self->output, 5));
}

static void
test_preauth_refused_with_starttls (void)
{
  g_autoptr(TestLineSession) self = line_session_new ("+OK PREAUTH welcome\r\n",
                                                      OP_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;
  g_autofree char *sent = NULL;

  g_assert_null (run (self, job_connect, NULL, NULL, OP_SESSION_JOB_NONE, &error));
  g_assert_error (error, TEST_ERROR, TEST_ERROR_TLS_REFUSED);
  sent = gate_dup_written (self->output);
  g_assert_cmpstr (sent, ==, "");
}

static void
test_not_connected (void)
{
  g_autoptr(TestLineSession) self = line_session_new (connect_script, OP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;

  g_assert_null (run (self, job_noop, NULL, reply_free, OP_SESSION_JOB_NEEDS_CONNECTION,
                      &error));
  g_assert_error (error, TEST_ERROR, TEST_ERROR_NOT_CONNECTED);
}

static void
test_refusal_keeps_session (void)
{
  g_autofree char *script = g_strconcat (connect_script, "-ERR no\r\n+OK fine\r\n", NULL);
  g_autoptr(TestLineSession) self = line_session_new (script, OP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;
  Reply *reply;

  g_assert_nonnull (run (self, job_connect, NULL, NULL, OP_SESSION_JOB_NONE, &error));
  g_assert_null (run (self, job_noop, NULL, reply_free, OP_SESSION_JOB_NEEDS_CONNECTION,
                      &error));
  g_assert_error (error, TEST_ERROR, TEST_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==, "NOOP refused: no");
  g_clear_error (&error);
  reply = run (self, job_noop, NULL, reply_free, OP_SESSION_JOB_NEEDS_CONNECTION, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply->text, ==, " fine");
  reply_free (reply);
}

static void
test_bad_argument (void)
{
  g_autoptr(TestLineSession) self = line_session_new (connect_script, OP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (run (self, job_connect, NULL, NULL, OP_SESSION_JOB_NONE, &error));
  g_assert_null (run (self, job_noop, (gpointer) "a\r\nDELE 1", reply_free,
                      OP_SESSION_JOB_NEEDS_CONNECTION, &error));
  g_assert_error (error, TEST_ERROR, TEST_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "NOOP"));
  drain ();
  /* Nothing went out, so the session is still in step. */
  g_assert_cmpint (op_session_get_state (OP_SESSION (self)), ==, STATE_READY);
}

static void
test_closed_connection (void)
{
  g_autoptr(TestLineSession) self = line_session_new (connect_script, OP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (run (self, job_connect, NULL, NULL, OP_SESSION_JOB_NONE, &error));
  g_assert_null (run (self, job_noop, NULL, reply_free, OP_SESSION_JOB_NEEDS_CONNECTION,
                      &error));
  g_assert_error (error, TEST_ERROR, TEST_ERROR_CONNECTION_LOST);
  g_assert_cmpstr (error->message, ==, "The server closed the connection.");
  drain ();
  g_assert_cmpint (op_session_get_state (OP_SESSION (self)), ==, STATE_DISCONNECTED);
  g_assert_null (op_session_get_capabilities (OP_SESSION (self)));
}

static void
test_line_too_long (void)
{
  g_autofree char *long_line = g_strnfill (200, 'x');
  g_autofree char *script = g_strconcat (connect_script, "+OK ", long_line, "\r\n", NULL);
  g_autoptr(TestLineSession) self = line_session_new (script, OP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (run (self, job_connect, NULL, NULL, OP_SESSION_JOB_NONE, &error));
  g_assert_null (run (self, job_noop, NULL, reply_free, OP_SESSION_JOB_NEEDS_CONNECTION,
                      &error));
  g_assert_error (error, TEST_ERROR, TEST_ERROR_BAD_REPLY);
}

static void
test_block_line_limit (void)
{
  g_autofree char *script = g_strconcat (connect_script, "+OK\r\n1\r\n2\r\n3\r\n4\r\n.\r\n",
                                         NULL);
  g_autoptr(TestLineSession) self = line_session_new (script, OP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (run (self, job_connect, NULL, NULL, OP_SESSION_JOB_NONE, &error));
  g_assert_null (run (self, job_read_block, NULL, (GDestroyNotify) g_ptr_array_unref,
                      OP_SESSION_JOB_NEEDS_CONNECTION, &error));
  g_assert_error (error, TEST_ERROR, TEST_ERROR_BAD_REPLY);
  g_assert_cmpstr (error->message, ==, "The server sent a reply of more than 3 lines.");
  drain ();
  g_assert_cmpint (op_session_get_state (OP_SESSION (self)), ==, STATE_DISCONNECTED);
}

static void
test_block_within_limit (void)
{
  g_autofree char *script = g_strconcat (connect_script, "+OK\r\n1\r\n.\r\n\r\n.\r\n", NULL);
  g_autoptr(TestLineSession) self = line_session_new (script, OP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = NULL;

  g_assert_nonnull (run (self, job_connect, NULL, NULL, OP_SESSION_JOB_NONE, &error));
  lines = run (self, job_read_block, NULL, (GDestroyNotify) g_ptr_array_unref,
               OP_SESSION_JOB_NEEDS_CONNECTION, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_cmpstr (lines->pdata[0], ==, "1");
}

static void
test_block_byte_limit (void)
{
  /* The CAPA block of the class is bounded to 64 bytes. */
  g_autofree char *big = g_strnfill (70, 'C');
  g_autofree char *script = g_strconcat ("+OK hello\r\n+OK\r\n", big, "\r\n.\r\n", NULL);
  g_autoptr(TestLineSession) self = line_session_new (script, OP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;

  g_assert_null (run (self, job_connect, NULL, NULL, OP_SESSION_JOB_NONE, &error));
  g_assert_error (error, TEST_ERROR, TEST_ERROR_BAD_REPLY);
  g_assert_nonnull (strstr (error->message, "64 bytes"));
}

static void
test_sasl_plain_held_back (void)
{
  /* The initial response is longer than the framing allows on the command line, so it
   * waits for the server's empty challenge. */
  g_autofree char *script = g_strconcat (connect_script, "+ \r\n+OK welcome\r\n", NULL);
  g_autoptr(TestLineSession) self = line_session_new (script, OP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *b64 = g_base64_encode ((const guchar *) "\0user\0a-long-enough-password",
                                          28);
  Reply *reply;

  g_assert_nonnull (run (self, job_connect, NULL, NULL, OP_SESSION_JOB_NONE, &error));
  reply = run (self, job_sasl, GUINT_TO_POINTER (OP_SASL_MECHANISM_PLAIN), reply_free,
               OP_SESSION_JOB_NEEDS_CONNECTION, &error);
  g_assert_no_error (error);
  g_assert_true (reply->ok);
  reply_free (reply);
  sent = gate_dup_written (self->output);
  expected = g_strconcat ("CAPA\r\nAUTH PLAIN\r\n", b64, "\r\n", NULL);
  g_assert_cmpstr (sent, ==, expected);
}

static void
test_sasl_cancelled_on_bad_challenge (void)
{
  /* CRAM-MD5 cannot answer a challenge that is not base64: "*" and the failure. */
  g_autofree char *script = g_strconcat (connect_script, "+ !!!\r\n-ERR cancelled\r\n+OK\r\n",
                                         NULL);
  g_autoptr(TestLineSession) self = line_session_new (script, OP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;
  g_autofree char *sent = NULL;
  Reply *reply;

  g_assert_nonnull (run (self, job_connect, NULL, NULL, OP_SESSION_JOB_NONE, &error));
  g_assert_null (run (self, job_sasl, GUINT_TO_POINTER (OP_SASL_MECHANISM_CRAM_MD5),
                      reply_free, OP_SESSION_JOB_NEEDS_CONNECTION, &error));
  g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_BAD_CHALLENGE);
  g_clear_error (&error);
  sent = gate_dup_written (self->output);
  g_assert_cmpstr (sent, ==, "CAPA\r\nAUTH CRAM-MD5\r\n*\r\n");
  /* The exchange ended in step: the session goes on. */
  reply = run (self, job_noop, NULL, reply_free, OP_SESSION_JOB_NEEDS_CONNECTION, &error);
  g_assert_no_error (error);
  reply_free (reply);
}

static void
test_settings_snapshot (void)
{
  g_autoptr(TestLineSession) self = line_session_new (connect_script, OP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  op_session_set_timeout (OP_SESSION (self), 7);
  op_session_lock_settings (OP_SESSION (self));
  self->extra_timeout = 3;
  op_session_unlock_settings (OP_SESSION (self));
  first = run (self, job_timeouts, NULL, g_free, OP_SESSION_JOB_NONE, &error);
  g_assert_cmpstr (first, ==, "7 3");
  op_session_set_timeout (OP_SESSION (self), 9);
  second = run (self, job_timeouts, NULL, g_free, OP_SESSION_JOB_NONE, &error);
  g_assert_cmpstr (second, ==, "9 3");
}

static void
test_events_coalesce_and_bound (void)
{
  g_autoptr(TestLineSession) self = line_session_new (connect_script, OP_SECURITY_NONE);
  OpSession *session = OP_SESSION (self);
  guint dropped = 0;

  /* Posted from this thread while its main context does not run: a burst of one value
   * coalesces into its last… */
  for (guint i = 1; i <= 1000; i++)
    g_assert_true (op_session_post_event (session, 1, 42, GUINT_TO_POINTER (i), NULL,
                                          OP_SESSION_EVENT_COALESCE));
  /* …and a flood is bounded. */
  for (guint i = 0; i < OP_SESSION_MAX_PENDING_EVENTS + 10; i++)
    if (!op_session_post_event (session, 2, i, GUINT_TO_POINTER (7), NULL,
                                OP_SESSION_EVENT_DROPPABLE))
      dropped++;
  g_assert_cmpuint (self->n_events, ==, 0);
  drain ();
  /* The burst is one event; the flood filled the queue up to its bound behind it. */
  g_assert_cmpuint (dropped, ==, 11);
  g_assert_cmpuint (self->n_events, ==, OP_SESSION_MAX_PENDING_EVENTS);
  g_assert_cmpuint (self->last_event, ==, 7);
}

static void
test_release_connected_returns_at_once (void)
{
  TestLineSession *self = line_session_new (connect_script, OP_SECURITY_NONE);
  g_autoptr(TestGateStream) output = g_object_ref (self->output);
  g_autoptr(GError) error = NULL;
  gint64 start, elapsed;

  g_assert_nonnull (run (self, job_connect, NULL, NULL, OP_SESSION_JOB_NONE, &error));
  drain ();
  /* From now on closing the connection blocks (for 10 s), as a TLS close can. */
  gate_set (output, TRUE);
  start = g_get_monotonic_time ();
  g_object_unref (self);
  elapsed = g_get_monotonic_time () - start;
  g_assert_cmpint (elapsed, <, G_TIME_SPAN_SECOND);
  g_assert_false (gate_wait_closed (output, 0));
  /* The worker closes it once it may. */
  gate_set (output, FALSE);
  g_assert_true (gate_wait_closed (output, 5));
  g_assert_true (output->closed_on != g_thread_self ());
}

static void
test_shutdown_connected_returns_at_once (void)
{
  g_autoptr(TestLineSession) self = line_session_new (connect_script, OP_SECURITY_NONE);
  g_autoptr(GError) error = NULL;
  gint64 start;

  g_assert_nonnull (run (self, job_connect, NULL, NULL, OP_SESSION_JOB_NONE, &error));
  gate_set (self->output, TRUE);
  start = g_get_monotonic_time ();
  op_session_shutdown (OP_SESSION (self));
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_TIME_SPAN_SECOND);
  gate_set (self->output, FALSE);
  g_assert_true (gate_wait_closed (self->output, 5));
  drain ();
  g_assert_cmpint (op_session_get_state (OP_SESSION (self)), ==, STATE_DISCONNECTED);
  /* Later calls fail. */
  g_assert_null (run (self, job_noop, NULL, reply_free, OP_SESSION_JOB_NEEDS_CONNECTION,
                      &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

static void
test_secret_wipe (void)
{
  char *secret = g_strdup ("hunter2");
  char buffer[8] = "hunter2";
  GBytes *bytes = op_secret_bytes_new_take (g_strdup ("token"), 5);

  op_secret_wipe (buffer, sizeof buffer);
  for (gsize i = 0; i < sizeof buffer; i++)
    g_assert_cmpint (buffer[i], ==, 0);
  op_secret_free (secret);
  op_secret_free (NULL);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), 5, "token", 5);
  g_bytes_unref (bytes);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/session/connect/sequence", test_connect_sequence);
  g_test_add_func ("/session/connect/implicit-tls-port", test_implicit_tls_port);
  g_test_add_func ("/session/connect/starttls-required", test_starttls_required);
  g_test_add_func ("/session/connect/preauth-refused-with-starttls",
                   test_preauth_refused_with_starttls);
  g_test_add_func ("/session/command/not-connected", test_not_connected);
  g_test_add_func ("/session/command/refusal-keeps-session", test_refusal_keeps_session);
  g_test_add_func ("/session/command/bad-argument", test_bad_argument);
  g_test_add_func ("/session/errors/closed-connection", test_closed_connection);
  g_test_add_func ("/session/errors/line-too-long", test_line_too_long);
  g_test_add_func ("/session/block/line-limit", test_block_line_limit);
  g_test_add_func ("/session/block/within-limit", test_block_within_limit);
  g_test_add_func ("/session/block/byte-limit", test_block_byte_limit);
  g_test_add_func ("/session/sasl/plain-held-back", test_sasl_plain_held_back);
  g_test_add_func ("/session/sasl/cancelled-on-bad-challenge",
                   test_sasl_cancelled_on_bad_challenge);
  g_test_add_func ("/session/settings/snapshot", test_settings_snapshot);
  g_test_add_func ("/session/events/coalesce-and-bound", test_events_coalesce_and_bound);
  g_test_add_func ("/session/release/connected-returns-at-once",
                   test_release_connected_returns_at_once);
  g_test_add_func ("/session/release/shutdown-returns-at-once",
                   test_shutdown_connected_returns_at_once);
  g_test_add_func ("/session/secret/wipe", test_secret_wipe);

  return g_test_run ();
}
