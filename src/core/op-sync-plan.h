/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-ftp-listing.h"

G_BEGIN_DECLS

/*
 * Folders side by side (issue 17): the comparison rules for one local and one remote
 * entry of the same name, and the plan of a mirror (local → remote or remote → local),
 * built folder by folder. Pure functions over listings: the Files view highlights rows
 * with op_sync_compare(); the synchronise dialog lists both sides' folders, feeds them to
 * op_sync_plan_add_folder() and shows the steps before anything is queued.
 */

/**
 * OpSyncKind:
 * @OP_SYNC_KIND_FILE: a regular file (or unknown: a name-only listing).
 * @OP_SYNC_KIND_FOLDER: a folder.
 * @OP_SYNC_KIND_SYMLINK: a symbolic link. Links are never followed, copied or deleted by
 *   a mirror: a link to a folder above would loop, one elsewhere would leave the tree.
 * @OP_SYNC_KIND_OTHER: a device, socket or pipe: never transferred.
 */
typedef enum
{
  OP_SYNC_KIND_FILE,
  OP_SYNC_KIND_FOLDER,
  OP_SYNC_KIND_SYMLINK,
  OP_SYNC_KIND_OTHER,
} OpSyncKind;

/**
 * OpSyncFacts:
 * @kind: what the entry is
 * @size: bytes, -1 when unknown (a folder's size is never compared)
 * @mtime: seconds since the epoch (UTC), 0 when unknown
 * @precision: how much of @mtime is known (a local file: OP_FTP_TIME_SECOND)
 */
typedef struct
{
  OpSyncKind         kind;
  gint64             size;
  gint64             mtime;
  OpFtpTimePrecision precision;
} OpSyncFacts;

/**
 * OpSyncCriteria:
 * @OP_SYNC_BY_SIZE: files whose sizes differ are different.
 * @OP_SYNC_BY_DATE: files whose dates differ (beyond the tolerance) are different, and
 *   the later one is "newer".
 */
typedef enum
{
  OP_SYNC_BY_SIZE = 1 << 0,
  OP_SYNC_BY_DATE = 1 << 1,
} OpSyncCriteria;

/* FAT and SMB keep times to 2 s; a copy's time may be that far off. */
#define OP_SYNC_DEFAULT_TOLERANCE 2

/**
 * OpSyncRules:
 * @criteria: what makes two files different (the user's choice; at least one)
 * @tolerance: seconds by which two dates may differ and still be equal. The granularity
 *   of the coarser date is added: a minute for LIST's "Jan 5 12:34" (the seconds were cut
 *   off, so the real time is up to 59 s later), a day for "Jan 5 2019". Dates of
 *   precision OP_FTP_TIME_NONE are never compared.
 * @remote_offset: seconds added to remote times before comparing, for a server whose LIST
 *   shows its own zone's time as if it were UTC (the site's time zone setting).
 */
typedef struct
{
  OpSyncCriteria criteria;
  gint64         tolerance;
  gint64         remote_offset;
} OpSyncRules;

/* Size and date, OP_SYNC_DEFAULT_TOLERANCE, no offset. */
void op_sync_rules_init_default (OpSyncRules *rules);

/**
 * OpSyncStatus:
 * @OP_SYNC_SAME: both sides have it and no criterion tells them apart (two folders of
 *   the same name are the same here: their contents are compared folder by folder).
 * @OP_SYNC_ONLY_LOCAL: only the local side has this name.
 * @OP_SYNC_ONLY_REMOTE: only the remote side has it.
 * @OP_SYNC_LOCAL_NEWER: the local file's date is later (by date).
 * @OP_SYNC_REMOTE_NEWER: the remote file's date is later.
 * @OP_SYNC_SIZE_DIFFERS: the sizes differ (by size) and the dates do not tell (equal
 *   within the tolerance, unknown, or not compared).
 * @OP_SYNC_KIND_DIFFERS: a folder on one side, a file (or a link) on the other.
 *
 * A date that differs wins over a size that differs: "newer" says which side to keep.
 */
typedef enum
{
  OP_SYNC_SAME,
  OP_SYNC_ONLY_LOCAL,
  OP_SYNC_ONLY_REMOTE,
  OP_SYNC_LOCAL_NEWER,
  OP_SYNC_REMOTE_NEWER,
  OP_SYNC_SIZE_DIFFERS,
  OP_SYNC_KIND_DIFFERS,
} OpSyncStatus;

#define OP_TYPE_SYNC_STATUS (op_sync_status_get_type ())
GType        op_sync_status_get_type     (void) G_GNUC_CONST;

/* @local and @remote are nullable (not there); not both NULL. */
OpSyncStatus op_sync_compare             (const OpSyncFacts *local,
                                          const OpSyncFacts *remote,
                                          const OpSyncRules *rules);
/* "only-local", "remote-newer", … (not translated: CSS classes and tests). */
const char  *op_sync_status_to_string    (OpSyncStatus       status);

