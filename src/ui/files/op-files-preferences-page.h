/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OP_TYPE_FILES_PREFERENCES_PAGE (op_files_preferences_page_get_type ())
G_DECLARE_FINAL_TYPE (OpFilesPreferencesPage, op_files_preferences_page, OP, FILES_PREFERENCES_PAGE,
                      AdwPreferencesPage)

/* The Files page of the Preferences window: the transfer queue's settings, bound both
 * ways to @settings (a change made elsewhere shows at once). @view is unused: the view
 * follows the settings itself. (OpViewInfo.create_preferences) */
GtkWidget *op_files_preferences_page_new (GtkWidget *view,
                                          GSettings *settings);

G_END_DECLS
