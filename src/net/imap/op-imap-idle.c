/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <glib/gi18n.h>

#include "op-imap-client-private.h"

/*
 * IDLE (RFC 2177): the server's untagged responses arrive as events while the worker
 * waits; any other call (queued behind it), op_imap_client_idle_stop() or the caller's
 * cancellable ends the wait with DONE, and a timer re-issues IDLE before the server's
 * inactivity limit.
 */

/* RFC 2177 §3: clients re-issue IDLE at least every 29 minutes. */
#define IDLE_REFRESH_SECONDS (25 * 60)

static void
cancel_wake (GCancellable *cancellable,
             gpointer      data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
}

static gboolean
refresh_idle (gpointer data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
  return G_SOURCE_REMOVE;
}

static gboolean
do_idle (OpImapClient  *self,
         guint          serial,
         GCancellable  *cancellable,
         GError       **error)
{
  if (!_op_imap_need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return FALSE;
  if (!_op_imap_has_cap (self, "IDLE"))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                           _("The server does not support IDLE."));
      return FALSE;
    }

  for (;;)
    {
      g_autoptr(GCancellable) wake = g_cancellable_new ();
      g_autofree char *tag = _op_imap_next_tag (self);
      g_autofree char *verb = g_strdup_printf ("%s IDLE", tag);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(OpImapResponse) done = NULL;
      gulong handler = 0;
      guint timeout;
      GSource *refresh;
      OpImapState before = self->w_state;
      gboolean refreshed;
      gboolean stopped;

      op_session_lock_settings (OP_SESSION (self));
      /* A stop asked for after this IDLE was queued, before @wake existed, ends it
       * before it starts (serials compare modulo wrap-around). */
      stopped = (gint) (self->idle_stopped - serial) >= 0;
      if (!stopped)
        g_set_object (&self->idle_wake, wake);
      op_session_unlock_settings (OP_SESSION (self));
      /* So does a call queued before @wake existed. */
      if (stopped || op_session_get_n_queued (OP_SESSION (self)) > 0 ||
          g_cancellable_is_cancelled (cancellable))
        break;
      if (cancellable != NULL)
        handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_wake),
                                         g_object_ref (wake), g_object_unref);

      if (!op_session_send (OP_SESSION (self), verb, NULL, OP_SEND_PLAIN, NULL, error))
        {
          g_cancellable_disconnect (cancellable, handler);
          return FALSE;
        }
      for (;;)
        {
          g_autoptr(OpImapResponse) r = _op_imap_read_response (self, NULL, error);

          if (r == NULL)
            {
              g_cancellable_disconnect (cancellable, handler);
              return FALSE;
            }
          if (r->kind == OP_IMAP_RESPONSE_CONTINUATION)
            break;
          if (r->kind == OP_IMAP_RESPONSE_TAGGED)
            {
              g_cancellable_disconnect (cancellable, handler);
              if (g_strcmp0 (r->tag, tag) == 0)
                {
                  op_session_set_in_command (OP_SESSION (self), FALSE);
                  g_propagate_error (error, op_imap_error_from_response (r, "IDLE",
                                                                         OP_IMAP_COMMAND_OTHER));
                  return FALSE;
                }
              _op_imap_unexpected_tag (self, error);
              return FALSE;
            }
          if (!_op_imap_dispatch_untagged (self, r, NULL, NULL, error))
            {
              g_cancellable_disconnect (cancellable, handler);
              return FALSE;
            }
        }
      _op_imap_set_state (self, OP_IMAP_STATE_IDLE);

      /* Waiting has no time limit; the refresh timer re-issues IDLE. */
      timeout = op_session_set_io_timeout (OP_SESSION (self), 0);
      refresh = g_timeout_source_new_seconds (IDLE_REFRESH_SECONDS);
      g_source_set_callback (refresh, refresh_idle, g_object_ref (wake), g_object_unref);
      g_source_attach (refresh, op_session_get_context (OP_SESSION (self)));

      for (;;)
        {
          g_autoptr(OpImapResponse) r = NULL;

          self->w_idle_waiting = TRUE;
          r = _op_imap_read_response (self, wake, &local_error);
          self->w_idle_waiting = FALSE;
          if (r == NULL)
            break;
          if (r->kind != OP_IMAP_RESPONSE_STATUS && r->kind != OP_IMAP_RESPONSE_DATA)
            {
              g_clear_error (&local_error);
              local_error = g_error_new_literal (OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                                                 _("The server sent an unexpected response during IDLE."));
              break;
            }
          if (!_op_imap_dispatch_untagged (self, r, NULL, NULL, &local_error))
            break;
        }
      g_source_destroy (refresh);
      g_source_unref (refresh);
      op_session_set_io_timeout (OP_SESSION (self), timeout);
      g_cancellable_disconnect (cancellable, handler);
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          if (op_session_is_connected (OP_SESSION (self)))
            _op_imap_fail (self, g_steal_pointer (&local_error), error);
          else
            g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_clear_error (&local_error);

      /* RFC 2177: DONE ends IDLE; the server then completes the IDLE command. */
      if (!op_session_send (OP_SESSION (self), "DONE", NULL, OP_SEND_PLAIN, NULL, error))
        return FALSE;
      for (;;)
        {
          g_autoptr(OpImapResponse) r = _op_imap_read_response (self, NULL, error);

          if (r == NULL)
            return FALSE;
          if (r->kind == OP_IMAP_RESPONSE_TAGGED)
            {
              if (g_strcmp0 (r->tag, tag) != 0)
                {
                  _op_imap_unexpected_tag (self, error);
                  return FALSE;
                }
              op_session_set_in_command (OP_SESSION (self), FALSE);
              done = g_steal_pointer (&r);
              break;
            }
          if (!_op_imap_dispatch_untagged (self, r, NULL, NULL, error))
            return FALSE;
        }
      _op_imap_set_state (self, before == OP_IMAP_STATE_IDLE ? OP_IMAP_STATE_SELECTED : before);
      if (done->status != OP_IMAP_STATUS_OK)
        {
          g_propagate_error (error, op_imap_error_from_response (done, "IDLE",
                                                                 OP_IMAP_COMMAND_OTHER));
          return FALSE;
        }
      /* Ended by the refresh timer only: IDLE again. */
      refreshed = !g_cancellable_is_cancelled (cancellable) &&
                  op_session_get_n_queued (OP_SESSION (self)) == 0;
      op_session_lock_settings (OP_SESSION (self));
      refreshed = refreshed && self->idle_wake == wake;
      op_session_unlock_settings (OP_SESSION (self));
      if (!refreshed)
        break;
    }

  op_session_lock_settings (OP_SESSION (self));
  g_clear_object (&self->idle_wake);
  op_session_unlock_settings (OP_SESSION (self));
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return TRUE;
}

