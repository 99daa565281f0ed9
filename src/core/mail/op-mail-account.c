/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail-account"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "op-mail-account.h"
#include "op-mime.h"

G_DEFINE_ENUM_TYPE (OpMailIncoming, op_mail_incoming,
  G_DEFINE_ENUM_VALUE (OP_MAIL_INCOMING_IMAP, "imap"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_INCOMING_POP3, "pop3"))

G_DEFINE_BOXED_TYPE (OpMailIdentity, op_mail_identity, op_mail_identity_copy, op_mail_identity_free)

const char *
op_mail_incoming_to_string (OpMailIncoming incoming)
{
  return incoming == OP_MAIL_INCOMING_POP3 ? "pop3" : "imap";
}

gboolean
op_mail_incoming_from_string (const char     *string,
                              OpMailIncoming *incoming)
{
  g_return_val_if_fail (incoming != NULL, FALSE);

  if (g_strcmp0 (string, "imap") == 0)
    *incoming = OP_MAIL_INCOMING_IMAP;
  else if (g_strcmp0 (string, "pop3") == 0)
    *incoming = OP_MAIL_INCOMING_POP3;
  else
    return FALSE;
  return TRUE;
}

OpMailIdentity *
op_mail_identity_new (const char *name,
                      const char *address,
                      const char *signature)
{
  OpMailIdentity *identity = g_new0 (OpMailIdentity, 1);

  identity->name = g_strdup (name != NULL ? name : "");
  identity->address = g_strdup (address != NULL ? address : "");
  identity->signature = g_strdup (signature != NULL ? signature : "");
  return identity;
}

OpMailIdentity *
op_mail_identity_copy (const OpMailIdentity *identity)
{
  return op_mail_identity_new (identity->name, identity->address, identity->signature);
}

void
op_mail_identity_free (OpMailIdentity *identity)
{
  if (identity == NULL)
    return;
  g_free (identity->name);
  g_free (identity->address);
  g_free (identity->signature);
  g_free (identity);
}

/* An extra key holding a number up to @max; 0 when absent or not a number. */
static guint64
extra_number (OpAccount  *account,
              const char *key,
              guint64     max)
{
  const char *text = op_account_get_extra (account, key);
  guint64 value = 0;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, max, &value, NULL))
    return 0;
  return value;
}

/* Sets an extra key to @value, or removes it for 0. */
static void
set_extra_number (OpAccount  *account,
                  const char *key,
                  guint64     value)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, value);

  op_account_set_extra (account, key, value > 0 ? text : NULL);
}

OpAccount *
op_mail_account_new (void)
{
  OpAccount *account = op_account_new (OP_ACCOUNT_KIND_MAIL, NULL);

  op_account_set_security (account, OP_SECURITY_IMPLICIT_TLS);
  op_account_set_extra (account, "incoming", "imap");
  op_account_set_extra (account, "smtp-security", op_security_to_string (OP_SECURITY_IMPLICIT_TLS));
  return account;
}

gboolean
op_mail_account_is_mail (OpAccount *account)
{
  return OP_IS_ACCOUNT (account) && op_account_get_kind (account) == OP_ACCOUNT_KIND_MAIL;
}

OpMailIncoming
op_mail_account_get_incoming (OpAccount *account)
{
  OpMailIncoming incoming = OP_MAIL_INCOMING_IMAP;

  g_return_val_if_fail (op_mail_account_is_mail (account), incoming);
  op_mail_incoming_from_string (op_account_get_extra (account, "incoming"), &incoming);
  return incoming;
}

void
op_mail_account_set_incoming (OpAccount      *account,
                              OpMailIncoming  incoming)
{
  g_return_if_fail (op_mail_account_is_mail (account));
  op_account_set_extra (account, "incoming", op_mail_incoming_to_string (incoming));
}

guint16
op_mail_account_get_effective_port (OpAccount *account)
{
  gboolean implicit;

  g_return_val_if_fail (op_mail_account_is_mail (account), 0);

  if (op_account_get_port (account) != 0)
    return op_account_get_port (account);
  implicit = op_account_get_security (account) == OP_SECURITY_IMPLICIT_TLS;
  if (op_mail_account_get_incoming (account) == OP_MAIL_INCOMING_POP3)
    return implicit ? 995 : 110;
  return implicit ? 993 : 143;
}

const char *
op_mail_account_get_smtp_host (OpAccount *account)
{
  g_return_val_if_fail (op_mail_account_is_mail (account), NULL);
  return op_account_get_extra (account, "smtp-host");
}

void
op_mail_account_set_smtp_host (OpAccount  *account,
                               const char *host)
{
  g_return_if_fail (op_mail_account_is_mail (account));
  op_account_set_extra (account, "smtp-host", host);
}

guint16
op_mail_account_get_smtp_port (OpAccount *account)
{
  g_return_val_if_fail (op_mail_account_is_mail (account), 0);
  return (guint16) extra_number (account, "smtp-port", G_MAXUINT16);
}

