/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-news-server"

#include "config.h"

#include <string.h>

#include "op-news-server.h"
#include "op-news-store.h"
#include "op-test-async.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"

/*
 * OpNewsServer, the core object the News view reads through: against INN
 * (tests/servers/inn.sh) it connects on first need with the account's security and
 * login, syncs a group's headers into its store and fetches an article whole by
 * Message-ID; a wrong password and a closed port fail with the server's or the system's
 * reason, and the next call starts a new connection.
 */

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("outpost-news-server-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "news.sqlite", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  op_test_spin_for (100);
  op_test_remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static OpNewsServer *
inn_server (Fixture *f, const char *password)
{
  const char *host = op_test_endpoint_env ("OUTPOST_TEST_NEWS_HOST");
  const char *port = op_test_endpoint_env ("OUTPOST_TEST_INN_PORT");
  const char *ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  const char *user = op_test_endpoint_env ("OUTPOST_TEST_INN_USER");
  g_autoptr (OpAccount) account = NULL;
  g_autoptr (OpTestVerifier) verifier = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  OpNewsServer *server;

  if (host == NULL || port == NULL || ca == NULL || user == NULL)
    return NULL;
  account = op_account_new (OP_ACCOUNT_KIND_NEWS, NULL);
  op_account_set_host (account, host);
  op_account_set_port (account, (guint16)g_ascii_strtoull (port, NULL, 10));
  op_account_set_security (account, OP_SECURITY_STARTTLS);
  op_account_set_user (account, user);
  verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  server = op_news_server_new (account, f->path);
  op_news_server_set_verifier (server, OP_TLS_VERIFIER (verifier));
  op_news_server_set_password (server, password);
  op_news_store_open_async (op_news_server_get_store (server), NULL, op_test_store_result, &result);
  g_assert_true (op_news_store_finish (op_news_server_get_store (server),
                                       op_test_wait_result (&result, 30), &error));
  g_assert_no_error (error);
  return server;
}

static void
test_inn_sync_and_article (Fixture *f, gconstpointer data)
{
  const char *password = op_test_endpoint_env ("OUTPOST_TEST_INN_PASSWORD");
  const char *group = op_test_endpoint_env ("OUTPOST_TEST_INN_GROUP");
  g_autoptr (OpNewsServer) server = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) article = NULL;
  g_autoptr (GPtrArray) groups = NULL;
  g_autofree char *text = NULL;
  guint64          n_new = 0;
  gboolean         found = FALSE;

  if (password == NULL || group == NULL || (server = inn_server (f, password)) == NULL)
    return;

  /* The group list, with descriptions (tests/servers/inn.sh). */
  op_news_server_refresh_groups_async (server, NULL, op_test_store_result, &result);
  g_assert_true (
      op_news_server_refresh_groups_finish (server, op_test_wait_result (&result, 60), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  op_news_store_list_groups_async (op_news_server_get_store (server), FALSE, NULL,
                                   op_test_store_result, &result);
  groups = op_news_store_list_groups_finish (op_news_server_get_store (server),
                                             op_test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  for (guint i = 0; i < groups->len; i++)
    {
      OpNewsGroup *g = g_ptr_array_index (groups, i);

      if (g_str_equal (g->name, group))
        {
          g_assert_cmpuint (g->high, ==, 7);
          g_assert_cmpint (g->posting, ==, OP_NNTP_POSTING_ALLOWED);
          g_test_message ("%s: %s", g->name, g->description);
          found = TRUE;
        }
    }
  g_assert_true (found);
  g_clear_pointer (&groups, g_ptr_array_unref);

  op_news_server_sync_group_async (server, group, NULL, NULL, NULL, op_test_store_result, &result);
  g_assert_true (
      op_news_server_sync_group_finish (server, op_test_wait_result (&result, 60), &n_new, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_new, ==, 7);
  g_clear_object (&result);
  op_news_store_list_groups_async (op_news_server_get_store (server), FALSE, NULL,
                                   op_test_store_result, &result);
  groups = op_news_store_list_groups_finish (op_news_server_get_store (server),
                                             op_test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (groups->len, >=, 1);
  g_clear_object (&result);

  /* The first seed article (tests/data/nntp/inn-seed/), whole, by its Message-ID. */
  op_news_server_fetch_article_async (server, "<root.1@outpost.example.test>", NULL,
                                      op_test_store_result, &result);
  article = op_news_server_fetch_article_finish (server, op_test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (article, NULL), g_bytes_get_size (article));
  g_assert_nonnull (strstr (text, "Message-ID: <root.1@outpost.example.test>\r\n"));
  g_assert_nonnull (strstr (text, "\r\n\r\n"));
  g_clear_object (&result);

  /* An article the server does not have: its 430, as an error. */
  op_news_server_fetch_article_async (server, "<no-such-article@example.test>", NULL,
                                      op_test_store_result, &result);
  g_assert_null (
      op_news_server_fetch_article_finish (server, op_test_wait_result (&result, 30), &error));
  g_assert_nonnull (error);
  g_test_message ("missing article: %s", error->message);
}

static void
test_inn_wrong_password (Fixture *f, gconstpointer data)
{
  const char *password = op_test_endpoint_env ("OUTPOST_TEST_INN_PASSWORD");
  g_autoptr (OpNewsServer) server = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  if (password == NULL || (server = inn_server (f, "not the password")) == NULL)
    return;
  op_news_server_connect_async (server, NULL, op_test_store_result, &result);
  g_assert_false (
      op_news_server_connect_finish (server, op_test_wait_result (&result, 60), &error));
  g_assert_nonnull (error);
  g_test_message ("wrong password: %s", error->message);
  g_clear_error (&error);
  g_clear_object (&result);

  /* The next call starts over, with the password now right. */
  op_news_server_set_password (server, password);
  op_news_server_connect_async (server, NULL, op_test_store_result, &result);
  g_assert_true (op_news_server_connect_finish (server, op_test_wait_result (&result, 60), &error));
  g_assert_no_error (error);
}

static void
test_closed_port (Fixture *f, gconstpointer data)
{
  g_autoptr (OpAccount) account = op_account_new (OP_ACCOUNT_KIND_NEWS, NULL);
  g_autoptr (OpNewsServer) server = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  guint16 port;

  /* A port that was free a moment ago: nothing listens there now. */
  g_assert_true (g_socket_listener_add_address (listener, any, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_listener_close (listener);

  op_account_set_host (account, "127.0.0.1");
  op_account_set_port (account, port);
  op_account_set_security (account, OP_SECURITY_NONE);
  server = op_news_server_new (account, f->path);
  op_news_server_fetch_article_async (server, "<a@example.test>", NULL, op_test_store_result,
                                      &result);
  g_assert_null (
      op_news_server_fetch_article_finish (server, op_test_wait_result (&result, 30), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/news/server/inn/sync-and-article", Fixture, NULL, fixture_set_up,
              test_inn_sync_and_article, fixture_tear_down);
  g_test_add ("/news/server/inn/wrong-password", Fixture, NULL, fixture_set_up,
              test_inn_wrong_password, fixture_tear_down);
  g_test_add ("/news/server/closed-port", Fixture, NULL, fixture_set_up, test_closed_port,
              fixture_tear_down);

  return g_test_run ();
}
