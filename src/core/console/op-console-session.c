/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-console"

#include "config.h"

#include <glib/gi18n.h>

#include "op-connection.h"
#include "op-console-inbox.h"
#include "op-console-session.h"
#include "op-console-telnet.h"
#include "op-worker.h"

/* Scrollback of one session: 4 MiB of bytes or 20,000 rows, whichever comes first. */
#define SCROLLBACK_BYTES   (4 * 1024 * 1024)
#define SCROLLBACK_RECORDS 20000

#define CONNECT_TIMEOUT_SECONDS 30
#define READ_CHUNK 65536

typedef enum
{
  EVENT_END,          /* the peer closed its side */
  EVENT_READ_ERROR,   /* data: the message */
} Event;

/* What the worker and the reader thread share; the session object stays on the main
 * thread. */
typedef struct
{
  gatomicrefcount    ref_count;
  OpConsoleProtocol  protocol;
  char              *host;
  guint16            port;
  OpTlsVerifier     *verifier;
  OpConsoleInbox    *inbox;

  OpConnection      *connection;  /* TCP and TLS, once connected (worker) */
  GSocket           *udp;         /* UDP (worker) */
  GSocketAddress    *target;      /* UDP: where datagrams go */

  GMutex             write_lock;  /* one write at a time: sends and Telnet answers */
  GThread           *reader;      /* (nullable): started and joined by the worker */
  GCancellable      *reader_cancellable;
  int                telnet;      /* atomic */
  gsize              received;    /* atomic */
} Io;

struct _OpConsoleSession
{
  GObject                parent_instance;

  Io                    *io;
  OpConsoleInbox        *inbox;
  OpWorker              *worker;
  OpConsoleTranscript   *transcript;
  GCancellable          *cancellable;   /* of open(), cancelled by close() */

  OpConsoleSessionState  state;
  char                  *error;
  char                  *local_address;
  char                  *peer_address;
  gboolean               is_tls;
  char                  *tls_version;
  char                  *tls_cipher;
  OpCertificateInfo     *certificate;
  gboolean               write_shut;
};

enum
{
  PROP_0,
  PROP_STATE,
  PROP_ERROR,
  PROP_LOCAL_ADDRESS,
  PROP_PEER_ADDRESS,
  PROP_IS_TLS,
  PROP_CERTIFICATE,
  PROP_WRITE_SHUT,
  PROP_TELNET,
  PROP_TRANSCRIPT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OpConsoleSession, op_console_session, G_TYPE_OBJECT)

static Io *
io_ref (Io *io)
{
  g_atomic_ref_count_inc (&io->ref_count);
  return io;
}

static void
io_unref (Io *io)
{
  if (!g_atomic_ref_count_dec (&io->ref_count))
    return;

  g_assert (io->reader == NULL);
  g_free (io->host);
  g_clear_object (&io->verifier);
  g_clear_pointer (&io->inbox, _op_console_inbox_unref);
  g_clear_object (&io->connection);
  g_clear_object (&io->udp);
  g_clear_object (&io->target);
  g_clear_object (&io->reader_cancellable);
  g_mutex_clear (&io->write_lock);
  g_free (io);
}

/* ---- the reader thread ---- */

