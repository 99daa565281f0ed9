/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

/* The Files view against vsftpd of tests/servers: what activating a remote row does
 * (the "remote-file-double-click" setting; a link to a file opens as a file, a link to a
 * folder is entered). Skipped (77) without the servers, failed without them when
 * OUTPOST_TEST_REQUIRE_SERVERS is set. */

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <utime.h>

#include <glib/gstdio.h>

#include "op-file-row.h"
#include "op-files-view.h"
#include "op-files-view-private.h"
#include "op-files-preferences-page.h"
#include "op-ftp-bookmarks.h"
#include "op-ui-resources.h"
#include "op-ui-test-utils.h"
#include "op-window.h"

#define APP_ID "io.github.outpost.Outpost"
#define CONTENT "a file behind a link\n"

typedef struct
{
  const char *port;
  const char *user;
  const char *password;
  const char *root;
} Server;

static gboolean
server_from_env (Server *server)
{
  server->port = g_getenv ("OUTPOST_TEST_VSFTPD_PORT");
  server->user = g_getenv ("OUTPOST_TEST_VSFTPD_USER");
  server->password = g_getenv ("OUTPOST_TEST_VSFTPD_PASSWORD");
  server->root = g_getenv ("OUTPOST_TEST_VSFTPD_ROOT");
  if (server->port != NULL && server->user != NULL && server->password != NULL
      && server->root != NULL)
    return TRUE;
  if (g_getenv ("OUTPOST_TEST_REQUIRE_SERVERS") != NULL)
    g_error ("OUTPOST_TEST_REQUIRE_SERVERS is set but vsftpd's variables are missing "
             "(tests/servers/start, then . RUNDIR/env)");
  g_test_skip ("vsftpd of tests/servers is not running");
  return FALSE;
}

static OpFileRow *
find_row (OpFilePane *pane,
          const char *name)
{
  GListModel *model = op_file_pane_get_shown_model (pane);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (OpFileRow) row = g_list_model_get_item (model, i);

      if (g_strcmp0 (op_file_row_get_name (row), name) == 0)
        return g_steal_pointer (&row);
    }
  return NULL;
}

typedef struct
{
  OpFilePane *pane;
  const char *suffix;   /* the path ends so… */
  const char *row;      /* …and this row is on show (the rows come after the path) */
} PaneAt;

static gboolean
pane_at (gpointer data)
{
  PaneAt *at = data;
  const char *path = op_file_pane_get_path (at->pane);
  g_autoptr (OpFileRow) row = NULL;

  if (path == NULL || !g_str_has_suffix (path, at->suffix))
    return FALSE;
  if (at->row == NULL)
    return TRUE;
  row = find_row (at->pane, at->row);
  return row != NULL;
}

static gboolean
file_has_content (gpointer data)
{
  g_autofree char *contents = NULL;

  return g_file_get_contents (data, &contents, NULL, NULL) && strcmp (contents, CONTENT) == 0;
}

