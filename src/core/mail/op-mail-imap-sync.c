/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail-sync"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-mail-imap-sync.h"
#include "op-mail-private.h"

/* A message larger than this is not cached whole (OP_MIME_MAX_MESSAGE_SIZE). */
#define MAX_BODY_SIZE (256 * 1024 * 1024)
/* After a failed connection, IDLE is tried again this much later. */
#define IDLE_RETRY_SECONDS 30

typedef enum
{
  REQUEST_RUN,
  REQUEST_FOLDER,
  REQUEST_BODY,
  REQUEST_APPEND,
  REQUEST_PUSH,
  REQUEST_FOLDER_LIST,
  REQUEST_SEARCH,
  REQUEST_WAKE,
  REQUEST_STOP,
} RequestKind;

typedef struct
{
  RequestKind  kind;
  GTask       *task;   /* NULL for WAKE and STOP */
  char        *name;
  gint64       message_id;
  GBytes      *message;
  OpMailFlags  flags;
  guint        limit;
} Request;

static void
request_free (Request *request)
{
  g_clear_object (&request->task);
  g_free (request->name);
  g_clear_pointer (&request->message, g_bytes_unref);
  g_free (request);
}

struct _OpMailImapSync
{
  GObject         parent_instance;

  /* Set on the main thread before the sync thread starts, then read-only (the password
   * and the verifier under @lock: they may change between requests). */
  OpMailStore    *store;
  GMainContext   *main_context;
  char           *host;
  guint16         port;
  OpSecurity  security;
  char           *user;
  GMutex          lock;
  char           *password;
  OpTlsVerifier  *verifier;
  guint           timeout;
  gboolean        allow_plaintext;
  gint            prefetch_days;

  GThread        *thread;
  GMainContext   *context;    /* the sync thread's */
  GAsyncQueue    *requests;
  gint            idle_wanted;
  gint            idling;
  gint            mode;
  gint            closing;

  /* Sync thread only. */
  OpImapClient   *client;
  sqlite3        *db;         /* a read connection of its own */
  char           *selected;
  gboolean        idle_changed;
};

G_DEFINE_FINAL_TYPE (OpMailImapSync, op_mail_imap_sync, G_TYPE_OBJECT)

enum
{
  SIGNAL_NEW_MAIL,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- waiting for the client on the sync thread ------------------------------------------ */

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
await (OpMailImapSync  *self,
       GAsyncResult   **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (self->context, TRUE);
  return *slot;
}

/* --- events to the main context ---------------------------------------------------------- */

typedef struct
{
  OpMailImapSync *self;
  gint64          folder_id;
  gint64          message_id;
  char           *sender;
  char           *subject;
  GError         *error;
} Event;

static void
event_free (gpointer data)
{
  Event *event = data;

  g_object_unref (event->self);
  g_free (event->sender);
  g_free (event->subject);
  g_clear_error (&event->error);
  g_free (event);
}

static gboolean
emit_event (gpointer data)
{
  Event *event = data;

  if (event->error != NULL)
    g_signal_emit (event->self, signals[SIGNAL_ERROR], 0, event->error);
  else
    g_signal_emit (event->self, signals[SIGNAL_NEW_MAIL], 0, event->folder_id, event->message_id,
                   event->sender, event->subject);
  return G_SOURCE_REMOVE;
}

static void
post_event (OpMailImapSync *self,
            Event          *event)
{
  event->self = g_object_ref (self);
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT, emit_event, event, event_free);
}

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

