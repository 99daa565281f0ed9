/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail-sync"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "op-mail-imap-sync-private.h"

/* The folder list and each folder's sync: the first sync (newest first, in batches), the
 * later ones (QRESYNC, CONDSTORE or a flags scan and a UID comparison), the prefetch of
 * recent bodies. */

/* --- the store, read on the sync thread ------------------------------------------------- */

typedef struct
{
  gint64   id;
  guint32  uidvalidity;
  guint32  uidnext;
  guint64  highestmodseq;
  gboolean complete;
} FolderState;

static gboolean
read_folder_state (OpMailImapSync  *self,
                   const char      *name,
                   FolderState     *state,
                   GError         **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT id, uidvalidity, uidnext, highestmodseq, complete FROM folders WHERE name = ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (error, self->db, N_("reading a folder"));
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      state->id = sqlite3_column_int64 (stmt, 0);
      state->uidvalidity = (guint32) sqlite3_column_int64 (stmt, 1);
      state->uidnext = (guint32) sqlite3_column_int64 (stmt, 2);
      state->highestmodseq = (guint64) sqlite3_column_int64 (stmt, 3);
      state->complete = sqlite3_column_int (stmt, 4) != 0;
      found = TRUE;
    }
  sqlite3_finalize (stmt);
  if (!found)
    g_set_error (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_NOT_FOUND,
                 _("The folder “%s” is not in the mail store."), name);
  return found;
}

typedef struct
{
  guint32      uid;
  OpMailFlags  flags;
  char        *keywords;
} Local;

static void
local_clear (gpointer data)
{
  g_free (((Local *) data)->keywords);
}

/* Every message of the folder by ascending UID. */
static GArray *
read_local (OpMailImapSync *self,
            gint64          folder_id)
{
  GArray *locals = g_array_new (FALSE, FALSE, sizeof (Local));
  sqlite3_stmt *stmt = NULL;

  g_array_set_clear_func (locals, local_clear);
  if (sqlite3_prepare_v2 (self->db, "SELECT uid, flags, keywords FROM messages WHERE folder_id = ?1 AND uid > 0 ORDER BY uid",
                          -1, &stmt, NULL) != SQLITE_OK)
    return locals;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      Local local = {
        (guint32) sqlite3_column_int64 (stmt, 0),
        sqlite3_column_int (stmt, 1),
        g_strdup (_op_mail_column_text (stmt, 2)),
      };
      g_array_append_val (locals, local);
    }
  sqlite3_finalize (stmt);
  return locals;
}

/* --- the store, written from the sync thread --------------------------------------------- */

static gboolean
apply (OpMailImapSync  *self,
       OpMailUpdate    *update,
       GError         **error)
{
  g_autoptr(GAsyncResult) r = NULL;

  op_mail_store_apply_async (self->store, update, NULL, _op_mail_imap_sync_got_result, &r);
  return op_mail_store_write_finish (self->store, _op_mail_imap_sync_await (self, &r), error);
}

/* --- UID sets ------------------------------------------------------------------------------ */

