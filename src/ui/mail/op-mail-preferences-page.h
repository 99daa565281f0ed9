/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "op-mail-account-editor.h"
#include "op-mail-view.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_PREFERENCES_PAGE (op_mail_preferences_page_get_type ())
G_DECLARE_FINAL_TYPE (OpMailPreferencesPage, op_mail_preferences_page, OP, MAIL_PREFERENCES_PAGE, AdwPreferencesPage)

/*
 * Mail's page of Preferences (issue 13: "Accounts are edited and removed in
 * Preferences"): each mail account of the accounts file, its name edited in place, and
 * "Remove Account…", which asks first, then takes the account out of the file and off
 * the Mail page (@view, when it exists), deletes its local store and the passwords no
 * other account uses. The mail on the server stays. "Edit…" opens the account's editor
 * (servers, identities, signatures); what it saves reaches the Mail page at once.
 */
GtkWidget *op_mail_preferences_page_new            (OpMailView            *view);
/* What "Remove" in the confirmation does (tests call it as the dialog would). */
void       op_mail_preferences_page_remove_account (OpMailPreferencesPage *self,
                                                    const char            *account_id);
/* What "Edit…" does: the editor, presented over Preferences (NULL: no such account).
 * (transfer none) */
OpMailAccountEditor *op_mail_preferences_page_edit_account (OpMailPreferencesPage *self,
                                                            const char            *account_id);

G_END_DECLS
