/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ftp-listing"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>

#include "op-ftp-listing.h"
#include "op-ftp-listing-private.h"

/* U+FFFD REPLACEMENT CHARACTER */
#define REPLACEMENT "\357\277\275"
#define REPLACEMENT_LEN 3

gboolean
_op_ftp_charset_is_utf8 (const char *charset)
{
  return charset == NULL || *charset == '\0'
         || g_ascii_strcasecmp (charset, "UTF-8") == 0
         || g_ascii_strcasecmp (charset, "UTF8") == 0;
}

static gboolean
is_printable_ascii (const char *bytes,
                    gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if ((guchar) bytes[i] < 0x20 || (guchar) bytes[i] > 0x7e)
      return FALSE;
  return TRUE;
}

void
_op_ftp_conv_init (OpFtpConv  *conv,
                   const char *charset)
{
  char ascii[0x7f - 0x20];
  g_autofree char *converted = NULL;

  conv->to_utf8 = (GIConv) -1;
  conv->ascii_identity = TRUE;

  if (_op_ftp_charset_is_utf8 (charset))
    return;

  conv->to_utf8 = g_iconv_open ("UTF-8", charset);
  if (conv->to_utf8 == (GIConv) -1)
    {
      /* The site setting is validated with op_ftp_charset_is_supported(); an unknown
       * charset here still shows every name, as UTF-8 with replacements. */
      g_debug ("charset %s is not supported by iconv, using UTF-8", charset);
      return;
    }

  /* Most names are plain ASCII and skip iconv, but only when the charset maps ASCII to
   * itself: some Shift_JIS tables turn 0x5C into YEN SIGN and 0x7E into OVERLINE. */
  for (gsize i = 0; i < sizeof ascii; i++)
    ascii[i] = (char) (0x20 + i);
  converted = _op_ftp_conv_to_utf8 (conv, ascii, sizeof ascii);
  conv->ascii_identity = strlen (converted) == sizeof ascii
                         && memcmp (converted, ascii, sizeof ascii) == 0;
}

void
_op_ftp_conv_clear (OpFtpConv *conv)
{
  if (conv->to_utf8 != (GIConv) -1)
    g_iconv_close (conv->to_utf8);
  conv->to_utf8 = (GIConv) -1;
}

/* Valid UTF-8 without NUL: g_utf8_make_valid() replaces embedded NULs too. */
static char *
utf8_make_valid_len (const char *bytes,
                     gsize       length)
{
  if (g_utf8_validate_len (bytes, length, NULL))
    return g_strndup (bytes, length);
  return g_utf8_make_valid (bytes, (gssize) length);
}

static void
grow (char  **out,
      gsize  *out_size,
      char  **outp,
      gsize  *outleft,
      gsize   need)
{
  gsize used = (gsize) (*outp - *out);

  while (*out_size - used - 1 < need)
    *out_size *= 2;
  *out = g_realloc (*out, *out_size);
  *outp = *out + used;
  *outleft = *out_size - used - 1;
}

static char *
iconv_with_replacement (GIConv      cd,
                        const char *bytes,
                        gsize       length)
{
  gsize out_size = length * 3 + 16;
  char *out = g_malloc (out_size);
  char *outp = out;
  gsize outleft = out_size - 1;
  char *inp = (char *) bytes;
  gsize inleft = length;
  gsize out_length;

  /* Start from the initial shift state, whatever the previous name left. */
  g_iconv (cd, NULL, NULL, NULL, NULL);

  while (inleft > 0)
    {
      if (g_iconv (cd, &inp, &inleft, &outp, &outleft) != (gsize) -1)
        break;

      if (errno == E2BIG)
        {
          grow (&out, &out_size, &outp, &outleft, outleft + 16);
          continue;
        }

      /* EILSEQ, or EINVAL for a sequence cut at the end: one byte that does not convert
       * becomes U+FFFD and conversion goes on after it, so a name is never dropped. */
      if (outleft < REPLACEMENT_LEN)
        grow (&out, &out_size, &outp, &outleft, REPLACEMENT_LEN);
      memcpy (outp, REPLACEMENT, REPLACEMENT_LEN);
      outp += REPLACEMENT_LEN;
      outleft -= REPLACEMENT_LEN;
      inp++;
      inleft--;
      g_iconv (cd, NULL, NULL, NULL, NULL);
    }

  /* Stateful charsets (ISO-2022-*) may need to write a final reset sequence. */
  while (g_iconv (cd, NULL, NULL, &outp, &outleft) == (gsize) -1 && errno == E2BIG)
    grow (&out, &out_size, &outp, &outleft, outleft + 16);

  *outp = '\0';
  out_length = (gsize) (outp - out);

  /* A NUL byte converts to U+0000, which would cut the C string. */
  if (memchr (out, '\0', out_length) != NULL || !g_utf8_validate_len (out, out_length, NULL))
    {
      char *valid = g_utf8_make_valid (out, (gssize) out_length);

      g_free (out);
      return valid;
    }

  return out;
}

