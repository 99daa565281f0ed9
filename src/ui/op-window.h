/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OP_TYPE_WINDOW (op_window_get_type ())
G_DECLARE_FINAL_TYPE (OpWindow, op_window, OP, WINDOW, AdwApplicationWindow)

/*
 * The main window: a header bar with a view switcher over the view stack. Views add
 * themselves to the stack once their capability works; while it is empty the window
 * shows a welcome page. The size and maximized state are kept in GSettings.
 */
OpWindow     *op_window_new            (GtkApplication *application);
AdwViewStack *op_window_get_view_stack (OpWindow       *self);
gboolean      op_window_get_has_views  (OpWindow       *self);
GtkWidget    *op_window_get_view       (OpWindow       *self,
                                        const char     *name);
void          op_window_show_view      (OpWindow       *self,
                                        const char     *name);
void          op_window_show_message   (OpWindow       *self,
                                        const char     *message);
void          op_window_show_error     (OpWindow       *self,
                                        const char     *heading,
                                        const char     *body);
void          op_window_save_state     (OpWindow       *self);

G_END_DECLS
