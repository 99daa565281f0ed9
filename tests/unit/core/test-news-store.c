/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-news-store"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "news/op-news-db.h"
#include "news/op-news-header.h"
#include "news/op-news-ranges.h"
#include "news/op-news-store.h"
#include "news/op-news-thread-model.h"
#include "nntp/op-nntp-overview.h"
#include "nntp/op-nntp-reply.h"
#include "op-test-util.h"

/*
 * The news store on real SQLite files: newsrc ranges and .newsrc files, migrations and
 * WAL, groups (LIST ACTIVE data, descriptions, subscriptions, new since the last
 * visit), overviews threaded like jwz (the INN fixtures in every arrival order give the
 * same threads; loops, duplicates, placeholders, subject grouping), read state by
 * article, thread and catch-up, expiry, and the paging thread model's bounded memory.
 */

static char *
temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("outpost-news-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

/* A fresh database file in a temporary folder, for one test. */
typedef struct
{
  char    *dir;
  char    *path;
  sqlite3 *db;
} TempDb;

static void
temp_db_open (TempDb *t)
{
  g_autoptr(GError) error = NULL;

  t->dir = temp_dir ();
  t->path = g_build_filename (t->dir, "server.sqlite", NULL);
  t->db = _op_news_db_open (t->path, FALSE, &error);
  g_assert_no_error (error);
}

static void
temp_db_close (TempDb *t)
{
  g_clear_pointer (&t->db, _op_news_db_close);
  remove_dir (t->dir);
  g_clear_pointer (&t->path, g_free);
  g_clear_pointer (&t->dir, g_free);
}

/* --- ranges and .newsrc ------------------------------------------------------------ */

static char *
ranges_string (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpNewsRanges) ranges = op_news_ranges_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return op_news_ranges_to_string (ranges);
}

static void
test_ranges_parse (void)
{
  static const struct { const char *in; const char *out; } cases[] = {
    { "", "" },
    { "1-10,12,15-20", "1-10,12,15-20" },
    { " 1 - 10 , 12 ", "1-10,12" },
    { "5-1,3,11-12,10", "1-5,10-12" },
    { "7,6,5", "5-7" },
    { "0-3", "1-3" },
    { "9223372036854775807", "9223372036854775807" },
  };
  static const char *const bad[] = {
    "a", "1-", "1,,2", "-3", "1-2-3", "1;2", "99999999999999999999", ",",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = ranges_string (cases[i].in);

      g_assert_cmpstr (out, ==, cases[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OpNewsRanges) ranges = op_news_ranges_parse (bad[i], strlen (bad[i]), &error);

      g_assert_null (ranges);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    }
}

static void
test_ranges_edit (void)
{
  g_autoptr(OpNewsRanges) r = op_news_ranges_new ();
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  op_news_ranges_add (r, 1, 100);
  op_news_ranges_remove (r, 50, 50);
  op_news_ranges_remove (r, 90, 200);
  a = op_news_ranges_to_string (r);
  g_assert_cmpstr (a, ==, "1-49,51-89");
  g_assert_true (op_news_ranges_contains (r, 1));
  g_assert_true (op_news_ranges_contains (r, 49));
  g_assert_false (op_news_ranges_contains (r, 50));
  g_assert_false (op_news_ranges_contains (r, 0));
  g_assert_false (op_news_ranges_contains (r, 90));
  g_assert_cmpuint (op_news_ranges_count_in (r, 40, 60), ==, 20);
  g_assert_cmpuint (op_news_ranges_count_in (r, 1, G_MAXUINT64), ==, 88);
  g_assert_cmpuint (op_news_ranges_count_in (r, 60, 40), ==, 0);

  op_news_ranges_add (r, 50, 50);     /* joins both neighbours */
  op_news_ranges_add (r, 95, 97);
  op_news_ranges_add (r, 90, 94);     /* adjacent on both sides */
  b = op_news_ranges_to_string (r);
  g_assert_cmpstr (b, ==, "1-97");
  op_news_ranges_remove (r, 1, 97);
  g_assert_true (op_news_ranges_is_empty (r));
  op_news_ranges_add (r, G_MAXUINT64 - 1, G_MAXUINT64);
  op_news_ranges_add (r, G_MAXUINT64, G_MAXUINT64);
  c = op_news_ranges_to_string (r);
  g_assert_cmpstr (c, ==, "18446744073709551614-18446744073709551615");
}

static void
test_newsrc_round_trip (void)
{
  static const char file[] =
    "options -n all\r\n"
    "comp.lang.c: 1-100,105\r\n"
    "alt.test! 1-3\n"
    "\n"
    "local.test:\n"
    "bad*group: 1\n"
    "de.talk: 1-x\n"
    "comp.lang.c: 1-200\n"
    "no.newline! 5";
  guint skipped = 0;
  g_autoptr(GPtrArray) entries = op_newsrc_parse (file, strlen (file), &skipped);
  g_autofree char *written = NULL;
  g_autoptr(GPtrArray) again = NULL;

  /* options, bad*group and the unreadable de.talk line; the blank line is not counted. */
  g_assert_cmpuint (skipped, ==, 3);
  g_assert_cmpuint (entries->len, ==, 4);
  {
    OpNewsrcEntry *c = g_ptr_array_index (entries, 0);
    OpNewsrcEntry *alt = g_ptr_array_index (entries, 1);
    OpNewsrcEntry *local = g_ptr_array_index (entries, 2);
    g_autofree char *c_read = op_news_ranges_to_string (c->read);

    g_assert_cmpstr (c->name, ==, "comp.lang.c");
    g_assert_true (c->subscribed);
    /* The last line for a group wins. */
    g_assert_cmpstr (c_read, ==, "1-200");
    g_assert_false (alt->subscribed);
    g_assert_true (local->subscribed);
    g_assert_true (op_news_ranges_is_empty (local->read));
  }
  written = op_newsrc_format (entries);
  g_assert_cmpstr (written, ==,
                   "comp.lang.c: 1-200\n"
                   "alt.test! 1-3\n"
                   "local.test:\n"
                   "no.newline! 5\n");
  again = op_newsrc_parse (written, strlen (written), &skipped);
  g_assert_cmpuint (skipped, ==, 0);
  g_assert_cmpuint (again->len, ==, entries->len);
  for (guint i = 0; i < entries->len; i++)
    {
      OpNewsrcEntry *x = g_ptr_array_index (entries, i);
      OpNewsrcEntry *y = g_ptr_array_index (again, i);

      g_assert_cmpstr (x->name, ==, y->name);
      g_assert_cmpint (x->subscribed, ==, y->subscribed);
      g_assert_true (op_news_ranges_equal (x->read, y->read));
    }
}

/* --- the database --------------------------------------------------------------------- */

static gint64
pragma_int (sqlite3    *db,
            const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static void
test_db_migrations (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "server.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  sqlite3 *db = _op_news_db_open (path, FALSE, &error);
  sqlite3_stmt *stmt = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (pragma_int (db, "PRAGMA user_version"), ==, OP_NEWS_DB_VERSION);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
  sqlite3_finalize (stmt);
  _op_news_db_close (db);

  /* Opening again migrates nothing and keeps the data. */
  db = _op_news_db_open (path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (_op_news_db_group_id (db, "local.test", TRUE, 100, &error), >, 0);
  _op_news_db_close (db);
  db = _op_news_db_open (path, FALSE, &error);
  g_assert_cmpint (_op_news_db_group_id (db, "local.test", FALSE, 0, &error), >, 0);

  /* A database from a newer Outpost is refused, not damaged. */
  g_assert_true (_op_news_db_exec (db, "PRAGMA user_version = 99", &error));
  _op_news_db_close (db);
  db = _op_news_db_open (path, FALSE, &error);
  g_assert_null (db);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  remove_dir (dir);
}

static OpNntpActive *
active (const char *line)
{
  OpNntpActive *a = op_nntp_parse_active_line (line, strlen (line), NULL);

  g_assert_nonnull (a);
  return a;
}

static OpNewsGroup *
find_group (GPtrArray  *groups,
            const char *name)
{
  for (guint i = 0; i < groups->len; i++)
    {
      OpNewsGroup *group = g_ptr_array_index (groups, i);

      if (g_str_equal (group->name, name))
        return group;
    }
  return NULL;
}

static void
test_db_groups (void)
{
  TempDb t = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) actives = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_active_free);
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GPtrArray) more = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_active_free);
  g_autoptr(OpNewsRanges) read = op_news_ranges_new ();
  sqlite3 *db;

  temp_db_open (&t);
  db = t.db;

  g_ptr_array_add (actives, active ("local.test 7 1 y"));
  g_ptr_array_add (actives, active ("local.empty 0 1 y"));
  g_ptr_array_add (actives, active ("comp.mod 500 100 m"));
  g_assert_true (_op_news_db_update_active (db, actives, 1000, &error));
  g_assert_no_error (error);
  g_assert_true (_op_news_db_set_description (db, "local.test", "Threaded articles.", &error));
  g_assert_true (_op_news_db_set_created (db, "local.test", 1700000000, &error));
  g_assert_true (_op_news_db_set_subscribed (db, "local.test", TRUE, &error));
  op_news_ranges_add (read, 1, 3);
  g_assert_true (_op_news_db_set_read_ranges (db, "local.test", read, &error));

  groups = _op_news_db_list_groups (db, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (groups->len, ==, 3);
  {
    OpNewsGroup *test = find_group (groups, "local.test");
    OpNewsGroup *empty = find_group (groups, "local.empty");
    OpNewsGroup *mod = find_group (groups, "comp.mod");

    g_assert_cmpuint (test->low, ==, 1);
    g_assert_cmpuint (test->high, ==, 7);
    g_assert_cmpuint (test->count, ==, 7);
    g_assert_cmpstr (test->description, ==, "Threaded articles.");
    g_assert_cmpint (test->created, ==, 1700000000);
    g_assert_true (test->subscribed);
    g_assert_cmpuint (test->unread, ==, 4);
    /* Nothing is new before the first visit. */
    g_assert_false (test->is_new);
    g_assert_cmpuint (empty->count, ==, 0);
    g_assert_cmpuint (empty->unread, ==, 0);
    g_assert_cmpint (mod->posting, ==, OP_NNTP_POSTING_MODERATED);
    g_assert_false (mod->subscribed);
  }
  g_clear_pointer (&groups, g_ptr_array_unref);

  /* A visit at 2000; then a new group appears and a known one moves on. */
  g_assert_true (_op_news_db_set_meta (db, "last-visit", "2000", &error));
  g_ptr_array_add (more, active ("local.new 3 1 y"));
  g_ptr_array_add (more, active ("local.test 9 2 n"));
  g_assert_true (_op_news_db_update_active (db, more, 3000, &error));
  groups = _op_news_db_list_groups (db, FALSE, &error);
  g_assert_cmpuint (groups->len, ==, 4);
  g_assert_true (find_group (groups, "local.new")->is_new);
  g_assert_false (find_group (groups, "local.test")->is_new);
  g_assert_cmpuint (find_group (groups, "local.test")->high, ==, 9);
  g_assert_cmpint (find_group (groups, "local.test")->posting, ==, OP_NNTP_POSTING_FORBIDDEN);
  /* The description and the subscription survive a new LIST ACTIVE. */
  g_assert_cmpstr (find_group (groups, "local.test")->description, ==, "Threaded articles.");
  g_clear_pointer (&groups, g_ptr_array_unref);
  groups = _op_news_db_list_groups (db, TRUE, &error);
  g_assert_cmpuint (groups->len, ==, 1);

  temp_db_close (&t);
}

