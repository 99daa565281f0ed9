/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "op-ftp-browser.h"

G_BEGIN_DECLS

#define OP_TYPE_REMOTE_DRAG_CONTENT (op_remote_drag_content_get_type ())
G_DECLARE_FINAL_TYPE (OpRemoteDragContent, op_remote_drag_content, OP, REMOTE_DRAG_CONTENT,
                      GdkContentProvider)

GdkContentProvider *op_remote_drag_content_new (OpFtpBrowser       *browser,
                                                const char * const *remote_paths);

G_END_DECLS
