/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-imap-random-cuts"

#include "config.h"

#include <string.h>

#include "op-connection.h"
#include "op-imap-client.h"
#include "op-imap-error.h"
#include "op-test-async.h"
#include "op-test-cut-campaign.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"

/*
 * The random-cut campaign for IMAP (issue 19): OpImapClient against the Dovecot of
 * tests/servers/dovecot.sh through the fault proxy of tests/support/, which cuts the
 * connection after a random number of bytes, downstream or upstream, at N_RUNS seeded
 * points of a session: connect over STARTTLS, log in, SELECT a folder of its own, fetch an
 * 8 KiB message to a stream, APPEND a message with a Message-ID of the run's own, LOGOUT.
 *
 * Every run must end within its timeout with success or a clear error, leave the client
 * disconnected after an error, and never report a fetch as complete with other bytes than
 * the message's. The APPEND is what a sync's upload does after a cut: a direct session
 * looks for the run's Message-ID and appends again only when the server does not have it,
 * so each run ends with exactly one copy on the server (never none, never two), and one
 * the client reported as appended is always there. A new session through the proxy
 * afterwards must work. The counts are printed. The seed is fixed (SEED) so a failing
 * run can be replayed; set OUTPOST_TEST_CUT_SEED to try others.
 *
 * The other faults of the proxy on the same session: every server byte in a segment of
 * its own (the session unchanged), and a stalled server (the client's timeout ends it).
 */

#define N_RUNS          100
#define SEED            19
#define TIMEOUT_SECONDS 10
#define BODY_SIZE       (8 * 1024)    /* the message fetched: cuts land in it, and after */

typedef struct
{
  const char *host;
  guint16     port;
  const char *user;
  const char *password;
  const char *ca;
  char       *box;        /* the campaign's own folder */
  guint32     uid;        /* the message fetched in every run */
  GBytes     *message;    /* its bytes */
} Campaign;

typedef struct
{
  gboolean  ok;            /* the whole session succeeded */
  GError   *error;         /* else: the first error */
  gboolean  fetched;       /* the fetch completed, with the message's bytes */
  gboolean  appended;      /* the client reported the APPEND as done */
  gboolean  disconnected;  /* the client's state after an error */
  guint64   fetch_down;    /* the proxy's counts when the fetch had completed */
  guint64   fetch_up;
} Outcome;

/* At most the client's timeout and a margin: a hang fails the test there. */
#define wait_result(slot) op_test_cut_wait ((slot), TIMEOUT_SECONDS)

static OpImapClient *
new_client (const Campaign *campaign,
            guint16         port,
            guint           timeout_seconds)
{
  OpImapClient *client = op_imap_client_new (campaign->host, port, OP_SECURITY_STARTTLS);

  op_test_session_trust_ca_file (client, campaign->ca, timeout_seconds);
  return client;
}

/* A logged-in session straight to Dovecot, for setting up and checking. */
static OpImapClient *
direct_session (const Campaign *campaign)
{
  OpImapClient *client = new_client (campaign, campaign->port, TIMEOUT_SECONDS);
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;

  op_imap_client_connect_async (client, NULL, op_test_store_result, &r);
  g_assert_true (op_imap_client_connect_finish (client, wait_result (&r), &error));
  g_assert_no_error (error);
  g_clear_object (&r);
  op_imap_client_login_async (client, campaign->user, campaign->password, OP_IMAP_AUTH_AUTO,
                              NULL, op_test_store_result, &r);
  g_assert_true (op_imap_client_login_finish (client, wait_result (&r), &error));
  g_assert_no_error (error);
  return client;
}

static void
direct_logout (OpImapClient *client)
{
  g_autoptr(GAsyncResult) r = NULL;

  op_imap_client_logout_async (client, NULL, op_test_store_result, &r);
  g_assert_true (op_imap_client_logout_finish (client, wait_result (&r), NULL));
}

static void
simple_ok (OpImapClient  *client,
           GAsyncResult **r)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_imap_client_simple_finish (client, wait_result (r), &error));
  g_assert_no_error (error);
  g_clear_object (r);
}

static guint32
append_direct (OpImapClient *client,
               const char   *box,
               GBytes       *message)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  guint32 uid = 0;

  op_imap_client_append_async (client, box, message, NULL, NULL, NULL, op_test_store_result,
                               &r);
  g_assert_true (op_imap_client_append_finish (client, wait_result (&r), &uid, &error));
  g_assert_no_error (error);
  return uid;
}

