/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test-server"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-test-fixtures.h"
#include "op-test-server.h"

/* Bounds for a scripted server that is driven by a broken client: no step waits or
 * buffers without limit. */
#define MAX_LINE_LENGTH (64 * 1024)
#define SOCKET_TIMEOUT_SECONDS 30

typedef enum
{
  STEP_SEND,
  STEP_EXPECT_LINE,
  STEP_EXPECT_GLOB,
  STEP_READ_LINE,
  STEP_START_TLS,
  STEP_DROP_AFTER,
  STEP_SLEEP,
  STEP_STALL,
  STEP_EXPECT_CLOSE,
  STEP_CLOSE,
} StepKind;

typedef struct
{
  StepKind         kind;
  GBytes          *bytes;        /* STEP_SEND */
  char            *text;         /* STEP_EXPECT_LINE, STEP_EXPECT_GLOB */
  GTlsCertificate *certificate;  /* STEP_START_TLS */
  gsize            n_bytes;      /* STEP_DROP_AFTER */
  guint            milliseconds; /* STEP_SLEEP, STEP_STALL, STEP_EXPECT_CLOSE */
} Step;

struct _OpTestServer
{
  GObject       parent_instance;

  char         *address;
  GPtrArray    *steps;        /* (element-type Step): fixed once started */

  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  GCancellable *cancellable;  /* cancelled by stop(): ends any blocking step */

  GMutex        mutex;
  GCond         cond;
  gboolean      started;
  gboolean      listening;
  GError       *start_error;
  guint16       port;
  guint         n_connections;
  gboolean      done;
  guint         current_step;
  GError       *script_error;
  GPtrArray    *received;     /* (element-type utf8) */
  gboolean      client_closed;
};

G_DEFINE_FINAL_TYPE (OpTestServer, op_test_server, G_TYPE_OBJECT)

static void
step_free (gpointer data)
{
  Step *step = data;

  g_clear_pointer (&step->bytes, g_bytes_unref);
  g_clear_pointer (&step->text, g_free);
  g_clear_object (&step->certificate);
  g_free (step);
}

static void
op_test_server_dispose (GObject *object)
{
  op_test_server_stop (OP_TEST_SERVER (object));

  G_OBJECT_CLASS (op_test_server_parent_class)->dispose (object);
}

static void
op_test_server_finalize (GObject *object)
{
  OpTestServer *self = OP_TEST_SERVER (object);

  g_clear_pointer (&self->steps, g_ptr_array_unref);
  g_clear_pointer (&self->received, g_ptr_array_unref);
  g_clear_error (&self->start_error);
  g_clear_error (&self->script_error);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->address, g_free);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (op_test_server_parent_class)->finalize (object);
}

static void
op_test_server_class_init (OpTestServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_test_server_dispose;
  object_class->finalize = op_test_server_finalize;
}

static void
op_test_server_init (OpTestServer *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->address = g_strdup ("127.0.0.1");
  self->steps = g_ptr_array_new_with_free_func (step_free);
  self->received = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
}

/**
 * op_test_server_new:
 *
 * Returns: (transfer full): a server with an empty script, listening on 127.0.0.1
 */
OpTestServer *
op_test_server_new (void)
{
  return g_object_new (OP_TYPE_TEST_SERVER, NULL);
}

/**
 * op_test_server_set_address:
 * @self: a server that was not started yet
 * @address: a loopback address literal, e.g. "::1"
 */
void
op_test_server_set_address (OpTestServer *self,
                            const char   *address)
{
  g_return_if_fail (OP_IS_TEST_SERVER (self));
  g_return_if_fail (address != NULL);
  g_return_if_fail (!self->started);

  g_free (self->address);
  self->address = g_strdup (address);
}

static Step *
add_step (OpTestServer *self,
          StepKind      kind)
{
  Step *step = g_new0 (Step, 1);

  g_assert (!self->started);

  step->kind = kind;
  g_ptr_array_add (self->steps, step);

  return step;
}

/**
 * op_test_server_send:
 * @self: a server
 * @text: text to send as is, in one write (line ends included)
 */
void
op_test_server_send (OpTestServer *self,
                     const char   *text)
{
  g_return_if_fail (OP_IS_TEST_SERVER (self));
  g_return_if_fail (text != NULL);

  op_test_server_send_raw (self, text, strlen (text));
}

