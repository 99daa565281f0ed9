/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

/* The Files view's transfers: the queue's list and its rows, the "target exists" dialog,
 * download and upload of the selection, and View/Edit of a remote file. */

#include "config.h"

#include <glib/gi18n.h>

#include "op-file-row.h"
#include "op-files-view-private.h"
#include "op-ftp-site.h"

/* --- transfers --------------------------------------------------------------------- */

static gboolean
refresh_after_transfers (gpointer user_data)
{
  OpFilesView *self = user_data;

  self->refresh_idle = 0;
  if (op_transfer_queue_get_n_active (self->queue) == 0
      || op_transfer_queue_get_n_queued (self->queue) == 0)
    {
      _op_files_view_refresh_local (self);
      _op_files_view_refresh_remote (self);
    }
  return G_SOURCE_REMOVE;
}

/* A finished transfer shows in the pane it went to (at most once a second). */
void
_op_files_view_on_item_finished (OpTransferQueue *queue,
                  OpTransferItem  *item,
                  OpFilesView     *self)
{
  if (op_transfer_item_get_state (item) == OP_TRANSFER_STATE_FAILED)
    {
      /* Translators: "Could not download “a.txt”: 550 No such file" */
      g_autofree char *message = g_strdup_printf (
          op_transfer_item_get_direction (item) == OP_TRANSFER_DOWNLOAD
          ? _("Could not download “%s”: %s") : _("Could not upload “%s”: %s"),
          op_transfer_item_get_name (item),
          op_transfer_item_get_error_message (item) != NULL
          ? op_transfer_item_get_error_message (item) : "");
      _op_files_view_toast (self, message);
    }
  if (self->refresh_idle == 0)
    self->refresh_idle = g_timeout_add (300, refresh_after_transfers, self);
}

void
_op_files_view_on_queue_changed (OpFilesView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->queue));
  g_autofree char *title = NULL;

  gtk_stack_set_visible_child_name (self->queue_stack, n > 0 ? "list" : "empty");
  /* Translators: the title of the transfer queue with its number of items */
  title = n > 0 ? g_strdup_printf (_("Transfers (%u)"), n) : g_strdup (_("Transfers"));
  gtk_label_set_text (self->queue_title, title);
  _op_files_view_update_actions (self);
}

/* The Show dropdown: All, Queued (waiting, running or asking), Failed, Finished. */
enum
{
  QUEUE_SHOW_ALL,
  QUEUE_SHOW_QUEUED,
  QUEUE_SHOW_FAILED,
  QUEUE_SHOW_FINISHED,
};

static gboolean
queue_item_shown (gpointer item,
                  gpointer user_data)
{
  OpFilesView *self = user_data;
  OpTransferState state = op_transfer_item_get_state (item);

  switch (gtk_drop_down_get_selected (self->queue_filter))
    {
    case QUEUE_SHOW_QUEUED:
      return !op_transfer_state_is_finished (state);
    case QUEUE_SHOW_FAILED:
      return state == OP_TRANSFER_STATE_FAILED;
    case QUEUE_SHOW_FINISHED:
      return state == OP_TRANSFER_STATE_DONE || state == OP_TRANSFER_STATE_SKIPPED ||
             state == OP_TRANSFER_STATE_CANCELLED;
    default:
      return TRUE;
    }
}

static gboolean
refilter_queue (gpointer user_data)
{
  OpFilesView *self = user_data;

  self->queue_filter_idle = 0;
  gtk_filter_changed (GTK_FILTER (self->queue_state_filter), GTK_FILTER_CHANGE_DIFFERENT);
  return G_SOURCE_REMOVE;
}

static void
on_show_changed (OpFilesView *self)
{
  g_clear_handle_id (&self->queue_filter_idle, g_source_remove);
  refilter_queue (self);
}

/* Items change state under the filter: look again, at most a few times a second (a
 * folder of 1,000 small files finishes many a second). */
static void
queue_states_changed (OpFilesView *self)
{
  if (gtk_drop_down_get_selected (self->queue_filter) == QUEUE_SHOW_ALL ||
      self->queue_filter_idle != 0)
    return;
  self->queue_filter_idle = g_timeout_add (250, refilter_queue, self);
}

