/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-transfer"

#include "config.h"

#include <glib/gi18n.h>

#include "op-transfer-item-private.h"

G_DEFINE_ENUM_TYPE (OpTransferDirection, op_transfer_direction,
  G_DEFINE_ENUM_VALUE (OP_TRANSFER_DOWNLOAD, "download"),
  G_DEFINE_ENUM_VALUE (OP_TRANSFER_UPLOAD, "upload"))

G_DEFINE_ENUM_TYPE (OpTransferState, op_transfer_state,
  G_DEFINE_ENUM_VALUE (OP_TRANSFER_STATE_QUEUED, "queued"),
  G_DEFINE_ENUM_VALUE (OP_TRANSFER_STATE_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (OP_TRANSFER_STATE_ASKING, "asking"),
  G_DEFINE_ENUM_VALUE (OP_TRANSFER_STATE_PAUSED, "paused"),
  G_DEFINE_ENUM_VALUE (OP_TRANSFER_STATE_DONE, "done"),
  G_DEFINE_ENUM_VALUE (OP_TRANSFER_STATE_SKIPPED, "skipped"),
  G_DEFINE_ENUM_VALUE (OP_TRANSFER_STATE_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (OP_TRANSFER_STATE_CANCELLED, "cancelled"))

struct _OpTransferItem
{
  GObject              parent_instance;

  char                *id;
  OpTransferDirection  direction;
  gboolean             is_directory;
  char                *name;
  char                *local_path;
  char                *remote_path;
  OpAccount           *site;
  guint64              size;
  guint64              bytes_done;
  guint                files_done;
  guint                files_total;
  guint64              rate;
  gint64               eta;
  OpTransferState      state;
  GError              *error;
  OpOverwriteChoice    overwrite;
  gboolean             binary;
  gboolean             resume;
  OpTransferItem      *parent;
  OpFileFacts          source;       /* from the folder's listing; -1 when not known */
  guint                attempts;     /* automatic retries since the last manual start */
  gint64               retry_at;     /* monotonic µs; 0: not waiting */
};

enum
{
  PROP_0,
  PROP_ID,
  PROP_DIRECTION,
  PROP_IS_DIRECTORY,
  PROP_NAME,
  PROP_LOCAL_PATH,
  PROP_REMOTE_PATH,
  PROP_SITE,
  PROP_SIZE,
  PROP_BYTES_DONE,
  PROP_FRACTION,
  PROP_FILES_DONE,
  PROP_FILES_TOTAL,
  PROP_RATE,
  PROP_ETA,
  PROP_STATE,
  PROP_ERROR_MESSAGE,
  PROP_OVERWRITE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OpTransferItem, op_transfer_item, G_TYPE_OBJECT)

const char *
op_transfer_state_to_string (OpTransferState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (OP_TYPE_TRANSFER_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  return value != NULL ? value->value_nick : NULL;
}

/**
 * op_transfer_state_to_label:
 * @state: a state
 *
 * Returns: (transfer none): the state in words, translated
 */
const char *
op_transfer_state_to_label (OpTransferState state)
{
  switch (state)
    {
    case OP_TRANSFER_STATE_QUEUED:
      return C_("transfer state", "Queued");
    case OP_TRANSFER_STATE_RUNNING:
      return C_("transfer state", "Running");
    case OP_TRANSFER_STATE_ASKING:
      return C_("transfer state", "Waiting for a decision");
    case OP_TRANSFER_STATE_PAUSED:
      return C_("transfer state", "Paused");
    case OP_TRANSFER_STATE_DONE:
      return C_("transfer state", "Done");
    case OP_TRANSFER_STATE_SKIPPED:
      return C_("transfer state", "Skipped");
    case OP_TRANSFER_STATE_FAILED:
      return C_("transfer state", "Failed");
    case OP_TRANSFER_STATE_CANCELLED:
      return C_("transfer state", "Cancelled");
    default:
      g_return_val_if_reached (NULL);
    }
}

gboolean
op_transfer_state_is_finished (OpTransferState state)
{
  return state == OP_TRANSFER_STATE_DONE || state == OP_TRANSFER_STATE_SKIPPED ||
         state == OP_TRANSFER_STATE_FAILED || state == OP_TRANSFER_STATE_CANCELLED;
}

static void
op_transfer_item_finalize (GObject *object)
{
  OpTransferItem *self = OP_TRANSFER_ITEM (object);

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->local_path, g_free);
  g_clear_pointer (&self->remote_path, g_free);
  g_clear_object (&self->site);
  g_clear_object (&self->parent);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (op_transfer_item_parent_class)->finalize (object);
}

static void
op_transfer_item_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  OpTransferItem *self = OP_TRANSFER_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_DIRECTION:
      g_value_set_enum (value, self->direction);
      break;
    case PROP_IS_DIRECTORY:
      g_value_set_boolean (value, self->is_directory);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_LOCAL_PATH:
      g_value_set_string (value, self->local_path);
      break;
    case PROP_REMOTE_PATH:
      g_value_set_string (value, self->remote_path);
      break;
    case PROP_SITE:
      g_value_set_object (value, self->site);
      break;
    case PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;
    case PROP_BYTES_DONE:
      g_value_set_uint64 (value, self->bytes_done);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, op_transfer_item_get_fraction (self));
      break;
    case PROP_FILES_DONE:
      g_value_set_uint (value, self->files_done);
      break;
    case PROP_FILES_TOTAL:
      g_value_set_uint (value, self->files_total);
      break;
    case PROP_RATE:
      g_value_set_uint64 (value, self->rate);
      break;
    case PROP_ETA:
      g_value_set_int64 (value, self->eta);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, op_transfer_item_get_error_message (self));
      break;
    case PROP_OVERWRITE:
      g_value_set_enum (value, self->overwrite);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_transfer_item_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  OpTransferItem *self = OP_TRANSFER_ITEM (object);

  switch (prop_id)
    {
    case PROP_OVERWRITE:
      op_transfer_item_set_overwrite (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_transfer_item_class_init (OpTransferItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = op_transfer_item_finalize;
  object_class->get_property = op_transfer_item_get_property;
  object_class->set_property = op_transfer_item_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, ro);
  properties[PROP_DIRECTION] =
    g_param_spec_enum ("direction", NULL, NULL, OP_TYPE_TRANSFER_DIRECTION,
                       OP_TRANSFER_DOWNLOAD, ro);
  properties[PROP_IS_DIRECTORY] = g_param_spec_boolean ("is-directory", NULL, NULL,
                                                        FALSE, ro);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  properties[PROP_LOCAL_PATH] = g_param_spec_string ("local-path", NULL, NULL, NULL, ro);
  properties[PROP_REMOTE_PATH] = g_param_spec_string ("remote-path", NULL, NULL, NULL, ro);
  properties[PROP_SITE] = g_param_spec_object ("site", NULL, NULL, OP_TYPE_ACCOUNT, ro);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_BYTES_DONE] = g_param_spec_uint64 ("bytes-done", NULL, NULL,
                                                     0, G_MAXUINT64, 0, ro);
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0, ro);
  properties[PROP_FILES_DONE] = g_param_spec_uint ("files-done", NULL, NULL,
                                                   0, G_MAXUINT, 0, ro);
  properties[PROP_FILES_TOTAL] = g_param_spec_uint ("files-total", NULL, NULL,
                                                    0, G_MAXUINT, 0, ro);
  properties[PROP_RATE] = g_param_spec_uint64 ("rate", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_ETA] = g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, ro);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, OP_TYPE_TRANSFER_STATE,
                                              OP_TRANSFER_STATE_QUEUED, ro);
  properties[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL,
                                                        NULL, ro);
  properties[PROP_OVERWRITE] =
    g_param_spec_enum ("overwrite", NULL, NULL, OP_TYPE_OVERWRITE_CHOICE, OP_OVERWRITE_ASK,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_transfer_item_init (OpTransferItem *self)
{
  self->eta = -1;
  self->source = (OpFileFacts) { -1, -1 };
}

OpTransferItem *
_op_transfer_item_new (const char          *id,
                       OpTransferDirection  direction,
                       gboolean             is_directory,
                       OpAccount           *site,
                       const char          *local_path,
                       const char          *remote_path,
                       guint64              size)
{
  OpTransferItem *self = g_object_new (OP_TYPE_TRANSFER_ITEM, NULL);

  self->id = id != NULL ? g_strdup (id) : g_uuid_string_random ();
  self->direction = direction;
  self->is_directory = !!is_directory;
  self->site = g_object_ref (site);
  self->local_path = g_strdup (local_path);
  self->remote_path = g_strdup (remote_path);
  self->size = size;
  /* The source's name: the remote one for a download, the local one for an upload. */
  self->name = g_path_get_basename (direction == OP_TRANSFER_DOWNLOAD ? remote_path
                                                                      : local_path);
  return self;
}

#define NOTIFY(self, prop) g_object_notify_by_pspec (G_OBJECT (self), properties[prop])

void
_op_transfer_item_set_state (OpTransferItem  *self,
                             OpTransferState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  NOTIFY (self, PROP_STATE);
  NOTIFY (self, PROP_FRACTION);
}

/**
 * op_transfer_item_get_parent:
 * @self: an item
 *
 * Returns: (transfer none) (nullable): the folder transfer that listed this file
 */
OpTransferItem *
op_transfer_item_get_parent (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), NULL);
  return self->parent;
}

