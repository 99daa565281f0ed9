/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ftp-reply"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-ftp-error.h"
#include "op-ftp-reply.h"
#include "op-test-fixtures.h"

/*
 * The FTP reply parser (RFC 959 §4.2), the parsers of replies that carry data (PASV,
 * EPSV, PWD, MDTM, SIZE, FEAT) and the mapping of reply codes to OP_FTP_ERROR codes.
 * Real FEAT replies live in tests/data/ftp-replies/ (also the fuzzer's seeds).
 */

/* Pushes @lines (NULL-terminated) and returns the one reply they make; every line but the
 * last must ask for more. */
static OpFtpReply *
parse_lines (const char * const *lines)
{
  g_autoptr(OpFtpReplyParser) parser = op_ftp_reply_parser_new ();

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      OpFtpReply *reply = op_ftp_reply_parser_push_line (parser, lines[i], strlen (lines[i]),
                                                         &error);

      g_assert_no_error (error);
      if (lines[i + 1] == NULL)
        {
          g_assert_nonnull (reply);
          return reply;
        }
      g_assert_null (reply);
    }
  g_assert_not_reached ();
  return NULL;
}

static OpFtpReply *
parse_one (const char *line)
{
  const char *lines[] = { line, NULL };

  return parse_lines (lines);
}

/* A reply file from tests/data/ftp-replies/, CRLF or LF lines. */
static OpFtpReply *
parse_file (const char *name)
{
  g_autofree char *path = op_test_data_path ("ftp-replies", name, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_auto(GStrv) lines = NULL;
  gsize length;
  guint n;

  g_file_get_contents (path, &data, &length, &error);
  g_assert_no_error (error);
  lines = g_strsplit (data, "\n", -1);
  n = g_strv_length (lines);
  /* The file ends with a line break: drop the empty piece after it. */
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpstr (lines[n - 1], ==, "");
  g_clear_pointer (&lines[n - 1], g_free);
  for (guint i = 0; lines[i] != NULL; i++)
    g_strchomp (lines[i]) /* CR */;
  return parse_lines ((const char * const *) lines);
}

/* --- the parser --------------------------------------------------------------------- */

static void
test_single_line (void)
{
  g_autoptr(OpFtpReply) reply = parse_one ("220 Service ready");
  g_autoptr(OpFtpReply) bare = parse_one ("200");

  g_assert_cmpuint (reply->code, ==, 220);
  g_assert_cmpuint (OP_FTP_REPLY_CLASS (reply), ==, 2);
  g_assert_cmpstr (reply->text, ==, "Service ready");
  g_assert_cmpuint (g_strv_length (reply->lines), ==, 1);
  g_assert_cmpstr (reply->lines[0], ==, "220 Service ready");

  g_assert_cmpuint (bare->code, ==, 200);
  g_assert_cmpstr (bare->text, ==, "");
}

static void
test_multi_line (void)
{
  const char *lines[] = {
    "230-Welcome",
    "230-second line",
    " indented third",
    "230 Login successful.",
    NULL
  };
  g_autoptr(OpFtpReply) reply = parse_lines (lines);

  g_assert_cmpuint (reply->code, ==, 230);
  g_assert_cmpstr (reply->text, ==,
                   "Welcome\nsecond line\nindented third\nLogin successful.");
  g_assert_cmpuint (g_strv_length (reply->lines), ==, 4);
  g_assert_cmpstr (reply->lines[2], ==, " indented third");
}

static void
test_odd_continuation_lines (void)
{
  /* RFC 959 §4.2: only "NNN " with the first line's code ends a multi-line reply. */
  const char *lines[] = {
    "123-First line",
    "Second line",
    "  234 A line indented with spaces",
    "456 A line starting with another code",
    "123-A line with the code and a hyphen",
    "123-",
    "",
    "1234 four digits",
    "12 two digits",
    "123",
    NULL
  };
  g_autoptr(OpFtpReply) reply = parse_lines (lines);
  g_autoptr(OpFtpReplyParser) parser = op_ftp_reply_parser_new ();
  g_autoptr(OpFtpReply) after = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (reply->code, ==, 123);
  g_assert_cmpuint (g_strv_length (reply->lines), ==, 10);
  g_assert_cmpstr (reply->text, ==,
                   "First line\nSecond line\n 234 A line indented with spaces\n"
                   "456 A line starting with another code\nA line with the code and a hyphen\n"
                   "\n\n1234 four digits\n12 two digits\n");

  /* The parser is ready for the next reply at once. */
  g_assert_null (op_ftp_reply_parser_push_line (parser, "211-a", 5, &error));
  g_assert_no_error (error);
  after = op_ftp_reply_parser_push_line (parser, "211 b", 5, &error);
  g_assert_no_error (error);
  g_assert_nonnull (after);
  g_clear_pointer (&after, op_ftp_reply_free);
  after = op_ftp_reply_parser_push_line (parser, "200 c", 5, &error);
  g_assert_no_error (error);
  g_assert_nonnull (after);
  g_assert_cmpuint (after->code, ==, 200);
  g_assert_cmpstr (after->text, ==, "c");
}

static void
test_multi_line_greeting_file (void)
{
  g_autoptr(OpFtpReply) reply = parse_file ("greeting-multiline.txt");

  g_assert_cmpuint (reply->code, ==, 220);
  g_assert_cmpstr (reply->text, ==, "Welcome to the test server\n\n"
                                    "123 this line starts with another code\n"
                                    "still the banner\n\nready");
}

static void
test_not_a_reply (void)
{
  static const char * const bad[] = {
    "hello", "22 short", "2200 four digits", "620 out of range", "020 leading zero",
    "220x", "", " 220 indented", "22a letters",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(OpFtpReplyParser) parser = op_ftp_reply_parser_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(OpFtpReply) reply = NULL;
      g_autofree char *expected = g_strdup_printf ("The server sent “%s”, which is not an "
                                                   "FTP reply.", bad[i]);

      reply = op_ftp_reply_parser_push_line (parser, bad[i], strlen (bad[i]), &error);
      g_assert_null (reply);
      g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY);
      g_assert_cmpstr (error->message, ==, expected);
    }
}

