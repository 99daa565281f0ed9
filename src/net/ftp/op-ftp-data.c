/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ftp"

#include "config.h"

#include <glib/gi18n.h>

#include "op-connection.h"
#include "op-ftp-client-private.h"

/*
 * The data channel (RFC 959 §3.2, RFC 2428, RFC 4217 §9): one connection per transfer or
 * listing, passive (EPSV, then PASV) or active (EPRT, then PORT), under TLS when PROT P
 * is in force, resuming the control connection's TLS session.
 */

/* How long ABOR and the re-synchronising NOOP may take before the session is given up. */
#define ABORT_TIMEOUT_SECONDS 5

struct _OpFtpData
{
  GSocket           *listener;   /* active mode, until the server connects */
  GSocketConnection *socket;
  GIOStream         *stream;     /* @socket, or the TLS connection over it */
};

void
_op_ftp_data_free (OpFtpData *d)
{
  if (d == NULL)
    return;
  if (d->stream != NULL)
    g_io_stream_close (d->stream, NULL, NULL);
  if (d->socket != NULL)
    g_io_stream_close (G_IO_STREAM (d->socket), NULL, NULL);
  if (d->listener != NULL)
    g_socket_close (d->listener, NULL);
  g_clear_object (&d->stream);
  g_clear_object (&d->socket);
  g_clear_object (&d->listener);
  g_free (d);
}

GIOStream *
_op_ftp_data_get_stream (OpFtpData *d)
{
  return d->stream;
}

static OpConnection *
control (OpFtpClient *self)
{
  return op_session_get_connection (OP_SESSION (self));
}

static GSocketConnection *
connect_data (OpFtpClient          *self,
              const OpFtpSettings  *s,
              GInetAddress         *address,
              guint16               port,
              GCancellable         *cancellable,
              GError              **error)
{
  /* The control connection's policy: a proxy would take the data connection elsewhere
   * than the control connection's peer, or nowhere. */
  g_autoptr(GSocketClient) client = op_connection_new_socket_client (s->timeout);
  g_autoptr(GSocketAddress) target = g_inet_socket_address_new (address, port);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *shown = g_inet_address_to_string (address);
  GSocketConnection *conn;

  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (target), cancellable,
                                  &local_error);
  if (conn == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                     _("Could not open the data connection to %s port %u: %s. A firewall "
                       "may block it; try the other transfer mode (active or passive)."),
                     shown, port, local_error->message);
      return NULL;
    }
  op_connection_set_no_delay (conn);
  op_protocol_log_append_printf (op_session_get_log (OP_SESSION (self)), OP_LOG_INFO,
                                 _("Data connection to %s port %u"), shown, port);
  return conn;
}

/* EPSV (RFC 2428), then PASV. The address inside a PASV reply is ignored unless the site
 * trusts it (DESIGN.md "Hostile input": it could point our connection anywhere). */
static gboolean
open_passive (OpFtpClient          *self,
              const OpFtpSettings  *s,
              OpFtpData            *d,
              GCancellable         *cancellable,
              GError              **error)
{
  g_autoptr(GInetSocketAddress) peer = op_connection_get_peer_address (control (self));
  g_autoptr(OpFtpReply) reply = NULL;
  g_autofree char *given = NULL;
  g_autoptr(GInetAddress) trusted = NULL;
  GInetAddress *address;
  guint16 port = 0;

  if (peer == NULL)
    {
      g_set_error_literal (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                           _("The control connection has no network address to open a "
                             "data connection to."));
      return FALSE;
    }
  address = g_inet_socket_address_get_address (peer);

  if (!self->w_epsv_failed)
    {
      reply = op_session_command (OP_SESSION (self), "EPSV", NULL, OP_SEND_PLAIN, cancellable,
                                  error);
      if (reply == NULL)
        return FALSE;
      if (reply->code == 229)
        {
          if (!op_ftp_reply_parse_epsv (reply, &port, error))
            return FALSE;
          d->socket = connect_data (self, s, address, port, cancellable, error);
          return d->socket != NULL;
        }
      /* Remember a server without EPSV; one that refuses it for another reason (4xx)
       * is asked again next time. */
      if (OP_FTP_REPLY_CLASS (reply) == 5)
        self->w_epsv_failed = TRUE;
      g_clear_pointer (&reply, op_ftp_reply_free);
    }

  if (g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV4)
    {
      g_set_error_literal (error, OP_FTP_ERROR, OP_FTP_ERROR_UNSUPPORTED,
                           _("The server does not support passive mode over IPv6 (EPSV). "
                             "Try active mode."));
      return FALSE;
    }

  reply = _op_ftp_client_command_expect (self, "PASV", NULL, 2, OP_FTP_COMMAND_DATA,
                                         cancellable, error);
  if (reply == NULL || !op_ftp_reply_parse_pasv (reply, &given, &port, error))
    return FALSE;
  if (s->trust_pasv)
    trusted = g_inet_address_new_from_string (given);
  d->socket = connect_data (self, s, trusted != NULL ? trusted : address, port, cancellable,
                            error);
  return d->socket != NULL;
}

