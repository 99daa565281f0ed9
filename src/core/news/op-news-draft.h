/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* RFC 5536 has no line limit for the body; Usenet's custom (son-of-RFC 1036 §4.5) is
 * lines short enough to quote a few times within 80 columns. */
#define OP_NEWS_DRAFT_WRAP_WIDTH 72

/**
 * OpNewsDraft:
 * @from: the poster, "Name <address>" or a bare address
 * @newsgroups: the groups to post to, separated by commas (RFC 5536 §3.1.4)
 * @followup_to: (nullable): where follow-ups go: groups, or "poster" (RFC 5536 §3.2.6)
 * @subject: the subject
 * @references: (nullable): the Message-IDs the article answers, without angle brackets,
 *   oldest first (RFC 5536 §3.2.10)
 * @body: the text as typed (LF line ends)
 * @reply_to: (nullable): set by op_news_draft_new_followup(): the author's address for a
 *   reply by mail (the article's Reply-To, else its From)
 * @to_poster: set by op_news_draft_new_followup() when the article asks for replies by
 *   mail instead of follow-ups (Followup-To: poster, RFC 5536 §3.2.6)
 *
 * An article being written in the News view: a new post or a follow-up. Plain data;
 * op_news_draft_to_article() checks it and makes the bytes for POST.
 */
typedef struct
{
  char  *from;
  char  *newsgroups;
  char  *followup_to;
  char  *subject;
  GStrv  references;
  char    *body;
  char    *reply_to;
  gboolean to_poster;
} OpNewsDraft;

/* A new article to @newsgroups (nullable: none yet). (transfer full) */
OpNewsDraft *op_news_draft_new             (const char        *newsgroups);
/* A follow-up to @article (whole, as fetched): Newsgroups from its Followup-To, else its
 * Newsgroups; "Re: " and its subject (never translated: RFC 5536 §3.1.4 readers look
 * for it); its References and Message-ID; its text quoted under an attribution line.
 * Fails with OP_MIME_ERROR_INVALID_MESSAGE for bytes that are not an article.
 * (transfer full) */
OpNewsDraft *op_news_draft_new_followup    (GBytes            *article,
                                            GError           **error);
OpNewsDraft *op_news_draft_copy            (const OpNewsDraft *draft);
void         op_news_draft_free            (OpNewsDraft       *draft);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpNewsDraft, op_news_draft_free)

/* @text with each line longer than @width characters broken at spaces; quoted lines
 * (">"), the signature separator and words longer than @width stay whole. (transfer full) */
char        *op_news_draft_wrap            (const char        *text,
                                            guint              width);

/* The article for POST (CRLF lines, a new Message-ID and Date, UTF-8 headers encoded):
 * the body wrapped at OP_NEWS_DRAFT_WRAP_WIDTH. A missing or invalid poster address,
 * group name or subject fails with OP_MIME_ERROR_INVALID_ADDRESS,
 * OP_MIME_ERROR_INVALID_HEADER or OP_MIME_ERROR_INCOMPLETE and a message that names the
 * field. @message_id (out, optional): the article's Message-ID with angle brackets.
 * (transfer full) */
GBytes      *op_news_draft_to_article      (const OpNewsDraft *draft,
                                            char             **message_id,
                                            GError           **error);

/* "mailto:" a reply by mail to the author of the article @draft follows up (RFC 6068):
 * its reply_to, subject, body and In-Reply-To; NULL without reply_to. (transfer full) */
char        *op_news_draft_to_mailto       (const OpNewsDraft *draft);

G_END_DECLS
