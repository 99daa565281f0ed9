/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "op-console-tab.h"
#include "op-console-view.h"
#include "op-ui-test-utils.h"
#include "op-window.h"

typedef struct
{
  OpConsoleTranscript *transcript;
  OpConsoleDirection   direction;
  const char          *needle;
} Seen;

static gboolean
seen (gpointer data)
{
  Seen *s = data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (s->transcript));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (OpConsoleRecord) record = g_list_model_get_item (G_LIST_MODEL (s->transcript), i);

      if (op_console_record_get_direction (record) == s->direction
          && strstr (op_console_record_get_text (record), s->needle) != NULL)
        return TRUE;
    }

  return FALSE;
}

static gboolean
server_open (gpointer data)
{
  return op_console_server_get_state (data) == OP_CONSOLE_SESSION_OPEN;
}

static gboolean
session_open (gpointer data)
{
  return op_console_session_get_state (data) == OP_CONSOLE_SESSION_OPEN;
}

static gboolean
session_closed (gpointer data)
{
  return op_console_session_get_state (data) == OP_CONSOLE_SESSION_CLOSED;
}

static void
set_row_text (GtkWidget  *tab,
              const char *title,
              const char *text)
{
  GtkEditable *row = op_ui_test_find_entry_row (tab, title);

  g_assert_nonnull (row);
  gtk_editable_set_text (row, text);
}

/* The Console page of a new, shown window. */
static OpConsoleView *
show_console (OpWindow *window)
{
  gtk_window_present (GTK_WINDOW (window));
  op_window_show_view (window, "console");

  return OP_CONSOLE_VIEW (op_window_get_view (window, "console"));
}

/* A TCP client tab connected to 127.0.0.1:@port, as the form connects it. */
static GtkWidget *
open_client_tab (OpConsoleView *view,
                 const char    *port)
{
  GtkWidget *tab = op_console_view_new_tab (view, "tcp", "127.0.0.1");

  set_row_text (tab, "Port", port);
  op_console_tab_start (OP_CONSOLE_TAB (tab));
  g_assert_true (op_ui_test_wait_for (session_open,
                                      op_console_tab_get_session (OP_CONSOLE_TAB (tab))));

  return tab;
}

static void
test_time_server_and_client (void)
{
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  OpConsoleView *view;
  OpConsoleTab *server_tab, *client_tab;
  OpConsoleServer *server;
  OpConsoleSession *session;
  g_autofree char *port = NULL;
  GtkEntry *send;
  Seen s;

  view = show_console (window);
  op_ui_test_iterate ();

  /* Ctrl+T's action opens a tab with a form; a time server on loopback. */
  server_tab = OP_CONSOLE_TAB (op_console_view_new_tab (view, "tcp-server", NULL));
  set_row_text (GTK_WIDGET (server_tab), "Port", "0");
  g_object_set (op_ui_test_find_row (GTK_WIDGET (server_tab), "Mode"), "selected", 1, NULL);
  op_console_tab_start (server_tab);
  server = op_console_tab_get_server (server_tab);
  g_assert_nonnull (server);
  g_assert_true (op_ui_test_wait_for (server_open, server));
  g_assert_cmpint (op_console_server_get_mode (server), ==, OP_CONSOLE_SERVER_TIME);

  /* A second tab connects to it. */
  port = g_strdup_printf ("%u", op_console_server_get_port (server));
  client_tab = OP_CONSOLE_TAB (op_console_view_new_tab (view, "tcp", NULL));
  set_row_text (GTK_WIDGET (client_tab), "Host", "127.0.0.1");
  set_row_text (GTK_WIDGET (client_tab), "Port", port);
  op_console_tab_start (client_tab);
  session = op_console_tab_get_session (client_tab);
  g_assert_true (op_ui_test_wait_for (session_open, session));
  g_assert_cmpuint (adw_tab_view_get_n_pages (op_console_view_get_tab_view (view)), ==, 2);

  send = GTK_ENTRY (op_ui_test_find_type (GTK_WIDGET (client_tab), GTK_TYPE_ENTRY));
  gtk_editable_set_text (GTK_EDITABLE (send), "what time is it");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "console.send", NULL));
  s = (Seen) { op_console_session_get_transcript (session), OP_CONSOLE_RECEIVED,
               "] what time is it" };
  g_assert_true (op_ui_test_wait_for (seen, &s));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (send)), ==, "");

  /* Telnet mode is a choice of the session's menu. */
  g_assert_false (op_console_session_get_telnet (session));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (client_tab), "tab.telnet", NULL));
  g_assert_true (op_console_session_get_telnet (session));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (client_tab), "tab.telnet", NULL));
  g_assert_false (op_console_session_get_telnet (session));

  /* The hex view shows the same rows as a dump, and back. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "console.toggle-hex", NULL));
  op_ui_test_iterate ();
  g_assert_nonnull (op_ui_test_find_label_containing (GTK_WIDGET (client_tab),
                                                      "00000000  5b "));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "console.toggle-hex", NULL));
  op_ui_test_iterate ();
  g_assert_null (op_ui_test_find_label_containing (GTK_WIDGET (client_tab), "00000000  5b "));
  g_assert_nonnull (op_ui_test_find_label_containing (GTK_WIDGET (client_tab), "] what time is it"));

  /* Closing the server's tab stops it: the client sees the end. */
  adw_tab_view_set_selected_page (op_console_view_get_tab_view (view),
                                  adw_tab_view_get_nth_page (op_console_view_get_tab_view (view), 0));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "console.close", NULL));
  op_ui_test_iterate ();
  g_assert_cmpuint (adw_tab_view_get_n_pages (op_console_view_get_tab_view (view)), ==, 1);
  g_assert_true (op_ui_test_wait_for (session_closed, session));
  s = (Seen) { op_console_session_get_transcript (session), OP_CONSOLE_NOTE,
               "The peer closed the connection." };
  g_assert_true (seen (&s));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

