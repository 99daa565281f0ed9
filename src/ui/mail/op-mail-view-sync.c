/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>

#include "op-application.h"
#include "op-mail-account.h"
#include "op-secrets.h"
#include "op-trust-store.h"
#include "op-mail-view-private.h"

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

void
_op_mail_view_show_account_error (Account    *account,
                    const char *text)
{
  gtk_label_set_text (account->error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (account->error_label), text != NULL);
}

static gboolean
retry_sync (gpointer data)
{
  Account *account = data;

  account->retry_source = 0;
  run_sync (account);
  return G_SOURCE_REMOVE;
}

void
_op_mail_view_sync_failed (Account      *account,
             const GError *error)
{
  /* Translators: under an account in the sidebar when fetching its mail failed; %s says
   * what happened. */
  g_autofree char *text = g_strdup_printf (_("Mail could not be fetched: %s. Outpost tries again in a minute; check the network and the account's server settings."),
                                           error->message);

  _op_mail_view_show_account_error (account, text);
  if (account->retry_source == 0)
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
  _op_mail_view_show_account_error (account, NULL);
  /* Dovecot, like most servers, files no copy of what is sent: the outbox does. */
  sent = op_mail_store_lookup_special (account->store, OP_MAIL_SPECIAL_USE_SENT);
  if (sent != NULL && account->outbox != NULL)
    op_mail_outbox_set_sent_folder (account->outbox, account->sync, op_mail_folder_get_name (sent));
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
  g_autofree char *text = g_strdup_printf (_("Mail could not be downloaded: %s. Outpost tries again in a few minutes; check the network and the account's server settings."),
                                           error->message);

  _op_mail_view_show_account_error (account, text);
}

static void
on_pop3_fetched (OpMailPop3Poller *poller,
                 Account          *account)
{
  _op_mail_view_show_account_error (account, NULL);
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
      _op_mail_view_show_account_error (account, _("No password is saved for this account, so its mail is not fetched; the mail already in the local store is shown. Passwords are saved in the keyring (Secret Service): start one, such as GNOME Keyring, and open Outpost again."));
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
