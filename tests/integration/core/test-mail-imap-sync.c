/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-mail-imap-sync"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "op-imap-client.h"
#include "op-mail-conversation-list.h"
#include "op-mail-imap-sync.h"
#include "op-mail-test-util.h"
#include "op-test-cut-campaign.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"

/*
 * The mail store's IMAP sync against the Dovecot of tests/servers/dovecot.sh: once on its
 * IMAPS listener (CONDSTORE and QRESYNC) and once on the second instance that announces
 * neither (the fallback: a flags scan and a UID comparison). Every message is delivered by
 * APPEND through a second session, in a folder of the test's own, and every check
 * compares the store with what the server reports (UID FETCH 1:* (FLAGS)), so the
 * suite holds for any IMAP server.
 */

#define TIMEOUT 60
#define N_MESSAGES 120

typedef struct
{
  const char     *port_variable;
  OpMailSyncMode  mode;
} Listener;

static const Listener full = { "OUTPOST_TEST_DOVECOT_IMAPS_PORT", OP_MAIL_SYNC_MODE_QRESYNC };
static const Listener basic = { "OUTPOST_TEST_DOVECOT_BASIC_IMAPS_PORT", OP_MAIL_SYNC_MODE_FALLBACK };

typedef struct
{
  const char     *host;
  guint16         port;
  const char     *user;
  const char     *password;
  OpTestVerifier *verifier;
} Endpoint;

static gboolean
get_endpoint (Endpoint   *endpoint,
              const char *port_variable,
              gboolean    rt_user)
{
  const char *port;
  const char *ca;
  g_autoptr(GError) error = NULL;

  endpoint->host = op_test_endpoint_env ("OUTPOST_TEST_MAIL_HOST");
  port = op_test_endpoint_env (port_variable);
  endpoint->user = op_test_endpoint_env (rt_user ? "OUTPOST_TEST_DOVECOT_RT_USER" : "OUTPOST_TEST_DOVECOT_USER");
  endpoint->password = op_test_endpoint_env (rt_user ? "OUTPOST_TEST_DOVECOT_RT_PASSWORD"
                                                     : "OUTPOST_TEST_DOVECOT_PASSWORD");
  ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  if (endpoint->host == NULL || port == NULL || endpoint->user == NULL || endpoint->password == NULL
      || ca == NULL)
    return FALSE;
  endpoint->port = (guint16) atoi (port);
  endpoint->verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  return TRUE;
}

/* --- a second session that plays the other mail clients ----------------------------------- */

static OpImapClient *
open_session (const Endpoint *endpoint)
{
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GError) error = NULL;
  OpImapClient *client = op_imap_client_new (endpoint->host, endpoint->port, OP_SECURITY_IMPLICIT_TLS);

  op_imap_client_set_verifier (client, OP_TLS_VERIFIER (endpoint->verifier));
  op_imap_client_set_timeout (client, TIMEOUT);
  op_imap_client_connect_async (client, NULL, op_mail_test_store_result, &r1);
  g_assert_true (op_imap_client_connect_finish (client, op_mail_test_wait_result (&r1, TIMEOUT), &error));
  op_imap_client_login_async (client, endpoint->user, endpoint->password, OP_IMAP_AUTH_AUTO, NULL,
                              op_mail_test_store_result, &r2);
  g_assert_true (op_imap_client_login_finish (client, op_mail_test_wait_result (&r2, TIMEOUT), &error));
  g_assert_no_error (error);
  return client;
}

static void
simple (OpImapClient  *client,
        GAsyncResult **r)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = op_imap_client_simple_finish (client, op_mail_test_wait_result (r, TIMEOUT), &error);

  g_assert_no_error (error);
  g_assert_true (ok);
  g_clear_object (r);
}

static void
create_folder (OpImapClient *client,
               const char   *name)
{
  g_autoptr(GAsyncResult) r = NULL;

  op_imap_client_create_async (client, name, NULL, op_mail_test_store_result, &r);
  simple (client, &r);
}

static void
delete_folder (OpImapClient *client,
               const char   *name)
{
  g_autoptr(GAsyncResult) r = NULL;

  op_imap_client_delete_async (client, name, NULL, op_mail_test_store_result, &r);
  simple (client, &r);
}

static void
select_folder (OpImapClient *client,
               const char   *name)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpImapSelectInfo) info = NULL;

  op_imap_client_select_async (client, name, FALSE, NULL, op_mail_test_store_result, &r);
  info = op_imap_client_select_finish (client, op_mail_test_wait_result (&r, TIMEOUT), &error);
  g_assert_no_error (error);
}

static GBytes *
message (guint i)
{
  g_autofree char *id = g_strdup_printf ("sync-%u@outpost.test", i);
  g_autofree char *root = g_strdup_printf ("sync-%u@outpost.test", i - i % 10);
  g_autofree char *subject = g_strdup_printf (i % 10 == 0 ? "Topic %u" : "Re: Topic %u", i - i % 10);
  g_autofree char *body = g_strdup_printf ("Message number %u of the sync test.", i);

  return op_mail_test_message (id, i % 10 == 0 ? NULL : root, i % 10 == 0 ? NULL : root, subject,
                               "Sender <sender@outpost.test>", body, 1700000000 + i * 60);
}

