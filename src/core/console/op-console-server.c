/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-console"

#include "config.h"

#include <glib/gi18n.h>

#include <string.h>

#include "op-console-inbox.h"
#include "op-console-server.h"

#define SCROLLBACK_BYTES   (4 * 1024 * 1024)
#define SCROLLBACK_RECORDS 20000
#define READ_CHUNK 65536
/* RFC 768 allows 65,507 bytes of payload over IPv4. */
#define MAX_DATAGRAM 65536

typedef enum
{
  EVENT_STARTED,        /* data: the bound port, as a guint16 */
  EVENT_FAILED,         /* data: the message */
  EVENT_CLIENT_CAME,
  EVENT_CLIENT_LEFT,
} Event;

typedef struct _Shared Shared;

typedef struct
{
  Shared            *shared;
  char              *peer;
  GSocketConnection *connection;   /* TCP */
  GSocketAddress    *address;      /* UDP */
  GCancellable      *cancellable;
} Client;

struct _Shared
{
  gatomicrefcount      ref_count;
  OpConsoleProtocol    protocol;
  OpConsoleServerMode  mode;
  char                *address;
  guint16              port;
  OpConsoleInbox      *inbox;

  GMutex               lock;          /* @clients, @socket's writes */
  GHashTable          *clients;       /* peer → Client */
  GSocket             *socket;        /* listening (TCP) or bound (UDP) */
  GCancellable        *cancellable;   /* stops everything */
  GThread             *thread;        /* accept or receive loop */
};

struct _OpConsoleServer
{
  GObject                parent_instance;

  Shared                *shared;
  OpConsoleInbox        *inbox;
  OpConsoleTranscript   *transcript;
  GListStore            *clients;
  OpConsoleSessionState  state;
  char                  *error;
  guint16                port;
};

enum
{
  PROP_0,
  PROP_STATE,
  PROP_ERROR,
  PROP_PORT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OpConsoleServer, op_console_server, G_TYPE_OBJECT)

static Shared *
shared_ref (Shared *shared)
{
  g_atomic_ref_count_inc (&shared->ref_count);
  return shared;
}

static void
shared_unref (Shared *shared)
{
  if (!g_atomic_ref_count_dec (&shared->ref_count))
    return;

  g_hash_table_unref (shared->clients);
  g_clear_object (&shared->socket);
  g_clear_object (&shared->cancellable);
  _op_console_inbox_unref (shared->inbox);
  g_mutex_clear (&shared->lock);
  g_free (shared->address);
  g_free (shared);
}

static void
client_free (Client *client)
{
  g_free (client->peer);
  g_clear_object (&client->connection);
  g_clear_object (&client->address);
  g_clear_object (&client->cancellable);
  g_free (client);
}

/* "[Mon Dec  7 12:00:00 2026] ", as Python's time.ctime() writes it. */
static char *
time_prefix (void)
{
  /* ctime() is English and space-padded whatever the locale; GLib's %e pads with a
   * figure space, and %a and %b are translated. */
  static const char *days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();

  return g_strdup_printf ("[%s %s %2d %02d:%02d:%02d %d] ",
                          days[g_date_time_get_day_of_week (now) - 1],
                          months[g_date_time_get_month (now) - 1],
                          g_date_time_get_day_of_month (now), g_date_time_get_hour (now),
                          g_date_time_get_minute (now), g_date_time_get_second (now),
                          g_date_time_get_year (now));
}

/* The answer of the echo and time modes (NULL in chat mode). */
static GBytes *
answer (Shared       *shared,
        const guint8 *data,
        gsize         length)
{
  g_autofree char *prefix = NULL;
  GByteArray *out;

  switch (shared->mode)
    {
    case OP_CONSOLE_SERVER_ECHO:
      return g_bytes_new (data, length);
    case OP_CONSOLE_SERVER_TIME:
      prefix = time_prefix ();
      out = g_byte_array_sized_new (strlen (prefix) + length);
      g_byte_array_append (out, (const guint8 *) prefix, strlen (prefix));
      g_byte_array_append (out, data, length);
      return g_byte_array_free_to_bytes (out);
    case OP_CONSOLE_SERVER_CHAT:
    default:
      return NULL;
    }
}

