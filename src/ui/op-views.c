/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui"

#include "config.h"

#include "op-console-view.h"
#include "op-files-view.h"
#include "op-mail-view.h"
#include "op-news-view.h"
#include "op-view-registry.h"

/* The views, in the view switcher's order (DESIGN.md: Files, Mail, News, Console). A new
 * view adds its op_X_view_register() here and nowhere else in the shell. */
void
_op_views_register (void)
{
  op_files_view_register ();
  op_mail_view_register ();
  op_news_view_register ();
  op_console_view_register ();
}
