/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "nntp/op-nntp-client.h"
#include "op-news-binary.h"
#include "op-news-cancel.h"
#include "op-news-server.h"
#include "op-news-sync.h"
#include "op-secrets.h"

/* A call waiting for the connection. */
typedef void (*RunFunc) (OpNewsServer *self, GTask *task);

typedef struct
{
  GTask  *task;
  RunFunc run;
} Pending;

struct _OpNewsServer
{
  GObject parent_instance;

  OpAccount     *account;
  OpNewsStore   *store;
  OpTlsVerifier *verifier;
  char          *password;
  OpNntpClient  *client;
  gboolean       connecting;
  GQueue         pending; /* Pending */
};

G_DEFINE_FINAL_TYPE (OpNewsServer, op_news_server, G_TYPE_OBJECT)

static void
op_news_server_dispose (GObject *object)
{
  OpNewsServer *self = OP_NEWS_SERVER (object);

  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->verifier);
  g_clear_object (&self->account);
  G_OBJECT_CLASS (op_news_server_parent_class)->dispose (object);
}

static void
op_news_server_finalize (GObject *object)
{
  OpNewsServer *self = OP_NEWS_SERVER (object);

  g_clear_pointer (&self->password, op_secrets_password_free);
  /* Every pending call holds a reference on the server. */
  g_assert (g_queue_is_empty (&self->pending));
  G_OBJECT_CLASS (op_news_server_parent_class)->finalize (object);
}

static void
op_news_server_class_init (OpNewsServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_news_server_dispose;
  object_class->finalize = op_news_server_finalize;
}

static void
op_news_server_init (OpNewsServer *self)
{
  g_queue_init (&self->pending);
}

OpNewsServer *
op_news_server_new (OpAccount *account, const char *store_path)
{
  OpNewsServer    *self;
  g_autofree char *path = NULL;

  g_return_val_if_fail (OP_IS_ACCOUNT (account), NULL);

  if (store_path == NULL)
    {
      g_autofree char *id = g_strdup_printf (
          "%s-%u", op_account_get_host (account),
          op_account_get_port (account) != 0
              ? op_account_get_port (account)
              : (op_account_get_security (account) == OP_SECURITY_IMPLICIT_TLS ? 563 : 119));

      /* The id is host and port: only [A-Za-z0-9._-] (op_news_store_default_path). */
      g_strcanon (id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-", '_');
      path = op_news_store_default_path (id);
      store_path = path;
    }
  self = g_object_new (OP_TYPE_NEWS_SERVER, NULL);
  self->account = g_object_ref (account);
  self->store = op_news_store_new (store_path);
  return self;
}

OpAccount *
op_news_server_get_account (OpNewsServer *self)
{
  g_return_val_if_fail (OP_IS_NEWS_SERVER (self), NULL);

  return self->account;
}

OpNewsStore *
op_news_server_get_store (OpNewsServer *self)
{
  g_return_val_if_fail (OP_IS_NEWS_SERVER (self), NULL);

  return self->store;
}

const char *
op_news_server_get_title (OpNewsServer *self)
{
  const char *name;

  g_return_val_if_fail (OP_IS_NEWS_SERVER (self), NULL);

  name = op_account_get_name (self->account);
  return name != NULL && *name != '\0' ? name : op_account_get_host (self->account);
}

void
op_news_server_set_verifier (OpNewsServer *self, OpTlsVerifier *verifier)
{
  g_return_if_fail (OP_IS_NEWS_SERVER (self));

  g_set_object (&self->verifier, verifier);
}

void
op_news_server_set_password (OpNewsServer *self, const char *password)
{
  g_return_if_fail (OP_IS_NEWS_SERVER (self));

  g_clear_pointer (&self->password, op_secrets_password_free);
  self->password = g_strdup (password);
}

/* Connecting: the password, then the client. */

static void
run_pending (OpNewsServer *self, const GError *error)
{
  Pending *pending;

  while ((pending = g_queue_pop_head (&self->pending)) != NULL)
    {
      if (error != NULL)
        g_task_return_error (pending->task, g_error_copy (error));
      else
        pending->run (self, pending->task);
      g_object_unref (pending->task);
      g_free (pending);
    }
}

static void
connect_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (OpNewsServer) self = user_data;
  g_autoptr (GError) error = NULL;

  self->connecting = FALSE;
  if (!op_nntp_client_connect_finish (OP_NNTP_CLIENT (source), result, &error))
    {
      /* The next call starts from a new client. */
      if (self->client == OP_NNTP_CLIENT (source))
        g_clear_object (&self->client);
      run_pending (self, error);
      return;
    }
  run_pending (self, NULL);
}

