/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ftp-site"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-ftp-site.h"

G_DEFINE_QUARK (op-ftp-site-error-quark, op_ftp_site_error)

G_DEFINE_ENUM_TYPE (OpFtpLogonType, op_ftp_logon_type,
  G_DEFINE_ENUM_VALUE (OP_FTP_LOGON_ANONYMOUS, "anonymous"),
  G_DEFINE_ENUM_VALUE (OP_FTP_LOGON_NORMAL, "normal"),
  G_DEFINE_ENUM_VALUE (OP_FTP_LOGON_ASK, "ask"))

G_DEFINE_ENUM_TYPE (OpFtpTransferType, op_ftp_transfer_type,
  G_DEFINE_ENUM_VALUE (OP_FTP_TRANSFER_TYPE_AUTO, "auto"),
  G_DEFINE_ENUM_VALUE (OP_FTP_TRANSFER_TYPE_BINARY, "binary"),
  G_DEFINE_ENUM_VALUE (OP_FTP_TRANSFER_TYPE_ASCII, "ascii"))

#define KEY_LOGON_TYPE      "logon-type"
#define KEY_LOCAL_DIR       "local-dir"
#define KEY_REMOTE_DIR      "remote-dir"
#define KEY_CHARSET         "charset"
#define KEY_DATA_MODE       "data-mode"
#define KEY_TRANSFER_TYPE   "transfer-type"
#define KEY_MAX_CONNECTIONS "max-connections"

/* Secrets are filed under one protocol name for plain FTP and both FTPS flavours: the
 * same server and user have one password whichever way the session is protected. */
#define SECRETS_PROTOCOL "ftp"

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

const char *
op_ftp_logon_type_to_string (OpFtpLogonType type)
{
  return enum_to_nick (OP_TYPE_FTP_LOGON_TYPE, type);
}

gboolean
op_ftp_logon_type_from_string (const char     *string,
                               OpFtpLogonType *type)
{
  int value;

  g_return_val_if_fail (type != NULL, FALSE);
  if (!enum_from_nick (OP_TYPE_FTP_LOGON_TYPE, string, &value))
    return FALSE;
  *type = value;
  return TRUE;
}

const char *
op_ftp_transfer_type_to_string (OpFtpTransferType type)
{
  return enum_to_nick (OP_TYPE_FTP_TRANSFER_TYPE, type);
}

gboolean
op_ftp_transfer_type_from_string (const char        *string,
                                  OpFtpTransferType *type)
{
  int value;

  g_return_val_if_fail (type != NULL, FALSE);
  if (!enum_from_nick (OP_TYPE_FTP_TRANSFER_TYPE, string, &value))
    return FALSE;
  *type = value;
  return TRUE;
}

/**
 * op_ftp_transfer_type_is_text_name:
 * @name: a file name (or path: only the last component counts)
 *
 * Returns: %TRUE if "auto" transfers @name in ASCII mode
 */
gboolean
op_ftp_transfer_type_is_text_name (const char *name)
{
  /* FileZilla's default ASCII list, minus the ones that are as often binary. */
  static const char * const extensions[] = {
    "am", "asp", "bat", "c", "cfm", "cgi", "conf", "cpp", "css", "csv", "dhtml", "diz",
    "h", "hpp", "htm", "html", "in", "inc", "java", "js", "json", "jsp", "lua", "m4",
    "mak", "md", "nfo", "nsh", "nsi", "pas", "patch", "php", "phtml", "pl", "po", "pot",
    "py", "qmail", "sh", "shtml", "sql", "svg", "tcl", "tpl", "txt", "vbs", "xhtml",
    "xml", "xrc", "yaml", "yml", NULL
  };
  static const char * const names[] = {
    "makefile", "readme", "changelog", "copying", "authors", "news", "install", NULL
  };
  const char *base, *dot;
  g_autofree char *lower = NULL;

  g_return_val_if_fail (name != NULL, FALSE);

  base = strrchr (name, '/');
  base = base != NULL ? base + 1 : name;
  lower = g_ascii_strdown (base, -1);
  if (g_strv_contains (names, lower))
    return TRUE;
  dot = strrchr (lower, '.');
  if (dot == NULL || dot == lower)
    return FALSE;
  return g_strv_contains (extensions, dot + 1);
}

