/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-transfer"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "op-ftp-site.h"
#include "op-profile.h"
#include "op-transfer-item-private.h"
#include "op-transfer-queue-private.h"

G_DEFINE_QUARK (op-transfer-queue-error-quark, op_transfer_queue_error)

G_DEFINE_BOXED_TYPE (OpTransferConflict, op_transfer_conflict,
                     op_transfer_conflict_copy, op_transfer_conflict_free)

OpTransferConflict *
op_transfer_conflict_copy (const OpTransferConflict *conflict)
{
  OpTransferConflict *copy;

  g_return_val_if_fail (conflict != NULL, NULL);

  copy = g_new (OpTransferConflict, 1);
  *copy = *conflict;
  copy->target_path = g_strdup (conflict->target_path);
  return copy;
}

void
op_transfer_conflict_free (OpTransferConflict *conflict)
{
  if (conflict == NULL)
    return;
  g_free (conflict->target_path);
  g_free (conflict);
}

enum
{
  PROP_0,
  PROP_MAX_PARALLEL,
  PROP_N_ACTIVE,
  PROP_N_QUEUED,
  PROP_APPLY_TO_ALL,
  PROP_RUNNING,
  PROP_DOWNLOAD_LIMIT,
  PROP_UPLOAD_LIMIT,
  N_PROPS
};

enum
{
  SIGNAL_CONFLICT,
  SIGNAL_ITEM_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void op_transfer_queue_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OpTransferQueue, op_transfer_queue, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      op_transfer_queue_list_model_init))

/* GListModel */

static GType
op_transfer_queue_get_item_type (GListModel *model)
{
  return OP_TYPE_TRANSFER_ITEM;
}

static guint
op_transfer_queue_get_n_items (GListModel *model)
{
  return OP_TRANSFER_QUEUE (model)->items->len;
}

static gpointer
op_transfer_queue_get_item (GListModel *model,
                            guint       position)
{
  OpTransferQueue *self = OP_TRANSFER_QUEUE (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
op_transfer_queue_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = op_transfer_queue_get_item_type;
  iface->get_n_items = op_transfer_queue_get_n_items;
  iface->get_item = op_transfer_queue_get_item;
}

/* Counts */

void
_op_transfer_queue_update_counts (OpTransferQueue *self)
{
  guint n_active = g_hash_table_size (self->jobs);
  guint n_queued = 0;

  for (guint i = 0; i < self->items->len; i++)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i);

      if (op_transfer_item_get_state (item) == OP_TRANSFER_STATE_QUEUED)
        n_queued++;
    }

  if (self->n_active != n_active)
    {
      self->n_active = n_active;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ACTIVE]);
    }
  if (self->n_queued != n_queued)
    {
      self->n_queued = n_queued;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_QUEUED]);
    }
  /* The end of a batch: "apply to all" was for it only. */
  if (n_active == 0 && n_queued == 0)
    op_transfer_queue_forget_apply_to_all (self);
}

void
_op_transfer_queue_set_item_state (OpTransferQueue *self,
                                   OpTransferItem  *item,
                                   OpTransferState  state)
{
  OpTransferState old = op_transfer_item_get_state (item);

  if (old == state)
    return;
  _op_transfer_item_set_state (item, state);
  if (state != OP_TRANSFER_STATE_RUNNING && state != OP_TRANSFER_STATE_ASKING)
    _op_transfer_item_stop_meter (item);
  _op_transfer_queue_update_counts (self);
  _op_transfer_queue_schedule_save (self);
  if (op_transfer_state_is_finished (state))
    g_signal_emit (self, signals[SIGNAL_ITEM_FINISHED], 0, item);
  if (op_transfer_item_get_parent (item) != NULL &&
      op_transfer_state_is_finished (state) != op_transfer_state_is_finished (old))
    _op_transfer_queue_update_folder (self, op_transfer_item_get_parent (item));
}

/* Retries */

