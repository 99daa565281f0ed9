/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include <locale.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "op-accounts.h"
#include "op-profile.h"
#include "op-secrets.h"
#include "op-test-util.h"

static GFile *
accounts_file (void)
{
  g_autofree char *dir = op_profile_config_dir ();
  g_autofree char *path = g_build_filename (dir, "accounts.ini", NULL);

  return g_file_new_for_path (path);
}

static char *
read_file (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));

  return contents;
}

static void
write_file (GFile      *file,
            const char *contents)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
}

static OpAccount *
make_ftp_site (void)
{
  OpAccount *account = op_account_new (OP_ACCOUNT_KIND_FTP, "mirror-1");

  op_account_set_name (account, "Mirror [primary]\nsecond line");
  op_account_set_host (account, "ftp.example.org");
  op_account_set_port (account, 2121);
  op_account_set_user (account, "anna");
  op_account_set_security (account, OP_SECURITY_IMPLICIT_TLS);
  op_account_set_extra (account, "remote-folder", "/pub/ outgoing ");

  return account;
}

static void
test_profile_folders (void)
{
  g_autofree char *config = op_profile_config_dir ();
  g_autofree char *data = op_profile_data_dir ();
  g_autofree char *cache = op_profile_cache_dir ();
  g_autofree char *expected = g_build_filename (g_get_user_config_dir (), "outpost", NULL);
  struct stat info;

  g_assert_cmpstr (config, ==, expected);
  g_assert_true (g_str_has_prefix (data, g_get_user_data_dir ()));
  g_assert_true (g_str_has_suffix (data, "/outpost"));
  g_assert_true (g_str_has_prefix (cache, g_get_user_cache_dir ()));
  g_assert_true (g_str_has_suffix (cache, "/outpost"));

  for (const char *dir = config; dir != NULL;
       dir = dir == config ? data : dir == data ? cache : NULL)
    {
      g_assert_cmpint (g_stat (dir, &info), ==, 0);
      g_assert_true (S_ISDIR (info.st_mode));
      g_assert_cmpint (info.st_mode & 0777, ==, 0700);
    }
}