static gboolean
has_answer (gpointer data)
{
  return op_ui_test_find_label_containing (data, "127.0.0.1") != NULL;
}

static gboolean
says_no_service (gpointer data)
{
  GtkLabel *label = op_ui_test_find_label (data, "No service “no-such-service-anywhere” is known "
                                                 "to this system.");

  return label != NULL && gtk_widget_get_mapped (GTK_WIDGET (label));
}

static void
test_lookup_localhost (void)
{
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  OpConsoleView *view;
  GtkWidget *tab;

  view = show_console (window);
  tab = op_console_view_new_tab (view, "lookup", "localhost");
  op_console_tab_start (OP_CONSOLE_TAB (tab));
  g_assert_true (op_ui_test_wait_for (has_answer, tab));
  g_assert_nonnull (op_ui_test_find_label (tab, "A  127.0.0.1"));

  /* A query that finds nothing says why, and the earlier answers go. */
  gtk_editable_set_text (op_ui_test_find_entry_row (tab, "Name, Address or Service"),
                         "no-such-service-anywhere");
  g_object_set (op_ui_test_find_row (tab, "Record Type"), "selected", 2, NULL);
  op_console_tab_start (OP_CONSOLE_TAB (tab));
  g_assert_true (op_ui_test_wait_for (says_no_service, tab));
  g_assert_null (op_ui_test_find_label (tab, "A  127.0.0.1"));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

/* The rows the transcript list shows (the list with the "console-transcript" class). */
static guint
n_rows (GtkWidget *tab)
{
  GtkWidget *list = op_ui_test_find_with_class (tab, "console-transcript");

  g_assert_true (GTK_IS_LIST_VIEW (list));

  return g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list))));
}

static gboolean
has_two_clients (gpointer data)
{
  return g_list_model_get_n_items (op_console_server_get_clients (data)) == 2;
}

