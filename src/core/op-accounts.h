/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"

G_BEGIN_DECLS

#define OP_ACCOUNTS_ERROR (op_accounts_error_quark ())

/**
 * OpAccountsError:
 * @OP_ACCOUNTS_ERROR_NEWER_VERSION: the file was written by a newer Outpost, in a format
 *   this version does not know; it is left untouched.
 * @OP_ACCOUNTS_ERROR_INVALID: the file is not a valid accounts file (not a key file, or
 *   no usable version header); it is left untouched.
 * @OP_ACCOUNTS_ERROR_NOT_LOADED: saving was refused because loading failed: writing
 *   would destroy the accounts in the file.
 * @OP_ACCOUNTS_ERROR_IO: the file could not be read or written.
 */
typedef enum
{
  OP_ACCOUNTS_ERROR_NEWER_VERSION,
  OP_ACCOUNTS_ERROR_INVALID,
  OP_ACCOUNTS_ERROR_NOT_LOADED,
  OP_ACCOUNTS_ERROR_IO,
} OpAccountsError;

GQuark op_accounts_error_quark (void);

/* How long op_accounts_schedule_save() waits for more edits before it writes. */
#define OP_ACCOUNTS_SAVE_DELAY_MS 400

/* The accounts file format this version reads and writes ("[Outpost] version="). */
#define OP_ACCOUNTS_FORMAT_VERSION 1

#define OP_TYPE_ACCOUNTS (op_accounts_get_type ())
G_DECLARE_FINAL_TYPE (OpAccounts, op_accounts, OP, ACCOUNTS, GObject)

/*
 * The accounts and sites of the profile, as a GListModel of OpAccount, kept in a key file
 * ($XDG_CONFIG_HOME/outpost/accounts.ini):
 *
 *   [Outpost]
 *   version=1
 *
 *   [Account 0f8e…]
 *   id=0f8e…
 *   kind=ftp
 *   name=Mirror
 *   host=ftp.example.org
 *   port=21
 *   user=anna
 *   security=starttls
 *   allow-plaintext-password=false
 *   passive-address=peer        (extra keys, per protocol)
 *
 * Folders group accounts of one kind (the Files site manager's site folders), nested:
 *
 *   [Folder 5c1d…]
 *   id=5c1d…
 *   kind=ftp
 *   name=Clients
 *   parent=9e02…                (absent at the top level)
 *
 * and an account in a folder has the extra key folder=<the folder's id>. A file without
 * folders (every file written before them) loads with its accounts at the top level; an
 * older version keeps the groups and the key through its saves, as it keeps whatever it
 * does not understand. A folder is only a place: an account's id (and so its password)
 * never depends on it.
 *
 * It never holds a password (those live in OpSecrets). Groups and keys this version does
 * not understand survive a save. Saving is atomic and the file is readable by the user
 * only. Use from the main thread; the file is small. Interactive edits call
 * op_accounts_schedule_save(): one write a moment later, on a worker thread.
 */
OpAccounts *op_accounts_new          (GFile       *file);
OpAccounts *op_accounts_new_default  (void);
GFile      *op_accounts_get_file     (OpAccounts  *self);

gboolean    op_accounts_load         (OpAccounts  *self,
                                      GError     **error);
gboolean    op_accounts_save         (OpAccounts  *self,
                                      GError     **error);
void        op_accounts_schedule_save (OpAccounts *self);
gboolean    op_accounts_has_pending_save (OpAccounts *self);

void        op_accounts_add          (OpAccounts  *self,
                                      OpAccount   *account);
gboolean    op_accounts_remove       (OpAccounts  *self,
                                      const char  *id);
OpAccount  *op_accounts_lookup       (OpAccounts  *self,
                                      const char  *id);

const char *op_accounts_add_folder        (OpAccounts    *self,
                                           OpAccountKind  kind,
                                           const char    *parent_id,
                                           const char    *name);
GStrv       op_accounts_list_folders      (OpAccounts    *self,
                                           OpAccountKind  kind,
                                           const char    *parent_id);
const char *op_accounts_get_folder_name   (OpAccounts    *self,
                                           const char    *id);
const char *op_accounts_get_folder_parent (OpAccounts    *self,
                                           const char    *id);
gboolean    op_accounts_rename_folder     (OpAccounts    *self,
                                           const char    *id,
                                           const char    *name);
gboolean    op_accounts_move_folder       (OpAccounts    *self,
                                           const char    *id,
                                           const char    *parent_id);
gboolean    op_accounts_folder_is_empty   (OpAccounts    *self,
                                           const char    *id);
gboolean    op_accounts_remove_folder     (OpAccounts    *self,
                                           const char    *id);
const char *op_accounts_get_account_folder (OpAccounts   *self,
                                            OpAccount    *account);
gboolean    op_accounts_move_account      (OpAccounts    *self,
                                           OpAccount     *account,
                                           const char    *folder_id);

G_END_DECLS
