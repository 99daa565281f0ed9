/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui"

#include "config.h"

#include "op-files-preferences-page.h"

struct _OpFilesPreferencesPage
{
  AdwPreferencesPage parent_instance;

  GtkSpinButton *parallel_spin;
  GtkSpinButton *keepalive_spin;
  GtkSpinButton *download_limit_spin;
  GtkSpinButton *upload_limit_spin;
  AdwComboRow   *double_click_row;
};

G_DEFINE_FINAL_TYPE (OpFilesPreferencesPage, op_files_preferences_page, ADW_TYPE_PREFERENCES_PAGE)

/* The combo row's positions, in the order of the .ui file's list. */
static const char * const double_click_values[] = { "download", "view-edit", "nothing" };

static gboolean
double_click_get (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  const char *setting = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (double_click_values); i++)
    if (g_strcmp0 (setting, double_click_values[i]) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
double_click_set (const GValue       *value,
                  const GVariantType *type,
                  gpointer            user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (double_click_values))
    return NULL;
  return g_variant_new_string (double_click_values[selected]);
}

static void
op_files_preferences_page_class_init (OpFilesPreferencesPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/outpost/Outpost/files/op-files-preferences-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OpFilesPreferencesPage, parallel_spin);
  gtk_widget_class_bind_template_child (widget_class, OpFilesPreferencesPage, keepalive_spin);
  gtk_widget_class_bind_template_child (widget_class, OpFilesPreferencesPage, download_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, OpFilesPreferencesPage, upload_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, OpFilesPreferencesPage, double_click_row);
}

static void
op_files_preferences_page_init (OpFilesPreferencesPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
op_files_preferences_page_new (GtkWidget *view,
                               GSettings *settings)
{
  OpFilesPreferencesPage *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (OP_TYPE_FILES_PREFERENCES_PAGE, NULL);
  g_settings_bind (settings, "transfer-max-parallel", self->parallel_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "ftp-keepalive-seconds", self->keepalive_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "transfer-download-limit-kib", self->download_limit_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "transfer-upload-limit-kib", self->upload_limit_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "remote-file-double-click", self->double_click_row,
                                "selected", G_SETTINGS_BIND_DEFAULT, double_click_get,
                                double_click_set, NULL, NULL);
  return GTK_WIDGET (self);
}
