/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-mail-store-private.h"

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
  sqlite3_stmt *stmt = _op_mail_wstmt (self,
                                       "INSERT INTO pending_ops (kind, folder, uids, message_ids, add_flags,"
                                       " remove_flags, target, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                       error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, kind);
  _op_mail_bind_text (stmt, 2, folder);
  _op_mail_bind_text (stmt, 3, uids);
  _op_mail_bind_text (stmt, 4, message_ids);
  sqlite3_bind_int (stmt, 5, add);
  sqlite3_bind_int (stmt, 6, remove);
  _op_mail_bind_text (stmt, 7, target);
  sqlite3_bind_int64 (stmt, 8, g_get_real_time () / G_USEC_PER_SEC);
  return _op_mail_step_done (stmt, error);
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
      sqlite3_stmt *stmt = _op_mail_wstmt (self,
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
  OpMailChanges *changes;
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
  stmt = _op_mail_wstmt (self, "UPDATE messages SET flags = ?2 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int (stmt, 2, now);
  if (!_op_mail_step_done (stmt, error))
    return FALSE;
  _op_mail_changes_touch (each->changes, folder, conv);
  return TRUE;
}

static gboolean
set_flags_write (OpMailStore     *self,
                 sqlite3         *db,
                 OpMailWriteJob  *job,
                 OpMailChanges   *changes,
                 GError         **error)
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
run_change (OpMailStore          *self,
            gpointer              tag,
            OpMailStoreWriteFunc  func,
            Change               *change,
            GCancellable         *cancellable,
            GAsyncReadyCallback   callback,
            gpointer              user_data)
{
  _op_mail_store_queue_write (self, tag, func, change, (GDestroyNotify) change_free, FALSE, cancellable, callback,
                              user_data);
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
  _op_mail_changes_touch (each->changes, folder, conv);
  _op_mail_changes_touch (each->changes, each->change->target, conv);
  if (!each->change->copy)
    {
      stmt = _op_mail_wstmt (self, "UPDATE messages SET folder_id = ?2, uid = -id WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int64 (stmt, 2, each->change->target);
      return _op_mail_step_done (stmt, error);
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

    stmt = _op_mail_wstmt (self, copies[0], error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, each->change->target);
    if (!_op_mail_step_done (stmt, error))
      return FALSE;
    copy = sqlite3_last_insert_rowid (self->write_db);
    stmt = _op_mail_wstmt (self, "UPDATE messages SET uid = -id WHERE id = ?1", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, copy);
    if (!_op_mail_step_done (stmt, error))
      return FALSE;
    stmt = _op_mail_wstmt (self,
                           "INSERT INTO messages_fts (rowid, subject, addresses, body)"
                           " SELECT " OP_MAIL_FTS_KEY_OF ("?2") ", subject, addresses, body FROM messages_fts"
                           " WHERE rowid = " OP_MAIL_FTS_KEY_OF ("?1"),
                           error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, copy);
    if (!_op_mail_step_done (stmt, error))
      return FALSE;
    stmt = _op_mail_wstmt (self, "INSERT INTO bodies (message_id, data) SELECT ?2, data FROM bodies WHERE message_id = ?1",
                           error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, copy);
    return _op_mail_step_done (stmt, error);
  }
}

static gboolean
move_write (OpMailStore     *self,
            sqlite3         *db,
            OpMailWriteJob  *job,
            OpMailChanges   *changes,
            GError         **error)
{
  Change *change = job->data;
  Each each = { change, changes };
  g_autoptr(GPtrArray) groups = NULL;
  g_autofree char *target = NULL;
  sqlite3_stmt *stmt = _op_mail_wstmt (self, "SELECT name FROM folders WHERE id = ?1", error);

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

  _op_mail_changes_touch (each->changes, folder, conv);
  return _op_mail_store_delete_message_row (self, id, error);
}

static gboolean
expunge_write (OpMailStore     *self,
               sqlite3         *db,
               OpMailWriteJob  *job,
               OpMailChanges   *changes,
               GError         **error)
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
folder_write (OpMailStore     *self,
              sqlite3         *db,
              OpMailWriteJob  *job,
              OpMailChanges   *changes,
              GError         **error)
{
  Change *change = job->data;
  g_autofree char *old_name = NULL;
  sqlite3_stmt *stmt;

  if (change->target == 0)
    {
      OpMailFolderInfo info = { change->name, change->delimiter, OP_MAIL_SPECIAL_USE_NONE, TRUE };
      return _op_mail_store_upsert_folder (self, &info, NULL, changes, error)
        && add_pending (self, OP_MAIL_PENDING_CREATE_FOLDER, change->name, "", "", 0, 0, "", error);
    }

  stmt = _op_mail_wstmt (self, "SELECT name FROM folders WHERE id = ?1", error);
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
      stmt = _op_mail_wstmt (self, "UPDATE folders SET name = ?2 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, change->target);
      _op_mail_bind_text (stmt, 2, change->name);
      return _op_mail_step_done (stmt, error)
        && add_pending (self, OP_MAIL_PENDING_RENAME_FOLDER, old_name, "", "", 0, 0, change->name, error);
    }

  if (!_op_mail_store_delete_messages (self, change->target, 0, changes, error))
    return FALSE;
  stmt = _op_mail_wstmt (self, "DELETE FROM folders WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, change->target);
  g_hash_table_remove (changes->count_folders, &change->target);
  return _op_mail_step_done (stmt, error)
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
  if (!_op_mail_store_check_open (self, NULL))
    return 0;
  return (guint) _op_mail_query_int64 (self->main_db, "SELECT count(*) FROM pending_ops WHERE ?1 = ?1", 0, 0);
}

static gboolean
delete_messages_by_id (OpMailStore    *self,
                       gint64          id,
                       OpMailChanges  *changes,
                       GError        **error)
{
  sqlite3_stmt *stmt = _op_mail_wstmt (self, "SELECT folder_id, conversation_id FROM messages WHERE id = ?1", error);
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
finish_pending_write (OpMailStore     *self,
                      sqlite3         *db,
                      OpMailWriteJob  *job,
                      OpMailChanges   *changes,
                      GError         **error)
{
  Change *change = job->data;
  sqlite3_stmt *stmt;
  g_autofree char *message_ids = NULL;
  g_autofree char *uids = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *target = NULL;
  int kind;

  stmt = _op_mail_wstmt (self, "SELECT kind, message_ids, uids, folder, target FROM pending_ops WHERE id = ?1", error);
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
          stmt = _op_mail_wstmt (self, "UPDATE messages SET uid = ?2 WHERE id = ?1 AND uid < 0", error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, id);
          sqlite3_bind_int64 (stmt, 2, (gint64) uid);
          if (!_op_mail_step_done (stmt, error))
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
        sqlite3_stmt *f = _op_mail_wstmt (self, "SELECT id FROM folders WHERE name = ?1", error);
        if (f == NULL)
          return FALSE;
        _op_mail_bind_text (f, 1, target);
        target_id = sqlite3_step (f) == SQLITE_ROW ? sqlite3_column_int64 (f, 0) : 0;
        sqlite3_reset (f);
        _op_mail_bind_text (f, 1, folder);
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
              sqlite3_stmt *p = _op_mail_wstmt (self,
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
              stmt = _op_mail_wstmt (self, "UPDATE messages SET folder_id = ?2, uid = ?3 WHERE id = ?1 AND uid < 0", error);
              if (stmt == NULL)
                return FALSE;
              sqlite3_bind_int64 (stmt, 1, placeholder);
              sqlite3_bind_int64 (stmt, 2, source_id);
              sqlite3_bind_int64 (stmt, 3, g_array_index (src, guint32, i));
            }
          else if (!change->revert && src->len == dest->len && i < dest->len)
            {
              /* RFC 4315 §3: the COPYUID sets correspond in order. */
              stmt = _op_mail_wstmt (self, "UPDATE messages SET uid = ?2 WHERE id = ?1 AND uid < 0", error);
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
          if (!_op_mail_step_done (stmt, error))
            return FALSE;
          _op_mail_changes_touch (changes, target_id, _op_mail_query_int64 (db, "SELECT conversation_id FROM messages WHERE id = ?1",
                                                                            placeholder, 0));
          if (source_id != 0)
            _op_mail_changes_touch (changes, source_id, _op_mail_query_int64 (db, "SELECT conversation_id FROM messages WHERE id = ?1",
                                                                              placeholder, 0));
        }
    }

  stmt = _op_mail_wstmt (self, "DELETE FROM pending_ops WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, change->op_id);
  return _op_mail_step_done (stmt, error);
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
  _op_mail_store_run_read_by_id (self, folder_id, op_mail_store_pop3_uidls_async, pop3_uidls_read, cancellable, callback, user_data);
}

GHashTable *
op_mail_store_pop3_uidls_finish (OpMailStore   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return _op_mail_store_finish_pointer (self, result, error);
}

static gboolean
pop3_forget_write (OpMailStore     *self,
                   sqlite3         *db,
                   OpMailWriteJob  *job,
                   OpMailChanges   *changes,
                   GError         **error)
{
  Change *change = job->data;
  g_auto(GStrv) uidls = g_strsplit (change->name, "\n", -1);

  for (char **u = uidls; *u != NULL; u++)
    {
      sqlite3_stmt *stmt = _op_mail_wstmt (self, "DELETE FROM pop3_uidls WHERE folder_id = ?1 AND uidl = ?2", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, change->target);
      _op_mail_bind_text (stmt, 2, *u);
      if (!_op_mail_step_done (stmt, error))
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
save_draft_write (OpMailStore     *self,
                  sqlite3         *db,
                  OpMailWriteJob  *job,
                  OpMailChanges   *changes,
                  GError         **error)
{
  Draft *draft = job->data;
  OpMailRow row = { 0 };
  g_autofree char *folder_name = NULL;
  g_autofree char *old_uid = NULL;
  gint64 folder = 0, id;
  sqlite3_stmt *stmt;
  gboolean ok;

  stmt = _op_mail_wstmt (self, "SELECT id, name FROM folders WHERE special_use = 3 ORDER BY id LIMIT 1", error);
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
      if (!_op_mail_store_upsert_folder (self, &info, &folder, changes, error))
        return FALSE;
      folder_name = g_strdup ("Drafts");
    }

  /* The draft it replaces goes at once; its server copy goes with the replay, and a
   * copy that never reached the server is not sent at all. */
  if (draft->replaces > 0)
    {
      gint64 uid = _op_mail_query_int64 (db, "SELECT uid FROM messages WHERE id = ?1", draft->replaces, 0);
      g_autofree char *mid = g_strdup_printf ("%" G_GINT64_FORMAT, draft->replaces);

      if (uid > 0)
        old_uid = g_strdup_printf ("%" G_GINT64_FORMAT, uid);
      stmt = _op_mail_wstmt (self, "DELETE FROM pending_ops WHERE kind = 8 AND message_ids = ?1", error);
      if (stmt == NULL)
        return FALSE;
      _op_mail_bind_text (stmt, 1, mid);
      if (!_op_mail_step_done (stmt, error) || !delete_messages_by_id (self, draft->replaces, changes, error))
        return FALSE;
    }

  if (!_op_mail_row_from_raw (&row, 0, draft->message, error))
    {
      _op_mail_row_clear (&row);
      return FALSE;
    }
  row.flags = OP_MAIL_FLAG_DRAFT | OP_MAIL_FLAG_SEEN;
  if (row.date == 0)
    row.date = g_get_real_time () / G_USEC_PER_SEC;
  ok = _op_mail_store_insert_message (self, folder, &row, changes, error);
  _op_mail_row_clear (&row);
  if (!ok)
    return FALSE;
  /* The new row is the folder's one with UID 0 (placeholders are negative). */
  id = _op_mail_query_int64 (db, "SELECT id FROM messages WHERE folder_id = ?1 AND uid = 0", folder, 0);
  stmt = _op_mail_wstmt (self, "UPDATE messages SET uid = -id WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!_op_mail_step_done (stmt, error))
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
  _op_mail_store_queue_write (self, op_mail_store_save_draft_async, save_draft_write, draft, (GDestroyNotify) draft_free,
                              FALSE, cancellable, callback, user_data);
}

gint64
op_mail_store_save_draft_finish (OpMailStore   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_int (G_TASK (result), error);
}
