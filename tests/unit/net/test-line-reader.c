/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-line-reader"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-connection.h"
#include "op-test-chunked-input-stream.h"

#define HOST "server.test"
#define PORT 21

typedef OpTestStreamFixture Fixture;

/* Reads a line that must succeed and compares it, length included. */
static void
assert_line (OpConnection *connection,
             gsize         max_length,
             const char   *expected,
             gsize         expected_length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  gsize length = G_MAXSIZE;

  line = op_connection_read_line (connection, max_length, &length, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_cmpuint (length, ==, expected_length);
  g_assert_cmpmem (line, length, expected, expected_length);
  g_assert_cmpint (line[length], ==, '\0');
}

static void
assert_closed (OpConnection *connection)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  line = op_connection_read_line (connection, 512, NULL, NULL, &error);
  g_assert_null (line);
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED);
}

static const char split_data[] = "220 first line\r\n230 second\nthird\r\n\r\n";

static void
assert_split_lines (OpConnection *connection)
{
  assert_line (connection, 512, "220 first line", 14);
  assert_line (connection, 512, "230 second", 10);
  assert_line (connection, 512, "third", 5);
  assert_line (connection, 512, "", 0);
  assert_closed (connection);
}

static void
test_split_at_every_byte (void)
{
  gsize size = strlen (split_data);

  /* Two reads, split at each position in turn. */
  for (gsize split = 1; split < size; split++)
    {
      g_autoptr(OpTestChunkedInputStream) input = op_test_chunked_input_stream_new ();
      g_autoptr(GIOStream) stream = op_test_chunked_io_stream_new (input, NULL);
      g_autoptr(OpConnection) connection = NULL;

      op_test_chunked_input_stream_add (input, split_data, split);
      op_test_chunked_input_stream_add (input, split_data + split, size - split);
      connection = op_connection_new_for_stream (stream, HOST, PORT, NULL, NULL);

      assert_split_lines (connection);
    }
}

static void
test_one_byte_per_read (Fixture       *fixture,
                        gconstpointer  user_data)
{
  gsize size = strlen (split_data);

  for (gsize i = 0; i < size; i++)
    op_test_chunked_input_stream_add (fixture->input, split_data + i, 1);

  assert_split_lines (fixture->connection);
}

static void
test_all_in_one_read (Fixture       *fixture,
                      gconstpointer  user_data)
{
  op_test_chunked_input_stream_add_string (fixture->input, split_data);

  assert_split_lines (fixture->connection);
  /* Everything came in one read, and one more found the end. */
  g_assert_cmpuint (op_test_chunked_input_stream_get_n_reads (fixture->input), ==, 2);
}

static void
test_bare_lf (Fixture       *fixture,
              gconstpointer  user_data)
{
  op_test_chunked_input_stream_add_string (fixture->input, "a\nb\r\n\nc\n");

  assert_line (fixture->connection, 512, "a", 1);
  assert_line (fixture->connection, 512, "b", 1);
  assert_line (fixture->connection, 512, "", 0);
  assert_line (fixture->connection, 512, "c", 1);
  assert_closed (fixture->connection);
}

static void
test_crlf (Fixture       *fixture,
           gconstpointer  user_data)
{
  /* A CR that is not followed by LF is data; only the CR right before LF goes. */
  op_test_chunked_input_stream_add_string (fixture->input, "a\rb\r\nc\r\r\n");

  assert_line (fixture->connection, 512, "a\rb", 3);
  assert_line (fixture->connection, 512, "c\r", 2);
  assert_closed (fixture->connection);
}

static void
test_nul_inside (Fixture       *fixture,
                 gconstpointer  user_data)
{
  op_test_chunked_input_stream_add (fixture->input, "a\0b\r\n", 5);

  assert_line (fixture->connection, 512, "a\0b", 3);
}

