/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-nntp-client-inn"

#include "config.h"

#include <string.h>

#include "op-test-async.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"
#include "test-nntp-common.h"

/*
 * OpNntpClient against the INN of tests/servers/inn.sh, every operation it supports
 * (Python's nntplib API as the checklist): the session over plain NNTP, STARTTLS and
 * implicit TLS; CAPABILITIES, DATE, HELP, QUIT; LIST ACTIVE [wildmat], LIST NEWSGROUPS,
 * LIST OVERVIEW.FMT, LIST ACTIVE.TIMES, NEWGROUPS, GROUP, LISTGROUP [range]; OVER in
 * batches through OVERVIEW.FMT (Xref:full), HDR, ARTICLE/HEAD/BODY/STAT by number and
 * Message-ID, NEXT, LAST, NEWNEWS; AUTHINFO USER/PASS (and INN's refusal of SASL PLAIN
 * for a user its SASL database does not know); POST then read back; the refusals with
 * the server's text (480 before login, 441 for a bad From); COMPRESS DEFLATE.
 */

#define TIMEOUT 10

typedef struct
{
  const char *host;
  guint16     port;
  guint16     tls_port;
  const char *ca;
  const char *user;
  const char *password;
  const char *group;
  const char *empty_group;
  const char *post_group;
} Endpoint;

/* tests/data/nntp/inn-seed/, in article-number order. */
static const struct
{
  const char *message_id;
  const char *references;
  const char *subject;
} fixtures[] = {
  { "<root.1@outpost.example.test>", "", "Threading fixture" },
  { "<reply.2@outpost.example.test>", "<root.1@outpost.example.test>", "Re: Threading fixture" },
  { "<reply.3@outpost.example.test>", "<root.1@outpost.example.test> <reply.2@outpost.example.test>", "Re: Threading fixture" },
  { "<reply.4@outpost.example.test>", "<root.1@outpost.example.test>", "Re: Threading fixture" },
  { "<orphan.5@outpost.example.test>", "<missing.0@outpost.example.test>", "Re: A lost parent" },
  { "<subject.6@outpost.example.test>", "", "Re: Threading fixture" },
  { "<other.7@outpost.example.test>", "", "=?UTF-8?B?5Y+m5LiA5Liq6K+d6aKY?= (another topic)" },
};
#define N_FIXTURES G_N_ELEMENTS (fixtures)

static gboolean
parse_port (const char *variable,
            guint16    *port)
{
  const char *value = op_test_endpoint_env (variable);
  guint64 n = 0;

  if (value == NULL)
    return FALSE;
  g_assert_true (g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT16, &n, NULL));
  *port = n;
  return TRUE;
}

static gboolean
get_endpoint (Endpoint *e)
{
  e->host = op_test_endpoint_env ("OUTPOST_TEST_NEWS_HOST");
  e->ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  e->user = op_test_endpoint_env ("OUTPOST_TEST_INN_USER");
  e->password = op_test_endpoint_env ("OUTPOST_TEST_INN_PASSWORD");
  e->group = op_test_endpoint_env ("OUTPOST_TEST_INN_GROUP");
  e->empty_group = op_test_endpoint_env ("OUTPOST_TEST_INN_EMPTY_GROUP");
  e->post_group = op_test_endpoint_env ("OUTPOST_TEST_INN_POST_GROUP");
  return e->host != NULL && e->ca != NULL && e->user != NULL && e->password != NULL &&
         e->group != NULL && e->empty_group != NULL && e->post_group != NULL &&
         parse_port ("OUTPOST_TEST_INN_PORT", &e->port) &&
         parse_port ("OUTPOST_TEST_INN_TLS_PORT", &e->tls_port);
}

static OpNntpClient *
new_client (const Endpoint *e,
            OpSecurity      security)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpTestVerifier) verifier = op_test_verifier_new_for_ca_file (e->ca, &error);
  OpNntpClient *client;

  g_assert_no_error (error);
  client = op_nntp_client_new (e->host,
                               security == OP_SECURITY_IMPLICIT_TLS ? e->tls_port : e->port,
                               security);
  op_nntp_client_set_verifier (client, OP_TLS_VERIFIER (verifier));
  op_nntp_client_set_timeout (client, TIMEOUT);
  return client;
}

