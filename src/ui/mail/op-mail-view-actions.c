/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>

#include "op-mail-view-private.h"

/* Organising on the Mail page: read, flag, and moves (Trash, Archive, Junk, a folder)
 * with Undo, each shown at once and synced by the store. */

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

/* Messages of one account's folder, changed together in one call to its store. */
typedef struct
{
  Account *account;
  gint64   folder_id;
  GArray  *ids;
} Batch;

static void
batch_free (Batch *batch)
{
  g_array_unref (batch->ids);
  g_free (batch);
}

static GPtrArray *
batches_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) batch_free);
}

static Batch *
batch_for (GPtrArray *batches,
           Account   *account,
           gint64     folder_id)
{
  Batch *batch;

  for (guint i = 0; i < batches->len; i++)
    {
      batch = batches->pdata[i];
      if (batch->account == account && batch->folder_id == folder_id)
        return batch;
    }
  batch = g_new0 (Batch, 1);
  batch->account = account;
  batch->folder_id = folder_id;
  batch->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_ptr_array_add (batches, batch);
  return batch;
}

static void
set_flags (OpMailView  *self,
           GPtrArray   *batches,
           OpMailFlags  add,
           OpMailFlags  remove)
{
  for (guint i = 0; i < batches->len; i++)
    {
      Batch *batch = batches->pdata[i];

      if (batch->ids->len == 0 || batch->account->store == NULL)
        continue;
      op_mail_store_set_flags_async (batch->account->store, batch->ids, add, remove, NULL,
                                     on_change_done, g_object_ref (self));
    }
}

/* The messages of @conversations in their folder, by account (a conversation's messages
 * in other folders, Sent for one, stay as they are). */
static GPtrArray *
ids_in_folder (OpMailView *self,
               GPtrArray  *conversations,
               OpMailFlags without)
{
  GPtrArray *batches = batches_new ();

  for (guint i = 0; i < conversations->len; i++)
    {
      OpMailConversation *conversation = conversations->pdata[i];
      Account *account = _op_mail_view_account_of (self, conversation);
      gint64 folder_id = op_mail_conversation_get_folder_id (conversation);
      g_autoptr (GPtrArray) messages = NULL;
      Batch *batch;

      if (account == NULL || account->store == NULL)
        continue;
      batch = batch_for (batches, account, folder_id);
      messages = op_mail_store_list_conversation (account->store, op_mail_conversation_get_id (conversation), NULL);
      for (guint j = 0; messages != NULL && j < messages->len; j++)
        {
          OpMailMessage *message = messages->pdata[j];
          gint64 id = op_mail_message_get_id (message);

          if (op_mail_message_get_folder_id (message) == folder_id
              && (op_mail_message_get_flags (message) & without) == 0)
            g_array_append_val (batch->ids, id);
        }
    }
  return batches;
}

static GPtrArray *
latest_ids (OpMailView *self,
            GPtrArray  *conversations)
{
  GPtrArray *batches = batches_new ();

  for (guint i = 0; i < conversations->len; i++)
    {
      OpMailConversation *conversation = conversations->pdata[i];
      Account *account = _op_mail_view_account_of (self, conversation);
      gint64 id = op_mail_conversation_get_latest_message_id (conversation);

      if (account != NULL)
        g_array_append_val (batch_for (batches, account, op_mail_conversation_get_folder_id (conversation))->ids, id);
    }
  return batches;
}

