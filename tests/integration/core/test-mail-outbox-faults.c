/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-mail-outbox-faults"

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "op-mail-outbox.h"
#include "op-mail-test-util.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"

/*
 * kill -9 during an outbox send (issue 12, "Faults"), OP_KILLS times: the test queues
 * N_QUEUED messages in a new store, a child process sends them through the SMTP server of
 * tests/servers and is killed at a random moment within the time a whole send takes.
 * Then, with the store opened again, each message must be delivered at most once (counted
 * in the server's Maildir), and one that was not delivered must still be in the outbox;
 * one that was delivered must not be queued to go again (it is gone, or "may have been
 * sent"). A send in this process then finishes the rest. Lost and doubled messages are
 * counted (both must be 0).
 */

#define TIMEOUT 60
#define N_QUEUED 5
#define OP_KILLS 20

static void
set_server (OpMailOutbox *outbox)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpTestVerifier) verifier = op_test_verifier_new_for_ca_file (g_getenv ("OUTPOST_TEST_CA"), &error);

  g_assert_no_error (error);
  op_mail_outbox_set_server (outbox, g_getenv ("OUTPOST_TEST_SMTP_HOST"),
                             (guint16) atoi (g_getenv ("OUTPOST_TEST_SMTP_PORT")), OP_SECURITY_STARTTLS,
                             g_getenv ("OUTPOST_TEST_SMTP_USER"), g_getenv ("OUTPOST_TEST_SMTP_PASSWORD"), FALSE,
                             OP_TLS_VERIFIER (verifier));
}

static gboolean
send_all (OpMailStore  *store,
          GError      **error)
{
  g_autoptr(OpMailOutbox) outbox = op_mail_outbox_new (store);
  g_autoptr(GAsyncResult) r = NULL;

  set_server (outbox);
  op_mail_outbox_send_async (outbox, NULL, op_mail_test_store_result, &r);
  return op_mail_outbox_send_finish (outbox, op_mail_test_wait_result (&r, TIMEOUT), error);
}

static int
child_main (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpMailStore) store = op_mail_store_open_sync (path, NULL, &error);

  if (store == NULL || !send_all (store, &error))
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }
  op_mail_store_close (store);
  return 0;
}