static void
test_nul_and_invalid_utf8 (void)
{
  /* A NUL after the code is no separator: not a reply, and the message stays UTF-8. */
  static const char nul_line[] = "220\0hidden";
  static const char latin1[] = "550 Datei \xe4rger";
  g_autoptr(OpFtpReplyParser) parser = op_ftp_reply_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OpFtpReply) reply = NULL;

  reply = op_ftp_reply_parser_push_line (parser, nul_line, sizeof nul_line - 1, &error);
  g_assert_null (reply);
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);

  /* Inside a multi-line reply such a line does not end it, and the text stays UTF-8. */
  g_assert_null (op_ftp_reply_parser_push_line (parser, "220-a", 5, &error));
  g_assert_null (op_ftp_reply_parser_push_line (parser, nul_line, sizeof nul_line - 1, &error));
  g_assert_no_error (error);
  reply = op_ftp_reply_parser_push_line (parser, "220 z", 5, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  g_assert_true (g_utf8_validate (reply->text, -1, NULL));
  g_assert_cmpstr (reply->lines[1], ==, "220\xef\xbf\xbdhidden");
  g_clear_pointer (&reply, op_ftp_reply_free);

  reply = op_ftp_reply_parser_push_line (parser, latin1, strlen (latin1), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply->text, ==, "Datei \xef\xbf\xbdrger");
}

static void
test_line_limit (void)
{
  g_autoptr(OpFtpReplyParser) parser = op_ftp_reply_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OpFtpReply) reply = NULL;
  g_autofree char *long_line = g_strnfill (OP_FTP_REPLY_MAX_LINE + 1000, 'x');
  g_autofree char *expected = NULL;

  /* A line longer than the limit is cut there (the connection refuses such lines
   * before they reach the parser; the parser still never keeps more). */
  memcpy (long_line, "200 ", 4);
  reply = op_ftp_reply_parser_push_line (parser, long_line, strlen (long_line), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (reply->lines[0]), ==, OP_FTP_REPLY_MAX_LINE);
  g_clear_pointer (&reply, op_ftp_reply_free);

  /* A reply that never ends is refused at the line limit, and the parser starts over. */
  g_assert_null (op_ftp_reply_parser_push_line (parser, "211-start", 9, &error));
  for (guint i = 1; i < OP_FTP_REPLY_MAX_LINES; i++)
    {
      g_assert_null (op_ftp_reply_parser_push_line (parser, " more", 5, &error));
      g_assert_no_error (error);
    }
  g_assert_null (op_ftp_reply_parser_push_line (parser, " one too many", 13, &error));
  expected = g_strdup_printf ("The server sent a reply of more than %d lines.",
                              OP_FTP_REPLY_MAX_LINES);
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  reply = op_ftp_reply_parser_push_line (parser, "200 ok", 6, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  g_assert_cmpuint (reply->code, ==, 200);
}

