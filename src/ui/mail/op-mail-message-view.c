/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "op-mail-identity-item.h"
#include "op-mail-message-view.h"
#include "op-mail-plain-text.h"
#include "op-mail-resources.h"

/* The preview line of a collapsed message. */
#define PREVIEW_CHARS 160

struct _OpMailMessageView
{
  GtkWidget             parent_instance;

  OpMimeMessage        *message;
  GBytes               *source;
  GListModel           *identities;
  OpMailSourceWindow   *source_window;
  gboolean              expanded;

  GtkWidget            *card;
  GtkWidget            *header;
  GtkLabel             *from_label;
  GtkLabel             *date_label;
  GtkLabel             *preview_label;
  GtkLabel             *to_label;
  GtkLabel             *cc_label;
  GtkLabel             *identity_label;
  GtkRevealer          *body_revealer;
  GtkLabel             *notice_label;
  GtkTextView          *text_view;
  OpMailHtmlView       *html_view;
  OpMailAttachmentList *attachments;
  guint                 text_meanwhile_id;
};

enum
{
  OPEN_URI,
  FORWARD_AS_ATTACHMENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OpMailMessageView, op_mail_message_view, GTK_TYPE_WIDGET)

/* What a link in a message may open: the web, FTP and new mail. Never a local file, a
 * script, or a scheme some other application registered. */
static gboolean
uri_allowed (const char *uri)
{
  static const char *const schemes[] = { "http", "https", "ftp", "ftps", "mailto" };
  g_autofree char *scheme = g_uri_parse_scheme (uri);

  if (scheme == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
    if (g_ascii_strcasecmp (scheme, schemes[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
open_uri (OpMailMessageView *self,
          const char        *uri)
{
  gboolean handled = FALSE;
  GtkRoot *root;

  if (!uri_allowed (uri))
    {
      g_debug ("Link not opened (scheme not allowed): %s", uri);
      return;
    }
  g_signal_emit (self, signals[OPEN_URI], 0, uri, &handled);
  if (handled)
    return;
  root = gtk_widget_get_root (GTK_WIDGET (self));
  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

static void
on_html_link (OpMailHtmlView    *view,
              const char        *uri,
              OpMailMessageView *self)
{
  open_uri (self, uri);
}

gboolean
op_mail_message_view_activate_link_at (OpMailMessageView *self,
                                       int                offset)
{
  GtkTextIter iter;
  const char *uri;

  g_return_val_if_fail (OP_IS_MAIL_MESSAGE_VIEW (self), FALSE);
  gtk_text_buffer_get_iter_at_offset (gtk_text_view_get_buffer (self->text_view), &iter, offset);
  uri = _op_mail_plain_text_uri_at (&iter);
  if (uri == NULL)
    return FALSE;
  open_uri (self, uri);
  return TRUE;
}

static const char *
link_at_point (OpMailMessageView *self,
               double             x,
               double             y)
{
  GtkTextIter iter;
  int bx, by;

  gtk_text_view_window_to_buffer_coords (self->text_view, GTK_TEXT_WINDOW_WIDGET, x, y, &bx, &by);
  if (!gtk_text_view_get_iter_at_location (self->text_view, &iter, bx, by))
    return NULL;
  return _op_mail_plain_text_uri_at (&iter);
}

static void
on_text_released (GtkGestureClick   *gesture,
                  int                n_press,
                  double             x,
                  double             y,
                  OpMailMessageView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  const char *uri;

  /* A drag that selected text is not a click on a link. */
  if (n_press != 1 || gtk_text_buffer_get_has_selection (buffer))
    return;
  uri = link_at_point (self, x, y);
  if (uri != NULL)
    open_uri (self, uri);
}

static void
on_text_motion (GtkEventControllerMotion *motion,
                double                    x,
                double                    y,
                OpMailMessageView        *self)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->text_view),
                                   link_at_point (self, x, y) != NULL ? "pointer" : "text");
}

static void
on_header_released (GtkGestureClick   *gesture,
                    int                n_press,
                    double             x,
                    double             y,
                    OpMailMessageView *self)
{
  GtkWidget *picked = gtk_widget_pick (self->header, x, y, GTK_PICK_DEFAULT);

  /* The menu button and selected text keep their clicks. */
  if (picked != NULL && gtk_widget_get_ancestor (picked, GTK_TYPE_MENU_BUTTON) != NULL)
    return;
  op_mail_message_view_set_expanded (self, !self->expanded);
}

/* Enter or Space on the focused header opens or closes the message, as a click does. */
static gboolean
on_header_key (GtkEventControllerKey *controller,
               guint                  keyval,
               guint                  keycode,
               GdkModifierType        state,
               OpMailMessageView     *self)
{
  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_space
      && keyval != GDK_KEY_KP_Space)
    return FALSE;
  op_mail_message_view_set_expanded (self, !self->expanded);
  return TRUE;
}

static void
update_dark (OpMailMessageView *self)
{
  _op_mail_plain_text_set_dark (gtk_text_view_get_buffer (self->text_view),
                                adw_style_manager_get_dark (adw_style_manager_get_default ()));
}

static void
on_dark_changed (AdwStyleManager   *manager,
                 GParamSpec        *pspec,
                 OpMailMessageView *self)
{
  update_dark (self);
}

static void
set_address_label (GtkLabel   *label,
                   gboolean    cc,
                   GPtrArray  *addresses)
{
  g_autofree char *list = NULL;
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (label), addresses->len > 0);
  if (addresses->len == 0)
    return;
  list = op_mime_address_list_to_display (addresses);
  if (cc)
    /* Translators: the Cc line of a message's header */
    text = g_strdup_printf (_("Cc: %s"), list);
  else
    /* Translators: the To line of a message's header */
    text = g_strdup_printf (_("To: %s"), list);
  gtk_label_set_text (label, text);
}

static void
update_identity (OpMailMessageView *self)
{
  g_autoptr (OpMailIdentityItem) identity =
    self->message != NULL ? op_mail_identity_item_find_recipient (self->identities, self->message, NULL) : NULL;
  g_autofree char *display = NULL;
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->identity_label), identity != NULL && self->expanded);
  if (identity == NULL)
    return;
  display = op_mail_identity_item_dup_display (identity);
  /* Translators: the identity of the user's that a message was sent to */
  text = g_strdup_printf (_("Received as %s"), display);
  gtk_label_set_text (self->identity_label, text);
}

