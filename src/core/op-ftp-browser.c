/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ftp-browser"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-ftp-browser.h"
#include "op-ftp-site.h"
#include "op-secret.h"

struct _OpFtpBrowser
{
  GObject           parent_instance;

  OpFtpSessionPool *pool;
  OpTlsVerifier    *verifier;
  OpFtpClient      *client;
  OpAccount        *site;
  char             *password;         /* for the pooled sessions; memory only */
  GCancellable     *cancellable;      /* cancelled by disconnect: every call of the session */
  guint             keepalive;
  guint             n_data_ok;        /* listings the browsing session got */
  gboolean          allow_plaintext_password;
  guint             n_running;
  gboolean          connecting;
  gboolean          connected;
};

enum
{
  PROP_0,
  PROP_STATE,
  PROP_CONNECTING,
  PROP_CONNECTED,
  PROP_LOG,
  PROP_N_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OpFtpBrowser, op_ftp_browser, G_TYPE_OBJECT)

/* A call of the browser: its task and, for the long ones, the pooled session. */
typedef enum
{
  CALL_MKDIR,
  CALL_RENAME,
  CALL_DELETE,
  CALL_CHMOD,
  CALL_DELETE_TREE,
  CALL_CHMOD_TREE,
  CALL_DOWNLOAD,
} CallKind;

/* What a public call passes on: the paths, the mode and the caller's progress (in a
 * Call, the strings and @local are its own, and so is the progress data: released with
 * it). */
typedef struct
{
  CallKind           kind;
  gboolean           pooled;    /* a long call: on a session of the pool, not the browsing one */
  const char        *path;
  const char        *to;
  GFile             *local;
  guint              mode;
  OpFtpChmodTargets  targets;
  OpFtpProgressFunc  progress;
  gpointer           progress_data;
  GDestroyNotify     progress_notify;
} CallArgs;

typedef struct
{
  CallArgs           args;
  OpFtpClient       *client;          /* the session the call runs on */
  OpAccount         *site;            /* for giving a pooled session back */
  gboolean           renewed;         /* already on a new pooled session */
} Call;

static void
call_free (Call *call)
{
  g_clear_object (&call->client);
  g_clear_object (&call->site);
  g_free ((char *) call->args.path);
  g_free ((char *) call->args.to);
  g_clear_object (&call->args.local);
  if (call->args.progress_notify != NULL)
    call->args.progress_notify (call->args.progress_data);
  g_free (call);
}

static void
set_flag (OpFtpBrowser *self,
          gboolean     *flag,
          gboolean      value,
          guint         prop)
{
  if (*flag == value)
    return;
  *flag = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
on_client_state (OpFtpBrowser *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* A call's cancellable joins the caller's and the session's: disconnect cancels every
 * call of the session, the caller its own. The links go when the call completes. */
typedef struct
{
  GCancellable *from[2];
  gulong        id[2];
} Join;

static void
on_task_completed (GTask      *task,
                   GParamSpec *pspec,
                   Join       *join)
{
  for (guint i = 0; i < G_N_ELEMENTS (join->from); i++)
    if (join->from[i] != NULL)
      {
        g_cancellable_disconnect (join->from[i], join->id[i]);
        g_object_unref (join->from[i]);
      }
  g_free (join);
}

static void
cancel_joined (GCancellable *from,
               GCancellable *joined)
{
  g_cancellable_cancel (joined);
}

static GTask *
browser_task (OpFtpBrowser        *self,
              gpointer             source_tag,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr (GCancellable) joined = g_cancellable_new ();
  GCancellable *from[2] = { cancellable, self->cancellable };
  Join *join = g_new0 (Join, 1);
  GTask *task = g_task_new (self, joined, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  for (guint i = 0; i < G_N_ELEMENTS (from); i++)
    if (from[i] != NULL)
      {
        join->from[i] = g_object_ref (from[i]);
        join->id[i] = g_cancellable_connect (from[i], G_CALLBACK (cancel_joined),
                                             g_object_ref (joined), g_object_unref);
      }
  g_signal_connect (task, "notify::completed", G_CALLBACK (on_task_completed), join);
  return task;
}

/* --- connecting --------------------------------------------------------------------- */

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  OpFtpBrowser *self = g_task_get_source_object (task);
  GError *error = NULL;
  gboolean current = OP_FTP_CLIENT (source) == self->client;

  if (!op_ftp_client_connect_finish (OP_FTP_CLIENT (source), result, &error))
    {
      if (current)
        {
          set_flag (self, &self->connecting, FALSE, PROP_CONNECTING);
          set_flag (self, &self->connected, FALSE, PROP_CONNECTED);
        }
      g_task_return_error (task, error);
      return;
    }
  if (!current)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s",
                               _("The connection was replaced by another one"));
      return;
    }
  set_flag (self, &self->connecting, FALSE, PROP_CONNECTING);
  set_flag (self, &self->connected, TRUE, PROP_CONNECTED);
  g_task_return_boolean (task, TRUE);
}

