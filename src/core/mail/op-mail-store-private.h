/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * OpMailStore's own parts, shared by the files it is split into: op-mail-store.c (the
 * object, its connections and threads, small reads on the main thread, the write
 * transaction and the aggregates, folders), op-mail-store-reads.c (reads on the reader
 * thread: search, bodies, UIDs), op-mail-store-messages.c (messages from a sync or a raw
 * download: rows, threading, the index) and op-mail-store-changes.c (changes made by the
 * user and their queue, POP3 bookkeeping, drafts). Not for use outside the store.
 */

#include <sqlite3.h>

#include "op-mail-private.h"
#include "op-worker.h"

G_BEGIN_DECLS

/* Every SQL text the store keeps is bounded; a hostile header is cut, never refused. */
#define OP_MAIL_MAX_FIELD_TEXT (16 * 1024)

struct _OpMailStore
{
  GObject       parent_instance;
  char         *path;
  GMainContext *context;
  OpWorker     *writer;
  OpWorker     *reader;
  sqlite3      *write_db;
  sqlite3      *read_db;
  sqlite3      *main_db;
  GHashTable   *write_stmts;   /* SQL text → prepared statement (writer thread only) */
  /* The full-text rows of the messages an apply_write() inserts (OpMailFtsRow), written
   * in the index's order before it returns; NULL outside it (writer thread only). */
  GArray       *fts_pending;
  gboolean      closed;
};

/* What one write transaction changed, reported on the main context once committed. */
typedef struct
{
  gboolean    folders_changed;
  GHashTable *touched;        /* folder id (gint64 *) → GHashTable of conversation ids */
  GHashTable *added;          /* folder id → GArray of message ids */
  GHashTable *count_folders;  /* folder id → OpMailCountDelta: what the refreshed rows changed */
  GHashTable *fresh;          /* OpMailFreshRow (its own key): conversations this
                               * transaction made, their rows built in memory */
} OpMailChanges;

/* The folder_conversations row of a conversation the transaction made, built from the
 * messages it inserted into it (_op_mail_changes_inserted()) and written once before
 * the commit: a first sync reads none of it back. */
typedef struct
{
  gint64  folder_id;        /* first: the key */
  gint64  conversation_id;
  GArray *messages;         /* OpMailFreshMessage */
} OpMailFreshRow;

typedef struct
{
  gint64    id;
  gint64    date;
  char     *name;
  char     *addr;
  gboolean  unread;
  gboolean  flagged;
  gboolean  has_attachments;
} OpMailFreshMessage;

typedef struct
{
  gint64 total;
  gint64 unread;
} OpMailCountDelta;

typedef struct _OpMailWriteJob OpMailWriteJob;
typedef gboolean (*OpMailStoreWriteFunc) (OpMailStore     *self,
                                          sqlite3         *db,
                                          OpMailWriteJob  *job,
                                          OpMailChanges   *changes,
                                          GError         **error);

/* A write transaction's work, run on the write thread (_op_mail_store_queue_write()). */
struct _OpMailWriteJob
{
  OpMailStoreWriteFunc  func;
  gpointer              data;
  GDestroyNotify        data_free;
  gint64                result;
  gboolean              bulk;
};

/* The subject fallback of threading: the newest conversation with a subject key (for a
 * reply), or the newest such begun by a reply (for an original). Each is one seek, in
 * conversations_subject or conversations_reply_root, however many conversations share
 * the subject (tests/unit/core/test-mail-store.c checks the plans). */
#define OP_MAIL_SQL_SUBJECT_NEWEST \
  "SELECT id FROM conversations WHERE subject_key = ?1 ORDER BY id DESC LIMIT 1"
#define OP_MAIL_SQL_SUBJECT_REPLY_ROOT \
  "SELECT id FROM conversations WHERE subject_key = ?1 AND reply_root ORDER BY id DESC LIMIT 1"

/* A message's columns, from a fetch or a raw message, before it is written. */
typedef struct
{
  guint32      uid;
  guint64      modseq;
  OpMailFlags  flags;
  char        *keywords;
  gint64       date;
  char        *subject;
  char        *from_name;
  char        *from_addr;
  char        *to;
  char        *cc;
  char        *reply_to;
  guint32      size;
  gboolean     has_attachments;
  char        *preview;
  char        *message_id;
  char        *in_reply_to;
  GStrv        refs;
  char        *body_text;   /* nullable: for the search index */
  GBytes      *raw;         /* nullable: the body to cache */
} OpMailRow;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* A folder_conversations row written whole: an upsert, not INSERT OR REPLACE. With
 * foreign keys on, SQLite's REPLACE cost each of these about 33 µs of CPU instead of 7, a
 * fifth of the store thread's time in a first sync (tests/bench/README.md). */
