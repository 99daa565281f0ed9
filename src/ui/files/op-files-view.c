/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>

#include "op-application.h"
#include "op-certificate-info.h"
#include "op-files-preferences-page.h"
#include "op-files-view-private.h"
#include "op-view-registry.h"
#include "op-accounts.h"
#include "op-ftp-browser.h"
#include "op-ftp-recents.h"
#include "op-secrets.h"
#include "op-site-manager.h"
#include "op-ftp-site.h"
#include "op-remote-drag-content.h"
#include "op-transfer-queue.h"
#include "op-trust-store.h"
#include "op-ui-resources.h"

/* Local folders are read in batches of this many entries per callback. */
#define LOCAL_BATCH 1000

#define LOCAL_ATTRIBUTES                                                          \
  G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","   \
  G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE ","           \
  G_FILE_ATTRIBUTE_STANDARD_IS_SYMLINK "," G_FILE_ATTRIBUTE_STANDARD_SYMLINK_TARGET "," \
  G_FILE_ATTRIBUTE_STANDARD_FAST_CONTENT_TYPE "," G_FILE_ATTRIBUTE_TIME_MODIFIED "," \
  G_FILE_ATTRIBUTE_UNIX_MODE "," G_FILE_ATTRIBUTE_OWNER_USER "," G_FILE_ATTRIBUTE_OWNER_GROUP

G_DEFINE_FINAL_TYPE (OpFilesView, op_files_view, GTK_TYPE_WIDGET)


/* --- small helpers ------------------------------------------------------------------ */

gboolean
_op_files_view_is_remote (OpFilesView *self,
                          OpFilePane  *pane)
{
  return pane == self->remote_pane;
}

char *
_op_files_view_remote_join (const char *dir,
             const char *name)
{
  if (g_str_has_suffix (dir, "/"))
    return g_strconcat (dir, name, NULL);
  return g_strconcat (dir, "/", name, NULL);
}

static char *
remote_parent (const char *path)
{
  g_autofree char *trimmed = g_strdup (path);
  char *slash;
  gsize len = strlen (trimmed);

  while (len > 1 && trimmed[len - 1] == '/')
    trimmed[--len] = '\0';
  slash = strrchr (trimmed, '/');
  if (slash == NULL)
    return g_strdup ("..");
  if (slash == trimmed)
    return g_strdup ("/");
  *slash = '\0';
  return g_steal_pointer (&trimmed);
}

GFile *
_op_files_view_local_child (OpFilesView *self,
             OpFileRow   *row)
{
  return g_file_get_child (self->local_dir, op_file_row_get_wire_name (row));
}

/* An error where it happened: in the pane's bar, with the server's words. Cancelling is
 * silent (STYLE.md "Ownership and errors"). */
void
_op_files_view_pane_error (OpFilesView *self,
            OpFilePane  *pane,
            const char  *what,
            GError      *error)
{
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Translators: "Could not rename “a.txt”: 550 Permission denied" */
  message = g_strdup_printf (_("%s: %s"), what, error->message);
  op_file_pane_show_error (pane, message);
  _op_files_view_compare_on_pane_error (self, pane);
}

void
_op_files_view_toast (OpFilesView *self,
       const char  *text)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  g_autofree char *markup = g_markup_escape_text (text, -1);

  if (overlay != NULL)
    {
      AdwToast *toast = adw_toast_new (markup);

      _op_files_view_watch_toast (toast);
      adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
    }
}

GtkWindow *
_op_files_view_parent_window (OpFilesView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

OpFilePane *
_op_files_view_target_pane (OpFilesView *self)
{
  if (self->active_pane == self->remote_pane && !op_ftp_browser_get_connected (self->browser))
    return self->local_pane;
  return self->active_pane;
}

/* --- remote listing ----------------------------------------------------------------- */

static void
on_remote_listed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (OpFilesView) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  OpFtpListing *listing;

  listing = op_ftp_browser_list_finish (OP_FTP_BROWSER (source), result, &path, &error);
  _op_files_view_remote_listed (self, listing, path, error);
}

/* Shows a listing of @path (transfer full; NULL: @error says why there is none). */
void
_op_files_view_remote_listed (OpFilesView  *self,
                              OpFtpListing *listing_in,
                              const char   *path,
                              GError       *error)
{
  g_autoptr (OpFtpListing) listing = listing_in;
  guint n_unparsed;

  /* A view being disposed has no panes left to show it in. */
  if (self->remote_pane == NULL)
    return;
  if (listing == NULL)
    {
      _op_files_view_pane_error (self, self->remote_pane, _("Could not open the folder"), error);
      return;
    }

  n_unparsed = listing->unparsed->len;
  op_file_pane_clear_error (self->remote_pane);
  /* The rows are made on a worker thread (100,000 take a few hundred ms). */
  op_file_pane_set_ftp_listing (self->remote_pane, path, g_steal_pointer (&listing));
  if (n_unparsed > 0)
    {
      g_autofree char *message = g_strdup_printf (
          ngettext ("%u line of the listing could not be read and is not shown.",
                    "%u lines of the listing could not be read and are not shown.",
                    n_unparsed),
          n_unparsed);
      op_file_pane_show_error (self->remote_pane, message);
    }
  _op_files_view_update_actions (self);
}