static void
update_run_button (OpFilesView *self)
{
  gboolean running = op_transfer_queue_get_running (self->queue);
  const char *label = running ? _("Stop the Transfer Queue") : _("Start the Transfer Queue");

  gtk_button_set_icon_name (self->queue_run_button, running ? "media-playback-pause-symbolic"
                                                            : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->queue_run_button), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->queue_run_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

void
_op_files_view_queue_toggle_running_action (GtkWidget  *widget,
                                            const char *action_name,
                                            GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);

  if (op_transfer_queue_get_running (self->queue))
    op_transfer_queue_stop (self->queue);
  else
    op_transfer_queue_start (self->queue);
}

void
_op_files_view_setup_queue_list (OpFilesView *self)
{
  g_autoptr (GtkFilterListModel) filtered = NULL;
  g_autoptr (GtkNoSelection) selection = NULL;

  self->queue_state_filter = gtk_custom_filter_new (queue_item_shown, self, NULL);
  filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->queue)),
                                        g_object_ref (GTK_FILTER (self->queue_state_filter)));
  selection = gtk_no_selection_new (G_LIST_MODEL (g_steal_pointer (&filtered)));
  gtk_list_view_set_model (self->queue_view, GTK_SELECTION_MODEL (selection));

  g_signal_connect_swapped (self->queue_filter, "notify::selected", G_CALLBACK (on_show_changed),
                            self);
  g_signal_connect_object (self->queue, "notify::n-queued", G_CALLBACK (queue_states_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->queue, "notify::n-active", G_CALLBACK (queue_states_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->queue, "item-finished", G_CALLBACK (queue_states_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->queue, "notify::running", G_CALLBACK (update_run_button),
                           self, G_CONNECT_SWAPPED);
  update_run_button (self);
}

static char *
format_eta (gint64 seconds)
{
  if (seconds < 60)
    return g_strdup_printf (ngettext ("%d second left", "%d seconds left", (int) seconds),
                            (int) seconds);
  if (seconds < 3600)
    return g_strdup_printf (ngettext ("%d minute left", "%d minutes left", (int) (seconds / 60)),
                            (int) (seconds / 60));
  return g_strdup_printf (ngettext ("%d hour left", "%d hours left", (int) (seconds / 3600)),
                          (int) (seconds / 3600));
}

static const char *
state_text (OpTransferState state)
{
  switch (state)
    {
    case OP_TRANSFER_STATE_QUEUED:
      return _("Queued");
    case OP_TRANSFER_STATE_RUNNING:
      return _("Transferring");
    case OP_TRANSFER_STATE_ASKING:
      return _("Waiting for your decision");
    case OP_TRANSFER_STATE_PAUSED:
      return _("Paused");
    case OP_TRANSFER_STATE_DONE:
      return _("Done");
    case OP_TRANSFER_STATE_SKIPPED:
      return _("Skipped");
    case OP_TRANSFER_STATE_FAILED:
      return _("Failed");
    case OP_TRANSFER_STATE_CANCELLED:
      return _("Cancelled");
    default:
      return "";
    }
}

static void
update_queue_row (GtkWidget *row)
{
  OpTransferItem *item = g_object_get_data (G_OBJECT (row), "item");
  OpTransferState state;
  g_autoptr (GPtrArray) parts = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *names = NULL;
  gboolean unfinished, active;

  if (item == NULL)
    return;

  state = op_transfer_item_get_state (item);
  unfinished = state == OP_TRANSFER_STATE_QUEUED || state == OP_TRANSFER_STATE_RUNNING
               || state == OP_TRANSFER_STATE_ASKING || state == OP_TRANSFER_STATE_PAUSED;
  active = state == OP_TRANSFER_STATE_QUEUED || state == OP_TRANSFER_STATE_RUNNING
           || state == OP_TRANSFER_STATE_ASKING;

  gtk_image_set_from_icon_name (g_object_get_data (G_OBJECT (row), "icon"),
                                op_transfer_item_get_direction (item) == OP_TRANSFER_DOWNLOAD
                                ? "go-down-symbolic" : "go-up-symbolic");
  /* Translators: a transfer: "a.txt → /home/ann/a.txt" */
  names = g_strdup_printf (_("%s → %s"),
                           op_transfer_item_get_direction (item) == OP_TRANSFER_DOWNLOAD
                           ? op_transfer_item_get_remote_path (item)
                           : op_transfer_item_get_local_path (item),
                           op_transfer_item_get_direction (item) == OP_TRANSFER_DOWNLOAD
                           ? op_transfer_item_get_local_path (item)
                           : op_transfer_item_get_remote_path (item));
  gtk_label_set_text (g_object_get_data (G_OBJECT (row), "name"), names);
  gtk_progress_bar_set_fraction (g_object_get_data (G_OBJECT (row), "progress"),
                                 state == OP_TRANSFER_STATE_DONE ? 1.0
                                 : op_transfer_item_get_fraction (item));

  /* The state, then what is known of the transfer, each a whole translation, joined as a
   * list (no sentence built from pieces). */
  parts = g_ptr_array_new_with_free_func (g_free);
  if (state == OP_TRANSFER_STATE_FAILED && op_transfer_item_get_error_message (item) != NULL)
    /* Translators: a failed transfer's state and the reason: "Failed: 550 No such file" */
    g_ptr_array_add (parts, g_strdup_printf (_("%s: %s"), state_text (state),
                                             op_transfer_item_get_error_message (item)));
  else
    g_ptr_array_add (parts, g_strdup (state_text (state)));
  if (op_transfer_item_get_size (item) > 0)
    {
      g_autofree char *done = g_format_size (op_transfer_item_get_bytes_done (item));
      g_autofree char *size = g_format_size (op_transfer_item_get_size (item));
      /* Translators: bytes of a transfer: "1.2 MB of 3.4 MB" */
      g_ptr_array_add (parts, g_strdup_printf (_("%s of %s"), done, size));
    }
  if (state == OP_TRANSFER_STATE_RUNNING && op_transfer_item_get_rate (item) > 0)
    {
      g_autofree char *rate = g_format_size (op_transfer_item_get_rate (item));
      /* Translators: a transfer speed, "512 kB/s" */
      g_ptr_array_add (parts, g_strdup_printf (_("%s/s"), rate));
    }
  if (state == OP_TRANSFER_STATE_RUNNING && op_transfer_item_get_eta (item) >= 0)
    g_ptr_array_add (parts, format_eta (op_transfer_item_get_eta (item)));
  g_ptr_array_add (parts, NULL);
  /* Translators: separates the parts of a transfer's details: "Running · 1.2 MB of
   * 3.4 MB · 512 kB/s · 5 s left" */
  detail = g_strjoinv (C_("transfer", " · "), (char **) parts->pdata);
  gtk_label_set_text (g_object_get_data (G_OBJECT (row), "detail"), detail);

  gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "pause"), active);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "resume"),
                          state == OP_TRANSFER_STATE_PAUSED);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "retry"),
                          state == OP_TRANSFER_STATE_FAILED || state == OP_TRANSFER_STATE_CANCELLED);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "cancel"), unfinished);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "remove"),
                          !active);
}

