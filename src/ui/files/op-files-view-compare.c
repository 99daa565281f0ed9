/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

/*
 * Folders side by side (issue 17), the part of OpFilesView that looks at both panes at
 * once: folder comparison (each pane's rows marked against the other's, by the core's
 * rules in op-sync-plan.h) and synchronised browsing (a move in one pane is made in the
 * other, relative to where both were), and the synchronise dialog (op-sync-dialog.c).
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-files-view-private.h"
#include "op-sync-dialog.h"
#include "op-sync-plan.h"

enum
{
  PROP_0,
  PROP_COMPARING,
  PROP_COMPARE_SIZES,
  PROP_COMPARE_DATES,
  PROP_SYNC_BROWSING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* --- comparison --------------------------------------------------------------------- */

static void
facts_from_row (OpSyncFacts *facts,
                OpFileRow   *row)
{
  if (op_file_row_is_symlink (row))
    facts->kind = OP_SYNC_KIND_SYMLINK;
  else if (op_file_row_is_directory (row))
    facts->kind = OP_SYNC_KIND_FOLDER;
  else
    facts->kind = OP_SYNC_KIND_FILE;
  facts->size = op_file_row_get_size (row);
  facts->mtime = op_file_row_get_mtime (row);
  facts->precision = op_file_row_get_time_precision (row);
}

void
_op_files_view_compare_rules (OpFilesView *self,
                              OpSyncRules *rules)
{
  op_sync_rules_init_default (rules);
  rules->criteria = (self->compare_sizes ? OP_SYNC_BY_SIZE : 0)
                    | (self->compare_dates ? OP_SYNC_BY_DATE : 0);
}

static OpFileMark
mark_for (OpSyncStatus status,
          gboolean     local_side)
{
  switch (status)
    {
    case OP_SYNC_ONLY_LOCAL:
    case OP_SYNC_ONLY_REMOTE:
      return OP_FILE_MARK_ONLY_HERE;
    case OP_SYNC_LOCAL_NEWER:
      return local_side ? OP_FILE_MARK_NEWER : OP_FILE_MARK_OLDER;
    case OP_SYNC_REMOTE_NEWER:
      return local_side ? OP_FILE_MARK_OLDER : OP_FILE_MARK_NEWER;
    case OP_SYNC_SIZE_DIFFERS:
      return OP_FILE_MARK_SIZE_DIFFERS;
    case OP_SYNC_KIND_DIFFERS:
      return OP_FILE_MARK_KIND_DIFFERS;
    case OP_SYNC_SAME:
    default:
      return OP_FILE_MARK_NONE;
    }
}

static GHashTable *
index_rows (GPtrArray *rows)
{
  GHashTable *index = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      OpFileRow *row = g_ptr_array_index (rows, i);
      g_hash_table_insert (index, (gpointer) op_file_row_get_name (row), row);
    }
  return index;
}

/* Marks one side's rows against the other's index. */
static GHashTable *
marks_for_side (GHashTable        *here,
                GHashTable        *there,
                gboolean           local_side,
                const OpSyncRules *rules)
{
  GHashTable *marks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer name, row;

  g_hash_table_iter_init (&iter, here);
  while (g_hash_table_iter_next (&iter, &name, &row))
    {
      OpFileRow *other = g_hash_table_lookup (there, name);
      OpSyncFacts facts, other_facts;
      OpSyncStatus status;
      OpFileMark mark;

      facts_from_row (&facts, row);
      if (other != NULL)
        facts_from_row (&other_facts, other);
      status = local_side
               ? op_sync_compare (&facts, other != NULL ? &other_facts : NULL, rules)
               : op_sync_compare (other != NULL ? &other_facts : NULL, &facts, rules);
      mark = mark_for (status, local_side);
      if (mark != OP_FILE_MARK_NONE)
        g_hash_table_insert (marks, g_strdup (name), GINT_TO_POINTER (mark));
    }
  return marks;
}

