/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-console-answer.h"

G_BEGIN_DECLS

/**
 * OpConsoleLookupKind:
 * @OP_CONSOLE_LOOKUP_ADDRESSES: host name → every address (getaddrinfo: A and AAAA).
 * @OP_CONSOLE_LOOKUP_REVERSE: address → host name (PTR).
 * @OP_CONSOLE_LOOKUP_SERVICE: service name ↔ port and protocol ("http", "80", "53/udp").
 * @OP_CONSOLE_LOOKUP_MX: mail exchangers.
 * @OP_CONSOLE_LOOKUP_SRV: service records ("_imaps._tcp.example.com").
 * @OP_CONSOLE_LOOKUP_TXT: text records.
 * @OP_CONSOLE_LOOKUP_NS: name servers.
 */
typedef enum
{
  OP_CONSOLE_LOOKUP_ADDRESSES,
  OP_CONSOLE_LOOKUP_REVERSE,
  OP_CONSOLE_LOOKUP_SERVICE,
  OP_CONSOLE_LOOKUP_MX,
  OP_CONSOLE_LOOKUP_SRV,
  OP_CONSOLE_LOOKUP_TXT,
  OP_CONSOLE_LOOKUP_NS,
} OpConsoleLookupKind;

/*
 * Name lookups of the Console, all asynchronous (GResolver; the service database on a
 * thread). The answers are a GListModel of OpConsoleAnswer. Errors are GResolverError
 * (or G_IO_ERROR) with a translated message that names the query.
 */
void        op_console_lookup_async  (OpConsoleLookupKind   kind,
                                      const char           *query,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
GListModel *op_console_lookup_finish (GAsyncResult         *result,
                                      GError              **error);

G_END_DECLS
