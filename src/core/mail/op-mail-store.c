/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <string.h>

#include "op-mail-store-private.h"
#include "op-mail-thread.h"
#include "op-mime-message.h"
#include "op-profile.h"

G_DEFINE_QUARK (op-mail-store-error-quark, op_mail_store_error)

/* Senders named in a conversation row. */
#define MAX_SENDERS 4

G_DEFINE_FINAL_TYPE (OpMailStore, op_mail_store, G_TYPE_OBJECT)

enum
{
  SIGNAL_FOLDERS_CHANGED,
  SIGNAL_CONVERSATIONS_CHANGED,
  SIGNAL_MESSAGES_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- helpers ---------------------------------------------------------------------------- */

void
_op_mail_set_sqlite_error (GError     **error,
                           sqlite3     *db,
                           const char  *what)
{
  int code = db != NULL ? sqlite3_errcode (db) : SQLITE_ERROR;
  int kind = (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
    ? OP_MAIL_STORE_ERROR_CORRUPT : OP_MAIL_STORE_ERROR_IO;

  g_set_error (error, OP_MAIL_STORE_ERROR, kind, _("The mail store failed while %s: %s"), _(what),
               db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (code));
}

const char *
_op_mail_column_text (sqlite3_stmt *stmt,
                      int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);
  return text != NULL ? text : "";
}

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v3 (db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (error, db, N_("preparing a query"));
      return NULL;
    }
  return stmt;
}

/* The writer's statements are prepared once (keyed by their SQL text's address) and
 * reset before each use: a first sync runs each of them 100,000 times. */
sqlite3_stmt *
_op_mail_wstmt (OpMailStore  *self,
                const char   *sql,
                GError      **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->write_stmts, sql);

  if (stmt == NULL)
    {
      stmt = prepare (self->write_db, sql, error);
      if (stmt == NULL)
        return NULL;
      g_hash_table_insert (self->write_stmts, (gpointer) sql, stmt);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return stmt;
}

static gboolean
exec (sqlite3     *db,
      const char  *sql,
      GError     **error)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (error, db, sql);
      return FALSE;
    }
  return TRUE;
}

void
_op_mail_bind_text (sqlite3_stmt *stmt,
                    int           index,
                    const char   *text)
{
  sqlite3_bind_text (stmt, index, text != NULL ? text : "", -1, SQLITE_TRANSIENT);
}

/* @text bound without a copy: only for a statement from _op_mail_wstmt() (which clears
 * its bindings before each use), and @text must live until the statement is stepped
 * and reset. A first sync binds a dozen strings per message. */
void
_op_mail_bind_text_static (sqlite3_stmt *stmt,
                           int           index,
                           const char   *text)
{
  sqlite3_bind_text (stmt, index, text != NULL ? text : "", -1, SQLITE_STATIC);
}

/* Steps a statement that returns no rows (or whose rows are not wanted). */
gboolean
_op_mail_step_done (sqlite3_stmt  *stmt,
                    GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      _op_mail_set_sqlite_error (error, sqlite3_db_handle (stmt), N_("writing"));
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

gint64
_op_mail_query_int64 (sqlite3    *db,
                      const char *sql,
                      gint64      arg,
                      gint64      fallback)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 value = fallback;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return fallback;
  sqlite3_bind_int64 (stmt, 1, arg);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = sqlite3_column_int64 (stmt, 0);
  return value;
}

/* TRUE when _op_mail_clean_text() would return @text as it is: valid UTF-8, no
 * controls, no space at either end, shorter than the limit (most header text). */
static gboolean
is_clean_text (const char *text)
{
  const guchar *p;
  gsize length;

  for (p = (const guchar *) text; *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      return FALSE;
  length = p - (const guchar *) text;
  if (length >= OP_MAIL_MAX_FIELD_TEXT
      || (length > 0 && (text[0] == ' ' || text[length - 1] == ' ')))
    return FALSE;
  return g_utf8_validate_len (text, length, NULL);
}

/* One line of valid UTF-8 without controls, at most OP_MAIL_MAX_FIELD_TEXT bytes. */
char *
_op_mail_clean_text (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL)
    return g_strdup ("");
  if (is_clean_text (text))
    return g_strdup (text);
  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0' && out->len < OP_MAIL_MAX_FIELD_TEXT; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c < 0x20 || c == 0x7f)
        {
          if (out->len > 0 && out->str[out->len - 1] != ' ')
            g_string_append_c (out, ' ');
        }
      else
        g_string_append_unichar (out, c);
    }
  g_strstrip (out->str);
  out->len = strlen (out->str);
  return g_string_free (out, FALSE);
}

/* A raw header value from an ENVELOPE: RFC 2047 words decoded, raw 8-bit bytes read as
 * UTF-8 when valid, else windows-1252 (op_mime_decode_text). */
char *
_op_mail_decode_header_text (const char *raw)
{
  g_autofree char *utf8 = NULL;
  g_autofree char *decoded = NULL;

  if (raw == NULL)
    return g_strdup ("");
  op_mime_init ();
  if (!g_utf8_validate (raw, -1, NULL))
    utf8 = op_mime_decode_text (raw, strlen (raw), NULL, NULL);
  /* Without an encoded word GMime returns valid UTF-8 as it is: most headers skip it. */
  if (strstr (utf8 != NULL ? utf8 : raw, "=?") == NULL)
    return _op_mail_clean_text (utf8 != NULL ? utf8 : raw);
  decoded = g_mime_utils_header_decode_text (NULL, utf8 != NULL ? utf8 : raw);
  return _op_mail_clean_text (decoded);
}

