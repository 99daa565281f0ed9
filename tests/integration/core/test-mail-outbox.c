/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-mail-outbox"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "op-imap-client.h"
#include "op-mail-outbox.h"
#include "op-mail-test-util.h"
#include "op-test-cut-campaign.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"

/*
 * The outbox against the SMTP server of tests/servers (aiosmtpd, which refuses
 * recipients whose local part starts with "reject") and, for the Sent copy, Dovecot.
 * Delivery is checked in the SMTP server's Maildir: each message exactly once.
 */

#define TIMEOUT 60

typedef struct
{
  const char     *host;
  guint16         port;
  const char     *user;
  const char     *password;
  const char     *maildir;
  OpTestVerifier *verifier;
} Smtp;

static gboolean
get_smtp (Smtp *smtp)
{
  const char *port = op_test_endpoint_env ("OUTPOST_TEST_SMTP_PORT");
  const char *ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  g_autoptr(GError) error = NULL;

  smtp->host = op_test_endpoint_env ("OUTPOST_TEST_SMTP_HOST");
  smtp->user = op_test_endpoint_env ("OUTPOST_TEST_SMTP_USER");
  smtp->password = op_test_endpoint_env ("OUTPOST_TEST_SMTP_PASSWORD");
  smtp->maildir = op_test_endpoint_env ("OUTPOST_TEST_SMTP_MAILDIR");
  if (port == NULL || ca == NULL || smtp->host == NULL || smtp->user == NULL || smtp->password == NULL
      || smtp->maildir == NULL)
    return FALSE;
  smtp->port = (guint16) atoi (port);
  smtp->verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  return TRUE;
}

/* How many delivered messages hold @needle. */
static guint
delivered (const Smtp *smtp,
           const char *needle)
{
  g_autofree char *dir = g_build_filename (smtp->maildir, "new", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;

      if (g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, needle) != NULL)
        n++;
    }
  return n;
}