static void
start_client (OpNewsServer *self, const char *password)
{
  const char *user = op_account_get_user (self->account);
  guint16     port = op_account_get_port (self->account);

  g_clear_object (&self->client);
  self->client = op_nntp_client_new (op_account_get_host (self->account), port,
                                     op_account_get_security (self->account));
  if (self->verifier != NULL)
    op_nntp_client_set_verifier (self->client, self->verifier);
  op_nntp_client_set_allow_plaintext_password (
      self->client, op_account_get_allow_plaintext_password (self->account));
  op_nntp_client_connect_async (self->client, user != NULL && *user != '\0' ? user : NULL,
                                user != NULL && *user != '\0' ? password : NULL, NULL, connect_done,
                                g_object_ref (self));
}

static void
password_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (OpNewsServer) self = user_data;
  g_autoptr (GError) error = NULL;
  char *password = op_secrets_lookup_finish (OP_SECRETS (source), result, &error);

  if (password == NULL && error != NULL)
    {
      g_autoptr (GError) wrapped = NULL;

      wrapped = g_error_new (error->domain, error->code,
                             _ ("The password for %s could not be read: %s"),
                             op_account_get_host (self->account), error->message);
      self->connecting = FALSE;
      run_pending (self, wrapped);
      return;
    }
  start_client (self, password);
  if (password != NULL)
    op_secrets_password_free (password);
}

static void
with_client (OpNewsServer *self, GTask *task, RunFunc run)
{
  Pending    *pending;
  const char *user;

  if (self->client != NULL && !self->connecting
      && op_nntp_client_get_state (self->client) != OP_NNTP_STATE_DISCONNECTED)
    {
      run (self, task);
      g_object_unref (task);
      return;
    }
  pending = g_new0 (Pending, 1);
  pending->task = task;
  pending->run = run;
  g_queue_push_tail (&self->pending, pending);
  if (self->connecting)
    return;
  self->connecting = TRUE;
  user = op_account_get_user (self->account);
  if (user != NULL && *user != '\0' && self->password == NULL)
    op_secrets_lookup_async (op_secrets_get_default (), "nntp", op_account_get_host (self->account),
                             op_account_get_port (self->account), user, NULL, password_done,
                             g_object_ref (self));
  else
    start_client (self, self->password);
}

/* Connection test. */

static void
run_connect (OpNewsServer *self, GTask *task)
{
  g_task_return_boolean (task, TRUE);
}

void
op_news_server_connect_async (OpNewsServer *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (OP_IS_NEWS_SERVER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_news_server_connect_async);
  with_client (self, task, run_connect);
}

gboolean
op_news_server_connect_finish (OpNewsServer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Articles: from the store's cache when read before (so they open offline), else from
 * the server, then kept in the cache. */

typedef struct
{
  char                *message_id;
  GMemoryOutputStream *output;
} ArticleData;

static void
article_data_free (ArticleData *data)
{
  g_free (data->message_id);
  g_clear_object (&data->output);
  g_free (data);
}

static void
cache_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  /* A cache that cannot keep an article costs a fetch next time, nothing else. */
  if (!op_news_store_finish (OP_NEWS_STORE (source), result, &error))
    g_debug ("The article was not cached: %s", error->message);
}

