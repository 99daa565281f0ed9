/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-connection"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include <glib/gi18n.h>

#include "op-connection.h"
#include "op-secret.h"
#include "op-tls-system-database.h"

/* The first allocation of the read buffer; it grows to the largest line length a caller
 * allows (plus CRLF), never beyond. */
#define INITIAL_BUFFER_SIZE 4096

/* How long to wait, after a connection attempt finished, for GSocketClient's other
 * happy-eyeballs attempts and name lookups to wind down before the private main context
 * is dropped. They normally end within milliseconds once cancelled. */
#define CONNECT_DRAIN_LIMIT_SECONDS 30

struct _OpConnection
{
  GObject             parent_instance;

  char               *host;
  guint16             port;
  char               *endpoint;      /* "host:port" or "[v6]:port", for messages */
  guint               timeout_seconds;
  OpTlsVerifier      *verifier;
  OpProtocolLog      *log;
  gboolean            quiet_lines;   /* read_line does not log each line */

  GIOStream          *base;          /* the plain stream: a socket connection or a given stream */
  GSocketConnection  *socket_connection; /* (nullable) (unowned): @base, if it is a socket */
  GIOStream          *stream;        /* @base, or the TLS connection over it */
  GTlsConnection     *tls;           /* (nullable) */
  GInputStream       *input;         /* (unowned): of @stream */
  GOutputStream      *output;        /* (unowned): of @stream */

  /* The line reader's own buffer: bytes [start, end) are read but not yet consumed. */
  guint8             *buffer;
  gsize               buffer_size;
  gsize               start;
  gsize               end;

  gboolean            closed;

  /* RFC 8054 COMPRESS DEFLATE (op_connection_start_compression()): @input and @output
   * then point at these, over the streams of @stream. */
  GInputStream       *inflate;       /* (nullable) */
  GOutputStream      *deflate;       /* (nullable) */

  /* State of one handshake, read by the accept-certificate handler. */
  GCancellable       *handshake_cancellable;
  GError             *verify_error;        /* the verifier's reason for a refusal */
  gboolean            certificate_refused; /* refused without a verifier */
  GTlsCertificateFlags certificate_errors;
};

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

static void
log_info (OpConnection   *self,
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

static gboolean
check_open (OpConnection  *self,
            GError       **error)
{
  if (!self->closed)
    return TRUE;

  g_set_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED,
               _("The connection to %s is closed. Connect again to continue."),
               self->endpoint);
  return FALSE;
}

/* Closes the socket at once, without a TLS close_notify: used when the peer misbehaved
 * and nothing more should be read from or written to it. */
static void
abort_connection (OpConnection *self)
{
  if (self->closed)
    return;

  self->closed = TRUE;
  self->start = self->end = 0;
  g_io_stream_close (self->base, NULL, NULL);
}

/* Turns an error from a read or write into one that names the server; cancellation and
 * our own errors pass through untouched. The domain and code stay GIO's. */