typedef gboolean (*ItemCommand) (OpTransferQueue *queue, OpTransferItem *item);

static void
on_row_button (GtkButton *button,
               OpFilesView *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_BOX);
  ItemCommand command = g_object_get_data (G_OBJECT (button), "command");
  OpTransferItem *item;

  while (row != NULL && g_object_get_data (G_OBJECT (row), "icon") == NULL)
    row = gtk_widget_get_ancestor (gtk_widget_get_parent (row), GTK_TYPE_BOX);
  item = row != NULL ? g_object_get_data (G_OBJECT (row), "item") : NULL;
  if (item != NULL)
    command (self->queue, item);
}

static GtkWidget *
row_button (OpFilesView *self,
            GtkWidget   *box,
            const char  *key,
            const char  *icon,
            const char  *label,
            ItemCommand  command)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "circular");
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label, -1);
  g_object_set_data (G_OBJECT (button), "command", command);
  g_signal_connect (button, "clicked", G_CALLBACK (on_row_button), self);
  g_object_set_data (G_OBJECT (box), key, button);
  return button;
}

void
_op_files_view_setup_queue_row (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 OpFilesView              *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *progress = gtk_progress_bar_new ();
  GtkWidget *detail = gtk_label_new (NULL);

  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (detail, "caption");
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (texts), name);
  gtk_box_append (GTK_BOX (texts), progress);
  gtk_box_append (GTK_BOX (texts), detail);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), texts);
  gtk_box_append (GTK_BOX (box), row_button (self, box, "pause", "media-playback-pause-symbolic",
                                             _("Pause"), op_transfer_queue_pause));
  gtk_box_append (GTK_BOX (box), row_button (self, box, "resume", "media-playback-start-symbolic",
                                             _("Resume"), op_transfer_queue_resume));
  gtk_box_append (GTK_BOX (box), row_button (self, box, "retry", "view-refresh-symbolic",
                                             _("Retry"), op_transfer_queue_retry));
  gtk_box_append (GTK_BOX (box), row_button (self, box, "cancel", "process-stop-symbolic",
                                             _("Cancel Transfer"), op_transfer_queue_cancel));
  gtk_box_append (GTK_BOX (box), row_button (self, box, "remove", "list-remove-symbolic",
                                             _("Remove"), op_transfer_queue_remove));
  g_object_set_data (G_OBJECT (box), "icon", icon);
  g_object_set_data (G_OBJECT (box), "name", name);
  g_object_set_data (G_OBJECT (box), "progress", progress);
  g_object_set_data (G_OBJECT (box), "detail", detail);
  gtk_list_item_set_child (list_item, box);
  gtk_list_item_set_activatable (list_item, FALSE);
}