/* Servers leave dot files out of LIST unless asked ("LIST -a"); MLSD lists them all.
 * The pane's filter hides them again while "Show Hidden Files" is off. */
OpFtpListFlags
_op_files_view_remote_list_flags (OpFilesView *self)
{
  return op_file_pane_get_show_hidden (self->remote_pane) ? OP_FTP_LIST_SHOW_HIDDEN
                                                          : OP_FTP_LIST_DEFAULT;
}

/* Lists @path (NULL: the current folder); a newer listing cancels an older one. */
void
_op_files_view_load_remote (OpFilesView *self,
                            const char  *path)
{
  if (!op_ftp_browser_get_connected (self->browser))
    return;

  op_file_pane_set_loading (self->remote_pane, path);
  op_ftp_browser_list_async (self->browser, path, _op_files_view_remote_list_flags (self),
                             _op_files_view_next_remote_cancellable (self), on_remote_listed,
                             g_object_ref (self));
}

/* The cancellable of a remote listing starting now; it cancels the one before. */
GCancellable *
_op_files_view_next_remote_cancellable (OpFilesView *self)
{
  g_cancellable_cancel (self->remote_cancellable);
  g_clear_object (&self->remote_cancellable);
  self->remote_cancellable = g_cancellable_new ();
  return self->remote_cancellable;
}

void
_op_files_view_refresh_remote (OpFilesView *self)
{
  _op_files_view_load_remote (self, op_file_pane_get_path (self->remote_pane));
}

/* Turning "Show Hidden Files" on asks the server again, for the dot files this time;
 * turning it off only filters what is there. */
static void
on_remote_show_hidden (OpFilesView *self)
{
  if (op_file_pane_get_show_hidden (self->remote_pane)
      && op_file_pane_get_path (self->remote_pane) != NULL)
    _op_files_view_refresh_remote (self);
}

/* --- local listing ------------------------------------------------------------------ */

typedef struct
{
  OpFilesView *self;
  GFile       *dir;
  GPtrArray   *rows;
  GCancellable *cancellable;
} LocalLoad;

static void
local_load_free (LocalLoad *load)
{
  g_object_unref (load->self);
  g_object_unref (load->dir);
  g_ptr_array_unref (load->rows);
  g_object_unref (load->cancellable);
  g_free (load);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LocalLoad, local_load_free)

static void
local_load_error (LocalLoad *load,
                  GError    *error)
{
  if (!g_cancellable_is_cancelled (load->cancellable))
    _op_files_view_pane_error (load->self, load->self->local_pane, _("Could not open the folder"), error);
}

static void
on_local_files (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (LocalLoad) load = user_data;
  GFileEnumerator *enumerator = G_FILE_ENUMERATOR (source);
  g_autoptr (GError) error = NULL;
  GList *infos;

  infos = g_file_enumerator_next_files_finish (enumerator, result, &error);
  if (error != NULL)
    {
      local_load_error (load, error);
      return;
    }
  if (g_cancellable_is_cancelled (load->cancellable))
    {
      g_list_free_full (infos, g_object_unref);
      return;
    }

  if (infos != NULL)
    {
      for (GList *l = infos; l != NULL; l = l->next)
        g_ptr_array_add (load->rows, op_file_row_new_from_file_info (l->data));
      g_list_free_full (infos, g_object_unref);
      GCancellable *cancellable = load->cancellable;

      g_file_enumerator_next_files_async (enumerator, LOCAL_BATCH, G_PRIORITY_DEFAULT,
                                          cancellable, on_local_files,
                                          g_steal_pointer (&load));
      return;
    }

  /* All read: show them in one change. */
  {
    OpFilesView *self = load->self;
    g_autofree char *path = g_file_get_parse_name (load->dir);

    g_set_object (&self->local_dir, load->dir);
    op_file_pane_clear_error (self->local_pane);
    op_file_pane_set_listing (self->local_pane, path, load->rows);
    _op_files_view_update_actions (self);
  }
}

static void
on_local_enumerated (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr (LocalLoad) load = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFileEnumerator) enumerator = NULL;

  enumerator = g_file_enumerate_children_finish (G_FILE (source), result, &error);
  if (enumerator == NULL)
    {
      local_load_error (load, error);
      return;
    }
  {
    GCancellable *cancellable = load->cancellable;

    g_file_enumerator_next_files_async (enumerator, LOCAL_BATCH, G_PRIORITY_DEFAULT,
                                        cancellable, on_local_files, g_steal_pointer (&load));
  }
}

void
_op_files_view_load_local (OpFilesView *self,
                           GFile       *dir)
{
  LocalLoad *load;
  g_autofree char *path = g_file_get_parse_name (dir);

  g_cancellable_cancel (self->local_cancellable);
  g_clear_object (&self->local_cancellable);
  self->local_cancellable = g_cancellable_new ();

  load = g_new0 (LocalLoad, 1);
  load->self = g_object_ref (self);
  load->dir = g_object_ref (dir);
  load->rows = g_ptr_array_new_with_free_func (g_object_unref);
  load->cancellable = g_object_ref (self->local_cancellable);

  op_file_pane_set_loading (self->local_pane, path);
  g_file_enumerate_children_async (dir, LOCAL_ATTRIBUTES, G_FILE_QUERY_INFO_NONE,
                                   G_PRIORITY_DEFAULT, load->cancellable,
                                   on_local_enumerated, load);
}

