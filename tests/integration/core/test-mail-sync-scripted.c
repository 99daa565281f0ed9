/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-mail-sync-scripted"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "op-mail-imap-sync.h"
#include "op-mail-test-util.h"
#include "op-test-server.h"

/*
 * A first sync from a scripted IMAP server that drops the connection in the middle of a
 * UID FETCH (issue 12, "Faults"): the store keeps the batches committed before the cut
 * and nothing of the batch that was cut (not even the messages whose responses arrived
 * whole), passes PRAGMA integrity_check, and the next sync (a second server: a new
 * connection) fetches exactly the rest and completes the folder.
 *
 * The folder holds N_MESSAGES: the first sync fetches UIDs 4:53 (OP_MAIL_SYNC_FIRST_BATCH,
 * the newest), then 1:3.
 *
 * And the replay of a delete made offline, on a server with UIDPLUS (UID EXPUNGE of that
 * message only) and on one without (EXPUNGE).
 */

#define N_MESSAGES  53
#define UIDVALIDITY 777
#define TIMEOUT     60

G_STATIC_ASSERT (OP_MAIL_SYNC_FIRST_BATCH == 50);

static char *
fetch_response (guint uid)
{
  return g_strdup_printf ("* %u FETCH (UID %u FLAGS (\\Seen) INTERNALDATE \"01-Jan-2020 10:%02u:00 +0000\""
                          " RFC822.SIZE 300 ENVELOPE (\"Wed, 01 Jan 2020 10:%02u:00 +0000\" \"Scripted %u\""
                          " ((\"Sender %u\" NIL \"sender%u\" \"example.test\"))"
                          " ((\"Sender %u\" NIL \"sender%u\" \"example.test\"))"
                          " ((\"Sender %u\" NIL \"sender%u\" \"example.test\"))"
                          " ((NIL NIL \"me\" \"example.test\")) NIL NIL NIL \"<scripted-%u@example.test>\")"
                          " BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 20 1"
                          " NIL NIL NIL NIL) BODY[HEADER.FIELDS (REFERENCES)] {2}\r\n\r\n)\r\n",
                          uid, uid, uid, uid, uid, uid, uid, uid, uid, uid, uid, uid);
}

/* The untagged responses for UIDs @first to @last, then the tagged OK of @tag. */
static char *
fetch_block (guint       first,
             guint       last,
             const char *tag)
{
  GString *block = g_string_new (NULL);

  for (guint uid = first; uid <= last; uid++)
    {
      g_autofree char *one = fetch_response (uid);
      g_string_append (block, one);
    }
  g_string_append_printf (block, "%s OK Fetch completed.\r\n", tag);
  return g_string_free (block, FALSE);
}

/* Greeting, LOGIN and SELECT INBOX of a server without CONDSTORE (the sync's fallback
 * mode, so a later sync compares flags and UIDs). */
static void
script_session (OpTestServer *server)
{
  op_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 UIDPLUS] scripted ready\r\n");
  op_test_server_expect_line (server, "a1 LOGIN \"outpost\" \"secret\"");
  op_test_server_send (server, "a1 OK [CAPABILITY IMAP4rev1 UIDPLUS] Logged in\r\n");
  op_test_server_expect_line (server, "a2 SELECT \"INBOX\"");
  op_test_server_send (server, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                               "* 53 EXISTS\r\n"
                               "* 0 RECENT\r\n"
                               "* OK [UIDVALIDITY 777] UIDs valid\r\n"
                               "* OK [UIDNEXT 54] Predicted next UID\r\n"
                               "a2 OK [READ-WRITE] Select completed.\r\n");
}

static void
script_search (OpTestServer *server,
               const char   *tag)
{
  g_autoptr(GString) search = g_string_new ("* SEARCH");
  g_autofree char *line = g_strdup_printf ("%s UID SEARCH ALL", tag);

  for (guint uid = 1; uid <= N_MESSAGES; uid++)
    g_string_append_printf (search, " %u", uid);
  g_string_append_printf (search, "\r\n%s OK Search completed.\r\n", tag);
  op_test_server_expect_line (server, line);
  op_test_server_send (server, search->str);
}