static char *
read_inbox_name (OpMailImapSync *self)
{
  sqlite3_stmt *stmt = NULL;
  char *name = NULL;

  if (sqlite3_prepare_v2 (self->db, "SELECT name FROM folders WHERE special_use = 1 ORDER BY id LIMIT 1",
                          -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    name = g_strdup (_op_mail_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return name != NULL ? name : g_strdup ("INBOX");
}

/* --- the store, written from the sync thread --------------------------------------------- */

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
apply (OpMailImapSync  *self,
       OpMailUpdate    *update,
       GError         **error)
{
  g_autoptr(GAsyncResult) r = NULL;

  op_mail_store_apply_async (self->store, update, NULL, on_written, &r);
  return op_mail_store_write_finish (self->store, await (self, &r), error);
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

/* --- connecting ----------------------------------------------------------------------------- */

static void
on_client_change (OpMailImapSync *self)
{
  self->idle_changed = TRUE;
}

static void
on_flags_changed (OpImapClient   *client,
                  guint           seq,
                  guint           uid,
                  GStrv           flags,
                  OpMailImapSync *self)
{
  self->idle_changed = TRUE;
}

static void
on_count_changed (OpImapClient   *client,
                  guint           number,
                  OpMailImapSync *self)
{
  self->idle_changed = TRUE;
}

static void
drop_client (OpMailImapSync *self)
{
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);
  g_clear_pointer (&self->selected, g_free);
}

static gboolean
ensure_connected (OpMailImapSync  *self,
                  GCancellable    *cancellable,
                  GError         **error)
{
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autofree char *password = NULL;
  g_autoptr(OpTlsVerifier) verifier = NULL;
  OpMailSyncMode mode = OP_MAIL_SYNC_MODE_FALLBACK;
  OpImapClient *client;

  if (self->client != NULL)
    {
      OpImapState state = op_imap_client_get_state (self->client);
      if (state == OP_IMAP_STATE_AUTHENTICATED || state == OP_IMAP_STATE_SELECTED)
        return TRUE;
      drop_client (self);
    }

  g_mutex_lock (&self->lock);
  password = g_strdup (self->password);
  verifier = self->verifier != NULL ? g_object_ref (self->verifier) : NULL;
  g_mutex_unlock (&self->lock);

  self->client = client = op_imap_client_new (self->host, self->port, self->security);
  if (verifier != NULL)
    op_imap_client_set_verifier (client, verifier);
  if (self->timeout > 0)
    op_imap_client_set_timeout (client, self->timeout);
  op_imap_client_set_allow_plaintext_password (client, self->allow_plaintext);

  op_imap_client_connect_async (client, cancellable, got_result, &r1);
  if (!op_imap_client_connect_finish (client, await (self, &r1), error))
    {
      drop_client (self);
      return FALSE;
    }
  op_imap_client_login_async (client, self->user, password != NULL ? password : "",
                              OP_IMAP_AUTH_AUTO, cancellable, got_result, &r2);
  if (password != NULL)
    memset (password, 0, strlen (password));
  if (!op_imap_client_login_finish (client, await (self, &r2), error))
    {
      drop_client (self);
      return FALSE;
    }

  /* RFC 7162 §3.2.3: QRESYNC must be enabled (which enables CONDSTORE too). */
  if (op_imap_client_has_capability (client, "ENABLE")
      && (op_imap_client_has_capability (client, "QRESYNC")
          || op_imap_client_has_capability (client, "CONDSTORE")))
    {
      const char *want[] = { op_imap_client_has_capability (client, "QRESYNC") ? "QRESYNC" : "CONDSTORE", NULL };
      g_autoptr(GAsyncResult) r3 = NULL;
      g_auto(GStrv) enabled = NULL;

      op_imap_client_enable_async (client, want, cancellable, got_result, &r3);
      enabled = op_imap_client_enable_finish (client, await (self, &r3), error);
      if (enabled == NULL && error != NULL && *error != NULL)
        {
          drop_client (self);
          return FALSE;
        }
      if (enabled != NULL && g_strv_contains ((const char * const *) enabled, "QRESYNC"))
        mode = OP_MAIL_SYNC_MODE_QRESYNC;
      else if (op_imap_client_has_capability (client, "CONDSTORE"))
        mode = OP_MAIL_SYNC_MODE_CONDSTORE;
    }
  else if (op_imap_client_has_capability (client, "CONDSTORE"))
    mode = OP_MAIL_SYNC_MODE_CONDSTORE;
  g_atomic_int_set (&self->mode, mode);

  g_signal_connect (client, "exists", G_CALLBACK (on_count_changed), self);
  g_signal_connect (client, "expunged", G_CALLBACK (on_count_changed), self);
  g_signal_connect_swapped (client, "vanished", G_CALLBACK (on_client_change), self);
  g_signal_connect (client, "flags-changed", G_CALLBACK (on_flags_changed), self);
  return TRUE;
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

static gboolean
sync_folder_list (OpMailImapSync  *self,
                  GCancellable    *cancellable,
                  GError         **error)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GAsyncResult) w = NULL;
  g_autoptr(GPtrArray) mailboxes = NULL;
  g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_folder_info_free);

  op_imap_client_list_async (self->client, NULL, FALSE, cancellable, got_result, &r);
  mailboxes = op_imap_client_list_finish (self->client, await (self, &r), error);
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
  op_mail_store_set_folders_async (self->store, infos, NULL, on_written, &w);
  return op_mail_store_write_finish (self->store, await (self, &w), error);
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
          Event *event = g_new0 (Event, 1);
          const char *name = _op_mail_column_text (stmt, 1);

          event->folder_id = folder_id;
          event->message_id = sqlite3_column_int64 (stmt, 0);
          event->sender = g_strdup (*name != '\0' ? name : _op_mail_column_text (stmt, 2));
          event->subject = g_strdup (_op_mail_column_text (stmt, 3));
          post_event (self, event);
        }
    }
  sqlite3_finalize (stmt);
}