/**
 * op_ftp_site_new:
 *
 * Returns: (transfer full): a new site with the defaults
 */
OpAccount *
op_ftp_site_new (void)
{
  OpAccount *site = op_account_new (OP_ACCOUNT_KIND_FTP, NULL);

  op_account_set_security (site, OP_SECURITY_STARTTLS);
  return site;
}

gboolean
op_ftp_site_is_site (OpAccount *account)
{
  return OP_IS_ACCOUNT (account) && op_account_get_kind (account) == OP_ACCOUNT_KIND_FTP;
}

/**
 * op_ftp_site_duplicate:
 * @site: a site
 *
 * Returns: (transfer full): a copy under a new id
 */
OpAccount *
op_ftp_site_duplicate (OpAccount *site)
{
  g_autoptr(OpAccount) copy = NULL;
  g_auto(GStrv) keys = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (op_ftp_site_is_site (site), NULL);

  copy = op_account_new (OP_ACCOUNT_KIND_FTP, NULL);
  /* TRANSLATORS: the name of a duplicated site; %s is the original's name. */
  name = g_strdup_printf (_("%s (copy)"), op_account_get_name (site) != NULL
                                          ? op_account_get_name (site) : "");
  op_account_set_name (copy, name);
  op_account_set_host (copy, op_account_get_host (site));
  op_account_set_port (copy, op_account_get_port (site));
  op_account_set_user (copy, op_account_get_user (site));
  op_account_set_security (copy, op_account_get_security (site));
  op_account_set_allow_plaintext_password (copy,
                                           op_account_get_allow_plaintext_password (site));
  keys = op_account_list_extra_keys (site);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      if (op_account_extra_key_is_valid (keys[i]))
        op_account_set_extra (copy, keys[i], op_account_get_extra (site, keys[i]));
    }
  return g_steal_pointer (&copy);
}

OpSecurity
op_ftp_site_get_protocol (OpAccount *site)
{
  g_return_val_if_fail (OP_IS_ACCOUNT (site), OP_SECURITY_STARTTLS);
  return op_account_get_security (site);
}

void
op_ftp_site_set_protocol (OpAccount  *site,
                          OpSecurity  protocol)
{
  g_return_if_fail (OP_IS_ACCOUNT (site));
  op_account_set_security (site, protocol);
}

guint16
op_ftp_site_get_effective_port (OpAccount *site)
{
  guint16 port;

  g_return_val_if_fail (OP_IS_ACCOUNT (site), 21);

  port = op_account_get_port (site);
  if (port != 0)
    return port;
  /* RFC 4217 leaves implicit FTPS out; 990 is the port IANA lists as "ftps". */
  return op_ftp_site_get_protocol (site) == OP_SECURITY_IMPLICIT_TLS ? 990 : 21;
}

OpFtpLogonType
op_ftp_site_get_logon_type (OpAccount *site)
{
  OpFtpLogonType type = OP_FTP_LOGON_NORMAL;

  g_return_val_if_fail (OP_IS_ACCOUNT (site), OP_FTP_LOGON_NORMAL);

  if (!op_ftp_logon_type_from_string (op_account_get_extra (site, KEY_LOGON_TYPE), &type))
    type = OP_FTP_LOGON_NORMAL;
  return type;
}

void
op_ftp_site_set_logon_type (OpAccount      *site,
                            OpFtpLogonType  type)
{
  g_return_if_fail (OP_IS_ACCOUNT (site));
  op_account_set_extra (site, KEY_LOGON_TYPE, op_ftp_logon_type_to_string (type));
}

const char *
op_ftp_site_get_login_user (OpAccount *site)
{
  const char *user;

  g_return_val_if_fail (OP_IS_ACCOUNT (site), "anonymous");

  user = op_account_get_user (site);
  if (op_ftp_site_get_logon_type (site) == OP_FTP_LOGON_ANONYMOUS ||
      user == NULL || user[0] == '\0')
    return "anonymous";
  return user;
}

