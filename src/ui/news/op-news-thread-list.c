/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-ui"

#include "config.h"

#include "op-news-thread-list.h"

/* GTK 4.8's list view holds widgets for up to this many rows around the row it is
 * anchored to (GTK_LIST_VIEW_MAX_LIST_ITEMS). */
#define WIDGET_ROWS 200

typedef struct
{
  guint start;         /* first hidden row of the underlying model */
  guint end;           /* one past the last */
  guint hidden_before; /* hidden rows of the intervals before this one */
} Interval;

struct _OpNewsThreadList
{
  GObject parent_instance;

  OpNewsThreadModel *model;
  GArray            *hidden; /* Interval, sorted by start, never overlapping */
  guint              n_hidden;
  GHashTable        *read; /* article number → GINT_TO_POINTER (read + 1) */
  gboolean           all_read;
  OpNewsThreadListCollapseFunc collapse_func;
  gpointer                     collapse_data;
};

enum
{
  THREAD_TOGGLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OpNewsThreadList, op_news_thread_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GArray *build_intervals (OpNewsThreadList *self, GArray *roots, const gboolean *collapsed);
static void    count_hidden (GArray *intervals);

static void
on_model_items_changed (OpNewsThreadList *self, guint position, guint removed, guint added,
                        GListModel *model)
{
  guint   old = g_list_model_get_n_items (model) - added + removed - self->n_hidden;
  GArray *roots = op_news_thread_model_get_roots (self->model);
  g_autofree gboolean *collapsed = NULL;

  /* The store's model changes only as a whole (reload): its rows are new, so is what
   * the view knew about them; the threads kept collapsed are hidden again at once when
   * the reload listed the roots. */
  g_array_set_size (self->hidden, 0);
  self->n_hidden = 0;
  if (roots != NULL && self->collapse_func != NULL
      && (collapsed = self->collapse_func (
              roots, op_news_thread_model_get_root_numbers (self->model), self->collapse_data))
             != NULL)
    {
      g_array_unref (self->hidden);
      self->hidden = build_intervals (self, roots, collapsed);
      count_hidden (self->hidden);
      for (guint i = 0; i < self->hidden->len; i++)
        self->n_hidden += g_array_index (self->hidden, Interval, i).end
                          - g_array_index (self->hidden, Interval, i).start;
    }
  g_hash_table_remove_all (self->read);
  self->all_read = FALSE;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old,
                              g_list_model_get_n_items (model) - self->n_hidden);
}

