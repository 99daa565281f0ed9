/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "op-accounts.h"

G_BEGIN_DECLS

#define OP_TYPE_SITE_MANAGER (op_site_manager_get_type ())
G_DECLARE_FINAL_TYPE (OpSiteManager, op_site_manager, OP, SITE_MANAGER, AdwWindow)

/*
 * The site manager: the FTP sites of @accounts (add, edit, duplicate, remove) with every
 * field of a site; changes are saved when made. Passwords go to libsecret when the
 * password row is applied, and only for the "normal" logon ("ask" never stores one).
 * ::connect (OpAccount *site, const char *password) asks the Files view to connect to a
 * site; @password (nullable) is one typed in the form and not applied yet: use it, and
 * store it.
 */
OpSiteManager *op_site_manager_new (GtkWindow  *parent,
                                    OpAccounts *accounts);

G_END_DECLS
