/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include <locale.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "news-test-data.h"
#include "news/op-news-draft.h"
#include "op-news-article-view.h"
#include "op-news-composer.h"
#include "op-ui-resources.h"
#include "op-news-groups-dialog.h"
#include "op-news-server-dialog.h"
#include "op-news-view.h"

/*
 * Not a test: shows the News view's screens one after the other with a store filled as
 * the tests fill it, and saves each as OUTDIR/news-NAME.png (`import -window root`), so
 * they can be looked at. Run under the test display:
 *
 *   tests/ui/run-with-display.sh _build/tests/ui/inprocess/news-screens OUTDIR [WIDTH]
 *
 * with ADW_DEBUG_COLOR_SCHEME=prefer-dark for dark, LANGUAGE=zh_CN for Chinese
 * (OUTPOST_LOCALEDIR: the build's po folder; LC_ALL=C.UTF-8 without a zh_CN locale), and WIDTH
 * 360 for a narrow window.
 */

static const char *outdir;
static int         width = 1100;

static const char article_text[] = "From: Ben <ben@example.test>\r\n"
                                   "Newsgroups: local.small\r\n"
                                   "Subject: Re: First thread\r\n"
                                   "Date: Tue, 14 Nov 2023 22:14:20 +0000\r\n"
                                   "Message-ID: <2@test.example>\r\n"
                                   "References: <1@test.example>\r\n"
                                   "\r\n"
                                   "Anna <anna@example.test> wrote:\r\n"
                                   "> Does anyone still run a news server at home?\r\n"
                                   "> > I heard INN is easy to set up.\r\n"
                                   "\r\n"
                                   "I do, with INN 2.7 on a small box. The docs are at "
                                   "https://www.eyrie.org/~eagle/software/inn/\r\n"
                                   "and the rot13 spoiler: Vg gnxrf na nsgreabba.\r\n"
                                   "\r\n"
                                   "-- \r\n"
                                   "Ben, posting from a terminal since 1994\r\n";

static void
wait_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (10000);
}

static void
shoot (const char *name)
{
  g_autofree char *file = g_strdup_printf ("%s/news-%s.png", outdir, name);
  g_autofree char *command
      = g_strdup_printf ("import -window root -crop %dx760+0+0 %s", width, file);
  g_autoptr (GError) error = NULL;

  wait_ms (1500);
  if (!g_spawn_command_line_sync (command, NULL, NULL, NULL, &error))
    g_error ("%s", error->message);
  g_print ("%s\n", file);
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

static void
opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(gboolean *)user_data = op_news_store_finish (OP_NEWS_STORE (source), result, NULL);
}

int
main (int argc, char *argv[])
{
  g_autoptr (OpAccount) account = NULL;
  g_autoptr (OpNewsServer) server = NULL;
  g_autoptr (GBytes) article = g_bytes_new_static (article_text, sizeof article_text - 1);
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  gboolean         open = FALSE;
  GtkWindow       *window;
  OpNewsView      *view;

  setlocale (LC_ALL, "");
  if (g_getenv ("OUTPOST_LOCALEDIR") != NULL)
    bindtextdomain (GETTEXT_PACKAGE, g_getenv ("OUTPOST_LOCALEDIR"));
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  if (argc < 2)
    g_error ("usage: news-screens OUTDIR [WIDTH]");
  outdir = argv[1];
  if (argc > 2)
    width = atoi (argv[2]);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  adw_init ();

  dir = g_dir_make_tmp ("news-screens-XXXXXX", NULL);
  path = g_build_filename (dir, "news.sqlite", NULL);
  account = op_account_new (OP_ACCOUNT_KIND_NEWS, NULL);
  op_account_set_host (account, "127.0.0.1");
  op_account_set_port (account, 9);
  op_account_set_security (account, OP_SECURITY_NONE);
  op_account_set_name (account, "news.example.test");
  server = op_news_server_new (account, path);
  op_news_store_open_async (op_news_server_get_store (server), NULL, opened, &open);
  while (!open)
    g_main_context_iteration (NULL, TRUE);
  news_test_fill_small (op_news_server_get_store (server));
  news_test_add_group (op_news_server_get_store (server), "local.empty", 0);

  view = OP_NEWS_VIEW (op_news_view_new ());
  window = window_with (GTK_WIDGET (view));
  shoot ("no-servers");

  op_news_view_add_server (view, server);
  wait_ms (300);
  shoot ("no-group");

  op_news_view_open_group (view, server, "local.empty");
  shoot ("no-articles");

  op_news_view_open_group (view, server, "local.small");
  wait_ms (500);
  op_news_view_select (view, 1);
  wait_ms (800);
  shoot ("fetch-error");

  op_news_article_view_set_article (OP_NEWS_ARTICLE_VIEW (op_news_view_get_article_view (view)),
                                    article);
  op_news_thread_list_set_expanded (op_news_view_get_thread_list (view), 4, FALSE);
  shoot ("reader");

  /* Collapse All with a reply selected: its thread's first row takes the selection; the
   * expanders point right. */
  op_news_view_select (view, 2);
  wait_ms (300);
  gtk_widget_activate_action (GTK_WIDGET (view), "news.collapse-all", NULL);
  shoot ("collapse-all");
  gtk_widget_activate_action (GTK_WIDGET (view), "news.expand-all", NULL);

  {
    OpNewsGroupsDialog *groups = op_news_groups_dialog_new (window, server);

    gtk_window_present (GTK_WINDOW (groups));
    shoot ("groups");
    gtk_window_destroy (GTK_WINDOW (groups));
  }
  {
    OpNewsServerDialog *dialog = op_news_server_dialog_new (window, NULL);

    gtk_window_present (GTK_WINDOW (dialog));
    shoot ("add-server");
    gtk_window_destroy (GTK_WINDOW (dialog));
  }

  {
    g_autoptr (OpNewsDraft) draft = op_news_draft_new_followup (article, NULL);
    OpNewsComposer *composer = op_news_composer_new (window, server, draft);

    gtk_window_present (GTK_WINDOW (composer));
    shoot ("composer");
    gtk_editable_set_text (op_news_composer_get_from_entry (composer), "Ann <ann>");
    gtk_widget_activate_action (GTK_WIDGET (composer), "composer.post", NULL);
    shoot ("composer-error");
    gtk_window_destroy (GTK_WINDOW (composer));
  }
  {
    g_autoptr (GtkBuilder) builder = NULL;
    GtkWindow *shortcuts;

    _op_ui_ensure_resources ();
    builder = gtk_builder_new_from_resource ("/io/github/outpost/Outpost/op-help-overlay.ui");
    shortcuts = GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
    g_object_set (shortcuts, "section-name", "news", NULL);
    gtk_window_present (shortcuts);
    shoot ("shortcuts");
    gtk_window_destroy (shortcuts);
  }

  gtk_window_destroy (window);
  wait_ms (200);
  return 0;
}
