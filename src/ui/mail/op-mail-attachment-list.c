/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "op-mail-attachment-list.h"

struct _OpMailAttachmentList
{
  GtkWidget             parent_instance;

  GtkWidget            *box;
  GtkWidget            *list;
  GtkWidget            *error_label;
  GPtrArray            *parts;          /* OpMimePart */
  GtkFileChooserNative *chooser;        /* only while it is shown (tests/ui/README.md) */
  OpMimePart           *saving;         /* the part the chooser is for */
  GCancellable         *cancellable;
  char                 *error;
};

G_DEFINE_FINAL_TYPE (OpMailAttachmentList, op_mail_attachment_list, GTK_TYPE_WIDGET)

GFile *
op_mail_attachment_dest_file (GFile      *folder,
                              OpMimePart *part)
{
  g_autofree char *name = NULL;
  g_autofree char *stem = NULL;
  const char *dot;
  GFile *file;

  g_return_val_if_fail (G_IS_FILE (folder), NULL);
  g_return_val_if_fail (OP_IS_MIME_PART (part), NULL);

  name = op_mime_part_get_safe_filename (part);
  /* get_safe_filename() promises a plain name; check it all the same, as this is the
   * one place a name from a message turns into a path. */
  if (name == NULL || *name == '\0' || strchr (name, '/') != NULL || strcmp (name, ".") == 0
      || strcmp (name, "..") == 0)
    {
      g_free (name);
      name = g_strdup ("attachment");
    }
  file = g_file_get_child (folder, name);
  dot = strrchr (name, '.');
  stem = dot != NULL && dot != name ? g_strndup (name, dot - name) : g_strdup (name);
  for (guint n = 2; g_file_query_exists (file, NULL) && n < 10000; n++)
    {
      g_autofree char *other = g_strdup_printf ("%s (%u)%s", stem, n,
                                                dot != NULL && dot != name ? dot : "");

      g_object_unref (file);
      file = g_file_get_child (folder, other);
    }
  g_assert (g_file_has_parent (file, folder));
  return file;
}

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpMimePart *part = task_data;
  GFile *dest = g_object_get_data (G_OBJECT (task), "dest");
  g_autoptr (GFileOutputStream) output = NULL;
  GError *error = NULL;

  output = g_file_replace (dest, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                           cancellable, &error);
  if (output == NULL
      || !op_mime_part_save (part, G_OUTPUT_STREAM (output), cancellable, &error)
      || !g_output_stream_close (G_OUTPUT_STREAM (output), cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
op_mail_attachment_save_async (OpMimePart          *part,
                               GFile               *dest,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (OP_IS_MIME_PART (part));
  g_return_if_fail (G_IS_FILE (dest));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_mail_attachment_save_async);
  g_task_set_task_data (task, g_object_ref (part), g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "dest", g_object_ref (dest), g_object_unref);
  g_task_run_in_thread (task, save_thread);
}

gboolean
op_mail_attachment_save_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
show_error (OpMailAttachmentList *self,
            const char           *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (GTK_LABEL (self->error_label), message != NULL ? message : "");
  gtk_widget_set_visible (self->error_label, message != NULL);
}

typedef struct
{
  OpMailAttachmentList *self;   /* weak */
  GFile                *dest;
  gboolean              open;
} SaveCall;

static void
launched (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr (GObject) owner = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error) && owner != NULL)
    {
      g_autofree char *message =
        g_strdup_printf (_("No application could open the attachment: %s"), error->message);

      show_error (OP_MAIL_ATTACHMENT_LIST (owner), message);
    }
}

static void
saved (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  SaveCall *call = user_data;
  g_autoptr (GError) error = NULL;
  OpMailAttachmentList *self = call->self;

  if (!op_mail_attachment_save_finish (result, &error))
    {
      if (self != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *path = g_file_get_parse_name (call->dest);
          g_autofree char *message =
            g_strdup_printf (_("Could not write %s: %s"), path, error->message);

          show_error (self, message);
        }
    }
  else if (self != NULL && call->open)
    {
      g_autofree char *uri = g_file_get_uri (call->dest);
      g_autoptr (GdkAppLaunchContext) context =
        gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (self)));

      g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL,
                                               launched, g_object_ref (self));
    }
  if (self != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self), (gpointer *) &call->self);
  g_object_unref (call->dest);
  g_free (call);
}

