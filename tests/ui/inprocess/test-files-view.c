/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "op-accounts.h"
#include "op-application.h"
#include "op-ftp-site.h"
#include "op-secrets.h"
#include "op-site-manager.h"
#include "op-files-view.h"
#include "op-files-view-private.h"
#include "op-profile.h"
#include "op-transfer-queue.h"
#include "op-ui-test-utils.h"
#include "op-window.h"

static void
test_uri_fills_quick_connect (void)
{
  g_autoptr (OpApplication) app = op_application_new ();
  OpUriRouter *router = op_application_get_uri_router (app);
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  OpFilesView *view = OP_FILES_VIEW (op_window_get_view (window, "files"));
  GtkDropDown *protocol;
  g_autoptr (GError) error = NULL;

  gtk_window_present (GTK_WINDOW (window));
  op_ui_test_iterate ();

  /* Both schemes open in the Files view (the desktop file registers both). */
  g_assert_true (op_uri_router_handles (router, "ftp"));
  g_assert_true (op_uri_router_handles (router, "ftps"));

  /* A user without a password: the fields are filled and the password is asked for;
   * nothing connects yet. */
  g_assert_true (op_uri_router_route (router, GTK_WINDOW (window),
                                      "ftp://ann@ftp.example.com:2121/pub/docs", &error));
  g_assert_no_error (error);
  op_ui_test_iterate ();
  g_assert_cmpstr (gtk_editable_get_text (op_ui_test_find_entry (GTK_WIDGET (view), "Host")), ==, "ftp.example.com");
  g_assert_cmpstr (gtk_editable_get_text (op_ui_test_find_entry (GTK_WIDGET (view), "Username")), ==, "ann");
  g_assert_cmpstr (gtk_editable_get_text (op_ui_test_find_entry (GTK_WIDGET (view), "Password")), ==, "");
  g_assert_nonnull (op_ui_test_find_entry (GTK_WIDGET (view), "21"));
  g_assert_cmpstr (gtk_editable_get_text (op_ui_test_find_entry (GTK_WIDGET (view), "21")), ==, "2121");
  protocol = GTK_DROP_DOWN (op_ui_test_find_type (GTK_WIDGET (view), GTK_TYPE_DROP_DOWN));
  /* ftp:// is FTP with explicit TLS (TLS stays required). */
  g_assert_cmpuint (gtk_drop_down_get_selected (protocol), ==, 0);
  g_assert_null (op_files_view_get_client (view));

  /* ftps:// is implicit TLS, and its default port is 990. */
  g_assert_true (op_files_view_open_uri (view, "ftps://bob@files.example.org/", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gtk_drop_down_get_selected (protocol), ==, 1);
  g_assert_nonnull (op_ui_test_find_entry (GTK_WIDGET (view), "990"));
  g_assert_cmpstr (gtk_editable_get_text (op_ui_test_find_entry (GTK_WIDGET (view), "Username")), ==, "bob");

  /* Not an FTP address: a clear error, nothing changed. */
  g_assert_false (op_files_view_open_uri (view, "ftp://", &error));
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_cmpstr (gtk_editable_get_text (op_ui_test_find_entry (GTK_WIDGET (view), "Host")), ==, "files.example.org");

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

static void
test_not_connected (void)
{
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  OpFilesView *view = OP_FILES_VIEW (op_window_get_view (window, "files"));

  gtk_window_present (GTK_WINDOW (window));
  op_ui_test_iterate ();

  /* Before connecting, the remote side says so, and the Connect button is there. */
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (op_files_view_get_remote_pane (view)),
                                           "Not Connected"));
  g_assert_null (op_file_pane_get_path (op_files_view_get_remote_pane (view)));
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (view), "Not connected"));
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (view), "Connect"));

  /* Connecting without a host asks for one where it happened. */
  gtk_widget_activate_action (GTK_WIDGET (view), "files.connect", NULL);
  op_ui_test_iterate ();
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (view),
                                           "Type the name or address of the server to connect to."));
  g_assert_null (op_files_view_get_client (view));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

/* Whether @below is laid out under @above (stacked) rather than beside it. */
static gboolean
is_below (GtkWidget *below,
          GtkWidget *above)
{
  graphene_point_t point;

  g_assert_true (gtk_widget_compute_point (below, above, &GRAPHENE_POINT_INIT (0, 0), &point));
  return point.y >= gtk_widget_get_height (above) && point.x < gtk_widget_get_width (above);
}

/* Both file panes of the view in @data are mapped. */
static gboolean
both_mapped (gpointer data)
{
  OpFilesView *view = data;

  return gtk_widget_get_mapped (GTK_WIDGET (op_files_view_get_local_pane (view)))
         && gtk_widget_get_mapped (GTK_WIDGET (op_files_view_get_remote_pane (view)));
}

/* A phone-sized window, 360 px wide (and short): the panes stack, both shown, and no
 * widget is allocated below its minimum (GTK's "gtk_widget_size_allocate(): attempt to
 * allocate …" warning is fatal in a test); at other sizes each side of the 640 px line,
 * the same. A window for each size, as a mapped window keeps its size. Before, the
 * window could not get narrower than the two panes side by side (533 px), and stacking
 * them in a short window left one pane without room. */
