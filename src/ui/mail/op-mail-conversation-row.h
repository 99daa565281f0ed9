/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "op-mail-conversation.h"
#include "op-mail-message.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_CONVERSATION_ROW (op_mail_conversation_row_get_type ())
G_DECLARE_FINAL_TYPE (OpMailConversationRow, op_mail_conversation_row, OP, MAIL_CONVERSATION_ROW, GtkWidget)

/*
 * One row of the conversation list: the senders, the date, the subject, the count of
 * messages in the thread, a line of the newest text, and marks for unread, flagged and
 * attachments. Its accessible label reads the same out ("Mail: conversation from …"), as
 * a screen reader should say it. Rows are recycled by the list: set_* replaces it all.
 */
GtkWidget  *op_mail_conversation_row_new              (void);
void        op_mail_conversation_row_set_conversation (OpMailConversationRow *self,
                                                       OpMailConversation    *conversation);
/* A search result: one message, shown the same way (a count of 1). */
void        op_mail_conversation_row_set_message      (OpMailConversationRow *self,
                                                       OpMailMessage         *message);
/* What the row says (for tests and the accessible label). (transfer none) */
const char *op_mail_conversation_row_get_description  (OpMailConversationRow *self);

/* A message date as the list shows it: the time today, the day this year, else the
 * full date; @now (nullable) for tests. (transfer full) */
char       *op_mail_format_list_date                  (gint64                 date,
                                                       GDateTime             *now);

G_END_DECLS
