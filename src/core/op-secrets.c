/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-secrets"

#include "config.h"

#include <glib/gi18n.h>

#include "op-secrets.h"

struct _OpSecrets
{
  GObject     parent_instance;

  /* FALSE once a Secret Service failed to answer; see secret_failed(). */
  gboolean    persistent;
  /* TRUE when the failure means there is no Secret Service at all: then the rest of the
   * session stays in memory instead of paying a D-Bus failure (or timeout) per password. */
  gboolean    service_missing;
  char       *unavailable_reason;

  /* Passwords kept for the session when they could not be saved; values are wiped when
   * replaced or freed. Guarded because GTask callbacks may run on other contexts. */
  GMutex      lock;
  GHashTable *memory;
};

enum
{
  PROP_0,
  PROP_PERSISTENT,
  PROP_UNAVAILABLE_REASON,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OpSecrets, op_secrets, G_TYPE_OBJECT)

/**
 * op_secrets_get_schema:
 *
 * Returns: (transfer none): the libsecret schema of Outpost's passwords
 */
const SecretSchema *
op_secrets_get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.outpost.Outpost.Password",
    SECRET_SCHEMA_NONE,
    {
      { "protocol", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "port", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      /* The account or site the password belongs to (op_secrets_*_for_account); items
       * without it are from before passwords were kept per site. */
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

/**
 * op_secrets_password_free:
 * @password: (nullable) (transfer full): a password from op_secrets_lookup_finish()
 */
void
op_secrets_password_free (char *password)
{
  if (password == NULL)
    return;

  secret_password_wipe (password);
  g_free (password);
}

/* What identifies a password: the schema's attributes (account nullable). */
typedef struct
{
  char    *account;
  gboolean legacy;    /* a lookup looking at items without an account now */
  char    *protocol;
  char    *host;
  guint16  port;
  char    *user;
  char    *password;  /* only for a store */
} SecretRequest;

static void
secret_request_free (gpointer data)
{
  SecretRequest *request = data;

  g_free (request->account);
  g_free (request->protocol);
  g_free (request->host);
  g_free (request->user);
  op_secrets_password_free (request->password);
  g_free (request);
}

static SecretRequest *
secret_request_new (const char *account,
                    const char *protocol,
                    const char *host,
                    guint16     port,
                    const char *user,
                    const char *password)
{
  SecretRequest *request = g_new0 (SecretRequest, 1);

  request->account = g_strdup (account);
  request->protocol = g_strdup (protocol);
  request->host = g_strdup (host);
  request->port = port;
  request->user = g_strdup (user);
  request->password = g_strdup (password);

  return request;
}

/* Length-prefixed, so no attribute value can make two different keys equal. */
static char *
memory_key (SecretRequest *request)
{
  const char *account = request->account != NULL && !request->legacy ? request->account : "";

  return g_strdup_printf ("%zu:%s|%zu:%s|%u|%zu:%s|%zu:%s",
                          strlen (request->protocol), request->protocol,
                          strlen (request->host), request->host,
                          (guint) request->port,
                          strlen (request->user), request->user,
                          strlen (account), account);
}

/* The request's attributes for libsecret; with @with_account FALSE, those of the items
 * kept before passwords were per account. */
static GHashTable *
request_attributes (SecretRequest *request,
                    gboolean       with_account)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_hash_table_insert (attributes, (char *) "protocol", g_strdup (request->protocol));
  g_hash_table_insert (attributes, (char *) "host", g_strdup (request->host));
  g_hash_table_insert (attributes, (char *) "port", g_strdup_printf ("%d", (int) request->port));
  g_hash_table_insert (attributes, (char *) "user", g_strdup (request->user));
  if (with_account && request->account != NULL)
    g_hash_table_insert (attributes, (char *) "account", g_strdup (request->account));
  return attributes;
}

static void
memory_store (OpSecrets     *self,
              SecretRequest *request)
{
  g_mutex_lock (&self->lock);
  g_hash_table_replace (self->memory, memory_key (request), g_strdup (request->password));
  g_mutex_unlock (&self->lock);
}

static char *
memory_lookup (OpSecrets     *self,
               SecretRequest *request)
{
  g_autofree char *key = memory_key (request);
  char *password;

  g_mutex_lock (&self->lock);
  password = g_strdup (g_hash_table_lookup (self->memory, key));
  g_mutex_unlock (&self->lock);

  return password;
}

static void
memory_remove (OpSecrets     *self,
               SecretRequest *request)
{
  g_autofree char *key = memory_key (request);

  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->memory, key);
  g_mutex_unlock (&self->lock);
}