/* --- threading ---------------------------------------------------------------------- */

/* The OVER lines of tests/data/nntp/inn-over.txt through INN's format. */
static GPtrArray *
inn_overviews (void)
{
  g_autofree char *path = op_test_data_path ("nntp", "inn-over.txt", NULL);
  g_autofree char *data = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(OpNntpOverviewFormat) format = op_nntp_overview_format_new_default ();
  GPtrArray *overviews = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);

  g_assert_true (op_nntp_overview_format_add_line (format, "Xref:full", 9, NULL));
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  lines = g_strsplit (data, "\r\n", -1);
  for (guint i = 1; lines[i] != NULL && !g_str_equal (lines[i], "."); i++)
    {
      g_autoptr(GError) error = NULL;
      OpNntpOverview *ov = op_nntp_overview_parse (format, lines[i], strlen (lines[i]), &error);

      g_assert_no_error (error);
      g_ptr_array_add (overviews, ov);
    }
  g_assert_cmpuint (overviews->len, ==, 7);
  return overviews;
}

typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} Wait;

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

/* Runs the main loop until @wait's call finished; returns its result. */
static GAsyncResult *
wait_result (Wait *wait)
{
  g_main_loop_run (wait->loop);
  return wait->result;
}

static OpNewsThreadModel *
open_model (const char *path,
            const char *group)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  g_autoptr(GError) error = NULL;
  OpNewsThreadModel *model;

  op_news_thread_model_new_async (path, group, NULL, got_result, &wait);
  model = op_news_thread_model_new_finish (wait_result (&wait), &error);
  g_assert_no_error (error);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
  return model;
}

/* Lets the model's page index walk finish (a worker thread holds the model until it
 * reports), then drops it. */
static void
close_model (OpNewsThreadModel **model)
{
  if (*model == NULL)
    return;
  while (g_list_model_get_n_items (G_LIST_MODEL (*model)) > 0 &&
         !op_news_thread_model_is_indexed (*model))
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (model);
}

/* "number:depth" of every row, in order, e.g. "1:0 2:1 3:2". */
static char *
model_shape (GListModel *model)
{
  GString *shape = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(OpNewsHeader) header = g_list_model_get_item (model, i);

      g_assert_nonnull (header);
      g_string_append_printf (shape, "%s%" G_GUINT64_FORMAT ":%u", i > 0 ? " " : "",
                              op_news_header_get_number (header),
                              op_news_header_get_depth (header));
    }
  return g_string_free (shape, FALSE);
}

/* root.1 with reply.2 (and reply.3 below it), reply.4 and, by subject, subject.6; then
 * orphan.5 under its missing parent's placeholder; then other.7. */
#define INN_SHAPE "1:0 2:1 3:2 4:1 6:1 5:0 7:0"

static void
test_threads_inn (void)
{
  TempDb t = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) overviews = inn_overviews ();
  g_autoptr(OpNewsThreadModel) model = NULL;
  g_autofree char *shape = NULL;
  sqlite3 *db;
  const char *path;

  temp_db_open (&t);
  db = t.db;
  path = t.path;

  g_assert_true (_op_news_db_add_overviews (db, "local.test", overviews, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (_op_news_db_get_fetched_high (db, "local.test", NULL), ==, 7);
  model = open_model (path, "local.test");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 7);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == OP_TYPE_NEWS_HEADER);
  shape = model_shape (G_LIST_MODEL (model));
  g_assert_cmpstr (shape, ==, INN_SHAPE);
  {
    g_autoptr(OpNewsHeader) last = g_list_model_get_item (G_LIST_MODEL (model), 6);
    g_autoptr(OpNewsHeader) first = g_list_model_get_item (G_LIST_MODEL (model), 0);

    /* RFC 2047 decoded once, when stored. */
    g_assert_cmpstr (op_news_header_get_subject (last), ==, "另一个话题 (another topic)");
    g_assert_cmpstr (op_news_header_get_author (last), ==, "张三 <zhang@example.test>");
    g_assert_cmpstr (op_news_header_get_message_id (first), ==, "<root.1@outpost.example.test>");
    g_assert_cmpint (op_news_header_get_date (first), ==, 1704103200);
    g_assert_cmpuint (op_news_header_get_bytes (first), ==, 471);
    g_assert_cmpuint (op_news_header_get_lines (first), ==, 3);
    g_assert_false (op_news_header_get_read (first));
    g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), 7));
  }

  /* The same batch again (a refetch after a dropped connection): nothing doubles. */
  g_assert_true (_op_news_db_add_overviews (db, "local.test", overviews, &error));
  close_model (&model);
  model = open_model (path, "local.test");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 7);

  close_model (&model);
  temp_db_close (&t);
}

/* Articles arrive in any order (several batches, servers that number out of order):
 * the threads come out the same. */
