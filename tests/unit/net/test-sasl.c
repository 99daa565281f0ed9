/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sasl"

#include "config.h"

#include <string.h>

#include "op-sasl.h"

/*
 * The SASL client helpers: the messages each mechanism sends (checked against the RFCs'
 * own examples where they have one), the choice of mechanism (strongest first, never a
 * password in the clear without the opt-in, a token only as XOAUTH2), and challenges a
 * broken server may send.
 */

static char *
b64 (const char *text)
{
  return g_base64_encode ((const guchar *) text, strlen (text));
}

static char *
unb64 (const char *encoded,
       gsize      *length)
{
  return (char *) g_base64_decode (encoded, length);
}

/* RFC 2195 §2's example. */
static void
test_cram_md5_rfc2195_example (void)
{
  const char *challenge = "<1896.697170952@postoffice.reston.mci.net>";
  g_autofree char *raw = op_sasl_cram_md5_response ("tim", "tanstaaftanstaaf",
                                                    (const guint8 *) challenge,
                                                    strlen (challenge));
  g_autoptr(OpSaslSession) session = NULL;
  g_autoptr(GError) error = NULL;
  char *response;

  g_assert_cmpstr (raw, ==, "tim b913a602c7eda7a495b4e6e7334d3890");

  /* The same exchange in base64, as on the wire (the RFC prints both forms). */
  session = op_sasl_session_new (OP_SASL_MECHANISM_CRAM_MD5, "tim", "tanstaaftanstaaf");
  g_assert_null (op_sasl_session_initial_response (session, &error));
  g_assert_no_error (error);
  response = op_sasl_session_respond (session,
                                      "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
                                      &error);
  g_assert_no_error (error);
  g_assert_cmpstr (response, ==, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
  op_sasl_secret_free (response);

  /* One challenge only. */
  g_assert_null (op_sasl_session_respond (session, "PDE+", &error));
  g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_BAD_CHALLENGE);
}

/* RFC 2104's HMAC-MD5 test vectors through the same path (RFC 2202 §2, cases 1 and 2). */
static void
test_cram_md5_hmac_vectors (void)
{
  g_autofree char *two = op_sasl_cram_md5_response ("u", "Jefe",
                                                    (const guint8 *) "what do ya want for nothing?",
                                                    28);

  g_assert_cmpstr (two, ==, "u 750c783e6ab0b503eaa86e310a5db738");
}

static void
test_plain (void)
{
  g_autoptr(OpSaslSession) session = op_sasl_session_new (OP_SASL_MECHANISM_PLAIN,
                                                          "tim", "tanstaaftanstaaf");
  g_autoptr(GError) error = NULL;
  g_autofree char *decoded = NULL;
  char *initial;
  gsize length = 0;

  initial = op_sasl_session_initial_response (session, &error);
  g_assert_no_error (error);
  decoded = unb64 (initial, &length);
  g_assert_cmpmem (decoded, length, "\0tim\0tanstaaftanstaaf", 21);
  op_sasl_secret_free (initial);

  /* After the initial response, any challenge is a protocol error. */
  g_assert_null (op_sasl_session_respond (session, "", &error));
  g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_BAD_CHALLENGE);
}

/* IMAP without SASL-IR, or SMTP servers that want it: "334 " (empty), then the message. */
static void
test_plain_after_empty_challenge (void)
{
  g_autoptr(OpSaslSession) session = op_sasl_session_new (OP_SASL_MECHANISM_PLAIN,
                                                          "user", "pässword");
  g_autoptr(GError) error = NULL;
  g_autofree char *decoded = NULL;
  char *response;
  gsize length = 0;

  response = op_sasl_session_respond (session, "", &error);
  g_assert_no_error (error);
  decoded = unb64 (response, &length);
  g_assert_cmpmem (decoded, length, "\0user\0p\xc3\xa4ssword", 15);
  op_sasl_secret_free (response);
}

static void
test_plain_message_authzid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = op_sasl_plain_message ("admin", "u", "p", &error);

  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   "admin\0u\0p", 9);
  g_assert_null (op_sasl_plain_message (NULL, "u", "\xff", &error));
  g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_INVALID_CREDENTIALS);
}

