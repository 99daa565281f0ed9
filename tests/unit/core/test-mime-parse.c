/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-mime-parse"

#include "config.h"

#include <locale.h>
#include <string.h>

#include "op-mime.h"
#include "op-mime-message.h"
#include "op-test-util.h"

/*
 * One test per sample in tests/data/mime/: NAME.eml with NAME.expected beside it, so a
 * message that broke for a user becomes a test without writing C. The .expected format,
 * one item per line ("\n", "\t" and "\\" escapes in values):
 *
 *   # comment
 *   @fallback GB18030                 the fallback charset given to the parser
 *   subject: …                        also from, to, cc, reply-to (addresses shown as
 *                                     "Name <addr>, addr"), message-id, in-reply-to,
 *                                     references (space-separated), date (ISO 8601)
 *   text: …                           the start of the text body
 *   text-contains: … / text-lacks: …
 *   text-from-html: yes|no            (default: no)
 *   html: yes|no / html-contains: …
 *   part: TYPE<TAB>NAME<TAB>SIZE<TAB>attachment|inline[<TAB>CID]
 *                                     every part, in order ("-" no name, "*" any size)
 *   cid: URL<TAB>SIZE                 find_content_id(URL) gives a part of that size
 *   save: INDEX<TAB>BASE64            saving part INDEX writes exactly these bytes
 *   nested: INDEX<TAB>SUBJECT<TAB>TEXT-START          part INDEX's message/rfc822
 *   nested-part: INDEX<TAB>TYPE<TAB>NAME              the next part of that message
 *   nested2: INDEX<TAB>INDEX2<TAB>SUBJECT<TAB>TEXT-START  one level deeper
 *   truncated: yes|no                 (default: no)
 */

