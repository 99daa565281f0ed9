/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sqlite3.h>

#include "op-mail-store.h"

G_BEGIN_DECLS

/* Row readers: each object is made from a statement whose columns are exactly these,
 * in this order. */
/* A message's row id in messages_fts (schema 6): its date (seconds from 1901 to 2106,
 * clamped) above its id (31 bits), so that the index's own order is the order results are
 * shown in (date, then id, both descending) and a search reads only its first page of
 * matches instead of sorting all of them. @date and @id are SQL expressions. */
#define OP_MAIL_FTS_KEY(date, id) \
  "((min(max((" date ") + 2147483648, 0), 4294967295) << 31) | (" id "))"
#define OP_MAIL_FTS_ID(key) "((" key ") & 2147483647)"
/* The messages_fts row id of the message with id @id (an SQL expression). */
#define OP_MAIL_FTS_KEY_OF(id) \
  "(SELECT " OP_MAIL_FTS_KEY ("k.date", "k.id") " FROM messages k WHERE k.id = (" id "))"

#define OP_MAIL_FOLDER_COLUMNS \
  "f.id, f.name, f.delimiter, f.special_use, f.selectable, f.uidvalidity, f.uidnext, " \
  "f.highestmodseq, f.total, f.unread, f.complete"
#define OP_MAIL_MESSAGE_COLUMNS \
  "m.id, m.folder_id, m.conversation_id, m.uid, m.flags, m.keywords, m.date, m.subject, " \
  "m.from_name, m.from_addr, m.to_list, m.cc_list, m.reply_to, m.size, " \
  "m.has_attachments, m.preview, m.message_id, m.in_reply_to, m.refs, m.body_cached"
#define OP_MAIL_CONVERSATION_COLUMNS \
  "fc.conversation_id, fc.folder_id, m.subject, fc.senders, m.preview, fc.latest_date, " \
  "fc.n_messages, fc.n_unread, fc.flagged, fc.has_attachments, fc.latest_message_id"

OpMailFolder       *_op_mail_folder_new_from_row       (sqlite3_stmt *stmt);
OpMailMessage      *_op_mail_message_new_from_row      (sqlite3_stmt *stmt);
OpMailConversation *_op_mail_conversation_new_from_row (sqlite3_stmt *stmt);
OpMailConversation *_op_mail_conversation_new_empty    (gint64        id,
                                                        gint64        folder_id);
/* TRUE when both snapshots show the same thing. */
gboolean            _op_mail_folder_equal              (OpMailFolder *a,
                                                        OpMailFolder *b);

/* Overwrites and frees a password, then sets *@secret to NULL. */
void                _op_mail_wipe                      (char        **secret);

/* A column's text, "" for NULL. */
const char         *_op_mail_column_text               (sqlite3_stmt *stmt,
                                                        int           column);

/* The store's main-thread connection (models read pages through it). */
sqlite3            *_op_mail_store_get_main_db         (OpMailStore  *self);
/* Runs @func on the reader thread with the reader connection: a GTask whose source
 * object is @self; @func gets the connection as its task data's first field. */
typedef void (*OpMailReadFunc) (GTask        *task,
                                OpMailStore  *store,
                                sqlite3      *db,
                                gpointer      data,
                                GCancellable *cancellable);
void                _op_mail_store_run_read            (OpMailStore    *self,
                                                        GTask          *task,
                                                        OpMailReadFunc  func,
                                                        gpointer        data,
                                                        GDestroyNotify  data_free);

/* TRUE when no reload of the order is running or due (tests wait for it). */
gboolean            _op_mail_conversation_list_is_idle (OpMailConversationList *self);

/* Runs @func on the store thread inside a transaction (committed when it returns TRUE);
 * *@result becomes the task's value (op_mail_store_write_finish() or
 * _op_mail_store_write_finish_int()). */
typedef gboolean (*OpMailWriteFunc) (OpMailStore  *store,
                                     sqlite3      *db,
                                     gpointer      data,
                                     gint64       *result,
                                     GError      **error);
