/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-console"

#include "config.h"

#include <netdb.h>
#include <stdlib.h>

#include <glib/gi18n.h>

#include "op-console-lookup.h"

static void
add (GListStore *store,
     const char *kind,
     const char *text,
     const char *address)
{
  g_autoptr (OpConsoleAnswer) answer = op_console_answer_new (kind, text, address);

  g_list_store_append (store, answer);
}

static void
on_addresses (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GListStore) store = g_list_store_new (OP_TYPE_CONSOLE_ANSWER);
  GError *error = NULL;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  for (GList *l = addresses; l != NULL; l = l->next)
    {
      g_autofree char *text = g_inet_address_to_string (l->data);
      gboolean v6 = g_inet_address_get_family (l->data) == G_SOCKET_FAMILY_IPV6;

      add (store, v6 ? "AAAA" : "A", text, text);
    }
  g_resolver_free_addresses (addresses);
  g_task_return_pointer (task, g_steal_pointer (&store), g_object_unref);
}

static void
on_reverse (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GListStore) store = g_list_store_new (OP_TYPE_CONSOLE_ANSWER);
  GError *error = NULL;
  char *name;

  name = g_resolver_lookup_by_address_finish (G_RESOLVER (source), result, &error);
  if (name == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  add (store, "PTR", name, NULL);
  g_free (name);
  g_task_return_pointer (task, g_steal_pointer (&store), g_object_unref);
}

/* MX and SRV answers in the order they are tried, as dig's readers expect to see them:
 * MX by preference, SRV by priority then the heavier weight first; each then by host. The
 * server's own order is arbitrary. */
static int
compare_records (gconstpointer a,
                 gconstpointer b)
{
  GVariant *left = (GVariant *) a;
  GVariant *right = (GVariant *) b;
  guint16 left_first, right_first, left_weight = 0, right_weight = 0, port;
  const char *left_host, *right_host;

  if (g_variant_is_of_type (left, G_VARIANT_TYPE ("(qs)")))
    {
      g_variant_get (left, "(q&s)", &left_first, &left_host);
      g_variant_get (right, "(q&s)", &right_first, &right_host);
    }
  else
    {
      g_variant_get (left, "(qqq&s)", &left_first, &left_weight, &port, &left_host);
      g_variant_get (right, "(qqq&s)", &right_first, &right_weight, &port, &right_host);
    }

  if (left_first != right_first)
    return left_first < right_first ? -1 : 1;
  if (left_weight != right_weight)
    return left_weight > right_weight ? -1 : 1;
  return g_strcmp0 (left_host, right_host);
}

static void
on_records (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GListStore) store = g_list_store_new (OP_TYPE_CONSOLE_ANSWER);
  OpConsoleLookupKind kind = GPOINTER_TO_INT (g_task_get_task_data (task));
  GError *error = NULL;
  GList *records;

  records = g_resolver_lookup_records_finish (G_RESOLVER (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (kind == OP_CONSOLE_LOOKUP_MX || kind == OP_CONSOLE_LOOKUP_SRV)
    records = g_list_sort (records, compare_records);

  for (GList *l = records; l != NULL; l = l->next)
    {
      GVariant *record = l->data;
      g_autofree char *text = NULL;

      switch (kind)
        {
        case OP_CONSOLE_LOOKUP_MX:
          {
            guint16 preference;
            const char *host;

            g_variant_get (record, "(q&s)", &preference, &host);
            text = g_strdup_printf ("%u %s", preference, host);
            add (store, "MX", text, NULL);
          }
          break;
        case OP_CONSOLE_LOOKUP_SRV:
          {
            guint16 priority, weight, port;
            const char *host;

            g_variant_get (record, "(qqq&s)", &priority, &weight, &port, &host);
            text = g_strdup_printf ("%u %u %u %s", priority, weight, port, host);
            add (store, "SRV", text, NULL);
          }
          break;
        case OP_CONSOLE_LOOKUP_TXT:
          {
            g_autofree const char **strings = NULL;

            g_variant_get (record, "(^a&s)", &strings);
            text = g_strjoinv ("", (char **) strings);
            add (store, "TXT", text, NULL);
          }
          break;
        case OP_CONSOLE_LOOKUP_NS:
          {
            const char *host;

            g_variant_get (record, "(&s)", &host);
            add (store, "NS", host, NULL);
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }
  g_list_free_full (records, (GDestroyNotify) g_variant_unref);
  g_task_return_pointer (task, g_steal_pointer (&store), g_object_unref);
}

/* "http", "http/tcp", "80", "53/udp" → the services database's answers. On a thread:
 * NSS may read files or ask a directory service. */
static void
service_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  g_autoptr (GListStore) store = g_list_store_new (OP_TYPE_CONSOLE_ANSWER);
  g_auto (GStrv) parts = g_strsplit (task_data, "/", 2);
  const char *protocols[] = { "tcp", "udp" };
  const char *name = g_strstrip (parts[0]);
  char *end = NULL;
  gulong port = strtoul (name, &end, 10);
  gboolean numeric = *name != '\0' && end != NULL && *end == '\0';

  if (numeric && (port == 0 || port > G_MAXUINT16))
    {
      g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                               _("“%s” is not a port number (1–65535)."), name);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (protocols); i++)
    {
      struct servent entry, *found = NULL;
      char buffer[4096];
      g_autofree char *text = NULL;

      if (parts[1] != NULL && g_ascii_strcasecmp (g_strstrip (parts[1]), protocols[i]) != 0)
        continue;

      if (numeric)
        getservbyport_r (g_htons ((guint16) port), protocols[i], &entry, buffer,
                         sizeof buffer, &found);
      else
        getservbyname_r (name, protocols[i], &entry, buffer, sizeof buffer, &found);
      if (found == NULL)
        continue;

      text = g_strdup_printf ("%s %u/%s", found->s_name, g_ntohs (found->s_port),
                              found->s_proto);
      add (store, "service", text, NULL);
    }

  if (g_list_model_get_n_items (G_LIST_MODEL (store)) == 0)
    {
      g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                               _("No service “%s” is known to this system."),
                               (const char *) task_data);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&store), g_object_unref);
}

