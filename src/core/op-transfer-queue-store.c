/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-transfer"

/* The transfer queue's state file: debounced background saves and loading at start-up. */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-ftp-site.h"
#include "op-profile.h"
#include "op-transfer-item-private.h"
#include "op-transfer-queue-private.h"

#define STATE_GROUP_HEADER "Outpost"
#define STATE_VERSION      1
#define STATE_GROUP_PREFIX "Transfer "
/* Saving waits this long for more changes, so a batch of 1,000 items is one write. */
#define SAVE_DELAY_MS      500
/* A state file this large is not ours: refuse it rather than read it into memory. */
#define STATE_FILE_MAX     (16 * 1024 * 1024)

static const char *
enum_nick (GType type,
           int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *found = g_enum_get_value (klass, value);

  return found != NULL ? found->value_nick : NULL;
}

static gboolean
enum_value (GType       type,
            const char *nick,
            int        *value)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *found;

  if (nick == NULL)
    return FALSE;
  klass = g_type_class_ref (type);
  found = g_enum_get_value_by_nick (klass, nick);
  if (found == NULL)
    return FALSE;
  *value = found->value;
  return TRUE;
}

/* The site keys saved with each item: what connecting needs, never a password. */
static const char * const site_extra_keys[] = {
  "logon-type", "charset", "data-mode", "transfer-type", "max-connections", NULL
};

static char *
serialize (OpTransferQueue *self,
           gsize           *length)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();

  g_key_file_set_integer (key_file, STATE_GROUP_HEADER, "version", STATE_VERSION);
  for (guint i = 0; i < self->items->len; i++)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i);
      OpAccount *site = op_transfer_item_get_site (item);
      g_autofree char *group = NULL;

      if (op_transfer_state_is_finished (op_transfer_item_get_state (item)))
        continue;

      group = g_strconcat (STATE_GROUP_PREFIX, op_transfer_item_get_id (item), NULL);
      g_key_file_set_string (key_file, group, "direction",
                             enum_nick (OP_TYPE_TRANSFER_DIRECTION,
                                        op_transfer_item_get_direction (item)));
      g_key_file_set_boolean (key_file, group, "directory",
                              op_transfer_item_get_is_directory (item));
      g_key_file_set_string (key_file, group, "local-path",
                             op_transfer_item_get_local_path (item));
      g_key_file_set_string (key_file, group, "remote-path",
                             op_transfer_item_get_remote_path (item));
      g_key_file_set_uint64 (key_file, group, "size", op_transfer_item_get_size (item));
      g_key_file_set_uint64 (key_file, group, "bytes-done",
                             op_transfer_item_get_bytes_done (item));
      g_key_file_set_string (key_file, group, "overwrite",
                             op_overwrite_choice_to_string (op_transfer_item_get_overwrite (item)));
      g_key_file_set_boolean (key_file, group, "resume", _op_transfer_item_get_resume (item));
      if (op_transfer_item_get_binary (item))
        g_key_file_set_boolean (key_file, group, "binary", TRUE);
      if (op_transfer_item_get_parent (item) != NULL)
        g_key_file_set_string (key_file, group, "parent",
                               op_transfer_item_get_id (op_transfer_item_get_parent (item)));

      g_key_file_set_string (key_file, group, "site-id", op_account_get_id (site));
      if (op_account_get_name (site) != NULL)
        g_key_file_set_string (key_file, group, "site-name", op_account_get_name (site));
      g_key_file_set_string (key_file, group, "host", op_account_get_host (site));
      g_key_file_set_integer (key_file, group, "port", op_account_get_port (site));
      if (op_account_get_user (site) != NULL)
        g_key_file_set_string (key_file, group, "user", op_account_get_user (site));
      g_key_file_set_string (key_file, group, "security",
                             op_security_to_string (op_account_get_security (site)));
      g_key_file_set_boolean (key_file, group, "allow-plaintext-password",
                              op_account_get_allow_plaintext_password (site));
      for (guint k = 0; site_extra_keys[k] != NULL; k++)
        {
          const char *value = op_account_get_extra (site, site_extra_keys[k]);

          if (value != NULL)
            g_key_file_set_string (key_file, group, site_extra_keys[k], value);
        }
    }
  return g_key_file_to_data (key_file, length, NULL);
}

typedef struct
{
  char    *path;
  char    *data;
  gsize    length;
  guint64  generation;
} SaveData;

/* Writes one snapshot unless a newer one is on disk already: a background write that
 * finishes after op_transfer_queue_save() must not put older contents back. */