static void
client_group (OpNntpClient *client,
              const char   *group,
              guint64      *count,
              guint64      *low,
              guint64      *high)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  op_nntp_client_group_async (client, group, NULL, op_test_store_result, &result);
  g_assert_true (op_nntp_client_group_finish (client, nntp_test_wait (&result), count, low, high,
                                              &error));
  g_assert_no_error (error);
}

static char *
client_article (OpNntpClient       *client,
                OpNntpArticlePart   part,
                const char         *message_id,
                guint64             number,
                guint64            *r_number,
                char              **r_message_id,
                GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();
  guint64 bytes = 0;

  op_nntp_client_article_async (client, part, message_id, number, output, NULL, NULL, NULL,
                                op_test_store_result, &result);
  if (!op_nntp_client_article_finish (client, nntp_test_wait (&result), r_number, r_message_id,
                                      &bytes, error))
    return NULL;
  g_assert_cmpuint (bytes, ==,
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (output)));
  g_assert_true (g_output_stream_write_all (output, "", 1, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (output, NULL, NULL));
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (output));
}

static gboolean
client_stat (OpNntpClient  *client,
             int            which,   /* 0 STAT, 1 NEXT, 2 LAST */
             const char    *message_id,
             guint64        number,
             guint64       *r_number,
             char         **r_message_id,
             GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (which == 0)
    op_nntp_client_stat_async (client, message_id, number, NULL, op_test_store_result, &result);
  else if (which == 1)
    op_nntp_client_next_async (client, NULL, op_test_store_result, &result);
  else
    op_nntp_client_last_async (client, NULL, op_test_store_result, &result);
  return op_nntp_client_stat_finish (client, nntp_test_wait (&result), r_number, r_message_id,
                                     error);
}

/* --- the session --------------------------------------------------------------------- */

static void
test_session_plain (void)
{
  Endpoint e;
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  if (!get_endpoint (&e))
    return;
  client = new_client (&e, OP_SECURITY_NONE);
  g_assert_true (nntp_connect (client, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (op_nntp_client_get_state (client), ==, OP_NNTP_STATE_READY);
  g_assert_false (op_nntp_client_is_tls (client));
  g_assert_cmpint (op_nntp_client_get_auth_method (client), ==, OP_NNTP_AUTH_NONE);
  /* INN greets anonymous readers with 200: posting is possible after AUTHINFO. */
  g_assert_true (op_nntp_client_get_posting_allowed (client));
  g_assert_nonnull (strstr (op_nntp_client_get_welcome (client), "INN"));
  g_assert_true (op_nntp_client_has_capability (client, "reader"));
  g_assert_true (op_nntp_client_has_capability (client, "OVER"));
  g_assert_true (op_nntp_client_has_capability_arg (client, "LIST", "overview.fmt"));
  g_assert_true (op_nntp_client_has_capability (client, "STARTTLS"));
  /* Offered, but not asked for. */
  g_assert_true (op_nntp_client_has_capability_arg (client, "COMPRESS", "DEFLATE"));
  g_assert_false (op_nntp_client_is_compressed (client));

  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GDateTime) date = NULL;
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

    op_nntp_client_date_async (client, NULL, op_test_store_result, &result);
    date = op_nntp_client_date_finish (client, nntp_test_wait (&result), &error);
    g_assert_no_error (error);
    /* The same machine's clock, a moment apart. */
    g_assert_cmpint (ABS (g_date_time_difference (now, date)), <, 60 * G_TIME_SPAN_SECOND);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autofree char *help = NULL;

    op_nntp_client_help_async (client, NULL, op_test_store_result, &result);
    help = op_nntp_client_help_finish (client, nntp_test_wait (&result), &error);
    g_assert_no_error (error);
    g_assert_nonnull (strstr (help, "OVER"));
    g_assert_nonnull (strstr (help, "LISTGROUP"));
  }
  nntp_quit (client);
}

