/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

/* The Files view's connect bar: connecting, the session's state and TLS details, the
 * protocol log, recent connections, the site manager and ftp:// addresses. */

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>

#include "op-application.h"
#include "op-certificate-info.h"
#include "op-files-view-private.h"
#include "op-accounts.h"
#include "op-ftp-recents.h"
#include "op-secrets.h"
#include "op-site-manager.h"
#include "op-ftp-site.h"
#include "op-transfer-queue.h"
#include "op-trust-store.h"

enum
{
  PROTOCOL_EXPLICIT_TLS,
  PROTOCOL_IMPLICIT_TLS,
  PROTOCOL_PLAIN,
};


void
_op_files_view_show_error (OpFilesView *self,
                           const char  *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
}

static void
on_error_dismissed (OpFilesView *self)
{
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
}

static OpTrustStore *
application_trust_store (void)
{
  GApplication *application = g_application_get_default ();

  if (!OP_IS_APPLICATION (application))
    return NULL;
  return op_application_get_trust_store (OP_APPLICATION (application));
}

/* --- connection state --------------------------------------------------------------- */

static void
update_tls_details (OpFilesView *self)
{
  GTlsCertificate *certificate = NULL;
  g_autoptr (OpCertificateInfo) info = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *from = NULL;
  g_autofree char *until = NULL;
  OpApplication *application;
  OpTrustStore *store = NULL;

  OpAccount *site = op_ftp_browser_get_site (self->browser);

  certificate = op_ftp_browser_get_peer_certificate (self->browser);

  gtk_widget_set_visible (GTK_WIDGET (self->tls_button), certificate != NULL);
  if (certificate == NULL)
    return;

  info = op_certificate_info_new (op_account_get_host (site),
                                  op_ftp_site_get_effective_port (site),
                                  certificate, 0, FALSE);
  if (op_certificate_info_get_not_before (info) != NULL)
    from = g_date_time_format (op_certificate_info_get_not_before (info), "%x");
  if (op_certificate_info_get_not_after (info) != NULL)
    until = g_date_time_format (op_certificate_info_get_not_after (info), "%x");

  g_string_append_printf (text, _("The connection is encrypted (TLS).\n\n"
                                  "Subject: %s\nIssuer: %s\nValid from %s until %s\n"
                                  "SHA-256: %s"),
                          op_certificate_info_get_subject (info),
                          op_certificate_info_get_issuer (info),
                          from != NULL ? from : "?", until != NULL ? until : "?",
                          op_certificate_info_get_sha256 (info));

  application = OP_IS_APPLICATION (g_application_get_default ())
                ? OP_APPLICATION (g_application_get_default ()) : NULL;
  if (application != NULL)
    store = op_application_get_trust_store (application);
  if (store != NULL
      && op_trust_store_is_pinned (store, op_account_get_host (site),
                                   op_ftp_site_get_effective_port (site), certificate))
    g_string_append_printf (text, "\n\n%s",
                            _("You chose to always trust this certificate for this server."));

  gtk_label_set_text (self->tls_label, text->str);
}

void
_op_files_view_update_state (OpFilesView *self)
{
  OpFtpState state = op_ftp_browser_get_state (self->browser);
  const char *icon = "network-offline-symbolic";
  const char *text = _("Not connected");

  switch (state)
    {
    case OP_FTP_STATE_CONNECTING:
      icon = "network-transmit-receive-symbolic";
      text = _("Connecting…");
      break;
    case OP_FTP_STATE_READY:
      icon = "network-idle-symbolic";
      text = _("Connected");
      break;
    case OP_FTP_STATE_BUSY:
      icon = "network-transmit-receive-symbolic";
      text = _("Busy");
      break;
    case OP_FTP_STATE_DISCONNECTED:
    default:
      /* The engine reconnects on the next action after a dropped connection. */
      if (op_ftp_browser_get_connected (self->browser))
        text = _("Disconnected, reconnects on the next action");
      break;
    }

  gtk_image_set_from_icon_name (self->state_icon, icon);
  gtk_label_set_text (self->state_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  gtk_widget_set_visible (GTK_WIDGET (self->connect_button), !op_ftp_browser_get_connected (self->browser) && !op_ftp_browser_get_connecting (self->browser));
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_connect_button), op_ftp_browser_get_connecting (self->browser));
  gtk_widget_set_visible (GTK_WIDGET (self->disconnect_button), op_ftp_browser_get_connected (self->browser));
  update_tls_details (self);
  _op_files_view_update_actions (self);
  _op_files_view_update_bookmarks (self);
}

