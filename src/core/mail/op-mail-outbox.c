/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail-outbox"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-connection.h"
#include "op-mail-account.h"
#include "op-mail-outbox.h"
#include "op-mail-private.h"
#include "op-mime-message.h"
#include "op-smtp-client.h"

struct _OpMailOutbox
{
  GObject         parent_instance;
  OpMailStore    *store;
  char           *host;
  guint16         port;
  OpSecurity      security;
  char           *user;
  char           *password;
  gboolean        allow_plaintext;
  OpTlsVerifier  *verifier;
  OpMailImapSync *sync;
  char           *sent_folder;
  gboolean        auto_retry;
  guint           retry_source;
  GPtrArray      *waiting;     /* GTasks of send calls that joined the running send */
  gboolean        sending;
};

G_DEFINE_FINAL_TYPE (OpMailOutbox, op_mail_outbox, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
refusal_free (OpMailRefusal *refusal)
{
  g_free (refusal->recipient);
  g_free (refusal->reason);
  g_free (refusal);
}

void
op_mail_outbox_item_free (OpMailOutboxItem *item)
{
  if (item == NULL)
    return;
  g_free (item->sender);
  g_strfreev (item->recipients);
  g_free (item->subject);
  g_free (item->last_error);
  g_clear_pointer (&item->refusals, g_ptr_array_unref);
  g_free (item);
}

/* --- writes on the store thread ------------------------------------------------------- */

typedef struct
{
  char   *sender;
  char   *recipients;
  char   *subject;
  GBytes *message;
  /* For updates: */
  gint64  id;
  int     state;
  int     attempts_delta;
  gint64  next_attempt;
  char   *error;
  GPtrArray *refusals;    /* OpMailRefusal */
  gboolean sent_copy;
  gboolean remove;
} Write;

static void
write_free (Write *w)
{
  g_free (w->sender);
  g_free (w->recipients);
  g_free (w->subject);
  g_clear_pointer (&w->message, g_bytes_unref);
  g_free (w->error);
  g_clear_pointer (&w->refusals, g_ptr_array_unref);
  g_free (w);
}

static gboolean
step (sqlite3      *db,
      sqlite3_stmt *stmt,
      GError      **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      _op_mail_set_sqlite_error (error, db, N_("writing the outbox"));
      return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (error, db, N_("writing the outbox"));
      return NULL;
    }
  return stmt;
}

static gboolean
queue_write (OpMailStore  *store,
             sqlite3      *db,
             gpointer      data,
             gint64       *result,
             GError      **error)
{
  Write *w = data;
  gsize size;
  gconstpointer bytes = g_bytes_get_data (w->message, &size);
  sqlite3_stmt *stmt = prepare (db,
                                "INSERT INTO outbox (sender, recipients, subject, message, created)"
                                " VALUES (?1, ?2, ?3, ?4, ?5)",
                                error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, w->sender, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, w->recipients, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, w->subject, -1, SQLITE_TRANSIENT);
  sqlite3_bind_blob64 (stmt, 4, size > 0 ? bytes : "", size, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time () / G_USEC_PER_SEC);
  if (!step (db, stmt, error))
    return FALSE;
  *result = sqlite3_last_insert_rowid (db);
  return TRUE;
}