gboolean
_op_transfer_queue_error_is_transient (const GError *error)
{
  if (error == NULL)
    return FALSE;
  if (error->domain == OP_FTP_ERROR)
    return error->code == OP_FTP_ERROR_TRANSIENT || error->code == OP_FTP_ERROR_CONNECTION_LOST ||
           error->code == OP_FTP_ERROR_NOT_CONNECTED ||
           error->code == OP_FTP_ERROR_TLS_SESSION_REUSE;
  if (error->domain == G_IO_ERROR)
    return error->code == G_IO_ERROR_TIMED_OUT || error->code == G_IO_ERROR_CONNECTION_REFUSED ||
           error->code == G_IO_ERROR_CONNECTION_CLOSED || error->code == G_IO_ERROR_BROKEN_PIPE ||
           error->code == G_IO_ERROR_NETWORK_UNREACHABLE ||
           error->code == G_IO_ERROR_HOST_UNREACHABLE || error->code == G_IO_ERROR_NOT_CONNECTED;
  if (error->domain == G_RESOLVER_ERROR)
    return error->code == G_RESOLVER_ERROR_TEMPORARY_FAILURE;
  return FALSE;
}

gboolean
_op_transfer_queue_retry_later (OpTransferQueue *self,
                                OpTransferItem  *item,
                                const GError    *error)
{
  guint attempts = _op_transfer_item_get_attempts (item);
  gint64 delay_ms;

  if (!_op_transfer_queue_error_is_transient (error) || attempts >= self->retry_max)
    return FALSE;
  /* 2 s, 4 s, 8 s… by default: long enough for a server to come back, short enough that
   * a hiccup costs little. */
  delay_ms = (gint64) self->retry_delay_ms << MIN (attempts, 16);
  _op_transfer_item_set_retry (item, attempts + 1,
                               g_get_monotonic_time () + delay_ms * 1000);
  /* The reason stays visible while it waits. */
  _op_transfer_item_set_error (item, error);
  _op_transfer_queue_set_item_state (self, item, OP_TRANSFER_STATE_QUEUED);
  return TRUE;
}

/* Folders */

void
_op_transfer_queue_add_child (OpTransferQueue *self,
                              OpTransferItem  *folder,
                              OpTransferItem  *item)
{
  guint position = self->items->len;

  /* After the folder's last file so far (or the folder itself): the folder's files stay
   * together, in the order they were found. */
  for (guint i = self->items->len; i > 0; i--)
    {
      OpTransferItem *other = g_ptr_array_index (self->items, i - 1);

      if (other == folder || op_transfer_item_get_parent (other) == folder)
        {
          position = i;
          break;
        }
    }
  g_ptr_array_insert (self->items, position, item);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
  if (op_transfer_state_is_finished (op_transfer_item_get_state (item)))
    g_signal_emit (self, signals[SIGNAL_ITEM_FINISHED], 0, item);
  _op_transfer_queue_update_folder (self, folder);
  _op_transfer_queue_update_counts (self);
  _op_transfer_queue_schedule_save (self);
  _op_transfer_queue_schedule_pump (self);
}

void
_op_transfer_queue_update_folder (OpTransferQueue *self,
                                  OpTransferItem  *folder)
{
  guint total = 0, finished = 0, failed = 0;
  guint64 size = 0, done = 0;

  for (guint i = 0; i < self->items->len; i++)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i);
      OpTransferState state;

      if (op_transfer_item_get_parent (item) != folder)
        continue;
      state = op_transfer_item_get_state (item);
      total++;
      size += op_transfer_item_get_size (item);
      if (op_transfer_state_is_finished (state))
        {
          finished++;
          done += op_transfer_item_get_size (item);
          if (state == OP_TRANSFER_STATE_FAILED || state == OP_TRANSFER_STATE_CANCELLED)
            failed++;
        }
      else
        done += op_transfer_item_get_bytes_done (item);
    }
  _op_transfer_item_set_size (folder, size);
  _op_transfer_item_set_progress (folder, done, 0, 0, finished, total);

  /* Still walking, or not running any more (paused, cancelled): nothing to conclude. */
  if (g_hash_table_contains (self->jobs, folder) ||
      op_transfer_item_get_state (folder) != OP_TRANSFER_STATE_RUNNING || finished < total)
    return;
  if (failed > 0)
    {
      g_autoptr(GError) error =
        g_error_new (OP_TRANSFER_QUEUE_ERROR, OP_TRANSFER_QUEUE_ERROR_FILES_FAILED,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "%u of %u file was not transferred; it says why.",
                                  "%u of %u files were not transferred; each says why.",
                                  total),
                     failed, total);

      _op_transfer_item_set_error (folder, error);
    }
  _op_transfer_queue_set_item_state (self, folder,
                                     op_transfer_item_get_error (folder) != NULL
                                     ? OP_TRANSFER_STATE_FAILED : OP_TRANSFER_STATE_DONE);
}

