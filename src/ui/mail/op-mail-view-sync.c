/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-application.h"
#include "op-mail-account.h"
#include "op-mail-errors.h"
#include "op-secrets.h"
#include "op-trust-store.h"
#include "op-mail-view-private.h"
#include "op-secret.h"

/* Each account of the Mail page kept in step with its servers: the IMAP sync and the
 * outbox. */

/* --- sync --------------------------------------------------------------------------- */

/* After a failed sync, the next try (seconds). */
#define SYNC_RETRY_SECONDS 60

static void run_sync (Account *account);

static OpTrustStore *
application_trust_store (void)
{
  GApplication *application = g_application_get_default ();

  if (!OP_IS_APPLICATION (application))
    return NULL;
  return op_application_get_trust_store (OP_APPLICATION (application));
}

/* The banner above the page: the first account whose server failed, the whole story and
 * what to do. Each failing account keeps a short status under its name in the sidebar. */
void
_op_mail_view_update_banner (OpMailView *self)
{
  Account *failed = NULL;
  g_autofree char *text = NULL;
  g_autofree char *name = NULL;
  const char *button = NULL;
  const char *button_name = NULL;

  for (guint i = 0; self->accounts != NULL && i < self->accounts->len && failed == NULL; i++)
    {
      Account *account = g_ptr_array_index (self->accounts, i);

      if (account->error_text != NULL)
        failed = account;
    }
  g_clear_pointer (&self->banner_account_id, g_free);
  if (failed == NULL)
    {
      gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
      return;
    }
  self->banner_account_id = g_strdup (op_account_get_id (failed->account));
  /* Translators: the Mail page's banner: the account's name, then what went wrong. */
  text = g_strdup_printf (_("%s: %s"), op_account_get_name (failed->account), failed->error_text);
  gtk_label_set_text (self->banner_label, text);
  switch (failed->error_kind)
    {
    case OP_MAIL_ERROR_KIND_PASSWORD:
      button = _("_Enter Password…");
      button_name = _("Mail: Enter Password");
      break;
    case OP_MAIL_ERROR_KIND_CERTIFICATE:
      button = _("Review _Certificate…");
      button_name = _("Mail: Review Certificate");
      break;
    case OP_MAIL_ERROR_KIND_UNREACHABLE:
    case OP_MAIL_ERROR_KIND_OTHER:
    default:
      /* Nothing to try again without a server session (the store did not open). */
      if (failed->sync != NULL || failed->pop3 != NULL)
        {
          button = _("_Retry");
          button_name = _("Mail: Retry");
        }
      break;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->banner_button), button != NULL);
  if (button != NULL)
    {
      gtk_button_set_label (self->banner_button, button);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->banner_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, button_name, -1);
    }
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

void
_op_mail_view_show_account_error (Account         *account,
                                  OpMailErrorKind  kind,
                                  const char      *text)
{
  const char *status;

  switch (kind)
    {
    case OP_MAIL_ERROR_KIND_PASSWORD:
      /* Translators: under an account in the sidebar; the banner says more. */
      status = _("Password needed");
      break;
    case OP_MAIL_ERROR_KIND_UNREACHABLE:
      status = _("Server unreachable");
      break;
    case OP_MAIL_ERROR_KIND_CERTIFICATE:
      status = _("Certificate not trusted");
      break;
    case OP_MAIL_ERROR_KIND_OTHER:
    default:
      status = _("Not up to date");
      break;
    }
  g_free (account->error_text);
  account->error_text = g_strdup (text);
  account->error_kind = kind;
  gtk_label_set_text (account->error_label, text != NULL ? status : "");
  gtk_widget_set_visible (GTK_WIDGET (account->error_label), text != NULL);
  _op_mail_view_update_banner (account->view);
}

static gboolean
retry_sync (gpointer data)
{
  Account *account = data;

  account->retry_source = 0;
  run_sync (account);
  return G_SOURCE_REMOVE;
}

