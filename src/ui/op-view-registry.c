/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui"

#include "config.h"

#include "op-view-registry.h"

/* Main thread only, like everything in the UI. */
static GPtrArray *views; /* const OpViewInfo *, in registration order */

void
op_view_registry_add (const OpViewInfo *info)
{
  g_return_if_fail (info != NULL);
  g_return_if_fail (info->name != NULL && info->title != NULL && info->create != NULL);
  g_return_if_fail (info->schemes == NULL || info->open_uri != NULL);
  g_return_if_fail (op_view_registry_lookup (info->name) == NULL);

  if (views == NULL)
    views = g_ptr_array_new ();
  g_ptr_array_add (views, (gpointer) info);
}

void
op_view_registry_ensure (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  _op_views_register ();
}

guint
op_view_registry_get_n_views (void)
{
  return views != NULL ? views->len : 0;
}

const OpViewInfo *
op_view_registry_get_view (guint position)
{
  g_return_val_if_fail (position < op_view_registry_get_n_views (), NULL);

  return g_ptr_array_index (views, position);
}

/**
 * op_view_registry_lookup:
 * @name: a view's name
 *
 * Returns: (nullable): the view called @name
 */
const OpViewInfo *
op_view_registry_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < op_view_registry_get_n_views (); i++)
    {
      const OpViewInfo *info = g_ptr_array_index (views, i);

      if (g_str_equal (info->name, name))
        return info;
    }

  return NULL;
}
