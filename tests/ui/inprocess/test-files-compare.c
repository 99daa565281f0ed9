/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

/* Folders side by side in the Files view, against the scripted FTP server
 * (tests/support/op-test-ftp-server.h, MLSD: dates to the second): folder comparison
 * marks the rows of both panes (class, word after the name, accessible description),
 * by size and/or date; synchronised browsing makes the same move in the other pane and
 * turns itself off, saying so, when the other side has no such folder. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "op-files-view.h"
#include "op-files-view-private.h"
#include "op-sync-dialog.h"
#include "op-test-ftp-server.h"
#include "op-ui-test-utils.h"
#include "op-window.h"

#define MTIME OP_TEST_FTP_SERVER_MTIME
/* The words as shown (the screens are also taken in Chinese). */
#define T(s) g_dgettext (GETTEXT_PACKAGE, s)

typedef struct
{
  OpTestFtpServer *server;
  char            *local;      /* the local folder compared with /pub */
  OpWindow        *window;
  OpFilesView     *view;
} Fixture;

static void
write_file (const char *dir,
            const char *name,
            const char *content,
            gint64      mtime)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, content, -1, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_attribute_uint64 (file, G_FILE_ATTRIBUTE_TIME_MODIFIED, mtime,
                                              G_FILE_QUERY_INFO_NONE, NULL, &error));
  g_assert_no_error (error);
}

static void
remove_tree (GFile *file)
{
  g_autoptr (GFileEnumerator) children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                                                    G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                                                                    NULL, NULL);
  GFileInfo *info;

  while (children != NULL
         && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autoptr (GFile) child = g_file_get_child (file, g_file_info_get_name (info));
      remove_tree (child);
      g_object_unref (info);
    }
  g_file_delete (file, NULL, NULL);
}

static gboolean
remote_listed_at (gpointer data)
{
  Fixture *f = data;
  const char *path = op_file_pane_get_path (op_files_view_get_remote_pane (f->view));

  return g_strcmp0 (path, g_object_get_data (G_OBJECT (f->view), "want-remote")) == 0
         && !op_file_pane_is_sorting (op_files_view_get_remote_pane (f->view));
}

static gboolean
local_listed_at (gpointer data)
{
  Fixture *f = data;
  const char *path = op_file_pane_get_path (op_files_view_get_local_pane (f->view));

  return g_strcmp0 (path, g_object_get_data (G_OBJECT (f->view), "want-local")) == 0
         && !op_file_pane_is_sorting (op_files_view_get_local_pane (f->view));
}

static void
wait_remote (Fixture    *f,
             const char *path)
{
  g_object_set_data_full (G_OBJECT (f->view), "want-remote", g_strdup (path), g_free);
  g_assert_true (op_ui_test_wait_for (remote_listed_at, f));
}

static void
wait_local (Fixture    *f,
            const char *path)
{
  g_object_set_data_full (G_OBJECT (f->view), "want-local", g_strdup (path), g_free);
  g_assert_true (op_ui_test_wait_for (local_listed_at, f));
}

