/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* OpFilesView is one type in four files: op-files-view.c (the panes, navigation,
 * drag and drop), op-files-view-connect.c (connect bar, state, log, sites),
 * op-files-view-operations.c (new folder, rename, delete, permissions, properties) and
 * op-files-view-transfers.c (the queue's list, the "target exists" dialog,
 * download/upload, View/Edit). The remote side is an OpFtpBrowser (core): the view
 * drives no protocol client itself. */

#include <adwaita.h>

#include "op-accounts.h"
#include "op-file-pane.h"
#include "op-files-view.h"
#include "op-ftp-browser.h"
#include "op-ftp-recents.h"
#include "op-sync-plan.h"
#include "op-transfer-queue.h"

G_BEGIN_DECLS

/* A long remote operation's toast: progress and Cancel (op-files-view-operations.c). */
typedef enum
{
  LONG_OPERATION_DELETE,
  LONG_OPERATION_CHMOD,
  LONG_OPERATION_DOWNLOAD,
} LongOperationKind;

typedef struct
{
  AdwToast          *toast;         /* (nullable): no toast overlay around the view */
  gint64             shown_at;      /* when the toast was added (monotonic, µs) */
  GCancellable      *cancellable;
  char              *name;
  LongOperationKind  kind;
} LongOperation;

/* A remote file opened with View/Edit (op-files-view-transfers.c). */
typedef struct _OpFilesViewEdit Edit;

struct _OpFilesView
{
  GtkWidget           parent_instance;

  OpFtpBrowser       *browser;         /* the remote side: listings and operations */
  GListModel         *log;             /* the browsing session's protocol log */
  OpAccount          *site;            /* the session as a site, for the transfer queue */
  OpTransferQueue    *queue;
  OpFtpRecents       *recents;
  GSettings          *settings;        /* NULL when the schema is not installed */
  OpAccounts         *accounts;        /* loaded when the site manager first opens */
  OpAccount          *chosen_site;     /* from the site manager, for the next connect */
  GHashTable         *edits;           /* local path → Edit, files opened for editing */
  GMenu              *recent_menu;
  guint               refresh_idle;    /* refreshes the panes after transfers */
  char               *user;            /* of the session, for URLs */
  GCancellable       *connect_cancellable;
  GCancellable       *remote_cancellable;
  GCancellable       *local_cancellable;
  GFile              *local_dir;
  OpFilePane         *active_pane;
  guint               log_scroll_idle;

  GtkWidget          *box;
  GtkDropDown        *protocol_dropdown;
  GtkEntry           *host_entry;
  GtkEntry           *port_entry;
  GtkEntry           *user_entry;
  GtkPasswordEntry   *password_entry;
  GtkButton          *connect_button;
  GtkButton          *disconnect_button;
  GtkButton          *cancel_connect_button;
  GtkMenuButton      *recent_button;
  GtkImage           *state_icon;
  GtkLabel           *state_label;
  GtkMenuButton      *tls_button;
  GtkLabel           *tls_label;
  GtkRevealer        *error_revealer;
  GtkLabel           *error_label;
  OpFilePane         *local_pane;
  OpFilePane         *remote_pane;
  GtkScrolledWindow  *log_scrolled;
  GtkListView        *log_view;
  GtkListView        *queue_view;
  GtkPaned           *panes;
  GtkPaned           *bottom_paned;
  GtkPaned           *vertical_paned;
  gboolean            bottom_sized;   /* the queue/log panel got its first height */
  GtkStack           *queue_stack;
  GtkLabel           *queue_title;
  GtkDropDown        *queue_filter;
  GtkButton          *queue_run_button;
  GtkCustomFilter    *queue_state_filter;
  guint               queue_filter_idle;
  GMenuModel         *context_menu;

  /* Folders side by side (op-files-view-compare.c). */
  gboolean            comparing;
  gboolean            compare_sizes;
  gboolean            compare_dates;
  gboolean            sync_browsing;
  char               *sync_local_path;    /* where each side was at its last move */
  char               *sync_remote_path;
  char               *sync_expect_local;  /* the folder a side was sent to follow */
  char               *sync_expect_remote;
};

void         _op_files_view_bind_queue_row        (GtkSignalListItemFactory *factory,
                                                   GtkListItem *list_item,
                                                   OpFilesView *self);
void         _op_files_view_clear_finished_action (GtkWidget *widget,
                                                   const char *action_name,
                                                   GVariant *parameter);
void         _op_files_view_download_action       (GtkWidget *widget,
                                                   const char *action_name,
                                                   GVariant *parameter);
void         _op_files_view_edit_action           (GtkWidget *widget,
                                                   const char *action_name,
                                                   GVariant *parameter);
void         _op_files_view_edit_free             (Edit *edit);
LongOperation *_op_files_view_long_operation_new  (OpFilesView       *self,
                                                   const char        *name,
                                                   LongOperationKind  kind);
/* Notes when @toast goes, so that no long operation's toast is dismissed while the one
 * after it still slides in (libadwaita 1.2's crash, op-files-view-operations.c). */
void _op_files_view_watch_toast (AdwToast *toast);

/* An OpFtpProgressFunc and its GDestroyNotify (which dismisses the toast). */
void         _op_files_view_long_operation_progress (const OpFtpProgress *progress,
                                                     gpointer             data);
void         _op_files_view_long_operation_free   (gpointer data);
gboolean     _op_files_view_on_conflict           (OpTransferQueue *queue,
                                                   OpTransferItem *item,
                                                   OpTransferConflict *conflict,
                                                   OpFilesView *self);
void         _op_files_view_on_item_finished      (OpTransferQueue *queue,
                                                   OpTransferItem *item,
                                                   OpFilesView *self);
