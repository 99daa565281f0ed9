/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-news-binary"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "news/op-news-binary.h"
#include "op-news-test-binary.h"

/*
 * yEnc and uuencode decoding (news/op-news-binary.h): hand-checked samples, round trips
 * through the test's own encoders (op-news-test-binary.c: a bitwise CRC32, the draft's
 * escaping), damaged and cut data with the errors a reader sees, multipart reassembly
 * into a file through "NAME.part", and names from articles that must not become paths.
 */

static GBytes *
pattern (gsize size,
         guint seed)
{
  guint8 *data = g_malloc (size);
  GRand *rand = g_rand_new_with_seed (seed);

  /* Every byte value, then random bytes: the escapes are all exercised. */
  for (gsize i = 0; i < size; i++)
    data[i] = i < 256 ? (guint8) i : (guint8) g_rand_int_range (rand, 0, 256);
  g_rand_free (rand);
  return g_bytes_new_take (data, size);
}

static OpNewsBinaryPart *
decode_ok (const GString *body)
{
  g_autoptr(GError) error = NULL;
  OpNewsBinaryPart *part = op_news_binary_decode (body->str, body->len, &error);

  g_assert_no_error (error);
  g_assert_nonnull (part);
  return part;
}

static char *
temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("outpost-binary-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_crc32_check_value (void)
{
  /* The CRC-32 check value of "123456789" (every CRC catalogue lists it). */
  g_assert_cmphex (op_news_crc32_update (0, (const guint8 *) "123456789", 9), ==, 0xcbf43926);
  g_assert_cmphex (op_news_test_crc32 ((const guint8 *) "123456789", 9), ==, 0xcbf43926);
  /* In two pieces, as a multipart file is checked. */
  g_assert_cmphex (op_news_crc32_update (op_news_crc32_update (0, (const guint8 *) "1234", 4),
                                         (const guint8 *) "56789", 5), ==, 0xcbf43926);
}

static void
test_yenc_known_sample (void)
{
  /* By hand: "1".."9" are 0x31..0x39, + 42 = 0x5b..0x63 = "[\]^_`abc". 0xd6 + 42 wraps
   * to NUL ("=@"), 0xe0 + 42 is LF ("=J"), 0x13 + 42 is "=" ("=}"). */
  const char *body =
    "Some text before the binary.\r\n"
    "\r\n"
    "=ybegin line=128 size=12 name=check file.bin\r\n"
    "[\\]^_`abc=@=J=}\r\n"
    "=yend size=12 crc32=2411a384\r\n";
  const guint8 expected[] = { '1', '2', '3', '4', '5', '6', '7', '8', '9', 0xd6, 0xe0, 0x13 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OpNewsBinaryPart) part = op_news_binary_decode (body, strlen (body), &error);

  g_assert_no_error (error);
  g_assert_cmpint (part->encoding, ==, OP_NEWS_BINARY_YENC);
  g_assert_cmpstr (part->name, ==, "check file.bin");
  g_assert_cmpuint (part->part, ==, 0);
  g_assert_cmpuint (part->size, ==, 12);
  g_assert_cmpmem (g_bytes_get_data (part->data, NULL), g_bytes_get_size (part->data),
                   expected, sizeof expected);
  g_assert_cmphex (part->crc32, ==, op_news_test_crc32 (expected, sizeof expected));
  g_assert_cmphex (part->crc32, ==, 0x2411a384);
}

static void
test_yenc_round_trip (void)
{
  const gsize sizes[] = { 0, 1, 127, 128, 129, 256, 1000, 65537 };
  const guint lines[] = { 128, 64, 3 };

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (gsize l = 0; l < G_N_ELEMENTS (lines); l++)
      {
        g_autoptr(GBytes) data = pattern (sizes[s], (guint) (s * 10 + l));
        const guint8 *bytes = g_bytes_get_data (data, NULL);
        g_autoptr(GString) body = op_news_test_yenc_encode (bytes, 0, sizes[s], 0, 0, sizes[s], 0,
                                                            "x.bin", lines[l]);
        g_autoptr(OpNewsBinaryPart) part = decode_ok (body);

        g_assert_true (g_bytes_equal (part->data, data));
        g_assert_cmpuint (part->size, ==, sizes[s]);
      }
}

static void
test_yenc_bad_crc (void)
{
  g_autoptr(GBytes) data = pattern (500, 1);
  g_autoptr(GString) body = op_news_test_yenc_encode (g_bytes_get_data (data, NULL), 0, 500, 0,
                                                      0, 500, 0, "photo.jpg", 128);
  g_autoptr(GError) error = NULL;
  g_autoptr(OpNewsBinaryPart) part = NULL;
  char *first_data = strstr (body->str, "\r\n") + 2;

  /* One byte changed in the data (not an escape): the size is right, the CRC is not. */
  g_assert_cmpint (first_data[0], !=, '=');
  first_data[0] = first_data[0] == 'A' ? 'B' : 'A';
  part = op_news_binary_decode (body->str, body->len, &error);
  g_assert_null (part);
  g_assert_error (error, OP_NEWS_BINARY_ERROR, OP_NEWS_BINARY_ERROR_CRC);
  g_assert_nonnull (strstr (error->message, "“photo.jpg” is damaged"));
}

static void
test_yenc_truncated (void)
{
  g_autoptr(GBytes) data = pattern (1000, 2);
  g_autoptr(GString) body = op_news_test_yenc_encode (g_bytes_get_data (data, NULL), 0, 1000, 0,
                                                      0, 1000, 0, "a.bin", 128);
  char *yend = strstr (body->str, "=yend");

  /* Cut anywhere before =yend: always "cut short", never a shorter file. */
  for (gsize cut = 0; cut < (gsize) (yend - body->str); cut += 37)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OpNewsBinaryPart) part = op_news_binary_decode (body->str, cut, &error);

      g_assert_null (part);
      if (cut < strlen ("=ybegin "))
        g_assert_error (error, OP_NEWS_BINARY_ERROR, OP_NEWS_BINARY_ERROR_NOT_FOUND);
      else if (!g_error_matches (error, OP_NEWS_BINARY_ERROR, OP_NEWS_BINARY_ERROR_MALFORMED))
        g_assert_error (error, OP_NEWS_BINARY_ERROR, OP_NEWS_BINARY_ERROR_TRUNCATED);
    }
}

