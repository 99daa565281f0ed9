/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-nntp-parsers"

#include "config.h"

#include <string.h>

#include "nntp/op-nntp-error.h"
#include "nntp/op-nntp-list.h"
#include "nntp/op-nntp-overview.h"
#include "nntp/op-nntp-reply.h"
#include "op-test-fixtures.h"

/*
 * The pure NNTP parsers: status lines and their error mapping, multi-line blocks
 * (dot-unstuffing, the terminator, line limits, chunked input), CAPABILITIES, LIST
 * ACTIVE / NEWSGROUPS / ACTIVE.TIMES, NEWGROUPS, NEWNEWS, HDR/XHDR, LISTGROUP, ranges,
 * DATE, LIST OVERVIEW.FMT and OVER lines (full fields, stray TABs and NULs). Most inputs
 * are transcripts captured from INN 2.7 (tests/data/nntp/inn-*.txt, also the fuzzers'
 * seeds).
 */

static OpNntpReply *
parse_ok (const char *line)
{
  g_autoptr(GError) error = NULL;
  OpNntpReply *reply = op_nntp_reply_parse (line, strlen (line), &error);

  g_assert_no_error (error);
  g_assert_nonnull (reply);
  return reply;
}

static void
assert_bad_status (const char *line,
                   gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpNntpReply) reply = op_nntp_reply_parse (line, length, &error);

  g_assert_null (reply);
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

/* Reads tests/data/nntp/NAME: a status line, then (when @multiline) the block's lines,
 * unstuffed, which must end with the terminator exactly at the end of the file. */
static OpNntpReply *
read_transcript (const char *name,
                 GPtrArray **lines_out)
{
  g_autofree char *path = op_test_data_path ("nntp", name, NULL);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  gsize size = 0, offset;
  const char *nl;
  OpNntpReply *reply;

  g_assert_true (g_file_get_contents (path, &data, &size, &error));
  g_assert_no_error (error);
  nl = memchr (data, '\n', size);
  g_assert_nonnull (nl);
  g_assert_true (nl > data && nl[-1] == '\r');
  reply = op_nntp_reply_parse (data, nl - 1 - data, &error);
  g_assert_no_error (error);
  offset = nl + 1 - data;
  for (;;)
    {
      const char *line = NULL;
      gsize length = 0, consumed = 0;
      OpNntpBlockStatus status = op_nntp_block_next_line (data + offset, size - offset,
                                                          OP_NNTP_MAX_LIST_LINE, &line,
                                                          &length, &consumed, &error);

      g_assert_no_error (error);
      g_assert_cmpint (status, !=, OP_NNTP_BLOCK_NEED_MORE);
      offset += consumed;
      if (status == OP_NNTP_BLOCK_END)
        break;
      g_ptr_array_add (lines, g_strndup (line, length));
    }
  g_assert_cmpuint (offset, ==, size);
  *lines_out = g_steal_pointer (&lines);
  return reply;
}

#define LINE(lines, i) ((const char *) g_ptr_array_index ((lines), (i)))

/* --- status lines --------------------------------------------------------------- */

