/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-trust-dialog.h"
#include "op-ui-resources.h"

/* The fingerprint is shown as four lines of eight byte pairs, so it fits the dialog in a
 * monospace font and is easy to compare a line at a time. */
#define FINGERPRINT_PAIRS_PER_LINE 8

struct _OpTrustDialog
{
  AdwMessageDialog   parent_instance;

  OpCertificateInfo *info;
  GTask             *task;          /* the pending choose_async(), if any */
  GSource           *cancel_source; /* fires on the task's context when it is cancelled */

  GtkWidget         *mismatch_warning;
  GtkLabel          *subject_label;
  GtkLabel          *issuer_label;
  GtkLabel          *not_before_label;
  GtkLabel          *not_after_label;
  GtkLabel          *fingerprint_label;
};

G_DEFINE_FINAL_TYPE (OpTrustDialog, op_trust_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum
{
  PROP_0,
  PROP_INFO,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static OpTrustDecision
decision_for_response (const char *response)
{
  if (g_strcmp0 (response, "once") == 0)
    return OP_TRUST_DECISION_ONCE;
  if (g_strcmp0 (response, "always") == 0)
    return OP_TRUST_DECISION_ALWAYS;
  return OP_TRUST_DECISION_CANCEL;
}

/* Ends the pending choose_async(): with @decision, or with G_IO_ERROR_CANCELLED when the
 * caller withdrew the question. */
static void
op_trust_dialog_complete (OpTrustDialog   *self,
                          OpTrustDecision  decision,
                          gboolean         withdrawn)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->task);

  if (self->cancel_source != NULL)
    {
      g_source_destroy (self->cancel_source);
      g_clear_pointer (&self->cancel_source, g_source_unref);
    }

  if (task == NULL)
    return;

  if (withdrawn)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _("The connection no longer needs an answer"));
  else
    g_task_return_int (task, decision);
}

static char *
format_host_port (const char *host,
                  guint16     port)
{
  /* An IPv6 literal needs brackets, or its colons run into the port's. */
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

static char *
format_date (GDateTime *when)
{
  g_autoptr (GDateTime) local = NULL;
  char *text;

  if (when == NULL)
    return g_strdup (_("Unknown"));

  local = g_date_time_to_local (when);
  /* Translators: how the dates a certificate is valid from and until are shown, in
   * g_date_time_format() notation, e.g. “November 22, 2026 01:15”.
   * xgettext:no-c-format */
  text = g_date_time_format (local, _("%B %-d, %Y %H:%M"));
  if (text == NULL)
    text = g_date_time_format (local, "%c");
  return text;
}

static char *
format_fingerprint (const char *fingerprint)
{
  g_auto (GStrv) pairs = NULL;
  GString *text;

  if (fingerprint == NULL || *fingerprint == '\0')
    return g_strdup (_("Unknown"));

  pairs = g_strsplit (fingerprint, ":", -1);
  text = g_string_new (NULL);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (text, i % FINGERPRINT_PAIRS_PER_LINE == 0 ? ":\n" : ":");
      g_string_append (text, pairs[i]);
    }

  return g_string_free (text, FALSE);
}

static void
set_field (GtkLabel   *label,
           const char *value)
{
  gtk_label_set_label (label, value != NULL && *value != '\0' ? value : _("Unknown"));
}

