/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>

#include "op-mail-conversation-row.h"
#include "op-mail-html-view.h"
#include "op-mail-view-private.h"

/* The conversation list of the Mail page, its search, and the conversation shown. */

/* Search results shown at most (newest first). */
#define SEARCH_LIMIT 500

/* Selections up to this size are kept when their rows are read again (a flag changed);
 * a larger one (Ctrl+A over a huge folder) is not tracked row by row. */
#define MAX_TRACKED_SELECTION 1000

/* --- the conversation list --------------------------------------------------------- */

static void
on_list_changed (OpMailView *self)
{
  _op_mail_view_update_list_page (self);
}

static void update_list_page_now (OpMailView *self);

/* A folder with mail on screen: the user may open an HTML message next, so WebKit is
 * started once the rows are painted (op_mail_html_view_prewarm_after_frame()). */
static void
maybe_prewarm_html (OpMailView *self)
{
  if (self->selection != NULL && gtk_widget_get_mapped (GTK_WIDGET (self->list_view))
      && g_list_model_get_n_items (G_LIST_MODEL (self->selection)) > 0)
    op_mail_html_view_prewarm_after_frame (GTK_WIDGET (self->list_view));
}

void
_op_mail_view_update_list_page (OpMailView *self)
{
  update_list_page_now (self);
  _op_mail_view_update_actions (self);
}

static void
update_list_page_now (OpMailView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  gboolean searching = gtk_search_bar_get_search_mode (self->search_bar) && text[0] != '\0';

  if (searching)
    {
      if (g_list_model_get_n_items (G_LIST_MODEL (self->results)) > 0
          || self->search_cancellable != NULL)
        gtk_stack_set_visible_child_name (self->list_stack, "results");
      else
        {
          adw_status_page_set_icon_name (self->list_status, "edit-find-symbolic");
          adw_status_page_set_title (self->list_status, _("No Results"));
          adw_status_page_set_description (self->list_status,
                                           _("No message in this folder matches every word."));
          gtk_stack_set_visible_child_name (self->list_stack, "status");
        }
      return;
    }

  if ((self->conversations != NULL
       && !op_mail_conversation_list_get_loading (self->conversations)
       && g_list_model_get_n_items (G_LIST_MODEL (self->conversations)) == 0)
      || (self->unified && self->unified_rows != NULL
          && g_list_model_get_n_items (G_LIST_MODEL (self->unified_rows)) == 0))
    {
      adw_status_page_set_icon_name (self->list_status, "mail-read-symbolic");
      adw_status_page_set_title (self->list_status, _("No Conversations"));
      adw_status_page_set_description (self->list_status,
                                       _("This folder holds no mail in the local store."));
      gtk_stack_set_visible_child_name (self->list_stack, "status");
    }
  else
    {
      gtk_stack_set_visible_child_name (self->list_stack, "list");
      maybe_prewarm_html (self);
    }
}

/* The selected conversations, in list order. (element-type OpMailConversation) */
GPtrArray *
_op_mail_view_selected_conversations (OpMailView *self)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GtkBitset) set = NULL;
  GtkBitsetIter iter;
  guint position;

  if (self->selection == NULL)
    return items;
  set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean more = gtk_bitset_iter_init_first (&iter, set, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      OpMailConversation *item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

      if (item != NULL && op_mail_conversation_get_loaded (item))
        g_ptr_array_add (items, item);
      else
        g_clear_object (&item);
    }
  return items;
}

/* What identifies a selected conversation while its row is read again: its id, and in
 * the unified Inbox its account too (each store counts its own ids). */
static gint64
selection_key (OpMailView         *self,
               OpMailConversation *conversation)
{
  gint64 key = op_mail_conversation_get_id (conversation);

  if (self->unified)
    {
      Account *account = _op_mail_view_account_of (self, conversation);
      guint index = 0;

      if (account != NULL)
        g_ptr_array_find (self->accounts, account, &index);
      key |= (gint64) (index + 1) << 48;
    }
  return key;
}