void
op_ftp_browser_connect_async (OpFtpBrowser        *self,
                              OpAccount           *site,
                              const char          *password,
                              gboolean             allow_plaintext_password,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (OP_IS_FTP_BROWSER (self));
  g_return_if_fail (OP_IS_ACCOUNT (site));

  op_ftp_browser_disconnect (self);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_func (self->client, on_client_state, self);
  g_clear_object (&self->client);
  g_set_object (&self->site, site);
  g_clear_pointer (&self->password, op_secret_free);
  self->password = g_strdup (password);
  self->cancellable = g_cancellable_new ();

  self->client = op_ftp_site_new_client (site, self->verifier);
  self->allow_plaintext_password = allow_plaintext_password;
  self->n_data_ok = 0;
  if (allow_plaintext_password)
    op_ftp_client_set_allow_plaintext_password (self->client, TRUE);
  op_ftp_client_set_keepalive_interval (self->client, self->keepalive);
  g_signal_connect_object (self->client, "notify::state", G_CALLBACK (on_client_state), self,
                           G_CONNECT_SWAPPED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG]);

  task = browser_task (self, op_ftp_browser_connect_async, cancellable, callback, user_data);
  set_flag (self, &self->connecting, TRUE, PROP_CONNECTING);
  op_ftp_client_connect_async (self->client, op_ftp_site_get_login_user (site), password,
                               NULL, g_task_get_cancellable (task), on_connected, task);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

