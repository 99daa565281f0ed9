/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

/* The Files view's operations on the panes' entries: new folder, rename, delete,
 * permissions, copy URL and properties, each on the local disk or through the browser. */

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>

#include "op-application.h"
#include "op-certificate-info.h"
#include "op-files-view-private.h"
#include "op-accounts.h"
#include "op-ftp-recents.h"
#include "op-secrets.h"
#include "op-site-manager.h"
#include "op-ftp-site.h"
#include "op-transfer-queue.h"
#include "op-trust-store.h"

/* --- operations: one result handler for all of them --------------------------------- */

typedef struct
{
  OpFilesView *self;
  OpFilePane  *pane;
  char        *what;       /* translated: "Could not delete “x”" */
  char        *select;     /* a name to select after the refresh (nullable) */
  guint        pending;    /* operations still running in this batch */
  gboolean     failed;
} Operation;

static Operation *
operation_new (OpFilesView *self,
               OpFilePane  *pane,
               char        *what,
               const char  *select)
{
  Operation *op = g_new0 (Operation, 1);

  op->self = g_object_ref (self);
  op->pane = pane;
  op->what = what;
  op->select = g_strdup (select);
  op->pending = 1;
  return op;
}

static void
operation_free (Operation *op)
{
  g_object_unref (op->self);
  g_free (op->what);
  g_free (op->select);
  g_free (op);
}

/* Every operation ends here, with its error (NULL on success); the last one of a batch
 * refreshes the pane so it shows what the server (or disk) now holds. */
static void
operation_done (Operation *op,
                GError    *error)
{
  if (error != NULL && !op->failed)
    {
      op->failed = TRUE;
      _op_files_view_pane_error (op->self, op->pane, op->what, error);
    }
  if (--op->pending > 0)
    return;

  if (!op->failed)
    op_file_pane_clear_error (op->pane);
  /* The dialog that asked gave the focus back to where it was; the next key (F2,
   * Delete) is meant for the list. */
  op_file_pane_focus_list (op->pane);
  _op_files_view_refresh_pane (op->self, op->pane);
  /* The name is selected once the new listing is in (a refresh is asynchronous). */
  if (op->select != NULL)
    g_object_set_data_full (G_OBJECT (op->pane), "op-select-after-load",
                            g_strdup (op->select), g_free);
  operation_free (op);
}

static void
on_remote_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  op_ftp_browser_finish (OP_FTP_BROWSER (source), result, &error);
  operation_done (user_data, error);
}

/* --- long operations: progress and Cancel in a toast -------------------------------- */

/* A recursive delete or chmod, or View/Edit's download, runs on a session of its own
 * (OpFtpBrowser); a toast says how far it got and offers to stop it. */

/* libadwaita 1.2's AdwToastOverlay (adw-toast-overlay.c, SHOW_DURATION) frees a toast
 * dismissed while it is still sliding in, then runs the end of that slide on it: the
 * process crashes (g_object_unref on freed memory from adw_animation_skip, seen in
 * e2e-files once View/Edit's download got fast). A toast is dismissed only after its
 * slide has ended. */
#define TOAST_SHOW_MS 300

static gboolean
dismiss_toast_later (gpointer toast)
{
  adw_toast_dismiss (toast);
  return G_SOURCE_REMOVE;
}

void
_op_files_view_long_operation_free (gpointer data)
{
  LongOperation *lo = data;

  if (lo->toast != NULL)
    {
      gint64 age_ms = (g_get_monotonic_time () - lo->shown_at) / 1000;

      g_signal_handlers_disconnect_by_data (lo->toast, lo->cancellable);
      if (age_ms < TOAST_SHOW_MS + 50)
        g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) (TOAST_SHOW_MS + 50 - age_ms),
                            dismiss_toast_later, g_steal_pointer (&lo->toast), g_object_unref);
      else
        {
          adw_toast_dismiss (lo->toast);
          g_object_unref (lo->toast);
        }
    }
  g_object_unref (lo->cancellable);
  g_free (lo->name);
  g_free (lo);
}