/* Applies @func to every file of @folder (it refuses the states it does not apply to). */
static void
for_each_file (OpTransferQueue *self,
               OpTransferItem  *folder,
               gboolean        (*func) (OpTransferQueue *, OpTransferItem *))
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->items->len; i++)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i);

      if (op_transfer_item_get_parent (item) == folder)
        g_ptr_array_add (files, g_object_ref (item));
    }
  for (guint i = 0; i < files->len; i++)
    func (self, g_ptr_array_index (files, i));
}


/* Passwords */

char *
_op_transfer_queue_password_key (OpAccount *site)
{
  return g_strdup_printf ("%s\n%u\n%s", op_account_get_host (site),
                          op_ftp_site_get_effective_port (site),
                          op_ftp_site_get_login_user (site));
}


/* One question at a time, so "apply to all" can answer the ones waiting behind it. */
void
_op_transfer_queue_ask_next (OpTransferQueue *self)
{
  while (self->asking == NULL && !g_queue_is_empty (&self->ask_queue))
    {
      Job *job = g_queue_peek_head (&self->ask_queue);
      OpOverwriteChoice choice = _op_transfer_job_standing_choice (job);
      g_autoptr(OpTransferConflict) conflict = NULL;
      gboolean handled = FALSE;

      if (choice != OP_OVERWRITE_ASK)
        {
          /* Answered meanwhile by "apply to all". */
          g_queue_pop_head (&self->ask_queue);
          job->asking = FALSE;
          op_ftp_client_set_keepalive_interval (job->client, 0);
          _op_transfer_queue_set_item_state (self, job->item, OP_TRANSFER_STATE_RUNNING);
          _op_transfer_job_run_action (job, choice);
          continue;
        }

      conflict = g_new0 (OpTransferConflict, 1);
      conflict->target_path = g_strdup (op_transfer_item_get_direction (job->item) ==
                                        OP_TRANSFER_DOWNLOAD
                                        ? op_transfer_item_get_local_path (job->item)
                                        : op_transfer_item_get_remote_path (job->item));
      conflict->source = job->source;
      conflict->target = job->target;
      conflict->is_directory = job->target_is_directory;

      self->asking = job;
      g_signal_emit (self, signals[SIGNAL_CONFLICT], 0, job->item, conflict, &handled);
      if (!handled && self->asking == job)
        {
          g_autoptr(GError) error =
            g_error_new (OP_TRANSFER_QUEUE_ERROR, OP_TRANSFER_QUEUE_ERROR_TARGET_EXISTS,
                         _("“%s” exists already and nobody decided whether to replace it: "
                           "it was left alone."), conflict->target_path);

          _op_transfer_job_finish (job, OUTCOME_FAILED, error);
        }
    }
}


/* Sessions open to @site's server as @site's user: the site's max-connections counts
 * them all, whichever saved site or quick connection opened them. */
static guint
sessions_for_site (OpTransferQueue *self,
                   OpAccount       *site)
{
  g_autofree char *key = _op_transfer_queue_password_key (site);
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Job *job = value;
      g_autofree char *other = _op_transfer_queue_password_key (op_transfer_item_get_site (job->item));

      if (strcmp (key, other) == 0)
        n++;
    }
  return n;
}

static gboolean
pump (gpointer user_data)
{
  OpTransferQueue *self = user_data;

  gint64 now = g_get_monotonic_time ();
  gint64 next_retry = G_MAXINT64;

  self->pump_id = 0;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (!self->running)
    {
      _op_transfer_queue_update_counts (self);
      return G_SOURCE_REMOVE;
    }

  for (guint i = 0; i < self->items->len && g_hash_table_size (self->jobs) < self->max_parallel;
       i++)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i);
      OpAccount *site = op_transfer_item_get_site (item);
      gint64 retry_at = _op_transfer_item_get_retry_at (item);

      if (op_transfer_item_get_state (item) != OP_TRANSFER_STATE_QUEUED)
        continue;
      /* An automatic retry waits for its time. */
      if (retry_at > now)
        {
          next_retry = MIN (next_retry, retry_at);
          continue;
        }
      /* An item paused and resumed while its old session still winds down waits, and so
       * does one whose server already has the site's maximum of connections. */
      if (!g_hash_table_contains (self->jobs, item) &&
          sessions_for_site (self, site) < op_ftp_site_get_max_connections (site))
        _op_transfer_job_start (self, item);
    }
  if (next_retry != G_MAXINT64)
    self->retry_id = g_timeout_add ((guint) ((next_retry - now + 999) / 1000), pump, self);

  _op_transfer_queue_update_counts (self);
  return G_SOURCE_REMOVE;
}