static void
test_status_codes (void)
{
  g_autoptr(OpNntpReply) greeting = parse_ok ("200 news.example.test InterNetNews NNRP server INN 2.7.1 ready (posting ok)");
  g_autoptr(OpNntpReply) bare = parse_ok ("205");
  g_autoptr(OpNntpReply) control = parse_ok ("411 no\x01such\x7fgroup");
  g_autofree char *long_line = g_strnfill (OP_NNTP_MAX_REPLY_LINE + 1, 'x');

  g_assert_cmpuint (greeting->code, ==, 200);
  g_assert_cmpstr (greeting->text, ==, "news.example.test InterNetNews NNRP server INN 2.7.1 ready (posting ok)");
  g_assert_true (op_nntp_greeting_allows_posting (greeting));
  g_assert_cmpuint (bare->code, ==, 205);
  g_assert_cmpstr (bare->text, ==, "");
  g_assert_cmpstr (control->text, ==, "no?such?group");

  assert_bad_status ("", 0);
  assert_bad_status ("20", 2);
  assert_bad_status ("2000 x", 6);
  assert_bad_status ("600 out of range", 16);
  assert_bad_status ("099 out of range", 16);
  assert_bad_status ("20a x", 5);
  assert_bad_status ("+OK pop3", 8);
  assert_bad_status ("* OK imap", 9);
  assert_bad_status ("200\tx", 5);
  memcpy (long_line, "200 ", 4);
  assert_bad_status (long_line, strlen (long_line));
  /* Exactly at the limit is still a reply. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OpNntpReply) at_limit = op_nntp_reply_parse (long_line, OP_NNTP_MAX_REPLY_LINE,
                                                           &error);

    g_assert_no_error (error);
    g_assert_cmpuint (at_limit->code, ==, 200);
  }
  /* A NUL inside the text is shown, not a place where the text ends. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OpNntpReply) nul = op_nntp_reply_parse ("441 bad\0From", 12, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (nul->text, ==, "bad?From");
  }
}

static void
test_status_inn (void)
{
  g_autofree char *path = op_test_data_path ("nntp", "inn-status-lines.txt", NULL);
  g_autofree char *data = NULL;
  g_auto(GStrv) lines = NULL;
  static const guint codes[] = { 200, 211, 111, 480, 223, 223, 503, 411, 423, 480, 205 };
  guint64 count = 0, low = 0, high = 0, number = 99;
  g_autofree char *group = NULL;
  g_autofree char *message_id = NULL;
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) replies = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_reply_free);

  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  lines = g_strsplit (data, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (codes) + 1);
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      OpNntpReply *reply = parse_ok (lines[i]);

      g_assert_cmpuint (reply->code, ==, codes[i]);
      g_ptr_array_add (replies, reply);
    }
  /* INN says 200 even though it adds "(no posting)": posting becomes possible after
   * AUTHINFO, and RFC 3977 §5.1.1 lets 200 mean exactly that. */
  g_assert_true (op_nntp_greeting_allows_posting (g_ptr_array_index (replies, 0)));
  {
    g_autoptr(OpNntpReply) no_posting = parse_ok ("201 news.example.test ready (no posting)");

    g_assert_false (op_nntp_greeting_allows_posting (no_posting));
  }

  g_assert_true (op_nntp_parse_group_reply (((OpNntpReply *) g_ptr_array_index (replies, 1))->text,
                                            &count, &low, &high, &group, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 7);
  g_assert_cmpuint (low, ==, 1);
  g_assert_cmpuint (high, ==, 7);
  g_assert_cmpstr (group, ==, "local.test");

  date = op_nntp_parse_date_reply (((OpNntpReply *) g_ptr_array_index (replies, 2))->text, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_date_time_get_year (date), ==, 2026);
  g_assert_cmpint (g_date_time_get_month (date), ==, 12);
  g_assert_cmpint (g_date_time_get_day_of_month (date), ==, 7);
  g_assert_cmpint (g_date_time_get_hour (date), ==, 11);
  g_assert_cmpint (g_date_time_get_minute (date), ==, 0);
  g_assert_cmpint (g_date_time_get_second (date), ==, 14);
  g_assert_cmpint (g_date_time_get_utc_offset (date), ==, 0);

  g_assert_true (op_nntp_parse_article_reply (((OpNntpReply *) g_ptr_array_index (replies, 4))->text,
                                              &number, &message_id, &error));
  g_assert_cmpuint (number, ==, 0);
  g_assert_cmpstr (message_id, ==, "<reply.2@outpost.example.test>");
  g_clear_pointer (&message_id, g_free);
  g_assert_true (op_nntp_parse_article_reply (((OpNntpReply *) g_ptr_array_index (replies, 5))->text,
                                              &number, &message_id, &error));
  g_assert_cmpuint (number, ==, 2);
}

static void
test_status_multiline (void)
{
  static const struct { guint code; gboolean listgroup; gboolean multiline; } cases[] = {
    { 100, FALSE, TRUE }, { 101, FALSE, TRUE }, { 215, FALSE, TRUE }, { 220, FALSE, TRUE },
    { 221, FALSE, TRUE }, { 222, FALSE, TRUE }, { 224, FALSE, TRUE }, { 225, FALSE, TRUE },
    { 230, FALSE, TRUE }, { 231, FALSE, TRUE }, { 211, TRUE, TRUE }, { 211, FALSE, FALSE },
    { 223, FALSE, FALSE }, { 200, FALSE, FALSE }, { 340, FALSE, FALSE }, { 423, FALSE, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      OpNntpReply reply = { cases[i].code, (char *) "" };

      g_assert_cmpint (op_nntp_reply_is_multiline (&reply, cases[i].listgroup), ==,
                       cases[i].multiline);
    }
}

static void
test_group_reply (void)
{
  g_autoptr(GError) error = NULL;
  guint64 count = 1, low = 1, high = 1;
  char *group = NULL;

  /* An empty group: low above high, count 0 (RFC 3977 §6.1.1.2). */
  g_assert_true (op_nntp_parse_group_reply ("0 1 0 local.empty", &count, &low, &high, &group, &error));
  g_assert_cmpuint (count, ==, 0);
  g_assert_cmpuint (low, ==, 1);
  g_assert_cmpuint (high, ==, 0);
  g_assert_cmpstr (group, ==, "local.empty");
  g_free (group);
  /* Old servers leave the name out. */
  g_assert_true (op_nntp_parse_group_reply ("3 5 7", &count, &low, &high, &group, &error));
  g_assert_null (group);

  g_assert_false (op_nntp_parse_group_reply ("", NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
  g_clear_error (&error);
  g_assert_false (op_nntp_parse_group_reply ("7 1", NULL, NULL, NULL, NULL, &error));
  g_clear_error (&error);
  g_assert_false (op_nntp_parse_group_reply ("x 1 7 g", NULL, NULL, NULL, NULL, &error));
  g_clear_error (&error);
  g_assert_false (op_nntp_parse_group_reply ("99999999999999999999 1 7 g", NULL, NULL, NULL, NULL, &error));
  g_clear_error (&error);
}

static void
test_article_reply (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (op_nntp_parse_article_reply ("1 root.1@example", NULL, NULL, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
  g_clear_error (&error);
  g_assert_false (op_nntp_parse_article_reply ("<a@b>", NULL, NULL, &error));
  g_clear_error (&error);
  g_assert_false (op_nntp_parse_article_reply ("1 <a>b@c>", NULL, NULL, &error));
  g_clear_error (&error);
  g_assert_true (op_nntp_parse_article_reply ("12 <a@b> article", NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
test_date (void)
{
  static const char *const bad[] = {
    "", "2026120711001", "20261307110014", "20260230110014", "2026120725 0014",
    "2026120711001x", "00000101000000", "20261207110014x",
  };
  g_autoptr(GDateTime) ok = op_nntp_parse_date_reply ("20240229235959 extra", NULL);

  g_assert_nonnull (ok);
  g_assert_cmpint (g_date_time_get_day_of_month (ok), ==, 29);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GDateTime) date = op_nntp_parse_date_reply (bad[i], &error);

      g_assert_null (date);
      g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
    }
}

static void
test_range (void)
{
  guint64 low = 0, high = 0;
  g_autofree char *one = op_nntp_range_format (5, 5);
  g_autofree char *open = op_nntp_range_format (5, G_MAXUINT64);
  g_autofree char *closed = op_nntp_range_format (5, 100);

  g_assert_cmpstr (one, ==, "5");
  g_assert_cmpstr (open, ==, "5-");
  g_assert_cmpstr (closed, ==, "5-100");

  g_assert_true (op_nntp_range_parse ("5", 1, &low, &high));
  g_assert_cmpuint (low, ==, 5);
  g_assert_cmpuint (high, ==, 5);
  g_assert_true (op_nntp_range_parse ("5-", 2, &low, &high));
  g_assert_cmpuint (high, ==, G_MAXUINT64);
  g_assert_true (op_nntp_range_parse ("5-100", 5, &low, &high));
  g_assert_cmpuint (high, ==, 100);
  g_assert_false (op_nntp_range_parse ("", 0, &low, &high));
  g_assert_false (op_nntp_range_parse ("0-5", 3, &low, &high));
  g_assert_false (op_nntp_range_parse ("7-5", 3, &low, &high));
  g_assert_false (op_nntp_range_parse ("-5", 2, &low, &high));
  g_assert_false (op_nntp_range_parse ("5-x", 3, &low, &high));
  g_assert_false (op_nntp_range_parse ("5 -9", 4, &low, &high));
  g_assert_false (op_nntp_range_parse ("99999999999999999999", 20, &low, &high));
}

/* --- errors ------------------------------------------------------------------------ */

static void
test_error_mapping (void)
{
  static const struct
  {
    const char        *line;
    OpNntpCommandKind  kind;
    OpNntpError        code;
  } cases[] = {
    { "400 NNTP server unavailable.  Try later!", OP_NNTP_COMMAND_GREETING, OP_NNTP_ERROR_SERVICE_UNAVAILABLE },
    { "502 You have no permission to talk.  Goodbye!", OP_NNTP_COMMAND_GREETING, OP_NNTP_ERROR_ACCESS_DENIED },
    { "401 MODE-READER", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_WRONG_MODE },
    { "403 internal fault", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_TEMPORARY },
    { "411 No such group no.such", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_NO_SUCH_GROUP },
    { "412 No group selected", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_NO_GROUP_SELECTED },
    { "420 No current article", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_NO_SUCH_ARTICLE },
    { "421 No next article", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_NO_SUCH_ARTICLE },
    { "422 No previous article", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_NO_SUCH_ARTICLE },
    { "423 No such article number 99", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_NO_SUCH_ARTICLE },
    { "430 No such article", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_NO_SUCH_ARTICLE },
    { "440 Posting not permitted", OP_NNTP_COMMAND_POST, OP_NNTP_ERROR_POSTING_NOT_ALLOWED },
    { "441 Address in From header field not in Internet syntax", OP_NNTP_COMMAND_POST, OP_NNTP_ERROR_POSTING_FAILED },
    { "480 Posting not allowed", OP_NNTP_COMMAND_POST, OP_NNTP_ERROR_AUTH_REQUIRED },
    { "480 NEWNEWS command disabled by administrator", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_AUTH_REQUIRED },
    { "481 Authentication failed", OP_NNTP_COMMAND_AUTH, OP_NNTP_ERROR_AUTH_FAILED },
    { "482 Authentication commands issued out of sequence", OP_NNTP_COMMAND_AUTH, OP_NNTP_ERROR_AUTH_FAILED },
    { "502 Already authenticated", OP_NNTP_COMMAND_AUTH, OP_NNTP_ERROR_AUTH_FAILED },
    { "483 Encryption required", OP_NNTP_COMMAND_AUTH, OP_NNTP_ERROR_ENCRYPTION_REQUIRED },
    { "580 Can not initiate TLS negotiation", OP_NNTP_COMMAND_TLS, OP_NNTP_ERROR_TLS_REFUSED },
    { "502 STARTTLS not allowed", OP_NNTP_COMMAND_TLS, OP_NNTP_ERROR_TLS_REFUSED },
    { "500 What?", OP_NNTP_COMMAND_TLS, OP_NNTP_ERROR_TLS_REFUSED },
    { "500 What?", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_UNSUPPORTED },
    { "501 Syntax error", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_UNSUPPORTED },
    { "503 Overview by Message-ID unsupported", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_UNSUPPORTED },
    { "502 Permission denied", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_ACCESS_DENIED },
    { "502 Posting not allowed", OP_NNTP_COMMAND_POST, OP_NNTP_ERROR_POSTING_NOT_ALLOWED },
    { "437 Rejected", OP_NNTP_COMMAND_POST, OP_NNTP_ERROR_POSTING_FAILED },
    { "449 odd", OP_NNTP_COMMAND_POST, OP_NNTP_ERROR_POSTING_FAILED },
    { "504 Base64 encoding error", OP_NNTP_COMMAND_AUTH, OP_NNTP_ERROR_PERMANENT },
    { "599 odd", OP_NNTP_COMMAND_OTHER, OP_NNTP_ERROR_PERMANENT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(OpNntpReply) reply = parse_ok (cases[i].line);
      g_autoptr(GError) error = op_nntp_error_from_reply (reply, "GROUP", cases[i].kind);

      g_test_message ("%s", cases[i].line);
      g_assert_error (error, OP_NNTP_ERROR, (gint) cases[i].code);
      /* The message quotes the command and the server's line. */
      g_assert_nonnull (strstr (error->message, "GROUP"));
      g_assert_nonnull (strstr (error->message, cases[i].line));
      g_assert_cmpint (op_nntp_error_is_transient (error), ==,
                       cases[i].code == OP_NNTP_ERROR_SERVICE_UNAVAILABLE ||
                       cases[i].code == OP_NNTP_ERROR_TEMPORARY);
    }
  {
    g_autoptr(GError) lost = g_error_new_literal (OP_NNTP_ERROR, OP_NNTP_ERROR_CONNECTION_LOST, "x");
    g_autoptr(GError) timeout = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "x");
    g_autoptr(GError) denied = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "x");

    g_assert_true (op_nntp_error_is_transient (lost));
    g_assert_true (op_nntp_error_is_transient (timeout));
    g_assert_false (op_nntp_error_is_transient (denied));
    g_assert_false (op_nntp_error_is_transient (NULL));
  }
}

/* --- multi-line blocks ------------------------------------------------------------- */

static void
test_block_article_unstuffing (void)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(OpNntpReply) reply = read_transcript ("inn-article.txt", &lines);
  guint64 number = 0;
  g_autofree char *message_id = NULL;

  g_assert_cmpuint (reply->code, ==, 220);
  g_assert_true (op_nntp_reply_is_multiline (reply, FALSE));
  g_assert_true (op_nntp_parse_article_reply (reply->text, &number, &message_id, NULL));
  g_assert_cmpuint (number, ==, 1);
  g_assert_cmpstr (message_id, ==, "<root.1@outpost.example.test>");
  g_assert_cmpuint (lines->len, ==, 14);
  g_assert_cmpstr (LINE (lines, 0), ==, "Path: outpost-test.localdomain!fixtures.example.test!not-for-mail");
  g_assert_cmpstr (LINE (lines, 10), ==, "");
  /* On the wire "..A line"; the article's line starts with one dot. */
  g_assert_cmpstr (LINE (lines, 12), ==, ".A line that starts with a dot (dot-stuffed on the wire).");
  g_assert_cmpstr (LINE (lines, 13), ==, "Last line.");
}

/* Feeding the block in two pieces cut at every offset gives the same lines. */
static void
test_block_chunked (void)
{
  static const char block[] = "first\r\n..dotted\r\n.\r\nno-dot\r\nbare LF\n\r\n.\r\nAFTER";
  const gsize size = sizeof block - 1;
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  gsize end_offset = 0;

  for (gsize offset = 0;;)
    {
      const char *line;
      gsize length, consumed;
      OpNntpBlockStatus status = op_nntp_block_next_line (block + offset, size - offset, 64,
                                                          &line, &length, &consumed, NULL);

      g_assert_cmpint (status, !=, OP_NNTP_BLOCK_NEED_MORE);
      g_assert_cmpint (status, !=, OP_NNTP_BLOCK_ERROR);
      offset += consumed;
      if (status == OP_NNTP_BLOCK_END)
        {
          end_offset = offset;
          break;
        }
      g_ptr_array_add (expected, g_strndup (line, length));
    }
  g_assert_cmpuint (expected->len, ==, 2);
  g_assert_cmpstr (LINE (expected, 0), ==, "first");
  g_assert_cmpstr (LINE (expected, 1), ==, ".dotted");
  g_assert_cmpuint (end_offset, ==, strlen ("first\r\n..dotted\r\n.\r\n"));

  for (gsize cut = 0; cut <= end_offset; cut++)
    {
      /* A reader that holds what it got so far, as the connection does. */
      GString *buffer = g_string_new (NULL);
      gsize fed = 0;
      guint index = 0;
      gboolean done = FALSE;

      while (!done)
        {
          const char *line;
          gsize length, consumed;
          OpNntpBlockStatus status = op_nntp_block_next_line (buffer->str, buffer->len, 64,
                                                              &line, &length, &consumed,
                                                              NULL);

          switch (status)
            {
            case OP_NNTP_BLOCK_LINE:
              g_assert_cmpuint (index, <, expected->len);
              g_assert_cmpuint (length, ==, strlen (LINE (expected, index)));
              g_assert_cmpmem (line, length, LINE (expected, index), length);
              index++;
              g_string_erase (buffer, 0, consumed);
              break;
            case OP_NNTP_BLOCK_END:
              g_assert_cmpuint (index, ==, expected->len);
              done = TRUE;
              break;
            case OP_NNTP_BLOCK_NEED_MORE:
              {
                gsize next = fed < cut ? cut : size;

                g_assert_cmpuint (fed, <, size);
                g_string_append_len (buffer, block + fed, next - fed);
                fed = next;
              }
              break;
            case OP_NNTP_BLOCK_ERROR:
            default:
              g_assert_not_reached ();
            }
        }
      g_string_free (buffer, TRUE);
    }
}

static void
test_block_limits (void)
{
  g_autofree char *long_line = g_strnfill (100, 'x');
  g_autoptr(GError) error = NULL;
  const char *line;
  gsize length, consumed;

  /* No line end yet, but already past the limit: refused without waiting. */
  g_assert_cmpint (op_nntp_block_next_line (long_line, 100, 64, &line, &length, &consumed,
                                            &error), ==, OP_NNTP_BLOCK_ERROR);
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
  g_clear_error (&error);
  /* 64 bytes and CRLF is allowed; 65 is not. */
  memcpy (long_line + 64, "\r\n", 2);
  g_assert_cmpint (op_nntp_block_next_line (long_line, 66, 64, &line, &length, &consumed,
                                            &error), ==, OP_NNTP_BLOCK_LINE);
  g_assert_cmpuint (length, ==, 64);
  g_assert_cmpuint (consumed, ==, 66);
  memcpy (long_line + 64, "x\r\n", 3);
  g_assert_cmpint (op_nntp_block_next_line (long_line, 67, 64, &line, &length, &consumed,
                                            &error), ==, OP_NNTP_BLOCK_ERROR);
  g_clear_error (&error);
  /* Nothing at all: more is needed. */
  g_assert_cmpint (op_nntp_block_next_line ("", 0, 64, &line, &length, &consumed, &error), ==,
                   OP_NNTP_BLOCK_NEED_MORE);
  g_assert_cmpint (op_nntp_block_next_line (".", 1, 64, &line, &length, &consumed, &error), ==,
                   OP_NNTP_BLOCK_NEED_MORE);
  g_assert_cmpint (op_nntp_block_next_line (".\r", 2, 64, &line, &length, &consumed, &error), ==,
                   OP_NNTP_BLOCK_NEED_MORE);
  g_assert_cmpint (op_nntp_block_next_line (".\r\n", 3, 64, &line, &length, &consumed, &error), ==,
                   OP_NNTP_BLOCK_END);
  g_assert_cmpuint (consumed, ==, 3);
  /* ". " is a stuffed line holding a space, not the terminator. */
  g_assert_cmpint (op_nntp_block_next_line (". \r\n", 4, 64, &line, &length, &consumed, &error), ==,
                   OP_NNTP_BLOCK_LINE);
  g_assert_cmpmem (line, length, " ", 1);
}

/* --- CAPABILITIES and LIST --------------------------------------------------------- */

static void
test_capabilities_inn (void)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(OpNntpReply) reply = read_transcript ("inn-capabilities.txt", &lines);
  g_autoptr(OpNntpCapabilities) caps = op_nntp_capabilities_new ();
  const char * const *sasl;

  g_assert_cmpuint (reply->code, ==, 101);
  for (guint i = 0; i < lines->len; i++)
    op_nntp_capabilities_add_line (caps, LINE (lines, i), strlen (LINE (lines, i)));
  g_assert_cmpuint (op_nntp_capabilities_get_version (caps), ==, 2);
  g_assert_true (op_nntp_capabilities_has (caps, "READER"));
  g_assert_true (op_nntp_capabilities_has (caps, "reader"));
  g_assert_true (op_nntp_capabilities_has (caps, "STARTTLS"));
  g_assert_true (op_nntp_capabilities_has (caps, "OVER"));
  g_assert_true (op_nntp_capabilities_has (caps, "HDR"));
  g_assert_false (op_nntp_capabilities_has (caps, "MODE-READER"));
  g_assert_false (op_nntp_capabilities_has (caps, "POST"));
  g_assert_true (op_nntp_capabilities_has_arg (caps, "LIST", "OVERVIEW.FMT"));
  g_assert_true (op_nntp_capabilities_has_arg (caps, "LIST", "active.times"));
  g_assert_false (op_nntp_capabilities_has_arg (caps, "LIST", "OVERVIEW"));
  g_assert_true (op_nntp_capabilities_has_arg (caps, "AUTHINFO", "USER"));
  g_assert_true (op_nntp_capabilities_has_arg (caps, "SASL", "PLAIN"));
  g_assert_true (op_nntp_capabilities_has_arg (caps, "COMPRESS", "DEFLATE"));
  sasl = op_nntp_capabilities_get_args (caps, "SASL");
  g_assert_cmpuint (g_strv_length ((char **) sasl), ==, 10);
  g_assert_null (op_nntp_capabilities_get_args (caps, "NEWNEWS"));
  g_assert_cmpstr (op_nntp_capabilities_get_args (caps, "IMPLEMENTATION")[1], ==, "2.7.1");
}

static void
test_capabilities_edge (void)
{
  g_autoptr(OpNntpCapabilities) caps = op_nntp_capabilities_new ();
  static const char nul_line[] = "X-ODD a\0b";

  g_assert_cmpuint (op_nntp_capabilities_get_version (caps), ==, 0);
  op_nntp_capabilities_add_line (caps, "VERSION 2 3", 11);
  op_nntp_capabilities_add_line (caps, "", 0);
  op_nntp_capabilities_add_line (caps, "   ", 3);
  op_nntp_capabilities_add_line (caps, "caf\xc3\xa9 x", 7);   /* not ASCII: ignored */
  op_nntp_capabilities_add_line (caps, nul_line, sizeof nul_line - 1);
  op_nntp_capabilities_add_line (caps, "mode-reader", 11);
  g_assert_cmpuint (op_nntp_capabilities_get_version (caps), ==, 3);
  g_assert_true (op_nntp_capabilities_has (caps, "MODE-READER"));
  g_assert_false (op_nntp_capabilities_has (caps, "CAFÉ"));
  g_assert_cmpstr (op_nntp_capabilities_get_args (caps, "X-ODD")[0], ==, "a b");
}

static void
test_list_active_inn (void)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(OpNntpReply) reply = read_transcript ("inn-list-active.txt", &lines);
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_active_free);

  g_assert_cmpuint (reply->code, ==, 215);
  for (guint i = 0; i < lines->len; i++)
    {
      g_autoptr(GError) error = NULL;
      OpNntpActive *active = op_nntp_parse_active_line (LINE (lines, i), strlen (LINE (lines, i)),
                                                        &error);

      g_assert_no_error (error);
      g_ptr_array_add (groups, active);
    }
  g_assert_cmpuint (groups->len, ==, 6);
  {
    OpNntpActive *control = g_ptr_array_index (groups, 0);
    OpNntpActive *test = g_ptr_array_index (groups, 5);

    g_assert_cmpstr (control->name, ==, "control");
    g_assert_cmpint (control->posting, ==, OP_NNTP_POSTING_FORBIDDEN);
    g_assert_cmpuint (control->high, ==, 0);
    g_assert_cmpuint (control->low, ==, 1);
    g_assert_cmpstr (test->name, ==, "local.test");
    g_assert_cmpuint (test->high, ==, 7);
    g_assert_cmpuint (test->low, ==, 1);
    g_assert_cmpint (test->posting, ==, OP_NNTP_POSTING_ALLOWED);
    g_assert_null (test->alias);
  }
}

static void
test_list_active_statuses (void)
{
  static const struct { const char *line; OpNntpPosting posting; const char *alias; } ok[] = {
    { "comp.lang.c 0000123456 0000100000 m", OP_NNTP_POSTING_MODERATED, NULL },
    { "alt.binaries.x 9 1 x", OP_NNTP_POSTING_NO_LOCAL, NULL },
    { "junk 0 1 j", OP_NNTP_POSTING_JUNK, NULL },
    { "old.name 5 1 =new.name", OP_NNTP_POSTING_ALIAS, "new.name" },
    { "weird 5 1 q", OP_NNTP_POSTING_UNKNOWN, NULL },
    { "weird2 5 1 yes", OP_NNTP_POSTING_UNKNOWN, NULL },
    { "de.talk\t5\t1\ty", OP_NNTP_POSTING_ALLOWED, NULL },
    { "fr.soc.\xc3\xa9t\xc3\xa9 5 1 y", OP_NNTP_POSTING_ALLOWED, NULL },
  };
  static const char *const bad[] = {
    "", "group", "group 1 1", "group 1 1 y extra", "group a 1 y", "group 1 -1 y",
    "gr*up 1 1 y", "gr!up 1 1 y", "bad\xff 1 1 y", "alias 1 1 =", "alias 1 1 =bad*name",
    "group 99999999999999999999 1 y",
  };

  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OpNntpActive) active = op_nntp_parse_active_line (ok[i].line, strlen (ok[i].line),
                                                                  &error);

      g_assert_no_error (error);
      g_assert_cmpint (active->posting, ==, ok[i].posting);
      g_assert_cmpstr (active->alias, ==, ok[i].alias);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OpNntpActive) active = op_nntp_parse_active_line (bad[i], strlen (bad[i]), &error);

      g_test_message ("bad case %u", i);
      g_assert_null (active);
      g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
    }
}