void
_op_files_view_bind_queue_row (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                OpFilesView              *self)
{
  GtkWidget *box = gtk_list_item_get_child (list_item);
  OpTransferItem *item = gtk_list_item_get_item (list_item);
  gulong handler;

  g_object_set_data (G_OBJECT (box), "item", item);
  handler = g_signal_connect_swapped (item, "notify", G_CALLBACK (update_queue_row), box);
  g_object_set_data (G_OBJECT (box), "handler", GUINT_TO_POINTER ((guint) handler));
  update_queue_row (box);
}

void
_op_files_view_unbind_queue_row (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  OpFilesView              *self)
{
  GtkWidget *box = gtk_list_item_get_child (list_item);
  OpTransferItem *item = g_object_get_data (G_OBJECT (box), "item");
  gulong handler = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (box), "handler"));

  if (item != NULL && handler != 0)
    g_signal_handler_disconnect (item, handler);
  g_object_set_data (G_OBJECT (box), "item", NULL);
  g_object_set_data (G_OBJECT (box), "handler", NULL);
}

/* --- the "target exists" dialog --- */

typedef struct
{
  OpFilesView    *self;
  OpTransferItem *item;
  GtkCheckButton *apply_all;
} ConflictDialog;

static void
conflict_dialog_free (gpointer data)
{
  ConflictDialog *cd = data;

  g_object_unref (cd->self);
  g_object_unref (cd->item);
  g_free (cd);
}

static void
on_conflict_response (AdwMessageDialog *dialog,
                      const char       *response,
                      ConflictDialog   *cd)
{
  OpOverwriteChoice choice = OP_OVERWRITE_SKIP;

  if (g_strcmp0 (response, "overwrite") == 0)
    choice = OP_OVERWRITE_OVERWRITE;
  else if (g_strcmp0 (response, "newer") == 0)
    choice = OP_OVERWRITE_OVERWRITE_IF_NEWER;
  else if (g_strcmp0 (response, "size") == 0)
    choice = OP_OVERWRITE_OVERWRITE_IF_SIZE_DIFFERS;
  else if (g_strcmp0 (response, "resume") == 0)
    choice = OP_OVERWRITE_RESUME;
  else if (g_strcmp0 (response, "rename") == 0)
    choice = OP_OVERWRITE_RENAME;

  op_transfer_queue_resolve_conflict (cd->self->queue, cd->item, choice,
                                      gtk_check_button_get_active (cd->apply_all));
}