/* The control connection's socket, under its TLS layer when there is one. */
static GSocket *
control_socket (OpFtpClient *self)
{
  return op_connection_get_socket (control (self));
}

/* EPRT, then PORT: listen on the control connection's local address. */
static gboolean
open_active (OpFtpClient          *self,
             const OpFtpSettings  *s,
             OpFtpData            *d,
             GCancellable         *cancellable,
             GError              **error)
{
  GSocket *socket = control_socket (self);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocketAddress) any_port = NULL;
  g_autoptr(OpFtpReply) reply = NULL;
  g_autofree char *host = NULL;
  g_autofree char *eprt = NULL;
  GInetAddress *address;
  guint16 port;
  GSocketFamily family;

  if (socket == NULL || (local = g_socket_get_local_address (socket, error)) == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                             _("Active mode needs a network connection to the server."));
      return FALSE;
    }
  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
  family = g_inet_address_get_family (address);
  d->listener = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (d->listener == NULL)
    return FALSE;
  any_port = g_inet_socket_address_new (address, 0);
  if (!g_socket_bind (d->listener, any_port, FALSE, error) ||
      !g_socket_listen (d->listener, error))
    return FALSE;
  bound = g_socket_get_local_address (d->listener, error);
  if (bound == NULL)
    return FALSE;
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  host = g_inet_address_to_string (address);

  /* RFC 2428 §2: EPRT |1|132.235.1.2|6275| */
  eprt = g_strdup_printf ("|%d|%s|%u|", family == G_SOCKET_FAMILY_IPV6 ? 2 : 1, host, port);
  reply = op_session_command (OP_SESSION (self), "EPRT", eprt, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (OP_FTP_REPLY_CLASS (reply) == 2)
    return TRUE;
  if (family != G_SOCKET_FAMILY_IPV4)
    {
      g_propagate_error (error, op_ftp_error_from_reply (reply, "EPRT", OP_FTP_COMMAND_DATA));
      return FALSE;
    }
  g_clear_pointer (&reply, op_ftp_reply_free);
  {
    g_auto(GStrv) parts = g_strsplit (host, ".", 4);
    g_autofree char *arg = g_strdup_printf ("%s,%s,%s,%s,%u,%u", parts[0], parts[1],
                                            parts[2], parts[3], port >> 8, port & 0xff);

    reply = _op_ftp_client_command_expect (self, "PORT", arg, 2, OP_FTP_COMMAND_DATA,
                                           cancellable, error);
  }
  return reply != NULL;
}

OpFtpData *
_op_ftp_data_prepare (OpFtpClient          *self,
                      const OpFtpSettings  *s,
                      GCancellable         *cancellable,
                      GError              **error)
{
  g_autoptr(OpFtpData) d = g_new0 (OpFtpData, 1);
  gboolean ok;

  if (s->data_mode == OP_FTP_DATA_ACTIVE)
    ok = open_active (self, s, d, cancellable, error);
  else
    ok = open_passive (self, s, d, cancellable, error);
  return ok ? g_steal_pointer (&d) : NULL;
}