/* ---- TCP ---- */

static gpointer
client_main (gpointer data)
{
  Client *client = data;
  Shared *shared = client->shared;
  g_autofree guint8 *buffer = g_malloc (READ_CHUNK);
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (client->connection));
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (client->connection));
  g_autofree char *note = NULL;

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) reply = NULL;
      gssize n;

      n = g_input_stream_read (input, buffer, READ_CHUNK, client->cancellable, &error);
      if (n <= 0)
        {
          if (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            note = g_strdup_printf (_("Connection lost: %s"), error->message);
          break;
        }

      _op_console_inbox_push_data (shared->inbox, OP_CONSOLE_ITEM_STREAM, OP_CONSOLE_RECEIVED,
                                   client->peer, buffer, n);
      reply = answer (shared, buffer, n);
      if (reply != NULL)
        {
          gsize size;
          const guint8 *bytes = g_bytes_get_data (reply, &size);

          if (!g_output_stream_write_all (output, bytes, size, NULL, client->cancellable,
                                          &error))
            {
              if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                note = g_strdup_printf (_("Connection lost: %s"), error->message);
              break;
            }
          _op_console_inbox_push_data (shared->inbox, OP_CONSOLE_ITEM_STREAM, OP_CONSOLE_SENT,
                                       client->peer, bytes, size);
        }
    }

  g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
  _op_console_inbox_push_note (shared->inbox, client->peer,
                               note != NULL ? note : _("Client disconnected."));
  _op_console_inbox_push_event (shared->inbox, EVENT_CLIENT_LEFT, client->peer, NULL);

  g_mutex_lock (&shared->lock);
  g_hash_table_remove (shared->clients, client->peer);
  g_mutex_unlock (&shared->lock);
  shared_unref (shared);

  return NULL;
}

static gpointer
accept_main (gpointer data)
{
  Shared *shared = data;

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocket) socket = NULL;
      g_autoptr (GSocketAddress) remote = NULL;
      Client *client;
      guint n_clients;

      socket = g_socket_accept (shared->socket, shared->cancellable, &error);
      if (socket == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_autofree char *text = g_strdup_printf (_("The server stopped: %s"),
                                                       error->message);

              _op_console_inbox_push_note (shared->inbox, NULL, text);
            }
          break;
        }

      remote = g_socket_get_remote_address (socket, NULL);
      client = g_new0 (Client, 1);
      client->shared = shared_ref (shared);
      client->peer = _op_console_address_to_string (remote);
      client->connection = g_socket_connection_factory_create_connection (socket);
      client->cancellable = g_cancellable_new ();

      g_mutex_lock (&shared->lock);
      n_clients = g_hash_table_size (shared->clients);
      if (n_clients < OP_CONSOLE_SERVER_MAX_CLIENTS)
        g_hash_table_replace (shared->clients, client->peer, client);
      g_mutex_unlock (&shared->lock);

      if (n_clients >= OP_CONSOLE_SERVER_MAX_CLIENTS)
        {
          g_autofree char *text =
            g_strdup_printf (_("Refused a client: %u are connected already."),
                             OP_CONSOLE_SERVER_MAX_CLIENTS);

          _op_console_inbox_push_note (shared->inbox, client->peer, text);
          g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
          shared_unref (shared);
          client_free (client);
          continue;
        }

      _op_console_inbox_push_note (shared->inbox, client->peer, _("Client connected."));
      _op_console_inbox_push_event (shared->inbox, EVENT_CLIENT_CAME, client->peer, NULL);
      g_thread_unref (g_thread_new ("console-client", client_main, client));
    }

  shared_unref (shared);
  return NULL;
}

/* ---- UDP ---- */

