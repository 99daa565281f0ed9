/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-file-row.h"

struct _OpFileRow
{
  GObject   parent_instance;

  char     *name;
  char     *wire_name;    /* NULL: same as name */
  char     *collate_key;  /* g_utf8_collate_key_for_filename (folded_name) */
  char     *folded_name;  /* g_utf8_casefold (name) */
  char     *owner;
  char     *group;
  char     *content_type;
  char     *link_target;
  GIcon    *icon;
  gint64    size;
  gint64    mtime;
  int       mode;
  guint     is_directory : 1;
  guint     is_symlink : 1;
  guint     time_precision : 2;  /* OpFtpTimePrecision */
};

G_DEFINE_FINAL_TYPE (OpFileRow, op_file_row, G_TYPE_OBJECT)

static void
op_file_row_finalize (GObject *object)
{
  OpFileRow *self = OP_FILE_ROW (object);

  g_free (self->name);
  g_free (self->wire_name);
  g_free (self->collate_key);
  g_free (self->folded_name);
  g_free (self->owner);
  g_free (self->group);
  g_free (self->content_type);
  g_free (self->link_target);
  g_clear_object (&self->icon);

  G_OBJECT_CLASS (op_file_row_parent_class)->finalize (object);
}

static void
op_file_row_class_init (OpFileRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_file_row_finalize;
}

static void
op_file_row_init (OpFileRow *self)
{
  self->size = -1;
  self->mode = -1;
}

static void
set_name (OpFileRow  *self,
          const char *name)
{
  self->name = g_strdup (name);
  self->folded_name = g_utf8_casefold (name, -1);
  /* Case-blind, as file managers sort, whatever the locale's collation does with case
   * (C.UTF-8 would put "Zeta" before "alpha"). */
  self->collate_key = g_utf8_collate_key_for_filename (self->folded_name, -1);
}

/* Rows of a big listing are made on a worker thread (OpFileList); the caches below are
 * shared by all threads. */
G_LOCK_DEFINE_STATIC (caches);

/* Icons are shared: a 100,000-entry folder holds a handful of content types, and a
 * GIcon per row would cost both memory and time. */
static GIcon *
icon_for_content_type (const char *content_type)
{
  static GHashTable *icons;
  GIcon *icon;

  G_LOCK (caches);
  if (icons == NULL)
    icons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  icon = g_hash_table_lookup (icons, content_type);
  if (icon == NULL)
    {
      icon = g_content_type_get_symbolic_icon (content_type);
      g_hash_table_insert (icons, g_strdup (content_type), icon);
    }
  icon = g_object_ref (icon);
  G_UNLOCK (caches);

  return icon;
}

/* A remote file's type is guessed from its name only: its bytes are not here. Guesses
 * are cached per extension for the same reason as the icons. */
static char *
content_type_for_remote (const char *name)
{
  static GHashTable *by_extension;
  const char *dot = strrchr (name, '.');
  const char *type;

  char *result;

  if (dot == NULL || dot == name)
    return g_strdup ("application/octet-stream");

  G_LOCK (caches);
  if (by_extension == NULL)
    by_extension = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  type = g_hash_table_lookup (by_extension, dot);
  if (type == NULL)
    {
      g_autofree char *guess = g_content_type_guess (name, NULL, 0, NULL);
      g_autofree char *mime = g_content_type_get_mime_type (guess);

      type = mime != NULL ? mime : "application/octet-stream";
      g_hash_table_insert (by_extension, g_strdup (dot), g_strdup (type));
      type = g_hash_table_lookup (by_extension, dot);
    }
  result = g_strdup (type);
  G_UNLOCK (caches);

  return result;
}

/**
 * op_file_row_new_from_ftp_entry:
 * @entry: an entry of a remote listing
 *
 * Returns: (transfer full): the row showing @entry
 */
