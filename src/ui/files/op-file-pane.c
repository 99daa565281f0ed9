/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

#include "config.h"

#include <glib/gi18n.h>

#include "op-file-list.h"
#include "op-file-pane.h"
#include "op-ui-resources.h"

/* Recent folders kept in the path entry's history menu. */
#define HISTORY_LENGTH 15

struct _OpFilePane
{
  GtkWidget          parent_instance;

  char              *title;
  char              *path;
  GPtrArray         *history;      /* char *, most recent first, NULL-terminated */
  OpFileList        *list;         /* filtered and sorted off the main thread */
  GtkMultiSelection *selection;
  GHashTable        *reselect_names; /* names selected when the rows were replaced */
  gboolean           new_folder;   /* the pending rows are of another folder */
  gboolean           list_had_focus; /* when the rows were replaced */
  gboolean           awaiting_listing;
  char              *status;
  GtkWidget         *context_menu;      /* made from context_model when first shown */
  GMenuModel        *context_model;

  GtkWidget         *box;
  GtkLabel          *title_label;
  GtkButton         *up_button;
  GtkButton         *refresh_button;
  GtkEntry          *path_entry;
  GtkMenuButton     *history_button;
  GtkSearchEntry    *filter_entry;
  GtkToggleButton   *hidden_button;
  GtkButton         *dismiss_button;
  GtkRevealer       *error_revealer;
  GtkLabel          *error_label;
  GtkStack          *stack;
  AdwStatusPage     *placeholder_page;
  AdwStatusPage     *empty_page;
  GtkSpinner        *spinner;
  guint              spinner_timeout; /* starts the spinner of a slow listing */
  GtkColumnView     *column_view;
  GtkLabel          *status_label;
  GMenu             *history_menu;

  /* Folder comparison (op_file_pane_set_marks()). */
  GHashTable        *marks;        /* name → OpFileMark, nullable */
  GHashTable        *bound_items;  /* GtkListItem of the Name column now bound */
};

G_DEFINE_FINAL_TYPE (OpFilePane, op_file_pane, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_TITLE,
  PROP_SHOW_HIDDEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_NAVIGATE,
  SIGNAL_GO_UP,
  SIGNAL_REFRESH,
  SIGNAL_ROW_ACTIVATED,
  SIGNAL_SELECTION_CHANGED,
  SIGNAL_LISTED,
  SIGNAL_DRAG_PREPARE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- sorting and filtering ---------------------------------------------------------- */

/* --- the status line ---------------------------------------------------------------- */

static void
update_status (OpFilePane *self)
{
  guint n_folders = op_file_list_get_n_folders (self->list);
  guint n_files = op_file_list_get_n_files (self->list);
  g_autofree char *size = g_format_size (op_file_list_get_total_size (self->list));
  g_autofree char *folders = NULL;
  g_autofree char *files = NULL;

  /* An empty folder, or a filter that matches nothing, says so instead of a blank list. */
  if (self->path != NULL
      && g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "loading") != 0)
    {
      gboolean empty = n_folders + n_files == 0;
      gboolean filtered = op_file_list_get_n_rows (self->list) > 0;

      if (empty)
        {
          adw_status_page_set_icon_name (self->empty_page, filtered ? "edit-find-symbolic"
                                                                    : "folder-symbolic");
          adw_status_page_set_title (self->empty_page, filtered ? _("No Matching Files")
                                                                : _("Empty Folder"));
          adw_status_page_set_description (self->empty_page,
                                           filtered ? _("Hidden files and the filter leave nothing to show.")
                                                    : NULL);
        }
      gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "list");
    }

  folders = g_strdup_printf (ngettext ("%u folder", "%u folders", n_folders), n_folders);
  files = g_strdup_printf (ngettext ("%u file", "%u files", n_files), n_files);
  g_free (self->status);
  /* Translators: the status line of a file pane: "3 folders, 12 files, 4.2 MB" */
  self->status = g_strdup_printf (_("%s, %s, %s"), folders, files, size);
  gtk_label_set_text (self->status_label, self->status);
}

/* A re-sort, a new filter or a refresh of the same folder keeps the selection: by name
 * (names are unique in a folder, and a refresh brings new rows). Taken just before the
 * rows are replaced, so a click while the folder was being read counts too. */
static void
on_list_replacing (OpFilePane *self)
{
  g_autoptr (GPtrArray) selected = NULL;

  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  /* The focused row goes away with the old rows; the list gets the focus back after. */
  self->list_had_focus = focus != NULL
                         && (focus == GTK_WIDGET (self->column_view)
                             || gtk_widget_is_ancestor (focus, GTK_WIDGET (self->column_view)));

  g_clear_pointer (&self->reselect_names, g_hash_table_unref);
  if (self->new_folder)
    return;
  selected = op_file_pane_dup_selection (self);
  self->reselect_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < selected->len; i++)
    g_hash_table_add (self->reselect_names,
                      g_strdup (op_file_row_get_name (g_ptr_array_index (selected, i))));
}

