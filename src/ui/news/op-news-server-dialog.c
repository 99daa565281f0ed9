/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "op-accounts.h"
#include "op-application.h"
#include "op-news-server-dialog.h"
#include "op-secrets.h"
#include "op-ui-resources.h"

/* RFC 3977 §3.1 and RFC 4642: the plain and the TLS port. */
#define NNTP_PORT 119
#define NNTPS_PORT 563

struct _OpNewsServerDialog
{
  AdwWindow parent_instance;

  GtkButton           *cancel_button;
  GtkButton           *add_button;
  GtkSpinner          *spinner;
  AdwEntryRow         *host_row;
  AdwComboRow         *security_row;
  GtkSpinButton       *port_spin;
  AdwEntryRow         *user_row;
  AdwPasswordEntryRow *password_row;
  GtkLabel            *error_label;

  GFile         *accounts_file;
  OpTlsVerifier *verifier;
  OpNewsServer  *testing; /* while the connection test runs */
  GCancellable  *cancellable;
};

enum
{
  SERVER_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OpNewsServerDialog, op_news_server_dialog, ADW_TYPE_WINDOW)

static OpSecurity
selected_security (OpNewsServerDialog *self)
{
  switch (adw_combo_row_get_selected (self->security_row))
    {
    case 1:
      return OP_SECURITY_IMPLICIT_TLS;
    case 2:
      return OP_SECURITY_NONE;
    default:
      return OP_SECURITY_STARTTLS;
    }
}

static void
on_security_changed (OpNewsServerDialog *self)
{
  guint port = (guint)gtk_spin_button_get_value_as_int (self->port_spin);

  /* The port follows the security unless the user chose another one. */
  if (port == NNTP_PORT || port == NNTPS_PORT)
    gtk_spin_button_set_value (self->port_spin, selected_security (self) == OP_SECURITY_IMPLICIT_TLS
                                                    ? NNTPS_PORT
                                                    : NNTP_PORT);
}

static void
show_error (OpNewsServerDialog *self, const char *text)
{
  gtk_label_set_text (self->error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static void
on_changed (OpNewsServerDialog *self)
{
  show_error (self, NULL);
}

static void
set_busy (OpNewsServerDialog *self, gboolean busy)
{
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->host_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->security_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->port_spin), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->user_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), !busy);
}

static void
on_cancel_clicked (OpNewsServerDialog *self)
{
  g_cancellable_cancel (self->cancellable);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
password_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  /* Without a Secret Service the password stays in the server object for this
   * session, and the next start asks OpSecrets, which says why it has none. */
  if (!op_secrets_store_finish (OP_SECRETS (source), result, &error))
    g_debug ("The news password was not saved: %s", error->message);
}