void
_op_files_view_refresh_local (OpFilesView *self)
{
  if (self->local_dir != NULL)
    _op_files_view_load_local (self, self->local_dir);
}

void
_op_files_view_refresh_pane (OpFilesView *self,
                             OpFilePane  *pane)
{
  if (_op_files_view_is_remote (self, pane))
    _op_files_view_refresh_remote (self);
  else
    _op_files_view_refresh_local (self);
}

/* --- navigation --------------------------------------------------------------------- */

static void
on_pane_navigate (OpFilePane  *pane,
                  const char  *path,
                  OpFilesView *self)
{
  if (_op_files_view_is_remote (self, pane))
    _op_files_view_load_remote (self, path);
  else
    {
      g_autoptr (GFile) dir = g_file_parse_name (path);
      _op_files_view_load_local (self, dir);
    }
}

static void
go_up (OpFilesView *self,
       OpFilePane  *pane)
{
  const char *path = op_file_pane_get_path (pane);

  if (path == NULL)
    return;

  if (_op_files_view_is_remote (self, pane))
    {
      g_autofree char *parent = remote_parent (path);
      _op_files_view_load_remote (self, parent);
    }
  else if (self->local_dir != NULL)
    {
      g_autoptr (GFile) parent = g_file_get_parent (self->local_dir);
      if (parent != NULL)
        _op_files_view_load_local (self, parent);
    }
}

static void
on_pane_go_up (OpFilePane  *pane,
               OpFilesView *self)
{
  go_up (self, pane);
}

static void
on_pane_refresh (OpFilePane  *pane,
                 OpFilesView *self)
{
  _op_files_view_refresh_pane (self, pane);
}

static void
on_launched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (OpFilesView) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    _op_files_view_pane_error (self, self->local_pane, _("Could not open the file"), error);
}

static void
open_row (OpFilesView *self,
          OpFilePane  *pane,
          OpFileRow   *row)
{
  if (_op_files_view_is_remote (self, pane))
    _op_files_view_open_remote_row (self, row);
  else
    {
      g_autoptr (GFile) file = _op_files_view_local_child (self, row);

      if (op_file_row_is_directory (row))
        _op_files_view_load_local (self, file);
      else
        {
          g_autofree char *uri = g_file_get_uri (file);
          g_app_info_launch_default_for_uri_async (uri, NULL, NULL, on_launched,
                                                   g_object_ref (self));
        }
    }
}

static void
on_pane_row_activated (OpFilePane  *pane,
                       OpFileRow   *row,
                       OpFilesView *self)
{
  open_row (self, pane, row);
}

static void
on_pane_focus_enter (GtkEventControllerFocus *controller,
                     OpFilesView             *self)
{
  OpFilePane *pane = OP_FILE_PANE (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller)));

  if (self->active_pane != pane)
    {
      self->active_pane = pane;
      _op_files_view_update_actions (self);
    }
}

static void
on_pane_pressed (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 OpFilesView     *self)
{
  GtkWidget *pane = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));

  if (self->active_pane != OP_FILE_PANE (pane))
    {
      self->active_pane = OP_FILE_PANE (pane);
      _op_files_view_update_actions (self);
    }
}

static void
on_pane_selection_changed (OpFilePane  *pane,
                           OpFilesView *self)
{
  if (pane == _op_files_view_target_pane (self))
    _op_files_view_update_actions (self);
}

/* --- actions ------------------------------------------------------------------------ */

