/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-file-row.h"

G_BEGIN_DECLS

#define OP_TYPE_FILE_LIST (op_file_list_get_type ())
G_DECLARE_FINAL_TYPE (OpFileList, op_file_list, OP, FILE_LIST, GObject)

/*
 * The rows a file pane shows: a GListModel of OpFileRow, filtered (as-you-type, hidden
 * files) and sorted (folders first, then a column either way, then the name). Filtering
 * and sorting run on a worker thread (rows are immutable) and the result replaces the
 * model in one items-changed, so a 100,000-entry folder never stalls the main loop: the
 * main thread only swaps an array. ::updated is emitted after each result lands.
 */
OpFileList   *op_file_list_new             (void);
/* (element-type OpFileRow) (transfer none): copied (refs taken). */
void          op_file_list_set_rows        (OpFileList   *self,
                                            GPtrArray    *rows);
void          op_file_list_set_ftp_listing (OpFileList   *self,
                                            OpFtpListing *listing);
guint         op_file_list_get_n_rows      (OpFileList   *self);
/* Every row of the listing, unfiltered (transfer none) (element-type OpFileRow). */
GPtrArray    *op_file_list_get_rows        (OpFileList   *self);
void          op_file_list_set_filter      (OpFileList   *self,
                                            const char   *text);
void          op_file_list_set_show_hidden (OpFileList   *self,
                                            gboolean      show_hidden);
void          op_file_list_set_sort        (OpFileList   *self,
                                            OpFileColumn  column,
                                            gboolean      descending);
/* TRUE while a filter or sort is running; the model shows the previous result. */
gboolean      op_file_list_is_busy         (OpFileList   *self);
/* Of the shown rows. */
guint         op_file_list_get_n_folders   (OpFileList   *self);
guint         op_file_list_get_n_files     (OpFileList   *self);
guint64       op_file_list_get_total_size  (OpFileList   *self);

G_END_DECLS