static gint64
queue (OpMailOutbox       *outbox,
       const char         *message_id,
       const char * const *rcpt)
{
  g_autoptr(GBytes) message = op_mail_test_message (message_id, NULL, NULL, "Outbox test", "Me <me@example.test>",
                                                    "Sent through the outbox.", 1700000000);
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  op_mail_outbox_queue_async (outbox, "me@example.test", rcpt, message, NULL, op_mail_test_store_result, &r);
  id = op_mail_outbox_queue_finish (outbox, op_mail_test_wait_result (&r, TIMEOUT), &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static gboolean
send_all (OpMailOutbox  *outbox,
          GError       **error)
{
  g_autoptr(GAsyncResult) r = NULL;

  op_mail_outbox_send_async (outbox, NULL, op_mail_test_store_result, &r);
  return op_mail_outbox_send_finish (outbox, op_mail_test_wait_result (&r, TIMEOUT), error);
}

static OpMailOutboxItem *
find_item (OpMailOutbox *outbox,
           gint64        id)
{
  g_autoptr(GPtrArray) items = op_mail_outbox_list (outbox, NULL);

  for (guint i = 0; i < items->len; i++)
    if (((OpMailOutboxItem *) g_ptr_array_index (items, i))->id == id)
      return g_ptr_array_steal_index (items, i);
  return NULL;
}

static void
test_refusal (void)
{
  Smtp smtp = { 0 };
  g_autofree char *dir = NULL;
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailOutbox) outbox = NULL;
  g_autoptr(OpMailOutboxItem) item = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message_id = g_strdup_printf ("refusal-%d-%" G_GINT64_FORMAT "@outpost.test", getpid (),
                                                 g_get_real_time ());
  const char *rcpt[] = { "someone@example.test", "reject-me@example.test", NULL };
  gint64 id;

  if (!get_smtp (&smtp))
    return;
  store = op_mail_test_open_store (&dir);
  outbox = op_mail_outbox_new (store);
  op_mail_outbox_set_server (outbox, smtp.host, smtp.port, OP_SECURITY_STARTTLS, smtp.user, smtp.password,
                             FALSE, OP_TLS_VERIFIER (smtp.verifier));
  id = queue (outbox, message_id, rcpt);

  g_assert_true (send_all (outbox, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (delivered (&smtp, message_id), ==, 1);

  /* Accepted for one, refused for the other: kept, with the server's reason. */
  item = find_item (outbox, id);
  g_assert_nonnull (item);
  g_assert_cmpint (item->state, ==, OP_MAIL_OUTBOX_SENT);
  g_assert_cmpuint (item->refusals->len, ==, 1);
  {
    OpMailRefusal *refusal = g_ptr_array_index (item->refusals, 0);
    g_assert_cmpstr (refusal->recipient, ==, "reject-me@example.test");
    g_assert_cmpuint (refusal->code, ==, 550);
    g_assert_nonnull (strstr (refusal->reason, "rejected"));
  }

  /* Sending again sends nothing twice. */
  g_assert_true (send_all (outbox, &error));
  g_assert_cmpuint (delivered (&smtp, message_id), ==, 1);

  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
  g_clear_object (&smtp.verifier);
}

static void
test_retry (void)
{
  Smtp smtp = { 0 };
  g_autofree char *dir = NULL;
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailOutbox) outbox = NULL;
  g_autoptr(OpMailOutboxItem) waiting = NULL;
  g_autoptr(OpMailOutboxItem) gone = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *message_id = g_strdup_printf ("retry-%d-%" G_GINT64_FORMAT "@outpost.test", getpid (),
                                                 g_get_real_time ());
  const char *rcpt[] = { "someone@example.test", NULL };
  guint16 down;
  gint64 id;

  if (!get_smtp (&smtp))
    return;
  /* A port nothing listens on: the server "is down". */
  g_assert_true (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  down = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  store = op_mail_test_open_store (&dir);
  outbox = op_mail_outbox_new (store);
  op_mail_outbox_set_server (outbox, smtp.host, down, OP_SECURITY_STARTTLS, smtp.user, smtp.password, FALSE,
                             OP_TLS_VERIFIER (smtp.verifier));
  id = queue (outbox, message_id, rcpt);

  g_assert_false (send_all (outbox, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  waiting = find_item (outbox, id);
  g_assert_cmpint (waiting->state, ==, OP_MAIL_OUTBOX_QUEUED);
  g_assert_cmpuint (waiting->attempts, ==, 1);
  g_assert_cmpint (waiting->next_attempt, >=, g_get_real_time () / G_USEC_PER_SEC + OP_MAIL_OUTBOX_FIRST_RETRY - 5);
  g_assert_cmpstr (waiting->last_error, !=, "");
  g_assert_cmpuint (delivered (&smtp, message_id), ==, 0);

  /* The server is back. */
  op_mail_outbox_set_server (outbox, smtp.host, smtp.port, OP_SECURITY_STARTTLS, smtp.user, smtp.password,
                             FALSE, OP_TLS_VERIFIER (smtp.verifier));
  g_assert_true (send_all (outbox, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (delivered (&smtp, message_id), ==, 1);
  gone = find_item (outbox, id);
  g_assert_null (gone);

  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
  g_clear_object (&smtp.verifier);
}

static void
test_sent_copy (void)
{
  Smtp smtp = { 0 };
  const char *imap_port = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_IMAPS_PORT");
  const char *user = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_USER");
  const char *password = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_PASSWORD");
  g_autofree char *dir = NULL;
  g_autofree char *folder = g_strdup_printf ("outpost-outbox-%d", getpid ());
  g_autofree char *message_id = g_strdup_printf ("copy-%d-%" G_GINT64_FORMAT "@outpost.test", getpid (),
                                                 g_get_real_time ());
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailOutbox) outbox = NULL;
  g_autoptr(OpMailImapSync) sync = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(OpMailFolder) sent = NULL;
  const char *rcpt[] = { "someone@example.test", NULL };
  gint64 id;

  if (!get_smtp (&smtp) || imap_port == NULL || user == NULL || password == NULL)
    return;
  store = op_mail_test_open_store (&dir);

  /* A folder of the test's own plays Sent. */
  client = op_imap_client_new (smtp.host, (guint16) atoi (imap_port), OP_SECURITY_IMPLICIT_TLS);
  op_imap_client_set_verifier (client, OP_TLS_VERIFIER (smtp.verifier));
  op_imap_client_connect_async (client, NULL, op_mail_test_store_result, &r1);
  g_assert_true (op_imap_client_connect_finish (client, op_mail_test_wait_result (&r1, TIMEOUT), &error));
  op_imap_client_login_async (client, user, password, OP_IMAP_AUTH_AUTO, NULL, op_mail_test_store_result, &r2);
  g_assert_true (op_imap_client_login_finish (client, op_mail_test_wait_result (&r2, TIMEOUT), &error));
  op_imap_client_create_async (client, folder, NULL, op_mail_test_store_result, &r3);
  g_assert_true (op_imap_client_simple_finish (client, op_mail_test_wait_result (&r3, TIMEOUT), &error));
  g_assert_no_error (error);

  sync = op_mail_imap_sync_new (store, smtp.host, (guint16) atoi (imap_port), OP_SECURITY_IMPLICIT_TLS, user);
  op_mail_imap_sync_set_password (sync, password);
  op_mail_imap_sync_set_verifier (sync, OP_TLS_VERIFIER (smtp.verifier));

  outbox = op_mail_outbox_new (store);
  op_mail_outbox_set_server (outbox, smtp.host, smtp.port, OP_SECURITY_STARTTLS, smtp.user, smtp.password,
                             FALSE, OP_TLS_VERIFIER (smtp.verifier));
  op_mail_outbox_set_sent_folder (outbox, sync, folder);
  id = queue (outbox, message_id, rcpt);
  g_assert_true (send_all (outbox, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (delivered (&smtp, message_id), ==, 1);
  g_assert_null (find_item (outbox, id));

  /* The copy is in the folder, \Seen. */
  {
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GAsyncResult) r4 = NULL;

    op_mail_imap_sync_folders_async (sync, NULL, op_mail_test_store_result, &r);
    g_assert_true (op_mail_imap_sync_finish (sync, op_mail_test_wait_result (&r, TIMEOUT), &error));
    op_mail_imap_sync_folder_async (sync, folder, NULL, op_mail_test_store_result, &r4);
    g_assert_true (op_mail_imap_sync_finish (sync, op_mail_test_wait_result (&r4, TIMEOUT), &error));
    g_assert_no_error (error);
    op_mail_test_drain ();
  }
  sent = op_mail_store_lookup_folder (store, folder);
  g_assert_nonnull (sent);
  g_assert_cmpuint (op_mail_folder_get_total (sent), ==, 1);
  {
    g_autoptr(OpMailMessage) copy = op_mail_store_lookup_uid (store, op_mail_folder_get_id (sent), 1);
    g_assert_cmpstr (op_mail_message_get_message_id (copy), ==, message_id);
    g_assert_true (op_mail_message_get_flags (copy) & OP_MAIL_FLAG_SEEN);
  }

  {
    g_autoptr(GAsyncResult) r = NULL;
    op_imap_client_delete_async (client, folder, NULL, op_mail_test_store_result, &r);
    g_assert_true (op_imap_client_simple_finish (client, op_mail_test_wait_result (&r, TIMEOUT), &error));
  }
  op_mail_imap_sync_close (sync);
  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
  g_clear_object (&smtp.verifier);
}

/*
 * The random-cut campaign through the core (issue 19): the outbox sends one queued
 * message per run through the fault proxy of tests/support/, cut at CUT_RUNS seeded
 * points of the session (STARTTLS, AUTH, the message). After each cut send, what the
 * outbox says must match the server:
 *
 * - the message left the outbox (or is SENT): delivered exactly once;
 * - QUEUED (it will be sent again): not delivered, so the retry cannot double it;
 * - MAY_HAVE_BEEN_SENT (the cut fell after the final "."): delivered at most once, and
 *   never sent again by itself;
 * - never FAILED (a cut is not the server's refusal), never left SENDING.
 *
 * Then an uncut send: every QUEUED message delivered exactly once, the MAY_HAVE_BEEN_SENT
 * ones untouched. Nothing is lost (each message is delivered or still in the outbox)
 * and nothing is delivered twice. The counts are printed; the seed is fixed (CUT_SEED),
 * and OUTPOST_TEST_CUT_SEED tries others.
 */

#define CUT_RUNS 100
#define CUT_SEED 19

static void
test_outbox_random_cuts (void)
{
  Smtp smtp = { 0 };
  g_autofree char *dir = NULL;
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailOutbox) outbox = NULL;
  g_autoptr(OpTestFaultProxy) proxy = NULL;
  g_autoptr(GRand) rand = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reference_id = NULL;
  guint32 seed = op_test_cut_seed (CUT_SEED);
  OpTestCutPlan plan = { .upstream_one_in = 4 };
  guint cut_runs = 0, sent = 0, queued = 0, unknown = 0, unknown_delivered = 0;
  guint failed_sends = 0;
  const char *rcpt[] = { "someone@example.test", NULL };

  if (!get_smtp (&smtp))
    return;
  proxy = op_test_fault_proxy_new (smtp.host, smtp.port);
  store = op_mail_test_open_store (&dir);
  outbox = op_mail_outbox_new (store);
  op_mail_outbox_set_server (outbox, smtp.host, op_test_fault_proxy_get_port (proxy),
                             OP_SECURITY_STARTTLS, smtp.user, smtp.password, FALSE,
                             OP_TLS_VERIFIER (smtp.verifier));

  /* One message uncut: how many bytes a send takes each way. */
  reference_id = g_strdup_printf ("cut-reference-%d-%" G_GINT64_FORMAT "@outpost.test",
                                  getpid (), g_get_real_time ());
  queue (outbox, reference_id, rcpt);
  g_assert_true (send_all (outbox, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (delivered (&smtp, reference_id), ==, 1);
  op_test_fault_proxy_get_counts (proxy, &plan.total_down, &plan.total_up, NULL);

  rand = g_rand_new_with_seed (seed);
  for (guint run = 0; run < CUT_RUNS; run++)
    {
      g_autofree char *message_id = g_strdup_printf ("cut-%u-%d-%" G_GINT64_FORMAT
                                                     "@outpost.test", run, getpid (),
                                                     g_get_real_time ());
      g_autoptr(OpMailOutboxItem) item = NULL;
      g_autoptr(OpMailOutboxItem) after = NULL;
      OpTestCut where;
      gboolean cut = FALSE;
      guint copies;
      gint64 id = queue (outbox, message_id, rcpt);

      where = op_test_cut_arm (proxy, rand, &plan);
      if (!send_all (outbox, &error))
        {
          op_test_cut_note (run, seed, &where, error);
          g_assert_cmpstr (error->message, !=, "");
          failed_sends++;
          g_clear_error (&error);
        }
      op_test_fault_proxy_get_counts (proxy, NULL, NULL, &cut);
      cut_runs += cut;

      copies = delivered (&smtp, message_id);
      item = find_item (outbox, id);
      g_assert_cmpuint (copies, <=, 1);
      if (item == NULL || item->state == OP_MAIL_OUTBOX_SENT)
        {
          g_assert_cmpuint (copies, ==, 1);
          sent++;
          continue;
        }
      g_assert_cmpint (item->state, !=, OP_MAIL_OUTBOX_FAILED);
      g_assert_cmpint (item->state, !=, OP_MAIL_OUTBOX_SENDING);
      if (item->state == OP_MAIL_OUTBOX_QUEUED)
        {
          g_assert_cmpuint (copies, ==, 0);
          g_assert_cmpstr (item->last_error, !=, "");
          queued++;
        }
      else
        {
          g_assert_cmpint (item->state, ==, OP_MAIL_OUTBOX_MAY_HAVE_BEEN_SENT);
          unknown++;
          unknown_delivered += copies;
        }

      /* The retry, uncut. */
      op_test_fault_proxy_set_fault (proxy, OP_TEST_FAULT_NONE, 0);
      g_assert_true (send_all (outbox, &error));
      g_assert_no_error (error);
      after = find_item (outbox, id);
      if (item->state == OP_MAIL_OUTBOX_QUEUED)
        {
          g_assert_null (after);
          g_assert_cmpuint (delivered (&smtp, message_id), ==, 1);
        }
      else
        {
          /* Never sent again behind the user's back. */
          g_assert_nonnull (after);
          g_assert_cmpint (after->state, ==, OP_MAIL_OUTBOX_MAY_HAVE_BEEN_SENT);
          g_assert_cmpuint (delivered (&smtp, message_id), ==, copies);
        }
    }

  g_test_message ("outbox random cuts (seed %u): %u runs, %u cut, %u sends failed; %u sent "
                  "at once, %u queued again and sent once by the retry, %u kept as may "
                  "have been sent (%u of them delivered); 0 lost, 0 delivered twice",
                  seed, CUT_RUNS, cut_runs, failed_sends, sent, queued, unknown,
                  unknown_delivered);
  g_assert_cmpuint (sent + queued + unknown, ==, CUT_RUNS);
  g_assert_cmpuint (failed_sends, >=, CUT_RUNS / 2);

  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
  g_clear_object (&smtp.verifier);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mail/outbox/per-recipient-refusal", test_refusal);
  g_test_add_func ("/mail/outbox/retry-after-server-down", test_retry);
  g_test_add_func ("/mail/outbox/sent-copy", test_sent_copy);
  g_test_add_func ("/mail/outbox/random-cuts", test_outbox_random_cuts);

  return op_test_run ();
}