void
_op_files_view_update_actions (OpFilesView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  OpFilePane *pane = _op_files_view_target_pane (self);
  g_autoptr (GPtrArray) selection = NULL;
  gboolean listed, remote, one, any;
  gboolean can_open = FALSE;

  /* The panes go first while the view is disposed. */
  if (pane == NULL)
    return;

  selection = op_file_pane_dup_selection (pane);
  listed = op_file_pane_get_path (pane) != NULL;
  remote = _op_files_view_is_remote (self, pane);
  one = selection->len == 1;
  any = selection->len > 0;

  if (one)
    {
      OpFileRow *row = g_ptr_array_index (selection, 0);
      can_open = op_file_row_is_directory (row) || op_file_row_is_symlink (row) || !remote
                 || op_ftp_browser_get_connected (self->browser);
    }

  gtk_widget_action_set_enabled (widget, "files.disconnect", op_ftp_browser_get_connected (self->browser));
  gtk_widget_action_set_enabled (widget, "files.cancel-connect", op_ftp_browser_get_connecting (self->browser));
  gtk_widget_action_set_enabled (widget, "files.copy-log", self->log != NULL);
  gtk_widget_action_set_enabled (widget, "files.up", listed);
  gtk_widget_action_set_enabled (widget, "files.refresh", listed);
  gtk_widget_action_set_enabled (widget, "files.open", listed && can_open);
  gtk_widget_action_set_enabled (widget, "files.new-folder", listed);
  gtk_widget_action_set_enabled (widget, "files.rename", listed && one);
  gtk_widget_action_set_enabled (widget, "files.delete", listed && any);
  gtk_widget_action_set_enabled (widget, "files.permissions", listed && one);
  gtk_widget_action_set_enabled (widget, "files.copy-url", listed && any);
  gtk_widget_action_set_enabled (widget, "files.properties", listed && one);
  gtk_widget_action_set_enabled (widget, "files.edit", listed && one && remote && op_ftp_browser_get_connected (self->browser)
                                 && !op_file_row_is_directory (g_ptr_array_index (selection, 0)));
  gtk_widget_action_set_enabled (widget, "files.download",
                                 listed && any && remote && op_ftp_browser_get_connected (self->browser));
  gtk_widget_action_set_enabled (widget, "files.upload", listed && any && !remote
                                 && op_ftp_browser_get_connected (self->browser)
                                 && op_file_pane_get_path (self->remote_pane) != NULL);
  gtk_widget_action_set_enabled (widget, "files.clear-finished",
                                 self->queue != NULL
                                 && g_list_model_get_n_items (G_LIST_MODEL (self->queue)) > 0);
  _op_files_view_compare_update_actions (self);
}

OpFileRow *
_op_files_view_single_selection (OpFilesView *self,
                  OpFilePane  *pane)
{
  g_autoptr (GPtrArray) selection = op_file_pane_dup_selection (pane);

  if (selection->len != 1)
    return NULL;
  return g_object_ref (g_ptr_array_index (selection, 0));
}

static void
up_action (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  go_up (self, _op_files_view_target_pane (self));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  _op_files_view_refresh_pane (self, _op_files_view_target_pane (self));
}

static void
focus_path_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  op_file_pane_focus_path_entry (_op_files_view_target_pane (self));
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  OpFilePane *pane = _op_files_view_target_pane (self);
  g_autoptr (OpFileRow) row = _op_files_view_single_selection (self, pane);

  if (row != NULL)
    open_row (self, pane, row);
}

/* --- drag and drop between the panes and from the desktop ------------------------- */

/* For another app (a file manager, the desktop): the selected remote files as a
 * text/uri-list of local copies, downloaded when the drop asks. */
static GdkContentProvider *
remote_drag_content (OpFilesView *self)
{
  g_autoptr (GPtrArray) rows = op_file_pane_dup_selection (self->remote_pane);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < rows->len; i++)
    {
      OpFileRow *row = g_ptr_array_index (rows, i);

      if (!op_file_row_is_directory (row))
        g_ptr_array_add (paths, _op_files_view_remote_join (op_file_pane_get_path (self->remote_pane),
                                                            op_file_row_get_name (row)));
    }
  g_ptr_array_add (paths, NULL);
  return op_remote_drag_content_new (self->browser, (const char * const *) paths->pdata);
}

/* TRUE when @content is what a drag of the remote pane carries. */
gboolean
_op_files_view_is_remote_drag (OpFilesView        *self,
                               GdkContentProvider *content)
{
  GValue value = G_VALUE_INIT;
  gboolean remote;

  g_value_init (&value, OP_TYPE_FILE_PANE);
  remote = gdk_content_provider_get_value (content, &value, NULL)
           && g_value_get_object (&value) == (gpointer) self->remote_pane;
  g_value_unset (&value);
  return remote;
}

/* The remote pane takes files from the local pane and other apps, not its own drag
 * (whose file list would download the files to upload them again); otherwise what
 * GtkDropTarget accepts by itself. */
static gboolean
on_remote_accept (GtkDropTarget *target,
                  GdkDrop       *drop,
                  OpFilesView   *self)
{
  GdkDrag *drag = gdk_drop_get_drag (drop);

  if (drag != NULL && _op_files_view_is_remote_drag (self, gdk_drag_get_content (drag)))
    return FALSE;
  return (gdk_drop_get_actions (drop) & gtk_drop_target_get_actions (target)) != 0
         && gdk_content_formats_match_gtype (gtk_drop_target_get_formats (target),
                                             gdk_drop_get_formats (drop)) != G_TYPE_INVALID;
}

/* What a pane's drag carries: the pane itself (in this process the drop side asks it
 * for its selection), and for another app (a file manager): for local files a
 * GdkFileList, for remote ones a text/uri-list of copies downloaded on the drop. */
static GdkContentProvider *
on_pane_drag_prepare (OpFilePane  *pane,
                      OpFilesView *self)
{
  GdkContentProvider *providers[2];
  guint n = 0;

  providers[n++] = gdk_content_provider_new_typed (OP_TYPE_FILE_PANE, pane);
  if (pane == self->local_pane && self->local_dir != NULL)
    {
      g_autoptr (GPtrArray) rows = op_file_pane_dup_selection (pane);
      GSList *files = NULL;
      GdkFileList *list;

      for (guint i = rows->len; i > 0; i--)
        files = g_slist_prepend (files, _op_files_view_local_child (self, g_ptr_array_index (rows, i - 1)));
      list = gdk_file_list_new_from_list (files);
      g_slist_free_full (files, g_object_unref);
      providers[n++] = gdk_content_provider_new_typed (GDK_TYPE_FILE_LIST, list);
      g_boxed_free (GDK_TYPE_FILE_LIST, list);
    }
  else if (pane == self->remote_pane && op_file_pane_get_path (pane) != NULL)
    providers[n++] = remote_drag_content (self);
  return gdk_content_provider_new_union (providers, n);
}