static void
test_newgroups_inn (void)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(OpNntpReply) reply = read_transcript ("inn-newgroups.txt", &lines);
  g_autoptr(OpNntpActive) last = NULL;

  g_assert_cmpuint (reply->code, ==, 231);
  g_assert_cmpuint (lines->len, ==, 3);
  last = op_nntp_parse_active_line (LINE (lines, 2), strlen (LINE (lines, 2)), NULL);
  g_assert_cmpstr (last->name, ==, "local.test");
  g_assert_cmpuint (last->high, ==, 7);
  g_assert_cmpuint (last->low, ==, 1);
}

static void
test_list_newsgroups (void)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(OpNntpReply) reply = read_transcript ("inn-list-newsgroups.txt", &lines);
  static const char nul_line[] = "g.nul\ta\0b";
  char *name = NULL, *description = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (reply->code, ==, 215);
  g_assert_cmpuint (lines->len, ==, 3);
  g_assert_true (op_nntp_parse_newsgroups_line (LINE (lines, 2), strlen (LINE (lines, 2)),
                                                &name, &description, &error));
  g_assert_cmpstr (name, ==, "local.test");
  g_assert_cmpstr (description, ==, "Threaded articles for the Outpost tests.");
  g_clear_pointer (&name, g_free);
  g_clear_pointer (&description, g_free);

  /* Spaces as the separator, an empty description, Latin-1, a NUL. */
  g_assert_true (op_nntp_parse_newsgroups_line ("comp.lang.c   Discussion about C.  ", 35,
                                                &name, &description, NULL));
  g_assert_cmpstr (description, ==, "Discussion about C.");
  g_clear_pointer (&name, g_free);
  g_clear_pointer (&description, g_free);
  g_assert_true (op_nntp_parse_newsgroups_line ("empty.desc", 10, &name, &description, NULL));
  g_assert_cmpstr (description, ==, "");
  g_clear_pointer (&name, g_free);
  g_clear_pointer (&description, g_free);
  g_assert_true (op_nntp_parse_newsgroups_line ("de.caf\tCaf\xe9", 11, &name, &description, NULL));
  g_assert_cmpstr (description, ==, "Caf\xef\xbf\xbd");
  g_clear_pointer (&name, g_free);
  g_clear_pointer (&description, g_free);
  g_assert_true (op_nntp_parse_newsgroups_line (nul_line, sizeof nul_line - 1, &name,
                                                &description, NULL));
  g_assert_cmpstr (description, ==, "a b");
  g_clear_pointer (&name, g_free);
  g_clear_pointer (&description, g_free);

  g_assert_false (op_nntp_parse_newsgroups_line ("", 0, &name, &description, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
  g_assert_null (name);
}

static void
test_list_active_times (void)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(OpNntpReply) reply = read_transcript ("inn-list-active-times.txt", &lines);
  char *name = NULL, *creator = NULL;
  gint64 created = 0;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (reply->code, ==, 215);
  g_assert_cmpuint (lines->len, ==, 3);
  g_assert_true (op_nntp_parse_active_times_line (LINE (lines, 2), strlen (LINE (lines, 2)),
                                                  &name, &created, &creator, &error));
  g_assert_cmpstr (name, ==, "local.test");
  g_assert_cmpint (created, ==, 1700000000);
  g_assert_cmpstr (creator, ==, "outpost@example.test");
  g_clear_pointer (&name, g_free);
  g_clear_pointer (&creator, g_free);

  g_assert_true (op_nntp_parse_active_times_line ("no.creator 12", 13, &name, &created,
                                                  &creator, NULL));
  g_assert_cmpstr (creator, ==, "");
  g_clear_pointer (&name, g_free);
  g_clear_pointer (&creator, g_free);
  g_assert_false (op_nntp_parse_active_times_line ("g x y", 5, &name, &created, &creator, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
}

static void
test_hdr (void)
{
  g_autoptr(GPtrArray) hdr_lines = NULL;
  g_autoptr(GPtrArray) xhdr_lines = NULL;
  g_autoptr(OpNntpReply) hdr = read_transcript ("inn-hdr.txt", &hdr_lines);
  g_autoptr(OpNntpReply) xhdr = read_transcript ("inn-xhdr.txt", &xhdr_lines);
  guint64 number = 0;
  char *value = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (hdr->code, ==, 225);
  g_assert_cmpuint (xhdr->code, ==, 221);
  g_assert_cmpuint (hdr_lines->len, ==, 3);
  g_assert_true (op_nntp_parse_hdr_line (LINE (hdr_lines, 1), strlen (LINE (hdr_lines, 1)),
                                         &number, &value, &error));
  g_assert_cmpuint (number, ==, 2);
  g_assert_cmpstr (value, ==, "Re: Threading fixture");
  g_clear_pointer (&value, g_free);

  g_assert_cmpuint (xhdr_lines->len, ==, 7);
  g_assert_true (op_nntp_parse_hdr_line (LINE (xhdr_lines, 0), strlen (LINE (xhdr_lines, 0)),
                                         &number, &value, NULL));
  g_assert_cmpuint (number, ==, 1);
  g_assert_cmpstr (value, ==, "");
  g_clear_pointer (&value, g_free);
  g_assert_true (op_nntp_parse_hdr_line (LINE (xhdr_lines, 2), strlen (LINE (xhdr_lines, 2)),
                                         &number, &value, NULL));
  g_assert_cmpstr (value, ==, "<root.1@outpost.example.test> <reply.2@outpost.example.test>");
  g_clear_pointer (&value, g_free);

  g_assert_true (op_nntp_parse_hdr_line ("7", 1, &number, &value, NULL));
  g_assert_cmpstr (value, ==, "");
  g_clear_pointer (&value, g_free);
  g_assert_true (op_nntp_parse_hdr_line ("0 a\tb", 5, &number, &value, NULL));
  g_assert_cmpuint (number, ==, 0);
  g_assert_cmpstr (value, ==, "a b");
  g_clear_pointer (&value, g_free);
  g_assert_false (op_nntp_parse_hdr_line ("x value", 7, &number, &value, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
  g_assert_null (value);
}

static void
test_newnews (void)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(OpNntpReply) reply = read_transcript ("inn-newnews.txt", &lines);
  static const char *const bad[] = {
    "", "<>", "root.1@example", "<a@b", "<a b@c>", "<a>b@c>", "<a@b> <c@d>",
  };

  g_assert_cmpuint (reply->code, ==, 230);
  g_assert_cmpuint (lines->len, ==, 7);
  for (guint i = 0; i < lines->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *id = op_nntp_parse_message_id_line (LINE (lines, i),
                                                           strlen (LINE (lines, i)), &error);

      g_assert_no_error (error);
      g_assert_cmpstr (id, ==, LINE (lines, i));
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *id = op_nntp_parse_message_id_line (bad[i], strlen (bad[i]), &error);

      g_assert_null (id);
      g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
    }
  {
    g_autofree char *long_id = g_strnfill (OP_NNTP_MAX_MESSAGE_ID + 1, 'a');

    long_id[0] = '<';
    long_id[OP_NNTP_MAX_MESSAGE_ID] = '>';
    g_assert_false (op_nntp_message_id_is_valid (long_id, OP_NNTP_MAX_MESSAGE_ID + 1));
    long_id[OP_NNTP_MAX_MESSAGE_ID - 1] = '>';
    g_assert_true (op_nntp_message_id_is_valid (long_id, OP_NNTP_MAX_MESSAGE_ID));
  }
}

static void
test_listgroup (void)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(OpNntpReply) reply = read_transcript ("inn-listgroup-range.txt", &lines);
  g_autoptr(GError) error = NULL;
  guint64 number = 0;

  g_assert_cmpuint (reply->code, ==, 211);
  g_assert_true (op_nntp_reply_is_multiline (reply, TRUE));
  g_assert_cmpuint (lines->len, ==, 4);
  for (guint i = 0; i < lines->len; i++)
    {
      g_assert_true (op_nntp_parse_number_line (LINE (lines, i), strlen (LINE (lines, i)),
                                                &number, &error));
      g_assert_cmpuint (number, ==, i + 2);
    }
  g_assert_false (op_nntp_parse_number_line ("0", 1, &number, &error));
  g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
  g_clear_error (&error);
  g_assert_false (op_nntp_parse_number_line ("4x", 2, &number, &error));
  g_clear_error (&error);
}

/* --- OVERVIEW.FMT and OVER ---------------------------------------------------------- */

static OpNntpOverviewFormat *
inn_format (void)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(OpNntpReply) reply = read_transcript ("inn-list-overview-fmt.txt", &lines);
  OpNntpOverviewFormat *format = op_nntp_overview_format_new ();

  g_assert_cmpuint (reply->code, ==, 215);
  for (guint i = 0; i < lines->len; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (op_nntp_overview_format_add_line (format, LINE (lines, i),
                                                       strlen (LINE (lines, i)), &error));
      g_assert_no_error (error);
    }
  return format;
}

static void
test_over_format (void)
{
  g_autoptr(OpNntpOverviewFormat) inn = inn_format ();
  g_autoptr(OpNntpOverviewFormat) rfc = op_nntp_overview_format_new ();
  g_autoptr(OpNntpOverviewFormat) def = op_nntp_overview_format_new_default ();
  static const char *const rfc_lines[] = {
    "Subject:", "From:", "Date:", "Message-ID:", "References:", ":bytes", ":lines",
    "Xref:", "Newsgroups:full", ":x-meta",
  };

  g_assert_true (op_nntp_overview_format_is_complete (inn));
  g_assert_cmpuint (op_nntp_overview_format_get_n_extra (inn), ==, 1);
  g_assert_cmpstr (op_nntp_overview_format_get_extra_name (inn, 0), ==, "Xref");
  g_assert_true (op_nntp_overview_format_extra_is_full (inn, 0));
  g_assert_cmpint (op_nntp_overview_format_find_extra (inn, "xref"), ==, 0);
  g_assert_cmpint (op_nntp_overview_format_find_extra (inn, "Newsgroups"), ==, -1);

  for (guint i = 0; i < G_N_ELEMENTS (rfc_lines); i++)
    g_assert_true (op_nntp_overview_format_add_line (rfc, rfc_lines[i], strlen (rfc_lines[i]),
                                                     NULL));
  g_assert_cmpuint (op_nntp_overview_format_get_n_extra (rfc), ==, 3);
  g_assert_false (op_nntp_overview_format_extra_is_full (rfc, 0));
  g_assert_true (op_nntp_overview_format_extra_is_full (rfc, 1));
  g_assert_cmpstr (op_nntp_overview_format_get_extra_name (rfc, 2), ==, "x-meta");

  g_assert_true (op_nntp_overview_format_is_complete (def));
  g_assert_cmpuint (op_nntp_overview_format_get_n_extra (def), ==, 0);

  /* The seven fixed fields come first, in order; extras must look like headers. */
  {
    g_autoptr(OpNntpOverviewFormat) wrong = op_nntp_overview_format_new ();
    g_autoptr(GError) error = NULL;

    g_assert_false (op_nntp_overview_format_add_line (wrong, "From:", 5, &error));
    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
    g_assert_false (op_nntp_overview_format_is_complete (wrong));
  }
  {
    static const char *const bad[] = { "Xref:fool", "Xref", ":", "X ref:", "Xref::full" };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(OpNntpOverviewFormat) format = op_nntp_overview_format_new_default ();
        g_autoptr(GError) error = NULL;

        g_assert_false (op_nntp_overview_format_add_line (format, bad[i], strlen (bad[i]), &error));
        g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
      }
  }
}

