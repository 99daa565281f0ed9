/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"
#include "op-mail-imap-sync.h"
#include "op-mail-store.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

/**
 * OpMailOutboxState:
 * @OP_MAIL_OUTBOX_QUEUED: waiting to be sent (again, after @next_attempt)
 * @OP_MAIL_OUTBOX_SENDING: being sent now
 * @OP_MAIL_OUTBOX_SENT: the server accepted it; kept while the copy for Sent is not
 *   stored yet, or while some recipients' refusals are there to be read
 * @OP_MAIL_OUTBOX_FAILED: the server refused it for good (the error says why); it is
 *   kept until removed or sent again on purpose
 * @OP_MAIL_OUTBOX_MAY_HAVE_BEEN_SENT: Outpost stopped (or the connection broke) after
 *   the message may have reached the server: it is never sent again unless the user
 *   says so (op_mail_outbox_resend())
 *
 * Stored as these numbers.
 */
typedef enum
{
  OP_MAIL_OUTBOX_QUEUED            = 0,
  OP_MAIL_OUTBOX_SENDING           = 1,
  OP_MAIL_OUTBOX_SENT              = 2,
  OP_MAIL_OUTBOX_FAILED            = 3,
  OP_MAIL_OUTBOX_MAY_HAVE_BEEN_SENT = 4,
} OpMailOutboxState;

/**
 * OpMailRefusal:
 * One recipient the SMTP server refused: its address, reply code and words.
 */
typedef struct
{
  char  *recipient;
  guint  code;
  char  *reason;
} OpMailRefusal;

/**
 * OpMailOutboxItem:
 * One message of the outbox, as read (a snapshot for the view).
 */
typedef struct
{
  gint64             id;
  OpMailOutboxState  state;
  char              *sender;
  GStrv              recipients;
  char              *subject;
  guint              attempts;
  gint64             next_attempt;  /* seconds since the epoch; 0: at once */
  char              *last_error;    /* "" when none */
  gint64             created;
  GPtrArray         *refusals;      /* (element-type OpMailRefusal) */
} OpMailOutboxItem;

void op_mail_outbox_item_free (OpMailOutboxItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpMailOutboxItem, op_mail_outbox_item_free)

/* Back-off between attempts after a transient failure: 1, 2, 4 … minutes, at most an
 * hour. */
#define OP_MAIL_OUTBOX_FIRST_RETRY   60
#define OP_MAIL_OUTBOX_MAX_RETRY     3600

#define OP_TYPE_MAIL_OUTBOX (op_mail_outbox_get_type ())
G_DECLARE_FINAL_TYPE (OpMailOutbox, op_mail_outbox, OP, MAIL_OUTBOX, GObject)

/*
 * The outbox of one account, in its store (DESIGN.md "Storage and no data loss"):
 *   - op_mail_outbox_queue_async() returns once the message is committed to disk; only
 *     then may the composer close;
 *   - before SMTP starts on a message it is marked SENDING (committed); it leaves the
 *     outbox only after the server accepted it (and its copy went to Sent);
 *   - a transient failure (4xx, a lost connection before the message went) queues it
 *     again with back-off; a permanent one marks it FAILED with the server's words;
 *   - per-recipient refusals of an accepted message are kept with the server's reasons;
 *   - a message whose outcome is unknown (the connection broke after the final ".", or
 *     Outpost stopped while it was SENDING) becomes MAY_HAVE_BEEN_SENT: kept, never
 *     dropped, never sent again behind the user's back.
 * Main thread only. ::changed () is emitted after every change of the outbox.
 */
OpMailOutbox     *op_mail_outbox_new          (OpMailStore          *store);
/* The SMTP server (set before sending; the password is held in memory only). */
void              op_mail_outbox_set_server   (OpMailOutbox         *self,
                                               const char           *host,
                                               guint16               port,
                                               OpSecurity            security,
                                               const char           *user,
                                               const char           *password,
                                               gboolean              allow_plaintext_password,
                                               OpTlsVerifier        *verifier);
/* The same from a mail account's outgoing settings. */
void              op_mail_outbox_set_account  (OpMailOutbox         *self,
                                               OpAccount            *account,
                                               const char           *password,
                                               OpTlsVerifier        *verifier);
/* Where a copy of each sent message goes (APPEND through @sync, flagged \Seen); NULL:
 * no copy (a POP3 account, or a server that files it itself). */
void              op_mail_outbox_set_sent_folder (OpMailOutbox      *self,
                                               OpMailImapSync       *sync,
                                               const char           *folder);

/* Stores @message (RFC 5322 bytes, CRLF) for @from and @recipients (envelope addresses)
 * durably. Finish with op_mail_outbox_queue_finish(): the new item's id. */
void              op_mail_outbox_queue_async  (OpMailOutbox         *self,
                                               const char           *from,
                                               const char * const   *recipients,
                                               GBytes               *message,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gint64            op_mail_outbox_queue_finish (OpMailOutbox         *self,
                                               GAsyncResult         *result,
                                               GError              **error);

/* Sends every QUEUED message now (one SMTP session), oldest first, and files the Sent
 * copies still due. Finishes FALSE with the error that stopped it (the items say what
 * became of each message). Only one send runs at a time; a second call while one runs
 * finishes with it. */
void              op_mail_outbox_send_async   (OpMailOutbox         *self,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean          op_mail_outbox_send_finish  (OpMailOutbox         *self,
                                               GAsyncResult         *result,
                                               GError              **error);
/* With @auto_retry, a send starts by itself when the earliest queued message is due. */
void              op_mail_outbox_set_auto_retry (OpMailOutbox       *self,
                                               gboolean              auto_retry);

/* Every item, oldest first (a small read). (element-type OpMailOutboxItem) */
GPtrArray        *op_mail_outbox_list         (OpMailOutbox         *self,
                                               GError              **error);
/* A FAILED or MAY_HAVE_BEEN_SENT item queued again, on purpose; a removal. Finish with
 * op_mail_store_write_finish() on the store. */
void              op_mail_outbox_resend_async (OpMailOutbox         *self,
                                               gint64                id,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
void              op_mail_outbox_remove_async (OpMailOutbox         *self,
                                               gint64                id,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);

G_END_DECLS
