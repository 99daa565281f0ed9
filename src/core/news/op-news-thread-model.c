/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-news-db.h"
#include "op-news-header.h"
#include "op-news-thread-model.h"

typedef struct
{
  char  *key;    /* the page starts @skip rows after the first row whose key is ≥ @key */
  guint  skip;
} Boundary;

struct _OpNewsThreadModel
{
  GObject     parent_instance;

  char       *path;
  char       *group;
  sqlite3    *db;
  gint64      group_id;
  guint       n_items;
  GHashTable *pages;        /* page index → GPtrArray of OpNewsHeader */
  GQueue      lru;          /* page indices, most recent first */
  GHashTable *boundaries;   /* page index → Boundary: where the page starts */
  guint       generation;   /* bumped by each reload: a late page index is dropped */
  gboolean    indexed;      /* every page's start is known */
  GCancellable *index_cancellable;

  /* Ordered by subject or author, or newest first: pages are threads. */
  OpNewsThreadOrder order;
  gboolean    descending;
  GPtrArray  *thread_keys;   /* each thread's first key */
  GArray     *thread_starts; /* guint: each thread's first row, then n_items */
  guint       cached_rows;

  GArray     *roots;         /* guint: the rows at depth 0, once listed; NULL before */
  GArray     *root_numbers;  /* guint64: their article numbers, the same order */
  gboolean    roots_on_reload; /* a reload lists them too */
};

enum
{
  PROP_0,
  PROP_INDEXED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  READ_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_index (OpNewsThreadModel *self);

/* Only the date order, oldest first, is the index's own: every other order lists the
 * threads when it opens and pages by thread. */
static gboolean
pages_are_threads (OpNewsThreadOrder order,
                   gboolean          descending)
{
  return order != OP_NEWS_THREAD_ORDER_DATE || descending;
}

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OpNewsThreadModel, op_news_thread_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static void
boundary_free (gpointer data)
{
  Boundary *boundary = data;

  g_free (boundary->key);
  g_free (boundary);
}

static void
drop_pages (OpNewsThreadModel *self)
{
  self->cached_rows = 0;
  g_hash_table_remove_all (self->pages);
  g_hash_table_remove_all (self->boundaries);
  g_queue_clear (&self->lru);
}

static void
op_news_thread_model_dispose (GObject *object)
{
  OpNewsThreadModel *self = OP_NEWS_THREAD_MODEL (object);

  if (self->index_cancellable != NULL)
    g_cancellable_cancel (self->index_cancellable);
  g_clear_object (&self->index_cancellable);
  G_OBJECT_CLASS (op_news_thread_model_parent_class)->dispose (object);
}

static void
op_news_thread_model_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  OpNewsThreadModel *self = OP_NEWS_THREAD_MODEL (object);

