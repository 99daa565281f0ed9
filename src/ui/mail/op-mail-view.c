/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include <glib/gi18n.h>

#include "op-accounts.h"
#include "op-application.h"
#include "op-mail-account-setup.h"
#include "op-mail-account.h"
#include "op-mail-composer-window.h"
#include "op-mail-identity-item.h"
#include "op-mail-mailto.h"
#include "op-mail-outbox.h"
#include "op-mail-store-submitter.h"
#include "op-mail-conversation-list.h"
#include "op-mail-conversation-row.h"
#include "op-mail-folder-list.h"
#include "op-mail-imap-sync.h"
#include "op-mail-pop3-poller.h"
#include "op-mail-resources.h"
#include "op-mail-view.h"
#include "op-secrets.h"
#include "op-trust-store.h"
#include "op-view-registry.h"

/* Search results shown at most (newest first). */
#define SEARCH_LIMIT 500

/* A conversation shown this long is marked read (issue 13: "read after a short dwell"). */
#define READ_DWELL_MS 1500

/* Selections up to this size are kept when their rows are read again (a flag changed);
 * a larger one (Ctrl+A over a huge folder) is not tracked row by row. */
#define MAX_TRACKED_SELECTION 1000

/* One mail account in the sidebar, and its store once open. */
typedef struct
{
  OpMailView       *view;          /* unowned: the view owns the account */
  OpAccount        *account;
  OpMailStore      *store;         /* NULL until open */
  OpMailFolderList *folders;
  GtkWidget        *section;       /* in the sidebar box */
  GtkListBox       *list_box;
  GtkLabel         *error_label;
  GCancellable     *cancellable;
  OpMailImapSync   *sync;          /* IMAP accounts, once the password is known */
  OpMailPop3Poller *pop3;          /* POP3 accounts, the same */
  OpMailOutbox     *outbox;        /* once the store is open */
  guint             retry_source;
  char             *password;      /* given by the set-up, for this session only */
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
  OpMailStore            *undo_store;    /* the last move to Trash, for Undo */
  GArray                 *undo_ids;
  gint64                  undo_folder_id;
  GListStore             *results;      /* OpMailMessage */
  GtkSingleSelection     *results_selection;
  GPtrArray              *found;        /* OpMailMessage, the last search's, unfiltered */
  GCancellable           *search_cancellable;
  gint64                  conversation_id;
  GCancellable           *body_cancellable;
  guint                   pending_bodies;
  guint                   missing_bodies;
  OpMailStoreSubmitter   *submitter;    /* the composers' way to the outboxes and drafts */
  GListStore             *identities;   /* OpMailIdentityItem of every account */
  GtkWidget              *send_dialog;  /* the last send's failures, while shown */
};

G_DEFINE_FINAL_TYPE (OpMailView, op_mail_view, GTK_TYPE_WIDGET)

static void show_conversation (OpMailView *self,
                               gint64      conversation_id,
                               gboolean    unread);
static void update_actions    (OpMailView *self);
static void update_list_page  (OpMailView *self);
static void open_outbox       (Account    *account);
static void on_send_finished  (OpMailStoreSubmitter *submitter,
                               const char           *account_id,
                               const char           *error_message,
                               OpMailView           *self);
static void compose_action    (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter);
static void reply_action      (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter);
static gboolean open_mailto   (GtkWidget   *widget,
                               const char  *uri,
                               GError     **error);

static void
account_free (Account *account)
{
  g_cancellable_cancel (account->cancellable);
  g_clear_object (&account->cancellable);
  g_clear_handle_id (&account->retry_source, g_source_remove);
  if (account->sync != NULL)
    {
      g_signal_handlers_disconnect_by_data (account->sync, account);
      op_mail_imap_sync_close (account->sync);
    }
  g_clear_object (&account->sync);
  g_clear_object (&account->pop3);
  if (account->outbox != NULL)
    g_signal_handlers_disconnect_by_data (account->outbox, account);
  g_clear_object (&account->outbox);
  if (account->password != NULL)
    memset (account->password, 0, strlen (account->password));
  g_clear_pointer (&account->password, g_free);
  g_clear_object (&account->folders);
  if (account->store != NULL)
    op_mail_store_close (account->store);
  g_clear_object (&account->store);
  g_clear_object (&account->account);
  g_free (account);
}

static Account *
find_account (OpMailView *self,
              const char *account_id)
{
  for (guint i = 0; i < self->accounts->len; i++)
    {
      Account *account = g_ptr_array_index (self->accounts, i);

      if (g_str_equal (op_account_get_id (account->account), account_id))
        return account;
    }
  return NULL;
}

/* --- the sidebar ------------------------------------------------------------------- */

static const char *
special_use_icon (OpMailSpecialUse use)
{
  switch (use)
    {
    case OP_MAIL_SPECIAL_USE_INBOX:
      return "mail-unread-symbolic";
    case OP_MAIL_SPECIAL_USE_SENT:
      return "mail-send-symbolic";
    case OP_MAIL_SPECIAL_USE_DRAFTS:
      return "document-edit-symbolic";
    case OP_MAIL_SPECIAL_USE_TRASH:
      return "user-trash-symbolic";
    case OP_MAIL_SPECIAL_USE_JUNK:
      return "mail-mark-junk-symbolic";
    case OP_MAIL_SPECIAL_USE_ARCHIVE:
      return "folder-documents-symbolic";
    case OP_MAIL_SPECIAL_USE_ALL:
      return "folder-saved-search-symbolic";
    case OP_MAIL_SPECIAL_USE_FLAGGED:
      return "starred-symbolic";
    case OP_MAIL_SPECIAL_USE_NONE:
    default:
      return "folder-symbolic";
    }
}

/* The special-use folders are shown under their translated names (a server calls
 * them what it likes: "Sent Items", "[Gmail]/Sent Mail"); the others by their own. */
static const char *
folder_title (OpMailFolder *folder)
{
  switch (op_mail_folder_get_special_use (folder))
    {
    case OP_MAIL_SPECIAL_USE_INBOX:
      return _("Inbox");
    case OP_MAIL_SPECIAL_USE_SENT:
      return _("Sent");
    case OP_MAIL_SPECIAL_USE_DRAFTS:
      return _("Drafts");
    case OP_MAIL_SPECIAL_USE_TRASH:
      return _("Trash");
    case OP_MAIL_SPECIAL_USE_JUNK:
      return _("Junk");
    case OP_MAIL_SPECIAL_USE_ARCHIVE:
      return _("Archive");
    case OP_MAIL_SPECIAL_USE_ALL:
      return _("All Mail");
    case OP_MAIL_SPECIAL_USE_FLAGGED:
      return _("Flagged");
    case OP_MAIL_SPECIAL_USE_NONE:
    default:
      return op_mail_folder_get_display_name (folder);
    }
}

/* How deep a plain folder sits ("Lists/GNOME" is one level down); special-use folders
 * stay at the top, where the store lists them. */
static guint
folder_depth (OpMailFolder *folder)
{
  const char *name = op_mail_folder_get_name (folder);
  char delimiter = op_mail_folder_get_delimiter (folder);
  guint depth = 0;

  if (delimiter == 0 || op_mail_folder_get_special_use (folder) != OP_MAIL_SPECIAL_USE_NONE)
    return 0;
  for (const char *p = name; *p != '\0'; p++)
    if (*p == delimiter)
      depth++;
  return MIN (depth, 6);
}

static GtkWidget *
create_folder_row (gpointer item,
                   gpointer user_data)
{
  OpMailFolder *folder = item;
  guint unread = op_mail_folder_get_unread (folder);
  const char *title = folder_title (folder);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 9);
  GtkWidget *icon = gtk_image_new_from_icon_name (special_use_icon (op_mail_folder_get_special_use (folder)));
  GtkWidget *label = gtk_label_new (title);
  g_autofree char *name = NULL;

  gtk_widget_set_margin_start (box, 6 + 12 * folder_depth (folder));
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 2);
  gtk_widget_set_margin_bottom (box, 2);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  if (unread > 0)
    {
      g_autofree char *count = g_strdup_printf ("%u", unread);
      GtkWidget *count_label = gtk_label_new (count);

      gtk_widget_set_valign (count_label, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (count_label, "op-mail-count");
      gtk_widget_add_css_class (count_label, "numeric");
      gtk_box_append (GTK_BOX (box), count_label);
      /* Translators: a folder in the sidebar read out: its name and unread messages. */
      name = g_strdup_printf (ngettext ("Mail: folder %s, %u unread", "Mail: folder %s, %u unread",
                                        unread),
                              title, unread);
    }
  else
    /* Translators: a folder in the sidebar read out, without unread messages. */
    name = g_strdup_printf (_("Mail: folder %s"), title);
  if (!op_mail_folder_get_selectable (folder))
    {
      gtk_widget_add_css_class (label, "dim-label");
      gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
    }
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  g_object_set_data_full (G_OBJECT (row), "op-mail-folder", g_object_ref (folder), g_object_unref);
  return row;
}