/* --- the protocol log --------------------------------------------------------------- */

static const char *
direction_prefix (OpLogDirection direction)
{
  switch (direction)
    {
    case OP_LOG_SENT:
      return "→";
    case OP_LOG_RECEIVED:
      return "←";
    case OP_LOG_TLS:
      return "TLS";
    case OP_LOG_INFO:
    default:
      return "·";
    }
}

static char *
format_log_entry (OpLogEntry *entry)
{
  g_autoptr (GDateTime) time = op_log_entry_dup_date_time (entry);
  g_autofree char *clock = time != NULL ? g_date_time_format (time, "%H:%M:%S") : g_strdup ("");

  return g_strdup_printf ("%s %s %s", clock, direction_prefix (op_log_entry_get_direction (entry)),
                          op_log_entry_get_text (entry));
}

/* The row the list view wraps around the label is what takes the focus: name it after
 * the line (GTK 4.8 has no GtkListItem:accessible-label), or a screen reader on the log
 * hears rows without a name. The line's number goes first: a log repeats itself (FEAT is
 * asked again after TLS, in the same second), and a screen reader user must be able to
 * tell two lines apart. The number follows the row when older lines leave the log. */
static void
name_log_row (GtkListItem *item)
{
  GtkWidget *label = gtk_list_item_get_child (item);
  g_autofree char *text = NULL;

  if (label == NULL || gtk_widget_get_parent (label) == NULL || gtk_list_item_get_item (item) == NULL)
    return;
  /* Translators: a protocol log line read out by a screen reader: its number in the log,
   * then the line (time, direction arrow, text). */
  text = g_strdup_printf (_("Log line %u: %s"), gtk_list_item_get_position (item) + 1,
                          gtk_label_get_text (GTK_LABEL (label)));
  gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (label)),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
setup_log_row (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  g_signal_connect (item, "notify::position", G_CALLBACK (name_log_row), NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (label, "monospace");
  gtk_list_item_set_child (item, label);
}

static void
bind_log_row (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  OpLogEntry *entry = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  g_autofree char *text = format_log_entry (entry);

  gtk_label_set_text (GTK_LABEL (label), text);
  name_log_row (item);
  if (op_log_entry_get_direction (entry) == OP_LOG_RECEIVED)
    gtk_widget_add_css_class (label, "dim-label");
  else
    gtk_widget_remove_css_class (label, "dim-label");
}

static gboolean
scroll_log_to_end (gpointer user_data)
{
  OpFilesView *self = user_data;
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->log_scrolled);

  self->log_scroll_idle = 0;
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  return G_SOURCE_REMOVE;
}

static void
on_log_changed (OpFilesView *self)
{
  if (self->log_scroll_idle == 0)
    self->log_scroll_idle = g_timeout_add (50, scroll_log_to_end, self);
}

/* A new session brings a new log. */
static void
on_log_replaced (OpFilesView *self)
{
  GListModel *log = op_ftp_browser_get_log (self->browser);
  g_autoptr (GtkNoSelection) selection = NULL;

  if (self->log != NULL)
    g_signal_handlers_disconnect_by_func (self->log, on_log_changed, self);
  g_set_object (&self->log, log);
  if (log == NULL)
    return;
  selection = gtk_no_selection_new (g_object_ref (log));
  gtk_list_view_set_model (self->log_view, GTK_SELECTION_MODEL (selection));
  g_signal_connect_object (log, "items-changed", G_CALLBACK (on_log_changed), self,
                           G_CONNECT_SWAPPED);
}

static void
copy_log_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GString) text = g_string_new (NULL);

  if (self->log == NULL)
    return;

  entries = op_protocol_log_dup_entries (OP_PROTOCOL_LOG (self->log));
  for (guint i = 0; i < entries->len; i++)
    {
      g_autofree char *line = format_log_entry (g_ptr_array_index (entries, i));
      g_string_append_printf (text, "%s\n", line);
    }
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text->str);
  _op_files_view_toast (self, _("Log copied"));
}