void
_op_transfer_queue_schedule_pump (OpTransferQueue *self)
{
  if (self->pump_id == 0)
    self->pump_id = g_idle_add_full (G_PRIORITY_DEFAULT, pump, self, NULL);
}


/* GObject */

static void
op_transfer_queue_dispose (GObject *object)
{
  OpTransferQueue *self = OP_TRANSFER_QUEUE (object);

  /* Jobs hold a reference on the queue, so none is running here. */
  g_clear_handle_id (&self->pump_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->save_id != 0)
    {
      g_autoptr(GError) error = NULL;

      if (!op_transfer_queue_save (self, &error))
        g_warning ("Could not save the transfer queue: %s", error->message);
    }

  G_OBJECT_CLASS (op_transfer_queue_parent_class)->dispose (object);
}

static void
op_transfer_queue_finalize (GObject *object)
{
  OpTransferQueue *self = OP_TRANSFER_QUEUE (object);

  g_clear_object (&self->state_file);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->jobs, g_hash_table_unref);
  g_queue_clear (&self->ask_queue);
  g_clear_object (&self->verifier);
  g_clear_object (&self->pool);
  g_clear_object (&self->download_limit);
  g_clear_object (&self->upload_limit);
  g_clear_object (&self->secrets);
  g_clear_pointer (&self->passwords, g_hash_table_unref);
  g_mutex_clear (&self->write_lock);

  G_OBJECT_CLASS (op_transfer_queue_parent_class)->finalize (object);
}

static void
op_transfer_queue_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  OpTransferQueue *self = OP_TRANSFER_QUEUE (object);

  switch (prop_id)
    {
    case PROP_MAX_PARALLEL:
      g_value_set_uint (value, self->max_parallel);
      break;
    case PROP_N_ACTIVE:
      g_value_set_uint (value, self->n_active);
      break;
    case PROP_N_QUEUED:
      g_value_set_uint (value, self->n_queued);
      break;
    case PROP_APPLY_TO_ALL:
      g_value_set_enum (value, self->apply_to_all);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    case PROP_DOWNLOAD_LIMIT:
      g_value_set_uint64 (value, op_rate_limit_get_rate (self->download_limit));
      break;
    case PROP_UPLOAD_LIMIT:
      g_value_set_uint64 (value, op_rate_limit_get_rate (self->upload_limit));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_transfer_queue_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  OpTransferQueue *self = OP_TRANSFER_QUEUE (object);

  switch (prop_id)
    {
    case PROP_MAX_PARALLEL:
      op_transfer_queue_set_max_parallel (self, g_value_get_uint (value));
      break;
    case PROP_DOWNLOAD_LIMIT:
      op_transfer_queue_set_download_limit (self, g_value_get_uint64 (value));
      break;
    case PROP_UPLOAD_LIMIT:
      op_transfer_queue_set_upload_limit (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_transfer_queue_class_init (OpTransferQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = op_transfer_queue_dispose;
  object_class->finalize = op_transfer_queue_finalize;
  object_class->get_property = op_transfer_queue_get_property;
  object_class->set_property = op_transfer_queue_set_property;

  properties[PROP_MAX_PARALLEL] =
    g_param_spec_uint ("max-parallel", NULL, NULL, 1, OP_TRANSFER_QUEUE_MAX_PARALLEL, 2,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_ACTIVE] = g_param_spec_uint ("n-active", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_QUEUED] = g_param_spec_uint ("n-queued", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_APPLY_TO_ALL] =
    g_param_spec_enum ("apply-to-all", NULL, NULL, OP_TYPE_OVERWRITE_CHOICE,
                       OP_OVERWRITE_ASK, ro);
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, TRUE, ro);
  properties[PROP_DOWNLOAD_LIMIT] =
    g_param_spec_uint64 ("download-limit", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_UPLOAD_LIMIT] =
    g_param_spec_uint64 ("upload-limit", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CONFLICT] =
    g_signal_new ("conflict", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 2, OP_TYPE_TRANSFER_ITEM,
                  OP_TYPE_TRANSFER_CONFLICT | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_ITEM_FINISHED] =
    g_signal_new ("item-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, OP_TYPE_TRANSFER_ITEM);
}

static void
op_transfer_queue_init (OpTransferQueue *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->jobs = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) _op_transfer_job_free);
  g_queue_init (&self->ask_queue);
  self->max_parallel = 2;
  g_mutex_init (&self->write_lock);
  self->pool = op_ftp_session_pool_new ();
  self->download_limit = op_rate_limit_new (0);
  self->upload_limit = op_rate_limit_new (0);
  op_ftp_session_pool_set_rate_limits (self->pool, self->download_limit, self->upload_limit);
  self->running = TRUE;
  self->retry_max = OP_TRANSFER_QUEUE_RETRIES;
  self->retry_delay_ms = OP_TRANSFER_QUEUE_RETRY_DELAY_MS;
  self->passwords = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) op_secrets_password_free);
}

