/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OP_TYPE_TLS_SYSTEM_DATABASE (op_tls_system_database_get_type ())
G_DECLARE_FINAL_TYPE (OpTlsSystemDatabase, op_tls_system_database, OP, TLS_SYSTEM_DATABASE,
                      GTlsDatabase)

/*
 * The system trust store as every connection of the process verifies against it: it
 * asks the TLS backend's default database (read once per process, the first time a
 * certificate is checked, on that connection's worker thread).
 *
 * Why not hand the default database to each connection: glib-networking's GnuTLS backend
 * then builds every connection's credentials from it, parsing the whole system store
 * again (~140 certificates, about 10 ms of CPU) before the first byte, on top of the
 * parse that made the database. A database of another type makes it skip that, and
 * verify the chain through g_tls_database_verify_chain() instead, which this one passes
 * to the default database: the same anchors, the same errors (unknown CA, bad identity,
 * expired, …), one parse.
 */
GTlsDatabase *op_tls_system_database_get (void);

G_END_DECLS
