/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-ftp-listing.h"

G_BEGIN_DECLS

/**
 * OpFileColumn:
 * @OP_FILE_COLUMN_NAME: by name (natural order, as a file manager sorts).
 * @OP_FILE_COLUMN_SIZE: by size in bytes (unknown sizes first).
 * @OP_FILE_COLUMN_TYPE: by content type (so one kind of file stays together), then name.
 * @OP_FILE_COLUMN_MODIFIED: by modification time.
 * @OP_FILE_COLUMN_PERMISSIONS: by the permission bits.
 * @OP_FILE_COLUMN_OWNER: by owner, then name.
 *
 * The columns of a file pane; each sorts by its own key.
 */
typedef enum
{
  OP_FILE_COLUMN_NAME,
  OP_FILE_COLUMN_SIZE,
  OP_FILE_COLUMN_TYPE,
  OP_FILE_COLUMN_MODIFIED,
  OP_FILE_COLUMN_PERMISSIONS,
  OP_FILE_COLUMN_OWNER,
} OpFileColumn;

#define OP_TYPE_FILE_ROW (op_file_row_get_type ())
G_DECLARE_FINAL_TYPE (OpFileRow, op_file_row, OP, FILE_ROW, GObject)

/*
 * One entry of a file pane (local or remote): immutable once built, cheap to sort
 * (the name's collation key is computed once), so 100,000 of them sort and filter
 * on the main thread in well under a second.
 */
OpFileRow   *op_file_row_new_from_ftp_entry    (const OpFtpEntry *entry);
OpFileRow   *op_file_row_new_from_file_info    (GFileInfo        *info);

const char  *op_file_row_get_name              (OpFileRow        *self);
/* The remote name's exact bytes (for commands); the name itself for local files. */
const char  *op_file_row_get_wire_name         (OpFileRow        *self);
gboolean     op_file_row_is_directory          (OpFileRow        *self);
gboolean     op_file_row_is_symlink            (OpFileRow        *self);
gboolean     op_file_row_is_hidden             (OpFileRow        *self);
/* -1 when unknown. */
gint64       op_file_row_get_size              (OpFileRow        *self);
/* Seconds since the epoch, 0 when unknown. */
gint64       op_file_row_get_mtime             (OpFileRow        *self);
/* How much of the time is known (a local file's: to the second). */
OpFtpTimePrecision op_file_row_get_time_precision (OpFileRow      *self);
/* Unix permission bits, -1 when unknown. */
int          op_file_row_get_mode              (OpFileRow        *self);
const char  *op_file_row_get_owner             (OpFileRow        *self);
const char  *op_file_row_get_group             (OpFileRow        *self);
const char  *op_file_row_get_content_type      (OpFileRow        *self);
const char  *op_file_row_get_link_target       (OpFileRow        *self);
GIcon       *op_file_row_get_icon              (OpFileRow        *self);

/* Texts of the columns, as shown (translated, locale formats). (transfer full) */
char        *op_file_row_format_size           (OpFileRow        *self);
char        *op_file_row_format_type           (OpFileRow        *self);
char        *op_file_row_format_modified       (OpFileRow        *self);
char        *op_file_row_format_permissions    (OpFileRow        *self);

/* Folders first, then by @column ascending; ties broken by name. Never 0 for two
 * different names. */
int          op_file_row_compare_folders_first (OpFileRow        *a,
                                                OpFileRow        *b);
int          op_file_row_compare               (OpFileRow        *a,
                                                OpFileRow        *b,
                                                OpFileColumn      column);
/* Filter-as-you-type: @folded_filter (nullable; g_utf8_casefold()ed once by the caller,
 * not once per row) matches anywhere in the name, ignoring case; hidden files (a leading
 * ".") only with @show_hidden. */
gboolean     op_file_row_matches               (OpFileRow        *self,
                                                const char       *folded_filter,
                                                gboolean          show_hidden);

/* For GtkCustomSorter (see op-file-row.c). */
int          _op_file_row_sort_func            (gconstpointer     a,
                                                gconstpointer     b,
                                                gpointer          user_data);

int          _op_file_row_key_sort_func        (gconstpointer     a,
                                                gconstpointer     b,
                                                gpointer          user_data);
OpFileRow   *_op_file_row_new_probe            (const guint       ranks[6]);

/* "rwxr-xr-x" for 0755 ("-" for unknown bits is never guessed: -1 gives ""). */
char        *op_file_mode_to_string            (int               mode);

G_END_DECLS
