/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-accounts"

#include "config.h"

#include <glib/gi18n.h>

#include "op-account.h"
#include "op-accounts-private.h"

G_DEFINE_ENUM_TYPE (OpAccountKind, op_account_kind,
  G_DEFINE_ENUM_VALUE (OP_ACCOUNT_KIND_FTP, "ftp"),
  G_DEFINE_ENUM_VALUE (OP_ACCOUNT_KIND_MAIL, "mail"),
  G_DEFINE_ENUM_VALUE (OP_ACCOUNT_KIND_NEWS, "news"),
  G_DEFINE_ENUM_VALUE (OP_ACCOUNT_KIND_CONSOLE, "console"))

/* The file spells enum values as their GEnumValue nicks. */
static const char *
enum_to_nick (GType type,
              int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *found = g_enum_get_value (klass, value);

  return found != NULL ? found->value_nick : NULL;
}

static gboolean
enum_from_nick (GType       type,
                const char *nick,
                int        *value)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *found;

  if (nick == NULL)
    return FALSE;

  klass = g_type_class_ref (type);
  found = g_enum_get_value_by_nick (klass, nick);
  if (found == NULL)
    return FALSE;

  *value = found->value;
  return TRUE;
}

/**
 * op_account_kind_to_string:
 * @kind: a kind
 *
 * Returns: (transfer none): "ftp", "mail", "news" or "console"
 */
const char *
op_account_kind_to_string (OpAccountKind kind)
{
  return enum_to_nick (OP_TYPE_ACCOUNT_KIND, kind);
}

/**
 * op_account_kind_from_string:
 * @string: (nullable): "ftp", "mail", "news" or "console"
 * @kind: (out): the kind
 *
 * Returns: %TRUE if @string names a kind
 */
gboolean
op_account_kind_from_string (const char    *string,
                             OpAccountKind *kind)
{
  int value;

  g_return_val_if_fail (kind != NULL, FALSE);

  if (!enum_from_nick (OP_TYPE_ACCOUNT_KIND, string, &value))
    return FALSE;

  *kind = value;
  return TRUE;
}

/**
 * op_security_to_string:
 * @security: a security mode
 *
 * Returns: (transfer none): "none", "starttls" or "implicit"
 */
const char *
op_security_to_string (OpSecurity security)
{
  return enum_to_nick (OP_TYPE_SECURITY, security);
}

/**
 * op_security_from_string:
 * @string: (nullable): "none", "starttls" or "implicit"
 * @security: (out): the mode
 *
 * Returns: %TRUE if @string names a security mode
 */
gboolean
op_security_from_string (const char *string,
                         OpSecurity *security)
{
  int value;

  g_return_val_if_fail (security != NULL, FALSE);

  if (!enum_from_nick (OP_TYPE_SECURITY, string, &value))
    return FALSE;

  *security = value;
  return TRUE;
}

struct _OpAccount
{
  GObject        parent_instance;

  char          *id;
  OpAccountKind  kind;
  char          *name;
  char          *host;
  guint16        port;
  char          *user;
  OpSecurity     security;
  gboolean       allow_plaintext_password;
  GHashTable    *extras;  /* key → value, both owned */
};

enum
{
  PROP_0,
  PROP_ID,
  PROP_KIND,
  PROP_NAME,
  PROP_HOST,
  PROP_PORT,
  PROP_USER,
  PROP_SECURITY,
  PROP_ALLOW_PLAINTEXT_PASSWORD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OpAccount, op_account, G_TYPE_OBJECT)

/* Keys the accounts file uses for the properties above; an extra may not shadow one. */
static const char * const core_keys[] = {
  OP_ACCOUNT_KEY_ID,
  OP_ACCOUNT_KEY_KIND,
  OP_ACCOUNT_KEY_NAME,
  OP_ACCOUNT_KEY_HOST,
  OP_ACCOUNT_KEY_PORT,
  OP_ACCOUNT_KEY_USER,
  OP_ACCOUNT_KEY_SECURITY,
  OP_ACCOUNT_KEY_ALLOW_PLAINTEXT_PASSWORD,
  NULL
};

gboolean
_op_account_is_core_key (const char *key)
{
  return g_strv_contains (core_keys, key);
}