  switch (prop_id)
    {
    case PROP_INDEXED:
      g_value_set_boolean (value, self->indexed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_news_thread_model_finalize (GObject *object)
{
  OpNewsThreadModel *self = OP_NEWS_THREAD_MODEL (object);

  drop_pages (self);
  g_hash_table_unref (self->pages);
  g_hash_table_unref (self->boundaries);
  g_clear_pointer (&self->db, _op_news_db_close);
  g_clear_pointer (&self->thread_keys, g_ptr_array_unref);
  g_clear_pointer (&self->thread_starts, g_array_unref);
  g_clear_pointer (&self->roots, g_array_unref);
  g_clear_pointer (&self->root_numbers, g_array_unref);
  g_free (self->path);
  g_free (self->group);
  G_OBJECT_CLASS (op_news_thread_model_parent_class)->finalize (object);
}

static void
op_news_thread_model_class_init (OpNewsThreadModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_news_thread_model_dispose;
  object_class->finalize = op_news_thread_model_finalize;
  object_class->get_property = op_news_thread_model_get_property;

  /**
   * OpNewsThreadModel:indexed:
   *
   * TRUE once the start of every page is known (a walk of the index on a worker
   * thread, started when the model opens or reloads): from then on any row, however
   * far, is one short indexed query. Before, a far jump counts rows from the nearest
   * known page.
   */
  properties[PROP_INDEXED] = g_param_spec_boolean ("indexed", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                   G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * OpNewsThreadModel::read-failed:
   * @error: what SQLite said
   *
   * A page could not be read (the database was damaged or removed underneath): its
   * rows are missing (g_list_model_get_item() returns NULL) until a reload. The view
   * says so; a GListModel has no other way to report it.
   */
  signals[READ_FAILED] = g_signal_new ("read-failed", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
op_news_thread_model_init (OpNewsThreadModel *self)
{
  self->pages = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                       (GDestroyNotify) g_ptr_array_unref);
  self->boundaries = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, boundary_free);
  g_queue_init (&self->lru);
}

static GType
op_news_thread_model_get_item_type (GListModel *model)
{
  return OP_TYPE_NEWS_HEADER;
}

static guint
op_news_thread_model_get_n_items (GListModel *model)
{
  return OP_NEWS_THREAD_MODEL (model)->n_items;
}

static GPtrArray *
load_page (OpNewsThreadModel *self,
           guint              page)
{
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *last_key = NULL;
  const Boundary *from = NULL;
  guint j = page;
  guint skip;

  /* Start from the nearest page whose start is known: sequential scrolling is then a
   * seek in the index, not an OFFSET from the top. */
  for (;; j--)
    {
      from = g_hash_table_lookup (self->boundaries, GUINT_TO_POINTER (j));
      if (from != NULL || j == 0)
        break;
    }
  skip = (from != NULL ? from->skip : 0) + (page - j) * OP_NEWS_THREAD_MODEL_PAGE_SIZE;
  if (!_op_news_db_load_page (self->db, self->group_id, from != NULL ? from->key : "", skip,
                              OP_NEWS_THREAD_MODEL_PAGE_SIZE, headers, &last_key, &error))
    {
      /* The rows stay missing (get_item returns NULL); the next reload shows what the
       * database has. */
      g_signal_emit (self, signals[READ_FAILED], 0, error);
      return NULL;
    }
  if (last_key != NULL)
    {
      Boundary *next = g_new0 (Boundary, 1);

      next->key = g_steal_pointer (&last_key);
      next->skip = 1;
      g_hash_table_replace (self->boundaries, GUINT_TO_POINTER (page + 1), next);
    }
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), g_ptr_array_ref (headers));
  g_queue_push_head (&self->lru, GUINT_TO_POINTER (page));
  while (g_queue_get_length (&self->lru) > OP_NEWS_THREAD_MODEL_MAX_PAGES)
    g_hash_table_remove (self->pages, g_queue_pop_tail (&self->lru));
  return headers;
}

/* The thread holding row @position (ordered by subject or author). */
static guint
thread_at (OpNewsThreadModel *self,
           guint              position)
{
  guint lo = 0, hi = self->thread_keys->len;

  /* The last thread whose first row is ≤ @position. */
  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (self->thread_starts, guint, mid) <= position)
        lo = mid;
      else
        hi = mid;
    }
  return lo;
}

static GPtrArray *
load_thread (OpNewsThreadModel *self,
             guint              thread)
{
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *last_key = NULL;
  guint n = g_array_index (self->thread_starts, guint, thread + 1)
            - g_array_index (self->thread_starts, guint, thread);

  if (!_op_news_db_load_page (self->db, self->group_id,
                              g_ptr_array_index (self->thread_keys, thread), 0, n, headers,
                              &last_key, &error))
    {
      g_signal_emit (self, signals[READ_FAILED], 0, error);
      return NULL;
    }
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (thread), g_ptr_array_ref (headers));
  g_queue_push_head (&self->lru, GUINT_TO_POINTER (thread));
  self->cached_rows += headers->len;
  while (g_queue_get_length (&self->lru) > 1
         && self->cached_rows > OP_NEWS_THREAD_MODEL_MAX_PAGES * OP_NEWS_THREAD_MODEL_PAGE_SIZE)
    {
      gpointer   oldest = g_queue_pop_tail (&self->lru);
      GPtrArray *gone = g_hash_table_lookup (self->pages, oldest);

      self->cached_rows -= gone->len;
      g_hash_table_remove (self->pages, oldest);
    }
  return headers;
}

