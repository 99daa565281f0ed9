/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-mail-account.h"
#include "op-mail-identity-item.h"
#include "op-mail-view-private.h"
#include "op-secret.h"

/* The sidebar of the Mail page: each account with its folders, and each account's store. */

void
_op_mail_view_account_free (Account *account)
{
  g_cancellable_cancel (account->cancellable);
  g_clear_object (&account->cancellable);
  g_clear_handle_id (&account->retry_source, g_source_remove);
  if (account->sync != NULL)
    {
      g_signal_handlers_disconnect_by_data (account->sync, account);
      op_mail_imap_sync_close (account->sync);
    }
  g_clear_object (&account->sync);
  g_clear_object (&account->pop3);
  if (account->outbox != NULL)
    g_signal_handlers_disconnect_by_data (account->outbox, account);
  g_clear_object (&account->outbox);
  g_clear_pointer (&account->password, op_secret_free);
  g_clear_pointer (&account->error_text, g_free);
  g_clear_object (&account->folders);
  if (account->store != NULL)
    {
      g_signal_handlers_disconnect_by_data (account->store, account);
      op_mail_store_close (account->store);
    }
  g_clear_object (&account->store);
  g_clear_object (&account->account);
  g_free (account);
}

Account *
_op_mail_view_find_account (OpMailView *self,
              const char *account_id)
{
  for (guint i = 0; i < self->accounts->len; i++)
    {
      Account *account = g_ptr_array_index (self->accounts, i);

      if (g_str_equal (op_account_get_id (account->account), account_id))
        return account;
    }
  return NULL;
}

/* --- the sidebar ------------------------------------------------------------------- */

static const char *
special_use_icon (OpMailSpecialUse use)
{
  switch (use)
    {
    case OP_MAIL_SPECIAL_USE_INBOX:
      return "mail-unread-symbolic";
    case OP_MAIL_SPECIAL_USE_SENT:
      return "mail-send-symbolic";
    case OP_MAIL_SPECIAL_USE_DRAFTS:
      return "document-edit-symbolic";
    case OP_MAIL_SPECIAL_USE_TRASH:
      return "user-trash-symbolic";
    case OP_MAIL_SPECIAL_USE_JUNK:
      return "mail-mark-junk-symbolic";
    case OP_MAIL_SPECIAL_USE_ARCHIVE:
      return "folder-documents-symbolic";
    case OP_MAIL_SPECIAL_USE_ALL:
      return "folder-saved-search-symbolic";
    case OP_MAIL_SPECIAL_USE_FLAGGED:
      return "starred-symbolic";
    case OP_MAIL_SPECIAL_USE_NONE:
    default:
      return "folder-symbolic";
    }
}

/* The special-use folders are shown under their translated names (a server calls
 * them what it likes: "Sent Items", "[Gmail]/Sent Mail"); the others by their own. */
const char *
_op_mail_view_folder_title (OpMailFolder *folder)
{
  switch (op_mail_folder_get_special_use (folder))
    {
    case OP_MAIL_SPECIAL_USE_INBOX:
      return _("Inbox");
    case OP_MAIL_SPECIAL_USE_SENT:
      return _("Sent");
    case OP_MAIL_SPECIAL_USE_DRAFTS:
      return _("Drafts");
    case OP_MAIL_SPECIAL_USE_TRASH:
      return _("Trash");
    case OP_MAIL_SPECIAL_USE_JUNK:
      return _("Junk");
    case OP_MAIL_SPECIAL_USE_ARCHIVE:
      return _("Archive");
    case OP_MAIL_SPECIAL_USE_ALL:
      return _("All Mail");
    case OP_MAIL_SPECIAL_USE_FLAGGED:
      return _("Flagged");
    case OP_MAIL_SPECIAL_USE_NONE:
    default:
      return op_mail_folder_get_display_name (folder);
    }
}

/* How deep a plain folder sits ("Lists/GNOME" is one level down); special-use folders
 * stay at the top, where the store lists them. */