static void
append (OpImapClient *client,
        const char   *folder,
        GBytes       *bytes,
        const char  **flags)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  guint32 uid = 0;

  op_imap_client_append_async (client, folder, bytes, flags, NULL, NULL, op_mail_test_store_result, &r);
  g_assert_true (op_imap_client_append_finish (client, op_mail_test_wait_result (&r, TIMEOUT), &uid, &error));
  g_assert_no_error (error);
}

static void
store_flags (OpImapClient    *client,
             const char      *set,
             OpImapStoreMode  mode,
             const char      *flag)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  const char *flags[] = { flag, NULL };

  op_imap_client_store_async (client, set, mode, flags, NULL, op_mail_test_store_result, &r);
  g_assert_true (op_imap_client_store_finish (client, op_mail_test_wait_result (&r, TIMEOUT), &error));
  g_assert_no_error (error);
}

static void
expunge (OpImapClient *client)
{
  g_autoptr(GAsyncResult) r = NULL;

  op_imap_client_expunge_async (client, NULL, op_mail_test_store_result, &r);
  simple (client, &r);
}

/* --- the sync under test --------------------------------------------------------------- */

/* @folder NULL: the folder list only ("*": everything, as the app does). Tests sync
 * their own folders, not the whole account: the benchmarks leave a 100,000-message folder
 * in the test user's mailbox. */
static void
run_sync (OpMailImapSync *sync,
          const char     *folder)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (folder == NULL)
    op_mail_imap_sync_folders_async (sync, NULL, op_mail_test_store_result, &r);
  else if (strcmp (folder, "*") == 0)
    op_mail_imap_sync_run_async (sync, NULL, op_mail_test_store_result, &r);
  else
    op_mail_imap_sync_folder_async (sync, folder, NULL, op_mail_test_store_result, &r);
  ok = op_mail_imap_sync_finish (sync, op_mail_test_wait_result (&r, TIMEOUT), &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  op_mail_test_drain ();
}

/* The store holds exactly the server's messages of @folder, with the server's flags. */
static guint
assert_same_as_server (OpMailStore  *store,
                       OpImapClient *client,
                       const char   *folder)
{
  g_autoptr(OpMailFolder) f = op_mail_store_lookup_folder (store, folder);
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) fetches = NULL;
  guint matched = 0;

  g_assert_nonnull (f);
  select_folder (client, folder);
  op_imap_client_fetch_async (client, "1:*", OP_IMAP_FETCH_UID | OP_IMAP_FETCH_FLAGS, NULL, NULL,
                              op_mail_test_store_result, &r);
  fetches = op_imap_client_fetch_finish (client, op_mail_test_wait_result (&r, TIMEOUT), &error);
  g_assert_no_error (error);

  for (guint i = 0; i < fetches->len; i++)
    {
      OpImapFetch *fetch = g_ptr_array_index (fetches, i);
      g_autoptr(OpMailMessage) m = op_mail_store_lookup_uid (store, op_mail_folder_get_id (f), fetch->uid);
      g_autofree char *keywords = NULL;
      OpMailFlags flags = op_mail_flags_from_imap ((const char * const *) fetch->flags, &keywords);

      if (m == NULL)
        g_error ("UID %u of %s is on the server but not in the store", fetch->uid, folder);
      g_assert_cmpint (op_mail_message_get_flags (m), ==, flags);
      matched++;
    }
  g_assert_cmpuint (op_mail_folder_get_total (f), ==, fetches->len);
  return matched;
}

typedef struct
{
  OpMailStore *store;
  GArray      *first_batch;  /* UIDs of the first messages-added of the folder */
  gint64       folder_id;
} AddedWatch;

static void
on_added (OpMailStore *store,
          gint64       folder_id,
          GArray      *ids,
          AddedWatch  *watch)
{
  if (folder_id != watch->folder_id || watch->first_batch->len > 0)
    return;
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(OpMailMessage) m = op_mail_store_get_message (store, g_array_index (ids, gint64, i));
      guint32 uid = op_mail_message_get_uid (m);
      g_array_append_val (watch->first_batch, uid);
    }
}

static void
on_folders_changed (OpMailStore *store,
                    AddedWatch  *watch)
{
  if (watch->folder_id == 0)
    {
      g_autoptr(OpMailFolder) f = NULL;
      const char *name = g_object_get_data (G_OBJECT (store), "test-folder");
      f = op_mail_store_lookup_folder (store, name);
      if (f != NULL)
        watch->folder_id = op_mail_folder_get_id (f);
    }
}

