/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-transfer-queue"

/*
 * The transfer queue against the scripted in-process FTP server (tests/support): a
 * transfer that drops, a server that refuses, and a question withdrawn by a pause —
 * what real servers cannot be made to do on cue.
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gstdio.h>

#include "op-ftp-site.h"
#include "op-test-fixtures.h"
#include "op-test-ftp-server.h"
#include "op-transfer-queue.h"

#define WAIT_MS 20000

typedef struct
{
  OpTestFtpServer *server;
  OpTransferQueue *queue;
  OpAccount       *site;
  char            *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = op_test_ftp_server_new ();
  f->dir = g_dir_make_tmp ("outpost-tq-faults-XXXXXX", &error);
  g_assert_no_error (error);
  f->queue = op_transfer_queue_new (NULL);
  op_transfer_queue_set_max_parallel (f->queue, 1);  /* the server serves one at a time */
}

static void
fixture_start (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_test_ftp_server_start (f->server, &error));
  g_assert_no_error (error);
  f->site = op_ftp_site_new ();
  op_account_set_host (f->site, "127.0.0.1");
  op_account_set_port (f->site, op_test_ftp_server_get_port (f->server));
  op_ftp_site_set_protocol (f->site, OP_SECURITY_NONE);  /* no TLS in the script */
  op_ftp_site_set_logon_type (f->site, OP_FTP_LOGON_ANONYMOUS);
  op_ftp_site_set_transfer_type (f->site, OP_FTP_TRANSFER_TYPE_BINARY);
}

static gboolean
queue_idle (gpointer data)
{
  return op_transfer_queue_get_n_active (data) == 0 && op_transfer_queue_get_n_queued (data) == 0;
}

static gboolean
timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_until (gboolean (*predicate) (gpointer),
            gpointer  data)
{
  gboolean expired = FALSE;
  guint timeout = g_timeout_add (WAIT_MS, timed_out, &expired);

  while (!predicate (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timeout);
  g_assert_true (predicate (data));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  op_transfer_queue_pause_all (f->queue);
  while (op_transfer_queue_get_n_active (f->queue) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&f->queue);
  g_clear_object (&f->site);
  g_clear_pointer (&f->server, op_test_ftp_server_free);
  op_test_remove_tree (f->dir);
  g_free (f->dir);
  op_test_drain_thread_pool ();
}

static GBytes *
pattern_bytes (gsize size)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 7 + i / 251);
  return g_bytes_new_take (data, size);
}

static GFile *
local (Fixture    *f,
       const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);

  return g_file_new_for_path (path);
}

static void
assert_local_is (Fixture    *f,
                 const char *name,
                 GBytes     *expected)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, g_bytes_get_data (expected, NULL),
                   g_bytes_get_size (expected));
}

static void
test_dropped_download_resumes_on_retry (Fixture       *f,
                                        gconstpointer  data)
{
  g_autoptr(GBytes) bytes = pattern_bytes (100000);
  g_autoptr(GFile) target = local (f, "a.bin");
  g_autofree char *part = g_build_filename (f->dir, "a.bin.part", NULL);
  OpTransferItem *item;
  const GError *error;
  GStatBuf st;

  op_test_ftp_server_add_file (f->server, "/a.bin", g_bytes_get_data (bytes, NULL),
                               g_bytes_get_size (bytes));
  op_test_ftp_server_set_data_fault (f->server, OP_TEST_FTP_FAULT_DROP, 30000, 1);
  fixture_start (f);
  /* No automatic retry here: the manual one is under test. */
  op_transfer_queue_set_retry_policy (f->queue, 0, 0);

  item = op_transfer_queue_add_download (f->queue, f->site, "/a.bin", target, FALSE, 0);
  wait_until (queue_idle, f->queue);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_FAILED);
  error = op_transfer_item_get_error (item);
  g_test_message ("failed: %s", error->message);
  g_assert_true (error->domain == OP_FTP_ERROR);
  g_assert_nonnull (strstr (error->message, "426"));

  /* DESIGN.md: a resumable failure keeps the .part and its offset. */
  g_assert_cmpint (g_stat (part, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 30000);

  g_assert_true (op_transfer_queue_retry (f->queue, item));
  wait_until (queue_idle, f->queue);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_DONE);
  g_assert_true (op_test_ftp_server_received (f->server, "REST 30000"));
  assert_local_is (f, "a.bin", bytes);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
}