static void
update_expanded (OpMailMessageView *self)
{
  gboolean has_message = self->message != NULL;

  gtk_revealer_set_reveal_child (self->body_revealer, self->expanded && has_message);
  gtk_widget_set_visible (GTK_WIDGET (self->preview_label), !self->expanded);
  gtk_widget_set_visible (GTK_WIDGET (self->to_label),
                          self->expanded && has_message
                          && op_mime_message_get_to (self->message)->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->cc_label),
                          self->expanded && has_message
                          && op_mime_message_get_cc (self->message)->len > 0);
  update_identity (self);
}

static char *
format_date (GDateTime *date)
{
  g_autoptr (GDateTime) local = NULL;

  if (date == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (date);
  /* Translators: a message's date and time in its header (strftime format) */
  return g_date_time_format (local, _("%e %b %Y, %H:%M"));
}

static char *
preview_of (const char *text)
{
  g_autoptr (GString) line = g_string_new (NULL);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL && g_utf8_strlen (line->str, -1) < PREVIEW_CHARS; i++)
    {
      g_strstrip (lines[i]);
      if (lines[i][0] == '\0' || lines[i][0] == '>')
        continue;
      if (strcmp (lines[i], "--") == 0)
        break;
      if (line->len > 0)
        g_string_append_c (line, ' ');
      g_string_append (line, lines[i]);
    }
  return g_utf8_substring (line->str, 0, MIN (PREVIEW_CHARS, g_utf8_strlen (line->str, -1)));
}

/* An HTML message whose web view has not loaded yet shows its text meanwhile (its
 * text/plain alternative, else op_mime_html_to_text() of the HTML, as the text view
 * always holds): at once when WebKit is not running yet (its first start takes a second
 * or more), else after this long, so a fast load goes straight to the HTML. */