static void
test_chat_server_per_client (void)
{
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  OpConsoleView *view;
  OpConsoleTab *server_tab;
  OpConsoleServer *server;
  OpConsoleSession *first, *second;
  GtkSingleSelection *clients;
  GtkListView *clients_list;
  g_autoptr (GBytes) one = g_bytes_new_static ("from one\n", 9);
  g_autoptr (GBytes) two = g_bytes_new_static ("from two\n", 9);
  Seen s;

  view = show_console (window);
  server_tab = OP_CONSOLE_TAB (op_console_view_new_tab (view, "tcp-server", NULL));
  set_row_text (GTK_WIDGET (server_tab), "Port", "0");
  g_object_set (op_ui_test_find_row (GTK_WIDGET (server_tab), "Mode"), "selected", 2, NULL);
  op_console_tab_start (server_tab);
  server = op_console_tab_get_server (server_tab);
  g_assert_true (op_ui_test_wait_for (server_open, server));

  /* Two clients, each says something. */
  first = op_console_session_new (OP_CONSOLE_TCP, "127.0.0.1", op_console_server_get_port (server));
  second = op_console_session_new (OP_CONSOLE_TCP, "127.0.0.1", op_console_server_get_port (server));
  op_console_session_open (first);
  op_console_session_open (second);
  g_assert_true (op_ui_test_wait_for (session_open, first));
  g_assert_true (op_ui_test_wait_for (session_open, second));
  g_assert_true (op_ui_test_wait_for (has_two_clients, server));
  op_console_session_send_async (first, one, NULL, NULL, NULL);
  op_console_session_send_async (second, two, NULL, NULL, NULL);
  s = (Seen) { op_console_server_get_transcript (server), OP_CONSOLE_RECEIVED, "from two" };
  g_assert_true (op_ui_test_wait_for (seen, &s));
  s.needle = "from one";
  g_assert_true (op_ui_test_wait_for (seen, &s));

  /* Selecting the first client shows its rows only, and the reply goes to it alone. */
  {
    GtkWidget *label = GTK_WIDGET (op_ui_test_find_label (GTK_WIDGET (server_tab),
                                                          op_console_session_get_local_address (first)));

    g_assert_nonnull (label);
    clients_list = GTK_LIST_VIEW (gtk_widget_get_ancestor (label, GTK_TYPE_LIST_VIEW));
  }
  clients = GTK_SINGLE_SELECTION (gtk_list_view_get_model (clients_list));
  {
    guint all = n_rows (GTK_WIDGET (server_tab));

    for (guint i = 0; i < 2; i++)
      {
        g_autoptr (OpConsolePeer) peer = g_list_model_get_item (G_LIST_MODEL (clients), i);

        if (g_str_equal (op_console_peer_get_address (peer),
                         op_console_session_get_local_address (first)))
          gtk_single_selection_set_selected (clients, i);
      }
    op_ui_test_iterate ();
    g_assert_cmpuint (n_rows (GTK_WIDGET (server_tab)), <, all);
    g_assert_null (op_ui_test_find_label_containing (GTK_WIDGET (server_tab), "from two"));
    g_assert_nonnull (op_ui_test_find_label_containing (GTK_WIDGET (server_tab), "from one"));
  }

  gtk_editable_set_text (GTK_EDITABLE (op_ui_test_find_type (GTK_WIDGET (server_tab), GTK_TYPE_ENTRY)),
                         "only for one");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "console.send", NULL));
  s = (Seen) { op_console_session_get_transcript (first), OP_CONSOLE_RECEIVED, "only for one" };
  g_assert_true (op_ui_test_wait_for (seen, &s));
  op_ui_test_iterate ();
  s = (Seen) { op_console_session_get_transcript (second), OP_CONSOLE_RECEIVED, "only for one" };
  g_assert_false (seen (&s));

  /* The client row's button disconnects that client only. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (server_tab), "tab.disconnect-client", "s",
                                             op_console_session_get_local_address (first)));
  g_assert_true (op_ui_test_wait_for (session_closed, first));
  g_assert_cmpint (op_console_session_get_state (second), ==, OP_CONSOLE_SESSION_OPEN);

  g_object_unref (first);
  g_object_unref (second);
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

static void
test_open_answer_and_network_server (void)
{
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  OpConsoleView *view;
  GtkWidget *tab;
  AdwTabView *tabs;
  AdwMessageDialog *dialog;

  view = show_console (window);
  tabs = op_console_view_get_tab_view (view);

  /* An address found by a lookup opens a TCP session form for it. */
  tab = op_console_view_new_tab (view, "lookup", "localhost");
  op_console_tab_start (OP_CONSOLE_TAB (tab));
  g_assert_true (op_ui_test_wait_for (has_answer, tab));
  g_assert_true (gtk_widget_activate_action (tab, "tab.open-address", "s", "127.0.0.1"));
  g_assert_cmpuint (adw_tab_view_get_n_pages (tabs), ==, 2);
  tab = adw_tab_page_get_child (adw_tab_view_get_selected_page (tabs));
  g_assert_cmpstr (gtk_editable_get_text (op_ui_test_find_entry_row (tab, "Host")), ==, "127.0.0.1");

  /* A server on an address other than loopback asks first; Cancel starts nothing. */
  tab = op_console_view_new_tab (view, "udp-server", NULL);
  set_row_text (tab, "Address", "0.0.0.0");
  set_row_text (tab, "Port", "0");
  op_console_tab_start (OP_CONSOLE_TAB (tab));
  op_ui_test_iterate ();
  dialog = ADW_MESSAGE_DIALOG (op_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Open the Server to the Network?");
  adw_message_dialog_response (dialog, "cancel");
  op_ui_test_iterate ();
  g_assert_null (op_console_tab_get_server (OP_CONSOLE_TAB (tab)));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

static void
test_charset (void)
{
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  g_autoptr (OpConsoleServer) server = op_console_server_new (OP_CONSOLE_TCP, "127.0.0.1", 0,
                                                              OP_CONSOLE_SERVER_ECHO);
  g_autofree char *port = NULL;
  g_autoptr (GBytes) gb = NULL;
  OpConsoleView *view;
  GtkWidget *tab;
  OpConsoleSession *session;
  Seen s;

  op_console_server_start (server);
  g_assert_true (op_ui_test_wait_for (server_open, server));
  view = show_console (window);
  port = g_strdup_printf ("%u", op_console_server_get_port (server));
  tab = open_client_tab (view, port);
  session = op_console_tab_get_session (OP_CONSOLE_TAB (tab));

  /* GB18030 bytes typed as hex come back; in GB18030 they read 你好. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (op_ui_test_find_button (tab, "Hex")), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (op_ui_test_find_type (tab, GTK_TYPE_ENTRY)), "c4e3 bac3 0a");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "console.send", NULL));
  s = (Seen) { op_console_session_get_transcript (session), OP_CONSOLE_RECEIVED, "\xef\xbf\xbd" };
  g_assert_true (op_ui_test_wait_for (seen, &s));
  g_assert_true (gtk_widget_activate_action (tab, "tab.charset", "s", "GB18030"));
  op_ui_test_iterate ();
  s.needle = "你好";
  g_assert_true (seen (&s));
  g_assert_nonnull (op_ui_test_find_label_containing (tab, "你好"));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

/* The HTTP GET template against Python's own HTTP server (written independently of us). */
static void
test_http_template (void)
{
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) http = NULL;
  g_autoptr (GDataInputStream) lines = NULL;
  g_autofree char *line = NULL;
  g_autofree char *port = NULL;
  OpConsoleView *view;
  GtkWidget *tab;
  OpConsoleSession *session;
  const char *at;
  Seen s;

  http = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                           &error, "/usr/bin/python3", "-u", "-m", "http.server", "0",
                           "--bind", "127.0.0.1", "--directory", g_test_get_dir (G_TEST_DIST),
                           NULL);
  g_assert_no_error (error);
  /* "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..." */
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (http));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  at = strstr (line, " port ");
  g_assert_nonnull (at);
  port = g_strndup (at + 6, strspn (at + 6, "0123456789"));

  view = show_console (window);
  tab = open_client_tab (view, port);
  session = op_console_tab_get_session (OP_CONSOLE_TAB (tab));

  g_assert_true (gtk_widget_activate_action (tab, "tab.template-http", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "console.send", NULL));
  s = (Seen) { op_console_session_get_transcript (session), OP_CONSOLE_RECEIVED, "HTTP/1.0 200 OK" };
  g_assert_true (op_ui_test_wait_for (seen, &s));
  s = (Seen) { op_console_session_get_transcript (session), OP_CONSOLE_SENT, "Host: 127.0.0.1" };
  g_assert_true (seen (&s));
  /* Connection: close: the server ends the session after its answer. */
  g_assert_true (op_ui_test_wait_for (session_closed, session));

  g_subprocess_force_exit (http);
  g_subprocess_wait (http, NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

/* The Gopher template against the tutorial Gopher server: the empty selector and CRLF. */
static void
test_gopher_template (void)
{
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "console", "tutorial.py", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) gopher = NULL;
  g_autoptr (GDataInputStream) lines = NULL;
  g_autofree char *port = NULL;
  OpConsoleView *view;
  GtkWidget *tab;
  OpConsoleSession *session;
  Seen s;

  gopher = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "/usr/bin/python3", script,
                             "gopher-server", NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (gopher));
  port = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (port);

  view = show_console (window);
  tab = open_client_tab (view, port);
  session = op_console_tab_get_session (OP_CONSOLE_TAB (tab));

  g_assert_true (gtk_widget_activate_action (tab, "tab.template-gopher", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "console.send", NULL));
  s = (Seen) { op_console_session_get_transcript (session), OP_CONSOLE_RECEIVED,
               "iWelcome to the test hole" };
  g_assert_true (op_ui_test_wait_for (seen, &s));

  g_subprocess_force_exit (gopher);
  g_subprocess_wait (gopher, NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

typedef struct
{
  const char *path;
  gsize       length;   /* what the whole file holds */
} Written;

/* A new file is created, then written: it is whole once it has all its bytes. */
static gboolean
file_written (gpointer data)
{
  Written *w = data;
  g_autofree char *contents = NULL;
  gsize length = 0;

  return g_file_get_contents (w->path, &contents, &length, NULL) && length == w->length;
}

/* Saves through the file chooser the action opens, answered as a person would, and
 * returns the file's contents once it holds @length bytes. */
static char *
save_through_chooser (GtkWidget  *tab,
                      const char *action,
                      const char *dir,
                      const char *name,
                      gsize       length)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GFile) folder = g_file_new_for_path (dir);
  Written written = { path, length };
  GtkWindow *chooser;
  char *contents = NULL;

  g_assert_true (gtk_widget_activate_action (tab, action, NULL));
  op_ui_test_iterate ();
  chooser = op_ui_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG);
  g_assert_nonnull (chooser);
  g_assert_true (gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  op_ui_test_iterate ();
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  g_assert_true (op_ui_test_wait_for (file_written, &written));
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));

  return contents;
}

