/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

#include "config.h"

#include <glib/gi18n.h>

#include "op-ftp-site.h"
#include "op-secrets.h"
#include "op-site-manager.h"
#include "op-ui-resources.h"

/* The protocol list's order (op-site-manager.ui). */
static const OpSecurity protocols[] = {
  OP_SECURITY_NONE, OP_SECURITY_STARTTLS, OP_SECURITY_IMPLICIT_TLS,
};
static const OpFtpLogonType logons[] = {
  OP_FTP_LOGON_ANONYMOUS, OP_FTP_LOGON_NORMAL, OP_FTP_LOGON_ASK,
};

struct _OpSiteManager
{
  AdwWindow         parent_instance;

  OpAccounts       *accounts;
  OpAccount        *site;        /* the one being edited (nullable) */
  char             *folder;      /* or the folder selected (nullable) */
  gboolean          loading;     /* filling the form: no saving */

  GtkStack         *list_stack;
  GtkListBox       *site_list;
  GtkMenuButton    *move_button;
  GtkStack         *detail_stack;
  AdwPreferencesPage *folder_page;
  AdwEntryRow      *folder_name_row;
  AdwActionRow     *folder_contents_row;
  AdwPreferencesPage *form;
  AdwEntryRow      *name_row;
  AdwEntryRow      *host_row;
  GtkSpinButton    *port_spin;
  AdwComboRow      *protocol_row;
  AdwComboRow      *logon_row;
  AdwEntryRow      *user_row;
  AdwPasswordEntryRow *password_row;
  AdwEntryRow      *local_dir_row;
  AdwEntryRow      *remote_dir_row;
  AdwEntryRow      *charset_row;
  AdwComboRow      *data_mode_row;
  AdwComboRow      *transfer_type_row;
  GtkSpinButton    *connections_spin;
};

G_DEFINE_FINAL_TYPE (OpSiteManager, op_site_manager, ADW_TYPE_WINDOW)

enum
{
  SIGNAL_CONNECT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static guint
index_of (const int *values,
          guint      n,
          int        value)
{
  for (guint i = 0; i < n; i++)
    if (values[i] == value)
      return i;
  return 0;
}

/* A scheduled save of the accounts failed (the file keeps what it had). */
static void
on_save_failed (OpSiteManager *self,
                GError        *error)
{
  g_autofree char *message = g_strdup_printf (_("The sites could not be saved: %s"),
                                              error->message);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Sites Not Saved"), message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Every keystroke changes the site; the file is written once typing pauses, on a worker
 * (op_accounts_schedule_save). */
static void
save (OpSiteManager *self)
{
  op_accounts_schedule_save (self->accounts);
}

/* --- the list: folders (sorted by name) before the sites of each level --------------- */

/* What a row stands for, as the drag of a row carries it: "site:ID" or "folder:ID". */
#define ROW_SITE_PREFIX   "site:"
#define ROW_FOLDER_PREFIX "folder:"

static gboolean drop_on_row (GtkDropTarget *target, const GValue *value, double x,
                             double y, OpSiteManager *self);
static gboolean drop_on_list (GtkDropTarget *target, const GValue *value, double x,
                              double y, OpSiteManager *self);

static char *
site_label (OpAccount *site)
{
  const char *name = op_account_get_name (site);

  return g_strdup (name != NULL && name[0] != '\0' ? name : op_account_get_host (site));
}

static char *
folder_accessible_name (const char *name)
{
  /* Translators: the accessible name of a folder's row in the site manager */
  return g_strdup_printf (_("Folder %s"), name);
}

static GtkWidget *
new_row (OpSiteManager *self,
         const char    *icon,
         const char    *text,
         guint          depth,
         const char    *what)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (text);
  GtkDragSource *drag = gtk_drag_source_new ();
  GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_STRING, GDK_ACTION_MOVE);
  g_autoptr (GdkContentProvider) content = gdk_content_provider_new_typed (G_TYPE_STRING, what);

