/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-nntp-reply"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "nntp/op-nntp-error.h"
#include "nntp/op-nntp-list.h"
#include "nntp/op-nntp-reply.h"
#include "fuzz-nntp-common.h"

/*
 * The NNTP reply and listing parsers. Every line of the input (split at LF, a CR before
 * it dropped, as the connection does) goes through the status-line parser (and, for a
 * failure code, the error mapping for every command kind, and the parsers of replies
 * that carry data), then unstuffed through every line parser: CAPABILITIES, LIST ACTIVE
 * and NEWGROUPS, LIST NEWSGROUPS, LIST ACTIVE.TIMES, HDR/XHDR, LISTGROUP, NEWNEWS and
 * ranges. Then the whole input goes through the block reader twice: in one piece, and
 * in chunks whose sizes come from the input itself; both must give the same lines and
 * stop at the same place. Besides "no crash", the promises of the headers are checked:
 * valid UTF-8, no separators in sanitised values, names and ids within their rules.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
assert_bad_reply (GError **error)
{
  g_assert (g_error_matches (*error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY));
  g_assert (g_utf8_validate ((*error)->message, -1, NULL));
  g_clear_error (error);
}

static void
check_reply (const char *line,
             gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpNntpReply) reply = op_nntp_reply_parse (line, length, &error);

  if (reply == NULL)
    {
      assert_bad_reply (&error);
      return;
    }
  g_assert (reply->code >= 100 && reply->code <= 599);
  fuzz_nntp_assert_clean (reply->text);
  (void) op_nntp_reply_is_multiline (reply, FALSE);
  (void) op_nntp_greeting_allows_posting (reply);
  if (reply->code >= 400)
    for (int kind = OP_NNTP_COMMAND_OTHER; kind <= OP_NNTP_COMMAND_POST; kind++)
      {
        g_autoptr(GError) mapped = op_nntp_error_from_reply (reply, "GROUP", kind);

        g_assert (mapped->domain == OP_NNTP_ERROR);
        g_assert (mapped->code != OP_NNTP_ERROR_BAD_REPLY);
        g_assert (g_utf8_validate (mapped->message, -1, NULL));
        (void) op_nntp_error_is_transient (mapped);
      }

  {
    guint64 count = 0, low = 0, high = 0;
    g_autofree char *group = NULL;

    if (op_nntp_parse_group_reply (reply->text, &count, &low, &high, &group, &error))
      g_assert (count <= G_MAXINT64 && (group == NULL || strlen (group) <= OP_NNTP_MAX_GROUP_NAME));
    else
      assert_bad_reply (&error);
  }
  {
    guint64 number = 0;
    g_autofree char *id = NULL;

    if (op_nntp_parse_article_reply (reply->text, &number, &id, &error))
      g_assert (op_nntp_message_id_is_valid (id, strlen (id)));
    else
      assert_bad_reply (&error);
  }
  {
    g_autoptr(GDateTime) date = op_nntp_parse_date_reply (reply->text, &error);

    if (date == NULL)
      assert_bad_reply (&error);
    else
      g_assert (g_date_time_get_utc_offset (date) == 0);
  }
}

static void
check_data_line (const char         *text,
                 gsize               length,
                 OpNntpCapabilities *caps)
{
  g_autoptr(GError) error = NULL;

  op_nntp_capabilities_add_line (caps, text, length);
  {
    g_autoptr(OpNntpActive) active = op_nntp_parse_active_line (text, length, &error);

    if (active == NULL)
      assert_bad_reply (&error);
    else
      {
        g_assert (op_nntp_group_name_is_valid (active->name, strlen (active->name)));
        g_assert ((active->alias != NULL) == (active->posting == OP_NNTP_POSTING_ALIAS));
      }
  }
  {
    g_autofree char *name = NULL;
    g_autofree char *description = NULL;

    if (op_nntp_parse_newsgroups_line (text, length, &name, &description, &error))
      {
        g_assert (op_nntp_group_name_is_valid (name, strlen (name)));
        fuzz_nntp_assert_clean (description);
      }
    else
      assert_bad_reply (&error);
  }
  {
    g_autofree char *name = NULL;
    g_autofree char *creator = NULL;
    gint64 created = -1;

    if (op_nntp_parse_active_times_line (text, length, &name, &created, &creator, &error))
      {
        g_assert (created >= 0);
        fuzz_nntp_assert_clean (creator);
      }
    else
      assert_bad_reply (&error);
  }
  {
    guint64 number = 0;
    g_autofree char *value = NULL;

    if (op_nntp_parse_hdr_line (text, length, &number, &value, &error))
      fuzz_nntp_assert_clean (value);
    else
      assert_bad_reply (&error);
    if (op_nntp_parse_number_line (text, length, &number, &error))
      g_assert (number > 0);
    else
      assert_bad_reply (&error);
  }
  {
    g_autofree char *id = op_nntp_parse_message_id_line (text, length, &error);

    if (id == NULL)
      assert_bad_reply (&error);
    else
      g_assert (op_nntp_message_id_is_valid (id, strlen (id)));
  }
  {
    guint64 low = 0, high = 0;

    if (op_nntp_range_parse (text, length, &low, &high))
      {
        g_autofree char *again = op_nntp_range_format (low, high);
        guint64 low2 = 0, high2 = 0;

        g_assert (low >= 1 && high >= low);
        g_assert (op_nntp_range_parse (again, strlen (again), &low2, &high2));
        g_assert (low2 == low && high2 == high);
      }
  }
}

/* Every line of the block through op_nntp_block_next_line, fed in chunks cut by
 * @chunk_sizes (or whole); returns the lines joined with "\n" (NULL after an error) and
 * where the block ended. */