#define TEXT_MEANWHILE_MS 250

/* The text shown meanwhile takes the web view's place, inset as the page's body will be,
 * so the HTML replaces it where it stands. */
static void
set_text_meanwhile (OpMailMessageView *self,
                    gboolean           meanwhile)
{
  GtkWidget *text = GTK_WIDGET (self->text_view);
  int margin = meanwhile ? OP_MAIL_HTML_BODY_MARGIN : 0;

  gtk_widget_set_margin_start (text, margin);
  gtk_widget_set_margin_end (text, margin);
  gtk_widget_set_margin_top (text, margin);
  gtk_widget_set_margin_bottom (text, margin);
}

static gboolean
show_text_meanwhile (gpointer user_data)
{
  OpMailMessageView *self = user_data;

  self->text_meanwhile_id = 0;
  if (!op_mail_html_view_get_loaded (self->html_view))
    gtk_widget_set_visible (GTK_WIDGET (self->text_view), TRUE);
  return G_SOURCE_REMOVE;
}

/* The HTML is in: it replaces the text shown meanwhile. */
static void
on_html_loaded (OpMailMessageView *self)
{
  if (!op_mail_html_view_get_loaded (self->html_view)
      || !gtk_widget_get_visible (GTK_WIDGET (self->html_view)))
    return;
  g_clear_handle_id (&self->text_meanwhile_id, g_source_remove);
  gtk_widget_set_visible (GTK_WIDGET (self->text_view), FALSE);
}

/* HTML cannot be shown (the module is missing or damaged): the text, and why. */
static void
show_html_failed (OpMailMessageView *self,
                  const char        *message)
{
  g_clear_handle_id (&self->text_meanwhile_id, g_source_remove);
  gtk_label_set_text (self->notice_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->notice_label), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->html_view), FALSE);
  set_text_meanwhile (self, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->text_view), TRUE);
}

static void
show_body (OpMailMessageView *self)
{
  const char *html = op_mime_message_get_html (self->message);
  g_autoptr (GtkTextBuffer) buffer = gtk_text_buffer_new (NULL);
  g_autoptr (GError) error = NULL;
  gboolean html_shown = FALSE;

  gtk_widget_set_visible (GTK_WIDGET (self->notice_label), FALSE);
  g_clear_handle_id (&self->text_meanwhile_id, g_source_remove);
  /* A fresh buffer: each link is a tag of its own. */
  _op_mail_plain_text_fill (buffer, op_mime_message_get_text (self->message));
  gtk_text_view_set_buffer (self->text_view, buffer);
  update_dark (self);

  if (html != NULL)
    {
      html_shown = op_mail_html_view_set_message (self->html_view, self->message, &error);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->html_view), html_shown);
  if (html_shown && !op_mail_html_view_get_loaded (self->html_view))
    {
      /* The text under the HTML view (its remote-content bar first) until it loads. */
      gboolean webkit_running = op_mail_html_view_backend_loaded ();

      set_text_meanwhile (self, TRUE);
      gtk_widget_set_visible (GTK_WIDGET (self->text_view), !webkit_running);
      if (webkit_running)
        self->text_meanwhile_id = g_timeout_add (TEXT_MEANWHILE_MS, show_text_meanwhile, self);
    }
  else
    {
      set_text_meanwhile (self, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->text_view), !html_shown);
    }
  if (error != NULL)
    show_html_failed (self, error->message);
  if (op_mime_message_get_truncated (self->message))
    {
      gtk_label_set_text (self->notice_label,
                          _("This message is too large or too deeply nested to be shown whole; "
                            "part of it is left out."));
      gtk_widget_set_visible (GTK_WIDGET (self->notice_label), TRUE);
    }
}