static gboolean
accept_same_certificate (GTlsConnection       *conn,
                         GTlsCertificate      *peer,
                         GTlsCertificateFlags  errors,
                         gpointer              user_data)
{
  GTlsCertificate *control_cert = user_data;

  /* The control connection's certificate was verified (or trusted by the user); the
   * data connection must present that same one. */
  return control_cert != NULL && g_tls_certificate_is_same (peer, control_cert);
}

/* Active mode: the server's connection, from the server's address only. */
static gboolean
accept_active (OpFtpClient          *self,
               const OpFtpSettings  *s,
               OpFtpData            *d,
               GCancellable         *cancellable,
               GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GSocket) accepted = NULL;
  g_autoptr(GInetSocketAddress) peer = op_connection_get_peer_address (control (self));
  g_autoptr(GSocketAddress) remote = NULL;

  g_socket_set_timeout (d->listener, s->timeout);
  accepted = g_socket_accept (d->listener, cancellable, &local_error);
  if (accepted == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                     _("The server did not open the data connection (active mode): "
                       "%s. A firewall may block it; try passive mode."),
                     local_error->message);
      return FALSE;
    }
  remote = g_socket_get_remote_address (accepted, NULL);
  /* Only the server may connect: anyone else could feed us a file. */
  if (peer == NULL || remote == NULL ||
      !g_inet_address_equal (g_inet_socket_address_get_address (peer),
                             g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote))))
    {
      g_set_error_literal (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                           _("A data connection came from an address other than the "
                             "server’s and was refused."));
      return FALSE;
    }
  g_socket_set_timeout (accepted, s->timeout);
  d->socket = g_socket_connection_factory_create_connection (accepted);
  op_connection_set_no_delay (d->socket);
  g_socket_close (d->listener, NULL);
  g_clear_object (&d->listener);
  return TRUE;
}

/* After the server's 1yz reply: accept the active connection, then TLS (PROT P), resuming
 * the control connection's session: vsftpd and ProFTPD refuse a data connection that
 * does not (testing.md "FTP"). */
static gboolean
data_start (OpFtpClient          *self,
            const OpFtpSettings  *s,
            OpFtpData            *d,
            GCancellable         *cancellable,
            GError              **error)
{
  OpConnection *conn = control (self);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  GIOStream *control_stream;
  GTlsCertificate *control_cert;
  GIOStream *tls;

  if (d->listener != NULL && !accept_active (self, s, d, cancellable, error))
    return FALSE;

  if (!self->w_prot_p)
    {
      d->stream = g_object_ref (G_IO_STREAM (d->socket));
      return TRUE;
    }

  control_stream = op_connection_get_stream (conn);
  control_cert = op_connection_get_peer_certificate (conn);
  identity = g_network_address_new (op_session_get_host (OP_SESSION (self)),
                                    op_session_get_port (OP_SESSION (self)));
  /* No database: the data connection's certificate is held to the control connection's
   * (accept_same_certificate()), never to the system store. glib-networking's GnuTLS
   * backend builds each connection's credentials from its database, parsing the whole
   * system trust store (~140 certificates, a few ms of CPU) every time: for every file
   * of a queue and every listing, for nothing. */
  tls = g_initable_new (g_tls_backend_get_client_connection_type (g_tls_backend_get_default ()),
                        NULL, &local_error,
                        "base-io-stream", d->socket,
                        "server-identity", identity,
                        "database", NULL,
                        NULL);
  if (tls == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  d->stream = tls;
  if (G_IS_TLS_CLIENT_CONNECTION (control_stream))
    g_tls_client_connection_copy_session_state (G_TLS_CLIENT_CONNECTION (tls),
                                                G_TLS_CLIENT_CONNECTION (control_stream));
  /* The 226 on the (protected) control connection and the size check confirm the end
   * of a transfer; some servers close data connections without close_notify. */
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_same_certificate),
                    control_cert);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                     _("The encrypted data connection failed: %s"), local_error->message);
      return FALSE;
    }
  g_signal_handlers_disconnect_by_func (tls, accept_same_certificate, control_cert);
  return TRUE;
}

