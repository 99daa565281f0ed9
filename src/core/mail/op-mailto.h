/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * OpMailto:
 * A mailto: URI (RFC 6068) taken apart: the addresses comma-separated as the composer's
 * fields take them (each NULL or "" when absent), the subject and the body. Pure: the
 * Mail view fills a composer from it (op-mail-mailto.h), fuzz-uri-address feeds it.
 */
typedef struct
{
  char *to;
  char *cc;
  char *bcc;
  char *subject;
  char *body;
} OpMailto;

void      op_mailto_free  (OpMailto    *mailto);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpMailto, op_mailto_free)

/* Fails with G_URI_ERROR (a translated message naming @uri) when @uri is not a mailto:
 * URI, not validly percent-encoded or not UTF-8 once decoded. Every field is then valid
 * UTF-8 without NUL. (transfer full) */
OpMailto *op_mailto_parse (const char  *uri,
                           GError     **error);

G_END_DECLS
