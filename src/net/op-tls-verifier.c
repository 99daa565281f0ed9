/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-tls"

#include "config.h"

#include "op-tls-verifier.h"

G_DEFINE_INTERFACE (OpTlsVerifier, op_tls_verifier, G_TYPE_OBJECT)

static void
op_tls_verifier_default_init (OpTlsVerifierInterface *iface)
{
}

/**
 * op_tls_verifier_verify:
 * @self: a verifier
 * @host: the host name the user asked for (not the resolved address)
 * @port: the port
 * @certificate: the peer's certificate (with its chain as presented)
 * @errors: what the system store's verification found wrong
 * @cancellable: (nullable): cancels a pending decision
 * @error: return location for the reason of a refusal
 *
 * Returns: %TRUE to accept the certificate for this connection.
 */
gboolean
op_tls_verifier_verify (OpTlsVerifier        *self,
                        const char           *host,
                        guint16               port,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        GCancellable         *cancellable,
                        GError              **error)
{
  g_return_val_if_fail (OP_IS_TLS_VERIFIER (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return OP_TLS_VERIFIER_GET_IFACE (self)->verify (self, host, port, certificate, errors,
                                                   cancellable, error);
}
