/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>

#include "op-mail-conversation-list.h"
#include "op-mail-private.h"

/* The first load reads this many rows of the order, then all of it. */
#define FIRST_ROWS (2 * OP_MAIL_CONVERSATION_LIST_PAGE)

/* Rows kept beyond what the view holds itself: 40 pages. */
#define MAX_CACHED_ROWS (40 * OP_MAIL_CONVERSATION_LIST_PAGE)

struct _OpMailConversationList
{
  GObject       parent_instance;
  OpMailStore  *store;
  gint64        folder_id;
  GArray       *order;      /* gint64 conversation ids, newest first */
  GHashTable   *rows;       /* conversation id → OpMailConversation */
  GHashTable   *changed;    /* ids reported changed since the running reload began */
  GCancellable *cancellable;
  sqlite3_stmt *page;       /* the page query on the store's main connection */
  gboolean      loading;
  gboolean      started;    /* the first (limited) read was made */
  gboolean      reloading;
  gboolean      reload_again;
};

enum
{
  PROP_0,
  PROP_FOLDER_ID,
  PROP_LOADING,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OpMailConversationList, op_mail_conversation_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

/* --- GListModel -------------------------------------------------------------------------- */

static GType
get_item_type (GListModel *model)
{
  return OP_TYPE_MAIL_CONVERSATION;
}

static guint
get_n_items (GListModel *model)
{
  return OP_MAIL_CONVERSATION_LIST (model)->order->len;
}

static gboolean
prepare_page (OpMailConversationList *self)
{
  g_autoptr(GString) sql = NULL;
  sqlite3 *db = _op_mail_store_get_main_db (self->store);

  if (self->page != NULL)
    return TRUE;
  if (db == NULL)
    return FALSE;
  sql = g_string_new ("SELECT " OP_MAIL_CONVERSATION_COLUMNS " FROM folder_conversations fc"
                      " JOIN messages m ON m.id = fc.latest_message_id"
                      " WHERE fc.folder_id = ?1 AND fc.conversation_id IN (");
  for (guint i = 0; i < OP_MAIL_CONVERSATION_LIST_PAGE; i++)
    g_string_append_printf (sql, i == 0 ? "?%u" : ", ?%u", i + 2);
  g_string_append_c (sql, ')');
  if (sqlite3_prepare_v3 (db, sql->str, -1, SQLITE_PREPARE_PERSISTENT, &self->page, NULL) != SQLITE_OK)
    {
      g_warning ("Mail store: the conversation page query failed: %s", sqlite3_errmsg (db));
      self->page = NULL;
      return FALSE;
    }
  return TRUE;
}

/* Reads the page around @position into the cache (a small read on the main thread). */
static void
load_page (OpMailConversationList *self,
           guint                   position)
{
  guint start = position - position % OP_MAIL_CONVERSATION_LIST_PAGE;
  guint end = MIN (start + OP_MAIL_CONVERSATION_LIST_PAGE, self->order->len);

  if (!prepare_page (self))
    return;
  if (g_hash_table_size (self->rows) > MAX_CACHED_ROWS)
    g_hash_table_remove_all (self->rows);

  sqlite3_reset (self->page);
  sqlite3_clear_bindings (self->page);
  sqlite3_bind_int64 (self->page, 1, self->folder_id);
  for (guint i = start; i < end; i++)
    sqlite3_bind_int64 (self->page, i - start + 2, g_array_index (self->order, gint64, i));
  while (sqlite3_step (self->page) == SQLITE_ROW)
    {
      OpMailConversation *row = _op_mail_conversation_new_from_row (self->page);
      gint64 *key = g_new (gint64, 1);

      *key = op_mail_conversation_get_id (row);
      g_hash_table_replace (self->rows, key, row);
    }
  sqlite3_reset (self->page);
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  OpMailConversationList *self = OP_MAIL_CONVERSATION_LIST (model);
  gint64 id;
  OpMailConversation *row;

  if (position >= self->order->len)
    return NULL;
  id = g_array_index (self->order, gint64, position);
  row = g_hash_table_lookup (self->rows, &id);
  if (row == NULL)
    {
      load_page (self, position);
      row = g_hash_table_lookup (self->rows, &id);
    }
  if (row == NULL)
    {
      /* The conversation left the folder after the order was read; the reload that
       * follows the store's signal removes the row. */
      return _op_mail_conversation_new_empty (id, self->folder_id);
    }
  return g_object_ref (row);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* --- reloading the order ----------------------------------------------------------------- */

typedef struct
{
  gint64   folder_id;
  guint    limit;        /* 0: the whole order */
  GArray  *old_order;
  GArray  *changed;      /* ids reported changed */
  GArray  *new_order;    /* result */
  GArray  *changes;      /* result: OpMailOrderChange */
  GArray  *in_place;     /* result: positions (guint) in the new order of changed rows that stayed */
} Reload;

static void
reload_free (Reload *reload)
{
  g_clear_pointer (&reload->old_order, g_array_unref);
  g_clear_pointer (&reload->changed, g_array_unref);
  g_clear_pointer (&reload->new_order, g_array_unref);
  g_clear_pointer (&reload->changes, g_array_unref);
  g_clear_pointer (&reload->in_place, g_array_unref);
  g_free (reload);
}

static void
reload_read (GTask        *task,
             OpMailStore  *store,
             sqlite3      *db,
             gpointer      data,
             GCancellable *cancellable)
{
  Reload *reload = data;
  sqlite3_stmt *stmt = NULL;
  GError *error = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db,
                          "SELECT conversation_id FROM folder_conversations WHERE folder_id = ?1"
                          " ORDER BY latest_date DESC, conversation_id DESC LIMIT ?2",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (&error, db, N_("reading conversations"));
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, reload->folder_id);
  sqlite3_bind_int64 (stmt, 2, reload->limit > 0 ? (gint64) reload->limit : -1);
  reload->new_order = g_array_new (FALSE, FALSE, sizeof (gint64));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (reload->new_order, id);
    }
  if (rc != SQLITE_DONE)
    _op_mail_set_sqlite_error (&error, db, N_("reading conversations"));
  sqlite3_finalize (stmt);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  reload->changes = _op_mail_order_diff (reload->old_order, reload->new_order);