static void
test_save_transcript (void)
{
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  g_autoptr (OpConsoleServer) server = op_console_server_new (OP_CONSOLE_TCP, "127.0.0.1", 0,
                                                              OP_CONSOLE_SERVER_ECHO);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("outpost-console-save-XXXXXX", &error);
  g_autofree char *port = NULL;
  g_autofree char *text = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *text_path = NULL;
  g_autofree char *raw_path = NULL;
  OpConsoleView *view;
  GtkWidget *tab;
  OpConsoleSession *session;
  Seen s;

  g_assert_no_error (error);
  op_console_server_start (server);
  g_assert_true (op_ui_test_wait_for (server_open, server));
  view = show_console (window);
  port = g_strdup_printf ("%u", op_console_server_get_port (server));
  tab = open_client_tab (view, port);
  session = op_console_tab_get_session (OP_CONSOLE_TAB (tab));

  /* Bytes no charset shows: the raw file keeps them exactly. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (op_ui_test_find_button (tab, "Hex")), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (op_ui_test_find_type (tab, GTK_TYPE_ENTRY)),
                         "68 69 00 ff 0a");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "console.send", NULL));
  s = (Seen) { op_console_session_get_transcript (session), OP_CONSOLE_RECEIVED, "hi␀" };
  g_assert_true (op_ui_test_wait_for (seen, &s));

  {
    g_autofree char *expected = op_console_transcript_to_text (op_console_session_get_transcript (session));

    text = save_through_chooser (tab, "tab.save-text", dir, "transcript.txt", strlen (expected));
    g_assert_cmpstr (text, ==, expected);
  }
  g_assert_nonnull (strstr (text, " → hi␀\xef\xbf\xbd\n"));
  g_assert_nonnull (strstr (text, " ← hi␀\xef\xbf\xbd\n"));
  raw = save_through_chooser (tab, "tab.save-raw", dir, "received.bin", 5);
  g_assert_cmpmem (raw, 5, "hi\0\xff\n", 5);

  text_path = g_build_filename (dir, "transcript.txt", NULL);
  raw_path = g_build_filename (dir, "received.bin", NULL);
  g_remove (text_path);
  g_remove (raw_path);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

int
main (int    argc,
      char **argv)
{
  op_ui_test_init (&argc, &argv);

  g_test_add_func ("/console-view/time-server-and-client", test_time_server_and_client);
  g_test_add_func ("/console-view/lookup-localhost", test_lookup_localhost);
  g_test_add_func ("/console-view/chat-server-per-client", test_chat_server_per_client);
  g_test_add_func ("/console-view/open-answer-and-network-server",
                   test_open_answer_and_network_server);
  g_test_add_func ("/console-view/charset", test_charset);
  g_test_add_func ("/console-view/http-template", test_http_template);
  g_test_add_func ("/console-view/gopher-template", test_gopher_template);
  g_test_add_func ("/console-view/save-transcript", test_save_transcript);

  return op_ui_test_run ();
}