static const char *
get_nonempty_extra (OpAccount  *site,
                    const char *key)
{
  const char *value = op_account_get_extra (site, key);

  return value != NULL && value[0] != '\0' ? value : NULL;
}

static void
set_nonempty_extra (OpAccount  *site,
                    const char *key,
                    const char *value)
{
  op_account_set_extra (site, key, value != NULL && value[0] != '\0' ? value : NULL);
}

const char *
op_ftp_site_get_local_dir (OpAccount *site)
{
  g_return_val_if_fail (OP_IS_ACCOUNT (site), NULL);
  return get_nonempty_extra (site, KEY_LOCAL_DIR);
}

void
op_ftp_site_set_local_dir (OpAccount  *site,
                           const char *path)
{
  g_return_if_fail (OP_IS_ACCOUNT (site));
  set_nonempty_extra (site, KEY_LOCAL_DIR, path);
}

const char *
op_ftp_site_get_remote_dir (OpAccount *site)
{
  g_return_val_if_fail (OP_IS_ACCOUNT (site), NULL);
  return get_nonempty_extra (site, KEY_REMOTE_DIR);
}

void
op_ftp_site_set_remote_dir (OpAccount  *site,
                            const char *path)
{
  g_return_if_fail (OP_IS_ACCOUNT (site));
  set_nonempty_extra (site, KEY_REMOTE_DIR, path);
}

const char *
op_ftp_site_get_charset (OpAccount *site)
{
  g_return_val_if_fail (OP_IS_ACCOUNT (site), NULL);
  return get_nonempty_extra (site, KEY_CHARSET);
}

void
op_ftp_site_set_charset (OpAccount  *site,
                         const char *charset)
{
  g_return_if_fail (OP_IS_ACCOUNT (site));
  set_nonempty_extra (site, KEY_CHARSET, charset);
}

OpFtpDataMode
op_ftp_site_get_data_mode (OpAccount *site)
{
  int value;

  g_return_val_if_fail (OP_IS_ACCOUNT (site), OP_FTP_DATA_PASSIVE);

  if (!enum_from_nick (OP_TYPE_FTP_DATA_MODE, op_account_get_extra (site, KEY_DATA_MODE),
                       &value))
    return OP_FTP_DATA_PASSIVE;
  return value;
}

void
op_ftp_site_set_data_mode (OpAccount     *site,
                           OpFtpDataMode  mode)
{
  g_return_if_fail (OP_IS_ACCOUNT (site));
  op_account_set_extra (site, KEY_DATA_MODE, enum_to_nick (OP_TYPE_FTP_DATA_MODE, mode));
}

OpFtpTransferType
op_ftp_site_get_transfer_type (OpAccount *site)
{
  OpFtpTransferType type;

  g_return_val_if_fail (OP_IS_ACCOUNT (site), OP_FTP_TRANSFER_TYPE_AUTO);

  if (!op_ftp_transfer_type_from_string (op_account_get_extra (site, KEY_TRANSFER_TYPE),
                                         &type))
    return OP_FTP_TRANSFER_TYPE_AUTO;
  return type;
}

void
op_ftp_site_set_transfer_type (OpAccount         *site,
                               OpFtpTransferType  type)
{
  g_return_if_fail (OP_IS_ACCOUNT (site));
  op_account_set_extra (site, KEY_TRANSFER_TYPE, op_ftp_transfer_type_to_string (type));
}

OpFtpTransferFlags
op_ftp_site_transfer_flags_for_name (OpAccount  *site,
                                     const char *name)
{
  g_return_val_if_fail (OP_IS_ACCOUNT (site), OP_FTP_TRANSFER_DEFAULT);

  switch (op_ftp_site_get_transfer_type (site))
    {
    case OP_FTP_TRANSFER_TYPE_ASCII:
      return OP_FTP_TRANSFER_ASCII;
    case OP_FTP_TRANSFER_TYPE_BINARY:
      return OP_FTP_TRANSFER_DEFAULT;
    case OP_FTP_TRANSFER_TYPE_AUTO:
    default:
      return name != NULL && op_ftp_transfer_type_is_text_name (name)
             ? OP_FTP_TRANSFER_ASCII : OP_FTP_TRANSFER_DEFAULT;
    }
}

