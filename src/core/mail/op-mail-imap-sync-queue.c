/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail-sync"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-mail-imap-sync-private.h"

/* The offline queue: changes the user made while offline (or before the server answered),
 * replayed on the server in the order made. */

static gboolean
store_flags (OpMailImapSync   *self,
             const char       *uids,
             OpImapStoreMode   mode,
             OpMailFlags       flags,
             GCancellable     *cancellable,
             GError          **error)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_auto(GStrv) names = op_mail_flags_to_imap (flags, NULL);

  if (flags == 0)
    return TRUE;
  op_imap_client_store_async (self->client, uids, mode, (const char * const *) names, cancellable,
                              _op_mail_imap_sync_got_result, &r);
  return op_imap_client_store_finish (self->client, _op_mail_imap_sync_await (self, &r), error);
}

/* Marks @uids \Deleted in the selected folder and removes them. With UIDPLUS, by UID
 * EXPUNGE: only these messages go, never one another client marked \Deleted and meant to
 * keep until it expunges. Without it, EXPUNGE is the only way (RFC 3501), and it takes
 * those too. */
static gboolean
expunge_uids (OpMailImapSync  *self,
              const char      *uids,
              GCancellable    *cancellable,
              GError         **error)
{
  g_autoptr(GAsyncResult) r = NULL;

  if (!store_flags (self, uids, OP_IMAP_STORE_ADD, OP_MAIL_FLAG_DELETED, cancellable, error))
    return FALSE;
  if (op_imap_client_has_capability (self->client, "UIDPLUS"))
    {
      op_imap_client_uid_expunge_async (self->client, uids, cancellable, _op_mail_imap_sync_got_result, &r);
      return op_imap_client_uid_expunge_finish (self->client, _op_mail_imap_sync_await (self, &r), error);
    }
  op_imap_client_expunge_async (self->client, cancellable, _op_mail_imap_sync_got_result, &r);
  return op_imap_client_simple_finish (self->client, _op_mail_imap_sync_await (self, &r), error);
}

/* Replays the store's queue of offline changes, oldest first. A refusal by the server
 * drops the change (the server wins; the sync that follows shows its state); a lost
 * connection stops the replay with the rest kept. */
