/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include <glib/gi18n.h>

#include "op-test-prompt.h"

struct _OpTestPrompt
{
  GObject            parent_instance;

  OpTrustDecision    decision;
  gboolean           pending;

  /* Read by test code on other threads while the main loop asks. */
  GMutex             lock;
  guint              n_asked;
  OpCertificateInfo *last_info;
  GThread           *thread;
  gboolean           cancelled;
  GThread           *cancel_thread;
  GPtrArray         *pending_tasks;  /* unanswered questions of a pending prompt */
};

static void op_test_prompt_iface_init (OpTrustPromptInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OpTestPrompt, op_test_prompt, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OP_TYPE_TRUST_PROMPT,
                                                      op_test_prompt_iface_init))

enum
{
  ASKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
answer_now (gpointer data)
{
  GTask *task = data;
  OpTestPrompt *self = g_task_get_source_object (task);

  g_task_return_int (task, self->decision);

  return G_SOURCE_REMOVE;
}

/* Connected with g_signal_connect_object(): the cancellable does not keep the task
 * alive (the task holds the cancellable; the reverse would be a cycle). */
static void
on_cancelled (GCancellable *cancellable,
              gpointer      data)
{
  GTask *task = data;
  OpTestPrompt *self = g_task_get_source_object (task);

  g_mutex_lock (&self->lock);
  self->cancelled = TRUE;
  self->cancel_thread = g_thread_self ();
  g_mutex_unlock (&self->lock);

  if (self->pending)
    {
      g_autoptr(GTask) owned = g_object_ref (task);

      if (g_ptr_array_remove (self->pending_tasks, task))
        g_task_return_error_if_cancelled (owned);
    }
}

static void
op_test_prompt_ask_async (OpTrustPrompt       *prompt,
                          OpCertificateInfo   *info,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  OpTestPrompt *self = OP_TEST_PROMPT (prompt);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, op_test_prompt_ask_async);

  g_mutex_lock (&self->lock);
  self->n_asked++;
  g_set_object (&self->last_info, info);
  self->thread = g_thread_self ();
  g_mutex_unlock (&self->lock);

  g_signal_emit (self, signals[ASKED], 0);

  if (self->pending)
    {
      /* A dialog that stays open: only cancellation ends it. */
      g_ptr_array_add (self->pending_tasks, g_object_ref (task));
      if (cancellable != NULL)
        g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (on_cancelled),
                                 task, 0);
      return;
    }

  if (cancellable != NULL)
    g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (on_cancelled), task, 0);
  g_idle_add_full (G_PRIORITY_DEFAULT, answer_now, g_steal_pointer (&task), g_object_unref);
}

static OpTrustDecision
op_test_prompt_ask_finish (OpTrustPrompt  *prompt,
                           GAsyncResult   *result,
                           GError        **error)
{
  gssize decision = g_task_propagate_int (G_TASK (result), error);

  return decision < 0 ? OP_TRUST_DECISION_CANCEL : (OpTrustDecision) decision;
}

static void
op_test_prompt_iface_init (OpTrustPromptInterface *iface)
{
  iface->ask_async = op_test_prompt_ask_async;
  iface->ask_finish = op_test_prompt_ask_finish;
}

static void
op_test_prompt_finalize (GObject *object)
{
  OpTestPrompt *self = OP_TEST_PROMPT (object);

  g_clear_object (&self->last_info);
  g_clear_pointer (&self->pending_tasks, g_ptr_array_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (op_test_prompt_parent_class)->finalize (object);
}

static void
op_test_prompt_class_init (OpTestPromptClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_test_prompt_finalize;

  signals[ASKED] = g_signal_new ("asked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
op_test_prompt_init (OpTestPrompt *self)
{
  g_mutex_init (&self->lock);
  self->pending_tasks = g_ptr_array_new_with_free_func (g_object_unref);
}

OpTestPrompt *
op_test_prompt_new (OpTrustDecision decision)
{
  OpTestPrompt *self = g_object_new (OP_TYPE_TEST_PROMPT, NULL);

  self->decision = decision;

  return self;
}

OpTestPrompt *
op_test_prompt_new_pending (void)
{
  OpTestPrompt *self = g_object_new (OP_TYPE_TEST_PROMPT, NULL);

  self->pending = TRUE;

  return self;
}

guint
op_test_prompt_get_n_asked (OpTestPrompt *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->n_asked;
  g_mutex_unlock (&self->lock);

  return n;
}

OpCertificateInfo *
op_test_prompt_get_last_info (OpTestPrompt *self)
{
  OpCertificateInfo *info;

  g_mutex_lock (&self->lock);
  info = self->last_info;
  g_mutex_unlock (&self->lock);

  return info;
}

GThread *
op_test_prompt_get_thread (OpTestPrompt *self)
{
  GThread *thread;

  g_mutex_lock (&self->lock);
  thread = self->thread;
  g_mutex_unlock (&self->lock);

  return thread;
}

gboolean
op_test_prompt_get_cancelled (OpTestPrompt *self)
{
  gboolean cancelled;

  g_mutex_lock (&self->lock);
  cancelled = self->cancelled;
  g_mutex_unlock (&self->lock);

  return cancelled;
}

GThread *
op_test_prompt_get_cancel_thread (OpTestPrompt *self)
{
  GThread *thread;

  g_mutex_lock (&self->lock);
  thread = self->cancel_thread;
  g_mutex_unlock (&self->lock);

  return thread;
}