/* --- connecting --------------------------------------------------------------------- */

static void
on_state_changed (OpFilesView *self)
{
  _op_files_view_update_state (self);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (OpFilesView) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!op_ftp_browser_connect_finish (OP_FTP_BROWSER (source), result, &error))
    {
      _op_files_view_update_state (self);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message = g_strdup_printf (_("Could not connect: %s"), error->message);
          _op_files_view_show_error (self, message);
        }
      return;
    }

  if (self->site != NULL && !g_object_get_data (G_OBJECT (self->site), "op-queue-knows"))
    {
      op_transfer_queue_set_password (self->queue, self->site,
                                      g_object_get_data (G_OBJECT (self->site), "op-password"));
      g_object_set_data (G_OBJECT (self->site), "op-password", NULL);
      g_object_set_data (G_OBJECT (self->site), "op-queue-knows", GINT_TO_POINTER (1));
    }
  if (self->site != NULL)
    {
      g_autoptr (GError) recents_error = NULL;

      if (!op_ftp_recents_add_site (self->recents, self->site, &recents_error))
        g_warning ("The connection could not be added to the recent ones: %s",
                   recents_error->message);
    }
  _op_files_view_update_state (self);
  self->active_pane = self->remote_pane;
  /* The Connect button just went away with the focus: the remote list takes it. */
  op_file_pane_focus_list (self->remote_pane);
  /* An ftp:// address may name the folder to start in. */
  {
    g_autofree char *path = g_object_steal_data (G_OBJECT (self), "op-initial-path");
    _op_files_view_load_remote (self, path);
  }
}

static OpSecurity
selected_security (OpFilesView *self)
{
  switch (gtk_drop_down_get_selected (self->protocol_dropdown))
    {
    case PROTOCOL_IMPLICIT_TLS:
      return OP_SECURITY_IMPLICIT_TLS;
    case PROTOCOL_PLAIN:
      return OP_SECURITY_NONE;
    case PROTOCOL_EXPLICIT_TLS:
    default:
      return OP_SECURITY_STARTTLS;
    }
}

static void
on_protocol_changed (OpFilesView *self)
{
  gtk_entry_set_placeholder_text (self->port_entry,
                                  selected_security (self) == OP_SECURITY_IMPLICIT_TLS
                                  ? "990" : "21");
}

static void
disconnect_session (OpFilesView *self)
{
  g_cancellable_cancel (self->connect_cancellable);
  g_clear_object (&self->connect_cancellable);
  g_cancellable_cancel (self->remote_cancellable);
  g_clear_object (&self->remote_cancellable);
  op_ftp_browser_disconnect (self->browser);
}

static void start_connect (OpFilesView *self, gboolean allow_plaintext);

static void
on_plaintext_accepted (AdwMessageDialog *dialog,
                       const char       *response,
                       OpFilesView      *self)
{
  start_connect (self, TRUE);
}