gboolean
_op_mail_imap_sync_replay (OpMailImapSync  *self,
                           GCancellable    *cancellable,
                           GError         **error)
{
  for (;;)
    {
      sqlite3_stmt *stmt = NULL;
      g_autofree char *folder = NULL;
      g_autofree char *uids = NULL;
      g_autofree char *target = NULL;
      g_autofree char *dest = NULL;
      g_autofree char *message_ids = NULL;
      g_autoptr(GAsyncResult) r = NULL;
      g_autoptr(GAsyncResult) w = NULL;
      GError *local = NULL;
      gint64 op_id;
      int kind;
      OpMailFlags add, remove;
      gboolean ok = FALSE;
      gboolean revert = FALSE;

      if (sqlite3_prepare_v2 (self->db,
                              "SELECT id, kind, folder, uids, add_flags, remove_flags, target, message_ids"
                              " FROM pending_ops ORDER BY id LIMIT 1",
                              -1, &stmt, NULL) != SQLITE_OK)
        {
          _op_mail_set_sqlite_error (error, self->db, N_("reading the offline changes"));
          return FALSE;
        }
      if (sqlite3_step (stmt) != SQLITE_ROW)
        {
          sqlite3_finalize (stmt);
          return TRUE;
        }
      op_id = sqlite3_column_int64 (stmt, 0);
      kind = sqlite3_column_int (stmt, 1);
      folder = g_strdup (_op_mail_column_text (stmt, 2));
      uids = g_strdup (_op_mail_column_text (stmt, 3));
      add = sqlite3_column_int (stmt, 4);
      remove = sqlite3_column_int (stmt, 5);
      target = g_strdup (_op_mail_column_text (stmt, 6));
      message_ids = g_strdup (_op_mail_column_text (stmt, 7));
      sqlite3_finalize (stmt);

      if (!_op_mail_imap_sync_connect (self, cancellable, error))
        return FALSE;

      switch (kind)
        {
        case OP_MAIL_PENDING_FLAGS:
          ok = _op_mail_imap_sync_select (self, folder, cancellable, &local)
            && store_flags (self, uids, OP_IMAP_STORE_ADD, add, cancellable, &local)
            && store_flags (self, uids, OP_IMAP_STORE_REMOVE, remove, cancellable, &local);
          break;
        case OP_MAIL_PENDING_MOVE:
        case OP_MAIL_PENDING_COPY:
          if (_op_mail_imap_sync_select (self, folder, cancellable, &local))
            {
              if (kind == OP_MAIL_PENDING_MOVE)
                {
                  op_imap_client_move_async (self->client, uids, target, cancellable,
                                             _op_mail_imap_sync_got_result, &r);
                  ok = op_imap_client_move_finish (self->client, _op_mail_imap_sync_await (self, &r), &dest, &local);
                }
              else
                {
                  op_imap_client_copy_async (self->client, uids, target, cancellable,
                                             _op_mail_imap_sync_got_result, &r);
                  ok = op_imap_client_copy_finish (self->client, _op_mail_imap_sync_await (self, &r), &dest, &local);
                }
            }
          break;
        case OP_MAIL_PENDING_EXPUNGE:
          ok = _op_mail_imap_sync_select (self, folder, cancellable, &local)
            && expunge_uids (self, uids, cancellable, &local);
          break;
        case OP_MAIL_PENDING_CREATE_FOLDER:
          op_imap_client_create_async (self->client, folder, cancellable, _op_mail_imap_sync_got_result, &r);
          ok = op_imap_client_simple_finish (self->client, _op_mail_imap_sync_await (self, &r), &local);
          if (!ok && g_error_matches (local, OP_IMAP_ERROR, OP_IMAP_ERROR_ALREADY_EXISTS))
            {
              g_clear_error (&local);
              ok = TRUE;
            }
          break;
        case OP_MAIL_PENDING_RENAME_FOLDER:
        case OP_MAIL_PENDING_DELETE_FOLDER:
          /* A server may end the session of a client whose selected folder goes. */
          if (g_strcmp0 (self->selected, folder) == 0)
            {
              g_autoptr(GAsyncResult) rc = NULL;
              op_imap_client_close_async (self->client, cancellable, _op_mail_imap_sync_got_result, &rc);
              op_imap_client_simple_finish (self->client, _op_mail_imap_sync_await (self, &rc), NULL);
              g_clear_pointer (&self->selected, g_free);
            }
          if (kind == OP_MAIL_PENDING_RENAME_FOLDER)
            op_imap_client_rename_async (self->client, folder, target, cancellable, _op_mail_imap_sync_got_result, &r);
          else
            op_imap_client_delete_async (self->client, folder, cancellable, _op_mail_imap_sync_got_result, &r);
          ok = op_imap_client_simple_finish (self->client, _op_mail_imap_sync_await (self, &r), &local);
          break;
        case OP_MAIL_PENDING_APPEND_DRAFT:
          {
            g_autoptr(GBytes) bytes = NULL;
            sqlite3_stmt *body = NULL;

            if (sqlite3_prepare_v2 (self->db, "SELECT data FROM bodies WHERE message_id = ?1", -1, &body, NULL)
                == SQLITE_OK)
              {
                sqlite3_bind_int64 (body, 1, g_ascii_strtoll (message_ids, NULL, 10));
                if (sqlite3_step (body) == SQLITE_ROW)
                  bytes = g_bytes_new (sqlite3_column_blob (body, 0), sqlite3_column_bytes (body, 0));
              }
            sqlite3_finalize (body);
            ok = TRUE;
            if (bytes != NULL)
              {
                const char *flags[] = { "\\Draft", "\\Seen", NULL };
                guint32 uid = 0;

                op_imap_client_append_async (self->client, folder, bytes, flags, NULL, cancellable,
                                             _op_mail_imap_sync_got_result, &r);
                ok = op_imap_client_append_finish (self->client, _op_mail_imap_sync_await (self, &r), &uid, &local);
                if (ok && uid > 0)
                  dest = g_strdup_printf ("%u", uid);
              }
            /* The draft it replaced leaves the server only once the new one is there. */
            if (ok && *uids != '\0')
              {
                if (_op_mail_imap_sync_select (self, folder, cancellable, &local))
                  expunge_uids (self, uids, cancellable, &local);
                /* A copy already gone is fine; a lost connection is not. */
                if (local != NULL && !_op_mail_imap_sync_is_connection_error (local))
                  g_clear_error (&local);
                ok = local == NULL;
              }
          }
          break;
        default:
          /* Written by a newer version: not ours to replay. */
          ok = TRUE;
        }

      if (!ok)
        {
          if (_op_mail_imap_sync_is_connection_error (local)
              || g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, local);
              return FALSE;
            }
          g_debug ("The server refused an offline change (%s); its state wins", local->message);
          g_clear_error (&local);
          revert = TRUE;
        }
      _op_mail_store_finish_pending_async (self->store, op_id, dest, revert, _op_mail_imap_sync_got_result, &w);
      if (!op_mail_store_write_finish (self->store, _op_mail_imap_sync_await (self, &w), error))
        return FALSE;
    }
}


