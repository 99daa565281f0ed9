/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include <string.h>

#include "mail-test-data.h"
#include "op-accounts.h"
#include "op-mail-conversation-row.h"
#include "op-mail-composer-window.h"
#include "op-mail-composer.h"
#include "op-mail-identity-item.h"
#include "op-mail-account.h"
#include "op-mail-preferences-page.h"
#include "op-mail-view.h"
#include "op-ui-test-utils.h"

/* Organising on the Mail page (issue 13) against a store filled by the store's own code
 * (mail_test_fill_profile()): several conversations selected and deleted, then Undo;
 * Archive and Junk; a move by the "Move To" menu; a drag of conversations onto a folder
 * of the sidebar. Each change is checked in the store, and in the list. */

typedef struct
{
  OpMailView *view;
  guint       n;
  const char *text;
} Wait;

static GtkWindow *
window_with (GtkWidget *child)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (window, 1200, 700);
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

static GListModel *
list_model (OpMailView *view)
{
  return G_LIST_MODEL (gtk_list_view_get_model (op_mail_view_get_list_view (view)));
}

static gboolean
folder_shown (gpointer data)
{
  return op_mail_view_get_folder_id (((Wait *) data)->view) != 0;
}

/* @n rows, one of them (when @text is set) with that subject. */
static gboolean
list_has (gpointer data)
{
  Wait *wait = data;
  GListModel *model = list_model (wait->view);
  gboolean found = wait->text == NULL;

  if (model == NULL || g_list_model_get_n_items (model) != wait->n)
    return FALSE;
  for (guint i = 0; !found && i < wait->n; i++)
    {
      g_autoptr (OpMailConversation) item = g_list_model_get_item (model, i);

      found = op_mail_conversation_get_loaded (item)
              && strstr (op_mail_conversation_get_subject (item), wait->text) != NULL;
    }
  return found;
}

static guint
position_of (OpMailView *view,
             const char *subject)
{
  GListModel *model = list_model (view);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (OpMailConversation) item = g_list_model_get_item (model, i);

      if (strstr (op_mail_conversation_get_subject (item), subject) != NULL)
        return i;
    }
  g_assert_not_reached ();
}

static void
select_subjects (OpMailView         *view,
                 const char * const *subjects)
{
  GtkSelectionModel *selection = gtk_list_view_get_model (op_mail_view_get_list_view (view));

  gtk_selection_model_unselect_all (selection);
  for (guint i = 0; subjects[i] != NULL; i++)
    gtk_selection_model_select_item (selection, position_of (view, subjects[i]), FALSE);
  op_ui_test_iterate ();
}

static guint
total_of (OpMailStore *store,
          const char  *name)
{
  g_autoptr (OpMailFolder) folder = op_mail_store_lookup_folder (store, name);

  g_assert_nonnull (folder);
  return op_mail_folder_get_total (folder);
}

typedef struct
{
  OpMailStore *store;
  const char  *name;
  guint        total;
} FolderWait;

static gboolean
folder_holds (gpointer data)
{
  FolderWait *wait = data;

  return total_of (wait->store, wait->name) == wait->total;
}

static void
wait_folder (OpMailStore *store,
             const char  *name,
             guint        total)
{
  FolderWait wait = { store, name, total };

  if (!op_ui_test_wait_for (folder_holds, &wait))
    g_error ("%s holds %u messages, not %u", name, total_of (store, name), total);
}

static void
wait_list (OpMailView *view,
           guint       n,
           const char *text)
{
  Wait wait = { view, n, text };

  if (!op_ui_test_wait_for (list_has, &wait))
    for (guint i = 0; i < g_list_model_get_n_items (list_model (view)); i++)
      {
        g_autoptr (OpMailConversation) item = g_list_model_get_item (list_model (view), i);

        g_test_message ("row %u: %s (%s)", i, op_mail_conversation_get_subject (item),
                        op_mail_conversation_get_loaded (item) ? "loaded" : "not loaded");
      }
  if (!list_has (&wait))
    g_error ("the list has %u rows, not %u with “%s”",
             g_list_model_get_n_items (list_model (view)), n, text != NULL ? text : "");
}

static OpMailView *
open_page (GtkWindow **window)
{
  GtkWidget *view = op_mail_view_new ();
  Wait wait = { OP_MAIL_VIEW (view), 0, NULL };

  *window = window_with (view);
  g_assert_true (op_ui_test_wait_for (folder_shown, &wait));
  wait_list (wait.view, 4, "Plans for the release");
  return wait.view;
}

static gboolean
action_enabled (OpMailView *view,
                const char *name)
{
  /* A widget's own actions are found through its action muxer, like a button does. */
  GtkWidget *button = gtk_button_new ();
  gboolean enabled;

  gtk_widget_set_parent (button, GTK_WIDGET (view));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), name);
  op_ui_test_iterate ();
  enabled = gtk_widget_get_sensitive (button);
  gtk_widget_unparent (button);
  return enabled;
}

/* Two conversations selected, Delete: their Inbox messages (3) go to Trash, the list
 * shows the other two, a toast offers Undo; Undo brings them back. */
