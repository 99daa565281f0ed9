/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-binary"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-news-binary.h"

/*
 * yEnc: http://www.yenc.org/yenc-draft.1.3.txt. GMime has a yEnc stream filter
 * (g_mime_ydecode_step), but it neither reads the keywords of =ybegin/=ypart/=yend nor
 * keeps a CR out of the data, and the decoder here must reject what it cannot check;
 * the byte rule itself is two lines (byte − 42, after "=" byte − 106).
 */

/* Part and file limits: a posting of more parts than this is not one we reassemble. */
#define MAX_PARTS 100000
/* yEnc sizes are decimal; a file larger than 1 TiB is not a news binary. */
#define MAX_SIZE (G_GUINT64_CONSTANT (1) << 40)

G_DEFINE_QUARK (op-news-binary-error-quark, op_news_binary_error)

void
op_news_binary_part_free (OpNewsBinaryPart *part)
{
  if (part == NULL)
    return;
  g_free (part->name);
  g_clear_pointer (&part->data, g_bytes_unref);
  g_free (part);
}

static guint32 crc_table[256];

static gpointer
init_crc_table (gpointer data)
{
  for (guint32 i = 0; i < 256; i++)
    {
      guint32 c = i;

      for (int k = 0; k < 8; k++)
        c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      crc_table[i] = c;
    }
  return NULL;
}

guint32
op_news_crc32_update (guint32       crc,
                      const guint8 *data,
                      gsize         length)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, init_crc_table, NULL);
  crc = ~crc;
  for (gsize i = 0; i < length; i++)
    crc = crc_table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

/* One line of @body from *@pos: its text without CR/LF. FALSE at the end. */
static gboolean
next_line (const char  *body,
           gsize        length,
           gsize       *pos,
           const char **line,
           gsize       *line_length)
{
  const char *start;
  const char *nl;
  gsize n;

  if (*pos >= length)
    return FALSE;
  start = body + *pos;
  nl = memchr (start, '\n', length - *pos);
  n = nl != NULL ? (gsize) (nl - start) : length - *pos;
  *pos += n + (nl != NULL ? 1 : 0);
  if (n > 0 && start[n - 1] == '\r')
    n--;
  *line = start;
  *line_length = n;
  return TRUE;
}

static gboolean
has_prefix (const char *line,
            gsize       length,
            const char *prefix)
{
  gsize n = strlen (prefix);

  return length >= n && memcmp (line, prefix, n) == 0;
}

static char *
clean_name (const char *bytes,
            gsize       length)
{
  g_autofree char *valid = g_utf8_make_valid (bytes, length);
  GString *name = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        g_string_append_c (name, '_');
      else
        g_string_append_unichar (name, c);
    }
  g_strstrip (name->str);
  g_string_set_size (name, strlen (name->str));
  return g_string_free (name, FALSE);
}

/*
 * The keywords of a =y line ("=ybegin part=1 line=128 size=500 name=a b.jpg"): each
 * "key=value" separated by spaces; "name=" runs to the end of the line (names hold
 * spaces). Unknown keywords are skipped, as the draft asks. FALSE for a number that is
 * not one.
 */
typedef struct
{
  gboolean has_part, has_total, has_size, has_begin, has_end, has_crc32, has_pcrc32;
  guint64  part, total, size, begin, end;
  guint32  crc32, pcrc32;
  char    *name;
} YKeys;

static gboolean
parse_number (const char *value,
              gsize       length,
              guint       base,
              guint64    *out)
{
  guint64 n = 0;
  guint64 limit = base == 16 ? G_MAXUINT32 : MAX_SIZE;

  if (length == 0 || length > 16)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      int d = g_ascii_xdigit_value (value[i]);

      if (d < 0 || (guint) d >= base)
        return FALSE;
      n = n * base + (guint) d;
    }
  if (n > limit)
    return FALSE;
  *out = n;
  return TRUE;
}

