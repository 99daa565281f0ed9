/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <glib/gi18n.h>

#include "op-imap-error.h"
#include "op-imap-parser.h"

G_DEFINE_QUARK (op-imap-error-quark, op_imap_error)

GError *
op_imap_error_from_response (const OpImapResponse *response,
                             const char           *command,
                             OpImapCommandKind     kind)
{
  OpImapCodeKind code;
  const char *text;
  g_autofree char *clean = NULL;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (command != NULL, NULL);

  code = response->code != NULL ? response->code->kind : OP_IMAP_CODE_NONE;
  clean = g_utf8_make_valid (response->text != NULL ? response->text : "", -1);
  text = clean;

  if (response->status == OP_IMAP_STATUS_BAD)
    return g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_BAD,
                        _("The server rejected the %s command as invalid: “%s”"),
                        command, text);

  switch (code)
    {
    case OP_IMAP_CODE_AUTHENTICATIONFAILED:
    case OP_IMAP_CODE_AUTHORIZATIONFAILED:
    case OP_IMAP_CODE_EXPIRED:
      return g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_AUTH_FAILED,
                          _("The server refused the user name or password: “%s”"), text);
    case OP_IMAP_CODE_PRIVACYREQUIRED:
      return g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_PLAINTEXT_REFUSED,
                          _("The server requires an encrypted connection for this: “%s”"),
                          text);
    case OP_IMAP_CODE_NONEXISTENT:
    case OP_IMAP_CODE_TRYCREATE:
      return g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_MAILBOX_NOT_FOUND,
                          _("The folder does not exist: “%s”"), text);
    case OP_IMAP_CODE_ALREADYEXISTS:
      return g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_ALREADY_EXISTS,
                          _("A folder of that name already exists: “%s”"), text);
    case OP_IMAP_CODE_NOPERM:
      return g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_PERMISSION_DENIED,
                          _("You do not have permission for this: “%s”"), text);
    case OP_IMAP_CODE_OVERQUOTA:
    case OP_IMAP_CODE_LIMIT:
      return g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_OVER_QUOTA,
                          _("The mailbox is full or a server limit was reached: “%s”"),
                          text);
    default:
      break;
    }

  switch (kind)
    {
    case OP_IMAP_COMMAND_LOGIN:
      return g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_AUTH_FAILED,
                          _("The server refused the user name or password: “%s”"), text);
    case OP_IMAP_COMMAND_TLS:
      return g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_TLS_REFUSED,
                          _("The server refused to start TLS, so nothing secret was sent: "
                            "“%s”"), text);
    case OP_IMAP_COMMAND_MAILBOX:
    case OP_IMAP_COMMAND_CREATE:
    case OP_IMAP_COMMAND_OTHER:
    default:
      return g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_NO,
                          _("The server refused the %s command: “%s”"), command, text);
    }
}