static void
propagate_io_error (OpConnection  *self,
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

/**
 * op_connection_set_no_delay:
 * @connection: a TCP connection just made
 *
 * Turns off Nagle's algorithm. A line protocol writes small pieces and waits for the
 * answer; with Nagle a second small write (the first command after the TLS handshake's
 * last flight, the handshake's own second record on an FTP data connection) waits for
 * the peer's delayed ACK: 40 ms on Linux, seen after every AUTH TLS on vsftpd and in
 * every FTPS data connection's handshake. curl and OpenSSH turn it off too.
 */
void
op_connection_set_no_delay (GSocketConnection *connection)
{
  GSocket *socket;

  g_return_if_fail (G_IS_SOCKET_CONNECTION (connection));

  socket = g_socket_connection_get_socket (connection);
  if (g_socket_get_protocol (socket) == G_SOCKET_PROTOCOL_TCP)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

/**
 * op_connection_new_socket_client:
 *
 * Returns: (transfer full): a socket client with the session's timeout and proxy policy
 */
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
  log_info (self, OP_LOG_TLS, text);

  if (self->verifier == NULL)
    {
      self->certificate_refused = TRUE;
      return FALSE;
    }

  if (op_tls_verifier_verify (self->verifier, self->host, self->port, certificate, errors,
                              self->handshake_cancellable, &self->verify_error))
    {
      log_info (self, OP_LOG_TLS, _("The certificate was accepted by the trust settings."));
      return TRUE;
    }

  if (self->verify_error == NULL)
    g_set_error (&self->verify_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                 _("The certificate of %s was refused."), self->endpoint);
  log_info (self, OP_LOG_TLS, self->verify_error->message);

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
  log_info (self, OP_LOG_TLS, text);

  if (certificate != NULL)
    {
      g_autofree char *subject = g_tls_certificate_get_subject_name (certificate);
      g_autofree char *issuer = g_tls_certificate_get_issuer_name (certificate);
      g_autofree char *cert_text = NULL;

      cert_text = g_strdup_printf (_("Server certificate: %s, issued by %s"),
                                   subject != NULL ? subject : "?",
                                   issuer != NULL ? issuer : "?");
      log_info (self, OP_LOG_TLS, cert_text);
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
      abort_connection (self);
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

      abort_connection (self);

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
          propagate_io_error (self, g_steal_pointer (&local_error), &failure);
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

      log_info (self, OP_LOG_TLS, failure->message);
      g_propagate_error (error, g_steal_pointer (&failure));

      return FALSE;
    }

  self->tls = G_TLS_CONNECTION (g_object_ref (tls_stream));
  set_stream (self, tls_stream);
  log_tls_state (self);

  return TRUE;
}

/* Public API -------------------------------------------------------------------------- */

/**
 * op_connection_connect:
 * @host: a host name or an IPv4/IPv6 address literal
 * @port: the port
 * @implicit_tls: start TLS right after connecting (FTPS, IMAPS, POP3S, SMTPS, NNTPS)
 * @timeout_seconds: bounds connecting and every later read or write; 0 for none
 * @verifier: (nullable): decides about certificates the system store refuses
 * @log: (nullable): records what is sent and read
 * @cancellable: (nullable): cancels connecting and the handshake
 * @error: return location for an error
 *
 * Connects over TCP (IPv6 or IPv4, whichever answers first) and, with @implicit_tls,
 * performs the TLS handshake. Blocks the calling (worker) thread.
 *
 * Returns: (transfer full) (nullable): the connection, or %NULL with @error set
 */
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
  log_info (self, OP_LOG_INFO, text);

  socket_connection = connect_socket (self, cancellable, &local_error);
  if (socket_connection == NULL)
    {
      g_autoptr(GError) connect_error = NULL;

      set_connect_error (self, g_steal_pointer (&local_error), &connect_error);
      log_info (self, OP_LOG_INFO, connect_error->message);
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
      log_info (self, OP_LOG_INFO, text);
    }

  if (implicit_tls && !handshake (self, cancellable, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * op_connection_new_for_stream:
 * @stream: an open stream (a socket connection, or any #GIOStream in tests)
 * @host: the host name the stream is connected to, for messages and TLS
 * @port: the port, for messages and TLS
 * @verifier: (nullable): decides about certificates the system store refuses
 * @log: (nullable): records what is sent and read
 *
 * Wraps a stream that is already connected, for example a data connection accepted
 * by other code, or a scripted stream in a test. Timeouts are the stream's own.
 *
 * Returns: (transfer full): a connection using @stream
 */
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

/**
 * op_connection_start_tls:
 * @self: a connection that is not yet encrypted
 * @cancellable: (nullable): cancels the handshake
 * @error: return location for an error
 *
 * Upgrades to TLS (STARTTLS, STLS, AUTH TLS) once the server's go-ahead reply was read
 * with op_connection_read_line(). If any byte already arrived after that reply, the
 * upgrade is refused with %OP_CONNECTION_ERROR_STARTTLS_INJECTION and the connection
 * closed: those bytes were sent in plain text and would otherwise be taken as replies
 * from inside the secure connection (CVE-2011-0411, RFC 3207 §4.2 and RFC 2595 §3.1
 * require discarding them; we refuse the session instead). After success, protocol code
 * must forget everything learnt before and ask for capabilities again.
 *
 * Returns: %TRUE when the connection is encrypted
 */
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

  if (!check_open (self, error))
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
      log_info (self, OP_LOG_TLS, text);
      abort_connection (self);
      g_set_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_STARTTLS_INJECTION,
                   _("%s sent data after agreeing to start TLS and before the secure "
                     "connection began. This may be an attack injecting responses, so the "
                     "connection was closed. Try again later; if it happens again, your "
                     "network or the server may be compromised."),
                   self->endpoint);
      return FALSE;
    }

  log_info (self, OP_LOG_TLS, _("Starting TLS"));

  return handshake (self, cancellable, error);
}

/**
 * op_connection_start_compression:
 * @self: a connection that is not compressed yet
 * @error: return location for an error
 *
 * Compresses both directions with raw DEFLATE (RFC 1951) from now on, as NNTP's COMPRESS
 * DEFLATE (RFC 8054) and IMAP's COMPRESS=DEFLATE (RFC 4978) do, once the server's
 * go-ahead was read with op_connection_read_line(). Every later write ends with a sync
 * flush, so each command reaches the server whole. A byte already read past the go-ahead
 * was not compressed: the connection is closed with %G_IO_ERROR_INVALID_DATA. TLS cannot
 * start after this.
 *
 * Returns: %TRUE when the connection is compressed
 */
gboolean
op_connection_start_compression (OpConnection  *self,
                                 GError       **error)
{
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autoptr(GZlibDecompressor) decompressor = NULL;

  g_return_val_if_fail (OP_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (self->deflate == NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_open (self, error))
    return FALSE;
  if (self->end > self->start)
    {
      abort_connection (self);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s sent uncompressed data after agreeing to compress the connection."),
                   self->endpoint);
      return FALSE;
    }

  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW, -1);
  decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW);
  self->inflate = g_converter_input_stream_new (self->input, G_CONVERTER (decompressor));
  self->deflate = g_converter_output_stream_new (self->output, G_CONVERTER (compressor));
  /* Closing the connection closes @stream; the converters only wrap it. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (self->inflate), FALSE);
  g_filter_output_stream_set_close_base_stream (G_FILTER_OUTPUT_STREAM (self->deflate), FALSE);
  self->input = self->inflate;
  self->output = self->deflate;
  log_info (self, OP_LOG_INFO, _("Compression (DEFLATE) is on"));
  return TRUE;
}

gboolean
op_connection_is_compressed (OpConnection *self)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), FALSE);

  return self->deflate != NULL;
}

/* Makes room for at least @want bytes after self->end, moving unread bytes to the front
 * and growing the buffer to @want + what is unread, at most. */
