/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "news/op-news-binary.h"
#include "op-news-header-row.h"

/* Deeper replies are indented no further: a 40-deep thread stays readable. */
#define MAX_INDENT_DEPTH 12
#define INDENT_PX 14
#define SPACING 6
#define MARGIN_END 8
/* The subject keeps at least this much; the other columns give way first (lines, then
 * author), and indentation never takes more than an eighth of the row. */
#define SUBJECT_MIN_PX 72

struct _OpNewsHeaderRow
{
  GtkWidget parent_instance;

  GtkButton *expander;
  GtkImage  *binary_icon; /* a part of a binary posting ("(2/5)" in the subject) */
  GtkLabel  *subject_label;
  GtkLabel  *author_label;
  GtkLabel  *date_label;
  GtkLabel  *lines_label;
  guint      depth;
};

enum
{
  TOGGLE_EXPANDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OpNewsHeaderRow, op_news_header_row, GTK_TYPE_WIDGET)

static void
on_expander_clicked (OpNewsHeaderRow *self)
{
  g_signal_emit (self, signals[TOGGLE_EXPANDED], 0);
}

static void
op_news_header_row_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (op_news_header_row_parent_class)->dispose (object);
}

static int
child_width (GtkWidget *child, gboolean natural)
{
  int min = 0, nat = 0;

  gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  return natural ? nat : min;
}

static int
indent_for (OpNewsHeaderRow *self, int width)
{
  int indent = (int)MIN (self->depth, MAX_INDENT_DEPTH) * INDENT_PX;

  return width < 0 ? indent : MIN (indent, width / 8);
}

/* The narrow layout (issue 15, a 360 px window): the row asks only for its expander and
 * a short subject; what does not fit is left out when it is allocated. */
static void
op_news_header_row_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                            int *minimum, int *natural, int *minimum_baseline,
                            int *natural_baseline)
{
  OpNewsHeaderRow *self = OP_NEWS_HEADER_ROW (widget);
  GtkWidget       *child;

  *minimum = *natural = 0;
  if (orientation == GTK_ORIENTATION_VERTICAL)
    {
      for (child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        {
          int min = 0, nat = 0;

          gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, -1, &min, &nat, NULL, NULL);
          *minimum = MAX (*minimum, min);
          *natural = MAX (*natural, nat);
        }
      return;
    }
  *minimum = child_width (GTK_WIDGET (self->expander), FALSE) + SPACING + SUBJECT_MIN_PX
             + MARGIN_END;
  *natural = indent_for (self, -1) + child_width (GTK_WIDGET (self->expander), TRUE) + MARGIN_END;
  for (child = GTK_WIDGET (self->subject_label); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    *natural += SPACING + child_width (child, TRUE);
}

static void
op_news_header_row_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  OpNewsHeaderRow *self = OP_NEWS_HEADER_ROW (widget);
  GtkWidget       *expander = GTK_WIDGET (self->expander);
  GtkWidget       *subject = GTK_WIDGET (self->subject_label);
  GtkWidget       *author = GTK_WIDGET (self->author_label);
  GtkWidget       *date = GTK_WIDGET (self->date_label);
  GtkWidget       *lines = GTK_WIDGET (self->lines_label);
  int              x = indent_for (self, width);
  int              expander_width = child_width (expander, FALSE);
  int              date_width = child_width (date, FALSE);
  int              author_width = child_width (author, FALSE);
  int              lines_width = child_width (lines, FALSE);
  int              right = width - MARGIN_END;
  /* The same columns in every row of a width, however deep: they stay lined up. */
  int              room = right - MIN (MAX_INDENT_DEPTH * INDENT_PX, width / 8) - expander_width
                          - SPACING - SUBJECT_MIN_PX;
  gboolean         show_date, show_author, show_lines;

  /* What fits beside the subject, the date first, then the author, then the lines. */
  show_date = room >= date_width + SPACING;
  if (show_date)
    room -= date_width + SPACING;
  show_author = show_date && room >= author_width + SPACING;
  if (show_author)
    room -= author_width + SPACING;
  show_lines = show_author && room >= lines_width + SPACING;
  if (show_author)
    {
      /* The author takes up to its natural width (at most 18 characters) of what is left. */
      int extra = MIN (child_width (author, TRUE) - author_width,
                       room - (show_lines ? lines_width + SPACING : 0));

      if (extra > 0)
        author_width += extra;
    }
  gtk_widget_set_child_visible (lines, show_lines);
  gtk_widget_set_child_visible (author, show_author);
  gtk_widget_set_child_visible (date, show_date);
  gtk_widget_size_allocate (expander, &(GtkAllocation){ x, 0, expander_width, height }, baseline);
  x += expander_width + SPACING;
  if (gtk_widget_get_visible (GTK_WIDGET (self->binary_icon)))
    {
      int icon_width = child_width (GTK_WIDGET (self->binary_icon), FALSE);

      gtk_widget_size_allocate (GTK_WIDGET (self->binary_icon),
                                &(GtkAllocation){ x, 0, icon_width, height }, baseline);
      x += icon_width + SPACING;
    }
  if (show_lines)
    {
      right -= lines_width;
      gtk_widget_size_allocate (lines, &(GtkAllocation){ right, 0, lines_width, height },
                                baseline);
      right -= SPACING;
    }
  if (show_date)
    {
      right -= date_width;
      gtk_widget_size_allocate (date, &(GtkAllocation){ right, 0, date_width, height }, baseline);
      right -= SPACING;
    }
  if (show_author)
    {
      right -= author_width;
      gtk_widget_size_allocate (author, &(GtkAllocation){ right, 0, author_width, height },
                                baseline);
      right -= SPACING;
    }
  gtk_widget_size_allocate (subject, &(GtkAllocation){ x, 0, MAX (0, right - x), height },
                            baseline);
}

