/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-imap-parser.h"

/* Shared by the targets that feed OpImapParser: a literal sink (OpImapLiteralSink) that
 * checks the pieces of each streamed literal arrive in order, none empty, none past its
 * size. @user_data: a guint64, 0 before the first piece (the offset expected next). */
static inline gboolean
fuzz_imap_literal_sink (const OpImapLiteralInfo *info,
                        const guint8            *data,
                        gsize                    length,
                        gpointer                 user_data,
                        GError                 **error)
{
  guint64 *expected = user_data;

  g_assert (info->offset == *expected);
  g_assert (info->offset + length <= info->size);
  g_assert (length > 0);
  *expected = info->offset + length == info->size ? 0 : info->offset + length;
  return TRUE;
}
