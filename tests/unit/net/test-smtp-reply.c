/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-smtp-reply"

#include "config.h"

#include <string.h>

#include "op-smtp-client.h"
#include "op-smtp-error.h"
#include "op-smtp-reply.h"
#include "op-test-fixtures.h"

/*
 * The SMTP reply parser (RFC 5321 §4.2), enhanced status codes (RFC 3463), EHLO keywords
 * and the mapping of replies to OP_SMTP_ERROR codes. Real and typical replies live in
 * tests/data/smtp-replies/ (also the fuzzer's seeds).
 */

static OpSmtpReply *
parse_lines (const char * const *lines)
{
  g_autoptr(OpSmtpReplyParser) parser = op_smtp_reply_parser_new ();

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      OpSmtpReply *reply = op_smtp_reply_parser_push_line (parser, lines[i],
                                                           strlen (lines[i]), &error);

      g_assert_no_error (error);
      if (lines[i + 1] == NULL)
        {
          g_assert_nonnull (reply);
          g_assert_false (op_smtp_reply_parser_is_partial (parser));
          return reply;
        }
      g_assert_null (reply);
      g_assert_true (op_smtp_reply_parser_is_partial (parser));
    }
  g_assert_not_reached ();
  return NULL;
}

static OpSmtpReply *
parse_one (const char *line)
{
  const char *lines[] = { line, NULL };

  return parse_lines (lines);
}

