/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Jamie Zawinski's threading algorithm (https://www.jwz.org/doc/threading.html), pure:
 * References and In-Reply-To first, loops broken, missing parents kept as empty
 * containers while they hold several children, then replies without references grouped
 * with their original by subject. The store groups messages into conversations by the
 * same rules (connected References, then subjects); this gives the tree inside a
 * conversation and is what the unit tests prove the rules on.
 */

typedef struct
{
  gpointer     data;          /* the caller's */
  const char  *message_id;    /* (nullable) without <> */
  const char  *in_reply_to;   /* (nullable) */
  const char * const *references; /* (nullable) oldest first */
  const char  *subject;       /* (nullable) */
  gint64       date;
} OpMailThreadInput;

typedef struct _OpMailThreadNode OpMailThreadNode;
struct _OpMailThreadNode
{
  const OpMailThreadInput *message;  /* NULL for a missing parent */
  OpMailThreadNode        *parent;
  GPtrArray               *children; /* (element-type OpMailThreadNode) by date */
};

/* The roots (element-type OpMailThreadNode), oldest first; each root is a conversation.
 * The nodes point into @messages, which must outlive the result. (transfer full) */
GPtrArray  *op_mail_thread_build            (const OpMailThreadInput *messages,
                                             gsize                    n_messages);

/* The subject without reply and forward prefixes ("Re:", "Fwd:", "AW:", "回复：", "Re[2]:",
 * repeated) and surrounding space, case-folded: what subjects are compared by.
 * (transfer full) */
char       *op_mail_thread_subject_key      (const char              *subject);
/* TRUE when @subject starts with a reply prefix ("Re:", "AW:", "SV:", "回复：", …). */
gboolean    op_mail_thread_subject_is_reply (const char              *subject);

/* Message ids in a References or In-Reply-To header ("<a@b> <c@d>"), without <>,
 * duplicates and garbage left out, at most 100 (the last ones). (transfer full) */
GStrv       op_mail_thread_parse_ids        (const char              *header);

G_END_DECLS
