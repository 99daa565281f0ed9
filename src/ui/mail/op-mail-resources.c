/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <gtk/gtk.h>

#include "op-mail-gresource.h"
#include "op-mail-resources.h"

void
_op_mail_ensure_resources (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      GdkDisplay *display;

      op_mail_register_resource ();
      display = gdk_display_get_default ();
      if (display != NULL)
        {
          g_autoptr (GtkCssProvider) provider = gtk_css_provider_new ();

          gtk_css_provider_load_from_resource (provider, RESOURCE_BASE "mail/mail.css");
          gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                                      GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
        }
      g_once_init_leave (&done, 1);
    }
}
