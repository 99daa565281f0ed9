/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-console-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "op-console-tab.h"
#include "op-console-view.h"
#include "op-ui-resources.h"
#include "op-view-registry.h"

struct _OpConsoleView
{
  AdwBin          parent_instance;

  GtkStack       *stack;
  AdwTabView     *tab_view;
  AdwTabBar      *tab_bar;
  GtkApplication *application;      /* (nullable): whose Ctrl+W is lent to the page */
  char          **window_close_accels; /* what window.close had before */
};

G_DEFINE_FINAL_TYPE (OpConsoleView, op_console_view, ADW_TYPE_BIN)

static OpConsoleTab *
current_tab (OpConsoleView *self)
{
  AdwTabPage *page = adw_tab_view_get_selected_page (self->tab_view);

  return page != NULL ? OP_CONSOLE_TAB (adw_tab_page_get_child (page)) : NULL;
}

static gboolean
on_close_page (OpConsoleView *self,
               AdwTabPage    *page,
               AdwTabView    *view)
{
  /* A server stops and a session closes with its tab. */
  op_console_tab_stop (OP_CONSOLE_TAB (adw_tab_page_get_child (page)));
  adw_tab_view_close_page_finish (view, page, TRUE);

  return GDK_EVENT_STOP;
}

static void
on_n_pages_changed (OpConsoleView *self)
{
  /* Shown or hidden, not replaced (tests/ui/README.md: AT-SPI in GTK 4.8). */
  gtk_stack_set_visible_child_name (self->stack,
                                    adw_tab_view_get_n_pages (self->tab_view) > 0
                                      ? "tabs" : "empty");
}

static GtkWidget *
find_descendant (GtkWidget  *widget,
                 const char *type_name,
                 const char *icon_name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (g_str_equal (G_OBJECT_TYPE_NAME (child), type_name)
          && (icon_name == NULL
              || (GTK_IS_BUTTON (child)
                  && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (child)), icon_name) == 0)))
        return child;
      found = find_descendant (child, type_name, icon_name);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* libadwaita 1.2's tabs give their close buttons a tooltip but no accessible name, and
 * every tab has one: name each after its tab ("Close “TCP Client”"), so a screen reader
 * says which tab it closes. The tabs are the tab bar's own widgets (AdwTab, with the
 * title in an AdwFadingLabel): found by type name, the close button by its icon. */
static void
name_close_buttons (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (g_str_equal (G_OBJECT_TYPE_NAME (child), "AdwTab"))
        {
          GtkWidget *label = find_descendant (child, "AdwFadingLabel", NULL);
          GtkWidget *close = find_descendant (child, "GtkButton", "window-close-symbolic");
          g_autofree char *title = NULL;
          g_autofree char *name = NULL;

          if (label == NULL || close == NULL)
            continue;
          g_object_get (label, "label", &title, NULL);
          /* Translators: the accessible name of a Console tab's close button */
          name = g_strdup_printf (_("Close “%s”"), title != NULL ? title : "");
          gtk_accessible_update_property (GTK_ACCESSIBLE (close),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
        }
      else
        name_close_buttons (child);
    }
}

static void
on_page_title_changed (OpConsoleView *self)
{
  name_close_buttons (GTK_WIDGET (self->tab_bar));
}

GtkWidget *
op_console_view_new_tab (OpConsoleView *self,
                         const char    *kind,
                         const char    *host)
{
  GtkWidget *tab;
  AdwTabPage *page;

  g_return_val_if_fail (OP_IS_CONSOLE_VIEW (self), NULL);

  tab = op_console_tab_new (kind, host);
  page = adw_tab_view_append (self->tab_view, tab);
  g_object_bind_property (tab, "title", page, "title", G_BINDING_SYNC_CREATE);
  /* After the tab bar's own handler, which shows the new title in the tab. */
  g_signal_connect_object (page, "notify::title", G_CALLBACK (on_page_title_changed), self,
                           G_CONNECT_SWAPPED);
  name_close_buttons (GTK_WIDGET (self->tab_bar));
  adw_tab_view_set_selected_page (self->tab_view, page);
  gtk_widget_grab_focus (tab);
  gtk_widget_child_focus (tab, GTK_DIR_TAB_FORWARD);

  return tab;
}

static void
new_session_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *parameter)
{
  op_console_view_new_tab (OP_CONSOLE_VIEW (widget),
                           parameter != NULL ? g_variant_get_string (parameter, NULL) : "tcp",
                           NULL);
}

static void
new_session_to_action (GtkWidget  *widget,
                       const char *name,
                       GVariant   *parameter)
{
  op_console_view_new_tab (OP_CONSOLE_VIEW (widget), "tcp",
                           g_variant_get_string (parameter, NULL));
}

static void
close_action (GtkWidget  *widget,
              const char *name,
              GVariant   *parameter)
{
  OpConsoleView *self = OP_CONSOLE_VIEW (widget);
  AdwTabPage *page = adw_tab_view_get_selected_page (self->tab_view);

  if (page != NULL)
    adw_tab_view_close_page (self->tab_view, page);
}

static void
send_action (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  OpConsoleTab *tab = current_tab (OP_CONSOLE_VIEW (widget));

  if (tab != NULL)
    op_console_tab_send (tab);
}

