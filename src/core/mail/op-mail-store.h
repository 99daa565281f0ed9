/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-imap-parser.h"
#include "op-mail-conversation.h"
#include "op-mail-folder.h"
#include "op-mail-message.h"
#include "op-mail-types.h"

G_BEGIN_DECLS

#define OP_MAIL_STORE_ERROR (op_mail_store_error_quark ())

/**
 * OpMailStoreError:
 * @OP_MAIL_STORE_ERROR_NEWER_SCHEMA: the database was written by a newer Outpost; it is
 *   left untouched.
 * @OP_MAIL_STORE_ERROR_CORRUPT: the database file is not a usable SQLite database.
 * @OP_MAIL_STORE_ERROR_IO: SQLite failed (disk full, permissions, …); the message says how.
 * @OP_MAIL_STORE_ERROR_NOT_FOUND: the folder or message is not (or no longer) in the store.
 * @OP_MAIL_STORE_ERROR_CLOSED: the store was closed.
 */
typedef enum
{
  OP_MAIL_STORE_ERROR_NEWER_SCHEMA,
  OP_MAIL_STORE_ERROR_CORRUPT,
  OP_MAIL_STORE_ERROR_IO,
  OP_MAIL_STORE_ERROR_NOT_FOUND,
  OP_MAIL_STORE_ERROR_CLOSED,
} OpMailStoreError;

GQuark op_mail_store_error_quark (void);

/* The schema version this Outpost writes (PRAGMA user_version). */
#define OP_MAIL_STORE_SCHEMA_VERSION 8

/* Characters of text kept as a message's preview. */
#define OP_MAIL_PREVIEW_LENGTH 200

/**
 * OpMailFolderInfo:
 * A folder as the server lists it, for op_mail_store_set_folders_async().
 */
typedef struct
{
  char             *name;        /* UTF-8 full name */
  char              delimiter;   /* 0 when none */
  OpMailSpecialUse  special_use;
  gboolean          selectable;
} OpMailFolderInfo;

OpMailFolderInfo *op_mail_folder_info_new  (const char       *name,
                                            char              delimiter,
                                            OpMailSpecialUse  special_use,
                                            gboolean          selectable);
void              op_mail_folder_info_free (OpMailFolderInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpMailFolderInfo, op_mail_folder_info_free)

#define OP_TYPE_MAIL_STORE (op_mail_store_get_type ())
G_DECLARE_FINAL_TYPE (OpMailStore, op_mail_store, OP, MAIL_STORE, GObject)

/*
 * The offline store of one mail account (DESIGN.md "Storage"): an SQLite database in WAL
 * mode, by default $XDG_DATA_HOME/outpost/mail/ACCOUNT-ID.sqlite, with numbered schema
 * migrations, FTS5 search over subject, addresses and cached body text, and
 * conversations threaded across folders (jwz: References and In-Reply-To, then subjects
 * for replies without them).
 *
 * Threads: every write runs on the store's own thread, in one transaction per call; the
 * asynchronous reads run on a second thread with its own connection. The functions
 * without _async read small amounts (a folder, a message, a thread) on the calling
 * thread, which must be the one the store was opened on (the main thread): they are
 * meant for what a view shows at once.
 *
 * Signals (on the thread-default main context of the open call, after the write's
 * transaction committed):
 *   ::folders-changed ()                       — folders were added, removed or changed
 *                                                (names, counts, sync state)
 *   ::conversations-changed (gint64 folder_id, GArray *conversation_ids)
 *                                              — rows of that folder's conversation list
 *                                                changed, appeared or went (gint64 ids)
 *   ::messages-added (gint64 folder_id, GArray *message_ids)
 *                                              — messages new to the store (gint64 ids)
 */

/* $XDG_DATA_HOME/outpost/mail/@account_id.sqlite (the folder is created). */
char            *op_mail_store_default_path      (const char           *account_id);