static void
deliver (Io           *io,
         const guint8 *data,
         gsize         length,
         const char   *peer)
{
  if (io->protocol == OP_CONSOLE_UDP)
    {
      _op_console_inbox_push_data (io->inbox, OP_CONSOLE_ITEM_DATAGRAM, OP_CONSOLE_RECEIVED,
                                   peer, data, length);
      return;
    }

  if (g_atomic_int_get (&io->telnet))
    {
      static GPrivate filter_key = G_PRIVATE_INIT ((GDestroyNotify) op_console_telnet_free);
      OpConsoleTelnet *filter = g_private_get (&filter_key);
      g_autoptr (GByteArray) text = g_byte_array_new ();
      g_autoptr (GByteArray) reply = g_byte_array_new ();

      if (filter == NULL)
        {
          filter = op_console_telnet_new ();
          g_private_set (&filter_key, filter);
        }
      op_console_telnet_filter (filter, data, length, text, reply);

      if (reply->len > 0)
        {
          GOutputStream *output =
            g_io_stream_get_output_stream (op_connection_get_stream (io->connection));

          g_mutex_lock (&io->write_lock);
          /* A refusal that can't be sent will show as a failed read or send soon. */
          g_output_stream_write_all (output, reply->data, reply->len, NULL, NULL, NULL);
          g_mutex_unlock (&io->write_lock);
          _op_console_inbox_push_note (io->inbox, NULL,
                                       _("Telnet: refused the options the peer asked for."));
        }
      _op_console_inbox_push_data (io->inbox, OP_CONSOLE_ITEM_STREAM, OP_CONSOLE_RECEIVED,
                                   NULL, text->data, text->len);
      return;
    }

  _op_console_inbox_push_data (io->inbox, OP_CONSOLE_ITEM_STREAM, OP_CONSOLE_RECEIVED,
                               NULL, data, length);
}

static gpointer
reader_main (gpointer data)
{
  Io *io = data;
  g_autofree guint8 *buffer = g_malloc (READ_CHUNK);
  GInputStream *input = NULL;

  if (io->connection != NULL)
    input = g_io_stream_get_input_stream (op_connection_get_stream (io->connection));

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocketAddress) from = NULL;
      g_autofree char *peer = NULL;
      gssize n;

      if (io->udp != NULL)
        n = g_socket_receive_from (io->udp, &from, (char *) buffer, READ_CHUNK,
                                   io->reader_cancellable, &error);
      else
        n = g_input_stream_read (input, buffer, READ_CHUNK, io->reader_cancellable, &error);

      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_autoptr (GBytes) message = g_bytes_new (error->message,
                                                        strlen (error->message) + 1);

              _op_console_inbox_push_event (io->inbox, EVENT_READ_ERROR, NULL, message);
            }
          break;
        }

      if (n == 0 && io->udp == NULL)
        {
          _op_console_inbox_push_event (io->inbox, EVENT_END, NULL, NULL);
          break;
        }

      g_atomic_pointer_add (&io->received, n);
      if (from != NULL)
        peer = _op_console_address_to_string (from);
      deliver (io, buffer, n, peer);
    }

  io_unref (io);
  return NULL;
}

/* Worker thread. */
static void
start_reader (Io *io)
{
  g_assert (io->reader == NULL);

  g_clear_object (&io->reader_cancellable);
  io->reader_cancellable = g_cancellable_new ();
  io->reader = g_thread_new ("console-reader", reader_main, io_ref (io));
}

/* Worker thread (or the clean-up thread): the reader is gone when this returns. */
static void
stop_reader (Io *io)
{
  if (io->reader == NULL)
    return;

  g_cancellable_cancel (io->reader_cancellable);
  g_thread_join (io->reader);
  io->reader = NULL;
}

/* ---- properties ---- */