static void
test_delete_several_undo (void)
{
  static const char * const subjects[] = { "Plans for the release", "Files for you", NULL };
  GtkWindow *window;
  OpMailView *view = open_page (&window);
  OpMailStore *store = op_mail_view_get_store (view, MAIL_TEST_ACCOUNT);

  select_subjects (view, subjects);
  g_assert_true (action_enabled (view, "mail.trash"));
  gtk_widget_activate_action (GTK_WIDGET (view), "mail.trash", NULL);
  wait_folder (store, "Deleted", 3);
  wait_list (view, 2, "Our December news");
  g_assert_cmpuint (total_of (store, "INBOX"), ==, 2);
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (view), "2 conversations moved to Trash"));
  /* The store queued the move for the server (no server here: it waits). */
  g_assert_cmpuint (op_mail_store_count_pending (store), >, 0);

  g_assert_true (action_enabled (view, "mail.undo-move"));
  gtk_widget_activate_action (GTK_WIDGET (view), "mail.undo-move", NULL);
  wait_folder (store, "Deleted", 0);
  wait_list (view, 4, "Files for you");
  g_assert_cmpuint (total_of (store, "INBOX"), ==, 5);
  /* Undone once: nothing more to undo. */
  g_assert_false (action_enabled (view, "mail.undo-move"));
  close_window (window);
}

typedef struct
{
  GMenuModel *model;
  const char *label;
  GVariant   *target;
} MenuFind;

/* The item labelled @label in @model or its sections. */
static gboolean
find_menu_item (GMenuModel *model,
                const char *label,
                char      **action,
                GVariant  **target)
{
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autofree char *text = NULL;
      g_autoptr (GMenuModel) section = g_menu_model_get_item_link (model, i, G_MENU_LINK_SECTION);

      if (section != NULL && find_menu_item (section, label, action, target))
        return TRUE;
      if (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_LABEL, "s", &text)
          && g_str_equal (text, label))
        {
          g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_ACTION, "s", action);
          *target = g_menu_model_get_item_attribute_value (model, i, G_MENU_ATTRIBUTE_TARGET, NULL);
          return TRUE;
        }
    }
  return FALSE;
}

static GtkMenuButton *
find_menu_button (GtkWidget  *widget,
                  const char *icon_name)
{
  if (GTK_IS_MENU_BUTTON (widget)
      && g_strcmp0 (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget)), icon_name) == 0)
    return GTK_MENU_BUTTON (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkMenuButton *found = find_menu_button (child, icon_name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The list's "Move To" button (the conversation has menu buttons of its own). */
static GtkMenuButton *
move_button (OpMailView *view)
{
  GtkMenuButton *button = find_menu_button (GTK_WIDGET (view), "folder-symbolic");

  g_assert_nonnull (button);
  return button;
}

/* "Move To" lists the account's other folders (not the Inbox shown, not "Lists", which
 * holds no messages); its GNOME item moves the selection there. */
static void
test_move_by_menu (void)
{
  static const char * const subjects[] = { "Files for you", NULL };
  GtkWindow *window;
  OpMailView *view = open_page (&window);
  OpMailStore *store = op_mail_view_get_store (view, MAIL_TEST_ACCOUNT);
  GMenuModel *menu;
  g_autofree char *action = NULL;
  g_autoptr (GVariant) target = NULL;
  g_autofree char *ignored = NULL;
  g_autoptr (GVariant) ignored_target = NULL;
  g_autoptr (OpMailFolder) gnome = op_mail_store_lookup_folder (store, "Lists/GNOME");

  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (move_button (view))));
  select_subjects (view, subjects);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (move_button (view))));
  menu = gtk_menu_button_get_menu_model (move_button (view));
  g_assert_nonnull (menu);
  g_assert_false (find_menu_item (menu, "Inbox", &ignored, &ignored_target));
  g_assert_false (find_menu_item (menu, "Lists", &ignored, &ignored_target));
  g_assert_true (find_menu_item (menu, "Trash", &ignored, &ignored_target));
  g_assert_true (find_menu_item (menu, "GNOME", &action, &target));
  g_assert_cmpstr (action, ==, "mail.move");
  g_assert_cmpint (g_variant_get_int64 (target), ==, op_mail_folder_get_id (gnome));

  gtk_widget_activate_action_variant (GTK_WIDGET (view), action, target);
  wait_folder (store, "Lists/GNOME", 2);
  wait_list (view, 3, "Plans for the release");
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (view), "1 conversation moved to GNOME"));

  /* Shown there, and back by Undo. */
  gtk_widget_activate_action (GTK_WIDGET (view), "mail.undo-move", NULL);
  wait_folder (store, "Lists/GNOME", 1);
  wait_list (view, 4, "Files for you");
  close_window (window);
}

/* Archive and Junk need the account's folders of that use: disabled without them; once
 * the store has them (made by its own code, as a sync would), they move there. */
