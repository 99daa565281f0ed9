/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-pop3-random-cuts"

#include "config.h"

#include <string.h>

#include "op-connection.h"
#include "op-pop3-client.h"
#include "op-pop3-error.h"
#include "op-test-async.h"
#include "op-test-cut-campaign.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"

/*
 * The random-cut campaign for POP3 (issue 19): OpPop3Client against the Dovecot of
 * tests/servers/dovecot.sh through the fault proxy of tests/support/, which cuts the
 * connection after a random number of bytes, downstream or upstream, at N_RUNS seeded
 * points of a session (connect over STLS, log in, STAT, RETR of the first message,
 * QUIT). Every run must end within its timeout with success or a clear error, leave the
 * client disconnected after an error, never report a RETR as complete with fewer bytes
 * than the message has, and a new session through the proxy afterwards must work. The
 * counts are printed. The seed is fixed (SEED) so a failing run can be replayed; set
 * OUTPOST_TEST_CUT_SEED to try others.
 *
 * The other faults of the proxy on the same session: every server byte in a segment of
 * its own (the session unchanged), one byte flipped at 25 seeded offsets (a clear error,
 * or no effect before TLS), and a stalled server (the client's timeout ends it).
 *
 * Other test programs share the mailbox: the session only reads, and a cut session ends
 * without QUIT, which keeps every message (RFC 1939 §6).
 */

#define N_RUNS          100
#define SEED            19
#define TIMEOUT_SECONDS 10

typedef struct
{
  const char *host;
  guint16     port;
  const char *user;
  const char *password;
  const char *ca;
} Endpoint;

typedef struct
{
  gboolean  ok;            /* the whole session succeeded */
  GError   *error;         /* else: the first error */
  guint     count;         /* messages STAT reported */
  guint64   size;          /* the first message's bytes (RETR) */
  gboolean  disconnected;  /* the client's state after an error */
} Outcome;

/* FALSE without the Dovecot endpoint (op_test_endpoint_env() skipped or failed the
 * test). */
static gboolean
get_endpoint (Endpoint *endpoint)
{
  const char *port;
  guint64 value;

  endpoint->host = op_test_endpoint_env ("OUTPOST_TEST_MAIL_HOST");
  port = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_POP3_PORT");
  endpoint->ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  endpoint->user = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_USER");
  endpoint->password = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_PASSWORD");
  if (endpoint->host == NULL || port == NULL || endpoint->ca == NULL ||
      endpoint->user == NULL || endpoint->password == NULL)
    return FALSE;
  g_assert_true (g_ascii_string_to_unsigned (port, 10, 1, G_MAXUINT16, &value, NULL));
  endpoint->port = value;
  return TRUE;
}

/* At most the client's timeout and a margin: a hang fails the test there. */
#define wait_result(slot) op_test_cut_wait ((slot), TIMEOUT_SECONDS)

static void
note_error (Outcome      *outcome,
            OpPop3Client *client,
            GError       *error)
{
  op_test_assert_clear_error (error, OP_POP3_ERROR);
  outcome->error = error;
  outcome->disconnected = op_pop3_client_get_state (client) == OP_POP3_STATE_DISCONNECTED;
}

static void
run_session_with_timeout (const Endpoint *endpoint,
                          guint16         port,
                          guint           timeout_seconds,
                          Outcome        *outcome)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpTestVerifier) verifier = op_test_verifier_new_for_ca_file (endpoint->ca, &error);
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  guint64 size = 0, bytes = 0;

  g_assert_no_error (error);
  memset (outcome, 0, sizeof *outcome);
  client = op_pop3_client_new (endpoint->host, port, OP_SECURITY_STARTTLS);
  op_pop3_client_set_verifier (client, OP_TLS_VERIFIER (verifier));
  op_pop3_client_set_timeout (client, timeout_seconds);

  op_pop3_client_connect_async (client, endpoint->user, endpoint->password, NULL,
                                op_test_store_result, &result);
  if (!op_pop3_client_connect_finish (client, wait_result (&result), &error))
    {
      note_error (outcome, client, g_steal_pointer (&error));
      return;
    }
  g_clear_object (&result);

  op_pop3_client_stat_async (client, NULL, op_test_store_result, &result);
  if (!op_pop3_client_stat_finish (client, wait_result (&result), &outcome->count, &size,
                                   &error))
    {
      note_error (outcome, client, g_steal_pointer (&error));
      return;
    }
  g_clear_object (&result);

  if (outcome->count > 0)
    {
      out = g_memory_output_stream_new_resizable ();
      op_pop3_client_retr_async (client, 1, out, NULL, NULL, NULL, op_test_store_result,
                                 &result);
      if (!op_pop3_client_retr_finish (client, wait_result (&result), &bytes, &error))
        {
            note_error (outcome, client, g_steal_pointer (&error));
            return;
          }
      g_clear_object (&result);
      g_assert_cmpuint (bytes, ==,
                        g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
      outcome->size = bytes;
    }

  op_pop3_client_quit_async (client, NULL, op_test_store_result, &result);
  if (!op_pop3_client_quit_finish (client, wait_result (&result), &error))
    {
      note_error (outcome, client, g_steal_pointer (&error));
      return;
    }
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_DISCONNECTED);
  outcome->ok = TRUE;
}

