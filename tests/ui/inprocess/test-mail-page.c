/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include <string.h>

#include "mail-test-data.h"
#include "op-mail-composer-window.h"
#include "op-mail-conversation-row.h"
#include "op-mail-html-view.h"
#include "op-mail-view.h"
#include "op-ui-test-utils.h"
#include "op-view-registry.h"
#include "op-window.h"

/* The Mail page (issue 13) against a store filled by the store's own code
 * (mail_test_fill_profile()): the empty state, the sidebar, the conversation list's rows
 * as a screen reader reads them, the conversation with the newest message open, J/K,
 * search with its filters, and the narrow window's single column. */

static GtkWindow *
window_with (GtkWidget *child,
             int        width)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (window, width, 700);
  gtk_window_set_child (window, child);
  gtk_window_present (window);
  op_ui_test_iterate ();
  return window;
}

static void
close_window (GtkWindow *window)
{
  gtk_window_destroy (window);
  op_ui_test_iterate ();
  op_ui_test_assert_no_hidden_toplevel ();
}

static void
collect_rows (GtkWidget *widget,
              GPtrArray *rows)
{
  if (OP_IS_MAIL_CONVERSATION_ROW (widget))
    {
      if (gtk_widget_get_mapped (widget))
        g_ptr_array_add (rows, widget);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_rows (child, rows);
}

/* The row (among those on screen) that reads @text, or NULL. */
static OpMailConversationRow *
find_row (GtkListView *list,
          const char  *text)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();

  collect_rows (GTK_WIDGET (list), rows);
  for (guint i = 0; i < rows->len; i++)
    if (strstr (op_mail_conversation_row_get_description (rows->pdata[i]), text) != NULL)
      return rows->pdata[i];
  return NULL;
}

static guint
n_rows (GtkListView *list)
{
  GtkSelectionModel *model = gtk_list_view_get_model (list);

  return model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (model)) : 0;
}

typedef struct
{
  OpMailView *view;
  guint       n;
  const char *text;
} Wait;

static gboolean
folder_shown (gpointer data)
{
  return op_mail_view_get_folder_id (((Wait *) data)->view) != 0;
}

static gboolean
list_has (gpointer data)
{
  Wait *wait = data;

  return n_rows (op_mail_view_get_list_view (wait->view)) == wait->n
         && (wait->text == NULL || find_row (op_mail_view_get_list_view (wait->view), wait->text) != NULL);
}

static gboolean
results_have (gpointer data)
{
  Wait *wait = data;

  return g_strcmp0 (op_mail_view_get_list_page (wait->view), "results") == 0
         && n_rows (op_mail_view_get_results_view (wait->view)) == wait->n;
}

static gboolean
list_page_is (gpointer data)
{
  Wait *wait = data;

  return g_strcmp0 (op_mail_view_get_list_page (wait->view), wait->text) == 0;
}

static gboolean
conversation_loaded (gpointer data)
{
  Wait *wait = data;
  OpMailConversationView *conversation = op_mail_view_get_conversation_view (wait->view);

  return op_mail_view_get_conversation_id (wait->view) != 0
         && op_mail_view_get_n_pending_bodies (wait->view) == 0
         && op_mail_conversation_view_get_n_messages (conversation) == wait->n;
}

static gboolean
row_read (gpointer data)
{
  Wait *wait = data;
  OpMailConversationRow *row = find_row (op_mail_view_get_list_view (wait->view), wait->text);

  return row != NULL && strstr (op_mail_conversation_row_get_description (row), ", unread") == NULL;
}

static gboolean
row_unread (gpointer data)
{
  Wait *wait = data;
  OpMailConversationRow *row = find_row (op_mail_view_get_list_view (wait->view), wait->text);

  return row != NULL && strstr (op_mail_conversation_row_get_description (row), ", unread") != NULL;
}

static gboolean
plans_row_has (gpointer data)
{
  Wait *wait = data;
  OpMailConversationRow *row = find_row (op_mail_view_get_list_view (wait->view), "Plans for the release");

  return row != NULL && strstr (op_mail_conversation_row_get_description (row), wait->text) != NULL;
}

static guint
row_position (GtkListView *list,
              const char  *subject)
{
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (list));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (OpMailConversation) item = g_list_model_get_item (model, i);

      if (g_str_has_suffix (op_mail_conversation_get_subject (item), subject))
        return i;
    }
  g_assert_not_reached ();
}

static gboolean
is_folded (gpointer data)
{
  return adw_leaflet_get_folded (ADW_LEAFLET (op_ui_test_find_type (data, ADW_TYPE_LEAFLET)));
}

