/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-transfer-queue"

/*
 * The transfer queue against vsftpd with explicit FTPS (tests/servers): parallel
 * downloads and uploads, pause and resume with REST, a failed item retried, and the
 * "target exists" decisions. Fixtures are written into, and results read from, the
 * server's FTP root on disk (OUTPOST_TEST_VSFTPD_ROOT).
 *
 * Not a GTest program: vsftpd requires TLS session reuse on data connections, which
 * glib-networking turns off in GTest programs (op-test-tap.h).
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

#define WAIT_MS (60 * 1000)

typedef OpTransferTestEnv Env;

/* vsftpd (op_transfer_test_servers[0]), whose protocol log the resume tests read in
 * OUTPOST_TEST_RUNDIR to see REST sent. */
static Env *
env_open (void)
{
  if (op_test_endpoint_env ("OUTPOST_TEST_RUNDIR") == NULL)
    return NULL;
  return op_transfer_test_env_new (&op_transfer_test_servers[0], "tq",
                                   OP_TRANSFER_TEST_ENV_QUEUE);
}

/* A file in the server's root, readable by the FTP account. */
static void
put_remote (Env        *env,
            const char *name,
            GBytes     *bytes)
{
  op_test_ftp_dirs_put (&env->dirs, name, bytes);
}

static void
put_local (Env        *env,
           const char *name,
           GBytes     *bytes)
{
  g_autofree char *path = g_build_filename (env->dirs.local_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
}

static void
set_mtime (const char *path,
           gint64      mtime)
{
  struct utimbuf times = { (time_t) mtime, (time_t) mtime };

  g_assert_cmpint (utime (path, &times), ==, 0);
}

static char *
sha256_of_bytes (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}

static void
assert_file_is (const char *path,
                GBytes     *bytes)
{
  g_autofree char *expected = sha256_of_bytes (bytes);
  g_autofree char *got = op_transfer_test_sha256_of_file (path);

  g_assert_cmpstr (got, ==, expected);
}

static char *
local_path (Env        *env,
            const char *name)
{
  return g_build_filename (env->dirs.local_dir, name, NULL);
}

static char *
root_path (Env        *env,
           const char *name)
{
  return g_build_filename (env->dirs.root_dir, name, NULL);
}

static char *
remote_path (Env        *env,
             const char *name)
{
  return g_strconcat (env->dirs.remote_dir, "/", name, NULL);
}

static OpTransferItem *
download (Env        *env,
          const char *name)
{
  g_autofree char *remote = remote_path (env, name);
  g_autofree char *path = local_path (env, name);
  g_autoptr(GFile) local = g_file_new_for_path (path);

  return op_transfer_queue_add_download (env->queue, env->site, remote, local, FALSE, 0);
}

static OpTransferItem *
upload (Env        *env,
        const char *name)
{
  g_autofree char *remote = remote_path (env, name);
  g_autofree char *path = local_path (env, name);
  g_autoptr(GFile) local = g_file_new_for_path (path);

  return op_transfer_queue_add_upload (env->queue, env->site, local, remote, FALSE, 0);
}

static void
show_error (OpTransferItem *item)
{
  if (op_transfer_item_get_error_message (item) != NULL)
    g_printerr ("%s: %s\n", op_transfer_item_get_name (item),
                op_transfer_item_get_error_message (item));
}

/* 4 downloads and 2 uploads, 2 at a time, each on its own TLS session. */

static void
track_active (OpTransferQueue *queue,
              GParamSpec      *pspec,
              guint           *max_active)
{
  *max_active = MAX (*max_active, op_transfer_queue_get_n_active (queue));
}

static void
test_parallel (gconstpointer data)
{
  static const gsize sizes[] = { 3 * 1024 * 1024 + 17, 1024 * 1024, 200 * 1000, 0,
                                 2 * 1024 * 1024 + 3, 512 * 1024 + 1 };
  Env *env = env_open ();
  g_autoptr(GPtrArray) contents = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  OpTransferItem *items[6];
  guint max_active = 0;

  if (env == NULL)
    return;

  g_signal_connect (env->queue, "notify::n-active", G_CALLBACK (track_active), &max_active);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s%u.bin", i < 4 ? "down" : "up", i);
      GBytes *bytes = op_transfer_test_random_bytes (sizes[i]);

      g_ptr_array_add (contents, bytes);
      if (i < 4)
        {
          put_remote (env, name, bytes);
          items[i] = download (env, name);
        }
      else
        {
          put_local (env, name, bytes);
          items[i] = upload (env, name);
        }
    }

  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);
  g_assert_cmpuint (max_active, ==, 2);

  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s%u.bin", i < 4 ? "down" : "up", i);
      g_autofree char *path = i < 4 ? local_path (env, name) : root_path (env, name);
      g_autofree char *part = g_strconcat (path, ".part", NULL);

      show_error (items[i]);
      g_assert_cmpint (op_transfer_item_get_state (items[i]), ==, OP_TRANSFER_STATE_DONE);
      g_assert_cmpuint (op_transfer_item_get_size (items[i]), ==, sizes[i]);
      g_assert_cmpuint (op_transfer_item_get_bytes_done (items[i]), ==, sizes[i]);
      g_assert_cmpfloat (op_transfer_item_get_fraction (items[i]), ==, 1.0);
      g_assert_cmpint (op_transfer_item_get_eta (items[i]), ==, -1);
      assert_file_is (path, g_ptr_array_index (contents, i));
      g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
    }
  g_assert_cmpuint (op_transfer_queue_remove_finished (env->queue), ==, 6);
  op_transfer_test_env_free (env);
}

