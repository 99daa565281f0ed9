/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-mail-address-completion.h"

struct _OpMailAddressCompletion
{
  GObject                    parent_instance;

  GtkEntry                  *entry;    /* unowned; NULL once detached */
  GtkWidget                 *popover;
  GtkListBox                *list;
  GtkEventController        *key;
  GtkEventController        *focus;
  OpMailAddressLookup        lookup;
  OpMailAddressLookupFinish  finish;
  gpointer                   lookup_data;
  GCancellable              *cancellable;
  gboolean                   enabled;
  gboolean                   applying;
};

G_DEFINE_FINAL_TYPE (OpMailAddressCompletion, op_mail_address_completion, G_TYPE_OBJECT)

/* Where the address being typed starts: after the last comma, and its blanks. */
static glong
token_start (const char *text)
{
  const char *comma = strrchr (text, ',');
  const char *start = comma != NULL ? comma + 1 : text;

  while (*start == ' ' || *start == '\t')
    start++;
  return g_utf8_pointer_to_offset (text, start);
}

static void
hide (OpMailAddressCompletion *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (self->popover));
}

static void
apply (OpMailAddressCompletion *self,
       GtkListBoxRow           *row)
{
  const char *chosen = g_object_get_data (G_OBJECT (row), "op-address");
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  glong start = token_start (text);
  g_autofree char *head = g_utf8_substring (text, 0, start);
  g_autofree char *replaced = g_strconcat (head, chosen, ", ", NULL);

  self->applying = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->entry), replaced);
  gtk_editable_set_position (GTK_EDITABLE (self->entry), -1);
  self->applying = FALSE;
  hide (self);
}

static void
on_row_activated (GtkListBox              *list,
                  GtkListBoxRow           *row,
                  OpMailAddressCompletion *self)
{
  if (self->entry != NULL)
    apply (self, row);
}

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr (OpMailAddressCompletion) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = self->finish (result, &error, self->lookup_data);
  GtkWidget *child;

  if (found == NULL)
    {
      /* No store to ask (an identity whose mail is not open): no suggestions. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No address suggestions: %s", error->message);
      return;
    }
  /* A lookup overtaken by the next key press, or a field gone. */
  if (self->entry == NULL || self->cancellable == NULL
      || g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    return;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  for (guint i = 0; i < found->len && i < OP_MAIL_COMPLETION_ROWS; i++)
    {
      const char *address = g_ptr_array_index (found, i);
      GtkWidget *row = gtk_list_box_row_new ();
      GtkWidget *label = gtk_label_new (address);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      /* A click takes it without taking the focus from the field (which closes the list). */
      gtk_widget_set_focusable (row, FALSE);
      g_object_set_data_full (G_OBJECT (row), "op-address", g_strdup (address), g_free);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, address, -1);
      gtk_list_box_append (self->list, row);
    }
  if (found->len == 0)
    {
      gtk_popover_popdown (GTK_POPOVER (self->popover));
      return;
    }
  gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, 0));
  gtk_widget_set_size_request (self->popover, gtk_widget_get_width (GTK_WIDGET (self->entry)), -1);
  gtk_popover_popup (GTK_POPOVER (self->popover));
}

static void
on_changed (GtkEditable             *editable,
            OpMailAddressCompletion *self)
{
  const char *text = gtk_editable_get_text (editable);
  const char *token = g_utf8_offset_to_pointer (text, token_start (text));

  if (self->applying)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* Only what the user types in the field: not text set by the program. */
  if (!self->enabled || !gtk_event_controller_focus_contains_focus (GTK_EVENT_CONTROLLER_FOCUS (self->focus))
      || g_utf8_strlen (token, -1) < OP_MAIL_COMPLETION_MIN_CHARS)
    {
      gtk_popover_popdown (GTK_POPOVER (self->popover));
      return;
    }
  self->cancellable = g_cancellable_new ();
  self->lookup (token, self->cancellable, on_found, g_object_ref (self), self->lookup_data);
}

