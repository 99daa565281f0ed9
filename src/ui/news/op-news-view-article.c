/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-ui"

/* The News view's article actions (issue 15, "Posting"): a new article, a follow-up,
 * a reply by mail, and cancelling or superseding one's own articles. */

#include "config.h"

#include <glib/gi18n.h>

#include "news/op-news-cancel.h"
#include "news/op-news-draft.h"
#include "op-application.h"
#include "op-mime-message.h"
#include "op-news-composer.h"
#include "op-news-view-private.h"

/* Posting (issue 15, "Posting"). */

static void
on_posted (OpNewsView *self, const char *message_id, OpNewsComposer *composer)
{
  OpNewsServer *server = g_object_get_data (G_OBJECT (composer), "news-server");

  if (op_news_composer_get_supersedes (composer) != NULL)
    _op_news_view_toast_now (self, _ ("Replacement posted: servers that check its Cancel-Key "
                                      "withdraw the old article"));
  else
    _op_news_view_toast (self, _ ("Article posted"));
  /* The new article shows up with the group's next headers. */
  if (self->server == server && self->group != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "news.get-headers", NULL);
}

static OpNewsComposer *
open_composer (OpNewsView *self, OpNewsServer *server, const OpNewsDraft *draft)
{
  GtkRoot        *root = gtk_widget_get_root (GTK_WIDGET (self));
  OpNewsComposer *composer;

  /* Built now, destroyed when it closes (tests/ui/README.md: no hidden windows). */
  composer = op_news_composer_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, server, draft);
  g_object_set_data_full (G_OBJECT (composer), "news-server", g_object_ref (server),
                          g_object_unref);
  g_signal_connect_object (composer, "posted", G_CALLBACK (on_posted), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (composer));
  return composer;
}

static void
post_article_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  OpNewsView   *self = OP_NEWS_VIEW (widget);
  OpNewsServer *server = self->server;
  g_autoptr (OpNewsDraft) draft = NULL;

  if (server == NULL && self->servers->len > 0)
    server = g_ptr_array_index (self->servers, 0);
  if (server == NULL)
    {
      _op_news_view_toast (self, _ ("Add a news server to post to"));
      return;
    }
  draft = op_news_draft_new (self->server == server ? self->group : NULL);
  open_composer (self, server, draft);
}

static void
open_mailto (OpNewsView *self, const char *uri)
{
  GApplication *application = g_application_get_default ();
  g_autoptr (GError) error = NULL;

  /* The Mail view's composer through the application's URI routing; the desktop's mail
   * program without it. */
  if (OP_IS_APPLICATION (application))
    {
      if (!op_application_open_uri (OP_APPLICATION (application), uri, &error))
        _op_news_view_toast (self, error->message);
      return;
    }
  gtk_show_uri (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), uri, GDK_CURRENT_TIME);
}

static void
reply_by_mail (OpNewsView *self, const OpNewsDraft *draft)
{
  g_autofree char *uri = op_news_draft_to_mailto (draft);

  if (uri == NULL)
    {
      _op_news_view_toast (self, _ ("The article names no author to write to"));
      return;
    }
  g_object_set_data_full (G_OBJECT (self), "news-last-mailto", g_strdup (uri), g_free);
  open_mailto (self, uri);
}

static OpNewsDraft *
followup_draft (OpNewsView *self)
{
  g_autoptr (GError) error = NULL;
  OpNewsDraft *draft;

  if (self->article == NULL)
    return NULL;
  draft = op_news_draft_new_followup (self->article, &error);
  if (draft == NULL)
    {
      g_autofree char *text
          = g_strdup_printf (_ ("This article cannot be answered: %s"), error->message);

      _op_news_view_toast (self, text);
    }
  return draft;
}

static void
followup_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  OpNewsView *self = OP_NEWS_VIEW (widget);
  g_autoptr (OpNewsDraft) draft = followup_draft (self);

  if (draft == NULL)
    return;
  if (draft->to_poster)
    {
      /* RFC 5536 §3.2.6: "Followup-To: poster" asks for a reply by mail only. */
      _op_news_view_toast (self, _ ("The author asks for replies by mail, not in the group"));
      reply_by_mail (self, draft);
      return;
    }
  open_composer (self, self->article_server, draft);
}

static void
reply_by_mail_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  OpNewsView *self = OP_NEWS_VIEW (widget);
  g_autoptr (OpNewsDraft) draft = followup_draft (self);

  if (draft != NULL)
    reply_by_mail (self, draft);
}

/* Cancel and supersede (issue 15, "Cancel and supersede one's own articles"): only an
 * article posted from this store carries a Cancel-Lock (RFC 8315) that a server checks,
 * so the article is checked first and the user told plainly when it has none. */

typedef enum
{
  WITHDRAW_CANCEL,
  WITHDRAW_SUPERSEDE,
} Withdraw;

typedef struct
{
  OpNewsView   *view;
  OpNewsServer *server;
  GBytes       *article;
  Withdraw      what;
} WithdrawCheck;

static void
withdraw_check_free (WithdrawCheck *check)
{
  g_object_unref (check->view);
  g_object_unref (check->server);
  g_bytes_unref (check->article);
  g_free (check);
}

static GtkWidget *
message_dialog (OpNewsView *self, const char *heading, const char *body, const char *a11y)
{
  GtkRoot   *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                              heading, body);

  gtk_accessible_update_property (GTK_ACCESSIBLE (dialog), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                  -1);
  return dialog;
}