static void
toggle_hex_action (GtkWidget  *widget,
                   const char *name,
                   GVariant   *parameter)
{
  OpConsoleTab *tab = current_tab (OP_CONSOLE_VIEW (widget));

  if (tab != NULL)
    op_console_tab_toggle_hex (tab);
}

/* While the page is shown, Ctrl+W closes a tab rather than the window: the application's
 * accelerators run before any shortcut of a page, so the page takes window.close's keys
 * while it is mapped and gives them back when it is not. */
static void
op_console_view_map (GtkWidget *widget)
{
  OpConsoleView *self = OP_CONSOLE_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkApplication *application = GTK_IS_WINDOW (root)
      ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;

  GTK_WIDGET_CLASS (op_console_view_parent_class)->map (widget);

  if (application == NULL || self->application != NULL)
    return;

  self->application = g_object_ref (application);
  self->window_close_accels = gtk_application_get_accels_for_action (application, "window.close");
  gtk_application_set_accels_for_action (application, "window.close",
                                         (const char *[]) { NULL });
}

static void
give_back_accels (OpConsoleView *self)
{
  if (self->application == NULL)
    return;

  gtk_application_set_accels_for_action (self->application, "window.close",
                                         (const char * const *) self->window_close_accels);
  g_clear_pointer (&self->window_close_accels, g_strfreev);
  g_clear_object (&self->application);
}

static void
op_console_view_unmap (GtkWidget *widget)
{
  give_back_accels (OP_CONSOLE_VIEW (widget));

  GTK_WIDGET_CLASS (op_console_view_parent_class)->unmap (widget);
}

static void
op_console_view_dispose (GObject *object)
{
  give_back_accels (OP_CONSOLE_VIEW (object));

  gtk_widget_dispose_template (GTK_WIDGET (object), OP_TYPE_CONSOLE_VIEW);

  G_OBJECT_CLASS (op_console_view_parent_class)->dispose (object);
}

static void
op_console_view_class_init (OpConsoleViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = op_console_view_dispose;
  widget_class->map = op_console_view_map;
  widget_class->unmap = op_console_view_unmap;

  g_type_ensure (OP_TYPE_CONSOLE_TAB);
  _op_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "console/op-console-view.ui");
  gtk_widget_class_bind_template_child (widget_class, OpConsoleView, stack);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleView, tab_view);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleView, tab_bar);
  gtk_widget_class_bind_template_callback (widget_class, on_close_page);
  gtk_widget_class_bind_template_callback (widget_class, on_n_pages_changed);

  gtk_widget_class_install_action (widget_class, "console.new-session", "s",
                                   new_session_action);
  gtk_widget_class_install_action (widget_class, "console.new-session-to", "s",
                                   new_session_to_action);
  gtk_widget_class_install_action (widget_class, "console.close", NULL, close_action);
  gtk_widget_class_install_action (widget_class, "console.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "console.toggle-hex", NULL,
                                   toggle_hex_action);

}

/* A shortcut of the Console page: it acts while the page is shown, wherever the focus
 * is in the window (right after switching pages the focus is in the header bar), and
 * lets the key go on otherwise (Ctrl+W closes the window on another page). */
static gboolean
run_shortcut (GtkWidget *widget,
              GVariant  *args,
              gpointer   user_data)
{
  const char *action = user_data;

  if (!gtk_widget_get_mapped (widget))
    return FALSE;

  if (g_str_equal (action, "console.new-session"))
    return gtk_widget_activate_action (widget, action, "s", "tcp");

  return gtk_widget_activate_action (widget, action, NULL);
}

static void
add_shortcuts (OpConsoleView *self)
{
  static const struct
  {
    guint           key;
    GdkModifierType modifiers;
    const char     *action;
  } shortcuts[] = {
    { GDK_KEY_t, GDK_CONTROL_MASK, "console.new-session" },
    { GDK_KEY_w, GDK_CONTROL_MASK, "console.close" },
    { GDK_KEY_Return, GDK_CONTROL_MASK, "console.send" },
    { GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "console.send" },
    { GDK_KEY_X, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "console.toggle-hex" },
  };
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller),
                                     GTK_SHORTCUT_SCOPE_MANAGED);
  /* Before the application's accelerators (Ctrl+W is window.close there). */
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    gtk_shortcut_controller_add_shortcut (
        GTK_SHORTCUT_CONTROLLER (controller),
        gtk_shortcut_new (gtk_keyval_trigger_new (shortcuts[i].key, shortcuts[i].modifiers),
                          gtk_callback_action_new (run_shortcut, (gpointer) shortcuts[i].action,
                                                   NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

static void
op_console_view_init (OpConsoleView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  add_shortcuts (self);
  on_n_pages_changed (self);
}

GtkWidget *
op_console_view_new (void)
{
  return g_object_new (OP_TYPE_CONSOLE_VIEW, NULL);
}

AdwTabView *
op_console_view_get_tab_view (OpConsoleView *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_VIEW (self), NULL);
  return self->tab_view;
}

/**
 * op_console_view_register:
 *
 * Adds the Console to the window's views (op-view-registry.h): last, built when first
 * shown, opening no URI scheme.
 */
void
op_console_view_register (void)
{
  static const OpViewInfo info = {
    .name = "console",
    .title = N_("Console"),
    .icon_name = "utilities-terminal-symbolic",
    .create = op_console_view_new,
    .lazy = TRUE,
  };

  op_view_registry_add (&info);
}