static void
test_sync (gconstpointer data)
{
  const Listener *listener = data;
  Endpoint endpoint = { 0 };
  g_autoptr(OpImapClient) other = NULL;
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailImapSync) sync = NULL;
  g_autoptr(OpMailFolder) folder = NULL;
  g_autoptr(OpMailFolder) again = NULL;
  g_autoptr(OpMailConversationList) conversations = NULL;
  g_autoptr(GAsyncResult) rb = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  AddedWatch watch = { 0 };
  const char *seen[] = { "\\Seen", NULL };
  guint32 uidvalidity;

  if (!get_endpoint (&endpoint, listener->port_variable, FALSE))
    return;
  name = g_strdup_printf ("outpost-sync-%d-%s", getpid (),
                          listener->mode == OP_MAIL_SYNC_MODE_QRESYNC ? "full" : "basic");
  other = open_session (&endpoint);
  create_folder (other, name);
  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autoptr(GBytes) bytes = message (i);
      append (other, name, bytes, i % 3 == 0 ? seen : NULL);
    }

  store = op_mail_test_open_store (&dir);
  sync = op_mail_imap_sync_new (store, endpoint.host, endpoint.port, OP_SECURITY_IMPLICIT_TLS,
                                endpoint.user);
  op_mail_imap_sync_set_password (sync, endpoint.password);
  op_mail_imap_sync_set_verifier (sync, OP_TLS_VERIFIER (endpoint.verifier));

  /* First sync: the folder list, then every folder; this folder newest first. */
  watch.store = store;
  watch.first_batch = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_object_set_data_full (G_OBJECT (store), "test-folder", g_strdup (name), g_free);
  g_signal_connect (store, "folders-changed", G_CALLBACK (on_folders_changed), &watch);
  g_signal_connect (store, "messages-added", G_CALLBACK (on_added), &watch);
  run_sync (sync, NULL);
  run_sync (sync, "INBOX");
  run_sync (sync, name);
  g_assert_cmpint (op_mail_imap_sync_get_mode (sync), ==, listener->mode);

  folder = op_mail_store_lookup_folder (store, name);
  g_assert_nonnull (folder);
  g_assert_true (op_mail_folder_get_complete (folder));
  g_assert_cmpuint (op_mail_folder_get_total (folder), ==, N_MESSAGES);
  g_assert_cmpuint (op_mail_folder_get_unread (folder), ==, N_MESSAGES - N_MESSAGES / 3);
  g_assert_cmpuint (op_mail_folder_get_uidnext (folder), ==, N_MESSAGES + 1);
  if (listener->mode == OP_MAIL_SYNC_MODE_QRESYNC)
    g_assert_cmpuint (op_mail_folder_get_highestmodseq (folder), >, 0);
  g_assert_cmpuint (assert_same_as_server (store, other, name), ==, N_MESSAGES);
  /* The first batch written was the newest OP_MAIL_SYNC_FIRST_BATCH messages. */
  g_assert_cmpuint (watch.first_batch->len, ==, OP_MAIL_SYNC_FIRST_BATCH);
  for (guint i = 0; i < watch.first_batch->len; i++)
    g_assert_cmpuint (g_array_index (watch.first_batch, guint32, i), >, N_MESSAGES - OP_MAIL_SYNC_FIRST_BATCH);
  /* The special-use folders and the Inbox came with the list. */
  {
    g_autoptr(OpMailFolder) inbox = op_mail_store_lookup_special (store, OP_MAIL_SPECIAL_USE_INBOX);
    g_autoptr(OpMailFolder) sent = op_mail_store_lookup_special (store, OP_MAIL_SPECIAL_USE_SENT);
    g_autoptr(OpMailFolder) trash = op_mail_store_lookup_special (store, OP_MAIL_SPECIAL_USE_TRASH);
    g_assert_cmpstr (op_mail_folder_get_name (inbox), ==, "INBOX");
    g_assert_nonnull (sent);
    g_assert_nonnull (trash);
    assert_same_as_server (store, other, "INBOX");
  }
  /* Search: the body words are not in the local index (no body fetched yet); the
   * server finds them, and the merged result names the store's message. */
  {
    g_autoptr(GAsyncResult) rs = NULL;
    g_autoptr(GPtrArray) found = NULL;
    gboolean has = FALSE;

    op_mail_imap_sync_search_async (sync, op_mail_folder_get_id (folder), "number 57", 50, NULL, op_mail_test_store_result, &rs);
    found = op_mail_imap_sync_search_finish (sync, op_mail_test_wait_result (&rs, TIMEOUT), &error);
    g_assert_no_error (error);
    for (guint i = 0; i < found->len; i++)
      has |= g_strcmp0 (op_mail_message_get_message_id (g_ptr_array_index (found, i)), "sync-57@outpost.test") == 0;
    g_assert_true (has);
  }

  /* Threads: one conversation per ten messages. */
  conversations = op_mail_conversation_list_new (store, op_mail_folder_get_id (folder));
  while (op_mail_conversation_list_get_loading (conversations))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversations)), ==, N_MESSAGES / 10);

  /* Later sync: flags changed, messages expunged and appended by another client. */
  select_folder (other, name);
  store_flags (other, "1:5", OP_IMAP_STORE_ADD, "\\Flagged");
  store_flags (other, "4", OP_IMAP_STORE_ADD, "\\Seen");
  store_flags (other, "3", OP_IMAP_STORE_REMOVE, "\\Seen");
  store_flags (other, "7:8,100", OP_IMAP_STORE_ADD, "\\Deleted");
  expunge (other);
  {
    g_autoptr(GBytes) a = message (1000);
    g_autoptr(GBytes) b = message (1001);
    append (other, name, a, NULL);
    append (other, name, b, NULL);
  }
  {
    /* A message of today: its body is prefetched, its preview is there. */
    g_autoptr(GBytes) today = op_mail_test_message ("today@outpost.test", NULL, NULL, "Today", "t@outpost.test",
                                                    "Fresh text for the preview.", g_get_real_time () / G_USEC_PER_SEC);
    append (other, name, today, NULL);
  }
  run_sync (sync, name);
  g_assert_cmpuint (assert_same_as_server (store, other, name), ==, N_MESSAGES - 3 + 3);
  {
    g_autoptr(OpMailFolder) now = op_mail_store_lookup_folder (store, name);
    g_autoptr(OpMailMessage) today = op_mail_store_lookup_uid (store, op_mail_folder_get_id (now), N_MESSAGES + 3);
    g_assert_true (op_mail_message_get_body_cached (today));
    g_assert_cmpstr (op_mail_message_get_preview (today), ==, "Fresh text for the preview.");
  }
  {
    g_autoptr(OpMailFolder) now = op_mail_store_lookup_folder (store, name);
    g_autoptr(OpMailMessage) flagged = op_mail_store_lookup_uid (store, op_mail_folder_get_id (now), 3);
    g_assert_true (op_mail_message_get_flags (flagged) & OP_MAIL_FLAG_FLAGGED);
    g_assert_false (op_mail_message_get_flags (flagged) & OP_MAIL_FLAG_SEEN);
    g_assert_null (op_mail_store_lookup_uid (store, op_mail_folder_get_id (now), 100));
    g_assert_cmpuint (op_mail_folder_get_uidnext (now), ==, N_MESSAGES + 4);
  }

  /* A sync with nothing changed changes nothing. */
  run_sync (sync, name);
  g_assert_cmpuint (assert_same_as_server (store, other, name), ==, N_MESSAGES);

  /* The newest message expunged: past the "*" of a later sync's UID FETCH 1:* (VANISHED),
   * which the sync of a folder it keeps selected uses. */
  {
    g_autofree char *newest = g_strdup_printf ("%u", N_MESSAGES + 3);
    g_autoptr(OpMailFolder) now = NULL;

    store_flags (other, newest, OP_IMAP_STORE_ADD, "\\Deleted");
    expunge (other);
    run_sync (sync, name);
    g_assert_cmpuint (assert_same_as_server (store, other, name), ==, N_MESSAGES - 1);
    now = op_mail_store_lookup_folder (store, name);
    g_assert_null (op_mail_store_lookup_uid (store, op_mail_folder_get_id (now), N_MESSAGES + 3));
    g_assert_cmpuint (op_mail_folder_get_total (now), ==, N_MESSAGES - 1);
  }

  /* A body, fetched on demand and cached. */
  {
    g_autoptr(OpMailFolder) now = op_mail_store_lookup_folder (store, name);
    g_autoptr(OpMailMessage) m = op_mail_store_lookup_uid (store, op_mail_folder_get_id (now), 11);
    g_autoptr(OpMailMessage) cached = NULL;
    g_autoptr(GBytes) expected = message (10);

    g_assert_false (op_mail_message_get_body_cached (m));
    op_mail_imap_sync_fetch_body_async (sync, op_mail_message_get_id (m), NULL, op_mail_test_store_result, &rb);
    body = op_mail_imap_sync_fetch_body_finish (sync, op_mail_test_wait_result (&rb, TIMEOUT), &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (body, expected));
    op_mail_test_drain ();
    cached = op_mail_store_lookup_uid (store, op_mail_folder_get_id (now), 11);
    g_assert_true (op_mail_message_get_body_cached (cached));
    g_assert_cmpstr (op_mail_message_get_preview (cached), ==, "Message number 10 of the sync test.");
  }

  /* UIDVALIDITY: the folder is deleted and made again with other messages. Our session
   * leaves it first (it syncs the Inbox): Dovecot 2.3's session that still has the old
   * folder selected writes into the new one's transaction log when it next looks at it
   * ("indexid changed", "duplicate transaction log sequence"), and the server then fails
   * other sessions' SELECTs with an internal error. (The sync itself recovers: the
   * server ends its session, "Mailbox was deleted under us", and a new one finds the new
   * UIDVALIDITY.) */
  run_sync (sync, "INBOX");
  uidvalidity = op_mail_folder_get_uidvalidity (folder);
  select_folder (other, "INBOX");
  delete_folder (other, name);
  create_folder (other, name);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GBytes) bytes = message (2000 + i);
      append (other, name, bytes, NULL);
    }
  run_sync (sync, name);
  again = op_mail_store_lookup_folder (store, name);
  g_assert_cmpuint (op_mail_folder_get_uidvalidity (again), !=, uidvalidity);
  g_assert_cmpuint (assert_same_as_server (store, other, name), ==, 3);
  {
    g_autoptr(OpMailMessage) m = op_mail_store_lookup_uid (store, op_mail_folder_get_id (again), 1);
    g_assert_cmpstr (op_mail_message_get_message_id (m), ==, "sync-2000@outpost.test");
  }

  select_folder (other, "INBOX");
  delete_folder (other, name);
  op_mail_imap_sync_close (sync);
  g_signal_handlers_disconnect_by_data (store, &watch);
  g_array_unref (watch.first_batch);
  g_clear_object (&conversations);
  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
  g_clear_object (&endpoint.verifier);
}

