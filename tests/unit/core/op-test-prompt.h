/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-trust-prompt.h"

G_BEGIN_DECLS

#define OP_TYPE_TEST_PROMPT (op_test_prompt_get_type ())
G_DECLARE_FINAL_TYPE (OpTestPrompt, op_test_prompt, OP, TEST_PROMPT, GObject)

/*
 * A scripted OpTrustPrompt for tests: answers @decision from an idle callback, or, when
 * created with op_test_prompt_new_pending(), never answers and finishes with
 * G_IO_ERROR_CANCELLED once its cancellable fires. It records what it was asked, on
 * which thread, and whether its cancellable fired. The "asked" signal is emitted inside
 * ask_async().
 */
OpTestPrompt      *op_test_prompt_new            (OpTrustDecision  decision);
OpTestPrompt      *op_test_prompt_new_pending    (void);

guint              op_test_prompt_get_n_asked    (OpTestPrompt    *self);
/* The info of the last question (transfer none), or NULL. */
OpCertificateInfo *op_test_prompt_get_last_info  (OpTestPrompt    *self);
/* The thread the last ask_async() ran on. */
GThread           *op_test_prompt_get_thread     (OpTestPrompt    *self);
gboolean           op_test_prompt_get_cancelled  (OpTestPrompt    *self);
/* The thread the cancellable's "cancelled" handler ran on, or NULL. */
GThread           *op_test_prompt_get_cancel_thread (OpTestPrompt *self);

G_END_DECLS