static void
test_threads_any_order (void)
{
  g_autoptr(GPtrArray) overviews = inn_overviews ();
  GRand *rand = g_rand_new_with_seed (14);

  for (guint round = 0; round < 40; round++)
    {
      g_autofree char *dir = temp_dir ();
      g_autofree char *path = g_build_filename (dir, "server.sqlite", NULL);
      g_autoptr(GError) error = NULL;
      sqlite3 *db = _op_news_db_open (path, FALSE, &error);
      g_autoptr(GPtrArray) order = g_ptr_array_new ();
      g_autoptr(OpNewsThreadModel) model = NULL;
      g_autofree char *shape = NULL;

      for (guint i = 0; i < overviews->len; i++)
        g_ptr_array_add (order, g_ptr_array_index (overviews, i));
      /* Round 0 in reverse, then random permutations, one article per batch. */
      for (guint i = order->len - 1; i > 0; i--)
        {
          guint j = round == 0 ? order->len - 1 - i : (guint) g_rand_int_range (rand, 0, i + 1);
          gpointer t = order->pdata[i];

          if (round == 0 && j >= i)
            continue;
          order->pdata[i] = order->pdata[j];
          order->pdata[j] = t;
        }
      for (guint i = 0; i < order->len; i++)
        {
          g_autoptr(GPtrArray) one = g_ptr_array_new ();

          g_ptr_array_add (one, g_ptr_array_index (order, i));
          g_assert_true (_op_news_db_add_overviews (db, "local.test", one, &error));
          g_assert_no_error (error);
        }
      model = open_model (path, "local.test");
      shape = model_shape (G_LIST_MODEL (model));
      g_test_message ("round %u", round);
      g_assert_cmpstr (shape, ==, INN_SHAPE);
      close_model (&model);
      _op_news_db_close (db);
      remove_dir (dir);
    }
  g_rand_free (rand);
}

static OpNntpOverview *
make_overview (guint64     number,
               const char *message_id,
               const char *references,
               const char *subject,
               gint64      date)
{
  OpNntpOverview *ov = g_new0 (OpNntpOverview, 1);
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (date);

  ov->number = number;
  ov->subject = g_strdup (subject);
  ov->from = g_strdup ("Tester <t@example.test>");
  ov->date = g_date_time_format (when, "%a, %d %b %Y %H:%M:%S +0000");
  ov->message_id = g_strdup (message_id);
  ov->references = g_strdup (references);
  ov->bytes = 100;
  ov->lines = 2;
  ov->extra = g_new0 (char *, 1);
  return ov;
}

/* Schemas 1 and 2 as they shipped (the migrations that made them never change), with
 * a thread in them: root 1, its reply 2 (read), and reply 3 under a placeholder. */
static const char old_schema_1[] =
  "CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
  "CREATE TABLE groups (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
  "  low INTEGER NOT NULL DEFAULT 0, high INTEGER NOT NULL DEFAULT 0,"
  "  count INTEGER NOT NULL DEFAULT 0, posting INTEGER NOT NULL DEFAULT 0, alias TEXT,"
  "  description TEXT, created INTEGER, first_seen INTEGER NOT NULL,"
  "  subscribed INTEGER NOT NULL DEFAULT 0, read_ranges TEXT NOT NULL DEFAULT '',"
  "  fetched_high INTEGER NOT NULL DEFAULT 0, threaded INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE nodes (group_id INTEGER NOT NULL, message_id TEXT NOT NULL, number INTEGER,"
  "  parent TEXT, path TEXT NOT NULL, depth INTEGER NOT NULL, base_subject TEXT,"
  "  orphan_subject TEXT, PRIMARY KEY (group_id, message_id)) WITHOUT ROWID;"
  "CREATE INDEX nodes_by_path ON nodes (group_id, path, number);"
  "CREATE INDEX nodes_by_subject ON nodes (group_id, base_subject) "
  "  WHERE base_subject IS NOT NULL;"
  "CREATE INDEX nodes_by_orphan_subject ON nodes (group_id, orphan_subject) "
  "  WHERE orphan_subject IS NOT NULL;"
  "CREATE TABLE articles (group_id INTEGER NOT NULL, number INTEGER NOT NULL,"
  "  message_id TEXT NOT NULL, subject TEXT NOT NULL, author TEXT NOT NULL,"
  "  date INTEGER NOT NULL, bytes INTEGER NOT NULL, lines INTEGER NOT NULL,"
  "  refs TEXT NOT NULL, read INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (group_id, number)) WITHOUT ROWID;"
  "INSERT INTO groups (id, name, low, high, count, first_seen, read_ranges, fetched_high,"
  "  threaded) VALUES (1, 'g', 1, 3, 3, 0, '2', 3, 3);"
  "INSERT INTO nodes VALUES (1, '<a@x>', 1, NULL, '000003e80000000001', 0, 'a', NULL);"
  "INSERT INTO nodes VALUES (1, '<b@x>', 2, '<a@x>',"
  "  '000003e80000000001000007d00000000002', 1, NULL, NULL);"
  "INSERT INTO nodes VALUES (1, '<p@x>', NULL, NULL, '00000bb80000000003', 0, NULL, NULL);"
  "INSERT INTO nodes VALUES (1, '<c@x>', 3, '<p@x>',"
  "  '00000bb8000000000300000bb80000000003', 0, NULL, NULL);"
  "INSERT INTO articles VALUES (1, 1, '<a@x>', 'A', 'Ann <ann@example.test>', 1000, 100, 2,"
  "  '', 0);"
  "INSERT INTO articles VALUES (1, 2, '<b@x>', 'Re: A', 'Bob <bob@example.test>', 2000, 200,"
  "  3, '<a@x>', 1);"
  "INSERT INTO articles VALUES (1, 3, '<c@x>', 'Re: P', 'Cy <cy@example.test>', 3000, 300, 4,"
  "  '<p@x>', 0);"
  "PRAGMA user_version = 1;";
static const char old_schema_2[] =
  "CREATE TABLE bodies (message_id TEXT PRIMARY KEY, article BLOB NOT NULL,"
  "  size INTEGER NOT NULL, last_read INTEGER NOT NULL);"
  "CREATE INDEX bodies_by_last_read ON bodies (last_read);"
  "PRAGMA user_version = 2;";
/* Schema 3 as it shipped: the article columns in the nodes, still keyed by Message-ID. */
static const char old_schema_3[] =
  "ALTER TABLE nodes ADD COLUMN subject TEXT;"
  "ALTER TABLE nodes ADD COLUMN author TEXT;"
  "ALTER TABLE nodes ADD COLUMN date INTEGER;"
  "ALTER TABLE nodes ADD COLUMN bytes INTEGER;"
  "ALTER TABLE nodes ADD COLUMN lines INTEGER;"
  "ALTER TABLE nodes ADD COLUMN refs TEXT;"
  "ALTER TABLE nodes ADD COLUMN read INTEGER NOT NULL DEFAULT 0;"
  "UPDATE nodes SET subject = a.subject, author = a.author, date = a.date, bytes = a.bytes, "
  "  lines = a.lines, refs = a.refs, read = a.read "
  "  FROM articles a WHERE a.group_id = nodes.group_id AND a.number = nodes.number;"
  "DROP TABLE articles;"
  "CREATE UNIQUE INDEX nodes_by_number ON nodes (group_id, number) WHERE number IS NOT NULL;"
  "PRAGMA user_version = 3;";

/* Every older schema opens: its articles and their threads come through the
 * migrations, and storing and reading work on the result. */