static void
test_yenc_size_mismatch (void)
{
  const char *longer = "=ybegin line=128 size=3 name=a\r\n[\\]^\r\n=yend size=3\r\n";
  const char *shorter = "=ybegin line=128 size=3 name=a\r\n[\\\r\n=yend size=3\r\n";
  const char *trailer = "=ybegin line=128 size=3 name=a\r\n[\\]\r\n=yend size=4\r\n";
  const char *no_size = "=ybegin line=128 name=a\r\n[\\]\r\n=yend size=3\r\n";
  const char *bad_hex = "=ybegin line=128 size=3 name=a\r\n[\\]\r\n=yend size=3 crc32=xyz\r\n";
  const struct { const char *body; int code; } cases[] = {
    { longer, OP_NEWS_BINARY_ERROR_SIZE },
    { shorter, OP_NEWS_BINARY_ERROR_SIZE },
    { trailer, OP_NEWS_BINARY_ERROR_SIZE },
    { no_size, OP_NEWS_BINARY_ERROR_MALFORMED },
    { bad_hex, OP_NEWS_BINARY_ERROR_MALFORMED },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OpNewsBinaryPart) part =
        op_news_binary_decode (cases[i].body, strlen (cases[i].body), &error);

      g_assert_null (part);
      g_assert_error (error, OP_NEWS_BINARY_ERROR, cases[i].code);
    }
}

/* A file in @n parts, decoded; parts[i] is part i + 1. */
static GPtrArray *
multipart (GBytes  *data,
           guint    n,
           guint32  file_crc)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func ((GDestroyNotify) op_news_binary_part_free);
  gsize size = g_bytes_get_size (data);
  gsize per = (size + n - 1) / n;

  for (guint i = 0; i < n; i++)
    {
      gsize offset = i * per;
      g_autoptr(GString) body =
        op_news_test_yenc_encode (g_bytes_get_data (data, NULL), offset, MIN (per, size - offset),
                                  i + 1, n, size, file_crc, "holiday photo.jpg", 128);
      OpNewsBinaryPart *part = decode_ok (body);

      g_assert_cmpuint (part->part, ==, i + 1);
      g_assert_cmpuint (part->total, ==, n);
      g_assert_cmpuint (part->offset, ==, offset);
      g_assert_cmpuint (part->has_file_crc32, ==, i + 1 == n);
      g_ptr_array_add (parts, part);
    }
  return parts;
}

static void
assert_file_equals (GFile  *file,
                    GBytes *data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) contents = g_file_load_bytes (file, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (contents, data));
}

