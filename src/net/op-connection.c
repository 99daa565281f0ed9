/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-connection"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include <glib/gi18n.h>

#include "op-connection-private.h"
#include "op-tls-system-database.h"

/* How long to wait, after a connection attempt finished, for GSocketClient's other
 * happy-eyeballs attempts and name lookups to wind down before the private main context
 * is dropped. They normally end within milliseconds once cancelled. */
#define CONNECT_DRAIN_LIMIT_SECONDS 30


G_DEFINE_FINAL_TYPE (OpConnection, op_connection, G_TYPE_OBJECT)

G_DEFINE_QUARK (op-connection-error-quark, op_connection_error)

static void
op_connection_finalize (GObject *object)
{
  OpConnection *self = OP_CONNECTION (object);

  /* Not closed explicitly: the socket is closed when GSocket is finalized. Closing a TLS
   * connection politely would block to send close_notify, which dispose must not do. */
  g_clear_object (&self->inflate);
  g_clear_object (&self->deflate);
  g_clear_object (&self->tls);
  g_clear_object (&self->stream);
  self->socket_connection = NULL;
  g_clear_object (&self->base);
  g_clear_object (&self->verifier);
  g_clear_object (&self->log);
  g_clear_error (&self->verify_error);
  g_clear_pointer (&self->buffer, g_free);
  g_clear_pointer (&self->endpoint, g_free);
  g_clear_pointer (&self->host, g_free);

  G_OBJECT_CLASS (op_connection_parent_class)->finalize (object);
}

static void
op_connection_class_init (OpConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = op_connection_finalize;
}

static void
op_connection_init (OpConnection *self)
{
}

static char *
format_endpoint (const char *host,
                 guint16     port)
{
  /* RFC 3986 §3.2.2: an IPv6 literal is bracketed before a port. */
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);

  return g_strdup_printf ("%s:%u", host, port);
}

void
_op_connection_log_info (OpConnection   *self,
                         OpLogDirection  direction,
                         const char     *text)
{
  g_debug ("%s: %s", self->endpoint, text);
  if (self->log != NULL)
    op_protocol_log_append (self->log, direction, text);
}

static void
set_base (OpConnection *self,
          GIOStream    *base)
{
  g_set_object (&self->base, base);
  self->socket_connection = G_IS_SOCKET_CONNECTION (base) ? G_SOCKET_CONNECTION (base) : NULL;
}

static void
set_stream (OpConnection *self,
            GIOStream    *stream)
{
  g_set_object (&self->stream, stream);
  self->input = g_io_stream_get_input_stream (stream);
  self->output = g_io_stream_get_output_stream (stream);
}

static OpConnection *
connection_new (const char    *host,
                guint16        port,
                guint          timeout_seconds,
                OpTlsVerifier *verifier,
                OpProtocolLog *log)
{
  OpConnection *self = g_object_new (OP_TYPE_CONNECTION, NULL);

  self->host = g_strdup (host);
  self->port = port;
  self->endpoint = format_endpoint (host, port);
  self->timeout_seconds = timeout_seconds;
  g_set_object (&self->verifier, verifier);
  g_set_object (&self->log, log);

  return self;
}

/* Error helpers ---------------------------------------------------------------------- */

gboolean
_op_connection_check_open (OpConnection  *self,
                           GError       **error)
{
  if (!self->closed)
    return TRUE;

  g_set_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED,
               _("The connection to %s is closed. Connect again to continue."),
               self->endpoint);
  return FALSE;
}

void
_op_connection_abort (OpConnection *self)
{
  if (self->closed)
    return;

  self->closed = TRUE;
  self->start = self->end = 0;
  g_io_stream_close (self->base, NULL, NULL);
}