void
_op_transfer_item_set_parent (OpTransferItem *self,
                              OpTransferItem *parent)
{
  g_set_object (&self->parent, parent);
}

const OpFileFacts *
_op_transfer_item_get_source_facts (OpTransferItem *self)
{
  return self->source.size >= 0 || self->source.mtime >= 0 ? &self->source : NULL;
}

void
_op_transfer_item_set_source_facts (OpTransferItem    *self,
                                    const OpFileFacts *facts)
{
  if (facts != NULL)
    self->source = *facts;
  else
    self->source = (OpFileFacts) { -1, -1 };
}

guint
_op_transfer_item_get_attempts (OpTransferItem *self)
{
  return self->attempts;
}

gint64
_op_transfer_item_get_retry_at (OpTransferItem *self)
{
  return self->retry_at;
}

void
_op_transfer_item_set_retry (OpTransferItem *self,
                             guint           attempts,
                             gint64          retry_at)
{
  self->attempts = attempts;
  self->retry_at = retry_at;
}

gboolean
_op_transfer_item_get_resume (OpTransferItem *self)
{
  return self->resume;
}

void
_op_transfer_item_set_resume (OpTransferItem *self,
                              gboolean        resume)
{
  self->resume = resume;
}

void
_op_transfer_item_set_error (OpTransferItem *self,
                             const GError   *error)
{
  if (self->error == NULL && error == NULL)
    return;
  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  NOTIFY (self, PROP_ERROR_MESSAGE);
}

