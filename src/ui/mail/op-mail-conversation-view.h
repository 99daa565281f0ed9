/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "op-mail-message-view.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_CONVERSATION_VIEW (op_mail_conversation_view_get_type ())
G_DECLARE_FINAL_TYPE (OpMailConversationView, op_mail_conversation_view, OP, MAIL_CONVERSATION_VIEW, GtkWidget)

/*
 * A conversation: its messages stacked oldest first (by Date), each an
 * OpMailMessageView; the newest is open, the others collapsed to a line until clicked.
 * It scrolls as a whole. Re-emits the messages' ::open-uri.
 */
GtkWidget          *op_mail_conversation_view_new            (void);
void                op_mail_conversation_view_clear          (OpMailConversationView *self);
/* Adds @message (with its @source, nullable) in date order. (transfer none) */
OpMailMessageView  *op_mail_conversation_view_add_message    (OpMailConversationView *self,
                                                              OpMimeMessage          *message,
                                                              GBytes                 *source);
guint               op_mail_conversation_view_get_n_messages (OpMailConversationView *self);
/* (transfer none) */
OpMailMessageView  *op_mail_conversation_view_get_message_view (OpMailConversationView *self,
                                                              guint                   index);
void                op_mail_conversation_view_set_identities (OpMailConversationView *self,
                                                              GListModel             *identities);

G_END_DECLS
