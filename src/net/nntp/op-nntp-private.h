/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Shared by the NNTP parsers (op-nntp-reply.c, op-nntp-list.c, op-nntp-overview.c). */

/* Sets OP_NNTP_ERROR_BAD_REPLY "The server sent an invalid reply (@what): “line”." and
 * returns FALSE. */
gboolean     _op_nntp_bad_reply       (GError           **error,
                                       const char        *what,
                                       const char        *line,
                                       gsize              length);
/* Decimal digits only, within @max; *@after points past them. */
gboolean     _op_nntp_parse_number    (const char        *p,
                                       const char        *end,
                                       const char       **after,
                                       guint64            max,
                                       guint64           *value);

/* A field from the server as valid UTF-8 with every TAB, CR, LF, NUL and other C0
 * control character turned into a space, so it can never shift the fields of a
 * tab-separated line, nor cut a string short. (transfer full) */
char        *_op_nntp_sanitize        (const char        *data,
                                       gsize              length);

G_END_DECLS