  /* Rows reported changed that were neither inserted nor removed: their position in
   * the new order. */
  reload->in_place = g_array_new (FALSE, FALSE, sizeof (guint));
  if (reload->changed->len > 0)
    {
      g_autoptr(GHashTable) wanted = g_hash_table_new (g_int64_hash, g_int64_equal);
      g_autoptr(GHashTable) inserted = g_hash_table_new (g_int64_hash, g_int64_equal);

      for (guint c = 0; c < reload->changes->len; c++)
        {
          OpMailOrderChange *change = &g_array_index (reload->changes, OpMailOrderChange, c);
          for (guint k = 0; k < change->added; k++)
            g_hash_table_add (inserted, &g_array_index (reload->new_order, gint64, change->position + k));
        }
      for (guint i = 0; i < reload->changed->len; i++)
        g_hash_table_add (wanted, &g_array_index (reload->changed, gint64, i));
      for (guint i = 0; i < reload->new_order->len; i++)
        {
          gint64 *id = &g_array_index (reload->new_order, gint64, i);
          if (g_hash_table_contains (wanted, id) && !g_hash_table_contains (inserted, id))
            g_array_append_val (reload->in_place, i);
        }
    }
  g_task_return_boolean (task, TRUE);
}

static void start_reload (OpMailConversationList *self);

static void
reload_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  OpMailConversationList *self = user_data;
  g_autoptr(GError) error = NULL;
  Reload *reload;
  gboolean was_loading = self->loading;
  guint old_len;

  /* The task data is the store's read job, which owns the Reload. */
  reload = g_object_get_data (G_OBJECT (result), "op-reload");
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      self->reloading = FALSE;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Mail store: the conversation list could not be read: %s", error->message);
      g_object_unref (self);
      return;
    }

  old_len = self->order->len;
  for (guint c = 0; c < reload->changes->len; c++)
    {
      OpMailOrderChange *change = &g_array_index (reload->changes, OpMailOrderChange, c);

      for (guint k = 0; k < change->removed; k++)
        g_hash_table_remove (self->rows, &g_array_index (self->order, gint64, change->position + k));
      if (change->removed > 0)
        g_array_remove_range (self->order, change->position, change->removed);
      if (change->added > 0)
        g_array_insert_vals (self->order, change->position,
                             &g_array_index (reload->new_order, gint64, change->position),
                             change->added);
      g_list_model_items_changed (G_LIST_MODEL (self), change->position, change->removed, change->added);
    }
  for (guint i = 0; i < reload->in_place->len; i++)
    {
      guint position = g_array_index (reload->in_place, guint, i);
      g_hash_table_remove (self->rows, &g_array_index (self->order, gint64, position));
      g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
    }

  self->reloading = FALSE;
  /* The first rows came first (so a view shows them at once); the rest follows, and
   * only then is the list loaded. */
  if (reload->limit > 0 && reload->new_order->len >= reload->limit)
    self->reload_again = TRUE;
  else
    self->loading = FALSE;
  if (was_loading && !self->loading)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  if (old_len != self->order->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  if (self->reload_again)
    start_reload (self);
  g_object_unref (self);
}

