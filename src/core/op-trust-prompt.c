/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-trust"

#include "config.h"

#include <glib/gi18n.h>

#include "op-trust-prompt.h"

G_DEFINE_INTERFACE (OpTrustPrompt, op_trust_prompt, G_TYPE_OBJECT)

static void
op_trust_prompt_default_init (OpTrustPromptInterface *iface)
{
}

/**
 * op_trust_prompt_ask_async:
 * @self: a prompt
 * @info: (transfer none): what to show about the certificate
 * @cancellable: (nullable): cancelled when the connection that asks gives up; the prompt
 *   should then close and finish with %G_IO_ERROR_CANCELLED
 * @callback: called on the thread-default main context with the answer
 * @user_data: data for @callback
 *
 * Asks the user whether to trust the certificate described by @info. Called by the trust
 * store on the main context it was created on.
 */
void
op_trust_prompt_ask_async (OpTrustPrompt       *self,
                           OpCertificateInfo   *info,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  OpTrustPromptInterface *iface;

  g_return_if_fail (OP_IS_TRUST_PROMPT (self));
  g_return_if_fail (OP_IS_CERTIFICATE_INFO (info));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  iface = OP_TRUST_PROMPT_GET_IFACE (self);
  g_return_if_fail (iface->ask_async != NULL);

  iface->ask_async (self, info, cancellable, callback, user_data);
}

/**
 * op_trust_prompt_ask_finish:
 * @self: a prompt
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: the user's decision; %OP_TRUST_DECISION_CANCEL when @error is set
 */
OpTrustDecision
op_trust_prompt_ask_finish (OpTrustPrompt  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  OpTrustPromptInterface *iface;
  GError *local_error = NULL;
  OpTrustDecision decision;

  g_return_val_if_fail (OP_IS_TRUST_PROMPT (self), OP_TRUST_DECISION_CANCEL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), OP_TRUST_DECISION_CANCEL);
  g_return_val_if_fail (error == NULL || *error == NULL, OP_TRUST_DECISION_CANCEL);

  iface = OP_TRUST_PROMPT_GET_IFACE (self);
  g_return_val_if_fail (iface->ask_finish != NULL, OP_TRUST_DECISION_CANCEL);

  decision = iface->ask_finish (self, result, &local_error);

  /* Whatever an implementation returns alongside an error, an error never trusts. */
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return OP_TRUST_DECISION_CANCEL;
    }

  switch (decision)
    {
    case OP_TRUST_DECISION_ONCE:
    case OP_TRUST_DECISION_ALWAYS:
      return decision;
    case OP_TRUST_DECISION_CANCEL:
    default:
      return OP_TRUST_DECISION_CANCEL;
    }
}