gboolean
op_ftp_browser_connect_finish (OpFtpBrowser  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
op_ftp_browser_disconnect (OpFtpBrowser *self)
{
  g_return_if_fail (OP_IS_FTP_BROWSER (self));

  /* Without a session (never connected, or disconnected already) there is nothing to end. */
  if (self->cancellable == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->client != NULL && op_ftp_client_get_state (self->client) != OP_FTP_STATE_DISCONNECTED)
    op_ftp_client_quit_async (self->client, NULL, NULL, NULL);
  set_flag (self, &self->connecting, FALSE, PROP_CONNECTING);
  set_flag (self, &self->connected, FALSE, PROP_CONNECTED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* --- listing ------------------------------------------------------------------------ */

typedef struct
{
  char           *path;       /* nullable: the current folder */
  OpFtpListFlags  flags;
  gboolean        renewed;    /* already on a new session after a refused TLS reuse */
} ListCall;

static void
list_call_free (ListCall *call)
{
  g_free (call->path);
  g_free (call);
}

static void list_start (GTask *task);

/* A new browsing session for the same site, the old one logged out. */
static void
renew_client (OpFtpBrowser *self)
{
  g_autoptr (OpFtpClient) old = g_steal_pointer (&self->client);

  g_signal_handlers_disconnect_by_func (old, on_client_state, self);
  if (op_ftp_client_get_state (old) != OP_FTP_STATE_DISCONNECTED)
    op_ftp_client_quit_async (old, NULL, NULL, NULL);
  self->client = op_ftp_site_new_client (self->site, self->verifier);
  if (self->allow_plaintext_password)
    op_ftp_client_set_allow_plaintext_password (self->client, TRUE);
  op_ftp_client_set_keepalive_interval (self->client, self->keepalive);
  g_signal_connect_object (self->client, "notify::state", G_CALLBACK (on_client_state), self,
                           G_CONNECT_SWAPPED);
  self->n_data_ok = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
on_renewed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!op_ftp_client_connect_finish (OP_FTP_CLIENT (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  list_start (g_steal_pointer (&task));
}

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  OpFtpBrowser *self = g_task_get_source_object (task);
  ListCall *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;
  OpFtpListing *listing = op_ftp_client_list_finish (OP_FTP_CLIENT (source), result, &error);

  if (listing != NULL)
    {
      if (OP_FTP_CLIENT (source) == self->client)
        self->n_data_ok++;
      g_task_return_pointer (task, listing, (GDestroyNotify) op_ftp_listing_free);
      return;
    }
  /* ProFTPD (1.3.8, TLS 1.3) now and then refuses a data connection of a long-lived
   * control connection as not reusing its TLS session (425), after accepting several
   * from it (the transfer queue meets the same, op-transfer-job.c). The session is not
   * at fault: the listing goes on, once, on a new one. */
  if (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_TLS_SESSION_REUSE)
      && !call->renewed && OP_FTP_CLIENT (source) == self->client && self->n_data_ok > 0)
    {
      g_debug ("the server refused TLS session reuse; browsing on with a new session");
      g_clear_error (&error);
      call->renewed = TRUE;
      renew_client (self);
      op_ftp_client_connect_async (self->client, op_ftp_site_get_login_user (self->site),
                                   self->password, NULL, cancellable, on_renewed,
                                   g_steal_pointer (&task));
      return;
    }
  g_task_return_error (task, error);
}

static void
on_list_cwd (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  OpFtpBrowser *self = g_task_get_source_object (task);
  ListCall *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;
  char *path;

  if (call->path == NULL)
    path = op_ftp_client_pwd_finish (OP_FTP_CLIENT (source), result, &error);
  else
    path = op_ftp_client_cwd_finish (OP_FTP_CLIENT (source), result, &error);
  if (path == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (OP_FTP_CLIENT (source) != self->client)
    {
      g_free (path);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s",
                               _("The connection was replaced by another one"));
      return;
    }
  g_object_set_data_full (G_OBJECT (task), "op-path", path, g_free);
  op_ftp_client_list_async (self->client, NULL, call->flags, cancellable, on_listed,
                            g_steal_pointer (&task));
}

/* Through CWD, so the pane shows the server's own spelling of the folder (PWD after
 * CWD); without a path, PWD alone. Takes @task. */
static void
list_start (GTask *task)
{
  OpFtpBrowser *self = g_task_get_source_object (task);
  ListCall *call = g_task_get_task_data (task);

  if (call->path == NULL)
    op_ftp_client_pwd_async (self->client, g_task_get_cancellable (task), on_list_cwd, task);
  else
    op_ftp_client_cwd_async (self->client, call->path, g_task_get_cancellable (task),
                             on_list_cwd, task);
}

void
op_ftp_browser_list_async (OpFtpBrowser        *self,
                           const char          *path,
                           OpFtpListFlags       flags,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  ListCall *call;
  GTask *task;

  g_return_if_fail (OP_IS_FTP_BROWSER (self));

  task = browser_task (self, op_ftp_browser_list_async, cancellable, callback, user_data);
  call = g_new0 (ListCall, 1);
  call->path = g_strdup (path);
  call->flags = flags;
  g_task_set_task_data (task, call, (GDestroyNotify) list_call_free);
  if (self->client == NULL || !self->connected)
    {
      g_task_return_new_error (task, OP_FTP_ERROR, OP_FTP_ERROR_NOT_CONNECTED, "%s",
                               _("Not connected"));
      g_object_unref (task);
      return;
    }
  list_start (task);
}

OpFtpListing *
op_ftp_browser_list_finish (OpFtpBrowser  *self,
                            GAsyncResult  *result,
                            char         **path_out,
                            GError       **error)
{
  OpFtpListing *listing;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  listing = g_task_propagate_pointer (G_TASK (result), error);
  if (path_out != NULL)
    *path_out = listing != NULL ? g_strdup (g_object_get_data (G_OBJECT (result), "op-path"))
                                : NULL;
  return listing;
}

/* --- operations --------------------------------------------------------------------- */

static void on_acquired (GObject *source, GAsyncResult *result, gpointer user_data);

/* Every call of the browser is a boolean one of the client's. */
typedef gboolean (*CallFinish) (OpFtpClient   *client,
                                GAsyncResult  *result,
                                GError       **error);

static const CallFinish call_finish[] = {
  [CALL_MKDIR] = op_ftp_client_mkdir_finish,
  [CALL_RENAME] = op_ftp_client_rename_finish,
  [CALL_DELETE] = op_ftp_client_delete_finish,
  [CALL_CHMOD] = op_ftp_client_chmod_finish,
  [CALL_DELETE_TREE] = op_ftp_client_delete_tree_finish,
  [CALL_CHMOD_TREE] = op_ftp_client_chmod_tree_finish,
  [CALL_DOWNLOAD] = op_ftp_client_download_finish,
};

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  OpFtpBrowser *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  OpFtpClient *client = OP_FTP_CLIENT (source);
  GError *error = NULL;
  gboolean ok;

  ok = call_finish[call->args.kind] (client, result, &error);

  if (call->site != NULL && !ok && !call->renewed
      && g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_TLS_SESSION_REUSE))
    {
      /* ProFTPD's occasional refusal of a long-lived session's data connection (see
       * on_listed()): once more, on a session logged in afresh. */
      g_clear_error (&error);
      call->renewed = TRUE;
      op_ftp_session_pool_release (self->pool, call->site, client, FALSE);
      g_clear_object (&call->client);
      op_ftp_session_pool_acquire_async (self->pool, call->site, self->password,
                                         OP_FTP_ACQUIRE_CONNECT, cancellable, on_acquired,
                                         g_steal_pointer (&task));
      return;
    }
  if (call->site != NULL)
    {
      /* A pooled session goes back; one cancelled or broken half-way never is reused. */
      op_ftp_session_pool_release (self->pool, call->site, client, ok);
      self->n_running--;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_RUNNING]);
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
call_progress (const OpFtpProgress *progress,
               gpointer             data)
{
  Call *call = g_task_get_task_data (data);

  call->args.progress (progress, call->args.progress_data);
}

/* Runs @call on @call->client (set by the caller). */
static void
call_run (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  /* The call keeps the caller's progress data, for a second run too. */
  OpFtpProgressFunc progress = call->args.progress != NULL ? call_progress : NULL;
  gpointer progress_data = call->args.progress != NULL ? g_object_ref (task) : NULL;
  GDestroyNotify progress_notify = call->args.progress != NULL ? g_object_unref : NULL;
  switch (call->args.kind)
    {
    case CALL_MKDIR:
      op_ftp_client_mkdir_async (call->client, call->args.path, cancellable, on_call_done, task);
      break;
    case CALL_RENAME:
      op_ftp_client_rename_async (call->client, call->args.path, call->args.to, cancellable,
                                  on_call_done, task);
      break;
    case CALL_DELETE:
      op_ftp_client_delete_async (call->client, call->args.path, cancellable, on_call_done, task);
      break;
    case CALL_CHMOD:
      op_ftp_client_chmod_async (call->client, call->args.path, call->args.mode, cancellable,
                                 on_call_done, task);
      break;
    case CALL_DELETE_TREE:
      op_ftp_client_delete_tree_async (call->client, call->args.path, progress, progress_data,
                                       progress_notify, cancellable, on_call_done, task);
      break;
    case CALL_CHMOD_TREE:
      op_ftp_client_chmod_tree_async (call->client, call->args.path, call->args.mode,
                                      call->args.targets,
                                      progress, progress_data, progress_notify, cancellable,
                                      on_call_done, task);
      break;
    case CALL_DOWNLOAD:
    default:
      op_ftp_client_download_async (call->client, call->args.path, call->args.local,
                                    OP_FTP_TRANSFER_DEFAULT, progress, progress_data,
                                    progress_notify, cancellable, on_call_done, task);
      break;
    }
}

static void
on_acquired (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  OpFtpBrowser *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;

  call->client = op_ftp_session_pool_acquire_finish (OP_FTP_SESSION_POOL (source), result,
                                                     &error);
  if (call->client == NULL)
    {
      g_clear_object (&call->site);
      self->n_running--;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_RUNNING]);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  call_run (task);
}