void
op_mail_message_view_set_message (OpMailMessageView *self,
                                  OpMimeMessage     *message,
                                  GBytes            *source)
{
  GPtrArray *from;
  g_autofree char *from_text = NULL;
  g_autofree char *date = NULL;
  g_autofree char *preview = NULL;
  g_autofree char *name = NULL;

  g_return_if_fail (OP_IS_MAIL_MESSAGE_VIEW (self));
  g_return_if_fail (message == NULL || OP_IS_MIME_MESSAGE (message));

  g_set_object (&self->message, message);
  g_clear_pointer (&self->source, g_bytes_unref);
  if (source != NULL)
    self->source = g_bytes_ref (source);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "message.show-source", source != NULL);
  if (message == NULL)
    {
      op_mail_attachment_list_set_message (self->attachments, NULL);
      update_expanded (self);
      return;
    }

  from = op_mime_message_get_from (message);
  from_text = from->len > 0 ? op_mime_address_list_to_display (from) : g_strdup (_("Unknown sender"));
  gtk_label_set_text (self->from_label, from_text);
  date = format_date (op_mime_message_get_date (message));
  gtk_label_set_text (self->date_label, date);
  set_address_label (self->to_label, FALSE, op_mime_message_get_to (message));
  set_address_label (self->cc_label, TRUE, op_mime_message_get_cc (message));
  preview = preview_of (op_mime_message_get_text (message));
  gtk_label_set_text (self->preview_label, preview);
  /* Translators: the accessible name of one message: its sender and date */
  name = g_strdup_printf (_("Mail: Message from %s, %s"), from_text, date);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->card), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->header), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);

  show_body (self);
  op_mail_attachment_list_set_message (self->attachments, message);
  update_expanded (self);
  if (self->source_window != NULL)
    op_mail_source_window_set_source (self->source_window, self->source,
                                      op_mime_message_get_subject (message));
}

OpMimeMessage *
op_mail_message_view_get_message (OpMailMessageView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_MESSAGE_VIEW (self), NULL);
  return self->message;
}

void
op_mail_message_view_set_identities (OpMailMessageView *self,
                                     GListModel        *identities)
{
  g_return_if_fail (OP_IS_MAIL_MESSAGE_VIEW (self));
  g_set_object (&self->identities, identities);
  update_identity (self);
}

void
op_mail_message_view_set_expanded (OpMailMessageView *self,
                                   gboolean           expanded)
{
  g_return_if_fail (OP_IS_MAIL_MESSAGE_VIEW (self));
  self->expanded = !!expanded;
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->header), GTK_ACCESSIBLE_STATE_EXPANDED,
                               self->expanded, -1);
  update_expanded (self);
}

gboolean
op_mail_message_view_get_expanded (OpMailMessageView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_MESSAGE_VIEW (self), FALSE);
  return self->expanded;
}

void
op_mail_message_view_show_source (OpMailMessageView *self)
{
  GtkRoot *root;

  g_return_if_fail (OP_IS_MAIL_MESSAGE_VIEW (self));
  if (self->source == NULL)
    return;
  /* Built when asked for and destroyed when it closes: GTK 4.8's AT-SPI root crashes
   * on a hidden toplevel (tests/ui/README.md "Windows and the accessibility tree").
   * The pointer is weak, so it is NULL once the window is gone. */
  if (self->source_window == NULL)
    {
      self->source_window = op_mail_source_window_new ();
      g_object_add_weak_pointer (G_OBJECT (self->source_window),
                                 (gpointer *) &self->source_window);
      op_mail_source_window_set_source (self->source_window, self->source,
                                        op_mime_message_get_subject (self->message));
    }
  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (self->source_window), GTK_WINDOW (root));
  gtk_window_present (GTK_WINDOW (self->source_window));
}

OpMailSourceWindow *
op_mail_message_view_get_source_window (OpMailMessageView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_MESSAGE_VIEW (self), NULL);
  return self->source_window;
}

GtkTextView *
op_mail_message_view_get_text_view (OpMailMessageView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_MESSAGE_VIEW (self), NULL);
  return self->text_view;
}

OpMailHtmlView *
op_mail_message_view_get_html_view (OpMailMessageView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_MESSAGE_VIEW (self), NULL);
  return self->html_view;
}

