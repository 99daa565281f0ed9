/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail-sync"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-mail-imap-sync-private.h"
#include "op-secret.h"

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

G_DEFINE_FINAL_TYPE (OpMailImapSync, op_mail_imap_sync, G_TYPE_OBJECT)

enum
{
  SIGNAL_NEW_MAIL,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- waiting for the client on the sync thread ------------------------------------------ */

void
_op_mail_imap_sync_got_result (GObject      *source,
                               GAsyncResult *result,
                               gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

GAsyncResult *
_op_mail_imap_sync_await (OpMailImapSync  *self,
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

void
_op_mail_imap_sync_post_new_mail (OpMailImapSync *self,
                                  gint64          folder_id,
                                  gint64          message_id,
                                  const char     *sender,
                                  const char     *subject)
{
  Event *event = g_new0 (Event, 1);

  event->folder_id = folder_id;
  event->message_id = message_id;
  event->sender = g_strdup (sender);
  event->subject = g_strdup (subject);
  post_event (self, event);
}

/* --- the store, read on the sync thread ------------------------------------------------- */

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

gboolean
_op_mail_imap_sync_connect (OpMailImapSync  *self,
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

  op_imap_client_connect_async (client, cancellable, _op_mail_imap_sync_got_result, &r1);
  if (!op_imap_client_connect_finish (client, _op_mail_imap_sync_await (self, &r1), error))
    {
      drop_client (self);
      return FALSE;
    }
  op_imap_client_login_async (client, self->user, password != NULL ? password : "",
                              OP_IMAP_AUTH_AUTO, cancellable, _op_mail_imap_sync_got_result, &r2);
  if (password != NULL)
    op_secret_wipe (password, strlen (password));
  if (!op_imap_client_login_finish (client, _op_mail_imap_sync_await (self, &r2), error))
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

      op_imap_client_enable_async (client, want, cancellable, _op_mail_imap_sync_got_result, &r3);
      enabled = op_imap_client_enable_finish (client, _op_mail_imap_sync_await (self, &r3), error);
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

gboolean
_op_mail_imap_sync_select (OpMailImapSync  *self,
                           const char      *name,
                           GCancellable    *cancellable,
                           GError         **error)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(OpImapSelectInfo) info = NULL;

  if (g_strcmp0 (self->selected, name) == 0
      && op_imap_client_get_state (self->client) == OP_IMAP_STATE_SELECTED)
    return TRUE;
  op_imap_client_select_async (self->client, name, FALSE, cancellable, _op_mail_imap_sync_got_result, &r);
  info = op_imap_client_select_finish (self->client, _op_mail_imap_sync_await (self, &r), error);
  g_free (self->selected);
  self->selected = info != NULL ? g_strdup (name) : NULL;
  return info != NULL;
}

/* --- bodies and the server's search ----------------------------------------------------------- */

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
      op_mail_store_load_body_async (self->store, message_id, cancellable, _op_mail_imap_sync_got_result, &rb);
      cached = op_mail_store_load_body_finish (self->store, _op_mail_imap_sync_await (self, &rb), error);
      if (cached != NULL)
        return g_steal_pointer (&cached);
      if (error != NULL && *error != NULL)
        return NULL;
    }

  if (!_op_mail_imap_sync_connect (self, cancellable, error))
    return NULL;
  if (g_strcmp0 (self->selected, folder) != 0)
    {
      g_autoptr(GAsyncResult) rs = NULL;
      g_autoptr(OpImapSelectInfo) info = NULL;

      op_imap_client_select_async (self->client, folder, FALSE, cancellable, _op_mail_imap_sync_got_result, &rs);
      info = op_imap_client_select_finish (self->client, _op_mail_imap_sync_await (self, &rs), error);
      g_free (self->selected);
      self->selected = info != NULL ? g_strdup (folder) : NULL;
      if (info == NULL)
        return NULL;
    }

  out = g_memory_output_stream_new_resizable ();
  op_imap_client_fetch_to_stream_async (self->client, uid, "", out, cancellable, _op_mail_imap_sync_got_result, &r);
  if (!op_imap_client_fetch_to_stream_finish (self->client, _op_mail_imap_sync_await (self, &r), &size, error))
    return NULL;
  g_output_stream_close (out, NULL, NULL);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));

  op_mail_store_save_body_async (self->store, message_id, bytes, NULL, _op_mail_imap_sync_got_result, &w);
  if (!op_mail_store_write_finish (self->store, _op_mail_imap_sync_await (self, &w), error))
    {
      g_bytes_unref (bytes);
      return NULL;
    }
  return bytes;
}

/* A session that sat unused may have been closed by the server meanwhile (a timeout, a
 * deleted folder, a restart): such a failure on a reused session is tried once more on a
 * new one. A fresh session's failure is the answer. */
gboolean
_op_mail_imap_sync_is_connection_error (const GError *error)
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
                              _op_mail_imap_sync_got_result, &l);
  results = op_mail_store_search_finish (self->store, _op_mail_imap_sync_await (self, &l), error);
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

  if (!_op_mail_imap_sync_connect (self, cancellable, error)
      || !_op_mail_imap_sync_select (self, folder, cancellable, error))
    return NULL;
  op_imap_client_search_async (self->client, (const char * const *) criteria->pdata,
                               cancellable, _op_mail_imap_sync_got_result, &r);
  uids = op_imap_client_search_finish (self->client, _op_mail_imap_sync_await (self, &r), error);
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
      return _op_mail_imap_sync_all (self, cancellable, error);
    case REQUEST_FOLDER:
      return _op_mail_imap_sync_connect (self, cancellable, error)
        && _op_mail_imap_sync_replay (self, cancellable, error)
        && _op_mail_imap_sync_folder (self, request->name, cancellable, error);
    case REQUEST_PUSH:
      return _op_mail_imap_sync_replay (self, cancellable, error);
    case REQUEST_SEARCH:
      *found = search (self, request, cancellable, error);
      return *found != NULL;
    case REQUEST_FOLDER_LIST:
      return _op_mail_imap_sync_connect (self, cancellable, error)
        && _op_mail_imap_sync_replay (self, cancellable, error)
        && _op_mail_imap_sync_folder_list (self, cancellable, error);
    case REQUEST_BODY:
      *body = fetch_body (self, request->message_id, cancellable, error);
      return *body != NULL;
    case REQUEST_APPEND:
      {
        g_autoptr(GAsyncResult) r = NULL;
        g_auto(GStrv) flags = op_mail_flags_to_imap (request->flags, NULL);

        if (!_op_mail_imap_sync_connect (self, cancellable, error))
          return FALSE;
        op_imap_client_append_async (self->client, request->name, request->message,
                                     (const char * const *) flags, NULL, cancellable,
                                     _op_mail_imap_sync_got_result, &r);
        return op_imap_client_append_finish (self->client, _op_mail_imap_sync_await (self, &r), NULL, error);
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
  if (!ok && reused && _op_mail_imap_sync_is_connection_error (error))
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

  if (!_op_mail_imap_sync_connect (self, NULL, &error) || !_op_mail_imap_sync_replay (self, NULL, &error)
      || !_op_mail_imap_sync_folder (self, inbox, NULL, &error))
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
  op_imap_client_idle_async (self->client, NULL, _op_mail_imap_sync_got_result, &r);
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
      if (!_op_mail_imap_sync_folder (self, inbox, NULL, &error))
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
      op_imap_client_logout_async (self->client, NULL, _op_mail_imap_sync_got_result, &r);
      op_imap_client_logout_finish (self->client, _op_mail_imap_sync_await (self, &r), NULL);
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