static GBytes *
run_message (guint run)
{
  char *text = g_strdup_printf ("From: Cuts <cuts@outpost.test>\r\n"
                                "To: Cuts <cuts@outpost.test>\r\n"
                                "Subject: cut run %u\r\n"
                                "Message-ID: <cut-run-%u@outpost.test>\r\n"
                                "\r\n"
                                "Appended by run %u of the random cuts.\r\n",
                                run, run, run);

  return g_bytes_new_take (text, strlen (text));
}

/* How many messages of the campaign's folder carry the run's Message-ID. */
static guint
count_run (OpImapClient *client,
           guint         run)
{
  g_autofree char *id = g_strdup_printf ("<cut-run-%u@outpost.test>", run);
  const char *criteria[] = { "HEADER", "Message-ID", id, NULL };
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) uids = NULL;

  /* NOOP first: the messages other sessions appended join this session's view. */
  op_imap_client_noop_async (client, NULL, op_test_store_result, &r);
  g_assert_true (op_imap_client_noop_finish (client, wait_result (&r), &error));
  g_assert_no_error (error);
  g_clear_object (&r);
  op_imap_client_search_async (client, criteria, NULL, op_test_store_result, &r);
  uids = op_imap_client_search_finish (client, wait_result (&r), &error);
  g_assert_no_error (error);
  return uids->len;
}

/* FALSE without the Dovecot endpoint (op_test_endpoint_env() skipped or failed the
 * test). Makes the folder and the message every run fetches. */
static gboolean
campaign_init (Campaign *campaign,
               gsize     body_size)
{
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  const char *port;
  guint64 value;

  memset (campaign, 0, sizeof *campaign);
  campaign->host = op_test_endpoint_env ("OUTPOST_TEST_MAIL_HOST");
  port = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_IMAP_PORT");
  campaign->ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  campaign->user = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_USER");
  campaign->password = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_PASSWORD");
  if (campaign->host == NULL || port == NULL || campaign->ca == NULL ||
      campaign->user == NULL || campaign->password == NULL)
    return FALSE;
  g_assert_true (g_ascii_string_to_unsigned (port, 10, 1, G_MAXUINT16, &value, NULL));
  campaign->port = value;
  campaign->box = g_strdup_printf ("Cuts-%08x", g_random_int ());

  g_string_append (text, "From: Cuts <cuts@outpost.test>\r\n"
                         "Subject: the message every run fetches\r\n"
                         "Message-ID: <cut-fetch@outpost.test>\r\n\r\n");
  for (guint line = 0; text->len < body_size; line++)
    g_string_append_printf (text, "line %05u of the message every cut run fetches, "
                                  "so cuts land inside it\r\n", line);
  campaign->message = g_string_free_to_bytes (g_steal_pointer (&text));

  client = direct_session (campaign);
  op_imap_client_create_async (client, campaign->box, NULL, op_test_store_result, &r);
  simple_ok (client, &r);
  campaign->uid = append_direct (client, campaign->box, campaign->message);
  g_assert_cmpuint (campaign->uid, >, 0);
  direct_logout (client);
  return TRUE;
}

static void
campaign_clear (Campaign *campaign)
{
  g_autoptr(OpImapClient) client = NULL;
  g_autoptr(GAsyncResult) r = NULL;

  if (campaign->box == NULL)
    return;
  client = direct_session (campaign);
  op_imap_client_delete_async (client, campaign->box, NULL, op_test_store_result, &r);
  simple_ok (client, &r);
  direct_logout (client);
  g_clear_pointer (&campaign->box, g_free);
  g_clear_pointer (&campaign->message, g_bytes_unref);
}

static gboolean
note_error (Outcome      *outcome,
            OpImapClient *client,
            GError       *error)
{
  op_test_assert_clear_error (error, OP_IMAP_ERROR);
  outcome->error = error;
  outcome->disconnected = op_imap_client_get_state (client) == OP_IMAP_STATE_DISCONNECTED;
  return FALSE;
}

