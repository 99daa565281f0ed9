/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "op-imap-error.h"
#include "op-mail-errors.h"
#include "op-pop3-error.h"
#include "op-sasl.h"
#include "op-smtp-error.h"
#include "op-trust-store.h"

OpMailErrorKind
op_mail_error_kind (const GError *error)
{
  if (error == NULL)
    return OP_MAIL_ERROR_KIND_OTHER;
  /* A refused certificate keeps the verifier's error (OpConnection): the trust store's,
   * or GIO's own without a verifier. */
  if (g_error_matches (error, OP_TRUST_ERROR, OP_TRUST_ERROR_UNTRUSTED)
      || g_error_matches (error, OP_TRUST_ERROR, OP_TRUST_ERROR_PIN_MISMATCH)
      || g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    return OP_MAIL_ERROR_KIND_CERTIFICATE;
  if (g_error_matches (error, OP_IMAP_ERROR, OP_IMAP_ERROR_AUTH_FAILED)
      || g_error_matches (error, OP_POP3_ERROR, OP_POP3_ERROR_AUTH_FAILED)
      || g_error_matches (error, OP_SMTP_ERROR, OP_SMTP_ERROR_AUTH_FAILED)
      || g_error_matches (error, OP_SASL_ERROR, OP_SASL_ERROR_INVALID_CREDENTIALS))
    return OP_MAIL_ERROR_KIND_PASSWORD;
  if (error->domain == G_RESOLVER_ERROR
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return OP_MAIL_ERROR_KIND_UNREACHABLE;
  return OP_MAIL_ERROR_KIND_OTHER;
}

char *
op_mail_error_clause (const char *message)
{
  char *clause = g_strchomp (g_strdup (message != NULL ? message : ""));

  if (g_str_has_suffix (clause, "."))
    clause[strlen (clause) - 1] = '\0';
  else if (g_str_has_suffix (clause, "。"))
    clause[strlen (clause) - strlen ("。")] = '\0';
  return clause;
}