/*
 * Ends an upload's data connection. Closing a socket whose receive queue still holds
 * bytes makes Linux send RST instead of FIN, and the server then loses the data in
 * flight ("426 Failure reading network stream" from vsftpd): with TLS 1.3 the server's
 * session tickets sit there unread. So: close_notify, shut down our sending side, read
 * until the server closes, and only then close.
 */
gboolean
_op_ftp_data_end_upload (OpFtpData     *d,
                         GCancellable  *cancellable,
                         GError       **error)
{
  GSocket *socket = g_socket_connection_get_socket (d->socket);
  GInputStream *in = g_io_stream_get_input_stream (d->stream);
  char drain[4096];

  if (!g_output_stream_close (g_io_stream_get_output_stream (d->stream), cancellable, error))
    return FALSE;
  if (!g_socket_shutdown (socket, FALSE, TRUE, error))
    return FALSE;
  /* Errors here only mean the server closed abruptly after taking everything; its final
   * reply on the control connection says whether the file arrived. */
  for (guint i = 0; i < 1024; i++)
    {
      gssize n = g_input_stream_read (in, drain, sizeof drain, cancellable, NULL);
      if (n <= 0)
        break;
    }
  g_io_stream_close (d->stream, NULL, NULL);
  return TRUE;
}

/*
 * Ends a transfer that did not finish: close the data connection, ABOR, then NOOP, and
 * read replies until NOOP's 200 — servers answer ABOR with one or two replies (426 and
 * 226, or 225, or the transfer's own 226), so NOOP is the marker that re-synchronises the
 * reply stream. A server that does not answer within ABORT_TIMEOUT_SECONDS is dropped:
 * the session is usable afterwards or clearly disconnected, never half-way.
 */
static void
abort_transfer (OpFtpClient  *self,
                OpFtpData    *d,
                OpFtpReply  **why)
{
  OpSession *session = OP_SESSION (self);
  guint previous;
  gboolean synced = FALSE;

  if (d != NULL)
    {
      g_clear_pointer (&d->stream, g_object_unref);
      if (d->socket != NULL)
        g_io_stream_close (G_IO_STREAM (d->socket), NULL, NULL);
    }
  if (!op_session_is_connected (session))
    return;

  previous = op_session_set_io_timeout (session, ABORT_TIMEOUT_SECONDS);
  if (op_session_send (OP_SESSION (self), "ABOR", NULL, OP_SEND_PLAIN, NULL, NULL) &&
      op_session_send (OP_SESSION (self), "NOOP", NULL, OP_SEND_PLAIN, NULL, NULL))
    {
      for (guint i = 0; i < 6 && op_session_is_connected (session); i++)
        {
          g_autoptr(OpFtpReply) reply = _op_ftp_client_read_reply (self, TRUE, NULL, NULL);

          if (reply == NULL)
            break;
          if (reply->code == 200)
            {
              synced = TRUE;
              break;
            }
          if (why != NULL && *why == NULL && OP_FTP_REPLY_CLASS (reply) >= 4)
            *why = g_steal_pointer (&reply);
        }
    }
  if (!synced)
    {
      op_session_disconnect (session);
      return;
    }
  op_session_set_in_command (session, FALSE);
  op_session_set_io_timeout (session, previous);
}

/* What a failure reply to a transfer is about: a 425/522 while the data connection is
 * protected is about its TLS (op-ftp-error.c tells a refused session reuse from others). */
static OpFtpCommandKind
transfer_reply_kind (OpFtpClient      *self,
                     const OpFtpReply *reply,
                     OpFtpCommandKind  kind)
{
  if (self->w_prot_p && (reply->code == 425 || reply->code == 522))
    return OP_FTP_COMMAND_TLS_DATA;
  return kind;
}

/* Aborts a transfer that failed after the server's 1yz and, when the server said why
 * (vsftpd's "522 … session reuse required" after a refused TLS resumption), reports the
 * server's reason instead of the bare symptom. */
