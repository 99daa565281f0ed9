/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "op-trust-prompt.h"

G_BEGIN_DECLS

#define OP_TYPE_UI_TRUST_PROMPT (op_ui_trust_prompt_get_type ())
G_DECLARE_FINAL_TYPE (OpUiTrustPrompt, op_ui_trust_prompt, OP, UI_TRUST_PROMPT, GObject)

/*
 * The UI's OpTrustPrompt: each question becomes an OpTrustDialog over the application's
 * active window (the main window is opened first when there is none). The application
 * is held weakly, so the trust store can keep the prompt without keeping the app alive.
 */
OpUiTrustPrompt *op_ui_trust_prompt_new             (GtkApplication  *application);
GtkApplication  *op_ui_trust_prompt_dup_application (OpUiTrustPrompt *self);

G_END_DECLS
