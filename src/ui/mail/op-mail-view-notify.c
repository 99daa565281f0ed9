/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>

#include "op-mail-view-private.h"
#include "op-window.h"

/* New mail on the desktop: a GNotification with the sender and the subject of unread
 * messages that arrive in an account's Inbox while Outpost runs; activating it shows
 * the message. "New" is what the server numbered after the Inbox as the store last
 * knew it (UID ≥ its UIDNEXT then), so an account's first sync (every old message) and
 * messages read elsewhere stay quiet. */

/* Senders and subjects listed in one notification, at most. */
#define NOTIFY_MAX_LISTED 3

#define OPEN_ACTION "mail-open-message"

static const char *
sender_of (OpMailMessage *message)
{
  const char *name = op_mail_message_get_from_name (message);

  if (name != NULL && name[0] != '\0')
    return name;
  name = op_mail_message_get_from_address (message);
  return name != NULL && name[0] != '\0' ? name : _("Unknown sender");
}

static const char *
subject_of (OpMailMessage *message)
{
  const char *subject = op_mail_message_get_subject (message);

  return subject != NULL && subject[0] != '\0' ? subject : _("(no subject)");
}

static void
notify (Account   *account,
        GPtrArray *messages)
{
  OpMailView *self = account->view;
  OpMailMessage *newest = messages->pdata[messages->len - 1];
  g_autoptr (GNotification) notification = NULL;
  g_autoptr (GIcon) icon = g_themed_icon_new ("mail-unread-symbolic");
  g_autoptr (GString) body = g_string_new (NULL);
  g_autofree char *title = NULL;
  g_autofree char *id = g_strconcat ("mail-new-", op_account_get_id (account->account), NULL);
  GApplication *application = g_application_get_default ();

  if (messages->len == 1)
    {
      title = g_strdup (sender_of (newest));
      g_string_append (body, subject_of (newest));
    }
  else
    {
      /* Translators: the title of the notification of several new messages. */
      title = g_strdup_printf (ngettext ("%u new message", "%u new messages", messages->len), messages->len);
      for (guint i = messages->len; i > 0 && messages->len - i < NOTIFY_MAX_LISTED; i--)
        {
          OpMailMessage *message = messages->pdata[i - 1];

          if (body->len > 0)
            g_string_append_c (body, '\n');
          /* Translators: one new message in a notification: sender, then subject. */
          g_string_append_printf (body, _("%s: %s"), sender_of (message), subject_of (message));
        }
    }
  g_free (self->notified_title);
  g_free (self->notified_body);
  self->notified_title = g_strdup (title);
  self->notified_body = g_strdup (body->str);

  notification = g_notification_new (title);
  g_notification_set_body (notification, body->str);
  g_notification_set_icon (notification, icon);
  g_notification_set_default_action_and_target (notification, "app." OPEN_ACTION, "(sx)",
                                                op_account_get_id (account->account),
                                                op_mail_message_get_id (newest));
  if (application != NULL && g_application_get_is_registered (application))
    g_application_send_notification (application, id, notification);
}

static void
on_messages_added (OpMailStore *store,
                   gint64       folder_id,
                   GArray      *ids,
                   Account     *account)
{
  g_autoptr (OpMailFolder) inbox = op_mail_store_lookup_special (store, OP_MAIL_SPECIAL_USE_INBOX);
  g_autoptr (GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);
  guint32 known = account->inbox_uidnext;

  if (inbox == NULL || op_mail_folder_get_id (inbox) != folder_id)
    return;
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr (OpMailMessage) message = op_mail_store_get_message (store, g_array_index (ids, gint64, i));

      if (message == NULL)
        continue;
      account->inbox_uidnext = MAX (account->inbox_uidnext, op_mail_message_get_uid (message) + 1);
      if (known > 0 && op_mail_message_get_uid (message) >= known
          && (op_mail_message_get_flags (message) & OP_MAIL_FLAG_SEEN) == 0)
        g_ptr_array_add (fresh, g_steal_pointer (&message));
    }
  account->inbox_uidnext = MAX (account->inbox_uidnext, op_mail_folder_get_uidnext (inbox));
  if (fresh->len > 0)
    notify (account, fresh);
}