typedef struct
{
  guint requeued;     /* RUNNING → QUEUED with an error: an automatic retry */
  OpTransferState last;
} StateTrail;

static void
on_state (OpTransferItem *item,
          GParamSpec     *pspec,
          StateTrail     *trail)
{
  OpTransferState state = op_transfer_item_get_state (item);

  if (trail->last == OP_TRANSFER_STATE_RUNNING && state == OP_TRANSFER_STATE_QUEUED)
    {
      trail->requeued++;
      g_assert_nonnull (op_transfer_item_get_error_message (item));
    }
  trail->last = state;
}

/* A drop mid-transfer is tried again by itself, after a pause, from where it stopped. */
static void
test_dropped_download_retried_automatically (Fixture       *f,
                                             gconstpointer  data)
{
  g_autoptr(GBytes) bytes = pattern_bytes (100000);
  g_autoptr(GFile) target = local (f, "auto.bin");
  StateTrail trail = { 0, OP_TRANSFER_STATE_QUEUED };
  OpTransferItem *item;
  gint64 started;

  op_test_ftp_server_add_file (f->server, "/auto.bin", g_bytes_get_data (bytes, NULL),
                               g_bytes_get_size (bytes));
  op_test_ftp_server_set_data_fault (f->server, OP_TEST_FTP_FAULT_DROP, 30000, 2);
  fixture_start (f);
  op_transfer_queue_set_retry_policy (f->queue, 3, 200);

  started = g_get_monotonic_time ();
  item = op_transfer_queue_add_download (f->queue, f->site, "/auto.bin", target, FALSE, 0);
  g_signal_connect (item, "notify::state", G_CALLBACK (on_state), &trail);
  wait_until (queue_idle, f->queue);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_DONE);
  g_assert_null (op_transfer_item_get_error_message (item));
  g_assert_cmpuint (trail.requeued, ==, 2);
  /* Backed off 200 ms, then 400 ms. */
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 600 * 1000);
  g_assert_true (op_test_ftp_server_received (f->server, "REST 30000"));
  assert_local_is (f, "auto.bin", bytes);
}

/* After its automatic retries an item fails for good; a manual retry starts afresh. */
static void
test_gives_up_after_retries (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GBytes) bytes = pattern_bytes (50000);
  g_autoptr(GFile) target = local (f, "give-up.bin");
  StateTrail trail = { 0, OP_TRANSFER_STATE_QUEUED };
  OpTransferItem *item;

  op_test_ftp_server_add_file (f->server, "/give-up.bin", g_bytes_get_data (bytes, NULL),
                               g_bytes_get_size (bytes));
  /* The first try and both retries drop before any byte. */
  op_test_ftp_server_set_data_fault (f->server, OP_TEST_FTP_FAULT_DROP, 0, 3);
  fixture_start (f);
  op_transfer_queue_set_retry_policy (f->queue, 2, 50);

  item = op_transfer_queue_add_download (f->queue, f->site, "/give-up.bin", target, FALSE, 0);
  g_signal_connect (item, "notify::state", G_CALLBACK (on_state), &trail);
  wait_until (queue_idle, f->queue);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_FAILED);
  g_assert_cmpuint (trail.requeued, ==, 2);
  g_assert_nonnull (op_transfer_item_get_error_message (item));

  g_assert_true (op_transfer_queue_retry (f->queue, item));
  wait_until (queue_idle, f->queue);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_DONE);
  assert_local_is (f, "give-up.bin", bytes);
}

