/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include <locale.h>

#include "op-certificate-info.h"
#include "op-test-util.h"

/* Computed here independently of the code under test (which uses GnuTLS): SHA-256 over
 * the DER, printed the way `openssl x509 -fingerprint -sha256` does. */
static char *
expected_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;
  GString *out = g_string_new (NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &length);
  g_assert_cmpuint (length, ==, 32);

  for (gsize i = 0; i < length; i++)
    g_string_append_printf (out, "%s%02X", i > 0 ? ":" : "", digest[i]);

  return g_string_free (out, FALSE);
}

static void
test_names (void)
{
  g_autoptr(GTlsCertificate) certificate = op_test_load_certificate ("server");
  g_autoptr(OpCertificateInfo) info = NULL;

  info = op_certificate_info_new ("localhost", 2121, certificate,
                                  G_TLS_CERTIFICATE_UNKNOWN_CA, FALSE);

  g_assert_nonnull (strstr (op_certificate_info_get_subject (info), "localhost (server)"));
  g_assert_nonnull (strstr (op_certificate_info_get_subject (info), "Outpost Tests"));
  g_assert_nonnull (strstr (op_certificate_info_get_issuer (info), "Outpost Test CA"));
  g_assert_null (strstr (op_certificate_info_get_issuer (info), "localhost"));
  g_assert_cmpstr (op_certificate_info_get_host (info), ==, "localhost");
  g_assert_cmpuint (op_certificate_info_get_port (info), ==, 2121);
  g_assert_true (op_certificate_info_get_certificate (info) == certificate);
  g_assert_cmpuint (op_certificate_info_get_errors (info), ==, G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_false (op_certificate_info_get_pin_mismatch (info));
}

static void
test_fingerprint (void)
{
  g_autoptr(GTlsCertificate) server = op_test_load_certificate ("server");
  g_autoptr(GTlsCertificate) other = op_test_load_certificate ("other");
  g_autoptr(OpCertificateInfo) info = NULL;
  g_autofree char *expected = expected_fingerprint (server);
  g_autofree char *direct = op_certificate_sha256_fingerprint (server);
  g_autofree char *other_fingerprint = op_certificate_sha256_fingerprint (other);
  const char *fingerprint;

  info = op_certificate_info_new ("localhost", 21, server, 0, FALSE);
  fingerprint = op_certificate_info_get_sha256 (info);

  g_assert_cmpstr (fingerprint, ==, expected);
  g_assert_cmpstr (direct, ==, expected);
  g_assert_cmpuint (strlen (fingerprint), ==, 95);
  for (const char *p = fingerprint; *p != '\0'; p++)
    g_assert_true (g_ascii_isdigit (*p) || (*p >= 'A' && *p <= 'F') || *p == ':');
  g_assert_cmpstr (other_fingerprint, !=, fingerprint);
}

static void
test_validity (void)
{
  g_autoptr(GTlsCertificate) certificate = op_test_load_certificate ("server");
  g_autoptr(OpCertificateInfo) info = NULL;
  g_autoptr(GDateTime) gio_before = g_tls_certificate_get_not_valid_before (certificate);
  g_autoptr(GDateTime) gio_after = g_tls_certificate_get_not_valid_after (certificate);
  GDateTime *before;
  GDateTime *after;

  info = op_certificate_info_new ("localhost", 21, certificate, 0, FALSE);
  before = op_certificate_info_get_not_before (info);
  after = op_certificate_info_get_not_after (info);

  g_assert_nonnull (before);
  g_assert_nonnull (after);
  g_assert_cmpint (g_date_time_compare (before, after), <, 0);
  /* tests/data/tls/generate.sh: -days 36500 */
  g_assert_cmpint (g_date_time_difference (after, before) / G_TIME_SPAN_DAY, ==, 36500);
  g_assert_cmpint (g_date_time_to_unix (before), ==, g_date_time_to_unix (gio_before));
  g_assert_cmpint (g_date_time_to_unix (after), ==, g_date_time_to_unix (gio_after));
}

static guint
count_lines (const char *text)
{
  g_auto(GStrv) lines = NULL;

  if (text[0] == '\0')
    return 0;

  lines = g_strsplit (text, "\n", -1);
  return g_strv_length (lines);
}

static void
test_describe_each_flag (void)
{
  g_autoptr(GTlsCertificate) certificate = op_test_load_certificate ("server");
  const GTlsCertificateFlags flags[] = {
    G_TLS_CERTIFICATE_UNKNOWN_CA,
    G_TLS_CERTIFICATE_BAD_IDENTITY,
    G_TLS_CERTIFICATE_NOT_ACTIVATED,
    G_TLS_CERTIFICATE_EXPIRED,
    G_TLS_CERTIFICATE_REVOKED,
    G_TLS_CERTIFICATE_INSECURE,
    G_TLS_CERTIFICATE_GENERIC_ERROR,
  };
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (flags); i++)
    {
      g_autoptr(OpCertificateInfo) info = NULL;
      g_autofree char *text = NULL;

      info = op_certificate_info_new ("ftp.example.org", 21, certificate, flags[i], FALSE);
      text = op_certificate_info_describe_errors (info);

      g_test_message ("flag 0x%x: %s", flags[i], text);
      g_assert_cmpuint (count_lines (text), ==, 1);
      g_assert_true (g_str_has_suffix (text, "."));
      /* Each problem has its own sentence. */
      g_assert_false (g_hash_table_contains (seen, text));
      g_hash_table_add (seen, g_steal_pointer (&text));
    }
}

