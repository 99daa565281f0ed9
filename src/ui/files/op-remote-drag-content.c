/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

/* What a drag of remote files offers another app (a file manager, the desktop): a
 * text/uri-list of local copies. The files are downloaded when the drop asks for the
 * list, not when the drag starts, each into a private folder under the cache, on a
 * session of its own (op_ftp_browser_download_async). Folders are left out: the list
 * names what could be fetched. */

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "op-ftp-client.h"
#include "op-remote-drag-content.h"

struct _OpRemoteDragContent
{
  GdkContentProvider parent_instance;

  OpFtpBrowser *browser;
  GPtrArray    *remote_paths;   /* of files */
  char         *uri_list;       /* once fetched */
};

G_DEFINE_FINAL_TYPE (OpRemoteDragContent, op_remote_drag_content, GDK_TYPE_CONTENT_PROVIDER)

#define URI_LIST "text/uri-list"

static void prune_old_copies (GTask        *task,
                              gpointer      source_object,
                              gpointer      task_data,
                              GCancellable *cancellable);

typedef struct
{
  GString      *uris;
  guint         pending;
  GError       *error;      /* the first one */
  GOutputStream *stream;
  int           io_priority;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_string_free (fetch->uris, TRUE);
  g_clear_error (&fetch->error);
  g_clear_object (&fetch->stream);
  g_free (fetch);
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
write_list (GTask *task)
{
  OpRemoteDragContent *self = g_task_get_source_object (task);
  Fetch *fetch = g_task_get_task_data (task);

  g_output_stream_write_all_async (fetch->stream, self->uri_list, strlen (self->uri_list),
                                   fetch->io_priority, g_task_get_cancellable (task),
                                   on_written, task);
}

static void
on_downloaded (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  OpRemoteDragContent *self = g_task_get_source_object (task);
  Fetch *fetch = g_task_get_task_data (task);
  GError *error = NULL;

  if (!op_ftp_browser_finish (OP_FTP_BROWSER (source), result, &error))
    {
      if (fetch->error == NULL)
        fetch->error = error;
      else
        g_error_free (error);
    }
  if (--fetch->pending > 0)
    return;

  if (fetch->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&fetch->error));
      g_object_unref (task);
      return;
    }
  g_free (self->uri_list);
  self->uri_list = g_strdup (fetch->uris->str);
  write_list (task);
}

static void
write_mime_type_async (GdkContentProvider  *provider,
                       const char          *mime_type,
                       GOutputStream       *stream,
                       int                  io_priority,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  OpRemoteDragContent *self = OP_REMOTE_DRAG_CONTENT (provider);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Fetch *fetch;

  g_task_set_source_tag (task, write_mime_type_async);
  if (g_strcmp0 (mime_type, URI_LIST) != 0 || self->remote_paths->len == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Cannot offer the files as %s"), mime_type);
      g_object_unref (task);
      return;
    }

  fetch = g_new0 (Fetch, 1);
  fetch->uris = g_string_new (NULL);
  fetch->stream = g_object_ref (stream);
  fetch->io_priority = io_priority;
  g_task_set_task_data (task, fetch, (GDestroyNotify) fetch_free);
  /* A second request (the drop target asks again) gets the same copies. */
  if (self->uri_list != NULL)
    {
      write_list (task);
      return;
    }

  {
    g_autofree char *parent = g_build_filename (g_get_user_cache_dir (), "outpost", "drag", NULL);
    g_autoptr (GTask) prune = g_task_new (NULL, NULL, NULL, NULL);

    g_mkdir_with_parents (parent, 0700);
    /* Copies of earlier drops are the receiving app's by now: the old ones go. */
    g_task_set_task_data (prune, g_steal_pointer (&parent), g_free);
    g_task_run_in_thread (prune, prune_old_copies);
  }
  fetch->pending = self->remote_paths->len;
  for (guint i = 0; i < self->remote_paths->len; i++)
    {
      const char *remote = g_ptr_array_index (self->remote_paths, i);
      g_autofree char *base = g_path_get_basename (remote);
      /* DESIGN.md "Hostile input": the remote name is made safe before it names a file. */
      g_autofree char *name = op_ftp_local_name_from_remote (base);
      g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "outpost", "drag",
                                               "XXXXXX", NULL);
      g_autofree char *path = NULL;
      g_autofree char *uri = NULL;
      g_autoptr (GFile) local = NULL;

      if (name == NULL || g_mkdtemp_full (dir, 0700) == NULL)
        {
          if (fetch->error == NULL)
            fetch->error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                        _("Could not make a local copy of “%s”"), base);
          /* Counted as done: the last download (or this loop) ends the task. */
          if (--fetch->pending == 0)
            {
              g_task_return_error (task, g_steal_pointer (&fetch->error));
              g_object_unref (task);
              return;
            }
          continue;
        }
      path = g_build_filename (dir, name, NULL);
      local = g_file_new_for_path (path);
      uri = g_file_get_uri (local);
      g_string_append_printf (fetch->uris, "%s\r\n", uri);
      op_ftp_browser_download_async (self->browser, remote, local, NULL, NULL, NULL,
                                     cancellable, on_downloaded, task);
    }
}