static void
test_yenc_multipart (void)
{
  g_autofree char *dir = temp_dir ();
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autoptr(GBytes) data = pattern (300000, 3);
  guint32 crc = op_news_test_crc32 (g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  g_autoptr(GPtrArray) parts = multipart (data, 3, crc);
  g_autoptr(GPtrArray) reversed = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) first = NULL;
  g_autoptr(GFile) second = NULL;
  g_autofree char *first_name = NULL;
  g_autofree char *second_name = NULL;

  first = op_news_binary_write_file (parts, folder, NULL, &error);
  g_assert_no_error (error);
  first_name = g_file_get_basename (first);
  g_assert_cmpstr (first_name, ==, "holiday photo.jpg");
  assert_file_equals (first, data);

  /* In any order; an existing file is never replaced. */
  for (guint i = parts->len; i > 0; i--)
    g_ptr_array_add (reversed, g_ptr_array_index (parts, i - 1));
  second = op_news_binary_write_file (reversed, folder, NULL, &error);
  g_assert_no_error (error);
  second_name = g_file_get_basename (second);
  g_assert_cmpstr (second_name, ==, "holiday photo (2).jpg");
  assert_file_equals (second, data);
  assert_file_equals (first, data);
  g_assert_cmpuint (count_files (dir), ==, 2);
  remove_dir (dir);
}

static void
test_yenc_missing_parts (void)
{
  g_autofree char *dir = temp_dir ();
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autoptr(GBytes) data = pattern (5000, 4);
  g_autoptr(GPtrArray) parts = multipart (data, 5, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GArray) missing = NULL;
  g_autofree char *list = NULL;

  /* Parts 2, 3 and 5 of 5 missing. */
  g_ptr_array_remove_index (parts, 4);
  g_ptr_array_remove_index (parts, 2);
  g_ptr_array_remove_index (parts, 1);
  missing = op_news_binary_missing_parts (parts, 5);
  g_assert_cmpuint (missing->len, ==, 3);
  list = op_news_binary_format_missing (missing, 5);
  g_assert_cmpstr (list, ==, "2–3, 5");

  file = op_news_binary_write_file (parts, folder, NULL, &error);
  g_assert_null (file);
  g_assert_error (error, OP_NEWS_BINARY_ERROR, OP_NEWS_BINARY_ERROR_MISSING_PARTS);
  g_assert_cmpstr (error->message, ==,
                   "“holiday photo.jpg” cannot be saved yet: parts 2–3, 5 of 5 are missing.");
  g_assert_cmpuint (count_files (dir), ==, 0);
  remove_dir (dir);
}

static void
test_yenc_bad_file_crc (void)
{
  g_autofree char *dir = temp_dir ();
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autoptr(GBytes) data = pattern (4000, 5);
  g_autoptr(GPtrArray) parts = multipart (data, 2, 0x12345678);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = op_news_binary_write_file (parts, folder, NULL, &error);

  /* Every part is right, the whole file's CRC is not: no file, no ".part" left. */
  g_assert_null (file);
  g_assert_error (error, OP_NEWS_BINARY_ERROR, OP_NEWS_BINARY_ERROR_CRC);
  g_assert_nonnull (strstr (error->message, "announces 12345678"));
  g_assert_cmpuint (count_files (dir), ==, 0);
  remove_dir (dir);
}

static void
test_uu_known_sample (void)
{
  /* The classic: "Cat" is "#0V%T" ("#" = 3 bytes). */
  const char *body = "begin 644 cat.txt\n#0V%T\n`\nend\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(OpNewsBinaryPart) part = op_news_binary_decode (body, strlen (body), &error);

  g_assert_no_error (error);
  g_assert_cmpint (part->encoding, ==, OP_NEWS_BINARY_UUENCODE);
  g_assert_cmpstr (part->name, ==, "cat.txt");
  g_assert_cmpmem (g_bytes_get_data (part->data, NULL), g_bytes_get_size (part->data), "Cat", 3);
}

static void
test_uu_round_trip (void)
{
  const gsize sizes[] = { 0, 1, 2, 3, 44, 45, 46, 90, 1000, 20000 };

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(GBytes) data = pattern (sizes[s], (guint) s + 20);
      g_autoptr(GString) body = op_news_test_uu_encode (g_bytes_get_data (data, NULL), sizes[s],
                                                        "data.bin");
      g_autoptr(OpNewsBinaryPart) part = decode_ok (body);

      g_assert_true (g_bytes_equal (part->data, data));
      g_assert_cmpuint (part->size, ==, sizes[s]);
    }
}

