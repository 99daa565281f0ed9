/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-nntp-inn"

#include "config.h"

#include <string.h>

#include "nntp/op-nntp-error.h"
#include "nntp/op-nntp-list.h"
#include "nntp/op-nntp-overview.h"
#include "nntp/op-nntp-reply.h"
#include "op-test-fixtures.h"

/*
 * The INN started by tests/servers/inn.sh, spoken to with plain GIO streams and the
 * pure NNTP parsers only (the NNTP client builds on OpSession and has tests of its own):
 * both reader endpoints greet, STARTTLS and implicit TLS verify against the test CA,
 * CAPABILITIES, LIST OVERVIEW.FMT, GROUP and OVER give the threaded fixtures with their
 * Message-IDs and References, LIST ACTIVE / NEWSGROUPS / ACTIVE.TIMES, HDR, NEWNEWS and
 * ARTICLE (dot-unstuffed) parse, and refusals map to the right OP_NNTP_ERROR codes.
 */

#define TIMEOUT_SECONDS 10

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
} Endpoint;

typedef struct
{
  GIOStream        *stream;    /* the socket connection, or TLS over it */
  GDataInputStream *in;
  GOutputStream    *out;
} Session;

static gboolean
parse_port (const char *variable,
            guint16    *port)
{
  const char *value = op_test_endpoint_env (variable);
  guint64 n = 0;

  if (value == NULL)
    return FALSE;
  if (!g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT16, &n, NULL))
    {
      g_test_fail_printf ("%s is not a port number: “%s”", variable, value);
      return FALSE;
    }
  *port = n;
  return TRUE;
}

static gboolean
get_endpoint (Endpoint *endpoint)
{
  endpoint->host = op_test_endpoint_env ("OUTPOST_TEST_NEWS_HOST");
  endpoint->ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  endpoint->user = op_test_endpoint_env ("OUTPOST_TEST_INN_USER");
  endpoint->password = op_test_endpoint_env ("OUTPOST_TEST_INN_PASSWORD");
  endpoint->group = op_test_endpoint_env ("OUTPOST_TEST_INN_GROUP");
  endpoint->empty_group = op_test_endpoint_env ("OUTPOST_TEST_INN_EMPTY_GROUP");
  return endpoint->host != NULL && endpoint->ca != NULL && endpoint->user != NULL &&
         endpoint->password != NULL && endpoint->group != NULL &&
         endpoint->empty_group != NULL && parse_port ("OUTPOST_TEST_INN_PORT", &endpoint->port) &&
         parse_port ("OUTPOST_TEST_INN_TLS_PORT", &endpoint->tls_port);
}

static void
session_set_stream (Session   *session,
                    GIOStream *stream)
{
  g_clear_object (&session->in);
  g_clear_object (&session->stream);
  session->stream = stream;
  session->in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  g_data_input_stream_set_newline_type (session->in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (session->in), FALSE);
  session->out = g_io_stream_get_output_stream (stream);
}

static void
session_clear (Session *session)
{
  if (session->stream != NULL)
    g_io_stream_close (session->stream, NULL, NULL);
  g_clear_object (&session->in);
  g_clear_object (&session->stream);
}

/* Wraps the session's stream in TLS, verified against the test CA only. */
static void
session_start_tls (Session        *session,
                   const Endpoint *endpoint)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (endpoint->ca, &error);
  g_autoptr(GSocketConnectable) identity = g_network_address_new ("localhost", endpoint->port);
  g_autoptr(GIOStream) base = g_object_ref (session->stream);
  GIOStream *tls;

  g_assert_no_error (error);
  tls = g_tls_client_connection_new (base, identity, &error);
  g_assert_no_error (error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
  g_assert_true (g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_tls_connection_get_peer_certificate_errors (G_TLS_CONNECTION (tls)), ==, 0);
  session_set_stream (session, tls);
}

static char *
read_line (Session *session,
           gsize   *length)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line (session->in, length, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_cmpuint (*length, <=, OP_NNTP_MAX_LIST_LINE + 1);
  if (*length > 0 && line[*length - 1] == '\r')
    line[--*length] = '\0';
  return line;
}

static OpNntpReply *
read_reply (Session *session)
{
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  g_autofree char *line = read_line (session, &length);
  OpNntpReply *reply = op_nntp_reply_parse (line, length, &error);

  g_assert_no_error (error);
  return reply;
}

