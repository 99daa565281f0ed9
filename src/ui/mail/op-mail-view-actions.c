/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>

#include "op-mail-view-private.h"

/* Organising on the Mail page: read, flag, Trash and Undo, each shown at once and
 * synced by the store. */

/* --- organising: read, flag, Trash -------------------------------------------------- */

static void
on_pushed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (StoreOpen) open = user_data;
  g_autoptr (GError) error = NULL;
  Account *account;

  if (op_mail_imap_sync_finish (OP_MAIL_IMAP_SYNC (source), result, &error)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* The change waits in the store's queue; the next sync (a minute later) replays it. */
  account = open->view->accounts != NULL ? _op_mail_view_find_account (open->view, open->account_id) : NULL;
  if (account != NULL)
    _op_mail_view_sync_failed (account, error);
}

static void
on_change_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (OpMailView) self = user_data;
  g_autoptr (GError) error = NULL;

  if (op_mail_store_write_finish (OP_MAIL_STORE (source), result, &error))
    {
      /* Shown at once; the server learns of it now when the account is online. */
      for (guint i = 0; self->accounts != NULL && i < self->accounts->len; i++)
        {
          Account *account = g_ptr_array_index (self->accounts, i);
          StoreOpen *open;

          if (account->store != OP_MAIL_STORE (source) || account->sync == NULL)
            continue;
          open = _op_mail_view_store_open_new (self, account);
          op_mail_imap_sync_push_async (account->sync, account->cancellable, on_pushed, open);
        }
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Translators: a toast when marking, flagging or moving mail failed; %s says why. */
      g_autofree char *text = g_strdup_printf (_("The change was not made: %s."), error->message);

      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
    }
}

static void
set_flags (OpMailView  *self,
           GArray      *ids,
           OpMailFlags  add,
           OpMailFlags  remove)
{
  if (ids->len == 0 || self->current == NULL || self->current->store == NULL)
    return;
  op_mail_store_set_flags_async (self->current->store, ids, add, remove, NULL, on_change_done,
                                 g_object_ref (self));
}

/* The messages of @conversations in the folder shown (a conversation's messages in other
 * folders, Sent for one, stay as they are). */
static GArray *
ids_in_folder (OpMailView *self,
               GPtrArray  *conversations,
               OpMailFlags without)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < conversations->len; i++)
    {
      g_autoptr (GPtrArray) messages =
        op_mail_store_list_conversation (self->current->store,
                                         op_mail_conversation_get_id (conversations->pdata[i]), NULL);

      for (guint j = 0; messages != NULL && j < messages->len; j++)
        {
          OpMailMessage *message = messages->pdata[j];
          gint64 id = op_mail_message_get_id (message);

          if (op_mail_message_get_folder_id (message) == self->folder_id
              && (op_mail_message_get_flags (message) & without) == 0)
            g_array_append_val (ids, id);
        }
    }
  return ids;
}

static GArray *
latest_ids (GPtrArray *conversations)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < conversations->len; i++)
    {
      gint64 id = op_mail_conversation_get_latest_message_id (conversations->pdata[i]);

      g_array_append_val (ids, id);
    }
  return ids;
}

gboolean
_op_mail_view_on_dwell (gpointer data)
{
  OpMailView *self = data;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  self->dwell_source = 0;
  if (self->current == NULL || self->current->store == NULL)
    return G_SOURCE_REMOVE;
  messages = op_mail_store_list_conversation (self->current->store, self->conversation_id, NULL);
  for (guint i = 0; messages != NULL && i < messages->len; i++)
    {
      OpMailMessage *message = messages->pdata[i];
      gint64 id = op_mail_message_get_id (message);

      if ((op_mail_message_get_flags (message) & OP_MAIL_FLAG_SEEN) == 0)
        g_array_append_val (ids, id);
    }
  set_flags (self, ids, OP_MAIL_FLAG_SEEN, 0);
  return G_SOURCE_REMOVE;
}

static gboolean
any_conversation (GPtrArray *conversations,
                  gboolean (*test) (OpMailConversation *))
{
  for (guint i = 0; i < conversations->len; i++)
    if (test (conversations->pdata[i]))
      return TRUE;
  return FALSE;
}

static gboolean
has_unread (OpMailConversation *conversation)
{
  return op_mail_conversation_get_n_unread (conversation) > 0;
}

static gboolean
not_flagged (OpMailConversation *conversation)
{
  return !op_mail_conversation_get_flagged (conversation);
}

