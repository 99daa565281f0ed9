/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <string.h>

#include "op-mail-folder.h"
#include "op-mail-private.h"

struct _OpMailFolder
{
  GObject           parent_instance;
  gint64            id;
  char             *name;
  const char       *display_name;  /* points into @name */
  char              delimiter;
  OpMailSpecialUse  special_use;
  gboolean          selectable;
  guint32           uidvalidity;
  guint32           uidnext;
  guint64           highestmodseq;
  guint             total;
  guint             unread;
  gboolean          complete;
};

G_DEFINE_FINAL_TYPE (OpMailFolder, op_mail_folder, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_DISPLAY_NAME,
  PROP_SPECIAL_USE,
  PROP_TOTAL,
  PROP_UNREAD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
op_mail_folder_finalize (GObject *object)
{
  OpMailFolder *self = OP_MAIL_FOLDER (object);

  g_free (self->name);
  G_OBJECT_CLASS (op_mail_folder_parent_class)->finalize (object);
}

static void
op_mail_folder_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  OpMailFolder *self = OP_MAIL_FOLDER (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    case PROP_SPECIAL_USE:
      g_value_set_enum (value, self->special_use);
      break;
    case PROP_TOTAL:
      g_value_set_uint (value, self->total);
      break;
    case PROP_UNREAD:
      g_value_set_uint (value, self->unread);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_mail_folder_class_init (OpMailFolderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = op_mail_folder_finalize;
  object_class->get_property = op_mail_folder_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_SPECIAL_USE] = g_param_spec_enum ("special-use", NULL, NULL,
                                                    OP_TYPE_MAIL_SPECIAL_USE,
                                                    OP_MAIL_SPECIAL_USE_NONE, flags);
  properties[PROP_TOTAL] = g_param_spec_uint ("total", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_UNREAD] = g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_mail_folder_init (OpMailFolder *self)
{
}

OpMailFolder *
_op_mail_folder_new_from_row (sqlite3_stmt *stmt)
{
  OpMailFolder *self = g_object_new (OP_TYPE_MAIL_FOLDER, NULL);
  const char *delimiter = _op_mail_column_text (stmt, 2);

  self->id = sqlite3_column_int64 (stmt, 0);
  self->name = g_strdup (_op_mail_column_text (stmt, 1));
  self->delimiter = delimiter[0];
  self->special_use = sqlite3_column_int (stmt, 3);
  self->selectable = sqlite3_column_int (stmt, 4) != 0;
  self->uidvalidity = (guint32) sqlite3_column_int64 (stmt, 5);
  self->uidnext = (guint32) sqlite3_column_int64 (stmt, 6);
  self->highestmodseq = (guint64) sqlite3_column_int64 (stmt, 7);
  self->total = sqlite3_column_int (stmt, 8);
  self->unread = sqlite3_column_int (stmt, 9);
  self->complete = sqlite3_column_int (stmt, 10) != 0;

  self->display_name = self->name;
  if (self->delimiter != '\0')
    {
      const char *last = strrchr (self->name, self->delimiter);
      if (last != NULL && last[1] != '\0')
        self->display_name = last + 1;
    }
  return self;
}

gboolean
_op_mail_folder_equal (OpMailFolder *a,
                       OpMailFolder *b)
{
  return a->id == b->id
    && g_strcmp0 (a->name, b->name) == 0
    && a->delimiter == b->delimiter
    && a->special_use == b->special_use
    && a->selectable == b->selectable
    && a->uidvalidity == b->uidvalidity
    && a->uidnext == b->uidnext
    && a->highestmodseq == b->highestmodseq
    && a->total == b->total
    && a->unread == b->unread
    && a->complete == b->complete;
}

gint64 op_mail_folder_get_id (OpMailFolder *self) { g_return_val_if_fail (OP_IS_MAIL_FOLDER (self), 0); return self->id; }
const char *op_mail_folder_get_name (OpMailFolder *self) { g_return_val_if_fail (OP_IS_MAIL_FOLDER (self), NULL); return self->name; }
const char *op_mail_folder_get_display_name (OpMailFolder *self) { g_return_val_if_fail (OP_IS_MAIL_FOLDER (self), NULL); return self->display_name; }
char op_mail_folder_get_delimiter (OpMailFolder *self) { g_return_val_if_fail (OP_IS_MAIL_FOLDER (self), 0); return self->delimiter; }
OpMailSpecialUse op_mail_folder_get_special_use (OpMailFolder *self) { g_return_val_if_fail (OP_IS_MAIL_FOLDER (self), 0); return self->special_use; }
gboolean op_mail_folder_get_selectable (OpMailFolder *self) { g_return_val_if_fail (OP_IS_MAIL_FOLDER (self), FALSE); return self->selectable; }
guint32 op_mail_folder_get_uidvalidity (OpMailFolder *self) { g_return_val_if_fail (OP_IS_MAIL_FOLDER (self), 0); return self->uidvalidity; }
guint32 op_mail_folder_get_uidnext (OpMailFolder *self) { g_return_val_if_fail (OP_IS_MAIL_FOLDER (self), 0); return self->uidnext; }
guint64 op_mail_folder_get_highestmodseq (OpMailFolder *self) { g_return_val_if_fail (OP_IS_MAIL_FOLDER (self), 0); return self->highestmodseq; }
guint op_mail_folder_get_total (OpMailFolder *self) { g_return_val_if_fail (OP_IS_MAIL_FOLDER (self), 0); return self->total; }
guint op_mail_folder_get_unread (OpMailFolder *self) { g_return_val_if_fail (OP_IS_MAIL_FOLDER (self), 0); return self->unread; }
gboolean op_mail_folder_get_complete (OpMailFolder *self) { g_return_val_if_fail (OP_IS_MAIL_FOLDER (self), FALSE); return self->complete; }