static void
on_list_updated (OpFilePane *self)
{
  update_status (self);

  if (self->list_had_focus)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

      if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->column_view)))
        gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
      self->list_had_focus = FALSE;
    }

  if (self->reselect_names != NULL && g_hash_table_size (self->reselect_names) > 0)
    {
      GListModel *shown = G_LIST_MODEL (self->list);
      guint n = g_list_model_get_n_items (shown);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr (OpFileRow) row = g_list_model_get_item (shown, i);

          if (g_hash_table_contains (self->reselect_names, op_file_row_get_name (row)))
            gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), i, FALSE);
        }
    }
  g_clear_pointer (&self->reselect_names, g_hash_table_unref);

  if (self->awaiting_listing && !op_file_list_is_busy (self->list))
    {
      self->new_folder = FALSE;
      self->awaiting_listing = FALSE;
      g_signal_emit (self, signals[SIGNAL_LISTED], 0);
    }
}

/* The column view's sorter only says which column and which way (GTK 4.8 has no getter
 * for that): ask it about probe rows that differ in one column, or in two, and sort
 * the list accordingly. */
static void
on_sorter_changed (OpFilePane *self)
{
  GtkSorter *sorter;
  int direction[6] = { 0 };
  int primary = -1;

  /* The column view's columns go away while the pane is disposed. */
  if (self->column_view == NULL || self->list == NULL)
    return;
  sorter = gtk_column_view_get_sorter (self->column_view);

  for (int c = 0; c <= OP_FILE_COLUMN_OWNER; c++)
    {
      guint low[6] = { 0 }, high[6] = { 0 };
      g_autoptr (OpFileRow) a = NULL;
      g_autoptr (OpFileRow) b = NULL;

      high[c] = 1;
      a = _op_file_row_new_probe (low);
      b = _op_file_row_new_probe (high);
      direction[c] = gtk_sorter_compare (sorter, a, b);
    }

  for (int c = 0; c <= OP_FILE_COLUMN_OWNER; c++)
    {
      gboolean dominates = TRUE;

      if (direction[c] == 0)
        continue;
      for (int d = 0; d <= OP_FILE_COLUMN_OWNER && dominates; d++)
        {
          guint p_ranks[6] = { 0 }, q_ranks[6] = { 0 };
          g_autoptr (OpFileRow) p = NULL;
          g_autoptr (OpFileRow) q = NULL;

          if (d == c || direction[d] == 0)
            continue;
          /* c says p < q, d says the opposite: the first in the chain wins. */
          p_ranks[d] = 1;
          q_ranks[c] = 1;
          p = _op_file_row_new_probe (p_ranks);
          q = _op_file_row_new_probe (q_ranks);
          dominates = gtk_sorter_compare (sorter, p, q) == direction[c];
        }
      if (dominates)
        {
          primary = c;
          break;
        }
    }

  if (primary < 0)
    op_file_list_set_sort (self->list, OP_FILE_COLUMN_NAME, FALSE);
  else
    op_file_list_set_sort (self->list, primary, direction[primary] == GTK_ORDERING_LARGER);
}

/* --- columns ------------------------------------------------------------------------ */

static const char * const mark_classes[] = {
  NULL, "compare-only-here", "compare-newer", "compare-older", "compare-size-differs",
  "compare-kind-differs",
};

const char *
op_file_mark_to_label (OpFileMark mark)
{
  switch (mark)
    {
    case OP_FILE_MARK_ONLY_HERE:
      /* Translators: folder comparison, after a file's name: the other side lacks it */
      return _("Only here");
    case OP_FILE_MARK_NEWER:
      /* Translators: folder comparison: this side's file is newer */
      return _("Newer");
    case OP_FILE_MARK_OLDER:
      /* Translators: folder comparison: the other side's file is newer */
      return _("Older");
    case OP_FILE_MARK_SIZE_DIFFERS:
      return _("Different size");
    case OP_FILE_MARK_KIND_DIFFERS:
      /* Translators: folder comparison: a folder on one side, a file on the other */
      return _("Folder and file");
    case OP_FILE_MARK_NONE:
    default:
      return NULL;
    }
}

static void
setup_name_cell (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *badge = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (badge, "compare-badge");
  gtk_widget_add_css_class (badge, "caption");
  gtk_widget_set_visible (badge, FALSE);
  gtk_box_append (GTK_BOX (box), gtk_image_new ());
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), badge);
  gtk_list_item_set_child (item, box);
}

/* The comparison's mark on a bound row: a class on the whole row (its colour), a word
 * after the name and the row's accessible description (for those who cannot tell the
 * colour). */