static void
test_narrow_window (void)
{
  const int sizes[][2] = { { 360, 640 }, { 1000, 700 }, { 600, 400 }, { 360, 300 }, { 640, 300 },
                           { 639, 480 } };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
      OpFilesView *view = OP_FILES_VIEW (op_window_get_view (window, "files"));
      GtkWidget *local = GTK_WIDGET (op_files_view_get_local_pane (view));
      GtkWidget *remote = GTK_WIDGET (op_files_view_get_remote_pane (view));
      int width;

      gtk_window_set_default_size (GTK_WINDOW (window), sizes[i][0], sizes[i][1]);
      gtk_window_present (GTK_WINDOW (window));
      for (guint j = 0; j < 5; j++)
        op_ui_test_iterate ();
      /* The layout changes in size_allocate: the panes are mapped a frame later. */
      g_assert_true (op_ui_test_wait_for (both_mapped, view));
      g_test_message ("%d × %d: view %d × %d", sizes[i][0], sizes[i][1],
                      gtk_widget_get_width (GTK_WIDGET (view)), gtk_widget_get_height (GTK_WIDGET (view)));
      /* The window's frame takes a few pixels of what was asked. */
      width = gtk_widget_get_width (GTK_WIDGET (view));
      g_assert_cmpint (width, <=, sizes[i][0]);
      g_assert_cmpint (width, >, sizes[i][0] - 24);
      g_assert_true (gtk_widget_get_mapped (local) && gtk_widget_get_mapped (remote));
      g_assert_cmpint (is_below (remote, local), ==, width < 640);
      gtk_window_destroy (GTK_WINDOW (window));
      g_object_unref (window);
    }
}

/* The context menu: the popover menu that hangs off the pane itself. */
static GtkWidget *
context_popover (GtkWidget *pane)
{
  for (GtkWidget *child = gtk_widget_get_first_child (pane); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_POPOVER_MENU (child))
      return child;
  return NULL;
}

static gboolean
popover_shown (gpointer data)
{
  GtkWidget *popover = context_popover (data);

  return popover != NULL && gtk_widget_get_visible (popover);
}

/* A pane's context menu is made when first asked for (not before the window's first
 * frame), and holds the view's commands. */
static void
test_context_menu_on_demand (void)
{
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  OpFilesView *view = OP_FILES_VIEW (op_window_get_view (window, "files"));
  GtkWidget *pane = GTK_WIDGET (op_files_view_get_local_pane (view));

  gtk_window_present (GTK_WINDOW (window));
  op_ui_test_iterate ();
  g_assert_null (context_popover (pane));

  gtk_widget_activate_action (pane, "pane.context-menu", NULL);
  g_assert_true (op_ui_test_wait_for (popover_shown, pane));
  g_assert_nonnull (op_ui_test_find_label_containing (context_popover (pane), "Open"));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

static gboolean
spinning (gpointer data)
{
  return gtk_spinner_get_spinning (data);
}

static gboolean
after_delay (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
is_set (gpointer data)
{
  return *(gboolean *) data;
}

/* A folder being listed shows an empty loading page at once; its spinner turns only when
 * the listing is slow, so a quick one (the home folder at start-up) never flashes it. */
static void
test_spinner_only_when_slow (void)
{
  GtkWidget *window = gtk_window_new ();
  OpFilePane *pane = g_object_new (OP_TYPE_FILE_PANE, "title", "Local", NULL);
  GtkSpinner *spinner = GTK_SPINNER (op_ui_test_find_type (GTK_WIDGET (pane), GTK_TYPE_SPINNER));
  GtkStack *stack = GTK_STACK (gtk_widget_get_parent (GTK_WIDGET (spinner)));
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean waited = FALSE;

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (pane));
  gtk_window_present (GTK_WINDOW (window));
  op_ui_test_iterate ();

  /* Quick: the listing lands before the delay; the spinner never turns. */
  op_file_pane_set_loading (pane, "/quick");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "loading");
  g_assert_false (gtk_spinner_get_spinning (spinner));
  op_file_pane_set_listing (pane, "/quick", rows);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "list");
  g_timeout_add (600, after_delay, &waited);
  g_assert_true (op_ui_test_wait_for (is_set, &waited));
  g_assert_false (gtk_spinner_get_spinning (spinner));

  /* Slow: the spinner turns after the delay, and stops with the listing. */
  op_file_pane_set_loading (pane, "/slow");
  g_assert_false (gtk_spinner_get_spinning (spinner));
  g_assert_true (op_ui_test_wait_for (spinning, spinner));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "loading");
  op_file_pane_set_listing (pane, "/slow", rows);
  g_assert_false (gtk_spinner_get_spinning (spinner));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "list");

  gtk_window_destroy (GTK_WINDOW (window));
}

/* No toast left in @data (an AdwToastOverlay): only its child remains. */
static gboolean
toasts_gone (gpointer data)
{
  GtkWidget *overlay = data;

  return gtk_widget_get_first_child (overlay) == gtk_widget_get_last_child (overlay);
}

/* A long operation that ends at once (View/Edit of a small file) dismisses its toast
 * while it still slides in. libadwaita 1.2 crashed the app when a toast's hide animation
 * ended before its show animation: a toast shown while another hides slides in for
 * 500 ms and hides in 300 ms. The app must live through it, and the toasts go. */