/* The row of the folder shown is selected in its account's list, and no other. */
static void
sync_sidebar_selection (OpMailView *self)
{
  for (guint i = 0; i < self->accounts->len; i++)
    {
      Account *account = g_ptr_array_index (self->accounts, i);
      GtkListBoxRow *want = NULL;

      if (account->list_box == NULL)
        continue;
      if (account == self->current)
        for (int j = 0;; j++)
          {
            GtkListBoxRow *row = gtk_list_box_get_row_at_index (account->list_box, j);
            OpMailFolder *folder;

            if (row == NULL)
              break;
            folder = g_object_get_data (G_OBJECT (row), "op-mail-folder");
            if (op_mail_folder_get_id (folder) == self->folder_id)
              {
                want = row;
                break;
              }
          }
      if (gtk_list_box_get_selected_row (account->list_box) != want)
        {
          if (want != NULL)
            gtk_list_box_select_row (account->list_box, want);
          else
            gtk_list_box_unselect_all (account->list_box);
        }
    }
}

/* --- the conversation list --------------------------------------------------------- */

static void
on_list_changed (OpMailView *self)
{
  update_list_page (self);
}

static void update_list_page_now (OpMailView *self);

static void
update_list_page (OpMailView *self)
{
  update_list_page_now (self);
  update_actions (self);
}

static void
update_list_page_now (OpMailView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  gboolean searching = gtk_search_bar_get_search_mode (self->search_bar) && text[0] != '\0';

  if (searching)
    {
      if (g_list_model_get_n_items (G_LIST_MODEL (self->results)) > 0
          || self->search_cancellable != NULL)
        gtk_stack_set_visible_child_name (self->list_stack, "results");
      else
        {
          adw_status_page_set_icon_name (self->list_status, "edit-find-symbolic");
          adw_status_page_set_title (self->list_status, _("No Results"));
          adw_status_page_set_description (self->list_status,
                                           _("No message in this folder matches every word."));
          gtk_stack_set_visible_child_name (self->list_stack, "status");
        }
      return;
    }

  if (self->conversations != NULL
      && !op_mail_conversation_list_get_loading (self->conversations)
      && g_list_model_get_n_items (G_LIST_MODEL (self->conversations)) == 0)
    {
      adw_status_page_set_icon_name (self->list_status, "mail-read-symbolic");
      adw_status_page_set_title (self->list_status, _("No Conversations"));
      adw_status_page_set_description (self->list_status,
                                       _("This folder holds no mail in the local store."));
      gtk_stack_set_visible_child_name (self->list_stack, "status");
    }
  else
    gtk_stack_set_visible_child_name (self->list_stack, "list");
}

/* The selected conversations, in list order. (element-type OpMailConversation) */
static GPtrArray *
selected_conversations (OpMailView *self)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GtkBitset) set = NULL;
  GtkBitsetIter iter;
  guint position;

  if (self->selection == NULL)
    return items;
  set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean more = gtk_bitset_iter_init_first (&iter, set, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      OpMailConversation *item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

      if (item != NULL && op_mail_conversation_get_loaded (item))
        g_ptr_array_add (items, item);
      else
        g_clear_object (&item);
    }
  return items;
}

static void
on_selection_changed (OpMailView *self)
{
  g_autoptr (GPtrArray) items = NULL;

  if (self->restoring)
    return;
  items = selected_conversations (self);
  g_hash_table_remove_all (self->selected_ids);
  if (items->len <= MAX_TRACKED_SELECTION)
    for (guint i = 0; i < items->len; i++)
      {
        gint64 *id = g_new (gint64, 1);

        *id = op_mail_conversation_get_id (items->pdata[i]);
        g_hash_table_add (self->selected_ids, id);
      }
  update_actions (self);

  if (items->len == 1)
    {
      OpMailConversation *conversation = items->pdata[0];

      if (op_mail_conversation_get_id (conversation) != self->conversation_id)
        show_conversation (self, op_mail_conversation_get_id (conversation),
                           op_mail_conversation_get_n_unread (conversation) > 0);
    }
  else if (items->len > 1)
    {
      g_autofree char *title = g_strdup_printf (ngettext ("%u Conversation Selected",
                                                          "%u Conversations Selected", items->len),
                                                items->len);

      show_conversation (self, 0, FALSE);
      adw_status_page_set_title (self->none_page, title);
    }
}

/* A row read again (its flags changed) is a new object, which the selection model does
 * not know: the conversations that were selected are selected again. */
static void
on_selection_items_changed (OpMailView *self)
{
  GHashTableIter iter;
  gint64 *id;

  self->restoring = TRUE;
  g_hash_table_iter_init (&iter, self->selected_ids);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    {
      int position = op_mail_conversation_list_find (self->conversations, *id);

      if (position >= 0
          && !gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), position))
        gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, FALSE);
    }
  self->restoring = FALSE;
  update_actions (self);
}

static void
on_list_activate (OpMailView *self,
                  guint       position)
{
  /* Folded: Enter (or a click) on a row goes to its conversation. */
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->conversation_column);
}

static void
clear_conversation (OpMailView *self)
{
  g_cancellable_cancel (self->body_cancellable);
  g_clear_object (&self->body_cancellable);
  g_clear_handle_id (&self->dwell_source, g_source_remove);
  adw_status_page_set_title (self->none_page, _("No Conversation Selected"));
  op_mail_conversation_view_clear (self->conversation_view);
  self->conversation_id = 0;
  self->pending_bodies = 0;
  self->missing_bodies = 0;
  gtk_revealer_set_reveal_child (self->missing_revealer, FALSE);
  gtk_stack_set_visible_child_name (self->conversation_stack, "none");
  update_actions (self);
}

static void
show_folder (OpMailView   *self,
             Account      *account,
             OpMailFolder *folder)
{
  gint64 folder_id = op_mail_folder_get_id (folder);

  gtk_label_set_text (self->folder_title, folder_title (folder));
  if (account == self->current && folder_id == self->folder_id)
    return;

  self->current = account;
  self->folder_id = folder_id;
  clear_conversation (self);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");

  if (self->conversations != NULL)
    g_signal_handlers_disconnect_by_data (self->conversations, self);
  g_clear_object (&self->conversations);
  self->conversations = op_mail_conversation_list_new (account->store, folder_id);
  g_signal_connect_swapped (self->conversations, "items-changed",
                            G_CALLBACK (on_list_changed), self);
  g_signal_connect_swapped (self->conversations, "notify::loading",
                            G_CALLBACK (on_list_changed), self);

  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_hash_table_remove_all (self->selected_ids);
  self->selection = gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->conversations)));
  g_signal_connect_swapped (self->selection, "selection-changed",
                            G_CALLBACK (on_selection_changed), self);
  g_signal_connect_swapped (self->selection, "items-changed",
                            G_CALLBACK (on_selection_items_changed), self);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  update_list_page (self);
  update_actions (self);
  sync_sidebar_selection (self);
}

static void
on_folder_row_activated (GtkListBox    *list_box,
                         GtkListBoxRow *row,
                         Account       *account)
{
  OpMailView *self = account->view;
  OpMailFolder *folder = g_object_get_data (G_OBJECT (row), "op-mail-folder");

  if (folder == NULL || !op_mail_folder_get_selectable (folder))
    return;
  show_folder (self, account, folder);
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->list_column);
}

static void
on_folder_row_selected (GtkListBox    *list_box,
                        GtkListBoxRow *row,
                        Account       *account)
{
  OpMailView *self = account->view;
  OpMailFolder *folder;

  if (row == NULL)
    return;
  folder = g_object_get_data (G_OBJECT (row), "op-mail-folder");
  if (folder == NULL || !op_mail_folder_get_selectable (folder))
    return;
  /* A folder picked with the keyboard or the mouse (activation follows a click). */
  show_folder (self, account, folder);
}

static void
on_folders_changed (GListModel *model,
                    guint       position,
                    guint       removed,
                    guint       added,
                    Account    *account)
{
  OpMailView *self = account->view;

  /* A changed folder's row was made again (new counts): keep the shown one selected,
   * or open the Inbox of the first account that has one when none is shown yet. */
  if (self->current == NULL)
    {
      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr (OpMailFolder) folder = g_list_model_get_item (model, i);

          if (op_mail_folder_get_special_use (folder) == OP_MAIL_SPECIAL_USE_INBOX)
            {
              show_folder (self, account, folder);
              break;
            }
        }
    }
  else if (self->current == account)
    {
      gboolean still_there = FALSE;

      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr (OpMailFolder) folder = g_list_model_get_item (model, i);

          if (op_mail_folder_get_id (folder) == self->folder_id)
            {
              gtk_label_set_text (self->folder_title, folder_title (folder));
              still_there = TRUE;
            }
        }
      if (!still_there)
        {
          /* The folder went (deleted on the server): nothing is shown. */
          clear_conversation (self);
          gtk_list_view_set_model (self->list_view, NULL);
          g_clear_object (&self->selection);
          if (self->conversations != NULL)
            g_signal_handlers_disconnect_by_data (self->conversations, self);
          g_clear_object (&self->conversations);
          self->current = NULL;
          self->folder_id = 0;
          gtk_label_set_text (self->folder_title, "");
        }
    }
  sync_sidebar_selection (self);
}

