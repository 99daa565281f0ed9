/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-sync"

/*
 * Comparing folders and planning a mirror (op-sync-plan.h). Everything here is pure: the
 * listings come from the caller, who lists each folder the plan hands back, so the same
 * rules serve the panes' highlights, the synchronise preview and the unit tests.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-sync-plan.h"

struct _OpSyncPlan
{
  OpSyncDirection direction;
  OpSyncRules     rules;
  gboolean        include_hidden;
  gboolean        delete_extra;
  GPtrArray      *steps;   /* OpSyncStep */
};

G_DEFINE_ENUM_TYPE (OpSyncStatus, op_sync_status,
  G_DEFINE_ENUM_VALUE (OP_SYNC_SAME, "same"),
  G_DEFINE_ENUM_VALUE (OP_SYNC_ONLY_LOCAL, "only-local"),
  G_DEFINE_ENUM_VALUE (OP_SYNC_ONLY_REMOTE, "only-remote"),
  G_DEFINE_ENUM_VALUE (OP_SYNC_LOCAL_NEWER, "local-newer"),
  G_DEFINE_ENUM_VALUE (OP_SYNC_REMOTE_NEWER, "remote-newer"),
  G_DEFINE_ENUM_VALUE (OP_SYNC_SIZE_DIFFERS, "size-differs"),
  G_DEFINE_ENUM_VALUE (OP_SYNC_KIND_DIFFERS, "kind-differs"))

void
op_sync_rules_init_default (OpSyncRules *rules)
{
  g_return_if_fail (rules != NULL);

  rules->criteria = OP_SYNC_BY_SIZE | OP_SYNC_BY_DATE;
  rules->tolerance = OP_SYNC_DEFAULT_TOLERANCE;
  rules->remote_offset = 0;
}

const char *
op_sync_status_to_string (OpSyncStatus status)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (OP_TYPE_SYNC_STATUS);
  GEnumValue *value = g_enum_get_value (klass, status);

  return value != NULL ? value->value_nick : NULL;
}

/* The seconds a date of @precision may be later than it reads: LIST cuts the seconds
 * ("12:34" for 12:34:59) or the whole time of day ("Jan 5 2019"). */
static gint64
precision_slack (OpFtpTimePrecision precision)
{
  switch (precision)
    {
    case OP_FTP_TIME_DAY:
      return 24 * 60 * 60 - 1;
    case OP_FTP_TIME_MINUTE:
      return 60 - 1;
    case OP_FTP_TIME_SECOND:
    case OP_FTP_TIME_NONE:
    default:
      return 0;
    }
}

static gboolean
date_known (const OpSyncFacts *facts)
{
  return facts->precision != OP_FTP_TIME_NONE && facts->mtime != 0;
}

/**
 * op_sync_compare:
 * @local: (nullable): the local entry's facts
 * @remote: (nullable): the remote entry's facts
 * @rules: what counts as different
 *
 * Returns: how the two entries of one name compare
 */
OpSyncStatus
op_sync_compare (const OpSyncFacts *local,
                 const OpSyncFacts *remote,
                 const OpSyncRules *rules)
{
  g_return_val_if_fail (local != NULL || remote != NULL, OP_SYNC_SAME);
  g_return_val_if_fail (rules != NULL, OP_SYNC_SAME);

  if (remote == NULL)
    return OP_SYNC_ONLY_LOCAL;
  if (local == NULL)
    return OP_SYNC_ONLY_REMOTE;
  if (local->kind != remote->kind)
    return OP_SYNC_KIND_DIFFERS;
  /* Folders are compared by their contents, folder by folder; links and devices by
   * their name only (a link's "size" in LIST is the length of its target's path). */
  if (local->kind != OP_SYNC_KIND_FILE)
    return OP_SYNC_SAME;

  if ((rules->criteria & OP_SYNC_BY_DATE) && date_known (local) && date_known (remote))
    {
      gint64 slack = MAX (rules->tolerance, 0)
                     + MAX (precision_slack (local->precision),
                            precision_slack (remote->precision));
      gint64 diff = local->mtime - (remote->mtime + rules->remote_offset);

      if (diff > slack)
        return OP_SYNC_LOCAL_NEWER;
      if (-diff > slack)
        return OP_SYNC_REMOTE_NEWER;
    }
  if ((rules->criteria & OP_SYNC_BY_SIZE) && local->size >= 0 && remote->size >= 0
      && local->size != remote->size)
    return OP_SYNC_SIZE_DIFFERS;
  return OP_SYNC_SAME;
}

