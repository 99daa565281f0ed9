/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sync-mirror"

/*
 * Synchronising folders against vsftpd, ProFTPD and Pure-FTPd (tests/servers): a local
 * tree and a different server tree (files only here, only there, of another size, the
 * same; a folder on one side where the other has a file; hidden files; nested folders)
 * are mirrored local → remote, then, after changes on both sides, remote → local, each
 * time with deletion; afterwards both trees hold the same paths and every file the same
 * SHA-256, and a new scan by size finds nothing left to do.
 *
 * Not a GTest program: vsftpd and ProFTPD require TLS session reuse on data connections,
 * which glib-networking turns off in GTest programs (op-test-tap.h).
 */

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "op-ftp-browser.h"
#include "op-ftp-site.h"
#include "op-sync-run.h"
#include "op-test-fixtures.h"
#include "op-test-tap.h"
#include "op-transfer-test-util.h"

#define WAIT_MS (120 * 1000)

typedef OpTransferTestEnv Env;

typedef struct
{
  gboolean      done;
  gboolean      ok;
  GError       *error;
  OpSyncPlan   *plan;
  guint         n_queued;
} Result;

static gboolean
result_done (gpointer data)
{
  return ((Result *) data)->done;
}

static void
on_scanned (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  Result *result = user_data;

  result->plan = op_sync_scan_finish (res, &result->error);
  result->ok = result->plan != NULL;
  result->done = TRUE;
}

static void
on_applied (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  Result *result = user_data;

  result->ok = op_sync_apply_finish (res, &result->n_queued, &result->error);
  result->done = TRUE;
}

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
  Env *env = op_transfer_test_env_new (server, "sm", OP_TRANSFER_TEST_ENV_QUEUE |
                                                     OP_TRANSFER_TEST_ENV_BROWSER);

  if (env == NULL)
    return NULL;
  /* As quick connect makes sites: Auto would send the .txt files as ASCII (vsftpd then
   * stores CR LF); a mirror copies bytes as they are whatever the site's type. */
  op_ftp_site_set_transfer_type (env->site, OP_FTP_TRANSFER_TYPE_AUTO);
  op_transfer_queue_set_max_parallel (env->queue, 3);
  op_transfer_test_env_connect (env, WAIT_MS);
  return env;
}

/* A file ("a/b.txt") of the server's folder (@env) or of the local one (NULL). */
static void
put (Env        *env,
     const char *base,
     const char *relative,
     const char *content)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (content, strlen (content));
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (env != NULL)
    {
      op_test_ftp_dirs_put (&env->dirs, relative, bytes);
      return;
    }
  path = g_build_filename (base, relative, NULL);
  g_file_set_contents (path, content, -1, &error);
  g_assert_no_error (error);
}

static void
mkdir_in (Env        *env,
          const char *base,
          const char *relative)
{
  g_autofree char *path = g_build_filename (base, relative, NULL);

  if (env != NULL)
    op_test_ftp_dirs_mkdir (&env->dirs, relative);
  else
    g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
}

/* relative path → SHA-256 of every file ("/" after a folder's path), to any depth. */
static void
tree_sums (GHashTable *sums,
           const char *root,
           const char *relative)
{
  g_autofree char *dir_path = g_build_filename (root, relative, NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = *relative != '\0' ? g_strconcat (relative, "/", name, NULL)
                                                 : g_strdup (name);
      g_autofree char *path = g_build_filename (root, child, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          g_hash_table_insert (sums, g_strconcat (child, "/", NULL), g_strdup ("folder"));
          tree_sums (sums, root, child);
        }
      else
        g_hash_table_insert (sums, g_strdup (child), op_transfer_test_sha256_of_file (path));
    }
}