static void
upload_files (OpFilesView *self,
              GSList      *files,
              const char  *remote_dir)
{
  for (GSList *l = files; l != NULL; l = l->next)
    {
      GFile *file = l->data;
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *display = g_filename_display_name (name);
      g_autofree char *remote = _op_files_view_remote_join (remote_dir, display);
      /* A local stat: a small read, to tell a folder (uploaded recursively). */
      gboolean is_dir = g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL)
                        == G_FILE_TYPE_DIRECTORY;

      if (g_file_peek_path (file) == NULL)
        continue; /* not a local file (a URI of some other scheme) */
      op_transfer_queue_add_upload (self->queue, self->site, file, remote, is_dir, 0);
    }
}

/* The folder row under a drop at (@x, @y) of @pane, or NULL: the pane's own folder. */
static OpFileRow *
drop_folder_row (OpFilePane *pane,
                 double      x,
                 double      y)
{
  g_autoptr (OpFileRow) row = op_file_pane_get_row_at (pane, x, y);

  return row != NULL && op_file_row_is_directory (row) ? g_steal_pointer (&row) : NULL;
}

/* A drop onto @pane at (@x, @y): into the folder row there, or else the pane's folder.
 * The remote pane takes files (from the local pane or a file manager), the local pane
 * the remote pane's selection. */
gboolean
_op_files_view_drop (OpFilesView  *self,
                     OpFilePane   *pane,
                     const GValue *value,
                     double        x,
                     double        y)
{
  g_autoptr (OpFileRow) folder = NULL;

  if (!op_ftp_browser_get_connected (self->browser) || self->site == NULL
      || op_file_pane_get_path (self->remote_pane) == NULL)
    return FALSE;
  folder = drop_folder_row (pane, x, y);

  if (pane == self->remote_pane && G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      g_autofree char *dir = folder != NULL
          ? _op_files_view_remote_join (op_file_pane_get_path (pane), op_file_row_get_name (folder))
          : g_strdup (op_file_pane_get_path (pane));

      upload_files (self, gdk_file_list_get_files (g_value_get_boxed (value)), dir);
      return TRUE;
    }
  if (pane == self->local_pane && G_VALUE_HOLDS (value, OP_TYPE_FILE_PANE)
      && g_value_get_object (value) == (gpointer) self->remote_pane && self->local_dir != NULL)
    {
      g_autoptr (GFile) dir = folder != NULL ? _op_files_view_local_child (self, folder)
                                             : g_object_ref (self->local_dir);

      _op_files_view_download_selection (self, dir);
      return TRUE;
    }
  return FALSE;
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         OpFilesView   *self)
{
  GtkWidget *pane = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));

  return _op_files_view_drop (self, OP_FILE_PANE (pane), value, x, y);
}

static void
setup_drop_targets (OpFilesView *self)
{
  GtkDropTarget *remote = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  GtkDropTarget *local = gtk_drop_target_new (OP_TYPE_FILE_PANE, GDK_ACTION_COPY);

  g_signal_connect (remote, "accept", G_CALLBACK (on_remote_accept), self);
  g_signal_connect (remote, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self->remote_pane), GTK_EVENT_CONTROLLER (remote));
  g_signal_connect (local, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self->local_pane), GTK_EVENT_CONTROLLER (local));
}

/* --- public API --------------------------------------------------------------------- */

GtkWidget *
op_files_view_new (void)
{
  return g_object_new (OP_TYPE_FILES_VIEW, NULL);
}

static gboolean
open_uri_in_view (GtkWidget   *view,
                  const char  *uri,
                  GError     **error)
{
  return op_files_view_open_uri (OP_FILES_VIEW (view), uri, error);
}

/**
 * op_files_view_register:
 *
 * Adds the Files view to the window's views (op-view-registry.h): first, built at once,
 * opening ftp:// and ftps:// (the desktop file registers both).
 */
void
op_files_view_register (void)
{
  static const char * const schemes[] = { "ftp", "ftps", NULL };
  static const OpViewInfo info = {
    .name = "files",
    .title = N_("Files"),
    .icon_name = "folder-remote-symbolic",
    .create = op_files_view_new,
    .lazy = FALSE,
    .schemes = schemes,
    .open_uri = open_uri_in_view,
    .create_preferences = op_files_preferences_page_new,
  };

  op_view_registry_add (&info);
}

OpFilePane *
op_files_view_get_local_pane (OpFilesView *self)
{
  g_return_val_if_fail (OP_IS_FILES_VIEW (self), NULL);
  return self->local_pane;
}