  /* One step of indentation per folder level. */
  gtk_widget_set_margin_start (box, 16 * depth);
  gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name (icon));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data (G_OBJECT (row), "label", label);
  g_object_set_data_full (G_OBJECT (row), "what", g_strdup (what), g_free);

  gtk_drag_source_set_content (drag, content);
  gtk_drag_source_set_actions (drag, GDK_ACTION_MOVE);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (drag));
  g_signal_connect (drop, "drop", G_CALLBACK (drop_on_row), self);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (drop));
  gtk_list_box_append (self->site_list, row);
  return row;
}

static guint
add_level (OpSiteManager *self,
           const char    *folder,
           guint          depth,
           OpAccount     *select_site,
           const char    *select_folder)
{
  GListModel *accounts = G_LIST_MODEL (self->accounts);
  g_auto (GStrv) folders = op_accounts_list_folders (self->accounts, OP_ACCOUNT_KIND_FTP, folder);
  guint shown = 0;

  for (guint i = 0; folders[i] != NULL; i++)
    {
      const char *name = op_accounts_get_folder_name (self->accounts, folders[i]);
      g_autofree char *what = g_strconcat (ROW_FOLDER_PREFIX, folders[i], NULL);
      g_autofree char *accessible = folder_accessible_name (name);
      GtkWidget *row = new_row (self, "folder-symbolic", name, depth, what);

      g_object_set_data_full (G_OBJECT (row), "folder", g_strdup (folders[i]), g_free);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      accessible, -1);
      if (g_strcmp0 (folders[i], select_folder) == 0)
        gtk_list_box_select_row (self->site_list, GTK_LIST_BOX_ROW (row));
      shown += 1 + add_level (self, folders[i], depth + 1, select_site, select_folder);
    }

  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr (OpAccount) account = g_list_model_get_item (accounts, i);
      g_autofree char *label = NULL;
      g_autofree char *what = NULL;
      GtkWidget *row;

      if (!op_ftp_site_is_site (account)
          || g_strcmp0 (op_accounts_get_account_folder (self->accounts, account), folder) != 0)
        continue;
      label = site_label (account);
      what = g_strconcat (ROW_SITE_PREFIX, op_account_get_id (account), NULL);
      row = new_row (self, "network-server-symbolic", label, depth, what);
      g_object_set_data_full (G_OBJECT (row), "site", g_object_ref (account), g_object_unref);
      if (account == select_site)
        gtk_list_box_select_row (self->site_list, GTK_LIST_BOX_ROW (row));
      shown++;
    }
  return shown;
}

static void update_actions (OpSiteManager *self);

/* Lists folders and sites again, selecting @select_site or @select_folder (or nothing). */
static void
rebuild_list (OpSiteManager *self,
              OpAccount     *select_site,
              const char    *select_folder)
{
  GtkWidget *child;
  guint shown;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->site_list))) != NULL)
    gtk_list_box_remove (self->site_list, child);
  shown = add_level (self, NULL, 0, select_site, select_folder);

  gtk_stack_set_visible_child_name (self->list_stack, shown > 0 ? "list" : "empty");
  if ((select_site == NULL && select_folder == NULL) || shown == 0)
    {
      g_clear_object (&self->site);
      g_clear_pointer (&self->folder, g_free);
      gtk_widget_set_sensitive (GTK_WIDGET (self->form), FALSE);
      gtk_stack_set_visible_child_name (self->detail_stack, "site");
    }
  update_actions (self);
}

/* The folder new sites and folders go in: the selected one, or the selected site's. */
static const char *
current_folder (OpSiteManager *self)
{
  if (self->folder != NULL)
    return self->folder;
  if (self->site != NULL)
    return op_accounts_get_account_folder (self->accounts, self->site);
  return NULL;
}

/* "Clients › Acme": where a folder is, for the Move to Folder menu. */
static char *
folder_path (OpSiteManager *self,
             const char    *folder)
{
  g_autofree char *parent = NULL;
  const char *up = op_accounts_get_folder_parent (self->accounts, folder);

  if (up == NULL)
    return g_strdup (op_accounts_get_folder_name (self->accounts, folder));
  parent = folder_path (self, up);
  return g_strconcat (parent, " › ", op_accounts_get_folder_name (self->accounts, folder), NULL);
}