/* What an opening store comes back to: the view may have gone meanwhile. */
typedef struct
{
  OpMailView *view;
  char       *account_id;
} StoreOpen;

static void
store_open_free (StoreOpen *open)
{
  g_object_unref (open->view);
  g_free (open->account_id);
  g_free (open);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StoreOpen, store_open_free)

/* --- sync --------------------------------------------------------------------------- */

/* After a failed sync, the next try (seconds). */
#define SYNC_RETRY_SECONDS 60

static void run_sync (Account *account);

static OpTrustStore *
application_trust_store (void)
{
  GApplication *application = g_application_get_default ();

  if (!OP_IS_APPLICATION (application))
    return NULL;
  return op_application_get_trust_store (OP_APPLICATION (application));
}

static void
show_account_error (Account    *account,
                    const char *text)
{
  gtk_label_set_text (account->error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (account->error_label), text != NULL);
}

static gboolean
retry_sync (gpointer data)
{
  Account *account = data;

  account->retry_source = 0;
  run_sync (account);
  return G_SOURCE_REMOVE;
}

static void
sync_failed (Account      *account,
             const GError *error)
{
  /* Translators: under an account in the sidebar when fetching its mail failed; %s says
   * what happened. */
  g_autofree char *text = g_strdup_printf (_("Mail could not be fetched: %s. Outpost tries again in a minute; check the network and the account's server settings."),
                                           error->message);

  show_account_error (account, text);
  if (account->retry_source == 0)
    account->retry_source = g_timeout_add_seconds (SYNC_RETRY_SECONDS, retry_sync, account);
}

static void
on_sync_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OpMailFolder) sent = NULL;
  Account *account = user_data;

  if (!op_mail_imap_sync_finish (OP_MAIL_IMAP_SYNC (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        sync_failed (account, error);
      return;
    }
  show_account_error (account, NULL);
  /* Dovecot, like most servers, files no copy of what is sent: the outbox does. */
  sent = op_mail_store_lookup_special (account->store, OP_MAIL_SPECIAL_USE_SENT);
  if (sent != NULL && account->outbox != NULL)
    op_mail_outbox_set_sent_folder (account->outbox, account->sync, op_mail_folder_get_name (sent));
  /* New mail in the Inbox arrives by IDLE, without a refresh. */
  op_mail_imap_sync_set_idle (account->sync, TRUE);
}

static void
on_sync_error (OpMailImapSync *sync,
               GError         *error,
               Account        *account)
{
  sync_failed (account, error);
}

/* POP3 tries again at its next poll by itself. */
static void
on_pop3_error (OpMailPop3Poller *poller,
               GError           *error,
               Account          *account)
{
  /* Translators: under a POP3 account in the sidebar when downloading failed; %s says
   * what happened. */
  g_autofree char *text = g_strdup_printf (_("Mail could not be downloaded: %s. Outpost tries again in a few minutes; check the network and the account's server settings."),
                                           error->message);

  show_account_error (account, text);
}

static void
on_pop3_fetched (OpMailPop3Poller *poller,
                 Account          *account)
{
  show_account_error (account, NULL);
}

static void
run_sync (Account *account)
{
  op_mail_imap_sync_run_async (account->sync, account->cancellable, on_sync_done, account);
}

static void
start_sync_with (Account    *account,
                 const char *password)
{
  OpAccount *op_account = account->account;
  OpTlsVerifier *verifier = account->view->verifier != NULL
                            ? account->view->verifier
                            : (OpTlsVerifier *) application_trust_store ();

  if (op_mail_account_get_incoming (op_account) == OP_MAIL_INCOMING_POP3)
    {
      account->pop3 = op_mail_pop3_poller_new (account->store, op_account, password, verifier);
      g_signal_connect (account->pop3, "error", G_CALLBACK (on_pop3_error), account);
      g_signal_connect (account->pop3, "fetched", G_CALLBACK (on_pop3_fetched), account);
      op_mail_pop3_poller_start (account->pop3);
      return;
    }
  account->sync = op_mail_imap_sync_new (account->store, op_account_get_host (op_account),
                                         op_mail_account_get_effective_port (op_account),
                                         op_account_get_security (op_account),
                                         op_account_get_user (op_account));
  op_mail_imap_sync_set_password (account->sync, password);
  op_mail_imap_sync_set_allow_plaintext_password (account->sync,
                                                  op_account_get_allow_plaintext_password (op_account));
  if (verifier != NULL)
    op_mail_imap_sync_set_verifier (account->sync, verifier);
  g_signal_connect (account->sync, "error", G_CALLBACK (on_sync_error), account);
  run_sync (account);
}

static void
on_password (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (StoreOpen) open = user_data;
  g_autoptr (GError) error = NULL;
  char *password = op_mail_account_lookup_password_finish (OP_SECRETS (source), result, &error);
  Account *account = open->view->accounts != NULL
                     ? find_account (open->view, open->account_id) : NULL;

  if (account == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_pointer (&password, op_secrets_password_free);
      return;
    }
  if (password == NULL)
    {
      /* Translators: under an account in the sidebar when no password is saved for it. */
      show_account_error (account, _("No password is saved for this account, so its mail is not fetched; the mail already in the local store is shown. Passwords are saved in the keyring (Secret Service): start one, such as GNOME Keyring, and open Outpost again."));
      return;
    }
  start_sync_with (account, password);
  op_secrets_password_free (password);
}

/* IMAP accounts are kept in step with the server: the folder list, every folder, then
 * IDLE on the Inbox; POP3 accounts are downloaded every few minutes. The password comes
 * from the set-up (this session) or the keyring. */
static void
start_sync (Account *account)
{
  StoreOpen *open;

  if (!op_mail_account_is_mail (account->account)
      || op_account_get_host (account->account) == NULL
      || op_account_get_host (account->account)[0] == '\0')
    return;
  if (account->password != NULL)
    {
      start_sync_with (account, account->password);
      return;
    }
  open = g_new0 (StoreOpen, 1);
  open->view = g_object_ref (account->view);
  open->account_id = g_strdup (op_account_get_id (account->account));
  op_mail_account_lookup_password_async (account->account, OP_MAIL_SERVER_INCOMING,
                                         op_secrets_get_default (), account->cancellable,
                                         on_password, open);
}

static void
on_store_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (StoreOpen) open = user_data;
  g_autoptr (GError) error = NULL;
  OpMailStore *store = op_mail_store_open_finish (result, &error);
  Account *account = open->view->accounts != NULL
                     ? find_account (open->view, open->account_id) : NULL;

  if (account == NULL)
    {
      if (store != NULL)
        op_mail_store_close (store);
      g_clear_object (&store);
      return;
    }
  if (store == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Translators: under an account in the sidebar when its store cannot be opened;
       * %s says why. */
      g_autofree char *text = g_strdup_printf (_("Its mail could not be opened: %s. Check that the disk is not full and the data folder is writable, then restart Outpost."),
                                               error->message);

      show_account_error (account, text);
      return;
    }

  account->store = store;
  account->folders = op_mail_folder_list_new (store);
  gtk_list_box_bind_model (account->list_box, G_LIST_MODEL (account->folders),
                           create_folder_row, NULL, NULL);
  g_signal_connect_after (account->folders, "items-changed",
                          G_CALLBACK (on_folders_changed), account);
  on_folders_changed (G_LIST_MODEL (account->folders), 0, 0, 0, account);
  start_sync (account);
  open_outbox (account);
}

