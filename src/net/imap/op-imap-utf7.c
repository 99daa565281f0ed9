/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-imap-error.h"
#include "op-imap-utf7.h"

/* RFC 3501 §5.1.3: modified BASE64 uses "," instead of "/" and no "=" padding. */
static const char b64[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
b64_value (guchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == ',')
    return 63;
  return -1;
}

static gboolean
is_direct (gunichar c)
{
  /* Printable US-ASCII except "&" represents itself. */
  return c >= 0x20 && c <= 0x7e;
}

static void
flush_units (GString      *out,
             const GArray *units)
{
  guint32 bits = 0;
  guint n_bits = 0;

  g_string_append_c (out, '&');
  for (guint i = 0; i < units->len; i++)
    {
      bits = (bits << 16) | g_array_index (units, guint16, i);
      n_bits += 16;
      while (n_bits >= 6)
        {
          n_bits -= 6;
          g_string_append_c (out, b64[(bits >> n_bits) & 0x3f]);
        }
      bits &= (1u << n_bits) - 1;
    }
  if (n_bits > 0)
    g_string_append_c (out, b64[(bits << (6 - n_bits)) & 0x3f]);
  g_string_append_c (out, '-');
}

char *
op_imap_utf7_encode (const char  *utf8,
                     GError     **error)
{
  g_autoptr(GString) out = NULL;
  g_autoptr(GArray) units = NULL;
  const char *p;

  g_return_val_if_fail (utf8 != NULL, NULL);

  if (!g_utf8_validate (utf8, -1, NULL))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                           _("The folder name is not valid UTF-8 text."));
      return NULL;
    }

  out = g_string_sized_new (strlen (utf8) + 8);
  units = g_array_new (FALSE, FALSE, sizeof (guint16));
  for (p = utf8; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || (c >= 0x7f && c < 0xa0))
        {
          g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                               _("The folder name contains a control character."));
          return NULL;
        }
      if (is_direct (c))
        {
          if (units->len > 0)
            {
              flush_units (out, units);
              g_array_set_size (units, 0);
            }
          if (c == '&')
            g_string_append (out, "&-");
          else
            g_string_append_c (out, (char) c);
          continue;
        }
      if (c >= 0x10000)
        {
          guint16 hi = 0xd800 + ((c - 0x10000) >> 10);
          guint16 lo = 0xdc00 + ((c - 0x10000) & 0x3ff);

          g_array_append_val (units, hi);
          g_array_append_val (units, lo);
        }
      else
        {
          guint16 u = (guint16) c;

          g_array_append_val (units, u);
        }
    }
  if (units->len > 0)
    flush_units (out, units);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
bad_name (GError     **error,
          const char  *why)
{
  g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
               _("The server sent a folder name that is not valid modified UTF-7: %s."),
               why);
  return NULL;
}

char *
op_imap_utf7_decode (const char  *utf7,
                     gsize        length,
                     GError     **error)
{
  g_autoptr(GString) out = NULL;
  gsize i = 0;
  gboolean last_was_encoded = FALSE;

  g_return_val_if_fail (utf7 != NULL || length == 0, NULL);

  out = g_string_sized_new (length + 8);
  while (i < length)
    {
      guchar c = utf7[i];
      guint32 bits = 0;
      guint n_bits = 0;
      gunichar high = 0;
      gsize start;

      if (c != '&')
        {
          if (!is_direct (c))
            return bad_name (error, _("a byte outside printable ASCII"));
          g_string_append_c (out, c);
          last_was_encoded = FALSE;
          i++;
          continue;
        }
      i++;
      if (i < length && utf7[i] == '-')
        {
          g_string_append_c (out, '&');
          last_was_encoded = FALSE;
          i++;
          continue;
        }
      if (last_was_encoded)
        return bad_name (error, _("two encoded runs side by side"));

      start = i;
      while (i < length && utf7[i] != '-')
        {
          int v = b64_value (utf7[i]);

          if (v < 0)
            return bad_name (error, _("a character outside modified BASE64"));
          bits = (bits << 6) | (guint32) v;
          n_bits += 6;
          if (n_bits >= 16)
            {
              guint16 u;

              n_bits -= 16;
              u = (bits >> n_bits) & 0xffff;
              bits &= (1u << n_bits) - 1;
              if (high != 0)
                {
                  if (u < 0xdc00 || u > 0xdfff)
                    return bad_name (error, _("a broken surrogate pair"));
                  g_string_append_unichar (out, 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00));
                  high = 0;
                }
              else if (u >= 0xd800 && u <= 0xdbff)
                high = u;
              else if (u >= 0xdc00 && u <= 0xdfff)
                return bad_name (error, _("a broken surrogate pair"));
              else if (is_direct (u))
                return bad_name (error, _("an encoded ASCII character"));
              else if (u < 0x20 || (u >= 0x7f && u < 0xa0))
                return bad_name (error, _("a control character"));
              else
                g_string_append_unichar (out, u);
            }
          i++;
        }
      if (i >= length)
        return bad_name (error, _("an unterminated encoded run"));
      if (i == start)
        return bad_name (error, _("an empty encoded run"));
      if (high != 0)
        return bad_name (error, _("a broken surrogate pair"));
      /* Leftover bits are padding: fewer than 6 and all zero. */
      if (n_bits >= 6 || bits != 0)
        return bad_name (error, _("bad padding"));
      i++;                      /* the "-" */
      last_was_encoded = TRUE;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}
