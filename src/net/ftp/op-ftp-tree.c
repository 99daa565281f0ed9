/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ftp"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "op-ftp-client-private.h"

/*
 * The remote tree: one path's facts (MLST, or SIZE/MDTM/CWD), changes to one path (DELE,
 * MKD, RMD, RNFR/RNTO, SITE CHMOD), and the recursive operations over a whole tree.
 */

/* --- stat ------------------------------------------------------------------------------- */

static char *
wire_basename (const char *wire_path)
{
  const char *end = wire_path + strlen (wire_path);
  const char *slash;

  while (end > wire_path + 1 && end[-1] == '/')
    end--;
  for (slash = end; slash > wire_path && slash[-1] != '/'; slash--)
    ;
  return g_strndup (slash, end - slash);
}

OpFtpEntry *
_op_ftp_client_stat_path (OpFtpClient          *self,
                          const OpFtpSettings  *s,
                          const char           *wire_path,
                          GCancellable         *cancellable,
                          GError              **error)
{
  g_autoptr(OpFtpEntry) entry = op_ftp_entry_new ();
  g_autoptr(OpFtpReply) reply = NULL;
  g_autofree char *base = wire_basename (wire_path);

  if (_op_ftp_client_has_feature (self, "MLST"))
    {
      reply = op_session_command (OP_SESSION (self), "MLST", wire_path, OP_SEND_PLAIN, cancellable,
                                  error);
      if (reply == NULL)
        return NULL;
      if (OP_FTP_REPLY_CLASS (reply) >= 4)
        {
          g_autoptr(GError) mlst_error = op_ftp_error_from_reply (reply, "MLST",
                                                                  OP_FTP_COMMAND_READ);

          /* A refusal that names no reason (ProFTPD: "550 '/x/.hidden' cannot be
           * listed", for any dot file, there or not) says nothing about the path: ask
           * the way a server without MLST is asked. */
          if (!g_error_matches (mlst_error, OP_FTP_ERROR, OP_FTP_ERROR_PERMANENT))
            {
              g_propagate_error (error, g_steal_pointer (&mlst_error));
              return NULL;
            }
        }
      else
        {
          /* RFC 3659 §7.2: the fact line is the second line, after one space. */
          for (guint i = 1; reply->lines[i] != NULL && reply->lines[i + 1] != NULL; i++)
            {
              const char *line = reply->lines[i];

              if (*line == ' ')
                line++;
              if (op_ftp_parse_mlsd_line (line, strlen (line), s->charset, entry))
                {
                  /* MLST names the whole path; callers want the base name. */
                  g_free (entry->wire_name);
                  entry->wire_name = g_strdup (base);
                  g_free (entry->name);
                  entry->name = op_ftp_charset_to_utf8 (s->charset, base, -1);
                  return g_steal_pointer (&entry);
                }
            }
        }
      /* A refusal without a reason, or an unreadable answer: fall through to SIZE/MDTM. */
      g_clear_pointer (&reply, op_ftp_reply_free);
    }

  entry->wire_name = g_strdup (base);
  entry->name = op_ftp_charset_to_utf8 (s->charset, base, -1);
  entry->mode = -1;
  entry->size = -1;

  /* No MLST: a SIZE answer means a file; otherwise CWD tells a folder (and CWD back). */
  {
    g_autoptr(GError) size_error = NULL;
    gint64 size, mtime;

    _op_ftp_remote_size_and_time (self, wire_path, TRUE, TRUE, &size, &mtime, cancellable,
                                  &size_error);
    if (size_error != NULL)
      {
        g_propagate_error (error, g_steal_pointer (&size_error));
        return NULL;
      }
    if (size >= 0)
      {
        entry->type = OP_FTP_ENTRY_FILE;
        entry->size = size;
        entry->mtime = mtime;
        entry->time_precision = mtime > 0 ? OP_FTP_TIME_SECOND : OP_FTP_TIME_NONE;
        return g_steal_pointer (&entry);
      }
  }
  {
    g_autoptr(OpFtpReply) pwd = op_session_command (OP_SESSION (self), "PWD", NULL, OP_SEND_PLAIN,
                                                    cancellable, error);
    g_autofree char *here = NULL;

    if (pwd == NULL)
      return NULL;
    if (!op_ftp_reply_parse_pwd (pwd, &here, error))
      return NULL;
    reply = op_session_command (OP_SESSION (self), "CWD", wire_path, OP_SEND_PLAIN, cancellable,
                                error);
    if (reply == NULL)
      return NULL;
    if (OP_FTP_REPLY_CLASS (reply) == 2)
      {
        g_clear_pointer (&reply, op_ftp_reply_free);
        if (!_op_ftp_client_command_ok (self, "CWD", here, OP_FTP_COMMAND_READ, cancellable,
                                        error))
          return NULL;
        entry->type = OP_FTP_ENTRY_DIRECTORY;
        return g_steal_pointer (&entry);
      }
  }
  g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND,
               _("“%s” does not exist on the server."), entry->name);
  return NULL;
}