static void
test_long_operation_toast_ends_at_once (void)
{
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  OpFilesView *view = OP_FILES_VIEW (op_window_get_view (window, "files"));
  GtkWidget *overlay;
  LongOperation *first;
  LongOperation *second;
  gboolean waited = FALSE;

  /* The tests run without animations (op_ui_test_init()); this one is about them. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", TRUE, NULL);
  gtk_window_present (GTK_WINDOW (window));
  op_ui_test_iterate ();
  overlay = gtk_widget_get_ancestor (GTK_WIDGET (view), ADW_TYPE_TOAST_OVERLAY);
  g_assert_nonnull (overlay);

  first = _op_files_view_long_operation_new (view, "a.txt", LONG_OPERATION_DOWNLOAD);
  second = _op_files_view_long_operation_new (view, "b.txt", LONG_OPERATION_DOWNLOAD);
  g_assert_nonnull (first->toast);
  g_assert_false (toasts_gone (overlay));
  /* The first hides, the second takes its place, and both operations are over. */
  _op_files_view_long_operation_free (first);
  _op_files_view_long_operation_free (second);

  g_timeout_add (1000, after_delay, &waited);
  g_assert_true (op_ui_test_wait_for (is_set, &waited));
  g_assert_true (op_ui_test_wait_for (toasts_gone, overlay));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
}

/* A server that accepts and then says nothing: a connection stays "connecting". */
static gboolean
on_silent_incoming (GSocketService    *service,
                    GSocketConnection *connection,
                    GObject           *source,
                    gpointer           user_data)
{
  g_ptr_array_add (user_data, g_object_ref (connection));
  return TRUE;
}

static gboolean
has_connection (gpointer data)
{
  return ((GPtrArray *) data)->len > 0;
}

typedef struct
{
  OpFilesView *view;
  const char  *text;
} Shown;

/* A label with @text on screen in the view (mapped: hidden buttons keep theirs). */
static gboolean
label_shown (gpointer data)
{
  Shown *shown = data;
  GtkLabel *label = op_ui_test_find_label (GTK_WIDGET (shown->view), shown->text);

  return label != NULL && gtk_widget_get_mapped (GTK_WIDGET (label));
}

/* Enter in a quick-connect field connects; Cancel stops a connection on its way. */
static void
test_quick_connect_enter_cancel (void)
{
  g_autoptr (GSocketService) service = g_socket_service_new ();
  g_autoptr (GPtrArray) connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GError) error = NULL;
  g_autofree char *port = NULL;
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  OpFilesView *view = OP_FILES_VIEW (op_window_get_view (window, "files"));
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  Shown connecting = { view, "Connecting…" }, idle = { view, "Not connected" };

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  port = g_strdup_printf ("%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_signal_connect (service, "incoming", G_CALLBACK (on_silent_incoming), connections);
  g_socket_service_start (service);

  gtk_window_present (GTK_WINDOW (window));
  op_ui_test_iterate ();

  /* Anonymous (no user name), so nothing asks about passwords. */
  gtk_editable_set_text (op_ui_test_find_entry (GTK_WIDGET (view), "Host"), "127.0.0.1");
  gtk_editable_set_text (op_ui_test_find_entry (GTK_WIDGET (view), "21"), port);
  g_assert_null (op_files_view_get_client (view));
  g_signal_emit_by_name (op_ui_test_find_entry (GTK_WIDGET (view), "21"), "activate");
  op_ui_test_iterate ();
  g_assert_nonnull (op_files_view_get_client (view));
  g_assert_true (op_ui_test_wait_for (has_connection, connections));
  g_assert_true (op_ui_test_wait_for (label_shown, &connecting));
  /* While it connects, Cancel stands where Connect was. */
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (op_ui_test_find_label (GTK_WIDGET (view), "Cancel"))));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (op_ui_test_find_label (GTK_WIDGET (view), "Connect"))));

  gtk_widget_activate_action (GTK_WIDGET (view), "files.cancel-connect", NULL);
  g_assert_true (op_ui_test_wait_for (label_shown, &idle));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (op_ui_test_find_label (GTK_WIDGET (view), "Connect"))));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (op_ui_test_find_label (GTK_WIDGET (view), "Cancel"))));
  /* The worker winds down; a cancel is not an error to show. */
  for (int i = 0; i < 20; i++)
    {
      g_usleep (10000);
      op_ui_test_iterate ();
    }
  g_assert_true (label_shown (&idle));
  g_assert_null (op_ui_test_find_label_containing (GTK_WIDGET (view), "Could not connect"));

  /* Enter in the password field connects too. */
  g_signal_emit_by_name (op_ui_test_find_entry (GTK_WIDGET (view), "Password"), "activate");
  g_assert_true (op_ui_test_wait_for (label_shown, &connecting));
  gtk_widget_activate_action (GTK_WIDGET (view), "files.cancel-connect", NULL);
  g_assert_true (op_ui_test_wait_for (label_shown, &idle));

  g_socket_service_stop (service);
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

typedef struct
{
  gboolean done;
  char    *password;
} Lookup;

static void
on_looked_up (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Lookup *lookup = user_data;
  g_autoptr (GError) error = NULL;

  lookup->password = op_ftp_site_lookup_password_finish (result, &error);
  g_assert_no_error (error);
  lookup->done = TRUE;
}

static gboolean
lookup_done (gpointer data)
{
  return ((Lookup *) data)->done;
}

typedef struct
{
  GtkEditable *field;
  const char  *text;
} FieldIs;

