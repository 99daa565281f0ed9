/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

#include "config.h"

#include "op-file-list.h"

struct _OpFileList
{
  GObject       parent_instance;

  GPtrArray    *rows;       /* OpFileRow, all of the listing */
  GPtrArray    *shown;      /* OpFileRow, filtered and sorted */
  guint         n_exposed;  /* of @shown, what the model reports (see stage_rows()) */
  guint         stage_id;
  char         *folded_filter;
  gboolean      show_hidden;
  OpFileColumn  column;
  gboolean      descending;
  guint         n_folders;
  guint         n_files;
  guint64       total_size;
  guint         generation; /* of the latest request; older results are dropped */
  guint         listing_generation; /* of the latest listing handed over */
  gboolean      waiting_for_rows;   /* a listing is being turned into rows */
  guint         running;    /* jobs not yet back */
  GCancellable *cancellable;
};

static void op_file_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OpFileList, op_file_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, op_file_list_model_init))

enum
{
  SIGNAL_REPLACING,
  SIGNAL_UPDATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- the job, on a worker thread ----------------------------------------------------- */

typedef struct
{
  OpFtpListing *listing;    /* (nullable) to turn into rows first */
  GPtrArray    *rows;       /* shared with the list: never changed after creation */
  char         *folded_filter;
  gboolean      show_hidden;
  OpFileColumn  column;
  gboolean      descending;
  guint         generation;
  gboolean      from_listing;
  guint         listing_generation;
  /* results */
  GPtrArray    *shown;
  guint         n_folders;
  guint         n_files;
  guint64       total_size;
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->listing, op_ftp_listing_free);
  g_clear_pointer (&job->rows, g_ptr_array_unref);
  g_free (job->folded_filter);
  g_clear_pointer (&job->shown, g_ptr_array_unref);
  g_free (job);
}

static int
job_compare (gconstpointer a,
             gconstpointer b,
             gpointer      user_data)
{
  Job *job = user_data;
  OpFileRow *ra = *(OpFileRow **) a;
  OpFileRow *rb = *(OpFileRow **) b;
  /* Folders first either way; the column (and the name that breaks ties) flips. */
  int folders = _op_file_row_sort_func (ra, rb, GINT_TO_POINTER (-1));
  int result;

  if (folders != 0)
    return folders;
  result = _op_file_row_sort_func (ra, rb, GINT_TO_POINTER (job->column));
  return job->descending ? -result : result;
}

static void
job_run (GTask        *task,
         gpointer      source,
         gpointer      task_data,
         GCancellable *cancellable)
{
  Job *job = task_data;

  /* A listing from the server becomes rows here: 100,000 of them take a few hundred
   * milliseconds, which the main loop must not spend. */
  if (job->listing != NULL)
    {
      GPtrArray *entries = job->listing->entries;

      job->rows = g_ptr_array_new_full (entries->len, g_object_unref);
      for (guint i = 0; i < entries->len; i++)
        g_ptr_array_add (job->rows, op_file_row_new_from_ftp_entry (g_ptr_array_index (entries, i)));
      g_clear_pointer (&job->listing, op_ftp_listing_free);
    }

  job->shown = g_ptr_array_new_full (job->rows->len, g_object_unref);
  for (guint i = 0; i < job->rows->len; i++)
    {
      OpFileRow *row = g_ptr_array_index (job->rows, i);

      if (!op_file_row_matches (row, job->folded_filter, job->show_hidden))
        continue;
      g_ptr_array_add (job->shown, g_object_ref (row));
      if (op_file_row_is_directory (row))
        job->n_folders++;
      else
        {
          job->n_files++;
          if (op_file_row_get_size (row) > 0)
            job->total_size += op_file_row_get_size (row);
        }
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  /* Merge sort (stable, O(n log n) worst case). */
  g_ptr_array_sort_with_data (job->shown, job_compare, job);
  g_task_return_boolean (task, TRUE);
}

static void refresh (OpFileList *self);

/*
 * GTK 4.8's list views build widgets for the first 200 rows of a model at once (a row,
 * six cells and their children each): inside items-changed, then measured in the next
 * layout, ~80 ms for one big folder arriving. A big folder is therefore announced in
 * steps of STAGE_ROWS, each in its own main-loop turn so the probe of input and
 * drawing gets in between. Each step replaces what the model reported before, the same
 * change a new filter makes: GTK keeps the widgets of the rows it already had.
 */
#define STAGE_THRESHOLD 1000
#define STAGE_ROWS      40
#define STAGE_WIDGET_ROWS 200

static gboolean
stage_rows (gpointer user_data)
{
  OpFileList *self = user_data;
  guint before = self->n_exposed;

  if (before + STAGE_ROWS < STAGE_WIDGET_ROWS)
    self->n_exposed = before + STAGE_ROWS;
  else
    self->n_exposed = self->shown->len;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, before, self->n_exposed);
  if (self->n_exposed < self->shown->len)
    return G_SOURCE_CONTINUE;
  self->stage_id = 0;
  g_signal_emit (self, signals[SIGNAL_UPDATED], 0);
  return G_SOURCE_REMOVE;
}