static void
update_comparison (OpFilesView *self)
{
  g_autoptr (GHashTable) local_index = NULL;
  g_autoptr (GHashTable) remote_index = NULL;
  g_autoptr (GHashTable) local_marks = NULL;
  g_autoptr (GHashTable) remote_marks = NULL;
  OpSyncRules rules;

  if (self->local_pane == NULL || self->remote_pane == NULL || self->browser == NULL)
    return;
  if (!self->comparing || !op_ftp_browser_get_connected (self->browser)
      || op_file_pane_get_path (self->local_pane) == NULL
      || op_file_pane_get_path (self->remote_pane) == NULL)
    {
      op_file_pane_set_marks (self->local_pane, NULL);
      op_file_pane_set_marks (self->remote_pane, NULL);
      return;
    }

  _op_files_view_compare_rules (self, &rules);
  local_index = index_rows (op_file_pane_get_rows (self->local_pane));
  remote_index = index_rows (op_file_pane_get_rows (self->remote_pane));
  local_marks = marks_for_side (local_index, remote_index, TRUE, &rules);
  remote_marks = marks_for_side (remote_index, local_index, FALSE, &rules);
  op_file_pane_set_marks (self->local_pane, local_marks);
  op_file_pane_set_marks (self->remote_pane, remote_marks);
}

/* --- synchronised browsing ---------------------------------------------------------- */

static char **
split_path (const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path != NULL ? path : "", "/", -1);
  GPtrArray *kept = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0' && strcmp (parts[i], ".") != 0)
      g_ptr_array_add (kept, g_strdup (parts[i]));
  g_ptr_array_add (kept, NULL);
  return (char **) g_ptr_array_free (kept, FALSE);
}

/**
 * _op_files_view_follow_path:
 * @from: where one side was
 * @to: where it is now
 * @other: where the other side is
 *
 * The same move made on the other side: as many folders up as @to left of @from, then
 * down into the folders @to added. Both are '/' paths (local paths on Unix, remote ones).
 *
 * Returns: (nullable) (transfer full): the other side's new folder, or NULL when the
 *   other side cannot go up that far
 */
char *
_op_files_view_follow_path (const char *from,
                            const char *to,
                            const char *other)
{
  g_auto (GStrv) a = split_path (from);
  g_auto (GStrv) b = split_path (to);
  g_auto (GStrv) c = split_path (other);
  guint na = g_strv_length (a), nb = g_strv_length (b), nc = g_strv_length (c);
  guint common = 0, up, keep;
  GString *out = g_string_new (NULL);

  while (common < na && common < nb && strcmp (a[common], b[common]) == 0)
    common++;
  up = na - common;
  if (up > nc)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  keep = nc - up;
  for (guint i = 0; i < keep; i++)
    g_string_append_printf (out, "/%s", c[i]);
  for (guint i = common; i < nb; i++)
    g_string_append_printf (out, "/%s", b[i]);
  if (out->len == 0)
    g_string_append_c (out, '/');
  return g_string_free (out, FALSE);
}

static void
remember_sync_paths (OpFilesView *self)
{
  g_free (self->sync_local_path);
  self->sync_local_path = g_strdup (op_file_pane_get_path (self->local_pane));
  g_free (self->sync_remote_path);
  self->sync_remote_path = g_strdup (op_file_pane_get_path (self->remote_pane));
  g_clear_pointer (&self->sync_expect_local, g_free);
  g_clear_pointer (&self->sync_expect_remote, g_free);
}

static void
set_sync_browsing (OpFilesView *self,
                   gboolean     on)
{
  if (self->sync_browsing == on)
    return;
  self->sync_browsing = on;
  if (on)
    remember_sync_paths (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_BROWSING]);
}