/* vsftpd's protocol log of the FTPS instance (in the run folder tests/servers made). */
static char *
protocol_log_path (void)
{
  const char *rundir = g_getenv ("OUTPOST_TEST_RUNDIR");

  /* env_open() made sure it is set. */
  g_assert_nonnull (rundir);
  return g_build_filename (rundir, "log", "vsftpd-ftps.protocol.log", NULL);
}

static gsize
protocol_log_length (void)
{
  g_autofree char *path = protocol_log_path ();
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gsize) st.st_size : 0;
}

/* Asserts that vsftpd was sent "REST @offset" after the log was @since bytes long. */
static void
assert_rest_sent_since (gsize   since,
                        guint64 offset)
{
  g_autofree char *path = protocol_log_path ();
  g_autofree char *log = NULL;
  g_autofree char *rest = g_strdup_printf ("\"REST %" G_GUINT64_FORMAT "\"", offset);
  gsize length;

  g_assert_true (g_file_get_contents (path, &log, &length, NULL));
  g_assert_cmpuint (length, >=, since);
  if (strstr (log + since, rest) == NULL)
    op_tap_fail ("the server's log shows no %s after the resume", rest);
}

/* How many times vsftpd logged the test account in after the log was @since bytes long. */
static guint
logins_since (gsize since)
{
  g_autofree char *path = protocol_log_path ();
  g_autofree char *log = NULL;
  gsize length;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &log, &length, NULL));
  g_assert_cmpuint (length, >=, since);
  for (const char *p = log + since; (p = strstr (p, "] OK LOGIN:")) != NULL; p++)
    n++;
  return n;
}

static guint
count_since (gsize       since,
             const char *needle)
{
  g_autofree char *path = protocol_log_path ();
  g_autofree char *log = NULL;
  gsize length;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &log, &length, NULL));
  for (const char *p = log + since; (p = strstr (p, needle)) != NULL; p++)
    n++;
  return n;
}

static gboolean
pool_empty (gpointer data)
{
  return op_ftp_session_pool_get_n_idle (data) == 0;
}

/* 20 files of 4 KiB, 2 at a time: two logins in all, the sessions reused from item to
 * item, and closed (QUIT) once they have been idle for the pool's timeout. */
static void
test_pool_reuses_sessions (gconstpointer unused)
{
  Env *env = env_open ();
  OpFtpSessionPool *pool;
  g_autoptr(GPtrArray) contents = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  OpTransferItem *items[20];
  gsize log_length, quit_since;

  if (env == NULL)
    return;
  pool = op_transfer_queue_get_session_pool (env->queue);
  g_assert_cmpuint (op_ftp_session_pool_get_idle_timeout (pool), ==,
                    OP_FTP_SESSION_POOL_IDLE_SECONDS);
  op_ftp_session_pool_set_idle_timeout (pool, 2);
  log_length = protocol_log_length ();

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("small%02u.bin", i);
      GBytes *bytes = op_transfer_test_random_bytes (4096);

      g_ptr_array_add (contents, bytes);
      if (i % 2 == 0)
        {
          put_remote (env, name, bytes);
          items[i] = download (env, name);
        }
      else
        {
          put_local (env, name, bytes);
          items[i] = upload (env, name);
        }
    }
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("small%02u.bin", i);
      g_autofree char *path = i % 2 == 0 ? local_path (env, name) : root_path (env, name);

      show_error (items[i]);
      g_assert_cmpint (op_transfer_item_get_state (items[i]), ==, OP_TRANSFER_STATE_DONE);
      assert_file_is (path, g_ptr_array_index (contents, i));
    }
  if (logins_since (log_length) != 2)
    op_tap_fail ("vsftpd logged %u logins for 20 files, 2 at a time; expected 2",
                 logins_since (log_length));
  g_assert_cmpuint (op_ftp_session_pool_get_n_logins (pool), ==, 2);
  g_assert_cmpuint (op_ftp_session_pool_get_n_idle (pool), ==, 2);

  /* Idle for the timeout: both sessions say goodbye (none had before: the items are
   * done milliseconds ago, the timeout is seconds). */
  quit_since = protocol_log_length ();
  op_transfer_test_wait_until (pool_empty, pool, WAIT_MS);
  for (guint waited = 0; count_since (quit_since, "\"QUIT\"") < 2 && waited < 200; waited++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (50 * 1000);
    }
  g_assert_cmpuint (count_since (quit_since, "\"QUIT\""), ==, 2);

  /* The next item logs in afresh: a closed session is never handed out. */
  items[0] = download (env, "small00.bin");
  op_transfer_item_set_overwrite (items[0], OP_OVERWRITE_OVERWRITE);
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);
  show_error (items[0]);
  g_assert_cmpint (op_transfer_item_get_state (items[0]), ==, OP_TRANSFER_STATE_DONE);
  g_assert_cmpuint (logins_since (log_length), ==, 3);
  op_transfer_test_env_free (env);
}

