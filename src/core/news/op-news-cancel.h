/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Withdrawing one's own articles: cancel (RFC 5537 §5.3, "Control: cancel <id>") and
 * supersede (RFC 5536 §3.2.12, "Supersedes: <id>"), authenticated with Cancel-Lock
 * (RFC 8315): every article posted through op_news_article_protect() carries a
 * Cancel-Lock derived from a secret of the store (RFC 8315 §4: the key is
 * base64(HMAC-SHA256(secret, Message-ID)), the lock base64(SHA-256(key))), and the
 * cancel or the superseding article carries the matching Cancel-Key. A server that
 * checks them (INN's docancels "require-auth") withdraws only articles so protected.
 *
 * Errors: OP_NEWS_CANCEL_ERROR, or GMime's parse failure as G_IO_ERROR_INVALID_DATA.
 */

#define OP_NEWS_CANCEL_ERROR (op_news_cancel_error_quark ())
GQuark op_news_cancel_error_quark (void);

/**
 * OpNewsCancelError:
 * @OP_NEWS_CANCEL_ERROR_INVALID: the article lacks a header the operation needs
 *   (From, Newsgroups, Message-ID) or has one that is not valid.
 * @OP_NEWS_CANCEL_ERROR_NOT_OWN: the article carries no Cancel-Lock of this store's
 *   secret: it was not posted from here, and the server would not withdraw it.
 */
typedef enum
{
  OP_NEWS_CANCEL_ERROR_INVALID,
  OP_NEWS_CANCEL_ERROR_NOT_OWN,
} OpNewsCancelError;

/* "sha256:" and the base64 key or lock for @message_id ("<…>") under @secret. (transfer
 * full) */
char   *op_news_cancel_key               (GBytes      *secret,
                                          const char  *message_id);
char   *op_news_cancel_lock              (GBytes      *secret,
                                          const char  *message_id);
/* TRUE when one of the locks in a Cancel-Lock header value is @message_id's. */
gboolean op_news_cancel_lock_matches     (const char  *cancel_lock,
                                          GBytes      *secret,
                                          const char  *message_id);

/* @article (RFC 5536, LF or CRLF lines) with a Message-ID (made when it has none) and a
 * Cancel-Lock for it; with @supersedes, also "Supersedes: @supersedes" and the Cancel-Key
 * that withdraws it. *@message_id gets the article's Message-ID. (transfer full) */
GBytes *op_news_article_protect          (GBytes      *article,
                                          GBytes      *secret,
                                          const char  *supersedes,
                                          char       **message_id,
                                          GError     **error);

/* The cancel of @original (as read from the server): its From and Newsgroups, "Control:
 * cancel <id>", the Cancel-Key. OP_NEWS_CANCEL_ERROR_NOT_OWN when @original carries no
 * Cancel-Lock of @secret. (transfer full) */
GBytes *op_news_article_compose_cancel   (GBytes      *original,
                                          GBytes      *secret,
                                          GError     **error);

/* Checks that @original is one's own (as above) and returns its Message-ID. (transfer
 * full) */
char   *op_news_article_check_own        (GBytes      *original,
                                          GBytes      *secret,
                                          GError     **error);

G_END_DECLS