void
_op_ftp_abort_and_explain (OpFtpClient  *self,
                           OpFtpData    *d,
                           const char   *verb,
                           GError      **error)
{
  g_autoptr(OpFtpReply) why = NULL;

  abort_transfer (self, d, &why);
  if (why != NULL && *error != NULL &&
      !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      GError *server = op_ftp_error_from_reply (why, verb,
                                                transfer_reply_kind (self, why,
                                                                     OP_FTP_COMMAND_DATA));

      if (server->code == OP_FTP_ERROR_TLS_SESSION_REUSE ||
          g_error_matches (*error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST))
        {
          g_autofree char *symptom = g_strdup ((*error)->message);

          g_clear_error (error);
          /* Translators: what went wrong, then the server's explanation, two sentences:
           * "The data connection was closed. The server refused …" */
          g_set_error (error, OP_FTP_ERROR,
                       server->code == OP_FTP_ERROR_TLS_SESSION_REUSE
                       ? OP_FTP_ERROR_TLS_SESSION_REUSE : OP_FTP_ERROR_CONNECTION_LOST,
                       _("%s %s"), symptom, server->message);
        }
      g_error_free (server);
    }
}

void
_op_ftp_transfer_error (GError  **error,
                        GError   *cause,
                        guint64   moved)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      cause->domain == OP_FTP_ERROR)
    {
      g_propagate_error (error, cause);
      return;
    }
  g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
               _("The transfer stopped after %llu bytes: %s"),
               (unsigned long long) moved, cause->message);
  g_error_free (cause);
}

gboolean
_op_ftp_start_transfer (OpFtpClient          *self,
                        const OpFtpSettings  *s,
                        OpFtpData            *d,
                        const char           *verb,
                        const char           *wire_path,
                        guint64               offset,
                        OpFtpCommandKind      kind,
                        gboolean             *started,
                        GCancellable         *cancellable,
                        GError              **error)
{
  g_autoptr(OpFtpReply) reply = NULL;

  *started = FALSE;
  self->w_announced_size = -1;
  if (offset > 0)
    {
      g_autofree char *rest = g_strdup_printf ("%" G_GUINT64_FORMAT, offset);

      reply = _op_ftp_client_command_expect (self, "REST", rest, 3, OP_FTP_COMMAND_OTHER,
                                             cancellable, error);
      if (reply == NULL)
        return FALSE;
      g_clear_pointer (&reply, op_ftp_reply_free);
    }

  if (!op_session_send (OP_SESSION (self), verb, wire_path, OP_SEND_PLAIN, cancellable, error))
    return FALSE;
  reply = _op_ftp_client_read_reply (self, TRUE, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (OP_FTP_REPLY_CLASS (reply) != 1)
    {
      /* Some servers answer an empty folder's NLST with 450/550 "No files found". */
      g_propagate_error (error, _op_ftp_client_reply_error (reply, verb,
                                                            transfer_reply_kind (self, reply,
                                                                                 kind)));
      return FALSE;
    }
  *started = TRUE;
  {
    guint64 announced;

    self->w_announced_size = op_ftp_reply_parse_announced_size (reply, &announced)
                             ? (gint64) announced : -1;
  }
  return data_start (self, s, d, cancellable, error);
}

gboolean
_op_ftp_finish_transfer (OpFtpClient       *self,
                         const char        *verb,
                         OpFtpCommandKind   kind,
                         guint64            moved,
                         GCancellable      *cancellable,
                         GError           **error)
{
  g_autoptr(OpFtpReply) reply = _op_ftp_client_read_reply (self, FALSE, cancellable, error);

  if (reply == NULL)
    return FALSE;
  if (OP_FTP_REPLY_CLASS (reply) == 2)
    return TRUE;
  if (reply->code == 426 || reply->code == 451)
    g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                 _("The server ended the transfer after %llu bytes: “%u %s”"),
                 (unsigned long long) moved, reply->code, reply->text);
  else
    g_propagate_error (error, op_ftp_error_from_reply (reply, verb,
                                                       transfer_reply_kind (self, reply, kind)));
  return FALSE;
}