/* Public API */

/**
 * op_transfer_queue_new:
 * @state_file: (nullable): where the queue is saved; %NULL: not saved
 *
 * Returns: (transfer full): an empty queue
 */
OpTransferQueue *
op_transfer_queue_new (GFile *state_file)
{
  OpTransferQueue *self;

  g_return_val_if_fail (state_file == NULL || G_IS_FILE (state_file), NULL);

  self = g_object_new (OP_TYPE_TRANSFER_QUEUE, NULL);
  if (state_file != NULL)
    self->state_file = g_object_ref (state_file);
  return self;
}

/**
 * op_transfer_queue_new_default:
 *
 * Returns: (transfer full): an empty queue saved in the profile's data folder
 */
OpTransferQueue *
op_transfer_queue_new_default (void)
{
  g_autofree char *dir = op_profile_data_dir ();
  g_autofree char *path = g_build_filename (dir, "transfers.ini", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return op_transfer_queue_new (file);
}

/**
 * op_transfer_queue_get_state_file:
 * @self: a queue
 *
 * Returns: (transfer none) (nullable): the state file
 */
GFile *
op_transfer_queue_get_state_file (OpTransferQueue *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), NULL);
  return self->state_file;
}

guint
op_transfer_queue_get_max_parallel (OpTransferQueue *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), 0);
  return self->max_parallel;
}

void
op_transfer_queue_set_max_parallel (OpTransferQueue *self,
                                    guint            n)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));

  n = CLAMP (n, 1, OP_TRANSFER_QUEUE_MAX_PARALLEL);
  if (self->max_parallel == n)
    return;
  /* Lowering it lets running transfers finish; it only holds new ones back. */
  self->max_parallel = n;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_PARALLEL]);
  _op_transfer_queue_schedule_pump (self);
}

guint64
op_transfer_queue_get_download_limit (OpTransferQueue *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), 0);
  return op_rate_limit_get_rate (self->download_limit);
}

static void
set_limit (OpTransferQueue *self,
           OpRateLimit     *limit,
           guint            prop_id,
           guint64          bytes_per_second)
{
  if (op_rate_limit_get_rate (limit) == bytes_per_second)
    return;
  /* Transfers already running follow the new rate from their next read or write. */
  op_rate_limit_set_rate (limit, bytes_per_second);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

void
op_transfer_queue_set_download_limit (OpTransferQueue *self,
                                      guint64          bytes_per_second)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));
  set_limit (self, self->download_limit, PROP_DOWNLOAD_LIMIT, bytes_per_second);
}

guint64
op_transfer_queue_get_upload_limit (OpTransferQueue *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), 0);
  return op_rate_limit_get_rate (self->upload_limit);
}

void
op_transfer_queue_set_upload_limit (OpTransferQueue *self,
                                    guint64          bytes_per_second)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));
  set_limit (self, self->upload_limit, PROP_UPLOAD_LIMIT, bytes_per_second);
}

static void stop_job (OpTransferQueue *self,
                      OpTransferItem  *item,
                      StopReason       reason);

void
op_transfer_queue_set_retry_policy (OpTransferQueue *self,
                                    guint            retries,
                                    guint            first_delay_ms)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));
  self->retry_max = retries;
  self->retry_delay_ms = first_delay_ms;
}

gboolean
op_transfer_queue_get_running (OpTransferQueue *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  return self->running;
}

void
op_transfer_queue_start (OpTransferQueue *self)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));

  if (self->running)
    return;
  self->running = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  _op_transfer_queue_schedule_pump (self);
}