static int
compare_uids (gconstpointer a,
              gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

/* "3:7,9" from @n UIDs (any order). */
static char *
uid_set (const guint32 *uids,
         guint          n)
{
  g_autofree guint32 *sorted = g_memdup2 (uids, n * sizeof (guint32));
  GString *out = g_string_new (NULL);

  qsort (sorted, n, sizeof (guint32), compare_uids);
  for (guint i = 0; i < n;)
    {
      guint j = i;

      while (j + 1 < n && sorted[j + 1] == sorted[j] + 1)
        j++;
      if (out->len > 0)
        g_string_append_c (out, ',');
      if (j > i)
        g_string_append_printf (out, "%u:%u", sorted[i], sorted[j]);
      else
        g_string_append_printf (out, "%u", sorted[i]);
      i = j + 1;
    }
  return g_string_free (out, FALSE);
}
/* --- the folder list ------------------------------------------------------------------------ */

static OpMailSpecialUse
special_use_of (const OpImapListEntry *entry)
{
  if (g_ascii_strcasecmp (entry->name, "INBOX") == 0)
    return OP_MAIL_SPECIAL_USE_INBOX;
  if (entry->flags & OP_IMAP_MAILBOX_SENT)
    return OP_MAIL_SPECIAL_USE_SENT;
  if (entry->flags & OP_IMAP_MAILBOX_DRAFTS)
    return OP_MAIL_SPECIAL_USE_DRAFTS;
  if (entry->flags & OP_IMAP_MAILBOX_TRASH)
    return OP_MAIL_SPECIAL_USE_TRASH;
  if (entry->flags & OP_IMAP_MAILBOX_JUNK)
    return OP_MAIL_SPECIAL_USE_JUNK;
  if (entry->flags & OP_IMAP_MAILBOX_ARCHIVE)
    return OP_MAIL_SPECIAL_USE_ARCHIVE;
  if (entry->flags & OP_IMAP_MAILBOX_ALL)
    return OP_MAIL_SPECIAL_USE_ALL;
  if (entry->flags & OP_IMAP_MAILBOX_FLAGGED)
    return OP_MAIL_SPECIAL_USE_FLAGGED;
  return OP_MAIL_SPECIAL_USE_NONE;
}

gboolean
_op_mail_imap_sync_folder_list (OpMailImapSync  *self,
                                GCancellable    *cancellable,
                                GError         **error)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GAsyncResult) w = NULL;
  g_autoptr(GPtrArray) mailboxes = NULL;
  g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_folder_info_free);

  op_imap_client_list_async (self->client, NULL, FALSE, cancellable, _op_mail_imap_sync_got_result, &r);
  mailboxes = op_imap_client_list_finish (self->client, _op_mail_imap_sync_await (self, &r), error);
  if (mailboxes == NULL)
    return FALSE;

  for (guint i = 0; i < mailboxes->len; i++)
    {
      OpImapMailbox *mailbox = g_ptr_array_index (mailboxes, i);
      OpImapListEntry *entry = mailbox->entry;

      /* A name that is not valid modified UTF-7 cannot be shown or sent back safely. */
      if (entry->name == NULL || (entry->flags & OP_IMAP_MAILBOX_NONEXISTENT))
        continue;
      g_ptr_array_add (infos, op_mail_folder_info_new (special_use_of (entry) == OP_MAIL_SPECIAL_USE_INBOX
                                                       ? "INBOX" : entry->name,
                                                       entry->delimiter, special_use_of (entry),
                                                       (entry->flags & OP_IMAP_MAILBOX_NOSELECT) == 0));
    }
  op_mail_store_set_folders_async (self->store, infos, NULL, _op_mail_imap_sync_got_result, &w);
  return op_mail_store_write_finish (self->store, _op_mail_imap_sync_await (self, &w), error);
}

/* --- one folder ------------------------------------------------------------------------------ */

static const char *header_sections[] = { "HEADER.FIELDS (REFERENCES)", NULL };

static OpImapFetchItems
message_items (OpMailImapSync *self)
{
  OpImapFetchItems items = OP_IMAP_FETCH_UID | OP_IMAP_FETCH_FLAGS | OP_IMAP_FETCH_INTERNALDATE
    | OP_IMAP_FETCH_SIZE | OP_IMAP_FETCH_ENVELOPE | OP_IMAP_FETCH_BODYSTRUCTURE;

  if (g_atomic_int_get (&self->mode) != OP_MAIL_SYNC_MODE_FALLBACK)
    items |= OP_IMAP_FETCH_MODSEQ;
  return items;
}

/* Emits ::new-mail for the unread messages among @uids, now in the store. */
static void
announce (OpMailImapSync *self,
          gint64          folder_id,
          GArray         *uids)
{
  sqlite3_stmt *stmt = NULL;

  if (uids->len == 0
      || sqlite3_prepare_v2 (self->db,
                             "SELECT id, from_name, from_addr, subject, flags FROM messages"
                             " WHERE folder_id = ?1 AND uid = ?2",
                             -1, &stmt, NULL) != SQLITE_OK)
    return;
  for (guint i = 0; i < uids->len; i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, folder_id);
      sqlite3_bind_int64 (stmt, 2, g_array_index (uids, guint32, i));
      if (sqlite3_step (stmt) == SQLITE_ROW && (sqlite3_column_int (stmt, 4) & OP_MAIL_FLAG_SEEN) == 0)
        {
          const char *name = _op_mail_column_text (stmt, 1);

          _op_mail_imap_sync_post_new_mail (self, folder_id, sqlite3_column_int64 (stmt, 0),
                                            *name != '\0' ? name : _op_mail_column_text (stmt, 2),
                                            _op_mail_column_text (stmt, 3));
        }
    }
  sqlite3_finalize (stmt);
}

