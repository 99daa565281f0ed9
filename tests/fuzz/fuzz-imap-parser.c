/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-imap-parser"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "op-imap-error.h"
#include "op-imap-parser.h"
#include "op-imap-utf7.h"
#include "fuzz-imap-common.h"

/*
 * The IMAP response parser. The first input byte picks a chunk size (1..64) and whether
 * literals above 16 bytes go to a sink; the rest is fed through one OpImapParser in
 * chunks of that size, so literals and their headers are split everywhere. Besides "no
 * crash", the promises of op-imap-parser.h are checked: the parser consumes at least one
 * byte per call until it fails, errors are OP_IMAP_ERROR_BAD_RESPONSE with valid UTF-8
 * messages, streamed pieces arrive in order, and typed data is consistent. Modified
 * UTF-7 decoding runs on the raw input as well, and what decodes re-encodes to itself.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_body (const OpImapBodyPart *p)
{
  g_assert (p->type != NULL && p->subtype != NULL && p->section != NULL);
  g_assert (op_imap_body_part_find (p, p->section) != NULL);
  if (p->children != NULL)
    for (guint i = 0; i < p->children->len; i++)
      check_body (p->children->pdata[i]);
  if (p->message_body != NULL)
    check_body (p->message_body);
}

static void
check_response (const OpImapResponse *r)
{
  if (r->kind == OP_IMAP_RESPONSE_TAGGED)
    {
      g_assert (r->tag != NULL && r->status <= OP_IMAP_STATUS_BAD);
      if (r->status != OP_IMAP_STATUS_OK)
        {
          g_autoptr(GError) e = op_imap_error_from_response (r, "FETCH", OP_IMAP_COMMAND_OTHER);

          g_assert (e->domain == OP_IMAP_ERROR && g_utf8_validate (e->message, -1, NULL));
        }
    }
  if (r->kind == OP_IMAP_RESPONSE_DATA)
    {
      g_assert (r->name != NULL && r->args != NULL);
      if (r->data == OP_IMAP_DATA_FETCH)
        {
          g_assert (r->fetch != NULL && r->fetch->seq == r->number);
          if (r->fetch->body != NULL)
            check_body (r->fetch->body);
          for (guint i = 0; i < r->fetch->sections->len; i++)
            {
              const OpImapSection *s = r->fetch->sections->pdata[i];

              g_assert (s->data == NULL || g_bytes_get_size (s->data) == s->size);
            }
        }
      if (r->data == OP_IMAP_DATA_LIST || r->data == OP_IMAP_DATA_LSUB)
        {
          g_assert (r->list != NULL && r->list->raw_name != NULL);
          g_assert (r->list->name == NULL || g_utf8_validate (r->list->name, -1, NULL));
        }
      if (r->data == OP_IMAP_DATA_VANISHED)
        {
          g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));

          (void) op_imap_sequence_set_expand (r->set, 1000, uids);
          g_assert (uids->len <= 1000);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(OpImapParser) parser = op_imap_parser_new ();
  const char *p;
  gsize rest, chunk;
  guint64 expected = 0;

  if (size == 0)
    return 0;
  chunk = (data[0] & 0x3f) + 1;
  if (data[0] & 0x40)
    op_imap_parser_set_literal_sink (parser, 16, fuzz_imap_literal_sink, &expected);
  p = (const char *) data + 1;
  rest = size - 1;

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *decoded = op_imap_utf7_decode (p, rest, &error);

    if (decoded != NULL)
      {
        g_autofree char *encoded = op_imap_utf7_encode (decoded, NULL);

        g_assert (encoded != NULL && strlen (encoded) == rest && memcmp (encoded, p, rest) == 0);
      }
    else
      g_assert (g_error_matches (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE));
  }

  while (rest > 0)
    {
      gsize piece = MIN (chunk, rest);
      gsize off = 0;

      while (off < piece)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(OpImapResponse) r = NULL;
          gssize n = op_imap_parser_feed (parser, p + off, piece - off, &r, &error);

          if (n < 0)
            {
              g_assert (error != NULL && error->domain == OP_IMAP_ERROR &&
                        g_utf8_validate (error->message, -1, NULL));
              return 0;
            }
          g_assert (n > 0);
          off += n;
          if (r != NULL)
            check_response (r);
        }
      p += piece;
      rest -= piece;
    }
  return 0;
}
