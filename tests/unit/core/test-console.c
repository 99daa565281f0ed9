/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include <string.h>

#include "op-console-decoder.h"
#include "op-console-hex.h"
#include "op-console-telnet.h"
#include "op-console-transcript.h"

static void
test_hex_encode (void)
{
  const guint8 data[] = { 0x00, 0x0a, 0x7f, 0xff, 'A' };
  g_autofree char *text = op_console_hex_encode (data, sizeof data);
  g_autofree char *none = op_console_hex_encode (NULL, 0);

  g_assert_cmpstr (text, ==, "00 0a 7f ff 41");
  g_assert_cmpstr (none, ==, "");
}

static void
test_hex_decode (void)
{
  const char *ok[] = { "48656c", "48 65 6C", "0x48 0x65\n0x6c", "48:65:6c", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;

  for (guint i = 0; ok[i] != NULL; i++)
    {
      g_autoptr (GBytes) decoded = op_console_hex_decode (ok[i], &error);

      g_assert_no_error (error);
      g_assert_cmpmem (g_bytes_get_data (decoded, NULL), g_bytes_get_size (decoded), "Hel", 3);
    }

  bytes = op_console_hex_decode ("48 6", &error);
  g_assert_null (bytes);
  g_assert_error (error, OP_CONSOLE_HEX_ERROR, OP_CONSOLE_HEX_ERROR_ODD);
  g_assert_nonnull (strstr (error->message, "two digits"));
  g_clear_error (&error);

  bytes = op_console_hex_decode ("48 6g", &error);
  g_assert_null (bytes);
  g_assert_error (error, OP_CONSOLE_HEX_ERROR, OP_CONSOLE_HEX_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "“g” at position 5 is not a hex digit (0–9, a–f).");
  g_clear_error (&error);

  /* Every byte value survives a round trip. */
  {
    guint8 all[256];
    g_autofree char *text = NULL;
    g_autoptr (GBytes) back = NULL;

    for (guint i = 0; i < 256; i++)
      all[i] = i;
    text = op_console_hex_encode (all, sizeof all);
    back = op_console_hex_decode (text, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), all, sizeof all);
  }
}

static void
test_hex_dump (void)
{
  const char *data = "Hello world.\n\x01\xff" "abcdefghij";
  g_autofree char *dump = op_console_hex_dump ((const guint8 *) data, strlen (data), 0x10);

  g_assert_cmpstr (dump, ==,
                   "00000010  48 65 6c 6c 6f 20 77 6f  72 6c 64 2e 0a 01 ff 61  |Hello world....a|\n"
                   "00000020  62 63 64 65 66 67 68 69  6a                       |bcdefghij|\n");
}

static char *
decode_in_pieces (const char   *charset,
                  const guint8 *data,
                  gsize         length,
                  gsize         piece)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OpConsoleDecoder) decoder = op_console_decoder_new (charset, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  for (gsize i = 0; i < length; i += piece)
    op_console_decoder_decode (decoder, data + i, MIN (piece, length - i), out);

  return g_string_free (out, FALSE);
}

static void
test_decoder_split (void)
{
  /* "你好, 世界" in GB18030, plus a four-byte GB18030 character (U+20000). */
  const guint8 gb[] = { 0xc4, 0xe3, 0xba, 0xc3, ',', ' ', 0xca, 0xc0, 0xbd, 0xe7,
                        0x95, 0x32, 0x82, 0x36 };
  const char *utf8 = "你好, 世界\xf0\xa0\x80\x80";

  for (gsize piece = 1; piece <= sizeof gb; piece++)
    {
      g_autofree char *text = decode_in_pieces ("GB18030", gb, sizeof gb, piece);

      g_assert_cmpstr (text, ==, utf8);
    }

  for (gsize piece = 1; piece <= 5; piece++)
    {
      g_autofree char *text = decode_in_pieces ("UTF-8", (const guint8 *) utf8,
                                                strlen (utf8), piece);

      g_assert_cmpstr (text, ==, utf8);
    }
}

