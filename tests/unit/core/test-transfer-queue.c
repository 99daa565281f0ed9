/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

/*
 * The transfer queue's state machine and persistence, without a real FTP server: a
 * closed port makes transfers fail, a listener that accepts and never greets keeps them
 * running for as long as a test needs. (Transfers that complete, pause/resume with REST
 * and conflicts run against vsftpd in tests/integration/core/test-transfer-queue-ftp.c.)
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gstdio.h>

#include "op-accounts.h"
#include "op-ftp-site.h"
#include "op-profile.h"
#include "op-transfer-queue.h"

#define WAIT_MS 10000

typedef gboolean (*Predicate) (gpointer data);

static gboolean
timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_until (Predicate predicate,
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

/* Runs the main context for @ms, whatever happens. */
static void
run_for (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, timed_out, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  OpTransferItem  *item;
  OpTransferState  state;
} StateWait;

static gboolean
item_in_state (gpointer data)
{
  StateWait *wait = data;

  return op_transfer_item_get_state (wait->item) == wait->state;
}

static void
wait_state (OpTransferItem  *item,
            OpTransferState  state)
{
  StateWait wait = { item, state };

  wait_until (item_in_state, &wait);
}

static gboolean
queue_idle (gpointer data)
{
  return op_transfer_queue_get_n_active (data) == 0;
}

/* A port nothing listens on. */
static guint16
closed_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_socket_listener_close (listener);
  return port;
}

/* A server that accepts connections and never says a word. */
typedef struct
{
  GSocketListener *listener;
  GPtrArray       *connections;
  guint16          port;
} Silent;

static void
silent_accepted (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Silent *silent = user_data;
  GSocketConnection *connection;

  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL,
                                                NULL);
  if (connection == NULL)
    return;
  g_ptr_array_add (silent->connections, connection);
  g_socket_listener_accept_async (silent->listener, NULL, silent_accepted, silent);
}

static Silent *
silent_new (void)
{
  Silent *silent = g_new0 (Silent, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  silent->listener = g_socket_listener_new ();
  silent->connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_socket_listener_add_address (silent->listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  silent->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_socket_listener_accept_async (silent->listener, NULL, silent_accepted, silent);
  return silent;
}

static void
silent_free (Silent *silent)
{
  g_socket_listener_close (silent->listener);
  g_object_unref (silent->listener);
  g_ptr_array_unref (silent->connections);
  g_free (silent);
}

static OpAccount *
make_site (guint16 port)
{
  OpAccount *site = op_ftp_site_new ();

  op_account_set_name (site, "Loopback");
  op_account_set_host (site, "127.0.0.1");
  op_account_set_port (site, port);
  op_ftp_site_set_protocol (site, OP_SECURITY_NONE);
  op_ftp_site_set_logon_type (site, OP_FTP_LOGON_ANONYMOUS);
  return site;
}

static GFile *
local_file (const char *name)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), name, NULL);

  return g_file_new_for_path (path);
}

static void
count_finished (OpTransferQueue *queue,
                OpTransferItem  *item,
                guint           *count)
{
  (*count)++;
}

static void
test_failed_then_retry (void)
{
  g_autoptr(OpTransferQueue) queue = op_transfer_queue_new (NULL);
  g_autoptr(OpAccount) site = make_site (closed_port ());
  g_autoptr(GFile) local = local_file ("a.bin");
  OpTransferItem *item;
  guint finished = 0;

  /* A refused connection is retried automatically (test-transfer-queue-faults); here the
   * failure itself is under test. */
  op_transfer_queue_set_retry_policy (queue, 0, 0);
  g_signal_connect (queue, "item-finished", G_CALLBACK (count_finished), &finished);
  item = op_transfer_queue_add_download (queue, site, "/a.bin", local, FALSE, 1234);
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_QUEUED);
  g_assert_cmpuint (op_transfer_queue_get_n_queued (queue), ==, 1);
  g_assert_cmpstr (op_transfer_item_get_name (item), ==, "a.bin");
  g_assert_cmpuint (op_transfer_item_get_size (item), ==, 1234);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (queue)), ==, 1);

  wait_state (item, OP_TRANSFER_STATE_FAILED);
  g_assert_nonnull (op_transfer_item_get_error_message (item));
  g_assert_true (op_transfer_item_get_error (item)->domain == G_IO_ERROR ||
                 op_transfer_item_get_error (item)->domain == OP_FTP_ERROR);
  g_assert_cmpuint (finished, ==, 1);
  wait_until (queue_idle, queue);

  /* Wrong-state calls are refused. */
  g_assert_false (op_transfer_queue_resume (queue, item));
  g_assert_false (op_transfer_queue_pause (queue, item));
  g_assert_false (op_transfer_queue_cancel (queue, item));
  /* remove-finished keeps failed items: they can be retried. */
  g_assert_cmpuint (op_transfer_queue_remove_finished (queue), ==, 0);

  g_assert_true (op_transfer_queue_retry (queue, item));
  g_assert_null (op_transfer_item_get_error_message (item));
  g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_QUEUED);
  wait_state (item, OP_TRANSFER_STATE_FAILED);
  g_assert_cmpuint (finished, ==, 2);
  wait_until (queue_idle, queue);

  g_assert_true (op_transfer_queue_remove (queue, item));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (queue)), ==, 0);
}