static void
test_round_trip (void)
{
  g_autoptr(GFile) file = accounts_file ();
  g_autoptr(OpAccounts) accounts = op_accounts_new (file);
  g_autoptr(OpAccounts) reloaded = op_accounts_new (file);
  g_autoptr(OpAccount) site = make_ftp_site ();
  g_autoptr(OpAccount) mail = op_account_new (OP_ACCOUNT_KIND_MAIL, NULL);
  g_autoptr(OpAccount) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *contents = NULL;
  g_auto(GStrv) extras = NULL;
  OpAccount *found;
  struct stat info;

  g_assert_true (op_accounts_load (accounts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (accounts)), ==, 0);

  op_account_set_name (mail, "Work");
  op_account_set_host (mail, "imap.example.org");
  op_account_set_user (mail, "anna@example.org");
  op_account_set_security (mail, OP_SECURITY_NONE);
  op_account_set_allow_plaintext_password (mail, TRUE);
  op_account_set_extra (mail, "smtp-host", "smtp.example.org");
  op_account_set_extra (mail, "smtp-port", "587");

  op_accounts_add (accounts, site);
  op_accounts_add (accounts, mail);
  g_assert_true (op_accounts_save (accounts, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_stat (path, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0600);
  contents = read_file (file);
  g_test_message ("%s", contents);
  g_assert_true (g_str_has_prefix (contents, "[Outpost]\nversion=1\n"));
  g_assert_nonnull (strstr (contents, "[Account mirror-1]"));
  g_assert_nonnull (strstr (contents, "kind=ftp"));
  g_assert_nonnull (strstr (contents, "security=implicit"));
  g_assert_nonnull (strstr (contents, "allow-plaintext-password=true"));

  g_assert_true (op_accounts_load (reloaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, 2);

  /* In the order they were added. */
  copy = g_list_model_get_item (G_LIST_MODEL (reloaded), 0);
  g_assert_cmpstr (op_account_get_id (copy), ==, "mirror-1");
  g_assert_cmpint (op_account_get_kind (copy), ==, OP_ACCOUNT_KIND_FTP);
  g_assert_cmpstr (op_account_get_name (copy), ==, "Mirror [primary]\nsecond line");
  g_assert_cmpstr (op_account_get_host (copy), ==, "ftp.example.org");
  g_assert_cmpuint (op_account_get_port (copy), ==, 2121);
  g_assert_cmpstr (op_account_get_user (copy), ==, "anna");
  g_assert_cmpint (op_account_get_security (copy), ==, OP_SECURITY_IMPLICIT_TLS);
  g_assert_false (op_account_get_allow_plaintext_password (copy));
  g_assert_cmpstr (op_account_get_extra (copy, "remote-folder"), ==, "/pub/ outgoing ");

  found = op_accounts_lookup (reloaded, op_account_get_id (mail));
  g_assert_nonnull (found);
  g_assert_cmpint (op_account_get_kind (found), ==, OP_ACCOUNT_KIND_MAIL);
  g_assert_cmpstr (op_account_get_name (found), ==, "Work");
  g_assert_cmpuint (op_account_get_port (found), ==, 0);
  g_assert_cmpint (op_account_get_security (found), ==, OP_SECURITY_NONE);
  g_assert_true (op_account_get_allow_plaintext_password (found));
  extras = op_account_list_extra_keys (found);
  g_assert_cmpuint (g_strv_length (extras), ==, 2);
  g_assert_cmpstr (extras[0], ==, "smtp-host");
  g_assert_cmpstr (extras[1], ==, "smtp-port");
  g_assert_cmpstr (op_account_get_extra (found, "smtp-port"), ==, "587");
}

static void
test_remove (void)
{
  g_autoptr(GFile) file = accounts_file ();
  g_autoptr(OpAccounts) accounts = op_accounts_new (file);
  g_autoptr(OpAccounts) reloaded = op_accounts_new (file);
  g_autoptr(OpAccount) site = make_ftp_site ();
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  op_accounts_add (accounts, site);
  g_assert_true (op_accounts_save (accounts, &error));
  g_assert_true (op_accounts_remove (accounts, "mirror-1"));
  g_assert_false (op_accounts_remove (accounts, "mirror-1"));
  g_assert_true (op_accounts_save (accounts, &error));
  g_assert_no_error (error);

  contents = read_file (file);
  g_assert_null (strstr (contents, "mirror-1"));
  g_assert_true (op_accounts_load (reloaded, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, 0);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    data)
{
  GString *log = data;

  g_string_append_printf (log, "%u-%u+%u;", position, removed, added);
}

static void
test_list_model (void)
{
  g_autoptr(GFile) file = accounts_file ();
  g_autoptr(OpAccounts) accounts = op_accounts_new (file);
  g_autoptr(OpAccount) first = op_account_new (OP_ACCOUNT_KIND_NEWS, "a");
  g_autoptr(OpAccount) second = op_account_new (OP_ACCOUNT_KIND_CONSOLE, "b");
  g_autoptr(GString) log = g_string_new (NULL);

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (accounts)) == OP_TYPE_ACCOUNT);
  g_signal_connect (accounts, "items-changed", G_CALLBACK (on_items_changed), log);

  op_accounts_add (accounts, first);
  op_accounts_add (accounts, second);
  op_accounts_remove (accounts, "a");
  g_assert_cmpstr (log->str, ==, "0-0+1;1-0+1;0-1+0;");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (accounts), 1));

  /* A console endpoint starts without TLS; everything else with it. */
  g_assert_cmpint (op_account_get_security (second), ==, OP_SECURITY_NONE);
  g_assert_cmpint (op_account_get_security (first), ==, OP_SECURITY_STARTTLS);
}

