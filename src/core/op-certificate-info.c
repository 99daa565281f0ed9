/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-trust"

#include "config.h"

#include <glib/gi18n.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "op-certificate-info.h"

struct _OpCertificateInfo
{
  GObject               parent_instance;

  char                 *host;
  guint16               port;
  GTlsCertificate      *certificate;
  GTlsCertificateFlags  errors;
  gboolean              pin_mismatch;

  /* Derived in constructed(); the object is immutable afterwards, so it can be handed
   * from the worker that verifies to the main thread that prompts. */
  char                 *subject;
  char                 *issuer;
  GDateTime            *not_before;
  GDateTime            *not_after;
  char                 *sha256;
};

enum
{
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_CERTIFICATE,
  PROP_ERRORS,
  PROP_PIN_MISMATCH,
  PROP_SUBJECT,
  PROP_ISSUER,
  PROP_NOT_BEFORE,
  PROP_NOT_AFTER,
  PROP_SHA256,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OpCertificateInfo, op_certificate_info, G_TYPE_OBJECT)

static GByteArray *
certificate_der (GTlsCertificate *certificate)
{
  GByteArray *der = NULL;

  g_object_get (certificate, "certificate", &der, NULL);

  return der;
}

static char *
format_fingerprint (const guint8 *digest,
                    gsize         length)
{
  GString *out = g_string_sized_new (length * 3);

  for (gsize i = 0; i < length; i++)
    g_string_append_printf (out, i == 0 ? "%02X" : ":%02X", digest[i]);

  return g_string_free (out, FALSE);
}

/**
 * op_certificate_sha256_fingerprint:
 * @certificate: a certificate
 *
 * The SHA-256 digest of the certificate's DER encoding, as upper-case hex pairs joined
 * by colons: the form `openssl x509 -fingerprint -sha256` prints and users compare.
 *
 * Returns: (transfer full) (nullable): the fingerprint, or %NULL if the certificate has
 *   no DER encoding
 */
char *
op_certificate_sha256_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  guint8 digest[32];
  size_t digest_size = sizeof digest;
  gnutls_datum_t datum;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  der = certificate_der (certificate);
  if (der == NULL || der->len == 0)
    return NULL;

  datum.data = der->data;
  datum.size = der->len;
  if (gnutls_fingerprint (GNUTLS_DIG_SHA256, &datum, digest, &digest_size) != GNUTLS_E_SUCCESS
      || digest_size != sizeof digest)
    return NULL;

  return format_fingerprint (digest, digest_size);
}

static char *
take_gnutls_string (gnutls_datum_t *datum)
{
  char *copy = g_strndup ((const char *) datum->data, datum->size);

  gnutls_free (datum->data);
  datum->data = NULL;

  return copy;
}

static GDateTime *
date_from_time (time_t when)
{
  if (when == (time_t) -1)
    return NULL;

  return g_date_time_new_from_unix_utc ((gint64) when);
}

/* GnuTLS rather than the GIO 2.70 getters: they give the same RFC 4514 names, but GnuTLS
 * also works for certificates that did not come from the GnuTLS GIO backend. */
static void
load_details (OpCertificateInfo *self)
{
  g_autoptr(GByteArray) der = certificate_der (self->certificate);
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t datum;
  gnutls_datum_t name = { NULL, 0 };

  self->sha256 = op_certificate_sha256_fingerprint (self->certificate);

  if (der == NULL || der->len == 0 || gnutls_x509_crt_init (&crt) != GNUTLS_E_SUCCESS)
    return;

  datum.data = der->data;
  datum.size = der->len;
  if (gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_DER) == GNUTLS_E_SUCCESS)
    {
      if (gnutls_x509_crt_get_dn3 (crt, &name, 0) == GNUTLS_E_SUCCESS)
        self->subject = take_gnutls_string (&name);
      if (gnutls_x509_crt_get_issuer_dn3 (crt, &name, 0) == GNUTLS_E_SUCCESS)
        self->issuer = take_gnutls_string (&name);
      self->not_before = date_from_time (gnutls_x509_crt_get_activation_time (crt));
      self->not_after = date_from_time (gnutls_x509_crt_get_expiration_time (crt));
    }

  gnutls_x509_crt_deinit (crt);
}