static void
start_reload (OpMailConversationList *self)
{
  g_autoptr(GTask) task = NULL;
  Reload *reload;
  GHashTableIter iter;
  gpointer key;

  if (self->reloading)
    {
      self->reload_again = TRUE;
      return;
    }
  self->reloading = TRUE;
  self->reload_again = FALSE;

  reload = g_new0 (Reload, 1);
  reload->folder_id = self->folder_id;
  if (!self->started)
    reload->limit = FIRST_ROWS;
  self->started = TRUE;
  reload->old_order = g_array_copy (self->order);
  reload->changed = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hash_table_iter_init (&iter, self->changed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_array_append_val (reload->changed, *(gint64 *) key);
  g_hash_table_remove_all (self->changed);

  task = g_task_new (self->store, self->cancellable, reload_done, g_object_ref (self));
  g_task_set_source_tag (task, start_reload);
  g_object_set_data (G_OBJECT (task), "op-reload", reload);
  _op_mail_store_run_read (self->store, task, reload_read, reload, (GDestroyNotify) reload_free);
}

static void
on_conversations_changed (OpMailStore            *store,
                          gint64                  folder_id,
                          GArray                 *ids,
                          OpMailConversationList *self)
{
  if (folder_id != self->folder_id)
    return;
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      if (!g_hash_table_contains (self->changed, &id))
        g_hash_table_add (self->changed, g_memdup2 (&id, sizeof id));
    }
  start_reload (self);
}

/* --- GObject ----------------------------------------------------------------------------- */

static void
op_mail_conversation_list_dispose (GObject *object)
{
  OpMailConversationList *self = OP_MAIL_CONVERSATION_LIST (object);

  g_cancellable_cancel (self->cancellable);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_pointer (&self->page, sqlite3_finalize);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (op_mail_conversation_list_parent_class)->dispose (object);
}

static void
op_mail_conversation_list_finalize (GObject *object)
{
  OpMailConversationList *self = OP_MAIL_CONVERSATION_LIST (object);

  g_array_unref (self->order);
  g_hash_table_unref (self->rows);
  g_hash_table_unref (self->changed);
  G_OBJECT_CLASS (op_mail_conversation_list_parent_class)->finalize (object);
}

static void
op_mail_conversation_list_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  OpMailConversationList *self = OP_MAIL_CONVERSATION_LIST (object);

  switch (prop_id)
    {
    case PROP_FOLDER_ID:
      g_value_set_int64 (value, self->folder_id);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->order->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_mail_conversation_list_class_init (OpMailConversationListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = op_mail_conversation_list_dispose;
  object_class->finalize = op_mail_conversation_list_finalize;
  object_class->get_property = op_mail_conversation_list_get_property;

  properties[PROP_FOLDER_ID] = g_param_spec_int64 ("folder-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, TRUE, flags);
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_mail_conversation_list_init (OpMailConversationList *self)
{
  self->order = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->changed = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  self->loading = TRUE;
}

OpMailConversationList *
op_mail_conversation_list_new (OpMailStore *store,
                               gint64       folder_id)
{
  OpMailConversationList *self;

  g_return_val_if_fail (OP_IS_MAIL_STORE (store), NULL);

  self = g_object_new (OP_TYPE_MAIL_CONVERSATION_LIST, NULL);
  self->store = g_object_ref (store);
  self->folder_id = folder_id;
  g_signal_connect (store, "conversations-changed", G_CALLBACK (on_conversations_changed), self);
  start_reload (self);
  return self;
}

gint64
op_mail_conversation_list_get_folder_id (OpMailConversationList *self)
{
  g_return_val_if_fail (OP_IS_MAIL_CONVERSATION_LIST (self), 0);
  return self->folder_id;
}

gboolean
op_mail_conversation_list_get_loading (OpMailConversationList *self)
{
  g_return_val_if_fail (OP_IS_MAIL_CONVERSATION_LIST (self), FALSE);
  return self->loading;
}

gint
op_mail_conversation_list_find (OpMailConversationList *self,
                                gint64                  conversation_id)
{
  g_return_val_if_fail (OP_IS_MAIL_CONVERSATION_LIST (self), -1);

  for (guint i = 0; i < self->order->len; i++)
    if (g_array_index (self->order, gint64, i) == conversation_id)
      return i;
  return -1;
}

gboolean
_op_mail_conversation_list_is_idle (OpMailConversationList *self)
{
  return !self->reloading && !self->reload_again;
}
