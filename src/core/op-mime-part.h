/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _OpMimeMessage OpMimeMessage;

#define OP_TYPE_MIME_PART (op_mime_part_get_type ())
G_DECLARE_FINAL_TYPE (OpMimePart, op_mime_part, OP, MIME_PART, GObject)

/*
 * A part of a parsed message that is not its text or HTML body: an attachment, an inline
 * image of a multipart/related HTML body (found by its Content-ID), a calendar invite, or
 * a forwarded message (message/rfc822, see op_mime_part_get_message()). Made by
 * OpMimeMessage; immutable. It may be handed to another thread; reading its content
 * (save, get_bytes) is serialised with the other parts of the same message.
 */

/* "image/png", in lower case; "application/octet-stream" when the part did not say. */
const char    *op_mime_part_get_content_type   (OpMimePart     *self);
/* The file name from Content-Disposition or Content-Type (RFC 2231 and RFC 2047 decoded),
 * or NULL when it has none. Never use it as a local path: see get_safe_filename(). */
const char    *op_mime_part_get_filename       (OpMimePart     *self);
/* A name that is safe to create in a chosen folder: no '/', '\\' or control character,
 * not "." or "..", not hidden, at most 200 bytes; "attachment" (with an extension from
 * the content type where one is known) when the part has no name. (transfer full) */
char          *op_mime_part_get_safe_filename  (OpMimePart     *self);
/* The Content-ID without angle brackets, or NULL. */
const char    *op_mime_part_get_content_id     (OpMimePart     *self);
/* TRUE for a part meant to be shown in the body (Content-Disposition: inline, or a
 * resource of a multipart/related body) rather than offered as an attachment. */
gboolean       op_mime_part_get_is_inline      (OpMimePart     *self);
/* The size of the decoded content in bytes. */
guint64        op_mime_part_get_size           (OpMimePart     *self);
/* For a message/rfc822 part: the nested message, parsed. (transfer none) */
OpMimeMessage *op_mime_part_get_message        (OpMimePart     *self);

/* Writes the decoded content (for message/rfc822: the message as it was sent) to
 * @output, in blocks; does not close it. */
gboolean       op_mime_part_save               (OpMimePart     *self,
                                                GOutputStream  *output,
                                                GCancellable   *cancellable,
                                                GError        **error);
/* The decoded content in memory, for an inline image; OP_MIME_ERROR_TOO_LARGE when it
 * exceeds @max_size bytes. (transfer full) */
GBytes        *op_mime_part_get_bytes          (OpMimePart     *self,
                                                gsize           max_size,
                                                GError        **error);

G_END_DECLS