static char *
describe_facts (const OpFileFacts *facts)
{
  g_autofree char *size = facts->size >= 0 ? g_format_size (facts->size) : g_strdup (_("unknown size"));
  g_autofree char *when = NULL;

  if (facts->mtime > 0)
    {
      g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (facts->mtime);
      g_autoptr (GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;
      when = local != NULL ? g_date_time_format (local, _("%Y-%m-%d %H:%M")) : NULL;
    }
  /* Translators: "12.3 kB, modified 2026-01-02 10:30" */
  return when != NULL ? g_strdup_printf (_("%s, modified %s"), size, when) : g_steal_pointer (&size);
}

gboolean
_op_files_view_on_conflict (OpTransferQueue    *queue,
             OpTransferItem     *item,
             OpTransferConflict *conflict,
             OpFilesView        *self)
{
  AdwMessageDialog *dialog;
  ConflictDialog *cd;
  GtkWidget *check;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  g_autofree char *source = describe_facts (&conflict->source);
  g_autofree char *target = describe_facts (&conflict->target);

  /* Translators: %s is a file name */
  heading = g_strdup_printf (_("“%s” Already Exists"), op_transfer_item_get_name (item));
  body = g_strdup_printf (_("%s\n\nExisting: %s\nNew: %s"), conflict->target_path, target, source);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (_op_files_view_parent_window (self), heading, body));
  adw_message_dialog_add_responses (dialog,
                                    "skip", _("_Skip"),
                                    "rename", _("Re_name"),
                                    "resume", _("Res_ume"),
                                    "newer", _("Overwrite if _Newer"),
                                    "size", _("Overwrite if Size _Differs"),
                                    "overwrite", _("_Overwrite"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "overwrite", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_enabled (dialog, "resume", !conflict->is_directory);
  adw_message_dialog_set_default_response (dialog, "skip");
  adw_message_dialog_set_close_response (dialog, "skip");
  check = gtk_check_button_new_with_mnemonic (_("_Apply to all transfers"));
  adw_message_dialog_set_extra_child (dialog, check);

  cd = g_new0 (ConflictDialog, 1);
  cd->self = g_object_ref (self);
  cd->item = g_object_ref (item);
  cd->apply_all = GTK_CHECK_BUTTON (check);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_conflict_response), cd,
                         (GClosureNotify) (void (*) (void)) conflict_dialog_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* Queues the download of @row (an entry of @remote_dir) into @local_dir; FALSE when its
 * name can't name a local file. */
gboolean
_op_files_view_queue_download (OpFilesView *self,
                               OpFileRow   *row,
                               const char  *remote_dir,
                               GFile       *local_dir)
{
  g_autofree char *remote = _op_files_view_remote_join (remote_dir, op_file_row_get_name (row));
  /* DESIGN.md "Hostile input": a remote name never becomes a local path unchanged. */
  g_autofree char *local_name = op_ftp_local_name_from_remote (op_file_row_get_name (row));
  g_autoptr (GFile) local = NULL;

  if (local_name == NULL)
    return FALSE;
  local = g_file_get_child (local_dir, local_name);
  op_transfer_queue_add_download (self->queue, self->site, remote, local,
                                  op_file_row_is_directory (row),
                                  MAX (op_file_row_get_size (row), 0));
  return TRUE;
}

void
_op_files_view_download_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);

  if (self->site == NULL || self->local_dir == NULL)
    return;
  _op_files_view_download_selection (self, self->local_dir);
}

/* Queues the remote pane's selection for download into @local_dir. */
void
_op_files_view_download_selection (OpFilesView *self,
                                   GFile       *local_dir)
{
  g_autoptr (GPtrArray) rows = op_file_pane_dup_selection (self->remote_pane);
  guint refused = 0;

  for (guint i = 0; i < rows->len; i++)
    if (!_op_files_view_queue_download (self, g_ptr_array_index (rows, i),
                                        op_file_pane_get_path (self->remote_pane), local_dir))
      refused++;
  if (refused > 0)
    op_file_pane_show_error (self->remote_pane,
                             _("Some names can’t be used for local files and were not downloaded."));
}

