/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-tls-verifier.h"
#include "op-trust-prompt.h"

G_BEGIN_DECLS

#define OP_TRUST_ERROR (op_trust_error_quark ())

/**
 * OpTrustError:
 * @OP_TRUST_ERROR_UNTRUSTED: the certificate failed verification, is not pinned, and the
 *   user (or the absence of a prompt) refused it.
 * @OP_TRUST_ERROR_PIN_MISMATCH: host:port is pinned to another certificate; the presented
 *   one was refused. Distinct because it may mean interception.
 * @OP_TRUST_ERROR_STORE: the pin file could not be read or written.
 */
typedef enum
{
  OP_TRUST_ERROR_UNTRUSTED,
  OP_TRUST_ERROR_PIN_MISMATCH,
  OP_TRUST_ERROR_STORE,
} OpTrustError;

GQuark op_trust_error_quark (void);

#define OP_TYPE_TRUST_STORE (op_trust_store_get_type ())
G_DECLARE_FINAL_TYPE (OpTrustStore, op_trust_store, OP, TRUST_STORE, GObject)

/*
 * The trust store implements OpTlsVerifier: pass it to OpConnection. Pins persist in
 * @file (a key file in the profile, keyed by host:port, holding SHA-256 fingerprints and
 * the PEM). The prompt is called on the main context that was the thread-default one when
 * the store was created, so create it on the thread that runs that context (the UI's).
 * verify() blocks its worker thread until the user answers or the worker's cancellable
 * fires; called on the prompt's own thread it refuses instead of waiting forever.
 * Every function is safe to call from any thread.
 */
OpTrustStore *op_trust_store_new         (GFile            *file);
OpTrustStore *op_trust_store_new_default (void); /* $XDG_CONFIG_HOME/outpost/trust.ini */
void          op_trust_store_set_prompt  (OpTrustStore     *self,
                                          OpTrustPrompt    *prompt);
gboolean      op_trust_store_pin         (OpTrustStore     *self,
                                          const char       *host,
                                          guint16           port,
                                          GTlsCertificate  *certificate,
                                          GError          **error);
gboolean      op_trust_store_unpin       (OpTrustStore     *self,
                                          const char       *host,
                                          guint16           port,
                                          GError          **error);
gboolean      op_trust_store_is_pinned   (OpTrustStore     *self,
                                          const char       *host,
                                          guint16           port,
                                          GTlsCertificate  *certificate);
/* The certificate pinned for host:port (transfer full), or NULL. */
GTlsCertificate *op_trust_store_get_pinned (OpTrustStore     *self,
                                            const char       *host,
                                            guint16           port);
GFile        *op_trust_store_get_file    (OpTrustStore     *self);

G_END_DECLS
