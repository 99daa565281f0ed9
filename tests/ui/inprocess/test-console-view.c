/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include <string.h>

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

static void
set_row_text (GtkWidget  *tab,
              const char *title,
              const char *text)
{
  GtkEditable *row = op_ui_test_find_entry_row (tab, title);

  g_assert_nonnull (row);
  gtk_editable_set_text (row, text);
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

  gtk_window_present (GTK_WINDOW (window));
  op_window_show_view (window, "console");
  view = OP_CONSOLE_VIEW (op_window_get_view (window, "console"));
  op_ui_test_iterate ();

  /* Ctrl+T's action opens a tab with a form; a time server on loopback. */
  server_tab = OP_CONSOLE_TAB (op_console_view_new_tab (view, "tcp-server", NULL));
  set_row_text (GTK_WIDGET (server_tab), "Port", "0");
  g_object_set (op_ui_test_find_type (GTK_WIDGET (server_tab), ADW_TYPE_COMBO_ROW),
                "selected", 1, NULL);
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

  /* The hex view shows the same rows as a dump. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "console.toggle-hex", NULL));
  op_ui_test_iterate ();
  g_assert_nonnull (op_ui_test_find_label_containing (GTK_WIDGET (client_tab),
                                                      "00000000  5b "));

  /* Closing the server's tab stops it: the client sees the end. */
  adw_tab_view_set_selected_page (op_console_view_get_tab_view (view),
                                  adw_tab_view_get_nth_page (op_console_view_get_tab_view (view), 0));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "console.close", NULL));
  op_ui_test_iterate ();
  g_assert_cmpuint (adw_tab_view_get_n_pages (op_console_view_get_tab_view (view)), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

static gboolean
has_answer (gpointer data)
{
  return op_ui_test_find_label_containing (data, "127.0.0.1") != NULL;
}

static void
test_lookup_localhost (void)
{
  OpWindow *window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  OpConsoleView *view;
  GtkWidget *tab;

  gtk_window_present (GTK_WINDOW (window));
  op_window_show_view (window, "console");
  view = OP_CONSOLE_VIEW (op_window_get_view (window, "console"));
  tab = op_console_view_new_tab (view, "lookup", "localhost");
  op_console_tab_start (OP_CONSOLE_TAB (tab));
  g_assert_true (op_ui_test_wait_for (has_answer, tab));
  g_assert_nonnull (op_ui_test_find_label (tab, "A  127.0.0.1"));

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

  return op_ui_test_run ();
}