static void
run_session (const Endpoint *endpoint,
             guint16         port,
             Outcome        *outcome)
{
  run_session_with_timeout (endpoint, port, TIMEOUT_SECONDS, outcome);
}

/* The proxy, and the reference session run through it uncut. */
static OpTestFaultProxy *
proxy_with_reference (const Endpoint *endpoint,
                      Outcome        *reference,
                      guint64        *total_down,
                      guint64        *total_up)
{
  OpTestFaultProxy *proxy = op_test_fault_proxy_new (endpoint->host, endpoint->port);

  run_session (endpoint, op_test_fault_proxy_get_port (proxy), reference);
  g_assert_no_error (reference->error);
  g_assert_true (reference->ok);
  op_test_fault_proxy_get_counts (proxy, total_down, total_up, NULL);
  g_assert_cmpuint (*total_down, >, 0);
  g_assert_cmpuint (*total_up, >, 0);
  return proxy;
}

/* Every byte from the server in a segment of its own: the same session, unchanged. */
static void
test_trickle (void)
{
  g_autoptr(OpTestFaultProxy) proxy = NULL;
  Endpoint endpoint = { 0 };
  Outcome reference = { 0 }, outcome = { 0 };
  guint64 down = 0, up = 0;

  if (!get_endpoint (&endpoint))
    return;
  proxy = proxy_with_reference (&endpoint, &reference, &down, &up);
  op_test_fault_proxy_set_fault (proxy, OP_TEST_FAULT_TRICKLE_DOWNSTREAM, 0);
  run_session (&endpoint, op_test_fault_proxy_get_port (proxy), &outcome);
  g_assert_no_error (outcome.error);
  g_assert_true (outcome.ok);
  g_assert_cmpuint (outcome.count, ==, reference.count);
  g_assert_cmpuint (outcome.size, ==, reference.size);
}

/* One byte from the server flipped at 25 seeded offsets: the session either does not
 * notice (a byte of the greeting's text) or ends with a clear error, disconnected. */
static void
test_corrupt (void)
{
  g_autoptr(OpTestFaultProxy) proxy = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED);
  Endpoint endpoint = { 0 };
  Outcome reference = { 0 };
  guint64 down = 0, up = 0;
  guint ok = 0, failed = 0;

  if (!get_endpoint (&endpoint))
    return;
  proxy = proxy_with_reference (&endpoint, &reference, &down, &up);
  for (guint run = 0; run < 25; run++)
    {
      guint64 at = (guint64) g_rand_double_range (rand, 0, (double) down);
      Outcome outcome;

      op_test_fault_proxy_set_fault (proxy, OP_TEST_FAULT_CORRUPT_DOWNSTREAM, at);
      run_session (&endpoint, op_test_fault_proxy_get_port (proxy), &outcome);
      if (outcome.ok)
        {
          g_assert_cmpuint (outcome.count, ==, reference.count);
          ok++;
        }
      else
        {
          g_test_message ("byte %" G_GUINT64_FORMAT " flipped: %s", at, outcome.error->message);
          g_assert_true (outcome.disconnected);
          g_clear_error (&outcome.error);
          failed++;
        }
    }
  g_test_message ("POP3 corrupted bytes: 25 runs, %u clear errors, %u unaffected", failed, ok);
  /* Past the STLS reply every byte is under TLS's MAC: most flips must be caught. */
  g_assert_cmpuint (failed, >=, 15);
}

