/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>

#include "op-accounts.h"
#include "op-mail-account.h"
#include "op-mail-account-editor.h"
#include "op-mail-preferences-page.h"
#include "op-mail-store.h"
#include "op-secrets.h"

struct _OpMailPreferencesPage
{
  AdwPreferencesPage   parent_instance;

  OpAccounts          *accounts;
  GWeakRef             view;
  AdwPreferencesGroup *group;
  GHashTable          *rows;      /* account id → its AdwExpanderRow */
};

G_DEFINE_FINAL_TYPE (OpMailPreferencesPage, op_mail_preferences_page, ADW_TYPE_PREFERENCES_PAGE)

static void
say (OpMailPreferencesPage *self,
     const char            *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (text));
  else
    g_warning ("%s", text);
}

static gboolean
save (OpMailPreferencesPage *self)
{
  g_autoptr (GError) error = NULL;

  if (op_accounts_save (self->accounts, &error))
    return TRUE;
  {
    /* Translators: a toast in Preferences; %s says why. */
    g_autofree char *text = g_strdup_printf (_("The accounts file could not be saved: %s"), error->message);

    say (self, text);
  }
  return FALSE;
}

static const char *
account_title (OpAccount *account)
{
  const char *name = op_account_get_name (account);

  if (name == NULL || name[0] == '\0')
    name = op_account_get_user (account);
  return name != NULL ? name : "";
}

static void
on_name_applied (AdwEntryRow           *entry,
                 OpMailPreferencesPage *self)
{
  const char *id = g_object_get_data (G_OBJECT (entry), "op-account-id");
  OpAccount *account = op_accounts_lookup (self->accounts, id);
  g_autoptr (OpMailView) view = g_weak_ref_get (&self->view);
  const char *name = gtk_editable_get_text (GTK_EDITABLE (entry));

  if (account == NULL)
    return;
  op_account_set_name (account, name);
  if (!save (self))
    return;
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (g_hash_table_lookup (self->rows, id)),
                                 account_title (account));
  if (view != NULL)
    op_mail_view_update_account (view, account);
}

/* A password is kept by server and user (op_mail_account_store_password_async()): it
 * goes unless another mail account signs in there too. */
static void
clear_password (OpMailPreferencesPage *self,
                OpAccount             *removed,
                OpMailServer           server)
{
  const char *protocol = op_mail_account_get_secret_protocol (removed, server);
  gboolean outgoing = server == OP_MAIL_SERVER_OUTGOING;
  const char *host = outgoing ? op_mail_account_get_smtp_host (removed) : op_account_get_host (removed);
  guint16 port = outgoing ? op_mail_account_get_smtp_effective_port (removed)
                          : op_mail_account_get_effective_port (removed);
  const char *user = outgoing ? op_mail_account_get_smtp_user (removed) : op_account_get_user (removed);

  if (host == NULL || host[0] == '\0')
    return;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->accounts)); i++)
    {
      g_autoptr (OpAccount) other = g_list_model_get_item (G_LIST_MODEL (self->accounts), i);

      if (op_account_get_kind (other) != OP_ACCOUNT_KIND_MAIL)
        continue;
      for (OpMailServer s = OP_MAIL_SERVER_INCOMING; s <= OP_MAIL_SERVER_OUTGOING; s++)
        {
          gboolean out = s == OP_MAIL_SERVER_OUTGOING;

          if (g_strcmp0 (op_mail_account_get_secret_protocol (other, s), protocol) == 0
              && g_strcmp0 (out ? op_mail_account_get_smtp_host (other) : op_account_get_host (other), host) == 0
              && (out ? op_mail_account_get_smtp_effective_port (other) : op_mail_account_get_effective_port (other)) == port
              && g_strcmp0 (out ? op_mail_account_get_smtp_user (other) : op_account_get_user (other), user) == 0)
            return;
        }
    }
  op_secrets_clear_async (op_secrets_get_default (), protocol, host, port, user, NULL, NULL, NULL);
}