/* No session bus, nobody owning org.freedesktop.secrets, or no way to start it: errors
 * that will not go away during this session. */
static gboolean
error_means_no_service (const GError *error)
{
  if (error->domain == G_DBUS_ERROR)
    {
      switch (error->code)
        {
        case G_DBUS_ERROR_SERVICE_UNKNOWN:
        case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
        case G_DBUS_ERROR_NO_SERVER:
        case G_DBUS_ERROR_NO_REPLY:
        case G_DBUS_ERROR_TIMEOUT:
        case G_DBUS_ERROR_TIMED_OUT:
        case G_DBUS_ERROR_DISCONNECTED:
        case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
        case G_DBUS_ERROR_SPAWN_FORK_FAILED:
        case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
        case G_DBUS_ERROR_SPAWN_CHILD_SIGNALED:
        case G_DBUS_ERROR_SPAWN_FAILED:
        case G_DBUS_ERROR_SPAWN_SETUP_FAILED:
        case G_DBUS_ERROR_SPAWN_CONFIG_INVALID:
        case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
        case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
        case G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID:
        case G_DBUS_ERROR_SPAWN_FILE_INVALID:
        case G_DBUS_ERROR_SPAWN_NO_MEMORY:
          return TRUE;
        default:
          return FALSE;
        }
    }

  /* Connecting to the session bus itself failed (no address, nothing listening). */
  return error->domain == G_IO_ERROR;
}

static void
set_persistent (OpSecrets  *self,
                gboolean    persistent,
                const char *reason)
{
  gboolean changed_persistent = self->persistent != persistent;
  gboolean changed_reason = g_strcmp0 (self->unavailable_reason, reason) != 0;

  self->persistent = persistent;
  if (changed_reason)
    {
      g_free (self->unavailable_reason);
      self->unavailable_reason = g_strdup (reason);
    }

  if (changed_reason)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNAVAILABLE_REASON]);
  if (changed_persistent)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERSISTENT]);
}

/* A Secret Service call failed for a reason other than cancellation: from now on (or for
 * this password) the session keeps passwords in memory, and the UI learns why. */
static void
secret_failed (OpSecrets    *self,
               const GError *error)
{
  g_autofree char *reason = NULL;

  /* The D-Bus detail helps whoever debugs a keyring; it never contains the password. */
  g_debug ("Secret Service unavailable: %s", error->message);

  if (error_means_no_service (error))
    {
      self->service_missing = TRUE;
      reason = g_strdup (_("Passwords can’t be saved: no keyring (Secret Service) is "
                           "running. Outpost keeps this password until you quit."));
    }
  else
    {
      reason = g_strdup_printf (_("Passwords can’t be saved: the keyring reported a "
                                  "problem (%s). Outpost keeps this password until you "
                                  "quit."),
                                error->message);
    }

  set_persistent (self, FALSE, reason);
}

/* A Secret Service call worked: a refusal that was not a missing service is over. */
static void
secret_succeeded (OpSecrets *self)
{
  gboolean all_saved;

  if (self->service_missing)
    return;

  /* A password still kept only in memory was not saved: don't claim otherwise. */
  g_mutex_lock (&self->lock);
  all_saved = g_hash_table_size (self->memory) == 0;
  g_mutex_unlock (&self->lock);

  if (all_saved)
    set_persistent (self, TRUE, NULL);
}

static gboolean
use_service (OpSecrets *self)
{
  return !self->service_missing;
}

static gboolean
valid_attributes (const char *protocol,
                  const char *host,
                  const char *user)
{
  return protocol != NULL && protocol[0] != '\0'
         && host != NULL && host[0] != '\0'
         && user != NULL;
}

/* --- store ------------------------------------------------------------------------- */

