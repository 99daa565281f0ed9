/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-news-server"

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "nntp/op-nntp-client.h"
#include "nntp/op-nntp-error.h"
#include "op-news-binary.h"
#include "op-news-cancel.h"
#include "op-news-draft.h"
#include "op-news-server.h"
#include "op-news-test-binary.h"
#include "op-news-store.h"
#include "op-test-async.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"

/*
 * OpNewsServer, the core object the News view reads through: against INN
 * (tests/servers/inn.sh) it connects on first need with the account's security and
 * login, syncs a group's headers into its store and fetches an article whole by
 * Message-ID; a wrong password and a closed port fail with the server's or the system's
 * reason, and the next call starts a new connection. A multipart yEnc binary posted to
 * INN comes back byte for byte, a posting with a part missing says which, and articles
 * read once open again with the server gone (the article cache).
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

/* Posts @article (CRLF lines) to INN as the test user, over STARTTLS. */
static void
post_article (OpNntpClient *client, const char *article)
{
  g_autoptr (GInputStream) input
      = g_memory_input_stream_new_from_data (g_strdup (article), -1, g_free);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  op_nntp_client_post_async (client, input, NULL, op_test_store_result, &result);
  g_assert_true (op_nntp_client_post_finish (client, op_test_wait_result (&result, 60), &error));
  g_assert_no_error (error);
}

static OpNntpClient *
poster (void)
{
  const char *host = op_test_endpoint_env ("OUTPOST_TEST_NEWS_HOST");
  const char *port = op_test_endpoint_env ("OUTPOST_TEST_INN_PORT");
  const char *ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  const char *user = op_test_endpoint_env ("OUTPOST_TEST_INN_USER");
  const char *password = op_test_endpoint_env ("OUTPOST_TEST_INN_PASSWORD");
  g_autoptr (OpTestVerifier) verifier = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  OpNntpClient *client;

  verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  client = op_nntp_client_new (host, (guint16)g_ascii_strtoull (port, NULL, 10),
                               OP_SECURITY_STARTTLS);
  op_nntp_client_set_verifier (client, OP_TLS_VERIFIER (verifier));
  op_nntp_client_connect_async (client, user, password, NULL, op_test_store_result, &result);
  g_assert_true (op_nntp_client_connect_finish (client, op_test_wait_result (&result, 60), &error));
  g_assert_no_error (error);
  return client;
}

/* Posts part @part of @total of @data as a yEnc article; Message-ID <bin.ID.PART@…>. */
static void
post_part (OpNntpClient *client, const char *group, const char *id, GBytes *data, guint part,
           guint total)
{
  gsize         size = g_bytes_get_size (data);
  gsize         per = (size + total - 1) / total;
  gsize         offset = (part - 1) * per;
  const guint8 *bytes = g_bytes_get_data (data, NULL);
  g_autofree char *name = g_strdup_printf ("photo %s.bin", id);
  g_autoptr (GString) body
      = op_news_test_yenc_encode (bytes, offset, MIN (per, size - offset), part, total, size,
                                  op_news_test_crc32 (bytes, size), name, 128);
  g_autofree char *article = g_strdup_printf (
      "From: Tester <tester@example.test>\r\n"
      "Newsgroups: %s\r\n"
      "Subject: Outpost binary %s - \"%s\" yEnc (%u/%u)\r\n"
      "Message-ID: <bin.%s.%u@outpost.example.test>\r\n"
      "\r\n"
      "%s",
      group, id, name, part, total, id, part, body->str);

  post_article (client, article);
}

/* Posts @data uuencoded over @total articles, as Agent does: "begin" in the first, the
 * lines split evenly, "end" in the last; Message-IDs <uu.ID.PART@…>, in the order
 * @order gives. */
