/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OP_TYPE_TLS_VERIFIER (op_tls_verifier_get_type ())
G_DECLARE_INTERFACE (OpTlsVerifier, op_tls_verifier, OP, TLS_VERIFIER, GObject)

/**
 * OpTlsVerifierInterface:
 * @verify: decide about a certificate the system trust store did not accept.
 *
 * The net layer knows nothing of pins or prompts: #OpConnection calls @verify from the
 * session's worker thread, during the handshake, whenever GIO's verification against the
 * system store reports errors. The core trust store implements it (pins, then the
 * user's #OpTrustPrompt). @verify may block (for example while the user decides) and must
 * give up with %G_IO_ERROR_CANCELLED when @cancellable is cancelled.
 *
 * Returning %FALSE refuses the certificate; @error then says why and becomes the error of
 * the connect or STARTTLS call, instead of GIO's generic "unacceptable certificate".
 */
struct _OpTlsVerifierInterface
{
  GTypeInterface parent_iface;

  gboolean (*verify) (OpTlsVerifier        *self,
                      const char           *host,
                      guint16               port,
                      GTlsCertificate      *certificate,
                      GTlsCertificateFlags  errors,
                      GCancellable         *cancellable,
                      GError              **error);
};

gboolean op_tls_verifier_verify (OpTlsVerifier        *self,
                                 const char           *host,
                                 guint16               port,
                                 GTlsCertificate      *certificate,
                                 GTlsCertificateFlags  errors,
                                 GCancellable         *cancellable,
                                 GError              **error);

G_END_DECLS
