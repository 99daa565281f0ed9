/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "op-test-fault-proxy.h"

struct _OpTestFaultProxy
{
  GSocket     *listener;
  char        *upstream_host;
  guint16      upstream_port;
  guint16      port;
  GThread     *thread;
  int          wake[2];          /* a pipe: written to stop the accept loop */

  GMutex       lock;
  OpTestFault  fault;
  guint64      after_bytes;
  guint        stall_ms;
  guint64      down;
  guint64      up;
  gboolean     applied;      /* the fault was applied on this connection */
};

/* Sends @length bytes, one segment each when @trickle. FALSE when the peer is gone or
 * the proxy stops. */
static gboolean
send_all (OpTestFaultProxy *self,
          int               fd,
          const char       *data,
          gsize             length,
          gboolean          trickle)
{
  for (gsize done = 0; done < length;)
    {
      ssize_t w = send (fd, data + done, trickle ? 1 : length - done, MSG_NOSIGNAL);

      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return FALSE;
      done += w;
      if (trickle)
        {
          /* Long enough for the byte to leave as a segment and be read on its own. */
          struct pollfd p = { self->wake[0], POLLIN, 0 };

          if (poll (&p, 1, 1) > 0)
            return FALSE;
        }
    }
  return TRUE;
}

/* Forwards one connection until either side closes or the fault cuts it. */
static void
relay (OpTestFaultProxy *self,
       GSocket          *client)
{
  g_autoptr(GSocketClient) connector = g_socket_client_new ();
  g_autoptr(GSocketConnection) upstream = NULL;
  OpTestFault fault;
  guint64 limit;
  int fds[2];

  upstream = g_socket_client_connect_to_host (connector, self->upstream_host,
                                              self->upstream_port, NULL, NULL);
  if (upstream == NULL)
    return;
  g_mutex_lock (&self->lock);
  fault = self->fault;
  limit = self->after_bytes;
  self->down = self->up = 0;
  self->applied = FALSE;
  g_mutex_unlock (&self->lock);

  fds[0] = g_socket_get_fd (client);
  fds[1] = g_socket_get_fd (g_socket_connection_get_socket (upstream));
  if (fault == OP_TEST_FAULT_TRICKLE_DOWNSTREAM)
    {
      int one = 1;

      setsockopt (fds[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  for (;;)
    {
      struct pollfd p[3] = {
        { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 }, { self->wake[0], POLLIN, 0 },
      };

      if (poll (p, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (p[2].revents != 0)
        break;
      for (int from = 0; from < 2; from++)
        {
          char buffer[16384];
          gboolean downstream = from == 1;
          gboolean cutting = (downstream && fault == OP_TEST_FAULT_CUT_DOWNSTREAM) ||
                             (!downstream && fault == OP_TEST_FAULT_CUT_UPSTREAM);
          guint64 sent;
          size_t want = sizeof buffer;
          ssize_t n;

          if (p[from].revents == 0)
            continue;
          g_mutex_lock (&self->lock);
          sent = downstream ? self->down : self->up;
          g_mutex_unlock (&self->lock);
          if (cutting && sent >= limit)
            {
              g_mutex_lock (&self->lock);
              self->applied = TRUE;
              g_mutex_unlock (&self->lock);
              goto out;
            }
          if (cutting)
            want = MIN (want, limit - sent);
          n = read (fds[from], buffer, want);
          if (n <= 0)
            goto out;
          if (downstream && fault == OP_TEST_FAULT_CORRUPT_DOWNSTREAM &&
              limit >= sent && limit < sent + (guint64) n)
            {
              buffer[limit - sent] ^= 0x5a;
              g_mutex_lock (&self->lock);
              self->applied = TRUE;
              g_mutex_unlock (&self->lock);
            }
          if (downstream && fault == OP_TEST_FAULT_STALL_DOWNSTREAM &&
              limit >= sent && limit < sent + (guint64) n)
            {
              /* The bytes before the stall point go now, the rest after the stall. */
              gsize before = limit - sent;
              struct pollfd w = { self->wake[0], POLLIN, 0 };
              guint stall_ms;

              if (!send_all (self, fds[0], buffer, before, FALSE))
                goto out;
              g_mutex_lock (&self->lock);
              self->applied = TRUE;
              self->down += before;
              stall_ms = self->stall_ms;
              g_mutex_unlock (&self->lock);
              if (poll (&w, 1, (int) stall_ms) > 0)
                goto out;
              fault = OP_TEST_FAULT_NONE;
              memmove (buffer, buffer + before, n - before);
              n -= before;
            }
          if (!send_all (self, fds[1 - from], buffer, n,
                         downstream && fault == OP_TEST_FAULT_TRICKLE_DOWNSTREAM))
            goto out;
          g_mutex_lock (&self->lock);
          if (downstream)
            self->down += n;
          else
            self->up += n;
          sent += n;
          if (cutting && sent >= limit)
            self->applied = TRUE;
          g_mutex_unlock (&self->lock);
          if (cutting && sent >= limit)
            goto out;
        }
    }
out:
  /* Both sides see the connection end: a cut, as a dropped network would look. */
  g_socket_shutdown (client, TRUE, TRUE, NULL);
  g_io_stream_close (G_IO_STREAM (upstream), NULL, NULL);
}

static gpointer
accept_loop (gpointer data)
{
  OpTestFaultProxy *self = data;
  int fd = g_socket_get_fd (self->listener);

  for (;;)
    {
      struct pollfd p[2] = { { fd, POLLIN, 0 }, { self->wake[0], POLLIN, 0 } };
      g_autoptr(GSocket) client = NULL;

      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return NULL;
        }
      if (p[1].revents != 0)
        return NULL;
      client = g_socket_accept (self->listener, NULL, NULL);
      if (client == NULL)
        continue;
      g_socket_set_blocking (client, TRUE);
      relay (self, client);
      g_socket_close (client, NULL);
    }
}

OpTestFaultProxy *
op_test_fault_proxy_new (const char *upstream_host,
                         guint16     upstream_port)
{
  OpTestFaultProxy *self = g_new0 (OpTestFaultProxy, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_mutex_init (&self->lock);
  self->upstream_host = g_strdup (upstream_host);
  self->upstream_port = upstream_port;
  self->stall_ms = 5000;
  self->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (self->listener, address, TRUE, &error));
  g_assert_true (g_socket_listen (self->listener, &error));
  bound = g_socket_get_local_address (self->listener, &error);
  g_assert_no_error (error);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_assert_cmpint (pipe (self->wake), ==, 0);
  self->thread = g_thread_new ("fault-proxy", accept_loop, self);
  return self;
}

guint16
op_test_fault_proxy_get_port (OpTestFaultProxy *self)
{
  return self->port;
}

void
op_test_fault_proxy_set_fault (OpTestFaultProxy *self,
                               OpTestFault       fault,
                               guint64           after_bytes)
{
  g_mutex_lock (&self->lock);
  self->fault = fault;
  self->after_bytes = after_bytes;
  g_mutex_unlock (&self->lock);
}

void
op_test_fault_proxy_set_stall (OpTestFaultProxy *self,
                               guint             milliseconds)
{
  g_mutex_lock (&self->lock);
  self->stall_ms = milliseconds;
  g_mutex_unlock (&self->lock);
}

void
op_test_fault_proxy_get_counts (OpTestFaultProxy *self,
                                guint64          *downstream,
                                guint64          *upstream,
                                gboolean         *applied)
{
  g_mutex_lock (&self->lock);
  if (downstream != NULL)
    *downstream = self->down;
  if (upstream != NULL)
    *upstream = self->up;
  if (applied != NULL)
    *applied = self->applied;
  g_mutex_unlock (&self->lock);
}

void
op_test_fault_proxy_free (OpTestFaultProxy *self)
{
  if (self == NULL)
    return;
  g_assert_cmpint (write (self->wake[1], "x", 1), ==, 1);
  g_thread_join (self->thread);
  close (self->wake[0]);
  close (self->wake[1]);
  g_socket_close (self->listener, NULL);
  g_object_unref (self->listener);
  g_mutex_clear (&self->lock);
  g_free (self->upstream_host);
  g_free (self);
}
