/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sqlite3.h>

#include "op-mail-outbox.h"
#include "op-mail-test-util.h"

/* The outbox's promises that need no server: a queued message is on disk when queueing
 * finishes, and one that was being sent when the process stopped comes back as "may
 * have been sent", never as queued. */

static void
on_queued (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  *(gint64 *) user_data = op_mail_outbox_queue_finish (OP_MAIL_OUTBOX (source), result, &error);
  g_assert_no_error (error);
}

static void
on_changed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_task_propagate_int (G_TASK (result), &error);
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static OpMailOutboxItem *
only_item (OpMailOutbox *outbox)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = op_mail_outbox_list (outbox, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 1);
  return g_ptr_array_steal_index (items, 0);
}

static void
test_crash_while_sending (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(OpMailStore) store = op_mail_test_open_store (&dir);
  g_autoptr(OpMailOutbox) outbox = op_mail_outbox_new (store);
  g_autoptr(GBytes) message = op_mail_test_message ("o1@x", NULL, NULL, "Quarterly report", "me@x.test", "x", 1000);
  const char *rcpt[] = { "a@example.test", "b@example.test", NULL };
  g_autoptr(OpMailOutboxItem) item = NULL;
  g_autoptr(OpMailOutboxItem) after = NULL;
  g_autoptr(OpMailOutboxItem) again = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id = 0;
  gboolean done = FALSE;
  sqlite3 *db = NULL;

  op_mail_outbox_queue_async (outbox, "me@x.test", rcpt, message, NULL, on_queued, &id);
  while (id == 0)
    g_main_context_iteration (NULL, TRUE);

  item = only_item (outbox);
  g_assert_cmpint (item->id, ==, id);
  g_assert_cmpint (item->state, ==, OP_MAIL_OUTBOX_QUEUED);
  g_assert_cmpstr (item->subject, ==, "Quarterly report");
  g_assert_cmpstrv (item->recipients, rcpt);

  /* What a process killed during SMTP leaves behind: the row marked SENDING. */
  path = g_build_filename (dir, "store.sqlite", NULL);
  g_clear_object (&outbox);
  op_mail_store_close (store);
  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE outbox SET state = 1, attempts = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = op_mail_store_open_sync (path, NULL, &error);
  g_assert_no_error (error);
  outbox = op_mail_outbox_new (store);
  after = only_item (outbox);
  g_assert_cmpint (after->state, ==, OP_MAIL_OUTBOX_MAY_HAVE_BEEN_SENT);
  g_assert_cmpuint (after->attempts, ==, 1);

  /* Sent again only on purpose. */
  op_mail_outbox_resend_async (outbox, id, NULL, on_changed, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  again = only_item (outbox);
  g_assert_cmpint (again->state, ==, OP_MAIL_OUTBOX_QUEUED);

  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mail/outbox/crash-while-sending", test_crash_while_sending);

  return g_test_run ();
}
