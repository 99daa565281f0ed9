/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OP_TYPE_CONSOLE_VIEW (op_console_view_get_type ())
G_DECLARE_FINAL_TYPE (OpConsoleView, op_console_view, OP, CONSOLE_VIEW, AdwBin)

/*
 * The Console page: tabs (AdwTabView) of TCP, TLS and UDP sessions, small servers and
 * name lookups. Each tab is an OpConsoleTab observing a core object.
 */
GtkWidget   *op_console_view_new          (void);
void         op_console_view_register     (void);
AdwTabView  *op_console_view_get_tab_view (OpConsoleView *self);
/* Opens a new tab of @kind: "tcp", "tls", "udp", "tcp-server", "udp-server", "lookup";
 * @host may fill in the host (NULL: empty). Returns the tab's widget. */
GtkWidget   *op_console_view_new_tab      (OpConsoleView *self,
                                           const char    *kind,
                                           const char    *host);

G_END_DECLS