static void
op_news_header_row_class_init (OpNewsHeaderRowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_news_header_row_dispose;
  widget_class->measure = op_news_header_row_measure;
  widget_class->size_allocate = op_news_header_row_size_allocate;

  /**
   * OpNewsHeaderRow::toggle-expanded:
   *
   * The expander was clicked.
   */
  signals[TOGGLE_EXPANDED] = g_signal_new ("toggle-expanded", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static GtkLabel *
add_label (OpNewsHeaderRow *self, float xalign, int width_chars, gboolean dim)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  gtk_label_set_width_chars (GTK_LABEL (label), width_chars);
  if (dim)
    {
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "numeric");
    }
  else
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_parent (label, GTK_WIDGET (self));
  return GTK_LABEL (label);
}

/* Built in code, not from a template: GTK 4.8's list view makes 200 rows when a group
 * opens, and parsing a template per row cost more than 100 ms of the window's time
 * (tests/ui/inprocess/test-news-view.c measures it). */
static void
op_news_header_row_init (OpNewsHeaderRow *self)
{
  self->expander = GTK_BUTTON (gtk_button_new_from_icon_name ("pan-down-symbolic"));
  gtk_widget_set_valign (GTK_WIDGET (self->expander), GTK_ALIGN_CENTER);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self->expander), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->expander), "flat");
  gtk_widget_add_css_class (GTK_WIDGET (self->expander), "circular");
  g_signal_connect_swapped (self->expander, "clicked", G_CALLBACK (on_expander_clicked), self);
  gtk_widget_set_parent (GTK_WIDGET (self->expander), GTK_WIDGET (self));
  self->binary_icon = GTK_IMAGE (gtk_image_new_from_icon_name ("package-x-generic-symbolic"));
  gtk_widget_set_visible (GTK_WIDGET (self->binary_icon), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->binary_icon), "dim-label");
  gtk_widget_set_parent (GTK_WIDGET (self->binary_icon), GTK_WIDGET (self));
  /* In this order: the allocation walks the columns after the subject as siblings. */
  self->subject_label = add_label (self, 0, 4, FALSE);
  self->author_label = add_label (self, 0, 8, FALSE);
  gtk_label_set_max_width_chars (self->author_label, 18);
  self->date_label = add_label (self, 1, 11, TRUE);
  self->lines_label = add_label (self, 1, 5, TRUE);
}

GtkWidget *
op_news_header_row_new (void)
{
  return g_object_new (OP_TYPE_NEWS_HEADER_ROW, NULL);
}

/* The local time zone, looked up again at most once a minute: g_time_zone_new_local()
 * reads /etc/localtime's link each call, and a row binds two of them (GTK 4.8 binds 200
 * rows at a time: a fifth of Collapse All's time went there). Main thread only. */
static GTimeZone *
local_zone (void)
{
  static GTimeZone *zone;
  static gint64     looked_up;
  gint64            now = g_get_monotonic_time ();

  if (zone == NULL || now - looked_up > 60 * G_USEC_PER_SEC)
    {
      g_clear_pointer (&zone, g_time_zone_unref);
      zone = g_time_zone_new_local ();
      looked_up = now;
    }
  return zone;
}