static void
on_password_stored (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(GTask) task = data;
  OpSecrets *self = g_task_get_source_object (task);
  SecretRequest *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (secret_password_store_finish (result, &error))
    {
      /* The keyring has it now; a copy kept after an earlier failure is stale. */
      memory_remove (self, request);
      secret_succeeded (self);
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  secret_failed (self, error);
  memory_store (self, request);
  g_task_return_boolean (task, TRUE);
}

static void
store_async (OpSecrets           *self,
             const char          *account,
             const char          *protocol,
             const char          *host,
             guint16              port,
             const char          *user,
             const char          *password,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autofree char *label = NULL;
  SecretRequest *request;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_secrets_store_async);
  request = secret_request_new (account, protocol, host, port, user, password);
  g_task_set_task_data (task, request, secret_request_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!use_service (self))
    {
      memory_store (self, request);
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Shown in the user's keyring manager (Seahorse): say what the password opens. */
  if (user[0] != '\0')
    label = g_strdup_printf (_("Outpost: %s password for %s on %s:%u"),
                             protocol, user, host, (guint) port);
  else
    label = g_strdup_printf (_("Outpost: %s password for %s:%u"),
                             protocol, host, (guint) port);

  attributes = request_attributes (request, TRUE);
  secret_password_storev (op_secrets_get_schema (), attributes, SECRET_COLLECTION_DEFAULT,
                          label, password, cancellable, on_password_stored,
                          g_steal_pointer (&task));
}

/**
 * op_secrets_store_async:
 * @self: the secrets
 * @protocol: e.g. "ftp", "imap", "smtp", "nntp"
 * @host: the server's host name
 * @port: the server's port
 * @user: the user name ("" for none)
 * @password: the password
 * @cancellable: (nullable): a cancellable
 * @callback: called when the password is stored
 * @user_data: data for @callback
 *
 * Saves @password in the keyring, replacing an earlier one for the same attributes, or,
 * without a keyring, keeps it in memory for the session.
 */
void
op_secrets_store_async (OpSecrets           *self,
                        const char          *protocol,
                        const char          *host,
                        guint16              port,
                        const char          *user,
                        const char          *password,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (OP_IS_SECRETS (self));
  g_return_if_fail (valid_attributes (protocol, host, user));
  g_return_if_fail (password != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  store_async (self, NULL, protocol, host, port, user, password, cancellable, callback,
               user_data);
}

/**
 * op_secrets_store_for_account_async:
 * @self: the secrets
 * @account: the id of the account or site the password belongs to
 * @protocol: e.g. "ftp"
 * @host: the server's host name
 * @port: the server's port
 * @user: the user name ("" for none)
 * @password: the password
 * @cancellable: (nullable): a cancellable
 * @callback: called when the password is stored
 * @user_data: data for @callback
 *
 * Like op_secrets_store_async(), keyed by @account too: two accounts with the same
 * server and user (a duplicated site) keep a password each. Finish with
 * op_secrets_store_finish().
 */
void
op_secrets_store_for_account_async (OpSecrets           *self,
                                    const char          *account,
                                    const char          *protocol,
                                    const char          *host,
                                    guint16              port,
                                    const char          *user,
                                    const char          *password,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (OP_IS_SECRETS (self));
  g_return_if_fail (account != NULL && account[0] != '\0');
  g_return_if_fail (valid_attributes (protocol, host, user));
  g_return_if_fail (password != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  store_async (self, account, protocol, host, port, user, password, cancellable, callback,
               user_data);
}

/**
 * op_secrets_store_finish:
 * @self: the secrets
 * @result: the result passed to the callback
 * @error: return location for %G_IO_ERROR_CANCELLED
 *
 * Returns: %TRUE if the password is stored, in the keyring or (see
 *   op_secrets_get_persistent()) for this session
 */
gboolean
op_secrets_store_finish (OpSecrets     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (OP_IS_SECRETS (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == op_secrets_store_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- lookup ------------------------------------------------------------------------ */

static void
return_password (GTask *task,
                 char  *password)
{
  g_task_return_pointer (task, password, (GDestroyNotify) op_secrets_password_free);
}

static void search_items (GTask *task);

/* Whether an item with @attributes answers the request (an item of another account never
 * answers a legacy lookup). */
static gboolean
attributes_match (SecretRequest *request,
                  GHashTable    *attributes)
{
  return !request->legacy || !g_hash_table_contains (attributes, "account");
}

/* The lookup found @password (transfer full, nullable) in the keyring, which answered. */
static void
lookup_answered (GTask *task,
                 char  *password)
{
  OpSecrets *self = g_task_get_source_object (task);
  SecretRequest *request = g_task_get_task_data (task);

  secret_succeeded (self);

  /* Kept in memory after a refusal earlier in the session, perhaps. */
  if (password == NULL)
    password = memory_lookup (self, request);

  /* Migration: an account with no password of its own reads the one kept for its server
   * and user before passwords were per account (read only: a duplicated site's twin may
   * read it too). */
  if (password == NULL && request->account != NULL && !request->legacy)
    {
      request->legacy = TRUE;
      password = memory_lookup (self, request);
      if (password == NULL)
        {
          search_items (task);
          return;
        }
    }

  return_password (task, password);
  g_object_unref (task);
}

/* The keyring did not answer: cancelled, or the session goes on in memory. */
static void
lookup_failed (GTask  *task,
               GError *error)
{
  OpSecrets *self = g_task_get_source_object (task);
  SecretRequest *request = g_task_get_task_data (task);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, error);
  else
    {
      secret_failed (self, error);
      g_error_free (error);
      return_password (task, memory_lookup (self, request));
    }
  g_object_unref (task);
}

static void
on_password_found (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  GTask *task = data;
  SecretRequest *request = g_task_get_task_data (task);
  GError *error = NULL;
  GList *items;
  char *password = NULL;

  items = secret_service_search_finish (NULL, result, &error);
  if (error != NULL)
    {
      lookup_failed (task, error);
      return;
    }
  for (GList *l = items; l != NULL && password == NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_item_get_attributes (l->data);
      g_autoptr(SecretValue) value = NULL;
      const char *text;

      if (!attributes_match (request, attributes))
        continue;
      value = secret_item_get_secret (l->data);
      text = value != NULL ? secret_value_get_text (value) : NULL;
      /* NULL when the item stayed locked or holds no text: nothing usable. */
      password = g_strdup (text);
    }
  g_list_free_full (items, g_object_unref);
  lookup_answered (task, password);
}

static void
on_secret_retrieved (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  GTask *task = data;
  GError *error = NULL;
  g_autoptr(SecretValue) value = NULL;
  const char *text;

  value = secret_retrievable_retrieve_secret_finish (SECRET_RETRIEVABLE (source), result,
                                                     &error);
  if (error != NULL)
    {
      lookup_failed (task, error);
      return;
    }
  text = value != NULL ? secret_value_get_text (value) : NULL;
  lookup_answered (task, g_strdup (text));
}

static void
on_retrievables_found (GObject      *source,
                       GAsyncResult *result,
                       gpointer      data)
{
  GTask *task = data;
  SecretRequest *request = g_task_get_task_data (task);
  GError *error = NULL;
  GList *items;
  SecretRetrievable *found = NULL;

  items = secret_password_search_finish (result, &error);
  if (error != NULL)
    {
      lookup_failed (task, error);
      return;
    }
  for (GList *l = items; l != NULL && found == NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_retrievable_get_attributes (l->data);

      if (attributes_match (request, attributes))
        found = g_object_ref (l->data);
    }
  g_list_free_full (items, g_object_unref);
  if (found == NULL)
    {
      lookup_answered (task, NULL);
      return;
    }
  secret_retrievable_retrieve_secret (found, g_task_get_cancellable (task),
                                      on_secret_retrieved, task);
  g_object_unref (found);
}

/* Inside a Flatpak sandbox libsecret's secret_password_*() calls use its file backend,
 * keyed through the Secret portal, and the Secret Service's D-Bus API is out of reach:
 * lookups must then go through the same calls as storing. SECRET_BACKEND=file chooses
 * that backend outside the sandbox too (how the tests prove this path). */
static gboolean
use_password_api (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) ||
         g_strcmp0 (g_getenv ("SECRET_BACKEND"), "file") == 0;
}

/* Takes over the reference to @task. */
static void
search_items (GTask *task)
{
  SecretRequest *request = g_task_get_task_data (task);
  g_autoptr(GHashTable) attributes = request_attributes (request, !request->legacy);
  /* SECRET_SEARCH_ALL: a legacy search also sees other accounts' items, which
   * attributes_match() skips. */
  SecretSearchFlags all = request->legacy ? SECRET_SEARCH_ALL : 0;

  if (use_password_api ())
    {
      secret_password_searchv (op_secrets_get_schema (), attributes,
                               SECRET_SEARCH_UNLOCK | all, g_task_get_cancellable (task),
                               on_retrievables_found, task);
      return;
    }
  /* A search that loads the secret rather than secret_password_lookup(): libsecret 0.20
   * (Debian 12) leaks the whole GetSecrets reply on every lookup, which LeakSanitizer
   * reports; the search reads the same item without that leak. */
  secret_service_search (NULL, op_secrets_get_schema (), attributes,
                         SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS | all,
                         g_task_get_cancellable (task), on_password_found, task);
}

static void
lookup_async (OpSecrets           *self,
              const char          *account,
              const char          *protocol,
              const char          *host,
              guint16              port,
              const char          *user,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SecretRequest *request;
  char *remembered;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_secrets_lookup_async);
  request = secret_request_new (account, protocol, host, port, user, NULL);
  g_task_set_task_data (task, request, secret_request_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  remembered = memory_lookup (self, request);
  if (remembered == NULL && !use_service (self) && account != NULL)
    {
      request->legacy = TRUE;
      remembered = memory_lookup (self, request);
    }
  if (remembered != NULL || !use_service (self))
    {
      return_password (task, remembered);
      return;
    }

  search_items (g_steal_pointer (&task));
}

/**
 * op_secrets_lookup_async:
 * @self: the secrets
 * @protocol: e.g. "ftp"
 * @host: the server's host name
 * @port: the server's port
 * @user: the user name ("" for none)
 * @cancellable: (nullable): a cancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Looks up the password stored for these attributes: one kept in memory for this
 * session first (the newest the user typed), then the keyring.
 */
void
op_secrets_lookup_async (OpSecrets           *self,
                         const char          *protocol,
                         const char          *host,
                         guint16              port,
                         const char          *user,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (OP_IS_SECRETS (self));
  g_return_if_fail (valid_attributes (protocol, host, user));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  lookup_async (self, NULL, protocol, host, port, user, cancellable, callback, user_data);
}

/**
 * op_secrets_lookup_for_account_async:
 * @self: the secrets
 * @account: the id of the account or site the password belongs to
 * @protocol: e.g. "ftp"
 * @host: the server's host name
 * @port: the server's port
 * @user: the user name ("" for none)
 * @cancellable: (nullable): a cancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Looks up @account's password; without one, the password stored for the server and
 * user before passwords were kept per account (left in place: a twin may read it too).
 * Finish with op_secrets_lookup_finish().
 */
void
op_secrets_lookup_for_account_async (OpSecrets           *self,
                                     const char          *account,
                                     const char          *protocol,
                                     const char          *host,
                                     guint16              port,
                                     const char          *user,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (OP_IS_SECRETS (self));
  g_return_if_fail (account != NULL && account[0] != '\0');
  g_return_if_fail (valid_attributes (protocol, host, user));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  lookup_async (self, account, protocol, host, port, user, cancellable, callback, user_data);
}

/**
 * op_secrets_lookup_finish:
 * @self: the secrets
 * @result: the result passed to the callback
 * @error: return location for %G_IO_ERROR_CANCELLED
 *
 * Returns: (transfer full) (nullable): the password (free it with
 *   op_secrets_password_free()), or %NULL without an error when none is stored
 */
char *
op_secrets_lookup_finish (OpSecrets     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (OP_IS_SECRETS (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == op_secrets_lookup_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- clear ------------------------------------------------------------------------- */

static void
on_password_cleared (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  g_autoptr(GTask) task = data;
  OpSecrets *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  /* FALSE without an error only means there was nothing to remove. */
  secret_password_clear_finish (result, &error);
  if (error == NULL)
    {
      secret_succeeded (self);
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The memory copy is gone already; nothing in a keyring that does not answer can be
   * reached, so the forgetting that is possible has happened. */
  secret_failed (self, error);
  g_task_return_boolean (task, TRUE);
}

/**
 * op_secrets_clear_async:
 * @self: the secrets
 * @protocol: e.g. "ftp"
 * @host: the server's host name
 * @port: the server's port
 * @user: the user name ("" for none)
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Forgets the password for these attributes, in memory and in the keyring.
 */
static void
clear_async (OpSecrets           *self,
             const char          *account,
             const char          *protocol,
             const char          *host,
             guint16              port,
             const char          *user,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  SecretRequest *request;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_secrets_clear_async);
  request = secret_request_new (account, protocol, host, port, user, NULL);
  g_task_set_task_data (task, request, secret_request_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  memory_remove (self, request);

  if (!use_service (self))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  attributes = request_attributes (request, TRUE);
  secret_password_clearv (op_secrets_get_schema (), attributes, cancellable,
                          on_password_cleared, g_steal_pointer (&task));
}

void
op_secrets_clear_async (OpSecrets           *self,
                        const char          *protocol,
                        const char          *host,
                        guint16              port,
                        const char          *user,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (OP_IS_SECRETS (self));
  g_return_if_fail (valid_attributes (protocol, host, user));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  clear_async (self, NULL, protocol, host, port, user, cancellable, callback, user_data);
}

/**
 * op_secrets_clear_for_account_async:
 * @self: the secrets
 * @account: the id of the account or site the password belongs to
 * @protocol: e.g. "ftp"
 * @host: the server's host name
 * @port: the server's port
 * @user: the user name ("" for none)
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Forgets @account's own password only: another account with the same server and user
 * keeps its own. Finish with op_secrets_clear_finish().
 */
void
op_secrets_clear_for_account_async (OpSecrets           *self,
                                    const char          *account,
                                    const char          *protocol,
                                    const char          *host,
                                    guint16              port,
                                    const char          *user,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (OP_IS_SECRETS (self));
  g_return_if_fail (account != NULL && account[0] != '\0');
  g_return_if_fail (valid_attributes (protocol, host, user));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  clear_async (self, account, protocol, host, port, user, cancellable, callback, user_data);
}

/**
 * op_secrets_clear_finish:
 * @self: the secrets
 * @result: the result passed to the callback
 * @error: return location for %G_IO_ERROR_CANCELLED
 *
 * Returns: %TRUE if no password is stored for these attributes any more (also when there
 *   was none)
 */
gboolean
op_secrets_clear_finish (OpSecrets     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (OP_IS_SECRETS (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == op_secrets_clear_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- object ------------------------------------------------------------------------ */

static void
op_secrets_finalize (GObject *object)
{
  OpSecrets *self = OP_SECRETS (object);

  g_clear_pointer (&self->memory, g_hash_table_unref);
  g_clear_pointer (&self->unavailable_reason, g_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (op_secrets_parent_class)->finalize (object);
}

static void
op_secrets_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  OpSecrets *self = OP_SECRETS (object);

  switch (prop_id)
    {
    case PROP_PERSISTENT:
      g_value_set_boolean (value, self->persistent);
      break;
    case PROP_UNAVAILABLE_REASON:
      g_value_set_string (value, self->unavailable_reason);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_secrets_class_init (OpSecretsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = op_secrets_finalize;
  object_class->get_property = op_secrets_get_property;

  /**
   * OpSecrets:persistent:
   *
   * %FALSE once a password could not be saved in a keyring and is kept in memory for
   * the session instead.
   */
  properties[PROP_PERSISTENT] =
    g_param_spec_boolean ("persistent", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS
                          | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * OpSecrets:unavailable-reason:
   *
   * Why passwords are not saved, as a translated sentence for the user; %NULL while
   * they are.
   */
  properties[PROP_UNAVAILABLE_REASON] =
    g_param_spec_string ("unavailable-reason", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS
                         | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_secrets_init (OpSecrets *self)
{
  self->persistent = TRUE;
  g_mutex_init (&self->lock);
  self->memory = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) op_secrets_password_free);
}

/**
 * op_secrets_new:
 *
 * Returns: (transfer full): a new secrets object, with its own session memory
 */
OpSecrets *
op_secrets_new (void)
{
  return g_object_new (OP_TYPE_SECRETS, NULL);
}

/**
 * op_secrets_get_default:
 *
 * The application's secrets: one object, so a password kept in memory after a failed
 * save is found by every view for the rest of the process.
 *
 * Returns: (transfer none): the process-wide secrets object
 */
OpSecrets *
op_secrets_get_default (void)
{
  static OpSecrets *instance;

  if (g_once_init_enter (&instance))
    g_once_init_leave (&instance, op_secrets_new ());

  return instance;
}

/**
 * op_secrets_get_persistent:
 * @self: the secrets
 *
 * Returns: %FALSE if passwords are being kept in memory because no keyring saves them
 */
gboolean
op_secrets_get_persistent (OpSecrets *self)
{
  g_return_val_if_fail (OP_IS_SECRETS (self), FALSE);

  return self->persistent;
}

/**
 * op_secrets_get_unavailable_reason:
 * @self: the secrets
 *
 * Returns: (transfer none) (nullable): why passwords are not saved, for the user
 */
const char *
op_secrets_get_unavailable_reason (OpSecrets *self)
{
  g_return_val_if_fail (OP_IS_SECRETS (self), NULL);

  return self->unavailable_reason;
}