static gpointer
op_news_thread_model_get_item (GListModel *model,
                               guint       position)
{
  OpNewsThreadModel *self = OP_NEWS_THREAD_MODEL (model);
  guint page = position / OP_NEWS_THREAD_MODEL_PAGE_SIZE;
  guint index = position % OP_NEWS_THREAD_MODEL_PAGE_SIZE;
  GPtrArray *headers;

  if (position >= self->n_items)
    return NULL;
  if (pages_are_threads (self->order, self->descending))
    {
      page = thread_at (self, position);
      index = position - g_array_index (self->thread_starts, guint, page);
    }
  headers = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));
  if (headers != NULL)
    {
      /* Most recently used first. */
      g_queue_remove (&self->lru, GUINT_TO_POINTER (page));
      g_queue_push_head (&self->lru, GUINT_TO_POINTER (page));
    }
  else if (pages_are_threads (self->order, self->descending))
    headers = load_thread (self, page);
  else
    headers = load_page (self, page);
  if (headers == NULL || index >= headers->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (headers, index));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = op_news_thread_model_get_item_type;
  iface->get_n_items = op_news_thread_model_get_n_items;
  iface->get_item = op_news_thread_model_get_item;
}

/* --- opening and counting (worker thread) ---------------------------------------- */

typedef struct
{
  char    *path;
  char    *group;
  sqlite3 *db;
  gint64   group_id;
  guint    n_items;
  OpNewsThreadOrder order;
  gboolean   descending;
  GPtrArray *thread_keys;
  GArray    *thread_starts;
  gboolean   with_roots; /* list the rows at depth 0 too */
  GArray    *roots;
  GArray    *numbers;
} OpenJob;

static void place_roots (GPtrArray *thread_keys, GArray *thread_starts, guint n_items,
                         GArray *by_key, GArray *by_key_numbers, GArray **roots,
                         GArray **numbers);

/* The index's walk for the roots, on a thread of its own beside the count (2 cores: the
 * group opens in the time of the longer of the two, not both). */
typedef struct
{
  char         *path;
  gint64        group_id;
  GCancellable *cancellable;
  GArray       *by_key;
  GArray       *numbers;
  GError       *error;
} RootsScan;

static gpointer
roots_scan_thread (gpointer data)
{
  RootsScan *scan = data;
  sqlite3   *db = _op_news_db_open (scan->path, TRUE, &scan->error);

  if (db == NULL)
    return NULL;
  scan->by_key = g_array_new (FALSE, FALSE, sizeof (guint));
  scan->numbers = g_array_new (FALSE, FALSE, sizeof (guint64));
  _op_news_db_scan_roots (db, scan->group_id, scan->by_key, scan->numbers, scan->cancellable,
                          &scan->error);
  _op_news_db_close (db);
  return NULL;
}

static void
open_job_free (OpenJob *job)
{
  g_free (job->path);
  g_free (job->group);
  g_clear_pointer (&job->db, _op_news_db_close);
  g_clear_pointer (&job->thread_keys, g_ptr_array_unref);
  g_clear_pointer (&job->thread_starts, g_array_unref);
  g_clear_pointer (&job->roots, g_array_unref);
  g_clear_pointer (&job->numbers, g_array_unref);
  g_free (job);
}