/* TRUE when @folder is the selected folder or inside it: nowhere to move it. */
static gboolean
within_selected_folder (OpSiteManager *self,
                        const char    *folder)
{
  for (const char *up = folder; up != NULL; up = op_accounts_get_folder_parent (self->accounts, up))
    if (g_strcmp0 (up, self->folder) == 0)
      return TRUE;
  return FALSE;
}

static void
add_move_targets (OpSiteManager *self,
                  GMenu         *menu,
                  const char    *parent)
{
  g_auto (GStrv) folders = op_accounts_list_folders (self->accounts, OP_ACCOUNT_KIND_FTP, parent);

  for (guint i = 0; folders[i] != NULL; i++)
    {
      g_autofree char *label = NULL;
      g_autoptr (GMenuItem) item = NULL;

      if (self->folder != NULL && within_selected_folder (self, folders[i]))
        continue;
      label = folder_path (self, folders[i]);
      item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target (item, "sites.move-to", "s", folders[i]);
      g_menu_append_item (menu, item);
      add_move_targets (self, menu, folders[i]);
    }
}

/* The Move to Folder menu: the top level, then every folder the selection can go in. */
static void
update_move_menu (OpSiteManager *self)
{
  g_autoptr (GMenu) menu = g_menu_new ();
  g_autoptr (GMenu) top = g_menu_new ();
  g_autoptr (GMenu) folders = g_menu_new ();
  g_autoptr (GMenuItem) item = g_menu_item_new (_("Top Level"), NULL);

  g_menu_item_set_action_and_target (item, "sites.move-to", "s", "");
  g_menu_append_item (top, item);
  g_menu_append_section (menu, NULL, G_MENU_MODEL (top));
  add_move_targets (self, folders, NULL);
  g_menu_append_section (menu, NULL, G_MENU_MODEL (folders));
  gtk_menu_button_set_menu_model (self->move_button, G_MENU_MODEL (menu));
}

static void
update_actions (OpSiteManager *self)
{
  gboolean site = self->site != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sites.duplicate", site);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sites.remove", site);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sites.connect", site);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sites.move-to", site || self->folder != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sites.delete-folder",
                                 self->folder != NULL
                                 && op_accounts_folder_is_empty (self->accounts, self->folder));
  gtk_widget_set_sensitive (GTK_WIDGET (self->move_button), site || self->folder != NULL);
  update_move_menu (self);
}

static void
fill_folder (OpSiteManager *self)
{
  GListModel *accounts = G_LIST_MODEL (self->accounts);
  g_auto (GStrv) folders = op_accounts_list_folders (self->accounts, OP_ACCOUNT_KIND_FTP, self->folder);
  guint n_sites = 0, n_folders = g_strv_length (folders);
  g_autofree char *sites_text = NULL;
  g_autofree char *contents = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr (OpAccount) account = g_list_model_get_item (accounts, i);

      n_sites += op_ftp_site_is_site (account)
                 && g_strcmp0 (op_accounts_get_account_folder (self->accounts, account), self->folder) == 0;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->folder_name_row),
                         op_accounts_get_folder_name (self->accounts, self->folder));
  if (n_sites == 0 && n_folders == 0)
    contents = g_strdup (_("Empty"));
  else
    {
      sites_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u site", "%u sites", n_sites), n_sites);
      /* Translators: "%s" is "N sites", %u a number of folders */
      contents = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, %u folder", "%s, %u folders", n_folders),
                                  sites_text, n_folders);
    }
  adw_action_row_set_subtitle (self->folder_contents_row, contents);
}

