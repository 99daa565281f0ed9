/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OP_TYPE_MAIL_SOURCE_WINDOW (op_mail_source_window_get_type ())
G_DECLARE_FINAL_TYPE (OpMailSourceWindow, op_mail_source_window, OP, MAIL_SOURCE_WINDOW, AdwWindow)

/*
 * "Show Source": a message as it was received, headers and all, read-only and in a
 * monospace font. Closing hides it (it is shown again for the next message).
 */
OpMailSourceWindow *op_mail_source_window_new        (void);
/* @source: the raw message; shown as UTF-8, invalid bytes as U+FFFD. */
void                op_mail_source_window_set_source (OpMailSourceWindow *self,
                                                      GBytes             *source,
                                                      const char         *subject);
/* The text shown. (transfer full) */
char               *op_mail_source_window_dup_text   (OpMailSourceWindow *self);

G_END_DECLS