static void
test_newer_version_refused (void)
{
  const char *newer =
    "[Outpost]\n"
    "version=2\n"
    "\n"
    "[Account a]\n"
    "kind=ftp\n"
    "host=ftp.example.org\n"
    "endpoints=ftp.example.org:21;ftp6.example.org:21\n";
  g_autoptr(GFile) file = accounts_file ();
  g_autoptr(OpAccounts) accounts = op_accounts_new (file);
  g_autoptr(OpAccount) site = make_ftp_site ();
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  write_file (file, newer);

  g_assert_false (op_accounts_load (accounts, &error));
  g_assert_error (error, OP_ACCOUNTS_ERROR, OP_ACCOUNTS_ERROR_NEWER_VERSION);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "newer version of Outpost"));
  g_assert_nonnull (strstr (error->message, "will not change the file"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (accounts)), ==, 0);
  g_clear_error (&error);

  /* Saving now would throw away what the newer version wrote. */
  op_accounts_add (accounts, site);
  g_assert_false (op_accounts_save (accounts, &error));
  g_assert_error (error, OP_ACCOUNTS_ERROR, OP_ACCOUNTS_ERROR_NOT_LOADED);
  after = read_file (file);
  g_assert_cmpstr (after, ==, newer);
}

static void
test_invalid_refused (void)
{
  const char *cases[] = {
    "this is not a key file\n",
    "[Account a]\nkind=ftp\n",                   /* no header */
    "[Outpost]\nversion=zero\n",
    "[Outpost]\nversion=0\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GFile) file = accounts_file ();
      g_autoptr(OpAccounts) accounts = op_accounts_new (file);
      g_autoptr(GError) error = NULL;
      g_autofree char *after = NULL;

      write_file (file, cases[i]);
      g_assert_false (op_accounts_load (accounts, &error));
      g_assert_error (error, OP_ACCOUNTS_ERROR, OP_ACCOUNTS_ERROR_INVALID);
      g_test_message ("%s", error->message);
      g_clear_error (&error);

      g_assert_false (op_accounts_save (accounts, &error));
      g_assert_error (error, OP_ACCOUNTS_ERROR, OP_ACCOUNTS_ERROR_NOT_LOADED);
      after = read_file (file);
      g_assert_cmpstr (after, ==, cases[i]);
    }
}