typedef struct
{
  OpTransferQueue *queue;
  guint            max_active;
} ActiveWatch;

static void
track_active (OpTransferQueue *queue,
              GParamSpec      *pspec,
              ActiveWatch     *watch)
{
  watch->max_active = MAX (watch->max_active, op_transfer_queue_get_n_active (queue));
}

static gboolean
n_connections_is (gpointer data)
{
  Silent *silent = ((gpointer *) data)[0];
  guint n = GPOINTER_TO_UINT (((gpointer *) data)[1]);

  return silent->connections->len == n;
}

static void
wait_connections (Silent *silent,
                  guint   n)
{
  gpointer data[2] = { silent, GUINT_TO_POINTER (n) };

  wait_until (n_connections_is, data);
}

static void
test_parallel_pause_resume_cancel (void)
{
  g_autoptr(OpTransferQueue) queue = op_transfer_queue_new (NULL);
  Silent *silent = silent_new ();
  g_autoptr(OpAccount) site = make_site (silent->port);
  OpTransferItem *items[3];
  ActiveWatch watch = { queue, 0 };

  g_assert_cmpuint (op_transfer_queue_get_max_parallel (queue), ==, 2);
  g_signal_connect (queue, "notify::n-active", G_CALLBACK (track_active), &watch);
  op_ftp_site_set_max_connections (site, 10);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("f%u.bin", i);
      g_autofree char *remote = g_strconcat ("/", name, NULL);
      g_autoptr(GFile) local = local_file (name);

      items[i] = op_transfer_queue_add_upload (queue, site, local, remote, FALSE, 0);
    }

  /* Two sessions, two connections; the third waits. */
  wait_state (items[0], OP_TRANSFER_STATE_RUNNING);
  wait_state (items[1], OP_TRANSFER_STATE_RUNNING);
  wait_connections (silent, 2);
  run_for (200);
  g_assert_cmpint (op_transfer_item_get_state (items[2]), ==, OP_TRANSFER_STATE_QUEUED);
  g_assert_cmpuint (op_transfer_queue_get_n_active (queue), ==, 2);
  g_assert_cmpuint (op_transfer_queue_get_n_queued (queue), ==, 1);
  g_assert_cmpuint (silent->connections->len, ==, 2);

  /* Running items refuse resume and retry, and cannot be removed. */
  g_assert_false (op_transfer_queue_resume (queue, items[0]));
  g_assert_false (op_transfer_queue_retry (queue, items[0]));
  g_assert_false (op_transfer_queue_remove (queue, items[0]));

  /* Pausing a running item frees its slot for the queued one. */
  g_assert_true (op_transfer_queue_pause (queue, items[0]));
  g_assert_cmpint (op_transfer_item_get_state (items[0]), ==, OP_TRANSFER_STATE_PAUSED);
  wait_state (items[2], OP_TRANSFER_STATE_RUNNING);
  wait_connections (silent, 3);
  g_assert_cmpint (op_transfer_item_get_state (items[0]), ==, OP_TRANSFER_STATE_PAUSED);
  g_assert_null (op_transfer_item_get_error_message (items[0]));

  /* Resumed, it queues behind the two running ones… */
  g_assert_true (op_transfer_queue_resume (queue, items[0]));
  g_assert_cmpint (op_transfer_item_get_state (items[0]), ==, OP_TRANSFER_STATE_QUEUED);
  run_for (200);
  g_assert_cmpint (op_transfer_item_get_state (items[0]), ==, OP_TRANSFER_STATE_QUEUED);
  /* …until a third slot opens. */
  op_transfer_queue_set_max_parallel (queue, 3);
  wait_state (items[0], OP_TRANSFER_STATE_RUNNING);
  wait_connections (silent, 4);
  g_assert_cmpuint (watch.max_active, ==, 3);

  /* Pause a queued item: it never starts. Cancel from paused and from running. */
  op_transfer_queue_set_max_parallel (queue, 1);
  g_assert_true (op_transfer_queue_cancel (queue, items[1]));
  g_assert_cmpint (op_transfer_item_get_state (items[1]), ==, OP_TRANSFER_STATE_CANCELLED);
  g_assert_true (op_transfer_queue_pause (queue, items[2]));
  g_assert_true (op_transfer_queue_cancel (queue, items[2]));
  g_assert_cmpint (op_transfer_item_get_state (items[2]), ==, OP_TRANSFER_STATE_CANCELLED);
  g_assert_false (op_transfer_queue_cancel (queue, items[2]));

  /* A cancelled item can be retried. */
  g_assert_true (op_transfer_queue_retry (queue, items[2]));
  g_assert_cmpint (op_transfer_item_get_state (items[2]), ==, OP_TRANSFER_STATE_QUEUED);
  op_transfer_queue_pause_all (queue);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (op_transfer_item_get_state (items[i]), ==,
                     i == 1 ? OP_TRANSFER_STATE_CANCELLED : OP_TRANSFER_STATE_PAUSED);
  wait_until (queue_idle, queue);
  g_assert_cmpuint (op_transfer_queue_get_n_queued (queue), ==, 0);

  g_assert_cmpuint (op_transfer_queue_remove_finished (queue), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (queue)), ==, 2);
  /* Paused items may be removed by hand. */
  g_assert_true (op_transfer_queue_remove (queue, items[0]));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (queue)), ==, 1);

  silent_free (silent);
}

