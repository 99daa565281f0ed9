/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "op-accounts.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_ACCOUNT_EDITOR (op_mail_account_editor_get_type ())
G_DECLARE_FINAL_TYPE (OpMailAccountEditor, op_mail_account_editor, OP, MAIL_ACCOUNT_EDITOR, AdwWindow)

/*
 * Preferences' editor of one mail account (issue 13, "Accounts are edited … in
 * Preferences"): its incoming and outgoing servers (host, port, security, username,
 * password), its identities (name, address, signature; added and removed) and whether
 * the outgoing server files a copy of what is sent itself. Save checks the fields,
 * changes the account in @accounts and saves the file (nothing changes when that
 * fails), stores a typed password in the keyring, then emits ::saved and closes.
 *
 * ::saved (OpAccount *account, gboolean servers_changed)
 */
OpMailAccountEditor *op_mail_account_editor_new (GtkWindow  *parent,
                                                 OpAccounts *accounts,
                                                 const char *account_id);

G_END_DECLS
