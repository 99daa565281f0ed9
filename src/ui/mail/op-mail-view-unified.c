/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>

#include "op-mail-view-private.h"

/* The unified Inbox of the Mail page: with two accounts or more, a row above them in
 * the sidebar ("All Inboxes", with the unread messages of every Inbox) shows every
 * account's Inbox in one list, newest first. Each account's conversations come from its
 * own store's OpMailConversationList; their rows are merged by date into one list store
 * whenever one of them changes (an Inbox is read whole for that: this list is meant
 * for Inboxes, not for a 100,000-message archive). A row remembers its account, so
 * reading, flags and moves go to the right store (a move to Trash, Archive or Junk to
 * that account's). */

static GQuark
account_quark (void)
{
  return g_quark_from_static_string ("op-mail-view-account");
}

Account *
_op_mail_view_unified_account_of (OpMailConversation *conversation)
{
  return g_object_get_qdata (G_OBJECT (conversation), account_quark ());
}

/* Newest first; on the same date the store's order (the id) decides, so it is stable. */
static int
compare_dates (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  OpMailConversation *conversation_a = *(OpMailConversation **) a;
  OpMailConversation *conversation_b = *(OpMailConversation **) b;
  gint64 date_a = op_mail_conversation_get_date (conversation_a);
  gint64 date_b = op_mail_conversation_get_date (conversation_b);
  gint64 id_a = op_mail_conversation_get_id (conversation_a);
  gint64 id_b = op_mail_conversation_get_id (conversation_b);

  if (date_a != date_b)
    return date_a > date_b ? -1 : 1;
  if (id_a != id_b)
    return id_a > id_b ? -1 : 1;
  return 0;
}

static OpMailFolder *
inbox_of (Account *account)
{
  if (account->store == NULL)
    return NULL;
  return op_mail_store_lookup_special (account->store, OP_MAIL_SPECIAL_USE_INBOX);
}

/* The Inboxes' unread messages, and how many accounts have an Inbox. */
static guint
count_unread (OpMailView *self,
              guint      *n_inboxes)
{
  guint unread = 0;

  *n_inboxes = 0;
  for (guint i = 0; i < self->accounts->len; i++)
    {
      g_autoptr (OpMailFolder) inbox = inbox_of (self->accounts->pdata[i]);

      if (inbox == NULL)
        continue;
      (*n_inboxes)++;
      unread += op_mail_folder_get_unread (inbox);
    }
  return unread;
}

/* The rows again from every Inbox's list, merged newest first. On idle: a list's
 * reload emits several changes in a row, read once they are all made. */
static gboolean
rebuild (gpointer data)
{
  OpMailView *self = data;
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);

  self->unified_idle = 0;
  for (guint i = 0; self->unified_lists != NULL && i < self->unified_lists->len; i++)
    {
      GListModel *list = self->unified_lists->pdata[i];
      Account *account = g_object_get_qdata (G_OBJECT (list), account_quark ());

      for (guint j = 0; j < g_list_model_get_n_items (list); j++)
        {
          OpMailConversation *item = g_list_model_get_item (list, j);

          /* Each row remembers its account (a row is one account's snapshot). */
          g_object_set_qdata (G_OBJECT (item), account_quark (), account);
          g_ptr_array_add (rows, item);
        }
    }
  g_ptr_array_sort_with_data (rows, compare_dates, NULL);
  g_list_store_splice (self->unified_rows, 0, g_list_model_get_n_items (G_LIST_MODEL (self->unified_rows)),
                       rows->pdata, rows->len);
  _op_mail_view_update_list_page (self);
  return G_SOURCE_REMOVE;
}

static void
on_inbox_changed (OpMailView *self)
{
  if (self->unified_idle == 0)
    self->unified_idle = g_idle_add (rebuild, self);
}

