/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-mail-account"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "op-certificate-info.h"
#include "op-imap-error.h"
#include "op-mail-account.h"
#include "op-mail-autodetect.h"
#include "op-mail-probe.h"
#include "op-mail-test-util.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"

/*
 * A mail account's connection test and set-up from an address, against the Dovecot and
 * SMTP servers of tests/servers. Name lookups go to a resolver installed with
 * g_resolver_set_default(): SRV records of example.test point at the test servers, and
 * every host name resolves to 127.0.0.1, so nothing reaches the network.
 */

#define TIMEOUT 30

/* --- a resolver of our own ------------------------------------------------------------ */

typedef struct
{
  const char *rrname;    /* "_imaps._tcp.example.test" */
  const char *target;
  guint16     port;
  guint16     priority;
} Srv;

#define OP_TYPE_FAKE_RESOLVER (op_fake_resolver_get_type ())
G_DECLARE_FINAL_TYPE (OpFakeResolver, op_fake_resolver, OP, FAKE_RESOLVER, GResolver)

struct _OpFakeResolver
{
  GResolver  parent_instance;
  GArray    *srv;          /* Srv */
  gint       n_srv_lookups;
};

G_DEFINE_FINAL_TYPE (OpFakeResolver, op_fake_resolver, G_TYPE_RESOLVER)

static GList *
fake_lookup_by_name (GResolver     *resolver,
                     const char    *hostname,
                     GCancellable  *cancellable,
                     GError       **error)
{
  return g_list_append (NULL, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4));
}

static void
fake_lookup_by_name_async (GResolver           *resolver,
                           const char          *hostname,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);

  g_task_return_pointer (task, fake_lookup_by_name (resolver, hostname, cancellable, NULL),
                         (GDestroyNotify) g_resolver_free_addresses);
}

static GList *
fake_lookup_by_name_finish (GResolver     *resolver,
                            GAsyncResult  *result,
                            GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
fake_lookup_service (GResolver     *resolver,
                     const char    *rrname,
                     GCancellable  *cancellable,
                     GError       **error)
{
  OpFakeResolver *self = OP_FAKE_RESOLVER (resolver);
  GList *targets = NULL;

  g_atomic_int_inc (&self->n_srv_lookups);
  for (guint i = 0; i < self->srv->len; i++)
    {
      Srv *srv = &g_array_index (self->srv, Srv, i);
      if (strcmp (srv->rrname, rrname) == 0)
        targets = g_list_append (targets, g_srv_target_new (srv->target, srv->port, srv->priority, 0));
    }
  if (targets == NULL)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "No %s records", rrname);
      return NULL;
    }
  return g_srv_target_list_sort (targets);
}

static void
fake_lookup_service_async (GResolver           *resolver,
                           const char          *rrname,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *targets = fake_lookup_service (resolver, rrname, cancellable, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, targets, (GDestroyNotify) g_resolver_free_targets);
}

