/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ftp-listing"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-ftp-listing.h"
#include "op-ftp-listing-private.h"

/*
 * The one-line parsers and the incremental parser over the formats of op-ftp-listing.c:
 * a listing arrives in pieces of any size, lines are bounded, and with
 * OP_FTP_LIST_AUTO each line is tried against the formats, the previous entry's first.
 */

/* ---------------------------------------------------------------------------------- */
/* Public one-line parsers                                                             */

#define ONE_LINE(call)                                                                 \
  G_STMT_START                                                                         \
  {                                                                                    \
    OpFtpConv conv;                                                                    \
    gboolean ok;                                                                       \
                                                                                       \
    g_return_val_if_fail (line != NULL || length == 0, FALSE);                         \
    g_return_val_if_fail (entry != NULL, FALSE);                                       \
                                                                                       \
    _op_ftp_conv_init (&conv, charset);                                                \
    ok = (call);                                                                       \
    _op_ftp_conv_clear (&conv);                                                        \
    return ok;                                                                         \
  }                                                                                    \
  G_STMT_END

gboolean
op_ftp_parse_mlsd_line (const char *line,
                        gsize       length,
                        const char *charset,
                        OpFtpEntry *entry)
{
  gboolean hidden;

  ONE_LINE (_op_ftp_parse_mlsd (&conv, line, length, entry, &hidden));
}

gboolean
op_ftp_parse_unix_line (const char *line,
                        gsize       length,
                        const char *charset,
                        gint64      now,
                        OpFtpEntry *entry)
{
  ONE_LINE (_op_ftp_parse_unix (&conv, now, line, length, entry));
}

gboolean
op_ftp_parse_dos_line (const char *line,
                       gsize       length,
                       const char *charset,
                       OpFtpEntry *entry)
{
  ONE_LINE (_op_ftp_parse_dos (&conv, line, length, entry));
}

gboolean
op_ftp_parse_eplf_line (const char *line,
                        gsize       length,
                        const char *charset,
                        OpFtpEntry *entry)
{
  ONE_LINE (_op_ftp_parse_eplf (&conv, line, length, entry));
}

gboolean
op_ftp_parse_vms_line (const char *line,
                       gsize       length,
                       const char *charset,
                       OpFtpEntry *entry)
{
  ONE_LINE (_op_ftp_parse_vms (&conv, line, length, entry));
}

/* ---------------------------------------------------------------------------------- */
/* The incremental parser                                                              */

#define N_FORMATS (OP_FTP_LIST_NAME_ONLY + 1)

struct _OpFtpListParser
{
  OpFtpListFormat  format;
  OpFtpConv        conv;
  gint64           now;

  GString         *buffer;       /* the line being received, at most MAX_LINE + 1 bytes */
  gboolean         discarding;   /* a line too long was reported; skip to its end */

  GByteArray      *vms_pending;  /* a VMS name waiting for the rest of its entry */

  OpFtpListFormat  last;         /* AUTO: the format of the previous entry */
  guint            counts[N_FORMATS];
  guint            n_structured; /* AUTO: entries parsed by a real format */
  GPtrArray       *candidates;   /* AUTO: (element-type GBytes) unmatched lines that become
                                  * names if nothing ever matches (an NLST-like listing) */

  OpFtpEntry      *scratch;
  OpFtpListing    *listing;
};

/**
 * op_ftp_list_parser_new:
 * @format: the format to parse, or %OP_FTP_LIST_AUTO
 * @charset: (nullable): the site's charset, %NULL for UTF-8
 * @now: the current time, seconds since the epoch (UTC)
 *
 * Returns: (transfer full): a parser; free it with op_ftp_list_parser_finish() or
 *   op_ftp_list_parser_free()
 */