void
op_mail_preferences_page_remove_account (OpMailPreferencesPage *self,
                                         const char            *account_id)
{
  g_autoptr (OpAccount) account = NULL;
  g_autoptr (OpMailView) view = NULL;
  g_autofree char *path = NULL;
  GtkWidget *row;

  g_return_if_fail (OP_IS_MAIL_PREFERENCES_PAGE (self));
  g_return_if_fail (account_id != NULL);

  if (op_accounts_lookup (self->accounts, account_id) == NULL)
    return;
  account = g_object_ref (op_accounts_lookup (self->accounts, account_id));
  op_accounts_remove (self->accounts, account_id);
  if (!save (self))
    {
      op_accounts_add (self->accounts, account);
      return;
    }
  /* Off the page first: that closes its store, whose files then go. */
  view = g_weak_ref_get (&self->view);
  if (view != NULL)
    op_mail_view_remove_account (view, account_id);
  path = op_mail_store_default_path (account_id);
  for (guint i = 0; i < 3; i++)
    {
      static const char * const suffixes[] = { "", "-wal", "-shm" };
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      if (g_remove (file) != 0 && errno != ENOENT)
        g_warning ("%s could not be deleted: %s", file, g_strerror (errno));
    }
  clear_password (self, account, OP_MAIL_SERVER_INCOMING);
  clear_password (self, account, OP_MAIL_SERVER_OUTGOING);

  row = g_hash_table_lookup (self->rows, account_id);
  if (row != NULL)
    adw_preferences_group_remove (self->group, row);
  g_hash_table_remove (self->rows, account_id);
}

typedef struct
{
  OpMailPreferencesPage *page;
  char                  *account_id;
} Removal;

static void
on_remove_response (AdwMessageDialog *dialog,
                    const char       *response,
                    Removal          *removal)
{
  if (g_str_equal (response, "remove"))
    op_mail_preferences_page_remove_account (removal->page, removal->account_id);
  g_object_unref (removal->page);
  g_free (removal->account_id);
  g_free (removal);
}

static void
on_remove_clicked (GtkButton             *button,
                   OpMailPreferencesPage *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "op-account-id");
  OpAccount *account = op_accounts_lookup (self->accounts, id);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *heading = NULL;
  GtkWidget *dialog;
  Removal *removal;

  if (account == NULL)
    return;
  /* Translators: asked before a mail account is removed; %s is its name. */
  heading = g_strdup_printf (_("Remove “%s”?"), account_title (account));
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                   _("Its mail in Outpost's local store and its saved passwords are deleted. The mail on the server stays."));
  gtk_accessible_update_property (GTK_ACCESSIBLE (dialog), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Mail: Remove Account"), -1);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "remove", _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  removal = g_new0 (Removal, 1);
  removal->page = g_object_ref (self);
  removal->account_id = g_strdup (id);
  g_signal_connect (dialog, "response", G_CALLBACK (on_remove_response), removal);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_edited (OpMailAccountEditor   *editor,
           OpAccount             *account,
           gboolean               servers_changed,
           OpMailPreferencesPage *self)
{
  g_autoptr (OpMailView) view = g_weak_ref_get (&self->view);
  GtkWidget *row = g_hash_table_lookup (self->rows, op_account_get_id (account));

  if (row != NULL)
    adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), op_account_get_user (account) != NULL
                                                           ? op_account_get_user (account) : "");
  if (view == NULL)
    return;
  op_mail_view_update_account (view, account);
  if (servers_changed)
    op_mail_view_reconnect_account (view, op_account_get_id (account));
}

/* The editor of the account's servers, identities and signatures, over Preferences. */
OpMailAccountEditor *
op_mail_preferences_page_edit_account (OpMailPreferencesPage *self,
                                       const char            *account_id)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  OpMailAccountEditor *editor;

  g_return_val_if_fail (OP_IS_MAIL_PREFERENCES_PAGE (self), NULL);
  if (op_accounts_lookup (self->accounts, account_id) == NULL)
    return NULL;
  editor = op_mail_account_editor_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                       self->accounts, account_id);
  g_signal_connect_object (editor, "saved", G_CALLBACK (on_edited), self, 0);
  gtk_window_present (GTK_WINDOW (editor));
  return editor;
}