/* The article of part @part of 3 of a uuencoded posting: headers, some text, lines
 * [@from, @to) of @lines, more text. */
static GBytes *
uu_article (GStrv lines, guint from, guint to, guint part, const char *before, const char *after)
{
  GString *article = g_string_new (NULL);

  g_string_append_printf (article, "From: Poster <p@example.test>\r\n"
                                   "Subject: data.bin (%u/3)\r\n"
                                   "Message-ID: <uu.%u@example.test>\r\n\r\n%s",
                          part, part, before);
  for (guint i = from; i < to; i++)
    g_string_append_printf (article, "%s\r\n", lines[i]);
  g_string_append (article, after);
  return g_string_free_to_bytes (article);
}

/* One uuencoded file split over three articles, as Agent or uuenview post it: "begin" in
 * the first, bare lines in the second (with a line of text before and a signature after),
 * "end" in the last. Decoded as one part, byte for byte; without its last part it is cut
 * short, and an "end" before the last part means they are not one file. Single articles
 * still decode each on its own. */
static void
test_uu_multipart (void)
{
  g_autoptr(GBytes) data = pattern (20000, 31);
  g_autoptr(GString) body = op_news_test_uu_encode (g_bytes_get_data (data, NULL), 20000,
                                                    "data.bin");
  g_auto(GStrv) lines = g_strsplit (body->str, "\r\n", -1);
  guint n = g_strv_length (lines);   /* begin, data…, "`", end, "" */
  guint third = n / 3;
  g_autoptr(GPtrArray) articles = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) parts = NULL;
  g_autoptr(GError) error = NULL;
  OpNewsBinaryPart *part;

  g_assert_cmpuint (n, >, 12);
  g_ptr_array_add (articles, uu_article (lines, 0, third, 1, "Here it is.\r\n", ""));
  g_ptr_array_add (articles, uu_article (lines, third, 2 * third, 2, "section 2 of 3\r\n",
                                         "\r\n-- \r\nPoster\r\n"));
  g_ptr_array_add (articles, uu_article (lines, 2 * third, n - 1, 3, "",
                                         "sum -r/size 1234/20000\r\n"));
  parts = op_news_binary_decode_posting (articles, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parts->len, ==, 1);
  part = g_ptr_array_index (parts, 0);
  g_assert_cmpint (part->encoding, ==, OP_NEWS_BINARY_UUENCODE);
  g_assert_cmpstr (part->name, ==, "data.bin");
  g_assert_cmpuint (part->size, ==, 20000);
  g_assert_true (g_bytes_equal (part->data, data));
  g_clear_pointer (&parts, g_ptr_array_unref);

  /* The last part missing. */
  g_ptr_array_remove_index (articles, 2);
  g_assert_null (op_news_binary_decode_posting (articles, &error));
  g_assert_error (error, OP_NEWS_BINARY_ERROR, OP_NEWS_BINARY_ERROR_TRUNCATED);
  g_clear_error (&error);

  /* "end" in part 2 of 3. */
  g_ptr_array_remove_index (articles, 1);
  g_ptr_array_add (articles, uu_article (lines, third, n - 1, 2, "", ""));
  g_ptr_array_add (articles, uu_article (lines, 2 * third, n - 1, 3, "", ""));
  g_assert_null (op_news_binary_decode_posting (articles, &error));
  g_assert_error (error, OP_NEWS_BINARY_ERROR, OP_NEWS_BINARY_ERROR_SIZE);
  g_clear_error (&error);

  /* One whole article: the single decoder's answer. */
  g_ptr_array_set_size (articles, 0);
  g_ptr_array_add (articles, g_bytes_new (body->str, body->len));
  parts = op_news_binary_decode_posting (articles, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parts->len, ==, 1);
  g_assert_true (g_bytes_equal (((OpNewsBinaryPart *) g_ptr_array_index (parts, 0))->data, data));
}

