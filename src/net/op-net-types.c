/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-net"

#include "config.h"

#include <gio/gio.h>

#include "op-net-types.h"

/* The nicks are what the accounts file stores (src/core/op-account.c). */
G_DEFINE_ENUM_TYPE (OpSecurity, op_security,
  G_DEFINE_ENUM_VALUE (OP_SECURITY_NONE, "none"),
  G_DEFINE_ENUM_VALUE (OP_SECURITY_STARTTLS, "starttls"),
  G_DEFINE_ENUM_VALUE (OP_SECURITY_IMPLICIT_TLS, "implicit"))

gboolean
op_net_io_error_is_transient (const GError *error)
{
  return error != NULL && error->domain == G_IO_ERROR &&
         (error->code == G_IO_ERROR_TIMED_OUT || error->code == G_IO_ERROR_CONNECTION_CLOSED ||
          error->code == G_IO_ERROR_BROKEN_PIPE || error->code == G_IO_ERROR_NOT_CONNECTED);
}

char *
op_net_quote_bytes (const char *data,
                    gsize       length)
{
  g_autofree char *valid = g_utf8_make_valid (data != NULL ? data : "", MIN (length, 200));

  for (char *p = valid; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = '?';
  return g_steal_pointer (&valid);
}