static void
test_max_length_exact (Fixture       *fixture,
                       gconstpointer  user_data)
{
  /* Exactly 10 bytes is allowed, with CRLF, with a bare LF, and with the CR and the LF
   * in separate reads after the maximum was reached. */
  op_test_chunked_input_stream_add_string (fixture->input, "0123456789\r\n");
  op_test_chunked_input_stream_add_string (fixture->input, "abcdefghij\n");
  op_test_chunked_input_stream_add_string (fixture->input, "ABCDEFGHIJ");
  op_test_chunked_input_stream_add_string (fixture->input, "\r");
  op_test_chunked_input_stream_add_string (fixture->input, "\n");

  assert_line (fixture->connection, 10, "0123456789", 10);
  assert_line (fixture->connection, 10, "abcdefghij", 10);
  assert_line (fixture->connection, 10, "ABCDEFGHIJ", 10);
  assert_closed (fixture->connection);
}

static void
assert_too_long (OpConnection *connection,
                 gsize         max_length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *expected = NULL;

  line = op_connection_read_line (connection, max_length, NULL, NULL, &error);
  g_assert_null (line);
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_LINE_TOO_LONG);

  expected = g_strdup_printf ("server.test:21 sent a line longer than %lu bytes, more than "
                              "the protocol allows. The connection was closed to protect "
                              "against a faulty or hostile server; try again, and report it "
                              "to the server's administrator if it keeps happening.",
                              (gulong) max_length);
  g_assert_cmpstr (error->message, ==, expected);

  /* The connection is unusable afterwards, and says so. */
  g_assert_true (op_connection_is_closed (connection));
  assert_closed (connection);
}

static void
test_too_long_with_crlf (Fixture       *fixture,
                         gconstpointer  user_data)
{
  op_test_chunked_input_stream_add_string (fixture->input, "01234567890\r\n");

  assert_too_long (fixture->connection, 10);
}

static void
test_too_long_with_lf (Fixture       *fixture,
                       gconstpointer  user_data)
{
  op_test_chunked_input_stream_add_string (fixture->input, "01234567890\n");

  assert_too_long (fixture->connection, 10);
}

static void
test_too_long_cr_without_lf (Fixture       *fixture,
                             gconstpointer  user_data)
{
  /* Ten bytes and a CR may still be a valid line; a byte other than LF after that is
   * not. */
  op_test_chunked_input_stream_add_string (fixture->input, "0123456789\r");
  op_test_chunked_input_stream_add_string (fixture->input, "x");

  assert_too_long (fixture->connection, 10);
}

static void
test_too_long_stops_reading (Fixture       *fixture,
                             gconstpointer  user_data)
{
  g_autofree char *chunk = g_malloc (1000);

  /* 10 MB without a line end: the reader must give up after about one line's worth,
   * not buffer it all. */
  memset (chunk, 'a', 1000);
  for (guint i = 0; i < 10000; i++)
    op_test_chunked_input_stream_add (fixture->input, chunk, 1000);

  assert_too_long (fixture->connection, 512);
  g_assert_cmpuint (op_test_chunked_input_stream_get_n_reads (fixture->input), <=, 2);
}

static void
test_lines_after_a_long_allowed_one (Fixture       *fixture,
                                     gconstpointer  user_data)
{
  g_autofree char *long_line = g_strnfill (5000, 'x');
  g_autofree char *data = g_strconcat (long_line, "\r\nshort\r\n", NULL);

  /* A protocol may allow long lines for one reply (IMAP) and short ones elsewhere. */
  op_test_chunked_input_stream_add_string (fixture->input, data);

  assert_line (fixture->connection, 8192, long_line, 5000);
  assert_line (fixture->connection, 10, "short", 5);
}

static void
test_eof_mid_line (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  op_test_chunked_input_stream_add_string (fixture->input, "220 ok\r\n221 by");

  assert_line (fixture->connection, 512, "220 ok", 6);
  line = op_connection_read_line (fixture->connection, 512, NULL, NULL, &error);
  g_assert_null (line);
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED);
  g_assert_cmpstr (error->message, ==,
                   "server.test:21 closed the connection in the middle of a reply. Try "
                   "again; the server may have a problem.");
  g_assert_true (op_connection_is_closed (fixture->connection));
}

