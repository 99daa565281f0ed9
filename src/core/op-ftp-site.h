/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"
#include "op-ftp-client.h"
#include "op-secrets.h"

G_BEGIN_DECLS

/*
 * A Files site (issue 4, "A site has…") is an #OpAccount of kind %OP_ACCOUNT_KIND_FTP.
 * These helpers give it typed accessors; the settings only FTP needs live in the
 * account's extra keys, so they are saved with #OpAccounts like every other account:
 *
 *   name, host, port, user       the account's own fields (port 0: 21, or 990 for
 *                                implicit FTPS — op_ftp_site_get_effective_port())
 *   security                     the protocol: none = FTP, starttls = FTP with explicit
 *                                TLS (AUTH TLS), implicit = implicit FTPS
 *   logon-type                   anonymous | normal | ask
 *   local-dir, remote-dir        default folders (local: a path; remote: "/…")
 *   charset                      the server's charset for names ("" or absent: UTF-8)
 *   data-mode                    passive | active
 *   transfer-type                auto | binary | ascii
 *   max-connections              1…10 (absent: 2)
 *
 * Passwords are never in the account: they are in #OpSecrets under protocol "ftp",
 * the site's host, effective port and user. A site whose logon type is "ask" never has
 * one stored (op_ftp_site_store_password_async() clears it instead).
 *
 * All functions are for the main thread and never block.
 */

#define OP_FTP_SITE_ERROR (op_ftp_site_error_quark ())

/**
 * OpFtpSiteError:
 * @OP_FTP_SITE_ERROR_INVALID_URI: the text is not an ftp:// or ftps:// URI Outpost can
 *   open (the message says what is wrong with it).
 * @OP_FTP_SITE_ERROR_UNSUPPORTED_SCHEME: the URI is valid but not ftp:// or ftps://.
 */
typedef enum
{
  OP_FTP_SITE_ERROR_INVALID_URI,
  OP_FTP_SITE_ERROR_UNSUPPORTED_SCHEME,
} OpFtpSiteError;

GQuark op_ftp_site_error_quark (void);

/**
 * OpFtpLogonType:
 * @OP_FTP_LOGON_ANONYMOUS: user "anonymous", no stored password.
 * @OP_FTP_LOGON_NORMAL: user and a password kept in libsecret (the default).
 * @OP_FTP_LOGON_ASK: user; the password is asked for at each connect and never stored.
 *
 * Saved as "anonymous", "normal" and "ask".
 */
typedef enum
{
  OP_FTP_LOGON_ANONYMOUS,
  OP_FTP_LOGON_NORMAL,
  OP_FTP_LOGON_ASK,
} OpFtpLogonType;

/**
 * OpFtpTransferType:
 * @OP_FTP_TRANSFER_TYPE_AUTO: ASCII for names op_ftp_transfer_type_is_text_name() knows
 *   as text, binary otherwise (the default).
 * @OP_FTP_TRANSFER_TYPE_BINARY: always TYPE I.
 * @OP_FTP_TRANSFER_TYPE_ASCII: always TYPE A.
 *
 * Saved as "auto", "binary" and "ascii".
 */
typedef enum
{
  OP_FTP_TRANSFER_TYPE_AUTO,
  OP_FTP_TRANSFER_TYPE_BINARY,
  OP_FTP_TRANSFER_TYPE_ASCII,
} OpFtpTransferType;

#define OP_TYPE_FTP_LOGON_TYPE (op_ftp_logon_type_get_type ())
GType       op_ftp_logon_type_get_type     (void) G_GNUC_CONST;
const char *op_ftp_logon_type_to_string    (OpFtpLogonType     type);
gboolean    op_ftp_logon_type_from_string  (const char        *string,
                                            OpFtpLogonType    *type);
#define OP_TYPE_FTP_TRANSFER_TYPE (op_ftp_transfer_type_get_type ())
GType       op_ftp_transfer_type_get_type  (void) G_GNUC_CONST;
const char *op_ftp_transfer_type_to_string (OpFtpTransferType  type);
gboolean    op_ftp_transfer_type_from_string (const char      *string,
                                            OpFtpTransferType *type);

/* Common text extensions (".txt", ".html", ".c", …; case-insensitive) and names such as
 * "Makefile" or "README": what "auto" sends as ASCII. */
gboolean    op_ftp_transfer_type_is_text_name (const char     *name);

/* The bounds of max-connections, and its value when absent. */
#define OP_FTP_SITE_MAX_CONNECTIONS_MIN     1
#define OP_FTP_SITE_MAX_CONNECTIONS_MAX     10
#define OP_FTP_SITE_MAX_CONNECTIONS_DEFAULT 2

/* A new FTP site with a fresh id: explicit TLS, normal logon, passive, auto, 2
 * connections, port 0 (default). (transfer full) */
OpAccount        *op_ftp_site_new                  (void);
/* A copy with a fresh id, every field and extra key copied, named "NAME (copy)"
 * (translated). The copy's password is not copied: store it again if wanted.
 * (transfer full) */
OpAccount        *op_ftp_site_duplicate            (OpAccount          *site);
/* TRUE if @account is of kind FTP. */
gboolean          op_ftp_site_is_site              (OpAccount          *account);

