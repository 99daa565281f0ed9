/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "op-help-overlay.h"
#include "op-ui-resources.h"
#include "op-view-registry.h"
#include "op-window.h"

struct _OpWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings; /* NULL when the schema is not installed */
  GtkSelectionModel    *pages;

  AdwToastOverlay      *toast_overlay;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar   *switcher_bar;
  GtkStack             *content_stack;
  AdwStatusPage        *welcome_page;
  AdwViewStack         *view_stack;
};

G_DEFINE_FINAL_TYPE (OpWindow, op_window, ADW_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_HAS_VIEWS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
op_window_update_views (OpWindow *self)
{
  gboolean has_views = op_window_get_has_views (self);
  gboolean reveal;

  if (self->switcher_bar == NULL)
    return;

  /* Hidden, not only behind the views: a screen reader would still find its text. */
  gtk_widget_set_visible (GTK_WIDGET (self->welcome_page), !has_views);
  gtk_stack_set_visible_child_name (self->content_stack, has_views ? "views" : "welcome");
  /* The bottom switcher replaces the header's one in a narrow window; with no views it
   * would be an empty bar. It gets the stack (and makes its buttons) only when it is
   * first needed: a wide window's first frame does without it. */
  reveal = has_views && adw_view_switcher_title_get_title_visible (self->switcher_title);
  if (reveal && adw_view_switcher_bar_get_stack (self->switcher_bar) == NULL)
    {
      adw_view_switcher_bar_set_stack (self->switcher_bar, self->view_stack);
      gtk_widget_set_visible (GTK_WIDGET (self->switcher_bar), TRUE);
    }
  adw_view_switcher_bar_set_reveal (self->switcher_bar, reveal);
}

static void
on_pages_changed (OpWindow   *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *pages)
{
  op_window_update_views (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_VIEWS]);
}