static void
test_db_migrations_from_old (void)
{
  for (int version = 1; version <= 3; version++)
    {
      g_autofree char *dir = temp_dir ();
      g_autofree char *path = g_build_filename (dir, "server.sqlite", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);
      g_autoptr(OpNewsThreadModel) model = NULL;
      g_autoptr(OpNewsHeader) reply = NULL;
      g_autofree char *shape = NULL;
      sqlite3 *db = NULL;

      g_test_message ("from schema %d", version);
      g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db, old_schema_1, NULL, NULL, NULL), ==, SQLITE_OK);
      if (version >= 2)
        g_assert_cmpint (sqlite3_exec (db, old_schema_2, NULL, NULL, NULL), ==, SQLITE_OK);
      if (version >= 3)
        g_assert_cmpint (sqlite3_exec (db, old_schema_3, NULL, NULL, NULL), ==, SQLITE_OK);
      sqlite3_close (db);

      db = _op_news_db_open (path, FALSE, &error);
      g_assert_no_error (error);
      g_assert_cmpint (pragma_int (db, "PRAGMA user_version"), ==, OP_NEWS_DB_VERSION);
      g_assert_cmpint (pragma_int (db, "SELECT count (*) FROM sqlite_schema "
                                       "WHERE name = 'articles'"), ==, 0);
      g_assert_cmpint (pragma_int (db, "SELECT count (*) FROM nodes WHERE number IS NOT NULL"),
                       ==, 3);
      /* Schema 4: a rowid table, the Message-ID a unique index of its own. */
      g_assert_cmpint (pragma_int (db, "SELECT count (*) FROM sqlite_schema "
                                       "WHERE name = 'nodes_by_id'"), ==, 1);
      g_assert_cmpint (pragma_int (db, "SELECT count (*) FROM nodes WHERE rowid > 0"), ==, 4);

      model = open_model (path, "g");
      shape = model_shape (G_LIST_MODEL (model));
      g_assert_cmpstr (shape, ==, "1:0 2:1 3:0");
      reply = g_list_model_get_item (G_LIST_MODEL (model), 1);
      g_assert_cmpstr (op_news_header_get_subject (reply), ==, "Re: A");
      g_assert_cmpstr (op_news_header_get_author (reply), ==, "Bob <bob@example.test>");
      g_assert_cmpint (op_news_header_get_date (reply), ==, 2000);
      g_assert_cmpuint (op_news_header_get_bytes (reply), ==, 200);
      g_assert_cmpuint (op_news_header_get_lines (reply), ==, 3);
      g_assert_true (op_news_header_get_read (reply));
      close_model (&model);

      /* The migrated store goes on: the placeholder's article arrives and takes its
       * reply; article 1 is fetched again and stays one article. */
      g_ptr_array_add (batch, make_overview (1, "<a@x>", "", "A", 1000));
      g_ptr_array_add (batch, make_overview (4, "<p@x>", "", "P", 2500));
      g_assert_true (_op_news_db_add_overviews (db, "g", batch, &error));
      g_assert_no_error (error);
      g_clear_pointer (&shape, g_free);
      model = open_model (path, "g");
      shape = model_shape (G_LIST_MODEL (model));
      g_assert_cmpstr (shape, ==, "1:0 2:1 4:0 3:1");
      close_model (&model);

      _op_news_db_close (db);
      remove_dir (dir);
    }
}

/* References that point at each other (a loop), at themselves, and garbage. */
static void
test_threads_loops (void)
{
  TempDb t = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);
  g_autoptr(OpNewsThreadModel) model = NULL;
  g_autofree char *shape = NULL;
  sqlite3 *db;
  const char *path;

  temp_db_open (&t);
  db = t.db;
  path = t.path;

  g_ptr_array_add (batch, make_overview (1, "<a@x>", "<b@x>", "A", 1000));
  g_ptr_array_add (batch, make_overview (2, "<b@x>", "<a@x>", "B", 2000));
  g_ptr_array_add (batch, make_overview (3, "<c@x>", "<c@x> junk <a@x> <a@x>", "C", 3000));
  g_ptr_array_add (batch, make_overview (4, "<d@x>", "<e@x> <d@x> <e@x>", "D", 4000));
  g_assert_true (_op_news_db_add_overviews (db, "g", batch, &error));
  g_assert_no_error (error);
  model = open_model (path, "g");
  shape = model_shape (G_LIST_MODEL (model));
  /* a's parent b would close the loop b → a → b: a stays under b only if b came
   * first; here a came first (as a child of placeholder b), so b's reference to a is
   * refused and b is the root. c under a; d under placeholder e. */
  g_assert_cmpstr (shape, ==, "2:0 1:1 3:2 4:0");
  close_model (&model);
  temp_db_close (&t);
}

/* A Message-ID the server lists again under another number (renumbering) keeps its
 * first article; nothing else is left behind. */
static void
test_threads_renumbered (void)
{
  TempDb t = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);
  g_autoptr(OpNewsThreadModel) model = NULL;
  g_autofree char *shape = NULL;
  sqlite3 *db;
  const char *path;

  temp_db_open (&t);
  db = t.db;
  path = t.path;

  g_ptr_array_add (batch, make_overview (1, "<a@x>", "", "A", 1000));
  g_ptr_array_add (batch, make_overview (2, "<b@x>", "<a@x>", "Re: A", 2000));
  g_ptr_array_add (batch, make_overview (9, "<a@x>", "", "A again", 3000));
  g_assert_true (_op_news_db_add_overviews (db, "g", batch, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pragma_int (db, "SELECT count (*) FROM nodes WHERE number IS NOT NULL"), ==, 2);
  model = open_model (path, "g");
  shape = model_shape (G_LIST_MODEL (model));
  g_assert_cmpstr (shape, ==, "1:0 2:1");
  /* The fetched mark still moves past it: the next fetch starts at 10. */
  g_assert_cmpuint (_op_news_db_get_fetched_high (db, "g", NULL), ==, 9);
  close_model (&model);
  temp_db_close (&t);
}

/* --- read state, newsrc in the store, expiry ------------------------------------------- */

static void
test_read_state (void)
{
  TempDb t = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) overviews = inn_overviews ();
  g_autoptr(GPtrArray) actives = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_active_free);
  g_autoptr(OpNewsThreadModel) model = NULL;
  OpNewsRanges *read;
  char *text;
  sqlite3 *db;
  const char *path;

  temp_db_open (&t);
  db = t.db;
  path = t.path;

  g_ptr_array_add (actives, active ("local.test 7 1 y"));
  g_assert_true (_op_news_db_update_active (db, actives, 1, &error));
  g_assert_true (_op_news_db_add_overviews (db, "local.test", overviews, &error));

  g_assert_true (_op_news_db_set_read (db, "local.test", 5, TRUE, &error));
  read = _op_news_db_get_read (db, "local.test", &error);
  text = op_news_ranges_to_string (read);
  g_assert_cmpstr (text, ==, "5");
  g_free (text);
  op_news_ranges_free (read);

  /* The thread of reply.3: root.1 and everything below it (subject.6 by subject). */
  g_assert_true (_op_news_db_set_thread_read (db, "local.test", 3, TRUE, &error));
  read = _op_news_db_get_read (db, "local.test", &error);
  text = op_news_ranges_to_string (read);
  g_assert_cmpstr (text, ==, "1-6");
  g_free (text);
  op_news_ranges_free (read);

  g_assert_true (_op_news_db_set_read (db, "local.test", 5, FALSE, &error));
  model = open_model (path, "local.test");
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr(OpNewsHeader) header = g_list_model_get_item (G_LIST_MODEL (model), i);
      guint64 n = op_news_header_get_number (header);

      g_assert_cmpint (op_news_header_get_read (header), ==, n != 5 && n != 7);
    }
  close_model (&model);

  g_assert_true (_op_news_db_catch_up (db, "local.test", &error));
  read = _op_news_db_get_read (db, "local.test", &error);
  text = op_news_ranges_to_string (read);
  g_assert_cmpstr (text, ==, "1-7");
  g_free (text);
  op_news_ranges_free (read);
  {
    g_autoptr(GPtrArray) groups = _op_news_db_list_groups (db, FALSE, &error);

    g_assert_cmpuint (find_group (groups, "local.test")->unread, ==, 0);
  }
  close_model (&model);
  temp_db_close (&t);
}

