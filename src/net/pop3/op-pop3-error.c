/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-pop3"

#include "config.h"

#include <glib/gi18n.h>

#include "op-pop3-error.h"
#include "op-net-types.h"

G_DEFINE_QUARK (op-pop3-error-quark, op_pop3_error)

static OpPop3Error
classify (const OpPop3Reply *reply,
          OpPop3CommandKind  kind)
{
  /* RFC 2449 §8.1 and RFC 3206 §4-5: the codes say more than the command. */
  if (op_pop3_reply_has_code (reply, "IN-USE"))
    return OP_POP3_ERROR_IN_USE;
  if (op_pop3_reply_has_code (reply, "LOGIN-DELAY") ||
      op_pop3_reply_has_code (reply, "SYS/TEMP"))
    return OP_POP3_ERROR_TEMPORARY;
  if (op_pop3_reply_has_code (reply, "SYS/PERM") || op_pop3_reply_has_code (reply, "SYS"))
    return OP_POP3_ERROR_PERMANENT;
  if (op_pop3_reply_has_code (reply, "AUTH"))
    return OP_POP3_ERROR_AUTH_FAILED;
  if (kind == OP_POP3_COMMAND_TLS)
    return OP_POP3_ERROR_TLS_REFUSED;
  /* RFC 1939 gives no reasons: a bare -ERR to a login command is a refused login. */
  if (kind == OP_POP3_COMMAND_LOGIN)
    return OP_POP3_ERROR_AUTH_FAILED;
  return OP_POP3_ERROR_PERMANENT;
}

/* What a code means, before the command and the server's reply. */
static const char * const explanations[] = {
  [OP_POP3_ERROR_AUTH_FAILED] =
    N_("The server refused the login. Check the user name and password."),
  [OP_POP3_ERROR_IN_USE] =
    N_("The mailbox is in use by another session (another mail program may be "
       "checking it). Try again in a moment."),
  [OP_POP3_ERROR_TEMPORARY] = N_("The server could not do this now; try again later."),
  [OP_POP3_ERROR_TLS_REFUSED] =
    N_("The server refused to encrypt the connection, so no password was sent."),
  [OP_POP3_ERROR_PERMANENT] = N_("The server refused the command."),
};

GError *
op_pop3_error_from_reply (const OpPop3Reply *reply,
                          const char        *command,
                          OpPop3CommandKind  kind)
{
  OpPop3Error code;
  const char *what;

  g_return_val_if_fail (reply != NULL, NULL);
  g_return_val_if_fail (command != NULL, NULL);

  code = classify (reply, kind);
  what = _(code < G_N_ELEMENTS (explanations) && explanations[code] != NULL
             ? explanations[code] : explanations[OP_POP3_ERROR_PERMANENT]);

  /* Translators: the first %s explains the error; then the POP3 command (e.g. "RETR")
   * and the server's reply text, which stay untranslated */
  return g_error_new (OP_POP3_ERROR, code, _("%s (%s: “-ERR %s%s%s%s”)"), what, command,
                      reply->code != NULL ? "[" : "",
                      reply->code != NULL ? reply->code : "",
                      reply->code != NULL ? "] " : "",
                      reply->text);
}

gboolean
op_pop3_error_is_transient (const GError *error)
{
  if (error == NULL)
    return FALSE;
  if (error->domain == OP_POP3_ERROR)
    return error->code == OP_POP3_ERROR_TEMPORARY || error->code == OP_POP3_ERROR_IN_USE ||
           error->code == OP_POP3_ERROR_CONNECTION_LOST;
  return op_net_io_error_is_transient (error);
}