/* Pause, then resume with REST from the .part. */

typedef struct
{
  Env            *env;
  OpTransferItem *item;
  guint64         first_progress_after_resume;
  gboolean        resumed;
  gboolean        paused_once;
  guint           notifications;
} PauseData;

static void
on_bytes_done (OpTransferItem *item,
               GParamSpec     *pspec,
               PauseData      *data)
{
  guint64 done = op_transfer_item_get_bytes_done (item);

  data->notifications++;
  if (!data->paused_once && done > 0 &&
      op_transfer_item_get_state (item) == OP_TRANSFER_STATE_RUNNING)
    {
      data->paused_once = TRUE;
      g_assert_true (op_transfer_queue_pause (data->env->queue, item));
    }
  else if (data->resumed && data->first_progress_after_resume == 0 && done > 0)
    data->first_progress_after_resume = done;
}

/* Paused, and its session wound down. */
static gboolean
paused_and_stopped (gpointer user_data)
{
  PauseData *data = user_data;

  return data->paused_once && op_transfer_queue_get_n_active (data->env->queue) == 0;
}

static void
test_pause_resume (gconstpointer unused)
{
  const gsize size = 128 * 1024 * 1024;
  Env *env = env_open ();
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *path = NULL;
  g_autofree char *part = NULL;
  PauseData data = { 0 };
  gsize log_length;
  gint64 started, elapsed;
  GStatBuf st;

  if (env == NULL)
    return;

  bytes = op_transfer_test_random_bytes (size);
  put_remote (env, "big.bin", bytes);
  data.env = env;
  data.item = download (env, "big.bin");
  g_signal_connect (data.item, "notify::bytes-done", G_CALLBACK (on_bytes_done), &data);

  op_transfer_test_wait_until (paused_and_stopped, &data, WAIT_MS);
  show_error (data.item);
  g_assert_cmpint (op_transfer_item_get_state (data.item), ==, OP_TRANSFER_STATE_PAUSED);
  g_assert_null (op_transfer_item_get_error_message (data.item));

  path = local_path (env, "big.bin");
  part = g_strconcat (path, ".part", NULL);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_stat (part, &st), ==, 0);
  g_printerr ("paused with %" G_GINT64_FORMAT " of %zu bytes in the .part\n",
              (gint64) st.st_size, size);
  g_assert_cmpint (st.st_size, >, 0);
  g_assert_cmpint (st.st_size, <, (gint64) size);

  data.resumed = TRUE;
  data.notifications = 0;
  log_length = protocol_log_length ();
  started = g_get_monotonic_time ();
  g_assert_true (op_transfer_queue_resume (env->queue, data.item));
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);
  elapsed = g_get_monotonic_time () - started;
  /* DESIGN.md: progress at most ~20 times a second (plus the final one). */
  g_printerr ("%u progress notifications in %.2f s\n", data.notifications,
              elapsed / (double) G_USEC_PER_SEC);
  g_assert_cmpuint (data.notifications, <=, 2 + 20 * (elapsed / (double) G_USEC_PER_SEC + 0.1));
  show_error (data.item);
  g_assert_cmpint (op_transfer_item_get_state (data.item), ==, OP_TRANSFER_STATE_DONE);
  assert_file_is (path, bytes);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));

  /* It continued from the .part rather than starting over: progress started at its
   * size, and the server was sent REST with it. */
  g_assert_cmpuint (data.first_progress_after_resume, >=, (guint64) st.st_size);
  assert_rest_sent_since (log_length, st.st_size);
  op_transfer_test_env_free (env);
}

