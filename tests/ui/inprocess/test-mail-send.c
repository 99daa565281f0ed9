/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "op-accounts.h"
#include "op-mail-account.h"
#include "op-mail-composer-window.h"
#include "op-mail-view.h"
#include "op-mail-identity-item.h"
#include "op-mail-outbox.h"
#include "op-mail-store-submitter.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"
#include "op-ui-test-utils.h"

/* Writing a message in the composer window and sending it through the store's real
 * outbox to the SMTP server of tests/servers (aiosmtpd: it refuses recipients whose
 * local part starts with "reject" and delivers the rest to its Maildir); and a draft
 * saved when the window closes. Skipped (77) without the servers, failed without them
 * when OUTPOST_TEST_REQUIRE_SERVERS is set. */

typedef struct
{
  const char     *host;
  guint16         port;
  const char     *user;
  const char     *password;
  const char     *maildir;
  OpTestVerifier *verifier;
} Smtp;

static gboolean
get_smtp (Smtp *smtp)
{
  const char *port = op_test_endpoint_env ("OUTPOST_TEST_SMTP_PORT");
  const char *ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  g_autoptr (GError) error = NULL;

  smtp->host = op_test_endpoint_env ("OUTPOST_TEST_SMTP_HOST");
  smtp->user = op_test_endpoint_env ("OUTPOST_TEST_SMTP_USER");
  smtp->password = op_test_endpoint_env ("OUTPOST_TEST_SMTP_PASSWORD");
  smtp->maildir = op_test_endpoint_env ("OUTPOST_TEST_SMTP_MAILDIR");
  if (port == NULL || ca == NULL || smtp->host == NULL || smtp->user == NULL || smtp->password == NULL
      || smtp->maildir == NULL)
    return FALSE;
  smtp->port = (guint16) atoi (port);
  smtp->verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  return TRUE;
}

static gboolean
need_smtp (Smtp *smtp)
{
  if (get_smtp (smtp))
    return TRUE;
  if (g_getenv ("OUTPOST_TEST_REQUIRE_SERVERS") != NULL)
    g_error ("OUTPOST_TEST_REQUIRE_SERVERS is set but the SMTP server's variables are missing "
             "(tests/servers/start --only dovecot smtp, then . RUNDIR/env)");
  g_test_skip ("the SMTP server of tests/servers is not running");
  return FALSE;
}

/* The delivered message that holds @needle, or NULL; *@n: how many hold it. */
static char *
delivered (const Smtp *smtp,
           const char *needle,
           guint      *n)
{
  g_autofree char *dir = g_build_filename (smtp->maildir, "new", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  char *found = NULL;

  *n = 0;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;

      if (g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, needle) != NULL)
        {
          (*n)++;
          g_free (found);
          found = g_steal_pointer (&contents);
        }
    }
  return found;
}

typedef struct
{
  char   *dir;
  OpMailStore *store;
  OpMailOutbox *outbox;
  OpMailStoreSubmitter *submitter;
  GListStore *identities;
  guint sends;
  char *send_error;
} Fixture;

static void
on_send_finished (OpMailStoreSubmitter *submitter,
                  const char           *account_id,
                  const char           *error,
                  Fixture              *fixture)
{
  g_assert_cmpstr (account_id, ==, "acct-send");
  g_free (fixture->send_error);
  fixture->send_error = g_strdup (error);
  fixture->sends++;
}

static void
fixture_open (Fixture    *fixture,
              const Smtp *smtp)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (OpMailIdentityItem) identity = op_mail_identity_item_new ("acct-send", "Me Myself", "me@example.test", NULL);

  fixture->dir = g_dir_make_tmp ("outpost-mail-send-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "store.sqlite", NULL);
  fixture->store = op_mail_store_open_sync (path, NULL, &error);
  g_assert_no_error (error);
  fixture->outbox = op_mail_outbox_new (fixture->store);
  op_mail_outbox_set_server (fixture->outbox, smtp->host, smtp->port, OP_SECURITY_STARTTLS, smtp->user,
                             smtp->password, FALSE, OP_TLS_VERIFIER (smtp->verifier));
  fixture->submitter = op_mail_store_submitter_new ();
  op_mail_store_submitter_add_account (fixture->submitter, "acct-send", fixture->store, fixture->outbox);
  g_signal_connect (fixture->submitter, "send-finished", G_CALLBACK (on_send_finished), fixture);
  fixture->identities = g_list_store_new (OP_TYPE_MAIL_IDENTITY_ITEM);
  g_list_store_append (fixture->identities, identity);
}