static gboolean
field_is (gpointer data)
{
  FieldIs *check = data;

  return g_strcmp0 (gtk_editable_get_text (check->field), check->text) == 0;
}

/* A password typed in the site manager and then Connect, without Apply: used for the
 * connection and stored for the site, not dropped. */
static void
test_site_password_typed_then_connect (void)
{
  g_autoptr (GSocketService) service = g_socket_service_new ();
  g_autoptr (GPtrArray) connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GError) error = NULL;
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  OpFilesView *view = OP_FILES_VIEW (op_window_get_view (window, "files"));
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (OpAccount) site = NULL;
  GtkWindow *manager;
  GtkWidget *name_row;
  Lookup lookup = { FALSE, NULL };
  FieldIs password_filled = { NULL, "typed, not applied" };

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (on_silent_incoming), connections);
  g_socket_service_start (service);
  /* The password goes to an unlocked keyring of this session (testing.md), not one D-Bus
   * would start that then waits for a prompt. */
  {
    int status = 0;

    g_assert_true (g_spawn_command_line_sync ("sh -c 'printf outpost-test | gnome-keyring-daemon --unlock --components=secrets'",
                                              NULL, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }

  gtk_window_present (GTK_WINDOW (window));
  op_ui_test_iterate ();
  gtk_widget_activate_action (GTK_WIDGET (view), "files.site-manager", NULL);
  op_ui_test_iterate ();
  manager = op_ui_test_find_toplevel (OP_TYPE_SITE_MANAGER);
  g_assert_nonnull (manager);
  gtk_widget_activate_action (GTK_WIDGET (manager), "sites.add", NULL);
  op_ui_test_iterate ();
  name_row = op_ui_test_find_type (GTK_WIDGET (manager), ADW_TYPE_ENTRY_ROW);
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_next_sibling (name_row)), "127.0.0.1");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (op_ui_test_find_type (GTK_WIDGET (manager),
                                                                    GTK_TYPE_SPIN_BUTTON)),
                             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  gtk_editable_set_text (op_ui_test_find_entry_row (GTK_WIDGET (manager), "Username"), "ann");
  gtk_editable_set_text (op_ui_test_find_entry_row (GTK_WIDGET (manager), "Password"),
                         "typed, not applied");
  op_ui_test_iterate ();
  {
    GtkListBox *list = GTK_LIST_BOX (op_ui_test_find_type (GTK_WIDGET (manager), GTK_TYPE_LIST_BOX));
    GtkListBoxRow *row = gtk_list_box_get_selected_row (list);

    g_assert_nonnull (row);
    site = g_object_ref (g_object_get_data (G_OBJECT (row), "site"));
  }
  gtk_widget_activate_action (GTK_WIDGET (manager), "sites.connect", NULL);
  op_ui_test_iterate ();

  /* The connection uses it… */
  password_filled.field = op_ui_test_find_entry (GTK_WIDGET (view), "Password");
  g_assert_true (op_ui_test_wait_for (field_is, &password_filled));
  g_assert_true (op_ui_test_wait_for (has_connection, connections));
  /* …and the site keeps it (the store is asynchronous: ask until it has landed). */
  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       g_get_monotonic_time () < deadline;)
    {
      op_secrets_password_free (lookup.password);
      lookup.password = NULL;
      lookup.done = FALSE;
      op_ftp_site_lookup_password_async (site, op_secrets_get_default (), NULL, on_looked_up, &lookup);
      g_assert_true (op_ui_test_wait_for (lookup_done, &lookup));
      if (lookup.password != NULL)
        break;
      g_usleep (50000);
    }
  g_assert_cmpstr (lookup.password, ==, "typed, not applied");
  op_secrets_password_free (lookup.password);
  op_ui_test_assert_no_hidden_toplevel ();

  gtk_widget_activate_action (GTK_WIDGET (view), "files.cancel-connect", NULL);
  op_ui_test_iterate ();
  g_socket_service_stop (service);
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

static void
on_site_password_stored (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  Lookup *stored = user_data;
  g_autoptr (GError) error = NULL;

  g_assert_true (op_ftp_site_store_password_finish (result, &error));
  g_assert_no_error (error);
  stored->done = TRUE;
}

/* `outpost ftp://carol@host:port/` naming a saved site's server and user logs in with the
 * site's saved password (what build-aux/dev demo opens); another user still waits for a
 * password. Runs after the test above has unlocked this session's keyring. */
