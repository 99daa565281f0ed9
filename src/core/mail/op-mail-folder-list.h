/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-mail-store.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_FOLDER_LIST (op_mail_folder_list_get_type ())
G_DECLARE_FINAL_TYPE (OpMailFolderList, op_mail_folder_list, OP, MAIL_FOLDER_LIST, GObject)

/*
 * The folders of a store as a GListModel of OpMailFolder, in the order of
 * op_mail_store_list_folders(). Filled when made; on ::folders-changed it reads the
 * folders again and emits items-changed only for the folders that were added, removed
 * or changed (a changed folder is replaced by its new snapshot). Main thread only.
 */
OpMailFolderList *op_mail_folder_list_new (OpMailStore *store);

G_END_DECLS
