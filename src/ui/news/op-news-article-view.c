/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "op-mail-plain-text.h"
#include "op-mime-address.h"
#include "op-mime-message.h"
#include "op-ui-resources.h"
#include "op-news-article-view.h"

struct _OpNewsArticleView
{
  GtkWidget parent_instance;

  GtkStack          *stack;
  GtkSpinner        *spinner;
  AdwStatusPage     *error_page;
  GtkLabel          *subject_label;
  GtkLabel          *from_label;
  GtkLabel          *newsgroups_label;
  GtkLabel          *date_label;
  GtkToggleButton   *headers_button;
  GtkToggleButton   *rot13_button;
  GtkToggleButton   *source_button;
  GtkRevealer       *headers_revealer;
  GtkLabel          *headers_label;
  GtkScrolledWindow *scroller;
  GtkTextView       *text_view;

  GBytes *article;
  char   *body;
};

G_DEFINE_FINAL_TYPE (OpNewsArticleView, op_news_article_view, GTK_TYPE_WIDGET)

char *
op_news_rot13 (const char *text)
{
  char *out = g_strdup (text);

  for (char *p = out; *p != '\0'; p++)
    {
      if (*p >= 'a' && *p <= 'z')
        *p = 'a' + (*p - 'a' + 13) % 26;
      else if (*p >= 'A' && *p <= 'Z')
        *p = 'A' + (*p - 'A' + 13) % 26;
    }
  return out;
}

/* The article as text: UTF-8 or not, CRLF or not, a NUL from the server included. */
static char *
article_text (GBytes *article)
{
  gsize            size;
  const char      *data = g_bytes_get_data (article, &size);
  g_autofree char *valid = g_utf8_make_valid (data != NULL ? data : "", size);
  GString         *text = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p++)
    if (!(p[0] == '\r' && p[1] == '\n'))
      g_string_append_c (text, *p);
  return g_string_free (text, FALSE);
}

static void
update_body (OpNewsArticleView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);

  if (self->article == NULL)
    {
      gtk_text_buffer_set_text (buffer, "", 0);
      return;
    }
  if (gtk_toggle_button_get_active (self->source_button))
    {
      g_autofree char *source = article_text (self->article);

      _op_mail_plain_text_fill (buffer, "");
      gtk_text_buffer_set_text (buffer, source, -1);
      gtk_text_view_set_monospace (self->text_view, TRUE);
    }
  else
    {
      g_autofree char *rot = NULL;

      if (gtk_toggle_button_get_active (self->rot13_button))
        rot = op_news_rot13 (self->body);
      _op_mail_plain_text_fill (buffer, rot != NULL ? rot : self->body);
      gtk_text_view_set_monospace (self->text_view, FALSE);
    }
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
}

static void
on_body_mode_toggled (OpNewsArticleView *self)
{
  update_body (self);
}

static void
on_headers_toggled (OpNewsArticleView *self)
{
  gtk_revealer_set_reveal_child (self->headers_revealer,
                                 gtk_toggle_button_get_active (self->headers_button));
}

static void
open_uri (OpNewsArticleView *self, const char *uri)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

gboolean
op_news_article_view_activate_link_at (OpNewsArticleView *self, int offset)
{
  GtkTextIter iter;
  const char *uri;

  g_return_val_if_fail (OP_IS_NEWS_ARTICLE_VIEW (self), FALSE);

  gtk_text_buffer_get_iter_at_offset (gtk_text_view_get_buffer (self->text_view), &iter, offset);
  uri = _op_mail_plain_text_uri_at (&iter);
  if (uri == NULL)
    return FALSE;
  open_uri (self, uri);
  return TRUE;
}

static const char *
link_at_point (OpNewsArticleView *self, double x, double y)
{
  GtkTextIter iter;
  int         bx, by;

  gtk_text_view_window_to_buffer_coords (self->text_view, GTK_TEXT_WINDOW_WIDGET, x, y, &bx, &by);
  if (!gtk_text_view_get_iter_at_location (self->text_view, &iter, bx, by))
    return NULL;
  return _op_mail_plain_text_uri_at (&iter);
}

