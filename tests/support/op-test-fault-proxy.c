/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
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
  gboolean     ftp_passive;  /* relay the FTP data connections too */
  guint64      session_limit;   /* the data fault's byte count, for this session */
  guint64      data_down;
  guint64      data_up;
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

/* One relayed connection: the client's socket and the server's, what the proxy does to
 * the bytes, and which counters they go to. */
typedef struct
{
  int          fds[2];      /* client, server */
  int          session_end; /* a data link: readable once its control connection ended */
  OpTestFault  fault;       /* OP_TEST_FAULT_CUT_DOWNSTREAM etc. (data faults mapped) */
  guint64      limit;
  gboolean     data;        /* a data connection: the data counters */
  struct _FtpSession *ftp;  /* a control connection whose 227/229 replies are rewritten */
} Link;

/* The data connections of one FTP control connection. */
typedef struct _FtpSession
{
  OpTestFaultProxy *self;
  int               end[2];   /* a pipe: written when the control connection ended */
  GPtrArray        *threads;
  GString          *pending;  /* the server's bytes after the last complete line */
} FtpSession;

typedef struct
{
  FtpSession *session;
  GSocket    *listener;
  guint16     port;           /* the server's data port */
} DataListener;

static void relay (OpTestFaultProxy *self,
                   Link             *link);

static guint64 *
counter (OpTestFaultProxy *self,
         const Link       *link,
         gboolean          downstream)
{
  if (link->data)
    return downstream ? &self->data_down : &self->data_up;
  return downstream ? &self->down : &self->up;
}

/* (data thread) Accepts the one data connection a rewritten reply announced, connects
 * to the server's port and relays it; gives up when the control connection ends or
 * nobody connects within 30 s. */
static gpointer
data_thread (gpointer user_data)
{
  DataListener *listener = user_data;
  FtpSession *session = listener->session;
  OpTestFaultProxy *self = session->self;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GSocketClient) connector = g_socket_client_new ();
  g_autoptr(GSocketConnection) upstream = NULL;
  struct pollfd p[3] = {
    { g_socket_get_fd (listener->listener), POLLIN, 0 },
    { self->wake[0], POLLIN, 0 },
    { session->end[0], POLLIN, 0 },
  };
  Link link = { .data = TRUE, .session_end = session->end[0] };
  int ready;

  do
    ready = poll (p, 3, 30 * 1000);
  while (ready < 0 && errno == EINTR);
  if (ready > 0 && p[0].revents != 0 && p[1].revents == 0 && p[2].revents == 0)
    client = g_socket_accept (listener->listener, NULL, NULL);
  if (client != NULL)
    upstream = g_socket_client_connect_to_host (connector, self->upstream_host,
                                                listener->port, NULL, NULL);
  if (upstream != NULL)
    {
      g_socket_set_blocking (client, TRUE);
      g_mutex_lock (&self->lock);
      /* One data cut per session: the connections after it go through. */
      if (!self->applied && self->fault == OP_TEST_FAULT_CUT_DATA_DOWNSTREAM)
        link.fault = OP_TEST_FAULT_CUT_DOWNSTREAM;
      else if (!self->applied && self->fault == OP_TEST_FAULT_CUT_DATA_UPSTREAM)
        link.fault = OP_TEST_FAULT_CUT_UPSTREAM;
      link.limit = self->session_limit;
      g_mutex_unlock (&self->lock);
      link.fds[0] = g_socket_get_fd (client);
      link.fds[1] = g_socket_get_fd (g_socket_connection_get_socket (upstream));
      relay (self, &link);
      g_socket_shutdown (client, TRUE, TRUE, NULL);
      g_io_stream_close (G_IO_STREAM (upstream), NULL, NULL);
    }
  g_socket_close (listener->listener, NULL);
  g_object_unref (listener->listener);
  g_free (listener);
  return NULL;
}

/* A listener on 127.0.0.1 for one data connection to the server's @port; returns the
 * listener's port. */
static guint16
listen_for_data (FtpSession *session,
                 guint16     port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  DataListener *listener = g_new0 (DataListener, 1);

  listener->session = session;
  listener->port = port;
  listener->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                     G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (listener->listener, address, TRUE, &error));
  g_assert_true (g_socket_listen (listener->listener, &error));
  bound = g_socket_get_local_address (listener->listener, &error);
  g_assert_no_error (error);
  g_ptr_array_add (session->threads, g_thread_new ("fault-proxy-data", data_thread, listener));
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* One line from the server, with the port of a 227 reply ("227 Entering Passive Mode
 * (h1,h2,h3,h4,p1,p2)", RFC 959 §4.1.2) or a 229 reply ("229 ... (|||port|)", RFC 2428
 * §3) replaced by a proxy listener's. The address in a 227 becomes 127,0,0,1. */