static void
follow (OpFilesView *self,
        OpFilePane  *pane)
{
  gboolean remote = pane == self->remote_pane;
  const char *now = op_file_pane_get_path (pane);
  char **last = remote ? &self->sync_remote_path : &self->sync_local_path;
  char **other_last = remote ? &self->sync_local_path : &self->sync_remote_path;
  char **expect = remote ? &self->sync_expect_remote : &self->sync_expect_local;
  char **other_expect = remote ? &self->sync_expect_local : &self->sync_expect_remote;
  g_autofree char *target = NULL;

  if (!self->sync_browsing || now == NULL)
    return;
  /* The move this side was asked to make: it arrived. */
  if (*expect != NULL && strcmp (*expect, now) == 0)
    {
      g_clear_pointer (expect, g_free);
      g_free (*last);
      *last = g_strdup (now);
      return;
    }
  g_clear_pointer (expect, g_free);
  if (g_strcmp0 (*last, now) == 0)
    return;   /* a refresh */
  if (*last == NULL || *other_last == NULL)
    {
      g_free (*last);
      *last = g_strdup (now);
      return;
    }

  target = _op_files_view_follow_path (*last, now, *other_last);
  g_free (*last);
  *last = g_strdup (now);
  if (target == NULL)
    {
      set_sync_browsing (self, FALSE);
      _op_files_view_toast (self, _("Synchronised browsing is off: the other side cannot follow that far up."));
      return;
    }
  g_free (*other_expect);
  *other_expect = g_strdup (target);
  if (remote)
    {
      g_autoptr (GFile) dir = g_file_parse_name (target);
      _op_files_view_load_local (self, dir);
    }
  else
    _op_files_view_load_remote (self, target);
}

void
_op_files_view_compare_on_pane_error (OpFilesView *self,
                                      OpFilePane  *pane)
{
  char *expect = pane == self->remote_pane ? self->sync_expect_remote : self->sync_expect_local;

  /* The other side has no such folder: go on browsing this side alone, and say so. */
  if (self->sync_browsing && expect != NULL)
    {
      g_autofree char *message = g_strdup_printf (
          _("Synchronised browsing is off: “%s” could not be opened."), expect);

      set_sync_browsing (self, FALSE);
      _op_files_view_toast (self, message);
    }
}

/* --- synchronise -------------------------------------------------------------------- */

static void
on_sync_applied (OpSyncDialog *dialog,
                 guint         n_queued,
                 OpFilesView  *self)
{
  g_autofree char *text = g_strdup_printf (ngettext ("Synchronising: %u transfer queued",
                                                     "Synchronising: %u transfers queued",
                                                     n_queued),
                                           n_queued);

  _op_files_view_toast (self, text);
  /* The deletions are done already; the copies refresh the panes as they finish. */
  _op_files_view_refresh_local (self);
  _op_files_view_refresh_remote (self);
}

static void
synchronize_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  const char *remote = op_file_pane_get_path (self->remote_pane);
  OpSyncDialog *dialog;
  OpSyncRules rules;

  if (!op_ftp_browser_get_connected (self->browser) || self->site == NULL
      || self->local_dir == NULL || remote == NULL)
    return;
  _op_files_view_compare_rules (self, &rules);
  dialog = op_sync_dialog_new (_op_files_view_parent_window (self), self->browser, self->queue,
                               self->site, self->local_dir, remote, &rules);
  g_signal_connect_object (dialog, "applied", G_CALLBACK (on_sync_applied), self, 0);
}

/* --- hooks from the rest of the view ------------------------------------------------ */

void
_op_files_view_compare_on_pane_listed (OpFilesView *self,
                                       OpFilePane  *pane)
{
  follow (self, pane);
  update_comparison (self);
}

void
_op_files_view_compare_update_actions (OpFilesView *self)
{
  gboolean both;

  if (self->local_pane == NULL || self->remote_pane == NULL || self->browser == NULL)
    return;
  both = op_ftp_browser_get_connected (self->browser)
         && op_file_pane_get_path (self->remote_pane) != NULL
         && op_file_pane_get_path (self->local_pane) != NULL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "files.compare", both);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "files.sync-browse", both);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "files.synchronize",
                                 both && self->site != NULL && self->local_dir != NULL);
  if (!op_ftp_browser_get_connected (self->browser))
    {
      set_sync_browsing (self, FALSE);
      update_comparison (self);
    }
}