#define FOLDER_CONVERSATION_UPSERT \
  " ON CONFLICT (folder_id, conversation_id) DO UPDATE SET" \
  " latest_date = excluded.latest_date, latest_message_id = excluded.latest_message_id," \
  " n_messages = excluded.n_messages, n_unread = excluded.n_unread," \
  " flagged = excluded.flagged, has_attachments = excluded.has_attachments," \
  " senders = excluded.senders"

/* Statements on the writer connection (write thread only). */
sqlite3_stmt *_op_mail_wstmt (OpMailStore  *self,
                              const char   *sql,
                              GError      **error);
void _op_mail_bind_text_static (sqlite3_stmt *stmt,
                                int           index,
                                const char   *text);
void _op_mail_bind_text (sqlite3_stmt *stmt,
                         int           index,
                         const char   *text);
gboolean _op_mail_step_done (sqlite3_stmt  *stmt,
                             GError       **error);
gint64 _op_mail_query_int64 (sqlite3    *db,
                             const char *sql,
                             gint64      arg,
                             gint64      fallback);

/* Header text, bounded and cleaned (see op-mail-store.c). */
char *_op_mail_clean_text (const char *text);
char *_op_mail_decode_header_text (const char *raw);
char *_op_mail_strip_angles (const char *id);

/* Reads (op-mail-store.c, op-mail-store-reads.c). */
gboolean _op_mail_store_check_open (OpMailStore  *self,
                                    GError      **error);
void _op_mail_store_run_read_by_id (OpMailStore         *self,
                                    gint64               id,
                                    gpointer             source_tag,
                                    OpMailReadFunc       func,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
gpointer _op_mail_store_finish_pointer (OpMailStore   *self,
                                        GAsyncResult  *result,
                                        GError       **error);

/* Inside a write transaction (op-mail-store.c). */
void _op_mail_changes_touch (OpMailChanges *changes,
                             gint64         folder_id,
                             gint64         conversation_id);
void _op_mail_changes_added (OpMailChanges *changes,
                             gint64         folder_id,
                             gint64         message_id);
/* The message @message (its id, date, sender and flags) was inserted into
 * (@folder_id, @conversation_id); @created: this transaction made the conversation. */
void _op_mail_changes_inserted (OpMailChanges            *changes,
                                gint64                    folder_id,
                                gint64                    conversation_id,
                                gboolean                  created,
                                const OpMailFreshMessage *message);
/* @bulk: a write that can be lost to a power cut or a system crash (never to a crash of
 * Outpost alone) because it can be made again: its commit does not wait for the disk
 * (synchronous=NORMAL in WAL mode); the next durable commit syncs it with its own. */
void _op_mail_store_queue_write (OpMailStore          *self,
                                 gpointer              source_tag,
                                 OpMailStoreWriteFunc  func,
                                 gpointer              data,
                                 GDestroyNotify        data_free,
                                 gboolean              bulk,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
gboolean _op_mail_store_upsert_folder (OpMailStore             *self,
                                       const OpMailFolderInfo  *info,
                                       gint64                  *id,
                                       OpMailChanges           *changes,
                                       GError                 **error);

/* Messages (op-mail-store-messages.c). */
gint64 _op_mail_parse_date_header (const char *text);
void _op_mail_row_clear (OpMailRow *row);
gboolean _op_mail_row_from_raw (OpMailRow  *row,
                                guint32     uid,
                                GBytes     *raw,
                                GError    **error);
gboolean _op_mail_store_insert_message (OpMailStore    *self,
                                        gint64          folder_id,
                                        OpMailRow      *row,
                                        OpMailChanges  *changes,
                                        GError        **error);
gboolean _op_mail_store_delete_message_row (OpMailStore  *self,
                                            gint64        id,
                                            GError      **error);
gboolean _op_mail_store_delete_messages (OpMailStore    *self,
                                         gint64          folder_id,
                                         guint32         uid,
                                         OpMailChanges  *changes,
                                         GError        **error);

G_END_DECLS