/* The copy View/Edit downloaded: in a folder of its own under the cache. */
static gboolean
edit_copy_exists (gpointer data)
{
  g_autofree char *edit_dir = g_build_filename (g_get_user_cache_dir (), "outpost", "edit", NULL);
  g_autoptr (GDir) dir = g_dir_open (edit_dir, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *copy = g_build_filename (edit_dir, entry, (const char *) data, NULL);

      if (file_has_content (copy))
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  Server       server;
  char        *remote_dir;   /* on the server's disk */
  char        *remote_name;
  char        *local_dir;
  OpWindow    *window;
  OpFilesView *view;
  OpFilePane  *remote;
  GSettings   *settings;
} Fixture;

static void
write_file (const char *dir,
            const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, CONTENT, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
}

static void
remove_tree (const char *path)
{
  g_autofree char *quoted = g_shell_quote (path);
  g_autofree char *command = g_strconcat ("rm -rf -- ", quoted, NULL);
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* A folder of the FTP root with a file, a folder, a link to each and a dangling link;
 * a local folder; the view connected (plain FTP, accepted) and showing the FTP folder. */
static gboolean
fixture_set_up (Fixture *fixture)
{
  g_autofree char *template = NULL;
  g_autofree char *sub = NULL;
  g_autofree char *link = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *go_to = NULL;
  GtkWindow *dialog;
  PaneAt at;

  memset (fixture, 0, sizeof *fixture);
  if (!server_from_env (&fixture->server))
    return FALSE;

  template = g_build_filename (fixture->server.root, "outpost-open-XXXXXX", NULL);
  fixture->remote_dir = g_mkdtemp_full (g_steal_pointer (&template), 0755);
  g_assert_nonnull (fixture->remote_dir);
  fixture->remote_name = g_path_get_basename (fixture->remote_dir);
  write_file (fixture->remote_dir, "data.txt");
  sub = g_build_filename (fixture->remote_dir, "sub", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  write_file (sub, "inside.txt");
  link = g_build_filename (fixture->remote_dir, "file-link", NULL);
  g_assert_cmpint (symlink ("data.txt", link), ==, 0);
  g_free (link);
  link = g_build_filename (fixture->remote_dir, "folder-link", NULL);
  g_assert_cmpint (symlink ("sub", link), ==, 0);

  /* The server writes as its user (uploads into the folders). */
  {
    g_autofree char *quoted = g_shell_quote (fixture->remote_dir);
    g_autofree char *command = g_strdup_printf ("chown -R %s: %s", fixture->server.user, quoted);
    int status = 0;

    g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }

  /* The View/Edit copies of a test before. */
  {
    g_autofree char *edit_dir = g_build_filename (g_get_user_cache_dir (), "outpost", "edit", NULL);
    remove_tree (edit_dir);
  }

  fixture->local_dir = g_dir_make_tmp ("outpost-open-local-XXXXXX", &error);
  g_assert_no_error (error);

  fixture->settings = g_settings_new (APP_ID);
  fixture->window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  fixture->view = OP_FILES_VIEW (op_window_get_view (fixture->window, "files"));
  fixture->remote = op_files_view_get_remote_pane (fixture->view);
  gtk_window_present (GTK_WINDOW (fixture->window));
  op_ui_test_iterate ();
  {
    g_autoptr (GFile) local = g_file_new_for_path (fixture->local_dir);
    op_files_view_set_local_folder (fixture->view, local);
  }

  gtk_editable_set_text (op_ui_test_find_entry (GTK_WIDGET (fixture->view), "Host"), "127.0.0.1");
  gtk_editable_set_text (op_ui_test_find_entry (GTK_WIDGET (fixture->view), "21"), fixture->server.port);
  gtk_editable_set_text (op_ui_test_find_entry (GTK_WIDGET (fixture->view), "Username"), fixture->server.user);
  gtk_editable_set_text (op_ui_test_find_entry (GTK_WIDGET (fixture->view), "Password"), fixture->server.password);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (op_ui_test_find_type (GTK_WIDGET (fixture->view),
                                                                   GTK_TYPE_DROP_DOWN)),
                              2);  /* plain FTP */
  gtk_widget_activate_action (GTK_WIDGET (fixture->view), "files.connect", NULL);
  dialog = op_ui_test_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG, TRUE);
  g_assert_nonnull (dialog);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "send");
  gtk_window_destroy (dialog);

  at.pane = fixture->remote;
  at.suffix = "/";
  at.row = NULL;
  g_assert_true (op_ui_test_wait_for (pane_at, &at));
  go_to = g_strconcat ("/", fixture->remote_name, NULL);
  gtk_widget_activate_action (GTK_WIDGET (fixture->remote), "pane.go-to", "s", go_to);
  at.suffix = fixture->remote_name;
  at.row = "data.txt";
  g_assert_true (op_ui_test_wait_for (pane_at, &at));
  return TRUE;
}

