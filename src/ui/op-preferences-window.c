/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui"

#include "config.h"

#include "op-preferences-window.h"
#include "op-view-registry.h"
#include "op-window.h"

struct _OpPreferencesWindow
{
  AdwPreferencesWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (OpPreferencesWindow, op_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
op_preferences_window_class_init (OpPreferencesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/outpost/Outpost/op-preferences-window.ui");
}

static void
op_preferences_window_init (OpPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

OpPreferencesWindow *
op_preferences_window_new (GtkWindow *parent,
                           GSettings *settings)
{
  OpPreferencesWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (OP_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       NULL);
  /* One page per view that has settings, in the view switcher's order. */
  op_view_registry_ensure ();
  for (guint i = 0; i < op_view_registry_get_n_views (); i++)
    {
      const OpViewInfo *info = op_view_registry_get_view (i);
      GtkWidget *view;

      if (info->create_preferences == NULL)
        continue;
      view = OP_IS_WINDOW (parent) ? op_window_get_view (OP_WINDOW (parent), info->name) : NULL;
      adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                                  ADW_PREFERENCES_PAGE (info->create_preferences (view, settings)));
    }
  return self;
}