OpFtpListParser *
op_ftp_list_parser_new (OpFtpListFormat  format,
                        const char      *charset,
                        gint64           now)
{
  OpFtpListParser *parser;

  g_return_val_if_fail (format >= OP_FTP_LIST_AUTO && format <= OP_FTP_LIST_NAME_ONLY, NULL);

  parser = g_new0 (OpFtpListParser, 1);
  parser->format = format;
  _op_ftp_conv_init (&parser->conv, charset);
  parser->now = now;
  parser->buffer = g_string_sized_new (256);
  parser->last = OP_FTP_LIST_AUTO;
  if (format == OP_FTP_LIST_AUTO)
    parser->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  parser->scratch = op_ftp_entry_new ();
  parser->listing = op_ftp_listing_new ();

  return parser;
}

void
op_ftp_list_parser_free (OpFtpListParser *parser)
{
  if (parser == NULL)
    return;

  _op_ftp_conv_clear (&parser->conv);
  g_string_free (parser->buffer, TRUE);
  g_clear_pointer (&parser->vms_pending, g_byte_array_unref);
  g_clear_pointer (&parser->candidates, g_ptr_array_unref);
  op_ftp_entry_free (parser->scratch);
  op_ftp_listing_free (parser->listing);
  g_free (parser);
}

static void
report_unparsed (OpFtpListParser *parser,
                 const char      *line,
                 gsize            length)
{
  g_ptr_array_add (parser->listing->unparsed,
                   _op_ftp_conv_to_utf8 (&parser->conv, line, length));
}

/* The scratch entry holds a parsed entry: keep it unless it is "." or "..". */
static void
take_entry (OpFtpListParser *parser,
            OpFtpListFormat  format,
            gboolean         hidden)
{
  OpFtpEntry *entry = parser->scratch;

  if (parser->format == OP_FTP_LIST_AUTO && format != OP_FTP_LIST_NAME_ONLY)
    {
      parser->last = format;
      if (parser->n_structured++ == 0 && parser->candidates != NULL)
        {
          /* A real format matched: the lines held back were not names after all. */
          for (guint i = 0; i < parser->candidates->len; i++)
            {
              gsize len;
              const char *data = g_bytes_get_data (g_ptr_array_index (parser->candidates, i),
                                                   &len);

              report_unparsed (parser, data, len);
            }
          g_clear_pointer (&parser->candidates, g_ptr_array_unref);
        }
    }

  if (hidden || strcmp (entry->wire_name, ".") == 0 || strcmp (entry->wire_name, "..") == 0)
    {
      _op_ftp_entry_reset (entry);
      return;
    }

  g_ptr_array_add (parser->listing->entries, entry);
  parser->scratch = op_ftp_entry_new ();
  parser->counts[format]++;
}

static void
line_failed (OpFtpListParser *parser,
             const char      *line,
             gsize            length)
{
  if (parser->candidates != NULL)
    g_ptr_array_add (parser->candidates, g_bytes_new (line, length));
  else
    report_unparsed (parser, line, length);
}

static gboolean
parse_name_only (OpFtpListParser *parser,
                 const char      *line,
                 gsize            length)
{
  _op_ftp_entry_reset (parser->scratch);
  if (length == 0 || _op_ftp_span_has_nul (line, length))
    return FALSE;
  _op_ftp_entry_set_name (parser->scratch, &parser->conv, line, length);
  return TRUE;
}

