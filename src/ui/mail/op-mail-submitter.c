/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include "op-mail-submitter.h"

G_DEFINE_INTERFACE (OpMailSubmitter, op_mail_submitter, G_TYPE_OBJECT)

static void
op_mail_submitter_default_init (OpMailSubmitterInterface *iface)
{
}

static void
outgoing_clear (OpMailOutgoing *self)
{
  g_free (self->account_id);
  g_clear_pointer (&self->message, g_bytes_unref);
  g_clear_pointer (&self->copy, g_bytes_unref);
  g_free (self->envelope_from);
  g_strfreev (self->recipients);
  g_free (self->message_id);
}

OpMailOutgoing *
_op_mail_outgoing_new (void)
{
  return g_atomic_rc_box_new0 (OpMailOutgoing);
}

OpMailOutgoing *
op_mail_outgoing_ref (OpMailOutgoing *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
op_mail_outgoing_unref (OpMailOutgoing *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) outgoing_clear);
}

G_DEFINE_BOXED_TYPE (OpMailOutgoing, op_mail_outgoing, op_mail_outgoing_ref, op_mail_outgoing_unref)

void
op_mail_submitter_submit_async (OpMailSubmitter     *self,
                                OpMailOutgoing      *outgoing,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (OP_IS_MAIL_SUBMITTER (self));
  g_return_if_fail (outgoing != NULL);
  OP_MAIL_SUBMITTER_GET_IFACE (self)->submit_async (self, outgoing, cancellable, callback, user_data);
}

gboolean
op_mail_submitter_submit_finish (OpMailSubmitter  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (OP_IS_MAIL_SUBMITTER (self), FALSE);
  return OP_MAIL_SUBMITTER_GET_IFACE (self)->submit_finish (self, result, error);
}

void
op_mail_submitter_save_draft_async (OpMailSubmitter     *self,
                                    OpMailOutgoing      *draft,
                                    const char          *replaces,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (OP_IS_MAIL_SUBMITTER (self));
  g_return_if_fail (draft != NULL);
  OP_MAIL_SUBMITTER_GET_IFACE (self)->save_draft_async (self, draft, replaces, cancellable,
                                                        callback, user_data);
}

gboolean
op_mail_submitter_save_draft_finish (OpMailSubmitter  *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  g_return_val_if_fail (OP_IS_MAIL_SUBMITTER (self), FALSE);
  return OP_MAIL_SUBMITTER_GET_IFACE (self)->save_draft_finish (self, result, error);
}

void
op_mail_submitter_complete_address_async (OpMailSubmitter     *self,
                                          const char          *account_id,
                                          const char          *prefix,
                                          guint                limit,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  OpMailSubmitterInterface *iface;
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (OP_IS_MAIL_SUBMITTER (self));

  iface = OP_MAIL_SUBMITTER_GET_IFACE (self);
  if (iface->complete_address_async != NULL)
    {
      iface->complete_address_async (self, account_id, prefix, limit, cancellable, callback, user_data);
      return;
    }
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_mail_submitter_complete_address_async);
  g_task_return_pointer (task, g_ptr_array_new_with_free_func (g_free), (GDestroyNotify) g_ptr_array_unref);
}

GPtrArray *
op_mail_submitter_complete_address_finish (OpMailSubmitter  *self,
                                           GAsyncResult     *result,
                                           GError          **error)
{
  OpMailSubmitterInterface *iface;

  g_return_val_if_fail (OP_IS_MAIL_SUBMITTER (self), NULL);

  /* The empty answer of a submitter without the method, or its own. */
  if (g_async_result_is_tagged (result, op_mail_submitter_complete_address_async))
    return g_task_propagate_pointer (G_TASK (result), error);
  iface = OP_MAIL_SUBMITTER_GET_IFACE (self);
  return iface->complete_address_finish (self, result, error);
}