typedef struct
{
  const char *subject;
  gboolean    seen;
  char       *sender;
} NewMail;

static void
on_new_mail (OpMailImapSync *sync,
             gint64          folder_id,
             gint64          message_id,
             const char     *sender,
             const char     *subject,
             NewMail        *watch)
{
  if (g_strcmp0 (subject, watch->subject) == 0)
    {
      watch->seen = TRUE;
      watch->sender = g_strdup (sender);
    }
}

static void
test_idle (gconstpointer data)
{
  const Listener *listener = data;
  Endpoint endpoint = { 0 };
  g_autoptr(OpImapClient) other = NULL;
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailImapSync) sync = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *subject = NULL;
  g_autoptr(GBytes) bytes = NULL;
  NewMail watch = { 0 };
  gint64 deadline;

  /* The second test user's Inbox: the one that receives mail in these tests. */
  if (!get_endpoint (&endpoint, listener->port_variable, TRUE))
    return;
  store = op_mail_test_open_store (&dir);
  sync = op_mail_imap_sync_new (store, endpoint.host, endpoint.port, OP_SECURITY_IMPLICIT_TLS,
                                endpoint.user);
  op_mail_imap_sync_set_password (sync, endpoint.password);
  op_mail_imap_sync_set_verifier (sync, OP_TLS_VERIFIER (endpoint.verifier));
  run_sync (sync, "*");

  subject = g_strdup_printf ("IDLE delivery %d %" G_GINT64_FORMAT, getpid (), g_get_real_time ());
  watch.subject = subject;
  g_signal_connect (sync, "new-mail", G_CALLBACK (on_new_mail), &watch);
  op_mail_imap_sync_set_idle (sync, TRUE);
  deadline = g_get_monotonic_time () + TIMEOUT * G_USEC_PER_SEC;
  while (!op_mail_imap_sync_get_idling (sync) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (10000), TRUE);
  g_assert_true (op_mail_imap_sync_get_idling (sync));

  other = open_session (&endpoint);
  bytes = op_mail_test_message (NULL, NULL, NULL, subject, "Idle Sender <idle@outpost.test>", "new", 1700000000);
  append (other, "INBOX", bytes, NULL);

  deadline = g_get_monotonic_time () + TIMEOUT * G_USEC_PER_SEC;
  while (!watch.seen && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (10000), TRUE);
  g_assert_true (watch.seen);
  g_assert_cmpstr (watch.sender, ==, "Idle Sender");
  assert_same_as_server (store, other, "INBOX");

  op_mail_imap_sync_close (sync);
  g_free (watch.sender);
  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
  g_clear_object (&endpoint.verifier);
}