static int
window_width (void)
{
  const char *width = g_getenv ("OUTPOST_TEST_SHOTS_WIDTH");

  return width != NULL ? atoi (width) : 1200;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *port = NULL;
  g_autofree char *sub = NULL;
  GtkDropDown *protocol;
  const char *features[] = { "MLST type*;size*;modify*;", "EPSV", "PASV", "SIZE", "MDTM",
                             "REST STREAM", "UTF8", NULL };

  f->server = op_test_ftp_server_new ();
  op_test_ftp_server_set_features (f->server, features);
  op_test_ftp_server_add_file (f->server, "/pub/same.txt", "12345", 5);
  op_test_ftp_server_add_file (f->server, "/pub/bigger.txt", "1234567890", 10);
  op_test_ftp_server_add_file (f->server, "/pub/newer-there.txt", "abc", 3);
  op_test_ftp_server_add_file (f->server, "/pub/remote-only.txt", "r", 1);
  op_test_ftp_server_add_folder (f->server, "/pub/sub/deep");
  op_test_ftp_server_start (f->server, &error);
  g_assert_no_error (error);

  f->local = g_dir_make_tmp ("op-compare-XXXXXX", &error);
  g_assert_no_error (error);
  write_file (f->local, "same.txt", "12345", MTIME);
  write_file (f->local, "bigger.txt", "12345", MTIME);
  write_file (f->local, "newer-there.txt", "xyz", MTIME - 3600);
  write_file (f->local, "local-only.txt", "l", MTIME);
  sub = g_build_filename (f->local, "sub", "deep", NULL);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
  g_free (sub);
  sub = g_build_filename (f->local, "only-here-dir", NULL);
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);

  f->window = g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
  gtk_window_set_default_size (GTK_WINDOW (f->window), window_width (), 760);
  f->view = OP_FILES_VIEW (op_window_get_view (f->window, "files"));
  /* What AdwApplication loads from the resource base path in the real application: the
   * comparison's tints are there. */
  {
    g_autoptr (GtkCssProvider) provider = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (provider, "/io/github/outpost/Outpost/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (provider),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }
  gtk_window_present (GTK_WINDOW (f->window));
  op_ui_test_iterate ();
  {
    g_autoptr (GFile) local = g_file_new_for_path (f->local);
    op_files_view_set_local_folder (f->view, local);
  }
  wait_local (f, f->local);

  /* Anonymous, plain FTP (the scripted server has no TLS). */
  protocol = GTK_DROP_DOWN (op_ui_test_find_type (GTK_WIDGET (f->view), GTK_TYPE_DROP_DOWN));
  gtk_drop_down_set_selected (protocol, 2);
  op_ui_test_iterate ();
  port = g_strdup_printf ("%u", op_test_ftp_server_get_port (f->server));
  gtk_editable_set_text (op_ui_test_find_entry (GTK_WIDGET (f->view), T ("Host")), "127.0.0.1");
  gtk_editable_set_text (op_ui_test_find_entry (GTK_WIDGET (f->view), "21"), port);
  gtk_widget_activate_action (GTK_WIDGET (f->view), "files.connect", NULL);
  wait_remote (f, "/");
  g_signal_emit_by_name (op_files_view_get_remote_pane (f->view), "navigate", "/pub");
  wait_remote (f, "/pub");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr (GFile) local = g_file_new_for_path (f->local);

  gtk_window_destroy (GTK_WINDOW (f->window));
  g_object_unref (f->window);
  op_ui_test_iterate ();
  op_test_ftp_server_free (f->server);
  remove_tree (local);
  g_free (f->local);
}

typedef struct
{
  OpFilePane *pane;
  const char *name;
  OpFileMark  mark;
} MarkIs;

static gboolean
mark_is (gpointer data)
{
  MarkIs *m = data;
  return op_file_pane_get_mark (m->pane, m->name) == m->mark;
}

static void
assert_mark (OpFilePane *pane,
             const char *name,
             OpFileMark  mark)
{
  MarkIs m = { pane, name, mark };

  if (!op_ui_test_wait_for (mark_is, &m))
    g_error ("%s in %s: mark %d, not %d", name, op_file_pane_get_title (pane),
             op_file_pane_get_mark (pane, name), mark);
}

/* The row widget that shows @name in @pane (bound: on screen). */
static GtkWidget *
row_widget (OpFilePane *pane,
            const char *name)
{
  GtkLabel *label = op_ui_test_find_label (GTK_WIDGET (pane), name);
  GtkWidget *box, *cell;

  g_assert_nonnull (label);
  box = gtk_widget_get_parent (GTK_WIDGET (label));
  cell = gtk_widget_get_parent (box);
  return gtk_widget_get_parent (cell);
}

static void
assert_badge (OpFilePane *pane,
              const char *name,
              const char *word)
{
  GtkLabel *label = op_ui_test_find_label (GTK_WIDGET (pane), name);
  GtkWidget *badge = gtk_widget_get_last_child (gtk_widget_get_parent (GTK_WIDGET (label)));

  if (word == NULL)
    g_assert_false (gtk_widget_get_visible (badge));
  else
    {
      g_assert_true (gtk_widget_get_visible (badge));
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (badge)), ==, word);
    }
}

