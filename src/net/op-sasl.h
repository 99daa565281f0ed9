/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * SASL client helpers shared by SMTP (RFC 4954), POP3 (RFC 5034) and IMAP (RFC 3501
 * AUTHENTICATE): pure functions over bytes, no I/O. The protocol client sends what these
 * return (base64, without CRLF) and hands back what the server sent after its "334 " /
 * "+ " prefix.
 *
 * Secrets: every buffer that held a password, a token or a response derived from them is
 * overwritten before it is freed; free what these functions return with
 * op_sasl_secret_free().
 */

#define OP_SASL_ERROR (op_sasl_error_quark ())

/**
 * OpSaslError:
 * @OP_SASL_ERROR_NO_MECHANISM: the server offers no mechanism this client may use (the
 *   message lists what it offers). With a token, the server does not offer XOAUTH2.
 * @OP_SASL_ERROR_PLAINTEXT_REFUSED: the connection is not encrypted and the account
 *   does not allow signing in over it: every mechanism would expose the secret (PLAIN,
 *   LOGIN and XOAUTH2 send it as it is, CRAM-MD5 a digest that can be cracked offline);
 *   nothing was sent.
 * @OP_SASL_ERROR_BAD_CHALLENGE: the server's challenge is not valid base64, too long, or
 *   came when the mechanism expects none.
 * @OP_SASL_ERROR_INVALID_CREDENTIALS: the user name or secret cannot be sent (NUL in a
 *   PLAIN field, ^A in an XOAUTH2 field, not UTF-8).
 */
typedef enum
{
  OP_SASL_ERROR_NO_MECHANISM,
  OP_SASL_ERROR_PLAINTEXT_REFUSED,
  OP_SASL_ERROR_BAD_CHALLENGE,
  OP_SASL_ERROR_INVALID_CREDENTIALS,
} OpSaslError;

GQuark op_sasl_error_quark (void);

/**
 * OpSaslMechanism:
 * @OP_SASL_MECHANISM_NONE: none (no mechanism, or one this client does not know).
 * @OP_SASL_MECHANISM_LOGIN: the non-standard LOGIN (user, then password, each on a
 *   challenge); sends the password as it is.
 * @OP_SASL_MECHANISM_PLAIN: RFC 4616; sends the password as it is.
 * @OP_SASL_MECHANISM_CRAM_MD5: RFC 2195 (HMAC-MD5 of the server's challenge, RFC 2104);
 *   the password itself never travels.
 * @OP_SASL_MECHANISM_XOAUTH2: Google's and Microsoft's OAuth 2.0 bearer-token mechanism;
 *   the caller supplies the access token.
 *
 * Flags, so a set of mechanisms (offered, allowed) is one value.
 */
typedef enum
{
  OP_SASL_MECHANISM_NONE     = 0,
  OP_SASL_MECHANISM_LOGIN    = 1 << 0,
  OP_SASL_MECHANISM_PLAIN    = 1 << 1,
  OP_SASL_MECHANISM_CRAM_MD5 = 1 << 2,
  OP_SASL_MECHANISM_XOAUTH2  = 1 << 3,
} OpSaslMechanism;

#define OP_SASL_MECHANISM_ALL (OP_SASL_MECHANISM_LOGIN | OP_SASL_MECHANISM_PLAIN | \
                               OP_SASL_MECHANISM_CRAM_MD5 | OP_SASL_MECHANISM_XOAUTH2)

/* A challenge longer than this (base64) is refused: real ones are below 1 KiB (XOAUTH2's
 * JSON error is the longest), and a hostile server must not make us decode megabytes. */
#define OP_SASL_MAX_CHALLENGE 8192

/* "PLAIN", "CRAM-MD5"…; NULL for NONE or a set of several. */
const char       *op_sasl_mechanism_to_string   (OpSaslMechanism     mechanism);
/* Case-insensitive; NONE for an unknown name. */
OpSaslMechanism   op_sasl_mechanism_from_string (const char         *name);
/* The known mechanisms among @names (e.g. the words after "AUTH" in EHLO). */
OpSaslMechanism   op_sasl_mechanisms_from_strv  (const char * const *names);

/*
 * The strongest mechanism in @offered ∩ @allowed: XOAUTH2 when @have_token (and only
 * then: a token is never sent as a password, nor a password as a token); otherwise
 * CRAM-MD5, then PLAIN, then LOGIN. Every one of them needs @encrypted or
 * @allow_plaintext: a token or password in the clear is reusable by whoever reads it,
 * and a CRAM-MD5 digest can be cracked offline (OP_SASL_ERROR_PLAINTEXT_REFUSED).
 * NONE with an OpSaslError that says why (@offered is listed in it).
 */
OpSaslMechanism   op_sasl_choose_mechanism      (OpSaslMechanism     offered,
                                                 OpSaslMechanism     allowed,
                                                 gboolean            have_token,
                                                 gboolean            encrypted,
                                                 gboolean            allow_plaintext,
                                                 GError            **error);

typedef struct _OpSaslSession OpSaslSession;

/* One authentication exchange. @secret is the password, or the access token for
 * XOAUTH2; both are copied (and wiped when the session is freed). */
OpSaslSession    *op_sasl_session_new           (OpSaslMechanism     mechanism,
                                                 const char         *user,
                                                 const char         *secret);
void              op_sasl_session_free          (OpSaslSession      *session);
OpSaslMechanism   op_sasl_session_get_mechanism (OpSaslSession      *session);

/* The initial response (RFC 4954 §4, RFC 4959) in base64, for PLAIN and XOAUTH2; NULL
 * (no error) for mechanisms that start with a server challenge (LOGIN, CRAM-MD5). Once
 * returned, later challenges are answered as after it. (transfer full): free with
 * op_sasl_secret_free(). */
char             *op_sasl_session_initial_response (OpSaslSession   *session,
                                                 GError            **error);
/* The base64 answer to one base64 challenge (what followed "334 " or "+ "), or NULL
 * with OP_SASL_ERROR_BAD_CHALLENGE. PLAIN answers an empty challenge with its message
 * when it was not sent as an initial response; XOAUTH2 answers the server's error
 * challenge with an empty response (the server then sends its failure reply).
 * (transfer full): free with op_sasl_secret_free(). */
char             *op_sasl_session_respond       (OpSaslSession      *session,
                                                 const char         *challenge,
                                                 GError            **error);

/* Overwrites a nul-terminated secret, then frees it. NULL is ignored. */
void              op_sasl_secret_free           (char               *secret);

/* The raw (not base64) messages, for tests and for protocols that need them; the
 * GBytes are wiped when their last reference is dropped. */
/* RFC 2195 §2: "user " + lower-case hex HMAC-MD5(password, challenge). (transfer full) */
char             *op_sasl_cram_md5_response     (const char         *user,
                                                 const char         *password,
                                                 const guint8       *challenge,
                                                 gsize               challenge_length);
/* RFC 4616 §2: authzid NUL authcid NUL passwd (@authzid may be NULL: empty). NULL
 * with OP_SASL_ERROR_INVALID_CREDENTIALS for a field that is not UTF-8. */
GBytes           *op_sasl_plain_message         (const char         *authzid,
                                                 const char         *user,
                                                 const char         *password,
                                                 GError            **error);
/* "user=" user ^A "auth=Bearer " token ^A ^A. (transfer full) */
GBytes           *op_sasl_xoauth2_message       (const char         *user,
                                                 const char         *token,
                                                 GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpSaslSession, op_sasl_session_free)

G_END_DECLS