static gpointer
receive_main (gpointer data)
{
  Shared *shared = data;
  g_autofree guint8 *buffer = g_malloc (MAX_DATAGRAM);

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocketAddress) from = NULL;
      g_autoptr (GBytes) reply = NULL;
      g_autofree char *peer = NULL;
      gboolean new_peer = FALSE;
      gssize n;

      n = g_socket_receive_from (shared->socket, &from, (char *) buffer, MAX_DATAGRAM,
                                 shared->cancellable, &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            break;
          /* An ICMP "port unreachable" for an earlier answer: not the server's end. */
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
            continue;
          {
            g_autofree char *text = g_strdup_printf (_("The server stopped: %s"),
                                                     error->message);

            _op_console_inbox_push_note (shared->inbox, NULL, text);
          }
          break;
        }

      peer = _op_console_address_to_string (from);
      g_mutex_lock (&shared->lock);
      if (!g_hash_table_contains (shared->clients, peer)
          && g_hash_table_size (shared->clients) < OP_CONSOLE_SERVER_MAX_CLIENTS)
        {
          Client *client = g_new0 (Client, 1);

          client->peer = g_strdup (peer);
          client->address = g_object_ref (from);
          g_hash_table_replace (shared->clients, client->peer, client);
          new_peer = TRUE;
        }
      g_mutex_unlock (&shared->lock);

      if (new_peer)
        _op_console_inbox_push_event (shared->inbox, EVENT_CLIENT_CAME, peer, NULL);
      _op_console_inbox_push_data (shared->inbox, OP_CONSOLE_ITEM_DATAGRAM, OP_CONSOLE_RECEIVED,
                                   peer, buffer, n);

      reply = answer (shared, buffer, n);
      if (reply != NULL)
        {
          gsize size;
          const guint8 *bytes = g_bytes_get_data (reply, &size);
          gssize sent;

          g_mutex_lock (&shared->lock);
          sent = g_socket_send_to (shared->socket, from, (const char *) bytes, size,
                                   shared->cancellable, NULL);
          g_mutex_unlock (&shared->lock);
          if (sent >= 0)
            _op_console_inbox_push_data (shared->inbox, OP_CONSOLE_ITEM_DATAGRAM,
                                         OP_CONSOLE_SENT, peer, bytes, size);
        }
    }

  shared_unref (shared);
  return NULL;
}

/* ---- start ---- */

static void
start_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Shared *shared = task_data;
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (shared->address);
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GSocket) socket = NULL;
  GError *error = NULL;
  gboolean tcp = shared->protocol != OP_CONSOLE_UDP;

  if (inet == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not an IP address (such as 127.0.0.1 or ::1)."),
                               shared->address);
      return;
    }

  socket = g_socket_new (g_inet_address_get_family (inet),
                         tcp ? G_SOCKET_TYPE_STREAM : G_SOCKET_TYPE_DATAGRAM,
                         tcp ? G_SOCKET_PROTOCOL_TCP : G_SOCKET_PROTOCOL_UDP, &error);
  address = g_inet_socket_address_new (inet, shared->port);
  if (socket == NULL
      || !g_socket_bind (socket, address, tcp, &error)
      || (tcp && !g_socket_listen (socket, &error)))
    {
      g_task_return_error (task, error);
      return;
    }

  bound = g_socket_get_local_address (socket, NULL);
  shared->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  shared->socket = g_steal_pointer (&socket);
  shared->thread = g_thread_new (tcp ? "console-accept" : "console-receive",
                                 tcp ? accept_main : receive_main, shared_ref (shared));
  g_thread_unref (g_steal_pointer (&shared->thread));
  g_task_return_int (task, shared->port);
}