static void
set_state (OpConsoleSession      *self,
           OpConsoleSessionState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_error (OpConsoleSession *self,
           const char       *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
on_event (gpointer    owner,
          int         code,
          const char *peer,
          GBytes     *data)
{
  OpConsoleSession *self = owner;

  switch ((Event) code)
    {
    case EVENT_END:
      op_console_transcript_append_note (self->transcript, NULL,
                                         _("The peer closed the connection."));
      op_console_session_close (self);
      break;

    case EVENT_READ_ERROR:
      {
        g_autofree char *text =
          g_strdup_printf (_("Reading failed: %s"), (const char *) g_bytes_get_data (data, NULL));

        set_error (self, g_bytes_get_data (data, NULL));
        op_console_transcript_append_note (self->transcript, NULL, text);
        op_console_session_close (self);
      }
      break;
    }
}

/* ---- open ---- */

typedef struct
{
  char              *local_address;
  char              *peer_address;
  char              *tls_version;
  char              *tls_cipher;
  OpCertificateInfo *certificate;
} Opened;

static void
opened_free (Opened *opened)
{
  g_free (opened->local_address);
  g_free (opened->peer_address);
  g_free (opened->tls_version);
  g_free (opened->tls_cipher);
  g_clear_object (&opened->certificate);
  g_free (opened);
}

static const char *
version_name (GTlsProtocolVersion version)
{
  switch (version)
    {
    case G_TLS_PROTOCOL_VERSION_SSL_3_0: return "SSL 3.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_0: return "TLS 1.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_1: return "TLS 1.1";
    case G_TLS_PROTOCOL_VERSION_TLS_1_2: return "TLS 1.2";
    case G_TLS_PROTOCOL_VERSION_TLS_1_3: return "TLS 1.3";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_0: return "DTLS 1.0";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_2: return "DTLS 1.2";
    default: return NULL;
    }
}

/* Worker thread: what the connection looks like now. */
static Opened *
describe (Io *io)
{
  Opened *opened = g_new0 (Opened, 1);
  GIOStream *stream = op_connection_get_stream (io->connection);
  GIOStream *base = stream;

  if (G_IS_TLS_CONNECTION (stream))
    {
      GTlsConnection *tls = G_TLS_CONNECTION (stream);
      GTlsCertificate *certificate = g_tls_connection_get_peer_certificate (tls);
      const char *version = version_name (g_tls_connection_get_protocol_version (tls));

      opened->tls_version = g_strdup (version != NULL ? version : _("unknown"));
      opened->tls_cipher = g_tls_connection_get_ciphersuite_name (tls);
      if (certificate != NULL)
        opened->certificate =
          op_certificate_info_new (io->host, io->port, certificate,
                                   g_tls_connection_get_peer_certificate_errors (tls), FALSE);
      g_object_get (tls, "base-io-stream", &base, NULL);
      g_object_unref (base); /* the TLS connection keeps it */
    }

  if (G_IS_SOCKET_CONNECTION (base))
    {
      g_autoptr (GSocketAddress) local =
        g_socket_connection_get_local_address (G_SOCKET_CONNECTION (base), NULL);
      g_autoptr (GSocketAddress) remote =
        g_socket_connection_get_remote_address (G_SOCKET_CONNECTION (base), NULL);

      if (local != NULL)
        opened->local_address = _op_console_address_to_string (local);
      if (remote != NULL)
        opened->peer_address = _op_console_address_to_string (remote);
    }

  return opened;
}

static void
open_udp (Io            *io,
          Opened        *opened,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr (GResolver) resolver = g_resolver_get_default ();
  g_autoptr (GInetAddress) any = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GInetAddress) literal = g_inet_address_new_from_string (io->host);
  GList *addresses = NULL;
  GInetAddress *address;

  if (literal != NULL)
    address = literal;
  else
    {
      addresses = g_resolver_lookup_by_name (resolver, io->host, cancellable, error);
      if (addresses == NULL)
        return;
      address = addresses->data;
    }

  io->target = g_inet_socket_address_new (address, io->port);
  io->udp = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_DATAGRAM,
                          G_SOCKET_PROTOCOL_UDP, error);
  g_resolver_free_addresses (addresses);
  if (io->udp == NULL)
    return;

  any = g_inet_address_new_any (g_socket_get_family (io->udp));
  local = g_inet_socket_address_new (any, 0);
  if (!g_socket_bind (io->udp, local, FALSE, error))
    {
      g_clear_object (&io->udp);
      return;
    }

  bound = g_socket_get_local_address (io->udp, NULL);
  if (bound != NULL)
    opened->local_address = _op_console_address_to_string (bound);
  opened->peer_address = _op_console_address_to_string (io->target);
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Io *io = task_data;
  GError *error = NULL;
  Opened *opened;

  if (io->protocol == OP_CONSOLE_UDP)
    {
      opened = g_new0 (Opened, 1);
      open_udp (io, opened, cancellable, &error);
      if (error != NULL)
        {
          opened_free (opened);
          g_task_return_error (task, error);
          return;
        }
    }
  else
    {
      io->connection = op_connection_connect (io->host, io->port,
                                              io->protocol == OP_CONSOLE_TLS,
                                              CONNECT_TIMEOUT_SECONDS, io->verifier, NULL,
                                              cancellable, &error);
      if (io->connection == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      opened = describe (io);
    }

  start_reader (io);
  g_task_return_pointer (task, opened, (GDestroyNotify) opened_free);
}

static void
apply_opened (OpConsoleSession *self,
              Opened           *opened)
{
  g_free (self->local_address);
  self->local_address = g_strdup (opened->local_address);
  g_free (self->peer_address);
  self->peer_address = g_strdup (opened->peer_address);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCAL_ADDRESS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_ADDRESS]);

  if (opened->tls_version != NULL)
    {
      g_autofree char *text = NULL;

      self->is_tls = TRUE;
      g_free (self->tls_version);
      self->tls_version = g_strdup (opened->tls_version);
      g_free (self->tls_cipher);
      self->tls_cipher = g_strdup (opened->tls_cipher);
      g_set_object (&self->certificate, opened->certificate);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_TLS]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CERTIFICATE]);

      /* Translators: the first %s is "TLS 1.3", the second a cipher suite name */
      text = g_strdup_printf (_("TLS is up: %s, %s."), self->tls_version,
                              self->tls_cipher != NULL ? self->tls_cipher : "?");
      op_console_transcript_append_note (self->transcript, NULL, text);
    }
}