static void
post_uu_parts (OpNntpClient *client, const char *group, const char *id, GBytes *data,
               guint total, const guint *order)
{
  g_autofree char *name = g_strdup_printf ("archive %s.bin", id);
  g_autoptr (GString) body
      = op_news_test_uu_encode (g_bytes_get_data (data, NULL), g_bytes_get_size (data), name);
  g_auto (GStrv) lines = g_strsplit (body->str, "\r\n", -1);
  guint n = g_strv_length (lines) - 1;   /* the last is the empty one after "end" */
  guint per = (n + total - 1) / total;

  for (guint k = 0; k < total; k++)
    {
      guint part = order[k];
      g_autoptr (GString) article = g_string_new (NULL);

      g_string_append_printf (article,
                              "From: Tester <tester@example.test>\r\n"
                              "Newsgroups: %s\r\n"
                              "Subject: Outpost uu %s - %s (%u/%u)\r\n"
                              "Message-ID: <uu.%s.%u@outpost.example.test>\r\n"
                              "\r\n",
                              group, id, name, part, total, id, part);
      if (part > 1)
        g_string_append_printf (article, "section %u of %u of file %s\r\n\r\n", part, total, name);
      for (guint i = (part - 1) * per; i < MIN (part * per, n); i++)
        g_string_append_printf (article, "%s\r\n", lines[i]);
      post_article (client, article->str);
    }
}

static guint64
article_number (Fixture *f, const char *message_id)
{
  sqlite3      *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint64       number = 0;

  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (
      sqlite3_prepare_v2 (db, "SELECT number FROM nodes WHERE message_id = ? AND number IS NOT NULL", -1, &stmt, NULL),
      ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, message_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    number = (guint64)sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_cmpuint (number, >, 0);
  return number;
}

static GFile *
save_binary (OpNewsServer *server, const char *group, guint64 number, GFile *folder,
             GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  op_news_server_save_binary_async (server, group, number, folder, NULL, op_test_store_result,
                                    &result);
  return op_news_server_save_binary_finish (server, op_test_wait_result (&result, 60), error);
}

static char *
file_sha256 (GFile *file)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) contents = g_file_load_bytes (file, NULL, NULL, &error);

  g_assert_no_error (error);
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, contents);
}

/* A 3-part yEnc binary posted with the client, synced into the store, saved from any of
 * its parts: the same SHA-256; so is the same file uuencoded over three articles. A posting whose part 2 never went out: an error naming
 * it, and no file. Then the server goes away: the articles read open from the cache,
 * the binary saves again, and an article never read fails with the connection's error. */
