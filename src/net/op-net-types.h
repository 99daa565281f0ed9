/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * OpSecurity:
 * @OP_SECURITY_NONE: no TLS: an explicit choice of the user. Sending a password over it
 *   needs a second opt-in (op_session_set_allow_plaintext_password()).
 * @OP_SECURITY_STARTTLS: upgrade with the protocol's verb (STARTTLS, STLS, AUTH TLS)
 *   before anything secret goes out; a server that does not offer it or refuses it is an
 *   error, never a silent fallback to plain text.
 * @OP_SECURITY_IMPLICIT_TLS: TLS from the first byte (the protocol's TLS port).
 *
 * How a session is protected, one enum for every protocol (DESIGN.md "Transport, TLS
 * and trust"). Accounts write it as "none", "starttls" and "implicit".
 */
typedef enum
{
  OP_SECURITY_NONE,
  OP_SECURITY_STARTTLS,
  OP_SECURITY_IMPLICIT_TLS,
} OpSecurity;

#define OP_TYPE_SECURITY (op_security_get_type ())
GType op_security_get_type (void) G_GNUC_CONST;

/* Whether @error (nullable) is a G_IO_ERROR of a connection that went away or never
 * came (timed out, closed, broken pipe, not connected), so the same call may work
 * later: the network half of every op_*_error_is_transient(). */
gboolean op_net_io_error_is_transient (const GError *error);

/* At most 200 bytes of a server's @data (nullable) for an error message: valid UTF-8,
 * control characters as "?". (transfer full) */
char    *op_net_quote_bytes           (const char   *data,
                                       gsize         length);

G_END_DECLS