static int
compare_thread_keys (gconstpointer a,
                     gconstpointer b,
                     gpointer      user_data)
{
  GPtrArray *keys = user_data;

  /* SQLite's BINARY collation of the paths: byte by byte. */
  return strcmp (g_ptr_array_index (keys, *(const guint *) a),
                 g_ptr_array_index (keys, *(const guint *) b));
}

static int
compare_guint (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *)a, y = *(const guint *)b;

  return x < y ? -1 : x > y;
}

/* Ordered by subject or author, or newest first: the threads and where each starts. */
static gboolean
list_threads (OpenJob      *job,
              GCancellable *cancellable,
              GError      **error)
{
  g_autoptr(GArray) counts = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  guint start = 0;

  job->thread_keys = g_ptr_array_new_with_free_func (g_free);
  job->thread_starts = g_array_new (FALSE, FALSE, sizeof (guint));
  if (!_op_news_db_list_threads (job->db, job->group_id,
                                 job->order == OP_NEWS_THREAD_ORDER_AUTHOR
                                     ? OP_NEWS_DB_THREAD_SORT_AUTHOR
                                 : job->order == OP_NEWS_THREAD_ORDER_SUBJECT
                                     ? OP_NEWS_DB_THREAD_SORT_SUBJECT
                                     : OP_NEWS_DB_THREAD_SORT_NONE,
                                 keys, counts, cancellable, error))
    return FALSE;
  for (guint t = 0; t < keys->len; t++)
    g_array_append_val (order, t);
  /* By date: a thread's first key starts with its root's, and roots sort by date. */
  if (job->order == OP_NEWS_THREAD_ORDER_DATE)
    g_qsort_with_data (order->data, (gint) order->len, sizeof (guint), compare_thread_keys, keys);
  for (guint i = 0; i < order->len; i++)
    {
      /* Descending turns the order of the threads around; each stays whole, its
       * articles depth-first from the root as in every order. */
      guint t = g_array_index (order, guint, job->descending ? order->len - 1 - i : i);

      g_ptr_array_add (job->thread_keys, g_steal_pointer (&keys->pdata[t]));
      g_array_append_val (job->thread_starts, start);
      start += g_array_index (counts, guint, t);
    }
  g_array_append_val (job->thread_starts, start);
  job->n_items = start;
  return TRUE;
}

/* Opens a read-only connection and counts the group's rows; the connection goes to the
 * model (which then uses it on the thread that asked) or is closed. */
