/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-ui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "news/op-news-binary.h"
#include "op-news-view-private.h"

/* Binaries (issue 15, "Binaries"): an article that carries a yEnc or uuencoded file, or
 * is one part of a posting whose subject counts its parts ("(2/5)"), gets a bar over the
 * article: how many parts the store knows of, which are missing, and Save, which writes
 * the file through the core's collector (NAME.part, renamed when whole and checked) into
 * a folder the user picks. */

/* A line that starts a binary: yEnc's "=ybegin " or uuencode's "begin MODE ". */
static gboolean
has_binary_line (GBytes *article)
{
  gsize       size;
  const char *data = g_bytes_get_data (article, &size);
  const char *end = data + size;

  for (const char *line = data; line != NULL && line < end;)
    {
      const char *next = memchr (line, '\n', (gsize)(end - line));
      gsize       length = (gsize)((next != NULL ? next : end) - line);

      if (length >= 8 && memcmp (line, "=ybegin ", 8) == 0)
        return TRUE;
      if (length >= 10 && memcmp (line, "begin ", 6) == 0 && line[6] >= '0' && line[6] <= '7'
          && line[7] >= '0' && line[7] <= '7' && line[8] >= '0' && line[8] <= '7')
        return TRUE;
      line = next != NULL ? next + 1 : NULL;
    }
  return FALSE;
}

static void
update_binary_actions (OpNewsView *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "news.save-binary",
                                 self->binary_number != 0 && self->binary_complete
                                     && self->save_cancellable == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "news.stop-saving-binary",
                                 self->save_cancellable != NULL);
}

static void
show_save_progress (OpNewsView *self)
{
  gboolean saving_this
      = self->save_cancellable != NULL && self->save_number == self->binary_number;

  gtk_widget_set_visible (GTK_WIDGET (self->binary_progress), saving_this);
  gtk_widget_set_visible (self->binary_cancel_button, saving_this);
}

void
_op_news_view_hide_binary (OpNewsView *self)
{
  g_cancellable_cancel (self->binary_cancellable);
  g_clear_object (&self->binary_cancellable);
  self->binary_number = 0;
  self->binary_complete = FALSE;
  gtk_widget_set_visible (self->binary_bar, FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->binary_label), "error");
  update_binary_actions (self);
}

/* The posting's name: its subject without the part mark. */
static char *
posting_title (const OpNewsBinaryPosting *posting)
{
  g_autofree char *title = g_strdup (posting->key != NULL ? posting->key : "");
  char            *mark = strstr (title, "*/");

  if (mark != NULL && mark > title)
    {
      const char *after = strpbrk (mark, ")]");
      const char *rest = after != NULL ? after + 1 : mark + strlen (mark);

      memmove (mark - 1, rest, strlen (rest) + 1);
    }
  return g_strdup (g_strstrip (title));
}

static void
parts_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (OpNewsView) self = user_data;
  g_autoptr (OpNewsBinaryPosting) posting = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *title = NULL;
  g_autofree char *text = NULL;

  posting = op_news_store_find_binary_parts_finish (OP_NEWS_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->binary_cancellable);
  if (posting == NULL)
    {
      text = g_strdup_printf (_ ("The parts of this binary could not be looked up: %s"),
                              error->message);
      gtk_label_set_text (self->binary_label, text);
      gtk_widget_add_css_class (GTK_WIDGET (self->binary_label), "error");
      return;
    }
  title = posting_title (posting);
  self->binary_complete = posting->n_found == posting->total;
  if (posting->total <= 1)
    /* TRANSLATORS: the bar over an article that carries a file; %s is its subject. */
    text = g_strdup_printf (_ ("Binary: %s"), title);
  else if (self->binary_complete)
    /* TRANSLATORS: %s is the posting's subject, %u its number of parts. */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Binary in %2$u part, all here: %1$s",
                                         "Binary in %2$u parts, all here: %1$s", posting->total),
                            title, posting->total);
  else
    {
      g_autoptr (GArray) missing = g_array_new (FALSE, FALSE, sizeof (guint));
      g_autofree char *list = NULL;

      for (guint n = 1; n <= posting->total; n++)
        if (posting->message_ids[n - 1] == NULL)
          g_array_append_val (missing, n);
      list = op_news_binary_format_missing (missing, posting->total);
      /* TRANSLATORS: %1$s the posting's subject, %2$u how many of its %3$u parts are here,
       * %4$s the missing ones ("2, 5–7"). */
      text = g_strdup_printf (_ ("Binary with %2$u of %3$u parts (missing %4$s): %1$s. Get new "
                                 "headers; it can be saved when every part is here."),
                              title, posting->n_found, posting->total, list);
    }
  gtk_label_set_text (self->binary_label, text);
  update_binary_actions (self);
}

