/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>

#include "op-mail-composer-window.h"
#include "op-mail-identity-item.h"
#include "op-mail-mailto.h"
#include "op-mail-view-private.h"

/* Writing from the Mail page: the composer windows, the report of a send, mailto:. */

static void
on_composer_sent (OpMailComposer *composer,
                  OpMailView     *self)
{
  /* Translators: a toast once a message is in the outbox and being sent. */
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Sending…")));
}

/* A composer window over the accounts' identities and outboxes. (transfer none) */
static OpMailComposer *
open_composer (OpMailView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  OpMailComposerWindow *window = op_mail_composer_window_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                              G_LIST_MODEL (self->identities),
                                                              OP_MAIL_SUBMITTER (self->submitter));
  OpMailComposer *composer = op_mail_composer_window_get_composer (window);

  g_signal_connect_object (composer, "sent", G_CALLBACK (on_composer_sent), self, 0);
  gtk_window_present (GTK_WINDOW (window));
  return composer;
}

static void
compose_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);

  op_mail_composer_start_new (open_composer (self));
}

static void
forward (OpMailView        *self,
         OpMimeMessage     *original,
         OpMimeForwardMode  mode)
{
  OpMailComposer *composer = open_composer (self);
  g_autoptr (GError) error = NULL;

  if (!op_mail_composer_start_forward (composer, original, mode, &error))
    {
      gtk_window_destroy (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (composer))));
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
    }
}

/* A message's menu: that message, whole, as a message/rfc822 attachment. */
static void
on_forward_as_attachment (OpMailView    *self,
                          OpMimeMessage *message)
{
  forward (self, message, OP_MIME_FORWARD_ATTACHMENT);
}

/* Reply, reply all and forward act on the newest message of the conversation shown. */
static void
reply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);
  guint n = op_mail_conversation_view_get_n_messages (self->conversation_view);
  OpMimeMessage *original;
  OpMailComposer *composer;

  if (n == 0)
    return;
  original = op_mail_message_view_get_message (op_mail_conversation_view_get_message_view (self->conversation_view,
                                                                                          n - 1));
  if (original == NULL)
    return;
  if (g_str_equal (action_name, "mail.forward"))
    {
      forward (self, original, OP_MIME_FORWARD_INLINE);
      return;
    }
  composer = open_composer (self);
  op_mail_composer_start_reply (composer, original,
                                g_str_equal (action_name, "mail.reply-all") ? OP_MIME_REPLY_ALL
                                                                             : OP_MIME_REPLY_SENDER);
}

/* A send ended: a toast when all went, else a dialog with each refused recipient and the
 * server's words, the failed messages and those that may have been sent (which can be
 * sent again, on purpose). */
typedef struct
{
  OpMailView   *view;
  OpMailOutbox *outbox;
  char         *account_id;
  GArray       *resend;   /* gint64: FAILED and MAY_HAVE_BEEN_SENT items */
  GArray       *read;     /* gint64: SENT items whose refusals were shown */
} SendReport;

static void
send_report_free (SendReport *report)
{
  g_object_unref (report->view);
  g_object_unref (report->outbox);
  g_free (report->account_id);
  g_array_unref (report->resend);
  g_array_unref (report->read);
  g_free (report);
}

static void
on_resent (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  SendReport *report = user_data;
  g_autoptr (GError) error = NULL;

  if (!op_mail_store_write_finish (OP_MAIL_STORE (source), result, &error))
    g_warning ("A message could not be queued again: %s", error->message);
  else if (report->view->submitter != NULL)
    op_mail_store_submitter_send (report->view->submitter, report->account_id);
  send_report_free (report);
}

static void
on_send_dialog_response (AdwMessageDialog *dialog,
                         const char       *response,
                         SendReport       *report)
{
  OpMailStore *store = NULL;
  Account *account = _op_mail_view_find_account (report->view, report->account_id);

  if (account != NULL)
    store = account->store;
  if (report->view->send_dialog == GTK_WIDGET (dialog))
    report->view->send_dialog = NULL;
  for (guint i = 0; store != NULL && i < report->read->len; i++)
    op_mail_outbox_remove_async (report->outbox, g_array_index (report->read, gint64, i), NULL, NULL, NULL);
  if (store != NULL && g_str_equal (response, "resend") && report->resend->len > 0)
    {
      for (guint i = 0; i + 1 < report->resend->len; i++)
        op_mail_outbox_resend_async (report->outbox, g_array_index (report->resend, gint64, i), NULL, NULL, NULL);
      /* The last one's end sends them all. */
      op_mail_outbox_resend_async (report->outbox,
                                   g_array_index (report->resend, gint64, report->resend->len - 1),
                                   NULL, on_resent, report);
      return;
    }
  send_report_free (report);
}

