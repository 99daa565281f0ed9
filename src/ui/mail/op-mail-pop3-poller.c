/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include "op-mail-pop3-poller.h"
#include "op-mail-pop3-sync.h"

struct _OpMailPop3Poller
{
  GObject         parent_instance;

  OpMailPop3Sync *sync;
  GCancellable   *cancellable;
  guint           timer;
  gboolean        running;
};

enum
{
  SIGNAL_ERROR,
  SIGNAL_FETCHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OpMailPop3Poller, op_mail_pop3_poller, G_TYPE_OBJECT)

static void run (OpMailPop3Poller *self);

static void
on_run (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr (OpMailPop3Poller) self = user_data;
  g_autoptr (GError) error = NULL;
  guint downloaded = 0, deleted = 0;

  self->running = FALSE;
  if (!op_mail_pop3_sync_run_finish (OP_MAIL_POP3_SYNC (source), result, &downloaded, &deleted, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
      return;
    }
  g_debug ("POP3: %u downloaded, %u deleted on the server", downloaded, deleted);
  g_signal_emit (self, signals[SIGNAL_FETCHED], 0);
}

static gboolean
on_timer (gpointer data)
{
  run (data);
  return G_SOURCE_CONTINUE;
}

static void
run (OpMailPop3Poller *self)
{
  /* A slow session still running when the next one is due: that one is enough. */
  if (self->running)
    return;
  self->running = TRUE;
  op_mail_pop3_sync_run_async (self->sync, self->cancellable, on_run, g_object_ref (self));
}

void
op_mail_pop3_poller_start (OpMailPop3Poller *self)
{
  g_return_if_fail (OP_IS_MAIL_POP3_POLLER (self));

  if (self->timer == 0)
    self->timer = g_timeout_add_seconds (OP_MAIL_POP3_POLL_MINUTES * 60, on_timer, self);
  run (self);
}

static void
op_mail_pop3_poller_dispose (GObject *object)
{
  OpMailPop3Poller *self = OP_MAIL_POP3_POLLER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer, g_source_remove);
  G_OBJECT_CLASS (op_mail_pop3_poller_parent_class)->dispose (object);
}

static void
op_mail_pop3_poller_finalize (GObject *object)
{
  OpMailPop3Poller *self = OP_MAIL_POP3_POLLER (object);

  g_clear_object (&self->sync);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (op_mail_pop3_poller_parent_class)->finalize (object);
}

static void
op_mail_pop3_poller_class_init (OpMailPop3PollerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_mail_pop3_poller_dispose;
  object_class->finalize = op_mail_pop3_poller_finalize;

  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_FETCHED] =
    g_signal_new ("fetched", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
op_mail_pop3_poller_init (OpMailPop3Poller *self)
{
  self->cancellable = g_cancellable_new ();
}

OpMailPop3Poller *
op_mail_pop3_poller_new (OpMailStore   *store,
                         OpAccount     *account,
                         const char    *password,
                         OpTlsVerifier *verifier)
{
  OpMailPop3Poller *self;

  g_return_val_if_fail (OP_IS_MAIL_STORE (store), NULL);
  g_return_val_if_fail (OP_IS_ACCOUNT (account), NULL);

  self = g_object_new (OP_TYPE_MAIL_POP3_POLLER, NULL);
  self->sync = op_mail_pop3_sync_new_for_account (store, account);
  op_mail_pop3_sync_set_password (self->sync, password);
  if (verifier != NULL)
    op_mail_pop3_sync_set_verifier (self->sync, verifier);
  return self;
}