static void
fill_form (OpSiteManager *self)
{
  OpAccount *site = self->site;

  self->loading = TRUE;
  gtk_stack_set_visible_child_name (self->detail_stack, self->folder != NULL ? "folder" : "site");
  if (self->folder != NULL)
    fill_folder (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->form), site != NULL);
  if (site != NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), op_account_get_name (site));
      gtk_editable_set_text (GTK_EDITABLE (self->host_row), op_account_get_host (site));
      gtk_spin_button_set_value (self->port_spin, op_account_get_port (site));
      adw_combo_row_set_selected (self->protocol_row,
                                  index_of ((const int *) protocols, G_N_ELEMENTS (protocols),
                                            op_ftp_site_get_protocol (site)));
      adw_combo_row_set_selected (self->logon_row,
                                  index_of ((const int *) logons, G_N_ELEMENTS (logons),
                                            op_ftp_site_get_logon_type (site)));
      gtk_editable_set_text (GTK_EDITABLE (self->user_row),
                             op_account_get_user (site) != NULL ? op_account_get_user (site) : "");
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
      gtk_editable_set_text (GTK_EDITABLE (self->local_dir_row),
                             op_ftp_site_get_local_dir (site) != NULL ? op_ftp_site_get_local_dir (site) : "");
      gtk_editable_set_text (GTK_EDITABLE (self->remote_dir_row),
                             op_ftp_site_get_remote_dir (site) != NULL ? op_ftp_site_get_remote_dir (site) : "");
      gtk_editable_set_text (GTK_EDITABLE (self->charset_row),
                             op_ftp_site_get_charset (site) != NULL ? op_ftp_site_get_charset (site) : "");
      adw_combo_row_set_selected (self->data_mode_row,
                                  op_ftp_site_get_data_mode (site) == OP_FTP_DATA_ACTIVE ? 1 : 0);
      adw_combo_row_set_selected (self->transfer_type_row, op_ftp_site_get_transfer_type (site));
      gtk_spin_button_set_value (self->connections_spin, op_ftp_site_get_max_connections (site));
    }
  self->loading = FALSE;
  /* "ask" and anonymous never store a password: nothing to type here. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row),
                            site != NULL && op_ftp_site_get_logon_type (site) == OP_FTP_LOGON_NORMAL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->user_row),
                            site != NULL && op_ftp_site_get_logon_type (site) != OP_FTP_LOGON_ANONYMOUS);
}

static void
on_row_selected (OpSiteManager *self,
                 GtkListBoxRow *row)
{
  OpAccount *site = row != NULL ? g_object_get_data (G_OBJECT (row), "site") : NULL;
  const char *folder = row != NULL ? g_object_get_data (G_OBJECT (row), "folder") : NULL;

  /* Rows go away while the window is disposed. */
  if (self->form == NULL)
    return;
  g_set_object (&self->site, site);
  g_free (self->folder);
  self->folder = g_strdup (folder);
  fill_form (self);
  update_actions (self);
}

static void on_password_stored (GObject *source, GAsyncResult *result, gpointer user_data);