static void
set_state (OpConsoleServer       *self,
           OpConsoleSessionState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  OpConsoleServer *self = OP_CONSOLE_SERVER (source);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  gssize port;

  port = g_task_propagate_int (G_TASK (result), &error);
  if (self->state != OP_CONSOLE_SESSION_CONNECTING)
    return;

  if (port < 0)
    {
      text = g_strdup_printf (_("The server could not start: %s"), error->message);
      op_console_transcript_append_note (self->transcript, NULL, text);
      g_free (self->error);
      self->error = g_strdup (error->message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
      set_state (self, OP_CONSOLE_SESSION_FAILED);
      return;
    }

  self->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  /* Translators: the first %s is an address, %u a port */
  text = g_strdup_printf (self->shared->protocol == OP_CONSOLE_UDP
                            ? _("Listening for UDP datagrams on %s port %u.")
                            : _("Listening for TCP connections on %s port %u."),
                          self->shared->address, self->port);
  op_console_transcript_append_note (self->transcript, NULL, text);
  set_state (self, OP_CONSOLE_SESSION_OPEN);
}

void
op_console_server_start (OpConsoleServer *self)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (OP_IS_CONSOLE_SERVER (self));
  g_return_if_fail (self->state == OP_CONSOLE_SESSION_NEW);

  set_state (self, OP_CONSOLE_SESSION_CONNECTING);
  task = g_task_new (self, NULL, on_started, NULL);
  g_task_set_source_tag (task, op_console_server_start);
  g_task_set_task_data (task, shared_ref (self->shared), (GDestroyNotify) shared_unref);
  /* Binding is quick, but it is a system call that may wait (name service for a
   * privileged port's policy, firewall hooks): a thread, not the main one. */
  g_task_run_in_thread (task, start_thread);
}

static void
stop_shared (Shared *shared)
{
  GHashTableIter iter;
  Client *client;

  g_cancellable_cancel (shared->cancellable);
  g_mutex_lock (&shared->lock);
  g_hash_table_iter_init (&iter, shared->clients);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &client))
    if (client->connection != NULL)
      {
        g_cancellable_cancel (client->cancellable);
        g_socket_shutdown (g_socket_connection_get_socket (client->connection), TRUE, TRUE,
                           NULL);
      }
  if (shared->socket != NULL)
    g_socket_shutdown (shared->socket, TRUE, TRUE, NULL);
  g_mutex_unlock (&shared->lock);
}

/**
 * op_console_server_stop:
 * @self: a server
 *
 * Closes every client's connection and stops listening. The transcript stays.
 */
void
op_console_server_stop (OpConsoleServer *self)
{
  g_return_if_fail (OP_IS_CONSOLE_SERVER (self));

  if (self->state == OP_CONSOLE_SESSION_CLOSED || self->state == OP_CONSOLE_SESSION_FAILED)
    return;

  stop_shared (self->shared);
  if (self->state == OP_CONSOLE_SESSION_OPEN)
    op_console_transcript_append_note (self->transcript, NULL, _("The server stopped."));
  set_state (self, OP_CONSOLE_SESSION_CLOSED);
}

/* ---- chat ---- */

typedef struct
{
  Shared *shared;
  char   *peer;
  GBytes *data;
} Send;

static void
send_free (Send *send)
{
  shared_unref (send->shared);
  g_free (send->peer);
  g_bytes_unref (send->data);
  g_free (send);
}