static void
on_selection_changed (OpMailView *self)
{
  g_autoptr (GPtrArray) items = NULL;

  if (self->restoring)
    return;
  items = _op_mail_view_selected_conversations (self);
  g_hash_table_remove_all (self->selected_ids);
  if (items->len <= MAX_TRACKED_SELECTION)
    for (guint i = 0; i < items->len; i++)
      {
        gint64 *id = g_new (gint64, 1);

        *id = selection_key (self, items->pdata[i]);
        g_hash_table_add (self->selected_ids, id);
      }
  _op_mail_view_update_actions (self);

  if (items->len == 1)
    {
      OpMailConversation *conversation = items->pdata[0];

      Account *account = _op_mail_view_account_of (self, conversation);

      if (op_mail_conversation_get_id (conversation) != self->conversation_id || account != self->shown)
        _op_mail_view_show_conversation (self, account, op_mail_conversation_get_id (conversation),
                                         op_mail_conversation_get_n_unread (conversation) > 0);
    }
  else if (items->len > 1)
    {
      g_autofree char *title = g_strdup_printf (ngettext ("%u Conversation Selected",
                                                          "%u Conversations Selected", items->len),
                                                items->len);

      _op_mail_view_show_conversation (self, NULL, 0, FALSE);
      adw_status_page_set_title (self->none_page, title);
    }
}

/* A row read again (its flags changed) is a new object, which the selection model does
 * not know: the conversations that were selected are selected again. */
/* A row read again (its flags changed) is a new object, which the selection model does
 * not know: the conversations that were selected are selected again. */
static void
on_selection_items_changed (OpMailView *self)
{
  GHashTableIter iter;
  gint64 *id;

  maybe_prewarm_html (self);

  self->restoring = TRUE;
  if (self->conversations != NULL)
    {
      g_hash_table_iter_init (&iter, self->selected_ids);
      while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
        {
          int position = op_mail_conversation_list_find (self->conversations, *id);

          if (position >= 0
              && !gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), position))
            gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, FALSE);
        }
    }
  else if (g_hash_table_size (self->selected_ids) > 0)
    /* The unified Inbox (a few folders' worth): its rows are looked at one by one. */
    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->selection)); i++)
      {
        g_autoptr (OpMailConversation) item = g_list_model_get_item (G_LIST_MODEL (self->selection), i);
        gint64 key = selection_key (self, item);

        if (g_hash_table_contains (self->selected_ids, &key)
            && !gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), i))
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), i, FALSE);
      }
  self->restoring = FALSE;
  _op_mail_view_update_actions (self);
}

static void
on_list_activate (OpMailView *self,
                  guint       position)
{
  /* Folded: Enter (or a click) on a row goes to its conversation. */
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->conversation_column);
}

void
_op_mail_view_clear_conversation (OpMailView *self)
{
  g_cancellable_cancel (self->body_cancellable);
  g_clear_object (&self->body_cancellable);
  g_clear_handle_id (&self->dwell_source, g_source_remove);
  adw_status_page_set_title (self->none_page, _("No Conversation Selected"));
  op_mail_conversation_view_clear (self->conversation_view);
  if (self->shown_messages != NULL)
    g_hash_table_remove_all (self->shown_messages);
  self->conversation_id = 0;
  self->shown = NULL;
  self->pending_bodies = 0;
  self->missing_bodies = 0;
  gtk_revealer_set_reveal_child (self->missing_revealer, FALSE);
  gtk_stack_set_visible_child_name (self->conversation_stack, "none");
  _op_mail_view_update_actions (self);
}

/* Shows @model (of OpMailConversation) in the list, @conversations when it is one
 * folder's (NULL for the unified Inbox). */
