/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "op-ftp-listing.h"

/*
 * What every FTP listing target checks besides "no crash, no sanitizer report": the
 * promises of op-ftp-listing.h. A broken promise aborts, so libFuzzer keeps the input.
 */

/* 2024-06-15 12:00 UTC: fixed, so a crash reproduces whatever the date. */
#define FUZZ_NOW G_GINT64_CONSTANT (1718452800)

#define FUZZ_CHECK(cond) \
  G_STMT_START { if (!(cond)) { fprintf (stderr, "broken: %s\n", #cond); abort (); } } G_STMT_END

static inline void
fuzz_check_entry (const OpFtpEntry *entry)
{
  g_autofree char *local = NULL;

  FUZZ_CHECK (entry->name != NULL && entry->name[0] != '\0');
  FUZZ_CHECK (g_utf8_validate (entry->name, -1, NULL));
  FUZZ_CHECK (entry->wire_name != NULL && entry->wire_name[0] != '\0');
  FUZZ_CHECK (entry->link_target == NULL || g_utf8_validate (entry->link_target, -1, NULL));
  FUZZ_CHECK (entry->owner == NULL || g_utf8_validate (entry->owner, -1, NULL));
  FUZZ_CHECK (entry->group == NULL || g_utf8_validate (entry->group, -1, NULL));
  FUZZ_CHECK (entry->perm == NULL || g_utf8_validate (entry->perm, -1, NULL));
  FUZZ_CHECK (entry->size >= -1);
  FUZZ_CHECK (entry->mode >= -1 && entry->mode <= 07777);
  FUZZ_CHECK (entry->type >= OP_FTP_ENTRY_UNKNOWN && entry->type <= OP_FTP_ENTRY_OTHER);

  local = op_ftp_local_name_from_remote (entry->name);
  if (local != NULL)
    {
      FUZZ_CHECK (strchr (local, '/') == NULL && strchr (local, '\\') == NULL);
      FUZZ_CHECK (strcmp (local, ".") != 0 && strcmp (local, "..") != 0);
      for (const char *p = local; *p != '\0'; p++)
        FUZZ_CHECK ((guchar) *p >= 0x20 && *p != 0x7f);
    }
}

static inline void
fuzz_check_listing (const OpFtpListing *listing)
{
  for (guint i = 0; i < listing->entries->len; i++)
    {
      const OpFtpEntry *entry = g_ptr_array_index (listing->entries, i);

      fuzz_check_entry (entry);
      FUZZ_CHECK (strcmp (entry->wire_name, ".") != 0 && strcmp (entry->wire_name, "..") != 0);
    }
  for (guint i = 0; i < listing->unparsed->len; i++)
    {
      const char *line = g_ptr_array_index (listing->unparsed, i);

      FUZZ_CHECK (g_utf8_validate (line, -1, NULL));
      FUZZ_CHECK (strlen (line) <= OP_FTP_LIST_MAX_LINE * 4);
    }
}

/* Parses @data as a whole listing in UTF-8 and in GB18030, and checks both. */
static inline void
fuzz_listing (const uint8_t   *data,
              size_t           size,
              OpFtpListFormat  format)
{
  static const char *const charsets[] = { NULL, "GB18030" };

  for (gsize i = 0; i < G_N_ELEMENTS (charsets); i++)
    {
      OpFtpListing *listing = op_ftp_listing_parse ((const char *) data, size, format,
                                                    charsets[i], FUZZ_NOW);

      fuzz_check_listing (listing);
      op_ftp_listing_free (listing);
    }
}

/* The line parser on the whole input as one line: also lines past the parser's limit. */
static inline void
fuzz_line (gboolean (*parse_line) (const char *, gsize, const char *, OpFtpEntry *),
           const uint8_t *data,
           size_t         size)
{
  OpFtpEntry *entry = op_ftp_entry_new ();

  if (parse_line ((const char *) data, size, NULL, entry))
    fuzz_check_entry (entry);
  else
    FUZZ_CHECK (entry->name == NULL && entry->wire_name == NULL && entry->owner == NULL);
  op_ftp_entry_free (entry);
}
