/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include <locale.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "op-mail-account-setup.h"
#include "op-mail-composer.h"
#include "op-mail-composer-window.h"
#include "op-mail-conversation-view.h"
#include "op-mail-identity-item.h"
#include "op-mail-message-view.h"
#include "op-accounts.h"
#include "op-mail-preferences-page.h"
#include "op-mail-view.h"
#include "mail-test-data.h"

/*
 * Not a test: shows the Mail view's screens one after the other with the messages of
 * tests/data/mail/view/ and saves each as OUTDIR/mail-NAME.png (`import -window root`),
 * so they can be looked at. Run under the test display:
 *
 *   tests/ui/run-with-display.sh _build/tests/ui/inprocess/mail-screens OUTDIR [WIDTH]
 *
 * with ADW_DEBUG_COLOR_SCHEME=prefer-dark for dark, LANG=C.UTF-8 LANGUAGE=zh_CN for Chinese
 * (OUTPOST_LOCALEDIR: the build's po folder), and WIDTH 360 for a narrow window.
 * The Mail page is shown last, in a throwaway profile: first without an account, then
 * with the store of mail_test_fill_profile() (the Inbox, a conversation, a search).
 */

static const char *outdir;
static int width = 900;

static OpMimeMessage *
load (const char *name,
      GBytes    **source)
{
  *source = mail_test_load (name, 1);
  return mail_test_parse (*source);
}

static void
wait_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10000);
    }
}

static void
save_screen (const char *name)
{
  g_autofree char *file = g_strdup_printf ("%s/mail-%s.png", outdir, name);
  g_autofree char *command = g_strdup_printf ("import -window root -crop %dx760+0+0 %s", width, file);
  g_autoptr (GError) error = NULL;

  if (!g_spawn_command_line_sync (command, NULL, NULL, NULL, &error))
    g_error ("%s", error->message);
  g_print ("%s\n", file);
}

static void
shoot (GtkWindow  *window,
       const char *name)
{
  wait_ms (1500);
  save_screen (name);
  if (window != NULL)
    gtk_window_destroy (window);
  wait_ms (200);
}

static GtkWindow *
window_with (GtkWidget *child)
{
  GtkWindow *window = GTK_WINDOW (adw_window_new ());
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_widget_set_vexpand (child, TRUE);
  gtk_box_append (GTK_BOX (box), child);
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_set_default_size (window, width, 760);
  gtk_window_present (window);
  return window;
}