static void
test_site_max_connections (void)
{
  g_autoptr(OpTransferQueue) queue = op_transfer_queue_new (NULL);
  Silent *silent = silent_new ();
  g_autoptr(OpAccount) site = make_site (silent->port);
  g_autoptr(OpAccount) same_server = NULL;
  g_autoptr(OpAccount) other_user = NULL;
  g_autoptr(GFile) local = local_file ("m.bin");
  OpTransferItem *first, *second, *third, *fourth;

  op_transfer_queue_set_max_parallel (queue, 5);
  op_ftp_site_set_max_connections (site, 1);
  /* Another site for the same server and user shares the limit; another user does not. */
  same_server = op_ftp_site_duplicate (site);
  op_ftp_site_set_max_connections (same_server, 1);
  other_user = op_ftp_site_duplicate (site);
  op_ftp_site_set_logon_type (other_user, OP_FTP_LOGON_NORMAL);
  op_account_set_user (other_user, "bob");
  op_account_set_allow_plaintext_password (other_user, TRUE);
  op_transfer_queue_set_password (queue, other_user, "pw");

  first = op_transfer_queue_add_download (queue, site, "/1", local, FALSE, 0);
  second = op_transfer_queue_add_download (queue, site, "/2", local, FALSE, 0);
  third = op_transfer_queue_add_download (queue, same_server, "/3", local, FALSE, 0);
  fourth = op_transfer_queue_add_download (queue, other_user, "/4", local, FALSE, 0);

  wait_state (first, OP_TRANSFER_STATE_RUNNING);
  wait_state (fourth, OP_TRANSFER_STATE_RUNNING);
  run_for (200);
  g_assert_cmpint (op_transfer_item_get_state (second), ==, OP_TRANSFER_STATE_QUEUED);
  g_assert_cmpint (op_transfer_item_get_state (third), ==, OP_TRANSFER_STATE_QUEUED);
  g_assert_cmpuint (op_transfer_queue_get_n_active (queue), ==, 2);

  /* When the site's one session ends, the next item for it starts. */
  op_transfer_queue_cancel (queue, first);
  wait_state (second, OP_TRANSFER_STATE_RUNNING);
  g_assert_cmpint (op_transfer_item_get_state (third), ==, OP_TRANSFER_STATE_QUEUED);

  op_transfer_queue_pause_all (queue);
  wait_until (queue_idle, queue);
  silent_free (silent);
}