static void
test_unknown_content_survives (void)
{
  const char *original =
    "# written by hand\n"
    "[Outpost]\n"
    "version=1\n"
    "\n"
    "[Future]\n"
    "something=kept\n"
    "\n"
    "[Account gopher-1]\n"
    "kind=gopher\n"
    "host=gopher.example.org\n"
    "\n"
    "[Account ftp-1]\n"
    "kind=ftp\n"
    "host=ftp.example.org\n"
    "port=21\n"
    "security=starttls\n"
    "passive-address=peer\n";
  g_autoptr(GFile) file = accounts_file ();
  g_autoptr(OpAccounts) accounts = op_accounts_new (file);
  g_autoptr(OpAccount) news = op_account_new (OP_ACCOUNT_KIND_NEWS, "news-1");
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  write_file (file, original);
  g_assert_true (op_accounts_load (accounts, &error));
  g_assert_no_error (error);

  /* The account this version cannot use is not offered, but not lost either. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (accounts)), ==, 1);
  g_assert_cmpstr (op_account_get_extra (op_accounts_lookup (accounts, "ftp-1"),
                                         "passive-address"), ==, "peer");

  op_accounts_add (accounts, news);
  g_assert_true (op_accounts_save (accounts, &error));
  after = read_file (file);
  g_test_message ("%s", after);
  g_assert_nonnull (strstr (after, "# written by hand"));
  g_assert_nonnull (strstr (after, "[Future]\nsomething=kept"));
  g_assert_nonnull (strstr (after, "[Account gopher-1]\nkind=gopher"));
  g_assert_nonnull (strstr (after, "passive-address=peer"));
  g_assert_nonnull (strstr (after, "[Account news-1]"));
}

static void
test_secret_keys (void)
{
  g_assert_true (op_account_extra_key_is_valid ("smtp-host"));
  g_assert_true (op_account_extra_key_is_valid ("incoming"));
  g_assert_true (op_account_extra_key_is_valid ("passive-address"));
  g_assert_true (op_account_extra_key_is_valid ("bypass-proxy"));
  g_assert_false (op_account_extra_key_is_valid ("smtp-pass"));
  g_assert_false (op_account_extra_key_is_valid ("nntp-pw"));
  g_assert_false (op_account_extra_key_is_valid ("password"));
  g_assert_false (op_account_extra_key_is_valid ("smtp-password"));
  g_assert_false (op_account_extra_key_is_valid ("passwd"));
  g_assert_false (op_account_extra_key_is_valid ("api-token"));
  g_assert_false (op_account_extra_key_is_valid ("client-secret"));
  g_assert_false (op_account_extra_key_is_valid ("host"));
  g_assert_false (op_account_extra_key_is_valid ("allow-plaintext-password"));
  g_assert_false (op_account_extra_key_is_valid ("Smtp-Host"));
  g_assert_false (op_account_extra_key_is_valid ("a b"));
  g_assert_false (op_account_extra_key_is_valid (""));

  if (g_test_subprocess ())
    {
      g_autoptr(OpAccount) account = op_account_new (OP_ACCOUNT_KIND_FTP, NULL);

      op_account_set_extra (account, "password", "hunter2");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*op_account_extra_key_is_valid*");
}

static void
test_hand_written_secret_dropped (void)
{
  g_autoptr(GFile) file = accounts_file ();
  g_autoptr(OpAccounts) accounts = op_accounts_new (file);
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  write_file (file,
              "[Outpost]\nversion=1\n\n"
              "[Account a]\nkind=ftp\nhost=ftp.example.org\nuser=anna\n"
              "password=hunter2\nSMTP-Password=hunter3\n");
  g_assert_true (op_accounts_load (accounts, &error));
  g_assert_null (op_account_get_extra (op_accounts_lookup (accounts, "a"), "password"));
  g_assert_true (op_accounts_save (accounts, &error));

  after = read_file (file);
  g_assert_null (strstr (after, "hunter"));
  g_assert_nonnull (strstr (after, "user=anna"));
}

static void
on_secret_stored (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  gboolean *done = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (op_secrets_store_finish (OP_SECRETS (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
test_password_never_on_disk (void)
{
  /* Distinctive, so a hit cannot be a coincidence. */
  const char *password = "Zq7-never-on-disk-5f3b9c";
  g_autoptr(GFile) file = accounts_file ();
  g_autoptr(OpAccounts) accounts = op_accounts_new (file);
  g_autoptr(OpAccounts) reloaded = op_accounts_new (file);
  g_autoptr(OpAccount) site = make_ftp_site ();
  g_autoptr(OpSecrets) secrets = op_secrets_new ();
  g_autoptr(GError) error = NULL;
  const char *roots[] = {
    g_get_user_config_dir (),
    g_get_user_data_dir (),
    g_get_user_cache_dir (),
    g_get_user_state_dir (),
    g_get_user_runtime_dir (),
    g_get_home_dir (),
  };
  gboolean done = FALSE;
  guint files_read = 0;
  g_autofree char *contents = NULL;

  g_assert_true (op_accounts_load (accounts, &error));
  op_accounts_add (accounts, site);
  op_secrets_store_async (secrets, "ftp", op_account_get_host (site),
                          op_account_get_port (site), op_account_get_user (site),
                          password, NULL, on_secret_stored, &done);
  g_assert_true (op_test_wait_for (&done, 30000));
  g_assert_true (op_accounts_save (accounts, &error));
  g_assert_no_error (error);

  /* Load and save again: a round trip must not pick the password up either. */
  g_assert_true (op_accounts_load (reloaded, &error));
  g_assert_true (op_accounts_save (reloaded, &error));

  for (gsize i = 0; i < G_N_ELEMENTS (roots); i++)
    g_assert_false (op_test_tree_contains (roots[i], password, &files_read));

  /* The scan did look at the accounts file. */
  g_assert_cmpuint (files_read, >=, 1);
  contents = read_file (file);
  g_assert_null (strstr (contents, password));
}

static void
on_saved (OpAccounts *accounts,
          guint      *n)
{
  (*n)++;
}

static void
on_save_failed (OpAccounts *accounts,
                GError     *error,
                GError    **out)
{
  g_assert_null (*out);
  *out = g_error_copy (error);
}

static void
wait_for_saves (OpAccounts *accounts)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (op_accounts_has_pending_save (accounts) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (op_accounts_has_pending_save (accounts));
}