static char *
unescape (const char *value)
{
  GString *out = g_string_new (NULL);

  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\\' && p[1] == 'n')
        g_string_append_c (out, '\n'), p++;
      else if (*p == '\\' && p[1] == 't')
        g_string_append_c (out, '\t'), p++;
      else if (*p == '\\' && p[1] == '\\')
        g_string_append_c (out, '\\'), p++;
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static void
assert_text_starts (const char *text,
                    const char *expected_start,
                    const char *what)
{
  if (!g_str_has_prefix (text, expected_start))
    g_error ("%s:\n  expected to start with: «%s»\n  got: «%.*s»", what, expected_start,
             (int) MIN (strlen (text), strlen (expected_start) + 40), text);
}

static char *
references_joined (OpMimeMessage *message)
{
  const char * const *refs = op_mime_message_get_references (message);

  return g_strjoinv (" ", (char **) refs);
}

static OpMimePart *
part_at (OpMimeMessage *message,
         const char    *index)
{
  GPtrArray *parts = op_mime_message_get_parts (message);
  guint64 i = g_ascii_strtoull (index, NULL, 10);

  g_assert_cmpuint (i, <, parts->len);
  return g_ptr_array_index (parts, i);
}

static void
test_sample (gconstpointer data)
{
  const char *path = data;
  g_autofree char *expected_path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *expected = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(OpMimeMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fallback = NULL;
  gsize length;
  gboolean want_from_html = FALSE;
  gboolean want_truncated = FALSE;
  guint part_index = 0;
  gboolean parts_listed = FALSE;
  GHashTable *nested_counters = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *parts;

  expected_path = g_strdup_printf ("%.*s.expected", (int) (strlen (path) - 4), path);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_true (g_file_get_contents (expected_path, &expected, NULL, NULL));
  lines = g_strsplit (expected, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "@fallback "))
      fallback = g_strdup (lines[i] + strlen ("@fallback "));

  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  message = op_mime_message_parse_bytes (bytes, fallback, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  parts = op_mime_message_get_parts (message);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *colon;
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;

      if (*line == '\0' || *line == '#' || *line == '@')
        continue;
      colon = strchr (line, ':');
      g_assert_nonnull (colon);
      key = g_strndup (line, colon - line);
      value = unescape (colon[1] == ' ' ? colon + 2 : colon + 1);

      if (strcmp (key, "subject") == 0)
        g_assert_cmpstr (op_mime_message_get_subject (message), ==, value);
      else if (strcmp (key, "from") == 0 || strcmp (key, "to") == 0 || strcmp (key, "cc") == 0 ||
               strcmp (key, "reply-to") == 0)
        {
          GPtrArray *list = strcmp (key, "from") == 0 ? op_mime_message_get_from (message)
                          : strcmp (key, "to") == 0 ? op_mime_message_get_to (message)
                          : strcmp (key, "cc") == 0 ? op_mime_message_get_cc (message)
                          : op_mime_message_get_reply_to (message);
          g_autofree char *shown = op_mime_address_list_to_display (list);

          g_assert_cmpstr (shown, ==, value);
        }
      else if (strcmp (key, "message-id") == 0)
        g_assert_cmpstr (op_mime_message_get_message_id (message), ==, value);
      else if (strcmp (key, "in-reply-to") == 0)
        g_assert_cmpstr (op_mime_message_get_in_reply_to (message), ==, value);
      else if (strcmp (key, "references") == 0)
        {
          g_autofree char *joined = references_joined (message);

          g_assert_cmpstr (joined, ==, value);
        }
      else if (strcmp (key, "date") == 0)
        {
          g_autoptr(GDateTime) want = g_date_time_new_from_iso8601 (value, NULL);
          GDateTime *got = op_mime_message_get_date (message);

          g_assert_nonnull (want);
          g_assert_nonnull (got);
          g_assert_cmpint (g_date_time_to_unix (got), ==, g_date_time_to_unix (want));
          g_assert_cmpint (g_date_time_get_utc_offset (got), ==, g_date_time_get_utc_offset (want));
        }
      else if (strcmp (key, "text") == 0)
        assert_text_starts (op_mime_message_get_text (message), value, "text");
      else if (strcmp (key, "text-contains") == 0)
        g_assert_nonnull (strstr (op_mime_message_get_text (message), value));
      else if (strcmp (key, "text-lacks") == 0)
        g_assert_null (strstr (op_mime_message_get_text (message), value));
      else if (strcmp (key, "text-from-html") == 0)
        want_from_html = strcmp (value, "yes") == 0;
      else if (strcmp (key, "html") == 0)
        {
          if (strcmp (value, "yes") == 0)
            g_assert_nonnull (op_mime_message_get_html (message));
          else
            g_assert_null (op_mime_message_get_html (message));
        }
      else if (strcmp (key, "html-contains") == 0)
        {
          g_assert_nonnull (op_mime_message_get_html (message));
          g_assert_nonnull (strstr (op_mime_message_get_html (message), value));
        }
      else if (strcmp (key, "part") == 0)
        {
          g_auto(GStrv) f = g_strsplit (value, "\t", -1);
          OpMimePart *part;

          parts_listed = TRUE;
          g_assert_cmpuint (g_strv_length (f), >=, 4);
          g_assert_cmpuint (part_index, <, parts->len);
          part = g_ptr_array_index (parts, part_index++);
          g_assert_cmpstr (op_mime_part_get_content_type (part), ==, f[0]);
          g_assert_cmpstr (op_mime_part_get_filename (part), ==, strcmp (f[1], "-") == 0 ? NULL : f[1]);
          if (strcmp (f[2], "*") != 0)
            g_assert_cmpuint (op_mime_part_get_size (part), ==, g_ascii_strtoull (f[2], NULL, 10));
          g_assert_cmpint (op_mime_part_get_is_inline (part), ==, strcmp (f[3], "inline") == 0);
          if (f[4] != NULL)
            g_assert_cmpstr (op_mime_part_get_content_id (part), ==, f[4]);
        }
      else if (strcmp (key, "cid") == 0)
        {
          g_auto(GStrv) f = g_strsplit (value, "\t", 2);
          OpMimePart *part = op_mime_message_find_content_id (message, f[0]);
          g_autoptr(GBytes) content = NULL;

          g_assert_nonnull (part);
          content = op_mime_part_get_bytes (part, 1024 * 1024, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (g_bytes_get_size (content), ==, g_ascii_strtoull (f[1], NULL, 10));
        }
      else if (strcmp (key, "save") == 0)
        {
          g_auto(GStrv) f = g_strsplit (value, "\t", 2);
          g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
          g_autoptr(GBytes) saved = NULL;
          g_autofree guchar *want = NULL;
          gsize want_length;

          g_assert_true (op_mime_part_save (part_at (message, f[0]), out, NULL, &error));
          g_assert_no_error (error);
          g_assert_true (g_output_stream_close (out, NULL, NULL));
          saved = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
          want = g_base64_decode (f[1], &want_length);
          g_assert_cmpmem (g_bytes_get_data (saved, NULL), g_bytes_get_size (saved), want, want_length);
        }
      else if (strcmp (key, "nested") == 0)
        {
          g_auto(GStrv) f = g_strsplit (value, "\t", 3);
          OpMimeMessage *nested = op_mime_part_get_message (part_at (message, f[0]));

          g_assert_nonnull (nested);
          g_assert_cmpstr (op_mime_message_get_subject (nested), ==, f[1]);
          assert_text_starts (op_mime_message_get_text (nested), f[2], "nested text");
        }
      else if (strcmp (key, "nested-part") == 0)
        {
          g_auto(GStrv) f = g_strsplit (value, "\t", 3);
          OpMimeMessage *nested = op_mime_part_get_message (part_at (message, f[0]));
          guint next = GPOINTER_TO_UINT (g_hash_table_lookup (nested_counters, f[0]));
          GPtrArray *nested_parts;
          OpMimePart *part;

          g_assert_nonnull (nested);
          nested_parts = op_mime_message_get_parts (nested);
          g_assert_cmpuint (next, <, nested_parts->len);
          part = g_ptr_array_index (nested_parts, next);
          g_assert_cmpstr (op_mime_part_get_content_type (part), ==, f[1]);
          g_assert_cmpstr (op_mime_part_get_filename (part), ==, strcmp (f[2], "-") == 0 ? NULL : f[2]);
          g_hash_table_insert (nested_counters, (gpointer) g_intern_string (f[0]), GUINT_TO_POINTER (next + 1));
        }
      else if (strcmp (key, "nested2") == 0)
        {
          g_auto(GStrv) f = g_strsplit (value, "\t", 4);
          OpMimeMessage *nested = op_mime_part_get_message (part_at (message, f[0]));
          OpMimeMessage *nested2;

          g_assert_nonnull (nested);
          nested2 = op_mime_part_get_message (part_at (nested, f[1]));
          g_assert_nonnull (nested2);
          g_assert_cmpstr (op_mime_message_get_subject (nested2), ==, f[2]);
          assert_text_starts (op_mime_message_get_text (nested2), f[3], "nested text");
        }
      else if (strcmp (key, "truncated") == 0)
        want_truncated = strcmp (value, "yes") == 0;
      else
        g_error ("%s: unknown key “%s”", expected_path, key);
    }

  g_assert_cmpint (op_mime_message_get_text_is_from_html (message), ==, want_from_html);
  g_assert_cmpint (op_mime_message_get_truncated (message), ==, want_truncated);
  if (parts_listed || !want_truncated)
    g_assert_cmpuint (part_index, ==, parts->len);
  g_assert_true (g_utf8_validate (op_mime_message_get_text (message), -1, NULL));
  g_hash_table_unref (nested_counters);
}

static guint
add_sample_tests (void)
{
  g_autofree char *dir_path = op_test_data_path ("mime", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".eml"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);

  for (guint i = 0; i < names->len; i++)
    {
      const char *file = g_ptr_array_index (names, i);
      g_autofree char *test_path = g_strdup_printf ("/mime/corpus/%.*s", (int) (strlen (file) - 4), file);

      g_test_add_data_func_full (test_path, g_build_filename (dir_path, file, NULL), test_sample, g_free);
    }
  return names->len;
}

/* ---- hand-written cases ------------------------------------------------------------- */

static OpMimeMessage *
parse_string (const char *text,
              const char *fallback)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;
  OpMimeMessage *message = op_mime_message_parse_bytes (bytes, fallback, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static void
test_not_a_message (void)
{
  const char *inputs[] = { "", "\n\n", "\r\n" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (inputs[i], strlen (inputs[i]));
      g_autoptr(GError) error = NULL;
      g_autoptr(OpMimeMessage) message = op_mime_message_parse_bytes (bytes, NULL, &error);

      g_assert_null (message);
      g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_MESSAGE);
      g_assert_cmpstr (error->message, ==, "This is not a mail message: it has no header.");
    }
}

static void
test_parse_stream (void)
{
  const char *text = "Subject: From a stream\r\nFrom: a@example.com\r\n\r\nBody line\r\n";
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data (text, -1, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OpMimeMessage) message = op_mime_message_parse_stream (input, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (op_mime_message_get_subject (message), ==, "From a stream");
  /* CRLF becomes "\n" for display. */
  g_assert_cmpstr (op_mime_message_get_text (message), ==, "Body line\n");
}

static void
test_parse_stream_large (void)
{
  GString *text = g_string_new ("Subject: Large\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpMimeMessage) message = NULL;
  gsize body_length;

  /* Several read blocks, and a UTF-8 character across each block boundary. */
  for (guint i = 0; i < 50000; i++)
    g_string_append (text, "中文 ok\n");
  body_length = text->len - strlen ("Subject: Large\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
  input = g_memory_input_stream_new_from_data (g_string_free (text, FALSE), -1, g_free);
  message = op_mime_message_parse_stream (input, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (op_mime_message_get_text (message)), ==, body_length);
  g_assert_true (g_str_has_suffix (op_mime_message_get_text (message), "中文 ok\n中文 ok\n"));
}

static void
test_parse_stream_cancelled (void)
{
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data ("Subject: x\n\nx", -1, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OpMimeMessage) message = NULL;

  g_cancellable_cancel (cancellable);
  message = op_mime_message_parse_stream (input, NULL, cancellable, &error);
  g_assert_null (message);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_decode_text_charsets (void)
{
  static const struct
  {
    const char *charset;
    const char *utf8;
    const char *encode_as;
  } cases[] = {
    { "gb2312", "朱镕基", "GB18030" },        /* 镕 is GBK-only */
    { "GBK", "￥100", "GB18030" },
    { "GB18030", "𠀀𪚥", "GB18030" },         /* four-byte GB18030 */
    { "big5", "臺灣繁體", "BIG5-HKSCS" },
    { "Shift_JIS", "①髙橋㈱", "CP932" },       /* NEC and IBM extensions */
    { "EUC-JP", "日本語", "EUC-JP" },
    { "iso-8859-1", "“quoted” €", "WINDOWS-1252" },
    { "ks_c_5601-1987", "한국어", "CP949" },
    { "koi8-r", "Привет", "KOI8-R" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize length = 0;
      g_autofree char *encoded = g_convert (cases[i].utf8, -1, cases[i].encode_as, "UTF-8", NULL, &length, NULL);
      g_autofree char *decoded = NULL;

      g_assert_nonnull (encoded);
      decoded = op_mime_decode_text (encoded, length, cases[i].charset, NULL);
      g_assert_cmpstr (decoded, ==, cases[i].utf8);
    }
}

static void
test_decode_text_iso2022jp (void)
{
  /* ①山 in CP50221 form: ESC $ B, row 13 cell 1, then 山 (0x3B33), ESC ( B. */
  const char jis[] = "\x1b$B-!;3\x1b(B ok";
  g_autofree char *decoded = op_mime_decode_text (jis, strlen (jis), "ISO-2022-JP", NULL);

  g_assert_cmpstr (decoded, ==, "①山 ok");
}

/* Converters are pooled between texts (op-mime.c): one left in the middle of a shift
 * sequence must not change how the next text in that charset reads. */
static void
test_decode_text_converter_reused (void)
{
  /* UTF-7: "+ZeVnLIqe-" is 日本語; the first text ends inside its base64 run. */
  const char cut[] = "a+ZeVnLI";

  for (guint round = 0; round < 3; round++)
    {
      g_autofree char *first = op_mime_decode_text (cut, strlen (cut), "utf-7", NULL);
      g_autofree char *second = op_mime_decode_text ("plain", 5, "utf-7", NULL);
      g_autofree char *third = op_mime_decode_text ("+ZeVnLIqe-", 10, "UTF-7", NULL);

      g_assert_true (g_str_has_prefix (first, "a"));
      g_assert_true (g_utf8_validate (first, -1, NULL));
      g_assert_cmpstr (second, ==, "plain");
      g_assert_cmpstr (third, ==, "日本語");
    }
}

static void
test_decode_text_fallback (void)
{
  g_autofree char *gbk = g_convert ("中文", -1, "GBK", "UTF-8", NULL, NULL, NULL);
  g_autofree char *with_fallback = op_mime_decode_text (gbk, strlen (gbk), NULL, "GB18030");
  g_autofree char *without = op_mime_decode_text (gbk, strlen (gbk), NULL, NULL);
  g_autofree char *unknown_label = op_mime_decode_text (gbk, strlen (gbk), "x-unknown", "gbk");
  g_autofree char *utf8 = op_mime_decode_text ("中文", strlen ("中文"), NULL, "GB18030");

  g_assert_cmpstr (with_fallback, ==, "中文");
  g_assert_cmpstr (unknown_label, ==, "中文");
  /* No fallback: windows-1252, wrong but readable, never invalid. */
  g_assert_true (g_utf8_validate (without, -1, NULL));
  g_assert_cmpstr (without, !=, "中文");
  /* Valid UTF-8 wins over the fallback. */
  g_assert_cmpstr (utf8, ==, "中文");
}

static void
test_decode_text_invalid_bytes (void)
{
  const char bad[] = "ok \xff\xfe and \0 nul";
  g_autofree char *decoded = op_mime_decode_text (bad, sizeof bad - 1, "utf-8", NULL);
  g_autofree char *sjis = op_mime_decode_text ("\x82", 1, "shift_jis", NULL);

  g_assert_true (g_utf8_validate (decoded, -1, NULL));
  g_assert_nonnull (strstr (decoded, "\xef\xbf\xbd"));
  g_assert_nonnull (strstr (decoded, "nul"));   /* NUL did not cut the text */
  g_assert_cmpstr (sjis, ==, "\xef\xbf\xbd");   /* a truncated character */
}

static void
test_html_to_text (void)
{
  static const struct
  {
    const char *html;
    const char *text;
  } cases[] = {
    { "<p>One</p><p>Two</p>", "One\n\nTwo" },
    { "a<br>b<br/>c", "a\nb\nc" },
    { "<div>x</div><div>y</div>", "x\ny" },
    { "<ul><li>a</li><li>b<ul><li>c</li></ul></li></ul>", "• a\n• b\n  • c" },
    { "<ol><li>a</li><li>b</li></ol>", "1. a\n2. b" },
    { "<a href=\"https://e.example/x\">link</a>", "link <https://e.example/x>" },
    { "<a href=\"https://e.example/\">https://e.example/</a>", "https://e.example/" },
    { "<a href=\"mailto:a@b.example\">a@b.example</a>", "a@b.example" },
    { "<a href=\"javascript:alert(1)\">click</a>", "click" },
    { "&lt;b&gt; &amp;amp; &#20013;&#x6587; &bogus; &#0;", "<b> &amp; 中文 &bogus; \xef\xbf\xbd" },
    { "<script>alert('x')</script>after", "after" },
    { "<SCRIPT type=text/javascript>var a = '</p>';</SCRIPT>ok", "ok" },
    { "<style>p { color: red }</style>text", "text" },
    { "before<!-- hidden <p>x</p> -->after", "beforeafter" },
    { "<pre>  two\n    lines</pre>", "  two\n    lines" },
    { "<blockquote>quoted<br>text</blockquote>mine", "> quoted\n> text\n\nmine" },
    { "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc" },
    { "a < b and c > d", "a < b and c > d" },
    { "<img src=\"x.png\" alt=\"Logo\">", "Logo" },
    { "unclosed <b", "unclosed" },
    { "<p title='a > b'>attr with gt</p>", "attr with gt" },
    { "  lots   of \n\n  space  ", "lots of space" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = op_mime_html_to_text (cases[i].html, -1);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

/* An attribute longer than the converter keeps is cut at a character's start, not inside
 * one (tests/fuzz/corpus/fuzz-mime-text/crash-invalid-utf8-output: an "alt" cut
 * mid-character made invalid UTF-8, which the safety net turned into U+FFFD). */
static void
test_html_to_text_long_attribute (void)
{
  g_autoptr(GString) html = g_string_new ("<img src=\"x.png\" alt=\"x");
  g_autoptr(GString) expected = g_string_new ("x");
  g_autofree char *text = NULL;

  for (guint i = 0; i < 1000; i++)
    g_string_append (html, "中");
  g_string_append (html, "\">");
  /* 2048 bytes are kept: "x" and 682 characters of 3 bytes, then one byte of the next. */
  for (guint i = 0; i < 682; i++)
    g_string_append (expected, "中");
  text = op_mime_html_to_text (html->str, html->len);
  g_assert_cmpstr (text, ==, expected->str);
}

static void
test_html_to_text_bounded (void)
{
  GString *html = g_string_new (NULL);
  g_autofree char *text = NULL;

  /* Nesting far past every stack, and more output than the limit. */
  for (guint i = 0; i < 10000; i++)
    g_string_append (html, "<blockquote><ul><li><pre>");
  for (guint i = 0; i < 600000; i++)
    g_string_append (html, "word word ");
  text = op_mime_html_to_text (html->str, html->len);
  g_assert_cmpuint (strlen (text), <=, OP_MIME_MAX_TEXT_LENGTH);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_string_free (html, TRUE);
}

static void
test_hostile_headers (void)
{
  g_autoptr(OpMimeMessage) message = parse_string (
    "Subject: =?utf-8?Q?line=0Abreak=0D=00?=\n"
    "Message-ID: <bad id with spaces@example.com>\n"
    "In-Reply-To: <ok@example.com>\n"
    "References: <a@example.com> <b\x01@example.com> <c@example.com>\n"
    "From: \"=?utf-8?Q?Evil=0D=0ABcc:_x@example.com?=\" <e@example.com>\n"
    "\n"
    "body\n", NULL);
  GPtrArray *from = op_mime_message_get_from (message);
  const OpMimeAddress *address;
  const char * const *refs = op_mime_message_get_references (message);

  /* Decoded control characters never reach a one-line field. */
  g_assert_null (strpbrk (op_mime_message_get_subject (message), "\r\n"));
  g_assert_cmpuint (from->len, ==, 1);
  address = g_ptr_array_index (from, 0);
  g_assert_null (strpbrk (address->name, "\r\n"));
  g_assert_cmpstr (address->address, ==, "e@example.com");
  /* Ids that could not go back out in a reply's header are dropped. */
  g_assert_null (op_mime_message_get_message_id (message));
  g_assert_cmpstr (op_mime_message_get_in_reply_to (message), ==, "ok@example.com");
  for (guint i = 0; refs[i] != NULL; i++)
    g_assert_null (strpbrk (refs[i], "\x01 <>"));
}

static void
test_empty_plain_alternative (void)
{
  g_autoptr(OpMimeMessage) message = parse_string (
    "Subject: s\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n"
    "--b\nContent-Type: text/plain; charset=utf-8\n\n \n"
    "--b\nContent-Type: text/html; charset=utf-8\n\n<p>The real text</p>\n"
    "--b--\n", NULL);

  g_assert_cmpstr (op_mime_message_get_text (message), ==, "The real text");
  g_assert_true (op_mime_message_get_text_is_from_html (message));
}

static void
test_huge_hostile_header (void)
{
  GString *text = g_string_new ("Subject: ");
  g_autoptr(OpMimeMessage) message = NULL;

  /* Encoded-word openings that never close, and RFC 2231 starts that never end: each
   * must be looked at once, not searched to the end of the header again. */
  for (guint i = 0; i < 150000; i++)
    g_string_append (text, "=?a?B? ");
  /* Many Subject fields, each under the per-field bound. */
  for (guint i = 0; i < 2000; i++)
    {
      g_string_append (text, "\nSubject: ");
      for (guint j = 0; j < 400; j++)
        g_string_append (text, "=?a?B? ");
    }
  g_string_append (text, "\nContent-Type: text/plain; name*=");
  for (guint i = 0; i < 150000; i++)
    g_string_append (text, "x*=");
  g_string_append (text, "\n\nbody\n");
  message = parse_string (text->str, NULL);
  g_string_free (text, TRUE);
  g_assert_true (g_str_has_prefix (op_mime_message_get_subject (message), "=?a?B?"));
  /* Linear work takes well under a second here (seconds under ASan on a busy machine);
   * quadratic work on 150,000 openings in one field would take hours, far past the
   * test's timeout in tests/unit/core/meson.build, which is what fails then. */
}

static void
test_structure_bounded_before_gmime (void)
{
  GString *text = g_string_new ("Subject: tiny parts\nMIME-Version: 1.0\n"
                                "Content-Type: multipart/mixed; boundary=b\n\n"
                                "--b\nContent-Type: text/plain\n\nThe text.\n");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(OpMimeMessage) message = NULL;
  g_autoptr(OpMimeMessage) fields = NULL;
  g_autoptr(GError) error = NULL;

  /* Seven bytes a part: 3 MB would be 450,000 GMime parts (over 600 MB). */
  for (guint i = 0; i < 450000; i++)
    g_string_append (text, "--b\n\nz\n");
  bytes = g_string_free_to_bytes (text);
  message = op_mime_message_parse_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (op_mime_message_get_truncated (message));
  g_assert_true (g_str_has_prefix (op_mime_message_get_text (message), "The text.\n"));
  g_assert_cmpuint (op_mime_message_get_parts (message)->len, <=, OP_MIME_MAX_PARTS);

  /* The same for header fields: four bytes each. */
  text = g_string_new ("Subject: many fields\n");
  for (guint i = 0; i < 1000000; i++)
    g_string_append (text, "a:b\n");
  g_string_append (text, "\nbody\n");
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = g_string_free_to_bytes (text);
  fields = op_mime_message_parse_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (op_mime_message_get_truncated (fields));
  g_assert_cmpstr (op_mime_message_get_subject (fields), ==, "many fields");

  /* The same inside a forwarded message. */
  {
    g_autoptr(OpMimeMessage) nested = NULL;

    text = g_string_new ("Subject: outer\nMIME-Version: 1.0\nContent-Type: message/rfc822\n\n"
                         "Subject: inner\n");
    for (guint i = 0; i < 1000000; i++)
      g_string_append (text, "a:b\n");
    g_string_append (text, "\nbody\n");
    g_clear_pointer (&bytes, g_bytes_unref);
    bytes = g_string_free_to_bytes (text);
    nested = op_mime_message_parse_bytes (bytes, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (op_mime_message_get_truncated (nested));
  }

  /* Field-like lines in a body count for nothing: a long text keeps all of it. */
  {
    g_autoptr(OpMimeMessage) log = NULL;

    text = g_string_new ("Subject: log\nContent-Type: text/plain\n\nStart\n\n");
    for (guint i = 0; i < 100000; i++)
      g_string_append (text, "ERROR: something\n");
    g_clear_pointer (&bytes, g_bytes_unref);
    bytes = g_string_free_to_bytes (text);
    log = op_mime_message_parse_bytes (bytes, NULL, &error);
    g_assert_no_error (error);
    g_assert_false (op_mime_message_get_truncated (log));
    g_assert_cmpuint (strlen (op_mime_message_get_text (log)), ==, strlen ("Start\n\n") + 100000 * strlen ("ERROR: something\n"));
  }
}

static void
test_idn_display (void)
{
  /* xn--bcher-kva is "bücher"; xn--pypal-4ve is "pаypal" with a Cyrillic "а". */
  g_autoptr(OpMimeMessage) message = parse_string (
    "From: a@xn--bcher-kva.example\nTo: b@xn--pypal-4ve.com, c@xn--80ak6aa92e.com\n\nx\n", NULL);
  g_autofree char *from = op_mime_address_list_to_display (op_mime_message_get_from (message));
  g_autofree char *to = op_mime_address_list_to_display (op_mime_message_get_to (message));

  g_assert_cmpstr (from, ==, "a@bücher.example");
  /* A mixed-script label stays in its ASCII form; a single-script one does not. */
  g_assert_cmpstr (to, ==, "b@xn--pypal-4ve.com, c@аррӏе.com");
}

static void
test_too_many_parts (void)
{
  GString *text = g_string_new ("Subject: many\nMIME-Version: 1.0\n"
                                "Content-Type: multipart/mixed; boundary=x\n\n");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(OpMimeMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < OP_MIME_MAX_PARTS + 50; i++)
    g_string_append (text, "--x\nContent-Type: application/octet-stream\n\nz\n");
  g_string_append (text, "--x--\n");
  bytes = g_string_free_to_bytes (text);
  message = op_mime_message_parse_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (op_mime_message_get_truncated (message));
  g_assert_cmpuint (op_mime_message_get_parts (message)->len, <=, OP_MIME_MAX_PARTS);
}

static void
test_safe_filename (void)
{
  static const struct
  {
    const char *disposition;
    const char *type;
    const char *safe;
  } cases[] = {
    { "attachment; filename=\"../../.bashrc\"", "text/plain", "bashrc" },
    { "attachment; filename=\"C:\\\\Windows\\\\evil.exe\"", "application/octet-stream", "evil.exe" },
    { "attachment; filename=\"a\tb.txt\"", "text/plain", "a b.txt" },
    { "attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe", "application/octet-stream", "invoice_fdp.exe" },
    { "attachment", "image/png", "attachment.png" },
    /* CP932's NEC row in a "shift_jis" RFC 2231 name; GBK in a "gb2312" one. */
    { "attachment; filename*=shift_jis''%87%40%8C%A9%90%CF.txt", "text/plain", "①見積.txt" },
    { "attachment; filename*=gb2312''%D6%EC%E9%46.txt", "text/plain", "朱镕.txt" },
    { "attachment; filename=\"..\"", "application/pdf", "attachment.pdf" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("Subject: s\nMIME-Version: 1.0\n"
                                               "Content-Type: multipart/mixed; boundary=b\n\n"
                                               "--b\nContent-Type: text/plain\n\nbody\n"
                                               "--b\nContent-Type: %s\nContent-Disposition: %s\n\ndata\n--b--\n",
                                               cases[i].type, cases[i].disposition);
      g_autoptr(OpMimeMessage) message = parse_string (text, NULL);
      GPtrArray *parts = op_mime_message_get_parts (message);
      g_autofree char *safe = NULL;

      g_assert_cmpuint (parts->len, ==, 1);
      safe = op_mime_part_get_safe_filename (g_ptr_array_index (parts, 0));
      g_assert_cmpstr (safe, ==, cases[i].safe);
    }
}

static gpointer
parse_in_thread (gpointer data)
{
  GBytes *bytes = data;

  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(OpMimeMessage) message = op_mime_message_parse_bytes (bytes, NULL, NULL);

      g_assert_cmpstr (op_mime_message_get_subject (message), ==, "关于朱镕基讲话稿的通知");
    }
  return NULL;
}

static void
test_parallel_workers (void)
{
  g_autofree char *path = op_test_data_path ("mime", "foxmail-gb2312.eml", NULL);
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(GBytes) bytes = NULL;
  GThread *threads[4];

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("parse", parse_in_thread, bytes);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_assert_cmpuint (add_sample_tests (), >=, 20);

  g_test_add_func ("/mime/parse/not-a-message", test_not_a_message);
  g_test_add_func ("/mime/parse/from-stream", test_parse_stream);
  g_test_add_func ("/mime/parse/from-stream-in-many-blocks", test_parse_stream_large);
  g_test_add_func ("/mime/parse/from-stream-cancelled", test_parse_stream_cancelled);
  g_test_add_func ("/mime/parse/hostile-headers-stay-on-one-line", test_hostile_headers);
  g_test_add_func ("/mime/parse/empty-plain-alternative-uses-html", test_empty_plain_alternative);
  g_test_add_func ("/mime/parse/huge-hostile-header-linear", test_huge_hostile_header);
  g_test_add_func ("/mime/parse/structure-bounded-before-gmime", test_structure_bounded_before_gmime);
  g_test_add_func ("/mime/parse/idn-mixed-script-stays-ascii", test_idn_display);
  g_test_add_func ("/mime/parse/too-many-parts-truncated", test_too_many_parts);
  g_test_add_func ("/mime/parse/safe-filenames", test_safe_filename);
  g_test_add_func ("/mime/parse/parallel-workers", test_parallel_workers);
  g_test_add_func ("/mime/charset/legacy-labels-read-as-supersets", test_decode_text_charsets);
  g_test_add_func ("/mime/charset/iso-2022-jp-nec-rows", test_decode_text_iso2022jp);
  g_test_add_func ("/mime/charset/fallback-when-undeclared", test_decode_text_fallback);
  g_test_add_func ("/mime/charset/converter-reused-from-initial-state", test_decode_text_converter_reused);
  g_test_add_func ("/mime/charset/invalid-bytes-replaced", test_decode_text_invalid_bytes);
  g_test_add_func ("/mime/html-to-text/rules", test_html_to_text);
  g_test_add_func ("/mime/html-to-text/bounded", test_html_to_text_bounded);
  g_test_add_func ("/mime/html-to-text/long-attribute-cut-at-a-character",
                   test_html_to_text_long_attribute);

  return g_test_run ();
}
