/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail-store-submitter"

#include "config.h"

#include <glib/gi18n.h>

#include "op-mail-store-submitter.h"

typedef struct
{
  OpMailStore  *store;
  OpMailOutbox *outbox;
  GHashTable   *drafts;  /* Message-ID → gint64 *, the store's id of the draft saved */
  GCancellable *cancellable;
  gboolean      can_send;  /* the outbox's server is set */
  gboolean      waiting;   /* something was queued before it was */
} Target;

struct _OpMailStoreSubmitter
{
  GObject     parent_instance;

  GHashTable *targets;  /* account id → Target */
};

enum
{
  SIGNAL_SEND_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void submitter_iface_init (OpMailSubmitterInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OpMailStoreSubmitter, op_mail_store_submitter, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OP_TYPE_MAIL_SUBMITTER, submitter_iface_init))

static void
target_free (Target *target)
{
  g_cancellable_cancel (target->cancellable);
  g_clear_object (&target->cancellable);
  g_clear_object (&target->store);
  g_clear_object (&target->outbox);
  g_clear_pointer (&target->drafts, g_hash_table_unref);
  g_free (target);
}

static Target *
find_target (OpMailStoreSubmitter *self,
             const char           *account_id,
             GError              **error)
{
  Target *target = account_id != NULL ? g_hash_table_lookup (self->targets, account_id) : NULL;

  if (target == NULL)
    /* Translators: when a message is sent or saved as a draft for an account whose mail
     * is not open (removed, or its store could not be opened). */
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                         _("The account of this identity is not open, so the message cannot be stored"));
  return target;
}