static void
test_describe_combined (void)
{
  g_autoptr(GTlsCertificate) certificate = op_test_load_certificate ("server");
  g_autoptr(OpCertificateInfo) info = NULL;
  g_autoptr(OpCertificateInfo) clean = NULL;
  g_autofree char *text = NULL;
  g_autofree char *clean_text = NULL;

  info = op_certificate_info_new ("ftp.example.org", 990, certificate,
                                  G_TLS_CERTIFICATE_UNKNOWN_CA
                                  | G_TLS_CERTIFICATE_BAD_IDENTITY
                                  | G_TLS_CERTIFICATE_EXPIRED,
                                  TRUE);
  text = op_certificate_info_describe_errors (info);

  g_assert_true (op_certificate_info_get_pin_mismatch (info));
  g_assert_cmpuint (count_lines (text), ==, 4);
  /* The changed pin comes first: it is the most serious. */
  g_assert_true (g_str_has_prefix (text, "This certificate is not the one you chose to "
                                         "trust for ftp.example.org:990"));
  g_assert_nonnull (strstr (text, "does not belong to “ftp.example.org”"));
  g_assert_nonnull (strstr (text, "expired"));
  g_assert_nonnull (strstr (text, "authority"));

  clean = op_certificate_info_new ("ftp.example.org", 990, certificate, 0, FALSE);
  clean_text = op_certificate_info_describe_errors (clean);
  g_assert_cmpstr (clean_text, ==, "");
}

static gpointer
read_info (gpointer data)
{
  OpCertificateInfo *info = data;

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *text = op_certificate_info_describe_errors (info);

      g_assert_nonnull (op_certificate_info_get_sha256 (info));
      g_assert_nonnull (text);
    }

  return NULL;
}

static void
test_shared_between_threads (void)
{
  g_autoptr(GTlsCertificate) certificate = op_test_load_certificate ("server");
  g_autoptr(OpCertificateInfo) info = NULL;
  GThread *threads[4];

  info = op_certificate_info_new ("localhost", 21, certificate,
                                  G_TLS_CERTIFICATE_UNKNOWN_CA, FALSE);
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("reader", read_info, info);
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/certificate/info/names-subject-and-issuer", test_names);
  g_test_add_func ("/certificate/info/fingerprint-is-sha256-of-der", test_fingerprint);
  g_test_add_func ("/certificate/info/validity-matches-certificate", test_validity);
  g_test_add_func ("/certificate/info/describes-each-problem-in-one-sentence",
                   test_describe_each_flag);
  g_test_add_func ("/certificate/info/describes-pin-mismatch-first", test_describe_combined);
  g_test_add_func ("/certificate/info/can-be-shared-between-threads",
                   test_shared_between_threads);

  return g_test_run ();
}