static void
test_login (void)
{
  g_autoptr(OpSaslSession) session = op_sasl_session_new (OP_SASL_MECHANISM_LOGIN,
                                                          "tim", "secret");
  g_autoptr(GError) error = NULL;
  g_autofree char *user_challenge = b64 ("Username:");
  char *response;

  g_assert_null (op_sasl_session_initial_response (session, &error));
  g_assert_no_error (error);
  response = op_sasl_session_respond (session, user_challenge, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (response, ==, "dGlt");
  op_sasl_secret_free (response);
  /* aiosmtpd words its challenges "User Name\0" and "Password\0": the order decides. */
  response = op_sasl_session_respond (session, "UGFzc3dvcmQA", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (response, ==, "c2VjcmV0");
  op_sasl_secret_free (response);
  g_assert_null (op_sasl_session_respond (session, "UGFzc3dvcmQ6", &error));
  g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_BAD_CHALLENGE);
}

static void
test_xoauth2 (void)
{
  g_autoptr(OpSaslSession) session = op_sasl_session_new (OP_SASL_MECHANISM_XOAUTH2,
                                                          "someuser@example.com",
                                                          "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
  g_autoptr(GError) error = NULL;
  g_autofree char *err_json = b64 ("{\"status\":\"401\",\"schemes\":\"bearer\"}");
  char *initial;
  char *response;

  initial = op_sasl_session_initial_response (session, &error);
  g_assert_no_error (error);
  /* Google's documented example of the initial client response. */
  g_assert_cmpstr (initial, ==,
                   "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52"
                   "YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==");
  op_sasl_secret_free (initial);

  /* A refused token: the server sends its JSON error as a challenge; the client
   * answers with an empty line and the server sends its failure reply. */
  response = op_sasl_session_respond (session, err_json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (response, ==, "");
  op_sasl_secret_free (response);

  g_assert_null (op_sasl_xoauth2_message ("a\001b", "t", &error));
  g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_INVALID_CREDENTIALS);
}

static void
test_bad_challenges (void)
{
  const char *bad[] = { "not base64!", "QQ=", "Q=Q=", "QQ==QQ==", "====", "QUJD\r" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(OpSaslSession) session = op_sasl_session_new (OP_SASL_MECHANISM_CRAM_MD5,
                                                              "u", "p");
      g_autoptr(GError) error = NULL;

      g_test_message ("challenge %s", bad[i]);
      g_assert_null (op_sasl_session_respond (session, bad[i], &error));
      g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_BAD_CHALLENGE);
    }

  /* Too long, even if valid. */
  {
    g_autoptr(OpSaslSession) session = op_sasl_session_new (OP_SASL_MECHANISM_CRAM_MD5,
                                                            "u", "p");
    g_autoptr(GError) error = NULL;
    g_autofree char *huge = g_strnfill (OP_SASL_MAX_CHALLENGE + 4, 'A');

    g_assert_null (op_sasl_session_respond (session, huge, &error));
    g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_BAD_CHALLENGE);
  }

  /* CRAM-MD5 needs a challenge to sign. */
  {
    g_autoptr(OpSaslSession) session = op_sasl_session_new (OP_SASL_MECHANISM_CRAM_MD5,
                                                            "u", "p");
    g_autoptr(GError) error = NULL;

    g_assert_null (op_sasl_session_respond (session, "", &error));
    g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_BAD_CHALLENGE);
  }
}

static void
test_names (void)
{
  const char *ehlo[] = { "login", "CRAM-MD5", "DIGEST-MD5", "GSSAPI", "PLAIN", NULL };

  g_assert_cmpint (op_sasl_mechanisms_from_strv (ehlo), ==,
                   OP_SASL_MECHANISM_LOGIN | OP_SASL_MECHANISM_CRAM_MD5 |
                   OP_SASL_MECHANISM_PLAIN);
  g_assert_cmpint (op_sasl_mechanism_from_string ("xoauth2"), ==, OP_SASL_MECHANISM_XOAUTH2);
  g_assert_cmpint (op_sasl_mechanism_from_string ("SCRAM-SHA-1"), ==, OP_SASL_MECHANISM_NONE);
  g_assert_cmpstr (op_sasl_mechanism_to_string (OP_SASL_MECHANISM_CRAM_MD5), ==, "CRAM-MD5");
  g_assert_null (op_sasl_mechanism_to_string (OP_SASL_MECHANISM_PLAIN |
                                              OP_SASL_MECHANISM_LOGIN));
}