void
_op_files_view_long_operation_progress (const OpFtpProgress *progress,
                                        gpointer             data)
{
  LongOperation *lo = data;
  g_autofree char *title = NULL;
  g_autofree char *markup = NULL;

  if (lo->toast == NULL)
    return;
  switch (lo->kind)
    {
    case LONG_OPERATION_DOWNLOAD:
      {
        g_autofree char *done = g_format_size (progress->bytes_done);
        g_autofree char *total = g_format_size (progress->bytes_total);

        if (progress->bytes_total == 0)
          return;
        /* Translators: "Downloading “notes.txt”: 1.2 MB of 4.0 MB" */
        title = g_strdup_printf (_("Downloading “%s”: %s of %s"), lo->name, done, total);
      }
      break;
    case LONG_OPERATION_CHMOD:
      if (progress->files_total == 0)
        return;
      /* Translators: "Changing permissions in “site”: 37 of 200" */
      title = g_strdup_printf (_("Changing permissions in “%s”: %u of %u"), lo->name,
                               progress->files_done, progress->files_total);
      break;
    case LONG_OPERATION_DELETE:
    default:
      if (progress->files_total == 0)
        return;
      /* Translators: "Deleting “old”: 37 of 200" */
      title = g_strdup_printf (_("Deleting “%s”: %u of %u"), lo->name,
                               progress->files_done, progress->files_total);
      break;
    }
  markup = g_markup_escape_text (title, -1);
  adw_toast_set_title (lo->toast, markup);
}

LongOperation *
_op_files_view_long_operation_new (OpFilesView       *self,
                                   const char        *name,
                                   LongOperationKind  kind)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  LongOperation *lo = g_new0 (LongOperation, 1);
  g_autofree char *title = NULL;
  g_autofree char *markup = NULL;

  lo->cancellable = g_cancellable_new ();
  lo->name = g_strdup (name);
  lo->kind = kind;
  if (overlay == NULL)
    return lo;
  switch (kind)
    {
    case LONG_OPERATION_DOWNLOAD:
      title = g_strdup_printf (_("Downloading “%s”…"), name);
      break;
    case LONG_OPERATION_CHMOD:
      title = g_strdup_printf (_("Changing permissions in “%s”…"), name);
      break;
    case LONG_OPERATION_DELETE:
    default:
      title = g_strdup_printf (_("Deleting “%s”…"), name);
      break;
    }
  markup = g_markup_escape_text (title, -1);
  lo->toast = adw_toast_new (markup);
  adw_toast_set_timeout (lo->toast, 0);
  adw_toast_set_button_label (lo->toast, _("_Cancel"));
  g_signal_connect_swapped (lo->toast, "button-clicked", G_CALLBACK (g_cancellable_cancel),
                            lo->cancellable);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), g_object_ref (lo->toast));
  lo->shown_at = g_get_monotonic_time ();
  return lo;
}

static void
on_local_mkdir_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_file_make_directory_finish (G_FILE (source), result, &error);
  operation_done (user_data, error);
}

static void
on_local_rename_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) renamed = g_file_set_display_name_finish (G_FILE (source), result, &error);
  operation_done (user_data, error);
}

static void
on_local_trash_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_file_trash_finish (G_FILE (source), result, &error);
  operation_done (user_data, error);
}

static void
on_local_chmod_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFileInfo) info = NULL;
  g_file_set_attributes_finish (G_FILE (source), result, &info, &error);
  operation_done (user_data, error);
}

/* After a refresh lands, select the name an operation asked for. */
void
_op_files_view_on_pane_listed (OpFilesView *self,
                               OpFilePane  *pane)
{
  const char *name = g_object_get_data (G_OBJECT (pane), "op-select-after-load");

  if (name != NULL)
    {
      op_file_pane_select_name (pane, name);
      g_object_set_data (G_OBJECT (pane), "op-select-after-load", NULL);
    }
}

/* A name typed by the user for a new entry: one path component. */
static gboolean
valid_new_name (const char *name)
{
  return name[0] != '\0' && strcmp (name, ".") != 0 && strcmp (name, "..") != 0
         && strchr (name, '/') == NULL;
}

/* --- name dialogs (new folder, rename) ---------------------------------------------- */

typedef void (*NameChosen) (OpFilesView *self, OpFilePane *pane, OpFileRow *row,
                            const char *name);

typedef struct
{
  OpFilesView *self;
  OpFilePane  *pane;
  OpFileRow   *row;   /* nullable */
  NameChosen   chosen;
  GtkEntry    *entry;
} NameDialog;