static OpNntpOverview *
over_ok (const OpNntpOverviewFormat *format,
         const char                 *line,
         gsize                       length)
{
  g_autoptr(GError) error = NULL;
  OpNntpOverview *overview = op_nntp_overview_parse (format, line, length, &error);

  g_assert_no_error (error);
  g_assert_nonnull (overview);
  return overview;
}

static void
test_over_inn (void)
{
  g_autoptr(OpNntpOverviewFormat) format = inn_format ();
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(OpNntpReply) reply = read_transcript ("inn-over.txt", &lines);

  g_assert_cmpuint (reply->code, ==, 224);
  g_assert_cmpuint (lines->len, ==, 7);
  for (guint i = 0; i < lines->len; i++)
    {
      g_autoptr(OpNntpOverview) ov = over_ok (format, LINE (lines, i), strlen (LINE (lines, i)));
      g_autofree char *xref = g_strdup_printf ("outpost-test.localdomain local.test:%u", i + 1);

      g_assert_cmpuint (ov->number, ==, i + 1);
      g_assert_cmpstr (op_nntp_overview_get_extra (ov, format, "Xref"), ==, xref);
      g_assert_true (op_nntp_message_id_is_valid (ov->message_id, strlen (ov->message_id)));
    }
  {
    g_autoptr(OpNntpOverview) ov = over_ok (format, LINE (lines, 2), strlen (LINE (lines, 2)));

    g_assert_cmpstr (ov->subject, ==, "Re: Threading fixture");
    g_assert_cmpstr (ov->from, ==, "Alice <alice@example.test>");
    g_assert_cmpstr (ov->date, ==, "Mon, 01 Jan 2024 12:00:00 +0000");
    g_assert_cmpstr (ov->message_id, ==, "<reply.3@outpost.example.test>");
    g_assert_cmpstr (ov->references, ==, "<root.1@outpost.example.test> <reply.2@outpost.example.test>");
    g_assert_cmpuint (ov->bytes, ==, 477);
    g_assert_cmpuint (ov->lines, ==, 1);
  }
  {
    g_autoptr(OpNntpOverview) ov = over_ok (format, LINE (lines, 6), strlen (LINE (lines, 6)));

    g_assert_cmpstr (ov->subject, ==, "=?UTF-8?B?5Y+m5LiA5Liq6K+d6aKY?= (another topic)");
    g_assert_cmpstr (ov->references, ==, "");
  }
}