/* A send of one outbox; ::send-finished when it ends. */
typedef struct
{
  OpMailStoreSubmitter *self;
  char                 *account_id;
} Send;

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Send *send = user_data;
  g_autoptr (GError) error = NULL;

  if (!op_mail_outbox_send_finish (OP_MAIL_OUTBOX (source), result, &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_clear_error (&error);
  else
    g_signal_emit (send->self, signals[SIGNAL_SEND_FINISHED], 0, send->account_id,
                   error != NULL ? error->message : NULL);
  g_object_unref (send->self);
  g_free (send->account_id);
  g_free (send);
}

void
op_mail_store_submitter_send (OpMailStoreSubmitter *self,
                              const char           *account_id)
{
  Target *target;
  Send *send;

  g_return_if_fail (OP_IS_MAIL_STORE_SUBMITTER (self));

  target = find_target (self, account_id, NULL);
  if (target == NULL)
    return;
  if (!target->can_send)
    {
      target->waiting = TRUE;
      return;
    }
  send = g_new0 (Send, 1);
  send->self = g_object_ref (self);
  send->account_id = g_strdup (account_id);
  op_mail_outbox_send_async (target->outbox, target->cancellable, on_sent, send);
}

static void
on_queued (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  OpMailStoreSubmitter *self = g_task_get_source_object (task);
  const char *account_id = g_task_get_task_data (task);
  GError *error = NULL;

  if (op_mail_outbox_queue_finish (OP_MAIL_OUTBOX (source), result, &error) <= 0)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Committed: the composer may close, and only now does SMTP start on it. */
  g_task_return_boolean (task, TRUE);
  op_mail_store_submitter_send (self, account_id);
}

static void
submit_async (OpMailSubmitter     *submitter,
              OpMailOutgoing      *outgoing,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  OpMailStoreSubmitter *self = OP_MAIL_STORE_SUBMITTER (submitter);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  Target *target;

  g_task_set_source_tag (task, submit_async);
  target = find_target (self, outgoing->account_id, &error);
  if (target == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, g_strdup (outgoing->account_id), g_free);
  op_mail_outbox_queue_async (target->outbox, outgoing->envelope_from,
                              (const char * const *) outgoing->recipients, outgoing->message,
                              cancellable, on_queued, g_steal_pointer (&task));
}

static gboolean
submit_finish (OpMailSubmitter  *submitter,
               GAsyncResult     *result,
               GError          **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  char *account_id;
  char *message_id;
} Draft;

static void
draft_free (Draft *draft)
{
  g_free (draft->account_id);
  g_free (draft->message_id);
  g_free (draft);
}

static void
on_draft_saved (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  OpMailStoreSubmitter *self = g_task_get_source_object (task);
  Draft *draft = g_task_get_task_data (task);
  GError *error = NULL;
  gint64 id = op_mail_store_save_draft_finish (OP_MAIL_STORE (source), result, &error);
  Target *target;

  if (id <= 0)
    {
      g_task_return_error (task, error);
      return;
    }
  target = g_hash_table_lookup (self->targets, draft->account_id);
  if (target != NULL && target->store == OP_MAIL_STORE (source) && draft->message_id != NULL)
    g_hash_table_replace (target->drafts, g_strdup (draft->message_id), g_memdup2 (&id, sizeof id));
  g_task_return_boolean (task, TRUE);
}

static void
save_draft_async (OpMailSubmitter     *submitter,
                  OpMailOutgoing      *outgoing,
                  const char          *replaces,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  OpMailStoreSubmitter *self = OP_MAIL_STORE_SUBMITTER (submitter);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  Target *target;
  Draft *draft;
  gint64 replaced = 0;

  g_task_set_source_tag (task, save_draft_async);
  target = find_target (self, outgoing->account_id, &error);
  if (target == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (replaces != NULL)
    {
      gint64 *id = g_hash_table_lookup (target->drafts, replaces);

      if (id != NULL)
        replaced = *id;
      g_hash_table_remove (target->drafts, replaces);
    }
  draft = g_new0 (Draft, 1);
  draft->account_id = g_strdup (outgoing->account_id);
  draft->message_id = g_strdup (outgoing->message_id);
  g_task_set_task_data (task, draft, (GDestroyNotify) draft_free);
  op_mail_store_save_draft_async (target->store, replaced,
                                  outgoing->copy != NULL ? outgoing->copy : outgoing->message,
                                  cancellable, on_draft_saved, g_steal_pointer (&task));
}

static gboolean
save_draft_finish (OpMailSubmitter  *submitter,
                   GAsyncResult     *result,
                   GError          **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_addresses (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *found = op_mail_store_complete_address_finish (OP_MAIL_STORE (source), result, &error);

  if (found == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, found, (GDestroyNotify) g_ptr_array_unref);
}

/* The identity's account's store: the addresses its mail holds. */
static void
complete_address_async (OpMailSubmitter     *submitter,
                        const char          *account_id,
                        const char          *prefix,
                        guint                limit,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  OpMailStoreSubmitter *self = OP_MAIL_STORE_SUBMITTER (submitter);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  Target *target = find_target (self, account_id, &error);

  g_task_set_source_tag (task, complete_address_async);
  if (target == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  op_mail_store_complete_address_async (target->store, prefix, limit, cancellable, on_addresses, task);
}

static GPtrArray *
complete_address_finish (OpMailSubmitter  *submitter,
                         GAsyncResult     *result,
                         GError          **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
submitter_iface_init (OpMailSubmitterInterface *iface)
{
  iface->submit_async = submit_async;
  iface->submit_finish = submit_finish;
  iface->save_draft_async = save_draft_async;
  iface->save_draft_finish = save_draft_finish;
  iface->complete_address_async = complete_address_async;
  iface->complete_address_finish = complete_address_finish;
}

static void
op_mail_store_submitter_finalize (GObject *object)
{
  OpMailStoreSubmitter *self = OP_MAIL_STORE_SUBMITTER (object);

  g_clear_pointer (&self->targets, g_hash_table_unref);
  G_OBJECT_CLASS (op_mail_store_submitter_parent_class)->finalize (object);
}

static void
op_mail_store_submitter_class_init (OpMailStoreSubmitterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = op_mail_store_submitter_finalize;

  signals[SIGNAL_SEND_FINISHED] =
    g_signal_new ("send-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
op_mail_store_submitter_init (OpMailStoreSubmitter *self)
{
  self->targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) target_free);
}

OpMailStoreSubmitter *
op_mail_store_submitter_new (void)
{
  return g_object_new (OP_TYPE_MAIL_STORE_SUBMITTER, NULL);
}

void
op_mail_store_submitter_add_account (OpMailStoreSubmitter *self,
                                     const char           *account_id,
                                     OpMailStore          *store,
                                     OpMailOutbox         *outbox)
{
  Target *target;

  g_return_if_fail (OP_IS_MAIL_STORE_SUBMITTER (self));
  g_return_if_fail (account_id != NULL);
  g_return_if_fail (OP_IS_MAIL_STORE (store));
  g_return_if_fail (OP_IS_MAIL_OUTBOX (outbox));

  target = g_new0 (Target, 1);
  target->store = g_object_ref (store);
  target->outbox = g_object_ref (outbox);
  target->drafts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  target->cancellable = g_cancellable_new ();
  target->can_send = TRUE;
  g_hash_table_replace (self->targets, g_strdup (account_id), target);
}

void
op_mail_store_submitter_set_can_send (OpMailStoreSubmitter *self,
                                      const char           *account_id,
                                      gboolean              can_send)
{
  Target *target;

  g_return_if_fail (OP_IS_MAIL_STORE_SUBMITTER (self));

  target = find_target (self, account_id, NULL);
  if (target == NULL)
    return;
  target->can_send = can_send;
  if (can_send && target->waiting)
    {
      target->waiting = FALSE;
      op_mail_store_submitter_send (self, account_id);
    }
}

void
op_mail_store_submitter_remove_account (OpMailStoreSubmitter *self,
                                        const char           *account_id)
{
  g_return_if_fail (OP_IS_MAIL_STORE_SUBMITTER (self));

  g_hash_table_remove (self->targets, account_id);
}

OpMailOutbox *
op_mail_store_submitter_get_outbox (OpMailStoreSubmitter *self,
                                    const char           *account_id)
{
  Target *target;

  g_return_val_if_fail (OP_IS_MAIL_STORE_SUBMITTER (self), NULL);

  target = find_target (self, account_id, NULL);
  return target != NULL ? target->outbox : NULL;
}