static void
test_uri_of_saved_site (void)
{
  g_autoptr (GSocketService) service = g_socket_service_new ();
  g_autoptr (GPtrArray) connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (OpAccounts) accounts = op_accounts_new_default ();
  g_autoptr (OpAccount) site = op_ftp_site_new ();
  g_autofree char *uri = NULL;
  g_autofree char *other = NULL;
  OpWindow *window;
  OpFilesView *view;
  Lookup stored = { FALSE, NULL };
  FieldIs password_filled = { NULL, "saved for carol" };
  guint16 port;

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (on_silent_incoming), connections);
  g_socket_service_start (service);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  g_assert_true (op_accounts_load (accounts, &error));
  op_account_set_name (site, "Carol's files");
  op_account_set_host (site, "127.0.0.1");
  op_account_set_port (site, port);
  op_account_set_user (site, "carol");
  op_ftp_site_set_protocol (site, OP_SECURITY_STARTTLS);
  op_accounts_add (accounts, site);
  g_assert_true (op_accounts_save (accounts, &error));
  op_ftp_site_store_password_async (site, op_secrets_get_default (), "saved for carol", NULL,
                                    on_site_password_stored, &stored);
  g_assert_true (op_ui_test_wait_for (lookup_done, &stored));

  window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  view = OP_FILES_VIEW (op_window_get_view (window, "files"));
  gtk_window_present (GTK_WINDOW (window));
  op_ui_test_iterate ();

  /* Another user on the same server: no saved site, so the password is asked for. */
  other = g_strdup_printf ("ftp://dave@127.0.0.1:%u/", port);
  g_assert_true (op_files_view_open_uri (view, other, &error));
  g_assert_no_error (error);
  op_ui_test_iterate ();
  g_assert_cmpstr (gtk_editable_get_text (op_ui_test_find_entry (GTK_WIDGET (view), "Password")), ==, "");
  g_assert_null (op_files_view_get_client (view));

  /* The saved site's user: its password, and the connection starts. */
  uri = g_strdup_printf ("ftp://carol@127.0.0.1:%u/", port);
  g_assert_true (op_files_view_open_uri (view, uri, &error));
  g_assert_no_error (error);
  password_filled.field = op_ui_test_find_entry (GTK_WIDGET (view), "Password");
  g_assert_true (op_ui_test_wait_for (field_is, &password_filled));
  g_assert_true (op_ui_test_wait_for (has_connection, connections));

  gtk_widget_activate_action (GTK_WIDGET (view), "files.cancel-connect", NULL);
  op_ui_test_iterate ();
  g_socket_service_stop (service);
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
  g_assert_true (op_accounts_remove (accounts, op_account_get_id (site)));
  g_assert_true (op_accounts_save (accounts, &error));
}

static guint
count_sites (OpAccounts *accounts)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (accounts)); i++)
    {
      g_autoptr (OpAccount) account = g_list_model_get_item (G_LIST_MODEL (accounts), i);
      n += op_ftp_site_is_site (account);
    }
  return n;
}

static void
on_connect (OpSiteManager *manager,
            OpAccount     *site,
            const char    *password,
            OpAccount    **chosen)
{
  g_set_object (chosen, site);
}

static void
on_saved (OpAccounts *accounts,
          guint      *n)
{
  (*n)++;
}

static gboolean
no_pending_save (gpointer accounts)
{
  return !op_accounts_has_pending_save (accounts);
}

static void
test_site_manager (void)
{
  g_autofree char *dir = g_dir_make_tmp ("outpost-sites-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "accounts.ini", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (OpAccounts) accounts = op_accounts_new (file);
  g_autoptr (OpAccounts) reread = op_accounts_new (file);
  g_autoptr (OpAccount) chosen = NULL;
  g_autoptr (GError) error = NULL;
  OpSiteManager *manager;
  GtkEditable *host;
  AdwComboRow *logon;
  guint saved = 0;

  g_assert_true (op_accounts_load (accounts, &error));
  manager = g_object_ref (op_site_manager_new (NULL, accounts));
  g_signal_connect (manager, "connect", G_CALLBACK (on_connect), &chosen);
  gtk_window_present (GTK_WINDOW (manager));
  op_ui_test_iterate ();

  /* No sites yet: it says so. */
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (manager), "No Sites"));

  /* Add: a new site, selected, saved at once; typing into its fields saves them. */
  gtk_widget_activate_action (GTK_WIDGET (manager), "sites.add", NULL);
  op_ui_test_iterate ();
  g_assert_cmpuint (count_sites (accounts), ==, 1);
  host = GTK_EDITABLE (op_ui_test_find_type (GTK_WIDGET (manager), ADW_TYPE_ENTRY_ROW));
  /* The first entry row is the name; the host row comes next. */
  {
    GtkWidget *name_row = GTK_WIDGET (host);
    GtkWidget *next = gtk_widget_get_next_sibling (name_row);

    gtk_editable_set_text (GTK_EDITABLE (name_row), "Mirror");
    g_assert_true (ADW_IS_ENTRY_ROW (next));
    gtk_editable_set_text (GTK_EDITABLE (next), "ftp.example.org");
  }
  logon = ADW_COMBO_ROW (op_ui_test_find_type (GTK_WIDGET (manager), ADW_TYPE_COMBO_ROW));
  g_assert_nonnull (logon);
  op_ui_test_iterate ();
  /* Not a write per keystroke on the main thread: once, a moment after the typing. */
  {
    g_autofree char *contents = NULL;

    g_assert_true (op_accounts_has_pending_save (accounts));
    if (g_file_get_contents (path, &contents, NULL, NULL))
      g_assert_null (strstr (contents, "ftp.example.org"));
  }
  g_signal_connect (accounts, "saved", G_CALLBACK (on_saved), &saved);
  g_assert_true (op_ui_test_wait_for (no_pending_save, accounts));
  g_assert_cmpuint (saved, ==, 1);
  g_assert_true (op_accounts_load (reread, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_sites (reread), ==, 1);
  {
    g_autoptr (OpAccount) site = g_list_model_get_item (G_LIST_MODEL (reread), 0);
    g_assert_cmpstr (op_account_get_name (site), ==, "Mirror");
    g_assert_cmpstr (op_account_get_host (site), ==, "ftp.example.org");
  }

  /* Duplicate, then remove the copy. */
  gtk_widget_activate_action (GTK_WIDGET (manager), "sites.duplicate", NULL);
  op_ui_test_iterate ();
  g_assert_cmpuint (count_sites (accounts), ==, 2);
  gtk_widget_activate_action (GTK_WIDGET (manager), "sites.remove", NULL);
  op_ui_test_iterate ();
  g_assert_cmpuint (count_sites (accounts), ==, 1);

  /* Connect hands the selected site over. */
  gtk_list_box_select_row (GTK_LIST_BOX (op_ui_test_find_type (GTK_WIDGET (manager), GTK_TYPE_LIST_BOX)),
                           gtk_list_box_get_row_at_index (GTK_LIST_BOX (op_ui_test_find_type (GTK_WIDGET (manager), GTK_TYPE_LIST_BOX)), 0));
  gtk_widget_activate_action (GTK_WIDGET (manager), "sites.connect", NULL);
  op_ui_test_iterate ();
  g_assert_nonnull (chosen);
  g_assert_cmpstr (op_account_get_host (chosen), ==, "ftp.example.org");

  g_object_unref (manager);
  g_assert_true (op_ui_test_wait_for (no_pending_save, accounts));
  g_unlink (path);
  g_rmdir (dir);
}

