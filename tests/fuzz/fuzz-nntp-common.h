/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

/* Shared by the NNTP fuzz targets: what every sanitised value from the parsers must be. */

/* Valid UTF-8 without TAB, CR, LF, NUL or any other control character. */
static inline void
fuzz_nntp_assert_clean (const char *value)
{
  g_assert (value != NULL);
  g_assert (g_utf8_validate (value, -1, NULL));
  for (const char *p = value; *p != '\0'; p++)
    g_assert ((guchar) *p >= 0x20 && *p != 0x7f);
}
