/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-mail-store.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_CONVERSATION_LIST (op_mail_conversation_list_get_type ())
G_DECLARE_FINAL_TYPE (OpMailConversationList, op_mail_conversation_list, OP, MAIL_CONVERSATION_LIST, GObject)

/* Rows read from SQLite at a time. */
#define OP_MAIL_CONVERSATION_LIST_PAGE 50

/*
 * A folder's conversations as a GListModel of OpMailConversation, newest first (by the
 * date of their newest message in the folder).
 *
 * The model holds only the order (one 64-bit id per row), read on the store's reader
 * thread; rows are read from SQLite a page at a time when asked for, and a bounded
 * number of them is kept. So a 100,000-message folder is never loaded whole.
 *
 * It starts empty; the first OP_MAIL_CONVERSATION_LIST_PAGE * 2 rows of the order come
 * first (items-changed at 0), then the rest, and #OpMailConversationList:loading turns
 * FALSE once the whole order is in. When the store reports that the folder's conversations changed, the new
 * order is read on the reader thread and compared with the old one there; the model
 * then emits precise items-changed: removals, insertions (a conversation that moved is
 * removed and inserted), and a (position, 1, 1) for each row whose content changed in
 * place. Main thread only.
 */
OpMailConversationList *op_mail_conversation_list_new         (OpMailStore            *store,
                                                               gint64                  folder_id);
gint64                  op_mail_conversation_list_get_folder_id (OpMailConversationList *self);
gboolean                op_mail_conversation_list_get_loading (OpMailConversationList *self);
/* The row of @conversation_id, or -1 when it is not in the list. */
gint                    op_mail_conversation_list_find        (OpMailConversationList *self,
                                                               gint64                  conversation_id);

G_END_DECLS
