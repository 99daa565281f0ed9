/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

/* The connected site's bookmarks (op-ftp-bookmarks.h), under "Bookmarks" in the panes'
 * context menu: "Add Bookmark" keeps both panes' folders, named after the remote one;
 * each bookmark takes both panes to its folders; "Remove Bookmark" lists them again. Only a site saved in the accounts file
 * keeps bookmarks (a quick connection has nowhere to keep them). */

#include "config.h"

#include <glib/gi18n.h>

#include "op-files-view-private.h"
#include "op-ftp-bookmarks.h"

#define MENU_KEY "op-bookmarks-menu"
#define SHOWN_KEY "op-bookmarks-shown"   /* the site the menu was made for */

static gboolean
site_is_saved (OpFilesView *self)
{
  return self->site != NULL && self->accounts != NULL
         && op_accounts_lookup (self->accounts, op_account_get_id (self->site)) == self->site;
}

static void
rebuild (OpFilesView *self)
{
  GMenu *menu = g_object_get_data (G_OBJECT (self), MENU_KEY);
  gboolean saved = site_is_saved (self) && op_ftp_browser_get_connected (self->browser);
  g_autoptr (GMenu) add = g_menu_new ();
  g_autoptr (GMenu) items = g_menu_new ();
  g_autoptr (GMenu) remove = g_menu_new ();

  if (menu == NULL)
    {
      menu = g_menu_new ();
      g_object_set_data_full (G_OBJECT (self), MENU_KEY, menu, g_object_unref);
      g_menu_append_submenu (G_MENU (self->context_menu), _("_Bookmarks"), G_MENU_MODEL (menu));
    }
  g_menu_remove_all (menu);
  g_menu_append (add, _("_Add Bookmark"), "files.add-bookmark");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (add));
  if (saved)
    {
      g_autoptr (GPtrArray) bookmarks = op_ftp_site_dup_bookmarks (self->site);

      for (guint i = 0; i < bookmarks->len; i++)
        {
          OpFtpBookmark *bookmark = g_ptr_array_index (bookmarks, i);
          g_autoptr (GMenuItem) item = g_menu_item_new (bookmark->name, NULL);

          g_autoptr (GMenuItem) removing = g_menu_item_new (bookmark->name, NULL);

          g_menu_item_set_action_and_target (item, "files.open-bookmark", "s", bookmark->name);
          g_menu_append_item (items, item);
          g_menu_item_set_action_and_target (removing, "files.remove-bookmark", "s",
                                             bookmark->name);
          g_menu_append_item (remove, removing);
        }
      g_menu_append_section (menu, NULL, G_MENU_MODEL (items));
      if (bookmarks->len > 0)
        {
          g_autoptr (GMenu) last = g_menu_new ();

          g_menu_append_submenu (last, _("_Remove Bookmark"), G_MENU_MODEL (remove));
          g_menu_append_section (menu, NULL, G_MENU_MODEL (last));
        }
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "files.add-bookmark", saved);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "files.open-bookmark", saved);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "files.remove-bookmark", saved);
}

/* After a connection's state changed: the menu follows the site, made again only when
 * the site (or whether it is connected) changed, not on every listing. */
void
_op_files_view_update_bookmarks (OpFilesView *self)
{
  gpointer shown = op_ftp_browser_get_connected (self->browser) ? self->site : NULL;

  if (self->context_menu == NULL)
    return;
  if (g_object_get_data (G_OBJECT (self), MENU_KEY) != NULL
      && g_object_get_data (G_OBJECT (self), SHOWN_KEY) == shown)
    return;
  g_object_set_data (G_OBJECT (self), SHOWN_KEY, shown);
  rebuild (self);
}

static void
add_bookmark_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  const char *remote_dir = op_file_pane_get_path (self->remote_pane);
  g_autofree char *local_dir = self->local_dir != NULL ? g_file_get_path (self->local_dir) : NULL;
  g_autofree char *message = NULL;

  if (!site_is_saved (self) || remote_dir == NULL)
    return;
  op_ftp_site_set_bookmark (self->site, remote_dir, local_dir, remote_dir);
  op_accounts_schedule_save (self->accounts);
  rebuild (self);
  /* Translators: %s is a remote folder */
  message = g_strdup_printf (_("Bookmarked “%s” with the local folder"), remote_dir);
  _op_files_view_toast (self, message);
}

static void
open_bookmark_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  g_autoptr (GPtrArray) bookmarks = NULL;

  if (!site_is_saved (self))
    return;
  bookmarks = op_ftp_site_dup_bookmarks (self->site);
  for (guint i = 0; i < bookmarks->len; i++)
    {
      OpFtpBookmark *bookmark = g_ptr_array_index (bookmarks, i);

      if (g_strcmp0 (bookmark->name, name) != 0)
        continue;
      if (bookmark->local_dir != NULL)
        {
          g_autoptr (GFile) local = g_file_new_for_path (bookmark->local_dir);
          op_files_view_set_local_folder (self, local);
        }
      if (bookmark->remote_dir != NULL)
        _op_files_view_load_remote (self, bookmark->remote_dir);
      return;
    }
}

static void
remove_bookmark_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  g_autofree char *message = NULL;

  if (!site_is_saved (self) || !op_ftp_site_remove_bookmark (self->site, name))
    return;
  op_accounts_schedule_save (self->accounts);
  rebuild (self);
  /* Translators: %s is a bookmark's name (a remote folder) */
  message = g_strdup_printf (_("Removed the bookmark “%s”"), name);
  _op_files_view_toast (self, message);
}

void
_op_files_view_bookmarks_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "files.add-bookmark", NULL, add_bookmark_action);
  gtk_widget_class_install_action (widget_class, "files.open-bookmark", "s", open_bookmark_action);
  gtk_widget_class_install_action (widget_class, "files.remove-bookmark", "s",
                                   remove_bookmark_action);
}