static gpointer
stat_func (OpFtpClient          *self,
           OpFtpJob             *job,
           const OpFtpSettings  *s,
           GCancellable         *cancellable,
           GError              **error)
{
  return _op_ftp_client_stat_path (self, s, job->wire, cancellable, error);
}

void
op_ftp_client_stat_async (OpFtpClient         *self,
                          const char          *path,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  _op_ftp_client_simple_call (self, stat_func, op_ftp_client_stat_async, path,
                              (GDestroyNotify) op_ftp_entry_free, cancellable, callback,
                              user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpFtpClient, op_ftp_client, stat, OpFtpEntry *)

/* --- changes ---------------------------------------------------------------------------- */

/*
 * MKD. vsftpd's "550 Create directory operation failed." does not say why, so after a
 * refusal the name is looked up: when it is taken, a vague refusal becomes
 * ALREADY_EXISTS (what the user needs to read) and @existing tells what is there.
 */
gboolean
_op_ftp_client_make_dir (OpFtpClient          *self,
                         const OpFtpSettings  *s,
                         const char           *wire_path,
                         OpFtpEntryType       *existing,
                         GCancellable         *cancellable,
                         GError              **error)
{
  g_autoptr(GError) mkd_error = NULL;
  g_autoptr(OpFtpEntry) entry = NULL;

  *existing = OP_FTP_ENTRY_UNKNOWN;
  if (_op_ftp_client_command_ok (self, "MKD", wire_path, OP_FTP_COMMAND_MKDIR, cancellable,
                                 &mkd_error))
    return TRUE;
  if (mkd_error->domain == OP_FTP_ERROR && op_session_is_connected (OP_SESSION (self)))
    entry = _op_ftp_client_stat_path (self, s, wire_path, cancellable, NULL);
  if (entry != NULL)
    {
      *existing = entry->type;
      if (mkd_error->code == OP_FTP_ERROR_PERMANENT)
        {
          g_autofree char *message = g_strdup (mkd_error->message);

          g_clear_error (&mkd_error);
          g_set_error (&mkd_error, OP_FTP_ERROR, OP_FTP_ERROR_ALREADY_EXISTS,
                       _("A file or folder of that name already exists on the "
                         "server. (%s)"), message);
        }
    }
  g_propagate_error (error, g_steal_pointer (&mkd_error));
  return FALSE;
}

static gpointer
mkdir_func (OpFtpClient          *self,
            OpFtpJob             *job,
            const OpFtpSettings  *s,
            GCancellable         *cancellable,
            GError              **error)
{
  OpFtpEntryType existing;

  return _op_ftp_client_make_dir (self, s, job->wire, &existing, cancellable, error)
         ? OP_SESSION_JOB_OK : NULL;
}

void
op_ftp_client_mkdir_async (OpFtpClient         *self,
                           const char          *path,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  _op_ftp_client_simple_call (self, mkdir_func, op_ftp_client_mkdir_async, path, NULL,
                              cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpFtpClient, op_ftp_client, mkdir)

void
op_ftp_client_delete_async (OpFtpClient         *self,
                            const char          *path,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  _op_ftp_client_command_call (self, "DELE", OP_FTP_COMMAND_REMOVE, op_ftp_client_delete_async,
                               path, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpFtpClient, op_ftp_client, delete)

void
op_ftp_client_rmdir_async (OpFtpClient         *self,
                           const char          *path,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  _op_ftp_client_command_call (self, "RMD", OP_FTP_COMMAND_REMOVE, op_ftp_client_rmdir_async,
                               path, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpFtpClient, op_ftp_client, rmdir)

static gpointer
rename_func (OpFtpClient          *self,
             OpFtpJob             *job,
             const OpFtpSettings  *s,
             GCancellable         *cancellable,
             GError              **error)
{
  g_autoptr(OpFtpReply) reply = _op_ftp_client_command_expect (self, "RNFR", job->wire, 3,
                                                               OP_FTP_COMMAND_RENAME,
                                                               cancellable, error);
  if (reply == NULL ||
      !_op_ftp_client_command_ok (self, "RNTO", job->wire2, OP_FTP_COMMAND_RENAME,
                                  cancellable, error))
    return NULL;
  return OP_SESSION_JOB_OK;
}

void
op_ftp_client_rename_async (OpFtpClient         *self,
                            const char          *from,
                            const char          *to,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  OpFtpJob *job;

  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (from != NULL && to != NULL);

  job = _op_ftp_job_new (rename_func, from);
  job->path2 = g_strdup (to);
  _op_ftp_client_call (self, job, op_ftp_client_rename_async, NULL, cancellable, callback,
                       user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpFtpClient, op_ftp_client, rename)

gboolean
_op_ftp_client_chmod_one (OpFtpClient   *self,
                          const char    *wire_path,
                          guint          mode,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autofree char *arg = g_strdup_printf ("CHMOD %04o %s", mode & 07777, wire_path);

  return _op_ftp_client_command_ok (self, "SITE", arg, OP_FTP_COMMAND_WRITE, cancellable,
                                    error);
}

static gpointer
chmod_func (OpFtpClient          *self,
            OpFtpJob             *job,
            const OpFtpSettings  *s,
            GCancellable         *cancellable,
            GError              **error)
{
  return _op_ftp_client_chmod_one (self, job->wire, job->mode, cancellable, error)
         ? OP_SESSION_JOB_OK : NULL;
}

void
op_ftp_client_chmod_async (OpFtpClient         *self,
                           const char          *path,
                           guint                mode,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  OpFtpJob *job;

  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (mode <= 07777);

  job = _op_ftp_job_new (chmod_func, path);
  job->mode = mode;
  _op_ftp_client_call (self, job, op_ftp_client_chmod_async, NULL, cancellable, callback,
                       user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpFtpClient, op_ftp_client, chmod)

/* --- recursive operations ---------------------------------------------------------- */

typedef struct
{
  char          *wire_path;
  char          *local_path;   /* (nullable) */
  OpFtpEntryType type;
  gint64         size;
  gint64         mtime;
} TreeItem;

static void
tree_item_free (TreeItem *item)
{
  g_free (item->wire_path);
  g_free (item->local_path);
  g_free (item);
}

static TreeItem *
tree_item_new (const char     *wire_path,
               const char     *local,
               OpFtpEntryType  type,
               gint64          size,
               gint64          mtime)
{
  TreeItem *item = g_new0 (TreeItem, 1);

  item->wire_path = g_strdup (wire_path);
  item->local_path = g_strdup (local);
  item->type = type;
  item->size = size;
  item->mtime = mtime;
  return item;
}

/*
 * Lists the remote tree under @wire_root breadth-first into @dirs (parents before
 * children) and @files. With @local_root, every name is made a safe local name first
 * (DESIGN.md "Hostile input"): one that cannot be, or two that become the same, fail the
 * walk before anything is written. Symbolic links are taken as files, never followed
 * as folders, so a link loop cannot make the walk endless.
 */
static gboolean
walk_remote (OpFtpClient          *self,
             const OpFtpSettings  *s,
             const char           *wire_root,
             const char           *local_root,
             GPtrArray            *dirs,
             GPtrArray            *files,
             OpFtpSink            *sink,
             GCancellable         *cancellable,
             GError              **error)
{
  guint next = dirs->len;

  g_ptr_array_add (dirs, tree_item_new (wire_root, local_root, OP_FTP_ENTRY_DIRECTORY, -1, 0));
  for (; next < dirs->len; next++)
    {
      TreeItem *dir = g_ptr_array_index (dirs, next);
      g_autoptr(OpFtpListing) listing = NULL;
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

      _op_ftp_sink_set_file (sink, dir->wire_path, 0);
      listing = _op_ftp_list_dir (self, s, dir->wire_path, OP_FTP_LIST_DEFAULT, cancellable,
                                  error);
      if (listing == NULL)
        return FALSE;
      for (guint i = 0; i < listing->entries->len; i++)
        {
          OpFtpEntry *entry = g_ptr_array_index (listing->entries, i);
          g_autofree char *wire = _op_ftp_wire_join (dir->wire_path, entry->wire_name);
          g_autofree char *local = NULL;

          if (dir->local_path != NULL)
            {
              char *safe = op_ftp_local_name_from_remote (entry->name);

              if (safe == NULL)
                {
                  g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME,
                               _("The server listed an entry named “%s” in “%s”, which "
                                 "cannot be saved on this computer. Nothing was downloaded."),
                               entry->name, dir->wire_path);
                  return FALSE;
                }
              g_ptr_array_add (names, safe);
              if (!g_hash_table_add (seen, safe))
                {
                  g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME,
                               _("Two entries in “%s” would both be saved as “%s”. Nothing "
                                 "was downloaded; rename one of them on the server."),
                               dir->wire_path, safe);
                  return FALSE;
                }
              local = g_build_filename (dir->local_path, safe, NULL);
            }

          if (entry->type == OP_FTP_ENTRY_DIRECTORY)
            g_ptr_array_add (dirs, tree_item_new (wire, local, entry->type, -1, 0));
          else
            g_ptr_array_add (files, tree_item_new (wire, local, entry->type, entry->size,
                                                   entry->time_precision >= OP_FTP_TIME_MINUTE
                                                   ? entry->mtime : 0));
        }
    }
  return TRUE;
}

static gboolean
download_tree (OpFtpClient          *self,
               const OpFtpSettings  *s,
               const char           *wire_root,
               const char           *local_root,
               OpFtpTransferFlags    flags,
               OpFtpSink            *sink,
               GCancellable         *cancellable,
               GError              **error)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func ((GDestroyNotify) tree_item_free);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) tree_item_free);
  OpFtpMeter meter = { sink, 0, 0 };

  if (!walk_remote (self, s, wire_root, local_root, dirs, files, sink, cancellable, error))
    return FALSE;
  for (guint i = 0; i < files->len; i++)
    {
      TreeItem *item = g_ptr_array_index (files, i);
      meter.total += item->size > 0 ? item->size : 0;
    }
  _op_ftp_sink_set_total (sink, files->len);
  for (guint i = 0; i < dirs->len; i++)
    {
      TreeItem *dir = g_ptr_array_index (dirs, i);

      if (g_mkdir_with_parents (dir->local_path, 0777) != 0)
        {
          _op_ftp_local_error (error, errno, _("Could not create the folder “%s”"),
                               dir->local_path);
          return FALSE;
        }
    }
  for (guint i = 0; i < files->len; i++)
    {
      TreeItem *item = g_ptr_array_index (files, i);
      /* The size from the listing saves a SIZE per file; a link's size is the link's. */
      gint64 size = item->type == OP_FTP_ENTRY_FILE ? item->size : -1;

      _op_ftp_sink_set_file (sink, item->wire_path, i);
      if (!_op_ftp_download_file (self, s, item->wire_path, item->local_path, flags,
                                  &meter, size, item->mtime, cancellable, error))
        return FALSE;
    }
  _op_ftp_sink_set_file (sink, NULL, files->len);
  _op_ftp_meter_update (&meter, 0);
  return TRUE;
}

/* A folder of a tree being uploaded: one that is there already is fine. */
static gboolean
ensure_remote_dir (OpFtpClient          *self,
                   const OpFtpSettings  *s,
                   const char           *wire_path,
                   GCancellable         *cancellable,
                   GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  OpFtpEntryType existing;

  if (_op_ftp_client_make_dir (self, s, wire_path, &existing, cancellable, &local_error))
    return TRUE;
  if (existing == OP_FTP_ENTRY_DIRECTORY)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
walk_local (const OpFtpSettings  *s,
            const char           *local_root,
            const char           *wire_root,
            GPtrArray            *dirs,
            GPtrArray            *files,
            GError              **error)
{
  g_ptr_array_add (dirs, tree_item_new (wire_root, local_root, OP_FTP_ENTRY_DIRECTORY, -1, 0));
  for (guint next = 0; next < dirs->len; next++)
    {
      TreeItem *dir = g_ptr_array_index (dirs, next);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GDir) handle = g_dir_open (dir->local_path, 0, &local_error);
      const char *name;

      if (handle == NULL)
        {
          g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_LOCAL,
                       _("Could not read the folder: %s"), local_error->message);
          return FALSE;
        }
      while ((name = g_dir_read_name (handle)) != NULL)
        {
          g_autofree char *child = g_build_filename (dir->local_path, name, NULL);
          g_autofree char *utf8 = g_filename_to_utf8 (name, -1, NULL, NULL, NULL);
          g_autofree char *wire_name = NULL;
          g_autofree char *wire = NULL;
          GStatBuf st;

          if (utf8 == NULL)
            utf8 = g_filename_display_name (name);
          wire_name = _op_ftp_to_wire (s, utf8, error);
          if (wire_name == NULL)
            return FALSE;
          wire = _op_ftp_wire_join (dir->wire_path, wire_name);
          /* lstat: links to folders are not followed (loops); links to files are sent as
           * the file they point to. */
          if (g_lstat (child, &st) != 0)
            continue;
          if (S_ISDIR (st.st_mode))
            g_ptr_array_add (dirs, tree_item_new (wire, child, OP_FTP_ENTRY_DIRECTORY, -1, 0));
          else if (S_ISLNK (st.st_mode))
            {
              if (g_stat (child, &st) == 0 && S_ISREG (st.st_mode))
                g_ptr_array_add (files, tree_item_new (wire, child, OP_FTP_ENTRY_FILE,
                                                       st.st_size, st.st_mtime));
            }
          else if (S_ISREG (st.st_mode))
            g_ptr_array_add (files, tree_item_new (wire, child, OP_FTP_ENTRY_FILE,
                                                   st.st_size, st.st_mtime));
        }
    }
  return TRUE;
}