static gboolean
parse_keys (const char *line,
            gsize       length,
            YKeys      *keys)
{
  gsize i = 0;

  while (i < length)
    {
      gsize key_start, key_end, value_start, value_end;
      const char *key;
      gsize key_length;
      guint64 n;

      while (i < length && line[i] == ' ')
        i++;
      if (i >= length)
        break;
      key_start = i;
      while (i < length && line[i] != '=' && line[i] != ' ')
        i++;
      key_end = i;
      if (i >= length || line[i] != '=')
        continue;  /* a word without "=": skipped */
      key = line + key_start;
      key_length = key_end - key_start;
      value_start = ++i;
      if (key_length == 4 && memcmp (key, "name", 4) == 0)
        {
          g_free (keys->name);
          keys->name = clean_name (line + value_start, length - value_start);
          return TRUE;
        }
      while (i < length && line[i] != ' ')
        i++;
      value_end = i;

#define NUMBER_KEY(NAME, FIELD, BASE)                                                 \
      if (key_length == strlen (NAME) && memcmp (key, NAME, key_length) == 0)         \
        {                                                                             \
          if (!parse_number (line + value_start, value_end - value_start, BASE, &n))  \
            return FALSE;                                                             \
          keys->FIELD = n;                                                            \
          keys->has_##FIELD = TRUE;                                                   \
          continue;                                                                   \
        }
      NUMBER_KEY ("part", part, 10)
      NUMBER_KEY ("total", total, 10)
      NUMBER_KEY ("size", size, 10)
      NUMBER_KEY ("begin", begin, 10)
      NUMBER_KEY ("end", end, 10)
      NUMBER_KEY ("crc32", crc32, 16)
      NUMBER_KEY ("pcrc32", pcrc32, 16)
#undef NUMBER_KEY
    }
  return TRUE;
}

