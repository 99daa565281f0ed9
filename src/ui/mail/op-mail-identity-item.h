/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-mime-message.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_IDENTITY_ITEM (op_mail_identity_item_get_type ())
G_DECLARE_FINAL_TYPE (OpMailIdentityItem, op_mail_identity_item, OP, MAIL_IDENTITY_ITEM, GObject)

/*
 * One identity of a mail account as the Mail view shows it: a name, an address and a
 * signature (plain text, without the "-- " line), plus the account it belongs to (an
 * opaque id the submitter understands). The store's accounts provide them; the
 * composer offers them as From and the message view names the one a message came to.
 */
OpMailIdentityItem *op_mail_identity_item_new             (const char     *account_id,
                                                           const char     *name,
                                                           const char     *address,
                                                           const char     *signature);
const char         *op_mail_identity_item_get_account_id  (OpMailIdentityItem *self);
const char         *op_mail_identity_item_get_name        (OpMailIdentityItem *self);
const char         *op_mail_identity_item_get_address     (OpMailIdentityItem *self);
/* (nullable) */
const char         *op_mail_identity_item_get_signature   (OpMailIdentityItem *self);
/* "Name <address>", or the address alone. (transfer full) */
char               *op_mail_identity_item_dup_display     (OpMailIdentityItem *self);

/* The first of @identities (OpMailIdentityItem) whose address @message was sent to (its To,
 * Cc or Bcc, in that order), or NULL; @position (nullable) gets its index. A reply goes
 * out from it, and the message view names it. (transfer full) */
OpMailIdentityItem *op_mail_identity_item_find_recipient  (GListModel    *identities,
                                                           OpMimeMessage *message,
                                                           guint         *position);

G_END_DECLS