static const char *
newest_subject (OpMailConversationView *conversation)
{
  guint n = op_mail_conversation_view_get_n_messages (conversation);
  OpMailMessageView *newest = op_mail_conversation_view_get_message_view (conversation, n - 1);

  return op_mime_message_get_subject (op_mail_message_view_get_message (newest));
}

/* Whether WebKit's module was open at the end of the first frame that showed rows. */
typedef struct
{
  OpMailView *view;
  gboolean    seen;
  gboolean    loaded_then;
} RowsPaint;

static void
on_rows_paint (GdkFrameClock *clock,
               RowsPaint     *paint)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();

  if (paint->seen)
    return;
  collect_rows (GTK_WIDGET (op_mail_view_get_list_view (paint->view)), rows);
  if (rows->len == 0)
    return;
  paint->seen = TRUE;
  paint->loaded_then = op_mail_html_view_backend_loaded ();
}

static gboolean
rows_painted (gpointer data)
{
  return ((RowsPaint *) data)->seen;
}

static gboolean
webkit_loaded (gpointer data)
{
  return op_mail_html_view_backend_loaded ();
}

/* First, while the profile has no account: the status page, and no store was made. */
static void
test_empty (void)
{
  GtkWidget *view = op_mail_view_new ();
  GtkWindow *window = window_with (view, 900);
  g_autofree char *mail_dir = g_build_filename (g_get_user_data_dir (), "outpost", "mail", NULL);

  g_assert_cmpstr (op_mail_view_get_page (OP_MAIL_VIEW (view)), ==, "empty");
  g_assert_nonnull (op_ui_test_find_label (view, "No Mail Account"));
  g_assert_false (g_file_test (mail_dir, G_FILE_TEST_EXISTS));
  close_window (window);
}

/* The shell shows Mail among its views, after Files, and builds it only when shown:
 * nothing is read before that. */
static void
test_registered (void)
{
  const OpViewInfo *info;

  op_view_registry_ensure ();
  info = op_view_registry_lookup ("mail");
  g_assert_nonnull (info);
  g_assert_true (info->lazy);
  g_assert_cmpstr (op_view_registry_get_view (0)->name, ==, "files");
  g_assert_cmpstr (op_view_registry_get_view (1)->name, ==, "mail");
}

/* Every shown label under @widget is allocated at least the height it asks for at its
 * width: the rows size their lines from the font's metrics instead of measuring their
 * text (op-mail-conversation-row.c), so a line must still hold the text it shows (bold,
 * Chinese). Returns the labels checked. */
static guint
assert_labels_fit (GtkWidget *widget)
{
  guint checked = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_visible (child))
        continue;
      if (GTK_IS_LABEL (child) && gtk_label_get_text (GTK_LABEL (child))[0] != '\0')
        {
          int minimum;

          gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, gtk_widget_get_width (child),
                              &minimum, NULL, NULL, NULL);
          g_assert_cmpint (gtk_widget_get_height (child), >=, minimum);
          checked++;
        }
      checked += assert_labels_fit (child);
    }
  return checked;
}

