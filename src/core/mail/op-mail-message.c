/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include "op-mail-message.h"
#include "op-mail-private.h"

struct _OpMailMessage
{
  GObject      parent_instance;
  gint64       id;
  gint64       folder_id;
  gint64       conversation_id;
  guint32      uid;
  OpMailFlags  flags;
  char        *keywords;
  gint64       date;
  char        *subject;
  char        *from_name;
  char        *from_address;
  char        *to;
  char        *cc;
  char        *reply_to;
  guint32      size;
  gboolean     has_attachments;
  char        *preview;
  char        *message_id;
  char        *in_reply_to;
  GStrv        references;
  gboolean     body_cached;
};

G_DEFINE_FINAL_TYPE (OpMailMessage, op_mail_message, G_TYPE_OBJECT)

static void
op_mail_message_finalize (GObject *object)
{
  OpMailMessage *self = OP_MAIL_MESSAGE (object);

  g_free (self->keywords);
  g_free (self->subject);
  g_free (self->from_name);
  g_free (self->from_address);
  g_free (self->to);
  g_free (self->cc);
  g_free (self->reply_to);
  g_free (self->preview);
  g_free (self->message_id);
  g_free (self->in_reply_to);
  g_strfreev (self->references);
  G_OBJECT_CLASS (op_mail_message_parent_class)->finalize (object);
}

static void
op_mail_message_class_init (OpMailMessageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_mail_message_finalize;
}

static void
op_mail_message_init (OpMailMessage *self)
{
}

OpMailMessage *
_op_mail_message_new_from_row (sqlite3_stmt *stmt)
{
  OpMailMessage *self = g_object_new (OP_TYPE_MAIL_MESSAGE, NULL);
  const char *refs;

  self->id = sqlite3_column_int64 (stmt, 0);
  self->folder_id = sqlite3_column_int64 (stmt, 1);
  self->conversation_id = sqlite3_column_int64 (stmt, 2);
  self->uid = (guint32) sqlite3_column_int64 (stmt, 3);
  self->flags = sqlite3_column_int (stmt, 4);
  self->keywords = g_strdup (_op_mail_column_text (stmt, 5));
  self->date = sqlite3_column_int64 (stmt, 6);
  self->subject = g_strdup (_op_mail_column_text (stmt, 7));
  self->from_name = g_strdup (_op_mail_column_text (stmt, 8));
  self->from_address = g_strdup (_op_mail_column_text (stmt, 9));
  self->to = g_strdup (_op_mail_column_text (stmt, 10));
  self->cc = g_strdup (_op_mail_column_text (stmt, 11));
  self->reply_to = g_strdup (_op_mail_column_text (stmt, 12));
  self->size = (guint32) sqlite3_column_int64 (stmt, 13);
  self->has_attachments = sqlite3_column_int (stmt, 14) != 0;
  self->preview = g_strdup (_op_mail_column_text (stmt, 15));
  self->message_id = g_strdup (_op_mail_column_text (stmt, 16));
  self->in_reply_to = g_strdup (_op_mail_column_text (stmt, 17));
  refs = _op_mail_column_text (stmt, 18);
  self->references = *refs != '\0' ? g_strsplit (refs, " ", -1) : g_new0 (char *, 1);
  self->body_cached = sqlite3_column_int (stmt, 19) != 0;
  return self;
}

#define GETTER(type, name, field, fallback) \
  type op_mail_message_get_##name (OpMailMessage *self) \
  { \
    g_return_val_if_fail (OP_IS_MAIL_MESSAGE (self), fallback); \
    return self->field; \
  }

GETTER (gint64, id, id, 0)
GETTER (gint64, folder_id, folder_id, 0)
GETTER (gint64, conversation_id, conversation_id, 0)
GETTER (guint32, uid, uid, 0)
GETTER (OpMailFlags, flags, flags, 0)
GETTER (const char *, keywords, keywords, NULL)
GETTER (gint64, date, date, 0)
GETTER (const char *, subject, subject, NULL)
GETTER (const char *, from_name, from_name, NULL)
GETTER (const char *, from_address, from_address, NULL)
GETTER (const char *, to, to, NULL)
GETTER (const char *, cc, cc, NULL)
GETTER (const char *, reply_to, reply_to, NULL)
GETTER (guint32, size, size, 0)
GETTER (gboolean, has_attachments, has_attachments, FALSE)
GETTER (const char *, preview, preview, NULL)
GETTER (const char *, message_id, message_id, NULL)
GETTER (const char *, in_reply_to, in_reply_to, NULL)
GETTER (gboolean, body_cached, body_cached, FALSE)

const char * const *
op_mail_message_get_references (OpMailMessage *self)
{
  g_return_val_if_fail (OP_IS_MAIL_MESSAGE (self), NULL);
  return (const char * const *) self->references;
}