static gboolean
try_format (OpFtpListParser *parser,
            OpFtpListFormat  format,
            const char      *line,
            gsize            length,
            gboolean        *hidden)
{
  *hidden = FALSE;

  switch (format)
    {
    case OP_FTP_LIST_MLSD:
      return _op_ftp_parse_mlsd (&parser->conv, line, length, parser->scratch, hidden);
    case OP_FTP_LIST_UNIX:
      return _op_ftp_parse_unix (&parser->conv, parser->now, line, length, parser->scratch);
    case OP_FTP_LIST_DOS:
      /* Cheap rejection: every DOS line starts with its date. */
      return _op_ftp_is_digit (line[0]) && _op_ftp_parse_dos (&parser->conv, line, length, parser->scratch);
    case OP_FTP_LIST_EPLF:
      return line[0] == '+' && _op_ftp_parse_eplf (&parser->conv, line, length, parser->scratch);
    case OP_FTP_LIST_VMS:
      return _op_ftp_parse_vms (&parser->conv, line, length, parser->scratch);
    case OP_FTP_LIST_NAME_ONLY:
      return parse_name_only (parser, line, length);
    case OP_FTP_LIST_AUTO:
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

/* One line of content, without its terminator; TRUE when it became an entry. */
static gboolean
parse_structured (OpFtpListParser *parser,
                  const char      *line,
                  gsize            length)
{
  static const OpFtpListFormat auto_order[] = {
    OP_FTP_LIST_UNIX, OP_FTP_LIST_DOS, OP_FTP_LIST_EPLF, OP_FTP_LIST_VMS,
  };
  gboolean hidden;

  if (parser->format != OP_FTP_LIST_AUTO)
    {
      if (try_format (parser, parser->format, line, length, &hidden))
        {
          take_entry (parser, parser->format, hidden);
          return TRUE;
        }
      return FALSE;
    }

  /* Listings are uniform: the previous line's format nearly always matches first. */
  if (parser->last != OP_FTP_LIST_AUTO
      && try_format (parser, parser->last, line, length, &hidden))
    {
      take_entry (parser, parser->last, hidden);
      return TRUE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (auto_order); i++)
    if (auto_order[i] != parser->last
        && try_format (parser, auto_order[i], line, length, &hidden))
      {
        take_entry (parser, auto_order[i], hidden);
        return TRUE;
      }
  return FALSE;
}

static void
flush_vms_pending (OpFtpListParser *parser)
{
  if (parser->vms_pending == NULL)
    return;
  line_failed (parser, (const char *) parser->vms_pending->data, parser->vms_pending->len);
  g_clear_pointer (&parser->vms_pending, g_byte_array_unref);
}

static void
process_line (OpFtpListParser *parser,
              const char      *line,
              gsize            length)
{
  gboolean vms_possible = parser->format == OP_FTP_LIST_AUTO
                          || parser->format == OP_FTP_LIST_VMS;
  gsize i;

  if (length > 0 && line[length - 1] == '\r')
    length--;

  if (length > OP_FTP_LIST_MAX_LINE)
    {
      flush_vms_pending (parser);
      report_unparsed (parser, line, OP_FTP_LIST_MAX_LINE);
      return;
    }

  for (i = 0; i < length && _op_ftp_is_blank (line[i]); i++)
    ;
  if (i == length)
    return;

  if (parser->format == OP_FTP_LIST_NAME_ONLY)
    {
      if (parse_name_only (parser, line, length))
        take_entry (parser, OP_FTP_LIST_NAME_ONLY, FALSE);
      else
        report_unparsed (parser, line, length);
      return;
    }

  if (parser->vms_pending != NULL)
    {
      /* VMS puts a long name on a line of its own and the rest of the entry on the
       * next: parse them as one line. */
      GByteArray *joined = parser->vms_pending;
      guint name_len = joined->len;
      gboolean ok;

      g_byte_array_append (joined, (const guint8 *) " ", 1);
      g_byte_array_append (joined, (const guint8 *) line, (guint) length);
      ok = _op_ftp_parse_vms (&parser->conv, (const char *) joined->data, joined->len, parser->scratch);
      if (ok)
        {
          take_entry (parser, OP_FTP_LIST_VMS, FALSE);
          g_clear_pointer (&parser->vms_pending, g_byte_array_unref);
          return;
        }
      g_byte_array_set_size (joined, name_len);
      flush_vms_pending (parser);
    }

  if (parse_structured (parser, line, length))
    return;

  if ((parser->format == OP_FTP_LIST_AUTO || parser->format == OP_FTP_LIST_UNIX)
      && _op_ftp_unix_is_total (line, length))
    return;
  if (vms_possible && _op_ftp_vms_is_header (line, length))
    return;
  if (vms_possible && _op_ftp_vms_is_name_only (line, length))
    {
      parser->vms_pending = g_byte_array_sized_new ((guint) length + 128);
      g_byte_array_append (parser->vms_pending, (const guint8 *) line, (guint) length);
      return;
    }

  line_failed (parser, line, length);
}

/* Appends part of a line; a line that grows past the limit is reported, cut. */
static void
buffer_append (OpFtpListParser *parser,
               const char      *data,
               gsize            length)
{
  GString *buffer = parser->buffer;

  if (parser->discarding)
    return;

  /* MAX_LINE + 1: room for the CR of a CRLF that has not arrived yet. */
  if (buffer->len + length > OP_FTP_LIST_MAX_LINE + 1)
    {
      gsize room = OP_FTP_LIST_MAX_LINE - MIN (buffer->len, OP_FTP_LIST_MAX_LINE);

      g_string_append_len (buffer, data, (gssize) room);
      flush_vms_pending (parser);
      report_unparsed (parser, buffer->str, OP_FTP_LIST_MAX_LINE);
      g_string_truncate (buffer, 0);
      parser->discarding = TRUE;
      return;
    }

  g_string_append_len (buffer, data, (gssize) length);
}

void
op_ftp_list_parser_feed (OpFtpListParser *parser,
                         const char      *data,
                         gsize            length)
{
  const char *p = data, *end = data + length;

  g_return_if_fail (parser != NULL);
  g_return_if_fail (data != NULL || length == 0);

  while (p < end)
    {
      const char *newline = memchr (p, '\n', (gsize) (end - p));

      if (newline == NULL)
        {
          buffer_append (parser, p, (gsize) (end - p));
          return;
        }

      if (!parser->discarding)
        {
          if (parser->buffer->len == 0)
            process_line (parser, p, (gsize) (newline - p));  /* no copy: the common case */
          else
            {
              buffer_append (parser, p, (gsize) (newline - p));
              if (!parser->discarding)
                process_line (parser, parser->buffer->str, parser->buffer->len);
            }
        }
      parser->discarding = FALSE;
      g_string_truncate (parser->buffer, 0);
      p = newline + 1;
    }
}

OpFtpListing *
op_ftp_list_parser_finish (OpFtpListParser *parser)
{
  OpFtpListing *listing;

  g_return_val_if_fail (parser != NULL, NULL);

  if (!parser->discarding && parser->buffer->len > 0)
    process_line (parser, parser->buffer->str, parser->buffer->len);
  flush_vms_pending (parser);

  if (parser->format == OP_FTP_LIST_AUTO)
    {
      OpFtpListFormat best = OP_FTP_LIST_NAME_ONLY;
      guint best_count = 0;

      if (parser->candidates != NULL)
        {
          /* Nothing matched any format: an NLST-like listing, one name per line. */
          for (guint i = 0; i < parser->candidates->len; i++)
            {
              gsize len;
              const char *data = g_bytes_get_data (g_ptr_array_index (parser->candidates, i),
                                                   &len);

              if (parse_name_only (parser, data, len))
                take_entry (parser, OP_FTP_LIST_NAME_ONLY, FALSE);
              else
                report_unparsed (parser, data, len);
            }
          g_clear_pointer (&parser->candidates, g_ptr_array_unref);
        }

      for (int f = OP_FTP_LIST_MLSD; f < N_FORMATS; f++)
        if (parser->counts[f] > best_count)
          {
            best = f;
            best_count = parser->counts[f];
          }
      parser->listing->format = best;
    }
  else
    parser->listing->format = parser->format;

  listing = g_steal_pointer (&parser->listing);
  op_ftp_list_parser_free (parser);

  return listing;
}

OpFtpListing *
op_ftp_listing_parse (const char      *data,
                      gsize            length,
                      OpFtpListFormat  format,
                      const char      *charset,
                      gint64           now)
{
  OpFtpListParser *parser;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  parser = op_ftp_list_parser_new (format, charset, now);
  op_ftp_list_parser_feed (parser, data, length);
  return op_ftp_list_parser_finish (parser);
}