/* Starts a call: on the browsing session, or (@args->pooled) on a session of the pool. */
static void
call_start (OpFtpBrowser        *self,
            const CallArgs      *args,
            gpointer             source_tag,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  GTask *task = browser_task (self, source_tag, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);

  call->args = *args;
  call->args.path = g_strdup (args->path);
  call->args.to = g_strdup (args->to);
  if (args->local != NULL)
    g_object_ref (args->local);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  if (self->client == NULL || self->site == NULL || !self->connected)
    {
      g_task_return_new_error (task, OP_FTP_ERROR, OP_FTP_ERROR_NOT_CONNECTED, "%s",
                               _("Not connected"));
      g_object_unref (task);
      return;
    }
  if (!args->pooled)
    {
      call->client = g_object_ref (self->client);
      call_run (task);
      return;
    }
  call->site = g_object_ref (self->site);
  self->n_running++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_RUNNING]);
  op_ftp_session_pool_acquire_async (self->pool, self->site, self->password,
                                     OP_FTP_ACQUIRE_REUSE | OP_FTP_ACQUIRE_CONNECT,
                                     g_task_get_cancellable (task), on_acquired, task);
}

void
op_ftp_browser_mkdir_async (OpFtpBrowser        *self,
                            const char          *path,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_BROWSER (self));
  call_start (self, &(CallArgs) { CALL_MKDIR, .path = path }, op_ftp_browser_mkdir_async,
              cancellable, callback, user_data);
}