void                _op_mail_store_run_write           (OpMailStore         *self,
                                                        gpointer             source_tag,
                                                        OpMailWriteFunc      func,
                                                        gpointer             data,
                                                        GDestroyNotify       data_free,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gint64              _op_mail_store_write_finish_int    (OpMailStore         *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

/* Kinds of pending_ops rows (schema 4). */
typedef enum
{
  OP_MAIL_PENDING_FLAGS         = 1,
  OP_MAIL_PENDING_MOVE          = 2,
  OP_MAIL_PENDING_COPY          = 3,
  OP_MAIL_PENDING_EXPUNGE       = 4,
  OP_MAIL_PENDING_CREATE_FOLDER = 5,
  OP_MAIL_PENDING_RENAME_FOLDER = 6,
  OP_MAIL_PENDING_DELETE_FOLDER = 7,
  OP_MAIL_PENDING_APPEND_DRAFT  = 8,
} OpMailPendingKind;

/* Replay bookkeeping, on the store thread: the operation @op_id is done (removed); with
 * @dest_uids (a COPYUID destination set, nullable) the placeholders of a move or copy
 * take their real UIDs; with @revert, a refused move goes back to where it was and a
 * refused copy's placeholders go. */
void                _op_mail_store_finish_pending_async (OpMailStore         *self,
                                                         gint64               op_id,
                                                         const char          *dest_uids,
                                                         gboolean             revert,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);

/* Schema: migrates @db (opened, empty or older) to @version (tests build every older
 * schema with it). */
gboolean            _op_mail_schema_migrate            (sqlite3      *db,
                                                        int           version,
                                                        GError      **error);
int                 _op_mail_schema_get_version        (sqlite3      *db);

/* An SQLite failure as an OpMailStoreError. */
void                _op_mail_set_sqlite_error          (GError      **error,
                                                        sqlite3      *db,
                                                        const char   *what);

/* Ordering diffs for the models: turns @old into @new (unique gint64 ids) through
 * removals and insertions that keep the rest in place, emitting each on @model as it is
 * applied to @order (which starts equal to @old and ends equal to @new). Then emits
 * (position, 1, 1) for every id in @changed (nullable) that stayed. */
typedef struct
{
  guint  position;
  guint  removed;
  guint  added;
} OpMailOrderChange;

/* Computes the changes (element-type OpMailOrderChange), in the order to apply them,
 * without touching anything. Runs on any thread. */
GArray             *_op_mail_order_diff                (const GArray *old_order,
                                                        const GArray *new_order);

G_END_DECLS

G_BEGIN_DECLS

typedef enum
{
  OP_MAIL_STEP_FETCH,
  OP_MAIL_STEP_RAW,
  OP_MAIL_STEP_FLAGS,
} OpMailStepKind;

typedef struct
{
  OpMailStepKind  kind;
  guint32         uid;
  OpMailFlags     flags;
  char           *keywords;
  guint64         modseq;
  gint64          date;
  OpImapFetch    *fetch;
  GBytes         *raw;
  char           *uidl;     /* POP3 */
  gpointer        row;      /* (nullable) the row, decoded ahead (_op_mail_update_prepare) */
} OpMailStep;

/* Decodes the fetched messages of @update into rows (headers decoded, addresses
 * formatted, attachments found) on the calling thread, so that the store thread only
 * writes them: the sync thread does this for one batch while the store writes the last. */
void _op_mail_update_prepare (OpMailUpdate *update);
void _op_mail_row_free       (gpointer      row);

struct _OpMailUpdate
{
  gint64    folder_id;
  gboolean  clear;
  guint32   uidvalidity;
  guint32   uidnext;
  guint64   highestmodseq;
  int       complete;   /* -1: leave as it is */
  GArray   *removals;   /* guint32 UIDs */
  GArray   *steps;      /* OpMailStep */
  /* A batch of an IMAP sync, which the server still holds: committed without waiting
   * for the disk (synchronous=NORMAL; _op_mail_store_queue_write()). */
  gboolean  bulk;
};

G_END_DECLS