static void
test_archive_junk (void)
{
  static const char * const subjects[] = { "关于发布计划", NULL };
  static const char * const both[] = { "Plans for the release", "Our December news", NULL };
  GtkWindow *window;
  OpMailView *view = open_page (&window);
  OpMailStore *store = op_mail_view_get_store (view, MAIL_TEST_ACCOUNT);
  g_autoptr (OpMailFolderInfo) archive = op_mail_folder_info_new ("Archive", '/', OP_MAIL_SPECIAL_USE_ARCHIVE, TRUE);
  g_autoptr (OpMailFolderInfo) junk = op_mail_folder_info_new ("Spam", '/', OP_MAIL_SPECIAL_USE_JUNK, TRUE);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  select_subjects (view, subjects);
  g_assert_true (action_enabled (view, "mail.trash"));
  g_assert_false (action_enabled (view, "mail.archive"));
  g_assert_false (action_enabled (view, "mail.junk"));

  op_mail_store_ensure_folder_async (store, archive, NULL, op_ui_test_store_result, &result);
  op_ui_test_wait_result (&result);
  g_assert_cmpint (op_mail_store_ensure_folder_finish (store, result, &error), >, 0);
  g_assert_no_error (error);
  g_clear_object (&result);
  op_mail_store_ensure_folder_async (store, junk, NULL, op_ui_test_store_result, &result);
  op_ui_test_wait_result (&result);
  g_assert_cmpint (op_mail_store_ensure_folder_finish (store, result, &error), >, 0);
  g_assert_no_error (error);
  op_ui_test_iterate ();
  select_subjects (view, subjects);
  g_assert_true (action_enabled (view, "mail.archive"));
  g_assert_true (action_enabled (view, "mail.junk"));

  gtk_widget_activate_action (GTK_WIDGET (view), "mail.archive", NULL);
  wait_folder (store, "Archive", 1);
  wait_list (view, 3, NULL);
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (view), "1 conversation archived"));

  select_subjects (view, both);
  gtk_widget_activate_action (GTK_WIDGET (view), "mail.junk", NULL);
  wait_folder (store, "Spam", 3);
  wait_list (view, 1, "Files for you");
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (view), "2 conversations moved to Junk"));
  /* Undo takes back the last move only. */
  gtk_widget_activate_action (GTK_WIDGET (view), "mail.undo-move", NULL);
  wait_folder (store, "Spam", 0);
  wait_list (view, 3, "Plans for the release");
  g_assert_cmpuint (total_of (store, "Archive"), ==, 1);

  /* In the Archive, Archive has nowhere to go. */
  {
    g_autoptr (OpMailFolder) folder = op_mail_store_lookup_folder (store, "Archive");

    g_assert_true (op_mail_view_select_folder (view, MAIL_TEST_ACCOUNT, op_mail_folder_get_id (folder)));
    wait_list (view, 1, "关于发布计划");
    gtk_selection_model_select_item (gtk_list_view_get_model (op_mail_view_get_list_view (view)), 0, TRUE);
    op_ui_test_iterate ();
    g_assert_false (action_enabled (view, "mail.archive"));
    g_assert_true (action_enabled (view, "mail.junk"));
  }
  close_window (window);
}

static void
collect (GtkWidget *widget,
         GType      type,
         GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_get_mapped (widget))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, type, found);
}

static GtkEventController *
controller_of (GtkWidget *widget,
               GType      type)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (controller, type))
        return controller;
    }
  return NULL;
}

/* The sidebar's row of the folder read out as @name. */
static GtkWidget *
folder_row (OpMailView *view,
            const char *name)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();

  collect (op_mail_view_get_sidebar (view), GTK_TYPE_LIST_BOX_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = rows->pdata[i];
      GtkLabel *label = op_ui_test_find_label (row, name);

      if (label != NULL)
        return row;
    }
  return NULL;
}

/* The conversation row on screen showing @subject. */
static GtkWidget *
conversation_row (OpMailView *view,
                  const char *subject)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();

  collect (GTK_WIDGET (op_mail_view_get_list_view (view)), OP_TYPE_MAIL_CONVERSATION_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    if (strstr (op_mail_conversation_row_get_description (rows->pdata[i]), subject) != NULL)
      return rows->pdata[i];
  return NULL;
}

/* Dragging: GTK's drag source of a conversation row gives what is dragged (the
 * selection, here two conversations after a row that was selected), and the sidebar
 * folder's drop target takes it. There is no pointer to drag with under Xvfb without a
 * window manager, so the test calls the two handlers a drag calls, in that order. */
static GValue *
drag_from (OpMailView *view,
           const char *subject)
{
  GtkEventController *source = controller_of (conversation_row (view, subject), GTK_TYPE_DRAG_SOURCE);
  g_autoptr (GdkContentProvider) content = NULL;
  g_autoptr (GError) error = NULL;
  GValue *value = g_new0 (GValue, 1);

  g_assert_nonnull (source);
  g_signal_emit_by_name (source, "prepare", 4.0, 4.0, &content);
  g_assert_nonnull (content);
  g_value_init (value, G_TYPE_STRING);
  g_assert_true (gdk_content_provider_get_value (content, value, &error));
  g_assert_no_error (error);
  return value;
}

static gboolean
drop_on (OpMailView   *view,
         const char   *folder,
         const GValue *value)
{
  GtkEventController *target = controller_of (folder_row (view, folder), GTK_TYPE_DROP_TARGET);
  gboolean accepted = FALSE;

  g_assert_nonnull (target);
  g_signal_emit_by_name (target, "drop", value, 4.0, 4.0, &accepted);
  return accepted;
}

static void
free_value (GValue *value)
{
  g_value_unset (value);
  g_free (value);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GValue, free_value)