static gboolean
run_session_with_timeout (const Campaign   *campaign,
                          OpTestFaultProxy *proxy,
                          guint             run,
                          guint             timeout_seconds,
                          Outcome          *outcome)
{
  g_autoptr(OpImapClient) client = new_client (campaign, op_test_fault_proxy_get_port (proxy),
                                               timeout_seconds);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(OpImapSelectInfo) info = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GBytes) appended = run_message (run);
  g_autoptr(GBytes) fetched = NULL;
  g_autoptr(GError) error = NULL;
  guint64 size = 0;
  guint32 uid = 0;

  memset (outcome, 0, sizeof *outcome);
  op_imap_client_connect_async (client, NULL, op_test_store_result, &r);
  if (!op_imap_client_connect_finish (client, wait_result (&r), &error))
    return note_error (outcome, client, g_steal_pointer (&error));
  g_clear_object (&r);
  op_imap_client_login_async (client, campaign->user, campaign->password, OP_IMAP_AUTH_AUTO,
                              NULL, op_test_store_result, &r);
  if (!op_imap_client_login_finish (client, wait_result (&r), &error))
    return note_error (outcome, client, g_steal_pointer (&error));
  g_clear_object (&r);
  op_imap_client_select_async (client, campaign->box, FALSE, NULL, op_test_store_result, &r);
  info = op_imap_client_select_finish (client, wait_result (&r), &error);
  if (info == NULL)
    return note_error (outcome, client, g_steal_pointer (&error));
  g_clear_object (&r);

  op_imap_client_fetch_to_stream_async (client, campaign->uid, "", out, NULL,
                                        op_test_store_result, &r);
  if (!op_imap_client_fetch_to_stream_finish (client, wait_result (&r), &size, &error))
    return note_error (outcome, client, g_steal_pointer (&error));
  g_clear_object (&r);
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  fetched = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_cmpuint (size, ==, g_bytes_get_size (fetched));
  /* Never a short or changed message reported as fetched. */
  g_assert_true (g_bytes_equal (fetched, campaign->message));
  outcome->fetched = TRUE;
  op_test_fault_proxy_get_counts (proxy, &outcome->fetch_down, &outcome->fetch_up, NULL);

  op_imap_client_append_async (client, campaign->box, appended, NULL, NULL, NULL,
                               op_test_store_result, &r);
  if (!op_imap_client_append_finish (client, wait_result (&r), &uid, &error))
    return note_error (outcome, client, g_steal_pointer (&error));
  g_clear_object (&r);
  outcome->appended = TRUE;

  op_imap_client_logout_async (client, NULL, op_test_store_result, &r);
  if (!op_imap_client_logout_finish (client, wait_result (&r), &error))
    return note_error (outcome, client, g_steal_pointer (&error));
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_DISCONNECTED);
  outcome->ok = TRUE;
  return TRUE;
}

static gboolean
run_session (const Campaign   *campaign,
             OpTestFaultProxy *proxy,
             guint             run,
             Outcome          *outcome)
{
  return run_session_with_timeout (campaign, proxy, run, TIMEOUT_SECONDS, outcome);
}

/* After a run, what a sync's upload does: the server is asked whether it has the run's
 * message, and only when it has none is it appended again. Returns TRUE when it had to. */
static gboolean
settle_run (const Campaign *campaign,
            OpImapClient   *checker,
            guint           run,
            const Outcome  *outcome)
{
  guint found = count_run (checker, run);
  gboolean retried = FALSE;

  g_assert_cmpuint (found, <=, 1);
  if (outcome->appended)
    g_assert_cmpuint (found, ==, 1);
  if (found == 0)
    {
      g_autoptr(GBytes) message = run_message (run);

      append_direct (checker, campaign->box, message);
      retried = TRUE;
    }
  g_assert_cmpuint (count_run (checker, run), ==, 1);
  return retried;
}

/* What the runs count besides the driver (OpTestCutCounts). */
typedef struct
{
  const Campaign   *campaign;
  OpTestFaultProxy *proxy;
  OpImapClient     *checker;
  guint             fetched;
  guint             retried;
} Runs;

/* One cut run: a failure leaves the client disconnected; then the run's message is
 * settled in the mailbox (settle_run()). */
static gboolean
run_cut (guint            run,
         const OpTestCut *where,
         gpointer         user_data,
         GError         **error)
{
  Runs *r = user_data;
  Outcome outcome;
  gboolean ok;

  run_session (r->campaign, r->proxy, run, &outcome);
  r->fetched += outcome.fetched;
  ok = outcome.ok;
  if (!ok)
    {
      g_assert_true (outcome.disconnected);
      g_propagate_error (error, g_steal_pointer (&outcome.error));
    }
  r->retried += settle_run (r->campaign, r->checker, run, &outcome);
  return ok;
}

