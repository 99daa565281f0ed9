/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include "op-file-pane.h"
#include "op-file-row.h"
#include "op-ui-test-utils.h"

/* --- rows ------------------------------------------------------------------------------ */

static OpFtpEntry *
ftp_entry (const char     *name,
           OpFtpEntryType  type,
           gint64          size,
           gint64          mtime,
           int             mode,
           const char     *owner)
{
  OpFtpEntry *entry = op_ftp_entry_new ();

  entry->name = g_strdup (name);
  entry->wire_name = g_strdup (name);
  entry->type = type;
  entry->size = size;
  entry->mtime = mtime;
  entry->time_precision = mtime != 0 ? OP_FTP_TIME_SECOND : OP_FTP_TIME_NONE;
  entry->mode = mode;
  entry->owner = g_strdup (owner);
  return entry;
}

static OpFileRow *
row (const char     *name,
     OpFtpEntryType  type,
     gint64          size,
     gint64          mtime,
     int             mode,
     const char     *owner)
{
  g_autoptr (OpFtpEntry) entry = ftp_entry (name, type, size, mtime, mode, owner);

  return op_file_row_new_from_ftp_entry (entry);
}

static void
test_row_from_ftp_entry (void)
{
  g_autoptr (OpFtpEntry) entry = ftp_entry ("Report.PDF", OP_FTP_ENTRY_FILE, 123456,
                                            1700000000, 0644, "ann");
  g_autoptr (OpFtpEntry) dir = ftp_entry ("pub", OP_FTP_ENTRY_DIRECTORY, 4096, 0, 0755, NULL);
  g_autoptr (OpFtpEntry) gbk = ftp_entry ("文件.txt", OP_FTP_ENTRY_FILE, 0, 0, -1, NULL);
  g_autoptr (OpFtpEntry) link = ftp_entry ("current", OP_FTP_ENTRY_SYMLINK, 7, 0, 0777, NULL);
  g_autoptr (OpFileRow) file_row = NULL;
  g_autoptr (OpFileRow) dir_row = NULL;
  g_autoptr (OpFileRow) gbk_row = NULL;
  g_autoptr (OpFileRow) link_row = NULL;
  g_autofree char *size = NULL;
  g_autofree char *perms = NULL;
  g_autofree char *dir_size = NULL;
  g_autofree char *dir_type = NULL;
  g_autofree char *no_perms = NULL;

  entry->group = g_strdup ("staff");
  file_row = op_file_row_new_from_ftp_entry (entry);
  g_assert_cmpstr (op_file_row_get_name (file_row), ==, "Report.PDF");
  g_assert_false (op_file_row_is_directory (file_row));
  g_assert_false (op_file_row_is_hidden (file_row));
  g_assert_cmpint (op_file_row_get_size (file_row), ==, 123456);
  g_assert_cmpint (op_file_row_get_mtime (file_row), ==, 1700000000);
  g_assert_cmpint (op_file_row_get_mode (file_row), ==, 0644);
  g_assert_cmpstr (op_file_row_get_owner (file_row), ==, "ann");
  g_assert_cmpstr (op_file_row_get_group (file_row), ==, "staff");
  /* The type is guessed from the name (the bytes are on the server), case-blind. */
  g_assert_cmpstr (op_file_row_get_content_type (file_row), ==, "application/pdf");
  g_assert_nonnull (op_file_row_get_icon (file_row));
  size = op_file_row_format_size (file_row);
  g_assert_cmpstr (size, ==, "123.5\u00a0kB");
  perms = op_file_row_format_permissions (file_row);
  g_assert_cmpstr (perms, ==, "rw-r--r--");

  /* A folder's listed size (the directory inode's) means nothing to a user. */
  dir_row = op_file_row_new_from_ftp_entry (dir);
  g_assert_true (op_file_row_is_directory (dir_row));
  g_assert_cmpint (op_file_row_get_size (dir_row), ==, -1);
  dir_size = op_file_row_format_size (dir_row);
  g_assert_cmpstr (dir_size, ==, "");
  dir_type = op_file_row_format_type (dir_row);
  g_assert_cmpstr (dir_type, ==, "Folder");
  g_assert_cmpstr (op_file_row_get_content_type (dir_row), ==, "inode/directory");

  /* A type the MIME database cannot name ("unknown") is named by its extension. */
  {
    g_autoptr (OpFileRow) bin = row ("firmware.bin", OP_FTP_ENTRY_FILE, 1, 0, 0644, NULL);
    g_autoptr (OpFileRow) bare = row ("zz-no-such-type-q", OP_FTP_ENTRY_FILE, 1, 0, 0644, NULL);
    g_autofree char *bin_type = op_file_row_format_type (bin);
    g_autofree char *bare_type = op_file_row_format_type (bare);

    g_assert_cmpstr (bin_type, ==, "BIN file");
    g_assert_cmpstr (bare_type, ==, "File");
  }

  /* The wire bytes are what commands use; a UTF-8 name is its own wire name. */
  gbk_row = op_file_row_new_from_ftp_entry (gbk);
  g_assert_cmpstr (op_file_row_get_wire_name (gbk_row), ==, "文件.txt");
  no_perms = op_file_row_format_permissions (gbk_row);
  g_assert_cmpstr (no_perms, ==, "");

  link_row = op_file_row_new_from_ftp_entry (link);
  g_assert_true (op_file_row_is_symlink (link_row));
  g_assert_false (op_file_row_is_directory (link_row));
}