static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpenJob *job = task_data;
  GError *error = NULL;

  job->db = _op_news_db_open (job->path, TRUE, &error);
  if (job->db == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  job->group_id = _op_news_db_group_id (job->db, job->group, FALSE, 0, &error);
  if (error == NULL && job->group_id != 0)
    {
      RootsScan scan = { job->path, job->group_id, cancellable, NULL, NULL, NULL };
      GThread  *scanner = job->with_roots
                              ? g_thread_new ("op-news-roots", roots_scan_thread, &scan)
                              : NULL;

      if (!pages_are_threads (job->order, job->descending))
        job->n_items = _op_news_db_count_threaded (job->db, job->group_id, &error);
      else
        list_threads (job, cancellable, &error);
      if (scanner != NULL)
        {
          g_thread_join (scanner);
          /* Without them the model still opens: the roots are listed again when asked
           * (list_roots_async), which says what failed. */
          if (error == NULL && scan.error == NULL)
            place_roots (job->thread_keys, job->thread_starts, job->n_items, scan.by_key,
                         scan.numbers, &job->roots, &job->numbers);
          g_clear_error (&scan.error);
          g_clear_pointer (&scan.by_key, g_array_unref);
          g_clear_pointer (&scan.numbers, g_array_unref);
        }
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
op_news_thread_model_new_async (const char          *database_path,
                                const char          *group,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  op_news_thread_model_new_sorted_async (database_path, group, OP_NEWS_THREAD_ORDER_DATE, FALSE,
                                         cancellable, callback, user_data);
}

void
op_news_thread_model_new_ordered_async (const char          *database_path,
                                        const char          *group,
                                        OpNewsThreadOrder    order,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  op_news_thread_model_new_sorted_async (database_path, group, order, FALSE, cancellable,
                                         callback, user_data);
}

static void
new_async (const char          *database_path,
           const char          *group,
           OpNewsThreadOrder    order,
           gboolean             descending,
           gboolean             with_roots,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  OpenJob *job;

  g_return_if_fail (database_path != NULL);
  g_return_if_fail (group != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_news_thread_model_new_async);
  job = g_new0 (OpenJob, 1);
  job->path = g_strdup (database_path);
  job->group = g_strdup (group);
  job->order = order;
  job->descending = descending;
  job->with_roots = with_roots;
  g_task_set_task_data (task, job, (GDestroyNotify) open_job_free);
  g_task_run_in_thread (task, open_thread);
}

void
op_news_thread_model_new_sorted_async (const char          *database_path,
                                       const char          *group,
                                       OpNewsThreadOrder    order,
                                       gboolean             descending,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  new_async (database_path, group, order, descending, FALSE, cancellable, callback, user_data);
}

void
op_news_thread_model_new_with_roots_async (const char          *database_path,
                                           const char          *group,
                                           OpNewsThreadOrder    order,
                                           gboolean             descending,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  new_async (database_path, group, order, descending, TRUE, cancellable, callback, user_data);
}

OpNewsThreadModel *
op_news_thread_model_new_finish (GAsyncResult  *result,
                                 GError       **error)
{
  OpNewsThreadModel *self;
  OpenJob *job;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == op_news_thread_model_new_async, NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  job = g_task_get_task_data (G_TASK (result));
  self = g_object_new (OP_TYPE_NEWS_THREAD_MODEL, NULL);
  self->path = g_strdup (job->path);
  self->group = g_strdup (job->group);
  self->db = g_steal_pointer (&job->db);
  self->group_id = job->group_id;
  self->n_items = job->n_items;
  self->order = job->order;
  self->descending = job->descending;
  self->thread_keys = g_steal_pointer (&job->thread_keys);
  self->thread_starts = g_steal_pointer (&job->thread_starts);
  self->roots = g_steal_pointer (&job->roots);
  self->root_numbers = g_steal_pointer (&job->numbers);
  start_index (self);
  return self;
}

static void
reload_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  open_thread (task, source_object, task_data, cancellable);
}

void
op_news_thread_model_reload_async (OpNewsThreadModel   *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  OpenJob *job;

  g_return_if_fail (OP_IS_NEWS_THREAD_MODEL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_news_thread_model_reload_async);
  /* A connection of its own: the model's stays on this thread. */
  job = g_new0 (OpenJob, 1);
  job->path = g_strdup (self->path);
  job->group = g_strdup (self->group);
  job->order = self->order;
  job->descending = self->descending;
  job->with_roots = self->roots_on_reload;
  g_task_set_task_data (task, job, (GDestroyNotify) open_job_free);
  g_task_run_in_thread (task, reload_thread);
}

gboolean
op_news_thread_model_reload_finish (OpNewsThreadModel  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  OpenJob *job;
  guint old;

  g_return_val_if_fail (OP_IS_NEWS_THREAD_MODEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  job = g_task_get_task_data (G_TASK (result));
  old = self->n_items;
  drop_pages (self);
  g_clear_pointer (&self->roots, g_array_unref);
  g_clear_pointer (&self->root_numbers, g_array_unref);
  self->group_id = job->group_id;
  self->n_items = job->n_items;
  g_clear_pointer (&self->thread_keys, g_ptr_array_unref);
  g_clear_pointer (&self->thread_starts, g_array_unref);
  self->thread_keys = g_steal_pointer (&job->thread_keys);
  self->thread_starts = g_steal_pointer (&job->thread_starts);
  self->roots = g_steal_pointer (&job->roots);
  self->root_numbers = g_steal_pointer (&job->numbers);
  start_index (self);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old, self->n_items);
  return TRUE;
}

void
op_news_thread_model_set_roots_on_reload (OpNewsThreadModel *self, gboolean roots_on_reload)
{
  g_return_if_fail (OP_IS_NEWS_THREAD_MODEL (self));

  self->roots_on_reload = roots_on_reload;
}

GArray *
op_news_thread_model_get_roots (OpNewsThreadModel *self)
{
  g_return_val_if_fail (OP_IS_NEWS_THREAD_MODEL (self), NULL);

  return self->roots;
}

OpNewsThreadOrder
op_news_thread_model_get_order (OpNewsThreadModel *self)
{
  g_return_val_if_fail (OP_IS_NEWS_THREAD_MODEL (self), OP_NEWS_THREAD_ORDER_DATE);

  return self->order;
}

gboolean
op_news_thread_model_get_descending (OpNewsThreadModel *self)
{
  g_return_val_if_fail (OP_IS_NEWS_THREAD_MODEL (self), FALSE);

  return self->descending;
}

const char *
op_news_thread_model_get_group (OpNewsThreadModel *self)
{
  g_return_val_if_fail (OP_IS_NEWS_THREAD_MODEL (self), NULL);

  return self->group;
}

guint
op_news_thread_model_get_n_cached (OpNewsThreadModel *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_return_val_if_fail (OP_IS_NEWS_THREAD_MODEL (self), 0);

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += ((GPtrArray *) value)->len;
  return n;
}

/* --- the page index (worker thread) --------------------------------------------------- */

typedef struct
{
  char      *path;
  gint64     group_id;
  guint      generation;
  GPtrArray *keys;
} IndexJob;

static void
index_job_free (IndexJob *job)
{
  g_free (job->path);
  g_clear_pointer (&job->keys, g_ptr_array_unref);
  g_free (job);
}

static void
index_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  IndexJob *job = task_data;
  GError *error = NULL;
  sqlite3 *db = _op_news_db_open (job->path, TRUE, &error);

  if (db == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  job->keys = g_ptr_array_new_with_free_func (g_free);
  if (_op_news_db_scan_page_keys (db, job->group_id, OP_NEWS_THREAD_MODEL_PAGE_SIZE, job->keys,
                                  cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  _op_news_db_close (db);
}

static void
index_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  OpNewsThreadModel *self = OP_NEWS_THREAD_MODEL (source);
  IndexJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  /* A failed or cancelled walk only leaves far jumps slower. */
  if (!g_task_propagate_boolean (G_TASK (result), &error) || job->generation != self->generation)
    return;
  for (guint k = 0; k < job->keys->len; k++)
    {
      Boundary *boundary = g_new0 (Boundary, 1);

      boundary->key = g_steal_pointer (&job->keys->pdata[k]);
      boundary->skip = 0;
      g_hash_table_replace (self->boundaries, GUINT_TO_POINTER (k), boundary);
    }
  self->indexed = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INDEXED]);
}

