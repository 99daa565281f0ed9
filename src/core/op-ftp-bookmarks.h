/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-account.h"

G_BEGIN_DECLS

/*
 * A site's bookmarks: named pairs of a local and a remote folder, kept with the site in
 * the accounts file (the extra key "bookmarks", a GVariant a(sss) in text form), in the
 * order they were added. A name is unique within the site.
 */
typedef struct
{
  char *name;
  char *local_dir;    /* (nullable): the remote folder alone */
  char *remote_dir;   /* (nullable): the local folder alone */
} OpFtpBookmark;

void       op_ftp_bookmark_free          (OpFtpBookmark *bookmark);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpFtpBookmark, op_ftp_bookmark_free)

/* (transfer container) (element-type OpFtpBookmark): never NULL; a damaged value reads
 * as no bookmarks. */
GPtrArray *op_ftp_site_dup_bookmarks     (OpAccount  *site);
/* Adds the pair, or replaces the folders of the bookmark of that name. */
void       op_ftp_site_set_bookmark      (OpAccount  *site,
                                          const char *name,
                                          const char *local_dir,
                                          const char *remote_dir);
gboolean   op_ftp_site_remove_bookmark   (OpAccount  *site,
                                          const char *name);
/* Gives the bookmark @name the name @new_name, in its place; FALSE (nothing changed) when
 * there is no bookmark @name, @new_name is empty or another bookmark already has it. */
gboolean   op_ftp_site_rename_bookmark   (OpAccount  *site,
                                          const char *name,
                                          const char *new_name);
/* Whether @new_name can be given to the bookmark @name (NULL: to a new one). */
gboolean   op_ftp_site_bookmark_name_is_free (OpAccount  *site,
                                              const char *name,
                                              const char *new_name);

G_END_DECLS
