/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gmime/gmime.h>

#include "op-mail-address-completion.h"
#include "op-mail-composer.h"
#include "op-mail-identity-item.h"
#include "op-mail-resources.h"

/* Issue 13: drafts are saved every few seconds while the user writes. */
#define DEFAULT_AUTOSAVE_SECONDS 5

typedef enum
{
  MODE_NEW,
  MODE_REPLY,
  MODE_FORWARD,
} Mode;

struct _OpMailComposer
{
  GtkWidget             parent_instance;

  GListModel           *identities;
  OpMailSubmitter      *submitter;
  Mode                  mode;
  OpMimeMessage        *original;
  OpMimeForwardMode     forward_mode;
  GPtrArray            *files;           /* GFile */
  GPtrArray            *forwarded;       /* names of what a forward carries (char *) */
  GtkTextMark          *signature_start;
  GtkTextMark          *signature_end;
  GtkFileChooserNative *chooser;         /* only while it is shown (tests/ui/README.md) */
  GCancellable         *cancellable;
  char                 *draft_id;        /* Message-ID of the last saved draft */
  gboolean              busy;
  gboolean              filling;         /* start_*() is filling the fields */
  gboolean              changed;         /* by the user since the last draft */
  guint                 autosave_seconds;
  guint                 autosave_id;
  gboolean              rich_text;       /* an HTML alternative goes with the text */
  OpMailAddressCompletion *completions[3]; /* To, Cc, Bcc */

  GtkWidget            *box;
  GtkDropDown          *from_dropdown;
  GtkEntry             *to_entry;
  GtkEntry             *cc_entry;
  GtkEntry             *bcc_entry;
  GtkEntry             *subject_entry;
  GtkTextView          *body_view;
  GtkListBox           *attachment_list;
  GtkLabel             *error_label;
  GtkLabel             *status_label;
  GtkWidget            *draft_button;
  GtkWidget            *send_button;
};

enum
{
  SENT,
  DRAFT_FINISHED,
  N_SIGNALS
};

enum
{
  PROP_0,
  PROP_RICH_TEXT,
  N_PROPS
};

static guint signals[N_SIGNALS];
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OpMailComposer, op_mail_composer, GTK_TYPE_WIDGET)

/* --- addresses ------------------------------------------------------------------ */

static void
add_mailboxes (InternetAddressList *list,
               GPtrArray           *out,
               gboolean            *ok)
{
  for (int i = 0; i < internet_address_list_length (list); i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_GROUP (address))
        add_mailboxes (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (address)),
                       out, ok);
      else if (INTERNET_ADDRESS_IS_MAILBOX (address))
        {
          const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
          const char *name = internet_address_get_name (address);
          const char *at = addr != NULL ? strrchr (addr, '@') : NULL;

          /* A bare word ("bob") parses as a local part; mail needs a domain. */
          if (at == NULL || at == addr || at[1] == '\0')
            *ok = FALSE;
          else
            g_ptr_array_add (out, op_mime_address_new (name != NULL && *name != '\0' ? name : NULL, addr));
        }
    }
}

GPtrArray *
_op_mail_parse_address_field (const char  *text,
                              const char  *field,
                              GError     **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mime_address_free);
  g_autofree char *trimmed = g_strstrip (g_strdup (text != NULL ? text : ""));
  InternetAddressList *list;
  gboolean ok = TRUE;
  guint pieces = 0;

  if (*trimmed == '\0')
    return g_steal_pointer (&out);
  op_mime_init ();
  list = internet_address_list_parse (NULL, trimmed);
  if (list != NULL)
    {
      add_mailboxes (list, out, &ok);
      g_object_unref (list);
    }
  /* GMime skips what it cannot read; every comma-separated piece must give one. */
  {
    g_auto (GStrv) parts = g_strsplit (trimmed, ",", -1);

    for (guint i = 0; parts[i] != NULL; i++)
      if (strchr (parts[i], '@') != NULL)
        pieces++;
  }
  if (!ok || out->len == 0 || out->len < pieces)
    {
      g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_ADDRESS,
                   /* Translators: %s is a field of the composer: To, Cc or Bcc */
                   _("%s: “%s” is not a list of mail addresses. Separate addresses with commas, "
                     "like “Ann <ann@example.com>, bob@example.org”."), field, trimmed);
      return NULL;
    }
  return g_steal_pointer (&out);
}

static void
check_field (GtkEntry   *entry,
             const char *field)
{
  g_autoptr (GPtrArray) parsed = _op_mail_parse_address_field (gtk_editable_get_text (GTK_EDITABLE (entry)),
                                                               field, NULL);

  if (parsed == NULL)
    gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  gtk_accessible_update_state (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_STATE_INVALID,
                               parsed == NULL ? GTK_ACCESSIBLE_INVALID_TRUE : GTK_ACCESSIBLE_INVALID_FALSE,
                               -1);
}

static void
on_address_changed (GtkEntry       *entry,
                    OpMailComposer *self)
{
  check_field (entry, "");
}

/* --- address completion ------------------------------------------------------------ */

static OpMailIdentityItem *selected_identity (OpMailComposer *self);