static void
op_news_thread_list_dispose (GObject *object)
{
  OpNewsThreadList *self = OP_NEWS_THREAD_LIST (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (op_news_thread_list_parent_class)->dispose (object);
}

static void
op_news_thread_list_finalize (GObject *object)
{
  OpNewsThreadList *self = OP_NEWS_THREAD_LIST (object);

  g_array_unref (self->hidden);
  g_hash_table_unref (self->read);
  G_OBJECT_CLASS (op_news_thread_list_parent_class)->finalize (object);
}

static void
op_news_thread_list_class_init (OpNewsThreadListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_news_thread_list_dispose;
  object_class->finalize = op_news_thread_list_finalize;

  /**
   * OpNewsThreadList::thread-toggled:
   * @model_position: the underlying row whose rows were shown or hidden
   * @expanded: shown
   *
   * One row was expanded or collapsed (op_news_thread_list_set_expanded(), also through
   * op_news_thread_list_reveal()); not emitted by Expand All and Collapse All.
   */
  signals[THREAD_TOGGLED] = g_signal_new ("thread-toggled", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                          G_TYPE_UINT, G_TYPE_BOOLEAN);
}

static void
op_news_thread_list_init (OpNewsThreadList *self)
{
  self->hidden = g_array_new (FALSE, FALSE, sizeof (Interval));
  self->read = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

static GType
op_news_thread_list_get_item_type (GListModel *model)
{
  return OP_TYPE_NEWS_HEADER;
}

static guint
op_news_thread_list_get_n_items (GListModel *model)
{
  OpNewsThreadList *self = OP_NEWS_THREAD_LIST (model);

  return g_list_model_get_n_items (G_LIST_MODEL (self->model)) - self->n_hidden;
}

static gpointer
op_news_thread_list_get_item (GListModel *model, guint position)
{
  OpNewsThreadList *self = OP_NEWS_THREAD_LIST (model);
  guint             u = op_news_thread_list_to_model (self, position);

  return u != G_MAXUINT ? g_list_model_get_item (G_LIST_MODEL (self->model), u) : NULL;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = op_news_thread_list_get_item_type;
  iface->get_n_items = op_news_thread_list_get_n_items;
  iface->get_item = op_news_thread_list_get_item;
}

OpNewsThreadList *
op_news_thread_list_new (OpNewsThreadModel *model)
{
  OpNewsThreadList *self;

  g_return_val_if_fail (OP_IS_NEWS_THREAD_MODEL (model), NULL);

  self = g_object_new (OP_TYPE_NEWS_THREAD_LIST, NULL);
  self->model = g_object_ref (model);
  g_signal_connect_swapped (model, "items-changed", G_CALLBACK (on_model_items_changed), self);
  return self;
}

void
op_news_thread_list_set_collapse_func (OpNewsThreadList *self, OpNewsThreadListCollapseFunc func,
                                       gpointer data)
{
  g_return_if_fail (OP_IS_NEWS_THREAD_LIST (self));

  self->collapse_func = func;
  self->collapse_data = data;
}

OpNewsThreadModel *
op_news_thread_list_get_model (OpNewsThreadList *self)
{
  g_return_val_if_fail (OP_IS_NEWS_THREAD_LIST (self), NULL);

  return self->model;
}

static inline Interval *
interval_at (OpNewsThreadList *self, guint i)
{
  return &g_array_index (self->hidden, Interval, i);
}

guint
op_news_thread_list_to_model (OpNewsThreadList *self, guint position)
{
  guint lo = 0, hi;
  guint u;

  g_return_val_if_fail (OP_IS_NEWS_THREAD_LIST (self), G_MAXUINT);

  if (position >= op_news_thread_list_get_n_items (G_LIST_MODEL (self)))
    return G_MAXUINT;
  /* The last interval whose rows sit before the visible row. */
  hi = self->hidden->len;
  while (lo < hi)
    {
      guint     mid = (lo + hi) / 2;
      Interval *in = interval_at (self, mid);

      if (in->start - in->hidden_before <= position)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == 0)
    return position;
  {
    Interval *in = interval_at (self, lo - 1);

    u = position + in->hidden_before + (in->end - in->start);
  }
  return u;
}

/* The index of the first interval whose end is past @u (it holds @u when it starts at
 * or before it). */
static guint
interval_after (OpNewsThreadList *self, guint u)
{
  guint lo = 0, hi = self->hidden->len;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (interval_at (self, mid)->end <= u)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

guint
op_news_thread_list_from_model (OpNewsThreadList *self, guint model_position)
{
  guint i;

  g_return_val_if_fail (OP_IS_NEWS_THREAD_LIST (self), G_MAXUINT);

  if (model_position >= g_list_model_get_n_items (G_LIST_MODEL (self->model)))
    return G_MAXUINT;
  i = interval_after (self, model_position);
  if (i < self->hidden->len && interval_at (self, i)->start <= model_position)
    return G_MAXUINT;
  if (i == 0)
    return model_position;
  {
    Interval *in = interval_at (self, i - 1);

    return model_position - in->hidden_before - (in->end - in->start);
  }
}

static guint
depth_at (OpNewsThreadList *self, guint u)
{
  g_autoptr (OpNewsHeader) header = g_list_model_get_item (G_LIST_MODEL (self->model), u);

  /* A row the store could not read counts as a thread's start. */
  return header != NULL ? op_news_header_get_depth (header) : 0;
}

/* One past the last row under @u. */
static guint
subtree_end (OpNewsThreadList *self, guint u)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  guint depth = depth_at (self, u);
  guint e;

  for (e = u + 1; e < n && depth_at (self, e) > depth; e++)
    ;
  return e;
}

gboolean
op_news_thread_list_has_children (OpNewsThreadList *self, guint position)
{
  guint u = op_news_thread_list_to_model (self, position);

  g_return_val_if_fail (OP_IS_NEWS_THREAD_LIST (self), FALSE);

  if (u == G_MAXUINT || u + 1 >= g_list_model_get_n_items (G_LIST_MODEL (self->model)))
    return FALSE;
  return depth_at (self, u + 1) > depth_at (self, u);
}

/* The index of the interval that starts right after @u, or -1. */
static int
interval_of_row (OpNewsThreadList *self, guint u)
{
  guint i = interval_after (self, u + 1);

  if (i < self->hidden->len && interval_at (self, i)->start == u + 1)
    return (int)i;
  return -1;
}

gboolean
op_news_thread_list_is_expanded (OpNewsThreadList *self, guint position)
{
  guint u = op_news_thread_list_to_model (self, position);

  g_return_val_if_fail (OP_IS_NEWS_THREAD_LIST (self), FALSE);

  return u != G_MAXUINT && interval_of_row (self, u) < 0;
}

static void
recount (OpNewsThreadList *self, guint from)
{
  guint before
      = from > 0 ? interval_at (self, from - 1)->hidden_before
                       + (interval_at (self, from - 1)->end - interval_at (self, from - 1)->start)
                 : 0;

  for (guint i = from; i < self->hidden->len; i++)
    {
      Interval *in = interval_at (self, i);

      in->hidden_before = before;
      before += in->end - in->start;
    }
  self->n_hidden = before;
}

void
op_news_thread_list_set_expanded (OpNewsThreadList *self, guint position, gboolean expanded)
{
  guint u;
  int   i;

  g_return_if_fail (OP_IS_NEWS_THREAD_LIST (self));

  u = op_news_thread_list_to_model (self, position);
  if (u == G_MAXUINT)
    return;
  i = interval_of_row (self, u);
  if (expanded)
    {
      guint shown;

      if (i < 0)
        return;
      shown = interval_at (self, i)->end - interval_at (self, i)->start;
      g_array_remove_index (self->hidden, i);
      recount (self, i);
      /* The row itself too: its expander changed. */
      g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1 + shown);
      g_signal_emit (self, signals[THREAD_TOGGLED], 0, u, TRUE);
    }
  else
    {
      Interval in = { u + 1, 0, 0 };
      guint    first, last, gone;

      if (i >= 0)
        return;
      in.end = subtree_end (self, u);
      if (in.end == in.start)
        return;
      /* Collapsed subthreads under it are now part of it. */
      first = interval_after (self, in.start);
      gone = in.end - in.start;
      for (last = first; last < self->hidden->len && interval_at (self, last)->end <= in.end;
           last++)
        gone -= interval_at (self, last)->end - interval_at (self, last)->start;
      g_array_remove_range (self->hidden, first, last - first);
      g_array_insert_val (self->hidden, first, in);
      recount (self, first);
      g_list_model_items_changed (G_LIST_MODEL (self), position, 1 + gone, 1);
      g_signal_emit (self, signals[THREAD_TOGGLED], 0, u, FALSE);
    }
}

/* Hidden rows of @intervals before underlying row @x (no interval crosses @x). */
static guint
hidden_before_row (GArray *intervals, guint x)
{
  guint lo = 0, hi = intervals->len;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (g_array_index (intervals, Interval, mid).start < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == 0)
    return 0;
  return g_array_index (intervals, Interval, lo - 1).hidden_before
         + g_array_index (intervals, Interval, lo - 1).end
         - g_array_index (intervals, Interval, lo - 1).start;
}

/* Whether an interval of @intervals holds both @x - 1 and @x. */
static gboolean
crosses (GArray *intervals, guint x)
{
  guint lo = 0, hi = intervals->len;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (g_array_index (intervals, Interval, mid).end <= x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo < intervals->len && g_array_index (intervals, Interval, lo).start < x;
}

static void
count_hidden (GArray *intervals)
{
  guint before = 0;

  for (guint i = 0; i < intervals->len; i++)
    {
      Interval *in = &g_array_index (intervals, Interval, i);

      in->hidden_before = before;
      before += in->end - in->start;
    }
}

static int
compare_rows (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *)a, y = *(const guint *)b;

  return x < y ? -1 : x > y;
}

/* Replaces the intervals with @fresh (sorted, counted) in one change for the rows the
 * list view shows and a few for the rest. GTK 4.8's list item manager, when a change
 * removes a row it tracks (the focus, the first row in view, the selection), looks for
 * it among every row that change adds, one get_item each: over a whole group that is
 * 100,000 reads of the store. So the rows of @busy (visible positions now: the rows the
 * list view holds widgets for) get changes of their own, a few rows each, and the rest
 * changes in the stretches between, which hold no tracked row. Cut at @cuts
 * (underlying rows where neither the old nor the new intervals run across), from the
 * end so that each change's positions are those before it. */
static void
replace_hidden (OpNewsThreadList *self, GArray *fresh, GArray *cuts)
{
  g_autoptr (GArray) old = self->hidden;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));

  g_array_sort (cuts, compare_rows);
  for (guint i = 1; i < cuts->len;)
    if (g_array_index (cuts, guint, i) == g_array_index (cuts, guint, i - 1))
      g_array_remove_index (cuts, i);
    else
      i++;
  self->hidden = g_array_new (FALSE, FALSE, sizeof (Interval));
  for (guint i = cuts->len; i-- > 0;)
    {
      guint x = g_array_index (cuts, guint, i);
      guint y = i + 1 < cuts->len ? g_array_index (cuts, guint, i + 1) : n;
      guint before = x - hidden_before_row (old, x);
      guint removed = (y - x) - (hidden_before_row (old, y) - hidden_before_row (old, x));
      guint added = (y - x) - (hidden_before_row (fresh, y) - hidden_before_row (fresh, x));
      guint k_old = 0, k_new = 0;

      if (y <= x)
        continue;
      /* The old intervals before @x, the new ones from @x on. */
      while (k_old < old->len && g_array_index (old, Interval, k_old).start < x)
        k_old++;
      while (k_new < fresh->len && g_array_index (fresh, Interval, k_new).start < x)
        k_new++;
      g_array_set_size (self->hidden, 0);
      g_array_append_vals (self->hidden, old->data, k_old);
      g_array_append_vals (self->hidden, &g_array_index (fresh, Interval, k_new),
                           fresh->len - k_new);
      recount (self, k_old);
      if (removed > 0 || added > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), before, removed, added);
    }
  g_array_unref (self->hidden);
  self->hidden = g_array_ref (fresh);
  count_hidden (self->hidden);
  recount (self, 0);
}