static void
on_field_changed (OpSiteManager *self)
{
  OpAccount *site = self->site;
  OpFtpLogonType logon;
  gboolean logon_changed;
  g_autofree char *label = NULL;
  GtkListBoxRow *row;

  if (self->loading || site == NULL)
    return;

  op_account_set_name (site, gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
  op_account_set_host (site, gtk_editable_get_text (GTK_EDITABLE (self->host_row)));
  op_account_set_port (site, (guint16) gtk_spin_button_get_value_as_int (self->port_spin));
  op_ftp_site_set_protocol (site, protocols[MIN (adw_combo_row_get_selected (self->protocol_row),
                                                 G_N_ELEMENTS (protocols) - 1)]);
  logon = logons[MIN (adw_combo_row_get_selected (self->logon_row), G_N_ELEMENTS (logons) - 1)];
  logon_changed = logon != op_ftp_site_get_logon_type (site);
  op_ftp_site_set_logon_type (site, logon);
  op_account_set_user (site, gtk_editable_get_text (GTK_EDITABLE (self->user_row)));
  op_ftp_site_set_local_dir (site, gtk_editable_get_text (GTK_EDITABLE (self->local_dir_row)));
  op_ftp_site_set_remote_dir (site, gtk_editable_get_text (GTK_EDITABLE (self->remote_dir_row)));
  op_ftp_site_set_charset (site, gtk_editable_get_text (GTK_EDITABLE (self->charset_row)));
  op_ftp_site_set_data_mode (site, adw_combo_row_get_selected (self->data_mode_row) == 1
                                   ? OP_FTP_DATA_ACTIVE : OP_FTP_DATA_PASSIVE);
  op_ftp_site_set_transfer_type (site, MIN (adw_combo_row_get_selected (self->transfer_type_row),
                                            OP_FTP_TRANSFER_TYPE_ASCII));
  op_ftp_site_set_max_connections (site, gtk_spin_button_get_value_as_int (self->connections_spin));
  /* An "ask" or anonymous site keeps no password (op_ftp_site_store_password_async). */
  if (logon_changed && logon != OP_FTP_LOGON_NORMAL)
    op_ftp_site_store_password_async (site, op_secrets_get_default (), NULL, NULL,
                                      on_password_stored, g_object_ref (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row),
                            op_ftp_site_get_logon_type (site) == OP_FTP_LOGON_NORMAL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->user_row),
                            op_ftp_site_get_logon_type (site) != OP_FTP_LOGON_ANONYMOUS);
  save (self);

  label = site_label (site);
  row = gtk_list_box_get_selected_row (self->site_list);
  if (row != NULL)
    gtk_label_set_text (g_object_get_data (G_OBJECT (row), "label"), label);
}

/* Renamed in place as it is typed (an empty name is not taken); sorted at the next
 * change of the list, not under the typing. */
static void
on_folder_name_changed (OpSiteManager *self)
{
  g_autofree char *name = NULL;
  g_autofree char *accessible = NULL;
  GtkListBoxRow *row;

  if (self->loading || self->folder == NULL)
    return;
  name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->folder_name_row))));
  if (!op_accounts_rename_folder (self->accounts, self->folder, name))
    return;
  save (self);
  row = gtk_list_box_get_selected_row (self->site_list);
  if (row != NULL)
    {
      accessible = folder_accessible_name (name);
      gtk_label_set_text (g_object_get_data (G_OBJECT (row), "label"), name);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      accessible, -1);
    }
  update_move_menu (self);
}

static void
on_password_stored (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (OpSiteManager) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!op_ftp_site_store_password_finish (result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The password could not be saved: %s"),
                                                  error->message);
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Password Not Saved"), message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

static void
on_password_forgotten (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr (OpSiteManager) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!op_ftp_site_forget_password_finish (result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The saved password could not be removed: %s"),
                                                  error->message);
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Password Not Removed"), message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

static void
on_password_apply (OpSiteManager *self)
{
  if (self->site == NULL || op_ftp_site_get_logon_type (self->site) != OP_FTP_LOGON_NORMAL)
    return;
  op_ftp_site_store_password_async (self->site, op_secrets_get_default (),
                                    gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                                    NULL, on_password_stored, g_object_ref (self));
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  OpSiteManager *self = OP_SITE_MANAGER (widget);
  g_autoptr (OpAccount) site = op_ftp_site_new ();

  op_account_set_name (site, _("New Site"));
  op_accounts_add (self->accounts, site);
  op_accounts_move_account (self->accounts, site, current_folder (self));
  save (self);
  g_set_object (&self->site, site);
  rebuild_list (self, site, NULL);
}

static void
duplicate_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  OpSiteManager *self = OP_SITE_MANAGER (widget);
  g_autoptr (OpAccount) copy = NULL;

  if (self->site == NULL)
    return;
  copy = op_ftp_site_duplicate (self->site);
  op_accounts_add (self->accounts, copy);
  save (self);
  g_set_object (&self->site, copy);
  rebuild_list (self, copy, NULL);
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  OpSiteManager *self = OP_SITE_MANAGER (widget);
  g_autoptr (OpAccount) site = NULL;

  if (self->site == NULL)
    return;
  site = g_object_ref (self->site);
  /* Its password goes with it. */
  op_ftp_site_forget_password_async (site, op_secrets_get_default (), NULL,
                                     on_password_forgotten, g_object_ref (self));
  op_accounts_remove (self->accounts, op_account_get_id (site));
  save (self);
  g_clear_object (&self->site);
  rebuild_list (self, NULL, NULL);
  fill_form (self);
}

/* --- folders --------------------------------------------------------------------------- */

static void
new_folder_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  OpSiteManager *self = OP_SITE_MANAGER (widget);
  g_autofree char *folder = g_strdup (op_accounts_add_folder (self->accounts, OP_ACCOUNT_KIND_FTP,
                                                              current_folder (self),
                                                              _("New Folder")));

  save (self);
  g_clear_object (&self->site);
  rebuild_list (self, NULL, folder);
  /* Named at once, as a new site is. */
  gtk_widget_grab_focus (GTK_WIDGET (self->folder_name_row));
}