static void
apply_mark (OpFilePane  *self,
            GtkListItem *item)
{
  OpFileRow *row = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *badge = box != NULL ? gtk_widget_get_last_child (box) : NULL;
  GtkWidget *cell = box != NULL ? gtk_widget_get_parent (box) : NULL;
  GtkWidget *row_widget = cell != NULL ? gtk_widget_get_parent (cell) : NULL;
  OpFileMark mark = row != NULL ? op_file_pane_get_mark (self, op_file_row_get_name (row))
                                : OP_FILE_MARK_NONE;
  const char *text = op_file_mark_to_label (mark);

  if (badge == NULL)
    return;
  gtk_label_set_text (GTK_LABEL (badge), text != NULL ? text : "");
  gtk_widget_set_visible (badge, text != NULL);
  for (guint i = 1; i < G_N_ELEMENTS (mark_classes); i++)
    {
      if (row_widget != NULL)
        gtk_widget_remove_css_class (row_widget, mark_classes[i]);
    }
  if (row_widget != NULL && mark != OP_FILE_MARK_NONE)
    gtk_widget_add_css_class (row_widget, mark_classes[mark]);
  for (GtkWidget *w = cell; w != NULL && w != GTK_WIDGET (self->column_view);
       w = w == cell ? row_widget : NULL)
    {
      if (text != NULL)
        gtk_accessible_update_property (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                        text, -1);
      else
        gtk_accessible_reset_property (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

static void
unbind_name_cell (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  OpFilePane               *self)
{
  if (self->bound_items != NULL)
    g_hash_table_remove (self->bound_items, item);
}

static void
bind_name_cell (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                OpFilePane               *self)
{
  OpFileRow *row = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *image = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_next_sibling (image);

  GtkWidget *cell = gtk_widget_get_parent (box);

  /* What op_file_pane_get_row_at() finds under a drop. */
  if (cell != NULL && gtk_widget_get_parent (cell) != NULL)
    g_object_set_data_full (G_OBJECT (gtk_widget_get_parent (cell)), "op-file-row",
                            g_object_ref (row), g_object_unref);
  gtk_image_set_from_gicon (GTK_IMAGE (image), op_file_row_get_icon (row));
  gtk_label_set_text (GTK_LABEL (label), op_file_row_get_name (row));
  /* The cell and the row the column view wraps around it are what a screen reader walks
   * and what takes the focus: name both after the file (GTK 4.8 has no
   * GtkListItem:accessible-label), or it hears rows without a name. */
  if (cell != NULL)
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (cell), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      op_file_row_get_name (row), -1);
      if (gtk_widget_get_parent (cell) != NULL)
        gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (cell)),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        op_file_row_get_name (row), -1);
    }
  g_hash_table_add (self->bound_items, item);
  apply_mark (self, item);
}

static void
setup_text_cell (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  user_data)
{
  OpFileColumn column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), column == OP_FILE_COLUMN_SIZE ? 1 : 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (column == OP_FILE_COLUMN_SIZE || column == OP_FILE_COLUMN_PERMISSIONS
      || column == OP_FILE_COLUMN_MODIFIED)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
bind_text_cell (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  OpFileRow *row = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  g_autofree char *text = NULL;

  switch ((OpFileColumn) GPOINTER_TO_INT (user_data))
    {
    case OP_FILE_COLUMN_SIZE:
      text = op_file_row_format_size (row);
      break;
    case OP_FILE_COLUMN_TYPE:
      text = op_file_row_format_type (row);
      break;
    case OP_FILE_COLUMN_MODIFIED:
      text = op_file_row_format_modified (row);
      break;
    case OP_FILE_COLUMN_PERMISSIONS:
      text = op_file_row_format_permissions (row);
      break;
    case OP_FILE_COLUMN_OWNER:
      text = g_strdup (op_file_row_get_owner (row));
      break;
    case OP_FILE_COLUMN_NAME:
    default:
      g_assert_not_reached ();
    }

  gtk_label_set_text (GTK_LABEL (label), text != NULL ? text : "");
}

static GtkColumnViewColumn *
add_column (OpFilePane   *self,
            OpFileColumn  column,
            const char   *title,
            int           width)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_autoptr (GtkSorter) sorter = NULL;
  g_autoptr (GtkColumnViewColumn) view_column = NULL;

  if (column == OP_FILE_COLUMN_NAME)
    {
      g_signal_connect (factory, "setup", G_CALLBACK (setup_name_cell), NULL);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_name_cell), self);
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_name_cell), self);
    }
  else
    {
      g_signal_connect (factory, "setup", G_CALLBACK (setup_text_cell), GINT_TO_POINTER (column));
      g_signal_connect (factory, "bind", G_CALLBACK (bind_text_cell), GINT_TO_POINTER (column));
    }

  view_column = gtk_column_view_column_new (title, factory);
  sorter = GTK_SORTER (gtk_custom_sorter_new (_op_file_row_key_sort_func,
                                              GINT_TO_POINTER (column), NULL));
  gtk_column_view_column_set_sorter (view_column, sorter);
  gtk_column_view_column_set_resizable (view_column, TRUE);
  if (width > 0)
    gtk_column_view_column_set_fixed_width (view_column, width);
  else
    gtk_column_view_column_set_expand (view_column, TRUE);
  gtk_column_view_append_column (self->column_view, view_column);

  return view_column;
}

/* --- template callbacks ------------------------------------------------------------- */

static void
on_up_clicked (OpFilePane *self)
{
  g_signal_emit (self, signals[SIGNAL_GO_UP], 0);
}

static void
on_refresh_clicked (OpFilePane *self)
{
  g_signal_emit (self, signals[SIGNAL_REFRESH], 0);
}

