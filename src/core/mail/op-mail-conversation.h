/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "op-mail-types.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_CONVERSATION (op_mail_conversation_get_type ())
G_DECLARE_FINAL_TYPE (OpMailConversation, op_mail_conversation, OP, MAIL_CONVERSATION, GObject)

/*
 * One row of a folder's conversation list (OpMailConversationList): a thread (jwz, across
 * folders) as seen from one folder. The counts, date and marks are those of the thread's
 * messages in that folder; op_mail_store_list_conversation() gives every message of
 * the thread, from every folder. An immutable snapshot.
 */
gint64       op_mail_conversation_get_id                (OpMailConversation *self);
gint64       op_mail_conversation_get_folder_id         (OpMailConversation *self);
/* The subject of the newest message in the folder. */
const char  *op_mail_conversation_get_subject           (OpMailConversation *self);
/* Display names (or addresses) of the senders, newest first, ", "-separated, each once. */
const char  *op_mail_conversation_get_senders           (OpMailConversation *self);
/* The newest message's preview ("" until its body was fetched). */
const char  *op_mail_conversation_get_preview           (OpMailConversation *self);
/* The newest message's date, seconds since the epoch. */
gint64       op_mail_conversation_get_date              (OpMailConversation *self);
guint        op_mail_conversation_get_n_messages        (OpMailConversation *self);
guint        op_mail_conversation_get_n_unread          (OpMailConversation *self);
gboolean     op_mail_conversation_get_flagged           (OpMailConversation *self);
gboolean     op_mail_conversation_get_has_attachments   (OpMailConversation *self);
/* The store id of the newest message in the folder (op_mail_store_get_message()). */
gint64       op_mail_conversation_get_latest_message_id (OpMailConversation *self);
/* FALSE for a row whose conversation left the folder after the list was last
 * refreshed (its fields are then empty; the next items-changed removes it). */
gboolean     op_mail_conversation_get_loaded            (OpMailConversation *self);

G_END_DECLS
