/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-ui"

/* news:, nntp: and snews: links (RFC 5538) for the News view, and the view's entry in
 * the window's registry. */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "news/op-news-uri.h"
#include "op-news-preferences-page.h"
#include "op-news-view-private.h"
#include "op-view-registry.h"

/* Looks for the article a link names among the open group's rows, a slice of rows per
 * main-loop turn (a 100,000-row group is paged from the store; the window never waits
 * for the whole walk), and selects it: the article pane shows it and it is marked read,
 * as a click would. */
#define REVEAL_SLICE_US 4000

void
_op_news_view_stop_reveal (OpNewsView *self)
{
  g_clear_handle_id (&self->reveal_source, g_source_remove);
  self->reveal_number = 0;
  g_clear_pointer (&self->reveal_id, g_free);
}

static gboolean
reveal_step (gpointer data)
{
  OpNewsView   *self = data;
  GListModel   *model = G_LIST_MODEL (op_news_thread_list_get_model (self->list));
  guint         n = g_list_model_get_n_items (model);
  gint64        deadline = g_get_monotonic_time () + REVEAL_SLICE_US;

  for (; self->reveal_next < n; self->reveal_next++)
    {
      g_autoptr (OpNewsHeader) header = g_list_model_get_item (model, self->reveal_next);

      if (header != NULL
          && (self->reveal_number != 0
                  ? op_news_header_get_number (header) == self->reveal_number
                  : g_strcmp0 (op_news_header_get_message_id (header), self->reveal_id) == 0))
        {
          guint found = self->reveal_next;

          self->reveal_source = 0;
          _op_news_view_stop_reveal (self);
          op_news_view_select (self, found);
          return G_SOURCE_REMOVE;
        }
      if (self->reveal_next % 64 == 63 && g_get_monotonic_time () > deadline)
        {
          self->reveal_next++;
          return G_SOURCE_CONTINUE;
        }
    }
  self->reveal_source = 0;
  /* A Message-ID not in this group was shown all the same (fetched by its ID). */
  if (self->reveal_number != 0)
    {
      g_autofree char *number = g_strdup_printf ("%" G_GUINT64_FORMAT, self->reveal_number);
      /* Translators: article NUMBER of GROUP */
      g_autofree char *text = g_strdup_printf (
          _ ("Article %s of %s is not among the headers fetched.\n\nGet new headers, then "
             "open the link again."),
          number, self->group);

      op_news_article_view_set_error (self->article_view, text);
    }
  _op_news_view_stop_reveal (self);
  return G_SOURCE_REMOVE;
}

void
_op_news_view_start_reveal (OpNewsView *self)
{
  g_clear_handle_id (&self->reveal_source, g_source_remove);
  if (self->list == NULL)
    return;
  self->reveal_next = 0;
  self->reveal_source = g_idle_add (reveal_step, self);
}

static void
reveal_article (OpNewsView *self, guint64 number, const char *message_id)
{
  _op_news_view_stop_reveal (self);
  self->reveal_number = number;
  self->reveal_id = g_strdup (message_id);
  /* A group still opening starts the search when its rows are there (model_opened). */
  if (self->list != NULL && self->open_cancellable == NULL)
    _op_news_view_start_reveal (self);
}


/* The server of @host and @port (-1: any port) among the sidebar's; without a host, the
 * one whose group is open, else the first. */
static OpNewsServer *
server_for_uri (OpNewsView *self, const char *host, int port)
{
  if (host == NULL || *host == '\0')
    return self->server != NULL          ? self->server
           : self->servers->len > 0 ? g_ptr_array_index (self->servers, 0)
                                          : NULL;
  for (guint i = 0; i < self->servers->len; i++)
    {
      OpNewsServer *server = g_ptr_array_index (self->servers, i);
      OpAccount    *account = op_news_server_get_account (server);
      guint16       server_port = op_account_get_port (account);

      if (g_ascii_strcasecmp (op_account_get_host (account), host) != 0)
        continue;
      /* RFC 5538 §2.1-2.3: 119 for news: and nntp:, 563 for snews: when none is given. */
      if (server_port == 0)
        server_port = op_account_get_security (account) == OP_SECURITY_IMPLICIT_TLS ? 563 : 119;
      if (port < 0 || server_port == port)
        return server;
    }
  return NULL;
}

static gboolean
open_news_uri (GtkWidget *widget, const char *uri, GError **error)
{
  OpNewsView      *self = OP_NEWS_VIEW (widget);
  g_autoptr (OpNewsUri) link = op_news_uri_parse (uri);
  OpNewsServer    *server;

  if (link == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” is not a news link."), uri);
      return FALSE;
    }
  server = server_for_uri (self, link->host, link->port);
  if (server == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   link->host != NULL
                       ? _ ("No news server for “%s” is set up: add it in the News view, then "
                            "open the link again.")
                       : _ ("No news server is set up to open “%s”: add one in the News view "
                            "first."),
                   uri);
      return FALSE;
    }
  switch (link->kind)
    {
    case OP_NEWS_URI_BAD_ARTICLE:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” names no valid article."), uri);
      return FALSE;
    case OP_NEWS_URI_BAD_TARGET:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” names no single newsgroup or article."), uri);
      return FALSE;
    case OP_NEWS_URI_ARTICLE:
      /* Unselecting cancels the selected row's fetch (on_selected_changed). */
      if (self->selection != NULL)
        gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      g_cancellable_cancel (self->article_cancellable);
      g_clear_object (&self->article_cancellable);
      self->article_cancellable = g_cancellable_new ();
      op_news_article_view_set_loading (self->article_view);
      /* Nothing is selected: the article is shown, nothing is marked read. */
      op_news_server_fetch_article_async (server, link->message_id, self->article_cancellable,
                                          _op_news_view_article_fetched, g_object_ref (self));
      /* Selected too when the open group has it. */
      if (server == self->server)
        reveal_article (self, 0, link->message_id);
      return TRUE;
    case OP_NEWS_URI_GROUP:
    case OP_NEWS_URI_GROUP_ARTICLE:
      if (server != self->server || g_strcmp0 (link->group, self->group) != 0)
        op_news_view_open_group (self, server, link->group);
      if (link->kind == OP_NEWS_URI_GROUP_ARTICLE)
        reveal_article (self, link->number, NULL);
      return TRUE;
    }
  g_return_val_if_reached (FALSE);
}

/**
 * op_news_view_register:
 *
 * Adds News to the window's views (op-view-registry.h), between Files and the Console
 * (DESIGN.md's order): built when first shown, opening news:, nntp: and snews: links.
 */
void
op_news_view_register (void)
{
  static const char *const schemes[] = { "news", "nntp", "snews", NULL };
  static const OpViewInfo  info = {
    .name = "news",
    .title = N_ ("News"),
    .icon_name = "application-rss+xml-symbolic",
    .create = op_news_view_new,
    .lazy = TRUE,
    .schemes = schemes,
    .open_uri = open_news_uri,
    .create_preferences = op_news_preferences_page_new,
  };

  op_view_registry_add (&info);
}