static void
test_unknown_password (void)
{
  g_autoptr(OpTransferQueue) queue = op_transfer_queue_new (NULL);
  g_autoptr(OpAccount) site = make_site (closed_port ());
  g_autoptr(GFile) local = local_file ("p.bin");
  OpTransferItem *item;

  /* No Secret Service here (tests/unit/core/meson.build), so nothing is stored. */
  op_ftp_site_set_logon_type (site, OP_FTP_LOGON_ASK);
  op_account_set_user (site, "anna");
  item = op_transfer_queue_add_download (queue, site, "/p.bin", local, FALSE, 0);
  wait_state (item, OP_TRANSFER_STATE_FAILED);
  g_assert_true (g_error_matches (op_transfer_item_get_error (item), OP_TRANSFER_QUEUE_ERROR,
                                  OP_TRANSFER_QUEUE_ERROR_NO_PASSWORD));
  g_assert_cmpstr (op_transfer_item_get_error_message (item), ==,
                   "The password for anna on 127.0.0.1 is not known: connect to the site "
                   "again, then retry.");
  wait_until (queue_idle, queue);

  /* Given for this run, it is used: the item now gets as far as the (closed) port. */
  op_transfer_queue_set_password (queue, site, "hunter2");
  g_assert_true (op_transfer_queue_retry (queue, item));
  wait_state (item, OP_TRANSFER_STATE_FAILED);
  g_assert_false (g_error_matches (op_transfer_item_get_error (item), OP_TRANSFER_QUEUE_ERROR,
                                   OP_TRANSFER_QUEUE_ERROR_NO_PASSWORD));
  wait_until (queue_idle, queue);
}

static char *
state_path (void)
{
  g_autofree char *dir = op_profile_data_dir ();

  return g_build_filename (dir, "transfers.ini", NULL);
}

static gboolean
file_mentions (gpointer data)
{
  const char **args = data;
  g_autofree char *contents = NULL;

  return g_file_get_contents (args[0], &contents, NULL, NULL) &&
         strstr (contents, args[1]) != NULL;
}

