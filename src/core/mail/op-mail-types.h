/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Forward declarations of the mail store's types (STYLE.md "op-types.h per layer"). */
typedef struct _OpMailStore            OpMailStore;
typedef struct _OpMailFolder           OpMailFolder;
typedef struct _OpMailMessage          OpMailMessage;
typedef struct _OpMailConversation     OpMailConversation;
typedef struct _OpMailFolderList       OpMailFolderList;
typedef struct _OpMailConversationList OpMailConversationList;
typedef struct _OpMailUpdate           OpMailUpdate;

/**
 * OpMailSpecialUse:
 * What a folder is for (RFC 6154 SPECIAL-USE, plus the Inbox). Stored as these numbers.
 */
typedef enum
{
  OP_MAIL_SPECIAL_USE_NONE    = 0,
  OP_MAIL_SPECIAL_USE_INBOX   = 1,
  OP_MAIL_SPECIAL_USE_SENT    = 2,
  OP_MAIL_SPECIAL_USE_DRAFTS  = 3,
  OP_MAIL_SPECIAL_USE_TRASH   = 4,
  OP_MAIL_SPECIAL_USE_JUNK    = 5,
  OP_MAIL_SPECIAL_USE_ARCHIVE = 6,
  OP_MAIL_SPECIAL_USE_ALL     = 7,
  OP_MAIL_SPECIAL_USE_FLAGGED = 8,
} OpMailSpecialUse;

#define OP_TYPE_MAIL_SPECIAL_USE (op_mail_special_use_get_type ())
GType op_mail_special_use_get_type (void) G_GNUC_CONST;

/**
 * OpMailFlags:
 * A message's system flags (RFC 3501 §2.3.2) and the two common keywords ($Forwarded,
 * $Junk). Other keywords are kept as text (op_mail_message_get_keywords()).
 * Stored as these bits.
 */
typedef enum
{
  OP_MAIL_FLAG_NONE      = 0,
  OP_MAIL_FLAG_SEEN      = 1 << 0,
  OP_MAIL_FLAG_ANSWERED  = 1 << 1,
  OP_MAIL_FLAG_FLAGGED   = 1 << 2,
  OP_MAIL_FLAG_DELETED   = 1 << 3,
  OP_MAIL_FLAG_DRAFT     = 1 << 4,
  OP_MAIL_FLAG_FORWARDED = 1 << 5,
  OP_MAIL_FLAG_JUNK      = 1 << 6,
} OpMailFlags;

#define OP_TYPE_MAIL_FLAGS (op_mail_flags_get_type ())
GType op_mail_flags_get_type (void) G_GNUC_CONST;

/* IMAP flags ("\\Seen", "$Forwarded", "work") → bits; every other keyword (not \Recent)
 * goes to *@keywords (space-separated, NULL when none) when @keywords is not NULL. */
OpMailFlags  op_mail_flags_from_imap (const char * const *flags,
                                      char              **keywords);
/* Bits (and space-separated @keywords, nullable) → IMAP flags. (transfer full) */
GStrv        op_mail_flags_to_imap   (OpMailFlags         flags,
                                      const char         *keywords);

G_END_DECLS
