/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * win.show-help-overlay (Ctrl+?) on @window: the shortcuts window, built from
 * op-help-overlay.ui when it is asked for and destroyed when it closes.
 *
 * Not GtkApplication's automatic gtk/help-overlay.ui: that one is built with each window
 * and then kept hidden, a toplevel whose accessible has no D-Bus path. GTK 4.8's AT-SPI
 * root answers GetChildAtIndex for an index past the visible windows with the last
 * toplevel, hidden or not, and crashes on the missing path (tests/ui/README.md
 * "Windows and the accessibility tree").
 */
void _op_help_overlay_install (GtkApplicationWindow *window);

G_END_DECLS
