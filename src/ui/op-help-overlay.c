/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui"

#include "config.h"

#include "op-help-overlay.h"

#define HELP_OVERLAY_RESOURCE "/io/github/outpost/Outpost/op-help-overlay.ui"

/* The shortcuts window open for @window, if there is one. */
static GtkWindow *
find_open_overlay (GtkWindow *window)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (GTK_IS_SHORTCUTS_WINDOW (toplevel)
          && gtk_window_get_transient_for (toplevel) == window)
        return toplevel;
    }

  return NULL;
}

static void
on_show_help_overlay (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  GtkWindow *window = GTK_WINDOW (user_data);
  GtkWindow *overlay = find_open_overlay (window);

  if (overlay == NULL)
    {
      g_autoptr (GtkBuilder) builder = gtk_builder_new_from_resource (HELP_OVERLAY_RESOURCE);

      overlay = GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
      /* Closing it destroys it (hide-on-close stays FALSE), and so does closing @window:
       * no hidden toplevel stays behind in GTK's list (op-help-overlay.h). */
      gtk_window_set_transient_for (overlay, window);
      gtk_window_set_destroy_with_parent (overlay, TRUE);
    }

  gtk_window_present (overlay);
}

/**
 * _op_help_overlay_install:
 * @window: a main window
 *
 * Adds win.show-help-overlay to @window (op-help-overlay.h).
 */
void
_op_help_overlay_install (GtkApplicationWindow *window)
{
  g_autoptr (GSimpleAction) action = g_simple_action_new ("show-help-overlay", NULL);

  g_return_if_fail (GTK_IS_APPLICATION_WINDOW (window));

  g_signal_connect_object (action, "activate", G_CALLBACK (on_show_help_overlay), window, 0);
  g_action_map_add_action (G_ACTION_MAP (window), G_ACTION (action));
}