/* "Xref:full": the field carries "Xref: "; a server that leaves the name out anyway
 * gives the same value. */
static void
test_over_full_field (void)
{
  g_autoptr(OpNntpOverviewFormat) format = inn_format ();
  static const char with_name[] = "9\tS\tF\tD\t<a@b>\t\t10\t2\tXref: host g:9";
  static const char without[] = "9\tS\tF\tD\t<a@b>\t\t10\t2\thost g:9";
  static const char lower[] = "9\tS\tF\tD\t<a@b>\t\t10\t2\txref:host g:9";
  static const char missing[] = "9\tS\tF\tD\t<a@b>\t\t10\t2";
  g_autoptr(OpNntpOverview) a = over_ok (format, with_name, sizeof with_name - 1);
  g_autoptr(OpNntpOverview) b = over_ok (format, without, sizeof without - 1);
  g_autoptr(OpNntpOverview) c = over_ok (format, lower, sizeof lower - 1);
  g_autoptr(OpNntpOverview) d = over_ok (format, missing, sizeof missing - 1);

  g_assert_cmpstr (a->extra[0], ==, "host g:9");
  g_assert_cmpstr (b->extra[0], ==, "host g:9");
  g_assert_cmpstr (c->extra[0], ==, "host g:9");
  g_assert_cmpstr (d->extra[0], ==, "");
  g_assert_null (d->extra[1]);
}

