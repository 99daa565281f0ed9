/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

/* Folders side by side: the comparison of one local and one remote entry (size, date with
 * its tolerance and the listings' precision, kinds), and mirror plans both ways, folder
 * by folder, with and without deletion. */

#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>

#include "op-sync-plan.h"

#define T0 1700000000

static OpSyncFacts
file_facts (gint64 size, gint64 mtime, OpFtpTimePrecision precision)
{
  OpSyncFacts facts = { OP_SYNC_KIND_FILE, size, mtime, precision };
  return facts;
}

static OpSyncRules
rules_with (OpSyncCriteria criteria)
{
  OpSyncRules rules;

  op_sync_rules_init_default (&rules);
  rules.criteria = criteria;
  return rules;
}

static void
test_compare_only_one_side (void)
{
  OpSyncFacts f = file_facts (1, T0, OP_FTP_TIME_SECOND);
  OpSyncRules rules = rules_with (OP_SYNC_BY_SIZE | OP_SYNC_BY_DATE);

  g_assert_cmpint (op_sync_compare (&f, NULL, &rules), ==, OP_SYNC_ONLY_LOCAL);
  g_assert_cmpint (op_sync_compare (NULL, &f, &rules), ==, OP_SYNC_ONLY_REMOTE);
  g_assert_cmpint (op_sync_compare (&f, &f, &rules), ==, OP_SYNC_SAME);
  g_assert_cmpstr (op_sync_status_to_string (OP_SYNC_REMOTE_NEWER), ==, "remote-newer");
}

static void
test_compare_size (void)
{
  OpSyncFacts small = file_facts (10, T0, OP_FTP_TIME_SECOND);
  OpSyncFacts large = file_facts (11, T0, OP_FTP_TIME_SECOND);
  OpSyncFacts zero = file_facts (0, T0, OP_FTP_TIME_SECOND);
  OpSyncFacts unknown = file_facts (-1, T0, OP_FTP_TIME_SECOND);
  OpSyncRules by_size = rules_with (OP_SYNC_BY_SIZE);
  OpSyncRules by_date = rules_with (OP_SYNC_BY_DATE);

  g_assert_cmpint (op_sync_compare (&small, &large, &by_size), ==, OP_SYNC_SIZE_DIFFERS);
  /* Zero is a size like any other; unknown is not "different". */
  g_assert_cmpint (op_sync_compare (&zero, &small, &by_size), ==, OP_SYNC_SIZE_DIFFERS);
  g_assert_cmpint (op_sync_compare (&zero, &zero, &by_size), ==, OP_SYNC_SAME);
  g_assert_cmpint (op_sync_compare (&unknown, &small, &by_size), ==, OP_SYNC_SAME);
  g_assert_cmpint (op_sync_compare (&zero, &unknown, &by_size), ==, OP_SYNC_SAME);
  /* Sizes are not looked at when only dates are compared. */
  g_assert_cmpint (op_sync_compare (&small, &large, &by_date), ==, OP_SYNC_SAME);
}