void
_op_transfer_item_set_local_path (OpTransferItem *self,
                                  const char     *path)
{
  if (g_strcmp0 (self->local_path, path) == 0)
    return;
  g_free (self->local_path);
  self->local_path = g_strdup (path);
  NOTIFY (self, PROP_LOCAL_PATH);
}

void
_op_transfer_item_set_remote_path (OpTransferItem *self,
                                   const char     *path)
{
  if (g_strcmp0 (self->remote_path, path) == 0)
    return;
  g_free (self->remote_path);
  self->remote_path = g_strdup (path);
  NOTIFY (self, PROP_REMOTE_PATH);
}

void
_op_transfer_item_set_size (OpTransferItem *self,
                            guint64         size)
{
  if (self->size == size)
    return;
  self->size = size;
  NOTIFY (self, PROP_SIZE);
  NOTIFY (self, PROP_FRACTION);
}

void
_op_transfer_item_set_progress (OpTransferItem *self,
                                guint64         bytes_done,
                                guint64         bytes_total,
                                guint64         rate,
                                guint           files_done,
                                guint           files_total)
{
  gint64 eta = -1;

  g_object_freeze_notify (G_OBJECT (self));

  if (bytes_total != 0)
    _op_transfer_item_set_size (self, bytes_total);
  if (self->bytes_done != bytes_done)
    {
      self->bytes_done = bytes_done;
      NOTIFY (self, PROP_BYTES_DONE);
      NOTIFY (self, PROP_FRACTION);
    }
  if (self->files_done != files_done)
    {
      self->files_done = files_done;
      NOTIFY (self, PROP_FILES_DONE);
    }
  if (self->files_total != files_total)
    {
      self->files_total = files_total;
      NOTIFY (self, PROP_FILES_TOTAL);
    }
  if (self->rate != rate)
    {
      self->rate = rate;
      NOTIFY (self, PROP_RATE);
    }

  if (rate > 0 && self->size > 0)
    eta = self->size > bytes_done ? (gint64) ((self->size - bytes_done + rate - 1) / rate) : 0;
  if (self->eta != eta)
    {
      self->eta = eta;
      NOTIFY (self, PROP_ETA);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

void
_op_transfer_item_stop_meter (OpTransferItem *self)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->rate != 0)
    {
      self->rate = 0;
      NOTIFY (self, PROP_RATE);
    }
  if (self->eta != -1)
    {
      self->eta = -1;
      NOTIFY (self, PROP_ETA);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
op_transfer_item_get_id (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), NULL);
  return self->id;
}

