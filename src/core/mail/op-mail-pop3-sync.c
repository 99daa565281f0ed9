/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail-pop3"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-mail-account.h"
#include "op-mail-pop3-sync.h"
#include "op-mail-private.h"
#include "op-pop3-client.h"

struct _OpMailPop3Sync
{
  GObject         parent_instance;
  OpMailStore    *store;
  char           *host;
  guint16         port;
  OpSecurity      security;
  char           *user;
  char           *password;
  OpTlsVerifier  *verifier;
  gboolean        allow_plaintext;
  gboolean        leave;
  guint           days;
  gboolean        ran_before;
  gboolean        running;
};

G_DEFINE_FINAL_TYPE (OpMailPop3Sync, op_mail_pop3_sync, G_TYPE_OBJECT)

enum
{
  SIGNAL_NEW_MAIL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  OpMailPop3Sync *self;
  GTask          *task;
  OpPop3Client   *client;
  gint64          folder_id;
  guint32         next_uid;
  GPtrArray      *entries;     /* OpPop3UidEntry, the server's */
  GHashTable     *known;       /* UIDL → received */
  GArray         *wanted;      /* indexes into @entries to download */
  guint           next;
  OpMailUpdate   *batch;
  guint           in_batch;
  GArray         *added;       /* uids stored (for ::new-mail) */
  GArray         *dele;        /* message numbers to delete */
  GPtrArray      *dele_uidls;
  guint           dele_next;
  guint           downloaded;
  guint           deleted;
  GOutputStream  *out;
} Run;

static void
run_free (Run *run)
{
  g_clear_object (&run->client);
  g_clear_pointer (&run->entries, g_ptr_array_unref);
  g_clear_pointer (&run->known, g_hash_table_unref);
  g_clear_pointer (&run->wanted, g_array_unref);
  g_clear_pointer (&run->batch, op_mail_update_free);
  g_clear_pointer (&run->added, g_array_unref);
  g_clear_pointer (&run->dele, g_array_unref);
  g_clear_pointer (&run->dele_uidls, g_ptr_array_unref);
  g_clear_object (&run->out);
  g_free (run);
}

static GCancellable *
cancellable_of (Run *run)
{
  return g_task_get_cancellable (run->task);
}

static void
fail (Run    *run,
      GError *error)
{
  run->self->running = FALSE;
  g_task_return_error (run->task, error);
  g_object_unref (run->task);
}

static void
succeed (Run *run)
{
  run->self->running = FALSE;
  run->self->ran_before = TRUE;
  g_task_return_boolean (run->task, TRUE);
  g_object_unref (run->task);
}

static void download_next (Run *run);
static void delete_next (Run *run);

static void
quit_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Run *run = user_data;
  GError *error = NULL;

  /* RFC 1939 §6: the deletions happen at QUIT; -ERR means they did not. */
  if (!op_pop3_client_quit_finish (run->client, result, &error))
    {
      if (run->dele->len > 0)
        {
          fail (run, error);
          return;
        }
      g_clear_error (&error);
    }
  run->deleted = run->dele->len;
  if (run->dele_uidls->len > 0)
    {
      g_ptr_array_add (run->dele_uidls, NULL);
      op_mail_store_pop3_forget_async (run->self->store, run->folder_id, (GStrv) run->dele_uidls->pdata, NULL,
                                       NULL, NULL);
    }
  succeed (run);
}

static void
dele_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Run *run = user_data;
  GError *error = NULL;

  if (!op_pop3_client_dele_finish (run->client, result, &error))
    {
      fail (run, error);
      return;
    }
  run->dele_next++;
  delete_next (run);
}

static void
delete_next (Run *run)
{
  if (run->dele_next < run->dele->len)
    {
      op_pop3_client_dele_async (run->client, g_array_index (run->dele, guint, run->dele_next), cancellable_of (run),
                                 dele_done, run);
      return;
    }
  op_pop3_client_quit_async (run->client, cancellable_of (run), quit_done, run);
}

/* Only messages whose rows are committed (read back from the store after the downloads)
 * may go. */
static void
committed_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Run *run = user_data;
  GError *error = NULL;
  g_autoptr(GHashTable) committed = op_mail_store_pop3_uidls_finish (run->self->store, result, &error);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (committed == NULL)
    {
      fail (run, error);
      return;
    }
  if (!run->self->leave || run->self->days > 0)
    for (guint i = 0; i < run->entries->len; i++)
      {
        OpPop3UidEntry *entry = g_ptr_array_index (run->entries, i);
        gint64 *received = g_hash_table_lookup (committed, entry->uid);

        if (received == NULL)
          continue;
        if (run->self->leave && *received + (gint64) run->self->days * 86400 > now)
          continue;
        g_array_append_val (run->dele, entry->number);
        g_ptr_array_add (run->dele_uidls, g_strdup (entry->uid));
      }
  delete_next (run);
}

