/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Suggestions shown at most, and the characters typed before they are looked up. */
#define OP_MAIL_COMPLETION_ROWS 8
#define OP_MAIL_COMPLETION_MIN_CHARS 2

/* Looks up the addresses that start with @prefix: finishes with a GPtrArray of
 * "Name <address>" strings (see op_mail_submitter_complete_address_async()). */
typedef void       (*OpMailAddressLookup)       (const char          *prefix,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data,
                                                 gpointer             lookup_data);
typedef GPtrArray *(*OpMailAddressLookupFinish) (GAsyncResult        *result,
                                                 GError             **error,
                                                 gpointer             lookup_data);

#define OP_TYPE_MAIL_ADDRESS_COMPLETION (op_mail_address_completion_get_type ())
G_DECLARE_FINAL_TYPE (OpMailAddressCompletion, op_mail_address_completion, OP, MAIL_ADDRESS_COMPLETION, GObject)

/*
 * Completion for an address field (To, Cc, Bcc) without GtkEntryCompletion: as the user
 * types the address after the last comma, the known addresses that match are listed in
 * a popover under the entry, which keeps the keyboard: Down and Up choose, Enter or Tab
 * takes the chosen one (replacing what was typed, then ", "), Escape closes the list; a
 * click takes one too. @name says which field it is for the suggestions' accessible name
 * ("To"). op_mail_address_completion_detach() before the entry is disposed.
 */
OpMailAddressCompletion *op_mail_address_completion_new    (GtkEntry                  *entry,
                                                            const char                *name,
                                                            OpMailAddressLookup        lookup,
                                                            OpMailAddressLookupFinish  finish,
                                                            gpointer                   lookup_data);
/* While the composer fills the fields itself, nothing is looked up. */
void                     op_mail_address_completion_set_enabled (OpMailAddressCompletion *self,
                                                                 gboolean                 enabled);
void                     op_mail_address_completion_detach (OpMailAddressCompletion *self);

G_END_DECLS