static gboolean
write_snapshot (OpTransferQueue  *self,
                const char       *path,
                const char       *data,
                gsize             length,
                guint64           generation,
                GError          **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->write_lock);

  if (generation <= self->written_generation)
    return TRUE;
  if (!op_profile_write_private_file (path, data, length, error))
    return FALSE;
  self->written_generation = generation;
  return TRUE;
}

static void
save_data_free (SaveData *data)
{
  g_free (data->path);
  g_free (data->data);
  g_free (data);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *data = task_data;
  GError *error = NULL;

  if (write_snapshot (source_object, data->path, data->data, data->length, data->generation,
                      &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
save_thread_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  OpTransferQueue *self = OP_TRANSFER_QUEUE (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("Could not save the transfer queue: %s", error->message);
  self->saving = FALSE;
  if (self->save_again)
    {
      self->save_again = FALSE;
      _op_transfer_queue_schedule_save (self);
    }
}

static gboolean
save_timeout (gpointer user_data)
{
  OpTransferQueue *self = user_data;
  g_autoptr(GTask) task = NULL;
  SaveData *data;

  self->save_id = 0;
  if (self->saving)
    {
      /* One write at a time, in order: the next starts when this one is done. */
      self->save_again = TRUE;
      return G_SOURCE_REMOVE;
    }

  data = g_new0 (SaveData, 1);
  data->path = g_file_get_path (self->state_file);
  data->data = serialize (self, &data->length);
  data->generation = ++self->generation;
  self->saving = TRUE;
  task = g_task_new (self, NULL, save_thread_done, NULL);
  g_task_set_source_tag (task, save_timeout);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  g_task_run_in_thread (task, save_thread);
  return G_SOURCE_REMOVE;
}

void
_op_transfer_queue_schedule_save (OpTransferQueue *self)
{
  if (self->state_file == NULL || self->save_id != 0)
    return;
  self->save_id = g_timeout_add (SAVE_DELAY_MS, save_timeout, self);
}

gboolean
op_transfer_queue_save (OpTransferQueue  *self,
                        GError          **error)
{
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);

  if (self->state_file == NULL)
    return TRUE;
  g_clear_handle_id (&self->save_id, g_source_remove);
  path = g_file_get_path (self->state_file);
  data = serialize (self, &length);
  return write_snapshot (self, path, data, length, ++self->generation, error);
}

static OpAccount *
load_site (GKeyFile   *key_file,
           const char *group,
           OpAccounts *accounts)
{
  g_autofree char *site_id = g_key_file_get_string (key_file, group, "site-id", NULL);
  g_autofree char *host = g_key_file_get_string (key_file, group, "host", NULL);
  g_autofree char *name = g_key_file_get_string (key_file, group, "site-name", NULL);
  g_autofree char *user = g_key_file_get_string (key_file, group, "user", NULL);
  g_autofree char *security_name = g_key_file_get_string (key_file, group, "security", NULL);
  g_autoptr(OpAccount) site = NULL;
  g_autoptr(GError) error = NULL;
  OpSecurity security;
  gint64 port;

  if (accounts != NULL && site_id != NULL)
    {
      OpAccount *known = op_accounts_lookup (accounts, site_id);

      if (known != NULL && op_ftp_site_is_site (known))
        return g_object_ref (known);
    }

  port = g_key_file_get_int64 (key_file, group, "port", &error);
  if (host == NULL || host[0] == '\0' || error != NULL || port < 0 || port > G_MAXUINT16 ||
      !op_security_from_string (security_name, &security))
    return NULL;

  site = op_ftp_site_new ();
  op_account_set_name (site, name != NULL ? name : host);
  op_account_set_host (site, host);
  op_account_set_port (site, (guint16) port);
  op_account_set_user (site, user);
  op_account_set_security (site, security);
  op_account_set_allow_plaintext_password (site,
    g_key_file_get_boolean (key_file, group, "allow-plaintext-password", NULL));
  for (guint k = 0; site_extra_keys[k] != NULL; k++)
    {
      g_autofree char *value = g_key_file_get_string (key_file, group, site_extra_keys[k],
                                                      NULL);

      if (value != NULL)
        op_account_set_extra (site, site_extra_keys[k], value);
    }
  return g_steal_pointer (&site);
}

gboolean
op_transfer_queue_load (OpTransferQueue  *self,
                        OpAccounts       *accounts,
                        GError          **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) groups = NULL;
  gsize length;
  guint first;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  g_return_val_if_fail (accounts == NULL || OP_IS_ACCOUNTS (accounts), FALSE);

  if (self->state_file == NULL)
    return TRUE;
  path = g_file_get_path (self->state_file);
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The saved transfer queue could not be read: %s"), local_error->message);
      return FALSE;
    }
  if (length > STATE_FILE_MAX ||
      !g_key_file_load_from_data (key_file, contents, length, G_KEY_FILE_NONE, &local_error) ||
      g_key_file_get_integer (key_file, STATE_GROUP_HEADER, "version", NULL) != STATE_VERSION)
    {
      g_set_error (error, OP_TRANSFER_QUEUE_ERROR, OP_TRANSFER_QUEUE_ERROR_INVALID_FILE,
                   _("The saved transfer queue “%s” is not valid and was left alone."), path);
      return FALSE;
    }

  first = self->items->len;
  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *id;
      g_autofree char *direction_name = NULL;
      g_autofree char *local_path = NULL;
      g_autofree char *remote_path = NULL;
      g_autofree char *overwrite_name = NULL;
      g_autoptr(OpAccount) site = NULL;
      OpTransferItem *item;
      OpOverwriteChoice overwrite = OP_OVERWRITE_ASK;
      int direction;
      gboolean duplicate = FALSE;

      if (!g_str_has_prefix (groups[i], STATE_GROUP_PREFIX))
        continue;
      id = groups[i] + strlen (STATE_GROUP_PREFIX);
      direction_name = g_key_file_get_string (key_file, groups[i], "direction", NULL);
      local_path = g_key_file_get_string (key_file, groups[i], "local-path", NULL);
      remote_path = g_key_file_get_string (key_file, groups[i], "remote-path", NULL);
      overwrite_name = g_key_file_get_string (key_file, groups[i], "overwrite", NULL);
      site = load_site (key_file, groups[i], accounts);

      /* An entry this version cannot use is dropped, not guessed at. */
      if (id[0] == '\0' || site == NULL ||
          !enum_value (OP_TYPE_TRANSFER_DIRECTION, direction_name, &direction) ||
          local_path == NULL || !g_path_is_absolute (local_path) ||
          remote_path == NULL || remote_path[0] == '\0')
        continue;
      for (guint j = 0; j < self->items->len && !duplicate; j++)
        duplicate = g_strcmp0 (op_transfer_item_get_id (g_ptr_array_index (self->items, j)),
                               id) == 0;
      if (duplicate)
        continue;
      op_overwrite_choice_from_string (overwrite_name, &overwrite);

      item = _op_transfer_item_new (id, direction,
                                    g_key_file_get_boolean (key_file, groups[i], "directory",
                                                            NULL),
                                    site, local_path, remote_path,
                                    g_key_file_get_uint64 (key_file, groups[i], "size", NULL));
      op_transfer_item_set_overwrite (item, overwrite);
      op_transfer_item_set_binary (item, g_key_file_get_boolean (key_file, groups[i], "binary",
                                                                 NULL));
      _op_transfer_item_set_resume (item, g_key_file_get_boolean (key_file, groups[i],
                                                                  "resume", NULL));
      _op_transfer_item_set_progress (item,
                                      g_key_file_get_uint64 (key_file, groups[i],
                                                             "bytes-done", NULL),
                                      0, 0, 0, 0);
      _op_transfer_item_set_state (item, OP_TRANSFER_STATE_PAUSED);
      g_ptr_array_add (self->items, item);
    }

  /* A folder transfer's files find their folder again (saved before or after it). */
  for (guint i = first; i < self->items->len; i++)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i);
      g_autofree char *group = g_strconcat (STATE_GROUP_PREFIX, op_transfer_item_get_id (item),
                                            NULL);
      g_autofree char *parent_id = g_key_file_get_string (key_file, group, "parent", NULL);

      for (guint j = first; parent_id != NULL && j < self->items->len; j++)
        {
          OpTransferItem *folder = g_ptr_array_index (self->items, j);

          if (op_transfer_item_get_is_directory (folder) &&
              strcmp (op_transfer_item_get_id (folder), parent_id) == 0)
            {
              _op_transfer_item_set_parent (item, folder);
              break;
            }
        }
    }

  if (self->items->len > first)
    g_list_model_items_changed (G_LIST_MODEL (self), first, 0, self->items->len - first);
  _op_transfer_queue_update_counts (self);
  return TRUE;
}