static void
test_page (void)
{
  GtkWidget *view;
  GtkWindow *window;
  Wait wait = { 0 };
  OpMailConversationRow *row;
  OpMailConversationView *conversation;
  GtkListView *list;
  GtkWidget *sidebar;
  OpMailStore *store;
  g_autoptr (OpMailFolder) inbox = NULL;
  g_autoptr (OpMailFolder) gnome = NULL;
  const char *description;
  guint position;
  guint files_position;

  RowsPaint paint = { 0 };
  GdkFrameClock *clock;

  mail_test_fill_profile ();

  view = op_mail_view_new ();
  wait.view = OP_MAIL_VIEW (view);
  paint.view = wait.view;
  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (window, 1200, 700);
  gtk_window_set_child (window, view);
  gtk_widget_realize (GTK_WIDGET (window));
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_rows_paint), &paint);
  g_assert_false (op_mail_html_view_backend_loaded ());
  gtk_window_present (window);
  op_ui_test_iterate ();
  g_assert_cmpstr (op_mail_view_get_page (wait.view), ==, "mail");

  /* The store opens and the Inbox is shown. */
  g_assert_true (op_ui_test_wait_for (folder_shown, &wait));
  store = op_mail_view_get_store (wait.view, MAIL_TEST_ACCOUNT);
  g_assert_nonnull (store);
  inbox = op_mail_store_lookup_folder (store, "INBOX");
  gnome = op_mail_store_lookup_folder (store, "Lists/GNOME");
  g_assert_cmpint (op_mail_view_get_folder_id (wait.view), ==, op_mail_folder_get_id (inbox));

  /* The sidebar: the account, then Inbox and the special-use folders under their
   * translated names, then the others; the Inbox's unread count. */
  sidebar = op_mail_view_get_sidebar (wait.view);
  g_assert_nonnull (op_ui_test_find_label (sidebar, "Work"));
  g_assert_nonnull (op_ui_test_find_label (sidebar, "Inbox"));
  g_assert_nonnull (op_ui_test_find_label (sidebar, "Sent"));
  g_assert_nonnull (op_ui_test_find_label (sidebar, "Drafts"));
  g_assert_nonnull (op_ui_test_find_label (sidebar, "Trash"));
  g_assert_nonnull (op_ui_test_find_label (sidebar, "Lists"));
  g_assert_nonnull (op_ui_test_find_label (sidebar, "GNOME"));
  g_assert_null (op_ui_test_find_label (sidebar, "Sent Items"));
  g_assert_nonnull (op_ui_test_find_label (sidebar, "2"));

  /* The list: four conversations, newest first; each row reads sender, subject, date
   * and its state. */
  list = op_mail_view_get_list_view (wait.view);
  wait.n = 4;
  wait.text = "Plans for the release";
  g_assert_true (op_ui_test_wait_for (list_has, &wait));
  row = find_row (list, "Plans for the release");
  description = op_mail_conversation_row_get_description (row);
  g_assert_true (g_str_has_prefix (description, "Mail: Ann Example, Bob, Re: Plans for the release, "));
  g_assert_nonnull (strstr (description, ", 2 messages, unread"));
  description = op_mail_conversation_row_get_description (find_row (list, "Files for you"));
  g_assert_true (g_str_has_prefix (description, "Mail: Mallory, Files for you, "));
  g_assert_nonnull (strstr (description, ", unread, with attachments"));
  description = op_mail_conversation_row_get_description (find_row (list, "Our December news"));
  g_assert_nonnull (strstr (description, ", flagged"));
  g_assert_null (strstr (description, "unread"));
  g_assert_nonnull (find_row (list, "关于发布计划"));

  /* Issue 13: WebKit is not loaded before the page's first rows are painted; then the
   * page starts it (op_mail_html_view_prewarm_after_frame()) without any HTML message
   * being opened, so the first one does not wait for it. */
  g_assert_true (op_ui_test_wait_for (rows_painted, &paint));
  g_signal_handlers_disconnect_by_func (clock, on_rows_paint, &paint);
  g_assert_cmpuint (assert_labels_fit (GTK_WIDGET (find_row (list, "Plans for the release"))), ==, 5);
  g_assert_cmpuint (assert_labels_fit (GTK_WIDGET (find_row (list, "关于发布计划"))), ==, 4);
  g_assert_false (paint.loaded_then);
  g_assert_cmpint (op_mail_view_get_conversation_id (wait.view), ==, 0);
  g_assert_true (op_ui_test_wait_for (webkit_loaded, NULL));

  /* Selecting the thread shows its three messages (my reply from Sent too), the
   * newest open. */
  position = 0;
  while (position < n_rows (list))
    {
      g_autoptr (OpMailConversation) item = g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (list)), position);

      if (strstr (op_mail_conversation_get_subject (item), "Plans") != NULL)
        break;
      position++;
    }
  g_assert_cmpuint (position, <, n_rows (list));
  gtk_selection_model_select_item (gtk_list_view_get_model (list), position, TRUE);
  conversation = op_mail_view_get_conversation_view (wait.view);
  wait.n = 3;
  g_assert_true (op_ui_test_wait_for (conversation_loaded, &wait));
  g_assert_true (op_mail_message_view_get_expanded (op_mail_conversation_view_get_message_view (conversation, 2)));
  g_assert_false (op_mail_message_view_get_expanded (op_mail_conversation_view_get_message_view (conversation, 0)));
  g_assert_nonnull (op_ui_test_find_label_containing (GTK_WIDGET (conversation), "Friday it is, then."));

  /* J moves down the list (like Down), K back up; each shows its conversation. */
  gtk_widget_activate_action (view, "mail.next", NULL);
  g_assert_true (gtk_selection_model_is_selected (gtk_list_view_get_model (list), position + 1));
  g_assert_false (gtk_selection_model_is_selected (gtk_list_view_get_model (list), position));
  wait.n = 1;
  g_assert_true (op_ui_test_wait_for (conversation_loaded, &wait));
  gtk_widget_activate_action (view, "mail.previous", NULL);
  wait.n = 3;
  g_assert_true (op_ui_test_wait_for (conversation_loaded, &wait));
  g_assert_cmpstr (newest_subject (conversation), ==, "Re: Plans for the release");

  /* Shown for a moment, the conversation is marked read; its row stays selected. */
  wait.n = 4;
  wait.text = "Mail: Ann Example, Bob, Re: Plans for the release";
  g_assert_true (op_ui_test_wait_for (row_read, &wait));
  g_assert_true (gtk_selection_model_is_selected (gtk_list_view_get_model (list), position));

  /* Flag it (S): the newest message gets the flag, the row says so, still selected. */
  gtk_widget_activate_action (view, "mail.toggle-flag", NULL);
  wait.text = ", flagged";
  g_assert_true (op_ui_test_wait_for (plans_row_has, &wait));
  g_assert_true (gtk_selection_model_is_selected (gtk_list_view_get_model (list), position));

  /* Several at once: with Mallory's (unread) selected too, M marks both read; again,
   * both unread; again, both read. */
  files_position = row_position (list, "Files for you");
  gtk_selection_model_select_item (gtk_list_view_get_model (list), files_position, FALSE);
  g_assert_true (gtk_selection_model_is_selected (gtk_list_view_get_model (list), position));
  gtk_widget_activate_action (view, "mail.toggle-read", NULL);
  wait.text = "Mail: Mallory, Files for you";
  g_assert_true (op_ui_test_wait_for (row_read, &wait));
  gtk_widget_activate_action (view, "mail.toggle-read", NULL);
  g_assert_true (op_ui_test_wait_for (row_unread, &wait));
  wait.text = "Mail: Ann Example, Bob, Re: Plans for the release";
  g_assert_true (op_ui_test_wait_for (row_unread, &wait));
  gtk_widget_activate_action (view, "mail.toggle-read", NULL);
  g_assert_true (op_ui_test_wait_for (row_read, &wait));
  wait.text = "Mail: Mallory, Files for you";
  g_assert_true (op_ui_test_wait_for (row_read, &wait));

  /* Delete: both go to Trash (their Inbox messages: 3), a toast offers Undo, and Undo
   * brings them back. */
  g_assert_true (gtk_selection_model_is_selected (gtk_list_view_get_model (list), files_position));
  gtk_widget_activate_action (view, "mail.trash", NULL);
  wait.n = 2;
  wait.text = NULL;
  g_assert_true (op_ui_test_wait_for (list_has, &wait));
  g_assert_nonnull (op_ui_test_find_label (view, "2 conversations moved to Trash"));
  {
    g_autoptr (OpMailFolder) trash = op_mail_store_lookup_special (store, OP_MAIL_SPECIAL_USE_TRASH);

    g_assert_cmpuint (op_mail_folder_get_total (trash), ==, 3);
  }
  gtk_widget_activate_action (view, "mail.undo-move", NULL);
  wait.n = 4;
  wait.text = "Files for you";
  g_assert_true (op_ui_test_wait_for (list_has, &wait));
  {
    g_autoptr (OpMailFolder) trash = op_mail_store_lookup_special (store, OP_MAIL_SPECIAL_USE_TRASH);

    g_assert_cmpuint (op_mail_folder_get_total (trash), ==, 0);
  }

  /* Search (Ctrl+F): a word of a body finds its message; the filters narrow it. */
  gtk_widget_activate_action (view, "mail.search", NULL);
  gtk_editable_set_text (GTK_EDITABLE (op_ui_test_find_type (view, GTK_TYPE_SEARCH_ENTRY)), "Friday");
  wait.n = 2;    /* Bob's question and Ann's reply in the Inbox (mine is in Sent) */
  g_assert_true (op_ui_test_wait_for (results_have, &wait));
  g_assert_nonnull (find_row (op_mail_view_get_results_view (wait.view), "Mail: Bob, Plans for the release"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (op_ui_test_find_button (view, "Flagged")), TRUE);
  wait.n = 1;
  g_assert_true (op_ui_test_wait_for (results_have, &wait));
  g_assert_nonnull (find_row (op_mail_view_get_results_view (wait.view), "Mail: Ann Example, Re: Plans"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (op_ui_test_find_button (view, "Flagged")), FALSE);
  /* Both were read (above). */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (op_ui_test_find_button (view, "Unread")), TRUE);
  wait.text = "status";
  g_assert_true (op_ui_test_wait_for (list_page_is, &wait));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (op_ui_test_find_button (view, "Unread")), FALSE);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (op_ui_test_find_button (view, "Attachments")), TRUE);
  wait.text = "status";
  g_assert_true (op_ui_test_wait_for (list_page_is, &wait));
  g_assert_nonnull (op_ui_test_find_label (view, "No Results"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (op_ui_test_find_button (view, "Attachments")), FALSE);
  gtk_editable_set_text (GTK_EDITABLE (op_ui_test_find_type (view, GTK_TYPE_SEARCH_ENTRY)), "");
  wait.text = "list";
  g_assert_true (op_ui_test_wait_for (list_page_is, &wait));

  /* Another folder: its own conversations. */
  g_assert_true (op_mail_view_select_folder (wait.view, MAIL_TEST_ACCOUNT, op_mail_folder_get_id (gnome)));
  wait.n = 1;
  wait.text = "GNOME 99 released";
  g_assert_true (op_ui_test_wait_for (list_has, &wait));
  g_assert_cmpint (op_mail_view_get_conversation_id (wait.view), ==, 0);

  close_window (window);
}

