/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include "op-mail-conversation.h"
#include "op-mail-private.h"

struct _OpMailConversation
{
  GObject   parent_instance;
  gint64    id;
  gint64    folder_id;
  char     *subject;
  char     *senders;
  char     *preview;
  gint64    date;
  guint     n_messages;
  guint     n_unread;
  gboolean  flagged;
  gboolean  has_attachments;
  gint64    latest_message_id;
  gboolean  loaded;
};

G_DEFINE_FINAL_TYPE (OpMailConversation, op_mail_conversation, G_TYPE_OBJECT)

static void
op_mail_conversation_finalize (GObject *object)
{
  OpMailConversation *self = OP_MAIL_CONVERSATION (object);

  g_free (self->subject);
  g_free (self->senders);
  g_free (self->preview);
  G_OBJECT_CLASS (op_mail_conversation_parent_class)->finalize (object);
}

static void
op_mail_conversation_class_init (OpMailConversationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_mail_conversation_finalize;
}

static void
op_mail_conversation_init (OpMailConversation *self)
{
}

OpMailConversation *
_op_mail_conversation_new_from_row (sqlite3_stmt *stmt)
{
  OpMailConversation *self = g_object_new (OP_TYPE_MAIL_CONVERSATION, NULL);

  self->id = sqlite3_column_int64 (stmt, 0);
  self->folder_id = sqlite3_column_int64 (stmt, 1);
  self->subject = g_strdup (_op_mail_column_text (stmt, 2));
  self->senders = g_strdup (_op_mail_column_text (stmt, 3));
  self->preview = g_strdup (_op_mail_column_text (stmt, 4));
  self->date = sqlite3_column_int64 (stmt, 5);
  self->n_messages = sqlite3_column_int (stmt, 6);
  self->n_unread = sqlite3_column_int (stmt, 7);
  self->flagged = sqlite3_column_int (stmt, 8) != 0;
  self->has_attachments = sqlite3_column_int (stmt, 9) != 0;
  self->latest_message_id = sqlite3_column_int64 (stmt, 10);
  self->loaded = TRUE;
  return self;
}

OpMailConversation *
_op_mail_conversation_new_empty (gint64 id,
                                 gint64 folder_id)
{
  OpMailConversation *self = g_object_new (OP_TYPE_MAIL_CONVERSATION, NULL);

  self->id = id;
  self->folder_id = folder_id;
  self->subject = g_strdup ("");
  self->senders = g_strdup ("");
  self->preview = g_strdup ("");
  return self;
}

#define GETTER(type, name, field, fallback) \
  type op_mail_conversation_get_##name (OpMailConversation *self) \
  { \
    g_return_val_if_fail (OP_IS_MAIL_CONVERSATION (self), fallback); \
    return self->field; \
  }

GETTER (gint64, id, id, 0)
GETTER (gint64, folder_id, folder_id, 0)
GETTER (const char *, subject, subject, NULL)
GETTER (const char *, senders, senders, NULL)
GETTER (const char *, preview, preview, NULL)
GETTER (gint64, date, date, 0)
GETTER (guint, n_messages, n_messages, 0)
GETTER (guint, n_unread, n_unread, 0)
GETTER (gboolean, flagged, flagged, FALSE)
GETTER (gboolean, has_attachments, has_attachments, FALSE)
GETTER (gint64, latest_message_id, latest_message_id, 0)
GETTER (gboolean, loaded, loaded, FALSE)
