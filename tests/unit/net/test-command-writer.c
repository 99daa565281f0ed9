/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-command-writer"
#define _GNU_SOURCE  /* memmem */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-connection.h"
#include "op-test-chunked-input-stream.h"
#include "op-test-freed-secret.h"

typedef OpTestStreamFixture Fixture;

static void
assert_sent (Fixture    *fixture,
             const char *expected)
{
  g_assert_cmpmem (g_memory_output_stream_get_data (fixture->output),
                   g_memory_output_stream_get_data_size (fixture->output),
                   expected, strlen (expected));
}

static void
assert_logged (Fixture    *fixture,
               const char *expected)
{
  g_autoptr(GPtrArray) entries = op_protocol_log_dup_entries (fixture->log);
  g_autoptr(GString) all = g_string_new (NULL);

  for (guint i = 0; i < entries->len; i++)
    {
      g_assert_cmpint (op_log_entry_get_direction (entries->pdata[i]), ==, OP_LOG_SENT);
      g_string_append_printf (all, "%s|", op_log_entry_get_text (entries->pdata[i]));
    }

  g_assert_cmpstr (all->str, ==, expected);
}

static const char bad_argument_message[] =
  "The command contains a line break or a NUL character, which could smuggle a second "
  "command to the server. Nothing was sent; remove the character and try again.";

static void
assert_refused (Fixture    *fixture,
                const char *verb,
                const char *argument,
                gssize      argument_length)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = op_connection_send_command_len (fixture->connection, verb, argument, argument_length,
                                       OP_SEND_PLAIN, NULL, &error);
  g_assert_false (ok);
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_BAD_ARGUMENT);
  g_assert_cmpstr (error->message, ==, bad_argument_message);

  /* Nothing went out, nothing was logged, and the connection stays usable. */
  g_assert_cmpuint (g_memory_output_stream_get_data_size (fixture->output), ==, 0);
  assert_logged (fixture, "");
  g_assert_false (op_connection_is_closed (fixture->connection));
}

static void
test_refuses_cr (Fixture       *fixture,
                 gconstpointer  user_data)
{
  assert_refused (fixture, "RETR", "file\rDELE other", -1);
}

static void
test_refuses_lf (Fixture       *fixture,
                 gconstpointer  user_data)
{
  assert_refused (fixture, "RETR", "file\nDELE other", -1);
}

static void
test_refuses_crlf (Fixture       *fixture,
                   gconstpointer  user_data)
{
  assert_refused (fixture, "MAIL", "FROM:<a@example.test>\r\nRCPT TO:<b@example.test>", -1);
}

static void
test_refuses_nul (Fixture       *fixture,
                  gconstpointer  user_data)
{
  assert_refused (fixture, "RETR", "file\0.txt", 9);
}

static void
test_refuses_in_verb (Fixture       *fixture,
                      gconstpointer  user_data)
{
  assert_refused (fixture, "NOOP\r\nDELE x", NULL, -1);
}

static void
test_then_sends_fine (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  assert_refused (fixture, "RETR", "a\nb", -1);

  g_assert_true (op_connection_send_command (fixture->connection, "RETR", "a b", OP_SEND_PLAIN,
                                             NULL, &error));
  g_assert_no_error (error);
  assert_sent (fixture, "RETR a b\r\n");
}

static void
test_sends_crlf (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_connection_send_command (fixture->connection, "USER", "anonymous",
                                             OP_SEND_PLAIN, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (op_connection_send_command (fixture->connection, "QUIT", NULL,
                                             OP_SEND_PLAIN, NULL, &error));
  g_assert_no_error (error);

  assert_sent (fixture, "USER anonymous\r\nQUIT\r\n");
  assert_logged (fixture, "USER anonymous|QUIT|");
}

static void
test_argument_with_length (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  /* Only the given length counts, not what follows. */
  g_assert_true (op_connection_send_command_len (fixture->connection, "CWD", "dir\r\nextra", 3,
                                                 OP_SEND_PLAIN, NULL, &error));
  g_assert_no_error (error);
  assert_sent (fixture, "CWD dir\r\n");
}

static void
test_secret_argument (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_connection_send_command (fixture->connection, "PASS", "s3cret",
                                             OP_SEND_SECRET_ARGUMENT, NULL, &error));
  g_assert_true (op_connection_send_command (fixture->connection, "AUTHINFO PASS", "hunter2",
                                             OP_SEND_SECRET_ARGUMENT, NULL, &error));
  g_assert_no_error (error);

  /* The server gets the secret; the log never does. */
  assert_sent (fixture, "PASS s3cret\r\nAUTHINFO PASS hunter2\r\n");
  assert_logged (fixture, "PASS ****|AUTHINFO PASS ****|");
}

static void
test_secret_line (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_connection_send_command (fixture->connection, "AGJvYgBzM2NyZXQ=", NULL,
                                             OP_SEND_SECRET_LINE, NULL, &error));
  g_assert_no_error (error);

  assert_sent (fixture, "AGJvYgBzM2NyZXQ=\r\n");
  assert_logged (fixture, "****|");
}

