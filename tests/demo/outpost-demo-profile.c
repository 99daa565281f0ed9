/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * outpost-demo-profile: fills the throwaway profile of `build-aux/dev demo` through
 * Outpost's own core code, so the app finds exactly what it would have saved itself:
 *
 *   - accounts.ini: an FTP site (vsftpd, explicit TLS), a mail account (Dovecot IMAPS,
 *     SMTP over implicit TLS) and a news server (INN, implicit TLS);
 *   - trust.ini: the demo servers' certificate pinned for every host:port the profile
 *     dials ("Always Trust" in the trust dialog does the same);
 *   - the passwords in the Secret Service of the demo's own D-Bus session (a private
 *     gnome-keyring);
 *   - the news store: the server's groups, the demo group subscribed and its headers
 *     fetched over NNTP, so the News view shows its threads at once.
 *
 * It reads the endpoints from the environment tests/servers/start exports
 * (tests/servers/README.md) and the XDG folders of the demo profile; it never runs
 * against a profile whose XDG_CONFIG_HOME is unset (that would be the user's own).
 *
 *   outpost-demo-profile NEWS-GROUP
 */
#define G_LOG_DOMAIN "op-demo"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#include "mail/op-mail-account.h"
#include "news/op-news-server.h"
#include "news/op-news-store.h"
#include "op-accounts.h"
#include "op-ftp-site.h"
#include "op-secrets.h"
#include "op-trust-store.h"

/* One asynchronous call at a time: its result, once the main loop has delivered it. */
typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} Wait;

static const char *
need (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL || *value == '\0')
    {
      g_printerr ("outpost-demo-profile: %s is not set (source the servers' env file)\n", name);
      exit (1);
    }
  return value;
}

static guint16
need_port (const char *name)
{
  guint64 port = 0;

  if (!g_ascii_string_to_unsigned (need (name), 10, 1, G_MAXUINT16, &port, NULL))
    {
      g_printerr ("outpost-demo-profile: %s is not a port number\n", name);
      exit (1);
    }
  return (guint16) port;
}

static void
check (gboolean ok, GError *error, const char *what)
{
  if (ok)
    return;
  g_printerr ("outpost-demo-profile: %s: %s\n", what, error != NULL ? error->message : "failed");
  exit (1);
}

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  g_set_object (&wait->result, result);
  g_main_loop_quit (wait->loop);
}

/* Runs the main loop until the call started with got_result() has finished. */
static GAsyncResult *
wait_for_result (Wait *wait)
{
  g_clear_object (&wait->result);
  g_main_loop_run (wait->loop);
  return wait->result;
}

static void
pin (OpTrustStore *trust, GTlsCertificate *certificate, const char *host, const char *port_var)
{
  g_autoptr (GError) error = NULL;

  check (op_trust_store_pin (trust, host, need_port (port_var), certificate, &error), error,
         "pinning the demo certificate");
}

static OpAccount *
make_site (void)
{
  OpAccount *site = op_ftp_site_new ();

  op_account_set_name (site, "Demo files (vsftpd)");
  op_account_set_host (site, need ("OUTPOST_TEST_FTP_HOST"));
  op_account_set_port (site, need_port ("OUTPOST_TEST_VSFTPD_FTPS_PORT"));
  op_account_set_user (site, need ("OUTPOST_TEST_VSFTPD_USER"));
  op_ftp_site_set_protocol (site, OP_SECURITY_STARTTLS);
  op_ftp_site_set_logon_type (site, OP_FTP_LOGON_NORMAL);
  return site;
}

static OpAccount *
make_mail_account (void)
{
  OpAccount *account = op_mail_account_new ();
  g_autoptr (GPtrArray) identities = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_identity_free);
  g_autoptr (GError) error = NULL;

  op_account_set_name (account, "Demo mail (Dovecot)");
  op_mail_account_set_incoming (account, OP_MAIL_INCOMING_IMAP);
  op_account_set_host (account, need ("OUTPOST_TEST_MAIL_HOST"));
  op_account_set_port (account, need_port ("OUTPOST_TEST_DOVECOT_IMAPS_PORT"));
  op_account_set_user (account, need ("OUTPOST_TEST_DOVECOT_USER"));
  op_account_set_security (account, OP_SECURITY_IMPLICIT_TLS);
  op_mail_account_set_smtp_host (account, need ("OUTPOST_TEST_SMTP_HOST"));
  op_mail_account_set_smtp_port (account, need_port ("OUTPOST_TEST_SMTP_TLS_PORT"));
  op_mail_account_set_smtp_security (account, OP_SECURITY_IMPLICIT_TLS);
  op_mail_account_set_smtp_user (account, need ("OUTPOST_TEST_SMTP_USER"));
  g_ptr_array_add (identities, op_mail_identity_new ("Demo User", "demo@example.test", ""));
  check (op_mail_account_set_identities (account, identities, &error), error,
         "the demo identity");
  return account;
}

static OpAccount *
make_news_account (void)
{
  OpAccount *account = op_account_new (OP_ACCOUNT_KIND_NEWS, NULL);

  op_account_set_name (account, "Demo news (INN)");
  op_account_set_host (account, need ("OUTPOST_TEST_NEWS_HOST"));
  op_account_set_port (account, need_port ("OUTPOST_TEST_INN_TLS_PORT"));
  op_account_set_user (account, need ("OUTPOST_TEST_INN_USER"));
  op_account_set_security (account, OP_SECURITY_IMPLICIT_TLS);
  return account;
}

