/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-sasl"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "op-sasl.h"

/*
 * SASL (op-sasl.h) as a server drives it. The input's lines (LF, a CR before it dropped):
 * the first byte's bits choose the allowed mechanisms and the connection's flags, the
 * first line is the user, the second the secret, the third the mechanisms the server
 * offers (words, as after "AUTH" in EHLO or "AUTH=" in CAPABILITY), and every further
 * line is one server challenge, answered in turn by a session of the chosen mechanism
 * (and by one of every mechanism). Besides "no crash":
 *
 * - the chosen mechanism is one of offered ∩ allowed, a single one, XOAUTH2 only with a
 *   token and any of them only encrypted or with plaintext allowed; else an OpSaslError;
 * - every response is base64 and decodes to what the mechanism sends: LOGIN the user or
 *   the secret, PLAIN "\0user\0secret", CRAM-MD5 "user " and 32 lower-case hex digits,
 *   XOAUTH2 its message or an empty answer to the server's error;
 * - a challenge that is refused is refused with OP_SASL_ERROR_BAD_CHALLENGE.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_base64 (const char *response)
{
  for (const char *p = response; *p != '\0'; p++)
    g_assert (g_ascii_isalnum (*p) || *p == '+' || *p == '/' || *p == '=');
}

/* @response (base64) is what @mechanism may send for @user and @secret. */
static void
check_response (OpSaslMechanism  mechanism,
                const char      *user,
                const char      *secret,
                const char      *response)
{
  g_autofree guchar *raw = NULL;
  gsize length = 0;

  check_base64 (response);
  raw = g_base64_decode (response, &length);
  switch (mechanism)
    {
    case OP_SASL_MECHANISM_LOGIN:
      g_assert ((length == strlen (user) && memcmp (raw, user, length) == 0) ||
                (length == strlen (secret) && memcmp (raw, secret, length) == 0));
      break;
    case OP_SASL_MECHANISM_PLAIN:
      g_assert (length == strlen (user) + strlen (secret) + 2);
      g_assert (raw[0] == '\0');
      g_assert (memcmp (raw + 1, user, strlen (user)) == 0);
      g_assert (raw[1 + strlen (user)] == '\0');
      g_assert (memcmp (raw + 2 + strlen (user), secret, strlen (secret)) == 0);
      break;
    case OP_SASL_MECHANISM_CRAM_MD5:
      g_assert (length == strlen (user) + 1 + 32);
      g_assert (memcmp (raw, user, strlen (user)) == 0 && raw[strlen (user)] == ' ');
      for (gsize i = strlen (user) + 1; i < length; i++)
        g_assert (g_ascii_isdigit (raw[i]) || (raw[i] >= 'a' && raw[i] <= 'f'));
      break;
    case OP_SASL_MECHANISM_XOAUTH2:
      if (length > 0)
        {
          g_autoptr(GBytes) expected = op_sasl_xoauth2_message (user, secret, NULL);

          g_assert (expected != NULL);
          g_assert (length == g_bytes_get_size (expected));
          g_assert (memcmp (raw, g_bytes_get_data (expected, NULL), length) == 0);
        }
      break;
    case OP_SASL_MECHANISM_NONE:
    default:
      g_assert_not_reached ();
    }
}

/* One exchange of @mechanism over @challenges: the initial response, then an answer to
 * each challenge until one is refused. */
