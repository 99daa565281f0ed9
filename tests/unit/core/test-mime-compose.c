/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-mime-compose"

#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "op-mime.h"
#include "op-mime-composer.h"
#include "op-mime-message.h"
#include "op-test-util.h"

/* SMTP DATA and IMAP APPEND take CRLF lines of at most 998 octets (RFC 5322 §2.1.1). */
static void
assert_wire_format (GBytes *bytes)
{
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  gsize line_start = 0;

  for (gsize i = 0; i < length; i++)
    {
      if (data[i] == '\n')
        {
          g_assert_true (i > 0 && data[i - 1] == '\r');
          g_assert_cmpuint (i - 1 - line_start, <=, 998);
          line_start = i + 1;
        }
      else if (data[i] == '\r')
        g_assert_true (i + 1 < length && data[i + 1] == '\n');
      g_assert_cmpint (data[i], !=, '\0');
    }
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *needle)
{
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  return g_strstr_len (data, length, needle) != NULL;
}

static OpMimeMessage *
round_trip (OpMimeComposer *composer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = op_mime_composer_to_bytes (composer, &error);
  OpMimeMessage *message;

  g_assert_no_error (error);
  assert_wire_format (bytes);
  message = op_mime_message_parse_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  return message;
}

static OpMimeMessage *
parse_sample (const char *name)
{
  g_autofree char *path = op_test_data_path ("mime", name, NULL);
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  OpMimeMessage *message;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  message = op_mime_message_parse_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  return message;
}

static char *
display (GPtrArray *addresses)
{
  return op_mime_address_list_to_display (addresses);
}

static OpMimeComposer *
basic_composer (void)
{
  OpMimeComposer *composer = op_mime_composer_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (op_mime_composer_set_from (composer, "张伟 (Zhang Wei)", "zhang@example.cn", &error));
  g_assert_true (op_mime_composer_add_to (composer, "Jürgen Müller, Jr.", "juergen@example.de", &error));
  g_assert_true (op_mime_composer_add_cc (composer, NULL, "cc@example.org", &error));
  g_assert_true (op_mime_composer_add_bcc (composer, "Hidden", "secret-bcc@example.org", &error));
  g_assert_true (op_mime_composer_set_subject (composer, "会议纪要 – 第 3 次 🎉 with a rather long subject line that must be folded somewhere", &error));
  g_assert_no_error (error);
  return composer;
}