/* The addresses the From identity's mail knows (the submitter asks its store). */
static void
lookup_addresses (const char          *prefix,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data,
                  gpointer             data)
{
  OpMailComposer *self = data;
  OpMailIdentityItem *identity = selected_identity (self);

  if (self->submitter == NULL || self->filling)
    {
      g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_return_pointer (task, g_ptr_array_new_with_free_func (g_free), (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  op_mail_submitter_complete_address_async (self->submitter,
                                            identity != NULL ? op_mail_identity_item_get_account_id (identity) : NULL,
                                            prefix, OP_MAIL_COMPLETION_ROWS, cancellable, callback, user_data);
}

static GPtrArray *
lookup_addresses_finish (GAsyncResult  *result,
                         GError       **error,
                         gpointer       data)
{
  OpMailComposer *self = data;

  if (g_task_is_valid (result, self))
    return g_task_propagate_pointer (G_TASK (result), error);
  return op_mail_submitter_complete_address_finish (self->submitter, result, error);
}

/* --- drafts saved as the user writes ---------------------------------------------- */

static void save_draft_action (GtkWidget  *widget,
                               const char *action,
                               GVariant   *parameter);

static gboolean
autosave (gpointer user_data)
{
  OpMailComposer *self = user_data;

  self->autosave_id = 0;
  if (self->busy)
    self->autosave_id = g_timeout_add_seconds (1, autosave, self);
  else
    save_draft_action (GTK_WIDGET (self), NULL, NULL);
  return G_SOURCE_REMOVE;
}

/* A change by the user: the draft is saved a few seconds after the last one. */
static void
mark_changed (OpMailComposer *self)
{
  if (self->filling)
    return;
  self->changed = TRUE;
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  if (self->submitter != NULL && self->autosave_seconds > 0)
    self->autosave_id = g_timeout_add_seconds (self->autosave_seconds, autosave, self);
}

static void
on_field_changed (OpMailComposer *self)
{
  mark_changed (self);
}

/* --- identity and signature ------------------------------------------------------ */

static OpMailIdentityItem *
selected_identity (OpMailComposer *self)
{
  gpointer item = gtk_drop_down_get_selected_item (self->from_dropdown);

  return OP_IS_MAIL_IDENTITY_ITEM (item) ? item : NULL;
}

static GPtrArray *
my_addresses (OpMailComposer *self)
{
  GPtrArray *mine = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mime_address_free);
  guint n = self->identities != NULL ? g_list_model_get_n_items (self->identities) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (OpMailIdentityItem) identity = g_list_model_get_item (self->identities, i);

      g_ptr_array_add (mine, op_mime_address_new (op_mail_identity_item_get_name (identity),
                                                  op_mail_identity_item_get_address (identity)));
    }
  return mine;
}

/* The signature block sits between two marks (RFC 3676 §4.3 "-- " line first), so a
 * change of From replaces it wherever the user left it. */
static void
update_signature (OpMailComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  OpMailIdentityItem *identity = selected_identity (self);
  const char *signature = identity != NULL ? op_mail_identity_item_get_signature (identity) : NULL;
  GtkTextIter start, end;

  gtk_text_buffer_get_iter_at_mark (buffer, &start, self->signature_start);
  gtk_text_buffer_get_iter_at_mark (buffer, &end, self->signature_end);
  gtk_text_buffer_delete (buffer, &start, &end);
  if (signature != NULL)
    {
      g_autofree char *block = g_strdup_printf ("\n-- \n%s\n", signature);

      gtk_text_buffer_get_iter_at_mark (buffer, &start, self->signature_start);
      gtk_text_buffer_insert (buffer, &start, block, -1);
    }
}

/* "Name <address>", shortened in a narrow window rather than widening it. */
static void
identity_setup (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  unused)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
identity_bind (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  unused)
{
  g_autofree char *display = op_mail_identity_item_dup_display (gtk_list_item_get_item (item));

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), display);
}

static void
on_identity_changed (GtkDropDown    *dropdown,
                     GParamSpec     *pspec,
                     OpMailComposer *self)
{
  update_signature (self);
  mark_changed (self);
}

/* Body: an empty line to write on, the signature, then the quote or forwarded block. */
static void
set_body (OpMailComposer *self,
          const char     *after_signature)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter iter;

  gtk_text_buffer_set_text (buffer, "\n", -1);
  gtk_text_buffer_get_end_iter (buffer, &iter);
  gtk_text_buffer_move_mark (buffer, self->signature_start, &iter);
  gtk_text_buffer_move_mark (buffer, self->signature_end, &iter);
  if (after_signature != NULL && *after_signature != '\0')
    {
      const char *text = after_signature;

      while (*text == '\n')
        text++;
      gtk_text_buffer_insert (buffer, &iter, "\n", -1);
      gtk_text_buffer_insert (buffer, &iter, text, -1);
    }
  /* The end mark keeps right gravity: it moves with text inserted at the start mark. */
  gtk_text_buffer_get_iter_at_mark (buffer, &iter, self->signature_start);
  gtk_text_buffer_move_mark (buffer, self->signature_end, &iter);
  update_signature (self);
  gtk_text_buffer_get_start_iter (buffer, &iter);
  gtk_text_buffer_place_cursor (buffer, &iter);
  /* Where the user writes first: the recipients of a new message or a forward, the
   * text of a reply. */
  if (*gtk_editable_get_text (GTK_EDITABLE (self->to_entry)) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->to_entry));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
}

/* --- attachments ------------------------------------------------------------------ */

static void
on_remove_file (GtkButton      *button,
                OpMailComposer *self)
{
  GFile *file = g_object_get_data (G_OBJECT (button), "file");
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_LIST_BOX_ROW);
  guint index;

  if (g_ptr_array_find (self->files, file, &index))
    g_ptr_array_remove_index (self->files, index);
  gtk_list_box_remove (self->attachment_list, row);
  gtk_widget_set_visible (GTK_WIDGET (self->attachment_list),
                          gtk_widget_get_first_child (GTK_WIDGET (self->attachment_list)) != NULL);
  mark_changed (self);
}

static GtkWidget *
attachment_row (const char *name,
                const char *detail,
                GIcon      *icon,
                GtkWidget  *button)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (name);
  GtkWidget *subtitle = gtk_label_new (detail);

  gtk_widget_set_margin_start (row, 12);
  gtk_widget_set_margin_end (row, 6);
  gtk_widget_set_margin_top (row, 6);
  gtk_widget_set_margin_bottom (row, 6);
  gtk_box_append (GTK_BOX (row), gtk_image_new_from_gicon (icon));
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_box_append (GTK_BOX (labels), title);
  gtk_box_append (GTK_BOX (labels), subtitle);
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_box_append (GTK_BOX (row), labels);
  if (button != NULL)
    {
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (row), button);
    }
  return row;
}