static void
test_upload_pause_resume (gconstpointer unused)
{
  const gsize size = 128 * 1024 * 1024;
  Env *env = env_open ();
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *target = NULL;
  PauseData data = { 0 };
  gsize log_length;
  GStatBuf st;

  if (env == NULL)
    return;

  bytes = op_transfer_test_random_bytes (size);
  put_local (env, "up.bin", bytes);
  data.env = env;
  data.item = upload (env, "up.bin");
  g_signal_connect (data.item, "notify::bytes-done", G_CALLBACK (on_bytes_done), &data);

  op_transfer_test_wait_until (paused_and_stopped, &data, WAIT_MS);
  show_error (data.item);
  g_assert_cmpint (op_transfer_item_get_state (data.item), ==, OP_TRANSFER_STATE_PAUSED);
  target = root_path (env, "up.bin");
  g_assert_cmpint (g_stat (target, &st), ==, 0);
  g_printerr ("paused with %" G_GINT64_FORMAT " of %zu bytes on the server\n",
              (gint64) st.st_size, size);
  g_assert_cmpint (st.st_size, <, (gint64) size);

  /* Resuming continues the remote file (SIZE, REST, STOR); the partial target is ours,
   * so nobody is asked about it. */
  data.resumed = TRUE;
  log_length = protocol_log_length ();
  g_assert_true (op_transfer_queue_resume (env->queue, data.item));
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);
  show_error (data.item);
  g_assert_cmpint (op_transfer_item_get_state (data.item), ==, OP_TRANSFER_STATE_DONE);
  assert_file_is (target, bytes);
  if (st.st_size > 0)
    {
      g_assert_cmpuint (data.first_progress_after_resume, >=, (guint64) st.st_size);
      assert_rest_sent_since (log_length, st.st_size);
    }
  op_transfer_test_env_free (env);
}

/* Folders: recursive transfers with progress over the whole tree. */

static void
test_trees (gconstpointer unused)
{
  Env *env = env_open ();
  g_autoptr(GBytes) a = NULL;
  g_autoptr(GBytes) b = NULL;
  g_autoptr(GBytes) c = NULL;
  g_autofree char *up_local = NULL;
  g_autofree char *up_sub = NULL;
  g_autofree char *up_remote = NULL;
  g_autofree char *down_remote = NULL;
  g_autofree char *down_local = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) up_file = NULL;
  g_autoptr(GFile) down_file = NULL;
  OpTransferItem *up, *down;

  if (env == NULL)
    return;

  a = op_transfer_test_random_bytes (100 * 1000);
  b = op_transfer_test_random_bytes (250 * 1000);
  c = op_transfer_test_random_bytes (7);
  up_local = local_path (env, "tree");
  up_sub = g_build_filename (up_local, "sub", NULL);
  g_assert_cmpint (g_mkdir_with_parents (up_sub, 0755), ==, 0);
  put_local (env, "tree/a.bin", a);
  put_local (env, "tree/sub/b.bin", b);
  put_local (env, "tree/sub/c.bin", c);

  up_file = g_file_new_for_path (up_local);
  up_remote = remote_path (env, "tree-up");
  up = op_transfer_queue_add_upload (env->queue, env->site, up_file, up_remote, TRUE, 0);
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);
  show_error (up);
  g_assert_cmpint (op_transfer_item_get_state (up), ==, OP_TRANSFER_STATE_DONE);
  g_assert_true (op_transfer_item_get_is_directory (up));
  g_assert_cmpuint (op_transfer_item_get_files_total (up), ==, 3);
  g_assert_cmpuint (op_transfer_item_get_files_done (up), ==, 3);
  g_assert_cmpuint (op_transfer_item_get_size (up), ==, 100 * 1000 + 250 * 1000 + 7);
  g_assert_cmpuint (op_transfer_item_get_bytes_done (up), ==, op_transfer_item_get_size (up));
  path = root_path (env, "tree-up/sub/b.bin");
  assert_file_is (path, b);
  g_clear_pointer (&path, g_free);

  /* And back down, into a new local folder. */
  down_remote = remote_path (env, "tree-up");
  down_local = local_path (env, "tree-down");
  down_file = g_file_new_for_path (down_local);
  down = op_transfer_queue_add_download (env->queue, env->site, down_remote, down_file,
                                         TRUE, 0);
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);
  show_error (down);
  g_assert_cmpint (op_transfer_item_get_state (down), ==, OP_TRANSFER_STATE_DONE);
  g_assert_cmpuint (op_transfer_item_get_files_total (down), ==, 3);
  g_assert_cmpuint (op_transfer_item_get_size (down), ==, 100 * 1000 + 250 * 1000 + 7);
  path = local_path (env, "tree-down/a.bin");
  assert_file_is (path, a);
  g_clear_pointer (&path, g_free);
  path = local_path (env, "tree-down/sub/c.bin");
  assert_file_is (path, c);
  op_transfer_test_env_free (env);
}

/* A missing remote file fails with the server's error; retry works once it exists. */