static void
on_text_released (GtkGestureClick *gesture, int n_press, double x, double y,
                  OpNewsArticleView *self)
{
  const char *uri;

  /* A drag that selected text is not a click on a link. */
  if (n_press != 1
      || gtk_text_buffer_get_has_selection (gtk_text_view_get_buffer (self->text_view)))
    return;
  uri = link_at_point (self, x, y);
  if (uri != NULL)
    open_uri (self, uri);
}

static void
on_text_motion (GtkEventControllerMotion *motion, double x, double y, OpNewsArticleView *self)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->text_view),
                                   link_at_point (self, x, y) != NULL ? "pointer" : "text");
}

static void
update_dark (OpNewsArticleView *self)
{
  _op_mail_plain_text_set_dark (gtk_text_view_get_buffer (self->text_view),
                                adw_style_manager_get_dark (adw_style_manager_get_default ()));
}

static void
op_news_article_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), OP_TYPE_NEWS_ARTICLE_VIEW);
  G_OBJECT_CLASS (op_news_article_view_parent_class)->dispose (object);
}

static void
op_news_article_view_finalize (GObject *object)
{
  OpNewsArticleView *self = OP_NEWS_ARTICLE_VIEW (object);

  g_clear_pointer (&self->article, g_bytes_unref);
  g_free (self->body);
  G_OBJECT_CLASS (op_news_article_view_parent_class)->finalize (object);
}

static void
op_news_article_view_class_init (OpNewsArticleViewClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_news_article_view_dispose;
  object_class->finalize = op_news_article_view_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  _op_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/outpost/Outpost/news/op-news-article-view.ui");
  gtk_widget_class_bind_template_child (widget_class, OpNewsArticleView, stack);
  gtk_widget_class_bind_template_child (widget_class, OpNewsArticleView, spinner);
  gtk_widget_class_bind_template_child (widget_class, OpNewsArticleView, error_page);
  gtk_widget_class_bind_template_child (widget_class, OpNewsArticleView, subject_label);
  gtk_widget_class_bind_template_child (widget_class, OpNewsArticleView, from_label);
  gtk_widget_class_bind_template_child (widget_class, OpNewsArticleView, newsgroups_label);
  gtk_widget_class_bind_template_child (widget_class, OpNewsArticleView, date_label);
  gtk_widget_class_bind_template_child (widget_class, OpNewsArticleView, headers_button);
  gtk_widget_class_bind_template_child (widget_class, OpNewsArticleView, rot13_button);
  gtk_widget_class_bind_template_child (widget_class, OpNewsArticleView, source_button);
  gtk_widget_class_bind_template_child (widget_class, OpNewsArticleView, headers_revealer);
  gtk_widget_class_bind_template_child (widget_class, OpNewsArticleView, headers_label);
  gtk_widget_class_bind_template_child (widget_class, OpNewsArticleView, scroller);
  gtk_widget_class_bind_template_child (widget_class, OpNewsArticleView, text_view);
  gtk_widget_class_bind_template_callback (widget_class, on_headers_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_body_mode_toggled);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
op_news_article_view_init (OpNewsArticleView *self)
{
  GtkGesture         *click;
  GtkEventController *motion;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->body = g_strdup ("");
  /* A narrow window (360 px) shortens the buttons' words rather than cutting the pane. */
  {
    GtkToggleButton *buttons[] = { self->headers_button, self->rot13_button, self->source_button };

    for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
      {
        GtkWidget *label = gtk_button_get_child (GTK_BUTTON (buttons[i]));

        if (GTK_IS_LABEL (label))
          gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      }
  }

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (on_text_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), GTK_EVENT_CONTROLLER (click));
  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_text_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), motion);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (update_dark), self, G_CONNECT_SWAPPED);
  update_dark (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("News: Article"), -1);
}

GtkWidget *
op_news_article_view_new (void)
{
  return g_object_new (OP_TYPE_NEWS_ARTICLE_VIEW, NULL);
}

GtkTextView *
op_news_article_view_get_text_view (OpNewsArticleView *self)
{
  g_return_val_if_fail (OP_IS_NEWS_ARTICLE_VIEW (self), NULL);

  return self->text_view;
}

