/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-pop3-reply"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "op-pop3-error.h"
#include "op-pop3-reply.h"

/*
 * The POP3 reply parsers and the streaming dot-unstuffer. Every line of the input (split
 * at LF, a CR before it dropped, as the connection does) goes through the status-line
 * parser (and, for -ERR, each error mapping), the CAPA, STAT, LIST and UIDL parsers, the
 * APOP timestamp parser and the line unstuffer. Then the whole input goes through the
 * streaming unstuffer twice: in one piece, and in chunks whose sizes come from the input
 * itself; both must give the same bytes and stop at the same place. Besides "no crash",
 * the promises of op-pop3-reply.h are checked.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_line (const char *line,
            gsize       length,
            GHashTable *capabilities)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpPop3Reply) reply = op_pop3_reply_parse (line, length, &error);
  g_autofree char *uid = NULL;
  guint number = 0;
  guint64 size = 0;
  gboolean is_end = FALSE;
  const char *text = NULL;
  gsize text_length = 0;

  if (reply != NULL)
    {
      g_assert (error == NULL);
      g_assert (g_utf8_validate (reply->text, -1, NULL));
      g_assert (strlen (reply->text) <= length * 3);
      if (reply->code != NULL)
        {
          g_assert (reply->code[0] != '\0');
          g_assert (op_pop3_reply_has_code (reply, reply->code));
          for (const char *p = reply->code; *p != '\0'; p++)
            g_assert ((guchar) *p > 0x20 && (guchar) *p < 0x80 && *p != ']');
        }
      if (!reply->ok)
        for (int kind = OP_POP3_COMMAND_OTHER; kind <= OP_POP3_COMMAND_TLS; kind++)
          {
            g_autoptr(GError) mapped = op_pop3_error_from_reply (reply, "RETR", kind);

            g_assert (mapped->domain == OP_POP3_ERROR);
            g_assert (g_utf8_validate (mapped->message, -1, NULL));
            (void) op_pop3_error_is_transient (mapped);
          }
      {
        g_autofree char *timestamp = op_pop3_parse_apop_timestamp (reply->text);

        if (timestamp != NULL)
          {
            gsize n = strlen (timestamp);

            g_assert (n >= 3 && timestamp[0] == '<' && timestamp[n - 1] == '>');
            g_assert (strchr (timestamp, '@') != NULL && strchr (timestamp, ' ') == NULL);
          }
      }
      {
        guint count = 0;

        if (!op_pop3_parse_stat (reply->text, &count, &size, &error))
          g_assert (g_error_matches (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY));
        else
          g_assert (size <= G_MAXINT64);
        g_clear_error (&error);
      }
    }
  else
    g_assert (g_error_matches (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY) &&
              g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);

  (void) op_pop3_reply_is_continuation (line, length, &text);

  op_pop3_unstuff_line (line, length, &is_end, &text, &text_length);
  g_assert (text_length <= length);
  if (!is_end)
    {
      op_pop3_capabilities_add_line (capabilities, text, text_length);
      if (op_pop3_parse_list_line (text, text_length, &number, &size, &error))
        g_assert (number > 0 && size <= G_MAXINT64);
      else
        g_assert (g_error_matches (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY));
      g_clear_error (&error);
      if (op_pop3_parse_uidl_line (text, text_length, &number, &uid, &error))
        g_assert (number > 0 && strlen (uid) >= 1 && strlen (uid) <= OP_POP3_MAX_UID);
      else
        g_assert (g_error_matches (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY) &&
                  uid == NULL);
    }
}

/* Returns FALSE if the unstuffer refused a line; *@used_out is where it stopped. */
static gboolean
unstuff (const uint8_t *data,
         size_t         size,
         const uint8_t *chunk_sizes,
         size_t         n_chunk_sizes,
         GByteArray    *out,
         gsize         *used_out)
{
  g_autoptr(OpPop3Unstuffer) u = op_pop3_unstuffer_new (256);
  gsize offset = 0;
  size_t k = 0;

  while (offset < size && !op_pop3_unstuffer_is_done (u))
    {
      g_autoptr(GError) error = NULL;
      gsize chunk = size - offset;
      gsize used = 0;

      if (n_chunk_sizes > 0)
        {
          gsize next = (gsize) chunk_sizes[k++ % n_chunk_sizes] + 1;

          chunk = MIN (chunk, next);
        }
      if (!op_pop3_unstuffer_push (u, data + offset, chunk, out, &used, &error))
        {
          g_assert (g_error_matches (error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY));
          return FALSE;
        }
      g_assert (used <= chunk);
      if (!op_pop3_unstuffer_is_done (u))
        g_assert (used == chunk);
      offset += used;
    }
  /* Unstuffing only removes bytes. */
  g_assert (out->len <= offset);
  *used_out = offset;
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GHashTable) capabilities = op_pop3_capabilities_new ();
  const char *p = (const char *) data;
  const char *end = p + size;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize length = (nl != NULL ? nl : end) - p;

      if (length > 0 && p[length - 1] == '\r')
        length--;
      check_line (p, length, capabilities);
      p = nl != NULL ? nl + 1 : end;
    }

  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, capabilities);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        g_assert (*(const char *) key != '\0');
        g_assert (g_utf8_validate (value, -1, NULL));
      }
  }

  {
    g_autoptr(GByteArray) whole = g_byte_array_new ();
    g_autoptr(GByteArray) chunked = g_byte_array_new ();
    gsize used_whole = 0, used_chunked = 0;
    gboolean ok_whole, ok_chunked;

    ok_whole = unstuff (data, size, NULL, 0, whole, &used_whole);
    ok_chunked = unstuff (data, size, data, MIN (size, 16), chunked, &used_chunked);
    g_assert (ok_whole == ok_chunked);
    if (ok_whole)
      {
        g_assert (used_whole == used_chunked);
        g_assert (whole->len == chunked->len);
        /* An empty GByteArray may have no data pointer: memcmp (NULL, …, 0) is UB. */
        g_assert (whole->len == 0 || memcmp (whole->data, chunked->data, whole->len) == 0);
      }
  }
  return 0;
}