static void
test_row_from_file_info (void)
{
  g_autoptr (GFileInfo) info = g_file_info_new ();
  g_autoptr (GFileInfo) dir_info = g_file_info_new ();
  g_autoptr (GFileInfo) hidden_info = g_file_info_new ();
  g_autoptr (OpFileRow) file_row = NULL;
  g_autoptr (OpFileRow) dir_row = NULL;
  g_autoptr (OpFileRow) hidden_row = NULL;

  g_file_info_set_name (info, "notes.txt");
  g_file_info_set_display_name (info, "notes.txt");
  g_file_info_set_file_type (info, G_FILE_TYPE_REGULAR);
  g_file_info_set_size (info, 2048);
  g_file_info_set_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED, 1600000000);
  g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE, 0100600);
  g_file_info_set_attribute_string (info, G_FILE_ATTRIBUTE_OWNER_USER, "bob");
  g_file_info_set_content_type (info, "text/plain");
  file_row = op_file_row_new_from_file_info (info);
  g_assert_cmpstr (op_file_row_get_name (file_row), ==, "notes.txt");
  g_assert_cmpint (op_file_row_get_size (file_row), ==, 2048);
  g_assert_cmpint (op_file_row_get_mtime (file_row), ==, 1600000000);
  /* Only the permission bits, not the file type bits of st_mode. */
  g_assert_cmpint (op_file_row_get_mode (file_row), ==, 0600);
  g_assert_cmpstr (op_file_row_get_owner (file_row), ==, "bob");
  g_assert_cmpstr (op_file_row_get_content_type (file_row), ==, "text/plain");

  /* A name that is not UTF-8 on disk: shown by its display name, addressed by its own. */
  g_file_info_set_name (dir_info, "caf\xe9");
  g_file_info_set_display_name (dir_info, "caf\xef\xbf\xbd (invalid encoding)");
  g_file_info_set_file_type (dir_info, G_FILE_TYPE_DIRECTORY);
  dir_row = op_file_row_new_from_file_info (dir_info);
  g_assert_true (op_file_row_is_directory (dir_row));
  g_assert_cmpstr (op_file_row_get_name (dir_row), ==, "caf\xef\xbf\xbd (invalid encoding)");
  g_assert_cmpstr (op_file_row_get_wire_name (dir_row), ==, "caf\xe9");

  g_file_info_set_name (hidden_info, ".profile");
  g_file_info_set_file_type (hidden_info, G_FILE_TYPE_REGULAR);
  hidden_row = op_file_row_new_from_file_info (hidden_info);
  g_assert_true (op_file_row_is_hidden (hidden_row));
}

