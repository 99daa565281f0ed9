/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include "op-mail-identity-item.h"

struct _OpMailIdentityItem
{
  GObject  parent_instance;
  char    *account_id;
  char    *name;
  char    *address;
  char    *signature;
};

enum
{
  PROP_0,
  PROP_DISPLAY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OpMailIdentityItem, op_mail_identity_item, G_TYPE_OBJECT)

static void
op_mail_identity_item_finalize (GObject *object)
{
  OpMailIdentityItem *self = OP_MAIL_IDENTITY_ITEM (object);

  g_free (self->account_id);
  g_free (self->name);
  g_free (self->address);
  g_free (self->signature);
  G_OBJECT_CLASS (op_mail_identity_item_parent_class)->finalize (object);
}

static void
op_mail_identity_item_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  OpMailIdentityItem *self = OP_MAIL_IDENTITY_ITEM (object);

  switch (prop_id)
    {
    case PROP_DISPLAY:
      g_value_take_string (value, op_mail_identity_item_dup_display (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_mail_identity_item_class_init (OpMailIdentityItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = op_mail_identity_item_finalize;
  object_class->get_property = op_mail_identity_item_get_property;
  /* For GtkDropDown's expression. */
  properties[PROP_DISPLAY] =
    g_param_spec_string ("display", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_mail_identity_item_init (OpMailIdentityItem *self)
{
}

OpMailIdentityItem *
op_mail_identity_item_new (const char *account_id,
                      const char *name,
                      const char *address,
                      const char *signature)
{
  OpMailIdentityItem *self;

  g_return_val_if_fail (address != NULL, NULL);

  self = g_object_new (OP_TYPE_MAIL_IDENTITY_ITEM, NULL);
  self->account_id = g_strdup (account_id != NULL ? account_id : "");
  self->name = g_strdup (name != NULL ? name : "");
  self->address = g_strdup (address);
  self->signature = g_strdup (signature != NULL && *signature != '\0' ? signature : NULL);
  return self;
}

const char *
op_mail_identity_item_get_account_id (OpMailIdentityItem *self)
{
  g_return_val_if_fail (OP_IS_MAIL_IDENTITY_ITEM (self), NULL);
  return self->account_id;
}

const char *
op_mail_identity_item_get_name (OpMailIdentityItem *self)
{
  g_return_val_if_fail (OP_IS_MAIL_IDENTITY_ITEM (self), NULL);
  return self->name;
}

const char *
op_mail_identity_item_get_address (OpMailIdentityItem *self)
{
  g_return_val_if_fail (OP_IS_MAIL_IDENTITY_ITEM (self), NULL);
  return self->address;
}

const char *
op_mail_identity_item_get_signature (OpMailIdentityItem *self)
{
  g_return_val_if_fail (OP_IS_MAIL_IDENTITY_ITEM (self), NULL);
  return self->signature;
}

char *
op_mail_identity_item_dup_display (OpMailIdentityItem *self)
{
  g_return_val_if_fail (OP_IS_MAIL_IDENTITY_ITEM (self), NULL);
  if (*self->name == '\0')
    return g_strdup (self->address);
  return g_strdup_printf ("%s <%s>", self->name, self->address);
}

OpMailIdentityItem *
op_mail_identity_item_find_recipient (GListModel    *identities,
                                 OpMimeMessage *message,
                                 guint         *position)
{
  GPtrArray *lists[3];
  guint n;

  g_return_val_if_fail (identities == NULL || G_IS_LIST_MODEL (identities), NULL);
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (message), NULL);

  if (identities == NULL)
    return NULL;
  lists[0] = op_mime_message_get_to (message);
  lists[1] = op_mime_message_get_cc (message);
  lists[2] = op_mime_message_get_bcc (message);
  n = g_list_model_get_n_items (identities);
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint a = 0; a < lists[l]->len; a++)
      for (guint i = 0; i < n; i++)
        {
          g_autoptr (OpMailIdentityItem) identity = g_list_model_get_item (identities, i);
          g_autoptr (OpMimeAddress) mine = op_mime_address_new (NULL, identity->address);

          if (op_mime_address_same_mailbox (mine, g_ptr_array_index (lists[l], a)))
            {
              if (position != NULL)
                *position = i;
              return g_steal_pointer (&identity);
            }
        }
  return NULL;
}