static void
rewrite_line (FtpSession *session,
              const char *line,
              gsize       length,
              GString    *out)
{
  g_autofree char *text = g_strndup (line, length);

  if (g_str_has_prefix (text, "227 "))
    for (gsize i = 4; text[i] != '\0'; i++)
      {
        guint h[4], p[2];
        int end = 0;

        if (!g_ascii_isdigit (text[i]) || g_ascii_isdigit (text[i - 1]))
          continue;
        if (sscanf (text + i, "%u,%u,%u,%u,%u,%u%n", &h[0], &h[1], &h[2], &h[3], &p[0],
                    &p[1], &end) == 6 && p[0] < 256 && p[1] < 256)
          {
            guint16 port = listen_for_data (session, (guint16) (p[0] * 256 + p[1]));

            g_string_append_len (out, text, i);
            g_string_append_printf (out, "127,0,0,1,%u,%u", port >> 8, port & 0xff);
            g_string_append (out, text + i + end);
            return;
          }
      }
  if (g_str_has_prefix (text, "229 "))
    {
      char *open = strchr (text, '(');
      char delimiter = open != NULL ? open[1] : '\0';

      if (delimiter != '\0' && open[2] == delimiter && open[3] == delimiter)
        {
          char *digits = open + 4;
          char *after = NULL;
          guint64 port = g_ascii_strtoull (digits, &after, 10);

          if (after != digits && *after == delimiter && port > 0 && port <= G_MAXUINT16)
            {
              g_string_append_len (out, text, digits - text);
              g_string_append_printf (out, "%u", listen_for_data (session, (guint16) port));
              g_string_append (out, after);
              return;
            }
        }
    }
  g_string_append_len (out, line, length);
}

/* The server's bytes on a control connection: complete lines, rewritten; the rest waits
 * for its end (or goes as it is when @flush). */
static void
rewrite_control (FtpSession *session,
                 const char *data,
                 gsize       length,
                 gboolean    flush,
                 GString    *out)
{
  gsize start = 0;

  g_string_append_len (session->pending, data, length);
  for (gsize i = 0; i < session->pending->len; i++)
    if (session->pending->str[i] == '\n')
      {
        rewrite_line (session, session->pending->str + start, i + 1 - start, out);
        start = i + 1;
      }
  if (flush)
    {
      g_string_append_len (out, session->pending->str + start, session->pending->len - start);
      start = session->pending->len;
    }
  g_string_erase (session->pending, 0, start);
}