static void
start_connect (OpFilesView *self,
               gboolean     allow_plaintext)
{
  g_autofree char *host = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->host_entry))));
  const char *port_text = gtk_editable_get_text (GTK_EDITABLE (self->port_entry));
  const char *user = gtk_editable_get_text (GTK_EDITABLE (self->user_entry));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_entry));
  OpSecurity security = selected_security (self);
  guint64 port = security == OP_SECURITY_IMPLICIT_TLS ? 990 : 21;
  gboolean anonymous = user[0] == '\0' || g_ascii_strcasecmp (user, "anonymous") == 0;

  on_error_dismissed (self);

  if (host[0] == '\0')
    {
      _op_files_view_show_error (self, _("Type the name or address of the server to connect to."));
      gtk_widget_grab_focus (GTK_WIDGET (self->host_entry));
      return;
    }
  if (port_text[0] != '\0'
      && (!g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &port, NULL)))
    {
      _op_files_view_show_error (self, _("The port must be a number from 1 to 65535."));
      gtk_widget_grab_focus (GTK_WIDGET (self->port_entry));
      return;
    }

  if (security == OP_SECURITY_NONE && !anonymous && !allow_plaintext)
    {
      /* DESIGN.md: no password over plaintext without an explicit opt-in. */
      AdwMessageDialog *dialog;

      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (
          _op_files_view_parent_window (self), _("Send the Password Unencrypted?"),
          _("Plain FTP sends your password and files as readable text: anyone on the "
            "network path can see them. Choose FTP with TLS if the server offers it.")));
      adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"),
                                        "send", _("_Send Unencrypted"), NULL);
      adw_message_dialog_set_response_appearance (dialog, "send", ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_default_response (dialog, "cancel");
      adw_message_dialog_set_close_response (dialog, "cancel");
      g_signal_connect_object (dialog, "response::send",
                               G_CALLBACK (on_plaintext_accepted), self, 0);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }

  disconnect_session (self);

  /* A site from the site manager counts only while the fields still say the same. */
  if (self->chosen_site != NULL
      && (g_strcmp0 (op_account_get_host (self->chosen_site), host) != 0
          || op_ftp_site_get_effective_port (self->chosen_site) != port
          || op_ftp_site_get_protocol (self->chosen_site) != security
          || (!anonymous && g_strcmp0 (op_account_get_user (self->chosen_site), user) != 0)))
    g_clear_object (&self->chosen_site);

  g_free (self->user);
  self->user = anonymous ? NULL : g_strdup (user);

  /* The session as a site, so the transfer queue can open its own sessions to it; a
   * quick connection's password is never stored ("ask"), only given to the queue. */
  g_clear_object (&self->site);
  if (self->chosen_site != NULL)
    {
      self->site = g_steal_pointer (&self->chosen_site);
      g_object_set_data_full (G_OBJECT (self->site), "op-password",
                              password[0] != '\0' ? g_strdup (password) : NULL, g_free);
      g_object_set_data (G_OBJECT (self->site), "op-queue-knows", NULL);
    }
  else
    {
    self->site = op_ftp_site_new ();
    op_account_set_name (self->site, host);
    op_account_set_host (self->site, host);
    op_account_set_port (self->site, (guint16) port);
    op_ftp_site_set_protocol (self->site, security);
    op_ftp_site_set_logon_type (self->site, anonymous ? OP_FTP_LOGON_ANONYMOUS : OP_FTP_LOGON_ASK);
    if (!anonymous)
      op_account_set_user (self->site, user);
    op_account_set_allow_plaintext_password (self->site, allow_plaintext);
    g_object_set_data_full (G_OBJECT (self->site), "op-password",
                            password[0] != '\0' ? g_strdup (password) : NULL, g_free);
    }
  /* A saved site brings its charset, connection mode and the rest. */
  if (application_trust_store () != NULL)
    {
      op_ftp_browser_set_verifier (self->browser, OP_TLS_VERIFIER (application_trust_store ()));
      op_transfer_queue_set_verifier (self->queue, OP_TLS_VERIFIER (application_trust_store ()));
    }
  self->connect_cancellable = g_cancellable_new ();
  op_ftp_browser_connect_async (self->browser, self->site,
                                password[0] != '\0' ? password : NULL, allow_plaintext,
                                self->connect_cancellable, on_connected, g_object_ref (self));
  _op_files_view_update_state (self);
}

static void
connect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  start_connect (OP_FILES_VIEW (widget), FALSE);
}

/* Enter in any quick-connect field connects. */
static void
on_quick_connect_activate (OpFilesView *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "files.connect", NULL);
}

/* Stops a connection still on its way (a silent server, a slow TLS handshake): the
 * attempt is cancelled, and the bar is ready for another one. */
static void
cancel_connect_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);

  if (!op_ftp_browser_get_connecting (self->browser))
    return;
  disconnect_session (self);
  _op_files_view_update_state (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->connect_button));
}

static void
disconnect_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);

  disconnect_session (self);
  op_file_pane_set_placeholder (self->remote_pane, "network-server-symbolic",
                                _("Not Connected"),
                                _("Connect to a server to see its files here."));
  self->active_pane = self->local_pane;
  _op_files_view_update_state (self);
}

/* --- sites: recent connections and ftp:// addresses -------------------------------- */

