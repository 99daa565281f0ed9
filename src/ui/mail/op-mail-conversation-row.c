/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "op-mail-conversation-row.h"
#include "op-mail-resources.h"

struct _OpMailConversationRow
{
  GtkWidget  parent_instance;

  GtkWidget *grid;
  GtkWidget *unread_icon;
  GtkLabel  *senders_label;
  GtkWidget *attachment_icon;
  GtkWidget *flag_icon;
  GtkLabel  *date_label;
  GtkLabel  *subject_label;
  GtkLabel  *count_label;
  GtkLabel  *preview_label;

  char      *description;
};

G_DEFINE_FINAL_TYPE (OpMailConversationRow, op_mail_conversation_row, GTK_TYPE_WIDGET)

/*
 * One line of text in a row (its label the only child), sized without laying the text
 * out: one line of the label's font high, its width-chars of that font wide at least,
 * and no wider by nature than that (the grid gives it the row's width). A GtkLabel that
 * ellipsizes measures by shaping its whole text, twice (its natural width, then its
 * height for the width), and GTK 4.8's list view makes, binds and measures up to 200
 * rows when the list jumps: measuring the rows' texts was most of a jump's frame
 * (tests/bench/README.md "mail-view"). The label still shapes its text once it is
 * allocated and drawn, and stays what tests and screen readers find.
 */
#define OP_TYPE_MAIL_ROW_LINE (op_mail_row_line_get_type ())
G_DECLARE_FINAL_TYPE (OpMailRowLine, op_mail_row_line, OP, MAIL_ROW_LINE, GtkWidget)

struct _OpMailRowLine
{
  GtkWidget parent_instance;
};

G_DEFINE_FINAL_TYPE (OpMailRowLine, op_mail_row_line, GTK_TYPE_WIDGET)

/* What a line is measured with: Latin ascenders and descenders, the ellipsis and Chinese
 * (either can come from a fallback font whose lines are taller). */
#define SAMPLE_LINE "Xgjy\xe2\x80\xa6\xe7\x8e\x8b"

typedef struct
{
  int height;       /* of one line, in pixels */
  int char_width;   /* approximate, in Pango units */
} LineMetrics;

/* Per font: looking the metrics up costs about as much as shaping a short text. Forgotten
 * when the resolution changes (the desktop's text scaling). */
static const LineMetrics *
line_metrics (GtkWidget *label)
{
  static GHashTable *known;   /* PangoFontDescription → LineMetrics */
  static double known_resolution;
  PangoContext *context = gtk_widget_get_pango_context (label);
  const PangoFontDescription *font = pango_context_get_font_description (context);
  double resolution = pango_cairo_context_get_resolution (context);
  LineMetrics *metrics;
  PangoFontMetrics *found;

  if (known == NULL)
    known = g_hash_table_new_full ((GHashFunc) pango_font_description_hash,
                                   (GEqualFunc) pango_font_description_equal,
                                   (GDestroyNotify) pango_font_description_free, g_free);
  if (resolution != known_resolution)
    {
      g_hash_table_remove_all (known);
      known_resolution = resolution;
    }
  metrics = g_hash_table_lookup (known, font);
  if (metrics != NULL)
    return metrics;
  found = pango_context_get_metrics (context, font, NULL);
  metrics = g_new (LineMetrics, 1);
  metrics->char_width = pango_font_metrics_get_approximate_char_width (found);
  pango_font_metrics_unref (found);
  /* As high as a label's line: a line of text laid out in this font. */
  {
    g_autoptr (PangoLayout) line = pango_layout_new (context);

    pango_layout_set_text (line, SAMPLE_LINE, -1);
    pango_layout_get_pixel_size (line, NULL, &metrics->height);
  }
  g_hash_table_insert (known, pango_font_description_copy (font), metrics);
  return metrics;
}

static void
op_mail_row_line_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  GtkWidget *label = gtk_widget_get_first_child (widget);
  const LineMetrics *metrics;

  *minimum = *natural = 0;
  if (label == NULL || !gtk_widget_get_visible (label))
    return;
  metrics = line_metrics (label);
  if (orientation == GTK_ORIENTATION_VERTICAL)
    *minimum = *natural = metrics->height;
  else
    *minimum = *natural = PANGO_PIXELS_CEIL (metrics->char_width
                                             * MAX (gtk_label_get_width_chars (GTK_LABEL (label)), 3));
}

