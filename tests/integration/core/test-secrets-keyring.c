/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

/*
 * OpSecrets against a real Secret Service: run-with-keyring.sh starts gnome-keyring-daemon
 * in a private D-Bus session and a throwaway home, then runs this program.
 *
 * With --file-backend the same tests run against libsecret's file backend instead, the
 * one a Flatpak sandbox uses (keyed there through the Secret portal): no D-Bus session at
 * all (the bus address leads nowhere), the keyring a file in a throwaway folder.
 */

#include "config.h"

#include <locale.h>

#include <glib/gstdio.h>

#include "op-accounts.h"
#include "op-profile.h"
#include "op-secrets-test-util.h"
#include "op-test-util.h"

static void
store (OpSecrets  *secrets,
       const char *user,
       const char *password)
{
  g_auto(OpTestSecretsOutcome) outcome = { 0 };

  op_test_secrets_store (secrets, "ftp", "ftp.example.org", 2121, user, password, NULL,
                         &outcome);
  g_assert_no_error (outcome.error);
  g_assert_true (outcome.ok);
}

static char *
lookup (OpSecrets  *secrets,
        const char *user)
{
  g_auto(OpTestSecretsOutcome) outcome = { 0 };

  op_test_secrets_lookup (secrets, "ftp", "ftp.example.org", 2121, user, NULL, &outcome);
  g_assert_no_error (outcome.error);

  return g_steal_pointer (&outcome.password);
}

static void
clear (OpSecrets  *secrets,
       const char *user)
{
  g_auto(OpTestSecretsOutcome) outcome = { 0 };

  op_test_secrets_clear (secrets, "ftp", "ftp.example.org", 2121, user, NULL, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_true (outcome.ok);
}

/* Straight from the Secret Service, bypassing OpSecrets: proves the password is in the
 * keyring under the schema and attributes of DESIGN.md, not in some object's memory. */
static gboolean file_backend;

static char *
lookup_in_keyring (const char *user)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(SecretValue) value = NULL;
  GList *items;

  attributes = secret_attributes_build (op_secrets_get_schema (),
                                        "protocol", "ftp",
                                        "host", "ftp.example.org",
                                        "port", 2121,
                                        "user", user,
                                        NULL);
  if (file_backend)
    {
      char *password = secret_password_lookupv_sync (op_secrets_get_schema (), attributes,
                                                     NULL, &error);

      g_assert_no_error (error);
      return password;
    }
  /* Searching, not secret_password_lookup_sync(): see op_secrets_lookup_async(). */
  items = secret_service_search_sync (NULL, op_secrets_get_schema (), attributes,
                                      SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS,
                                      NULL, &error);
  g_assert_no_error (error);
  if (items == NULL)
    return NULL;

  value = secret_item_get_secret (items->data);
  g_list_free_full (items, g_object_unref);
  g_assert_nonnull (value);

  return g_strdup (secret_value_get_text (value));
}

static gboolean
skip_without_keyring (void)
{
  if (g_getenv ("OUTPOST_TEST_KEYRING_HOME") != NULL)
    return FALSE;

  g_test_skip ("No test keyring: run this test through `meson test` (it starts "
               "gnome-keyring-daemon through run-with-keyring.sh)");
  return TRUE;
}

static void
test_store_lookup_clear (void)
{
  g_autoptr(OpSecrets) secrets = NULL;
  g_autoptr(OpSecrets) fresh = NULL;
  g_autofree char *found = NULL;
  g_autofree char *in_keyring = NULL;
  g_autofree char *after_clear = NULL;
  g_autofree char *in_keyring_after_clear = NULL;

  if (skip_without_keyring ())
    return;

  secrets = op_secrets_new ();
  store (secrets, "anna", "correct horse battery");
  g_assert_true (op_secrets_get_persistent (secrets));
  g_assert_null (op_secrets_get_unavailable_reason (secrets));

  /* A new object has no session memory: what it finds came from the keyring. */
  fresh = op_secrets_new ();
  found = lookup (fresh, "anna");
  g_assert_cmpstr (found, ==, "correct horse battery");
  in_keyring = lookup_in_keyring ("anna");
  g_assert_cmpstr (in_keyring, ==, "correct horse battery");

  clear (secrets, "anna");
  after_clear = lookup (fresh, "anna");
  g_assert_null (after_clear);
  in_keyring_after_clear = lookup_in_keyring ("anna");
  g_assert_null (in_keyring_after_clear);
  g_assert_true (op_secrets_get_persistent (secrets));
  g_assert_true (op_secrets_get_persistent (fresh));
}

static void
test_replace_and_distinguish (void)
{
  g_autoptr(OpSecrets) secrets = NULL;
  g_autofree char *anna = NULL;
  g_autofree char *bob = NULL;

  if (skip_without_keyring ())
    return;

  secrets = op_secrets_new ();
  store (secrets, "anna", "first");
  store (secrets, "anna", "second");
  store (secrets, "bob", "bob's");

  anna = lookup_in_keyring ("anna");
  bob = lookup_in_keyring ("bob");
  g_assert_cmpstr (anna, ==, "second");
  g_assert_cmpstr (bob, ==, "bob's");

  clear (secrets, "anna");
  clear (secrets, "bob");
}

