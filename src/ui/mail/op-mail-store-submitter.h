/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-mail-outbox.h"
#include "op-mail-store.h"
#include "op-mail-submitter.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_STORE_SUBMITTER (op_mail_store_submitter_get_type ())
G_DECLARE_FINAL_TYPE (OpMailStoreSubmitter, op_mail_store_submitter, OP, MAIL_STORE_SUBMITTER, GObject)

/*
 * The composer's OpMailSubmitter over the mail stores of the open accounts:
 *   - submit queues the message in the outbox of its account (op_mail_outbox_queue_async)
 *     and finishes once it is committed to disk; only then does SMTP start on it (a send
 *     of that outbox, whose outcome is the ::send-finished signal's);
 *   - save_draft stores the draft (with its Bcc) in the account's Drafts folder, locally
 *     at once and then on the server, replacing the draft the same composer saved
 *     before (the Message-ID it passes as @replaces).
 * An account not added (or removed since) fails with G_IO_ERROR_NOT_FOUND.
 * Main thread only.
 *
 * Signals: ::send-finished (account_id, error message or NULL) after each send it
 * started; the outbox's items say what became of each message.
 */
OpMailStoreSubmitter *op_mail_store_submitter_new            (void);
void                  op_mail_store_submitter_add_account    (OpMailStoreSubmitter *self,
                                                              const char           *account_id,
                                                              OpMailStore          *store,
                                                              OpMailOutbox         *outbox);
void                  op_mail_store_submitter_remove_account (OpMailStoreSubmitter *self,
                                                              const char           *account_id);
/* While FALSE (TRUE when added), submitted messages wait in the outbox, stored, and are
 * sent when it becomes TRUE: for an outbox whose server is not set yet. */
void                  op_mail_store_submitter_set_can_send   (OpMailStoreSubmitter *self,
                                                              const char           *account_id,
                                                              gboolean              can_send);
/* (transfer none) NULL when the account is not added. */
OpMailOutbox         *op_mail_store_submitter_get_outbox     (OpMailStoreSubmitter *self,
                                                              const char           *account_id);
/* Sends what waits in the account's outbox now (after a resend on purpose). */
void                  op_mail_store_submitter_send           (OpMailStoreSubmitter *self,
                                                              const char           *account_id);

G_END_DECLS
