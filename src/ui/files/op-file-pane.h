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

G_END_DECLS