static gboolean
on_key (GtkEventControllerKey   *controller,
        guint                    keyval,
        guint                    keycode,
        GdkModifierType          state,
        OpMailAddressCompletion *self)
{
  GtkListBoxRow *selected;
  int index;

  if (!gtk_widget_get_visible (self->popover))
    return FALSE;
  selected = gtk_list_box_get_selected_row (self->list);
  index = selected != NULL ? gtk_list_box_row_get_index (selected) : -1;
  switch (keyval)
    {
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      {
        gboolean down = keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down;
        GtkListBoxRow *next = gtk_list_box_get_row_at_index (self->list, down ? index + 1 : index - 1);

        if (next != NULL)
          gtk_list_box_select_row (self->list, next);
        return TRUE;
      }
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
    case GDK_KEY_Tab:
      if (selected == NULL)
        return FALSE;
      apply (self, selected);
      return TRUE;
    case GDK_KEY_Escape:
      hide (self);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
on_focus_leave (OpMailAddressCompletion *self)
{
  hide (self);
}

static void
op_mail_address_completion_dispose (GObject *object)
{
  op_mail_address_completion_detach (OP_MAIL_ADDRESS_COMPLETION (object));
  G_OBJECT_CLASS (op_mail_address_completion_parent_class)->dispose (object);
}

static void
op_mail_address_completion_class_init (OpMailAddressCompletionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = op_mail_address_completion_dispose;
}

static void
op_mail_address_completion_init (OpMailAddressCompletion *self)
{
  self->enabled = TRUE;
}

OpMailAddressCompletion *
op_mail_address_completion_new (GtkEntry                  *entry,
                                const char                *name,
                                OpMailAddressLookup        lookup,
                                OpMailAddressLookupFinish  finish,
                                gpointer                   lookup_data)
{
  OpMailAddressCompletion *self;
  GtkWidget *scrolled;
  /* Translators: the accessible name of the list of addresses suggested while typing in
   * a composer's field; %s is the field (To, Cc, Bcc). */
  g_autofree char *label = g_strdup_printf (_("Mail: Address Suggestions for %s"), name);

  g_return_val_if_fail (GTK_IS_ENTRY (entry), NULL);

  self = g_object_new (OP_TYPE_MAIL_ADDRESS_COMPLETION, NULL);
  self->entry = entry;
  self->lookup = lookup;
  self->finish = finish;
  self->lookup_data = lookup_data;

  /* As GTK 4's own entry completion does: a popover that leaves the keyboard to the
   * entry (no autohide, no focus of its own). */
  self->popover = gtk_popover_new ();
  gtk_popover_set_autohide (GTK_POPOVER (self->popover), FALSE);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->popover), FALSE);
  gtk_popover_set_position (GTK_POPOVER (self->popover), GTK_POS_BOTTOM);
  gtk_widget_set_halign (self->popover, GTK_ALIGN_START);
  gtk_widget_set_can_focus (self->popover, FALSE);
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_BROWSE);
  gtk_list_box_set_activate_on_single_click (self->list, TRUE);
  gtk_widget_set_can_focus (GTK_WIDGET (self->list), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_signal_connect (self->list, "row-activated", G_CALLBACK (on_row_activated), self);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 320);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->list));
  gtk_popover_set_child (GTK_POPOVER (self->popover), scrolled);
  gtk_widget_set_parent (self->popover, GTK_WIDGET (entry));

  g_signal_connect (entry, "changed", G_CALLBACK (on_changed), self);
  self->key = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (self->key, GTK_PHASE_CAPTURE);
  g_signal_connect (self->key, "key-pressed", G_CALLBACK (on_key), self);
  gtk_widget_add_controller (GTK_WIDGET (entry), self->key);
  self->focus = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (self->focus, "leave", G_CALLBACK (on_focus_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (entry), self->focus);
  return self;
}

void
op_mail_address_completion_set_enabled (OpMailAddressCompletion *self,
                                        gboolean                 enabled)
{
  g_return_if_fail (OP_IS_MAIL_ADDRESS_COMPLETION (self));
  self->enabled = enabled;
  if (!enabled)
    hide (self);
}

void
op_mail_address_completion_detach (OpMailAddressCompletion *self)
{
  g_return_if_fail (OP_IS_MAIL_ADDRESS_COMPLETION (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->entry == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->entry, self);
  gtk_widget_remove_controller (GTK_WIDGET (self->entry), g_steal_pointer (&self->key));
  gtk_widget_remove_controller (GTK_WIDGET (self->entry), g_steal_pointer (&self->focus));
  g_clear_pointer (&self->popover, gtk_widget_unparent);
  self->list = NULL;
  self->entry = NULL;
}