char *
op_news_format_date (gint64 date, GDateTime *now)
{
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GDateTime) local = NULL;

  if (date == 0 || (utc = g_date_time_new_from_unix_utc (date)) == NULL)
    return g_strdup ("");
  local = g_date_time_to_timezone (utc, local_zone ());
  if (g_date_time_get_year (local) == g_date_time_get_year (now)
      && g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (now))
    /* TRANSLATORS: an article's time in the header list, today; see g_date_time_format(). */
    return g_date_time_format (local, _ ("%H:%M"));
  if (g_date_time_get_year (local) == g_date_time_get_year (now))
    /* TRANSLATORS: an article's date in the header list, this year. */
    return g_date_time_format (local, _ ("%e %b"));
  /* TRANSLATORS: an article's date in the header list, an earlier year. */
  return g_date_time_format (local, _ ("%e %b %Y"));
}

void
op_news_header_row_set (OpNewsHeaderRow *self, OpNewsHeader *header, gboolean read,
                        gboolean has_children, gboolean expanded)
{
  g_autoptr (GDateTime) now = g_date_time_new_now (local_zone ());
  g_autofree char *date = NULL;
  g_autofree char *lines = NULL;
  g_autofree char *label = NULL;
  const char      *subject, *author;
  guint            depth;

  g_return_if_fail (OP_IS_NEWS_HEADER_ROW (self));

  if (header == NULL)
    {
      gtk_label_set_text (self->subject_label,
                          _ ("(this article could not be read from the store)"));
      gtk_label_set_text (self->author_label, "");
      gtk_label_set_text (self->date_label, "");
      gtk_label_set_text (self->lines_label, "");
      gtk_widget_set_opacity (GTK_WIDGET (self->expander), 0);
      gtk_widget_set_visible (GTK_WIDGET (self->binary_icon), FALSE);
      return;
    }
  subject = op_news_header_get_subject (header);
  if (subject == NULL || *subject == '\0')
    subject = _ ("(no subject)");
  author = op_news_header_get_author (header);
  if (author == NULL)
    author = "";
  depth = op_news_header_get_depth (header);
  if (depth != self->depth)
    {
      self->depth = depth;
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  /* Kept in the layout when there is nothing to expand, so subjects line up. */
  gtk_widget_set_opacity (GTK_WIDGET (self->expander), has_children ? 1 : 0);
  gtk_widget_set_can_target (GTK_WIDGET (self->expander), has_children);
  gtk_widget_set_can_focus (GTK_WIDGET (self->expander), FALSE);
  gtk_button_set_icon_name (self->expander, expanded ? "pan-down-symbolic" : "pan-end-symbolic");
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->expander), GTK_ACCESSIBLE_STATE_EXPANDED,
                               has_children ? expanded : GTK_ACCESSIBLE_VALUE_UNDEFINED,
                               /* Invisible and inert without replies: not read out either. */
                               GTK_ACCESSIBLE_STATE_HIDDEN, !has_children, -1);
  gtk_label_set_text (self->subject_label, subject);
  gtk_label_set_text (self->author_label, author);
  date = op_news_format_date (op_news_header_get_date (header), now);
  gtk_label_set_text (self->date_label, date);
  lines = g_strdup_printf ("%" G_GUINT64_FORMAT, op_news_header_get_lines (header));
  gtk_label_set_text (self->lines_label, lines);
  if (read)
    gtk_widget_remove_css_class (GTK_WIDGET (self->subject_label), "heading");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->subject_label), "heading");
  /* TRANSLATORS: a header row as a screen reader reads it: subject, author, state. */
  label = g_strdup_printf (read ? _ ("%s, by %s, read") : _ ("%s, by %s, unread"), subject, author);
  {
    guint part = 0, total = 0;
    g_autofree char *key = NULL;
    gboolean binary = op_news_binary_parse_subject (subject, &part, &total, &key);

    gtk_widget_set_visible (GTK_WIDGET (self->binary_icon), binary);
    if (binary)
      {
        /* TRANSLATORS: added to a header row's spoken label: a part of a binary posting. */
        g_autofree char *more = g_strdup_printf (_ ("binary part %u of %u"), part, total);
        char            *both = g_strdup_printf ("%s, %s", label, more);

        gtk_widget_set_tooltip_text (GTK_WIDGET (self->binary_icon), more);
        g_free (label);
        label = both;
      }
  }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  /* In the header list, the row the list view wraps around this one takes the focus: it
   * is named too (GTK 4.8 has no GtkListItem:accessible-label). */
  if (GTK_IS_WIDGET (gtk_widget_get_parent (GTK_WIDGET (self))))
    gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (GTK_WIDGET (self))),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  {
    /* Every row has one: its name says whose thread it opens or closes. */
    /* TRANSLATORS: the button that opens or closes a thread in the News header list; %s
     * is the thread's subject. */
    g_autofree char *expander = g_strdup_printf (_ ("News: Expand or Collapse “%s”"), subject);

    gtk_accessible_update_property (GTK_ACCESSIBLE (self->expander), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    expander, -1);
  }
}