static void
test_failed_retry (gconstpointer unused)
{
  Env *env = env_open ();
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *path = NULL;
  g_autofree char *part = NULL;
  OpTransferItem *item;
  const GError *error;

  if (env == NULL)
    return;

  item = download (env, "late.bin");
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_FAILED);
  error = op_transfer_item_get_error (item);
  g_assert_nonnull (error);
  g_printerr ("failed as expected: %s\n", error->message);
  g_assert_true (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND));
  /* The message quotes the server's reply (vsftpd: "550 Could not get file size."). */
  g_assert_nonnull (strstr (error->message, "550"));
  g_assert_cmpstr (op_transfer_item_get_error_message (item), ==, error->message);

  path = local_path (env, "late.bin");
  part = g_strconcat (path, ".part", NULL);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));

  /* Still failed later: nothing retries behind the user's back. */
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_FAILED);

  bytes = op_transfer_test_random_bytes (300 * 1000);
  put_remote (env, "late.bin", bytes);
  g_assert_true (op_transfer_queue_retry (env->queue, item));
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);
  show_error (item);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_DONE);
  g_assert_null (op_transfer_item_get_error_message (item));
  assert_file_is (path, bytes);
  op_transfer_test_env_free (env);
}

/* Target conflicts: nobody to ask, then every decision. */

typedef struct
{
  OpTransferQueue   *queue;
  OpTransferItem    *item;
  OpOverwriteChoice  choice;
  gboolean           apply_to_all;
} Answer;

typedef struct
{
  GHashTable *choices;      /* item name → OpOverwriteChoice */
  gboolean    apply_to_all;
  guint       asked;
  GPtrArray  *conflicts;    /* OpTransferConflict */
} Script;

static gboolean
answer_later (gpointer user_data)
{
  Answer *answer = user_data;

  g_assert_cmpint (op_transfer_item_get_state (answer->item), ==, OP_TRANSFER_STATE_ASKING);
  g_assert_true (op_transfer_queue_resolve_conflict (answer->queue, answer->item,
                                                     answer->choice, answer->apply_to_all));
  g_object_unref (answer->item);
  g_free (answer);
  return G_SOURCE_REMOVE;
}

static gboolean
on_conflict (OpTransferQueue    *queue,
             OpTransferItem     *item,
             OpTransferConflict *conflict,
             Script             *script)
{
  Answer *answer = g_new0 (Answer, 1);

  script->asked++;
  g_ptr_array_add (script->conflicts, op_transfer_conflict_copy (conflict));
  answer->queue = queue;
  answer->item = g_object_ref (item);
  answer->choice = GPOINTER_TO_INT (g_hash_table_lookup (script->choices,
                                                         op_transfer_item_get_name (item)));
  answer->apply_to_all = script->apply_to_all;
  g_assert_cmpint (answer->choice, !=, OP_OVERWRITE_ASK);
  /* Like a dialog: the answer comes later, from the main loop. */
  g_idle_add (answer_later, answer);
  return TRUE;
}

static void
test_conflict_without_handler (gconstpointer unused)
{
  Env *env = env_open ();
  g_autoptr(GBytes) remote = NULL;
  g_autoptr(GBytes) local = NULL;
  g_autofree char *path = NULL;
  OpTransferItem *item;

  if (env == NULL)
    return;

  remote = op_transfer_test_random_bytes (1000);
  local = op_transfer_test_random_bytes (500);
  put_remote (env, "x.bin", remote);
  put_local (env, "x.bin", local);
  item = download (env, "x.bin");
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_FAILED);
  g_assert_true (g_error_matches (op_transfer_item_get_error (item), OP_TRANSFER_QUEUE_ERROR,
                                  OP_TRANSFER_QUEUE_ERROR_TARGET_EXISTS));
  path = local_path (env, "x.bin");
  {
    g_autofree char *message =
      g_strdup_printf ("“%s” exists already and nobody decided whether to replace it: it "
                       "was left alone.", path);

    g_assert_cmpstr (op_transfer_item_get_error_message (item), ==, message);
  }
  assert_file_is (path, local);
  op_transfer_test_env_free (env);
}