static void
test_persistence_round_trip (void)
{
  g_autofree char *path = state_path ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(OpTransferQueue) queue = op_transfer_queue_new (file);
  g_autoptr(OpTransferQueue) reloaded = op_transfer_queue_new (file);
  g_autoptr(OpAccount) site = make_site (closed_port ());
  g_autoptr(OpAccount) saved_site = make_site (21);
  g_autoptr(OpAccounts) accounts = NULL;
  g_autoptr(GFile) accounts_file = NULL;
  g_autoptr(GFile) a = local_file ("one.bin");
  g_autoptr(GFile) b = local_file ("tree");
  g_autoptr(GFile) c = local_file ("three.bin");
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *accounts_path = NULL;
  OpTransferItem *one, *two, *three;
  g_autofree char *one_id = NULL;
  g_autofree char *two_id = NULL;
  const char *args[2];

  op_ftp_site_set_logon_type (site, OP_FTP_LOGON_NORMAL);
  op_account_set_user (site, "anna");
  op_ftp_site_set_charset (site, "ISO-8859-1");
  op_ftp_site_set_data_mode (site, OP_FTP_DATA_ACTIVE);
  op_ftp_site_set_transfer_type (site, OP_FTP_TRANSFER_TYPE_BINARY);
  op_transfer_queue_set_password (queue, site, "pw-never-on-disk");
  op_account_set_host (saved_site, "saved.example.org");

  /* Paused before they start: nothing runs in this test. */
  op_transfer_queue_set_max_parallel (queue, 1);
  one = op_transfer_queue_add_download (queue, site, "/pub/one.bin", a, FALSE, 10);
  op_transfer_queue_pause (queue, one);
  two = op_transfer_queue_add_upload (queue, saved_site, b, "/incoming/tree", TRUE, 0);
  op_transfer_item_set_overwrite (two, OP_OVERWRITE_RENAME);
  op_transfer_item_set_binary (two, TRUE);
  op_transfer_queue_pause (queue, two);
  three = op_transfer_queue_add_download (queue, site, "/three.bin", c, FALSE, 0);
  op_transfer_queue_cancel (queue, three);
  one_id = g_strdup (op_transfer_item_get_id (one));
  two_id = g_strdup (op_transfer_item_get_id (two));

  /* Saved by itself, shortly after the changes (in a GIO thread). */
  args[0] = path;
  args[1] = two_id;
  wait_until (file_mentions, args);

  g_assert_true (op_transfer_queue_save (queue, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "pw-never-on-disk"));
  g_assert_null (strstr (contents, "three.bin"));  /* finished items are not kept */

  /* The second site is a saved one: after loading, the item uses that very account. */
  accounts_path = g_build_filename (g_get_tmp_dir (), "accounts.ini", NULL);
  accounts_file = g_file_new_for_path (accounts_path);
  accounts = op_accounts_new (accounts_file);
  op_accounts_add (accounts, saved_site);

  g_assert_true (op_transfer_queue_load (reloaded, accounts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, 2);
  {
    g_autoptr(OpTransferItem) r1 = g_list_model_get_item (G_LIST_MODEL (reloaded), 0);
    g_autoptr(OpTransferItem) r2 = g_list_model_get_item (G_LIST_MODEL (reloaded), 1);
    g_autofree char *a_path = g_file_get_path (a);
    g_autofree char *b_path = g_file_get_path (b);
    OpAccount *s1 = op_transfer_item_get_site (r1);

    g_assert_cmpstr (op_transfer_item_get_id (r1), ==, one_id);
    g_assert_cmpint (op_transfer_item_get_state (r1), ==, OP_TRANSFER_STATE_PAUSED);
    g_assert_cmpint (op_transfer_item_get_direction (r1), ==, OP_TRANSFER_DOWNLOAD);
    g_assert_false (op_transfer_item_get_is_directory (r1));
    g_assert_cmpstr (op_transfer_item_get_local_path (r1), ==, a_path);
    g_assert_cmpstr (op_transfer_item_get_remote_path (r1), ==, "/pub/one.bin");
    g_assert_cmpuint (op_transfer_item_get_size (r1), ==, 10);
    g_assert_cmpint (op_transfer_item_get_overwrite (r1), ==, OP_OVERWRITE_ASK);
    g_assert_false (op_transfer_item_get_binary (r1));
    g_assert_cmpstr (op_account_get_host (s1), ==, "127.0.0.1");
    g_assert_cmpuint (op_account_get_port (s1), ==, op_account_get_port (site));
    g_assert_cmpstr (op_account_get_user (s1), ==, "anna");
    g_assert_cmpint (op_ftp_site_get_protocol (s1), ==, OP_SECURITY_NONE);
    g_assert_cmpint (op_ftp_site_get_logon_type (s1), ==, OP_FTP_LOGON_NORMAL);
    g_assert_cmpstr (op_ftp_site_get_charset (s1), ==, "ISO-8859-1");
    g_assert_cmpint (op_ftp_site_get_data_mode (s1), ==, OP_FTP_DATA_ACTIVE);
    g_assert_cmpint (op_ftp_site_get_transfer_type (s1), ==, OP_FTP_TRANSFER_TYPE_BINARY);

    g_assert_cmpstr (op_transfer_item_get_id (r2), ==, two_id);
    g_assert_cmpint (op_transfer_item_get_state (r2), ==, OP_TRANSFER_STATE_PAUSED);
    g_assert_cmpint (op_transfer_item_get_direction (r2), ==, OP_TRANSFER_UPLOAD);
    g_assert_true (op_transfer_item_get_is_directory (r2));
    g_assert_cmpstr (op_transfer_item_get_local_path (r2), ==, b_path);
    g_assert_cmpstr (op_transfer_item_get_remote_path (r2), ==, "/incoming/tree");
    g_assert_cmpint (op_transfer_item_get_overwrite (r2), ==, OP_OVERWRITE_RENAME);
    /* A synchronisation's TYPE I outlives a restart. */
    g_assert_true (op_transfer_item_get_binary (r2));
    g_assert_true (op_transfer_item_get_site (r2) == saved_site);
  }

  /* Loading again adds nothing twice. */
  g_assert_true (op_transfer_queue_load (reloaded, accounts, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, 2);
}

static void
test_running_come_back_paused (void)
{
  g_autofree char *path = state_path ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(OpTransferQueue) queue = op_transfer_queue_new (file);
  g_autoptr(OpTransferQueue) reloaded = op_transfer_queue_new (file);
  Silent *silent = silent_new ();
  g_autoptr(OpAccount) site = make_site (silent->port);
  g_autoptr(GFile) a = local_file ("run.bin");
  g_autoptr(GFile) b = local_file ("wait.bin");
  g_autoptr(GError) error = NULL;
  OpTransferItem *running, *queued;

  op_transfer_queue_set_max_parallel (queue, 1);
  running = op_transfer_queue_add_download (queue, site, "/run.bin", a, FALSE, 0);
  queued = op_transfer_queue_add_download (queue, site, "/wait.bin", b, FALSE, 0);
  wait_state (running, OP_TRANSFER_STATE_RUNNING);
  g_assert_cmpint (op_transfer_item_get_state (queued), ==, OP_TRANSFER_STATE_QUEUED);

  /* What a crash or a quit leaves behind: a running and a queued item. */
  g_assert_true (op_transfer_queue_save (queue, &error));
  g_assert_no_error (error);
  g_assert_true (op_transfer_queue_load (reloaded, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(OpTransferItem) item = g_list_model_get_item (G_LIST_MODEL (reloaded), i);

      g_assert_cmpint (op_transfer_item_get_state (item), ==, OP_TRANSFER_STATE_PAUSED);
    }
  /* Nothing starts by itself after loading. */
  run_for (200);
  g_assert_cmpuint (op_transfer_queue_get_n_active (reloaded), ==, 0);
  g_assert_cmpuint (silent->connections->len, ==, 1);

  op_transfer_queue_pause_all (queue);
  wait_until (queue_idle, queue);
  silent_free (silent);
}

static void
test_invalid_file_kept (void)
{
  g_autofree char *path = state_path ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(OpTransferQueue) queue = op_transfer_queue_new (file);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *message = NULL;
  const char *garbage = "this is [not a key file\n";

  g_assert_true (op_profile_write_private_file (path, garbage, strlen (garbage), NULL));
  g_assert_false (op_transfer_queue_load (queue, NULL, &error));
  g_assert_error (error, OP_TRANSFER_QUEUE_ERROR, OP_TRANSFER_QUEUE_ERROR_INVALID_FILE);
  message = g_strdup_printf ("The saved transfer queue “%s” is not valid and was left alone.",
                             path);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, garbage);

  /* Entries that are not usable (relative local path, unknown direction) are dropped. */
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path,
                                      "[Outpost]\nversion=1\n"
                                      "[Transfer x1]\ndirection=sideways\nlocal-path=/tmp/a\n"
                                      "remote-path=/a\nhost=h\nport=21\nsecurity=none\n"
                                      "[Transfer x2]\ndirection=download\nlocal-path=a\n"
                                      "remote-path=/a\nhost=h\nport=21\nsecurity=none\n"
                                      "[Transfer x3]\ndirection=download\n"
                                      "local-path=/tmp/a\nremote-path=/a\nhost=h\n"
                                      "port=21\nsecurity=implicit\n",
                                      -1, NULL));
  g_assert_true (op_transfer_queue_load (queue, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (queue)), ==, 1);
}