static GtkWidget *
find_back_button (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget)
      && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), "go-previous-symbolic") == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_back_button (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A narrow window: one column at a time, with back buttons. */
static void
test_narrow (void)
{
  GtkWidget *view = op_mail_view_new ();
  GtkWindow *window = window_with (view, 360);
  AdwLeaflet *leaflet;
  GtkListView *list;
  Wait wait = { OP_MAIL_VIEW (view), 4, "Files for you" };

  g_assert_true (op_ui_test_wait_for (is_folded, view));
  leaflet = ADW_LEAFLET (op_ui_test_find_type (view, ADW_TYPE_LEAFLET));
  g_assert_true (op_ui_test_wait_for (folder_shown, &wait));
  adw_leaflet_set_visible_child_name (leaflet, "list");
  g_assert_true (op_ui_test_wait_for (list_has, &wait));
  list = op_mail_view_get_list_view (wait.view);
  gtk_selection_model_select_item (gtk_list_view_get_model (list), 0, TRUE);
  g_signal_emit_by_name (list, "activate", 0);
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "conversation");
  g_signal_emit_by_name (find_back_button (view), "clicked");
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "list");
  close_window (window);
}


static guint
position_of (OpMailView *view,
             const char *subject)
{
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (op_mail_view_get_list_view (view)));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (OpMailConversation) item = g_list_model_get_item (model, i);

      if (strstr (op_mail_conversation_get_subject (item), subject) != NULL)
        return i;
    }
  g_assert_not_reached ();
}