int
main (int argc, char **argv)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (OpAccounts) accounts = NULL;
  g_autoptr (OpTrustStore) trust = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (OpAccount) site = NULL;
  g_autoptr (OpAccount) mail = NULL;
  g_autoptr (OpAccount) news = NULL;
  g_autoptr (OpNewsServer) server = NULL;
  OpSecrets *secrets;
  OpNewsStore *store;
  const char *group;
  guint64 n_new = 0;
  Wait wait = { .loop = loop };

  if (argc != 2)
    {
      g_printerr ("Usage: outpost-demo-profile NEWS-GROUP\n");
      return 2;
    }
  group = argv[1];
  /* Never the user's own profile. */
  need ("XDG_CONFIG_HOME");
  need ("XDG_DATA_HOME");

  accounts = op_accounts_new_default ();
  check (op_accounts_load (accounts, &error), error, "reading the demo accounts file");
  site = make_site ();
  mail = make_mail_account ();
  news = make_news_account ();
  op_accounts_add (accounts, site);
  op_accounts_add (accounts, mail);
  op_accounts_add (accounts, news);
  check (op_accounts_save (accounts, &error), error, "saving the demo accounts");

  /* The demo CA is nobody's system CA: pin the one server certificate every demo server
   * presents, per host:port, as "Always Trust" would. */
  certificate = g_tls_certificate_new_from_file (need ("OUTPOST_TEST_SERVER_CERT"), &error);
  check (certificate != NULL, error, "reading the demo server certificate");
  trust = op_trust_store_new_default ();
  pin (trust, certificate, need ("OUTPOST_TEST_FTP_HOST"), "OUTPOST_TEST_VSFTPD_FTPS_PORT");
  pin (trust, certificate, need ("OUTPOST_TEST_MAIL_HOST"), "OUTPOST_TEST_DOVECOT_IMAPS_PORT");
  pin (trust, certificate, need ("OUTPOST_TEST_SMTP_HOST"), "OUTPOST_TEST_SMTP_TLS_PORT");
  pin (trust, certificate, need ("OUTPOST_TEST_NEWS_HOST"), "OUTPOST_TEST_INN_TLS_PORT");

  /* The passwords go where the app looks for them: the Secret Service of this session. */
  secrets = op_secrets_get_default ();
  op_ftp_site_store_password_async (site, secrets, need ("OUTPOST_TEST_VSFTPD_PASSWORD"), NULL,
                                    got_result, &wait);
  check (op_ftp_site_store_password_finish (wait_for_result (&wait), &error), error,
         "saving the FTP password");
  op_mail_account_store_password_async (mail, OP_MAIL_SERVER_INCOMING, secrets,
                                        need ("OUTPOST_TEST_DOVECOT_PASSWORD"), NULL,
                                        got_result, &wait);
  check (op_mail_account_store_password_finish (secrets, wait_for_result (&wait), &error), error,
         "saving the IMAP password");
  op_mail_account_store_password_async (mail, OP_MAIL_SERVER_OUTGOING, secrets,
                                        need ("OUTPOST_TEST_SMTP_PASSWORD"), NULL,
                                        got_result, &wait);
  check (op_mail_account_store_password_finish (secrets, wait_for_result (&wait), &error), error,
         "saving the SMTP password");
  op_secrets_store_async (secrets, "nntp", op_account_get_host (news), op_account_get_port (news),
                          op_account_get_user (news), need ("OUTPOST_TEST_INN_PASSWORD"), NULL,
                          got_result, &wait);
  check (op_secrets_store_finish (secrets, wait_for_result (&wait), &error), error,
         "saving the news password");
  if (!op_secrets_get_persistent (secrets))
    {
      g_printerr ("outpost-demo-profile: no Secret Service: %s\n",
                  op_secrets_get_unavailable_reason (secrets));
      return 1;
    }

  /* The news store: groups, the demo group subscribed, its headers. */
  server = op_news_server_new (news, NULL);
  op_news_server_set_verifier (server, OP_TLS_VERIFIER (trust));
  store = op_news_server_get_store (server);
  op_news_store_open_async (store, NULL, got_result, &wait);
  check (op_news_store_finish (store, wait_for_result (&wait), &error), error,
         "opening the news store");
  op_news_server_refresh_groups_async (server, NULL, got_result, &wait);
  check (op_news_server_refresh_groups_finish (server, wait_for_result (&wait), &error), error,
         "listing the news groups");
  op_news_store_set_subscribed_async (store, group, TRUE, NULL, got_result, &wait);
  check (op_news_store_finish (store, wait_for_result (&wait), &error), error,
         "subscribing to the demo group");
  op_news_server_sync_group_async (server, group, NULL, NULL, NULL, got_result, &wait);
  check (op_news_server_sync_group_finish (server, wait_for_result (&wait), &n_new, &error),
         error, "fetching the demo group's headers");
  g_clear_object (&wait.result);

  g_print ("outpost-demo-profile: 3 accounts, 4 pins, 4 passwords, %s with %" G_GUINT64_FORMAT
           " headers\n", group, n_new);
  return 0;
}