void
op_ftp_browser_rename_async (OpFtpBrowser        *self,
                             const char          *from,
                             const char          *to,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_BROWSER (self));
  call_start (self, &(CallArgs) { CALL_RENAME, .path = from, .to = to },
              op_ftp_browser_rename_async, cancellable, callback, user_data);
}

void
op_ftp_browser_delete_async (OpFtpBrowser        *self,
                             const char          *path,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_BROWSER (self));
  call_start (self, &(CallArgs) { CALL_DELETE, .path = path }, op_ftp_browser_delete_async,
              cancellable, callback, user_data);
}

void
op_ftp_browser_chmod_async (OpFtpBrowser        *self,
                            const char          *path,
                            guint                mode,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_BROWSER (self));
  call_start (self, &(CallArgs) { CALL_CHMOD, .path = path, .mode = mode },
              op_ftp_browser_chmod_async, cancellable, callback, user_data);
}

void
op_ftp_browser_delete_tree_async (OpFtpBrowser        *self,
                                  const char          *path,
                                  OpFtpProgressFunc    progress,
                                  gpointer             progress_data,
                                  GDestroyNotify       progress_notify,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_BROWSER (self));
  call_start (self, &(CallArgs) { CALL_DELETE_TREE, TRUE, .path = path, .progress = progress,
                                  .progress_data = progress_data,
                                  .progress_notify = progress_notify },
              op_ftp_browser_delete_tree_async, cancellable, callback, user_data);
}

void
op_ftp_browser_chmod_tree_async (OpFtpBrowser        *self,
                                 const char          *path,
                                 guint                mode,
                                 OpFtpChmodTargets    targets,
                                 OpFtpProgressFunc    progress,
                                 gpointer             progress_data,
                                 GDestroyNotify       progress_notify,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_BROWSER (self));
  call_start (self, &(CallArgs) { CALL_CHMOD_TREE, TRUE, .path = path, .mode = mode,
                                  .targets = targets, .progress = progress,
                                  .progress_data = progress_data,
                                  .progress_notify = progress_notify },
              op_ftp_browser_chmod_tree_async, cancellable, callback, user_data);
}

void
op_ftp_browser_download_async (OpFtpBrowser        *self,
                               const char          *remote_path,
                               GFile               *local,
                               OpFtpProgressFunc    progress,
                               gpointer             progress_data,
                               GDestroyNotify       progress_notify,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_BROWSER (self));
  g_return_if_fail (G_IS_FILE (local));
  call_start (self, &(CallArgs) { CALL_DOWNLOAD, TRUE, .path = remote_path, .local = local,
                                  .progress = progress, .progress_data = progress_data,
                                  .progress_notify = progress_notify },
              op_ftp_browser_download_async, cancellable, callback, user_data);
}