void
op_mail_account_set_smtp_port (OpAccount *account,
                               guint16    port)
{
  g_return_if_fail (op_mail_account_is_mail (account));
  set_extra_number (account, "smtp-port", port);
}

guint16
op_mail_account_get_smtp_effective_port (OpAccount *account)
{
  guint16 port = op_mail_account_get_smtp_port (account);

  if (port != 0)
    return port;
  /* RFC 8314 §3.3 submissions (465), RFC 6409 submission (587). */
  return op_mail_account_get_smtp_security (account) == OP_SECURITY_IMPLICIT_TLS ? 465 : 587;
}

OpSecurity
op_mail_account_get_smtp_security (OpAccount *account)
{
  OpSecurity security = OP_SECURITY_IMPLICIT_TLS;

  g_return_val_if_fail (op_mail_account_is_mail (account), security);
  op_security_from_string (op_account_get_extra (account, "smtp-security"), &security);
  return security;
}

void
op_mail_account_set_smtp_security (OpAccount  *account,
                                   OpSecurity  security)
{
  g_return_if_fail (op_mail_account_is_mail (account));
  op_account_set_extra (account, "smtp-security", op_security_to_string (security));
}

const char *
op_mail_account_get_smtp_user (OpAccount *account)
{
  const char *user;

  g_return_val_if_fail (op_mail_account_is_mail (account), NULL);
  user = op_account_get_extra (account, "smtp-user");
  return user != NULL && *user != '\0' ? user : op_account_get_user (account);
}

void
op_mail_account_set_smtp_user (OpAccount  *account,
                               const char *user)
{
  g_return_if_fail (op_mail_account_is_mail (account));
  op_account_set_extra (account, "smtp-user", user);
}

gboolean
op_mail_account_get_smtp_allow_plaintext_password (OpAccount *account)
{
  g_return_val_if_fail (op_mail_account_is_mail (account), FALSE);
  return g_strcmp0 (op_account_get_extra (account, "smtp-plaintext-login"), "true") == 0;
}

void
op_mail_account_set_smtp_allow_plaintext_password (OpAccount *account,
                                                   gboolean   allow)
{
  g_return_if_fail (op_mail_account_is_mail (account));
  op_account_set_extra (account, "smtp-plaintext-login", allow ? "true" : "false");
}

/* Providers whose submission server files sent mail in Sent by itself: a copy of ours
 * would be the second one there. */
static const char * const server_saves_sent_domains[] = {
  "gmail.com", "googlemail.com", "office365.com", "outlook.com", "hotmail.com", "live.com",
};

gboolean
op_mail_account_get_server_saves_sent (OpAccount *account)
{
  const char *value;
  const char *host;

  g_return_val_if_fail (op_mail_account_is_mail (account), FALSE);
  value = op_account_get_extra (account, "smtp-server-saves-sent");
  if (value != NULL)
    return g_strcmp0 (value, "true") == 0;
  host = op_mail_account_get_smtp_host (account);
  for (guint i = 0; host != NULL && i < G_N_ELEMENTS (server_saves_sent_domains); i++)
    {
      const char *domain = server_saves_sent_domains[i];
      size_t host_len = strlen (host), domain_len = strlen (domain);

      if (g_ascii_strcasecmp (host, domain) == 0
          || (host_len > domain_len && host[host_len - domain_len - 1] == '.'
              && g_ascii_strcasecmp (host + host_len - domain_len, domain) == 0))
        return TRUE;
    }
  return FALSE;
}

void
op_mail_account_set_server_saves_sent (OpAccount *account,
                                       gboolean   saves)
{
  g_return_if_fail (op_mail_account_is_mail (account));
  op_account_set_extra (account, "smtp-server-saves-sent", saves ? "true" : "false");
}

static char *
identity_key (guint       index,
              const char *field)
{
  return g_strdup_printf ("identity-%u-%s", index, field);
}

GPtrArray *
op_mail_account_dup_identities (OpAccount *account)
{
  GPtrArray *identities = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_identity_free);

  g_return_val_if_fail (op_mail_account_is_mail (account), identities);

  for (guint i = 0; i < OP_MAIL_ACCOUNT_MAX_IDENTITIES; i++)
    {
      g_autofree char *name_key = identity_key (i, "name");
      g_autofree char *address_key = identity_key (i, "address");
      g_autofree char *signature_key = identity_key (i, "signature");
      const char *address = op_account_get_extra (account, address_key);

      if (address == NULL)
        break;
      g_ptr_array_add (identities, op_mail_identity_new (op_account_get_extra (account, name_key), address,
                                                         op_account_get_extra (account, signature_key)));
    }
  return identities;
}

