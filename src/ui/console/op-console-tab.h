/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "op-console-server.h"
#include "op-console-session.h"

G_BEGIN_DECLS

#define OP_TYPE_CONSOLE_TAB (op_console_tab_get_type ())
G_DECLARE_FINAL_TYPE (OpConsoleTab, op_console_tab, OP, CONSOLE_TAB, GtkBox)

/*
 * One tab of the Console: first a small form (host and port, or address, port and mode,
 * or a query), then the session, server or lookup it started. The form is hidden, not
 * replaced, when the work starts. Its title is the tab's title.
 */
GtkWidget        *op_console_tab_new          (const char   *kind,
                                               const char   *host);
const char       *op_console_tab_get_title    (OpConsoleTab *self);
OpConsoleSession *op_console_tab_get_session  (OpConsoleTab *self);
OpConsoleServer  *op_console_tab_get_server   (OpConsoleTab *self);
/* Presses the form's button (Connect, Start, Look Up). */
void              op_console_tab_start        (OpConsoleTab *self);
/* Sends what the send field holds (Ctrl+Enter). */
void              op_console_tab_send         (OpConsoleTab *self);
void              op_console_tab_toggle_hex   (OpConsoleTab *self);
/* Stops the session or server (when the tab closes). */
void              op_console_tab_stop         (OpConsoleTab *self);

G_END_DECLS
