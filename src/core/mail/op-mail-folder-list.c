/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include "op-mail-folder-list.h"
#include "op-mail-private.h"

struct _OpMailFolderList
{
  GObject      parent_instance;
  OpMailStore *store;
  GPtrArray   *folders;   /* OpMailFolder */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OpMailFolderList, op_mail_folder_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return OP_TYPE_MAIL_FOLDER;
}

static guint
get_n_items (GListModel *model)
{
  return OP_MAIL_FOLDER_LIST (model)->folders->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  OpMailFolderList *self = OP_MAIL_FOLDER_LIST (model);

  if (position >= self->folders->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->folders, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static GArray *
ids_of (GPtrArray *folders)
{
  GArray *ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), folders->len);

  for (guint i = 0; i < folders->len; i++)
    {
      gint64 id = op_mail_folder_get_id (g_ptr_array_index (folders, i));
      g_array_append_val (ids, id);
    }
  return ids;
}

static void
reload (OpMailFolderList *self)
{
  g_autoptr(GPtrArray) fresh = op_mail_store_list_folders (self->store, NULL);
  g_autoptr(GArray) old_ids = NULL;
  g_autoptr(GArray) new_ids = NULL;
  g_autoptr(GArray) changes = NULL;

  if (fresh == NULL)
    return;

  old_ids = ids_of (self->folders);
  new_ids = ids_of (fresh);
  changes = _op_mail_order_diff (old_ids, new_ids);

  for (guint c = 0; c < changes->len; c++)
    {
      OpMailOrderChange *change = &g_array_index (changes, OpMailOrderChange, c);

      if (change->removed > 0)
        g_ptr_array_remove_range (self->folders, change->position, change->removed);
      for (guint k = 0; k < change->added; k++)
        g_ptr_array_insert (self->folders, change->position + k,
                            g_object_ref (g_ptr_array_index (fresh, change->position + k)));
      g_list_model_items_changed (G_LIST_MODEL (self), change->position, change->removed, change->added);
    }

  /* Same folders in the same places now: replace the ones whose snapshot changed. */
  g_assert (self->folders->len == fresh->len);
  for (guint i = 0; i < fresh->len; i++)
    {
      OpMailFolder *now = g_ptr_array_index (fresh, i);

      if (g_ptr_array_index (self->folders, i) == now
          || _op_mail_folder_equal (g_ptr_array_index (self->folders, i), now))
        continue;
      g_object_unref (g_ptr_array_index (self->folders, i));
      self->folders->pdata[i] = g_object_ref (now);
      g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 1);
    }
}

static void
op_mail_folder_list_dispose (GObject *object)
{
  OpMailFolderList *self = OP_MAIL_FOLDER_LIST (object);

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);
  g_clear_pointer (&self->folders, g_ptr_array_unref);
  G_OBJECT_CLASS (op_mail_folder_list_parent_class)->dispose (object);
}

static void
op_mail_folder_list_class_init (OpMailFolderListClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = op_mail_folder_list_dispose;
}

static void
op_mail_folder_list_init (OpMailFolderList *self)
{
  self->folders = g_ptr_array_new_with_free_func (g_object_unref);
}

OpMailFolderList *
op_mail_folder_list_new (OpMailStore *store)
{
  OpMailFolderList *self;

  g_return_val_if_fail (OP_IS_MAIL_STORE (store), NULL);

  self = g_object_new (OP_TYPE_MAIL_FOLDER_LIST, NULL);
  self->store = g_object_ref (store);
  g_signal_connect_swapped (store, "folders-changed", G_CALLBACK (reload), self);
  reload (self);
  return self;
}
