/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-news-cancel"

#include "config.h"

#include <string.h>

#include "news/op-news-cancel.h"

/*
 * Cancel-Lock (RFC 8315) and the articles that withdraw one's own: keys and locks
 * computed by hand from the RFC's definitions (HMAC-SHA256, then SHA-256 of the base64
 * key), an article protected once, a cancel and a supersede composed from it, and the
 * refusal to cancel an article without one's lock. INN's check of the same locks is in
 * tests/integration/core/test-news-server.c.
 */

static GBytes *
secret (char fill)
{
  guint8 bytes[32];

  memset (bytes, fill, sizeof bytes);
  return g_bytes_new (bytes, sizeof bytes);
}

static void
test_key_and_lock (void)
{
  g_autoptr(GBytes) s = secret ('s');
  g_autoptr(GBytes) other = secret ('o');
  g_autofree char *key = op_news_cancel_key (s, "<a@example.test>");
  g_autofree char *lock = op_news_cancel_lock (s, "<a@example.test>");
  g_autofree char *expected_key = NULL;
  g_autofree char *expected_lock = NULL;
  g_autofree char *hmac = g_compute_hmac_for_data (G_CHECKSUM_SHA256,
                                                   g_bytes_get_data (s, NULL), 32,
                                                   (const guchar *) "<a@example.test>", 16);
  guint8 digest[32];
  g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  gsize n = sizeof digest;

  /* The key: base64 of the HMAC's bytes (from its hex); the lock: base64 of SHA-256 of
   * the key's base64 text. */
  for (gsize i = 0; i < 32; i++)
    digest[i] = (guint8) (g_ascii_xdigit_value (hmac[2 * i]) << 4 | g_ascii_xdigit_value (hmac[2 * i + 1]));
  expected_key = g_base64_encode (digest, 32);
  g_assert_cmpstr (key + 7, ==, expected_key);
  g_assert_true (g_str_has_prefix (key, "sha256:"));
  g_checksum_update (sha, (const guchar *) expected_key, strlen (expected_key));
  g_checksum_get_digest (sha, digest, &n);
  expected_lock = g_base64_encode (digest, n);
  g_assert_cmpstr (lock + 7, ==, expected_lock);

  g_assert_true (op_news_cancel_lock_matches (lock, s, "<a@example.test>"));
  {
    g_autofree char *several = g_strdup_printf ("sha1:bNXHc6ohSmeHaRHHW56BIWZJt+4=\r\n %s", lock);

    g_assert_true (op_news_cancel_lock_matches (several, s, "<a@example.test>"));
  }
  g_assert_false (op_news_cancel_lock_matches (lock, other, "<a@example.test>"));
  g_assert_false (op_news_cancel_lock_matches (lock, s, "<b@example.test>"));
  g_assert_false (op_news_cancel_lock_matches (NULL, s, "<a@example.test>"));
}

static char *
text_of (GBytes *bytes)
{
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
test_protect_cancel_supersede (void)
{
  g_autoptr(GBytes) s = secret ('s');
  g_autoptr(GBytes) other = secret ('o');
  const char *draft = "From: Tester <tester@example.test>\nNewsgroups: local.post,local.test\n"
                      "Subject: Hello\n\nBody.\n";
  g_autoptr(GBytes) article = g_bytes_new_static (draft, strlen (draft));
  g_autoptr(GBytes) locked = NULL;
  g_autoptr(GBytes) cancel = NULL;
  g_autoptr(GBytes) replacement = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *new_id = NULL;
  g_autofree char *text = NULL;
  g_autofree char *lock = NULL;
  g_autofree char *key = NULL;
  g_autofree char *line = NULL;
  g_autofree char *own = NULL;

  locked = op_news_article_protect (article, s, NULL, &id, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (id, "<") && g_str_has_suffix (id, "@example.test>"));
  text = text_of (locked);
  lock = op_news_cancel_lock (s, id);
  line = g_strdup_printf ("Cancel-Lock: %s\r\n", lock);
  g_assert_nonnull (strstr (text, line));
  g_assert_nonnull (strstr (text, "Subject: Hello\r\n"));
  g_assert_nonnull (strstr (text, "\r\n\r\nBody.\r\n"));
  own = op_news_article_check_own (locked, s, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (own, ==, id);

  cancel = op_news_article_compose_cancel (locked, s, &error);
  g_assert_no_error (error);
  g_clear_pointer (&text, g_free);
  text = text_of (cancel);
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("Control: cancel %s\r\n", id);
  g_assert_nonnull (strstr (text, line));
  g_clear_pointer (&line, g_free);
  key = op_news_cancel_key (s, id);
  line = g_strdup_printf ("Cancel-Key: %s\r\n", key);
  g_assert_nonnull (strstr (text, line));
  g_assert_nonnull (strstr (text, "Newsgroups: local.post,local.test\r\n"));
  g_assert_nonnull (strstr (text, "From: Tester <tester@example.test>\r\n"));
  g_assert_nonnull (strstr (text, "Message-ID: <cancel."));

  replacement = op_news_article_protect (article, s, id, &new_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (new_id, !=, id);
  g_clear_pointer (&text, g_free);
  text = text_of (replacement);
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("Supersedes: %s\r\nCancel-Key: %s\r\n", id, key);
  g_assert_nonnull (strstr (text, line));

  /* Another store's secret: not one's own, nothing composed. */
  g_assert_null (op_news_article_compose_cancel (locked, other, &error));
  g_assert_error (error, OP_NEWS_CANCEL_ERROR, OP_NEWS_CANCEL_ERROR_NOT_OWN);
  g_clear_error (&error);
  g_assert_null (op_news_article_compose_cancel (article, s, &error));
  g_assert_error (error, OP_NEWS_CANCEL_ERROR, OP_NEWS_CANCEL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (op_news_article_protect (article, s, "not an id", NULL, &error));
  g_assert_error (error, OP_NEWS_CANCEL_ERROR, OP_NEWS_CANCEL_ERROR_INVALID);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/news/cancel/key-and-lock", test_key_and_lock);
  g_test_add_func ("/news/cancel/protect-cancel-supersede", test_protect_cancel_supersede);

  return g_test_run ();
}