static void
fixture_tear_down (Fixture *fixture)
{
  if (fixture->window != NULL)
    {
      gtk_widget_activate_action (GTK_WIDGET (fixture->view), "files.disconnect", NULL);
      gtk_window_destroy (GTK_WINDOW (fixture->window));
      g_object_unref (fixture->window);
    }
  if (fixture->settings != NULL)
    g_settings_reset (fixture->settings, "remote-file-double-click");
  g_clear_object (&fixture->settings);
  if (fixture->remote_dir != NULL)
    remove_tree (fixture->remote_dir);
  if (fixture->local_dir != NULL)
    remove_tree (fixture->local_dir);
  g_free (fixture->remote_dir);
  g_free (fixture->remote_name);
  g_free (fixture->local_dir);
}

static void
activate (Fixture    *fixture,
          const char *name)
{
  g_autoptr (OpFileRow) row = find_row (fixture->remote, name);

  g_assert_nonnull (row);
  op_file_pane_select_name (fixture->remote, name);
  g_signal_emit_by_name (fixture->remote, "row-activated", row);
}

static guint
n_queued (Fixture *fixture)
{
  GtkListView *list = GTK_LIST_VIEW (op_ui_test_find_with_class (GTK_WIDGET (fixture->view), "op-queue"));

  g_assert_nonnull (list);
  return g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (list)));
}

/* Default (download): a file and a link to a file are downloaded into the local folder
 * through the queue, and the pane stays where it is; a link to a folder is entered. */
static void
test_double_click_download (void)
{
  Fixture fixture;
  g_autofree char *data = NULL;
  g_autofree char *link = NULL;
  PaneAt at;

  if (!fixture_set_up (&fixture))
    return;
  g_assert_cmpstr (g_settings_get_string (fixture.settings, "remote-file-double-click"), ==,
                   "download");
  data = g_build_filename (fixture.local_dir, "data.txt", NULL);
  link = g_build_filename (fixture.local_dir, "file-link", NULL);

  activate (&fixture, "data.txt");
  g_assert_true (op_ui_test_wait_for (file_has_content, data));
  activate (&fixture, "file-link");
  g_assert_true (op_ui_test_wait_for (file_has_content, link));
  g_assert_cmpuint (n_queued (&fixture), ==, 2);
  g_assert_true (g_str_has_suffix (op_file_pane_get_path (fixture.remote), fixture.remote_name));
  g_assert_null (op_ui_test_find_label_containing (GTK_WIDGET (fixture.remote), "Could not"));

  activate (&fixture, "folder-link");
  at.pane = fixture.remote;
  /* The server's own spelling of the folder (vsftpd's PWD names the link's target). */
  at.suffix = "";
  at.row = "inside.txt";
  g_assert_true (op_ui_test_wait_for (pane_at, &at));

  fixture_tear_down (&fixture);
}

/* View/Edit: the link to a file is downloaded to a private copy to open (there is no
 * default app under the test, so the pane says it could not open it). */
static void
test_double_click_view_edit (void)
{
  Fixture fixture;

  if (!fixture_set_up (&fixture))
    return;
  g_settings_set_string (fixture.settings, "remote-file-double-click", "view-edit");
  activate (&fixture, "file-link");
  g_assert_true (op_ui_test_wait_for (edit_copy_exists, (gpointer) "file-link"));
  g_assert_cmpuint (n_queued (&fixture), ==, 0);
  g_assert_true (g_str_has_suffix (op_file_pane_get_path (fixture.remote), fixture.remote_name));
  fixture_tear_down (&fixture);
}

/* Nothing: neither a file nor a link to one does anything (the link's CWD is still
 * asked, and its refusal is no error to show). */
