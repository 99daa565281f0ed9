/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <string.h>

#include "op-mail-remote-senders.h"

struct _OpMailRemoteSenders
{
  GObject      parent_instance;
  GFile       *file;
  GHashTable  *addresses;       /* folded address → itself */
  gboolean     loaded;
};

G_DEFINE_FINAL_TYPE (OpMailRemoteSenders, op_mail_remote_senders, G_TYPE_OBJECT)

static void
op_mail_remote_senders_finalize (GObject *object)
{
  OpMailRemoteSenders *self = OP_MAIL_REMOTE_SENDERS (object);

  g_clear_object (&self->file);
  g_clear_pointer (&self->addresses, g_hash_table_unref);
  G_OBJECT_CLASS (op_mail_remote_senders_parent_class)->finalize (object);
}

static void
op_mail_remote_senders_class_init (OpMailRemoteSendersClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_mail_remote_senders_finalize;
}

static void
op_mail_remote_senders_init (OpMailRemoteSenders *self)
{
  self->addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

OpMailRemoteSenders *
op_mail_remote_senders_new (GFile *file)
{
  OpMailRemoteSenders *self;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  self = g_object_new (OP_TYPE_MAIL_REMOTE_SENDERS, NULL);
  self->file = g_object_ref (file);
  return self;
}

OpMailRemoteSenders *
op_mail_remote_senders_get_default (void)
{
  static OpMailRemoteSenders *instance;

  if (instance == NULL)
    {
      g_autofree char *path = g_build_filename (g_get_user_config_dir (), "outpost", "mail",
                                                "remote-content-senders", NULL);
      g_autoptr (GFile) file = g_file_new_for_path (path);

      instance = op_mail_remote_senders_new (file);
    }
  return instance;
}

static char *
fold (const char *address)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (address));

  return g_utf8_casefold (trimmed, -1);
}

static void
ensure_loaded (OpMailRemoteSenders *self)
{
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;

  if (self->loaded)
    return;
  self->loaded = TRUE;
  if (!g_file_load_contents (self->file, NULL, &contents, NULL, NULL, NULL))
    return;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *folded = fold (lines[i]);

      if (*folded != '\0' && strchr (folded, '@') != NULL)
        g_hash_table_add (self->addresses, folded);
      else
        g_free (folded);
    }
}

gboolean
op_mail_remote_senders_contains (OpMailRemoteSenders *self,
                                 const char          *address)
{
  g_autofree char *folded = NULL;

  g_return_val_if_fail (OP_IS_MAIL_REMOTE_SENDERS (self), FALSE);
  if (address == NULL || *address == '\0')
    return FALSE;
  ensure_loaded (self);
  folded = fold (address);
  return g_hash_table_contains (self->addresses, folded);
}

static void
saved (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  /* Kept in memory for this session; the next change writes the file again. */
  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_message ("Could not save the remote-content senders: %s", error->message);
}

void
op_mail_remote_senders_add (OpMailRemoteSenders *self,
                            const char          *address)
{
  g_autoptr (GFile) parent = NULL;
  g_autoptr (GList) sorted = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GBytes) bytes = NULL;
  char *folded;

  g_return_if_fail (OP_IS_MAIL_REMOTE_SENDERS (self));
  g_return_if_fail (address != NULL);

  ensure_loaded (self);
  folded = fold (address);
  if (*folded == '\0' || strchr (folded, '\n') != NULL || strchr (folded, '@') == NULL)
    {
      g_free (folded);
      return;
    }
  g_hash_table_add (self->addresses, folded);

  sorted = g_list_sort (g_hash_table_get_keys (self->addresses), (GCompareFunc) g_strcmp0);
  for (GList *l = sorted; l != NULL; l = l->next)
    g_string_append_printf (text, "%s\n", (const char *) l->data);
  bytes = g_string_free_to_bytes (g_steal_pointer (&text));
  parent = g_file_get_parent (self->file);
  g_file_make_directory_with_parents (parent, NULL, NULL);
  g_file_replace_contents_bytes_async (self->file, bytes, NULL, FALSE,
                                       G_FILE_CREATE_PRIVATE, NULL, saved, NULL);
}