/* Puts @site into the quick-connect fields and connects; with a user but no password,
 * the password field waits for it instead. @path (nullable): the folder to open. */
static void
fill_from_site (OpFilesView *self,
                OpAccount   *site,
                const char  *password,
                const char  *path)
{
  const char *user = op_ftp_site_get_logon_type (site) == OP_FTP_LOGON_ANONYMOUS
                     ? NULL : op_account_get_user (site);
  g_autofree char *port = op_account_get_port (site) != 0
                          ? g_strdup_printf ("%u", op_account_get_port (site)) : NULL;

  switch (op_ftp_site_get_protocol (site))
    {
    case OP_SECURITY_IMPLICIT_TLS:
      gtk_drop_down_set_selected (self->protocol_dropdown, PROTOCOL_IMPLICIT_TLS);
      break;
    case OP_SECURITY_NONE:
      gtk_drop_down_set_selected (self->protocol_dropdown, PROTOCOL_PLAIN);
      break;
    case OP_SECURITY_STARTTLS:
    default:
      gtk_drop_down_set_selected (self->protocol_dropdown, PROTOCOL_EXPLICIT_TLS);
      break;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->host_entry), op_account_get_host (site));
  gtk_editable_set_text (GTK_EDITABLE (self->port_entry), port != NULL ? port : "");
  gtk_editable_set_text (GTK_EDITABLE (self->user_entry), user != NULL ? user : "");
  gtk_editable_set_text (GTK_EDITABLE (self->password_entry), password != NULL ? password : "");
  g_object_set_data_full (G_OBJECT (self), "op-initial-path",
                          path != NULL && g_strcmp0 (path, "/") != 0 ? g_strdup (path) : NULL,
                          g_free);

  if (user != NULL && user[0] != '\0' && password == NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->password_entry));
      return;
    }
  start_connect (self, FALSE);
}

static void
on_recents_changed (OpFilesView *self)
{
  GListModel *recents = G_LIST_MODEL (self->recents);
  guint n = g_list_model_get_n_items (recents);

  g_menu_remove_all (self->recent_menu);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (OpAccount) site = g_list_model_get_item (recents, i);
      g_autoptr (GMenuItem) item = g_menu_item_new (op_account_get_name (site), NULL);

      g_menu_item_set_action_and_target_value (item, "files.open-recent",
                                               g_variant_new_uint32 (i));
      g_menu_append_item (self->recent_menu, item);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->recent_button), n > 0);
}

static void
open_recent_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  g_autoptr (OpAccount) site = g_list_model_get_item (G_LIST_MODEL (self->recents),
                                                      g_variant_get_uint32 (parameter));

  if (site != NULL)
    fill_from_site (self, site, NULL, NULL);
}

/* A site from the site manager: its local folder, then the quick-connect fields, then
 * connect (or wait for the password). */
static void
connect_to_site (OpFilesView *self,
                 OpAccount   *site,
                 const char  *password)
{
  if (op_ftp_site_get_local_dir (site) != NULL && op_ftp_site_get_local_dir (site)[0] != '\0')
    {
      g_autoptr (GFile) local = g_file_new_for_path (op_ftp_site_get_local_dir (site));
      op_files_view_set_local_folder (self, local);
    }
  g_set_object (&self->chosen_site, site);
  fill_from_site (self, site, password, op_ftp_site_get_remote_dir (site));
}

static void
on_site_password (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (OpFilesView) self = user_data;
  g_autoptr (OpAccount) site = g_object_steal_data (G_OBJECT (self), "op-site-waiting");
  g_autoptr (GError) error = NULL;
  char *password = op_ftp_site_lookup_password_finish (result, &error);

  if (site == NULL)
    {
      op_secrets_password_free (password);
      return;
    }
  if (error != NULL)
    {
      /* Said, not swallowed; the password field then waits for the password. */
      g_autofree char *message = g_strdup_printf (_("The saved password could not be read: %s"),
                                                  error->message);
      _op_files_view_show_error (self, message);
    }
  connect_to_site (self, site,
                   op_ftp_site_get_logon_type (site) == OP_FTP_LOGON_ANONYMOUS ? "" : password);
  op_secrets_password_free (password);
}

