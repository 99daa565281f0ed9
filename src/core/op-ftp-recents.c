/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ftp-site"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-ftp-recents.h"
#include "op-ftp-site.h"
#include "op-profile.h"

#define RECENTS_GROUP_HEADER "Outpost"
#define RECENTS_VERSION      1

struct _OpFtpRecents
{
  GObject    parent_instance;

  GFile     *file;
  GPtrArray *sites;  /* OpAccount, most recent first */
};

static void op_ftp_recents_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OpFtpRecents, op_ftp_recents, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      op_ftp_recents_list_model_init))

static GType
op_ftp_recents_get_item_type (GListModel *model)
{
  return OP_TYPE_ACCOUNT;
}

static guint
op_ftp_recents_get_n_items (GListModel *model)
{
  return OP_FTP_RECENTS (model)->sites->len;
}

static gpointer
op_ftp_recents_get_item (GListModel *model,
                         guint       position)
{
  OpFtpRecents *self = OP_FTP_RECENTS (model);

  if (position >= self->sites->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->sites, position));
}

static void
op_ftp_recents_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = op_ftp_recents_get_item_type;
  iface->get_n_items = op_ftp_recents_get_n_items;
  iface->get_item = op_ftp_recents_get_item;
}

static void
op_ftp_recents_finalize (GObject *object)
{
  OpFtpRecents *self = OP_FTP_RECENTS (object);

  g_clear_object (&self->file);
  g_clear_pointer (&self->sites, g_ptr_array_unref);

  G_OBJECT_CLASS (op_ftp_recents_parent_class)->finalize (object);
}

static void
op_ftp_recents_class_init (OpFtpRecentsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_ftp_recents_finalize;
}

static void
op_ftp_recents_init (OpFtpRecents *self)
{
  self->sites = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * op_ftp_recents_new:
 * @file: where the list is kept
 *
 * Returns: (transfer full): an empty list; call op_ftp_recents_load()
 */
OpFtpRecents *
op_ftp_recents_new (GFile *file)
{
  OpFtpRecents *self;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (OP_TYPE_FTP_RECENTS, NULL);
  self->file = g_object_ref (file);
  return self;
}

/**
 * op_ftp_recents_new_default:
 *
 * Returns: (transfer full): the profile's list (not loaded yet)
 */
OpFtpRecents *
op_ftp_recents_new_default (void)
{
  g_autofree char *dir = op_profile_config_dir ();
  g_autofree char *path = g_build_filename (dir, "recent-ftp.ini", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return op_ftp_recents_new (file);
}

/* The words the file stores for a site's security. They predate OpSecurity's own nicks
 * and stay, so that lists written by earlier versions still read. */
static const struct
{
  OpSecurity  security;
  const char *nick;
} protocol_nicks[] = {
  { OP_SECURITY_NONE, "none" },
  { OP_SECURITY_STARTTLS, "explicit-tls" },
  { OP_SECURITY_IMPLICIT_TLS, "implicit-tls" },
};

static gboolean
protocol_from_nick (const char *nick,
                    OpSecurity *security)
{
  for (guint i = 0; nick != NULL && i < G_N_ELEMENTS (protocol_nicks); i++)
    if (strcmp (nick, protocol_nicks[i].nick) == 0)
      {
        *security = protocol_nicks[i].security;
        return TRUE;
      }
  return FALSE;
}

static const char *
protocol_to_nick (OpSecurity security)
{
  for (guint i = 0; i < G_N_ELEMENTS (protocol_nicks); i++)
    if (protocol_nicks[i].security == security)
      return protocol_nicks[i].nick;
  return protocol_nicks[1].nick;
}

static OpAccount *
recent_site_new (const char    *host,
                 guint16        port,
                 const char    *user,
                 OpSecurity     protocol)
{
  OpAccount *site = op_ftp_site_new ();
  g_autofree char *name = NULL;
  gboolean anonymous = user == NULL || user[0] == '\0' ||
                       g_ascii_strcasecmp (user, "anonymous") == 0;

  op_account_set_host (site, host);
  op_account_set_port (site, port);
  op_ftp_site_set_protocol (site, protocol);
  if (anonymous)
    op_ftp_site_set_logon_type (site, OP_FTP_LOGON_ANONYMOUS);
  else
    {
      op_account_set_user (site, user);
      op_ftp_site_set_logon_type (site, OP_FTP_LOGON_NORMAL);
    }
  name = op_ftp_site_to_uri (site, NULL);
  op_account_set_name (site, name);
  return site;
}

static gboolean
same_connection (OpAccount *a,
                 OpAccount *b)
{
  return g_ascii_strcasecmp (op_account_get_host (a), op_account_get_host (b)) == 0 &&
         op_ftp_site_get_effective_port (a) == op_ftp_site_get_effective_port (b) &&
         op_ftp_site_get_protocol (a) == op_ftp_site_get_protocol (b) &&
         g_strcmp0 (op_ftp_site_get_login_user (a), op_ftp_site_get_login_user (b)) == 0;
}

gboolean
op_ftp_recents_load (OpFtpRecents  *self,
                     GError       **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) groups = NULL;
  guint old_length;

  g_return_val_if_fail (OP_IS_FTP_RECENTS (self), FALSE);

  old_length = self->sites->len;
  g_ptr_array_set_size (self->sites, 0);

  path = g_file_get_path (self->file);
  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &local_error))
    {
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old_length, 0);
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The list of recent connections could not be read: %s"),
                   local_error->message);
      return FALSE;
    }

  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL && self->sites->len < OP_FTP_RECENTS_MAX; i++)
    {
      g_autofree char *host = NULL;
      g_autofree char *user = NULL;
      g_autofree char *protocol_name = NULL;
      OpSecurity protocol;
      gint64 port;

      if (!g_str_has_prefix (groups[i], "Recent "))
        continue;
      host = g_key_file_get_string (key_file, groups[i], "host", NULL);
      user = g_key_file_get_string (key_file, groups[i], "user", NULL);
      protocol_name = g_key_file_get_string (key_file, groups[i], "protocol", NULL);
      port = g_key_file_get_int64 (key_file, groups[i], "port", NULL);
      /* Skip what this version cannot use rather than lose the whole list. */
      if (host == NULL || host[0] == '\0' || port < 0 || port > G_MAXUINT16 ||
          !protocol_from_nick (protocol_name, &protocol))
        continue;
      g_ptr_array_add (self->sites, recent_site_new (host, (guint16) port, user, protocol));
    }

  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_length, self->sites->len);
  return TRUE;
}

