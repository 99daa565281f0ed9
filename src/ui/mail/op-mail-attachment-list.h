/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "op-mime-message.h"
#include "op-mime-part.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_ATTACHMENT_LIST (op_mail_attachment_list_get_type ())
G_DECLARE_FINAL_TYPE (OpMailAttachmentList, op_mail_attachment_list, OP, MAIL_ATTACHMENT_LIST, GtkWidget)

/*
 * A message's attachments: name, type icon and description, size, and Open (a private
 * copy in the cache, opened with the default application) and Save (a file chooser
 * that suggests the sanitised name). A name from a message never becomes a path as it
 * is: see op_mail_attachment_dest_file(). Hidden when there is none.
 */
GtkWidget   *op_mail_attachment_list_new         (void);
void         op_mail_attachment_list_set_message (OpMailAttachmentList *self,
                                                  OpMimeMessage        *message);
guint        op_mail_attachment_list_get_n_items (OpMailAttachmentList *self);
/* (transfer none) */
OpMimePart  *op_mail_attachment_list_get_part    (OpMailAttachmentList *self,
                                                  guint                 index);
void         op_mail_attachment_list_open        (OpMailAttachmentList *self,
                                                  guint                 index);
void         op_mail_attachment_list_save        (OpMailAttachmentList *self,
                                                  guint                 index);
/* The error of the last Open or Save that failed, as shown, or NULL. */
const char  *op_mail_attachment_list_get_error   (OpMailAttachmentList *self);

/* A new file in @folder for @part: its sanitised name (op_mime_part_get_safe_filename()),
 * made unique with " (2)", " (3)"… before the extension when taken. Always a direct
 * child of @folder. (transfer full) */
GFile       *op_mail_attachment_dest_file        (GFile                *folder,
                                                  OpMimePart           *part);
/* Writes @part's decoded content to @dest on a worker (replacing it). */
void         op_mail_attachment_save_async       (OpMimePart           *part,
                                                  GFile                *dest,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean     op_mail_attachment_save_finish      (GAsyncResult         *result,
                                                  GError              **error);

G_END_DECLS