static guint
delivered (const char *needle)
{
  g_autofree char *dir = g_build_filename (g_getenv ("OUTPOST_TEST_SMTP_MAILDIR"), "new", NULL);
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

/* The outbox item whose subject is @subject, or NULL. */
static OpMailOutboxItem *
find (GPtrArray  *items,
      const char *subject)
{
  for (guint i = 0; i < items->len; i++)
    if (strcmp (((OpMailOutboxItem *) g_ptr_array_index (items, i))->subject, subject) == 0)
      return g_ptr_array_index (items, i);
  return NULL;
}

static void
test_kill_send (void)
{
  g_autofree char *self_path = NULL;
  g_autoptr(GError) error = NULL;
  guint killed_mid = 0, lost = 0, doubled = 0, maybe = 0;
  guint duration_ms = 0;

  if (op_test_endpoint_env ("OUTPOST_TEST_SMTP_PORT") == NULL || op_test_endpoint_env ("OUTPOST_TEST_SMTP_MAILDIR") == NULL
      || op_test_endpoint_env ("OUTPOST_TEST_CA") == NULL)
    return;
  self_path = g_file_read_link ("/proc/self/exe", NULL);

  for (guint k = 0; k <= OP_KILLS; k++)
    {
      g_autofree char *dir = NULL;
      g_autofree char *path = NULL;
      g_autoptr(GSubprocess) child = NULL;
      char *subjects[N_QUEUED];
      gint64 start;

      /* N_QUEUED messages, queued (durably) before the child starts. */
      {
        g_autoptr(OpMailStore) store = op_mail_test_open_store (&dir);
        g_autoptr(OpMailOutbox) outbox = op_mail_outbox_new (store);

        for (guint i = 0; i < N_QUEUED; i++)
          {
            const char *rcpt[] = { "someone@example.test", NULL };
            g_autoptr(GBytes) message = NULL;
            g_autoptr(GAsyncResult) r = NULL;

            subjects[i] = g_strdup_printf ("outbox-fault-%d-%u-%u-%" G_GINT64_FORMAT, getpid (), k, i,
                                           g_get_real_time ());
            message = op_mail_test_message (NULL, NULL, NULL, subjects[i], "me@example.test", "x", 1700000000);
            op_mail_outbox_queue_async (outbox, "me@example.test", rcpt, message, NULL, op_mail_test_store_result, &r);
            op_mail_outbox_queue_finish (outbox, op_mail_test_wait_result (&r, TIMEOUT), &error);
            g_assert_no_error (error);
          }
        op_mail_store_close (store);
      }
      path = g_build_filename (dir, "store.sqlite", NULL);

      start = g_get_monotonic_time ();
      child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self_path, "--child", path, NULL);
      g_assert_no_error (error);
      if (k == 0)
        {
          /* The first round is not killed: it tells how long a whole send takes. */
          g_assert_true (g_subprocess_wait_check (child, NULL, &error));
          duration_ms = (g_get_monotonic_time () - start) / 1000;
          g_test_message ("a whole send of %u messages in a child: %u ms", N_QUEUED, duration_ms);
        }
      else
        {
          guint delay_ms = g_test_rand_int_range (1, MAX (duration_ms, 2));

          g_usleep (delay_ms * 1000);
          g_subprocess_send_signal (child, SIGKILL);
          g_subprocess_wait (child, NULL, NULL);
          if (g_subprocess_get_if_signaled (child))
            killed_mid++;
        }

      /* Right after the kill: nothing twice, nothing lost, nothing sent queued again. */
      {
        g_autoptr(OpMailStore) store = op_mail_store_open_sync (path, NULL, &error);
        g_autoptr(OpMailOutbox) outbox = NULL;
        g_autoptr(GPtrArray) items = NULL;
        g_autoptr(GPtrArray) after = NULL;

        g_assert_no_error (error);
        outbox = op_mail_outbox_new (store);
        items = op_mail_outbox_list (outbox, &error);
        g_assert_no_error (error);
        for (guint i = 0; i < N_QUEUED; i++)
          {
            guint d = delivered (subjects[i]);
            OpMailOutboxItem *item = find (items, subjects[i]);

            if (d > 1)
              doubled++;
            if (d == 0 && item == NULL)
              lost++;
            if (d == 1 && item != NULL)
              g_assert_cmpint (item->state, !=, OP_MAIL_OUTBOX_QUEUED);
            if (item != NULL && item->state == OP_MAIL_OUTBOX_MAY_HAVE_BEEN_SENT)
              maybe++;
          }

        /* The rest goes now; "may have been sent" stays unless sent on purpose. */
        g_assert_true (send_all (store, &error));
        g_assert_no_error (error);
        after = op_mail_outbox_list (outbox, NULL);
        for (guint i = 0; i < N_QUEUED; i++)
          {
            guint d = delivered (subjects[i]);
            OpMailOutboxItem *item = find (after, subjects[i]);

            if (d > 1)
              doubled++;
            if (d == 0 && (item == NULL || item->state != OP_MAIL_OUTBOX_MAY_HAVE_BEEN_SENT))
              lost++;
            g_free (subjects[i]);
          }
        op_mail_store_close (store);
      }
      op_mail_test_remove_dir (dir);
    }
  g_test_message ("killed %u of %u sends mid-way; %u messages marked \"may have been sent\"; lost %u, "
                  "delivered twice %u", killed_mid, OP_KILLS, maybe, lost, doubled);
  g_assert_cmpuint (lost, ==, 0);
  g_assert_cmpuint (doubled, ==, 0);
  g_assert_cmpuint (killed_mid, >=, OP_KILLS / 2);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && strcmp (argv[1], "--child") == 0)
    return child_main (argv[2]);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mail/faults/kill-9-during-outbox-send", test_kill_send);
  return op_test_run ();
}
