/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "op-mail-conversation-list.h"
#include "op-mail-errors.h"
#include "op-mail-folder-list.h"
#include "op-mail-imap-sync.h"
#include "op-mail-pop3-poller.h"
#include "op-mail-outbox.h"
#include "op-mail-store-submitter.h"
#include "op-mail-view.h"

G_BEGIN_DECLS

/*
 * OpMailView is one type in several files, each a part of the page:
 *   op-mail-view.c          the page: its template, the accounts file, keys, public API;
 *   op-mail-view-sidebar.c  the accounts and their folders in the sidebar, each store;
 *   op-mail-view-sync.c     each account's IMAP sync and outbox;
 *   op-mail-view-list.c     the conversation list, search and the conversation shown;
 *   op-mail-view-unified.c  the unified Inbox: every account's Inbox in one list;
 *   op-mail-view-actions.c  organising: read, flag, moves (Trash, Archive, Junk, a
 *                           folder) and Undo;
 *   op-mail-view-notify.c   new-mail notifications, and opening their message;
 *   op-mail-view-writing.c  the composers, the send report and mailto:.
 */

/* A conversation shown this long is marked read (issue 13: "read after a short dwell"). */
#define READ_DWELL_MS 1500

/* One mail account in the sidebar, and its store once open. */
typedef struct
{
  OpMailView       *view;          /* unowned: the view owns the account */
  OpAccount        *account;
  OpMailStore      *store;         /* NULL until open */
  OpMailFolderList *folders;
  GtkWidget        *section;       /* in the sidebar box */
  GtkLabel         *title;         /* its name, at the top of the section */
  GtkListBox       *list_box;
  GtkLabel         *error_label;
  GCancellable     *cancellable;
  OpMailImapSync   *sync;          /* IMAP accounts, once the password is known */
  OpMailPop3Poller *pop3;          /* POP3 accounts, the same */
  OpMailOutbox     *outbox;        /* once the store is open */
  guint             retry_source;
  guint32           inbox_uidnext; /* its Inbox's UIDNEXT as last known: older is not new */
  char             *password;      /* given by the set-up, for this session only */
  char             *error_text;    /* its server's last failure, for the banner; NULL: none */
  OpMailErrorKind   error_kind;
} Account;


struct _OpMailView
{
  GtkWidget               parent_instance;

  GtkStack               *stack;
  AdwStatusPage          *empty_page;
  AdwToastOverlay        *toast_overlay;
  AdwStatusPage          *none_page;
  AdwLeaflet             *leaflet;
  GtkBox                 *sidebar_box;
  GtkWidget              *list_column;
  GtkLabel               *folder_title;
  GtkMenuButton          *move_button;
  GtkWidget              *search_button;
  GMenu                  *move_menu;     /* its menu: Archive, Junk, the folders */
  GtkSearchBar           *search_bar;
  GtkSearchEntry         *search_entry;
  GtkToggleButton        *filter_unread;
  GtkToggleButton        *filter_flagged;
  GtkToggleButton        *filter_attachments;
  GtkStack               *list_stack;
  GtkListView            *list_view;
  GtkListView            *results_view;
  AdwStatusPage          *list_status;
  GtkWidget              *conversation_column;
  GtkRevealer            *missing_revealer;
  GtkLabel               *missing_label;
  GtkStack               *conversation_stack;
  OpMailConversationView *conversation_view;

  gboolean                started;      /* the accounts were read (first map) */
  OpTlsVerifier          *verifier;     /* for tests; else the application's trust store */
  GPtrArray              *accounts;     /* Account */
  Account                *current;      /* whose folder is shown */
  gint64                  folder_id;
  OpMailConversationList *conversations;
  GtkMultiSelection      *selection;
  GHashTable             *selected_ids;  /* gint64 *, the selected conversations */
  gboolean                restoring;
  guint                   dwell_source;
  GPtrArray              *undo;          /* UndoMove: the last move, for Undo */
  Account                *shown;         /* whose conversation is shown */
  gboolean                unified;       /* the unified Inbox is shown */
  GtkListBox             *unified_box;   /* its row in the sidebar, above the accounts */
  GPtrArray              *unified_lists; /* OpMailConversationList of each Inbox */
  GListStore             *unified_rows;  /* OpMailConversation, merged newest first */
  guint                   unified_idle;
  char                   *notified_title; /* the last new-mail notification's */
  char                   *notified_body;
  GListStore             *results;      /* OpMailMessage */
  GtkSingleSelection     *results_selection;
  GPtrArray              *found;        /* OpMailMessage, the last search's, unfiltered */
  GCancellable           *search_cancellable;
  gint64                  conversation_id;
  GHashTable             *shown_messages; /* gint64 *, the ids of its messages loaded */
  GCancellable           *body_cancellable;
  guint                   pending_bodies;
  guint                   missing_bodies;
  OpMailStoreSubmitter   *submitter;    /* the composers' way to the outboxes and drafts */
  GListStore             *identities;   /* OpMailIdentityItem of every account */
  GtkWidget              *send_dialog;  /* the last send's failures, while shown */
  GtkRevealer            *banner_revealer;
  GtkLabel               *banner_label;
  GtkButton              *banner_button;
  char                   *banner_account_id; /* whose failure the banner shows */
};