void
_op_mail_view_set_list_model (OpMailView             *self,
                              GListModel             *model,
                              OpMailConversationList *conversations)
{
  _op_mail_view_clear_conversation (self);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");

  if (self->conversations != NULL)
    g_signal_handlers_disconnect_by_data (self->conversations, self);
  g_clear_object (&self->conversations);
  if (conversations != NULL)
    {
      self->conversations = g_object_ref (conversations);
      g_signal_connect_swapped (self->conversations, "items-changed",
                                G_CALLBACK (on_list_changed), self);
      g_signal_connect_swapped (self->conversations, "notify::loading",
                                G_CALLBACK (on_list_changed), self);
    }

  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_hash_table_remove_all (self->selected_ids);
  self->selection = gtk_multi_selection_new (g_object_ref (model));
  g_signal_connect_swapped (self->selection, "selection-changed",
                            G_CALLBACK (on_selection_changed), self);
  /* After the list view took the change: selecting rows before it did (while it still
   * counts the old rows) crashes GTK 4.8's list widget. */
  g_signal_connect_data (self->selection, "items-changed", G_CALLBACK (on_selection_items_changed),
                         self, NULL, G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  maybe_prewarm_html (self);
  _op_mail_view_update_list_page (self);
  _op_mail_view_update_actions (self);
  _op_mail_view_sync_sidebar (self);
}

/* No list and no conversation (the folder or the account shown went). */
void
_op_mail_view_show_nothing (OpMailView *self)
{
  _op_mail_view_leave_unified (self);
  _op_mail_view_clear_conversation (self);
  gtk_list_view_set_model (self->list_view, NULL);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  if (self->conversations != NULL)
    g_signal_handlers_disconnect_by_data (self->conversations, self);
  g_clear_object (&self->conversations);
  self->current = NULL;
  self->folder_id = 0;
  gtk_label_set_text (self->folder_title, "");
  _op_mail_view_update_actions (self);
}

void
_op_mail_view_show_folder (OpMailView   *self,
                           Account      *account,
                           OpMailFolder *folder)
{
  gint64 folder_id = op_mail_folder_get_id (folder);
  g_autoptr (OpMailConversationList) conversations = NULL;

  gtk_label_set_text (self->folder_title, _op_mail_view_folder_title (folder));
  if (account == self->current && folder_id == self->folder_id)
    return;

  _op_mail_view_leave_unified (self);
  self->current = account;
  self->folder_id = folder_id;
  conversations = op_mail_conversation_list_new (account->store, folder_id);
  _op_mail_view_set_list_model (self, G_LIST_MODEL (conversations), conversations);
}

/* --- the conversation -------------------------------------------------------------- */

typedef struct
{
  OpMailView *view;
  gint64      conversation_id;
  GBytes     *bytes;
} BodyLoad;

static void
body_load_free (BodyLoad *load)
{
  g_clear_object (&load->view);
  g_clear_pointer (&load->bytes, g_bytes_unref);
  g_free (load);
}

static void
update_missing (OpMailView *self)
{
  if (self->missing_bodies > 0)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u message of this conversation is not in the local store yet. It is shown once it has been downloaded.",
                                                         "%u messages of this conversation are not in the local store yet. They are shown once they have been downloaded.",
                                                         self->missing_bodies),
                                               self->missing_bodies);

      gtk_label_set_text (self->missing_label, text);
    }
  gtk_revealer_set_reveal_child (self->missing_revealer, self->missing_bodies > 0);
}

static void
parse_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  BodyLoad *load = task_data;
  GError *error = NULL;
  OpMimeMessage *message = op_mime_message_parse_bytes (load->bytes, NULL, &error);

  if (message == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, message, g_object_unref);
}

static void
on_body_parsed (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  BodyLoad *load = g_task_get_task_data (G_TASK (result));
  OpMailView *self = load->view;
  g_autoptr (GError) error = NULL;
  g_autoptr (OpMimeMessage) message = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || load->conversation_id != self->conversation_id)
    return;
  self->pending_bodies--;
  if (message == NULL)
    {
      /* A message with no header at all: said in the bar, not dropped silently. */
      self->missing_bodies++;
      update_missing (self);
      return;
    }
  op_mail_conversation_view_add_message (self->conversation_view, message, load->bytes);
  _op_mail_view_update_actions (self);
}

/* A message's bytes arrived (from the store's cache or fetched by the sync), or not. */
static void
body_arrived (BodyLoad     *load,
              GBytes       *bytes,
              const GError *error)
{
  OpMailView *self = load->view;
  g_autoptr (GTask) task = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || load->conversation_id != self->conversation_id)
    {
      g_clear_pointer (&bytes, g_bytes_unref);
      body_load_free (load);
      return;
    }
  if (bytes == NULL)
    {
      /* Not fetched yet and no server to ask (or it failed): counted in the bar. */
      self->pending_bodies--;
      self->missing_bodies++;
      update_missing (self);
      body_load_free (load);
      return;
    }

  /* Parsing a large message takes a while: not on the main thread. */
  load->bytes = bytes;
  task = g_task_new (NULL, self->body_cancellable, on_body_parsed, NULL);
  g_task_set_source_tag (task, body_arrived);
  g_task_set_task_data (task, load, (GDestroyNotify) body_load_free);
  g_task_run_in_thread (task, parse_thread);
}

