/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"
#include "op-mail-store.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

/* Messages committed per transaction while downloading. */
#define OP_MAIL_POP3_BATCH 20
/* A message larger than this is not downloaded (OP_MIME_MAX_MESSAGE_SIZE). */
#define OP_MAIL_POP3_MAX_MESSAGE (256 * 1024 * 1024)

#define OP_TYPE_MAIL_POP3_SYNC (op_mail_pop3_sync_get_type ())
G_DECLARE_FINAL_TYPE (OpMailPop3Sync, op_mail_pop3_sync, OP, MAIL_POP3_SYNC, GObject)

/*
 * Downloads a POP3 mailbox into the store's Inbox (issue 12, "POP3"): messages are keyed
 * by UIDL, so each is downloaded once; they are committed (SQLite, synchronous=FULL:
 * fsync'ed) OP_MAIL_POP3_BATCH at a time. Leaving mail on the server is the default; with
 * op_mail_pop3_sync_set_leave_on_server (FALSE) every message already committed is
 * deleted (DELE, then QUIT), and with a number of days only those stored that long ago.
 * A message is never deleted on the server before its row is committed locally.
 *
 * ::new-mail (gint64 folder_id, gint64 message_id, const char *sender,
 *             const char *subject) — for every message downloaded after the first run.
 * Main thread only.
 */
OpMailPop3Sync *op_mail_pop3_sync_new                    (OpMailStore         *store,
                                                          const char          *host,
                                                          guint16              port,
                                                          OpSecurity           security,
                                                          const char          *user);
/* The same from a mail account (incoming POP3 server and its deletion policy). */
OpMailPop3Sync *op_mail_pop3_sync_new_for_account        (OpMailStore         *store,
                                                          OpAccount           *account);
void            op_mail_pop3_sync_set_password           (OpMailPop3Sync      *self,
                                                          const char          *password);
void            op_mail_pop3_sync_set_verifier           (OpMailPop3Sync      *self,
                                                          OpTlsVerifier       *verifier);
void            op_mail_pop3_sync_set_allow_plaintext_password (OpMailPop3Sync *self,
                                                          gboolean             allow);
void            op_mail_pop3_sync_set_leave_on_server    (OpMailPop3Sync      *self,
                                                          gboolean             leave);
/* With leave-on-server: delete a message @days after it was downloaded (0: never). */
void            op_mail_pop3_sync_set_delete_after_days  (OpMailPop3Sync      *self,
                                                          guint                days);

/* One session: download what is new, delete what the policy says, QUIT. @downloaded:
 * how many messages were stored. */
void            op_mail_pop3_sync_run_async              (OpMailPop3Sync      *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean        op_mail_pop3_sync_run_finish             (OpMailPop3Sync      *self,
                                                          GAsyncResult        *result,
                                                          guint               *downloaded,
                                                          guint               *deleted,
                                                          GError             **error);

G_END_DECLS