static void
test_drag_onto_folder (void)
{
  static const char * const subjects[] = { "Plans for the release", "关于发布计划", NULL };
  GtkWindow *window;
  OpMailView *view = open_page (&window);
  OpMailStore *store = op_mail_view_get_store (view, MAIL_TEST_ACCOUNT);
  GtkSelectionModel *selection = gtk_list_view_get_model (op_mail_view_get_list_view (view));
  g_autoptr (GValue) value = NULL;
  g_autoptr (GValue) foreign = NULL;
  guint gnome_before = total_of (store, "Lists/GNOME");

  /* A row outside the selection drags itself alone: it becomes the selection. */
  select_subjects (view, subjects);
  value = drag_from (view, "Files for you");
  g_assert_true (gtk_selection_model_is_selected (selection, position_of (view, "Files for you")));
  g_assert_false (gtk_selection_model_is_selected (selection, position_of (view, "Plans for the release")));
  g_clear_pointer (&value, free_value);

  /* A selected row drags the whole selection. */
  select_subjects (view, subjects);
  value = drag_from (view, "Plans for the release");
  g_assert_true (gtk_selection_model_is_selected (selection, position_of (view, "关于发布计划")));

  /* Something else dropped (text from another program) is refused, nothing moves. */
  foreign = g_new0 (GValue, 1);
  g_value_init (foreign, G_TYPE_STRING);
  g_value_set_string (foreign, "Plans for the release");
  g_assert_false (drop_on (view, "GNOME", foreign));

  g_assert_true (drop_on (view, "GNOME", value));
  /* Their Inbox messages (2 + 1) are in GNOME now, in the store and on screen. */
  wait_folder (store, "Lists/GNOME", gnome_before + 3);
  wait_list (view, 2, "Files for you");
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (view), "2 conversations moved to GNOME"));

  gtk_widget_activate_action (GTK_WIDGET (view), "mail.undo-move", NULL);
  wait_folder (store, "Lists/GNOME", gnome_before);
  wait_list (view, 4, "关于发布计划");
  close_window (window);
}

static GtkWidget *
find_search_button (GtkWidget *widget)
{
  if (GTK_IS_TOGGLE_BUTTON (widget)
      && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), "edit-find-symbolic") == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_search_button (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
search_button (GtkWidget *view)
{
  GtkWidget *button = find_search_button (view);

  g_assert_nonnull (button);
  return button;
}

static gboolean
unified_offered (gpointer data)
{
  OpMailView *view = data;

  return op_mail_view_get_store (view, MAIL_TEST_ACCOUNT_HOME) != NULL
         && op_mail_view_get_store (view, MAIL_TEST_ACCOUNT) != NULL
         && op_mail_view_select_unified_inbox (view);
}

static guint
inbox_unread (OpMailView *view,
              const char *account_id)
{
  g_autoptr (OpMailFolder) inbox = op_mail_store_lookup_special (op_mail_view_get_store (view, account_id),
                                                                 OP_MAIL_SPECIAL_USE_INBOX);

  return op_mail_folder_get_unread (inbox);
}

/* The count shown beside "All Inboxes" ("" when none). */
static const char *
unified_count (OpMailView *view)
{
  GtkLabel *label = op_ui_test_find_label (op_mail_view_get_sidebar (view), "All Inboxes");
  GtkWidget *count;

  g_assert_nonnull (label);
  count = gtk_widget_get_next_sibling (GTK_WIDGET (label));
  return count != NULL ? gtk_label_get_text (GTK_LABEL (count)) : "";
}

static gboolean
unified_count_is (gpointer data)
{
  Wait *wait = data;
  g_autofree char *expected = g_strdup_printf ("%u", wait->n);

  return g_str_equal (unified_count (wait->view), wait->n > 0 ? expected : "");
}

static void
wait_unified_count (OpMailView *view,
                    guint       n)
{
  Wait wait = { view, n, NULL };

  if (!op_ui_test_wait_for (unified_count_is, &wait))
    g_error ("All Inboxes shows “%s” unread, not %u", unified_count (view), n);
}

/* Two accounts: "All Inboxes" above them counts both Inboxes' unread messages and shows
 * both Inboxes' conversations newest first; a move to Trash of conversations of both
 * goes to each account's own Trash, and Undo brings them back; marking read changes the
 * count at once. */
static void
test_unified_inbox (void)
{
  static const char * const both[] = { "Dinner on Saturday", "Files for you", NULL };
  static const char * const dinner[] = { "Dinner on Saturday", NULL };
  GtkWidget *widget;
  OpMailView *view;
  GtkWindow *window;
  GListModel *model;
  OpMailStore *home;
  OpMailStore *work;
  guint work_unread;
  gint64 previous = G_MAXINT64;

  mail_test_fill_second_account ();
  widget = op_mail_view_new ();
  view = OP_MAIL_VIEW (widget);
  window = window_with (widget);
  g_assert_true (op_ui_test_wait_for (unified_offered, view));
  home = op_mail_view_get_store (view, MAIL_TEST_ACCOUNT_HOME);
  work = op_mail_view_get_store (view, MAIL_TEST_ACCOUNT);
  g_assert_true (op_mail_view_get_unified (view));
  g_assert_nonnull (op_ui_test_find_label (widget, "All Inboxes"));
  g_assert_nonnull (op_ui_test_find_label (op_mail_view_get_sidebar (view), "Home"));
  /* Search goes through one account's index: not offered here. */
  g_assert_false (gtk_widget_get_sensitive (search_button (widget)));

  /* Work's Inbox holds three conversations after the tests above (关于发布计划 was
   * archived), Home's two: five, newest first across both. */
  work_unread = inbox_unread (view, MAIL_TEST_ACCOUNT);
  g_assert_cmpuint (inbox_unread (view, MAIL_TEST_ACCOUNT_HOME), ==, 1);
  wait_unified_count (view, work_unread + 1);
  wait_list (view, 5, "Dinner on Saturday");
  model = list_model (view);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (OpMailConversation) item = g_list_model_get_item (model, i);

      g_assert_cmpint (op_mail_conversation_get_date (item), <=, previous);
      previous = op_mail_conversation_get_date (item);
    }
  /* Interleaved: Work's of 3 December, Home's of 2 December, ..., Home's of 28 November. */
  {
    g_autoptr (OpMailConversation) first = g_list_model_get_item (model, 0);
    g_autoptr (OpMailConversation) second = g_list_model_get_item (model, 1);
    g_autoptr (OpMailConversation) last = g_list_model_get_item (model, 4);

    g_assert_cmpstr (op_mail_conversation_get_subject (first), ==, "Files for you");
    g_assert_cmpstr (op_mail_conversation_get_subject (second), ==, "Dinner on Saturday");
    g_assert_cmpstr (op_mail_conversation_get_subject (last), ==, "Holiday photos");
  }

  /* One of each account to Trash: each to its own. */
  select_subjects (view, both);
  g_assert_true (action_enabled (view, "mail.trash"));
  gtk_widget_activate_action (GTK_WIDGET (view), "mail.trash", NULL);
  wait_folder (home, "Trash", 1);
  wait_folder (work, "Deleted", 1);
  wait_list (view, 3, "Holiday photos");
  g_assert_nonnull (op_ui_test_find_label (widget, "2 conversations moved to Trash"));
  wait_unified_count (view, inbox_unread (view, MAIL_TEST_ACCOUNT));

  gtk_widget_activate_action (GTK_WIDGET (view), "mail.undo-move", NULL);
  wait_folder (home, "Trash", 0);
  wait_folder (work, "Deleted", 0);
  wait_list (view, 5, "Files for you");
  wait_unified_count (view, work_unread + 1);

  /* Read at once: Home's Inbox and the count. */
  select_subjects (view, dinner);
  gtk_widget_activate_action (GTK_WIDGET (view), "mail.toggle-read", NULL);
  wait_unified_count (view, work_unread);
  g_assert_cmpuint (inbox_unread (view, MAIL_TEST_ACCOUNT_HOME), ==, 0);
  close_window (window);
}