static void
on_body_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  GBytes *bytes = op_mail_store_load_body_finish (OP_MAIL_STORE (source), result, &error);

  body_arrived (user_data, bytes, error);
}

static void
on_body_fetched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  GBytes *bytes = op_mail_imap_sync_fetch_body_finish (OP_MAIL_IMAP_SYNC (source), result, &error);

  body_arrived (user_data, bytes, error);
}

/* One message of the conversation shown: its body from the store, or from the server
 * when it was never fetched; added to the view when parsed. */
static void
load_message (OpMailView    *self,
              Account       *account,
              OpMailMessage *message)
{
  BodyLoad *load = g_new0 (BodyLoad, 1);
  gint64 *id = g_new (gint64, 1);

  *id = op_mail_message_get_id (message);
  g_hash_table_add (self->shown_messages, id);
  load->view = g_object_ref (self);
  load->conversation_id = self->conversation_id;
  self->pending_bodies++;
  /* A body never fetched comes from the server when the account syncs. */
  if (!op_mail_message_get_body_cached (message) && account->sync != NULL)
    op_mail_imap_sync_fetch_body_async (account->sync, *id, self->body_cancellable, on_body_fetched, load);
  else
    op_mail_store_load_body_async (account->store, *id, self->body_cancellable, on_body_loaded, load);
}

void
_op_mail_view_show_conversation (OpMailView *self,
                                 Account    *account,
                                 gint64      conversation_id,
                                 gboolean    unread)
{
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GError) error = NULL;

  _op_mail_view_clear_conversation (self);
  if (conversation_id == 0 || account == NULL || account->store == NULL)
    return;

  messages = op_mail_store_list_conversation (account->store, conversation_id, &error);
  if (messages == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The conversation could not be read: %s."),
                                               error->message);

      gtk_label_set_text (self->missing_label, text);
      gtk_revealer_set_reveal_child (self->missing_revealer, TRUE);
      return;
    }

  self->conversation_id = conversation_id;
  self->shown = account;
  self->body_cancellable = g_cancellable_new ();
  if (unread)
    self->dwell_source = g_timeout_add (READ_DWELL_MS, _op_mail_view_on_dwell, self);
  gtk_stack_set_visible_child_name (self->conversation_stack, "conversation");
  for (guint i = 0; i < messages->len; i++)
    load_message (self, account, g_ptr_array_index (messages, i));
}

/* Messages new to the store (a sync, IDLE, the outbox's Sent copy): those of the
 * conversation shown join it, as reopening it would show them. */
void
_op_mail_view_on_messages_added (OpMailStore *store,
                                 gint64       folder_id,
                                 GArray      *ids,
                                 Account     *account)
{
  OpMailView *self = account->view;
  g_autoptr (GPtrArray) messages = NULL;
  gboolean joins = FALSE;

  if (self->shown != account || self->conversation_id == 0)
    return;
  for (guint i = 0; i < ids->len && !joins; i++)
    {
      g_autoptr (OpMailMessage) message = op_mail_store_get_message (store, g_array_index (ids, gint64, i));

      joins = message != NULL && op_mail_message_get_conversation_id (message) == self->conversation_id;
    }
  if (!joins)
    return;
  messages = op_mail_store_list_conversation (store, self->conversation_id, NULL);
  for (guint i = 0; messages != NULL && i < messages->len; i++)
    {
      OpMailMessage *message = g_ptr_array_index (messages, i);
      gint64 id = op_mail_message_get_id (message);

      if (!g_hash_table_contains (self->shown_messages, &id))
        load_message (self, account, message);
    }
}

/* --- search ------------------------------------------------------------------------ */

