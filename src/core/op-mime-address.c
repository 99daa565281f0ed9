/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mime"

#include "config.h"

#include <string.h>

#include "op-mime-address.h"

G_DEFINE_BOXED_TYPE (OpMimeAddress, op_mime_address, op_mime_address_copy, op_mime_address_free)

OpMimeAddress *
op_mime_address_new (const char *name,
                     const char *address)
{
  OpMimeAddress *self = g_new0 (OpMimeAddress, 1);

  self->name = name != NULL && *name != '\0' ? g_strdup (name) : NULL;
  self->address = g_strdup (address != NULL ? address : "");
  return self;
}

OpMimeAddress *
op_mime_address_copy (const OpMimeAddress *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return op_mime_address_new (self->name, self->address);
}

void
op_mime_address_free (OpMimeAddress *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->address);
  g_free (self);
}

char *
op_mime_address_to_display (const OpMimeAddress *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->name == NULL)
    return g_strdup (self->address);
  if (*self->address == '\0')
    return g_strdup (self->name);
  return g_strdup_printf ("%s <%s>", self->name, self->address);
}

gboolean
op_mime_address_same_mailbox (const OpMimeAddress *a,
                              const OpMimeAddress *b)
{
  g_autofree char *fa = NULL;
  g_autofree char *fb = NULL;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  fa = g_utf8_casefold (a->address, -1);
  fb = g_utf8_casefold (b->address, -1);
  return *fa != '\0' && strcmp (fa, fb) == 0;
}

char *
op_mime_address_list_to_display (GPtrArray *addresses)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (addresses != NULL, NULL);

  for (guint i = 0; i < addresses->len; i++)
    {
      g_autofree char *one = op_mime_address_to_display (g_ptr_array_index (addresses, i));

      if (i > 0)
        g_string_append (out, ", ");
      g_string_append (out, one);
    }
  return g_string_free (out, FALSE);
}