static void
on_path_activate (OpFilePane *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->path_entry));

  if (text[0] != '\0')
    {
      g_autofree char *path = g_strdup (text);

      /* As in a file manager: after Enter the keys go to the list (Delete, F2…), not to
       * the entry. */
      op_file_pane_focus_list (self);
      g_signal_emit (self, signals[SIGNAL_NAVIGATE], 0, path);
    }
}

static void
on_filter_changed (OpFilePane *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->filter_entry));

  op_file_list_set_filter (self->list, text);
}

static void
on_hidden_toggled (OpFilePane *self)
{
  op_file_list_set_show_hidden (self->list, gtk_toggle_button_get_active (self->hidden_button));
  /* The remote side lists dot files only when asked for them (LIST -a): the view
   * listens and lists again. */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_HIDDEN]);
}

static void
on_column_view_activate (OpFilePane *self,
                         guint       position)
{
  g_autoptr (OpFileRow) row = g_list_model_get_item (G_LIST_MODEL (self->list), position);

  if (row != NULL)
    g_signal_emit (self, signals[SIGNAL_ROW_ACTIVATED], 0, row);
}

static void
on_selection_changed (OpFilePane *self)
{
  g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
}

/* --- context menu ------------------------------------------------------------------- */

static void
popup_context_menu (OpFilePane *self,
                    double      x,
                    double      y)
{
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };

  if (self->context_menu == NULL && self->context_model != NULL)
    {
      self->context_menu = gtk_popover_menu_new_from_model (self->context_model);
      gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));
      gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
      gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
    }
  if (self->context_menu == NULL)
    return;

  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu), &rect);
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

static void
on_right_click (GtkGestureClick *gesture,
                int              n_press,
                double           x,
                double           y,
                OpFilePane      *self)
{
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  g_autoptr (GtkBitset) selected = NULL;
  graphene_point_t point;
  GtkWidget *picked;

  /* The click is in the stack's coordinates (the list, or an empty folder's page); the
   * popover hangs off the pane. */
  if (!gtk_widget_compute_point (widget, GTK_WIDGET (self),
                                 &GRAPHENE_POINT_INIT ((float) x, (float) y), &point))
    return;

  /* Like a file manager, a right click on a row with nothing selected selects that row
   * (the row widget's own "listitem.select" action: GTK 4.8 has no public way from a
   * point to a position). */
  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  picked = gtk_widget_pick (widget, x, y, GTK_PICK_DEFAULT);
  if (picked != NULL && gtk_bitset_is_empty (selected)
      && gtk_widget_is_ancestor (picked, GTK_WIDGET (self->column_view)))
    gtk_widget_activate_action (picked, "listitem.select", "(bb)", FALSE, FALSE);

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  popup_context_menu (self, point.x, point.y);
}

static void
context_menu_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  OpFilePane *self = OP_FILE_PANE (widget);
  graphene_rect_t bounds;

  if (gtk_widget_compute_bounds (GTK_WIDGET (self->column_view), widget, &bounds))
    popup_context_menu (self, bounds.origin.x + 24, bounds.origin.y + 24);
}

/* --- drag and drop ------------------------------------------------------------------ */

static GdkContentProvider *
on_drag_prepare (GtkDragSource *source,
                 double         x,
                 double         y,
                 OpFilePane    *self)
{
  g_autoptr (GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  GdkContentProvider *content = NULL;

  if (gtk_bitset_is_empty (selected))
    return NULL;
  g_signal_emit (self, signals[SIGNAL_DRAG_PREPARE], 0, &content);
  return content;
}

/* --- history ------------------------------------------------------------------------ */

static void
remember_path (OpFilePane *self,
               const char *path)
{
  /* The array ends with NULL: index len - 1. */
  for (guint i = 0; i + 1 < self->history->len; i++)
    {
      if (g_strcmp0 (g_ptr_array_index (self->history, i), path) == 0)
        {
          g_ptr_array_remove_index (self->history, i);
          break;
        }
    }
  g_ptr_array_insert (self->history, 0, g_strdup (path));
  while (self->history->len > HISTORY_LENGTH + 1)
    g_ptr_array_remove_index (self->history, self->history->len - 2);

  g_menu_remove_all (self->history_menu);
  for (guint i = 0; i + 1 < self->history->len; i++)
    {
      const char *item = g_ptr_array_index (self->history, i);
      g_autoptr (GMenuItem) menu_item = g_menu_item_new (item, NULL);

      g_menu_item_set_action_and_target_value (menu_item, "pane.go-to",
                                               g_variant_new_string (item));
      g_menu_append_item (self->history_menu, menu_item);
    }
}

static void
go_to_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  g_signal_emit (widget, signals[SIGNAL_NAVIGATE], 0, g_variant_get_string (parameter, NULL));
}

/* --- public API --------------------------------------------------------------------- */

/* Without a folder (not connected) there is nothing to go up from, refresh or filter. */
static void
set_controls_sensitive (OpFilePane *self,
                        gboolean    sensitive)
{
  GtkWidget *controls[] = {
    GTK_WIDGET (self->up_button), GTK_WIDGET (self->path_entry),
    GTK_WIDGET (self->history_button), GTK_WIDGET (self->refresh_button),
    GTK_WIDGET (self->filter_entry), GTK_WIDGET (self->hidden_button),
  };

  for (guint i = 0; i < G_N_ELEMENTS (controls); i++)
    gtk_widget_set_sensitive (controls[i], sensitive);
}

