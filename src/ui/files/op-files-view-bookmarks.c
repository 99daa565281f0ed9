/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

/* The connected site's bookmarks (op-ftp-bookmarks.h), under "Bookmarks" in the panes'
 * context menu: "Add Bookmark" keeps both panes' folders, named after the remote one;
 * each bookmark takes both panes to its folders; "Rename Bookmark" and "Remove Bookmark"
 * list them again. Only a site saved in the accounts file keeps bookmarks (a quick
 * connection has nowhere to keep them). */

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
  g_autoptr (GMenu) rename = g_menu_new ();
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
          g_autoptr (GMenuItem) renaming = g_menu_item_new (bookmark->name, NULL);
          g_autoptr (GMenuItem) removing = g_menu_item_new (bookmark->name, NULL);

          g_menu_item_set_action_and_target (item, "files.open-bookmark", "s", bookmark->name);
          g_menu_append_item (items, item);
          g_menu_item_set_action_and_target (renaming, "files.rename-bookmark", "s",
                                             bookmark->name);
          g_menu_append_item (rename, renaming);
          g_menu_item_set_action_and_target (removing, "files.remove-bookmark", "s",
                                             bookmark->name);
          g_menu_append_item (remove, removing);
        }
      g_menu_append_section (menu, NULL, G_MENU_MODEL (items));
      if (bookmarks->len > 0)
        {
          g_autoptr (GMenu) last = g_menu_new ();

          g_menu_append_submenu (last, _("Re_name Bookmark"), G_MENU_MODEL (rename));
          g_menu_append_submenu (last, _("_Remove Bookmark"), G_MENU_MODEL (remove));
          g_menu_append_section (menu, NULL, G_MENU_MODEL (last));
        }
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "files.add-bookmark", saved);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "files.open-bookmark", saved);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "files.rename-bookmark", saved);
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

/* --- renaming: a small dialog with the name, refused while empty or taken ------------- */

typedef struct
{
  OpFilesView *self;
  OpAccount   *site;   /* the site the dialog was opened for */
  char        *name;
  GtkEditable *entry;
} Renaming;

static void
renaming_free (gpointer data)
{
  Renaming *renaming = data;

  g_object_unref (renaming->self);
  g_object_unref (renaming->site);
  g_free (renaming->name);
  g_free (renaming);
}

static void
on_rename_changed (GtkEditable      *entry,
                   AdwMessageDialog *dialog)
{
  Renaming *renaming = g_object_get_data (G_OBJECT (dialog), "op-renaming");
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "rename",
                                           op_ftp_site_bookmark_name_is_free (renaming->site,
                                                                              renaming->name,
                                                                              name));
}

static void
on_rename_response (AdwMessageDialog *dialog,
                    const char       *response,
                    Renaming         *renaming)
{
  OpFilesView *self = renaming->self;
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (renaming->entry)));
  g_autofree char *message = NULL;

  if (g_strcmp0 (response, "rename") != 0 || g_strcmp0 (name, renaming->name) == 0)
    return;
  /* The site may have been disconnected or changed while the dialog was open: the
   * bookmark belongs to the site it was opened for, saved or not. */
  if (!op_ftp_site_rename_bookmark (renaming->site, renaming->name, name))
    return;
  if (self->accounts != NULL)
    op_accounts_schedule_save (self->accounts);
  if (renaming->site == self->site)
    rebuild (self);
  /* Translators: the first %s is a bookmark's old name, the second its new one */
  message = g_strdup_printf (_("Renamed the bookmark “%s” to “%s”"), renaming->name, name);
  _op_files_view_toast (self, message);
}

static void
rename_bookmark_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  AdwMessageDialog *dialog;
  GtkWidget *entry;
  Renaming *renaming;

  if (!site_is_saved (self) || op_ftp_site_bookmark_name_is_free (self->site, NULL, name))
    return;
  renaming = g_new0 (Renaming, 1);
  renaming->self = g_object_ref (self);
  renaming->site = g_object_ref (self->site);
  renaming->name = g_strdup (name);
  entry = gtk_entry_new ();
  renaming->entry = GTK_EDITABLE (entry);
  gtk_editable_set_text (renaming->entry, name);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Files: Bookmark Name"), -1);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (_op_files_view_parent_window (self),
                                                       _("Rename Bookmark"), NULL));
  g_object_set_data (G_OBJECT (dialog), "op-renaming", renaming);
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "rename", _("_Rename"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "rename", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "rename");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (entry, "changed", G_CALLBACK (on_rename_changed), dialog);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_rename_response), renaming,
                         (GClosureNotify) (void (*) (void)) renaming_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
  gtk_editable_select_region (renaming->entry, 0, -1);
}

void
_op_files_view_bookmarks_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "files.add-bookmark", NULL, add_bookmark_action);
  gtk_widget_class_install_action (widget_class, "files.open-bookmark", "s", open_bookmark_action);
  gtk_widget_class_install_action (widget_class, "files.rename-bookmark", "s",
                                   rename_bookmark_action);
  gtk_widget_class_install_action (widget_class, "files.remove-bookmark", "s",
                                   remove_bookmark_action);
}