static gboolean
fail (GError    **error,
      int         code,
      const char *format,
      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError    **error,
      int         code,
      const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (OP_NEWS_BINARY_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}

static OpNewsBinaryPart *
decode_yenc (const char *body,
             gsize       length,
             gsize       pos,
             const char *begin_line,
             gsize       begin_length,
             GError    **error)
{
  g_autoptr(OpNewsBinaryPart) part = g_new0 (OpNewsBinaryPart, 1);
  YKeys begin = { 0 };
  YKeys ypart = { 0 };
  YKeys yend = { 0 };
  g_autofree guint8 *buffer = NULL;
  guint64 got = 0;
  const char *line;
  gsize line_length;
  gboolean ended = FALSE;
  guint64 expected;
  gboolean ok;

  ok = parse_keys (begin_line + 7, begin_length - 7, &begin);
  part->name = g_steal_pointer (&begin.name);
  if (!ok || !begin.has_size || part->name == NULL)
    {
      fail (error, OP_NEWS_BINARY_ERROR_MALFORMED,
            _("The yEnc header of this article cannot be read (“=ybegin” needs a size and a name)."));
      return NULL;
    }
  part->encoding = OP_NEWS_BINARY_YENC;
  part->size = begin.size;
  if (begin.has_part)
    {
      /* Multipart: =ypart begin= end= follows at once. */
      if (begin.part < 1 || begin.part > MAX_PARTS ||
          (begin.has_total && (begin.total < begin.part || begin.total > MAX_PARTS)) ||
          !next_line (body, length, &pos, &line, &line_length) ||
          !has_prefix (line, line_length, "=ypart ") ||
          !parse_keys (line + 7, line_length - 7, &ypart) ||
          !ypart.has_begin || !ypart.has_end ||
          ypart.begin < 1 || ypart.end < ypart.begin || ypart.end > begin.size)
        {
          g_free (ypart.name);
          fail (error, OP_NEWS_BINARY_ERROR_MALFORMED,
                _("The yEnc part header of this article cannot be read (“=ypart” needs a begin and an end within the file’s size)."));
          return NULL;
        }
      g_free (ypart.name);
      part->part = begin.part;
      part->total = begin.has_total ? begin.total : 0;
      part->offset = ypart.begin - 1;
      expected = ypart.end - ypart.begin + 1;
    }
  else
    expected = begin.size;

  /* The decoded data is never longer than the encoded text. */
  if (expected > length - pos)
    {
      fail (error, OP_NEWS_BINARY_ERROR_TRUNCATED,
            _("This article ends before its yEnc data does: %llu bytes announced, the article is shorter."),
            (unsigned long long) expected);
      return NULL;
    }
  /* One byte more than announced is enough to tell "too long". */
  buffer = g_malloc (expected + 1);
  while (next_line (body, length, &pos, &line, &line_length) && got <= expected)
    {
      if (has_prefix (line, line_length, "=yend"))
        {
          ok = parse_keys (line + 5, line_length - 5, &yend);
          g_clear_pointer (&yend.name, g_free);
          if (!ok)
            {
              fail (error, OP_NEWS_BINARY_ERROR_MALFORMED,
                    _("The yEnc trailer (“=yend”) of this article cannot be read."));
              return NULL;
            }
          ended = TRUE;
          break;
        }
      /* An "=" at the end of a line escapes nothing: encoders never split a pair. */
      for (gsize i = 0; i < line_length && got <= expected; i++)
        {
          guchar c = (guchar) line[i];

          if (c == '=' && i + 1 < line_length)
            c = (guchar) (line[++i] - 64);
          else if (c == '=')
            break;
          buffer[got++] = (guint8) (c - 42);
        }
    }
  if (!ended && got <= expected)
    {
      fail (error, OP_NEWS_BINARY_ERROR_TRUNCATED,
            _("This article ends before its yEnc data does (no “=yend” line): it was cut short."));
      return NULL;
    }
  if (got != expected || (yend.has_size && yend.size != expected) ||
      (begin.has_part && yend.has_part && yend.part != begin.part))
    {
      fail (error, OP_NEWS_BINARY_ERROR_SIZE,
            _("The yEnc data of this article decodes to %llu bytes where its headers announce %llu."),
            (unsigned long long) got, (unsigned long long) (yend.has_size ? yend.size : expected));
      return NULL;
    }
  part->crc32 = op_news_crc32_update (0, buffer, got);
  part->data = g_bytes_new_take (g_steal_pointer (&buffer), got);
  if (begin.has_part)
    {
      if (yend.has_pcrc32 && yend.pcrc32 != part->crc32)
        {
          fail (error, OP_NEWS_BINARY_ERROR_CRC,
                _("Part %u of “%s” is damaged: its CRC32 is %08x where the article announces %08x."),
                part->part, part->name, part->crc32, yend.pcrc32);
          return NULL;
        }
      part->has_file_crc32 = yend.has_crc32;
      part->file_crc32 = yend.crc32;
    }
  else if ((yend.has_crc32 && yend.crc32 != part->crc32) ||
           (yend.has_pcrc32 && yend.pcrc32 != part->crc32))
    {
      fail (error, OP_NEWS_BINARY_ERROR_CRC,
            _("“%s” is damaged: its CRC32 is %08x where the article announces %08x."),
            part->name, part->crc32, yend.has_crc32 ? yend.crc32 : yend.pcrc32);
      return NULL;
    }
  return g_steal_pointer (&part);
}

/* uuencode's character: (c − 32) & 63, with "`" for 0; anything else is not uuencode. */
static inline gboolean
uu_value (guchar  c,
          guint8 *value)
{
  if (c < 0x20 || c > 0x60)
    return FALSE;
  *value = (c - 0x20) & 0x3f;
  return TRUE;
}

/* One uuencoded line onto @data. FALSE when it is not uuencode. @exact: only a line as
 * long as its count says (one checksum character allowed), as an encoder writes it:
 * the continuation parts of a multipart posting skip the text around their data that
 * way. Otherwise encoders that trim trailing spaces leave the line short, and a missing
 * character is a space (0). */
static gboolean
uu_line (const char *line,
         gsize       line_length,
         gboolean    exact,
         GByteArray *data)
{
  guint8 n;
  gsize needed;

  if (line_length == 0 || !uu_value ((guchar) line[0], &n))
    return FALSE;
  needed = (n + 2) / 3 * 4;
  if (exact && line_length != 1 + needed && line_length != 2 + needed)
    return FALSE;
  for (gsize at = 1; at < line_length && at <= needed; at++)
    {
      guint8 v;

      if (!uu_value ((guchar) line[at], &v))
        return FALSE;
    }
  for (gsize i = 0; i < needed; i += 4)
    {
      guint8 v[4] = { 0, 0, 0, 0 };
      guint8 out[3];

      for (gsize k = 0; k < 4; k++)
        if (1 + i + k < line_length)
          uu_value ((guchar) line[1 + i + k], &v[k]);
      out[0] = (guint8) (v[0] << 2 | v[1] >> 4);
      out[1] = (guint8) (v[1] << 4 | v[2] >> 2);
      out[2] = (guint8) (v[2] << 6 | v[3]);
      g_byte_array_append (data, out, MIN (3, n - i / 4 * 3));
    }
  return TRUE;
}

typedef enum
{
  UU_FIRST,         /* the first (or only) article: every line after "begin" is uuencode */
  UU_CONTINUATION,  /* a later one: its encoder's lines, the text around them skipped */
} UuMode;

/* The uuencoded lines of @body from *@pos onto @data; *@ended when "end" came. A line
 * that is not uuencode is an error in UU_FIRST; in UU_CONTINUATION lines
 * before the first data line are skipped and one after it ends the article's data.
 * @limit bounds @data (real uuencode is four characters for three bytes; only lines cut
 * short decode to more than their length). */
static gboolean
uu_run (const char *body,
        gsize       length,
        gsize       pos,
        UuMode      mode,
        gsize       limit,
        GByteArray *data,
        gboolean   *ended,
        GError    **error)
{
  const char *line;
  gsize line_length;
  gboolean started = FALSE;

  *ended = FALSE;
  while (next_line (body, length, &pos, &line, &line_length))
    {
      if (line_length == 3 && memcmp (line, "end", 3) == 0)
        {
          *ended = TRUE;
          return TRUE;
        }
      if (line_length == 0)
        continue;  /* some encoders leave the zero-length line out or blank */
      if (!uu_line (line, line_length, mode == UU_CONTINUATION, data))
        {
          if (mode != UU_CONTINUATION)
            return fail (error, OP_NEWS_BINARY_ERROR_MALFORMED,
                         _("The uuencoded data of this article holds a line that is not uuencode."));
          if (started)
            return TRUE;
          continue;
        }
      started = TRUE;
      if (data->len > limit)
        return fail (error, OP_NEWS_BINARY_ERROR_MALFORMED,
                     _("The uuencoded data of this article holds a line that is not uuencode."));
    }
  return TRUE;
}

static OpNewsBinaryPart *
uu_part (const char *name,
         gsize       name_length,
         GByteArray *data)
{
  OpNewsBinaryPart *part = g_new0 (OpNewsBinaryPart, 1);

  part->encoding = OP_NEWS_BINARY_UUENCODE;
  part->name = clean_name (name, name_length);
  part->size = data->len;
  part->crc32 = op_news_crc32_update (0, data->data, data->len);
  part->data = g_byte_array_free_to_bytes (data);
  return part;
}


/* "begin 644 name": three or four octal digits, one space, a name. */
static gboolean
is_uu_begin (const char *line,
             gsize       length,
             gsize      *name_start)
{
  gsize i = 6;
  gsize digits = 0;

  if (!has_prefix (line, length, "begin "))
    return FALSE;
  while (i < length && line[i] >= '0' && line[i] <= '7')
    i++, digits++;
  if (digits < 3 || digits > 4 || i >= length || line[i] != ' ' || i + 1 >= length)
    return FALSE;
  *name_start = i + 1;
  return TRUE;
}

typedef enum
{
  FOUND_NONE,
  FOUND_YENC,
  FOUND_UU,
} Found;

/* The first =ybegin or uuencode begin line of @body; *@pos then after it. */
static Found
find_binary (const char  *body,
             gsize        length,
             gsize       *pos,
             const char **line,
             gsize       *line_length,
             gsize       *name_start)
{
  *pos = 0;
  while (next_line (body, length, pos, line, line_length))
    {
      if (has_prefix (*line, *line_length, "=ybegin "))
        return FOUND_YENC;
      if (is_uu_begin (*line, *line_length, name_start))
        return FOUND_UU;
    }
  return FOUND_NONE;
}

static OpNewsBinaryPart *decode_uu_posting (GPtrArray  *articles,
                                             gsize       pos,
                                             const char *name,
                                             gsize       name_length,
                                             GError    **error);

OpNewsBinaryPart *
op_news_binary_decode (const char *body,
                       gsize       length,
                       GError    **error)
{
  const char *line = NULL;
  gsize line_length = 0, name_start = 0, pos;

  g_return_val_if_fail (body != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  switch (find_binary (body, length, &pos, &line, &line_length, &name_start))
    {
    case FOUND_YENC:
      return decode_yenc (body, length, pos, line, line_length, error);
    case FOUND_UU:
      {
        g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

        g_ptr_array_add (one, g_bytes_new_static (body, length));
        return decode_uu_posting (one, pos, line + name_start, line_length - name_start, error);
      }
    case FOUND_NONE:
    default:
      break;
    }
  fail (error, OP_NEWS_BINARY_ERROR_NOT_FOUND,
        _("This article holds no yEnc or uuencoded file."));
  return NULL;
}

/* Where an article's body starts: after the first empty line, or at 0 when it has none
 * (a body alone). */
static gsize
body_start (const char *article,
            gsize       length)
{
  const char *line;
  gsize line_length, pos = 0;

  while (next_line (article, length, &pos, &line, &line_length))
    if (line_length == 0)
      return pos;
  return 0;
}

/* A uuencoded file split over @articles: "begin" in the first, "end" in the last. */
static OpNewsBinaryPart *
decode_uu_posting (GPtrArray  *articles,
                   gsize       pos,
                   const char *name,
                   gsize       name_length,
                   GError    **error)
{
  GByteArray *data = g_byte_array_new ();
  gboolean ended = FALSE;
  guint64 limit = 64;

  for (guint i = 0; i < articles->len; i++)
    limit += 4 * (guint64) g_bytes_get_size (g_ptr_array_index (articles, i));
  for (guint i = 0; i < articles->len && !ended; i++)
    {
      gsize length;
      const char *article = g_bytes_get_data (g_ptr_array_index (articles, i), &length);

      if (i > 0)
        pos = body_start (article, length);
      if (!uu_run (article, length, pos, i == 0 ? UU_FIRST : UU_CONTINUATION, limit, data,
                   &ended, error))
        {
          g_byte_array_unref (data);
          return NULL;
        }
      if (ended && i + 1 < articles->len)
        {
          g_byte_array_unref (data);
          fail (error, OP_NEWS_BINARY_ERROR_SIZE,
                _("These articles are not parts of one file: the uuencoded data ends in part %u of %u."),
                i + 1, articles->len);
          return NULL;
        }
    }
  if (!ended)
    {
      g_byte_array_unref (data);
      if (articles->len == 1)
        fail (error, OP_NEWS_BINARY_ERROR_TRUNCATED,
              _("This article ends before its uuencoded data does (no “end” line): it was cut short."));
      else
        fail (error, OP_NEWS_BINARY_ERROR_TRUNCATED,
              _("The last part ends before the uuencoded data does (no “end” line): it was cut short."));
      return NULL;
    }
  return uu_part (name, name_length, data);
}

GPtrArray *
op_news_binary_decode_posting (GPtrArray  *articles,
                               GError    **error)
{
  g_autoptr(GPtrArray) parts = NULL;
  const char *first, *line = NULL;
  gsize first_length, line_length = 0, name_start = 0, pos;

  g_return_val_if_fail (articles != NULL && articles->len > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parts = g_ptr_array_new_with_free_func ((GDestroyNotify) op_news_binary_part_free);
  first = g_bytes_get_data (g_ptr_array_index (articles, 0), &first_length);
  if (articles->len > 1 &&
      find_binary (first, first_length, &pos, &line, &line_length, &name_start) == FOUND_UU)
    {
      OpNewsBinaryPart *part = decode_uu_posting (articles, pos, line + name_start,
                                                  line_length - name_start, error);

      if (part == NULL)
        return NULL;
      g_ptr_array_add (parts, part);
      return g_steal_pointer (&parts);
    }
  for (guint i = 0; i < articles->len; i++)
    {
      gsize length;
      const char *article = g_bytes_get_data (g_ptr_array_index (articles, i), &length);
      OpNewsBinaryPart *part = op_news_binary_decode (article, length, error);

      if (part == NULL)
        return NULL;
      g_ptr_array_add (parts, part);
    }
  return g_steal_pointer (&parts);
}

char *
op_news_binary_safe_name (const char *name)
{
  g_autofree char *clean = NULL;
  const char *base;
  GString *out;

  g_return_val_if_fail (name != NULL, NULL);

  clean = clean_name (name, strlen (name));
  base = clean;
  for (const char *p = clean; *p != '\0'; p++)
    if (*p == '/' || *p == '\\')
      base = p + 1;
  out = g_string_new (NULL);
  for (const char *p = base; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (out->len == 0 && (c == '.' || c == ' '))
        continue;
      if (out->len + 6 > 200)
        break;
      if (c == ':' || c == 0x202e || c == 0x202d)  /* overrides hide extensions */
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
    }
  g_strchomp (out->str);
  g_string_set_size (out, strlen (out->str));
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

gboolean
op_news_binary_parse_subject (const char *subject,
                              guint      *part,
                              guint      *total,
                              char      **key)
{
  const char *found = NULL;
  const char *found_end = NULL;
  guint64 n = 0, m = 0;

  g_return_val_if_fail (subject != NULL, FALSE);

  for (const char *p = subject; *p != '\0'; p++)
    {
      const char *q = p + 1;
      char close;
      guint64 a = 0, b = 0;
      gsize da = 0, db = 0;

      if (*p == '(')
        close = ')';
      else if (*p == '[')
        close = ']';
      else
        continue;
      while (g_ascii_isdigit (*q) && da < 6)
        a = a * 10 + (guint64) (*q++ - '0'), da++;
      if (da == 0 || *q != '/')
        continue;
      q++;
      while (g_ascii_isdigit (*q) && db < 6)
        b = b * 10 + (guint64) (*q++ - '0'), db++;
      if (db == 0 || *q != close || a < 1 || b < a || b > MAX_PARTS)
        continue;
      found = p;
      found_end = q + 1;
      n = a;
      m = b;
    }
  if (found == NULL)
    return FALSE;
  if (part != NULL)
    *part = (guint) n;
  if (total != NULL)
    *total = (guint) m;
  if (key != NULL)
    *key = g_strdup_printf ("%.*s%c*/%u%c%s", (int) (found - subject), subject, found[0],
                            (guint) m, found_end[-1], found_end);
  return TRUE;
}

GArray *
op_news_binary_missing_parts (GPtrArray *parts,
                              guint      total)
{
  g_autofree gboolean *seen = g_new0 (gboolean, total + 1);
  GArray *missing = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; parts != NULL && i < parts->len; i++)
    {
      OpNewsBinaryPart *p = g_ptr_array_index (parts, i);

      if (p->part >= 1 && p->part <= total)
        seen[p->part] = TRUE;
    }
  for (guint n = 1; n <= total; n++)
    if (!seen[n])
      g_array_append_val (missing, n);
  return missing;
}

char *
op_news_binary_format_missing (GArray *missing,
                               guint   total)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < missing->len;)
    {
      guint first = g_array_index (missing, guint, i);
      guint last = first;

      while (i + 1 < missing->len && g_array_index (missing, guint, i + 1) == last + 1)
        last = g_array_index (missing, guint, ++i);
      i++;
      if (out->len > 0)
        g_string_append (out, ", ");
      if (last == first)
        g_string_append_printf (out, "%u", first);
      else
        g_string_append_printf (out, "%u–%u", first, last);
    }
  return g_string_free (out, FALSE);
}

static gint
compare_offset (gconstpointer a,
                gconstpointer b)
{
  const OpNewsBinaryPart *pa = *(OpNewsBinaryPart * const *) a;
  const OpNewsBinaryPart *pb = *(OpNewsBinaryPart * const *) b;

  return pa->offset < pb->offset ? -1 : pa->offset > pb->offset ? 1 : 0;
}

/* Checks that @parts make one whole file; sorted by offset in @sorted. */
static gboolean
check_parts (GPtrArray  *parts,
             GPtrArray  *sorted,
             GError    **error)
{
  OpNewsBinaryPart *first = g_ptr_array_index (parts, 0);
  guint64 at = 0;
  guint total = 0;

  for (guint i = 0; i < parts->len; i++)
    {
      OpNewsBinaryPart *p = g_ptr_array_index (parts, i);

      total = MAX (total, p->total);
      if (p->size != first->size || p->encoding != first->encoding ||
          (parts->len > 1 && p->part == 0))
        return fail (error, OP_NEWS_BINARY_ERROR_SIZE,
                     _("These articles are not parts of one file: their sizes or encodings differ."));
      g_ptr_array_add (sorted, p);
    }
  if (total > 0)
    {
      g_autoptr(GArray) missing = op_news_binary_missing_parts (parts, total);

      if (missing->len > 0)
        {
          g_autofree char *list = op_news_binary_format_missing (missing, total);

          return fail (error, OP_NEWS_BINARY_ERROR_MISSING_PARTS,
                       g_dngettext (GETTEXT_PACKAGE,
                                    "“%s” cannot be saved yet: part %s of %u is missing.",
                                    "“%s” cannot be saved yet: parts %s of %u are missing.",
                                    missing->len),
                       first->name, list, total);
        }
    }
  g_ptr_array_sort (sorted, compare_offset);
  for (guint i = 0; i < sorted->len; i++)
    {
      OpNewsBinaryPart *p = g_ptr_array_index (sorted, i);

      if (p->offset > at)
        return fail (error, OP_NEWS_BINARY_ERROR_MISSING_PARTS,
                     _("“%s” cannot be saved yet: bytes %llu to %llu are in no part found."),
                     first->name, (unsigned long long) at + 1, (unsigned long long) p->offset);
      if (p->offset < at)
        return fail (error, OP_NEWS_BINARY_ERROR_SIZE,
                     _("The parts of “%s” overlap (part %u)."), first->name, p->part);
      at += g_bytes_get_size (p->data);
    }
  if (at != first->size)
    return fail (error, OP_NEWS_BINARY_ERROR_MISSING_PARTS,
                 _("“%s” cannot be saved yet: the parts found hold %llu of its %llu bytes."),
                 first->name, (unsigned long long) at, (unsigned long long) first->size);
  return TRUE;
}

/* "name.ext" → "name (N).ext" */
static char *
numbered_name (const char *name,
               guint       n)
{
  const char *dot = strrchr (name, '.');

  if (dot == NULL || dot == name)
    return g_strdup_printf ("%s (%u)", name, n);
  return g_strdup_printf ("%.*s (%u)%s", (int) (dot - name), name, n, dot);
}

GFile *
op_news_binary_write_file (GPtrArray    *parts,
                           GFile        *directory,
                           GCancellable *cancellable,
                           GError      **error)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  g_autoptr(GFile) part_file = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  g_autofree char *safe = NULL;
  g_autofree char *part_name = NULL;
  OpNewsBinaryPart *first;
  guint32 crc = 0;
  gboolean has_file_crc = FALSE;
  guint32 file_crc = 0;
  GError *local = NULL;

  g_return_val_if_fail (parts != NULL && parts->len > 0, NULL);
  g_return_val_if_fail (G_IS_FILE (directory), NULL);

  if (!check_parts (parts, sorted, error))
    return NULL;
  first = g_ptr_array_index (parts, 0);
  safe = op_news_binary_safe_name (first->name);
  if (safe == NULL)
    {
      fail (error, OP_NEWS_BINARY_ERROR_BAD_NAME,
            _("The file in this article has no name that can be used (“%s”)."), first->name);
      return NULL;
    }
  part_name = g_strconcat (safe, ".part", NULL);
  part_file = g_file_get_child (directory, part_name);
  /* REPLACE_DESTINATION: a "NAME.part" left as a symbolic link is replaced, never
   * written through. */
  out = g_file_replace (part_file, NULL, FALSE,
                        G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION, cancellable,
                        error);
  if (out == NULL)
    return NULL;
  for (guint i = 0; i < sorted->len; i++)
    {
      OpNewsBinaryPart *p = g_ptr_array_index (sorted, i);
      gsize size;
      const guint8 *bytes = g_bytes_get_data (p->data, &size);

      crc = op_news_crc32_update (crc, bytes, size);
      if (p->has_file_crc32)
        {
          has_file_crc = TRUE;
          file_crc = p->file_crc32;
        }
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), bytes, size, NULL, cancellable,
                                      &local))
        break;
    }
  if (local == NULL)
    g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, &local);
  if (local == NULL && has_file_crc && crc != file_crc)
    fail (&local, OP_NEWS_BINARY_ERROR_CRC,
          _("“%s” is damaged: the CRC32 of the whole file is %08x where the last part announces %08x."),
          first->name, crc, file_crc);
  if (local == NULL)
    {
      /* The first free name: an existing file is never replaced. */
      for (guint n = 1; n < 1000; n++)
        {
          g_autofree char *name = n == 1 ? g_strdup (safe) : numbered_name (safe, n);
          g_autoptr(GFile) target = g_file_get_child (directory, name);
          g_autoptr(GError) move_error = NULL;

          if (g_file_query_exists (target, cancellable))
            continue;
          if (g_file_move (part_file, target, G_FILE_COPY_NOFOLLOW_SYMLINKS, cancellable,
                           NULL, NULL, &move_error))
            return g_steal_pointer (&target);
          if (!g_error_matches (move_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
            {
              local = g_steal_pointer (&move_error);
              break;
            }
        }
      if (local == NULL)
        g_set_error (&local, G_IO_ERROR, G_IO_ERROR_EXISTS,
                     _("“%s” could not be saved: every free name is taken."), safe);
    }
  g_file_delete (part_file, NULL, NULL);
  g_propagate_error (error, local);
  return NULL;
}