OpFileRow *
op_file_row_new_from_ftp_entry (const OpFtpEntry *entry)
{
  OpFileRow *self;

  g_return_val_if_fail (entry != NULL, NULL);
  g_return_val_if_fail (entry->name != NULL, NULL);

  self = g_object_new (OP_TYPE_FILE_ROW, NULL);
  set_name (self, entry->name);
  if (entry->wire_name != NULL && strcmp (entry->wire_name, entry->name) != 0)
    self->wire_name = g_strdup (entry->wire_name);
  self->is_directory = entry->type == OP_FTP_ENTRY_DIRECTORY;
  self->is_symlink = entry->type == OP_FTP_ENTRY_SYMLINK;
  self->size = self->is_directory ? -1 : entry->size;
  self->mtime = entry->time_precision == OP_FTP_TIME_NONE ? 0 : entry->mtime;
  self->time_precision = entry->time_precision;
  self->mode = entry->mode;
  self->owner = g_strdup (entry->owner);
  self->group = g_strdup (entry->group);
  self->link_target = g_strdup (entry->link_target);
  if (self->is_directory)
    self->content_type = g_strdup ("inode/directory");
  else if (self->is_symlink)
    self->content_type = g_strdup ("inode/symlink");
  else
    self->content_type = content_type_for_remote (entry->name);
  self->icon = icon_for_content_type (self->content_type);

  return self;
}

/**
 * op_file_row_new_from_file_info:
 * @info: a local file's information, with at least standard::display-name (or name)
 *   and standard::type
 *
 * Returns: (transfer full): the row showing @info
 */
OpFileRow *
op_file_row_new_from_file_info (GFileInfo *info)
{
  OpFileRow *self;
  const char *name;
  const char *content_type = NULL;
  GFileType type;

  g_return_val_if_fail (G_IS_FILE_INFO (info), NULL);

  self = g_object_new (OP_TYPE_FILE_ROW, NULL);
  if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME))
    name = g_file_info_get_display_name (info);
  else
    name = g_file_info_get_name (info);
  set_name (self, name);
  /* The on-disk name, for building the GFile again (it may not be UTF-8). */
  if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_NAME)
      && strcmp (g_file_info_get_name (info), name) != 0)
    self->wire_name = g_strdup (g_file_info_get_name (info));

  type = g_file_info_get_file_type (info);
  self->is_directory = type == G_FILE_TYPE_DIRECTORY;
  self->is_symlink = g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_IS_SYMLINK)
                     && g_file_info_get_is_symlink (info);
  if (!self->is_directory && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_SIZE))
    self->size = g_file_info_get_size (info);
  if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_TIME_MODIFIED))
    {
      self->mtime = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED);
      self->time_precision = OP_FTP_TIME_SECOND;
    }
  if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_UNIX_MODE))
    self->mode = g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE) & 07777;
  self->owner = g_strdup (g_file_info_get_attribute_string (info, G_FILE_ATTRIBUTE_OWNER_USER));
  self->group = g_strdup (g_file_info_get_attribute_string (info, G_FILE_ATTRIBUTE_OWNER_GROUP));
  if (self->is_symlink)
    self->link_target = g_strdup (g_file_info_get_symlink_target (info));

  if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE))
    content_type = g_file_info_get_content_type (info);
  if (content_type != NULL)
    {
      g_autofree char *mime = g_content_type_get_mime_type (content_type);
      self->content_type = g_strdup (mime != NULL ? mime : content_type);
    }
  else if (self->is_directory)
    self->content_type = g_strdup ("inode/directory");
  else
    self->content_type = content_type_for_remote (name);
  self->icon = icon_for_content_type (self->content_type);

  return self;
}

const char *
op_file_row_get_name (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), NULL);
  return self->name;
}

const char *
op_file_row_get_wire_name (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), NULL);
  return self->wire_name != NULL ? self->wire_name : self->name;
}

gboolean
op_file_row_is_directory (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), FALSE);
  return self->is_directory;
}

gboolean
op_file_row_is_symlink (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), FALSE);
  return self->is_symlink;
}

gboolean
op_file_row_is_hidden (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), FALSE);
  return self->name[0] == '.';
}

gint64
op_file_row_get_size (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), -1);
  return self->size;
}

gint64
op_file_row_get_mtime (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), 0);
  return self->mtime;
}