static void
start_index (OpNewsThreadModel *self)
{
  g_autoptr(GTask) task = NULL;
  IndexJob *job;

  if (self->index_cancellable != NULL)
    g_cancellable_cancel (self->index_cancellable);
  g_clear_object (&self->index_cancellable);
  self->generation++;
  if (self->indexed)
    {
      self->indexed = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INDEXED]);
    }
  if (self->n_items == 0)
    return;
  /* Paged by thread, every thread's start is known from the opening. */
  if (pages_are_threads (self->order, self->descending))
    {
      self->indexed = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INDEXED]);
      return;
    }
  self->index_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->index_cancellable, index_done, NULL);
  g_task_set_source_tag (task, start_index);
  job = g_new0 (IndexJob, 1);
  job->path = g_strdup (self->path);
  job->group_id = self->group_id;
  job->generation = self->generation;
  g_task_set_task_data (task, job, (GDestroyNotify) index_job_free);
  g_task_run_in_thread (task, index_thread);
}

gboolean
op_news_thread_model_is_indexed (OpNewsThreadModel *self)
{
  g_return_val_if_fail (OP_IS_NEWS_THREAD_MODEL (self), FALSE);

  return self->indexed;
}

/* --- the threads' first rows (worker thread) ------------------------------------------ */

typedef struct
{
  char      *path;
  gint64     group_id;
  guint      generation;
  guint      n_items;
  GPtrArray *thread_keys;   /* paged by thread: the model's, shared (never changed) */
  GArray    *thread_starts;
  GArray    *roots;
  GArray    *numbers; /* guint64, parallel to roots */
} RootsJob;

