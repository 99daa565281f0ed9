/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-application.h"
#include "op-preferences-window.h"
#include "op-trust-dialog.h"
#include "op-ui-test-utils.h"
#include "op-ui-trust-prompt.h"
#include "op-uri-router.h"

/* The application as Outpost runs it, but not unique, so tests can run side by side. */
static OpApplication *
new_application (void)
{
  return g_object_new (OP_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE,
                       NULL);
}

static gboolean
on_hang (gpointer data)
{
  g_error ("the application did not quit: a test step hung");
  return G_SOURCE_REMOVE;
}

/* Runs @app with @args as `outpost ARGS…`; @check runs once the application opened its
 * window (after "activate" or "open"), then app.quit ends the run. */
static void
run_application (OpApplication  *app,
                 const char    **args,
                 GCallback       check,
                 gpointer        data)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  guint hang_id;
  int status;

  g_ptr_array_add (argv, (char *) "outpost");
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_signal_connect_after (app, "activate", check, data);
  g_signal_connect_after (app, "open", check, data);

  hang_id = g_timeout_add_seconds (30 * op_ui_test_slowdown (), on_hang, NULL);
  status = g_application_run (G_APPLICATION (app), argv->len - 1, (char **) argv->pdata);
  g_source_remove (hang_id);

  g_assert_cmpint (status, ==, 0);
  /* app.quit closed every window. */
  g_assert_null (op_ui_test_find_toplevel (OP_TYPE_WINDOW));
}

static void
quit (GApplication *app)
{
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
}

/* --- the URI router on its own ---------------------------------------------------- */

static gboolean
record_uri (GtkWindow   *window,
            const char  *uri,
            gpointer     user_data,
            GError     **error)
{
  GPtrArray *opened = user_data;

  g_ptr_array_add (opened, g_strdup (uri));
  return TRUE;
}

static gboolean
refuse_uri (GtkWindow   *window,
            const char  *uri,
            gpointer     user_data,
            GError     **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "The view can't open %s", uri);
  return FALSE;
}

static void
test_router_unsupported_scheme (void)
{
  g_autoptr (OpUriRouter) router = op_uri_router_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (op_uri_router_route (router, NULL, "gopher://x", &error));
  g_assert_error (error, OP_URI_ROUTER_ERROR, OP_URI_ROUTER_ERROR_UNSUPPORTED);
  g_assert_cmpstr (error->message, ==,
                   "Outpost can't open “gopher://x”: gopher addresses are not supported.");
}

static void
test_router_message_hides_password (void)
{
  g_autoptr (OpUriRouter) router = op_uri_router_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (op_uri_router_route (router, NULL, "sftp://ann:s3cret@example.com/", &error));
  g_assert_error (error, OP_URI_ROUTER_ERROR, OP_URI_ROUTER_ERROR_UNSUPPORTED);
  g_assert_null (strstr (error->message, "s3cret"));
  g_assert_cmpstr (error->message, ==,
                   "Outpost can't open “sftp://ann@example.com/”: sftp addresses are not "
                   "supported.");
}

static void
test_router_local_file (void)
{
  g_autoptr (OpUriRouter) router = op_uri_router_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (op_uri_router_route (router, NULL, "file:///tmp/notes.txt", &error));
  g_assert_error (error, OP_URI_ROUTER_ERROR, OP_URI_ROUTER_ERROR_UNSUPPORTED);
  g_assert_cmpstr (error->message, ==,
                   "Outpost can't open “/tmp/notes.txt”: it is a local file, and Outpost "
                   "opens network addresses.");
}

static void
test_router_not_a_uri (void)
{
  g_autoptr (OpUriRouter) router = op_uri_router_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (op_uri_router_route (router, NULL, "example.com", &error));
  g_assert_error (error, OP_URI_ROUTER_ERROR, OP_URI_ROUTER_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "Outpost can't open “example.com”: it is not a valid address.");
}

