/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OP_MIME_ERROR (op_mime_error_quark ())

/**
 * OpMimeError:
 * @OP_MIME_ERROR_INVALID_HEADER: a header value (subject, name, file name, extra header)
 *   given by the caller contains CR, LF or NUL, or a header name is not a valid field name.
 *   Nothing was changed.
 * @OP_MIME_ERROR_INVALID_ADDRESS: an address given by the caller is not a single valid
 *   mailbox (or contains CR, LF or NUL).
 * @OP_MIME_ERROR_INVALID_MESSAGE: the input is not a message at all (empty, or no header).
 * @OP_MIME_ERROR_TOO_LARGE: the message is larger than OP_MIME_MAX_MESSAGE_SIZE.
 * @OP_MIME_ERROR_INCOMPLETE: a message cannot be built: no sender or no recipient.
 * @OP_MIME_ERROR_LOCAL: reading a file to attach failed (the message says which).
 */
typedef enum
{
  OP_MIME_ERROR_INVALID_HEADER,
  OP_MIME_ERROR_INVALID_ADDRESS,
  OP_MIME_ERROR_INVALID_MESSAGE,
  OP_MIME_ERROR_TOO_LARGE,
  OP_MIME_ERROR_INCOMPLETE,
  OP_MIME_ERROR_LOCAL,
} OpMimeError;

GQuark op_mime_error_quark (void);

/* Bounds on hostile input (DESIGN.md "Hostile input"). A message past a bound is parsed
 * as far as the bound allows and marked truncated; it never fails or crashes. */
#define OP_MIME_MAX_MESSAGE_SIZE  (256 * 1024 * 1024)
#define OP_MIME_MAX_DEPTH         16     /* nested multiparts and message/rfc822 */
#define OP_MIME_MAX_PARTS         1000   /* leaf parts in a whole message */
#define OP_MIME_MAX_BODY_SIZE     (8 * 1024 * 1024) /* decoded text or HTML body shown */
#define OP_MIME_MAX_TEXT_LENGTH   (4 * 1024 * 1024) /* HTML-to-text output */
#define OP_MIME_MAX_HEADER_TEXT   (16 * 1024)       /* a subject or other text field */

/**
 * OpMimeRequirements:
 * @OP_MIME_NEEDS_NOTHING: 7-bit clean: plain SMTP will do.
 * @OP_MIME_NEEDS_8BITMIME: the message contains bytes >= 0x80 (RFC 6152 BODY=8BITMIME).
 * @OP_MIME_NEEDS_SMTPUTF8: an address in the header (or the envelope) is not ASCII
 *   (RFC 6531); such a message also needs 8BITMIME.
 */
typedef enum
{
  OP_MIME_NEEDS_NOTHING  = 0,
  OP_MIME_NEEDS_8BITMIME = 1 << 0,
  OP_MIME_NEEDS_SMTPUTF8 = 1 << 1,
} OpMimeRequirements;

/* Initialises GMime once per process; every op_mime_* entry point calls it, so callers
 * need not. Safe from any thread. */
void               op_mime_init                    (void);

/* What SMTP must offer to carry @message (serialised, as it will be sent). */
OpMimeRequirements op_mime_scan_requirements       (GBytes      *message);
/* TRUE when @address (an addr-spec) cannot go into SMTP without SMTPUTF8: its local
 * part is not ASCII (an internationalised domain alone can, see below). */
gboolean           op_mime_address_needs_smtputf8  (const char  *address);
/* @address as MAIL FROM / RCPT TO carry it: the domain in its ASCII (IDNA) form, the
 * local part unchanged. (transfer full) */
char              *op_mime_address_to_envelope     (const char  *address);

/* Refuses CR, LF and NUL (and any other C0 control but TAB) in a caller-supplied header
 * value; @what names the field for the message ("subject"). @length may be -1. */
gboolean           op_mime_check_header_value      (const char  *value,
                                                    gssize       length,
                                                    const char  *what,
                                                    GError     **error);

/* Decodes @length bytes in @charset (a MIME charset name, nullable) to valid UTF-8.
 * GB2312/GBK are read as GB18030, Shift_JIS as CP932, Big5 as Big5-HKSCS, ISO-2022-JP
 * with the NEC/IBM extensions, Latin-1/ASCII as windows-1252 (as browsers do). Text
 * without a usable charset is read as UTF-8 when valid, else in @fallback_charset
 * (default windows-1252). Undecodable bytes become U+FFFD. Never fails. */
char              *op_mime_decode_text             (const char  *data,
                                                    gsize        length,
                                                    const char  *charset,
                                                    const char  *fallback_charset);

/* A plain-text rendering of HTML, for display and quoting: block elements become line
 * breaks, lists get "• " or "1. ", links become "text <url>", entities are decoded,
 * <script>, <style>, <head> and comments are dropped. It only reads text: nothing is
 * fetched or run. Output is valid UTF-8, at most OP_MIME_MAX_TEXT_LENGTH bytes. */
char              *op_mime_html_to_text            (const char  *html,
                                                    gssize       length);

G_END_DECLS