void
op_sync_facts_from_ftp_entry (OpSyncFacts      *facts,
                              const OpFtpEntry *entry)
{
  g_return_if_fail (facts != NULL);
  g_return_if_fail (entry != NULL);

  switch (entry->type)
    {
    case OP_FTP_ENTRY_DIRECTORY:
      facts->kind = OP_SYNC_KIND_FOLDER;
      break;
    case OP_FTP_ENTRY_SYMLINK:
      facts->kind = OP_SYNC_KIND_SYMLINK;
      break;
    case OP_FTP_ENTRY_OTHER:
      facts->kind = OP_SYNC_KIND_OTHER;
      break;
    case OP_FTP_ENTRY_FILE:
    case OP_FTP_ENTRY_UNKNOWN:
    default:
      facts->kind = OP_SYNC_KIND_FILE;
      break;
    }
  facts->size = facts->kind == OP_SYNC_KIND_FILE ? entry->size : -1;
  facts->mtime = entry->mtime;
  facts->precision = entry->time_precision;
}

OpFtpEntry *
op_sync_entry_from_file_info (GFileInfo *info)
{
  OpFtpEntry *entry;
  const char *name;

  g_return_val_if_fail (G_IS_FILE_INFO (info), NULL);

  entry = op_ftp_entry_new ();
  name = g_file_info_get_name (info);
  entry->wire_name = g_strdup (name);
  if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME))
    entry->name = g_strdup (g_file_info_get_display_name (info));
  else
    entry->name = g_filename_display_name (name);

  if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_IS_SYMLINK)
      && g_file_info_get_is_symlink (info))
    entry->type = OP_FTP_ENTRY_SYMLINK;
  else
    switch (g_file_info_get_file_type (info))
      {
      case G_FILE_TYPE_DIRECTORY:
        entry->type = OP_FTP_ENTRY_DIRECTORY;
        break;
      case G_FILE_TYPE_REGULAR:
        entry->type = OP_FTP_ENTRY_FILE;
        break;
      case G_FILE_TYPE_SYMBOLIC_LINK:
        entry->type = OP_FTP_ENTRY_SYMLINK;
        break;
      default:
        entry->type = OP_FTP_ENTRY_OTHER;
        break;
      }
  entry->size = -1;
  if (entry->type == OP_FTP_ENTRY_FILE
      && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_SIZE))
    entry->size = g_file_info_get_size (info);
  entry->mode = -1;
  if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_TIME_MODIFIED))
    {
      entry->mtime = (gint64) g_file_info_get_attribute_uint64 (info,
                                                                G_FILE_ATTRIBUTE_TIME_MODIFIED);
      entry->time_precision = OP_FTP_TIME_SECOND;
    }
  return entry;
}

void
op_sync_step_free (OpSyncStep *step)
{
  if (step == NULL)
    return;
  g_free (step->local_path);
  g_free (step->remote_path);
  g_free (step->reason);
  g_free (step);
}

void
op_sync_folder_free (OpSyncFolder *folder)
{
  if (folder == NULL)
    return;
  g_free (folder->local_path);
  g_free (folder->remote_path);
  g_free (folder);
}

OpSyncFolder *
op_sync_folder_new_root (void)
{
  OpSyncFolder *folder = g_new0 (OpSyncFolder, 1);

  folder->local_path = g_strdup ("");
  folder->remote_path = g_strdup ("");
  return folder;
}

OpSyncPlan *
op_sync_plan_new (OpSyncDirection    direction,
                  const OpSyncRules *rules,
                  gboolean           include_hidden,
                  gboolean           delete_extra)
{
  OpSyncPlan *plan;

  g_return_val_if_fail (rules != NULL, NULL);

  plan = g_new0 (OpSyncPlan, 1);
  plan->direction = direction;
  plan->rules = *rules;
  plan->include_hidden = include_hidden;
  plan->delete_extra = delete_extra;
  plan->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) op_sync_step_free);
  return plan;
}

void
op_sync_plan_free (OpSyncPlan *plan)
{
  if (plan == NULL)
    return;
  g_ptr_array_unref (plan->steps);
  g_free (plan);
}

OpSyncDirection
op_sync_plan_get_direction (OpSyncPlan *plan)
{
  g_return_val_if_fail (plan != NULL, OP_SYNC_TO_REMOTE);
  return plan->direction;
}