/* Sends the UID FETCH of @missing[@start, @end); its result goes to @slot. */
static void
fetch_batch (OpMailImapSync  *self,
             GArray          *missing,
             guint            start,
             guint            end,
             GCancellable    *cancellable,
             GAsyncResult   **slot)
{
  g_autofree char *set = uid_set (&g_array_index (missing, guint32, start), end - start);

  op_imap_client_fetch_async (self->client, set, message_items (self), header_sections,
                              cancellable, _op_mail_imap_sync_got_result, slot);
}

/* Fetches @missing (ascending UIDs), newest first, in batches; the last batch also
 * carries @final (the folder's new state), or @final is applied alone. Three batches at
 * most are under way at once: one on the wire (the next UID FETCH is sent as soon as a
 * batch has arrived, so the server and the parser never wait for the store), one being
 * decoded here, one being written by the store's thread. */
static gboolean
fetch_missing (OpMailImapSync  *self,
               gint64           folder_id,
               GArray          *missing,
               OpMailUpdate    *final,
               guint32          announce_from,
               GCancellable    *cancellable,
               GError         **error)
{
  g_autoptr(OpMailUpdate) last = final;
  g_autoptr(GAsyncResult) pending = NULL;   /* the result slot of the write in flight */
  g_autoptr(GAsyncResult) fetched = NULL;   /* the result slot of the fetch in flight */
  gboolean in_flight = FALSE;
  g_autoptr(GArray) fresh = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint end = missing->len;
  guint start = end > OP_MAIL_SYNC_FIRST_BATCH ? end - OP_MAIL_SYNC_FIRST_BATCH : 0;

  if (end > 0)
    fetch_batch (self, missing, start, end, cancellable, &fetched);
  while (end > 0)
    {
      g_autoptr(GPtrArray) fetches = NULL;
      OpMailUpdate *update;

      fetches = op_imap_client_fetch_finish (self->client, _op_mail_imap_sync_await (self, &fetched), error);
      g_clear_object (&fetched);
      if (fetches == NULL)
        {
          if (in_flight)
            op_mail_store_write_finish (self->store, _op_mail_imap_sync_await (self, &pending), NULL);
          return FALSE;
        }
      end = start;
      if (end > 0)
        {
          start = end > OP_MAIL_SYNC_BATCH ? end - OP_MAIL_SYNC_BATCH : 0;
          fetch_batch (self, missing, start, end, cancellable, &fetched);
        }

      update = op_mail_update_new (folder_id);
      /* The server still has whatever a power cut takes from these batches. */
      update->bulk = TRUE;
      g_ptr_array_set_free_func (fetches, NULL);
      for (guint i = 0; i < fetches->len; i++)
        {
          OpImapFetch *fetch = g_ptr_array_index (fetches, i);
          if (fetch->uid >= announce_from && announce_from > 0)
            g_array_append_val (fresh, fetch->uid);
          op_mail_update_add_fetch (update, fetch);
        }

      /* Decoded here, while the store thread still writes the previous batch. */
      _op_mail_update_prepare (update);

      /* The previous batch's write ran while this one was on the wire. */
      if (in_flight)
        {
          in_flight = FALSE;
          if (!op_mail_store_write_finish (self->store, _op_mail_imap_sync_await (self, &pending), error))
            {
              op_mail_update_free (update);
              if (end > 0)
                {
                  /* The next batch's result comes to this frame: waited for, dropped. */
                  g_autoptr(GPtrArray) dropped = op_imap_client_fetch_finish (self->client,
                                                                              _op_mail_imap_sync_await (self, &fetched),
                                                                              NULL);
                }
              return FALSE;
            }
          g_clear_object (&pending);
        }
      if (end == 0 && last != NULL)
        {
          /* The folder's state goes with the batch that completes it. */
          update->uidvalidity = last->uidvalidity;
          update->uidnext = last->uidnext;
          update->highestmodseq = last->highestmodseq;
          update->complete = last->complete;
          g_clear_pointer (&last, op_mail_update_free);
        }
      op_mail_store_apply_async (self->store, update, NULL, _op_mail_imap_sync_got_result, &pending);
      in_flight = TRUE;
    }

  if (in_flight && !op_mail_store_write_finish (self->store, _op_mail_imap_sync_await (self, &pending), error))
    return FALSE;
  if (last != NULL && !apply (self, g_steal_pointer (&last), error))
    return FALSE;
  announce (self, folder_id, fresh);
  return TRUE;
}

