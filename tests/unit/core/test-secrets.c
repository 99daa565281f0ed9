/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

/*
 * OpSecrets with no Secret Service at all: meson runs this test with
 * DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent, so every libsecret call fails to reach
 * a bus. Passwords must still work for the session, and the user must learn why they are
 * not saved.
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include "op-secrets-test-util.h"

static void
store (OpSecrets            *secrets,
       const char           *host,
       guint16               port,
       const char           *password,
       OpTestSecretsOutcome *outcome)
{
  op_test_secrets_store (secrets, "ftp", host, port, "anna", password, NULL, outcome);
}

static void
lookup (OpSecrets            *secrets,
        const char           *host,
        guint16               port,
        OpTestSecretsOutcome *outcome)
{
  op_test_secrets_lookup (secrets, "ftp", host, port, "anna", NULL, outcome);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    data)
{
  guint *count = data;

  (*count)++;
}

static void
test_store_in_memory (void)
{
  g_autoptr(OpSecrets) secrets = op_secrets_new ();
  g_auto(OpTestSecretsOutcome) outcome = { 0 };
  guint persistent_notified = 0;
  guint reason_notified = 0;
  const char *reason;

  g_assert_true (op_secrets_get_persistent (secrets));
  g_assert_null (op_secrets_get_unavailable_reason (secrets));
  g_signal_connect (secrets, "notify::persistent", G_CALLBACK (count_notify),
                    &persistent_notified);
  g_signal_connect (secrets, "notify::unavailable-reason", G_CALLBACK (count_notify),
                    &reason_notified);

  store (secrets, "ftp.example.org", 21, "correct horse", &outcome);
  g_assert_no_error (outcome.error);
  g_assert_true (outcome.ok);

  /* It worked, but the UI must say that the password will not outlive the session. */
  g_assert_false (op_secrets_get_persistent (secrets));
  reason = op_secrets_get_unavailable_reason (secrets);
  g_test_message ("%s", reason);
  g_assert_nonnull (reason);
  g_assert_nonnull (strstr (reason, "no keyring (Secret Service) is running"));
  g_assert_nonnull (strstr (reason, "until you quit"));
  g_assert_cmpuint (persistent_notified, ==, 1);
  g_assert_cmpuint (reason_notified, ==, 1);

  op_test_secrets_outcome_clear (&outcome);
  lookup (secrets, "ftp.example.org", 21, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_cmpstr (outcome.password, ==, "correct horse");

  /* Replacing works too, and the state is announced only once. */
  op_test_secrets_outcome_clear (&outcome);
  store (secrets, "ftp.example.org", 21, "battery staple", &outcome);
  op_test_secrets_outcome_clear (&outcome);
  lookup (secrets, "ftp.example.org", 21, &outcome);
  g_assert_cmpstr (outcome.password, ==, "battery staple");
  g_assert_cmpuint (persistent_notified, ==, 1);
}