void
_op_connection_propagate_error (OpConnection  *self,
                                GError        *cause,
                                GError       **error)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      cause->domain == OP_CONNECTION_ERROR)
    {
      g_propagate_error (error, cause);
      return;
    }

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) && self->timeout_seconds == 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                 _("The server at %s did not answer in time. It may be busy or "
                   "unreachable; try again later."),
                 self->endpoint);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                 ngettext ("The server at %s did not answer within %u second. "
                           "It may be busy or unreachable; try again later.",
                           "The server at %s did not answer within %u seconds. "
                           "It may be busy or unreachable; try again later.",
                           self->timeout_seconds),
                 self->endpoint, self->timeout_seconds);
  else if (cause->domain == G_TLS_ERROR)
    /* GnuTLS's own words ("Error decoding the received TLS packet") say what broke, not
     * what it means or what to do. */
    g_set_error (error, cause->domain, cause->code,
                 _("The secure connection to %s broke off (%s). Try again; if it keeps "
                   "happening, something between you and the server is cutting or "
                   "changing the connection."),
                 self->endpoint, cause->message);
  else
    g_set_error (error, cause->domain, cause->code,
                 _("The connection to %s was lost: %s"), self->endpoint, cause->message);

  g_error_free (cause);
}

/* Connecting --------------------------------------------------------------------------- */

typedef struct
{
  GSocketConnection *connection;
  GError            *error;
  gboolean           done;
} ConnectResult;

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ConnectResult *res = user_data;

  res->connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result,
                                                    &res->error);
  res->done = TRUE;
}

static void
on_connectable_finalized (gpointer  user_data,
                          GObject  *where_the_object_was)
{
  GMainContext *context = user_data;

  /* May run on a resolver thread that dropped the last reference: wake the draining
   * loop. The weak reference holds its own reference to the context, because the loop
   * may see the address gone and return before this runs. */
  g_main_context_wakeup (context);
  g_main_context_unref (context);
}

static gboolean
on_drain_limit (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* A line protocol writes small pieces and waits for the answer; with Nagle a second small
 * write (the first command after the TLS handshake's last flight, the handshake's own
 * second record on an FTP data connection) waits for the peer's delayed ACK: 40 ms on
 * Linux, seen after every AUTH TLS on vsftpd and in every FTPS data connection's
 * handshake. curl and OpenSSH turn it off too. */
void
op_connection_set_no_delay (GSocketConnection *connection)
{
  GSocket *socket;

  g_return_if_fail (G_IS_SOCKET_CONNECTION (connection));

  socket = g_socket_connection_get_socket (connection);
  if (g_socket_get_protocol (socket) == G_SOCKET_PROTOCOL_TCP)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

GSocketClient *
op_connection_new_socket_client (guint timeout_seconds)
{
  GSocketClient *client = g_socket_client_new ();

  g_socket_client_set_timeout (client, timeout_seconds);
  /* The FTP data connection goes to the control connection's peer address (DESIGN.md:
   * the PASV address is ignored), which a proxy would hide; proxies are not supported
   * yet, so never pick one up silently from the environment, for either connection. */
  g_socket_client_set_enable_proxy (client, FALSE);
  return client;
}

/*
 * Connects with GSocketClient's asynchronous path because only that one races IPv6 and
 * IPv4 (RFC 8305 "happy eyeballs"): a host with a broken IPv6 route still connects
 * quickly over IPv4. It runs on a private main context on this (worker) thread, which
 * blocks here like a synchronous call.
 */
static GSocketConnection *
connect_socket (OpConnection  *self,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSocketClient) client = op_connection_new_socket_client (self->timeout_seconds);
  GSocketConnectable *connectable;
  ConnectResult res = { NULL, NULL, FALSE };
  GWeakRef connectable_ref;
  gboolean expired = FALSE;
  GSource *limit;


  connectable = g_network_address_new (self->host, self->port);
  g_weak_ref_init (&connectable_ref, connectable);
  g_object_weak_ref (G_OBJECT (connectable), on_connectable_finalized,
                     g_main_context_ref (context));

  g_main_context_push_thread_default (context);
  g_socket_client_connect_async (client, connectable, cancellable, on_connected, &res);
  g_object_unref (connectable);
  g_clear_object (&client);

  while (!res.done)
    g_main_context_iteration (context, TRUE);

  /* Lookups and losing connection attempts still hold the address until their
   * callbacks ran on this context; run them so nothing is left behind. */
  limit = g_timeout_source_new_seconds (CONNECT_DRAIN_LIMIT_SECONDS);
  g_source_set_callback (limit, on_drain_limit, &expired, NULL);
  g_source_attach (limit, context);
  while (!expired)
    {
      GObject *still_there = g_weak_ref_get (&connectable_ref);

      if (still_there == NULL)
        break;
      g_object_unref (still_there);
      g_main_context_iteration (context, TRUE);
    }
  g_source_destroy (limit);
  g_source_unref (limit);

  if (expired)
    {
      GObject *still_there = g_weak_ref_get (&connectable_ref);

      /* Keep the context alive for the stragglers rather than free it under them. */
      if (still_there != NULL)
        {
          g_object_weak_unref (still_there, on_connectable_finalized, context);
          g_main_context_unref (context);
          g_object_set_data_full (still_there, "op-connect-context",
                                  g_main_context_ref (context),
                                  (GDestroyNotify) g_main_context_unref);
          g_object_unref (still_there);
        }
      g_debug ("%s: connection attempts did not wind down in time", self->endpoint);
    }
  g_weak_ref_clear (&connectable_ref);

  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);

  if (res.error != NULL)
    {
      g_propagate_error (error, res.error);
      return NULL;
    }

  return res.connection;
}