/* Fetches @missing (ascending UIDs), newest first, in batches; the last batch also
 * carries @final (the folder's new state), or @final is applied alone. */
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
  gboolean in_flight = FALSE;
  g_autoptr(GArray) fresh = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint end = missing->len;
  guint batch = OP_MAIL_SYNC_FIRST_BATCH;

  while (end > 0)
    {
      guint start = end > batch ? end - batch : 0;
      g_autofree char *set = uid_set (&g_array_index (missing, guint32, start), end - start);
      g_autoptr(GAsyncResult) r = NULL;
      g_autoptr(GPtrArray) fetches = NULL;
      OpMailUpdate *update = op_mail_update_new (folder_id);

      /* The server still has whatever a power cut takes from these batches. */
      update->bulk = TRUE;
      op_imap_client_fetch_async (self->client, set, message_items (self), header_sections,
                                  cancellable, got_result, &r);
      fetches = op_imap_client_fetch_finish (self->client, await (self, &r), error);
      if (fetches == NULL)
        {
          op_mail_update_free (update);
          if (in_flight)
            op_mail_store_write_finish (self->store, await (self, &pending), NULL);
          return FALSE;
        }
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
          if (!op_mail_store_write_finish (self->store, await (self, &pending), error))
            {
              op_mail_update_free (update);
              return FALSE;
            }
          g_clear_object (&pending);
        }
      end = start;
      if (end == 0 && last != NULL)
        {
          /* The folder's state goes with the batch that completes it. */
          update->uidvalidity = last->uidvalidity;
          update->uidnext = last->uidnext;
          update->highestmodseq = last->highestmodseq;
          update->complete = last->complete;
          g_clear_pointer (&last, op_mail_update_free);
        }
      op_mail_store_apply_async (self->store, update, NULL, on_written, &pending);
      in_flight = TRUE;
      batch = OP_MAIL_SYNC_BATCH;
    }

  if (in_flight && !op_mail_store_write_finish (self->store, await (self, &pending), error))
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

  op_imap_client_search_async (self->client, range != NULL ? in_range : all, cancellable, got_result, &r);
  uids = op_imap_client_search_finish (self->client, await (self, &r), error);
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

      op_imap_client_fetch_async (self->client, set, OP_IMAP_FETCH_UID, whole, cancellable, got_result, &r);
      fetches = op_imap_client_fetch_finish (self->client, await (self, &r), error);
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
          op_mail_store_save_body_async (self->store, id, body->data, NULL, on_written, &w);
          if (!op_mail_store_write_finish (self->store, await (self, &w), error))
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

  op_imap_client_noop_async (self->client, cancellable, got_result, &rn);
  if (!op_imap_client_noop_finish (self->client, await (self, &rn), error))
    return FALSE;
  op_imap_client_fetch_changed_async (self->client, "1:*", OP_IMAP_FETCH_UID | OP_IMAP_FETCH_FLAGS, NULL,
                                      state->highestmodseq, cancellable, got_result, &rc);
  changed = op_imap_client_fetch_changed_finish (self->client, await (self, &rc), &vanished, error);
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

static gboolean
sync_folder (OpMailImapSync  *self,
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
                                           state.highestmodseq, NULL, cancellable, got_result, &r);
      qresync = TRUE;
    }
  else
    op_imap_client_select_async (self->client, name, FALSE, cancellable, got_result, &r);
  info = op_imap_client_select_finish (self->client, await (self, &r), error);
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
                                              NULL, state.highestmodseq, cancellable, got_result, &rc);
          changed = op_imap_client_fetch_changed_finish (self->client, await (self, &rc), NULL, error);
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
                                      cancellable, got_result, &rf);
          all = op_imap_client_fetch_finish (self->client, await (self, &rf), error);
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

/* --- requests ------------------------------------------------------------------------------- */

static gboolean is_connection_error (const GError *error);

/* --- the offline queue ------------------------------------------------------------------------- */

static void
on_finished_pending (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
select_if_needed (OpMailImapSync  *self,
                  const char      *name,
                  GCancellable    *cancellable,
                  GError         **error)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(OpImapSelectInfo) info = NULL;

  if (g_strcmp0 (self->selected, name) == 0
      && op_imap_client_get_state (self->client) == OP_IMAP_STATE_SELECTED)
    return TRUE;
  op_imap_client_select_async (self->client, name, FALSE, cancellable, got_result, &r);
  info = op_imap_client_select_finish (self->client, await (self, &r), error);
  g_free (self->selected);
  self->selected = info != NULL ? g_strdup (name) : NULL;
  return info != NULL;
}

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
                              got_result, &r);
  return op_imap_client_store_finish (self->client, await (self, &r), error);
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
      op_imap_client_uid_expunge_async (self->client, uids, cancellable, got_result, &r);
      return op_imap_client_uid_expunge_finish (self->client, await (self, &r), error);
    }
  op_imap_client_expunge_async (self->client, cancellable, got_result, &r);
  return op_imap_client_simple_finish (self->client, await (self, &r), error);
}

/* Replays the store's queue of offline changes, oldest first. A refusal by the server
 * drops the change (the server wins; the sync that follows shows its state); a lost
 * connection stops the replay with the rest kept. */