static gboolean
notified (gpointer data)
{
  return op_mail_view_get_notified_title (data) != NULL;
}

static gboolean
stores_open (gpointer data)
{
  return op_mail_view_get_store (data, MAIL_TEST_ACCOUNT) != NULL
         && op_mail_view_get_store (data, MAIL_TEST_ACCOUNT_HOME) != NULL;
}

/* Adds a message to Work's Inbox as a sync would, under @uid. */
static void
deliver (OpMailStore *store,
         guint32      uid,
         OpMailFlags  flags,
         const char  *text)
{
  g_autoptr (OpMailFolder) inbox = op_mail_store_lookup_folder (store, "INBOX");
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  OpMailUpdate *update = op_mail_update_new (op_mail_folder_get_id (inbox));
  g_autoptr (GBytes) message = g_bytes_new_static (text, strlen (text));

  op_mail_update_add_raw (update, uid, flags, 0, message);
  op_mail_store_apply_async (store, update, NULL, op_ui_test_store_result, &result);
  op_ui_test_wait_result (&result);
  g_assert_true (op_mail_store_write_finish (store, result, &error));
  g_assert_no_error (error);
}

static const char new_mail[] =
  "From: Erin <erin@example.test>\r\n"
  "To: Me Myself <me@example.test>\r\n"
  "Subject: Are you coming tonight?\r\n"
  "Date: Mon, 07 Dec 2026 12:00:00 +0000\r\n"
  "Message-ID: <new-1@example.test>\r\n"
  "\r\n"
  "The doors open at eight.\r\n";

static const char read_elsewhere[] =
  "From: Frank <frank@example.test>\r\n"
  "To: Me Myself <me@example.test>\r\n"
  "Subject: Already read on the phone\r\n"
  "Date: Mon, 07 Dec 2026 12:05:00 +0000\r\n"
  "Message-ID: <new-2@example.test>\r\n"
  "\r\n"
  "Seen.\r\n";

/* New mail: an unread message the server numbered after the Inbox's UIDNEXT notifies
 * with its sender and subject; one already read does not; activating the notification
 * shows the message's conversation. */
