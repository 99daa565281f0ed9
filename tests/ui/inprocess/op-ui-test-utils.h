/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/*
 * Helpers for in-process UI tests: find widgets the way a person (or a screen reader)
 * would, by their text, and wait for the main loop to get somewhere.
 */
void        op_ui_test_init             (int          *argc,
                                         char       ***argv);
int         op_ui_test_run              (void);
/* 1, or in the sanitizer build how much a time, speed or memory bound stretches. */
guint       op_ui_test_slowdown         (void);
GtkLabel   *op_ui_test_find_label       (GtkWidget    *root,
                                         const char   *text);
GtkLabel   *op_ui_test_find_label_containing (GtkWidget  *root,
                                              const char *text);
GtkLabel   *op_ui_test_find_label_with_class (GtkWidget  *root,
                                              const char *css_class);
GtkButton  *op_ui_test_find_button      (GtkWidget    *root,
                                         const char   *label);
GtkWidget  *op_ui_test_find_type        (GtkWidget    *root,
                                         GType         type);
/* The first widget under @root (itself included, depth first) that @match accepts. */
typedef gboolean (*OpUiTestMatch) (GtkWidget     *widget,
                                   gconstpointer  data);
GtkWidget  *op_ui_test_find_matching    (GtkWidget    *root,
                                         OpUiTestMatch match,
                                         gconstpointer data);
GtkWindow  *op_ui_test_find_toplevel    (GType         type);
void        op_ui_test_assert_no_hidden_toplevel (void);
GtkEditable *op_ui_test_find_entry_row  (GtkWidget    *root,
                                         const char   *title);
GtkEditable *op_ui_test_find_nth_entry_row (GtkWidget *root,
                                           const char *title,
                                           guint       nth);
/* The first GtkEntry or GtkPasswordEntry under @root showing @placeholder. (nullable) */
GtkEditable *op_ui_test_find_entry      (GtkWidget    *root,
                                         const char   *placeholder);
void        op_ui_test_fill             (GtkWidget    *root,
                                         const char   *title,
                                         guint         nth,
                                         const char   *text);
GtkWidget  *op_ui_test_find_nth_type    (GtkWidget    *root,
                                         GType         type,
                                         guint         nth);
GtkWidget  *op_ui_test_find_row         (GtkWidget    *root,
                                         const char   *title);
GtkWidget  *op_ui_test_find_with_class  (GtkWidget    *root,
                                         const char   *css_class);
char       *op_ui_test_strip            (const char   *text,
                                         char          c);
void        op_ui_test_iterate          (void);
gboolean    op_ui_test_wait_for         (gboolean    (*done) (gpointer),
                                         gpointer      data);
gboolean    op_ui_test_wait_for_pointer (gpointer     *location);
GtkWindow  *op_ui_test_wait_for_toplevel (GType        type,
                                          gboolean     shown);
void        op_ui_test_store_result     (GObject      *source,
                                         GAsyncResult *result,
                                         gpointer      user_data);
GAsyncResult *op_ui_test_wait_result    (GAsyncResult **result);
void        op_ui_test_shoot            (const char   *name);

G_END_DECLS