/* Where a cut is allowed at or before (@after FALSE) or after underlying row @u, @widen
 * threads further out. */
static guint
cut_near (OpNewsThreadList *self, GArray *roots, guint u, gboolean after, guint widen)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  guint lo = 0, hi;

  if (roots == NULL)
    return after ? u + 1 : u;
  /* A row at depth 0 starts a thread: no interval runs across it. */
  hi = roots->len;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (g_array_index (roots, guint, mid) <= u)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (after)
    return lo + widen < roots->len ? g_array_index (roots, guint, lo + widen) : n;
  return lo > widen ? g_array_index (roots, guint, lo - 1 - widen) : 0;
}

/* The cuts for replace_hidden(): 0, and around each run of busy rows (the rows in view
 * are one run; the focus may be another), the nearest rows before and after it where a
 * cut is allowed. One change per run: each change makes the list view rebind its rows.
 * Collapsing, the run's change takes in @widen threads more on each side: after it the
 * list view wants widgets for that many rows around its anchor, and GTK 4.8 hands a
 * widget from one row to another only within one change. Cut at the busy rows alone,
 * the rows that come into view took new widgets (setup, 160 of them) while the old
 * ones were destroyed: Collapse All with a hidden selection cost 50 ms of the main
 * thread's time more than with none. */