static void
on_typed_password_stored (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr (OpFilesView) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!op_ftp_site_store_password_finish (result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The password could not be saved: %s"),
                                                  error->message);
      _op_files_view_show_error (self, message);
    }
}

static void
on_site_manager_connect (OpSiteManager *manager,
                         OpAccount     *site,
                         const char    *password,
                         OpFilesView   *self)
{
  if (password != NULL)
    {
      /* Typed in the site manager and not applied: kept, and used right away. */
      op_ftp_site_store_password_async (site, op_secrets_get_default (), password, NULL,
                                        on_typed_password_stored, g_object_ref (self));
      connect_to_site (self, site, password);
      return;
    }
  g_object_set_data_full (G_OBJECT (self), "op-site-waiting", g_object_ref (site), g_object_unref);
  op_ftp_site_lookup_password_async (site, op_secrets_get_default (), NULL, on_site_password,
                                     g_object_ref (self));
}

static void
site_manager_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  OpSiteManager *manager;

  g_autoptr (GError) error = NULL;

  /* Read afresh each time: the accounts file is shared with Mail and News, and a copy
   * kept since an earlier opening would, when saved, drop what they added meanwhile. */
  g_clear_object (&self->accounts);
  self->accounts = op_accounts_new_default ();
  if (!op_accounts_load (self->accounts, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The saved sites could not be read: %s"),
                                                  error->message);
      _op_files_view_show_error (self, message);
      g_clear_object (&self->accounts);
      return;
    }
  manager = op_site_manager_new (_op_files_view_parent_window (self), self->accounts);
  g_signal_connect_object (manager, "connect", G_CALLBACK (on_site_manager_connect), self, 0);
  gtk_window_present (GTK_WINDOW (manager));
}

/* --- ftp:// addresses -------------------------------------------------------------- */

/* The saved site for the server and user @site names, protocol included: `outpost
 * ftp://anna@host/` then logs in with the password saved for it, as the site manager
 * does. NULL when the accounts file names none (or can't be read: the URI still opens,
 * asking for the password). */
static OpAccount *
find_saved_site (OpAccount *site)
{
  g_autoptr (OpAccounts) accounts = op_accounts_new_default ();
  GListModel *model = G_LIST_MODEL (accounts);

  if (!op_accounts_load (accounts, NULL))
    return NULL;
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (OpAccount) saved = g_list_model_get_item (model, i);

      if (op_ftp_site_is_site (saved)
          && op_ftp_site_get_logon_type (saved) == OP_FTP_LOGON_NORMAL
          && op_ftp_site_get_protocol (saved) == op_ftp_site_get_protocol (site)
          && g_ascii_strcasecmp (op_account_get_host (saved), op_account_get_host (site)) == 0
          && op_ftp_site_get_effective_port (saved) == op_ftp_site_get_effective_port (site)
          && g_strcmp0 (op_ftp_site_get_login_user (saved), op_ftp_site_get_login_user (site)) == 0)
        return g_steal_pointer (&saved);
    }
  return NULL;
}

/**
 * op_files_view_open_uri:
 * @self: the view
 * @uri: "ftp://[user[:password]@]host[:port][/path]" or "ftps://…"
 * @error: a translated message naming @uri when it can't be opened
 *
 * ftp:// is FTP with explicit TLS (TLS stays required; the user may pick plain FTP in
 * the protocol list), ftps:// implicit FTPS. Without a user the login is anonymous and
 * starts at once; with a user but no password, a saved site of that server and user
 * connects with its saved password, else the password field waits for it.
 *
 * Returns: %TRUE when @uri was taken
 */