/* A listing that comes within this many ms never shows the spinner (a local folder
 * mostly): no flash of it, and no spinning animation (and its icon) in a first frame. */
#define SPINNER_DELAY_MS 300

static gboolean
start_spinner (gpointer data)
{
  OpFilePane *self = data;

  self->spinner_timeout = 0;
  gtk_spinner_start (self->spinner);
  return G_SOURCE_REMOVE;
}

static void
stop_spinner (OpFilePane *self)
{
  g_clear_handle_id (&self->spinner_timeout, g_source_remove);
  gtk_spinner_stop (self->spinner);
}

static void
set_listing (OpFilePane   *self,
             const char   *path,
             GPtrArray    *rows,
             OpFtpListing *listing)
{
  gboolean same_folder;


  same_folder = g_strcmp0 (self->path, path) == 0;
  if (!same_folder)
    {
      g_free (self->path);
      self->path = g_strdup (path);
      op_file_pane_set_marks (self, NULL);
      /* A new folder starts unfiltered. */
      gtk_editable_set_text (GTK_EDITABLE (self->filter_entry), "");
    }
  gtk_editable_set_text (GTK_EDITABLE (self->path_entry), path);
  remember_path (self, path);

  /* Filtered and sorted on a worker thread; the pane shows the result when it lands
   * (::listed). */
  /* Another folder starts with nothing selected; a refresh keeps the selection. */
  self->new_folder = self->new_folder || !same_folder;
  self->awaiting_listing = TRUE;
  if (listing != NULL)
    op_file_list_set_ftp_listing (self->list, listing);
  else
    op_file_list_set_rows (self->list, rows);
  stop_spinner (self);
  gtk_stack_set_visible_child_name (self->stack, "list");
  set_controls_sensitive (self, TRUE);
}

/**
 * op_file_pane_set_listing:
 * @self: the pane
 * @path: the folder shown
 * @rows: (transfer none) (element-type OpFileRow): its entries, in any order
 *
 * Shows @rows for @path, replacing what was there in one change (a 100,000-entry
 * folder is one splice, not 100,000 insertions).
 */
void
op_file_pane_set_listing (OpFilePane *self,
                          const char *path,
                          GPtrArray  *rows)
{
  g_return_if_fail (OP_IS_FILE_PANE (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (rows != NULL);

  set_listing (self, path, rows, NULL);
}

/**
 * op_file_pane_set_ftp_listing:
 * @self: the pane
 * @path: the remote folder shown
 * @listing: (transfer full): its listing
 *
 * Like op_file_pane_set_listing(); the rows are made off the main thread.
 */
void
op_file_pane_set_ftp_listing (OpFilePane   *self,
                              const char   *path,
                              OpFtpListing *listing)
{
  g_return_if_fail (OP_IS_FILE_PANE (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (listing != NULL);

  set_listing (self, path, NULL, listing);
}

void
op_file_pane_set_loading (OpFilePane *self,
                          const char *path)
{
  g_return_if_fail (OP_IS_FILE_PANE (self));

  /* Refreshing the folder on show keeps it on show (no flash of a spinner, and a click
   * meanwhile still lands on a row); another folder shows the spinner. */
  if (path != NULL && g_strcmp0 (path, self->path) == 0
      && g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "placeholder") != 0)
    return;
  if (path != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->path_entry), path);
  /* The list goes at once (a click meanwhile lands on nothing); the spinner comes only
   * if the listing is slow. */
  if (!gtk_spinner_get_spinning (self->spinner) && self->spinner_timeout == 0)
    self->spinner_timeout = g_timeout_add (SPINNER_DELAY_MS, start_spinner, self);
  gtk_stack_set_visible_child_name (self->stack, "loading");
}

/**
 * op_file_pane_set_placeholder:
 * @self: the pane
 * @icon_name: (nullable): a symbolic icon
 * @title: translated
 * @description: (nullable): translated
 *
 * Shows a status page instead of the list (not connected, and the like), and empties it.
 */
void
op_file_pane_set_placeholder (OpFilePane *self,
                              const char *icon_name,
                              const char *title,
                              const char *description)
{
  g_return_if_fail (OP_IS_FILE_PANE (self));

  {
    g_autoptr (GPtrArray) none = g_ptr_array_new ();
    self->awaiting_listing = FALSE;
    op_file_list_set_rows (self->list, none);
  }
  g_clear_pointer (&self->path, g_free);
  gtk_editable_set_text (GTK_EDITABLE (self->path_entry), "");
  adw_status_page_set_icon_name (self->placeholder_page, icon_name);
  adw_status_page_set_title (self->placeholder_page, title);
  adw_status_page_set_description (self->placeholder_page, description);
  stop_spinner (self);
  gtk_stack_set_visible_child_name (self->stack, "placeholder");
  set_controls_sensitive (self, FALSE);
  gtk_label_set_text (self->status_label, "");
  g_clear_pointer (&self->status, g_free);
}

/**
 * op_file_pane_show_error:
 * @self: the pane
 * @message: translated; may quote the server's reply
 *
 * Shows @message in a bar over the list, where it happened, until dismissed or until
 * the next listing.
 */
void
op_file_pane_show_error (OpFilePane *self,
                         const char *message)
{
  g_return_if_fail (OP_IS_FILE_PANE (self));
  g_return_if_fail (message != NULL);

  gtk_label_set_text (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "loading") == 0)
    {
      stop_spinner (self);
      gtk_stack_set_visible_child_name (self->stack, self->path != NULL ? "list" : "placeholder");
      if (self->path != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->path_entry), self->path);
    }
}