static void
test_plain_round_trip (void)
{
  g_autoptr(OpMimeComposer) composer = basic_composer ();
  g_autoptr(GDateTime) date = g_date_time_new_from_iso8601 ("2024-03-11T09:30:12+08:00", NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(OpMimeMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *to = NULL;
  g_autofree char *from = NULL;
  g_autofree char *cc = NULL;
  g_autofree char *long_line = g_strnfill (2500, 'x');
  g_autofree char *text = g_strdup_printf ("各位好：\n\n.\nFrom the start of a line\n%s\nend\n", long_line);
  g_auto(GStrv) recipients = NULL;

  op_mime_composer_set_text (composer, text);
  op_mime_composer_set_date (composer, date);
  bytes = op_mime_composer_to_bytes (composer, &error);
  g_assert_no_error (error);

  /* Headers and bodies are 7-bit: encoded words, quoted-printable. */
  g_assert_cmpint (op_mime_scan_requirements (bytes), ==, OP_MIME_NEEDS_NOTHING);
  g_assert_cmpint (op_mime_composer_get_requirements (composer, NULL), ==, OP_MIME_NEEDS_NOTHING);
  /* Bcc is for the envelope only. */
  g_assert_false (bytes_contain (bytes, "secret-bcc"));
  g_assert_false (bytes_contain (bytes, "Bcc"));
  recipients = op_mime_composer_dup_recipients (composer);
  g_assert_cmpuint (g_strv_length (recipients), ==, 3);
  g_assert_cmpstr (recipients[2], ==, "secret-bcc@example.org");
  /* The same bytes until something changes. */
  {
    g_autoptr(GBytes) again = op_mime_composer_to_bytes (composer, NULL);

    g_assert_true (g_bytes_equal (bytes, again));
  }

  message = round_trip (composer);
  g_assert_cmpstr (op_mime_message_get_subject (message), ==,
                   "会议纪要 – 第 3 次 🎉 with a rather long subject line that must be folded somewhere");
  from = display (op_mime_message_get_from (message));
  to = display (op_mime_message_get_to (message));
  cc = display (op_mime_message_get_cc (message));
  g_assert_cmpstr (from, ==, "张伟 (Zhang Wei) <zhang@example.cn>");
  g_assert_cmpstr (to, ==, "Jürgen Müller, Jr. <juergen@example.de>");
  g_assert_cmpstr (cc, ==, "cc@example.org");
  g_assert_cmpuint (op_mime_message_get_bcc (message)->len, ==, 0);
  g_assert_cmpstr (op_mime_message_get_text (message), ==, text);
  g_assert_null (op_mime_message_get_html (message));
  g_assert_cmpstr (op_mime_message_get_message_id (message), ==, op_mime_composer_get_message_id (composer));
  g_assert_true (g_str_has_suffix (op_mime_composer_get_message_id (composer), "@example.cn"));
  g_assert_true (g_date_time_equal (op_mime_message_get_date (message), date));
}

static void
test_generated_date_and_id (void)
{
  g_autoptr(OpMimeComposer) a = basic_composer ();
  g_autoptr(OpMimeComposer) b = basic_composer ();
  g_autoptr(OpMimeMessage) message = round_trip (a);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GDateTime *date = op_mime_message_get_date (message);

  g_assert_nonnull (date);
  g_assert_cmpint (ABS (g_date_time_difference (now, date)), <, 60 * G_TIME_SPAN_SECOND);
  g_assert_cmpstr (op_mime_composer_get_message_id (a), !=, op_mime_composer_get_message_id (b));
}

static void
test_alternative_html (void)
{
  g_autoptr(OpMimeComposer) composer = basic_composer ();
  g_autoptr(OpMimeComposer) html_only = basic_composer ();
  g_autoptr(OpMimeMessage) message = NULL;
  g_autoptr(OpMimeMessage) rendered = NULL;

  op_mime_composer_set_text (composer, "Plain version\n");
  op_mime_composer_set_html (composer, "<p>HTML <b>version</b> – ü</p>");
  message = round_trip (composer);
  g_assert_cmpstr (op_mime_message_get_text (message), ==, "Plain version\n");
  g_assert_cmpstr (op_mime_message_get_html (message), ==, "<p>HTML <b>version</b> – ü</p>");
  g_assert_false (op_mime_message_get_text_is_from_html (message));
  g_assert_cmpuint (op_mime_message_get_parts (message)->len, ==, 0);

  /* Without a text body the plain alternative is made from the HTML. */
  op_mime_composer_set_html (html_only, "<h1>Title</h1><ul><li>one</li></ul>");
  rendered = round_trip (html_only);
  g_assert_cmpstr (op_mime_message_get_text (rendered), ==, "Title\n\n• one");
  g_assert_false (op_mime_message_get_text_is_from_html (rendered));
}

static GBytes *
binary_data (void)
{
  GByteArray *array = g_byte_array_new ();

  /* Every byte value, bare LFs and CRs: a text-mode conversion would show. */
  for (guint round = 0; round < 40; round++)
    for (guint b = 0; b < 256; b++)
      {
        guint8 c = b;

        g_byte_array_append (array, &c, 1);
      }
  g_byte_array_append (array, (guint8 *) "\nlf\rcr\r\n", 8);
  return g_byte_array_free_to_bytes (array);
}

static GBytes *
saved (OpMimePart *part)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_assert_true (op_mime_part_save (part, out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static void
test_attachments (void)
{
  g_autoptr(OpMimeComposer) composer = basic_composer ();
  g_autoptr(GBytes) data = binary_data ();
  g_autoptr(GBytes) text_file = g_bytes_new_static ("line one\nline two\n", 18);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(OpMimeMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("outpost-mime-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "notes 2024.txt", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GPtrArray *parts;
  OpMimePart *part;

  g_assert_true (g_file_set_contents (path, "line one\nline two\n", -1, NULL));
  op_mime_composer_set_text (composer, "See the attachments.\n");
  g_assert_true (op_mime_composer_add_attachment (composer, "年度报告—最终版 (final).bin",
                                                  "application/octet-stream", data, &error));
  g_assert_true (op_mime_composer_add_attachment_file (composer, file, NULL, NULL, &error));
  g_assert_no_error (error);

  bytes = op_mime_composer_to_bytes (composer, &error);
  g_assert_no_error (error);
  /* RFC 2231 for the non-ASCII name. */
  g_assert_true (bytes_contain (bytes, "filename*"));
  g_assert_true (bytes_contain (bytes, "multipart/mixed"));

  message = round_trip (composer);
  g_assert_cmpstr (op_mime_message_get_text (message), ==, "See the attachments.\n");
  parts = op_mime_message_get_parts (message);
  g_assert_cmpuint (parts->len, ==, 2);

  part = g_ptr_array_index (parts, 0);
  g_assert_cmpstr (op_mime_part_get_filename (part), ==, "年度报告—最终版 (final).bin");
  g_assert_cmpstr (op_mime_part_get_content_type (part), ==, "application/octet-stream");
  g_assert_cmpuint (op_mime_part_get_size (part), ==, g_bytes_get_size (data));
  g_assert_false (op_mime_part_get_is_inline (part));
  {
    g_autoptr(GBytes) content = saved (part);

    g_assert_true (g_bytes_equal (content, data));
  }

  part = g_ptr_array_index (parts, 1);
  g_assert_cmpstr (op_mime_part_get_filename (part), ==, "notes 2024.txt");
  g_assert_cmpstr (op_mime_part_get_content_type (part), ==, "text/plain");
  {
    g_autoptr(GBytes) content = saved (part);

    /* Byte for byte: no LF → CRLF conversion of an attached file. */
    g_assert_true (g_bytes_equal (content, text_file));
  }

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_attachment_file_missing (void)
{
  g_autoptr(OpMimeComposer) composer = basic_composer ();
  g_autoptr(GFile) file = g_file_new_for_path ("/nonexistent/outpost/report.pdf");
  g_autoptr(GError) error = NULL;

  g_assert_false (op_mime_composer_add_attachment_file (composer, file, NULL, NULL, &error));
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_LOCAL);
  g_assert_true (g_str_has_prefix (error->message, "Could not read “/nonexistent/outpost/report.pdf” to attach it: "));
}

static void
test_inline_image (void)
{
  g_autoptr(OpMimeComposer) composer = basic_composer ();
  static const guint8 png_bytes[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0 };
  g_autoptr(GBytes) png = g_bytes_new_static (png_bytes, sizeof png_bytes);
  g_autoptr(GBytes) pdf = g_bytes_new_static ("%PDF-1.4\n", 9);
  g_autoptr(GError) error = NULL;
  g_autofree char *cid = op_mime_composer_add_inline_image (composer, "logo.png", "image/png", png, &error);
  g_autofree char *html = NULL;
  g_autofree char *url = NULL;
  g_autoptr(OpMimeMessage) message = NULL;
  g_autoptr(GPtrArray) attachments = NULL;
  OpMimePart *part;

  g_assert_no_error (error);
  g_assert_nonnull (cid);
  g_assert_true (g_str_has_suffix (cid, "@example.cn"));
  html = g_strdup_printf ("<p>Logo: <img src=\"cid:%s\"></p>", cid);
  op_mime_composer_set_html (composer, html);
  g_assert_true (op_mime_composer_add_attachment (composer, "doc.pdf", NULL, pdf, &error));

  message = round_trip (composer);
  g_assert_cmpstr (op_mime_message_get_html (message), ==, html);
  url = g_strdup_printf ("cid:%s", cid);
  part = op_mime_message_find_content_id (message, url);
  g_assert_nonnull (part);
  g_assert_true (op_mime_part_get_is_inline (part));
  {
    g_autoptr(GBytes) content = op_mime_part_get_bytes (part, 1024, &error);

    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (content, png));
  }
  {
    g_autoptr(GBytes) too_big = op_mime_part_get_bytes (part, 4, &error);

    g_assert_null (too_big);
    g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_TOO_LARGE);
    g_clear_error (&error);
  }
  /* The inline image is no attachment; the PDF is, with its type guessed. */
  attachments = op_mime_message_dup_attachments (message);
  g_assert_cmpuint (attachments->len, ==, 1);
  g_assert_cmpstr (op_mime_part_get_content_type (g_ptr_array_index (attachments, 0)), ==, "application/pdf");
}

static void
test_header_injection_refused (void)
{
  g_autoptr(OpMimeComposer) composer = basic_composer ();
  g_autoptr(GBytes) data = g_bytes_new_static ("x", 1);
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  g_assert_false (op_mime_composer_set_subject (composer, "Hello\r\nBcc: victim@example.com", &error));
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER);
  g_assert_cmpstr (error->message, ==,
                   "The subject contains a line break or a control character, which a mail header cannot carry.");
  g_clear_error (&error);

  g_assert_false (op_mime_composer_set_subject (composer, "only\nLF", &error));
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER);
  g_clear_error (&error);

  g_assert_false (op_mime_composer_add_to (composer, "Name\nX-Evil: 1", "a@example.com", &error));
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER);
  g_clear_error (&error);

  g_assert_false (op_mime_composer_add_cc (composer, NULL, "a@example.com\r\nBcc: b@example.com", &error));
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);

  g_assert_false (op_mime_composer_set_from (composer, NULL, "not an address", &error));
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_ADDRESS);
  g_assert_cmpstr (error->message, ==, "“not an address” is not a valid mail address.");
  g_clear_error (&error);

  g_assert_false (op_mime_composer_add_bcc (composer, NULL, "a@example.com, b@example.com", &error));
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);

  g_assert_false (op_mime_composer_add_header (composer, "X-Mailer", "Outpost\r\nBcc: x@example.com", &error));
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER);
  g_clear_error (&error);

  g_assert_false (op_mime_composer_add_header (composer, "X-Bad:Name", "v", &error));
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER);
  g_clear_error (&error);

  g_assert_false (op_mime_composer_add_header (composer, "Bcc", "x@example.com", &error));
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER);
  g_clear_error (&error);

  g_assert_false (op_mime_composer_add_attachment (composer, "a\r\nContent-Type: text/html", NULL, data, &error));
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER);
  g_clear_error (&error);

  /* NUL, with an explicit length. */
  g_assert_false (op_mime_check_header_value ("a\0b", 3, "subject", &error));
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER);
  g_clear_error (&error);

  /* Nothing of it reached the message. */
  g_assert_true (op_mime_composer_add_header (composer, "X-Mailer", "Outpost 0.1", &error));
  g_assert_no_error (error);
  bytes = op_mime_composer_to_bytes (composer, &error);
  g_assert_no_error (error);
  g_assert_false (bytes_contain (bytes, "victim"));
  g_assert_false (bytes_contain (bytes, "X-Evil"));
  g_assert_true (bytes_contain (bytes, "X-Mailer: Outpost 0.1\r\n"));
  g_assert_cmpuint (op_mime_composer_get_to (composer)->len, ==, 1);
  g_assert_cmpuint (op_mime_composer_get_cc (composer)->len, ==, 1);
}

