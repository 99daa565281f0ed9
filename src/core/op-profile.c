/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-profile"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "op-profile.h"

/* DESIGN.md: the profile folders are named after the executable. */
#define OP_PROFILE_FOLDER "outpost"

/**
 * op_profile_ensure_dir:
 * @path: a folder
 * @error: return location for a translated error
 *
 * Creates @path and its parents with mode 0700 unless they exist.
 *
 * Returns: %TRUE if @path is a folder afterwards.
 */
gboolean
op_profile_ensure_dir (const char  *path,
                       GError     **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create the folder “%s”: %s"),
                   path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

static char *
profile_dir (const char *base)
{
  char *path = g_build_filename (base, OP_PROFILE_FOLDER, NULL);

  /* A failure here shows up, with its reason, when a store writes its file. */
  op_profile_ensure_dir (path, NULL);

  return path;
}

/**
 * op_profile_config_dir:
 *
 * Returns: (transfer full): `$XDG_CONFIG_HOME/outpost`
 */
char *
op_profile_config_dir (void)
{
  return profile_dir (g_get_user_config_dir ());
}

/**
 * op_profile_data_dir:
 *
 * Returns: (transfer full): `$XDG_DATA_HOME/outpost`
 */
char *
op_profile_data_dir (void)
{
  return profile_dir (g_get_user_data_dir ());
}

/**
 * op_profile_cache_dir:
 *
 * Returns: (transfer full): `$XDG_CACHE_HOME/outpost`
 */
char *
op_profile_cache_dir (void)
{
  return profile_dir (g_get_user_cache_dir ());
}

/**
 * op_profile_write_private_file:
 * @path: a file in the profile
 * @data: the new contents
 * @length: the length of @data
 * @error: return location for an error
 *
 * Replaces @path atomically and durably (a crash leaves the old or the new contents,
 * never a mix) with mode 0600, creating its folder with mode 0700 first: how every
 * profile file is written.
 *
 * Returns: %TRUE when @path holds @data
 */
gboolean
op_profile_write_private_file (const char  *path,
                               const char  *data,
                               gsize        length,
                               GError     **error)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  dir = g_path_get_dirname (path);

  return op_profile_ensure_dir (dir, error)
         && g_file_set_contents_full (path, data, (gssize) length,
                                      G_FILE_SET_CONTENTS_CONSISTENT
                                      | G_FILE_SET_CONTENTS_DURABLE,
                                      0600, error);
}
