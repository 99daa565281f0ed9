/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

#include "config.h"

#include <glib/gi18n.h>

#include "op-sync-dialog.h"
#include "op-sync-run.h"
#include "op-ui-resources.h"

struct _OpSyncDialog
{
  AdwWindow         parent_instance;

  OpFtpBrowser     *browser;
  OpTransferQueue  *queue;
  OpAccount        *site;
  GFile            *local_dir;
  char             *remote_path;
  OpSyncRules       rules;
  OpSyncPlan       *plan;        /* the preview on show, once complete */
  GCancellable     *cancellable; /* of the scan or the apply under way */
  GtkStringList    *preview;
  gboolean          applying;

  AdwComboRow      *direction_row;
  GtkSwitch        *delete_switch;
  GtkSwitch        *hidden_switch;
  GtkLabel         *folders_label;
  GtkLabel         *summary_label;
  GtkSpinner       *spinner;
  GtkListView      *preview_view;
};

G_DEFINE_FINAL_TYPE (OpSyncDialog, op_sync_dialog, ADW_TYPE_WINDOW)

enum
{
  SIGNAL_APPLIED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static OpSyncDirection
direction (OpSyncDialog *self)
{
  return adw_combo_row_get_selected (self->direction_row) == 1 ? OP_SYNC_TO_LOCAL
                                                                : OP_SYNC_TO_REMOTE;
}

static void
update_apply (OpSyncDialog *self)
{
  gboolean work = self->plan != NULL
                  && op_sync_plan_count (self->plan, OP_SYNC_ACTION_COPY)
                     + op_sync_plan_count (self->plan, OP_SYNC_ACTION_REPLACE)
                     + op_sync_plan_count (self->plan, OP_SYNC_ACTION_DELETE) > 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.apply", work && !self->applying);
}

/* One line of the preview, naming the target side's path. */
static char *
describe_step (OpSyncDialog *self,
               OpSyncStep   *step)
{
  g_autofree char *path = NULL;
  g_autofree char *size = step->size >= 0 ? g_format_size (step->size) : NULL;

  if (direction (self) == OP_SYNC_TO_LOCAL && step->local_path != NULL)
    path = g_filename_display_name (step->local_path);
  else
    path = g_strdup (step->remote_path);

  switch (step->action)
    {
    case OP_SYNC_ACTION_COPY:
      if (step->is_folder)
        /* Translators: a line of the synchronise preview */
        return g_strdup_printf (_("Copy the folder “%s”"), path);
      /* Translators: a line of the synchronise preview: "Copy “a.txt” (4 kB)" */
      return g_strdup_printf (_("Copy “%s” (%s)"), path, size != NULL ? size : "?");
    case OP_SYNC_ACTION_REPLACE:
      return g_strdup_printf (_("Replace “%s” (%s)"), path, size != NULL ? size : "?");
    case OP_SYNC_ACTION_DELETE:
      if (step->is_folder)
        return g_strdup_printf (_("Delete the folder “%s” and everything in it"), path);
      return g_strdup_printf (_("Delete “%s”"), path);
    case OP_SYNC_ACTION_SKIP:
    default:
      /* Translators: a line of the synchronise preview: "Skip “link”: Links are not followed" */
      return g_strdup_printf (_("Skip “%s”: %s"), path, step->reason != NULL ? step->reason : "");
    }
}

static void
show_plan (OpSyncDialog *self)
{
  GPtrArray *steps = op_sync_plan_get_steps (self->plan);
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *bytes = g_format_size (op_sync_plan_get_bytes (self->plan));
  g_autofree char *summary = NULL;

  for (guint i = 0; i < steps->len; i++)
    g_ptr_array_add (lines, describe_step (self, g_ptr_array_index (steps, i)));
  g_ptr_array_add (lines, NULL);
  gtk_string_list_splice (self->preview, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->preview)),
                          (const char * const *) lines->pdata);
  if (steps->len == 0)
    summary = g_strdup (_("Nothing to do: the folders are alike."));
  else
    /* Translators: the synchronise preview's summary: "3 to copy, 1 to replace, 0 to
     * delete, 12 kB to transfer" */
    summary = g_strdup_printf (_("%u to copy, %u to replace, %u to delete, %s to transfer"),
                               op_sync_plan_count (self->plan, OP_SYNC_ACTION_COPY),
                               op_sync_plan_count (self->plan, OP_SYNC_ACTION_REPLACE),
                               op_sync_plan_count (self->plan, OP_SYNC_ACTION_DELETE), bytes);
  gtk_label_set_text (self->summary_label, summary);
}

