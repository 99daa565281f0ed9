/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "op-mail-conversation-list.h"
#include "op-mail-folder-list.h"
#include "op-mail-private.h"
#include "op-mail-test-util.h"
#include "op-test-util.h"

/* --- the order diff ------------------------------------------------------------------------ */

static GArray *
ids (const gint64 *values,
     guint         n)
{
  GArray *array = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_array_append_vals (array, values, n);
  return array;
}

/* Applies @changes to a copy of @old the way the models do, checking each step. */
static void
check_diff (GArray *old_order,
            GArray *new_order,
            guint   expected_changes)
{
  g_autoptr(GArray) changes = _op_mail_order_diff (old_order, new_order);
  g_autoptr(GArray) work = g_array_copy (old_order);

  for (guint c = 0; c < changes->len; c++)
    {
      OpMailOrderChange *change = &g_array_index (changes, OpMailOrderChange, c);

      g_assert_cmpuint (change->position + change->removed, <=, work->len);
      g_array_remove_range (work, change->position, change->removed);
      g_assert_cmpuint (change->position, <=, work->len);
      g_array_insert_vals (work, change->position, &g_array_index (new_order, gint64, change->position),
                           change->added);
    }
  g_assert_cmpuint (work->len, ==, new_order->len);
  g_assert_cmpmem (work->data, work->len * sizeof (gint64), new_order->data, new_order->len * sizeof (gint64));
  if (expected_changes != G_MAXUINT)
    g_assert_cmpuint (changes->len, ==, expected_changes);
}

static void
test_diff_cases (void)
{
  const gint64 a[] = { 1, 2, 3, 4, 5 };
  const gint64 moved[] = { 4, 1, 2, 3, 5 };
  const gint64 added_top[] = { 9, 8, 1, 2, 3, 4, 5 };
  const gint64 removed_mid[] = { 1, 2, 5 };
  g_autoptr(GArray) base = ids (a, 5);
  g_autoptr(GArray) empty = ids (NULL, 0);
  g_autoptr(GArray) m = ids (moved, 5);
  g_autoptr(GArray) t = ids (added_top, 7);
  g_autoptr(GArray) r = ids (removed_mid, 3);

  check_diff (base, base, 0);
  check_diff (empty, base, 1);          /* one insertion of five */
  check_diff (base, empty, 1);          /* one removal of five */
  check_diff (base, m, 2);              /* 4 moved to the top: a removal and an insertion */
  check_diff (base, t, 1);
  check_diff (base, r, 1);
}

static void
test_diff_random (void)
{
  GRand *rand = g_rand_new_with_seed (12);

  for (guint round = 0; round < 300; round++)
    {
      g_autoptr(GArray) old_order = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(GArray) new_order = g_array_new (FALSE, FALSE, sizeof (gint64));
      guint n = g_rand_int_range (rand, 0, 60);

      for (guint i = 0; i < n; i++)
        {
          gint64 v = i;
          g_array_append_val (old_order, v);
          if (g_rand_int_range (rand, 0, 4) != 0)
            g_array_append_val (new_order, v);
        }
      for (guint i = 0; i < 5; i++)
        {
          gint64 v = 1000 + i;
          g_array_insert_val (new_order, g_rand_int_range (rand, 0, new_order->len + 1), v);
        }
      for (guint i = 0; i + 1 < new_order->len && i < 3; i++)
        {
          guint x = g_rand_int_range (rand, 0, new_order->len);
          guint y = g_rand_int_range (rand, 0, new_order->len);
          gint64 tmp = g_array_index (new_order, gint64, x);
          g_array_index (new_order, gint64, x) = g_array_index (new_order, gint64, y);
          g_array_index (new_order, gint64, y) = tmp;
        }
      check_diff (old_order, new_order, G_MAXUINT);
    }
  g_rand_free (rand);
}

/* --- models --------------------------------------------------------------------------------- */

typedef struct
{
  GListModel *model;
  GString    *log;      /* "pos-removed+added;" per signal */
  guint       expected; /* n_items as the signals say it must be */
} Recorder;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Recorder   *recorder)
{
  g_string_append_printf (recorder->log, "%u-%u+%u;", position, removed, added);
  g_assert_cmpuint (position + removed, <=, recorder->expected);
  recorder->expected = recorder->expected - removed + added;
  /* The model is already in its new state when it says so. */
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, recorder->expected);
}

static void
recorder_init (Recorder   *recorder,
               GListModel *model)
{
  recorder->model = model;
  recorder->log = g_string_new (NULL);
  recorder->expected = g_list_model_get_n_items (model);
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), recorder);
}

static void
recorder_clear (Recorder *recorder)
{
  g_signal_handlers_disconnect_by_data (recorder->model, recorder);
  g_string_free (recorder->log, TRUE);
}