static void
reserve (OpConnection *self,
         gsize         want)
{
  gsize unread = self->end - self->start;

  if (self->buffer_size - self->end >= want)
    return;

  if (self->start > 0)
    {
      memmove (self->buffer, self->buffer + self->start, unread);
      self->start = 0;
      self->end = unread;
    }

  if (self->buffer_size - self->end < want)
    {
      self->buffer_size = MAX (unread + want, INITIAL_BUFFER_SIZE);
      self->buffer = g_realloc (self->buffer, self->buffer_size);
    }
}

/* Reads once into the buffer. Returns the number of bytes read, 0 at end of stream. */
static gssize
fill_buffer (OpConnection  *self,
             gsize          room,
             GCancellable  *cancellable,
             GError       **error)
{
  gssize n;

  reserve (self, room);
  n = g_input_stream_read (self->input, self->buffer + self->end,
                           self->buffer_size - self->end, cancellable, error);
  if (n > 0)
    self->end += n;

  return n;
}

/**
 * op_connection_set_log_lines:
 * @self: a connection
 * @log_lines: whether op_connection_read_line() logs each line it returns
 *
 * Lines of a bulk data block (an OVER of a whole group) cost more to log one by one
 * than to read; the caller then logs a summary. Default %TRUE.
 */
void
op_connection_set_log_lines (OpConnection *self,
                             gboolean      log_lines)
{
  g_return_if_fail (OP_IS_CONNECTION (self));

  self->quiet_lines = !log_lines;
}

/**
 * op_connection_read_line:
 * @self: a connection
 * @max_length: the longest line the protocol allows, without its terminator (at least 1)
 * @length: (out) (optional): the line's length (it may contain NUL bytes)
 * @cancellable: (nullable): cancels the read
 * @error: return location for an error
 *
 * Reads one line, ended by CRLF or by a bare LF (some servers send those). Lines split
 * across reads are joined. The terminator is not returned. A line longer than
 * @max_length fails with %OP_CONNECTION_ERROR_LINE_TOO_LONG and closes the connection:
 * memory use stays bounded by @max_length whatever the peer sends. End of stream gives
 * %OP_CONNECTION_ERROR_CLOSED.
 *
 * Returns: (transfer full) (nullable): the line, nul-terminated, or %NULL with @error set
 */