static void
assert_trees_equal (Env *env)
{
  g_autoptr(GHashTable) local = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) remote = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key, value;

  tree_sums (local, env->dirs.local_dir, "");
  tree_sums (remote, env->dirs.root_dir, "");
  g_hash_table_iter_init (&iter, local);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *other = g_hash_table_lookup (remote, key);

      if (g_strcmp0 (other, value) != 0)
        g_error ("%s: local %s, remote %s", (char *) key, (char *) value,
                 other != NULL ? other : "(missing)");
    }
  g_hash_table_iter_init (&iter, remote);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (local, key))
      g_error ("%s: only on the server", (char *) key);
  g_printerr ("# %u paths alike\n", g_hash_table_size (local));
}

/* Says why each failed item failed. */
static gboolean
queue_all_done (gpointer data)
{
  OpTransferQueue *queue = data;

  if (!op_transfer_test_queue_idle (queue))
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (queue)); i++)
    {
      g_autoptr(OpTransferItem) item = g_list_model_get_item (G_LIST_MODEL (queue), i);
      OpTransferState state = op_transfer_item_get_state (item);

      if (!op_transfer_state_is_finished (state))
        return FALSE;
      if (state != OP_TRANSFER_STATE_DONE)
        g_error ("%s: %s (%s)", op_transfer_item_get_remote_path (item),
                 op_transfer_state_to_string (state),
                 op_transfer_item_get_error_message (item) != NULL
                 ? op_transfer_item_get_error_message (item) : "no error");
    }
  return TRUE;
}

static OpSyncPlan *
scan (Env            *env,
      OpSyncDirection direction,
      OpSyncCriteria  criteria,
      gboolean        delete_extra)
{
  g_autoptr(GFile) local = g_file_new_for_path (env->dirs.local_dir);
  OpSyncRules rules;
  Result result = { 0 };

  op_sync_rules_init_default (&rules);
  rules.criteria = criteria;
  op_sync_scan_async (env->browser, local, env->dirs.remote_dir, direction, &rules, TRUE,
                      delete_extra, NULL, on_scanned, &result);
  expect_ok (&result, "scan");
  return result.plan;
}

static void
mirror (Env            *env,
        OpSyncDirection direction)
{
  g_autoptr(GFile) local = g_file_new_for_path (env->dirs.local_dir);
  g_autoptr(OpSyncPlan) plan = scan (env, direction, OP_SYNC_BY_SIZE | OP_SYNC_BY_DATE, TRUE);
  Result result = { 0 };

  g_printerr ("# %s: copy %u, replace %u, delete %u, skip %u\n",
                  direction == OP_SYNC_TO_REMOTE ? "to remote" : "to local",
                  op_sync_plan_count (plan, OP_SYNC_ACTION_COPY),
                  op_sync_plan_count (plan, OP_SYNC_ACTION_REPLACE),
                  op_sync_plan_count (plan, OP_SYNC_ACTION_DELETE),
                  op_sync_plan_count (plan, OP_SYNC_ACTION_SKIP));
  g_assert_cmpuint (op_sync_plan_count (plan, OP_SYNC_ACTION_SKIP), ==, 0);
  op_sync_apply_async (plan, env->browser, env->queue, env->site, local, env->dirs.remote_dir, NULL,
                       on_applied, &result);
  expect_ok (&result, "apply");
  g_assert_cmpuint (result.n_queued, ==, op_sync_plan_count (plan, OP_SYNC_ACTION_COPY)
                                         + op_sync_plan_count (plan, OP_SYNC_ACTION_REPLACE));
  op_transfer_test_wait_until (queue_all_done, env->queue, WAIT_MS);
  op_transfer_queue_remove_finished (env->queue);
}