static void
test_folder_list (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(OpMailStore) store = op_mail_test_open_store (&dir);
  g_autoptr(OpMailFolderList) list = NULL;
  g_autoptr(OpMailFolder) first = NULL;
  Recorder recorder;
  gint64 inbox;

  inbox = op_mail_test_ensure_folder (store, "INBOX", OP_MAIL_SPECIAL_USE_INBOX);
  op_mail_test_ensure_folder (store, "Work", OP_MAIL_SPECIAL_USE_NONE);
  list = op_mail_folder_list_new (store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == OP_TYPE_MAIL_FOLDER);
  recorder_init (&recorder, G_LIST_MODEL (list));

  /* A new folder between the two: one insertion where it sorts. */
  op_mail_test_ensure_folder (store, "Sent", OP_MAIL_SPECIAL_USE_SENT);
  g_assert_cmpstr (recorder.log->str, ==, "1-0+1;");
  g_string_truncate (recorder.log, 0);

  /* A message in the Inbox changes its counts: that row only. */
  {
    OpMailUpdate *update = op_mail_update_new (inbox);
    g_autoptr(GBytes) message = op_mail_test_message ("a@x", NULL, NULL, "Hi", "a@x.test", "x", 100);

    /* add_raw takes a reference of its own */
    op_mail_update_add_raw (update, 1, 0, 0, message);
    g_assert_true (op_mail_test_apply (store, update, NULL));
  }
  g_assert_cmpstr (recorder.log->str, ==, "0-1+1;");
  first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpuint (op_mail_folder_get_unread (first), ==, 1);

  recorder_clear (&recorder);
  g_clear_object (&list);
  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
}

typedef struct
{
  char                   *dir;
  OpMailStore            *store;
  gint64                  inbox;
  OpMailConversationList *list;
  Recorder                recorder;
} Fixture;

#define N_CONVERSATIONS 1000

static void
wait_loaded (OpMailConversationList *list)
{
  while (op_mail_conversation_list_get_loading (list))
    g_main_context_iteration (NULL, TRUE);
}

/* Waits until the reload that a write started has been applied. */
static void
settle (Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!_op_mail_conversation_list_is_idle (f->list) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (_op_mail_conversation_list_is_idle (f->list));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  OpMailUpdate *update;
  g_autoptr(GError) error = NULL;

  f->store = op_mail_test_open_store (&f->dir);
  f->inbox = op_mail_test_ensure_folder (f->store, "INBOX", OP_MAIL_SPECIAL_USE_INBOX);
  update = op_mail_update_new (f->inbox);
  /* Conversation i (UID i + 1) is dated i minutes: the newest is the last. */
  for (guint i = 0; i < N_CONVERSATIONS; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%u@x", i);
      g_autofree char *subject = g_strdup_printf ("Topic %u", i);
      g_autoptr(GBytes) message = op_mail_test_message (id, NULL, NULL, subject, "Anna <anna@x.test>",
                                                        "text", 1000000 + i * 60);
      op_mail_update_add_raw (update, i + 1, OP_MAIL_FLAG_SEEN, 0, message);
    }
  g_assert_true (op_mail_test_apply (f->store, update, &error));
  g_assert_no_error (error);

  f->list = op_mail_conversation_list_new (f->store, f->inbox);
  g_assert_true (op_mail_conversation_list_get_loading (f->list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->list)), ==, 0);
  wait_loaded (f->list);
  recorder_init (&f->recorder, G_LIST_MODEL (f->list));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  recorder_clear (&f->recorder);
  g_clear_object (&f->list);
  op_mail_store_close (f->store);
  g_clear_object (&f->store);
  op_mail_test_remove_dir (f->dir);
  g_free (f->dir);
}

static void
add (Fixture     *f,
     guint32      uid,
     const char  *id,
     const char  *irt,
     const char  *subject,
     gint64       date,
     OpMailFlags  flags)
{
  OpMailUpdate *update = op_mail_update_new (f->inbox);
  g_autoptr(GBytes) message = op_mail_test_message (id, irt, irt, subject, "Bob <bob@x.test>", "reply", date);

  op_mail_update_add_raw (update, uid, flags, 0, message);
  g_assert_true (op_mail_test_apply (f->store, update, NULL));
  settle (f);
}

static OpMailConversation *
item (Fixture *f,
      guint    position)
{
  return g_list_model_get_item (G_LIST_MODEL (f->list), position);
}