static void
test_eof_between_lines (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  op_test_chunked_input_stream_add_string (fixture->input, "220 ok\r\n");

  assert_line (fixture->connection, 512, "220 ok", 6);
  line = op_connection_read_line (fixture->connection, 512, NULL, NULL, &error);
  g_assert_null (line);
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED);
  g_assert_cmpstr (error->message, ==,
                   "server.test:21 closed the connection. Connect again to continue.");
}

static void
test_raw_read_after_line (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  char buffer[64];
  gssize n;

  /* An IMAP literal or a message body follows a line in the same read: raw reads must
   * get the buffered bytes first. */
  op_test_chunked_input_stream_add_string (fixture->input, "* 1 FETCH {7}\r\nliteral");
  op_test_chunked_input_stream_add_string (fixture->input, " more");

  assert_line (fixture->connection, 512, "* 1 FETCH {7}", 13);

  n = op_connection_read (fixture->connection, buffer, sizeof buffer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, n, "literal", 7);

  n = op_connection_read (fixture->connection, buffer, sizeof buffer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, n, " more", 5);

  n = op_connection_read (fixture->connection, buffer, sizeof buffer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 0);
}

static void
test_received_lines_are_logged (Fixture       *fixture,
                                gconstpointer  user_data)
{
  g_autoptr(GPtrArray) entries = NULL;

  op_test_chunked_input_stream_add_string (fixture->input, "220 welcome\r\n331 password?\n");

  assert_line (fixture->connection, 512, "220 welcome", 11);
  assert_line (fixture->connection, 512, "331 password?", 13);

  entries = op_protocol_log_dup_entries (fixture->log);
  g_assert_cmpuint (entries->len, ==, 2);
  g_assert_cmpint (op_log_entry_get_direction (entries->pdata[0]), ==, OP_LOG_RECEIVED);
  g_assert_cmpstr (op_log_entry_get_text (entries->pdata[0]), ==, "220 welcome");
  g_assert_cmpstr (op_log_entry_get_text (entries->pdata[1]), ==, "331 password?");
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  op_test_chunked_input_stream_add_string (fixture->input, "220 ok\r\n");
  g_cancellable_cancel (cancellable);

  line = op_connection_read_line (fixture->connection, 512, NULL, cancellable, &error);
  g_assert_null (line);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/connection/line/" path, Fixture, NULL, op_test_stream_fixture_set_up, func, \
              op_test_stream_fixture_tear_down)

  g_test_add_func ("/connection/line/split-at-every-byte", test_split_at_every_byte);
  ADD ("one-byte-per-read", test_one_byte_per_read);
  ADD ("all-in-one-read", test_all_in_one_read);
  ADD ("bare-lf-ends-a-line", test_bare_lf);
  ADD ("crlf-is-stripped-but-lone-cr-kept", test_crlf);
  ADD ("nul-inside-a-line-is-kept", test_nul_inside);
  ADD ("max-length-exact-is-allowed", test_max_length_exact);
  ADD ("too-long-with-crlf-is-refused", test_too_long_with_crlf);
  ADD ("too-long-with-lf-is-refused", test_too_long_with_lf);
  ADD ("too-long-cr-without-lf-is-refused", test_too_long_cr_without_lf);
  ADD ("too-long-stops-reading", test_too_long_stops_reading);
  ADD ("long-then-short-limits", test_lines_after_a_long_allowed_one);
  ADD ("eof-mid-line-is-closed", test_eof_mid_line);
  ADD ("eof-between-lines-is-closed", test_eof_between_lines);
  ADD ("raw-read-after-line-gets-buffered-bytes", test_raw_read_after_line);
  ADD ("received-lines-are-logged", test_received_lines_are_logged);
  ADD ("cancelled", test_cancelled);

#undef ADD

  return g_test_run ();
}
