/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "op-trust-dialog.h"
#include "op-ui-trust-prompt.h"

struct _OpUiTrustPrompt
{
  GObject  parent_instance;

  GWeakRef application; /* GtkApplication */
};

static void op_ui_trust_prompt_iface_init (OpTrustPromptInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OpUiTrustPrompt, op_ui_trust_prompt, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OP_TYPE_TRUST_PROMPT,
                                                      op_ui_trust_prompt_iface_init))

enum
{
  PROP_0,
  PROP_APPLICATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
on_dialog_chosen (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  OpTrustDecision decision;

  decision = op_trust_dialog_choose_finish (OP_TRUST_DIALOG (source), result, &error);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_int (task, decision);
}

static GtkWindow *
find_parent (GtkApplication *application)
{
  GtkWindow *parent;

  if (application == NULL)
    return NULL;

  /* A question about a connection deserves the window it belongs to; when none is open
   * (a background session), open the main window rather than float a lone dialog. */
  parent = gtk_application_get_active_window (application);
  if (parent == NULL)
    {
      g_application_activate (G_APPLICATION (application));
      parent = gtk_application_get_active_window (application);
    }

  return parent;
}

static void
op_ui_trust_prompt_ask_async (OpTrustPrompt       *prompt,
                              OpCertificateInfo   *info,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  OpUiTrustPrompt *self = OP_UI_TRUST_PROMPT (prompt);
  g_autoptr (GtkApplication) application = NULL;
  g_autoptr (GTask) task = NULL;
  OpTrustDialog *dialog;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_ui_trust_prompt_ask_async);

  application = g_weak_ref_get (&self->application);
  dialog = op_trust_dialog_new (find_parent (application), info);
  if (application != NULL)
    gtk_window_set_application (GTK_WINDOW (dialog), application);

  op_trust_dialog_choose_async (dialog, cancellable, on_dialog_chosen, g_steal_pointer (&task));
}

static OpTrustDecision
op_ui_trust_prompt_ask_finish (OpTrustPrompt  *prompt,
                               GAsyncResult   *result,
                               GError        **error)
{
  gssize decision;

  g_return_val_if_fail (g_task_is_valid (result, prompt), OP_TRUST_DECISION_CANCEL);

  decision = g_task_propagate_int (G_TASK (result), error);
  if (decision < 0)
    return OP_TRUST_DECISION_CANCEL;

  return (OpTrustDecision) decision;
}

static void
op_ui_trust_prompt_iface_init (OpTrustPromptInterface *iface)
{
  iface->ask_async = op_ui_trust_prompt_ask_async;
  iface->ask_finish = op_ui_trust_prompt_ask_finish;
}

static void
op_ui_trust_prompt_finalize (GObject *object)
{
  OpUiTrustPrompt *self = OP_UI_TRUST_PROMPT (object);

  g_weak_ref_clear (&self->application);

  G_OBJECT_CLASS (op_ui_trust_prompt_parent_class)->finalize (object);
}

static void
op_ui_trust_prompt_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  OpUiTrustPrompt *self = OP_UI_TRUST_PROMPT (object);

  switch (prop_id)
    {
    case PROP_APPLICATION:
      g_value_take_object (value, g_weak_ref_get (&self->application));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_ui_trust_prompt_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  OpUiTrustPrompt *self = OP_UI_TRUST_PROMPT (object);

  switch (prop_id)
    {
    case PROP_APPLICATION:
      g_weak_ref_set (&self->application, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_ui_trust_prompt_class_init (OpUiTrustPromptClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = op_ui_trust_prompt_finalize;
  object_class->get_property = op_ui_trust_prompt_get_property;
  object_class->set_property = op_ui_trust_prompt_set_property;

  /**
   * OpUiTrustPrompt:application:
   *
   * The application whose active window the dialogs are shown over (held weakly).
   */
  properties[PROP_APPLICATION] =
    g_param_spec_object ("application", NULL, NULL,
                         GTK_TYPE_APPLICATION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_ui_trust_prompt_init (OpUiTrustPrompt *self)
{
  g_weak_ref_init (&self->application, NULL);
}

/**
 * op_ui_trust_prompt_new:
 * @application: (nullable): the application to show the dialogs in
 *
 * Returns: (transfer full): a new prompt
 */
OpUiTrustPrompt *
op_ui_trust_prompt_new (GtkApplication *application)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);

  return g_object_new (OP_TYPE_UI_TRUST_PROMPT, "application", application, NULL);
}

/**
 * op_ui_trust_prompt_dup_application:
 * @self: the prompt
 *
 * Returns: (transfer full) (nullable): the application, if it is still alive
 */
GtkApplication *
op_ui_trust_prompt_dup_application (OpUiTrustPrompt *self)
{
  g_return_val_if_fail (OP_IS_UI_TRUST_PROMPT (self), NULL);

  return g_weak_ref_get (&self->application);
}
