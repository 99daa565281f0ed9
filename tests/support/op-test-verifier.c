/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include <glib/gi18n.h>

#include "op-test-verifier.h"

struct _OpTestVerifier
{
  GObject               parent_instance;

  GTlsCertificate      *ca;        /* (nullable): accept what it signed */
  GError               *refusal;   /* (nullable): else refuse with this */

  GMutex                mutex;
  guint                 n_calls;
  GTlsCertificateFlags  last_errors;
  char                 *last_host;
  guint16               last_port;
};

static void op_test_verifier_iface_init (OpTlsVerifierInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OpTestVerifier, op_test_verifier, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OP_TYPE_TLS_VERIFIER,
                                                      op_test_verifier_iface_init))

static gboolean
op_test_verifier_verify (OpTlsVerifier         *verifier,
                         const char            *host,
                         guint16                port,
                         GTlsCertificate       *certificate,
                         GTlsCertificateFlags   errors,
                         GCancellable          *cancellable,
                         GError               **error)
{
  OpTestVerifier *self = OP_TEST_VERIFIER (verifier);
  g_autoptr(GSocketConnectable) identity = NULL;
  GTlsCertificateFlags flags;

  g_mutex_lock (&self->mutex);
  self->n_calls++;
  self->last_errors = errors;
  g_free (self->last_host);
  self->last_host = g_strdup (host);
  self->last_port = port;
  g_mutex_unlock (&self->mutex);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (self->refusal != NULL)
    {
      g_propagate_error (error, g_error_copy (self->refusal));
      return FALSE;
    }

  identity = g_network_address_new (host, port);
  flags = g_tls_certificate_verify (certificate, identity, self->ca);
  if (flags != 0)
    {
      g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                   "test verifier: the certificate does not verify against the test CA "
                   "for %s (flags 0x%x)", host, flags);
      return FALSE;
    }

  return TRUE;
}

static void
op_test_verifier_iface_init (OpTlsVerifierInterface *iface)
{
  iface->verify = op_test_verifier_verify;
}

static void
op_test_verifier_finalize (GObject *object)
{
  OpTestVerifier *self = OP_TEST_VERIFIER (object);

  g_clear_object (&self->ca);
  g_clear_error (&self->refusal);
  g_clear_pointer (&self->last_host, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (op_test_verifier_parent_class)->finalize (object);
}

static void
op_test_verifier_class_init (OpTestVerifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = op_test_verifier_finalize;
}

static void
op_test_verifier_init (OpTestVerifier *self)
{
  g_mutex_init (&self->mutex);
}

/**
 * op_test_verifier_new_for_ca:
 * @ca: the only CA to trust
 *
 * Returns: (transfer full): a verifier accepting certificates @ca signed for the host
 */
OpTestVerifier *
op_test_verifier_new_for_ca (GTlsCertificate *ca)
{
  OpTestVerifier *self;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (ca), NULL);

  self = g_object_new (OP_TYPE_TEST_VERIFIER, NULL);
  self->ca = g_object_ref (ca);

  return self;
}

/**
 * op_test_verifier_new_for_ca_file:
 * @path: a PEM file holding the CA certificate
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): a verifier, or %NULL if @path cannot be read
 */
OpTestVerifier *
op_test_verifier_new_for_ca_file (const char  *path,
                                  GError     **error)
{
  g_autoptr(GTlsCertificate) ca = g_tls_certificate_new_from_file (path, error);

  if (ca == NULL)
    return NULL;

  return op_test_verifier_new_for_ca (ca);
}

/**
 * op_test_verifier_new_refusing:
 * @domain: the error domain of every refusal
 * @code: its code
 * @message: its message
 *
 * Returns: (transfer full): a verifier refusing every certificate with this error
 */
OpTestVerifier *
op_test_verifier_new_refusing (GQuark      domain,
                               int         code,
                               const char *message)
{
  OpTestVerifier *self = g_object_new (OP_TYPE_TEST_VERIFIER, NULL);

  self->refusal = g_error_new_literal (domain, code, message);

  return self;
}

guint
op_test_verifier_get_n_calls (OpTestVerifier *self)
{
  guint n;

  g_return_val_if_fail (OP_IS_TEST_VERIFIER (self), 0);

  g_mutex_lock (&self->mutex);
  n = self->n_calls;
  g_mutex_unlock (&self->mutex);

  return n;
}

GTlsCertificateFlags
op_test_verifier_get_last_errors (OpTestVerifier *self)
{
  GTlsCertificateFlags errors;

  g_return_val_if_fail (OP_IS_TEST_VERIFIER (self), 0);

  g_mutex_lock (&self->mutex);
  errors = self->last_errors;
  g_mutex_unlock (&self->mutex);

  return errors;
}

/**
 * op_test_verifier_dup_last_host:
 * @self: a verifier
 *
 * Returns: (transfer full) (nullable): the host of the last call
 */
char *
op_test_verifier_dup_last_host (OpTestVerifier *self)
{
  char *host;

  g_return_val_if_fail (OP_IS_TEST_VERIFIER (self), NULL);

  g_mutex_lock (&self->mutex);
  host = g_strdup (self->last_host);
  g_mutex_unlock (&self->mutex);

  return host;
}

guint16
op_test_verifier_get_last_port (OpTestVerifier *self)
{
  guint16 port;

  g_return_val_if_fail (OP_IS_TEST_VERIFIER (self), 0);

  g_mutex_lock (&self->mutex);
  port = self->last_port;
  g_mutex_unlock (&self->mutex);

  return port;
}

void
op_test_session_trust_ca_file (gpointer    session,
                               const char *ca_file,
                               guint       timeout_seconds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpTestVerifier) verifier = op_test_verifier_new_for_ca_file (ca_file, &error);

  g_assert_no_error (error);
  op_session_set_verifier (OP_SESSION (session), OP_TLS_VERIFIER (verifier));
  op_session_set_timeout (OP_SESSION (session), timeout_seconds);
}