static gboolean
upload_tree (OpFtpClient          *self,
             const OpFtpSettings  *s,
             const char           *local_root,
             const char           *wire_root,
             OpFtpTransferFlags    flags,
             OpFtpSink            *sink,
             GCancellable         *cancellable,
             GError              **error)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func ((GDestroyNotify) tree_item_free);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) tree_item_free);
  OpFtpMeter meter = { sink, 0, 0 };

  if (!walk_local (s, local_root, wire_root, dirs, files, error))
    return FALSE;
  for (guint i = 0; i < files->len; i++)
    meter.total += ((TreeItem *) g_ptr_array_index (files, i))->size;
  _op_ftp_sink_set_total (sink, files->len);
  for (guint i = 0; i < dirs->len; i++)
    {
      TreeItem *dir = g_ptr_array_index (dirs, i);

      if (!ensure_remote_dir (self, s, dir->wire_path, cancellable, error))
        return FALSE;
    }
  for (guint i = 0; i < files->len; i++)
    {
      TreeItem *item = g_ptr_array_index (files, i);

      _op_ftp_sink_set_file (sink, item->wire_path, i);
      if (!_op_ftp_upload_file (self, s, item->local_path, item->wire_path, flags, &meter,
                                cancellable, error))
        return FALSE;
    }
  _op_ftp_sink_set_file (sink, NULL, files->len);
  _op_ftp_meter_update (&meter, 0);
  return TRUE;
}