static void
test_conflict_decisions (gconstpointer unused)
{
  static const struct { const char *name; OpOverwriteChoice choice; } cases[] = {
    { "overwrite.bin", OP_OVERWRITE_OVERWRITE },
    { "newer-remote.bin", OP_OVERWRITE_OVERWRITE_IF_NEWER },
    { "newer-local.bin", OP_OVERWRITE_OVERWRITE_IF_NEWER },
    { "resume.bin", OP_OVERWRITE_RESUME },
    { "rename.bin", OP_OVERWRITE_RENAME },
    { "skip.bin", OP_OVERWRITE_SKIP },
  };
  const gint64 t0 = 1600000000;
  Env *env = env_open ();
  Script script = { 0 };
  g_autoptr(GHashTable) remote = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                        (GDestroyNotify) g_bytes_unref);
  g_autoptr(GHashTable) local = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                       (GDestroyNotify) g_bytes_unref);
  OpTransferItem *items[G_N_ELEMENTS (cases)];

  if (env == NULL)
    return;

  script.choices = g_hash_table_new (g_str_hash, g_str_equal);
  script.conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) op_transfer_conflict_free);
  g_signal_connect (env->queue, "conflict", G_CALLBACK (on_conflict), &script);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *name = cases[i].name;
      GBytes *r = op_transfer_test_random_bytes (64 * 1024 + i);
      GBytes *l;
      g_autofree char *rpath = root_path (env, name);
      g_autofree char *lpath = local_path (env, name);

      if (cases[i].choice == OP_OVERWRITE_RESUME)
        l = g_bytes_new_from_bytes (r, 0, 20 * 1000);  /* the first part of it */
      else
        l = op_transfer_test_random_bytes (1000 + i);
      put_remote (env, name, r);
      put_local (env, name, l);
      set_mtime (rpath, t0);
      set_mtime (lpath, strcmp (name, "newer-local.bin") == 0 ? t0 + 3600 : t0 - 3600);
      g_hash_table_insert (remote, (gpointer) name, r);
      g_hash_table_insert (local, (gpointer) name, l);
      g_hash_table_insert (script.choices, (gpointer) name, GINT_TO_POINTER (cases[i].choice));
    }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    items[i] = download (env, cases[i].name);
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);

  /* Asked once per item, one question at a time, with both sides' facts. */
  g_assert_cmpuint (script.asked, ==, G_N_ELEMENTS (cases));
  for (guint i = 0; i < script.conflicts->len; i++)
    {
      OpTransferConflict *conflict = g_ptr_array_index (script.conflicts, i);

      g_assert_true (g_str_has_prefix (conflict->target_path, env->dirs.local_dir));
      g_assert_cmpint (conflict->source.size, >=, 64 * 1024);
      g_assert_cmpint (conflict->source.mtime, ==, t0);
      g_assert_cmpint (conflict->target.size, >=, 1000);
      g_assert_false (conflict->is_directory);
    }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *name = cases[i].name;
      g_autofree char *lpath = local_path (env, name);
      GBytes *r = g_hash_table_lookup (remote, name);
      GBytes *l = g_hash_table_lookup (local, name);

      g_printerr ("%s: %s\n", name,
                  op_transfer_state_to_string (op_transfer_item_get_state (items[i])));
      show_error (items[i]);
      g_assert_cmpint (op_transfer_item_get_overwrite (items[i]), ==, cases[i].choice);
      switch (cases[i].choice)
        {
        case OP_OVERWRITE_OVERWRITE:
        case OP_OVERWRITE_RESUME:
          g_assert_cmpint (op_transfer_item_get_state (items[i]), ==, OP_TRANSFER_STATE_DONE);
          assert_file_is (lpath, r);
          break;
        case OP_OVERWRITE_OVERWRITE_IF_NEWER:
          if (strcmp (name, "newer-remote.bin") == 0)
            {
              g_assert_cmpint (op_transfer_item_get_state (items[i]), ==,
                               OP_TRANSFER_STATE_DONE);
              assert_file_is (lpath, r);
            }
          else
            {
              g_assert_cmpint (op_transfer_item_get_state (items[i]), ==,
                               OP_TRANSFER_STATE_SKIPPED);
              assert_file_is (lpath, l);
            }
          break;
        case OP_OVERWRITE_RENAME:
          {
            g_autofree char *renamed = local_path (env, "rename (1).bin");

            g_assert_cmpint (op_transfer_item_get_state (items[i]), ==,
                             OP_TRANSFER_STATE_DONE);
            g_assert_cmpstr (op_transfer_item_get_local_path (items[i]), ==, renamed);
            assert_file_is (lpath, l);
            assert_file_is (renamed, r);
          }
          break;
        case OP_OVERWRITE_SKIP:
          g_assert_cmpint (op_transfer_item_get_state (items[i]), ==, OP_TRANSFER_STATE_SKIPPED);
          assert_file_is (lpath, l);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  g_hash_table_unref (script.choices);
  g_ptr_array_unref (script.conflicts);
  op_transfer_test_env_free (env);
}

