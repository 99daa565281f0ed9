/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"
#include "op-secrets.h"

G_BEGIN_DECLS

/**
 * OpMailIncoming:
 * @OP_MAIL_INCOMING_IMAP: IMAP (port 993 with implicit TLS, 143 otherwise)
 * @OP_MAIL_INCOMING_POP3: POP3 (port 995 with implicit TLS, 110 otherwise)
 *
 * Saved as "imap" and "pop3".
 */
typedef enum
{
  OP_MAIL_INCOMING_IMAP,
  OP_MAIL_INCOMING_POP3,
} OpMailIncoming;

/**
 * OpMailServer:
 * Which of an account's two servers: what it reads from, or what it sends through.
 */
typedef enum
{
  OP_MAIL_SERVER_INCOMING,
  OP_MAIL_SERVER_OUTGOING,
} OpMailServer;

#define OP_TYPE_MAIL_INCOMING (op_mail_incoming_get_type ())
GType       op_mail_incoming_get_type    (void) G_GNUC_CONST;
const char *op_mail_incoming_to_string   (OpMailIncoming  incoming);
gboolean    op_mail_incoming_from_string (const char     *string,
                                          OpMailIncoming *incoming);

/**
 * OpMailIdentity:
 * @name: the display name ("Anna Example"), may be empty
 * @address: the address ("anna@example.org")
 * @signature: the signature text (plain text, without the "-- " line), may be empty
 *
 * Who an account sends as. An account has one or more; the first is the default.
 */
typedef struct
{
  char *name;
  char *address;
  char *signature;
} OpMailIdentity;

#define OP_TYPE_MAIL_IDENTITY (op_mail_identity_get_type ())
GType           op_mail_identity_get_type (void) G_GNUC_CONST;
OpMailIdentity *op_mail_identity_new      (const char           *name,
                                           const char           *address,
                                           const char           *signature);
OpMailIdentity *op_mail_identity_copy     (const OpMailIdentity *identity);
void            op_mail_identity_free     (OpMailIdentity       *identity);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpMailIdentity, op_mail_identity_free)

/* Identities per account (a bound on the accounts file, not a policy). */
#define OP_MAIL_ACCOUNT_MAX_IDENTITIES 64

/*
 * A mail account (issue 12, "Accounts") is an #OpAccount of kind %OP_ACCOUNT_KIND_MAIL.
 * Its own fields (host, port, user, security, allow-plaintext-password) are the incoming
 * server; the rest lives in extra keys, saved with #OpAccounts:
 *
 *   incoming                       imap | pop3
 *   smtp-host, smtp-port, smtp-user, smtp-security, smtp-plaintext-login
 *   smtp-server-saves-sent         true | false (unset: by the provider)
 *   identity-N-name, identity-N-address, identity-N-signature   (N = 0, 1, …)
 *   pop3-leave-on-server           true | false (default true)
 *   pop3-delete-after-days         days after which a kept message is deleted (0: never)
 *
 * Passwords are never in the account: #OpSecrets keeps them under protocol "imap",
 * "pop3" or "smtp", the server's host, effective port and user. Main thread only; nothing
 * blocks.
 */

/* A new mail account with a fresh id: IMAP with implicit TLS, SMTP with implicit TLS
 * (RFC 8314 §3.3), no identity yet. (transfer full) */
OpAccount      *op_mail_account_new                     (void);
gboolean        op_mail_account_is_mail                 (OpAccount      *account);

OpMailIncoming  op_mail_account_get_incoming            (OpAccount      *account);
void            op_mail_account_set_incoming            (OpAccount      *account,
                                                         OpMailIncoming  incoming);
/* The incoming port: the account's, or the protocol's default for its security. */
guint16         op_mail_account_get_effective_port      (OpAccount      *account);

const char     *op_mail_account_get_smtp_host           (OpAccount      *account);
void            op_mail_account_set_smtp_host           (OpAccount      *account,
                                                         const char     *host);
/* 0: the default (465 with implicit TLS, else 587). */
guint16         op_mail_account_get_smtp_port           (OpAccount      *account);
void            op_mail_account_set_smtp_port           (OpAccount      *account,
                                                         guint16         port);
guint16         op_mail_account_get_smtp_effective_port (OpAccount      *account);
OpSecurity      op_mail_account_get_smtp_security       (OpAccount      *account);
void            op_mail_account_set_smtp_security       (OpAccount      *account,
                                                         OpSecurity      security);
/* The SMTP user; the incoming user when none is set. */
const char     *op_mail_account_get_smtp_user           (OpAccount      *account);
void            op_mail_account_set_smtp_user           (OpAccount      *account,
                                                         const char     *user);
gboolean        op_mail_account_get_smtp_allow_plaintext_password (OpAccount *account);
void            op_mail_account_set_smtp_allow_plaintext_password (OpAccount *account,
                                                         gboolean        allow);
/* Whether the outgoing server files a copy of each sent message in Sent itself (Gmail,
 * Outlook.com), so the outbox must not APPEND one. Unset: TRUE for the providers known
 * to do it, by the outgoing server's host (as Geary does), else FALSE. */
gboolean        op_mail_account_get_server_saves_sent   (OpAccount      *account);
void            op_mail_account_set_server_saves_sent   (OpAccount      *account,
                                                         gboolean        saves);

/* (element-type OpMailIdentity) (transfer full), in order; never NULL. */
GPtrArray      *op_mail_account_dup_identities          (OpAccount      *account);
/* Replaces the identities. FALSE (nothing changed) when one has no valid address, or a
 * field holds CR/LF/NUL where it cannot (name, address), or there are too many. */
gboolean        op_mail_account_set_identities          (OpAccount      *account,
                                                         GPtrArray      *identities,
                                                         GError        **error);

gboolean        op_mail_account_get_pop3_leave_on_server (OpAccount     *account);
void            op_mail_account_set_pop3_leave_on_server (OpAccount     *account,
                                                         gboolean        leave);
guint           op_mail_account_get_pop3_delete_after_days (OpAccount   *account);
void            op_mail_account_set_pop3_delete_after_days (OpAccount   *account,
                                                         guint           days);

/* "imap", "pop3" or "smtp": the protocol attribute of @server's password. */
const char     *op_mail_account_get_secret_protocol     (OpAccount      *account,
                                                         OpMailServer    server);

/* The password of @server in @secrets (the OpSecrets keys above). */
void            op_mail_account_store_password_async    (OpAccount           *account,
                                                         OpMailServer         server,
                                                         OpSecrets           *secrets,
                                                         const char          *password,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean        op_mail_account_store_password_finish  (OpSecrets           *secrets,
                                                         GAsyncResult        *result,
                                                         GError             **error);
/* Finishes with the password (op_secrets_password_free()), or NULL and no error. */
void            op_mail_account_lookup_password_async   (OpAccount           *account,
                                                         OpMailServer         server,
                                                         OpSecrets           *secrets,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
char           *op_mail_account_lookup_password_finish  (OpSecrets           *secrets,
                                                         GAsyncResult        *result,
                                                         GError             **error);

G_END_DECLS