static void
test_expire (void)
{
  TempDb t = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) overviews = inn_overviews ();
  g_autoptr(OpNewsThreadModel) model = NULL;
  g_autofree char *shape = NULL;
  sqlite3 *db;
  const char *path;

  temp_db_open (&t);
  db = t.db;
  path = t.path;

  g_assert_true (_op_news_db_add_overviews (db, "local.test", overviews, &error));
  /* The server's low mark rose to 3: 1 and 2 are gone, their replies keep their place
   * under placeholders, one level shallower. */
  g_assert_true (_op_news_db_expire (db, "local.test", 3, &error));
  g_assert_no_error (error);
  model = open_model (path, "local.test");
  shape = model_shape (G_LIST_MODEL (model));
  g_assert_cmpstr (shape, ==, "3:0 4:0 6:0 5:0 7:0");
  /* A reply to an expired article still threads under it. */
  {
    g_autoptr(GPtrArray) late = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);

    g_ptr_array_add (late, make_overview (8, "<late.8@x>", "<root.1@outpost.example.test> <reply.2@outpost.example.test>",
                                          "Re: Threading fixture", 1704200000));
    g_assert_true (_op_news_db_add_overviews (db, "local.test", late, &error));
  }
  g_clear_pointer (&shape, g_free);
  close_model (&model);
  model = open_model (path, "local.test");
  shape = model_shape (G_LIST_MODEL (model));
  g_assert_cmpstr (shape, ==, "3:0 8:0 4:0 6:0 5:0 7:0");
  close_model (&model);
  temp_db_close (&t);
}

/* The store's async API end to end: open, LIST ACTIVE, overviews, group-changed,
 * .newsrc import and export. */
static void
store_call_done (OpNewsStore *store,
                 Wait        *wait)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_news_store_finish (store, wait_result (wait), &error));
  g_assert_no_error (error);
  g_clear_object (&wait->result);
}

static void
count_changes (OpNewsStore *store,
               const char  *group,
               guint       *count)
{
  g_assert_cmpstr (group, ==, "local.test");
  (*count)++;
}

static void
test_store_async (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "sub", "server.sqlite", NULL);
  g_autofree char *newsrc_in = g_build_filename (dir, "in.newsrc", NULL);
  g_autofree char *newsrc_out = g_build_filename (dir, "out.newsrc", NULL);
  g_autoptr(OpNewsStore) store = op_news_store_new (path);
  g_autoptr(GPtrArray) actives = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_active_free);
  g_autoptr(GPtrArray) overviews = inn_overviews ();
  g_autoptr(GFile) in = g_file_new_for_path (newsrc_in);
  g_autoptr(GFile) out = g_file_new_for_path (newsrc_out);
  g_autofree char *written = NULL;
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  guint changes = 0;

  g_signal_connect (store, "group-changed", G_CALLBACK (count_changes), &changes);

  /* Before open: a clear error. */
  op_news_store_catch_up_async (store, "local.test", NULL, got_result, &wait);
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (op_news_store_finish (store, wait_result (&wait), &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
    g_clear_object (&wait.result);
  }

  op_news_store_open_async (store, NULL, got_result, &wait);
  store_call_done (store, &wait);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  g_ptr_array_add (actives, active ("local.test 7 1 y"));
  g_ptr_array_add (actives, active ("local.empty 0 1 y"));
  op_news_store_update_active_async (store, actives, NULL, got_result, &wait);
  store_call_done (store, &wait);
  op_news_store_add_overviews_async (store, "local.test", overviews, NULL, got_result, &wait);
  store_call_done (store, &wait);
  g_assert_cmpuint (changes, ==, 1);
  /* The fetched mark of one group: the highest stored, 0 for one never fetched or
   * unknown. */
  {
    static const struct { const char *group; guint64 high; } marks[] = {
      { "local.test", 7 }, { "local.empty", 0 }, { "no.such.group", 0 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (marks); i++)
      {
        g_autoptr(GError) error = NULL;
        guint64 high = G_MAXUINT64;

        op_news_store_get_fetched_high_async (store, marks[i].group, NULL, got_result, &wait);
        g_assert_true (op_news_store_get_fetched_high_finish (store, wait_result (&wait), &high,
                                                              &error));
        g_assert_no_error (error);
        g_clear_object (&wait.result);
        g_assert_cmpuint (high, ==, marks[i].high);
      }
  }

  g_assert_true (g_file_set_contents (newsrc_in, "local.test: 1-2,7\nlocal.empty!\nnew.group: 1-5\n", -1, NULL));
  op_news_store_import_newsrc_async (store, in, NULL, got_result, &wait);
  store_call_done (store, &wait);
  op_news_store_list_groups_async (store, TRUE, NULL, got_result, &wait);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) groups = op_news_store_list_groups_finish (store, wait_result (&wait), &error);

    g_assert_no_error (error);
    g_clear_object (&wait.result);
    g_assert_cmpuint (groups->len, ==, 2);
    g_assert_cmpuint (find_group (groups, "local.test")->unread, ==, 4);
    g_assert_nonnull (find_group (groups, "new.group"));
  }
  op_news_store_mark_thread_read_async (store, "local.test", 4, TRUE, NULL, got_result, &wait);
  store_call_done (store, &wait);
  g_assert_cmpuint (changes, ==, 2);
  op_news_store_get_read_async (store, "local.test", NULL, got_result, &wait);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OpNewsRanges) read = op_news_store_get_read_finish (store, wait_result (&wait), &error);
    g_autofree char *text = op_news_ranges_to_string (read);

    g_clear_object (&wait.result);
    g_assert_cmpstr (text, ==, "1-4,6-7");
  }

  op_news_store_export_newsrc_async (store, out, NULL, got_result, &wait);
  store_call_done (store, &wait);
  g_assert_true (g_file_get_contents (newsrc_out, &written, NULL, NULL));
  g_assert_cmpstr (written, ==, "local.empty!\nlocal.test: 1-4,6-7\nnew.group: 1-5\n");

  g_clear_object (&store);
  g_main_loop_unref (wait.loop);
  {
    g_autofree char *sub = g_path_get_dirname (path);

    remove_dir (sub);
  }
  remove_dir (dir);
}

/* --- paging: bounded memory ------------------------------------------------------------ */

/* @n / 5 threads of five in @group: a root and a chain of replies, a minute apart. */
static void
add_chains (sqlite3    *db,
            const char *group,
            guint       n)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);
  g_autoptr(GError) error = NULL;

  for (guint i = 1; i <= n; i++)
    {
      guint thread = (i - 1) / 5, pos = (i - 1) % 5;
      g_autofree char *id = g_strdup_printf ("<%u.%u@x>", thread, pos);
      GString *refs = g_string_new (NULL);

      for (guint k = 0; k < pos; k++)
        g_string_append_printf (refs, "%s<%u.%u@x>", k > 0 ? " " : "", thread, k);
      g_ptr_array_add (batch, make_overview (i, id, refs->str, "T", 1700000000 + thread * 60 + pos));
      g_string_free (refs, TRUE);
    }
  g_assert_true (_op_news_db_add_overviews (db, group, batch, &error));
  g_assert_no_error (error);
}

static void
reload_model (OpNewsThreadModel *model)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  g_autoptr(GError) error = NULL;

  op_news_thread_model_reload_async (model, NULL, got_result, &wait);
  g_assert_true (op_news_thread_model_reload_finish (model, wait_result (&wait), &error));
  g_assert_no_error (error);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
}