gboolean
op_mail_account_set_identities (OpAccount  *account,
                                GPtrArray  *identities,
                                GError    **error)
{
  g_return_val_if_fail (op_mail_account_is_mail (account), FALSE);
  g_return_val_if_fail (identities != NULL, FALSE);

  if (identities->len > OP_MAIL_ACCOUNT_MAX_IDENTITIES)
    {
      g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_ADDRESS,
                   _("An account can have at most %d identities."), OP_MAIL_ACCOUNT_MAX_IDENTITIES);
      return FALSE;
    }
  for (guint i = 0; i < identities->len; i++)
    {
      OpMailIdentity *identity = g_ptr_array_index (identities, i);
      const char *at = identity->address != NULL ? strrchr (identity->address, '@') : NULL;

      if (!op_mime_check_header_value (identity->name, -1, _("name"), error)
          || !op_mime_check_header_value (identity->address, -1, _("address"), error))
        return FALSE;
      if (at == NULL || at == identity->address || at[1] == '\0' || strpbrk (identity->address, " <>\t") != NULL)
        {
          g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_ADDRESS,
                       _("“%s” is not an email address."), identity->address != NULL ? identity->address : "");
          return FALSE;
        }
    }

  /* Drop the old ones, then write the new ones in order. */
  {
    g_auto(GStrv) keys = op_account_list_extra_keys (account);
    for (char **k = keys; *k != NULL; k++)
      if (g_str_has_prefix (*k, "identity-"))
        op_account_set_extra (account, *k, NULL);
  }
  for (guint i = 0; i < identities->len; i++)
    {
      OpMailIdentity *identity = g_ptr_array_index (identities, i);
      g_autofree char *name_key = identity_key (i, "name");
      g_autofree char *address_key = identity_key (i, "address");
      g_autofree char *signature_key = identity_key (i, "signature");

      op_account_set_extra (account, name_key, identity->name);
      op_account_set_extra (account, address_key, identity->address);
      op_account_set_extra (account, signature_key, identity->signature);
    }
  return TRUE;
}

gboolean
op_mail_account_get_pop3_leave_on_server (OpAccount *account)
{
  g_return_val_if_fail (op_mail_account_is_mail (account), TRUE);
  /* Leaving mail on the server is the default (issue 12, "POP3"). */
  return g_strcmp0 (op_account_get_extra (account, "pop3-leave-on-server"), "false") != 0;
}

void
op_mail_account_set_pop3_leave_on_server (OpAccount *account,
                                          gboolean   leave)
{
  g_return_if_fail (op_mail_account_is_mail (account));
  op_account_set_extra (account, "pop3-leave-on-server", leave ? "true" : "false");
}

guint
op_mail_account_get_pop3_delete_after_days (OpAccount *account)
{
  g_return_val_if_fail (op_mail_account_is_mail (account), 0);
  return (guint) extra_number (account, "pop3-delete-after-days", 100000);
}

void
op_mail_account_set_pop3_delete_after_days (OpAccount *account,
                                            guint      days)
{
  g_return_if_fail (op_mail_account_is_mail (account));
  set_extra_number (account, "pop3-delete-after-days", days);
}

const char *
op_mail_account_get_secret_protocol (OpAccount    *account,
                                     OpMailServer  server)
{
  if (server == OP_MAIL_SERVER_OUTGOING)
    return "smtp";
  return op_mail_account_get_incoming (account) == OP_MAIL_INCOMING_POP3 ? "pop3" : "imap";
}

static void
server_key (OpAccount     *account,
            OpMailServer   server,
            const char   **host,
            guint16       *port,
            const char   **user)
{
  if (server == OP_MAIL_SERVER_OUTGOING)
    {
      *host = op_mail_account_get_smtp_host (account);
      *port = op_mail_account_get_smtp_effective_port (account);
      *user = op_mail_account_get_smtp_user (account);
    }
  else
    {
      *host = op_account_get_host (account);
      *port = op_mail_account_get_effective_port (account);
      *user = op_account_get_user (account);
    }
  *host = *host != NULL ? *host : "";
  *user = *user != NULL ? *user : "";
}

void
op_mail_account_store_password_async (OpAccount           *account,
                                      OpMailServer         server,
                                      OpSecrets           *secrets,
                                      const char          *password,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  const char *host, *user;
  guint16 port;

  g_return_if_fail (op_mail_account_is_mail (account));
  g_return_if_fail (OP_IS_SECRETS (secrets));
  g_return_if_fail (password != NULL);

  server_key (account, server, &host, &port, &user);
  op_secrets_store_async (secrets, op_mail_account_get_secret_protocol (account, server), host, port,
                          user, password, cancellable, callback, user_data);
}

gboolean
op_mail_account_store_password_finish (OpSecrets     *secrets,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  return op_secrets_store_finish (secrets, result, error);
}

void
op_mail_account_lookup_password_async (OpAccount           *account,
                                       OpMailServer         server,
                                       OpSecrets           *secrets,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  const char *host, *user;
  guint16 port;

  g_return_if_fail (op_mail_account_is_mail (account));
  g_return_if_fail (OP_IS_SECRETS (secrets));

  server_key (account, server, &host, &port, &user);
  op_secrets_lookup_async (secrets, op_mail_account_get_secret_protocol (account, server), host, port,
                           user, cancellable, callback, user_data);
}

char *
op_mail_account_lookup_password_finish (OpSecrets     *secrets,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  return op_secrets_lookup_finish (secrets, result, error);
}