static guint
folder_depth (OpMailFolder *folder)
{
  const char *name = op_mail_folder_get_name (folder);
  char delimiter = op_mail_folder_get_delimiter (folder);
  guint depth = 0;

  if (delimiter == 0 || op_mail_folder_get_special_use (folder) != OP_MAIL_SPECIAL_USE_NONE)
    return 0;
  for (const char *p = name; *p != '\0'; p++)
    if (*p == delimiter)
      depth++;
  return MIN (depth, 6);
}

/* Conversations dragged from the list onto a folder of the same account move there. */
static gboolean
on_folder_drop (GtkDropTarget *target,
                const GValue  *value,
                double         x,
                double         y,
                Account       *account)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  OpMailFolder *folder = g_object_get_data (G_OBJECT (row), "op-mail-folder");
  g_autofree char *expected = _op_mail_view_drag_text (account);

  if (folder == NULL || !G_VALUE_HOLDS_STRING (value)
      || g_strcmp0 (g_value_get_string (value), expected) != 0)
    return FALSE;
  _op_mail_view_move_selection_to (account->view, account, folder);
  return TRUE;
}

/* A row's content in the sidebar: icon, title (@depth levels in) and the unread count
 * (none at 0). */
GtkWidget *
_op_mail_view_sidebar_row_content (const char *icon_name,
                                   const char *title,
                                   guint       depth,
                                   guint       unread,
                                   GtkLabel  **title_label)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 9);
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);
  GtkWidget *label = gtk_label_new (title);

  gtk_widget_set_margin_start (box, 6 + 12 * depth);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 2);
  gtk_widget_set_margin_bottom (box, 2);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  if (unread > 0)
    {
      g_autofree char *count = g_strdup_printf ("%u", unread);
      GtkWidget *count_label = gtk_label_new (count);

      gtk_widget_set_valign (count_label, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (count_label, "op-mail-count");
      gtk_widget_add_css_class (count_label, "numeric");
      gtk_box_append (GTK_BOX (box), count_label);
    }
  if (title_label != NULL)
    *title_label = GTK_LABEL (label);
  return box;
}

static GtkWidget *
create_folder_row (gpointer item,
                   gpointer user_data)
{
  Account *account = user_data;
  OpMailFolder *folder = item;
  guint unread = op_mail_folder_get_unread (folder);
  const char *title = _op_mail_view_folder_title (folder);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkLabel *label = NULL;
  GtkWidget *box = _op_mail_view_sidebar_row_content (special_use_icon (op_mail_folder_get_special_use (folder)),
                                                      title, folder_depth (folder), unread, &label);
  g_autofree char *name = NULL;

  if (unread > 0)
    {
      /* Translators: a folder in the sidebar read out: its name and unread messages. */
      name = g_strdup_printf (ngettext ("Mail: folder %s, %u unread", "Mail: folder %s, %u unread",
                                        unread),
                              title, unread);
    }
  else
    /* Translators: a folder in the sidebar read out, without unread messages. */
    name = g_strdup_printf (_("Mail: folder %s"), title);
  if (!op_mail_folder_get_selectable (folder))
    {
      gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
      gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
    }
  else
    {
      GtkDropTarget *target = gtk_drop_target_new (G_TYPE_STRING, GDK_ACTION_MOVE);

      g_signal_connect (target, "drop", G_CALLBACK (on_folder_drop), account);
      gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (target));
    }
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  g_object_set_data_full (G_OBJECT (row), "op-mail-folder", g_object_ref (folder), g_object_unref);
  return row;
}

/* The row of the folder shown is selected in its account's list, and no other; the
 * "Move To" menu and the unified Inbox's count follow. */