void
op_file_pane_clear_error (OpFilePane *self)
{
  g_return_if_fail (OP_IS_FILE_PANE (self));

  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
}

const char *
op_file_pane_get_path (OpFilePane *self)
{
  g_return_val_if_fail (OP_IS_FILE_PANE (self), NULL);
  return self->path;
}

const char *
op_file_pane_get_title (OpFilePane *self)
{
  g_return_val_if_fail (OP_IS_FILE_PANE (self), NULL);
  return self->title;
}

GPtrArray *
op_file_pane_dup_selection (OpFilePane *self)
{
  g_autoptr (GtkBitset) selected = NULL;
  GtkBitsetIter iter;
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_object_unref);
  guint position;

  g_return_val_if_fail (OP_IS_FILE_PANE (self), rows);

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position); ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    g_ptr_array_add (rows, g_list_model_get_item (G_LIST_MODEL (self->list), position));

  return rows;
}

/**
 * op_file_pane_select_name:
 * @self: the pane
 * @name: an entry's name
 *
 * Selects the entry called @name (after a rename or a new folder), if it is shown.
 */
void
op_file_pane_select_name (OpFilePane *self,
                          const char *name)
{
  GListModel *shown;
  guint n;

  g_return_if_fail (OP_IS_FILE_PANE (self));

  shown = G_LIST_MODEL (self->list);
  n = g_list_model_get_n_items (shown);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (OpFileRow) row = g_list_model_get_item (shown, i);

      if (g_strcmp0 (op_file_row_get_name (row), name) == 0)
        {
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), i, TRUE);
          return;
        }
    }
}

void
op_file_pane_focus_path_entry (OpFilePane *self)
{
  g_return_if_fail (OP_IS_FILE_PANE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->path_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->path_entry), 0, -1);
}

void
op_file_pane_focus_list (OpFilePane *self)
{
  g_return_if_fail (OP_IS_FILE_PANE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}

GListModel *
op_file_pane_get_shown_model (OpFilePane *self)
{
  g_return_val_if_fail (OP_IS_FILE_PANE (self), NULL);
  return G_LIST_MODEL (self->list);
}

void
op_file_pane_set_filter_text (OpFilePane *self,
                              const char *text)
{
  g_return_if_fail (OP_IS_FILE_PANE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->filter_entry), text != NULL ? text : "");
  /* GtkSearchEntry delays ::search-changed; apply now. */
  on_filter_changed (self);
}

void
op_file_pane_set_show_hidden (OpFilePane *self,
                              gboolean    show_hidden)
{
  g_return_if_fail (OP_IS_FILE_PANE (self));
  gtk_toggle_button_set_active (self->hidden_button, show_hidden);
}

gboolean
op_file_pane_get_show_hidden (OpFilePane *self)
{
  g_return_val_if_fail (OP_IS_FILE_PANE (self), FALSE);
  return gtk_toggle_button_get_active (self->hidden_button);
}

void
op_file_pane_sort_by (OpFilePane   *self,
                      OpFileColumn  column,
                      GtkSortType   order)
{
  g_autoptr (GListModel) columns = NULL;
  g_autoptr (GtkColumnViewColumn) view_column = NULL;

  g_return_if_fail (OP_IS_FILE_PANE (self));

  columns = g_object_ref (gtk_column_view_get_columns (self->column_view));
  view_column = g_list_model_get_item (columns, column);
  g_return_if_fail (view_column != NULL);
  gtk_column_view_sort_by_column (self->column_view, view_column, order);
}

void
op_file_pane_set_context_menu (OpFilePane *self,
                               GMenuModel *menu)
{
  g_return_if_fail (OP_IS_FILE_PANE (self));

  /* The popover is made when it is first shown: not before the window's first frame. */
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  g_set_object (&self->context_model, menu);
}

/**
 * op_file_pane_is_sorting:
 * @self: the pane
 *
 * Returns: %TRUE while a big listing is still being sorted in idle steps
 */
gboolean
op_file_pane_is_sorting (OpFilePane *self)
{
  g_return_val_if_fail (OP_IS_FILE_PANE (self), FALSE);
  return op_file_list_is_busy (self->list);
}

const char *
op_file_pane_get_status (OpFilePane *self)
{
  g_return_val_if_fail (OP_IS_FILE_PANE (self), NULL);

  return self->status != NULL ? self->status : "";
}

const char * const *
op_file_pane_get_history (OpFilePane *self)
{
  g_return_val_if_fail (OP_IS_FILE_PANE (self), NULL);
  return (const char * const *) self->history->pdata;
}

