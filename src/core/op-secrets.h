/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

G_BEGIN_DECLS

#define OP_TYPE_SECRETS (op_secrets_get_type ())
G_DECLARE_FINAL_TYPE (OpSecrets, op_secrets, OP, SECRETS, GObject)

/*
 * Passwords, in the Secret Service (libsecret) under the schema
 * "io.github.outpost.Outpost.Password" with the attributes protocol, host, port and
 * user (DESIGN.md "Credentials and accounts").
 *
 * When no Secret Service answers (no D-Bus session bus, no keyring running, or the
 * keyring refuses), the operations still succeed: the password is kept in this object's
 * memory until the process ends, #OpSecrets:persistent becomes %FALSE and
 * #OpSecrets:unavailable-reason says why, in a sentence the UI can show as is. A password
 * is never written to a file or a log.
 *
 * Only %G_IO_ERROR_CANCELLED is reported as an error. Use an #OpSecrets from one thread
 * (the UI's); callbacks and notifications run on the thread-default main context of the
 * call.
 */
const SecretSchema *op_secrets_get_schema              (void) G_GNUC_CONST;

OpSecrets  *op_secrets_new                     (void);
OpSecrets  *op_secrets_get_default             (void);

gboolean    op_secrets_get_persistent          (OpSecrets            *self);
const char *op_secrets_get_unavailable_reason  (OpSecrets            *self);

void        op_secrets_store_async             (OpSecrets            *self,
                                                const char           *protocol,
                                                const char           *host,
                                                guint16               port,
                                                const char           *user,
                                                const char           *password,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean    op_secrets_store_finish            (OpSecrets            *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Finishes with the password (free it with op_secrets_password_free()), or NULL and no
 * error when none is stored. */
void        op_secrets_lookup_async            (OpSecrets            *self,
                                                const char           *protocol,
                                                const char           *host,
                                                guint16               port,
                                                const char           *user,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
char       *op_secrets_lookup_finish           (OpSecrets            *self,
                                                GAsyncResult         *result,
                                                GError              **error);

void        op_secrets_clear_async             (OpSecrets            *self,
                                                const char           *protocol,
                                                const char           *host,
                                                guint16               port,
                                                const char           *user,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean    op_secrets_clear_finish            (OpSecrets            *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Keyed by an account or site id too (finish with the functions above): accounts with
 * the same server and user keep a password each. */
void        op_secrets_store_for_account_async  (OpSecrets           *self,
                                                 const char          *account,
                                                 const char          *protocol,
                                                 const char          *host,
                                                 guint16              port,
                                                 const char          *user,
                                                 const char          *password,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
void        op_secrets_lookup_for_account_async (OpSecrets           *self,
                                                 const char          *account,
                                                 const char          *protocol,
                                                 const char          *host,
                                                 guint16              port,
                                                 const char          *user,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
void        op_secrets_clear_for_account_async  (OpSecrets           *self,
                                                 const char          *account,
                                                 const char          *protocol,
                                                 const char          *host,
                                                 guint16              port,
                                                 const char          *user,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);

/* Overwrites, then frees, a password returned by op_secrets_lookup_finish(). */
void        op_secrets_password_free           (char                 *password);

G_END_DECLS