static void
on_scanned (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (OpSyncDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  OpSyncPlan *plan = op_sync_scan_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_spinner_stop (self->spinner);
  if (plan == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The folders could not be listed: %s"),
                                                  error->message);
      gtk_label_set_text (self->summary_label, message);
      return;
    }
  g_clear_pointer (&self->plan, op_sync_plan_free);
  self->plan = plan;
  show_plan (self);
  update_apply (self);
}

static void
rescan (OpSyncDialog *self)
{
  if (self->applying)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_pointer (&self->plan, op_sync_plan_free);
  update_apply (self);
  gtk_string_list_splice (self->preview, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->preview)), NULL);
  gtk_label_set_text (self->summary_label, _("Comparing the folders…"));
  gtk_spinner_start (self->spinner);
  op_sync_scan_async (self->browser, self->local_dir, self->remote_path, direction (self),
                      &self->rules, gtk_switch_get_active (self->hidden_switch),
                      gtk_switch_get_active (self->delete_switch), self->cancellable,
                      on_scanned, g_object_ref (self));
}

static void
on_applied (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (OpSyncDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  guint n = 0;

  self->applying = FALSE;
  gtk_spinner_stop (self->spinner);
  if (!op_sync_apply_finish (result, &n, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("Could not synchronise: %s"), error->message);
      gtk_label_set_text (self->summary_label, message);
      update_apply (self);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_APPLIED], 0, n);
  gtk_window_close (GTK_WINDOW (self));
}

static void
apply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  OpSyncDialog *self = OP_SYNC_DIALOG (widget);

  if (self->plan == NULL || self->applying)
    return;
  self->applying = TRUE;
  update_apply (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->direction_row), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->delete_switch), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->hidden_switch), FALSE);
  gtk_label_set_text (self->summary_label, _("Synchronising…"));
  gtk_spinner_start (self->spinner);
  op_sync_apply_async (self->plan, self->browser, self->queue, self->site, self->local_dir,
                       self->remote_path, self->cancellable, on_applied, g_object_ref (self));
}

static void
setup_line (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_widget_set_margin_start (label, 6);
  gtk_widget_set_margin_end (label, 6);
  gtk_widget_set_margin_top (label, 3);
  gtk_widget_set_margin_bottom (label, 3);
  gtk_list_item_set_child (item, label);
}

static void
bind_line (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  GtkStringObject *line = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  GtkWidget *row = gtk_widget_get_parent (label);

  gtk_label_set_text (GTK_LABEL (label), gtk_string_object_get_string (line));
  /* GTK 4.8 has no GtkListItem:accessible-label: name the row a screen reader walks. */
  if (row != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    gtk_string_object_get_string (line), -1);
}

static void
op_sync_dialog_dispose (GObject *object)
{
  OpSyncDialog *self = OP_SYNC_DIALOG (object);

  /* A scan stops with the dialog; an apply goes on (its deletions were agreed to). */
  if (!self->applying)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->plan, op_sync_plan_free);
  g_clear_object (&self->browser);
  g_clear_object (&self->queue);
  g_clear_object (&self->site);
  g_clear_object (&self->local_dir);
  g_clear_object (&self->preview);
  gtk_widget_dispose_template (GTK_WIDGET (self), OP_TYPE_SYNC_DIALOG);

  G_OBJECT_CLASS (op_sync_dialog_parent_class)->dispose (object);
}

static void
op_sync_dialog_finalize (GObject *object)
{
  OpSyncDialog *self = OP_SYNC_DIALOG (object);

  g_free (self->remote_path);

  G_OBJECT_CLASS (op_sync_dialog_parent_class)->finalize (object);
}