static void
connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (OpNewsServerDialog) self = user_data;
  g_autoptr (OpNewsServer) server = OP_NEWS_SERVER (g_object_ref (source));
  g_autoptr (OpAccounts) accounts = NULL;
  g_autoptr (GError) error = NULL;
  OpAccount  *account;
  const char *password;

  if (!op_news_server_connect_finish (server, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_clear_object (&self->testing);
      set_busy (self, FALSE);
      show_error (self, error->message);
      return;
    }
  g_clear_object (&self->testing);
  account = op_news_server_get_account (server);
  accounts = self->accounts_file != NULL ? op_accounts_new (self->accounts_file)
                                         : op_accounts_new_default ();
  /* Loaded right before the save: another view's changes are kept. */
  if (!op_accounts_load (accounts, &error)
      || (op_accounts_add (accounts, account), !op_accounts_save (accounts, &error)))
    {
      g_autofree char *text = g_strdup_printf (
          _ ("The server answered, but it could not be saved: %s"), error->message);

      set_busy (self, FALSE);
      show_error (self, text);
      return;
    }
  password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  if (op_account_get_user (account) != NULL && *password != '\0')
    op_secrets_store_async (op_secrets_get_default (), "nntp", op_account_get_host (account),
                            op_account_get_port (account), op_account_get_user (account), password,
                            NULL, password_stored, NULL);
  g_signal_emit (self, signals[SERVER_ADDED], 0, server);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_add_clicked (OpNewsServerDialog *self)
{
  g_autoptr (OpAccount) account = NULL;
  g_autofree char *host
      = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->host_row))));
  g_autofree char *user
      = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->user_row))));
  const char     *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  OpSecurity      security = selected_security (self);
  GtkApplication *application;

  if (*host == '\0' || strpbrk (host, " /\t") != NULL)
    {
      show_error (self, _ ("Enter the server's host name, for example news.example.org."));
      return;
    }
  if (*user != '\0' && *password == '\0')
    {
      show_error (self, _ ("Enter the password for this user name, or leave both empty."));
      return;
    }
  if (*user != '\0' && security == OP_SECURITY_NONE)
    {
      show_error (self,
                  _ ("A password would be sent unencrypted. Choose STARTTLS or TLS to log in."));
      return;
    }
  account = op_account_new (OP_ACCOUNT_KIND_NEWS, NULL);
  op_account_set_name (account, host);
  op_account_set_host (account, host);
  op_account_set_port (account, (guint16)gtk_spin_button_get_value_as_int (self->port_spin));
  op_account_set_security (account, security);
  if (*user != '\0')
    op_account_set_user (account, user);

  g_clear_object (&self->testing);
  self->testing = op_news_server_new (account, NULL);
  application = GTK_APPLICATION (g_application_get_default ());
  if (self->verifier != NULL)
    op_news_server_set_verifier (self->testing, self->verifier);
  else if (OP_IS_APPLICATION (application)
           && op_application_get_trust_store (OP_APPLICATION (application)) != NULL)
    op_news_server_set_verifier (self->testing, OP_TLS_VERIFIER (op_application_get_trust_store (
                                                    OP_APPLICATION (application))));
  if (*user != '\0')
    op_news_server_set_password (self->testing, password);
  show_error (self, NULL);
  set_busy (self, TRUE);
  op_news_server_connect_async (self->testing, self->cancellable, connected, g_object_ref (self));
}

static void
op_news_server_dialog_dispose (GObject *object)
{
  OpNewsServerDialog *self = OP_NEWS_SERVER_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->testing);
  g_clear_object (&self->verifier);
  g_clear_object (&self->accounts_file);
  gtk_widget_dispose_template (GTK_WIDGET (object), OP_TYPE_NEWS_SERVER_DIALOG);
  G_OBJECT_CLASS (op_news_server_dialog_parent_class)->dispose (object);
}

static void
op_news_server_dialog_class_init (OpNewsServerDialogClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_news_server_dialog_dispose;

  /**
   * OpNewsServerDialog::server-added:
   * @server: the new server (its account saved)
   */
  signals[SERVER_ADDED]
      = g_signal_new ("server-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, OP_TYPE_NEWS_SERVER);

  _op_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/outpost/Outpost/news/op-news-server-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, OpNewsServerDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, OpNewsServerDialog, add_button);
  gtk_widget_class_bind_template_child (widget_class, OpNewsServerDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, OpNewsServerDialog, host_row);
  gtk_widget_class_bind_template_child (widget_class, OpNewsServerDialog, security_row);
  gtk_widget_class_bind_template_child (widget_class, OpNewsServerDialog, port_spin);
  gtk_widget_class_bind_template_child (widget_class, OpNewsServerDialog, user_row);
  gtk_widget_class_bind_template_child (widget_class, OpNewsServerDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, OpNewsServerDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_security_changed);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
op_news_server_dialog_init (OpNewsServerDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

OpNewsServerDialog *
op_news_server_dialog_new (GtkWindow *parent, GFile *accounts_file)
{
  OpNewsServerDialog *self
      = g_object_new (OP_TYPE_NEWS_SERVER_DIALOG, "transient-for", parent, NULL);

  if (accounts_file != NULL)
    self->accounts_file = g_object_ref (accounts_file);
  return self;
}

void
op_news_server_dialog_set_verifier (OpNewsServerDialog *self, OpTlsVerifier *verifier)
{
  g_return_if_fail (OP_IS_NEWS_SERVER_DIALOG (self));

  g_set_object (&self->verifier, verifier);
}