/* Every listing, and the groups' marks. */
static void
test_lists (void)
{
  Endpoint e;
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  gboolean seen_group = FALSE, seen_empty = FALSE, seen_junk = FALSE;

  if (!get_endpoint (&e))
    return;
  client = new_client (&e, OP_SECURITY_NONE);
  g_assert_true (nntp_connect (client, NULL, NULL, &error));
  g_assert_no_error (error);

  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) all = NULL;

    op_nntp_client_list_active_async (client, NULL, NULL, op_test_store_result, &result);
    all = op_nntp_client_list_active_finish (client, nntp_test_wait (&result), &error);
    g_assert_no_error (error);
    for (guint i = 0; i < all->len; i++)
      {
        OpNntpActive *group = all->pdata[i];

        if (g_str_equal (group->name, "junk"))
          {
            seen_junk = TRUE;
            g_assert_cmpint (group->posting, ==, OP_NNTP_POSTING_FORBIDDEN);
          }
      }
    g_assert_true (seen_junk);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) local = NULL;

    op_nntp_client_list_active_async (client, "local.*", NULL, op_test_store_result, &result);
    local = op_nntp_client_list_active_finish (client, nntp_test_wait (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (local->len, >=, 3);
    for (guint i = 0; i < local->len; i++)
      {
        OpNntpActive *group = local->pdata[i];

        g_assert_true (g_str_has_prefix (group->name, "local."));
        g_assert_cmpint (group->posting, ==, OP_NNTP_POSTING_ALLOWED);
        if (g_str_equal (group->name, e.group))
          {
            seen_group = TRUE;
            g_assert_cmpuint (group->low, ==, 1);
            g_assert_cmpuint (group->high, ==, N_FIXTURES);
          }
        if (g_str_equal (group->name, e.empty_group))
          {
            seen_empty = TRUE;
            g_assert_cmpuint (group->high, <, group->low);
          }
      }
    g_assert_true (seen_group && seen_empty);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GHashTable) descriptions = NULL;

    op_nntp_client_list_newsgroups_async (client, "local.*", NULL, op_test_store_result,
                                          &result);
    descriptions = op_nntp_client_list_newsgroups_finish (client, nntp_test_wait (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (g_hash_table_lookup (descriptions, e.group), ==,
                     "Threaded articles for the Outpost tests.");
  }
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) times = NULL;

    op_nntp_client_list_active_times_async (client, "local.*", NULL, op_test_store_result,
                                            &result);
    times = op_nntp_client_list_active_times_finish (client, nntp_test_wait (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (times->len, >=, 3);
    for (guint i = 0; i < times->len; i++)
      g_assert_cmpint (((OpNntpGroupTime *) times->pdata[i])->created, ==, 1700000000);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_auto(GStrv) lines = NULL;

    op_nntp_client_list_overview_fmt_async (client, NULL, op_test_store_result, &result);
    lines = op_nntp_client_list_overview_fmt_finish (client, nntp_test_wait (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_strv_length (lines), ==, 8);
    g_assert_cmpstr (lines[0], ==, "Subject:");
    g_assert_cmpstr (lines[7], ==, "Xref:full");
  }
  {
    /* The groups were created at 1700000000 (2023-11-14): one second before counts. */
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GDateTime) since = g_date_time_new_from_unix_utc (1700000000 - 1);
    g_autoptr(GDateTime) later = g_date_time_new_from_unix_utc (1700000000 + 3600);
    g_autoptr(GPtrArray) groups = NULL;
    gboolean found = FALSE;

    op_nntp_client_newgroups_async (client, since, NULL, op_test_store_result, &result);
    groups = op_nntp_client_newgroups_finish (client, nntp_test_wait (&result), &error);
    g_assert_no_error (error);
    for (guint i = 0; i < groups->len; i++)
      found |= g_str_equal (((OpNntpActive *) groups->pdata[i])->name, e.group);
    g_assert_true (found);
    g_clear_pointer (&groups, g_ptr_array_unref);
    g_clear_object (&result);
    op_nntp_client_newgroups_async (client, later, NULL, op_test_store_result, &result);
    groups = op_nntp_client_newgroups_finish (client, nntp_test_wait (&result), &error);
    g_assert_no_error (error);
    for (guint i = 0; i < groups->len; i++)
      g_assert_false (g_str_equal (((OpNntpActive *) groups->pdata[i])->name, e.group));
  }
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GDateTime) since = g_date_time_new_utc (2000, 1, 1, 0, 0, 0);
    g_autoptr(GPtrArray) ids = NULL;

    op_nntp_client_newnews_async (client, e.group, since, NULL, op_test_store_result, &result);
    ids = op_nntp_client_newnews_finish (client, nntp_test_wait (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ids->len, ==, N_FIXTURES);
    for (guint i = 0; i < N_FIXTURES; i++)
      g_assert_cmpstr (ids->pdata[i], ==, fixtures[i].message_id);
  }
  {
    /* A wildmat with a space is refused before it is sent. */
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) none = NULL;

    op_nntp_client_list_active_async (client, "local.* junk", NULL, op_test_store_result,
                                      &result);
    none = op_nntp_client_list_active_finish (client, nntp_test_wait (&result), &error);
    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_INVALID_ARGUMENT);
    g_assert_null (none);
    g_clear_error (&error);
    op_test_spin_pending ();
    g_assert_cmpint (op_nntp_client_get_state (client), ==, OP_NNTP_STATE_READY);
  }
  nntp_quit (client);
}

