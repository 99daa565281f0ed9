/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "op-mail-types.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_MESSAGE (op_mail_message_get_type ())
G_DECLARE_FINAL_TYPE (OpMailMessage, op_mail_message, OP, MAIL_MESSAGE, GObject)

/*
 * What the store knows of one message without its body: an immutable snapshot. Every
 * text is valid UTF-8 (RFC 2047 and raw 8-bit headers already decoded), "" when absent.
 * The body is op_mail_store_load_body_async()'s business.
 */
gint64       op_mail_message_get_id               (OpMailMessage *self);
gint64       op_mail_message_get_folder_id        (OpMailMessage *self);
gint64       op_mail_message_get_conversation_id  (OpMailMessage *self);
guint32      op_mail_message_get_uid              (OpMailMessage *self);
OpMailFlags  op_mail_message_get_flags            (OpMailMessage *self);
/* Other IMAP keywords, space-separated; "" when none. */
const char  *op_mail_message_get_keywords         (OpMailMessage *self);
/* Seconds since the epoch (UTC): the Date header, else the server's arrival time. */
gint64       op_mail_message_get_date             (OpMailMessage *self);
const char  *op_mail_message_get_subject          (OpMailMessage *self);
/* The first From mailbox: its display name ("" when none) and address. */
const char  *op_mail_message_get_from_name        (OpMailMessage *self);
const char  *op_mail_message_get_from_address     (OpMailMessage *self);
/* "Name <addr>, addr2" lists, for display. */
const char  *op_mail_message_get_to               (OpMailMessage *self);
const char  *op_mail_message_get_cc               (OpMailMessage *self);
const char  *op_mail_message_get_reply_to         (OpMailMessage *self);
guint32      op_mail_message_get_size             (OpMailMessage *self);
gboolean     op_mail_message_get_has_attachments  (OpMailMessage *self);
/* The start of the text (one line, at most ~200 characters); "" until the body has
 * been fetched once. */
const char  *op_mail_message_get_preview          (OpMailMessage *self);
/* Threading keys, without angle brackets. References: oldest first, never NULL. */
const char  *op_mail_message_get_message_id       (OpMailMessage *self);
const char  *op_mail_message_get_in_reply_to      (OpMailMessage *self);
const char * const *op_mail_message_get_references (OpMailMessage *self);
/* TRUE when the body is in the store (op_mail_store_load_body_async() will not need
 * the network). */
gboolean     op_mail_message_get_body_cached      (OpMailMessage *self);

G_END_DECLS