static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  OpFileList *self = OP_FILE_LIST (source);
  Job *job = g_task_get_task_data (G_TASK (result));
  guint removed, added;

  self->running--;
  if (!g_task_propagate_boolean (G_TASK (result), NULL))
    return;
  if (job->from_listing && job->listing_generation == self->listing_generation)
    {
      /* These are the folder's rows now, even when a newer filter or sort was asked
       * for meanwhile: that one ran on the old rows, so run it again on these. */
      g_ptr_array_unref (self->rows);
      self->rows = g_ptr_array_ref (job->rows);
      self->waiting_for_rows = FALSE;
      if (job->generation != self->generation)
        {
          refresh (self);
          return;
        }
    }
  if (job->generation != self->generation || self->waiting_for_rows)
    return;

  /* Last call for the old rows (a selection to carry over). */
  g_signal_emit (self, signals[SIGNAL_REPLACING], 0);
  g_clear_handle_id (&self->stage_id, g_source_remove);
  removed = self->n_exposed;
  added = job->shown->len;
  g_ptr_array_unref (self->shown);
  self->shown = g_steal_pointer (&job->shown);
  self->n_folders = job->n_folders;
  self->n_files = job->n_files;
  self->total_size = job->total_size;
  if (added >= STAGE_THRESHOLD)
    {
      self->n_exposed = STAGE_ROWS;
      self->stage_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, stage_rows, self, NULL);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->n_exposed);
      return;
    }
  self->n_exposed = added;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, added);
  g_signal_emit (self, signals[SIGNAL_UPDATED], 0);
}

static void
start (OpFileList   *self,
       OpFtpListing *listing)
{
  g_autoptr (GTask) task = NULL;
  Job *job = g_new0 (Job, 1);

  if (listing != NULL)
    {
      job->listing = listing;
      job->from_listing = TRUE;
      job->listing_generation = ++self->listing_generation;
      self->waiting_for_rows = TRUE;
    }
  else
    job->rows = g_ptr_array_ref (self->rows);
  job->folded_filter = g_strdup (self->folded_filter);
  job->show_hidden = self->show_hidden;
  job->column = self->column;
  job->descending = self->descending;
  job->generation = ++self->generation;

  task = g_task_new (self, self->cancellable, job_done, NULL);
  g_task_set_source_tag (task, refresh);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  self->running++;
  g_task_run_in_thread (task, job_run);
}

static void
refresh (OpFileList *self)
{
  start (self, NULL);
}

/* --- GListModel ---------------------------------------------------------------------- */

static GType
op_file_list_get_item_type (GListModel *model)
{
  return OP_TYPE_FILE_ROW;
}

static guint
op_file_list_get_n_items (GListModel *model)
{
  return OP_FILE_LIST (model)->n_exposed;
}

static gpointer
op_file_list_get_item (GListModel *model,
                       guint       position)
{
  OpFileList *self = OP_FILE_LIST (model);

  if (position >= self->n_exposed)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->shown, position));
}

static void
op_file_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = op_file_list_get_item_type;
  iface->get_n_items = op_file_list_get_n_items;
  iface->get_item = op_file_list_get_item;
}

/* --- public API ---------------------------------------------------------------------- */

OpFileList *
op_file_list_new (void)
{
  return g_object_new (OP_TYPE_FILE_LIST, NULL);
}

