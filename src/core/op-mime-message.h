/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-mime.h"
#include "op-mime-address.h"
#include "op-mime-part.h"

G_BEGIN_DECLS

#define OP_TYPE_MIME_MESSAGE (op_mime_message_get_type ())
G_DECLARE_FINAL_TYPE (OpMimeMessage, op_mime_message, OP, MIME_MESSAGE, GObject)

/*
 * A received message, parsed with GMime into what the Mail view shows: decoded headers,
 * the text and HTML bodies, and the other parts. Parse on a worker (it decodes every
 * part once); the result is immutable and may be handed to the main thread.
 *
 * Hostile input never fails the parse once there is a header: past OP_MIME_MAX_DEPTH,
 * OP_MIME_MAX_PARTS or OP_MIME_MAX_BODY_SIZE the rest is left out and get_truncated()
 * says so. @fallback_charset (nullable; e.g. "GB18030" for a Chinese account) is used
 * for text and raw 8-bit headers that declare no charset and are not UTF-8.
 */
OpMimeMessage *op_mime_message_parse_bytes      (GBytes          *data,
                                                 const char      *fallback_charset,
                                                 GError         **error);
/* Reads @input to its end (at most OP_MIME_MAX_MESSAGE_SIZE bytes) and parses it. */
OpMimeMessage *op_mime_message_parse_stream     (GInputStream    *input,
                                                 const char      *fallback_charset,
                                                 GCancellable    *cancellable,
                                                 GError         **error);

/* Decoded header values, valid UTF-8 on one line; NULL when absent. */
const char    *op_mime_message_get_subject      (OpMimeMessage   *self);
const char    *op_mime_message_get_message_id   (OpMimeMessage   *self); /* without <> */
const char    *op_mime_message_get_in_reply_to  (OpMimeMessage   *self); /* without <> */
/* The References message ids, oldest first, without <>. Never NULL. */
const char * const *op_mime_message_get_references (OpMimeMessage *self);
/* (transfer none) (nullable) */
GDateTime     *op_mime_message_get_date         (OpMimeMessage   *self);
/* Any other header, decoded as text (RFC 2047), first occurrence; NULL when absent. */
char          *op_mime_message_dup_header       (OpMimeMessage   *self,
                                                 const char      *name);

/* Arrays of OpMimeAddress, never NULL (empty when the header is absent). */
GPtrArray     *op_mime_message_get_from         (OpMimeMessage   *self);
GPtrArray     *op_mime_message_get_sender       (OpMimeMessage   *self);
GPtrArray     *op_mime_message_get_reply_to     (OpMimeMessage   *self);
GPtrArray     *op_mime_message_get_to           (OpMimeMessage   *self);
GPtrArray     *op_mime_message_get_cc           (OpMimeMessage   *self);
GPtrArray     *op_mime_message_get_bcc          (OpMimeMessage   *self);

/* The text to show: the text/plain body (format=flowed joined), or for HTML-only mail
 * its plain-text rendering (then get_text_is_from_html() is TRUE). "" when the message
 * has no text at all. Line ends are "\n". */
const char    *op_mime_message_get_text         (OpMimeMessage   *self);
gboolean       op_mime_message_get_text_is_from_html (OpMimeMessage *self);
/* The HTML body decoded to UTF-8 (nullable). Show it only in the sandboxed view. */
const char    *op_mime_message_get_html         (OpMimeMessage   *self);

/* Every part that is not the text or HTML body, in message order: OpMimePart. */
GPtrArray     *op_mime_message_get_parts        (OpMimeMessage   *self);
/* The parts meant as attachments (not inline resources of the body). (transfer container) */
GPtrArray     *op_mime_message_dup_attachments  (OpMimeMessage   *self);
/* The part an HTML body refers to as "cid:ID" (@content_id with or without "cid:" and
 * angle brackets), or NULL. Only parts of this message (not of nested ones) count. */
OpMimePart    *op_mime_message_find_content_id  (OpMimeMessage   *self,
                                                 const char      *content_id);

/* TRUE when a bound cut the message short (see above). */
gboolean       op_mime_message_get_truncated    (OpMimeMessage   *self);

G_END_DECLS
