/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "op-accounts.h"
#include "op-mail-account.h"
#include "op-mail-autodetect.h"
#include "op-mime.h"

static void
test_defaults (void)
{
  g_autoptr(OpAccount) account = op_mail_account_new ();

  g_assert_true (op_mail_account_is_mail (account));
  g_assert_cmpint (op_mail_account_get_incoming (account), ==, OP_MAIL_INCOMING_IMAP);
  g_assert_cmpint (op_account_get_security (account), ==, OP_SECURITY_IMPLICIT_TLS);
  g_assert_cmpuint (op_mail_account_get_effective_port (account), ==, 993);
  g_assert_cmpint (op_mail_account_get_smtp_security (account), ==, OP_SECURITY_IMPLICIT_TLS);
  g_assert_cmpuint (op_mail_account_get_smtp_effective_port (account), ==, 465);
  g_assert_true (op_mail_account_get_pop3_leave_on_server (account));
  g_assert_cmpuint (op_mail_account_get_pop3_delete_after_days (account), ==, 0);

  op_mail_account_set_incoming (account, OP_MAIL_INCOMING_POP3);
  op_account_set_security (account, OP_SECURITY_STARTTLS);
  op_mail_account_set_smtp_security (account, OP_SECURITY_STARTTLS);
  g_assert_cmpuint (op_mail_account_get_effective_port (account), ==, 110);
  g_assert_cmpuint (op_mail_account_get_smtp_effective_port (account), ==, 587);
  op_account_set_user (account, "anna");
  g_assert_cmpstr (op_mail_account_get_smtp_user (account), ==, "anna");
  g_assert_cmpstr (op_mail_account_get_secret_protocol (account, OP_MAIL_SERVER_INCOMING), ==, "pop3");
  g_assert_cmpstr (op_mail_account_get_secret_protocol (account, OP_MAIL_SERVER_OUTGOING), ==, "smtp");
}

static void
test_round_trip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("outpost-mail-account-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "accounts.ini", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(OpAccounts) accounts = op_accounts_new (file);
  g_autoptr(OpAccounts) again = NULL;
  g_autoptr(OpAccount) account = op_mail_account_new ();
  g_autoptr(GPtrArray) identities = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_identity_free);
  g_autoptr(GPtrArray) read = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  OpAccount *loaded;

  op_account_set_host (account, "imap.example.org");
  op_account_set_user (account, "anna@example.org");
  op_mail_account_set_smtp_host (account, "smtp.example.org");
  op_mail_account_set_smtp_port (account, 2525);
  op_mail_account_set_smtp_user (account, "anna-smtp");
  /* Its key must not look like a secret's (op_account_extra_key_is_valid()). */
  op_mail_account_set_smtp_allow_plaintext_password (account, TRUE);
  op_mail_account_set_pop3_leave_on_server (account, FALSE);
  op_mail_account_set_pop3_delete_after_days (account, 14);
  g_ptr_array_add (identities, op_mail_identity_new ("Anna Example", "anna@example.org", "Anna\nExample Org"));
  g_ptr_array_add (identities, op_mail_identity_new ("张三", "zhang@example.cn", ""));
  g_assert_true (op_mail_account_set_identities (account, identities, &error));
  g_assert_no_error (error);
  op_accounts_add (accounts, account);
  g_assert_true (op_accounts_save (accounts, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "\npassword="));
  g_assert_nonnull (strstr (contents, "smtp-host=smtp.example.org"));

  again = op_accounts_new (file);
  g_assert_true (op_accounts_load (again, &error));
  loaded = op_accounts_lookup (again, op_account_get_id (account));
  g_assert_nonnull (loaded);
  g_assert_true (op_mail_account_is_mail (loaded));
  g_assert_cmpstr (op_mail_account_get_smtp_host (loaded), ==, "smtp.example.org");
  g_assert_cmpuint (op_mail_account_get_smtp_port (loaded), ==, 2525);
  g_assert_cmpstr (op_mail_account_get_smtp_user (loaded), ==, "anna-smtp");
  g_assert_true (op_mail_account_get_smtp_allow_plaintext_password (loaded));
  g_assert_false (op_mail_account_get_pop3_leave_on_server (loaded));
  g_assert_cmpuint (op_mail_account_get_pop3_delete_after_days (loaded), ==, 14);
  read = op_mail_account_dup_identities (loaded);
  g_assert_cmpuint (read->len, ==, 2);
  g_assert_cmpstr (((OpMailIdentity *) g_ptr_array_index (read, 0))->signature, ==, "Anna\nExample Org");
  g_assert_cmpstr (((OpMailIdentity *) g_ptr_array_index (read, 1))->name, ==, "张三");

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_identities_refused (void)
{
  g_autoptr(OpAccount) account = op_mail_account_new ();
  g_autoptr(GPtrArray) good = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_identity_free);
  g_autoptr(GPtrArray) bad = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_identity_free);
  g_autoptr(GPtrArray) crlf = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_identity_free);
  g_autoptr(GPtrArray) read = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (good, op_mail_identity_new ("A", "a@example.org", ""));
  g_assert_true (op_mail_account_set_identities (account, good, NULL));
  g_ptr_array_add (bad, op_mail_identity_new ("B", "not an address", ""));
  g_assert_false (op_mail_account_set_identities (account, bad, &error));
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);
  g_ptr_array_add (crlf, op_mail_identity_new ("C\r\nBcc: x@y.z", "c@example.org", ""));
  g_assert_false (op_mail_account_set_identities (account, crlf, &error));
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER);

  /* Nothing changed by the refused calls. */
  read = op_mail_account_dup_identities (account);
  g_assert_cmpuint (read->len, ==, 1);
  g_assert_cmpstr (((OpMailIdentity *) g_ptr_array_index (read, 0))->address, ==, "a@example.org");
}