static void
test_no_sender (void)
{
  g_autoptr(OpMimeComposer) composer = op_mime_composer_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = op_mime_composer_to_bytes (composer, &error);
  g_assert_null (bytes);
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INCOMPLETE);
}

static void
test_requirements (void)
{
  g_autoptr(OpMimeComposer) composer = basic_composer ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ascii = g_bytes_new_static ("Subject: a\r\n\r\nbody\r\n", 21);
  g_autoptr(GBytes) body8 = g_bytes_new_static ("Subject: a\r\n\r\nböd\r\n", 21);
  g_autoptr(GBytes) header8 = g_bytes_new_static ("Subject: ä\r\n\r\nbody\r\n", 21);

  g_assert_cmpint (op_mime_scan_requirements (ascii), ==, OP_MIME_NEEDS_NOTHING);
  g_assert_cmpint (op_mime_scan_requirements (body8), ==, OP_MIME_NEEDS_8BITMIME);
  g_assert_cmpint (op_mime_scan_requirements (header8), ==, OP_MIME_NEEDS_8BITMIME | OP_MIME_NEEDS_SMTPUTF8);
  g_assert_false (op_mime_address_needs_smtputf8 ("user@example.com"));
  g_assert_true (op_mime_address_needs_smtputf8 ("用户@例子.广告"));
  /* An internationalised domain alone goes as its A-label: no SMTPUTF8 needed. */
  g_assert_false (op_mime_address_needs_smtputf8 ("user@bücher.example"));
  {
    g_autofree char *envelope = op_mime_address_to_envelope ("user@bücher.example");
    g_autofree char *same = op_mime_address_to_envelope ("user@example.com");

    g_assert_cmpstr (envelope, ==, "user@xn--bcher-kva.example");
    g_assert_cmpstr (same, ==, "user@example.com");
  }
  {
    g_autoptr(OpMimeComposer) idn = basic_composer ();
    g_auto(GStrv) recipients = NULL;
    g_autofree char *sender = NULL;

    g_assert_true (op_mime_composer_add_to (idn, "Müller", "info@bücher.example", &error));
    g_assert_true (op_mime_composer_set_from (idn, NULL, "me@bücher.example", &error));
    g_assert_cmpint (op_mime_composer_get_requirements (idn, &error), ==, OP_MIME_NEEDS_NOTHING);
    recipients = op_mime_composer_dup_recipients (idn);
    g_assert_cmpstr (recipients[1], ==, "info@xn--bcher-kva.example");
    sender = op_mime_composer_dup_envelope_from (idn);
    g_assert_cmpstr (sender, ==, "me@xn--bcher-kva.example");
  }

  /* RFC 6531: a non-ASCII mailbox goes out raw in the header, and needs SMTPUTF8. */
  g_assert_true (op_mime_composer_add_to (composer, "用户", "用户@例子.广告", &error));
  g_assert_no_error (error);
  g_assert_cmpint (op_mime_composer_get_requirements (composer, &error), ==,
                   OP_MIME_NEEDS_8BITMIME | OP_MIME_NEEDS_SMTPUTF8);
  g_assert_no_error (error);
}