void
_op_files_view_upload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  g_autoptr (GPtrArray) rows = op_file_pane_dup_selection (self->local_pane);
  const char *remote_dir = op_file_pane_get_path (self->remote_pane);

  if (self->site == NULL || self->local_dir == NULL || remote_dir == NULL)
    return;

  for (guint i = 0; i < rows->len; i++)
    {
      OpFileRow *row = g_ptr_array_index (rows, i);
      g_autoptr (GFile) local = _op_files_view_local_child (self, row);
      g_autofree char *remote = _op_files_view_remote_join (remote_dir, op_file_row_get_name (row));

      op_transfer_queue_add_upload (self->queue, self->site, local, remote,
                                    op_file_row_is_directory (row),
                                    MAX (op_file_row_get_size (row), 0));
    }
}

void
_op_files_view_clear_finished_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);

  op_transfer_queue_remove_finished (self->queue);
}

/* --- view or edit a remote file --------------------------------------------------- */

/* A remote file downloaded to a private folder and opened with the default app; when it
 * is saved there, the user is offered to upload it back. */
struct _OpFilesViewEdit
{
  OpFilesView  *self;          /* not a reference: the view owns the table of edits */
  GFile        *local;
  char         *remote_path;
  OpAccount    *site;
  GFileMonitor *monitor;
  guint         changed_idle;
  gboolean      asking;
};

void
_op_files_view_edit_free (Edit *edit)
{
  g_clear_handle_id (&edit->changed_idle, g_source_remove);
  if (edit->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (edit->monitor, edit);
      g_file_monitor_cancel (edit->monitor);
    }
  g_clear_object (&edit->monitor);
  g_clear_object (&edit->local);
  g_clear_object (&edit->site);
  g_free (edit->remote_path);
  g_free (edit);
}

static void
on_edit_upload_response (AdwMessageDialog *dialog,
                         const char       *response,
                         Edit             *edit)
{
  edit->asking = FALSE;
  if (g_strcmp0 (response, "upload") == 0)
    {
      OpTransferItem *item = op_transfer_queue_add_upload (edit->self->queue, edit->site,
                                                           edit->local, edit->remote_path,
                                                           FALSE, 0);
      /* The user just said to replace the server's copy with this one. */
      op_transfer_item_set_overwrite (item, OP_OVERWRITE_OVERWRITE);
    }
}

static gboolean
ask_upload_edit (gpointer user_data)
{
  Edit *edit = user_data;
  AdwMessageDialog *dialog;
  g_autofree char *name = g_file_get_basename (edit->local);
  g_autofree char *display = g_filename_display_name (name);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;

  edit->changed_idle = 0;
  if (edit->asking)
    return G_SOURCE_REMOVE;

  /* Translators: %s is a file name */
  heading = g_strdup_printf (_("Upload the Changed “%s”?"), display);
  /* Translators: %s is a remote path */
  body = g_strdup_printf (_("The file was saved. Upload it to %s on the server, replacing the file there?"),
                          edit->remote_path);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (_op_files_view_parent_window (edit->self), heading, body));
  adw_message_dialog_add_responses (dialog, "later", _("_Not Now"), "upload", _("_Upload"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "upload", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "upload");
  adw_message_dialog_set_close_response (dialog, "later");
  g_signal_connect (dialog, "response", G_CALLBACK (on_edit_upload_response), edit);
  edit->asking = TRUE;
  gtk_window_present (GTK_WINDOW (dialog));
  return G_SOURCE_REMOVE;
}

static void
on_edit_changed (GFileMonitor      *monitor,
                 GFile             *file,
                 GFile             *other,
                 GFileMonitorEvent  event,
                 Edit              *edit)
{
  /* Editors save in several steps (write, rename, attributes): ask once it settles. */
  if (event != G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT && event != G_FILE_MONITOR_EVENT_CREATED
      && event != G_FILE_MONITOR_EVENT_RENAMED && event != G_FILE_MONITOR_EVENT_MOVED_IN)
    return;
  g_clear_handle_id (&edit->changed_idle, g_source_remove);
  edit->changed_idle = g_timeout_add (500, ask_upload_edit, edit);
}