OpFilePane *
op_files_view_get_remote_pane (OpFilesView *self)
{
  g_return_val_if_fail (OP_IS_FILES_VIEW (self), NULL);
  return self->remote_pane;
}

OpFtpClient *
op_files_view_get_client (OpFilesView *self)
{
  g_return_val_if_fail (OP_IS_FILES_VIEW (self), NULL);
  return op_ftp_browser_get_client (self->browser);
}

void
op_files_view_set_local_folder (OpFilesView *self,
                                GFile       *folder)
{
  g_return_if_fail (OP_IS_FILES_VIEW (self));
  g_return_if_fail (G_IS_FILE (folder));

  g_set_object (&self->local_dir, folder);
  _op_files_view_load_local (self, folder);
}

/* --- GObject ------------------------------------------------------------------------ */

static void
op_files_view_dispose (GObject *object)
{
  OpFilesView *self = OP_FILES_VIEW (object);

  g_cancellable_cancel (self->local_cancellable);
  g_clear_object (&self->local_cancellable);
  _op_files_view_connect_dispose (self);
  _op_files_view_compare_dispose (self);
  g_clear_handle_id (&self->refresh_idle, g_source_remove);
  if (self->queue != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->queue, self);
      /* Unfinished transfers come back paused next time (the queue is saved). */
      op_transfer_queue_save (self->queue, NULL);
    }
  g_clear_handle_id (&self->queue_filter_idle, g_source_remove);
  g_clear_object (&self->queue_state_filter);
  g_clear_object (&self->queue);
  g_clear_object (&self->site);
  g_clear_object (&self->recents);
  g_clear_object (&self->settings);
  g_clear_object (&self->accounts);
  g_clear_object (&self->chosen_site);
  g_clear_pointer (&self->edits, g_hash_table_unref);
  g_clear_object (&self->recent_menu);
  g_clear_object (&self->local_dir);
  gtk_widget_dispose_template (GTK_WIDGET (self), OP_TYPE_FILES_VIEW);

  G_OBJECT_CLASS (op_files_view_parent_class)->dispose (object);
}

static void
op_files_view_finalize (GObject *object)
{
  OpFilesView *self = OP_FILES_VIEW (object);

  g_free (self->user);

  G_OBJECT_CLASS (op_files_view_parent_class)->finalize (object);
}

/* A third of the lists' space, 180 to 320 px, for the queue and the log; after that
 * the divider stays where the user puts it. */
static gboolean
size_bottom_panel (gpointer data)
{
  OpFilesView *self = data;
  int paned_height = gtk_widget_get_height (GTK_WIDGET (self->vertical_paned));

  if (paned_height > 0)
    gtk_paned_set_position (self->vertical_paned,
                            paned_height - CLAMP (paned_height / 3, 180, 320));
  return G_SOURCE_REMOVE;
}

/* Below this width the panes stack instead of sitting side by side: a phone-sized
 * window has no room for two file lists next to each other. */
#define NARROW_WIDTH 640

static void
op_files_view_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  GtkOrientation wanted = width < NARROW_WIDTH ? GTK_ORIENTATION_VERTICAL
                                               : GTK_ORIENTATION_HORIZONTAL;

  if (gtk_orientable_get_orientation (GTK_ORIENTABLE (self->panes)) != wanted)
    {
      gtk_orientable_set_orientation (GTK_ORIENTABLE (self->panes), wanted);
      /* A narrow window keeps its height for the two lists: the queue and the log
       * come back when it is wide again. */
      gtk_widget_set_visible (GTK_WIDGET (self->bottom_paned),
                              wanted == GTK_ORIENTATION_HORIZONTAL);
    }

  gtk_widget_allocate (self->box, width, height, baseline, NULL);

  /* The queue and the log start at a useful height rather than their minimum (not from
   * inside an allocation: moving the divider asks for a new one). */
  if (!self->bottom_sized && gtk_widget_get_visible (GTK_WIDGET (self->bottom_paned))
      && gtk_widget_get_height (GTK_WIDGET (self->vertical_paned)) >= 400)
    {
      self->bottom_sized = TRUE;
      g_idle_add_full (G_PRIORITY_HIGH_IDLE, size_bottom_panel, g_object_ref (self),
                       g_object_unref);
    }
}

/* The panes' divider, and the split between the lists and the queue, when the other
 * layout than the current one is estimated (the widest Adwaita handle is a few pixels;
 * more is harmless, less would underallocate). */
#define HANDLE_ALLOWANCE 8

static int
measure_min (GtkWidget      *widget,
             GtkOrientation  orientation,
             int             for_size)
{
  int minimum = 0;

  if (gtk_widget_get_visible (widget))
    gtk_widget_measure (widget, orientation, for_size, &minimum, NULL, NULL, NULL);
  return minimum;
}

/*
 * What the layout that @width calls for needs, whichever one the panes have now: the
 * box measures only the current one, and the orientation changes in size_allocate, so
 * a window sized for the side-by-side panes (two panes wide, one pane high) would never
 * become narrow, and one sized for stacked panes could be allocated below what they
 * need once they stack (GtkBox then hands out negative sizes: "gtk_widget_size_allocate():
 * attempt to allocate … with height -N"). @width -1: the narrowest layout's width.
 */