static void
test_uu_errors (void)
{
  g_autoptr(GBytes) data = pattern (1000, 30);
  g_autoptr(GString) body = op_news_test_uu_encode (g_bytes_get_data (data, NULL), 1000, "d");
  g_autoptr(GError) error = NULL;
  g_autoptr(OpNewsBinaryPart) part = NULL;
  const char *bad = "begin 644 x\nM\x01\x02\nend\n";

  part = op_news_binary_decode (body->str, body->len - strlen ("`\r\nend\r\n"), &error);
  g_assert_null (part);
  g_assert_error (error, OP_NEWS_BINARY_ERROR, OP_NEWS_BINARY_ERROR_TRUNCATED);
  g_clear_error (&error);

  part = op_news_binary_decode (bad, strlen (bad), &error);
  g_assert_null (part);
  g_assert_error (error, OP_NEWS_BINARY_ERROR, OP_NEWS_BINARY_ERROR_MALFORMED);
  g_clear_error (&error);

  part = op_news_binary_decode ("just text\r\nbegin here\r\n", 23, &error);
  g_assert_null (part);
  g_assert_error (error, OP_NEWS_BINARY_ERROR, OP_NEWS_BINARY_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "This article holds no yEnc or uuencoded file.");
}

static void
test_safe_name (void)
{
  const struct { const char *name; const char *safe; } cases[] = {
    { "photo.jpg", "photo.jpg" },
    { "../../etc/passwd", "passwd" },
    { "C:\\Windows\\evil.exe", "evil.exe" },
    { "/absolute/path.bin", "path.bin" },
    { ".hidden", "hidden" },
    { "  spaced  ", "spaced" },
    { "a\x01" "b\x7f" "c", "a_b_c" },
    { "x:y", "x_y" },
    { "invoice\xe2\x80\xaegpj.exe", "invoice_gpj.exe" },
    { "..", NULL },
    { ".", NULL },
    { "", NULL },
    { "dir/", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *safe = op_news_binary_safe_name (cases[i].name);

      g_assert_cmpstr (safe, ==, cases[i].safe);
    }
}

static void
test_write_hostile_name (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *inner = g_build_filename (dir, "inner", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (inner);
  g_autoptr(GBytes) data = pattern (100, 40);
  g_autoptr(GString) body = op_news_test_yenc_encode (g_bytes_get_data (data, NULL), 0, 100, 0, 0,
                                                      100, 0, "../escaped.bin", 128);
  g_autoptr(GString) dots = op_news_test_yenc_encode (g_bytes_get_data (data, NULL), 0, 100, 0, 0,
                                                      100, 0, "..", 128);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify) op_news_binary_part_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) parent = NULL;

  g_assert_cmpint (g_mkdir (inner, 0700), ==, 0);
  /* A "NAME.part" that is a link to a file elsewhere: replaced, the file untouched. */
  {
    g_autofree char *victim = g_build_filename (dir, "victim", NULL);
    g_autofree char *link = g_build_filename (inner, "escaped.bin.part", NULL);
    g_autofree char *contents = NULL;

    g_assert_true (g_file_set_contents (victim, "keep", -1, NULL));
    g_assert_cmpint (symlink (victim, link), ==, 0);
    g_ptr_array_add (parts, decode_ok (body));
    file = op_news_binary_write_file (parts, folder, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (victim, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "keep");
    g_assert_false (g_file_test (link, G_FILE_TEST_EXISTS) || g_file_test (link, G_FILE_TEST_IS_SYMLINK));
    g_assert_cmpint (g_remove (victim), ==, 0);
  }
  parent = g_file_get_parent (file);
  g_assert_true (g_file_equal (parent, folder));
  assert_file_equals (file, data);
  g_assert_cmpuint (count_files (dir), ==, 1);

  g_ptr_array_set_size (parts, 0);
  g_ptr_array_add (parts, decode_ok (dots));
  g_clear_object (&file);
  file = op_news_binary_write_file (parts, folder, NULL, &error);
  g_assert_null (file);
  g_assert_error (error, OP_NEWS_BINARY_ERROR, OP_NEWS_BINARY_ERROR_BAD_NAME);
  g_assert_cmpuint (count_files (inner), ==, 1);
  remove_dir (inner);
  remove_dir (dir);
}

static OpNewsBinaryPart *
decode_sample (const char  *name,
               GError     **error)
{
  g_autofree char *path = g_build_filename (g_getenv ("OUTPOST_TEST_DATA"), "news-binary",
                                            name, NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  return op_news_binary_decode (contents, length, error);
}

/* The seeds of tests/data/news-binary, written by Python (zlib, binascii). */
static void
test_samples (void)
{
  g_autofree char *dir = temp_dir ();
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify) op_news_binary_part_free);
  g_autoptr(OpNewsBinaryPart) single = NULL;
  g_autoptr(OpNewsBinaryPart) uu = NULL;
  g_autoptr(OpNewsBinaryPart) hostile = NULL;
  g_autofree char *safe = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  const struct { const char *name; int code; } bad[] = {
    { "yenc-bad-crc.txt", OP_NEWS_BINARY_ERROR_CRC },
    { "yenc-truncated.txt", OP_NEWS_BINARY_ERROR_TRUNCATED },
    { "uuencode-truncated.txt", OP_NEWS_BINARY_ERROR_TRUNCATED },
  };

  single = decode_sample ("yenc-single.txt", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (single->name, ==, "sample file.bin");
  g_assert_cmpuint (g_bytes_get_size (single->data), ==, 956);
  uu = decode_sample ("uuencode.txt", &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (uu->data, single->data));
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("yenc-part%uof3.txt", i);

      g_ptr_array_add (parts, decode_sample (name, &error));
      g_assert_no_error (error);
    }
  file = op_news_binary_write_file (parts, folder, NULL, &error);
  g_assert_no_error (error);
  assert_file_equals (file, single->data);

  hostile = decode_sample ("yenc-hostile-name.txt", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hostile->name, ==, "../../.config/autostart/x.desktop");
  safe = op_news_binary_safe_name (hostile->name);
  g_assert_cmpstr (safe, ==, "x.desktop");

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) bad_error = NULL;
      g_autoptr(OpNewsBinaryPart) part = decode_sample (bad[i].name, &bad_error);

      g_assert_null (part);
      g_assert_error (bad_error, OP_NEWS_BINARY_ERROR, bad[i].code);
    }
  remove_dir (dir);
}