void
op_imap_client_idle_stop (OpImapClient *self)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));

  op_session_lock_settings (OP_SESSION (self));
  self->idle_stopped = self->idle_serial;
  if (self->idle_wake != NULL)
    {
      g_cancellable_cancel (self->idle_wake);
      g_clear_object (&self->idle_wake);
    }
  op_session_unlock_settings (OP_SESSION (self));
}


static gpointer
job_idle (OpSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  OpImapJob *job = data;

  if (!do_idle (OP_IMAP_CLIENT (session), job->uid, cancellable, error))
    return NULL;
  return OP_SESSION_JOB_OK;
}

void
op_imap_client_idle_async (OpImapClient        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));

  OpImapJob *job = g_new0 (OpImapJob, 1);

  /* A new IDLE stops the old one before it is queued: stopping after would, when the
   * worker had already picked it up, end the new IDLE itself at once. */
  op_imap_client_idle_stop (self);
  op_session_lock_settings (OP_SESSION (self));
  job->uid = ++self->idle_serial;
  op_session_unlock_settings (OP_SESSION (self));
  op_session_call (OP_SESSION (self), op_imap_client_idle_async, job_idle, job,
                   (GDestroyNotify) _op_imap_job_free, NULL, OP_SESSION_JOB_NONE, cancellable,
                   callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpImapClient, op_imap_client, idle)