static void
on_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  OpConsoleSession *self = OP_CONSOLE_SESSION (source);
  g_autoptr (GError) error = NULL;
  Opened *opened;

  opened = g_task_propagate_pointer (G_TASK (result), &error);
  if (opened == NULL)
    {
      if (self->state == OP_CONSOLE_SESSION_CONNECTING)
        {
          g_autofree char *text = NULL;

          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              op_console_transcript_append_note (self->transcript, NULL,
                                                 _("Connecting was cancelled."));
              set_state (self, OP_CONSOLE_SESSION_CLOSED);
              return;
            }
          text = g_strdup_printf (_("Could not connect: %s"), error->message);
          op_console_transcript_append_note (self->transcript, NULL, text);
          set_error (self, error->message);
          set_state (self, OP_CONSOLE_SESSION_FAILED);
        }
      return;
    }

  if (self->state == OP_CONSOLE_SESSION_CONNECTING)
    {
      g_autofree char *text = NULL;

      if (self->io->protocol == OP_CONSOLE_UDP)
        /* Translators: the first %s is a local address, the second the peer's */
        text = g_strdup_printf (_("Ready: datagrams go from %s to %s."),
                                opened->local_address, opened->peer_address);
      else
        /* Translators: the first %s is the peer's address, the second the local one */
        text = g_strdup_printf (_("Connected to %s from %s."),
                                opened->peer_address != NULL ? opened->peer_address : "?",
                                opened->local_address != NULL ? opened->local_address : "?");
      op_console_transcript_append_note (self->transcript, NULL, text);
      apply_opened (self, opened);
      set_state (self, OP_CONSOLE_SESSION_OPEN);
    }
  opened_free (opened);
}

void
op_console_session_open (OpConsoleSession *self)
{
  g_autoptr (GTask) task = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (OP_IS_CONSOLE_SESSION (self));
  g_return_if_fail (self->state == OP_CONSOLE_SESSION_NEW);

  /* Translators: %s is a host name or address, %u a port */
  text = g_strdup_printf (_("Connecting to %s port %u…"), self->io->host, self->io->port);
  if (self->io->protocol != OP_CONSOLE_UDP)
    op_console_transcript_append_note (self->transcript, NULL, text);

  set_state (self, OP_CONSOLE_SESSION_CONNECTING);
  task = g_task_new (self, self->cancellable, on_opened, NULL);
  g_task_set_source_tag (task, op_console_session_open);
  g_task_set_task_data (task, io_ref (self->io), (GDestroyNotify) io_unref);
  op_worker_run (self->worker, task, open_thread);
}