/**
 * op_console_lookup_async:
 * @kind: what to look up
 * @query: a host name, an address, a service name or port, or a domain
 * @cancellable: (nullable): cancels the lookup
 * @callback: called with the answers
 * @user_data: for @callback
 */
void
op_console_lookup_async (OpConsoleLookupKind  kind,
                         const char          *query,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr (GResolver) resolver = g_resolver_get_default ();
  g_autoptr (GInetAddress) address = NULL;
  g_autofree char *trimmed = NULL;
  GTask *task;

  g_return_if_fail (query != NULL);

  trimmed = g_strstrip (g_strdup (query));
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_console_lookup_async);

  if (*trimmed == '\0')
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("Type what to look up."));
      g_object_unref (task);
      return;
    }

  switch (kind)
    {
    case OP_CONSOLE_LOOKUP_ADDRESSES:
      g_resolver_lookup_by_name_async (resolver, trimmed, cancellable, on_addresses, task);
      break;

    case OP_CONSOLE_LOOKUP_REVERSE:
      address = g_inet_address_new_from_string (trimmed);
      if (address == NULL)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                   _("“%s” is not an IP address (such as 127.0.0.1 or ::1)."),
                                   trimmed);
          g_object_unref (task);
          return;
        }
      g_resolver_lookup_by_address_async (resolver, address, cancellable, on_reverse, task);
      break;

    case OP_CONSOLE_LOOKUP_SERVICE:
      g_task_set_task_data (task, g_steal_pointer (&trimmed), g_free);
      g_task_run_in_thread (task, service_thread);
      g_object_unref (task);
      break;

    case OP_CONSOLE_LOOKUP_MX:
    case OP_CONSOLE_LOOKUP_SRV:
    case OP_CONSOLE_LOOKUP_TXT:
    case OP_CONSOLE_LOOKUP_NS:
      {
        static const GResolverRecordType types[] = {
          [OP_CONSOLE_LOOKUP_MX] = G_RESOLVER_RECORD_MX,
          [OP_CONSOLE_LOOKUP_SRV] = G_RESOLVER_RECORD_SRV,
          [OP_CONSOLE_LOOKUP_TXT] = G_RESOLVER_RECORD_TXT,
          [OP_CONSOLE_LOOKUP_NS] = G_RESOLVER_RECORD_NS,
        };

        g_task_set_task_data (task, GINT_TO_POINTER (kind), NULL);
        g_resolver_lookup_records_async (resolver, trimmed, types[kind], cancellable,
                                         on_records, task);
      }
      break;
    }
}

/**
 * op_console_lookup_finish:
 * @result: the result
 * @error: why nothing was found
 *
 * Returns: (transfer full) (nullable): the answers (OpConsoleAnswer), never empty
 */
GListModel *
op_console_lookup_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
