/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-mime.h"
#include "op-mime-address.h"
#include "op-mime-message.h"

G_BEGIN_DECLS

/**
 * OpMimeReplyMode:
 * @OP_MIME_REPLY_SENDER: to the Reply-To (else From) of the original only.
 * @OP_MIME_REPLY_ALL: also to the original To and Cc, less the user's own addresses.
 */
typedef enum
{
  OP_MIME_REPLY_SENDER,
  OP_MIME_REPLY_ALL,
} OpMimeReplyMode;

/**
 * OpMimeForwardMode:
 * @OP_MIME_FORWARD_INLINE: the original's text quoted in the body under a header block,
 *   its attachments attached again.
 * @OP_MIME_FORWARD_ATTACHMENT: the original attached whole, as message/rfc822.
 */
typedef enum
{
  OP_MIME_FORWARD_INLINE,
  OP_MIME_FORWARD_ATTACHMENT,
} OpMimeForwardMode;

#define OP_TYPE_MIME_COMPOSER (op_mime_composer_get_type ())
G_DECLARE_FINAL_TYPE (OpMimeComposer, op_mime_composer, OP, MIME_COMPOSER, GObject)

/*
 * A message being written, built with GMime: plain text, or multipart/alternative with
 * HTML; attachments (multipart/mixed) and inline images (multipart/related, "cid:");
 * UTF-8 headers encoded (RFC 2047, RFC 2231 for file names); Message-ID and Date made
 * when not set. Every value the caller gives is checked: CR, LF and NUL in a header value
 * or address fail with OP_MIME_ERROR_INVALID_HEADER or _INVALID_ADDRESS and change
 * nothing. Use from one thread at a time.
 */
OpMimeComposer *op_mime_composer_new            (void);
/* A reply to @original: recipients, "Re:" subject, In-Reply-To, References and a quoted
 * body ("On DATE, NAME wrote:" and "> " lines). @my_addresses (OpMimeAddress, nullable)
 * are left out of a reply to all; a reply to one's own message goes to its recipients. */
OpMimeComposer *op_mime_composer_new_reply      (OpMimeMessage    *original,
                                                 OpMimeReplyMode   mode,
                                                 GPtrArray        *my_addresses);
/* A forward of @original with a "Fwd:" subject; no recipient yet. */
OpMimeComposer *op_mime_composer_new_forward    (OpMimeMessage    *original,
                                                 OpMimeForwardMode mode,
                                                 GError          **error);

/* A draft opened again for editing: its addresses (Bcc included), subject, bodies,
 * attachments, inline images (with their Content-IDs, so the HTML still finds them),
 * In-Reply-To and References. A new Message-ID and Date are made when it is saved. */
OpMimeComposer *op_mime_composer_new_from_draft (OpMimeMessage    *draft,
                                                 GError          **error);

/* Write the Bcc header too: for the copy saved to Drafts or Sent, never for SMTP.
 * Default FALSE. */
void         op_mime_composer_set_include_bcc   (OpMimeComposer  *self,
                                                 gboolean         include);

gboolean     op_mime_composer_set_from          (OpMimeComposer  *self,
                                                 const char      *name,
                                                 const char      *address,
                                                 GError         **error);
gboolean     op_mime_composer_add_to            (OpMimeComposer  *self,
                                                 const char      *name,
                                                 const char      *address,
                                                 GError         **error);
gboolean     op_mime_composer_add_cc            (OpMimeComposer  *self,
                                                 const char      *name,
                                                 const char      *address,
                                                 GError         **error);
/* Bcc recipients get the message (see dup_recipients()) but no header names them. */
gboolean     op_mime_composer_add_bcc           (OpMimeComposer  *self,
                                                 const char      *name,
                                                 const char      *address,
                                                 GError         **error);
gboolean     op_mime_composer_add_reply_to      (OpMimeComposer  *self,
                                                 const char      *name,
                                                 const char      *address,
                                                 GError         **error);
