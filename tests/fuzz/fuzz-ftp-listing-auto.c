/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-ftp-listing-auto"

#include "config.h"

#include "fuzz-ftp-listing-common.h"

/*
 * AUTO detection, fed the way a data connection delivers: in chunks cut anywhere. The
 * chunk sizes come from the input itself, so a crash reproduces; and the result must be
 * the one-shot result, which catches state kept wrongly across feeds (VMS continuation
 * lines, long lines, CR at a chunk end).
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static char *
describe (const OpFtpListing *listing)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "format %d\n", listing->format);
  for (guint i = 0; i < listing->entries->len; i++)
    {
      const OpFtpEntry *e = g_ptr_array_index (listing->entries, i);

      g_string_append_printf (out, "%d %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %d %d %s|%s|%s|%s|%s|%s\n",
                              e->type, e->size, e->mtime, e->time_precision, e->mode,
                              e->name, e->wire_name, e->link_target ? e->link_target : "",
                              e->owner ? e->owner : "", e->group ? e->group : "",
                              e->perm ? e->perm : "");
    }
  for (guint i = 0; i < listing->unparsed->len; i++)
    g_string_append_printf (out, "? %s\n", (const char *) g_ptr_array_index (listing->unparsed, i));
  return g_string_free (out, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  OpFtpListing *whole, *chunked;
  OpFtpListParser *parser;
  guint32 state = 2166136261u;
  char *a, *b;

  for (size_t i = 0; i < MIN (size, 64); i++)
    state = (state ^ data[i]) * 16777619u;

  whole = op_ftp_listing_parse ((const char *) data, size, OP_FTP_LIST_AUTO, NULL, FUZZ_NOW);
  fuzz_check_listing (whole);

  parser = op_ftp_list_parser_new (OP_FTP_LIST_AUTO, NULL, FUZZ_NOW);
  for (size_t offset = 0; offset < size;)
    {
      size_t chunk;

      state = state * 1103515245u + 12345u;
      chunk = 1 + (state >> 16) % 97;
      chunk = MIN (chunk, size - offset);
      op_ftp_list_parser_feed (parser, (const char *) data + offset, chunk);
      offset += chunk;
    }
  chunked = op_ftp_list_parser_finish (parser);

  a = describe (whole);
  b = describe (chunked);
  FUZZ_CHECK (strcmp (a, b) == 0);
  g_free (a);
  g_free (b);
  op_ftp_listing_free (whole);
  op_ftp_listing_free (chunked);

  /* Names only, and every charset path. */
  fuzz_listing (data, size, OP_FTP_LIST_NAME_ONLY);
  return 0;
}
