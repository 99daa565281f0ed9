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

G_END_DECLS