static void
send_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Send *send = task_data;
  Shared *shared = send->shared;
  g_autoptr (GPtrArray) targets = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) peers = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  Client *client;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (send->data, &size);
  GError *error = NULL;

  g_mutex_lock (&shared->lock);
  g_hash_table_iter_init (&iter, shared->clients);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &client))
    {
      if (send->peer != NULL && g_strcmp0 (send->peer, client->peer) != 0)
        continue;
      g_ptr_array_add (targets, client->connection != NULL
                                  ? g_object_ref ((GObject *) client->connection)
                                  : g_object_ref ((GObject *) client->address));
      g_ptr_array_add (peers, g_strdup (client->peer));
    }
  g_mutex_unlock (&shared->lock);

  if (targets->len == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               send->peer != NULL
                                 ? _("That client is no longer connected.")
                                 : _("No client is connected."));
      return;
    }

  for (guint i = 0; i < targets->len; i++)
    {
      GObject *target = g_ptr_array_index (targets, i);
      gboolean ok;

      if (G_IS_SOCKET_CONNECTION (target))
        ok = g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (target)),
                                        bytes, size, NULL, cancellable, &error);
      else
        {
          g_mutex_lock (&shared->lock);
          ok = g_socket_send_to (shared->socket, G_SOCKET_ADDRESS (target),
                                 (const char *) bytes, size, cancellable, &error) >= 0;
          g_mutex_unlock (&shared->lock);
        }

      if (!ok)
        {
          g_task_return_error (task, error);
          return;
        }
      _op_console_inbox_push_data (shared->inbox,
                                   G_IS_SOCKET_CONNECTION (target) ? OP_CONSOLE_ITEM_STREAM
                                                                   : OP_CONSOLE_ITEM_DATAGRAM,
                                   OP_CONSOLE_SENT, g_ptr_array_index (peers, i), bytes, size);
    }

  g_task_return_boolean (task, TRUE);
}

void
op_console_server_send_async (OpConsoleServer     *self,
                              const char          *peer,
                              GBytes              *data,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  Send *send;

  g_return_if_fail (OP_IS_CONSOLE_SERVER (self));
  g_return_if_fail (data != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_console_server_send_async);
  if (self->state != OP_CONSOLE_SESSION_OPEN)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               _("The server is not running."));
      return;
    }

  send = g_new0 (Send, 1);
  send->shared = shared_ref (self->shared);
  send->peer = g_strdup (peer);
  send->data = g_bytes_ref (data);
  g_task_set_task_data (task, send, (GDestroyNotify) send_free);
  g_task_run_in_thread (task, send_thread);
}

