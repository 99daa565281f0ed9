/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "op-mail-attachment-list.h"
#include "op-mail-html-view.h"
#include "op-mail-source-window.h"
#include "op-mime-message.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_MESSAGE_VIEW (op_mail_message_view_get_type ())
G_DECLARE_FINAL_TYPE (OpMailMessageView, op_mail_message_view, OP, MAIL_MESSAGE_VIEW, GtkWidget)

/*
 * One message of a conversation, as a card: From, Date, To, Cc and the identity it came
 * to; the body (HTML in OpMailHtmlView when the message has HTML, else the text with
 * quote levels coloured, the signature dimmed and links clickable); the attachments;
 * and "Show Source" in its menu. Collapsed, it shows only From, Date and a line of the
 * text; a click on the header opens or closes it.
 *
 * Signals: gboolean ::open-uri (const char *uri): a link was clicked (in the text or the
 * HTML) whose scheme is http, https, ftp, ftps or mailto (no other is ever opened);
 * return TRUE when handled (e.g. mailto: by the composer), else it is opened with
 * the default application.
 */
GtkWidget            *op_mail_message_view_new            (void);
/* @source (nullable): the message as received, for "Show Source". */
void                  op_mail_message_view_set_message    (OpMailMessageView *self,
                                                           OpMimeMessage     *message,
                                                           GBytes            *source);
/* (transfer none) (nullable) */
OpMimeMessage        *op_mail_message_view_get_message    (OpMailMessageView *self);
/* The user's identities (OpMailIdentityItem), to name the one the message came to. */
void                  op_mail_message_view_set_identities (OpMailMessageView *self,
                                                           GListModel        *identities);
void                  op_mail_message_view_set_expanded   (OpMailMessageView *self,
                                                           gboolean           expanded);
gboolean              op_mail_message_view_get_expanded   (OpMailMessageView *self);
/* Opens the source window (nothing when no source was given). */
void                  op_mail_message_view_show_source    (OpMailMessageView *self);
/* (transfer none) (nullable): made the first time the source is shown. */
OpMailSourceWindow   *op_mail_message_view_get_source_window (OpMailMessageView *self);
/* The parts, for the conversation and tests. (transfer none) */
GtkTextView          *op_mail_message_view_get_text_view  (OpMailMessageView *self);
OpMailHtmlView       *op_mail_message_view_get_html_view  (OpMailMessageView *self);
OpMailAttachmentList *op_mail_message_view_get_attachment_list (OpMailMessageView *self);
/* Activates the link at @offset (characters) of the plain text, as a click does;
 * FALSE when there is none. */
gboolean              op_mail_message_view_activate_link_at (OpMailMessageView *self,
                                                           int                offset);

G_END_DECLS