void
op_transfer_queue_stop (OpTransferQueue *self)
{
  g_autoptr(GPtrArray) active = NULL;
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));

  if (!self->running)
    return;
  self->running = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  /* What runs goes back in line, keeping its place and its partial target. */
  active = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (active, g_object_ref (key));
  for (guint i = 0; i < active->len; i++)
    {
      OpTransferItem *item = g_ptr_array_index (active, i);

      _op_transfer_queue_set_item_state (self, item, OP_TRANSFER_STATE_QUEUED);
      stop_job (self, item, STOP_PAUSE);
    }
}

guint
op_transfer_queue_get_n_active (OpTransferQueue *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), 0);
  return self->n_active;
}

guint
op_transfer_queue_get_n_queued (OpTransferQueue *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), 0);
  return self->n_queued;
}

void
op_transfer_queue_set_verifier (OpTransferQueue *self,
                                OpTlsVerifier   *verifier)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));
  g_return_if_fail (verifier == NULL || OP_IS_TLS_VERIFIER (verifier));
  g_set_object (&self->verifier, verifier);
  op_ftp_session_pool_set_verifier (self->pool, verifier);
}

/**
 * op_transfer_queue_get_session_pool:
 * @self: a queue
 *
 * Returns: (transfer none): the logged-in sessions kept between items
 */
OpFtpSessionPool *
op_transfer_queue_get_session_pool (OpTransferQueue *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), NULL);
  return self->pool;
}

void
op_transfer_queue_set_secrets (OpTransferQueue *self,
                               OpSecrets       *secrets)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));
  g_return_if_fail (secrets == NULL || OP_IS_SECRETS (secrets));
  g_set_object (&self->secrets, secrets);
}

void
op_transfer_queue_set_password (OpTransferQueue *self,
                                OpAccount       *site,
                                const char      *password)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));
  g_return_if_fail (OP_IS_ACCOUNT (site));

  if (password == NULL)
    {
      g_autofree char *key = _op_transfer_queue_password_key (site);

      g_hash_table_remove (self->passwords, key);
    }
  else
    g_hash_table_replace (self->passwords, _op_transfer_queue_password_key (site), g_strdup (password));
}

static OpTransferItem *
add_item (OpTransferQueue     *self,
          OpTransferDirection  direction,
          OpAccount           *site,
          const char          *local_path,
          const char          *remote_path,
          gboolean             is_directory,
          guint64              size)
{
  OpTransferItem *item;

  item = _op_transfer_item_new (NULL, direction, is_directory, site, local_path,
                                remote_path, size);
  g_ptr_array_add (self->items, item);
  g_list_model_items_changed (G_LIST_MODEL (self), self->items->len - 1, 0, 1);
  _op_transfer_queue_update_counts (self);
  _op_transfer_queue_schedule_save (self);
  _op_transfer_queue_schedule_pump (self);
  return item;
}

/**
 * op_transfer_queue_add_download:
 * @self: a queue
 * @site: the site
 * @remote_path: the remote file or folder
 * @local: the local target
 * @is_directory: a recursive transfer
 * @size: the size if known, else 0
 *
 * Returns: (transfer none): the new item
 */
OpTransferItem *
op_transfer_queue_add_download (OpTransferQueue *self,
                                OpAccount       *site,
                                const char      *remote_path,
                                GFile           *local,
                                gboolean         is_directory,
                                guint64          size)
{
  g_autofree char *local_path = NULL;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), NULL);
  g_return_val_if_fail (op_ftp_site_is_site (site), NULL);
  g_return_val_if_fail (remote_path != NULL && remote_path[0] != '\0', NULL);
  g_return_val_if_fail (G_IS_FILE (local), NULL);

  local_path = g_file_get_path (local);
  g_return_val_if_fail (local_path != NULL, NULL);
  return add_item (self, OP_TRANSFER_DOWNLOAD, site, local_path, remote_path,
                   is_directory, size);
}

/**
 * op_transfer_queue_add_upload:
 * @self: a queue
 * @site: the site
 * @local: the local file or folder
 * @remote_path: the remote target
 * @is_directory: a recursive transfer
 * @size: the size if known, else 0
 *
 * Returns: (transfer none): the new item
 */