/* Any unread: all read; else the newest of each unread again. */
static void
toggle_read_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);
  g_autoptr (GPtrArray) conversations = _op_mail_view_selected_conversations (self);
  g_autoptr (GArray) ids = NULL;

  if (conversations->len == 0 || self->current == NULL)
    return;
  g_clear_handle_id (&self->dwell_source, g_source_remove);
  if (any_conversation (conversations, has_unread))
    {
      ids = ids_in_folder (self, conversations, OP_MAIL_FLAG_SEEN);
      set_flags (self, ids, OP_MAIL_FLAG_SEEN, 0);
    }
  else
    {
      ids = latest_ids (conversations);
      set_flags (self, ids, 0, OP_MAIL_FLAG_SEEN);
    }
}

/* Any unflagged: the newest of each flagged; else every flag of them removed. */
static void
toggle_flag_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);
  g_autoptr (GPtrArray) conversations = _op_mail_view_selected_conversations (self);
  g_autoptr (GArray) ids = NULL;

  if (conversations->len == 0 || self->current == NULL)
    return;
  if (any_conversation (conversations, not_flagged))
    {
      ids = latest_ids (conversations);
      set_flags (self, ids, OP_MAIL_FLAG_FLAGGED, 0);
    }
  else
    {
      ids = ids_in_folder (self, conversations, 0);
      set_flags (self, ids, 0, OP_MAIL_FLAG_FLAGGED);
    }
}

static OpMailFolder *
trash_folder (OpMailView *self)
{
  if (self->current == NULL || self->current->store == NULL)
    return NULL;
  return op_mail_store_lookup_special (self->current->store, OP_MAIL_SPECIAL_USE_TRASH);
}

static void
clear_undo (OpMailView *self)
{
  g_clear_object (&self->undo_store);
  g_clear_pointer (&self->undo_ids, g_array_unref);
  self->undo_folder_id = 0;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.undo-trash", FALSE);
}

static void
trash_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);
  g_autoptr (GPtrArray) conversations = _op_mail_view_selected_conversations (self);
  g_autoptr (OpMailFolder) trash = trash_folder (self);
  g_autoptr (GArray) ids = NULL;
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (conversations->len == 0 || trash == NULL || op_mail_folder_get_id (trash) == self->folder_id)
    return;
  ids = ids_in_folder (self, conversations, 0);
  if (ids->len == 0)
    return;
  clear_undo (self);
  self->undo_store = g_object_ref (self->current->store);
  self->undo_ids = g_array_ref (ids);
  self->undo_folder_id = self->folder_id;
  gtk_widget_action_set_enabled (widget, "mail.undo-trash", TRUE);
  op_mail_store_move_async (self->current->store, ids, op_mail_folder_get_id (trash), FALSE, NULL,
                            on_change_done, g_object_ref (self));
  _op_mail_view_clear_conversation (self);

  /* Translators: a toast after Delete; %u is how many conversations. */
  title = g_strdup_printf (ngettext ("%u conversation moved to Trash",
                                     "%u conversations moved to Trash", conversations->len),
                           conversations->len);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "mail.undo-trash");
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* A moved message keeps its store id, so Undo moves the same ids back. */
static void
undo_trash_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);

  if (self->undo_store == NULL)
    return;
  op_mail_store_move_async (self->undo_store, self->undo_ids, self->undo_folder_id, FALSE, NULL,
                            on_change_done, g_object_ref (self));
  clear_undo (self);
}

void
_op_mail_view_update_actions (OpMailView *self)
{
  gboolean listing = self->selection != NULL
                     && g_strcmp0 (gtk_stack_get_visible_child_name (self->list_stack), "list") == 0;
  g_autoptr (GtkBitset) set = listing ? gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection))
                                      : NULL;
  gboolean any = set != NULL && !gtk_bitset_is_empty (set);
  g_autoptr (OpMailFolder) trash = any ? trash_folder (self) : NULL;

  gboolean conversation = op_mail_conversation_view_get_n_messages (self->conversation_view) > 0
                          && self->conversation_id != 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.compose",
                                 g_list_model_get_n_items (G_LIST_MODEL (self->identities)) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.reply", conversation);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.reply-all", conversation);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.forward", conversation);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.toggle-read", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.toggle-flag", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.trash",
                                 trash != NULL && op_mail_folder_get_id (trash) != self->folder_id);
}

void
_op_mail_view_actions_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "mail.toggle-read", NULL, toggle_read_action);
  gtk_widget_class_install_action (widget_class, "mail.toggle-flag", NULL, toggle_flag_action);
  gtk_widget_class_install_action (widget_class, "mail.trash", NULL, trash_action);
  gtk_widget_class_install_action (widget_class, "mail.undo-trash", NULL, undo_trash_action);
}