static void
save_part (OpMailAttachmentList *self,
           OpMimePart           *part,
           GFile                *dest,
           gboolean              open)
{
  SaveCall *call = g_new0 (SaveCall, 1);

  show_error (self, NULL);
  call->self = self;
  g_object_add_weak_pointer (G_OBJECT (self), (gpointer *) &call->self);
  call->dest = g_object_ref (dest);
  call->open = open;
  op_mail_attachment_save_async (part, dest, self->cancellable, saved, call);
}

void
op_mail_attachment_list_open (OpMailAttachmentList *self,
                              guint                 index)
{
  g_autofree char *base = NULL;
  g_autofree char *dir = NULL;
  g_autoptr (GFile) folder = NULL;
  g_autoptr (GFile) dest = NULL;
  OpMimePart *part;

  g_return_if_fail (OP_IS_MAIL_ATTACHMENT_LIST (self));
  g_return_if_fail (index < self->parts->len);

  part = g_ptr_array_index (self->parts, index);
  /* A private folder of its own for each opened copy: names never collide, and other
   * users can't read it. */
  base = g_build_filename (g_get_user_cache_dir (), "outpost", "attachments", NULL);
  g_mkdir_with_parents (base, 0700);
  dir = g_build_filename (base, "open-XXXXXX", NULL);
  if (g_mkdtemp (dir) == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not write %s: %s"), base,
                                                  g_strerror (errno));
      show_error (self, message);
      return;
    }
  folder = g_file_new_for_path (dir);
  dest = op_mail_attachment_dest_file (folder, part);
  save_part (self, part, dest, TRUE);
}

static void
on_chooser_response (GtkNativeDialog      *dialog,
                     int                   response,
                     OpMailAttachmentList *self)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (OpMimePart) part = g_steal_pointer (&self->saving);
  /* The last reference goes with this handler (see op_mail_attachment_list_save()). */
  g_autoptr (GtkFileChooserNative) chooser = g_steal_pointer (&self->chooser);

  if (response == GTK_RESPONSE_ACCEPT && part != NULL)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  gtk_native_dialog_destroy (dialog);
  if (file != NULL)
    save_part (self, part, file, FALSE);
}

void
op_mail_attachment_list_save (OpMailAttachmentList *self,
                              guint                 index)
{
  OpMimePart *part;
  g_autofree char *name = NULL;
  GtkRoot *root;

  g_return_if_fail (OP_IS_MAIL_ATTACHMENT_LIST (self));
  g_return_if_fail (index < self->parts->len);

  part = g_ptr_array_index (self->parts, index);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  /* A GtkFileChooserNative holds a hidden toplevel for as long as it exists, which
   * GTK 4.8's AT-SPI root can crash on (tests/ui/README.md): one per use, dropped in
   * its response handler. */
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Save Attachment"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  g_set_object (&self->saving, part);
  name = op_mime_part_get_safe_filename (part);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_open_clicked (GtkButton            *button,
                 OpMailAttachmentList *self)
{
  op_mail_attachment_list_open (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "index")));
}

static void
on_save_clicked (GtkButton            *button,
                 OpMailAttachmentList *self)
{
  op_mail_attachment_list_save (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "index")));
}

