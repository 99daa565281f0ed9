/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "op-mail-conversation-view.h"
#include "op-mail-resources.h"

struct _OpMailConversationView
{
  GtkWidget   parent_instance;

  GtkWidget  *scrolled;
  GtkWidget  *box;
  GPtrArray  *views;          /* OpMailMessageView, in the order shown */
  GListModel *identities;
};

enum
{
  OPEN_URI,
  FORWARD_AS_ATTACHMENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OpMailConversationView, op_mail_conversation_view, GTK_TYPE_WIDGET)

static gboolean
on_open_uri (OpMailMessageView      *view,
             const char             *uri,
             OpMailConversationView *self)
{
  gboolean handled = FALSE;

  g_signal_emit (self, signals[OPEN_URI], 0, uri, &handled);
  return handled;
}

static void
on_forward_as_attachment (OpMailMessageView      *view,
                          OpMimeMessage          *message,
                          OpMailConversationView *self)
{
  g_signal_emit (self, signals[FORWARD_AS_ATTACHMENT], 0, message);
}

static gboolean
later (OpMimeMessage *a,
       OpMimeMessage *b)
{
  GDateTime *da = op_mime_message_get_date (a);
  GDateTime *db = op_mime_message_get_date (b);

  if (da == NULL || db == NULL)
    return da != NULL;
  return g_date_time_compare (da, db) > 0;
}

OpMailMessageView *
op_mail_conversation_view_add_message (OpMailConversationView *self,
                                       OpMimeMessage          *message,
                                       GBytes                 *source)
{
  OpMailMessageView *view;
  guint at;

  g_return_val_if_fail (OP_IS_MAIL_CONVERSATION_VIEW (self), NULL);
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (message), NULL);

  view = OP_MAIL_MESSAGE_VIEW (op_mail_message_view_new ());
  op_mail_message_view_set_identities (view, self->identities);
  op_mail_message_view_set_message (view, message, source);
  g_signal_connect_object (view, "open-uri", G_CALLBACK (on_open_uri), self, 0);
  g_signal_connect_object (view, "forward-as-attachment", G_CALLBACK (on_forward_as_attachment), self, 0);

  /* Date order; a message without a date goes first, as mailers sort it. */
  for (at = self->views->len; at > 0; at--)
    {
      OpMailMessageView *other = g_ptr_array_index (self->views, at - 1);

      if (!later (op_mail_message_view_get_message (other), message))
        break;
    }
  g_ptr_array_insert (self->views, at, view);
  if (at == 0)
    gtk_box_prepend (GTK_BOX (self->box), GTK_WIDGET (view));
  else
    gtk_box_insert_child_after (GTK_BOX (self->box), GTK_WIDGET (view),
                                GTK_WIDGET (g_ptr_array_index (self->views, at - 1)));

  /* The newest is the one open. */
  for (guint i = 0; i < self->views->len; i++)
    op_mail_message_view_set_expanded (g_ptr_array_index (self->views, i),
                                       i + 1 == self->views->len);
  return view;
}

void
op_mail_conversation_view_clear (OpMailConversationView *self)
{
  g_return_if_fail (OP_IS_MAIL_CONVERSATION_VIEW (self));
  for (guint i = 0; i < self->views->len; i++)
    gtk_box_remove (GTK_BOX (self->box), g_ptr_array_index (self->views, i));
  g_ptr_array_set_size (self->views, 0);
}

guint
op_mail_conversation_view_get_n_messages (OpMailConversationView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_CONVERSATION_VIEW (self), 0);
  return self->views->len;
}

OpMailMessageView *
op_mail_conversation_view_get_message_view (OpMailConversationView *self,
                                            guint                   index)
{
  g_return_val_if_fail (OP_IS_MAIL_CONVERSATION_VIEW (self), NULL);
  g_return_val_if_fail (index < self->views->len, NULL);
  return g_ptr_array_index (self->views, index);
}

void
op_mail_conversation_view_set_identities (OpMailConversationView *self,
                                          GListModel             *identities)
{
  g_return_if_fail (OP_IS_MAIL_CONVERSATION_VIEW (self));
  g_set_object (&self->identities, identities);
  for (guint i = 0; i < self->views->len; i++)
    op_mail_message_view_set_identities (g_ptr_array_index (self->views, i), identities);
}

static void
op_mail_conversation_view_dispose (GObject *object)
{
  OpMailConversationView *self = OP_MAIL_CONVERSATION_VIEW (object);

  g_clear_pointer (&self->scrolled, gtk_widget_unparent);
  g_clear_pointer (&self->views, g_ptr_array_unref);
  g_clear_object (&self->identities);
  G_OBJECT_CLASS (op_mail_conversation_view_parent_class)->dispose (object);
}

static void
op_mail_conversation_view_class_init (OpMailConversationViewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = op_mail_conversation_view_dispose;
  signals[OPEN_URI] =
    g_signal_new ("open-uri", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /* ::forward-as-attachment (OpMimeMessage *message): from one of its messages' menus. */
  signals[FORWARD_AS_ATTACHMENT] =
    g_signal_new ("forward-as-attachment", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, OP_TYPE_MIME_MESSAGE);
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_GROUP);
  _op_mail_ensure_resources ();
}

static void
op_mail_conversation_view_init (OpMailConversationView *self)
{
  GtkWidget *clamp;

  self->views = g_ptr_array_new ();
  self->scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_parent (self->scrolled, GTK_WIDGET (self));
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_margin_top (self->box, 6);
  gtk_widget_set_margin_bottom (self->box, 6);
  clamp = adw_clamp_new ();
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 1000);
  adw_clamp_set_child (ADW_CLAMP (clamp), self->box);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scrolled), clamp);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Mail: Conversation"), -1);
}

GtkWidget *
op_mail_conversation_view_new (void)
{
  return g_object_new (OP_TYPE_MAIL_CONVERSATION_VIEW, NULL);
}