static void
on_edit_launched (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (OpFilesView) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    _op_files_view_pane_error (self, self->remote_pane,
                _("Could not open the file (it is downloaded, and saving it still offers to upload it)"),
                error);
}

typedef struct
{
  OpFilesView *self;
  Edit        *edit;
} EditDownload;

static void
on_edit_downloaded (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  EditDownload *download = user_data;
  g_autoptr (OpFilesView) self = download->self;
  Edit *edit = download->edit;
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *path = NULL;

  g_free (download);
  if (!op_ftp_browser_finish (OP_FTP_BROWSER (source), result, &error))
    {
      _op_files_view_pane_error (self, self->remote_pane, _("Could not download the file to open it"), error);
      _op_files_view_edit_free (edit);
      return;
    }
  if (self->edits == NULL)
    {
      _op_files_view_edit_free (edit);
      return;
    }

  /* Watch the file (its folder, as editors replace files by renaming). */
  edit->monitor = g_file_monitor_file (edit->local, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  if (edit->monitor != NULL)
    g_signal_connect (edit->monitor, "changed", G_CALLBACK (on_edit_changed), edit);
  path = g_file_get_path (edit->local);
  g_hash_table_replace (self->edits, g_steal_pointer (&path), edit);

  uri = g_file_get_uri (edit->local);
  g_app_info_launch_default_for_uri_async (uri, NULL, NULL, on_edit_launched, g_object_ref (self));
}

void
_op_files_view_edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  g_autoptr (OpFileRow) row = _op_files_view_single_selection (self, self->remote_pane);
  g_autofree char *local_name = NULL;
  g_autofree char *dir_path = NULL;
  g_autoptr (GError) error = NULL;
  EditDownload *download;
  LongOperation *lo;
  Edit *edit;

  if (row == NULL || op_file_row_is_directory (row) || !op_ftp_browser_get_connected (self->browser)
      || self->site == NULL)
    return;

  /* DESIGN.md "Hostile input": the remote name is made safe before it names a file. */
  local_name = op_ftp_local_name_from_remote (op_file_row_get_name (row));
  if (local_name == NULL)
    {
      op_file_pane_show_error (self->remote_pane, _("This name can’t be used for a local file."));
      return;
    }
  /* A private folder per opened file, so two files of the same name never meet. */
  dir_path = g_build_filename (g_get_user_cache_dir (), "outpost", "edit", NULL);
  g_mkdir_with_parents (dir_path, 0700);
  g_free (dir_path);
  dir_path = g_build_filename (g_get_user_cache_dir (), "outpost", "edit", "XXXXXX", NULL);
  if (g_mkdtemp_full (dir_path, 0700) == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not make a folder for the file: %s"),
                                                  g_strerror (errno));
      op_file_pane_show_error (self->remote_pane, message);
      return;
    }

  edit = g_new0 (Edit, 1);
  edit->self = self;
  {
    g_autofree char *local_path = g_build_filename (dir_path, local_name, NULL);
    edit->local = g_file_new_for_path (local_path);
  }
  edit->remote_path = _op_files_view_remote_join (op_file_pane_get_path (self->remote_pane),
                                   op_file_row_get_name (row));
  edit->site = g_object_ref (self->site);

  download = g_new0 (EditDownload, 1);
  download->self = g_object_ref (self);
  download->edit = edit;
  /* On a session of its own: a large file does not hold up browsing. Its toast shows
   * how far it got and cancels it. */
  lo = _op_files_view_long_operation_new (self, op_file_row_get_name (row),
                                          LONG_OPERATION_DOWNLOAD);
  op_ftp_browser_download_async (self->browser, edit->remote_path, edit->local,
                                 _op_files_view_long_operation_progress, lo,
                                 _op_files_view_long_operation_free, lo->cancellable,
                                 on_edit_downloaded, download);
}
