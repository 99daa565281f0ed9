/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

/* Files sites over OpAccount: typed accessors, saving, duplicates, ftp:// and ftps://
 * URIs, passwords (never for "ask"), and the recent connections list. */

#include "config.h"

#include <locale.h>
#include <string.h>

#include "op-accounts.h"
#include "op-ftp-recents.h"
#include "op-ftp-site.h"
#include "op-profile.h"
#include "op-secrets.h"
#include "op-test-util.h"

static char *
read_path (const char *path)
{
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  return contents;
}

static void
test_defaults (void)
{
  g_autoptr(OpAccount) site = op_ftp_site_new ();

  g_assert_true (op_ftp_site_is_site (site));
  /* Security by default: TLS required, never a silent plaintext session. */
  g_assert_cmpint (op_ftp_site_get_protocol (site), ==, OP_SECURITY_STARTTLS);
  g_assert_cmpint (op_ftp_site_get_logon_type (site), ==, OP_FTP_LOGON_NORMAL);
  g_assert_cmpint (op_ftp_site_get_data_mode (site), ==, OP_FTP_DATA_PASSIVE);
  g_assert_cmpint (op_ftp_site_get_transfer_type (site), ==, OP_FTP_TRANSFER_TYPE_AUTO);
  g_assert_cmpuint (op_ftp_site_get_max_connections (site), ==, 2);
  g_assert_null (op_ftp_site_get_charset (site));
  g_assert_null (op_ftp_site_get_local_dir (site));
  g_assert_null (op_ftp_site_get_remote_dir (site));
  g_assert_cmpuint (op_ftp_site_get_effective_port (site), ==, 21);
  op_ftp_site_set_protocol (site, OP_SECURITY_IMPLICIT_TLS);
  g_assert_cmpuint (op_ftp_site_get_effective_port (site), ==, 990);
  op_account_set_port (site, 2121);
  g_assert_cmpuint (op_ftp_site_get_effective_port (site), ==, 2121);
  g_assert_cmpstr (op_ftp_site_get_login_user (site), ==, "anonymous");
}