/* ---- replies and forwards --------------------------------------------------------- */

static GPtrArray *
addresses (const char *first,
           ...)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mime_address_free);
  va_list args;

  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (out, op_mime_address_new (NULL, a));
  va_end (args);
  return out;
}

static void
test_reply_to_sender (void)
{
  g_autoptr(OpMimeMessage) original = parse_sample ("outlook-alternative-cp1252.eml");
  g_autoptr(OpMimeComposer) reply = NULL;
  g_autoptr(OpMimeMessage) sent = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *to = NULL;
  const char * const *refs;

  reply = op_mime_composer_new_reply (original, OP_MIME_REPLY_SENDER, NULL);
  /* "RE:" stays as it is, not "Re: RE:". */
  g_assert_cmpstr (op_mime_composer_get_subject (reply), ==, "RE: Quarterly report");
  to = display (op_mime_composer_get_to (reply));
  g_assert_cmpstr (to, ==, "Maria Lopez <maria.lopez@contoso.com>");
  g_assert_cmpuint (op_mime_composer_get_cc (reply)->len, ==, 0);
  g_assert_cmpstr (op_mime_composer_get_in_reply_to (reply), ==,
                   "AM0PR08MB5372A1B2C3D4E5F6@AM0PR08MB5372.eurprd08.prod.outlook.com");
  refs = op_mime_composer_get_references (reply);
  g_assert_cmpuint (g_strv_length ((char **) refs), ==, 2);
  g_assert_cmpstr (refs[0], ==, "CAF=abc123@mail.gmail.com");
  g_assert_cmpstr (refs[1], ==, "AM0PR08MB5372A1B2C3D4E5F6@AM0PR08MB5372.eurprd08.prod.outlook.com");

  /* "On DATE, NAME wrote:" then the original quoted line by line. */
  g_assert_true (g_str_has_prefix (op_mime_composer_get_text (reply), "On Wed, Mar 6, 2024 at "));
  g_assert_nonnull (strstr (op_mime_composer_get_text (reply),
                            ", Maria Lopez wrote:\n> Hi Tom,\n>\n> Please find the “final” numbers"));

  g_assert_true (op_mime_composer_set_from (reply, "Tom Baker", "tom@fabrikam.example", &error));
  sent = round_trip (reply);
  g_assert_cmpstr (op_mime_message_get_in_reply_to (sent), ==, op_mime_composer_get_in_reply_to (reply));
  g_assert_cmpstr (op_mime_message_get_references (sent)[1], ==, refs[1]);
  g_assert_cmpstr (op_mime_message_get_subject (sent), ==, "RE: Quarterly report");
}

