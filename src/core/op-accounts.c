/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-accounts"

#include "config.h"

#include <glib/gi18n.h>

#include "op-accounts.h"
#include "op-accounts-private.h"
#include "op-profile.h"

#define HEADER_GROUP   "Outpost"
#define VERSION_KEY    "version"
#define ACCOUNT_PREFIX "Account "
#define FOLDER_PREFIX  "Folder "
#define FOLDER_KEY_PARENT "parent"
/* The extra key of an account in a folder: the folder's id. */
#define ACCOUNT_KEY_FOLDER "folder"

/* A folder of accounts of one kind (op_accounts_add_folder()). */
typedef struct
{
  char          *id;
  OpAccountKind  kind;
  char          *name;
  char          *parent;   /* nullable: the top level */
} Folder;

struct _OpAccounts
{
  GObject     parent_instance;

  GFile      *file;
  /* The file as loaded: groups and keys of other versions, and accounts this version
   * cannot use, are written back as they were. */
  GKeyFile   *keys;
  /* Groups of the accounts exposed by the last load or save. */
  GHashTable *written_groups;
  GPtrArray  *accounts;
  GPtrArray  *folders;     /* of Folder */
  /* Why the last load failed; while set, saving would destroy the file's accounts. */
  GError     *load_error;

  /* op_accounts_schedule_save(): a timer, then one write on a worker at a time. */
  guint       save_source;
  gboolean    writing;       /* a worker is writing the file */
  gboolean    write_again;   /* changes came in while it wrote */
};

enum
{
  PROP_0,
  PROP_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_SAVED,
  SIGNAL_SAVE_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void op_accounts_list_model_init (GListModelInterface *iface);

G_DEFINE_QUARK (op-accounts-error-quark, op_accounts_error)

G_DEFINE_FINAL_TYPE_WITH_CODE (OpAccounts, op_accounts, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      op_accounts_list_model_init))

static GType
op_accounts_get_item_type (GListModel *model)
{
  return OP_TYPE_ACCOUNT;
}

static guint
op_accounts_get_n_items (GListModel *model)
{
  return OP_ACCOUNTS (model)->accounts->len;
}

static gpointer
op_accounts_get_item (GListModel *model,
                      guint       position)
{
  OpAccounts *self = OP_ACCOUNTS (model);

  if (position >= self->accounts->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->accounts, position));
}

static void
op_accounts_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = op_accounts_get_item_type;
  iface->get_n_items = op_accounts_get_n_items;
  iface->get_item = op_accounts_get_item;
}

static char *
group_for_id (const char *id)
{
  return g_strconcat (ACCOUNT_PREFIX, id, NULL);
}

static void
folder_free (Folder *folder)
{
  g_free (folder->id);
  g_free (folder->name);
  g_free (folder->parent);
  g_free (folder);
}

/* NULL when the group cannot be a folder of this version; it is then kept untouched. */
static Folder *
folder_from_group (GKeyFile   *keys,
                   const char *group)
{
  const char *id = group + strlen (FOLDER_PREFIX);
  g_autofree char *kind_string = g_key_file_get_string (keys, group, OP_ACCOUNT_KEY_KIND, NULL);
  g_autofree char *name = g_key_file_get_string (keys, group, OP_ACCOUNT_KEY_NAME, NULL);
  g_autofree char *parent = g_key_file_get_string (keys, group, FOLDER_KEY_PARENT, NULL);
  OpAccountKind kind;
  Folder *folder;

  if (!_op_account_id_is_valid (id) || !op_account_kind_from_string (kind_string, &kind)
      || name == NULL || name[0] == '\0')
    {
      g_debug ("Ignoring [%s]: not a folder this version can use", group);
      return NULL;
    }
  folder = g_new0 (Folder, 1);
  folder->id = g_strdup (id);
  folder->kind = kind;
  folder->name = g_steal_pointer (&name);
  if (parent != NULL && parent[0] != '\0')
    folder->parent = g_steal_pointer (&parent);
  return folder;
}

static char *
write_folder (GKeyFile     *keys,
              const Folder *folder)
{
  char *group = g_strconcat (FOLDER_PREFIX, folder->id, NULL);

  g_key_file_remove_group (keys, group, NULL);
  g_key_file_set_string (keys, group, OP_ACCOUNT_KEY_ID, folder->id);
  g_key_file_set_string (keys, group, OP_ACCOUNT_KEY_KIND, op_account_kind_to_string (folder->kind));
  g_key_file_set_string (keys, group, OP_ACCOUNT_KEY_NAME, folder->name);
  if (folder->parent != NULL)
    g_key_file_set_string (keys, group, FOLDER_KEY_PARENT, folder->parent);
  return group;
}

static char *
file_display_name (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);

  return path != NULL ? g_filename_display_name (path) : g_file_get_uri (file);
}

