/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-nntp-random-cuts"

#include "config.h"

#include <string.h>

#include "op-connection.h"
#include "nntp/op-nntp-error.h"
#include "op-test-cut-campaign.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"
#include "test-nntp-common.h"

/*
 * The random-cut campaign for NNTP (issue 19): OpNntpClient against the INN of
 * tests/servers/inn.sh through the fault proxy of tests/support/, which cuts the
 * connection after a random number of bytes, downstream or upstream, at N_RUNS seeded
 * points of a reader's session: connect over STARTTLS and log in, GROUP, OVER of the
 * whole threaded group, ARTICLE of its first article, POST an article with a Message-ID
 * of the run's own, QUIT.
 *
 * Every run must end within its timeout with success or a clear error, leave the client
 * disconnected after an error, and never report an OVER or an ARTICLE as complete with
 * other content than the uncut session's. The POST is what a news client's outbox does
 * after a cut: a direct session asks STAT for the run's Message-ID and posts again only
 * when the server does not have it, so each run ends with the article on the server
 * exactly once; one the client reported as posted is always there. A new session through
 * the proxy afterwards must work. The counts are printed. The seed is fixed (SEED) so a
 * failing run can be replayed; set OUTPOST_TEST_CUT_SEED to try others.
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
  const char *group;
  const char *post_group;
  guint32     tag;          /* makes this program's Message-IDs unique on the server */
} Campaign;

typedef struct
{
  gboolean  ok;            /* the whole session succeeded */
  GError   *error;         /* else: the first error */
  guint64   n_overviews;   /* the OVER's count, when it completed */
  char     *article;       /* the ARTICLE's text, when it completed */
  gboolean  posted;        /* the client reported the POST as done */
  gboolean  disconnected;  /* the client's state after an error */
  guint64   read_down;     /* the proxy's counts once the ARTICLE had completed */
  guint64   read_up;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_error (&outcome->error);
  g_clear_pointer (&outcome->article, g_free);
}

static gboolean
campaign_init (Campaign *campaign)
{
  const char *port;
  guint64 value;

  memset (campaign, 0, sizeof *campaign);
  campaign->host = op_test_endpoint_env ("OUTPOST_TEST_NEWS_HOST");
  port = op_test_endpoint_env ("OUTPOST_TEST_INN_PORT");
  campaign->ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  campaign->user = op_test_endpoint_env ("OUTPOST_TEST_INN_USER");
  campaign->password = op_test_endpoint_env ("OUTPOST_TEST_INN_PASSWORD");
  campaign->group = op_test_endpoint_env ("OUTPOST_TEST_INN_GROUP");
  campaign->post_group = op_test_endpoint_env ("OUTPOST_TEST_INN_POST_GROUP");
  if (campaign->host == NULL || port == NULL || campaign->ca == NULL ||
      campaign->user == NULL || campaign->password == NULL || campaign->group == NULL ||
      campaign->post_group == NULL)
    return FALSE;
  g_assert_true (g_ascii_string_to_unsigned (port, 10, 1, G_MAXUINT16, &value, NULL));
  campaign->port = value;
  campaign->tag = g_random_int ();
  return TRUE;
}

static OpNntpClient *
new_client (const Campaign *campaign,
            guint16         port)
{
  OpNntpClient *client = op_nntp_client_new (campaign->host, port, OP_SECURITY_STARTTLS);

  op_test_session_trust_ca_file (client, campaign->ca, TIMEOUT_SECONDS);
  return client;
}

static char *
run_message_id (const Campaign *campaign,
                guint           run)
{
  return g_strdup_printf ("<cut-%08x-%u@outpost.example.test>", campaign->tag, run);
}

static char *
run_article (const Campaign *campaign,
             guint           run)
{
  g_autofree char *message_id = run_message_id (campaign, run);

  return g_strdup_printf ("From: Cuts <cuts@outpost.example.test>\r\n"
                          "Newsgroups: %s\r\n"
                          "Subject: cut run %u\r\n"
                          "Message-ID: %s\r\n"
                          "\r\n"
                          "Posted by run %u of the random cuts.\r\n",
                          campaign->post_group, run, message_id, run);
}

static gboolean
note_error (Outcome      *outcome,
            OpNntpClient *client,
            GError       *error)
{
  op_test_assert_clear_error (error, OP_NNTP_ERROR);
  outcome->error = error;
  op_test_spin_pending ();
  outcome->disconnected = op_nntp_client_get_state (client) == OP_NNTP_STATE_DISCONNECTED;
  return FALSE;
}