static void
test_reply_prefers_reply_to (void)
{
  g_autoptr(OpMimeMessage) original = parse_sample ("mailing-list-references.eml");
  g_autoptr(OpMimeComposer) reply = op_mime_composer_new_reply (original, OP_MIME_REPLY_SENDER, NULL);
  g_autofree char *to = display (op_mime_composer_get_to (reply));
  const char * const *refs = op_mime_composer_get_references (reply);

  g_assert_cmpstr (to, ==, "dev@lists.example.org");
  g_assert_cmpstr (op_mime_composer_get_subject (reply), ==, "Re: [dev] Release schedule");
  g_assert_cmpuint (g_strv_length ((char **) refs), ==, 8);
  g_assert_cmpstr (refs[7], ==, "thread-8@lists.example.org");
}

static OpMimeMessage *
parse_text (const char *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;
  OpMimeMessage *message = op_mime_message_parse_bytes (bytes, NULL, &error);

  g_assert_no_error (error);
  return message;
}

static void
test_reply_all (void)
{
  g_autoptr(OpMimeMessage) original = parse_text (
    "From: Alice <alice@example.com>\n"
    "To: Me <me@example.org>, Bob <bob@example.com>, alice@example.com\n"
    "Cc: Carol <carol@example.com>, ME@Example.org, bob@example.com, me-alias@example.org\n"
    "Subject: 回复：计划\n"
    "Message-ID: <plan-2@example.com>\n"
    "Date: Mon, 1 Apr 2024 10:00:00 +0800\n"
    "\n"
    "> earlier\n"
    "Sounds good.\n");
  g_autoptr(GPtrArray) mine = addresses ("me@example.org", "me-alias@example.org", NULL);
  g_autoptr(OpMimeComposer) reply = op_mime_composer_new_reply (original, OP_MIME_REPLY_ALL, mine);
  g_autofree char *to = display (op_mime_composer_get_to (reply));
  g_autofree char *cc = display (op_mime_composer_get_cc (reply));

  /* Each person once; none of my addresses, whatever their case. */
  g_assert_cmpstr (to, ==, "Alice <alice@example.com>");
  g_assert_cmpstr (cc, ==, "Bob <bob@example.com>, Carol <carol@example.com>");
  /* A Chinese "Re:" is recognised. */
  g_assert_cmpstr (op_mime_composer_get_subject (reply), ==, "回复：计划");
  /* Already quoted lines get ">" without a space (RFC 3676 §4.5). */
  g_assert_nonnull (strstr (op_mime_composer_get_text (reply), " wrote:\n>> earlier\n> Sounds good.\n"));
  g_assert_cmpstr (op_mime_composer_get_references (reply)[0], ==, "plan-2@example.com");
}