static void
test_double_click_nothing (void)
{
  Fixture fixture;
  g_autofree char *data = NULL;

  if (!fixture_set_up (&fixture))
    return;
  g_settings_set_string (fixture.settings, "remote-file-double-click", "nothing");
  activate (&fixture, "data.txt");
  activate (&fixture, "file-link");
  /* Long enough for a download of a few bytes on loopback, or a CWD's answer. */
  for (guint i = 0; i < 20; i++)
    {
      op_ui_test_iterate ();
      g_usleep (50000);
    }
  data = g_build_filename (fixture.local_dir, "data.txt", NULL);
  g_assert_false (g_file_test (data, G_FILE_TEST_EXISTS));
  g_assert_false (edit_copy_exists ((gpointer) "file-link"));
  g_assert_cmpuint (n_queued (&fixture), ==, 0);
  g_assert_true (g_str_has_suffix (op_file_pane_get_path (fixture.remote), fixture.remote_name));
  g_assert_null (op_ui_test_find_label_containing (GTK_WIDGET (fixture.remote), "Could not"));
  fixture_tear_down (&fixture);
}

/* The centre of the row showing @name in @pane, in the pane's coordinates (what a drop
 * target gets). */
static GtkWidget *
find_shown_label (GtkWidget  *root,
                  const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (!gtk_widget_get_mapped (child))
        continue;
      if (GTK_IS_LABEL (child) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (child)), text) == 0
          && gtk_widget_get_width (child) > 0)
        return child;
      found = find_shown_label (child, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  OpFilePane *pane;
  const char *name;
} ShownRow;

static gboolean
row_shown (gpointer data)
{
  ShownRow *shown = data;

  return find_shown_label (GTK_WIDGET (shown->pane), shown->name) != NULL;
}

static void
row_point (OpFilePane *pane,
           const char *name,
           double     *x,
           double     *y)
{
  ShownRow shown = { pane, name };
  GtkWidget *label;

  /* The list lays out its rows a frame or two after they arrive. */
  g_assert_true (op_ui_test_wait_for (row_shown, &shown));
  label = find_shown_label (GTK_WIDGET (pane), name);

  g_assert_nonnull (label);
  g_assert_true (gtk_widget_translate_coordinates (label, GTK_WIDGET (pane),
                                                   gtk_widget_get_width (label) / 2.0,
                                                   gtk_widget_get_height (label) / 2.0,
                                                   x, y));
}

/* A drop onto a folder row goes into that folder, both ways; a drop elsewhere on the
 * pane into the pane's folder. */
static void
test_drop_onto_folder_row (void)
{
  Fixture fixture;
  g_autofree char *local_sub = NULL;
  g_autofree char *into_local_sub = NULL;
  g_autofree char *into_remote_sub = NULL;
  g_autofree char *into_remote_dir = NULL;
  g_autoptr (GFile) upload = NULL;
  OpFilePane *local;
  PaneAt at;
  double x, y;

  if (!fixture_set_up (&fixture))
    return;
  local = op_files_view_get_local_pane (fixture.view);
  local_sub = g_build_filename (fixture.local_dir, "localsub", NULL);
  g_assert_cmpint (g_mkdir (local_sub, 0755), ==, 0);
  write_file (fixture.local_dir, "up.bin");
  upload = g_file_new_build_filename (fixture.local_dir, "up.bin", NULL);
  {
    g_autoptr (GFile) dir = g_file_new_for_path (fixture.local_dir);
    op_files_view_set_local_folder (fixture.view, dir);
  }
  at.pane = local;
  at.suffix = g_path_get_basename (fixture.local_dir);
  at.row = "localsub";
  g_assert_true (op_ui_test_wait_for (pane_at, &at));
  g_free ((char *) at.suffix);

  /* Remote → local folder row. */
  op_file_pane_select_name (fixture.remote, "data.txt");
  row_point (local, "localsub", &x, &y);
  {
    g_autoptr (OpFileRow) row = op_file_pane_get_row_at (local, x, y);

    g_assert_nonnull (row);
    g_assert_cmpstr (op_file_row_get_name (row), ==, "localsub");
  }
  {
    GValue value = G_VALUE_INIT;

    g_value_init (&value, OP_TYPE_FILE_PANE);
    g_value_set_object (&value, fixture.remote);
    g_assert_true (_op_files_view_drop (fixture.view, local, &value, x, y));
    g_value_unset (&value);
  }
  into_local_sub = g_build_filename (local_sub, "data.txt", NULL);
  g_assert_true (op_ui_test_wait_for (file_has_content, into_local_sub));

  /* Local files → remote folder row, then onto no row (the pane's title). */
  row_point (fixture.remote, "sub", &x, &y);
  {
    GValue value = G_VALUE_INIT;
    GSList *files = g_slist_prepend (NULL, upload);
    GdkFileList *list = gdk_file_list_new_from_list (files);

    g_slist_free (files);
    g_value_init (&value, GDK_TYPE_FILE_LIST);
    g_value_take_boxed (&value, list);
    g_assert_true (_op_files_view_drop (fixture.view, fixture.remote, &value, x, y));
    into_remote_sub = g_build_filename (fixture.remote_dir, "sub", "up.bin", NULL);
    g_assert_true (op_ui_test_wait_for (file_has_content, into_remote_sub));
    g_assert_null (op_file_pane_get_row_at (fixture.remote, 1, 1));
    g_assert_true (_op_files_view_drop (fixture.view, fixture.remote, &value, 1, 1));
    into_remote_dir = g_build_filename (fixture.remote_dir, "up.bin", NULL);
    g_assert_true (op_ui_test_wait_for (file_has_content, into_remote_dir));
    g_value_unset (&value);
  }
  fixture_tear_down (&fixture);
}