static void
test_new_mail_notification (void)
{
  GtkWidget *widget = op_mail_view_new ();
  OpMailView *view = OP_MAIL_VIEW (widget);
  GtkWindow *window = window_with (widget);
  OpMailStore *store;
  g_autoptr (OpMailFolder) inbox = NULL;
  g_autoptr (OpMailMessage) message = NULL;
  Wait wait = { view, 0, NULL };
  guint n_rows;

  g_assert_true (op_ui_test_wait_for (stores_open, view));
  g_assert_true (op_ui_test_wait_for (folder_shown, &wait));
  g_assert_null (op_mail_view_get_notified_title (view));
  store = op_mail_view_get_store (view, MAIL_TEST_ACCOUNT);
  inbox = op_mail_store_lookup_folder (store, "INBOX");
  /* Work's Inbox (either account's store may have opened first), read whole first. */
  g_assert_true (op_mail_view_select_folder (view, MAIL_TEST_ACCOUNT, op_mail_folder_get_id (inbox)));
  wait_list (view, 3, "Plans for the release");
  g_assert_true (gtk_widget_get_sensitive (search_button (widget)));
  /* Shown in the list (so the store's signals were handled), and no notification. */
  n_rows = g_list_model_get_n_items (list_model (view));
  deliver (store, 40, OP_MAIL_FLAG_SEEN, read_elsewhere);
  wait_list (view, n_rows + 1, "Already read on the phone");
  g_assert_null (op_mail_view_get_notified_title (view));

  deliver (store, 41, OP_MAIL_FLAG_NONE, new_mail);
  g_assert_true (op_ui_test_wait_for (notified, view));
  g_assert_cmpstr (op_mail_view_get_notified_title (view), ==, "Erin");
  g_assert_cmpstr (op_mail_view_get_notified_body (view), ==, "Are you coming tonight?");

  /* Activated: the Home Inbox was shown; the message's conversation opens in Work's. */
  {
    g_autoptr (OpMailFolder) home_inbox = op_mail_store_lookup_folder (op_mail_view_get_store (view, MAIL_TEST_ACCOUNT_HOME), "INBOX");

    g_assert_true (op_mail_view_select_folder (view, MAIL_TEST_ACCOUNT_HOME, op_mail_folder_get_id (home_inbox)));
  }
  message = op_mail_store_lookup_uid (store, op_mail_folder_get_id (inbox), 41);
  g_assert_nonnull (message);
  g_assert_true (op_mail_view_open_message (view, MAIL_TEST_ACCOUNT, op_mail_message_get_id (message)));
  g_assert_cmpint (op_mail_view_get_folder_id (view), ==, op_mail_folder_get_id (inbox));
  g_assert_cmpint (op_mail_view_get_conversation_id (view), ==, op_mail_message_get_conversation_id (message));
  g_assert_false (op_mail_view_open_message (view, MAIL_TEST_ACCOUNT, 999999));
  close_window (window);
}

static OpAccount *
saved_account (const char *id)
{
  g_autoptr (OpAccounts) accounts = op_accounts_new_default ();
  OpAccount *account;

  g_assert_true (op_accounts_load (accounts, NULL));
  account = op_accounts_lookup (accounts, id);
  return account != NULL ? g_object_ref (account) : NULL;
}

/* The text of @buffer. (transfer full) */
static char *
buffer_text (GtkTextBuffer *buffer)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
set_signature (GtkWidget  *root,
               guint       nth,
               const char *text)
{
  GtkTextView *view = GTK_TEXT_VIEW (op_ui_test_find_nth_type (root, GTK_TYPE_TEXT_VIEW, nth));

  g_assert_nonnull (view);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text, -1);
}

static gboolean
editor_closed (gpointer data)
{
  return op_ui_test_find_toplevel (OP_TYPE_MAIL_ACCOUNT_EDITOR) == NULL;
}

/* Preferences' account editor: Work's servers, identities (one edited, one added, one
 * added then removed) and signatures are saved to the file, read back, and used by the
 * composer (From and signature); a bad address saves nothing. */