static void
on_edit_clicked (GtkButton             *button,
                 OpMailPreferencesPage *self)
{
  op_mail_preferences_page_edit_account (self, g_object_get_data (G_OBJECT (button), "op-account-id"));
}

static void
add_row (OpMailPreferencesPage *self,
         OpAccount             *account)
{
  const char *id = op_account_get_id (account);
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *name = adw_entry_row_new ();
  GtkWidget *edit_row = adw_action_row_new ();
  GtkWidget *edit = gtk_button_new_with_mnemonic (_("_Edit…"));
  GtkWidget *remove_row = adw_action_row_new ();
  GtkWidget *remove = gtk_button_new_with_mnemonic (_("_Remove…"));
  g_autofree char *label = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), account_title (account));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), op_account_get_user (account) != NULL
                                                         ? op_account_get_user (account) : "");
  /* Translators: a mail account in Preferences read out; %s is its name. */
  label = g_strdup_printf (_("Mail: Account %s"), account_title (account));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (name), _("Account Name"));
  gtk_editable_set_text (GTK_EDITABLE (name), op_account_get_name (account) != NULL ? op_account_get_name (account) : "");
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (name), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (name), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Mail: Account Name"), -1);
  g_object_set_data_full (G_OBJECT (name), "op-account-id", g_strdup (id), g_free);
  g_signal_connect (name, "apply", G_CALLBACK (on_name_applied), self);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), name);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (edit_row), _("Servers, Identities and Signatures"));
  gtk_widget_set_valign (edit, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (edit), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Mail: Edit Account"), -1);
  g_object_set_data_full (G_OBJECT (edit), "op-account-id", g_strdup (id), g_free);
  g_signal_connect (edit, "clicked", G_CALLBACK (on_edit_clicked), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (edit_row), edit);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (edit_row), edit);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), edit_row);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (remove_row), _("Remove Account"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (remove_row), _("Its local copy of the mail and its saved passwords"));
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "destructive-action");
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Mail: Remove Account"), -1);
  g_object_set_data_full (G_OBJECT (remove), "op-account-id", g_strdup (id), g_free);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_clicked), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (remove_row), remove);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), remove_row);

  adw_preferences_group_add (self->group, row);
  g_hash_table_insert (self->rows, g_strdup (id), row);
}

static void
op_mail_preferences_page_dispose (GObject *object)
{
  OpMailPreferencesPage *self = OP_MAIL_PREFERENCES_PAGE (object);

  g_clear_object (&self->accounts);
  g_weak_ref_clear (&self->view);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  G_OBJECT_CLASS (op_mail_preferences_page_parent_class)->dispose (object);
}

static void
op_mail_preferences_page_class_init (OpMailPreferencesPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = op_mail_preferences_page_dispose;
}

static void
op_mail_preferences_page_init (OpMailPreferencesPage *self)
{
  g_weak_ref_init (&self->view, NULL);
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (self), _("Mail"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (self), "mail-unread-symbolic");
  self->group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->group, _("Mail Accounts"));
  adw_preferences_group_set_description (self->group, _("New accounts are added on the Mail page."));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->group), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Mail: Accounts"), -1);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self), self->group);
}

GtkWidget *
op_mail_preferences_page_new (OpMailView *view)
{
  OpMailPreferencesPage *self = g_object_new (OP_TYPE_MAIL_PREFERENCES_PAGE, NULL);
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (view == NULL || OP_IS_MAIL_VIEW (view), NULL);

  g_weak_ref_set (&self->view, view);
  self->accounts = op_accounts_new_default ();
  if (!op_accounts_load (self->accounts, &error))
    {
      /* Translators: Preferences' Mail page when the accounts file is unreadable. */
      g_autofree char *text = g_strdup_printf (_("The accounts file could not be read: %s"), error->message);

      adw_preferences_group_set_description (self->group, text);
      return GTK_WIDGET (self);
    }
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->accounts)); i++)
    {
      g_autoptr (OpAccount) account = g_list_model_get_item (G_LIST_MODEL (self->accounts), i);

      if (op_account_get_kind (account) == OP_ACCOUNT_KIND_MAIL)
        add_row (self, account);
    }
  return GTK_WIDGET (self);
}