static GArray *
search_uids (OpMailImapSync  *self,
             const char      *range,
             GCancellable    *cancellable,
             GError         **error)
{
  g_autoptr(GAsyncResult) r = NULL;
  const char *all[] = { "ALL", NULL };
  const char *in_range[] = { "UID", range, NULL };
  GArray *uids;

  op_imap_client_search_async (self->client, range != NULL ? in_range : all, cancellable,
                               _op_mail_imap_sync_got_result, &r);
  uids = op_imap_client_search_finish (self->client, _op_mail_imap_sync_await (self, &r), error);
  if (uids != NULL)
    g_array_sort (uids, compare_uids);
  return uids;
}

/* The bodies of the folder's recent messages, newest first, in batches. A failure only
 * ends the prefetch: the bodies are fetched on demand later. */
static gboolean
prefetch_bodies (OpMailImapSync  *self,
                 gint64           folder_id,
                 GCancellable    *cancellable,
                 GError         **error)
{
  static const char *whole[] = { "", NULL };
  gint days = g_atomic_int_get (&self->prefetch_days);
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GHashTable) ids = g_hash_table_new (NULL, NULL);
  sqlite3_stmt *stmt = NULL;

  if (days <= 0)
    return TRUE;
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT uid, id FROM messages WHERE folder_id = ?1 AND uid > 0 AND body_cached = 0"
                          " AND date >= ?2 AND size <= ?3 ORDER BY date DESC LIMIT ?4",
                          -1, &stmt, NULL) != SQLITE_OK)
    return TRUE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time () / G_USEC_PER_SEC - (gint64) days * 86400);
  sqlite3_bind_int64 (stmt, 3, OP_MAIL_SYNC_PREFETCH_SIZE);
  sqlite3_bind_int64 (stmt, 4, OP_MAIL_SYNC_PREFETCH_COUNT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      guint32 uid = (guint32) sqlite3_column_int64 (stmt, 0);
      g_array_append_val (uids, uid);
      g_hash_table_insert (ids, GUINT_TO_POINTER (uid), GSIZE_TO_POINTER ((gsize) sqlite3_column_int64 (stmt, 1)));
    }
  sqlite3_finalize (stmt);

  for (guint start = 0; start < uids->len; start += 20)
    {
      g_autofree char *set = uid_set (&g_array_index (uids, guint32, start), MIN (20, uids->len - start));
      g_autoptr(GAsyncResult) r = NULL;
      g_autoptr(GPtrArray) fetches = NULL;

      op_imap_client_fetch_async (self->client, set, OP_IMAP_FETCH_UID, whole, cancellable,
                                  _op_mail_imap_sync_got_result, &r);
      fetches = op_imap_client_fetch_finish (self->client, _op_mail_imap_sync_await (self, &r), error);
      if (fetches == NULL)
        return FALSE;
      for (guint i = 0; i < fetches->len; i++)
        {
          OpImapFetch *fetch = g_ptr_array_index (fetches, i);
          const OpImapSection *body = op_imap_fetch_find_section (fetch, "");
          gint64 id = (gint64) GPOINTER_TO_SIZE (g_hash_table_lookup (ids, GUINT_TO_POINTER (fetch->uid)));
          g_autoptr(GAsyncResult) w = NULL;

          if (body == NULL || body->data == NULL || id == 0)
            continue;
          op_mail_store_save_body_async (self->store, id, body->data, NULL, _op_mail_imap_sync_got_result, &w);
          if (!op_mail_store_write_finish (self->store, _op_mail_imap_sync_await (self, &w), error))
            return FALSE;
        }
    }
  return TRUE;
}

/* Adds to @changes the removal of those UIDs of @uid_set up to @max_uid that the store
 * holds. */