static void
roots_job_free (RootsJob *job)
{
  g_free (job->path);
  g_clear_pointer (&job->thread_keys, g_ptr_array_unref);
  g_clear_pointer (&job->thread_starts, g_array_unref);
  g_clear_pointer (&job->roots, g_array_unref);
  g_clear_pointer (&job->numbers, g_array_unref);
  g_free (job);
}

typedef struct
{
  guint   position;
  guint64 number;
} Root;

static int
compare_root_positions (gconstpointer a, gconstpointer b)
{
  return compare_guint (&((const Root *)a)->position, &((const Root *)b)->position);
}

/* The scan gives depth-0 rows in the index's order (by key). Paged by thread, the
 * model's order is its threads' order, each thread's rows in key order: thread t's rows
 * are one run of the index, so sorting the threads by first key and adding up their
 * sizes says where each run starts, and a row's place in its run is its place in the
 * thread. */
static void
roots_in_thread_order (GPtrArray *thread_keys, GArray *thread_starts, GArray *by_key,
                       GArray *numbers, GArray **roots_out, GArray **numbers_out)
{
  guint n = thread_keys->len;
  g_autoptr (GArray) sorted = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);
  g_autoptr (GArray) both = g_array_sized_new (FALSE, FALSE, sizeof (Root), by_key->len);
  guint t = 0, run = 0;

  for (guint i = 0; i < n; i++)
    g_array_append_val (sorted, i);
  g_qsort_with_data (sorted->data, (gint)n, sizeof (guint), compare_thread_keys, thread_keys);
  for (guint r = 0; r < by_key->len; r++)
    {
      guint row = g_array_index (by_key, guint, r);
      guint thread, size;
      Root  root;

      for (;;)
        {
          if (t == n)
            break;
          thread = g_array_index (sorted, guint, t);
          size = g_array_index (thread_starts, guint, thread + 1)
                 - g_array_index (thread_starts, guint, thread);
          if (row < run + size)
            break;
          run += size;
          t++;
        }
      /* Rows stored after the model counted (a fetch under way) wait for its reload. */
      if (t == n)
        break;
      root.position = g_array_index (thread_starts, guint, thread) + (row - run);
      root.number = g_array_index (numbers, guint64, r);
      g_array_append_val (both, root);
    }
  g_array_sort (both, compare_root_positions);
  *roots_out = g_array_sized_new (FALSE, FALSE, sizeof (guint), both->len);
  *numbers_out = g_array_sized_new (FALSE, FALSE, sizeof (guint64), both->len);
  for (guint i = 0; i < both->len; i++)
    {
      g_array_append_val (*roots_out, g_array_index (both, Root, i).position);
      g_array_append_val (*numbers_out, g_array_index (both, Root, i).number);
    }
}

/* Puts the rows at depth 0 (@by_key, in the index's order, and their @by_key_numbers)
 * in the model's order; @thread_keys NULL: the index's own order. */
