/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

/* A site's bookmarks (local + remote folder pairs): kept with the site through a save and
 * a load of the accounts file, whatever the paths hold; replaced by name; removed; a
 * damaged value reads as none. */

#include "config.h"

#include <locale.h>

#include "op-accounts.h"
#include "op-ftp-bookmarks.h"
#include "op-ftp-site.h"
#include "op-profile.h"

static OpFtpBookmark *
bookmark_at (GPtrArray *bookmarks,
             guint      i)
{
  g_assert_cmpuint (i, <, bookmarks->len);
  return g_ptr_array_index (bookmarks, i);
}

static guint
n_bookmarks (OpAccount *site)
{
  g_autoptr (GPtrArray) bookmarks = op_ftp_site_dup_bookmarks (site);

  return bookmarks->len;
}

static void
test_round_trip (void)
{
  g_autofree char *dir = op_profile_config_dir ();
  g_autofree char *path = g_build_filename (dir, "accounts.ini", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (OpAccounts) accounts = op_accounts_new (file);
  g_autoptr (OpAccounts) reloaded = op_accounts_new (file);
  g_autoptr (OpAccount) site = op_ftp_site_new ();
  g_autoptr (GPtrArray) bookmarks = NULL;
  g_autoptr (GError) error = NULL;
  /* Quotes, a semicolon, a new line, a tab, non-ASCII: none of them may break the file. */
  const char *odd_local = "/home/anna/it's; \"odd\"\n\tfolder/文件";
  const char *odd_remote = "/pub/[x], (y) 'z'";
  OpAccount *back;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  op_account_set_name (site, "Mirror");
  op_account_set_host (site, "ftp.example.org");
  g_assert_cmpuint (n_bookmarks (site), ==, 0);
  op_ftp_site_set_bookmark (site, "Site", "/home/anna/site", "/var/www");
  op_ftp_site_set_bookmark (site, "Odd", odd_local, odd_remote);
  op_ftp_site_set_bookmark (site, "Remote only", NULL, "/pub");
  op_accounts_add (accounts, site);
  g_assert_true (op_accounts_save (accounts, &error));
  g_assert_no_error (error);
  g_assert_true (op_accounts_load (reloaded, &error));
  g_assert_no_error (error);

  back = op_accounts_lookup (reloaded, op_account_get_id (site));
  g_assert_nonnull (back);
  bookmarks = op_ftp_site_dup_bookmarks (back);
  g_assert_cmpuint (bookmarks->len, ==, 3);
  g_assert_cmpstr (bookmark_at (bookmarks, 0)->name, ==, "Site");
  g_assert_cmpstr (bookmark_at (bookmarks, 0)->local_dir, ==, "/home/anna/site");
  g_assert_cmpstr (bookmark_at (bookmarks, 0)->remote_dir, ==, "/var/www");
  g_assert_cmpstr (bookmark_at (bookmarks, 1)->local_dir, ==, odd_local);
  g_assert_cmpstr (bookmark_at (bookmarks, 1)->remote_dir, ==, odd_remote);
  g_assert_null (bookmark_at (bookmarks, 2)->local_dir);
  g_assert_cmpstr (bookmark_at (bookmarks, 2)->remote_dir, ==, "/pub");
  g_clear_pointer (&bookmarks, g_ptr_array_unref);

  /* The same name replaces the folders, in place. */
  op_ftp_site_set_bookmark (back, "Site", "/srv/site", "/var/www/html");
  bookmarks = op_ftp_site_dup_bookmarks (back);
  g_assert_cmpuint (bookmarks->len, ==, 3);
  g_assert_cmpstr (bookmark_at (bookmarks, 0)->local_dir, ==, "/srv/site");
  g_assert_cmpstr (bookmark_at (bookmarks, 0)->remote_dir, ==, "/var/www/html");
  g_clear_pointer (&bookmarks, g_ptr_array_unref);

  /* Removing: by name; the last one takes the key with it. */
  g_assert_false (op_ftp_site_remove_bookmark (back, "No such"));
  g_assert_true (op_ftp_site_remove_bookmark (back, "Odd"));
  g_assert_true (op_ftp_site_remove_bookmark (back, "Site"));
  g_assert_true (op_ftp_site_remove_bookmark (back, "Remote only"));
  g_assert_cmpuint (n_bookmarks (back), ==, 0);
  g_assert_null (op_account_get_extra (back, "bookmarks"));
}

/* Renaming keeps the folders and the place in the list, survives the file, and refuses
 * an empty name, a name another bookmark has, and a bookmark that is not there. */
static void
test_rename (void)
{
  g_autofree char *dir = op_profile_config_dir ();
  g_autofree char *path = g_build_filename (dir, "accounts.ini", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (OpAccounts) accounts = op_accounts_new (file);
  g_autoptr (OpAccounts) reloaded = op_accounts_new (file);
  g_autoptr (OpAccount) site = op_ftp_site_new ();
  g_autoptr (GPtrArray) bookmarks = NULL;
  g_autoptr (GError) error = NULL;
  OpAccount *back;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  op_account_set_name (site, "Mirror");
  op_ftp_site_set_bookmark (site, "/var/www", "/home/anna/site", "/var/www");
  op_ftp_site_set_bookmark (site, "/pub", NULL, "/pub");
  op_ftp_site_set_bookmark (site, "Logs", "/tmp", "/var/log");

  g_assert_false (op_ftp_site_rename_bookmark (site, "/var/www", ""));
  g_assert_false (op_ftp_site_rename_bookmark (site, "/var/www", "/pub"));
  g_assert_false (op_ftp_site_rename_bookmark (site, "No such", "Anything"));
  g_assert_false (op_ftp_site_bookmark_name_is_free (site, "/var/www", "Logs"));
  g_assert_true (op_ftp_site_bookmark_name_is_free (site, "/var/www", "/var/www"));
  g_assert_true (op_ftp_site_bookmark_name_is_free (site, NULL, "Web site"));
  g_assert_false (op_ftp_site_bookmark_name_is_free (site, NULL, "Logs"));
  /* The same name again is no change, and no error. */
  g_assert_true (op_ftp_site_rename_bookmark (site, "/pub", "/pub"));
  g_assert_true (op_ftp_site_rename_bookmark (site, "/var/www", "Web site «live»"));

  op_accounts_add (accounts, site);
  g_assert_true (op_accounts_save (accounts, &error));
  g_assert_no_error (error);
  g_assert_true (op_accounts_load (reloaded, &error));
  g_assert_no_error (error);
  back = op_accounts_lookup (reloaded, op_account_get_id (site));
  g_assert_nonnull (back);
  bookmarks = op_ftp_site_dup_bookmarks (back);
  g_assert_cmpuint (bookmarks->len, ==, 3);
  g_assert_cmpstr (bookmark_at (bookmarks, 0)->name, ==, "Web site «live»");
  g_assert_cmpstr (bookmark_at (bookmarks, 0)->local_dir, ==, "/home/anna/site");
  g_assert_cmpstr (bookmark_at (bookmarks, 0)->remote_dir, ==, "/var/www");
  g_assert_cmpstr (bookmark_at (bookmarks, 1)->name, ==, "/pub");
  g_assert_cmpstr (bookmark_at (bookmarks, 2)->name, ==, "Logs");
  /* The old name is free again. */
  g_assert_true (op_ftp_site_bookmark_name_is_free (back, NULL, "/var/www"));
}

static void
test_damaged_value (void)
{
  g_autoptr (OpAccount) site = op_ftp_site_new ();
  g_autoptr (GPtrArray) bookmarks = NULL;

  op_account_set_name (site, "Hand-edited");
  op_account_set_extra (site, "bookmarks", "[('unterminated', '/a'");
  bookmarks = op_ftp_site_dup_bookmarks (site);
  g_assert_cmpuint (bookmarks->len, ==, 0);
  /* Adding one starts afresh. */
  op_ftp_site_set_bookmark (site, "New", "/a", "/b");
  g_clear_pointer (&bookmarks, g_ptr_array_unref);
  bookmarks = op_ftp_site_dup_bookmarks (site);
  g_assert_cmpuint (bookmarks->len, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/ftp-bookmarks/survive-the-accounts-file", test_round_trip);
  g_test_add_func ("/ftp-bookmarks/rename-in-place", test_rename);
  g_test_add_func ("/ftp-bookmarks/damaged-value-reads-as-none", test_damaged_value);
  return g_test_run ();
}