OpFtpTimePrecision
op_file_row_get_time_precision (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), OP_FTP_TIME_NONE);
  return self->time_precision;
}

int
op_file_row_get_mode (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), -1);
  return self->mode;
}

const char *
op_file_row_get_owner (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), NULL);
  return self->owner;
}

const char *
op_file_row_get_group (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), NULL);
  return self->group;
}

const char *
op_file_row_get_content_type (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), NULL);
  return self->content_type;
}

const char *
op_file_row_get_link_target (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), NULL);
  return self->link_target;
}

GIcon *
op_file_row_get_icon (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), NULL);
  return self->icon;
}

char *
op_file_row_format_size (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), NULL);

  if (self->size < 0)
    return g_strdup ("");
  return g_format_size (self->size);
}

char *
op_file_row_format_type (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), NULL);

  if (self->is_directory)
    return g_strdup (_("Folder"));
  if (self->is_symlink)
    return g_strdup (_("Link"));
  /* shared-mime-info calls application/octet-stream "unknown": say what the name says
   * instead, as file managers do ("BIN file"), or just "File". */
  if (self->content_type == NULL || g_content_type_is_unknown (self->content_type))
    {
      const char *dot = strrchr (self->name, '.');

      if (dot != NULL && dot != self->name && dot[1] != '\0' && g_utf8_strlen (dot + 1, -1) <= 8)
        {
          g_autofree char *extension = g_utf8_strup (dot + 1, -1);

          /* Translators: a file type by its extension, as in "BIN file" */
          return g_strdup_printf (_("%s file"), extension);
        }
      return g_strdup (_("File"));
    }
  return g_content_type_get_description (self->content_type);
}

char *
op_file_row_format_modified (OpFileRow *self)
{
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GDateTime) local = NULL;

  g_return_val_if_fail (OP_IS_FILE_ROW (self), NULL);

  if (self->mtime == 0)
    return g_strdup ("");
  utc = g_date_time_new_from_unix_utc (self->mtime);
  if (utc == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (utc);
  /* Translators: a file's modification date and time in a column; see
   * g_date_time_format() */
  return g_date_time_format (local, _("%Y-%m-%d %H:%M"));
}

char *
op_file_mode_to_string (int mode)
{
  char text[10];
  const char letters[] = "rwxrwxrwx";

  if (mode < 0)
    return g_strdup ("");

  for (int i = 0; i < 9; i++)
    text[i] = (mode & (0400 >> i)) ? letters[i] : '-';
  /* setuid, setgid and sticky show in the execute positions, as ls does. */
  if (mode & 04000)
    text[2] = (mode & 0100) ? 's' : 'S';
  if (mode & 02000)
    text[5] = (mode & 0010) ? 's' : 'S';
  if (mode & 01000)
    text[8] = (mode & 0001) ? 't' : 'T';
  text[9] = '\0';

  return g_strdup (text);
}

char *
op_file_row_format_permissions (OpFileRow *self)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (self), NULL);
  return op_file_mode_to_string (self->mode);
}

static int
compare_int64 (gint64 a,
               gint64 b)
{
  return a < b ? -1 : a > b ? 1 : 0;
}

static int
compare_names (OpFileRow *a,
               OpFileRow *b)
{
  int result = strcmp (a->collate_key, b->collate_key);

  /* Names that collate the same ("a" and "A" in some locales) still get one order. */
  return result != 0 ? result : strcmp (a->name, b->name);
}

/* The sorters call these 1.7 million times for a 100,000-entry folder: no type checks
 * inside (the public functions check once). */
static inline int
compare_folders_first (OpFileRow *a,
                       OpFileRow *b)
{
  return (int) b->is_directory - (int) a->is_directory;
}