static GtkWidget *
find_type (GtkWidget *widget,
           GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_type (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_button_labelled (GtkWidget  *widget,
                      const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button_labelled (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The first entry row titled @title that is on screen. */
static gboolean
set_row (GtkWidget  *widget,
         const char *title,
         const char *text)
{
  if (ADW_IS_ENTRY_ROW (widget) && gtk_widget_get_mapped (widget)
      && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    {
      gtk_editable_set_text (GTK_EDITABLE (widget), text);
      return TRUE;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (set_row (child, title, text))
      return TRUE;
  return FALSE;
}

static void
select_conversation (OpMailView *page,
                     const char *subject)
{
  GtkSelectionModel *model = gtk_list_view_get_model (op_mail_view_get_list_view (page));

  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr (OpMailConversation) item = g_list_model_get_item (G_LIST_MODEL (model), i);

      if (g_str_has_suffix (op_mail_conversation_get_subject (item), subject))
        {
          gtk_selection_model_select_item (model, i, TRUE);
          g_signal_emit_by_name (op_mail_view_get_list_view (page), "activate", i);
          return;
        }
    }
  g_error ("no conversation \"%s\" in the list", subject);
}

static void
shoot_page (void)
{
  GtkWidget *page = op_mail_view_new ();
  GtkWindow *window = window_with (page);

  wait_ms (300);
  shoot (NULL, "page-empty");

  /* The set-up over it: the first page, then the manual one with an error. */
  {
    GtkWindow *setup;
    g_autoptr (GList) toplevels = NULL;

    gtk_widget_activate_action (page, "mail.add-account", NULL);
    toplevels = gtk_window_list_toplevels ();
    setup = NULL;
    for (GList *l = toplevels; l != NULL; l = l->next)
      if (OP_IS_MAIL_ACCOUNT_SETUP (l->data))
        setup = l->data;
    g_assert (setup != NULL);
    wait_ms (300);
    set_row (GTK_WIDGET (setup), "Your Name", "Anna Example");
    set_row (GTK_WIDGET (setup), "Email Address", "anna@example.org");
    set_row (GTK_WIDGET (setup), "Password", "secret");
    shoot (NULL, "setup");
    g_signal_emit_by_name (find_button_labelled (GTK_WIDGET (setup), "Set Up _Manually"), "clicked");
    wait_ms (300);
    set_row (GTK_WIDGET (setup), "Server", "imap.example.org");
    set_row (GTK_WIDGET (setup), "Port", "99999");
    g_signal_emit_by_name (find_button_labelled (GTK_WIDGET (setup), "_Test and Save"), "clicked");
    shoot (setup, "setup-manual-error");
  }
  gtk_window_destroy (window);

  mail_test_fill_profile ();
  page = op_mail_view_new ();
  window = window_with (page);
  wait_ms (1000);
  if (width < 700)
    {
      /* Narrow: the sidebar first, then the list, then the conversation. */
      shoot (NULL, "page-sidebar");
      adw_leaflet_set_visible_child_name (ADW_LEAFLET (find_type (page, ADW_TYPE_LEAFLET)), "list");
      shoot (NULL, "page-list");
    }
  select_conversation (OP_MAIL_VIEW (page), "Plans for the release");
  shoot (NULL, "page");
  /* Reply (Ctrl+R) opens the composer in a window of its own. */
  {
    g_autoptr (GList) toplevels = NULL;
    GtkWindow *composer = NULL;

    gtk_widget_activate_action (page, "mail.reply-all", NULL);
    toplevels = gtk_window_list_toplevels ();
    for (GList *l = toplevels; l != NULL; l = l->next)
      if (OP_IS_MAIL_COMPOSER_WINDOW (l->data))
        composer = l->data;
    g_assert (composer != NULL);
    gtk_window_set_default_size (composer, width, 700);
    shoot (composer, "composer-window");
  }
  gtk_widget_activate_action (page, "mail.search", NULL);
  wait_ms (100);
  gtk_editable_set_text (GTK_EDITABLE (gtk_window_get_focus (window)), "Friday");
  shoot (window, "page-search");
}

static GtkMenuButton *
find_move_button (GtkWidget *widget)
{
  if (GTK_IS_MENU_BUTTON (widget)
      && g_strcmp0 (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget)), "folder-symbolic") == 0)
    return GTK_MENU_BUTTON (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkMenuButton *found = find_move_button (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Organising: two conversations selected with the "Move To" menu open, the toast of
 * their move to Trash, (with a second account) the unified Inbox, and Preferences' Mail
 * page. */
static void
shoot_organise (void)
{
  GtkWidget *page = op_mail_view_new ();
  GtkWindow *window = window_with (page);
  AdwLeaflet *leaflet;
  GtkSelectionModel *model;

  wait_ms (1000);
  leaflet = ADW_LEAFLET (find_type (page, ADW_TYPE_LEAFLET));
  adw_leaflet_set_visible_child_name (leaflet, "list");
  model = gtk_list_view_get_model (op_mail_view_get_list_view (OP_MAIL_VIEW (page)));
  gtk_selection_model_select_item (model, 0, TRUE);
  gtk_selection_model_select_item (model, 1, FALSE);
  wait_ms (300);
  gtk_menu_button_popup (find_move_button (page));
  shoot (NULL, "page-move-menu");
  gtk_menu_button_popdown (find_move_button (page));
  gtk_widget_activate_action (page, "mail.trash", NULL);
  shoot (NULL, "page-undo-toast");
  gtk_widget_activate_action (page, "mail.undo-move", NULL);
  wait_ms (500);
  gtk_window_destroy (window);

  mail_test_fill_second_account ();
  page = op_mail_view_new ();
  window = window_with (page);
  wait_ms (1000);
  op_mail_view_select_unified_inbox (OP_MAIL_VIEW (page));
  shoot (NULL, "page-unified");
  adw_leaflet_set_visible_child_name (ADW_LEAFLET (find_type (page, ADW_TYPE_LEAFLET)), "list");
  shoot (NULL, "page-unified-list");

  /* Preferences' Mail page, the first account open. */
  {
    GtkWidget *mail = op_mail_preferences_page_new (OP_MAIL_VIEW (page));
    AdwPreferencesWindow *preferences = ADW_PREFERENCES_WINDOW (adw_preferences_window_new ());
    GtkWidget *row = find_type (mail, ADW_TYPE_EXPANDER_ROW);

    adw_preferences_window_add (preferences, ADW_PREFERENCES_PAGE (mail));
    adw_preferences_window_set_visible_page (preferences, ADW_PREFERENCES_PAGE (mail));
    gtk_window_set_default_size (GTK_WINDOW (preferences), width, 760);
    if (row != NULL)
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
    gtk_window_present (GTK_WINDOW (preferences));
    shoot (NULL, "preferences");
    /* Its editor: servers, then (scrolled down) the identities with their signatures. */
    {
      g_autoptr (OpAccounts) accounts = op_accounts_new_default ();
      OpMailAccountEditor *editor;
      GtkWidget *scroller;

      op_accounts_load (accounts, NULL);
      editor = op_mail_preferences_page_edit_account (OP_MAIL_PREFERENCES_PAGE (mail), MAIL_TEST_ACCOUNT);
      gtk_window_set_default_size (GTK_WINDOW (editor), MIN (width, 560), 760);
      shoot (NULL, "preferences-editor");
      scroller = find_type (GTK_WIDGET (editor), GTK_TYPE_SCROLLED_WINDOW);
      if (scroller != NULL)
        {
          GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));

          gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
        }
      shoot (GTK_WINDOW (editor), "preferences-editor-identities");
    }
    gtk_window_destroy (GTK_WINDOW (preferences));
  }
  gtk_window_destroy (window);
}

static GtkWidget *
scrolled (GtkWidget *child)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), child);
  return scroller;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GListStore) identities = NULL;
  g_autoptr (OpMailIdentityItem) me = NULL;
  g_autoptr (GBytes) plain_source = NULL;
  g_autoptr (GBytes) html_source = NULL;
  g_autoptr (GBytes) files_source = NULL;
  g_autoptr (OpMimeMessage) plain = NULL;
  g_autoptr (OpMimeMessage) html = NULL;
  g_autoptr (OpMimeMessage) files = NULL;
  GtkWidget *view;

  setlocale (LC_ALL, "");
  if (g_getenv ("OUTPOST_LOCALEDIR") != NULL)
    bindtextdomain (GETTEXT_PACKAGE, g_getenv ("OUTPOST_LOCALEDIR"));
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  if (argc < 2)
    g_error ("usage: mail-screens OUTDIR [WIDTH]");
  outdir = argv[1];
  if (argc > 2)
    width = atoi (argv[2]);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("OUTPOST_MAIL_MODULE_DIR", OUTPOST_BUILD_UI_DIR, FALSE);
  {
    g_autofree char *profile = g_dir_make_tmp ("outpost-mail-screens-XXXXXX", NULL);
    const char *names[] = { "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME" };

    /* Kept, so the filled profile can be opened in the app too. */
    g_print ("profile: %s\n", profile);
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *dir = g_build_filename (profile, names[i], NULL);

        g_setenv (names[i], dir, TRUE);
      }
  }
  gtk_init ();
  adw_init ();

  identities = g_list_store_new (OP_TYPE_MAIL_IDENTITY_ITEM);
  me = op_mail_identity_item_new ("acct-1", "Me Myself", "me@example.test", "Me Myself\nExample Ltd.");
  g_list_store_append (identities, me);
  plain = load ("plain-quoted.eml", &plain_source);
  html = load ("html-remote.eml", &html_source);
  files = load ("hostile-attachments.eml", &files_source);

  view = op_mail_message_view_new ();
  op_mail_message_view_set_identities (OP_MAIL_MESSAGE_VIEW (view), G_LIST_MODEL (identities));
  op_mail_message_view_set_message (OP_MAIL_MESSAGE_VIEW (view), plain, plain_source);
  shoot (window_with (scrolled (view)), "message-plain");

  view = op_mail_message_view_new ();
  op_mail_message_view_set_message (OP_MAIL_MESSAGE_VIEW (view), html, html_source);
  {
    GtkWindow *window = window_with (scrolled (view));
    OpMailHtmlView *html_view = op_mail_message_view_get_html_view (OP_MAIL_MESSAGE_VIEW (view));

    /* The first HTML message: its text while WebKit starts (when it is still starting
     * once the window is drawn), then the HTML. */
    wait_ms (300);
    if (!op_mail_html_view_get_loaded (html_view))
      save_screen ("message-html-meanwhile");
    shoot (window, "message-html");
  }

  view = op_mail_conversation_view_new ();
  op_mail_conversation_view_add_message (OP_MAIL_CONVERSATION_VIEW (view), plain, plain_source);
  op_mail_conversation_view_add_message (OP_MAIL_CONVERSATION_VIEW (view), html, html_source);
  op_mail_conversation_view_add_message (OP_MAIL_CONVERSATION_VIEW (view), files, files_source);
  shoot (window_with (view), "conversation");

  view = op_mail_composer_new ();
  op_mail_composer_set_identities (OP_MAIL_COMPOSER (view), G_LIST_MODEL (identities));
  op_mail_composer_start_reply (OP_MAIL_COMPOSER (view), plain, OP_MIME_REPLY_ALL);
  {
    g_autofree char *path = g_build_filename (OUTPOST_TEST_DATA_DEFAULT, "mail", "view", "README.md", NULL);
    g_autoptr (GFile) file = g_file_new_for_path (path);

    op_mail_composer_add_file (OP_MAIL_COMPOSER (view), file);
  }
  shoot (window_with (view), "composer-reply");

  {
    GtkWindow *window;

    view = op_mail_message_view_new ();
    op_mail_message_view_set_message (OP_MAIL_MESSAGE_VIEW (view), plain, plain_source);
    window = window_with (scrolled (view));
    wait_ms (500);
    op_mail_message_view_show_source (OP_MAIL_MESSAGE_VIEW (view));
    shoot (NULL, "source");
    gtk_window_destroy (window);
  }

  shoot_page ();
  shoot_organise ();
  return 0;
}