/* OpMimeAddress arrays, never NULL. (transfer none) */
GPtrArray   *op_mime_composer_get_to            (OpMimeComposer  *self);
GPtrArray   *op_mime_composer_get_cc            (OpMimeComposer  *self);
GPtrArray   *op_mime_composer_get_bcc           (OpMimeComposer  *self);
gboolean     op_mime_composer_set_subject       (OpMimeComposer  *self,
                                                 const char      *subject,
                                                 GError         **error);
const char  *op_mime_composer_get_subject       (OpMimeComposer  *self);
/* Another header ("X-Priority", "Organization"); the structural ones (From, To, Cc, Bcc,
 * Subject, Date, Message-ID, MIME-Version, Content-*) are refused. */
gboolean     op_mime_composer_add_header        (OpMimeComposer  *self,
                                                 const char      *name,
                                                 const char      *value,
                                                 GError         **error);
void         op_mime_composer_set_text          (OpMimeComposer  *self,
                                                 const char      *text);
const char  *op_mime_composer_get_text          (OpMimeComposer  *self);
/* With HTML the message is multipart/alternative; without a text body the plain
 * alternative is op_mime_html_to_text() of the HTML. */
void         op_mime_composer_set_html          (OpMimeComposer  *self,
                                                 const char      *html);
/* @content_type NULL: guessed from the name and the data. */
gboolean     op_mime_composer_add_attachment    (OpMimeComposer  *self,
                                                 const char      *filename,
                                                 const char      *content_type,
                                                 GBytes          *data,
                                                 GError         **error);
/* Reads @file (at most OP_MIME_MAX_MESSAGE_SIZE bytes); the name is its display name. */
gboolean     op_mime_composer_add_attachment_file (OpMimeComposer *self,
                                                 GFile           *file,
                                                 const char      *content_type,
                                                 GCancellable    *cancellable,
                                                 GError         **error);
/* An image for the HTML body; returns the Content-ID to use as "cid:ID" in the HTML.
 * (transfer full) */
char        *op_mime_composer_add_inline_image  (OpMimeComposer  *self,
                                                 const char      *filename,
                                                 const char      *content_type,
                                                 GBytes          *data,
                                                 GError         **error);
void         op_mime_composer_set_date          (OpMimeComposer  *self,
                                                 GDateTime       *date);
/* Without angle brackets; made on first use from the From domain. */
const char  *op_mime_composer_get_message_id    (OpMimeComposer  *self);
const char  *op_mime_composer_get_in_reply_to   (OpMimeComposer  *self);
const char * const *op_mime_composer_get_references (OpMimeComposer *self);
/* The References of a news follow-up (RFC 5536 §3.2.10), Message-IDs without angle
 * brackets, oldest first; an id with white space, '<', '>' or a control character fails
 * with OP_MIME_ERROR_INVALID_HEADER and changes nothing. */
gboolean     op_mime_composer_set_references    (OpMimeComposer  *self,
                                                 const char * const *ids,
                                                 GError         **error);

/* The RCPT TO addresses: To, Cc and Bcc, each once, in envelope form
 * (op_mime_address_to_envelope()). (transfer full) */
GStrv        op_mime_composer_dup_recipients    (OpMimeComposer  *self);
/* The MAIL FROM address in envelope form, or NULL before set_from(). (transfer full) */
char        *op_mime_composer_dup_envelope_from (OpMimeComposer  *self);
/* The message as it goes to SMTP DATA or IMAP APPEND: CRLF line ends, lines of at most
 * 998 octets. The same bytes until the composer is changed. Fails with
 * OP_MIME_ERROR_INCOMPLETE without a From. (transfer full) */
GBytes      *op_mime_composer_to_bytes          (OpMimeComposer  *self,
                                                 GError         **error);
gboolean     op_mime_composer_write             (OpMimeComposer  *self,
                                                 GOutputStream   *output,
                                                 GCancellable    *cancellable,
                                                 GError         **error);
/* What SMTP needs to carry it: the bytes (op_mime_scan_requirements()) and the
 * envelope addresses (SMTPUTF8 for a non-ASCII one). */
OpMimeRequirements op_mime_composer_get_requirements (OpMimeComposer *self,
                                                 GError         **error);

G_END_DECLS