char *
_op_ftp_conv_to_utf8 (OpFtpConv  *conv,
                      const char *bytes,
                      gsize       length)
{
  if (conv->to_utf8 == (GIConv) -1)
    return utf8_make_valid_len (bytes, length);
  if (conv->ascii_identity && is_printable_ascii (bytes, length))
    return g_strndup (bytes, length);
  return iconv_with_replacement (conv->to_utf8, bytes, length);
}

char *
op_ftp_charset_to_utf8 (const char *charset,
                        const char *bytes,
                        gssize      length)
{
  OpFtpConv conv;
  char *result;

  g_return_val_if_fail (bytes != NULL || length == 0, NULL);

  if (length < 0)
    length = (gssize) strlen (bytes);

  _op_ftp_conv_init (&conv, charset);
  result = _op_ftp_conv_to_utf8 (&conv, bytes, (gsize) length);
  _op_ftp_conv_clear (&conv);

  return result;
}

/**
 * op_ftp_charset_from_utf8:
 * @charset: (nullable): the site's charset; %NULL for UTF-8
 * @utf8: a name in UTF-8
 * @out_length: (out) (optional): the length of the result
 * @error: a #G_CONVERT_ERROR when @utf8 cannot be expressed in @charset
 *
 * Returns: (transfer full) (nullable): the bytes to send, nul-terminated
 */
char *
op_ftp_charset_from_utf8 (const char  *charset,
                          const char  *utf8,
                          gsize       *out_length,
                          GError     **error)
{
  gsize written = 0;
  char *result;

  g_return_val_if_fail (utf8 != NULL, NULL);
  g_return_val_if_fail (g_utf8_validate (utf8, -1, NULL), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (_op_ftp_charset_is_utf8 (charset))
    {
      if (out_length != NULL)
        *out_length = strlen (utf8);
      return g_strdup (utf8);
    }

  /* No //TRANSLIT: a name that cannot be stored exactly must fail, not become another
   * name on the server. */
  result = g_convert (utf8, -1, charset, "UTF-8", NULL, &written, error);
  if (result != NULL && out_length != NULL)
    *out_length = written;

  return result;
}

gboolean
op_ftp_charset_is_supported (const char *charset)
{
  GIConv to, from;
  gboolean supported;

  if (_op_ftp_charset_is_utf8 (charset))
    return TRUE;

  to = g_iconv_open ("UTF-8", charset);
  from = g_iconv_open (charset, "UTF-8");
  supported = to != (GIConv) -1 && from != (GIConv) -1;
  if (to != (GIConv) -1)
    g_iconv_close (to);
  if (from != (GIConv) -1)
    g_iconv_close (from);

  return supported;
}

char *
op_ftp_local_name_from_remote (const char *name)
{
  g_autofree char *valid = NULL;
  GString *out;

  g_return_val_if_fail (name != NULL, NULL);

  if (*name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return NULL;

  if (!g_utf8_validate (name, -1, NULL))
    name = valid = g_utf8_make_valid (name, -1);

  out = g_string_sized_new (strlen (name));
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* A separator would leave the download folder; control characters (C0, DEL, C1)
       * can rewrite what a terminal or a file dialog shows. */
      if (c == '/' || c == '\\' || c < 0x20 || (c >= 0x7f && c <= 0x9f))
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}