/* A burst of edits (a site manager's keystrokes) makes one write, a moment later and not
 * during the calls; a write that fails says so through ::save-failed. */
static void
test_scheduled_save (void)
{
  g_autoptr(GFile) file = accounts_file ();
  g_autoptr(OpAccounts) accounts = op_accounts_new (file);
  g_autoptr(OpAccounts) reread = op_accounts_new (file);
  g_autoptr(OpAccount) account = make_ftp_site ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) failed = NULL;
  g_autofree char *path = g_file_get_path (file);
  const char *names[] = { "M", "Mi", "Mir", "Mirr", "Mirro", "Mirror" };
  guint saved = 0;

  g_assert_true (op_accounts_load (accounts, &error));
  g_assert_no_error (error);
  g_signal_connect (accounts, "saved", G_CALLBACK (on_saved), &saved);
  g_signal_connect (accounts, "save-failed", G_CALLBACK (on_save_failed), &failed);
  op_accounts_add (accounts, account);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      op_account_set_name (account, names[i]);
      op_accounts_schedule_save (accounts);
      /* Nothing written while typing. */
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  g_assert_true (op_accounts_has_pending_save (accounts));
  wait_for_saves (accounts);
  g_assert_null (failed);
  g_assert_cmpuint (saved, ==, 1);
  g_assert_true (op_accounts_load (reread, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reread)), ==, 1);
  g_assert_cmpstr (op_account_get_name (op_accounts_lookup (reread, "mirror-1")), ==, "Mirror");

  /* An edit scheduled and then the object dropped (quitting): written on dispose. */
  op_account_set_host (account, "ftp.example.net");
  op_accounts_schedule_save (accounts);
  g_clear_object (&accounts);
  g_assert_true (op_accounts_load (reread, &error));
  g_assert_cmpstr (op_account_get_host (op_accounts_lookup (reread, "mirror-1")), ==,
                   "ftp.example.net");

  /* The folder became a file after loading: the write fails, and says so. */
  {
    g_autofree char *blocker = g_dir_make_tmp ("outpost-accounts-XXXXXX", NULL);
    g_autofree char *inside = g_build_filename (blocker, "accounts.ini", NULL);
    g_autoptr(GFile) bad = g_file_new_for_path (inside);
    g_autoptr(OpAccounts) broken = op_accounts_new (bad);

    g_assert_nonnull (blocker);
    g_assert_true (op_accounts_load (broken, &error));
    g_assert_no_error (error);
    g_assert_cmpint (g_rmdir (blocker), ==, 0);
    g_assert_true (g_file_set_contents (blocker, "not a folder", -1, NULL));
    g_signal_connect (broken, "save-failed", G_CALLBACK (on_save_failed), &failed);
    op_accounts_add (broken, account);
    op_accounts_schedule_save (broken);
    wait_for_saves (broken);
    g_assert_error (failed, OP_ACCOUNTS_ERROR, OP_ACCOUNTS_ERROR_IO);
    g_test_message ("save-failed: %s", failed->message);
    g_unlink (blocker);
  }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/profile/folders-are-outpost-and-private", test_profile_folders);
  g_test_add_func ("/accounts/file/round-trips-every-field", test_round_trip);
  g_test_add_func ("/accounts/file/forgets-removed-accounts", test_remove);
  g_test_add_func ("/accounts/list/announces-changes", test_list_model);
  g_test_add_func ("/accounts/file/from-newer-version-is-refused-and-kept",
                   test_newer_version_refused);
  g_test_add_func ("/accounts/file/invalid-is-refused-and-kept", test_invalid_refused);
  g_test_add_func ("/accounts/file/unknown-content-survives-a-save",
                   test_unknown_content_survives);
  g_test_add_func ("/accounts/extra/secret-looking-keys-are-refused", test_secret_keys);
  g_test_add_func ("/accounts/file/hand-written-password-is-dropped",
                   test_hand_written_secret_dropped);
  g_test_add_func ("/accounts/password/never-written-to-any-file",
                   test_password_never_on_disk);
  g_test_add_func ("/accounts/file/scheduled-save-writes-once-later", test_scheduled_save);

  return g_test_run ();
}
