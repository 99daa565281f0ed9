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
  gboolean          loading;     /* filling the form: no saving */

  GtkStack         *list_stack;
  GtkListBox       *site_list;
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

static void
rebuild_list (OpSiteManager *self,
              OpAccount     *select)
{
  GListModel *accounts = G_LIST_MODEL (self->accounts);
  guint n = g_list_model_get_n_items (accounts);
  guint shown = 0;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->site_list))) != NULL)
    gtk_list_box_remove (self->site_list, child);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (OpAccount) account = g_list_model_get_item (accounts, i);
      GtkWidget *row, *label;
      const char *name;

      if (!op_ftp_site_is_site (account))
        continue;
      name = op_account_get_name (account);
      label = gtk_label_new (name != NULL && name[0] != '\0' ? name : op_account_get_host (account));
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      row = gtk_list_box_row_new ();
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      g_object_set_data_full (G_OBJECT (row), "site", g_object_ref (account), g_object_unref);
      gtk_list_box_append (self->site_list, row);
      if (account == select)
        gtk_list_box_select_row (self->site_list, GTK_LIST_BOX_ROW (row));
      shown++;
    }

  gtk_stack_set_visible_child_name (self->list_stack, shown > 0 ? "list" : "empty");
  if (select == NULL || shown == 0)
    {
      g_clear_object (&self->site);
      gtk_widget_set_sensitive (GTK_WIDGET (self->form), FALSE);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sites.duplicate", self->site != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sites.remove", self->site != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sites.connect", self->site != NULL);
}

static void
fill_form (OpSiteManager *self)
{
  OpAccount *site = self->site;

  self->loading = TRUE;
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

  /* Rows go away while the window is disposed. */
  if (self->form == NULL)
    return;
  g_set_object (&self->site, site);
  fill_form (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sites.duplicate", site != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sites.remove", site != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sites.connect", site != NULL);
}

static void on_password_stored (GObject *source, GAsyncResult *result, gpointer user_data);

static void
on_field_changed (OpSiteManager *self)
{
  OpAccount *site = self->site;
  OpFtpLogonType logon;
  gboolean logon_changed;
  const char *name;
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

  name = op_account_get_name (site);
  row = gtk_list_box_get_selected_row (self->site_list);
  if (row != NULL)
    gtk_label_set_text (GTK_LABEL (gtk_list_box_row_get_child (row)),
                        name[0] != '\0' ? name : op_account_get_host (site));
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
  save (self);
  g_set_object (&self->site, site);
  rebuild_list (self, site);
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
  rebuild_list (self, copy);
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
  rebuild_list (self, NULL);
  fill_form (self);
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
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "sites.add", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  _op_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "files/op-site-manager.ui");
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, list_stack);
  gtk_widget_class_bind_template_child (widget_class, OpSiteManager, site_list);
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
}

static void
op_site_manager_init (OpSiteManager *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
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
  rebuild_list (self, NULL);
  fill_form (self);
  {
    GtkListBoxRow *first = gtk_list_box_get_row_at_index (self->site_list, 0);
    if (first != NULL)
      gtk_list_box_select_row (self->site_list, first);
  }
  return self;
}