gboolean
op_files_view_open_uri (OpFilesView  *self,
                        const char   *uri,
                        GError      **error)
{
  g_autoptr (OpAccount) site = NULL;
  g_autofree char *path = NULL;
  g_autofree char *password = NULL;

  g_return_val_if_fail (OP_IS_FILES_VIEW (self), FALSE);

  /* The core's parser (op-ftp-site.h): ftp:// is explicit TLS, ftps:// implicit. */
  site = op_ftp_site_new_from_uri (uri, &path, &password, error);
  if (site == NULL)
    return FALSE;

  if (password == NULL && op_ftp_site_get_logon_type (site) != OP_FTP_LOGON_ANONYMOUS)
    {
      g_autoptr (OpAccount) saved = find_saved_site (site);

      if (saved != NULL)
        {
          /* The saved site's settings and password, at the URI's folder. */
          if (path != NULL && g_strcmp0 (path, "/") != 0)
            op_ftp_site_set_remote_dir (saved, path);
          g_object_set_data_full (G_OBJECT (self), "op-site-waiting", g_object_ref (saved),
                                  g_object_unref);
          op_ftp_site_lookup_password_async (saved, op_secrets_get_default (), NULL,
                                             on_site_password, g_object_ref (self));
          return TRUE;
        }
    }

  fill_from_site (self, site, password, path);
  return TRUE;
}

static void
on_keepalive_setting_changed (OpFilesView *self)
{
  op_ftp_browser_set_keepalive_interval (self->browser,
                                         g_settings_get_uint (self->settings, "ftp-keepalive-seconds"));
}

/* Called from op_files_view_init(), once the queue is there. */
void
_op_files_view_connect_init (OpFilesView *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_log_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_log_row), NULL);
  gtk_list_view_set_factory (self->log_view, factory);
  g_object_unref (factory);

  /* The remote side: its long operations use the queue's pooled sessions. */
  self->browser = op_ftp_browser_new (op_transfer_queue_get_session_pool (self->queue));
  if (self->settings != NULL)
    op_ftp_browser_set_keepalive_interval (self->browser,
                                           g_settings_get_uint (self->settings,
                                                                "ftp-keepalive-seconds"));
  g_signal_connect_swapped (self->browser, "notify::state", G_CALLBACK (on_state_changed), self);
  g_signal_connect_swapped (self->browser, "notify::connecting", G_CALLBACK (on_state_changed),
                            self);
  g_signal_connect_swapped (self->browser, "notify::connected", G_CALLBACK (on_state_changed),
                            self);
  g_signal_connect_swapped (self->browser, "notify::log", G_CALLBACK (on_log_replaced), self);
  self->recents = op_ftp_recents_new_default ();
  {
    g_autoptr (GError) error = NULL;

    if (!op_ftp_recents_load (self->recents, &error))
      g_warning ("%s", error->message);
  }
  self->recent_menu = g_menu_new ();
  gtk_menu_button_set_menu_model (self->recent_button, G_MENU_MODEL (self->recent_menu));
  g_signal_connect_object (self->recents, "items-changed", G_CALLBACK (on_recents_changed),
                           self, G_CONNECT_SWAPPED);
  on_recents_changed (self);
  on_protocol_changed (self);
  if (self->settings != NULL)
    /* The preferences take effect at once: the connected session's keep-alive too. */
    g_signal_connect_object (self->settings, "changed::ftp-keepalive-seconds",
                             G_CALLBACK (on_keepalive_setting_changed), self,
                             G_CONNECT_SWAPPED);
}

void
_op_files_view_connect_dispose (OpFilesView *self)
{
  if (self->browser != NULL)
    {
      disconnect_session (self);
      g_signal_handlers_disconnect_by_data (self->browser, self);
    }
  if (self->log != NULL)
    g_signal_handlers_disconnect_by_func (self->log, on_log_changed, self);
  g_clear_object (&self->log);
  g_clear_object (&self->browser);
  g_clear_handle_id (&self->log_scroll_idle, g_source_remove);
}

void
_op_files_view_connect_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "files.connect", NULL, connect_action);
  gtk_widget_class_install_action (widget_class, "files.disconnect", NULL, disconnect_action);
  gtk_widget_class_install_action (widget_class, "files.cancel-connect", NULL, cancel_connect_action);
  gtk_widget_class_install_action (widget_class, "files.copy-log", NULL, copy_log_action);
  gtk_widget_class_install_action (widget_class, "files.open-recent", "u", open_recent_action);
  /* Ctrl+S: a window-wide shortcut, see op_files_view_init(). */
  gtk_widget_class_install_action (widget_class, "files.site-manager", NULL, site_manager_action);
  gtk_widget_class_bind_template_callback (widget_class, on_error_dismissed);
  gtk_widget_class_bind_template_callback (widget_class, on_protocol_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_quick_connect_activate);
}