static OpMailComposer *
wait_composer (void)
{
  return op_mail_composer_window_get_composer (
      OP_MAIL_COMPOSER_WINDOW (op_ui_test_wait_for_toplevel (OP_TYPE_MAIL_COMPOSER_WINDOW, TRUE)));
}

static void
close_composer (void)
{
  gtk_window_close (op_ui_test_find_toplevel (OP_TYPE_MAIL_COMPOSER_WINDOW));
  op_ui_test_wait_for_toplevel (OP_TYPE_MAIL_COMPOSER_WINDOW, FALSE);
}

static OpMimeMessage *
build_message (OpMailComposer *composer)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (OpMailOutgoing) outgoing = NULL;
  g_autoptr (GError) error = NULL;
  OpMimeMessage *message;

  op_mail_composer_build_async (composer, NULL, op_ui_test_store_result, &result);
  op_ui_test_wait_result (&result);
  outgoing = op_mail_composer_build_finish (composer, result, &error);
  g_assert_no_error (error);
  message = op_mime_message_parse_bytes (outgoing->copy, NULL, &error);
  g_assert_no_error (error);
  return message;
}

static char *
body_text (OpMailComposer *composer)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (op_mail_composer_get_body (composer), &start, &end);
  return gtk_text_buffer_get_text (op_mail_composer_get_body (composer), &start, &end, FALSE);
}

/* Writing from the page: Ctrl+N's compose, Reply (Ctrl+R) on the conversation with
 * its threading headers, Forward, each in a window of its own that goes when closed;
 * and a mailto: URI routed to Mail filling the composer. */