static void
apply_filters (OpMailView *self)
{
  gboolean unread = gtk_toggle_button_get_active (self->filter_unread);
  gboolean flagged = gtk_toggle_button_get_active (self->filter_flagged);
  gboolean attachments = gtk_toggle_button_get_active (self->filter_attachments);
  g_autoptr (GPtrArray) shown = g_ptr_array_new ();

  if (self->found != NULL)
    for (guint i = 0; i < self->found->len; i++)
      {
        OpMailMessage *message = g_ptr_array_index (self->found, i);
        OpMailFlags flags = op_mail_message_get_flags (message);

        if (unread && (flags & OP_MAIL_FLAG_SEEN) != 0)
          continue;
        if (flagged && (flags & OP_MAIL_FLAG_FLAGGED) == 0)
          continue;
        if (attachments && !op_mail_message_get_has_attachments (message))
          continue;
        g_ptr_array_add (shown, message);
      }
  gtk_single_selection_set_selected (self->results_selection, GTK_INVALID_LIST_POSITION);
  g_list_store_splice (self->results, 0, g_list_model_get_n_items (G_LIST_MODEL (self->results)),
                       shown->pdata, shown->len);
  _op_mail_view_update_list_page (self);
}

static void
on_search_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  OpMailView *self = user_data;
  g_autoptr (GError) error = NULL;
  GPtrArray *found = op_mail_store_search_finish (OP_MAIL_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  g_clear_object (&self->search_cancellable);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  if (found == NULL)
    {
      adw_status_page_set_icon_name (self->list_status, "dialog-error-symbolic");
      adw_status_page_set_title (self->list_status, _("Search Failed"));
      adw_status_page_set_description (self->list_status, error->message);
      g_list_store_remove_all (self->results);
      gtk_stack_set_visible_child_name (self->list_stack, "status");
      g_object_unref (self);
      return;
    }
  self->found = found;
  apply_filters (self);
  g_object_unref (self);
}

static void
on_search_changed (OpMailView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  g_list_store_remove_all (self->results);
  if (text[0] == '\0' || self->current == NULL || self->current->store == NULL)
    {
      _op_mail_view_update_list_page (self);
      return;
    }
  self->search_cancellable = g_cancellable_new ();
  op_mail_store_search_async (self->current->store, text, self->folder_id, SEARCH_LIMIT,
                              self->search_cancellable, on_search_done, g_object_ref (self));
  _op_mail_view_update_list_page (self);
}

static void
on_stop_search (OpMailView *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

static void
on_filter_toggled (OpMailView *self)
{
  apply_filters (self);
}

static void
on_search_mode (OpMailView *self)
{
  if (!gtk_search_bar_get_search_mode (self->search_bar))
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  _op_mail_view_update_list_page (self);
}

static void
on_result_selected (OpMailView *self)
{
  OpMailMessage *message = gtk_single_selection_get_selected_item (self->results_selection);

  if (message == NULL || op_mail_message_get_conversation_id (message) == self->conversation_id)
    return;
  _op_mail_view_show_conversation (self, self->current, op_mail_message_get_conversation_id (message),
                                   (op_mail_message_get_flags (message) & OP_MAIL_FLAG_SEEN) == 0);
}

/* --- rows -------------------------------------------------------------------------- */

/* A conversation row dragged onto a folder in the sidebar moves the selection (the row
 * alone when it was not selected). */
static GdkContentProvider *
on_drag_prepare (GtkDragSource *source,
                 double         x,
                 double         y,
                 GtkListItem   *item)
{
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  OpMailView *self = OP_MAIL_VIEW (gtk_widget_get_ancestor (widget, OP_TYPE_MAIL_VIEW));
  GObject *object = gtk_list_item_get_item (item);
  guint position = gtk_list_item_get_position (item);
  Account *account;
  g_autofree char *text = NULL;

  if (self == NULL || !OP_IS_MAIL_CONVERSATION (object) || self->selection == NULL
      || position == GTK_INVALID_LIST_POSITION)
    return NULL;
  account = _op_mail_view_account_of (self, OP_MAIL_CONVERSATION (object));
  if (account == NULL)
    return NULL;
  if (!gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), position))
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
  text = _op_mail_view_drag_text (account);
  return gdk_content_provider_new_typed (G_TYPE_STRING, text);
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  draggable)
{
  GtkWidget *row = op_mail_conversation_row_new ();

  if (GPOINTER_TO_INT (draggable))
    {
      GtkDragSource *source = gtk_drag_source_new ();

      gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
      g_signal_connect (source, "prepare", G_CALLBACK (on_drag_prepare), item);
      gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (source));
    }
  gtk_list_item_set_child (item, row);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item)
{
  GObject *object = gtk_list_item_get_item (item);
  OpMailConversationRow *row = OP_MAIL_CONVERSATION_ROW (gtk_list_item_get_child (item));

  if (OP_IS_MAIL_CONVERSATION (object))
    op_mail_conversation_row_set_conversation (row, OP_MAIL_CONVERSATION (object));
  else if (OP_IS_MAIL_MESSAGE (object))
    op_mail_conversation_row_set_message (row, OP_MAIL_MESSAGE (object));
}