static void
test_model_paging (void)
{
  TempDb t = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(OpNewsThreadModel) model = NULL;
  g_autoptr(GPtrArray) forward = g_ptr_array_new_with_free_func (g_free);
  const guint n = 5000;
  sqlite3 *db;
  const char *path;

  temp_db_open (&t);
  db = t.db;
  path = t.path;

  add_chains (db, "big", n);
  model = open_model (path, "big");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OpNewsHeader) header = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_cmpuint (op_news_header_get_number (header), ==, i + 1);
      g_assert_cmpuint (op_news_header_get_depth (header), ==, i % 5);
      g_ptr_array_add (forward, g_strdup (op_news_header_get_message_id (header)));
      g_assert_cmpuint (op_news_thread_model_get_n_cached (model), <=,
                        OP_NEWS_THREAD_MODEL_PAGE_SIZE * OP_NEWS_THREAD_MODEL_MAX_PAGES);
    }
  /* Random access (backwards, jumps) gives the same rows as the forward scan. */
  for (guint i = n; i-- > 0; i = i > 997 ? i - 997 : 0)
    {
      g_autoptr(OpNewsHeader) header = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_cmpstr (op_news_header_get_message_id (header), ==, g_ptr_array_index (forward, i));
      if (i == 0)
        break;
    }
  g_assert_cmpuint (op_news_thread_model_get_n_cached (model), <=,
                    OP_NEWS_THREAD_MODEL_PAGE_SIZE * OP_NEWS_THREAD_MODEL_MAX_PAGES);

  /* Once the page index is known, far jumps give the same rows. */
  while (!op_news_thread_model_is_indexed (model))
    g_main_context_iteration (NULL, TRUE);
  for (guint i = n - 1, step = 0; step < 40; step++, i = (i * 7 + 13) % n)
    {
      g_autoptr(OpNewsHeader) header = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_cmpstr (op_news_header_get_message_id (header), ==, g_ptr_array_index (forward, i));
    }

  /* More articles arrive: a reload shows them with one items-changed. */
  {
    g_autoptr(GPtrArray) more = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);

    g_ptr_array_add (more, make_overview (n + 1, "<late@x>", "<0.0@x>", "Re: T", 1800000000));
    g_assert_true (_op_news_db_add_overviews (db, "big", more, &error));
    reload_model (model);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n + 1);
    {
      /* The late reply sorts after thread 0's chain, as the root's child. */
      g_autoptr(OpNewsHeader) header = g_list_model_get_item (G_LIST_MODEL (model), 5);

      g_assert_cmpstr (op_news_header_get_message_id (header), ==, "<late@x>");
      g_assert_cmpuint (op_news_header_get_depth (header), ==, 1);
    }
  }
  close_model (&model);
  temp_db_close (&t);
}

static OpNewsThreadModel *
open_model_sorted (const char        *path,
                   const char        *group,
                   OpNewsThreadOrder  order,
                   gboolean           descending)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  g_autoptr(GError) error = NULL;
  OpNewsThreadModel *model;

  op_news_thread_model_new_sorted_async (path, group, order, descending, NULL, got_result, &wait);
  model = op_news_thread_model_new_finish (wait_result (&wait), &error);
  g_assert_no_error (error);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
  g_assert_true (op_news_thread_model_get_order (model) == order);
  g_assert_true (op_news_thread_model_get_descending (model) == descending);
  return model;
}

/* A shape's threads (split where a row has depth 0) in the opposite order. */
static char *
reverse_threads (const char *shape)
{
  g_auto(GStrv) rows = g_strsplit (shape, " ", -1);
  g_autoptr(GPtrArray) threads = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);

  for (guint i = 0; rows[i] != NULL; i++)
    {
      if (g_str_has_suffix (rows[i], ":0") || threads->len == 0)
        g_ptr_array_add (threads, g_strdup (rows[i]));
      else
        {
          char *joined = g_strconcat (threads->pdata[threads->len - 1], " ", rows[i], NULL);

          g_free (threads->pdata[threads->len - 1]);
          threads->pdata[threads->len - 1] = joined;
        }
    }
  for (guint i = threads->len; i-- > 0;)
    g_string_append_printf (out, "%s%s", out->len > 0 ? " " : "",
                            (char *) g_ptr_array_index (threads, i));
  return g_string_free (out, FALSE);
}

/* Descending: the threads newest first (or Z to A), each still whole from its root. */
static void
test_model_descending (void)
{
  TempDb t = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) overviews = inn_overviews ();
  g_autoptr(OpNewsThreadModel) model = NULL;
  const guint n = 5000;

  temp_db_open (&t);
  g_assert_true (_op_news_db_add_overviews (t.db, "local.test", overviews, &error));
  g_assert_no_error (error);

  model = open_model_sorted (t.path, "local.test", OP_NEWS_THREAD_ORDER_DATE, TRUE);
  {
    g_autofree char *shape = model_shape (G_LIST_MODEL (model));

    g_assert_cmpstr (shape, ==, "7:0 5:0 1:0 2:1 3:2 4:1 6:1");
  }
  close_model (&model);
  for (OpNewsThreadOrder order = OP_NEWS_THREAD_ORDER_DATE; order <= OP_NEWS_THREAD_ORDER_AUTHOR;
       order++)
    {
      g_autofree char *up = NULL;
      g_autofree char *down = NULL;
      g_autofree char *expected = NULL;

      model = open_model_sorted (t.path, "local.test", order, FALSE);
      /* Orphan 5 under its placeholder is one thread, listed once. */
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 7);
      up = model_shape (G_LIST_MODEL (model));
      close_model (&model);
      model = open_model_sorted (t.path, "local.test", order, TRUE);
      down = model_shape (G_LIST_MODEL (model));
      close_model (&model);
      expected = reverse_threads (up);
      g_test_message ("order %d: %s, descending %s", order, up, down);
      g_assert_cmpstr (down, ==, expected);
      g_assert_cmpstr (down, !=, up);
    }

  /* 1000 threads of five, newest first: paged by thread, the cache stays bounded. */
  add_chains (t.db, "big", n);
  model = open_model_sorted (t.path, "big", OP_NEWS_THREAD_ORDER_DATE, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OpNewsHeader) header = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_cmpuint (op_news_header_get_number (header), ==, (n / 5 - 1 - i / 5) * 5 + i % 5 + 1);
      g_assert_cmpuint (op_news_header_get_depth (header), ==, i % 5);
      g_assert_cmpuint (op_news_thread_model_get_n_cached (model), <=,
                        OP_NEWS_THREAD_MODEL_PAGE_SIZE * OP_NEWS_THREAD_MODEL_MAX_PAGES);
    }

  /* A new thread arrives: the reload keeps the order, the newest on top. */
  {
    g_autoptr(GPtrArray) more = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);
    g_autoptr(OpNewsHeader) first = NULL;

    g_ptr_array_add (more, make_overview (n + 1, "<newest@x>", "", "New", 1800000000));
    g_assert_true (_op_news_db_add_overviews (t.db, "big", more, &error));
    reload_model (model);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n + 1);
    first = g_list_model_get_item (G_LIST_MODEL (model), 0);
    g_assert_cmpstr (op_news_header_get_message_id (first), ==, "<newest@x>");
    g_assert_true (op_news_thread_model_get_descending (model));
  }
  close_model (&model);
  temp_db_close (&t);
}

static char *
roots_text (GArray *roots)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < roots->len; i++)
    g_string_append_printf (out, "%s%u", i > 0 ? " " : "", g_array_index (roots, guint, i));
  return g_string_free (out, FALSE);
}

/* The rows at depth 0 as a list of positions, listed by the model (a worker). */
static char *
listed_roots (OpNewsThreadModel *model)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) roots = NULL;

  op_news_thread_model_list_roots_async (model, NULL, got_result, &wait);
  roots = op_news_thread_model_list_roots_finish (model, wait_result (&wait), &error);
  g_assert_no_error (error);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
  /* Each root's article number is kept beside it: the row's own. */
  {
    GArray *numbers = op_news_thread_model_get_root_numbers (model);

    g_assert_nonnull (numbers);
    g_assert_cmpuint (numbers->len, ==, roots->len);
    for (guint i = 0; i < roots->len; i++)
      {
        g_autoptr(OpNewsHeader) header
            = g_list_model_get_item (G_LIST_MODEL (model), g_array_index (roots, guint, i));

        g_assert_cmpuint (g_array_index (numbers, guint64, i), ==, op_news_header_get_number (header));
      }
  }
  return roots_text (roots);
}

/* The same read from the rows themselves. */
static char *
depth0_rows (GListModel *model)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(OpNewsHeader) header = g_list_model_get_item (model, i);

      if (op_news_header_get_depth (header) == 0)
        g_string_append_printf (out, "%s%u", out->len > 0 ? " " : "", i);
    }
  return g_string_free (out, FALSE);
}

/* Collapse All's rows: where each thread starts as the header pane shows it (the orphan
 * under a placeholder starts its own), in every order, read once and kept. */