static void
announce (Run *run)
{
  sqlite3 *db = _op_mail_store_get_main_db (run->self->store);
  sqlite3_stmt *stmt = NULL;

  if (!run->self->ran_before || db == NULL
      || sqlite3_prepare_v2 (db, "SELECT id, from_name, from_addr, subject FROM messages WHERE folder_id = ?1 AND uid = ?2",
                             -1, &stmt, NULL) != SQLITE_OK)
    return;
  for (guint i = 0; i < run->added->len; i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, run->folder_id);
      sqlite3_bind_int64 (stmt, 2, g_array_index (run->added, guint32, i));
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *name = _op_mail_column_text (stmt, 1);
          g_signal_emit (run->self, signals[SIGNAL_NEW_MAIL], 0, run->folder_id, sqlite3_column_int64 (stmt, 0),
                         *name != '\0' ? name : _op_mail_column_text (stmt, 2), _op_mail_column_text (stmt, 3));
        }
    }
  sqlite3_finalize (stmt);
}

static void
batch_written (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Run *run = user_data;
  GError *error = NULL;

  if (!op_mail_store_write_finish (run->self->store, result, &error))
    {
      fail (run, error);
      return;
    }
  run->in_batch = 0;
  download_next (run);
}

static void
retrieved (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Run *run = user_data;
  OpPop3UidEntry *entry = g_ptr_array_index (run->entries, g_array_index (run->wanted, guint, run->next));
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;
  guint32 uid;

  if (!op_pop3_client_retr_finish (run->client, result, NULL, &error))
    {
      fail (run, error);
      return;
    }
  g_output_stream_close (run->out, NULL, NULL);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (run->out));
  g_clear_object (&run->out);

  uid = run->next_uid++;
  if (run->batch == NULL)
    run->batch = op_mail_update_new (run->folder_id);
  op_mail_update_add_pop3 (run->batch, uid, entry->uid, bytes);
  g_array_append_val (run->added, uid);
  run->downloaded++;
  run->in_batch++;
  run->next++;
  download_next (run);
}

static void
download_next (Run *run)
{
  if (run->batch != NULL && (run->in_batch >= OP_MAIL_POP3_BATCH || run->next >= run->wanted->len))
    {
      op_mail_store_apply_async (run->self->store, g_steal_pointer (&run->batch), NULL, batch_written, run);
      return;
    }
  if (run->next < run->wanted->len)
    {
      OpPop3UidEntry *entry = g_ptr_array_index (run->entries, g_array_index (run->wanted, guint, run->next));

      run->out = g_memory_output_stream_new_resizable ();
      op_pop3_client_retr_async (run->client, entry->number, run->out, NULL, NULL, cancellable_of (run),
                                 retrieved, run);
      return;
    }
  announce (run);
  op_mail_store_pop3_uidls_async (run->self->store, run->folder_id, cancellable_of (run), committed_read, run);
}

static void
known_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Run *run = user_data;
  GError *error = NULL;

  run->known = op_mail_store_pop3_uidls_finish (run->self->store, result, &error);
  if (run->known == NULL)
    {
      fail (run, error);
      return;
    }
  for (guint i = 0; i < run->entries->len; i++)
    {
      OpPop3UidEntry *entry = g_ptr_array_index (run->entries, i);
      if (!g_hash_table_contains (run->known, entry->uid))
        g_array_append_val (run->wanted, i);
    }
  /* The next local UIDs follow the largest the folder holds. */
  {
    sqlite3 *db = _op_mail_store_get_main_db (run->self->store);
    sqlite3_stmt *stmt = NULL;

    run->next_uid = 1;
    if (db != NULL && sqlite3_prepare_v2 (db, "SELECT max (uid) FROM messages WHERE folder_id = ?1", -1, &stmt, NULL)
        == SQLITE_OK)
      {
        sqlite3_bind_int64 (stmt, 1, run->folder_id);
        if (sqlite3_step (stmt) == SQLITE_ROW)
          run->next_uid = MAX ((gint64) 1, sqlite3_column_int64 (stmt, 0) + 1);
      }
    sqlite3_finalize (stmt);
  }
  download_next (run);
}

static void
listed (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Run *run = user_data;
  GError *error = NULL;

  run->entries = op_pop3_client_uidl_finish (run->client, result, &error);
  if (run->entries == NULL)
    {
      fail (run, error);
      return;
    }
  op_mail_store_pop3_uidls_async (run->self->store, run->folder_id, cancellable_of (run), known_read, run);
}

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Run *run = user_data;
  GError *error = NULL;

  if (!op_pop3_client_connect_finish (run->client, result, &error))
    {
      fail (run, error);
      return;
    }
  /* RFC 1939 §7: without UIDL a message cannot be known again; no POP3 sync without it. */
  op_pop3_client_uidl_async (run->client, 0, cancellable_of (run), listed, run);
}

static void
folder_ready (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Run *run = user_data;
  OpMailPop3Sync *self = run->self;
  GError *error = NULL;

  run->folder_id = op_mail_store_ensure_folder_finish (self->store, result, &error);
  if (error != NULL)
    {
      fail (run, error);
      return;
    }
  run->client = op_pop3_client_new (self->host, self->port, self->security);
  if (self->verifier != NULL)
    op_pop3_client_set_verifier (run->client, self->verifier);
  op_pop3_client_set_allow_plaintext_password (run->client, self->allow_plaintext);
  op_pop3_client_connect_async (run->client, self->user, self->password != NULL ? self->password : "",
                                cancellable_of (run), connected, run);
}

