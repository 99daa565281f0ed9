/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-news-sync"

#include "config.h"

#include <string.h>

#include "op-news-header.h"
#include "op-news-store.h"
#include "op-news-sync.h"
#include "op-news-thread-model.h"
#include "op-test-async.h"
#include "op-test-fixtures.h"
#include "op-test-server.h"
#include "op-test-verifier.h"

/*
 * The news sync: a group's overviews from OpNntpClient into OpNewsStore in chunks.
 * Against INN (tests/servers/inn.sh): the threaded fixtures of local.test arrive in
 * chunks of three, with the group's marks, threaded as the store threads them; a second
 * sync fetches nothing. Against scripted servers: a connection dropped in the middle of
 * an OVER leaves a prefix in the store, and the next sync asks for exactly the rest (no
 * gap, no duplicate).
 */

#define TIMEOUT 10

typedef struct
{
  char         *dir;
  char         *path;
  OpNewsStore  *store;
} Fixture;

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  return op_test_wait_result (slot, 60);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  f->dir = g_dir_make_tmp ("outpost-news-sync-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "news.sqlite", NULL);
  f->store = op_news_store_new (f->path);
  op_news_store_open_async (f->store, NULL, op_test_store_result, &result);
  g_assert_true (op_news_store_finish (f->store, wait_result (&result), &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->store);
  op_test_spin_for (100);
  op_test_remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static gboolean
sync_group (Fixture       *f,
            OpNntpClient  *client,
            const char    *group,
            guint          chunk,
            guint64       *n_new,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_news_sync_group_async (f->store, client, group, chunk, NULL, NULL, NULL,
                            op_test_store_result, &result);
  return op_news_sync_group_finish (f->store, wait_result (&result), n_new, error);
}

static OpNewsGroup *
find_group (Fixture    *f,
            const char *name)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) groups = NULL;

  op_news_store_list_groups_async (f->store, FALSE, NULL, op_test_store_result, &result);
  groups = op_news_store_list_groups_finish (f->store, wait_result (&result), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < groups->len; i++)
    {
      OpNewsGroup *group = groups->pdata[i];

      if (g_str_equal (group->name, name))
        return g_steal_pointer (&groups->pdata[i]);
    }
  return NULL;
}

/* "number:depth" of every row of the group's thread model, in order. */
static char *
model_shape (Fixture    *f,
             const char *group)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpNewsThreadModel) model = NULL;
  GString *shape = g_string_new (NULL);

  op_news_thread_model_new_async (f->path, group, NULL, op_test_store_result, &result);
  model = op_news_thread_model_new_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr(OpNewsHeader) header = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_string_append_printf (shape, "%s%" G_GUINT64_FORMAT ":%u", i > 0 ? " " : "",
                              op_news_header_get_number (header),
                              op_news_header_get_depth (header));
    }
  /* The model's page index walk holds it until it reports. */
  while (g_list_model_get_n_items (G_LIST_MODEL (model)) > 0 &&
         !op_news_thread_model_is_indexed (model))
    g_main_context_iteration (NULL, TRUE);
  return g_string_free (shape, FALSE);
}

static guint
model_count (Fixture    *f,
             const char *group)
{
  g_autofree char *shape = model_shape (f, group);
  g_auto(GStrv) rows = g_strsplit (shape, " ", -1);

  return *shape == '\0' ? 0 : g_strv_length (rows);
}

/* --- INN --------------------------------------------------------------------------------- */