static void
test_reply_to_own_message (void)
{
  g_autoptr(OpMimeMessage) original = parse_text (
    "From: Me <me@example.org>\n"
    "To: Dana <dana@example.com>\n"
    "Subject: Follow-up\n"
    "\n"
    "Ping.\n");
  g_autoptr(GPtrArray) mine = addresses ("me@example.org", NULL);
  g_autoptr(OpMimeComposer) reply = op_mime_composer_new_reply (original, OP_MIME_REPLY_SENDER, mine);
  g_autofree char *to = display (op_mime_composer_get_to (reply));

  g_assert_cmpstr (to, ==, "Dana <dana@example.com>");
  g_assert_null (op_mime_composer_get_in_reply_to (reply));
  g_assert_cmpstr (op_mime_composer_get_subject (reply), ==, "Re: Follow-up");
}

static void
test_reply_drops_hostile_addresses (void)
{
  g_autoptr(OpMimeMessage) original = parse_text (
    "From: \"=?utf-8?Q?a=0D=0AInjected:_1?=\" <ok@example.com>\n"
    "Cc: \"Weird\" <\"quoted local\"@example.com>\n"
    "Subject: x\n"
    "\n"
    "x\n");
  g_autoptr(OpMimeComposer) reply = op_mime_composer_new_reply (original, OP_MIME_REPLY_ALL, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (op_mime_composer_set_from (reply, NULL, "me@example.org", &error));
  bytes = op_mime_composer_to_bytes (reply, &error);
  g_assert_no_error (error);
  assert_wire_format (bytes);
  g_assert_false (bytes_contain (bytes, "\r\nInjected:"));
  g_assert_cmpuint (op_mime_composer_get_to (reply)->len, ==, 1);
}

static void
test_reply_long_thread (void)
{
  GString *text = g_string_new ("From: a@example.com\nSubject: Re: long thread\nMessage-ID: <last@example.com>\nReferences:");
  g_autoptr(OpMimeMessage) original = NULL;
  g_autoptr(OpMimeComposer) reply = NULL;
  g_autoptr(OpMimeMessage) sent = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *refs;

  for (guint i = 0; i < 40; i++)
    g_string_append_printf (text, " <message-%02u-with-a-rather-long-unique-part-0123456789@lists.example.org>", i);
  g_string_append (text, "\n\nbody\n");
  original = parse_text (text->str);
  g_string_free (text, TRUE);

  reply = op_mime_composer_new_reply (original, OP_MIME_REPLY_SENDER, NULL);
  refs = op_mime_composer_get_references (reply);
  /* The thread's root and the most recent ones, ending with the parent. */
  g_assert_cmpuint (g_strv_length ((char **) refs), ==, 20);
  g_assert_cmpstr (refs[0], ==, "message-00-with-a-rather-long-unique-part-0123456789@lists.example.org");
  g_assert_cmpstr (refs[1], ==, "message-22-with-a-rather-long-unique-part-0123456789@lists.example.org");
  g_assert_cmpstr (refs[19], ==, "last@example.com");

  g_assert_true (op_mime_composer_set_from (reply, NULL, "me@example.org", &error));
  /* round_trip() checks that the folded References stay under 998 octets a line. */
  sent = round_trip (reply);
  g_assert_cmpuint (g_strv_length ((char **) op_mime_message_get_references (sent)), ==, 20);
  g_assert_cmpstr (op_mime_message_get_references (sent)[19], ==, "last@example.com");
}

static void
test_forward_inline (void)
{
  g_autoptr(OpMimeMessage) original = parse_sample ("apple-mail-attachment.eml");
  g_autoptr(GError) error = NULL;
  g_autoptr(OpMimeComposer) forward = op_mime_composer_new_forward (original, OP_MIME_FORWARD_INLINE, &error);
  g_autoptr(OpMimeMessage) sent = NULL;
  const char *text;
  GPtrArray *parts;

  g_assert_no_error (error);
  g_assert_cmpstr (op_mime_composer_get_subject (forward), ==, "Fwd: Invoice March");
  text = op_mime_composer_get_text (forward);
  g_assert_nonnull (strstr (text, "---------- Forwarded message ----------\n"
                                  "From: Claire Martin <claire@icloud.example>\n"));
  g_assert_nonnull (strstr (text, "\nSubject: Invoice March\nTo: accounts@example.com\n\nHello,\n\nthe invoice is attached."));

  g_assert_true (op_mime_composer_set_from (forward, NULL, "accounts@example.com", &error));
  g_assert_true (op_mime_composer_add_to (forward, NULL, "boss@example.com", &error));
  sent = round_trip (forward);
  parts = op_mime_message_get_parts (sent);
  g_assert_cmpuint (parts->len, ==, 1);
  g_assert_cmpstr (op_mime_part_get_filename (g_ptr_array_index (parts, 0)), ==, "invoice-2024-03.pdf");
  g_assert_cmpstr (op_mime_part_get_content_type (g_ptr_array_index (parts, 0)), ==, "application/pdf");
  {
    g_autoptr(GBytes) a = saved (g_ptr_array_index (parts, 0));
    g_autoptr(GBytes) b = saved (g_ptr_array_index (op_mime_message_get_parts (original), 0));

    g_assert_true (g_bytes_equal (a, b));
  }
}

static void
test_forward_as_attachment (void)
{
  g_autoptr(OpMimeMessage) original = parse_sample ("foxmail-gb2312.eml");
  g_autoptr(GError) error = NULL;
  g_autoptr(OpMimeComposer) forward = op_mime_composer_new_forward (original, OP_MIME_FORWARD_ATTACHMENT, &error);
  g_autoptr(OpMimeMessage) sent = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GPtrArray *parts;
  OpMimePart *part;
  OpMimeMessage *nested;

  g_assert_no_error (error);
  g_assert_cmpstr (op_mime_composer_get_subject (forward), ==, "Fwd: 关于朱镕基讲话稿的通知");
  g_assert_true (op_mime_composer_set_from (forward, NULL, "wang@example.com.cn", &error));
  g_assert_true (op_mime_composer_add_to (forward, NULL, "li@example.com.cn", &error));
  op_mime_composer_set_text (forward, "转发给你。\n");

  bytes = op_mime_composer_to_bytes (forward, &error);
  g_assert_no_error (error);
  /* RFC 2046 §5.2.1: message/rfc822 is never base64-encoded. */
  g_assert_true (bytes_contain (bytes, "Content-Type: message/rfc822"));

  sent = round_trip (forward);
  g_assert_cmpstr (op_mime_message_get_text (sent), ==, "转发给你。\n");
  parts = op_mime_message_get_parts (sent);
  g_assert_cmpuint (parts->len, ==, 1);
  part = g_ptr_array_index (parts, 0);
  g_assert_cmpstr (op_mime_part_get_content_type (part), ==, "message/rfc822");
  g_assert_cmpstr (op_mime_part_get_filename (part), ==, "关于朱镕基讲话稿的通知.eml");
  nested = op_mime_part_get_message (part);
  g_assert_nonnull (nested);
  g_assert_cmpstr (op_mime_message_get_subject (nested), ==, "关于朱镕基讲话稿的通知");
  g_assert_cmpstr (op_mime_message_get_text (nested), ==, op_mime_message_get_text (original));
  g_assert_cmpstr (op_mime_message_get_message_id (nested), ==, op_mime_message_get_message_id (original));
}

static void
test_draft_reopened (void)
{
  g_autoptr(OpMimeComposer) composer = basic_composer ();
  static const guint8 gif_bytes[] = { 'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0, ';' };
  g_autoptr(GBytes) gif = g_bytes_new_static (gif_bytes, sizeof gif_bytes);
  g_autoptr(GBytes) data = binary_data ();
  g_autoptr(GBytes) draft_bytes = NULL;
  g_autoptr(GBytes) smtp_bytes = NULL;
  g_autoptr(OpMimeMessage) draft = NULL;
  g_autoptr(OpMimeComposer) reopened = NULL;
  g_autoptr(OpMimeMessage) sent = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cid = op_mime_composer_add_inline_image (composer, "dot.gif", "image/gif", gif, &error);
  g_autofree char *html = g_strdup_printf ("<p>Draft <img src=\"cid:%s\"></p>", cid);
  g_autofree char *bcc = NULL;
  g_autofree char *url = g_strdup_printf ("cid:%s", cid);

  op_mime_composer_set_text (composer, "Draft text\n");
  op_mime_composer_set_html (composer, html);
  g_assert_true (op_mime_composer_add_attachment (composer, "data.bin", NULL, data, &error));
  g_assert_no_error (error);

  /* The Drafts copy keeps Bcc; the SMTP copy never has it. */
  op_mime_composer_set_include_bcc (composer, TRUE);
  draft_bytes = op_mime_composer_to_bytes (composer, &error);
  g_assert_no_error (error);
  g_assert_true (bytes_contain (draft_bytes, "Bcc: Hidden <secret-bcc@example.org>\r\n"));
  op_mime_composer_set_include_bcc (composer, FALSE);
  smtp_bytes = op_mime_composer_to_bytes (composer, &error);
  g_assert_false (bytes_contain (smtp_bytes, "secret-bcc"));

  draft = op_mime_message_parse_bytes (draft_bytes, NULL, &error);
  g_assert_no_error (error);
  reopened = op_mime_composer_new_from_draft (draft, &error);
  g_assert_no_error (error);
  bcc = display (op_mime_composer_get_bcc (reopened));
  g_assert_cmpstr (bcc, ==, "Hidden <secret-bcc@example.org>");
  g_assert_cmpstr (op_mime_composer_get_subject (reopened), ==, op_mime_composer_get_subject (composer));
  g_assert_cmpstr (op_mime_composer_get_text (reopened), ==, "Draft text\n");

  sent = round_trip (reopened);
  g_assert_cmpstr (op_mime_message_get_html (sent), ==, html);
  g_assert_nonnull (op_mime_message_find_content_id (sent, url));
  {
    g_autoptr(GPtrArray) attachments = op_mime_message_dup_attachments (sent);
    g_autoptr(GBytes) content = NULL;

    g_assert_cmpuint (attachments->len, ==, 1);
    content = saved (g_ptr_array_index (attachments, 0));
    g_assert_true (g_bytes_equal (content, data));
  }
  g_assert_cmpstr (op_mime_message_get_message_id (sent), !=, op_mime_message_get_message_id (draft));
}

static void
test_empty_attachment (void)
{
  g_autoptr(OpMimeMessage) original = parse_text (
    "From: a@example.com\nTo: b@example.com\nSubject: empty file\nMIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=b\n\n"
    "--b\nContent-Type: text/plain\n\nSee the empty file.\n"
    "--b\nContent-Type: text/plain; name=empty.txt\nContent-Disposition: attachment; filename=empty.txt\n\n"
    "--b--\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(OpMimeComposer) forward = op_mime_composer_new_forward (original, OP_MIME_FORWARD_INLINE, &error);
  g_autoptr(OpMimeComposer) draft = NULL;
  g_autoptr(OpMimeMessage) sent = NULL;
  OpMimePart *part;

  g_assert_no_error (error);
  g_assert_true (op_mime_composer_set_from (forward, NULL, "me@example.org", &error));
  sent = round_trip (forward);
  g_assert_cmpuint (op_mime_message_get_parts (sent)->len, ==, 1);
  part = g_ptr_array_index (op_mime_message_get_parts (sent), 0);
  g_assert_cmpstr (op_mime_part_get_filename (part), ==, "empty.txt");
  g_assert_cmpuint (op_mime_part_get_size (part), ==, 0);

  draft = op_mime_composer_new_from_draft (sent, &error);
  g_assert_no_error (error);
  g_clear_object (&sent);
  sent = round_trip (draft);
  g_assert_cmpuint (op_mime_message_get_parts (sent)->len, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mime/compose/plain-round-trip", test_plain_round_trip);
  g_test_add_func ("/mime/compose/generated-date-and-id", test_generated_date_and_id);
  g_test_add_func ("/mime/compose/alternative-html", test_alternative_html);
  g_test_add_func ("/mime/compose/attachments-byte-exact", test_attachments);
  g_test_add_func ("/mime/compose/attachment-file-missing", test_attachment_file_missing);
  g_test_add_func ("/mime/compose/inline-image-by-cid", test_inline_image);
  g_test_add_func ("/mime/compose/header-injection-refused", test_header_injection_refused);
  g_test_add_func ("/mime/compose/no-sender", test_no_sender);
  g_test_add_func ("/mime/compose/smtp-requirements", test_requirements);
  g_test_add_func ("/mime/compose/draft-keeps-bcc-and-reopens", test_draft_reopened);
  g_test_add_func ("/mime/compose/empty-attachment", test_empty_attachment);
  g_test_add_func ("/mime/reply/to-sender", test_reply_to_sender);
  g_test_add_func ("/mime/reply/prefers-reply-to", test_reply_prefers_reply_to);
  g_test_add_func ("/mime/reply/all-without-me", test_reply_all);
  g_test_add_func ("/mime/reply/own-message-goes-to-its-recipients", test_reply_to_own_message);
  g_test_add_func ("/mime/reply/hostile-addresses-dropped", test_reply_drops_hostile_addresses);
  g_test_add_func ("/mime/reply/long-thread-references-trimmed", test_reply_long_thread);
  g_test_add_func ("/mime/forward/inline-with-attachments", test_forward_inline);
  g_test_add_func ("/mime/forward/as-message-rfc822", test_forward_as_attachment);

  return g_test_run ();
}