void
op_mail_pop3_sync_run_async (OpMailPop3Sync      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(OpMailFolderInfo) inbox = op_mail_folder_info_new ("INBOX", '/', OP_MAIL_SPECIAL_USE_INBOX, TRUE);
  Run *run;

  g_return_if_fail (OP_IS_MAIL_POP3_SYNC (self));

  run = g_new0 (Run, 1);
  run->self = self;
  run->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (run->task, op_mail_pop3_sync_run_async);
  g_task_set_task_data (run->task, run, (GDestroyNotify) run_free);
  if (self->running)
    {
      g_task_return_new_error (run->task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The mailbox is being downloaded already."));
      g_object_unref (run->task);
      return;
    }
  self->running = TRUE;
  run->wanted = g_array_new (FALSE, FALSE, sizeof (guint));
  run->added = g_array_new (FALSE, FALSE, sizeof (guint32));
  run->dele = g_array_new (FALSE, FALSE, sizeof (guint));
  run->dele_uidls = g_ptr_array_new_with_free_func (g_free);
  op_mail_store_ensure_folder_async (self->store, inbox, cancellable, folder_ready, run);
}

gboolean
op_mail_pop3_sync_run_finish (OpMailPop3Sync  *self,
                              GAsyncResult    *result,
                              guint           *downloaded,
                              guint           *deleted,
                              GError         **error)
{
  Run *run;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  run = g_task_get_task_data (G_TASK (result));
  if (downloaded != NULL)
    *downloaded = run->downloaded;
  if (deleted != NULL)
    *deleted = run->deleted;
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
op_mail_pop3_sync_finalize (GObject *object)
{
  OpMailPop3Sync *self = OP_MAIL_POP3_SYNC (object);

  g_clear_object (&self->store);
  g_free (self->host);
  g_free (self->user);
  _op_mail_wipe (&self->password);
  g_clear_object (&self->verifier);
  G_OBJECT_CLASS (op_mail_pop3_sync_parent_class)->finalize (object);
}

static void
op_mail_pop3_sync_class_init (OpMailPop3SyncClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_mail_pop3_sync_finalize;

  signals[SIGNAL_NEW_MAIL] =
    g_signal_new ("new-mail", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_INT64, G_TYPE_INT64, G_TYPE_STRING, G_TYPE_STRING);
}

static void
op_mail_pop3_sync_init (OpMailPop3Sync *self)
{
  self->leave = TRUE;
}

OpMailPop3Sync *
op_mail_pop3_sync_new (OpMailStore *store,
                       const char  *host,
                       guint16      port,
                       OpSecurity   security,
                       const char  *user)
{
  OpMailPop3Sync *self;

  g_return_val_if_fail (OP_IS_MAIL_STORE (store), NULL);
  g_return_val_if_fail (host != NULL && user != NULL, NULL);

  self = g_object_new (OP_TYPE_MAIL_POP3_SYNC, NULL);
  self->store = g_object_ref (store);
  self->host = g_strdup (host);
  self->port = port;
  self->security = security;
  self->user = g_strdup (user);
  return self;
}

OpMailPop3Sync *
op_mail_pop3_sync_new_for_account (OpMailStore *store,
                                   OpAccount   *account)
{
  OpMailPop3Sync *self;

  g_return_val_if_fail (op_mail_account_is_mail (account), NULL);

  self = op_mail_pop3_sync_new (store, op_account_get_host (account), op_mail_account_get_effective_port (account),
                                op_account_get_security (account), op_account_get_user (account));
  self->allow_plaintext = op_account_get_allow_plaintext_password (account);
  self->leave = op_mail_account_get_pop3_leave_on_server (account);
  self->days = op_mail_account_get_pop3_delete_after_days (account);
  return self;
}

void
op_mail_pop3_sync_set_password (OpMailPop3Sync *self,
                                const char     *password)
{
  g_return_if_fail (OP_IS_MAIL_POP3_SYNC (self));
  _op_mail_wipe (&self->password);
  self->password = g_strdup (password);
}

void
op_mail_pop3_sync_set_verifier (OpMailPop3Sync *self,
                                OpTlsVerifier  *verifier)
{
  g_return_if_fail (OP_IS_MAIL_POP3_SYNC (self));
  g_set_object (&self->verifier, verifier);
}

void
op_mail_pop3_sync_set_allow_plaintext_password (OpMailPop3Sync *self,
                                                gboolean        allow)
{
  g_return_if_fail (OP_IS_MAIL_POP3_SYNC (self));
  self->allow_plaintext = allow;
}

void
op_mail_pop3_sync_set_leave_on_server (OpMailPop3Sync *self,
                                       gboolean        leave)
{
  g_return_if_fail (OP_IS_MAIL_POP3_SYNC (self));
  self->leave = leave;
}

void
op_mail_pop3_sync_set_delete_after_days (OpMailPop3Sync *self,
                                         guint           days)
{
  g_return_if_fail (OP_IS_MAIL_POP3_SYNC (self));
  self->days = days;
}