static void
show_page (OpNewsArticleView *self, const char *name)
{
  gtk_spinner_set_spinning (self->spinner, g_str_equal (name, "loading"));
  gtk_stack_set_visible_child_name (self->stack, name);
}

void
op_news_article_view_clear (OpNewsArticleView *self)
{
  g_return_if_fail (OP_IS_NEWS_ARTICLE_VIEW (self));

  g_clear_pointer (&self->article, g_bytes_unref);
  update_body (self);
  show_page (self, "empty");
}

void
op_news_article_view_set_loading (OpNewsArticleView *self)
{
  g_return_if_fail (OP_IS_NEWS_ARTICLE_VIEW (self));

  show_page (self, "loading");
}

void
op_news_article_view_set_error (OpNewsArticleView *self, const char *message)
{
  g_return_if_fail (OP_IS_NEWS_ARTICLE_VIEW (self));

  adw_status_page_set_description (self->error_page, message);
  show_page (self, "error");
}

/* The header block as it came, unfolded lines kept: "all headers". */
static char *
header_block (const char *text)
{
  const char *end = strstr (text, "\n\n");

  return end != NULL ? g_strndup (text, end - text) : g_strdup (text);
}

void
op_news_article_view_set_article (OpNewsArticleView *self, GBytes *article)
{
  g_autoptr (OpMimeMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *headers = NULL;
  g_autofree char *newsgroups = NULL;
  g_autofree char *from = NULL;
  g_autofree char *date = NULL;
  const char      *subject;
  GDateTime       *when;

  g_return_if_fail (OP_IS_NEWS_ARTICLE_VIEW (self));
  g_return_if_fail (article != NULL);

  message = op_mime_message_parse_bytes (article, NULL, &error);
  if (message == NULL)
    {
      g_autofree char *why = g_strdup_printf (_ ("The article is not in a form Outpost can read "
                                                 "(%s). Show Source is not available either."),
                                              error->message);

      op_news_article_view_set_error (self, why);
      return;
    }
  g_clear_pointer (&self->article, g_bytes_unref);
  self->article = g_bytes_ref (article);
  g_free (self->body);
  self->body = g_strdup (op_mime_message_get_text (message));

  subject = op_mime_message_get_subject (message);
  gtk_label_set_text (self->subject_label,
                      subject != NULL && *subject != '\0' ? subject : _ ("(no subject)"));
  from = op_mime_address_list_to_display (op_mime_message_get_from (message));
  gtk_label_set_text (self->from_label, from != NULL ? from : "");
  newsgroups = op_mime_message_dup_header (message, "Newsgroups");
  gtk_label_set_text (self->newsgroups_label, newsgroups != NULL ? newsgroups : "");
  when = op_mime_message_get_date (message);
  if (when != NULL)
    {
      g_autoptr (GDateTime) local = g_date_time_to_local (when);

      /* TRANSLATORS: an article's date in the article pane; see g_date_time_format(). */
      date = g_date_time_format (local, _ ("%A, %e %B %Y, %H:%M"));
    }
  gtk_label_set_text (self->date_label, date != NULL ? date : _ ("Unknown"));
  text = article_text (article);
  headers = header_block (text);
  gtk_label_set_text (self->headers_label, headers);

  update_body (self);
  show_page (self, "article");
}

gboolean
op_news_article_view_page_down (OpNewsArticleView *self)
{
  GtkAdjustment *adj;
  double         value, page, upper;

  g_return_val_if_fail (OP_IS_NEWS_ARTICLE_VIEW (self), FALSE);

  if (!g_str_equal (gtk_stack_get_visible_child_name (self->stack), "article"))
    return FALSE;
  adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  value = gtk_adjustment_get_value (adj);
  page = gtk_adjustment_get_page_size (adj);
  upper = gtk_adjustment_get_upper (adj);
  if (value + page >= upper - 1)
    return FALSE;
  /* Pan keeps a line or two of the old page in sight. */
  gtk_adjustment_set_value (adj, MIN (value + page * 0.9, upper - page));
  return TRUE;
}

char *
op_news_article_view_dup_body (OpNewsArticleView *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter    start, end;

  g_return_val_if_fail (OP_IS_NEWS_ARTICLE_VIEW (self), NULL);

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}
