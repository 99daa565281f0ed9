/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include "news-test-data.h"
#include "nntp/op-nntp-overview.h"
#include "op-ui-test-utils.h"

static gboolean
result_set (gpointer data)
{
  return *(GAsyncResult **)data != NULL;
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  g_assert_true (op_ui_test_wait_for (result_set, slot));
  return *slot;
}

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static void
store_sync (OpNewsStore *store, GAsyncResult **slot)
{
  g_autoptr (GError) error = NULL;

  wait_result (slot);
  g_assert_true (op_news_store_finish (store, *slot, &error));
  g_assert_no_error (error);
  g_clear_object (slot);
}

static OpNntpOverview *
overview (guint64 number, const char *subject, const char *from, gint64 date,
          const char *references)
{
  OpNntpOverview *o = g_new0 (OpNntpOverview, 1);
  g_autoptr (GDateTime) when = g_date_time_new_from_unix_utc (date);

  o->number = number;
  o->subject = g_strdup (subject);
  o->from = g_strdup (from);
  o->date = g_date_time_format (when, "%a, %d %b %Y %H:%M:%S +0000");
  o->message_id = g_strdup_printf ("<%" G_GUINT64_FORMAT "@test.example>", number);
  o->references = g_strdup (references);
  o->bytes = 1000 + number;
  o->lines = 10 + number % 50;
  return o;
}

void
news_test_add_group (OpNewsStore *store, const char *name, guint64 high)
{
  g_autoptr (GPtrArray) actives
      = g_ptr_array_new_with_free_func ((GDestroyNotify)op_nntp_active_free);
  OpNntpActive *active = g_new0 (OpNntpActive, 1);
  GAsyncResult *result = NULL;

  active->name = g_strdup (name);
  active->low = 1;
  active->high = high;
  active->posting = OP_NNTP_POSTING_ALLOWED;
  g_ptr_array_add (actives, active);
  op_news_store_update_active_async (store, actives, NULL, got_result, &result);
  store_sync (store, &result);
  op_news_store_set_subscribed_async (store, name, TRUE, NULL, got_result, &result);
  store_sync (store, &result);
}

/* local.small: three threads, 1 ← 2 ← 3, 1 ← 4; 5 ← 6; 7. */
void
news_test_fill_small (OpNewsStore *store)
{
  g_autoptr (GPtrArray) o = g_ptr_array_new_with_free_func ((GDestroyNotify)op_nntp_overview_free);
  GAsyncResult *result = NULL;
  gint64        t = 1700000000;

  news_test_add_group (store, "local.small", 7);
  g_ptr_array_add (o, overview (1, "First thread", "Anna <anna@example.test>", t, ""));
  g_ptr_array_add (
      o, overview (2, "Re: First thread", "Ben <ben@example.test>", t + 60, "<1@test.example>"));
  g_ptr_array_add (o, overview (3, "Re: First thread", "Anna <anna@example.test>", t + 120,
                                "<1@test.example> <2@test.example>"));
  g_ptr_array_add (
      o, overview (4, "Re: First thread", "Cleo <cleo@example.test>", t + 180, "<1@test.example>"));
  g_ptr_array_add (o, overview (5, "Second thread", "Ben <ben@example.test>", t + 240, ""));
  g_ptr_array_add (o, overview (6, "Re: Second thread", "Anna <anna@example.test>", t + 300,
                                "<5@test.example>"));
  g_ptr_array_add (o, overview (7, "Third thread", "Cleo <cleo@example.test>", t + 360, ""));
  op_news_store_add_overviews_async (store, "local.small", o, NULL, got_result, &result);
  store_sync (store, &result);
}

/* local.big: NEWS_TEST_BIG_COUNT headers in threads of five (a root and a chain of four replies).
 */
void
news_test_fill_sortable (OpNewsStore *store)
{
  g_autoptr (GPtrArray) o = g_ptr_array_new_with_free_func ((GDestroyNotify)op_nntp_overview_free);
  GAsyncResult *result = NULL;
  gint64        t = 1700000000;

  news_test_add_group (store, "local.sort", 4);
  g_ptr_array_add (o, overview (1, "zebra", "Bob <bob@example.test>", t, ""));
  g_ptr_array_add (o, overview (2, "Apple", "carol <carol@example.test>", t + 60, ""));
  g_ptr_array_add (
      o, overview (3, "Re: Apple", "Alice <alice@example.test>", t + 120, "<2@test.example>"));
  g_ptr_array_add (o, overview (4, "mango", "alice <alice@example.test>", t + 180, ""));
  op_news_store_add_overviews_async (store, "local.sort", o, NULL, got_result, &result);
  store_sync (store, &result);
}

void
news_test_fill_big (OpNewsStore *store)
{
  gint64 t = 1600000000;

  news_test_add_group (store, "local.big", NEWS_TEST_BIG_COUNT);
  for (guint64 first = 1; first <= NEWS_TEST_BIG_COUNT; first += 5000)
    {
      g_autoptr (GPtrArray) o
          = g_ptr_array_new_with_free_func ((GDestroyNotify)op_nntp_overview_free);
      GAsyncResult *result = NULL;

      for (guint64 n = first; n < first + 5000 && n <= NEWS_TEST_BIG_COUNT; n++)
        {
          guint64          root = n - (n - 1) % 5;
          g_autofree char *subject
              = g_strdup_printf ("%sTopic %" G_GUINT64_FORMAT, n == root ? "" : "Re: ", root);
          g_autofree char *refs
              = n == root ? g_strdup ("")
                          : g_strdup_printf ("<%" G_GUINT64_FORMAT
                                             "@test.example> <%" G_GUINT64_FORMAT "@test.example>",
                                             root, n - 1);

          if (n == root + 1)
            {
              g_free (refs);
              refs = g_strdup_printf ("<%" G_GUINT64_FORMAT "@test.example>", root);
            }
          g_ptr_array_add (
              o, overview (n, subject, "Poster <poster@example.test>", t + (gint64)n * 60, refs));
        }
      op_news_store_add_overviews_async (store, "local.big", o, NULL, got_result, &result);
      store_sync (store, &result);
    }
}
