/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-test-binary"

#include "config.h"

#include "op-news-test-binary.h"

guint32
op_news_test_crc32 (const guint8 *data,
                    gsize         length)
{
  guint32 crc = 0xffffffffu;

  for (gsize i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
  return ~crc;
}

GString *
op_news_test_yenc_encode (const guint8 *data,
                          gsize         offset,
                          gsize         length,
                          guint         part,
                          guint         total,
                          gsize         size,
                          guint32       file_crc32,
                          const char   *name,
                          guint         line)
{
  GString *out = g_string_new (NULL);
  gsize column = 0;

  if (part == 0)
    g_string_append_printf (out, "=ybegin line=%u size=%" G_GSIZE_FORMAT " name=%s\r\n",
                            line, size, name);
  else
    g_string_append_printf (out,
                            "=ybegin part=%u total=%u line=%u size=%" G_GSIZE_FORMAT " name=%s\r\n"
                            "=ypart begin=%" G_GSIZE_FORMAT " end=%" G_GSIZE_FORMAT "\r\n",
                            part, total, line, size, name, offset + 1, offset + length);
  for (gsize i = 0; i < length; i++)
    {
      guint8 c = (guint8) (data[offset + i] + 42);
      /* Critical characters (NUL, LF, CR, "="), and TAB, space and "." where a line
       * starts or ends, as the draft recommends. */
      gboolean escape = c == 0 || c == '\n' || c == '\r' || c == '=' ||
                        ((c == '\t' || c == ' ') && (column == 0 || column + 1 >= line || i + 1 == length)) ||
                        (c == '.' && column == 0);

      if (escape)
        {
          g_string_append_c (out, '=');
          c = (guint8) (c + 64);
          column++;
        }
      g_string_append_c (out, (char) c);
      column++;
      if (column >= line)
        {
          g_string_append (out, "\r\n");
          column = 0;
        }
    }
  if (column > 0)
    g_string_append (out, "\r\n");
  if (part == 0)
    g_string_append_printf (out, "=yend size=%" G_GSIZE_FORMAT " crc32=%08x\r\n", length,
                            op_news_test_crc32 (data + offset, length));
  else
    {
      g_string_append_printf (out, "=yend size=%" G_GSIZE_FORMAT " part=%u pcrc32=%08x",
                              length, part, op_news_test_crc32 (data + offset, length));
      if (part == total)
        g_string_append_printf (out, " crc32=%08x", file_crc32);
      g_string_append (out, "\r\n");
    }
  return out;
}

static char
uu_char (guint value)
{
  return value == 0 ? '`' : (char) (value + 32);
}

GString *
op_news_test_uu_encode (const guint8 *data,
                        gsize         length,
                        const char   *name)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "begin 644 %s\r\n", name);
  for (gsize at = 0; at < length; at += 45)
    {
      gsize n = MIN (45, length - at);

      g_string_append_c (out, uu_char ((guint) n));
      for (gsize i = 0; i < n; i += 3)
        {
          guint8 b0 = data[at + i];
          guint8 b1 = i + 1 < n ? data[at + i + 1] : 0;
          guint8 b2 = i + 2 < n ? data[at + i + 2] : 0;

          g_string_append_c (out, uu_char (b0 >> 2));
          g_string_append_c (out, uu_char (((b0 & 3) << 4) | (b1 >> 4)));
          g_string_append_c (out, uu_char (((b1 & 15) << 2) | (b2 >> 6)));
          g_string_append_c (out, uu_char (b2 & 63));
        }
      g_string_append (out, "\r\n");
    }
  g_string_append (out, "`\r\nend\r\n");
  return out;
}