static void
remove_stored (OpMailImapSync *self,
               OpMailUpdate   *changes,
               gint64          folder_id,
               const char     *uid_set,
               guint32         max_uid)
{
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  sqlite3_stmt *stmt = NULL;

  /* A VANISHED set can name every UID of a large folder. */
  if (!op_imap_sequence_set_expand (uid_set, 10 * 1000 * 1000, uids)
      || sqlite3_prepare_v2 (self->db, "SELECT 1 FROM messages WHERE folder_id = ?1 AND uid = ?2", -1, &stmt,
                             NULL) != SQLITE_OK)
    {
      sqlite3_finalize (stmt);
      return;
    }
  for (guint i = 0; i < uids->len; i++)
    {
      if (g_array_index (uids, guint32, i) > max_uid)
        continue;
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, folder_id);
      sqlite3_bind_int64 (stmt, 2, g_array_index (uids, guint32, i));
      if (sqlite3_step (stmt) == SQLITE_ROW)
        op_mail_update_remove_uid (changes, g_array_index (uids, guint32, i));
    }
  sqlite3_finalize (stmt);
}

/* A later sync of the folder this session has kept selected since it last synced it,
 * with QRESYNC: no SELECT again (Dovecot spends 0.3–0.5 s on a SELECT of a 100,000-message
 * Maildir folder; tests/bench/README.md). NOOP brings the server's view of the folder up
 * to date, RFC 7162 §3.2.6's UID FETCH 1:* (CHANGEDSINCE VANISHED) names what changed and
 * what was expunged since the stored HIGHESTMODSEQ, and UID SEARCH what arrived from
 * UIDNEXT on (or, when nothing did, the newest UID left: the stored ones above it were
 * expunged, which "1:*" does not reach).
 *
 * The stored HIGHESTMODSEQ becomes the highest MODSEQ that one fetch returned (new
 * messages included), never a later one: every change up to it is in that response. An
 * expunge raises the server's HIGHESTMODSEQ without a FETCH, so VANISHED may name it
 * again next time; UIDs the store no longer holds are left out, so that costs no write.
 * UIDVALIDITY cannot change while the folder is selected (RFC 3501 §2.3.1.1). */
static gboolean
sync_selected (OpMailImapSync     *self,
               const char         *name,
               const FolderState  *state,
               GCancellable       *cancellable,
               GError            **error)
{
  g_autoptr(GAsyncResult) rn = NULL;
  g_autoptr(GAsyncResult) rc = NULL;
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GArray) server = NULL;
  g_autoptr(GArray) missing = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree char *vanished = NULL;
  g_autofree char *fresh = g_strdup_printf ("%u:*", MAX (state->uidnext, 1));
  guint64 modseq = state->highestmodseq;
  guint32 uidnext = state->uidnext;
  guint32 newest = 0;
  OpMailUpdate *changes;
  OpMailUpdate *final;

  op_imap_client_noop_async (self->client, cancellable, _op_mail_imap_sync_got_result, &rn);
  if (!op_imap_client_noop_finish (self->client, _op_mail_imap_sync_await (self, &rn), error))
    return FALSE;
  op_imap_client_fetch_changed_async (self->client, "1:*", OP_IMAP_FETCH_UID | OP_IMAP_FETCH_FLAGS, NULL,
                                      state->highestmodseq, cancellable, _op_mail_imap_sync_got_result, &rc);
  changed = op_imap_client_fetch_changed_finish (self->client, _op_mail_imap_sync_await (self, &rc), &vanished, error);
  if (changed == NULL)
    return FALSE;
  server = search_uids (self, fresh, cancellable, error);
  if (server == NULL)
    return FALSE;
  for (guint i = 0; i < server->len; i++)
    {
      guint32 uid = g_array_index (server, guint32, i);

      newest = MAX (newest, uid);
      if (uid >= state->uidnext)
        {
          g_array_append_val (missing, uid);
          uidnext = MAX (uidnext, uid + 1);
        }
    }

  changes = op_mail_update_new (state->id);
  if (vanished != NULL)
    remove_stored (self, changes, state->id, vanished, newest);
  if (newest + 1 < state->uidnext)
    {
      g_autofree char *above = g_strdup_printf ("%u:%u", newest + 1, state->uidnext - 1);
      remove_stored (self, changes, state->id, above, G_MAXUINT32);
    }
  g_ptr_array_set_free_func (changed, NULL);
  for (guint i = 0; i < changed->len; i++)
    {
      OpImapFetch *fetch = g_ptr_array_index (changed, i);
      modseq = MAX (modseq, fetch->modseq);
      op_mail_update_add_fetch (changes, fetch);
    }
  g_ptr_array_set_size (changed, 0);

  g_debug ("%s: QRESYNC sync of the selected folder, %u removed, %u changed, %u to fetch", name,
           changes->removals->len, changes->steps->len, missing->len);
  if (changes->removals->len == 0 && changes->steps->len == 0 && missing->len == 0)
    {
      /* Nothing changed: no transaction (and no fsync) at all. */
      op_mail_update_free (changes);
      return prefetch_bodies (self, state->id, cancellable, error);
    }
  final = op_mail_update_new (state->id);
  op_mail_update_set_state (final, state->uidvalidity, uidnext, modseq);
  op_mail_update_set_complete (final, TRUE);
  if (missing->len == 0)
    {
      /* One transaction: the changes with the state that follows from them. */
      changes->uidvalidity = final->uidvalidity;
      changes->uidnext = final->uidnext;
      changes->highestmodseq = final->highestmodseq;
      changes->complete = final->complete;
      op_mail_update_free (final);
      return apply (self, changes, error) && prefetch_bodies (self, state->id, cancellable, error);
    }
  if (!apply (self, changes, error))
    {
      op_mail_update_free (final);
      return FALSE;
    }
  return fetch_missing (self, state->id, missing, final, state->uidnext, cancellable, error)
    && prefetch_bodies (self, state->id, cancellable, error);
}