static gboolean
update_write (OpMailStore  *store,
              sqlite3      *db,
              gpointer      data,
              gint64       *result,
              GError      **error)
{
  Write *w = data;
  sqlite3_stmt *stmt;

  if (w->remove)
    {
      stmt = prepare (db, "DELETE FROM outbox WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, w->id);
      return step (db, stmt, error);
    }

  stmt = prepare (db,
                  "UPDATE outbox SET state = ?2, attempts = attempts + ?3, next_attempt = ?4,"
                  " last_error = COALESCE (?5, last_error), sent_copy = ?6 WHERE id = ?1",
                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, w->id);
  sqlite3_bind_int (stmt, 2, w->state);
  sqlite3_bind_int (stmt, 3, w->attempts_delta);
  sqlite3_bind_int64 (stmt, 4, w->next_attempt);
  if (w->error != NULL)
    sqlite3_bind_text (stmt, 5, w->error, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 6, w->sent_copy);
  if (!step (db, stmt, error))
    return FALSE;

  for (guint i = 0; w->refusals != NULL && i < w->refusals->len; i++)
    {
      OpMailRefusal *refusal = g_ptr_array_index (w->refusals, i);

      stmt = prepare (db, "INSERT INTO outbox_refusals (outbox_id, recipient, code, reason) VALUES (?1, ?2, ?3, ?4)",
                      error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, w->id);
      sqlite3_bind_text (stmt, 2, refusal->recipient, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (stmt, 3, refusal->code);
      sqlite3_bind_text (stmt, 4, refusal->reason, -1, SQLITE_TRANSIENT);
      if (!step (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* --- reading (main thread, small) --------------------------------------------------------- */

GPtrArray *
op_mail_outbox_list (OpMailOutbox  *self,
                     GError       **error)
{
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_outbox_item_free);

  g_return_val_if_fail (OP_IS_MAIL_OUTBOX (self), NULL);

  db = _op_mail_store_get_main_db (self->store);
  if (db == NULL)
    {
      g_set_error_literal (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_CLOSED, _("The mail store is closed."));
      return NULL;
    }
  if (sqlite3_prepare_v2 (db,
                          "SELECT id, state, sender, recipients, subject, attempts, next_attempt,"
                          " last_error, created FROM outbox ORDER BY id",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (error, db, N_("reading the outbox"));
      return NULL;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      OpMailOutboxItem *item = g_new0 (OpMailOutboxItem, 1);

      item->id = sqlite3_column_int64 (stmt, 0);
      item->state = sqlite3_column_int (stmt, 1);
      item->sender = g_strdup (_op_mail_column_text (stmt, 2));
      item->recipients = g_strsplit (_op_mail_column_text (stmt, 3), "\n", -1);
      item->subject = g_strdup (_op_mail_column_text (stmt, 4));
      item->attempts = sqlite3_column_int (stmt, 5);
      item->next_attempt = sqlite3_column_int64 (stmt, 6);
      item->last_error = g_strdup (_op_mail_column_text (stmt, 7));
      item->created = sqlite3_column_int64 (stmt, 8);
      item->refusals = g_ptr_array_new_with_free_func ((GDestroyNotify) refusal_free);
      g_ptr_array_add (items, item);
    }
  sqlite3_finalize (stmt);

  if (sqlite3_prepare_v2 (db, "SELECT recipient, code, reason FROM outbox_refusals WHERE outbox_id = ?1",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      for (guint i = 0; i < items->len; i++)
        {
          OpMailOutboxItem *item = g_ptr_array_index (items, i);

          sqlite3_reset (stmt);
          sqlite3_bind_int64 (stmt, 1, item->id);
          while (sqlite3_step (stmt) == SQLITE_ROW)
            {
              OpMailRefusal *refusal = g_new0 (OpMailRefusal, 1);
              refusal->recipient = g_strdup (_op_mail_column_text (stmt, 0));
              refusal->code = sqlite3_column_int (stmt, 1);
              refusal->reason = g_strdup (_op_mail_column_text (stmt, 2));
              g_ptr_array_add (item->refusals, refusal);
            }
        }
      sqlite3_finalize (stmt);
    }
  return g_steal_pointer (&items);
}

/* A due message, read whole (its bytes are needed to send it). */
typedef struct
{
  gint64  id;
  int     state;
  char   *sender;
  GStrv   recipients;
  GBytes *message;
  gboolean sent_copy;
  gboolean refused_some;
} Due;

static void
due_free (Due *due)
{
  g_free (due->sender);
  g_strfreev (due->recipients);
  g_clear_pointer (&due->message, g_bytes_unref);
  g_free (due);
}

static GPtrArray *
read_due (OpMailOutbox *self)
{
  sqlite3 *db = _op_mail_store_get_main_db (self->store);
  sqlite3_stmt *stmt = NULL;
  GPtrArray *due = g_ptr_array_new_with_free_func ((GDestroyNotify) due_free);

  if (db == NULL
      || sqlite3_prepare_v2 (db,
                             "SELECT id, state, sender, recipients, message, sent_copy,"
                             " EXISTS (SELECT 1 FROM outbox_refusals r WHERE r.outbox_id = outbox.id)"
                             " FROM outbox WHERE state = 0 OR (state = 2 AND sent_copy = 0) ORDER BY id",
                             -1, &stmt, NULL) != SQLITE_OK)
    return due;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      Due *d = g_new0 (Due, 1);

      d->id = sqlite3_column_int64 (stmt, 0);
      d->state = sqlite3_column_int (stmt, 1);
      d->sender = g_strdup (_op_mail_column_text (stmt, 2));
      d->recipients = g_strsplit (_op_mail_column_text (stmt, 3), "\n", -1);
      d->message = g_bytes_new (sqlite3_column_blob (stmt, 4), sqlite3_column_bytes (stmt, 4));
      d->sent_copy = sqlite3_column_int (stmt, 5) != 0;
      d->refused_some = sqlite3_column_int (stmt, 6) != 0;
      g_ptr_array_add (due, d);
    }
  sqlite3_finalize (stmt);
  return due;
}

/* --- queueing ------------------------------------------------------------------------------ */

static void
on_written_emit (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OpMailOutbox *self = g_task_get_source_object (task);
  GError *error = NULL;
  gint64 id = _op_mail_store_write_finish_int (OP_MAIL_STORE (source), result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  g_task_return_int (task, id);
}

void
op_mail_outbox_queue_async (OpMailOutbox        *self,
                            const char          *from,
                            const char * const  *recipients,
                            GBytes              *message,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;
  Write *w;
  g_autoptr(OpMimeMessage) parsed = NULL;

  g_return_if_fail (OP_IS_MAIL_OUTBOX (self));
  g_return_if_fail (from != NULL);
  g_return_if_fail (recipients != NULL && recipients[0] != NULL);
  g_return_if_fail (message != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_mail_outbox_queue_async);
  for (const char * const *r = recipients; *r != NULL; r++)
    if (strpbrk (*r, "\r\n") != NULL || **r == '\0')
      {
        g_task_return_new_error (task, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_ADDRESS,
                                 _("“%s” is not an email address."), *r);
        g_object_unref (task);
        return;
      }

  w = g_new0 (Write, 1);
  w->sender = g_strdup (from);
  w->recipients = g_strjoinv ("\n", (char **) recipients);
  parsed = op_mime_message_parse_bytes (message, NULL, NULL);
  w->subject = g_strdup (parsed != NULL && op_mime_message_get_subject (parsed) != NULL
                         ? op_mime_message_get_subject (parsed) : "");
  w->message = g_bytes_ref (message);
  _op_mail_store_run_write (self->store, op_mail_outbox_queue_async, queue_write, w,
                            (GDestroyNotify) write_free, cancellable, on_written_emit, task);
}

gint64
op_mail_outbox_queue_finish (OpMailOutbox  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_int (G_TASK (result), error);
}

static void
change_async (OpMailOutbox        *self,
              gpointer             tag,
              Write               *w,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  _op_mail_store_run_write (self->store, tag, update_write, w, (GDestroyNotify) write_free,
                            cancellable, on_written_emit, task);
}

void
op_mail_outbox_resend_async (OpMailOutbox        *self,
                             gint64               id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Write *w = g_new0 (Write, 1);

  g_return_if_fail (OP_IS_MAIL_OUTBOX (self));
  w->id = id;
  w->state = OP_MAIL_OUTBOX_QUEUED;
  w->error = g_strdup ("");
  change_async (self, op_mail_outbox_resend_async, w, cancellable, callback, user_data);
}

void
op_mail_outbox_remove_async (OpMailOutbox        *self,
                             gint64               id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Write *w = g_new0 (Write, 1);

  g_return_if_fail (OP_IS_MAIL_OUTBOX (self));
  w->id = id;
  w->remove = TRUE;
  change_async (self, op_mail_outbox_remove_async, w, cancellable, callback, user_data);
}

/* --- sending -------------------------------------------------------------------------------- */

typedef struct
{
  OpMailOutbox *self;
  GTask        *task;       /* the send_async call */
  GPtrArray    *due;        /* Due */
  guint         next;
  OpSmtpClient *smtp;
  gboolean      connected;
  GError       *error;      /* the first error that stopped the run */
} Run;

static void run_next (Run *run);
static void schedule_retry (OpMailOutbox *self);
static void connection_failed_next (Run *run);

static void
run_finish (Run *run)
{
  OpMailOutbox *self = run->self;
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->waiting);

  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  self->sending = FALSE;
  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);
      if (run->error != NULL)
        g_task_return_error (task, g_error_copy (run->error));
      else
        g_task_return_boolean (task, TRUE);
    }
  g_clear_object (&run->smtp);
  g_ptr_array_unref (run->due);
  g_clear_error (&run->error);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  schedule_retry (self);
  g_object_unref (run->self);
  g_free (run);
}

static gint64
backoff (guint attempts)
{
  gint64 delay = OP_MAIL_OUTBOX_FIRST_RETRY;

  for (guint i = 1; i < attempts && delay < OP_MAIL_OUTBOX_MAX_RETRY; i++)
    delay *= 2;
  return MIN (delay, OP_MAIL_OUTBOX_MAX_RETRY);
}

static guint
read_attempts (OpMailOutbox *self,
               gint64        id)
{
  sqlite3 *db = _op_mail_store_get_main_db (self->store);
  sqlite3_stmt *stmt = NULL;
  guint attempts = 0;

  if (db != NULL && sqlite3_prepare_v2 (db, "SELECT attempts FROM outbox WHERE id = ?1", -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        attempts = sqlite3_column_int (stmt, 0);
    }
  sqlite3_finalize (stmt);
  return attempts;
}

typedef void (*Then) (Run *run);

typedef struct
{
  Run  *run;
  Then  then;
} WriteThen;

static void
written_then (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  WriteThen *wt = user_data;
  GError *error = NULL;

  _op_mail_store_write_finish_int (OP_MAIL_STORE (source), result, &error);
  if (error != NULL)
    {
      /* The store cannot record what happened: stop here, before anything else goes. */
      if (wt->run->error == NULL)
        wt->run->error = error;
      else
        g_error_free (error);
      wt->run->next = wt->run->due->len;
      g_signal_emit (wt->run->self, signals[SIGNAL_CHANGED], 0);
      run_next (wt->run);
      g_free (wt);
      return;
    }
  g_signal_emit (wt->run->self, signals[SIGNAL_CHANGED], 0);
  wt->then (wt->run);
  g_free (wt);
}

static void
write_then (Run   *run,
            Write *w,
            Then   then)
{
  WriteThen *wt = g_new0 (WriteThen, 1);

  wt->run = run;
  wt->then = then;
  _op_mail_store_run_write (run->self->store, write_then, update_write, w, (GDestroyNotify) write_free,
                            NULL, written_then, wt);
}

static void
advance (Run *run)
{
  run->next++;
  run_next (run);
}

static void
copied (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Run *run = user_data;
  Due *due = g_ptr_array_index (run->due, run->next);
  g_autoptr(GError) error = NULL;
  Write *w;

  if (!op_mail_imap_sync_finish (OP_MAIL_IMAP_SYNC (source), result, &error))
    {
      /* The message was sent; only its copy is missing. It stays SENT and the copy is
       * tried again with the next send. */
      g_debug ("The copy for %s could not be stored: %s", run->self->sent_folder, error->message);
      advance (run);
      return;
    }
  w = g_new0 (Write, 1);
  w->id = due->id;
  w->state = OP_MAIL_OUTBOX_SENT;
  w->sent_copy = TRUE;
  /* Delivered to everyone and filed: it leaves the outbox. */
  w->remove = !due->refused_some;
  write_then (run, w, advance);
}

/* The message was accepted: file the copy (or finish without one). */
static void
file_copy (Run *run)
{
  OpMailOutbox *self = run->self;
  Due *due;

  if (run->next >= run->due->len)
    {
      run_next (run);
      return;
    }
  due = g_ptr_array_index (run->due, run->next);
  if (self->sync != NULL && self->sent_folder != NULL)
    {
      op_mail_imap_sync_append_async (self->sync, self->sent_folder, due->message, OP_MAIL_FLAG_SEEN, NULL,
                                      copied, run);
      return;
    }
  if (!due->refused_some)
    {
      Write *w = g_new0 (Write, 1);
      w->id = due->id;
      w->remove = TRUE;
      write_then (run, w, advance);
      return;
    }
  advance (run);
}

/* A TLS stream broken by a cut connection: a truncated record, the end without
 * close_notify, or a handshake cut short (which a server that speaks no TLS on the port
 * looks like too: it is retried with back-off, its error shown, rather than failed).
 * A refused certificate is not among them. */
static gboolean
is_broken_tls (const GError *error)
{
  return g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_MISC) ||
         g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_EOF) ||
         g_error_matches (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_TLS);
}

static gboolean
is_transient (const GError *error)
{
  if (error->domain == OP_SMTP_ERROR)
    return error->code == OP_SMTP_ERROR_TRANSIENT || error->code == OP_SMTP_ERROR_CONNECTION_LOST
      || error->code == OP_SMTP_ERROR_NOT_CONNECTED;
  /* Found by the outbox random-cut campaign: such a cut marked a message FAILED. */
  if (is_broken_tls (error))
    return TRUE;
  /* Connection refused, unreachable, timed out, a name that does not resolve yet. */
  return error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR;
}

static void
sent (GObject      *source,
      GAsyncResult *result,
      gpointer      user_data)
{
  Run *run = user_data;
  Due *due = g_ptr_array_index (run->due, run->next);
  g_autoptr(GError) error = NULL;
  g_autoptr(OpSmtpSendResult) outcome = op_smtp_client_send_finish (run->smtp, result, &error);
  Write *w = g_new0 (Write, 1);

  w->id = due->id;
  if (outcome != NULL)
    {
      w->state = OP_MAIL_OUTBOX_SENT;
      w->error = g_strdup ("");
      w->refusals = g_ptr_array_new_with_free_func ((GDestroyNotify) refusal_free);
      for (guint i = 0; i < outcome->recipients->len; i++)
        {
          OpSmtpRecipient *r = g_ptr_array_index (outcome->recipients, i);
          OpMailRefusal *refusal;

          if (r->accepted)
            continue;
          refusal = g_new0 (OpMailRefusal, 1);
          refusal->recipient = g_strdup (r->address);
          refusal->code = r->code;
          refusal->reason = g_strdup (r->text != NULL ? r->text : "");
          g_ptr_array_add (w->refusals, refusal);
        }
      due->refused_some = w->refusals->len > 0;
      write_then (run, w, file_copy);
      return;
    }

  w->error = g_strdup (error->message);
  if (g_error_matches (error, OP_SMTP_ERROR, OP_SMTP_ERROR_OUTCOME_UNKNOWN))
    w->state = OP_MAIL_OUTBOX_MAY_HAVE_BEEN_SENT;
  else if (is_transient (error))
    {
      w->state = OP_MAIL_OUTBOX_QUEUED;
      w->next_attempt = g_get_real_time () / G_USEC_PER_SEC + backoff (read_attempts (run->self, due->id));
    }
  else
    w->state = OP_MAIL_OUTBOX_FAILED;

  if (g_error_matches (error, OP_SMTP_ERROR, OP_SMTP_ERROR_CONNECTION_LOST)
      || g_error_matches (error, OP_SMTP_ERROR, OP_SMTP_ERROR_OUTCOME_UNKNOWN)
      || error->domain == G_IO_ERROR || is_broken_tls (error))
    {
      /* The session is gone: the rest waits for the next send. */
      if (run->error == NULL)
        run->error = g_error_copy (error);
      run->next = run->due->len;
      write_then (run, w, run_next);
      return;
    }
  write_then (run, w, advance);
}

static void
start_sending (Run *run)
{
  Due *due = g_ptr_array_index (run->due, run->next);
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (due->message);

  op_smtp_client_send_async (run->smtp, due->sender, (const char * const *) due->recipients, stream,
                             g_bytes_get_size (due->message), NULL, g_task_get_cancellable (run->task),
                             sent, run);
}

static void
mark_sending (Run *run)
{
  Due *due = g_ptr_array_index (run->due, run->next);
  Write *w = g_new0 (Write, 1);

  /* Committed before a byte of the message goes out: a crash from here on leaves it
   * SENDING, which the next start turns into MAY_HAVE_BEEN_SENT. */
  w->id = due->id;
  w->state = OP_MAIL_OUTBOX_SENDING;
  w->attempts_delta = 1;
  write_then (run, w, start_sending);
}

/* Every queued message of the run failed to connect: each is queued again, later. */
static void
connection_failed (Run    *run,
                   GError *error)
{
  run->error = error;
  for (; run->next < run->due->len; run->next++)
    {
      Due *due = g_ptr_array_index (run->due, run->next);
      Write *w;

      if (due->state != OP_MAIL_OUTBOX_QUEUED)
        continue;
      w = g_new0 (Write, 1);
      w->id = due->id;
      w->state = is_transient (error) ? OP_MAIL_OUTBOX_QUEUED : OP_MAIL_OUTBOX_FAILED;
      w->attempts_delta = 1;
      w->next_attempt = g_get_real_time () / G_USEC_PER_SEC + backoff (read_attempts (run->self, due->id) + 1);
      w->error = g_strdup (error->message);
      run->next++;
      write_then (run, w, connection_failed_next);
      return;
    }
  run_finish (run);
}

static void
connection_failed_next (Run *run)
{
  GError *error = g_steal_pointer (&run->error);
  connection_failed (run, error);
}

static void
logged_in (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Run *run = user_data;
  GError *error = NULL;

  if (!op_smtp_client_login_finish (run->smtp, result, &error))
    {
      connection_failed (run, error);
      return;
    }
  run->connected = TRUE;
  run_next (run);
}

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Run *run = user_data;
  GError *error = NULL;
  OpSmtpCapabilities *caps = op_smtp_client_connect_finish (run->smtp, result, &error);

  if (caps == NULL)
    {
      connection_failed (run, error);
      return;
    }
  op_smtp_capabilities_free (caps);
  if (run->self->user != NULL && *run->self->user != '\0')
    {
      op_smtp_client_login_async (run->smtp, run->self->user,
                                  run->self->password != NULL ? run->self->password : "", NULL,
                                  g_task_get_cancellable (run->task), logged_in, run);
      return;
    }
  run->connected = TRUE;
  run_next (run);
}

static void
run_next (Run *run)
{
  OpMailOutbox *self = run->self;
  Due *due;

  if (run->next >= run->due->len)
    {
      run_finish (run);
      return;
    }
  due = g_ptr_array_index (run->due, run->next);
  if (due->state == OP_MAIL_OUTBOX_SENT)
    {
      /* Sent before, its copy still to file. */
      file_copy (run);
      return;
    }
  if (!run->connected)
    {
      OpSecurity security = self->security;

      if (self->host == NULL)
        {
          connection_failed (run, g_error_new_literal (OP_SMTP_ERROR, OP_SMTP_ERROR_NOT_CONNECTED,
                                                       _("No outgoing (SMTP) server is set for this account.")));
          return;
        }
      run->smtp = op_smtp_client_new (self->host, self->port, security);
      if (self->verifier != NULL)
        op_smtp_client_set_verifier (run->smtp, self->verifier);
      op_smtp_client_set_allow_plaintext_password (run->smtp, self->allow_plaintext);
      op_smtp_client_connect_async (run->smtp, g_task_get_cancellable (run->task), connected, run);
      return;
    }
  mark_sending (run);
}

void
op_mail_outbox_send_async (OpMailOutbox        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  Run *run;

  g_return_if_fail (OP_IS_MAIL_OUTBOX (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_mail_outbox_send_async);
  g_ptr_array_add (self->waiting, task);
  if (self->sending)
    return;

  self->sending = TRUE;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  run = g_new0 (Run, 1);
  run->self = g_object_ref (self);
  run->task = task;
  run->due = read_due (self);
  run_next (run);
}

gboolean
op_mail_outbox_send_finish (OpMailOutbox  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
auto_sent (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!op_mail_outbox_send_finish (OP_MAIL_OUTBOX (source), result, &error))
    g_debug ("Automatic send: %s", error->message);
}

static gboolean
retry_due (gpointer data)
{
  OpMailOutbox *self = data;

  self->retry_source = 0;
  op_mail_outbox_send_async (self, NULL, auto_sent, NULL);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (OpMailOutbox *self)
{
  sqlite3 *db = _op_mail_store_get_main_db (self->store);
  sqlite3_stmt *stmt = NULL;
  gint64 earliest = -1;

  g_clear_handle_id (&self->retry_source, g_source_remove);
  if (!self->auto_retry || db == NULL)
    return;
  if (sqlite3_prepare_v2 (db, "SELECT min (next_attempt) FROM outbox WHERE state = 0", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    earliest = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (earliest < 0)
    return;
  self->retry_source = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT_IDLE,
                                                   (guint) CLAMP (earliest - g_get_real_time () / G_USEC_PER_SEC,
                                                                  1, OP_MAIL_OUTBOX_MAX_RETRY),
                                                   retry_due, self, NULL);
}

void
op_mail_outbox_set_auto_retry (OpMailOutbox *self,
                               gboolean      auto_retry)
{
  g_return_if_fail (OP_IS_MAIL_OUTBOX (self));
  self->auto_retry = auto_retry;
  if (!self->sending)
    schedule_retry (self);
}

/* --- GObject ---------------------------------------------------------------------------------- */

static void
clear_password (OpMailOutbox *self)
{
  _op_mail_wipe (&self->password);
}

static void
op_mail_outbox_dispose (GObject *object)
{
  OpMailOutbox *self = OP_MAIL_OUTBOX (object);

  g_clear_handle_id (&self->retry_source, g_source_remove);
  g_clear_object (&self->sync);
  g_clear_object (&self->verifier);
  G_OBJECT_CLASS (op_mail_outbox_parent_class)->dispose (object);
}

static void
op_mail_outbox_finalize (GObject *object)
{
  OpMailOutbox *self = OP_MAIL_OUTBOX (object);

  g_clear_object (&self->store);
  g_free (self->host);
  g_free (self->user);
  clear_password (self);
  g_free (self->sent_folder);
  g_ptr_array_unref (self->waiting);
  G_OBJECT_CLASS (op_mail_outbox_parent_class)->finalize (object);
}

static void
op_mail_outbox_class_init (OpMailOutboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_mail_outbox_dispose;
  object_class->finalize = op_mail_outbox_finalize;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
op_mail_outbox_init (OpMailOutbox *self)
{
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
}

OpMailOutbox *
op_mail_outbox_new (OpMailStore *store)
{
  OpMailOutbox *self;

  g_return_val_if_fail (OP_IS_MAIL_STORE (store), NULL);

  self = g_object_new (OP_TYPE_MAIL_OUTBOX, NULL);
  self->store = g_object_ref (store);
  return self;
}

void
op_mail_outbox_set_server (OpMailOutbox  *self,
                           const char    *host,
                           guint16        port,
                           OpSecurity     security,
                           const char    *user,
                           const char    *password,
                           gboolean       allow_plaintext_password,
                           OpTlsVerifier *verifier)
{
  g_return_if_fail (OP_IS_MAIL_OUTBOX (self));

  g_free (self->host);
  self->host = g_strdup (host);
  self->port = port;
  self->security = security;
  g_free (self->user);
  self->user = g_strdup (user);
  clear_password (self);
  self->password = g_strdup (password);
  self->allow_plaintext = allow_plaintext_password;
  g_set_object (&self->verifier, verifier);
}

void
op_mail_outbox_set_account (OpMailOutbox  *self,
                            OpAccount     *account,
                            const char    *password,
                            OpTlsVerifier *verifier)
{
  g_return_if_fail (op_mail_account_is_mail (account));

  op_mail_outbox_set_server (self, op_mail_account_get_smtp_host (account),
                             op_mail_account_get_smtp_effective_port (account),
                             op_mail_account_get_smtp_security (account),
                             op_mail_account_get_smtp_user (account), password,
                             op_mail_account_get_smtp_allow_plaintext_password (account), verifier);
}

void
op_mail_outbox_set_sent_folder (OpMailOutbox   *self,
                                OpMailImapSync *sync,
                                const char     *folder)
{
  g_return_if_fail (OP_IS_MAIL_OUTBOX (self));

  g_set_object (&self->sync, sync);
  g_free (self->sent_folder);
  self->sent_folder = g_strdup (folder);
}