/* Deletes (@remove) or changes the mode of what is under @wire_root (@targets: files,
 * folders or both), files first, then folders deepest first (breadth-first order lists
 * parents first): a folder is removed, or loses access, after what is inside it. */
static gboolean
change_tree (OpFtpClient          *self,
             const OpFtpSettings  *s,
             const char           *wire_root,
             gboolean              remove,
             guint                 mode,
             OpFtpChmodTargets     targets,
             OpFtpSink            *sink,
             GCancellable         *cancellable,
             GError              **error)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func ((GDestroyNotify) tree_item_free);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) tree_item_free);
  guint total;

  if (!walk_remote (self, s, wire_root, NULL, dirs, files, sink, cancellable, error))
    return FALSE;
  if (!(targets & OP_FTP_CHMOD_FILES))
    g_ptr_array_set_size (files, 0);
  if (!(targets & OP_FTP_CHMOD_FOLDERS))
    g_ptr_array_set_size (dirs, 0);
  total = files->len + dirs->len;
  _op_ftp_sink_set_total (sink, total);
  for (guint i = 0; i < total; i++)
    {
      gboolean is_dir = i >= files->len;
      TreeItem *item = is_dir ? g_ptr_array_index (dirs, total - 1 - i)
                              : g_ptr_array_index (files, i);
      gboolean done;

      _op_ftp_sink_set_file (sink, item->wire_path, i);
      if (remove)
        done = _op_ftp_client_command_ok (self, is_dir ? "RMD" : "DELE", item->wire_path,
                                          OP_FTP_COMMAND_REMOVE, cancellable, error);
      else
        done = _op_ftp_client_chmod_one (self, item->wire_path, mode, cancellable, error);
      if (!done)
        return FALSE;
      _op_ftp_sink_tick (sink);
    }
  _op_ftp_sink_set_file (sink, NULL, total);
  return TRUE;
}


