/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>

#include "op-accounts.h"
#include "op-mail-account-setup.h"
#include "op-mail-preferences-page.h"
#include "op-mail-resources.h"
#include "op-mail-view-private.h"
#include "op-view-registry.h"

G_DEFINE_FINAL_TYPE (OpMailView, op_mail_view, GTK_TYPE_WIDGET)

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
      _op_mail_view_add_account (self, account);
      n_mail++;
    }
  gtk_stack_set_visible_child_name (self->stack, n_mail > 0 ? "mail" : "empty");
}

/* --- actions and keys -------------------------------------------------------------- */

static void
on_back_clicked (GtkButton  *button,
                 OpMailView *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
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
  g_clear_pointer (&self->undo, g_ptr_array_unref);
  g_clear_object (&self->move_menu);
  g_clear_pointer (&self->notified_title, g_free);
  g_clear_pointer (&self->notified_body, g_free);
  g_clear_pointer (&self->banner_account_id, g_free);
  g_clear_pointer (&self->selected_ids, g_hash_table_unref);
  g_clear_pointer (&self->shown_messages, g_hash_table_unref);
  if (self->accounts != NULL)
    for (guint i = 0; i < self->accounts->len; i++)
      {
        Account *account = g_ptr_array_index (self->accounts, i);

        if (account->folders != NULL)
          g_signal_handlers_disconnect_by_data (account->folders, account);
        if (account->list_box != NULL)
          g_signal_handlers_disconnect_by_data (account->list_box, account);
      }
  _op_mail_view_leave_unified (self);
  if (self->unified_box != NULL)
    g_signal_handlers_disconnect_by_data (self->unified_box, self);
  self->unified_box = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), OP_TYPE_MAIL_VIEW);
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  self->current = NULL;
  self->shown = NULL;
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
  gtk_widget_class_bind_template_child (widget_class, OpMailView, move_button);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, search_button);
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
  gtk_widget_class_bind_template_child (widget_class, OpMailView, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, banner_label);
  gtk_widget_class_bind_template_child (widget_class, OpMailView, banner_button);
  gtk_widget_class_bind_template_callback (widget_class, _op_mail_view_banner_action);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  gtk_widget_class_install_action (widget_class, "mail.add-account", NULL, add_account_action);
  _op_mail_view_list_class_init (widget_class);
  _op_mail_view_actions_class_init (widget_class);
  _op_mail_view_writing_class_init (widget_class);
}

static void
op_mail_view_init (OpMailView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) _op_mail_view_account_free);
  _op_mail_view_writing_init (self);
  _op_mail_view_list_init (self);
  _op_mail_view_actions_init (self);
  _op_mail_view_notify_init (self);
  add_shortcuts (self);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mail.undo-move", FALSE);
  _op_mail_view_update_actions (self);
}

GtkWidget *
op_mail_view_new (void)
{
  return g_object_new (OP_TYPE_MAIL_VIEW, NULL);
}

/* The Mail page of the Preferences window: its accounts (OpViewInfo.create_preferences). */
static GtkWidget *
create_preferences (GtkWidget *view,
                    GSettings *settings)
{
  return op_mail_preferences_page_new (OP_IS_MAIL_VIEW (view) ? OP_MAIL_VIEW (view) : NULL);
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
    .open_uri = _op_mail_view_open_mailto,
    .create_preferences = create_preferences,
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
  added = _op_mail_view_find_account (self, op_account_get_id (account));
  if (added == NULL)
    added = _op_mail_view_add_account (self, account);
  if (added->password == NULL)
    added->password = g_strdup (password);
  /* Read from the file before the password was known: its sync starts now. */
  if (added->store != NULL && added->sync == NULL && added->pop3 == NULL)
    _op_mail_view_start_sync (added);
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

  account = _op_mail_view_find_account (self, account_id);
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

  account = _op_mail_view_find_account (self, account_id);
  if (account == NULL || account->store == NULL)
    return FALSE;
  folder = op_mail_store_get_folder (account->store, folder_id);
  if (folder == NULL || !op_mail_folder_get_selectable (folder))
    return FALSE;
  _op_mail_view_show_folder (self, account, folder);
  return TRUE;
}

/* Shows every account's Inbox in one list (FALSE when fewer than two accounts have an
 * Inbox: then the sidebar offers none). */
gboolean
op_mail_view_select_unified_inbox (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), FALSE);

  if (self->unified_box == NULL || !gtk_widget_get_visible (GTK_WIDGET (self->unified_box)))
    return FALSE;
  _op_mail_view_show_unified (self);
  return TRUE;
}

gboolean
op_mail_view_get_unified (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), FALSE);
  return self->unified;
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

const char *
op_mail_view_get_banner (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), NULL);
  if (!gtk_revealer_get_reveal_child (self->banner_revealer))
    return NULL;
  return gtk_label_get_text (self->banner_label);
}

GtkButton *
op_mail_view_get_banner_button (OpMailView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_VIEW (self), NULL);
  return self->banner_button;
}
