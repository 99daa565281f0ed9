/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-mail-outbox-cuts"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "op-mail-outbox.h"
#include "op-mail-test-util.h"
#include "op-test-cut-campaign.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"

/*
 * The random-cut campaign through the core (issue 19): the outbox sends one queued
 * message per run to the SMTP server of tests/servers (aiosmtpd, which delivers to a
 * Maildir) through the fault proxy of tests/support/, cut at N_RUNS seeded points of
 * the session (STARTTLS, AUTH, the message). After each cut send, what the outbox says
 * must match the server:
 *
 * - the message left the outbox (or is SENT): delivered exactly once;
 * - QUEUED (it will be sent again): not delivered, so the retry cannot double it;
 * - MAY_HAVE_BEEN_SENT (the cut fell after the final "."): delivered at most once, and
 *   never sent again by itself;
 * - never FAILED (a cut is not the server's refusal), never left SENDING.
 *
 * Then an uncut send: every QUEUED message delivered exactly once, the MAY_HAVE_BEEN_SENT
 * ones untouched. Nothing is lost (each message is delivered or still in the outbox)
 * and nothing is delivered twice. The counts are printed; the seed is fixed (SEED), and
 * OUTPOST_TEST_CUT_SEED tries others.
 */

#define N_RUNS  100
#define SEED    19
#define TIMEOUT 30

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
  if (port == NULL || ca == NULL || smtp->host == NULL || smtp->user == NULL ||
      smtp->password == NULL || smtp->maildir == NULL)
    return FALSE;
  smtp->port = (guint16) atoi (port);
  smtp->verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  return TRUE;
}

static gint64
queue (OpMailOutbox *outbox,
       const char   *message_id)
{
  const char *rcpt[] = { "someone@example.test", NULL };
  g_autoptr(GBytes) message = op_mail_test_message (message_id, NULL, NULL, "Cut test",
                                                    "Me <me@example.test>",
                                                    "Sent through a cut connection.",
                                                    1700000000);
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  op_mail_outbox_queue_async (outbox, "me@example.test", rcpt, message, NULL,
                              op_mail_test_store_result, &r);
  id = op_mail_outbox_queue_finish (outbox, op_mail_test_wait_result (&r, TIMEOUT), &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

/* FALSE with the error that stopped the send; a hang fails the test. */
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
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = op_mail_outbox_list (outbox, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < items->len; i++)
    if (((OpMailOutboxItem *) g_ptr_array_index (items, i))->id == id)
      return g_ptr_array_steal_index (items, i);
  return NULL;
}

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
  guint32 seed = op_test_cut_seed (SEED);
  OpTestCutPlan plan = { .upstream_one_in = 4 };
  guint cut_runs = 0, sent = 0, queued = 0, unknown = 0, unknown_delivered = 0;
  guint failed_sends = 0;

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
  queue (outbox, reference_id);
  g_assert_true (send_all (outbox, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (op_test_maildir_count (smtp.maildir, reference_id), ==, 1);
  op_test_fault_proxy_get_counts (proxy, &plan.total_down, &plan.total_up, NULL);

  rand = g_rand_new_with_seed (seed);
  for (guint run = 0; run < N_RUNS; run++)
    {
      g_autofree char *message_id = g_strdup_printf ("cut-%u-%d-%" G_GINT64_FORMAT
                                                     "@outpost.test", run, getpid (),
                                                     g_get_real_time ());
      g_autoptr(OpMailOutboxItem) item = NULL;
      g_autoptr(OpMailOutboxItem) after = NULL;
      OpTestCut where;
      gboolean cut = FALSE;
      guint delivered;
      gint64 id = queue (outbox, message_id);

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

      delivered = op_test_maildir_count (smtp.maildir, message_id);
      item = find_item (outbox, id);
      g_assert_cmpuint (delivered, <=, 1);
      if (item == NULL || item->state == OP_MAIL_OUTBOX_SENT)
        {
          g_assert_cmpuint (delivered, ==, 1);
          sent++;
          continue;
        }
      g_assert_cmpint (item->state, !=, OP_MAIL_OUTBOX_FAILED);
      g_assert_cmpint (item->state, !=, OP_MAIL_OUTBOX_SENDING);
      if (item->state == OP_MAIL_OUTBOX_QUEUED)
        {
          g_assert_cmpuint (delivered, ==, 0);
          g_assert_cmpstr (item->last_error, !=, "");
          queued++;
        }
      else
        {
          g_assert_cmpint (item->state, ==, OP_MAIL_OUTBOX_MAY_HAVE_BEEN_SENT);
          unknown++;
          unknown_delivered += delivered;
        }

      /* The retry, uncut. */
      op_test_fault_proxy_set_fault (proxy, OP_TEST_FAULT_NONE, 0);
      g_assert_true (send_all (outbox, &error));
      g_assert_no_error (error);
      after = find_item (outbox, id);
      if (item->state == OP_MAIL_OUTBOX_QUEUED)
        {
          g_assert_null (after);
          g_assert_cmpuint (op_test_maildir_count (smtp.maildir, message_id), ==, 1);
        }
      else
        {
          /* Never sent again behind the user's back. */
          g_assert_nonnull (after);
          g_assert_cmpint (after->state, ==, OP_MAIL_OUTBOX_MAY_HAVE_BEEN_SENT);
          g_assert_cmpuint (op_test_maildir_count (smtp.maildir, message_id), ==, delivered);
        }
    }

  g_test_message ("outbox random cuts (seed %u): %u runs, %u cut, %u sends failed; %u sent "
                  "at once, %u queued again and sent once by the retry, %u kept as may "
                  "have been sent (%u of them delivered); 0 lost, 0 delivered twice",
                  seed, N_RUNS, cut_runs, failed_sends, sent, queued, unknown,
                  unknown_delivered);
  g_assert_cmpuint (sent + queued + unknown, ==, N_RUNS);
  g_assert_cmpuint (failed_sends, >=, N_RUNS / 2);

  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
  g_clear_object (&smtp.verifier);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mail/outbox/random-cuts", test_outbox_random_cuts);
  return g_test_run ();
}
