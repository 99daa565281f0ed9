/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-pop3-reply"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-pop3-error.h"
#include "op-pop3-reply.h"
#include "op-test-fixtures.h"

/*
 * POP3 status lines with RFC 2449/3206 response codes, CAPA, STAT, LIST and UIDL lines,
 * the APOP timestamp, the mapping of -ERR replies to OP_POP3_ERROR codes, and the
 * streaming dot-unstuffer fed in chunks split at every possible place. Transcripts from
 * Dovecot live in tests/data/pop3/ (also the fuzzer's seeds).
 */

static OpPop3Reply *
parse_ok (const char *line)
{
  g_autoptr(GError) error = NULL;
  OpPop3Reply *reply = op_pop3_reply_parse (line, strlen (line), &error);

  g_assert_no_error (error);
  g_assert_nonnull (reply);
  return reply;
}

static void
assert_bad (const char *line)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpPop3Reply) reply = op_pop3_reply_parse (line, strlen (line), &error);

  g_assert_null (reply);
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_status (void)
{
  g_autoptr(OpPop3Reply) ok = parse_ok ("+OK Dovecot (Debian) ready.");
  g_autoptr(OpPop3Reply) bare = parse_ok ("+OK");
  g_autoptr(OpPop3Reply) err = parse_ok ("-ERR There's no message 9.");
  g_autoptr(OpPop3Reply) lower = parse_ok ("-err lower case status");
  g_autoptr(OpPop3Reply) spaces = parse_ok ("+OK   5 3697");

  g_assert_true (ok->ok);
  g_assert_null (ok->code);
  g_assert_cmpstr (ok->text, ==, "Dovecot (Debian) ready.");
  g_assert_true (bare->ok);
  g_assert_cmpstr (bare->text, ==, "");
  g_assert_false (err->ok);
  g_assert_cmpstr (err->text, ==, "There's no message 9.");
  g_assert_false (lower->ok);
  g_assert_cmpstr (lower->text, ==, "lower case status");
  g_assert_cmpstr (spaces->text, ==, "5 3697");

  assert_bad ("");
  assert_bad ("OK");
  assert_bad ("+OKAY");
  assert_bad ("-ERROR no");
  assert_bad ("+ continuation");
  assert_bad ("* OK imap");
  assert_bad ("220 ftp");
}

