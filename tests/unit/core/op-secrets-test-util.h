/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-secrets.h"

G_BEGIN_DECLS

/* What one OpSecrets call came back with; clear it before reusing it. */
typedef struct
{
  gboolean  done;
  gboolean  ok;
  char     *password;
  GError   *error;
} OpTestSecretsOutcome;

void op_test_secrets_outcome_clear (OpTestSecretsOutcome *outcome);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OpTestSecretsOutcome, op_test_secrets_outcome_clear)

/*
 * Start the OpSecrets call and run the thread-default main context until it finishes
 * (failing the test after 30 s), filling in @outcome. They assert nothing about the
 * result: that is up to the caller.
 */
void op_test_secrets_store  (OpSecrets            *secrets,
                             const char           *protocol,
                             const char           *host,
                             guint16               port,
                             const char           *user,
                             const char           *password,
                             GCancellable         *cancellable,
                             OpTestSecretsOutcome *outcome);
void op_test_secrets_lookup (OpSecrets            *secrets,
                             const char           *protocol,
                             const char           *host,
                             guint16               port,
                             const char           *user,
                             GCancellable         *cancellable,
                             OpTestSecretsOutcome *outcome);
void op_test_secrets_clear  (OpSecrets            *secrets,
                             const char           *protocol,
                             const char           *host,
                             guint16               port,
                             const char           *user,
                             GCancellable         *cancellable,
                             OpTestSecretsOutcome *outcome);

G_END_DECLS