static gboolean
path_gone (gpointer path)
{
  return !g_file_test (path, G_FILE_TEST_EXISTS);
}

/* A drag of remote files offers other apps a text/uri-list of local copies, downloaded
 * when the list is asked for; folders are left out. Copies of drops over a day old are
 * removed then. */
static void
test_drag_out (void)
{
  Fixture fixture;
  g_autoptr (GdkContentProvider) content = NULL;
  g_autoptr (GdkContentFormats) formats = NULL;
  g_autoptr (GOutputStream) stream = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) uris = NULL;
  g_autofree char *text = NULL;
  g_autofree char *old_dir = NULL;
  g_autofree char *recent_dir = NULL;
  GtkMultiSelection *selection;

  if (!fixture_set_up (&fixture))
    return;
  /* data.txt, file-link and the folder sub. */
  op_file_pane_select_name (fixture.remote, "data.txt");
  selection = GTK_MULTI_SELECTION (gtk_column_view_get_model (
      GTK_COLUMN_VIEW (op_ui_test_find_type (GTK_WIDGET (fixture.remote), GTK_TYPE_COLUMN_VIEW))));
  {
    GListModel *model = G_LIST_MODEL (selection);

    for (guint i = 0; i < g_list_model_get_n_items (model); i++)
      {
        g_autoptr (OpFileRow) row = g_list_model_get_item (model, i);
        const char *name = op_file_row_get_name (row);

        if (g_str_equal (name, "file-link") || g_str_equal (name, "sub"))
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (selection), i, FALSE);
      }
  }
  g_signal_emit_by_name (fixture.remote, "drag-prepare", &content);
  g_assert_nonnull (content);
  formats = gdk_content_provider_ref_formats (content);
  g_assert_true (gdk_content_formats_contain_mime_type (formats, "text/uri-list"));
  /* The remote pane refuses its own drag; the local pane's is taken. */
  g_assert_true (_op_files_view_is_remote_drag (fixture.view, content));
  {
    g_autoptr (GdkContentProvider) local_content =
        gdk_content_provider_new_typed (OP_TYPE_FILE_PANE, op_files_view_get_local_pane (fixture.view));

    g_assert_false (_op_files_view_is_remote_drag (fixture.view, local_content));
  }

  /* A copy of a drop two days ago, and one of an hour ago: the old one goes when the
   * next drop asks for its list, the recent one stays. */
  old_dir = g_build_filename (g_get_user_cache_dir (), "outpost", "drag", "old-drop", NULL);
  recent_dir = g_build_filename (g_get_user_cache_dir (), "outpost", "drag", "recent-drop", NULL);
  for (guint i = 0; i < 2; i++)
    {
      const char *dir = i == 0 ? old_dir : recent_dir;
      g_autofree char *copy = g_build_filename (dir, "copy.txt", NULL);
      gint64 when = g_get_real_time () / G_USEC_PER_SEC - (i == 0 ? 2 * 24 * 3600 : 3600);
      struct utimbuf times = { .actime = when, .modtime = when };

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_assert_true (g_file_set_contents (copy, "dropped\n", -1, NULL));
      g_assert_cmpint (utime (dir, &times), ==, 0);
    }

  stream = g_memory_output_stream_new_resizable ();
  gdk_content_provider_write_mime_type_async (content, "text/uri-list", stream, G_PRIORITY_DEFAULT,
                                              NULL, op_ui_test_store_result, &result);
  g_assert_true (gdk_content_provider_write_mime_type_finish (content, op_ui_test_wait_result (&result),
                                                              &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (stream, NULL, NULL));
  text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (stream)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (stream)));
  uris = g_uri_list_extract_uris (text);
  g_assert_cmpuint (g_strv_length (uris), ==, 2);
  for (guint i = 0; uris[i] != NULL; i++)
    {
      g_autoptr (GFile) file = g_file_new_for_uri (uris[i]);
      g_autofree char *base = g_file_get_basename (file);
      g_autofree char *path = g_file_get_path (file);

      g_assert_true (g_str_equal (base, "data.txt") || g_str_equal (base, "file-link"));
      g_assert_true (file_has_content (path));
    }
  g_assert_true (op_ui_test_wait_for (path_gone, old_dir));
  g_assert_true (g_file_test (recent_dir, G_FILE_TEST_IS_DIR));
  fixture_tear_down (&fixture);
}

