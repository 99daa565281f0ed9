/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-mime-message.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_IDENTITY (op_mail_identity_get_type ())
G_DECLARE_FINAL_TYPE (OpMailIdentity, op_mail_identity, OP, MAIL_IDENTITY, GObject)

/*
 * One identity of a mail account as the Mail view shows it: a name, an address and a
 * signature (plain text, without the "-- " line), plus the account it belongs to (an
 * opaque id the submitter understands). The store's accounts provide them; the
 * composer offers them as From and the message view names the one a message came to.
 */
OpMailIdentity *op_mail_identity_new           (const char     *account_id,
                                                const char     *name,
                                                const char     *address,
                                                const char     *signature);
const char     *op_mail_identity_get_account_id (OpMailIdentity *self);
const char     *op_mail_identity_get_name      (OpMailIdentity *self);
const char     *op_mail_identity_get_address   (OpMailIdentity *self);
/* (nullable) */
const char     *op_mail_identity_get_signature (OpMailIdentity *self);
/* "Name <address>", or the address alone. (transfer full) */
char           *op_mail_identity_dup_display   (OpMailIdentity *self);

/* The first of @identities (OpMailIdentity) whose address @message was sent to (its To,
 * Cc or Bcc, in that order), or NULL; @position (nullable) gets its index. A reply goes
 * out from it, and the message view names it. (transfer full) */
OpMailIdentity *op_mail_identity_find_recipient (GListModel    *identities,
                                                 OpMimeMessage *message,
                                                 guint         *position);

G_END_DECLS