static void
test_codes (void)
{
  static const struct { const char *line; const char *code; const char *text; } cases[] = {
    { "-ERR [IN-USE] Unable to lock maildrop", "IN-USE", "Unable to lock maildrop" },
    { "-ERR [SYS/TEMP] Temporary failure", "SYS/TEMP", "Temporary failure" },
    { "-ERR [SYS/PERM] Account disabled", "SYS/PERM", "Account disabled" },
    { "-ERR [AUTH] Authentication failed.", "AUTH", "Authentication failed." },
    { "-ERR [login-delay] wait", "LOGIN-DELAY", "wait" },
    { "-ERR [AUTH]", "AUTH", "" },
    { "+OK [X-VENDOR/A/B] fine", "X-VENDOR/A/B", "fine" },
    /* Not codes: kept as text (RFC 2449 §8: ignore what is not understood). */
    { "-ERR [not a code", NULL, "[not a code" },
    { "-ERR [] empty", NULL, "[] empty" },
    { "-ERR [SYS//TEMP] empty level", NULL, "[SYS//TEMP] empty level" },
    { "-ERR [SYS/] trailing slash", NULL, "[SYS/] trailing slash" },
    { "-ERR [A B] space", NULL, "[A B] space" },
    { "-ERR [A]x] only the first bracket", "A", "x] only the first bracket" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(OpPop3Reply) reply = parse_ok (cases[i].line);

      g_assert_cmpstr (reply->code, ==, cases[i].code);
      g_assert_cmpstr (reply->text, ==, cases[i].text);
    }

  {
    g_autoptr(OpPop3Reply) reply = parse_ok ("-ERR [SYS/TEMP] x");

    g_assert_true (op_pop3_reply_has_code (reply, "SYS"));
    g_assert_true (op_pop3_reply_has_code (reply, "sys/temp"));
    g_assert_false (op_pop3_reply_has_code (reply, "SY"));
    g_assert_false (op_pop3_reply_has_code (reply, "SYS/PERM"));
  }
}

static void
test_invalid_bytes (void)
{
  const char line[] = "-ERR bad \xff\xfe bytes and a NUL\0 here";
  g_autoptr(GError) error = NULL;
  g_autoptr(OpPop3Reply) reply = op_pop3_reply_parse (line, sizeof line - 1, &error);

  g_assert_no_error (error);
  g_assert_true (g_utf8_validate (reply->text, -1, NULL));
  g_assert_nonnull (strstr (reply->text, "here"));
  g_assert_nonnull (strstr (reply->text, "bad "));
}

static void
test_continuation (void)
{
  const char *data = NULL;

  g_assert_true (op_pop3_reply_is_continuation ("+ UGFzc3dvcmQ6", 14, &data));
  g_assert_cmpstr (data, ==, "UGFzc3dvcmQ6");
  g_assert_true (op_pop3_reply_is_continuation ("+ ", 2, &data));
  g_assert_cmpstr (data, ==, "");
  g_assert_true (op_pop3_reply_is_continuation ("+", 1, &data));
  g_assert_false (op_pop3_reply_is_continuation ("+OK", 3, NULL));
  g_assert_false (op_pop3_reply_is_continuation ("-ERR", 4, NULL));
  g_assert_false (op_pop3_reply_is_continuation ("", 0, NULL));
}

static GError *
map (const char        *line,
     OpPop3CommandKind  kind)
{
  g_autoptr(OpPop3Reply) reply = parse_ok (line);

  return op_pop3_error_from_reply (reply, "PASS", kind);
}

static void
test_error_mapping (void)
{
  static const struct { const char *line; OpPop3CommandKind kind; OpPop3Error code; gboolean transient; } cases[] = {
    { "-ERR [IN-USE] locked", OP_POP3_COMMAND_LOGIN, OP_POP3_ERROR_IN_USE, TRUE },
    { "-ERR [IN-USE] locked", OP_POP3_COMMAND_OTHER, OP_POP3_ERROR_IN_USE, TRUE },
    { "-ERR [SYS/TEMP] later", OP_POP3_COMMAND_LOGIN, OP_POP3_ERROR_TEMPORARY, TRUE },
    { "-ERR [LOGIN-DELAY] wait", OP_POP3_COMMAND_LOGIN, OP_POP3_ERROR_TEMPORARY, TRUE },
    { "-ERR [SYS/PERM] disabled", OP_POP3_COMMAND_LOGIN, OP_POP3_ERROR_PERMANENT, FALSE },
    { "-ERR [AUTH] Authentication failed.", OP_POP3_COMMAND_LOGIN, OP_POP3_ERROR_AUTH_FAILED, FALSE },
    { "-ERR Authentication failed.", OP_POP3_COMMAND_LOGIN, OP_POP3_ERROR_AUTH_FAILED, FALSE },
    { "-ERR TLS not available", OP_POP3_COMMAND_TLS, OP_POP3_ERROR_TLS_REFUSED, FALSE },
    { "-ERR There's no message 9.", OP_POP3_COMMAND_OTHER, OP_POP3_ERROR_PERMANENT, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = map (cases[i].line, cases[i].kind);

      g_assert_error (error, OP_POP3_ERROR, (int) cases[i].code);
      g_assert_cmpint (op_pop3_error_is_transient (error), ==, cases[i].transient);
      /* The server's words reach the user, code included. */
      g_assert_nonnull (strstr (error->message, cases[i].line + strlen ("-ERR ")));
      g_assert_nonnull (strstr (error->message, "PASS"));
    }

  {
    g_autoptr(GError) error = map ("-ERR [AUTH] Authentication failed.", OP_POP3_COMMAND_LOGIN);

    g_assert_cmpstr (error->message, ==,
                     "The server refused the login. Check the user name and password. "
                     "(PASS: “-ERR [AUTH] Authentication failed.”)");
  }
}

static void
test_capa_dovecot (void)
{
  g_autofree char *path = op_test_data_path ("pop3", "dovecot-greeting-capa.txt", NULL);
  g_autoptr(GHashTable) caps = op_pop3_capabilities_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(OpPop3Reply) greeting = NULL;
  g_autofree char *timestamp = NULL;
  gboolean ended = FALSE;

  g_assert_true (g_file_get_contents (path, &data, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (data, "\r\n", -1);

  greeting = parse_ok (lines[0]);
  g_assert_true (greeting->ok);
  timestamp = op_pop3_parse_apop_timestamp (greeting->text);
  g_assert_true (g_str_has_prefix (timestamp, "<"));
  g_assert_true (g_str_has_suffix (timestamp, "@vm>"));

  {
    g_autoptr(OpPop3Reply) capa = parse_ok (lines[1]);
    g_assert_true (capa->ok);
  }
  for (guint i = 2; lines[i] != NULL; i++)
    {
      gboolean is_end;
      const char *text;
      gsize text_length;

      op_pop3_unstuff_line (lines[i], strlen (lines[i]), &is_end, &text, &text_length);
      if (is_end)
        {
          ended = TRUE;
          break;
        }
      op_pop3_capabilities_add_line (caps, text, text_length);
    }
  g_assert_true (ended);
  g_assert_cmpuint (g_hash_table_size (caps), ==, 9);
  g_assert_true (g_hash_table_contains (caps, "CAPA"));
  g_assert_cmpstr (g_hash_table_lookup (caps, "SASL"), ==, "PLAIN LOGIN");
  g_assert_cmpstr (g_hash_table_lookup (caps, "STLS"), ==, "");
  g_assert_cmpstr (g_hash_table_lookup (caps, "USER"), ==, "");
  g_assert_true (g_hash_table_contains (caps, "TOP"));
  g_assert_true (g_hash_table_contains (caps, "UIDL"));
  g_assert_true (g_hash_table_contains (caps, "RESP-CODES"));
  g_assert_true (g_hash_table_contains (caps, "AUTH-RESP-CODE"));
  g_assert_true (g_hash_table_contains (caps, "PIPELINING"));
}

static void
test_capa_lines (void)
{
  g_autoptr(GHashTable) caps = op_pop3_capabilities_new ();

  op_pop3_capabilities_add_line (caps, "sasl  PLAIN  CRAM-MD5", 21);
  op_pop3_capabilities_add_line (caps, "IMPLEMENTATION Shlemazle-Plotz-v302", 35);
  op_pop3_capabilities_add_line (caps, "EXPIRE 60 USER", 14);
  op_pop3_capabilities_add_line (caps, "", 0);
  op_pop3_capabilities_add_line (caps, "   ", 3);
  op_pop3_capabilities_add_line (caps, "BAD\x01NAME", 8);
  op_pop3_capabilities_add_line (caps, "NON\xc3\xa9ASCII x", 13);

  g_assert_cmpuint (g_hash_table_size (caps), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (caps, "SASL"), ==, "PLAIN  CRAM-MD5");
  g_assert_cmpstr (g_hash_table_lookup (caps, "IMPLEMENTATION"), ==, "Shlemazle-Plotz-v302");
  g_assert_cmpstr (g_hash_table_lookup (caps, "EXPIRE"), ==, "60 USER");
}

static void
test_stat (void)
{
  guint count = 0;
  guint64 size = 0;
  static const char *const bad[] = {
    "", "5", "5 ", "x 5", "5 x", "-1 5", "5 -1", "4294967296 1",
    "1 9223372036854775808", "5\t3697", "5 3697x",
  };

  g_assert_true (op_pop3_parse_stat ("5 3697", &count, &size, NULL));
  g_assert_cmpuint (count, ==, 5);
  g_assert_cmpuint (size, ==, 3697);
  g_assert_true (op_pop3_parse_stat ("0 0", &count, &size, NULL));
  g_assert_cmpuint (count, ==, 0);
  g_assert_true (op_pop3_parse_stat ("4294967295 9223372036854775807 extra", &count, &size,
                                     NULL));
  g_assert_cmpuint (count, ==, G_MAXUINT);
  g_assert_cmpuint (size, ==, G_MAXINT64);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (op_pop3_parse_stat (bad[i], &count, &size, &error));
      g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY);
    }
}

static void
test_list_line (void)
{
  guint n = 0;
  guint64 size = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (op_pop3_parse_list_line ("2 711", 5, &n, &size, NULL));
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (size, ==, 711);
  g_assert_true (op_pop3_parse_list_line ("12 0 extra info", 15, &n, &size, NULL));
  g_assert_cmpuint (n, ==, 12);
  g_assert_false (op_pop3_parse_list_line ("0 711", 5, &n, &size, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY);
  g_clear_error (&error);
  g_assert_false (op_pop3_parse_list_line ("2", 1, &n, &size, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY);
  g_clear_error (&error);
  /* The length is respected: "2 71" of "2 711". */
  g_assert_true (op_pop3_parse_list_line ("2 711", 4, &n, &size, NULL));
  g_assert_cmpuint (size, ==, 71);
}

static void
test_uidl_line (void)
{
  g_autofree char *uid = NULL;
  g_autofree char *max = g_strnfill (OP_POP3_MAX_UID, 'u');
  g_autofree char *too_long = g_strnfill (OP_POP3_MAX_UID + 1, 'u');
  g_autofree char *line_max = g_strdup_printf ("7 %s", max);
  g_autofree char *line_long = g_strdup_printf ("7 %s", too_long);
  guint n = 0;
  static const char *const bad[] = {
    "", "1", "1 ", "0 abc", "x abc", "1 ab\x01" "c", "1 ab\xc3\xa9",
  };

  g_assert_true (op_pop3_parse_uidl_line ("1 1700000001.M1P1.outpost-seed,S=641", 36, &n, &uid,
                                          NULL));
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpstr (uid, ==, "1700000001.M1P1.outpost-seed,S=641");
  g_clear_pointer (&uid, g_free);
  g_assert_true (op_pop3_parse_uidl_line (line_max, strlen (line_max), &n, &uid, NULL));
  g_assert_cmpstr (uid, ==, max);
  g_clear_pointer (&uid, g_free);

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (op_pop3_parse_uidl_line (line_long, strlen (line_long), &n, &uid, &error));
    g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (op_pop3_parse_uidl_line (bad[i], strlen (bad[i]), &n, &uid, &error));
      g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY);
      g_assert_null (uid);
    }
}

static void
test_apop_timestamp (void)
{
  static const struct { const char *text; const char *timestamp; } cases[] = {
    { "POP3 server ready <1896.697170952@dbc.mtview.ca.us>", "<1896.697170952@dbc.mtview.ca.us>" },
    { "Dovecot (Debian) ready. <5ded.1.6b025b50.fYWIhiRU4/+jriOhfN/oZw==@vm>",
      "<5ded.1.6b025b50.fYWIhiRU4/+jriOhfN/oZw==@vm>" },
    { "ready", NULL },
    { "ready <>", NULL },
    { "ready <no-at-sign>", NULL },
    { "ready <has space@host>", NULL },
    { "ready <unterminated@host", NULL },
    { "ready <a<b@host>", NULL },
    { "ready <\x7f@host>", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *timestamp = op_pop3_parse_apop_timestamp (cases[i].text);

      g_assert_cmpstr (timestamp, ==, cases[i].timestamp);
    }
}

static void
test_unstuff_line (void)
{
  static const struct { const char *line; gboolean end; const char *text; } cases[] = {
    { ".", TRUE, "" },
    { "..", FALSE, "." },
    { "...x", FALSE, "..x" },
    { ".x", FALSE, "x" },
    { "x.", FALSE, "x." },
    { "", FALSE, "" },
    { "1 641", FALSE, "1 641" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean is_end = !cases[i].end;
      const char *text = NULL;
      gsize length = 0;

      op_pop3_unstuff_line (cases[i].line, strlen (cases[i].line), &is_end, &text, &length);
      g_assert_cmpint (is_end, ==, cases[i].end);
      if (!is_end)
        g_assert_cmpmem (text, length, cases[i].text, strlen (cases[i].text));
    }
}

/* --- the streaming unstuffer -------------------------------------------------------- */

typedef struct
{
  const char *wire;      /* the multi-line body as sent, terminator and what follows */
  const char *message;   /* what the unstuffer must produce */
  gssize      used;      /* bytes up to and including the terminator; -1: not done */
} UnstuffCase;

static const UnstuffCase unstuff_cases[] = {
  { ".\r\n", "", 3 },
  { "a\r\n.\r\n", "a\r\n", 6 },
  { "..x\r\n.\r\n", ".x\r\n", 8 },
  { "..\r\n.\r\n", ".\r\n", 7 },
  { "...\r\n.\r\n", "..\r\n", 8 },
  { ".x\r\n.\r\n", "x\r\n", 7 },
  { "a.\r\n.b\r\n.\r\n", "a.\r\nb\r\n", 11 },
  { "\r\n\r\n.\r\n", "\r\n\r\n", 7 },
  /* ".\r" not followed by LF is a stuffed line starting with a CR. */
  { ".\rx\r\n.\r\n", "\rx\r\n", 8 },
  { "..\r\r\n.\r\n", ".\r\r\n", 8 },
  /* A bare LF ends a line, and ".\n" ends the reply (as Python's poplib reads it). */
  { "a\nb\n.\n", "a\nb\n", 6 },
  { "a\n..b\n.\r\n", "a\n.b\n", 9 },
  /* Bytes after the terminator are not consumed. */
  { "a\r\n.\r\n+OK next\r\n", "a\r\n", 6 },
  { ".\r\nrest", "", 3 },
  /* A dot inside a line is text; "\r\n." at the very end is not an end yet. */
  { "x.y\r\n. \r\n", "x.y\r\n \r\n", -1 },
  { "a\r\n.", "a\r\n", -1 },
  { "a\r\n.\r", "a\r\n", -1 },
  { "", "", -1 },
};

/* Feeds @wire to a fresh unstuffer in the chunks given by @cuts (sorted offsets),
 * checking the contract: everything is used until the terminator, nothing after. */
static void
unstuff_in_chunks (const char  *wire,
                   gsize        size,
                   const gsize *cuts,
                   guint        n_cuts,
                   const char  *message,
                   gssize       expected_used)
{
  g_autoptr(OpPop3Unstuffer) u = op_pop3_unstuffer_new (1000);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize offset = 0;
  gssize used_total = -1;

  for (guint k = 0; k <= n_cuts; k++)
    {
      gsize end = k < n_cuts ? cuts[k] : size;
      g_autoptr(GError) error = NULL;
      gsize used = 0;

      if (op_pop3_unstuffer_is_done (u))
        break;
      g_assert_true (op_pop3_unstuffer_push (u, (const guint8 *) wire + offset, end - offset,
                                             out, &used, &error));
      g_assert_no_error (error);
      if (op_pop3_unstuffer_is_done (u))
        used_total = offset + used;
      else
        g_assert_cmpuint (used, ==, end - offset);
      offset = end;
    }
  g_assert_cmpint (used_total, ==, expected_used);
  g_assert_cmpmem (out->data, out->len, message, strlen (message));
}

static void
test_unstuffer_every_split (void)
{
  for (guint c = 0; c < G_N_ELEMENTS (unstuff_cases); c++)
    {
      const UnstuffCase *tc = &unstuff_cases[c];
      gsize size = strlen (tc->wire);

      /* Whole, then every split in two and three pieces (empty pieces included). */
      unstuff_in_chunks (tc->wire, size, NULL, 0, tc->message, tc->used);
      for (gsize i = 0; i <= size; i++)
        for (gsize j = i; j <= size; j++)
          {
            gsize cuts[2] = { i, j };

            unstuff_in_chunks (tc->wire, size, cuts, 2, tc->message, tc->used);
          }
      /* And one byte at a time. */
      {
        g_autofree gsize *cuts = g_new (gsize, size + 1);

        for (gsize i = 0; i < size; i++)
          cuts[i] = i + 1;
        unstuff_in_chunks (tc->wire, size, cuts, size, tc->message, tc->used);
      }
    }
}

/* What a server does before sending (RFC 1939 §3): a line starting with "." gets
 * another one; then CRLF "." CRLF. */
static GByteArray *
stuff (const guint8 *data,
       gsize         size)
{
  GByteArray *wire = g_byte_array_new ();
  gboolean line_start = TRUE;

  for (gsize i = 0; i < size; i++)
    {
      if (line_start && data[i] == '.')
        g_byte_array_append (wire, (const guint8 *) ".", 1);
      g_byte_array_append (wire, data + i, 1);
      line_start = data[i] == '\n';
    }
  g_byte_array_append (wire, (const guint8 *) ".\r\n", 3);
  return wire;
}

/* The seed messages Dovecot serves (tests/data/mail/seed/), stuffed as a server stuffs
 * them, come back byte for byte however the stream is cut. */
static void
test_unstuffer_seed_messages (void)
{
  g_autofree char *dir_path = op_test_data_path ("mail", "seed", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n_files = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *data = NULL;
      g_autoptr(GByteArray) wire = NULL;
      gsize size = 0;

      if (!g_str_has_suffix (name, ".eml"))
        continue;
      g_assert_true (g_file_get_contents (path, &data, &size, NULL));
      wire = stuff ((const guint8 *) data, size);
      for (gsize step = 1; step <= 64; step = step * 2 + 1)
        for (gsize first = 0; first < MIN (step, wire->len); first++)
          {
            g_autoptr(GArray) cuts = g_array_new (FALSE, FALSE, sizeof (gsize));

            for (gsize at = first; at < wire->len; at += step)
              g_array_append_val (cuts, at);
            unstuff_in_chunks ((const char *) wire->data, wire->len, (gsize *) cuts->data,
                               cuts->len, data, wire->len);
          }
      n_files++;
    }
  g_assert_cmpuint (n_files, ==, 5);
}

static void
test_unstuffer_line_too_long (void)
{
  g_autoptr(OpPop3Unstuffer) u = op_pop3_unstuffer_new (8);
  g_autoptr(OpPop3Unstuffer) ok = op_pop3_unstuffer_new (8);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize used = 0;

  /* Exactly 8 bytes before CRLF is fine, even split across pushes. */
  g_assert_true (op_pop3_unstuffer_push (ok, (const guint8 *) "12345", 5, out, &used, NULL));
  g_assert_true (op_pop3_unstuffer_push (ok, (const guint8 *) "678\r\n.\r\n", 8, out, &used,
                                         NULL));
  g_assert_true (op_pop3_unstuffer_is_done (ok));
  g_assert_cmpmem (out->data, out->len, "12345678\r\n", 10);

  g_byte_array_set_size (out, 0);
  g_assert_true (op_pop3_unstuffer_push (u, (const guint8 *) "12345", 5, out, &used, NULL));
  g_assert_false (op_pop3_unstuffer_push (u, (const guint8 *) "6789", 4, out, &used, &error));
  g_assert_error (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY);
  g_assert_nonnull (strstr (error->message, "8 bytes"));
}

/* The multi-line transcripts of tests/data/pop3/ through the unstuffer: the LIST reply
 * of the Dovecot session ends where its terminator is, and the hand-made one keeps its
 * trailing "+OK after the end" unread. */
static void
test_unstuffer_transcripts (void)
{
  g_autofree char *path = op_test_data_path ("pop3", "hand-multiline.txt", NULL);
  g_autofree char *data = NULL;
  g_autoptr(OpPop3Unstuffer) u = op_pop3_unstuffer_new (OP_POP3_MAX_MESSAGE_LINE);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  const char *body;
  gsize size = 0, used = 0;

  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  body = strstr (data, "\r\n") + 2;
  g_assert_true (op_pop3_unstuffer_push (u, (const guint8 *) body, size - (body - data), out,
                                         &used, NULL));
  g_assert_true (op_pop3_unstuffer_is_done (u));
  g_assert_cmpstr (body + used, ==, "+OK after the end\r\n");
  {
    static const char expected[] = ".\r\n..x\r\n\rnot an end\r\n. leading space\r\n"
                                   "bare lf line\nx unstuffed by RFC 1939\r\n\r\n";

    g_assert_cmpmem (out->data, out->len, expected, sizeof expected - 1);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/pop3/reply/status", test_status);
  g_test_add_func ("/pop3/reply/response-codes", test_codes);
  g_test_add_func ("/pop3/reply/invalid-bytes-become-valid-text", test_invalid_bytes);
  g_test_add_func ("/pop3/reply/sasl-continuation", test_continuation);
  g_test_add_func ("/pop3/reply/error-mapping", test_error_mapping);
  g_test_add_func ("/pop3/capa/dovecot", test_capa_dovecot);
  g_test_add_func ("/pop3/capa/lines", test_capa_lines);
  g_test_add_func ("/pop3/stat", test_stat);
  g_test_add_func ("/pop3/list/line", test_list_line);
  g_test_add_func ("/pop3/uidl/line", test_uidl_line);
  g_test_add_func ("/pop3/apop/timestamp", test_apop_timestamp);
  g_test_add_func ("/pop3/unstuff/line", test_unstuff_line);
  g_test_add_func ("/pop3/unstuff/stream/every-split", test_unstuffer_every_split);
  g_test_add_func ("/pop3/unstuff/stream/seed-messages", test_unstuffer_seed_messages);
  g_test_add_func ("/pop3/unstuff/stream/line-too-long", test_unstuffer_line_too_long);
  g_test_add_func ("/pop3/unstuff/stream/transcript", test_unstuffer_transcripts);

  return op_test_run ();
}