static void
op_trust_dialog_show_info (OpTrustDialog *self)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (self);
  g_autofree char *where = NULL;
  g_autofree char *problems = NULL;
  g_autofree char *intro = NULL;
  g_autofree char *body = NULL;
  g_autofree char *not_before = NULL;
  g_autofree char *not_after = NULL;
  g_autofree char *fingerprint = NULL;
  const char *advice;
  gboolean pin_mismatch;

  where = format_host_port (op_certificate_info_get_host (self->info),
                            op_certificate_info_get_port (self->info));
  problems = op_certificate_info_describe_errors (self->info);
  pin_mismatch = op_certificate_info_get_pin_mismatch (self->info);

  if (pin_mismatch)
    {
      adw_message_dialog_set_heading (dialog, _("Certificate Changed"));
      advice = _("Cancel unless you know that the server’s certificate was replaced. "
                 "Whoever holds this certificate could read your password and data.");
      /* describe_errors() starts with the changed pin; the advice goes after it. */
      body = problems != NULL && *problems != '\0'
               ? g_strconcat (problems, "\n\n", advice, NULL)
               : g_strdup (advice);
    }
  else
    {
      adw_message_dialog_set_heading (dialog, _("Untrusted Certificate"));
      intro = g_strdup_printf (
          /* Translators: %s is a server, e.g. “ftp.example.com:21” */
          _("The identity of “%s” could not be verified. Trust its certificate only if you "
            "can compare the fingerprint below with one you got from the server’s owner."),
          where);
      body = problems != NULL && *problems != '\0'
               ? g_strconcat (intro, "\n\n", problems, NULL)
               : g_steal_pointer (&intro);
    }
  adw_message_dialog_set_body (dialog, body);

  /* A changed pin may mean interception: make trusting it look dangerous and leave
   * Cancel as the one obvious choice. */
  gtk_widget_set_visible (self->mismatch_warning, pin_mismatch);
  adw_message_dialog_set_response_appearance (dialog, "cancel",
                                              pin_mismatch ? ADW_RESPONSE_SUGGESTED
                                                           : ADW_RESPONSE_DEFAULT);
  adw_message_dialog_set_response_appearance (dialog, "once",
                                              pin_mismatch ? ADW_RESPONSE_DESTRUCTIVE
                                                           : ADW_RESPONSE_DEFAULT);
  adw_message_dialog_set_response_appearance (dialog, "always",
                                              pin_mismatch ? ADW_RESPONSE_DESTRUCTIVE
                                                           : ADW_RESPONSE_DEFAULT);
  /* Set here rather than in the template: the template's properties are applied before
   * its responses exist, so the default button would never be marked. */
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");

  set_field (self->subject_label, op_certificate_info_get_subject (self->info));
  set_field (self->issuer_label, op_certificate_info_get_issuer (self->info));

  not_before = format_date (op_certificate_info_get_not_before (self->info));
  not_after = format_date (op_certificate_info_get_not_after (self->info));
  set_field (self->not_before_label, not_before);
  set_field (self->not_after_label, not_after);

  fingerprint = format_fingerprint (op_certificate_info_get_sha256 (self->info));
  set_field (self->fingerprint_label, fingerprint);
  /* Read the fingerprint as one value, not as four lines. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->fingerprint_label),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  op_certificate_info_get_sha256 (self->info),
                                  -1);
}

static void
op_trust_dialog_response (AdwMessageDialog *dialog,
                          const char       *response)
{
  OpTrustDialog *self = OP_TRUST_DIALOG (dialog);

  op_trust_dialog_complete (self, decision_for_response (response), FALSE);
}

static gboolean
cancel_if_unanswered (gpointer data)
{
  op_trust_dialog_complete (OP_TRUST_DIALOG (data), OP_TRUST_DECISION_CANCEL, FALSE);

  return G_SOURCE_REMOVE;
}

static void
op_trust_dialog_unrealize (GtkWidget *widget)
{
  OpTrustDialog *self = OP_TRUST_DIALOG (widget);

  GTK_WIDGET_CLASS (op_trust_dialog_parent_class)->unrealize (widget);

  /* Destroyed without an answer (its parent went away, the application quit): that is
   * no trust. gtk_window_destroy() keeps the dialog alive while the task holds it, so
   * dispose would not tell us. A dialog closes before it emits its response, so look
   * again once that had its chance. */
  if (self->task != NULL)
    g_idle_add_full (G_PRIORITY_DEFAULT, cancel_if_unanswered,
                     g_object_ref (self), g_object_unref);
}

static void
op_trust_dialog_constructed (GObject *object)
{
  OpTrustDialog *self = OP_TRUST_DIALOG (object);

  G_OBJECT_CLASS (op_trust_dialog_parent_class)->constructed (object);

  g_assert (self->info != NULL);
  op_trust_dialog_show_info (self);
}

static void
op_trust_dialog_dispose (GObject *object)
{
  OpTrustDialog *self = OP_TRUST_DIALOG (object);

  /* Destroyed without an answer (the application quit, the parent went away): that is
   * no trust. */
  op_trust_dialog_complete (self, OP_TRUST_DECISION_CANCEL, FALSE);

  gtk_widget_dispose_template (GTK_WIDGET (self), OP_TYPE_TRUST_DIALOG);

  G_OBJECT_CLASS (op_trust_dialog_parent_class)->dispose (object);
}

static void
op_trust_dialog_finalize (GObject *object)
{
  OpTrustDialog *self = OP_TRUST_DIALOG (object);

  g_clear_object (&self->info);

  G_OBJECT_CLASS (op_trust_dialog_parent_class)->finalize (object);
}