/* The lines of the multi-line block that follows, dot-unstuffed. */
static GPtrArray *
read_block (Session *session)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  for (;;)
    {
      gsize length = 0;
      g_autofree char *line = read_line (session, &length);
      gboolean is_end = FALSE;
      const char *text = NULL;
      gsize text_length = 0;

      op_nntp_unstuff_line (line, length, &is_end, &text, &text_length);
      if (is_end)
        return lines;
      g_ptr_array_add (lines, g_strndup (text, text_length));
    }
}

/* Sends COMMAND CRLF and reads the status line. */
static OpNntpReply *
command (Session    *session,
         const char *line)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *wire = g_strconcat (line, "\r\n", NULL);

  g_assert_null (strpbrk (line, "\r\n"));
  g_assert_true (g_output_stream_write_all (session->out, wire, strlen (wire), NULL, NULL, &error));
  g_assert_no_error (error);
  return read_reply (session);
}

/* A command whose success opens a block; returns the block's lines. */
static GPtrArray *
command_block (Session    *session,
               const char *line,
               guint       expected_code)
{
  g_autoptr(OpNntpReply) reply = command (session, line);

  g_assert_cmpuint (reply->code, ==, expected_code);
  g_assert_true (op_nntp_reply_is_multiline (reply, g_str_has_prefix (line, "LISTGROUP")));
  return read_block (session);
}

static gboolean
session_connect (Session        *session,
                 const Endpoint *endpoint,
                 gboolean        implicit_tls)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OpNntpReply) greeting = NULL;
  GSocketConnection *connection;

  g_socket_client_set_timeout (client, TIMEOUT_SECONDS);
  connection = g_socket_client_connect_to_host (client, endpoint->host,
                                                implicit_tls ? endpoint->tls_port : endpoint->port,
                                                NULL, &error);
  g_assert_no_error (error);
  session_set_stream (session, G_IO_STREAM (connection));
  if (implicit_tls)
    session_start_tls (session, endpoint);
  greeting = read_reply (session);
  /* INN greets with 200 even for anonymous readers: posting is possible after AUTHINFO. */
  g_assert_cmpuint (greeting->code, ==, 200);
  g_assert_true (op_nntp_greeting_allows_posting (greeting));
  return TRUE;
}

static void
quit (Session *session)
{
  g_autoptr(OpNntpReply) bye = command (session, "QUIT");

  g_assert_cmpuint (bye->code, ==, 205);
  session_clear (session);
}

static OpNntpCapabilities *
capabilities (Session *session)
{
  g_autoptr(GPtrArray) lines = command_block (session, "CAPABILITIES", 101);
  OpNntpCapabilities *caps = op_nntp_capabilities_new ();

  for (guint i = 0; i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i);

      op_nntp_capabilities_add_line (caps, line, strlen (line));
    }
  return caps;
}

/* --- tests ------------------------------------------------------------------------ */

typedef struct
{
  const char *message_id;
  const char *references;
  const char *subject;
} Fixture;

/* tests/data/nntp/inn-seed/, in article-number order. */
static const Fixture fixtures[] = {
  { "<root.1@outpost.example.test>", "", "Threading fixture" },
  { "<reply.2@outpost.example.test>", "<root.1@outpost.example.test>", "Re: Threading fixture" },
  { "<reply.3@outpost.example.test>", "<root.1@outpost.example.test> <reply.2@outpost.example.test>", "Re: Threading fixture" },
  { "<reply.4@outpost.example.test>", "<root.1@outpost.example.test>", "Re: Threading fixture" },
  { "<orphan.5@outpost.example.test>", "<missing.0@outpost.example.test>", "Re: A lost parent" },
  { "<subject.6@outpost.example.test>", "", "Re: Threading fixture" },
  { "<other.7@outpost.example.test>", "", "=?UTF-8?B?5Y+m5LiA5Liq6K+d6aKY?= (another topic)" },
};