static void
name_dialog_free (gpointer data)
{
  NameDialog *nd = data;

  g_object_unref (nd->self);
  g_clear_object (&nd->row);
  g_free (nd);
}

static void
on_name_entry_changed (GtkEditable      *entry,
                       AdwMessageDialog *dialog)
{
  adw_message_dialog_set_response_enabled (dialog, "ok",
                                           valid_new_name (gtk_editable_get_text (entry)));
}

static void
on_name_dialog_response (AdwMessageDialog *dialog,
                         const char       *response,
                         NameDialog       *nd)
{
  const char *name = gtk_editable_get_text (GTK_EDITABLE (nd->entry));

  if (g_strcmp0 (response, "ok") == 0 && valid_new_name (name))
    nd->chosen (nd->self, nd->pane, nd->row, name);
}

static void
ask_name (OpFilesView *self,
          OpFilePane  *pane,
          OpFileRow   *row,
          const char  *heading,
          const char  *button,
          const char  *initial,
          NameChosen   chosen)
{
  AdwMessageDialog *dialog;
  NameDialog *nd = g_new0 (NameDialog, 1);
  GtkWidget *entry = gtk_entry_new ();
  const char *dot;

  nd->self = g_object_ref (self);
  nd->pane = pane;
  nd->row = row != NULL ? g_object_ref (row) : NULL;
  nd->chosen = chosen;
  nd->entry = GTK_ENTRY (entry);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (_op_files_view_parent_window (self), heading, NULL));
  gtk_editable_set_text (GTK_EDITABLE (entry), initial);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Name"), -1);
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "ok", button, NULL);
  adw_message_dialog_set_response_appearance (dialog, "ok", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "ok");
  adw_message_dialog_set_close_response (dialog, "cancel");
  adw_message_dialog_set_response_enabled (dialog, "ok", valid_new_name (initial));
  g_signal_connect (entry, "changed", G_CALLBACK (on_name_entry_changed), dialog);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_name_dialog_response), nd,
                         (GClosureNotify) (void (*) (void)) name_dialog_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));

  /* Select the name without its extension, as file managers do when renaming. */
  gtk_widget_grab_focus (entry);
  dot = strrchr (initial, '.');
  gtk_editable_select_region (GTK_EDITABLE (entry), 0,
                              dot != NULL && dot != initial
                              ? (int) g_utf8_pointer_to_offset (initial, dot) : -1);
}

static void
create_folder (OpFilesView *self,
               OpFilePane  *pane,
               OpFileRow   *row,
               const char  *name)
{
  /* Translators: %s is a folder name */
  Operation *op = operation_new (self, pane,
                                 g_strdup_printf (_("Could not create the folder “%s”"), name),
                                 name);

  if (_op_files_view_is_remote (self, pane))
    {
      g_autofree char *path = _op_files_view_remote_join (op_file_pane_get_path (pane), name);
      op_ftp_browser_mkdir_async (self->browser, path, NULL, on_remote_done, op);
    }
  else
    {
      g_autoptr (GFile) dir = g_file_get_child_for_display_name (self->local_dir, name, NULL);

      if (dir == NULL)
        dir = g_file_get_child (self->local_dir, name);
      g_file_make_directory_async (dir, G_PRIORITY_DEFAULT, NULL, on_local_mkdir_done, op);
    }
}

static void
new_folder_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);

  ask_name (self, _op_files_view_target_pane (self), NULL, _("New Folder"), _("C_reate"),
            _("New Folder"), create_folder);
}

static void
rename_entry (OpFilesView *self,
              OpFilePane  *pane,
              OpFileRow   *row,
              const char  *name)
{
  Operation *op;

  if (strcmp (name, op_file_row_get_name (row)) == 0)
    return;

  /* Translators: %s is a file name */
  op = operation_new (self, pane,
                      g_strdup_printf (_("Could not rename “%s”"), op_file_row_get_name (row)),
                      name);
  if (_op_files_view_is_remote (self, pane))
    {
      g_autofree char *from = _op_files_view_remote_join (op_file_pane_get_path (pane), op_file_row_get_name (row));
      g_autofree char *to = _op_files_view_remote_join (op_file_pane_get_path (pane), name);

      op_ftp_browser_rename_async (self->browser, from, to, NULL, on_remote_done, op);
    }
  else
    {
      g_autoptr (GFile) file = _op_files_view_local_child (self, row);
      g_file_set_display_name_async (file, name, G_PRIORITY_DEFAULT, NULL,
                                     on_local_rename_done, op);
    }
}

