/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "bench-common.h"
#include "op-connection.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

/* Shared by the IMAP benchmarks (bench-imap-fetch, bench-mail-sync). */

/* Prints "NAME: WHAT: message" to stderr and exits 1. */
void           op_bench_die          (const char     *name,
                                      const char     *what,
                                      GError         *error) G_GNUC_NORETURN;
/* A GAsyncReadyCallback for op_bench_await_result(); one call at a time. */
void           op_bench_await_cb     (GObject        *source,
                                      GAsyncResult   *result,
                                      gpointer        user_data);
GAsyncResult  *op_bench_await_result (void);

/* A raw session over implicit TLS: LOGIN, then each of @commands ("ENABLE QRESYNC",
 * "SELECT Bench") must answer OK. */
OpConnection  *op_bench_raw_session  (const char         *host,
                                      guint16             port,
                                      OpTlsVerifier      *verifier,
                                      const char         *user,
                                      const char         *password,
                                      const char * const *commands);
/* Sends "r9 @command" and reads raw bytes until the tagged OK; returns seconds. */
double         op_bench_raw_fetch    (OpConnection       *conn,
                                      const char         *command,
                                      guint64            *bytes);

G_END_DECLS