/* The row of the site manager's list that stands for a folder (@folder) or a site. */
static GtkListBoxRow *
manager_row (OpSiteManager *manager,
             const char    *folder,
             OpAccount     *site)
{
  GtkListBox *list = GTK_LIST_BOX (op_ui_test_find_type (GTK_WIDGET (manager), GTK_TYPE_LIST_BOX));
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
    {
      if (folder != NULL && g_strcmp0 (g_object_get_data (G_OBJECT (row), "folder"), folder) == 0)
        return row;
      if (site != NULL && g_object_get_data (G_OBJECT (row), "site") == site)
        return row;
    }
  return NULL;
}

static int
manager_row_index (OpSiteManager *manager,
                   const char    *folder,
                   OpAccount     *site)
{
  GtkListBoxRow *row = manager_row (manager, folder, site);

  return row != NULL ? gtk_list_box_row_get_index (row) : -1;
}

static void
select_manager_row (OpSiteManager *manager,
                    GtkListBoxRow *row)
{
  g_assert_nonnull (row);
  gtk_list_box_select_row (GTK_LIST_BOX (gtk_widget_get_parent (GTK_WIDGET (row))), row);
  op_ui_test_iterate ();
}

/* Drops @what ("site:ID" or "folder:ID") on @row, through the row's drop handler as a
 * drag from the list would. */
static gboolean
drop_on_manager_row (GtkListBoxRow *row,
                     const char    *what)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (row));
  g_auto (GValue) value = G_VALUE_INIT;
  gboolean accepted = FALSE;

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, what);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        {
          g_signal_emit_by_name (controller, "drop", &value, 1.0, 1.0, &accepted);
          return accepted;
        }
    }
  g_assert_not_reached ();
}

static int
shots_width (void)
{
  const char *width = g_getenv ("OUTPOST_TEST_SHOTS_WIDTH");

  return width != NULL ? atoi (width) : 760;
}

/* Site folders: made, named in place, a site moved in by Move to Folder and another by a
 * drop, a folder inside a folder; kept in the accounts file (written later, off the main
 * thread) and there again in a new site manager; only an empty folder can be deleted. */