static void
op_certificate_info_constructed (GObject *object)
{
  OpCertificateInfo *self = OP_CERTIFICATE_INFO (object);

  G_OBJECT_CLASS (op_certificate_info_parent_class)->constructed (object);

  g_assert (self->certificate != NULL);

  load_details (self);

  /* The getters promise strings; an unparsable certificate shows empty names. */
  if (self->subject == NULL)
    self->subject = g_strdup ("");
  if (self->issuer == NULL)
    self->issuer = g_strdup ("");
  if (self->sha256 == NULL)
    self->sha256 = g_strdup ("");
  if (self->host == NULL)
    self->host = g_strdup ("");
}

static void
op_certificate_info_finalize (GObject *object)
{
  OpCertificateInfo *self = OP_CERTIFICATE_INFO (object);

  g_clear_pointer (&self->host, g_free);
  g_clear_object (&self->certificate);
  g_clear_pointer (&self->subject, g_free);
  g_clear_pointer (&self->issuer, g_free);
  g_clear_pointer (&self->not_before, g_date_time_unref);
  g_clear_pointer (&self->not_after, g_date_time_unref);
  g_clear_pointer (&self->sha256, g_free);

  G_OBJECT_CLASS (op_certificate_info_parent_class)->finalize (object);
}

static void
op_certificate_info_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  OpCertificateInfo *self = OP_CERTIFICATE_INFO (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_CERTIFICATE:
      g_value_set_object (value, self->certificate);
      break;
    case PROP_ERRORS:
      g_value_set_flags (value, self->errors);
      break;
    case PROP_PIN_MISMATCH:
      g_value_set_boolean (value, self->pin_mismatch);
      break;
    case PROP_SUBJECT:
      g_value_set_string (value, self->subject);
      break;
    case PROP_ISSUER:
      g_value_set_string (value, self->issuer);
      break;
    case PROP_NOT_BEFORE:
      g_value_set_boxed (value, self->not_before);
      break;
    case PROP_NOT_AFTER:
      g_value_set_boxed (value, self->not_after);
      break;
    case PROP_SHA256:
      g_value_set_string (value, self->sha256);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_certificate_info_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  OpCertificateInfo *self = OP_CERTIFICATE_INFO (object);

  switch (prop_id)
    {
    case PROP_HOST:
      self->host = g_value_dup_string (value);
      break;
    case PROP_PORT:
      self->port = (guint16) g_value_get_uint (value);
      break;
    case PROP_CERTIFICATE:
      self->certificate = g_value_dup_object (value);
      break;
    case PROP_ERRORS:
      self->errors = g_value_get_flags (value);
      break;
    case PROP_PIN_MISMATCH:
      self->pin_mismatch = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_certificate_info_class_init (OpCertificateInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags derived = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS
                              | G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructed = op_certificate_info_constructed;
  object_class->finalize = op_certificate_info_finalize;
  object_class->get_property = op_certificate_info_get_property;
  object_class->set_property = op_certificate_info_set_property;

  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL, NULL, construct);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, construct);
  properties[PROP_CERTIFICATE] =
    g_param_spec_object ("certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE, construct);
  properties[PROP_ERRORS] =
    g_param_spec_flags ("errors", NULL, NULL, G_TYPE_TLS_CERTIFICATE_FLAGS, 0, construct);
  properties[PROP_PIN_MISMATCH] =
    g_param_spec_boolean ("pin-mismatch", NULL, NULL, FALSE, construct);
  properties[PROP_SUBJECT] =
    g_param_spec_string ("subject", NULL, NULL, NULL, derived);
  properties[PROP_ISSUER] =
    g_param_spec_string ("issuer", NULL, NULL, NULL, derived);
  properties[PROP_NOT_BEFORE] =
    g_param_spec_boxed ("not-before", NULL, NULL, G_TYPE_DATE_TIME, derived);
  properties[PROP_NOT_AFTER] =
    g_param_spec_boxed ("not-after", NULL, NULL, G_TYPE_DATE_TIME, derived);
  properties[PROP_SHA256] =
    g_param_spec_string ("sha256", NULL, NULL, NULL, derived);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_certificate_info_init (OpCertificateInfo *self)
{
}

/**
 * op_certificate_info_new:
 * @host: the host name the user connected to
 * @port: the port
 * @certificate: the certificate the server presented
 * @errors: what verification against the system store found wrong
 * @pin_mismatch: %TRUE when @host:@port is pinned to a different certificate
 *
 * Returns: (transfer full): the details to show the user
 */
OpCertificateInfo *
op_certificate_info_new (const char           *host,
                         guint16               port,
                         GTlsCertificate      *certificate,
                         GTlsCertificateFlags  errors,
                         gboolean              pin_mismatch)
{
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  return g_object_new (OP_TYPE_CERTIFICATE_INFO,
                       "host", host,
                       "port", (guint) port,
                       "certificate", certificate,
                       "errors", errors,
                       "pin-mismatch", pin_mismatch,
                       NULL);
}

/**
 * op_certificate_info_get_host:
 * @self: certificate details
 *
 * Returns: (transfer none): the host name the user connected to
 */
const char *
op_certificate_info_get_host (OpCertificateInfo *self)
{
  g_return_val_if_fail (OP_IS_CERTIFICATE_INFO (self), NULL);

  return self->host;
}

/**
 * op_certificate_info_get_port:
 * @self: certificate details
 *
 * Returns: the port the user connected to
 */
guint16
op_certificate_info_get_port (OpCertificateInfo *self)
{
  g_return_val_if_fail (OP_IS_CERTIFICATE_INFO (self), 0);

  return self->port;
}

/**
 * op_certificate_info_get_certificate:
 * @self: certificate details
 *
 * Returns: (transfer none): the certificate the server presented
 */
GTlsCertificate *
op_certificate_info_get_certificate (OpCertificateInfo *self)
{
  g_return_val_if_fail (OP_IS_CERTIFICATE_INFO (self), NULL);

  return self->certificate;
}

/**
 * op_certificate_info_get_subject:
 * @self: certificate details
 *
 * Returns: (transfer none): the subject's distinguished name (RFC 4514), or "" if the
 *   certificate could not be parsed
 */
const char *
op_certificate_info_get_subject (OpCertificateInfo *self)
{
  g_return_val_if_fail (OP_IS_CERTIFICATE_INFO (self), NULL);

  return self->subject;
}

/**
 * op_certificate_info_get_issuer:
 * @self: certificate details
 *
 * Returns: (transfer none): the issuer's distinguished name (RFC 4514), or "" if the
 *   certificate could not be parsed
 */
const char *
op_certificate_info_get_issuer (OpCertificateInfo *self)
{
  g_return_val_if_fail (OP_IS_CERTIFICATE_INFO (self), NULL);

  return self->issuer;
}

/**
 * op_certificate_info_get_not_before:
 * @self: certificate details
 *
 * Returns: (transfer none) (nullable): the start of the validity period (UTC)
 */
GDateTime *
op_certificate_info_get_not_before (OpCertificateInfo *self)
{
  g_return_val_if_fail (OP_IS_CERTIFICATE_INFO (self), NULL);

  return self->not_before;
}

/**
 * op_certificate_info_get_not_after:
 * @self: certificate details
 *
 * Returns: (transfer none) (nullable): the end of the validity period (UTC)
 */
GDateTime *
op_certificate_info_get_not_after (OpCertificateInfo *self)
{
  g_return_val_if_fail (OP_IS_CERTIFICATE_INFO (self), NULL);

  return self->not_after;
}

/**
 * op_certificate_info_get_sha256:
 * @self: certificate details
 *
 * Returns: (transfer none): the SHA-256 fingerprint of the DER encoding ("AB:CD:…")
 */
const char *
op_certificate_info_get_sha256 (OpCertificateInfo *self)
{
  g_return_val_if_fail (OP_IS_CERTIFICATE_INFO (self), NULL);

  return self->sha256;
}

/**
 * op_certificate_info_get_errors:
 * @self: certificate details
 *
 * Returns: what verification against the system store found wrong
 */
GTlsCertificateFlags
op_certificate_info_get_errors (OpCertificateInfo *self)
{
  g_return_val_if_fail (OP_IS_CERTIFICATE_INFO (self), 0);

  return self->errors;
}

/**
 * op_certificate_info_get_pin_mismatch:
 * @self: certificate details
 *
 * Returns: %TRUE when host:port is pinned to a different certificate
 */
gboolean
op_certificate_info_get_pin_mismatch (OpCertificateInfo *self)
{
  g_return_val_if_fail (OP_IS_CERTIFICATE_INFO (self), FALSE);

  return self->pin_mismatch;
}

/**
 * op_certificate_info_describe_errors:
 * @self: certificate details
 *
 * One translated sentence per problem, most serious first, joined by newlines: a changed
 * pinned certificate, then each #GTlsCertificateFlags bit in @self's errors.
 *
 * Returns: (transfer full): the description ("" when nothing is wrong)
 */
char *
op_certificate_info_describe_errors (OpCertificateInfo *self)
{
  GString *out;
  GTlsCertificateFlags known = G_TLS_CERTIFICATE_UNKNOWN_CA | G_TLS_CERTIFICATE_BAD_IDENTITY
                               | G_TLS_CERTIFICATE_NOT_ACTIVATED | G_TLS_CERTIFICATE_EXPIRED
                               | G_TLS_CERTIFICATE_REVOKED | G_TLS_CERTIFICATE_INSECURE
                               | G_TLS_CERTIFICATE_GENERIC_ERROR;

  g_return_val_if_fail (OP_IS_CERTIFICATE_INFO (self), NULL);

  out = g_string_new (NULL);

#define ADD_SENTENCE(...) \
  G_STMT_START { \
    if (out->len > 0) \
      g_string_append_c (out, '\n'); \
    g_string_append_printf (out, __VA_ARGS__); \
  } G_STMT_END

  if (self->pin_mismatch)
    ADD_SENTENCE (_("This certificate is not the one you chose to trust for %s:%u before."),
                  self->host, (guint) self->port);
  if (self->errors & G_TLS_CERTIFICATE_REVOKED)
    ADD_SENTENCE ("%s", _("The certificate has been revoked by its issuer."));
  if (self->errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    ADD_SENTENCE (_("The certificate does not belong to “%s”."), self->host);
  if (self->errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    ADD_SENTENCE ("%s", _("The certificate is not signed by an authority your system trusts."));
  if (self->errors & G_TLS_CERTIFICATE_EXPIRED)
    ADD_SENTENCE ("%s", _("The certificate has expired."));
  if (self->errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    ADD_SENTENCE ("%s", _("The certificate is not valid yet."));
  if (self->errors & G_TLS_CERTIFICATE_INSECURE)
    ADD_SENTENCE ("%s", _("The certificate uses an insecure algorithm."));
  /* GENERIC_ERROR, and any bit a newer GLib adds, have no more precise wording. */
  if (self->errors & (G_TLS_CERTIFICATE_GENERIC_ERROR | ~known))
    ADD_SENTENCE ("%s", _("The certificate could not be verified."));

#undef ADD_SENTENCE

  return g_string_free (out, FALSE);
}