char *
_op_mail_strip_angles (const char *id)
{
  g_auto(GStrv) ids = NULL;

  if (id == NULL)
    return g_strdup ("");
  ids = op_mail_thread_parse_ids (id);
  if (ids[0] != NULL)
    return g_strdup (ids[g_strv_length (ids) - 1]);
  return _op_mail_clean_text (id);
}

/* --- the store object ------------------------------------------------------------------- */

static void
close_databases (OpMailStore *self)
{
  if (self->writer != NULL)
    op_worker_shutdown (self->writer);
  if (self->reader != NULL)
    op_worker_shutdown (self->reader);
  if (self->write_stmts != NULL)
    g_hash_table_remove_all (self->write_stmts);
  g_clear_pointer (&self->write_db, sqlite3_close_v2);
  g_clear_pointer (&self->read_db, sqlite3_close_v2);
  g_clear_pointer (&self->main_db, sqlite3_close_v2);
  self->closed = TRUE;
}

static void
op_mail_store_dispose (GObject *object)
{
  OpMailStore *self = OP_MAIL_STORE (object);

  close_databases (self);
  g_clear_object (&self->writer);
  g_clear_object (&self->reader);
  G_OBJECT_CLASS (op_mail_store_parent_class)->dispose (object);
}

static void
op_mail_store_finalize (GObject *object)
{
  OpMailStore *self = OP_MAIL_STORE (object);

  g_free (self->path);
  g_clear_pointer (&self->write_stmts, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (op_mail_store_parent_class)->finalize (object);
}

static void
op_mail_store_class_init (OpMailStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_mail_store_dispose;
  object_class->finalize = op_mail_store_finalize;

  signals[SIGNAL_FOLDERS_CHANGED] =
    g_signal_new ("folders-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_CONVERSATIONS_CHANGED] =
    g_signal_new ("conversations-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_ARRAY);
  signals[SIGNAL_MESSAGES_ADDED] =
    g_signal_new ("messages-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_ARRAY);
}

static void
op_mail_store_init (OpMailStore *self)
{
}

char *
op_mail_store_default_path (const char *account_id)
{
  g_autofree char *data = op_profile_data_dir ();
  g_autofree char *dir = g_build_filename (data, "mail", NULL);
  g_autofree char *name = NULL;

  g_return_val_if_fail (account_id != NULL && *account_id != '\0', NULL);
  g_return_val_if_fail (strchr (account_id, '/') == NULL, NULL);

  op_profile_ensure_dir (dir, NULL);
  name = g_strconcat (account_id, ".sqlite", NULL);
  return g_build_filename (dir, name, NULL);
}

static sqlite3 *
open_connection (const char  *path,
                 gboolean     writer,
                 GError     **error)
{
  sqlite3 *db = NULL;
  /* The writer connection is only ever used by one thread at a time (the one that opens
   * the store, then the write thread): no mutex around each of its calls, which a first
   * sync makes a million times. The readers are shared between threads. */
  int flags = SQLITE_OPEN_READWRITE
    | (writer ? SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX : SQLITE_OPEN_FULLMUTEX);

  if (sqlite3_open_v2 (path, &db, flags, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (error, db, N_("opening the database"));
      sqlite3_close_v2 (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, FALSE);
  /* Readers wait for a checkpoint rather than fail; the writer is alone. */
  sqlite3_busy_timeout (db, 10000);
  if (!exec (db, "PRAGMA foreign_keys = ON", error))
    {
      sqlite3_close_v2 (db);
      return NULL;
    }
  return db;
}

static gboolean
open_store (OpMailStore   *self,
            GError       **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);

  if (!op_profile_ensure_dir (dir, error))
    return FALSE;

  self->write_db = open_connection (self->path, TRUE, error);
  if (self->write_db == NULL)
    return FALSE;
  /* WAL: readers never wait for the writer. synchronous=FULL: a commit is on disk when
   * it returns (POP3 deletes only what is committed, DESIGN.md "no data loss"); only an
   * IMAP sync's batches, which the server still holds, commit without waiting
   * (_op_mail_store_queue_write() with @bulk). */
  if (!exec (self->write_db, "PRAGMA journal_mode = WAL", error)
      || !exec (self->write_db, "PRAGMA synchronous = FULL", error)
      /* A first sync's batches insert all over the indexes keyed by Message-ID and
       * subject: with SQLite's default 2 MB their pages are read again and again, and
       * a batch's dirty pages spill to the log before its commit. */
      || !exec (self->write_db, "PRAGMA cache_size = -32768", error)
      /* A checkpoint every 32 MB of log instead of SQLite's 4 MB: a first sync
       * rewrites the same index pages batch after batch, and each checkpoint copied
       * them into the database again (and synced it). */
      || !exec (self->write_db, "PRAGMA wal_autocheckpoint = 8192", error))
    return FALSE;
  if (sqlite3_exec (self->write_db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (error, self->write_db, N_("reading the database"));
      return FALSE;
    }
  if (!_op_mail_schema_migrate (self->write_db, OP_MAIL_STORE_SCHEMA_VERSION, error))
    return FALSE;
  /* A message that was being sent when Outpost stopped may or may not have reached the
   * server: it is kept, marked, and never sent again without the user saying so. */
  if (!exec (self->write_db, "UPDATE outbox SET state = 4 WHERE state = 1", error))
    return FALSE;

  self->read_db = open_connection (self->path, FALSE, error);
  if (self->read_db == NULL)
    return FALSE;
  self->main_db = open_connection (self->path, FALSE, error);
  return self->main_db != NULL;
}

static OpMailStore *
store_new (const char *path)
{
  OpMailStore *self = g_object_new (OP_TYPE_MAIL_STORE, NULL);

  self->path = g_strdup (path);
  self->context = g_main_context_ref_thread_default ();
  self->writer = op_worker_new ("mail-store");
  self->reader = op_worker_new ("mail-read");
  self->write_stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                             (GDestroyNotify) sqlite3_finalize);
  return self;
}

static void
open_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpMailStore *self = task_data;
  GError *error = NULL;

  if (!open_store (self, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
op_mail_store_open_async (const char          *path,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  OpMailStore *self;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (path != NULL);

  self = store_new (path);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_mail_store_open_async);
  g_task_set_task_data (task, self, g_object_unref);
  op_worker_run (self->writer, task, open_thread);
}

OpMailStore *
op_mail_store_open_finish (GAsyncResult  *result,
                           GError       **error)
{
  OpMailStore *self;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  self = g_task_get_task_data (G_TASK (result));
  return g_object_ref (self);
}

OpMailStore *
op_mail_store_open_sync (const char    *path,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(OpMailStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  self = store_new (path);
  if (!open_store (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
op_mail_store_get_path (OpMailStore *self)
{
  g_return_val_if_fail (OP_IS_MAIL_STORE (self), NULL);
  return self->path;
}

void
op_mail_store_close (OpMailStore *self)
{
  g_return_if_fail (OP_IS_MAIL_STORE (self));
  close_databases (self);
}

sqlite3 *
_op_mail_store_get_main_db (OpMailStore *self)
{
  return self->main_db;
}

gboolean
_op_mail_store_check_open (OpMailStore  *self,
                           GError      **error)
{
  if (self->closed || self->main_db == NULL)
    {
      g_set_error_literal (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_CLOSED,
                           _("The mail store is closed."));
      return FALSE;
    }
  return TRUE;
}

/* --- small reads on the main thread ------------------------------------------------------ */

#define FOLDER_ORDER \
  " ORDER BY f.special_use = 0, CASE f.special_use WHEN 1 THEN 0 ELSE f.special_use END," \
  " f.name COLLATE NOCASE"

GPtrArray *
op_mail_store_list_folders (OpMailStore  *self,
                            GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) folders = g_ptr_array_new_with_free_func (g_object_unref);
  int rc;

  g_return_val_if_fail (OP_IS_MAIL_STORE (self), NULL);

  if (!_op_mail_store_check_open (self, error))
    return NULL;
  if (sqlite3_prepare_v2 (self->main_db,
                          "SELECT " OP_MAIL_FOLDER_COLUMNS " FROM folders f" FOLDER_ORDER,
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (error, self->main_db, N_("reading folders"));
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (folders, _op_mail_folder_new_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      _op_mail_set_sqlite_error (error, self->main_db, N_("reading folders"));
      return NULL;
    }
  return g_steal_pointer (&folders);
}

static OpMailFolder *
read_folder (OpMailStore *self,
             const char  *where,
             gint64       number,
             const char  *text)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = g_strconcat ("SELECT " OP_MAIL_FOLDER_COLUMNS " FROM folders f WHERE ",
                                      where, FOLDER_ORDER, " LIMIT 1", NULL);

  if (!_op_mail_store_check_open (self, NULL)
      || sqlite3_prepare_v2 (self->main_db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  if (text != NULL)
    _op_mail_bind_text (stmt, 1, text);
  else
    sqlite3_bind_int64 (stmt, 1, number);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return _op_mail_folder_new_from_row (stmt);
}

OpMailFolder *
op_mail_store_get_folder (OpMailStore *self,
                          gint64       folder_id)
{
  g_return_val_if_fail (OP_IS_MAIL_STORE (self), NULL);
  return read_folder (self, "f.id = ?1", folder_id, NULL);
}

OpMailFolder *
op_mail_store_lookup_folder (OpMailStore *self,
                             const char  *name)
{
  g_return_val_if_fail (OP_IS_MAIL_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return read_folder (self, "f.name = ?1", 0, name);
}

OpMailFolder *
op_mail_store_lookup_special (OpMailStore      *self,
                              OpMailSpecialUse  special_use)
{
  g_return_val_if_fail (OP_IS_MAIL_STORE (self), NULL);
  return read_folder (self, "f.special_use = ?1", special_use, NULL);
}

static OpMailMessage *
read_message (sqlite3    *db,
              const char *where,
              gint64      a,
              gint64      b)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = g_strconcat ("SELECT " OP_MAIL_MESSAGE_COLUMNS " FROM messages m WHERE ",
                                      where, NULL);

  if (db == NULL || sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, a);
  sqlite3_bind_int64 (stmt, 2, b);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return _op_mail_message_new_from_row (stmt);
}

OpMailMessage *
op_mail_store_get_message (OpMailStore *self,
                           gint64       message_id)
{
  g_return_val_if_fail (OP_IS_MAIL_STORE (self), NULL);
  if (!_op_mail_store_check_open (self, NULL))
    return NULL;
  return read_message (self->main_db, "m.id = ?1", message_id, 0);
}

OpMailMessage *
op_mail_store_lookup_uid (OpMailStore *self,
                          gint64       folder_id,
                          guint32      uid)
{
  g_return_val_if_fail (OP_IS_MAIL_STORE (self), NULL);
  if (!_op_mail_store_check_open (self, NULL))
    return NULL;
  return read_message (self->main_db, "m.folder_id = ?1 AND m.uid = ?2", folder_id, uid);
}

GPtrArray *
op_mail_store_list_conversation (OpMailStore  *self,
                                 gint64        conversation_id,
                                 GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_object_unref);
  int rc;

  g_return_val_if_fail (OP_IS_MAIL_STORE (self), NULL);

  if (!_op_mail_store_check_open (self, error))
    return NULL;
  if (sqlite3_prepare_v2 (self->main_db,
                          "SELECT " OP_MAIL_MESSAGE_COLUMNS " FROM messages m"
                          " WHERE m.conversation_id = ?1 ORDER BY m.date, m.id",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (error, self->main_db, N_("reading a conversation"));
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (messages, _op_mail_message_new_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      _op_mail_set_sqlite_error (error, self->main_db, N_("reading a conversation"));
      return NULL;
    }
  return g_steal_pointer (&messages);
}

/* --- writes --------------------------------------------------------------------------------- */

static guint
int64_hash (gconstpointer v)
{
  return g_int64_hash (v);
}

/* Keys of changes->fresh: an OpMailFreshRow, or a gint64[2] to look one up. */
static guint
pair_hash (gconstpointer v)
{
  const gint64 *pair = v;
  return g_int64_hash (&pair[0]) * 31 + g_int64_hash (&pair[1]);
}

static gboolean
pair_equal (gconstpointer a,
            gconstpointer b)
{
  const gint64 *x = a, *y = b;
  return x[0] == y[0] && x[1] == y[1];
}

static void
fresh_message_clear (gpointer data)
{
  OpMailFreshMessage *message = data;

  g_free (message->name);
  g_free (message->addr);
}

static void
fresh_row_free (gpointer data)
{
  OpMailFreshRow *row = data;

  g_array_unref (row->messages);
  g_free (row);
}

G_STATIC_ASSERT (G_STRUCT_OFFSET (OpMailFreshRow, conversation_id) == sizeof (gint64));

static OpMailChanges *
changes_new (void)
{
  OpMailChanges *changes = g_new0 (OpMailChanges, 1);

  changes->touched = g_hash_table_new_full (int64_hash, g_int64_equal, g_free,
                                            (GDestroyNotify) g_hash_table_unref);
  changes->added = g_hash_table_new_full (int64_hash, g_int64_equal, g_free,
                                          (GDestroyNotify) g_array_unref);
  changes->count_folders = g_hash_table_new_full (int64_hash, g_int64_equal, g_free, g_free);
  changes->fresh = g_hash_table_new_full (pair_hash, pair_equal, NULL, fresh_row_free);
  return changes;
}

static void
changes_free (OpMailChanges *changes)
{
  g_hash_table_unref (changes->touched);
  g_hash_table_unref (changes->added);
  g_hash_table_unref (changes->count_folders);
  g_hash_table_unref (changes->fresh);
  g_free (changes);
}

/* The pair is reported changed; returns the folder's count delta. */
static OpMailCountDelta *
mark_touched (OpMailChanges *changes,
              gint64         folder_id,
              gint64         conversation_id)
{
  GHashTable *set = g_hash_table_lookup (changes->touched, &folder_id);
  OpMailCountDelta *delta;

  if (set == NULL)
    {
      set = g_hash_table_new_full (int64_hash, g_int64_equal, g_free, NULL);
      g_hash_table_insert (changes->touched, g_memdup2 (&folder_id, sizeof folder_id), set);
    }
  if (!g_hash_table_contains (set, &conversation_id))
    g_hash_table_add (set, g_memdup2 (&conversation_id, sizeof conversation_id));
  delta = g_hash_table_lookup (changes->count_folders, &folder_id);
  if (delta == NULL)
    {
      delta = g_new0 (OpMailCountDelta, 1);
      g_hash_table_insert (changes->count_folders, g_memdup2 (&folder_id, sizeof folder_id), delta);
    }
  return delta;
}

void
_op_mail_changes_touch (OpMailChanges *changes,
                        gint64         folder_id,
                        gint64         conversation_id)
{
  OpMailCountDelta *delta = mark_touched (changes, folder_id, conversation_id);
  gint64 pair[2] = { folder_id, conversation_id };
  OpMailFreshRow *row;

  if (g_hash_table_size (changes->fresh) == 0
      || (row = g_hash_table_lookup (changes->fresh, pair)) == NULL)
    return;
  /* Touched otherwise (a merge, a flag, a removal): the row is computed again from the
   * messages (refresh_pair()), which counts them all, so what they added goes. */
  for (guint i = 0; i < row->messages->len; i++)
    {
      delta->total -= 1;
      delta->unread -= g_array_index (row->messages, OpMailFreshMessage, i).unread;
    }
  g_hash_table_remove (changes->fresh, pair);
}

void
_op_mail_changes_inserted (OpMailChanges            *changes,
                           gint64                    folder_id,
                           gint64                    conversation_id,
                           gboolean                  created,
                           const OpMailFreshMessage *message)
{
  gint64 pair[2] = { folder_id, conversation_id };
  OpMailFreshRow *row = created ? NULL : g_hash_table_lookup (changes->fresh, pair);
  OpMailCountDelta *delta;
  OpMailFreshMessage copy = *message;

  /* A conversation made before this transaction: its row is computed again. */
  if (!created && row == NULL)
    {
      _op_mail_changes_touch (changes, folder_id, conversation_id);
      return;
    }
  delta = mark_touched (changes, folder_id, conversation_id);
  if (row == NULL)
    {
      row = g_new0 (OpMailFreshRow, 1);
      row->folder_id = folder_id;
      row->conversation_id = conversation_id;
      row->messages = g_array_new (FALSE, FALSE, sizeof (OpMailFreshMessage));
      g_array_set_clear_func (row->messages, fresh_message_clear);
      g_hash_table_replace (changes->fresh, row, row);
    }
  copy.name = g_strdup (message->name != NULL ? message->name : "");
  copy.addr = g_strdup (message->addr != NULL ? message->addr : "");
  g_array_append_val (row->messages, copy);
  delta->total += 1;
  delta->unread += message->unread;
}

void
_op_mail_changes_added (OpMailChanges *changes,
                        gint64         folder_id,
                        gint64         message_id)
{
  GArray *ids = g_hash_table_lookup (changes->added, &folder_id);

  if (ids == NULL)
    {
      ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (changes->added, g_memdup2 (&folder_id, sizeof folder_id), ids);
    }
  g_array_append_val (ids, message_id);
}

typedef struct
{
  OpMailStore *store;
  OpMailChanges     *changes;
} Emission;

static gboolean
emit_changes (gpointer data)
{
  Emission *emission = data;
  OpMailStore *self = emission->store;
  OpMailChanges *changes = emission->changes;
  GHashTableIter iter;
  gpointer key, value;

  if (changes->folders_changed || g_hash_table_size (changes->count_folders) > 0)
    g_signal_emit (self, signals[SIGNAL_FOLDERS_CHANGED], 0);

  g_hash_table_iter_init (&iter, changes->touched);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      GHashTableIter inner;
      gpointer conv;

      g_hash_table_iter_init (&inner, value);
      while (g_hash_table_iter_next (&inner, &conv, NULL))
        g_array_append_val (ids, *(gint64 *) conv);
      g_signal_emit (self, signals[SIGNAL_CONVERSATIONS_CHANGED], 0, *(gint64 *) key, ids);
    }

  g_hash_table_iter_init (&iter, changes->added);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_signal_emit (self, signals[SIGNAL_MESSAGES_ADDED], 0, *(gint64 *) key, value);

  return G_SOURCE_REMOVE;
}

static void
emission_free (gpointer data)
{
  Emission *emission = data;

  g_object_unref (emission->store);
  changes_free (emission->changes);
  g_free (emission);
}

static void
write_job_free (OpMailWriteJob *job)
{
  if (job->data_free != NULL)
    job->data_free (job->data);
  g_free (job);
}

static gboolean refresh_aggregates (OpMailStore *self, OpMailChanges *changes, GError **error);

/* Every kept statement reset: one left on a row would hold its read transaction open
 * past the commit, so the next BEGIN IMMEDIATE would fail at once ("database is locked")
 * once another connection had written, and no checkpoint could pass it. Returns TRUE. */
static gboolean
reset_write_stmts (OpMailStore *self)
{
  GHashTableIter iter;
  gpointer stmt;

  g_hash_table_iter_init (&iter, self->write_stmts);
  while (g_hash_table_iter_next (&iter, NULL, &stmt))
    sqlite3_reset (stmt);
  return TRUE;
}

static void
write_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  OpMailStore *self = source;
  OpMailWriteJob *job = task_data;
  OpMailChanges *changes;
  GError *error = NULL;

  if (self->write_db == NULL)
    {
      g_task_return_new_error (task, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_CLOSED,
                               _("The mail store is closed."));
      return;
    }

  changes = changes_new ();
  if ((job->bulk && !exec (self->write_db, "PRAGMA synchronous = NORMAL", &error))
      || !exec (self->write_db, "BEGIN IMMEDIATE", &error))
    {
      if (job->bulk)
        sqlite3_exec (self->write_db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
      changes_free (changes);
      g_task_return_error (task, error);
      return;
    }
  if (!job->func (self, self->write_db, job, changes, &error)
      || !refresh_aggregates (self, changes, &error)
      || !reset_write_stmts (self)
      || !exec (self->write_db, "COMMIT", &error))
    {
      reset_write_stmts (self);
      sqlite3_exec (self->write_db, "ROLLBACK", NULL, NULL, NULL);
      if (job->bulk)
        sqlite3_exec (self->write_db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
      changes_free (changes);
      g_task_return_error (task, error);
      return;
    }
  /* Every other write is on disk when it is reported done (POP3 deletes only what is
   * committed; the outbox; DESIGN.md "no data loss"). */
  if (job->bulk && !exec (self->write_db, "PRAGMA synchronous = FULL", &error))
    {
      changes_free (changes);
      g_task_return_error (task, error);
      return;
    }

  {
    Emission *emission = g_new0 (Emission, 1);
    GSource *idle = g_idle_source_new ();

    emission->store = g_object_ref (self);
    emission->changes = changes;
    g_source_set_priority (idle, G_PRIORITY_DEFAULT);
    g_source_set_callback (idle, emit_changes, emission, emission_free);
    g_source_attach (idle, self->context);
    g_source_unref (idle);
  }
  g_task_return_int (task, job->result);
}

void
_op_mail_store_queue_write (OpMailStore          *self,
                            gpointer              source_tag,
                            OpMailStoreWriteFunc  func,
                            gpointer              data,
                            GDestroyNotify        data_free,
                            gboolean              bulk,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  OpMailWriteJob *job = g_new0 (OpMailWriteJob, 1);

  g_task_set_source_tag (task, source_tag);
  job->bulk = bulk;
  job->func = func;
  job->data = data;
  job->data_free = data_free;
  g_task_set_task_data (task, job, (GDestroyNotify) write_job_free);
  /* A write that started is finished: cancelling only drops writes still queued. */
  g_task_set_return_on_cancel (task, FALSE);
  if (self->closed)
    {
      g_task_return_new_error (task, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_CLOSED,
                               _("The mail store is closed."));
      return;
    }
  op_worker_run (self->writer, task, write_thread);
}


gboolean
op_mail_store_write_finish (OpMailStore   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  GError *local = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_task_propagate_int (G_TASK (result), &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  OpMailWriteFunc func;
  gpointer        data;
  GDestroyNotify  data_free;
} GenericWrite;

static void
generic_write_free (GenericWrite *generic)
{
  if (generic->data_free != NULL)
    generic->data_free (generic->data);
  g_free (generic);
}

static gboolean
generic_write (OpMailStore     *self,
               sqlite3         *db,
               OpMailWriteJob  *job,
               OpMailChanges   *changes,
               GError         **error)
{
  GenericWrite *generic = job->data;

  return generic->func (self, db, generic->data, &job->result, error);
}

void
_op_mail_store_run_write (OpMailStore         *self,
                          gpointer             source_tag,
                          OpMailWriteFunc      func,
                          gpointer             data,
                          GDestroyNotify       data_free,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GenericWrite *generic = g_new0 (GenericWrite, 1);

  generic->func = func;
  generic->data = data;
  generic->data_free = data_free;
  _op_mail_store_queue_write (self, source_tag, generic_write, generic, (GDestroyNotify) generic_write_free,
                              FALSE, cancellable, callback, user_data);
}

gint64
_op_mail_store_write_finish_int (OpMailStore   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

static void add_sender (GString *senders, GHashTable *seen, guint *n_senders, const char *name,
                        const char *addr);

static gboolean
put_pair (OpMailStore  *self,
          gint64        folder_id,
          gint64        conversation_id,
          gint64        latest_date,
          gint64        latest_id,
          gint64        count,
          gint64        unread,
          gboolean      flagged,
          gboolean      attachments,
          const char   *senders,
          GError      **error)
{
  sqlite3_stmt *put = _op_mail_wstmt (self,
                                      "INSERT INTO folder_conversations"
                                      " (folder_id, conversation_id, latest_date, latest_message_id,"
                                      "  n_messages, n_unread, flagged, has_attachments, senders)"
                                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)" FOLDER_CONVERSATION_UPSERT,
                                      error);
  if (put == NULL)
    return FALSE;
  sqlite3_bind_int64 (put, 1, folder_id);
  sqlite3_bind_int64 (put, 2, conversation_id);
  sqlite3_bind_int64 (put, 3, latest_date);
  sqlite3_bind_int64 (put, 4, latest_id);
  sqlite3_bind_int64 (put, 5, count);
  sqlite3_bind_int64 (put, 6, unread);
  sqlite3_bind_int64 (put, 7, flagged);
  sqlite3_bind_int64 (put, 8, attachments);
  _op_mail_bind_text (put, 9, senders);
  return _op_mail_step_done (put, error);
}

/* The aggregate row of (@folder_id, @conversation_id) and the counts of the folders
 * touched, computed again from the messages. */
static gboolean
refresh_pair (OpMailStore       *self,
              gint64             folder_id,
              gint64             conversation_id,
              OpMailCountDelta  *delta,
              GError           **error)
{
  sqlite3_stmt *agg = NULL;
  sqlite3_stmt *rows = NULL;
  g_autoptr(GString) senders = g_string_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3 *db = self->write_db;
  gint64 count, unread, latest_date = 0, latest_id = 0, flagged, attachments;
  guint n_senders = 0;
  int rc;

  agg = _op_mail_wstmt (self,
                          "SELECT count(*), total((flags & 1) = 0), total((flags & 4) != 0),"
                          " total(has_attachments) FROM messages WHERE folder_id = ?1 AND conversation_id = ?2",
                          error);
  if (agg == NULL)
    return FALSE;
  sqlite3_bind_int64 (agg, 1, folder_id);
  sqlite3_bind_int64 (agg, 2, conversation_id);
  if (sqlite3_step (agg) != SQLITE_ROW)
    {
      _op_mail_set_sqlite_error (error, db, N_("counting a conversation"));
      return FALSE;
    }
  count = sqlite3_column_int64 (agg, 0);
  unread = sqlite3_column_int64 (agg, 1);
  flagged = sqlite3_column_int64 (agg, 2) > 0;
  attachments = sqlite3_column_int64 (agg, 3) > 0;
  sqlite3_reset (agg);

  /* The folder's counts move by the difference to the row as it was. */
  {
    sqlite3_stmt *old = _op_mail_wstmt (self,
                                        "SELECT n_messages, n_unread FROM folder_conversations"
                                        " WHERE folder_id = ?1 AND conversation_id = ?2",
                                        error);
    if (old == NULL)
      return FALSE;
    sqlite3_bind_int64 (old, 1, folder_id);
    sqlite3_bind_int64 (old, 2, conversation_id);
    delta->total += count;
    delta->unread += unread;
    if (sqlite3_step (old) == SQLITE_ROW)
      {
        delta->total -= sqlite3_column_int64 (old, 0);
        delta->unread -= sqlite3_column_int64 (old, 1);
      }
    sqlite3_reset (old);
  }

  if (count == 0)
    {
      sqlite3_stmt *del = _op_mail_wstmt (self,
                                                      "DELETE FROM folder_conversations"
                                                      " WHERE folder_id = ?1 AND conversation_id = ?2",
                                                      error);
      if (del == NULL)
        return FALSE;
      sqlite3_bind_int64 (del, 1, folder_id);
      sqlite3_bind_int64 (del, 2, conversation_id);
      return _op_mail_step_done (del, error);
    }

  rows = _op_mail_wstmt (self,
                           "SELECT id, date, from_name, from_addr FROM messages"
                           " WHERE folder_id = ?1 AND conversation_id = ?2 ORDER BY date DESC, id DESC",
                           error);
  if (rows == NULL)
    return FALSE;
  sqlite3_bind_int64 (rows, 1, folder_id);
  sqlite3_bind_int64 (rows, 2, conversation_id);
  while ((rc = sqlite3_step (rows)) == SQLITE_ROW)
    {
      const char *name = _op_mail_column_text (rows, 2);
      const char *addr = _op_mail_column_text (rows, 3);

      if (latest_id == 0)
        {
          latest_id = sqlite3_column_int64 (rows, 0);
          latest_date = sqlite3_column_int64 (rows, 1);
        }
      add_sender (senders, seen, &n_senders, name, addr);
    }
  if (rc != SQLITE_DONE)
    {
      _op_mail_set_sqlite_error (error, db, N_("reading a conversation"));
      return FALSE;
    }

  return put_pair (self, folder_id, conversation_id, latest_date, latest_id, count, unread, flagged, attachments,
                   senders->str, error);
}

/* The list of senders of a conversation, newest first: the first MAX_SENDERS distinct
 * addresses, each shown by its name when it has one. */
static void
add_sender (GString    *senders,
            GHashTable *seen,
            guint      *n_senders,
            const char *name,
            const char *addr)
{
  const char *shown = *name != '\0' ? name : addr;

  if (*n_senders >= MAX_SENDERS || *shown == '\0' || g_hash_table_contains (seen, addr))
    return;
  g_hash_table_add (seen, g_strdup (addr));
  if (senders->len > 0)
    g_string_append (senders, ", ");
  g_string_append (senders, shown);
  (*n_senders)++;
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  const OpMailFreshMessage *x = a, *y = b;

  if (x->date != y->date)
    return x->date > y->date ? -1 : 1;
  return x->id > y->id ? -1 : x->id < y->id;
}

/* The row of a conversation this transaction made, from the messages it inserted: what
 * refresh_pair() would read back, without reading. */
static gboolean
write_fresh (OpMailStore     *self,
             OpMailFreshRow  *row,
             GError         **error)
{
  g_autoptr(GString) senders = g_string_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 unread = 0;
  gboolean flagged = FALSE, attachments = FALSE;
  guint n_senders = 0;
  OpMailFreshMessage *latest;

  g_array_sort (row->messages, compare_newest_first);
  for (guint i = 0; i < row->messages->len; i++)
    {
      OpMailFreshMessage *message = &g_array_index (row->messages, OpMailFreshMessage, i);

      unread += message->unread;
      flagged |= message->flagged;
      attachments |= message->has_attachments;
      add_sender (senders, seen, &n_senders, message->name, message->addr);
    }
  latest = &g_array_index (row->messages, OpMailFreshMessage, 0);
  return put_pair (self, row->folder_id, row->conversation_id, latest->date, latest->id, row->messages->len,
                   unread, flagged, attachments, senders->str, error);
}

static gboolean
refresh_aggregates (OpMailStore    *self,
                    OpMailChanges  *changes,
                    GError        **error)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, changes->touched);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GHashTableIter inner;
      gpointer conv;

      OpMailCountDelta *delta = g_hash_table_lookup (changes->count_folders, key);
      OpMailCountDelta gone = { 0 };

      /* A folder deleted in this transaction keeps no counts. */
      if (delta == NULL)
        delta = &gone;
      g_hash_table_iter_init (&inner, value);
      while (g_hash_table_iter_next (&inner, &conv, NULL))
        {
          gint64 pair[2] = { *(gint64 *) key, *(gint64 *) conv };

          if (g_hash_table_contains (changes->fresh, pair))
            continue;
          if (!refresh_pair (self, pair[0], pair[1], delta, error))
            return FALSE;
        }
    }

  /* The conversations made here: their counts were added as their messages went in. */
  g_hash_table_iter_init (&iter, changes->fresh);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!write_fresh (self, key, error))
      return FALSE;

  /* Folder counts move by what the refreshed rows changed: no scan of a large folder. */
  g_hash_table_iter_init (&iter, changes->count_folders);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      OpMailCountDelta *delta = value;
      sqlite3_stmt *stmt;

      if (delta->total == 0 && delta->unread == 0)
        continue;
      stmt = _op_mail_wstmt (self, "UPDATE folders SET total = total + ?2, unread = unread + ?3 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, *(gint64 *) key);
      sqlite3_bind_int64 (stmt, 2, delta->total);
      sqlite3_bind_int64 (stmt, 3, delta->unread);
      if (!_op_mail_step_done (stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* --- folders --- */

OpMailFolderInfo *
op_mail_folder_info_new (const char       *name,
                         char              delimiter,
                         OpMailSpecialUse  special_use,
                         gboolean          selectable)
{
  OpMailFolderInfo *info = g_new0 (OpMailFolderInfo, 1);

  info->name = g_strdup (name);
  info->delimiter = delimiter;
  info->special_use = special_use;
  info->selectable = selectable;
  return info;
}

void
op_mail_folder_info_free (OpMailFolderInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info);
}

gboolean
_op_mail_store_upsert_folder (OpMailStore             *self,
                              const OpMailFolderInfo  *info,
                              gint64                  *id,
                              OpMailChanges           *changes,
                              GError                 **error)
{
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db = self->write_db;
  char delimiter[2] = { info->delimiter, '\0' };

  stmt = _op_mail_wstmt (self,
                           "INSERT INTO folders (name, delimiter, special_use, selectable)"
                           " VALUES (?1, ?2, ?3, ?4)"
                           " ON CONFLICT (name) DO UPDATE SET delimiter = ?2, special_use = ?3, selectable = ?4"
                           " WHERE delimiter != ?2 OR special_use != ?3 OR selectable != ?4",
                           error);
  if (stmt == NULL)
    return FALSE;
  _op_mail_bind_text (stmt, 1, info->name);
  _op_mail_bind_text (stmt, 2, delimiter);
  sqlite3_bind_int (stmt, 3, info->special_use);
  sqlite3_bind_int (stmt, 4, info->selectable);
  if (!_op_mail_step_done (stmt, error))
    return FALSE;
  if (sqlite3_changes (db) > 0)
    changes->folders_changed = TRUE;

  {
    sqlite3_stmt *get = _op_mail_wstmt (self, "SELECT id FROM folders WHERE name = ?1", error);
    if (get == NULL)
      return FALSE;
    _op_mail_bind_text (get, 1, info->name);
    if (sqlite3_step (get) != SQLITE_ROW)
      {
        _op_mail_set_sqlite_error (error, db, N_("adding a folder"));
        return FALSE;
      }
    if (id != NULL)
      *id = sqlite3_column_int64 (get, 0);
  }
  return TRUE;
}

static gboolean
set_folders_write (OpMailStore     *self,
                   sqlite3         *db,
                   OpMailWriteJob  *job,
                   OpMailChanges   *changes,
                   GError         **error)
{
  GPtrArray *folders = job->data;
  g_autoptr(GHashTable) keep = g_hash_table_new (int64_hash, g_int64_equal);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *all = NULL;

  g_array_set_size (ids, folders->len);
  for (guint i = 0; i < folders->len; i++)
    {
      if (!_op_mail_store_upsert_folder (self, g_ptr_array_index (folders, i), &g_array_index (ids, gint64, i),
                                         changes, error))
        return FALSE;
      g_hash_table_add (keep, &g_array_index (ids, gint64, i));
    }

  all = _op_mail_wstmt (self, "SELECT id FROM folders", error);
  if (all == NULL)
    return FALSE;
  while (sqlite3_step (all) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (all, 0);
      if (!g_hash_table_contains (keep, &id))
        g_array_append_val (gone, id);
    }
  for (guint i = 0; i < gone->len; i++)
    {
      gint64 id = g_array_index (gone, gint64, i);
      sqlite3_stmt *del = NULL;

      if (!_op_mail_store_delete_messages (self, id, 0, changes, error))
        return FALSE;
      del = _op_mail_wstmt (self, "DELETE FROM folders WHERE id = ?1", error);
      if (del == NULL)
        return FALSE;
      sqlite3_bind_int64 (del, 1, id);
      if (!_op_mail_step_done (del, error))
        return FALSE;
      g_hash_table_remove (changes->count_folders, &id);
      changes->folders_changed = TRUE;
    }
  return TRUE;
}

void
op_mail_store_set_folders_async (OpMailStore         *self,
                                 GPtrArray           *folders,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GPtrArray *copy;

  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (folders != NULL);

  copy = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_folder_info_free);
  for (guint i = 0; i < folders->len; i++)
    {
      OpMailFolderInfo *info = g_ptr_array_index (folders, i);
      g_ptr_array_add (copy, op_mail_folder_info_new (info->name, info->delimiter,
                                                      info->special_use, info->selectable));
    }
  _op_mail_store_queue_write (self, op_mail_store_set_folders_async, set_folders_write, copy,
                              (GDestroyNotify) g_ptr_array_unref, FALSE, cancellable, callback, user_data);
}

static gboolean
ensure_folder_write (OpMailStore     *self,
                     sqlite3         *db,
                     OpMailWriteJob  *job,
                     OpMailChanges   *changes,
                     GError         **error)
{
  gint64 id = 0;

  if (!_op_mail_store_upsert_folder (self, job->data, &id, changes, error))
    return FALSE;
  job->result = id;
  return TRUE;
}

void
op_mail_store_ensure_folder_async (OpMailStore            *self,
                                   const OpMailFolderInfo *info,
                                   GCancellable           *cancellable,
                                   GAsyncReadyCallback     callback,
                                   gpointer                user_data)
{
  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (info != NULL && info->name != NULL);

  _op_mail_store_queue_write (self, op_mail_store_ensure_folder_async, ensure_folder_write,
                              op_mail_folder_info_new (info->name, info->delimiter, info->special_use,
                                                       info->selectable),
                              (GDestroyNotify) op_mail_folder_info_free, FALSE, cancellable, callback, user_data);
}

gint64
op_mail_store_ensure_folder_finish (OpMailStore   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_int (G_TASK (result), error);
}