/* From the account's store opening on: what its Inbox held then is not new. */
void
_op_mail_view_watch_new_mail (Account *account)
{
  g_autoptr (OpMailFolder) inbox = op_mail_store_lookup_special (account->store, OP_MAIL_SPECIAL_USE_INBOX);

  account->inbox_uidnext = inbox != NULL ? op_mail_folder_get_uidnext (inbox) : 0;
  g_signal_connect (account->store, "messages-added", G_CALLBACK (on_messages_added), account);
  g_signal_connect (account->store, "messages-added", G_CALLBACK (_op_mail_view_on_messages_added), account);
}

static void
on_open_action (GSimpleAction *action,
                GVariant      *parameter,
                OpMailView    *self)
{
  const char *account_id;
  gint64 message_id;

  g_variant_get (parameter, "(&sx)", &account_id, &message_id);
  op_mail_view_open_message (self, account_id, message_id);
}

/* The notifications' action is the application's ("app.mail-open-message"): made by
 * the first Mail page, answered by each. */
void
_op_mail_view_notify_init (OpMailView *self)
{
  GApplication *application = g_application_get_default ();
  GAction *action;

  if (application == NULL)
    return;
  action = g_action_map_lookup_action (G_ACTION_MAP (application), OPEN_ACTION);
  if (action == NULL)
    {
      g_autoptr (GSimpleAction) made = g_simple_action_new (OPEN_ACTION, G_VARIANT_TYPE ("(sx)"));

      g_action_map_add_action (G_ACTION_MAP (application), G_ACTION (made));
      action = G_ACTION (made);
    }
  g_signal_connect_object (action, "activate", G_CALLBACK (on_open_action), self, 0);
}

/**
 * op_mail_view_open_message:
 * @self: the page
 * @account_id: the account
 * @message_id: a message of its store
 *
 * Shows the message's folder and its conversation, with the window and the Mail page
 * brought forward (a new-mail notification was activated). FALSE when the account or
 * the message is not (or no longer) there.
 */
gboolean
op_mail_view_open_message (OpMailView *self,
                           const char *account_id,
                           gint64      message_id)
{
  Account *account;
  g_autoptr (OpMailMessage) message = NULL;
  g_autoptr (OpMailFolder) folder = NULL;
  GtkRoot *root;
  gint64 conversation_id;
  int position;

  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), FALSE);
  g_return_val_if_fail (account_id != NULL, FALSE);

  account = _op_mail_view_find_account (self, account_id);
  if (account == NULL || account->store == NULL)
    return FALSE;
  message = op_mail_store_get_message (account->store, message_id);
  if (message == NULL)
    return FALSE;
  folder = op_mail_store_get_folder (account->store, op_mail_message_get_folder_id (message));
  if (folder == NULL)
    return FALSE;

  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (OP_IS_WINDOW (root))
    op_window_show_view (OP_WINDOW (root), "mail");
  if (GTK_IS_WINDOW (root))
    gtk_window_present (GTK_WINDOW (root));
  _op_mail_view_show_folder (self, account, folder);
  conversation_id = op_mail_message_get_conversation_id (message);
  position = self->conversations != NULL ? op_mail_conversation_list_find (self->conversations, conversation_id) : -1;
  if (position >= 0)
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
  if (self->conversation_id != conversation_id || self->shown != account)
    _op_mail_view_show_conversation (self, account, conversation_id,
                                     (op_mail_message_get_flags (message) & OP_MAIL_FLAG_SEEN) == 0);
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->conversation_column);
  return TRUE;
}

const char *
op_mail_view_get_notified_title (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), NULL);
  return self->notified_title;
}

const char *
op_mail_view_get_notified_body (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), NULL);
  return self->notified_body;
}