static void
test_router_routes_by_scheme (void)
{
  g_autoptr (OpUriRouter) router = op_uri_router_new ();
  g_autoptr (GPtrArray) opened = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  /* Schemes are case-insensitive (RFC 3986 §3.1). */
  op_uri_router_register (router, "FTP", record_uri, opened, NULL);
  g_assert_true (op_uri_router_handles (router, "ftp"));
  g_assert_false (op_uri_router_handles (router, "ftps"));

  g_assert_true (op_uri_router_route (router, NULL, "ftp://example.com/pub/", &error));
  g_assert_no_error (error);
  g_assert_true (op_uri_router_route (router, NULL, "FTP://example.com/", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (opened->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (opened, 0), ==, "ftp://example.com/pub/");

  op_uri_router_unregister (router, "ftp");
  g_assert_false (op_uri_router_route (router, NULL, "ftp://example.com/", &error));
  g_assert_error (error, OP_URI_ROUTER_ERROR, OP_URI_ROUTER_ERROR_UNSUPPORTED);
}

/* --- the application ---------------------------------------------------------------- */

/* The dialog that says which addresses could not be opened, over the main window. */
static AdwMessageDialog *
find_error_dialog (void)
{
  GtkWindow *dialog = op_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG);

  g_assert_nonnull (dialog);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_true (gtk_window_get_transient_for (dialog)
                 == op_ui_test_find_toplevel (OP_TYPE_WINDOW));
  return ADW_MESSAGE_DIALOG (dialog);
}

static void
check_unsupported_uri (GApplication *app)
{
  GtkWindow *window = op_ui_test_find_toplevel (OP_TYPE_WINDOW);
  AdwMessageDialog *dialog;

  /* The application still starts: its window shows the welcome page… */
  g_assert_nonnull (window);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (window), "Welcome to Outpost"));

  /* …and says why it did not open the address. */
  dialog = find_error_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Can't Open Address");
  g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==,
                   "Outpost can't open “gopher://example.com/1”: gopher addresses are not "
                   "supported.");
  g_assert_nonnull (op_ui_test_find_button (GTK_WIDGET (dialog), "_Close"));

  quit (app);
}

static void
check_several_unsupported_uris (GApplication *app)
{
  AdwMessageDialog *dialog = find_error_dialog ();

  /* One dialog for all of them. */
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Can't Open Addresses");
  g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==,
                   "Outpost can't open “gopher://example.com/1”: gopher addresses are not "
                   "supported.\n\n"
                   "Outpost can't open “/tmp/notes.txt”: it is a local file, and Outpost "
                   "opens network addresses.");

  quit (app);
}

static void
test_unsupported_uri (void)
{
  g_autoptr (OpApplication) app = new_application ();
  const char *args[] = { "gopher://example.com/1", NULL };

  run_application (app, args, G_CALLBACK (check_unsupported_uri), NULL);
}

static void
test_several_unsupported_uris (void)
{
  g_autoptr (OpApplication) app = new_application ();
  const char *args[] = { "gopher://example.com/1", "file:///tmp/notes.txt", NULL };

  run_application (app, args, G_CALLBACK (check_several_unsupported_uris), NULL);
}

typedef struct
{
  GPtrArray *opened;
} RouteData;

static void
check_routed (GApplication *app,
              gpointer      files,
              int           n_files,
              const char   *hint,
              RouteData    *data)
{
  AdwMessageDialog *dialog;

  g_assert_cmpuint (data->opened->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (data->opened, 0), ==, "outpost-test://example.com/x");

  /* A view took the first: no complaint about it. The view that refused the second
   * explains in its own words. */
  dialog = find_error_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==,
                   "The view can't open outpost-refuse://example.com/y");
  quit (app);
}

static void
test_registered_scheme_is_routed (void)
{
  g_autoptr (OpApplication) app = new_application ();
  g_autoptr (GPtrArray) opened = g_ptr_array_new_with_free_func (g_free);
  const char *args[] = { "outpost-test://example.com/x", "outpost-refuse://example.com/y", NULL };
  RouteData data = { opened };
  OpUriRouter *router = op_application_get_uri_router (app);

  op_uri_router_register (router, "outpost-test", record_uri, opened, NULL);
  op_uri_router_register (router, "outpost-refuse", refuse_uri, NULL, NULL);
  run_application (app, args, G_CALLBACK (check_routed), &data);
}