void
op_mail_composer_add_file (OpMailComposer *self,
                           GFile          *file)
{
  g_autoptr (GFileInfo) info = NULL;
  g_autofree char *name = NULL;
  g_autofree char *size = NULL;
  g_autofree char *accessible = NULL;
  g_autoptr (GIcon) icon = NULL;
  GtkWidget *remove;
  const char *type = NULL;

  g_return_if_fail (OP_IS_MAIL_COMPOSER (self));
  g_return_if_fail (G_IS_FILE (file));

  /* A stat, not a read: the content is read on the worker that builds the message. */
  info = g_file_query_info (file,
                            G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","
                            G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_STANDARD_FAST_CONTENT_TYPE ","
                            G_FILE_ATTRIBUTE_STANDARD_TYPE,
                            G_FILE_QUERY_INFO_NONE, NULL, NULL);
  if (info != NULL && g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      g_autofree char *message = g_strdup_printf (_("%s is a folder; only files can be attached."),
                                                  g_file_info_get_display_name (info));

      gtk_label_set_text (self->error_label, message);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      return;
    }
  g_ptr_array_add (self->files, g_object_ref (file));
  name = info != NULL ? g_strdup (g_file_info_get_display_name (info)) : g_file_get_basename (file);
  size = info != NULL ? g_format_size (g_file_info_get_size (info)) : g_strdup ("");
  if (info != NULL)
    type = g_file_info_get_attribute_string (info, G_FILE_ATTRIBUTE_STANDARD_FAST_CONTENT_TYPE);
  icon = g_content_type_get_symbolic_icon (type != NULL ? type : "application/octet-stream");
  remove = gtk_button_new_from_icon_name ("edit-delete-symbolic");
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, _("Remove"));
  accessible = g_strdup_printf (_("Mail: Remove attachment %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  g_object_set_data_full (G_OBJECT (remove), "file", g_object_ref (file), g_object_unref);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_file), self);
  gtk_list_box_append (self->attachment_list, attachment_row (name, size, icon, remove));
  gtk_widget_set_visible (GTK_WIDGET (self->attachment_list), TRUE);
  mark_changed (self);
}

guint
op_mail_composer_get_n_files (OpMailComposer *self)
{
  g_return_val_if_fail (OP_IS_MAIL_COMPOSER (self), 0);
  return self->files->len;
}

static void
show_forwarded (OpMailComposer *self)
{
  for (guint i = 0; i < self->forwarded->len; i++)
    {
      const char *name = g_ptr_array_index (self->forwarded, i);
      g_autoptr (GIcon) icon = g_themed_icon_new ("mail-forward-symbolic");

      gtk_list_box_append (self->attachment_list,
                           attachment_row (name, _("Forwarded with the message"), icon, NULL));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->attachment_list), self->forwarded->len > 0);
}

static void
on_chooser_response (GtkNativeDialog *dialog,
                     int              response,
                     OpMailComposer  *self)
{
  g_autoptr (GListModel) files = NULL;
  /* The last reference goes with this handler (see attach_action()). */
  g_autoptr (GtkFileChooserNative) chooser = g_steal_pointer (&self->chooser);

  if (response == GTK_RESPONSE_ACCEPT)
    files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
  gtk_native_dialog_destroy (dialog);
  if (files == NULL)
    return;
  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr (GFile) file = g_list_model_get_item (files, i);

      op_mail_composer_add_file (self, file);
    }
}

static void
attach_action (GtkWidget  *widget,
               const char *action,
               GVariant   *parameter)
{
  OpMailComposer *self = OP_MAIL_COMPOSER (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  /* A GtkFileChooserNative holds a hidden toplevel for as long as it exists, which
   * GTK 4.8's AT-SPI root can crash on (tests/ui/README.md): one per use, dropped in
   * its response handler. */
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Attach Files"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Attach"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (self->chooser), TRUE);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static gboolean
on_drop (GtkDropTarget  *target,
         const GValue   *value,
         double          x,
         double          y,
         OpMailComposer *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  for (GSList *l = files; l != NULL; l = l->next)
    op_mail_composer_add_file (self, l->data);
  g_slist_free (files);
  return TRUE;
}

/* --- formatting ------------------------------------------------------------------ */

static const char *const format_tags[] = { "bold", "italic", "underline" };
static const char *const format_elements[] = { "b", "i", "u" };

static void
ensure_format_tags (GtkTextBuffer *buffer)
{
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (buffer);

  if (gtk_text_tag_table_lookup (table, "bold") != NULL)
    return;
  gtk_text_buffer_create_tag (buffer, "bold", "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, "italic", "style", PANGO_STYLE_ITALIC, NULL);
  gtk_text_buffer_create_tag (buffer, "underline", "underline", PANGO_UNDERLINE_SINGLE, NULL);
}

char *
_op_mail_composer_buffer_to_html (GtkTextBuffer *buffer)
{
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (buffer);
  g_autoptr (GString) html = g_string_new ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>"
                                           "<body style=\"white-space: pre-wrap\">");
  GtkTextIter start, end;

  g_return_val_if_fail (GTK_IS_TEXT_BUFFER (buffer), NULL);

  ensure_format_tags (buffer);
  gtk_text_buffer_get_start_iter (buffer, &start);
  /* Each run between two tag toggles is wrapped in the elements of its tags, always
   * nested in the same order, so the output is well formed whatever the user did. */
  while (!gtk_text_iter_is_end (&start))
    {
      g_autofree char *text = NULL;
      g_autofree char *escaped = NULL;
      g_auto (GStrv) lines = NULL;
      gboolean on[G_N_ELEMENTS (format_tags)];

      end = start;
      gtk_text_iter_forward_to_tag_toggle (&end, NULL);
      for (guint t = 0; t < G_N_ELEMENTS (format_tags); t++)
        {
          on[t] = gtk_text_iter_has_tag (&start, gtk_text_tag_table_lookup (table, format_tags[t]));
          if (on[t])
            g_string_append_printf (html, "<%s>", format_elements[t]);
        }
      text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
      escaped = g_markup_escape_text (text, -1);
      lines = g_strsplit (escaped, "\n", -1);
      for (guint l = 0; lines[l] != NULL; l++)
        g_string_append_printf (html, "%s%s", l > 0 ? "<br>\n" : "", lines[l]);
      for (guint t = G_N_ELEMENTS (format_tags); t > 0; t--)
        if (on[t - 1])
          g_string_append_printf (html, "</%s>", format_elements[t - 1]);
      start = end;
    }
  g_string_append (html, "</body></html>\n");
  return g_string_free (g_steal_pointer (&html), FALSE);
}

/* Bold, italic or underline on the selection: off when all of it has it, else on. */
static void
format_action (GtkWidget  *widget,
               const char *action,
               GVariant   *parameter)
{
  OpMailComposer *self = OP_MAIL_COMPOSER (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  const char *name = strchr (action, '.') + 1;
  GtkTextTag *tag;
  GtkTextIter start, end, iter;
  gboolean all = TRUE;

  if (!self->rich_text || !gtk_text_buffer_get_selection_bounds (buffer, &start, &end))
    return;
  ensure_format_tags (buffer);
  tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), name);
  for (iter = start; gtk_text_iter_compare (&iter, &end) < 0; gtk_text_iter_forward_char (&iter))
    if (!gtk_text_iter_has_tag (&iter, tag))
      {
        all = FALSE;
        break;
      }
  if (all)
    gtk_text_buffer_remove_tag (buffer, tag, &start, &end);
  else
    gtk_text_buffer_apply_tag (buffer, tag, &start, &end);
  mark_changed (self);
}