static void
test_site_folders (void)
{
  g_autofree char *dir = g_dir_make_tmp ("outpost-sites-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "accounts.ini", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (OpAccounts) accounts = op_accounts_new (file);
  g_autoptr (OpAccounts) reread = op_accounts_new (file);
  g_autoptr (GError) error = NULL;
  g_autofree char *site_id = NULL;
  g_autofree char *other_id = NULL;
  g_autofree char *what = NULL;
  g_auto (GStrv) folders = NULL;
  g_auto (GStrv) inside = NULL;
  OpSiteManager *manager;
  OpAccount *site, *other;
  GtkEditable *folder_name;
  const char *clients;

  g_assert_true (op_accounts_load (accounts, &error));
  manager = g_object_ref (op_site_manager_new (NULL, accounts));
  gtk_window_set_default_size (GTK_WINDOW (manager), shots_width (), 600);
  gtk_window_present (GTK_WINDOW (manager));
  op_ui_test_iterate ();

  /* Two sites at the top level. */
  gtk_widget_activate_action (GTK_WIDGET (manager), "sites.add", NULL);
  gtk_widget_activate_action (GTK_WIDGET (manager), "sites.add", NULL);
  op_ui_test_iterate ();
  site = g_list_model_get_item (G_LIST_MODEL (accounts), 0);
  other = g_list_model_get_item (G_LIST_MODEL (accounts), 1);
  g_object_unref (site);
  g_object_unref (other);
  site_id = g_strdup (op_account_get_id (site));
  other_id = g_strdup (op_account_get_id (other));
  op_account_set_name (site, "Acme web");
  op_account_set_name (other, "Acme mail");

  /* A new folder is selected with its name ready to type; the name is kept as typed. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (manager), "sites.new-folder", NULL));
  op_ui_test_iterate ();
  folders = op_accounts_list_folders (accounts, OP_ACCOUNT_KIND_FTP, NULL);
  g_assert_cmpuint (g_strv_length (folders), ==, 1);
  clients = folders[0];
  g_assert_nonnull (manager_row (manager, clients, NULL));
  g_assert_true (gtk_list_box_row_is_selected (manager_row (manager, clients, NULL)));
  folder_name = op_ui_test_find_entry_row (GTK_WIDGET (manager), g_dgettext (GETTEXT_PACKAGE, "Folder Name"));
  g_assert_nonnull (folder_name);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (folder_name)));
  gtk_editable_set_text (folder_name, "Clients");
  g_assert_cmpstr (op_accounts_get_folder_name (accounts, clients), ==, "Clients");
  /* Empty: it could be deleted now. */
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (op_ui_test_find_button (GTK_WIDGET (manager),
                                                                             g_dgettext (GETTEXT_PACKAGE, "_Delete Folder")))));

  /* Move to Folder moves the selected site; a drop on the folder's row moves another. */
  select_manager_row (manager, manager_row (manager, NULL, site));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (manager), "sites.move-to", "s", clients));
  op_ui_test_iterate ();
  g_assert_cmpstr (op_accounts_get_account_folder (accounts, site), ==, clients);
  g_assert_true (gtk_list_box_row_is_selected (manager_row (manager, NULL, site)));
  what = g_strconcat ("site:", other_id, NULL);
  g_assert_true (drop_on_manager_row (manager_row (manager, clients, NULL), what));
  op_ui_test_iterate ();
  g_assert_cmpstr (op_accounts_get_account_folder (accounts, other), ==, clients);
  /* Listed under the folder, after it. */
  g_assert_cmpint (manager_row_index (manager, clients, NULL), ==, 0);
  g_assert_cmpint (manager_row_index (manager, NULL, site), >, 0);
  g_assert_cmpint (manager_row_index (manager, NULL, other), >, 0);
  /* A new folder inside the selected site's folder. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (manager), "sites.new-folder", NULL));
  op_ui_test_iterate ();
  inside = op_accounts_list_folders (accounts, OP_ACCOUNT_KIND_FTP, clients);
  g_assert_cmpuint (g_strv_length (inside), ==, 1);
  gtk_editable_set_text (folder_name, "Archive");
  /* A folder holding anything is not deleted. */
  select_manager_row (manager, manager_row (manager, clients, NULL));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (op_ui_test_find_button (GTK_WIDGET (manager),
                                                                              g_dgettext (GETTEXT_PACKAGE, "_Delete Folder")))));
  gtk_widget_activate_action (GTK_WIDGET (manager), "sites.delete-folder", NULL);
  g_assert_cmpstr (op_accounts_get_folder_name (accounts, clients), ==, "Clients");
  select_manager_row (manager, manager_row (manager, NULL, site));

  /* Written once, later, off the main thread; then closed and opened again. */
  g_assert_true (op_accounts_has_pending_save (accounts));
  op_ui_test_shoot ("files-site-folders");
  g_assert_true (op_ui_test_wait_for (no_pending_save, accounts));
  gtk_window_destroy (GTK_WINDOW (manager));
  g_object_unref (manager);
  g_assert_true (op_accounts_load (reread, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (op_accounts_get_folder_name (reread, clients), ==, "Clients");
  g_assert_cmpstr (op_accounts_get_folder_name (reread, inside[0]), ==, "Archive");
  g_assert_cmpstr (op_accounts_get_folder_parent (reread, inside[0]), ==, clients);
  site = op_accounts_lookup (reread, site_id);
  other = op_accounts_lookup (reread, other_id);
  g_assert_cmpstr (op_accounts_get_account_folder (reread, site), ==, clients);
  g_assert_cmpstr (op_accounts_get_account_folder (reread, other), ==, clients);

  manager = g_object_ref (op_site_manager_new (NULL, reread));
  gtk_window_present (GTK_WINDOW (manager));
  op_ui_test_iterate ();
  g_assert_cmpint (manager_row_index (manager, clients, NULL), ==, 0);
  g_assert_cmpint (manager_row_index (manager, inside[0], NULL), ==, 1);
  g_assert_cmpint (manager_row_index (manager, NULL, site), >, 1);
  g_assert_cmpint (manager_row_index (manager, NULL, other), >, 1);

  /* Out again (to the top level), and the emptied folders deleted. */
  select_manager_row (manager, manager_row (manager, NULL, site));
  gtk_widget_activate_action (GTK_WIDGET (manager), "sites.move-to", "s", "");
  select_manager_row (manager, manager_row (manager, NULL, other));
  gtk_widget_activate_action (GTK_WIDGET (manager), "sites.move-to", "s", "");
  op_ui_test_iterate ();
  g_assert_null (op_accounts_get_account_folder (reread, site));
  g_assert_null (op_accounts_get_account_folder (reread, other));
  select_manager_row (manager, manager_row (manager, inside[0], NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (manager), "sites.delete-folder", NULL));
  select_manager_row (manager, manager_row (manager, clients, NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (manager), "sites.delete-folder", NULL));
  op_ui_test_iterate ();
  g_assert_null (manager_row (manager, clients, NULL));
  g_assert_null (op_accounts_get_folder_name (reread, clients));
  g_assert_cmpint (manager_row_index (manager, NULL, site), >=, 0);
  gtk_window_destroy (GTK_WINDOW (manager));
  g_object_unref (manager);
  g_assert_true (op_ui_test_wait_for (no_pending_save, reread));
  g_unlink (path);
  g_rmdir (dir);
}

/* An icon-only control by its type and tooltip. */
static GtkWidget *
find_by_tooltip (GtkWidget  *root,
                 GType       type,
                 const char *tooltip)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type) &&
          g_strcmp0 (gtk_widget_get_tooltip_text (child), tooltip) == 0)
        return child;
      found = find_by_tooltip (child, type, tooltip);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The queue's Show filter hides rows by state; the run button stops and starts it. */
