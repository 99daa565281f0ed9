/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "op-account.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_ACCOUNT_SETUP (op_mail_account_setup_get_type ())
G_DECLARE_FINAL_TYPE (OpMailAccountSetup, op_mail_account_setup, OP, MAIL_ACCOUNT_SETUP, AdwWindow)

/*
 * Adding a mail account (issue 13, "Accounts in the window"): a name, an address and a
 * password, then op_mail_autodetect_async() finds the servers and shows what it found
 * (servers, security, TLS and the certificate) before saving; or a manual page with
 * every field, whose servers are tested (op_mail_account_test_async()) before saving.
 * An error says what happened and what to do, and nothing is saved until every test
 * passed: there is never a half-made account. Certificates go through @verifier (the
 * application's trust store when NULL), which asks the user about one the system does
 * not trust.
 *
 * Built and presented in one turn, destroyed when closed (tests/ui/README.md).
 * Signals: ::account-added (OpAccount *account, const char *password) — saved in the
 * accounts file (and the password in the keyring when there is one); the window closes
 * right after.
 */
OpMailAccountSetup *op_mail_account_setup_new      (GtkWindow          *parent,
                                                    OpTlsVerifier      *verifier);
/* "start", "searching", "found" or "manual" (for tests). */
const char         *op_mail_account_setup_get_page (OpMailAccountSetup *self);

/* Shared with the account editor (Preferences): a port row ("" is the protocol's
 * default, 0; FALSE when it is not a port number) and a security row (TLS, STARTTLS,
 * None). */
gboolean            _op_mail_parse_port_row        (AdwEntryRow        *row,
                                                    guint16            *port);
OpSecurity          _op_mail_security_of_row       (AdwComboRow        *row);
void                _op_mail_set_security_row      (AdwComboRow        *row,
                                                    OpSecurity          security);

G_END_DECLS