/* What the banner says about a failed sync. (transfer full) */
static char *
describe_sync_error (OpMailErrorKind  kind,
                     const GError    *error)
{
  /* For a password, the server's words without the protocol client's own "refused the
   * user name or password" before them, which the sentence says already. */
  const char *words = kind == OP_MAIL_ERROR_KIND_PASSWORD && strchr (error->message, ':') != NULL
                      ? strchr (error->message, ':') + 1 : error->message;
  g_autofree char *why = op_mail_error_clause (words + strspn (words, " "));
  char *text = NULL;

  switch (kind)
    {
    case OP_MAIL_ERROR_KIND_PASSWORD:
      /* Translators: the banner when the server refused the saved password; %s is the
       * server's words. Nothing is tried again until the user acts: a wrong password
       * tried every minute can lock the account. */
      text = g_strdup_printf (_("The server refused the password: %s. Enter the current password to fetch mail again; the mail already here stays readable."),
                              why);
      break;
    case OP_MAIL_ERROR_KIND_CERTIFICATE:
      /* Translators: the banner when the server's certificate was refused; %s says so
       * in a whole sentence. */
      text = g_strdup_printf (_("%s Mail is not fetched until you review the certificate; trust it only if its SHA-256 fingerprint is the one your provider publishes."),
                              error->message);
      break;
    case OP_MAIL_ERROR_KIND_UNREACHABLE:
      /* Translators: the banner when the server did not answer; %s says why. */
      text = g_strdup_printf (_("The server could not be reached: %s. Outpost tries again in a minute; check the network, or retry now."),
                              why);
      break;
    case OP_MAIL_ERROR_KIND_OTHER:
    default:
      /* Translators: the banner when fetching mail failed; %s says what happened. */
      text = g_strdup_printf (_("Mail could not be fetched: %s. Outpost tries again in a minute; check the network and the account's server settings."),
                              why);
      break;
    }
  return text;
}

void
_op_mail_view_sync_failed (Account      *account,
                           const GError *error)
{
  OpMailErrorKind kind = op_mail_error_kind (error);
  g_autofree char *text = describe_sync_error (kind, error);

  _op_mail_view_show_account_error (account, kind, text);
  /* A refused password or certificate stays refused: it waits for the user. */
  if (account->retry_source == 0 && kind != OP_MAIL_ERROR_KIND_PASSWORD
      && kind != OP_MAIL_ERROR_KIND_CERTIFICATE)
    account->retry_source = g_timeout_add_seconds (SYNC_RETRY_SECONDS, retry_sync, account);
}