/* Opens (creating or migrating) the database at @path on the store's thread. */
void             op_mail_store_open_async        (const char           *path,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
OpMailStore     *op_mail_store_open_finish       (GAsyncResult         *result,
                                                  GError              **error);
/* The same, blocking the calling thread (a worker, a test or a benchmark). */
OpMailStore     *op_mail_store_open_sync         (const char           *path,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
const char      *op_mail_store_get_path          (OpMailStore          *self);
/* Closes the database: writes still queued fail with G_IO_ERROR_CANCELLED, the one
 * running ends (its transaction commits or rolls back; this waits for it), and later
 * calls fail with OP_MAIL_STORE_ERROR_CLOSED. Dropping the last reference does the same. */
void             op_mail_store_close             (OpMailStore          *self);

/* --- small reads on the calling (main) thread ------------------------------------- */

/* Every folder, Inbox first, then the special-use ones, then by name.
 * (element-type OpMailFolder) (transfer container) */
GPtrArray       *op_mail_store_list_folders      (OpMailStore          *self,
                                                  GError              **error);
/* (transfer full) (nullable): NULL when there is no such folder. */
OpMailFolder    *op_mail_store_get_folder        (OpMailStore          *self,
                                                  gint64                folder_id);
OpMailFolder    *op_mail_store_lookup_folder     (OpMailStore          *self,
                                                  const char           *name);
/* The first folder with that special use (NULL when none). */
OpMailFolder    *op_mail_store_lookup_special    (OpMailStore          *self,
                                                  OpMailSpecialUse      special_use);
OpMailMessage   *op_mail_store_get_message       (OpMailStore          *self,
                                                  gint64                message_id);
OpMailMessage   *op_mail_store_lookup_uid        (OpMailStore          *self,
                                                  gint64                folder_id,
                                                  guint32               uid);
/* Every message of a conversation, from every folder, oldest first.
 * (element-type OpMailMessage) (transfer container) */
GPtrArray       *op_mail_store_list_conversation (OpMailStore          *self,
                                                  gint64                conversation_id,
                                                  GError              **error);

/* --- reads on the reader thread ---------------------------------------------------- */

/* Local full-text search: every word of @query must occur (as a word prefix) in the
 * subject, an address or the cached body. @folder_id 0: every folder. Newest first, at
 * most @limit. (element-type OpMailMessage) */
void             op_mail_store_search_async      (OpMailStore          *self,
                                                  const char           *query,
                                                  gint64                folder_id,
                                                  guint                 limit,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray       *op_mail_store_search_finish     (OpMailStore          *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* Addresses of the messages held (senders, To and Cc) whose address or a word of whose
 * name starts with @prefix (case-insensitive), most used first, at most @limit, as
 * "Name <address>" or "address": the composer's completion (op-mail-addresses.c).
 * (element-type utf8) */
void             op_mail_store_complete_address_async  (OpMailStore          *self,
                                                        const char           *prefix,
                                                        guint                 limit,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GPtrArray       *op_mail_store_complete_address_finish (OpMailStore          *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* The cached raw message (RFC 5322 bytes), or NULL without an error when it was never
 * fetched. */
void             op_mail_store_load_body_async   (OpMailStore          *self,
                                                  gint64                message_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GBytes          *op_mail_store_load_body_finish  (OpMailStore          *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/**
 * OpMailUidState:
 * One message of a folder as the sync sees it.
 */
typedef struct
{
  guint32     uid;
  OpMailFlags flags;
  guint64     modseq;
} OpMailUidState;

/* Every message of @folder_id, by ascending UID. (element-type OpMailUidState) */
void             op_mail_store_list_uids_async   (OpMailStore          *self,
                                                  gint64                folder_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GArray          *op_mail_store_list_uids_finish  (OpMailStore          *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* The UIDLs of @folder_id's POP3 downloads (committed, so safe to delete on the server),
 * each with when it was stored (seconds since the epoch): a hash table of UIDL →
 * GINT64 in a gint64 *. (transfer full) */
void             op_mail_store_pop3_uidls_async  (OpMailStore          *self,
                                                  gint64                folder_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GHashTable      *op_mail_store_pop3_uidls_finish (OpMailStore          *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* Forgets UIDLs the server no longer has (after a deletion, or another client's). */
void             op_mail_store_pop3_forget_async (OpMailStore          *self,
                                                  gint64                folder_id,
                                                  GStrv                 uidls,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);

/* --- writes on the store thread ---------------------------------------------------- */

/* Makes the folder list equal to @folders (element-type OpMailFolderInfo): new ones are
 * added, gone ones removed with their messages, the others keep their id and messages. */
void             op_mail_store_set_folders_async (OpMailStore          *self,
                                                  GPtrArray            *folders,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
/* Adds one folder (or returns the existing one's id): a local folder, or a POP3 Inbox. */
void             op_mail_store_ensure_folder_async (OpMailStore        *self,
                                                  const OpMailFolderInfo *info,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gint64           op_mail_store_ensure_folder_finish (OpMailStore       *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* Applies @update (transfer full) in one transaction. */
void             op_mail_store_apply_async       (OpMailStore          *self,
                                                  OpMailUpdate         *update,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);

/* Caches @message (the raw RFC 5322 bytes) as @message_id's body: its text joins the
 * search index and sets the preview. */
void             op_mail_store_save_body_async   (OpMailStore          *self,
                                                  gint64                message_id,
                                                  GBytes               *message,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);

/* --- changes made by the user: local at once, queued for the server ------------------ */

/*
 * Each of these changes the store at once (the models update as for a sync) and, in the
 * same transaction, appends an operation to the store's durable queue. OpMailImapSync
 * replays the queue in order before it syncs (op_mail_imap_sync_push_async() does only
 * that); when the server refuses an operation (the message or folder is gone), the
 * server wins: the operation is dropped and the next sync brings the server's state.
 * @message_ids: (element-type gint64) store ids, from any folders.
 */
void             op_mail_store_set_flags_async   (OpMailStore          *self,
                                                  GArray               *message_ids,
                                                  OpMailFlags           add,
                                                  OpMailFlags           remove,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
/* Moves (or copies) the messages to @target_folder_id. A moved message keeps its id. */
void             op_mail_store_move_async        (OpMailStore          *self,
                                                  GArray               *message_ids,
                                                  gint64                target_folder_id,
                                                  gboolean              copy,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
/* Deletes the messages for good (\Deleted, then UID EXPUNGE of just these on a server
 * with UIDPLUS, EXPUNGE on one without). Moving to Trash is op_mail_store_move_async(). */
void             op_mail_store_expunge_async     (OpMailStore          *self,
                                                  GArray               *message_ids,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
void             op_mail_store_create_folder_async (OpMailStore        *self,
                                                  const char           *name,
                                                  char                  delimiter,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
void             op_mail_store_rename_folder_async (OpMailStore        *self,
                                                  gint64                folder_id,
                                                  const char           *new_name,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
void             op_mail_store_delete_folder_async (OpMailStore        *self,
                                                  gint64                folder_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
/* Saves a draft (RFC 5322 bytes) in the Drafts folder (special use; a local "Drafts" is
 * made when the store has none) at once, replacing the draft @replaces (a message id, 0
 * for a new draft), and queues it: the replay APPENDs it (\Draft \Seen) and removes the
 * server's copy of the draft it replaced. Finish with op_mail_store_save_draft_finish():
 * the new draft's message id (pass it as @replaces on the next save). */
void             op_mail_store_save_draft_async  (OpMailStore          *self,
                                                  gint64                replaces,
                                                  GBytes               *message,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gint64           op_mail_store_save_draft_finish (OpMailStore          *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* Operations waiting for the server (a small read on the calling thread). */
guint            op_mail_store_count_pending     (OpMailStore          *self);

/* Finishes set_folders, apply, save_body and the changes above. */
gboolean         op_mail_store_write_finish      (OpMailStore          *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* --- a batch of changes to one folder ---------------------------------------------- */

/*
 * An OpMailUpdate gathers what one sync step learnt about one folder; it is built on any
 * thread and applied at once by op_mail_store_apply_async(). Steps run in this order:
 * clear, removals, messages and flag changes (in the order added), then the state.
 */
OpMailUpdate    *op_mail_update_new              (gint64                folder_id);
void             op_mail_update_free             (OpMailUpdate         *update);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpMailUpdate, op_mail_update_free)

/* Forget every message of the folder first (a UIDVALIDITY change). */
void             op_mail_update_clear            (OpMailUpdate         *update);
/* Store the folder's UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ (a 0 leaves that one as
 * it is). */
void             op_mail_update_set_state        (OpMailUpdate         *update,
                                                  guint32               uidvalidity,
                                                  guint32               uidnext,
                                                  guint64               highestmodseq);
void             op_mail_update_set_complete     (OpMailUpdate         *update,
                                                  gboolean              complete);
/* A message from a UID FETCH (transfer full): with an ENVELOPE it is added (or
 * replaced); with FLAGS only, the known message's flags change. A
 * BODY[HEADER.FIELDS (REFERENCES)] section is read for the References. */
void             op_mail_update_add_fetch        (OpMailUpdate         *update,
                                                  OpImapFetch          *fetch);
/* A whole message (raw RFC 5322 bytes) under @uid: parsed on the store thread, its
 * body cached (POP3, local copies, tests). @date 0: from its Date header. */
void             op_mail_update_add_raw          (OpMailUpdate         *update,
                                                  guint32               uid,
                                                  OpMailFlags           flags,
                                                  gint64                date,
                                                  GBytes               *message);
/* The same for a POP3 download: the message and its @uidl are committed together
 * (op_mail_store_pop3_uidls_async() then knows it was stored). */
void             op_mail_update_add_pop3         (OpMailUpdate         *update,
                                                  guint32               uid,
                                                  const char           *uidl,
                                                  GBytes               *message);
void             op_mail_update_set_flags        (OpMailUpdate         *update,
                                                  guint32               uid,
                                                  OpMailFlags           flags,
                                                  const char           *keywords,
                                                  guint64               modseq);
void             op_mail_update_remove_uid       (OpMailUpdate         *update,
                                                  guint32               uid);
/* @uid_set: an IMAP sequence set of UIDs ("3:7,9"). FALSE if it is not one. */
gboolean         op_mail_update_remove_uid_set   (OpMailUpdate         *update,
                                                  const char           *uid_set);
gboolean         op_mail_update_is_empty         (OpMailUpdate         *update);

G_END_DECLS
