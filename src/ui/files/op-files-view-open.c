/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

/* A remote row activated (double-click, Enter): a folder is entered; a file does what the
 * "remote-file-double-click" setting says (downloaded into the local pane's folder through
 * the queue, as FileZilla does; opened with View/Edit; or nothing); a link is tried as a
 * folder and, when the server refuses it as one, opened as a file. */

#include "config.h"

#include <glib/gi18n.h>

#include "op-files-view-private.h"
#include "op-ftp-error.h"

static void
open_remote_file (OpFilesView *self,
                  OpFileRow   *row)
{
  g_autofree char *what = self->settings != NULL
      ? g_settings_get_string (self->settings, "remote-file-double-click")
      : g_strdup ("download");

  if (g_strcmp0 (what, "view-edit") == 0)
    {
      /* View/Edit opens the selected file: the one activated. */
      op_file_pane_select_name (self->remote_pane, op_file_row_get_name (row));
      _op_files_view_edit_action (GTK_WIDGET (self), "files.edit", NULL);
    }
  else if (g_strcmp0 (what, "download") == 0)
    {
      if (self->site == NULL || self->local_dir == NULL
          || op_file_pane_get_path (self->remote_pane) == NULL)
        return;
      if (!_op_files_view_queue_download (self, row, op_file_pane_get_path (self->remote_pane),
                                          self->local_dir))
        op_file_pane_show_error (self->remote_pane,
                                 _("This name can’t be used for a local file."));
    }
}

typedef struct
{
  OpFilesView *self;
  OpFileRow   *row;
} LinkOpen;

static void
link_open_free (LinkOpen *open)
{
  g_object_unref (open->self);
  g_object_unref (open->row);
  g_free (open);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LinkOpen, link_open_free)

/* CWD refused: "550 Failed to change directory" (vsftpd), "Not a directory" (ProFTPD,
 * Pure-FTPd). A lost connection or a refused login is not an answer about the link. */
static gboolean
refused_as_folder (const GError *error)
{
  return g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_PERMANENT)
         || g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND);
}

static void
on_link_listed (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (LinkOpen) open = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  OpFtpListing *listing;

  listing = op_ftp_browser_list_finish (OP_FTP_BROWSER (source), result, &path, &error);
  if (open->self->remote_pane == NULL)
    {
      g_clear_pointer (&listing, op_ftp_listing_free);
      return;
    }
  if (listing == NULL && refused_as_folder (error))
    {
      g_debug ("“%s” is not a folder (%s): opened as a file",
               op_file_row_get_name (open->row), error->message);
      open_remote_file (open->self, open->row);
      return;
    }
  _op_files_view_remote_listed (open->self, listing, path, error);
}

void
_op_files_view_open_remote_row (OpFilesView *self,
                                OpFileRow   *row)
{
  g_autofree char *path = NULL;
  LinkOpen *open;

  if (!op_file_row_is_directory (row) && !op_file_row_is_symlink (row))
    {
      open_remote_file (self, row);
      return;
    }
  path = _op_files_view_remote_join (op_file_pane_get_path (self->remote_pane),
                                     op_file_row_get_name (row));
  if (op_file_row_is_directory (row) || !op_ftp_browser_get_connected (self->browser))
    {
      _op_files_view_load_remote (self, path);
      return;
    }

  /* A link may point to a folder or a file; CWD tells. The pane keeps the folder on show
   * meanwhile, so a file link leaves it as it was. */
  open = g_new0 (LinkOpen, 1);
  open->self = g_object_ref (self);
  open->row = g_object_ref (row);
  op_ftp_browser_list_async (self->browser, path, _op_files_view_remote_list_flags (self),
                             _op_files_view_next_remote_cancellable (self), on_link_listed, open);
}
