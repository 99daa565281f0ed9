/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "op-mail-submitter.h"
#include "op-mime-composer.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_COMPOSER (op_mail_composer_get_type ())
G_DECLARE_FINAL_TYPE (OpMailComposer, op_mail_composer, OP, MAIL_COMPOSER, GtkWidget)

/*
 * Writing a message: From (one of the identities), To, Cc, Bcc (comma-separated
 * addresses, checked as they are typed), Subject, a plain-text body with the identity's
 * signature (replaced when From changes) and, with "Formatting" (the "rich-text"
 * property), bold, italic and underline sent as an HTML alternative; and attachments added with "Attach Files…" or
 * by dropping files on it. A reply or forward starts from the original through
 * OpMimeComposer: recipients, "Re:"/"Fwd:", the quote or the forwarded block, and the
 * threading headers (In-Reply-To, References).
 *
 * build_async() turns the fields into a finished OpMailOutgoing on a worker (files are
 * read there). With a submitter (the store's outbox and drafts) the composer shows Send
 * and Save Draft and hands the message over, and saves drafts as the user writes;
 * without one it shows neither.
 *
 * Signals: ::sent, once the submitter took the message (the host closes the composer);
 * ::draft-finished (gboolean saved) after each draft handed to the submitter.
 */
GtkWidget      *op_mail_composer_new              (void);
/* OpMailIdentityItem items; the first is chosen. */
void            op_mail_composer_set_identities   (OpMailComposer     *self,
                                                   GListModel         *identities);
void            op_mail_composer_set_submitter    (OpMailComposer     *self,
                                                   OpMailSubmitter    *submitter);
/* With a submitter, a draft is saved this many seconds after the user's last change
 * (default 5; 0: only by Save Draft). */
void            op_mail_composer_set_autosave_interval (OpMailComposer *self,
                                                   guint               seconds);
/* For the host when the composer closes: saves a draft when anything changed since the
 * last one (nothing without a submitter). TRUE while a draft (or the message) is being
 * handed over: wait for ::draft-finished or ::sent before destroying the composer. */
gboolean        op_mail_composer_save_draft_if_changed (OpMailComposer *self);
/* Each start_* empties the fields first. */
void            op_mail_composer_start_new        (OpMailComposer     *self);
void            op_mail_composer_start_reply      (OpMailComposer     *self,
                                                   OpMimeMessage      *original,
                                                   OpMimeReplyMode     mode);
gboolean        op_mail_composer_start_forward    (OpMailComposer     *self,
                                                   OpMimeMessage      *original,
                                                   OpMimeForwardMode   mode,
                                                   GError            **error);
void            op_mail_composer_add_file         (OpMailComposer     *self,
                                                   GFile              *file);
guint           op_mail_composer_get_n_files      (OpMailComposer     *self);
/* The fields, for the host and tests. (transfer none) */
GtkEditable    *op_mail_composer_get_to_entry     (OpMailComposer     *self);
GtkEditable    *op_mail_composer_get_cc_entry     (OpMailComposer     *self);
GtkEditable    *op_mail_composer_get_bcc_entry    (OpMailComposer     *self);
GtkEditable    *op_mail_composer_get_subject_entry (OpMailComposer    *self);
GtkTextBuffer  *op_mail_composer_get_body         (OpMailComposer     *self);
GtkDropDown    *op_mail_composer_get_from_dropdown (OpMailComposer    *self);

/* Fails with OP_MIME_ERROR_INVALID_ADDRESS for an address field that does not hold
 * valid addresses (the message names the field), OP_MIME_ERROR_INCOMPLETE without an
 * identity or a recipient, or the error of reading an attached file. */
void            op_mail_composer_build_async      (OpMailComposer     *self,
                                                   GCancellable       *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer            user_data);
OpMailOutgoing *op_mail_composer_build_finish     (OpMailComposer     *self,
                                                   GAsyncResult       *result,
                                                   GError            **error);

/* The body as HTML: its bold, italic and underline runs, line breaks kept, text
 * escaped. (transfer full) */
char           *_op_mail_composer_buffer_to_html  (GtkTextBuffer      *buffer);

/* Splits a field's text into OpMimeAddress items; FALSE with @error (naming @field)
 * when a part is not a valid address. Empty text gives an empty array. */
GPtrArray      *_op_mail_parse_address_field      (const char         *text,
                                                   const char         *field,
                                                   GError            **error);

G_END_DECLS