static void
test_write (void)
{
  GtkWidget *view;
  GtkWindow *window;
  Wait wait = { 0 };
  OpMailConversationView *conversation;
  OpMimeMessage *newest;
  OpMailComposer *composer;
  g_autoptr (OpMimeMessage) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *body = NULL;
  const OpViewInfo *info;
  const char * const *references;
  gboolean mailto = FALSE;

  /* The profile of test_page (run before). */
  view = op_mail_view_new ();
  wait.view = OP_MAIL_VIEW (view);
  window = window_with (view, 1200);
  g_assert_true (op_ui_test_wait_for (folder_shown, &wait));
  wait.n = 4;
  wait.text = "Plans for the release";
  g_assert_true (op_ui_test_wait_for (list_has, &wait));

  /* Nothing to reply to yet; compose works. */
  g_assert_false (gtk_widget_activate_action (view, "mail.reply", NULL)
                  && op_ui_test_find_toplevel (OP_TYPE_MAIL_COMPOSER_WINDOW) != NULL);
  g_assert_true (gtk_widget_activate_action (view, "mail.compose", NULL));
  composer = wait_composer ();
  g_assert_cmpstr (gtk_editable_get_text (op_mail_composer_get_to_entry (composer)), ==, "");
  close_composer ();

  /* Reply to the newest message of "Plans for the release". */
  gtk_selection_model_select_item (gtk_list_view_get_model (op_mail_view_get_list_view (wait.view)),
                                   position_of (wait.view, "Plans for the release"), TRUE);
  wait.n = 3;
  g_assert_true (op_ui_test_wait_for (conversation_loaded, &wait));
  conversation = op_mail_view_get_conversation_view (wait.view);
  newest = op_mail_message_view_get_message (op_mail_conversation_view_get_message_view (conversation, 2));
  g_assert_true (gtk_widget_activate_action (view, "mail.reply", NULL));
  composer = wait_composer ();
  g_assert_true (g_str_has_prefix (gtk_editable_get_text (op_mail_composer_get_subject_entry (composer)), "Re: "));
  reply = build_message (composer);
  g_assert_cmpstr (op_mime_message_get_in_reply_to (reply), ==, op_mime_message_get_message_id (newest));
  references = op_mime_message_get_references (reply);
  g_assert_nonnull (references);
  g_assert_cmpstr (references[g_strv_length ((char **) references) - 1], ==, op_mime_message_get_message_id (newest));
  close_composer ();

  g_assert_true (gtk_widget_activate_action (view, "mail.forward", NULL));
  composer = wait_composer ();
  g_assert_true (g_str_has_prefix (gtk_editable_get_text (op_mail_composer_get_subject_entry (composer)), "Fwd: "));
  g_assert_cmpstr (gtk_editable_get_text (op_mail_composer_get_to_entry (composer)), ==, "");
  close_composer ();

  /* mailto: is Mail's; the URI fills the composer. */
  info = op_view_registry_lookup ("mail");
  for (guint i = 0; info->schemes != NULL && info->schemes[i] != NULL; i++)
    mailto |= g_str_equal (info->schemes[i], "mailto");
  g_assert_true (mailto);
  g_assert_true (info->open_uri (view, "mailto:ann@example.org?cc=bob@example.org&subject=Hello%20there&body=Line%201%0ALine%202",
                                 &error));
  g_assert_no_error (error);
  composer = wait_composer ();
  g_assert_cmpstr (gtk_editable_get_text (op_mail_composer_get_to_entry (composer)), ==, "ann@example.org");
  g_assert_cmpstr (gtk_editable_get_text (op_mail_composer_get_cc_entry (composer)), ==, "bob@example.org");
  g_assert_cmpstr (gtk_editable_get_text (op_mail_composer_get_subject_entry (composer)), ==, "Hello there");
  body = body_text (composer);
  g_assert_true (g_str_has_prefix (body, "Line 1\nLine 2\n"));
  close_composer ();
  g_assert_false (info->open_uri (view, "mailto:ann@example.org?subject=%FF%FE", &error));
  g_assert_error (error, G_URI_ERROR, G_URI_ERROR_FAILED);
  g_assert_null (op_ui_test_find_toplevel (OP_TYPE_MAIL_COMPOSER_WINDOW));

  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  op_ui_test_init (&argc, &argv);

  g_test_add_func ("/mail/page/registered", test_registered);
  g_test_add_func ("/mail/page/empty", test_empty);
  g_test_add_func ("/mail/page/folders-list-conversation-search", test_page);
  g_test_add_func ("/mail/page/narrow", test_narrow);
  g_test_add_func ("/mail/page/write", test_write);

  return op_ui_test_run ();
}