static void
test_inn_sync (Fixture       *f,
               gconstpointer  data)
{
  const char *host = op_test_endpoint_env ("OUTPOST_TEST_NEWS_HOST");
  const char *port = op_test_endpoint_env ("OUTPOST_TEST_INN_PORT");
  const char *ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  const char *group_name = op_test_endpoint_env ("OUTPOST_TEST_INN_GROUP");
  const char *empty_name = op_test_endpoint_env ("OUTPOST_TEST_INN_EMPTY_GROUP");
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(OpNewsGroup) group = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *shape = NULL;
  guint64 n_new = 0;

  if (host == NULL || port == NULL || ca == NULL || group_name == NULL || empty_name == NULL)
    return;
  verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  client = op_nntp_client_new (host, (guint16) g_ascii_strtoull (port, NULL, 10),
                               OP_SECURITY_STARTTLS);
  op_nntp_client_set_verifier (client, OP_TLS_VERIFIER (verifier));
  op_nntp_client_set_timeout (client, TIMEOUT);
  op_nntp_client_connect_async (client, NULL, NULL, NULL, op_test_store_result, &result);
  op_nntp_client_connect_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);

  /* Seven articles in chunks of three: OVER 1-3, 4-6, 7-7. */
  g_assert_true (sync_group (f, client, group_name, 3, &n_new, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_new, ==, 7);
  group = find_group (f, group_name);
  g_assert_nonnull (group);
  g_assert_cmpuint (group->fetched_high, ==, 7);
  g_assert_cmpuint (group->low, ==, 1);
  g_assert_cmpuint (group->high, ==, 7);
  g_assert_cmpint (group->posting, ==, OP_NNTP_POSTING_ALLOWED);
  g_assert_cmpuint (group->unread, ==, 7);
  /* The store threads them (tests/servers/README.md, "local.test"): 2 and 4 under the
   * root, 3 under 2; the orphan 5 under its missing parent; 6 hung under the root by its
   * subject; 7 alone. */
  shape = model_shape (f, group_name);
  g_assert_nonnull (strstr (shape, "1:0"));
  g_assert_nonnull (strstr (shape, "2:1 3:2"));
  g_assert_nonnull (strstr (shape, "7:0"));
  g_assert_cmpuint (model_count (f, group_name), ==, 7);

  /* Nothing new the second time. */
  g_assert_true (sync_group (f, client, group_name, 0, &n_new, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_new, ==, 0);
  g_assert_cmpuint (model_count (f, group_name), ==, 7);

  /* An empty group: marks stored, nothing fetched. */
  g_assert_true (sync_group (f, client, empty_name, 0, &n_new, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_new, ==, 0);
  g_clear_pointer (&group, op_news_group_free);
  group = find_group (f, empty_name);
  g_assert_nonnull (group);
  g_assert_cmpuint (group->fetched_high, ==, 0);

  /* A group the server does not have. */
  g_assert_false (sync_group (f, client, "local.no-such-group", 0, &n_new, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_GROUP);
}

/* --- faults ----------------------------------------------------------------------------- */

static char *
over_block (guint first,
            guint last)
{
  GString *block = g_string_new ("224 Overview information follows\r\n");

  for (guint n = first; n <= last; n++)
    g_string_append_printf (block, "%u\tSubject %u\tPoster <p@example.test>\t"
                            "Mon, 01 Jan 2024 10:00:00 +0000\t<a%u@example.test>\t\t"
                            "%u\t3\r\n", n, n, n, 100 + n);
  g_string_append (block, ".\r\n");
  return g_string_free (block, FALSE);
}

static void
script_session (OpTestServer *server)
{
  op_test_server_send (server, "200 news.example.test ready\r\n");
  op_test_server_expect_line (server, "CAPABILITIES");
  op_test_server_send (server, "101 caps\r\nVERSION 2\r\nREADER\r\nOVER\r\n"
                               "LIST ACTIVE OVERVIEW.FMT\r\n.\r\n");
  op_test_server_expect_line (server, "LIST ACTIVE misc.test");
  op_test_server_send (server, "215 list follows\r\nmisc.test 5000 1 y\r\n.\r\n");
  op_test_server_expect_line (server, "GROUP misc.test");
  op_test_server_send (server, "211 5000 1 5000 misc.test\r\n");
}

/* What the first OVER of a session is preceded by. */
static void
script_format (OpTestServer *server)
{
  op_test_server_expect_line (server, "LIST OVERVIEW.FMT");
  op_test_server_send (server, "503 no format\r\n");
}

static OpNntpClient *
connect_to (OpTestServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  OpNntpClient *client;

  g_assert_true (op_test_server_start (server, &error));
  g_assert_no_error (error);
  client = op_nntp_client_new ("127.0.0.1", op_test_server_get_port (server),
                               OP_SECURITY_NONE);
  op_nntp_client_set_timeout (client, 3);
  op_nntp_client_connect_async (client, NULL, NULL, NULL, op_test_store_result, &result);
  op_nntp_client_connect_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  return client;
}

/* Complete overview lines in the first @cut bytes of @block (its status line aside). */
static guint
complete_lines (const char *block,
                gsize       cut)
{
  guint newlines = 0;

  for (gsize i = 0; i < cut; i++)
    newlines += block[i] == '\n';
  return newlines > 0 ? newlines - 1 : 0;
}

/* One session drops the connection after @cut bytes of the OVER block; the store then
 * holds the whole batches delivered before it (a prefix), and the next sync asks for
 * exactly the rest: no gap, no duplicate. */
static void
drop_then_resume (Fixture *f,
                  gsize    cut)
{
  g_autoptr(OpTestServer) first = op_test_server_new ();
  g_autoptr(OpTestServer) second = op_test_server_new ();
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(OpNewsGroup) group = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *all = over_block (1, 5000);
  guint stored = MIN (complete_lines (all, cut), 5000) / OP_NNTP_OVERVIEW_BATCH *
                 OP_NNTP_OVERVIEW_BATCH;
  guint64 n_new = 0;

  g_test_message ("cut after %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes: %u stored",
                  cut, strlen (all), stored);
  script_session (first);
  script_format (first);
  op_test_server_expect_line (first, "OVER 1-5000");
  op_test_server_drop_after (first, cut);
  op_test_server_send (first, all);
  client = connect_to (first);
  g_assert_false (sync_group (f, client, "misc.test", 0, &n_new, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_CONNECTION_LOST);
  g_clear_error (&error);
  g_assert_cmpuint (n_new, ==, stored);
  group = find_group (f, "misc.test");
  g_assert_cmpuint (group->fetched_high, ==, stored);
  g_clear_pointer (&group, op_news_group_free);
  g_clear_object (&client);
  (void) op_test_server_wait (first, 10000, NULL);

  script_session (second);
  if (stored < 5000)
    {
      g_autofree char *over = g_strdup_printf ("OVER %u-5000", stored + 1);
      g_autofree char *rest = over_block (stored + 1, 5000);

      script_format (second);
      op_test_server_expect_line (second, over);
      op_test_server_send (second, rest);
    }
  op_test_server_expect_line (second, "QUIT");
  op_test_server_send (second, "205 bye\r\n");
  client = connect_to (second);
  g_assert_true (sync_group (f, client, "misc.test", 0, &n_new, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_new, ==, 5000 - stored);
  {
    g_autoptr(GAsyncResult) result = NULL;

    op_nntp_client_quit_async (client, NULL, op_test_store_result, &result);
    g_assert_true (op_nntp_client_quit_finish (client, wait_result (&result), &error));
    g_assert_no_error (error);
  }
  g_assert_true (op_test_server_wait (second, 10000, &error));
  g_assert_no_error (error);
  group = find_group (f, "misc.test");
  g_assert_cmpuint (group->fetched_high, ==, 5000);
  g_assert_cmpuint (model_count (f, "misc.test"), ==, 5000);
}

/* Cut points: in the status line, inside the first line, right after line 1,000 (a
 * batch boundary), inside line 2,501, inside the terminator, and one at random (GTest's
 * seed makes it repeatable). */
static void
test_drop_then_resume (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *all = over_block (1, 5000);
  g_autofree char *to_1000 = over_block (1, 1000);
  g_autofree char *to_2500 = over_block (1, 2500);
  gsize status = strlen ("224 Overview information follows\r\n");
  gsize terminator = strlen (".\r\n");
  gsize cuts[] = {
    10,
    status + 5,
    strlen (to_1000) - terminator,
    strlen (to_2500) - terminator + 10,
    strlen (all) - 2,
    (gsize) g_test_rand_int_range (0, (gint32) strlen (all)),
  };

  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_autofree char *name = g_strdup_printf ("case-%u.sqlite", i);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      /* A fresh store per cut. */
      g_clear_object (&f->store);
      g_free (f->path);
      f->path = g_build_filename (f->dir, name, NULL);
      f->store = op_news_store_new (f->path);
      op_news_store_open_async (f->store, NULL, op_test_store_result, &result);
      g_assert_true (op_news_store_finish (f->store, wait_result (&result), &error));
      g_assert_no_error (error);
      drop_then_resume (f, cuts[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/news/sync/inn/chunks-marks-threads-again", Fixture, NULL, fixture_set_up,
              test_inn_sync, fixture_tear_down);
  g_test_add ("/news/sync/scripted/drop-mid-over-then-resume-without-gap", Fixture, NULL,
              fixture_set_up, test_drop_then_resume, fixture_tear_down);

  return op_test_run ();
}