static void
run_exchange (OpSaslMechanism  mechanism,
              const char      *user,
              const char      *secret,
              GPtrArray       *challenges,
              gboolean         initial)
{
  g_autoptr(OpSaslSession) session = op_sasl_session_new (mechanism, user, secret);
  /* RFC 4616 §2 wants UTF-8; XOAUTH2 separates its fields with ^A. */
  gboolean valid = g_utf8_validate (user, -1, NULL) && g_utf8_validate (secret, -1, NULL) &&
                   (mechanism != OP_SASL_MECHANISM_XOAUTH2 ||
                    (strchr (user, '\001') == NULL && strchr (secret, '\001') == NULL));

  g_assert (op_sasl_session_get_mechanism (session) == mechanism);
  if (initial)
    {
      g_autoptr(GError) error = NULL;
      char *response = op_sasl_session_initial_response (session, &error);

      if (response != NULL)
        {
          g_assert (error == NULL);
          g_assert (mechanism == OP_SASL_MECHANISM_PLAIN ||
                    mechanism == OP_SASL_MECHANISM_XOAUTH2);
          check_response (mechanism, user, secret, response);
          op_sasl_secret_free (response);
        }
      else if (error != NULL)
        {
          g_assert (error->domain == OP_SASL_ERROR);
          g_assert (error->code == OP_SASL_ERROR_INVALID_CREDENTIALS);
          g_assert (!valid);
          return;
        }
      else
        g_assert (mechanism == OP_SASL_MECHANISM_LOGIN ||
                  mechanism == OP_SASL_MECHANISM_CRAM_MD5);
    }
  for (guint i = 0; i < challenges->len; i++)
    {
      g_autoptr(GError) error = NULL;
      char *response = op_sasl_session_respond (session, g_ptr_array_index (challenges, i),
                                                &error);

      if (response == NULL)
        {
          g_assert (error != NULL && error->domain == OP_SASL_ERROR);
          g_assert (error->code == OP_SASL_ERROR_BAD_CHALLENGE ||
                    error->code == OP_SASL_ERROR_INVALID_CREDENTIALS);
          g_assert (error->message[0] != '\0');
          return;
        }
      g_assert (error == NULL);
      check_response (mechanism, user, secret, response);
      op_sasl_secret_free (response);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const OpSaslMechanism all[] = { OP_SASL_MECHANISM_LOGIN, OP_SASL_MECHANISM_PLAIN,
                                  OP_SASL_MECHANISM_CRAM_MD5, OP_SASL_MECHANISM_XOAUTH2 };
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) challenges = g_ptr_array_new ();
  g_auto(GStrv) offered_names = NULL;
  g_autoptr(GError) error = NULL;
  const char *p, *end;
  guint8 flags;
  OpSaslMechanism allowed, offered, chosen;
  gboolean have_token, encrypted, allow_plaintext;
  const char *user, *secret;

  if (size == 0)
    return 0;
  flags = data[0];
  allowed = flags & OP_SASL_MECHANISM_ALL;
  have_token = (flags & 0x10) != 0;
  encrypted = (flags & 0x20) != 0;
  allow_plaintext = (flags & 0x40) != 0;

  p = (const char *) data + 1;
  end = (const char *) data + size;
  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize length = (nl != NULL ? nl : end) - p;

      if (length > 0 && p[length - 1] == '\r')
        length--;
      /* A line is a C string from here on, as the clients hand it over. */
      g_ptr_array_add (lines, g_strndup (p, length));
      p = nl != NULL ? nl + 1 : end;
    }
  user = lines->len > 0 ? g_ptr_array_index (lines, 0) : "";
  secret = lines->len > 1 ? g_ptr_array_index (lines, 1) : "";
  offered_names = g_strsplit (lines->len > 2 ? (char *) g_ptr_array_index (lines, 2) : "",
                              " ", -1);
  for (guint i = 3; i < lines->len; i++)
    g_ptr_array_add (challenges, g_ptr_array_index (lines, i));

  for (char **name = offered_names; *name != NULL; name++)
    {
      OpSaslMechanism one = op_sasl_mechanism_from_string (*name);
      const char *back = op_sasl_mechanism_to_string (one);

      g_assert (one == OP_SASL_MECHANISM_NONE || back != NULL);
      if (back != NULL)
        g_assert (g_ascii_strcasecmp (back, *name) == 0);
    }
  offered = op_sasl_mechanisms_from_strv ((const char * const *) offered_names);
  g_assert ((offered & ~OP_SASL_MECHANISM_ALL) == 0);

  chosen = op_sasl_choose_mechanism (offered, allowed, have_token, encrypted, allow_plaintext,
                                     &error);
  if (chosen == OP_SASL_MECHANISM_NONE)
    {
      g_assert (error != NULL && error->domain == OP_SASL_ERROR);
      g_assert (error->message[0] != '\0');
    }
  else
    {
      g_assert (error == NULL);
      g_assert ((chosen & offered & allowed) == chosen);
      g_assert (op_sasl_mechanism_to_string (chosen) != NULL);
      g_assert (encrypted || allow_plaintext);
      g_assert ((chosen == OP_SASL_MECHANISM_XOAUTH2) == have_token);
      run_exchange (chosen, user, secret, challenges, TRUE);
    }

  /* Every mechanism meets the same challenges, with and without its initial response. */
  for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
    {
      run_exchange (all[i], user, secret, challenges, FALSE);
      run_exchange (all[i], user, secret, challenges, TRUE);
    }

  /* CRAM-MD5 over the raw bytes, as a decoded challenge would be. */
  {
    g_autofree char *digest = op_sasl_cram_md5_response (user, secret, data, size);

    g_assert (strlen (digest) == strlen (user) + 1 + 32);
  }
  return 0;
}