static void
test_mirror_both_ways (gconstpointer data)
{
  const OpTransferTestServer *server = data;
  Env *env = env_open (server);
  g_autoptr(OpSyncPlan) plan = NULL;
  g_autoptr(OpSyncPlan) again = NULL;

  if (env == NULL)
    return;

  /* Here. */
  put (NULL, env->dirs.local_dir, "new.txt", "only here\n");
  put (NULL, env->dirs.local_dir, "same.txt", "the same on both sides\n");
  put (NULL, env->dirs.local_dir, "changed.txt", "the local version, longer\n");
  put (NULL, env->dirs.local_dir, ".hidden", "dot file\n");
  put (NULL, env->dirs.local_dir, "empty", "");
  mkdir_in (NULL, env->dirs.local_dir, "sub");
  put (NULL, env->dirs.local_dir, "sub/x.bin", "x in sub\n");
  mkdir_in (NULL, env->dirs.local_dir, "sub/deep");
  put (NULL, env->dirs.local_dir, "sub/deep/d.txt", "deep down\n");
  mkdir_in (NULL, env->dirs.local_dir, "clash");
  put (NULL, env->dirs.local_dir, "clash/inside.txt", "a folder here\n");
  /* There. */
  put (env, env->dirs.root_dir, "same.txt", "the same on both sides\n");
  put (env, env->dirs.root_dir, "changed.txt", "the remote one\n");
  put (env, env->dirs.root_dir, "extra.txt", "only there\n");
  mkdir_in (env, env->dirs.root_dir, "extradir");
  put (env, env->dirs.root_dir, "extradir/e.txt", "in a folder only there\n");
  mkdir_in (env, env->dirs.root_dir, "sub");
  put (env, env->dirs.root_dir, "sub/y.bin", "y only there\n");
  put (env, env->dirs.root_dir, "clash", "a file there\n");

  /* Local → remote. */
  plan = scan (env, OP_SYNC_TO_REMOTE, OP_SYNC_BY_SIZE, TRUE);
  g_assert_cmpuint (op_sync_plan_count (plan, OP_SYNC_ACTION_DELETE), ==, 4);
  g_clear_pointer (&plan, op_sync_plan_free);
  mirror (env, OP_SYNC_TO_REMOTE);
  assert_trees_equal (env);
  /* Nothing left to do by size (the server may not keep the local times: no MFMT). */
  again = scan (env, OP_SYNC_TO_REMOTE, OP_SYNC_BY_SIZE, TRUE);
  g_assert_cmpuint (op_sync_plan_get_steps (again)->len, ==, 0);
  g_clear_pointer (&again, op_sync_plan_free);

  /* Changes on both sides, then remote → local. */
  put (env, env->dirs.root_dir, "changed.txt", "changed on the server this time, and longer\n");
  put (env, env->dirs.root_dir, "sub/deep/fresh.txt", "new on the server\n");
  mkdir_in (env, env->dirs.root_dir, "server-folder");
  put (env, env->dirs.root_dir, "server-folder/s.txt", "server folder file\n");
  put (NULL, env->dirs.local_dir, "local-junk.txt", "to be deleted\n");
  put (NULL, env->dirs.local_dir, "sub/x.bin", "x changed here, so longer\n");
  mirror (env, OP_SYNC_TO_LOCAL);
  assert_trees_equal (env);
  again = scan (env, OP_SYNC_TO_LOCAL, OP_SYNC_BY_SIZE, TRUE);
  g_assert_cmpuint (op_sync_plan_get_steps (again)->len, ==, 0);

  op_transfer_test_env_free (env);
}

int
main (int   argc,
      char *argv[])
{
  if (setlocale (LC_ALL, "") == NULL || !g_get_charset (NULL))
    setlocale (LC_ALL, "C.UTF-8");
  signal (SIGPIPE, SIG_IGN);

  for (guint s = 0; s < OP_TRANSFER_TEST_N_SERVERS; s++)
    {
      g_autofree char *path = g_strdup_printf ("/sync-mirror/%s/both-ways-leave-equal-trees",
                                               op_transfer_test_servers[s].name);

      op_tap_add (path, test_mirror_both_ways, &op_transfer_test_servers[s]);
    }
  return op_tap_run (argc, argv);
}