static void
test_forgotten_flag_still_redacted (Fixture       *fixture,
                                    gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_connection_send_command (fixture->connection, "PASS", "s3cret",
                                             OP_SEND_PLAIN, NULL, &error));
  g_assert_true (op_connection_send_command (fixture->connection, "a1 LOGIN", "bob s3cret",
                                             OP_SEND_PLAIN, NULL, &error));
  g_assert_no_error (error);

  assert_logged (fixture, "PASS ****|a1 LOGIN ****|");
}

static void
test_write_all_logs_size (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  /* Raw data (a message body) is not checked and not logged, only counted. */
  g_assert_true (op_connection_write_all (fixture->connection, "line 1\r\nline 2\r\n", 16,
                                          NULL, &error));
  g_assert_no_error (error);

  assert_sent (fixture, "line 1\r\nline 2\r\n");
  assert_logged (fixture, "(16 bytes of data)|");
}

static void
test_closed_connection_refuses (Fixture       *fixture,
                                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_connection_close (fixture->connection, NULL, &error));
  g_assert_no_error (error);

  g_assert_false (op_connection_send_command (fixture->connection, "NOOP", NULL,
                                              OP_SEND_PLAIN, NULL, &error));
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED);
  g_assert_cmpstr (error->message, ==,
                   "The connection to server.test:21 is closed. Connect again to continue.");
}

static void
test_check_text (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_connection_check_text ("Subject: fine", -1, &error));
  g_assert_no_error (error);
  g_assert_true (op_connection_check_text ("with\0nul", 4, &error));
  g_assert_no_error (error);

  g_assert_false (op_connection_check_text ("with\0nul", 8, &error));
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_BAD_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (op_connection_check_text ("To: a\r\nBcc: b", -1, &error));
  g_assert_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_BAD_ARGUMENT);
}

static void
send_secret_and_check_freed (Fixture     *fixture,
                             const char  *verb,
                             const char  *argument,
                             OpSendFlags  flags,
                             const char  *secret)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  op_test_freed_secret_watch (secret);
  ok = op_connection_send_command (fixture->connection, verb, argument, flags, NULL, &error);
  g_assert_cmpint (op_test_freed_secret_unwatch (), ==, 0);
  g_assert_no_error (error);
  g_assert_true (ok);
}

/* The command line built for the socket holds the password or SASL blob; it is wiped
 * before its memory goes back to the allocator, where a later allocation (or a core
 * dump) could read it. */
static void
test_secret_wiped (Fixture       *fixture,
                   gconstpointer  user_data)
{
  if (!op_test_freed_secret_supported ())
    {
      g_test_skip ("needs glibc's allocator (not a sanitizer's) to look into freed memory");
      return;
    }
  send_secret_and_check_freed (fixture, "PASS", "Wipe-Me-0xPASS", OP_SEND_SECRET_ARGUMENT,
                               "Wipe-Me-0xPASS");
  send_secret_and_check_freed (fixture, "a1 LOGIN", "bob Wipe-Me-0xLOGIN",
                               OP_SEND_SECRET_ARGUMENT, "Wipe-Me-0xLOGIN");
  send_secret_and_check_freed (fixture, "V2lwZS1NZS0weFNBU0w=", NULL, OP_SEND_SECRET_LINE,
                               "V2lwZS1NZS0weFNBU0w=");
  /* SMTP's AUTH goes out as plain and is masked by the log's own rules. */
  send_secret_and_check_freed (fixture, "AUTH", "PLAIN V2lwZS1NZS0weEFVVEg=", OP_SEND_PLAIN,
                               "V2lwZS1NZS0weEFVVEg=");
  assert_sent (fixture, "PASS Wipe-Me-0xPASS\r\na1 LOGIN bob Wipe-Me-0xLOGIN\r\n"
                        "V2lwZS1NZS0weFNBU0w=\r\nAUTH PLAIN V2lwZS1NZS0weEFVVEg=\r\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/connection/command/" path, Fixture, NULL, op_test_stream_fixture_set_up, func, \
              op_test_stream_fixture_tear_down)

  ADD ("refuses-cr-and-sends-nothing", test_refuses_cr);
  ADD ("refuses-lf-and-sends-nothing", test_refuses_lf);
  ADD ("refuses-crlf-and-sends-nothing", test_refuses_crlf);
  ADD ("refuses-nul-and-sends-nothing", test_refuses_nul);
  ADD ("refuses-line-break-in-verb", test_refuses_in_verb);
  ADD ("stays-usable-after-a-refusal", test_then_sends_fine);
  ADD ("ends-lines-with-crlf", test_sends_crlf);
  ADD ("argument-with-length", test_argument_with_length);
  ADD ("secret-argument-is-logged-as-mask", test_secret_argument);
  ADD ("secret-line-is-logged-as-mask", test_secret_line);
  ADD ("password-without-flag-is-still-masked", test_forgotten_flag_still_redacted);
  ADD ("secret-line-is-wiped-before-free", test_secret_wiped);
  ADD ("raw-data-is-logged-as-a-size", test_write_all_logs_size);
  ADD ("closed-connection-refuses", test_closed_connection_refuses);
  g_test_add_func ("/connection/command/check-text", test_check_text);

#undef ADD

  return g_test_run ();
}
