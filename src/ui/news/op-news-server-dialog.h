/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "news/op-news-server.h"

G_BEGIN_DECLS

#define OP_TYPE_NEWS_SERVER_DIALOG (op_news_server_dialog_get_type ())
G_DECLARE_FINAL_TYPE (OpNewsServerDialog, op_news_server_dialog, OP, NEWS_SERVER_DIALOG, AdwWindow)

/*
 * "Add News Server": host, port, security and an optional login. Add tests the
 * connection first (with the trust prompt for a certificate the system does not trust);
 * only when the server answered is the account saved (the profile's accounts file), its
 * password given to OpSecrets and "server-added" emitted, then the dialog closes and is
 * destroyed. A failure says why in the dialog and saves nothing.
 */

/* @accounts_file (nullable): the accounts file to add to; NULL for the profile's. */
OpNewsServerDialog *
op_news_server_dialog_new (GtkWindow *parent, GFile *accounts_file);
/* For tests: the certificate check to use instead of the application's trust store. */
void
op_news_server_dialog_set_verifier (OpNewsServerDialog *self, OpTlsVerifier *verifier);

G_END_DECLS