static void
assert_accels (GtkApplication *app,
               const char     *action,
               const char     *accel)
{
  g_auto (GStrv) accels = gtk_application_get_accels_for_action (app, action);

  g_assert_nonnull (accels);
  g_assert_cmpstr (accels[0], ==, accel);
}

/* The titles of the preferences pages under @widget, in their order, joined by spaces. */
static void
collect_pages (GtkWidget *widget,
               GString   *titles)
{
  /* Untitled pages are the window's own (its search results). */
  if (ADW_IS_PREFERENCES_PAGE (widget))
    {
      const char *title = adw_preferences_page_get_title (ADW_PREFERENCES_PAGE (widget));

      if (title != NULL && *title != '\0')
        g_string_append_printf (titles, "%s%s", titles->len > 0 ? " " : "", title);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_pages (child, titles);
}

/* The preferences edit the settings the Files view binds (both ways, so at once). */
static void
check_preferences (GApplication *app)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  GtkWindow *preferences;
  GtkSpinButton *spins[2];
  GtkWidget *first;

  assert_accels (GTK_APPLICATION (app), "app.preferences", "<Control>comma");
  g_settings_set_uint (settings, "transfer-max-parallel", 3);
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  preferences = op_ui_test_find_toplevel (OP_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (preferences);
  g_assert_true (gtk_window_get_transient_for (preferences)
                 == op_ui_test_find_toplevel (OP_TYPE_WINDOW));
  /* A page per view that has settings, in the view switcher's order (Console has none). */
  {
    g_autoptr (GString) titles = g_string_new (NULL);

    collect_pages (GTK_WIDGET (preferences), titles);
    g_assert_cmpstr (titles->str, ==, "Files Mail News");
  }
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (preferences), "Parallel transfers"));
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (preferences), "Keep-alive while idle"));

  /* In the order of the window: parallel transfers, then keep-alive. */
  first = op_ui_test_find_type (GTK_WIDGET (preferences), GTK_TYPE_SPIN_BUTTON);
  g_assert_nonnull (first);
  spins[0] = GTK_SPIN_BUTTON (first);
  spins[1] = NULL;
  for (GtkWidget *w = gtk_widget_get_parent (first); w != NULL && spins[1] == NULL;
       w = gtk_widget_get_parent (w))
    for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
      {
        GtkWidget *spin = op_ui_test_find_type (c, GTK_TYPE_SPIN_BUTTON);

        if (spin != NULL && spin != first)
          {
            spins[1] = GTK_SPIN_BUTTON (spin);
            break;
          }
      }
  g_assert_nonnull (spins[1]);
  g_assert_cmpfloat (gtk_spin_button_get_value (spins[0]), ==, 3);
  g_assert_cmpfloat (gtk_spin_button_get_value (spins[1]), ==, 60);

  gtk_spin_button_set_value (spins[0], 5);
  g_assert_cmpuint (g_settings_get_uint (settings, "transfer-max-parallel"), ==, 5);
  gtk_spin_button_set_value (spins[1], 0);
  g_assert_cmpuint (g_settings_get_uint (settings, "ftp-keepalive-seconds"), ==, 0);
  /* Out of the schema's range: the spin button stops at it. */
  gtk_spin_button_set_value (spins[0], 50);
  g_assert_cmpuint (g_settings_get_uint (settings, "transfer-max-parallel"), ==, 10);
  g_settings_set_uint (settings, "ftp-keepalive-seconds", 120);
  g_assert_cmpfloat (gtk_spin_button_get_value (spins[1]), ==, 120);

  /* The speed limits, in KiB per second, 0 for none. */
  {
    const char *rows[] = { "Download speed limit", "Upload speed limit" };
    const char *keys[] = { "transfer-download-limit-kib", "transfer-upload-limit-kib" };

    for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
      {
        GtkWidget *row = op_ui_test_find_row (GTK_WIDGET (preferences), rows[i]);
        GtkSpinButton *spin;

        g_assert_nonnull (row);
        spin = GTK_SPIN_BUTTON (op_ui_test_find_type (row, GTK_TYPE_SPIN_BUTTON));
        g_assert_cmpfloat (gtk_spin_button_get_value (spin), ==, 0);
        gtk_spin_button_set_value (spin, 2048);
        g_assert_cmpuint (g_settings_get_uint (settings, keys[i]), ==, 2048);
        g_settings_reset (settings, keys[i]);
        g_assert_cmpfloat (gtk_spin_button_get_value (spin), ==, 0);
      }
  }

  g_settings_reset (settings, "transfer-max-parallel");
  g_settings_reset (settings, "ftp-keepalive-seconds");
  gtk_window_destroy (preferences);
}

