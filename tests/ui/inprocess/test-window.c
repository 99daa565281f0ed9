/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include "op-application.h"
#include "op-ui-test-utils.h"
#include "op-window.h"

#define WELCOME "Welcome to Outpost"

/* A window as the application makes it, but without running the application: the
 * tests drive it directly. */
static OpWindow *
new_window (void)
{
  return g_object_ref (g_object_new (OP_TYPE_WINDOW, NULL));
}

static void
destroy_window (OpWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

static void
reset_settings (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);

  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
  g_settings_reset (settings, "window-maximized");
}

static void
test_files_is_first_view (void)
{
  OpWindow *window = new_window ();
  AdwViewStack *stack = op_window_get_view_stack (window);
  g_autoptr (GtkSelectionModel) pages = adw_view_stack_get_pages (stack);
  g_autoptr (AdwViewStackPage) first = NULL;
  GtkLabel *welcome;
  GtkWidget *files;

  gtk_window_present (GTK_WINDOW (window));
  op_ui_test_iterate ();

  /* The Files view is there from the start, first, and shown; the welcome page is not. */
  /* Files, Mail, News and the Console, from the view registry, in its order. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pages)), ==, 4);
  g_assert_true (op_window_get_has_views (window));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Outpost");
  first = g_list_model_get_item (G_LIST_MODEL (pages), 0);
  g_assert_cmpstr (adw_view_stack_page_get_name (first), ==, "files");
  g_assert_cmpstr (adw_view_stack_page_get_title (first), ==, "Files");
  files = op_window_get_view (window, "files");
  g_assert_true (adw_view_stack_page_get_child (first) == files);
  g_assert_true (gtk_widget_get_mapped (files));

  welcome = op_ui_test_find_label (GTK_WIDGET (window), WELCOME);
  g_assert_nonnull (welcome);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (welcome)));
  /* It no longer claims that no view exists. */
  g_assert_null (op_ui_test_find_label_containing (GTK_WIDGET (window),
                                                   "does not include any of them"));

  /* Mail is lazy: its page holds nothing (and no store is opened) until it is first
   * shown. */
  {
    g_autoptr (AdwViewStackPage) second = g_list_model_get_item (G_LIST_MODEL (pages), 1);
    GtkWidget *bin = adw_view_stack_page_get_child (second);

    g_assert_cmpstr (adw_view_stack_page_get_name (second), ==, "mail");
    g_assert_cmpstr (adw_view_stack_page_get_title (second), ==, "Mail");
    g_assert_null (adw_bin_get_child (ADW_BIN (bin)));
    op_window_show_view (window, "mail");
    op_ui_test_iterate ();
    g_assert_true (op_window_get_view (window, "mail") == adw_bin_get_child (ADW_BIN (bin)));
    g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (window), "No Mail Account"));
    op_window_show_view (window, "files");
    g_object_ref (bin);
    adw_view_stack_remove (stack, bin);
    g_object_unref (bin);
  }

  /* News is lazy too; a fresh profile shows how to add a server. */
  {
    g_autoptr (AdwViewStackPage) news = g_list_model_get_item (G_LIST_MODEL (pages), 1);
    GtkWidget *bin = adw_view_stack_page_get_child (news);

    g_assert_cmpstr (adw_view_stack_page_get_name (news), ==, "news");
    g_assert_cmpstr (adw_view_stack_page_get_title (news), ==, "News");
    g_assert_null (adw_bin_get_child (ADW_BIN (bin)));
    op_window_show_view (window, "news");
    op_ui_test_iterate ();
    g_assert_true (op_window_get_view (window, "news") == adw_bin_get_child (ADW_BIN (bin)));
    g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (window), "No News Servers"));
    op_window_show_view (window, "files");
    g_object_ref (bin);
    adw_view_stack_remove (stack, bin);
    g_object_unref (bin);
  }

  /* The Console is lazy too. */
  {
    g_autoptr (AdwViewStackPage) third = g_list_model_get_item (G_LIST_MODEL (pages), 1);
    GtkWidget *bin = adw_view_stack_page_get_child (third);

    g_assert_cmpstr (adw_view_stack_page_get_name (third), ==, "console");
    g_assert_cmpstr (adw_view_stack_page_get_title (third), ==, "Console");
    g_assert_null (adw_bin_get_child (ADW_BIN (bin)));
    op_window_show_view (window, "console");
    op_ui_test_iterate ();
    g_assert_nonnull (adw_bin_get_child (ADW_BIN (bin)));
    g_assert_true (op_window_get_view (window, "console") == adw_bin_get_child (ADW_BIN (bin)));
    g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (window), "No Console Sessions"));
    op_window_show_view (window, "files");
    g_object_ref (bin);
    adw_view_stack_remove (stack, bin);
    g_object_unref (bin);
  }

  /* The last view to go brings the welcome page back. */
  g_object_ref (files);
  adw_view_stack_remove (stack, files);
  op_ui_test_iterate ();
  g_assert_false (op_window_get_has_views (window));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (welcome)));
  g_object_unref (files);

  destroy_window (window);
}

static gboolean
bar_revealed (gpointer data)
{
  AdwViewSwitcherBar *bar = ADW_VIEW_SWITCHER_BAR (op_ui_test_find_type (data, ADW_TYPE_VIEW_SWITCHER_BAR));

  return adw_view_switcher_bar_get_reveal (bar);
}

static guint
count_toggle_buttons (GtkWidget *widget)
{
  guint n = GTK_IS_TOGGLE_BUTTON (widget) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_toggle_buttons (child);
  return n;
}