static GSettings *
settings_if_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);

  if (schema == NULL)
    {
      /* Only an uninstalled build gets here; it still runs, it just forgets. */
      g_warning ("The GSettings schema %s is not installed: the window size will not be "
                 "remembered (for an uninstalled build, point GSETTINGS_SCHEMA_DIR at the "
                 "build's data folder)", APP_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}

static void
op_window_restore_state (OpWindow *self)
{
  int width, height;

  if (self->settings == NULL)
    return;

  width = g_settings_get_int (self->settings, "window-width");
  height = g_settings_get_int (self->settings, "window-height");
  gtk_window_set_default_size (GTK_WINDOW (self), width, height);

  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

/**
 * op_window_save_state:
 * @self: the window
 *
 * Stores the window's size and maximized state, to be restored by the next window.
 * Called when the window closes.
 */
void
op_window_save_state (OpWindow *self)
{
  gboolean maximized;
  int width, height;

  g_return_if_fail (OP_IS_WINDOW (self));

  if (self->settings == NULL)
    return;

  maximized = gtk_window_is_maximized (GTK_WINDOW (self));
  g_settings_set_boolean (self->settings, "window-maximized", maximized);

  /* A maximized window keeps the size it had before, so it restores to that. */
  if (!maximized)
    {
      gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
      if (width > 0 && height > 0)
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
    }
}

static gboolean
op_window_close_request (GtkWindow *window)
{
  op_window_save_state (OP_WINDOW (window));

  return GTK_WINDOW_CLASS (op_window_parent_class)->close_request (window);
}

static void
op_window_dispose (GObject *object)
{
  OpWindow *self = OP_WINDOW (object);

  if (self->pages != NULL)
    g_signal_handlers_disconnect_by_func (self->pages, on_pages_changed, self);
  g_clear_object (&self->pages);

  gtk_widget_dispose_template (GTK_WIDGET (self), OP_TYPE_WINDOW);

  G_OBJECT_CLASS (op_window_parent_class)->dispose (object);
}

static void
op_window_finalize (GObject *object)
{
  OpWindow *self = OP_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (op_window_parent_class)->finalize (object);
}

static void
op_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  OpWindow *self = OP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_HAS_VIEWS:
      g_value_set_boolean (value, op_window_get_has_views (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_window_class_init (OpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = op_window_dispose;
  object_class->finalize = op_window_finalize;
  object_class->get_property = op_window_get_property;

  window_class->close_request = op_window_close_request;

  /**
   * OpWindow:has-views:
   *
   * Whether any view is in the view stack; while none is, the welcome page shows.
   */
  properties[PROP_HAS_VIEWS] =
    g_param_spec_boolean ("has-views", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  _op_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "op-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OpWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, OpWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, OpWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, OpWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, OpWindow, view_stack);
  gtk_widget_class_bind_template_callback (widget_class, op_window_update_views);
}

/* A lazy view's page holds an empty AdwBin until the page is first shown. */
static GtkWidget *
ensure_view (OpWindow         *self,
             const OpViewInfo *info)
{
  GtkWidget *child = adw_view_stack_get_child_by_name (self->view_stack, info->name);

  if (child == NULL || !info->lazy)
    return child;

  if (adw_bin_get_child (ADW_BIN (child)) == NULL)
    adw_bin_set_child (ADW_BIN (child), info->create ());

  return adw_bin_get_child (ADW_BIN (child));
}

static void
on_visible_child_changed (OpWindow   *self,
                          GParamSpec *pspec,
                          GObject    *stack)
{
  const char *name = adw_view_stack_get_visible_child_name (self->view_stack);
  const OpViewInfo *info = name != NULL ? op_view_registry_lookup (name) : NULL;

  if (info != NULL)
    ensure_view (self, info);
}

/* One page per registered view (op-view-registry.h), in their order. */
static void
op_window_add_views (OpWindow *self)
{
  op_view_registry_ensure ();

  for (guint i = 0; i < op_view_registry_get_n_views (); i++)
    {
      const OpViewInfo *info = op_view_registry_get_view (i);
      GtkWidget *child = info->lazy ? adw_bin_new () : info->create ();

      adw_view_stack_add_titled_with_icon (self->view_stack, child, info->name,
                                           _(info->title), info->icon_name);
    }

  g_signal_connect_object (self->view_stack, "notify::visible-child",
                           G_CALLBACK (on_visible_child_changed), self, G_CONNECT_SWAPPED);
  on_visible_child_changed (self, NULL, G_OBJECT (self->view_stack));
}

static void
op_window_init (OpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  _op_help_overlay_install (GTK_APPLICATION_WINDOW (self));

  self->settings = settings_if_installed ();
  op_window_restore_state (self);

  op_window_add_views (self);

  self->pages = adw_view_stack_get_pages (self->view_stack);
  g_signal_connect_object (self->pages, "items-changed",
                           G_CALLBACK (on_pages_changed), self, G_CONNECT_SWAPPED);
  op_window_update_views (self);
}

/**
 * op_window_new:
 * @application: the application
 *
 * Returns: (transfer none): a new main window, owned by GTK's toplevel list
 */
OpWindow *
op_window_new (GtkApplication *application)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);

  return g_object_new (OP_TYPE_WINDOW, "application", application, NULL);
}

/**
 * op_window_get_view_stack:
 * @self: the window
 *
 * Where views add themselves (adw_view_stack_add_titled_with_icon()): Files, Mail, News,
 * Console. Adding the first one replaces the welcome page.
 *
 * Returns: (transfer none): the view stack
 */
AdwViewStack *
op_window_get_view_stack (OpWindow *self)
{
  g_return_val_if_fail (OP_IS_WINDOW (self), NULL);

  return self->view_stack;
}

/**
 * op_window_get_view:
 * @self: the window
 * @name: a registered view's name ("files", "console")
 *
 * The view's widget, made now if the view is lazy and was not shown yet.
 *
 * Returns: (transfer none) (nullable): the view, or %NULL if no view has that name
 */
GtkWidget *
op_window_get_view (OpWindow   *self,
                    const char *name)
{
  const OpViewInfo *info;

  g_return_val_if_fail (OP_IS_WINDOW (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  info = op_view_registry_lookup (name);
  if (info == NULL)
    return NULL;

  return ensure_view (self, info);
}

/**
 * op_window_show_view:
 * @self: the window
 * @name: a view's name in the stack ("files")
 *
 * Brings the view called @name to the front.
 */
void
op_window_show_view (OpWindow   *self,
                     const char *name)
{
  g_return_if_fail (OP_IS_WINDOW (self));

  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

gboolean
op_window_get_has_views (OpWindow *self)
{
  g_return_val_if_fail (OP_IS_WINDOW (self), FALSE);

  return self->pages != NULL && g_list_model_get_n_items (G_LIST_MODEL (self->pages)) > 0;
}

/**
 * op_window_show_message:
 * @self: the window
 * @message: a translated sentence that says what happened
 *
 * Shows @message as a toast that stays until the user dismisses it: it answers
 * something the user asked for.
 */
void
op_window_show_message (OpWindow   *self,
                        const char *message)
{
  g_autofree char *markup = NULL;
  AdwToast *toast;

  g_return_if_fail (OP_IS_WINDOW (self));
  g_return_if_fail (message != NULL);

  /* A toast's title is Pango markup in libadwaita 1.2; the message may quote a URI
   * with "&" or "<" in it. */
  markup = g_markup_escape_text (message, -1);
  toast = adw_toast_new (markup);
  adw_toast_set_timeout (toast, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/**
 * op_window_show_error:
 * @self: the window
 * @heading: a short translated heading, e.g. "Can't Open Address"
 * @body: translated sentences that say what happened and what to do
 *
 * Shows an error about something the user asked for in a dialog over the window: unlike
 * a toast, it is never cut short in a narrow window, and a screen reader announces it.
 */
void
op_window_show_error (OpWindow   *self,
                      const char *heading,
                      const char *body)
{
  GtkWidget *dialog;

  g_return_if_fail (OP_IS_WINDOW (self));
  g_return_if_fail (heading != NULL);
  g_return_if_fail (body != NULL);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}
