/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "op-mail-conversation-view.h"
#include "op-account.h"
#include "op-mail-store.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_VIEW (op_mail_view_get_type ())
G_DECLARE_FINAL_TYPE (OpMailView, op_mail_view, OP, MAIL_VIEW, GtkWidget)

/*
 * The Mail page (issue 13): three columns in an AdwLeaflet (one at a time, with back
 * buttons, in a narrow window):
 *   - the sidebar: with two accounts or more, "All Inboxes" (the unified Inbox); each
 *     mail account of the profile (OpAccounts, kind mail) with its folders from its
 *     store (OpMailFolderList): Inbox and the special-use folders first, with their
 *     icons and unread counts; conversations dragged onto a folder move there;
 *   - the conversation list: a GtkListView over the folder's OpMailConversationList
 *     (paged from SQLite), with Ctrl+F search over the store's full-text index and
 *     filters for unread, flagged and with attachments; J/K (and Up/Down) move;
 *   - the conversation: OpMailConversationView, the newest message open, each body
 *     loaded from the store on its reader thread (or, never fetched, through the
 *     account's OpMailImapSync) and parsed on a worker.
 * An IMAP account is kept in step by an OpMailImapSync (password from the set-up or
 * the keyring): the folders, then every folder, then IDLE on the Inbox, so new mail
 * appears without a refresh.
 * Nothing is read before the page is first mapped: then the accounts file is read and
 * each account's store (op_mail_store_default_path()) opens on the store's thread.
 * Without a mail account it shows an AdwStatusPage.
 */
GtkWidget              *op_mail_view_new                   (void);
void                    op_mail_view_register              (void);
void                    op_mail_view_add_account           (OpMailView    *self,
                                                            OpAccount     *account,
                                                            const char    *password);
/* Preferences changed (its name) or removed an account, already saved. */
void                    op_mail_view_update_account        (OpMailView    *self,
                                                            OpAccount     *account);
/* Preferences changed the account's servers (saved): it connects again. */
void                    op_mail_view_reconnect_account     (OpMailView    *self,
                                                            const char    *account_id);
void                    op_mail_view_remove_account        (OpMailView    *self,
                                                            const char    *account_id);
/* Certificates are checked by the application's trust store; tests set their own. */
void                    op_mail_view_set_verifier          (OpMailView    *self,
                                                            OpTlsVerifier *verifier);

/* For tests: the store of the account @account_id once open (NULL before), the
 * folder shown, and the widgets a person uses. (transfer none) */
OpMailStore            *op_mail_view_get_store             (OpMailView  *self,
                                                            const char  *account_id);
gint64                  op_mail_view_get_folder_id         (OpMailView  *self);
/* The conversation shown (0: none). */
gint64                  op_mail_view_get_conversation_id   (OpMailView  *self);
/* Bodies still being loaded for the conversation shown. */
guint                   op_mail_view_get_n_pending_bodies  (OpMailView  *self);
gboolean                op_mail_view_select_folder         (OpMailView  *self,
                                                            const char  *account_id,
                                                            gint64       folder_id);
/* The unified Inbox (every account's Inbox in one list): shown (FALSE without two
 * accounts with an Inbox), and whether it is the list shown. */
gboolean                op_mail_view_select_unified_inbox  (OpMailView  *self);
gboolean                op_mail_view_get_unified           (OpMailView  *self);
GtkListView            *op_mail_view_get_list_view         (OpMailView  *self);
gboolean                op_mail_view_open_message          (OpMailView  *self,
                                                            const char  *account_id,
                                                            gint64       message_id);
/* The last new-mail notification's title and body (NULL before any). */
const char             *op_mail_view_get_notified_title    (OpMailView  *self);
const char             *op_mail_view_get_notified_body     (OpMailView  *self);
GtkListView            *op_mail_view_get_results_view      (OpMailView  *self);
OpMailConversationView *op_mail_view_get_conversation_view (OpMailView  *self);
GtkWidget              *op_mail_view_get_sidebar           (OpMailView  *self);
/* "empty", "mail"; and the list column's "list", "results" or "status". */
const char             *op_mail_view_get_page              (OpMailView  *self);
const char             *op_mail_view_get_list_page         (OpMailView  *self);
/* The banner's text when an account's server failed (NULL: no banner shown), and its
 * button (hidden when there is nothing to do). */
const char             *op_mail_view_get_banner            (OpMailView  *self);
GtkButton              *op_mail_view_get_banner_button     (OpMailView  *self);

G_END_DECLS