/* A drop's copies are kept a day: the receiving app has copied or moved them long before
 * (a file manager while the drop lasts), and a later drop must not fill the cache. */
#define COPY_LIFETIME_SECONDS (24 * 60 * 60)

/* Removes the folders under the drag cache (@task_data) older than a day, with the one
 * copy each holds. A GTask thread. */
static void
prune_old_copies (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  const char *parent = task_data;
  g_autoptr (GDir) dir = g_dir_open (parent, 0, NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (parent, name, NULL);
      g_autoptr (GDir) copies = NULL;
      const char *copy;
      GStatBuf st;

      if (g_lstat (path, &st) != 0 || !S_ISDIR (st.st_mode)
          || now - (gint64) st.st_mtime < COPY_LIFETIME_SECONDS)
        continue;
      copies = g_dir_open (path, 0, NULL);
      while (copies != NULL && (copy = g_dir_read_name (copies)) != NULL)
        {
          g_autofree char *file = g_build_filename (path, copy, NULL);

          if (g_remove (file) != 0)
            g_debug ("could not remove the old drag copy %s: %s", file, g_strerror (errno));
        }
      if (g_rmdir (path) != 0)
        g_debug ("could not remove the old drag folder %s: %s", path, g_strerror (errno));
    }
  g_task_return_boolean (task, TRUE);
}

static gboolean
write_mime_type_finish (GdkContentProvider  *provider,
                        GAsyncResult        *result,
                        GError             **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static GdkContentFormats *
ref_formats (GdkContentProvider *provider)
{
  return gdk_content_formats_new ((const char *[]) { URI_LIST }, 1);
}

static void
op_remote_drag_content_finalize (GObject *object)
{
  OpRemoteDragContent *self = OP_REMOTE_DRAG_CONTENT (object);

  g_clear_object (&self->browser);
  g_ptr_array_unref (self->remote_paths);
  g_free (self->uri_list);
  G_OBJECT_CLASS (op_remote_drag_content_parent_class)->finalize (object);
}

static void
op_remote_drag_content_class_init (OpRemoteDragContentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GdkContentProviderClass *provider_class = GDK_CONTENT_PROVIDER_CLASS (klass);

  object_class->finalize = op_remote_drag_content_finalize;
  provider_class->ref_formats = ref_formats;
  provider_class->write_mime_type_async = write_mime_type_async;
  provider_class->write_mime_type_finish = write_mime_type_finish;
}

static void
op_remote_drag_content_init (OpRemoteDragContent *self)
{
  self->remote_paths = g_ptr_array_new_with_free_func (g_free);
}

/**
 * op_remote_drag_content_new:
 * @browser: the session the files are listed on
 * @remote_paths: (array zero-terminated=1): the remote files dragged
 *
 * Returns: (transfer full): a provider of a text/uri-list of local copies, downloaded
 * when asked for.
 */
GdkContentProvider *
op_remote_drag_content_new (OpFtpBrowser       *browser,
                            const char * const *remote_paths)
{
  OpRemoteDragContent *self = g_object_new (OP_TYPE_REMOTE_DRAG_CONTENT, NULL);

  self->browser = g_object_ref (browser);
  for (guint i = 0; remote_paths[i] != NULL; i++)
    g_ptr_array_add (self->remote_paths, g_strdup (remote_paths[i]));
  return GDK_CONTENT_PROVIDER (self);
}
