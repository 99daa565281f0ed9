/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>

#include "op-mail-resources.h"
#include "op-mail-source-window.h"

/* A larger message is shown up to here (its attachments are what makes it large). */
#define MAX_SOURCE_SHOWN (4 * 1024 * 1024)

struct _OpMailSourceWindow
{
  AdwWindow       parent_instance;

  AdwWindowTitle *title;
  GtkTextView    *text_view;
};

G_DEFINE_FINAL_TYPE (OpMailSourceWindow, op_mail_source_window, ADW_TYPE_WINDOW)

static void
op_mail_source_window_class_init (OpMailSourceWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  _op_mail_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "mail/op-mail-source-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OpMailSourceWindow, title);
  gtk_widget_class_bind_template_child (widget_class, OpMailSourceWindow, text_view);
}

static void
op_mail_source_window_init (OpMailSourceWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

OpMailSourceWindow *
op_mail_source_window_new (void)
{
  return g_object_new (OP_TYPE_MAIL_SOURCE_WINDOW, NULL);
}

void
op_mail_source_window_set_source (OpMailSourceWindow *self,
                                  GBytes             *source,
                                  const char         *subject)
{
  gsize length = 0;
  const char *data;
  g_autofree char *text = NULL;
  g_autoptr (GString) shown = NULL;

  g_return_if_fail (OP_IS_MAIL_SOURCE_WINDOW (self));

  data = source != NULL ? g_bytes_get_data (source, &length) : NULL;
  text = g_utf8_make_valid (data != NULL ? data : "", MIN (length, MAX_SOURCE_SHOWN));
  shown = g_string_new (text);
  /* CRLF as received; a text view wants one line end. */
  g_string_replace (shown, "\r\n", "\n", 0);
  if (length > MAX_SOURCE_SHOWN)
    g_string_append_printf (shown, "\n\n%s\n", _("[The rest of the message is not shown.]"));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), shown->str, shown->len);
  adw_window_title_set_subtitle (self->title, subject != NULL ? subject : "");
}

char *
op_mail_source_window_dup_text (OpMailSourceWindow *self)
{
  GtkTextIter start, end;
  GtkTextBuffer *buffer;

  g_return_val_if_fail (OP_IS_MAIL_SOURCE_WINDOW (self), NULL);
  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}
