/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui"

#include "config.h"

#include "op-ui-gresource.h"
#include "op-ui-resources.h"

void
_op_ui_ensure_resources (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      op_ui_register_resource ();
      g_once_init_leave (&registered, 1);
    }
}