static GArray *
cuts_around (OpNewsThreadList *self, GArray *fresh, GArray *busy, GArray *roots, guint widen)
{
  GArray *cuts = g_array_new (FALSE, FALSE, sizeof (guint));
  guint   n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  guint   zero = 0;

  g_array_append_val (cuts, zero);
  if (busy == NULL || busy->len == 0)
    return cuts;
  g_array_sort (busy, compare_rows);
  for (guint i = 0; i < busy->len;)
    {
      guint first = g_array_index (busy, guint, i), last = first;
      guint from, to;

      /* Rows a screen or so apart are one run. */
      for (i++; i < busy->len && g_array_index (busy, guint, i) <= last + 100; i++)
        last = g_array_index (busy, guint, i);
      from = op_news_thread_list_to_model (self, first);
      to = op_news_thread_list_to_model (self, last);
      if (from == G_MAXUINT || to == G_MAXUINT)
        continue;
      from = cut_near (self, roots, from, FALSE, widen);
      to = cut_near (self, roots, to, TRUE, widen);
      if (!crosses (self->hidden, from) && !crosses (fresh, from))
        g_array_append_val (cuts, from);
      if (to < n && !crosses (self->hidden, to) && !crosses (fresh, to))
        g_array_append_val (cuts, to);
    }
  return cuts;
}