static void
fixture_close (Fixture *fixture)
{
  g_autoptr (GDir) d = NULL;
  const char *name;

  g_clear_object (&fixture->submitter);
  g_clear_object (&fixture->outbox);
  op_mail_store_close (fixture->store);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->identities);
  d = g_dir_open (fixture->dir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (fixture->dir);
  g_clear_pointer (&fixture->dir, g_free);
  g_clear_pointer (&fixture->send_error, g_free);
}

static gboolean
sent_once (gpointer data)
{
  return ((Fixture *) data)->sends > 0;
}

static OpMailComposerWindow *
open_window (Fixture *fixture)
{
  OpMailComposerWindow *window = op_mail_composer_window_new (NULL, G_LIST_MODEL (fixture->identities),
                                                              OP_MAIL_SUBMITTER (fixture->submitter));

  op_mail_composer_set_autosave_interval (op_mail_composer_window_get_composer (window), 0);
  op_mail_composer_start_new (op_mail_composer_window_get_composer (window));
  gtk_window_present (GTK_WINDOW (window));
  op_ui_test_iterate ();
  return window;
}

/* Send: the window goes once the message is in the outbox; the server gets it once,
 * and the outbox keeps the refused recipient with the server's reason. */
static void
test_send (void)
{
  Smtp smtp = { 0 };
  Fixture fixture = { 0 };
  OpMailComposerWindow *window;
  OpMailComposer *composer;
  g_autofree char *subject = g_strdup_printf ("Composer send %d-%" G_GINT64_FORMAT, getpid (), g_get_real_time ());
  g_autofree char *message = NULL;
  g_autoptr (GPtrArray) items = NULL;
  OpMailOutboxItem *item;
  GtkTextIter end;
  guint n;

  if (!need_smtp (&smtp))
    return;
  fixture_open (&fixture, &smtp);
  window = open_window (&fixture);
  composer = op_mail_composer_window_get_composer (window);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);

  gtk_editable_set_text (op_mail_composer_get_to_entry (composer), "Someone <someone@example.test>, reject-me@example.test");
  gtk_editable_set_text (op_mail_composer_get_subject_entry (composer), subject);
  gtk_text_buffer_get_end_iter (op_mail_composer_get_body (composer), &end);
  gtk_text_buffer_insert (op_mail_composer_get_body (composer), &end, "Written in the composer window.\n", -1);

  /* Ctrl+Enter's action. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  g_assert_true (op_ui_test_wait_for_pointer ((gpointer *) &window));
  /* Stored before the window went: the outbox holds it (or has sent it already). */
  items = op_mail_outbox_list (fixture.outbox, NULL);
  g_assert_cmpuint (items->len, ==, 1);
  g_clear_pointer (&items, g_ptr_array_unref);

  g_assert_true (op_ui_test_wait_for (sent_once, &fixture));
  g_assert_null (fixture.send_error);
  message = delivered (&smtp, subject, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_nonnull (strstr (message, "Written in the composer window."));
  g_assert_nonnull (strstr (message, "From: Me Myself <me@example.test>"));

  items = op_mail_outbox_list (fixture.outbox, NULL);
  g_assert_cmpuint (items->len, ==, 1);
  item = g_ptr_array_index (items, 0);
  g_assert_cmpint (item->state, ==, OP_MAIL_OUTBOX_SENT);
  g_assert_cmpuint (item->refusals->len, ==, 1);
  g_assert_cmpstr (((OpMailRefusal *) g_ptr_array_index (item->refusals, 0))->recipient, ==, "reject-me@example.test");
  g_assert_cmpuint (((OpMailRefusal *) g_ptr_array_index (item->refusals, 0))->code, ==, 550);

  op_ui_test_assert_no_hidden_toplevel ();
  fixture_close (&fixture);
  g_clear_object (&smtp.verifier);
}

/* Closing a changed composer stores its draft (queued for the server's Drafts), then
 * the window is destroyed; closing an unchanged one stores nothing. */
static void
test_draft_on_close (void)
{
  Smtp smtp = { 0 };
  Fixture fixture = { 0 };
  OpMailComposerWindow *window;
  guint pending;

  if (!need_smtp (&smtp))
    return;
  fixture_open (&fixture, &smtp);

  window = open_window (&fixture);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  pending = op_mail_store_count_pending (fixture.store);
  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (op_ui_test_wait_for_pointer ((gpointer *) &window));
  g_assert_cmpuint (op_mail_store_count_pending (fixture.store), ==, pending);

  window = open_window (&fixture);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_editable_set_text (op_mail_composer_get_subject_entry (op_mail_composer_window_get_composer (window)),
                         "A draft closed");
  gtk_window_close (GTK_WINDOW (window));
  /* Not gone at once: it waits for the draft. */
  g_assert_nonnull (window);
  g_assert_true (op_ui_test_wait_for_pointer ((gpointer *) &window));
  g_assert_cmpuint (op_mail_store_count_pending (fixture.store), >, pending);
  g_assert_cmpuint (fixture.sends, ==, 0);

  op_ui_test_assert_no_hidden_toplevel ();
  fixture_close (&fixture);
  g_clear_object (&smtp.verifier);
}