static void
op_trust_dialog_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  OpTrustDialog *self = OP_TRUST_DIALOG (object);

  switch (prop_id)
    {
    case PROP_INFO:
      g_value_set_object (value, self->info);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_trust_dialog_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  OpTrustDialog *self = OP_TRUST_DIALOG (object);

  switch (prop_id)
    {
    case PROP_INFO:
      self->info = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_trust_dialog_class_init (OpTrustDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  AdwMessageDialogClass *dialog_class = ADW_MESSAGE_DIALOG_CLASS (klass);

  object_class->constructed = op_trust_dialog_constructed;
  object_class->dispose = op_trust_dialog_dispose;
  object_class->finalize = op_trust_dialog_finalize;
  object_class->get_property = op_trust_dialog_get_property;
  object_class->set_property = op_trust_dialog_set_property;

  widget_class->unrealize = op_trust_dialog_unrealize;

  dialog_class->response = op_trust_dialog_response;

  /**
   * OpTrustDialog:info:
   *
   * The certificate the user is asked about.
   */
  properties[PROP_INFO] =
    g_param_spec_object ("info", NULL, NULL,
                         OP_TYPE_CERTIFICATE_INFO,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  _op_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "op-trust-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, OpTrustDialog, mismatch_warning);
  gtk_widget_class_bind_template_child (widget_class, OpTrustDialog, subject_label);
  gtk_widget_class_bind_template_child (widget_class, OpTrustDialog, issuer_label);
  gtk_widget_class_bind_template_child (widget_class, OpTrustDialog, not_before_label);
  gtk_widget_class_bind_template_child (widget_class, OpTrustDialog, not_after_label);
  gtk_widget_class_bind_template_child (widget_class, OpTrustDialog, fingerprint_label);
}

static void
op_trust_dialog_init (OpTrustDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * op_trust_dialog_new:
 * @parent: (nullable): the window the question is about
 * @info: the certificate to ask about
 *
 * Returns: (transfer none): a new dialog, not yet shown; it is owned by GTK's toplevel
 *   list and destroys itself when answered.
 */
OpTrustDialog *
op_trust_dialog_new (GtkWindow         *parent,
                     OpCertificateInfo *info)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (OP_IS_CERTIFICATE_INFO (info), NULL);

  return g_object_new (OP_TYPE_TRUST_DIALOG,
                       "transient-for", parent,
                       "info", info,
                       NULL);
}

OpCertificateInfo *
op_trust_dialog_get_info (OpTrustDialog *self)
{
  g_return_val_if_fail (OP_IS_TRUST_DIALOG (self), NULL);

  return self->info;
}

static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  OpTrustDialog *self = OP_TRUST_DIALOG (user_data);

  op_trust_dialog_complete (self, OP_TRUST_DECISION_CANCEL, TRUE);
  gtk_window_destroy (GTK_WINDOW (self));

  return G_SOURCE_REMOVE;
}

/**
 * op_trust_dialog_choose_async:
 * @self: a dialog that was not asked yet
 * @cancellable: (nullable): withdraws the question and closes the dialog
 * @callback: called with the user's answer
 * @user_data: (closure): passed to @callback
 *
 * Presents the dialog and waits for the user's answer.
 */
void
op_trust_dialog_choose_async (OpTrustDialog       *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (OP_IS_TRUST_DIALOG (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (self->task == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_trust_dialog_choose_async);

  if (g_task_return_error_if_cancelled (task))
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  self->task = g_steal_pointer (&task);

  /* The caller may cancel from a worker thread: a cancellable source brings that to the
   * context the dialog lives on. */
  if (cancellable != NULL)
    {
      self->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancel_source, G_SOURCE_FUNC (on_cancelled), self, NULL);
      g_source_set_static_name (self->cancel_source, "[outpost] trust dialog withdrawn");
      g_source_attach (self->cancel_source, g_task_get_context (self->task));
    }

  gtk_window_present (GTK_WINDOW (self));
}

/**
 * op_trust_dialog_choose_finish:
 * @self: the dialog
 * @result: the result passed to the callback
 * @error: %G_IO_ERROR_CANCELLED when the question was withdrawn
 *
 * Returns: the user's decision; %OP_TRUST_DECISION_CANCEL on error
 */
OpTrustDecision
op_trust_dialog_choose_finish (OpTrustDialog  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  gssize decision;

  g_return_val_if_fail (OP_IS_TRUST_DIALOG (self), OP_TRUST_DECISION_CANCEL);
  g_return_val_if_fail (g_task_is_valid (result, self), OP_TRUST_DECISION_CANCEL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == op_trust_dialog_choose_async,
                        OP_TRUST_DECISION_CANCEL);

  decision = g_task_propagate_int (G_TASK (result), error);
  if (decision < 0)
    return OP_TRUST_DECISION_CANCEL;

  return (OpTrustDecision) decision;
}