guint
op_ftp_site_get_max_connections (OpAccount *site)
{
  const char *value;
  guint64 n;

  g_return_val_if_fail (OP_IS_ACCOUNT (site), OP_FTP_SITE_MAX_CONNECTIONS_DEFAULT);

  value = op_account_get_extra (site, KEY_MAX_CONNECTIONS);
  if (value == NULL ||
      !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &n, NULL))
    return OP_FTP_SITE_MAX_CONNECTIONS_DEFAULT;
  return CLAMP (n, OP_FTP_SITE_MAX_CONNECTIONS_MIN, OP_FTP_SITE_MAX_CONNECTIONS_MAX);
}

void
op_ftp_site_set_max_connections (OpAccount *site,
                                 guint      n)
{
  char buffer[16];

  g_return_if_fail (OP_IS_ACCOUNT (site));

  n = CLAMP (n, OP_FTP_SITE_MAX_CONNECTIONS_MIN, OP_FTP_SITE_MAX_CONNECTIONS_MAX);
  g_snprintf (buffer, sizeof buffer, "%u", n);
  op_account_set_extra (site, KEY_MAX_CONNECTIONS, buffer);
}

/* No control characters: they would end up in USER or CWD arguments, or in a file name. */
static gboolean
has_control_characters (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        return TRUE;
    }
  return FALSE;
}

/**
 * op_ftp_site_new_from_uri:
 * @uri: the text, "ftp://…" or "ftps://…"
 * @path: (out) (optional) (transfer full): the remote path
 * @password: (out) (optional) (nullable) (transfer full): the password in the URI
 * @error: where to put an error
 *
 * Returns: (transfer full) (nullable): a new, unsaved site
 */
OpAccount *
op_ftp_site_new_from_uri (const char  *uri,
                          char       **path,
                          char       **password,
                          GError     **error)
{
  g_autoptr(GUri) parsed = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(OpAccount) site = NULL;
  const char *scheme, *host, *user, *uri_password, *uri_path;
  gboolean implicit;
  int port;

  g_return_val_if_fail (uri != NULL, NULL);

  if (!g_utf8_validate (uri, -1, NULL) || has_control_characters (uri))
    {
      g_set_error_literal (error, OP_FTP_SITE_ERROR, OP_FTP_SITE_ERROR_INVALID_URI,
                           _("The address contains characters that are not allowed."));
      return NULL;
    }

  parsed = g_uri_parse (uri, G_URI_FLAGS_HAS_PASSWORD, &local_error);
  if (parsed == NULL)
    {
      g_set_error (error, OP_FTP_SITE_ERROR, OP_FTP_SITE_ERROR_INVALID_URI,
                   _("“%s” is not a valid address: %s"), uri, local_error->message);
      return NULL;
    }

  scheme = g_uri_get_scheme (parsed);
  if (g_ascii_strcasecmp (scheme, "ftp") == 0)
    implicit = FALSE;
  else if (g_ascii_strcasecmp (scheme, "ftps") == 0)
    implicit = TRUE;
  else
    {
      g_set_error (error, OP_FTP_SITE_ERROR, OP_FTP_SITE_ERROR_UNSUPPORTED_SCHEME,
                   _("“%s” is not an FTP address: only ftp:// and ftps:// can be opened."),
                   uri);
      return NULL;
    }

  host = g_uri_get_host (parsed);
  if (host == NULL || host[0] == '\0')
    {
      g_set_error (error, OP_FTP_SITE_ERROR, OP_FTP_SITE_ERROR_INVALID_URI,
                   _("“%s” names no server."), uri);
      return NULL;
    }

  port = g_uri_get_port (parsed);
  if (port == 0 || port > G_MAXUINT16)
    {
      g_set_error (error, OP_FTP_SITE_ERROR, OP_FTP_SITE_ERROR_INVALID_URI,
                   _("“%s” has an invalid port."), uri);
      return NULL;
    }

  user = g_uri_get_user (parsed);
  uri_password = g_uri_get_password (parsed);
  uri_path = g_uri_get_path (parsed);

  /* Percent-decoding may have produced bytes the raw text could not carry; a host
   * with "@", "/" or a space (from %40, %2F, %20) would name another server when the
   * site's URI is copied (found by fuzz-uri-address). */
  if (!g_utf8_validate (host, -1, NULL) || has_control_characters (host) ||
      strpbrk (host, " @/?#%\\[]<>\"'`^{|}") != NULL ||
      (user != NULL && (!g_utf8_validate (user, -1, NULL) || has_control_characters (user))) ||
      (uri_path != NULL && (!g_utf8_validate (uri_path, -1, NULL) ||
                            has_control_characters (uri_path))))
    {
      g_set_error_literal (error, OP_FTP_SITE_ERROR, OP_FTP_SITE_ERROR_INVALID_URI,
                           _("The address contains characters that are not allowed."));
      return NULL;
    }

  site = op_ftp_site_new ();
  op_account_set_name (site, host);
  op_account_set_host (site, host);
  op_account_set_port (site, port > 0 ? (guint16) port : 0);
  op_ftp_site_set_protocol (site, implicit ? OP_SECURITY_IMPLICIT_TLS : OP_SECURITY_STARTTLS);
  if (user != NULL && user[0] != '\0' && g_ascii_strcasecmp (user, "anonymous") != 0 &&
      g_ascii_strcasecmp (user, "ftp") != 0)
    {
      op_account_set_user (site, user);
      op_ftp_site_set_logon_type (site, OP_FTP_LOGON_NORMAL);
    }
  else
    op_ftp_site_set_logon_type (site, OP_FTP_LOGON_ANONYMOUS);

  if (path != NULL)
    *path = g_strdup (uri_path != NULL && uri_path[0] != '\0' ? uri_path : "/");
  if (password != NULL)
    *password = uri_password != NULL && uri_password[0] != '\0' ? g_strdup (uri_password)
                                                                 : NULL;
  return g_steal_pointer (&site);
}