static void
op_mail_row_line_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  GtkWidget *label = gtk_widget_get_first_child (widget);

  if (label != NULL && gtk_widget_get_visible (label))
    gtk_widget_allocate (label, width, height, -1, NULL);
}

static void
op_mail_row_line_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (op_mail_row_line_parent_class)->dispose (object);
}

static void
op_mail_row_line_class_init (OpMailRowLineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_mail_row_line_dispose;
  widget_class->measure = op_mail_row_line_measure;
  widget_class->size_allocate = op_mail_row_line_size_allocate;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GENERIC);
}

static void
op_mail_row_line_init (OpMailRowLine *self)
{
}

/* The local time zone, looked up once per session: looking it up for every row took a
 * quarter of the time a row of the list needs to show a conversation
 * (tests/bench/bench-mail-view). */
static GTimeZone *
local_zone (void)
{
  static gsize zone;

  if (g_once_init_enter (&zone))
    g_once_init_leave (&zone, (gsize) g_time_zone_new_local ());
  return (GTimeZone *) zone;
}

char *
op_mail_format_list_date (gint64     date,
                          GDateTime *now)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (date);
  g_autoptr (GDateTime) local = NULL;
  g_autoptr (GDateTime) local_now = NULL;

  if (utc == NULL || date <= 0)
    return g_strdup ("");
  local = g_date_time_to_timezone (utc, local_zone ());
  local_now = now != NULL ? g_date_time_to_timezone (now, local_zone ())
                          : g_date_time_new_now (local_zone ());

  if (g_date_time_get_year (local) == g_date_time_get_year (local_now)
      && g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (local_now))
    /* Translators: a message's time in the list, for mail of today (strftime). */
    return g_date_time_format (local, _("%H:%M"));
  if (g_date_time_get_year (local) == g_date_time_get_year (local_now))
    /* Translators: a message's day in the list, for mail of this year (strftime). */
    return g_date_time_format (local, _("%b %-e"));
  /* Translators: a message's date in the list, for mail of other years (strftime). */
  return g_date_time_format (local, _("%Y-%m-%d"));
}

static void
show (OpMailConversationRow *self,
      const char            *senders,
      const char            *subject,
      const char            *preview,
      gint64                 date,
      guint                  n_messages,
      gboolean               unread,
      gboolean               flagged,
      gboolean               attachments)
{
  g_autofree char *when = op_mail_format_list_date (date, NULL);
  const char *shown_subject = subject[0] != '\0' ? subject : _("(No Subject)");
  g_autoptr (GPtrArray) parts = NULL;
  g_autofree char *list = NULL;
  g_autofree char *text = NULL;

  gtk_label_set_text (self->senders_label, senders);
  gtk_label_set_text (self->subject_label, shown_subject);
  gtk_label_set_text (self->preview_label, preview);
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->preview_label)), preview[0] != '\0');
  gtk_label_set_text (self->date_label, when);
  if (n_messages > 1)
    {
      g_autofree char *count = g_strdup_printf ("%u", n_messages);

      gtk_label_set_text (self->count_label, count);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->count_label), n_messages > 1);
  gtk_widget_set_opacity (self->unread_icon, unread ? 1.0 : 0.0);
  gtk_widget_set_visible (self->flag_icon, flagged);
  gtk_widget_set_visible (self->attachment_icon, attachments);

  if (unread)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->senders_label), "heading");
      gtk_widget_add_css_class (GTK_WIDGET (self), "op-mail-unread");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->senders_label), "heading");
      gtk_widget_remove_css_class (GTK_WIDGET (self), "op-mail-unread");
    }

  /* What a screen reader says: sender, subject, date and the state, in that order; each
   * part a whole translation, joined as a list (no sentence built from pieces). */
  parts = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (parts, g_strdup (senders));
  g_ptr_array_add (parts, g_strdup (shown_subject));
  g_ptr_array_add (parts, g_strdup (when));
  if (n_messages > 1)
    /* Translators: in a conversation row read out by a screen reader, the messages in it. */
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u message", "%u messages", n_messages),
                                             n_messages));
  if (unread)
    /* Translators: a conversation's state, read out by a screen reader. */
    g_ptr_array_add (parts, g_strdup (C_("conversation", "unread")));
  if (flagged)
    /* Translators: a conversation's state, read out by a screen reader. */
    g_ptr_array_add (parts, g_strdup (C_("conversation", "flagged")));
  if (attachments)
    /* Translators: a conversation's state, read out by a screen reader. */
    g_ptr_array_add (parts, g_strdup (C_("conversation", "with attachments")));
  g_ptr_array_add (parts, NULL);
  /* Translators: separates the parts of a conversation row read out by a screen reader:
   * senders, subject, date and its state. */
  list = g_strjoinv (C_("conversation", ", "), (char **) parts->pdata);
  /* Translators: a conversation row read out by a screen reader; %s is the list of its
   * senders, subject, date and state. */
  text = g_strdup_printf (_("Mail: %s"), list);
  g_free (self->description);
  self->description = g_steal_pointer (&text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->description, -1);
  /* In a list, the row the list view wraps around this one is what takes the focus: it
   * is named too (GTK 4.8 has no GtkListItem:accessible-label), or a screen reader hears
   * conversations without a name. */
  if (GTK_IS_WIDGET (gtk_widget_get_parent (GTK_WIDGET (self))))
    gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (GTK_WIDGET (self))),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, self->description, -1);
}