static void
test_compare_date_tolerance (void)
{
  OpSyncRules by_date = rules_with (OP_SYNC_BY_DATE);
  OpSyncFacts local = file_facts (5, T0, OP_FTP_TIME_SECOND);
  OpSyncFacts remote;

  /* Seconds on both sides (MLSD): the tolerance alone. */
  remote = file_facts (5, T0 - OP_SYNC_DEFAULT_TOLERANCE, OP_FTP_TIME_SECOND);
  g_assert_cmpint (op_sync_compare (&local, &remote, &by_date), ==, OP_SYNC_SAME);
  remote.mtime = T0 - OP_SYNC_DEFAULT_TOLERANCE - 1;
  g_assert_cmpint (op_sync_compare (&local, &remote, &by_date), ==, OP_SYNC_LOCAL_NEWER);
  remote.mtime = T0 + OP_SYNC_DEFAULT_TOLERANCE + 1;
  g_assert_cmpint (op_sync_compare (&local, &remote, &by_date), ==, OP_SYNC_REMOTE_NEWER);

  /* LIST's "12:34" for a file written at 12:34:59 is the same file, not an older one. */
  by_date.tolerance = 0;
  remote = file_facts (5, T0 - 59, OP_FTP_TIME_MINUTE);
  g_assert_cmpint (op_sync_compare (&local, &remote, &by_date), ==, OP_SYNC_SAME);
  remote.mtime = T0 - 60;
  g_assert_cmpint (op_sync_compare (&local, &remote, &by_date), ==, OP_SYNC_LOCAL_NEWER);
  remote.mtime = T0 + 60;
  g_assert_cmpint (op_sync_compare (&local, &remote, &by_date), ==, OP_SYNC_REMOTE_NEWER);

  /* "Jan 5 2019": the whole day. */
  remote = file_facts (5, T0 - 12 * 3600, OP_FTP_TIME_DAY);
  g_assert_cmpint (op_sync_compare (&local, &remote, &by_date), ==, OP_SYNC_SAME);
  remote.mtime = T0 - 86400;
  g_assert_cmpint (op_sync_compare (&local, &remote, &by_date), ==, OP_SYNC_LOCAL_NEWER);

  /* No date at all: never newer, whatever the numbers say. */
  remote = file_facts (5, 1, OP_FTP_TIME_NONE);
  g_assert_cmpint (op_sync_compare (&local, &remote, &by_date), ==, OP_SYNC_SAME);
}

static void
test_compare_remote_offset (void)
{
  OpSyncRules by_date = rules_with (OP_SYNC_BY_DATE);
  OpSyncFacts local = file_facts (5, T0, OP_FTP_TIME_SECOND);
  /* A server two hours ahead shows its local time as if it were UTC. */
  OpSyncFacts remote = file_facts (5, T0 + 2 * 3600, OP_FTP_TIME_MINUTE);

  g_assert_cmpint (op_sync_compare (&local, &remote, &by_date), ==, OP_SYNC_REMOTE_NEWER);
  by_date.remote_offset = -2 * 3600;
  g_assert_cmpint (op_sync_compare (&local, &remote, &by_date), ==, OP_SYNC_SAME);
}

static void
test_compare_newer_wins_over_size (void)
{
  OpSyncRules both = rules_with (OP_SYNC_BY_SIZE | OP_SYNC_BY_DATE);
  OpSyncFacts local = file_facts (5, T0, OP_FTP_TIME_SECOND);
  OpSyncFacts remote = file_facts (6, T0 + 3600, OP_FTP_TIME_SECOND);

  g_assert_cmpint (op_sync_compare (&local, &remote, &both), ==, OP_SYNC_REMOTE_NEWER);
  remote.mtime = T0;
  g_assert_cmpint (op_sync_compare (&local, &remote, &both), ==, OP_SYNC_SIZE_DIFFERS);
}

static void
test_compare_kinds (void)
{
  OpSyncRules rules = rules_with (OP_SYNC_BY_SIZE | OP_SYNC_BY_DATE);
  OpSyncFacts file = file_facts (5, T0, OP_FTP_TIME_SECOND);
  OpSyncFacts folder = { OP_SYNC_KIND_FOLDER, -1, T0, OP_FTP_TIME_SECOND };
  OpSyncFacts other_folder = { OP_SYNC_KIND_FOLDER, 4096, T0 + 86400 * 9, OP_FTP_TIME_MINUTE };
  OpSyncFacts link = { OP_SYNC_KIND_SYMLINK, 11, T0, OP_FTP_TIME_MINUTE };
  OpSyncFacts other_link = { OP_SYNC_KIND_SYMLINK, 30, T0 - 86400, OP_FTP_TIME_MINUTE };

  g_assert_cmpint (op_sync_compare (&file, &folder, &rules), ==, OP_SYNC_KIND_DIFFERS);
  g_assert_cmpint (op_sync_compare (&folder, &file, &rules), ==, OP_SYNC_KIND_DIFFERS);
  g_assert_cmpint (op_sync_compare (&link, &file, &rules), ==, OP_SYNC_KIND_DIFFERS);
  /* Folders by their contents, links by name: dates and sizes do not count. */
  g_assert_cmpint (op_sync_compare (&folder, &other_folder, &rules), ==, OP_SYNC_SAME);
  g_assert_cmpint (op_sync_compare (&link, &other_link, &rules), ==, OP_SYNC_SAME);
}