static void
test_model_roots (void)
{
  TempDb t = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) overviews = inn_overviews ();
  g_autoptr(OpNewsThreadModel) model = NULL;

  temp_db_open (&t);
  g_assert_true (_op_news_db_add_overviews (t.db, "local.test", overviews, &error));
  g_assert_no_error (error);
  add_chains (t.db, "big", 5000);
  {
    /* Two orphans under one placeholder: one thread (paged as one), two rows at depth 0;
     * by subject it comes first ("a…" before "b…"). */
    g_autoptr(GPtrArray) orphans = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);

    g_ptr_array_add (orphans, make_overview (1, "<r1@x>", "", "b root", 1700000000));
    g_ptr_array_add (orphans, make_overview (2, "<o1@x>", "<ghost@x>", "a first orphan", 1700000060));
    g_ptr_array_add (orphans, make_overview (3, "<o2@x>", "<ghost@x>", "a second orphan", 1700000120));
    g_ptr_array_add (orphans, make_overview (4, "<o3@x>", "<ghost@x> <o2@x>", "a reply", 1700000180));
    g_assert_true (_op_news_db_add_overviews (t.db, "orphans", orphans, &error));
    g_assert_no_error (error);
    model = open_model_sorted (t.path, "orphans", OP_NEWS_THREAD_ORDER_SUBJECT, FALSE);
    {
      g_autofree char *shape = model_shape (G_LIST_MODEL (model));
      g_autofree char *listed = listed_roots (model);
      g_autofree char *expected = depth0_rows (G_LIST_MODEL (model));

      g_test_message ("orphans by subject: %s, roots %s", shape, listed);
      g_assert_cmpstr (shape, ==, "2:0 3:0 4:1 1:0");
      g_assert_cmpstr (listed, ==, "0 1 3");
      g_assert_cmpstr (listed, ==, expected);
    }
    close_model (&model);
  }
  for (OpNewsThreadOrder order = OP_NEWS_THREAD_ORDER_DATE; order <= OP_NEWS_THREAD_ORDER_AUTHOR;
       order++)
    for (int descending = 0; descending < 2; descending++)
      {
        g_autofree char *listed = NULL;
        g_autofree char *again = NULL;
        g_autofree char *expected = NULL;
        g_autofree char *shape = NULL;

        model = open_model_sorted (t.path, "local.test", order, descending);
        shape = model_shape (G_LIST_MODEL (model));
        listed = listed_roots (model);
        expected = depth0_rows (G_LIST_MODEL (model));
        g_test_message ("order %d%s: %s, roots %s", order, descending ? " descending" : "",
                        shape, listed);
        g_assert_cmpstr (listed, ==, expected);
        /* Three rows at depth 0: 1, 7, and 5 under its placeholder. */
        {
          g_auto(GStrv) rows = g_strsplit (listed, " ", -1);

          g_assert_cmpuint (g_strv_length (rows), ==, 3);
        }
        again = listed_roots (model);
        g_assert_cmpstr (again, ==, listed);
        close_model (&model);

        model = open_model_sorted (t.path, "big", order, descending);
        g_clear_pointer (&listed, g_free);
        g_clear_pointer (&expected, g_free);
        listed = listed_roots (model);
        expected = depth0_rows (G_LIST_MODEL (model));
        g_assert_cmpstr (listed, ==, expected);
        close_model (&model);

        /* Listed as the model opens (beside the count), and as it reloads when asked:
         * the same rows, there before anyone asks. */
        {
          Wait wait = { g_main_loop_new (NULL, FALSE), NULL };

          op_news_thread_model_new_with_roots_async (t.path, "big", order, descending, NULL,
                                                     got_result, &wait);
          model = op_news_thread_model_new_finish (wait_result (&wait), &error);
          g_assert_no_error (error);
          g_object_unref (wait.result);
          g_main_loop_unref (wait.loop);
        }
        g_assert_nonnull (op_news_thread_model_get_roots (model));
        g_clear_pointer (&again, g_free);
        again = roots_text (op_news_thread_model_get_roots (model));
        g_assert_cmpstr (again, ==, expected);
        g_clear_pointer (&again, g_free);
        again = listed_roots (model);
        g_assert_cmpstr (again, ==, expected);
        op_news_thread_model_set_roots_on_reload (model, TRUE);
        reload_model (model);
        g_assert_nonnull (op_news_thread_model_get_roots (model));
        g_clear_pointer (&again, g_free);
        again = roots_text (op_news_thread_model_get_roots (model));
        g_assert_cmpstr (again, ==, expected);
        close_model (&model);
      }
  temp_db_close (&t);
}

static void
test_next_fetch_range (void)
{
  guint64 low = 0, high = 0;

  /* Nothing stored yet: from the server's low mark, one batch. */
  g_assert_true (op_news_next_fetch_range (0, 100, 100000, 1000, &low, &high));
  g_assert_cmpuint (low, ==, 100);
  g_assert_cmpuint (high, ==, 1099);
  /* After a batch cut at 540 by a dropped connection: right after it. */
  g_assert_true (op_news_next_fetch_range (540, 100, 100000, 1000, &low, &high));
  g_assert_cmpuint (low, ==, 541);
  g_assert_cmpuint (high, ==, 1540);
  /* The last, short batch; then nothing. */
  g_assert_true (op_news_next_fetch_range (99500, 100, 100000, 1000, &low, &high));
  g_assert_cmpuint (high, ==, 100000);
  g_assert_false (op_news_next_fetch_range (100000, 100, 100000, 1000, &low, &high));
  /* The server expired past what we have: start at its low mark. */
  g_assert_true (op_news_next_fetch_range (10, 5000, 6000, 1000, &low, &high));
  g_assert_cmpuint (low, ==, 5000);
  /* An empty group (low above high). */
  g_assert_false (op_news_next_fetch_range (0, 1, 0, 1000, &low, &high));
}

/* A raised low mark in LIST ACTIVE expires the articles below it. */
static void
test_expire_from_active (void)
{
  TempDb t = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) overviews = inn_overviews ();
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_active_free);
  g_autoptr(GPtrArray) after = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_active_free);
  g_autoptr(OpNewsThreadModel) model = NULL;
  g_autofree char *shape = NULL;
  sqlite3 *db;
  const char *path;

  temp_db_open (&t);
  db = t.db;
  path = t.path;

  g_ptr_array_add (before, active ("local.test 7 1 y"));
  g_assert_true (_op_news_db_update_active (db, before, 1, &error));
  g_assert_true (_op_news_db_add_overviews (db, "local.test", overviews, &error));
  g_ptr_array_add (after, active ("local.test 7 3 y"));
  g_assert_true (_op_news_db_update_active (db, after, 2, &error));
  g_assert_no_error (error);
  model = open_model (path, "local.test");
  shape = model_shape (G_LIST_MODEL (model));
  g_assert_cmpstr (shape, ==, "3:0 4:0 6:0 5:0 7:0");
  close_model (&model);
  temp_db_close (&t);
}

static void
count_read_failure (OpNewsThreadModel *model,
                    const GError      *error,
                    guint             *count)
{
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "nodes"));
  (*count)++;
}

/* A page that cannot be read is reported, and its rows are missing, not invented. */
static void
test_model_read_failure (void)
{
  TempDb t = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) overviews = inn_overviews ();
  g_autoptr(OpNewsThreadModel) model = NULL;
  guint failures = 0;
  sqlite3 *db;
  const char *path;

  temp_db_open (&t);
  db = t.db;
  path = t.path;

  g_assert_true (_op_news_db_add_overviews (db, "local.test", overviews, &error));
  model = open_model (path, "local.test");
  g_signal_connect (model, "read-failed", G_CALLBACK (count_read_failure), &failures);
  while (!op_news_thread_model_is_indexed (model))
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (_op_news_db_exec (db, "DROP TABLE nodes", &error));
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), 0));
  g_assert_cmpuint (failures, ==, 1);
  close_model (&model);
  temp_db_close (&t);
}

static GBytes *
article_of (char fill,
            gsize size)
{
  char *data = g_malloc (size);

  memset (data, fill, size);
  return g_bytes_new_take (data, size);
}

/* The article cache: bounded in bytes, the least recently read dropped first, an
 * article larger than the bound never kept. */