static Account *
add_account (OpMailView *self,
             OpAccount  *op_account)
{
  g_autoptr (GPtrArray) identities = op_mail_account_dup_identities (op_account);

  Account *account = g_new0 (Account, 1);
  const char *name = op_account_get_name (op_account);
  GtkWidget *header;
  g_autofree char *label = NULL;
  g_autofree char *path = NULL;
  StoreOpen *open;

  account->view = self;
  account->account = g_object_ref (op_account);
  account->cancellable = g_cancellable_new ();
  if (name == NULL || name[0] == '\0')
    name = op_account_get_user (op_account);
  if (name == NULL || name[0] == '\0')
    name = op_account_get_host (op_account);
  if (name == NULL)
    name = "";

  account->section = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (header), 0);
  gtk_label_set_ellipsize (GTK_LABEL (header), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (header, "heading");
  gtk_widget_add_css_class (header, "op-mail-account-title");
  gtk_box_append (GTK_BOX (account->section), header);

  account->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (account->error_label, TRUE);
  gtk_label_set_xalign (account->error_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (account->error_label), "error");
  gtk_widget_add_css_class (GTK_WIDGET (account->error_label), "op-mail-account-error");
  gtk_widget_set_visible (GTK_WIDGET (account->error_label), FALSE);
  gtk_box_append (GTK_BOX (account->section), GTK_WIDGET (account->error_label));

  account->list_box = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_add_css_class (GTK_WIDGET (account->list_box), "navigation-sidebar");
  /* Translators: the folders of one account in the sidebar; %s is the account. */
  label = g_strdup_printf (_("Mail: folders of %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (account->list_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_signal_connect (account->list_box, "row-selected", G_CALLBACK (on_folder_row_selected), account);
  g_signal_connect (account->list_box, "row-activated", G_CALLBACK (on_folder_row_activated), account);
  gtk_box_append (GTK_BOX (account->section), GTK_WIDGET (account->list_box));
  gtk_box_append (self->sidebar_box, account->section);
  g_ptr_array_add (self->accounts, account);
  for (guint i = 0; identities != NULL && i < identities->len; i++)
    {
      OpMailIdentity *identity = g_ptr_array_index (identities, i);
      g_autoptr (OpMailIdentityItem) item = op_mail_identity_item_new (op_account_get_id (op_account),
                                                                        identity->name, identity->address,
                                                                        identity->signature);

      g_list_store_append (self->identities, item);
    }
  update_actions (self);

  path = op_mail_store_default_path (op_account_get_id (op_account));
  open = g_new0 (StoreOpen, 1);
  open->view = g_object_ref (self);
  open->account_id = g_strdup (op_account_get_id (op_account));
  op_mail_store_open_async (path, account->cancellable, on_store_opened, open);
  return account;
}

/* The first time the page is shown: read the accounts file (small) and open each mail
 * account's store on its own thread. */
static void
start (OpMailView *self)
{
  g_autoptr (OpAccounts) accounts = op_accounts_new_default ();
  g_autoptr (GError) error = NULL;
  guint n_mail = 0;

  self->started = TRUE;
  if (!op_accounts_load (accounts, &error))
    {
      /* Translators: the Mail page when the accounts file is unreadable; %s says why. */
      g_autofree char *text = g_strdup_printf (_("The accounts file could not be read: %s. Fix or move it away, then restart Outpost."),
                                               error->message);

      adw_status_page_set_title (self->empty_page, _("Mail Accounts Unavailable"));
      adw_status_page_set_description (self->empty_page, text);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (accounts)); i++)
    {
      g_autoptr (OpAccount) account = g_list_model_get_item (G_LIST_MODEL (accounts), i);

      if (op_account_get_kind (account) != OP_ACCOUNT_KIND_MAIL)
        continue;
      add_account (self, account);
      n_mail++;
    }
  gtk_stack_set_visible_child_name (self->stack, n_mail > 0 ? "mail" : "empty");
}

/* --- the conversation -------------------------------------------------------------- */

typedef struct
{
  OpMailView *view;
  gint64      conversation_id;
  GBytes     *bytes;
} BodyLoad;

static void
body_load_free (BodyLoad *load)
{
  g_clear_object (&load->view);
  g_clear_pointer (&load->bytes, g_bytes_unref);
  g_free (load);
}

static void
update_missing (OpMailView *self)
{
  if (self->missing_bodies > 0)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u message of this conversation is not in the local store yet. It is shown once it has been downloaded.",
                                                         "%u messages of this conversation are not in the local store yet. They are shown once they have been downloaded.",
                                                         self->missing_bodies),
                                               self->missing_bodies);

      gtk_label_set_text (self->missing_label, text);
    }
  gtk_revealer_set_reveal_child (self->missing_revealer, self->missing_bodies > 0);
}

static void
parse_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  BodyLoad *load = task_data;
  GError *error = NULL;
  OpMimeMessage *message = op_mime_message_parse_bytes (load->bytes, NULL, &error);

  if (message == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, message, g_object_unref);
}

static void
on_body_parsed (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  BodyLoad *load = g_task_get_task_data (G_TASK (result));
  OpMailView *self = load->view;
  g_autoptr (GError) error = NULL;
  g_autoptr (OpMimeMessage) message = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || load->conversation_id != self->conversation_id)
    return;
  self->pending_bodies--;
  if (message == NULL)
    {
      /* A message with no header at all: said in the bar, not dropped silently. */
      self->missing_bodies++;
      update_missing (self);
      return;
    }
  op_mail_conversation_view_add_message (self->conversation_view, message, load->bytes);
  update_actions (self);
}

/* A message's bytes arrived (from the store's cache or fetched by the sync), or not. */
static void
body_arrived (BodyLoad     *load,
              GBytes       *bytes,
              const GError *error)
{
  OpMailView *self = load->view;
  g_autoptr (GTask) task = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || load->conversation_id != self->conversation_id)
    {
      g_clear_pointer (&bytes, g_bytes_unref);
      body_load_free (load);
      return;
    }
  if (bytes == NULL)
    {
      /* Not fetched yet and no server to ask (or it failed): counted in the bar. */
      self->pending_bodies--;
      self->missing_bodies++;
      update_missing (self);
      body_load_free (load);
      return;
    }

  /* Parsing a large message takes a while: not on the main thread. */
  load->bytes = bytes;
  task = g_task_new (NULL, self->body_cancellable, on_body_parsed, NULL);
  g_task_set_source_tag (task, body_arrived);
  g_task_set_task_data (task, load, (GDestroyNotify) body_load_free);
  g_task_run_in_thread (task, parse_thread);
}

static void
on_body_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  GBytes *bytes = op_mail_store_load_body_finish (OP_MAIL_STORE (source), result, &error);

  body_arrived (user_data, bytes, error);
}

static void
on_body_fetched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  GBytes *bytes = op_mail_imap_sync_fetch_body_finish (OP_MAIL_IMAP_SYNC (source), result, &error);

  body_arrived (user_data, bytes, error);
}

static gboolean on_dwell (gpointer data);

static void
show_conversation (OpMailView *self,
                   gint64      conversation_id,
                   gboolean    unread)
{
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GError) error = NULL;

  clear_conversation (self);
  if (conversation_id == 0 || self->current == NULL || self->current->store == NULL)
    return;

  messages = op_mail_store_list_conversation (self->current->store, conversation_id, &error);
  if (messages == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The conversation could not be read: %s."),
                                               error->message);

      gtk_label_set_text (self->missing_label, text);
      gtk_revealer_set_reveal_child (self->missing_revealer, TRUE);
      return;
    }

  self->conversation_id = conversation_id;
  self->body_cancellable = g_cancellable_new ();
  if (unread)
    self->dwell_source = g_timeout_add (READ_DWELL_MS, on_dwell, self);
  gtk_stack_set_visible_child_name (self->conversation_stack, "conversation");
  for (guint i = 0; i < messages->len; i++)
    {
      OpMailMessage *message = g_ptr_array_index (messages, i);
      BodyLoad *load = g_new0 (BodyLoad, 1);

      load->view = g_object_ref (self);
      load->conversation_id = conversation_id;
      self->pending_bodies++;
      /* A body never fetched comes from the server when the account syncs. */
      if (!op_mail_message_get_body_cached (message) && self->current->sync != NULL)
        op_mail_imap_sync_fetch_body_async (self->current->sync, op_mail_message_get_id (message),
                                            self->body_cancellable, on_body_fetched, load);
      else
        op_mail_store_load_body_async (self->current->store, op_mail_message_get_id (message),
                                       self->body_cancellable, on_body_loaded, load);
    }
}

/* --- search ------------------------------------------------------------------------ */

static void
apply_filters (OpMailView *self)
{
  gboolean unread = gtk_toggle_button_get_active (self->filter_unread);
  gboolean flagged = gtk_toggle_button_get_active (self->filter_flagged);
  gboolean attachments = gtk_toggle_button_get_active (self->filter_attachments);
  g_autoptr (GPtrArray) shown = g_ptr_array_new ();

  if (self->found != NULL)
    for (guint i = 0; i < self->found->len; i++)
      {
        OpMailMessage *message = g_ptr_array_index (self->found, i);
        OpMailFlags flags = op_mail_message_get_flags (message);

        if (unread && (flags & OP_MAIL_FLAG_SEEN) != 0)
          continue;
        if (flagged && (flags & OP_MAIL_FLAG_FLAGGED) == 0)
          continue;
        if (attachments && !op_mail_message_get_has_attachments (message))
          continue;
        g_ptr_array_add (shown, message);
      }
  gtk_single_selection_set_selected (self->results_selection, GTK_INVALID_LIST_POSITION);
  g_list_store_splice (self->results, 0, g_list_model_get_n_items (G_LIST_MODEL (self->results)),
                       shown->pdata, shown->len);
  update_list_page (self);
}

static void
on_search_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  OpMailView *self = user_data;
  g_autoptr (GError) error = NULL;
  GPtrArray *found = op_mail_store_search_finish (OP_MAIL_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  g_clear_object (&self->search_cancellable);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  if (found == NULL)
    {
      adw_status_page_set_icon_name (self->list_status, "dialog-error-symbolic");
      adw_status_page_set_title (self->list_status, _("Search Failed"));
      adw_status_page_set_description (self->list_status, error->message);
      g_list_store_remove_all (self->results);
      gtk_stack_set_visible_child_name (self->list_stack, "status");
      g_object_unref (self);
      return;
    }
  self->found = found;
  apply_filters (self);
  g_object_unref (self);
}

static void
on_search_changed (OpMailView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  g_list_store_remove_all (self->results);
  if (text[0] == '\0' || self->current == NULL || self->current->store == NULL)
    {
      update_list_page (self);
      return;
    }
  self->search_cancellable = g_cancellable_new ();
  op_mail_store_search_async (self->current->store, text, self->folder_id, SEARCH_LIMIT,
                              self->search_cancellable, on_search_done, g_object_ref (self));
  update_list_page (self);
}

