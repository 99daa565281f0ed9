/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-nntp"

#include "config.h"

#include <glib/gi18n.h>

#include "op-nntp-error.h"
#include "op-net-types.h"

G_DEFINE_QUARK (op-nntp-error-quark, op_nntp_error)

static OpNntpError
classify (guint             code,
          OpNntpCommandKind kind)
{
  switch (code)
    {
    case 400:   /* RFC 3977 §3.2.1: service discontinued or not available */
      return OP_NNTP_ERROR_SERVICE_UNAVAILABLE;
    case 401:   /* RFC 3977 §3.2.1: "MODE-READER" capability says what to do */
      return OP_NNTP_ERROR_WRONG_MODE;
    case 403:   /* internal fault */
    case 436:   /* IHAVE: transfer not possible, try again later */
      return OP_NNTP_ERROR_TEMPORARY;
    case 411:
      return OP_NNTP_ERROR_NO_SUCH_GROUP;
    case 412:
      return OP_NNTP_ERROR_NO_GROUP_SELECTED;
    case 420:   /* no current article */
    case 421:   /* NEXT: no next article */
    case 422:   /* LAST: no previous article */
    case 423:   /* no article with that number, or none in the range */
    case 430:   /* no article with that Message-ID */
      return OP_NNTP_ERROR_NO_SUCH_ARTICLE;
    case 440:
      return OP_NNTP_ERROR_POSTING_NOT_ALLOWED;
    case 441:
    case 437:   /* IHAVE: transfer rejected, do not retry */
      return OP_NNTP_ERROR_POSTING_FAILED;
    case 480:   /* RFC 4643 §2.2 */
      /* POST before a login: INN says 480 "Posting not allowed", which is what it means
       * to the user until they log in. */
      return OP_NNTP_ERROR_AUTH_REQUIRED;
    case 481:   /* RFC 4643 §2.3.2: authentication failed or rejected */
    case 482:   /* RFC 4643 §2.3.2: commands out of sequence, or a SASL protocol error */
      return OP_NNTP_ERROR_AUTH_FAILED;
    case 483:   /* RFC 4642 §2.2.2 / RFC 3977 §3.2.1: encryption required */
      return OP_NNTP_ERROR_ENCRYPTION_REQUIRED;
    case 580:   /* RFC 4642 §2.2.2: cannot initiate TLS */
      return OP_NNTP_ERROR_TLS_REFUSED;
    case 502:
      if (kind == OP_NNTP_COMMAND_AUTH)
        return OP_NNTP_ERROR_AUTH_FAILED;
      if (kind == OP_NNTP_COMMAND_TLS)
        return OP_NNTP_ERROR_TLS_REFUSED;
      if (kind == OP_NNTP_COMMAND_POST)
        return OP_NNTP_ERROR_POSTING_NOT_ALLOWED;
      return OP_NNTP_ERROR_ACCESS_DENIED;
    case 500:   /* unknown command */
    case 501:   /* syntax error */
    case 503:   /* feature not supported */
      if (kind == OP_NNTP_COMMAND_TLS)
        return OP_NNTP_ERROR_TLS_REFUSED;
      return OP_NNTP_ERROR_UNSUPPORTED;
    default:
      if (kind == OP_NNTP_COMMAND_TLS)
        return OP_NNTP_ERROR_TLS_REFUSED;
      if (kind == OP_NNTP_COMMAND_POST && code >= 400 && code < 500)
        return OP_NNTP_ERROR_POSTING_FAILED;
      return OP_NNTP_ERROR_PERMANENT;
    }
}

GError *
op_nntp_error_from_reply (const OpNntpReply *reply,
                          const char        *command,
                          OpNntpCommandKind  kind)
{
  OpNntpError code;
  const char *what;

  g_return_val_if_fail (reply != NULL, NULL);
  g_return_val_if_fail (command != NULL, NULL);

  code = classify (reply->code, kind);
  switch (code)
    {
    case OP_NNTP_ERROR_SERVICE_UNAVAILABLE:
      what = _("The news server is not available now. Try again later.");
      break;
    case OP_NNTP_ERROR_ACCESS_DENIED:
      what = _("The news server does not allow this.");
      break;
    case OP_NNTP_ERROR_TEMPORARY:
      what = _("The news server could not do this now; try again later.");
      break;
    case OP_NNTP_ERROR_WRONG_MODE:
      what = _("The news server is not in reading mode.");
      break;
    case OP_NNTP_ERROR_NO_SUCH_GROUP:
      what = _("The news server has no such newsgroup.");
      break;
    case OP_NNTP_ERROR_NO_GROUP_SELECTED:
      what = _("No newsgroup is selected.");
      break;
    case OP_NNTP_ERROR_NO_SUCH_ARTICLE:
      what = _("The article is not on the news server (it may have expired).");
      break;
    case OP_NNTP_ERROR_POSTING_NOT_ALLOWED:
      what = _("The news server does not accept posts from you.");
      break;
    case OP_NNTP_ERROR_POSTING_FAILED:
      what = _("The news server refused the article.");
      break;
    case OP_NNTP_ERROR_AUTH_REQUIRED:
      what = _("The news server asks you to log in first.");
      break;
    case OP_NNTP_ERROR_AUTH_FAILED:
      what = _("The news server refused the login. Check the user name and password.");
      break;
    case OP_NNTP_ERROR_ENCRYPTION_REQUIRED:
      what = _("The news server requires an encrypted connection for this.");
      break;
    case OP_NNTP_ERROR_TLS_REFUSED:
      what = _("The news server refused to encrypt the connection, so no password was sent.");
      break;
    case OP_NNTP_ERROR_UNSUPPORTED:
      what = _("The news server does not support this command.");
      break;
    case OP_NNTP_ERROR_PERMANENT:
    default:
      what = _("The news server refused the command.");
      break;
    }

  /* Translators: the first %s explains the error; then the NNTP command (e.g. "GROUP"),
   * the server's reply code and its text, which stay untranslated */
  return g_error_new (OP_NNTP_ERROR, code, _("%s (%s: “%03u %s”)"), what, command,
                      reply->code, reply->text);
}

gboolean
op_nntp_error_is_transient (const GError *error)
{
  if (error == NULL)
    return FALSE;
  if (error->domain == OP_NNTP_ERROR)
    return error->code == OP_NNTP_ERROR_SERVICE_UNAVAILABLE ||
           error->code == OP_NNTP_ERROR_TEMPORARY ||
           error->code == OP_NNTP_ERROR_CONNECTION_LOST;
  return op_net_io_error_is_transient (error);
}
