/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-key-files"

#include "config.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "op-account.h"
#include "op-accounts.h"
#include "op-trust-store.h"

/*
 * The files the app reads at start: the accounts file (op-accounts.h) and the trusted
 * certificates file (op-trust-store.h), as a damaged disk or a hand edit leaves them.
 * The first byte picks the file (even: accounts, odd: trust), the rest is its content,
 * written to a scratch folder and loaded. Besides "no crash":
 *
 * - accounts: a file that loads saves again, and the saved file loads to every account
 *   the first load had, the same (id, kind, name, host, port, user, security, the
 *   plaintext opt-in); a
 *   file that does not load says why (OP_ACCOUNTS_ERROR, G_KEY_FILE_ERROR or
 *   G_FILE_ERROR) and a save then refuses to overwrite it;
 * - trust: every host:port group answers get_pinned and is_pinned; pinning a
 *   certificate either works, and a new store reading the file then trusts it and
 *   still has every certificate the old one had, or is refused with OP_TRUST_ERROR.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* tests/data/tls/other.pem */
static const char certificate_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIDlTCCAn2gAwIBAgIUbB1/I3d1oGJry6Cp9fVM406o5E4wDQYJKoZIhvcNAQEL\n"
  "BQAwMjEWMBQGA1UECgwNT3V0cG9zdCBUZXN0czEYMBYGA1UEAwwPT3V0cG9zdCBU\n"
  "ZXN0IENBMCAXDTI2MTEyMjAxMTUyOFoYDzIxMjYxMDI5MDExNTI4WjA0MRYwFAYD\n"
  "VQQKDA1PdXRwb3N0IFRlc3RzMRowGAYDVQQDDBFsb2NhbGhvc3QgKG90aGVyKTCC\n"
  "ASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALdbgFS9SQZUpVGi1yTtzUOx\n"
  "mLTNU/LZMCLXHV2jtsLfDtvoVhpLVvougxhLyyTzno1iUBnw7UhQVS27Tcg9hNlb\n"
  "h2JZ6W9pHyYF2Ej6uJc/K3yDrFP0+RpqW9E7JJKUCo4oYglR2jofJDqDCYn3SyxJ\n"
  "4/R12eCt49h/pgRoBksKa847Ep408Fx5sevO7QebVTHbXXLHItLdEr+DD0RqTn6B\n"
  "OX/FFkkOlpxbZU2EEg/1UEk89F6aSPtR3PwlT4eH5+U4n2eq7qJ5TLw2Yj8PUOCJ\n"
  "BO5u4LSdLsdcPzB2dzb6DgBP5IiU2eaAG+RZ2hlnQG8DGgdhBniCVzYpguU13l8C\n"
  "AwEAAaOBnjCBmzAsBgNVHREEJTAjgglsb2NhbGhvc3SHBH8AAAGHEAAAAAAAAAAA\n"
  "AAAAAAAAAAEwCQYDVR0TBAIwADALBgNVHQ8EBAMCBaAwEwYDVR0lBAwwCgYIKwYB\n"
  "BQUHAwEwHQYDVR0OBBYEFAfkNqptT8EaGwM6qBaOeVt45C5mMB8GA1UdIwQYMBaA\n"
  "FHbliDN4ls2didAdOt/O5icnIy5fMA0GCSqGSIb3DQEBCwUAA4IBAQCq/E0cG1QU\n"
  "mWuEdJNla6pZbFOQcQXnnB7251DgP0g6e7ysPICltwU/I71+EOs9KM0rYQ6yPRrC\n"
  "MkLHDG052Jq11Mf3goKWSZEO8hfK4mTVTbBInI0lkjFMO8DYTFhQ0ZdFQo36+Dpm\n"
  "2Otl3OYOTOrFWLr9hO7yMsfwu734wxcKjdc5tEOPIX3l9Glrjn3dRavm5GQ4eRh0\n"
  "6j6UsUu+OzGKmRzgIqMwp9j8zAxZJ995MNThKECikMuar5HAExRKql4hhSMbSJ3s\n"
  "BrVQ4LHnlW08N5K9a/7GxC/dR7T9jqF8ZV2unH1wCVMXBiZK7izBBHeKkEXnKNlC\n"
  "Y8gRMLUgSz45\n"
  "-----END CERTIFICATE-----\n";

static char *
scratch_path (const char *name)
{
  static char *folder;

  if (folder == NULL)
    {
      folder = g_build_filename (g_get_tmp_dir (), "outpost-fuzz-key-files-XXXXXX", NULL);
      g_assert (g_mkdtemp (folder) != NULL);
    }
  return g_build_filename (folder, name, NULL);
}

static void
check_same_account (OpAccount *a,
                    OpAccount *b)
{
  g_assert (g_strcmp0 (op_account_get_id (a), op_account_get_id (b)) == 0);
  g_assert (op_account_get_kind (a) == op_account_get_kind (b));
  g_assert (g_strcmp0 (op_account_get_name (a), op_account_get_name (b)) == 0);
  g_assert (g_strcmp0 (op_account_get_host (a), op_account_get_host (b)) == 0);
  g_assert (op_account_get_port (a) == op_account_get_port (b));
  g_assert (g_strcmp0 (op_account_get_user (a), op_account_get_user (b)) == 0);
  g_assert (op_account_get_security (a) == op_account_get_security (b));
  g_assert (op_account_get_allow_plaintext_password (a) ==
            op_account_get_allow_plaintext_password (b));
}

