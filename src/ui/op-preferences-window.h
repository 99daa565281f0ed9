/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OP_TYPE_PREFERENCES_WINDOW (op_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (OpPreferencesWindow, op_preferences_window, OP, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

/*
 * The preferences (app.preferences, Ctrl+comma): the settings of the Files view's
 * connections, bound both ways to GSettings, so a change takes effect at once wherever
 * the setting is bound (the queue's parallel transfers, the session's keep-alive).
 * @settings is the application's schema (io.github.outpost.Outpost).
 */
OpPreferencesWindow *op_preferences_window_new (GtkWindow *parent,
                                                GSettings *settings);

G_END_DECLS
