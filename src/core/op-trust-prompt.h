/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-certificate-info.h"

G_BEGIN_DECLS

typedef enum
{
  OP_TRUST_DECISION_CANCEL,  /* refuse: the connection fails */
  OP_TRUST_DECISION_ONCE,    /* accept for this connection only, remember nothing */
  OP_TRUST_DECISION_ALWAYS,  /* pin this certificate for host:port */
} OpTrustDecision;

#define OP_TYPE_TRUST_PROMPT (op_trust_prompt_get_type ())
G_DECLARE_INTERFACE (OpTrustPrompt, op_trust_prompt, OP, TRUST_PROMPT, GObject)

/**
 * OpTrustPromptInterface:
 * @ask_async: show @info to the user and ask what to do. Always called on the main
 *   context the trust store was created on, never on a worker thread.
 * @ask_finish: the user's decision. An error (or %G_IO_ERROR_CANCELLED) counts as
 *   %OP_TRUST_DECISION_CANCEL.
 *
 * Implemented by the UI (a dialog showing subject, issuer, validity and SHA-256
 * fingerprint) and by tests.
 */
struct _OpTrustPromptInterface
{
  GTypeInterface parent_iface;

  void            (*ask_async)  (OpTrustPrompt       *self,
                                 OpCertificateInfo   *info,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
  OpTrustDecision (*ask_finish) (OpTrustPrompt       *self,
                                 GAsyncResult        *result,
                                 GError             **error);
};

void            op_trust_prompt_ask_async  (OpTrustPrompt       *self,
                                            OpCertificateInfo   *info,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
OpTrustDecision op_trust_prompt_ask_finish (OpTrustPrompt       *self,
                                            GAsyncResult        *result,
                                            GError             **error);

G_END_DECLS