static void
fuzz_accounts (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(OpAccounts) accounts = op_accounts_new (file);
  g_autoptr(OpAccounts) again = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  if (!op_accounts_load (accounts, &error))
    {
      g_assert (error != NULL && error->message[0] != '\0');
      g_assert (error->domain == OP_ACCOUNTS_ERROR || error->domain == G_KEY_FILE_ERROR ||
                error->domain == G_FILE_ERROR);
      g_clear_error (&error);
      g_assert (!op_accounts_save (accounts, &error));
      g_assert (error != NULL);
      return;
    }
  n = g_list_model_get_n_items (G_LIST_MODEL (accounts));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OpAccount) account = g_list_model_get_item (G_LIST_MODEL (accounts), i);

      g_assert (g_utf8_validate (op_account_get_id (account), -1, NULL));
      g_assert (g_utf8_validate (op_account_get_name (account), -1, NULL));
      g_assert (g_utf8_validate (op_account_get_host (account), -1, NULL));
      g_assert (g_utf8_validate (op_account_get_user (account), -1, NULL));
      g_assert (op_accounts_lookup (accounts, op_account_get_id (account)) == account);
    }
  if (!op_accounts_save (accounts, &error))
    g_error ("a file that loaded does not save: %s", error->message);

  again = op_accounts_new (file);
  if (!op_accounts_load (again, &error))
    g_error ("a saved file does not load: %s", error->message);
  /* Every account again, the same. A group the first load ignored is kept as it was,
   * and GKeyFile may write it back readable (a value "mail\r" followed by a NUL byte in
   * its line is written as "mail" and a CRLF): more accounts are no loss. */
  g_assert (g_list_model_get_n_items (G_LIST_MODEL (again)) >= n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OpAccount) a = g_list_model_get_item (G_LIST_MODEL (accounts), i);
      OpAccount *b = op_accounts_lookup (again, op_account_get_id (a));

      g_assert (b != NULL);
      check_same_account (a, b);
    }
}

/* "host:port" (the port after the last colon) of a trust file's group; FALSE for the
 * header and anything else. */
static gboolean
split_group (const char  *group,
             char       **host,
             guint16     *port)
{
  const char *colon = strrchr (group, ':');
  guint64 value;

  if (colon == NULL || colon == group ||
      !g_ascii_string_to_unsigned (colon + 1, 10, 0, G_MAXUINT16, &value, NULL))
    return FALSE;
  *host = g_strndup (group, colon - group);
  *port = (guint16) value;
  return TRUE;
}

static void
fuzz_trust (const char *path,
            const char *content,
            gsize       length)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(OpTrustStore) store = op_trust_store_new (file);
  g_autoptr(OpTrustStore) again = NULL;
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autoptr(GTlsCertificate) ours = g_tls_certificate_new_from_pem (certificate_pem, -1,
                                                                     NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func (g_object_unref);

  g_assert (ours != NULL);
  if (g_key_file_load_from_data (keys, content, length, G_KEY_FILE_NONE, NULL))
    groups = g_key_file_get_groups (keys, NULL);
  for (char **group = groups; group != NULL && *group != NULL; group++)
    {
      g_autofree char *host = NULL;
      g_autoptr(GTlsCertificate) pinned = NULL;
      guint16 port;

      if (!split_group (*group, &host, &port))
        continue;
      pinned = op_trust_store_get_pinned (store, host, port);
      if (pinned != NULL)
        (void) op_trust_store_is_pinned (store, host, port, pinned);
      (void) op_trust_store_is_pinned (store, host, port, ours);
    }

  if (!op_trust_store_pin (store, "fuzz.example.test", 990, ours, &error))
    {
      g_assert (error != NULL && error->domain == OP_TRUST_ERROR);
      g_assert (error->message[0] != '\0');
      return;
    }
  g_assert (op_trust_store_is_pinned (store, "fuzz.example.test", 990, ours));

  /* What the next start reads: ours, and every certificate the file had. */
  again = op_trust_store_new (file);
  g_assert (op_trust_store_is_pinned (again, "fuzz.example.test", 990, ours));
  for (char **group = groups; group != NULL && *group != NULL; group++)
    {
      g_autofree char *host = NULL;
      g_autoptr(GTlsCertificate) old = NULL;
      g_autoptr(GTlsCertificate) now = NULL;
      guint16 port;

      if (!split_group (*group, &host, &port) ||
          (g_strcmp0 (host, "fuzz.example.test") == 0 && port == 990))
        continue;
      old = op_trust_store_get_pinned (store, host, port);
      now = op_trust_store_get_pinned (again, host, port);
      g_assert ((old == NULL) == (now == NULL));
      if (old != NULL)
        g_assert (g_tls_certificate_is_same (old, now));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  gboolean accounts;

  if (size == 0)
    return 0;
  accounts = (data[0] & 1) == 0;
  path = scratch_path (accounts ? "accounts.ini" : "trust.ini");
  if (!g_file_set_contents (path, (const char *) data + 1, size - 1, &error))
    g_error ("%s", error->message);
  if (accounts)
    fuzz_accounts (path);
  else
    fuzz_trust (path, (const char *) data + 1, size - 1);
  g_unlink (path);
  return 0;
}
