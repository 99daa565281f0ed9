/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail-composer-window"

#include "config.h"

#include <glib/gi18n.h>

#include "op-mail-composer-window.h"

struct _OpMailComposerWindow
{
  AdwWindow       parent_instance;

  OpMailComposer *composer;
  gboolean        closing;  /* the user closed it; waiting for the draft */
};

G_DEFINE_FINAL_TYPE (OpMailComposerWindow, op_mail_composer_window, ADW_TYPE_WINDOW)

static void
on_sent (OpMailComposer       *composer,
         OpMailComposerWindow *self)
{
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_draft_finished (OpMailComposer       *composer,
                   gboolean              saved,
                   OpMailComposerWindow *self)
{
  if (!self->closing)
    return;
  self->closing = FALSE;
  /* Not stored: the window stays, with the composer's error, so nothing is lost. */
  if (saved)
    gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
op_mail_composer_window_close_request (GtkWindow *window)
{
  OpMailComposerWindow *self = OP_MAIL_COMPOSER_WINDOW (window);

  if (op_mail_composer_save_draft_if_changed (self->composer))
    {
      g_debug ("closing: waiting for the draft");
      self->closing = TRUE;
      return TRUE;
    }
  gtk_window_destroy (window);
  return TRUE;
}

static void
update_title (OpMailComposerWindow *self)
{
  const char *subject = gtk_editable_get_text (op_mail_composer_get_subject_entry (self->composer));
  g_autofree char *title = NULL;

  if (subject != NULL && subject[0] != '\0')
    /* Translators: the title of a composer window; %s is the message's subject. */
    title = g_strdup_printf (_("%s – New Message"), subject);
  else
    /* Translators: the title of a composer window before a subject is written. */
    title = g_strdup (_("New Message"));
  gtk_window_set_title (GTK_WINDOW (self), title);
}

static void
op_mail_composer_window_class_init (OpMailComposerWindowClass *klass)
{
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  window_class->close_request = op_mail_composer_window_close_request;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
op_mail_composer_window_init (OpMailComposerWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();

  self->composer = OP_MAIL_COMPOSER (op_mail_composer_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->composer), TRUE);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->composer));
  adw_window_set_content (ADW_WINDOW (self), box);
  gtk_window_set_default_size (GTK_WINDOW (self), 720, 640);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  /* Translators: the accessible name of a composer window. */
                                  _("Mail: New message"), -1);
  g_signal_connect (self->composer, "sent", G_CALLBACK (on_sent), self);
  g_signal_connect (self->composer, "draft-finished", G_CALLBACK (on_draft_finished), self);
  g_signal_connect_swapped (op_mail_composer_get_subject_entry (self->composer), "changed",
                            G_CALLBACK (update_title), self);
  update_title (self);
}

OpMailComposerWindow *
op_mail_composer_window_new (GtkWindow       *parent,
                             GListModel      *identities,
                             OpMailSubmitter *submitter)
{
  OpMailComposerWindow *self = g_object_new (OP_TYPE_MAIL_COMPOSER_WINDOW, NULL);

  if (parent != NULL)
    {
      gtk_window_set_transient_for (GTK_WINDOW (self), parent);
      if (gtk_window_get_application (parent) != NULL)
        gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
    }
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), FALSE);
  if (identities != NULL)
    op_mail_composer_set_identities (self->composer, identities);
  op_mail_composer_set_submitter (self->composer, submitter);
  return self;
}

OpMailComposer *
op_mail_composer_window_get_composer (OpMailComposerWindow *self)
{
  g_return_val_if_fail (OP_IS_MAIL_COMPOSER_WINDOW (self), NULL);
  return self->composer;
}