static void
measure_layout (OpFilesView    *self,
                GtkOrientation  orientation,
                int             for_size,
                int            *minimum)
{
  GtkWidget *local = GTK_WIDGET (self->local_pane);
  GtkWidget *remote = GTK_WIDGET (self->remote_pane);
  gboolean stacked;

  *minimum = 0;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* Narrow: each row of the box alone, and either pane alone (no queue and log). */
      for (GtkWidget *child = gtk_widget_get_first_child (self->box); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        *minimum = MAX (*minimum, child == GTK_WIDGET (self->vertical_paned)
                                  ? MAX (measure_min (local, orientation, -1),
                                         measure_min (remote, orientation, -1))
                                  : measure_min (child, orientation, -1));
      return;
    }

  stacked = for_size >= 0 && for_size < NARROW_WIDTH;
  /* Side by side, GTK's own measure of the box holds: the queue and the log may shrink
   * away (shrink-end-child), and the panes' heights depend on their widths. Adding the
   * panes' minimums for no width here made a 640 × 480 or an 820 × 610 window
   * impossible. */
  if (!stacked)
    return;
  for (GtkWidget *child = gtk_widget_get_first_child (self->box); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (child != GTK_WIDGET (self->vertical_paned))
        *minimum += measure_min (child, orientation, for_size);
      else
        *minimum += measure_min (local, orientation, for_size)
                    + measure_min (remote, orientation, for_size) + HANDLE_ALLOWANCE;
    }
}

/* Measured and allocated by hand (not a layout manager) so size_allocate can change the
 * orientation above. */
static void
op_files_view_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  int layout;

  gtk_widget_measure (self->box, orientation, for_size, minimum, natural,
                      minimum_baseline, natural_baseline);
  measure_layout (self, orientation, for_size, &layout);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = MIN (*minimum, layout);
  else
    *minimum = MAX (*minimum, layout);
  *natural = MAX (*natural, *minimum);
}

