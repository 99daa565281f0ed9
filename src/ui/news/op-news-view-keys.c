/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-ui"

/* The News view's keys, as in Pan (issue 15, "Keyboard, as in Pan"). */

#include "config.h"

#include <glib/gi18n.h>

#include "op-news-view-private.h"

static void
next_unread (OpNewsView *self, gboolean next_thread)
{
  guint u;

  if (self->list == NULL)
    return;
  u = op_news_thread_list_next_unread (self->list, _op_news_view_selected_position (self),
                                       next_thread);
  if (u == G_MAXUINT)
    {
      _op_news_view_toast (self, next_thread ? _ ("No more unread threads in this group")
                               : _ ("No more unread articles in this group"));
      return;
    }
  op_news_view_select (self, u);
}

static void
next_unread_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  next_unread (OP_NEWS_VIEW (widget), FALSE);
}

static void
next_unread_thread_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  next_unread (OP_NEWS_VIEW (widget), TRUE);
}

static void
previous_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  OpNewsView *self = OP_NEWS_VIEW (widget);
  guint       v;

  if (self->selection == NULL)
    return;
  v = gtk_single_selection_get_selected (self->selection);
  if (v == GTK_INVALID_LIST_POSITION || v == 0)
    return;
  op_news_view_select (self, op_news_thread_list_to_model (self->list, v - 1));
}

static void
read_more_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  OpNewsView *self = OP_NEWS_VIEW (widget);

  if (!op_news_article_view_page_down (self->article_view))
    next_unread (self, FALSE);
}

static void
toggle_read_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  OpNewsView *self = OP_NEWS_VIEW (widget);
  g_autoptr (OpNewsHeader) header = NULL;
  guint u = _op_news_view_selected_position (self);

  if (u == G_MAXUINT)
    return;
  header = g_list_model_get_item (G_LIST_MODEL (op_news_thread_list_get_model (self->list)), u);
  if (header != NULL)
    _op_news_view_set_read (self, u, !op_news_thread_list_is_read (self->list, header));
}

static void
mark_thread_read_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  OpNewsView *self = OP_NEWS_VIEW (widget);
  g_autoptr (OpNewsHeader) first = NULL;
  guint u = _op_news_view_selected_position (self);
  guint start, n_rows;

  if (u == G_MAXUINT)
    return;
  op_news_thread_list_thread_bounds (self->list, u, &start, &n_rows);
  first = g_list_model_get_item (G_LIST_MODEL (op_news_thread_list_get_model (self->list)), u);
  if (first == NULL)
    return;
  op_news_thread_list_set_read (self->list, start, n_rows, TRUE);
  op_news_store_mark_thread_read_async (op_news_server_get_store (self->server), self->group,
                                        op_news_header_get_number (first), TRUE, NULL,
                                        _op_news_view_store_write_done, g_object_ref (self));
}

static void
catch_up_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  OpNewsView *self = OP_NEWS_VIEW (widget);

  if (self->list == NULL)
    return;
  op_news_thread_list_set_all_read (self->list);
  op_news_store_catch_up_async (op_news_server_get_store (self->server), self->group, NULL,
                                _op_news_view_store_write_done, g_object_ref (self));
}

static void
expand_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  OpNewsView *self = OP_NEWS_VIEW (widget);
  guint       v;

  if (self->selection == NULL
      || (v = gtk_single_selection_get_selected (self->selection)) == GTK_INVALID_LIST_POSITION)
    return;
  op_news_thread_list_set_expanded (self->list, v, g_variant_get_boolean (parameter));
}

/* The single-letter keys act unless a text field has the focus. */
static gboolean
shortcut_cb (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  GtkRoot    *root = gtk_widget_get_root (widget);
  GtkWidget  *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  const char *action = user_data;

  if (focus != NULL && GTK_IS_EDITABLE (focus) && !g_str_equal (action, "news.post-article"))
    return FALSE;
  if (g_str_equal (action, "news.expand") || g_str_equal (action, "news.collapse"))
    {
      /* Left and Right move in the article and the sidebar as usual. */
      if (focus == NULL
          || !gtk_widget_is_ancestor (focus, GTK_WIDGET (OP_NEWS_VIEW (widget)->header_list)))
        return FALSE;
      return gtk_widget_activate_action (widget, "news.set-expanded", "b",
                                         g_str_equal (action, "news.expand"));
    }
  return gtk_widget_activate_action (widget, action, NULL);
}

static void
add_shortcut (GtkShortcutController *controller, guint key, GdkModifierType mods,
              const char *action)
{
  gtk_shortcut_controller_add_shortcut (
      controller, gtk_shortcut_new (gtk_keyval_trigger_new (key, mods),
                                    gtk_callback_action_new (shortcut_cb, (gpointer)action, NULL)));
}

void
_op_news_view_keys_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "news.next-unread", NULL, next_unread_action);
  gtk_widget_class_install_action (widget_class, "news.next-unread-thread", NULL,
                                   next_unread_thread_action);
  gtk_widget_class_install_action (widget_class, "news.previous", NULL, previous_action);
  gtk_widget_class_install_action (widget_class, "news.read-more", NULL, read_more_action);
  gtk_widget_class_install_action (widget_class, "news.toggle-read", NULL, toggle_read_action);
  gtk_widget_class_install_action (widget_class, "news.mark-thread-read", NULL,
                                   mark_thread_read_action);
  gtk_widget_class_install_action (widget_class, "news.catch-up", NULL, catch_up_action);
  gtk_widget_class_install_action (widget_class, "news.set-expanded", "b", expand_action);
}

void
_op_news_view_keys_init (OpNewsView *self)
{
  GtkEventController *shortcuts;

  /* Before the list: Space would select the row, not page the article (Pan). */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_space, 0, "news.read-more");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_n, 0, "news.next-unread");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_N, GDK_SHIFT_MASK,
                "news.next-unread-thread");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_p, 0, "news.previous");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_m, 0, "news.toggle-read");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_k, 0, "news.mark-thread-read");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_C, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                "news.catch-up");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_f, 0, "news.followup");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_r, 0, "news.reply-by-mail");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_n, GDK_CONTROL_MASK,
                "news.post-article");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_Right, 0, "news.expand");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_Left, 0, "news.collapse");
  /* None of Pan's keys (issue 15): Thunderbird's * and \ for the same. */
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_asterisk, 0, "news.expand-all");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_KP_Multiply, 0, "news.expand-all");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), GDK_KEY_backslash, 0, "news.collapse-all");
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
}