static gboolean
one_running (gpointer data)
{
  g_autoptr(OpTransferItem) first = g_list_model_get_item (data, 0);

  return op_transfer_queue_get_n_active (data) == 1 &&
         op_transfer_item_get_bytes_done (first) >= 10000;
}

static gboolean
nothing_active (gpointer data)
{
  return op_transfer_queue_get_n_active (data) == 0;
}

/* Stop: what runs goes back in line and nothing starts; start: everything completes,
 * the interrupted one from where it stopped. */
static void
test_stop_and_start (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GBytes) bytes = pattern_bytes (60000);
  OpTransferItem *items[3];

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *path = g_strdup_printf ("/s%u.bin", i);

      op_test_ftp_server_add_file (f->server, path, g_bytes_get_data (bytes, NULL),
                                   g_bytes_get_size (bytes));
    }
  op_test_ftp_server_set_rate (f->server, 40000);
  fixture_start (f);
  g_assert_true (op_transfer_queue_get_running (f->queue));
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *remote = g_strdup_printf ("/s%u.bin", i);
      g_autofree char *name = g_strdup_printf ("s%u.bin", i);
      g_autoptr(GFile) target = local (f, name);

      items[i] = op_transfer_queue_add_download (f->queue, f->site, remote, target, FALSE, 0);
    }
  wait_until (one_running, f->queue);

  op_transfer_queue_stop (f->queue);
  g_assert_false (op_transfer_queue_get_running (f->queue));
  wait_until (nothing_active, f->queue);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (op_transfer_item_get_state (items[i]), ==, OP_TRANSFER_STATE_QUEUED);
  /* Stopped means stopped: nothing starts meanwhile. */
  for (guint i = 0; i < 20; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10 * 1000);
    }
  g_assert_cmpuint (op_transfer_queue_get_n_active (f->queue), ==, 0);

  op_test_ftp_server_set_rate (f->server, 0);
  op_transfer_queue_start (f->queue);
  wait_until (queue_idle, f->queue);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("s%u.bin", i);

      g_assert_cmpint (op_transfer_item_get_state (items[i]), ==, OP_TRANSFER_STATE_DONE);
      assert_local_is (f, name, bytes);
    }
  g_assert_true (op_test_ftp_server_received (f->server, "REST *"));
}

static void
test_refused_upload_keeps_servers_words (Fixture       *f,
                                         gconstpointer  data)
{
  g_autoptr(GBytes) bytes = pattern_bytes (5000);
  g_autoptr(GFile) source = local (f, "up.bin");
  g_autofree char *path = g_file_get_path (source);
  g_autoptr(GBytes) stored = NULL;
  OpTransferItem *item;
  const GError *error;

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                                      g_bytes_get_size (bytes), NULL));
  op_test_ftp_server_add_folder (f->server, "/in");
  op_test_ftp_server_fail_command (f->server, "STOR", "552 Quota exceeded for anonymous.\r\n",
                                   1);
  fixture_start (f);

  item = op_transfer_queue_add_upload (f->queue, f->site, source, "/in/up.bin", FALSE, 0);
  wait_until (queue_idle, f->queue);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_FAILED);
  error = op_transfer_item_get_error (item);
  g_assert_true (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_DISK_FULL));
  g_assert_nonnull (strstr (op_transfer_item_get_error_message (item),
                            "Quota exceeded for anonymous."));

  g_assert_true (op_transfer_queue_retry (f->queue, item));
  wait_until (queue_idle, f->queue);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_DONE);
  stored = op_test_ftp_server_dup_file (f->server, "/in/up.bin");
  g_assert_nonnull (stored);
  g_assert_true (g_bytes_equal (stored, bytes));
}

typedef struct
{
  guint            asked;
  OpTransferItem  *last;
} Asked;

static gboolean
remember_conflict (OpTransferQueue    *queue,
                   OpTransferItem     *item,
                   OpTransferConflict *conflict,
                   Asked              *asked)
{
  asked->asked++;
  asked->last = item;
  return TRUE;  /* a dialog that stays open */
}