static gboolean
run_session (const Campaign   *campaign,
             OpTestFaultProxy *proxy,
             guint             run,
             Outcome          *outcome)
{
  g_autoptr(OpNntpClient) client = new_client (campaign, op_test_fault_proxy_get_port (proxy));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *article = run_article (campaign, run);
  NntpBatches batches = { NULL, };
  guint64 count = 0, low = 0, high = 0, bytes = 0;

  memset (outcome, 0, sizeof *outcome);
  if (!nntp_connect (client, campaign->user, campaign->password, &error))
    return note_error (outcome, client, g_steal_pointer (&error));

  op_nntp_client_group_async (client, campaign->group, NULL, op_test_store_result, &r);
  if (!op_nntp_client_group_finish (client, nntp_test_wait (&r), &count, &low, &high, &error))
    return note_error (outcome, client, g_steal_pointer (&error));
  g_clear_object (&r);

  if (!nntp_over (client, low, high, &batches, NULL, &count, NULL, &error))
    {
      nntp_batches_clear (&batches);
      return note_error (outcome, client, g_steal_pointer (&error));
    }
  g_assert_cmpuint (count, ==, batches.overviews->len);
  outcome->n_overviews = count;
  nntp_batches_clear (&batches);

  op_nntp_client_article_async (client, OP_NNTP_ARTICLE_WHOLE, NULL, low, out, NULL, NULL, NULL,
                                op_test_store_result, &r);
  if (!op_nntp_client_article_finish (client, nntp_test_wait (&r), NULL, NULL, &bytes, &error))
    return note_error (outcome, client, g_steal_pointer (&error));
  g_clear_object (&r);
  g_assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  outcome->article = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_cmpuint (strlen (outcome->article), ==, bytes);
  op_test_fault_proxy_get_counts (proxy, &outcome->read_down, &outcome->read_up, NULL);

  if (!nntp_post (client, article, &error))
    return note_error (outcome, client, g_steal_pointer (&error));
  outcome->posted = TRUE;

  op_nntp_client_quit_async (client, NULL, op_test_store_result, &r);
  if (!op_nntp_client_quit_finish (client, nntp_test_wait (&r), &error))
    return note_error (outcome, client, g_steal_pointer (&error));
  op_test_spin_pending ();
  g_assert_cmpint (op_nntp_client_get_state (client), ==, OP_NNTP_STATE_DISCONNECTED);
  outcome->ok = TRUE;
  return TRUE;
}

/* Whether the server has the run's article (STAT by Message-ID: 223 or 430). */
static gboolean
server_has (OpNntpClient   *checker,
            const Campaign *campaign,
            guint           run)
{
  g_autofree char *message_id = run_message_id (campaign, run);
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found;

  op_nntp_client_stat_async (checker, message_id, 0, NULL, op_test_store_result, &r);
  found = op_nntp_client_stat_finish (checker, nntp_test_wait (&r), NULL, NULL, &error);
  if (!found)
    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_ARTICLE);
  return found;
}

/* After a run, what an outbox does: it asks whether the server has the run's article and
 * posts it again only when it has not. INN may not show an article it has just taken:
 * its history knows the Message-ID before a reader can STAT it, and then refuses the
 * second POST as a duplicate ("441 435 Duplicate"), which means the first one went
 * through. Returns TRUE when the article had to be posted again; counts those refusals
 * in @n_duplicates. */