/**
 * op_test_server_send_raw:
 * @self: a server
 * @data: (array length=size): bytes to send in one write
 * @size: their number
 */
void
op_test_server_send_raw (OpTestServer *self,
                         const void   *data,
                         gsize         size)
{
  g_return_if_fail (OP_IS_TEST_SERVER (self));
  g_return_if_fail (data != NULL || size == 0);

  add_step (self, STEP_SEND)->bytes = g_bytes_new (data, size);
}

/**
 * op_test_server_send_garbage:
 * @self: a server
 * @size: how many bytes
 * @with_line_breaks: whether CR and LF may occur
 *
 * Sends pseudo-random bytes (the same on every run: a fixed seed), NUL included.
 */
void
op_test_server_send_garbage (OpTestServer *self,
                             gsize         size,
                             gboolean      with_line_breaks)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x5eed);
  g_autofree guint8 *data = NULL;

  g_return_if_fail (OP_IS_TEST_SERVER (self));

  data = g_malloc (size);
  for (gsize i = 0; i < size; i++)
    {
      data[i] = g_rand_int_range (rand, 0, 256);
      if (!with_line_breaks && (data[i] == '\r' || data[i] == '\n'))
        data[i] = 'x';
    }

  add_step (self, STEP_SEND)->bytes = g_bytes_new_take (g_steal_pointer (&data), size);
}

/**
 * op_test_server_expect_line:
 * @self: a server
 * @line: the line the client must send next, without CRLF
 */
void
op_test_server_expect_line (OpTestServer *self,
                            const char   *line)
{
  g_return_if_fail (OP_IS_TEST_SERVER (self));
  g_return_if_fail (line != NULL);

  add_step (self, STEP_EXPECT_LINE)->text = g_strdup (line);
}

/**
 * op_test_server_expect_line_matching:
 * @self: a server
 * @glob: a pattern for g_pattern_match_simple() ("*" and "?")
 */
void
op_test_server_expect_line_matching (OpTestServer *self,
                                     const char   *glob)
{
  g_return_if_fail (OP_IS_TEST_SERVER (self));
  g_return_if_fail (glob != NULL);

  add_step (self, STEP_EXPECT_GLOB)->text = g_strdup (glob);
}

/**
 * op_test_server_read_line:
 * @self: a server
 *
 * Reads any one line and records it.
 */
void
op_test_server_read_line (OpTestServer *self)
{
  g_return_if_fail (OP_IS_TEST_SERVER (self));

  add_step (self, STEP_READ_LINE);
}

/**
 * op_test_server_start_tls_with:
 * @self: a server
 * @certificate: the server certificate, with its private key
 *
 * Runs the server side of a TLS handshake; later steps go through TLS.
 */
void
op_test_server_start_tls_with (OpTestServer    *self,
                               GTlsCertificate *certificate)
{
  g_return_if_fail (OP_IS_TEST_SERVER (self));
  g_return_if_fail (G_IS_TLS_CERTIFICATE (certificate));

  add_step (self, STEP_START_TLS)->certificate = g_object_ref (certificate);
}

/**
 * op_test_server_start_tls:
 * @self: a server
 *
 * Like op_test_server_start_tls_with() with the fixture tests/data/tls/server.pem
 * (signed by tests/data/tls/ca.pem, for localhost, 127.0.0.1 and ::1).
 */
void
op_test_server_start_tls (OpTestServer *self)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (OP_IS_TEST_SERVER (self));

  certificate = op_test_load_certificate ("server", &error);
  if (certificate == NULL)
    g_error ("Cannot load the server certificate fixture: %s", error->message);

  op_test_server_start_tls_with (self, certificate);
}

/**
 * op_test_server_drop_after:
 * @self: a server
 * @n_bytes: how many more bytes later sends may write
 *
 * Later sends stop after @n_bytes bytes in all; then the connection is closed
 * abruptly (no TLS close_notify) and the script ends there.
 */
void
op_test_server_drop_after (OpTestServer *self,
                           gsize         n_bytes)
{
  g_return_if_fail (OP_IS_TEST_SERVER (self));

  add_step (self, STEP_DROP_AFTER)->n_bytes = n_bytes;
}

