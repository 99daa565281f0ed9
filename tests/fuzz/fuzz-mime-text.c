/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-mime-text"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "op-mime.h"

/*
 * The text decoders of a message part: the input as text in each charset a part may
 * declare (the WHATWG supersets and the ISO-2022-JP transcoding included, GB18030 as
 * the fallback) and as HTML through op_mime_html_to_text(). Besides "no crash": every
 * result valid UTF-8, the HTML text within OP_MIME_MAX_TEXT_LENGTH.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char * const charsets[] = { "utf-8", "gb2312", "big5", "shift_jis", "iso-2022-jp", NULL };

  op_mime_init ();
  for (guint i = 0; i < G_N_ELEMENTS (charsets); i++)
    {
      g_autofree char *text = op_mime_decode_text ((const char *) data, size, charsets[i], "GB18030");

      g_assert (g_utf8_validate (text, -1, NULL));
    }

  {
    g_autofree char *text = op_mime_html_to_text ((const char *) data, size);

    g_assert (g_utf8_validate (text, -1, NULL));
    g_assert (strlen (text) <= OP_MIME_MAX_TEXT_LENGTH);
  }
  return 0;
}
