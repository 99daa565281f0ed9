/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-news-binary"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "news/op-news-binary.h"

/*
 * An article body through op_news_binary_decode (yEnc and uuencode), the input cut at
 * its NUL bytes into the articles of one posting through op_news_binary_decode_posting
 * (multipart uuencode), and each of its lines as a subject through
 * op_news_binary_parse_subject. Besides "no crash": a decoded
 * part is never larger than the input, its CRC32 is its data's, a single yEnc part is
 * exactly its announced size and a multipart one lies within the file; its name is valid
 * UTF-8 without control characters, and its safe name (when there is one) is one path
 * component that is neither "." nor "..". A failure is an OP_NEWS_BINARY_ERROR with a
 * valid UTF-8 message.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_part (const OpNewsBinaryPart *part,
            size_t                  input_size)
{
  gsize length;
  const guint8 *bytes = g_bytes_get_data (part->data, &length);
  g_autofree char *safe = NULL;

  g_assert (length <= input_size || part->encoding == OP_NEWS_BINARY_UUENCODE);
  g_assert (length <= 4 * input_size + 64);
  g_assert (op_news_crc32_update (0, bytes, length) == part->crc32);
  if (part->encoding == OP_NEWS_BINARY_YENC && part->part == 0)
    g_assert (length == part->size && part->offset == 0);
  else if (part->encoding == OP_NEWS_BINARY_YENC)
    {
      g_assert (part->part >= 1);
      g_assert (part->total == 0 || part->part <= part->total);
      g_assert (part->offset + length <= part->size);
    }
  else
    g_assert (length == part->size);

  g_assert (part->name != NULL && g_utf8_validate (part->name, -1, NULL));
  for (const char *p = part->name; *p != '\0'; p++)
    g_assert ((guchar) *p >= 0x20 && *p != 0x7f);
  safe = op_news_binary_safe_name (part->name);
  if (safe != NULL)
    {
      g_assert (g_utf8_validate (safe, -1, NULL));
      g_assert (safe[0] != '\0' && safe[0] != '.');
      g_assert (strchr (safe, '/') == NULL && strchr (safe, '\\') == NULL);
      g_assert (strlen (safe) <= 200);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpNewsBinaryPart) part = op_news_binary_decode ((const char *) data, size, &error);
  const char *p = (const char *) data;
  const char *end = p + size;

  if (part != NULL)
    check_part (part, size);
  else
    {
      g_assert (error != NULL && error->domain == OP_NEWS_BINARY_ERROR);
      g_assert (g_utf8_validate (error->message, -1, NULL));
    }

  {
    g_autoptr(GPtrArray) articles = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    g_autoptr(GPtrArray) parts = NULL;
    g_autoptr(GError) posting_error = NULL;
    const char *q = p;

    while (q <= end && articles->len < 16)
      {
        const char *nul = memchr (q, '\0', end - q);
        const char *stop = nul != NULL ? nul : end;

        g_ptr_array_add (articles, g_bytes_new (q, stop - q));
        q = stop + 1;
      }
    parts = op_news_binary_decode_posting (articles, &posting_error);
    if (parts != NULL)
      {
        g_assert (parts->len >= 1 && parts->len <= articles->len);
        for (guint i = 0; i < parts->len; i++)
          check_part (g_ptr_array_index (parts, i), size);
      }
    else
      {
        g_assert (posting_error != NULL && posting_error->domain == OP_NEWS_BINARY_ERROR);
        g_assert (g_utf8_validate (posting_error->message, -1, NULL));
      }
  }

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize length = (nl != NULL ? nl : end) - p;
      g_autofree char *line = g_utf8_make_valid (p, length);
      g_autofree char *key = NULL;
      guint n = 0, total = 0;

      if (op_news_binary_parse_subject (line, &n, &total, &key))
        {
          g_assert (n >= 1 && n <= total);
          g_assert (g_utf8_validate (key, -1, NULL));
          g_assert (strstr (key, "*/") != NULL);
        }
      p = nl != NULL ? nl + 1 : end;
    }
  return 0;
}