/**
 * op_test_server_sleep:
 * @self: a server
 * @milliseconds: how long to pause before the next step
 *
 * Useful between sends, so the client sees them in separate reads.
 */
void
op_test_server_sleep (OpTestServer *self,
                      guint         milliseconds)
{
  g_return_if_fail (OP_IS_TEST_SERVER (self));

  add_step (self, STEP_SLEEP)->milliseconds = milliseconds;
}

/**
 * op_test_server_stall:
 * @self: a server
 * @milliseconds: the longest time to stall
 *
 * Sends nothing and discards what arrives until the client disconnects or
 * @milliseconds passed. Neither outcome is a failure. If the client disconnected the
 * script ends.
 */
void
op_test_server_stall (OpTestServer *self,
                      guint         milliseconds)
{
  g_return_if_fail (OP_IS_TEST_SERVER (self));

  add_step (self, STEP_STALL)->milliseconds = milliseconds;
}

/**
 * op_test_server_expect_close:
 * @self: a server
 * @milliseconds: how long the client may take
 *
 * Like op_test_server_stall(), but the client must disconnect within @milliseconds.
 */
void
op_test_server_expect_close (OpTestServer *self,
                             guint         milliseconds)
{
  g_return_if_fail (OP_IS_TEST_SERVER (self));

  add_step (self, STEP_EXPECT_CLOSE)->milliseconds = milliseconds;
}

/**
 * op_test_server_close:
 * @self: a server
 *
 * Closes the connection (politely, with close_notify under TLS) and ends the script.
 */
void
op_test_server_close (OpTestServer *self)
{
  g_return_if_fail (OP_IS_TEST_SERVER (self));

  add_step (self, STEP_CLOSE);
}

/* The server thread ----------------------------------------------------------------- */

typedef struct
{
  OpTestServer      *server;
  GSocketConnection *connection;
  GSocket           *socket;
  GIOStream         *stream;      /* the connection or the TLS stream over it */
  gssize             budget;      /* bytes sends may still write, -1 for no limit */
  gboolean           ended;       /* the connection is gone; stop here */
} Session;

static char *
describe_step (const Step *step)
{
  switch (step->kind)
    {
    case STEP_SEND:
      return g_strdup_printf ("send %" G_GSIZE_FORMAT " bytes", g_bytes_get_size (step->bytes));
    case STEP_EXPECT_LINE:
      return g_strdup_printf ("expect line “%s”", step->text);
    case STEP_EXPECT_GLOB:
      return g_strdup_printf ("expect line matching “%s”", step->text);
    case STEP_READ_LINE:
      return g_strdup ("read a line");
    case STEP_START_TLS:
      return g_strdup ("start TLS");
    case STEP_DROP_AFTER:
      return g_strdup_printf ("drop after %" G_GSIZE_FORMAT " bytes", step->n_bytes);
    case STEP_SLEEP:
      return g_strdup_printf ("sleep %u ms", step->milliseconds);
    case STEP_STALL:
      return g_strdup_printf ("stall %u ms", step->milliseconds);
    case STEP_EXPECT_CLOSE:
      return g_strdup_printf ("expect the client to close within %u ms", step->milliseconds);
    case STEP_CLOSE:
      return g_strdup ("close");
    default:
      g_assert_not_reached ();
    }
}

static void
fail_step (Session    *session,
           guint       index,
           const Step *step,
           const char *format,
           ...) G_GNUC_PRINTF (4, 5);

static void
fail_step (Session    *session,
           guint       index,
           const Step *step,
           const char *format,
           ...)
{
  OpTestServer *self = session->server;
  g_autofree char *what = describe_step (step);
  g_autofree char *detail = NULL;
  va_list args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);

  g_mutex_lock (&self->mutex);
  if (self->script_error == NULL)
    self->script_error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                      "scripted server, step %u (%s): %s",
                                      index + 1, what, detail);
  g_mutex_unlock (&self->mutex);

  session->ended = TRUE;
}

static void
record_line (OpTestServer *self,
             const char   *line)
{
  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->received, g_strdup (line));
  g_mutex_unlock (&self->mutex);
}

static void
record_client_closed (OpTestServer *self)
{
  g_mutex_lock (&self->mutex);
  self->client_closed = TRUE;
  g_mutex_unlock (&self->mutex);
}

