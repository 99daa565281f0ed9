/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-console"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>

#include "op-console-decoder.h"

/* The longest character of any offered charset: GB18030 has four-byte ones, UTF-8 four. */
#define MAX_CHAR_BYTES 8

struct _OpConsoleDecoder
{
  char   *charset;
  GIConv  iconv;
  guint8  pending[MAX_CHAR_BYTES];
  gsize   n_pending;
};

static const char * const charsets[] = {
  "UTF-8",
  "GB18030",
  "GBK",
  "BIG5",
  "SHIFT_JIS",
  "EUC-JP",
  "EUC-KR",
  "ISO-8859-1",
  "ISO-8859-15",
  "WINDOWS-1252",
  "KOI8-R",
  "UTF-16LE",
  "UTF-16BE",
  NULL,
};

const char * const *
op_console_charsets (void)
{
  return charsets;
}

/**
 * op_console_decoder_new:
 * @charset: an iconv charset name, such as "GB18030"
 * @error: a #GConvertError when the system can't convert from @charset
 *
 * Returns: (transfer full) (nullable): a decoder
 */
OpConsoleDecoder *
op_console_decoder_new (const char  *charset,
                        GError     **error)
{
  OpConsoleDecoder *self;
  GIConv iconv;

  g_return_val_if_fail (charset != NULL, NULL);

  iconv = g_iconv_open ("UTF-8", charset);
  if (iconv == (GIConv) -1)
    {
      g_set_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_NO_CONVERSION,
                   _("This system can't convert text from the “%s” character set."), charset);
      return NULL;
    }

  self = g_new0 (OpConsoleDecoder, 1);
  self->charset = g_strdup (charset);
  self->iconv = iconv;

  return self;
}

void
op_console_decoder_free (OpConsoleDecoder *self)
{
  if (self == NULL)
    return;

  g_iconv_close (self->iconv);
  g_free (self->charset);
  g_free (self);
}

const char *
op_console_decoder_get_charset (OpConsoleDecoder *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->charset;
}

gsize
op_console_decoder_get_pending (OpConsoleDecoder *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_pending;
}

void
op_console_decoder_reset (OpConsoleDecoder *self)
{
  g_return_if_fail (self != NULL);

  self->n_pending = 0;
  g_iconv (self->iconv, NULL, NULL, NULL, NULL);
}

/* Converts as much of [*in, *in + *in_left) as is complete; returns FALSE when the rest
 * is an incomplete character. An invalid byte becomes U+FFFD and is skipped. */
static gboolean
convert (OpConsoleDecoder  *self,
         const guint8     **in,
         gsize             *in_left,
         GString           *out)
{
  char buffer[1024];

  while (*in_left > 0)
    {
      char *in_p = (char *) *in;
      char *out_p = buffer;
      gsize out_left = sizeof buffer;
      gsize result;

      result = g_iconv (self->iconv, &in_p, in_left, &out_p, &out_left);
      g_string_append_len (out, buffer, out_p - buffer);
      *in = (const guint8 *) in_p;

      if (result != (gsize) -1)
        continue;

      switch (errno)
        {
        case E2BIG:
          break;
        case EINVAL:
          return FALSE;
        case EILSEQ:
        default:
          g_string_append (out, "\xef\xbf\xbd");
          (*in)++;
          (*in_left)--;
          g_iconv (self->iconv, NULL, NULL, NULL, NULL);
          break;
        }
    }

  return TRUE;
}

/**
 * op_console_decoder_decode:
 * @self: a decoder
 * @data: (array length=length): the next bytes of the stream
 * @length: how many
 * @out: where the text goes
 */
void
op_console_decoder_decode (OpConsoleDecoder *self,
                           const guint8     *data,
                           gsize             length,
                           GString          *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || length == 0);
  g_return_if_fail (out != NULL);

  /* First complete the character that waits, one byte at a time. */
  while (self->n_pending > 0 && length > 0)
    {
      guint8 joined[MAX_CHAR_BYTES];
      const guint8 *p = joined;
      gsize left;

      memcpy (joined, self->pending, self->n_pending);
      joined[self->n_pending] = *data;
      left = self->n_pending + 1;
      data++;
      length--;

      if (convert (self, &p, &left, out))
        self->n_pending = 0;
      else if (left < MAX_CHAR_BYTES)
        {
          memmove (self->pending, p, left);
          self->n_pending = left;
        }
      else
        {
          /* No charset has characters this long: the first byte was wrong. */
          g_string_append (out, "\xef\xbf\xbd");
          memmove (self->pending, p + 1, left - 1);
          self->n_pending = left - 1;
        }
    }

  if (length == 0)
    return;

  if (!convert (self, &data, &length, out))
    {
      if (length < MAX_CHAR_BYTES)
        {
          memcpy (self->pending, data, length);
          self->n_pending = length;
        }
      else
        g_string_append (out, "\xef\xbf\xbd");
    }
}
