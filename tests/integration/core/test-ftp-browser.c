/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ftp-browser"

/*
 * The Files view's remote side (OpFtpBrowser) against vsftpd, ProFTPD and Pure-FTPd with
 * explicit FTPS (tests/servers): listing, the short operations, the View/Edit download,
 * and the long ones running on a pooled session of their own, so that browsing answers
 * while a recursive delete of 1,000 files runs.
 *
 * Not a GTest program: vsftpd and ProFTPD require TLS session reuse on data connections,
 * which glib-networking turns off in GTest programs (op-test-tap.h).
 */

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "op-ftp-browser.h"
#include "op-ftp-site.h"
#include "op-test-fixtures.h"
#include "op-test-tap.h"
#include "op-transfer-test-util.h"

#define WAIT_MS (60 * 1000)
/* Enough that Cancel, pressed on the first progress report (at most 20 a second), comes
 * while files are still being deleted; and that a delete lasts several listings even
 * where a listing is slow and a DELE fast (under the sanitizers, over TLS, a listing took
 * as long as 200 DELEs on ProFTPD and Pure-FTPd). */
#define TREE_FILES 1000

typedef OpTransferTestEnv Env;

/* One call's outcome, filled in by its callback. */
typedef struct
{
  gboolean      done;
  gboolean      ok;
  GError       *error;
  OpFtpListing *listing;
  char         *path;
  gint64        finished;   /* monotonic µs */
} Result;

static void
result_clear (Result *result)
{
  g_clear_error (&result->error);
  g_clear_pointer (&result->listing, op_ftp_listing_free);
  g_clear_pointer (&result->path, g_free);
  memset (result, 0, sizeof *result);
}

static void
on_finished (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  Result *result = user_data;

  result->ok = op_ftp_browser_finish (OP_FTP_BROWSER (source), res, &result->error);
  result->finished = g_get_monotonic_time ();
  result->done = TRUE;
}

static void
on_listed (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  Result *result = user_data;

  result->listing = op_ftp_browser_list_finish (OP_FTP_BROWSER (source), res, &result->path,
                                                &result->error);
  result->ok = result->listing != NULL;
  result->finished = g_get_monotonic_time ();
  result->done = TRUE;
}

static gboolean
result_done (gpointer data)
{
  return ((Result *) data)->done;
}

/* Waits for @result and fails with the call's error when it failed. */
static void
expect_ok (Result     *result,
           const char *what)
{
  op_transfer_test_wait_until (result_done, result, WAIT_MS);
  if (!result->ok)
    g_error ("%s failed: %s", what, result->error->message);
}

static Env *
env_open (const OpTransferTestServer *server)
{
  Env *env = op_transfer_test_env_new (server, "fb", OP_TRANSFER_TEST_ENV_BROWSER);

  if (env != NULL)
    op_transfer_test_env_connect (env, WAIT_MS);
  return env;
}

/* A file in the server's folder, owned by the FTP account. */
static void
put_remote (Env        *env,
            const char *relative,
            GBytes     *bytes)
{
  op_test_ftp_dirs_put (&env->dirs, relative, bytes);
}

static void
make_remote_dir (Env        *env,
                 const char *relative)
{
  op_test_ftp_dirs_mkdir (&env->dirs, relative);
}

