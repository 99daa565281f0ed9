/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "op-mail-account-editor.h"
#include "op-mail-account.h"
#include "op-mail-account-setup.h"
#include "op-secrets.h"

typedef struct
{
  AdwEntryRow         *host;
  AdwEntryRow         *port;
  AdwComboRow         *security;
  AdwEntryRow         *user;
  AdwPasswordEntryRow *password;
} Server;

typedef struct
{
  AdwPreferencesGroup *group;
  AdwEntryRow         *name;
  AdwEntryRow         *address;
  GtkTextView         *signature;
} Identity;

struct _OpMailAccountEditor
{
  AdwWindow            parent_instance;

  OpAccounts          *accounts;
  char                *account_id;
  AdwPreferencesPage  *page;
  Server               incoming;
  Server               outgoing;
  GtkSwitch           *server_saves_sent;
  GPtrArray           *identities;   /* Identity */
  AdwPreferencesGroup *add_group;
  GtkLabel            *error;
  GtkWidget           *save_button;
  guint                pending;      /* passwords being stored */
  gboolean             servers_changed;
};

enum
{
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OpMailAccountEditor, op_mail_account_editor, ADW_TYPE_WINDOW)

static const char *
text_of (gpointer row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
name_control (gpointer    widget,
              const char *name)
{
  /* Translators: the accessible name of a field of the mail account editor; %s is the
   * field's title. */
  g_autofree char *label = g_strdup_printf (_("Mail: %s"), name);

  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static AdwEntryRow *
entry_row (AdwPreferencesGroup *group,
           const char          *title,
           const char          *accessible,
           const char          *text)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
  name_control (row, accessible);
  adw_preferences_group_add (group, row);
  return ADW_ENTRY_ROW (row);
}

static void
build_server (OpMailAccountEditor *self,
              Server              *server,
              const char          *title,
              const char          *which,
              const char          *host,
              guint16              port,
              OpSecurity           security,
              const char          *user)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkStringList *names = gtk_string_list_new (NULL);
  g_autofree char *port_text = port != 0 ? g_strdup_printf ("%u", port) : g_strdup ("");
  g_autofree char *a_host = NULL;
  g_autofree char *a_port = NULL;
  g_autofree char *a_security = NULL;
  g_autofree char *a_user = NULL;
  g_autofree char *a_password = NULL;
  GtkWidget *row;

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  /* Translators: accessible names: "Incoming Server" or "Outgoing Server", then a field. */
  a_host = g_strdup_printf (_("%s Host"), which);
  a_port = g_strdup_printf (_("%s Port"), which);
  a_security = g_strdup_printf (_("%s Security"), which);
  a_user = g_strdup_printf (_("%s Username"), which);
  a_password = g_strdup_printf (_("%s Password"), which);
  server->host = entry_row (ADW_PREFERENCES_GROUP (group), _("Server"), a_host, host);
  server->port = entry_row (ADW_PREFERENCES_GROUP (group), _("Port"), a_port, port_text);
  gtk_string_list_append (names, C_("mail security", "TLS"));
  gtk_string_list_append (names, C_("mail security", "STARTTLS"));
  gtk_string_list_append (names, C_("mail security", "None"));
  row = adw_combo_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Security"));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (names));
  _op_mail_set_security_row (ADW_COMBO_ROW (row), security);
  name_control (row, a_security);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  server->security = ADW_COMBO_ROW (row);
  server->user = entry_row (ADW_PREFERENCES_GROUP (group), _("Username"), a_user, user);
  row = adw_password_entry_row_new ();
  /* Translators: empty keeps the saved password. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("New Password (empty: unchanged)"));
  name_control (row, a_password);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  server->password = ADW_PASSWORD_ENTRY_ROW (row);
  adw_preferences_page_add (self->page, ADW_PREFERENCES_GROUP (group));
  g_object_unref (names);
}

static void
on_remove_identity (GtkButton           *button,
                    OpMailAccountEditor *self)
{
  for (guint i = 0; i < self->identities->len; i++)
    {
      Identity *identity = g_ptr_array_index (self->identities, i);

      if (gtk_widget_is_ancestor (GTK_WIDGET (button), GTK_WIDGET (identity->group)))
        {
          adw_preferences_page_remove (self->page, identity->group);
          g_ptr_array_remove_index (self->identities, i);
          break;
        }
    }
}

static void
add_identity (OpMailAccountEditor  *self,
              const OpMailIdentity *from)
{
  Identity *identity = g_new0 (Identity, 1);
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *remove = gtk_button_new_with_mnemonic (_("_Remove"));
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *label = gtk_label_new (_("Signature"));
  GtkWidget *text = gtk_text_view_new ();
  guint n = self->identities->len + 1;
  /* Translators: the title of an identity's group; %u counts them. */
  g_autofree char *title = g_strdup_printf (_("Identity %u"), n);
  g_autofree char *a_name = g_strdup_printf (_("Identity %u Name"), n);
  g_autofree char *a_address = g_strdup_printf (_("Identity %u Address"), n);
  g_autofree char *a_signature = g_strdup_printf (_("Identity %u Signature"), n);
  g_autofree char *a_remove = g_strdup_printf (_("Remove Identity %u"), n);

  identity->group = ADW_PREFERENCES_GROUP (group);
  adw_preferences_group_set_title (identity->group, title);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  name_control (remove, a_remove);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_identity), self);
  adw_preferences_group_set_header_suffix (identity->group, remove);
  identity->name = entry_row (identity->group, _("Name"), a_name, from != NULL ? from->name : NULL);
  identity->address = entry_row (identity->group, _("Address"), a_address, from != NULL ? from->address : NULL);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 6);
  adw_preferences_group_add (identity->group, label);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (text), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (text), 6);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (text), 6);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (text), 6);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (text), 6);
  gtk_widget_set_size_request (text, -1, 72);
  if (from != NULL && from->signature != NULL)
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (text)), from->signature, -1);
  name_control (text, a_signature);
  gtk_frame_set_child (GTK_FRAME (frame), text);
  adw_preferences_group_add (identity->group, frame);
  identity->signature = GTK_TEXT_VIEW (text);
  /* Before the "Add Identity" group, which stays last. */
  g_object_ref (self->add_group);
  adw_preferences_page_remove (self->page, self->add_group);
  adw_preferences_page_add (self->page, identity->group);
  adw_preferences_page_add (self->page, self->add_group);
  g_object_unref (self->add_group);
  g_ptr_array_add (self->identities, identity);
}