/* What an asynchronous call for an account comes back to: the view may have gone
 * meanwhile, or the account been removed. */
typedef struct
{
  OpMailView *view;
  char       *account_id;
} StoreOpen;

StoreOpen  *_op_mail_view_store_open_new          (OpMailView   *self,
                                                   Account      *account);
void        _op_mail_view_store_open_free         (StoreOpen    *open);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StoreOpen, _op_mail_view_store_open_free)

/* op-mail-view-sidebar.c */
void        _op_mail_view_account_free            (Account      *account);
Account    *_op_mail_view_find_account            (OpMailView   *self,
                                                   const char   *account_id);
Account    *_op_mail_view_add_account             (OpMailView   *self,
                                                   OpAccount    *op_account);
const char *_op_mail_view_folder_title            (OpMailFolder *folder);
void        _op_mail_view_sync_sidebar            (OpMailView   *self);
char       *_op_mail_view_drag_text               (Account      *account);
GtkWidget  *_op_mail_view_sidebar_row_content     (const char   *icon_name,
                                                   const char   *title,
                                                   guint         depth,
                                                   guint         unread,
                                                   GtkLabel    **title_label);

/* op-mail-view-sync.c */
void        _op_mail_view_start_sync              (Account      *account);
void        _op_mail_view_sync_failed             (Account      *account,
                                                   const GError *error);
void        _op_mail_view_open_outbox             (Account      *account);
void        _op_mail_view_reconnect               (Account      *account);
/* Says what went wrong with the account's server (NULL: nothing): a short status under
 * it in the sidebar, the whole @text and an action in the page's banner. */
void        _op_mail_view_show_account_error      (Account      *account,
                                                   OpMailErrorKind kind,
                                                   const char   *text);
void        _op_mail_view_update_banner           (OpMailView   *self);
void        _op_mail_view_banner_action           (OpMailView   *self);

/* op-mail-view-list.c */
void        _op_mail_view_list_class_init         (GtkWidgetClass *widget_class);
void        _op_mail_view_list_init               (OpMailView   *self);
void        _op_mail_view_show_folder             (OpMailView   *self,
                                                   Account      *account,
                                                   OpMailFolder *folder);
void        _op_mail_view_clear_conversation      (OpMailView   *self);
void        _op_mail_view_show_nothing            (OpMailView   *self);
void        _op_mail_view_show_conversation       (OpMailView   *self,
                                                   Account      *account,
                                                   gint64        conversation_id,
                                                   gboolean      unread);
void        _op_mail_view_update_list_page        (OpMailView   *self);
void        _op_mail_view_set_list_model          (OpMailView   *self,
                                                   GListModel   *model,
                                                   OpMailConversationList *conversations);
/* Store signal handler: new messages of the conversation shown join it. */
void        _op_mail_view_on_messages_added       (OpMailStore  *store,
                                                   gint64        folder_id,
                                                   GArray       *ids,
                                                   Account      *account);
/* The selected conversations, in list order. (element-type OpMailConversation) */
GPtrArray  *_op_mail_view_selected_conversations  (OpMailView   *self);

/* The account a conversation of the list belongs to (NULL: none any more). */
Account    *_op_mail_view_account_of              (OpMailView   *self,
                                                   OpMailConversation *conversation);

/* op-mail-view-actions.c */
void        _op_mail_view_actions_class_init      (GtkWidgetClass *widget_class);
void        _op_mail_view_actions_init            (OpMailView   *self);
void        _op_mail_view_update_move_menu        (OpMailView   *self);
/* Moves the selected conversations' messages of the folder shown to @folder of
 * @account (those of other accounts stay), with a toast offering Undo. */
void        _op_mail_view_move_selection_to       (OpMailView   *self,
                                                   Account      *account,
                                                   OpMailFolder *folder);
void        _op_mail_view_update_actions          (OpMailView   *self);
gboolean    _op_mail_view_on_dwell                (gpointer      data);

/* op-mail-view-unified.c: the Inboxes of every account in one list */
void        _op_mail_view_update_unified_row      (OpMailView   *self);
void        _op_mail_view_show_unified            (OpMailView   *self);
void        _op_mail_view_leave_unified           (OpMailView   *self);
Account    *_op_mail_view_unified_account_of      (OpMailConversation *conversation);

/* op-mail-view-notify.c: new mail on the desktop */
void        _op_mail_view_notify_init             (OpMailView   *self);
void        _op_mail_view_watch_new_mail          (Account      *account);

/* op-mail-view-writing.c */
void        _op_mail_view_writing_class_init      (GtkWidgetClass *widget_class);
void        _op_mail_view_writing_init            (OpMailView   *self);
gboolean    _op_mail_view_open_mailto             (GtkWidget    *widget,
                                                   const char   *uri,
                                                   GError      **error);

G_END_DECLS