static void
set_rich_text (OpMailComposer *self,
               gboolean        rich_text)
{
  rich_text = !!rich_text;
  if (self->rich_text == rich_text)
    return;
  self->rich_text = rich_text;
  for (guint t = 0; t < G_N_ELEMENTS (format_tags); t++)
    {
      g_autofree char *action = g_strconcat ("composer.", format_tags[t], NULL);

      gtk_widget_action_set_enabled (GTK_WIDGET (self), action, rich_text);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RICH_TEXT]);
  mark_changed (self);
}

/* --- starting ------------------------------------------------------------------ */

static void
reset (OpMailComposer *self)
{
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  self->filling = TRUE;
  self->changed = FALSE;
  self->busy = FALSE;
  self->mode = MODE_NEW;
  g_clear_object (&self->original);
  g_clear_pointer (&self->draft_id, g_free);
  g_ptr_array_set_size (self->files, 0);
  g_ptr_array_set_size (self->forwarded, 0);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attachment_list))) != NULL)
    gtk_list_box_remove (self->attachment_list, child);
  gtk_widget_set_visible (GTK_WIDGET (self->attachment_list), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_label_set_text (self->status_label, "");
  gtk_editable_set_text (GTK_EDITABLE (self->to_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->cc_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->bcc_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->subject_entry), "");
}

void
op_mail_composer_start_new (OpMailComposer *self)
{
  g_return_if_fail (OP_IS_MAIL_COMPOSER (self));
  reset (self);
  set_body (self, NULL);
  self->filling = FALSE;
}

static void
set_addresses (GtkEntry  *entry,
               GPtrArray *addresses)
{
  g_autofree char *text = op_mime_address_list_to_display (addresses);

  gtk_editable_set_text (GTK_EDITABLE (entry), text);
}

/* Picks the identity the original was sent to, so a reply goes out from it. */
static void
select_identity_for (OpMailComposer *self,
                     OpMimeMessage  *original)
{
  g_autoptr (OpMailIdentityItem) identity = NULL;
  guint position;

  identity = op_mail_identity_item_find_recipient (self->identities, original, &position);
  if (identity != NULL)
    gtk_drop_down_set_selected (self->from_dropdown, position);
}

void
op_mail_composer_start_reply (OpMailComposer  *self,
                              OpMimeMessage   *original,
                              OpMimeReplyMode  mode)
{
  g_autoptr (GPtrArray) mine = NULL;
  g_autoptr (OpMimeComposer) seed = NULL;

  g_return_if_fail (OP_IS_MAIL_COMPOSER (self));
  g_return_if_fail (OP_IS_MIME_MESSAGE (original));

  reset (self);
  self->mode = MODE_REPLY;
  self->original = g_object_ref (original);
  select_identity_for (self, original);
  mine = my_addresses (self);
  seed = op_mime_composer_new_reply (original, mode, mine);
  set_addresses (self->to_entry, op_mime_composer_get_to (seed));
  set_addresses (self->cc_entry, op_mime_composer_get_cc (seed));
  gtk_editable_set_text (GTK_EDITABLE (self->subject_entry),
                         op_mime_composer_get_subject (seed) != NULL ? op_mime_composer_get_subject (seed) : "");
  set_body (self, op_mime_composer_get_text (seed));
  self->filling = FALSE;
}