/* --- GObject ------------------------------------------------------------------------ */

void
op_file_pane_set_marks (OpFilePane *self,
                        GHashTable *marks)
{
  GHashTableIter iter;
  gpointer item;

  g_return_if_fail (OP_IS_FILE_PANE (self));

  if (marks == NULL && self->marks == NULL)
    return;
  if (marks != NULL)
    g_hash_table_ref (marks);
  g_clear_pointer (&self->marks, g_hash_table_unref);
  self->marks = marks;
  /* Only the rows on screen are bound; the others get their mark when bound. */
  g_hash_table_iter_init (&iter, self->bound_items);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    apply_mark (self, item);
}

OpFileMark
op_file_pane_get_mark (OpFilePane *self,
                       const char *name)
{
  g_return_val_if_fail (OP_IS_FILE_PANE (self), OP_FILE_MARK_NONE);

  if (self->marks == NULL || name == NULL)
    return OP_FILE_MARK_NONE;
  return GPOINTER_TO_INT (g_hash_table_lookup (self->marks, name));
}

GPtrArray *
op_file_pane_get_rows (OpFilePane *self)
{
  g_return_val_if_fail (OP_IS_FILE_PANE (self), NULL);
  return op_file_list_get_rows (self->list);
}

static void
op_file_pane_dispose (GObject *object)
{
  OpFilePane *self = OP_FILE_PANE (object);

  g_clear_handle_id (&self->spinner_timeout, g_source_remove);
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  g_clear_object (&self->context_model);
  gtk_widget_dispose_template (GTK_WIDGET (self), OP_TYPE_FILE_PANE);
  g_clear_object (&self->selection);
  g_clear_pointer (&self->reselect_names, g_hash_table_unref);
  if (self->list != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->list, on_list_updated, self);
      g_signal_handlers_disconnect_by_func (self->list, on_list_replacing, self);
    }
  g_clear_object (&self->list);

  G_OBJECT_CLASS (op_file_pane_parent_class)->dispose (object);
}

static void
op_file_pane_finalize (GObject *object)
{
  OpFilePane *self = OP_FILE_PANE (object);

  g_free (self->title);
  g_free (self->path);
  g_free (self->status);
  g_ptr_array_unref (self->history);
  g_clear_pointer (&self->marks, g_hash_table_unref);
  g_clear_pointer (&self->bound_items, g_hash_table_unref);

  G_OBJECT_CLASS (op_file_pane_parent_class)->finalize (object);
}

static void
op_file_pane_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  OpFilePane *self = OP_FILE_PANE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_SHOW_HIDDEN:
      g_value_set_boolean (value, gtk_toggle_button_get_active (self->hidden_button));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
take_name (GtkWidget *widget,
           char      *name)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  name, -1);
  g_free (name);
}

/* The pane's controls are named after it ("Remote: Refresh"): the two panes of the Files
 * view have the same ones, side by side in one window. */
static void
name_controls (OpFilePane *self)
{
  const char *t = self->title;
  GtkWidget *header;

  if (t == NULL)
    return;
  /* Translators: the accessible names of a file pane's controls; %s is the pane's
   * title, "Local" or "Remote" */
  take_name (GTK_WIDGET (self->up_button), g_strdup_printf (_("%s: Parent Folder"), t));
  take_name (GTK_WIDGET (self->path_entry), g_strdup_printf (_("%s: Path"), t));
  take_name (GTK_WIDGET (self->history_button), g_strdup_printf (_("%s: Recent Folders"), t));
  take_name (GTK_WIDGET (self->refresh_button), g_strdup_printf (_("%s: Refresh"), t));
  take_name (GTK_WIDGET (self->filter_entry), g_strdup_printf (_("%s: Filter"), t));
  take_name (GTK_WIDGET (self->hidden_button), g_strdup_printf (_("%s: Show Hidden Files"), t));
  take_name (GTK_WIDGET (self->dismiss_button), g_strdup_printf (_("%s: Dismiss Error"), t));
  /* The column view's header row: GTK 4.8 makes it the view's first child, a
   * GtkListItemWidget with no name, which a screen reader would read as a nameless row. */
  header = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
  if (header != NULL && g_str_equal (G_OBJECT_TYPE_NAME (header), "GtkListItemWidget"))
    take_name (header, g_strdup_printf (_("%s: Column Headers"), t));
}