static gboolean
save (OpFtpRecents  *self,
      GError       **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autofree char *path = g_file_get_path (self->file);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *data = NULL;
  gsize length;

  g_key_file_set_integer (key_file, RECENTS_GROUP_HEADER, "version", RECENTS_VERSION);
  for (guint i = 0; i < self->sites->len; i++)
    {
      OpAccount *site = g_ptr_array_index (self->sites, i);
      g_autofree char *group = g_strdup_printf ("Recent %u", i);

      g_key_file_set_string (key_file, group, "host", op_account_get_host (site));
      g_key_file_set_integer (key_file, group, "port", op_account_get_port (site));
      g_key_file_set_string (key_file, group, "user", op_ftp_site_get_login_user (site));
      g_key_file_set_string (key_file, group, "protocol",
                             protocol_to_nick (op_ftp_site_get_protocol (site)));
    }

  data = g_key_file_to_data (key_file, &length, NULL);
  if (!op_profile_ensure_dir (dir, error))
    return FALSE;
  return op_profile_write_private_file (path, data, length, error);
}

gboolean
op_ftp_recents_add (OpFtpRecents   *self,
                    const char     *host,
                    guint16         port,
                    const char     *user,
                    OpSecurity      protocol,
                    GError        **error)
{
  g_autoptr(OpAccount) site = NULL;

  g_return_val_if_fail (OP_IS_FTP_RECENTS (self), FALSE);
  g_return_val_if_fail (host != NULL && host[0] != '\0', FALSE);

  site = recent_site_new (host, port, user, protocol);
  for (guint i = 0; i < self->sites->len; i++)
    {
      if (same_connection (g_ptr_array_index (self->sites, i), site))
        {
          g_ptr_array_remove_index (self->sites, i);
          g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 0);
          break;
        }
    }

  g_ptr_array_insert (self->sites, 0, g_steal_pointer (&site));
  g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, 1);

  if (self->sites->len > OP_FTP_RECENTS_MAX)
    {
      guint removed = self->sites->len - OP_FTP_RECENTS_MAX;

      g_ptr_array_set_size (self->sites, OP_FTP_RECENTS_MAX);
      g_list_model_items_changed (G_LIST_MODEL (self), OP_FTP_RECENTS_MAX, removed, 0);
    }

  return save (self, error);
}

gboolean
op_ftp_recents_add_site (OpFtpRecents  *self,
                         OpAccount     *site,
                         GError       **error)
{
  g_return_val_if_fail (op_ftp_site_is_site (site), FALSE);

  return op_ftp_recents_add (self, op_account_get_host (site), op_account_get_port (site),
                             op_ftp_site_get_logon_type (site) == OP_FTP_LOGON_ANONYMOUS
                             ? NULL : op_account_get_user (site),
                             op_ftp_site_get_protocol (site), error);
}

gboolean
op_ftp_recents_remove (OpFtpRecents  *self,
                       guint          position,
                       GError       **error)
{
  g_return_val_if_fail (OP_IS_FTP_RECENTS (self), FALSE);
  g_return_val_if_fail (position < self->sites->len, FALSE);

  g_ptr_array_remove_index (self->sites, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  return save (self, error);
}

gboolean
op_ftp_recents_clear (OpFtpRecents  *self,
                      GError       **error)
{
  guint length;

  g_return_val_if_fail (OP_IS_FTP_RECENTS (self), FALSE);

  length = self->sites->len;
  g_ptr_array_set_size (self->sites, 0);
  if (length > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, length, 0);
  return save (self, error);
}