static void
test_compare (Fixture       *f,
              gconstpointer  data)
{
  OpFilePane *local = op_files_view_get_local_pane (f->view);
  OpFilePane *remote = op_files_view_get_remote_pane (f->view);
  gboolean comparing = FALSE;

  /* Off until asked: nothing marked. */
  g_assert_cmpint (op_file_pane_get_mark (local, "local-only.txt"), ==, OP_FILE_MARK_NONE);
  gtk_widget_activate_action (GTK_WIDGET (f->view), "files.compare", NULL);
  g_object_get (f->view, "comparing", &comparing, NULL);
  g_assert_true (comparing);

  assert_mark (local, "local-only.txt", OP_FILE_MARK_ONLY_HERE);
  assert_mark (local, "only-here-dir", OP_FILE_MARK_ONLY_HERE);
  assert_mark (remote, "remote-only.txt", OP_FILE_MARK_ONLY_HERE);
  assert_mark (local, "same.txt", OP_FILE_MARK_NONE);
  assert_mark (remote, "same.txt", OP_FILE_MARK_NONE);
  assert_mark (local, "bigger.txt", OP_FILE_MARK_SIZE_DIFFERS);
  assert_mark (remote, "bigger.txt", OP_FILE_MARK_SIZE_DIFFERS);
  /* Same size, the server's an hour later: newer there, older here. */
  assert_mark (local, "newer-there.txt", OP_FILE_MARK_OLDER);
  assert_mark (remote, "newer-there.txt", OP_FILE_MARK_NEWER);
  assert_mark (local, "sub", OP_FILE_MARK_NONE);
  op_ui_test_iterate ();

  /* Not by colour only: a class for the tint, a word after the name, and what a screen
   * reader hears. */
  g_assert_true (gtk_widget_has_css_class (row_widget (local, "local-only.txt"),
                                           "compare-only-here"));
  g_assert_true (gtk_widget_has_css_class (row_widget (remote, "newer-there.txt"),
                                           "compare-newer"));
  g_assert_false (gtk_widget_has_css_class (row_widget (local, "same.txt"),
                                            "compare-only-here"));
  assert_badge (local, "local-only.txt", T ("Only here"));
  assert_badge (local, "newer-there.txt", T ("Older"));
  assert_badge (remote, "newer-there.txt", T ("Newer"));
  assert_badge (remote, "bigger.txt", T ("Different size"));
  assert_badge (local, "same.txt", NULL);
  op_ui_test_shoot ("files-compare");

  /* By size only: the dates no longer count. */
  g_object_set (f->view, "compare-dates", FALSE, NULL);
  assert_mark (local, "newer-there.txt", OP_FILE_MARK_NONE);
  assert_mark (local, "bigger.txt", OP_FILE_MARK_SIZE_DIFFERS);
  op_ui_test_iterate ();
  assert_badge (local, "newer-there.txt", NULL);
  /* By date only (turning sizes off too would leave nothing: dates come back on). */
  g_object_set (f->view, "compare-sizes", FALSE, NULL);
  {
    gboolean dates = FALSE;
    g_object_get (f->view, "compare-dates", &dates, NULL);
    g_assert_true (dates);
  }
  assert_mark (local, "bigger.txt", OP_FILE_MARK_NONE);
  assert_mark (local, "newer-there.txt", OP_FILE_MARK_OLDER);

  /* Off again: every mark goes. */
  gtk_widget_activate_action (GTK_WIDGET (f->view), "files.compare", NULL);
  assert_mark (local, "local-only.txt", OP_FILE_MARK_NONE);
  assert_mark (remote, "remote-only.txt", OP_FILE_MARK_NONE);
  op_ui_test_iterate ();
  g_assert_false (gtk_widget_has_css_class (row_widget (local, "local-only.txt"),
                                            "compare-only-here"));
}

