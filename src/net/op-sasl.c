/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-sasl"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-sasl.h"
#include "op-secret.h"

G_DEFINE_QUARK (op-sasl-error-quark, op_sasl_error)

struct _OpSaslSession
{
  OpSaslMechanism  mechanism;
  char            *user;
  char            *secret;
  guint            step;        /* challenges answered (or the initial response sent) */
};

static const struct
{
  OpSaslMechanism  mechanism;
  const char      *name;
} mechanism_names[] = {
  { OP_SASL_MECHANISM_LOGIN, "LOGIN" },
  { OP_SASL_MECHANISM_PLAIN, "PLAIN" },
  { OP_SASL_MECHANISM_CRAM_MD5, "CRAM-MD5" },
  { OP_SASL_MECHANISM_XOAUTH2, "XOAUTH2" },
};

/* --- secrets --------------------------------------------------------------------------- */

void
op_sasl_secret_free (char *secret)
{
  op_secret_free (secret);
}

/* A GBytes whose memory is wiped when its last reference goes, whoever drops it. @data
 * is taken over. */
static GBytes *
secret_bytes_take (char  *data,
                   gsize  size)
{
  return op_secret_bytes_new_take (data, size);
}

static char *
base64_secret (const guint8 *data,
               gsize         size)
{
  return g_base64_encode (data, size);
}

static char *
base64_secret_bytes (GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  return base64_secret (data, size);
}

/* --- names ----------------------------------------------------------------------------- */

const char *
op_sasl_mechanism_to_string (OpSaslMechanism mechanism)
{
  for (gsize i = 0; i < G_N_ELEMENTS (mechanism_names); i++)
    if (mechanism_names[i].mechanism == mechanism)
      return mechanism_names[i].name;
  return NULL;
}

OpSaslMechanism
op_sasl_mechanism_from_string (const char *name)
{
  if (name == NULL)
    return OP_SASL_MECHANISM_NONE;
  for (gsize i = 0; i < G_N_ELEMENTS (mechanism_names); i++)
    if (g_ascii_strcasecmp (mechanism_names[i].name, name) == 0)
      return mechanism_names[i].mechanism;
  return OP_SASL_MECHANISM_NONE;
}

OpSaslMechanism
op_sasl_mechanisms_from_strv (const char * const *names)
{
  OpSaslMechanism set = OP_SASL_MECHANISM_NONE;

  for (gsize i = 0; names != NULL && names[i] != NULL; i++)
    set |= op_sasl_mechanism_from_string (names[i]);
  return set;
}

static char *
describe_set (OpSaslMechanism set)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (mechanism_names); i++)
    if (set & mechanism_names[i].mechanism)
      {
        if (s->len > 0)
          g_string_append (s, ", ");
        g_string_append (s, mechanism_names[i].name);
      }
  if (s->len == 0)
    /* Translators: the list of sign-in methods a server offers, when it offers none */
    g_string_append (s, _("none"));
  return g_string_free (s, FALSE);
}

/* --- choosing -------------------------------------------------------------------------- */

OpSaslMechanism
op_sasl_choose_mechanism (OpSaslMechanism   offered,
                          OpSaslMechanism   allowed,
                          gboolean          have_token,
                          gboolean          encrypted,
                          gboolean          allow_plaintext,
                          GError          **error)
{
  OpSaslMechanism usable = offered & allowed & OP_SASL_MECHANISM_ALL;
  g_autofree char *list = describe_set (offered);

  if (have_token)
    {
      if (!(usable & OP_SASL_MECHANISM_XOAUTH2))
        {
          g_set_error (error, OP_SASL_ERROR, OP_SASL_ERROR_NO_MECHANISM,
                       _("The server does not offer sign-in with an access token (XOAUTH2). "
                         "It offers: %s."), list);
          return OP_SASL_MECHANISM_NONE;
        }
      /* The token is a bearer credential: whoever reads it off the wire can sign in
       * with it until it expires, exactly like a password. */
      if (!encrypted && !allow_plaintext)
        {
          g_set_error_literal (error, OP_SASL_ERROR, OP_SASL_ERROR_PLAINTEXT_REFUSED,
                               _("The connection is not encrypted, and signing in would "
                                 "send the access token in the clear. Use TLS, or allow "
                                 "unencrypted passwords for this account if you trust "
                                 "the network."));
          return OP_SASL_MECHANISM_NONE;
        }
      return OP_SASL_MECHANISM_XOAUTH2;
    }

  /* CRAM-MD5 proves the password without sending it, so it wins even over TLS (where
   * it costs nothing and protects against a server that logs what it receives). Over an
   * unencrypted link it still needs the opt-in: an eavesdropper who records the challenge
   * and the digest can crack the password offline, and nothing stops a
   * man in the middle from stripping it from the list to get PLAIN instead. */
  if (usable & OP_SASL_MECHANISM_CRAM_MD5)
    {
      if (!encrypted && !allow_plaintext)
        {
          g_set_error (error, OP_SASL_ERROR, OP_SASL_ERROR_PLAINTEXT_REFUSED,
                       _("The connection is not encrypted, and signing in over it would "
                         "expose the password or a digest of it that can be cracked "
                         "offline (the server offers: %s). Use TLS, or allow unencrypted "
                         "passwords for this account if you trust the network."), list);
          return OP_SASL_MECHANISM_NONE;
        }
      return OP_SASL_MECHANISM_CRAM_MD5;
    }
  if (usable & (OP_SASL_MECHANISM_PLAIN | OP_SASL_MECHANISM_LOGIN))
    {
      if (!encrypted && !allow_plaintext)
        {
          g_set_error (error, OP_SASL_ERROR, OP_SASL_ERROR_PLAINTEXT_REFUSED,
                       _("The server only offers sign-in methods that send the password "
                         "unencrypted (%s), and the connection is not encrypted. Use TLS, "
                         "or allow unencrypted passwords for this account if you trust "
                         "the network."), list);
          return OP_SASL_MECHANISM_NONE;
        }
      return (usable & OP_SASL_MECHANISM_PLAIN) ? OP_SASL_MECHANISM_PLAIN
                                                : OP_SASL_MECHANISM_LOGIN;
    }
  g_set_error (error, OP_SASL_ERROR, OP_SASL_ERROR_NO_MECHANISM,
               _("The server offers no sign-in method Outpost can use. It offers: %s."),
               list);
  return OP_SASL_MECHANISM_NONE;
}