char *
op_connection_read_line (OpConnection  *self,
                         gsize          max_length,
                         gsize         *length,
                         GCancellable  *cancellable,
                         GError       **error)
{
  gsize scanned = 0;

  g_return_val_if_fail (OP_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (max_length > 0 && max_length < G_MAXSIZE / 2, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_open (self, error))
    return NULL;

  for (;;)
    {
      /* No arithmetic on the buffer before its first allocation (NULL + 0 is undefined;
       * found by fuzz-transcript on an empty transcript). */
      const guint8 *data = self->buffer != NULL ? self->buffer + self->start : NULL;
      gsize available = self->end - self->start;
      /* A complete line is at most max_length bytes, CR and LF. */
      gsize limit = MIN (available, max_length + 2);
      const guint8 *lf = NULL;
      g_autoptr(GError) local_error = NULL;
      gssize n;

      if (scanned < limit)
        lf = memchr (data + scanned, '\n', limit - scanned);

      if (lf != NULL)
        {
          gsize line_length = lf - data;
          char *line;

          if (line_length > 0 && data[line_length - 1] == '\r')
            line_length--;

          if (line_length <= max_length)
            {
              line = g_malloc (line_length + 1);
              memcpy (line, data, line_length);
              line[line_length] = '\0';
              self->start += (lf - data) + 1;
              if (self->start == self->end)
                self->start = self->end = 0;

              if (self->log != NULL && !self->quiet_lines)
                op_protocol_log_append_received (self->log, line, line_length);
              if (length != NULL)
                *length = line_length;

              return line;
            }
          /* else: max_length + 1 bytes and a bare LF: too long, below. */
        }
      scanned = limit;

      /* No terminator within a line's maximum size: whatever follows, it is too long.
       * (max_length bytes and a CR may still be followed by the LF.) */
      if (lf != NULL || available > max_length + 1 ||
          (available == max_length + 1 && data[max_length] != '\r'))
        {
          g_autofree char *text = NULL;

          text = g_strdup_printf (_("Line longer than %lu bytes; closing the connection"),
                                  (gulong) max_length);
          log_info (self, OP_LOG_INFO, text);
          if (self->log != NULL)
            op_protocol_log_append_received (self->log, (const char *) data, available);
          abort_connection (self);
          g_set_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_LINE_TOO_LONG,
                       _("%s sent a line longer than %lu bytes, more than the protocol "
                         "allows. The connection was closed to protect against a faulty "
                         "or hostile server; try again, and report it to the server's "
                         "administrator if it keeps happening."),
                       self->endpoint, (gulong) max_length);
          return NULL;
        }

      n = fill_buffer (self, max_length + 2 - available, cancellable, &local_error);
      if (n < 0)
        {
          /* Servers often close TLS without close_notify (RFC 8446 §6.1 asks for it);
           * a line protocol frames its own data, so that is just the end. */
          if (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_EOF))
            n = 0;
          else
            {
              propagate_io_error (self, g_steal_pointer (&local_error), error);
              return NULL;
            }
        }

      if (n == 0)
        {
          /* fill_buffer() may have moved or reallocated the buffer: @data is stale. */
          if (self->log != NULL && available > 0)
            op_protocol_log_append_received (self->log,
                                             (const char *) self->buffer + self->start,
                                             available);
          log_info (self, OP_LOG_INFO, _("The server closed the connection"));
          self->closed = TRUE;
          if (available > 0)
            g_set_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED,
                         _("%s closed the connection in the middle of a reply. Try again; "
                           "the server may have a problem."),
                         self->endpoint);
          else
            g_set_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED,
                         _("%s closed the connection. Connect again to continue."),
                         self->endpoint);
          return NULL;
        }
    }
}

/**
 * op_connection_check_text:
 * @text: (array length=length): a command, argument or header value
 * @length: its length, or -1 if nul-terminated
 * @error: return location for an error
 *
 * Refuses text that holds CR, LF or NUL: sent in a command, it would end the command
 * early and let the rest be read as another one (command injection). With @length
 * given, an embedded NUL is found too.
 *
 * Returns: %TRUE if @text may be sent, else %FALSE with %OP_CONNECTION_ERROR_BAD_ARGUMENT
 */