/* A TAB inside Subject (a server that did not turn it into a space) must not make the
 * author a date and the Message-ID a References list. */
static void
test_over_tab_in_subject (void)
{
  g_autoptr(OpNntpOverviewFormat) format = inn_format ();
  static const char line[] = "5\tPart 1\tof\t3\tAlice <a@example.test>\tMon, 01 Jan 2024 10:00:00 +0000\t<s@x>\t<r@x>\t1234\t20\tXref: h g:5";
  g_autoptr(OpNntpOverview) ov = over_ok (format, line, sizeof line - 1);

  g_assert_cmpuint (ov->number, ==, 5);
  g_assert_cmpstr (ov->subject, ==, "Part 1 of 3");
  g_assert_cmpstr (ov->from, ==, "Alice <a@example.test>");
  g_assert_cmpstr (ov->date, ==, "Mon, 01 Jan 2024 10:00:00 +0000");
  g_assert_cmpstr (ov->message_id, ==, "<s@x>");
  g_assert_cmpstr (ov->references, ==, "<r@x>");
  g_assert_cmpuint (ov->bytes, ==, 1234);
  g_assert_cmpuint (ov->lines, ==, 20);
  g_assert_cmpstr (ov->extra[0], ==, "h g:5");
}

static void
test_over_tab_in_references (void)
{
  g_autoptr(OpNntpOverviewFormat) format = inn_format ();
  static const char line[] = "6\tRe: x\tB <b@x>\tD\t<m@x>\t<r1@x>\t<r2@x>\t<r3@x>\t99\t3\tXref: h g:6";
  g_autoptr(OpNntpOverview) ov = over_ok (format, line, sizeof line - 1);

  g_assert_cmpstr (ov->subject, ==, "Re: x");
  g_assert_cmpstr (ov->message_id, ==, "<m@x>");
  g_assert_cmpstr (ov->references, ==, "<r1@x> <r2@x> <r3@x>");
  g_assert_cmpuint (ov->bytes, ==, 99);
  g_assert_cmpuint (ov->lines, ==, 3);
  g_assert_cmpstr (ov->extra[0], ==, "h g:6");
}