/* Listings for the plans. */

static OpFtpEntry *
entry (const char *name, OpFtpEntryType type, gint64 size, gint64 mtime)
{
  OpFtpEntry *e = op_ftp_entry_new ();

  e->name = g_strdup (name);
  e->wire_name = g_strdup (name);
  e->type = type;
  e->size = size;
  e->mtime = mtime;
  e->time_precision = OP_FTP_TIME_SECOND;
  e->mode = -1;
  return e;
}

static GPtrArray *
listing (OpFtpEntry *first, ...)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) op_ftp_entry_free);
  va_list args;

  va_start (args, first);
  for (OpFtpEntry *e = first; e != NULL; e = va_arg (args, OpFtpEntry *))
    g_ptr_array_add (entries, e);
  va_end (args);
  return entries;
}

/* "copy a.txt", "replace b", "delete dir/", "skip l (reason)": one line per step. */
static char *
describe (OpSyncPlan *plan)
{
  static const char *actions[] = { "copy", "replace", "delete", "skip" };
  GString *out = g_string_new (NULL);
  GPtrArray *steps = op_sync_plan_get_steps (plan);

  for (guint i = 0; i < steps->len; i++)
    {
      OpSyncStep *step = g_ptr_array_index (steps, i);

      g_string_append_printf (out, "%s %s%s\n", actions[step->action],
                              op_sync_plan_get_direction (plan) == OP_SYNC_TO_REMOTE
                              ? step->remote_path
                              : step->local_path != NULL ? step->local_path : step->remote_path,
                              step->is_folder ? "/" : "");
    }
  return g_string_free (out, FALSE);
}