GPtrArray *
op_sync_plan_get_steps (OpSyncPlan *plan)
{
  g_return_val_if_fail (plan != NULL, NULL);
  return plan->steps;
}

guint
op_sync_plan_count (OpSyncPlan   *plan,
                    OpSyncAction  action)
{
  guint n = 0;

  g_return_val_if_fail (plan != NULL, 0);

  for (guint i = 0; i < plan->steps->len; i++)
    if (((OpSyncStep *) g_ptr_array_index (plan->steps, i))->action == action)
      n++;
  return n;
}

guint64
op_sync_plan_get_bytes (OpSyncPlan *plan)
{
  guint64 bytes = 0;

  g_return_val_if_fail (plan != NULL, 0);

  for (guint i = 0; i < plan->steps->len; i++)
    {
      OpSyncStep *step = g_ptr_array_index (plan->steps, i);

      if ((step->action == OP_SYNC_ACTION_COPY || step->action == OP_SYNC_ACTION_REPLACE)
          && !step->is_folder && step->size > 0)
        bytes += (guint64) step->size;
    }
  return bytes;
}

static char *
join_relative (const char *folder,
               const char *name)
{
  if (folder == NULL || *folder == '\0')
    return g_strdup (name);
  return g_strconcat (folder, "/", name, NULL);
}

/* name → entry of one side, without "." and ".." (a listing should not have them, but it
 * comes from the network), without names the plan must not see. */
static GHashTable *
index_entries (GPtrArray *entries,
               gboolean   include_hidden)
{
  GHashTable *index = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      OpFtpEntry *entry = g_ptr_array_index (entries, i);

      if (entry->name == NULL || *entry->name == '\0' || strcmp (entry->name, ".") == 0
          || strcmp (entry->name, "..") == 0)
        continue;
      if (!include_hidden && entry->name[0] == '.')
        continue;
      g_hash_table_insert (index, entry->name, entry);
    }
  return index;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static OpSyncStep *
add_step (OpSyncPlan   *plan,
          OpSyncAction  action,
          OpSyncStatus  status,
          const char   *local_path,
          const char   *remote_path,
          gboolean      is_folder,
          gint64        size,
          const char   *reason)
{
  OpSyncStep *step = g_new0 (OpSyncStep, 1);

  step->action = action;
  step->status = status;
  step->local_path = g_strdup (local_path);
  step->remote_path = g_strdup (remote_path);
  step->is_folder = is_folder;
  step->size = is_folder ? -1 : size;
  step->reason = g_strdup (reason);
  g_ptr_array_add (plan->steps, step);
  return step;
}

static const char *
untransferable_reason (OpSyncKind kind)
{
  if (kind == OP_SYNC_KIND_SYMLINK)
    return _("Links are not followed");
  if (kind == OP_SYNC_KIND_OTHER)
    return _("Not a file or a folder");
  return NULL;
}