static void
delete_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  OpSiteManager *self = OP_SITE_MANAGER (widget);
  g_autofree char *parent = NULL;

  if (self->folder == NULL)
    return;
  parent = g_strdup (op_accounts_get_folder_parent (self->accounts, self->folder));
  if (!op_accounts_remove_folder (self->accounts, self->folder))
    return;
  save (self);
  g_clear_pointer (&self->folder, g_free);
  rebuild_list (self, NULL, parent);
  fill_form (self);
}

/* Moves a site ("site:ID") or a folder ("folder:ID") into @folder (NULL: the top level),
 * and selects it there. */
static gboolean
move (OpSiteManager *self,
      const char    *what,
      const char    *folder)
{
  if (g_str_has_prefix (what, ROW_SITE_PREFIX))
    {
      OpAccount *site = op_accounts_lookup (self->accounts, what + strlen (ROW_SITE_PREFIX));

      if (site == NULL || !op_ftp_site_is_site (site)
          || !op_accounts_move_account (self->accounts, site, folder))
        return FALSE;
      save (self);
      rebuild_list (self, site, NULL);
      return TRUE;
    }
  if (g_str_has_prefix (what, ROW_FOLDER_PREFIX))
    {
      g_autofree char *id = g_strdup (what + strlen (ROW_FOLDER_PREFIX));

      if (!op_accounts_move_folder (self->accounts, id, folder))
        return FALSE;
      save (self);
      rebuild_list (self, NULL, id);
      return TRUE;
    }
  return FALSE;
}

static void
move_to_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  OpSiteManager *self = OP_SITE_MANAGER (widget);
  const char *folder = g_variant_get_string (parameter, NULL);
  g_autofree char *what = NULL;

  if (self->site != NULL)
    what = g_strconcat (ROW_SITE_PREFIX, op_account_get_id (self->site), NULL);
  else if (self->folder != NULL)
    what = g_strconcat (ROW_FOLDER_PREFIX, self->folder, NULL);
  else
    return;
  move (self, what, folder[0] != '\0' ? folder : NULL);
}

/* Dropped on a folder: into it; on a site: beside it, in its folder. */
static gboolean
drop_on_row (GtkDropTarget *target,
             const GValue  *value,
             double         x,
             double         y,
             OpSiteManager *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  OpAccount *site = g_object_get_data (G_OBJECT (row), "site");
  const char *folder = g_object_get_data (G_OBJECT (row), "folder");
  const char *what = g_value_get_string (value);

  if (what == NULL || g_strcmp0 (what, g_object_get_data (G_OBJECT (row), "what")) == 0)
    return FALSE;
  if (site != NULL)
    folder = op_accounts_get_account_folder (self->accounts, site);
  return move (self, what, folder);
}

/* Dropped below the rows: to the top level. */
static gboolean
drop_on_list (GtkDropTarget *target,
              const GValue  *value,
              double         x,
              double         y,
              OpSiteManager *self)
{
  const char *what = g_value_get_string (value);

  return what != NULL && move (self, what, NULL);
}