/**
 * op_ftp_site_to_uri:
 * @site: a site
 * @path: (nullable): a remote path
 *
 * Returns: (transfer full): the site's address
 */
char *
op_ftp_site_to_uri (OpAccount  *site,
                    const char *path)
{
  OpFtpLogonType logon;
  const char *user = NULL;
  const char *scheme;
  guint16 port, default_port;
  g_autofree char *absolute = NULL;
  g_autofree char *escaped_user = NULL;
  g_autofree char *escaped_path = NULL;

  g_return_val_if_fail (OP_IS_ACCOUNT (site), NULL);

  logon = op_ftp_site_get_logon_type (site);
  if (logon != OP_FTP_LOGON_ANONYMOUS)
    user = op_account_get_user (site);
  if (user != NULL && user[0] == '\0')
    user = NULL;

  scheme = op_ftp_site_get_protocol (site) == OP_SECURITY_IMPLICIT_TLS ? "ftps" : "ftp";
  default_port = op_ftp_site_get_protocol (site) == OP_SECURITY_IMPLICIT_TLS ? 990 : 21;
  port = op_ftp_site_get_effective_port (site);

  if (path == NULL || path[0] == '\0')
    absolute = g_strdup ("/");
  else if (path[0] != '/')
    absolute = g_strconcat ("/", path, NULL);
  else
    absolute = g_strdup (path);

  /* Percent-encode everything but ASCII, so the address survives any paste target. */
  escaped_user = user != NULL ? g_uri_escape_string (user, "!$&'()*+,;=", FALSE) : NULL;
  escaped_path = g_uri_escape_string (absolute, "/!$&'()*+,;=:@", FALSE);
  return g_uri_join (G_URI_FLAGS_ENCODED, scheme, escaped_user, op_account_get_host (site),
                     port == default_port ? -1 : port, escaped_path, NULL, NULL);
}

