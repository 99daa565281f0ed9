/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * IMAP mailbox names in modified UTF-7 (RFC 3501 §5.1.3): pure functions, unit-tested
 * and fuzzed with the response parser.
 */

/* UTF-8 → modified UTF-7. NULL with OP_IMAP_ERROR_INVALID_NAME when @utf8 is not valid
 * UTF-8 or contains a control character (a mailbox name never does). (transfer full) */
char *op_imap_utf7_encode (const char  *utf8,
                           GError     **error);

/* Modified UTF-7 → UTF-8, strictly: a byte outside printable US-ASCII, a "&" run that is
 * empty, unterminated, not modified BASE64, with non-zero padding bits, a broken
 * surrogate pair, a character that must be sent directly (printable ASCII), a control
 * character, or two encoded runs side by side, all give NULL with
 * OP_IMAP_ERROR_BAD_RESPONSE. (transfer full) */
char *op_imap_utf7_decode (const char  *utf7,
                           gsize        length,
                           GError     **error);

G_END_DECLS