typedef struct
{
  GtkWidget  *view;
  const char *account_id;
} Compose;

/* A composer whose From account is open: its store (and outbox) ready to take the
 * message; before that, Send would say the account is not open. */
static gboolean
can_compose (gpointer data)
{
  Compose *compose = data;

  return op_mail_view_get_store (OP_MAIL_VIEW (compose->view), compose->account_id) != NULL
         && gtk_widget_is_sensitive (compose->view)
         && gtk_widget_activate_action (compose->view, "mail.compose", NULL)
         && op_ui_test_find_toplevel (OP_TYPE_MAIL_COMPOSER_WINDOW) != NULL;
}

/* From the Mail page: Ctrl+N's composer, sent to one recipient the server takes and one
 * it refuses; the composer goes, and the report names the refused recipient with the
 * server's code and words. */
static void
test_page_report (void)
{
  Smtp smtp = { 0 };
  g_autoptr (OpAccount) account = op_mail_account_new ();
  g_autoptr (OpAccounts) accounts = NULL;
  g_autoptr (GPtrArray) identities = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_identity_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *subject = g_strdup_printf ("Page send %d-%" G_GINT64_FORMAT, getpid (), g_get_real_time ());
  OpMailComposer *composer;
  GtkWidget *view;
  GtkWindow *window;
  GtkWindow *report;
  const char *body;
  guint n;

  if (!need_smtp (&smtp))
    return;
  op_account_set_name (account, "Sender");
  op_account_set_user (account, smtp.user);
  op_mail_account_set_smtp_host (account, smtp.host);
  op_mail_account_set_smtp_port (account, smtp.port);
  op_mail_account_set_smtp_security (account, OP_SECURITY_STARTTLS);
  op_mail_account_set_smtp_user (account, smtp.user);
  g_ptr_array_add (identities, op_mail_identity_new ("Me Myself", "me@example.test", ""));
  op_mail_account_set_identities (account, identities, &error);
  g_assert_no_error (error);
  accounts = op_accounts_new_default ();
  op_accounts_load (accounts, NULL);
  op_accounts_add (accounts, account);
  op_accounts_save (accounts, &error);
  g_assert_no_error (error);

  view = op_mail_view_new ();
  op_mail_view_set_verifier (OP_MAIL_VIEW (view), OP_TLS_VERIFIER (smtp.verifier));
  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (window, 1000, 700);
  gtk_window_set_child (window, view);
  /* The session's password (no keyring here): the SMTP login is the same. */
  op_mail_view_add_account (OP_MAIL_VIEW (view), account, smtp.password);
  gtk_window_present (window);

  {
    Compose compose = { view, op_account_get_id (account) };

    g_assert_true (op_ui_test_wait_for (can_compose, &compose));
  }
  composer = op_mail_composer_window_get_composer (
      OP_MAIL_COMPOSER_WINDOW (op_ui_test_find_toplevel (OP_TYPE_MAIL_COMPOSER_WINDOW)));
  gtk_editable_set_text (op_mail_composer_get_to_entry (composer), "someone@example.test, reject-this@example.test");
  gtk_editable_set_text (op_mail_composer_get_subject_entry (composer), subject);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  op_ui_test_wait_for_toplevel (OP_TYPE_MAIL_COMPOSER_WINDOW, FALSE);

  report = op_ui_test_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG, TRUE);
  body = adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (report));
  g_assert_nonnull (strstr (body, subject));
  g_assert_nonnull (strstr (body, "reject-this@example.test: 550 "));
  g_assert_null (strstr (body, "someone@example.test"));
  g_free (delivered (&smtp, subject, &n));
  g_assert_cmpuint (n, ==, 1);
  /* Nothing to send again: only Close. */
  g_assert_false (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (report), "resend"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (report), "close");
  gtk_window_destroy (report);

  gtk_window_destroy (window);
  op_ui_test_iterate ();
  op_ui_test_assert_no_hidden_toplevel ();
  g_clear_object (&smtp.verifier);
}

int
main (int   argc,
      char *argv[])
{
  op_ui_test_init (&argc, &argv);

  g_test_add_func ("/mail/send/composer-outbox-smtp", test_send);
  g_test_add_func ("/mail/send/draft-on-close", test_draft_on_close);
  g_test_add_func ("/mail/send/page-refusal-report", test_page_report);

  return op_ui_test_run ();
}