static void
set_connect_error (OpConnection  *self,
                   GError        *cause,
                   GError       **error)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, cause);
      return;
    }

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) && self->timeout_seconds == 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                 _("Could not connect to %s: no answer in time. Check the host name and "
                   "port, or try again later."),
                 self->endpoint);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                 ngettext ("Could not connect to %s: no answer within %u second. "
                           "Check the host name and port, or try again later.",
                           "Could not connect to %s: no answer within %u seconds. "
                           "Check the host name and port, or try again later.",
                           self->timeout_seconds),
                 self->endpoint, self->timeout_seconds);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    g_set_error (error, cause->domain, cause->code,
                 _("%s refused the connection. Check the port number and that the "
                   "server is running."),
                 self->endpoint);
  else if (cause->domain == G_RESOLVER_ERROR)
    g_set_error (error, cause->domain, cause->code,
                 _("The address of %s could not be found (%s). Check the host name and "
                   "your network connection."),
                 self->endpoint, cause->message);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
           g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE))
    g_set_error (error, cause->domain, cause->code,
                 _("%s cannot be reached (%s). Check your network connection."),
                 self->endpoint, cause->message);
  else
    g_set_error (error, cause->domain, cause->code,
                 _("Could not connect to %s: %s"), self->endpoint, cause->message);

  g_error_free (cause);
}

/* TLS ------------------------------------------------------------------------------------ */

static char *
describe_certificate_errors (GTlsCertificateFlags errors)
{
  GPtrArray *reasons = g_ptr_array_new ();
  char *text;

  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    g_ptr_array_add (reasons, _("it is not signed by a known certificate authority"));
  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    g_ptr_array_add (reasons, _("it was issued for a different host name"));
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    g_ptr_array_add (reasons, _("it is not valid yet"));
  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    g_ptr_array_add (reasons, _("it has expired"));
  if (errors & G_TLS_CERTIFICATE_REVOKED)
    g_ptr_array_add (reasons, _("it has been revoked"));
  if (errors & G_TLS_CERTIFICATE_INSECURE)
    g_ptr_array_add (reasons, _("it uses an insecure algorithm"));
  if (reasons->len == 0)
    g_ptr_array_add (reasons, _("it could not be verified"));
  g_ptr_array_add (reasons, NULL);

  /* Translators: separates reasons why a certificate is refused */
  text = g_strjoinv (_("; "), (char **) reasons->pdata);
  g_ptr_array_unref (reasons);

  return text;
}

/*
 * GIO emits accept-certificate when verification against the system database found
 * problems. For a synchronous handshake it is emitted on the thread that called
 * g_tls_connection_handshake() — this worker — so the verifier may block there.
 */