/* --- the recursive calls ---------------------------------------------------------------- */

static gpointer
download_tree_func (OpFtpClient          *self,
                    OpFtpJob             *job,
                    const OpFtpSettings  *s,
                    GCancellable         *cancellable,
                    GError              **error)
{
  g_autofree char *path = _op_ftp_local_path (job->file, error);

  if (path == NULL ||
      !download_tree (self, s, job->wire, path, job->flags, job->sink, cancellable, error))
    return NULL;
  return OP_SESSION_JOB_OK;
}

void
op_ftp_client_download_tree_async (OpFtpClient         *self,
                                   const char          *remote_dir,
                                   GFile               *local_dir,
                                   OpFtpTransferFlags   flags,
                                   OpFtpProgressFunc    progress,
                                   gpointer             progress_data,
                                   GDestroyNotify       progress_notify,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_dir != NULL);
  g_return_if_fail (G_IS_FILE (local_dir));

  _op_ftp_client_queue_transfer (self, download_tree_func, op_ftp_client_download_tree_async,
                                 remote_dir, local_dir, flags, progress, progress_data,
                                 progress_notify, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpFtpClient, op_ftp_client, download_tree)

static gpointer
upload_tree_func (OpFtpClient          *self,
                  OpFtpJob             *job,
                  const OpFtpSettings  *s,
                  GCancellable         *cancellable,
                  GError              **error)
{
  g_autofree char *path = _op_ftp_local_path (job->file, error);

  if (path == NULL ||
      !upload_tree (self, s, path, job->wire, job->flags, job->sink, cancellable, error))
    return NULL;
  return OP_SESSION_JOB_OK;
}