/* --- messages -------------------------------------------------------------------------- */

char *
op_sasl_cram_md5_response (const char   *user,
                           const char   *password,
                           const guint8 *challenge,
                           gsize         challenge_length)
{
  GHmac *hmac;
  const char *digest;
  char *response;

  g_return_val_if_fail (user != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (challenge != NULL || challenge_length == 0, NULL);

  /* RFC 2195 §2: digest = HMAC-MD5 (key = password, text = challenge), in lower-case
   * hex, after the user name and one space. */
  hmac = g_hmac_new (G_CHECKSUM_MD5, (const guchar *) password, strlen (password));
  g_hmac_update (hmac, challenge != NULL ? challenge : (const guint8 *) "", challenge_length);
  digest = g_hmac_get_string (hmac);
  response = g_strconcat (user, " ", digest, NULL);
  g_hmac_unref (hmac);
  return response;
}

GBytes *
op_sasl_plain_message (const char  *authzid,
                       const char  *user,
                       const char  *password,
                       GError     **error)
{
  gsize a, u, p;
  char *data;

  g_return_val_if_fail (user != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);

  /* Nul-terminated strings cannot hold a NUL, but RFC 4616 §2 also requires UTF-8. */
  if ((authzid != NULL && !g_utf8_validate (authzid, -1, NULL)) ||
      !g_utf8_validate (user, -1, NULL) || !g_utf8_validate (password, -1, NULL))
    {
      g_set_error_literal (error, OP_SASL_ERROR, OP_SASL_ERROR_INVALID_CREDENTIALS,
                           _("The user name or password is not valid UTF-8 text."));
      return NULL;
    }
  a = authzid != NULL ? strlen (authzid) : 0;
  u = strlen (user);
  p = strlen (password);
  data = g_malloc (a + 1 + u + 1 + p + 1);
  memcpy (data, authzid != NULL ? authzid : "", a);
  data[a] = '\0';
  memcpy (data + a + 1, user, u);
  data[a + 1 + u] = '\0';
  memcpy (data + a + 1 + u + 1, password, p);
  data[a + u + p + 2] = '\0';
  return secret_bytes_take (data, a + u + p + 2);
}

GBytes *
op_sasl_xoauth2_message (const char  *user,
                         const char  *token,
                         GError     **error)
{
  char *data;

  g_return_val_if_fail (user != NULL, NULL);
  g_return_val_if_fail (token != NULL, NULL);

  if (strchr (user, '\001') != NULL || strchr (token, '\001') != NULL ||
      !g_utf8_validate (user, -1, NULL) || !g_utf8_validate (token, -1, NULL))
    {
      g_set_error_literal (error, OP_SASL_ERROR, OP_SASL_ERROR_INVALID_CREDENTIALS,
                           _("The user name or access token contains characters that "
                             "cannot be sent."));
      return NULL;
    }
  data = g_strconcat ("user=", user, "\001auth=Bearer ", token, "\001\001", NULL);
  return secret_bytes_take (data, strlen (data));
}

/* --- sessions -------------------------------------------------------------------------- */

OpSaslSession *
op_sasl_session_new (OpSaslMechanism  mechanism,
                     const char      *user,
                     const char      *secret)
{
  OpSaslSession *session;

  g_return_val_if_fail (op_sasl_mechanism_to_string (mechanism) != NULL, NULL);
  g_return_val_if_fail (user != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  session = g_new0 (OpSaslSession, 1);
  session->mechanism = mechanism;
  session->user = g_strdup (user);
  session->secret = g_strdup (secret);
  return session;
}

void
op_sasl_session_free (OpSaslSession *session)
{
  if (session == NULL)
    return;
  op_sasl_secret_free (session->user);
  op_sasl_secret_free (session->secret);
  g_free (session);
}

OpSaslMechanism
op_sasl_session_get_mechanism (OpSaslSession *session)
{
  g_return_val_if_fail (session != NULL, OP_SASL_MECHANISM_NONE);
  return session->mechanism;
}

/* The first message of PLAIN or XOAUTH2. */
static char *
first_message (OpSaslSession  *session,
               GError        **error)
{
  GBytes *bytes;
  char *encoded;

  if (session->mechanism == OP_SASL_MECHANISM_PLAIN)
    bytes = op_sasl_plain_message (NULL, session->user, session->secret, error);
  else
    bytes = op_sasl_xoauth2_message (session->user, session->secret, error);
  if (bytes == NULL)
    return NULL;
  encoded = base64_secret_bytes (bytes);
  g_bytes_unref (bytes);
  session->step++;
  return encoded;
}

char *
op_sasl_session_initial_response (OpSaslSession  *session,
                                  GError        **error)
{
  g_return_val_if_fail (session != NULL, NULL);

  if (session->step > 0 ||
      (session->mechanism != OP_SASL_MECHANISM_PLAIN &&
       session->mechanism != OP_SASL_MECHANISM_XOAUTH2))
    return NULL;
  return first_message (session, error);
}

/* RFC 4648 §4, strictly: the alphabet, padding only at the end, a multiple of 4. Many
 * decoders (g_base64_decode among them) skip what they don't know; a challenge that is
 * not base64 is a broken or hostile server, and is said to be one. */
static guint8 *
decode_challenge (const char  *challenge,
                  gsize       *length,
                  GError     **error)
{
  gsize n = strlen (challenge);
  gsize pad = 0;

  if (n > OP_SASL_MAX_CHALLENGE)
    {
      g_set_error (error, OP_SASL_ERROR, OP_SASL_ERROR_BAD_CHALLENGE,
                   _("The server’s authentication challenge is too long (%lu characters)."),
                   (gulong) n);
      return NULL;
    }
  for (gsize i = 0; i < n; i++)
    {
      char c = challenge[i];

      if (c == '=')
        pad++;
      else if (pad > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        goto bad;
    }
  if (n % 4 != 0 || pad > 2)
    goto bad;
  if (n == 0)
    {
      *length = 0;
      return (guint8 *) g_strdup ("");
    }
  return g_base64_decode (challenge, length);

bad:
  g_set_error_literal (error, OP_SASL_ERROR, OP_SASL_ERROR_BAD_CHALLENGE,
                       _("The server’s authentication challenge is not valid base64."));
  return NULL;
}

static char *
unexpected_challenge (OpSaslSession  *session,
                      GError        **error)
{
  g_set_error (error, OP_SASL_ERROR, OP_SASL_ERROR_BAD_CHALLENGE,
               _("The server sent an unexpected challenge during %s authentication."),
               op_sasl_mechanism_to_string (session->mechanism));
  return NULL;
}

char *
op_sasl_session_respond (OpSaslSession  *session,
                         const char     *challenge,
                         GError        **error)
{
  g_autofree guint8 *decoded = NULL;
  gsize length = 0;
  char *response = NULL;

  g_return_val_if_fail (session != NULL, NULL);
  g_return_val_if_fail (challenge != NULL, NULL);

  decoded = decode_challenge (challenge, &length, error);
  if (decoded == NULL)
    return NULL;

  switch (session->mechanism)
    {
    case OP_SASL_MECHANISM_PLAIN:
      /* RFC 4954 §4: without an initial response the server sends an empty challenge. */
      if (session->step > 0 || length > 0)
        return unexpected_challenge (session, error);
      return first_message (session, error);

    case OP_SASL_MECHANISM_XOAUTH2:
      if (session->step == 0)
        {
          if (length > 0)
            return unexpected_challenge (session, error);
          return first_message (session, error);
        }
      /* The server's JSON error: an empty response makes it send its failure reply. */
      if (session->step > 1)
        return unexpected_challenge (session, error);
      session->step++;
      return g_strdup ("");

    case OP_SASL_MECHANISM_LOGIN:
      /* "Username:" then "Password:"; servers word (and sometimes omit) them
       * differently, so the order decides, not the words. */
      if (session->step >= 2)
        return unexpected_challenge (session, error);
      {
        const char *field = session->step == 0 ? session->user : session->secret;

        response = base64_secret ((const guint8 *) field, strlen (field));
      }
      session->step++;
      return response;

    case OP_SASL_MECHANISM_CRAM_MD5:
      {
        char *raw;

        if (session->step > 0 || length == 0)
          return unexpected_challenge (session, error);
        raw = op_sasl_cram_md5_response (session->user, session->secret, decoded, length);
        response = base64_secret ((const guint8 *) raw, strlen (raw));
        op_sasl_secret_free (raw);
        session->step++;
        return response;
      }

    case OP_SASL_MECHANISM_NONE:
    default:
      g_assert_not_reached ();
    }
  return NULL;
}