OpTransferItem *
op_transfer_queue_add_upload (OpTransferQueue *self,
                              OpAccount       *site,
                              GFile           *local,
                              const char      *remote_path,
                              gboolean         is_directory,
                              guint64          size)
{
  g_autofree char *local_path = NULL;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), NULL);
  g_return_val_if_fail (op_ftp_site_is_site (site), NULL);
  g_return_val_if_fail (remote_path != NULL && remote_path[0] != '\0', NULL);
  g_return_val_if_fail (G_IS_FILE (local), NULL);

  local_path = g_file_get_path (local);
  g_return_val_if_fail (local_path != NULL, NULL);
  return add_item (self, OP_TRANSFER_UPLOAD, site, local_path, remote_path,
                   is_directory, size);
}

static gboolean
has_item (OpTransferQueue *self,
          OpTransferItem  *item)
{
  return g_ptr_array_find (self->items, item, NULL);
}

/* Stops @item's job, if any: its session winds down in the background. */
static void
stop_job (OpTransferQueue *self,
          OpTransferItem  *item,
          StopReason       reason)
{
  Job *job = g_hash_table_lookup (self->jobs, item);

  if (job == NULL)
    return;
  job->stop = reason;
  if (job->asking)
    {
      /* Nothing runs while asking: end the job now. */
      _op_transfer_job_finish (job, OUTCOME_STOPPED, NULL);
      return;
    }
  g_cancellable_cancel (job->cancellable);
}

gboolean
op_transfer_queue_pause (OpTransferQueue *self,
                         OpTransferItem  *item)
{
  OpTransferState state;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (item), FALSE);
  g_return_val_if_fail (has_item (self, item), FALSE);

  state = op_transfer_item_get_state (item);
  if (state != OP_TRANSFER_STATE_QUEUED && state != OP_TRANSFER_STATE_RUNNING &&
      state != OP_TRANSFER_STATE_ASKING)
    return FALSE;

  _op_transfer_queue_set_item_state (self, item, OP_TRANSFER_STATE_PAUSED);
  stop_job (self, item, STOP_PAUSE);
  if (op_transfer_item_get_is_directory (item))
    for_each_file (self, item, op_transfer_queue_pause);
  return TRUE;
}

gboolean
op_transfer_queue_resume (OpTransferQueue *self,
                          OpTransferItem  *item)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (item), FALSE);
  g_return_val_if_fail (has_item (self, item), FALSE);

  if (op_transfer_item_get_state (item) != OP_TRANSFER_STATE_PAUSED)
    return FALSE;
  _op_transfer_item_set_retry (item, 0, 0);
  _op_transfer_queue_set_item_state (self, item, OP_TRANSFER_STATE_QUEUED);
  _op_transfer_queue_schedule_pump (self);
  return TRUE;
}

gboolean
op_transfer_queue_cancel (OpTransferQueue *self,
                          OpTransferItem  *item)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (item), FALSE);
  g_return_val_if_fail (has_item (self, item), FALSE);

  if (op_transfer_state_is_finished (op_transfer_item_get_state (item)))
    return FALSE;

  _op_transfer_queue_set_item_state (self, item, OP_TRANSFER_STATE_CANCELLED);
  if (op_transfer_item_get_is_directory (item))
    for_each_file (self, item, op_transfer_queue_cancel);
  if (g_hash_table_contains (self->jobs, item))
    stop_job (self, item, STOP_CANCEL);
  else if (_op_transfer_item_get_resume (item) &&
           op_transfer_item_get_direction (item) == OP_TRANSFER_DOWNLOAD &&
           !op_transfer_item_get_is_directory (item))
    {
      g_autofree char *part = _op_transfer_job_part_path (item);

      g_unlink (part);
      _op_transfer_item_set_resume (item, FALSE);
    }
  return TRUE;
}

gboolean
op_transfer_queue_retry (OpTransferQueue *self,
                         OpTransferItem  *item)
{
  OpTransferState state;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (item), FALSE);
  g_return_val_if_fail (has_item (self, item), FALSE);

  state = op_transfer_item_get_state (item);
  if (state != OP_TRANSFER_STATE_FAILED && state != OP_TRANSFER_STATE_CANCELLED)
    return FALSE;
  _op_transfer_item_set_error (item, NULL);
  _op_transfer_item_set_retry (item, 0, 0);
  _op_transfer_queue_set_item_state (self, item, OP_TRANSFER_STATE_QUEUED);
  if (op_transfer_item_get_is_directory (item))
    for_each_file (self, item, op_transfer_queue_retry);
  _op_transfer_queue_schedule_pump (self);
  return TRUE;
}