void
_op_news_view_show_binary (OpNewsView *self, OpNewsHeader *header, GBytes *article)
{
  guint part = 0, total = 0;
  g_autofree char *key = NULL;

  _op_news_view_hide_binary (self);
  if (header == NULL
      || (!op_news_binary_parse_subject (op_news_header_get_subject (header), &part, &total, &key)
          && !has_binary_line (article)))
    return;
  self->binary_number = op_news_header_get_number (header);
  gtk_label_set_text (self->binary_label, _ ("Binary: looking for its parts…"));
  gtk_widget_set_visible (self->binary_bar, TRUE);
  show_save_progress (self);
  self->binary_cancellable = g_cancellable_new ();
  op_news_store_find_binary_parts_async (op_news_server_get_store (self->server), self->group,
                                         self->binary_number, self->binary_cancellable,
                                         parts_found, g_object_ref (self));
}

static gboolean
pulse_save (gpointer data)
{
  gtk_progress_bar_pulse (OP_NEWS_VIEW (data)->binary_progress);
  return G_SOURCE_CONTINUE;
}

static void
binary_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (OpNewsView) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = op_news_server_save_binary_finish (OP_NEWS_SERVER (source), result,
                                                              &error);
  gboolean         shown = self->save_number == self->binary_number;
  g_autofree char *text = NULL;

  g_clear_object (&self->save_cancellable);
  g_clear_handle_id (&self->save_pulse, g_source_remove);
  show_save_progress (self);
  update_binary_actions (self);
  if (file == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        text = g_strdup (_ ("Saving stopped: nothing was kept"));
      else
        text = g_strdup_printf (_ ("The binary was not saved: %s"), error->message);
    }
  else
    {
      g_autofree char *path = g_file_get_path (file);

      text = g_strdup_printf (_ ("Saved as %s"), path);
    }
  if (shown)
    {
      gtk_label_set_text (self->binary_label, text);
      if (file == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gtk_widget_add_css_class (GTK_WIDGET (self->binary_label), "error");
    }
  _op_news_view_toast_now (self, text);
}

void
op_news_view_save_binary_to (OpNewsView *self, GFile *folder)
{
  g_return_if_fail (OP_IS_NEWS_VIEW (self));
  g_return_if_fail (G_IS_FILE (folder));

  if (self->binary_number == 0 || self->save_cancellable != NULL)
    return;
  self->save_cancellable = g_cancellable_new ();
  self->save_number = self->binary_number;
  gtk_widget_remove_css_class (GTK_WIDGET (self->binary_label), "error");
  gtk_label_set_text (self->binary_label, _ ("Saving the binary…"));
  gtk_progress_bar_set_fraction (self->binary_progress, 0);
  self->save_pulse = g_timeout_add (100, pulse_save, self);
  show_save_progress (self);
  update_binary_actions (self);
  op_news_server_save_binary_async (self->server, self->group, self->save_number, folder,
                                    self->save_cancellable, binary_saved, g_object_ref (self));
}

const char *
op_news_view_get_binary_status (OpNewsView *self)
{
  g_return_val_if_fail (OP_IS_NEWS_VIEW (self), "");

  return gtk_widget_get_visible (self->binary_bar) ? gtk_label_get_text (self->binary_label) : "";
}

static void
on_save_folder_response (GtkNativeDialog *chooser, int response, OpNewsView *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (folder != NULL)
        op_news_view_save_binary_to (self, folder);
    }
  /* The last reference: its fallback dialog goes with it (tests/ui/README.md). */
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
save_binary_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  OpNewsView           *self = OP_NEWS_VIEW (widget);
  GtkRoot              *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser;

  if (self->binary_number == 0)
    return;
  /* Made right before it is shown and dropped in its response handler. */
  chooser = gtk_file_chooser_native_new (_ ("Save Binary To"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _ ("_Save"), NULL);
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_folder_response),
                    g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
stop_saving_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  g_cancellable_cancel (OP_NEWS_VIEW (widget)->save_cancellable);
}

void
_op_news_view_binary_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "news.save-binary", NULL, save_binary_action);
  gtk_widget_class_install_action (widget_class, "news.stop-saving-binary", NULL,
                                   stop_saving_action);
}

void
_op_news_view_binary_init (OpNewsView *self)
{
  update_binary_actions (self);
}