gboolean
_op_mail_imap_sync_folder (OpMailImapSync  *self,
                           const char      *name,
                           GCancellable    *cancellable,
                           GError         **error)
{
  FolderState state = { 0 };
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(OpImapSelectInfo) info = NULL;
  g_autoptr(GArray) locals = NULL;
  g_autoptr(GArray) server = NULL;
  g_autoptr(GArray) missing = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GHashTable) server_flags = NULL;
  OpMailUpdate *changes;
  OpMailUpdate *final;
  OpMailSyncMode mode = g_atomic_int_get (&self->mode);
  gboolean qresync = FALSE;
  guint32 announce_from = 0;

  if (!read_folder_state (self, name, &state, error))
    return FALSE;

  if (mode == OP_MAIL_SYNC_MODE_QRESYNC && state.complete && state.uidvalidity != 0 && state.highestmodseq != 0
      && g_strcmp0 (self->selected, name) == 0
      && op_imap_client_get_state (self->client) == OP_IMAP_STATE_SELECTED)
    return sync_selected (self, name, &state, cancellable, error);

  if (mode == OP_MAIL_SYNC_MODE_QRESYNC && state.complete && state.uidvalidity != 0
      && state.highestmodseq != 0)
    {
      op_imap_client_select_qresync_async (self->client, name, FALSE, state.uidvalidity,
                                           state.highestmodseq, NULL, cancellable, _op_mail_imap_sync_got_result, &r);
      qresync = TRUE;
    }
  else
    op_imap_client_select_async (self->client, name, FALSE, cancellable, _op_mail_imap_sync_got_result, &r);
  info = op_imap_client_select_finish (self->client, _op_mail_imap_sync_await (self, &r), error);
  g_free (self->selected);
  self->selected = info != NULL ? g_strdup (name) : NULL;
  if (info == NULL)
    return FALSE;

  changes = op_mail_update_new (state.id);
  if (state.uidvalidity != 0 && info->uidvalidity != state.uidvalidity)
    {
      /* RFC 3501 §2.3.1.1: every UID we hold is void. */
      g_debug ("%s: UIDVALIDITY %u → %u, the folder is fetched again", name, state.uidvalidity,
               info->uidvalidity);
      op_mail_update_clear (changes);
      op_mail_update_set_state (changes, info->uidvalidity, 0, 0);
      if (!apply (self, changes, error))
        return FALSE;
      changes = op_mail_update_new (state.id);
      state.uidvalidity = 0;
      state.uidnext = 0;
      state.highestmodseq = 0;
      state.complete = FALSE;
      qresync = FALSE;
    }
  /* Stored at once, so that an interrupted first sync still knows whose UIDs it holds. */
  op_mail_update_set_state (changes, info->uidvalidity, 0, 0);

  if (state.complete)
    announce_from = state.uidnext;

  if (qresync)
    {
      /* RFC 7162 §3.2.5: what vanished and what changed since our HIGHESTMODSEQ. */
      if (info->vanished != NULL)
        op_mail_update_remove_uid_set (changes, info->vanished);
      if (info->changed != NULL)
        {
          g_ptr_array_set_free_func (info->changed, NULL);
          for (guint i = 0; i < info->changed->len; i++)
            op_mail_update_add_fetch (changes, g_ptr_array_index (info->changed, i));
          g_ptr_array_set_size (info->changed, 0);
        }
      if (info->exists > 0)
        {
          g_autofree char *range = g_strdup_printf ("%u:*", MAX (state.uidnext, 1));
          server = search_uids (self, range, cancellable, error);
          if (server == NULL)
            {
              op_mail_update_free (changes);
              return FALSE;
            }
          for (guint i = 0; i < server->len; i++)
            if (g_array_index (server, guint32, i) >= state.uidnext)
              g_array_append_val (missing, g_array_index (server, guint32, i));
        }
    }
  else
    {
      g_autoptr(GHashTable) on_server = g_hash_table_new (NULL, NULL);

      locals = read_local (self, state.id);
      if (mode == OP_MAIL_SYNC_MODE_CONDSTORE && state.complete && state.highestmodseq != 0
          && info->highestmodseq != 0)
        {
          /* RFC 7162 §3.1.4: only the flags that changed. */
          g_autoptr(GAsyncResult) rc = NULL;
          g_autoptr(GPtrArray) changed = NULL;

          op_imap_client_fetch_changed_async (self->client, "1:*", OP_IMAP_FETCH_UID | OP_IMAP_FETCH_FLAGS,
                                              NULL, state.highestmodseq, cancellable,
                                              _op_mail_imap_sync_got_result, &rc);
          changed = op_imap_client_fetch_changed_finish (self->client, _op_mail_imap_sync_await (self, &rc),
                                                         NULL, error);
          if (changed == NULL)
            {
              op_mail_update_free (changes);
              return FALSE;
            }
          g_ptr_array_set_free_func (changed, NULL);
          for (guint i = 0; i < changed->len; i++)
            op_mail_update_add_fetch (changes, g_ptr_array_index (changed, i));
        }
      else if (locals->len > 0 && info->exists > 0)
        {
          /* No CONDSTORE: every known message's flags, compared below. */
          g_autoptr(GAsyncResult) rf = NULL;
          g_autoptr(GPtrArray) all = NULL;
          g_autofree char *range = g_strdup_printf ("1:%u", g_array_index (locals, Local, locals->len - 1).uid);

          op_imap_client_fetch_async (self->client, range, OP_IMAP_FETCH_UID | OP_IMAP_FETCH_FLAGS, NULL,
                                      cancellable, _op_mail_imap_sync_got_result, &rf);
          all = op_imap_client_fetch_finish (self->client, _op_mail_imap_sync_await (self, &rf), error);
          if (all == NULL)
            {
              op_mail_update_free (changes);
              return FALSE;
            }
          server_flags = g_hash_table_new_full (NULL, NULL, NULL, g_free);
          for (guint i = 0; i < all->len; i++)
            {
              OpImapFetch *fetch = g_ptr_array_index (all, i);
              char *keywords = NULL;
              OpMailFlags flags = op_mail_flags_from_imap ((const char * const *) fetch->flags, &keywords);
              g_hash_table_insert (server_flags, GUINT_TO_POINTER (fetch->uid),
                                   g_strdup_printf ("%d %s", flags, keywords != NULL ? keywords : ""));
              g_free (keywords);
            }
        }

      server = info->exists > 0 ? search_uids (self, NULL, cancellable, error)
                                : g_array_new (FALSE, FALSE, sizeof (guint32));
      if (server == NULL)
        {
          op_mail_update_free (changes);
          return FALSE;
        }
      for (guint i = 0; i < server->len; i++)
        g_hash_table_add (on_server, GUINT_TO_POINTER (g_array_index (server, guint32, i)));

      {
        g_autoptr(GHashTable) known = g_hash_table_new (NULL, NULL);

        for (guint i = 0; i < locals->len; i++)
          {
            Local *local = &g_array_index (locals, Local, i);

            g_hash_table_add (known, GUINT_TO_POINTER (local->uid));
            if (!g_hash_table_contains (on_server, GUINT_TO_POINTER (local->uid)))
              {
                op_mail_update_remove_uid (changes, local->uid);
                continue;
              }
            if (server_flags != NULL)
              {
                const char *now = g_hash_table_lookup (server_flags, GUINT_TO_POINTER (local->uid));
                g_autofree char *was = g_strdup_printf ("%d %s", local->flags, local->keywords);

                if (now != NULL && strcmp (now, was) != 0)
                  {
                    char *space = strchr (now, ' ');
                    op_mail_update_set_flags (changes, local->uid, atoi (now), space + 1, 0);
                  }
              }
          }
        for (guint i = 0; i < server->len; i++)
          if (!g_hash_table_contains (known, GUINT_TO_POINTER (g_array_index (server, guint32, i))))
            g_array_append_val (missing, g_array_index (server, guint32, i));
      }
    }

  g_debug ("%s: %s sync, %u removed, %u changed, %u to fetch", name,
           qresync ? "QRESYNC" : state.complete ? "later" : "first",
           changes->removals->len, changes->steps->len, missing->len);
  /* Nothing changed: no transaction (and no fsync) at all. */
  if (changes->removals->len == 0 && changes->steps->len == 0 && !changes->clear
      && info->uidvalidity == state.uidvalidity)
    op_mail_update_free (changes);
  else if (!apply (self, changes, error))
    return FALSE;

  if (missing->len == 0 && state.complete && info->uidnext == state.uidnext
      && info->highestmodseq == state.highestmodseq)
    return prefetch_bodies (self, state.id, cancellable, error);
  final = op_mail_update_new (state.id);
  op_mail_update_set_state (final, info->uidvalidity, info->uidnext, info->highestmodseq);
  op_mail_update_set_complete (final, TRUE);
  return fetch_missing (self, state.id, missing, final, announce_from, cancellable, error)
    && prefetch_bodies (self, state.id, cancellable, error);
}
gboolean
_op_mail_imap_sync_all (OpMailImapSync  *self,
                        GCancellable    *cancellable,
                        GError         **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  GError *first = NULL;

  if (!_op_mail_imap_sync_connect (self, cancellable, error) || !_op_mail_imap_sync_replay (self, cancellable, error)
      || !_op_mail_imap_sync_folder_list (self, cancellable, error))
    return FALSE;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT name FROM folders WHERE selectable"
                          " ORDER BY special_use != 1, special_use = 0, name",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (error, self->db, N_("reading folders"));
      return FALSE;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (names, g_strdup (_op_mail_column_text (stmt, 0)));
  sqlite3_finalize (stmt);

  for (guint i = 0; i < names->len; i++)
    {
      GError *local = NULL;

      if (_op_mail_imap_sync_folder (self, g_ptr_array_index (names, i), cancellable, &local))
        continue;
      /* A folder the server refuses (deleted meanwhile) does not stop the others; a lost
       * connection or a cancel does. */
      if (!g_error_matches (local, OP_IMAP_ERROR, OP_IMAP_ERROR_NO)
          && !g_error_matches (local, OP_IMAP_ERROR, OP_IMAP_ERROR_MAILBOX_NOT_FOUND))
        {
          g_clear_error (&first);
          g_propagate_error (error, local);
          return FALSE;
        }
      if (first == NULL)
        first = local;
      else
        g_error_free (local);
      g_ptr_array_add (refused, g_strdup (g_ptr_array_index (names, i)));
    }
  if (first != NULL)
    {
      /* A folder that another client deleted since the LIST is simply gone: the list
       * is read again, and only a refusal of a folder that still exists is an error. */
      gboolean still_there = FALSE;

      if (!_op_mail_imap_sync_folder_list (self, cancellable, error))
        {
          g_error_free (first);
          return FALSE;
        }
      for (guint i = 0; i < refused->len; i++)
        {
          FolderState state;
          if (read_folder_state (self, g_ptr_array_index (refused, i), &state, NULL))
            still_there = TRUE;
        }
      if (still_there)
        {
          g_propagate_error (error, first);
          return FALSE;
        }
      g_error_free (first);
    }
  return TRUE;
}