static GtkListItemFactory *
row_factory (gboolean draggable)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), GINT_TO_POINTER (draggable));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  return factory;
}

/* J and K (as in mutt and Geary) move through the list like Down and Up: the next row
 * after the selection (or before it) becomes the one selection. */
static void
move_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);
  gboolean results = g_strcmp0 (gtk_stack_get_visible_child_name (self->list_stack), "results") == 0;
  GtkSelectionModel *selection = results ? GTK_SELECTION_MODEL (self->results_selection)
                                         : GTK_SELECTION_MODEL (self->selection);
  GtkListView *list = results ? self->results_view : self->list_view;
  int step = g_str_equal (action_name, "mail.next") ? 1 : -1;
  g_autoptr (GtkBitset) set = NULL;
  guint n, position;

  if (selection == NULL)
    return;
  n = g_list_model_get_n_items (G_LIST_MODEL (selection));
  if (n == 0)
    return;
  set = gtk_selection_model_get_selection (selection);
  if (gtk_bitset_is_empty (set))
    position = step > 0 ? 0 : n - 1;
  else if (step < 0 && gtk_bitset_get_minimum (set) > 0)
    position = gtk_bitset_get_minimum (set) - 1;
  else if (step > 0 && gtk_bitset_get_maximum (set) + 1 < n)
    position = gtk_bitset_get_maximum (set) + 1;
  else
    return;

  gtk_widget_activate_action (GTK_WIDGET (list), "list.scroll-to-item", "u", position);
  gtk_widget_activate_action (GTK_WIDGET (list), "list.select-item", "(ubb)", position,
                              FALSE, FALSE);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);

  if (self->current == NULL)
    return;
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->list_column);
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
_op_mail_view_list_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_toggled);
  gtk_widget_class_install_action (widget_class, "mail.next", NULL, move_action);
  gtk_widget_class_install_action (widget_class, "mail.previous", NULL, move_action);
  gtk_widget_class_install_action (widget_class, "mail.search", NULL, search_action);
}

void
_op_mail_view_list_init (OpMailView *self)
{
  g_autoptr (GtkListItemFactory) factory = row_factory (TRUE);
  g_autoptr (GtkListItemFactory) results_factory = row_factory (FALSE);

  self->selected_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->shown_messages = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  gtk_list_view_set_factory (self->list_view, factory);
  g_signal_connect_swapped (self->list_view, "activate", G_CALLBACK (on_list_activate), self);
  /* Rows may come before the list is on screen, or the other way round. */
  g_signal_connect_swapped (self->list_view, "map", G_CALLBACK (maybe_prewarm_html), self);

  self->results = g_list_store_new (OP_TYPE_MAIL_MESSAGE);
  self->results_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->results)));
  gtk_single_selection_set_autoselect (self->results_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->results_selection, TRUE);
  g_signal_connect_swapped (self->results_selection, "notify::selected-item",
                            G_CALLBACK (on_result_selected), self);
  gtk_list_view_set_factory (self->results_view, results_factory);
  gtk_list_view_set_model (self->results_view, GTK_SELECTION_MODEL (self->results_selection));
  g_signal_connect_swapped (self->results_view, "activate", G_CALLBACK (on_list_activate), self);

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  g_signal_connect_swapped (self->search_bar, "notify::search-mode-enabled",
                            G_CALLBACK (on_search_mode), self);
}

Account *
_op_mail_view_account_of (OpMailView         *self,
                          OpMailConversation *conversation)
{
  if (self->unified)
    return _op_mail_view_unified_account_of (conversation);
  return self->current;
}