static void
test_conflict_apply_to_all (gconstpointer unused)
{
  Env *env = env_open ();
  Script script = { 0 };
  g_autoptr(GPtrArray) remote = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) local = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  OpTransferItem *items[3];
  OpTransferItem *later;

  if (env == NULL)
    return;

  script.choices = g_hash_table_new (g_str_hash, g_str_equal);
  script.conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) op_transfer_conflict_free);
  script.apply_to_all = TRUE;
  g_signal_connect (env->queue, "conflict", G_CALLBACK (on_conflict), &script);

  /* Uploads this time: the targets are on the server. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("all%u.txt", i);

      g_ptr_array_add (remote, op_transfer_test_random_bytes (2000));
      g_ptr_array_add (local, op_transfer_test_random_bytes (3000));
      put_remote (env, name, g_ptr_array_index (remote, i));
      put_local (env, name, g_ptr_array_index (local, i));
      g_hash_table_insert (script.choices, g_strdup (name), GINT_TO_POINTER (OP_OVERWRITE_RENAME));
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("all%u.txt", i);

      items[i] = upload (env, name);
    }
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);

  /* One question answered "Rename, apply to all" decided all three. */
  g_assert_cmpuint (script.asked, ==, 1);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("all%u.txt", i);
      g_autofree char *renamed_name = g_strdup_printf ("all%u (1).txt", i);
      g_autofree char *original = root_path (env, name);
      g_autofree char *renamed = root_path (env, renamed_name);
      g_autofree char *renamed_remote = remote_path (env, renamed_name);

      show_error (items[i]);
      g_assert_cmpint (op_transfer_item_get_state (items[i]), ==, OP_TRANSFER_STATE_DONE);
      g_assert_cmpstr (op_transfer_item_get_remote_path (items[i]), ==, renamed_remote);
      assert_file_is (original, g_ptr_array_index (remote, i));
      assert_file_is (renamed, g_ptr_array_index (local, i));
    }

  /* The batch is over: the next conflict is asked again. */
  g_assert_cmpint (op_transfer_queue_get_apply_to_all (env->queue), ==, OP_OVERWRITE_ASK);
  g_hash_table_insert (script.choices, g_strdup ("all0.txt"), GINT_TO_POINTER (OP_OVERWRITE_SKIP));
  script.apply_to_all = FALSE;
  later = upload (env, "all0.txt");
  op_transfer_test_wait_until (op_transfer_test_queue_idle, env->queue, WAIT_MS);
  g_assert_cmpuint (script.asked, ==, 2);
  g_assert_cmpint (op_transfer_item_get_state (later), ==, OP_TRANSFER_STATE_SKIPPED);

  g_hash_table_unref (script.choices);
  g_ptr_array_unref (script.conflicts);
  op_transfer_test_env_free (env);
}

/* Speed limits: a transfer under the queue's limit moves near it, and a change while it
 * runs takes effect. Rates are measured from the item's progress, skipping the first
 * half second of each phase (the bucket may hold a fifth of a second's worth). */

#define KIB 1024.0
#define MIB (1024.0 * 1024.0)

typedef struct
{
  OpTransferQueue *queue;
  gboolean         upload;
  guint64          second_limit;    /* set after @change_after seconds */
  double           change_after;
  gint64           first;           /* monotonic µs of the first progress */
  gint64           changed;         /* … and of the change */
  GArray          *times;           /* gint64 µs */
  GArray          *bytes;           /* guint64 */
} RateData;

static void
on_rate_progress (OpTransferItem *item,
                  GParamSpec     *pspec,
                  RateData       *data)
{
  gint64 now = g_get_monotonic_time ();
  guint64 done = op_transfer_item_get_bytes_done (item);

  if (data->first == 0)
    data->first = now;
  g_array_append_val (data->times, now);
  g_array_append_val (data->bytes, done);
  if (data->changed == 0 && now - data->first >= data->change_after * G_USEC_PER_SEC)
    {
      data->changed = now;
      if (data->upload)
        op_transfer_queue_set_upload_limit (data->queue, data->second_limit);
      else
        op_transfer_queue_set_download_limit (data->queue, data->second_limit);
    }
}

/* Bytes per second between the first sample at or after @from and the last one before
 * @to (µs). */
static double
rate_between (RateData *data,
              gint64    from,
              gint64    to)
{
  guint first = G_MAXUINT, last = G_MAXUINT;

  for (guint i = 0; i < data->times->len; i++)
    {
      gint64 t = g_array_index (data->times, gint64, i);

      if (t >= from && t < to)
        {
          if (first == G_MAXUINT)
            first = i;
          last = i;
        }
    }
  g_assert_cmpuint (first, !=, G_MAXUINT);
  g_assert_cmpuint (last, >, first);
  return (double) (g_array_index (data->bytes, guint64, last) -
                   g_array_index (data->bytes, guint64, first)) * G_USEC_PER_SEC /
         (double) (g_array_index (data->times, gint64, last) -
                   g_array_index (data->times, gint64, first));
}

static void
assert_rate_near (const char *what,
                  double      rate,
                  double      limit)
{
  g_printerr ("%s: %.0f KiB/s under a limit of %.0f KiB/s (%.3f)\n", what, rate / KIB,
              limit / KIB, rate / limit);
  /* Never above it (beyond measuring error); below it only by what a busy machine's
   * late wake-ups cost. */
  g_assert_cmpfloat (rate, <=, limit * 1.08);
  g_assert_cmpfloat (rate, >=, limit * 0.80);
}

/* Runs @item (just added) to its end, the limit becoming @second_limit after
 * @change_after seconds of progress. Returns when it ended (monotonic µs). */