gboolean
_op_account_id_is_valid (const char *id)
{
  if (id == NULL || id[0] == '\0' || strlen (id) > 64)
    return FALSE;

  /* It becomes part of a key file group name: nothing that could break one. */
  for (const char *p = id; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
        return FALSE;
    }

  return TRUE;
}

/* Accounts files are not secret stores (DESIGN.md): refuse the obvious ways to make one,
 * "smtp-password", "api-token", "pass" and friends, without catching "passive-mode". */
gboolean
_op_account_key_looks_secret (const char *key)
{
  static const char * const secret_words[] = {
    "password", "passwd", "passphrase", "secret", "token", NULL
  };
  static const char * const secret_parts[] = { "pass", "pw", "pwd", NULL };
  g_autofree char *lower = g_ascii_strdown (key, -1);
  g_auto(GStrv) parts = NULL;

  for (guint i = 0; secret_words[i] != NULL; i++)
    {
      if (strstr (lower, secret_words[i]) != NULL)
        return TRUE;
    }

  parts = g_strsplit_set (lower, "-_.", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (g_strv_contains (secret_parts, parts[i]))
        return TRUE;
    }

  return FALSE;
}

/**
 * op_account_extra_key_is_valid:
 * @key: a candidate extra key name
 *
 * Returns: %TRUE if @key can name an extra value: lower-case ASCII letters, digits and
 *   "-", not a core key, and not something that would hold a secret
 */
gboolean
op_account_extra_key_is_valid (const char *key)
{
  if (key == NULL || key[0] == '\0' || strlen (key) > 64)
    return FALSE;

  for (const char *p = key; *p != '\0'; p++)
    {
      if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
        return FALSE;
    }

  return !_op_account_is_core_key (key) && !_op_account_key_looks_secret (key);
}