static void
test_mode_strings (void)
{
  struct { int mode; const char *text; } cases[] = {
    { 0755, "rwxr-xr-x" }, { 0644, "rw-r--r--" }, { 0, "---------" },
    { 04755, "rwsr-xr-x" }, { 02750, "rwxr-s---" }, { 01777, "rwxrwxrwt" },
    { 01666, "rw-rw-rwT" }, { -1, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = op_file_mode_to_string (cases[i].mode);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

/* --- the pane's model: sorting, filter, hidden files --------------------------------- */

/* Filtering and sorting run on a worker thread: wait for the result. */
static void
wait_for_list (OpFilePane *pane)
{
  while (op_file_pane_is_sorting (pane))
    g_main_context_iteration (NULL, TRUE);
}

static OpFilePane *
pane_with_rows (void)
{
  OpFilePane *pane = g_object_ref_sink (g_object_new (OP_TYPE_FILE_PANE, "title", "Remote", NULL));
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);

  /*                   name            type                     size   mtime  mode   owner */
  g_ptr_array_add (rows, row ("b.txt",       OP_FTP_ENTRY_FILE,      300,  30,   0600, "carol"));
  g_ptr_array_add (rows, row ("Zeta",        OP_FTP_ENTRY_DIRECTORY, -1,   10,   0755, "ann"));
  g_ptr_array_add (rows, row ("a10.png",     OP_FTP_ENTRY_FILE,      100,  50,   0644, "bob"));
  g_ptr_array_add (rows, row ("a9.png",      OP_FTP_ENTRY_FILE,      200,  40,   0640, "ann"));
  g_ptr_array_add (rows, row ("alpha",       OP_FTP_ENTRY_DIRECTORY, -1,   20,   0700, "bob"));
  g_ptr_array_add (rows, row (".hidden",     OP_FTP_ENTRY_FILE,      5,    60,   0600, "ann"));
  g_ptr_array_add (rows, row (".config",     OP_FTP_ENTRY_DIRECTORY, -1,   70,   0700, "ann"));
  op_file_pane_set_listing (pane, "/pub", rows);
  wait_for_list (pane);

  return pane;
}

static char *
shown_names (OpFilePane *pane)
{
  GListModel *shown = op_file_pane_get_shown_model (pane);
  g_autoptr (GString) names = g_string_new (NULL);

  wait_for_list (pane);
  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr (OpFileRow) r = g_list_model_get_item (shown, i);

      if (names->len > 0)
        g_string_append_c (names, ' ');
      g_string_append (names, op_file_row_get_name (r));
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

#define assert_shown(pane, expected)                     \
  G_STMT_START {                                         \
    g_autofree char *names_ = shown_names (pane);        \
    g_assert_cmpstr (names_, ==, expected);              \
  } G_STMT_END

static void
test_sort_folders_first (void)
{
  g_autoptr (OpFilePane) pane = pane_with_rows ();

  /* By name (the default): folders first, natural order ("a9" before "a10"), case-blind;
   * hidden files are not shown. */
  assert_shown (pane, "alpha Zeta a9.png a10.png b.txt");
  op_file_pane_sort_by (pane, OP_FILE_COLUMN_NAME, GTK_SORT_DESCENDING);
  /* Descending still keeps folders first. */
  assert_shown (pane, "Zeta alpha b.txt a10.png a9.png");

  op_file_pane_sort_by (pane, OP_FILE_COLUMN_SIZE, GTK_SORT_ASCENDING);
  assert_shown (pane, "alpha Zeta a10.png a9.png b.txt");
  op_file_pane_sort_by (pane, OP_FILE_COLUMN_SIZE, GTK_SORT_DESCENDING);
  assert_shown (pane, "Zeta alpha b.txt a9.png a10.png");

  op_file_pane_sort_by (pane, OP_FILE_COLUMN_MODIFIED, GTK_SORT_ASCENDING);
  assert_shown (pane, "Zeta alpha b.txt a9.png a10.png");
  op_file_pane_sort_by (pane, OP_FILE_COLUMN_MODIFIED, GTK_SORT_DESCENDING);
  assert_shown (pane, "alpha Zeta a10.png a9.png b.txt");

  op_file_pane_sort_by (pane, OP_FILE_COLUMN_PERMISSIONS, GTK_SORT_ASCENDING);
  assert_shown (pane, "alpha Zeta b.txt a9.png a10.png");

  op_file_pane_sort_by (pane, OP_FILE_COLUMN_OWNER, GTK_SORT_ASCENDING);
  assert_shown (pane, "Zeta alpha a9.png a10.png b.txt");

  /* By type: one kind of file together (image/png before text/plain), then by name. */
  op_file_pane_sort_by (pane, OP_FILE_COLUMN_TYPE, GTK_SORT_ASCENDING);
  assert_shown (pane, "alpha Zeta a9.png a10.png b.txt");
  op_file_pane_sort_by (pane, OP_FILE_COLUMN_TYPE, GTK_SORT_DESCENDING);
  assert_shown (pane, "Zeta alpha b.txt a10.png a9.png");
}

static void
test_filter_and_hidden (void)
{
  g_autoptr (OpFilePane) pane = pane_with_rows ();

  /* As-you-type, anywhere in the name, ignoring case. */
  op_file_pane_set_filter_text (pane, "A");
  assert_shown (pane, "alpha Zeta a9.png a10.png");
  op_file_pane_set_filter_text (pane, "PNG");
  assert_shown (pane, "a9.png a10.png");
  op_file_pane_set_filter_text (pane, "nothing like it");
  assert_shown (pane, "");
  wait_for_list (pane);
  g_assert_cmpstr (op_file_pane_get_status (pane), ==, "0 folders, 0 files, 0 bytes");

  op_file_pane_set_filter_text (pane, NULL);
  assert_shown (pane, "alpha Zeta a9.png a10.png b.txt");
  g_assert_cmpstr (op_file_pane_get_status (pane), ==, "2 folders, 3 files, 600 bytes");

  op_file_pane_set_show_hidden (pane, TRUE);
  assert_shown (pane, ".config alpha Zeta .hidden a9.png a10.png b.txt");
  g_assert_cmpstr (op_file_pane_get_status (pane), ==, "3 folders, 4 files, 605 bytes");

  /* The filter and hidden files together. */
  op_file_pane_set_filter_text (pane, "hid");
  assert_shown (pane, ".hidden");
  op_file_pane_set_show_hidden (pane, FALSE);
  assert_shown (pane, "");
}

static void
test_new_listing_replaces (void)
{
  g_autoptr (OpFilePane) pane = pane_with_rows ();
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  const char * const *history;

  op_file_pane_set_filter_text (pane, "png");
  g_ptr_array_add (rows, row ("only.png", OP_FTP_ENTRY_FILE, 1, 1, 0644, NULL));
  g_ptr_array_add (rows, row ("other", OP_FTP_ENTRY_FILE, 1, 1, 0644, NULL));
  op_file_pane_set_listing (pane, "/pub/sub", rows);

  /* Another folder starts unfiltered and lands in the history, most recent first. */
  assert_shown (pane, "only.png other");
  g_assert_cmpstr (op_file_pane_get_path (pane), ==, "/pub/sub");
  history = op_file_pane_get_history (pane);
  g_assert_cmpstr (history[0], ==, "/pub/sub");
  g_assert_cmpstr (history[1], ==, "/pub");
  g_assert_null (history[2]);

  /* Selecting by name (after a rename or a new folder). */
  wait_for_list (pane);
  op_file_pane_select_name (pane, "other");
  {
    g_autoptr (GPtrArray) selection = op_file_pane_dup_selection (pane);
    g_assert_cmpuint (selection->len, ==, 1);
    g_assert_cmpstr (op_file_row_get_name (g_ptr_array_index (selection, 0)), ==, "other");
  }
}

typedef struct
{
  guint changes;
  guint last_n_items;
  gboolean replaced_from_top;   /* every change replaced the whole model */
} Changes;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Changes    *c)
{
  if (position != 0 || removed != c->last_n_items || added < removed)
    c->replaced_from_top = FALSE;
  c->last_n_items = added;
  c->changes++;
}

/* A 100,000-entry folder is sorted off the main loop, then announced in a few steps
 * (GTK 4.8 builds 200 rows of widgets for a new model at once): each step replaces the
 * whole model with a longer prefix, and the last one holds everything. */
static void
test_big_listing (void)
{
  g_autoptr (OpFilePane) pane = g_object_ref_sink (g_object_new (OP_TYPE_FILE_PANE, NULL));
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  GtkWidget *window = gtk_window_new ();
  gint64 start, before, worst = 0, stall;
  Changes changes = { 0, 0, TRUE };

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (pane));
  gtk_window_present (GTK_WINDOW (window));
  op_ui_test_iterate ();

  for (guint i = 0; i < 100000; i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%06u.dat", (i * 7919) % 100000);
      g_ptr_array_add (rows, row (name, i % 100 == 0 ? OP_FTP_ENTRY_DIRECTORY : OP_FTP_ENTRY_FILE,
                                  i, i, 0644, "ann"));
    }

  g_signal_connect (op_file_pane_get_shown_model (pane), "items-changed",
                    G_CALLBACK (on_items_changed), &changes);
  start = g_get_monotonic_time ();
  op_file_pane_set_listing (pane, "/big", rows);
  stall = g_get_monotonic_time () - start;
  g_test_message ("set_listing() of 100,000 rows returned after %.1f ms", stall / 1e3);
  while (op_file_pane_is_sorting (pane))
    {
      before = g_get_monotonic_time ();
      g_main_context_iteration (NULL, TRUE);
      worst = MAX (worst, g_get_monotonic_time () - before);
    }
  g_test_message ("sorted after %.3f s; the longest main-loop iteration took %.1f ms",
                  (g_get_monotonic_time () - start) / 1e6, worst / 1e3);

  g_assert_cmpuint (g_list_model_get_n_items (op_file_pane_get_shown_model (pane)), ==, 100000);
  g_assert_true (changes.replaced_from_top);
  g_assert_cmpuint (changes.changes, >, 1);
  g_assert_cmpuint (changes.changes, <=, 5);
  g_assert_cmpuint (changes.last_n_items, ==, 100000);
  {
    g_autoptr (OpFileRow) first = g_list_model_get_item (op_file_pane_get_shown_model (pane), 0);
    g_autoptr (OpFileRow) last = g_list_model_get_item (op_file_pane_get_shown_model (pane), 99999);
    g_assert_true (op_file_row_is_directory (first));
    g_assert_cmpstr (op_file_row_get_name (first), ==, "file-000000.dat");
    g_assert_false (op_file_row_is_directory (last));
    g_assert_cmpstr (op_file_row_get_name (last), ==, "file-099999.dat");
  }
  g_assert_cmpstr (op_file_pane_get_status (pane), ==, "1000 folders, 99000 files, 5.0\u00a0GB");
  /* The sort runs on a worker thread: handing 100,000 rows over takes milliseconds
   * (sorting them on the main thread took over half a second). The longest iteration
   * (swapping the rows in and laying out the view) depends on the machine's load; the
   * benchmark in tests/bench prints it against a real server. */
  g_assert_cmpint (stall, <, 100000);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  op_ui_test_init (&argc, &argv);

  g_test_add_func ("/files/row/from-ftp-entry", test_row_from_ftp_entry);
  g_test_add_func ("/files/row/from-file-info", test_row_from_file_info);
  g_test_add_func ("/files/row/mode-strings", test_mode_strings);
  g_test_add_func ("/files/pane/sort-folders-first-by-each-column", test_sort_folders_first);
  g_test_add_func ("/files/pane/filter-and-hidden", test_filter_and_hidden);
  g_test_add_func ("/files/pane/new-listing-replaces", test_new_listing_replaces);
  g_test_add_func ("/files/pane/big-listing", test_big_listing);

  return op_ui_test_run ();
}