static void
rename_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  OpFilePane *pane = _op_files_view_target_pane (self);
  g_autoptr (OpFileRow) row = _op_files_view_single_selection (self, pane);

  if (row == NULL)
    return;
  ask_name (self, pane, row, _("Rename"), _("_Rename"), op_file_row_get_name (row),
            rename_entry);
}

/* --- delete ------------------------------------------------------------------------- */

typedef struct
{
  OpFilesView *self;
  OpFilePane  *pane;
  GPtrArray   *rows;
} DeleteRequest;

static void
delete_request_free (gpointer data)
{
  DeleteRequest *request = data;

  g_object_unref (request->self);
  g_ptr_array_unref (request->rows);
  g_free (request);
}

static void
on_delete_response (AdwMessageDialog *dialog,
                    const char       *response,
                    DeleteRequest    *request)
{
  OpFilesView *self = request->self;
  OpFilePane *pane = request->pane;
  Operation *op;

  if (g_strcmp0 (response, "delete") != 0)
    return;

  op = operation_new (self, pane, g_strdup (_("Could not delete")), NULL);
  op->pending = request->rows->len;
  for (guint i = 0; i < request->rows->len; i++)
    {
      OpFileRow *row = g_ptr_array_index (request->rows, i);

      if (_op_files_view_is_remote (self, pane))
        {
          g_autofree char *path = _op_files_view_remote_join (op_file_pane_get_path (pane),
                                               op_file_row_get_name (row));

          if (op_file_row_is_directory (row))
            /* On a session of its own: browsing goes on meanwhile. */
            {
              LongOperation *lo = _op_files_view_long_operation_new (self, op_file_row_get_name (row),
                                                                     LONG_OPERATION_DELETE);

              op_ftp_browser_delete_tree_async (self->browser, path,
                                                _op_files_view_long_operation_progress, lo,
                                                _op_files_view_long_operation_free,
                                                lo->cancellable, on_remote_done, op);
            }
          else
            op_ftp_browser_delete_async (self->browser, path, NULL, on_remote_done, op);
        }
      else
        {
          g_autoptr (GFile) file = _op_files_view_local_child (self, row);
          g_file_trash_async (file, G_PRIORITY_DEFAULT, NULL, on_local_trash_done, op);
        }
    }
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  OpFilePane *pane = _op_files_view_target_pane (self);
  g_autoptr (GPtrArray) rows = op_file_pane_dup_selection (pane);
  DeleteRequest *request;
  AdwMessageDialog *dialog;
  g_autofree char *heading = NULL;
  const char *body;
  gboolean remote = _op_files_view_is_remote (self, pane);

  if (rows->len == 0)
    return;

  if (rows->len == 1)
    /* Translators: %s is a file or folder name */
    heading = g_strdup_printf (remote ? _("Delete “%s”?") : _("Move “%s” to the Trash?"),
                               op_file_row_get_name (g_ptr_array_index (rows, 0)));
  else
    heading = g_strdup_printf (remote ? ngettext ("Delete %u Item?", "Delete %u Items?", rows->len)
                                      : ngettext ("Move %u Item to the Trash?",
                                                  "Move %u Items to the Trash?", rows->len),
                               rows->len);
  body = remote ? _("Deleted files and folders are gone from the server for good; folders "
                    "are deleted with everything in them.")
                : _("You can restore them from the Trash.");

  request = g_new0 (DeleteRequest, 1);
  request->self = g_object_ref (self);
  request->pane = pane;
  request->rows = g_steal_pointer (&rows);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (_op_files_view_parent_window (self), heading, body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"),
                                    "delete", remote ? _("_Delete") : _("_Move to Trash"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_delete_response), request,
                         (GClosureNotify) (void (*) (void)) delete_request_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- permissions -------------------------------------------------------------------- */

typedef struct
{
  OpFilesView    *self;
  OpFilePane     *pane;
  OpFileRow      *row;
  GtkEntry       *octal;
  GtkCheckButton *bits[9];
  GtkCheckButton *recurse;      /* (nullable) a remote folder only */
  GtkCheckButton *targets[3];   /* all, files only, folders only */
  gboolean        syncing;
} PermissionsDialog;

static void
permissions_dialog_free (gpointer data)
{
  PermissionsDialog *pd = data;

  g_object_unref (pd->self);
  g_object_unref (pd->row);
  g_free (pd);
}

static gboolean
parse_octal (const char *text,
             guint      *mode)
{
  guint64 value;

  if (text[0] == '\0' || strlen (text) > 4)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (*p < '0' || *p > '7')
      return FALSE;
  if (!g_ascii_string_to_unsigned (text, 8, 0, 07777, &value, NULL))
    return FALSE;
  *mode = (guint) value;
  return TRUE;
}

static void
on_octal_changed (GtkEditable       *entry,
                  PermissionsDialog *pd)
{
  guint mode;
  GtkWidget *dialog = gtk_widget_get_ancestor (GTK_WIDGET (entry), ADW_TYPE_MESSAGE_DIALOG);
  gboolean ok = parse_octal (gtk_editable_get_text (entry), &mode);

  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "apply", ok);
  if (!ok || pd->syncing)
    return;

  pd->syncing = TRUE;
  for (int i = 0; i < 9; i++)
    gtk_check_button_set_active (pd->bits[i], (mode & (0400 >> i)) != 0);
  pd->syncing = FALSE;
}

static void
on_bit_toggled (GtkCheckButton    *button,
                PermissionsDialog *pd)
{
  guint mode = 0;
  g_autofree char *text = NULL;

  if (pd->syncing)
    return;

  /* Keep the special bits (setuid, setgid, sticky) typed into the octal field. */
  parse_octal (gtk_editable_get_text (GTK_EDITABLE (pd->octal)), &mode);
  mode &= 07000;
  for (int i = 0; i < 9; i++)
    if (gtk_check_button_get_active (pd->bits[i]))
      mode |= 0400 >> i;

  text = g_strdup_printf ("%03o", mode);
  pd->syncing = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (pd->octal), text);
  pd->syncing = FALSE;
}

