/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-ftp-listing-unix"

#include "config.h"

#include "fuzz-ftp-listing-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static gboolean
parse_unix_line (const char *line,
                 gsize       length,
                 const char *charset,
                 OpFtpEntry *entry)
{
  return op_ftp_parse_unix_line (line, length, charset, FUZZ_NOW, entry);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  fuzz_listing (data, size, OP_FTP_LIST_UNIX);
  fuzz_line (parse_unix_line, data, size);
  return 0;
}
