/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "op-news-groups-dialog.h"
#include "op-ui-resources.h"

/* OpNewsGroupItem */

struct _OpNewsGroupItem
{
  GObject parent_instance;

  OpNewsGroup *group;
  char        *folded; /* name and description, case-folded, for the filter */
};

G_DEFINE_FINAL_TYPE (OpNewsGroupItem, op_news_group_item, G_TYPE_OBJECT)

static void
op_news_group_item_finalize (GObject *object)
{
  OpNewsGroupItem *self = OP_NEWS_GROUP_ITEM (object);

  op_news_group_free (self->group);
  g_free (self->folded);
  G_OBJECT_CLASS (op_news_group_item_parent_class)->finalize (object);
}

static void
op_news_group_item_class_init (OpNewsGroupItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_news_group_item_finalize;
}

static void
op_news_group_item_init (OpNewsGroupItem *self)
{
}

static OpNewsGroupItem *
op_news_group_item_new (OpNewsGroup *group)
{
  OpNewsGroupItem *self = g_object_new (OP_TYPE_NEWS_GROUP_ITEM, NULL);
  g_autofree char *text
      = g_strconcat (group->name, "\n", group->description != NULL ? group->description : "", NULL);

  self->group = group;
  self->folded = g_utf8_casefold (text, -1);
  return self;
}

const char *
op_news_group_item_get_name (OpNewsGroupItem *self)
{
  g_return_val_if_fail (OP_IS_NEWS_GROUP_ITEM (self), NULL);

  return self->group->name;
}

const OpNewsGroup *
op_news_group_item_get_group (OpNewsGroupItem *self)
{
  g_return_val_if_fail (OP_IS_NEWS_GROUP_ITEM (self), NULL);

  return self->group;
}

/* OpNewsGroupsDialog */

struct _OpNewsGroupsDialog
{
  AdwWindow parent_instance;

  GtkButton      *refresh_button;
  GtkSpinner     *spinner;
  GtkSearchEntry *search_entry;
  GtkStack       *stack;
  GtkListView    *list_view;
  AdwStatusPage  *empty_page;

  OpNewsServer       *server;
  GListStore         *groups;
  GtkCustomFilter    *filter;
  GtkFilterListModel *shown;
  char               *needle;
  GCancellable       *cancellable;
  gboolean            refreshed;
};

enum
{
  SUBSCRIPTIONS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OpNewsGroupsDialog, op_news_groups_dialog, ADW_TYPE_WINDOW)

static gboolean
filter_func (gpointer item, gpointer user_data)
{
  OpNewsGroupsDialog *self = user_data;

  return self->needle == NULL || strstr (OP_NEWS_GROUP_ITEM (item)->folded, self->needle) != NULL;
}

static void
update_empty (OpNewsGroupsDialog *self)
{
  gboolean any = g_list_model_get_n_items (G_LIST_MODEL (self->shown)) > 0;

  if (!any)
    adw_status_page_set_description (
        self->empty_page, g_list_model_get_n_items (G_LIST_MODEL (self->groups)) > 0
                              ? _ ("No group matches the filter.")
                              : _ ("The server has not listed any groups yet. Refresh to ask it."));
  gtk_stack_set_visible_child_name (self->stack, any ? "list" : "empty");
}

static void
on_search_changed (OpNewsGroupsDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  g_clear_pointer (&self->needle, g_free);
  if (*text != '\0')
    self->needle = g_utf8_casefold (text, -1);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_empty (self);
}

static void
refresh_from_server (OpNewsGroupsDialog *self);

static void
groups_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (OpNewsGroupsDialog) self = user_data;
  g_autoptr (GPtrArray) groups = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  groups = op_news_store_list_groups_finish (OP_NEWS_STORE (source), result, &error);
  if (groups == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          adw_status_page_set_description (self->empty_page, error->message);
          gtk_stack_set_visible_child_name (self->stack, "empty");
        }
      return;
    }
  /* The store's array frees nothing: the items own their groups now. */
  g_ptr_array_set_free_func (groups, NULL);
  for (guint i = 0; i < groups->len; i++)
    g_ptr_array_add (items, op_news_group_item_new (g_ptr_array_index (groups, i)));
  g_list_store_splice (self->groups, 0, g_list_model_get_n_items (G_LIST_MODEL (self->groups)),
                       items->pdata, items->len);
  update_empty (self);
  if (groups->len == 0 && !self->refreshed)
    refresh_from_server (self);
}

static void
load_groups (OpNewsGroupsDialog *self)
{
  op_news_store_list_groups_async (op_news_server_get_store (self->server), FALSE,
                                   self->cancellable, groups_listed, g_object_ref (self));
}