static void
article_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  OpNewsServer *self = g_task_get_source_object (task);
  GError       *error = NULL;
  ArticleData  *data = g_task_get_task_data (task);
  GBytes       *article;

  if (!op_nntp_client_article_finish (OP_NNTP_CLIENT (source), result, NULL, NULL, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_output_stream_close (G_OUTPUT_STREAM (data->output), NULL, NULL);
  article = g_memory_output_stream_steal_as_bytes (data->output);
  op_news_store_cache_article_async (self->store, data->message_id, article, NULL, cache_done,
                                     NULL);
  g_task_return_pointer (task, article, (GDestroyNotify)g_bytes_unref);
}

static void
run_article (OpNewsServer *self, GTask *task)
{
  ArticleData *data = g_task_get_task_data (task);

  op_nntp_client_article_async (self->client, OP_NNTP_ARTICLE_WHOLE, data->message_id, 0,
                                G_OUTPUT_STREAM (data->output), NULL, NULL,
                                g_task_get_cancellable (task), article_done, g_object_ref (task));
}

static void
lookup_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask        *task = user_data;
  OpNewsServer *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  GBytes *article = op_news_store_lookup_article_finish (OP_NEWS_STORE (source), result, &error);

  if (article != NULL)
    {
      g_task_return_pointer (task, article, (GDestroyNotify)g_bytes_unref);
      g_object_unref (task);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  /* Not cached, or the cache could not be read: the server has it. */
  if (error != NULL)
    g_debug ("The article cache could not be read: %s", error->message);
  with_client (self, task, run_article);
}

void
op_news_server_fetch_article_async (OpNewsServer *self, const char *message_id,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  GTask       *task;
  ArticleData *data;

  g_return_if_fail (OP_IS_NEWS_SERVER (self));
  g_return_if_fail (message_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_news_server_fetch_article_async);
  data = g_new0 (ArticleData, 1);
  data->message_id = g_strdup (message_id);
  data->output = G_MEMORY_OUTPUT_STREAM (g_memory_output_stream_new_resizable ());
  g_task_set_task_data (task, data, (GDestroyNotify)article_data_free);
  op_news_store_lookup_article_async (self->store, message_id, cancellable, lookup_done, task);
}

GBytes *
op_news_server_fetch_article_finish (OpNewsServer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Binaries: every part of the posting, fetched (or read from the cache), then decoded and
 * written on a thread of their own. */

typedef struct
{
  GFile               *directory;
  OpNewsBinaryPosting *posting;
  GPtrArray           *articles; /* GBytes, in part order */
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->directory);
  g_clear_pointer (&data->posting, op_news_binary_posting_free);
  g_clear_pointer (&data->articles, g_ptr_array_unref);
  g_free (data);
}

static void
save_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  SaveData *data = task_data;
  GError   *error = NULL;
  g_autoptr (GPtrArray) parts = op_news_binary_decode_posting (data->articles, &error);
  GFile *file;

  if (parts == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  file = op_news_binary_write_file (parts, data->directory, cancellable, &error);
  if (file == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, file, g_object_unref);
}

static void fetch_next_part (GTask *task);

static void
part_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  SaveData *data = g_task_get_task_data (task);
  GError   *error = NULL;
  GBytes   *article = op_news_server_fetch_article_finish (OP_NEWS_SERVER (source), result, &error);

  if (article == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_ptr_array_add (data->articles, article);
  fetch_next_part (g_steal_pointer (&task));
}

static void
fetch_next_part (GTask *task)
{
  OpNewsServer *self = g_task_get_source_object (task);
  SaveData     *data = g_task_get_task_data (task);

  if (data->articles->len == data->posting->total)
    {
      g_task_run_in_thread (task, save_thread);
      g_object_unref (task);
      return;
    }
  op_news_server_fetch_article_async (self, data->posting->message_ids[data->articles->len],
                                      g_task_get_cancellable (task), part_fetched, task);
}

static void
parts_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask    *task = user_data;
  SaveData *data = g_task_get_task_data (task);
  GError   *error = NULL;

  data->posting = op_news_store_find_binary_parts_finish (OP_NEWS_STORE (source), result, &error);
  if (data->posting == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (data->posting->n_found < data->posting->total)
    {
      g_autoptr (GArray) missing = g_array_new (FALSE, FALSE, sizeof (guint));
      g_autofree char *list = NULL;
      /* The subject without its part mark ("(N/M)" or "[N/M]"). */
      g_autofree char *title = g_strdup (data->posting->key);
      char            *mark = strstr (title, "*/");

      if (mark != NULL && mark > title)
        {
          const char *after = strpbrk (mark, ")]");

          memmove (mark - 1, after != NULL ? after + 1 : mark + strlen (mark),
                   strlen (after != NULL ? after + 1 : mark + strlen (mark)) + 1);
          g_strstrip (title);
        }

      for (guint n = 1; n <= data->posting->total; n++)
        if (data->posting->message_ids[n - 1] == NULL)
          g_array_append_val (missing, n);
      list = op_news_binary_format_missing (missing, data->posting->total);
      g_task_return_new_error (task, OP_NEWS_BINARY_ERROR, OP_NEWS_BINARY_ERROR_MISSING_PARTS,
                               g_dngettext (GETTEXT_PACKAGE,
                                            "“%s” cannot be saved yet: part %s of %u is not on the server.",
                                            "“%s” cannot be saved yet: parts %s of %u are not on the server.",
                                            missing->len),
                               title, list, data->posting->total);
      g_object_unref (task);
      return;
    }
  fetch_next_part (task);
}

void
op_news_server_save_binary_async (OpNewsServer *self, const char *group, guint64 number,
                                  GFile *directory, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  GTask    *task;
  SaveData *data;

  g_return_if_fail (OP_IS_NEWS_SERVER (self));
  g_return_if_fail (group != NULL);
  g_return_if_fail (G_IS_FILE (directory));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_news_server_save_binary_async);
  data = g_new0 (SaveData, 1);
  data->directory = g_object_ref (directory);
  data->articles = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  g_task_set_task_data (task, data, (GDestroyNotify)save_data_free);
  op_news_store_find_binary_parts_async (self->store, group, number, cancellable, parts_found,
                                         task);
}

