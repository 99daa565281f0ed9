/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * SMTP replies (RFC 5321 §4.2) with enhanced status codes (RFC 3463, RFC 2034) and EHLO
 * keywords (RFC 5321 §4.1.1.1): pure functions over reply lines, unit-tested and fuzzed.
 */

/* RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; real servers exceed it in
 * banners and long EHLO AUTH lists, so take more, but bounded: a hostile server must not
 * grow our memory without limit. */
#define OP_SMTP_REPLY_MAX_LINE  4096
#define OP_SMTP_REPLY_MAX_LINES 1000

/**
 * OpSmtpReply:
 * @code: the three-digit reply code (200..599: RFC 5321 §4.2.1 has no 1yz replies).
 * @enhanced_code: (nullable): the RFC 3463 enhanced status code of the first line
 *   ("5.1.1"), when it has one whose class matches @code's first digit.
 * @lines: (array zero-terminated=1): every line's text after "NNN-" / "NNN " (valid
 *   UTF-8: other bytes are replaced), enhanced code included.
 * @text: the text of every line joined by "\n", without the enhanced code where a line
 *   starts with it.
 */
typedef struct
{
  guint   code;
  char   *enhanced_code;
  char  **lines;
  char   *text;
} OpSmtpReply;

#define OP_TYPE_SMTP_REPLY (op_smtp_reply_get_type ())
GType        op_smtp_reply_get_type  (void) G_GNUC_CONST;
OpSmtpReply *op_smtp_reply_copy      (const OpSmtpReply *reply);
void         op_smtp_reply_free      (OpSmtpReply       *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpSmtpReply, op_smtp_reply_free)

/* 2yz done, 3yz more input needed (354, 334), 4yz transient failure, 5yz permanent. */
#define OP_SMTP_REPLY_CLASS(reply) ((reply)->code / 100)

/* "550 5.1.1 text" (the enhanced code only when there is one), for messages and logs.
 * (transfer full) */
char        *op_smtp_reply_describe  (const OpSmtpReply *reply);

/*
 * Reassembles replies from lines: "NNN-text" continues, "NNN text" (or a bare "NNN")
 * ends. Every line of one reply carries the same code (RFC 5321 §4.2.1); a line without
 * a code, with another code, with a code outside 200..599, or a reply longer than
 * OP_SMTP_REPLY_MAX_LINES lines is OP_SMTP_ERROR_BAD_REPLY, and the parser starts afresh
 * with the next line.
 */
typedef struct _OpSmtpReplyParser OpSmtpReplyParser;

OpSmtpReplyParser *op_smtp_reply_parser_new       (void);
void               op_smtp_reply_parser_free      (OpSmtpReplyParser *parser);
/* A complete reply (transfer full), NULL with no error when more lines are needed, or
 * NULL with OP_SMTP_ERROR_BAD_REPLY. @line is one line without CRLF. */
OpSmtpReply       *op_smtp_reply_parser_push_line (OpSmtpReplyParser *parser,
                                                   const char        *line,
                                                   gsize              length,
                                                   GError           **error);
/* TRUE while a multi-line reply is incomplete. */
gboolean           op_smtp_reply_parser_is_partial (OpSmtpReplyParser *parser);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpSmtpReplyParser, op_smtp_reply_parser_free)

/* An RFC 3463 code ("class.subject.detail": class 2, 4 or 5; subject and detail 0..999,
 * no leading zeros beyond one digit) at the start of @text, followed by a space or the
 * end. Returns the code's length, 0 when there is none. */
gsize op_smtp_parse_enhanced_code (const char *text,
                                   guint      *klass,
                                   guint      *subject,
                                   guint      *detail);

/**
 * OpSmtpCapabilities:
 * @domain: (nullable): the server's name from the first line of the EHLO reply.
 * @keywords: (element-type utf8 utf8): every EHLO keyword, upper-cased, → its
 *   parameters as sent ("" when none).
 * @has_size: SIZE was offered (RFC 1870).
 * @size_limit: its maximum in bytes; 0 when it declared none.
 * @auth: (array zero-terminated=1): the AUTH mechanisms offered (upper-cased; also those
 *   of the pre-standard "AUTH=" form), in the server's order.
 * @starttls: STARTTLS (RFC 3207).
 * @eightbitmime: 8BITMIME (RFC 6152).
 * @smtputf8: SMTPUTF8 (RFC 6531).
 * @pipelining: PIPELINING (RFC 2920).
 * @dsn: DSN (RFC 3461).
 * @enhanced_status_codes: ENHANCEDSTATUSCODES (RFC 2034).
 *
 * What a server announced in its EHLO reply. Keywords that are not words (RFC 5321
 * §4.1.1.1: a letter or digit, then letters, digits and "-") are ignored.
 */
typedef struct
{
  char        *domain;
  GHashTable  *keywords;
  gboolean     has_size;
  guint64      size_limit;
  char       **auth;
  gboolean     starttls;
  gboolean     eightbitmime;
  gboolean     smtputf8;
  gboolean     pipelining;
  gboolean     dsn;
  gboolean     enhanced_status_codes;
} OpSmtpCapabilities;

#define OP_TYPE_SMTP_CAPABILITIES (op_smtp_capabilities_get_type ())
GType               op_smtp_capabilities_get_type (void) G_GNUC_CONST;
/* From a 250 reply to EHLO (any other reply gives empty capabilities). (transfer full) */
OpSmtpCapabilities *op_smtp_capabilities_parse    (const OpSmtpReply        *reply);
/* After HELO: nothing offered. (transfer full) */
OpSmtpCapabilities *op_smtp_capabilities_new_empty (void);
OpSmtpCapabilities *op_smtp_capabilities_copy     (const OpSmtpCapabilities *caps);
void                op_smtp_capabilities_free     (OpSmtpCapabilities       *caps);
/* smtplib's has_extn(): case-insensitive. */
gboolean            op_smtp_capabilities_has      (const OpSmtpCapabilities *caps,
                                                   const char               *keyword);
/* The parameters of @keyword ("" when none), or NULL when not offered. */
const char         *op_smtp_capabilities_get      (const OpSmtpCapabilities *caps,
                                                   const char               *keyword);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpSmtpCapabilities, op_smtp_capabilities_free)

G_END_DECLS