static gint64
run_with_change (RateData       *data,
                 OpTransferItem *item,
                 double          change_after,
                 guint64         second_limit)
{
  gint64 end;

  data->change_after = change_after;
  data->second_limit = second_limit;
  data->first = data->changed = 0;
  g_array_set_size (data->times, 0);
  g_array_set_size (data->bytes, 0);
  g_signal_connect (item, "notify::bytes-done", G_CALLBACK (on_rate_progress), data);
  op_transfer_test_wait_until (op_transfer_test_queue_idle, data->queue, WAIT_MS);
  end = g_get_monotonic_time ();
  g_signal_handlers_disconnect_by_data (item, data);
  show_error (item);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_DONE);
  g_assert_cmpint (data->changed, >, 0);
  return end;
}

static void
test_speed_limits (gconstpointer unused)
{
  Env *env = env_open ();
  g_autoptr(GBytes) down = NULL;
  g_autoptr(GBytes) up = NULL;
  g_autofree char *down_path = NULL;
  g_autofree char *up_root = NULL;
  RateData data = { 0 };
  gint64 end;

  if (env == NULL)
    return;

  /* Download: 1 MiB/s for two seconds, then 2 MiB/s for the rest of 6 MiB. */
  down = op_transfer_test_random_bytes (6 * 1024 * 1024);
  put_remote (env, "limited.bin", down);
  op_transfer_queue_set_download_limit (env->queue, 1024 * 1024);
  g_assert_cmpuint (op_transfer_queue_get_download_limit (env->queue), ==, 1024 * 1024);
  data.queue = env->queue;
  data.times = g_array_new (FALSE, FALSE, sizeof (gint64));
  data.bytes = g_array_new (FALSE, FALSE, sizeof (guint64));
  end = run_with_change (&data, download (env, "limited.bin"), 2.0, 2 * 1024 * 1024);
  down_path = local_path (env, "limited.bin");
  assert_file_is (down_path, down);
  g_printerr ("download: %.2f s for 6 MiB\n", (end - data.first) / (double) G_USEC_PER_SEC);
  assert_rate_near ("download before the change",
                    rate_between (&data, data.first + G_USEC_PER_SEC / 2, data.changed),
                    MIB);
  assert_rate_near ("download after the change",
                    rate_between (&data, data.changed + G_USEC_PER_SEC / 2, end + 1),
                    2 * MIB);

  /* Upload: 1 MiB/s for 1.5 s, then no limit at all: the rest goes at once. */
  up = op_transfer_test_random_bytes (16 * 1024 * 1024);
  put_local (env, "limited-up.bin", up);
  op_transfer_queue_set_upload_limit (env->queue, 1024 * 1024);
  data.upload = TRUE;
  end = run_with_change (&data, upload (env, "limited-up.bin"), 1.5, 0);
  up_root = root_path (env, "limited-up.bin");
  assert_file_is (up_root, up);
  g_assert_cmpuint (op_transfer_queue_get_upload_limit (env->queue), ==, 0);
  assert_rate_near ("upload before the change",
                    rate_between (&data, data.first + G_USEC_PER_SEC / 2, data.changed),
                    MIB);
  /* About 14.5 MiB were left: at the old limit another 14 s; unlimited, far less. */
  g_printerr ("upload: the rest took %.2f s without a limit\n",
              (end - data.changed) / (double) G_USEC_PER_SEC);
  g_assert_cmpfloat ((end - data.changed) / (double) G_USEC_PER_SEC, <, 7.0);

  g_array_unref (data.times);
  g_array_unref (data.bytes);
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

  op_tap_add ("/transfer-queue/vsftpd/4-downloads-2-uploads-2-parallel", test_parallel, NULL);
  op_tap_add ("/transfer-queue/vsftpd/pool-logs-in-once-per-slot", test_pool_reuses_sessions,
              NULL);
  op_tap_add ("/transfer-queue/vsftpd/pause-then-resume-with-rest", test_pause_resume, NULL);
  op_tap_add ("/transfer-queue/vsftpd/upload-pause-then-resume-with-rest",
              test_upload_pause_resume, NULL);
  op_tap_add ("/transfer-queue/vsftpd/folders-up-and-down", test_trees, NULL);
  op_tap_add ("/transfer-queue/vsftpd/failed-item-retried-after-file-appears",
              test_failed_retry, NULL);
  op_tap_add ("/transfer-queue/vsftpd/conflict-without-handler-fails-safe",
              test_conflict_without_handler, NULL);
  op_tap_add ("/transfer-queue/vsftpd/conflict-each-decision", test_conflict_decisions, NULL);
  op_tap_add ("/transfer-queue/vsftpd/conflict-apply-to-all", test_conflict_apply_to_all,
              NULL);
  op_tap_add ("/transfer-queue/vsftpd/speed-limits-hold-and-change-while-running",
              test_speed_limits, NULL);

  return op_tap_run (argc, argv);
}