static void
on_local_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_mail_store_write_finish (OP_MAIL_STORE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
wait_local (gboolean *done)
{
  while (!*done)
    g_main_context_iteration (NULL, TRUE);
  op_mail_test_drain ();
  *done = FALSE;
}

static GArray *
one_id (OpMailStore *store,
        const char  *folder,
        guint32      uid)
{
  g_autoptr(OpMailFolder) f = op_mail_store_lookup_folder (store, folder);
  g_autoptr(OpMailMessage) m = op_mail_store_lookup_uid (store, op_mail_folder_get_id (f), uid);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 id;

  g_assert_nonnull (m);
  id = op_mail_message_get_id (m);
  g_array_append_val (ids, id);
  return ids;
}

static OpMailImapSync *
new_sync (OpMailStore    *store,
          const Endpoint *endpoint)
{
  OpMailImapSync *sync = op_mail_imap_sync_new (store, endpoint->host, endpoint->port,
                                                OP_SECURITY_IMPLICIT_TLS, endpoint->user);
  op_mail_imap_sync_set_password (sync, endpoint->password);
  op_mail_imap_sync_set_verifier (sync, OP_TLS_VERIFIER (endpoint->verifier));
  return sync;
}

static void
test_offline (gconstpointer data)
{
  const Listener *listener = data;
  Endpoint endpoint = { 0 };
  g_autoptr(OpImapClient) other = NULL;
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailImapSync) first = NULL;
  g_autoptr(OpMailImapSync) second = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *f = NULL;
  g_autofree char *g = NULL;
  g_autofree char *created = NULL;
  g_autoptr(GArray) flag = NULL;
  g_autoptr(GArray) move = NULL;
  g_autoptr(GArray) gone = NULL;
  g_autoptr(GArray) conflict = NULL;
  gboolean done = FALSE;
  gint64 moved_id;

  if (!get_endpoint (&endpoint, listener->port_variable, FALSE))
    return;
  f = g_strdup_printf ("outpost-offline-%d-%d", getpid (), listener->mode);
  g = g_strdup_printf ("outpost-offline-%d-%d-to", getpid (), listener->mode);
  created = g_strdup_printf ("outpost-offline-%d-%d-new", getpid (), listener->mode);
  other = open_session (&endpoint);
  create_folder (other, f);
  create_folder (other, g);
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(GBytes) bytes = message (3000 + i);
      append (other, f, bytes, NULL);
    }

  store = op_mail_test_open_store (&dir);
  first = new_sync (store, &endpoint);
  run_sync (first, NULL);
  run_sync (first, f);
  run_sync (first, g);
  op_mail_imap_sync_close (first);

  /* Offline: changes made by the user, shown at once. */
  flag = one_id (store, f, 1);
  {
    g_autoptr(GArray) two = one_id (store, f, 2);
    g_array_append_vals (flag, two->data, 1);
  }
  op_mail_store_set_flags_async (store, flag, OP_MAIL_FLAG_FLAGGED, 0, NULL, on_local_done, &done);
  wait_local (&done);
  move = one_id (store, f, 3);
  moved_id = g_array_index (move, gint64, 0);
  {
    g_autoptr(OpMailFolder) target = op_mail_store_lookup_folder (store, g);
    op_mail_store_move_async (store, move, op_mail_folder_get_id (target), FALSE, NULL, on_local_done, &done);
    wait_local (&done);
  }
  gone = one_id (store, f, 4);
  op_mail_store_expunge_async (store, gone, NULL, on_local_done, &done);
  wait_local (&done);
  conflict = one_id (store, f, 5);
  op_mail_store_set_flags_async (store, conflict, OP_MAIL_FLAG_FLAGGED, 0, NULL, on_local_done, &done);
  wait_local (&done);
  op_mail_store_create_folder_async (store, created, '/', NULL, on_local_done, &done);
  wait_local (&done);
  g_assert_cmpuint (op_mail_store_count_pending (store), ==, 5);

  /* Meanwhile another client deletes message 5: the server wins. */
  select_folder (other, f);
  store_flags (other, "5", OP_IMAP_STORE_ADD, "\\Deleted");
  expunge (other);
  select_folder (other, "INBOX");

  /* Online again: replayed in order, then synced. */
  second = new_sync (store, &endpoint);
  run_sync (second, NULL);
  run_sync (second, f);
  run_sync (second, g);
  g_assert_cmpuint (op_mail_store_count_pending (store), ==, 0);
  g_assert_cmpuint (assert_same_as_server (store, other, f), ==, 3);
  g_assert_cmpuint (assert_same_as_server (store, other, g), ==, 1);
  {
    g_autoptr(OpMailFolder) ff = op_mail_store_lookup_folder (store, f);
    g_autoptr(OpMailFolder) gg = op_mail_store_lookup_folder (store, g);
    g_autoptr(OpMailMessage) one = op_mail_store_lookup_uid (store, op_mail_folder_get_id (ff), 1);
    g_autoptr(OpMailMessage) moved = op_mail_store_lookup_uid (store, op_mail_folder_get_id (gg), 1);

    g_assert_true (op_mail_message_get_flags (one) & OP_MAIL_FLAG_FLAGGED);
    g_assert_cmpstr (op_mail_message_get_message_id (moved), ==, "sync-3002@outpost.test");
    /* With COPYUID the moved row kept its id (the view's selection survives). */
    g_assert_cmpint (op_mail_message_get_id (moved), ==, moved_id);
  }
  {
    g_autoptr(OpMailFolder) made = op_mail_store_lookup_folder (store, created);
    g_assert_nonnull (made);
    select_folder (other, created);
    select_folder (other, "INBOX");
  }

  delete_folder (other, f);
  delete_folder (other, g);
  delete_folder (other, created);
  op_mail_imap_sync_close (second);
  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
  g_clear_object (&endpoint.verifier);
}