/* The label of the first item of @menu (or its sections and submenus) whose action is
 * @action, or NULL. */
static char *
menu_label_for (GMenuModel *menu,
                const char *action,
                const char *target)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *item_action = NULL;
      g_autoptr (GVariant) item_target = NULL;
      g_autoptr (GMenuLinkIter) links = NULL;
      GMenuModel *link;

      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &item_action)
          && g_strcmp0 (item_action, action) == 0)
        {
          item_target = g_menu_model_get_item_attribute_value (menu, i, G_MENU_ATTRIBUTE_TARGET, NULL);
          if (target == NULL || (item_target != NULL
                                 && g_strcmp0 (g_variant_get_string (item_target, NULL), target) == 0))
            {
              char *label = NULL;

              g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label);
              return label;
            }
        }
      links = g_menu_model_iterate_item_links (menu, i);
      while (g_menu_link_iter_get_next (links, NULL, &link))
        {
          char *found = menu_label_for (link, action, target);

          g_object_unref (link);
          if (found != NULL)
            return found;
        }
    }
  return NULL;
}

/* Bookmarks of a saved site: "Add Bookmark" keeps both panes' folders with the site in
 * the accounts file; the bookmark's menu item takes both panes back there. */
static void
test_bookmarks (void)
{
  Fixture fixture;
  g_autoptr (OpAccounts) reloaded = NULL;
  g_autoptr (GPtrArray) bookmarks = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *label = NULL;
  g_autofree char *remote_path = NULL;
  g_autofree char *other_local = NULL;
  GMenuModel *menu;
  OpFilePane *local;
  OpFtpBookmark *bookmark;
  PaneAt at;

  if (!fixture_set_up (&fixture))
    return;
  local = op_files_view_get_local_pane (fixture.view);
  menu = fixture.view->context_menu;
  g_assert_nonnull (menu_label_for (menu, "files.add-bookmark", NULL));
  /* A quick connection keeps no bookmarks. */
  gtk_widget_activate_action (GTK_WIDGET (fixture.view), "files.add-bookmark", NULL);
  bookmarks = op_ftp_site_dup_bookmarks (fixture.view->site);
  g_assert_cmpuint (bookmarks->len, ==, 0);
  g_clear_pointer (&bookmarks, g_ptr_array_unref);

  /* Saved in the accounts file, as the site manager does. */
  fixture.view->accounts = op_accounts_new_default ();
  op_accounts_add (fixture.view->accounts, fixture.view->site);
  g_assert_true (op_accounts_save (fixture.view->accounts, &error));
  g_assert_no_error (error);
  /* The menu follows a change of site; here the same session became a saved site. */
  g_object_set_data (G_OBJECT (fixture.view), "op-bookmarks-shown", NULL);
  _op_files_view_update_bookmarks (fixture.view);

  remote_path = g_strdup (op_file_pane_get_path (fixture.remote));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.view), "files.add-bookmark", NULL));
  label = menu_label_for (menu, "files.open-bookmark", remote_path);
  g_assert_cmpstr (label, ==, remote_path);
  /* Kept in the file (the save is scheduled: write it now, as quitting does). */
  g_assert_true (op_accounts_save (fixture.view->accounts, &error));
  g_assert_no_error (error);
  reloaded = op_accounts_new_default ();
  g_assert_true (op_accounts_load (reloaded, &error));
  g_assert_no_error (error);
  bookmarks = op_ftp_site_dup_bookmarks (op_accounts_lookup (reloaded, op_account_get_id (fixture.view->site)));
  g_assert_cmpuint (bookmarks->len, ==, 1);
  bookmark = g_ptr_array_index (bookmarks, 0);
  g_assert_cmpstr (bookmark->remote_dir, ==, remote_path);
  g_assert_cmpstr (bookmark->local_dir, ==, fixture.local_dir);

  /* Elsewhere on both sides, then back through the bookmark. */
  other_local = g_dir_make_tmp ("outpost-open-other-XXXXXX", &error);
  g_assert_no_error (error);
  {
    g_autoptr (GFile) other = g_file_new_for_path (other_local);
    op_files_view_set_local_folder (fixture.view, other);
  }
  gtk_widget_activate_action (GTK_WIDGET (fixture.remote), "pane.go-to", "s", "/");
  at.pane = fixture.remote;
  at.suffix = "/";
  at.row = fixture.remote_name;
  g_assert_true (op_ui_test_wait_for (pane_at, &at));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.view), "files.open-bookmark", "s",
                                             remote_path));
  at.suffix = fixture.remote_name;
  at.row = "data.txt";
  g_assert_true (op_ui_test_wait_for (pane_at, &at));
  at.pane = local;
  at.suffix = fixture.local_dir;
  at.row = NULL;
  g_assert_true (op_ui_test_wait_for (pane_at, &at));
  g_assert_cmpint (g_rmdir (other_local), ==, 0);

  /* Renamed through its dialog: refused while empty or another bookmark's name; the
   * menu and the file follow. */
  g_clear_pointer (&label, g_free);
  label = menu_label_for (menu, "files.rename-bookmark", remote_path);
  g_assert_cmpstr (label, ==, remote_path);
  op_ftp_site_set_bookmark (fixture.view->site, "Other", NULL, "/");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.view), "files.rename-bookmark",
                                             "s", remote_path));
  {
    GtkWindow *dialog = op_ui_test_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG, TRUE);
    GtkEditable *entry;

    g_assert_nonnull (dialog);
    entry = GTK_EDITABLE (op_ui_test_find_type (GTK_WIDGET (dialog), GTK_TYPE_ENTRY));
    g_assert_cmpstr (gtk_editable_get_text (entry), ==, remote_path);
    gtk_editable_set_text (entry, "");
    g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "rename"));
    gtk_editable_set_text (entry, "Other");
    g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "rename"));
    gtk_editable_set_text (entry, "Project «A»");
    g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "rename"));
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "rename");
    gtk_window_destroy (dialog);
  }
  g_assert_true (op_ftp_site_remove_bookmark (fixture.view->site, "Other"));
  g_clear_pointer (&label, g_free);
  label = menu_label_for (menu, "files.open-bookmark", "Project «A»");
  g_assert_cmpstr (label, ==, "Project «A»");
  g_assert_null (menu_label_for (menu, "files.open-bookmark", remote_path));
  g_assert_true (op_accounts_save (fixture.view->accounts, &error));
  g_assert_no_error (error);
  g_clear_object (&reloaded);
  g_clear_pointer (&bookmarks, g_ptr_array_unref);
  reloaded = op_accounts_new_default ();
  g_assert_true (op_accounts_load (reloaded, &error));
  g_assert_no_error (error);
  bookmarks = op_ftp_site_dup_bookmarks (op_accounts_lookup (reloaded, op_account_get_id (fixture.view->site)));
  g_assert_cmpuint (bookmarks->len, ==, 1);
  bookmark = g_ptr_array_index (bookmarks, 0);
  g_assert_cmpstr (bookmark->name, ==, "Project «A»");
  g_assert_cmpstr (bookmark->remote_dir, ==, remote_path);
  g_assert_cmpstr (bookmark->local_dir, ==, fixture.local_dir);

  /* Removed from the menu and from the file. */
  g_clear_pointer (&label, g_free);
  label = menu_label_for (menu, "files.remove-bookmark", "Project «A»");
  g_assert_cmpstr (label, ==, "Project «A»");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.view), "files.remove-bookmark",
                                             "s", "Project «A»"));
  g_assert_null (menu_label_for (menu, "files.open-bookmark", "Project «A»"));
  g_assert_null (menu_label_for (menu, "files.remove-bookmark", "Project «A»"));
  g_assert_true (op_accounts_save (fixture.view->accounts, &error));
  g_assert_no_error (error);
  g_clear_object (&reloaded);
  g_clear_pointer (&bookmarks, g_ptr_array_unref);
  reloaded = op_accounts_new_default ();
  g_assert_true (op_accounts_load (reloaded, &error));
  g_assert_no_error (error);
  bookmarks = op_ftp_site_dup_bookmarks (op_accounts_lookup (reloaded, op_account_get_id (fixture.view->site)));
  g_assert_cmpuint (bookmarks->len, ==, 0);
  fixture_tear_down (&fixture);
}

