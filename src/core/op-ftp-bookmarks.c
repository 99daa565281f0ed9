/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-core"

#include "config.h"

#include "op-ftp-bookmarks.h"

#define KEY_BOOKMARKS "bookmarks"
#define BOOKMARKS_TYPE "a(sss)"

void
op_ftp_bookmark_free (OpFtpBookmark *bookmark)
{
  if (bookmark == NULL)
    return;
  g_free (bookmark->name);
  g_free (bookmark->local_dir);
  g_free (bookmark->remote_dir);
  g_free (bookmark);
}

static char *
nonempty (const char *text)
{
  return text != NULL && text[0] != '\0' ? g_strdup (text) : NULL;
}

GPtrArray *
op_ftp_site_dup_bookmarks (OpAccount *site)
{
  GPtrArray *bookmarks = g_ptr_array_new_with_free_func ((GDestroyNotify) op_ftp_bookmark_free);
  const char *text;
  g_autoptr (GVariant) value = NULL;
  g_autoptr (GError) error = NULL;
  GVariantIter iter;
  const char *name, *local_dir, *remote_dir;

  g_return_val_if_fail (OP_IS_ACCOUNT (site), bookmarks);

  text = op_account_get_extra (site, KEY_BOOKMARKS);
  if (text == NULL || text[0] == '\0')
    return bookmarks;
  /* The file is the user's: a hand-edited value that does not parse is no bookmarks. */
  value = g_variant_parse (G_VARIANT_TYPE (BOOKMARKS_TYPE), text, NULL, NULL, &error);
  if (value == NULL)
    {
      g_message ("the bookmarks of “%s” could not be read: %s",
                 op_account_get_name (site), error->message);
      return bookmarks;
    }
  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "(&s&s&s)", &name, &local_dir, &remote_dir))
    {
      OpFtpBookmark *bookmark;

      if (name[0] == '\0')
        continue;
      bookmark = g_new0 (OpFtpBookmark, 1);
      bookmark->name = g_strdup (name);
      bookmark->local_dir = nonempty (local_dir);
      bookmark->remote_dir = nonempty (remote_dir);
      g_ptr_array_add (bookmarks, bookmark);
    }
  return bookmarks;
}

static void
store (OpAccount *site,
       GPtrArray *bookmarks)
{
  GVariantBuilder builder;
  g_autoptr (GVariant) value = NULL;
  g_autofree char *text = NULL;

  if (bookmarks->len == 0)
    {
      op_account_set_extra (site, KEY_BOOKMARKS, NULL);
      return;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE (BOOKMARKS_TYPE));
  for (guint i = 0; i < bookmarks->len; i++)
    {
      OpFtpBookmark *bookmark = g_ptr_array_index (bookmarks, i);

      g_variant_builder_add (&builder, "(sss)", bookmark->name,
                             bookmark->local_dir != NULL ? bookmark->local_dir : "",
                             bookmark->remote_dir != NULL ? bookmark->remote_dir : "");
    }
  value = g_variant_ref_sink (g_variant_builder_end (&builder));
  text = g_variant_print (value, FALSE);
  op_account_set_extra (site, KEY_BOOKMARKS, text);
}

static gint
find (GPtrArray  *bookmarks,
      const char *name)
{
  for (guint i = 0; i < bookmarks->len; i++)
    if (g_strcmp0 (((OpFtpBookmark *) g_ptr_array_index (bookmarks, i))->name, name) == 0)
      return (gint) i;
  return -1;
}

void
op_ftp_site_set_bookmark (OpAccount  *site,
                          const char *name,
                          const char *local_dir,
                          const char *remote_dir)
{
  g_autoptr (GPtrArray) bookmarks = NULL;
  OpFtpBookmark *bookmark = NULL;
  gint at;

  g_return_if_fail (OP_IS_ACCOUNT (site));
  g_return_if_fail (name != NULL && name[0] != '\0');

  bookmarks = op_ftp_site_dup_bookmarks (site);
  at = find (bookmarks, name);
  if (at >= 0)
    bookmark = g_ptr_array_index (bookmarks, at);
  else
    {
      bookmark = g_new0 (OpFtpBookmark, 1);
      bookmark->name = g_strdup (name);
      g_ptr_array_add (bookmarks, bookmark);
    }
  g_free (bookmark->local_dir);
  g_free (bookmark->remote_dir);
  bookmark->local_dir = nonempty (local_dir);
  bookmark->remote_dir = nonempty (remote_dir);
  store (site, bookmarks);
}

gboolean
op_ftp_site_remove_bookmark (OpAccount  *site,
                             const char *name)
{
  g_autoptr (GPtrArray) bookmarks = NULL;
  gint at;

  g_return_val_if_fail (OP_IS_ACCOUNT (site), FALSE);

  bookmarks = op_ftp_site_dup_bookmarks (site);
  at = find (bookmarks, name);
  if (at < 0)
    return FALSE;
  g_ptr_array_remove_index (bookmarks, at);
  store (site, bookmarks);
  return TRUE;
}

gboolean
op_ftp_site_bookmark_name_is_free (OpAccount  *site,
                                   const char *name,
                                   const char *new_name)
{
  g_autoptr (GPtrArray) bookmarks = NULL;

  g_return_val_if_fail (OP_IS_ACCOUNT (site), FALSE);

  if (new_name == NULL || new_name[0] == '\0')
    return FALSE;
  if (g_strcmp0 (name, new_name) == 0)
    return TRUE;
  bookmarks = op_ftp_site_dup_bookmarks (site);
  return find (bookmarks, new_name) < 0;
}

gboolean
op_ftp_site_rename_bookmark (OpAccount  *site,
                             const char *name,
                             const char *new_name)
{
  g_autoptr (GPtrArray) bookmarks = NULL;
  OpFtpBookmark *bookmark;
  gint at;

  g_return_val_if_fail (OP_IS_ACCOUNT (site), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!op_ftp_site_bookmark_name_is_free (site, name, new_name))
    return FALSE;
  bookmarks = op_ftp_site_dup_bookmarks (site);
  at = find (bookmarks, name);
  if (at < 0)
    return FALSE;
  bookmark = g_ptr_array_index (bookmarks, at);
  g_free (bookmark->name);
  bookmark->name = g_strdup (new_name);
  store (site, bookmarks);
  return TRUE;
}
