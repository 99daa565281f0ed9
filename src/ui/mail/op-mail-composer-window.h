/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "op-mail-composer.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_COMPOSER_WINDOW (op_mail_composer_window_get_type ())
G_DECLARE_FINAL_TYPE (OpMailComposerWindow, op_mail_composer_window, OP, MAIL_COMPOSER_WINDOW, AdwWindow)

/*
 * A composer in a window of its own. Closing it saves the draft when anything changed
 * and destroys the window once the draft is stored (it stays open, with the error shown,
 * when the draft could not be stored); it is never hidden. It is destroyed when the
 * composer's message is sent to the outbox.
 */
OpMailComposerWindow *op_mail_composer_window_new          (GtkWindow            *parent,
                                                            GListModel           *identities,
                                                            OpMailSubmitter      *submitter);
/* (transfer none) */
OpMailComposer       *op_mail_composer_window_get_composer (OpMailComposerWindow *self);

G_END_DECLS