static void
on_sync_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OpMailFolder) sent = NULL;
  Account *account = user_data;

  if (!op_mail_imap_sync_finish (OP_MAIL_IMAP_SYNC (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _op_mail_view_sync_failed (account, error);
      return;
    }
  _op_mail_view_show_account_error (account, OP_MAIL_ERROR_KIND_OTHER, NULL);
  /* Dovecot, like most servers, files no copy of what is sent: the outbox does. Gmail
   * and Outlook.com do it themselves (the account's setting): a copy would be a second. */
  sent = op_mail_store_lookup_special (account->store, OP_MAIL_SPECIAL_USE_SENT);
  if (account->outbox != NULL)
    {
      if (sent != NULL && !op_mail_account_get_server_saves_sent (account->account))
        op_mail_outbox_set_sent_folder (account->outbox, account->sync, op_mail_folder_get_name (sent));
      else
        op_mail_outbox_set_sent_folder (account->outbox, NULL, NULL);
    }
  /* New mail in the Inbox arrives by IDLE, without a refresh. */
  op_mail_imap_sync_set_idle (account->sync, TRUE);
}

static void
on_sync_error (OpMailImapSync *sync,
               GError         *error,
               Account        *account)
{
  _op_mail_view_sync_failed (account, error);
}

/* POP3 tries again at its next poll by itself. */
static void
on_pop3_error (OpMailPop3Poller *poller,
               GError           *error,
               Account          *account)
{
  /* Translators: under a POP3 account in the sidebar when downloading failed; %s says
   * what happened. */
  OpMailErrorKind kind = op_mail_error_kind (error);
  g_autofree char *text = NULL;

  if (kind == OP_MAIL_ERROR_KIND_OTHER || kind == OP_MAIL_ERROR_KIND_UNREACHABLE)
    text = g_strdup_printf (_("Mail could not be downloaded: %s. Outpost tries again in a few minutes; check the network and the account's server settings."),
                            error->message);
  else
    text = describe_sync_error (kind, error);
  _op_mail_view_show_account_error (account, kind, text);
}

static void
on_pop3_fetched (OpMailPop3Poller *poller,
                 Account          *account)
{
  _op_mail_view_show_account_error (account, OP_MAIL_ERROR_KIND_OTHER, NULL);
}

static void
run_sync (Account *account)
{
  op_mail_imap_sync_run_async (account->sync, account->cancellable, on_sync_done, account);
}

static void
start_sync_with (Account    *account,
                 const char *password)
{
  OpAccount *op_account = account->account;
  OpTlsVerifier *verifier = account->view->verifier != NULL
                            ? account->view->verifier
                            : (OpTlsVerifier *) application_trust_store ();

  if (op_mail_account_get_incoming (op_account) == OP_MAIL_INCOMING_POP3)
    {
      account->pop3 = op_mail_pop3_poller_new (account->store, op_account, password, verifier);
      g_signal_connect (account->pop3, "error", G_CALLBACK (on_pop3_error), account);
      g_signal_connect (account->pop3, "fetched", G_CALLBACK (on_pop3_fetched), account);
      op_mail_pop3_poller_start (account->pop3);
      return;
    }
  account->sync = op_mail_imap_sync_new (account->store, op_account_get_host (op_account),
                                         op_mail_account_get_effective_port (op_account),
                                         op_account_get_security (op_account),
                                         op_account_get_user (op_account));
  op_mail_imap_sync_set_password (account->sync, password);
  op_mail_imap_sync_set_allow_plaintext_password (account->sync,
                                                  op_account_get_allow_plaintext_password (op_account));
  if (verifier != NULL)
    op_mail_imap_sync_set_verifier (account->sync, verifier);
  g_signal_connect (account->sync, "error", G_CALLBACK (on_sync_error), account);
  run_sync (account);
}

/* --- the banner's actions --------------------------------------------------------- */

static OpTlsVerifier *
current_verifier (Account *account)
{
  return account->view->verifier != NULL ? account->view->verifier
                                         : (OpTlsVerifier *) application_trust_store ();
}

/* Now, not in a minute; with the verifier as it is now (a certificate the user trusted
 * meanwhile, or the trust dialog again). */
static void
retry_now (Account *account)
{
  g_clear_handle_id (&account->retry_source, g_source_remove);
  if (account->sync != NULL)
    {
      if (current_verifier (account) != NULL)
        op_mail_imap_sync_set_verifier (account->sync, current_verifier (account));
      run_sync (account);
    }
  else if (account->pop3 != NULL)
    op_mail_pop3_poller_start (account->pop3);
}

static void
on_new_password_stored (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr (StoreOpen) open = user_data;
  g_autoptr (GError) error = NULL;

  if (!op_mail_account_store_password_finish (OP_SECRETS (source), result, &error)
      && open->view->accounts != NULL)
    {
      /* Translators: a toast; %s says why the keyring refused. */
      g_autofree char *text = g_strdup_printf (_("The password is used until Outpost quits but could not be saved: %s"),
                                               error->message);

      adw_toast_overlay_add_toast (open->view->toast_overlay, adw_toast_new (text));
    }
}

/* A password the user typed: used now, and saved in the keyring for next time. */
static void
use_new_password (Account    *account,
                  const char *password)
{
  op_secret_free (account->password);
  account->password = g_strdup (password);
  op_mail_account_store_password_async (account->account, OP_MAIL_SERVER_INCOMING,
                                        op_secrets_get_default (), password, NULL,
                                        on_new_password_stored,
                                        _op_mail_view_store_open_new (account->view, account));
  if (account->pop3 != NULL)
    {
      g_signal_handlers_disconnect_by_data (account->pop3, account);
      g_clear_object (&account->pop3);
    }
  if (account->sync != NULL)
    {
      op_mail_imap_sync_set_password (account->sync, password);
      retry_now (account);
    }
  else
    start_sync_with (account, password);
}

static void
on_password_response (AdwMessageDialog *dialog,
                      const char       *response,
                      gpointer          user_data)
{
  StoreOpen *open = user_data;
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "password-row");
  Account *account = open->view->accounts != NULL ? _op_mail_view_find_account (open->view, open->account_id) : NULL;

  if (account != NULL && g_strcmp0 (response, "sign-in") == 0
      && gtk_editable_get_text (entry)[0] != '\0')
    use_new_password (account, gtk_editable_get_text (entry));
}