/* The server stops answering after the greeting and STLS: the client's timeout ends the
 * session with an error, long before the stall would. */
static void
test_stall (void)
{
  g_autoptr(OpTestFaultProxy) proxy = NULL;
  Endpoint endpoint = { 0 };
  Outcome reference = { 0 }, outcome = { 0 };
  guint64 down = 0, up = 0;
  gint64 start;

  if (!get_endpoint (&endpoint))
    return;
  proxy = proxy_with_reference (&endpoint, &reference, &down, &up);
  op_test_fault_proxy_set_stall (proxy, 20 * 1000);
  op_test_fault_proxy_set_fault (proxy, OP_TEST_FAULT_STALL_DOWNSTREAM, down / 2);
  start = g_get_monotonic_time ();
  run_session_with_timeout (&endpoint, op_test_fault_proxy_get_port (proxy), 2, &outcome);
  g_assert_false (outcome.ok);
  g_assert_nonnull (outcome.error);
  g_assert_true (outcome.disconnected);
  g_test_message ("stalled after %" G_GUINT64_FORMAT " bytes: %s after %.1f s", down / 2,
                  outcome.error->message, (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 15 * G_USEC_PER_SEC);
  g_clear_error (&outcome.error);
}

typedef struct
{
  const Endpoint *endpoint;
  guint16         port;
  const Outcome  *reference;
} Campaign;

/* One cut run: only a cut after the last byte that mattered (QUIT's reply) may
 * succeed, and then with the whole message; a failure leaves the client disconnected. */
static gboolean
run_cut (guint            run,
         const OpTestCut *cut,
         gpointer         user_data,
         GError         **error)
{
  Campaign *c = user_data;
  Outcome outcome;

  run_session (c->endpoint, c->port, &outcome);
  if (!outcome.ok)
    {
      g_assert_true (outcome.disconnected);
      g_propagate_error (error, outcome.error);
      return FALSE;
    }
  g_assert_cmpuint (outcome.count, ==, c->reference->count);
  if (c->reference->count > 0)
    g_assert_cmpuint (outcome.size, ==, c->reference->size);
  return TRUE;
}

static void
test_random_cuts (void)
{
  g_autoptr(OpTestFaultProxy) proxy = NULL;
  guint32 seed = op_test_cut_seed (SEED);
  Endpoint endpoint = { 0 };
  Outcome reference = { 0 };
  OpTestCutPlan plan = { .upstream_one_in = 4 };
  OpTestCutCounts counts;
  Campaign c;

  if (!get_endpoint (&endpoint))
    return;
  proxy = op_test_fault_proxy_new (endpoint.host, endpoint.port);

  /* The whole session once, uncut: how many bytes go each way. */
  run_session (&endpoint, op_test_fault_proxy_get_port (proxy), &reference);
  g_assert_no_error (reference.error);
  g_assert_true (reference.ok);
  op_test_cut_plan_measure (&plan, proxy);

  c = (Campaign) { &endpoint, op_test_fault_proxy_get_port (proxy), &reference };
  op_test_cut_campaign_run (proxy, &plan, seed, N_RUNS, run_cut, NULL, &c, &counts);

  /* The client code is still usable: a session without a cut works. */
  op_test_fault_proxy_set_fault (proxy, OP_TEST_FAULT_NONE, 0);
  {
    Outcome after = { 0 };

    run_session (&endpoint, op_test_fault_proxy_get_port (proxy), &after);
    g_assert_no_error (after.error);
    g_assert_true (after.ok);
  }

  g_test_message ("POP3 random cuts (seed %u): %u runs, %u cut, %u clear errors, "
                  "%u complete sessions, 0 hung, 0 short messages", seed, counts.runs,
                  counts.cut, counts.failed, counts.whole);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pop3/random-cuts/session", test_random_cuts);
  g_test_add_func ("/pop3/faults/one-byte-pieces", test_trickle);
  g_test_add_func ("/pop3/faults/corrupted-byte", test_corrupt);
  g_test_add_func ("/pop3/faults/stalled-server-times-out", test_stall);
  return g_test_run ();
}