/* Forwards one connection until either side closes or the fault cuts it. */
static void
relay (OpTestFaultProxy *self,
       Link             *link)
{
  g_autoptr(GString) rewritten = link->ftp != NULL ? g_string_new (NULL) : NULL;
  OpTestFault fault = link->fault;
  guint64 limit = link->limit;
  int *fds = link->fds;

  if (fault == OP_TEST_FAULT_TRICKLE_DOWNSTREAM)
    {
      int one = 1;

      setsockopt (fds[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  for (;;)
    {
      struct pollfd p[4] = {
        { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 }, { self->wake[0], POLLIN, 0 },
        { link->session_end, POLLIN, 0 },
      };

      if (poll (p, link->session_end >= 0 ? 4 : 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (p[2].revents != 0 || (link->session_end >= 0 && p[3].revents != 0))
        break;
      for (int from = 0; from < 2; from++)
        {
          char buffer[16384];
          gboolean downstream = from == 1;
          gboolean cutting = (downstream && fault == OP_TEST_FAULT_CUT_DOWNSTREAM) ||
                             (!downstream && fault == OP_TEST_FAULT_CUT_UPSTREAM);
          gboolean rewriting = downstream && link->ftp != NULL;
          guint64 *count = counter (self, link, downstream);
          const char *data = buffer;
          guint64 sent;
          size_t want = sizeof buffer;
          gboolean eof;
          ssize_t n;

          if (p[from].revents == 0)
            continue;
          g_mutex_lock (&self->lock);
          sent = *count;
          g_mutex_unlock (&self->lock);
          if (cutting && sent >= limit)
            {
              g_mutex_lock (&self->lock);
              self->applied = TRUE;
              g_mutex_unlock (&self->lock);
              goto out;
            }
          if (cutting && !rewriting)
            want = MIN (want, limit - sent);
          n = read (fds[from], buffer, want);
          /* At the server's end, a control connection's last incomplete line goes first. */
          eof = n <= 0;
          if (eof && !(rewriting && link->ftp->pending->len > 0))
            goto out;
          if (rewriting)
            {
              /* A rewritten line changes length: the cut counts what the client gets. */
              g_string_truncate (rewritten, 0);
              rewrite_control (link->ftp, buffer, MAX (n, 0), n <= 0, rewritten);
              data = rewritten->str;
              n = rewritten->len;
              if (cutting)
                n = MIN ((guint64) n, limit - sent);
            }
          if (downstream && fault == OP_TEST_FAULT_CORRUPT_DOWNSTREAM &&
              limit >= sent && limit < sent + (guint64) n)
            {
              if (data == buffer)
                buffer[limit - sent] ^= 0x5a;
              else
                rewritten->str[limit - sent] ^= 0x5a;
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

              if (!send_all (self, fds[0], data, before, FALSE))
                goto out;
              g_mutex_lock (&self->lock);
              self->applied = TRUE;
              *count += before;
              stall_ms = self->stall_ms;
              g_mutex_unlock (&self->lock);
              if (poll (&w, 1, (int) stall_ms) > 0)
                goto out;
              fault = OP_TEST_FAULT_NONE;
              data += before;
              n -= before;
            }
          if (!send_all (self, fds[1 - from], data, n,
                         downstream && fault == OP_TEST_FAULT_TRICKLE_DOWNSTREAM))
            goto out;
          g_mutex_lock (&self->lock);
          *count += n;
          sent += n;
          if (cutting && sent >= limit)
            self->applied = TRUE;
          g_mutex_unlock (&self->lock);
          if (cutting && sent >= limit)
            goto out;
          if (eof)
            goto out;
        }
    }
out:
  return;
}

/* A control connection from a client: relayed until either side closes or the fault
 * cuts it; then both sides see the connection end, as a dropped network would look. */
static void
relay_control (OpTestFaultProxy *self,
               GSocket          *client)
{
  g_autoptr(GSocketClient) connector = g_socket_client_new ();
  g_autoptr(GSocketConnection) upstream = NULL;
  FtpSession session = { self, { -1, -1 }, NULL, NULL };
  Link link = { .session_end = -1 };
  gboolean ftp;

  upstream = g_socket_client_connect_to_host (connector, self->upstream_host,
                                              self->upstream_port, NULL, NULL);
  if (upstream == NULL)
    return;
  g_mutex_lock (&self->lock);
  link.fault = self->fault;
  link.limit = self->after_bytes;
  self->session_limit = self->after_bytes;
  self->down = self->up = self->data_down = self->data_up = 0;
  self->applied = FALSE;
  ftp = self->ftp_passive;
  g_mutex_unlock (&self->lock);
  if (link.fault == OP_TEST_FAULT_CUT_DATA_DOWNSTREAM ||
      link.fault == OP_TEST_FAULT_CUT_DATA_UPSTREAM)
    link.fault = OP_TEST_FAULT_NONE;
  if (ftp)
    {
      g_assert_cmpint (pipe (session.end), ==, 0);
      session.threads = g_ptr_array_new ();
      session.pending = g_string_new (NULL);
      link.ftp = &session;
    }

  link.fds[0] = g_socket_get_fd (client);
  link.fds[1] = g_socket_get_fd (g_socket_connection_get_socket (upstream));
  relay (self, &link);
  g_socket_shutdown (client, TRUE, TRUE, NULL);
  g_io_stream_close (G_IO_STREAM (upstream), NULL, NULL);

  if (ftp)
    {
      g_assert_cmpint (write (session.end[1], "x", 1), ==, 1);
      for (guint i = 0; i < session.threads->len; i++)
        g_thread_join (g_ptr_array_index (session.threads, i));
      g_ptr_array_unref (session.threads);
      g_string_free (session.pending, TRUE);
      close (session.end[0]);
      close (session.end[1]);
    }
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
      relay_control (self, client);
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
op_test_fault_proxy_set_ftp_passive (OpTestFaultProxy *self,
                                     gboolean          relay_data)
{
  g_mutex_lock (&self->lock);
  self->ftp_passive = relay_data;
  g_mutex_unlock (&self->lock);
}

void
op_test_fault_proxy_get_data_counts (OpTestFaultProxy *self,
                                     guint64          *downstream,
                                     guint64          *upstream)
{
  g_mutex_lock (&self->lock);
  if (downstream != NULL)
    *downstream = self->data_down;
  if (upstream != NULL)
    *upstream = self->data_up;
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