static void
test_plan_upload (void)
{
  OpSyncRules rules = rules_with (OP_SYNC_BY_SIZE | OP_SYNC_BY_DATE);
  g_autoptr(OpSyncPlan) plan = op_sync_plan_new (OP_SYNC_TO_REMOTE, &rules, FALSE, FALSE);
  g_autoptr(OpSyncFolder) root = op_sync_folder_new_root ();
  g_autoptr(GPtrArray) local = listing (
    entry ("new.txt", OP_FTP_ENTRY_FILE, 10, T0),
    entry ("changed.txt", OP_FTP_ENTRY_FILE, 20, T0),
    entry ("older-here.txt", OP_FTP_ENTRY_FILE, 30, T0 - 3600),
    entry ("same.txt", OP_FTP_ENTRY_FILE, 0, T0),
    entry ("newdir", OP_FTP_ENTRY_DIRECTORY, -1, T0),
    entry ("both", OP_FTP_ENTRY_DIRECTORY, -1, T0),
    entry (".hidden", OP_FTP_ENTRY_FILE, 1, T0),
    NULL);
  g_autoptr(GPtrArray) remote = listing (
    entry ("changed.txt", OP_FTP_ENTRY_FILE, 21, T0),
    entry ("older-here.txt", OP_FTP_ENTRY_FILE, 30, T0),
    entry ("same.txt", OP_FTP_ENTRY_FILE, 0, T0),
    entry ("extra.txt", OP_FTP_ENTRY_FILE, 5, T0),
    entry ("both", OP_FTP_ENTRY_DIRECTORY, 4096, T0 + 99),
    NULL);
  g_autoptr(GPtrArray) next = op_sync_plan_add_folder (plan, root, local, remote);
  g_autofree char *text = describe (plan);
  OpSyncFolder *sub;

  /* Nothing only the server has goes without deletion asked for; hidden files stay out;
   * a mirror replaces a target that is newer too. */
  g_assert_cmpstr (text, ==,
                   "replace changed.txt\n"
                   "copy new.txt\n"
                   "copy newdir/\n"
                   "replace older-here.txt\n");
  g_assert_cmpuint (op_sync_plan_count (plan, OP_SYNC_ACTION_COPY), ==, 2);
  g_assert_cmpuint (op_sync_plan_count (plan, OP_SYNC_ACTION_REPLACE), ==, 2);
  g_assert_cmpuint (op_sync_plan_count (plan, OP_SYNC_ACTION_DELETE), ==, 0);
  g_assert_cmpuint (op_sync_plan_get_bytes (plan), ==, 20 + 10 + 30);

  /* The folder both have is looked into next, and its steps carry its path. */
  g_assert_cmpuint (next->len, ==, 1);
  sub = g_ptr_array_index (next, 0);
  g_assert_cmpstr (sub->local_path, ==, "both");
  g_assert_cmpstr (sub->remote_path, ==, "both");
  {
    g_autoptr(GPtrArray) sub_local = listing (entry ("deep", OP_FTP_ENTRY_DIRECTORY, -1, T0),
                                              entry ("x", OP_FTP_ENTRY_FILE, 1, T0), NULL);
    g_autoptr(GPtrArray) sub_remote = listing (entry ("deep", OP_FTP_ENTRY_DIRECTORY, -1, T0),
                                               NULL);
    g_autoptr(GPtrArray) deeper = op_sync_plan_add_folder (plan, sub, sub_local, sub_remote);
    OpSyncStep *last = g_ptr_array_index (op_sync_plan_get_steps (plan), 4);

    g_assert_cmpuint (deeper->len, ==, 1);
    g_assert_cmpstr (((OpSyncFolder *) g_ptr_array_index (deeper, 0))->remote_path, ==,
                     "both/deep");
    g_assert_cmpint (last->action, ==, OP_SYNC_ACTION_COPY);
    g_assert_cmpstr (last->local_path, ==, "both/x");
    g_assert_cmpstr (last->remote_path, ==, "both/x");
    g_assert_cmpint (last->status, ==, OP_SYNC_ONLY_LOCAL);
  }
}

static void
test_plan_download_with_delete (void)
{
  OpSyncRules rules = rules_with (OP_SYNC_BY_SIZE);
  g_autoptr(OpSyncPlan) plan = op_sync_plan_new (OP_SYNC_TO_LOCAL, &rules, TRUE, TRUE);
  g_autoptr(OpSyncFolder) root = op_sync_folder_new_root ();
  g_autoptr(GPtrArray) local = listing (
    entry ("extra.txt", OP_FTP_ENTRY_FILE, 5, T0),
    entry ("extradir", OP_FTP_ENTRY_DIRECTORY, -1, T0),
    entry ("was-a-file", OP_FTP_ENTRY_FILE, 5, T0),
    entry (".profile", OP_FTP_ENTRY_FILE, 3, T0),
    entry ("same", OP_FTP_ENTRY_FILE, 7, T0 - 86400 * 30),
    NULL);
  g_autoptr(GPtrArray) remote = listing (
    entry ("was-a-file", OP_FTP_ENTRY_DIRECTORY, -1, T0),
    entry (".profile", OP_FTP_ENTRY_FILE, 4, T0),
    entry ("same", OP_FTP_ENTRY_FILE, 7, T0),
    entry ("empty", OP_FTP_ENTRY_FILE, 0, T0),
    NULL);
  g_autoptr(GPtrArray) next = op_sync_plan_add_folder (plan, root, local, remote);
  g_autofree char *text = describe (plan);

  /* Dates do not count by size alone; hidden files take part when asked; the file in
   * the way of a folder goes first. */
  g_assert_cmpstr (text, ==,
                   "replace .profile\n"
                   "copy empty\n"
                   "delete extra.txt\n"
                   "delete extradir/\n"
                   "delete was-a-file\n"
                   "copy was-a-file/\n");
  g_assert_cmpuint (next->len, ==, 0);
  g_assert_cmpuint (op_sync_plan_count (plan, OP_SYNC_ACTION_DELETE), ==, 3);
  g_assert_cmpuint (op_sync_plan_get_bytes (plan), ==, 4);
}