static void
test_decoder_invalid (void)
{
  const guint8 bad[] = { 'a', 0xff, 'b', 0xc3 };
  g_autoptr (OpConsoleDecoder) decoder = op_console_decoder_new ("UTF-8", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (OpConsoleDecoder) none = NULL;
  GString *out = g_string_new (NULL);

  op_console_decoder_decode (decoder, bad, sizeof bad, out);
  /* The lone 0xc3 waits for its second byte. */
  g_assert_cmpstr (out->str, ==, "a\xef\xbf\xbd" "b");
  g_assert_cmpuint (op_console_decoder_get_pending (decoder), ==, 1);
  op_console_decoder_decode (decoder, (const guint8 *) "\xa9", 1, out);
  g_assert_cmpstr (out->str, ==, "a\xef\xbf\xbd" "bé");
  g_string_free (out, TRUE);

  none = op_console_decoder_new ("NO-SUCH-CHARSET", &error);
  g_assert_null (none);
  g_assert_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_NO_CONVERSION);
}

static void
test_telnet_filter (void)
{
  /* IAC DO ECHO, "hi", IAC WILL SGA, IAC IAC, SB TTYPE ... SE, IAC WONT 1, IAC NOP */
  const guint8 input[] = { 255, 253, 1, 'h', 'i', 255, 251, 3, 255, 255,
                           255, 250, 24, 1, 255, 240, 255, 252, 1, 255, 241, '!' };
  const guint8 data[] = { 'h', 'i', 255, '!' };
  const guint8 reply[] = { 255, 252, 1, 255, 254, 3 };

  /* Whole, and split after every byte: the state carries across reads. */
  for (gsize piece = 1; piece <= sizeof input; piece += sizeof input - 1)
    {
      g_autoptr (OpConsoleTelnet) telnet = op_console_telnet_new ();
      g_autoptr (GByteArray) out = g_byte_array_new ();
      g_autoptr (GByteArray) answers = g_byte_array_new ();

      for (gsize i = 0; i < sizeof input; i += piece)
        op_console_telnet_filter (telnet, input + i, MIN (piece, sizeof input - i), out,
                                  answers);
      g_assert_cmpmem (out->data, out->len, data, sizeof data);
      g_assert_cmpmem (answers->data, answers->len, reply, sizeof reply);
    }

  {
    g_autoptr (GBytes) plain = g_bytes_new ("\x01\xff\x02", 3);
    g_autoptr (GBytes) escaped = op_console_telnet_escape (plain);

    g_assert_cmpmem (g_bytes_get_data (escaped, NULL), g_bytes_get_size (escaped),
                     "\x01\xff\xff\x02", 4);
  }
}

static OpConsoleRecord *
record_at (OpConsoleTranscript *transcript,
           guint                position)
{
  OpConsoleRecord *record = g_list_model_get_item (G_LIST_MODEL (transcript), position);

  g_object_unref (record); /* the transcript keeps it */
  return record;
}

static void
test_transcript_lines (void)
{
  g_autoptr (OpConsoleTranscript) transcript = op_console_transcript_new (1 << 20, 1000);
  g_autoptr (GBytes) raw = NULL;

  op_console_transcript_append (transcript, OP_CONSOLE_RECEIVED, NULL, (const guint8 *) "hel", 3);
  op_console_transcript_append (transcript, OP_CONSOLE_RECEIVED, NULL,
                                (const guint8 *) "lo\r\nwor", 7);
  op_console_transcript_append (transcript, OP_CONSOLE_SENT, NULL, (const guint8 *) "x\n", 2);
  op_console_transcript_append (transcript, OP_CONSOLE_RECEIVED, NULL,
                                (const guint8 *) "ld\x1b\x00\n", 5);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (transcript)), ==, 4);
  g_assert_cmpstr (op_console_record_get_text (record_at (transcript, 0)), ==, "hello");
  g_assert_cmpstr (op_console_record_get_text (record_at (transcript, 1)), ==, "wor");
  g_assert_cmpint (op_console_record_get_direction (record_at (transcript, 2)), ==,
                   OP_CONSOLE_SENT);
  /* Control characters show as their pictures. */
  g_assert_cmpstr (op_console_record_get_text (record_at (transcript, 3)), ==, "ld␛␀");
  g_assert_cmpuint (op_console_record_get_offset (record_at (transcript, 3)), ==, 10);

  raw = op_console_transcript_to_raw (transcript);
  g_assert_cmpmem (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw),
                   "hello\r\nworld\x1b\x00\n", 15);

  /* Another charset decodes everything again. */
  op_console_transcript_append (transcript, OP_CONSOLE_RECEIVED, NULL,
                                (const guint8 *) "\xc4\xe3\xba\xc3\n", 5);
  g_assert_true (op_console_transcript_set_charset (transcript, "GB18030", NULL));
  g_assert_cmpstr (op_console_record_get_text (record_at (transcript, 4)), ==, "你好");
}