static GtkWidget *
make_row (OpMailAttachmentList *self,
          OpMimePart           *part,
          guint                 index)
{
  const char *type = op_mime_part_get_content_type (part);
  g_autofree char *safe = op_mime_part_get_safe_filename (part);
  const char *shown = op_mime_part_get_filename (part) != NULL ? op_mime_part_get_filename (part) : safe;
  g_autofree char *description = g_content_type_get_description (type);
  g_autofree char *size = g_format_size (op_mime_part_get_size (part));
  /* Translators: an attachment's file type and size, "PNG image · 12.3 kB" */
  g_autofree char *subtitle = g_strdup_printf (_("%s · %s"), description, size);
  g_autoptr (GIcon) icon = g_content_type_get_symbolic_icon (type);
  g_autofree char *open_name = NULL;
  g_autofree char *save_name = NULL;
  GtkWidget *row, *image, *labels, *name_label, *detail, *open, *save;

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_margin_start (row, 12);
  gtk_widget_set_margin_end (row, 6);
  gtk_widget_set_margin_top (row, 6);
  gtk_widget_set_margin_bottom (row, 6);
  image = gtk_image_new_from_gicon (icon);
  gtk_image_set_icon_size (GTK_IMAGE (image), GTK_ICON_SIZE_LARGE);
  labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  /* The name as the message gives it, for reading only (a label, not a path). */
  name_label = gtk_label_new (shown);
  gtk_label_set_xalign (GTK_LABEL (name_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_single_line_mode (GTK_LABEL (name_label), TRUE);
  detail = gtk_label_new (subtitle);
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_add_css_class (detail, "caption");
  gtk_box_append (GTK_BOX (labels), name_label);
  gtk_box_append (GTK_BOX (labels), detail);

  /* Icons, so a narrow window keeps both buttons and the name. */
  open = gtk_button_new_from_icon_name ("document-open-symbolic");
  save = gtk_button_new_from_icon_name ("document-save-symbolic");
  gtk_widget_set_tooltip_text (open, _("Open With the Default Application"));
  gtk_widget_set_tooltip_text (save, _("Save…"));
  gtk_widget_add_css_class (open, "flat");
  gtk_widget_add_css_class (save, "flat");
  open_name = g_strdup_printf (_("Mail: Open %s"), safe);
  save_name = g_strdup_printf (_("Mail: Save %s"), safe);
  gtk_accessible_update_property (GTK_ACCESSIBLE (open), GTK_ACCESSIBLE_PROPERTY_LABEL, open_name, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (save), GTK_ACCESSIBLE_PROPERTY_LABEL, save_name, -1);
  for (GtkWidget *b = open; b != NULL; b = b == open ? save : NULL)
    {
      gtk_widget_set_valign (b, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (b), "index", GUINT_TO_POINTER (index));
    }
  g_signal_connect (open, "clicked", G_CALLBACK (on_open_clicked), self);
  g_signal_connect (save, "clicked", G_CALLBACK (on_save_clicked), self);

  gtk_box_append (GTK_BOX (row), image);
  gtk_box_append (GTK_BOX (row), labels);
  gtk_box_append (GTK_BOX (row), open);
  gtk_box_append (GTK_BOX (row), save);
  return row;
}

void
op_mail_attachment_list_set_message (OpMailAttachmentList *self,
                                     OpMimeMessage        *message)
{
  GtkWidget *child;

  g_return_if_fail (OP_IS_MAIL_ATTACHMENT_LIST (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  show_error (self, NULL);
  while ((child = gtk_widget_get_first_child (self->list)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->list), child);
  g_ptr_array_set_size (self->parts, 0);
  if (message != NULL)
    {
      g_autoptr (GPtrArray) attachments = op_mime_message_dup_attachments (message);

      for (guint i = 0; i < attachments->len; i++)
        g_ptr_array_add (self->parts, g_object_ref (g_ptr_array_index (attachments, i)));
    }
  for (guint i = 0; i < self->parts->len; i++)
    gtk_list_box_append (GTK_LIST_BOX (self->list), make_row (self, g_ptr_array_index (self->parts, i), i));
  gtk_widget_set_visible (GTK_WIDGET (self), self->parts->len > 0);
}

guint
op_mail_attachment_list_get_n_items (OpMailAttachmentList *self)
{
  g_return_val_if_fail (OP_IS_MAIL_ATTACHMENT_LIST (self), 0);
  return self->parts->len;
}

OpMimePart *
op_mail_attachment_list_get_part (OpMailAttachmentList *self,
                                  guint                 index)
{
  g_return_val_if_fail (OP_IS_MAIL_ATTACHMENT_LIST (self), NULL);
  g_return_val_if_fail (index < self->parts->len, NULL);
  return g_ptr_array_index (self->parts, index);
}

const char *
op_mail_attachment_list_get_error (OpMailAttachmentList *self)
{
  g_return_val_if_fail (OP_IS_MAIL_ATTACHMENT_LIST (self), NULL);
  return self->error;
}

static void
op_mail_attachment_list_dispose (GObject *object)
{
  OpMailAttachmentList *self = OP_MAIL_ATTACHMENT_LIST (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->saving);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->parts, g_ptr_array_unref);
  g_clear_pointer (&self->error, g_free);
  G_OBJECT_CLASS (op_mail_attachment_list_parent_class)->dispose (object);
}

static void
op_mail_attachment_list_class_init (OpMailAttachmentListClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = op_mail_attachment_list_dispose;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
}

static void
op_mail_attachment_list_init (OpMailAttachmentList *self)
{
  self->parts = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  self->list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (self->list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (self->list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Mail: Attachments"), -1);
  self->error_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->error_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->error_label), 0);
  gtk_widget_add_css_class (self->error_label, "error");
  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_box_append (GTK_BOX (self->box), self->list);
  gtk_box_append (GTK_BOX (self->box), self->error_label);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

GtkWidget *
op_mail_attachment_list_new (void)
{
  return g_object_new (OP_TYPE_MAIL_ATTACHMENT_LIST, NULL);
}