void
_op_files_view_compare_dispose (OpFilesView *self)
{
  g_clear_pointer (&self->sync_local_path, g_free);
  g_clear_pointer (&self->sync_remote_path, g_free);
  g_clear_pointer (&self->sync_expect_local, g_free);
  g_clear_pointer (&self->sync_expect_remote, g_free);
}

static void
get_property (GObject    *object,
              guint       prop_id,
              GValue     *value,
              GParamSpec *pspec)
{
  OpFilesView *self = OP_FILES_VIEW (object);

  switch (prop_id)
    {
    case PROP_COMPARING:
      g_value_set_boolean (value, self->comparing);
      break;
    case PROP_COMPARE_SIZES:
      g_value_set_boolean (value, self->compare_sizes);
      break;
    case PROP_COMPARE_DATES:
      g_value_set_boolean (value, self->compare_dates);
      break;
    case PROP_SYNC_BROWSING:
      g_value_set_boolean (value, self->sync_browsing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_property (GObject      *object,
              guint         prop_id,
              const GValue *value,
              GParamSpec   *pspec)
{
  OpFilesView *self = OP_FILES_VIEW (object);
  gboolean on = g_value_get_boolean (value);

  switch (prop_id)
    {
    case PROP_COMPARING:
      if (self->comparing == on)
        return;
      self->comparing = on;
      break;
    case PROP_COMPARE_SIZES:
      if (self->compare_sizes == on)
        return;
      self->compare_sizes = on;
      /* One criterion at least: without either, nothing would ever differ. */
      if (!on && !self->compare_dates)
        {
          self->compare_dates = TRUE;
          g_object_notify_by_pspec (object, properties[PROP_COMPARE_DATES]);
        }
      break;
    case PROP_COMPARE_DATES:
      if (self->compare_dates == on)
        return;
      self->compare_dates = on;
      if (!on && !self->compare_sizes)
        {
          self->compare_sizes = TRUE;
          g_object_notify_by_pspec (object, properties[PROP_COMPARE_SIZES]);
        }
      break;
    case PROP_SYNC_BROWSING:
      set_sync_browsing (self, on);
      return;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
  update_comparison (self);
}

void
_op_files_view_compare_class_init (GtkWidgetClass *widget_class)
{
  GObjectClass *object_class = G_OBJECT_CLASS (widget_class);

  object_class->get_property = get_property;
  object_class->set_property = set_property;

  properties[PROP_COMPARING] =
    g_param_spec_boolean ("comparing", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_COMPARE_SIZES] =
    g_param_spec_boolean ("compare-sizes", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_COMPARE_DATES] =
    g_param_spec_boolean ("compare-dates", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SYNC_BROWSING] =
    g_param_spec_boolean ("sync-browsing", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_property_action (widget_class, "files.compare", "comparing");
  gtk_widget_class_install_property_action (widget_class, "files.compare-sizes", "compare-sizes");
  gtk_widget_class_install_property_action (widget_class, "files.compare-dates", "compare-dates");
  gtk_widget_class_install_property_action (widget_class, "files.sync-browse", "sync-browsing");
  gtk_widget_class_install_action (widget_class, "files.synchronize", NULL, synchronize_action);

  /* FileZilla's keys for the same two toggles. Keep in step with op-help-overlay.ui. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "files.compare", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_y, GDK_CONTROL_MASK,
                                       "files.sync-browse", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_y, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "files.synchronize", NULL);
}

void
_op_files_view_compare_init (OpFilesView *self)
{
  self->compare_sizes = TRUE;
  self->compare_dates = TRUE;
}
