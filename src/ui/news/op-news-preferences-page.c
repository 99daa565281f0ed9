/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "op-news-preferences-page.h"
#include "op-news-server.h"
#include "op-news-view.h"

struct _OpNewsPreferencesPage
{
  AdwPreferencesPage parent_instance;

  GtkSpinButton *size_spin;
  GtkLabel      *usage_label;
  GCancellable  *cancellable;
  guint          pending;  /* stores not yet answered */
  guint          servers;
  guint64        total;
  gboolean       failed;
};

G_DEFINE_FINAL_TYPE (OpNewsPreferencesPage, op_news_preferences_page, ADW_TYPE_PREFERENCES_PAGE)

static void
op_news_preferences_page_dispose (GObject *object)
{
  OpNewsPreferencesPage *self = OP_NEWS_PREFERENCES_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (op_news_preferences_page_parent_class)->dispose (object);
}

static void
op_news_preferences_page_class_init (OpNewsPreferencesPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = op_news_preferences_page_dispose;
}

static void
op_news_preferences_page_init (OpNewsPreferencesPage *self)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *size_row = adw_action_row_new ();
  GtkWidget *usage_row = adw_action_row_new ();

  self->cancellable = g_cancellable_new ();
  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (self), _("News"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (self), "application-rss+xml-symbolic");

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Article cache"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         _("Articles you read are kept so they open without a connection; when the cache is full the least recently read go first."));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (size_row), _("Cache size"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (size_row), _("Megabytes kept for each news server"));
  self->size_spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (8, 4096, 8));
  gtk_spin_button_set_numeric (self->size_spin, TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self->size_spin), GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->size_spin),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("News article cache size, in megabytes"), -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (size_row), GTK_WIDGET (self->size_spin));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (size_row), GTK_WIDGET (self->size_spin));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (usage_row), _("In use"));
  self->usage_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->usage_label), "dim-label");
  gtk_label_set_selectable (self->usage_label, FALSE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (usage_row), GTK_WIDGET (self->usage_label));

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), size_row);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), usage_row);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self), ADW_PREFERENCES_GROUP (group));
}

static void
show_usage (OpNewsPreferencesPage *self)
{
  g_autofree char *size = g_format_size (self->total);
  g_autofree char *text = NULL;

  if (self->failed)
    text = g_strdup (_("Not known: a news store could not be read"));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s for %u server", "%s for %u servers",
                                         self->servers),
                            size, self->servers);
  gtk_label_set_text (self->usage_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->usage_label), TRUE);
}

static void
cache_size_read (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (OpNewsPreferencesPage) self = user_data;
  g_autoptr (GError) error = NULL;
  guint64 size = 0;

  if (!op_news_store_get_cache_size_finish (OP_NEWS_STORE (source), result, &size, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_message ("The article cache's size could not be read: %s", error->message);
      self->failed = TRUE;
    }
  self->total += size;
  if (--self->pending == 0)
    show_usage (self);
}

GtkWidget *
op_news_preferences_page_new (GtkWidget *view,
                              GSettings *settings)
{
  OpNewsPreferencesPage *self;
  GPtrArray *servers;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (OP_TYPE_NEWS_PREFERENCES_PAGE, NULL);
  g_settings_bind (settings, "news-cache-limit-mib", self->size_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);

  servers = OP_IS_NEWS_VIEW (view) ? op_news_view_get_servers (OP_NEWS_VIEW (view)) : NULL;
  self->servers = servers != NULL ? servers->len : 0;
  if (self->servers == 0)
    {
      gtk_label_set_text (self->usage_label, _("No news server yet"));
      return GTK_WIDGET (self);
    }

  /* The stores answer on their threads; the label fills in when all have. */
  gtk_widget_set_visible (GTK_WIDGET (self->usage_label), FALSE);
  self->pending = self->servers;
  for (guint i = 0; i < servers->len; i++)
    op_news_store_get_cache_size_async (op_news_server_get_store (g_ptr_array_index (servers, i)),
                                        self->cancellable, cache_size_read, g_object_ref (self));
  return GTK_WIDGET (self);
}

const char *
op_news_preferences_page_get_usage (OpNewsPreferencesPage *self)
{
  g_return_val_if_fail (OP_IS_NEWS_PREFERENCES_PAGE (self), NULL);

  if (self->pending > 0)
    return NULL;
  return gtk_label_get_text (self->usage_label);
}