static void
script_fetch (OpTestServer *server,
              const char   *tag,
              const char   *set)
{
  g_autofree char *glob = g_strdup_printf ("%s UID FETCH %s (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE"
                                           " BODYSTRUCTURE*", tag, set);

  op_test_server_expect_line_matching (server, glob);
}

static gboolean
run_sync (OpTestServer  *server,
          OpMailStore   *store,
          GError       **error)
{
  g_autoptr(OpMailImapSync) sync = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  gboolean ok;

  g_assert_true (op_test_server_start (server, NULL));
  sync = op_mail_imap_sync_new (store, op_test_server_get_host (server), op_test_server_get_port (server),
                                OP_SECURITY_NONE, "outpost");
  op_mail_imap_sync_set_allow_plaintext_password (sync, TRUE);
  op_mail_imap_sync_set_password (sync, "secret");
  op_mail_imap_sync_set_timeout (sync, TIMEOUT);
  op_mail_imap_sync_set_prefetch_days (sync, 0);
  op_mail_imap_sync_folder_async (sync, "INBOX", NULL, op_mail_test_store_result, &r);
  ok = op_mail_imap_sync_finish (sync, op_mail_test_wait_result (&r, TIMEOUT), error);
  op_mail_test_drain ();
  op_mail_imap_sync_close (sync);
  return ok;
}

/* The store holds exactly UIDs @first to N_MESSAGES of the folder, each whole. */
static void
assert_holds (OpMailStore *store,
              gint64       inbox,
              guint        first)
{
  const char *path = op_mail_store_get_path (store);
  g_autoptr(OpMailFolder) folder = op_mail_store_get_folder (store, inbox);
  guint held = N_MESSAGES + 1 - first;

  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"),
                   ==, 0);
  g_assert_cmpuint (op_mail_folder_get_total (folder), ==, held);
  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM messages"), ==, held);
  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM messages_fts"), ==, held);
  for (guint uid = 1; uid <= N_MESSAGES; uid++)
    {
      g_autoptr(OpMailMessage) m = op_mail_store_lookup_uid (store, inbox, uid);
      g_autofree char *subject = g_strdup_printf ("Scripted %u", uid);
      g_autofree char *address = g_strdup_printf ("sender%u@example.test", uid);
      g_autofree char *message_id = g_strdup_printf ("scripted-%u@example.test", uid);

      if (uid < first)
        {
          g_assert_null (m);
          continue;
        }
      g_assert_nonnull (m);
      g_assert_cmpstr (op_mail_message_get_subject (m), ==, subject);
      g_assert_cmpstr (op_mail_message_get_from_address (m), ==, address);
      g_assert_cmpstr (op_mail_message_get_message_id (m), ==, message_id);
      g_assert_true (op_mail_message_get_flags (m) & OP_MAIL_FLAG_SEEN);
    }
}

/* The first sync's connection drops after @cut bytes of the response to the UID FETCH of
 * batch @batch (0: 4:53, 1: 1:3); a second server then serves the sync that completes. */