static void
on_stop_search (OpMailView *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

static void
on_filter_toggled (OpMailView *self)
{
  apply_filters (self);
}

static void
on_search_mode (OpMailView *self)
{
  if (!gtk_search_bar_get_search_mode (self->search_bar))
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  update_list_page (self);
}

static void
on_result_selected (OpMailView *self)
{
  OpMailMessage *message = gtk_single_selection_get_selected_item (self->results_selection);

  if (message == NULL || op_mail_message_get_conversation_id (message) == self->conversation_id)
    return;
  show_conversation (self, op_mail_message_get_conversation_id (message),
                     (op_mail_message_get_flags (message) & OP_MAIL_FLAG_SEEN) == 0);
}

/* --- rows -------------------------------------------------------------------------- */

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item)
{
  gtk_list_item_set_child (item, op_mail_conversation_row_new ());
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item)
{
  GObject *object = gtk_list_item_get_item (item);
  OpMailConversationRow *row = OP_MAIL_CONVERSATION_ROW (gtk_list_item_get_child (item));

  if (OP_IS_MAIL_CONVERSATION (object))
    op_mail_conversation_row_set_conversation (row, OP_MAIL_CONVERSATION (object));
  else if (OP_IS_MAIL_MESSAGE (object))
    op_mail_conversation_row_set_message (row, OP_MAIL_MESSAGE (object));
}

static GtkListItemFactory *
row_factory (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  return factory;
}

/* --- actions and keys -------------------------------------------------------------- */

static void
on_back_clicked (GtkButton  *button,
                 OpMailView *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* J and K (as in mutt and Geary) move through the list like Down and Up: the next row
 * after the selection (or before it) becomes the one selection. */
static void
move_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);
  gboolean results = g_strcmp0 (gtk_stack_get_visible_child_name (self->list_stack), "results") == 0;
  GtkSelectionModel *selection = results ? GTK_SELECTION_MODEL (self->results_selection)
                                         : GTK_SELECTION_MODEL (self->selection);
  GtkListView *list = results ? self->results_view : self->list_view;
  int step = g_str_equal (action_name, "mail.next") ? 1 : -1;
  g_autoptr (GtkBitset) set = NULL;
  guint n, position;

  if (selection == NULL)
    return;
  n = g_list_model_get_n_items (G_LIST_MODEL (selection));
  if (n == 0)
    return;
  set = gtk_selection_model_get_selection (selection);
  if (gtk_bitset_is_empty (set))
    position = step > 0 ? 0 : n - 1;
  else if (step < 0 && gtk_bitset_get_minimum (set) > 0)
    position = gtk_bitset_get_minimum (set) - 1;
  else if (step > 0 && gtk_bitset_get_maximum (set) + 1 < n)
    position = gtk_bitset_get_maximum (set) + 1;
  else
    return;

  gtk_widget_activate_action (GTK_WIDGET (list), "list.scroll-to-item", "u", position);
  gtk_widget_activate_action (GTK_WIDGET (list), "list.select-item", "(ubb)", position,
                              FALSE, FALSE);
}

/* --- organising: read, flag, Trash -------------------------------------------------- */

static void
on_pushed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (StoreOpen) open = user_data;
  g_autoptr (GError) error = NULL;
  Account *account;

  if (op_mail_imap_sync_finish (OP_MAIL_IMAP_SYNC (source), result, &error)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* The change waits in the store's queue; the next sync (a minute later) replays it. */
  account = open->view->accounts != NULL ? find_account (open->view, open->account_id) : NULL;
  if (account != NULL)
    sync_failed (account, error);
}

static void
on_change_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (OpMailView) self = user_data;
  g_autoptr (GError) error = NULL;

  if (op_mail_store_write_finish (OP_MAIL_STORE (source), result, &error))
    {
      /* Shown at once; the server learns of it now when the account is online. */
      for (guint i = 0; self->accounts != NULL && i < self->accounts->len; i++)
        {
          Account *account = g_ptr_array_index (self->accounts, i);
          StoreOpen *open;

          if (account->store != OP_MAIL_STORE (source) || account->sync == NULL)
            continue;
          open = g_new0 (StoreOpen, 1);
          open->view = g_object_ref (self);
          open->account_id = g_strdup (op_account_get_id (account->account));
          op_mail_imap_sync_push_async (account->sync, account->cancellable, on_pushed, open);
        }
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Translators: a toast when marking, flagging or moving mail failed; %s says why. */
      g_autofree char *text = g_strdup_printf (_("The change was not made: %s."), error->message);

      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
    }
}

static void
set_flags (OpMailView  *self,
           GArray      *ids,
           OpMailFlags  add,
           OpMailFlags  remove)
{
  if (ids->len == 0 || self->current == NULL || self->current->store == NULL)
    return;
  op_mail_store_set_flags_async (self->current->store, ids, add, remove, NULL, on_change_done,
                                 g_object_ref (self));
}

/* The messages of @conversations in the folder shown (a conversation's messages in other
 * folders, Sent for one, stay as they are). */
static GArray *
ids_in_folder (OpMailView *self,
               GPtrArray  *conversations,
               OpMailFlags without)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < conversations->len; i++)
    {
      g_autoptr (GPtrArray) messages =
        op_mail_store_list_conversation (self->current->store,
                                         op_mail_conversation_get_id (conversations->pdata[i]), NULL);

      for (guint j = 0; messages != NULL && j < messages->len; j++)
        {
          OpMailMessage *message = messages->pdata[j];
          gint64 id = op_mail_message_get_id (message);

          if (op_mail_message_get_folder_id (message) == self->folder_id
              && (op_mail_message_get_flags (message) & without) == 0)
            g_array_append_val (ids, id);
        }
    }
  return ids;
}

static GArray *
latest_ids (GPtrArray *conversations)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < conversations->len; i++)
    {
      gint64 id = op_mail_conversation_get_latest_message_id (conversations->pdata[i]);

      g_array_append_val (ids, id);
    }
  return ids;
}

static gboolean
on_dwell (gpointer data)
{
  OpMailView *self = data;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  self->dwell_source = 0;
  if (self->current == NULL || self->current->store == NULL)
    return G_SOURCE_REMOVE;
  messages = op_mail_store_list_conversation (self->current->store, self->conversation_id, NULL);
  for (guint i = 0; messages != NULL && i < messages->len; i++)
    {
      OpMailMessage *message = messages->pdata[i];
      gint64 id = op_mail_message_get_id (message);

      if ((op_mail_message_get_flags (message) & OP_MAIL_FLAG_SEEN) == 0)
        g_array_append_val (ids, id);
    }
  set_flags (self, ids, OP_MAIL_FLAG_SEEN, 0);
  return G_SOURCE_REMOVE;
}

static gboolean
any_conversation (GPtrArray *conversations,
                  gboolean (*test) (OpMailConversation *))
{
  for (guint i = 0; i < conversations->len; i++)
    if (test (conversations->pdata[i]))
      return TRUE;
  return FALSE;
}

static gboolean
has_unread (OpMailConversation *conversation)
{
  return op_mail_conversation_get_n_unread (conversation) > 0;
}

static gboolean
not_flagged (OpMailConversation *conversation)
{
  return !op_mail_conversation_get_flagged (conversation);
}

/* Any unread: all read; else the newest of each unread again. */
static void
toggle_read_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);
  g_autoptr (GPtrArray) conversations = selected_conversations (self);
  g_autoptr (GArray) ids = NULL;

  if (conversations->len == 0 || self->current == NULL)
    return;
  g_clear_handle_id (&self->dwell_source, g_source_remove);
  if (any_conversation (conversations, has_unread))
    {
      ids = ids_in_folder (self, conversations, OP_MAIL_FLAG_SEEN);
      set_flags (self, ids, OP_MAIL_FLAG_SEEN, 0);
    }
  else
    {
      ids = latest_ids (conversations);
      set_flags (self, ids, 0, OP_MAIL_FLAG_SEEN);
    }
}

/* Any unflagged: the newest of each flagged; else every flag of them removed. */
static void
toggle_flag_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);
  g_autoptr (GPtrArray) conversations = selected_conversations (self);
  g_autoptr (GArray) ids = NULL;

  if (conversations->len == 0 || self->current == NULL)
    return;
  if (any_conversation (conversations, not_flagged))
    {
      ids = latest_ids (conversations);
      set_flags (self, ids, OP_MAIL_FLAG_FLAGGED, 0);
    }
  else
    {
      ids = ids_in_folder (self, conversations, 0);
      set_flags (self, ids, 0, OP_MAIL_FLAG_FLAGGED);
    }
}

static OpMailFolder *
trash_folder (OpMailView *self)
{
  if (self->current == NULL || self->current->store == NULL)
    return NULL;
  return op_mail_store_lookup_special (self->current->store, OP_MAIL_SPECIAL_USE_TRASH);
}

static void
clear_undo (OpMailView *self)
{
  g_clear_object (&self->undo_store);
  g_clear_pointer (&self->undo_ids, g_array_unref);
  self->undo_folder_id = 0;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.undo-trash", FALSE);
}