static gboolean
replay_pending (OpMailImapSync  *self,
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

      if (!ensure_connected (self, cancellable, error))
        return FALSE;

      switch (kind)
        {
        case OP_MAIL_PENDING_FLAGS:
          ok = select_if_needed (self, folder, cancellable, &local)
            && store_flags (self, uids, OP_IMAP_STORE_ADD, add, cancellable, &local)
            && store_flags (self, uids, OP_IMAP_STORE_REMOVE, remove, cancellable, &local);
          break;
        case OP_MAIL_PENDING_MOVE:
        case OP_MAIL_PENDING_COPY:
          if (select_if_needed (self, folder, cancellable, &local))
            {
              if (kind == OP_MAIL_PENDING_MOVE)
                {
                  op_imap_client_move_async (self->client, uids, target, cancellable, got_result, &r);
                  ok = op_imap_client_move_finish (self->client, await (self, &r), &dest, &local);
                }
              else
                {
                  op_imap_client_copy_async (self->client, uids, target, cancellable, got_result, &r);
                  ok = op_imap_client_copy_finish (self->client, await (self, &r), &dest, &local);
                }
            }
          break;
        case OP_MAIL_PENDING_EXPUNGE:
          ok = select_if_needed (self, folder, cancellable, &local)
            && expunge_uids (self, uids, cancellable, &local);
          break;
        case OP_MAIL_PENDING_CREATE_FOLDER:
          op_imap_client_create_async (self->client, folder, cancellable, got_result, &r);
          ok = op_imap_client_simple_finish (self->client, await (self, &r), &local);
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
              op_imap_client_close_async (self->client, cancellable, got_result, &rc);
              op_imap_client_simple_finish (self->client, await (self, &rc), NULL);
              g_clear_pointer (&self->selected, g_free);
            }
          if (kind == OP_MAIL_PENDING_RENAME_FOLDER)
            op_imap_client_rename_async (self->client, folder, target, cancellable, got_result, &r);
          else
            op_imap_client_delete_async (self->client, folder, cancellable, got_result, &r);
          ok = op_imap_client_simple_finish (self->client, await (self, &r), &local);
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

                op_imap_client_append_async (self->client, folder, bytes, flags, NULL, cancellable, got_result, &r);
                ok = op_imap_client_append_finish (self->client, await (self, &r), &uid, &local);
                if (ok && uid > 0)
                  dest = g_strdup_printf ("%u", uid);
              }
            /* The draft it replaced leaves the server only once the new one is there. */
            if (ok && *uids != '\0')
              {
                if (select_if_needed (self, folder, cancellable, &local))
                  expunge_uids (self, uids, cancellable, &local);
                /* A copy already gone is fine; a lost connection is not. */
                if (local != NULL && !is_connection_error (local))
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
          if (is_connection_error (local) || g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, local);
              return FALSE;
            }
          g_debug ("The server refused an offline change (%s); its state wins", local->message);
          g_clear_error (&local);
          revert = TRUE;
        }
      _op_mail_store_finish_pending_async (self->store, op_id, dest, revert, on_finished_pending, &w);
      if (!op_mail_store_write_finish (self->store, await (self, &w), error))
        return FALSE;
    }
}


static gboolean
run_all (OpMailImapSync  *self,
         GCancellable    *cancellable,
         GError         **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  GError *first = NULL;

  if (!ensure_connected (self, cancellable, error) || !replay_pending (self, cancellable, error)
      || !sync_folder_list (self, cancellable, error))
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

      if (sync_folder (self, g_ptr_array_index (names, i), cancellable, &local))
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

      if (!sync_folder_list (self, cancellable, error))
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

static GBytes *
fetch_body (OpMailImapSync  *self,
            gint64           message_id,
            GCancellable    *cancellable,
            GError         **error)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *folder = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GAsyncResult) w = NULL;
  g_autoptr(GBytes) cached = NULL;
  GBytes *bytes;
  guint32 uid = 0;
  guint64 size = 0;
  gboolean body_cached = FALSE;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT f.name, m.uid, m.body_cached FROM messages m JOIN folders f ON f.id = m.folder_id"
                          " WHERE m.id = ?1", -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, message_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          folder = g_strdup (_op_mail_column_text (stmt, 0));
          uid = (guint32) sqlite3_column_int64 (stmt, 1);
          body_cached = sqlite3_column_int (stmt, 2) != 0;
        }
    }
  sqlite3_finalize (stmt);
  if (folder == NULL)
    {
      g_set_error (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_NOT_FOUND,
                   _("The message is no longer in the mail store."));
      return NULL;
    }
  if (body_cached)
    {
      g_autoptr(GAsyncResult) rb = NULL;
      op_mail_store_load_body_async (self->store, message_id, cancellable, got_result, &rb);
      cached = op_mail_store_load_body_finish (self->store, await (self, &rb), error);
      if (cached != NULL)
        return g_steal_pointer (&cached);
      if (error != NULL && *error != NULL)
        return NULL;
    }

  if (!ensure_connected (self, cancellable, error))
    return NULL;
  if (g_strcmp0 (self->selected, folder) != 0)
    {
      g_autoptr(GAsyncResult) rs = NULL;
      g_autoptr(OpImapSelectInfo) info = NULL;

      op_imap_client_select_async (self->client, folder, FALSE, cancellable, got_result, &rs);
      info = op_imap_client_select_finish (self->client, await (self, &rs), error);
      g_free (self->selected);
      self->selected = info != NULL ? g_strdup (folder) : NULL;
      if (info == NULL)
        return NULL;
    }

  out = g_memory_output_stream_new_resizable ();
  op_imap_client_fetch_to_stream_async (self->client, uid, "", out, cancellable, got_result, &r);
  if (!op_imap_client_fetch_to_stream_finish (self->client, await (self, &r), &size, error))
    return NULL;
  g_output_stream_close (out, NULL, NULL);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));

  op_mail_store_save_body_async (self->store, message_id, bytes, NULL, on_written, &w);
  if (!op_mail_store_write_finish (self->store, await (self, &w), error))
    {
      g_bytes_unref (bytes);
      return NULL;
    }
  return bytes;
}