gboolean
op_connection_check_text (const char  *text,
                          gssize       length,
                          GError     **error)
{
  gsize size;

  g_return_val_if_fail (text != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (text == NULL)
    return TRUE;

  size = length < 0 ? strlen (text) : (gsize) length;
  for (gsize i = 0; i < size; i++)
    {
      if (text[i] == '\r' || text[i] == '\n' || text[i] == '\0')
        {
          g_set_error_literal (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_BAD_ARGUMENT,
                               _("The command contains a line break or a NUL character, "
                                 "which could smuggle a second command to the server. "
                                 "Nothing was sent; remove the character and try again."));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
write_bytes (OpConnection  *self,
             const void    *data,
             gsize          size,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_output_stream_write_all (self->output, data, size, NULL, cancellable, &local_error) ||
      /* Compressed, a command reaches the server only with a sync flush (RFC 8054 §2.2.2). */
      (self->deflate != NULL && !g_output_stream_flush (self->output, cancellable, &local_error)))
    {
      propagate_io_error (self, g_steal_pointer (&local_error), error);
      return FALSE;
    }

  return TRUE;
}

/**
 * op_connection_send_command_len:
 * @self: a connection
 * @verb: the command, e.g. "USER" or "a1 LOGIN" (no CR, LF)
 * @argument: (nullable) (array length=argument_length): the argument, or %NULL for none
 * @argument_length: the argument's length, or -1 if it is nul-terminated
 * @flags: how the line appears in the protocol log
 * @cancellable: (nullable): cancels the write
 * @error: return location for an error
 *
 * Like op_connection_send_command(), for an argument that may hold any bytes (a file
 * name from a listing, say): an embedded NUL is refused like CR and LF.
 *
 * Returns: %TRUE when the line was sent
 */
gboolean
op_connection_send_command_len (OpConnection  *self,
                                const char    *verb,
                                const char    *argument,
                                gssize         argument_length,
                                OpSendFlags    flags,
                                GCancellable  *cancellable,
                                GError       **error)
{
  g_autoptr(GString) line = NULL;
  gsize size;
  gboolean ok;

  g_return_val_if_fail (OP_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (verb != NULL && *verb != '\0', FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_open (self, error))
    return FALSE;

  if (!op_connection_check_text (verb, -1, error))
    return FALSE;
  if (argument != NULL && !op_connection_check_text (argument, argument_length, error))
    return FALSE;

  size = argument == NULL ? 0 : argument_length < 0 ? strlen (argument) : (gsize) argument_length;
  /* Room for verb, space, argument, CRLF and the NUL: never reallocated, so no copy of
   * a secret is left behind unwiped. */
  line = g_string_sized_new (strlen (verb) + 1 + size + 2 + 1);
  g_string_append (line, verb);
  if (argument != NULL)
    {
      g_string_append_c (line, ' ');
      g_string_append_len (line, argument, size);
    }

  if (self->log != NULL)
    {
      if (flags == OP_SEND_SECRET_ARGUMENT && argument != NULL)
        {
          /* The verb as the caller split it ("AUTHINFO PASS", "a1 LOGIN"). */
          g_autofree char *shown = g_strconcat (verb, " " OP_PROTOCOL_LOG_MASK, NULL);

          op_protocol_log_append_sent (self->log, shown, OP_SEND_PLAIN);
        }
      else
        {
          op_protocol_log_append_sent (self->log, line->str, flags);
        }
    }

  /* RFC 5321 §2.3.8, RFC 959 §4.1, RFC 3977 §3.1, RFC 9051 §2.2: lines end in CRLF. */
  g_string_append (line, "\r\n");

  ok = write_bytes (self, line->str, line->len, cancellable, error);
  /* The line may hold a password or a SASL blob: not only lines flagged secret, but also
   * SMTP's "AUTH PLAIN blob", sent as plain and masked by the log's own rules. A command
   * line is short, so it is always wiped rather than trusting the flag; the freed memory
   * must not keep the secret for a later allocation or a core dump to find. */
  op_secret_wipe (line->str, line->allocated_len);
  return ok;
}

/**
 * op_connection_send_command:
 * @self: a connection
 * @verb: the command, e.g. "USER" or "a1 LOGIN" (no CR, LF)
 * @argument: (nullable): the argument, or %NULL for none
 * @flags: how the line appears in the protocol log
 * @cancellable: (nullable): cancels the write
 * @error: return location for an error
 *
 * Sends "VERB" or "VERB ARGUMENT" and CRLF. If either holds CR or LF, nothing is sent
 * and the call fails with %OP_CONNECTION_ERROR_BAD_ARGUMENT.
 *
 * Returns: %TRUE when the line was sent
 */
gboolean
op_connection_send_command (OpConnection  *self,
                            const char    *verb,
                            const char    *argument,
                            OpSendFlags    flags,
                            GCancellable  *cancellable,
                            GError       **error)
{
  return op_connection_send_command_len (self, verb, argument, -1, flags, cancellable, error);
}

/**
 * op_connection_write_all:
 * @self: a connection
 * @data: (array length=size): bytes to send
 * @size: how many
 * @cancellable: (nullable): cancels the write
 * @error: return location for an error
 *
 * Sends raw bytes (a message body, an IMAP literal) without any check; the log records
 * only their number.
 *
 * Returns: %TRUE when everything was sent
 */
gboolean
op_connection_write_all (OpConnection  *self,
                         const void    *data,
                         gsize          size,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (data != NULL || size == 0, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_open (self, error))
    return FALSE;

  if (self->log != NULL)
    op_protocol_log_append_printf (self->log, OP_LOG_SENT,
                                   ngettext ("(%lu byte of data)", "(%lu bytes of data)",
                                             (gulong) size),
                                   (gulong) size);

  return write_bytes (self, data, size, cancellable, error);
}

/**
 * op_connection_read:
 * @self: a connection
 * @buffer: (array length=size): where to put the bytes
 * @size: room in @buffer
 * @cancellable: (nullable): cancels the read
 * @error: return location for an error
 *
 * Reads raw bytes: first those the line reader already buffered, then from the stream.
 * Nothing is logged (callers log sizes where useful).
 *
 * Returns: the number of bytes read, 0 at end of stream, -1 with @error set
 */
gssize
op_connection_read (OpConnection  *self,
                    void          *buffer,
                    gsize          size,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize n;

  g_return_val_if_fail (OP_IS_CONNECTION (self), -1);
  g_return_val_if_fail (buffer != NULL || size == 0, -1);
  g_return_val_if_fail (size <= G_MAXSSIZE, -1);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!check_open (self, error))
    return -1;

  if (self->end > self->start)
    {
      gsize count = MIN (size, self->end - self->start);

      memcpy (buffer, self->buffer + self->start, count);
      self->start += count;
      if (self->start == self->end)
        self->start = self->end = 0;
      return count;
    }

  n = g_input_stream_read (self->input, buffer, size, cancellable, &local_error);
  if (n < 0)
    propagate_io_error (self, g_steal_pointer (&local_error), error);

  return n;
}

/**
 * op_connection_close:
 * @self: a connection
 * @cancellable: (nullable): cancels a TLS close_notify that does not go out
 * @error: return location for an error
 *
 * Closes the connection (with a TLS close_notify when encrypted). Closing twice is fine.
 *
 * Returns: %TRUE if the connection closed cleanly
 */
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
  log_info (self, OP_LOG_INFO, _("Closing the connection"));

  if (!g_io_stream_close (self->stream, cancellable, &local_error))
    {
      /* The TLS close may fail when the peer is gone already; the socket must still
       * be released. */
      if (self->tls != NULL)
        g_io_stream_close (self->base, NULL, NULL);
      propagate_io_error (self, g_steal_pointer (&local_error), error);
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

/**
 * op_connection_get_peer_certificate:
 * @self: a connection
 *
 * Returns: (transfer none) (nullable): the server's certificate once TLS is up
 */
GTlsCertificate *
op_connection_get_peer_certificate (OpConnection *self)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), NULL);

  if (self->tls == NULL)
    return NULL;

  return g_tls_connection_get_peer_certificate (self->tls);
}

/**
 * op_connection_get_stream:
 * @self: a connection
 *
 * The stream in use: the TLS connection once TLS is up, e.g. to copy its session state
 * to an FTP data connection. Reading from it directly bypasses the line buffer.
 *
 * Returns: (transfer none): the stream
 */
GIOStream *
op_connection_get_stream (OpConnection *self)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), NULL);

  return self->stream;
}

/**
 * op_connection_get_peer_address:
 * @self: a connection
 *
 * The address actually connected to, e.g. for FTP data connections, which ignore the
 * address in a PASV reply.
 *
 * Returns: (transfer full) (nullable): the peer's address, or %NULL if unknown
 */
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

/**
 * op_connection_get_log:
 * @self: a connection
 *
 * Returns: (transfer none) (nullable): the protocol log given at creation
 */
OpProtocolLog *
op_connection_get_log (OpConnection *self)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), NULL);

  return self->log;
}

/**
 * op_connection_get_socket:
 *
 * Returns: (transfer none) (nullable): the socket under the TLS layer, or %NULL for a
 *   stream that is not a socket connection
 */
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
