/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-transfer-folders"

/*
 * Folder transfers through the queue against vsftpd, ProFTPD and Pure-FTPd
 * (tests/servers): a folder expands into one item per file, each with its own overwrite
 * decision and result. A tree on the server is downloaded over a local copy where some
 * files are missing, older, newer, of another size or identical, once per overwrite
 * rule, and every file is checked by SHA-256; a file the server cannot read fails alone;
 * "apply to all" answered once holds for the whole folder.
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
#include <utime.h>

#include <glib/gstdio.h>

#include "op-ftp-site.h"
#include "op-test-fixtures.h"
#include "op-test-tap.h"
#include "op-transfer-queue.h"
#include "op-transfer-test-util.h"

#define WAIT_MS (240 * 1000)
/* Files in the tree: half at the top, half in a subfolder. Fewer in the sanitizer build
 * (meson.build), where 200 took most of its 30 minutes. */
#ifdef OUTPOST_TEST_FOLDER_FILES
#define N_FILES OUTPOST_TEST_FOLDER_FILES
#else
#define N_FILES 200
#endif
/* The file of the subfolder that is made unreadable on the server. */
#define LOCKED_INDEX (N_FILES * 3 / 4)
#define FILE_SIZE 4096

typedef OpTransferTestEnv Env;

static Env *
env_open (const OpTransferTestServer *server)
{
  Env *env = op_transfer_test_env_new (server, "tf", OP_TRANSFER_TEST_ENV_QUEUE);

  if (env != NULL)
    op_transfer_queue_set_max_parallel (env->queue, 4);
  return env;
}

/* Says why each failed file failed (before an assertion on the folder stops the test). */
static void
show_failures (OpTransferQueue *queue)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (queue)); i++)
    {
      g_autoptr(OpTransferItem) item = g_list_model_get_item (G_LIST_MODEL (queue), i);

      if (op_transfer_item_get_error_message (item) != NULL)
        g_printerr ("%s: %s\n", op_transfer_item_get_remote_path (item),
                    op_transfer_item_get_error_message (item));
    }
}

/* Waits until @folder is finished: its walk and every one of its files. */
static gboolean
folder_finished (gpointer data)
{
  OpTransferState state = op_transfer_item_get_state (data);

  return state == OP_TRANSFER_STATE_DONE || state == OP_TRANSFER_STATE_FAILED;
}

static void
write_file (const char *path,
            GBytes     *bytes,
            gsize       length,
            gint64      mtime)
{
  struct utimbuf times = { (time_t) mtime, (time_t) mtime };
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), length, &error);
  g_assert_no_error (error);
  g_assert_cmpint (utime (path, &times), ==, 0);
}

/* What is in the local copy before the download, by file number. */
typedef enum
{
  LOCAL_MISSING,
  LOCAL_OLDER,          /* same size, other bytes, an hour older than the server's */
  LOCAL_NEWER,          /* same size, other bytes, an hour newer */
  LOCAL_SHORTER,        /* the server's first half, an hour older */
  LOCAL_IDENTICAL,      /* the server's bytes and time */
  N_LOCAL_KINDS
} LocalKind;

typedef struct
{
  char      *relative;   /* "f007.bin" or "sub/f107.bin" */
  GBytes    *remote;
  GBytes    *local;      /* what the local copy held (NULL when missing) */
  LocalKind  kind;
} Fixture;

static void
fixture_free (Fixture *fixture)
{
  g_free (fixture->relative);
  g_clear_pointer (&fixture->remote, g_bytes_unref);
  g_clear_pointer (&fixture->local, g_bytes_unref);
  g_free (fixture);
}