static void
on_permissions_response (AdwMessageDialog  *dialog,
                         const char        *response,
                         PermissionsDialog *pd)
{
  OpFilesView *self = pd->self;
  Operation *op;
  guint mode;

  if (g_strcmp0 (response, "apply") != 0
      || !parse_octal (gtk_editable_get_text (GTK_EDITABLE (pd->octal)), &mode))
    return;

  /* Translators: %s is a file name */
  op = operation_new (self, pd->pane,
                      g_strdup_printf (_("Could not change the permissions of “%s”"),
                                       op_file_row_get_name (pd->row)),
                      op_file_row_get_name (pd->row));
  if (_op_files_view_is_remote (self, pd->pane))
    {
      g_autofree char *path = _op_files_view_remote_join (op_file_pane_get_path (pd->pane),
                                           op_file_row_get_name (pd->row));
      if (pd->recurse != NULL && gtk_check_button_get_active (pd->recurse))
        {
          OpFtpChmodTargets targets = OP_FTP_CHMOD_ALL;

          if (gtk_check_button_get_active (pd->targets[1]))
            targets = OP_FTP_CHMOD_FILES;
          else if (gtk_check_button_get_active (pd->targets[2]))
            targets = OP_FTP_CHMOD_FOLDERS;
          LongOperation *lo = _op_files_view_long_operation_new (self,
                                                                 op_file_row_get_name (pd->row),
                                                                 LONG_OPERATION_CHMOD);

          op_ftp_browser_chmod_tree_async (self->browser, path, mode, targets,
                                           _op_files_view_long_operation_progress, lo,
                                           _op_files_view_long_operation_free,
                                           lo->cancellable, on_remote_done, op);
        }
      else
        op_ftp_browser_chmod_async (self->browser, path, mode, NULL, on_remote_done, op);
    }
  else
    {
      g_autoptr (GFile) file = _op_files_view_local_child (self, pd->row);
      g_autoptr (GFileInfo) info = g_file_info_new ();

      g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE, mode);
      g_file_set_attributes_async (file, info, G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                                   NULL, on_local_chmod_done, op);
    }
}