/* ---- send ---- */

static void
send_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Io *io = g_object_get_data (G_OBJECT (task), "io");
  GBytes *data = task_data;
  const guint8 *bytes;
  gsize length;
  GError *error = NULL;
  gboolean ok;

  bytes = g_bytes_get_data (data, &length);
  g_mutex_lock (&io->write_lock);
  if (io->udp != NULL)
    ok = g_socket_send_to (io->udp, io->target, (const char *) bytes, length,
                           cancellable, &error) >= 0;
  else if (io->connection != NULL && !op_connection_is_closed (io->connection))
    ok = g_output_stream_write_all (
        g_io_stream_get_output_stream (op_connection_get_stream (io->connection)),
        bytes, length, NULL, cancellable, &error);
  else
    {
      ok = FALSE;
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   _("The session is not connected."));
    }
  g_mutex_unlock (&io->write_lock);

  if (!ok)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Through the inbox, so it shows in order with what was received. */
  _op_console_inbox_push_data (io->inbox,
                               io->udp != NULL ? OP_CONSOLE_ITEM_DATAGRAM
                                               : OP_CONSOLE_ITEM_STREAM,
                               OP_CONSOLE_SENT, NULL, bytes, length);
  g_task_return_boolean (task, TRUE);
}

/**
 * op_console_session_send_async:
 * @self: an open session
 * @data: the bytes to send, exactly (in Telnet mode, each 255 is doubled)
 * @cancellable: (nullable): cancels the send
 * @callback: called when the bytes were sent
 * @user_data: for @callback
 */
void
op_console_session_send_async (OpConsoleSession    *self,
                               GBytes              *data,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (OP_IS_CONSOLE_SESSION (self));
  g_return_if_fail (data != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_console_session_send_async);
  if (self->state != OP_CONSOLE_SESSION_OPEN || self->write_shut)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               self->write_shut
                                 ? _("Sending was shut down for this session.")
                                 : _("The session is not connected."));
      return;
    }

  if (g_atomic_int_get (&self->io->telnet))
    g_task_set_task_data (task, op_console_telnet_escape (data), (GDestroyNotify) g_bytes_unref);
  else
    g_task_set_task_data (task, g_bytes_ref (data), (GDestroyNotify) g_bytes_unref);
  g_object_set_data_full (G_OBJECT (task), "io", io_ref (self->io), (GDestroyNotify) io_unref);
  op_worker_run (self->worker, task, send_thread);
}

gboolean
op_console_session_send_finish (OpConsoleSession  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == op_console_session_send_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Runs @func on the worker with the shared state; @done gets @outer (transfer full), the
 * caller's task, to finish after updating the session on the main context. */
static void
run_on_worker (OpConsoleSession    *self,
               GCancellable        *cancellable,
               GTaskThreadFunc      func,
               GAsyncReadyCallback  done,
               GTask               *outer)
{
  g_autoptr (GTask) inner = g_task_new (self, cancellable, done, outer);

  g_task_set_task_data (inner, io_ref (self->io), (GDestroyNotify) io_unref);
  op_worker_run (self->worker, inner, func);
}

/* ---- Start TLS ---- */

static void
start_tls_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  Io *io = task_data;
  GError *error = NULL;

  stop_reader (io);
  if (!op_connection_start_tls (io->connection, cancellable, &error))
    {
      /* A failed handshake leaves nothing usable: close what is left. */
      op_connection_close (io->connection, NULL, NULL);
      g_task_return_error (task, error);
      return;
    }

  start_reader (io);
  g_task_return_pointer (task, describe (io), (GDestroyNotify) opened_free);
}

static void
on_tls_started (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GTask) outer = user_data;
  OpConsoleSession *self = g_task_get_source_object (outer);
  GError *error = NULL;
  Opened *opened;

  opened = g_task_propagate_pointer (G_TASK (result), &error);
  if (opened == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Start TLS failed: %s"), error->message);

      op_console_transcript_append_note (self->transcript, NULL, text);
      set_error (self, error->message);
      set_state (self, OP_CONSOLE_SESSION_CLOSED);
      g_task_return_error (outer, error);
      return;
    }

  apply_opened (self, opened);
  opened_free (opened);
  g_task_return_boolean (outer, TRUE);
}