static void
test_conversation_pages (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(OpMailConversation) top = NULL;
  g_autoptr(OpMailConversation) last = NULL;
  g_autoptr(OpMailConversation) mid = NULL;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->list)), ==, N_CONVERSATIONS);
  top = item (f, 0);
  g_assert_cmpstr (op_mail_conversation_get_subject (top), ==, "Topic 999");
  g_assert_cmpstr (op_mail_conversation_get_senders (top), ==, "Anna");
  g_assert_cmpuint (op_mail_conversation_get_n_messages (top), ==, 1);
  g_assert_cmpuint (op_mail_conversation_get_n_unread (top), ==, 0);
  g_assert_true (op_mail_conversation_get_loaded (top));
  mid = item (f, 517);
  g_assert_cmpstr (op_mail_conversation_get_subject (mid), ==, "Topic 482");
  last = item (f, N_CONVERSATIONS - 1);
  g_assert_cmpstr (op_mail_conversation_get_subject (last), ==, "Topic 0");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (f->list), N_CONVERSATIONS));
  g_assert_cmpint (op_mail_conversation_list_find (f->list, op_mail_conversation_get_id (mid)), ==, 517);
}

static void
test_conversation_new_mail (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(OpMailConversation) top = NULL;

  add (f, 5000, "new@x", NULL, "Fresh", 9000000, 0);
  g_assert_cmpstr (f->recorder.log->str, ==, "0-0+1;");
  top = item (f, 0);
  g_assert_cmpstr (op_mail_conversation_get_subject (top), ==, "Fresh");
  g_assert_cmpuint (op_mail_conversation_get_n_unread (top), ==, 1);
}

static void
test_conversation_reply_moves (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(OpMailConversation) top = NULL;

  /* A reply to "Topic 499" (row 500) lifts its conversation to the top: one removal,
   * one insertion, nothing else. */
  add (f, 5000, "r@x", "c499@x", "Re: Topic 499", 9000000, 0);
  g_assert_cmpstr (f->recorder.log->str, ==, "500-1+0;0-0+1;");
  top = item (f, 0);
  g_assert_cmpstr (op_mail_conversation_get_subject (top), ==, "Re: Topic 499");
  g_assert_cmpuint (op_mail_conversation_get_n_messages (top), ==, 2);
  g_assert_cmpuint (op_mail_conversation_get_n_unread (top), ==, 1);
  g_assert_cmpstr (op_mail_conversation_get_senders (top), ==, "Bob, Anna");
}

static void
test_conversation_flags_in_place (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(OpMailConversation) before = item (f, 10);
  g_autoptr(OpMailConversation) after = NULL;
  OpMailUpdate *update = op_mail_update_new (f->inbox);

  g_assert_false (op_mail_conversation_get_flagged (before));
  /* Row 10 is conversation 989, UID 990. */
  op_mail_update_set_flags (update, 990, OP_MAIL_FLAG_FLAGGED, NULL, 0);
  g_assert_true (op_mail_test_apply (f->store, update, NULL));
  settle (f);
  g_assert_cmpstr (f->recorder.log->str, ==, "10-1+1;");
  after = item (f, 10);
  g_assert_true (op_mail_conversation_get_flagged (after));
  g_assert_cmpuint (op_mail_conversation_get_n_unread (after), ==, 1);
}

static void
test_conversation_removal (Fixture       *f,
                           gconstpointer  data)
{
  OpMailUpdate *update = op_mail_update_new (f->inbox);

  /* UIDs 1:2 are the two oldest (the last rows), 700 is row 300. */
  g_assert_true (op_mail_update_remove_uid_set (update, "1:2,700"));
  g_assert_true (op_mail_test_apply (f->store, update, NULL));
  settle (f);
  g_assert_cmpstr (f->recorder.log->str, ==, "998-2+0;300-1+0;");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->list)), ==, N_CONVERSATIONS - 3);
}

static void
test_conversation_first_rows_first (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(OpMailConversationList) fresh = op_mail_conversation_list_new (f->store, f->inbox);
  Recorder recorder;

  recorder_init (&recorder, G_LIST_MODEL (fresh));
  wait_loaded (fresh);
  /* The first 100 rows (two pages) arrive alone, then the rest after them. */
  g_assert_cmpstr (recorder.log->str, ==, "0-0+100;100-0+900;");
  recorder_clear (&recorder);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mail/models/order-diff/cases", test_diff_cases);
  g_test_add_func ("/mail/models/order-diff/random", test_diff_random);
  g_test_add_func ("/mail/models/folders/items-changed", test_folder_list);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/mail/models/conversations/pages", test_conversation_pages);
  ADD ("/mail/models/conversations/first-rows-first", test_conversation_first_rows_first);
  ADD ("/mail/models/conversations/new-mail-on-top", test_conversation_new_mail);
  ADD ("/mail/models/conversations/reply-moves-row", test_conversation_reply_moves);
  ADD ("/mail/models/conversations/flags-in-place", test_conversation_flags_in_place);
  ADD ("/mail/models/conversations/removal", test_conversation_removal);

  return g_test_run ();
}