static void
trash_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);
  g_autoptr (GPtrArray) conversations = selected_conversations (self);
  g_autoptr (OpMailFolder) trash = trash_folder (self);
  g_autoptr (GArray) ids = NULL;
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (conversations->len == 0 || trash == NULL || op_mail_folder_get_id (trash) == self->folder_id)
    return;
  ids = ids_in_folder (self, conversations, 0);
  if (ids->len == 0)
    return;
  clear_undo (self);
  self->undo_store = g_object_ref (self->current->store);
  self->undo_ids = g_array_ref (ids);
  self->undo_folder_id = self->folder_id;
  gtk_widget_action_set_enabled (widget, "mail.undo-trash", TRUE);
  op_mail_store_move_async (self->current->store, ids, op_mail_folder_get_id (trash), FALSE, NULL,
                            on_change_done, g_object_ref (self));
  clear_conversation (self);

  /* Translators: a toast after Delete; %u is how many conversations. */
  title = g_strdup_printf (ngettext ("%u conversation moved to Trash",
                                     "%u conversations moved to Trash", conversations->len),
                           conversations->len);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "mail.undo-trash");
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* A moved message keeps its store id, so Undo moves the same ids back. */
static void
undo_trash_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);

  if (self->undo_store == NULL)
    return;
  op_mail_store_move_async (self->undo_store, self->undo_ids, self->undo_folder_id, FALSE, NULL,
                            on_change_done, g_object_ref (self));
  clear_undo (self);
}

static void
update_actions (OpMailView *self)
{
  gboolean listing = self->selection != NULL
                     && g_strcmp0 (gtk_stack_get_visible_child_name (self->list_stack), "list") == 0;
  g_autoptr (GtkBitset) set = listing ? gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection))
                                      : NULL;
  gboolean any = set != NULL && !gtk_bitset_is_empty (set);
  g_autoptr (OpMailFolder) trash = any ? trash_folder (self) : NULL;

  gboolean conversation = op_mail_conversation_view_get_n_messages (self->conversation_view) > 0
                          && self->conversation_id != 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.compose",
                                 g_list_model_get_n_items (G_LIST_MODEL (self->identities)) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.reply", conversation);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.reply-all", conversation);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.forward", conversation);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.toggle-read", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.toggle-flag", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.trash",
                                 trash != NULL && op_mail_folder_get_id (trash) != self->folder_id);
}

static void
on_account_added (OpMailAccountSetup *setup,
                  OpAccount          *account,
                  const char         *password,
                  OpMailView         *self)
{
  op_mail_view_add_account (self, account, password);
}

static void
add_account_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  OpMailAccountSetup *setup = op_mail_account_setup_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                         self->verifier);

  g_signal_connect_object (setup, "account-added", G_CALLBACK (on_account_added), self, 0);
  gtk_window_present (GTK_WINDOW (setup));
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);

  if (self->current == NULL)
    return;
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->list_column);
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* Ctrl+F acts while the page is shown, wherever the focus is in the window. */
static gboolean
run_search_shortcut (GtkWidget *widget,
                     GVariant  *args,
                     gpointer   user_data)
{
  if (!gtk_widget_get_mapped (widget)
      || g_strcmp0 (gtk_stack_get_visible_child_name (OP_MAIL_VIEW (widget)->stack), "mail") != 0)
    return FALSE;
  return gtk_widget_activate_action (widget, "mail.search", NULL);
}

static void
add_shortcuts (OpMailView *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();
  static const guint next_keys[] = { GDK_KEY_j, GDK_KEY_J };
  static const guint previous_keys[] = { GDK_KEY_k, GDK_KEY_K };

  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller),
                                     GTK_SHORTCUT_SCOPE_MANAGED);
  gtk_shortcut_controller_add_shortcut (
      GTK_SHORTCUT_CONTROLLER (controller),
      gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_f, GDK_CONTROL_MASK),
                        gtk_callback_action_new (run_search_shortcut, NULL, NULL)));
  /* Writing: Ctrl+N compose, Ctrl+R reply, Ctrl+Shift+R reply all, Ctrl+L forward. */
  gtk_shortcut_controller_add_shortcut (
      GTK_SHORTCUT_CONTROLLER (controller),
      gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_n, GDK_CONTROL_MASK),
                        gtk_named_action_new ("mail.compose")));
  gtk_shortcut_controller_add_shortcut (
      GTK_SHORTCUT_CONTROLLER (controller),
      gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_r, GDK_CONTROL_MASK),
                        gtk_named_action_new ("mail.reply")));
  gtk_shortcut_controller_add_shortcut (
      GTK_SHORTCUT_CONTROLLER (controller),
      gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_R, GDK_CONTROL_MASK | GDK_SHIFT_MASK),
                        gtk_named_action_new ("mail.reply-all")));
  gtk_shortcut_controller_add_shortcut (
      GTK_SHORTCUT_CONTROLLER (controller),
      gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_l, GDK_CONTROL_MASK),
                        gtk_named_action_new ("mail.forward")));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  /* J/K, M, S and Delete only when the focus is in the page and not in a text field
   * (which takes the key first: this controller runs in the bubble phase). */
  controller = gtk_shortcut_controller_new ();
  for (guint i = 0; i < G_N_ELEMENTS (next_keys); i++)
    {
      gtk_shortcut_controller_add_shortcut (
          GTK_SHORTCUT_CONTROLLER (controller),
          gtk_shortcut_new (gtk_keyval_trigger_new (next_keys[i], 0),
                            gtk_named_action_new ("mail.next")));
      gtk_shortcut_controller_add_shortcut (
          GTK_SHORTCUT_CONTROLLER (controller),
          gtk_shortcut_new (gtk_keyval_trigger_new (previous_keys[i], 0),
                            gtk_named_action_new ("mail.previous")));
    }
  gtk_shortcut_controller_add_shortcut (
      GTK_SHORTCUT_CONTROLLER (controller),
      gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                        gtk_named_action_new ("mail.trash")));
  gtk_shortcut_controller_add_shortcut (
      GTK_SHORTCUT_CONTROLLER (controller),
      gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_KP_Delete, 0),
                        gtk_named_action_new ("mail.trash")));
  gtk_shortcut_controller_add_shortcut (
      GTK_SHORTCUT_CONTROLLER (controller),
      gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_m, 0),
                        gtk_named_action_new ("mail.toggle-read")));
  gtk_shortcut_controller_add_shortcut (
      GTK_SHORTCUT_CONTROLLER (controller),
      gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_s, 0),
                        gtk_named_action_new ("mail.toggle-flag")));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

/* --- the widget -------------------------------------------------------------------- */

static void
op_mail_view_map (GtkWidget *widget)
{
  OpMailView *self = OP_MAIL_VIEW (widget);

  GTK_WIDGET_CLASS (op_mail_view_parent_class)->map (widget);
  if (!self->started)
    start (self);
}

/* --- writing -------------------------------------------------------------------------- */

typedef struct
{
  OpMailView *view;
  char       *account_id;
} OutboxPassword;

static void
on_outbox_password (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  OutboxPassword *lookup = user_data;
  g_autoptr (GError) error = NULL;
  char *password = op_mail_account_lookup_password_finish (OP_SECRETS (source), result, &error);
  Account *account = lookup->view->accounts != NULL ? find_account (lookup->view, lookup->account_id) : NULL;

  g_debug ("outgoing password of %s: %s", lookup->account_id,
           password != NULL ? "saved" : error != NULL ? error->message : "none saved");
  if (account != NULL && account->outbox != NULL)
    {
      OpTlsVerifier *verifier = account->view->verifier != NULL
                                ? account->view->verifier
                                : (OpTlsVerifier *) application_trust_store ();

      /* No outgoing password saved: the set-up's of this session (the same login), or
       * none (a server that needs no login). */
      op_mail_outbox_set_account (account->outbox, account->account,
                                  password != NULL ? password : account->password, verifier);
      op_mail_outbox_set_auto_retry (account->outbox, TRUE);
      op_mail_store_submitter_set_can_send (account->view->submitter, lookup->account_id, TRUE);
    }
  g_clear_pointer (&password, op_secrets_password_free);
  g_object_unref (lookup->view);
  g_free (lookup->account_id);
  g_free (lookup);
}

/* The account's outbox and drafts, for its composers: its SMTP server once the password
 * is read. */
static void
open_outbox (Account *account)
{
  OutboxPassword *lookup;

  account->outbox = op_mail_outbox_new (account->store);
  /* Drafts are saved, and messages kept in the outbox, with no SMTP server set too. */
  op_mail_store_submitter_add_account (account->view->submitter, op_account_get_id (account->account),
                                       account->store, account->outbox);
  if (!op_mail_account_is_mail (account->account) || op_mail_account_get_smtp_host (account->account) == NULL
      || op_mail_account_get_smtp_host (account->account)[0] == '\0')
    return;
  /* Sent once the server is known; until then they wait, stored. */
  op_mail_store_submitter_set_can_send (account->view->submitter, op_account_get_id (account->account), FALSE);
  lookup = g_new0 (OutboxPassword, 1);
  lookup->view = g_object_ref (account->view);
  lookup->account_id = g_strdup (op_account_get_id (account->account));
  op_mail_account_lookup_password_async (account->account, OP_MAIL_SERVER_OUTGOING,
                                         op_secrets_get_default (), account->cancellable,
                                         on_outbox_password, lookup);
}