static void
drop_then_resume (guint batch,
                  gsize cut)
{
  g_autoptr(OpTestServer) first = op_test_server_new ();
  g_autoptr(OpTestServer) second = op_test_server_new ();
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailFolder) folder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *newest = fetch_block (4, N_MESSAGES, "a4");
  g_autofree char *oldest = fetch_block (1, 3, "a5");
  g_autoptr(GString) flags = g_string_new (NULL);
  gint64 inbox;
  guint kept = batch == 0 ? N_MESSAGES + 1 : 4;

  g_assert_cmpuint (cut, <, strlen (batch == 0 ? newest : oldest));
  g_test_message ("batch %u cut after %" G_GSIZE_FORMAT " bytes", batch, cut);
  store = op_mail_test_open_store (&dir);
  inbox = op_mail_test_ensure_folder (store, "INBOX", OP_MAIL_SPECIAL_USE_INBOX);

  /* The first connection: the sync is cut in the middle of a UID FETCH. */
  script_session (first);
  script_search (first, "a3");
  script_fetch (first, "a4", "4:53");
  if (batch == 0)
    {
      op_test_server_drop_after (first, cut);
      op_test_server_send (first, newest);
    }
  else
    {
      op_test_server_send (first, newest);
      script_fetch (first, "a5", "1:3");
      op_test_server_drop_after (first, cut);
      op_test_server_send (first, oldest);
    }
  g_assert_false (run_sync (first, store, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  if (!op_test_server_wait (first, TIMEOUT * 1000, &error))
    {
      g_auto(GStrv) lines = op_test_server_dup_received_lines (first);
      for (guint i = 0; lines[i] != NULL; i++)
        g_printerr ("C: %s\n", lines[i]);
      g_error ("first server: %s", error ? error->message : "?");
    }

  /* Nothing of the batch that was cut; the batch before it whole. */
  assert_holds (store, inbox, kept);
  folder = op_mail_store_get_folder (store, inbox);
  g_assert_false (op_mail_folder_get_complete (folder));
  g_clear_object (&folder);

  /* The next sync: the flags of what the store holds, the UIDs, then only the rest. */
  script_session (second);
  if (kept <= N_MESSAGES)
    {
      g_autofree char *glob = g_strdup_printf ("a3 UID FETCH 1:%u (UID FLAGS)", N_MESSAGES);

      op_test_server_expect_line (second, glob);
      for (guint uid = 1; uid <= N_MESSAGES; uid++)
        g_string_append_printf (flags, "* %u FETCH (UID %u FLAGS (\\Seen))\r\n", uid, uid);
      g_string_append (flags, "a3 OK Fetch completed.\r\n");
      op_test_server_send (second, flags->str);
      script_search (second, "a4");
      script_fetch (second, "a5", "1:3");
      {
        g_autofree char *rest = fetch_block (1, 3, "a5");
        op_test_server_send (second, rest);
      }
    }
  else
    {
      script_search (second, "a3");
      script_fetch (second, "a4", "4:53");
      op_test_server_send (second, newest);
      script_fetch (second, "a5", "1:3");
      op_test_server_send (second, oldest);
    }
  g_assert_true (run_sync (second, store, &error));
  g_assert_no_error (error);
  g_assert_true (op_test_server_wait (second, TIMEOUT * 1000, &error));
  g_assert_no_error (error);

  assert_holds (store, inbox, 1);
  folder = op_mail_store_get_folder (store, inbox);
  g_assert_true (op_mail_folder_get_complete (folder));
  g_assert_cmpuint (op_mail_folder_get_uidvalidity (folder), ==, UIDVALIDITY);
  g_assert_cmpuint (op_mail_folder_get_uidnext (folder), ==, N_MESSAGES + 1);

  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
}

static void
test_drop_in_first_batch (void)
{
  g_autofree char *newest = fetch_block (4, N_MESSAGES, "a4");
  g_autofree char *one = fetch_response (4);
  gsize length = strlen (newest);

  /* Before anything, inside the first message, right after it, in the middle, inside
   * the tagged OK. */
  drop_then_resume (0, 0);
  drop_then_resume (0, strlen (one) / 2);
  drop_then_resume (0, strlen (one));
  drop_then_resume (0, length / 2);
  drop_then_resume (0, length - 5);
}

static void
test_drop_in_later_batch (void)
{
  g_autofree char *oldest = fetch_block (1, 3, "a5");
  g_autofree char *one = fetch_response (1);
  gsize length = strlen (oldest);

  drop_then_resume (1, 0);
  drop_then_resume (1, strlen (one) - 3);
  drop_then_resume (1, 2 * strlen (one) + 10);
  drop_then_resume (1, length - 5);
}

/* A delete made offline, replayed: with UIDPLUS by UID EXPUNGE of just that message;
 * without it by EXPUNGE, the only way RFC 3501 has. */
static void
expunge_replayed (gboolean uidplus)
{
  g_autoptr(OpTestServer) server = op_test_server_new ();
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailImapSync) sync = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(OpMailMessage) second = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *greeting = g_strdup_printf ("* OK [CAPABILITY IMAP4rev1%s] scripted ready\r\n",
                                               uidplus ? " UIDPLUS" : "");
  OpMailUpdate *update;
  gint64 inbox;
  gint64 id;

  store = op_mail_test_open_store (&dir);
  inbox = op_mail_test_ensure_folder (store, "INBOX", OP_MAIL_SPECIAL_USE_INBOX);
  update = op_mail_update_new (inbox);
  for (guint uid = 1; uid <= 2; uid++)
    {
      g_autofree char *message_id = g_strdup_printf ("expunge-%u@example.test", uid);
      g_autoptr(GBytes) message = op_mail_test_message (message_id, NULL, NULL, "Expunge",
                                                        "a@example.test", "body",
                                                        1700000000 + uid);

      op_mail_update_add_raw (update, uid, OP_MAIL_FLAG_SEEN, 0, message);
    }
  g_assert_true (op_mail_test_apply (store, update, &error));
  g_assert_no_error (error);
  second = op_mail_store_lookup_uid (store, inbox, 2);
  id = op_mail_message_get_id (second);
  g_array_append_val (gone, id);
  op_mail_store_expunge_async (store, gone, NULL, op_mail_test_store_result, &r);
  g_assert_true (op_mail_store_write_finish (store, op_mail_test_wait_result (&r, TIMEOUT), &error));
  g_assert_no_error (error);
  g_clear_object (&r);
  g_assert_cmpuint (op_mail_store_count_pending (store), ==, 1);

  op_test_server_send (server, greeting);
  op_test_server_expect_line (server, "a1 LOGIN \"outpost\" \"secret\"");
  op_test_server_send (server, "a1 OK Logged in\r\n");
  op_test_server_expect_line_matching (server, "a* CAPABILITY");
  op_test_server_send (server, uidplus ? "* CAPABILITY IMAP4rev1 UIDPLUS\r\na2 OK done\r\n"
                                       : "* CAPABILITY IMAP4rev1\r\na2 OK done\r\n");
  op_test_server_expect_line (server, "a3 SELECT \"INBOX\"");
  op_test_server_send (server, "* 2 EXISTS\r\n* OK [UIDVALIDITY 777] UIDs valid\r\n"
                               "* OK [UIDNEXT 3] Predicted next UID\r\na3 OK [READ-WRITE] Select completed.\r\n");
  op_test_server_expect_line (server, "a4 UID STORE 2 +FLAGS.SILENT (\\Deleted)");
  op_test_server_send (server, "a4 OK Store completed.\r\n");
  if (uidplus)
    {
      op_test_server_expect_line (server, "a5 UID EXPUNGE 2");
      op_test_server_send (server, "* 2 EXPUNGE\r\na5 OK Expunge completed.\r\n");
    }
  else
    {
      op_test_server_expect_line (server, "a5 EXPUNGE");
      op_test_server_send (server, "* 2 EXPUNGE\r\na5 OK Expunge completed.\r\n");
    }
  g_assert_true (op_test_server_start (server, NULL));

  sync = op_mail_imap_sync_new (store, op_test_server_get_host (server), op_test_server_get_port (server),
                                OP_SECURITY_NONE, "outpost");
  op_mail_imap_sync_set_allow_plaintext_password (sync, TRUE);
  op_mail_imap_sync_set_password (sync, "secret");
  op_mail_imap_sync_set_timeout (sync, TIMEOUT);
  op_mail_imap_sync_push_async (sync, NULL, op_mail_test_store_result, &r);
  g_assert_true (op_mail_imap_sync_finish (sync, op_mail_test_wait_result (&r, TIMEOUT), &error));
  g_assert_no_error (error);
  g_assert_true (op_test_server_wait (server, TIMEOUT * 1000, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (op_mail_store_count_pending (store), ==, 0);

  op_mail_imap_sync_close (sync);
  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
}

static void
test_expunge_uidplus (void)
{
  expunge_replayed (TRUE);
}

static void
test_expunge_without_uidplus (void)
{
  expunge_replayed (FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mail/sync-scripted/drop-mid-fetch/first-batch", test_drop_in_first_batch);
  g_test_add_func ("/mail/sync-scripted/drop-mid-fetch/later-batch", test_drop_in_later_batch);
  g_test_add_func ("/mail/sync-scripted/expunge/uid-expunge-with-uidplus", test_expunge_uidplus);
  g_test_add_func ("/mail/sync-scripted/expunge/expunge-without-uidplus", test_expunge_without_uidplus);

  return g_test_run ();
}
