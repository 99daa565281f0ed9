/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OP_TYPE_PREFERENCES_WINDOW (op_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (OpPreferencesWindow, op_preferences_window, OP, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

/*
 * The preferences (app.preferences, Ctrl+comma): one page per view that has settings,
 * each made by the view (OpViewInfo.create_preferences), bound both ways to GSettings
 * where they are settings, so a change takes effect at once wherever the setting is
 * bound. @settings is the application's schema (io.github.outpost.Outpost).
 */
OpPreferencesWindow *op_preferences_window_new (GtkWindow *parent,
                                                GSettings *settings);

G_END_DECLS