static gboolean
was_asked (gpointer data)
{
  Asked *asked = data;

  return asked->asked > 0 &&
         op_transfer_item_get_state (asked->last) == OP_TRANSFER_STATE_ASKING;
}

static void
test_pause_withdraws_question (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GBytes) remote = pattern_bytes (4000);
  g_autoptr(GBytes) existing = pattern_bytes (10);
  g_autoptr(GFile) target = local (f, "c.bin");
  g_autofree char *path = g_file_get_path (target);
  Asked asked = { 0 };
  OpTransferItem *item;

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (existing, NULL),
                                      g_bytes_get_size (existing), NULL));
  op_test_ftp_server_add_file (f->server, "/c.bin", g_bytes_get_data (remote, NULL),
                               g_bytes_get_size (remote));
  fixture_start (f);
  g_signal_connect (f->queue, "conflict", G_CALLBACK (remember_conflict), &asked);

  item = op_transfer_queue_add_download (f->queue, f->site, "/c.bin", target, FALSE, 0);
  wait_until (was_asked, &asked);
  g_assert_cmpuint (op_transfer_queue_get_n_active (f->queue), ==, 1);

  /* Paused while the dialog is open: the question is withdrawn, the file untouched. */
  g_assert_true (op_transfer_queue_pause (f->queue, item));
  wait_until (queue_idle, f->queue);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_PAUSED);
  g_assert_false (op_transfer_queue_resolve_conflict (f->queue, item, OP_OVERWRITE_OVERWRITE,
                                                      FALSE));
  assert_local_is (f, "c.bin", existing);

  /* Resumed: asked again; this time the answer comes. */
  g_assert_true (op_transfer_queue_resume (f->queue, item));
  asked.last = NULL;
  asked.asked = 0;
  wait_until (was_asked, &asked);
  g_assert_true (asked.last == item);
  g_assert_true (op_transfer_queue_resolve_conflict (f->queue, item, OP_OVERWRITE_OVERWRITE,
                                                     FALSE));
  wait_until (queue_idle, f->queue);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_DONE);
  assert_local_is (f, "c.bin", remote);
}

static gboolean
answer_rename (OpTransferQueue    *queue,
               OpTransferItem     *item,
               OpTransferConflict *conflict,
               guint              *asked)
{
  (*asked)++;
  /* A handler may also answer at once. */
  g_assert_true (op_transfer_queue_resolve_conflict (queue, item, OP_OVERWRITE_RENAME, FALSE));
  return TRUE;
}

static void
test_upload_rename_picks_free_remote_name (Fixture       *f,
                                           gconstpointer  data)
{
  g_autoptr(GBytes) mine = pattern_bytes (3000);
  g_autoptr(GBytes) theirs = pattern_bytes (100);
  g_autoptr(GFile) source = local (f, "r.txt");
  g_autofree char *path = g_file_get_path (source);
  g_autoptr(GBytes) kept = NULL;
  g_autoptr(GBytes) stored = NULL;
  guint asked = 0;
  OpTransferItem *item;

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (mine, NULL),
                                      g_bytes_get_size (mine), NULL));
  op_test_ftp_server_add_file (f->server, "/in/r.txt", g_bytes_get_data (theirs, NULL),
                               g_bytes_get_size (theirs));
  op_test_ftp_server_add_file (f->server, "/in/r (1).txt", g_bytes_get_data (theirs, NULL),
                               g_bytes_get_size (theirs));
  fixture_start (f);
  g_signal_connect (f->queue, "conflict", G_CALLBACK (answer_rename), &asked);

  item = op_transfer_queue_add_upload (f->queue, f->site, source, "/in/r.txt", FALSE, 0);
  wait_until (queue_idle, f->queue);
  g_assert_cmpuint (asked, ==, 1);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_DONE);
  g_assert_cmpstr (op_transfer_item_get_remote_path (item), ==, "/in/r (2).txt");
  kept = op_test_ftp_server_dup_file (f->server, "/in/r.txt");
  stored = op_test_ftp_server_dup_file (f->server, "/in/r (2).txt");
  g_assert_true (g_bytes_equal (kept, theirs));
  g_assert_nonnull (stored);
  g_assert_true (g_bytes_equal (stored, mine));
}