static const char *const news_shortcuts[] = {
  "Read On: Page Down, Then the Next Unread", "Next Unread Article", "Next Unread Thread",
  "Previous Article", "Mark the Thread Read", "Catch Up the Group", "Expand the Thread",
  "Collapse the Thread", "New Article", "Follow Up in the Group", "Reply to the Author by Mail",
  "Post the Article",
};

static void
check_actions (GApplication *app)
{
  OpApplication *self = OP_APPLICATION (app);
  GtkWindow *about;
  GtkWindow *shortcuts;

  g_assert_nonnull (op_application_get_trust_store (self));

  /* No shortcuts window waits hidden before it is asked for. */
  op_ui_test_assert_no_hidden_toplevel ();
  g_assert_null (op_ui_test_find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW));

  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "quit"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "shortcuts"));
  assert_accels (GTK_APPLICATION (app), "app.quit", "<Control>q");
  assert_accels (GTK_APPLICATION (app), "window.close", "<Control>w");
  assert_accels (GTK_APPLICATION (app), "win.show-help-overlay", "<Control>question");

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  about = op_ui_test_find_toplevel (ADW_TYPE_ABOUT_WINDOW);
  g_assert_nonnull (about);
  g_assert_cmpstr (adw_about_window_get_application_name (ADW_ABOUT_WINDOW (about)), ==, "Outpost");
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (about)), ==, PACKAGE_VERSION);
  g_assert_cmpstr (adw_about_window_get_application_icon (ADW_ABOUT_WINDOW (about)), ==, APP_ID);
  g_assert_cmpint (adw_about_window_get_license_type (ADW_ABOUT_WINDOW (about)), ==,
                   GTK_LICENSE_GPL_3_0);
  g_assert_cmpstr (adw_about_window_get_website (ADW_ABOUT_WINDOW (about)), ==, PACKAGE_URL);
  g_assert_cmpstr (adw_about_window_get_issue_url (ADW_ABOUT_WINDOW (about)), ==,
                   PACKAGE_BUGREPORT);
  g_assert_true (gtk_window_get_transient_for (about)
                 == op_ui_test_find_toplevel (OP_TYPE_WINDOW));
  gtk_window_destroy (about);
  op_ui_test_assert_no_hidden_toplevel ();

  g_action_group_activate_action (G_ACTION_GROUP (app), "shortcuts", NULL);
  shortcuts = op_ui_test_find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW);
  g_assert_nonnull (shortcuts);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (shortcuts)));
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (shortcuts), "Quit"));
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (shortcuts), "Show Shortcuts"));
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (shortcuts), "Preferences"));
  /* News: every key of the view and its composer. */
  for (guint i = 0; i < G_N_ELEMENTS (news_shortcuts); i++)
    g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (shortcuts), news_shortcuts[i]));
  gtk_window_close (shortcuts);
  /* Closed is gone, not hidden: the next Ctrl+? builds it anew. */
  g_assert_null (op_ui_test_find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW));
  op_ui_test_assert_no_hidden_toplevel ();

  check_preferences (app);

  quit (app);
}