static void
op_file_pane_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  OpFilePane *self = OP_FILE_PANE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_free (self->title);
      self->title = g_value_dup_string (value);
      gtk_label_set_text (self->title_label, self->title);
      /* Two panes have the same controls; a screen reader tells them apart by this. */
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->column_view),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, self->title, -1);
      name_controls (self);
      g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_SHOW_HIDDEN:
      /* The toggle's handler notifies. */
      gtk_toggle_button_set_active (self->hidden_button, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_file_pane_class_init (OpFilePaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_file_pane_dispose;
  object_class->finalize = op_file_pane_finalize;
  object_class->get_property = op_file_pane_get_property;
  object_class->set_property = op_file_pane_set_property;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* Whether names starting with "." are shown (the "Show Hidden Files" toggle). */
  properties[PROP_SHOW_HIDDEN] =
    g_param_spec_boolean ("show-hidden", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The user asked for a folder by typing it or picking it from the history. */
  signals[SIGNAL_NAVIGATE] =
    g_signal_new ("navigate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_GO_UP] =
    g_signal_new ("go-up", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_REFRESH] =
    g_signal_new ("refresh", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_ROW_ACTIVATED] =
    g_signal_new ("row-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, OP_TYPE_FILE_ROW);

  signals[SIGNAL_SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A listing was shown (op_file_pane_set_listing()). */
  signals[SIGNAL_LISTED] =
    g_signal_new ("listed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  /* A drag of the selection starts: the handler returns what is dragged (a
   * GdkContentProvider, transfer full) or NULL. */
  signals[SIGNAL_DRAG_PREPARE] =
    g_signal_new ("drag-prepare", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, GDK_TYPE_CONTENT_PROVIDER, 0);

  gtk_widget_class_install_action (widget_class, "pane.go-to", "s", go_to_action);
  gtk_widget_class_install_action (widget_class, "pane.context-menu", NULL, context_menu_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "pane.context-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK,
                                       "pane.context-menu", NULL);

  _op_ui_ensure_resources ();
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "files/op-file-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, box);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, title_label);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, path_entry);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, up_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, refresh_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, history_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, filter_entry);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, hidden_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, dismiss_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, error_label);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, stack);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, placeholder_page);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, empty_page);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, spinner);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, column_view);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, status_label);
  gtk_widget_class_bind_template_child (widget_class, OpFilePane, history_menu);
  gtk_widget_class_bind_template_callback (widget_class, on_up_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_refresh_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_path_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_hidden_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_column_view_activate);
  gtk_widget_class_bind_template_callback (widget_class, op_file_pane_clear_error);
}

static void
op_file_pane_init (OpFilePane *self)
{
  GtkGesture *right_click;
  GtkColumnViewColumn *name_column;

  self->bound_items = g_hash_table_new (NULL, NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->history = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->history, NULL);

  /* store → filter (hidden, as-you-type) → sort (folders first, then the clicked
   * column, either way) → selection. */
  self->list = op_file_list_new ();
  g_signal_connect_object (self->list, "updated", G_CALLBACK (on_list_updated), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->list, "replacing", G_CALLBACK (on_list_replacing), self,
                           G_CONNECT_SWAPPED);

  /* Name first and widest: in a narrow pane the others scroll sideways, not the name
   * down to nothing. */
  name_column = add_column (self, OP_FILE_COLUMN_NAME, _("Name"), 220);
  gtk_column_view_column_set_expand (name_column, TRUE);
  add_column (self, OP_FILE_COLUMN_SIZE, _("Size"), 80);
  add_column (self, OP_FILE_COLUMN_TYPE, _("Type"), 110);
  add_column (self, OP_FILE_COLUMN_MODIFIED, _("Modified"), 130);
  add_column (self, OP_FILE_COLUMN_PERMISSIONS, _("Permissions"), 95);
  add_column (self, OP_FILE_COLUMN_OWNER, _("Owner"), 80);

  self->selection = gtk_multi_selection_new (G_LIST_MODEL (g_object_ref (self->list)));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->selection, "selection-changed",
                           G_CALLBACK (on_selection_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_column_view_get_sorter (self->column_view), "changed",
                           G_CALLBACK (on_sorter_changed), self, G_CONNECT_SWAPPED);
  gtk_column_view_sort_by_column (self->column_view, name_column, GTK_SORT_ASCENDING);

  {
    GtkDragSource *drag = gtk_drag_source_new ();

    gtk_drag_source_set_actions (drag, GDK_ACTION_COPY);
    g_signal_connect (drag, "prepare", G_CALLBACK (on_drag_prepare), self);
    gtk_widget_add_controller (GTK_WIDGET (self->column_view), GTK_EVENT_CONTROLLER (drag));
  }

  right_click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (right_click), GDK_BUTTON_SECONDARY);
  g_signal_connect (right_click, "pressed", G_CALLBACK (on_right_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self->stack), GTK_EVENT_CONTROLLER (right_click));

  gtk_label_set_text (self->status_label, "");
}

/**
 * op_file_pane_get_row_at:
 * @self: the pane
 * @x: a point of the pane, as a drop target gives it
 * @y:
 *
 * Returns: (transfer full) (nullable): the row shown at (@x, @y), NULL between rows or
 * outside the list.
 */
OpFileRow *
op_file_pane_get_row_at (OpFilePane *self,
                         double      x,
                         double      y)
{
  GtkWidget *widget;

  g_return_val_if_fail (OP_IS_FILE_PANE (self), NULL);

  widget = gtk_widget_pick (GTK_WIDGET (self), x, y, GTK_PICK_DEFAULT);
  for (; widget != NULL && widget != GTK_WIDGET (self); widget = gtk_widget_get_parent (widget))
    {
      OpFileRow *row = g_object_get_data (G_OBJECT (widget), "op-file-row");

      if (row != NULL)
        return g_object_ref (row);
    }
  return NULL;
}