static void
ask_password (Account *account)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (account->view));
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  g_autofree char *entry_name = NULL;
  GtkWidget *dialog;
  GtkWidget *entry;

  /* Translators: the heading of the dialog asking for an account's password. */
  heading = g_strdup_printf (_("Password for %s"), op_account_get_name (account->account));
  /* Translators: %s is the user name, %s the server. */
  body = g_strdup_printf (_("Enter the password of %s on %s. It is saved in the keyring and used from now on."),
                          op_account_get_user (account->account), op_account_get_host (account->account));
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading, body);
  /* A plain entry: a GtkPasswordEntry or an entry row here made GTK 4.8 cast a freed
   * widget when the dialog closed (ui-mail-page-dovecot). */
  entry = gtk_entry_new ();
  gtk_entry_set_visibility (GTK_ENTRY (entry), FALSE);
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_PASSWORD);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  /* Translators: the accessible name of the password field; %s is the account. */
  entry_name = g_strdup_printf (_("Mail: Password for %s"), op_account_get_name (account->account));
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, entry_name, -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  g_object_set_data (G_OBJECT (dialog), "password-row", entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "sign-in", _("_Sign In"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "sign-in",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "sign-in");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_password_response),
                         _op_mail_view_store_open_new (account->view, account),
                         (GClosureNotify) (void (*) (void)) _op_mail_view_store_open_free, 0);
  gtk_window_set_focus (GTK_WINDOW (dialog), entry);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The banner's button: what its account's failure calls for. */
void
_op_mail_view_banner_action (OpMailView *self)
{
  Account *account = self->banner_account_id != NULL
                     ? _op_mail_view_find_account (self, self->banner_account_id) : NULL;

  if (account == NULL)
    return;
  if (account->error_kind == OP_MAIL_ERROR_KIND_PASSWORD)
    ask_password (account);
  else
    retry_now (account);
}

static void
on_password (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (StoreOpen) open = user_data;
  g_autoptr (GError) error = NULL;
  char *password = op_mail_account_lookup_password_finish (OP_SECRETS (source), result, &error);
  Account *account = open->view->accounts != NULL
                     ? _op_mail_view_find_account (open->view, open->account_id) : NULL;

  if (account == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_pointer (&password, op_secrets_password_free);
      return;
    }
  if (password == NULL)
    {
      /* Translators: under an account in the sidebar when no password is saved for it. */
      _op_mail_view_show_account_error (account, OP_MAIL_ERROR_KIND_PASSWORD, _("No password is saved for this account, so its mail is not fetched; the mail already in the local store is shown. Enter the password to fetch it; to keep passwords between sessions, start a keyring (Secret Service) such as GNOME Keyring."));
      return;
    }
  start_sync_with (account, password);
  op_secrets_password_free (password);
}

/* IMAP accounts are kept in step with the server: the folder list, every folder, then
 * IDLE on the Inbox; POP3 accounts are downloaded every few minutes. The password comes
 * from the set-up (this session) or the keyring. */
void
_op_mail_view_start_sync (Account *account)
{
  StoreOpen *open;

  if (!op_mail_account_is_mail (account->account)
      || op_account_get_host (account->account) == NULL
      || op_account_get_host (account->account)[0] == '\0')
    return;
  if (account->password != NULL)
    {
      start_sync_with (account, account->password);
      return;
    }
  open = _op_mail_view_store_open_new (account->view, account);
  op_mail_account_lookup_password_async (account->account, OP_MAIL_SERVER_INCOMING,
                                         op_secrets_get_default (), account->cancellable,
                                         on_password, open);
}

