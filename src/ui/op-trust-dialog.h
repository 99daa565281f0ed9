/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "op-certificate-info.h"
#include "op-trust-prompt.h"

G_BEGIN_DECLS

#define OP_TYPE_TRUST_DIALOG (op_trust_dialog_get_type ())
G_DECLARE_FINAL_TYPE (OpTrustDialog, op_trust_dialog, OP, TRUST_DIALOG, AdwMessageDialog)

/*
 * Asks the user about one certificate the system store did not accept: subject, issuer,
 * validity and SHA-256 fingerprint, with the responses "cancel" (the default, also when
 * the dialog is closed), "once" and "always". A pin mismatch gets a distinct warning.
 */
OpTrustDialog     *op_trust_dialog_new           (GtkWindow            *parent,
                                                  OpCertificateInfo    *info);
OpCertificateInfo *op_trust_dialog_get_info      (OpTrustDialog        *self);
void               op_trust_dialog_choose_async  (OpTrustDialog        *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
OpTrustDecision    op_trust_dialog_choose_finish (OpTrustDialog        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

G_END_DECLS