/* NUL, CR and other control bytes become spaces; nothing is cut short. Invalid UTF-8
 * becomes U+FFFD. */
static void
test_over_nul_and_controls (void)
{
  g_autoptr(OpNntpOverviewFormat) format = op_nntp_overview_format_new_default ();
  static const char line[] = "7\tA\0B\rC\x01" "D\tCaf\xe9 <c@x>\tD\t<m@x>\t\t\t";
  g_autoptr(OpNntpOverview) ov = over_ok (format, line, sizeof line - 1);

  g_assert_cmpstr (ov->subject, ==, "A B C D");
  g_assert_cmpstr (ov->from, ==, "Caf\xef\xbf\xbd <c@x>");
  g_assert_cmpuint (ov->bytes, ==, 0);
  g_assert_cmpuint (ov->lines, ==, 0);
  g_assert_nonnull (ov->extra);
  g_assert_null (ov->extra[0]);
}

static void
test_over_bad_lines (void)
{
  g_autoptr(OpNntpOverviewFormat) format = inn_format ();
  static const char *const bad[] = {
    "",
    "1",
    "1\tS\tF\tD\t<m@x>\t\t10",                 /* too few fields */
    "x\tS\tF\tD\t<m@x>\t\t10\t2",               /* the number is not one */
    "-1\tS\tF\tD\t<m@x>\t\t10\t2",
    "1\tS\tF\tD\tnot-an-id\t\t10\t2",           /* no Message-ID anywhere */
    "1\tS\tF\tD\t<m@x>\t\tmany\tfew",           /* no counts after References */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OpNntpOverview) ov = op_nntp_overview_parse (format, bad[i], strlen (bad[i]),
                                                             &error);

      g_test_message ("bad case %u", i);
      g_assert_null (ov);
      g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
  {
    g_autofree char *tabs = g_strnfill (1000, '\t');
    g_autoptr(GError) error = NULL;
    g_autoptr(OpNntpOverview) ov = op_nntp_overview_parse (format, tabs, 1000, &error);

    g_assert_null (ov);
    g_assert_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nntp/status/codes", test_status_codes);
  g_test_add_func ("/nntp/status/inn-transcript", test_status_inn);
  g_test_add_func ("/nntp/status/multiline-codes", test_status_multiline);
  g_test_add_func ("/nntp/status/group", test_group_reply);
  g_test_add_func ("/nntp/status/article", test_article_reply);
  g_test_add_func ("/nntp/status/date", test_date);
  g_test_add_func ("/nntp/range", test_range);
  g_test_add_func ("/nntp/error/mapping", test_error_mapping);
  g_test_add_func ("/nntp/block/article-unstuffing", test_block_article_unstuffing);
  g_test_add_func ("/nntp/block/chunked", test_block_chunked);
  g_test_add_func ("/nntp/block/limits", test_block_limits);
  g_test_add_func ("/nntp/capabilities/inn", test_capabilities_inn);
  g_test_add_func ("/nntp/capabilities/edge", test_capabilities_edge);
  g_test_add_func ("/nntp/list/active/inn", test_list_active_inn);
  g_test_add_func ("/nntp/list/active/statuses", test_list_active_statuses);
  g_test_add_func ("/nntp/list/newgroups", test_newgroups_inn);
  g_test_add_func ("/nntp/list/newsgroups", test_list_newsgroups);
  g_test_add_func ("/nntp/list/active-times", test_list_active_times);
  g_test_add_func ("/nntp/hdr/inn", test_hdr);
  g_test_add_func ("/nntp/newnews/inn", test_newnews);
  g_test_add_func ("/nntp/listgroup/inn", test_listgroup);
  g_test_add_func ("/nntp/over/format", test_over_format);
  g_test_add_func ("/nntp/over/inn", test_over_inn);
  g_test_add_func ("/nntp/over/full-field", test_over_full_field);
  g_test_add_func ("/nntp/over/tab-in-subject", test_over_tab_in_subject);
  g_test_add_func ("/nntp/over/tab-in-references", test_over_tab_in_references);
  g_test_add_func ("/nntp/over/nul-and-controls", test_over_nul_and_controls);
  g_test_add_func ("/nntp/over/bad-lines", test_over_bad_lines);

  return g_test_run ();
}