/* Reads one line byte by byte, so nothing after it is consumed (a STARTTLS handshake
 * may follow). Returns NULL at end of stream (@error unset) or on error. */
static char *
read_line (Session  *session,
           GError  **error)
{
  GInputStream *input = g_io_stream_get_input_stream (session->stream);
  g_autoptr(GString) line = g_string_new (NULL);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      char c;
      gssize n;

      n = g_input_stream_read (input, &c, 1, session->server->cancellable, &local_error);
      if (n < 0 && g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_EOF))
        n = 0;
      if (n < 0)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (n == 0)
        return NULL;
      if (c == '\n')
        break;
      if (line->len >= MAX_LINE_LENGTH)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                       "line longer than %d bytes", MAX_LINE_LENGTH);
          return NULL;
        }
      g_string_append_c (line, c);
    }

  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);

  return g_string_free (g_steal_pointer (&line), FALSE);
}

static void
abort_session (Session *session)
{
  g_socket_close (session->socket, NULL);
  session->ended = TRUE;
}

static void
run_send (Session    *session,
          guint       index,
          const Step *step)
{
  GOutputStream *output = g_io_stream_get_output_stream (session->stream);
  g_autoptr(GError) error = NULL;
  gsize size;
  const guint8 *data = g_bytes_get_data (step->bytes, &size);
  gboolean drop = FALSE;

  if (session->budget >= 0 && size >= (gsize) session->budget)
    {
      size = session->budget;
      drop = TRUE;
    }

  if (size > 0 &&
      !g_output_stream_write_all (output, data, size, NULL, session->server->cancellable, &error))
    {
      fail_step (session, index, step, "%s", error->message);
      return;
    }

  if (drop)
    {
      g_output_stream_flush (output, NULL, NULL);
      abort_session (session);
      return;
    }
  if (session->budget >= 0)
    session->budget -= size;
}

static void
run_expect_line (Session    *session,
                 guint       index,
                 const Step *step)
{
  g_autoptr(GError) error = NULL;
  char *line = read_line (session, &error);

  if (line == NULL)
    {
      if (error == NULL)
        record_client_closed (session->server);
      fail_step (session, index, step, "%s",
                 error != NULL ? error->message : "the client closed the connection");
      return;
    }

  record_line (session->server, line);

  if (step->kind == STEP_EXPECT_LINE && strcmp (line, step->text) != 0)
    fail_step (session, index, step, "got “%s”", line);
  else if (step->kind == STEP_EXPECT_GLOB && !g_pattern_match_simple (step->text, line))
    fail_step (session, index, step, "got “%s”", line);
  /* Wiped, so that tests looking for a client's secrets in freed memory
   * (op-test-freed-secret.h) do not find the server's own copy. */
  memset (line, 0, strlen (line));
  g_free (line);
}

static void
run_start_tls (Session    *session,
               guint       index,
               const Step *step)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) tls = NULL;

  /* No database: the server asks for no client certificate, and the backend would parse
   * the system trust store for the connection's credentials (tests count those parses
   * on the client's side). */
  tls = g_initable_new (g_tls_backend_get_server_connection_type (g_tls_backend_get_default ()),
                        NULL, &error,
                        "base-io-stream", session->stream,
                        "certificate", step->certificate,
                        "database", NULL,
                        NULL);
  if (tls == NULL)
    {
      fail_step (session, index, step, "%s", error->message);
      return;
    }

  /* Clients (ours included) may close without close_notify; the test decides. */
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);

  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), session->server->cancellable, &error))
    {
      fail_step (session, index, step, "%s", error->message);
      return;
    }

  g_set_object (&session->stream, tls);
}

/* Waits up to @milliseconds for the client to close, discarding what it sends.
 * Returns TRUE if it closed. */
static gboolean
wait_for_close (Session *session,
                guint    milliseconds)
{
  GInputStream *input = g_io_stream_get_input_stream (session->stream);
  gint64 deadline = g_get_monotonic_time () + (gint64) milliseconds * 1000;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gint64 remaining = deadline - g_get_monotonic_time ();
      char scratch[4096];
      gssize n;

      if (remaining <= 0)
        return FALSE;

      if (!g_socket_condition_timed_wait (session->socket, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                          remaining, session->server->cancellable, &error))
        return FALSE;

      n = g_input_stream_read (input, scratch, sizeof scratch, session->server->cancellable,
                               &error);
      if (n > 0)
        continue;
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        continue;

      /* End of stream, a reset, or a TLS error from a peer that went away. */
      record_client_closed (session->server);
      return TRUE;
    }
}