gboolean
_op_mail_view_on_dwell (gpointer data)
{
  OpMailView *self = data;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GPtrArray) batches = batches_new ();
  Batch *batch;

  self->dwell_source = 0;
  if (self->shown == NULL || self->shown->store == NULL)
    return G_SOURCE_REMOVE;
  batch = batch_for (batches, self->shown, 0);
  messages = op_mail_store_list_conversation (self->shown->store, self->conversation_id, NULL);
  for (guint i = 0; messages != NULL && i < messages->len; i++)
    {
      OpMailMessage *message = messages->pdata[i];
      gint64 id = op_mail_message_get_id (message);

      if ((op_mail_message_get_flags (message) & OP_MAIL_FLAG_SEEN) == 0)
        g_array_append_val (batch->ids, id);
    }
  set_flags (self, batches, OP_MAIL_FLAG_SEEN, 0);
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
  g_autoptr (GPtrArray) batches = NULL;

  if (conversations->len == 0)
    return;
  g_clear_handle_id (&self->dwell_source, g_source_remove);
  if (any_conversation (conversations, has_unread))
    {
      batches = ids_in_folder (self, conversations, OP_MAIL_FLAG_SEEN);
      set_flags (self, batches, OP_MAIL_FLAG_SEEN, 0);
    }
  else
    {
      batches = latest_ids (self, conversations);
      set_flags (self, batches, 0, OP_MAIL_FLAG_SEEN);
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
  g_autoptr (GPtrArray) batches = NULL;

  if (conversations->len == 0)
    return;
  if (any_conversation (conversations, not_flagged))
    {
      batches = latest_ids (self, conversations);
      set_flags (self, batches, OP_MAIL_FLAG_FLAGGED, 0);
    }
  else
    {
      batches = ids_in_folder (self, conversations, 0);
      set_flags (self, batches, 0, OP_MAIL_FLAG_FLAGGED);
    }
}

/* --- moves, with Undo --------------------------------------------------------------- */

/* One store's part of the last move: its messages go back to their folder on Undo. */
typedef struct
{
  OpMailStore *store;
  GArray      *ids;
  gint64       folder_id;
} UndoMove;

static void
undo_move_free (UndoMove *undo)
{
  g_object_unref (undo->store);
  g_array_unref (undo->ids);
  g_free (undo);
}

static void
clear_undo (OpMailView *self)
{
  g_clear_pointer (&self->undo, g_ptr_array_unref);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.undo-move", FALSE);
}

/* Where a move of @account's messages out of @from_folder_id goes: its folder of that
 * special use, or its folder @folder_id. NULL when it has none, or it is that folder. */
static OpMailFolder *
target_folder (Account          *account,
               gint64            from_folder_id,
               OpMailSpecialUse  use,
               gint64            folder_id)
{
  g_autoptr (OpMailFolder) folder = NULL;

  if (account == NULL || account->store == NULL)
    return NULL;
  if (use != OP_MAIL_SPECIAL_USE_NONE)
    folder = op_mail_store_lookup_special (account->store, use);
  else
    folder = op_mail_store_get_folder (account->store, folder_id);
  if (folder == NULL || !op_mail_folder_get_selectable (folder)
      || op_mail_folder_get_id (folder) == from_folder_id)
    return NULL;
  return g_steal_pointer (&folder);
}

/* The toast after a move of @n conversations to @folder (or to the folders of that
 * special use of several accounts), with its Undo button. */
static void
show_undo_toast (OpMailView   *self,
                 guint         n,
                 OpMailFolder *folder)
{
  g_autofree char *title = NULL;
  AdwToast *toast;

  switch (op_mail_folder_get_special_use (folder))
    {
    case OP_MAIL_SPECIAL_USE_TRASH:
      /* Translators: a toast after Delete; %u is how many conversations. */
      title = g_strdup_printf (ngettext ("%u conversation moved to Trash",
                                         "%u conversations moved to Trash", n), n);
      break;
    case OP_MAIL_SPECIAL_USE_ARCHIVE:
      /* Translators: a toast after Archive; %u is how many conversations. */
      title = g_strdup_printf (ngettext ("%u conversation archived",
                                         "%u conversations archived", n), n);
      break;
    case OP_MAIL_SPECIAL_USE_JUNK:
      /* Translators: a toast after Junk; %u is how many conversations. */
      title = g_strdup_printf (ngettext ("%u conversation moved to Junk",
                                         "%u conversations moved to Junk", n), n);
      break;
    default:
      /* Translators: a toast after a move; %u is how many conversations, %s the
       * folder. */
      title = g_strdup_printf (ngettext ("%u conversation moved to %s",
                                         "%u conversations moved to %s", n),
                               n, _op_mail_view_folder_title (folder));
      break;
    }
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "mail.undo-move");
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Moves the selected conversations' messages of their folder: to each account's folder
 * of special use @use, or (@use NONE) to @only's folder @folder_id (then conversations
 * of other accounts stay). Shown at once; the store queues it for the server. */