/**
 * op_console_session_start_tls_async:
 * @self: an open TCP session without TLS
 * @cancellable: (nullable): cancels the handshake
 * @callback: called when TLS is up or failed
 * @user_data: for @callback
 *
 * Starts TLS on the connection, as after a STARTTLS command the peer agreed to. If any
 * byte arrived after the agreement, the connection is closed (DESIGN.md: response
 * injection). A failed handshake closes the session.
 */
void
op_console_session_start_tls_async (OpConsoleSession    *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (OP_IS_CONSOLE_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_console_session_start_tls_async);
  if (self->state != OP_CONSOLE_SESSION_OPEN || self->io->protocol != OP_CONSOLE_TCP
      || self->is_tls)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Start TLS needs an open TCP session without TLS."));
      return;
    }

  op_console_transcript_append_note (self->transcript, NULL, _("Starting TLS…"));
  run_on_worker (self, cancellable, start_tls_thread, on_tls_started, g_steal_pointer (&task));
}

gboolean
op_console_session_start_tls_finish (OpConsoleSession  *self,
                                     GAsyncResult      *result,
                                     GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- half-close ---- */

static void
shutdown_write_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  Io *io = task_data;
  GIOStream *stream = op_connection_get_stream (io->connection);
  GError *error = NULL;
  gboolean ok;

  g_mutex_lock (&io->write_lock);
  if (G_IS_TLS_CONNECTION (stream))
    /* Sends TLS close_notify; reading goes on. */
    ok = g_output_stream_close (g_io_stream_get_output_stream (stream), cancellable, &error);
  else
    ok = g_socket_shutdown (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)),
                            FALSE, TRUE, &error);
  g_mutex_unlock (&io->write_lock);

  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_write_shut (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GTask) outer = user_data;
  OpConsoleSession *self = g_task_get_source_object (outer);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (outer, error);
      return;
    }

  op_console_transcript_append_note (self->transcript, NULL,
                                     _("Sending shut down: the peer sees the end of the "
                                       "data; its replies still arrive."));
  g_task_return_boolean (outer, TRUE);
}

void
op_console_session_shutdown_write_async (OpConsoleSession    *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (OP_IS_CONSOLE_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_console_session_shutdown_write_async);
  if (self->state != OP_CONSOLE_SESSION_OPEN || self->io->protocol == OP_CONSOLE_UDP
      || self->write_shut)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Only an open TCP session can shut down sending."));
      return;
    }

  /* Set at once, so nothing queued after this can be sent. */
  self->write_shut = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WRITE_SHUT]);
  run_on_worker (self, cancellable, shutdown_write_thread, on_write_shut,
                 g_steal_pointer (&task));
}

gboolean
op_console_session_shutdown_write_finish (OpConsoleSession  *self,
                                          GAsyncResult      *result,
                                          GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- close ---- */

static void
close_io (Io *io)
{
  stop_reader (io);
  if (io->connection != NULL)
    op_connection_close (io->connection, NULL, NULL);
  if (io->udp != NULL)
    g_socket_close (io->udp, NULL);
}

static void
close_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  close_io (task_data);
  g_task_return_boolean (task, TRUE);
}

static gpointer
cleanup_main (gpointer data)
{
  close_io (data);
  io_unref (data);
  return NULL;
}

/**
 * op_console_session_close:
 * @self: a session
 *
 * Closes the session (cancelling a connection attempt). The transcript stays. Closing
 * twice is fine.
 */