static void
test_choose (void)
{
  const OpSaslMechanism all = OP_SASL_MECHANISM_ALL;
  const OpSaslMechanism plain_login = OP_SASL_MECHANISM_PLAIN | OP_SASL_MECHANISM_LOGIN;
  g_autoptr(GError) error = NULL;

  /* Strongest first. */
  g_assert_cmpint (op_sasl_choose_mechanism (all, all, FALSE, TRUE, FALSE, &error), ==,
                   OP_SASL_MECHANISM_CRAM_MD5);
  g_assert_cmpint (op_sasl_choose_mechanism (plain_login, all, FALSE, TRUE, FALSE, &error),
                   ==, OP_SASL_MECHANISM_PLAIN);
  g_assert_cmpint (op_sasl_choose_mechanism (OP_SASL_MECHANISM_LOGIN, all, FALSE, TRUE, FALSE,
                                             &error), ==, OP_SASL_MECHANISM_LOGIN);
  g_assert_no_error (error);

  /* The caller may exclude mechanisms (an account that pins one). */
  g_assert_cmpint (op_sasl_choose_mechanism (all, OP_SASL_MECHANISM_LOGIN, FALSE, TRUE, FALSE,
                                             &error), ==, OP_SASL_MECHANISM_LOGIN);

  /* A token goes only as XOAUTH2, and XOAUTH2 only with a token. */
  g_assert_cmpint (op_sasl_choose_mechanism (all, all, TRUE, TRUE, FALSE, &error), ==,
                   OP_SASL_MECHANISM_XOAUTH2);
  g_assert_cmpint (op_sasl_choose_mechanism (OP_SASL_MECHANISM_XOAUTH2 | OP_SASL_MECHANISM_PLAIN,
                                             all, FALSE, TRUE, FALSE, &error), ==,
                   OP_SASL_MECHANISM_PLAIN);
  g_assert_cmpint (op_sasl_choose_mechanism (plain_login, all, TRUE, TRUE, FALSE, &error), ==,
                   OP_SASL_MECHANISM_NONE);
  g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_NO_MECHANISM);
  g_assert_nonnull (strstr (error->message, "PLAIN"));
  g_clear_error (&error);

  /* No password in the clear without the opt-in. */
  g_assert_cmpint (op_sasl_choose_mechanism (plain_login, all, FALSE, FALSE, FALSE, &error),
                   ==, OP_SASL_MECHANISM_NONE);
  g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_PLAINTEXT_REFUSED);
  g_clear_error (&error);
  g_assert_cmpint (op_sasl_choose_mechanism (plain_login, all, FALSE, FALSE, TRUE, &error),
                   ==, OP_SASL_MECHANISM_PLAIN);
  g_assert_no_error (error);

  /* Nor a CRAM-MD5 digest (crackable offline) … */
  g_assert_cmpint (op_sasl_choose_mechanism (all, all, FALSE, FALSE, FALSE, &error), ==,
                   OP_SASL_MECHANISM_NONE);
  g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_PLAINTEXT_REFUSED);
  g_assert_nonnull (strstr (error->message, "CRAM-MD5"));
  g_clear_error (&error);
  g_assert_cmpint (op_sasl_choose_mechanism (OP_SASL_MECHANISM_CRAM_MD5, all, FALSE, FALSE,
                                             FALSE, &error), ==, OP_SASL_MECHANISM_NONE);
  g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_PLAINTEXT_REFUSED);
  g_clear_error (&error);
  g_assert_cmpint (op_sasl_choose_mechanism (all, all, FALSE, FALSE, TRUE, &error), ==,
                   OP_SASL_MECHANISM_CRAM_MD5);
  g_assert_no_error (error);

  /* … nor a bearer token: an unencrypted link needs the same opt-in. */
  g_assert_cmpint (op_sasl_choose_mechanism (all, all, TRUE, FALSE, FALSE, &error), ==,
                   OP_SASL_MECHANISM_NONE);
  g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_PLAINTEXT_REFUSED);
  g_assert_nonnull (strstr (error->message, "token"));
  g_clear_error (&error);
  g_assert_cmpint (op_sasl_choose_mechanism (OP_SASL_MECHANISM_XOAUTH2, all, TRUE, FALSE,
                                             FALSE, &error), ==, OP_SASL_MECHANISM_NONE);
  g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_PLAINTEXT_REFUSED);
  g_clear_error (&error);
  g_assert_cmpint (op_sasl_choose_mechanism (all, all, TRUE, FALSE, TRUE, &error), ==,
                   OP_SASL_MECHANISM_XOAUTH2);
  g_assert_no_error (error);

  /* Nothing we know. */
  g_assert_cmpint (op_sasl_choose_mechanism (OP_SASL_MECHANISM_NONE, all, FALSE, TRUE, TRUE,
                                             &error), ==, OP_SASL_MECHANISM_NONE);
  g_assert_error (error, OP_SASL_ERROR, OP_SASL_ERROR_NO_MECHANISM);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sasl/cram-md5/rfc2195-example", test_cram_md5_rfc2195_example);
  g_test_add_func ("/sasl/cram-md5/hmac-vectors", test_cram_md5_hmac_vectors);
  g_test_add_func ("/sasl/plain/initial-response", test_plain);
  g_test_add_func ("/sasl/plain/after-empty-challenge", test_plain_after_empty_challenge);
  g_test_add_func ("/sasl/plain/authzid-and-utf8", test_plain_message_authzid);
  g_test_add_func ("/sasl/login/two-challenges", test_login);
  g_test_add_func ("/sasl/xoauth2/initial-response-and-error", test_xoauth2);
  g_test_add_func ("/sasl/challenge/bad", test_bad_challenges);
  g_test_add_func ("/sasl/mechanism/names", test_names);
  g_test_add_func ("/sasl/mechanism/choose-strongest-allowed", test_choose);

  return g_test_run ();
}