static gboolean
settle_run (OpNntpClient   *checker,
            const Campaign *campaign,
            guint           run,
            const Outcome  *outcome,
            guint          *n_duplicates)
{
  gboolean found = server_has (checker, campaign, run);
  gint64 deadline;

  if (outcome->posted)
    g_assert_true (found);
  if (!found)
    {
      g_autofree char *article = run_article (campaign, run);
      g_autoptr(GError) error = NULL;

      if (!nntp_post (checker, article, &error))
        {
          if (!g_error_matches (error, OP_NNTP_ERROR, OP_NNTP_ERROR_POSTING_FAILED) ||
              strstr (error->message, "Duplicate") == NULL)
            g_error ("run %u: posting again failed: %s", run, error->message);
          g_test_message ("run %u: posted before the cut, not yet readable: %s", run,
                          error->message);
          (*n_duplicates)++;
        }
    }
  /* Readable within a few seconds at most. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!server_has (checker, campaign, run))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100 * 1000);
    }
  return !found;
}

/* The run's article is in the posting group once: INN keeps each Message-ID once, and
 * the overview of the group says how many carry it. */
static guint
count_in_group (OpNntpClient   *checker,
                const Campaign *campaign,
                GHashTable     *ids)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  NntpBatches batches = { NULL, };
  guint64 count = 0, low = 0, high = 0;
  guint found = 0;

  op_nntp_client_group_async (checker, campaign->post_group, NULL, op_test_store_result, &r);
  g_assert_true (op_nntp_client_group_finish (checker, nntp_test_wait (&r), &count, &low,
                                              &high, &error));
  g_assert_no_error (error);
  g_assert_true (nntp_over (checker, low, high, &batches, NULL, &count, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < batches.overviews->len; i++)
    {
      OpNntpOverview *ov = batches.overviews->pdata[i];
      guint seen = GPOINTER_TO_UINT (g_hash_table_lookup (ids, ov->message_id));

      if (g_hash_table_contains (ids, ov->message_id))
        {
          g_assert_cmpuint (seen, ==, 0);
          g_hash_table_insert (ids, g_strdup (ov->message_id), GUINT_TO_POINTER (1));
          found++;
        }
    }
  nntp_batches_clear (&batches);
  return found;
}

/* What the runs count besides the driver (OpTestCutCounts). */
typedef struct
{
  const Campaign   *campaign;
  OpTestFaultProxy *proxy;
  OpNntpClient     *checker;
  const Outcome    *reference;
  guint             read;
  guint             reposted;
  guint             duplicates;
} Runs;

/* One cut run: never a partial read reported as complete, a failure leaves the client
 * disconnected; then the run's article is settled on the server (settle_run()). */
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
  if (outcome.article != NULL)
    {
      g_assert_cmpuint (outcome.n_overviews, ==, r->reference->n_overviews);
      g_assert_cmpstr (outcome.article, ==, r->reference->article);
      r->read++;
    }
  ok = outcome.ok;
  if (!ok)
    {
      g_assert_true (outcome.disconnected);
      g_propagate_error (error, g_error_copy (outcome.error));
    }
  r->reposted += settle_run (r->checker, r->campaign, run, &outcome, &r->duplicates);
  outcome_clear (&outcome);
  return ok;
}

static void
test_random_cuts (void)
{
  g_autoptr(OpTestFaultProxy) proxy = NULL;
  g_autoptr(OpNntpClient) checker = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  guint32 seed = op_test_cut_seed (SEED);
  Campaign campaign;
  Outcome reference = { 0 };
  OpTestCutPlan plan = { .upstream_one_in = 4 };
  OpTestCutCounts counts;
  Runs runs = { 0 };

  if (!campaign_init (&campaign))
    return;
  proxy = op_test_fault_proxy_new (campaign.host, campaign.port);
  checker = new_client (&campaign, campaign.port);
  g_assert_true (nntp_connect (checker, campaign.user, campaign.password, &error));
  g_assert_no_error (error);

  /* The whole session once, uncut: how many bytes go each way, and what it reads. */
  run_session (&campaign, proxy, N_RUNS, &reference);
  g_assert_no_error (reference.error);
  g_assert_true (reference.ok);
  g_assert_cmpuint (reference.n_overviews, >, 0);
  settle_run (checker, &campaign, N_RUNS, &reference, &runs.duplicates);
  op_test_cut_plan_measure (&plan, proxy);
  g_assert_cmpuint (plan.total_down, >, reference.read_down);
  g_assert_cmpuint (plan.total_up, >, reference.read_up);
  /* Half the cuts while reading, half in the POST and QUIT after it, which are fewer
   * bytes but where an article can be lost or posted twice. */
  plan.split_down = reference.read_down;
  plan.split_up = reference.read_up;

  runs = (Runs) { &campaign, proxy, checker, &reference };
  op_test_cut_campaign_run (proxy, &plan, seed, N_RUNS, run_cut, NULL, &runs, &counts);

  /* The client code is still usable: a session without a cut works. */
  op_test_fault_proxy_set_fault (proxy, OP_TEST_FAULT_NONE, 0);
  {
    Outcome after = { 0 };

    run_session (&campaign, proxy, N_RUNS + 1, &after);
    g_assert_no_error (after.error);
    g_assert_true (after.ok);
    outcome_clear (&after);
  }

  /* Every run's article is in the group, once. */
  for (guint run = 0; run <= N_RUNS + 1; run++)
    g_hash_table_insert (ids, run_message_id (&campaign, run), GUINT_TO_POINTER (0));
  g_assert_cmpuint (count_in_group (checker, &campaign, ids), ==, N_RUNS + 2);
  nntp_quit (checker);
  outcome_clear (&reference);

  g_test_message ("NNTP random cuts (seed %u): %u runs, %u cut, %u clear errors, "
                  "%u complete sessions, %u whole reads, %u posts repeated (%u of them refused "
                  "as duplicates of one not yet readable), 0 hung, 0 short reads, 0 lost or "
                  "duplicated posts", seed, counts.runs, counts.cut, counts.failed,
                  counts.whole, runs.read, runs.reposted, runs.duplicates);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nntp/random-cuts/session", test_random_cuts);
  return g_test_run ();
}
