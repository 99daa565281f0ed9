/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-net"

#include "config.h"

#include "op-net-types.h"

/* The nicks are what the accounts file stores (src/core/op-account.c). */
G_DEFINE_ENUM_TYPE (OpSecurity, op_security,
  G_DEFINE_ENUM_VALUE (OP_SECURITY_NONE, "none"),
  G_DEFINE_ENUM_VALUE (OP_SECURITY_STARTTLS, "starttls"),
  G_DEFINE_ENUM_VALUE (OP_SECURITY_IMPLICIT_TLS, "implicit"))