/* --- the outbox ----------------------------------------------------------------------- */

static void
on_outbox_password (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (StoreOpen) lookup = user_data;
  g_autoptr (GError) error = NULL;
  char *password = op_mail_account_lookup_password_finish (OP_SECRETS (source), result, &error);
  Account *account = lookup->view->accounts != NULL ? _op_mail_view_find_account (lookup->view, lookup->account_id) : NULL;

  g_debug ("outgoing password of %s: %s", lookup->account_id,
           password != NULL ? "saved" : error != NULL ? error->message : "none saved");
  if (account != NULL && account->outbox != NULL)
    {
      OpTlsVerifier *verifier = account->view->verifier != NULL
                                ? account->view->verifier
                                : (OpTlsVerifier *) application_trust_store ();

      /* No outgoing password saved: the set-up's of this session (the same login), or
       * none (a server that needs no login). */
      op_mail_outbox_set_account (account->outbox, account->account,
                                  password != NULL ? password : account->password, verifier);
      op_mail_outbox_set_auto_retry (account->outbox, TRUE);
      op_mail_store_submitter_set_can_send (account->view->submitter, lookup->account_id, TRUE);
    }
  g_clear_pointer (&password, op_secrets_password_free);
}

/* The account's outbox and drafts, for its composers: its SMTP server once the password
 * is read. */
void
_op_mail_view_open_outbox (Account *account)
{
  StoreOpen *lookup;

  account->outbox = op_mail_outbox_new (account->store);
  /* Drafts are saved, and messages kept in the outbox, with no SMTP server set too. */
  op_mail_store_submitter_add_account (account->view->submitter, op_account_get_id (account->account),
                                       account->store, account->outbox);
  if (!op_mail_account_is_mail (account->account) || op_mail_account_get_smtp_host (account->account) == NULL
      || op_mail_account_get_smtp_host (account->account)[0] == '\0')
    return;
  /* Sent once the server is known; until then they wait, stored. */
  op_mail_store_submitter_set_can_send (account->view->submitter, op_account_get_id (account->account), FALSE);
  lookup = _op_mail_view_store_open_new (account->view, account);
  op_mail_account_lookup_password_async (account->account, OP_MAIL_SERVER_OUTGOING,
                                         op_secrets_get_default (), account->cancellable,
                                         on_outbox_password, lookup);
}

/* The account's servers were edited (Preferences): its sessions start again with the new
 * settings. A password given this session gives way to the keyring's (Preferences saved
 * a new one there); without a keyring the banner asks for it. */
void
_op_mail_view_reconnect (Account *account)
{
  StoreOpen *lookup;

  g_clear_handle_id (&account->retry_source, g_source_remove);
  g_cancellable_cancel (account->cancellable);
  g_clear_object (&account->cancellable);
  account->cancellable = g_cancellable_new ();
  if (account->sync != NULL)
    {
      g_signal_handlers_disconnect_by_data (account->sync, account);
      op_mail_imap_sync_close (account->sync);
      g_clear_object (&account->sync);
    }
  if (account->pop3 != NULL)
    {
      g_signal_handlers_disconnect_by_data (account->pop3, account);
      g_clear_object (&account->pop3);
    }
  g_clear_pointer (&account->password, op_secret_free);
  _op_mail_view_show_account_error (account, OP_MAIL_ERROR_KIND_OTHER, NULL);
  if (account->store == NULL)
    return;   /* it starts when its store has opened */
  if (account->outbox != NULL)
    op_mail_outbox_set_sent_folder (account->outbox, NULL, NULL);
  _op_mail_view_start_sync (account);
  if (account->outbox != NULL && op_mail_account_get_smtp_host (account->account) != NULL
      && op_mail_account_get_smtp_host (account->account)[0] != '\0')
    {
      lookup = _op_mail_view_store_open_new (account->view, account);
      op_mail_account_lookup_password_async (account->account, OP_MAIL_SERVER_OUTGOING,
                                             op_secrets_get_default (), account->cancellable,
                                             on_outbox_password, lookup);
    }
}