/*
 * Migrations: a file of version N becomes version N + 1 in step N below, until it is
 * OP_ACCOUNTS_FORMAT_VERSION; the next save writes it in the new format. Version 1 is the
 * first format, so there is no step yet. A new format adds "case N:" with the function
 * that rewrites the groups and raises OP_ACCOUNTS_FORMAT_VERSION.
 */
static gboolean
migrate (GKeyFile  *keys,
         gint64     from_version,
         GError   **error)
{
  for (gint64 version = from_version; version < OP_ACCOUNTS_FORMAT_VERSION; version++)
    {
      switch (version)
        {
        default:
          /* Only versions below 1 get here: load() refuses them before migrating. */
          g_assert_not_reached ();
        }
    }

  return TRUE;
}

/* NULL (with a debug note) when the group cannot be an account of this version; the
 * group is then kept in the file untouched. */
static OpAccount *
account_from_group (GKeyFile   *keys,
                    const char *group)
{
  const char *id = group + strlen (ACCOUNT_PREFIX);
  g_autofree char *kind_string = NULL;
  g_autofree char *security_string = NULL;
  g_auto(GStrv) names = NULL;
  g_autoptr(OpAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  OpAccountKind kind;
  OpSecurity security;
  gint64 port = 0;
  gboolean allow = FALSE;

  if (!_op_account_id_is_valid (id))
    {
      g_debug ("Ignoring [%s]: not a valid account id", group);
      return NULL;
    }

  kind_string = g_key_file_get_string (keys, group, OP_ACCOUNT_KEY_KIND, NULL);
  if (!op_account_kind_from_string (kind_string, &kind))
    {
      g_debug ("Ignoring [%s]: unknown kind", group);
      return NULL;
    }

  security_string = g_key_file_get_string (keys, group, OP_ACCOUNT_KEY_SECURITY, NULL);
  if (security_string == NULL)
    security = kind == OP_ACCOUNT_KIND_CONSOLE ? OP_SECURITY_NONE : OP_SECURITY_STARTTLS;
  else if (!op_security_from_string (security_string, &security))
    {
      g_debug ("Ignoring [%s]: unknown security mode", group);
      return NULL;
    }

  if (g_key_file_has_key (keys, group, OP_ACCOUNT_KEY_PORT, NULL))
    {
      port = g_key_file_get_int64 (keys, group, OP_ACCOUNT_KEY_PORT, &error);
      if (error != NULL || port < 0 || port > G_MAXUINT16)
        {
          g_debug ("Ignoring [%s]: invalid port", group);
          return NULL;
        }
    }

  if (g_key_file_has_key (keys, group, OP_ACCOUNT_KEY_ALLOW_PLAINTEXT_PASSWORD, NULL))
    {
      allow = g_key_file_get_boolean (keys, group, OP_ACCOUNT_KEY_ALLOW_PLAINTEXT_PASSWORD,
                                      &error);
      if (error != NULL)
        {
          g_debug ("Ignoring [%s]: invalid allow-plaintext-password", group);
          return NULL;
        }
    }

  account = op_account_new (kind, id);
  op_account_set_security (account, security);
  op_account_set_port (account, (guint16) port);
  op_account_set_allow_plaintext_password (account, allow);

  names = g_key_file_get_keys (keys, group, NULL, NULL);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      const char *key = names[i];
      g_autofree char *value = g_key_file_get_string (keys, group, key, NULL);

      if (value == NULL)
        continue;

      if (g_str_equal (key, OP_ACCOUNT_KEY_NAME))
        op_account_set_name (account, value);
      else if (g_str_equal (key, OP_ACCOUNT_KEY_HOST))
        op_account_set_host (account, value);
      else if (g_str_equal (key, OP_ACCOUNT_KEY_USER))
        op_account_set_user (account, value);
      else if (_op_account_is_core_key (key))
        continue;
      else if (_op_account_key_looks_secret (key))
        /* Someone put a secret here by hand: it goes at the next save instead of being
         * carried along forever. Its value is not logged. */
        g_debug ("Dropping key “%s” of [%s]: accounts files hold no secrets", key, group);
      else
        _op_account_set_extra_unchecked (account, key, value);
    }

  return g_steal_pointer (&account);
}