void
_op_mail_view_sync_sidebar (OpMailView *self)
{
  _op_mail_view_update_move_menu (self);
  _op_mail_view_update_unified_row (self);
  for (guint i = 0; i < self->accounts->len; i++)
    {
      Account *account = g_ptr_array_index (self->accounts, i);
      GtkListBoxRow *want = NULL;

      if (account->list_box == NULL)
        continue;
      if (account == self->current)
        for (int j = 0;; j++)
          {
            GtkListBoxRow *row = gtk_list_box_get_row_at_index (account->list_box, j);
            OpMailFolder *folder;

            if (row == NULL)
              break;
            folder = g_object_get_data (G_OBJECT (row), "op-mail-folder");
            if (op_mail_folder_get_id (folder) == self->folder_id)
              {
                want = row;
                break;
              }
          }
      if (gtk_list_box_get_selected_row (account->list_box) != want)
        {
          if (want != NULL)
            gtk_list_box_select_row (account->list_box, want);
          else
            gtk_list_box_unselect_all (account->list_box);
        }
    }
}

static void
on_folder_row_activated (GtkListBox    *list_box,
                         GtkListBoxRow *row,
                         Account       *account)
{
  OpMailView *self = account->view;
  OpMailFolder *folder = g_object_get_data (G_OBJECT (row), "op-mail-folder");

  if (folder == NULL || !op_mail_folder_get_selectable (folder))
    return;
  _op_mail_view_show_folder (self, account, folder);
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->list_column);
}

static void
on_folder_row_selected (GtkListBox    *list_box,
                        GtkListBoxRow *row,
                        Account       *account)
{
  OpMailView *self = account->view;
  OpMailFolder *folder;

  if (row == NULL)
    return;
  folder = g_object_get_data (G_OBJECT (row), "op-mail-folder");
  if (folder == NULL || !op_mail_folder_get_selectable (folder))
    return;
  /* A folder picked with the keyboard or the mouse (activation follows a click). */
  _op_mail_view_show_folder (self, account, folder);
}

static void
on_folders_changed (GListModel *model,
                    guint       position,
                    guint       removed,
                    guint       added,
                    Account    *account)
{
  OpMailView *self = account->view;

  /* A changed folder's row was made again (new counts): keep the shown one selected,
   * or open the Inbox of the first account that has one when none is shown yet. */
  if (self->current == NULL && !self->unified)
    {
      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr (OpMailFolder) folder = g_list_model_get_item (model, i);

          if (op_mail_folder_get_special_use (folder) == OP_MAIL_SPECIAL_USE_INBOX)
            {
              _op_mail_view_show_folder (self, account, folder);
              break;
            }
        }
    }
  else if (self->current == account)
    {
      gboolean still_there = FALSE;

      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr (OpMailFolder) folder = g_list_model_get_item (model, i);

          if (op_mail_folder_get_id (folder) == self->folder_id)
            {
              gtk_label_set_text (self->folder_title, _op_mail_view_folder_title (folder));
              still_there = TRUE;
            }
        }
      if (!still_there)
        {
          /* The folder went (deleted on the server): nothing is shown. */
          _op_mail_view_show_nothing (self);
        }
    }
  _op_mail_view_sync_sidebar (self);
}

StoreOpen *
_op_mail_view_store_open_new (OpMailView *self,
                              Account    *account)
{
  StoreOpen *open = g_new0 (StoreOpen, 1);

  open->view = g_object_ref (self);
  open->account_id = g_strdup (op_account_get_id (account->account));
  return open;
}

void
_op_mail_view_store_open_free (StoreOpen *open)
{
  g_object_unref (open->view);
  g_free (open->account_id);
  g_free (open);
}

static void
on_store_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (StoreOpen) open = user_data;
  g_autoptr (GError) error = NULL;
  OpMailStore *store = op_mail_store_open_finish (result, &error);
  Account *account = open->view->accounts != NULL
                     ? _op_mail_view_find_account (open->view, open->account_id) : NULL;

  if (account == NULL)
    {
      if (store != NULL)
        op_mail_store_close (store);
      g_clear_object (&store);
      return;
    }
  if (store == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Translators: under an account in the sidebar when its store cannot be opened;
       * %s says why. */
      g_autofree char *text = g_strdup_printf (_("Its mail could not be opened: %s. Check that the disk is not full and the data folder is writable, then restart Outpost."),
                                               error->message);

      _op_mail_view_show_account_error (account, OP_MAIL_ERROR_KIND_OTHER, text);
      return;
    }

  account->store = store;
  _op_mail_view_watch_new_mail (account);
  account->folders = op_mail_folder_list_new (store);
  gtk_list_box_bind_model (account->list_box, G_LIST_MODEL (account->folders),
                           create_folder_row, account, NULL);
  g_signal_connect_after (account->folders, "items-changed",
                          G_CALLBACK (on_folders_changed), account);
  on_folders_changed (G_LIST_MODEL (account->folders), 0, 0, 0, account);
  _op_mail_view_start_sync (account);
  _op_mail_view_open_outbox (account);
}