static void
on_add_identity (OpMailAccountEditor *self)
{
  add_identity (self, NULL);
}

static void
set_error (OpMailAccountEditor *self,
           const char          *text)
{
  gtk_label_set_text (self->error, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error), text != NULL);
}

static void
finish (OpMailAccountEditor *self)
{
  OpAccount *account = op_accounts_lookup (self->accounts, self->account_id);

  if (account != NULL)
    g_signal_emit (self, signals[SAVED], 0, account, self->servers_changed);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_password_stored (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (OpMailAccountEditor) self = user_data;
  g_autoptr (GError) error = NULL;

  /* Without a keyring the Mail page asks for it (its banner). */
  if (!op_mail_account_store_password_finish (OP_SECRETS (source), result, &error))
    g_debug ("The password was not saved: %s", error->message);
  if (--self->pending == 0)
    finish (self);
}

static void
store_password (OpMailAccountEditor *self,
                OpAccount           *account,
                OpMailServer         server,
                AdwPasswordEntryRow *row)
{
  if (text_of (row)[0] == '\0')
    return;
  self->pending++;
  op_mail_account_store_password_async (account, server, op_secrets_get_default (), text_of (row),
                                        NULL, on_password_stored, g_object_ref (self));
}

static char *
signature_of (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
on_save_clicked (OpMailAccountEditor *self)
{
  OpAccount *account = op_accounts_lookup (self->accounts, self->account_id);
  g_autoptr (GPtrArray) identities = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_identity_free);
  g_autoptr (GPtrArray) old_identities = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *old_host = NULL, *old_user = NULL, *old_smtp_host = NULL, *old_smtp_user = NULL;
  guint16 old_port, old_smtp_port;
  OpSecurity old_security, old_smtp_security;
  gboolean old_saves_sent;
  guint16 port, smtp_port;
  const char *host = text_of (self->incoming.host);
  const char *smtp_host = text_of (self->outgoing.host);

  if (account == NULL)
    {
      set_error (self, _("This account was removed meanwhile."));
      return;
    }
  if (!_op_mail_parse_port_row (self->incoming.port, &port) || !_op_mail_parse_port_row (self->outgoing.port, &smtp_port))
    {
      set_error (self, _("A port is a number from 1 to 65535; leave it empty for the usual one."));
      return;
    }
  if (host[0] == '\0')
    {
      set_error (self, _("The incoming server needs a name."));
      return;
    }
  for (guint i = 0; i < self->identities->len; i++)
    {
      Identity *identity = g_ptr_array_index (self->identities, i);
      g_autofree char *signature = signature_of (identity->signature);

      g_ptr_array_add (identities, op_mail_identity_new (text_of (identity->name), text_of (identity->address),
                                                         signature));
    }

  /* Kept, to put back when the file cannot be saved. */
  old_identities = op_mail_account_dup_identities (account);
  old_host = g_strdup (op_account_get_host (account));
  old_user = g_strdup (op_account_get_user (account));
  old_port = op_account_get_port (account);
  old_security = op_account_get_security (account);
  old_smtp_host = g_strdup (op_mail_account_get_smtp_host (account));
  old_smtp_user = g_strdup (op_mail_account_get_smtp_user (account));
  old_smtp_port = op_mail_account_get_smtp_port (account);
  old_smtp_security = op_mail_account_get_smtp_security (account);
  old_saves_sent = op_mail_account_get_server_saves_sent (account);

  if (!op_mail_account_set_identities (account, identities, &error))
    {
      set_error (self, error->message);
      return;
    }
  op_account_set_host (account, host);
  op_account_set_port (account, port);
  op_account_set_security (account, _op_mail_security_of_row (self->incoming.security));
  op_account_set_user (account, text_of (self->incoming.user));
  op_mail_account_set_smtp_host (account, smtp_host);
  op_mail_account_set_smtp_port (account, smtp_port);
  op_mail_account_set_smtp_security (account, _op_mail_security_of_row (self->outgoing.security));
  op_mail_account_set_smtp_user (account, text_of (self->outgoing.user)[0] != '\0'
                                          ? text_of (self->outgoing.user) : NULL);
  op_mail_account_set_server_saves_sent (account, gtk_switch_get_active (self->server_saves_sent));
  if (!op_accounts_save (self->accounts, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The account could not be saved: %s. Check that the disk is not full and the configuration folder is writable."),
                                               error->message);

      op_mail_account_set_identities (account, old_identities, NULL);
      op_account_set_host (account, old_host);
      op_account_set_port (account, old_port);
      op_account_set_security (account, old_security);
      op_account_set_user (account, old_user);
      op_mail_account_set_smtp_host (account, old_smtp_host);
      op_mail_account_set_smtp_port (account, old_smtp_port);
      op_mail_account_set_smtp_security (account, old_smtp_security);
      op_mail_account_set_smtp_user (account, old_smtp_user);
      op_mail_account_set_server_saves_sent (account, old_saves_sent);
      set_error (self, text);
      return;
    }
  self->servers_changed = g_strcmp0 (old_host, host) != 0 || old_port != port
                          || old_security != op_account_get_security (account)
                          || g_strcmp0 (old_user, op_account_get_user (account)) != 0
                          || g_strcmp0 (old_smtp_host, op_mail_account_get_smtp_host (account)) != 0
                          || old_smtp_port != smtp_port
                          || old_smtp_security != op_mail_account_get_smtp_security (account)
                          || g_strcmp0 (old_smtp_user, op_mail_account_get_smtp_user (account)) != 0
                          || old_saves_sent != op_mail_account_get_server_saves_sent (account)
                          || text_of (self->incoming.password)[0] != '\0'
                          || text_of (self->outgoing.password)[0] != '\0';
  set_error (self, NULL);
  gtk_widget_set_sensitive (self->save_button, FALSE);
  self->pending = 1;
  store_password (self, account, OP_MAIL_SERVER_INCOMING, self->incoming.password);
  if (smtp_host[0] != '\0')
    store_password (self, account, OP_MAIL_SERVER_OUTGOING, self->outgoing.password);
  if (--self->pending == 0)
    finish (self);
}

static void
identity_free (Identity *identity)
{
  g_free (identity);
}

static void
op_mail_account_editor_dispose (GObject *object)
{
  OpMailAccountEditor *self = OP_MAIL_ACCOUNT_EDITOR (object);

  g_clear_object (&self->accounts);
  g_clear_pointer (&self->identities, g_ptr_array_unref);
  G_OBJECT_CLASS (op_mail_account_editor_parent_class)->dispose (object);
}

static void
op_mail_account_editor_finalize (GObject *object)
{
  OpMailAccountEditor *self = OP_MAIL_ACCOUNT_EDITOR (object);

  g_free (self->account_id);
  G_OBJECT_CLASS (op_mail_account_editor_parent_class)->finalize (object);
}

static void
op_mail_account_editor_class_init (OpMailAccountEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_mail_account_editor_dispose;
  object_class->finalize = op_mail_account_editor_finalize;
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                 NULL, G_TYPE_NONE, 2, OP_TYPE_ACCOUNT, G_TYPE_BOOLEAN);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
op_mail_account_editor_init (OpMailAccountEditor *self)
{
  self->identities = g_ptr_array_new_with_free_func ((GDestroyNotify) identity_free);
}

OpMailAccountEditor *
op_mail_account_editor_new (GtkWindow  *parent,
                            OpAccounts *accounts,
                            const char *account_id)
{
  OpMailAccountEditor *self;
  OpAccount *account;
  g_autoptr (GPtrArray) identities = NULL;
  g_autofree char *title = NULL;
  GtkWidget *box, *header, *cancel, *group, *row, *add, *error_box;

  g_return_val_if_fail (OP_IS_ACCOUNTS (accounts), NULL);
  account = op_accounts_lookup (accounts, account_id);
  g_return_val_if_fail (account != NULL, NULL);

  self = g_object_new (OP_TYPE_MAIL_ACCOUNT_EDITOR, "transient-for", parent, "modal", TRUE,
                       "default-width", 560, "default-height", 720, NULL);
  self->accounts = g_object_ref (accounts);
  self->account_id = g_strdup (account_id);
  /* Translators: the mail account editor's title; %s is the account. */
  title = g_strdup_printf (_("Edit %s"), op_account_get_name (account) != NULL ? op_account_get_name (account) : "");
  gtk_window_set_title (GTK_WINDOW (self), title);
  /* In a narrow window (a phone), no wider than it. */
  if (parent != NULL && gtk_widget_get_width (GTK_WIDGET (parent)) > 0
      && gtk_widget_get_width (GTK_WIDGET (parent)) < 560)
    gtk_window_set_default_size (GTK_WINDOW (self), gtk_widget_get_width (GTK_WIDGET (parent)), 720);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  name_control (cancel, _("Cancel"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "window.close");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  self->save_button = gtk_button_new_with_mnemonic (_("_Save"));
  gtk_widget_add_css_class (self->save_button, "suggested-action");
  name_control (self->save_button, _("Save"));
  g_signal_connect_swapped (self->save_button, "clicked", G_CALLBACK (on_save_clicked), self);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->save_button);
  gtk_box_append (GTK_BOX (box), header);

  self->error = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error, TRUE);
  gtk_label_set_xalign (self->error, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->error), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->error), FALSE);
  error_box = adw_clamp_new ();
  gtk_widget_set_margin_start (error_box, 12);
  gtk_widget_set_margin_end (error_box, 12);
  gtk_widget_set_margin_top (error_box, 6);
  adw_clamp_set_child (ADW_CLAMP (error_box), GTK_WIDGET (self->error));
  gtk_box_append (GTK_BOX (box), error_box);

  self->page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->page), TRUE);
  build_server (self, &self->incoming, _("Incoming Server"), _("Incoming Server"),
                op_account_get_host (account), op_account_get_port (account),
                op_account_get_security (account), op_account_get_user (account));
  build_server (self, &self->outgoing, _("Outgoing Server"), _("Outgoing Server"),
                op_mail_account_get_smtp_host (account), op_mail_account_get_smtp_port (account),
                op_mail_account_get_smtp_security (account), op_mail_account_get_smtp_user (account));

  group = adw_preferences_group_new ();
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("The Server Saves Sent Mail"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("On: Outpost does not file a copy in Sent, as the server does (Gmail, Outlook.com). Off: Outpost files one."));
  self->server_saves_sent = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->server_saves_sent), GTK_ALIGN_CENTER);
  gtk_switch_set_active (self->server_saves_sent, op_mail_account_get_server_saves_sent (account));
  name_control (self->server_saves_sent, _("The Server Saves Sent Mail"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (self->server_saves_sent));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), GTK_WIDGET (self->server_saves_sent));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  adw_preferences_page_add (self->page, ADW_PREFERENCES_GROUP (group));

  self->add_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  add = gtk_button_new_with_mnemonic (_("_Add Identity"));
  name_control (add, _("Add Identity"));
  gtk_widget_set_halign (add, GTK_ALIGN_START);
  g_signal_connect_swapped (add, "clicked", G_CALLBACK (on_add_identity), self);
  adw_preferences_group_add (self->add_group, add);
  adw_preferences_page_add (self->page, self->add_group);
  identities = op_mail_account_dup_identities (account);
  for (guint i = 0; identities != NULL && i < identities->len; i++)
    add_identity (self, g_ptr_array_index (identities, i));

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->page));
  adw_window_set_content (ADW_WINDOW (self), box);
  return self;
}