static void
test_accessors_round_trip (void)
{
  g_autofree char *dir = op_profile_config_dir ();
  g_autofree char *path = g_build_filename (dir, "accounts.ini", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(OpAccounts) accounts = op_accounts_new (file);
  g_autoptr(OpAccounts) reloaded = op_accounts_new (file);
  g_autoptr(OpAccount) site = op_ftp_site_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  OpAccount *back;

  op_account_set_name (site, "Mirror");
  op_account_set_host (site, "ftp.example.org");
  op_account_set_port (site, 2121);
  op_account_set_user (site, "anna");
  op_ftp_site_set_protocol (site, OP_SECURITY_NONE);
  op_ftp_site_set_logon_type (site, OP_FTP_LOGON_ASK);
  op_ftp_site_set_local_dir (site, "/home/anna/Mirror");
  op_ftp_site_set_remote_dir (site, "/pub/mirror");
  op_ftp_site_set_charset (site, "ISO-8859-1");
  op_ftp_site_set_data_mode (site, OP_FTP_DATA_ACTIVE);
  op_ftp_site_set_transfer_type (site, OP_FTP_TRANSFER_TYPE_ASCII);
  op_ftp_site_set_max_connections (site, 5);
  id = g_strdup (op_account_get_id (site));

  op_accounts_add (accounts, site);
  g_assert_true (op_accounts_save (accounts, &error));
  g_assert_no_error (error);
  g_assert_true (op_accounts_load (reloaded, &error));
  g_assert_no_error (error);

  back = op_accounts_lookup (reloaded, id);
  g_assert_nonnull (back);
  g_assert_true (op_ftp_site_is_site (back));
  g_assert_cmpstr (op_account_get_host (back), ==, "ftp.example.org");
  g_assert_cmpint (op_ftp_site_get_protocol (back), ==, OP_SECURITY_NONE);
  g_assert_cmpint (op_ftp_site_get_logon_type (back), ==, OP_FTP_LOGON_ASK);
  g_assert_cmpstr (op_ftp_site_get_local_dir (back), ==, "/home/anna/Mirror");
  g_assert_cmpstr (op_ftp_site_get_remote_dir (back), ==, "/pub/mirror");
  g_assert_cmpstr (op_ftp_site_get_charset (back), ==, "ISO-8859-1");
  g_assert_cmpint (op_ftp_site_get_data_mode (back), ==, OP_FTP_DATA_ACTIVE);
  g_assert_cmpint (op_ftp_site_get_transfer_type (back), ==, OP_FTP_TRANSFER_TYPE_ASCII);
  g_assert_cmpuint (op_ftp_site_get_max_connections (back), ==, 5);
  g_assert_cmpstr (op_ftp_site_get_login_user (back), ==, "anna");

  /* Clearing a folder or the charset removes the key rather than saving "". */
  op_ftp_site_set_charset (back, "");
  g_assert_null (op_ftp_site_get_charset (back));
  g_assert_null (op_account_get_extra (back, "charset"));

  /* Out of range connection counts are clamped, garbage falls back to the default. */
  op_ftp_site_set_max_connections (back, 0);
  g_assert_cmpuint (op_ftp_site_get_max_connections (back), ==, 1);
  op_ftp_site_set_max_connections (back, 99);
  g_assert_cmpuint (op_ftp_site_get_max_connections (back), ==, 10);
  op_account_set_extra (back, "max-connections", "many");
  g_assert_cmpuint (op_ftp_site_get_max_connections (back), ==, 2);
  op_account_set_extra (back, "logon-type", "telepathy");
  g_assert_cmpint (op_ftp_site_get_logon_type (back), ==, OP_FTP_LOGON_NORMAL);
}

static void
test_duplicate (void)
{
  g_autoptr(OpAccount) site = op_ftp_site_new ();
  g_autoptr(OpAccount) copy = NULL;

  op_account_set_name (site, "Mirror");
  op_account_set_host (site, "ftp.example.org");
  op_account_set_user (site, "anna");
  op_account_set_allow_plaintext_password (site, TRUE);
  op_ftp_site_set_protocol (site, OP_SECURITY_NONE);
  op_ftp_site_set_remote_dir (site, "/pub");
  op_ftp_site_set_max_connections (site, 4);

  copy = op_ftp_site_duplicate (site);
  g_assert_cmpstr (op_account_get_id (copy), !=, op_account_get_id (site));
  g_assert_cmpstr (op_account_get_name (copy), ==, "Mirror (copy)");
  g_assert_cmpstr (op_account_get_host (copy), ==, "ftp.example.org");
  g_assert_cmpstr (op_account_get_user (copy), ==, "anna");
  g_assert_true (op_account_get_allow_plaintext_password (copy));
  g_assert_cmpint (op_ftp_site_get_protocol (copy), ==, OP_SECURITY_NONE);
  g_assert_cmpstr (op_ftp_site_get_remote_dir (copy), ==, "/pub");
  g_assert_cmpuint (op_ftp_site_get_max_connections (copy), ==, 4);

  /* They are independent afterwards. */
  op_ftp_site_set_remote_dir (copy, "/incoming");
  g_assert_cmpstr (op_ftp_site_get_remote_dir (site), ==, "/pub");
}

static void
test_uri_ftp (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *password = NULL;
  g_autoptr(OpAccount) site = NULL;

  site = op_ftp_site_new_from_uri ("ftp://anna@ftp.example.org:2121/pub/some%20dir/",
                                   &path, &password, &error);
  g_assert_no_error (error);
  g_assert_nonnull (site);
  g_assert_cmpstr (op_account_get_host (site), ==, "ftp.example.org");
  g_assert_cmpstr (op_account_get_name (site), ==, "ftp.example.org");
  g_assert_cmpuint (op_account_get_port (site), ==, 2121);
  g_assert_cmpstr (op_account_get_user (site), ==, "anna");
  g_assert_cmpint (op_ftp_site_get_logon_type (site), ==, OP_FTP_LOGON_NORMAL);
  /* ftp:// still requires TLS (AUTH TLS): plain FTP is only ever an explicit choice. */
  g_assert_cmpint (op_ftp_site_get_protocol (site), ==, OP_SECURITY_STARTTLS);
  g_assert_cmpstr (path, ==, "/pub/some dir/");
  g_assert_null (password);
}

static void
test_uri_ftps (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(OpAccount) site = NULL;

  site = op_ftp_site_new_from_uri ("ftps://files.example.org", &path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (op_ftp_site_get_protocol (site), ==, OP_SECURITY_IMPLICIT_TLS);
  g_assert_cmpuint (op_account_get_port (site), ==, 0);
  g_assert_cmpuint (op_ftp_site_get_effective_port (site), ==, 990);
  g_assert_cmpint (op_ftp_site_get_logon_type (site), ==, OP_FTP_LOGON_ANONYMOUS);
  g_assert_cmpstr (op_ftp_site_get_login_user (site), ==, "anonymous");
  g_assert_cmpstr (path, ==, "/");
}

static void
test_uri_password_not_kept (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  g_autoptr(OpAccount) site = NULL;
  g_auto(GStrv) keys = NULL;
  g_autofree char *uri = NULL;

  site = op_ftp_site_new_from_uri ("ftp://anna:s%3Acret@[::1]:21/a.txt", NULL, &password,
                                   &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, "s:cret");
  g_assert_cmpstr (op_account_get_host (site), ==, "::1");
  keys = op_account_list_extra_keys (site);
  for (guint i = 0; keys[i] != NULL; i++)
    g_assert_null (strstr (op_account_get_extra (site, keys[i]), "cret"));

  /* Copy URL: no password, brackets around IPv6, default port left out. */
  uri = op_ftp_site_to_uri (site, "/a b.txt");
  g_assert_cmpstr (uri, ==, "ftp://anna@[::1]/a%20b.txt");
}

static void
test_uri_to_uri_round_trip (void)
{
  g_autoptr(OpAccount) site = op_ftp_site_new ();
  g_autoptr(OpAccount) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *path = NULL;

  op_account_set_host (site, "ftp.example.org");
  op_account_set_port (site, 990);
  op_account_set_user (site, "user@example.org");
  op_ftp_site_set_protocol (site, OP_SECURITY_IMPLICIT_TLS);
  uri = op_ftp_site_to_uri (site, "/dir/naïve #1.txt");
  g_assert_cmpstr (uri, ==, "ftps://user%40example.org@ftp.example.org/dir/na%C3%AFve%20%231.txt");

  back = op_ftp_site_new_from_uri (uri, &path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (op_account_get_user (back), ==, "user@example.org");
  g_assert_cmpint (op_ftp_site_get_protocol (back), ==, OP_SECURITY_IMPLICIT_TLS);
  g_assert_cmpuint (op_ftp_site_get_effective_port (back), ==, 990);
  g_assert_cmpstr (path, ==, "/dir/naïve #1.txt");
}

static void
test_uri_refused (void)
{
  static const struct { const char *uri; int code; const char *message; } cases[] = {
    { "http://example.org/", OP_FTP_SITE_ERROR_UNSUPPORTED_SCHEME,
      "“http://example.org/” is not an FTP address: only ftp:// and ftps:// can be opened." },
    { "ftp:///pub", OP_FTP_SITE_ERROR_INVALID_URI, "“ftp:///pub” names no server." },
    { "ftp://host/a%0D%0ADELE%20x", OP_FTP_SITE_ERROR_INVALID_URI,
      "The address contains characters that are not allowed." },
    { "ftp://us%00er@host/", OP_FTP_SITE_ERROR_INVALID_URI, NULL },
    { "ftp://host/line\nbreak", OP_FTP_SITE_ERROR_INVALID_URI,
      "The address contains characters that are not allowed." },
    { "ftp://host:99999/", OP_FTP_SITE_ERROR_INVALID_URI, NULL },
    /* A percent-encoded "@", "/" or space in the host (found by fuzz-uri-address): the
     * copied URI would name another server. */
    { "ftp://user%40example.com/", OP_FTP_SITE_ERROR_INVALID_URI,
      "The address contains characters that are not allowed." },
    { "ftp://evil.example%2Fx/", OP_FTP_SITE_ERROR_INVALID_URI,
      "The address contains characters that are not allowed." },
    { "ftp://a%20b/", OP_FTP_SITE_ERROR_INVALID_URI,
      "The address contains characters that are not allowed." },
    { "not a uri", OP_FTP_SITE_ERROR_INVALID_URI, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OpAccount) site = NULL;
      g_autofree char *path = NULL;

      g_test_message ("%s", cases[i].uri);
      site = op_ftp_site_new_from_uri (cases[i].uri, &path, NULL, &error);
      g_assert_null (site);
      g_assert_null (path);
      g_assert_error (error, OP_FTP_SITE_ERROR, cases[i].code);
      if (cases[i].message != NULL)
        g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_transfer_type (void)
{
  g_autoptr(OpAccount) site = op_ftp_site_new ();

  g_assert_true (op_ftp_transfer_type_is_text_name ("index.HTML"));
  g_assert_true (op_ftp_transfer_type_is_text_name ("/src/Makefile"));
  g_assert_false (op_ftp_transfer_type_is_text_name ("photo.jpg"));
  g_assert_false (op_ftp_transfer_type_is_text_name (".txt"));
  g_assert_false (op_ftp_transfer_type_is_text_name ("archive.tar.gz"));

  g_assert_cmpint (op_ftp_site_transfer_flags_for_name (site, "notes.txt"), ==,
                   OP_FTP_TRANSFER_ASCII);
  g_assert_cmpint (op_ftp_site_transfer_flags_for_name (site, "photo.jpg"), ==,
                   OP_FTP_TRANSFER_DEFAULT);
  op_ftp_site_set_transfer_type (site, OP_FTP_TRANSFER_TYPE_BINARY);
  g_assert_cmpint (op_ftp_site_transfer_flags_for_name (site, "notes.txt"), ==,
                   OP_FTP_TRANSFER_DEFAULT);
  op_ftp_site_set_transfer_type (site, OP_FTP_TRANSFER_TYPE_ASCII);
  g_assert_cmpint (op_ftp_site_transfer_flags_for_name (site, "photo.jpg"), ==,
                   OP_FTP_TRANSFER_ASCII);
}

static void
test_new_client (void)
{
  g_autoptr(OpAccount) site = op_ftp_site_new ();
  g_autoptr(OpFtpClient) client = NULL;

  op_account_set_host (site, "ftp.example.org");
  op_ftp_site_set_protocol (site, OP_SECURITY_IMPLICIT_TLS);
  client = op_ftp_site_new_client (site, NULL);
  g_assert_cmpstr (op_ftp_client_get_host (client), ==, "ftp.example.org");
  g_assert_cmpuint (op_ftp_client_get_port (client), ==, 990);
  g_assert_cmpint (op_ftp_client_get_security (client), ==, OP_SECURITY_IMPLICIT_TLS);
  op_ftp_client_shutdown (client);
}

/* Password helpers */

static void
store_result (GObject      *source,
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

static char *
lookup (OpAccount *site,
        OpSecrets *secrets)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *password;

  op_ftp_site_lookup_password_async (site, secrets, NULL, store_result, &result);
  password = op_ftp_site_lookup_password_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  return password;
}

static void
store (OpAccount  *site,
       OpSecrets  *secrets,
       const char *password)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  op_ftp_site_store_password_async (site, secrets, password, NULL, store_result, &result);
  g_assert_true (op_ftp_site_store_password_finish (wait_result (&result), &error));
  g_assert_no_error (error);
}

static void
test_passwords (void)
{
  /* No Secret Service in unit tests (tests/unit/core/meson.build): OpSecrets keeps the
   * password in memory, which is enough to see what the site helpers ask it to do. */
  g_autoptr(OpSecrets) secrets = op_secrets_new ();
  g_autoptr(OpAccount) site = op_ftp_site_new ();
  g_autoptr(OpAccount) same_server = NULL;
  char *password;

  op_account_set_host (site, "ftp.example.org");
  op_account_set_user (site, "anna");

  store (site, secrets, "hunter2");
  password = lookup (site, secrets);
  g_assert_cmpstr (password, ==, "hunter2");
  op_secrets_password_free (password);

  /* A duplicated site (same server, port and user) keeps a password of its own:
   * changing or forgetting one never touches its twin's. */
  same_server = op_ftp_site_duplicate (site);
  g_assert_null (lookup (same_server, secrets));
  store (same_server, secrets, "twin's");
  password = lookup (same_server, secrets);
  g_assert_cmpstr (password, ==, "twin's");
  op_secrets_password_free (password);
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;

    op_ftp_site_forget_password_async (same_server, secrets, NULL, store_result, &result);
    g_assert_true (op_ftp_site_forget_password_finish (wait_result (&result), &error));
    g_assert_no_error (error);
  }
  g_assert_null (lookup (same_server, secrets));
  password = lookup (site, secrets);
  g_assert_cmpstr (password, ==, "hunter2");
  op_secrets_password_free (password);
  store (same_server, secrets, "twin's");
  op_ftp_site_set_logon_type (same_server, OP_FTP_LOGON_ASK);
  store (same_server, secrets, NULL);
  password = lookup (site, secrets);
  g_assert_cmpstr (password, ==, "hunter2");
  op_secrets_password_free (password);

  /* Migration: a password kept the old way (server, port and user only) is read by every
   * site for that server that has none of its own, and forgetting a site leaves it. */
  {
    g_autoptr(OpAccount) old_one = op_ftp_site_new ();
    g_autoptr(OpAccount) old_twin = NULL;
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;

    op_account_set_host (old_one, "old.example.org");
    op_account_set_user (old_one, "anna");
    old_twin = op_ftp_site_duplicate (old_one);
    op_secrets_store_async (secrets, "ftp", "old.example.org", 21, "anna", "kept before",
                            NULL, store_result, &result);
    g_assert_true (op_secrets_store_finish (secrets, wait_result (&result), &error));
    g_assert_no_error (error);
    password = lookup (old_one, secrets);
    g_assert_cmpstr (password, ==, "kept before");
    op_secrets_password_free (password);
    store (old_twin, secrets, "new for the twin");
    g_clear_object (&result);
    op_ftp_site_forget_password_async (old_twin, secrets, NULL, store_result, &result);
    g_assert_true (op_ftp_site_forget_password_finish (wait_result (&result), &error));
    password = lookup (old_one, secrets);
    g_assert_cmpstr (password, ==, "kept before");
    op_secrets_password_free (password);
  }

  /* "Ask" never keeps one: storing clears what was there, lookups find nothing. */
  op_ftp_site_set_logon_type (site, OP_FTP_LOGON_ASK);
  g_assert_null (lookup (site, secrets));
  store (site, secrets, "hunter3");
  op_ftp_site_set_logon_type (site, OP_FTP_LOGON_NORMAL);
  g_assert_null (lookup (site, secrets));

  /* Anonymous sites have none either. */
  op_ftp_site_set_logon_type (site, OP_FTP_LOGON_ANONYMOUS);
  store (site, secrets, "me@example.org");
  g_assert_null (lookup (site, secrets));
}

/* Recent connections */

static void
test_recents (void)
{
  g_autofree char *dir = op_profile_config_dir ();
  g_autofree char *path = g_build_filename (dir, "recent-ftp.ini", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(OpFtpRecents) recents = op_ftp_recents_new (file);
  g_autoptr(OpFtpRecents) reloaded = op_ftp_recents_new (file);
  g_autoptr(GError) error = NULL;
  g_autoptr(OpAccount) first = NULL;
  g_autoptr(OpAccount) last = NULL;
  g_autofree char *contents = NULL;

  g_assert_true (op_ftp_recents_load (recents, &error));  /* no file yet: empty */
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (recents)), ==, 0);

  g_assert_true (op_ftp_recents_add (recents, "a.example.org", 21, "anna",
                                     OP_SECURITY_STARTTLS, &error));
  g_assert_true (op_ftp_recents_add (recents, "b.example.org", 0, NULL,
                                     OP_SECURITY_IMPLICIT_TLS, &error));
  /* Port 0 and 21 are the same connection: moved up, not added twice. */
  g_assert_true (op_ftp_recents_add (recents, "a.example.org", 0, "anna",
                                     OP_SECURITY_STARTTLS, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (recents)), ==, 2);
  first = g_list_model_get_item (G_LIST_MODEL (recents), 0);
  g_assert_cmpstr (op_account_get_host (first), ==, "a.example.org");
  g_assert_cmpstr (op_account_get_name (first), ==, "ftp://anna@a.example.org/");
  g_clear_object (&first);

  /* Bounded: the oldest fall off. */
  for (guint i = 0; i < OP_FTP_RECENTS_MAX + 3; i++)
    {
      g_autofree char *host = g_strdup_printf ("h%u.example.org", i);

      g_assert_true (op_ftp_recents_add (recents, host, 2121, "bob",
                                         OP_SECURITY_NONE, &error));
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (recents)), ==,
                    OP_FTP_RECENTS_MAX);

  g_assert_true (op_ftp_recents_load (reloaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==,
                    OP_FTP_RECENTS_MAX);
  first = g_list_model_get_item (G_LIST_MODEL (reloaded), 0);
  last = g_list_model_get_item (G_LIST_MODEL (reloaded), OP_FTP_RECENTS_MAX - 1);
  g_assert_cmpstr (op_account_get_host (first), ==, "h12.example.org");
  g_assert_cmpuint (op_account_get_port (first), ==, 2121);
  g_assert_cmpstr (op_account_get_user (first), ==, "bob");
  g_assert_cmpint (op_ftp_site_get_protocol (first), ==, OP_SECURITY_NONE);
  g_assert_cmpstr (op_account_get_host (last), ==, "h3.example.org");

  g_assert_true (op_ftp_recents_remove (reloaded, 0, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==,
                    OP_FTP_RECENTS_MAX - 1);
  contents = read_path (path);
  g_assert_null (strstr (contents, "h12.example.org"));
  g_assert_null (strstr (contents, "pass"));

  g_assert_true (op_ftp_recents_clear (reloaded, &error));
  g_assert_true (op_ftp_recents_load (recents, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (recents)), ==, 0);
}

static void
test_recents_broken_file (void)
{
  g_autofree char *dir = op_profile_config_dir ();
  g_autofree char *path = g_build_filename (dir, "recent-ftp.ini", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(OpFtpRecents) recents = op_ftp_recents_new (file);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "[Recent 0\nhost=x\n", -1, NULL));
  g_assert_false (op_ftp_recents_load (recents, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_true (g_str_has_prefix (error->message,
                                   "The list of recent connections could not be read:"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (recents)), ==, 0);
  g_clear_error (&error);

  /* Entries this version cannot use are skipped, the rest kept. */
  g_assert_true (g_file_set_contents (path,
                                      "[Outpost]\nversion=1\n"
                                      "[Recent 0]\nhost=good.example.org\nport=21\n"
                                      "user=anna\nprotocol=explicit-tls\n"
                                      "[Recent 1]\nhost=bad.example.org\nport=21\n"
                                      "protocol=carrier-pigeon\n", -1, NULL));
  g_assert_true (op_ftp_recents_load (recents, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (recents)), ==, 1);
}

/* Site folders: nested, renamed, moved; sites moved in and out; all through a save and
 * a load of the accounts file; a folder that holds anything is not removed; a folder is
 * never moved into itself; a site keeps its id (and so its keyring password) wherever
 * it goes. */
static void
test_folders_round_trip (void)
{
  g_autofree char *dir = op_profile_config_dir ();
  g_autofree char *path = g_build_filename (dir, "accounts.ini", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(OpAccounts) accounts = op_accounts_new (file);
  g_autoptr(OpAccounts) reloaded = op_accounts_new (file);
  g_autoptr(OpSecrets) secrets = op_secrets_new ();
  g_autoptr(OpAccount) site = op_ftp_site_new ();
  g_autoptr(OpAccount) other = op_ftp_site_new ();
  g_autoptr(OpAccount) mail = op_account_new (OP_ACCOUNT_KIND_MAIL, NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) top = NULL;
  g_auto(GStrv) inside = NULL;
  g_autofree char *clients = NULL, *acme = NULL, *empty = NULL;
  g_autofree char *site_id = g_strdup (op_account_get_id (site));
  OpAccount *back;
  char *password;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  op_account_set_name (site, "Acme web");
  op_account_set_host (site, "ftp.acme.example");
  op_account_set_user (site, "anna");
  op_account_set_name (other, "Mirror");
  op_accounts_add (accounts, site);
  op_accounts_add (accounts, other);
  op_accounts_add (accounts, mail);
  store (site, secrets, "hunter2");

  clients = g_strdup (op_accounts_add_folder (accounts, OP_ACCOUNT_KIND_FTP, NULL, "Clients"));
  g_assert_nonnull (clients);
  acme = g_strdup (op_accounts_add_folder (accounts, OP_ACCOUNT_KIND_FTP, clients, "Acme"));
  empty = g_strdup (op_accounts_add_folder (accounts, OP_ACCOUNT_KIND_FTP, NULL, "Archive"));
  g_assert_nonnull (acme);
  /* Folders hold one kind: no mail folder inside a sites folder, no site in a mail one. */
  g_assert_null (op_accounts_add_folder (accounts, OP_ACCOUNT_KIND_MAIL, clients, "Inboxes"));
  g_assert_false (op_accounts_move_account (accounts, mail, clients));
  g_assert_false (op_accounts_move_account (accounts, site, "no-such-folder"));

  g_assert_true (op_accounts_move_account (accounts, site, acme));
  g_assert_cmpstr (op_accounts_get_account_folder (accounts, site), ==, acme);
  g_assert_cmpstr (op_account_get_id (site), ==, site_id);
  g_assert_null (op_accounts_get_account_folder (accounts, other));
  /* Not into itself, nor into what it holds. */
  g_assert_false (op_accounts_move_folder (accounts, clients, clients));
  g_assert_false (op_accounts_move_folder (accounts, clients, acme));
  /* Holding a folder or a site, it stays. */
  g_assert_false (op_accounts_folder_is_empty (accounts, clients));
  g_assert_false (op_accounts_remove_folder (accounts, clients));
  g_assert_false (op_accounts_remove_folder (accounts, acme));
  g_assert_true (op_accounts_folder_is_empty (accounts, empty));
  g_assert_false (op_accounts_rename_folder (accounts, clients, ""));
  g_assert_true (op_accounts_rename_folder (accounts, clients, "Kunden «2026»"));

  g_assert_true (op_accounts_save (accounts, &error));
  g_assert_no_error (error);
  g_assert_true (op_accounts_load (reloaded, &error));
  g_assert_no_error (error);

  top = op_accounts_list_folders (reloaded, OP_ACCOUNT_KIND_FTP, NULL);
  /* Sorted by name. */
  g_assert_cmpuint (g_strv_length (top), ==, 2);
  g_assert_cmpstr (top[0], ==, empty);
  g_assert_cmpstr (top[1], ==, clients);
  g_assert_cmpstr (op_accounts_get_folder_name (reloaded, clients), ==, "Kunden «2026»");
  g_assert_null (op_accounts_get_folder_parent (reloaded, clients));
  inside = op_accounts_list_folders (reloaded, OP_ACCOUNT_KIND_FTP, clients);
  g_assert_cmpuint (g_strv_length (inside), ==, 1);
  g_assert_cmpstr (inside[0], ==, acme);
  g_assert_cmpstr (op_accounts_get_folder_parent (reloaded, acme), ==, clients);
  back = op_accounts_lookup (reloaded, site_id);
  g_assert_nonnull (back);
  g_assert_cmpstr (op_accounts_get_account_folder (reloaded, back), ==, acme);
  g_assert_null (op_accounts_get_account_folder (reloaded, op_accounts_lookup (reloaded, op_account_get_id (other))));
  {
    g_auto(GStrv) mail_folders = op_accounts_list_folders (reloaded, OP_ACCOUNT_KIND_MAIL, NULL);

    g_assert_cmpuint (g_strv_length (mail_folders), ==, 0);
  }
  /* The password is the site's, wherever the site is. */
  password = lookup (back, secrets);
  g_assert_cmpstr (password, ==, "hunter2");
  op_secrets_password_free (password);

  /* Out of the folder, the folders emptied and removed; the file follows. */
  g_assert_true (op_accounts_move_account (reloaded, back, NULL));
  g_assert_true (op_accounts_move_folder (reloaded, acme, empty));
  g_assert_cmpstr (op_accounts_get_folder_parent (reloaded, acme), ==, empty);
  g_assert_true (op_accounts_remove_folder (reloaded, clients));
  g_assert_false (op_accounts_remove_folder (reloaded, empty));
  g_assert_true (op_accounts_remove_folder (reloaded, acme));
  g_assert_true (op_accounts_save (reloaded, &error));
  g_assert_no_error (error);
  g_assert_true (op_accounts_load (accounts, &error));
  g_assert_no_error (error);
  g_clear_pointer (&top, g_strfreev);
  top = op_accounts_list_folders (accounts, OP_ACCOUNT_KIND_FTP, NULL);
  g_assert_cmpuint (g_strv_length (top), ==, 1);
  g_assert_cmpstr (top[0], ==, empty);
  g_assert_null (op_accounts_get_account_folder (accounts, op_accounts_lookup (accounts, site_id)));
  {
    g_autofree char *contents = read_path (path);

    g_assert_null (strstr (contents, clients));
    g_assert_null (strstr (contents, acme));
  }
}

/* A file from before site folders (as the previous version wrote it) loads with every
 * site at the top level and its settings and bookmarks intact; a folder added then is
 * saved beside it. A hand-edited file naming a missing folder, or parents that loop,
 * still shows every site and folder somewhere. */
static void
test_folders_older_file (void)
{
  g_autofree char *dir = op_profile_config_dir ();
  g_autofree char *path = g_build_filename (dir, "accounts.ini", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(OpAccounts) accounts = op_accounts_new (file);
  g_autoptr(OpAccounts) reloaded = op_accounts_new (file);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) top = NULL;
  g_autofree char *folder = NULL;
  OpAccount *site;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path,
    "[Outpost]\n"
    "version=1\n"
    "\n"
    "[Account 6f1c2a50-0d3b-4f2e-9a57-1e2d3c4b5a69]\n"
    "id=6f1c2a50-0d3b-4f2e-9a57-1e2d3c4b5a69\n"
    "kind=ftp\n"
    "name=Mirror\n"
    "host=ftp.example.org\n"
    "port=21\n"
    "user=anna\n"
    "security=starttls\n"
    "allow-plaintext-password=false\n"
    "bookmarks=[('/pub', '/home/anna/pub', '/pub')]\n"
    "logon-type=normal\n"
    "max-connections=4\n"
    "remote-dir=/pub\n", -1, NULL));
  g_assert_true (op_accounts_load (accounts, &error));
  g_assert_no_error (error);
  site = op_accounts_lookup (accounts, "6f1c2a50-0d3b-4f2e-9a57-1e2d3c4b5a69");
  g_assert_nonnull (site);
  g_assert_null (op_accounts_get_account_folder (accounts, site));
  top = op_accounts_list_folders (accounts, OP_ACCOUNT_KIND_FTP, NULL);
  g_assert_cmpuint (g_strv_length (top), ==, 0);
  g_assert_cmpstr (op_ftp_site_get_remote_dir (site), ==, "/pub");
  g_assert_cmpuint (op_ftp_site_get_max_connections (site), ==, 4);

  folder = g_strdup (op_accounts_add_folder (accounts, OP_ACCOUNT_KIND_FTP, NULL, "Work"));
  g_assert_true (op_accounts_move_account (accounts, site, folder));
  g_assert_true (op_accounts_save (accounts, &error));
  g_assert_no_error (error);
  g_assert_true (op_accounts_load (reloaded, &error));
  g_assert_no_error (error);
  site = op_accounts_lookup (reloaded, "6f1c2a50-0d3b-4f2e-9a57-1e2d3c4b5a69");
  g_assert_cmpstr (op_accounts_get_account_folder (reloaded, site), ==, folder);
  g_assert_cmpstr (op_account_get_extra (site, "bookmarks"), ==, "[('/pub', '/home/anna/pub', '/pub')]");

  /* Hand-edited: a site in a folder that is not there; two folders each other's parent. */
  g_assert_true (g_file_set_contents (path,
    "[Outpost]\nversion=1\n"
    "[Account a1]\nid=a1\nkind=ftp\nname=Lost\nhost=h\nfolder=gone\n"
    "[Folder f1]\nid=f1\nkind=ftp\nname=One\nparent=f2\n"
    "[Folder f2]\nid=f2\nkind=ftp\nname=Two\nparent=f1\n"
    "[Folder f3]\nid=f3\nkind=carrier-pigeon\nname=Three\n", -1, NULL));
  g_assert_true (op_accounts_load (reloaded, &error));
  g_assert_no_error (error);
  g_assert_null (op_accounts_get_account_folder (reloaded, op_accounts_lookup (reloaded, "a1")));
  g_clear_pointer (&top, g_strfreev);
  top = op_accounts_list_folders (reloaded, OP_ACCOUNT_KIND_FTP, NULL);
  g_assert_cmpuint (g_strv_length (top), ==, 2);
  /* A folder of a kind this version does not know is kept in the file untouched. */
  g_assert_true (op_accounts_save (reloaded, &error));
  {
    g_autofree char *contents = read_path (path);

    g_assert_nonnull (strstr (contents, "kind=carrier-pigeon"));
  }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/ftp-site/defaults-require-tls", test_defaults);
  g_test_add_func ("/ftp-site/accessors/survive-the-accounts-file", test_accessors_round_trip);
  g_test_add_func ("/ftp-site/duplicate/copies-everything-under-a-new-id", test_duplicate);
  g_test_add_func ("/ftp-site/uri/ftp-is-explicit-tls", test_uri_ftp);
  g_test_add_func ("/ftp-site/uri/ftps-is-implicit-tls", test_uri_ftps);
  g_test_add_func ("/ftp-site/uri/password-is-returned-not-kept", test_uri_password_not_kept);
  g_test_add_func ("/ftp-site/uri/round-trips", test_uri_to_uri_round_trip);
  g_test_add_func ("/ftp-site/uri/bad-input-is-refused", test_uri_refused);
  g_test_add_func ("/ftp-site/transfer-type/auto-binary-ascii", test_transfer_type);
  g_test_add_func ("/ftp-site/client/configured-from-the-site", test_new_client);
  g_test_add_func ("/ftp-site/password/ask-never-stores-one", test_passwords);
  g_test_add_func ("/ftp-site/recents/most-recent-first-bounded-saved", test_recents);
  g_test_add_func ("/ftp-site/recents/broken-file", test_recents_broken_file);
  g_test_add_func ("/ftp-site/folders/survive-the-accounts-file", test_folders_round_trip);
  g_test_add_func ("/ftp-site/folders/older-file-loads-at-the-top", test_folders_older_file);

  return g_test_run ();
}