/* The server's tree "tree/" and the local copy "tree/" beside it. */
static GPtrArray *
make_tree (Env *env)
{
  g_autoptr(GPtrArray) fixtures = g_ptr_array_new_with_free_func ((GDestroyNotify) fixture_free);
  g_autofree char *remote_tree = g_build_filename (env->dirs.root_dir, "tree", NULL);
  g_autofree char *remote_sub = g_build_filename (remote_tree, "sub", NULL);
  g_autofree char *local_sub = g_build_filename (env->dirs.local_dir, "tree", "sub", NULL);
  gint64 t_remote = g_get_real_time () / G_USEC_PER_SEC - 86400;

  g_assert_cmpint (g_mkdir_with_parents (remote_sub, 0755), ==, 0);
  g_assert_cmpint (chown (remote_tree, env->dirs.uid, env->dirs.gid), ==, 0);
  g_assert_cmpint (chown (remote_sub, env->dirs.uid, env->dirs.gid), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (local_sub, 0755), ==, 0);

  for (guint i = 0; i < N_FILES; i++)
    {
      Fixture *fixture = g_new0 (Fixture, 1);
      g_autofree char *remote_path = NULL;
      g_autofree char *local_path = NULL;

      fixture->relative = g_strdup_printf ("%sf%03u.bin", i < N_FILES / 2 ? "" : "sub/", i);
      fixture->kind = i % N_LOCAL_KINDS;
      fixture->remote = op_transfer_test_random_bytes (FILE_SIZE);
      remote_path = g_build_filename (remote_tree, fixture->relative, NULL);
      local_path = g_build_filename (env->dirs.local_dir, "tree", fixture->relative, NULL);
      write_file (remote_path, fixture->remote, FILE_SIZE, t_remote);
      g_assert_cmpint (chown (remote_path, env->dirs.uid, env->dirs.gid), ==, 0);

      switch (fixture->kind)
        {
        case LOCAL_MISSING:
          break;
        case LOCAL_OLDER:
          fixture->local = op_transfer_test_random_bytes (FILE_SIZE);
          write_file (local_path, fixture->local, FILE_SIZE, t_remote - 3600);
          break;
        case LOCAL_NEWER:
          fixture->local = op_transfer_test_random_bytes (FILE_SIZE);
          write_file (local_path, fixture->local, FILE_SIZE, t_remote + 3600);
          break;
        case LOCAL_SHORTER:
          fixture->local = g_bytes_new_from_bytes (fixture->remote, 0, FILE_SIZE / 2);
          write_file (local_path, fixture->local, FILE_SIZE / 2, t_remote - 3600);
          break;
        case LOCAL_IDENTICAL:
          fixture->local = g_bytes_ref (fixture->remote);
          write_file (local_path, fixture->local, FILE_SIZE, t_remote);
          break;
        default:
          g_assert_not_reached ();
        }
      g_ptr_array_add (fixtures, fixture);
    }
  return g_steal_pointer (&fixtures);
}

/* TRUE when @rule replaces a local copy of @kind with the server's file. */
static gboolean
rule_replaces (OpOverwriteChoice rule,
               LocalKind         kind)
{
  if (kind == LOCAL_MISSING)
    return TRUE;
  switch (rule)
    {
    case OP_OVERWRITE_OVERWRITE:
      return TRUE;
    case OP_OVERWRITE_OVERWRITE_IF_NEWER:
      return kind == LOCAL_OLDER || kind == LOCAL_SHORTER;
    case OP_OVERWRITE_OVERWRITE_IF_SIZE_DIFFERS:
      return kind == LOCAL_SHORTER;
    case OP_OVERWRITE_RESUME:
      /* Only the shorter copy is continued; the others are as long as the source. */
      return kind == LOCAL_SHORTER;
    default:
      return FALSE;
    }
}

/* The item of the file at @relative in the server's tree (its local path may have
 * changed: "Rename"). */
static OpTransferItem *
find_item (Env        *env,
           const char *relative)
{
  g_autofree char *remote = g_strconcat (env->dirs.remote_dir, "/tree/", relative, NULL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (env->queue)); i++)
    {
      g_autoptr(OpTransferItem) item = g_list_model_get_item (G_LIST_MODEL (env->queue), i);

      if (strcmp (op_transfer_item_get_remote_path (item), remote) == 0)
        return item;
    }
  return NULL;
}

typedef struct
{
  const OpTransferTestServer *server;
  OpOverwriteChoice  rule;
} RuleCase;

