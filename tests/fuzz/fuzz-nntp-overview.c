/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-nntp-overview"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "nntp/op-nntp-error.h"
#include "nntp/op-nntp-overview.h"
#include "nntp/op-nntp-reply.h"
#include "fuzz-nntp-common.h"

/*
 * LIST OVERVIEW.FMT and OVER lines. The input's lines up to the first "." build a
 * format (lines it refuses are skipped); then every line of the input is parsed as an
 * overview line through three formats: that one (when complete), RFC 3977's seven
 * fields, and INN's (the seven and "Xref:full"). Besides "no crash": every field is
 * valid UTF-8 without TAB, CR, LF, NUL or other control characters; the Message-ID is a
 * valid one; there is exactly one value per extra field.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_line (const OpNntpOverviewFormat *format,
            const char                 *line,
            gsize                       length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpNntpOverview) ov = op_nntp_overview_parse (format, line, length, &error);
  guint n_extra = op_nntp_overview_format_get_n_extra (format);

  if (ov == NULL)
    {
      g_assert (g_error_matches (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY));
      g_assert (g_utf8_validate (error->message, -1, NULL));
      return;
    }
  fuzz_nntp_assert_clean (ov->subject);
  fuzz_nntp_assert_clean (ov->from);
  fuzz_nntp_assert_clean (ov->date);
  fuzz_nntp_assert_clean (ov->references);
  fuzz_nntp_assert_clean (ov->message_id);
  g_assert (op_nntp_message_id_is_valid (ov->message_id, strlen (ov->message_id)));
  g_assert (ov->number <= G_MAXINT64 && ov->bytes <= G_MAXINT64 && ov->lines <= G_MAXINT64);
  g_assert (g_strv_length (ov->extra) == n_extra);
  for (guint i = 0; i < n_extra; i++)
    {
      fuzz_nntp_assert_clean (ov->extra[i]);
      g_assert (op_nntp_overview_get_extra (ov, format,
                                            op_nntp_overview_format_get_extra_name (format, i))
                != NULL);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(OpNntpOverviewFormat) own = op_nntp_overview_format_new ();
  g_autoptr(OpNntpOverviewFormat) rfc = op_nntp_overview_format_new_default ();
  g_autoptr(OpNntpOverviewFormat) inn = op_nntp_overview_format_new_default ();
  const char *p = (const char *) data;
  const char *end = p + size;
  gboolean format_done = FALSE;

  g_assert (op_nntp_overview_format_add_line (inn, "Xref:full", 9, NULL));

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize length = (nl != NULL ? nl : end) - p;
      gboolean is_end = FALSE;
      const char *text = NULL;
      gsize text_length = 0;

      if (length > 0 && p[length - 1] == '\r')
        length--;
      op_nntp_unstuff_line (p, length, &is_end, &text, &text_length);
      if (is_end)
        format_done = TRUE;
      else if (!format_done)
        {
          g_autoptr(GError) error = NULL;

          if (!op_nntp_overview_format_add_line (own, text, text_length, &error))
            g_assert (g_error_matches (error, OP_NNTP_ERROR, OP_NNTP_ERROR_BAD_REPLY));
        }
      else if (op_nntp_overview_format_is_complete (own))
        check_line (own, text, text_length);
      if (!is_end)
        {
          check_line (rfc, text, text_length);
          check_line (inn, text, text_length);
        }
      p = nl != NULL ? nl + 1 : end;
    }
  for (guint i = 0; i < op_nntp_overview_format_get_n_extra (own); i++)
    {
      const char *name = op_nntp_overview_format_get_extra_name (own, i);

      fuzz_nntp_assert_clean (name);
      g_assert (name[0] != '\0' && strchr (name, ':') == NULL);
    }
  return 0;
}