void
op_console_session_close (OpConsoleSession *self)
{
  g_autoptr (GTask) task = NULL;
  OpConsoleSessionState old;

  g_return_if_fail (OP_IS_CONSOLE_SESSION (self));

  old = self->state;
  if (old == OP_CONSOLE_SESSION_CLOSED || old == OP_CONSOLE_SESSION_FAILED)
    return;

  g_cancellable_cancel (self->cancellable);
  set_state (self, OP_CONSOLE_SESSION_CLOSED);
  if (old == OP_CONSOLE_SESSION_NEW)
    return;

  if (old == OP_CONSOLE_SESSION_OPEN)
    op_console_transcript_append_note (self->transcript, NULL, _("Session closed."));

  /* After the cancelled open, in the worker's order: the reader is stopped there. */
  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_task_data (task, io_ref (self->io), (GDestroyNotify) io_unref);
  op_worker_run (self->worker, task, close_thread);
}

/* ---- GObject ---- */

static void
op_console_session_dispose (GObject *object)
{
  OpConsoleSession *self = OP_CONSOLE_SESSION (object);

  if (self->worker != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      /* The running job ends on its cancellable; after this, nothing else touches the
       * shared state. */
      op_worker_shutdown (self->worker);
      g_clear_object (&self->worker);
    }

  if (self->io != NULL)
    {
      if (self->io->reader_cancellable != NULL)
        g_cancellable_cancel (self->io->reader_cancellable);
      /* Joining the reader and closing the socket happen on a thread of their own. */
      g_thread_unref (g_thread_new ("console-cleanup", cleanup_main, self->io));
      self->io = NULL;
    }

  if (self->inbox != NULL)
    _op_console_inbox_close (g_steal_pointer (&self->inbox));

  G_OBJECT_CLASS (op_console_session_parent_class)->dispose (object);
}

static void
op_console_session_finalize (GObject *object)
{
  OpConsoleSession *self = OP_CONSOLE_SESSION (object);

  g_clear_object (&self->transcript);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->certificate);
  g_free (self->error);
  g_free (self->local_address);
  g_free (self->peer_address);
  g_free (self->tls_version);
  g_free (self->tls_cipher);

  G_OBJECT_CLASS (op_console_session_parent_class)->finalize (object);
}