static gboolean
on_accept_certificate (GTlsConnection       *tls,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  OpConnection *self = user_data;
  g_autofree char *reasons = describe_certificate_errors (errors);
  g_autofree char *text = NULL;

  g_clear_error (&self->verify_error);
  self->certificate_errors = errors;

  text = g_strdup_printf (_("The system does not trust the certificate: %s"), reasons);
  _op_connection_log_info (self, OP_LOG_TLS, text);

  if (self->verifier == NULL)
    {
      self->certificate_refused = TRUE;
      return FALSE;
    }

  if (op_tls_verifier_verify (self->verifier, self->host, self->port, certificate, errors,
                              self->handshake_cancellable, &self->verify_error))
    {
      _op_connection_log_info (self, OP_LOG_TLS,
                               _("The certificate was accepted by the trust settings."));
      return TRUE;
    }

  if (self->verify_error == NULL)
    g_set_error (&self->verify_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                 _("The certificate of %s was refused."), self->endpoint);
  _op_connection_log_info (self, OP_LOG_TLS, self->verify_error->message);

  return FALSE;
}

static const char *
protocol_version_name (GTlsProtocolVersion version)
{
  switch (version)
    {
    case G_TLS_PROTOCOL_VERSION_SSL_3_0:
      return "SSL 3.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_0:
      return "TLS 1.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_1:
      return "TLS 1.1";
    case G_TLS_PROTOCOL_VERSION_TLS_1_2:
      return "TLS 1.2";
    case G_TLS_PROTOCOL_VERSION_TLS_1_3:
      return "TLS 1.3";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_0:
      return "DTLS 1.0";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_2:
      return "DTLS 1.2";
    case G_TLS_PROTOCOL_VERSION_UNKNOWN:
    default:
      return NULL;
    }
}

static void
log_tls_state (OpConnection *self)
{
  GTlsCertificate *certificate = g_tls_connection_get_peer_certificate (self->tls);
  const char *version = protocol_version_name (g_tls_connection_get_protocol_version (self->tls));
  g_autofree char *cipher = g_tls_connection_get_ciphersuite_name (self->tls);
  g_autofree char *text = NULL;

  text = g_strdup_printf (_("Secure connection established: %s, %s"),
                          version != NULL ? version : _("unknown protocol version"),
                          cipher != NULL ? cipher : _("unknown cipher"));
  _op_connection_log_info (self, OP_LOG_TLS, text);

  if (certificate != NULL)
    {
      g_autofree char *subject = g_tls_certificate_get_subject_name (certificate);
      g_autofree char *issuer = g_tls_certificate_get_issuer_name (certificate);
      g_autofree char *cert_text = NULL;

      cert_text = g_strdup_printf (_("Server certificate: %s, issued by %s"),
                                   subject != NULL ? subject : "?",
                                   issuer != NULL ? issuer : "?");
      _op_connection_log_info (self, OP_LOG_TLS, cert_text);
    }
}

/* Runs the client handshake over the current stream and makes the TLS connection the
 * current stream. On failure the connection is closed. */
static gboolean
handshake (OpConnection  *self,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GIOStream) tls_stream = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GError) local_error = NULL;
  gulong handler;
  gboolean ok;

  g_assert (self->tls == NULL);

  /* The identity is the name the user asked for (SNI and the name checked against the
   * certificate), never the resolved address. */
  identity = g_network_address_new (self->host, self->port);
  /* The system store through op_tls_system_database_get(): parsed once per process, not
   * once more for every connection's credentials. */
  tls_stream = g_initable_new (g_tls_backend_get_client_connection_type (g_tls_backend_get_default ()),
                               NULL, &local_error,
                               "base-io-stream", self->stream,
                               "server-identity", identity,
                               "database", op_tls_system_database_get (),
                               NULL);
  if (tls_stream == NULL)
    {
      _op_connection_abort (self);
      g_set_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_TLS,
                   _("TLS is not available (%s). Install glib-networking with its "
                     "GnuTLS backend."),
                   local_error->message);
      return FALSE;
    }

  self->certificate_refused = FALSE;
  self->certificate_errors = 0;
  g_clear_error (&self->verify_error);
  self->handshake_cancellable = cancellable;

  handler = g_signal_connect (tls_stream, "accept-certificate",
                              G_CALLBACK (on_accept_certificate), self);
  ok = g_tls_connection_handshake (G_TLS_CONNECTION (tls_stream), cancellable, &local_error);
  g_signal_handler_disconnect (tls_stream, handler);

  self->handshake_cancellable = NULL;

  if (!ok)
    {
      g_autoptr(GError) failure = NULL;

      _op_connection_abort (self);

      if (self->verify_error != NULL)
        {
          failure = g_steal_pointer (&self->verify_error);
        }
      else if (self->certificate_refused)
        {
          g_autofree char *reasons = describe_certificate_errors (self->certificate_errors);

          g_set_error (&failure, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                       _("The certificate of %s is not trusted: %s. Nothing was sent. If "
                         "you trust this server, check its certificate and accept it in "
                         "the connection settings."),
                       self->endpoint, reasons);
        }
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
               g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          _op_connection_propagate_error (self, g_steal_pointer (&local_error), &failure);
        }
      else
        {
          g_autofree char *reason = g_strdup (local_error->message);
          gsize len = strlen (reason);

          /* GnuTLS's messages end with a full stop; this sentence adds its own. */
          while (len > 0 && (reason[len - 1] == '.' || g_ascii_isspace (reason[len - 1])))
            reason[--len] = '\0';
          g_set_error (&failure, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_TLS,
                       _("The secure connection to %s could not be set up: %s. The "
                         "server may not offer TLS on this port."),
                       self->endpoint, reason);
        }

      _op_connection_log_info (self, OP_LOG_TLS, failure->message);
      g_propagate_error (error, g_steal_pointer (&failure));

      return FALSE;
    }

  self->tls = G_TLS_CONNECTION (g_object_ref (tls_stream));
  set_stream (self, tls_stream);
  log_tls_state (self);

  return TRUE;
}

