/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * OpViewInfo:
 * @name: the page's name in the window's view stack ("files", "console")
 * @title: the page's title, marked for translation with the N_ macro, translated when shown
 * @icon_name: the page's icon in the view switcher
 * @create: makes the view's widget
 * @lazy: %TRUE for a heavy view: @create runs when the page is first shown
 * @schemes: (nullable): the URI schemes the view opens, NULL-terminated, lower case
 * @open_uri: (nullable): opens a URI of one of @schemes in the view (already shown);
 *   sets a translated error that names the URI when it can't
 * @create_preferences: (nullable): makes the view's page of the Preferences window (an
 *   AdwPreferencesPage) over @settings (the application's); @view is the view's widget,
 *   made if it was not yet. NULL for a view without settings.
 *
 * How the shell knows a view (DESIGN.md "Layers"): the window adds one page per
 * registered view, in the order of registration, and the application routes `outpost
 * URI` to the view whose @schemes have the URI's scheme. Neither includes a view's
 * header. A view registers itself with op_view_registry_add() from its own
 * op_X_view_register(), which op-views.c calls; nothing else is needed to add a view.
 */
typedef struct
{
  const char          *name;
  const char          *title;
  const char          *icon_name;
  GtkWidget         *(*create)   (void);
  gboolean             lazy;
  const char * const  *schemes;
  gboolean           (*open_uri) (GtkWidget   *view,
                                  const char  *uri,
                                  GError     **error);
  GtkWidget         *(*create_preferences) (GtkWidget *view,
                                            GSettings *settings);
} OpViewInfo;

/* @info must stay valid for the life of the program (a static). */
void              op_view_registry_add           (const OpViewInfo *info);
/* Registers the views of op-views.c once (the window and the application call it). */
void              op_view_registry_ensure        (void);
guint             op_view_registry_get_n_views   (void);
const OpViewInfo *op_view_registry_get_view      (guint             position);
const OpViewInfo *op_view_registry_lookup        (const char       *name);

/* Defined in op-views.c, the one file that names the views. */
void              _op_views_register             (void);

G_END_DECLS
