/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-smtp-random-cuts"

#include "config.h"

#include <string.h>

#include "op-connection.h"
#include "op-smtp-client.h"
#include "op-smtp-error.h"
#include "op-test-cut-campaign.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"
#include "test-smtp-common.h"

/*
 * The random-cut campaign for SMTP (issue 19): OpSmtpClient sends a message to the
 * submission server of tests/servers/smtp.sh (aiosmtpd) through the fault proxy of
 * tests/support/, which cuts the connection after a random number of bytes, downstream
 * or upstream, at N_RUNS seeded points of a session (connect, STARTTLS, AUTH, MAIL,
 * RCPT, DATA, QUIT). Every run must end within its timeout with success or a clear
 * error and a disconnected client; a message reported sent is stored exactly once, and
 * none is ever stored twice. A cut after the final "." but before the server's reply
 * may leave a message stored that the client reports as not sent (RFC 5321 §4.1.1.4,
 * the known duplicate window): that case is counted, not failed. The seed is fixed
 * (SEED); OUTPOST_TEST_CUT_SEED tries others.
 */

#define N_RUNS          100
#define SEED            19
#define TIMEOUT_SECONDS 10

typedef struct
{
  const char     *host;
  guint16         port;
  const char     *user;
  const char     *password;
  const char     *maildir;
  OpTestVerifier *verifier;
} Server;

static gboolean
server_get (Server *s)
{
  const char *port, *ca;
  g_autoptr(GError) error = NULL;

  memset (s, 0, sizeof *s);
  if ((s->host = op_test_endpoint_env ("OUTPOST_TEST_SMTP_HOST")) == NULL ||
      (port = op_test_endpoint_env ("OUTPOST_TEST_SMTP_PORT")) == NULL ||
      (s->user = op_test_endpoint_env ("OUTPOST_TEST_SMTP_USER")) == NULL ||
      (s->password = op_test_endpoint_env ("OUTPOST_TEST_SMTP_PASSWORD")) == NULL ||
      (s->maildir = op_test_endpoint_env ("OUTPOST_TEST_SMTP_MAILDIR")) == NULL ||
      (ca = op_test_endpoint_env ("OUTPOST_TEST_CA")) == NULL)
    return FALSE;
  s->port = (guint16) g_ascii_strtoull (port, NULL, 10);
  s->verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  return TRUE;
}

static void
check_error (OpSmtpClient *client,
             const GError *error)
{
  op_test_assert_clear_error (error, OP_SMTP_ERROR);
  op_test_spin_pending ();
  g_assert_cmpint (op_smtp_client_get_state (client), ==, OP_SMTP_STATE_DISCONNECTED);
}

/* One session: TRUE when the message was reported sent; *error otherwise. */
static gboolean
send_one (const Server  *s,
          guint16        port,
          const char    *token,
          GError       **error)
{
  g_autoptr(OpSmtpClient) client = op_smtp_client_new (s->host, port, OP_SECURITY_STARTTLS);
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpSendResult) sent = NULL;
  g_autofree char *message = g_strdup_printf ("From: a@example.test\r\nTo: b@example.test\r\n"
                                              "Subject: cut %s\r\n\r\nBody %s\r\n.dot\r\n",
                                              token, token);
  const char *rcpt[] = { "b@example.test", NULL };

  op_smtp_client_set_verifier (client, OP_TLS_VERIFIER (s->verifier));
  op_smtp_client_set_timeout (client, TIMEOUT_SECONDS);
  caps = smtp_connect (client, error);
  if (caps == NULL)
    goto failed;
  if (!smtp_login (client, s->user, s->password, NULL, error))
    goto failed;
  sent = smtp_send (client, "a@example.test", rcpt, message, -1, NULL, error);
  if (sent == NULL)
    goto failed;
  /* The message is sent: a cut during QUIT does not change that. */
  {
    g_autoptr(GError) quit_error = NULL;

    if (!smtp_quit (client, &quit_error))
      check_error (client, quit_error);
  }
  return TRUE;

failed:
  check_error (client, *error);
  return FALSE;
}

/* What the runs count besides the driver (OpTestCutCounts). */
typedef struct
{
  Server     *server;
  guint16     port;
  const char *prefix;
  guint       stored_unreported;
} Runs;

/* One cut run: the message is in the Maildir at most once, and exactly once when the
 * client said it was sent. */
static gboolean
run_cut (guint            run,
         const OpTestCut *where,
         gpointer         user_data,
         GError         **error)
{
  Runs *r = user_data;
  /* One width: no token is a prefix of another. */
  g_autofree char *token = g_strdup_printf ("%s-%03u", r->prefix, run);
  gboolean ok = send_one (r->server, r->port, token, error);
  guint stored = op_test_maildir_count (r->server->maildir, token);

  g_assert_cmpuint (stored, <=, 1);
  if (ok)
    g_assert_cmpuint (stored, ==, 1);
  else if (stored)
    {
      g_test_message ("run %u: stored all the same", run);
      r->stored_unreported++;
    }
  return ok;
}

static void
test_random_cuts (void)
{
  g_autoptr(OpTestFaultProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  guint32 seed = op_test_cut_seed (SEED);
  Server s;
  OpTestCutPlan plan = { .upstream_one_in = 2 };
  OpTestCutCounts counts;
  Runs runs = { 0 };
  /* Unique to this process (the seeded generator repeats), so earlier runs' messages in
   * the shared Maildir never count. */
  g_autofree char *prefix = g_strdup_printf ("outpost-cut-%08x%08x", g_random_int (),
                                             g_random_int ());

  if (!server_get (&s))
    return;
  proxy = op_test_fault_proxy_new (s.host, s.port);

  /* The whole session once, uncut: how many bytes go each way. */
  {
    g_autofree char *token = g_strdup_printf ("%s-reference", prefix);

    g_assert_true (send_one (&s, op_test_fault_proxy_get_port (proxy), token, &error));
    g_assert_no_error (error);
    op_test_cut_plan_measure (&plan, proxy);
    g_assert_cmpuint (op_test_maildir_count (s.maildir, token), ==, 1);
  }

  runs = (Runs) { &s, op_test_fault_proxy_get_port (proxy), prefix };
  op_test_cut_campaign_run (proxy, &plan, seed, N_RUNS, run_cut, NULL, &runs, &counts);

  /* A session afterwards, without a cut, works. */
  op_test_fault_proxy_set_fault (proxy, OP_TEST_FAULT_NONE, 0);
  {
    g_autofree char *token = g_strdup_printf ("%s-after", prefix);

    g_assert_true (send_one (&s, op_test_fault_proxy_get_port (proxy), token, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (op_test_maildir_count (s.maildir, token), ==, 1);
  }

  g_test_message ("SMTP random cuts (seed %u): %u runs, %u cut, %u clear errors (%u of them "
                  "stored before the cut reply), %u sent, 0 hung, 0 lost, 0 duplicated",
                  seed, counts.runs, counts.cut, counts.failed, runs.stored_unreported,
                  counts.whole);
  g_clear_object (&s.verifier);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/smtp/random-cuts/send", test_random_cuts);
  return g_test_run ();
}
