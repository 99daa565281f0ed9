/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-console"

#include "config.h"

#include <glib/gi18n.h>

#include "op-console-hex.h"

G_DEFINE_QUARK (op-console-hex-error-quark, op_console_hex_error)

static const char digits[] = "0123456789abcdef";

/**
 * op_console_hex_encode:
 * @data: (array length=length): bytes
 * @length: how many
 *
 * Returns: (transfer full): the bytes as space-separated hex pairs ("" for none)
 */
char *
op_console_hex_encode (const guint8 *data,
                       gsize         length)
{
  GString *out;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  out = g_string_sized_new (length * 3 + 1);
  for (gsize i = 0; i < length; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, digits[data[i] >> 4]);
      g_string_append_c (out, digits[data[i] & 0xf]);
    }

  return g_string_free (out, FALSE);
}

/**
 * op_console_hex_decode:
 * @text: hex pairs as a person types them
 * @error: an #OpConsoleHexError
 *
 * Returns: (transfer full) (nullable): the bytes, or %NULL with @error set
 */
GBytes *
op_console_hex_decode (const char  *text,
                       GError     **error)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  int high = -1;
  glong position = 0;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p), position++)
    {
      int value;

      if (g_ascii_isspace (*p) || *p == ':')
        continue;

      if (high < 0 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && g_ascii_isxdigit (p[2]))
        {
          p++;
          position++;
          continue;
        }

      value = g_ascii_xdigit_value (*p);
      if (value < 0)
        {
          g_autofree char *character = g_utf8_substring (p, 0, 1);

          g_set_error (error, OP_CONSOLE_HEX_ERROR, OP_CONSOLE_HEX_ERROR_INVALID,
                       /* Translators: %s is a character, %ld its position (from 1) */
                       _("“%s” at position %ld is not a hex digit (0–9, a–f)."),
                       character, position + 1);
          return NULL;
        }

      if (high < 0)
        high = value;
      else
        {
          guint8 byte = (guint8) (high << 4 | value);

          g_byte_array_append (out, &byte, 1);
          high = -1;
        }
    }

  if (high >= 0)
    {
      g_set_error (error, OP_CONSOLE_HEX_ERROR, OP_CONSOLE_HEX_ERROR_ODD,
                   _("The last hex digit has no pair: each byte takes two digits, such as "
                     "“0a”."));
      return NULL;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/**
 * op_console_hex_dump:
 * @data: (array length=length): bytes
 * @length: how many
 * @offset: the offset of @data's first byte in the stream
 *
 * Returns: (transfer full): the dump, 16 bytes a line, printable ASCII at the right and
 *   "." for the rest
 */
char *
op_console_hex_dump (const guint8 *data,
                     gsize         length,
                     guint64       offset)
{
  GString *out;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  out = g_string_sized_new ((length / 16 + 1) * 78);
  for (gsize line = 0; line < length; line += 16)
    {
      gsize n = MIN (16, length - line);

      g_string_append_printf (out, "%08" G_GINT64_MODIFIER "x ", offset + line);
      for (gsize i = 0; i < 16; i++)
        {
          if (i == 8)
            g_string_append_c (out, ' ');
          if (i < n)
            {
              g_string_append_c (out, ' ');
              g_string_append_c (out, digits[data[line + i] >> 4]);
              g_string_append_c (out, digits[data[line + i] & 0xf]);
            }
          else
            g_string_append (out, "   ");
        }
      g_string_append (out, "  |");
      for (gsize i = 0; i < n; i++)
        {
          guint8 c = data[line + i];

          g_string_append_c (out, c >= 0x20 && c < 0x7f ? (char) c : '.');
        }
      g_string_append (out, "|\n");
    }

  return g_string_free (out, FALSE);
}
