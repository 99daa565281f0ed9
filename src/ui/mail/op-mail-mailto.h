/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-mail-composer.h"

G_BEGIN_DECLS

/**
 * OpMailMailto:
 * A mailto: URI (RFC 6068) taken apart: the addresses comma-separated as the composer's
 * fields take them (each NULL or "" when absent), the subject and the body.
 */
typedef struct
{
  char *to;
  char *cc;
  char *bcc;
  char *subject;
  char *body;
} OpMailMailto;

void          op_mail_mailto_free  (OpMailMailto *mailto);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpMailMailto, op_mail_mailto_free)

/* Fails with G_URI_ERROR (a translated message naming @uri) when @uri is not a mailto:
 * URI or not validly percent-encoded. */
OpMailMailto *op_mail_mailto_parse (const char     *uri,
                                    GError        **error);
/* Puts it into @composer's fields (after op_mail_composer_start_new()); the body goes
 * above the signature. */
void          op_mail_mailto_fill  (const OpMailMailto *mailto,
                                    OpMailComposer     *composer);

G_END_DECLS