static void
test_preferences_edit (void)
{
  GtkWidget *widget = op_mail_view_new ();
  OpMailView *view = OP_MAIL_VIEW (widget);
  GtkWindow *window = window_with (widget);
  AdwPreferencesWindow *preferences;
  GtkWidget *page;
  GtkWidget *editor;
  GtkWindow *composer_window;
  OpMailComposer *composer;
  GListModel *from;
  g_autoptr (OpAccount) work = NULL;
  g_autoptr (GPtrArray) identities = NULL;
  g_autofree char *body = NULL;
  OpMailIdentity *identity;
  guint edited = G_MAXUINT, second = G_MAXUINT;

  g_assert_true (op_ui_test_wait_for (stores_open, view));
  page = op_mail_preferences_page_new (view);
  preferences = ADW_PREFERENCES_WINDOW (adw_preferences_window_new ());
  adw_preferences_window_add (preferences, ADW_PREFERENCES_PAGE (page));
  gtk_window_present (GTK_WINDOW (preferences));
  op_ui_test_iterate ();

  /* "Edit…" under Work opens its editor with what the file holds. */
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (op_ui_test_find_row (page, "Work")), TRUE);
  op_ui_test_iterate ();
  g_signal_emit_by_name (op_ui_test_find_button (op_ui_test_find_row (page, "Work"),
                                                 g_dgettext (GETTEXT_PACKAGE, "_Edit…")), "clicked");
  editor = GTK_WIDGET (op_ui_test_wait_for_toplevel (OP_TYPE_MAIL_ACCOUNT_EDITOR, TRUE));
  g_assert_nonnull (editor);
  op_ui_test_shoot ("mail-preferences-editor");
  g_assert_cmpstr (gtk_editable_get_text (op_ui_test_find_entry_row (editor, "Address")), ==, "me@example.test");

  /* Servers. */
  op_ui_test_fill (editor, "Server", 0, "imap.changed.test");
  op_ui_test_fill (editor, "Port", 0, "1993");
  adw_combo_row_set_selected (ADW_COMBO_ROW (op_ui_test_find_row (editor, "Security")), 1);
  op_ui_test_fill (editor, "Username", 0, "changed-user");
  op_ui_test_fill (editor, "Server", 1, "smtp.changed.test");
  op_ui_test_fill (editor, "Port", 1, "587");
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (op_ui_test_find_type (editor, GTK_TYPE_SWITCH))));
  gtk_switch_set_active (GTK_SWITCH (op_ui_test_find_type (editor, GTK_TYPE_SWITCH)), TRUE);
  /* Identities: the first renamed with a signature; two added, the last removed. */
  op_ui_test_fill (editor, "Name", 0, "Edited Name");
  set_signature (editor, 0, "Edited signature\nSecond line");
  g_signal_emit_by_name (op_ui_test_find_button (editor, "_Add Identity"), "clicked");
  g_signal_emit_by_name (op_ui_test_find_button (editor, "_Add Identity"), "clicked");
  op_ui_test_fill (editor, "Name", 1, "Second Me");
  op_ui_test_fill (editor, "Address", 1, "second@example.test");
  set_signature (editor, 1, "Second signature");
  op_ui_test_fill (editor, "Name", 2, "Gone");

  /* A bad address: said, and nothing saved. */
  op_ui_test_fill (editor, "Address", 2, "not an address");
  g_signal_emit_by_name (op_ui_test_find_button (editor, "_Save"), "clicked");
  op_ui_test_shoot ("mail-preferences-edit");
  g_assert_nonnull (op_ui_test_find_label_with_class (editor, "error"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (op_ui_test_find_label_with_class (editor, "error"))));
  work = saved_account (MAIL_TEST_ACCOUNT);
  identities = op_mail_account_dup_identities (work);
  g_assert_cmpuint (identities->len, ==, 1);
  g_clear_pointer (&identities, g_ptr_array_unref);
  g_assert_cmpstr (op_account_get_host (work), !=, "imap.changed.test");
  g_clear_object (&work);

  /* The third removed (its header's Remove button), then saved. */
  {
    GtkWidget *group = gtk_widget_get_ancestor (GTK_WIDGET (op_ui_test_find_nth_entry_row (editor, "Name", 2)),
                                                ADW_TYPE_PREFERENCES_GROUP);

    g_signal_emit_by_name (op_ui_test_find_button (group, "_Remove"), "clicked");
  }
  g_signal_emit_by_name (op_ui_test_find_button (editor, "_Save"), "clicked");
  g_assert_true (op_ui_test_wait_for (editor_closed, NULL));
  op_ui_test_assert_no_hidden_toplevel ();

  /* Read back from the file. */
  work = saved_account (MAIL_TEST_ACCOUNT);
  g_assert_cmpstr (op_account_get_host (work), ==, "imap.changed.test");
  g_assert_cmpuint (op_account_get_port (work), ==, 1993);
  g_assert_cmpint (op_account_get_security (work), ==, OP_SECURITY_STARTTLS);
  g_assert_cmpstr (op_account_get_user (work), ==, "changed-user");
  g_assert_cmpstr (op_mail_account_get_smtp_host (work), ==, "smtp.changed.test");
  g_assert_cmpuint (op_mail_account_get_smtp_port (work), ==, 587);
  g_assert_true (op_mail_account_get_server_saves_sent (work));
  identities = op_mail_account_dup_identities (work);
  g_assert_cmpuint (identities->len, ==, 2);
  identity = g_ptr_array_index (identities, 0);
  g_assert_cmpstr (identity->name, ==, "Edited Name");
  g_assert_cmpstr (identity->address, ==, "me@example.test");
  g_assert_cmpstr (identity->signature, ==, "Edited signature\nSecond line");
  identity = g_ptr_array_index (identities, 1);
  g_assert_cmpstr (identity->name, ==, "Second Me");
  g_assert_cmpstr (identity->address, ==, "second@example.test");
  g_assert_cmpstr (identity->signature, ==, "Second signature");

  /* Used: a new message offers both identities, each with its own signature. */
  g_assert_true (gtk_widget_activate_action (widget, "mail.compose", NULL));
  composer_window = op_ui_test_wait_for_toplevel (OP_TYPE_MAIL_COMPOSER_WINDOW, TRUE);
  composer = OP_MAIL_COMPOSER (op_ui_test_find_type (GTK_WIDGET (composer_window), OP_TYPE_MAIL_COMPOSER));
  from = gtk_drop_down_get_model (op_mail_composer_get_from_dropdown (composer));
  for (guint i = 0; i < g_list_model_get_n_items (from); i++)
    {
      g_autoptr (OpMailIdentityItem) item = g_list_model_get_item (from, i);

      g_assert_cmpstr (op_mail_identity_item_get_name (item), !=, "Me Myself");
      if (g_strcmp0 (op_mail_identity_item_get_name (item), "Edited Name") == 0)
        edited = i;
      if (g_strcmp0 (op_mail_identity_item_get_name (item), "Second Me") == 0)
        second = i;
    }
  g_assert_cmpuint (edited, !=, G_MAXUINT);
  g_assert_cmpuint (second, ==, edited + 1);
  gtk_drop_down_set_selected (op_mail_composer_get_from_dropdown (composer), edited);
  body = buffer_text (op_mail_composer_get_body (composer));
  g_assert_nonnull (strstr (body, "Edited signature\nSecond line"));
  g_clear_pointer (&body, g_free);
  gtk_drop_down_set_selected (op_mail_composer_get_from_dropdown (composer), second);
  body = buffer_text (op_mail_composer_get_body (composer));
  g_assert_nonnull (strstr (body, "Second signature"));
  g_assert_null (strstr (body, "Edited signature"));
  gtk_window_destroy (composer_window);

  gtk_window_destroy (GTK_WINDOW (preferences));
  op_ui_test_assert_no_hidden_toplevel ();
  close_window (window);
}