static int
compare_by_column (OpFileRow    *a,
                   OpFileRow    *b,
                   OpFileColumn  column)
{
  int result = compare_folders_first (a, b);

  if (result != 0)
    return result;

  switch (column)
    {
    case OP_FILE_COLUMN_NAME:
      break;
    case OP_FILE_COLUMN_SIZE:
      result = compare_int64 (a->size, b->size);
      break;
    case OP_FILE_COLUMN_TYPE:
      result = g_strcmp0 (a->content_type, b->content_type);
      break;
    case OP_FILE_COLUMN_MODIFIED:
      result = compare_int64 (a->mtime, b->mtime);
      break;
    case OP_FILE_COLUMN_PERMISSIONS:
      result = a->mode - b->mode;
      break;
    case OP_FILE_COLUMN_OWNER:
      result = g_strcmp0 (a->owner, b->owner);
      break;
    default:
      g_assert_not_reached ();
    }

  return result != 0 ? result : compare_names (a, b);
}

int
op_file_row_compare_folders_first (OpFileRow *a,
                                   OpFileRow *b)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (a), 0);
  g_return_val_if_fail (OP_IS_FILE_ROW (b), 0);

  return compare_folders_first (a, b);
}

int
op_file_row_compare (OpFileRow    *a,
                     OpFileRow    *b,
                     OpFileColumn  column)
{
  g_return_val_if_fail (OP_IS_FILE_ROW (a), 0);
  g_return_val_if_fail (OP_IS_FILE_ROW (b), 0);
  g_return_val_if_fail (column <= OP_FILE_COLUMN_OWNER, 0);

  return compare_by_column (a, b, column);
}

/**
 * _op_file_row_sort_func:
 *
 * GtkCustomSorter's function over rows: folders first, then @user_data's column
 * (GINT_TO_POINTER (OpFileColumn)), or folders first only with -1. Unchecked: the
 * models it sorts hold only OpFileRows.
 */
int
_op_file_row_sort_func (gconstpointer a,
                        gconstpointer b,
                        gpointer      user_data)
{
  int column = GPOINTER_TO_INT (user_data);
  int result;

  if (column < 0)
    result = compare_folders_first ((OpFileRow *) a, (OpFileRow *) b);
  else
    result = compare_by_column ((OpFileRow *) a, (OpFileRow *) b, column);

  return result < 0 ? -1 : result > 0 ? 1 : 0;
}

/* The column's own key only: for the column view's header sorters, which only say which
 * column and which way (the rows are sorted by OpFileList). */
int
_op_file_row_key_sort_func (gconstpointer a,
                            gconstpointer b,
                            gpointer      user_data)
{
  OpFileRow *ra = (OpFileRow *) a;
  OpFileRow *rb = (OpFileRow *) b;
  int result;

  if (GPOINTER_TO_INT (user_data) == OP_FILE_COLUMN_NAME)
    result = strcmp (ra->collate_key, rb->collate_key);
  else
    {
      /* Same names: compare_by_column() then decides by the column alone. */
      result = compare_by_column (ra, rb, GPOINTER_TO_INT (user_data));
    }
  return result < 0 ? -1 : result > 0 ? 1 : 0;
}

/* A row whose value in each column is low (0) or high (1), for asking the column view's
 * sorter which column it sorts by. */
OpFileRow *
_op_file_row_new_probe (const guint ranks[6])
{
  OpFileRow *self = g_object_new (OP_TYPE_FILE_ROW, NULL);

  set_name (self, ranks[OP_FILE_COLUMN_NAME] ? "b" : "a");
  self->size = ranks[OP_FILE_COLUMN_SIZE];
  self->content_type = g_strdup (ranks[OP_FILE_COLUMN_TYPE] ? "b/b" : "a/a");
  self->mtime = ranks[OP_FILE_COLUMN_MODIFIED];
  self->mode = ranks[OP_FILE_COLUMN_PERMISSIONS];
  self->owner = g_strdup (ranks[OP_FILE_COLUMN_OWNER] ? "b" : "a");
  return self;
}

gboolean
op_file_row_matches (OpFileRow  *self,
                     const char *folded_filter,
                     gboolean    show_hidden)
{
  /* Called for every row on each key typed into the filter: no type check. */

  if (!show_hidden && self->name[0] == '.')
    return FALSE;
  if (folded_filter == NULL || folded_filter[0] == '\0')
    return TRUE;
  return strstr (self->folded_name, folded_filter) != NULL;
}