static void
test_inn_binary_and_cache (Fixture *f, gconstpointer data)
{
  const char *password = op_test_endpoint_env ("OUTPOST_TEST_INN_PASSWORD");
  const char *group = op_test_endpoint_env ("OUTPOST_TEST_INN_POST_GROUP");
  g_autoptr (OpNewsServer) server = NULL;
  g_autoptr (OpNntpClient) client = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = g_strdup_printf ("%08x", g_random_int ());
  g_autofree char *broken = g_strdup_printf ("%s-broken", id);
  g_autofree char *folder_path = g_build_filename (f->dir, "downloads", NULL);
  g_autoptr (GFile) folder = g_file_new_for_path (folder_path);
  g_autoptr (GFile) saved = NULL;
  g_autoptr (GBytes) binary = NULL;
  g_autofree char *want = NULL;
  g_autofree char *got = NULL;
  g_autofree char *name = NULL;
  g_autofree char *part1 = g_strdup_printf ("<bin.%s.1@outpost.example.test>", id);
  g_autofree char *part2 = g_strdup_printf ("<bin.%s.2@outpost.example.test>", id);
  g_autofree char *broken3 = g_strdup_printf ("<bin.%s.3@outpost.example.test>", broken);
  guint8          *bytes;
  guint64          n_new = 0;

  if (password == NULL || group == NULL || (server = inn_server (f, password)) == NULL)
    return;
  g_assert_cmpint (g_mkdir (folder_path, 0700), ==, 0);

  /* 300 kB of random bytes: every escape, lines that start with "." (dot-stuffed). */
  bytes = g_malloc (300000);
  for (gsize i = 0; i < 300000; i++)
    bytes[i] = (guint8)g_random_int_range (0, 256);
  binary = g_bytes_new_take (bytes, 300000);
  want = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, binary);

  client = poster ();
  /* Out of order, as a server may list them. */
  post_part (client, group, id, binary, 3, 3);
  post_part (client, group, id, binary, 1, 3);
  post_part (client, group, id, binary, 2, 3);
  post_part (client, group, broken, binary, 1, 3);
  post_part (client, group, broken, binary, 3, 3);

  {
    static const guint order[] = { 2, 3, 1 };

    post_uu_parts (client, group, id, binary, 3, order);
  }
  op_news_server_sync_group_async (server, group, NULL, NULL, NULL, op_test_store_result, &result);
  g_assert_true (
      op_news_server_sync_group_finish (server, op_test_wait_result (&result, 60), &n_new, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_new, >=, 8);
  g_clear_object (&result);

  saved = save_binary (server, group, article_number (f, part2), folder, &error);
  g_assert_no_error (error);
  name = g_file_get_basename (saved);
  g_assert_true (g_str_has_prefix (name, "photo ") && g_str_has_suffix (name, ".bin"));
  g_assert_nonnull (strstr (name, id));
  got = file_sha256 (saved);
  g_assert_cmpstr (got, ==, want);
  g_test_message ("%s: SHA-256 %s", name, got);

  /* The same bytes uuencoded over three articles, saved from the middle one. */
  {
    g_autofree char *uu2 = g_strdup_printf ("<uu.%s.2@outpost.example.test>", id);
    g_autoptr (GFile) uu_saved = save_binary (server, group, article_number (f, uu2), folder,
                                              &error);
    g_autofree char *uu_name = NULL;
    g_autofree char *uu_sha = NULL;

    g_assert_no_error (error);
    uu_name = g_file_get_basename (uu_saved);
    g_assert_true (g_str_has_prefix (uu_name, "archive ") && g_str_has_suffix (uu_name, ".bin"));
    uu_sha = file_sha256 (uu_saved);
    g_assert_cmpstr (uu_sha, ==, want);
    g_test_message ("%s (uuencode, 3 parts): SHA-256 %s", uu_name, uu_sha);
  }

  g_assert_null (save_binary (server, group, article_number (f, broken3), folder, &error));
  g_assert_error (error, OP_NEWS_BINARY_ERROR, OP_NEWS_BINARY_ERROR_MISSING_PARTS);
  g_assert_nonnull (strstr (error->message, "part 2 of 3 is not on the server"));
  g_test_message ("missing part: %s", error->message);
  g_clear_error (&error);

  /* The server gone: same store, a port where nothing listens. */
  g_clear_object (&server);
  op_test_spin_for (100);
  {
    g_autoptr (OpAccount) account = op_account_new (OP_ACCOUNT_KIND_NEWS, NULL);
    g_autoptr (GSocketListener) listener = g_socket_listener_new ();
    g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
    g_autoptr (GSocketAddress) bound = NULL;
    g_autoptr (GBytes) article = NULL;
    g_autoptr (GFile) again = NULL;
    g_autofree char *again_sha = NULL;
    g_autofree char *text = NULL;

    g_assert_true (g_socket_listener_add_address (listener, any, G_SOCKET_TYPE_STREAM,
                                                  G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
    g_socket_listener_close (listener);
    op_account_set_host (account, "127.0.0.1");
    op_account_set_port (account,
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
    op_account_set_security (account, OP_SECURITY_NONE);
    server = op_news_server_new (account, f->path);
    op_news_store_open_async (op_news_server_get_store (server), NULL, op_test_store_result,
                              &result);
    g_assert_true (op_news_store_finish (op_news_server_get_store (server),
                                         op_test_wait_result (&result, 30), &error));
    g_clear_object (&result);

    op_news_server_fetch_article_async (server, part1, NULL, op_test_store_result, &result);
    article = op_news_server_fetch_article_finish (server, op_test_wait_result (&result, 30),
                                                   &error);
    g_assert_no_error (error);
    text = g_strndup (g_bytes_get_data (article, NULL), MIN (g_bytes_get_size (article), 4096));
    g_assert_nonnull (strstr (text, part1));
    g_assert_nonnull (strstr (text, "=ybegin part=1 total=3"));
    g_clear_object (&result);

    again = save_binary (server, group, article_number (f, part1), folder, &error);
    g_assert_no_error (error);
    again_sha = file_sha256 (again);
    g_assert_cmpstr (again_sha, ==, want);
    g_assert_false (g_file_equal (again, saved));

    op_news_server_fetch_article_async (server, "<root.1@outpost.example.test>", NULL,
                                        op_test_store_result, &result);
    g_assert_null (
        op_news_server_fetch_article_finish (server, op_test_wait_result (&result, 30), &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  }
}

static gboolean
stat_article (OpNntpClient *client, const char *message_id, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  op_nntp_client_stat_async (client, message_id, 0, NULL, op_test_store_result, &result);
  return op_nntp_client_stat_finish (client, op_test_wait_result (&result, 30), NULL, NULL, error);
}

static char *
withdraw_wait (OpNewsServer *server, GAsyncResult **result, GError **error)
{
  return op_news_server_withdraw_finish (server, op_test_wait_result (result, 60), error);
}

/* Cancel and supersede against INN, whose docancels is "require-auth" (tests/servers/inn.sh):
 * it withdraws only articles whose Cancel-Lock the cancel's Cancel-Key opens, so a
 * withdrawn article proves the locks right. An article posted without a lock is refused
 * here, before anything is sent. What the News composer posts is locked as well. */
static void
test_inn_cancel_and_supersede (Fixture *f, gconstpointer data)
{
  const char *password = op_test_endpoint_env ("OUTPOST_TEST_INN_PASSWORD");
  const char *group = op_test_endpoint_env ("OUTPOST_TEST_INN_POST_GROUP");
  g_autoptr (OpNewsServer) server = NULL;
  g_autoptr (OpNntpClient) client = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *tag = g_strdup_printf ("%08x", g_random_int ());
  g_autofree char *text_a = NULL;
  g_autofree char *text_b = NULL;
  g_autofree char *text_b2 = NULL;
  g_autofree char *text_c = NULL;
  g_autofree char *id_a = NULL;
  g_autofree char *id_b = NULL;
  g_autofree char *id_b2 = NULL;
  g_autofree char *id_c = g_strdup_printf ("<unlocked.%s@outpost.example.test>", tag);
  g_autofree char *cancelled = NULL;
  g_autoptr (GBytes) bytes = NULL;

  if (password == NULL || group == NULL || (server = inn_server (f, password)) == NULL)
    return;
  client = poster ();

  text_a = g_strdup_printf ("From: Tester <tester@example.test>\nNewsgroups: %s\n"
                            "Subject: To be cancelled %s\n\nA mistake.\n", group, tag);
  bytes = g_bytes_new (text_a, strlen (text_a));
  op_news_server_post_locked_async (server, bytes, NULL, op_test_store_result, &result);
  id_a = withdraw_wait (server, &result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_clear_pointer (&bytes, g_bytes_unref);
  g_assert_true (stat_article (client, id_a, &error));
  g_assert_no_error (error);

  op_news_server_cancel_async (server, id_a, NULL, op_test_store_result, &result);
  cancelled = withdraw_wait (server, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cancelled, ==, id_a);
  g_clear_object (&result);
  g_assert_false (stat_article (client, id_a, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_ARTICLE);
  g_clear_error (&error);
  g_test_message ("cancelled %s", id_a);
  /* Read (and cached) for the cancel, dropped from the cache with it: the server's 430. */
  op_news_server_fetch_article_async (server, id_a, NULL, op_test_store_result, &result);
  g_assert_null (
      op_news_server_fetch_article_finish (server, op_test_wait_result (&result, 30), &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_ARTICLE);
  g_clear_error (&error);
  g_clear_object (&result);

  /* What the News composer posts (op_news_draft_to_article, op_news_server_post_async)
   * carries the lock too, under the composer's own Message-ID: cancelled like the first. */
  {
    g_autoptr (OpNewsDraft) draft = op_news_draft_new (group);
    g_autofree char *id_d = NULL;
    g_autofree char *cancelled_d = NULL;

    draft->from = g_strdup ("Tester <tester@example.test>");
    draft->subject = g_strdup_printf ("From the composer %s", tag);
    draft->body = g_strdup ("Posted as the News view posts.\n");
    bytes = op_news_draft_to_article (draft, &id_d, &error);
    g_assert_no_error (error);
    op_news_server_post_async (server, bytes, NULL, op_test_store_result, &result);
    g_assert_true (op_news_server_post_finish (server, op_test_wait_result (&result, 60), &error));
    g_assert_no_error (error);
    g_clear_object (&result);
    g_clear_pointer (&bytes, g_bytes_unref);
    g_assert_true (stat_article (client, id_d, &error));
    g_assert_no_error (error);
    op_news_server_cancel_async (server, id_d, NULL, op_test_store_result, &result);
    cancelled_d = withdraw_wait (server, &result, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (cancelled_d, ==, id_d);
    g_clear_object (&result);
    g_assert_false (stat_article (client, id_d, &error));
    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_ARTICLE);
    g_clear_error (&error);
    g_test_message ("cancelled the composer's %s", id_d);
  }

  /* Supersede: the old one gone, the new one there, naming the old. */
  text_b = g_strdup_printf ("From: Tester <tester@example.test>\nNewsgroups: %s\n"
                            "Subject: First version %s\n\nVersion 1.\n", group, tag);
  bytes = g_bytes_new (text_b, strlen (text_b));
  op_news_server_post_locked_async (server, bytes, NULL, op_test_store_result, &result);
  id_b = withdraw_wait (server, &result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_clear_pointer (&bytes, g_bytes_unref);
  text_b2 = g_strdup_printf ("From: Tester <tester@example.test>\nNewsgroups: %s\n"
                             "Subject: Second version %s\n\nVersion 2.\n", group, tag);
  bytes = g_bytes_new (text_b2, strlen (text_b2));
  op_news_server_supersede_async (server, id_b, bytes, NULL, op_test_store_result, &result);
  id_b2 = withdraw_wait (server, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id_b2, !=, id_b);
  g_clear_object (&result);
  g_clear_pointer (&bytes, g_bytes_unref);
  g_assert_false (stat_article (client, id_b, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_ARTICLE);
  g_clear_error (&error);
  g_assert_true (stat_article (client, id_b2, &error));
  g_assert_no_error (error);
  op_news_server_fetch_article_async (server, id_b2, NULL, op_test_store_result, &result);
  bytes = op_news_server_fetch_article_finish (server, op_test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  {
    g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    g_autofree char *supersedes = g_strdup_printf ("Supersedes: %s\r\n", id_b);

    g_assert_nonnull (strstr (text, supersedes));
    g_assert_nonnull (strstr (text, "Version 2."));
  }

  /* Not one's own: refused before anything is posted, and the article stays. */
  text_c = g_strdup_printf ("From: Tester <tester@example.test>\r\nNewsgroups: %s\r\n"
                            "Subject: Unlocked %s\r\nMessage-ID: %s\r\n\r\nNo lock.\r\n",
                            group, tag, id_c);
  post_article (client, text_c);
  op_news_server_cancel_async (server, id_c, NULL, op_test_store_result, &result);
  g_assert_null (withdraw_wait (server, &result, &error));
  g_assert_error (error, OP_NEWS_CANCEL_ERROR, OP_NEWS_CANCEL_ERROR_NOT_OWN);
  g_test_message ("not own: %s", error->message);
  g_clear_error (&error);
  g_assert_true (stat_article (client, id_c, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/news/server/inn/sync-and-article", Fixture, NULL, fixture_set_up,
              test_inn_sync_and_article, fixture_tear_down);
  g_test_add ("/news/server/inn/wrong-password", Fixture, NULL, fixture_set_up,
              test_inn_wrong_password, fixture_tear_down);
  g_test_add ("/news/server/inn/multipart-binary-and-offline-cache", Fixture, NULL,
              fixture_set_up, test_inn_binary_and_cache, fixture_tear_down);
  g_test_add ("/news/server/inn/cancel-and-supersede", Fixture, NULL, fixture_set_up,
              test_inn_cancel_and_supersede, fixture_tear_down);
  g_test_add ("/news/server/closed-port", Fixture, NULL, fixture_set_up, test_closed_port,
              fixture_tear_down);

  return g_test_run ();
}