static void
move_selection (OpMailView       *self,
                OpMailSpecialUse  use,
                Account          *only,
                gint64            folder_id)
{
  g_autoptr (GPtrArray) conversations = _op_mail_view_selected_conversations (self);
  g_autoptr (GPtrArray) moving = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) batches = NULL;
  g_autoptr (OpMailFolder) last_target = NULL;

  /* Only conversations that have somewhere to go. */
  for (guint i = 0; i < conversations->len; i++)
    {
      OpMailConversation *conversation = conversations->pdata[i];
      Account *account = _op_mail_view_account_of (self, conversation);
      g_autoptr (OpMailFolder) target = NULL;

      if (only != NULL && account != only)
        continue;
      target = target_folder (account, op_mail_conversation_get_folder_id (conversation), use, folder_id);
      if (target == NULL)
        continue;
      g_ptr_array_add (moving, g_object_ref (conversation));
      g_set_object (&last_target, target);
    }
  if (moving->len == 0)
    return;

  batches = ids_in_folder (self, moving, 0);
  clear_undo (self);
  self->undo = g_ptr_array_new_with_free_func ((GDestroyNotify) undo_move_free);
  for (guint i = 0; i < batches->len; i++)
    {
      Batch *batch = batches->pdata[i];
      g_autoptr (OpMailFolder) target = target_folder (batch->account, batch->folder_id, use, folder_id);
      UndoMove *undo;

      if (target == NULL || batch->ids->len == 0)
        continue;
      undo = g_new0 (UndoMove, 1);
      undo->store = g_object_ref (batch->account->store);
      undo->ids = g_array_ref (batch->ids);
      undo->folder_id = batch->folder_id;
      g_ptr_array_add (self->undo, undo);
      op_mail_store_move_async (batch->account->store, batch->ids, op_mail_folder_get_id (target), FALSE,
                                NULL, on_change_done, g_object_ref (self));
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.undo-move", self->undo->len > 0);
  _op_mail_view_clear_conversation (self);
  show_undo_toast (self, moving->len, last_target);
}

void
_op_mail_view_move_selection_to (OpMailView   *self,
                                 Account      *account,
                                 OpMailFolder *folder)
{
  g_return_if_fail (account != NULL && folder != NULL);
  move_selection (self, OP_MAIL_SPECIAL_USE_NONE, account, op_mail_folder_get_id (folder));
}

/* mail.trash, mail.archive and mail.junk: to each account's folder of that use. */
static void
move_to_special_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  OpMailSpecialUse use = g_str_equal (action_name, "mail.archive") ? OP_MAIL_SPECIAL_USE_ARCHIVE
                         : g_str_equal (action_name, "mail.junk") ? OP_MAIL_SPECIAL_USE_JUNK
                         : OP_MAIL_SPECIAL_USE_TRASH;

  move_selection (OP_MAIL_VIEW (widget), use, NULL, 0);
}

/* From the "Move To" menu: a folder (its store id) of the account shown. */
static void
move_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);

  if (self->current == NULL)
    return;
  move_selection (self, OP_MAIL_SPECIAL_USE_NONE, self->current, g_variant_get_int64 (parameter));
}

/* A moved message keeps its store id, so Undo moves the same ids back. */
static void
undo_move_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);

  if (self->undo == NULL)
    return;
  for (guint i = 0; i < self->undo->len; i++)
    {
      UndoMove *undo = self->undo->pdata[i];

      op_mail_store_move_async (undo->store, undo->ids, undo->folder_id, FALSE, NULL,
                                on_change_done, g_object_ref (self));
    }
  clear_undo (self);
}

/* Whether the folder shown has somewhere to move to for @use: its account's folder of
 * that use (in the unified Inbox: any account's). */