void
op_mail_conversation_row_set_conversation (OpMailConversationRow *self,
                                           OpMailConversation    *conversation)
{
  g_return_if_fail (OP_IS_MAIL_CONVERSATION_ROW (self));
  g_return_if_fail (OP_IS_MAIL_CONVERSATION (conversation));

  show (self,
        op_mail_conversation_get_senders (conversation),
        op_mail_conversation_get_subject (conversation),
        op_mail_conversation_get_preview (conversation),
        op_mail_conversation_get_date (conversation),
        op_mail_conversation_get_n_messages (conversation),
        op_mail_conversation_get_n_unread (conversation) > 0,
        op_mail_conversation_get_flagged (conversation),
        op_mail_conversation_get_has_attachments (conversation));
}

void
op_mail_conversation_row_set_message (OpMailConversationRow *self,
                                      OpMailMessage         *message)
{
  OpMailFlags flags;
  const char *name;

  g_return_if_fail (OP_IS_MAIL_CONVERSATION_ROW (self));
  g_return_if_fail (OP_IS_MAIL_MESSAGE (message));

  flags = op_mail_message_get_flags (message);
  name = op_mail_message_get_from_name (message);
  show (self,
        name[0] != '\0' ? name : op_mail_message_get_from_address (message),
        op_mail_message_get_subject (message),
        op_mail_message_get_preview (message),
        op_mail_message_get_date (message),
        1,
        (flags & OP_MAIL_FLAG_SEEN) == 0,
        (flags & OP_MAIL_FLAG_FLAGGED) != 0,
        op_mail_message_get_has_attachments (message));
}

const char *
op_mail_conversation_row_get_description (OpMailConversationRow *self)
{
  g_return_val_if_fail (OP_IS_MAIL_CONVERSATION_ROW (self), NULL);

  return self->description != NULL ? self->description : "";
}

static void
op_mail_conversation_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), OP_TYPE_MAIL_CONVERSATION_ROW);
  G_OBJECT_CLASS (op_mail_conversation_row_parent_class)->dispose (object);
}

static void
op_mail_conversation_row_finalize (GObject *object)
{
  OpMailConversationRow *self = OP_MAIL_CONVERSATION_ROW (object);

  g_free (self->description);
  G_OBJECT_CLASS (op_mail_conversation_row_parent_class)->finalize (object);
}

static void
op_mail_conversation_row_class_init (OpMailConversationRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_mail_conversation_row_dispose;
  object_class->finalize = op_mail_conversation_row_finalize;

  _op_mail_ensure_resources ();
  g_type_ensure (OP_TYPE_MAIL_ROW_LINE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "mail/op-mail-conversation-row.ui");
  gtk_widget_class_bind_template_child (widget_class, OpMailConversationRow, grid);
  gtk_widget_class_bind_template_child (widget_class, OpMailConversationRow, unread_icon);
  gtk_widget_class_bind_template_child (widget_class, OpMailConversationRow, senders_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailConversationRow, attachment_icon);
  gtk_widget_class_bind_template_child (widget_class, OpMailConversationRow, flag_icon);
  gtk_widget_class_bind_template_child (widget_class, OpMailConversationRow, date_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailConversationRow, subject_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailConversationRow, count_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailConversationRow, preview_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
op_mail_conversation_row_init (OpMailConversationRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
op_mail_conversation_row_new (void)
{
  return g_object_new (OP_TYPE_MAIL_CONVERSATION_ROW, NULL);
}