GFile *
op_news_server_save_binary_finish (OpNewsServer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Withdrawing one's own articles (op-news-cancel.h): the store's Cancel-Lock secret,
 * the original article when one is withdrawn (through the cache), the article to post
 * composed, then POST. */

typedef enum
{
  WITHDRAW_POST_LOCKED,
  WITHDRAW_CANCEL,
  WITHDRAW_SUPERSEDE,
} WithdrawKind;

typedef struct
{
  WithdrawKind kind;
  char        *target;  /* the Message-ID withdrawn */
  GBytes      *article; /* the article to protect (post, supersede) */
  GBytes      *secret;
  GBytes      *to_post;
  char        *posted_id;
} WithdrawData;

static void
withdraw_data_free (WithdrawData *data)
{
  g_free (data->target);
  g_clear_pointer (&data->article, g_bytes_unref);
  g_clear_pointer (&data->secret, g_bytes_unref);
  g_clear_pointer (&data->to_post, g_bytes_unref);
  g_free (data->posted_id);
  g_free (data);
}

static void
withdraw_posted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  WithdrawData *data = g_task_get_task_data (task);
  GError       *error = NULL;

  if (!op_nntp_client_post_finish (OP_NNTP_CLIENT (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* The withdrawn article no longer opens from the cache either. */
  if (data->kind != WITHDRAW_POST_LOCKED)
    {
      OpNewsServer *self = g_task_get_source_object (task);

      op_news_store_uncache_article_async (self->store, data->target, NULL, cache_done, NULL);
    }
  g_task_return_pointer (task, g_strdup (data->posted_id), g_free);
}

static void
run_withdraw_post (OpNewsServer *self, GTask *task)
{
  WithdrawData *data = g_task_get_task_data (task);
  g_autoptr (GInputStream) input = g_memory_input_stream_new_from_bytes (data->to_post);

  op_nntp_client_post_async (self->client, input, g_task_get_cancellable (task), withdraw_posted,
                             g_object_ref (task));
}

/* Composes what to post from data->article (and @original, when one is withdrawn). */
static void
withdraw_compose (GTask *task, GBytes *original)
{
  OpNewsServer *self = g_task_get_source_object (task);
  WithdrawData *data = g_task_get_task_data (task);
  GError       *error = NULL;

  switch (data->kind)
    {
    case WITHDRAW_CANCEL:
      data->to_post = op_news_article_compose_cancel (original, data->secret, &error);
      data->posted_id = g_strdup (data->target);
      break;
    case WITHDRAW_SUPERSEDE:
      {
        g_autofree char *own = op_news_article_check_own (original, data->secret, &error);

        if (own != NULL)
          data->to_post = op_news_article_protect (data->article, data->secret, data->target,
                                                   &data->posted_id, &error);
      }
      break;
    case WITHDRAW_POST_LOCKED:
    default:
      data->to_post = op_news_article_protect (data->article, data->secret, NULL,
                                               &data->posted_id, &error);
      break;
    }
  if (data->to_post == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  with_client (self, task, run_withdraw_post);
}

static void
withdraw_original (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr (GBytes) original
      = op_news_server_fetch_article_finish (OP_NEWS_SERVER (source), result, &error);

  if (original == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  withdraw_compose (task, original);
}

static void
withdraw_secret (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask        *task = user_data;
  OpNewsServer *self = g_task_get_source_object (task);
  WithdrawData *data = g_task_get_task_data (task);
  GError       *error = NULL;

  data->secret = op_news_store_get_cancel_secret_finish (OP_NEWS_STORE (source), result, &error);
  if (data->secret == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (data->kind == WITHDRAW_POST_LOCKED)
    withdraw_compose (task, NULL);
  else
    op_news_server_fetch_article_async (self, data->target, g_task_get_cancellable (task),
                                        withdraw_original, task);
}

static void
withdraw_start (OpNewsServer *self, WithdrawKind kind, const char *target, GBytes *article,
                GCancellable *cancellable, gpointer source_tag, GAsyncReadyCallback callback,
                gpointer user_data)
{
  GTask        *task = g_task_new (self, cancellable, callback, user_data);
  WithdrawData *data = g_new0 (WithdrawData, 1);

  g_task_set_source_tag (task, source_tag);
  data->kind = kind;
  data->target = g_strdup (target);
  data->article = article != NULL ? g_bytes_ref (article) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify)withdraw_data_free);
  op_news_store_get_cancel_secret_async (self->store, cancellable, withdraw_secret, task);
}

void
op_news_server_post_locked_async (OpNewsServer *self, GBytes *article, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (OP_IS_NEWS_SERVER (self));
  g_return_if_fail (article != NULL);

  withdraw_start (self, WITHDRAW_POST_LOCKED, NULL, article, cancellable,
                  op_news_server_post_locked_async, callback, user_data);
}

void
op_news_server_cancel_async (OpNewsServer *self, const char *message_id,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_return_if_fail (OP_IS_NEWS_SERVER (self));
  g_return_if_fail (message_id != NULL);

  withdraw_start (self, WITHDRAW_CANCEL, message_id, NULL, cancellable,
                  op_news_server_cancel_async, callback, user_data);
}

void
op_news_server_supersede_async (OpNewsServer *self, const char *message_id, GBytes *article,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (OP_IS_NEWS_SERVER (self));
  g_return_if_fail (message_id != NULL && article != NULL);

  withdraw_start (self, WITHDRAW_SUPERSEDE, message_id, article, cancellable,
                  op_news_server_supersede_async, callback, user_data);
}

char *
op_news_server_withdraw_finish (OpNewsServer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Headers. */

typedef struct
{
  char          *group;
  OpProgressFunc progress;
  gpointer       progress_data;
  guint64        n_new;
} SyncData;

static void
sync_data_free (SyncData *data)
{
  g_free (data->group);
  g_free (data);
}

static void
sync_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  SyncData *data = g_task_get_task_data (task);
  GError   *error = NULL;

  if (!op_news_sync_group_finish (OP_NEWS_STORE (source), result, &data->n_new, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
run_sync (OpNewsServer *self, GTask *task)
{
  SyncData *data = g_task_get_task_data (task);

  op_news_sync_group_async (self->store, self->client, data->group, 0, data->progress,
                            data->progress_data, g_task_get_cancellable (task), sync_done,
                            g_object_ref (task));
}

void
op_news_server_sync_group_async (OpNewsServer *self, const char *group, OpProgressFunc progress,
                                 gpointer progress_data, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask    *task;
  SyncData *data;

  g_return_if_fail (OP_IS_NEWS_SERVER (self));
  g_return_if_fail (group != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_news_server_sync_group_async);
  data = g_new0 (SyncData, 1);
  data->group = g_strdup (group);
  data->progress = progress;
  data->progress_data = progress_data;
  g_task_set_task_data (task, data, (GDestroyNotify)sync_data_free);
  with_client (self, task, run_sync);
}

gboolean
op_news_server_sync_group_finish (OpNewsServer *self, GAsyncResult *result, guint64 *n_new,
                                  GError **error)
{
  SyncData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  data = g_task_get_task_data (G_TASK (result));
  if (n_new != NULL)
    *n_new = data->n_new;
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Groups. */

static void
descriptions_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!op_news_store_finish (OP_NEWS_STORE (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
newsgroups_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  OpNewsServer *self = g_task_get_source_object (task);
  g_autoptr (GHashTable) descriptions = NULL;
  g_autoptr (GError) error = NULL;

  descriptions = op_nntp_client_list_newsgroups_finish (OP_NNTP_CLIENT (source), result, &error);
  if (descriptions == NULL)
    {
      /* LIST NEWSGROUPS is optional (RFC 3977 §7.6.6): the groups are there, only
       * without descriptions. A dropped connection or a cancel is still an error. */
      if (error->domain == G_IO_ERROR)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_boolean (task, TRUE);
      return;
    }
  op_news_store_set_descriptions_async (self->store, descriptions, g_task_get_cancellable (task),
                                        descriptions_stored, g_object_ref (task));
}

static void
actives_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  OpNewsServer *self = g_task_get_source_object (task);
  GCancellable *cancellable;
  GError       *error = NULL;

  if (!op_news_store_finish (OP_NEWS_STORE (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (self->client == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               _ ("The connection to the news server was closed."));
      return;
    }
  cancellable = g_task_get_cancellable (task);
  op_nntp_client_list_newsgroups_async (self->client, NULL, cancellable, newsgroups_listed,
                                        g_steal_pointer (&task));
}

static void
actives_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  OpNewsServer *self = g_task_get_source_object (task);
  g_autoptr (GPtrArray) actives = NULL;
  GCancellable *cancellable;
  GError       *error = NULL;

  actives = op_nntp_client_list_active_finish (OP_NNTP_CLIENT (source), result, &error);
  if (actives == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  op_news_store_update_active_async (self->store, actives, cancellable, actives_stored,
                                     g_steal_pointer (&task));
}

static void
run_refresh_groups (OpNewsServer *self, GTask *task)
{
  op_nntp_client_list_active_async (self->client, NULL, g_task_get_cancellable (task),
                                    actives_listed, g_object_ref (task));
}

void
op_news_server_refresh_groups_async (OpNewsServer *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (OP_IS_NEWS_SERVER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_news_server_refresh_groups_async);
  with_client (self, task, run_refresh_groups);
}

gboolean
op_news_server_refresh_groups_finish (OpNewsServer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Posting: every article from the app goes out with a Cancel-Lock of the store's secret
 * (the withdrawing path above, WITHDRAW_POST_LOCKED), so it can be cancelled or
 * superseded later. */

void
op_news_server_post_async (OpNewsServer *self, GBytes *article, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (OP_IS_NEWS_SERVER (self));
  g_return_if_fail (article != NULL);

  withdraw_start (self, WITHDRAW_POST_LOCKED, NULL, article, cancellable,
                  op_news_server_post_async, callback, user_data);
}

gboolean
op_news_server_post_finish (OpNewsServer *self, GAsyncResult *result, GError **error)
{
  g_autofree char *message_id = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  message_id = g_task_propagate_pointer (G_TASK (result), error);
  return message_id != NULL;
}