static void
permissions_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  OpFilePane *pane = _op_files_view_target_pane (self);
  g_autoptr (OpFileRow) row = _op_files_view_single_selection (self, pane);
  const char *who[] = { N_("Owner"), N_("Group"), N_("Others") };
  const char *what[] = { N_("Read"), N_("Write"), N_("Execute") };
  /* Each check box's accessible name, whole: translations may not put the two words
   * side by side. Indexed [who][what]. */
  const char *names[3][3] = {
    { N_("Owner Read"), N_("Owner Write"), N_("Owner Execute") },
    { N_("Group Read"), N_("Group Write"), N_("Group Execute") },
    { N_("Others Read"), N_("Others Write"), N_("Others Execute") },
  };
  PermissionsDialog *pd;
  AdwMessageDialog *dialog;
  GtkWidget *grid, *box, *label;
  g_autofree char *heading = NULL;
  g_autofree char *octal = NULL;
  int mode;

  if (row == NULL)
    return;

  pd = g_new0 (PermissionsDialog, 1);
  pd->self = g_object_ref (self);
  pd->pane = pane;
  pd->row = g_object_ref (row);

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_widget_set_halign (grid, GTK_ALIGN_CENTER);
  for (int c = 0; c < 3; c++)
    {
      label = gtk_label_new (_(what[c]));
      gtk_grid_attach (GTK_GRID (grid), label, c + 1, 0, 1, 1);
    }
  for (int r = 0; r < 3; r++)
    {
      label = gtk_label_new (_(who[r]));
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_grid_attach (GTK_GRID (grid), label, 0, r + 1, 1, 1);
      for (int c = 0; c < 3; c++)
        {
          GtkWidget *check = gtk_check_button_new ();

          gtk_widget_set_halign (check, GTK_ALIGN_CENTER);
          gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          _(names[r][c]), -1);
          pd->bits[r * 3 + c] = GTK_CHECK_BUTTON (check);
          gtk_grid_attach (GTK_GRID (grid), check, c + 1, r + 1, 1, 1);
        }
    }

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  pd->octal = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_max_length (pd->octal, 4);
  gtk_entry_set_activates_default (pd->octal, TRUE);
  gtk_entry_set_input_purpose (pd->octal, GTK_INPUT_PURPOSE_DIGITS);
  gtk_accessible_update_property (GTK_ACCESSIBLE (pd->octal), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Octal Permissions"), -1);
  gtk_box_append (GTK_BOX (box), grid);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (pd->octal));

  /* A remote folder: the same mode for what is inside, through the FTP session (as
   * FileZilla: all of it, only the files, or only the folders). */
  if (_op_files_view_is_remote (self, pane) && op_file_row_is_directory (row))
    {
      const char *target_labels[] = {
        N_("Apply to all files and folders"), N_("Apply to files only"),
        N_("Apply to folders only"),
      };
      GtkWidget *targets_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

      pd->recurse = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (_("Recurse into subfolders")));
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (pd->recurse));
      gtk_widget_set_margin_start (targets_box, 24);
      for (int i = 0; i < 3; i++)
        {
          pd->targets[i] = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (_(target_labels[i])));
          if (i > 0)
            gtk_check_button_set_group (pd->targets[i], pd->targets[0]);
          gtk_box_append (GTK_BOX (targets_box), GTK_WIDGET (pd->targets[i]));
        }
      gtk_check_button_set_active (pd->targets[0], TRUE);
      g_object_bind_property (pd->recurse, "active", targets_box, "sensitive",
                              G_BINDING_SYNC_CREATE);
      gtk_box_append (GTK_BOX (box), targets_box);
    }

  /* Translators: %s is a file name */
  heading = g_strdup_printf (_("Permissions of “%s”"), op_file_row_get_name (row));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (_op_files_view_parent_window (self), heading, NULL));
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "apply", _("_Apply"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "apply", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "apply");
  adw_message_dialog_set_close_response (dialog, "cancel");

  for (int i = 0; i < 9; i++)
    g_signal_connect (pd->bits[i], "toggled", G_CALLBACK (on_bit_toggled), pd);
  g_signal_connect (pd->octal, "changed", G_CALLBACK (on_octal_changed), pd);
  mode = op_file_row_get_mode (row);
  octal = g_strdup_printf ("%03o", mode >= 0 ? mode : 0644);
  gtk_editable_set_text (GTK_EDITABLE (pd->octal), octal);

  g_signal_connect_data (dialog, "response", G_CALLBACK (on_permissions_response), pd,
                         (GClosureNotify) (void (*) (void)) permissions_dialog_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- copy URL, properties ----------------------------------------------------------- */

static char *
remote_url (OpFilesView *self,
            const char  *path)
{
  OpAccount *site = op_ftp_browser_get_site (self->browser);
  const char *scheme = op_ftp_site_get_protocol (site) == OP_SECURITY_IMPLICIT_TLS
                       ? "ftps" : "ftp";
  guint16 port = op_ftp_site_get_effective_port (site);
  guint16 default_port = g_str_equal (scheme, "ftps") ? 990 : 21;

  /* Never the password (DESIGN.md: no secret where it does not belong). */
  return g_uri_join (G_URI_FLAGS_NONE, scheme, self->user, op_account_get_host (site),
                     port != default_port ? port : -1, path, NULL, NULL);
}

static void
copy_url_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  OpFilePane *pane = _op_files_view_target_pane (self);
  g_autoptr (GPtrArray) rows = op_file_pane_dup_selection (pane);
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      OpFileRow *row = g_ptr_array_index (rows, i);
      g_autofree char *url = NULL;

      if (_op_files_view_is_remote (self, pane))
        {
          g_autofree char *path = _op_files_view_remote_join (op_file_pane_get_path (pane), op_file_row_get_name (row));
          url = remote_url (self, path);
        }
      else
        {
          g_autoptr (GFile) file = _op_files_view_local_child (self, row);
          url = g_file_get_uri (file);
        }
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, url);
    }

  if (text->len == 0)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text->str);
  _op_files_view_toast (self, ngettext ("Address copied", "Addresses copied", rows->len));
}

