/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-news-draft"

#include "config.h"

#include <string.h>

#include "news/op-news-draft.h"
#include "op-mime.h"
#include "op-mime-message.h"

/*
 * Articles written in the News view: a follow-up's groups (Followup-To honoured,
 * "poster" turned into a mail address), "Re:" once, References and the quoted text;
 * the article for POST with its headers checked; Usenet wrapping.
 */

static GBytes *
article (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

static const char parent[]
    = "From: Ann Example <ann@example.test>\r\n"
      "Newsgroups: local.test,local.other\r\n"
      "Subject: Threads in INN\r\n"
      "Message-ID: <child@example.test>\r\n"
      "References: <root@example.test>\r\n"
      "Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n"
      "\r\n"
      "First line.\r\n"
      "> quoted before\r\n"
      "\r\n"
      "-- \r\n"
      "Ann, signing\r\n";

static void
test_followup_quotes_and_threads (void)
{
  g_autoptr (GBytes) bytes = article (parent);
  g_autoptr (GError) error = NULL;
  g_autoptr (OpNewsDraft) draft = op_news_draft_new_followup (bytes, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (draft->newsgroups, ==, "local.test,local.other");
  g_assert_cmpstr (draft->subject, ==, "Re: Threads in INN");
  g_assert_nonnull (draft->references);
  g_assert_cmpuint (g_strv_length (draft->references), ==, 2);
  g_assert_cmpstr (draft->references[0], ==, "root@example.test");
  g_assert_cmpstr (draft->references[1], ==, "child@example.test");
  g_assert_true (g_str_has_suffix (draft->body, "\n> First line.\n>> quoted before\n"));
  g_assert_null (strstr (draft->body, "signing"));
  g_assert_nonnull (strstr (draft->body, "Ann Example"));
  g_assert_cmpstr (draft->reply_to, ==, "ann@example.test");
  g_assert_false (draft->to_poster);
}

static void
test_followup_to_honoured (void)
{
  g_autofree char *text = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GBytes) poster_bytes = NULL;
  g_autoptr (OpNewsDraft) draft = NULL;
  g_autoptr (OpNewsDraft) poster = NULL;
  g_autofree char *poster_text = NULL;

  text = g_strconcat ("Followup-To: local.other\r\n", parent, NULL);
  bytes = article (text);
  draft = op_news_draft_new_followup (bytes, NULL);
  g_assert_cmpstr (draft->newsgroups, ==, "local.other");

  /* "Re:" is not doubled, and "poster" asks for a mail to the Reply-To. */
  {
    GString *edited = g_string_new (parent);

    g_string_replace (edited, "Subject: Threads", "Subject: RE: Threads", 1);
    g_string_prepend (edited, "Followup-To: Poster\r\nReply-To: ann@mail.example.test\r\n");
    poster_text = g_string_free (edited, FALSE);
  }
  poster_bytes = article (poster_text);
  poster = op_news_draft_new_followup (poster_bytes, NULL);
  g_assert_true (poster->to_poster);
  g_assert_cmpstr (poster->reply_to, ==, "ann@mail.example.test");
  g_assert_cmpstr (poster->newsgroups, ==, "local.test,local.other");
  g_assert_cmpstr (poster->subject, ==, "RE: Threads in INN");
}

static void
test_article_for_post (void)
{
  g_autoptr (GBytes) bytes = article (parent);
  g_autoptr (OpNewsDraft) draft = op_news_draft_new_followup (bytes, NULL);
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *message_id = NULL;
  g_autoptr (OpMimeMessage) parsed = NULL;
  g_autofree char *newsgroups = NULL;
  g_autofree char *followup_to = NULL;
  g_autofree char *in_reply_to = NULL;
  g_autofree char *to = NULL;
  g_autofree char *text = NULL;

  g_free (draft->from);
  draft->from = g_strdup ("Bob Poster <bob@example.test>");
  g_free (draft->newsgroups);
  draft->newsgroups = g_strdup (" local.test , local.other ");
  draft->followup_to = g_strdup ("local.test");
  out = op_news_draft_to_article (draft, &message_id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message_id);
  g_assert_true (message_id[0] == '<');

  text = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  g_assert_nonnull (strstr (text, "\r\n\r\n"));
  parsed = op_mime_message_parse_bytes (out, NULL, &error);
  g_assert_no_error (error);
  newsgroups = op_mime_message_dup_header (parsed, "Newsgroups");
  followup_to = op_mime_message_dup_header (parsed, "Followup-To");
  to = op_mime_message_dup_header (parsed, "To");
  g_assert_cmpstr (newsgroups, ==, "local.test,local.other");
  g_assert_cmpstr (followup_to, ==, "local.test");
  g_assert_null (to);
  g_assert_cmpstr (op_mime_message_get_subject (parsed), ==, "Re: Threads in INN");
  g_assert_cmpstr (op_mime_message_get_references (parsed)[0], ==, "root@example.test");
  g_assert_cmpstr (op_mime_message_get_references (parsed)[1], ==, "child@example.test");
  g_assert_nonnull (strstr (text, message_id));
  g_assert_nonnull (strstr (op_mime_message_get_text (parsed), "> First line."));
}

static void
test_article_refuses_bad_fields (void)
{
  g_autoptr (OpNewsDraft) draft = op_news_draft_new ("local.test");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) out = NULL;

  draft->from = (g_free (draft->from), g_strdup ("bob"));
  g_free (draft->subject);
  draft->subject = g_strdup ("Hello");
  out = op_news_draft_to_article (draft, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_ADDRESS);
  g_assert_nonnull (strstr (error->message, "bob"));
  g_clear_error (&error);

  draft->from = (g_free (draft->from), g_strdup ("Bob <bob@example.test>"));
  draft->newsgroups = (g_free (draft->newsgroups), g_strdup ("local.test,bad group*"));
  out = op_news_draft_to_article (draft, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER);
  g_assert_nonnull (strstr (error->message, "bad group*"));
  g_assert_nonnull (strstr (error->message, "Newsgroups"));
  g_clear_error (&error);

  draft->newsgroups = (g_free (draft->newsgroups), g_strdup (" , "));
  out = op_news_draft_to_article (draft, NULL, &error);
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INCOMPLETE);
  g_clear_error (&error);

  draft->newsgroups = (g_free (draft->newsgroups), g_strdup ("local.test"));
  draft->subject = (g_free (draft->subject), g_strdup ("  "));
  out = op_news_draft_to_article (draft, NULL, &error);
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INCOMPLETE);
  g_assert_nonnull (strstr (error->message, "subject"));
  g_clear_error (&error);

  /* A reference that is not a Message-ID (from a hostile article) stops the post. */
  draft->subject = (g_free (draft->subject), g_strdup ("Hello"));
  draft->references = g_strsplit ("root@example.test|bad id@example.test", "|", -1);
  out = op_news_draft_to_article (draft, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER);
  g_assert_nonnull (strstr (error->message, "“bad id@example.test” is not a Message-ID"));
  g_clear_error (&error);
  g_clear_pointer (&draft->references, g_strfreev);

  /* No header injection through the subject. */
  draft->subject = (g_free (draft->subject), g_strdup ("Hi\r\nNewsgroups: alt.evil"));
  out = op_news_draft_to_article (draft, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER);
}