static void
test_subject (void)
{
  const struct { const char *subject; guint part, total; const char *key; } cases[] = {
    { "Holiday \"a.jpg\" yEnc (2/3)", 2, 3, "Holiday \"a.jpg\" yEnc (*/3)" },
    { "[1/5] - \"b.rar\" yEnc (12/40) 30 MB", 12, 40, "[1/5] - \"b.rar\" yEnc (*/40) 30 MB" },
    { "file.bin [3/3]", 3, 3, "file.bin [*/3]" },
    { "no mark here", 0, 0, NULL },
    { "zero (0/3)", 0, 0, NULL },
    { "over (4/3)", 0, 0, NULL },
    { "unclosed (1/3", 0, 0, NULL },
    { "mixed (1/3]", 0, 0, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint part = 0, total = 0;
      g_autofree char *key = NULL;
      gboolean found = op_news_binary_parse_subject (cases[i].subject, &part, &total, &key);

      g_assert_cmpint (found, ==, cases[i].key != NULL);
      g_assert_cmpuint (part, ==, cases[i].part);
      g_assert_cmpuint (total, ==, cases[i].total);
      g_assert_cmpstr (key, ==, cases[i].key);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/news/binary/crc32/check-value", test_crc32_check_value);
  g_test_add_func ("/news/binary/yenc/known-sample", test_yenc_known_sample);
  g_test_add_func ("/news/binary/yenc/round-trip", test_yenc_round_trip);
  g_test_add_func ("/news/binary/yenc/bad-crc-is-an-error", test_yenc_bad_crc);
  g_test_add_func ("/news/binary/yenc/truncated-is-an-error", test_yenc_truncated);
  g_test_add_func ("/news/binary/yenc/size-mismatch", test_yenc_size_mismatch);
  g_test_add_func ("/news/binary/yenc/multipart-to-file", test_yenc_multipart);
  g_test_add_func ("/news/binary/yenc/missing-parts", test_yenc_missing_parts);
  g_test_add_func ("/news/binary/yenc/bad-file-crc-leaves-no-file", test_yenc_bad_file_crc);
  g_test_add_func ("/news/binary/uu/known-sample", test_uu_known_sample);
  g_test_add_func ("/news/binary/uu/round-trip", test_uu_round_trip);
  g_test_add_func ("/news/binary/uu/errors", test_uu_errors);
  g_test_add_func ("/news/binary/uu/multipart", test_uu_multipart);
  g_test_add_func ("/news/binary/safe-name", test_safe_name);
  g_test_add_func ("/news/binary/write/hostile-name-stays-in-folder", test_write_hostile_name);
  g_test_add_func ("/news/binary/subject-parts", test_subject);
  g_test_add_func ("/news/binary/python-samples", test_samples);

  return g_test_run ();
}
