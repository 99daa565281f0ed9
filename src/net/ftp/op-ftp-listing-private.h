/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-ftp-listing.h"

G_BEGIN_DECLS

/*
 * Shared by op-ftp-listing.c and op-ftp-charset.c: one charset converter, opened once per
 * parser so 100,000 names do not each pay for g_iconv_open().
 */
typedef struct
{
  GIConv   to_utf8;         /* (GIConv) -1 for UTF-8, or a charset iconv does not know */
  gboolean ascii_identity;  /* printable ASCII converts to itself: skip iconv for it */
} OpFtpConv;

gboolean _op_ftp_charset_is_utf8 (const char *charset);
void     _op_ftp_conv_init       (OpFtpConv  *conv,
                                  const char *charset);
void     _op_ftp_conv_clear      (OpFtpConv  *conv);
/* Valid UTF-8 without NUL, never NULL. */
char    *_op_ftp_conv_to_utf8    (OpFtpConv  *conv,
                                  const char *bytes,
                                  gsize       length);

/*
 * Shared by op-ftp-listing.c (entries and the formats) and op-ftp-list-parser.c (the
 * one-line and incremental parsers). Each format parser takes one line without its
 * line end and fills @entry; FALSE when the line is not an entry of that format.
 */
static inline gboolean
_op_ftp_is_blank (char c)
{
  return c == ' ' || c == '\t';
}

static inline gboolean
_op_ftp_is_digit (char c)
{
  return c >= '0' && c <= '9';
}

gboolean _op_ftp_span_has_nul      (const char *p,
                                    gsize       len);
void     _op_ftp_entry_reset       (OpFtpEntry *entry);
void     _op_ftp_entry_set_name    (OpFtpEntry *entry,
                                    OpFtpConv  *conv,
                                    const char *p,
                                    gsize       len);
/* *@hidden: a "cdir"/"pdir" entry (RFC 3659 §7.5.1), not listed. */
gboolean _op_ftp_parse_mlsd        (OpFtpConv  *conv,
                                    const char *line,
                                    gsize       length,
                                    OpFtpEntry *entry,
                                    gboolean   *hidden);
/* @now: for dates without a year. */
gboolean _op_ftp_parse_unix        (OpFtpConv  *conv,
                                    gint64      now,
                                    const char *line,
                                    gsize       length,
                                    OpFtpEntry *entry);
gboolean _op_ftp_parse_dos         (OpFtpConv  *conv,
                                    const char *line,
                                    gsize       length,
                                    OpFtpEntry *entry);
gboolean _op_ftp_parse_eplf        (OpFtpConv  *conv,
                                    const char *line,
                                    gsize       length,
                                    OpFtpEntry *entry);
gboolean _op_ftp_parse_vms         (OpFtpConv  *conv,
                                    const char *line,
                                    gsize       length,
                                    OpFtpEntry *entry);
/* Lines that are not entries but belong to a listing: "total 42", VMS headers, and a
 * VMS name alone on its line (its facts follow on the next). */
gboolean _op_ftp_unix_is_total     (const char *line,
                                    gsize       length);
gboolean _op_ftp_vms_is_header     (const char *line,
                                    gsize       length);
gboolean _op_ftp_vms_is_name_only  (const char *line,
                                    gsize       length);

G_END_DECLS