static void
test_download_rule (gconstpointer data)
{
  const RuleCase *rc = data;
  Env *env = env_open (rc->server);
  g_autoptr(GPtrArray) fixtures = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *local = NULL;
  g_autoptr(GFile) local_file = NULL;
  OpTransferItem *folder;
  guint n_items;

  if (env == NULL)
    return;
  fixtures = make_tree (env);
  remote = g_strconcat (env->dirs.remote_dir, "/tree", NULL);
  local = g_build_filename (env->dirs.local_dir, "tree", NULL);
  local_file = g_file_new_for_path (local);

  folder = op_transfer_queue_add_download (env->queue, env->site, remote, local_file, TRUE, 0);
  /* The folder's decision holds for each of its files (no question is asked: without a
   * ::conflict handler, a question would fail the file). */
  op_transfer_item_set_overwrite (folder, rc->rule);
  op_transfer_test_wait_until (folder_finished, folder, WAIT_MS);
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);
  show_failures (env->queue);

  /* One item per file, plus the folder's own. */
  n_items = g_list_model_get_n_items (G_LIST_MODEL (env->queue));
  g_assert_cmpuint (n_items, ==, N_FILES + 1);
  g_assert_cmpuint (op_transfer_item_get_files_total (folder), ==, N_FILES);
  g_assert_cmpuint (op_transfer_item_get_files_done (folder), ==, N_FILES);
  g_assert_cmpint (op_transfer_item_get_state (folder), ==, OP_TRANSFER_STATE_DONE);

  for (guint i = 0; i < fixtures->len; i++)
    {
      Fixture *fixture = g_ptr_array_index (fixtures, i);
      g_autofree char *path = g_build_filename (local, fixture->relative, NULL);
      g_autofree char *got = op_transfer_test_sha256_of_file (path);
      g_autofree char *want_remote = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256,
                                                                   fixture->remote);
      g_autofree char *want_local = fixture->local != NULL
                                    ? g_compute_checksum_for_bytes (G_CHECKSUM_SHA256,
                                                                    fixture->local)
                                    : NULL;
      gboolean replaced = rule_replaces (rc->rule, fixture->kind);
      OpTransferItem *item = find_item (env, fixture->relative);

      g_assert_nonnull (item);
      g_assert_true (op_transfer_item_get_parent (item) == folder);

      if (rc->rule == OP_OVERWRITE_RENAME && fixture->kind != LOCAL_MISSING)
        {
          /* Kept, and the server's file beside it under a free name. */
          g_autofree char *renamed_path = g_strdup (op_transfer_item_get_local_path (item));

          g_assert_cmpstr (got, ==, want_local);
          g_assert_cmpstr (renamed_path, !=, path);
          g_assert_true (g_str_has_suffix (renamed_path, " (1).bin"));
          g_free (got);
          got = op_transfer_test_sha256_of_file (renamed_path);
          g_assert_cmpstr (got, ==, want_remote);
          g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_DONE);
          continue;
        }
      if (replaced || fixture->kind == LOCAL_IDENTICAL)
        g_assert_cmpstr (got, ==, want_remote);
      else
        g_assert_cmpstr (got, ==, want_local);
      g_assert_cmpint (op_transfer_item_get_state (item), ==,
                       replaced ? OP_TRANSFER_STATE_DONE : OP_TRANSFER_STATE_SKIPPED);
    }
  op_transfer_test_env_free (env);
}

/* One file the server cannot read: it fails, with the server's words; the others are
 * downloaded; the folder says how many failed. */
static void
test_unreadable_fails_alone (gconstpointer data)
{
  Env *env = env_open (data);
  g_autoptr(GPtrArray) fixtures = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *local = NULL;
  g_autofree char *locked = NULL;
  g_autofree char *locked_name = NULL;
  g_autoptr(GFile) local_file = NULL;
  OpTransferItem *folder;
  guint failed = 0;

  if (env == NULL)
    return;
  fixtures = make_tree (env);
  /* Remove the local copy: every file is new. */
  local = g_build_filename (env->dirs.local_dir, "tree", NULL);
  op_test_remove_tree (local);
  locked_name = g_strdup_printf ("f%03u.bin", LOCKED_INDEX);
  locked = g_build_filename (env->dirs.root_dir, "tree", "sub", locked_name, NULL);
  g_assert_cmpint (chmod (locked, 0), ==, 0);

  remote = g_strconcat (env->dirs.remote_dir, "/tree", NULL);
  local_file = g_file_new_for_path (local);
  folder = op_transfer_queue_add_download (env->queue, env->site, remote, local_file, TRUE, 0);
  op_transfer_test_wait_until (folder_finished, folder, WAIT_MS);
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);
  show_failures (env->queue);

  g_assert_cmpint (op_transfer_item_get_state (folder), ==, OP_TRANSFER_STATE_FAILED);
  g_assert_true (g_error_matches (op_transfer_item_get_error (folder), OP_TRANSFER_QUEUE_ERROR,
                                  OP_TRANSFER_QUEUE_ERROR_FILES_FAILED));
  g_assert_cmpuint (op_transfer_item_get_files_done (folder), ==, N_FILES);
  for (guint i = 0; i < fixtures->len; i++)
    {
      Fixture *fixture = g_ptr_array_index (fixtures, i);
      g_autofree char *path = g_build_filename (local, fixture->relative, NULL);
      OpTransferItem *item = find_item (env, fixture->relative);

      g_assert_nonnull (item);
      if (g_str_has_prefix (fixture->relative, "sub/")
          && strcmp (fixture->relative + 4, locked_name) == 0)
        {
          g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_FAILED);
          g_assert_nonnull (op_transfer_item_get_error_message (item));
          g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
          failed++;
        }
      else
        {
          g_autofree char *got = op_transfer_test_sha256_of_file (path);
          g_autofree char *want = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256,
                                                                fixture->remote);

          g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_DONE);
          g_assert_cmpstr (got, ==, want);
        }
    }
  g_assert_cmpuint (failed, ==, 1);
  g_assert_cmpint (chmod (locked, 0644), ==, 0);
  op_transfer_test_env_free (env);
}