void         _op_files_view_on_queue_changed      (OpFilesView *self);
void         _op_files_view_setup_queue_row       (GtkSignalListItemFactory *factory,
                                                   GtkListItem *list_item,
                                                   OpFilesView *self);
void         _op_files_view_unbind_queue_row      (GtkSignalListItemFactory *factory,
                                                   GtkListItem *list_item,
                                                   OpFilesView *self);
void         _op_files_view_upload_action         (GtkWidget *widget,
                                                   const char *action_name,
                                                   GVariant *parameter);
GFile *      _op_files_view_local_child           (OpFilesView *self,
                                                   OpFileRow *row);
void         _op_files_view_pane_error            (OpFilesView *self,
                                                   OpFilePane *pane,
                                                   const char *what,
                                                   GError *error);
GtkWindow *  _op_files_view_parent_window         (OpFilesView *self);
void         _op_files_view_refresh_local         (OpFilesView *self);
void         _op_files_view_refresh_remote        (OpFilesView *self);
char *       _op_files_view_remote_join           (const char *dir,
                                                   const char *name);
OpFileRow *  _op_files_view_single_selection      (OpFilesView *self,
                                                   OpFilePane *pane);
void         _op_files_view_toast                 (OpFilesView *self,
                                                   const char *text);
/* The queue's list model (filtered by the Show dropdown), its run button and action. */
void         _op_files_view_setup_queue_list      (OpFilesView *self);
void         _op_files_view_queue_toggle_running_action (GtkWidget *widget,
                                                   const char *action_name,
                                                   GVariant *parameter);
void         _op_files_view_update_actions        (OpFilesView *self);

/* op-files-view.c: the panes. */
gboolean     _op_files_view_is_remote             (OpFilesView *self,
                                                   OpFilePane  *pane);
/* The pane the commands act on: the remote one only while connected. */
OpFilePane * _op_files_view_target_pane           (OpFilesView *self);
void         _op_files_view_refresh_pane          (OpFilesView *self,
                                                   OpFilePane  *pane);
/* Lists @path (NULL: the current folder) in the remote pane. */
void         _op_files_view_remote_listed         (OpFilesView  *self,
                                                   OpFtpListing *listing,
                                                   const char   *path,
                                                   GError       *error);
OpFtpListFlags _op_files_view_remote_list_flags   (OpFilesView *self);
GCancellable * _op_files_view_next_remote_cancellable (OpFilesView *self);
/* op-files-view-open.c: a remote row activated (double-click, Enter). */
void         _op_files_view_open_remote_row       (OpFilesView *self,
                                                   OpFileRow   *row);
gboolean     _op_files_view_queue_download        (OpFilesView *self,
                                                   OpFileRow   *row,
                                                   const char  *remote_dir,
                                                   GFile       *local_dir);
/* op-files-view-bookmarks.c: the site's bookmarks in the context menu. */
void         _op_files_view_bookmarks_class_init  (GtkWidgetClass *widget_class);
void         _op_files_view_update_bookmarks      (OpFilesView *self);
void         _op_files_view_download_selection    (OpFilesView *self,
                                                   GFile       *local_dir);
gboolean     _op_files_view_is_remote_drag        (OpFilesView        *self,
                                                   GdkContentProvider *content);
gboolean     _op_files_view_drop                  (OpFilesView  *self,
                                                   OpFilePane   *pane,
                                                   const GValue *value,
                                                   double        x,
                                                   double        y);
void         _op_files_view_load_remote           (OpFilesView *self,
                                                   const char  *path);

/* op-files-view-connect.c: the connect bar, the session's state, the log, the sites. */
void         _op_files_view_connect_class_init    (GtkWidgetClass *widget_class);
void         _op_files_view_connect_init          (OpFilesView *self);
void         _op_files_view_connect_dispose       (OpFilesView *self);
void         _op_files_view_update_state          (OpFilesView *self);
/* The bar under the connect bar, for what went wrong with the connection or a site. */
void         _op_files_view_show_error            (OpFilesView *self,
                                                   const char  *message);

/* op-files-view-operations.c: new folder, rename, delete, permissions, URL, properties. */
void         _op_files_view_operations_class_init (GtkWidgetClass *widget_class);
/* Selects, once a refresh is listed, the name an operation asked for. */
void         _op_files_view_on_pane_listed        (OpFilesView *self,
                                                   OpFilePane  *pane);

/* op-files-view-compare.c: folder comparison and synchronised browsing. It installs
 * the view's properties (comparing, compare-sizes, compare-dates, sync-browsing) and
 * their property actions (files.compare, files.compare-sizes, files.compare-dates,
 * files.sync-browse). */
void         _op_files_view_compare_class_init    (GtkWidgetClass *widget_class);
void         _op_files_view_compare_init          (OpFilesView *self);
void         _op_files_view_compare_dispose       (OpFilesView *self);
void         _op_files_view_compare_on_pane_listed (OpFilesView *self,
                                                   OpFilePane  *pane);
void         _op_files_view_compare_on_pane_error (OpFilesView *self,
                                                   OpFilePane  *pane);
void         _op_files_view_compare_update_actions (OpFilesView *self);
/* The rules the comparison uses now (the user's choice of size and date). */
void         _op_files_view_compare_rules         (OpFilesView *self,
                                                   OpSyncRules *rules);
/* The move from @from to @to made from @other ('/' paths); NULL when it cannot be. */
char *       _op_files_view_follow_path           (const char *from,
                                                   const char *to,
                                                   const char *other);
/* Lists the local folder @dir in the local pane. */
void         _op_files_view_load_local            (OpFilesView *self,
                                                   GFile       *dir);

G_END_DECLS