OpTransferDirection
op_transfer_item_get_direction (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), OP_TRANSFER_DOWNLOAD);
  return self->direction;
}

gboolean
op_transfer_item_get_is_directory (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), FALSE);
  return self->is_directory;
}

const char *
op_transfer_item_get_name (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), NULL);
  return self->name;
}

const char *
op_transfer_item_get_local_path (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), NULL);
  return self->local_path;
}

const char *
op_transfer_item_get_remote_path (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), NULL);
  return self->remote_path;
}

/**
 * op_transfer_item_get_site:
 * @self: an item
 *
 * Returns: (transfer none): the site
 */
OpAccount *
op_transfer_item_get_site (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), NULL);
  return self->site;
}

guint64
op_transfer_item_get_size (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), 0);
  return self->size;
}

guint64
op_transfer_item_get_bytes_done (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), 0);
  return self->bytes_done;
}

double
op_transfer_item_get_fraction (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), 0);

  if (self->size == 0)
    return self->state == OP_TRANSFER_STATE_DONE ? 1.0 : 0.0;
  return CLAMP ((double) self->bytes_done / (double) self->size, 0.0, 1.0);
}

guint
op_transfer_item_get_files_done (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), 0);
  return self->files_done;
}

guint
op_transfer_item_get_files_total (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), 0);
  return self->files_total;
}

guint64
op_transfer_item_get_rate (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), 0);
  return self->rate;
}

gint64
op_transfer_item_get_eta (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), -1);
  return self->eta;
}

OpTransferState
op_transfer_item_get_state (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), OP_TRANSFER_STATE_QUEUED);
  return self->state;
}

/**
 * op_transfer_item_get_error_message:
 * @self: an item
 *
 * Returns: (nullable): why the item failed
 */
const char *
op_transfer_item_get_error_message (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), NULL);
  return self->error != NULL ? self->error->message : NULL;
}

/**
 * op_transfer_item_get_error:
 * @self: an item
 *
 * Returns: (nullable) (transfer none): why the item failed
 */
const GError *
op_transfer_item_get_error (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), NULL);
  return self->error;
}

OpOverwriteChoice
op_transfer_item_get_overwrite (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), OP_OVERWRITE_ASK);
  return self->overwrite;
}

void
op_transfer_item_set_overwrite (OpTransferItem    *self,
                                OpOverwriteChoice  choice)
{
  g_return_if_fail (OP_IS_TRANSFER_ITEM (self));

  if (self->overwrite == choice)
    return;
  self->overwrite = choice;
  NOTIFY (self, PROP_OVERWRITE);
}

gboolean
op_transfer_item_get_binary (OpTransferItem *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (self), FALSE);

  for (OpTransferItem *item = self; item != NULL; item = item->parent)
    if (item->binary)
      return TRUE;
  return FALSE;
}

void
op_transfer_item_set_binary (OpTransferItem *self,
                             gboolean        binary)
{
  g_return_if_fail (OP_IS_TRANSFER_ITEM (self));
  self->binary = binary;
}