static void
test_conflict_object (void)
{
  OpTransferConflict conflict = { (char *) "/tmp/x", { 1, 2 }, { 3, 4 }, TRUE };
  g_autoptr(OpTransferConflict) copy = op_transfer_conflict_copy (&conflict);

  g_assert_cmpstr (copy->target_path, ==, "/tmp/x");
  g_assert_true (copy->target_path != conflict.target_path);
  g_assert_cmpint (copy->source.size, ==, 1);
  g_assert_cmpint (copy->target.mtime, ==, 4);
  g_assert_true (copy->is_directory);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/transfer-queue/state/failed-item-stays-and-can-be-retried",
                   test_failed_then_retry);
  g_test_add_func ("/transfer-queue/state/parallel-pause-resume-cancel",
                   test_parallel_pause_resume_cancel);
  g_test_add_func ("/transfer-queue/parallel/site-max-connections",
                   test_site_max_connections);
  g_test_add_func ("/transfer-queue/password/unknown-fails-clearly", test_unknown_password);
  g_test_add_func ("/transfer-queue/persistence/round-trip-without-secrets",
                   test_persistence_round_trip);
  g_test_add_func ("/transfer-queue/persistence/unfinished-come-back-paused",
                   test_running_come_back_paused);
  g_test_add_func ("/transfer-queue/persistence/invalid-file-refused-and-kept",
                   test_invalid_file_kept);
  g_test_add_func ("/transfer-queue/conflict/copy", test_conflict_object);

  return g_test_run ();
}