static void
test_transcript_to_text (void)
{
  g_autoptr (OpConsoleTranscript) transcript = op_console_transcript_new (1 << 20, 1000);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  op_console_transcript_append_note (transcript, NULL, "Connected.");
  op_console_transcript_append (transcript, OP_CONSOLE_SENT, "[::1]:7", (const guint8 *) "hi\r\n", 4);
  op_console_transcript_append (transcript, OP_CONSOLE_RECEIVED, "[::1]:7", (const guint8 *) "ho\n", 3);
  text = op_console_transcript_to_text (transcript);
  lines = g_strsplit (text, "\n", -1);

  /* "HH:MM:SS.mmm MARK [PEER ]TEXT", one record a line. */
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_true (g_regex_match_simple ("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} • Connected\\.$", lines[0], 0, 0));
  g_assert_true (g_str_has_suffix (lines[1], " → [::1]:7 hi"));
  g_assert_true (g_str_has_suffix (lines[2], " ← [::1]:7 ho"));
  g_assert_cmpstr (lines[3], ==, "");
}

static void
test_transcript_bounds (void)
{
  g_autoptr (OpConsoleTranscript) transcript = op_console_transcript_new (8192, 100);
  g_autofree guint8 *big = g_malloc (100000);

  memset (big, 'x', 100000);
  /* One long line without LF: records of OP_CONSOLE_RECORD_MAX_BYTES, at most 8 KiB kept. */
  op_console_transcript_append (transcript, OP_CONSOLE_RECEIVED, NULL, big, 100000);
  g_assert_cmpuint (op_console_transcript_get_n_bytes (transcript), <=, 8192);
  g_assert_cmpuint (op_console_transcript_get_n_bytes (transcript)
                    + op_console_transcript_get_n_evicted (transcript), ==, 100000);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (transcript)); i++)
    {
      gsize length;

      op_console_record_get_data (record_at (transcript, i), &length);
      g_assert_cmpuint (length, <=, OP_CONSOLE_RECORD_MAX_BYTES);
    }

  /* Many short lines: at most 100 records; past that, down to 90 at once. */
  for (guint i = 0; i < 1000; i++)
    {
      op_console_transcript_append (transcript, OP_CONSOLE_RECEIVED, NULL,
                                    (const guint8 *) "a\n", 2);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (transcript)), <=, 100);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (transcript)), >=,
                        MIN (i + 1, 90));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/console/hex/encode", test_hex_encode);
  g_test_add_func ("/console/hex/decode", test_hex_decode);
  g_test_add_func ("/console/hex/dump", test_hex_dump);
  g_test_add_func ("/console/decoder/split-across-reads", test_decoder_split);
  g_test_add_func ("/console/decoder/invalid-bytes", test_decoder_invalid);
  g_test_add_func ("/console/telnet/refuses-options", test_telnet_filter);
  g_test_add_func ("/console/transcript/lines", test_transcript_lines);
  g_test_add_func ("/console/transcript/bounds", test_transcript_bounds);
  g_test_add_func ("/console/transcript/to-text", test_transcript_to_text);

  return g_test_run ();
}
