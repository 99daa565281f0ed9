/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ftp"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-ftp-error.h"
#include "op-net-types.h"

G_DEFINE_QUARK (op-ftp-error-quark, op_ftp_error)

static gboolean
text_says (const char         *lower,
           const char * const *words)
{
  for (guint i = 0; words[i] != NULL; i++)
    if (strstr (lower, words[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* Servers agree on codes far less than on words: 550 is "not found", "permission denied"
 * and (after MKD) "exists" alike, so the text decides where the code does not. These are
 * the phrases vsftpd, ProFTPD, Pure-FTPd, IIS and FileZilla Server use. */
static const char * const not_found_words[] = {
  "no such file", "not found", "does not exist", "doesn't exist", "can't find",
  "cannot find", "no such directory", "failed to open file", "can't check for file",
  "could not get file size", NULL
};
static const char * const denied_words[] = {
  "permission denied", "access denied", "access is denied", "not allowed", "forbidden",
  "prohibited", "no permission", "read-only", "not permitted", NULL
};
static const char * const exists_words[] = {
  "exists", "already", NULL
};
static const char * const full_words[] = {
  "quota", "disk full", "no space", "not enough space", "insufficient storage",
  "exceeded", NULL
};

static OpFtpError
classify (const OpFtpReply *reply,
          OpFtpCommandKind  kind)
{
  g_autofree char *lower = g_utf8_strdown (reply->text, -1);
  gboolean transient = OP_FTP_REPLY_CLASS (reply) == 4;

  if (kind == OP_FTP_COMMAND_LOGIN && (reply->code == 530 || reply->code == 430 ||
                                       reply->code == 332 || reply->code == 532))
    return OP_FTP_ERROR_LOGIN_FAILED;
  if (kind == OP_FTP_COMMAND_TLS)
    return OP_FTP_ERROR_TLS_REFUSED;
  /* vsftpd: "522 SSL connection failed: session reuse required". ProFTPD's mod_tls
   * refuses a data handshake that does not resume the session with EPERM, which reaches
   * the client only as "425 Unable to build data connection: Operation not permitted"
   * (the word "reuse" is in its log alone); on a TLS data connection that is the reuse
   * refusal, and so is any 425/522 that names TLS/SSL or reuse. */
  if ((reply->code == 522 || reply->code == 425) &&
      (strstr (lower, "reuse") != NULL || strstr (lower, "ssl") != NULL ||
       strstr (lower, "tls") != NULL ||
       (kind == OP_FTP_COMMAND_TLS_DATA &&
        (reply->code == 522 || strstr (lower, "operation not permitted") != NULL))))
    return OP_FTP_ERROR_TLS_SESSION_REUSE;
  /* RFC 959 §4.2.1: a second digit 5 is about the file system; "421 Maximum number of
   * connections exceeded" is about connections, not space. */
  if (reply->code == 452 || reply->code == 552 ||
      ((reply->code / 10) % 10 == 5 && text_says (lower, full_words)))
    return OP_FTP_ERROR_DISK_FULL;
  if (reply->code == 502 || reply->code == 504 || reply->code == 500 ||
      reply->code == 202)
    return OP_FTP_ERROR_UNSUPPORTED;
  if (reply->code == 530)
    return OP_FTP_ERROR_NOT_CONNECTED;
  if (text_says (lower, not_found_words))
    return OP_FTP_ERROR_NOT_FOUND;
  if (text_says (lower, denied_words))
    return OP_FTP_ERROR_PERMISSION_DENIED;
  if ((kind == OP_FTP_COMMAND_MKDIR || kind == OP_FTP_COMMAND_RENAME ||
       reply->code == 521) && text_says (lower, exists_words))
    return OP_FTP_ERROR_ALREADY_EXISTS;
  if (reply->code == 553)
    return OP_FTP_ERROR_PERMISSION_DENIED;
  return transient ? OP_FTP_ERROR_TRANSIENT : OP_FTP_ERROR_PERMANENT;
}

/* What a code means, before the command and the server's words. */
static const char * const explanations[] = {
  [OP_FTP_ERROR_LOGIN_FAILED] =
    N_("The server refused the login. Check the user name and password."),
  [OP_FTP_ERROR_PERMISSION_DENIED] = N_("The server denied permission."),
  [OP_FTP_ERROR_NOT_FOUND] = N_("The file or folder does not exist on the server."),
  [OP_FTP_ERROR_ALREADY_EXISTS] = N_("A file or folder of that name already exists on the server."),
  [OP_FTP_ERROR_DISK_FULL] = N_("The server has no space left or the quota is exceeded."),
  [OP_FTP_ERROR_TLS_REFUSED] =
    N_("The server refused to encrypt the connection, so nothing was sent. "
       "Choose plain FTP for this site only if you trust the network."),
  [OP_FTP_ERROR_TLS_SESSION_REUSE] =
    N_("The server refused the encrypted data connection because it requires "
       "the TLS session to be reused."),
  [OP_FTP_ERROR_UNSUPPORTED] = N_("The server does not support this command."),
  [OP_FTP_ERROR_NOT_CONNECTED] = N_("The server says the session is not logged in. Connect again."),
  [OP_FTP_ERROR_TRANSIENT] = N_("The server could not do this now; try again later."),
  [OP_FTP_ERROR_PERMANENT] = N_("The server refused the command."),
};

GError *
op_ftp_error_from_reply (const OpFtpReply *reply,
                         const char       *command,
                         OpFtpCommandKind  kind)
{
  OpFtpError code;
  const char *what;

  g_return_val_if_fail (reply != NULL, NULL);
  g_return_val_if_fail (command != NULL, NULL);

  code = classify (reply, kind);
  what = _(code < G_N_ELEMENTS (explanations) && explanations[code] != NULL
             ? explanations[code] : explanations[OP_FTP_ERROR_PERMANENT]);

  /* Translators: the first %s explains the error; then the FTP command (e.g. "RETR"),
   * and the server's reply code and text, which stay untranslated */
  return g_error_new (OP_FTP_ERROR, code, _("%s (%s: “%u %s”)"),
                      what, command, reply->code, reply->text);
}

gboolean
op_ftp_error_is_transient (const GError *error)
{
  if (error == NULL)
    return FALSE;
  if (error->domain == OP_FTP_ERROR)
    return error->code == OP_FTP_ERROR_TRANSIENT ||
           error->code == OP_FTP_ERROR_CONNECTION_LOST;
  return op_net_io_error_is_transient (error);
}
