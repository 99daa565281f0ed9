/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui"

#include "config.h"

#include "op-mail-preferences-page.h"
#include "op-preferences-window.h"
#include "op-window.h"

struct _OpPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GtkSpinButton *parallel_spin;
  GtkSpinButton *keepalive_spin;
};

G_DEFINE_FINAL_TYPE (OpPreferencesWindow, op_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
op_preferences_window_class_init (OpPreferencesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/outpost/Outpost/op-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OpPreferencesWindow, parallel_spin);
  gtk_widget_class_bind_template_child (widget_class, OpPreferencesWindow, keepalive_spin);
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
  /* Both ways: the window follows a change made elsewhere (gsettings set) as well. */
  g_settings_bind (settings, "transfer-max-parallel", self->parallel_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "ftp-keepalive-seconds", self->keepalive_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  /* One page per view that has settings: Mail's accounts (removed from its page too). */
  {
    GtkWidget *mail = OP_IS_WINDOW (parent) ? op_window_get_view (OP_WINDOW (parent), "mail") : NULL;

    adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                                ADW_PREFERENCES_PAGE (op_mail_preferences_page_new (OP_IS_MAIL_VIEW (mail) ? OP_MAIL_VIEW (mail)
                                                                                                    : NULL)));
  }
  return self;
}