/* The first question of a folder answered with "apply to all": no other is asked, also
 * after the queue's own "apply to all" was forgotten. */
static gboolean
on_conflict (OpTransferQueue    *queue,
             OpTransferItem     *item,
             OpTransferConflict *conflict,
             guint              *asked)
{
  (*asked)++;
  g_assert_true (op_transfer_queue_resolve_conflict (queue, item, OP_OVERWRITE_SKIP, TRUE));
  op_transfer_queue_forget_apply_to_all (queue);
  return TRUE;
}

static void
test_apply_to_all_holds_for_folder (gconstpointer data)
{
  Env *env = env_open (data);
  g_autoptr(GPtrArray) fixtures = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *local = NULL;
  g_autoptr(GFile) local_file = NULL;
  OpTransferItem *folder;
  guint asked = 0;

  if (env == NULL)
    return;
  fixtures = make_tree (env);
  g_signal_connect (env->queue, "conflict", G_CALLBACK (on_conflict), &asked);
  remote = g_strconcat (env->dirs.remote_dir, "/tree", NULL);
  local = g_build_filename (env->dirs.local_dir, "tree", NULL);
  local_file = g_file_new_for_path (local);
  folder = op_transfer_queue_add_download (env->queue, env->site, remote, local_file, TRUE, 0);
  op_transfer_test_wait_until (folder_finished, folder, WAIT_MS);
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);
  show_failures (env->queue);

  g_assert_cmpuint (asked, ==, 1);
  g_assert_cmpint (op_transfer_item_get_overwrite (folder), ==, OP_OVERWRITE_SKIP);
  g_assert_cmpint (op_transfer_item_get_state (folder), ==, OP_TRANSFER_STATE_DONE);
  for (guint i = 0; i < fixtures->len; i++)
    {
      Fixture *fixture = g_ptr_array_index (fixtures, i);
      g_autofree char *path = g_build_filename (local, fixture->relative, NULL);
      g_autofree char *got = op_transfer_test_sha256_of_file (path);
      g_autofree char *want = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256,
                                                            fixture->local != NULL
                                                            ? fixture->local
                                                            : fixture->remote);

      g_assert_cmpstr (got, ==, want);
    }
  op_transfer_test_env_free (env);
}

int
main (int   argc,
      char *argv[])
{
  static const struct
  {
    const char        *name;
    OpOverwriteChoice  rule;
  } rules[] = {
    { "overwrite", OP_OVERWRITE_OVERWRITE },
    { "if-newer", OP_OVERWRITE_OVERWRITE_IF_NEWER },
    { "if-size-differs", OP_OVERWRITE_OVERWRITE_IF_SIZE_DIFFERS },
    { "resume", OP_OVERWRITE_RESUME },
    { "rename", OP_OVERWRITE_RENAME },
    { "skip", OP_OVERWRITE_SKIP },
  };
  static RuleCase cases[OP_TRANSFER_TEST_N_SERVERS * G_N_ELEMENTS (rules)];

  if (setlocale (LC_ALL, "") == NULL || !g_get_charset (NULL))
    setlocale (LC_ALL, "C.UTF-8");
  signal (SIGPIPE, SIG_IGN);

  for (guint s = 0; s < OP_TRANSFER_TEST_N_SERVERS; s++)
    {
      g_autofree char *unreadable = g_strdup_printf ("/transfer-folders/%s/unreadable-file-fails-alone",
                                                     op_transfer_test_servers[s].name);
      g_autofree char *apply = g_strdup_printf ("/transfer-folders/%s/apply-to-all-holds-for-the-folder",
                                                op_transfer_test_servers[s].name);

      for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
        {
          RuleCase *rc = &cases[s * G_N_ELEMENTS (rules) + r];
          g_autofree char *path = g_strdup_printf ("/transfer-folders/%s/download-%s",
                                                   op_transfer_test_servers[s].name, rules[r].name);

          rc->server = &op_transfer_test_servers[s];
          rc->rule = rules[r].rule;
          op_tap_add (path, test_download_rule, rc);
        }
      op_tap_add (unreadable, test_unreadable_fails_alone, &op_transfer_test_servers[s]);
      op_tap_add (apply, test_apply_to_all_holds_for_folder, &op_transfer_test_servers[s]);
    }
  return op_tap_run (argc, argv);
}
