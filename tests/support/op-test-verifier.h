/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-session.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

#define OP_TYPE_TEST_VERIFIER (op_test_verifier_get_type ())
G_DECLARE_FINAL_TYPE (OpTestVerifier, op_test_verifier, OP, TEST_VERIFIER, GObject)

/*
 * An OpTlsVerifier for tests: accepts a certificate whose chain verifies against one
 * CA (and whose identity matches the host), or refuses everything with a given error.
 * It records how it was called; safe to query from the test thread while a worker
 * thread calls it.
 */
OpTestVerifier       *op_test_verifier_new_for_ca       (GTlsCertificate  *ca);
OpTestVerifier       *op_test_verifier_new_for_ca_file  (const char       *path,
                                                         GError          **error);
OpTestVerifier       *op_test_verifier_new_refusing     (GQuark            domain,
                                                         int               code,
                                                         const char       *message);
guint                 op_test_verifier_get_n_calls      (OpTestVerifier   *self);
GTlsCertificateFlags  op_test_verifier_get_last_errors  (OpTestVerifier   *self);
char                 *op_test_verifier_dup_last_host    (OpTestVerifier   *self);
guint16               op_test_verifier_get_last_port    (OpTestVerifier   *self);

/* Gives @session (any client) a verifier that trusts the CA in @ca_file only, and
 * @timeout_seconds: how a test points a client at the servers of tests/servers. */
void                  op_test_session_trust_ca_file     (gpointer          session,
                                                         const char       *ca_file,
                                                         guint             timeout_seconds);

G_END_DECLS
