/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "op-mail-types.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_FOLDER (op_mail_folder_get_type ())
G_DECLARE_FINAL_TYPE (OpMailFolder, op_mail_folder, OP, MAIL_FOLDER, GObject)

/*
 * One folder of a mail store, as it was when read: an immutable snapshot. A newer one
 * replaces it in OpMailFolderList when the store changes (items-changed at its position).
 * Properties (read-only): id, name, display-name, special-use, total, unread.
 */
gint64            op_mail_folder_get_id            (OpMailFolder *self);
/* The full name ("Lists/GNOME"), UTF-8; "INBOX" for the Inbox. */
const char       *op_mail_folder_get_name          (OpMailFolder *self);
/* The last part of the name ("GNOME"), the one to show. */
const char       *op_mail_folder_get_display_name  (OpMailFolder *self);
/* The hierarchy delimiter, 0 when the folder has none. */
char              op_mail_folder_get_delimiter     (OpMailFolder *self);
OpMailSpecialUse  op_mail_folder_get_special_use   (OpMailFolder *self);
/* FALSE for a \Noselect folder (a level of the hierarchy without messages). */
gboolean          op_mail_folder_get_selectable    (OpMailFolder *self);
guint32           op_mail_folder_get_uidvalidity   (OpMailFolder *self);
guint32           op_mail_folder_get_uidnext       (OpMailFolder *self);
guint64           op_mail_folder_get_highestmodseq (OpMailFolder *self);
/* Messages held in the store for this folder, and those of them without \Seen. */
guint             op_mail_folder_get_total         (OpMailFolder *self);
guint             op_mail_folder_get_unread        (OpMailFolder *self);
/* TRUE once a first sync has brought every message of the folder. */
gboolean          op_mail_folder_get_complete      (OpMailFolder *self);

G_END_DECLS