/* Preferences' Mail page: Work renamed in place (the file and the sidebar follow);
 * Home's "Remove…" asks first (Cancel keeps it), then Remove takes it out of the file,
 * off the Mail page (and the unified Inbox with it) and deletes its store. */
static void
test_preferences (void)
{
  GtkWidget *widget = op_mail_view_new ();
  OpMailView *view = OP_MAIL_VIEW (widget);
  GtkWindow *window = window_with (widget);
  AdwPreferencesWindow *preferences;
  GtkWidget *page;
  GtkEditable *name;
  GtkWidget *home_row;
  GtkWindow *dialog;
  g_autofree char *home_path = op_mail_store_default_path (MAIL_TEST_ACCOUNT_HOME);
  g_autoptr (OpAccount) work = NULL;
  g_autoptr (OpAccount) home = NULL;

  g_assert_true (op_ui_test_wait_for (stores_open, view));
  page = op_mail_preferences_page_new (view);
  preferences = ADW_PREFERENCES_WINDOW (adw_preferences_window_new ());
  adw_preferences_window_add (preferences, ADW_PREFERENCES_PAGE (page));
  gtk_window_present (GTK_WINDOW (preferences));
  op_ui_test_iterate ();

  /* Work's row comes first (the file's order): its name. */
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (op_ui_test_find_row (page, "Work")), TRUE);
  op_ui_test_iterate ();
  name = op_ui_test_find_entry_row (page, "Account Name");
  g_assert_cmpstr (gtk_editable_get_text (name), ==, "Work");
  gtk_editable_set_text (name, "Office");
  g_signal_emit_by_name (name, "apply");
  work = saved_account (MAIL_TEST_ACCOUNT);
  g_assert_cmpstr (op_account_get_name (work), ==, "Office");
  g_assert_nonnull (op_ui_test_find_label (op_mail_view_get_sidebar (view), "Office"));
  g_assert_null (op_ui_test_find_label (op_mail_view_get_sidebar (view), "Work"));
  g_assert_nonnull (op_ui_test_find_row (page, "Office"));

  /* Home: Remove asks; Cancel keeps everything. */
  home_row = op_ui_test_find_row (page, "Home");
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (home_row), TRUE);
  op_ui_test_iterate ();
  g_signal_emit_by_name (op_ui_test_find_button (home_row, "_Remove…"), "clicked");
  dialog = op_ui_test_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG, TRUE);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==, "Remove “Home”?");
  g_signal_emit_by_name (op_ui_test_find_button (GTK_WIDGET (dialog), "_Cancel"), "clicked");
  op_ui_test_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG, FALSE);
  home = saved_account (MAIL_TEST_ACCOUNT_HOME);
  g_assert_nonnull (home);
  g_assert_nonnull (op_mail_view_get_store (view, MAIL_TEST_ACCOUNT_HOME));

  /* Remove: gone from the file, the page, the disk; the unified Inbox with it. */
  g_assert_true (op_mail_view_select_unified_inbox (view));
  g_signal_emit_by_name (op_ui_test_find_button (home_row, "_Remove…"), "clicked");
  dialog = op_ui_test_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG, TRUE);
  g_signal_emit_by_name (op_ui_test_find_button (GTK_WIDGET (dialog), "_Remove"), "clicked");
  op_ui_test_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG, FALSE);
  g_clear_object (&home);
  home = saved_account (MAIL_TEST_ACCOUNT_HOME);
  g_assert_null (home);
  g_clear_object (&work);
  work = saved_account (MAIL_TEST_ACCOUNT);
  g_assert_nonnull (work);
  g_assert_null (op_mail_view_get_store (view, MAIL_TEST_ACCOUNT_HOME));
  g_assert_false (g_file_test (home_path, G_FILE_TEST_EXISTS));
  g_assert_null (op_ui_test_find_label (op_mail_view_get_sidebar (view), "Home"));
  g_assert_null (op_ui_test_find_row (page, "Home"));
  g_assert_false (op_mail_view_select_unified_inbox (view));
  g_assert_false (op_mail_view_get_unified (view));
  g_assert_cmpstr (op_mail_view_get_page (view), ==, "mail");

  gtk_window_destroy (GTK_WINDOW (preferences));
  op_ui_test_assert_no_hidden_toplevel ();
  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  op_ui_test_init (&argc, &argv);
  mail_test_fill_profile ();

  g_test_add_func ("/mail/organise/several-deleted-then-undone", test_delete_several_undo);
  g_test_add_func ("/mail/organise/move-by-menu", test_move_by_menu);
  g_test_add_func ("/mail/organise/drag-onto-folder", test_drag_onto_folder);
  g_test_add_func ("/mail/organise/archive-and-junk", test_archive_junk);
  /* Last: it adds a second account. */
  g_test_add_func ("/mail/organise/unified-inbox", test_unified_inbox);
  g_test_add_func ("/mail/organise/new-mail-notification", test_new_mail_notification);
  g_test_add_func ("/mail/organise/preferences-edit", test_preferences_edit);
  g_test_add_func ("/mail/organise/preferences-rename-remove", test_preferences);

  return op_ui_test_run ();
}