/* Public API -------------------------------------------------------------------------- */

OpConnection *
op_connection_connect (const char     *host,
                       guint16         port,
                       gboolean        implicit_tls,
                       guint           timeout_seconds,
                       OpTlsVerifier  *verifier,
                       OpProtocolLog  *log,
                       GCancellable   *cancellable,
                       GError        **error)
{
  g_autoptr(OpConnection) self = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GSocketAddress) peer = NULL;
  g_autofree char *text = NULL;
  GSocketConnection *socket_connection;

  g_return_val_if_fail (host != NULL && *host != '\0', NULL);
  g_return_val_if_fail (port > 0, NULL);
  g_return_val_if_fail (verifier == NULL || OP_IS_TLS_VERIFIER (verifier), NULL);
  g_return_val_if_fail (log == NULL || OP_IS_PROTOCOL_LOG (log), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = connection_new (host, port, timeout_seconds, verifier, log);

  text = g_strdup_printf (_("Connecting to %s…"), self->endpoint);
  _op_connection_log_info (self, OP_LOG_INFO, text);

  socket_connection = connect_socket (self, cancellable, &local_error);
  if (socket_connection == NULL)
    {
      g_autoptr(GError) connect_error = NULL;

      set_connect_error (self, g_steal_pointer (&local_error), &connect_error);
      _op_connection_log_info (self, OP_LOG_INFO, connect_error->message);
      g_propagate_error (error, g_steal_pointer (&connect_error));
      return NULL;
    }

  op_connection_set_no_delay (socket_connection);
  set_base (self, G_IO_STREAM (socket_connection));
  set_stream (self, G_IO_STREAM (socket_connection));
  g_object_unref (socket_connection);

  peer = g_socket_connection_get_remote_address (socket_connection, NULL);
  if (G_IS_INET_SOCKET_ADDRESS (peer))
    {
      g_autofree char *address = g_inet_address_to_string (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (peer)));
      g_autofree char *where = format_endpoint (address, port);

      g_free (text);
      text = g_strdup_printf (_("Connected to %s"), where);
      _op_connection_log_info (self, OP_LOG_INFO, text);
    }

  if (implicit_tls && !handshake (self, cancellable, error))
    return NULL;

  return g_steal_pointer (&self);
}

OpConnection *
op_connection_new_for_stream (GIOStream     *stream,
                              const char    *host,
                              guint16        port,
                              OpTlsVerifier *verifier,
                              OpProtocolLog *log)
{
  OpConnection *self;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (host != NULL && *host != '\0', NULL);
  g_return_val_if_fail (verifier == NULL || OP_IS_TLS_VERIFIER (verifier), NULL);
  g_return_val_if_fail (log == NULL || OP_IS_PROTOCOL_LOG (log), NULL);

  self = connection_new (host, port, 0, verifier, log);
  set_base (self, stream);
  set_stream (self, stream);

  return self;
}