static void
test_group_and_over (void)
{
  Endpoint endpoint;
  Session session = { NULL, };
  g_autoptr(OpNntpCapabilities) caps = NULL;
  g_autoptr(OpNntpOverviewFormat) format = op_nntp_overview_format_new ();
  g_autoptr(GPtrArray) fmt_lines = NULL;
  g_autoptr(GPtrArray) over_lines = NULL;
  g_autoptr(OpNntpReply) group = NULL;
  g_autofree char *group_command = NULL;
  g_autofree char *over_command = NULL;
  g_autofree char *group_name = NULL;
  g_autofree char *range = NULL;
  guint64 count = 0, low = 0, high = 0;
  g_autoptr(GError) error = NULL;

  if (!get_endpoint (&endpoint) || !session_connect (&session, &endpoint, FALSE))
    return;

  caps = capabilities (&session);
  g_assert_cmpuint (op_nntp_capabilities_get_version (caps), ==, 2);
  g_assert_true (op_nntp_capabilities_has (caps, "READER"));
  g_assert_true (op_nntp_capabilities_has (caps, "OVER"));
  g_assert_true (op_nntp_capabilities_has (caps, "STARTTLS"));
  g_assert_true (op_nntp_capabilities_has_arg (caps, "LIST", "OVERVIEW.FMT"));

  fmt_lines = command_block (&session, "LIST OVERVIEW.FMT", 215);
  for (guint i = 0; i < fmt_lines->len; i++)
    {
      const char *line = g_ptr_array_index (fmt_lines, i);

      g_assert_true (op_nntp_overview_format_add_line (format, line, strlen (line), &error));
      g_assert_no_error (error);
    }
  g_assert_true (op_nntp_overview_format_is_complete (format));
  g_assert_cmpint (op_nntp_overview_format_find_extra (format, "Xref"), >=, 0);

  group_command = g_strdup_printf ("GROUP %s", endpoint.group);
  group = command (&session, group_command);
  g_assert_cmpuint (group->code, ==, 211);
  g_assert_true (op_nntp_parse_group_reply (group->text, &count, &low, &high, &group_name, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (group_name, ==, endpoint.group);
  g_assert_cmpuint (count, ==, G_N_ELEMENTS (fixtures));
  g_assert_cmpuint (low, ==, 1);
  g_assert_cmpuint (high, ==, G_N_ELEMENTS (fixtures));

  range = op_nntp_range_format (low, G_MAXUINT64);
  over_command = g_strdup_printf ("OVER %s", range);
  over_lines = command_block (&session, over_command, 224);
  g_assert_cmpuint (over_lines->len, ==, G_N_ELEMENTS (fixtures));
  for (guint i = 0; i < over_lines->len; i++)
    {
      const char *line = g_ptr_array_index (over_lines, i);
      g_autoptr(OpNntpOverview) ov = op_nntp_overview_parse (format, line, strlen (line), &error);
      g_autofree char *xref_suffix = g_strdup_printf (" %s:%u", endpoint.group, i + 1);

      g_assert_no_error (error);
      g_assert_cmpuint (ov->number, ==, i + 1);
      g_assert_cmpstr (ov->message_id, ==, fixtures[i].message_id);
      g_assert_cmpstr (ov->references, ==, fixtures[i].references);
      g_assert_cmpstr (ov->subject, ==, fixtures[i].subject);
      g_assert_cmpuint (ov->bytes, >, 0);
      g_assert_cmpuint (ov->lines, >=, 1);
      g_assert_true (g_str_has_suffix (op_nntp_overview_get_extra (ov, format, "Xref"), xref_suffix));
    }

  /* An empty range is a refusal (423), not an empty block. */
  {
    g_autofree char *beyond = g_strdup_printf ("OVER %" G_GUINT64_FORMAT "-", high + 100);
    g_autoptr(OpNntpReply) none = command (&session, beyond);
    g_autoptr(GError) mapped = NULL;

    g_assert_cmpuint (none->code, ==, 423);
    mapped = op_nntp_error_from_reply (none, "OVER", OP_NNTP_COMMAND_OTHER);
    g_assert_error (mapped, OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_ARTICLE);
  }
  quit (&session);
}

static void
test_lists (void)
{
  Endpoint endpoint;
  Session session = { NULL, };
  g_autoptr(GPtrArray) active = NULL;
  g_autoptr(GPtrArray) newsgroups = NULL;
  g_autoptr(GPtrArray) times = NULL;
  g_autoptr(GPtrArray) hdr = NULL;
  g_autoptr(GPtrArray) newnews = NULL;
  g_autoptr(GPtrArray) listgroup = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *listgroup_command = NULL;
  gboolean seen_group = FALSE, seen_empty = FALSE;

  if (!get_endpoint (&endpoint) || !session_connect (&session, &endpoint, FALSE))
    return;

  active = command_block (&session, "LIST ACTIVE local.*", 215);
  for (guint i = 0; i < active->len; i++)
    {
      const char *line = g_ptr_array_index (active, i);
      g_autoptr(OpNntpActive) group = op_nntp_parse_active_line (line, strlen (line), &error);

      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (group->name, "local."));
      g_assert_cmpint (group->posting, ==, OP_NNTP_POSTING_ALLOWED);
      if (g_str_equal (group->name, endpoint.group))
        {
          seen_group = TRUE;
          g_assert_cmpuint (group->high, ==, G_N_ELEMENTS (fixtures));
          g_assert_cmpuint (group->low, ==, 1);
        }
      if (g_str_equal (group->name, endpoint.empty_group))
        {
          seen_empty = TRUE;
          g_assert_cmpuint (group->high, <, group->low);
        }
    }
  g_assert_true (seen_group && seen_empty);

  newsgroups = command_block (&session, "LIST NEWSGROUPS local.test", 215);
  g_assert_cmpuint (newsgroups->len, ==, 1);
  {
    g_autofree char *name = NULL;
    g_autofree char *description = NULL;
    const char *line = g_ptr_array_index (newsgroups, 0);

    g_assert_true (op_nntp_parse_newsgroups_line (line, strlen (line), &name, &description, &error));
    g_assert_cmpstr (name, ==, "local.test");
    g_assert_cmpstr (description, ==, "Threaded articles for the Outpost tests.");
  }

  times = command_block (&session, "LIST ACTIVE.TIMES local.*", 215);
  g_assert_cmpuint (times->len, >=, 3);
  for (guint i = 0; i < times->len; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *creator = NULL;
      gint64 created = 0;
      const char *line = g_ptr_array_index (times, i);

      g_assert_true (op_nntp_parse_active_times_line (line, strlen (line), &name, &created,
                                                      &creator, &error));
      g_assert_cmpint (created, ==, 1700000000);
    }

  {
    g_autofree char *group_command = g_strdup_printf ("GROUP %s", endpoint.group);
    g_autoptr(OpNntpReply) group = command (&session, group_command);

    g_assert_cmpuint (group->code, ==, 211);
  }
  hdr = command_block (&session, "HDR References 1-7", 225);
  g_assert_cmpuint (hdr->len, ==, G_N_ELEMENTS (fixtures));
  for (guint i = 0; i < hdr->len; i++)
    {
      guint64 number = 0;
      g_autofree char *value = NULL;
      const char *line = g_ptr_array_index (hdr, i);

      g_assert_true (op_nntp_parse_hdr_line (line, strlen (line), &number, &value, &error));
      g_assert_cmpuint (number, ==, i + 1);
      g_assert_cmpstr (value, ==, fixtures[i].references);
    }

  listgroup_command = g_strdup_printf ("LISTGROUP %s 2-5", endpoint.group);
  listgroup = command_block (&session, listgroup_command, 211);
  g_assert_cmpuint (listgroup->len, ==, 4);

  newnews = command_block (&session, "NEWNEWS local.test 20000101 000000 GMT", 230);
  g_assert_cmpuint (newnews->len, ==, G_N_ELEMENTS (fixtures));
  for (guint i = 0; i < newnews->len; i++)
    {
      const char *line = g_ptr_array_index (newnews, i);
      g_autofree char *id = op_nntp_parse_message_id_line (line, strlen (line), &error);

      g_assert_no_error (error);
      g_assert_cmpstr (id, ==, fixtures[i].message_id);
    }

  {
    g_autoptr(OpNntpReply) date = command (&session, "DATE");
    g_autoptr(GDateTime) server_time = NULL;
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

    g_assert_cmpuint (date->code, ==, 111);
    server_time = op_nntp_parse_date_reply (date->text, &error);
    g_assert_no_error (error);
    /* The same machine's clock, a moment apart. */
    g_assert_cmpint (ABS (g_date_time_difference (now, server_time)), <, 60 * G_TIME_SPAN_SECOND);
  }
  quit (&session);
}

static void
test_article_tls (void)
{
  Endpoint endpoint;
  Session session = { NULL, };
  g_autoptr(GPtrArray) article = NULL;
  g_autoptr(OpNntpReply) reply = NULL;
  g_autofree char *group_command = NULL;
  guint64 number = 0;
  g_autofree char *message_id = NULL;
  gboolean in_body = FALSE, seen_dot_line = FALSE;

  if (!get_endpoint (&endpoint) || !session_connect (&session, &endpoint, TRUE))
    return;

  group_command = g_strdup_printf ("GROUP %s", endpoint.group);
  reply = command (&session, group_command);
  g_assert_cmpuint (reply->code, ==, 211);
  g_clear_pointer (&reply, op_nntp_reply_free);

  reply = command (&session, "ARTICLE <root.1@outpost.example.test>");
  g_assert_cmpuint (reply->code, ==, 220);
  g_assert_true (op_nntp_parse_article_reply (reply->text, &number, &message_id, NULL));
  g_assert_cmpstr (message_id, ==, "<root.1@outpost.example.test>");
  article = read_block (&session);
  for (guint i = 0; i < article->len; i++)
    {
      const char *line = g_ptr_array_index (article, i);

      if (in_body && g_str_equal (line, ".A line that starts with a dot (dot-stuffed on the wire)."))
        seen_dot_line = TRUE;
      if (*line == '\0')
        in_body = TRUE;
    }
  g_assert_true (seen_dot_line);
  quit (&session);
}

static void
test_refusals_and_login (void)
{
  Endpoint endpoint;
  Session session = { NULL, };
  g_autoptr(OpNntpCapabilities) caps = NULL;
  g_autoptr(GError) mapped = NULL;
  g_autofree char *user = NULL;
  g_autofree char *pass = NULL;

  if (!get_endpoint (&endpoint) || !session_connect (&session, &endpoint, FALSE))
    return;

  {
    g_autoptr(OpNntpReply) missing = command (&session, "GROUP no.such.group");

    mapped = op_nntp_error_from_reply (missing, "GROUP", OP_NNTP_COMMAND_OTHER);
    g_assert_error (mapped, OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_GROUP);
    g_assert_nonnull (strstr (mapped->message, "411"));
    g_clear_error (&mapped);
  }
  {
    g_autoptr(OpNntpReply) post = command (&session, "POST");

    mapped = op_nntp_error_from_reply (post, "POST", OP_NNTP_COMMAND_POST);
    g_assert_error (mapped, OP_NNTP_ERROR, OP_NNTP_ERROR_AUTH_REQUIRED);
    g_clear_error (&mapped);
  }

  /* STARTTLS: 382, then TLS verified by the test CA; the capabilities change. */
  {
    g_autoptr(OpNntpReply) go = command (&session, "STARTTLS");

    g_assert_cmpuint (go->code, ==, 382);
    /* RFC 4642 §2.2.2: nothing may follow the 382 before the handshake. */
    g_assert_cmpuint (g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (session.in)), ==, 0);
  }
  session_start_tls (&session, &endpoint);
  caps = capabilities (&session);
  g_assert_false (op_nntp_capabilities_has (caps, "STARTTLS"));
  g_assert_true (op_nntp_capabilities_has_arg (caps, "AUTHINFO", "USER"));

  user = g_strdup_printf ("AUTHINFO USER %s", endpoint.user);
  {
    g_autoptr(OpNntpReply) more = command (&session, user);
    g_autoptr(OpNntpReply) refused = NULL;

    g_assert_cmpuint (more->code, ==, 381);
    refused = command (&session, "AUTHINFO PASS not-the-password");
    mapped = op_nntp_error_from_reply (refused, "AUTHINFO PASS", OP_NNTP_COMMAND_AUTH);
    g_assert_error (mapped, OP_NNTP_ERROR, OP_NNTP_ERROR_AUTH_FAILED);
    g_clear_error (&mapped);
  }
  quit (&session);

  /* A fresh connection (INN counts failures per connection) logs in. */
  if (!session_connect (&session, &endpoint, TRUE))
    return;
  pass = g_strdup_printf ("AUTHINFO PASS %s", endpoint.password);
  {
    g_autoptr(OpNntpReply) more = command (&session, user);
    g_autoptr(OpNntpReply) accepted = NULL;
    g_autoptr(OpNntpReply) post = NULL;

    g_assert_cmpuint (more->code, ==, 381);
    accepted = command (&session, pass);
    g_assert_cmpuint (accepted->code, ==, 281);
    post = command (&session, "POST");
    g_assert_cmpuint (post->code, ==, 340);
    /* Nothing is posted: the lone terminator ends an empty article, which INN refuses. */
    {
      g_autoptr(OpNntpReply) refused = command (&session, ".");

      mapped = op_nntp_error_from_reply (refused, "POST", OP_NNTP_COMMAND_POST);
      g_assert_error (mapped, OP_NNTP_ERROR, OP_NNTP_ERROR_POSTING_FAILED);
    }
  }
  quit (&session);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nntp/inn/group-and-over", test_group_and_over);
  g_test_add_func ("/nntp/inn/lists", test_lists);
  g_test_add_func ("/nntp/inn/article-over-implicit-tls", test_article_tls);
  g_test_add_func ("/nntp/inn/refusals-starttls-and-login", test_refusals_and_login);

  return g_test_run ();
}