static gboolean
answer_skip_for_all (OpTransferQueue    *queue,
                     OpTransferItem     *item,
                     OpTransferConflict *conflict,
                     guint              *asked)
{
  (*asked)++;
  g_assert_true (op_transfer_queue_resolve_conflict (queue, item, OP_OVERWRITE_SKIP, TRUE));
  return TRUE;
}

static void
test_apply_to_all_lasts_one_batch (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GBytes) remote = pattern_bytes (2000);
  g_autoptr(GBytes) existing = pattern_bytes (20);
  OpTransferItem *items[3];
  OpTransferItem *later;
  guint asked = 0;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("s%u.bin", i);
      g_autofree char *remote_path = g_strconcat ("/", name, NULL);
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      op_test_ftp_server_add_file (f->server, remote_path, g_bytes_get_data (remote, NULL),
                                   g_bytes_get_size (remote));
      g_assert_true (g_file_set_contents (path, g_bytes_get_data (existing, NULL),
                                          g_bytes_get_size (existing), NULL));
    }
  fixture_start (f);
  g_signal_connect (f->queue, "conflict", G_CALLBACK (answer_skip_for_all), &asked);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("s%u.bin", i);
      g_autofree char *remote_path = g_strconcat ("/", name, NULL);
      g_autoptr(GFile) target = local (f, name);

      items[i] = op_transfer_queue_add_download (f->queue, f->site, remote_path, target,
                                                 FALSE, 0);
    }
  wait_until (queue_idle, f->queue);

  /* One answer, "Skip, apply to all", decided the whole batch. */
  g_assert_cmpuint (asked, ==, 1);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("s%u.bin", i);

      g_assert_cmpint (op_transfer_item_get_state (items[i]), ==, OP_TRANSFER_STATE_SKIPPED);
      assert_local_is (f, name, existing);
    }
  g_assert_false (op_test_ftp_server_received (f->server, "RETR *"));

  /* The batch is over: the next transfer is asked about again. */
  g_assert_cmpint (op_transfer_queue_get_apply_to_all (f->queue), ==, OP_OVERWRITE_ASK);
  {
    g_autoptr(GFile) target = local (f, "s0.bin");

    later = op_transfer_queue_add_download (f->queue, f->site, "/s0.bin", target, FALSE, 0);
  }
  wait_until (queue_idle, f->queue);
  g_assert_cmpuint (asked, ==, 2);
  g_assert_cmpint (op_transfer_item_get_state (later), ==, OP_TRANSFER_STATE_SKIPPED);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/transfer-queue/faults/dropped-download-resumes-on-retry",
       test_dropped_download_resumes_on_retry);
  ADD ("/transfer-queue/faults/dropped-download-retried-automatically",
       test_dropped_download_retried_automatically);
  ADD ("/transfer-queue/faults/gives-up-after-its-retries", test_gives_up_after_retries);
  ADD ("/transfer-queue/stop-then-start", test_stop_and_start);
  ADD ("/transfer-queue/faults/refused-upload-keeps-the-servers-words",
       test_refused_upload_keeps_servers_words);
  ADD ("/transfer-queue/conflict/pause-withdraws-the-question",
       test_pause_withdraws_question);
  ADD ("/transfer-queue/conflict/upload-rename-picks-a-free-remote-name",
       test_upload_rename_picks_free_remote_name);
  ADD ("/transfer-queue/conflict/apply-to-all-lasts-one-batch",
       test_apply_to_all_lasts_one_batch);
#undef ADD

  return g_test_run ();
}