/* GROUP, LISTGROUP, OVER in batches through OVERVIEW.FMT, HDR, and an empty range. */
static void
test_group_and_over (void)
{
  Endpoint e;
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  NntpBatches batches = { NULL, };
  guint64 count = 0, low = 0, high = 0;
  int xref;

  if (!get_endpoint (&e))
    return;
  client = new_client (&e, OP_SECURITY_NONE);
  g_assert_true (nntp_connect (client, NULL, NULL, &error));
  g_assert_no_error (error);

  client_group (client, e.group, &count, &low, &high);
  g_assert_cmpuint (count, ==, N_FIXTURES);
  g_assert_cmpuint (low, ==, 1);
  g_assert_cmpuint (high, ==, N_FIXTURES);

  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GArray) numbers = NULL;

    op_nntp_client_listgroup_async (client, e.group, 0, 0, NULL, op_test_store_result, &result);
    numbers = op_nntp_client_listgroup_finish (client, nntp_test_wait (&result), &count, &low,
                                               &high, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (numbers->len, ==, N_FIXTURES);
    for (guint i = 0; i < numbers->len; i++)
      g_assert_cmpuint (g_array_index (numbers, guint64, i), ==, i + 1);
    g_clear_pointer (&numbers, g_array_unref);
    g_clear_object (&result);
    op_nntp_client_listgroup_async (client, e.group, 2, 5, NULL, op_test_store_result, &result);
    numbers = op_nntp_client_listgroup_finish (client, nntp_test_wait (&result), NULL, NULL, NULL,
                                               &error);
    g_assert_no_error (error);
    g_assert_cmpuint (numbers->len, ==, 4);
    g_assert_cmpuint (g_array_index (numbers, guint64, 0), ==, 2);
    g_assert_cmpuint (g_array_index (numbers, guint64, 3), ==, 5);
  }

  g_assert_true (nntp_over (client, 1, G_MAXUINT64, &batches, NULL, &count, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, N_FIXTURES);
  g_assert_cmpuint (batches.overviews->len, ==, N_FIXTURES);
  g_assert_cmpuint (batches.n_batches, ==, 1);
  xref = -1;
  for (guint i = 0; batches.extra_names[i] != NULL; i++)
    if (g_str_equal (batches.extra_names[i], "Xref"))
      xref = i;
  g_assert_cmpint (xref, >=, 0);
  for (guint i = 0; i < N_FIXTURES; i++)
    {
      OpNntpOverview *ov = batches.overviews->pdata[i];
      g_autofree char *xref_suffix = g_strdup_printf (" %s:%u", e.group, i + 1);

      g_assert_cmpuint (ov->number, ==, i + 1);
      g_assert_cmpstr (ov->message_id, ==, fixtures[i].message_id);
      g_assert_cmpstr (ov->references, ==, fixtures[i].references);
      g_assert_cmpstr (ov->subject, ==, fixtures[i].subject);
      g_assert_cmpuint (ov->bytes, >, 0);
      g_assert_cmpuint (ov->lines, >=, 1);
      /* "Xref:full": the field's header name is removed. */
      g_assert_false (g_str_has_prefix (ov->extra[xref], "Xref:"));
      g_assert_true (g_str_has_suffix (ov->extra[xref], xref_suffix));
    }
  nntp_batches_clear (&batches);

  /* A range beyond the group is empty, not an error. */
  g_assert_true (nntp_over (client, high + 100, G_MAXUINT64, &batches, NULL, &count, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 0);
  g_assert_cmpuint (batches.n_batches, ==, 0);
  nntp_batches_clear (&batches);

  {
    /* INN does not support OVER by Message-ID (503). */
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(OpNntpOverview) ov = NULL;

    op_nntp_client_over_message_id_async (client, fixtures[0].message_id, NULL,
                                          op_test_store_result, &result);
    ov = op_nntp_client_over_message_id_finish (client, nntp_test_wait (&result), NULL, &error);
    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_UNSUPPORTED);
    g_assert_null (ov);
    g_clear_error (&error);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) values = NULL;

    op_nntp_client_hdr_async (client, "References", NULL, 1, N_FIXTURES, NULL,
                              op_test_store_result, &result);
    values = op_nntp_client_hdr_finish (client, nntp_test_wait (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (values->len, ==, N_FIXTURES);
    for (guint i = 0; i < N_FIXTURES; i++)
      {
        OpNntpHeaderValue *v = values->pdata[i];

        g_assert_cmpuint (v->number, ==, i + 1);
        g_assert_cmpstr (v->value, ==, fixtures[i].references);
      }
    g_clear_pointer (&values, g_ptr_array_unref);
    g_clear_object (&result);
    op_nntp_client_hdr_async (client, "Subject", fixtures[4].message_id, 0, 0, NULL,
                              op_test_store_result, &result);
    values = op_nntp_client_hdr_finish (client, nntp_test_wait (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (values->len, ==, 1);
    g_assert_cmpuint (((OpNntpHeaderValue *) values->pdata[0])->number, ==, 0);
    g_assert_cmpstr (((OpNntpHeaderValue *) values->pdata[0])->value, ==, fixtures[4].subject);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;

    op_nntp_client_group_async (client, "local.does-not-exist", NULL, op_test_store_result,
                                &result);
    g_assert_false (op_nntp_client_group_finish (client, nntp_test_wait (&result), NULL, NULL, NULL,
                                                 &error));
    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_GROUP);
    g_clear_error (&error);
  }
  nntp_quit (client);
}

/* ARTICLE, HEAD, BODY and STAT by number and Message-ID; NEXT and LAST; over implicit
 * TLS. */
static void
test_articles_implicit_tls (void)
{
  Endpoint e;
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  guint64 number = 0;

  if (!get_endpoint (&e))
    return;
  client = new_client (&e, OP_SECURITY_IMPLICIT_TLS);
  g_assert_true (nntp_connect (client, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (op_nntp_client_is_tls (client));
  g_assert_nonnull (op_nntp_client_get_peer_certificate (client));
  g_assert_false (op_nntp_client_has_capability (client, "STARTTLS"));

  {
    g_autofree char *message_id = NULL;
    g_autofree char *text = client_article (client, OP_NNTP_ARTICLE_WHOLE, fixtures[0].message_id,
                                            0, &number, &message_id, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (number, ==, 0);
    g_assert_cmpstr (message_id, ==, fixtures[0].message_id);
    g_assert_true (g_str_has_prefix (text, "Path: ") || strstr (text, "\r\nMessage-ID: ") != NULL);
    g_assert_nonnull (strstr (text, "\r\n\r\n"));
    /* Dot-unstuffed, CRLF line ends. */
    g_assert_nonnull (strstr (text, "\r\n.A line that starts with a dot (dot-stuffed on the "
                                    "wire).\r\n"));
    g_assert_null (strstr (text, "\r\n..A line"));
    g_assert_true (g_str_has_suffix (text, "\r\n"));
  }

  client_group (client, e.group, NULL, NULL, NULL);
  {
    g_autofree char *message_id = NULL;
    g_autofree char *head = client_article (client, OP_NNTP_ARTICLE_HEAD, NULL, 2, &number,
                                            &message_id, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (number, ==, 2);
    g_assert_cmpstr (message_id, ==, fixtures[1].message_id);
    g_assert_nonnull (strstr (head, "Subject: Re: Threading fixture\r\n"));
    g_assert_null (strstr (head, "\r\n\r\n"));
  }
  {
    g_autofree char *body = client_article (client, OP_NNTP_ARTICLE_BODY, NULL, 1, &number,
                                            NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (number, ==, 1);
    g_assert_null (strstr (body, "Message-ID:"));
    g_assert_nonnull (strstr (body, ".A line that starts with a dot"));
  }
  {
    g_autofree char *message_id = NULL;

    /* STAT by number makes it current; NEXT and LAST move from there. */
    g_assert_true (client_stat (client, 0, NULL, 3, &number, &message_id, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (number, ==, 3);
    g_assert_cmpstr (message_id, ==, fixtures[2].message_id);
    g_clear_pointer (&message_id, g_free);
    g_assert_true (client_stat (client, 1, NULL, 0, &number, &message_id, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (number, ==, 4);
    g_assert_cmpstr (message_id, ==, fixtures[3].message_id);
    g_clear_pointer (&message_id, g_free);
    g_assert_true (client_stat (client, 2, NULL, 0, &number, &message_id, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (number, ==, 3);
    g_clear_pointer (&message_id, g_free);
    g_assert_true (client_stat (client, 0, fixtures[6].message_id, 0, &number, &message_id,
                                &error));
    g_assert_no_error (error);
    g_assert_cmpstr (message_id, ==, fixtures[6].message_id);
  }
  {
    /* The body of the current article (0): number 3, after LAST. */
    g_autofree char *body = client_article (client, OP_NNTP_ARTICLE_BODY, NULL, 0, &number,
                                            NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (number, ==, 3);
  }
  {
    g_autofree char *none = client_article (client, OP_NNTP_ARTICLE_WHOLE,
                                            "<no.such.article@outpost.example.test>", 0, NULL,
                                            NULL, &error);

    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_ARTICLE);
    g_assert_null (none);
    g_clear_error (&error);
    g_assert_false (client_stat (client, 0, NULL, 999, NULL, NULL, &error));
    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_ARTICLE);
    g_clear_error (&error);
  }
  {
    /* NEXT after the last article. */
    g_assert_true (client_stat (client, 0, NULL, N_FIXTURES, NULL, NULL, &error));
    g_assert_false (client_stat (client, 1, NULL, 0, NULL, NULL, &error));
    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_ARTICLE);
    g_clear_error (&error);
  }
  op_test_spin_pending ();
  g_assert_cmpint (op_nntp_client_get_state (client), ==, OP_NNTP_STATE_READY);
  nntp_quit (client);
}

/* STARTTLS, AUTHINFO USER/PASS, POST, and the article read back by its Message-ID and
 * through OVER of the group it went to. */
static void
test_starttls_login_post (void)
{
  Endpoint e;
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id_part = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
  g_autofree char *message_id = g_strdup_printf ("<post.%s@outpost.example.test>", id_part);
  g_autofree char *subject = g_strdup_printf ("Client test %s", id_part);
  g_autofree char *article = NULL;
  NntpBatches batches = { NULL, };
  guint64 count = 0, low = 0, high = 0;
  gboolean found = FALSE;

  if (!get_endpoint (&e))
    return;
  /* LF line ends and lines that start with dots: the filters make CRLF and stuff them. */
  article = g_strdup_printf ("From: Tester <tester@example.test>\n"
                             "Newsgroups: %s\n"
                             "Subject: %s\n"
                             "Message-ID: %s\n"
                             "\n"
                             "First line.\n"
                             ".\n"
                             "..two dots\n"
                             ".one dot\n"
                             "Last line without a line end",
                             e.post_group, subject, message_id);

  client = new_client (&e, OP_SECURITY_STARTTLS);
  g_assert_true (nntp_connect (client, e.user, e.password, &error));
  g_assert_no_error (error);
  g_assert_true (op_nntp_client_is_tls (client));
  g_assert_cmpint (op_nntp_client_get_auth_method (client), ==, OP_NNTP_AUTH_USER_PASS);
  /* Asked again after TLS and after the login. */
  g_assert_false (op_nntp_client_has_capability (client, "STARTTLS"));
  g_assert_true (op_nntp_client_has_capability (client, "READER"));

  g_assert_true (nntp_post (client, article, &error));
  g_assert_no_error (error);

  {
    g_autofree char *text = NULL;
    g_autofree char *r_message_id = NULL;

    text = client_article (client, OP_NNTP_ARTICLE_BODY, message_id, 0, NULL, &r_message_id,
                           &error);
    g_assert_no_error (error);
    g_assert_cmpstr (r_message_id, ==, message_id);
    g_assert_cmpstr (text, ==, "First line.\r\n.\r\n..two dots\r\n.one dot\r\n"
                               "Last line without a line end\r\n");
  }

  client_group (client, e.post_group, &count, &low, &high);
  g_assert_cmpuint (high, >=, 1);
  g_assert_true (nntp_over (client, 1, G_MAXUINT64, &batches, NULL, &count, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < batches.overviews->len; i++)
    {
      OpNntpOverview *ov = batches.overviews->pdata[i];

      if (g_str_equal (ov->message_id, message_id))
        {
          found = TRUE;
          g_assert_cmpstr (ov->subject, ==, subject);
          g_assert_cmpstr (ov->from, ==, "Tester <tester@example.test>");
        }
    }
  g_assert_true (found);
  nntp_batches_clear (&batches);

  /* INN refuses a From whose domain has no dot: 441 with its reason. */
  {
    g_autofree char *bad = g_strdup_printf ("From: tester@localhost\n"
                                            "Newsgroups: %s\n"
                                            "Subject: %s (bad From)\n"
                                            "\n"
                                            "Body.\n", e.post_group, subject);

    g_assert_false (nntp_post (client, bad, &error));
    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_POSTING_FAILED);
    g_assert_nonnull (strstr (error->message, "441"));
    g_clear_error (&error);
    op_test_spin_pending ();
    g_assert_cmpint (op_nntp_client_get_state (client), ==, OP_NNTP_STATE_READY);
  }
  nntp_quit (client);
}

/* Posting before a login: 480, with the server's text. */
static void
test_post_needs_login (void)
{
  Endpoint e;
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *article = NULL;

  if (!get_endpoint (&e))
    return;
  article = g_strdup_printf ("From: Tester <tester@example.test>\nNewsgroups: %s\n"
                             "Subject: not logged in\n\nBody.\n", e.post_group);
  client = new_client (&e, OP_SECURITY_STARTTLS);
  g_assert_true (nntp_connect (client, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (nntp_post (client, article, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_AUTH_REQUIRED);
  g_assert_nonnull (strstr (error->message, "480"));
  nntp_quit (client);
}

static void
test_login_refusals (void)
{
  Endpoint e;
  g_autoptr(GError) error = NULL;

  if (!get_endpoint (&e))
    return;
  {
    g_autoptr(OpNntpClient) client = new_client (&e, OP_SECURITY_STARTTLS);

    g_assert_false (nntp_connect (client, e.user, "not-the-password", &error));
    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_AUTH_FAILED);
    g_assert_nonnull (strstr (error->message, "481"));
    g_clear_error (&error);
    g_assert_cmpint (op_nntp_client_get_state (client), ==, OP_NNTP_STATE_DISCONNECTED);
  }
  {
    /* INN offers SASL PLAIN through Cyrus SASL, whose database does not know the
     * ckpasswd user: the exchange runs and its refusal is mapped. */
    g_autoptr(OpNntpClient) client = new_client (&e, OP_SECURITY_IMPLICIT_TLS);

    op_nntp_client_set_auth_method (client, OP_NNTP_AUTH_SASL_PLAIN);
    g_assert_false (nntp_connect (client, e.user, e.password, &error));
    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_AUTH_FAILED);
    g_assert_nonnull (strstr (error->message, "AUTHINFO SASL"));
    g_clear_error (&error);
  }
  {
    /* No TLS and no opt-in: refused before connecting. */
    g_autoptr(OpNntpClient) client = new_client (&e, OP_SECURITY_NONE);

    g_assert_false (nntp_connect (client, e.user, e.password, &error));
    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_PLAINTEXT_REFUSED);
    g_clear_error (&error);
  }
  {
    /* With the opt-in the login works in plain text too. */
    g_autoptr(OpNntpClient) client = new_client (&e, OP_SECURITY_NONE);

    op_nntp_client_set_allow_plaintext_password (client, TRUE);
    g_assert_true (nntp_connect (client, e.user, e.password, &error));
    g_assert_no_error (error);
    g_assert_cmpint (op_nntp_client_get_auth_method (client), ==, OP_NNTP_AUTH_USER_PASS);
    nntp_quit (client);
  }
}

/* COMPRESS DEFLATE (RFC 8054) after the login over TLS: every command and reply after it
 * is deflated (INN would not understand a plain command), and the listings, OVER and
 * an article read back as without it. */
static void
test_compress_deflate (void)
{
  Endpoint e;
  g_autoptr(OpNntpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  NntpBatches batches = { NULL, };
  guint64 count = 0;

  if (!get_endpoint (&e))
    return;
  client = new_client (&e, OP_SECURITY_IMPLICIT_TLS);
  op_nntp_client_set_compress (client, TRUE);
  g_assert_true (nntp_connect (client, e.user, e.password, &error));
  g_assert_no_error (error);
  g_assert_true (op_nntp_client_is_compressed (client));

  client_group (client, e.group, &count, NULL, NULL);
  g_assert_cmpuint (count, ==, N_FIXTURES);
  g_assert_true (nntp_over (client, 1, N_FIXTURES, &batches, NULL, &count, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, N_FIXTURES);
  for (guint i = 0; i < N_FIXTURES; i++)
    g_assert_cmpstr (((OpNntpOverview *) batches.overviews->pdata[i])->message_id, ==,
                     fixtures[i].message_id);
  nntp_batches_clear (&batches);
  {
    g_autofree char *text = client_article (client, OP_NNTP_ARTICLE_BODY,
                                            fixtures[0].message_id, 0, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (strstr (text, "\r\n.A line that starts with a dot"));
  }
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) active = NULL;

    op_nntp_client_list_active_async (client, NULL, NULL, op_test_store_result, &result);
    active = op_nntp_client_list_active_finish (client, nntp_test_wait (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (active->len, >=, 6);
  }
  nntp_quit (client);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/nntp/client/inn/session-plain", test_session_plain);
  g_test_add_func ("/nntp/client/inn/lists", test_lists);
  g_test_add_func ("/nntp/client/inn/group-and-over", test_group_and_over);
  g_test_add_func ("/nntp/client/inn/articles-implicit-tls", test_articles_implicit_tls);
  g_test_add_func ("/nntp/client/inn/starttls-login-post-read-back", test_starttls_login_post);
  g_test_add_func ("/nntp/client/inn/post-needs-login", test_post_needs_login);
  g_test_add_func ("/nntp/client/inn/login-refusals", test_login_refusals);
  g_test_add_func ("/nntp/client/inn/compress-deflate", test_compress_deflate);

  return op_test_run ();
}