static void
test_random_cuts (void)
{
  g_autoptr(OpTestFaultProxy) proxy = NULL;
  g_autoptr(OpImapClient) checker = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(OpImapSelectInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  guint32 seed = op_test_cut_seed (SEED);
  Campaign campaign;
  Outcome reference = { 0 };
  OpTestCutPlan plan = { .upstream_one_in = 4 };
  OpTestCutCounts counts;
  Runs runs = { 0 };

  if (!campaign_init (&campaign, BODY_SIZE))
    return;
  proxy = op_test_fault_proxy_new (campaign.host, campaign.port);
  checker = direct_session (&campaign);
  op_imap_client_select_async (checker, campaign.box, FALSE, NULL, op_test_store_result, &r);
  info = op_imap_client_select_finish (checker, wait_result (&r), &error);
  g_assert_no_error (error);
  g_clear_object (&r);

  /* The whole session once, uncut: how many bytes go each way. */
  run_session (&campaign, proxy, N_RUNS, &reference);
  g_assert_no_error (reference.error);
  g_assert_true (reference.ok);
  settle_run (&campaign, checker, N_RUNS, &reference);
  op_test_cut_plan_measure (&plan, proxy);
  g_assert_cmpuint (plan.total_down, >, BODY_SIZE);
  /* Half the cuts before the fetch has completed, half in the APPEND and LOGOUT after
   * it, which are fewer bytes but where a message can be lost or doubled. */
  plan.split_down = reference.fetch_down;
  plan.split_up = reference.fetch_up;

  runs = (Runs) { &campaign, proxy, checker };
  op_test_cut_campaign_run (proxy, &plan, seed, N_RUNS, run_cut, NULL, &runs, &counts);

  /* The client code is still usable: a session without a cut works. */
  op_test_fault_proxy_set_fault (proxy, OP_TEST_FAULT_NONE, 0);
  {
    Outcome after = { 0 };

    run_session (&campaign, proxy, N_RUNS + 1, &after);
    g_assert_no_error (after.error);
    g_assert_true (after.ok);
  }
  direct_logout (checker);
  campaign_clear (&campaign);

  g_test_message ("IMAP random cuts (seed %u): %u runs, %u cut, %u clear errors, "
                  "%u complete sessions, %u whole fetches, %u appends retried, 0 hung, "
                  "0 short fetches, 0 lost or duplicated appends", seed, counts.runs,
                  counts.cut, counts.failed, counts.whole, runs.fetched, runs.retried);
}

/* Every byte from the server in a segment of its own: the same session, unchanged. */
static void
test_trickle (void)
{
  g_autoptr(OpTestFaultProxy) proxy = NULL;
  Campaign campaign;
  Outcome outcome = { 0 };

  /* A small message: the proxy sends a byte a millisecond. */
  if (!campaign_init (&campaign, 2048))
    return;
  proxy = op_test_fault_proxy_new (campaign.host, campaign.port);
  op_test_fault_proxy_set_fault (proxy, OP_TEST_FAULT_TRICKLE_DOWNSTREAM, 0);
  run_session (&campaign, proxy, 0, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_true (outcome.ok);
  g_assert_true (outcome.fetched);
  campaign_clear (&campaign);
}

/* The server stops answering in the middle of the fetch: the client's timeout ends the
 * session with an error, disconnected, long before the stall would. */
static void
test_stall (void)
{
  g_autoptr(OpTestFaultProxy) proxy = NULL;
  Campaign campaign;
  Outcome reference = { 0 }, outcome = { 0 };
  guint64 down = 0;
  gint64 start;

  if (!campaign_init (&campaign, BODY_SIZE))
    return;
  proxy = op_test_fault_proxy_new (campaign.host, campaign.port);
  run_session (&campaign, proxy, 0, &reference);
  g_assert_true (reference.ok);
  op_test_fault_proxy_get_counts (proxy, &down, NULL, NULL);
  op_test_fault_proxy_set_stall (proxy, 20 * 1000);
  op_test_fault_proxy_set_fault (proxy, OP_TEST_FAULT_STALL_DOWNSTREAM, down - BODY_SIZE / 2);
  start = g_get_monotonic_time ();
  run_session_with_timeout (&campaign, proxy, 1, 2, &outcome);
  g_assert_false (outcome.ok);
  g_assert_false (outcome.fetched);
  g_assert_nonnull (outcome.error);
  g_assert_true (outcome.disconnected);
  g_test_message ("stalled after %" G_GUINT64_FORMAT " bytes: %s after %.1f s",
                  down - BODY_SIZE / 2, outcome.error->message,
                  (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 15 * G_USEC_PER_SEC);
  g_clear_error (&outcome.error);
  campaign_clear (&campaign);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/imap/random-cuts/session", test_random_cuts);
  g_test_add_func ("/imap/faults/one-byte-pieces", test_trickle);
  g_test_add_func ("/imap/faults/stalled-server-times-out", test_stall);
  return g_test_run ();
}