static void
op_console_session_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  OpConsoleSession *self = OP_CONSOLE_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_LOCAL_ADDRESS:
      g_value_set_string (value, self->local_address);
      break;
    case PROP_PEER_ADDRESS:
      g_value_set_string (value, self->peer_address);
      break;
    case PROP_IS_TLS:
      g_value_set_boolean (value, self->is_tls);
      break;
    case PROP_CERTIFICATE:
      g_value_set_object (value, self->certificate);
      break;
    case PROP_WRITE_SHUT:
      g_value_set_boolean (value, self->write_shut);
      break;
    case PROP_TELNET:
      g_value_set_boolean (value, op_console_session_get_telnet (self));
      break;
    case PROP_TRANSCRIPT:
      g_value_set_object (value, self->transcript);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_console_session_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  OpConsoleSession *self = OP_CONSOLE_SESSION (object);

  switch (prop_id)
    {
    case PROP_TELNET:
      op_console_session_set_telnet (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_console_session_class_init (OpConsoleSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = op_console_session_dispose;
  object_class->finalize = op_console_session_finalize;
  object_class->get_property = op_console_session_get_property;
  object_class->set_property = op_console_session_set_property;

  /* An OpConsoleSessionState, as an int (no enum GType in core). */
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, 0, OP_CONSOLE_SESSION_FAILED, 0, flags);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  properties[PROP_LOCAL_ADDRESS] =
    g_param_spec_string ("local-address", NULL, NULL, NULL, flags);
  properties[PROP_PEER_ADDRESS] =
    g_param_spec_string ("peer-address", NULL, NULL, NULL, flags);
  properties[PROP_IS_TLS] = g_param_spec_boolean ("is-tls", NULL, NULL, FALSE, flags);
  properties[PROP_CERTIFICATE] =
    g_param_spec_object ("certificate", NULL, NULL, OP_TYPE_CERTIFICATE_INFO, flags);
  properties[PROP_WRITE_SHUT] = g_param_spec_boolean ("write-shut", NULL, NULL, FALSE, flags);
  properties[PROP_TELNET] =
    g_param_spec_boolean ("telnet", NULL, NULL, FALSE, flags | G_PARAM_WRITABLE);
  properties[PROP_TRANSCRIPT] =
    g_param_spec_object ("transcript", NULL, NULL, OP_TYPE_CONSOLE_TRANSCRIPT, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_console_session_init (OpConsoleSession *self)
{
  self->transcript = op_console_transcript_new (SCROLLBACK_BYTES, SCROLLBACK_RECORDS);
  self->cancellable = g_cancellable_new ();
}

/**
 * op_console_session_new:
 * @protocol: TCP, TLS or UDP
 * @host: a host name or address
 * @port: the peer's port
 *
 * Returns: (transfer full): a session, not yet open
 */
OpConsoleSession *
op_console_session_new (OpConsoleProtocol  protocol,
                        const char        *host,
                        guint16            port)
{
  OpConsoleSession *self;
  g_autofree char *name = NULL;
  Io *io;

  g_return_val_if_fail (host != NULL && *host != '\0', NULL);
  g_return_val_if_fail (port > 0, NULL);

  self = g_object_new (OP_TYPE_CONSOLE_SESSION, NULL);
  self->inbox = _op_console_inbox_new (self->transcript, on_event, self);

  io = g_new0 (Io, 1);
  g_atomic_ref_count_init (&io->ref_count);
  g_mutex_init (&io->write_lock);
  io->protocol = protocol;
  io->host = g_strdup (host);
  io->port = port;
  io->inbox = _op_console_inbox_ref (self->inbox);
  self->io = io;

  name = g_strdup_printf ("console %s:%u", host, port);
  self->worker = op_worker_new (name);

  return self;
}

void
op_console_session_set_verifier (OpConsoleSession *self,
                                 OpTlsVerifier    *verifier)
{
  g_return_if_fail (OP_IS_CONSOLE_SESSION (self));
  g_return_if_fail (self->state == OP_CONSOLE_SESSION_NEW);

  g_set_object (&self->io->verifier, verifier);
}

OpConsoleProtocol
op_console_session_get_protocol (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), OP_CONSOLE_TCP);
  return self->io->protocol;
}

const char *
op_console_session_get_host (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), NULL);
  return self->io->host;
}

guint16
op_console_session_get_port (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), 0);
  return self->io->port;
}

OpConsoleSessionState
op_console_session_get_state (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), OP_CONSOLE_SESSION_CLOSED);
  return self->state;
}

const char *
op_console_session_get_error (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), NULL);
  return self->error;
}

const char *
op_console_session_get_local_address (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), NULL);
  return self->local_address;
}

const char *
op_console_session_get_peer_address (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), NULL);
  return self->peer_address;
}

gboolean
op_console_session_get_is_tls (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), FALSE);
  return self->is_tls;
}

const char *
op_console_session_get_tls_version (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), NULL);
  return self->tls_version;
}

const char *
op_console_session_get_tls_cipher (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), NULL);
  return self->tls_cipher;
}

OpCertificateInfo *
op_console_session_get_certificate (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), NULL);
  return self->certificate;
}

gboolean
op_console_session_get_write_shut (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), FALSE);
  return self->write_shut;
}

void
op_console_session_set_telnet (OpConsoleSession *self,
                               gboolean          telnet)
{
  g_return_if_fail (OP_IS_CONSOLE_SESSION (self));

  telnet = !!telnet;
  if (self->io == NULL || g_atomic_int_get (&self->io->telnet) == telnet)
    return;

  g_atomic_int_set (&self->io->telnet, telnet);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TELNET]);
}

gboolean
op_console_session_get_telnet (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), FALSE);
  return self->io != NULL && g_atomic_int_get (&self->io->telnet);
}

OpConsoleTranscript *
op_console_session_get_transcript (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), NULL);
  return self->transcript;
}

guint64
op_console_session_get_bytes_received (OpConsoleSession *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SESSION (self), 0);
  return (guint64) g_atomic_pointer_get (&self->io->received);
}