/* A session that sat unused may have been closed by the server meanwhile (a timeout, a
 * deleted folder, a restart): such a failure on a reused session is tried once more on a
 * new one. A fresh session's failure is the answer. */
static gboolean
is_connection_error (const GError *error)
{
  return g_error_matches (error, OP_IMAP_ERROR, OP_IMAP_ERROR_CONNECTION_LOST)
    || g_error_matches (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NOT_CONNECTED)
    || (error->domain == G_IO_ERROR && error->code != G_IO_ERROR_CANCELLED);
}

static int
compare_by_date (gconstpointer a,
                 gconstpointer b)
{
  gint64 x = op_mail_message_get_date (*(OpMailMessage **) a);
  gint64 y = op_mail_message_get_date (*(OpMailMessage **) b);

  if (x != y)
    return x > y ? -1 : 1;
  return op_mail_message_get_id (*(OpMailMessage **) b) < op_mail_message_get_id (*(OpMailMessage **) a) ? -1 : 1;
}

static GPtrArray *
search (OpMailImapSync  *self,
        Request         *request,
        GCancellable    *cancellable,
        GError         **error)
{
  g_autoptr(GPtrArray) criteria = g_ptr_array_new ();
  g_auto(GStrv) words = g_strsplit_set (request->name, " \t", -1);
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GAsyncResult) l = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autofree char *folder = NULL;
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, "SELECT name FROM folders WHERE id = ?1", -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, request->message_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        folder = g_strdup (_op_mail_column_text (stmt, 0));
    }
  sqlite3_finalize (stmt);
  if (folder == NULL)
    {
      g_set_error (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_NOT_FOUND,
                   _("The folder is no longer in the mail store."));
      return NULL;
    }

  /* The local index first (the same words, as prefixes). */
  op_mail_store_search_async (self->store, request->name, request->message_id, request->limit, cancellable,
                              got_result, &l);
  results = op_mail_store_search_finish (self->store, await (self, &l), error);
  if (results == NULL)
    return NULL;
  for (guint i = 0; i < results->len; i++)
    {
      gint64 id = op_mail_message_get_id (g_ptr_array_index (results, i));
      g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
    }

  for (char **w = words; *w != NULL; w++)
    if (**w != '\0')
      {
        g_ptr_array_add (criteria, (gpointer) "TEXT");
        g_ptr_array_add (criteria, *w);
      }
  if (criteria->len == 0)
    return g_steal_pointer (&results);
  g_ptr_array_add (criteria, NULL);

  if (!ensure_connected (self, cancellable, error) || !select_if_needed (self, folder, cancellable, error))
    return NULL;
  op_imap_client_search_async (self->client, (const char * const *) criteria->pdata, cancellable, got_result, &r);
  uids = op_imap_client_search_finish (self->client, await (self, &r), error);
  if (uids == NULL)
    return NULL;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT " OP_MAIL_MESSAGE_COLUMNS " FROM messages m WHERE m.folder_id = ?1 AND m.uid = ?2",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (error, self->db, N_("searching"));
      return NULL;
    }
  for (guint i = 0; i < uids->len; i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, request->message_id);
      sqlite3_bind_int64 (stmt, 2, g_array_index (uids, guint32, i));
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          OpMailMessage *m = _op_mail_message_new_from_row (stmt);
          gint64 id = op_mail_message_get_id (m);

          if (g_hash_table_contains (seen, &id))
            g_object_unref (m);
          else
            {
              g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
              g_ptr_array_add (results, m);
            }
        }
    }
  sqlite3_finalize (stmt);
  g_ptr_array_sort (results, compare_by_date);
  if (request->limit > 0 && results->len > request->limit)
    g_ptr_array_set_size (results, request->limit);
  return g_steal_pointer (&results);
}

static gboolean
run_once (OpMailImapSync  *self,
          Request         *request,
          GCancellable    *cancellable,
          GBytes         **body,
          GPtrArray      **found,
          GError         **error)
{
  switch (request->kind)
    {
    case REQUEST_RUN:
      return run_all (self, cancellable, error);
    case REQUEST_FOLDER:
      return ensure_connected (self, cancellable, error) && replay_pending (self, cancellable, error)
        && sync_folder (self, request->name, cancellable, error);
    case REQUEST_PUSH:
      return replay_pending (self, cancellable, error);
    case REQUEST_SEARCH:
      *found = search (self, request, cancellable, error);
      return *found != NULL;
    case REQUEST_FOLDER_LIST:
      return ensure_connected (self, cancellable, error) && replay_pending (self, cancellable, error)
        && sync_folder_list (self, cancellable, error);
    case REQUEST_BODY:
      *body = fetch_body (self, request->message_id, cancellable, error);
      return *body != NULL;
    case REQUEST_APPEND:
      {
        g_autoptr(GAsyncResult) r = NULL;
        g_auto(GStrv) flags = op_mail_flags_to_imap (request->flags, NULL);

        if (!ensure_connected (self, cancellable, error))
          return FALSE;
        op_imap_client_append_async (self->client, request->name, request->message,
                                     (const char * const *) flags, NULL, cancellable, got_result, &r);
        return op_imap_client_append_finish (self->client, await (self, &r), NULL, error);
      }
    case REQUEST_WAKE:
    case REQUEST_STOP:
      break;
    }
  g_assert_not_reached ();
}