/* What the sidebar calls an account: its name, else its user, else its server. */
static const char *
account_name (OpAccount *account)
{
  const char *name = op_account_get_name (account);

  if (name == NULL || name[0] == '\0')
    name = op_account_get_user (account);
  if (name == NULL || name[0] == '\0')
    name = op_account_get_host (account);
  return name != NULL ? name : "";
}

Account *
_op_mail_view_add_account (OpMailView *self,
             OpAccount  *op_account)
{
  g_autoptr (GPtrArray) identities = op_mail_account_dup_identities (op_account);

  Account *account = g_new0 (Account, 1);
  const char *name = account_name (op_account);
  GtkWidget *header;
  g_autofree char *label = NULL;
  g_autofree char *path = NULL;
  StoreOpen *open;

  account->view = self;
  account->account = g_object_ref (op_account);
  account->cancellable = g_cancellable_new ();

  account->section = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = gtk_label_new (name);
  account->title = GTK_LABEL (header);
  gtk_label_set_xalign (GTK_LABEL (header), 0);
  gtk_label_set_ellipsize (GTK_LABEL (header), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (header, "heading");
  gtk_widget_add_css_class (header, "op-mail-account-title");
  gtk_box_append (GTK_BOX (account->section), header);

  account->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (account->error_label, TRUE);
  gtk_label_set_xalign (account->error_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (account->error_label), "error");
  gtk_widget_add_css_class (GTK_WIDGET (account->error_label), "op-mail-account-error");
  gtk_widget_set_visible (GTK_WIDGET (account->error_label), FALSE);
  gtk_box_append (GTK_BOX (account->section), GTK_WIDGET (account->error_label));

  account->list_box = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_add_css_class (GTK_WIDGET (account->list_box), "navigation-sidebar");
  /* Translators: the folders of one account in the sidebar; %s is the account. */
  label = g_strdup_printf (_("Mail: folders of %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (account->list_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_signal_connect (account->list_box, "row-selected", G_CALLBACK (on_folder_row_selected), account);
  g_signal_connect (account->list_box, "row-activated", G_CALLBACK (on_folder_row_activated), account);
  gtk_box_append (GTK_BOX (account->section), GTK_WIDGET (account->list_box));
  gtk_box_append (self->sidebar_box, account->section);
  g_ptr_array_add (self->accounts, account);
  for (guint i = 0; identities != NULL && i < identities->len; i++)
    {
      OpMailIdentity *identity = g_ptr_array_index (identities, i);
      g_autoptr (OpMailIdentityItem) item = op_mail_identity_item_new (op_account_get_id (op_account),
                                                                        identity->name, identity->address,
                                                                        identity->signature);

      g_list_store_append (self->identities, item);
    }
  _op_mail_view_update_actions (self);

  path = op_mail_store_default_path (op_account_get_id (op_account));
  open = _op_mail_view_store_open_new (self, account);
  op_mail_store_open_async (path, account->cancellable, on_store_opened, open);
  return account;
}

/* What a drag of @account's conversations carries: they are the list's selection. */
char *
_op_mail_view_drag_text (Account *account)
{
  return g_strconcat ("outpost-mail-conversations:", op_account_get_id (account->account), NULL);
}

/**
 * op_mail_view_update_account:
 * @self: the page
 * @account: an account of the page, changed and saved (Preferences)
 *
 * Shows the account's new name in the sidebar and offers its identities, as they are
 * now, to the composers.
 */
void
op_mail_view_update_account (OpMailView *self,
                             OpAccount  *account)
{
  Account *shown;
  g_autofree char *label = NULL;
  g_autoptr (GPtrArray) identities = NULL;
  guint position;

  g_return_if_fail (OP_IS_MAIL_VIEW (self));
  g_return_if_fail (OP_IS_ACCOUNT (account));

  shown = _op_mail_view_find_account (self, op_account_get_id (account));
  if (shown == NULL)
    return;
  if (shown->account != account)
    g_set_object (&shown->account, account);
  gtk_label_set_text (shown->title, account_name (account));
  /* Translators: the folders of one account in the sidebar; %s is the account. */
  label = g_strdup_printf (_("Mail: folders of %s"), account_name (account));
  gtk_accessible_update_property (GTK_ACCESSIBLE (shown->list_box), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);

  /* Its identities for writing: the composers opened from now on offer them. */
  identities = op_mail_account_dup_identities (account);
  position = g_list_model_get_n_items (G_LIST_MODEL (self->identities));
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->identities)); i > 0; i--)
    {
      g_autoptr (OpMailIdentityItem) item = g_list_model_get_item (G_LIST_MODEL (self->identities), i - 1);

      if (g_strcmp0 (op_mail_identity_item_get_account_id (item), op_account_get_id (account)) == 0)
        {
          g_list_store_remove (self->identities, i - 1);
          position = i - 1;
        }
    }
  /* Where they were: the first identity stays the composer's default. */
  for (guint i = 0; i < identities->len; i++)
    {
      OpMailIdentity *identity = g_ptr_array_index (identities, i);
      g_autoptr (OpMailIdentityItem) item = op_mail_identity_item_new (op_account_get_id (account),
                                                                        identity->name, identity->address,
                                                                        identity->signature);

      g_list_store_insert (self->identities, position + i, item);
    }
}

