/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "op-file-pane.h"
#include "op-ftp-browser.h"

G_BEGIN_DECLS

#define OP_TYPE_FILES_VIEW (op_files_view_get_type ())
G_DECLARE_FINAL_TYPE (OpFilesView, op_files_view, OP, FILES_VIEW, GtkWidget)

/*
 * The Files view: a quick-connect row, a local and a remote pane side by side, and the
 * session's protocol log. Everything remote goes through an OpFtpBrowser (core), whose
 * session reconnects by itself on the next call after a dropped connection and whose
 * long operations run on pooled sessions; certificates go through the application's
 * trust store and its dialog. Commands are `files.` actions
 * with shortcuts, acting on the pane that last had the focus.
 */
GtkWidget     *op_files_view_new                (void);
void           op_files_view_register           (void);
OpFilePane    *op_files_view_get_local_pane     (OpFilesView  *self);
OpFilePane    *op_files_view_get_remote_pane    (OpFilesView  *self);
/* (nullable): the browser's current session, also after it failed (its log stays
 * shown); for tests. */
OpFtpClient   *op_files_view_get_client         (OpFilesView  *self);
void           op_files_view_set_local_folder   (OpFilesView  *self,
                                                 GFile        *folder);
/* Fills the quick-connect fields from an ftp:// or ftps:// URI and connects (or asks
 * for the password when the URI names a user but no password). */
gboolean       op_files_view_open_uri           (OpFilesView  *self,
                                                 const char   *uri,
                                                 GError      **error);

G_END_DECLS