static void
test_cache_lru (void)
{
  TempDb t = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) a = article_of ('a', 400);
  g_autoptr(GBytes) b = article_of ('b', 400);
  g_autoptr(GBytes) c = article_of ('c', 400);
  g_autoptr(GBytes) huge = article_of ('h', 1001);
  g_autoptr(GBytes) got = NULL;

  temp_db_open (&t);
  g_assert_true (_op_news_db_cache_article (t.db, "<a@x>", a, 1000, &error));
  g_assert_true (_op_news_db_cache_article (t.db, "<b@x>", b, 1000, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (_op_news_db_cached_size (t.db, &error), ==, 800);

  /* Reading <a@x> makes <b@x> the least recently read: <c@x> evicts <b@x>. */
  got = _op_news_db_lookup_article (t.db, "<a@x>", &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (got, a));
  g_clear_pointer (&got, g_bytes_unref);
  g_assert_true (_op_news_db_cache_article (t.db, "<c@x>", c, 1000, &error));
  g_assert_cmpuint (_op_news_db_cached_size (t.db, &error), ==, 800);
  g_assert_null (_op_news_db_lookup_article (t.db, "<b@x>", &error));
  g_assert_no_error (error);
  got = _op_news_db_lookup_article (t.db, "<c@x>", &error);
  g_assert_true (g_bytes_equal (got, c));
  g_clear_pointer (&got, g_bytes_unref);

  /* Too large for the whole cache: not kept, nothing evicted for it. */
  g_assert_true (_op_news_db_cache_article (t.db, "<huge@x>", huge, 1000, &error));
  g_assert_null (_op_news_db_lookup_article (t.db, "<huge@x>", &error));
  g_assert_cmpuint (_op_news_db_cached_size (t.db, &error), ==, 800);

  /* A smaller bound: evicted down to it, oldest first (<a@x> was read before <c@x>). */
  g_assert_true (_op_news_db_cache_article (t.db, "<b@x>", b, 900, &error));
  g_assert_cmpuint (_op_news_db_cached_size (t.db, &error), ==, 800);
  g_assert_null (_op_news_db_lookup_article (t.db, "<a@x>", &error));
  got = _op_news_db_lookup_article (t.db, "<c@x>", &error);
  g_assert_true (g_bytes_equal (got, c));
  g_assert_no_error (error);
  temp_db_close (&t);
}

/* Through the store, and still there after it is closed and opened again (offline). */
static void
test_cache_store_reopen (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "server.sqlite", NULL);
  g_autoptr(GBytes) article = article_of ('x', 5000);
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };

  for (int round = 0; round < 2; round++)
    {
      g_autoptr(OpNewsStore) store = op_news_store_new (path);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) got = NULL;
      guint64 size = 0;

      op_news_store_open_async (store, NULL, got_result, &wait);
      store_call_done (store, &wait);
      if (round == 0)
        {
          op_news_store_lookup_article_async (store, "<x@y>", NULL, got_result, &wait);
          got = op_news_store_lookup_article_finish (store, wait_result (&wait), &error);
          g_assert_no_error (error);
          g_assert_null (got);
          g_clear_object (&wait.result);
          op_news_store_cache_article_async (store, "<x@y>", article, NULL, got_result, &wait);
          store_call_done (store, &wait);
        }
      else
        {
          op_news_store_lookup_article_async (store, "<x@y>", NULL, got_result, &wait);
          got = op_news_store_lookup_article_finish (store, wait_result (&wait), &error);
          g_assert_no_error (error);
          g_assert_true (g_bytes_equal (got, article));
          g_clear_object (&wait.result);
        }
      op_news_store_get_cache_size_async (store, NULL, got_result, &wait);
      g_assert_true (op_news_store_get_cache_size_finish (store, wait_result (&wait), &size, &error));
      g_assert_cmpuint (size, ==, 5000);
      g_clear_object (&wait.result);
    }
  g_main_loop_unref (wait.loop);
  remove_dir (dir);
}

static OpNntpOverview *
binary_overview (guint64     number,
                 const char *subject,
                 const char *from)
{
  g_autofree char *id = g_strdup_printf ("<part%" G_GUINT64_FORMAT "@x>", number);
  OpNntpOverview *ov = make_overview (number, id, "", subject, 1700000000 + (gint64) number);

  g_free (ov->from);
  ov->from = g_strdup (from);
  return ov;
}

/* The parts of a "(N/M)" posting: same author and subject but for N; other postings,
 * other authors and reposts of a part found are not mixed in; missing parts named. */
static void
test_binary_parts (void)
{
  TempDb t = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);
  g_autoptr(OpNewsBinaryPosting) posting = NULL;
  g_autoptr(OpNewsBinaryPosting) single = NULL;
  const char *me = "Poster <p@example.test>";

  temp_db_open (&t);
  g_ptr_array_add (batch, binary_overview (1, "100% \"a_b.jpg\" yEnc (1/4)", me));
  g_ptr_array_add (batch, binary_overview (2, "100% \"a_b.jpg\" yEnc (3/4)", me));
  g_ptr_array_add (batch, binary_overview (3, "100% \"a_b.jpg\" yEnc (2/4)", "Other <o@example.test>"));
  g_ptr_array_add (batch, binary_overview (4, "100% \"aXb.jpg\" yEnc (2/4)", me));
  g_ptr_array_add (batch, binary_overview (5, "100% \"a_b.jpg\" yEnc (4/4)", me));
  g_ptr_array_add (batch, binary_overview (6, "100% \"a_b.jpg\" yEnc (3/4)", me));
  g_ptr_array_add (batch, binary_overview (7, "100% \"a_b.jpg\" yEnc (2/5)", me));
  g_ptr_array_add (batch, binary_overview (8, "just text", me));
  g_assert_true (_op_news_db_add_overviews (t.db, "alt.binaries.test", batch, &error));
  g_assert_no_error (error);

  posting = _op_news_db_find_binary_parts (t.db, "alt.binaries.test", 5, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (posting->key, ==, "100% \"a_b.jpg\" yEnc (*/4)");
  g_assert_cmpuint (posting->total, ==, 4);
  g_assert_cmpuint (posting->n_found, ==, 3);
  g_assert_cmpstr (posting->message_ids[0], ==, "<part1@x>");
  g_assert_null (posting->message_ids[1]);
  g_assert_cmpstr (posting->message_ids[2], ==, "<part2@x>");
  g_assert_cmpuint (posting->numbers[2], ==, 2);
  g_assert_cmpstr (posting->message_ids[3], ==, "<part5@x>");

  single = _op_news_db_find_binary_parts (t.db, "alt.binaries.test", 8, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (single->total, ==, 1);
  g_assert_cmpuint (single->n_found, ==, 1);
  g_assert_cmpstr (single->message_ids[0], ==, "<part8@x>");

  g_assert_null (_op_news_db_find_binary_parts (t.db, "alt.binaries.test", 99, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  temp_db_close (&t);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/news/ranges/parse", test_ranges_parse);
  g_test_add_func ("/news/ranges/edit", test_ranges_edit);
  g_test_add_func ("/news/newsrc/round-trip", test_newsrc_round_trip);
  g_test_add_func ("/news/db/migrations-and-wal", test_db_migrations);
  g_test_add_func ("/news/db/migrations-from-older-schemas", test_db_migrations_from_old);
  g_test_add_func ("/news/db/groups", test_db_groups);
  g_test_add_func ("/news/threads/inn-fixtures", test_threads_inn);
  g_test_add_func ("/news/threads/any-arrival-order", test_threads_any_order);
  g_test_add_func ("/news/threads/loops-and-garbage", test_threads_loops);
  g_test_add_func ("/news/threads/renumbered-message-id", test_threads_renumbered);
  g_test_add_func ("/news/read/article-thread-catch-up", test_read_state);
  g_test_add_func ("/news/expire/low-mark-raised", test_expire);
  g_test_add_func ("/news/store/async-and-newsrc", test_store_async);
  g_test_add_func ("/news/fetch/next-range", test_next_fetch_range);
  g_test_add_func ("/news/expire/from-list-active", test_expire_from_active);
  g_test_add_func ("/news/model/paging-bounded", test_model_paging);
  g_test_add_func ("/news/model/read-failure", test_model_read_failure);
  g_test_add_func ("/news/model/descending", test_model_descending);
  g_test_add_func ("/news/model/roots", test_model_roots);
  g_test_add_func ("/news/cache/bounded-lru", test_cache_lru);
  g_test_add_func ("/news/cache/kept-after-reopen", test_cache_store_reopen);
  g_test_add_func ("/news/binary/parts-of-a-posting", test_binary_parts);

  return g_test_run ();
}