static void
test_nothing_in_plain_text (void)
{
  /* Distinctive, so a hit cannot be a coincidence. */
  const char *password = "Zq7-keyring-only-81c2e4";
  g_autoptr(OpSecrets) secrets = NULL;
  g_autoptr(OpAccounts) accounts = NULL;
  g_autoptr(OpAccount) site = NULL;
  g_autoptr(GError) error = NULL;
  const char *roots[] = {
    g_getenv ("OUTPOST_TEST_KEYRING_HOME"),
    g_get_user_config_dir (),
    g_get_user_data_dir (),
    g_get_user_cache_dir (),
    g_get_home_dir (),
  };
  guint files_read = 0;

  if (skip_without_keyring ())
    return;

  secrets = op_secrets_new ();
  accounts = op_accounts_new_default ();
  g_assert_true (op_accounts_load (accounts, &error));
  site = op_account_new (OP_ACCOUNT_KIND_FTP, NULL);
  op_account_set_host (site, "ftp.example.org");
  op_account_set_port (site, 2121);
  op_account_set_user (site, "carol");
  op_accounts_add (accounts, site);
  g_assert_true (op_accounts_save (accounts, &error));
  g_assert_no_error (error);
  store (secrets, "carol", password);

  /* The keyring is encrypted on disk; the accounts file holds no secret at all. */
  for (gsize i = 0; i < G_N_ELEMENTS (roots); i++)
    g_assert_false (op_test_tree_contains (roots[i], password, &files_read));
  /* accounts.ini and login.keyring (or the file backend's keyring) at least */
  g_assert_cmpuint (files_read, >=, 2);

  clear (secrets, "carol");
}

static void
on_result (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
store_for (OpSecrets  *secrets,
           const char *account,
           const char *password)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  op_secrets_store_for_account_async (secrets, account, "ftp", "ftp.example.org", 2121, "dave",
                                      password, NULL, on_result, &result);
  g_assert_true (op_secrets_store_finish (secrets, wait_result (&result), &error));
  g_assert_no_error (error);
}

static char *
lookup_for (OpSecrets  *secrets,
            const char *account)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *password;

  op_secrets_lookup_for_account_async (secrets, account, "ftp", "ftp.example.org", 2121, "dave",
                                       NULL, on_result, &result);
  password = op_secrets_lookup_finish (secrets, wait_result (&result), &error);
  g_assert_no_error (error);
  return password;
}

static void
clear_for (OpSecrets  *secrets,
           const char *account)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  op_secrets_clear_for_account_async (secrets, account, "ftp", "ftp.example.org", 2121, "dave",
                                      NULL, on_result, &result);
  g_assert_true (op_secrets_clear_finish (secrets, wait_result (&result), &error));
  g_assert_no_error (error);
}

/* Two sites with the same server and user (a duplicated site) keep a password each in
 * the keyring; forgetting one leaves the other; a password stored the old way (no
 * account) is read by a site without one of its own, and outlives forgetting a site. */
static void
test_per_account (void)
{
  g_autoptr(OpSecrets) secrets = NULL;
  g_autoptr(OpSecrets) fresh = NULL;
  char *found;

  if (skip_without_keyring ())
    return;

  secrets = op_secrets_new ();
  fresh = op_secrets_new ();  /* no session memory: answers come from the keyring */

  /* Kept the old way (before passwords were per site): every site of that server and
   * user without a password of its own reads it. */
  store (secrets, "dave", "the old way");
  found = lookup_for (fresh, "site-a");
  g_assert_cmpstr (found, ==, "the old way");
  op_secrets_password_free (found);

  store_for (secrets, "site-a", "for a");
  store_for (secrets, "site-b", "for b");
  g_assert_true (op_secrets_get_persistent (secrets));
  found = lookup_for (fresh, "site-a");
  g_assert_cmpstr (found, ==, "for a");
  op_secrets_password_free (found);
  found = lookup_for (fresh, "site-b");
  g_assert_cmpstr (found, ==, "for b");
  op_secrets_password_free (found);

  /* Forgetting one site's leaves its twin's, and the old one. */
  clear_for (secrets, "site-b");
  found = lookup_for (fresh, "site-a");
  g_assert_cmpstr (found, ==, "for a");
  op_secrets_password_free (found);
  clear_for (secrets, "site-a");
  found = lookup_in_keyring ("dave");
  g_assert_cmpstr (found, ==, "the old way");
  g_free (found);

  clear (secrets, "dave");
  g_assert_null (lookup_for (fresh, "site-b"));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *keyring_home = NULL;

  setlocale (LC_ALL, "C.UTF-8");
  if (argc > 1 && g_str_equal (argv[argc - 1], "--file-backend"))
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;

      argv[--argc] = NULL;
      file_backend = TRUE;
      keyring_home = g_dir_make_tmp ("outpost-file-keyring-XXXXXX", &error);
      g_assert_no_error (error);
      path = g_build_filename (keyring_home, "keyring", NULL);
      g_setenv ("SECRET_BACKEND", "file", TRUE);
      g_setenv ("SECRET_FILE_TEST_PATH", path, TRUE);
      g_setenv ("SECRET_FILE_TEST_PASSWORD", "throwaway file keyring", TRUE);
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/outpost-no-bus", TRUE);
      g_setenv ("OUTPOST_TEST_KEYRING_HOME", keyring_home, TRUE);
    }
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/secrets/keyring/store-lookup-clear", test_store_lookup_clear);
  g_test_add_func ("/secrets/keyring/replaces-and-tells-users-apart",
                   test_replace_and_distinguish);
  g_test_add_func ("/secrets/keyring/kept-per-account", test_per_account);
  g_test_add_func ("/secrets/keyring/password-never-on-disk-in-plain-text",
                   test_nothing_in_plain_text);

  {
    int status = g_test_run ();

    if (keyring_home != NULL)
      {
        g_autoptr(GDir) dir = g_dir_open (keyring_home, 0, NULL);
        const char *name;

        /* The keyring file, and its lock. */
        while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
          {
            g_autofree char *path = g_build_filename (keyring_home, name, NULL);

            g_unlink (path);
          }
        g_assert_cmpint (g_rmdir (keyring_home), ==, 0);
      }
    return status;
  }
}