static void
write_account (GKeyFile  *keys,
               OpAccount *account)
{
  g_autofree char *group = group_for_id (op_account_get_id (account));
  g_auto(GStrv) extras = op_account_list_extra_keys (account);

  /* Rewrite the whole group: a key the account no longer has must not linger. */
  g_key_file_remove_group (keys, group, NULL);
  g_key_file_set_string (keys, group, OP_ACCOUNT_KEY_ID, op_account_get_id (account));
  g_key_file_set_string (keys, group, OP_ACCOUNT_KEY_KIND,
                         op_account_kind_to_string (op_account_get_kind (account)));
  g_key_file_set_string (keys, group, OP_ACCOUNT_KEY_NAME, op_account_get_name (account));
  g_key_file_set_string (keys, group, OP_ACCOUNT_KEY_HOST, op_account_get_host (account));
  g_key_file_set_integer (keys, group, OP_ACCOUNT_KEY_PORT, op_account_get_port (account));
  g_key_file_set_string (keys, group, OP_ACCOUNT_KEY_USER, op_account_get_user (account));
  g_key_file_set_string (keys, group, OP_ACCOUNT_KEY_SECURITY,
                         op_security_to_string (op_account_get_security (account)));
  g_key_file_set_boolean (keys, group, OP_ACCOUNT_KEY_ALLOW_PLAINTEXT_PASSWORD,
                          op_account_get_allow_plaintext_password (account));

  for (guint i = 0; extras[i] != NULL; i++)
    g_key_file_set_string (keys, group, extras[i],
                           op_account_get_extra (account, extras[i]));
}

static void
replace_accounts (OpAccounts *self,
                  GPtrArray  *accounts)
{
  guint removed = self->accounts->len;

  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  self->accounts = g_ptr_array_ref (accounts);

  if (removed > 0 || accounts->len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, accounts->len);
}

static void
op_accounts_dispose (GObject *object)
{
  OpAccounts *self = OP_ACCOUNTS (object);

  /* Edits made just before quitting are not lost: the last one is written now. (A write
   * on a worker holds a reference, so none is running here.) */
  if (self->save_source != 0)
    {
      g_autoptr(GError) error = NULL;

      g_clear_handle_id (&self->save_source, g_source_remove);
      if (!op_accounts_save (self, &error))
        g_warning ("%s", error->message);
    }

  G_OBJECT_CLASS (op_accounts_parent_class)->dispose (object);
}

static void
op_accounts_finalize (GObject *object)
{
  OpAccounts *self = OP_ACCOUNTS (object);

  g_clear_object (&self->file);
  g_clear_pointer (&self->keys, g_key_file_unref);
  g_clear_pointer (&self->written_groups, g_hash_table_unref);
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  g_clear_pointer (&self->folders, g_ptr_array_unref);
  g_clear_error (&self->load_error);

  G_OBJECT_CLASS (op_accounts_parent_class)->finalize (object);
}