static void
test_copy (void)
{
  const char *lines[] = { "211-a", " b", "211 c", NULL };
  g_autoptr(OpFtpReply) reply = parse_lines (lines);
  g_autoptr(OpFtpReply) copy = op_ftp_reply_copy (reply);

  g_assert_cmpuint (copy->code, ==, 211);
  g_assert_cmpstr (copy->text, ==, reply->text);
  g_assert_cmpstrv (copy->lines, reply->lines);
}

/* --- replies that carry data -------------------------------------------------------- */

static void
assert_pasv (const char *line,
             const char *address,
             guint16     port)
{
  g_autoptr(OpFtpReply) reply = parse_one (line);
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;
  guint16 got_port = 0;

  g_assert_true (op_ftp_reply_parse_pasv (reply, &got, &got_port, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, address);
  g_assert_cmpuint (got_port, ==, port);
}

static void
assert_pasv_refused (const char *line)
{
  g_autoptr(OpFtpReply) reply = parse_one (line);
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;
  g_autofree char *expected = g_strdup_printf ("The server’s reply did not contain a "
                                               "passive-mode address: “%u %s”.",
                                               reply->code, reply->text);
  guint16 got_port = 0;

  g_assert_false (op_ftp_reply_parse_pasv (reply, &got, &got_port, &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_pasv (void)
{
  assert_pasv ("227 Entering Passive Mode (127,0,0,1,195,80).", "127.0.0.1", 195 * 256 + 80);
  assert_pasv ("227 Entering Passive Mode 10,1,2,3,4,1", "10.1.2.3", 1025);
  assert_pasv ("227 =192,168,0,1,0,21", "192.168.0.1", 21);
  assert_pasv ("227 Passive (7 clients) 1,2,3,4,255,255", "1.2.3.4", 65535);
  assert_pasv ("227 (010,000,000,001,004,001)", "10.0.0.1", 1025);

  assert_pasv_refused ("227 Entering Passive Mode (256,0,0,1,4,1)");
  assert_pasv_refused ("227 Entering Passive Mode (127,0,0,1,4,256)");
  assert_pasv_refused ("227 Entering Passive Mode (127,0,0,1,0,0)");
  assert_pasv_refused ("227 Entering Passive Mode (127,0,0,1,4)");
  assert_pasv_refused ("227 Entering Passive Mode (127,0,0,1,4,99999999999999999999)");
  assert_pasv_refused ("227 Entering Passive Mode");
  assert_pasv_refused ("227 (127.0.0.1:1025)");
}

static void
assert_epsv (const char *line,
             guint16     port)
{
  g_autoptr(OpFtpReply) reply = parse_one (line);
  g_autoptr(GError) error = NULL;
  guint16 got = 0;

  g_assert_true (op_ftp_reply_parse_epsv (reply, &got, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, port);
}

static void
assert_epsv_refused (const char *line)
{
  g_autoptr(OpFtpReply) reply = parse_one (line);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("The server’s reply did not contain an "
                                               "extended passive-mode port: “%u %s”.",
                                               reply->code, reply->text);
  guint16 got = 0;

  g_assert_false (op_ftp_reply_parse_epsv (reply, &got, &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_epsv (void)
{
  assert_epsv ("229 Entering Extended Passive Mode (|||50000|)", 50000);
  assert_epsv ("229 Extended Passive (!!!1!)", 1);
  assert_epsv ("229 (~~~65535~)", 65535);
  assert_epsv ("229 ignored (x) then (###2121#)", 2121);

  assert_epsv_refused ("229 Entering Extended Passive Mode (|||0|)");
  assert_epsv_refused ("229 Entering Extended Passive Mode (|||65536|)");
  assert_epsv_refused ("229 Entering Extended Passive Mode (|!|1234|)");
  assert_epsv_refused ("229 Entering Extended Passive Mode (111123451)");
  assert_epsv_refused ("229 Entering Extended Passive Mode (   1234 )");
  assert_epsv_refused ("229 Entering Extended Passive Mode (|||1234!)");
  assert_epsv_refused ("229 Entering Extended Passive Mode (|||1234|");
  assert_epsv_refused ("229 Entering Extended Passive Mode (|||)");
  assert_epsv_refused ("229 Entering Extended Passive Mode (|");
  assert_epsv_refused ("229 Entering Extended Passive Mode |||1234|");
}

static void
test_pwd_quoted_quotes (void)
{
  g_autoptr(OpFtpReply) reply = parse_file ("pwd.txt");
  g_autoptr(OpFtpReply) root = parse_one ("257 \"/\"");
  g_autoptr(OpFtpReply) unterminated = parse_one ("257 \"/a \"\"b");
  g_autoptr(OpFtpReply) none = parse_one ("257 /home/user");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *root_path = NULL;
  g_autofree char *other = NULL;

  g_assert_true (op_ftp_reply_parse_pwd (reply, &path, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, "/a \"quoted\" dir");

  g_assert_true (op_ftp_reply_parse_pwd (root, &root_path, &error));
  g_assert_cmpstr (root_path, ==, "/");

  g_assert_false (op_ftp_reply_parse_pwd (unterminated, &other, &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY);
  g_assert_cmpstr (error->message, ==,
                   "The server’s reply did not contain a folder name: “257 \"/a \"\"b”.");
  g_clear_error (&error);
  g_assert_false (op_ftp_reply_parse_pwd (none, &other, &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY);
  g_assert_null (other);
}

static gint64
utc (int year, int month, int day, int hour, int minute, int second)
{
  g_autoptr(GDateTime) dt = g_date_time_new_utc (year, month, day, hour, minute, second);

  return g_date_time_to_unix (dt);
}

static void
test_mdtm_with_fraction (void)
{
  static const struct { const char *line; gboolean ok; } cases[] = {
    { "213 20240102030405", TRUE },
    { "213 20240102030405.123", TRUE },
    { "213 20240102030405.1", TRUE },
    { "213 20240102030405 extra words", TRUE },
    { "213 20240102030405.", FALSE },
    { "213 20240102030405.12a", FALSE },
    { "213 2024010203040", FALSE },
    { "213 20241302030405", FALSE },
    { "213 2024-01-02 03:04:05", FALSE },
    { "550 20240102030405", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(OpFtpReply) reply = parse_one (cases[i].line);
      g_autoptr(GError) error = NULL;
      gint64 mtime = -1;

      if (cases[i].ok)
        {
          g_assert_true (op_ftp_reply_parse_mdtm (reply, &mtime, &error));
          g_assert_no_error (error);
          g_assert_cmpint (mtime, ==, utc (2024, 1, 2, 3, 4, 5));
        }
      else
        {
          g_autofree char *expected = g_strdup_printf ("The server’s reply did not contain a "
                                                       "modification time: “%s”.",
                                                       cases[i].line);

          g_assert_false (op_ftp_reply_parse_mdtm (reply, &mtime, &error));
          g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY);
          g_assert_cmpstr (error->message, ==, expected);
        }
    }
}

static void
test_size (void)
{
  static const struct { const char *line; gboolean ok; guint64 size; } cases[] = {
    { "213 0", TRUE, 0 },
    { "213 1048576", TRUE, 1048576 },
    { "213 9223372036854775807", TRUE, G_MAXINT64 },
    { "213 12 bytes", TRUE, 12 },
    { "213 9223372036854775808", FALSE, 0 },
    /* 2^64 and 2^64 + 5 must not wrap around into small sizes. */
    { "213 18446744073709551616", FALSE, 0 },
    { "213 18446744073709551621", FALSE, 0 },
    { "213 99999999999999999999999", FALSE, 0 },
    { "213 -1", FALSE, 0 },
    { "213 12abc", FALSE, 0 },
    { "213 ", FALSE, 0 },
    { "550 12", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(OpFtpReply) reply = parse_one (cases[i].line);
      g_autoptr(GError) error = NULL;
      guint64 size = 42;

      g_test_message ("%s", cases[i].line);
      if (cases[i].ok)
        {
          g_assert_true (op_ftp_reply_parse_size (reply, &size, &error));
          g_assert_no_error (error);
          g_assert_cmpuint (size, ==, cases[i].size);
        }
      else
        {
          g_autofree char *expected = g_strdup_printf ("The server’s reply did not contain a "
                                                       "file size: “%s”.", cases[i].line);

          g_assert_false (op_ftp_reply_parse_size (reply, &size, &error));
          g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY);
          g_assert_cmpstr (error->message, ==, expected);
        }
    }
}

/* The size a server announces as it opens a RETR's data connection. */
static void
test_announced_size (void)
{
  const struct
  {
    const char *line;
    gboolean    ok;
    guint64     size;
  } cases[] = {
    /* vsftpd 3.0 and ProFTPD 1.3 */
    { "150 Opening BINARY mode data connection for f0.bin (4096 bytes).", TRUE, 4096 },
    { "150 Opening BINARY mode data connection for /pub/f0.bin (4096 bytes)", TRUE, 4096 },
    { "125 Data connection already open; Transfer starting. (0 bytes)", TRUE, 0 },
    /* A name with parentheses of its own: the last count is the size. */
    { "150 Opening BINARY mode data connection for a (12 bytes) b.txt (99 bytes).", TRUE, 99 },
    /* Pure-FTPd: no exact count. */
    { "150 4.0 kbytes to download", FALSE, 0 },
    { "150 Accepted data connection", FALSE, 0 },
    { "150 Opening data connection for x (bytes)", FALSE, 0 },
    { "150 Opening data connection for x (-5 bytes)", FALSE, 0 },
    { "150 Opening data connection for x (18446744073709551616 bytes)", FALSE, 0 },
    /* Only a preliminary reply announces. */
    { "226 Transfer complete (4096 bytes)", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(OpFtpReply) reply = parse_one (cases[i].line);
      guint64 size = 42;

      g_test_message ("%s", cases[i].line);
      g_assert_cmpint (op_ftp_reply_parse_announced_size (reply, &size), ==, cases[i].ok);
      g_assert_cmpuint (size, ==, cases[i].ok ? cases[i].size : 42);
    }
}

static void
assert_feature (GHashTable *features,
                const char *name,
                const char *parameters)
{
  g_assert_true (g_hash_table_contains (features, name));
  g_assert_cmpstr (g_hash_table_lookup (features, name), ==, parameters);
}

static void
test_feat (void)
{
  g_autoptr(OpFtpReply) vsftpd = parse_file ("feat-vsftpd.txt");
  g_autoptr(OpFtpReply) proftpd = parse_file ("feat-proftpd.txt");
  g_autoptr(OpFtpReply) pureftpd = parse_file ("feat-pureftpd.txt");
  g_autoptr(OpFtpReply) none = parse_one ("211 No features");
  g_autoptr(OpFtpReply) refused = parse_one ("500 FEAT not understood");
  g_autoptr(GHashTable) v = op_ftp_reply_parse_feat (vsftpd);
  g_autoptr(GHashTable) p = op_ftp_reply_parse_feat (proftpd);
  g_autoptr(GHashTable) u = op_ftp_reply_parse_feat (pureftpd);
  g_autoptr(GHashTable) n = op_ftp_reply_parse_feat (none);
  g_autoptr(GHashTable) r = op_ftp_reply_parse_feat (refused);
  const char *lower[] = { "211-Features:", " mdtm", "  utf8  ", "size", "211 End", NULL };
  g_autoptr(OpFtpReply) odd = parse_lines (lower);
  g_autoptr(GHashTable) o = op_ftp_reply_parse_feat (odd);

  g_assert_cmpuint (g_hash_table_size (v), ==, 8);
  assert_feature (v, "EPSV", "");
  assert_feature (v, "REST", "STREAM");
  assert_feature (v, "UTF8", "");
  g_assert_false (g_hash_table_contains (v, "MLST"));
  g_assert_false (g_hash_table_contains (v, "FEATURES:"));
  g_assert_false (g_hash_table_contains (v, "END"));

  assert_feature (p, "MLST", "modify*;perm*;size*;type*;unique*;UNIX.group*;"
                             "UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;");
  assert_feature (p, "AUTH", "TLS");
  assert_feature (p, "MFMT", "");
  assert_feature (p, "LANG", "en-US*");
  assert_feature (p, "MFF", "modify;UNIX.group;UNIX.mode;");

  assert_feature (u, "MLST", "type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;");
  assert_feature (u, "MLSD", "");
  assert_feature (u, "UTF8", "");
  g_assert_false (g_hash_table_contains (u, "END."));

  g_assert_cmpuint (g_hash_table_size (n), ==, 0);
  g_assert_cmpuint (g_hash_table_size (r), ==, 0);

  /* Lower case and missing indentation are still features, named in upper case. */
  assert_feature (o, "MDTM", "");
  assert_feature (o, "SIZE", "");
  g_assert_true (g_hash_table_contains (o, "UTF8"));
}

/* --- errors ------------------------------------------------------------------------- */

static GError *
error_for (const char       *line,
           const char       *command,
           OpFtpCommandKind  kind)
{
  g_autoptr(OpFtpReply) reply = parse_one (line);

  return op_ftp_error_from_reply (reply, command, kind);
}

static void
test_error_login_failed (void)
{
  g_autoptr(GError) error = error_for ("530 Login incorrect.", "PASS", OP_FTP_COMMAND_LOGIN);
  g_autoptr(GError) later = error_for ("530 Please login with USER and PASS.", "LIST",
                                       OP_FTP_COMMAND_READ);

  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_LOGIN_FAILED);
  g_assert_cmpstr (error->message, ==, "The server refused the login. Check the user name "
                                       "and password. (PASS: “530 Login incorrect.”)");
  g_assert_false (op_ftp_error_is_transient (error));
  /* 530 outside login: the session is not logged in (any more). */
  g_assert_error (later, OP_FTP_ERROR, OP_FTP_ERROR_NOT_CONNECTED);
}

static void
test_error_not_found (void)
{
  g_autoptr(GError) error = error_for ("550 No such file or directory.", "RETR",
                                       OP_FTP_COMMAND_READ);
  g_autoptr(GError) vsftpd = error_for ("550 Failed to open file.", "RETR",
                                        OP_FTP_COMMAND_READ);

  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "The file or folder does not exist on the server. "
                                       "(RETR: “550 No such file or directory.”)");
  g_assert_error (vsftpd, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND);
  g_assert_false (op_ftp_error_is_transient (error));
}

static void
test_error_permission_denied (void)
{
  g_autoptr(GError) error = error_for ("550 /etc/shadow: Permission denied", "RETR",
                                       OP_FTP_COMMAND_READ);
  g_autoptr(GError) store = error_for ("553 Could not create file.", "STOR",
                                       OP_FTP_COMMAND_WRITE);

  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, "The server denied permission. "
                                       "(RETR: “550 /etc/shadow: Permission denied”)");
  g_assert_error (store, OP_FTP_ERROR, OP_FTP_ERROR_PERMISSION_DENIED);
}

static void
test_error_already_exists (void)
{
  g_autoptr(GError) error = error_for ("550 /pub: File exists", "MKD", OP_FTP_COMMAND_MKDIR);
  g_autoptr(GError) other = error_for ("550 /pub: File exists", "DELE", OP_FTP_COMMAND_REMOVE);

  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_ALREADY_EXISTS);
  g_assert_cmpstr (error->message, ==, "A file or folder of that name already exists on "
                                       "the server. (MKD: “550 /pub: File exists”)");
  /* Only after MKD or a rename does "exists" mean that. */
  g_assert_error (other, OP_FTP_ERROR, OP_FTP_ERROR_PERMANENT);
}

static void
test_error_disk_full (void)
{
  g_autoptr(GError) permanent = error_for ("552 Requested file action aborted.", "STOR",
                                           OP_FTP_COMMAND_WRITE);
  g_autoptr(GError) transient = error_for ("452 Insufficient storage space.", "STOR",
                                           OP_FTP_COMMAND_WRITE);
  g_autoptr(GError) quota = error_for ("550 Quota exceeded", "STOR", OP_FTP_COMMAND_WRITE);

  g_assert_error (permanent, OP_FTP_ERROR, OP_FTP_ERROR_DISK_FULL);
  g_assert_cmpstr (permanent->message, ==,
                   "The server has no space left or the quota is exceeded. "
                   "(STOR: “552 Requested file action aborted.”)");
  g_assert_error (transient, OP_FTP_ERROR, OP_FTP_ERROR_DISK_FULL);
  g_assert_error (quota, OP_FTP_ERROR, OP_FTP_ERROR_DISK_FULL);
}

static void
test_error_transient (void)
{
  static const char * const lines[] = {
    "421 Service not available, closing control connection.",
    "425 Can't open data connection.",
    "450 Requested file action not taken.",
    "451 Requested action aborted: local error in processing.",
    /* Connection limits are no full disk (Pure-FTPd, ProFTPD, FileZilla Server). */
    "421 Too many connections (8) from this IP",
    "421 Maximum number of connections exceeded",
  };

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_autoptr(GError) error = error_for (lines[i], "RETR", OP_FTP_COMMAND_READ);
      g_autofree char *expected = g_strdup_printf ("The server could not do this now; try "
                                                   "again later. (RETR: “%s”)", lines[i]);

      g_test_message ("%s", lines[i]);
      g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_TRANSIENT);
      g_assert_cmpstr (error->message, ==, expected);
      g_assert_true (op_ftp_error_is_transient (error));
    }
}

static void
test_error_permanent (void)
{
  static const char * const lines[] = {
    "501 Syntax error in parameters or arguments.",
    "550 Requested action not taken.",
    "554 Requested action not taken: invalid REST parameter.",
  };

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_autoptr(GError) error = error_for (lines[i], "RETR", OP_FTP_COMMAND_READ);
      g_autofree char *expected = g_strdup_printf ("The server refused the command. "
                                                   "(RETR: “%s”)", lines[i]);

      g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_PERMANENT);
      g_assert_cmpstr (error->message, ==, expected);
      g_assert_false (op_ftp_error_is_transient (error));
    }
}

static void
test_error_unsupported (void)
{
  g_autoptr(GError) error = error_for ("502 Command not implemented.", "MFMT",
                                       OP_FTP_COMMAND_WRITE);

  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_UNSUPPORTED);
  g_assert_cmpstr (error->message, ==, "The server does not support this command. "
                                       "(MFMT: “502 Command not implemented.”)");
}

static void
test_error_tls (void)
{
  g_autoptr(GError) reuse = error_for ("522 SSL connection failed: session reuse required",
                                       "RETR", OP_FTP_COMMAND_DATA);
  g_autoptr(GError) refused = error_for ("534 Request denied for policy reasons.", "AUTH",
                                         OP_FTP_COMMAND_TLS);
  g_autoptr(GError) plain = error_for ("522 Network protocol not supported, use (1)", "EPRT",
                                       OP_FTP_COMMAND_DATA);
  /* ProFTPD's refusal of a data handshake that did not resume the session. */
  g_autoptr(GError) proftpd = error_for ("425 Unable to build data connection: Operation not "
                                         "permitted", "LIST", OP_FTP_COMMAND_TLS_DATA);
  /* The same words on an unprotected data connection are about something else. */
  g_autoptr(GError) proftpd_plain = error_for ("425 Unable to build data connection: "
                                               "Operation not permitted", "LIST",
                                               OP_FTP_COMMAND_DATA);
  g_autoptr(GError) timeout = error_for ("425 Unable to build data connection: Connection "
                                         "timed out", "LIST", OP_FTP_COMMAND_TLS_DATA);

  g_assert_error (reuse, OP_FTP_ERROR, OP_FTP_ERROR_TLS_SESSION_REUSE);
  g_assert_cmpstr (reuse->message, ==,
                   "The server refused the encrypted data connection because it requires "
                   "the TLS session to be reused. "
                   "(RETR: “522 SSL connection failed: session reuse required”)");
  /* Trying again the same way cannot help. */
  g_assert_false (op_ftp_error_is_transient (reuse));

  g_assert_error (refused, OP_FTP_ERROR, OP_FTP_ERROR_TLS_REFUSED);
  g_assert_true (strstr (refused->message, "(AUTH: “534 Request denied for policy "
                                           "reasons.”)") != NULL);
  /* RFC 2428's 522 for EPRT is about address families, not TLS. */
  g_assert_error (plain, OP_FTP_ERROR, OP_FTP_ERROR_PERMANENT);
  g_assert_error (proftpd, OP_FTP_ERROR, OP_FTP_ERROR_TLS_SESSION_REUSE);
  g_assert_error (proftpd_plain, OP_FTP_ERROR, OP_FTP_ERROR_PERMISSION_DENIED);
  g_assert_error (timeout, OP_FTP_ERROR, OP_FTP_ERROR_TRANSIENT);
}

static void
test_error_is_transient_io (void)
{
  g_autoptr(GError) lost = g_error_new_literal (OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                                                "lost");
  g_autoptr(GError) timed_out = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "t");
  g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "c");
  g_autoptr(GError) local = g_error_new_literal (OP_FTP_ERROR, OP_FTP_ERROR_LOCAL, "l");

  g_assert_true (op_ftp_error_is_transient (lost));
  g_assert_true (op_ftp_error_is_transient (timed_out));
  g_assert_false (op_ftp_error_is_transient (cancelled));
  g_assert_false (op_ftp_error_is_transient (local));
  g_assert_false (op_ftp_error_is_transient (NULL));
}

static void
test_error_multi_line_text (void)
{
  const char *lines[] = { "550-Access to this file", "550 is restricted: permission denied",
                          NULL };
  g_autoptr(OpFtpReply) reply = parse_lines (lines);
  g_autoptr(GError) error = op_ftp_error_from_reply (reply, "RETR", OP_FTP_COMMAND_READ);

  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, "The server denied permission. (RETR: “550 Access "
                                       "to this file\nis restricted: permission denied”)");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ftp/reply/single-line", test_single_line);
  g_test_add_func ("/ftp/reply/multi-line", test_multi_line);
  g_test_add_func ("/ftp/reply/odd-continuation-lines", test_odd_continuation_lines);
  g_test_add_func ("/ftp/reply/multi-line-greeting", test_multi_line_greeting_file);
  g_test_add_func ("/ftp/reply/not-a-reply", test_not_a_reply);
  g_test_add_func ("/ftp/reply/nul-and-invalid-utf8", test_nul_and_invalid_utf8);
  g_test_add_func ("/ftp/reply/line-limit", test_line_limit);
  g_test_add_func ("/ftp/reply/copy", test_copy);
  g_test_add_func ("/ftp/reply/pasv", test_pasv);
  g_test_add_func ("/ftp/reply/epsv", test_epsv);
  g_test_add_func ("/ftp/reply/pwd-quoted-quotes", test_pwd_quoted_quotes);
  g_test_add_func ("/ftp/reply/mdtm-with-fraction", test_mdtm_with_fraction);
  g_test_add_func ("/ftp/reply/size", test_size);
  g_test_add_func ("/ftp/reply/announced-size", test_announced_size);
  g_test_add_func ("/ftp/reply/feat", test_feat);
  g_test_add_func ("/ftp/error/login-failed", test_error_login_failed);
  g_test_add_func ("/ftp/error/not-found", test_error_not_found);
  g_test_add_func ("/ftp/error/permission-denied", test_error_permission_denied);
  g_test_add_func ("/ftp/error/already-exists", test_error_already_exists);
  g_test_add_func ("/ftp/error/disk-full", test_error_disk_full);
  g_test_add_func ("/ftp/error/transient", test_error_transient);
  g_test_add_func ("/ftp/error/permanent", test_error_permanent);
  g_test_add_func ("/ftp/error/unsupported", test_error_unsupported);
  g_test_add_func ("/ftp/error/tls", test_error_tls);
  g_test_add_func ("/ftp/error/is-transient-io", test_error_is_transient_io);
  g_test_add_func ("/ftp/error/multi-line-text", test_error_multi_line_text);

  return g_test_run ();
}
