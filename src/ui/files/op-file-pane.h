/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "op-file-row.h"

G_BEGIN_DECLS

#define OP_TYPE_FILE_PANE (op_file_pane_get_type ())
G_DECLARE_FINAL_TYPE (OpFilePane, op_file_pane, OP, FILE_PANE, GtkWidget)

/*
 * One side of the Files view: a path entry with history, Up, Refresh, a filter, a
 * show-hidden toggle, a sortable virtualised column view (Name, Size, Type, Modified,
 * Permissions, Owner; folders first) and a status line. The pane knows nothing about
 * where its rows come from: it asks through signals (::navigate, ::go-up, ::refresh,
 * ::row-activated) and the Files view answers with op_file_pane_set_listing().
 */
void           op_file_pane_set_listing        (OpFilePane   *self,
                                                const char   *path,
                                                GPtrArray    *rows);
void           op_file_pane_set_ftp_listing    (OpFilePane   *self,
                                                const char   *path,
                                                OpFtpListing *listing);
void           op_file_pane_set_loading        (OpFilePane   *self,
                                                const char   *path);
void           op_file_pane_set_placeholder    (OpFilePane   *self,
                                                const char   *icon_name,
                                                const char   *title,
                                                const char   *description);
void           op_file_pane_show_error         (OpFilePane   *self,
                                                const char   *message);
void           op_file_pane_clear_error        (OpFilePane   *self);
const char    *op_file_pane_get_path           (OpFilePane   *self);
const char    *op_file_pane_get_title          (OpFilePane   *self);
/* The selected rows in view order (transfer container, element-type OpFileRow). */
GPtrArray     *op_file_pane_dup_selection      (OpFilePane   *self);
void           op_file_pane_select_name        (OpFilePane   *self,
                                                const char   *name);
OpFileRow     *op_file_pane_get_row_at         (OpFilePane   *self,
                                                double        x,
                                                double        y);
void           op_file_pane_focus_path_entry   (OpFilePane   *self);
void           op_file_pane_focus_list         (OpFilePane   *self);
/* The model as shown: filtered and sorted (for tests and the status line). */
GListModel    *op_file_pane_get_shown_model    (OpFilePane   *self);
void           op_file_pane_set_filter_text    (OpFilePane   *self,
                                                const char   *text);
void           op_file_pane_set_show_hidden    (OpFilePane   *self,
                                                gboolean      show_hidden);
gboolean       op_file_pane_get_show_hidden    (OpFilePane   *self);
void           op_file_pane_sort_by            (OpFilePane   *self,
                                                OpFileColumn  column,
                                                GtkSortType   order);
/* Shown on a right click or Menu key over the list (actions of the Files view). */
void           op_file_pane_set_context_menu   (OpFilePane   *self,
                                                GMenuModel   *menu);
gboolean       op_file_pane_is_sorting         (OpFilePane   *self);
/* The status line's text. */
const char    *op_file_pane_get_status         (OpFilePane   *self);
/* The most recent paths first. (transfer none) */
const char * const *op_file_pane_get_history        (OpFilePane   *self);

/**
 * OpFileMark:
 * @OP_FILE_MARK_NONE: not marked (the same on both sides, or not compared).
 * @OP_FILE_MARK_ONLY_HERE: this pane has it, the other does not.
 * @OP_FILE_MARK_NEWER: this pane's file is the newer one.
 * @OP_FILE_MARK_OLDER: the other pane's file is the newer one.
 * @OP_FILE_MARK_SIZE_DIFFERS: the sizes differ.
 * @OP_FILE_MARK_KIND_DIFFERS: a folder here, a file (or a link) there, or the other way.
 *
 * How a row compares with the other pane (folder comparison). A marked row gets the
 * CSS class "compare-only-here", "compare-newer"…, a word after its name ("Only here")
 * and an accessible description, so it is not told by colour only.
 */
typedef enum
{
  OP_FILE_MARK_NONE,
  OP_FILE_MARK_ONLY_HERE,
  OP_FILE_MARK_NEWER,
  OP_FILE_MARK_OLDER,
  OP_FILE_MARK_SIZE_DIFFERS,
  OP_FILE_MARK_KIND_DIFFERS,
} OpFileMark;

/* @marks: (nullable) (transfer none): name → GINT_TO_POINTER (OpFileMark); NULL clears.
 * Another folder shown clears them too (they belong to a folder). */
void           op_file_pane_set_marks          (OpFilePane   *self,
                                                GHashTable   *marks);
OpFileMark     op_file_pane_get_mark           (OpFilePane   *self,
                                                const char   *name);
/* The translated word shown after a marked name ("Only here"); NULL for NONE. */
const char    *op_file_mark_to_label           (OpFileMark    mark);
/* Every row of the folder shown, unfiltered (transfer none) (element-type OpFileRow). */
GPtrArray     *op_file_pane_get_rows           (OpFilePane   *self);

G_END_DECLS
