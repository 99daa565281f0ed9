/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <sqlite3.h>
#include <string.h>

#include "op-mail-private.h"
#include "op-mail-store.h"

/* Messages read per lookup, newest first: enough to know the people one writes with. */
#define SCAN_LIMIT 2000

typedef struct
{
  char  *prefix;   /* case-folded */
  guint  limit;
} Lookup;

typedef struct
{
  char     *display;  /* "Name <address>" or "address" */
  gboolean  named;
  guint     count;
  guint     order;    /* first seen, newest message first */
} Known;

static void
lookup_free (Lookup *lookup)
{
  g_free (lookup->prefix);
  g_free (lookup);
}

static void
known_free (Known *known)
{
  g_free (known->display);
  g_free (known);
}

/* Does @text, case-folded, start with @prefix or have a word that does? */
static gboolean
matches (const char *text,
         const char *prefix)
{
  g_autofree char *folded = text != NULL ? g_utf8_casefold (text, -1) : NULL;
  const char *at;

  if (folded == NULL || prefix[0] == '\0')
    return FALSE;
  for (at = strstr (folded, prefix); at != NULL; at = strstr (at + 1, prefix))
    {
      if (at == folded || !g_ascii_isalnum (at[-1]))
        return TRUE;
    }
  return FALSE;
}

static void
consider (GHashTable *known,
          const char *name,
          const char *address,
          const char *prefix)
{
  g_autofree char *key = NULL;
  Known *entry;

  if (address == NULL || strchr (address, '@') == NULL
      || (!matches (address, prefix) && !matches (name, prefix)))
    return;
  key = g_ascii_strdown (address, -1);
  entry = g_hash_table_lookup (known, key);
  if (entry == NULL)
    {
      entry = g_new0 (Known, 1);
      entry->order = g_hash_table_size (known);
      g_hash_table_insert (known, g_steal_pointer (&key), entry);
    }
  /* The newest name given with the address; the bare address when it never had one. */
  if (entry->display == NULL || (!entry->named && name != NULL && name[0] != '\0'))
    {
      entry->named = name != NULL && name[0] != '\0';
      g_free (entry->display);
      entry->display = entry->named ? g_strdup_printf ("%s <%s>", name, address) : g_strdup (address);
    }
  entry->count++;
}

static void
consider_list (GHashTable *known,
               const char *list,
               const char *prefix)
{
  InternetAddressList *addresses;

  if (list == NULL || list[0] == '\0')
    return;
  addresses = internet_address_list_parse (NULL, list);
  for (int i = 0; addresses != NULL && i < internet_address_list_length (addresses); i++)
    {
      InternetAddress *address = internet_address_list_get_address (addresses, i);

      if (INTERNET_ADDRESS_IS_MAILBOX (address))
        consider (known, internet_address_get_name (address),
                  internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)), prefix);
    }
  g_clear_object (&addresses);
}

static int
by_use (gconstpointer a,
        gconstpointer b)
{
  const Known *x = *(Known * const *) a;
  const Known *y = *(Known * const *) b;

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static void
addresses_read (GTask        *task,
                OpMailStore  *store,
                sqlite3      *db,
                gpointer      data,
                GCancellable *cancellable)
{
  Lookup *lookup = data;
  g_autoptr(GHashTable) known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) known_free);
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  GError *error = NULL;
  GHashTableIter iter;
  gpointer value;
  int rc;

  /* instr() on the folded text rather than LIKE: nothing in the prefix is a pattern. */
  if (sqlite3_prepare_v2 (db,
                          "SELECT from_name, from_addr, to_list, cc_list FROM messages"
                          " WHERE instr (lower (from_name || ' ' || from_addr || ' ' || to_list"
                          " || ' ' || cc_list), ?1) > 0"
                          " ORDER BY date DESC LIMIT ?2",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _op_mail_set_sqlite_error (&error, db, N_("looking up addresses"));
      g_ptr_array_unref (out);
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_text (stmt, 1, lookup->prefix, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, SCAN_LIMIT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && !g_cancellable_is_cancelled (cancellable))
    {
      consider (known, (const char *) sqlite3_column_text (stmt, 0),
                (const char *) sqlite3_column_text (stmt, 1), lookup->prefix);
      consider_list (known, (const char *) sqlite3_column_text (stmt, 2), lookup->prefix);
      consider_list (known, (const char *) sqlite3_column_text (stmt, 3), lookup->prefix);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      _op_mail_set_sqlite_error (&error, db, N_("looking up addresses"));
      g_ptr_array_unref (out);
      g_task_return_error (task, error);
      return;
    }

  g_hash_table_iter_init (&iter, known);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (sorted, value);
  g_ptr_array_sort (sorted, by_use);
  for (guint i = 0; i < sorted->len && i < lookup->limit; i++)
    g_ptr_array_add (out, g_strdup (((Known *) g_ptr_array_index (sorted, i))->display));
  g_task_return_pointer (task, out, (GDestroyNotify) g_ptr_array_unref);
}

void
op_mail_store_complete_address_async (OpMailStore         *self,
                                      const char          *prefix,
                                      guint                limit,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Lookup *lookup;

  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (prefix != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_mail_store_complete_address_async);
  lookup = g_new0 (Lookup, 1);
  lookup->prefix = g_utf8_casefold (prefix, -1);
  g_strstrip (lookup->prefix);
  lookup->limit = limit > 0 ? limit : G_MAXUINT;
  if (lookup->prefix[0] == '\0')
    {
      lookup_free (lookup);
      g_task_return_pointer (task, g_ptr_array_new_with_free_func (g_free), (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  _op_mail_store_run_read (self, task, addresses_read, lookup, (GDestroyNotify) lookup_free);
}

GPtrArray *
op_mail_store_complete_address_finish (OpMailStore   *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
