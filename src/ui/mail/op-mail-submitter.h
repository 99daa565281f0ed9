/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-mime.h"

G_BEGIN_DECLS

/**
 * OpMailOutgoing:
 * @account_id: the account of the identity it is sent as (op_mail_identity_item_get_account_id())
 * @message: the message for SMTP DATA: CRLF line ends, no Bcc header
 * @copy: the same message with its Bcc header, for Sent and Drafts
 * @envelope_from: the MAIL FROM address, in envelope form
 * @recipients: the RCPT TO addresses (To, Cc and Bcc, each once), in envelope form
 * @requirements: what SMTP must offer to carry it (8BITMIME, SMTPUTF8)
 * @message_id: its Message-ID, without angle brackets
 *
 * A finished message as the composer hands it over, immutable and reference-counted.
 */
typedef struct
{
  char               *account_id;
  GBytes             *message;
  GBytes             *copy;
  char               *envelope_from;
  GStrv               recipients;
  OpMimeRequirements  requirements;
  char               *message_id;
} OpMailOutgoing;

#define OP_TYPE_MAIL_OUTGOING (op_mail_outgoing_get_type ())
GType           op_mail_outgoing_get_type (void) G_GNUC_CONST;
OpMailOutgoing *op_mail_outgoing_ref      (OpMailOutgoing *self);
void            op_mail_outgoing_unref    (OpMailOutgoing *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpMailOutgoing, op_mail_outgoing_unref)

/* For the composer: a new one with every field NULL, to fill in. */
OpMailOutgoing *_op_mail_outgoing_new     (void);

#define OP_TYPE_MAIL_SUBMITTER (op_mail_submitter_get_type ())
G_DECLARE_INTERFACE (OpMailSubmitter, op_mail_submitter, OP, MAIL_SUBMITTER, GObject)

/*
 * Where the composer hands finished messages: the mail store's outbox and drafts (the
 * store implements it; the UI holds no SMTP or IMAP code). submit takes a message into
 * the outbox: it finishes once the message is stored durably, not when it is delivered
 * (delivery and its failures are the outbox's to show). save_draft replaces the draft
 * of the same composer (@replaces: the Message-ID of the draft saved before, or NULL).
 * The composer shows Send and Save Draft only when it has a submitter.
 */
struct _OpMailSubmitterInterface
{
  GTypeInterface parent_iface;

  void     (*submit_async)      (OpMailSubmitter     *self,
                                 OpMailOutgoing      *outgoing,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
  gboolean (*submit_finish)     (OpMailSubmitter     *self,
                                 GAsyncResult        *result,
                                 GError             **error);
  void     (*save_draft_async)  (OpMailSubmitter     *self,
                                 OpMailOutgoing      *draft,
                                 const char          *replaces,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
  gboolean (*save_draft_finish) (OpMailSubmitter     *self,
                                 GAsyncResult        *result,
                                 GError             **error);
  /* Optional: addresses known to @account_id's mail that start with @prefix
   * (op_mail_store_complete_address_async()). */
  void     (*complete_address_async)  (OpMailSubmitter     *self,
                                       const char          *account_id,
                                       const char          *prefix,
                                       guint                limit,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
  GPtrArray *(*complete_address_finish) (OpMailSubmitter   *self,
                                         GAsyncResult      *result,
                                         GError           **error);
};

void     op_mail_submitter_submit_async      (OpMailSubmitter     *self,
                                              OpMailOutgoing      *outgoing,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean op_mail_submitter_submit_finish     (OpMailSubmitter     *self,
                                              GAsyncResult        *result,
                                              GError             **error);
void     op_mail_submitter_save_draft_async  (OpMailSubmitter     *self,
                                              OpMailOutgoing      *draft,
                                              const char          *replaces,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean op_mail_submitter_save_draft_finish (OpMailSubmitter     *self,
                                              GAsyncResult        *result,
                                              GError             **error);
/* The composer's address completion: "Name <address>" strings, most used first; an
 * empty array from a submitter that knows no addresses. (element-type utf8) */
void       op_mail_submitter_complete_address_async  (OpMailSubmitter     *self,
                                                      const char          *account_id,
                                                      const char          *prefix,
                                                      guint                limit,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
GPtrArray *op_mail_submitter_complete_address_finish (OpMailSubmitter     *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

G_END_DECLS