static void
connect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  OpSiteManager *self = OP_SITE_MANAGER (widget);
  g_autoptr (OpAccount) site = self->site != NULL ? g_object_ref (self->site) : NULL;

  char *typed = NULL;

  if (site == NULL)
    return;
  /* A password typed and not applied yet goes with the site (and is stored by whoever
   * connects, so a keyring error can still be shown): Connect means "use this". */
  if (op_ftp_site_get_logon_type (site) == OP_FTP_LOGON_NORMAL)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

      if (text[0] != '\0')
        typed = g_strdup (text);
    }
  g_signal_emit (self, signals[SIGNAL_CONNECT], 0, site, typed);
  if (typed != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  op_secrets_password_free (typed);
  gtk_window_close (GTK_WINDOW (self));
}

static void
op_site_manager_dispose (GObject *object)
{
  OpSiteManager *self = OP_SITE_MANAGER (object);

  g_clear_object (&self->site);
  g_clear_pointer (&self->folder, g_free);
  g_clear_object (&self->accounts);
  gtk_widget_dispose_template (GTK_WIDGET (self), OP_TYPE_SITE_MANAGER);

  G_OBJECT_CLASS (op_site_manager_parent_class)->dispose (object);
}

static void
op_site_manager_class_init (OpSiteManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_site_manager_dispose;

  signals[SIGNAL_CONNECT] =
    g_signal_new ("connect", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, OP_TYPE_ACCOUNT, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "sites.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "sites.duplicate", NULL, duplicate_action);
  gtk_widget_class_install_action (widget_class, "sites.remove", NULL, remove_action);
  gtk_widget_class_install_action (widget_class, "sites.connect", NULL, connect_action);
  gtk_widget_class_install_action (widget_class, "sites.new-folder", NULL, new_folder_action);
  gtk_widget_class_install_action (widget_class, "sites.delete-folder", NULL, delete_folder_action);
  gtk_widget_class_install_action (widget_class, "sites.move-to", "s", move_to_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "sites.add", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "sites.new-folder", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  _op_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "files/op-site-manager.ui");
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, list_stack);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, site_list);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, move_button);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, folder_page);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, folder_name_row);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, folder_contents_row);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, form);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, name_row);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, host_row);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, port_spin);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, protocol_row);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, logon_row);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, user_row);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, password_row);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, local_dir_row);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, remote_dir_row);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, charset_row);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, data_mode_row);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, transfer_type_row);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, connections_spin);
  gtk_widget_class_bind_template_callback (widget_class, on_row_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_password_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_folder_name_changed);
}

static void
op_site_manager_init (OpSiteManager *self)
{
  GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_STRING, GDK_ACTION_MOVE);

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (drop, "drop", G_CALLBACK (drop_on_list), self);
  gtk_widget_add_controller (GTK_WIDGET (self->site_list), GTK_EVENT_CONTROLLER (drop));
}

/**
 * op_site_manager_new:
 * @parent: the window it belongs to
 * @accounts: the profile's accounts (sites are those of kind FTP)
 *
 * Returns: (transfer none): the site manager, shown with gtk_window_present()
 */
OpSiteManager *
op_site_manager_new (GtkWindow  *parent,
                     OpAccounts *accounts)
{
  OpSiteManager *self;

  g_return_val_if_fail (OP_IS_ACCOUNTS (accounts), NULL);

  self = g_object_new (OP_TYPE_SITE_MANAGER, "transient-for", parent, NULL);
  self->accounts = g_object_ref (accounts);
  g_signal_connect_object (accounts, "save-failed", G_CALLBACK (on_save_failed), self,
                           G_CONNECT_SWAPPED);
  rebuild_list (self, NULL, NULL);
  fill_form (self);
  {
    GtkListBoxRow *first = gtk_list_box_get_row_at_index (self->site_list, 0);
    if (first != NULL)
      gtk_list_box_select_row (self->site_list, first);
  }
  return self;
}