gboolean
op_ftp_browser_finish (OpFtpBrowser  *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- properties and the rest -------------------------------------------------------- */

OpFtpBrowser *
op_ftp_browser_new (OpFtpSessionPool *pool)
{
  OpFtpBrowser *self = g_object_new (OP_TYPE_FTP_BROWSER, NULL);

  self->pool = pool != NULL ? g_object_ref (pool) : op_ftp_session_pool_new ();
  return self;
}

void
op_ftp_browser_set_verifier (OpFtpBrowser  *self,
                             OpTlsVerifier *verifier)
{
  g_return_if_fail (OP_IS_FTP_BROWSER (self));
  g_set_object (&self->verifier, verifier);
  op_ftp_session_pool_set_verifier (self->pool, verifier);
}

void
op_ftp_browser_set_keepalive_interval (OpFtpBrowser *self,
                                       guint         seconds)
{
  g_return_if_fail (OP_IS_FTP_BROWSER (self));
  self->keepalive = seconds;
  if (self->client != NULL)
    op_ftp_client_set_keepalive_interval (self->client, seconds);
}

OpFtpState
op_ftp_browser_get_state (OpFtpBrowser *self)
{
  g_return_val_if_fail (OP_IS_FTP_BROWSER (self), OP_FTP_STATE_DISCONNECTED);
  /* A cancelled attempt may still be winding down on its worker. */
  if (self->client == NULL || (!self->connecting && !self->connected))
    return OP_FTP_STATE_DISCONNECTED;
  return op_ftp_client_get_state (self->client);
}

gboolean
op_ftp_browser_get_connecting (OpFtpBrowser *self)
{
  g_return_val_if_fail (OP_IS_FTP_BROWSER (self), FALSE);
  return self->connecting;
}

gboolean
op_ftp_browser_get_connected (OpFtpBrowser *self)
{
  g_return_val_if_fail (OP_IS_FTP_BROWSER (self), FALSE);
  return self->connected;
}

guint
op_ftp_browser_get_n_running (OpFtpBrowser *self)
{
  g_return_val_if_fail (OP_IS_FTP_BROWSER (self), 0);
  return self->n_running;
}

OpAccount *
op_ftp_browser_get_site (OpFtpBrowser *self)
{
  g_return_val_if_fail (OP_IS_FTP_BROWSER (self), NULL);
  return self->site;
}

GListModel *
op_ftp_browser_get_log (OpFtpBrowser *self)
{
  g_return_val_if_fail (OP_IS_FTP_BROWSER (self), NULL);
  return self->client != NULL ? G_LIST_MODEL (op_ftp_client_get_log (self->client)) : NULL;
}

GTlsCertificate *
op_ftp_browser_get_peer_certificate (OpFtpBrowser *self)
{
  g_return_val_if_fail (OP_IS_FTP_BROWSER (self), NULL);
  if (self->client == NULL || !self->connected || !op_ftp_client_is_tls (self->client))
    return NULL;
  return op_ftp_client_get_peer_certificate (self->client);
}

OpFtpClient *
op_ftp_browser_get_client (OpFtpBrowser *self)
{
  g_return_val_if_fail (OP_IS_FTP_BROWSER (self), NULL);
  return self->client;
}

static void
op_ftp_browser_dispose (GObject *object)
{
  OpFtpBrowser *self = OP_FTP_BROWSER (object);

  if (self->client != NULL)
    {
      op_ftp_browser_disconnect (self);
      g_signal_handlers_disconnect_by_func (self->client, on_client_state, self);
    }
  g_clear_object (&self->client);
  g_clear_object (&self->site);
  g_clear_object (&self->verifier);
  g_clear_object (&self->pool);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->password, op_secret_free);

  G_OBJECT_CLASS (op_ftp_browser_parent_class)->dispose (object);
}

static void
op_ftp_browser_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  OpFtpBrowser *self = OP_FTP_BROWSER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, op_ftp_browser_get_state (self));
      break;
    case PROP_CONNECTING:
      g_value_set_boolean (value, self->connecting);
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connected);
      break;
    case PROP_LOG:
      g_value_set_object (value, op_ftp_browser_get_log (self));
      break;
    case PROP_N_RUNNING:
      g_value_set_uint (value, self->n_running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_ftp_browser_class_init (OpFtpBrowserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = op_ftp_browser_dispose;
  object_class->get_property = op_ftp_browser_get_property;

  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, OP_TYPE_FTP_STATE,
                                              OP_FTP_STATE_DISCONNECTED, flags);
  properties[PROP_CONNECTING] = g_param_spec_boolean ("connecting", NULL, NULL, FALSE, flags);
  properties[PROP_CONNECTED] = g_param_spec_boolean ("connected", NULL, NULL, FALSE, flags);
  properties[PROP_LOG] = g_param_spec_object ("log", NULL, NULL, G_TYPE_LIST_MODEL, flags);
  properties[PROP_N_RUNNING] = g_param_spec_uint ("n-running", NULL, NULL, 0, G_MAXUINT, 0,
                                                  flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_ftp_browser_init (OpFtpBrowser *self)
{
}