GPtrArray *
op_sync_plan_add_folder (OpSyncPlan         *plan,
                         const OpSyncFolder *folder,
                         GPtrArray          *local_entries,
                         GPtrArray          *remote_entries)
{
  g_autoptr(GHashTable) local_index = NULL;
  g_autoptr(GHashTable) remote_index = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GPtrArray *subfolders;
  gboolean upload;
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (plan != NULL, NULL);
  g_return_val_if_fail (folder != NULL, NULL);

  upload = plan->direction == OP_SYNC_TO_REMOTE;
  subfolders = g_ptr_array_new_with_free_func ((GDestroyNotify) op_sync_folder_free);
  local_index = index_entries (local_entries, plan->include_hidden);
  remote_index = index_entries (remote_entries, plan->include_hidden);

  /* Every name of either side once, sorted, so a preview reads the same every time. */
  g_hash_table_iter_init (&iter, local_index);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, key);
  g_hash_table_iter_init (&iter, remote_index);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (local_index, key))
      g_ptr_array_add (names, key);
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      OpFtpEntry *local = g_hash_table_lookup (local_index, name);
      OpFtpEntry *remote = g_hash_table_lookup (remote_index, name);
      OpSyncFacts local_facts, remote_facts;
      const OpSyncFacts *source, *target;
      OpFtpEntry *source_entry;
      g_autofree char *local_name = NULL;
      g_autofree char *local_path = NULL;
      g_autofree char *remote_path = NULL;
      OpSyncStatus status;

      if (local != NULL)
        op_sync_facts_from_ftp_entry (&local_facts, local);
      if (remote != NULL)
        op_sync_facts_from_ftp_entry (&remote_facts, remote);
      status = op_sync_compare (local != NULL ? &local_facts : NULL,
                                remote != NULL ? &remote_facts : NULL, &plan->rules);
      source = upload ? (local != NULL ? &local_facts : NULL)
                      : (remote != NULL ? &remote_facts : NULL);
      target = upload ? (remote != NULL ? &remote_facts : NULL)
                      : (local != NULL ? &local_facts : NULL);
      source_entry = upload ? local : remote;

      /* DESIGN.md "Hostile input": a remote name becomes a local one only made safe. */
      if (local != NULL)
        local_name = g_strdup (local->wire_name != NULL ? local->wire_name : local->name);
      else
        local_name = op_ftp_local_name_from_remote (remote->name);
      remote_path = join_relative (folder->remote_path, remote != NULL ? remote->name : name);
      if (local_name != NULL)
        local_path = join_relative (folder->local_path, local_name);

      if (target == NULL)
        {
          const char *reason = untransferable_reason (source->kind);

          if (reason == NULL && local_path == NULL)
            reason = _("The name cannot be a local file name");
          if (reason != NULL)
            add_step (plan, OP_SYNC_ACTION_SKIP, status, local_path, remote_path,
                      source->kind == OP_SYNC_KIND_FOLDER, source_entry->size, reason);
          else
            add_step (plan, OP_SYNC_ACTION_COPY, status, local_path, remote_path,
                      source->kind == OP_SYNC_KIND_FOLDER, source_entry->size, NULL);
          continue;
        }

      if (source == NULL)
        {
          OpFtpEntry *target_entry = upload ? remote : local;
          const char *reason = untransferable_reason (target->kind);

          if (!plan->delete_extra)
            continue;
          if (reason != NULL)
            add_step (plan, OP_SYNC_ACTION_SKIP, status, local_path, remote_path, FALSE, -1,
                      reason);
          else
            add_step (plan, OP_SYNC_ACTION_DELETE, status, local_path, remote_path,
                      target->kind == OP_SYNC_KIND_FOLDER, target_entry->size, NULL);
          continue;
        }

      switch (status)
        {
        case OP_SYNC_SAME:
          if (source->kind == OP_SYNC_KIND_FOLDER)
            {
              OpSyncFolder *next = g_new0 (OpSyncFolder, 1);

              next->local_path = g_strdup (local_path);
              next->remote_path = g_strdup (remote_path);
              g_ptr_array_add (subfolders, next);
            }
          break;

        case OP_SYNC_KIND_DIFFERS:
          {
            const char *reason = untransferable_reason (source->kind);

            if (reason == NULL)
              reason = untransferable_reason (target->kind);
            if (reason == NULL && !plan->delete_extra)
              reason = source->kind == OP_SYNC_KIND_FOLDER
                       ? _("A file of this name is in the way (deleting was not asked for)")
                       : _("A folder of this name is in the way (deleting was not asked for)");
            if (reason != NULL)
              {
                add_step (plan, OP_SYNC_ACTION_SKIP, status, local_path, remote_path,
                          source->kind == OP_SYNC_KIND_FOLDER, source_entry->size, reason);
                break;
              }
            add_step (plan, OP_SYNC_ACTION_DELETE, status, local_path, remote_path,
                      target->kind == OP_SYNC_KIND_FOLDER, target->size, NULL);
            add_step (plan, OP_SYNC_ACTION_COPY, status, local_path, remote_path,
                      source->kind == OP_SYNC_KIND_FOLDER, source_entry->size, NULL);
          }
          break;

        case OP_SYNC_LOCAL_NEWER:
        case OP_SYNC_REMOTE_NEWER:
        case OP_SYNC_SIZE_DIFFERS:
          /* A mirror makes the target equal to the source, even where the target is the
           * newer one: that is what "mirror" promises. */
          add_step (plan, OP_SYNC_ACTION_REPLACE, status, local_path, remote_path, FALSE,
                    source_entry->size, NULL);
          break;

        case OP_SYNC_ONLY_LOCAL:
        case OP_SYNC_ONLY_REMOTE:
        default:
          g_assert_not_reached ();
        }
    }
  return subfolders;
}