static void
run_request (OpMailImapSync *self,
             Request        *request)
{
  GCancellable *cancellable = g_task_get_cancellable (request->task);
  GError *error = NULL;
  GBytes *body = NULL;
  GPtrArray *found = NULL;
  gboolean reused = self->client != NULL;
  gboolean ok;

  if (g_task_return_error_if_cancelled (request->task))
    return;

  ok = run_once (self, request, cancellable, &body, &found, &error);
  if (!ok && reused && is_connection_error (error))
    {
      g_debug ("The session was lost (%s); trying again on a new one", error->message);
      g_clear_error (&error);
      drop_client (self);
      ok = run_once (self, request, cancellable, &body, &found, &error);
    }

  if (!ok)
    g_task_return_error (request->task, error);
  else if (request->kind == REQUEST_BODY)
    g_task_return_pointer (request->task, body, (GDestroyNotify) g_bytes_unref);
  else if (request->kind == REQUEST_SEARCH)
    g_task_return_pointer (request->task, found, (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_boolean (request->task, TRUE);
}

/* --- IDLE ------------------------------------------------------------------------------------ */

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_REMOVE;
}

static gboolean
idle_should_end (OpMailImapSync *self,
                 gint64          deadline)
{
  return self->idle_changed || g_async_queue_length (self->requests) > 0
    || !g_atomic_int_get (&self->idle_wanted) || g_atomic_int_get (&self->closing)
    || g_get_monotonic_time () >= deadline;
}

static void
report_error (OpMailImapSync *self,
              GError         *error)
{
  Event *event = g_new0 (Event, 1);

  event->error = error;
  post_event (self, event);
}

static void
idle_cycle (OpMailImapSync *self)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autofree char *inbox = read_inbox_name (self);
  g_autoptr(GSource) timer = NULL;
  GError *error = NULL;
  gint64 deadline = g_get_monotonic_time () + OP_MAIL_SYNC_IDLE_RESTART * G_USEC_PER_SEC;
  gboolean stopping = FALSE;

  if (!ensure_connected (self, NULL, &error) || !replay_pending (self, NULL, &error)
      || !sync_folder (self, inbox, NULL, &error))
    {
      report_error (self, error);
      drop_client (self);
      /* Wait for a request (or the retry time) before trying again. */
      {
        Request *request = g_async_queue_timeout_pop (self->requests, IDLE_RETRY_SECONDS * G_USEC_PER_SEC);
        if (request != NULL)
          g_async_queue_push_front (self->requests, request);
      }
      return;
    }
  if (!op_imap_client_has_capability (self->client, "IDLE"))
    {
      /* Without IDLE, the Inbox is polled. */
      Request *request = g_async_queue_timeout_pop (self->requests, 60 * G_USEC_PER_SEC);
      if (request != NULL)
        g_async_queue_push_front (self->requests, request);
      return;
    }

  self->idle_changed = FALSE;
  op_imap_client_idle_async (self->client, NULL, got_result, &r);
  g_atomic_int_set (&self->idling, TRUE);
  timer = g_timeout_source_new_seconds (OP_MAIL_SYNC_IDLE_RESTART + 1);
  g_source_set_callback (timer, wake_up, NULL, NULL);
  g_source_attach (timer, self->context);
  while (r == NULL)
    {
      /* The client ends an IDLE stopped even before its worker has started it. */
      if (!stopping && idle_should_end (self, deadline))
        {
          op_imap_client_idle_stop (self->client);
          stopping = TRUE;
          continue;
        }
      g_main_context_iteration (self->context, TRUE);
    }
  g_source_destroy (timer);
  g_atomic_int_set (&self->idling, FALSE);

  if (!op_imap_client_idle_finish (self->client, r, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        report_error (self, g_steal_pointer (&error));
      g_clear_error (&error);
      drop_client (self);
      return;
    }
  if (self->idle_changed && !g_atomic_int_get (&self->closing))
    {
      if (!sync_folder (self, inbox, NULL, &error))
        {
          report_error (self, error);
          drop_client (self);
        }
    }
}

/* --- the sync thread ------------------------------------------------------------------------- */

static gpointer
sync_thread (gpointer data)
{
  OpMailImapSync *self = data;
  Request *request;

  g_main_context_push_thread_default (self->context);
  if (sqlite3_open_v2 (op_mail_store_get_path (self->store), &self->db,
                       SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
    g_warning ("Mail sync: cannot read the store: %s", sqlite3_errmsg (self->db));
  sqlite3_busy_timeout (self->db, 10000);

  for (;;)
    {
      request = g_async_queue_try_pop (self->requests);
      if (request == NULL)
        {
          if (g_atomic_int_get (&self->idle_wanted) && !g_atomic_int_get (&self->closing))
            {
              idle_cycle (self);
              continue;
            }
          request = g_async_queue_pop (self->requests);
        }
      if (request->kind == REQUEST_STOP)
        {
          request_free (request);
          break;
        }
      if (request->kind != REQUEST_WAKE)
        run_request (self, request);
      request_free (request);
    }

  /* Whatever is still queued is cancelled. */
  while ((request = g_async_queue_try_pop (self->requests)) != NULL)
    {
      if (request->task != NULL)
        g_task_return_new_error (request->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 _("The mail account was closed."));
      request_free (request);
    }
  if (self->client != NULL
      && op_imap_client_get_state (self->client) >= OP_IMAP_STATE_AUTHENTICATED)
    {
      g_autoptr(GAsyncResult) r = NULL;
      op_imap_client_logout_async (self->client, NULL, got_result, &r);
      op_imap_client_logout_finish (self->client, await (self, &r), NULL);
    }
  drop_client (self);
  g_clear_pointer (&self->db, sqlite3_close_v2);
  /* Let the client's last callbacks run before the context goes. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  g_object_unref (self);
  return NULL;
}

static void
push_request (OpMailImapSync *self,
              Request        *request)
{
  if (self->thread == NULL && !g_atomic_int_get (&self->closing))
    self->thread = g_thread_new ("mail-sync", sync_thread, g_object_ref (self));
  if (self->thread == NULL)
    {
      if (request->task != NULL)
        g_task_return_new_error (request->task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                                 _("The mail account was closed."));
      request_free (request);
      return;
    }
  g_async_queue_push (self->requests, request);
  g_main_context_wakeup (self->context);
}

/* --- GObject and the public API ------------------------------------------------------------- */

static void
op_mail_imap_sync_dispose (GObject *object)
{
  OpMailImapSync *self = OP_MAIL_IMAP_SYNC (object);

  op_mail_imap_sync_close (self);
  G_OBJECT_CLASS (op_mail_imap_sync_parent_class)->dispose (object);
}

static void
op_mail_imap_sync_finalize (GObject *object)
{
  OpMailImapSync *self = OP_MAIL_IMAP_SYNC (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->requests, g_async_queue_unref);
  g_free (self->host);
  g_free (self->user);
  _op_mail_wipe (&self->password);
  g_clear_object (&self->verifier);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (op_mail_imap_sync_parent_class)->finalize (object);
}

static void
op_mail_imap_sync_class_init (OpMailImapSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_mail_imap_sync_dispose;
  object_class->finalize = op_mail_imap_sync_finalize;

  signals[SIGNAL_NEW_MAIL] =
    g_signal_new ("new-mail", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_INT64, G_TYPE_INT64, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
op_mail_imap_sync_init (OpMailImapSync *self)
{
  g_mutex_init (&self->lock);
  self->requests = g_async_queue_new ();
  self->context = g_main_context_new ();
  self->timeout = 30;
  self->prefetch_days = OP_MAIL_SYNC_PREFETCH_DAYS;
}

OpMailImapSync *
op_mail_imap_sync_new (OpMailStore    *store,
                       const char     *host,
                       guint16         port,
                       OpSecurity  security,
                       const char     *user)
{
  OpMailImapSync *self;

  g_return_val_if_fail (OP_IS_MAIL_STORE (store), NULL);
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (user != NULL, NULL);

  self = g_object_new (OP_TYPE_MAIL_IMAP_SYNC, NULL);
  self->store = g_object_ref (store);
  self->main_context = g_main_context_ref_thread_default ();
  self->host = g_strdup (host);
  self->port = port;
  self->security = security;
  self->user = g_strdup (user);
  return self;
}

void
op_mail_imap_sync_set_password (OpMailImapSync *self,
                                const char     *password)
{
  g_return_if_fail (OP_IS_MAIL_IMAP_SYNC (self));

  g_mutex_lock (&self->lock);
  _op_mail_wipe (&self->password);
  self->password = g_strdup (password);
  g_mutex_unlock (&self->lock);
}

void
op_mail_imap_sync_set_verifier (OpMailImapSync *self,
                                OpTlsVerifier  *verifier)
{
  g_return_if_fail (OP_IS_MAIL_IMAP_SYNC (self));

  g_mutex_lock (&self->lock);
  g_set_object (&self->verifier, verifier);
  g_mutex_unlock (&self->lock);
}

void
op_mail_imap_sync_set_timeout (OpMailImapSync *self,
                               guint           seconds)
{
  g_return_if_fail (OP_IS_MAIL_IMAP_SYNC (self));
  g_return_if_fail (self->thread == NULL);
  self->timeout = seconds;
}

void
op_mail_imap_sync_set_allow_plaintext_password (OpMailImapSync *self,
                                                gboolean        allow)
{
  g_return_if_fail (OP_IS_MAIL_IMAP_SYNC (self));
  g_return_if_fail (self->thread == NULL);
  self->allow_plaintext = allow;
}

void
op_mail_imap_sync_set_prefetch_days (OpMailImapSync *self,
                                     guint           days)
{
  g_return_if_fail (OP_IS_MAIL_IMAP_SYNC (self));
  g_atomic_int_set (&self->prefetch_days, (gint) MIN (days, 36500));
}

OpMailStore *
op_mail_imap_sync_get_store (OpMailImapSync *self)
{
  g_return_val_if_fail (OP_IS_MAIL_IMAP_SYNC (self), NULL);
  return self->store;
}

OpMailSyncMode
op_mail_imap_sync_get_mode (OpMailImapSync *self)
{
  g_return_val_if_fail (OP_IS_MAIL_IMAP_SYNC (self), OP_MAIL_SYNC_MODE_UNKNOWN);
  return g_atomic_int_get (&self->mode);
}

static void
queue_task (OpMailImapSync      *self,
            RequestKind          kind,
            const char          *name,
            gint64               message_id,
            gpointer             source_tag,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  Request *request = g_new0 (Request, 1);

  request->kind = kind;
  request->name = g_strdup (name);
  request->message_id = message_id;
  request->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (request->task, source_tag);
  push_request (self, request);
}

void
op_mail_imap_sync_run_async (OpMailImapSync      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_MAIL_IMAP_SYNC (self));
  queue_task (self, REQUEST_RUN, NULL, 0, op_mail_imap_sync_run_async, cancellable, callback, user_data);
}

void
op_mail_imap_sync_folder_async (OpMailImapSync      *self,
                                const char          *name,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (OP_IS_MAIL_IMAP_SYNC (self));
  g_return_if_fail (name != NULL);
  queue_task (self, REQUEST_FOLDER, name, 0, op_mail_imap_sync_folder_async, cancellable, callback,
              user_data);
}

void
op_mail_imap_sync_append_async (OpMailImapSync      *self,
                                const char          *folder,
                                GBytes              *message,
                                OpMailFlags          flags,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  Request *request;

  g_return_if_fail (OP_IS_MAIL_IMAP_SYNC (self));
  g_return_if_fail (folder != NULL);
  g_return_if_fail (message != NULL);

  request = g_new0 (Request, 1);
  request->kind = REQUEST_APPEND;
  request->name = g_strdup (folder);
  request->message = g_bytes_ref (message);
  request->flags = flags;
  request->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (request->task, op_mail_imap_sync_append_async);
  push_request (self, request);
}

gboolean
op_mail_imap_sync_finish (OpMailImapSync  *self,
                          GAsyncResult    *result,
                          GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
op_mail_imap_sync_folders_async (OpMailImapSync      *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (OP_IS_MAIL_IMAP_SYNC (self));
  queue_task (self, REQUEST_FOLDER_LIST, NULL, 0, op_mail_imap_sync_folders_async, cancellable, callback,
              user_data);
}

void
op_mail_imap_sync_search_async (OpMailImapSync      *self,
                                gint64               folder_id,
                                const char          *query,
                                guint                limit,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  Request *request;

  g_return_if_fail (OP_IS_MAIL_IMAP_SYNC (self));
  g_return_if_fail (query != NULL);

  request = g_new0 (Request, 1);
  request->kind = REQUEST_SEARCH;
  request->name = g_strdup (query);
  request->message_id = folder_id;
  request->limit = limit;
  request->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (request->task, op_mail_imap_sync_search_async);
  push_request (self, request);
}

GPtrArray *
op_mail_imap_sync_search_finish (OpMailImapSync  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
op_mail_imap_sync_push_async (OpMailImapSync      *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (OP_IS_MAIL_IMAP_SYNC (self));
  queue_task (self, REQUEST_PUSH, NULL, 0, op_mail_imap_sync_push_async, cancellable, callback, user_data);
}

void
op_mail_imap_sync_fetch_body_async (OpMailImapSync      *self,
                                    gint64               message_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (OP_IS_MAIL_IMAP_SYNC (self));
  queue_task (self, REQUEST_BODY, NULL, message_id, op_mail_imap_sync_fetch_body_async, cancellable,
              callback, user_data);
}

GBytes *
op_mail_imap_sync_fetch_body_finish (OpMailImapSync  *self,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
op_mail_imap_sync_set_idle (OpMailImapSync *self,
                            gboolean        idle)
{
  Request *request;

  g_return_if_fail (OP_IS_MAIL_IMAP_SYNC (self));

  g_atomic_int_set (&self->idle_wanted, idle);
  request = g_new0 (Request, 1);
  request->kind = REQUEST_WAKE;
  push_request (self, request);
}

gboolean
op_mail_imap_sync_get_idling (OpMailImapSync *self)
{
  g_return_val_if_fail (OP_IS_MAIL_IMAP_SYNC (self), FALSE);
  return g_atomic_int_get (&self->idling);
}

void
op_mail_imap_sync_close (OpMailImapSync *self)
{
  Request *request;

  g_return_if_fail (OP_IS_MAIL_IMAP_SYNC (self));

  if (g_atomic_int_get (&self->closing))
    return;
  if (self->thread == NULL)
    {
      g_atomic_int_set (&self->closing, TRUE);
      return;
    }
  request = g_new0 (Request, 1);
  request->kind = REQUEST_STOP;
  g_async_queue_push (self->requests, request);
  g_atomic_int_set (&self->closing, TRUE);
  g_main_context_wakeup (self->context);
  /* The thread holds a reference until it has logged out; it ends on its own. */
  g_thread_unref (g_steal_pointer (&self->thread));
}