static void
cancel_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (OpNewsView) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = op_news_server_withdraw_finish (OP_NEWS_SERVER (source), result, &error);

  if (id == NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = g_strdup_printf (_ ("The article was not cancelled: %s"), error->message);
      _op_news_view_toast_now (self, text);
      return;
    }
  /* INN's 240 says nothing about the outcome: what happens is up to each server. */
  _op_news_view_toast_now (
      self, _ ("Cancel sent: servers that check its Cancel-Lock withdraw the article"));
}

static void
on_cancel_response (AdwMessageDialog *dialog, const char *response, WithdrawCheck *check)
{
  g_autofree char *id = g_object_steal_data (G_OBJECT (dialog), "news-message-id");

  if (g_strcmp0 (response, "cancel-article") == 0)
    op_news_server_cancel_async (check->server, id, NULL, cancel_sent, g_object_ref (check->view));
}

static OpNewsDraft *
supersede_draft (GBytes *article, GError **error)
{
  g_autoptr (OpMimeMessage) message = op_mime_message_parse_bytes (article, NULL, error);
  OpNewsDraft *draft;

  if (message == NULL)
    return NULL;
  /* Every field op_news_draft_new() filled is replaced: free it first (the subject,
   * body and From leaked here, found by the sanitizer build's leak check). */
  draft = op_news_draft_new (NULL);
  g_free (draft->newsgroups);
  draft->newsgroups = op_mime_message_dup_header (message, "Newsgroups");
  g_free (draft->from);
  draft->from = op_mime_message_dup_header (message, "From");
  draft->followup_to = op_mime_message_dup_header (message, "Followup-To");
  g_free (draft->subject);
  draft->subject = g_strdup (op_mime_message_get_subject (message));
  if (op_mime_message_get_references (message) != NULL
      && op_mime_message_get_references (message)[0] != NULL)
    draft->references = g_strdupv ((GStrv)op_mime_message_get_references (message));
  g_free (draft->body);
  draft->body = g_strdup (op_mime_message_get_text (message));
  return draft;
}

static void
withdraw_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WithdrawCheck *check = user_data;
  OpNewsView    *self = check->view;
  g_autoptr (GBytes) secret = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  GtkWidget       *dialog;

  secret = op_news_store_get_cancel_secret_finish (OP_NEWS_STORE (source), result, &error);
  if (secret != NULL)
    id = op_news_article_check_own (check->article, secret, &error);
  if (id == NULL)
    {
      const char *body
          = g_error_matches (error, OP_NEWS_CANCEL_ERROR, OP_NEWS_CANCEL_ERROR_NOT_OWN)
                ? _ ("It carries no Cancel-Lock from Outpost on this computer, so news servers "
                     "would not withdraw it. Only articles posted from here can be cancelled "
                     "or superseded.")
                : error->message;

      dialog = message_dialog (self,
                               check->what == WITHDRAW_CANCEL
                                   ? _ ("This Article Cannot Be Cancelled")
                                   : _ ("This Article Cannot Be Superseded"),
                               body, _ ("News: Article Not Withdrawable"));
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _ ("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      withdraw_check_free (check);
      return;
    }
  if (check->what == WITHDRAW_SUPERSEDE)
    {
      g_autoptr (OpNewsDraft) draft = supersede_draft (check->article, &error);
      OpNewsComposer *composer;

      if (draft == NULL)
        {
          g_autofree char *text
              = g_strdup_printf (_ ("This article cannot be superseded: %s"), error->message);

          _op_news_view_toast (self, text);
          withdraw_check_free (check);
          return;
        }
      composer = open_composer (self, check->server, draft);
      op_news_composer_set_supersedes (composer, id);
      withdraw_check_free (check);
      return;
    }
  dialog = message_dialog (self, _ ("Cancel This Article?"),
                           _ ("News servers that check its Cancel-Lock withdraw it. Readers who "
                              "already fetched it keep their copy."),
                           _ ("News: Cancel Article"));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "keep", _ ("_Keep"),
                                    "cancel-article", _ ("C_ancel Article"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "cancel-article",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_object_set_data_full (G_OBJECT (dialog), "news-message-id", g_steal_pointer (&id), g_free);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_cancel_response), check,
                         (GClosureNotify)(void (*) (void))withdraw_check_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
withdraw_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  OpNewsView    *self = OP_NEWS_VIEW (widget);
  WithdrawCheck *check;

  if (self->article == NULL || self->article_server == NULL)
    return;
  check = g_new0 (WithdrawCheck, 1);
  check->view = g_object_ref (self);
  check->server = g_object_ref (self->article_server);
  check->article = g_bytes_ref (self->article);
  check->what = g_str_equal (name, "news.cancel-article") ? WITHDRAW_CANCEL : WITHDRAW_SUPERSEDE;
  op_news_store_get_cancel_secret_async (op_news_server_get_store (check->server), NULL,
                                         withdraw_checked, check);
}

void
_op_news_view_article_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "news.post-article", NULL, post_article_action);
  gtk_widget_class_install_action (widget_class, "news.followup", NULL, followup_action);
  gtk_widget_class_install_action (widget_class, "news.reply-by-mail", NULL,
                                   reply_by_mail_action);
  gtk_widget_class_install_action (widget_class, "news.cancel-article", NULL, withdraw_action);
  gtk_widget_class_install_action (widget_class, "news.supersede-article", NULL, withdraw_action);
}