void
op_news_thread_list_collapse_all (OpNewsThreadList *self, GArray *roots, GArray *busy)
{
  op_news_thread_list_collapse_threads (self, roots, NULL, busy);
}

/* The intervals that hide the threads of @roots whose @collapsed is TRUE (NULL: all),
 * not counted. */
static GArray *
build_intervals (OpNewsThreadList *self, GArray *roots, const gboolean *collapsed)
{
  guint   n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  GArray *fresh = g_array_sized_new (FALSE, FALSE, sizeof (Interval), roots->len);

  for (guint i = 0; i < roots->len; i++)
    {
      Interval in = { g_array_index (roots, guint, i) + 1, 0, 0 };

      if (collapsed != NULL && !collapsed[i])
        continue;
      in.end = i + 1 < roots->len ? g_array_index (roots, guint, i + 1) : n;
      if (in.end > n)
        in.end = n;
      if (in.end <= in.start)
        continue;
      g_array_append_val (fresh, in);
    }
  return fresh;
}

void
op_news_thread_list_collapse_threads (OpNewsThreadList *self, GArray *roots,
                                      const gboolean *collapsed, GArray *busy)
{
  g_autoptr (GArray) fresh = NULL;
  g_autoptr (GArray) cuts = NULL;

  g_return_if_fail (OP_IS_NEWS_THREAD_LIST (self));
  g_return_if_fail (roots != NULL);

  /* The intervals are built whole, never walking rows: a 100,000-row group is 20,000
   * intervals and a few changes for the list view, not 20,000. */
  fresh = build_intervals (self, roots, collapsed);
  count_hidden (fresh);
  cuts = cuts_around (self, fresh, busy, roots, WIDGET_ROWS);
  replace_hidden (self, fresh, cuts);
}

void
op_news_thread_list_expand_all (OpNewsThreadList *self, GArray *busy)
{
  g_autoptr (GArray) fresh = NULL;
  g_autoptr (GArray) cuts = NULL;

  g_return_if_fail (OP_IS_NEWS_THREAD_LIST (self));

  fresh = g_array_new (FALSE, FALSE, sizeof (Interval));
  cuts = cuts_around (self, fresh, busy, NULL, 0);
  replace_hidden (self, fresh, cuts);
}