static void
emit_changed (OpAccount *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static gboolean
replace_string (char       **field,
                const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
op_account_constructed (GObject *object)
{
  OpAccount *self = OP_ACCOUNT (object);

  G_OBJECT_CLASS (op_account_parent_class)->constructed (object);

  if (self->id == NULL)
    self->id = g_uuid_string_random ();
}

static void
op_account_finalize (GObject *object)
{
  OpAccount *self = OP_ACCOUNT (object);

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->user, g_free);
  g_clear_pointer (&self->extras, g_hash_table_unref);

  G_OBJECT_CLASS (op_account_parent_class)->finalize (object);
}

static void
op_account_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  OpAccount *self = OP_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_USER:
      g_value_set_string (value, self->user);
      break;
    case PROP_SECURITY:
      g_value_set_enum (value, self->security);
      break;
    case PROP_ALLOW_PLAINTEXT_PASSWORD:
      g_value_set_boolean (value, self->allow_plaintext_password);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_account_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  OpAccount *self = OP_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_ID:
      {
        const char *id = g_value_get_string (value);

        /* NULL picks a fresh random id in constructed(). */
        if (id != NULL && !_op_account_id_is_valid (id))
          {
            g_critical ("Invalid account id “%s”", id);
            id = NULL;
          }
        self->id = g_strdup (id);
      }
      break;
    case PROP_KIND:
      self->kind = g_value_get_enum (value);
      break;
    case PROP_NAME:
      op_account_set_name (self, g_value_get_string (value));
      break;
    case PROP_HOST:
      op_account_set_host (self, g_value_get_string (value));
      break;
    case PROP_PORT:
      op_account_set_port (self, (guint16) g_value_get_uint (value));
      break;
    case PROP_USER:
      op_account_set_user (self, g_value_get_string (value));
      break;
    case PROP_SECURITY:
      op_account_set_security (self, g_value_get_enum (value));
      break;
    case PROP_ALLOW_PLAINTEXT_PASSWORD:
      op_account_set_allow_plaintext_password (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_account_class_init (OpAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                         | G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructed = op_account_constructed;
  object_class->finalize = op_account_finalize;
  object_class->get_property = op_account_get_property;
  object_class->set_property = op_account_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, rw | G_PARAM_CONSTRUCT_ONLY);
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, OP_TYPE_ACCOUNT_KIND, OP_ACCOUNT_KIND_FTP,
                       rw | G_PARAM_CONSTRUCT_ONLY);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, "", rw);
  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL, "", rw);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, rw);
  properties[PROP_USER] =
    g_param_spec_string ("user", NULL, NULL, "", rw);
  properties[PROP_SECURITY] =
    g_param_spec_enum ("security", NULL, NULL, OP_TYPE_SECURITY, OP_SECURITY_STARTTLS, rw);
  properties[PROP_ALLOW_PLAINTEXT_PASSWORD] =
    g_param_spec_boolean ("allow-plaintext-password", NULL, NULL, FALSE, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * OpAccount::changed:
   *
   * Emitted after any property or extra value changed, so a store knows to save.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
op_account_init (OpAccount *self)
{
  self->name = g_strdup ("");
  self->host = g_strdup ("");
  self->user = g_strdup ("");
  self->security = OP_SECURITY_STARTTLS;
  self->extras = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * op_account_new:
 * @kind: what the account is for
 * @id: (nullable): a stable identifier (ASCII letters, digits, "-" and "_"), or %NULL
 *   for a new random one
 *
 * A new account secured with TLS (STARTTLS) by default; a Console endpoint starts
 * without TLS, as a raw socket does.
 *
 * Returns: (transfer full): the account
 */
OpAccount *
op_account_new (OpAccountKind  kind,
                const char    *id)
{
  g_return_val_if_fail (id == NULL || _op_account_id_is_valid (id), NULL);

  return g_object_new (OP_TYPE_ACCOUNT,
                       "kind", kind,
                       "id", id,
                       "security", kind == OP_ACCOUNT_KIND_CONSOLE ? OP_SECURITY_NONE
                                                                   : OP_SECURITY_STARTTLS,
                       NULL);
}

/**
 * op_account_get_id:
 * @self: an account
 *
 * Returns: (transfer none): the account's stable identifier
 */
const char *
op_account_get_id (OpAccount *self)
{
  g_return_val_if_fail (OP_IS_ACCOUNT (self), NULL);

  return self->id;
}

/**
 * op_account_get_kind:
 * @self: an account
 *
 * Returns: what the account is for
 */
OpAccountKind
op_account_get_kind (OpAccount *self)
{
  g_return_val_if_fail (OP_IS_ACCOUNT (self), OP_ACCOUNT_KIND_FTP);

  return self->kind;
}

/**
 * op_account_get_name:
 * @self: an account
 *
 * Returns: (transfer none): the name the user gave the account
 */
const char *
op_account_get_name (OpAccount *self)
{
  g_return_val_if_fail (OP_IS_ACCOUNT (self), NULL);

  return self->name;
}

/**
 * op_account_set_name:
 * @self: an account
 * @name: (nullable): the name the user gave the account
 */
void
op_account_set_name (OpAccount  *self,
                     const char *name)
{
  g_return_if_fail (OP_IS_ACCOUNT (self));

  if (replace_string (&self->name, name != NULL ? name : ""))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
      emit_changed (self);
    }
}

/**
 * op_account_get_host:
 * @self: an account
 *
 * Returns: (transfer none): the server's host name
 */
const char *
op_account_get_host (OpAccount *self)
{
  g_return_val_if_fail (OP_IS_ACCOUNT (self), NULL);

  return self->host;
}

/**
 * op_account_set_host:
 * @self: an account
 * @host: (nullable): the server's host name
 */
void
op_account_set_host (OpAccount  *self,
                     const char *host)
{
  g_return_if_fail (OP_IS_ACCOUNT (self));

  if (replace_string (&self->host, host != NULL ? host : ""))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOST]);
      emit_changed (self);
    }
}

/**
 * op_account_get_port:
 * @self: an account
 *
 * Returns: the server's port, or 0 for the protocol's default
 */
guint16
op_account_get_port (OpAccount *self)
{
  g_return_val_if_fail (OP_IS_ACCOUNT (self), 0);

  return self->port;
}

/**
 * op_account_set_port:
 * @self: an account
 * @port: the server's port, or 0 for the protocol's default
 */
void
op_account_set_port (OpAccount *self,
                     guint16    port)
{
  g_return_if_fail (OP_IS_ACCOUNT (self));

  if (self->port != port)
    {
      self->port = port;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
      emit_changed (self);
    }
}