static void
test_conventional (void)
{
  g_autoptr(GPtrArray) in = op_mail_autodetect_conventional ("example.org", FALSE);
  g_autoptr(GPtrArray) out = op_mail_autodetect_conventional ("example.org", TRUE);
  OpMailCandidate *first = g_ptr_array_index (in, 0);
  OpMailCandidate *pop = g_ptr_array_index (in, 4);
  OpMailCandidate *smtp = g_ptr_array_index (out, 1);

  g_assert_cmpuint (in->len, ==, 8);
  g_assert_cmpstr (first->host, ==, "imap.example.org");
  g_assert_cmpuint (first->port, ==, 993);
  g_assert_cmpint (first->security, ==, OP_SECURITY_IMPLICIT_TLS);
  g_assert_cmpint (pop->protocol, ==, OP_MAIL_PROTOCOL_POP3);
  g_assert_cmpstr (pop->host, ==, "pop.example.org");
  g_assert_cmpuint (out->len, ==, 4);
  g_assert_cmpstr (smtp->host, ==, "smtp.example.org");
  g_assert_cmpuint (smtp->port, ==, 587);
  g_assert_cmpint (smtp->security, ==, OP_SECURITY_STARTTLS);
}

/* The server saves sent mail itself: by the provider until set, then as set (and kept
 * in the accounts file). */
static void
test_server_saves_sent (void)
{
  static const struct { const char *host; gboolean saves; } hosts[] = {
    { "smtp.gmail.com", TRUE },
    { "SMTP.GMAIL.COM", TRUE },
    { "smtp.googlemail.com", TRUE },
    { "smtp.office365.com", TRUE },
    { "smtp-mail.outlook.com", TRUE },
    { "gmail.com", TRUE },
    { "notgmail.com", FALSE },
    { "gmail.com.example.net", FALSE },
    { "mail.example.org", FALSE },
    { "127.0.0.1", FALSE },
  };
  g_autofree char *dir = g_dir_make_tmp ("outpost-mail-account-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "accounts.ini", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (OpAccounts) accounts = op_accounts_new (file);
  g_autoptr (OpAccounts) again = op_accounts_new (file);
  g_autoptr (OpAccount) account = op_mail_account_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (op_mail_account_get_server_saves_sent (account));
  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      op_mail_account_set_smtp_host (account, hosts[i].host);
      g_assert_cmpint (op_mail_account_get_server_saves_sent (account), ==, hosts[i].saves);
    }
  /* Set, it no longer follows the host. */
  op_mail_account_set_smtp_host (account, "smtp.gmail.com");
  op_mail_account_set_server_saves_sent (account, FALSE);
  g_assert_false (op_mail_account_get_server_saves_sent (account));
  op_mail_account_set_smtp_host (account, "mail.example.org");
  op_mail_account_set_server_saves_sent (account, TRUE);
  op_accounts_add (accounts, account);
  g_assert_true (op_accounts_save (accounts, &error));
  g_assert_no_error (error);
  g_assert_true (op_accounts_load (again, &error));
  g_assert_true (op_mail_account_get_server_saves_sent (op_accounts_lookup (again, op_account_get_id (account))));
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mail/account/defaults", test_defaults);
  g_test_add_func ("/mail/account/accounts-file-round-trip", test_round_trip);
  g_test_add_func ("/mail/account/identities-refused", test_identities_refused);
  g_test_add_func ("/mail/account/conventional-names", test_conventional);
  g_test_add_func ("/mail/account/server-saves-sent", test_server_saves_sent);

  return g_test_run ();
}