static void
test_sync_browsing (Fixture       *f,
                    gconstpointer  data)
{
  OpFilePane *local = op_files_view_get_local_pane (f->view);
  OpFilePane *remote = op_files_view_get_remote_pane (f->view);
  g_autofree char *local_sub = g_build_filename (f->local, "sub", NULL);
  g_autofree char *local_deep = g_build_filename (f->local, "sub", "deep", NULL);
  g_autofree char *local_only = g_build_filename (f->local, "only-here-dir", NULL);
  gboolean on = FALSE;

  gtk_widget_activate_action (GTK_WIDGET (f->view), "files.sync-browse", NULL);
  g_object_get (f->view, "sync-browsing", &on, NULL);
  g_assert_true (on);

  /* Into a folder here: the same folder there. */
  g_signal_emit_by_name (local, "navigate", local_sub);
  wait_local (f, local_sub);
  wait_remote (f, "/pub/sub");
  /* Into a folder there: the same folder here. */
  g_signal_emit_by_name (remote, "navigate", "/pub/sub/deep");
  wait_remote (f, "/pub/sub/deep");
  wait_local (f, local_deep);
  /* Up twice on one side: both are back where they started. */
  g_signal_emit_by_name (local, "go-up");
  wait_local (f, local_sub);
  wait_remote (f, "/pub/sub");
  g_signal_emit_by_name (remote, "go-up");
  wait_remote (f, "/pub");
  wait_local (f, f->local);
  g_object_get (f->view, "sync-browsing", &on, NULL);
  g_assert_true (on);

  /* A folder the server lacks: the local side goes, the remote says why, and
   * synchronised browsing turns itself off. */
  g_signal_emit_by_name (local, "navigate", local_only);
  wait_local (f, local_only);
  for (gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       on && g_get_monotonic_time () < end;)
    {
      op_ui_test_iterate ();
      g_object_get (f->view, "sync-browsing", &on, NULL);
    }
  g_assert_false (on);
  g_assert_cmpstr (op_file_pane_get_path (remote), ==, "/pub");
  /* Off, a move stays on its side. */
  g_signal_emit_by_name (local, "go-up");
  wait_local (f, f->local);
  op_ui_test_iterate ();
  g_assert_cmpstr (op_file_pane_get_path (remote), ==, "/pub");
}

typedef struct
{
  OpTestFtpServer *server;
  const char      *glob;
} Received;

static gboolean
received (gpointer data)
{
  Received *r = data;
  return op_test_ftp_server_received (r->server, r->glob);
}

/* Waits for a command line while the main loop (the queue) runs. */
static void
wait_received (Fixture    *f,
               const char *glob)
{
  Received r = { f->server, glob };

  if (!op_ui_test_wait_for (received, &r))
    g_error ("the server never got %s", glob);
}

static gboolean
dialog_ready (gpointer data)
{
  return op_sync_dialog_is_ready (data);
}

static gboolean
preview_has (OpSyncDialog *dialog,
             const char   *line)
{
  GListModel *preview = op_sync_dialog_get_preview (dialog);

  for (guint i = 0; i < g_list_model_get_n_items (preview); i++)
    {
      g_autoptr (GtkStringObject) item = g_list_model_get_item (preview, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), line) == 0)
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  OpTestFtpServer *server;
  const char      *path;
  const char      *content;
} ServerHas;

static gboolean
server_has (gpointer data)
{
  ServerHas *has = data;
  g_autoptr (GBytes) bytes = op_test_ftp_server_dup_file (has->server, has->path);

  if (has->content == NULL)
    return bytes == NULL;
  return bytes != NULL && g_bytes_get_size (bytes) == strlen (has->content)
         && memcmp (g_bytes_get_data (bytes, NULL), has->content, strlen (has->content)) == 0;
}

static void
wait_server_has (Fixture    *f,
                 const char *path,
                 const char *content)
{
  ServerHas has = { f->server, path, content };

  if (!op_ui_test_wait_for (server_has, &has))
    g_error ("%s on the server is not %s", path, content != NULL ? content : "gone");
}

/* The dialog: a preview of what would happen, the same after a change of options, then
 * the deletion on the browsing session and one queue batch for the copies. */