static void
refreshed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (OpNewsGroupsDialog) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!op_news_server_refresh_groups_finish (OP_NEWS_SERVER (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      gtk_spinner_set_spinning (self->spinner, FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->refresh_button), TRUE);
      {
        g_autofree char *text
            = g_strdup_printf (_ ("The group list could not be fetched: %s"), error->message);

        adw_status_page_set_description (self->empty_page, text);
        gtk_stack_set_visible_child_name (self->stack, "empty");
      }
      return;
    }
  gtk_spinner_set_spinning (self->spinner, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->refresh_button), TRUE);
  load_groups (self);
}

static void
refresh_from_server (OpNewsGroupsDialog *self)
{
  self->refreshed = TRUE;
  gtk_spinner_set_spinning (self->spinner, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->refresh_button), FALSE);
  op_news_server_refresh_groups_async (self->server, self->cancellable, refreshed,
                                       g_object_ref (self));
}

static void
on_refresh_clicked (OpNewsGroupsDialog *self)
{
  refresh_from_server (self);
}

static void
subscribed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (OpNewsGroupsDialog) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!op_news_store_finish (OP_NEWS_STORE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        adw_status_page_set_description (self->empty_page, error->message);
      return;
    }
  g_signal_emit (self, signals[SUBSCRIPTIONS_CHANGED], 0);
}

void
op_news_groups_dialog_set_subscribed (OpNewsGroupsDialog *self, const char *group,
                                      gboolean subscribed_)
{
  guint n;

  g_return_if_fail (OP_IS_NEWS_GROUPS_DIALOG (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->groups));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (OpNewsGroupItem) item = g_list_model_get_item (G_LIST_MODEL (self->groups), i);

      if (g_str_equal (item->group->name, group))
        item->group->subscribed = subscribed_;
    }
  op_news_store_set_subscribed_async (op_news_server_get_store (self->server), group, subscribed_,
                                      NULL, subscribed, g_object_ref (self));
}

static void
on_check_toggled (GtkCheckButton *check, OpNewsGroupsDialog *self)
{
  const char *group = g_object_get_data (G_OBJECT (check), "news-group");

  if (group == NULL || g_object_get_data (G_OBJECT (check), "news-binding") != NULL)
    return;
  op_news_groups_dialog_set_subscribed (self, group, gtk_check_button_get_active (check));
}

static void
setup_row (GtkSignalListItemFactory *factory, GtkListItem *item, OpNewsGroupsDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *is_new = gtk_label_new (_ ("New"));
  GtkWidget *mark = gtk_label_new (NULL);
  GtkWidget *description = gtk_label_new (NULL);
  GtkWidget *count = gtk_label_new (NULL);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  g_signal_connect_object (check, "toggled", G_CALLBACK (on_check_toggled), self, 0);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (is_new, "accent");
  gtk_widget_add_css_class (is_new, "caption-heading");
  gtk_widget_add_css_class (mark, "caption");
  gtk_widget_add_css_class (mark, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (description), 0);
  gtk_label_set_ellipsize (GTK_LABEL (description), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (description, "dim-label");
  gtk_widget_add_css_class (count, "dim-label");
  gtk_widget_add_css_class (count, "numeric");
  gtk_box_append (GTK_BOX (title), name);
  gtk_box_append (GTK_BOX (title), is_new);
  gtk_box_append (GTK_BOX (title), mark);
  gtk_box_append (GTK_BOX (texts), title);
  gtk_box_append (GTK_BOX (texts), description);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (box), check);
  gtk_box_append (GTK_BOX (box), texts);
  gtk_box_append (GTK_BOX (box), count);
  g_object_set_data (G_OBJECT (box), "check", check);
  g_object_set_data (G_OBJECT (box), "name", name);
  g_object_set_data (G_OBJECT (box), "new", is_new);
  g_object_set_data (G_OBJECT (box), "mark", mark);
  g_object_set_data (G_OBJECT (box), "description", description);
  g_object_set_data (G_OBJECT (box), "count", count);
  gtk_list_item_set_child (item, box);
}

static const char *
posting_mark (OpNntpPosting posting)
{
  switch (posting)
    {
    case OP_NNTP_POSTING_ALLOWED:
      return NULL;
    case OP_NNTP_POSTING_MODERATED:
      return _ ("moderated");
    default:
      return _ ("no posting");
    }
}