/* The preferences row and the setting follow each other; the default is download. */
static void
test_double_click_preference (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *page;
  AdwComboRow *row;

  _op_ui_ensure_resources ();
  page = g_object_ref_sink (op_files_preferences_page_new (NULL, settings));
  row = ADW_COMBO_ROW (op_ui_test_find_type (page, ADW_TYPE_COMBO_ROW));

  g_assert_nonnull (row);
  g_assert_cmpstr (g_settings_get_string (settings, "remote-file-double-click"), ==, "download");
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 0);
  adw_combo_row_set_selected (row, 1);
  g_assert_cmpstr (g_settings_get_string (settings, "remote-file-double-click"), ==, "view-edit");
  adw_combo_row_set_selected (row, 2);
  g_assert_cmpstr (g_settings_get_string (settings, "remote-file-double-click"), ==, "nothing");
  g_settings_set_string (settings, "remote-file-double-click", "download");
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 0);
  g_object_unref (page);
}

int
main (int    argc,
      char **argv)
{
  op_ui_test_init (&argc, &argv);
  g_test_add_func ("/files/open/double-click-preference", test_double_click_preference);
  g_test_add_func ("/files/open/double-click-download", test_double_click_download);
  g_test_add_func ("/files/open/double-click-view-edit", test_double_click_view_edit);
  g_test_add_func ("/files/open/double-click-nothing", test_double_click_nothing);
  g_test_add_func ("/files/open/drop-onto-folder-row", test_drop_onto_folder_row);
  g_test_add_func ("/files/open/drag-out", test_drag_out);
  g_test_add_func ("/files/open/bookmarks", test_bookmarks);
  return op_ui_test_run ();
}