static GString *
read_block (const uint8_t *data,
            size_t         size,
            const uint8_t *chunk_sizes,
            size_t         n_chunk_sizes,
            gsize         *end_out)
{
  GString *lines = g_string_new (NULL);
  GString *buffer = g_string_new (NULL);
  gsize fed = 0, offset = 0;
  size_t k = 0;

  *end_out = 0;
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      const char *line = NULL;
      gsize length = 0, consumed = 0;
      OpNntpBlockStatus status = op_nntp_block_next_line (buffer->str, buffer->len, 64, &line,
                                                          &length, &consumed, &error);

      switch (status)
        {
        case OP_NNTP_BLOCK_LINE:
          g_assert (length <= 64 && consumed >= length + 1 && consumed <= buffer->len);
          g_string_append_len (lines, line, length);
          g_string_append_c (lines, '\n');
          g_string_erase (buffer, 0, consumed);
          offset += consumed;
          break;
        case OP_NNTP_BLOCK_END:
          *end_out = offset + consumed;
          g_string_free (buffer, TRUE);
          return lines;
        case OP_NNTP_BLOCK_NEED_MORE:
          g_assert (consumed == 0);
          if (fed == size)
            {
              /* The input ended inside the block: what was read so far counts. */
              *end_out = G_MAXSIZE;
              g_string_free (buffer, TRUE);
              return lines;
            }
          {
            gsize chunk = size - fed;

            if (n_chunk_sizes > 0)
              {
                /* Not inside MIN (): it evaluates its arguments twice. */
                gsize next = (gsize) chunk_sizes[k++ % n_chunk_sizes] + 1;

                chunk = MIN (chunk, next);
              }
            g_string_append_len (buffer, (const char *) data + fed, chunk);
            fed += chunk;
          }
          break;
        case OP_NNTP_BLOCK_ERROR:
        default:
          assert_bad_reply (&error);
          g_string_free (buffer, TRUE);
          g_string_free (lines, TRUE);
          return NULL;
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(OpNntpCapabilities) caps = op_nntp_capabilities_new ();
  const char *p = (const char *) data;
  const char *end = p + size;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize length = (nl != NULL ? nl : end) - p;
      gboolean is_end = FALSE;
      const char *text = NULL;
      gsize text_length = 0;

      if (length > 0 && p[length - 1] == '\r')
        length--;
      check_reply (p, length);
      op_nntp_unstuff_line (p, length, &is_end, &text, &text_length);
      g_assert (text_length <= length);
      if (!is_end)
        check_data_line (text, text_length, caps);
      p = nl != NULL ? nl + 1 : end;
    }
  (void) op_nntp_capabilities_get_version (caps);
  (void) op_nntp_capabilities_has_arg (caps, "LIST", "OVERVIEW.FMT");

  {
    gsize end_whole = 0, end_chunked = 0;
    GString *whole = read_block (data, size, NULL, 0, &end_whole);
    GString *chunked = read_block (data, size, data, MIN (size, 16), &end_chunked);

    g_assert ((whole == NULL) == (chunked == NULL));
    if (whole != NULL)
      {
        g_assert (end_whole == end_chunked);
        g_assert (g_string_equal (whole, chunked));
        g_string_free (whole, TRUE);
        g_string_free (chunked, TRUE);
      }
  }
  return 0;
}
