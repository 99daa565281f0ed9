/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-smtp"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-smtp-error.h"
#include "op-net-types.h"

G_DEFINE_QUARK (op-smtp-error-quark, op_smtp_error)

static gboolean
enhanced_is (const OpSmtpReply *reply,
             guint              subject,
             guint              detail)
{
  guint k, s, d;

  return reply->enhanced_code != NULL &&
         op_smtp_parse_enhanced_code (reply->enhanced_code, &k, &s, &d) > 0 &&
         s == subject && d == detail;
}

static OpSmtpError
classify (const OpSmtpReply *reply,
          OpSmtpCommandKind  kind)
{
  gboolean transient = OP_SMTP_REPLY_CLASS (reply) == 4;

  if (kind == OP_SMTP_COMMAND_STARTTLS)
    return OP_SMTP_ERROR_TLS_REFUSED;

  /* RFC 4954 §6: 538 5.7.11 "encryption required for requested authentication
   * mechanism"; 530 5.7.0 "authentication required" is about MAIL, not AUTH. */
  if (reply->code == 538 || enhanced_is (reply, 7, 11))
    return OP_SMTP_ERROR_PLAINTEXT_REFUSED;
  if (kind == OP_SMTP_COMMAND_AUTH)
    {
      /* 535 5.7.8 credentials invalid; 534 5.7.9 mechanism too weak; 454 4.7.0
       * temporary authentication failure (transient, the server's fault). */
      if (reply->code == 454)
        return OP_SMTP_ERROR_TRANSIENT;
      if (reply->code == 504 || reply->code == 502)
        return OP_SMTP_ERROR_AUTH_UNAVAILABLE;
      return OP_SMTP_ERROR_AUTH_FAILED;
    }

  /* RFC 6531 §3.7.4: 553 5.6.7 "non-ASCII addresses not permitted", and 5.6.7 in
   * general: UTF-8 where the server takes none. */
  if (enhanced_is (reply, 6, 7))
    return OP_SMTP_ERROR_UTF8_UNSUPPORTED;

  /* RFC 1870 §6.1 / RFC 5321 §4.2.2: 552 "exceeded storage allocation" is how servers
   * refuse a message for its size; RFC 3463 5.3.4 "message too big for system" and
   * 5.2.3 "message length exceeds administrative limit" say it exactly. 5.2.2 (mailbox
   * full) is the recipient's problem, not the message's. */
  if (enhanced_is (reply, 3, 4) || enhanced_is (reply, 2, 3) ||
      (reply->code == 552 && !enhanced_is (reply, 2, 2) && kind != OP_SMTP_COMMAND_RCPT))
    return OP_SMTP_ERROR_MESSAGE_TOO_LARGE;

  if (kind == OP_SMTP_COMMAND_RCPT)
    return OP_SMTP_ERROR_RECIPIENT_REFUSED;
  /* RFC 5321 §4.2.2 / RFC 1869 §6: 555 "MAIL FROM/RCPT TO parameters not recognized". */
  if (reply->code == 555)
    return OP_SMTP_ERROR_UNSUPPORTED;
  if (kind == OP_SMTP_COMMAND_MAIL && !transient && reply->code != 530 &&
      reply->code != 500 && reply->code != 502 && reply->code != 504)
    return OP_SMTP_ERROR_SENDER_REFUSED;

  /* 530 5.7.0 "Authentication required": sending needs a login. */
  if (reply->code == 530 && kind != OP_SMTP_COMMAND_HELLO)
    return OP_SMTP_ERROR_AUTH_FAILED;
  if (reply->code == 500 || reply->code == 502 || reply->code == 504)
    return OP_SMTP_ERROR_UNSUPPORTED;
  return transient ? OP_SMTP_ERROR_TRANSIENT : OP_SMTP_ERROR_PERMANENT;
}

/* What a code means, before the command and the server's reply. */
static const char * const explanations[] = {
  [OP_SMTP_ERROR_AUTH_FAILED] =
    N_("The server refused the login. Check the user name and password."),
  [OP_SMTP_ERROR_AUTH_UNAVAILABLE] = N_("The server does not support this sign-in method."),
  [OP_SMTP_ERROR_TLS_REFUSED] =
    N_("The server refused to encrypt the connection, so nothing was sent. "
       "Choose an unencrypted connection for this account only if you trust "
       "the network."),
  [OP_SMTP_ERROR_PLAINTEXT_REFUSED] =
    N_("The server requires an encrypted connection for this sign-in method."),
  [OP_SMTP_ERROR_MESSAGE_TOO_LARGE] =
    N_("The server refused the message because it is too large."),
  [OP_SMTP_ERROR_UTF8_UNSUPPORTED] = N_("The server does not accept non-ASCII addresses."),
  [OP_SMTP_ERROR_SENDER_REFUSED] = N_("The server refused the sender address."),
  [OP_SMTP_ERROR_RECIPIENT_REFUSED] = N_("The server refused the recipient."),
  [OP_SMTP_ERROR_UNSUPPORTED] = N_("The server does not support this command."),
  [OP_SMTP_ERROR_TRANSIENT] = N_("The server could not do this now; try again later."),
  [OP_SMTP_ERROR_PERMANENT] = N_("The server refused the command."),
};

GError *
op_smtp_error_from_reply (const OpSmtpReply *reply,
                          const char        *command,
                          OpSmtpCommandKind  kind)
{
  g_autofree char *described = NULL;
  OpSmtpError code;
  const char *what;

  g_return_val_if_fail (reply != NULL, NULL);
  g_return_val_if_fail (command != NULL, NULL);

  described = op_smtp_reply_describe (reply);
  if (OP_SMTP_REPLY_CLASS (reply) < 4)
    return g_error_new (OP_SMTP_ERROR, OP_SMTP_ERROR_BAD_REPLY,
                        /* Translators: %s is an SMTP command (e.g. "MAIL"), then the
                         * server's reply, which stays untranslated */
                        _("The server answered %s with an unexpected reply: “%s”."),
                        command, described);

  code = classify (reply, kind);
  if (code == OP_SMTP_ERROR_AUTH_FAILED && kind != OP_SMTP_COMMAND_AUTH)
    what = _("The server requires a login before it accepts mail.");
  else
    what = _(code < G_N_ELEMENTS (explanations) && explanations[code] != NULL
               ? explanations[code] : explanations[OP_SMTP_ERROR_PERMANENT]);

  /* Translators: the first %s explains the error; then the SMTP command (e.g. "MAIL")
   * and the server's reply (code, enhanced code and text), which stay untranslated */
  return g_error_new (OP_SMTP_ERROR, code, _("%s (%s: “%s”)"), what, command, described);
}

gboolean
op_smtp_error_is_transient (const GError *error)
{
  if (error == NULL)
    return FALSE;
  if (error->domain == OP_SMTP_ERROR)
    return error->code == OP_SMTP_ERROR_TRANSIENT ||
           error->code == OP_SMTP_ERROR_CONNECTION_LOST;
  /* A refused or unreachable server may be back for the outbox's next try. */
  return op_net_io_error_is_transient (error) ||
         (error->domain == G_IO_ERROR &&
          (error->code == G_IO_ERROR_CONNECTION_REFUSED ||
           error->code == G_IO_ERROR_HOST_UNREACHABLE ||
           error->code == G_IO_ERROR_NETWORK_UNREACHABLE));
}
