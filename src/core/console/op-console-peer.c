/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-console"

#include "config.h"

#include "op-console-peer.h"

struct _OpConsolePeer
{
  GObject   parent_instance;

  char     *address;
  gboolean  connected;
};

enum
{
  PROP_0,
  PROP_ADDRESS,
  PROP_CONNECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OpConsolePeer, op_console_peer, G_TYPE_OBJECT)

static void
op_console_peer_finalize (GObject *object)
{
  g_free (OP_CONSOLE_PEER (object)->address);

  G_OBJECT_CLASS (op_console_peer_parent_class)->finalize (object);
}

static void
op_console_peer_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  OpConsolePeer *self = OP_CONSOLE_PEER (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_console_peer_class_init (OpConsolePeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = op_console_peer_finalize;
  object_class->get_property = op_console_peer_get_property;

  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_console_peer_init (OpConsolePeer *self)
{
}

OpConsolePeer *
_op_console_peer_new (const char *address)
{
  OpConsolePeer *self = g_object_new (OP_TYPE_CONSOLE_PEER, NULL);

  self->address = g_strdup (address);
  self->connected = TRUE;

  return self;
}

void
_op_console_peer_set_connected (OpConsolePeer *self,
                                gboolean       connected)
{
  if (self->connected == connected)
    return;

  self->connected = connected;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

const char *
op_console_peer_get_address (OpConsolePeer *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_PEER (self), NULL);

  return self->address;
}

gboolean
op_console_peer_get_connected (OpConsolePeer *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_PEER (self), FALSE);

  return self->connected;
}
