/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The profile (DESIGN.md "Identity"): $XDG_CONFIG_HOME/outpost for settings files
 * (accounts.ini, trust.ini), $XDG_DATA_HOME/outpost for databases and
 * $XDG_CACHE_HOME/outpost for what can be thrown away.
 *
 * Each getter returns the folder's path (transfer full) and tries to create it with mode
 * 0700: the profile holds account names and pinned certificates, which are nobody else's
 * business. The paths are not cached, so tests that isolate the XDG folders per test case
 * get the new ones.
 */
char     *op_profile_config_dir (void);
char     *op_profile_data_dir   (void);
char     *op_profile_cache_dir  (void);

gboolean  op_profile_ensure_dir (const char  *path,
                                 GError     **error);
gboolean  op_profile_write_private_file (const char  *path,
                                         const char  *data,
                                         gsize        length,
                                         GError     **error);

G_END_DECLS