static void
properties_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  OpFilePane *pane = _op_files_view_target_pane (self);
  g_autoptr (OpFileRow) row = _op_files_view_single_selection (self, pane);
  g_autoptr (GString) body = g_string_new (NULL);
  g_autofree char *type = NULL;
  g_autofree char *size = NULL;
  g_autofree char *modified = NULL;
  g_autofree char *permissions = NULL;
  g_autofree char *location = NULL;
  GtkWidget *dialog;
  GtkWidget *label;

  if (row == NULL)
    return;

  type = op_file_row_format_type (row);
  size = op_file_row_get_size (row) >= 0
         ? g_format_size_full (op_file_row_get_size (row), G_FORMAT_SIZE_LONG_FORMAT) : NULL;
  modified = op_file_row_format_modified (row);
  permissions = op_file_row_format_permissions (row);
  if (_op_files_view_is_remote (self, pane))
    {
      g_autofree char *path = _op_files_view_remote_join (op_file_pane_get_path (pane), op_file_row_get_name (row));
      location = remote_url (self, path);
    }
  else
    {
      g_autoptr (GFile) file = _op_files_view_local_child (self, row);
      location = g_file_get_parse_name (file);
    }

  g_string_append_printf (body, _("Type: %s (%s)"), type, op_file_row_get_content_type (row));
  if (size != NULL)
    g_string_append_printf (body, "\n%s %s", _("Size:"), size);
  if (modified[0] != '\0')
    g_string_append_printf (body, "\n%s %s", _("Modified:"), modified);
  if (permissions[0] != '\0')
    g_string_append_printf (body, "\n%s %s (%03o)", _("Permissions:"), permissions,
                            op_file_row_get_mode (row));
  if (op_file_row_get_owner (row) != NULL)
    g_string_append_printf (body, "\n%s %s", _("Owner:"), op_file_row_get_owner (row));
  if (op_file_row_get_group (row) != NULL)
    g_string_append_printf (body, "\n%s %s", _("Group:"), op_file_row_get_group (row));
  if (op_file_row_get_link_target (row) != NULL)
    g_string_append_printf (body, "\n%s %s", _("Link to:"), op_file_row_get_link_target (row));
  g_string_append_printf (body, "\n%s %s", _("Location:"), location);

  dialog = adw_message_dialog_new (_op_files_view_parent_window (self), op_file_row_get_name (row), NULL);
  label = gtk_label_new (body->str);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), label);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}


void
_op_files_view_operations_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "files.new-folder", NULL, new_folder_action);
  gtk_widget_class_install_action (widget_class, "files.rename", NULL, rename_action);
  gtk_widget_class_install_action (widget_class, "files.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "files.permissions", NULL, permissions_action);
  gtk_widget_class_install_action (widget_class, "files.copy-url", NULL, copy_url_action);
  gtk_widget_class_install_action (widget_class, "files.properties", NULL, properties_action);
}
