/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-uri"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "op-news-uri.h"
#include "nntp/op-nntp-list.h"
#include "nntp/op-nntp-reply.h"

void
op_news_uri_free (OpNewsUri *uri)
{
  if (uri == NULL)
    return;
  g_free (uri->scheme);
  g_free (uri->host);
  g_free (uri->group);
  g_free (uri->message_id);
  g_free (uri);
}

OpNewsUri *
op_news_uri_parse (const char *text)
{
  g_autoptr (GUri) parsed = NULL;
  g_autoptr (OpNewsUri) uri = NULL;
  g_autofree char *path = NULL;
  g_auto (GStrv) parts = NULL;
  const char *what;

  g_return_val_if_fail (text != NULL, NULL);

  parsed = g_uri_parse (text, G_URI_FLAGS_PARSE_RELAXED | G_URI_FLAGS_NON_DNS, NULL);
  path = parsed != NULL ? g_uri_unescape_string (g_uri_get_path (parsed), NULL) : NULL;
  if (path == NULL)
    return NULL;

  uri = g_new0 (OpNewsUri, 1);
  uri->scheme = g_ascii_strdown (g_uri_get_scheme (parsed), -1);
  uri->host = g_strdup (g_uri_get_host (parsed));
  uri->port = g_uri_get_port (parsed);
  parts = g_strsplit (path[0] == '/' ? path + 1 : path, "/", 3);
  what = parts[0] != NULL ? parts[0] : "";

  /* RFC 5538 §2.2: news:message-id (with or without angle brackets) is one article. */
  if (strchr (what, '@') != NULL)
    {
      g_autofree char *id = what[0] == '<' ? g_strdup (what) : g_strdup_printf ("<%s>", what);

      if (!op_nntp_message_id_is_valid (id, strlen (id)))
        uri->kind = OP_NEWS_URI_BAD_ARTICLE;
      else
        {
          uri->kind = OP_NEWS_URI_ARTICLE;
          uri->message_id = g_steal_pointer (&id);
        }
      return g_steal_pointer (&uri);
    }
  /* news:* and wildmats name many groups: the group list is the place for those. */
  uri->kind = OP_NEWS_URI_BAD_TARGET;
  if (!op_nntp_group_name_is_valid (what, strlen (what)))
    return g_steal_pointer (&uri);
  /* RFC 5538 §2.3: nntp://host/group/number names one article of the group. */
  if (parts[0] != NULL && parts[1] != NULL && *parts[1] != '\0')
    {
      guint64 number = 0;

      if (!g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXUINT64, &number, NULL) ||
          parts[2] != NULL)
        return g_steal_pointer (&uri);
      uri->kind = OP_NEWS_URI_GROUP_ARTICLE;
      uri->number = number;
    }
  else
    uri->kind = OP_NEWS_URI_GROUP;
  uri->group = g_strdup (what);
  return g_steal_pointer (&uri);
}