static void
sleep_cancellable (OpTestServer *self,
                   guint         milliseconds)
{
  GPollFD fd;

  if (g_cancellable_make_pollfd (self->cancellable, &fd))
    {
      g_poll (&fd, 1, milliseconds);
      g_cancellable_release_fd (self->cancellable);
    }
  else
    {
      g_usleep ((gulong) milliseconds * 1000);
    }
}

static void
run_script (OpTestServer      *self,
            GSocketConnection *connection)
{
  Session session = { self, connection, g_socket_connection_get_socket (connection),
                      g_object_ref (G_IO_STREAM (connection)), -1, FALSE };

  g_socket_set_timeout (session.socket, SOCKET_TIMEOUT_SECONDS);

  for (guint i = 0; i < self->steps->len && !session.ended; i++)
    {
      const Step *step = g_ptr_array_index (self->steps, i);

      if (g_cancellable_is_cancelled (self->cancellable))
        {
          fail_step (&session, i, step, "the server was stopped");
          break;
        }

      g_mutex_lock (&self->mutex);
      self->current_step = i;
      g_mutex_unlock (&self->mutex);

      switch (step->kind)
        {
        case STEP_SEND:
          run_send (&session, i, step);
          break;
        case STEP_EXPECT_LINE:
        case STEP_EXPECT_GLOB:
        case STEP_READ_LINE:
          run_expect_line (&session, i, step);
          break;
        case STEP_START_TLS:
          run_start_tls (&session, i, step);
          break;
        case STEP_DROP_AFTER:
          session.budget = MIN (step->n_bytes, (gsize) G_MAXSSIZE);
          break;
        case STEP_SLEEP:
          sleep_cancellable (self, step->milliseconds);
          break;
        case STEP_STALL:
          if (wait_for_close (&session, step->milliseconds))
            session.ended = TRUE;
          break;
        case STEP_EXPECT_CLOSE:
          if (wait_for_close (&session, step->milliseconds))
            session.ended = TRUE;
          else
            fail_step (&session, i, step, "the client kept the connection open");
          break;
        case STEP_CLOSE:
          session.ended = TRUE;
          break;
        default:
          g_assert_not_reached ();
        }
    }

  /* A polite close (close_notify under TLS) unless the connection was dropped. */
  if (!g_socket_is_closed (session.socket))
    g_io_stream_close (session.stream, NULL, NULL);
  if (!g_socket_is_closed (session.socket))
    g_socket_close (session.socket, NULL);
  g_clear_object (&session.stream);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  OpTestServer *self = user_data;
  guint n;

  g_mutex_lock (&self->mutex);
  n = self->n_connections++;
  g_mutex_unlock (&self->mutex);

  if (n > 0)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }

  run_script (self, connection);

  g_mutex_lock (&self->mutex);
  self->done = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  return TRUE;
}

static gpointer
server_thread (gpointer data)
{
  OpTestServer *self = data;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (self->context);

  /* The service accepts on the thread-default context of the thread that adds the
   * listening address: this one. */
  service = g_socket_service_new ();
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), self);

  address = g_inet_address_new_from_string (self->address);
  if (address == NULL)
    {
      ok = FALSE;
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an address literal", self->address);
    }
  else
    {
      socket_address = g_inet_socket_address_new (address, 0);
      ok = g_socket_listener_add_address (G_SOCKET_LISTENER (service), socket_address,
                                          G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                          NULL, &effective, &error);
    }

  g_mutex_lock (&self->mutex);
  if (ok)
    self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  else
    self->start_error = g_steal_pointer (&error);
  self->listening = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (ok)
    {
      g_socket_service_start (service);
      g_main_loop_run (self->loop);
      g_socket_service_stop (service);
    }

  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_signal_handlers_disconnect_by_data (service, self);
  g_clear_object (&service);

  /* Let the cancelled accept complete, so nothing is left holding the service. */
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);

  return NULL;
}