static void
test_plan_kind_conflict_without_delete (void)
{
  OpSyncRules rules = rules_with (OP_SYNC_BY_SIZE);
  g_autoptr(OpSyncPlan) plan = op_sync_plan_new (OP_SYNC_TO_REMOTE, &rules, FALSE, FALSE);
  g_autoptr(OpSyncFolder) root = op_sync_folder_new_root ();
  g_autoptr(GPtrArray) local = listing (entry ("docs", OP_FTP_ENTRY_DIRECTORY, -1, T0), NULL);
  g_autoptr(GPtrArray) remote = listing (entry ("docs", OP_FTP_ENTRY_FILE, 9, T0), NULL);
  g_autoptr(GPtrArray) next = op_sync_plan_add_folder (plan, root, local, remote);
  OpSyncStep *step;

  g_assert_cmpuint (op_sync_plan_get_steps (plan)->len, ==, 1);
  step = g_ptr_array_index (op_sync_plan_get_steps (plan), 0);
  g_assert_cmpint (step->action, ==, OP_SYNC_ACTION_SKIP);
  g_assert_cmpint (step->status, ==, OP_SYNC_KIND_DIFFERS);
  g_assert_cmpstr (step->reason, ==,
                   "A file of this name is in the way (deleting was not asked for)");
  g_assert_cmpuint (next->len, ==, 0);
}

static void
test_plan_symlinks_and_unsafe_names (void)
{
  OpSyncRules rules = rules_with (OP_SYNC_BY_SIZE | OP_SYNC_BY_DATE);
  g_autoptr(OpSyncPlan) plan = op_sync_plan_new (OP_SYNC_TO_LOCAL, &rules, FALSE, TRUE);
  g_autoptr(OpSyncFolder) root = op_sync_folder_new_root ();
  g_autoptr(GPtrArray) local = listing (
    entry ("mylink", OP_FTP_ENTRY_SYMLINK, -1, T0),
    entry ("linked", OP_FTP_ENTRY_FILE, 3, T0),
    NULL);
  g_autoptr(GPtrArray) remote = listing (
    entry ("up", OP_FTP_ENTRY_SYMLINK, 2, T0),
    entry ("linked", OP_FTP_ENTRY_SYMLINK, 6, T0),
    entry ("..", OP_FTP_ENTRY_DIRECTORY, -1, T0),
    entry ("a\\b", OP_FTP_ENTRY_FILE, 1, T0),
    entry ("fifo", OP_FTP_ENTRY_OTHER, 0, T0),
    NULL);
  g_autoptr(GPtrArray) next = op_sync_plan_add_folder (plan, root, local, remote);
  GPtrArray *steps = op_sync_plan_get_steps (plan);
  OpSyncStep *step;

  /* A remote name with a backslash is made safe ("a_b"); "..": never. A link is never
   * copied, replaced or deleted, on either side. */
  g_assert_cmpuint (steps->len, ==, 5);
  step = g_ptr_array_index (steps, 0);
  g_assert_cmpint (step->action, ==, OP_SYNC_ACTION_COPY);
  g_assert_cmpstr (step->local_path, ==, "a_b");
  g_assert_cmpstr (step->remote_path, ==, "a\\b");
  step = g_ptr_array_index (steps, 1);
  g_assert_cmpint (step->action, ==, OP_SYNC_ACTION_SKIP);
  g_assert_cmpstr (step->remote_path, ==, "fifo");
  g_assert_cmpstr (step->reason, ==, "Not a file or a folder");
  step = g_ptr_array_index (steps, 2);
  g_assert_cmpint (step->action, ==, OP_SYNC_ACTION_SKIP);
  g_assert_cmpstr (step->remote_path, ==, "linked");
  g_assert_cmpstr (step->reason, ==, "Links are not followed");
  step = g_ptr_array_index (steps, 3);
  g_assert_cmpint (step->action, ==, OP_SYNC_ACTION_SKIP);
  g_assert_cmpstr (step->local_path, ==, "mylink");
  step = g_ptr_array_index (steps, 4);
  g_assert_cmpint (step->action, ==, OP_SYNC_ACTION_SKIP);
  g_assert_cmpstr (step->remote_path, ==, "up");
  g_assert_cmpuint (next->len, ==, 0);
}