/**
 * op_ftp_site_new_client:
 * @site: a site
 * @verifier: (nullable): the TLS verifier
 *
 * Returns: (transfer full): a client configured for @site
 */
OpFtpClient *
op_ftp_site_new_client (OpAccount     *site,
                        OpTlsVerifier *verifier)
{
  OpFtpClient *client;

  g_return_val_if_fail (OP_IS_ACCOUNT (site), NULL);
  g_return_val_if_fail (op_account_get_host (site) != NULL, NULL);

  client = op_ftp_client_new (op_account_get_host (site),
                              op_ftp_site_get_effective_port (site),
                              op_ftp_site_get_protocol (site));
  if (verifier != NULL)
    op_ftp_client_set_verifier (client, verifier);
  op_ftp_client_set_charset (client, op_ftp_site_get_charset (site));
  op_ftp_client_set_data_mode (client, op_ftp_site_get_data_mode (site));
  op_ftp_client_set_allow_plaintext_password (client,
                                              op_account_get_allow_plaintext_password (site));
  return client;
}

/* Anonymous and "ask" sites keep no password. */
static gboolean
site_keeps_password (OpAccount *site)
{
  return op_ftp_site_get_logon_type (site) == OP_FTP_LOGON_NORMAL;
}

static void
clear_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!op_secrets_clear_finish (OP_SECRETS (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
store_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!op_secrets_store_finish (OP_SECRETS (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
op_ftp_site_store_password_async (OpAccount           *site,
                                  OpSecrets           *secrets,
                                  const char          *password,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (OP_IS_ACCOUNT (site));
  g_return_if_fail (OP_IS_SECRETS (secrets));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_ftp_site_store_password_async);

  if (!site_keeps_password (site) || password == NULL)
    op_secrets_clear_for_account_async (secrets, op_account_get_id (site), SECRETS_PROTOCOL,
                                        op_account_get_host (site),
                                        op_ftp_site_get_effective_port (site),
                                        op_ftp_site_get_login_user (site), cancellable,
                                        clear_done, task);
  else
    op_secrets_store_for_account_async (secrets, op_account_get_id (site), SECRETS_PROTOCOL,
                                        op_account_get_host (site),
                                        op_ftp_site_get_effective_port (site),
                                        op_ftp_site_get_login_user (site), password, cancellable,
                                        store_done, task);
}

gboolean
op_ftp_site_store_password_finish (GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *password;

  password = op_secrets_lookup_finish (OP_SECRETS (source), result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, password, (GDestroyNotify) op_secrets_password_free);
}

void
op_ftp_site_lookup_password_async (OpAccount           *site,
                                   OpSecrets           *secrets,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (OP_IS_ACCOUNT (site));
  g_return_if_fail (OP_IS_SECRETS (secrets));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_ftp_site_lookup_password_async);

  if (!site_keeps_password (site))
    {
      g_task_return_pointer (task, NULL, NULL);
      g_object_unref (task);
      return;
    }
  op_secrets_lookup_for_account_async (secrets, op_account_get_id (site), SECRETS_PROTOCOL,
                                       op_account_get_host (site),
                                       op_ftp_site_get_effective_port (site),
                                       op_ftp_site_get_login_user (site), cancellable,
                                       lookup_done, task);
}

/**
 * op_ftp_site_lookup_password_finish:
 * @result: the result
 * @error: where to put an error (only %G_IO_ERROR_CANCELLED)
 *
 * Returns: (transfer full) (nullable): the password, or %NULL when none is stored
 */
char *
op_ftp_site_lookup_password_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
op_ftp_site_forget_password_async (OpAccount           *site,
                                   OpSecrets           *secrets,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (OP_IS_ACCOUNT (site));
  g_return_if_fail (OP_IS_SECRETS (secrets));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_ftp_site_forget_password_async);
  op_secrets_clear_for_account_async (secrets, op_account_get_id (site), SECRETS_PROTOCOL,
                                      op_account_get_host (site),
                                      op_ftp_site_get_effective_port (site),
                                      op_ftp_site_get_login_user (site), cancellable,
                                      clear_done, task);
}

gboolean
op_ftp_site_forget_password_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