void
op_ftp_client_upload_tree_async (OpFtpClient         *self,
                                 GFile               *local_dir,
                                 const char          *remote_dir,
                                 OpFtpTransferFlags   flags,
                                 OpFtpProgressFunc    progress,
                                 gpointer             progress_data,
                                 GDestroyNotify       progress_notify,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_dir != NULL);
  g_return_if_fail (G_IS_FILE (local_dir));

  _op_ftp_client_queue_transfer (self, upload_tree_func, op_ftp_client_upload_tree_async,
                                 remote_dir, local_dir, flags, progress, progress_data,
                                 progress_notify, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpFtpClient, op_ftp_client, upload_tree)

static gpointer
delete_tree_func (OpFtpClient          *self,
                  OpFtpJob             *job,
                  const OpFtpSettings  *s,
                  GCancellable         *cancellable,
                  GError              **error)
{
  return change_tree (self, s, job->wire, TRUE, 0, OP_FTP_CHMOD_ALL, job->sink, cancellable,
                      error) ? OP_SESSION_JOB_OK : NULL;
}

void
op_ftp_client_delete_tree_async (OpFtpClient         *self,
                                 const char          *remote_dir,
                                 OpFtpProgressFunc    progress,
                                 gpointer             progress_data,
                                 GDestroyNotify       progress_notify,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_dir != NULL);

  _op_ftp_client_queue_transfer (self, delete_tree_func, op_ftp_client_delete_tree_async,
                                 remote_dir, NULL, 0, progress, progress_data, progress_notify,
                                 cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpFtpClient, op_ftp_client, delete_tree)

static gpointer
chmod_tree_func (OpFtpClient          *self,
                 OpFtpJob             *job,
                 const OpFtpSettings  *s,
                 GCancellable         *cancellable,
                 GError              **error)
{
  return change_tree (self, s, job->wire, FALSE, job->mode, job->chmod_targets, job->sink,
                      cancellable, error) ? OP_SESSION_JOB_OK : NULL;
}

void
op_ftp_client_chmod_tree_async (OpFtpClient         *self,
                                const char          *remote_dir,
                                guint                mode,
                                OpFtpChmodTargets    targets,
                                OpFtpProgressFunc    progress,
                                gpointer             progress_data,
                                GDestroyNotify       progress_notify,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;
  OpFtpJob *job;

  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_dir != NULL);
  g_return_if_fail (mode <= 07777);
  g_return_if_fail ((targets & ~OP_FTP_CHMOD_ALL) == 0);

  job = _op_ftp_transfer_job_new (self, chmod_tree_func, op_ftp_client_chmod_tree_async,
                                  remote_dir, NULL, 0, progress, progress_data,
                                  progress_notify, cancellable, callback, user_data, &task);
  job->mode = mode;
  job->chmod_targets = targets;
  _op_ftp_client_queue (self, task, job, NULL, OP_SESSION_JOB_NONE);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpFtpClient, op_ftp_client, chmod_tree)