gboolean
op_mail_composer_start_forward (OpMailComposer     *self,
                                OpMimeMessage      *original,
                                OpMimeForwardMode   mode,
                                GError            **error)
{
  g_autoptr (OpMimeComposer) seed = NULL;

  g_return_val_if_fail (OP_IS_MAIL_COMPOSER (self), FALSE);
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (original), FALSE);

  seed = op_mime_composer_new_forward (original, mode, error);
  if (seed == NULL)
    return FALSE;
  reset (self);
  self->mode = MODE_FORWARD;
  self->forward_mode = mode;
  self->original = g_object_ref (original);
  select_identity_for (self, original);
  gtk_editable_set_text (GTK_EDITABLE (self->subject_entry),
                         op_mime_composer_get_subject (seed) != NULL ? op_mime_composer_get_subject (seed) : "");
  set_body (self, op_mime_composer_get_text (seed));
  if (mode == OP_MIME_FORWARD_ATTACHMENT)
    {
      const char *subject = op_mime_message_get_subject (original);

      g_ptr_array_add (self->forwarded, g_strdup_printf ("%s.eml",
                                                         subject != NULL && *subject != '\0'
                                                           ? subject : _("Forwarded message")));
    }
  else
    {
      g_autoptr (GPtrArray) attachments = op_mime_message_dup_attachments (original);

      for (guint i = 0; i < attachments->len; i++)
        g_ptr_array_add (self->forwarded, op_mime_part_get_safe_filename (g_ptr_array_index (attachments, i)));
    }
  show_forwarded (self);
  self->filling = FALSE;
  return TRUE;
}

/* --- building ------------------------------------------------------------------ */

typedef struct
{
  Mode               mode;
  OpMimeMessage     *original;
  OpMimeForwardMode  forward_mode;
  char              *account_id;
  char              *from_name;
  char              *from_address;
  GPtrArray         *to;
  GPtrArray         *cc;
  GPtrArray         *bcc;
  char              *subject;
  char              *text;
  char              *html;
  GPtrArray         *files;
} Fields;

static void
fields_free (Fields *fields)
{
  g_clear_object (&fields->original);
  g_free (fields->account_id);
  g_free (fields->from_name);
  g_free (fields->from_address);
  g_clear_pointer (&fields->to, g_ptr_array_unref);
  g_clear_pointer (&fields->cc, g_ptr_array_unref);
  g_clear_pointer (&fields->bcc, g_ptr_array_unref);
  g_free (fields->subject);
  g_free (fields->text);
  g_free (fields->html);
  g_clear_pointer (&fields->files, g_ptr_array_unref);
  g_free (fields);
}

/* A message id as it may go back into a header: what a parser gave us, checked. */
static gboolean
usable_id (const char *id)
{
  if (id == NULL || *id == '\0' || strlen (id) > 900)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if ((guchar) *p <= ' ' || (guchar) *p >= 0x7f || strchr ("<>()\"\\,;", *p) != NULL)
      return FALSE;
  return TRUE;
}

/* A reply's composer with the threading headers of @original and nothing else: the
 * recipients, subject and body are the user's (the fields), while In-Reply-To and
 * References come from op_mime_composer_new_reply(), the one place they are made. It
 * replies to a copy of the original that has only its threading keys. */
static OpMimeComposer *
reply_composer (OpMimeMessage  *original,
                GError        **error)
{
  g_autoptr (GString) skeleton = g_string_new ("MIME-Version: 1.0\r\n");
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (OpMimeMessage) keys = NULL;
  const char *id = op_mime_message_get_message_id (original);
  const char *in_reply_to = op_mime_message_get_in_reply_to (original);
  const char * const *references = op_mime_message_get_references (original);

  if (usable_id (id))
    g_string_append_printf (skeleton, "Message-ID: <%s>\r\n", id);
  if (usable_id (in_reply_to))
    g_string_append_printf (skeleton, "In-Reply-To: <%s>\r\n", in_reply_to);
  if (references[0] != NULL)
    {
      g_string_append (skeleton, "References:");
      for (guint i = 0; references[i] != NULL; i++)
        if (usable_id (references[i]))
          g_string_append_printf (skeleton, " <%s>", references[i]);
      g_string_append (skeleton, "\r\n");
    }
  g_string_append (skeleton, "\r\n");
  bytes = g_string_free_to_bytes (g_steal_pointer (&skeleton));
  keys = op_mime_message_parse_bytes (bytes, NULL, error);
  if (keys == NULL)
    return NULL;
  return op_mime_composer_new_reply (keys, OP_MIME_REPLY_SENDER, NULL);
}

static gboolean
add_all (OpMimeComposer  *composer,
         GPtrArray       *addresses,
         gboolean       (*add) (OpMimeComposer *, const char *, const char *, GError **),
         GError         **error)
{
  for (guint i = 0; i < addresses->len; i++)
    {
      OpMimeAddress *address = g_ptr_array_index (addresses, i);

      if (!add (composer, address->name, address->address, error))
        return FALSE;
    }
  return TRUE;
}