static gboolean
can_move (OpMailView       *self,
          OpMailSpecialUse  use)
{
  for (guint i = 0; self->accounts != NULL && i < self->accounts->len; i++)
    {
      Account *account = self->accounts->pdata[i];
      g_autoptr (OpMailFolder) target = NULL;

      if (self->current != NULL && account != self->current)
        continue;
      target = target_folder (account, self->current != NULL ? self->folder_id : 0, use, 0);
      if (target != NULL)
        return TRUE;
    }
  return FALSE;
}

void
_op_mail_view_update_actions (OpMailView *self)
{
  gboolean listing = self->selection != NULL
                     && g_strcmp0 (gtk_stack_get_visible_child_name (self->list_stack), "list") == 0;
  g_autoptr (GtkBitset) set = listing ? gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection))
                                      : NULL;
  gboolean any = set != NULL && !gtk_bitset_is_empty (set);
  gboolean conversation = op_mail_conversation_view_get_n_messages (self->conversation_view) > 0
                          && self->conversation_id != 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.compose",
                                 g_list_model_get_n_items (G_LIST_MODEL (self->identities)) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.reply", conversation);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.reply-all", conversation);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.forward", conversation);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.toggle-read", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.toggle-flag", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.trash", any && can_move (self, OP_MAIL_SPECIAL_USE_TRASH));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.archive", any && can_move (self, OP_MAIL_SPECIAL_USE_ARCHIVE));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.junk", any && can_move (self, OP_MAIL_SPECIAL_USE_JUNK));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.move", any && self->current != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->move_button), any);
  /* Search goes through one store's index: a folder's, not the unified Inbox's. */
  gtk_widget_set_sensitive (self->search_button, !self->unified);
}

/* The "Move To" menu: Archive and Junk, then every other folder of the account shown
 * (none in the unified Inbox, whose conversations belong to several). Made again when
 * another folder is shown or the account's folders change. */
void
_op_mail_view_update_move_menu (OpMailView *self)
{
  g_autoptr (GMenu) specials = g_menu_new ();
  g_autoptr (GMenu) folders = g_menu_new ();

  if (self->move_menu == NULL)
    return;
  g_menu_remove_all (self->move_menu);
  g_menu_append (specials, _("_Archive"), "mail.archive");
  g_menu_append (specials, _("Move to _Junk"), "mail.junk");
  g_menu_append_section (self->move_menu, NULL, G_MENU_MODEL (specials));
  for (guint i = 0; self->current != NULL && self->current->folders != NULL
                    && i < g_list_model_get_n_items (G_LIST_MODEL (self->current->folders)); i++)
    {
      g_autoptr (OpMailFolder) folder = g_list_model_get_item (G_LIST_MODEL (self->current->folders), i);
      g_autoptr (GMenuItem) item = NULL;

      if (!op_mail_folder_get_selectable (folder) || op_mail_folder_get_id (folder) == self->folder_id)
        continue;
      item = g_menu_item_new (_op_mail_view_folder_title (folder), NULL);
      g_menu_item_set_action_and_target_value (item, "mail.move",
                                               g_variant_new_int64 (op_mail_folder_get_id (folder)));
      g_menu_append_item (folders, item);
    }
  /* Translators: the heading of the folders in the "Move To" menu. */
  g_menu_append_section (self->move_menu, _("Move To"), G_MENU_MODEL (folders));
}

void
_op_mail_view_actions_init (OpMailView *self)
{
  self->move_menu = g_menu_new ();
  gtk_menu_button_set_menu_model (self->move_button, G_MENU_MODEL (self->move_menu));
  _op_mail_view_update_move_menu (self);
}

void
_op_mail_view_actions_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "mail.toggle-read", NULL, toggle_read_action);
  gtk_widget_class_install_action (widget_class, "mail.toggle-flag", NULL, toggle_flag_action);
  gtk_widget_class_install_action (widget_class, "mail.trash", NULL, move_to_special_action);
  gtk_widget_class_install_action (widget_class, "mail.archive", NULL, move_to_special_action);
  gtk_widget_class_install_action (widget_class, "mail.junk", NULL, move_to_special_action);
  gtk_widget_class_install_action (widget_class, "mail.move", "x", move_action);
  gtk_widget_class_install_action (widget_class, "mail.undo-move", NULL, undo_move_action);
}