/**
 * op_mail_view_reconnect_account:
 * @self: the page
 * @account_id: an account whose servers were edited and saved (Preferences)
 *
 * Connects the account again with its new settings.
 */
void
op_mail_view_reconnect_account (OpMailView *self,
                                const char *account_id)
{
  Account *account;

  g_return_if_fail (OP_IS_MAIL_VIEW (self));
  account = _op_mail_view_find_account (self, account_id);
  if (account != NULL)
    _op_mail_view_reconnect (account);
}

/**
 * op_mail_view_remove_account:
 * @self: the page
 * @account_id: an account removed from the accounts file (Preferences)
 *
 * Takes the account off the page: its folders, its identities for writing, its sync;
 * its store is closed (the caller deletes its files).
 */
void
op_mail_view_remove_account (OpMailView *self,
                             const char *account_id)
{
  Account *account;

  g_return_if_fail (OP_IS_MAIL_VIEW (self));
  g_return_if_fail (account_id != NULL);

  account = _op_mail_view_find_account (self, account_id);
  if (account == NULL)
    return;
  if (self->current == account || self->shown == account || self->unified)
    _op_mail_view_show_nothing (self);
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->identities)); i > 0; i--)
    {
      g_autoptr (OpMailIdentityItem) item = g_list_model_get_item (G_LIST_MODEL (self->identities), i - 1);

      if (g_strcmp0 (op_mail_identity_item_get_account_id (item), account_id) == 0)
        g_list_store_remove (self->identities, i - 1);
    }
  op_mail_store_submitter_remove_account (self->submitter, account_id);
  if (account->folders != NULL)
    g_signal_handlers_disconnect_by_data (account->folders, account);
  g_signal_handlers_disconnect_by_data (account->list_box, account);
  gtk_box_remove (self->sidebar_box, account->section);
  /* The undo of a move in its store has nothing to go back to. */
  g_clear_pointer (&self->undo, g_ptr_array_unref);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.undo-move", FALSE);
  g_ptr_array_remove (self->accounts, account);
  _op_mail_view_update_banner (self);
  _op_mail_view_sync_sidebar (self);
  _op_mail_view_update_actions (self);
  if (self->accounts->len == 0)
    gtk_stack_set_visible_child_name (self->stack, "empty");
}