static void
op_files_view_class_init (OpFilesViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_files_view_dispose;
  object_class->finalize = op_files_view_finalize;
  widget_class->size_allocate = op_files_view_size_allocate;
  widget_class->measure = op_files_view_measure;

  g_type_ensure (OP_TYPE_FILE_PANE);

  gtk_widget_class_install_action (widget_class, "files.up", NULL, up_action);
  gtk_widget_class_install_action (widget_class, "files.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "files.focus-path", NULL, focus_path_action);
  gtk_widget_class_install_action (widget_class, "files.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "files.download", NULL, _op_files_view_download_action);
  gtk_widget_class_install_action (widget_class, "files.edit", NULL, _op_files_view_edit_action);
  gtk_widget_class_install_action (widget_class, "files.upload", NULL, _op_files_view_upload_action);
  gtk_widget_class_install_action (widget_class, "files.clear-finished", NULL, _op_files_view_clear_finished_action);
  gtk_widget_class_install_action (widget_class, "files.queue-toggle-running", NULL,
                                   _op_files_view_queue_toggle_running_action);

  /* Keep these in step with op-help-overlay.ui. Keys an entry uses (BackSpace,
   * Delete) reach these only when no entry has the focus. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "files.focus-path", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "files.up", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_BackSpace, 0, "files.up", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "files.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F2, 0, "files.rename", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "files.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "files.new-folder", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "files.permissions", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "files.copy-url", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_ALT_MASK,
                                       "files.properties", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                       "files.edit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "files.download", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "files.upload", NULL);

  _op_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "files/op-files-view.ui");
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, box);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, protocol_dropdown);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, host_entry);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, port_entry);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, user_entry);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, password_entry);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, connect_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, disconnect_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, cancel_connect_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, recent_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, state_icon);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, state_label);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, tls_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, tls_label);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, error_label);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, local_pane);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, remote_pane);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, log_scrolled);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, log_view);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, queue_view);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, panes);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, bottom_paned);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, vertical_paned);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, queue_stack);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, queue_title);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, queue_filter);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, queue_run_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, context_menu);
  _op_files_view_connect_class_init (widget_class);
  _op_files_view_operations_class_init (widget_class);
  _op_files_view_compare_class_init (widget_class);
  _op_files_view_bookmarks_class_init (widget_class);
}

/* The settings say KiB per second (what a person types); the queue counts bytes. */
static gboolean
kib_to_bytes (GValue   *value,
              GVariant *variant,
              gpointer  user_data)
{
  g_value_set_uint64 (value, (guint64) g_variant_get_uint32 (variant) * 1024);
  return TRUE;
}

static void
op_files_view_init (OpFilesView *self)
{
  GtkListItemFactory *factory;
  OpFilePane *panes[] = { NULL, NULL };

  _op_files_view_compare_init (self);
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The quick-connect bar is a GtkFlowBox only to wrap in a narrow window: its cells are
   * no controls of their own, and Tab would stop on each (nameless to a screen reader)
   * before reaching the field inside. */
  {
    GtkWidget *bar = gtk_widget_get_parent (gtk_widget_get_parent (GTK_WIDGET (self->protocol_dropdown)));

    for (GtkWidget *cell = gtk_widget_get_first_child (bar); cell != NULL;
         cell = gtk_widget_get_next_sibling (cell))
      gtk_widget_set_focusable (cell, FALSE);
  }

  /* The site manager opens from anywhere in the window: right after start-up the focus is
   * on the header bar's menu button, outside this view, where its own key bindings (which
   * act on the focused pane) do not reach. */
  {
    GtkEventController *shortcuts = gtk_shortcut_controller_new ();

    gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                       GTK_SHORTCUT_SCOPE_MANAGED);
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_s, GDK_CONTROL_MASK),
                                                            gtk_named_action_new ("files.site-manager")));
    gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
  }

  /* The transfer queue, with what was unfinished last time (paused). */
  self->queue = op_transfer_queue_new_default ();
  {
    GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
    g_autoptr (GSettingsSchema) schema = source != NULL
        ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;

    /* Only an uninstalled build lacks the schema (OpWindow says so). */
    if (schema != NULL)
      {
        self->settings = g_settings_new_full (schema, NULL, NULL);
        g_settings_bind (self->settings, "transfer-max-parallel", self->queue, "max-parallel",
                         G_SETTINGS_BIND_GET);
        g_settings_bind_with_mapping (self->settings, "transfer-download-limit-kib",
                                      self->queue, "download-limit", G_SETTINGS_BIND_GET,
                                      kib_to_bytes, NULL, NULL, NULL);
        g_settings_bind_with_mapping (self->settings, "transfer-upload-limit-kib",
                                      self->queue, "upload-limit", G_SETTINGS_BIND_GET,
                                      kib_to_bytes, NULL, NULL, NULL);
      }
  }
  {
    g_autoptr (GError) error = NULL;

    if (!op_transfer_queue_load (self->queue, NULL, &error))
      g_warning ("The transfer queue could not be restored: %s", error->message);
  }
  _op_files_view_connect_init (self);
  g_signal_connect (self->queue, "conflict", G_CALLBACK (_op_files_view_on_conflict), self);
  g_signal_connect (self->queue, "item-finished", G_CALLBACK (_op_files_view_on_item_finished), self);
  g_signal_connect_swapped (self->queue, "items-changed", G_CALLBACK (_op_files_view_on_queue_changed), self);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (_op_files_view_setup_queue_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (_op_files_view_bind_queue_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (_op_files_view_unbind_queue_row), self);
  gtk_list_view_set_factory (self->queue_view, factory);
  g_object_unref (factory);
  _op_files_view_setup_queue_list (self);
  _op_files_view_on_queue_changed (self);

  panes[0] = self->local_pane;
  panes[1] = self->remote_pane;
  for (guint i = 0; i < G_N_ELEMENTS (panes); i++)
    {
      GtkEventController *focus = gtk_event_controller_focus_new ();

      GtkGesture *click = gtk_gesture_click_new ();

      g_signal_connect (focus, "enter", G_CALLBACK (on_pane_focus_enter), self);
      gtk_widget_add_controller (GTK_WIDGET (panes[i]), focus);
      /* A click anywhere in a pane (an empty part of the list takes no focus) makes it
       * the one the commands act on. */
      gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
      gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
      g_signal_connect (click, "pressed", G_CALLBACK (on_pane_pressed), self);
      gtk_widget_add_controller (GTK_WIDGET (panes[i]), GTK_EVENT_CONTROLLER (click));
      g_signal_connect_object (panes[i], "navigate", G_CALLBACK (on_pane_navigate), self, 0);
      g_signal_connect_object (panes[i], "go-up", G_CALLBACK (on_pane_go_up), self, 0);
      g_signal_connect_object (panes[i], "refresh", G_CALLBACK (on_pane_refresh), self, 0);
      g_signal_connect_object (panes[i], "row-activated", G_CALLBACK (on_pane_row_activated), self, 0);
      g_signal_connect_object (panes[i], "selection-changed",
                               G_CALLBACK (on_pane_selection_changed), self, 0);
      g_signal_connect_object (panes[i], "listed", G_CALLBACK (_op_files_view_on_pane_listed), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (panes[i], "listed", G_CALLBACK (_op_files_view_compare_on_pane_listed),
                               self, G_CONNECT_SWAPPED);
      op_file_pane_set_context_menu (panes[i], self->context_menu);
      g_signal_connect_object (panes[i], "drag-prepare", G_CALLBACK (on_pane_drag_prepare), self, 0);
    }
  g_signal_connect_object (self->remote_pane, "notify::show-hidden",
                           G_CALLBACK (on_remote_show_hidden), self, G_CONNECT_SWAPPED);

  setup_drop_targets (self);

  self->edits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) _op_files_view_edit_free);
  self->active_pane = self->local_pane;
  op_file_pane_set_placeholder (self->remote_pane, "network-server-symbolic",
                                _("Not Connected"),
                                _("Connect to a server to see its files here."));
  _op_files_view_update_state (self);
  {
    g_autoptr (GFile) home = g_file_new_for_path (g_get_home_dir ());
    op_files_view_set_local_folder (self, home);
  }
}
