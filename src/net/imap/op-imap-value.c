/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <string.h>

#include "op-imap-value.h"

gboolean
op_imap_value_is_atom (const OpImapValue *value,
                       const char        *word)
{
  return value != NULL && value->kind == OP_IMAP_VALUE_ATOM &&
         g_ascii_strcasecmp (value->data, word) == 0;
}

gboolean
op_imap_parse_number (const char *text,
                      gsize       length,
                      guint64     max,
                      guint64    *number)
{
  guint64 n = 0;

  if (text == NULL || length == 0 || length > 20)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      if (text[i] < '0' || text[i] > '9')
        return FALSE;
      if (n > (max - (guint64) (text[i] - '0')) / 10)
        return FALSE;
      n = n * 10 + (guint64) (text[i] - '0');
    }
  *number = n;
  return TRUE;
}

gboolean
op_imap_value_get_number (const OpImapValue *value,
                          guint32           *number)
{
  guint64 n;

  if (value == NULL || value->kind != OP_IMAP_VALUE_ATOM ||
      !op_imap_parse_number (value->data, value->length, G_MAXUINT32, &n))
    return FALSE;
  *number = (guint32) n;
  return TRUE;
}

gboolean
op_imap_value_get_number64 (const OpImapValue *value,
                            guint64           *number)
{
  /* RFC 7162 §7: mod-sequence-value is 1*DIGIT, at most 2^63-1. */
  if (value == NULL || value->kind != OP_IMAP_VALUE_ATOM)
    return FALSE;
  return op_imap_parse_number (value->data, value->length, G_MAXINT64, number);
}