static void
on_send_finished (OpMailStoreSubmitter *submitter,
                  const char           *account_id,
                  const char           *error_message,
                  OpMailView           *self)
{
  OpMailOutbox *outbox = op_mail_store_submitter_get_outbox (submitter, account_id);
  g_autoptr (GPtrArray) items = outbox != NULL ? op_mail_outbox_list (outbox, NULL) : NULL;
  g_autoptr (GString) body = g_string_new (NULL);
  SendReport *report;
  GtkRoot *root;
  GtkWidget *dialog;

  g_debug ("send of %s finished: %s", account_id, error_message != NULL ? error_message : "ok");
  if (items == NULL)
    return;
  report = g_new0 (SendReport, 1);
  report->view = g_object_ref (self);
  report->outbox = g_object_ref (outbox);
  report->account_id = g_strdup (account_id);
  report->resend = g_array_new (FALSE, FALSE, sizeof (gint64));
  report->read = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < items->len; i++)
    {
      OpMailOutboxItem *item = g_ptr_array_index (items, i);
      const char *subject = item->subject != NULL && item->subject[0] != '\0' ? item->subject : _("(no subject)");

      if (item->state == OP_MAIL_OUTBOX_SENT && item->refusals->len > 0)
        {
          /* Translators: in the report of a send; %s is the message's subject. */
          g_string_append_printf (body, _("“%s” was sent, but not to:"), subject);
          g_string_append_c (body, '\n');
          for (guint r = 0; r < item->refusals->len; r++)
            {
              OpMailRefusal *refusal = g_ptr_array_index (item->refusals, r);

              /* Translators: a refused recipient; %s the address, %u the server's reply
               * code, the last %s the server's words. */
              g_string_append_printf (body, _("• %s: %u %s"), refusal->recipient, refusal->code, refusal->reason);
              g_string_append_c (body, '\n');
            }
          g_array_append_val (report->read, item->id);
        }
      else if (item->state == OP_MAIL_OUTBOX_FAILED)
        {
          /* Translators: %s is the subject, the second %s the server's words. */
          g_string_append_printf (body, _("“%s” was not sent: %s"), subject, item->last_error);
          g_string_append_c (body, '\n');
          g_array_append_val (report->resend, item->id);
        }
      else if (item->state == OP_MAIL_OUTBOX_MAY_HAVE_BEEN_SENT)
        {
          /* Translators: %s is the subject. */
          g_string_append_printf (body, _("“%s” may have been sent: the connection ended before the server confirmed it. Send it again only if its recipients did not get it."),
                                  subject);
          g_string_append_c (body, '\n');
          g_array_append_val (report->resend, item->id);
        }
    }
  if (body->len == 0)
    {
      send_report_free (report);
      if (error_message != NULL)
        {
          /* Translators: a toast when a send stopped; %s says why. The message stays
           * in the outbox and is tried again. */
          g_autofree char *text = g_strdup_printf (_("Not sent yet, tried again later: %s"), error_message);

          adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
        }
      else
        /* Translators: a toast once the outbox's messages were sent. */
        adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Message sent")));
      return;
    }
  if (self->send_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->send_dialog));
  root = gtk_widget_get_root (GTK_WIDGET (self));
  /* Translators: the title of the report of a send that did not fully succeed. */
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _("Not Everything Was Sent"),
                                   body->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (dialog), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Mail: Send report"), -1);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  if (report->resend->len > 0)
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "resend", _("_Send Again"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "resend",
                                                  ADW_RESPONSE_SUGGESTED);
    }
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  g_signal_connect (dialog, "response", G_CALLBACK (on_send_dialog_response), report);
  self->send_dialog = dialog;
  gtk_window_present (GTK_WINDOW (dialog));
}

/* mailto:to?subject=…&body=…&cc=…&bcc=… (RFC 6068) opens a composer so filled. */
gboolean
_op_mail_view_open_mailto (GtkWidget   *widget,
             const char  *uri,
             GError     **error)
{
  OpMailView *self = OP_MAIL_VIEW (widget);
  g_autoptr (OpMailto) mailto = op_mailto_parse (uri, error);
  OpMailComposer *composer;

  if (mailto == NULL)
    return FALSE;
  composer = open_composer (self);
  op_mail_composer_start_new (composer);
  op_mail_mailto_fill (mailto, composer);
  return TRUE;
}

/* A mailto: link in a message opens a composer here; other links go to the desktop. */
static gboolean
on_message_link (OpMailView *self,
                 const char *uri)
{
  g_autoptr (GError) error = NULL;

  if (g_ascii_strncasecmp (uri, "mailto:", 7) != 0)
    return FALSE;
  if (!_op_mail_view_open_mailto (GTK_WIDGET (self), uri, &error))
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
  return TRUE;
}

void
_op_mail_view_writing_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "mail.compose", NULL, compose_action);
  gtk_widget_class_install_action (widget_class, "mail.reply", NULL, reply_action);
  gtk_widget_class_install_action (widget_class, "mail.reply-all", NULL, reply_action);
  gtk_widget_class_install_action (widget_class, "mail.forward", NULL, reply_action);
}

void
_op_mail_view_writing_init (OpMailView *self)
{
  self->identities = g_list_store_new (OP_TYPE_MAIL_IDENTITY_ITEM);
  self->submitter = op_mail_store_submitter_new ();
  g_signal_connect (self->submitter, "send-finished", G_CALLBACK (on_send_finished), self);
  op_mail_conversation_view_set_identities (self->conversation_view, G_LIST_MODEL (self->identities));
  g_signal_connect_swapped (self->conversation_view, "open-uri", G_CALLBACK (on_message_link), self);
  g_signal_connect_swapped (self->conversation_view, "forward-as-attachment",
                            G_CALLBACK (on_forward_as_attachment), self);
}