guint
op_news_thread_list_reveal (OpNewsThreadList *self, guint model_position)
{
  guint v;

  g_return_val_if_fail (OP_IS_NEWS_THREAD_LIST (self), G_MAXUINT);

  if (model_position >= g_list_model_get_n_items (G_LIST_MODEL (self->model)))
    return G_MAXUINT;
  while ((v = op_news_thread_list_from_model (self, model_position)) == G_MAXUINT)
    {
      Interval *in = interval_at (self, interval_after (self, model_position));

      /* The row an interval hangs from is always visible: collapsing a row takes in
       * the intervals under it. */
      op_news_thread_list_set_expanded (self, op_news_thread_list_from_model (self, in->start - 1),
                                        TRUE);
    }
  return v;
}

gboolean
op_news_thread_list_is_read (OpNewsThreadList *self, OpNewsHeader *header)
{
  guint64  number;
  gpointer value;

  g_return_val_if_fail (OP_IS_NEWS_THREAD_LIST (self), FALSE);
  g_return_val_if_fail (OP_IS_NEWS_HEADER (header), FALSE);

  number = op_news_header_get_number (header);
  value = g_hash_table_lookup (self->read, &number);
  if (value != NULL)
    return GPOINTER_TO_INT (value) - 1;
  return self->all_read || op_news_header_get_read (header);
}

void
op_news_thread_list_set_read (OpNewsThreadList *self, guint model_position, guint n_rows,
                              gboolean read)
{
  g_return_if_fail (OP_IS_NEWS_THREAD_LIST (self));

  for (guint u = model_position; u < model_position + n_rows; u++)
    {
      g_autoptr (OpNewsHeader) header = g_list_model_get_item (G_LIST_MODEL (self->model), u);
      gint64 *key;
      guint   v;

      if (header == NULL || op_news_thread_list_is_read (self, header) == read)
        continue;
      key = g_new (gint64, 1);
      *key = (gint64)op_news_header_get_number (header);
      g_hash_table_replace (self->read, key, GINT_TO_POINTER (read + 1));
      v = op_news_thread_list_from_model (self, u);
      if (v != G_MAXUINT)
        g_list_model_items_changed (G_LIST_MODEL (self), v, 1, 1);
    }
}

void
op_news_thread_list_set_all_read (OpNewsThreadList *self)
{
  guint n;

  g_return_if_fail (OP_IS_NEWS_THREAD_LIST (self));

  g_hash_table_remove_all (self->read);
  self->all_read = TRUE;
  n = op_news_thread_list_get_n_items (G_LIST_MODEL (self));
  g_list_model_items_changed (G_LIST_MODEL (self), 0, n, n);
}

void
op_news_thread_list_thread_bounds (OpNewsThreadList *self, guint model_position, guint *start,
                                   guint *n_rows)
{
  guint n, s, e;

  g_return_if_fail (OP_IS_NEWS_THREAD_LIST (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  g_return_if_fail (model_position < n);
  for (s = model_position; s > 0 && depth_at (self, s) > 0; s--)
    ;
  for (e = s + 1; e < n && depth_at (self, e) > 0; e++)
    ;
  *start = s;
  *n_rows = e - s;
}

guint
op_news_thread_list_next_unread (OpNewsThreadList *self, guint model_position, gboolean next_thread)
{
  guint n, u;

  g_return_val_if_fail (OP_IS_NEWS_THREAD_LIST (self), G_MAXUINT);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  u = model_position == G_MAXUINT ? 0 : model_position + 1;
  if (self->all_read && g_hash_table_size (self->read) == 0)
    return G_MAXUINT;
  if (next_thread && model_position != G_MAXUINT)
    while (u < n && depth_at (self, u) > 0)
      u++;
  for (; u < n; u++)
    {
      g_autoptr (OpNewsHeader) header = g_list_model_get_item (G_LIST_MODEL (self->model), u);

      if (header != NULL && !op_news_thread_list_is_read (self, header))
        return u;
    }
  return G_MAXUINT;
}
