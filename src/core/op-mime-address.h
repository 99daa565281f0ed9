/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define OP_TYPE_MIME_ADDRESS (op_mime_address_get_type ())

/**
 * OpMimeAddress:
 * @name: (nullable): the display name, decoded to UTF-8 ("张三"), or %NULL
 * @address: the addr-spec ("zhang@example.cn"), with an internationalised domain shown
 *   in Unicode; never %NULL, may be empty for a group with no members
 *
 * One mailbox of a From, To, Cc, Reply-To or Bcc header (groups are flattened).
 * Immutable once made.
 */
typedef struct
{
  char *name;
  char *address;
} OpMimeAddress;

GType          op_mime_address_get_type        (void) G_GNUC_CONST;
OpMimeAddress *op_mime_address_new             (const char          *name,
                                                const char          *address);
OpMimeAddress *op_mime_address_copy            (const OpMimeAddress *self);
void           op_mime_address_free            (OpMimeAddress       *self);
/* "Name <address>", or the address alone when there is no name (for display only). */
char          *op_mime_address_to_display      (const OpMimeAddress *self);
/* Compares the addr-specs: the domain case-insensitively, the local part too (as every
 * real server does, although RFC 5321 allows otherwise). */
gboolean       op_mime_address_same_mailbox    (const OpMimeAddress *a,
                                                const OpMimeAddress *b);
/* "Name <addr>, addr2" for a list of OpMimeAddress. */
char          *op_mime_address_list_to_display (GPtrArray           *addresses);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpMimeAddress, op_mime_address_free)

G_END_DECLS