static void
place_roots (GPtrArray *thread_keys, GArray *thread_starts, guint n_items, GArray *by_key,
             GArray *by_key_numbers, GArray **roots, GArray **numbers)
{
  if (thread_keys != NULL)
    {
      roots_in_thread_order (thread_keys, thread_starts, by_key, by_key_numbers, roots, numbers);
      return;
    }
  /* Rows stored after the model counted (a fetch under way) wait for its reload. */
  while (by_key->len > 0 && g_array_index (by_key, guint, by_key->len - 1) >= n_items)
    {
      g_array_set_size (by_key, by_key->len - 1);
      g_array_set_size (by_key_numbers, by_key->len);
    }
  *roots = g_array_ref (by_key);
  *numbers = g_array_ref (by_key_numbers);
}

/* The rows at depth 0 in the model's order and their numbers (a worker thread). */
static gboolean
scan_roots (sqlite3 *db, gint64 group_id, GPtrArray *thread_keys, GArray *thread_starts,
            guint n_items, GArray **roots, GArray **numbers, GCancellable *cancellable,
            GError **error)
{
  g_autoptr (GArray) by_key = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) by_key_numbers = g_array_new (FALSE, FALSE, sizeof (guint64));

  if (!_op_news_db_scan_roots (db, group_id, by_key, by_key_numbers, cancellable, error))
    return FALSE;
  place_roots (thread_keys, thread_starts, n_items, by_key, by_key_numbers, roots, numbers);
  return TRUE;
}

static void
roots_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  RootsJob *job = task_data;
  GError   *error = NULL;
  sqlite3  *db = _op_news_db_open (job->path, TRUE, &error);

  if (db == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!scan_roots (db, job->group_id, job->thread_keys, job->thread_starts, job->n_items,
                   &job->roots, &job->numbers, cancellable, &error))
    {
      _op_news_db_close (db);
      g_task_return_error (task, error);
      return;
    }
  _op_news_db_close (db);
  g_task_return_boolean (task, TRUE);
}

void
op_news_thread_model_list_roots_async (OpNewsThreadModel  *self,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  RootsJob *job;

  g_return_if_fail (OP_IS_NEWS_THREAD_MODEL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_news_thread_model_list_roots_async);
  job = g_new0 (RootsJob, 1);
  job->generation = self->generation;
  g_task_set_task_data (task, job, (GDestroyNotify)roots_job_free);
  if (self->roots != NULL || self->n_items == 0)
    {
      job->roots = self->roots != NULL ? g_array_ref (self->roots)
                                       : g_array_new (FALSE, FALSE, sizeof (guint));
      job->numbers = self->root_numbers != NULL ? g_array_ref (self->root_numbers)
                                                : g_array_new (FALSE, FALSE, sizeof (guint64));
      g_task_return_boolean (task, TRUE);
      return;
    }
  job->path = g_strdup (self->path);
  job->group_id = self->group_id;
  job->n_items = self->n_items;
  if (pages_are_threads (self->order, self->descending))
    {
      job->thread_keys = g_ptr_array_ref (self->thread_keys);
      job->thread_starts = g_array_ref (self->thread_starts);
    }
  g_task_run_in_thread (task, roots_thread);
}

GArray *
op_news_thread_model_list_roots_finish (OpNewsThreadModel *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  RootsJob *job;

  g_return_val_if_fail (OP_IS_NEWS_THREAD_MODEL (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  job = g_task_get_task_data (G_TASK (result));
  if (job->generation != self->generation)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "The group's headers were read again");
      return NULL;
    }
  if (self->roots == NULL)
    {
      self->roots = g_array_ref (job->roots);
      self->root_numbers = g_array_ref (job->numbers);
    }
  return g_array_ref (job->roots);
}

GArray *
op_news_thread_model_get_root_numbers (OpNewsThreadModel *self)
{
  g_return_val_if_fail (OP_IS_NEWS_THREAD_MODEL (self), NULL);

  return self->root_numbers;
}
