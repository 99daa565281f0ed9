/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-news-uri"

#include "config.h"

#include "news/op-news-uri.h"

/* news:, nntp: and snews: links (RFC 5538) taken apart as the News view opens them. */

typedef struct
{
  const char   *uri;
  OpNewsUriKind kind;
  const char   *scheme;
  const char   *host;
  int           port;
  const char   *group;
  guint64       number;
  const char   *message_id;
} Case;

static void
test_links (void)
{
  const Case cases[] = {
    { "news:local.small", OP_NEWS_URI_GROUP, "news", NULL, -1, "local.small", 0, NULL },
    { "NEWS:comp.lang.c", OP_NEWS_URI_GROUP, "news", NULL, -1, "comp.lang.c", 0, NULL },
    { "nntp://127.0.0.1:9/local.big", OP_NEWS_URI_GROUP, "nntp", "127.0.0.1", 9, "local.big", 0, NULL },
    { "news://127.0.0.1/local.small", OP_NEWS_URI_GROUP, "news", "127.0.0.1", -1, "local.small", 0, NULL },
    { "snews://news.example:563/a.b", OP_NEWS_URI_GROUP, "snews", "news.example", 563, "a.b", 0, NULL },
    /* A trailing slash is no article number. */
    { "nntp://h/local.small/", OP_NEWS_URI_GROUP, "nntp", "h", -1, "local.small", 0, NULL },
    { "nntp://h:119/local.small/6", OP_NEWS_URI_GROUP_ARTICLE, "nntp", "h", 119, "local.small", 6, NULL },
    { "nntp://h/local.big/18446744073709551615", OP_NEWS_URI_GROUP_ARTICLE, "nntp", "h", -1, "local.big", G_MAXUINT64, NULL },
    /* news:id and news:<id> name one article, percent-decoded. */
    { "news:root.1@outpost.example.test", OP_NEWS_URI_ARTICLE, "news", NULL, -1, NULL, 0, "<root.1@outpost.example.test>" },
    { "news:%3C7@test.example%3E", OP_NEWS_URI_ARTICLE, "news", NULL, -1, NULL, 0, "<7@test.example>" },
    { "news://h/a@b/ignored", OP_NEWS_URI_ARTICLE, "news", "h", -1, NULL, 0, "<a@b>" },
    /* Parsed, but nothing Outpost opens. */
    { "news:%3Cone%20two@example.test%3E", OP_NEWS_URI_BAD_ARTICLE, "news", NULL, -1, NULL, 0, NULL },
    { "news:<a>b@c>", OP_NEWS_URI_BAD_ARTICLE, "news", NULL, -1, NULL, 0, NULL },
    { "news:*", OP_NEWS_URI_BAD_TARGET, "news", NULL, -1, NULL, 0, NULL },
    { "news:comp.*", OP_NEWS_URI_BAD_TARGET, "news", NULL, -1, NULL, 0, NULL },
    { "news:", OP_NEWS_URI_BAD_TARGET, "news", NULL, -1, NULL, 0, NULL },
    { "nntp://h/local.small/0", OP_NEWS_URI_BAD_TARGET, "nntp", "h", -1, NULL, 0, NULL },
    { "nntp://h/local.small/x7", OP_NEWS_URI_BAD_TARGET, "nntp", "h", -1, NULL, 0, NULL },
    { "nntp://h/local.small/7/more", OP_NEWS_URI_BAD_TARGET, "nntp", "h", -1, NULL, 0, NULL },
    { "nntp://h/local.small/18446744073709551616", OP_NEWS_URI_BAD_TARGET, "nntp", "h", -1, NULL, 0, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      g_autoptr (OpNewsUri) uri = op_news_uri_parse (c->uri);

      g_test_message ("%s", c->uri);
      g_assert_nonnull (uri);
      g_assert_cmpint (uri->kind, ==, c->kind);
      g_assert_cmpstr (uri->scheme, ==, c->scheme);
      g_assert_cmpstr (uri->host, ==, c->host);
      g_assert_cmpint (uri->port, ==, c->port);
      g_assert_cmpstr (uri->group, ==, c->group);
      g_assert_cmpuint (uri->number, ==, c->number);
      g_assert_cmpstr (uri->message_id, ==, c->message_id);
    }
}

/* Not a news link at all: no URI, or a path that does not percent-decode. */
static void
test_not_links (void)
{
  const char *const bad[] = { "", "local.small", "news:%zz", "news:a%00b", "://x" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (OpNewsUri) uri = op_news_uri_parse (bad[i]);

      g_test_message ("%s", bad[i]);
      g_assert_null (uri);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/news-uri/links", test_links);
  g_test_add_func ("/news-uri/not-links", test_not_links);
  return g_test_run ();
}