static void
test_synchronise (Fixture       *f,
                  gconstpointer  data)
{
  OpSyncDialog *dialog;
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);

  /* The scripted server serves one connection at a time: one queue session. */
  g_settings_set_uint (settings, "transfer-max-parallel", 1);
  gtk_widget_activate_action (GTK_WIDGET (f->view), "files.synchronize", NULL);
  dialog = OP_SYNC_DIALOG (op_ui_test_wait_for_toplevel (OP_TYPE_SYNC_DIALOG, TRUE));
  g_assert_nonnull (dialog);
  g_assert_true (op_ui_test_wait_for (dialog_ready, dialog));
  /* Local → remote by size and date; nothing deleted unless asked. */
  {
    g_autofree char *byte = g_format_size (1);
    g_autofree char *bytes3 = g_format_size (3);
    g_autofree char *bytes5 = g_format_size (5);
    g_autofree char *bytes9 = g_format_size (9);
    g_autofree char *copy = g_strdup_printf (T ("Copy “%s” (%s)"), "local-only.txt", byte);
    g_autofree char *folder = g_strdup_printf (T ("Copy the folder “%s”"), "only-here-dir");
    g_autofree char *replace = g_strdup_printf (T ("Replace “%s” (%s)"), "bigger.txt", bytes5);
    g_autofree char *replace_older = g_strdup_printf (T ("Replace “%s” (%s)"), "newer-there.txt",
                                                      bytes3);
    g_autofree char *delete = g_strdup_printf (T ("Delete “%s”"), "remote-only.txt");
    g_autofree char *summary = g_strdup_printf (T ("%u to copy, %u to replace, %u to delete, %s to transfer"),
                                                2, 2, 0, bytes9);

    g_assert_true (preview_has (dialog, copy));
    g_assert_true (preview_has (dialog, folder));
    g_assert_true (preview_has (dialog, replace));
    g_assert_true (preview_has (dialog, replace_older));
    g_assert_false (preview_has (dialog, delete));
    g_assert_cmpuint (g_list_model_get_n_items (op_sync_dialog_get_preview (dialog)), ==, 4);
    g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (dialog), summary));

    op_sync_dialog_set_delete (dialog, TRUE);
    g_assert_true (op_ui_test_wait_for (dialog_ready, dialog));
    g_assert_true (preview_has (dialog, delete));
    g_assert_cmpuint (g_list_model_get_n_items (op_sync_dialog_get_preview (dialog)), ==, 5);
  }
  op_ui_test_shoot ("files-synchronise");

  gtk_widget_activate_action (GTK_WIDGET (dialog), "sync.apply", NULL);
  /* The deletion runs on the browsing session before anything is queued. */
  wait_server_has (f, "/pub/remote-only.txt", NULL);
  g_assert_null (op_ui_test_wait_for_toplevel (OP_TYPE_SYNC_DIALOG, FALSE));
  /* The queue batch starts: each file's target looked at, the new folder made. (The
   * transfers themselves, to the last byte, are core-sync-mirror-ftp's part, against
   * vsftpd.) */
  gtk_widget_activate_action (GTK_WIDGET (f->view), "files.disconnect", NULL);
  wait_received (f, "MLST /pub/local-only.txt");
  wait_received (f, "MLST /pub/bigger.txt");
  wait_received (f, "MLST /pub/newer-there.txt");
  wait_received (f, "MKD /pub/only-here-dir");
  g_assert_false (op_test_ftp_server_received (f->server, "MLST /pub/same.txt"));
  g_settings_reset (settings, "transfer-max-parallel");
}

static void
test_follow_path (void)
{
  struct { const char *from, *to, *other, *want; } cases[] = {
    { "/home/a", "/home/a/sub", "/pub", "/pub/sub" },
    { "/home/a/sub", "/home/a", "/pub/sub", "/pub" },
    { "/home/a/x", "/home/a/y", "/pub/x", "/pub/y" },
    { "/home/a", "/home/a", "/pub", "/pub" },
    { "/home/a", "/", "/pub", NULL },
    { "/home/a", "/home", "/", NULL },
    { "/", "/tmp/deep", "/", "/tmp/deep" },
    { "/home/a/b", "/home", "/x/y", "/" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = _op_files_view_follow_path (cases[i].from, cases[i].to,
                                                         cases[i].other);
      g_assert_cmpstr (got, ==, cases[i].want);
    }
}

int
main (int    argc,
      char **argv)
{
  op_ui_test_init (&argc, &argv);

  g_test_add_func ("/files/sync-browse/follow-path", test_follow_path);
  g_test_add ("/files/compare/marks-both-panes", Fixture, NULL, fixture_set_up, test_compare,
              fixture_tear_down);
  g_test_add ("/files/sync-browse/follows-and-stops", Fixture, NULL, fixture_set_up,
              test_sync_browsing, fixture_tear_down);
  g_test_add ("/files/synchronise/preview-then-queue", Fixture, NULL, fixture_set_up,
              test_synchronise, fixture_tear_down);

  return op_ui_test_run ();
}