/* The protocol, as the FTP engine's security mode (stored as the account's security). */
OpSecurity        op_ftp_site_get_protocol         (OpAccount          *site);
void              op_ftp_site_set_protocol         (OpAccount          *site,
                                                    OpSecurity          protocol);
/* The port to connect to: the account's port, or 21 / 990 (implicit) when it is 0. */
guint16           op_ftp_site_get_effective_port   (OpAccount          *site);

OpFtpLogonType    op_ftp_site_get_logon_type       (OpAccount          *site);
void              op_ftp_site_set_logon_type       (OpAccount          *site,
                                                    OpFtpLogonType      type);
/* The user to log in as: "anonymous" for anonymous logon, else the account's user. */
const char       *op_ftp_site_get_login_user       (OpAccount          *site);

/* Default folders (nullable: none set). */
const char       *op_ftp_site_get_local_dir        (OpAccount          *site);
void              op_ftp_site_set_local_dir        (OpAccount          *site,
                                                    const char         *path);
const char       *op_ftp_site_get_remote_dir       (OpAccount          *site);
void              op_ftp_site_set_remote_dir       (OpAccount          *site,
                                                    const char         *path);

/* NULL for the default (UTF-8). */
const char       *op_ftp_site_get_charset          (OpAccount          *site);
void              op_ftp_site_set_charset          (OpAccount          *site,
                                                    const char         *charset);

OpFtpDataMode     op_ftp_site_get_data_mode        (OpAccount          *site);
void              op_ftp_site_set_data_mode        (OpAccount          *site,
                                                    OpFtpDataMode       mode);

OpFtpTransferType op_ftp_site_get_transfer_type    (OpAccount          *site);
void              op_ftp_site_set_transfer_type    (OpAccount          *site,
                                                    OpFtpTransferType   type);
/* The engine flags for transferring a file called @name with this site's transfer type
 * (OP_FTP_TRANSFER_ASCII or OP_FTP_TRANSFER_DEFAULT). */
OpFtpTransferFlags op_ftp_site_transfer_flags_for_name (OpAccount      *site,
                                                    const char         *name);

/* Clamped to OP_FTP_SITE_MAX_CONNECTIONS_MIN…_MAX. */
guint             op_ftp_site_get_max_connections  (OpAccount          *site);
void              op_ftp_site_set_max_connections  (OpAccount          *site,
                                                    guint               n);

/*
 * Parses "ftp://[user[:password]@]host[:port][/path]" or "ftps://…" into a new site
 * (not saved anywhere; named after the host) and the remote path (percent-decoded,
 * "/" when absent). ftp:// becomes FTP with explicit TLS (TLS is required; the user can
 * switch the site to plain FTP), ftps:// becomes implicit FTPS. Without a user the site
 * is anonymous, else normal logon. A password in the URI is returned in @password
 * (nullable, transfer full) so the caller can use it for this session; it is never
 * written into the site. Host, user and path with control characters (CR, LF, NUL…)
 * are refused. Error: OP_FTP_SITE_ERROR. (transfer full)
 */
OpAccount        *op_ftp_site_new_from_uri         (const char         *uri,
                                                    char              **path,
                                                    char              **password,
                                                    GError            **error);
/* "ftp://user@host:port/path" for Copy URL (ftps:// for implicit FTPS); user and path
 * percent-encoded; no password ever. @path nullable. (transfer full) */
char             *op_ftp_site_to_uri               (OpAccount          *site,
                                                    const char         *path);

/*
 * A new, not yet connected client for the site: host, effective port, protocol,
 * charset, data mode, the plaintext-password opt-in (the account's
 * allow-plaintext-password) and @verifier (nullable) set. Connect it with
 * op_ftp_client_connect_async (client, op_ftp_site_get_login_user (site), password, …).
 * (transfer full)
 */
OpFtpClient      *op_ftp_site_new_client           (OpAccount          *site,
                                                    OpTlsVerifier      *verifier);

/* Passwords in @secrets (protocol "ftp", host, effective port, login user, and the
 * site's id: a duplicated site keeps its own, and forgetting one never touches a twin;
 * a site without one reads the one stored before passwords were per site).
 * Store: for "ask" and anonymous sites (or @password NULL) this clears a stored password
 * instead, so "ask" never keeps one. Without a Secret Service, OpSecrets keeps it in
 * memory for this run (op_secrets_get_persistent() says so). Lookup: finishes with NULL at once for "ask" and anonymous sites;
 * free the result with op_secrets_password_free(). */
void              op_ftp_site_store_password_async (OpAccount          *site,
                                                    OpSecrets          *secrets,
                                                    const char         *password,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
gboolean          op_ftp_site_store_password_finish (GAsyncResult      *result,
                                                    GError            **error);
void              op_ftp_site_lookup_password_async (OpAccount         *site,
                                                    OpSecrets          *secrets,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
char             *op_ftp_site_lookup_password_finish (GAsyncResult     *result,
                                                    GError            **error);
void              op_ftp_site_forget_password_async (OpAccount         *site,
                                                    OpSecrets          *secrets,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
gboolean          op_ftp_site_forget_password_finish (GAsyncResult     *result,
                                                    GError            **error);

G_END_DECLS