static void
build_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Fields *fields = task_data;
  g_autoptr (OpMimeComposer) composer = NULL;
  g_autoptr (OpMailOutgoing) outgoing = _op_mail_outgoing_new ();
  GError *error = NULL;

  switch (fields->mode)
    {
    case MODE_NEW:
      composer = op_mime_composer_new ();
      break;
    case MODE_REPLY:
      composer = reply_composer (fields->original, &error);
      break;
    case MODE_FORWARD:
      composer = op_mime_composer_new_forward (fields->original, fields->forward_mode, &error);
      break;
    }
  if (composer == NULL
      || !op_mime_composer_set_from (composer, fields->from_name, fields->from_address, &error)
      || !add_all (composer, fields->to, op_mime_composer_add_to, &error)
      || !add_all (composer, fields->cc, op_mime_composer_add_cc, &error)
      || !add_all (composer, fields->bcc, op_mime_composer_add_bcc, &error)
      || !op_mime_composer_set_subject (composer, fields->subject, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  op_mime_composer_set_text (composer, fields->text);
  if (fields->html != NULL)
    op_mime_composer_set_html (composer, fields->html);
  for (guint i = 0; i < fields->files->len; i++)
    if (!op_mime_composer_add_attachment_file (composer, g_ptr_array_index (fields->files, i),
                                               NULL, cancellable, &error))
      {
        g_task_return_error (task, error);
        return;
      }

  outgoing->account_id = g_strdup (fields->account_id);
  outgoing->message = op_mime_composer_to_bytes (composer, &error);
  if (outgoing->message == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  outgoing->requirements = op_mime_composer_get_requirements (composer, NULL);
  outgoing->recipients = op_mime_composer_dup_recipients (composer);
  outgoing->envelope_from = op_mime_composer_dup_envelope_from (composer);
  outgoing->message_id = g_strdup (op_mime_composer_get_message_id (composer));
  op_mime_composer_set_include_bcc (composer, TRUE);
  outgoing->copy = op_mime_composer_to_bytes (composer, &error);
  if (outgoing->copy == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&outgoing), (GDestroyNotify) op_mail_outgoing_unref);
}

static char *
body_text (OpMailComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* An address field for a draft: what parses, so a half-typed address (marked in the
 * field) does not stop the rest of the draft from being saved. */
static GPtrArray *
draft_addresses (GtkEntry *entry)
{
  GPtrArray *parsed = _op_mail_parse_address_field (gtk_editable_get_text (GTK_EDITABLE (entry)),
                                                    "", NULL);

  return parsed != NULL ? parsed
                        : g_ptr_array_new_with_free_func ((GDestroyNotify) op_mime_address_free);
}

/* Send needs valid recipients; a draft takes the fields as they are. */
static void
build (OpMailComposer      *self,
       gboolean             draft,
       GCancellable        *cancellable,
       GAsyncReadyCallback  callback,
       gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  Fields *fields;
  OpMailIdentityItem *identity;
  GError *error = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_mail_composer_build_async);
  identity = selected_identity (self);
  if (identity == NULL)
    {
      g_task_return_new_error (task, OP_MIME_ERROR, OP_MIME_ERROR_INCOMPLETE, "%s",
                               _("There is no identity to send from. Add a mail account first."));
      return;
    }
  fields = g_new0 (Fields, 1);
  g_task_set_task_data (task, fields, (GDestroyNotify) fields_free);
  fields->mode = self->mode;
  fields->original = self->original != NULL ? g_object_ref (self->original) : NULL;
  fields->forward_mode = self->forward_mode;
  fields->account_id = g_strdup (op_mail_identity_item_get_account_id (identity));
  fields->from_name = g_strdup (op_mail_identity_item_get_name (identity));
  fields->from_address = g_strdup (op_mail_identity_item_get_address (identity));
  if (draft)
    {
      fields->to = draft_addresses (self->to_entry);
      fields->cc = draft_addresses (self->cc_entry);
      fields->bcc = draft_addresses (self->bcc_entry);
    }
  else if ((fields->to = _op_mail_parse_address_field (gtk_editable_get_text (GTK_EDITABLE (self->to_entry)),
                                                       _("To"), &error)) == NULL
           || (fields->cc = _op_mail_parse_address_field (gtk_editable_get_text (GTK_EDITABLE (self->cc_entry)),
                                                          _("Cc"), &error)) == NULL
           || (fields->bcc = _op_mail_parse_address_field (gtk_editable_get_text (GTK_EDITABLE (self->bcc_entry)),
                                                           _("Bcc"), &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!draft && fields->to->len + fields->cc->len + fields->bcc->len == 0)
    {
      g_task_return_new_error (task, OP_MIME_ERROR, OP_MIME_ERROR_INCOMPLETE, "%s",
                               _("Add at least one recipient in To, Cc or Bcc."));
      return;
    }
  fields->subject = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->subject_entry)));
  fields->text = body_text (self);
  if (self->rich_text)
    fields->html = _op_mail_composer_buffer_to_html (gtk_text_view_get_buffer (self->body_view));
  fields->files = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->files->len; i++)
    g_ptr_array_add (fields->files, g_object_ref (g_ptr_array_index (self->files, i)));
  g_task_run_in_thread (task, build_thread);
}

void
op_mail_composer_build_async (OpMailComposer      *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (OP_IS_MAIL_COMPOSER (self));
  build (self, FALSE, cancellable, callback, user_data);
}

OpMailOutgoing *
op_mail_composer_build_finish (OpMailComposer  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- send and drafts ------------------------------------------------------------ */

static void
show_error (OpMailComposer *self,
            const GError   *error)
{
  gtk_label_set_text (self->error_label, error != NULL ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL);
}

static void
set_busy (OpMailComposer *self,
          gboolean        busy)
{
  self->busy = busy;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send", !busy && self->submitter != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.save-draft", !busy && self->submitter != NULL);
}