/* A reply file from tests/data/smtp-replies/, CRLF lines. */
static OpSmtpReply *
parse_file (const char *name)
{
  g_autofree char *path = op_test_data_path ("smtp-replies", name, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_auto(GStrv) lines = NULL;
  guint n;

  g_file_get_contents (path, &data, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (data, "\r\n"));
  data[strlen (data) - 2] = '\0';
  lines = g_strsplit (data, "\r\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, >=, 1);
  return parse_lines ((const char * const *) lines);
}

static void
test_single_line (void)
{
  g_autoptr(OpSmtpReply) reply = parse_one ("250 OK");
  g_autoptr(OpSmtpReply) bare = parse_one ("354");

  g_assert_cmpuint (reply->code, ==, 250);
  g_assert_null (reply->enhanced_code);
  g_assert_cmpstr (reply->text, ==, "OK");
  g_assert_cmpuint (OP_SMTP_REPLY_CLASS (reply), ==, 2);
  g_assert_cmpuint (bare->code, ==, 354);
  g_assert_cmpstr (bare->text, ==, "");
}

static void
test_multi_line_greeting (void)
{
  g_autoptr(OpSmtpReply) reply = parse_file ("greeting-multiline.txt");

  g_assert_cmpuint (reply->code, ==, 220);
  g_assert_cmpuint (g_strv_length (reply->lines), ==, 3);
  g_assert_cmpstr (reply->text, ==,
                   "mail.example.test ESMTP\nUnauthorised use prohibited.\nWelcome");
}

static void
test_enhanced_codes (void)
{
  g_autoptr(OpSmtpReply) rcpt = parse_file ("rcpt-550-enhanced.txt");
  g_autoptr(OpSmtpReply) big = parse_file ("data-552-too-large.txt");
  g_autoptr(OpSmtpReply) wrong_class = parse_one ("250 5.1.1 looks like a code");
  g_autofree char *described = op_smtp_reply_describe (rcpt);
  guint k = 0, s = 0, d = 0;

  g_assert_cmpstr (rcpt->enhanced_code, ==, "5.1.1");
  g_assert_true (g_str_has_prefix (rcpt->text, "<nobody@example.test>: Recipient"));
  g_assert_true (g_str_has_prefix (described, "550 5.1.1 <nobody@"));

  /* The code is taken off every line that carries it. */
  g_assert_cmpstr (big->enhanced_code, ==, "5.3.4");
  g_assert_cmpstr (big->text, ==,
                   "Your message exceeded Google's message size limits. Please visit\n"
                   "https://support.google.com/mail/?p=MaxSizeError to view our size\n"
                   "guidelines. a1-20020a170902");
  g_assert_true (g_str_has_prefix (big->lines[0], "5.3.4 "));

  /* RFC 3463: the class must be the reply's. */
  g_assert_null (wrong_class->enhanced_code);
  g_assert_cmpstr (wrong_class->text, ==, "5.1.1 looks like a code");

  g_assert_cmpuint (op_smtp_parse_enhanced_code ("4.7.0 x", &k, &s, &d), ==, 5);
  g_assert_cmpuint (k, ==, 4);
  g_assert_cmpuint (s, ==, 7);
  g_assert_cmpuint (d, ==, 0);
  g_assert_cmpuint (op_smtp_parse_enhanced_code ("5.7.11", &k, &s, &d), ==, 6);
  g_assert_cmpuint (d, ==, 11);
  g_assert_cmpuint (op_smtp_parse_enhanced_code ("2.999.999 x", NULL, NULL, NULL), ==, 9);
  g_assert_cmpuint (op_smtp_parse_enhanced_code ("3.1.1 x", NULL, NULL, NULL), ==, 0);
  g_assert_cmpuint (op_smtp_parse_enhanced_code ("5.1000.1", NULL, NULL, NULL), ==, 0);
  g_assert_cmpuint (op_smtp_parse_enhanced_code ("5.01.1", NULL, NULL, NULL), ==, 0);
  g_assert_cmpuint (op_smtp_parse_enhanced_code ("5.1.1x", NULL, NULL, NULL), ==, 0);
  g_assert_cmpuint (op_smtp_parse_enhanced_code ("5.1", NULL, NULL, NULL), ==, 0);
}

static void
test_not_a_reply (void)
{
  const char *bad[] = { "", "OK", "25", "250x", "150 preliminary", "650 no", "2500 x",
                        "abc def" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(OpSmtpReplyParser) parser = op_smtp_reply_parser_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(OpSmtpReply) reply = NULL;

      g_test_message ("line “%s”", bad[i]);
      reply = op_smtp_reply_parser_push_line (parser, bad[i], strlen (bad[i]), &error);
      g_assert_null (reply);
      g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_BAD_REPLY);
    }
}

static void
test_code_change_in_reply (void)
{
  g_autoptr(OpSmtpReplyParser) parser = op_smtp_reply_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OpSmtpReply) reply = NULL;

  g_assert_null (op_smtp_reply_parser_push_line (parser, "250-first", 9, &error));
  g_assert_no_error (error);
  g_assert_null (op_smtp_reply_parser_push_line (parser, "251 other", 9, &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_BAD_REPLY);
  g_clear_error (&error);
  /* The parser starts afresh. */
  g_assert_false (op_smtp_reply_parser_is_partial (parser));
  reply = op_smtp_reply_parser_push_line (parser, "250 ok", 6, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (reply->code, ==, 250);
}

static void
test_nul_and_invalid_utf8 (void)
{
  g_autoptr(OpSmtpReplyParser) parser = op_smtp_reply_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OpSmtpReply) reply = NULL;
  const char line[] = "550 bad\0byte\xff\x1b[31m";

  reply = op_smtp_reply_parser_push_line (parser, line, sizeof line - 1, &error);
  g_assert_no_error (error);
  g_assert_true (g_utf8_validate (reply->text, -1, NULL));
  g_assert_nonnull (strstr (reply->text, "byte"));
  g_assert_null (strchr (reply->text, '\x1b'));
}

static void
test_line_limits (void)
{
  g_autoptr(OpSmtpReplyParser) parser = op_smtp_reply_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *long_line = g_strnfill (OP_SMTP_REPLY_MAX_LINE * 2, 'x');
  g_autoptr(OpSmtpReply) reply = NULL;

  memcpy (long_line, "250 ", 4);
  reply = op_smtp_reply_parser_push_line (parser, long_line, strlen (long_line), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (reply->text), ==, OP_SMTP_REPLY_MAX_LINE - 4);

  for (guint i = 0; i < OP_SMTP_REPLY_MAX_LINES; i++)
    {
      g_assert_null (op_smtp_reply_parser_push_line (parser, "250-more", 8, &error));
      g_assert_no_error (error);
    }
  g_assert_null (op_smtp_reply_parser_push_line (parser, "250-more", 8, &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_BAD_REPLY);
}

static void
test_ehlo_aiosmtpd (void)
{
  g_autoptr(OpSmtpReply) before = parse_file ("ehlo-aiosmtpd-before-tls.txt");
  g_autoptr(OpSmtpReply) after = parse_file ("ehlo-aiosmtpd-after-tls.txt");
  g_autoptr(OpSmtpCapabilities) b = op_smtp_capabilities_parse (before);
  g_autoptr(OpSmtpCapabilities) a = op_smtp_capabilities_parse (after);
  g_autoptr(OpSmtpCapabilities) copy = op_smtp_capabilities_copy (a);

  g_assert_cmpstr (b->domain, ==, "outpost-test-smtp");
  g_assert_true (b->starttls);
  g_assert_cmpuint (g_strv_length (b->auth), ==, 0);
  g_assert_false (op_smtp_capabilities_has (b, "AUTH"));

  g_assert_false (a->starttls);
  g_assert_true (a->has_size);
  g_assert_cmpuint (a->size_limit, ==, 1048576);
  g_assert_true (a->eightbitmime);
  g_assert_true (a->smtputf8);
  g_assert_true (a->pipelining);
  g_assert_false (a->dsn);
  g_assert_cmpuint (g_strv_length (a->auth), ==, 3);
  g_assert_cmpstr (a->auth[0], ==, "CRAM-MD5");
  g_assert_cmpstr (a->auth[1], ==, "LOGIN");
  g_assert_cmpstr (a->auth[2], ==, "PLAIN");
  g_assert_true (op_smtp_capabilities_has (a, "help"));
  g_assert_cmpstr (op_smtp_capabilities_get (a, "size"), ==, "1048576");

  g_assert_cmpuint (copy->size_limit, ==, 1048576);
  g_assert_cmpstr (copy->auth[2], ==, "PLAIN");
  g_assert_true (op_smtp_capabilities_has (copy, "PIPELINING"));
}

static void
test_ehlo_postfix_and_gmail (void)
{
  g_autoptr(OpSmtpReply) postfix = parse_file ("ehlo-postfix-submission.txt");
  g_autoptr(OpSmtpReply) gmail = parse_file ("ehlo-gmail-after-tls.txt");
  g_autoptr(OpSmtpCapabilities) p = op_smtp_capabilities_parse (postfix);
  g_autoptr(OpSmtpCapabilities) g = op_smtp_capabilities_parse (gmail);

  g_assert_true (p->dsn);
  g_assert_true (p->enhanced_status_codes);
  g_assert_cmpuint (p->size_limit, ==, 10240000);
  /* "AUTH" and "AUTH=" name the same mechanisms once. */
  g_assert_cmpuint (g_strv_length (p->auth), ==, 2);
  g_assert_true (op_smtp_capabilities_has (p, "chunking"));

  g_assert_cmpstr (g->domain, ==, "smtp.gmail.com");
  g_assert_true (g_strv_contains ((const char * const *) g->auth, "XOAUTH2"));
  g_assert_true (g->smtputf8);
}

static void
test_ehlo_old_forms (void)
{
  g_autoptr(OpSmtpReply) reply = parse_file ("ehlo-old-auth-equals.txt");
  g_autoptr(OpSmtpCapabilities) caps = op_smtp_capabilities_parse (reply);
  const char *junk[] = { "250-x", "250--BAD", "250-SIZE notanumber", "250-_X", "250 ok",
                         NULL };
  g_autoptr(OpSmtpReply) junk_reply = parse_lines (junk);
  g_autoptr(OpSmtpCapabilities) j = op_smtp_capabilities_parse (junk_reply);
  g_autoptr(OpSmtpReply) refused = parse_one ("502 5.5.1 EHLO not implemented");
  g_autoptr(OpSmtpCapabilities) none = op_smtp_capabilities_parse (refused);

  g_assert_cmpuint (g_strv_length (caps->auth), ==, 1);
  g_assert_cmpstr (caps->auth[0], ==, "LOGIN");
  /* "SIZE" alone: offered, no fixed limit (RFC 1870 §4). */
  g_assert_true (caps->has_size);
  g_assert_cmpuint (caps->size_limit, ==, 0);

  g_assert_false (op_smtp_capabilities_has (j, "-BAD"));
  g_assert_false (op_smtp_capabilities_has (j, "_X"));
  g_assert_true (j->has_size);
  g_assert_cmpuint (j->size_limit, ==, 0);

  g_assert_null (none->domain);
  g_assert_cmpuint (g_hash_table_size (none->keywords), ==, 0);
}

/* --- errors ------------------------------------------------------------------------- */

static void
assert_maps (const char        *line,
             OpSmtpCommandKind  kind,
             OpSmtpError        expected)
{
  g_autoptr(OpSmtpReply) reply = parse_one (line);
  g_autoptr(GError) error = op_smtp_error_from_reply (reply, "CMD", kind);

  g_test_message ("%s", line);
  g_assert_error (error, OP_SMTP_ERROR, (gint) expected);
  /* The server's words reach the user. */
  g_assert_nonnull (strstr (error->message, reply->text));
  g_assert_nonnull (strstr (error->message, "CMD"));
}

static void
test_error_mapping (void)
{
  assert_maps ("535 5.7.8 Authentication credentials invalid", OP_SMTP_COMMAND_AUTH,
               OP_SMTP_ERROR_AUTH_FAILED);
  assert_maps ("454 4.7.0 Temporary authentication failure", OP_SMTP_COMMAND_AUTH,
               OP_SMTP_ERROR_TRANSIENT);
  assert_maps ("504 5.5.4 Unrecognized authentication type", OP_SMTP_COMMAND_AUTH,
               OP_SMTP_ERROR_AUTH_UNAVAILABLE);
  assert_maps ("538 5.7.11 Encryption required for requested authentication mechanism",
               OP_SMTP_COMMAND_AUTH, OP_SMTP_ERROR_PLAINTEXT_REFUSED);
  assert_maps ("454 TLS not available due to temporary reason", OP_SMTP_COMMAND_STARTTLS,
               OP_SMTP_ERROR_TLS_REFUSED);
  assert_maps ("552 Error: message size exceeds fixed maximum message size",
               OP_SMTP_COMMAND_MAIL, OP_SMTP_ERROR_MESSAGE_TOO_LARGE);
  assert_maps ("552 5.3.4 Message too big", OP_SMTP_COMMAND_MESSAGE,
               OP_SMTP_ERROR_MESSAGE_TOO_LARGE);
  assert_maps ("552 5.2.2 Mailbox full", OP_SMTP_COMMAND_MESSAGE, OP_SMTP_ERROR_PERMANENT);
  assert_maps ("550 5.1.1 <x@example.test>: Recipient address rejected",
               OP_SMTP_COMMAND_RCPT, OP_SMTP_ERROR_RECIPIENT_REFUSED);
  assert_maps ("450 4.2.0 Greylisted", OP_SMTP_COMMAND_RCPT,
               OP_SMTP_ERROR_RECIPIENT_REFUSED);
  assert_maps ("553 5.6.7 Non-ASCII addresses not permitted", OP_SMTP_COMMAND_RCPT,
               OP_SMTP_ERROR_UTF8_UNSUPPORTED);
  assert_maps ("553 5.7.1 Sender address rejected: not owned by user",
               OP_SMTP_COMMAND_MAIL, OP_SMTP_ERROR_SENDER_REFUSED);
  assert_maps ("530 5.7.0 Authentication required", OP_SMTP_COMMAND_MAIL,
               OP_SMTP_ERROR_AUTH_FAILED);
  assert_maps ("555 MAIL FROM parameters not recognized or not implemented",
               OP_SMTP_COMMAND_MAIL, OP_SMTP_ERROR_UNSUPPORTED);
  assert_maps ("502 5.5.1 Command not implemented", OP_SMTP_COMMAND_OTHER,
               OP_SMTP_ERROR_UNSUPPORTED);
  assert_maps ("451 4.3.0 Local error in processing", OP_SMTP_COMMAND_MESSAGE,
               OP_SMTP_ERROR_TRANSIENT);
  assert_maps ("554 5.7.1 Message rejected as spam", OP_SMTP_COMMAND_MESSAGE,
               OP_SMTP_ERROR_PERMANENT);
  assert_maps ("421 4.7.0 Too many errors", OP_SMTP_COMMAND_OTHER, OP_SMTP_ERROR_TRANSIENT);
  assert_maps ("250 unexpectedly fine", OP_SMTP_COMMAND_DATA, OP_SMTP_ERROR_BAD_REPLY);
}

static void
test_error_is_transient (void)
{
  g_autoptr(GError) transient = g_error_new_literal (OP_SMTP_ERROR, OP_SMTP_ERROR_TRANSIENT, "x");
  g_autoptr(GError) lost = g_error_new_literal (OP_SMTP_ERROR, OP_SMTP_ERROR_CONNECTION_LOST, "x");
  g_autoptr(GError) unknown = g_error_new_literal (OP_SMTP_ERROR, OP_SMTP_ERROR_OUTCOME_UNKNOWN,
                                                   "x");
  g_autoptr(GError) timed_out = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "x");

  g_assert_true (op_smtp_error_is_transient (transient));
  g_assert_true (op_smtp_error_is_transient (lost));
  g_assert_true (op_smtp_error_is_transient (timed_out));
  /* Retrying what may have been delivered would send it twice. */
  g_assert_false (op_smtp_error_is_transient (unknown));
  g_assert_false (op_smtp_error_is_transient (NULL));
}

/* What a message needs (op_smtp_message_scan()): 8-bit anywhere → 8BITMIME; non-ASCII in
 * the header section (up to the first empty line, CRLF or LF) → SMTPUTF8. */
static void
test_message_scan (void)
{
  const struct
  {
    const char *message;
    gboolean    eight_bit;
    gboolean    utf8;
  } cases[] = {
    { "Subject: hi\r\n\r\nplain\r\n", FALSE, FALSE },
    { "Subject: hi\r\n\r\nCaf\xc3\xa9\r\n", TRUE, FALSE },
    { "Subject: hi\n\nCaf\xc3\xa9\n", TRUE, FALSE },
    { "Subject: \xe4\xbd\xa0\r\n\r\nx\r\n", TRUE, TRUE },
    { "Subject: a\r\n b \xc3\xa9\r\n\r\n", TRUE, TRUE },
    /* A line of blanks is not the end of the header section. */
    { "Subject: a\r\n \r\nX-Name: \xc3\xa9\r\n\r\n", TRUE, TRUE },
    { "", FALSE, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean eight_bit = !cases[i].eight_bit;
      gboolean utf8 = !cases[i].utf8;

      g_test_message ("case %" G_GSIZE_FORMAT, i);
      op_smtp_message_scan ((const guint8 *) cases[i].message, strlen (cases[i].message),
                            &eight_bit, &utf8);
      g_assert_cmpint (eight_bit, ==, cases[i].eight_bit);
      g_assert_cmpint (utf8, ==, cases[i].utf8);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/smtp/reply/single-line", test_single_line);
  g_test_add_func ("/smtp/reply/multi-line-greeting", test_multi_line_greeting);
  g_test_add_func ("/smtp/reply/enhanced-codes", test_enhanced_codes);
  g_test_add_func ("/smtp/reply/not-a-reply", test_not_a_reply);
  g_test_add_func ("/smtp/reply/code-change-in-reply", test_code_change_in_reply);
  g_test_add_func ("/smtp/reply/nul-and-invalid-utf8", test_nul_and_invalid_utf8);
  g_test_add_func ("/smtp/reply/line-limits", test_line_limits);
  g_test_add_func ("/smtp/ehlo/aiosmtpd", test_ehlo_aiosmtpd);
  g_test_add_func ("/smtp/ehlo/postfix-and-gmail", test_ehlo_postfix_and_gmail);
  g_test_add_func ("/smtp/ehlo/old-forms-and-junk", test_ehlo_old_forms);
  g_test_add_func ("/smtp/error/mapping", test_error_mapping);
  g_test_add_func ("/smtp/error/is-transient", test_error_is_transient);
  g_test_add_func ("/smtp/message/scan-8bit-and-utf8-headers", test_message_scan);

  return g_test_run ();
}