static void
test_mailto (void)
{
  g_autoptr (GBytes) bytes = article (parent);
  g_autoptr (OpNewsDraft) draft = op_news_draft_new_followup (bytes, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = op_news_draft_to_mailto (draft);
  g_autoptr (GUri) parsed = NULL;
  g_autoptr (GHashTable) params = NULL;
  g_autoptr (OpNewsDraft) empty = op_news_draft_new ("local.test");

  g_assert_true (g_str_has_prefix (uri, "mailto:ann@example.test?subject=Re%3A%20Threads%20in%20INN&"));
  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY, &error);
  g_assert_no_error (error);
  params = g_uri_parse_params (g_uri_get_query (parsed), -1, "&", G_URI_PARAMS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (params, "In-Reply-To"), ==, "<child@example.test>");
  g_assert_cmpstr (g_hash_table_lookup (params, "body"), ==, draft->body);
  g_assert_null (op_news_draft_to_mailto (empty));
}

static void
test_wrap (void)
{
  g_autofree char *plain = op_news_draft_wrap ("one two three four", 9);
  g_autofree char *quoted = op_news_draft_wrap ("> one two three four\n-- \nfive six seven", 9);
  g_autofree char *url = op_news_draft_wrap ("see https://example.test/a/very/long/path ok", 9);
  g_autofree char *cjk = op_news_draft_wrap ("中文 中文 中文 中文", 5);

  g_assert_cmpstr (plain, ==, "one two\nthree\nfour");
  g_assert_cmpstr (quoted, ==, "> one two three four\n-- \nfive six\nseven");
  g_assert_cmpstr (url, ==, "see\nhttps://example.test/a/very/long/path\nok");
  g_assert_cmpstr (cjk, ==, "中文 中文\n中文 中文");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  op_mime_init ();

  g_test_add_func ("/news/draft/followup/quotes-and-threads", test_followup_quotes_and_threads);
  g_test_add_func ("/news/draft/followup/followup-to", test_followup_to_honoured);
  g_test_add_func ("/news/draft/article/for-post", test_article_for_post);
  g_test_add_func ("/news/draft/article/refuses-bad-fields", test_article_refuses_bad_fields);
  g_test_add_func ("/news/draft/mailto", test_mailto);
  g_test_add_func ("/news/draft/wrap", test_wrap);
  return g_test_run ();
}