static gboolean
listing_has (OpFtpListing *listing,
             const char   *name)
{
  for (guint i = 0; i < listing->entries->len; i++)
    {
      OpFtpEntry *entry = g_ptr_array_index (listing->entries, i);

      if (g_strcmp0 (entry->name, name) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
list (Env        *env,
      const char *path,
      Result     *result)
{
  op_ftp_browser_list_async (env->browser, path, OP_FTP_LIST_DEFAULT, NULL, on_listed, result);
  expect_ok (result, "LIST");
}

static void
on_download_progress (const OpFtpProgress *progress,
                      gpointer             data)
{
  *(guint64 *) data = progress->bytes_done;
}

/* Every call of the browser on one server: list (with the server's spelling of the
 * folder), mkdir, rename, delete, chmod, the View/Edit download whole (with progress,
 * and cancelled), a recursive delete; and a failed call says why. */
static void
test_operations (gconstpointer data)
{
  const OpTransferTestServer *server = data;
  Env *env = env_open (server);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *renamed = NULL;
  g_autofree char *file = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *got = NULL;
  g_autofree char *local_path = NULL;
  g_autoptr(GFile) local = NULL;
  guint64 progress_bytes = 0;
  Result result = { 0 };

  if (env == NULL)
    return;

  bytes = op_transfer_test_random_bytes (300 * 1024);
  put_remote (env, "data.bin", bytes);
  make_remote_dir (env, "tree");
  make_remote_dir (env, "tree/sub");
  put_remote (env, "tree/a.txt", bytes);
  put_remote (env, "tree/sub/b.txt", bytes);

  list (env, env->dirs.remote_dir, &result);
  g_assert_cmpstr (result.path, ==, env->dirs.remote_dir);
  g_assert_true (listing_has (result.listing, "data.bin"));
  g_assert_true (listing_has (result.listing, "tree"));
  result_clear (&result);

  folder = g_strconcat (env->dirs.remote_dir, "/made", NULL);
  op_ftp_browser_mkdir_async (env->browser, folder, NULL, on_finished, &result);
  expect_ok (&result, "MKD");
  result_clear (&result);
  renamed = g_strconcat (env->dirs.remote_dir, "/renamed", NULL);
  op_ftp_browser_rename_async (env->browser, folder, renamed, NULL, on_finished, &result);
  expect_ok (&result, "RNFR/RNTO");
  result_clear (&result);
  file = g_strconcat (env->dirs.remote_dir, "/data.bin", NULL);
  op_ftp_browser_chmod_async (env->browser, file, 0600, NULL, on_finished, &result);
  expect_ok (&result, "SITE CHMOD");
  result_clear (&result);
  {
    g_autofree char *on_disk = g_build_filename (env->dirs.root_dir, "data.bin", NULL);
    struct stat st;

    g_assert_cmpint (stat (on_disk, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  /* View/Edit's download, on a pooled session: the file whole. */
  local_path = g_build_filename (env->dirs.local_dir, "data.bin", NULL);
  local = g_file_new_for_path (local_path);
  op_ftp_browser_download_async (env->browser, file, local, on_download_progress,
                                 &progress_bytes, NULL, NULL, on_finished, &result);
  g_assert_cmpuint (op_ftp_browser_get_n_running (env->browser), ==, 1);
  expect_ok (&result, "download");
  result_clear (&result);
  g_assert_cmpuint (op_ftp_browser_get_n_running (env->browser), ==, 0);
  /* Its progress, for the view's toast, counted every byte. */
  g_assert_cmpuint (progress_bytes, ==, g_bytes_get_size (bytes));
  expected = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  got = op_transfer_test_sha256_of_file (local_path);
  g_assert_cmpstr (got, ==, expected);
  /* The session went back to the pool for the next long operation. */
  g_assert_cmpuint (op_ftp_session_pool_get_n_idle (env->pool), ==, 1);

  op_ftp_browser_delete_async (env->browser, file, NULL, on_finished, &result);
  expect_ok (&result, "DELE");
  result_clear (&result);

  {
    g_autofree char *tree = g_strconcat (env->dirs.remote_dir, "/tree", NULL);

    op_ftp_browser_delete_tree_async (env->browser, tree, NULL, NULL, NULL, NULL,
                                      on_finished, &result);
    expect_ok (&result, "recursive delete");
    result_clear (&result);
  }
  /* The pooled session was reused: one login for both long operations. */
  g_assert_cmpuint (op_ftp_session_pool_get_n_logins (env->pool), ==, 1);
  /* A download cancelled at once ends as cancelled, with nothing under the final name. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    g_assert_cmpint (g_unlink (local_path), ==, 0);
    g_cancellable_cancel (cancellable);
    op_ftp_browser_download_async (env->browser, file, local, NULL, NULL, NULL, cancellable,
                                   on_finished, &result);
    op_transfer_test_wait_until (result_done, &result, WAIT_MS);
    g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    result_clear (&result);
    g_assert_false (g_file_query_exists (local, NULL));
  }

  list (env, NULL, &result);
  g_assert_cmpstr (result.path, ==, env->dirs.remote_dir);
  g_assert_true (listing_has (result.listing, "renamed"));
  g_assert_false (listing_has (result.listing, "made"));
  g_assert_false (listing_has (result.listing, "data.bin"));
  g_assert_false (listing_has (result.listing, "tree"));
  result_clear (&result);

  /* A failure is the server's answer, and the session browses on. */
  op_ftp_browser_delete_async (env->browser, file, NULL, on_finished, &result);
  op_transfer_test_wait_until (result_done, &result, WAIT_MS);
  g_assert_false (result.ok);
  g_assert_nonnull (result.error);
  g_assert_true (result.error->domain == OP_FTP_ERROR);
  result_clear (&result);
  list (env, env->dirs.remote_dir, &result);
  result_clear (&result);

  op_transfer_test_env_free (env);
}

typedef struct
{
  guint files_done;
  guint files_total;
} DeleteProgress;

static void
on_delete_progress (const OpFtpProgress *progress,
                    gpointer             user_data)
{
  DeleteProgress *seen = user_data;

  seen->files_done = progress->files_done;
  seen->files_total = progress->files_total;
}

/* Browsing answers while a recursive delete of 1,000 files runs: the delete has a pooled
 * session of its own, and folder listings on the browsing session finish while it is
 * still deleting. (On one session, every listing would wait for the whole delete.) */
static void
test_browse_during_delete (gconstpointer data)
{
  const OpTransferTestServer *server = data;
  Env *env = env_open (server);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *tree = NULL;
  g_autofree char *other = NULL;
  DeleteProgress seen = { 0 };
  Result deleted = { 0 };
  guint listings_during = 0;
  guint listings_amid = 0;

  if (env == NULL)
    return;

  bytes = op_transfer_test_random_bytes (512);
  make_remote_dir (env, "big");
  make_remote_dir (env, "other");
  put_remote (env, "other/visible.txt", bytes);
  for (guint i = 0; i < TREE_FILES; i++)
    {
      g_autofree char *name = g_strdup_printf ("big/f%04u.bin", i);
      put_remote (env, name, bytes);
    }
  tree = g_strconcat (env->dirs.remote_dir, "/big", NULL);
  other = g_strconcat (env->dirs.remote_dir, "/other", NULL);

  op_ftp_browser_delete_tree_async (env->browser, tree, on_delete_progress, &seen, NULL, NULL,
                                    on_finished, &deleted);
  g_assert_cmpuint (op_ftp_browser_get_n_running (env->browser), ==, 1);

  /* Browse back and forth until the delete is over. */
  while (!deleted.done)
    {
      Result listed = { 0 };

      op_ftp_browser_list_async (env->browser, listings_during % 2 == 0 ? other : env->dirs.remote_dir,
                                 OP_FTP_LIST_DEFAULT, NULL, on_listed, &listed);
      op_transfer_test_wait_until (result_done, &listed, WAIT_MS);
      if (!listed.ok)
        g_error ("LIST during the delete failed: %s", listed.error->message);
      if (!deleted.done)
        {
          listings_during++;
          /* After the delete listed its tree (files_total known): while it deletes. */
          if (seen.files_total > 0)
            listings_amid++;
        }
      result_clear (&listed);
    }
  if (!deleted.ok)
    g_error ("the recursive delete failed: %s", deleted.error->message);
  result_clear (&deleted);
  g_printerr ("%u listings finished while the delete ran, %u of them while it was deleting "
              "files\n", listings_during, listings_amid);
  /* On the browsing session itself the first listing would queue behind the whole
   * delete: none would finish while it runs. */
  if (listings_during < 2)
    op_tap_fail ("only %u listings finished while %u files were deleted", listings_during,
                 TREE_FILES);
  g_assert_cmpuint (op_ftp_browser_get_n_running (env->browser), ==, 0);

  {
    g_autofree char *on_disk = g_build_filename (env->dirs.root_dir, "big", NULL);
    g_assert_false (g_file_test (on_disk, G_FILE_TEST_EXISTS));
  }
  op_transfer_test_env_free (env);
}

static void
on_progress_cancel (const OpFtpProgress *progress,
                    gpointer             user_data)
{
  /* Once files are being deleted, the user presses Cancel. */
  if (progress->files_done > 0)
    g_cancellable_cancel (user_data);
}

/* Cancel stops a recursive delete half-way: the call says so, the pooled session it ran
 * on is not given to anyone again, part of the tree is left, and browsing goes on. */
static void
test_cancel_delete (gconstpointer data)
{
  const OpTransferTestServer *server = data;
  Env *env = env_open (server);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *tree = NULL;
  Result result = { 0 };
  guint left = 0;

  if (env == NULL)
    return;
  bytes = op_transfer_test_random_bytes (512);
  make_remote_dir (env, "big");
  for (guint i = 0; i < TREE_FILES; i++)
    {
      g_autofree char *name = g_strdup_printf ("big/f%03u.bin", i);
      put_remote (env, name, bytes);
    }
  tree = g_strconcat (env->dirs.remote_dir, "/big", NULL);
  op_ftp_browser_delete_tree_async (env->browser, tree, on_progress_cancel,
                                    g_object_ref (cancellable), g_object_unref, cancellable,
                                    on_finished, &result);
  op_transfer_test_wait_until (result_done, &result, WAIT_MS);
  g_assert_false (result.ok);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  result_clear (&result);
  g_assert_cmpuint (op_ftp_browser_get_n_running (env->browser), ==, 0);
  g_assert_cmpuint (op_ftp_session_pool_get_n_idle (env->pool), ==, 0);

  {
    g_autofree char *on_disk = g_build_filename (env->dirs.root_dir, "big", NULL);
    g_autoptr(GDir) dir = g_dir_open (on_disk, 0, NULL);

    g_assert_nonnull (dir);
    while (g_dir_read_name (dir) != NULL)
      left++;
  }
  g_printerr ("%u of %u files left after Cancel\n", left, TREE_FILES);
  g_assert_cmpuint (left, >, 0);
  g_assert_cmpuint (left, <, TREE_FILES);

  list (env, tree, &result);
  /* A DELE on its way when the session was dropped may still be carried out. */
  g_assert_cmpuint (result.listing->entries->len, <=, left);
  g_assert_cmpuint (result.listing->entries->len + 1, >=, left);
  result_clear (&result);
  op_transfer_test_env_free (env);
}

int
main (int   argc,
      char *argv[])
{
  if (setlocale (LC_ALL, "") == NULL || !g_get_charset (NULL))
    setlocale (LC_ALL, "C.UTF-8");
  /* The sessions' worker threads write to sockets the server may close. */
  signal (SIGPIPE, SIG_IGN);

  for (guint i = 0; i < OP_TRANSFER_TEST_N_SERVERS; i++)
    {
      g_autofree char *operations = g_strdup_printf ("/ftp-browser/%s/operations",
                                                     op_transfer_test_servers[i].name);
      g_autofree char *browse = g_strdup_printf ("/ftp-browser/%s/browse-during-recursive-delete",
                                                 op_transfer_test_servers[i].name);

      g_autofree char *cancel = g_strdup_printf ("/ftp-browser/%s/cancel-recursive-delete",
                                                 op_transfer_test_servers[i].name);

      op_tap_add (operations, test_operations, &op_transfer_test_servers[i]);
      op_tap_add (cancel, test_cancel_delete, &op_transfer_test_servers[i]);
      op_tap_add (browse, test_browse_during_delete, &op_transfer_test_servers[i]);
    }
  return op_tap_run (argc, argv);
}