static void
test_actions (void)
{
  g_autoptr (OpApplication) app = new_application ();

  run_application (app, NULL, G_CALLBACK (check_actions), NULL);
}

typedef struct
{
  gboolean        done;
  OpTrustDecision decision;
} Answer;

static gboolean
answered (gpointer data)
{
  return ((Answer *) data)->done;
}

static gboolean
dialog_shown (gpointer data)
{
  return op_ui_test_find_toplevel (OP_TYPE_TRUST_DIALOG) != NULL;
}

static void
on_asked (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Answer *answer = user_data;
  g_autoptr (GError) error = NULL;

  answer->decision = op_trust_prompt_ask_finish (OP_TRUST_PROMPT (source), result, &error);
  g_assert_no_error (error);
  answer->done = TRUE;
}

static void
check_trust_prompt (GApplication *app)
{
  g_autoptr (OpUiTrustPrompt) prompt = op_ui_trust_prompt_new (GTK_APPLICATION (app));
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (OpCertificateInfo) info = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  Answer answer = { 0 };
  GtkWindow *dialog;

  path = g_build_filename (g_getenv ("OUTPOST_TEST_DATA") != NULL
                             ? g_getenv ("OUTPOST_TEST_DATA")
                             : OUTPOST_TEST_DATA_DEFAULT,
                           "tls", "server.pem", NULL);
  certificate = g_tls_certificate_new_from_file (path, &error);
  g_assert_no_error (error);
  info = op_certificate_info_new ("localhost", 21, certificate,
                                  G_TLS_CERTIFICATE_UNKNOWN_CA, FALSE);

  /* A question from a connection appears over the main window, as part of the app. */
  op_trust_prompt_ask_async (OP_TRUST_PROMPT (prompt), info, NULL, on_asked, &answer);
  g_assert_true (op_ui_test_wait_for (dialog_shown, NULL));
  dialog = op_ui_test_find_toplevel (OP_TYPE_TRUST_DIALOG);
  g_assert_true (gtk_window_get_transient_for (dialog)
                 == op_ui_test_find_toplevel (OP_TYPE_WINDOW));
  g_assert_true (gtk_window_get_application (dialog) == GTK_APPLICATION (app));
  g_assert_true (gtk_window_get_modal (dialog));

  g_signal_emit_by_name (op_ui_test_find_button (GTK_WIDGET (dialog), "Trust _Once"), "clicked");
  g_assert_true (op_ui_test_wait_for (answered, &answer));
  g_assert_cmpint (answer.decision, ==, OP_TRUST_DECISION_ONCE);
  /* Answered is destroyed, though the prompt's task may still hold the dialog. */
  g_assert_null (op_ui_test_find_toplevel (OP_TYPE_TRUST_DIALOG));
  op_ui_test_assert_no_hidden_toplevel ();

  quit (app);
}

static void
test_trust_prompt_over_window (void)
{
  g_autoptr (OpApplication) app = new_application ();

  run_application (app, NULL, G_CALLBACK (check_trust_prompt), NULL);
}

int
main (int   argc,
      char *argv[])
{
  op_ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/uri-router/unsupported-scheme", test_router_unsupported_scheme);
  g_test_add_func ("/ui/uri-router/message-hides-password", test_router_message_hides_password);
  g_test_add_func ("/ui/uri-router/local-file", test_router_local_file);
  g_test_add_func ("/ui/uri-router/not-a-uri", test_router_not_a_uri);
  g_test_add_func ("/ui/uri-router/routes-by-scheme", test_router_routes_by_scheme);
  g_test_add_func ("/ui/application/unsupported-uri-is-explained", test_unsupported_uri);
  g_test_add_func ("/ui/application/unsupported-uris-are-explained-together",
                   test_several_unsupported_uris);
  g_test_add_func ("/ui/application/registered-scheme-is-routed",
                   test_registered_scheme_is_routed);
  g_test_add_func ("/ui/application/actions", test_actions);
  g_test_add_func ("/ui/application/trust-prompt-over-window", test_trust_prompt_over_window);

  return op_ui_test_run ();
}