/* A delete leaves alone what another client marked \Deleted without expunging it yet
 * (UID EXPUNGE, RFC 4315; both listeners offer UIDPLUS). */
static void
test_expunge_own_only (gconstpointer data)
{
  const Listener *listener = data;
  Endpoint endpoint = { 0 };
  g_autoptr(OpImapClient) other = NULL;
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailImapSync) sync = NULL;
  g_autoptr(GArray) gone = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) fetches = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *f = NULL;
  gboolean done = FALSE;
  guint32 expected[] = { 1, 2, 4 };

  if (!get_endpoint (&endpoint, listener->port_variable, FALSE))
    return;
  f = g_strdup_printf ("outpost-expunge-%d-%d", getpid (), listener->mode);
  other = open_session (&endpoint);
  create_folder (other, f);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(GBytes) bytes = message (4000 + i);
      append (other, f, bytes, NULL);
    }

  store = op_mail_test_open_store (&dir);
  sync = new_sync (store, &endpoint);
  run_sync (sync, NULL);
  run_sync (sync, f);

  /* Another client marks message 2 for deletion and has not expunged yet. */
  select_folder (other, f);
  store_flags (other, "2", OP_IMAP_STORE_ADD, "\\Deleted");
  select_folder (other, "INBOX");

  /* The user deletes message 3 here. */
  gone = one_id (store, f, 3);
  op_mail_store_expunge_async (store, gone, NULL, on_local_done, &done);
  wait_local (&done);
  run_sync (sync, f);
  g_assert_cmpuint (op_mail_store_count_pending (store), ==, 0);

  /* Only message 3 left the server; 2 is still there, still marked. */
  select_folder (other, f);
  op_imap_client_fetch_async (other, "1:*", OP_IMAP_FETCH_UID | OP_IMAP_FETCH_FLAGS, NULL, NULL,
                              op_mail_test_store_result, &r);
  fetches = op_imap_client_fetch_finish (other, op_mail_test_wait_result (&r, TIMEOUT), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetches->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < fetches->len; i++)
    {
      OpImapFetch *fetch = g_ptr_array_index (fetches, i);

      g_assert_cmpuint (fetch->uid, ==, expected[i]);
      g_assert_cmpint (g_strv_contains ((const char * const *) fetch->flags, "\\Deleted"), ==, fetch->uid == 2);
    }
  g_assert_cmpuint (assert_same_as_server (store, other, f), ==, 3);

  select_folder (other, "INBOX");
  delete_folder (other, f);
  op_mail_imap_sync_close (sync);
  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
  g_clear_object (&endpoint.verifier);
}