static void
on_composer_sent (OpMailComposer *composer,
                  OpMailView     *self)
{
  /* Translators: a toast once a message is in the outbox and being sent. */
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Sending…")));
}

/* A composer window over the accounts' identities and outboxes. (transfer none) */
static OpMailComposer *
open_composer (OpMailView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  OpMailComposerWindow *window = op_mail_composer_window_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                              G_LIST_MODEL (self->identities),
                                                              OP_MAIL_SUBMITTER (self->submitter));
  OpMailComposer *composer = op_mail_composer_window_get_composer (window);

  g_signal_connect_object (composer, "sent", G_CALLBACK (on_composer_sent), self, 0);
  gtk_window_present (GTK_WINDOW (window));
  return composer;
}

static void
compose_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);

  op_mail_composer_start_new (open_composer (self));
}

static void
forward (OpMailView        *self,
         OpMimeMessage     *original,
         OpMimeForwardMode  mode)
{
  OpMailComposer *composer = open_composer (self);
  g_autoptr (GError) error = NULL;

  if (!op_mail_composer_start_forward (composer, original, mode, &error))
    {
      gtk_window_destroy (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (composer))));
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
    }
}

/* A message's menu: that message, whole, as a message/rfc822 attachment. */
static void
on_forward_as_attachment (OpMailView    *self,
                          OpMimeMessage *message)
{
  forward (self, message, OP_MIME_FORWARD_ATTACHMENT);
}

/* Reply, reply all and forward act on the newest message of the conversation shown. */
static void
reply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  OpMailView *self = OP_MAIL_VIEW (widget);
  guint n = op_mail_conversation_view_get_n_messages (self->conversation_view);
  OpMimeMessage *original;
  OpMailComposer *composer;

  if (n == 0)
    return;
  original = op_mail_message_view_get_message (op_mail_conversation_view_get_message_view (self->conversation_view,
                                                                                          n - 1));
  if (original == NULL)
    return;
  if (g_str_equal (action_name, "mail.forward"))
    {
      forward (self, original, OP_MIME_FORWARD_INLINE);
      return;
    }
  composer = open_composer (self);
  op_mail_composer_start_reply (composer, original,
                                g_str_equal (action_name, "mail.reply-all") ? OP_MIME_REPLY_ALL
                                                                             : OP_MIME_REPLY_SENDER);
}

/* A send ended: a toast when all went, else a dialog with each refused recipient and the
 * server's words, the failed messages and those that may have been sent (which can be
 * sent again, on purpose). */
typedef struct
{
  OpMailView   *view;
  OpMailOutbox *outbox;
  char         *account_id;
  GArray       *resend;   /* gint64: FAILED and MAY_HAVE_BEEN_SENT items */
  GArray       *read;     /* gint64: SENT items whose refusals were shown */
} SendReport;

static void
send_report_free (SendReport *report)
{
  g_object_unref (report->view);
  g_object_unref (report->outbox);
  g_free (report->account_id);
  g_array_unref (report->resend);
  g_array_unref (report->read);
  g_free (report);
}

static void
on_resent (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  SendReport *report = user_data;
  g_autoptr (GError) error = NULL;

  if (!op_mail_store_write_finish (OP_MAIL_STORE (source), result, &error))
    g_warning ("A message could not be queued again: %s", error->message);
  else if (report->view->submitter != NULL)
    op_mail_store_submitter_send (report->view->submitter, report->account_id);
  send_report_free (report);
}

static void
on_send_dialog_response (AdwMessageDialog *dialog,
                         const char       *response,
                         SendReport       *report)
{
  OpMailStore *store = NULL;
  Account *account = find_account (report->view, report->account_id);

  if (account != NULL)
    store = account->store;
  if (report->view->send_dialog == GTK_WIDGET (dialog))
    report->view->send_dialog = NULL;
  for (guint i = 0; store != NULL && i < report->read->len; i++)
    op_mail_outbox_remove_async (report->outbox, g_array_index (report->read, gint64, i), NULL, NULL, NULL);
  if (store != NULL && g_str_equal (response, "resend") && report->resend->len > 0)
    {
      for (guint i = 0; i + 1 < report->resend->len; i++)
        op_mail_outbox_resend_async (report->outbox, g_array_index (report->resend, gint64, i), NULL, NULL, NULL);
      /* The last one's end sends them all. */
      op_mail_outbox_resend_async (report->outbox,
                                   g_array_index (report->resend, gint64, report->resend->len - 1),
                                   NULL, on_resent, report);
      return;
    }
  send_report_free (report);
}

static void
on_send_finished (OpMailStoreSubmitter *submitter,
                  const char           *account_id,
                  const char           *error_message,
                  OpMailView           *self)
{
  OpMailOutbox *outbox = op_mail_store_submitter_get_outbox (submitter, account_id);
  g_autoptr (GPtrArray) items = outbox != NULL ? op_mail_outbox_list (outbox, NULL) : NULL;
  g_autoptr (GString) body = g_string_new (NULL);
  SendReport *report;
  GtkRoot *root;
  GtkWidget *dialog;

  g_debug ("send of %s finished: %s", account_id, error_message != NULL ? error_message : "ok");
  if (items == NULL)
    return;
  report = g_new0 (SendReport, 1);
  report->view = g_object_ref (self);
  report->outbox = g_object_ref (outbox);
  report->account_id = g_strdup (account_id);
  report->resend = g_array_new (FALSE, FALSE, sizeof (gint64));
  report->read = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < items->len; i++)
    {
      OpMailOutboxItem *item = g_ptr_array_index (items, i);
      const char *subject = item->subject != NULL && item->subject[0] != '\0' ? item->subject : _("(no subject)");

      if (item->state == OP_MAIL_OUTBOX_SENT && item->refusals->len > 0)
        {
          /* Translators: in the report of a send; %s is the message's subject. */
          g_string_append_printf (body, _("“%s” was sent, but not to:"), subject);
          g_string_append_c (body, '\n');
          for (guint r = 0; r < item->refusals->len; r++)
            {
              OpMailRefusal *refusal = g_ptr_array_index (item->refusals, r);

              /* Translators: a refused recipient; %s the address, %u the server's reply
               * code, the last %s the server's words. */
              g_string_append_printf (body, _("• %s: %u %s"), refusal->recipient, refusal->code, refusal->reason);
              g_string_append_c (body, '\n');
            }
          g_array_append_val (report->read, item->id);
        }
      else if (item->state == OP_MAIL_OUTBOX_FAILED)
        {
          /* Translators: %s is the subject, the second %s the server's words. */
          g_string_append_printf (body, _("“%s” was not sent: %s"), subject, item->last_error);
          g_string_append_c (body, '\n');
          g_array_append_val (report->resend, item->id);
        }
      else if (item->state == OP_MAIL_OUTBOX_MAY_HAVE_BEEN_SENT)
        {
          /* Translators: %s is the subject. */
          g_string_append_printf (body, _("“%s” may have been sent: the connection ended before the server confirmed it. Send it again only if its recipients did not get it."),
                                  subject);
          g_string_append_c (body, '\n');
          g_array_append_val (report->resend, item->id);
        }
    }
  if (body->len == 0)
    {
      send_report_free (report);
      if (error_message != NULL)
        {
          /* Translators: a toast when a send stopped; %s says why. The message stays
           * in the outbox and is tried again. */
          g_autofree char *text = g_strdup_printf (_("Not sent yet, tried again later: %s"), error_message);

          adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
        }
      else
        /* Translators: a toast once the outbox's messages were sent. */
        adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Message sent")));
      return;
    }
  if (self->send_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->send_dialog));
  root = gtk_widget_get_root (GTK_WIDGET (self));
  /* Translators: the title of the report of a send that did not fully succeed. */
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _("Not Everything Was Sent"),
                                   body->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (dialog), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Mail: Send report"), -1);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  if (report->resend->len > 0)
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "resend", _("_Send Again"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "resend",
                                                  ADW_RESPONSE_SUGGESTED);
    }
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  g_signal_connect (dialog, "response", G_CALLBACK (on_send_dialog_response), report);
  self->send_dialog = dialog;
  gtk_window_present (GTK_WINDOW (dialog));
}

/* mailto:to?subject=…&body=…&cc=…&bcc=… (RFC 6068) opens a composer so filled. */
static gboolean
open_mailto (GtkWidget   *widget,
             const char  *uri,
             GError     **error)
{
  OpMailView *self = OP_MAIL_VIEW (widget);
  g_autoptr (OpMailMailto) mailto = op_mail_mailto_parse (uri, error);
  OpMailComposer *composer;

  if (mailto == NULL)
    return FALSE;
  composer = open_composer (self);
  op_mail_composer_start_new (composer);
  op_mail_mailto_fill (mailto, composer);
  return TRUE;
}

/* A mailto: link in a message opens a composer here; other links go to the desktop. */
static gboolean
on_message_link (OpMailView *self,
                 const char *uri)
{
  g_autoptr (GError) error = NULL;

  if (g_ascii_strncasecmp (uri, "mailto:", 7) != 0)
    return FALSE;
  if (!open_mailto (GTK_WIDGET (self), uri, &error))
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
  return TRUE;
}