void         op_sync_facts_from_ftp_entry (OpSyncFacts      *facts,
                                           const OpFtpEntry *entry);

/*
 * A local file's entry in the form a remote listing has, so both sides go through the
 * same code: @name is the display name, @wire_name the on-disk name, a link is
 * OP_FTP_ENTRY_SYMLINK (@info queried with G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS), times
 * to the second. (transfer full)
 */
OpFtpEntry  *op_sync_entry_from_file_info (GFileInfo        *info);

/* The attributes op_sync_entry_from_file_info() reads. */
#define OP_SYNC_LOCAL_ATTRIBUTES \
  G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME "," \
  G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_IS_SYMLINK "," \
  G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_TIME_MODIFIED

/**
 * OpSyncDirection:
 * @OP_SYNC_TO_REMOTE: mirror local → remote (uploads; deletes on the server)
 * @OP_SYNC_TO_LOCAL: mirror remote → local (downloads; deletes local files)
 */
typedef enum
{
  OP_SYNC_TO_REMOTE,
  OP_SYNC_TO_LOCAL,
} OpSyncDirection;

/**
 * OpSyncAction:
 * @OP_SYNC_ACTION_COPY: the source has it, the target does not: transfer it (a folder
 *   with everything in it).
 * @OP_SYNC_ACTION_REPLACE: both have the file and it differs: transfer over the target.
 * @OP_SYNC_ACTION_DELETE: only the target has it (a folder with everything in it); only
 *   in a plan made with deletion asked for.
 * @OP_SYNC_ACTION_SKIP: left alone, and the step's reason says why (a link, a device, a
 *   name that cannot be a local file, a folder where the other side has a file without
 *   deletion asked for).
 */
typedef enum
{
  OP_SYNC_ACTION_COPY,
  OP_SYNC_ACTION_REPLACE,
  OP_SYNC_ACTION_DELETE,
  OP_SYNC_ACTION_SKIP,
} OpSyncAction;

/**
 * OpSyncStep:
 * @action: what the mirror does
 * @status: how the two sides compared
 * @local_path: the local path relative to the local root, on-disk bytes ("a/b.txt")
 * @remote_path: the remote path relative to the remote root, UTF-8 ("a/b.txt")
 * @is_folder: the step is about a folder (copy or delete it whole)
 * @size: the source's size (COPY, REPLACE) or the target's (DELETE); -1 when unknown
 * @reason: (nullable): why a SKIP step is skipped (translated)
 */
typedef struct
{
  OpSyncAction  action;
  OpSyncStatus  status;
  char         *local_path;
  char         *remote_path;
  gboolean      is_folder;
  gint64        size;
  char         *reason;
} OpSyncStep;

void op_sync_step_free (OpSyncStep *step);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpSyncStep, op_sync_step_free)

/**
 * OpSyncFolder:
 * @local_path: relative to the local root ("" for the root itself)
 * @remote_path: relative to the remote root
 *
 * A folder both sides have, whose contents the plan must see next.
 */
typedef struct
{
  char *local_path;
  char *remote_path;
} OpSyncFolder;

void op_sync_folder_free (OpSyncFolder *folder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpSyncFolder, op_sync_folder_free)

typedef struct _OpSyncPlan OpSyncPlan;

/*
 * A new, empty plan. @include_hidden: names starting with "." take part (otherwise they
 * are neither copied nor deleted). @delete_extra: what only the target has is deleted,
 * and a file where the source has a folder (or the other way round) is deleted and
 * replaced; without it those are left alone.
 */
OpSyncPlan  *op_sync_plan_new            (OpSyncDirection    direction,
                                          const OpSyncRules *rules,
                                          gboolean           include_hidden,
                                          gboolean           delete_extra);
void         op_sync_plan_free           (OpSyncPlan        *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpSyncPlan, op_sync_plan_free)

/*
 * Compares one folder: @local_entries and @remote_entries (element-type OpFtpEntry) are
 * the listings of @folder on each side (the root: op_sync_folder_new_root()). Adds the
 * steps it finds to the plan, and returns the folders both sides have, which the caller
 * lists and adds next, to any depth. (transfer full) (element-type OpSyncFolder)
 */
GPtrArray   *op_sync_plan_add_folder     (OpSyncPlan         *plan,
                                          const OpSyncFolder *folder,
                                          GPtrArray          *local_entries,
                                          GPtrArray          *remote_entries);
OpSyncFolder *op_sync_folder_new_root    (void);

OpSyncDirection op_sync_plan_get_direction (OpSyncPlan      *plan);
/* (transfer none) (element-type OpSyncStep), in the order found (breadth first). */
GPtrArray   *op_sync_plan_get_steps      (OpSyncPlan        *plan);
guint        op_sync_plan_count          (OpSyncPlan        *plan,
                                          OpSyncAction       action);
/* Bytes that COPY and REPLACE steps of files will transfer (folders' sizes are only
 * known when walked). */
guint64      op_sync_plan_get_bytes      (OpSyncPlan        *plan);

G_END_DECLS