static void
test_queue_filter_and_run_button (void)
{
  g_autofree char *data_dir = op_profile_data_dir ();
  g_autofree char *state_path = g_build_filename (data_dir, "transfers.ini", NULL);
  g_autoptr (GFile) state_file = g_file_new_for_path (state_path);
  OpWindow *window;
  OpFilesView *view;
  GtkListView *list;
  GtkDropDown *show;
  GtkWidget *run;
  GListModel *rows;

  /* Three unfinished transfers from "last time": they come back paused. */
  {
    g_autoptr (OpTransferQueue) saved = op_transfer_queue_new (state_file);
    g_autoptr (OpAccount) site = op_ftp_site_new ();
    g_autoptr (GError) error = NULL;

    g_assert_cmpint (g_mkdir_with_parents (data_dir, 0700), ==, 0);
    op_account_set_host (site, "ftp.example.org");
    op_ftp_site_set_logon_type (site, OP_FTP_LOGON_ANONYMOUS);
    for (guint i = 0; i < 3; i++)
      {
        g_autofree char *remote = g_strdup_printf ("/pub/f%u.bin", i);
        g_autofree char *local_path = g_strdup_printf ("/tmp/outpost-ui-f%u.bin", i);
        g_autoptr (GFile) local = g_file_new_for_path (local_path);

        op_transfer_queue_add_download (saved, site, remote, local, FALSE, 100);
      }
    op_transfer_queue_pause_all (saved);
    g_assert_true (op_transfer_queue_save (saved, &error));
    g_assert_no_error (error);
  }

  window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  view = OP_FILES_VIEW (op_window_get_view (window, "files"));
  gtk_window_present (GTK_WINDOW (window));
  op_ui_test_iterate ();

  list = GTK_LIST_VIEW (op_ui_test_find_with_class (GTK_WIDGET (view), "op-queue"));
  show = GTK_DROP_DOWN (find_by_tooltip (GTK_WIDGET (view), GTK_TYPE_DROP_DOWN, "Show Transfers"));
  g_assert_nonnull (list);
  g_assert_nonnull (show);
  rows = G_LIST_MODEL (gtk_list_view_get_model (list));
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 3);

  gtk_drop_down_set_selected (show, 3);  /* Finished */
  op_ui_test_iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 0);
  gtk_drop_down_set_selected (show, 2);  /* Failed */
  op_ui_test_iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 0);
  gtk_drop_down_set_selected (show, 1);  /* Queued: not finished, paused ones too */
  op_ui_test_iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 3);
  gtk_drop_down_set_selected (show, 0);
  op_ui_test_iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 3);

  run = find_by_tooltip (GTK_WIDGET (view), GTK_TYPE_BUTTON, "Stop the Transfer Queue");
  g_assert_nonnull (run);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "files.queue-toggle-running",
                                             NULL));
  op_ui_test_iterate ();
  g_assert_cmpstr (gtk_widget_get_tooltip_text (run), ==, "Start the Transfer Queue");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "files.queue-toggle-running",
                                             NULL));
  op_ui_test_iterate ();
  g_assert_cmpstr (gtk_widget_get_tooltip_text (run), ==, "Stop the Transfer Queue");

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
  op_ui_test_iterate ();
  g_unlink (state_path);
}

int
main (int    argc,
      char **argv)
{
  op_ui_test_init (&argc, &argv);

  /* First: it unlocks this session's keyring before anything asks D-Bus to start a
   * locked one (removing a site in the next tests forgets its password). */
  g_test_add_func ("/files/site-manager/password-typed-then-connect", test_site_password_typed_then_connect);
  g_test_add_func ("/files/view/uri-of-saved-site-uses-its-password", test_uri_of_saved_site);
  g_test_add_func ("/files/view/uri-fills-quick-connect", test_uri_fills_quick_connect);
  g_test_add_func ("/files/view/not-connected", test_not_connected);
  g_test_add_func ("/files/view/narrow-window-stacks-the-panes", test_narrow_window);
  g_test_add_func ("/files/view/context-menu-on-demand", test_context_menu_on_demand);
  g_test_add_func ("/files/pane/spinner-only-when-slow", test_spinner_only_when_slow);
  g_test_add_func ("/files/view/queue-filter-and-run-button", test_queue_filter_and_run_button);
  g_test_add_func ("/files/view/quick-connect-enter-cancel", test_quick_connect_enter_cancel);
  g_test_add_func ("/files/view/long-operation-toast-ends-at-once", test_long_operation_toast_ends_at_once);
  g_test_add_func ("/files/site-manager/add-edit-duplicate-remove-connect", test_site_manager);
  g_test_add_func ("/files/site-manager/folders", test_site_folders);

  return op_ui_test_run ();
}