static void
test_entry_from_file_info (void)
{
  g_autofree char *dir = g_dir_make_tmp ("op-sync-XXXXXX", NULL);
  g_autofree char *file_path = g_build_filename (dir, "data.bin", NULL);
  g_autofree char *link_path = g_build_filename (dir, "link", NULL);
  g_autoptr(GFile) dir_file = g_file_new_for_path (dir);
  g_autoptr(GFile) file = g_file_new_for_path (file_path);
  g_autoptr(GFile) link = g_file_new_for_path (link_path);
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(OpFtpEntry) e = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (file_path, "12345", 5, NULL));
  g_assert_true (g_file_make_symbolic_link (link, "data.bin", NULL, &error));
  g_assert_no_error (error);

  info = g_file_query_info (file, OP_SYNC_LOCAL_ATTRIBUTES, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                            NULL, &error);
  g_assert_no_error (error);
  e = op_sync_entry_from_file_info (info);
  g_assert_cmpstr (e->name, ==, "data.bin");
  g_assert_cmpint (e->type, ==, OP_FTP_ENTRY_FILE);
  g_assert_cmpint (e->size, ==, 5);
  g_assert_cmpint (e->time_precision, ==, OP_FTP_TIME_SECOND);
  g_assert_cmpint (e->mtime, >, T0);
  g_clear_object (&info);
  g_clear_pointer (&e, op_ftp_entry_free);

  info = g_file_query_info (link, OP_SYNC_LOCAL_ATTRIBUTES, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                            NULL, &error);
  g_assert_no_error (error);
  e = op_sync_entry_from_file_info (info);
  g_assert_cmpint (e->type, ==, OP_FTP_ENTRY_SYMLINK);
  g_clear_object (&info);

  info = g_file_query_info (dir_file, OP_SYNC_LOCAL_ATTRIBUTES,
                            G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&e, op_ftp_entry_free);
  e = op_sync_entry_from_file_info (info);
  g_assert_cmpint (e->type, ==, OP_FTP_ENTRY_DIRECTORY);
  g_assert_cmpint (e->size, ==, -1);

  g_unlink (link_path);
  g_unlink (file_path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync/compare/only-one-side", test_compare_only_one_side);
  g_test_add_func ("/sync/compare/size", test_compare_size);
  g_test_add_func ("/sync/compare/date-tolerance", test_compare_date_tolerance);
  g_test_add_func ("/sync/compare/remote-offset", test_compare_remote_offset);
  g_test_add_func ("/sync/compare/newer-wins-over-size", test_compare_newer_wins_over_size);
  g_test_add_func ("/sync/compare/kinds", test_compare_kinds);
  g_test_add_func ("/sync/plan/upload", test_plan_upload);
  g_test_add_func ("/sync/plan/download-with-delete", test_plan_download_with_delete);
  g_test_add_func ("/sync/plan/kind-conflict-without-delete",
                   test_plan_kind_conflict_without_delete);
  g_test_add_func ("/sync/plan/symlinks-and-unsafe-names", test_plan_symlinks_and_unsafe_names);
  g_test_add_func ("/sync/local-entry/from-file-info", test_entry_from_file_info);

  return g_test_run ();
}