static gint64
save_draft (OpMailStore *store,
            gint64       replaces,
            const char  *subject)
{
  g_autoptr(GBytes) bytes = op_mail_test_message (NULL, NULL, NULL, subject, "Me <me@outpost.test>", "draft", 1700000000);
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  op_mail_store_save_draft_async (store, replaces, bytes, NULL, op_mail_test_store_result, &r);
  id = op_mail_store_save_draft_finish (store, op_mail_test_wait_result (&r, TIMEOUT), &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  op_mail_test_drain ();
  return id;
}

static void
push (OpMailImapSync *sync)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  op_mail_imap_sync_push_async (sync, NULL, op_mail_test_store_result, &r);
  ok = op_mail_imap_sync_finish (sync, op_mail_test_wait_result (&r, TIMEOUT), &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  op_mail_test_drain ();
}

static void
test_drafts (gconstpointer data)
{
  const Listener *listener = data;
  Endpoint endpoint = { 0 };
  g_autoptr(OpImapClient) other = NULL;
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailImapSync) sync = NULL;
  g_autoptr(OpMailFolder) drafts = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *subject1 = g_strdup_printf ("Draft %d one", getpid ());
  g_autofree char *subject2 = g_strdup_printf ("Draft %d two", getpid ());
  guint before;
  gint64 first, second;

  if (!get_endpoint (&endpoint, listener->port_variable, FALSE))
    return;
  other = open_session (&endpoint);
  store = op_mail_test_open_store (&dir);
  sync = new_sync (store, &endpoint);
  run_sync (sync, NULL);
  drafts = op_mail_store_lookup_special (store, OP_MAIL_SPECIAL_USE_DRAFTS);
  g_assert_nonnull (drafts);
  run_sync (sync, op_mail_folder_get_name (drafts));
  before = assert_same_as_server (store, other, op_mail_folder_get_name (drafts));

  /* Saved locally at once, then to the server. */
  first = save_draft (store, 0, subject1);
  {
    g_autoptr(OpMailMessage) m = op_mail_store_get_message (store, first);
    g_assert_cmpint (op_mail_message_get_folder_id (m), ==, op_mail_folder_get_id (drafts));
    g_assert_true (op_mail_message_get_flags (m) & OP_MAIL_FLAG_DRAFT);
  }
  push (sync);
  g_assert_cmpuint (assert_same_as_server (store, other, op_mail_folder_get_name (drafts)), ==, before + 1);

  /* Each save replaces the server's copy. */
  second = save_draft (store, first, subject2);
  g_assert_null (op_mail_store_get_message (store, first));
  push (sync);
  run_sync (sync, op_mail_folder_get_name (drafts));
  g_assert_cmpuint (assert_same_as_server (store, other, op_mail_folder_get_name (drafts)), ==, before + 1);
  {
    g_autoptr(OpMailMessage) m = op_mail_store_get_message (store, second);
    g_assert_nonnull (m);
    g_assert_cmpstr (op_mail_message_get_subject (m), ==, subject2);
    g_assert_cmpuint (op_mail_message_get_uid (m), >, 0);
  }

  /* Clean up: the draft is sent, say, and goes. */
  {
    g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
    gboolean done = FALSE;

    g_array_append_val (ids, second);
    op_mail_store_expunge_async (store, ids, NULL, on_local_done, &done);
    wait_local (&done);
    push (sync);
  }
  select_folder (other, "INBOX");
  op_mail_imap_sync_close (sync);
  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
  g_clear_object (&endpoint.verifier);
}

/* --- random cuts (issue 19) ----------------------------------------------------------- */

#define CUT_RUNS     60
#define CUT_SEED     19
#define CUT_MESSAGES 40

/* The folder list and @folder, through @sync; FALSE with the error of the first that
 * failed. */
static gboolean
try_sync (OpMailImapSync  *sync,
          const char      *folder,
          GError         **error)
{
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  gboolean ok;

  op_mail_imap_sync_folders_async (sync, NULL, op_mail_test_store_result, &r1);
  ok = op_mail_imap_sync_finish (sync, op_mail_test_wait_result (&r1, TIMEOUT), error);
  if (ok)
    {
      op_mail_imap_sync_folder_async (sync, folder, NULL, op_mail_test_store_result, &r2);
      ok = op_mail_imap_sync_finish (sync, op_mail_test_wait_result (&r2, TIMEOUT), error);
    }
  op_mail_test_drain ();
  return ok;
}

/* Another client changes the folder: a new message, a flag, and now and then an
 * expunge. */
static void
change_folder (OpImapClient *other,
               const char   *name,
               GRand        *rand,
               guint        *next_message)
{
  g_autoptr(GBytes) bytes = message ((*next_message)++);
  g_autofree char *one = g_strdup_printf ("%d", g_rand_int_range (rand, 1, CUT_MESSAGES / 2));

  append (other, name, bytes, NULL);
  select_folder (other, name);
  store_flags (other, one, g_rand_boolean (rand) ? OP_IMAP_STORE_ADD : OP_IMAP_STORE_REMOVE,
               "\\Seen");
  if (g_rand_int_range (rand, 0, 3) == 0)
    {
      store_flags (other, one, OP_IMAP_STORE_ADD, "\\Deleted");
      expunge (other);
    }
}

/*
 * The store's sync cut at CUT_RUNS seeded points through the fault proxy: on even runs a
 * first sync into a new store, on odd runs a later sync of the same store (the folder
 * changed by another client before it, and again between the cut and the retry). After
 * the uncut retry the store holds exactly the server's messages and flags: nothing lost,
 * nothing twice (assert_same_as_server() compares the UIDs and the total). The seed is
 * fixed; OUTPOST_TEST_CUT_SEED tries others.
 */