static gboolean
widget_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* The bottom switcher is given the views only when a narrow window first needs it (a
 * wide window's first frame does without its buttons); then it switches views. */
static void
test_narrow_switcher_bar (void)
{
  OpWindow *window = new_window ();
  AdwViewSwitcherBar *bar = ADW_VIEW_SWITCHER_BAR (op_ui_test_find_type (GTK_WIDGET (window), ADW_TYPE_VIEW_SWITCHER_BAR));

  gtk_window_set_default_size (GTK_WINDOW (window), 1120, 740);
  gtk_window_present (GTK_WINDOW (window));
  op_ui_test_iterate ();
  g_assert_false (adw_view_switcher_bar_get_reveal (bar));
  g_assert_null (adw_view_switcher_bar_get_stack (bar));

  gtk_window_set_default_size (GTK_WINDOW (window), 360, 600);
  g_assert_true (op_ui_test_wait_for (bar_revealed, window));
  g_assert_true (adw_view_switcher_bar_get_stack (bar) == op_window_get_view_stack (window));
  /* On screen, with a button per view. */
  g_assert_true (op_ui_test_wait_for (widget_mapped, bar));
  g_assert_cmpuint (count_toggle_buttons (GTK_WIDGET (bar)), ==, 4);

  destroy_window (window);
}

static void
test_primary_menu (void)
{
  OpWindow *window = new_window ();
  GtkMenuButton *button;
  GMenuModel *menu;
  g_autoptr (GPtrArray) actions = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);

  button = GTK_MENU_BUTTON (op_ui_test_find_type (GTK_WIDGET (window), GTK_TYPE_MENU_BUTTON));
  g_assert_nonnull (button);
  g_assert_true (gtk_menu_button_get_primary (button));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (button)), ==, "Main Menu");

  menu = gtk_menu_button_get_menu_model (button);
  g_assert_nonnull (menu);
  for (int s = 0; s < g_menu_model_get_n_items (menu); s++)
    {
      g_autoptr (GMenuModel) section = g_menu_model_get_item_link (menu, s, G_MENU_LINK_SECTION);

      for (int i = 0; section != NULL && i < g_menu_model_get_n_items (section); i++)
        {
          char *action = NULL;
          char *label = NULL;

          g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_ACTION, "s", &action);
          g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_LABEL, "s", &label);
          g_ptr_array_add (actions, action);
          g_ptr_array_add (labels, label);
        }
    }

  g_assert_cmpuint (actions->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (actions, 0), ==, "app.preferences");
  g_assert_cmpstr (g_ptr_array_index (labels, 0), ==, "_Preferences");
  g_assert_cmpstr (g_ptr_array_index (actions, 1), ==, "app.shortcuts");
  g_assert_cmpstr (g_ptr_array_index (labels, 1), ==, "_Keyboard Shortcuts");
  g_assert_cmpstr (g_ptr_array_index (actions, 2), ==, "app.about");
  g_assert_cmpstr (g_ptr_array_index (labels, 2), ==, "_About Outpost");

  destroy_window (window);
}

static void
test_size_restored (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  OpWindow *window;
  int width, height;

  reset_settings ();
  g_settings_set_int (settings, "window-width", 700);
  g_settings_set_int (settings, "window-height", 500);

  window = new_window ();
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 700);
  g_assert_cmpint (height, ==, 500);
  g_assert_false (gtk_window_is_maximized (GTK_WINDOW (window)));

  /* The user resizes the window, then closes it. */
  gtk_window_present (GTK_WINDOW (window));
  gtk_window_set_default_size (GTK_WINDOW (window), 820, 610);
  op_ui_test_iterate ();
  gtk_window_close (GTK_WINDOW (window));
  op_ui_test_iterate ();

  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 820);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 610);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
  g_object_unref (window); /* closing destroyed it */

  /* The next window opens at that size. */
  window = new_window ();
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 820);
  g_assert_cmpint (height, ==, 610);
  destroy_window (window);
}

static void
test_maximized_keeps_size (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  OpWindow *window;
  int width, height;

  reset_settings ();
  g_settings_set_int (settings, "window-width", 640);
  g_settings_set_int (settings, "window-height", 480);
  g_settings_set_boolean (settings, "window-maximized", TRUE);

  /* The window asks to be maximized when it is shown; whether it is depends on the
   * window manager (Xvfb has none), but the size to unmaximize to is the stored one. */
  window = new_window ();
  gtk_window_present (GTK_WINDOW (window));
  op_ui_test_iterate ();
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 640);
  g_assert_cmpint (height, ==, 480);

  /* Closed unmaximized, it remembers that too. */
  gtk_window_close (GTK_WINDOW (window));
  op_ui_test_iterate ();
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 640);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 480);
  g_object_unref (window);

  reset_settings ();
}

static void
test_message_is_shown (void)
{
  OpWindow *window = new_window ();
  const char *message = "Outpost can't open “ftp://x/?a=1&b=<2>”: something";
  GtkLabel *label;

  gtk_window_present (GTK_WINDOW (window));
  op_window_show_message (window, message);
  op_ui_test_iterate ();

  /* Shown as written, even with markup characters in it. */
  label = op_ui_test_find_label (GTK_WIDGET (window), message);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (label)));

  destroy_window (window);
}

int
main (int   argc,
      char *argv[])
{
  op_ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/window/files-is-first-view", test_files_is_first_view);
  g_test_add_func ("/ui/window/narrow-switcher-bar", test_narrow_switcher_bar);
  g_test_add_func ("/ui/window/primary-menu", test_primary_menu);
  g_test_add_func ("/ui/window/size-restored", test_size_restored);
  g_test_add_func ("/ui/window/maximized-keeps-size", test_maximized_keeps_size);
  g_test_add_func ("/ui/window/message-is-shown", test_message_is_shown);

  return op_ui_test_run ();
}