static void
submitted (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (OpMailComposer) self = user_data;
  g_autoptr (GError) error = NULL;

  set_busy (self, FALSE);
  if (!op_mail_submitter_submit_finish (OP_MAIL_SUBMITTER (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  self->changed = FALSE;
  gtk_label_set_text (self->status_label, _("Sent to the outbox"));
  g_signal_emit (self, signals[SENT], 0);
}

/* The message built for Send or Save Draft, or NULL (the error shown, the composer
 * usable again). */
static OpMailOutgoing *
finish_build (OpMailComposer *self,
              GAsyncResult   *result)
{
  g_autoptr (OpMailOutgoing) outgoing = NULL;
  g_autoptr (GError) error = NULL;

  outgoing = op_mail_composer_build_finish (self, result, &error);
  if (outgoing == NULL || self->submitter == NULL)
    {
      set_busy (self, FALSE);
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&outgoing);
}

static void
built_for_send (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  OpMailComposer *self = OP_MAIL_COMPOSER (source);
  g_autoptr (OpMailOutgoing) outgoing = finish_build (self, result);

  if (outgoing == NULL)
    return;
  op_mail_submitter_submit_async (self->submitter, outgoing, self->cancellable, submitted,
                                  g_object_ref (self));
}

static void
send_action (GtkWidget  *widget,
             const char *action,
             GVariant   *parameter)
{
  OpMailComposer *self = OP_MAIL_COMPOSER (widget);

  if (self->busy || self->submitter == NULL)
    return;
  show_error (self, NULL);
  set_busy (self, TRUE);
  op_mail_composer_build_async (self, self->cancellable, built_for_send, NULL);
}

static void
draft_saved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (OpMailComposer) self = user_data;
  g_autoptr (GError) error = NULL;
  char *id = g_object_steal_data (G_OBJECT (self), "pending-draft-id");

  set_busy (self, FALSE);
  if (!op_mail_submitter_save_draft_finish (OP_MAIL_SUBMITTER (source), result, &error))
    {
      g_free (id);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      self->changed = TRUE;
      g_signal_emit (self, signals[DRAFT_FINISHED], 0, FALSE);
      return;
    }
  g_free (self->draft_id);
  self->draft_id = id;
  gtk_label_set_text (self->status_label, _("Draft saved"));
  g_signal_emit (self, signals[DRAFT_FINISHED], 0, TRUE);
}

static void
built_for_draft (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  OpMailComposer *self = OP_MAIL_COMPOSER (source);
  g_autoptr (OpMailOutgoing) outgoing = finish_build (self, result);

  if (outgoing == NULL)
    return;
  /* The id becomes the one to replace once the submitter confirms. */
  g_object_set_data_full (G_OBJECT (self), "pending-draft-id", g_strdup (outgoing->message_id), g_free);
  op_mail_submitter_save_draft_async (self->submitter, outgoing, self->draft_id,
                                      self->cancellable, draft_saved, g_object_ref (self));
}

static void
save_draft_action (GtkWidget  *widget,
                   const char *action,
                   GVariant   *parameter)
{
  OpMailComposer *self = OP_MAIL_COMPOSER (widget);

  if (self->busy || self->submitter == NULL)
    return;
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  /* A change made while this one is saved makes the next draft. */
  self->changed = FALSE;
  show_error (self, NULL);
  set_busy (self, TRUE);
  build (self, TRUE, self->cancellable, built_for_draft, NULL);
}

void
op_mail_composer_set_submitter (OpMailComposer  *self,
                                OpMailSubmitter *submitter)
{
  g_return_if_fail (OP_IS_MAIL_COMPOSER (self));
  g_return_if_fail (submitter == NULL || OP_IS_MAIL_SUBMITTER (submitter));

  g_set_object (&self->submitter, submitter);
  gtk_widget_set_visible (self->send_button, submitter != NULL);
  gtk_widget_set_visible (self->draft_button, submitter != NULL);
  set_busy (self, self->busy);
}

void
op_mail_composer_set_autosave_interval (OpMailComposer *self,
                                        guint           seconds)
{
  g_return_if_fail (OP_IS_MAIL_COMPOSER (self));
  self->autosave_seconds = seconds;
  g_clear_handle_id (&self->autosave_id, g_source_remove);
}

gboolean
op_mail_composer_save_draft_if_changed (OpMailComposer *self)
{
  g_return_val_if_fail (OP_IS_MAIL_COMPOSER (self), FALSE);
  if (self->submitter == NULL)
    return FALSE;
  if (self->changed && !self->busy)
    save_draft_action (GTK_WIDGET (self), NULL, NULL);
  return self->busy;
}

/* --- the rest ------------------------------------------------------------------ */

void
op_mail_composer_set_identities (OpMailComposer *self,
                                 GListModel     *identities)
{
  g_return_if_fail (OP_IS_MAIL_COMPOSER (self));
  g_set_object (&self->identities, identities);
  self->filling = TRUE;
  gtk_drop_down_set_model (self->from_dropdown, identities);
  if (identities != NULL && g_list_model_get_n_items (identities) > 0)
    gtk_drop_down_set_selected (self->from_dropdown, 0);
  update_signature (self);
  self->filling = FALSE;
}

GtkEditable *
op_mail_composer_get_to_entry (OpMailComposer *self)
{
  g_return_val_if_fail (OP_IS_MAIL_COMPOSER (self), NULL);
  return GTK_EDITABLE (self->to_entry);
}

GtkEditable *
op_mail_composer_get_cc_entry (OpMailComposer *self)
{
  g_return_val_if_fail (OP_IS_MAIL_COMPOSER (self), NULL);
  return GTK_EDITABLE (self->cc_entry);
}

GtkEditable *
op_mail_composer_get_bcc_entry (OpMailComposer *self)
{
  g_return_val_if_fail (OP_IS_MAIL_COMPOSER (self), NULL);
  return GTK_EDITABLE (self->bcc_entry);
}

GtkEditable *
op_mail_composer_get_subject_entry (OpMailComposer *self)
{
  g_return_val_if_fail (OP_IS_MAIL_COMPOSER (self), NULL);
  return GTK_EDITABLE (self->subject_entry);
}

GtkTextBuffer *
op_mail_composer_get_body (OpMailComposer *self)
{
  g_return_val_if_fail (OP_IS_MAIL_COMPOSER (self), NULL);
  return gtk_text_view_get_buffer (self->body_view);
}

GtkDropDown *
op_mail_composer_get_from_dropdown (OpMailComposer *self)
{
  g_return_val_if_fail (OP_IS_MAIL_COMPOSER (self), NULL);
  return self->from_dropdown;
}

static void
op_mail_composer_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_RICH_TEXT:
      g_value_set_boolean (value, OP_MAIL_COMPOSER (object)->rich_text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_mail_composer_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_RICH_TEXT:
      set_rich_text (OP_MAIL_COMPOSER (object), g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_mail_composer_dispose (GObject *object)
{
  OpMailComposer *self = OP_MAIL_COMPOSER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  /* Their popovers leave the entries before the entries go. */
  for (guint i = 0; i < G_N_ELEMENTS (self->completions); i++)
    {
      if (self->completions[i] != NULL)
        op_mail_address_completion_detach (self->completions[i]);
      g_clear_object (&self->completions[i]);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), OP_TYPE_MAIL_COMPOSER);
  g_clear_object (&self->identities);
  g_clear_object (&self->submitter);
  g_clear_object (&self->original);
  g_clear_pointer (&self->files, g_ptr_array_unref);
  g_clear_pointer (&self->forwarded, g_ptr_array_unref);
  g_clear_pointer (&self->draft_id, g_free);
  G_OBJECT_CLASS (op_mail_composer_parent_class)->dispose (object);
}

static void
op_mail_composer_class_init (OpMailComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_mail_composer_dispose;
  object_class->get_property = op_mail_composer_get_property;
  object_class->set_property = op_mail_composer_set_property;
  properties[PROP_RICH_TEXT] =
    g_param_spec_boolean ("rich-text", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  signals[SENT] = g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[DRAFT_FINISHED] = g_signal_new ("draft-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  _op_mail_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "mail/op-mail-composer.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, OpMailComposer, box);
  gtk_widget_class_bind_template_child (widget_class, OpMailComposer, from_dropdown);
  gtk_widget_class_bind_template_child (widget_class, OpMailComposer, to_entry);
  gtk_widget_class_bind_template_child (widget_class, OpMailComposer, cc_entry);
  gtk_widget_class_bind_template_child (widget_class, OpMailComposer, bcc_entry);
  gtk_widget_class_bind_template_child (widget_class, OpMailComposer, subject_entry);
  gtk_widget_class_bind_template_child (widget_class, OpMailComposer, body_view);
  gtk_widget_class_bind_template_child (widget_class, OpMailComposer, attachment_list);
  gtk_widget_class_bind_template_child (widget_class, OpMailComposer, error_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailComposer, status_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailComposer, draft_button);
  gtk_widget_class_bind_template_child (widget_class, OpMailComposer, send_button);
  gtk_widget_class_install_action (widget_class, "composer.attach", NULL, attach_action);
  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "composer.save-draft", NULL, save_draft_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "composer.send", NULL);
  gtk_widget_class_install_property_action (widget_class, "composer.rich-text", "rich-text");
  for (guint t = 0; t < G_N_ELEMENTS (format_tags); t++)
    {
      g_autofree char *action = g_strconcat ("composer.", format_tags[t], NULL);

      gtk_widget_class_install_action (widget_class, action, NULL, format_action);
    }
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_b, GDK_CONTROL_MASK, "composer.bold", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK, "composer.italic", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK, "composer.underline", NULL);
}

static void
op_mail_composer_init (OpMailComposer *self)
{
  GtkTextBuffer *buffer;
  GtkDropTarget *drop;
  GtkExpression *expression;
  GtkListItemFactory *factory;
  GtkTextIter start;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->files = g_ptr_array_new_with_free_func (g_object_unref);
  self->forwarded = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
  self->autosave_seconds = DEFAULT_AUTOSAVE_SECONDS;

  expression = gtk_property_expression_new (OP_TYPE_MAIL_IDENTITY_ITEM, NULL, "display");
  gtk_drop_down_set_expression (self->from_dropdown, expression);
  gtk_expression_unref (expression);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (identity_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (identity_bind), NULL);
  gtk_drop_down_set_factory (self->from_dropdown, factory);
  g_object_unref (factory);
  g_signal_connect (self->from_dropdown, "notify::selected", G_CALLBACK (on_identity_changed), self);

  buffer = gtk_text_view_get_buffer (self->body_view);
  gtk_text_buffer_get_start_iter (buffer, &start);
  self->signature_start = gtk_text_buffer_create_mark (buffer, NULL, &start, TRUE);
  self->signature_end = gtk_text_buffer_create_mark (buffer, NULL, &start, FALSE);

  self->completions[0] = op_mail_address_completion_new (self->to_entry, C_("mail field", "To"),
                                                         lookup_addresses, lookup_addresses_finish, self);
  self->completions[1] = op_mail_address_completion_new (self->cc_entry, C_("mail field", "Cc"),
                                                         lookup_addresses, lookup_addresses_finish, self);
  self->completions[2] = op_mail_address_completion_new (self->bcc_entry, C_("mail field", "Bcc"),
                                                         lookup_addresses, lookup_addresses_finish, self);
  g_signal_connect (self->to_entry, "changed", G_CALLBACK (on_address_changed), self);
  g_signal_connect (self->cc_entry, "changed", G_CALLBACK (on_address_changed), self);
  g_signal_connect (self->bcc_entry, "changed", G_CALLBACK (on_address_changed), self);
  g_signal_connect_swapped (self->to_entry, "changed", G_CALLBACK (on_field_changed), self);
  g_signal_connect_swapped (self->cc_entry, "changed", G_CALLBACK (on_field_changed), self);
  g_signal_connect_swapped (self->bcc_entry, "changed", G_CALLBACK (on_field_changed), self);
  g_signal_connect_swapped (self->subject_entry, "changed", G_CALLBACK (on_field_changed), self);
  g_signal_connect_swapped (buffer, "changed", G_CALLBACK (on_field_changed), self);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  ensure_format_tags (buffer);
  for (guint t = 0; t < G_N_ELEMENTS (format_tags); t++)
    {
      g_autofree char *action = g_strconcat ("composer.", format_tags[t], NULL);

      gtk_widget_action_set_enabled (GTK_WIDGET (self), action, FALSE);
    }
  set_busy (self, FALSE);
  op_mail_composer_start_new (self);
}

GtkWidget *
op_mail_composer_new (void)
{
  return g_object_new (OP_TYPE_MAIL_COMPOSER, NULL);
}