OpMailAttachmentList *
op_mail_message_view_get_attachment_list (OpMailMessageView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_MESSAGE_VIEW (self), NULL);
  return self->attachments;
}

static void
show_source_action (GtkWidget  *widget,
                    const char *action,
                    GVariant   *parameter)
{
  op_mail_message_view_show_source (OP_MAIL_MESSAGE_VIEW (widget));
}

/* The page opens the composer: it knows the identities and the outbox. */
static void
forward_as_attachment_action (GtkWidget  *widget,
                              const char *action,
                              GVariant   *parameter)
{
  OpMailMessageView *self = OP_MAIL_MESSAGE_VIEW (widget);

  if (self->message != NULL)
    g_signal_emit (self, signals[FORWARD_AS_ATTACHMENT], 0, self->message);
}

static void
op_mail_message_view_dispose (GObject *object)
{
  OpMailMessageView *self = OP_MAIL_MESSAGE_VIEW (object);

  g_clear_handle_id (&self->text_meanwhile_id, g_source_remove);
  if (self->source_window != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->source_window),
                                    (gpointer *) &self->source_window);
      gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&self->source_window)));
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), OP_TYPE_MAIL_MESSAGE_VIEW);
  g_clear_object (&self->message);
  g_clear_object (&self->identities);
  g_clear_pointer (&self->source, g_bytes_unref);
  G_OBJECT_CLASS (op_mail_message_view_parent_class)->dispose (object);
}

static void
op_mail_message_view_class_init (OpMailMessageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_mail_message_view_dispose;

  signals[OPEN_URI] =
    g_signal_new ("open-uri", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /* ::forward-as-attachment (OpMimeMessage *message): "Forward as Attachment" chosen in
   * the message's menu. */
  signals[FORWARD_AS_ATTACHMENT] =
    g_signal_new ("forward-as-attachment", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, OP_TYPE_MIME_MESSAGE);

  g_type_ensure (OP_TYPE_MAIL_HTML_VIEW);
  g_type_ensure (OP_TYPE_MAIL_ATTACHMENT_LIST);
  _op_mail_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "mail/op-mail-message-view.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, OpMailMessageView, card);
  gtk_widget_class_bind_template_child (widget_class, OpMailMessageView, header);
  gtk_widget_class_bind_template_child (widget_class, OpMailMessageView, from_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailMessageView, date_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailMessageView, preview_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailMessageView, to_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailMessageView, cc_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailMessageView, identity_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailMessageView, body_revealer);
  gtk_widget_class_bind_template_child (widget_class, OpMailMessageView, notice_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailMessageView, text_view);
  gtk_widget_class_bind_template_child (widget_class, OpMailMessageView, html_view);
  gtk_widget_class_bind_template_child (widget_class, OpMailMessageView, attachments);
  gtk_widget_class_install_action (widget_class, "message.show-source", NULL, show_source_action);
  gtk_widget_class_install_action (widget_class, "message.forward-as-attachment", NULL,
                                   forward_as_attachment_action);
}

static void
op_mail_message_view_init (OpMailMessageView *self)
{
  GtkGesture *click;
  GtkEventController *motion, *key;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->expanded = TRUE;

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (on_text_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), GTK_EVENT_CONTROLLER (click));
  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_text_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), motion);

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (on_header_released), self);
  gtk_widget_add_controller (self->header, GTK_EVENT_CONTROLLER (click));
  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_header_key), self);
  gtk_widget_add_controller (self->header, key);

  g_signal_connect (self->html_view, "link-activated", G_CALLBACK (on_html_link), self);
  g_signal_connect_swapped (self->html_view, "failed", G_CALLBACK (show_html_failed), self);
  g_signal_connect_swapped (self->html_view, "notify::loaded", G_CALLBACK (on_html_loaded), self);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (on_dark_changed), self, 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "message.show-source", FALSE);
  update_expanded (self);
}

GtkWidget *
op_mail_message_view_new (void)
{
  return g_object_new (OP_TYPE_MAIL_MESSAGE_VIEW, NULL);
}