static void
op_accounts_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  OpAccounts *self = OP_ACCOUNTS (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_accounts_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  OpAccounts *self = OP_ACCOUNTS (object);

  switch (prop_id)
    {
    case PROP_FILE:
      self->file = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_accounts_class_init (OpAccountsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_accounts_dispose;
  object_class->finalize = op_accounts_finalize;
  object_class->get_property = op_accounts_get_property;
  object_class->set_property = op_accounts_set_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                         | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A scheduled save reached the disk. */
  signals[SIGNAL_SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A scheduled save failed; the GError says why (the state is as the file has it). */
  signals[SIGNAL_SAVE_FAILED] =
    g_signal_new ("save-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
op_accounts_init (OpAccounts *self)
{
  self->keys = g_key_file_new ();
  self->written_groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->accounts = g_ptr_array_new_with_free_func (g_object_unref);
  self->folders = g_ptr_array_new_with_free_func ((GDestroyNotify) folder_free);
}

/**
 * op_accounts_new:
 * @file: the accounts file (it need not exist yet)
 *
 * Creates an empty list for @file; call op_accounts_load() to read it.
 *
 * Returns: (transfer full): the accounts
 */
OpAccounts *
op_accounts_new (GFile *file)
{
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  return g_object_new (OP_TYPE_ACCOUNTS, "file", file, NULL);
}

/**
 * op_accounts_new_default:
 *
 * Returns: (transfer full): the accounts of `$XDG_CONFIG_HOME/outpost/accounts.ini`, not
 *   loaded yet
 */
OpAccounts *
op_accounts_new_default (void)
{
  g_autofree char *dir = op_profile_config_dir ();
  g_autofree char *path = g_build_filename (dir, "accounts.ini", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return op_accounts_new (file);
}

/**
 * op_accounts_get_file:
 * @self: the accounts
 *
 * Returns: (transfer none): the accounts file
 */
GFile *
op_accounts_get_file (OpAccounts *self)
{
  g_return_val_if_fail (OP_IS_ACCOUNTS (self), NULL);

  return self->file;
}

static gboolean
load_file (OpAccounts  *self,
           GKeyFile    *keys,
           GError     **error)
{
  g_autofree char *path = g_file_get_path (self->file);
  g_autofree char *display = file_display_name (self->file);
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;
  gint64 version;

  if (path == NULL)
    {
      g_set_error (error, OP_ACCOUNTS_ERROR, OP_ACCOUNTS_ERROR_IO,
                   _("The accounts file “%s” is not a local file."), display);
      return FALSE;
    }

  if (!g_key_file_load_from_file (keys, path, G_KEY_FILE_KEEP_COMMENTS, &local_error))
    {
      /* No file yet: no accounts. */
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;

      if (local_error->domain == G_KEY_FILE_ERROR)
        g_set_error (error, OP_ACCOUNTS_ERROR, OP_ACCOUNTS_ERROR_INVALID,
                     _("The accounts file “%s” is damaged (%s). Outpost will not change "
                       "it; repair it, or move it away to start with no accounts."),
                     display, local_error->message);
      else
        g_set_error (error, OP_ACCOUNTS_ERROR, OP_ACCOUNTS_ERROR_IO,
                     _("The accounts file “%s” could not be read: %s"),
                     display, local_error->message);
      return FALSE;
    }

  groups = g_key_file_get_groups (keys, NULL);
  if (groups[0] == NULL)
    return TRUE; /* an empty file is a fresh profile */

  if (!g_key_file_has_key (keys, HEADER_GROUP, VERSION_KEY, NULL))
    {
      g_set_error (error, OP_ACCOUNTS_ERROR, OP_ACCOUNTS_ERROR_INVALID,
                   _("The accounts file “%s” has no [Outpost] version. Outpost will not "
                     "change it; repair it, or move it away to start with no accounts."),
                   display);
      return FALSE;
    }

  version = g_key_file_get_int64 (keys, HEADER_GROUP, VERSION_KEY, &local_error);
  if (local_error != NULL || version < 1)
    {
      g_set_error (error, OP_ACCOUNTS_ERROR, OP_ACCOUNTS_ERROR_INVALID,
                   _("The accounts file “%s” has an invalid version. Outpost will not "
                     "change it; repair it, or move it away to start with no accounts."),
                   display);
      return FALSE;
    }

  /* Writing a newer format back in ours would lose what that version added. */
  if (version > OP_ACCOUNTS_FORMAT_VERSION)
    {
      g_set_error (error, OP_ACCOUNTS_ERROR, OP_ACCOUNTS_ERROR_NEWER_VERSION,
                   _("The accounts file “%s” was written by a newer version of Outpost "
                     "(format %lld; this version reads up to %d). Update "
                     "Outpost to use these accounts; this version will not change the "
                     "file."),
                   display, (long long) version, OP_ACCOUNTS_FORMAT_VERSION);
      return FALSE;
    }

  return migrate (keys, version, error);
}

/**
 * op_accounts_load:
 * @self: the accounts
 * @error: return location for an #OpAccountsError
 *
 * Reads the accounts file, replacing the accounts in the list. A missing file means no
 * accounts. If loading fails the list is left empty and op_accounts_save() refuses to
 * overwrite the file until a later load succeeds.
 *
 * Returns: %TRUE if the file was read (or does not exist)
 */
gboolean
op_accounts_load (OpAccounts  *self,
                  GError     **error)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autoptr(GPtrArray) accounts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) folders = g_ptr_array_new_with_free_func ((GDestroyNotify) folder_free);
  g_autoptr(GHashTable) written = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                         g_free, NULL);
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (OP_IS_ACCOUNTS (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_clear_error (&self->load_error);

  if (!load_file (self, keys, &local_error))
    {
      self->load_error = g_error_copy (local_error);
      g_clear_pointer (&self->keys, g_key_file_unref);
      self->keys = g_key_file_new ();
      g_hash_table_remove_all (self->written_groups);
      g_ptr_array_set_size (self->folders, 0);
      replace_accounts (self, accounts);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  groups = g_key_file_get_groups (keys, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      OpAccount *account;

      if (g_str_has_prefix (groups[i], FOLDER_PREFIX))
        {
          Folder *folder = folder_from_group (keys, groups[i]);

          if (folder != NULL)
            {
              g_ptr_array_add (folders, folder);
              g_hash_table_add (written, g_strdup (groups[i]));
            }
          continue;
        }
      if (!g_str_has_prefix (groups[i], ACCOUNT_PREFIX))
        continue;

      account = account_from_group (keys, groups[i]);
      if (account == NULL)
        continue;

      g_ptr_array_add (accounts, account);
      g_hash_table_add (written, g_strdup (groups[i]));
    }

  g_clear_pointer (&self->keys, g_key_file_unref);
  self->keys = g_steal_pointer (&keys);
  g_clear_pointer (&self->written_groups, g_hash_table_unref);
  self->written_groups = g_steal_pointer (&written);
  g_clear_pointer (&self->folders, g_ptr_array_unref);
  self->folders = g_steal_pointer (&folders);
  replace_accounts (self, accounts);

  return TRUE;
}

/* What a save writes: the file's new text, and the state to keep once it is written. */
typedef struct
{
  char       *path;
  char       *display;
  char       *data;
  gsize       length;
  GKeyFile   *keys;
  GHashTable *written;
} SaveSnapshot;

static void
save_snapshot_free (SaveSnapshot *snapshot)
{
  g_free (snapshot->path);
  g_free (snapshot->display);
  g_free (snapshot->data);
  g_clear_pointer (&snapshot->keys, g_key_file_unref);
  g_clear_pointer (&snapshot->written, g_hash_table_unref);
  g_free (snapshot);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveSnapshot, save_snapshot_free)

/* The accounts as the file will have them (small: built on the caller's thread). */
static SaveSnapshot *
save_snapshot_new (OpAccounts  *self,
                   GError     **error)
{
  g_autoptr(SaveSnapshot) snapshot = g_new0 (SaveSnapshot, 1);
  g_autofree char *data = NULL;
  GHashTableIter iter;
  gpointer group;
  gsize length;

  snapshot->display = file_display_name (self->file);

  if (self->load_error != NULL)
    {
      g_set_error (error, OP_ACCOUNTS_ERROR, OP_ACCOUNTS_ERROR_NOT_LOADED,
                   _("The accounts were not saved, so that the accounts file “%s” is not "
                     "overwritten: %s"),
                   snapshot->display, self->load_error->message);
      return NULL;
    }

  snapshot->path = g_file_get_path (self->file);
  if (snapshot->path == NULL)
    {
      g_set_error (error, OP_ACCOUNTS_ERROR, OP_ACCOUNTS_ERROR_IO,
                   _("The accounts file “%s” is not a local file."), snapshot->display);
      return NULL;
    }

  /* Work on a copy so that a failed write leaves the state as the file has it. */
  snapshot->keys = g_key_file_new ();
  snapshot->written = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  data = g_key_file_to_data (self->keys, &length, NULL);
  if (!g_key_file_load_from_data (snapshot->keys, data, length, G_KEY_FILE_KEEP_COMMENTS, NULL))
    g_assert_not_reached ();

  g_hash_table_iter_init (&iter, self->written_groups);
  while (g_hash_table_iter_next (&iter, &group, NULL))
    g_key_file_remove_group (snapshot->keys, group, NULL);

  g_key_file_set_integer (snapshot->keys, HEADER_GROUP, VERSION_KEY, OP_ACCOUNTS_FORMAT_VERSION);
  for (guint i = 0; i < self->accounts->len; i++)
    {
      OpAccount *account = g_ptr_array_index (self->accounts, i);

      write_account (snapshot->keys, account);
      g_hash_table_add (snapshot->written, group_for_id (op_account_get_id (account)));
    }
  for (guint i = 0; i < self->folders->len; i++)
    g_hash_table_add (snapshot->written,
                      write_folder (snapshot->keys, g_ptr_array_index (self->folders, i)));

  snapshot->data = g_key_file_to_data (snapshot->keys, &snapshot->length, NULL);
  return g_steal_pointer (&snapshot);
}

/* Atomic, mode 0600, fsync'd: any thread. */
static gboolean
save_snapshot_write (SaveSnapshot  *snapshot,
                     GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!op_profile_write_private_file (snapshot->path, snapshot->data, snapshot->length,
                                      &local_error))
    {
      g_set_error (error, OP_ACCOUNTS_ERROR, OP_ACCOUNTS_ERROR_IO,
                   _("Could not save the accounts to “%s”: %s"),
                   snapshot->display, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* The file has the snapshot now: later saves start from it. */
static void
save_snapshot_commit (OpAccounts   *self,
                      SaveSnapshot *snapshot)
{
  g_clear_pointer (&self->keys, g_key_file_unref);
  self->keys = g_steal_pointer (&snapshot->keys);
  g_clear_pointer (&self->written_groups, g_hash_table_unref);
  self->written_groups = g_steal_pointer (&snapshot->written);
}

/**
 * op_accounts_save:
 * @self: the accounts
 * @error: return location for an #OpAccountsError
 *
 * Writes the accounts file atomically (readers see the old or the new file, never a mix)
 * with mode 0600, now, on this thread. Interactive editing uses
 * op_accounts_schedule_save() instead.
 *
 * Returns: %TRUE if the file was written
 */
gboolean
op_accounts_save (OpAccounts  *self,
                  GError     **error)
{
  g_autoptr(SaveSnapshot) snapshot = NULL;

  g_return_val_if_fail (OP_IS_ACCOUNTS (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  snapshot = save_snapshot_new (self, error);
  if (snapshot == NULL || !save_snapshot_write (snapshot, error))
    return FALSE;
  save_snapshot_commit (self, snapshot);
  g_clear_handle_id (&self->save_source, g_source_remove);
  /* A worker still writing an older state: it is followed by this one again. */
  if (self->writing)
    self->write_again = TRUE;
  return TRUE;
}

/* --- saving later, off the main thread ------------------------------------------------ */

static void start_write (OpAccounts *self);

static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;

  if (save_snapshot_write (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  /* The reference start_write() took, dropped here on the main thread: the task itself
   * holds none, so its last reference going on the worker never disposes (and so never
   * saves) the accounts there, after a caller already let go of them. */
  g_autoptr(OpAccounts) self = user_data;
  g_autoptr(GError) error = NULL;

  self->writing = FALSE;
  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      save_snapshot_commit (self, g_task_get_task_data (G_TASK (result)));
      g_signal_emit (self, signals[SIGNAL_SAVED], 0);
    }
  else
    g_signal_emit (self, signals[SIGNAL_SAVE_FAILED], 0, error);

  /* Changes made while it wrote are in the next write; a timer still running writes
   * them when it fires. */
  if (self->write_again && self->save_source == 0)
    start_write (self);
}

static void
start_write (OpAccounts *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  SaveSnapshot *snapshot;

  self->write_again = FALSE;
  snapshot = save_snapshot_new (self, &error);
  if (snapshot == NULL)
    {
      g_signal_emit (self, signals[SIGNAL_SAVE_FAILED], 0, error);
      return;
    }
  self->writing = TRUE;
  task = g_task_new (NULL, NULL, on_written, g_object_ref (self));
  g_task_set_source_tag (task, start_write);
  g_task_set_task_data (task, snapshot, (GDestroyNotify) save_snapshot_free);
  g_task_run_in_thread (task, write_thread);
}

static gboolean
on_save_timeout (gpointer user_data)
{
  OpAccounts *self = user_data;

  self->save_source = 0;
  if (self->writing)
    self->write_again = TRUE;  /* one write at a time, in order */
  else
    start_write (self);
  return G_SOURCE_REMOVE;
}

/**
 * op_accounts_schedule_save:
 * @self: the accounts
 *
 * Saves the accounts a moment later (OP_ACCOUNTS_SAVE_DELAY_MS after the last call), on
 * a worker thread: a burst of edits (every keystroke of a form) makes one write, and the
 * calling thread never waits for the disk. Each write ends with #OpAccounts::saved or
 * #OpAccounts::save-failed on the calling thread's main context. A save still pending
 * when the object is disposed is written then.
 */
void
op_accounts_schedule_save (OpAccounts *self)
{
  g_return_if_fail (OP_IS_ACCOUNTS (self));

  g_clear_handle_id (&self->save_source, g_source_remove);
  self->save_source = g_timeout_add (OP_ACCOUNTS_SAVE_DELAY_MS, on_save_timeout, self);
}

/**
 * op_accounts_has_pending_save:
 * @self: the accounts
 *
 * Returns: %TRUE while a scheduled save is waiting or being written
 */
gboolean
op_accounts_has_pending_save (OpAccounts *self)
{
  g_return_val_if_fail (OP_IS_ACCOUNTS (self), FALSE);
  return self->save_source != 0 || self->writing || self->write_again;
}

static gboolean
find_account (OpAccounts *self,
              const char *id,
              guint      *position)
{
  for (guint i = 0; i < self->accounts->len; i++)
    {
      if (g_str_equal (op_account_get_id (g_ptr_array_index (self->accounts, i)), id))
        {
          *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * op_accounts_add:
 * @self: the accounts
 * @account: an account whose id is not in the list yet
 *
 * Appends @account; call op_accounts_save() to keep it.
 */
void
op_accounts_add (OpAccounts *self,
                 OpAccount  *account)
{
  guint position;

  g_return_if_fail (OP_IS_ACCOUNTS (self));
  g_return_if_fail (OP_IS_ACCOUNT (account));
  g_return_if_fail (!find_account (self, op_account_get_id (account), &position));

  g_ptr_array_add (self->accounts, g_object_ref (account));
  g_list_model_items_changed (G_LIST_MODEL (self), self->accounts->len - 1, 0, 1);
}

/**
 * op_accounts_remove:
 * @self: the accounts
 * @id: an account id
 *
 * Removes the account with @id; call op_accounts_save() to remove it from the file. Its
 * password stays in the keyring until cleared through #OpSecrets.
 *
 * Returns: %TRUE if there was such an account
 */
gboolean
op_accounts_remove (OpAccounts *self,
                    const char *id)
{
  guint position;

  g_return_val_if_fail (OP_IS_ACCOUNTS (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  if (!find_account (self, id, &position))
    return FALSE;

  g_ptr_array_remove_index (self->accounts, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);

  return TRUE;
}

/**
 * op_accounts_lookup:
 * @self: the accounts
 * @id: an account id
 *
 * Returns: (transfer none) (nullable): the account with @id
 */
OpAccount *
op_accounts_lookup (OpAccounts *self,
                    const char *id)
{
  guint position;

  g_return_val_if_fail (OP_IS_ACCOUNTS (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  if (!find_account (self, id, &position))
    return NULL;

  return g_ptr_array_index (self->accounts, position);
}

/* --- folders ------------------------------------------------------------------------- */

static Folder *
find_folder (OpAccounts *self,
             const char *id)
{
  if (id == NULL)
    return NULL;
  for (guint i = 0; i < self->folders->len; i++)
    {
      Folder *folder = g_ptr_array_index (self->folders, i);

      if (g_str_equal (folder->id, id))
        return folder;
    }
  return NULL;
}

/* The parent @folder is shown in: NULL (the top level) also when the file names a
 * parent that is not there, one of another kind, or a chain of parents that loops (a
 * hand-edited file). */
static Folder *
folder_parent (OpAccounts *self,
               Folder     *folder)
{
  Folder *parent = find_folder (self, folder->parent);
  guint steps = 0;

  if (parent == NULL || parent->kind != folder->kind)
    return NULL;
  for (Folder *up = parent; up != NULL; up = find_folder (self, up->parent))
    if (up == folder || ++steps > self->folders->len)
      return NULL;
  return parent;
}

static gboolean
folder_is_within (OpAccounts *self,
                  Folder     *folder,
                  Folder     *ancestor)
{
  for (Folder *up = folder; up != NULL; up = folder_parent (self, up))
    if (up == ancestor)
      return TRUE;
  return FALSE;
}

static int
compare_folders (gconstpointer a,
                 gconstpointer b)
{
  const Folder *fa = *(Folder **) a, *fb = *(Folder **) b;
  int order = g_utf8_collate (fa->name, fb->name);

  return order != 0 ? order : strcmp (fa->id, fb->id);
}

/**
 * op_accounts_add_folder:
 * @self: the accounts
 * @kind: the kind of accounts it holds
 * @parent_id: (nullable): the folder it goes in (of @kind), or %NULL for the top level
 * @name: its name, not empty
 *
 * Adds a folder; call op_accounts_save() (or op_accounts_schedule_save()) to keep it.
 *
 * Returns: (transfer none) (nullable): the new folder's id; %NULL when @parent_id is not
 *   a folder of @kind
 */
const char *
op_accounts_add_folder (OpAccounts    *self,
                        OpAccountKind  kind,
                        const char    *parent_id,
                        const char    *name)
{
  Folder *folder, *parent = NULL;

  g_return_val_if_fail (OP_IS_ACCOUNTS (self), NULL);
  g_return_val_if_fail (name != NULL && name[0] != '\0', NULL);

  if (parent_id != NULL)
    {
      parent = find_folder (self, parent_id);
      if (parent == NULL || parent->kind != kind)
        return NULL;
    }
  folder = g_new0 (Folder, 1);
  folder->id = g_uuid_string_random ();
  folder->kind = kind;
  folder->name = g_strdup (name);
  folder->parent = g_strdup (parent_id);
  g_ptr_array_add (self->folders, folder);
  return folder->id;
}

/**
 * op_accounts_list_folders:
 * @self: the accounts
 * @kind: the kind of accounts
 * @parent_id: (nullable): a folder, or %NULL for the top level
 *
 * Returns: (transfer full): the ids of the folders in @parent_id, sorted by name
 */
GStrv
op_accounts_list_folders (OpAccounts    *self,
                          OpAccountKind  kind,
                          const char    *parent_id)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  Folder *parent;

  g_return_val_if_fail (OP_IS_ACCOUNTS (self), NULL);

  parent = find_folder (self, parent_id);
  for (guint i = 0; i < self->folders->len; i++)
    {
      Folder *folder = g_ptr_array_index (self->folders, i);

      if (folder->kind == kind && folder_parent (self, folder) == parent)
        g_ptr_array_add (found, folder);
    }
  g_ptr_array_sort (found, compare_folders);
  for (guint i = 0; i < found->len; i++)
    g_strv_builder_add (ids, ((Folder *) g_ptr_array_index (found, i))->id);
  return g_strv_builder_end (ids);
}

/**
 * op_accounts_get_folder_name:
 * @self: the accounts
 * @id: a folder's id
 *
 * Returns: (transfer none) (nullable): its name, %NULL when there is no such folder
 */
const char *
op_accounts_get_folder_name (OpAccounts *self,
                             const char *id)
{
  Folder *folder;

  g_return_val_if_fail (OP_IS_ACCOUNTS (self), NULL);

  folder = find_folder (self, id);
  return folder != NULL ? folder->name : NULL;
}

/**
 * op_accounts_get_folder_parent:
 * @self: the accounts
 * @id: a folder's id
 *
 * Returns: (transfer none) (nullable): the id of the folder it is in; %NULL at the top
 *   level (or when there is no such folder)
 */
const char *
op_accounts_get_folder_parent (OpAccounts *self,
                               const char *id)
{
  Folder *folder, *parent;

  g_return_val_if_fail (OP_IS_ACCOUNTS (self), NULL);

  folder = find_folder (self, id);
  parent = folder != NULL ? folder_parent (self, folder) : NULL;
  return parent != NULL ? parent->id : NULL;
}

/**
 * op_accounts_rename_folder:
 * @self: the accounts
 * @id: a folder's id
 * @name: its new name, not empty
 *
 * Returns: %FALSE when there is no such folder or @name is empty
 */
gboolean
op_accounts_rename_folder (OpAccounts *self,
                           const char *id,
                           const char *name)
{
  Folder *folder;

  g_return_val_if_fail (OP_IS_ACCOUNTS (self), FALSE);

  folder = find_folder (self, id);
  if (folder == NULL || name == NULL || name[0] == '\0')
    return FALSE;
  g_free (folder->name);
  folder->name = g_strdup (name);
  return TRUE;
}

/**
 * op_accounts_move_folder:
 * @self: the accounts
 * @id: a folder's id
 * @parent_id: (nullable): the folder to move it into, %NULL for the top level
 *
 * Moves a folder with what it holds.
 *
 * Returns: %FALSE (and nothing moved) when either is not a folder, they hold different
 *   kinds, or @parent_id is @id or inside it
 */
gboolean
op_accounts_move_folder (OpAccounts *self,
                         const char *id,
                         const char *parent_id)
{
  Folder *folder, *parent = NULL;

  g_return_val_if_fail (OP_IS_ACCOUNTS (self), FALSE);

  folder = find_folder (self, id);
  if (folder == NULL)
    return FALSE;
  if (parent_id != NULL)
    {
      parent = find_folder (self, parent_id);
      if (parent == NULL || parent->kind != folder->kind || folder_is_within (self, parent, folder))
        return FALSE;
    }
  g_free (folder->parent);
  folder->parent = parent != NULL ? g_strdup (parent->id) : NULL;
  return TRUE;
}

/**
 * op_accounts_folder_is_empty:
 * @self: the accounts
 * @id: a folder's id
 *
 * Returns: %TRUE when no account and no folder is in it (%FALSE when there is no such
 *   folder)
 */
gboolean
op_accounts_folder_is_empty (OpAccounts *self,
                             const char *id)
{
  Folder *folder;

  g_return_val_if_fail (OP_IS_ACCOUNTS (self), FALSE);

  folder = find_folder (self, id);
  if (folder == NULL)
    return FALSE;
  for (guint i = 0; i < self->folders->len; i++)
    if (folder_parent (self, g_ptr_array_index (self->folders, i)) == folder)
      return FALSE;
  for (guint i = 0; i < self->accounts->len; i++)
    if (g_strcmp0 (op_accounts_get_account_folder (self, g_ptr_array_index (self->accounts, i)),
                   folder->id) == 0)
      return FALSE;
  return TRUE;
}

/**
 * op_accounts_remove_folder:
 * @self: the accounts
 * @id: a folder's id
 *
 * Removes an empty folder (op_accounts_folder_is_empty()).
 *
 * Returns: %FALSE (and nothing removed) when it is not there or not empty
 */
gboolean
op_accounts_remove_folder (OpAccounts *self,
                           const char *id)
{
  g_return_val_if_fail (OP_IS_ACCOUNTS (self), FALSE);

  if (!op_accounts_folder_is_empty (self, id))
    return FALSE;
  return g_ptr_array_remove (self->folders, find_folder (self, id));
}

/**
 * op_accounts_get_account_folder:
 * @self: the accounts
 * @account: an account
 *
 * Returns: (transfer none) (nullable): the id of the folder @account is in; %NULL at the
 *   top level, also when the file names a folder that is not there (or holds another
 *   kind)
 */
const char *
op_accounts_get_account_folder (OpAccounts *self,
                                OpAccount  *account)
{
  Folder *folder;

  g_return_val_if_fail (OP_IS_ACCOUNTS (self), NULL);
  g_return_val_if_fail (OP_IS_ACCOUNT (account), NULL);

  folder = find_folder (self, op_account_get_extra (account, ACCOUNT_KEY_FOLDER));
  return folder != NULL && folder->kind == op_account_get_kind (account) ? folder->id : NULL;
}

/**
 * op_accounts_move_account:
 * @self: the accounts
 * @account: an account
 * @folder_id: (nullable): a folder holding @account's kind, %NULL for the top level
 *
 * Its id, and so its password in the keyring, stay as they are.
 *
 * Returns: %FALSE (and nothing moved) when @folder_id is not such a folder
 */
gboolean
op_accounts_move_account (OpAccounts *self,
                          OpAccount  *account,
                          const char *folder_id)
{
  Folder *folder = NULL;

  g_return_val_if_fail (OP_IS_ACCOUNTS (self), FALSE);
  g_return_val_if_fail (OP_IS_ACCOUNT (account), FALSE);

  if (folder_id != NULL)
    {
      folder = find_folder (self, folder_id);
      if (folder == NULL || folder->kind != op_account_get_kind (account))
        return FALSE;
    }
  op_account_set_extra (account, ACCOUNT_KEY_FOLDER, folder != NULL ? folder->id : NULL);
  return TRUE;
}
