/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include <glib/gi18n.h>

#include "op-application.h"
#include "op-secrets.h"
#include "op-ui-test-utils.h"

/*
 * Without a Secret Service the password is kept for the session only, and the user is
 * told why it can't be saved (issue: "the user sees why it cannot be saved"). This
 * program runs with no session bus at all, so libsecret cannot reach a keyring.
 */

typedef struct
{
  gboolean done;
  gboolean ok;
} Stored;

static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Stored *stored = data;
  g_autoptr (GError) error = NULL;

  stored->ok = op_secrets_store_finish (OP_SECRETS (source), result, &error);
  g_assert_no_error (error);
  stored->done = TRUE;
}

static gboolean
is_stored (gpointer data)
{
  return ((Stored *) data)->done;
}

static gboolean
notice_shown (gpointer data)
{
  GtkWindow *dialog = op_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  const char *reason = data;

  return dialog != NULL && op_ui_test_find_label (GTK_WIDGET (dialog), reason) != NULL;
}

static void
check_notice (GApplication *app)
{
  OpSecrets *secrets = op_secrets_get_default ();
  Stored stored = { 0 };
  const char *reason;
  GtkWindow *dialog;

  g_assert_true (op_secrets_get_persistent (secrets));
  op_secrets_store_async (secrets, "ftp", "ftp.example.org", 21, "anna", "s3cret-for-notice",
                          NULL, on_stored, &stored);
  g_assert_true (op_ui_test_wait_for (is_stored, &stored));
  g_assert_true (stored.ok);

  g_assert_false (op_secrets_get_persistent (secrets));
  reason = op_secrets_get_unavailable_reason (secrets);
  g_assert_nonnull (reason);
  g_assert_cmpstr (reason, !=, "");

  /* The reason is on screen, over the main window, as the core worded it. */
  g_assert_true (op_ui_test_wait_for (notice_shown, (gpointer) reason));
  dialog = op_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_true (gtk_window_get_transient_for (dialog)
                 == op_ui_test_find_toplevel (OP_TYPE_WINDOW));
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   _("Passwords Can’t Be Saved"));
  gtk_window_close (dialog);

  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
}

static void
test_no_keyring_is_explained (void)
{
  g_autoptr (OpApplication) app = NULL;
  int status;

  app = g_object_new (OP_TYPE_APPLICATION,
                      "application-id", APP_ID,
                      "flags", G_APPLICATION_NON_UNIQUE,
                      NULL);
  g_signal_connect_after (app, "activate", G_CALLBACK (check_notice), NULL);
  status = g_application_run (G_APPLICATION (app), 0, NULL);
  g_assert_cmpint (status, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  /* No bus: libsecret finds no Secret Service, GApplication runs as a plain non-unique
   * application, and GTK's accessibility (which needs the bus) is off. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  op_ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/secrets/no-keyring-is-explained", test_no_keyring_is_explained);

  return op_ui_test_run ();
}