gboolean
op_connection_start_tls (OpConnection  *self,
                         GCancellable  *cancellable,
                         GError       **error)
{
  gssize waiting = 0;

  g_return_val_if_fail (OP_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (self->tls == NULL, FALSE);
  g_return_val_if_fail (self->deflate == NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_op_connection_check_open (self, error))
    return FALSE;

  /* Bytes that already reached the kernel count as well as those in our buffer. */
  if (self->socket_connection != NULL)
    {
      GSocket *socket = g_socket_connection_get_socket (self->socket_connection);

      waiting = g_socket_get_available_bytes (socket);
    }

  if (self->end > self->start || waiting > 0)
    {
      g_autofree char *text = NULL;

      text = g_strdup_printf (ngettext ("%lu byte arrived after the go-ahead for TLS",
                                        "%lu bytes arrived after the go-ahead for TLS",
                                        (gulong) (self->end - self->start + MAX (waiting, 0))),
                              (gulong) (self->end - self->start + MAX (waiting, 0)));
      _op_connection_log_info (self, OP_LOG_TLS, text);
      _op_connection_abort (self);
      g_set_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_STARTTLS_INJECTION,
                   _("%s sent data after agreeing to start TLS and before the secure "
                     "connection began. This may be an attack injecting responses, so the "
                     "connection was closed. Try again later; if it happens again, your "
                     "network or the server may be compromised."),
                   self->endpoint);
      return FALSE;
    }

  _op_connection_log_info (self, OP_LOG_TLS, _("Starting TLS"));

  return handshake (self, cancellable, error);
}

gboolean
op_connection_close (OpConnection  *self,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (OP_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->closed)
    return TRUE;

  self->closed = TRUE;
  self->start = self->end = 0;
  _op_connection_log_info (self, OP_LOG_INFO, _("Closing the connection"));

  if (!g_io_stream_close (self->stream, cancellable, &local_error))
    {
      /* The TLS close may fail when the peer is gone already; the socket must still
       * be released. */
      if (self->tls != NULL)
        g_io_stream_close (self->base, NULL, NULL);
      _op_connection_propagate_error (self, g_steal_pointer (&local_error), error);
      return FALSE;
    }

  return TRUE;
}

const char *
op_connection_get_host (OpConnection *self)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), NULL);

  return self->host;
}

guint16
op_connection_get_port (OpConnection *self)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), 0);

  return self->port;
}

gboolean
op_connection_is_tls (OpConnection *self)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), FALSE);

  return self->tls != NULL;
}

gboolean
op_connection_is_closed (OpConnection *self)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), TRUE);

  return self->closed;
}

GTlsCertificate *
op_connection_get_peer_certificate (OpConnection *self)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), NULL);

  if (self->tls == NULL)
    return NULL;

  return g_tls_connection_get_peer_certificate (self->tls);
}

GIOStream *
op_connection_get_stream (OpConnection *self)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), NULL);

  return self->stream;
}

GInetSocketAddress *
op_connection_get_peer_address (OpConnection *self)
{
  g_autoptr(GSocketAddress) address = NULL;

  g_return_val_if_fail (OP_IS_CONNECTION (self), NULL);

  if (self->socket_connection == NULL)
    return NULL;

  address = g_socket_connection_get_remote_address (self->socket_connection, NULL);
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;

  return G_INET_SOCKET_ADDRESS (g_steal_pointer (&address));
}

OpProtocolLog *
op_connection_get_log (OpConnection *self)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), NULL);

  return self->log;
}

GSocket *
op_connection_get_socket (OpConnection *self)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), NULL);

  return self->socket_connection != NULL
         ? g_socket_connection_get_socket (self->socket_connection) : NULL;
}

guint
op_connection_set_timeout (OpConnection *self,
                           guint         seconds)
{
  GSocket *socket;
  guint previous;

  g_return_val_if_fail (OP_IS_CONNECTION (self), 0);

  previous = self->timeout_seconds;
  self->timeout_seconds = seconds;
  socket = op_connection_get_socket (self);
  if (socket != NULL)
    g_socket_set_timeout (socket, seconds);
  return previous;
}