/**
 * op_account_get_user:
 * @self: an account
 *
 * Returns: (transfer none): the user name ("" for none)
 */
const char *
op_account_get_user (OpAccount *self)
{
  g_return_val_if_fail (OP_IS_ACCOUNT (self), NULL);

  return self->user;
}

/**
 * op_account_set_user:
 * @self: an account
 * @user: (nullable): the user name
 */
void
op_account_set_user (OpAccount  *self,
                     const char *user)
{
  g_return_if_fail (OP_IS_ACCOUNT (self));

  if (replace_string (&self->user, user != NULL ? user : ""))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER]);
      emit_changed (self);
    }
}

/**
 * op_account_get_security:
 * @self: an account
 *
 * Returns: how the connection is protected
 */
OpSecurity
op_account_get_security (OpAccount *self)
{
  g_return_val_if_fail (OP_IS_ACCOUNT (self), OP_SECURITY_STARTTLS);

  return self->security;
}

/**
 * op_account_set_security:
 * @self: an account
 * @security: how the connection is protected
 */
void
op_account_set_security (OpAccount  *self,
                         OpSecurity  security)
{
  g_return_if_fail (OP_IS_ACCOUNT (self));
  g_return_if_fail (op_security_to_string (security) != NULL);

  if (self->security != security)
    {
      self->security = security;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECURITY]);
      emit_changed (self);
    }
}

/**
 * op_account_get_allow_plaintext_password:
 * @self: an account
 *
 * Returns: %TRUE if the user agreed to send the password without TLS
 */
gboolean
op_account_get_allow_plaintext_password (OpAccount *self)
{
  g_return_val_if_fail (OP_IS_ACCOUNT (self), FALSE);

  return self->allow_plaintext_password;
}

/**
 * op_account_set_allow_plaintext_password:
 * @self: an account
 * @allow: whether the user agreed to send the password without TLS
 */
void
op_account_set_allow_plaintext_password (OpAccount *self,
                                         gboolean   allow)
{
  g_return_if_fail (OP_IS_ACCOUNT (self));

  allow = !!allow;
  if (self->allow_plaintext_password != allow)
    {
      self->allow_plaintext_password = allow;
      g_object_notify_by_pspec (G_OBJECT (self),
                                properties[PROP_ALLOW_PLAINTEXT_PASSWORD]);
      emit_changed (self);
    }
}

/**
 * op_account_get_extra:
 * @self: an account
 * @key: an extra key name
 *
 * Returns: (transfer none) (nullable): the value, or %NULL if unset
 */
const char *
op_account_get_extra (OpAccount  *self,
                      const char *key)
{
  g_return_val_if_fail (OP_IS_ACCOUNT (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return g_hash_table_lookup (self->extras, key);
}

/**
 * op_account_set_extra:
 * @self: an account
 * @key: an extra key name (see op_account_extra_key_is_valid())
 * @value: (nullable): the value, or %NULL to remove it
 */
void
op_account_set_extra (OpAccount  *self,
                      const char *key,
                      const char *value)
{
  g_return_if_fail (OP_IS_ACCOUNT (self));
  g_return_if_fail (op_account_extra_key_is_valid (key));

  _op_account_set_extra_unchecked (self, key, value);
}

/* For the file loader: keys an older or newer Outpost wrote survive a round trip even if
 * this version would not let a caller create them. */
void
_op_account_set_extra_unchecked (OpAccount  *self,
                                 const char *key,
                                 const char *value)
{
  if (g_strcmp0 (g_hash_table_lookup (self->extras, key), value) == 0)
    return;

  if (value == NULL)
    g_hash_table_remove (self->extras, key);
  else
    g_hash_table_replace (self->extras, g_strdup (key), g_strdup (value));

  emit_changed (self);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * op_account_list_extra_keys:
 * @self: an account
 *
 * Returns: (transfer full): the extra keys that have a value, sorted
 */
GStrv
op_account_list_extra_keys (OpAccount *self)
{
  g_autoptr(GPtrArray) keys = NULL;
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (OP_IS_ACCOUNT (self), NULL);

  keys = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&iter, self->extras);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, g_strdup (key));
  g_ptr_array_sort (keys, compare_strings);
  g_ptr_array_add (keys, NULL);

  return (GStrv) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
}