static void
test_lookup_unknown (void)
{
  g_autoptr(OpSecrets) secrets = op_secrets_new ();
  g_auto(OpTestSecretsOutcome) outcome = { 0 };

  lookup (secrets, "ftp.example.org", 21, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_true (outcome.ok);
  g_assert_null (outcome.password);
  g_assert_false (op_secrets_get_persistent (secrets));
  g_assert_nonnull (op_secrets_get_unavailable_reason (secrets));
}

static void
test_attributes_distinguish (void)
{
  g_autoptr(OpSecrets) secrets = op_secrets_new ();
  g_auto(OpTestSecretsOutcome) outcome = { 0 };

  store (secrets, "ftp.example.org", 21, "for port 21", &outcome);
  op_test_secrets_outcome_clear (&outcome);
  store (secrets, "ftp.example.org", 2121, "for port 2121", &outcome);

  op_test_secrets_outcome_clear (&outcome);
  lookup (secrets, "ftp.example.org", 21, &outcome);
  g_assert_cmpstr (outcome.password, ==, "for port 21");
  op_test_secrets_outcome_clear (&outcome);
  lookup (secrets, "ftp.example.org", 2121, &outcome);
  g_assert_cmpstr (outcome.password, ==, "for port 2121");
  op_test_secrets_outcome_clear (&outcome);
  lookup (secrets, "ftp.example.com", 21, &outcome);
  g_assert_null (outcome.password);

  /* Another protocol or user on the same server is another password. */
  op_test_secrets_outcome_clear (&outcome);
  op_test_secrets_lookup (secrets, "sftp", "ftp.example.org", 21, "anna", NULL, &outcome);
  g_assert_null (outcome.password);
  op_test_secrets_outcome_clear (&outcome);
  op_test_secrets_lookup (secrets, "ftp", "ftp.example.org", 21, "bob", NULL, &outcome);
  g_assert_null (outcome.password);
}

static void
test_clear (void)
{
  g_autoptr(OpSecrets) secrets = op_secrets_new ();
  g_auto(OpTestSecretsOutcome) outcome = { 0 };

  store (secrets, "ftp.example.org", 21, "to be forgotten", &outcome);
  op_test_secrets_outcome_clear (&outcome);
  op_test_secrets_clear (secrets, "ftp", "ftp.example.org", 21, "anna", NULL, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_true (outcome.ok);

  op_test_secrets_outcome_clear (&outcome);
  lookup (secrets, "ftp.example.org", 21, &outcome);
  g_assert_null (outcome.password);
}

static void
test_cancelled (void)
{
  g_autoptr(OpSecrets) secrets = op_secrets_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(OpTestSecretsOutcome) outcome = { 0 };

  g_cancellable_cancel (cancellable);
  op_test_secrets_store (secrets, "ftp", "ftp.example.org", 21, "anna", "never kept",
                         cancellable, &outcome);
  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  op_test_secrets_outcome_clear (&outcome);
  lookup (secrets, "ftp.example.org", 21, &outcome);
  g_assert_null (outcome.password);
}

static void
test_default_is_shared (void)
{
  g_assert_true (op_secrets_get_default () == op_secrets_get_default ());
  g_assert_true (OP_IS_SECRETS (op_secrets_get_default ()));
}

static void
test_schema (void)
{
  const SecretSchema *schema = op_secrets_get_schema ();

  g_assert_cmpstr (schema->name, ==, "io.github.outpost.Outpost.Password");
  g_assert_cmpstr (schema->attributes[0].name, ==, "protocol");
  g_assert_cmpint (schema->attributes[0].type, ==, SECRET_SCHEMA_ATTRIBUTE_STRING);
  g_assert_cmpstr (schema->attributes[1].name, ==, "host");
  g_assert_cmpint (schema->attributes[1].type, ==, SECRET_SCHEMA_ATTRIBUTE_STRING);
  g_assert_cmpstr (schema->attributes[2].name, ==, "port");
  g_assert_cmpint (schema->attributes[2].type, ==, SECRET_SCHEMA_ATTRIBUTE_INTEGER);
  g_assert_cmpstr (schema->attributes[3].name, ==, "user");
  g_assert_cmpint (schema->attributes[3].type, ==, SECRET_SCHEMA_ATTRIBUTE_STRING);
  /* The account or site id (op_secrets_*_for_account). */
  g_assert_cmpstr (schema->attributes[4].name, ==, "account");
  g_assert_cmpint (schema->attributes[4].type, ==, SECRET_SCHEMA_ATTRIBUTE_STRING);
  g_assert_null (schema->attributes[5].name);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/secrets/schema/has-the-design-attributes", test_schema);
  g_test_add_func ("/secrets/without-service/store-keeps-password-for-the-session",
                   test_store_in_memory);
  g_test_add_func ("/secrets/without-service/lookup-of-unknown-is-empty",
                   test_lookup_unknown);
  g_test_add_func ("/secrets/without-service/attributes-tell-passwords-apart",
                   test_attributes_distinguish);
  g_test_add_func ("/secrets/without-service/clear-forgets", test_clear);
  g_test_add_func ("/secrets/without-service/cancelled-store-keeps-nothing",
                   test_cancelled);
  g_test_add_func ("/secrets/default-is-one-object", test_default_is_shared);

  return g_test_run ();
}
