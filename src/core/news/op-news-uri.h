/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a news:, nntp: or snews: link (RFC 5538) names. */
typedef enum
{
  OP_NEWS_URI_GROUP,          /* @group */
  OP_NEWS_URI_GROUP_ARTICLE,  /* article @number of @group (nntp://host/group/number) */
  OP_NEWS_URI_ARTICLE,        /* the article @message_id (news:id, news:<id>) */
  OP_NEWS_URI_BAD_ARTICLE,    /* a Message-ID ("@" in it) that is not a valid one */
  OP_NEWS_URI_BAD_TARGET,     /* no single group or article: news:*, a wildmat, a bad
                               * group name or article number, more path */
} OpNewsUriKind;

/**
 * OpNewsUri:
 * A news link taken apart. @host is NULL when the link names none (news:group), @port -1
 * when it gives none (RFC 5538 §2.1-2.3: 119 for news: and nntp:, 563 for snews:, which
 * the caller applies); @group, @number and @message_id by @kind, else NULL and 0. A
 * @message_id is in angle brackets and op_nntp_message_id_is_valid(); a @group passes
 * op_nntp_group_name_is_valid(); a @number is at least 1.
 */
typedef struct
{
  OpNewsUriKind  kind;
  char          *scheme;  /* lower case */
  char          *host;
  int            port;
  char          *group;
  guint64        number;
  char          *message_id;
} OpNewsUri;

void       op_news_uri_free  (OpNewsUri  *uri);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpNewsUri, op_news_uri_free)

/* NULL when @text is not a URI with a path that percent-decodes: not a news link at all.
 * A link that parses but names nothing Outpost can open is returned with kind BAD_ARTICLE
 * or BAD_TARGET, so the caller decides which refusal comes first. Pure (no GTK, no
 * network): the News view opens what it names. (transfer full) */
OpNewsUri *op_news_uri_parse (const char *text);

G_END_DECLS