/* Another list is shown, or the page goes. */
void
_op_mail_view_leave_unified (OpMailView *self)
{
  self->unified = FALSE;
  g_clear_handle_id (&self->unified_idle, g_source_remove);
  for (guint i = 0; self->unified_lists != NULL && i < self->unified_lists->len; i++)
    g_signal_handlers_disconnect_by_data (self->unified_lists->pdata[i], self);
  g_clear_pointer (&self->unified_lists, g_ptr_array_unref);
  g_clear_object (&self->unified_rows);
}

void
_op_mail_view_show_unified (OpMailView *self)
{
  gtk_label_set_text (self->folder_title, _("All Inboxes"));
  if (self->unified)
    return;
  self->unified_lists = g_ptr_array_new_with_free_func (g_object_unref);
  self->unified_rows = g_list_store_new (OP_TYPE_MAIL_CONVERSATION);
  for (guint i = 0; i < self->accounts->len; i++)
    {
      Account *account = self->accounts->pdata[i];
      g_autoptr (OpMailFolder) inbox = inbox_of (account);
      OpMailConversationList *list;

      if (inbox == NULL)
        continue;
      list = op_mail_conversation_list_new (account->store, op_mail_folder_get_id (inbox));
      g_object_set_qdata (G_OBJECT (list), account_quark (), account);
      g_signal_connect_swapped (list, "items-changed", G_CALLBACK (on_inbox_changed), self);
      g_ptr_array_add (self->unified_lists, list);
    }

  self->unified = TRUE;
  self->current = NULL;
  self->folder_id = 0;
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  rebuild (self);
  _op_mail_view_set_list_model (self, G_LIST_MODEL (self->unified_rows), NULL);
}

static void
on_unified_selected (GtkListBox    *box,
                     GtkListBoxRow *row,
                     OpMailView    *self)
{
  if (row != NULL)
    _op_mail_view_show_unified (self);
}

static void
on_unified_activated (GtkListBox    *box,
                      GtkListBoxRow *row,
                      OpMailView    *self)
{
  _op_mail_view_show_unified (self);
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->list_column);
}

/* The row, made again with the current count (shown with two Inboxes or more). */
void
_op_mail_view_update_unified_row (OpMailView *self)
{
  guint n_inboxes;
  guint unread;
  GtkWidget *row;
  GtkWidget *box;
  g_autofree char *name = NULL;

  if (self->sidebar_box == NULL || self->accounts == NULL)
    return;    /* the page is going */
  unread = count_unread (self, &n_inboxes);
  if (self->unified_box == NULL)
    {
      self->unified_box = GTK_LIST_BOX (gtk_list_box_new ());
      gtk_widget_add_css_class (GTK_WIDGET (self->unified_box), "navigation-sidebar");
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->unified_box), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Mail: Every Account"), -1);
      g_signal_connect (self->unified_box, "row-selected", G_CALLBACK (on_unified_selected), self);
      g_signal_connect (self->unified_box, "row-activated", G_CALLBACK (on_unified_activated), self);
      gtk_box_prepend (self->sidebar_box, GTK_WIDGET (self->unified_box));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->unified_box), n_inboxes >= 2);

  row = GTK_WIDGET (gtk_list_box_get_row_at_index (self->unified_box, 0));
  if (row == NULL)
    {
      row = gtk_list_box_row_new ();
      gtk_list_box_append (self->unified_box, row);
    }
  box = _op_mail_view_sidebar_row_content ("mail-unread-symbolic", _("All Inboxes"), 0, unread, NULL);
  if (unread > 0)
    {
      /* Translators: the unified Inbox in the sidebar read out, with the unread messages
       * of every account's Inbox. */
      name = g_strdup_printf (ngettext ("Mail: All Inboxes, %u unread", "Mail: All Inboxes, %u unread", unread),
                              unread);
    }
  else
    name = g_strdup (_("Mail: All Inboxes"));
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);

  if (self->unified && gtk_list_box_get_selected_row (self->unified_box) != GTK_LIST_BOX_ROW (row))
    gtk_list_box_select_row (self->unified_box, GTK_LIST_BOX_ROW (row));
  else if (!self->unified)
    gtk_list_box_unselect_all (self->unified_box);
}