static void
op_mail_view_dispose (GObject *object)
{
  OpMailView *self = OP_MAIL_VIEW (object);

  g_cancellable_cancel (self->body_cancellable);
  g_clear_object (&self->body_cancellable);
  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  if (self->results_view != NULL)
    gtk_list_view_set_model (self->results_view, NULL);
  if (self->conversations != NULL)
    g_signal_handlers_disconnect_by_data (self->conversations, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->results_selection != NULL)
    g_signal_handlers_disconnect_by_data (self->results_selection, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->conversations);
  g_clear_object (&self->results_selection);
  g_clear_object (&self->results);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  g_clear_object (&self->verifier);
  g_clear_handle_id (&self->dwell_source, g_source_remove);
  g_clear_object (&self->undo_store);
  g_clear_pointer (&self->undo_ids, g_array_unref);
  g_clear_pointer (&self->selected_ids, g_hash_table_unref);
  if (self->accounts != NULL)
    for (guint i = 0; i < self->accounts->len; i++)
      {
        Account *account = g_ptr_array_index (self->accounts, i);

        if (account->folders != NULL)
          g_signal_handlers_disconnect_by_data (account->folders, account);
        if (account->list_box != NULL)
          g_signal_handlers_disconnect_by_data (account->list_box, account);
      }
  gtk_widget_dispose_template (GTK_WIDGET (self), OP_TYPE_MAIL_VIEW);
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  self->current = NULL;
  if (self->submitter != NULL)
    g_signal_handlers_disconnect_by_data (self->submitter, self);
  g_clear_object (&self->submitter);
  g_clear_object (&self->identities);
  if (self->send_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->send_dialog));
  G_OBJECT_CLASS (op_mail_view_parent_class)->dispose (object);
}

static void
op_mail_view_class_init (OpMailViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_mail_view_dispose;
  widget_class->map = op_mail_view_map;

  g_type_ensure (OP_TYPE_MAIL_CONVERSATION_VIEW);
  _op_mail_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "mail/op-mail-view.ui");
  gtk_widget_class_bind_template_child (widget_class, OpMailView, stack);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, none_page);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, leaflet);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, sidebar_box);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, list_column);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, folder_title);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, filter_unread);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, filter_flagged);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, filter_attachments);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, list_view);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, results_view);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, list_status);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, conversation_column);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, missing_revealer);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, missing_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, conversation_stack);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, conversation_view);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_toggled);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  gtk_widget_class_install_action (widget_class, "mail.next", NULL, move_action);
  gtk_widget_class_install_action (widget_class, "mail.previous", NULL, move_action);
  gtk_widget_class_install_action (widget_class, "mail.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "mail.add-account", NULL, add_account_action);
  gtk_widget_class_install_action (widget_class, "mail.toggle-read", NULL, toggle_read_action);
  gtk_widget_class_install_action (widget_class, "mail.toggle-flag", NULL, toggle_flag_action);
  gtk_widget_class_install_action (widget_class, "mail.trash", NULL, trash_action);
  gtk_widget_class_install_action (widget_class, "mail.undo-trash", NULL, undo_trash_action);
  gtk_widget_class_install_action (widget_class, "mail.compose", NULL, compose_action);
  gtk_widget_class_install_action (widget_class, "mail.reply", NULL, reply_action);
  gtk_widget_class_install_action (widget_class, "mail.reply-all", NULL, reply_action);
  gtk_widget_class_install_action (widget_class, "mail.forward", NULL, reply_action);
}

static void
op_mail_view_init (OpMailView *self)
{
  g_autoptr (GtkListItemFactory) factory = row_factory ();
  g_autoptr (GtkListItemFactory) results_factory = row_factory ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->identities = g_list_store_new (OP_TYPE_MAIL_IDENTITY_ITEM);
  self->submitter = op_mail_store_submitter_new ();
  g_signal_connect (self->submitter, "send-finished", G_CALLBACK (on_send_finished), self);
  op_mail_conversation_view_set_identities (self->conversation_view, G_LIST_MODEL (self->identities));
  g_signal_connect_swapped (self->conversation_view, "open-uri", G_CALLBACK (on_message_link), self);
  g_signal_connect_swapped (self->conversation_view, "forward-as-attachment",
                            G_CALLBACK (on_forward_as_attachment), self);
  self->accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) account_free);
  self->selected_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  gtk_list_view_set_factory (self->list_view, factory);
  g_signal_connect_swapped (self->list_view, "activate", G_CALLBACK (on_list_activate), self);

  self->results = g_list_store_new (OP_TYPE_MAIL_MESSAGE);
  self->results_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->results)));
  gtk_single_selection_set_autoselect (self->results_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->results_selection, TRUE);
  g_signal_connect_swapped (self->results_selection, "notify::selected-item",
                            G_CALLBACK (on_result_selected), self);
  gtk_list_view_set_factory (self->results_view, results_factory);
  gtk_list_view_set_model (self->results_view, GTK_SELECTION_MODEL (self->results_selection));
  g_signal_connect_swapped (self->results_view, "activate", G_CALLBACK (on_list_activate), self);

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  g_signal_connect_swapped (self->search_bar, "notify::search-mode-enabled",
                            G_CALLBACK (on_search_mode), self);
  add_shortcuts (self);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.undo-trash", FALSE);
  update_actions (self);
}

GtkWidget *
op_mail_view_new (void)
{
  return g_object_new (OP_TYPE_MAIL_VIEW, NULL);
}

/**
 * op_mail_view_register:
 *
 * Adds Mail to the window's views (op-view-registry.h): after Files, built when first
 * shown (its stores open then, never before the window's first frame).
 */
void
op_mail_view_register (void)
{
  static const char * const schemes[] = { "mailto", NULL };

  static const OpViewInfo info = {
    .name = "mail",
    .title = N_("Mail"),
    .icon_name = "mail-unread-symbolic",
    .create = op_mail_view_new,
    .lazy = TRUE,
    .schemes = schemes,
    .open_uri = open_mailto,
  };

  op_view_registry_add (&info);
}

/**
 * op_mail_view_add_account:
 * @self: the page
 * @account: a mail account, already saved in the accounts file
 * @password: (nullable): its incoming password for this session (the set-up passes
 *   it, so a profile without a keyring still syncs); NULL: from the keyring
 *
 * Shows @account in the sidebar, opens its store and starts its sync.
 */
void
op_mail_view_add_account (OpMailView *self,
                          OpAccount  *account,
                          const char *password)
{
  Account *added;

  g_return_if_fail (OP_IS_MAIL_VIEW (self));
  g_return_if_fail (OP_IS_ACCOUNT (account));

  if (!self->started)
    start (self);
  added = find_account (self, op_account_get_id (account));
  if (added == NULL)
    added = add_account (self, account);
  if (added->password == NULL)
    added->password = g_strdup (password);
  /* Read from the file before the password was known: its sync starts now. */
  if (added->store != NULL && added->sync == NULL && added->pop3 == NULL)
    start_sync (added);
  gtk_stack_set_visible_child_name (self->stack, "mail");
}

void
op_mail_view_set_verifier (OpMailView    *self,
                           OpTlsVerifier *verifier)
{
  g_return_if_fail (OP_IS_MAIL_VIEW (self));
  g_set_object (&self->verifier, verifier);
}

OpMailStore *
op_mail_view_get_store (OpMailView *self,
                        const char *account_id)
{
  Account *account;

  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), NULL);
  g_return_val_if_fail (account_id != NULL, NULL);

  account = find_account (self, account_id);
  return account != NULL ? account->store : NULL;
}

gint64
op_mail_view_get_folder_id (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), 0);
  return self->folder_id;
}

gint64
op_mail_view_get_conversation_id (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), 0);
  return self->conversation_id;
}

guint
op_mail_view_get_n_pending_bodies (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), 0);
  return self->pending_bodies;
}

gboolean
op_mail_view_select_folder (OpMailView *self,
                            const char *account_id,
                            gint64      folder_id)
{
  Account *account;
  g_autoptr (OpMailFolder) folder = NULL;

  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), FALSE);
  g_return_val_if_fail (account_id != NULL, FALSE);

  account = find_account (self, account_id);
  if (account == NULL || account->store == NULL)
    return FALSE;
  folder = op_mail_store_get_folder (account->store, folder_id);
  if (folder == NULL || !op_mail_folder_get_selectable (folder))
    return FALSE;
  show_folder (self, account, folder);
  return TRUE;
}

GtkListView *
op_mail_view_get_list_view (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), NULL);
  return self->list_view;
}

GtkListView *
op_mail_view_get_results_view (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), NULL);
  return self->results_view;
}

OpMailConversationView *
op_mail_view_get_conversation_view (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), NULL);
  return self->conversation_view;
}

GtkWidget *
op_mail_view_get_sidebar (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), NULL);
  return GTK_WIDGET (self->sidebar_box);
}

const char *
op_mail_view_get_page (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
op_mail_view_get_list_page (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), NULL);
  return gtk_stack_get_visible_child_name (self->list_stack);
}