static GList *
fake_lookup_service_finish (GResolver     *resolver,
                            GAsyncResult  *result,
                            GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
op_fake_resolver_finalize (GObject *object)
{
  g_array_unref (OP_FAKE_RESOLVER (object)->srv);
  G_OBJECT_CLASS (op_fake_resolver_parent_class)->finalize (object);
}

static void
op_fake_resolver_class_init (OpFakeResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = op_fake_resolver_finalize;
  resolver_class->lookup_by_name = fake_lookup_by_name;
  resolver_class->lookup_by_name_async = fake_lookup_by_name_async;
  resolver_class->lookup_by_name_finish = fake_lookup_by_name_finish;
  resolver_class->lookup_service = fake_lookup_service;
  resolver_class->lookup_service_async = fake_lookup_service_async;
  resolver_class->lookup_service_finish = fake_lookup_service_finish;
}

static void
op_fake_resolver_init (OpFakeResolver *self)
{
  self->srv = g_array_new (FALSE, FALSE, sizeof (Srv));
}

/* --- helpers -------------------------------------------------------------------------- */

static guint16
env_port (const char *name)
{
  const char *value = op_test_endpoint_env (name);
  return value != NULL ? (guint16) atoi (value) : 0;
}

static OpTestVerifier *
verifier_new (void)
{
  const char *ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  g_autoptr(GError) error = NULL;
  OpTestVerifier *verifier;

  if (ca == NULL)
    return NULL;
  verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  return verifier;
}

static OpMailProbeReport *
probe (OpMailProtocol  protocol,
       guint16         port,
       OpSecurity      security,
       const char     *user,
       const char     *password,
       OpTestVerifier *verifier)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  OpMailProbeReport *report;

  op_mail_probe_async (protocol, "127.0.0.1", port, security, user, password, FALSE,
                       OP_TLS_VERIFIER (verifier), TIMEOUT, NULL, op_mail_test_store_result, &r);
  report = op_mail_probe_finish (op_mail_test_wait_result (&r, TIMEOUT), &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  return report;
}

static void
assert_tls_facts (OpMailProbeReport *report)
{
  g_autofree char *fingerprint = NULL;

  g_assert_true (report->reached);
  g_assert_nonnull (report->tls_version);
  /* dovecot.sh and smtp.sh set ssl_min_protocol TLSv1.2. */
  g_assert_true (strcmp (report->tls_version, "TLS 1.2") == 0 || strcmp (report->tls_version, "TLS 1.3") == 0);
  g_assert_nonnull (report->cipher_suite);
  g_assert_nonnull (report->certificate);
  g_assert_nonnull (report->certificate_sha256);
  fingerprint = op_certificate_sha256_fingerprint (report->certificate);
  g_assert_cmpstr (fingerprint, ==, report->certificate_sha256);
  g_assert_cmpuint (strlen (report->certificate_sha256), ==, 95);
}

/* --- the connection test ------------------------------------------------------------------ */

static void
test_probe_imap (void)
{
  const char *user = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_USER");
  const char *password = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_PASSWORD");
  guint16 imaps = env_port ("OUTPOST_TEST_DOVECOT_IMAPS_PORT");
  guint16 imap = env_port ("OUTPOST_TEST_DOVECOT_IMAP_PORT");
  g_autoptr(OpTestVerifier) verifier = verifier_new ();
  g_autoptr(OpMailProbeReport) ok = NULL;
  g_autoptr(OpMailProbeReport) starttls = NULL;
  g_autoptr(OpMailProbeReport) wrong = NULL;

  if (user == NULL || password == NULL || imaps == 0 || imap == 0 || verifier == NULL)
    return;

  ok = probe (OP_MAIL_PROTOCOL_IMAP, imaps, OP_SECURITY_IMPLICIT_TLS, user, password, verifier);
  assert_tls_facts (ok);
  g_assert_no_error (ok->error);
  g_assert_true (ok->login_tried);
  g_assert_true (ok->login_ok);
  g_assert_true (g_str_has_prefix (ok->greeting, "* OK"));
  /* After login: what the session can use. */
  g_assert_true (g_strv_contains ((const char * const *) ok->capabilities, "IMAP4REV1"));

  starttls = probe (OP_MAIL_PROTOCOL_IMAP, imap, OP_SECURITY_STARTTLS, NULL, NULL, verifier);
  assert_tls_facts (starttls);
  g_assert_false (starttls->login_tried);
  g_assert_true (g_strv_contains ((const char * const *) starttls->capabilities, "IMAP4rev1"));

  wrong = probe (OP_MAIL_PROTOCOL_IMAP, imaps, OP_SECURITY_IMPLICIT_TLS, user, "not the password", verifier);
  assert_tls_facts (wrong);
  g_assert_true (wrong->login_tried);
  g_assert_false (wrong->login_ok);
  g_assert_error (wrong->error, OP_IMAP_ERROR, OP_IMAP_ERROR_AUTH_FAILED);
}

static void
test_probe_pop3_smtp (void)
{
  const char *user = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_USER");
  const char *password = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_PASSWORD");
  const char *smtp_user = op_test_endpoint_env ("OUTPOST_TEST_SMTP_USER");
  const char *smtp_password = op_test_endpoint_env ("OUTPOST_TEST_SMTP_PASSWORD");
  guint16 pop3 = env_port ("OUTPOST_TEST_DOVECOT_POP3_PORT");
  guint16 smtp = env_port ("OUTPOST_TEST_SMTP_PORT");
  guint16 smtps = env_port ("OUTPOST_TEST_SMTP_TLS_PORT");
  g_autoptr(OpTestVerifier) verifier = verifier_new ();
  g_autoptr(OpMailProbeReport) p = NULL;
  g_autoptr(OpMailProbeReport) s = NULL;
  g_autoptr(OpAccount) account = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(OpMailProbeReport) a = NULL;

  if (user == NULL || password == NULL || smtp_user == NULL || smtp_password == NULL || pop3 == 0
      || smtp == 0 || smtps == 0 || verifier == NULL)
    return;

  p = probe (OP_MAIL_PROTOCOL_POP3, pop3, OP_SECURITY_STARTTLS, user, password, verifier);
  assert_tls_facts (p);
  g_assert_no_error (p->error);
  g_assert_true (p->login_ok);
  g_assert_true (g_strv_contains ((const char * const *) p->capabilities, "UIDL"));

  s = probe (OP_MAIL_PROTOCOL_SMTP, smtp, OP_SECURITY_STARTTLS, smtp_user, smtp_password, verifier);
  assert_tls_facts (s);
  g_assert_no_error (s->error);
  g_assert_true (s->login_ok);
  g_assert_true (g_str_has_prefix (s->greeting, "220"));
  {
    gboolean auth = FALSE;
    for (char **c = s->capabilities; *c != NULL; c++)
      auth |= g_ascii_strncasecmp (*c, "AUTH", 4) == 0;
    g_assert_true (auth);
  }

  /* An account's outgoing server, tested with its own settings. */
  account = op_mail_account_new ();
  op_mail_account_set_smtp_host (account, "127.0.0.1");
  op_mail_account_set_smtp_port (account, smtps);
  op_mail_account_set_smtp_security (account, OP_SECURITY_IMPLICIT_TLS);
  op_account_set_user (account, smtp_user);
  op_mail_account_test_async (account, OP_MAIL_SERVER_OUTGOING, "wrong password", OP_TLS_VERIFIER (verifier),
                              NULL, op_mail_test_store_result, &r);
  a = op_mail_probe_finish (op_mail_test_wait_result (&r, TIMEOUT), NULL);
  assert_tls_facts (a);
  g_assert_true (a->login_tried);
  g_assert_false (a->login_ok);
  g_assert_nonnull (a->error);
}

static void
test_probe_unreachable (void)
{
  g_autoptr(OpMailProbeReport) report = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  guint16 port;

  /* A port that was just free: nothing listens there. */
  g_assert_true (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  report = probe (OP_MAIL_PROTOCOL_IMAP, port, OP_SECURITY_IMPLICIT_TLS, "u", "p", NULL);
  g_assert_false (report->reached);
  g_assert_false (report->login_tried);
  g_assert_nonnull (report->error);
  g_assert_null (report->tls_version);
}

/* --- set-up from an address ----------------------------------------------------------------- */

static void
test_autodetect_srv (void)
{
  const char *user = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_USER");
  const char *password = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_PASSWORD");
  guint16 imaps = env_port ("OUTPOST_TEST_DOVECOT_IMAPS_PORT");
  guint16 smtp = env_port ("OUTPOST_TEST_SMTP_PORT");
  g_autoptr(OpTestVerifier) verifier = verifier_new ();
  g_autoptr(OpFakeResolver) resolver = NULL;
  g_autoptr(GResolver) previous = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) reports = NULL;
  g_autoptr(OpAccount) account = NULL;
  g_autoptr(GPtrArray) identities = NULL;
  g_autofree char *address = NULL;
  guint16 closed = 1;

  if (user == NULL || password == NULL || imaps == 0 || smtp == 0 || verifier == NULL)
    return;

  resolver = g_object_new (OP_TYPE_FAKE_RESOLVER, NULL);
  {
    /* The best _imaps._tcp target refuses connections; the next one is Dovecot. A
     * POP3 record is there too, never needed; SMTP submission is the test server. */
    Srv records[] = {
      { "_imaps._tcp.example.test", "localhost", closed, 0 },
      { "_imaps._tcp.example.test", "localhost", imaps, 10 },
      { "_pop3s._tcp.example.test", "localhost", 9, 0 },
      { "_submissions._tcp.example.test", ".", 0, 0 },
      { "_submission._tcp.example.test", "localhost", smtp, 0 },
    };
    g_array_append_vals (resolver->srv, records, G_N_ELEMENTS (records));
  }
  previous = g_resolver_get_default ();
  g_resolver_set_default (G_RESOLVER (resolver));

  address = g_strdup_printf ("%s@example.test", user);
  op_mail_autodetect_async (address, password, OP_TLS_VERIFIER (verifier), TIMEOUT, NULL, op_mail_test_store_result, &r);
  account = op_mail_autodetect_finish (op_mail_test_wait_result (&r, TIMEOUT), &reports, &error);
  g_resolver_set_default (previous);

  g_assert_no_error (error);
  g_assert_nonnull (account);
  /* Six services were looked up, and nothing else. */
  g_assert_cmpint (resolver->n_srv_lookups, ==, 6);
  g_assert_true (op_mail_account_is_mail (account));
  g_assert_cmpint (op_mail_account_get_incoming (account), ==, OP_MAIL_INCOMING_IMAP);
  g_assert_cmpstr (op_account_get_host (account), ==, "localhost");
  g_assert_cmpuint (op_account_get_port (account), ==, imaps);
  g_assert_cmpint (op_account_get_security (account), ==, OP_SECURITY_IMPLICIT_TLS);
  /* Dovecot's user is the local part: the full address was refused first. */
  g_assert_cmpstr (op_account_get_user (account), ==, user);
  identities = op_mail_account_dup_identities (account);
  g_assert_cmpuint (identities->len, ==, 1);
  g_assert_cmpstr (((OpMailIdentity *) g_ptr_array_index (identities, 0))->address, ==, address);

  /* What was tried, in order: the closed port, Dovecot with the address, Dovecot with
   * the local part; then SMTP, which has a password of its own here and refuses both. */
  g_assert_cmpuint (reports->len, >=, 3);
  {
    OpMailProbeReport *first = g_ptr_array_index (reports, 0);
    OpMailProbeReport *second = g_ptr_array_index (reports, 1);
    OpMailProbeReport *third = g_ptr_array_index (reports, 2);

    g_assert_cmpuint (first->port, ==, closed);
    g_assert_false (first->reached);
    g_assert_cmpuint (second->port, ==, imaps);
    g_assert_true (second->reached);
    g_assert_false (second->login_ok);
    g_assert_true (third->login_ok);
    assert_tls_facts (third);
  }
  {
    OpMailProbeReport *last = g_ptr_array_index (reports, reports->len - 1);
    g_assert_cmpint (last->protocol, ==, OP_MAIL_PROTOCOL_SMTP);
    g_assert_cmpuint (last->port, ==, smtp);
    g_assert_true (last->reached);
    g_assert_false (last->login_ok);
  }
  g_assert_null (op_mail_account_get_smtp_host (account));
}

static void
test_autodetect_bad_address (void)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpAccount) account = NULL;

  op_mail_autodetect_async ("no-domain", "pw", NULL, 5, NULL, op_mail_test_store_result, &r);
  account = op_mail_autodetect_finish (op_mail_test_wait_result (&r, TIMEOUT), NULL, &error);
  g_assert_null (account);
  g_assert_error (error, OP_MAIL_AUTODETECT_ERROR, OP_MAIL_AUTODETECT_ERROR_INVALID_ADDRESS);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mail/account/probe/imap-tls-capabilities-login", test_probe_imap);
  g_test_add_func ("/mail/account/probe/pop3-smtp", test_probe_pop3_smtp);
  g_test_add_func ("/mail/account/probe/unreachable", test_probe_unreachable);
  g_test_add_func ("/mail/account/autodetect/srv", test_autodetect_srv);
  g_test_add_func ("/mail/account/autodetect/bad-address", test_autodetect_bad_address);

  return op_test_run ();
}
