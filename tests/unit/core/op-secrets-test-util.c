/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include <string.h>

#include "op-secrets-test-util.h"
#include "op-test-util.h"

void
op_test_secrets_outcome_clear (OpTestSecretsOutcome *outcome)
{
  op_secrets_password_free (outcome->password);
  g_clear_error (&outcome->error);
  memset (outcome, 0, sizeof *outcome);
}

static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  OpTestSecretsOutcome *outcome = data;

  outcome->ok = op_secrets_store_finish (OP_SECRETS (source), result, &outcome->error);
  outcome->done = TRUE;
}

static void
on_looked_up (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  OpTestSecretsOutcome *outcome = data;

  outcome->password = op_secrets_lookup_finish (OP_SECRETS (source), result,
                                                &outcome->error);
  outcome->ok = outcome->error == NULL;
  outcome->done = TRUE;
}

static void
on_cleared (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  OpTestSecretsOutcome *outcome = data;

  outcome->ok = op_secrets_clear_finish (OP_SECRETS (source), result, &outcome->error);
  outcome->done = TRUE;
}

void
op_test_secrets_store (OpSecrets            *secrets,
                       const char           *protocol,
                       const char           *host,
                       guint16               port,
                       const char           *user,
                       const char           *password,
                       GCancellable         *cancellable,
                       OpTestSecretsOutcome *outcome)
{
  op_secrets_store_async (secrets, protocol, host, port, user, password, cancellable,
                          on_stored, outcome);
  g_assert_true (op_test_wait_for (&outcome->done, 30000));
}

void
op_test_secrets_lookup (OpSecrets            *secrets,
                        const char           *protocol,
                        const char           *host,
                        guint16               port,
                        const char           *user,
                        GCancellable         *cancellable,
                        OpTestSecretsOutcome *outcome)
{
  op_secrets_lookup_async (secrets, protocol, host, port, user, cancellable, on_looked_up,
                           outcome);
  g_assert_true (op_test_wait_for (&outcome->done, 30000));
}

void
op_test_secrets_clear (OpSecrets            *secrets,
                       const char           *protocol,
                       const char           *host,
                       guint16               port,
                       const char           *user,
                       GCancellable         *cancellable,
                       OpTestSecretsOutcome *outcome)
{
  op_secrets_clear_async (secrets, protocol, host, port, user, cancellable, on_cleared,
                          outcome);
  g_assert_true (op_test_wait_for (&outcome->done, 30000));
}