gboolean
op_console_server_send_finish (OpConsoleServer  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
find_peer (OpConsoleServer *self,
           const char      *peer,
           guint           *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->clients));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (OpConsolePeer) item = g_list_model_get_item (G_LIST_MODEL (self->clients), i);

      if (g_strcmp0 (op_console_peer_get_address (item), peer) == 0)
        {
          *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

void
op_console_server_disconnect (OpConsoleServer *self,
                              const char      *peer)
{
  Shared *shared;
  Client *client;
  guint position;

  g_return_if_fail (OP_IS_CONSOLE_SERVER (self));
  g_return_if_fail (peer != NULL);

  shared = self->shared;
  g_mutex_lock (&shared->lock);
  client = g_hash_table_lookup (shared->clients, peer);
  if (client != NULL && client->connection != NULL)
    {
      /* The client's thread sees its end and says goodbye in the transcript. */
      g_cancellable_cancel (client->cancellable);
      g_socket_shutdown (g_socket_connection_get_socket (client->connection), TRUE, TRUE, NULL);
    }
  else if (client != NULL)
    g_hash_table_remove (shared->clients, peer);
  g_mutex_unlock (&shared->lock);

  if (shared->protocol == OP_CONSOLE_UDP && find_peer (self, peer, &position))
    g_list_store_remove (self->clients, position);
}

static void
on_event (gpointer    owner,
          int         code,
          const char *peer,
          GBytes     *data)
{
  OpConsoleServer *self = owner;
  guint position;

  switch ((Event) code)
    {
    case EVENT_CLIENT_CAME:
      {
        g_autoptr (OpConsolePeer) item = _op_console_peer_new (peer);

        g_list_store_append (self->clients, item);
      }
      break;
    case EVENT_CLIENT_LEFT:
      if (find_peer (self, peer, &position))
        g_list_store_remove (self->clients, position);
      break;
    default:
      break;
    }
}

/* ---- GObject ---- */

static void
op_console_server_dispose (GObject *object)
{
  OpConsoleServer *self = OP_CONSOLE_SERVER (object);

  if (self->shared != NULL)
    {
      stop_shared (self->shared);
      g_clear_pointer (&self->shared, shared_unref);
    }
  if (self->inbox != NULL)
    _op_console_inbox_close (g_steal_pointer (&self->inbox));
  g_clear_object (&self->clients);

  G_OBJECT_CLASS (op_console_server_parent_class)->dispose (object);
}

static void
op_console_server_finalize (GObject *object)
{
  OpConsoleServer *self = OP_CONSOLE_SERVER (object);

  g_clear_object (&self->transcript);
  g_free (self->error);

  G_OBJECT_CLASS (op_console_server_parent_class)->finalize (object);
}

static void
op_console_server_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  OpConsoleServer *self = OP_CONSOLE_SERVER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_console_server_class_init (OpConsoleServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = op_console_server_dispose;
  object_class->finalize = op_console_server_finalize;
  object_class->get_property = op_console_server_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, 0, OP_CONSOLE_SESSION_FAILED, 0, flags);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_console_server_init (OpConsoleServer *self)
{
  self->transcript = op_console_transcript_new (SCROLLBACK_BYTES, SCROLLBACK_RECORDS);
  self->clients = g_list_store_new (OP_TYPE_CONSOLE_PEER);
}

/**
 * op_console_server_new:
 * @protocol: %OP_CONSOLE_TCP or %OP_CONSOLE_UDP
 * @address: an IP address to listen on ("127.0.0.1", "::1", "0.0.0.0"…)
 * @port: the port, or 0 for one the system picks
 * @mode: what the server answers
 *
 * Returns: (transfer full): a server, not yet started
 */
OpConsoleServer *
op_console_server_new (OpConsoleProtocol    protocol,
                       const char          *address,
                       guint16              port,
                       OpConsoleServerMode  mode)
{
  OpConsoleServer *self;
  Shared *shared;

  g_return_val_if_fail (protocol == OP_CONSOLE_TCP || protocol == OP_CONSOLE_UDP, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  self = g_object_new (OP_TYPE_CONSOLE_SERVER, NULL);
  self->inbox = _op_console_inbox_new (self->transcript, on_event, self);
  self->port = port;

  shared = g_new0 (Shared, 1);
  g_atomic_ref_count_init (&shared->ref_count);
  g_mutex_init (&shared->lock);
  shared->protocol = protocol;
  shared->mode = mode;
  shared->address = g_strdup (address);
  shared->port = port;
  shared->inbox = _op_console_inbox_ref (self->inbox);
  shared->clients = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) client_free);
  shared->cancellable = g_cancellable_new ();
  self->shared = shared;

  return self;
}

OpConsoleProtocol
op_console_server_get_protocol (OpConsoleServer *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SERVER (self), OP_CONSOLE_TCP);
  return self->shared->protocol;
}

OpConsoleServerMode
op_console_server_get_mode (OpConsoleServer *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SERVER (self), OP_CONSOLE_SERVER_ECHO);
  return self->shared->mode;
}

const char *
op_console_server_get_address (OpConsoleServer *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SERVER (self), NULL);
  return self->shared->address;
}

guint16
op_console_server_get_port (OpConsoleServer *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SERVER (self), 0);
  return self->port;
}

OpConsoleSessionState
op_console_server_get_state (OpConsoleServer *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SERVER (self), OP_CONSOLE_SESSION_CLOSED);
  return self->state;
}

const char *
op_console_server_get_error (OpConsoleServer *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SERVER (self), NULL);
  return self->error;
}

GListModel *
op_console_server_get_clients (OpConsoleServer *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SERVER (self), NULL);
  return G_LIST_MODEL (self->clients);
}

OpConsoleTranscript *
op_console_server_get_transcript (OpConsoleServer *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_SERVER (self), NULL);
  return self->transcript;
}

gboolean
op_console_address_is_loopback (const char *address)
{
  g_autoptr (GInetAddress) inet = NULL;

  g_return_val_if_fail (address != NULL, FALSE);

  inet = g_inet_address_new_from_string (address);
  return inet != NULL && g_inet_address_get_is_loopback (inet);
}