void
op_file_list_set_rows (OpFileList *self,
                       GPtrArray  *rows)
{
  g_return_if_fail (OP_IS_FILE_LIST (self));
  g_return_if_fail (rows != NULL);

  /* A new array: a running job keeps its own reference to the old one. */
  g_ptr_array_unref (self->rows);
  self->rows = g_ptr_array_copy (rows, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);
  g_ptr_array_set_free_func (self->rows, g_object_unref);
  self->waiting_for_rows = FALSE;
  self->listing_generation++;
  refresh (self);
}

/**
 * op_file_list_set_ftp_listing:
 * @self: the list
 * @listing: (transfer full): a remote folder's listing
 *
 * Like op_file_list_set_rows(), with the rows made on the worker thread.
 */
void
op_file_list_set_ftp_listing (OpFileList   *self,
                              OpFtpListing *listing)
{
  g_return_if_fail (OP_IS_FILE_LIST (self));
  g_return_if_fail (listing != NULL);

  start (self, listing);
}

guint
op_file_list_get_n_rows (OpFileList *self)
{
  g_return_val_if_fail (OP_IS_FILE_LIST (self), 0);
  return self->rows->len;
}

GPtrArray *
op_file_list_get_rows (OpFileList *self)
{
  g_return_val_if_fail (OP_IS_FILE_LIST (self), NULL);
  return self->rows;
}

void
op_file_list_set_filter (OpFileList *self,
                         const char *text)
{
  g_autofree char *folded = NULL;

  g_return_if_fail (OP_IS_FILE_LIST (self));

  folded = text != NULL && text[0] != '\0' ? g_utf8_casefold (text, -1) : NULL;
  if (g_strcmp0 (folded, self->folded_filter) == 0)
    return;
  g_free (self->folded_filter);
  self->folded_filter = g_steal_pointer (&folded);
  refresh (self);
}

void
op_file_list_set_show_hidden (OpFileList *self,
                              gboolean    show_hidden)
{
  g_return_if_fail (OP_IS_FILE_LIST (self));

  if (self->show_hidden == !!show_hidden)
    return;
  self->show_hidden = !!show_hidden;
  refresh (self);
}

void
op_file_list_set_sort (OpFileList   *self,
                       OpFileColumn  column,
                       gboolean      descending)
{
  g_return_if_fail (OP_IS_FILE_LIST (self));
  g_return_if_fail (column <= OP_FILE_COLUMN_OWNER);

  if (self->column == column && self->descending == !!descending)
    return;
  self->column = column;
  self->descending = !!descending;
  refresh (self);
}

gboolean
op_file_list_is_busy (OpFileList *self)
{
  g_return_val_if_fail (OP_IS_FILE_LIST (self), FALSE);
  return self->running > 0 || self->stage_id != 0;
}

guint
op_file_list_get_n_folders (OpFileList *self)
{
  g_return_val_if_fail (OP_IS_FILE_LIST (self), 0);
  return self->n_folders;
}

guint
op_file_list_get_n_files (OpFileList *self)
{
  g_return_val_if_fail (OP_IS_FILE_LIST (self), 0);
  return self->n_files;
}

guint64
op_file_list_get_total_size (OpFileList *self)
{
  g_return_val_if_fail (OP_IS_FILE_LIST (self), 0);
  return self->total_size;
}

/* --- GObject ------------------------------------------------------------------------- */

static void
op_file_list_dispose (GObject *object)
{
  OpFileList *self = OP_FILE_LIST (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->stage_id, g_source_remove);

  G_OBJECT_CLASS (op_file_list_parent_class)->dispose (object);
}

static void
op_file_list_finalize (GObject *object)
{
  OpFileList *self = OP_FILE_LIST (object);

  g_ptr_array_unref (self->rows);
  g_ptr_array_unref (self->shown);
  g_free (self->folded_filter);
  g_object_unref (self->cancellable);

  G_OBJECT_CLASS (op_file_list_parent_class)->finalize (object);
}

static void
op_file_list_class_init (OpFileListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_file_list_dispose;
  object_class->finalize = op_file_list_finalize;

  signals[SIGNAL_REPLACING] =
    g_signal_new ("replacing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_UPDATED] =
    g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
op_file_list_init (OpFileList *self)
{
  self->rows = g_ptr_array_new_with_free_func (g_object_unref);
  self->shown = g_ptr_array_new_with_free_func (g_object_unref);
  self->column = OP_FILE_COLUMN_NAME;
  self->cancellable = g_cancellable_new ();
}
