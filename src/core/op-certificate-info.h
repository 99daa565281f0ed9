/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OP_TYPE_CERTIFICATE_INFO (op_certificate_info_get_type ())
G_DECLARE_FINAL_TYPE (OpCertificateInfo, op_certificate_info, OP, CERTIFICATE_INFO, GObject)

/*
 * What the user is shown about a certificate the system store did not accept:
 * immutable, built from a GTlsCertificate, safe to pass between threads.
 */
OpCertificateInfo    *op_certificate_info_new                (const char           *host,
                                                              guint16               port,
                                                              GTlsCertificate      *certificate,
                                                              GTlsCertificateFlags  errors,
                                                              gboolean              pin_mismatch);
const char           *op_certificate_info_get_host           (OpCertificateInfo    *self);
guint16               op_certificate_info_get_port           (OpCertificateInfo    *self);
GTlsCertificate      *op_certificate_info_get_certificate    (OpCertificateInfo    *self);
const char           *op_certificate_info_get_subject        (OpCertificateInfo    *self);
const char           *op_certificate_info_get_issuer         (OpCertificateInfo    *self);
GDateTime            *op_certificate_info_get_not_before     (OpCertificateInfo    *self);
GDateTime            *op_certificate_info_get_not_after      (OpCertificateInfo    *self);
/* Upper-case hex pairs separated by colons, e.g. "AB:CD:…" (95 characters). */
const char           *op_certificate_info_get_sha256         (OpCertificateInfo    *self);
GTlsCertificateFlags  op_certificate_info_get_errors         (OpCertificateInfo    *self);
/* TRUE when host:port is pinned to a different certificate: a hard, distinct warning. */
gboolean              op_certificate_info_get_pin_mismatch   (OpCertificateInfo    *self);
/* One translated sentence per problem, joined by newlines. */
char                 *op_certificate_info_describe_errors    (OpCertificateInfo    *self);

/* SHA-256 of the DER encoding, formatted as op_certificate_info_get_sha256() does. */
char                 *op_certificate_sha256_fingerprint      (GTlsCertificate      *certificate);

G_END_DECLS
