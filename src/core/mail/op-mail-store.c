/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <string.h>

#include "op-mail-private.h"
#include "op-mail-thread.h"
#include "op-mime-message.h"
#include "op-profile.h"
#include "op-worker.h"

G_DEFINE_QUARK (op-mail-store-error-quark, op_mail_store_error)

/* Every SQL text the store keeps is bounded; a hostile header is cut, never refused. */
#define MAX_FIELD_TEXT (16 * 1024)
/* Senders named in a conversation row. */
#define MAX_SENDERS 4

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
  gboolean      closed;
};

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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* The writer's statements are prepared once (keyed by their SQL text's address) and
 * reset before each use: a first sync runs each of them 100,000 times. */
static sqlite3_stmt *
wstmt (OpMailStore  *self,
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

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  sqlite3_bind_text (stmt, index, text != NULL ? text : "", -1, SQLITE_TRANSIENT);
}

/* Steps a statement that returns no rows (or whose rows are not wanted). */
static gboolean
step_done (sqlite3_stmt  *stmt,
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

static gint64
query_int64 (sqlite3    *db,
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

/* One line of valid UTF-8 without controls, at most MAX_FIELD_TEXT bytes. */
static char *
clean_text (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL)
    return g_strdup ("");
  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0' && out->len < MAX_FIELD_TEXT; p = g_utf8_next_char (p))
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
static char *
decode_header_text (const char *raw)
{
  g_autofree char *utf8 = NULL;
  g_autofree char *decoded = NULL;

  if (raw == NULL)
    return g_strdup ("");
  op_mime_init ();
  if (!g_utf8_validate (raw, -1, NULL))
    utf8 = op_mime_decode_text (raw, strlen (raw), NULL, NULL);
  decoded = g_mime_utils_header_decode_text (NULL, utf8 != NULL ? utf8 : raw);
  return clean_text (decoded);
}

static char *
strip_angles (const char *id)
{
  g_auto(GStrv) ids = NULL;

  if (id == NULL)
    return g_strdup ("");
  ids = op_mail_thread_parse_ids (id);
  if (ids[0] != NULL)
    return g_strdup (ids[g_strv_length (ids) - 1]);
  return clean_text (id);
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
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);

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
   * it returns (POP3 deletes only what is committed, DESIGN.md "no data loss"). */
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

static gboolean
check_open (OpMailStore  *self,
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

  if (!check_open (self, error))
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

  if (!check_open (self, NULL)
      || sqlite3_prepare_v2 (self->main_db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  if (text != NULL)
    bind_text (stmt, 1, text);
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
  if (!check_open (self, NULL))
    return NULL;
  return read_message (self->main_db, "m.id = ?1", message_id, 0);
}

OpMailMessage *
op_mail_store_lookup_uid (OpMailStore *self,
                          gint64       folder_id,
                          guint32      uid)
{
  g_return_val_if_fail (OP_IS_MAIL_STORE (self), NULL);
  if (!check_open (self, NULL))
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

  if (!check_open (self, error))
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

/* --- reads on the reader thread ----------------------------------------------------------- */

typedef struct
{
  OpMailReadFunc  func;
  gpointer        data;
  GDestroyNotify  data_free;
} ReadJob;

static void
read_job_free (ReadJob *job)
{
  if (job->data_free != NULL)
    job->data_free (job->data);
  g_free (job);
}

static void
read_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpMailStore *self = source;
  ReadJob *job = task_data;

  if (self->read_db == NULL)
    {
      g_task_return_new_error (task, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_CLOSED,
                               _("The mail store is closed."));
      return;
    }
  job->func (task, self, self->read_db, job->data, cancellable);
}

void
_op_mail_store_run_read (OpMailStore    *self,
                         GTask          *task,
                         OpMailReadFunc  func,
                         gpointer        data,
                         GDestroyNotify  data_free)
{
  ReadJob *job = g_new0 (ReadJob, 1);

  job->func = func;
  job->data = data;
  job->data_free = data_free;
  g_task_set_task_data (task, job, (GDestroyNotify) read_job_free);
  if (self->closed)
    {
      g_task_return_new_error (task, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_CLOSED,
                               _("The mail store is closed."));
      return;
    }
  op_worker_run (self->reader, task, read_thread);
}

/* A read keyed by one id (a message, a folder) on the reader thread. */
static void
run_read_by_id (OpMailStore         *self,
                gint64               id,
                gpointer             source_tag,
                OpMailReadFunc       func,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OP_IS_MAIL_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  _op_mail_store_run_read (self, task, func, g_memdup2 (&id, sizeof id), g_free);
}

static gpointer
finish_pointer (OpMailStore   *self,
                GAsyncResult  *result,
                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  char   *query;
  gint64  folder_id;
  guint   limit;
} SearchData;

static void
search_data_free (SearchData *data)
{
  g_free (data->query);
  g_free (data);
}

/* Every word of @query as an FTS5 prefix term, quoted (so no word is FTS syntax). */
static char *
fts_query (const char *query)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *clean = clean_text (query);
  g_auto(GStrv) words = g_strsplit_set (clean, " \t", -1);

  for (char **w = words; *w != NULL; w++)
    {
      if (**w == '\0')
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, '"');
      for (const char *p = *w; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append (out, "\"*");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
search_read (GTask        *task,
             OpMailStore  *store,
             sqlite3      *db,
             gpointer      data,
             GCancellable *cancellable)
{
  SearchData *search = data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *match = fts_query (search->query);
  GError *error = NULL;
  int rc;

  if (*match == '\0')
    {
      g_task_return_pointer (task, g_steal_pointer (&results), (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  if (sqlite3_prepare_v2 (db,
                          /* The index's order is date then id (OP_MAIL_FTS_KEY): the
                           * first @limit matches are the newest, nothing is sorted. */
                          "SELECT " OP_MAIL_MESSAGE_COLUMNS " FROM messages_fts"
                          " JOIN messages m ON m.id = " OP_MAIL_FTS_ID ("messages_fts.rowid")
                          " WHERE messages_fts MATCH ?1 AND (?2 = 0 OR m.folder_id = ?2)"
                          " ORDER BY messages_fts.rowid DESC LIMIT ?3",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (&error, db, N_("searching"));
      g_task_return_error (task, error);
      return;
    }
  bind_text (stmt, 1, match);
  sqlite3_bind_int64 (stmt, 2, search->folder_id);
  sqlite3_bind_int64 (stmt, 3, search->limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (results, _op_mail_message_new_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      _op_mail_set_sqlite_error (&error, db, N_("searching"));
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&results), (GDestroyNotify) g_ptr_array_unref);
}

void
op_mail_store_search_async (OpMailStore         *self,
                            const char          *query,
                            gint64               folder_id,
                            guint                limit,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SearchData *data;

  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (query != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_mail_store_search_async);
  data = g_new0 (SearchData, 1);
  data->query = g_strdup (query);
  data->folder_id = folder_id;
  data->limit = limit > 0 ? limit : G_MAXINT;
  _op_mail_store_run_read (self, task, search_read, data, (GDestroyNotify) search_data_free);
}

GPtrArray *
op_mail_store_search_finish (OpMailStore   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return finish_pointer (self, result, error);
}

static void
load_body_read (GTask        *task,
                OpMailStore  *store,
                sqlite3      *db,
                gpointer      data,
                GCancellable *cancellable)
{
  gint64 message_id = *(gint64 *) data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GError *error = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "SELECT data FROM bodies WHERE message_id = ?1", -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (&error, db, N_("reading a message"));
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, message_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    g_task_return_pointer (task,
                           g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0)),
                           (GDestroyNotify) g_bytes_unref);
  else if (rc == SQLITE_DONE)
    g_task_return_pointer (task, NULL, NULL);
  else
    {
      _op_mail_set_sqlite_error (&error, db, N_("reading a message"));
      g_task_return_error (task, error);
    }
}

void
op_mail_store_load_body_async (OpMailStore         *self,
                               gint64               message_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  run_read_by_id (self, message_id, op_mail_store_load_body_async, load_body_read, cancellable, callback, user_data);
}

GBytes *
op_mail_store_load_body_finish (OpMailStore   *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return finish_pointer (self, result, error);
}

static void
list_uids_read (GTask        *task,
                OpMailStore  *store,
                sqlite3      *db,
                gpointer      data,
                GCancellable *cancellable)
{
  gint64 folder_id = *(gint64 *) data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (OpMailUidState));
  GError *error = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "SELECT uid, flags, modseq FROM messages WHERE folder_id = ?1 AND uid > 0 ORDER BY uid",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (&error, db, N_("reading UIDs"));
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, folder_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      OpMailUidState state = {
        (guint32) sqlite3_column_int64 (stmt, 0),
        sqlite3_column_int (stmt, 1),
        (guint64) sqlite3_column_int64 (stmt, 2),
      };
      g_array_append_val (uids, state);
    }
  if (rc != SQLITE_DONE)
    {
      _op_mail_set_sqlite_error (&error, db, N_("reading UIDs"));
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&uids), (GDestroyNotify) g_array_unref);
}

void
op_mail_store_list_uids_async (OpMailStore         *self,
                               gint64               folder_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  run_read_by_id (self, folder_id, op_mail_store_list_uids_async, list_uids_read, cancellable, callback, user_data);
}

GArray *
op_mail_store_list_uids_finish (OpMailStore   *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return finish_pointer (self, result, error);
}

/* --- writes --------------------------------------------------------------------------------- */

/* What one write transaction changed, reported on the main context once committed. */
typedef struct
{
  gboolean    folders_changed;
  GHashTable *touched;        /* folder id (gint64 *) → GHashTable of conversation ids */
  GHashTable *added;          /* folder id → GArray of message ids */
  GHashTable *count_folders;  /* folder id → CountDelta: what the refreshed rows changed */
  GHashTable *fresh;          /* "folder:conversation" rows written whole by insert_message */
} Changes;

typedef struct
{
  gint64 total;
  gint64 unread;
} CountDelta;

static guint
int64_hash (gconstpointer v)
{
  return g_int64_hash (v);
}

static Changes *
changes_new (void)
{
  Changes *changes = g_new0 (Changes, 1);

  changes->touched = g_hash_table_new_full (int64_hash, g_int64_equal, g_free,
                                            (GDestroyNotify) g_hash_table_unref);
  changes->added = g_hash_table_new_full (int64_hash, g_int64_equal, g_free,
                                          (GDestroyNotify) g_array_unref);
  changes->count_folders = g_hash_table_new_full (int64_hash, g_int64_equal, g_free, g_free);
  changes->fresh = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return changes;
}

static void
changes_free (Changes *changes)
{
  g_hash_table_unref (changes->touched);
  g_hash_table_unref (changes->added);
  g_hash_table_unref (changes->count_folders);
  g_hash_table_unref (changes->fresh);
  g_free (changes);
}

static void
changes_touch (Changes *changes,
               gint64   folder_id,
               gint64   conversation_id)
{
  GHashTable *set = g_hash_table_lookup (changes->touched, &folder_id);

  if (set == NULL)
    {
      set = g_hash_table_new_full (int64_hash, g_int64_equal, g_free, NULL);
      g_hash_table_insert (changes->touched, g_memdup2 (&folder_id, sizeof folder_id), set);
    }
  if (!g_hash_table_contains (set, &conversation_id))
    g_hash_table_add (set, g_memdup2 (&conversation_id, sizeof conversation_id));
  if (g_hash_table_size (changes->fresh) > 0)
    {
      /* Touched again: the row written whole is no longer the whole story. */
      g_autofree char *key = g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, folder_id, conversation_id);
      g_hash_table_remove (changes->fresh, key);
    }
  if (!g_hash_table_contains (changes->count_folders, &folder_id))
    g_hash_table_insert (changes->count_folders, g_memdup2 (&folder_id, sizeof folder_id),
                         g_new0 (CountDelta, 1));
}

static void
changes_added (Changes *changes,
               gint64   folder_id,
               gint64   message_id)
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
  Changes     *changes;
} Emission;

static gboolean
emit_changes (gpointer data)
{
  Emission *emission = data;
  OpMailStore *self = emission->store;
  Changes *changes = emission->changes;
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

typedef struct _WriteJob WriteJob;
typedef gboolean (*WriteFunc) (OpMailStore  *self,
                               sqlite3      *db,
                               WriteJob     *job,
                               Changes      *changes,
                               GError      **error);

struct _WriteJob
{
  WriteFunc       func;
  gpointer        data;
  GDestroyNotify  data_free;
  gint64          result;
};

static void
write_job_free (WriteJob *job)
{
  if (job->data_free != NULL)
    job->data_free (job->data);
  g_free (job);
}

static gboolean refresh_aggregates (OpMailStore *self, Changes *changes, GError **error);

static void
write_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  OpMailStore *self = source;
  WriteJob *job = task_data;
  Changes *changes;
  GError *error = NULL;

  if (self->write_db == NULL)
    {
      g_task_return_new_error (task, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_CLOSED,
                               _("The mail store is closed."));
      return;
    }

  changes = changes_new ();
  if (!exec (self->write_db, "BEGIN IMMEDIATE", &error))
    {
      changes_free (changes);
      g_task_return_error (task, error);
      return;
    }
  if (!job->func (self, self->write_db, job, changes, &error)
      || !refresh_aggregates (self, changes, &error)
      || !exec (self->write_db, "COMMIT", &error))
    {
      sqlite3_exec (self->write_db, "ROLLBACK", NULL, NULL, NULL);
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

static void
run_write (OpMailStore         *self,
           gpointer             source_tag,
           WriteFunc            func,
           gpointer             data,
           GDestroyNotify       data_free,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  WriteJob *job = g_new0 (WriteJob, 1);

  g_task_set_source_tag (task, source_tag);
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
generic_write (OpMailStore  *self,
               sqlite3      *db,
               WriteJob     *job,
               Changes      *changes,
               GError      **error)
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
  run_write (self, source_tag, generic_write, generic, (GDestroyNotify) generic_write_free,
             cancellable, callback, user_data);
}

gint64
_op_mail_store_write_finish_int (OpMailStore   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

/* A folder_conversations row written whole: an upsert, not INSERT OR REPLACE. With
 * foreign keys on, SQLite's REPLACE cost each of these about 33 µs of CPU instead of 7, a
 * fifth of the store thread's time in a first sync (tests/bench/README.md). */
#define FOLDER_CONVERSATION_UPSERT \
  " ON CONFLICT (folder_id, conversation_id) DO UPDATE SET" \
  " latest_date = excluded.latest_date, latest_message_id = excluded.latest_message_id," \
  " n_messages = excluded.n_messages, n_unread = excluded.n_unread," \
  " flagged = excluded.flagged, has_attachments = excluded.has_attachments," \
  " senders = excluded.senders"

/* The aggregate row of (@folder_id, @conversation_id) and the counts of the folders
 * touched, computed again from the messages. */
static gboolean
refresh_pair (OpMailStore *self,
              gint64      folder_id,
              gint64      conversation_id,
              CountDelta *delta,
              GError    **error)
{
  sqlite3_stmt *agg = NULL;
  sqlite3_stmt *rows = NULL;
  g_autoptr(GString) senders = g_string_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3 *db = self->write_db;
  gint64 count, unread, latest_date = 0, latest_id = 0, flagged, attachments;
  guint n_senders = 0;
  int rc;

  agg = wstmt (self,
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
    sqlite3_stmt *old = wstmt (self,
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
      sqlite3_stmt *del = wstmt (self,
                                             "DELETE FROM folder_conversations"
                                             " WHERE folder_id = ?1 AND conversation_id = ?2",
                                             error);
      if (del == NULL)
        return FALSE;
      sqlite3_bind_int64 (del, 1, folder_id);
      sqlite3_bind_int64 (del, 2, conversation_id);
      return step_done (del, error);
    }

  rows = wstmt (self,
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
      const char *shown = *name != '\0' ? name : addr;

      if (latest_id == 0)
        {
          latest_id = sqlite3_column_int64 (rows, 0);
          latest_date = sqlite3_column_int64 (rows, 1);
        }
      if (n_senders >= MAX_SENDERS || *shown == '\0' || g_hash_table_contains (seen, addr))
        continue;
      g_hash_table_add (seen, g_strdup (addr));
      if (senders->len > 0)
        g_string_append (senders, ", ");
      g_string_append (senders, shown);
      n_senders++;
    }
  if (rc != SQLITE_DONE)
    {
      _op_mail_set_sqlite_error (error, db, N_("reading a conversation"));
      return FALSE;
    }

  {
    sqlite3_stmt *put = wstmt (self,
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
    bind_text (put, 9, senders->str);
    return step_done (put, error);
  }
}

static gboolean
refresh_aggregates (OpMailStore  *self,
                    Changes      *changes,
                    GError      **error)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, changes->touched);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GHashTableIter inner;
      gpointer conv;

      CountDelta *delta = g_hash_table_lookup (changes->count_folders, key);
      CountDelta gone = { 0 };

      /* A folder deleted in this transaction keeps no counts. */
      if (delta == NULL)
        delta = &gone;
      g_hash_table_iter_init (&inner, value);
      while (g_hash_table_iter_next (&inner, &conv, NULL))
        {
          if (g_hash_table_size (changes->fresh) > 0)
            {
              g_autofree char *pair = g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                                                       *(gint64 *) key, *(gint64 *) conv);
              if (g_hash_table_contains (changes->fresh, pair))
                continue;
            }
          if (!refresh_pair (self, *(gint64 *) key, *(gint64 *) conv, delta, error))
            return FALSE;
        }
    }

  /* Folder counts move by what the refreshed rows changed: no scan of a large folder. */
  g_hash_table_iter_init (&iter, changes->count_folders);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      CountDelta *delta = value;
      sqlite3_stmt *stmt;

      if (delta->total == 0 && delta->unread == 0)
        continue;
      stmt = wstmt (self, "UPDATE folders SET total = total + ?2, unread = unread + ?3 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, *(gint64 *) key);
      sqlite3_bind_int64 (stmt, 2, delta->total);
      sqlite3_bind_int64 (stmt, 3, delta->unread);
      if (!step_done (stmt, error))
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

static gboolean
upsert_folder (OpMailStore            *self,
               const OpMailFolderInfo *info,
               gint64                 *id,
               Changes                *changes,
               GError                **error)
{
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db = self->write_db;
  char delimiter[2] = { info->delimiter, '\0' };

  stmt = wstmt (self,
                  "INSERT INTO folders (name, delimiter, special_use, selectable)"
                  " VALUES (?1, ?2, ?3, ?4)"
                  " ON CONFLICT (name) DO UPDATE SET delimiter = ?2, special_use = ?3, selectable = ?4"
                  " WHERE delimiter != ?2 OR special_use != ?3 OR selectable != ?4",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, info->name);
  bind_text (stmt, 2, delimiter);
  sqlite3_bind_int (stmt, 3, info->special_use);
  sqlite3_bind_int (stmt, 4, info->selectable);
  if (!step_done (stmt, error))
    return FALSE;
  if (sqlite3_changes (db) > 0)
    changes->folders_changed = TRUE;

  {
    sqlite3_stmt *get = wstmt (self, "SELECT id FROM folders WHERE name = ?1", error);
    if (get == NULL)
      return FALSE;
    bind_text (get, 1, info->name);
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

static gboolean delete_messages (OpMailStore *self, gint64 folder_id, guint32 uid,
                                 Changes *changes, GError **error);

static gboolean
set_folders_write (OpMailStore  *self,
                   sqlite3      *db,
                   WriteJob     *job,
                   Changes      *changes,
                   GError      **error)
{
  GPtrArray *folders = job->data;
  g_autoptr(GHashTable) keep = g_hash_table_new (int64_hash, g_int64_equal);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *all = NULL;

  g_array_set_size (ids, folders->len);
  for (guint i = 0; i < folders->len; i++)
    {
      if (!upsert_folder (self, g_ptr_array_index (folders, i), &g_array_index (ids, gint64, i),
                          changes, error))
        return FALSE;
      g_hash_table_add (keep, &g_array_index (ids, gint64, i));
    }

  all = wstmt (self, "SELECT id FROM folders", error);
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

      if (!delete_messages (self, id, 0, changes, error))
        return FALSE;
      del = wstmt (self, "DELETE FROM folders WHERE id = ?1", error);
      if (del == NULL)
        return FALSE;
      sqlite3_bind_int64 (del, 1, id);
      if (!step_done (del, error))
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
  run_write (self, op_mail_store_set_folders_async, set_folders_write, copy,
             (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

static gboolean
ensure_folder_write (OpMailStore  *self,
                     sqlite3      *db,
                     WriteJob     *job,
                     Changes      *changes,
                     GError      **error)
{
  gint64 id = 0;

  if (!upsert_folder (self, job->data, &id, changes, error))
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

  run_write (self, op_mail_store_ensure_folder_async, ensure_folder_write,
             op_mail_folder_info_new (info->name, info->delimiter, info->special_use,
                                      info->selectable),
             (GDestroyNotify) op_mail_folder_info_free, cancellable, callback, user_data);
}

gint64
op_mail_store_ensure_folder_finish (OpMailStore   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_int (G_TASK (result), error);
}

/* --- messages --- */

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
} Row;

static void
row_clear (Row *row)
{
  g_free (row->keywords);
  g_free (row->subject);
  g_free (row->from_name);
  g_free (row->from_addr);
  g_free (row->to);
  g_free (row->cc);
  g_free (row->reply_to);
  g_free (row->preview);
  g_free (row->message_id);
  g_free (row->in_reply_to);
  g_strfreev (row->refs);
  g_free (row->body_text);
  g_clear_pointer (&row->raw, g_bytes_unref);
}

static char *
imap_address_spec (const OpImapAddress *address)
{
  g_autofree char *mailbox = clean_text (address->mailbox);
  g_autofree char *host = clean_text (address->host);

  if (*host == '\0')
    return g_steal_pointer (&mailbox);
  return g_strconcat (mailbox, "@", host, NULL);
}

/* "Name <addr>, addr2" from an ENVELOPE address list (group markers left out). */
static char *
imap_address_list (GPtrArray *list)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; list != NULL && i < list->len && out->len < MAX_FIELD_TEXT; i++)
    {
      const OpImapAddress *address = g_ptr_array_index (list, i);
      g_autofree char *spec = NULL;
      g_autofree char *name = NULL;

      if (address->host == NULL)
        continue;
      spec = imap_address_spec (address);
      name = decode_header_text (address->name);
      if (out->len > 0)
        g_string_append (out, ", ");
      if (*name != '\0')
        g_string_append_printf (out, "%s <%s>", name, spec);
      else
        g_string_append (out, spec);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
body_has_attachments (const OpImapBodyPart *part,
                      guint                 depth)
{
  if (part == NULL || depth > OP_IMAP_MAX_DEPTH)
    return FALSE;
  if (part->children != NULL && part->children->len > 0)
    {
      for (guint i = 0; i < part->children->len; i++)
        if (body_has_attachments (g_ptr_array_index (part->children, i), depth + 1))
          return TRUE;
      return FALSE;
    }
  if (g_strcmp0 (part->disposition, "attachment") == 0)
    return TRUE;
  /* A named part that is neither text nor an inline image of an HTML body. */
  if (g_strcmp0 (part->type, "text") != 0 && g_strcmp0 (part->type, "multipart") != 0
      && part->id == NULL
      && (op_imap_params_lookup (part->params, "name") != NULL
          || op_imap_params_lookup (part->disposition_params, "filename") != NULL))
    return TRUE;
  return FALSE;
}

static gint64
parse_date_header (const char *text)
{
  g_autoptr(GDateTime) date = NULL;

  if (text == NULL || *text == '\0')
    return 0;
  op_mime_init ();
  date = g_mime_utils_header_decode_date (text);
  return date != NULL ? g_date_time_to_unix (date) : 0;
}

static void
row_from_fetch (Row         *row,
                OpImapFetch *fetch)
{
  OpImapEnvelope *env = fetch->envelope;
  const OpImapSection *refs = NULL;

  row->uid = fetch->uid;
  row->modseq = fetch->modseq;
  row->flags = op_mail_flags_from_imap ((const char * const *) fetch->flags, &row->keywords);
  row->size = fetch->size;
  row->has_attachments = body_has_attachments (fetch->body, 0);
  row->date = parse_date_header (env->date);
  if (row->date == 0 && fetch->internaldate != NULL)
    row->date = g_date_time_to_unix (fetch->internaldate);
  row->subject = decode_header_text (env->subject);
  if (env->from->len > 0)
    {
      const OpImapAddress *from = g_ptr_array_index (env->from, 0);
      row->from_name = decode_header_text (from->name);
      row->from_addr = imap_address_spec (from);
    }
  row->to = imap_address_list (env->to);
  row->cc = imap_address_list (env->cc);
  row->reply_to = env->reply_to != env->from ? imap_address_list (env->reply_to) : g_strdup ("");
  row->message_id = strip_angles (env->message_id);
  row->in_reply_to = strip_angles (env->in_reply_to);

  for (guint i = 0; i < fetch->sections->len; i++)
    {
      const OpImapSection *section = g_ptr_array_index (fetch->sections, i);
      if (g_ascii_strncasecmp (section->section, "HEADER.FIELDS", 13) == 0)
        refs = section;
    }
  if (refs != NULL && refs->data != NULL)
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (refs->data, NULL),
                                         g_bytes_get_size (refs->data));
      row->refs = op_mail_thread_parse_ids (text);
    }
}

void
_op_mail_row_free (gpointer row)
{
  if (row == NULL)
    return;
  row_clear (row);
  g_free (row);
}

void
_op_mail_update_prepare (OpMailUpdate *update)
{
  for (guint i = 0; i < update->steps->len; i++)
    {
      OpMailStep *step = &g_array_index (update->steps, OpMailStep, i);
      Row *row;

      if (step->kind != OP_MAIL_STEP_FETCH || step->fetch->envelope == NULL || step->row != NULL)
        continue;
      row = g_new0 (Row, 1);
      row_from_fetch (row, step->fetch);
      step->row = row;
    }
}

/* One line from the start of the text: quoted lines and the signature left out. */
static char *
make_preview (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", 400);

  for (char **l = lines; *l != NULL && g_utf8_strlen (out->str, -1) < OP_MAIL_PREVIEW_LENGTH; l++)
    {
      g_autofree char *line = clean_text (*l);

      if (strcmp (*l, "-- ") == 0 || strcmp (*l, "-- \r") == 0)
        break;
      if (*line == '\0' || *line == '>')
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, line);
    }
  if (g_utf8_strlen (out->str, -1) > OP_MAIL_PREVIEW_LENGTH)
    {
      char *end = g_utf8_offset_to_pointer (out->str, OP_MAIL_PREVIEW_LENGTH);
      g_string_truncate (out, end - out->str);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
mime_address_list (GPtrArray *list)
{
  g_autofree char *text = op_mime_address_list_to_display (list);
  return clean_text (text);
}

static gboolean
row_from_raw (Row      *row,
              guint32   uid,
              GBytes   *raw,
              GError  **error)
{
  g_autoptr(OpMimeMessage) message = op_mime_message_parse_bytes (raw, NULL, error);
  g_autoptr(GPtrArray) attachments = NULL;
  GPtrArray *from;
  GDateTime *date;
  g_autofree char *refs = NULL;

  if (message == NULL)
    return FALSE;

  row->uid = uid;
  row->size = g_bytes_get_size (raw);
  row->raw = g_bytes_ref (raw);
  row->subject = clean_text (op_mime_message_get_subject (message));
  from = op_mime_message_get_from (message);
  if (from->len > 0)
    {
      OpMimeAddress *address = g_ptr_array_index (from, 0);
      row->from_name = clean_text (address->name);
      row->from_addr = clean_text (address->address);
    }
  row->to = mime_address_list (op_mime_message_get_to (message));
  row->cc = mime_address_list (op_mime_message_get_cc (message));
  row->reply_to = mime_address_list (op_mime_message_get_reply_to (message));
  date = op_mime_message_get_date (message);
  if (row->date == 0 && date != NULL)
    row->date = g_date_time_to_unix (date);
  row->message_id = clean_text (op_mime_message_get_message_id (message));
  row->in_reply_to = clean_text (op_mime_message_get_in_reply_to (message));
  row->refs = g_strdupv ((char **) op_mime_message_get_references (message));
  attachments = op_mime_message_dup_attachments (message);
  row->has_attachments = attachments->len > 0;
  row->body_text = g_strdup (op_mime_message_get_text (message));
  row->preview = make_preview (row->body_text);
  return TRUE;
}

/* jwz, incrementally: the conversation of every id the message names (its own, its
 * References and In-Reply-To) is one; several are merged. With none known, a reply (by
 * its subject, or by references to messages not in the store) joins the newest
 * conversation with the same subject, as does an original whose reply came first. */
static gboolean
assign_conversation (OpMailStore  *self,
                     Row          *row,
                     Changes      *changes,
                     gint64       *conversation_id,
                     gboolean     *created,
                     GError      **error)
{
  sqlite3 *db = self->write_db;
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 target = 0;
  sqlite3_stmt *stmt;

  for (char **r = row->refs; r != NULL && *r != NULL; r++)
    g_ptr_array_add (ids, *r);
  if (*row->in_reply_to != '\0')
    g_ptr_array_add (ids, row->in_reply_to);
  if (*row->message_id != '\0')
    g_ptr_array_add (ids, row->message_id);

  for (guint i = 0; i < ids->len; i++)
    {
      stmt = wstmt (self, "SELECT conversation_id FROM thread_ids WHERE msgid = ?1", error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, g_ptr_array_index (ids, i));
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          gint64 id = sqlite3_column_int64 (stmt, 0);
          gboolean dup = FALSE;
          for (guint k = 0; k < found->len; k++)
            dup |= g_array_index (found, gint64, k) == id;
          if (!dup)
            g_array_append_val (found, id);
        }
    }

  if (found->len == 0)
    {
      g_autofree char *key = op_mail_thread_subject_key (row->subject);
      gboolean is_reply = op_mail_thread_subject_is_reply (row->subject)
        || (row->refs != NULL && row->refs[0] != NULL) || *row->in_reply_to != '\0';

      if (*key != '\0')
        {
          stmt = wstmt (self,
                        "SELECT id FROM conversations WHERE subject_key = ?1 AND (?2 OR reply_root)"
                        " ORDER BY id DESC LIMIT 1",
                        error);
          if (stmt == NULL)
            return FALSE;
          bind_text (stmt, 1, key);
          sqlite3_bind_int (stmt, 2, is_reply);
          if (sqlite3_step (stmt) == SQLITE_ROW)
            target = sqlite3_column_int64 (stmt, 0);
        }
      if (target == 0)
        {
          stmt = wstmt (self, "INSERT INTO conversations (subject_key, reply_root) VALUES (?1, ?2)", error);
          if (stmt == NULL)
            return FALSE;
          bind_text (stmt, 1, key);
          sqlite3_bind_int (stmt, 2, is_reply);
          if (!step_done (stmt, error))
            return FALSE;
          target = sqlite3_last_insert_rowid (db);
          *created = TRUE;
        }
      else if (!is_reply)
        {
          /* The original arrived: the conversation has its root now. */
          stmt = wstmt (self, "UPDATE conversations SET reply_root = 0 WHERE id = ?1", error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, target);
          if (!step_done (stmt, error))
            return FALSE;
        }
    }
  else
    {
      target = g_array_index (found, gint64, 0);
      for (guint k = 1; k < found->len; k++)
        target = MIN (target, g_array_index (found, gint64, k));

      for (guint k = 0; k < found->len; k++)
        {
          gint64 other = g_array_index (found, gint64, k);
          static const char * const merges[] = {
            "UPDATE messages SET conversation_id = ?1 WHERE conversation_id = ?2",
            "UPDATE thread_ids SET conversation_id = ?1 WHERE conversation_id = ?2",
            /* The other's rows in folder_conversations go when their pairs are refreshed
             * (they hold no message any more), which also corrects the folder counts. */
            "DELETE FROM conversations WHERE id = ?2",
          };

          if (other == target)
            continue;
          /* Every folder that showed either conversation shows the merged one. */
          stmt = wstmt (self, "SELECT DISTINCT folder_id FROM messages WHERE conversation_id = ?1", error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, other);
          while (sqlite3_step (stmt) == SQLITE_ROW)
            {
              gint64 folder = sqlite3_column_int64 (stmt, 0);
              changes_touch (changes, folder, other);
              changes_touch (changes, folder, target);
            }
          for (gsize q = 0; q < G_N_ELEMENTS (merges); q++)
            {
              stmt = wstmt (self, merges[q], error);
              if (stmt == NULL)
                return FALSE;
              sqlite3_bind_int64 (stmt, 1, target);
              sqlite3_bind_int64 (stmt, 2, other);
              if (!step_done (stmt, error))
                return FALSE;
            }
        }
    }

  for (guint i = 0; i < ids->len; i++)
    {
      stmt = wstmt (self, "INSERT OR IGNORE INTO thread_ids (msgid, conversation_id) VALUES (?1, ?2)", error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, g_ptr_array_index (ids, i));
      sqlite3_bind_int64 (stmt, 2, target);
      if (!step_done (stmt, error))
        return FALSE;
    }
  *conversation_id = target;
  return TRUE;
}

static char *
row_addresses (Row *row)
{
  return g_strjoin (" ", row->from_name, row->from_addr, row->to, row->cc, NULL);
}

static gboolean
store_body (OpMailStore  *self,
            gint64        message_id,
            GBytes       *raw,
            const char   *text,
            GError      **error)
{
  sqlite3_stmt *stmt;
  gsize size;
  gconstpointer data = g_bytes_get_data (raw, &size);

  stmt = wstmt (self, "INSERT OR REPLACE INTO bodies (message_id, data) VALUES (?1, ?2)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  sqlite3_bind_blob64 (stmt, 2, size > 0 ? data : "", size, SQLITE_STATIC);
  if (!step_done (stmt, error))
    return FALSE;

  stmt = wstmt (self, "UPDATE messages_fts SET body = ?2 WHERE rowid = " OP_MAIL_FTS_KEY_OF ("?1"), error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  bind_text (stmt, 2, text);
  return step_done (stmt, error);
}

static gboolean
insert_message (OpMailStore  *self,
                gint64        folder_id,
                Row          *row,
                Changes      *changes,
                GError      **error)
{
  sqlite3 *db = self->write_db;
  sqlite3_stmt *stmt;
  g_autofree char *refs = NULL;
  g_autofree char *addresses = NULL;
  gint64 conversation_id = 0;
  gint64 message_id;
  gboolean created = FALSE;

  if (row->keywords == NULL) row->keywords = g_strdup ("");
  if (row->subject == NULL) row->subject = g_strdup ("");
  if (row->from_name == NULL) row->from_name = g_strdup ("");
  if (row->from_addr == NULL) row->from_addr = g_strdup ("");
  if (row->to == NULL) row->to = g_strdup ("");
  if (row->cc == NULL) row->cc = g_strdup ("");
  if (row->reply_to == NULL) row->reply_to = g_strdup ("");
  if (row->preview == NULL) row->preview = g_strdup ("");
  if (row->message_id == NULL) row->message_id = g_strdup ("");
  if (row->in_reply_to == NULL) row->in_reply_to = g_strdup ("");

  if (!assign_conversation (self, row, changes, &conversation_id, &created, error))
    return FALSE;

  refs = row->refs != NULL ? g_strjoinv (" ", row->refs) : g_strdup ("");
  stmt = wstmt (self,
                "INSERT INTO messages (folder_id, conversation_id, uid, modseq, flags, keywords,"
                " date, subject, from_name, from_addr, to_list, cc_list, reply_to, size,"
                " has_attachments, preview, message_id, in_reply_to, refs, body_cached)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
                " ?17, ?18, ?19, ?20)",
                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, conversation_id);
  sqlite3_bind_int64 (stmt, 3, row->uid);
  sqlite3_bind_int64 (stmt, 4, (gint64) row->modseq);
  sqlite3_bind_int (stmt, 5, row->flags);
  bind_text (stmt, 6, row->keywords);
  sqlite3_bind_int64 (stmt, 7, row->date);
  bind_text (stmt, 8, row->subject);
  bind_text (stmt, 9, row->from_name);
  bind_text (stmt, 10, row->from_addr);
  bind_text (stmt, 11, row->to);
  bind_text (stmt, 12, row->cc);
  bind_text (stmt, 13, row->reply_to);
  sqlite3_bind_int64 (stmt, 14, row->size);
  sqlite3_bind_int (stmt, 15, row->has_attachments);
  bind_text (stmt, 16, row->preview);
  bind_text (stmt, 17, row->message_id);
  bind_text (stmt, 18, row->in_reply_to);
  bind_text (stmt, 19, refs);
  sqlite3_bind_int (stmt, 20, row->raw != NULL);
  if (!step_done (stmt, error))
    return FALSE;
  message_id = sqlite3_last_insert_rowid (db);

  addresses = row_addresses (row);
  stmt = wstmt (self,
                "INSERT INTO messages_fts (rowid, subject, addresses, body)"
                " VALUES (" OP_MAIL_FTS_KEY ("?4", "?1") ", ?2, ?3, '')",
                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  sqlite3_bind_int64 (stmt, 4, row->date);
  bind_text (stmt, 2, row->subject);
  bind_text (stmt, 3, addresses);
  if (!step_done (stmt, error))
    return FALSE;

  if (row->raw != NULL && !store_body (self, message_id, row->raw, row->body_text, error))
    return FALSE;

  changes_touch (changes, folder_id, conversation_id);
  changes_added (changes, folder_id, message_id);

  /* A conversation this message starts: its row is known without reading anything
   * back (most messages of a first sync start one). Touched again, it is refreshed. */
  if (created)
    {
      CountDelta *delta = g_hash_table_lookup (changes->count_folders, &folder_id);
      gboolean unread = (row->flags & OP_MAIL_FLAG_SEEN) == 0;

      stmt = wstmt (self,
                    "INSERT INTO folder_conversations"
                    " (folder_id, conversation_id, latest_date, latest_message_id,"
                    "  n_messages, n_unread, flagged, has_attachments, senders)"
                    " VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8)" FOLDER_CONVERSATION_UPSERT,
                    error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, folder_id);
      sqlite3_bind_int64 (stmt, 2, conversation_id);
      sqlite3_bind_int64 (stmt, 3, row->date);
      sqlite3_bind_int64 (stmt, 4, message_id);
      sqlite3_bind_int (stmt, 5, unread);
      sqlite3_bind_int (stmt, 6, (row->flags & OP_MAIL_FLAG_FLAGGED) != 0);
      sqlite3_bind_int (stmt, 7, row->has_attachments);
      bind_text (stmt, 8, *row->from_name != '\0' ? row->from_name : row->from_addr);
      if (!step_done (stmt, error))
        return FALSE;
      delta->total += 1;
      delta->unread += unread;
      g_hash_table_add (changes->fresh,
                        g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, folder_id, conversation_id));
    }
  return TRUE;
}

/* The known message (@id, @conversation_id) with that UID, FALSE when there is none. */
static gboolean
find_uid (OpMailStore *self,
          gint64       folder_id,
          guint32      uid,
          gint64      *id,
          gint64      *conversation_id,
          OpMailFlags *flags,
          char       **keywords)
{
  sqlite3_stmt *stmt = wstmt (self,
                              "SELECT id, conversation_id, flags, keywords FROM messages"
                              " WHERE folder_id = ?1 AND uid = ?2",
                              NULL);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return FALSE;
  *id = sqlite3_column_int64 (stmt, 0);
  *conversation_id = sqlite3_column_int64 (stmt, 1);
  if (flags != NULL)
    *flags = sqlite3_column_int (stmt, 2);
  if (keywords != NULL)
    *keywords = g_strdup (_op_mail_column_text (stmt, 3));
  return TRUE;
}

static gboolean
update_flags (OpMailStore  *self,
              gint64        folder_id,
              guint32       uid,
              OpMailFlags   flags,
              const char   *keywords,
              guint64       modseq,
              Changes      *changes,
              GError      **error)
{
  gint64 id, conversation_id;
  OpMailFlags old_flags;
  g_autofree char *old_keywords = NULL;
  sqlite3_stmt *stmt;
  gboolean same;

  /* Flags of a message the store does not have (yet): nothing to change. */
  if (!find_uid (self, folder_id, uid, &id, &conversation_id, &old_flags, &old_keywords))
    return TRUE;
  same = old_flags == flags && g_strcmp0 (old_keywords, keywords != NULL ? keywords : "") == 0;

  stmt = wstmt (self,
                "UPDATE messages SET flags = ?2, keywords = ?3, modseq = max(modseq, ?4) WHERE id = ?1",
                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int (stmt, 2, flags);
  bind_text (stmt, 3, keywords);
  sqlite3_bind_int64 (stmt, 4, (gint64) modseq);
  if (!step_done (stmt, error))
    return FALSE;
  if (!same)
    changes_touch (changes, folder_id, conversation_id);
  return TRUE;
}

/* One message row with its index entry and cached body. */
static gboolean
delete_message_row (OpMailStore  *self,
                    gint64        id,
                    GError      **error)
{
  static const char * const deletes[] = {
    "DELETE FROM messages_fts WHERE rowid = " OP_MAIL_FTS_KEY_OF ("?1"),
    "DELETE FROM bodies WHERE message_id = ?1",
    "DELETE FROM messages WHERE id = ?1",
  };

  for (gsize q = 0; q < G_N_ELEMENTS (deletes); q++)
    {
      sqlite3_stmt *stmt = wstmt (self, deletes[q], error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, id);
      if (!step_done (stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* Deletes @uid of @folder_id (every message of it when @uid is 0). */
static gboolean
delete_messages (OpMailStore  *self,
                 gint64        folder_id,
                 guint32       uid,
                 Changes      *changes,
                 GError      **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  stmt = wstmt (self,
                "SELECT id, conversation_id FROM messages WHERE folder_id = ?1 AND (?2 = 0 OR uid = ?2)",
                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
      changes_touch (changes, folder_id, sqlite3_column_int64 (stmt, 1));
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < ids->len; i++)
    if (!delete_message_row (self, g_array_index (ids, gint64, i), error))
      return FALSE;
  return TRUE;
}

static gboolean
apply_write (OpMailStore  *self,
             sqlite3      *db,
             WriteJob     *job,
             Changes      *changes,
             GError      **error)
{
  OpMailUpdate *update = job->data;
  gint64 folder = update->folder_id;

  if (query_int64 (db, "SELECT count(*) FROM folders WHERE id = ?1", folder, 0) == 0)
    {
      g_set_error (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_NOT_FOUND,
                   _("The folder is no longer in the mail store."));
      return FALSE;
    }

  if (update->clear)
    {
      sqlite3_stmt *stmt;

      if (!delete_messages (self, folder, 0, changes, error))
        return FALSE;
      stmt = wstmt (self,
                    "UPDATE folders SET uidvalidity = 0, uidnext = 0, highestmodseq = 0, complete = 0"
                    " WHERE id = ?1",
                    error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, folder);
      if (!step_done (stmt, error))
        return FALSE;
      changes->folders_changed = TRUE;
    }

  for (guint i = 0; i < update->removals->len; i++)
    if (!delete_messages (self, folder, g_array_index (update->removals, guint32, i), changes, error))
      return FALSE;

  for (guint i = 0; i < update->steps->len; i++)
    {
      OpMailStep *step = &g_array_index (update->steps, OpMailStep, i);
      gint64 id, conversation_id;

      if (step->kind == OP_MAIL_STEP_FLAGS)
        {
          if (!update_flags (self, folder, step->uid, step->flags, step->keywords, step->modseq,
                             changes, error))
            return FALSE;
          continue;
        }

      if (step->kind == OP_MAIL_STEP_FETCH && step->fetch->envelope == NULL)
        {
          g_autofree char *keywords = NULL;
          OpMailFlags flags;

          if ((step->fetch->items & OP_IMAP_FETCH_FLAGS) == 0)
            continue;
          flags = op_mail_flags_from_imap ((const char * const *) step->fetch->flags, &keywords);
          if (!update_flags (self, folder, step->uid, flags, keywords, step->fetch->modseq,
                             changes, error))
            return FALSE;
          continue;
        }

      /* A message: known ones (a sync resumed over a batch) only take the new flags. */
      if (find_uid (self, folder, step->uid, &id, &conversation_id, NULL, NULL))
        {
          if (step->kind == OP_MAIL_STEP_FETCH && (step->fetch->items & OP_IMAP_FETCH_FLAGS))
            {
              g_autofree char *keywords = NULL;
              OpMailFlags flags = op_mail_flags_from_imap ((const char * const *) step->fetch->flags,
                                                           &keywords);
              if (!update_flags (self, folder, step->uid, flags, keywords, step->fetch->modseq,
                                 changes, error))
                return FALSE;
            }
          continue;
        }

      {
        Row row = { 0 };
        gboolean ok;

        if (step->kind == OP_MAIL_STEP_FETCH && step->row != NULL)
          {
            /* Prepared on the sync thread (_op_mail_update_prepare()). */
            row = *(Row *) step->row;
            g_clear_pointer (&step->row, g_free);
          }
        else if (step->kind == OP_MAIL_STEP_FETCH)
          row_from_fetch (&row, step->fetch);
        else
          {
            g_autoptr(GError) parse_error = NULL;

            row.date = step->date;
            if (!row_from_raw (&row, step->uid, step->raw, &parse_error))
              {
                /* Not a message at all (no header): kept, so that it is not fetched
                 * again and again, with its size only. */
                g_debug ("UID %u is not a message: %s", step->uid, parse_error->message);
                row_clear (&row);
                memset (&row, 0, sizeof row);
                row.uid = step->uid;
                row.date = step->date;
                row.size = g_bytes_get_size (step->raw);
                row.raw = g_bytes_ref (step->raw);
              }
            row.flags = step->flags;
          }
        ok = insert_message (self, folder, &row, changes, error);
        row_clear (&row);
        if (!ok)
          return FALSE;
        if (step->uidl != NULL)
          {
            sqlite3_stmt *stmt = wstmt (self,
                                        "INSERT OR REPLACE INTO pop3_uidls (folder_id, uidl, uid, received)"
                                        " VALUES (?1, ?2, ?3, ?4)",
                                        error);
            if (stmt == NULL)
              return FALSE;
            sqlite3_bind_int64 (stmt, 1, folder);
            bind_text (stmt, 2, step->uidl);
            sqlite3_bind_int64 (stmt, 3, step->uid);
            sqlite3_bind_int64 (stmt, 4, g_get_real_time () / G_USEC_PER_SEC);
            if (!step_done (stmt, error))
              return FALSE;
          }
      }
    }

  if (update->uidvalidity != 0 || update->uidnext != 0 || update->highestmodseq != 0
      || update->complete >= 0)
    {
      sqlite3_stmt *stmt = wstmt (self,
                                  "UPDATE folders SET"
                                  " uidvalidity = CASE WHEN ?2 = 0 THEN uidvalidity ELSE ?2 END,"
                                  " uidnext = CASE WHEN ?3 = 0 THEN uidnext ELSE ?3 END,"
                                  " highestmodseq = CASE WHEN ?4 = 0 THEN highestmodseq ELSE ?4 END,"
                                  " complete = CASE WHEN ?5 < 0 THEN complete ELSE ?5 END"
                                  " WHERE id = ?1",
                                  error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, folder);
      sqlite3_bind_int64 (stmt, 2, update->uidvalidity);
      sqlite3_bind_int64 (stmt, 3, update->uidnext);
      sqlite3_bind_int64 (stmt, 4, (gint64) update->highestmodseq);
      sqlite3_bind_int (stmt, 5, update->complete);
      if (!step_done (stmt, error))
        return FALSE;
      changes->folders_changed = TRUE;
    }
  return TRUE;
}

void
op_mail_store_apply_async (OpMailStore         *self,
                           OpMailUpdate        *update,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (update != NULL);

  run_write (self, op_mail_store_apply_async, apply_write, update,
             (GDestroyNotify) op_mail_update_free, cancellable, callback, user_data);
}

typedef struct
{
  gint64  message_id;
  GBytes *raw;
} BodyData;

static void
body_data_free (BodyData *data)
{
  g_bytes_unref (data->raw);
  g_free (data);
}

static gboolean
save_body_write (OpMailStore  *self,
                 sqlite3      *db,
                 WriteJob     *job,
                 Changes      *changes,
                 GError      **error)
{
  BodyData *data = job->data;
  g_autoptr(OpMimeMessage) message = NULL;
  g_autofree char *preview = NULL;
  const char *text = "";
  gint64 folder_id, conversation_id;
  sqlite3_stmt *stmt;

  stmt = wstmt (self, "SELECT folder_id, conversation_id FROM messages WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, data->message_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_NOT_FOUND,
                   _("The message is no longer in the mail store."));
      return FALSE;
    }
  folder_id = sqlite3_column_int64 (stmt, 0);
  conversation_id = sqlite3_column_int64 (stmt, 1);
  sqlite3_reset (stmt);

  message = op_mime_message_parse_bytes (data->raw, NULL, NULL);
  if (message != NULL)
    text = op_mime_message_get_text (message);
  preview = make_preview (text);

  if (!store_body (self, data->message_id, data->raw, text, error))
    return FALSE;
  stmt = wstmt (self, "UPDATE messages SET body_cached = 1, preview = ?2 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, data->message_id);
  bind_text (stmt, 2, preview);
  if (!step_done (stmt, error))
    return FALSE;
  changes_touch (changes, folder_id, conversation_id);
  return TRUE;
}

void
op_mail_store_save_body_async (OpMailStore         *self,
                               gint64               message_id,
                               GBytes              *message,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  BodyData *data;

  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (message != NULL);

  data = g_new0 (BodyData, 1);
  data->message_id = message_id;
  data->raw = g_bytes_ref (message);
  run_write (self, op_mail_store_save_body_async, save_body_write, data,
             (GDestroyNotify) body_data_free, cancellable, callback, user_data);
}

/* --- changes made by the user ----------------------------------------------------------------- */

typedef struct
{
  GArray      *ids;
  OpMailFlags  add;
  OpMailFlags  remove;
  gint64       target;
  gboolean     copy;
  char        *name;
  char         delimiter;
  /* Replay bookkeeping. */
  gint64       op_id;
  char        *dest_uids;
  gboolean     revert;
} Change;

static void
change_free (Change *change)
{
  g_clear_pointer (&change->ids, g_array_unref);
  g_free (change->name);
  g_free (change->dest_uids);
  g_free (change);
}

static gboolean
add_pending (OpMailStore        *self,
             OpMailPendingKind   kind,
             const char         *folder,
             const char         *uids,
             const char         *message_ids,
             OpMailFlags         add,
             OpMailFlags         remove,
             const char         *target,
             GError            **error)
{
  sqlite3_stmt *stmt = wstmt (self,
                              "INSERT INTO pending_ops (kind, folder, uids, message_ids, add_flags,"
                              " remove_flags, target, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                              error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, kind);
  bind_text (stmt, 2, folder);
  bind_text (stmt, 3, uids);
  bind_text (stmt, 4, message_ids);
  sqlite3_bind_int (stmt, 5, add);
  sqlite3_bind_int (stmt, 6, remove);
  bind_text (stmt, 7, target);
  sqlite3_bind_int64 (stmt, 8, g_get_real_time () / G_USEC_PER_SEC);
  return step_done (stmt, error);
}

typedef struct
{
  gint64   folder_id;
  char    *folder;
  GString *uids;      /* "3,7,9" (server UIDs; placeholders are left out) */
  GString *ids;       /* the message ids of @uids, in the same order */
} FolderGroup;

static void
folder_group_free (FolderGroup *group)
{
  g_free (group->folder);
  g_string_free (group->uids, TRUE);
  g_string_free (group->ids, TRUE);
  g_free (group);
}

/* The messages of @ids grouped by folder, in the order of the folders' ids. Each row is
 * passed to @each (nullable) as well. */
static GPtrArray *
group_by_folder (OpMailStore  *self,
                 GArray       *ids,
                 gboolean    (*each) (OpMailStore *, gint64 id, gint64 folder, gint64 conv,
                                      guint32 uid, OpMailFlags flags, gpointer, GError **),
                 gpointer      data,
                 GError      **error)
{
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) folder_group_free);

  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      sqlite3_stmt *stmt = wstmt (self,
                                  "SELECT m.folder_id, f.name, m.uid, m.conversation_id, m.flags"
                                  " FROM messages m JOIN folders f ON f.id = m.folder_id WHERE m.id = ?1",
                                  error);
      FolderGroup *group = NULL;
      gint64 folder, conv, uid;
      OpMailFlags flags;
      g_autofree char *name = NULL;

      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, id);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        continue;
      folder = sqlite3_column_int64 (stmt, 0);
      name = g_strdup (_op_mail_column_text (stmt, 1));
      uid = sqlite3_column_int64 (stmt, 2);
      conv = sqlite3_column_int64 (stmt, 3);
      flags = sqlite3_column_int (stmt, 4);
      sqlite3_reset (stmt);

      for (guint g = 0; g < groups->len; g++)
        if (((FolderGroup *) g_ptr_array_index (groups, g))->folder_id == folder)
          group = g_ptr_array_index (groups, g);
      if (group == NULL)
        {
          group = g_new0 (FolderGroup, 1);
          group->folder_id = folder;
          group->folder = g_steal_pointer (&name);
          group->uids = g_string_new (NULL);
          group->ids = g_string_new (NULL);
          g_ptr_array_add (groups, group);
        }
      if (uid > 0)
        {
          g_string_append_printf (group->uids, "%s%" G_GINT64_FORMAT, group->uids->len > 0 ? "," : "", uid);
          g_string_append_printf (group->ids, "%s%" G_GINT64_FORMAT, group->ids->len > 0 ? " " : "", id);
        }
      if (each != NULL && !each (self, id, folder, conv, (guint32) MAX (uid, 0), flags, data, error))
        return NULL;
    }
  return g_steal_pointer (&groups);
}

typedef struct
{
  Change  *change;
  Changes *changes;
} Each;

static gboolean
flag_one (OpMailStore  *self,
          gint64        id,
          gint64        folder,
          gint64        conv,
          guint32       uid,
          OpMailFlags   flags,
          gpointer      data,
          GError      **error)
{
  Each *each = data;
  OpMailFlags now = (flags | each->change->add) & ~each->change->remove;
  sqlite3_stmt *stmt;

  if (now == flags)
    return TRUE;
  stmt = wstmt (self, "UPDATE messages SET flags = ?2 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int (stmt, 2, now);
  if (!step_done (stmt, error))
    return FALSE;
  changes_touch (each->changes, folder, conv);
  return TRUE;
}

static gboolean
set_flags_write (OpMailStore  *self,
                 sqlite3      *db,
                 WriteJob     *job,
                 Changes      *changes,
                 GError      **error)
{
  Change *change = job->data;
  Each each = { change, changes };
  g_autoptr(GPtrArray) groups = group_by_folder (self, change->ids, flag_one, &each, error);

  if (groups == NULL)
    return FALSE;
  for (guint g = 0; g < groups->len; g++)
    {
      FolderGroup *group = g_ptr_array_index (groups, g);
      if (group->uids->len > 0
          && !add_pending (self, OP_MAIL_PENDING_FLAGS, group->folder, group->uids->str, group->ids->str,
                           change->add, change->remove, "", error))
        return FALSE;
    }
  return TRUE;
}

static void
run_change (OpMailStore         *self,
            gpointer             tag,
            WriteFunc            func,
            Change              *change,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  run_write (self, tag, func, change, (GDestroyNotify) change_free, cancellable, callback, user_data);
}

static GArray *
copy_ids (GArray *ids)
{
  GArray *copy = g_array_sized_new (FALSE, FALSE, sizeof (gint64), ids->len);
  g_array_append_vals (copy, ids->data, ids->len);
  return copy;
}

void
op_mail_store_set_flags_async (OpMailStore         *self,
                               GArray              *message_ids,
                               OpMailFlags          add,
                               OpMailFlags          remove,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  Change *change;

  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (message_ids != NULL);

  change = g_new0 (Change, 1);
  change->ids = copy_ids (message_ids);
  change->add = add;
  change->remove = remove;
  run_change (self, op_mail_store_set_flags_async, set_flags_write, change, cancellable, callback, user_data);
}

static gboolean
move_one (OpMailStore  *self,
          gint64        id,
          gint64        folder,
          gint64        conv,
          guint32       uid,
          OpMailFlags   flags,
          gpointer      data,
          GError      **error)
{
  Each *each = data;
  sqlite3_stmt *stmt;

  if (folder == each->change->target)
    return TRUE;
  changes_touch (each->changes, folder, conv);
  changes_touch (each->changes, each->change->target, conv);
  if (!each->change->copy)
    {
      stmt = wstmt (self, "UPDATE messages SET folder_id = ?2, uid = -id WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int64 (stmt, 2, each->change->target);
      return step_done (stmt, error);
    }

  /* A copy is a new row (its id is the placeholder's), with the body and index entry. */
  {
    static const char * const copies[] = {
      "INSERT INTO messages (folder_id, conversation_id, uid, modseq, flags, keywords, date, subject,"
      " from_name, from_addr, to_list, cc_list, reply_to, size, has_attachments, preview, message_id,"
      " in_reply_to, refs, body_cached)"
      " SELECT ?2, conversation_id, 0, 0, flags, keywords, date, subject, from_name, from_addr, to_list,"
      " cc_list, reply_to, size, has_attachments, preview, message_id, in_reply_to, refs, body_cached"
      " FROM messages WHERE id = ?1",
    };
    gint64 copy;

    stmt = wstmt (self, copies[0], error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, each->change->target);
    if (!step_done (stmt, error))
      return FALSE;
    copy = sqlite3_last_insert_rowid (self->write_db);
    stmt = wstmt (self, "UPDATE messages SET uid = -id WHERE id = ?1", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, copy);
    if (!step_done (stmt, error))
      return FALSE;
    stmt = wstmt (self,
                  "INSERT INTO messages_fts (rowid, subject, addresses, body)"
                  " SELECT " OP_MAIL_FTS_KEY_OF ("?2") ", subject, addresses, body FROM messages_fts"
                  " WHERE rowid = " OP_MAIL_FTS_KEY_OF ("?1"),
                  error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, copy);
    if (!step_done (stmt, error))
      return FALSE;
    stmt = wstmt (self, "INSERT INTO bodies (message_id, data) SELECT ?2, data FROM bodies WHERE message_id = ?1",
                  error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, copy);
    return step_done (stmt, error);
  }
}

static gboolean
move_write (OpMailStore  *self,
            sqlite3      *db,
            WriteJob     *job,
            Changes      *changes,
            GError      **error)
{
  Change *change = job->data;
  Each each = { change, changes };
  g_autoptr(GPtrArray) groups = NULL;
  g_autofree char *target = NULL;
  sqlite3_stmt *stmt = wstmt (self, "SELECT name FROM folders WHERE id = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, change->target);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_NOT_FOUND,
                   _("The folder is no longer in the mail store."));
      return FALSE;
    }
  target = g_strdup (_op_mail_column_text (stmt, 0));
  sqlite3_reset (stmt);

  groups = group_by_folder (self, change->ids, move_one, &each, error);
  if (groups == NULL)
    return FALSE;
  for (guint g = 0; g < groups->len; g++)
    {
      FolderGroup *group = g_ptr_array_index (groups, g);

      /* A copy remembers its placeholder rows: the newest ones of the target. */
      if (group->uids->len > 0 && group->folder_id != change->target
          && !add_pending (self, change->copy ? OP_MAIL_PENDING_COPY : OP_MAIL_PENDING_MOVE, group->folder,
                           group->uids->str, group->ids->str, 0, 0, target, error))
        return FALSE;
    }
  return TRUE;
}

void
op_mail_store_move_async (OpMailStore         *self,
                          GArray              *message_ids,
                          gint64               target_folder_id,
                          gboolean             copy,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  Change *change;

  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (message_ids != NULL);

  change = g_new0 (Change, 1);
  change->ids = copy_ids (message_ids);
  change->target = target_folder_id;
  change->copy = copy;
  run_change (self, op_mail_store_move_async, move_write, change, cancellable, callback, user_data);
}

static gboolean
expunge_one (OpMailStore  *self,
             gint64        id,
             gint64        folder,
             gint64        conv,
             guint32       uid,
             OpMailFlags   flags,
             gpointer      data,
             GError      **error)
{
  Each *each = data;

  changes_touch (each->changes, folder, conv);
  return delete_message_row (self, id, error);
}

static gboolean
expunge_write (OpMailStore  *self,
               sqlite3      *db,
               WriteJob     *job,
               Changes      *changes,
               GError      **error)
{
  Change *change = job->data;
  Each each = { change, changes };
  g_autoptr(GPtrArray) groups = group_by_folder (self, change->ids, expunge_one, &each, error);

  if (groups == NULL)
    return FALSE;
  for (guint g = 0; g < groups->len; g++)
    {
      FolderGroup *group = g_ptr_array_index (groups, g);
      if (group->uids->len > 0
          && !add_pending (self, OP_MAIL_PENDING_EXPUNGE, group->folder, group->uids->str, group->ids->str,
                           0, 0, "", error))
        return FALSE;
    }
  return TRUE;
}

void
op_mail_store_expunge_async (OpMailStore         *self,
                             GArray              *message_ids,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Change *change;

  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (message_ids != NULL);

  change = g_new0 (Change, 1);
  change->ids = copy_ids (message_ids);
  run_change (self, op_mail_store_expunge_async, expunge_write, change, cancellable, callback, user_data);
}

static gboolean
folder_write (OpMailStore  *self,
              sqlite3      *db,
              WriteJob     *job,
              Changes      *changes,
              GError      **error)
{
  Change *change = job->data;
  g_autofree char *old_name = NULL;
  sqlite3_stmt *stmt;

  if (change->target == 0)
    {
      OpMailFolderInfo info = { change->name, change->delimiter, OP_MAIL_SPECIAL_USE_NONE, TRUE };
      return upsert_folder (self, &info, NULL, changes, error)
        && add_pending (self, OP_MAIL_PENDING_CREATE_FOLDER, change->name, "", "", 0, 0, "", error);
    }

  stmt = wstmt (self, "SELECT name FROM folders WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, change->target);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_NOT_FOUND,
                   _("The folder is no longer in the mail store."));
      return FALSE;
    }
  old_name = g_strdup (_op_mail_column_text (stmt, 0));
  sqlite3_reset (stmt);
  changes->folders_changed = TRUE;

  if (change->name != NULL)
    {
      stmt = wstmt (self, "UPDATE folders SET name = ?2 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, change->target);
      bind_text (stmt, 2, change->name);
      return step_done (stmt, error)
        && add_pending (self, OP_MAIL_PENDING_RENAME_FOLDER, old_name, "", "", 0, 0, change->name, error);
    }

  if (!delete_messages (self, change->target, 0, changes, error))
    return FALSE;
  stmt = wstmt (self, "DELETE FROM folders WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, change->target);
  g_hash_table_remove (changes->count_folders, &change->target);
  return step_done (stmt, error)
    && add_pending (self, OP_MAIL_PENDING_DELETE_FOLDER, old_name, "", "", 0, 0, "", error);
}

void
op_mail_store_create_folder_async (OpMailStore         *self,
                                   const char          *name,
                                   char                 delimiter,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Change *change;

  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (name != NULL && g_utf8_validate (name, -1, NULL));

  change = g_new0 (Change, 1);
  change->name = g_strdup (name);
  change->delimiter = delimiter;
  run_change (self, op_mail_store_create_folder_async, folder_write, change, cancellable, callback, user_data);
}

void
op_mail_store_rename_folder_async (OpMailStore         *self,
                                   gint64               folder_id,
                                   const char          *new_name,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Change *change;

  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (folder_id > 0);
  g_return_if_fail (new_name != NULL && g_utf8_validate (new_name, -1, NULL));

  change = g_new0 (Change, 1);
  change->target = folder_id;
  change->name = g_strdup (new_name);
  run_change (self, op_mail_store_rename_folder_async, folder_write, change, cancellable, callback, user_data);
}

void
op_mail_store_delete_folder_async (OpMailStore         *self,
                                   gint64               folder_id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Change *change;

  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (folder_id > 0);

  change = g_new0 (Change, 1);
  change->target = folder_id;
  run_change (self, op_mail_store_delete_folder_async, folder_write, change, cancellable, callback, user_data);
}

guint
op_mail_store_count_pending (OpMailStore *self)
{
  g_return_val_if_fail (OP_IS_MAIL_STORE (self), 0);
  if (!check_open (self, NULL))
    return 0;
  return (guint) query_int64 (self->main_db, "SELECT count(*) FROM pending_ops WHERE ?1 = ?1", 0, 0);
}

static gboolean
delete_messages_by_id (OpMailStore  *self,
                       gint64        id,
                       Changes      *changes,
                       GError      **error)
{
  sqlite3_stmt *stmt = wstmt (self, "SELECT folder_id, conversation_id FROM messages WHERE id = ?1", error);
  Change change = { 0 };
  Each each = { &change, changes };
  gint64 folder, conv;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return TRUE;
  folder = sqlite3_column_int64 (stmt, 0);
  conv = sqlite3_column_int64 (stmt, 1);
  sqlite3_reset (stmt);
  return expunge_one (self, id, folder, conv, 0, 0, &each, error);
}

static gboolean
finish_pending_write (OpMailStore  *self,
                      sqlite3      *db,
                      WriteJob     *job,
                      Changes      *changes,
                      GError      **error)
{
  Change *change = job->data;
  sqlite3_stmt *stmt;
  g_autofree char *message_ids = NULL;
  g_autofree char *uids = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *target = NULL;
  int kind;

  stmt = wstmt (self, "SELECT kind, message_ids, uids, folder, target FROM pending_ops WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, change->op_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return TRUE;
  kind = sqlite3_column_int (stmt, 0);
  message_ids = g_strdup (_op_mail_column_text (stmt, 1));
  uids = g_strdup (_op_mail_column_text (stmt, 2));
  folder = g_strdup (_op_mail_column_text (stmt, 3));
  target = g_strdup (_op_mail_column_text (stmt, 4));
  sqlite3_reset (stmt);

  if (kind == OP_MAIL_PENDING_APPEND_DRAFT && !change->revert && change->dest_uids != NULL)
    {
      /* APPENDUID: the draft takes its server UID. */
      gint64 id = g_ascii_strtoll (message_ids, NULL, 10);
      guint64 uid = g_ascii_strtoull (change->dest_uids, NULL, 10);

      if (uid > 0 && uid <= G_MAXUINT32)
        {
          stmt = wstmt (self, "UPDATE messages SET uid = ?2 WHERE id = ?1 AND uid < 0", error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, id);
          sqlite3_bind_int64 (stmt, 2, (gint64) uid);
          if (!step_done (stmt, error))
            return FALSE;
        }
    }
  else if (kind == OP_MAIL_PENDING_APPEND_DRAFT && !change->revert)
    {
      /* No APPENDUID: the placeholder goes; the folder's next sync brings the draft. */
      if (!delete_messages_by_id (self, g_ascii_strtoll (message_ids, NULL, 10), changes, error))
        return FALSE;
    }

  if (kind == OP_MAIL_PENDING_MOVE || kind == OP_MAIL_PENDING_COPY)
    {
      g_auto(GStrv) ids = g_strsplit (message_ids, " ", -1);
      g_autoptr(GArray) src = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_autoptr(GArray) dest = g_array_new (FALSE, FALSE, sizeof (guint32));
      gint64 target_id = 0;
      gint64 source_id = 0;

      {
        sqlite3_stmt *f = wstmt (self, "SELECT id FROM folders WHERE name = ?1", error);
        if (f == NULL)
          return FALSE;
        bind_text (f, 1, target);
        target_id = sqlite3_step (f) == SQLITE_ROW ? sqlite3_column_int64 (f, 0) : 0;
        sqlite3_reset (f);
        bind_text (f, 1, folder);
        source_id = sqlite3_step (f) == SQLITE_ROW ? sqlite3_column_int64 (f, 0) : 0;
        sqlite3_reset (f);
      }
      op_imap_sequence_set_expand (uids, 1000000, src);
      if (change->dest_uids != NULL)
        op_imap_sequence_set_expand (change->dest_uids, 1000000, dest);

      for (guint i = 0; ids[i] != NULL && *ids[i] != '\0'; i++)
        {
          gint64 id = g_ascii_strtoll (ids[i], NULL, 10);
          gint64 placeholder = id;

          if (kind == OP_MAIL_PENDING_COPY)
            {
              /* The copy's row: the placeholder in the target with the same Message-ID,
               * made from this one. */
              sqlite3_stmt *p = wstmt (self,
                                       "SELECT c.id FROM messages c JOIN messages o ON o.id = ?1"
                                       " WHERE c.folder_id = ?2 AND c.uid < 0 AND c.message_id = o.message_id"
                                       " ORDER BY c.id LIMIT 1",
                                       error);
              if (p == NULL)
                return FALSE;
              sqlite3_bind_int64 (p, 1, id);
              sqlite3_bind_int64 (p, 2, target_id);
              placeholder = sqlite3_step (p) == SQLITE_ROW ? sqlite3_column_int64 (p, 0) : 0;
              sqlite3_reset (p);
              if (placeholder == 0)
                continue;
            }

          if (change->revert && kind == OP_MAIL_PENDING_MOVE && i < src->len && source_id != 0)
            {
              /* The server refused the move: the message is where the server has it. */
              stmt = wstmt (self, "UPDATE messages SET folder_id = ?2, uid = ?3 WHERE id = ?1 AND uid < 0", error);
              if (stmt == NULL)
                return FALSE;
              sqlite3_bind_int64 (stmt, 1, placeholder);
              sqlite3_bind_int64 (stmt, 2, source_id);
              sqlite3_bind_int64 (stmt, 3, g_array_index (src, guint32, i));
            }
          else if (!change->revert && src->len == dest->len && i < dest->len)
            {
              /* RFC 4315 §3: the COPYUID sets correspond in order. */
              stmt = wstmt (self, "UPDATE messages SET uid = ?2 WHERE id = ?1 AND uid < 0", error);
              if (stmt == NULL)
                return FALSE;
              sqlite3_bind_int64 (stmt, 1, placeholder);
              sqlite3_bind_int64 (stmt, 2, g_array_index (dest, guint32, i));
            }
          else
            {
              /* No UIDs from the server (or a refused copy): the placeholder goes; the
               * target's next sync brings the message under its real UID. */
              if (!delete_messages_by_id (self, placeholder, changes, error))
                return FALSE;
              continue;
            }
          if (!step_done (stmt, error))
            return FALSE;
          changes_touch (changes, target_id, query_int64 (db, "SELECT conversation_id FROM messages WHERE id = ?1",
                                                          placeholder, 0));
          if (source_id != 0)
            changes_touch (changes, source_id, query_int64 (db, "SELECT conversation_id FROM messages WHERE id = ?1",
                                                            placeholder, 0));
        }
    }

  stmt = wstmt (self, "DELETE FROM pending_ops WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, change->op_id);
  return step_done (stmt, error);
}

void
_op_mail_store_finish_pending_async (OpMailStore         *self,
                                     gint64               op_id,
                                     const char          *dest_uids,
                                     gboolean             revert,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  Change *change = g_new0 (Change, 1);

  change->op_id = op_id;
  change->dest_uids = g_strdup (dest_uids);
  change->revert = revert;
  run_change (self, _op_mail_store_finish_pending_async, finish_pending_write, change, NULL, callback, user_data);
}

/* --- POP3 bookkeeping ------------------------------------------------------------------------ */

static void
pop3_uidls_read (GTask        *task,
                 OpMailStore  *store,
                 sqlite3      *db,
                 gpointer      data,
                 GCancellable *cancellable)
{
  gint64 folder_id = *(gint64 *) data;
  g_autoptr(GHashTable) uidls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GError *error = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT uidl, received FROM pop3_uidls WHERE folder_id = ?1", -1, &stmt, NULL)
      != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (&error, db, N_("reading POP3 downloads"));
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, folder_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 received = sqlite3_column_int64 (stmt, 1);
      g_hash_table_insert (uidls, g_strdup (_op_mail_column_text (stmt, 0)), g_memdup2 (&received, sizeof received));
    }
  g_task_return_pointer (task, g_steal_pointer (&uidls), (GDestroyNotify) g_hash_table_unref);
}

void
op_mail_store_pop3_uidls_async (OpMailStore         *self,
                                gint64               folder_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  run_read_by_id (self, folder_id, op_mail_store_pop3_uidls_async, pop3_uidls_read, cancellable, callback, user_data);
}

GHashTable *
op_mail_store_pop3_uidls_finish (OpMailStore   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return finish_pointer (self, result, error);
}

static gboolean
pop3_forget_write (OpMailStore  *self,
                   sqlite3      *db,
                   WriteJob     *job,
                   Changes      *changes,
                   GError      **error)
{
  Change *change = job->data;
  g_auto(GStrv) uidls = g_strsplit (change->name, "\n", -1);

  for (char **u = uidls; *u != NULL; u++)
    {
      sqlite3_stmt *stmt = wstmt (self, "DELETE FROM pop3_uidls WHERE folder_id = ?1 AND uidl = ?2", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, change->target);
      bind_text (stmt, 2, *u);
      if (!step_done (stmt, error))
        return FALSE;
    }
  return TRUE;
}

void
op_mail_store_pop3_forget_async (OpMailStore         *self,
                                 gint64               folder_id,
                                 GStrv                uidls,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Change *change;

  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (uidls != NULL);

  change = g_new0 (Change, 1);
  change->target = folder_id;
  change->name = g_strjoinv ("\n", uidls);
  run_change (self, op_mail_store_pop3_forget_async, pop3_forget_write, change, cancellable, callback, user_data);
}

/* --- drafts ------------------------------------------------------------------------------------ */

typedef struct
{
  gint64  replaces;
  GBytes *message;
} Draft;

static void
draft_free (Draft *draft)
{
  g_bytes_unref (draft->message);
  g_free (draft);
}

static gboolean
save_draft_write (OpMailStore  *self,
                  sqlite3      *db,
                  WriteJob     *job,
                  Changes      *changes,
                  GError      **error)
{
  Draft *draft = job->data;
  Row row = { 0 };
  g_autofree char *folder_name = NULL;
  g_autofree char *old_uid = NULL;
  gint64 folder = 0, id;
  sqlite3_stmt *stmt;
  gboolean ok;

  stmt = wstmt (self, "SELECT id, name FROM folders WHERE special_use = 3 ORDER BY id LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      folder = sqlite3_column_int64 (stmt, 0);
      folder_name = g_strdup (_op_mail_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  if (folder == 0)
    {
      OpMailFolderInfo info = { (char *) "Drafts", '/', OP_MAIL_SPECIAL_USE_DRAFTS, TRUE };
      if (!upsert_folder (self, &info, &folder, changes, error))
        return FALSE;
      folder_name = g_strdup ("Drafts");
    }

  /* The draft it replaces goes at once; its server copy goes with the replay, and a
   * copy that never reached the server is not sent at all. */
  if (draft->replaces > 0)
    {
      gint64 uid = query_int64 (db, "SELECT uid FROM messages WHERE id = ?1", draft->replaces, 0);
      g_autofree char *mid = g_strdup_printf ("%" G_GINT64_FORMAT, draft->replaces);

      if (uid > 0)
        old_uid = g_strdup_printf ("%" G_GINT64_FORMAT, uid);
      stmt = wstmt (self, "DELETE FROM pending_ops WHERE kind = 8 AND message_ids = ?1", error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, mid);
      if (!step_done (stmt, error) || !delete_messages_by_id (self, draft->replaces, changes, error))
        return FALSE;
    }

  if (!row_from_raw (&row, 0, draft->message, error))
    {
      row_clear (&row);
      return FALSE;
    }
  row.flags = OP_MAIL_FLAG_DRAFT | OP_MAIL_FLAG_SEEN;
  if (row.date == 0)
    row.date = g_get_real_time () / G_USEC_PER_SEC;
  ok = insert_message (self, folder, &row, changes, error);
  row_clear (&row);
  if (!ok)
    return FALSE;
  /* The new row is the folder's one with UID 0 (placeholders are negative). */
  id = query_int64 (db, "SELECT id FROM messages WHERE folder_id = ?1 AND uid = 0", folder, 0);
  stmt = wstmt (self, "UPDATE messages SET uid = -id WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!step_done (stmt, error))
    return FALSE;
  {
    g_autofree char *mid = g_strdup_printf ("%" G_GINT64_FORMAT, id);
    if (!add_pending (self, OP_MAIL_PENDING_APPEND_DRAFT, folder_name, old_uid != NULL ? old_uid : "", mid,
                      0, 0, "", error))
      return FALSE;
  }
  job->result = id;
  return TRUE;
}

void
op_mail_store_save_draft_async (OpMailStore         *self,
                                gint64               replaces,
                                GBytes              *message,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  Draft *draft;

  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (message != NULL);

  draft = g_new0 (Draft, 1);
  draft->replaces = replaces;
  draft->message = g_bytes_ref (message);
  run_write (self, op_mail_store_save_draft_async, save_draft_write, draft, (GDestroyNotify) draft_free,
             cancellable, callback, user_data);
}

gint64
op_mail_store_save_draft_finish (OpMailStore   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_int (G_TASK (result), error);
}