static void
op_sync_dialog_class_init (OpSyncDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_sync_dialog_dispose;
  object_class->finalize = op_sync_dialog_finalize;

  signals[SIGNAL_APPLIED] = g_signal_new ("applied", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_install_action (widget_class, "sync.apply", NULL, apply_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  _op_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "files/op-sync-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, OpSyncDialog, direction_row);
  gtk_widget_class_bind_template_child (widget_class, OpSyncDialog, delete_switch);
  gtk_widget_class_bind_template_child (widget_class, OpSyncDialog, hidden_switch);
  gtk_widget_class_bind_template_child (widget_class, OpSyncDialog, folders_label);
  gtk_widget_class_bind_template_child (widget_class, OpSyncDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, OpSyncDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, OpSyncDialog, preview_view);
}

static void
op_sync_dialog_init (OpSyncDialog *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_autoptr (GtkNoSelection) selection = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->preview = gtk_string_list_new (NULL);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->preview)));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_line), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_line), NULL);
  gtk_list_view_set_factory (self->preview_view, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->preview_view, GTK_SELECTION_MODEL (selection));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.apply", FALSE);
}

/**
 * op_sync_dialog_new:
 *
 * Returns: (transfer none): the dialog, shown, comparing the folders already
 */
OpSyncDialog *
op_sync_dialog_new (GtkWindow         *parent,
                    OpFtpBrowser      *browser,
                    OpTransferQueue   *queue,
                    OpAccount         *site,
                    GFile             *local_dir,
                    const char        *remote_path,
                    const OpSyncRules *rules)
{
  OpSyncDialog *self;
  g_autofree char *local = NULL;
  g_autofree char *folders = NULL;
  const char *by;

  g_return_val_if_fail (OP_IS_FTP_BROWSER (browser), NULL);
  g_return_val_if_fail (OP_IS_TRANSFER_QUEUE (queue), NULL);
  g_return_val_if_fail (OP_IS_ACCOUNT (site), NULL);
  g_return_val_if_fail (G_IS_FILE (local_dir), NULL);
  g_return_val_if_fail (remote_path != NULL, NULL);
  g_return_val_if_fail (rules != NULL, NULL);

  self = g_object_new (OP_TYPE_SYNC_DIALOG, "transient-for", parent, NULL);
  self->browser = g_object_ref (browser);
  self->queue = g_object_ref (queue);
  self->site = g_object_ref (site);
  self->local_dir = g_object_ref (local_dir);
  self->remote_path = g_strdup (remote_path);
  self->rules = *rules;

  local = g_file_get_parse_name (local_dir);
  if ((rules->criteria & OP_SYNC_BY_SIZE) && (rules->criteria & OP_SYNC_BY_DATE))
    by = _("size and date");
  else if (rules->criteria & OP_SYNC_BY_SIZE)
    by = _("size");
  else
    by = _("date");
  /* Translators: "“/home/ann/site” here and “/www” on the server, compared by size and date." */
  folders = g_strdup_printf (_("“%s” here and “%s” on the server, compared by %s."),
                             local, remote_path, by);
  gtk_label_set_text (self->folders_label, folders);

  g_signal_connect_object (self->direction_row, "notify::selected", G_CALLBACK (rescan), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->delete_switch, "notify::active", G_CALLBACK (rescan), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->hidden_switch, "notify::active", G_CALLBACK (rescan), self,
                           G_CONNECT_SWAPPED);
  rescan (self);
  gtk_window_present (GTK_WINDOW (self));
  return self;
}

void
op_sync_dialog_set_direction (OpSyncDialog    *self,
                              OpSyncDirection  dir)
{
  g_return_if_fail (OP_IS_SYNC_DIALOG (self));
  adw_combo_row_set_selected (self->direction_row, dir == OP_SYNC_TO_LOCAL ? 1 : 0);
}

void
op_sync_dialog_set_delete (OpSyncDialog *self,
                           gboolean      delete_extra)
{
  g_return_if_fail (OP_IS_SYNC_DIALOG (self));
  gtk_switch_set_active (self->delete_switch, delete_extra);
}

GListModel *
op_sync_dialog_get_preview (OpSyncDialog *self)
{
  g_return_val_if_fail (OP_IS_SYNC_DIALOG (self), NULL);
  return G_LIST_MODEL (self->preview);
}

gboolean
op_sync_dialog_is_ready (OpSyncDialog *self)
{
  g_return_val_if_fail (OP_IS_SYNC_DIALOG (self), FALSE);
  return self->plan != NULL && !self->applying;
}