static void
bind_row (GtkSignalListItemFactory *factory, GtkListItem *item, OpNewsGroupsDialog *self)
{
  OpNewsGroupItem   *group_item = gtk_list_item_get_item (item);
  const OpNewsGroup *group = group_item->group;
  GtkWidget         *box = gtk_list_item_get_child (item);
  GtkWidget         *check = g_object_get_data (G_OBJECT (box), "check");
  const char        *mark = posting_mark (group->posting);
  g_autofree char   *count = g_strdup_printf ("%" G_GUINT64_FORMAT, group->count);
  g_autofree char   *check_label = g_strdup_printf (_ ("News: Subscribe to %s"), group->name);

  g_object_set_data (G_OBJECT (check), "news-binding", GINT_TO_POINTER (1));
  g_object_set_data_full (G_OBJECT (check), "news-group", g_strdup (group->name), g_free);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), group->subscribed);
  g_object_set_data (G_OBJECT (check), "news-binding", NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  check_label, -1);
  gtk_label_set_text (g_object_get_data (G_OBJECT (box), "name"), group->name);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (box), "new"), group->is_new);
  gtk_label_set_text (g_object_get_data (G_OBJECT (box), "mark"), mark != NULL ? mark : "");
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (box), "mark"), mark != NULL);
  gtk_label_set_text (g_object_get_data (G_OBJECT (box), "description"),
                      group->description != NULL ? group->description : "");
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (box), "description"),
                          group->description != NULL);
  gtk_label_set_text (g_object_get_data (G_OBJECT (box), "count"), count);
}

static void
visited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!op_news_store_finish (OP_NEWS_STORE (source), result, &error))
    g_debug ("The visit was not remembered: %s", error->message);
}

static gboolean
on_close_request (GtkWindow *window)
{
  OpNewsGroupsDialog *self = OP_NEWS_GROUPS_DIALOG (window);

  /* Groups seen now are not "new" next time. */
  if (g_list_model_get_n_items (G_LIST_MODEL (self->groups)) > 0)
    op_news_store_mark_visited_async (op_news_server_get_store (self->server), NULL, visited, NULL);
  return FALSE;
}

static void
op_news_groups_dialog_dispose (GObject *object)
{
  OpNewsGroupsDialog *self = OP_NEWS_GROUPS_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (object), OP_TYPE_NEWS_GROUPS_DIALOG);
  g_clear_object (&self->shown);
  g_clear_object (&self->groups);
  g_clear_object (&self->server);
  g_clear_pointer (&self->needle, g_free);
  G_OBJECT_CLASS (op_news_groups_dialog_parent_class)->dispose (object);
}

static void
op_news_groups_dialog_class_init (OpNewsGroupsDialogClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = op_news_groups_dialog_dispose;
  window_class->close_request = on_close_request;

  /**
   * OpNewsGroupsDialog::subscriptions-changed:
   *
   * A group was subscribed or unsubscribed (the store has it).
   */
  signals[SUBSCRIPTIONS_CHANGED]
      = g_signal_new ("subscriptions-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                      NULL, NULL, NULL, G_TYPE_NONE, 0);

  _op_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/outpost/Outpost/news/op-news-groups-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, OpNewsGroupsDialog, refresh_button);
  gtk_widget_class_bind_template_child (widget_class, OpNewsGroupsDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, OpNewsGroupsDialog, search_entry);
  gtk_widget_class_bind_template_child (widget_class, OpNewsGroupsDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, OpNewsGroupsDialog, list_view);
  gtk_widget_class_bind_template_child (widget_class, OpNewsGroupsDialog, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, on_refresh_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
op_news_groups_dialog_init (OpNewsGroupsDialog *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->groups = g_list_store_new (OP_TYPE_NEWS_GROUP_ITEM);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->shown = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->groups)),
                                           GTK_FILTER (self->filter));
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  {
    g_autoptr(GtkNoSelection) selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->shown)));

    gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  }
}

OpNewsGroupsDialog *
op_news_groups_dialog_new (GtkWindow *parent, OpNewsServer *server)
{
  OpNewsGroupsDialog *self;
  g_autofree char    *title = NULL;

  g_return_val_if_fail (OP_IS_NEWS_SERVER (server), NULL);

  self = g_object_new (OP_TYPE_NEWS_GROUPS_DIALOG, "transient-for", parent, NULL);
  self->server = g_object_ref (server);
  /* TRANSLATORS: the group list's title; %s is the server. */
  title = g_strdup_printf (_ ("Newsgroups on %s"), op_news_server_get_title (server));
  gtk_window_set_title (GTK_WINDOW (self), title);
  load_groups (self);
  return self;
}

GListModel *
op_news_groups_dialog_get_shown (OpNewsGroupsDialog *self)
{
  g_return_val_if_fail (OP_IS_NEWS_GROUPS_DIALOG (self), NULL);

  return G_LIST_MODEL (self->shown);
}