static void
test_random_cuts (gconstpointer data)
{
  const Listener *listener = data;
  Endpoint endpoint = { 0 };
  Endpoint through = { 0 };
  g_autoptr(OpImapClient) other = NULL;
  g_autoptr(OpTestFaultProxy) proxy = NULL;
  g_autoptr(GRand) rand = NULL;
  g_autoptr(GRand) changes = g_rand_new_with_seed (CUT_SEED);
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailImapSync) sync = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = g_strdup_printf ("outpost-cuts-%d", getpid ());
  guint32 seed = op_test_cut_seed (CUT_SEED);
  OpTestCutPlan first = { .upstream_one_in = 4 };
  OpTestCutPlan later = { .upstream_one_in = 4 };
  guint next_message = 1000, cut_runs = 0, failed = 0, whole = 0;

  if (!get_endpoint (&endpoint, listener->port_variable, FALSE))
    return;
  other = open_session (&endpoint);
  create_folder (other, name);
  for (guint i = 0; i < CUT_MESSAGES; i++)
    {
      g_autoptr(GBytes) bytes = message (i);
      append (other, name, bytes, NULL);
    }
  proxy = op_test_fault_proxy_new (endpoint.host, endpoint.port);
  through = endpoint;
  through.port = op_test_fault_proxy_get_port (proxy);

  /* A first sync and a later one, uncut: their bytes each way. */
  store = op_mail_test_open_store (&dir);
  sync = new_sync (store, &through);
  g_assert_true (try_sync (sync, name, NULL));
  op_test_fault_proxy_get_counts (proxy, &first.total_down, &first.total_up, NULL);
  change_folder (other, name, changes, &next_message);
  op_mail_imap_sync_close (sync);
  g_clear_object (&sync);
  sync = new_sync (store, &through);
  g_assert_true (try_sync (sync, name, NULL));
  op_test_fault_proxy_get_counts (proxy, &later.total_down, &later.total_up, NULL);
  assert_same_as_server (store, other, name);

  rand = g_rand_new_with_seed (seed);
  for (guint run = 0; run < CUT_RUNS; run++)
    {
      g_autoptr(GError) error = NULL;
      gboolean fresh = run % 2 == 0;
      gboolean cut = FALSE;
      OpTestCut where;

      /* Every run on a connection of its own, as after a restart. */
      op_mail_imap_sync_close (sync);
      g_clear_object (&sync);
      if (fresh)
        {
          op_mail_store_close (store);
          g_clear_object (&store);
          op_mail_test_remove_dir (dir);
          g_clear_pointer (&dir, g_free);
          store = op_mail_test_open_store (&dir);
        }
      else
        change_folder (other, name, changes, &next_message);
      sync = new_sync (store, &through);

      where = op_test_cut_arm (proxy, rand, fresh ? &first : &later);
      if (!try_sync (sync, name, &error))
        {
          op_test_cut_note (run, seed, &where, error);
          g_assert_cmpstr (error->message, !=, "");
          failed++;
          /* The server changes before the retry. */
          change_folder (other, name, changes, &next_message);
        }
      else
        whole++;
      op_test_fault_proxy_get_counts (proxy, NULL, NULL, &cut);
      cut_runs += cut;

      op_test_fault_proxy_set_fault (proxy, OP_TEST_FAULT_NONE, 0);
      if (!try_sync (sync, name, &error))
        g_error ("run %u: the retry failed: %s", run, error->message);
      assert_same_as_server (store, other, name);
    }

  g_test_message ("IMAP sync random cuts (seed %u): %u runs (%u first syncs), %u cut, %u "
                  "clear errors, %u whole syncs; after each retry the store matched the "
                  "server: 0 lost, 0 duplicated", seed, CUT_RUNS, CUT_RUNS / 2, cut_runs,
                  failed, whole);
  g_assert_cmpuint (failed, >=, CUT_RUNS / 2);

  op_mail_imap_sync_close (sync);
  select_folder (other, "INBOX");
  delete_folder (other, name);
  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
  g_clear_object (&endpoint.verifier);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/mail/imap-sync/qresync/first-later-uidvalidity", &full, test_sync);
  g_test_add_data_func ("/mail/imap-sync/fallback/first-later-uidvalidity", &basic, test_sync);
  g_test_add_data_func ("/mail/imap-sync/qresync/offline-changes-replayed", &full, test_offline);
  g_test_add_data_func ("/mail/imap-sync/fallback/offline-changes-replayed", &basic, test_offline);
  g_test_add_data_func ("/mail/imap-sync/qresync/expunge-own-only", &full, test_expunge_own_only);
  g_test_add_data_func ("/mail/imap-sync/fallback/expunge-own-only", &basic, test_expunge_own_only);
  g_test_add_data_func ("/mail/imap-sync/qresync/drafts-replaced", &full, test_drafts);
  g_test_add_data_func ("/mail/imap-sync/qresync/idle-new-mail", &full, test_idle);
  g_test_add_data_func ("/mail/imap-sync/fallback/idle-new-mail", &basic, test_idle);
  g_test_add_data_func ("/mail/imap-sync/qresync/random-cuts", &full, test_random_cuts);

  return op_test_run ();
}
