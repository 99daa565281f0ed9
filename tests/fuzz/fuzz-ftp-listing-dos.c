/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-ftp-listing-dos"

#include "config.h"

#include "fuzz-ftp-listing-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  fuzz_listing (data, size, OP_FTP_LIST_DOS);
  fuzz_line (op_ftp_parse_dos_line, data, size);
  return 0;
}