static void
remove_index (OpTransferQueue *self,
              guint            index)
{
  g_ptr_array_remove_index (self->items, index);
  g_list_model_items_changed (G_LIST_MODEL (self), index, 1, 0);
}

gboolean
op_transfer_queue_remove (OpTransferQueue *self,
                          OpTransferItem  *item)
{
  guint index;
  OpTransferState state;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (item), FALSE);

  if (!g_ptr_array_find (self->items, item, &index))
    return FALSE;
  state = op_transfer_item_get_state (item);
  if ((!op_transfer_state_is_finished (state) && state != OP_TRANSFER_STATE_PAUSED) ||
      g_hash_table_contains (self->jobs, item))
    return FALSE;
  remove_index (self, index);
  _op_transfer_queue_update_counts (self);
  _op_transfer_queue_schedule_save (self);
  return TRUE;
}

guint
op_transfer_queue_remove_finished (OpTransferQueue *self)
{
  guint removed = 0;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), 0);

  for (guint i = self->items->len; i > 0; i--)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i - 1);
      OpTransferState state = op_transfer_item_get_state (item);

      if ((state == OP_TRANSFER_STATE_DONE || state == OP_TRANSFER_STATE_SKIPPED ||
           state == OP_TRANSFER_STATE_CANCELLED) && !g_hash_table_contains (self->jobs, item))
        {
          remove_index (self, i - 1);
          removed++;
        }
    }
  if (removed > 0)
    _op_transfer_queue_schedule_save (self);
  return removed;
}

void
op_transfer_queue_pause_all (OpTransferQueue *self)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));

  for (guint i = 0; i < self->items->len; i++)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i);
      OpTransferState state = op_transfer_item_get_state (item);

      if (state == OP_TRANSFER_STATE_QUEUED || state == OP_TRANSFER_STATE_RUNNING ||
          state == OP_TRANSFER_STATE_ASKING)
        op_transfer_queue_pause (self, item);
    }
}

void
op_transfer_queue_resume_all (OpTransferQueue *self)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));

  for (guint i = 0; i < self->items->len; i++)
    {
      OpTransferItem *item = g_ptr_array_index (self->items, i);

      if (op_transfer_item_get_state (item) == OP_TRANSFER_STATE_PAUSED)
        op_transfer_queue_resume (self, item);
    }
}

gboolean
op_transfer_queue_resolve_conflict (OpTransferQueue   *self,
                                    OpTransferItem    *item,
                                    OpOverwriteChoice  choice,
                                    gboolean           apply_to_all)
{
  Job *job;

  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), FALSE);
  g_return_val_if_fail (OP_IS_TRANSFER_ITEM (item), FALSE);
  g_return_val_if_fail (choice != OP_OVERWRITE_ASK, FALSE);

  job = g_hash_table_lookup (self->jobs, item);
  if (job == NULL || !job->asking || op_transfer_item_get_state (item) != OP_TRANSFER_STATE_ASKING)
    return FALSE;

  if (apply_to_all && self->apply_to_all != choice)
    {
      self->apply_to_all = choice;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APPLY_TO_ALL]);
    }
  /* "Apply to all" on a file of a folder transfer holds for the whole folder, however
   * long its walk goes on. */
  if (apply_to_all && op_transfer_item_get_parent (item) != NULL)
    op_transfer_item_set_overwrite (op_transfer_item_get_parent (item), choice);
  op_transfer_item_set_overwrite (item, choice);

  g_queue_remove (&self->ask_queue, job);
  if (self->asking == job)
    self->asking = NULL;
  job->asking = FALSE;
  op_ftp_client_set_keepalive_interval (job->client, 0);
  _op_transfer_queue_set_item_state (self, item, OP_TRANSFER_STATE_RUNNING);
  _op_transfer_job_run_action (job, choice);
  _op_transfer_queue_ask_next (self);
  return TRUE;
}

OpOverwriteChoice
op_transfer_queue_get_apply_to_all (OpTransferQueue *self)
{
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (self), OP_OVERWRITE_ASK);
  return self->apply_to_all;
}

void
op_transfer_queue_forget_apply_to_all (OpTransferQueue *self)
{
  g_return_if_fail (OP_IS_TRANSFER_QUEUE (self));

  if (self->apply_to_all == OP_OVERWRITE_ASK)
    return;
  self->apply_to_all = OP_OVERWRITE_ASK;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APPLY_TO_ALL]);
}