/**
 * op_test_server_start:
 * @self: a server with its script
 * @error: return location for an error
 *
 * Starts listening (on a free port) and returns once the port is known.
 *
 * Returns: %TRUE if the server listens
 */
gboolean
op_test_server_start (OpTestServer  *self,
                      GError       **error)
{
  g_return_val_if_fail (OP_IS_TEST_SERVER (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  self->started = TRUE;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("op-test-server", server_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->listening)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  if (self->start_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->start_error));
      return FALSE;
    }

  return TRUE;
}

const char *
op_test_server_get_host (OpTestServer *self)
{
  g_return_val_if_fail (OP_IS_TEST_SERVER (self), NULL);

  return self->address;
}

guint16
op_test_server_get_port (OpTestServer *self)
{
  g_return_val_if_fail (OP_IS_TEST_SERVER (self), 0);
  g_return_val_if_fail (self->started, 0);

  return self->port;
}

/**
 * op_test_server_wait:
 * @self: a started server
 * @timeout_ms: how long the script may still take
 * @error: return location for the first failed step
 *
 * Returns: %TRUE if a client connected and every step succeeded
 */
gboolean
op_test_server_wait (OpTestServer  *self,
                     guint          timeout_ms,
                     GError       **error)
{
  gint64 end_time = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean ok = TRUE;

  g_return_val_if_fail (OP_IS_TEST_SERVER (self), FALSE);
  g_return_val_if_fail (self->started, FALSE);

  g_mutex_lock (&self->mutex);
  while (!self->done)
    {
      if (!g_cond_wait_until (&self->cond, &self->mutex, end_time))
        break;
    }

  if (!self->done)
    {
      if (self->n_connections == 0)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                     "scripted server: no client connected within %u ms", timeout_ms);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                     "scripted server: the script did not finish within %u ms (at step %u)",
                     timeout_ms, self->current_step + 1);
      ok = FALSE;
    }
  else if (self->script_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->script_error));
      ok = FALSE;
    }
  g_mutex_unlock (&self->mutex);

  return ok;
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/**
 * op_test_server_stop:
 * @self: a server
 *
 * Ends a running script (its step fails), stops listening and joins the thread.
 * Dispose calls it; calling it twice is fine.
 */
void
op_test_server_stop (OpTestServer *self)
{
  GSource *source;

  g_return_if_fail (OP_IS_TEST_SERVER (self));

  if (self->thread == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  /* Through the context: a quit before the loop runs would be lost. */
  source = g_idle_source_new ();
  g_source_set_callback (source, quit_loop, g_main_loop_ref (self->loop),
                         (GDestroyNotify) g_main_loop_unref);
  g_source_attach (source, self->context);
  g_source_unref (source);
  g_thread_join (g_steal_pointer (&self->thread));
}

/**
 * op_test_server_dup_received_lines:
 * @self: a server
 *
 * Returns: (transfer full): the lines read by expect and read steps, in order
 */
GStrv
op_test_server_dup_received_lines (OpTestServer *self)
{
  GStrv lines;

  g_return_val_if_fail (OP_IS_TEST_SERVER (self), NULL);

  g_mutex_lock (&self->mutex);
  lines = g_new0 (char *, self->received->len + 1);
  for (guint i = 0; i < self->received->len; i++)
    lines[i] = g_strdup (g_ptr_array_index (self->received, i));
  g_mutex_unlock (&self->mutex);

  return lines;
}

guint
op_test_server_get_n_connections (OpTestServer *self)
{
  guint n;

  g_return_val_if_fail (OP_IS_TEST_SERVER (self), 0);

  g_mutex_lock (&self->mutex);
  n = self->n_connections;
  g_mutex_unlock (&self->mutex);

  return n;
}

/**
 * op_test_server_get_client_closed:
 * @self: a server
 *
 * Returns: %TRUE if the server saw the client close the connection
 */
gboolean
op_test_server_get_client_closed (OpTestServer *self)
{
  gboolean closed;

  g_return_val_if_fail (OP_IS_TEST_SERVER (self), FALSE);

  g_mutex_lock (&self->mutex);
  closed = self->client_closed;
  g_mutex_unlock (&self->mutex);

  return closed;
}
