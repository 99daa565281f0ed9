/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-files"

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>

#include "op-application.h"
#include "op-certificate-info.h"
#include "op-files-preferences-page.h"
#include "op-files-view-private.h"
#include "op-view-registry.h"
#include "op-accounts.h"
#include "op-ftp-recents.h"
#include "op-secrets.h"
#include "op-site-manager.h"
#include "op-ftp-site.h"
#include "op-transfer-queue.h"
#include "op-trust-store.h"
#include "op-ui-resources.h"

/* Local folders are read in batches of this many entries per callback. */
#define LOCAL_BATCH 1000

#define LOCAL_ATTRIBUTES                                                          \
  G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","   \
  G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE ","           \
  G_FILE_ATTRIBUTE_STANDARD_IS_SYMLINK "," G_FILE_ATTRIBUTE_STANDARD_SYMLINK_TARGET "," \
  G_FILE_ATTRIBUTE_STANDARD_FAST_CONTENT_TYPE "," G_FILE_ATTRIBUTE_TIME_MODIFIED "," \
  G_FILE_ATTRIBUTE_UNIX_MODE "," G_FILE_ATTRIBUTE_OWNER_USER "," G_FILE_ATTRIBUTE_OWNER_GROUP

enum
{
  PROTOCOL_EXPLICIT_TLS,
  PROTOCOL_IMPLICIT_TLS,
  PROTOCOL_PLAIN,
};


G_DEFINE_FINAL_TYPE (OpFilesView, op_files_view, GTK_TYPE_WIDGET)

static void load_remote (OpFilesView *self, const char *path);
static void load_local (OpFilesView *self, GFile *dir);

/* --- small helpers ------------------------------------------------------------------ */

static gboolean
is_remote (OpFilesView *self,
           OpFilePane  *pane)
{
  return pane == self->remote_pane;
}

char *
_op_files_view_remote_join (const char *dir,
             const char *name)
{
  if (g_str_has_suffix (dir, "/"))
    return g_strconcat (dir, name, NULL);
  return g_strconcat (dir, "/", name, NULL);
}

static char *
remote_parent (const char *path)
{
  g_autofree char *trimmed = g_strdup (path);
  char *slash;
  gsize len = strlen (trimmed);

  while (len > 1 && trimmed[len - 1] == '/')
    trimmed[--len] = '\0';
  slash = strrchr (trimmed, '/');
  if (slash == NULL)
    return g_strdup ("..");
  if (slash == trimmed)
    return g_strdup ("/");
  *slash = '\0';
  return g_steal_pointer (&trimmed);
}

GFile *
_op_files_view_local_child (OpFilesView *self,
             OpFileRow   *row)
{
  return g_file_get_child (self->local_dir, op_file_row_get_wire_name (row));
}

static void
show_error (OpFilesView *self,
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

/* An error where it happened: in the pane's bar, with the server's words. Cancelling is
 * silent (STYLE.md "Ownership and errors"). */
void
_op_files_view_pane_error (OpFilesView *self,
            OpFilePane  *pane,
            const char  *what,
            GError      *error)
{
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Translators: "Could not rename “a.txt”: 550 Permission denied" */
  message = g_strdup_printf (_("%s: %s"), what, error->message);
  op_file_pane_show_error (pane, message);
}

void
_op_files_view_toast (OpFilesView *self,
       const char  *text)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  g_autofree char *markup = g_markup_escape_text (text, -1);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (markup));
}

GtkWindow *
_op_files_view_parent_window (OpFilesView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static OpTrustStore *
application_trust_store (void)
{
  GApplication *application = g_application_get_default ();

  if (!OP_IS_APPLICATION (application))
    return NULL;
  return op_application_get_trust_store (OP_APPLICATION (application));
}

static OpFilePane *
target_pane (OpFilesView *self)
{
  if (self->active_pane == self->remote_pane && !self->connected)
    return self->local_pane;
  return self->active_pane;
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

  if (self->client != NULL && self->connected && op_ftp_client_is_tls (self->client))
    certificate = op_ftp_client_get_peer_certificate (self->client);

  gtk_widget_set_visible (GTK_WIDGET (self->tls_button), certificate != NULL);
  if (certificate == NULL)
    return;

  info = op_certificate_info_new (op_ftp_client_get_host (self->client),
                                  op_ftp_client_get_port (self->client),
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
      && op_trust_store_is_pinned (store, op_ftp_client_get_host (self->client),
                                   op_ftp_client_get_port (self->client), certificate))
    g_string_append_printf (text, "\n\n%s",
                            _("You chose to always trust this certificate for this server."));

  gtk_label_set_text (self->tls_label, text->str);
}

static void
update_state (OpFilesView *self)
{
  /* A cancelled attempt may still be winding down on its worker. */
  OpFtpState state = self->client != NULL && (self->connecting || self->connected)
                     ? op_ftp_client_get_state (self->client) : OP_FTP_STATE_DISCONNECTED;
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
      if (self->connected)
        text = _("Disconnected, reconnects on the next action");
      break;
    }

  gtk_image_set_from_icon_name (self->state_icon, icon);
  gtk_label_set_text (self->state_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  gtk_widget_set_visible (GTK_WIDGET (self->connect_button), !self->connected && !self->connecting);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_connect_button), self->connecting);
  gtk_widget_set_visible (GTK_WIDGET (self->disconnect_button), self->connected);
  update_tls_details (self);
  _op_files_view_update_actions (self);
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

static void
show_log_of (OpFilesView *self,
             OpFtpClient *client)
{
  GListModel *log = G_LIST_MODEL (op_ftp_client_get_log (client));
  g_autoptr (GtkNoSelection) selection = gtk_no_selection_new (g_object_ref (log));

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

  if (self->client == NULL)
    return;

  entries = op_protocol_log_dup_entries (op_ftp_client_get_log (self->client));
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
  update_state (self);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (OpFilesView) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!op_ftp_client_connect_finish (OP_FTP_CLIENT (source), result, &error))
    {
      if (source == G_OBJECT (self->client))
        {
          self->connecting = FALSE;
          self->connected = FALSE;
          update_state (self);
        }
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message = g_strdup_printf (_("Could not connect: %s"), error->message);
          show_error (self, message);
        }
      return;
    }

  if (source != G_OBJECT (self->client))
    return;

  self->connecting = FALSE;
  self->connected = TRUE;
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
  if (application_trust_store () != NULL)
    op_transfer_queue_set_verifier (self->queue, OP_TLS_VERIFIER (application_trust_store ()));
  update_state (self);
  self->active_pane = self->remote_pane;
  /* The Connect button just went away with the focus: the remote list takes it. */
  op_file_pane_focus_list (self->remote_pane);
  /* An ftp:// address may name the folder to start in. */
  {
    g_autofree char *path = g_object_steal_data (G_OBJECT (self), "op-initial-path");
    load_remote (self, path);
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

  if (self->client != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->client, on_state_changed, self);
      if (op_ftp_client_get_state (self->client) != OP_FTP_STATE_DISCONNECTED)
        op_ftp_client_quit_async (self->client, NULL, NULL, NULL);
    }
  self->connecting = FALSE;
  self->connected = FALSE;
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
  OpApplication *application = NULL;
  guint64 port = security == OP_SECURITY_IMPLICIT_TLS ? 990 : 21;
  gboolean anonymous = user[0] == '\0' || g_ascii_strcasecmp (user, "anonymous") == 0;

  on_error_dismissed (self);

  if (host[0] == '\0')
    {
      show_error (self, _("Type the name or address of the server to connect to."));
      gtk_widget_grab_focus (GTK_WIDGET (self->host_entry));
      return;
    }
  if (port_text[0] != '\0'
      && (!g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &port, NULL)))
    {
      show_error (self, _("The port must be a number from 1 to 65535."));
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
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_func (op_ftp_client_get_log (self->client),
                                          on_log_changed, self);
  g_clear_object (&self->client);

  /* A site from the site manager counts only while the fields still say the same. */
  if (self->chosen_site != NULL
      && (g_strcmp0 (op_account_get_host (self->chosen_site), host) != 0
          || op_ftp_site_get_effective_port (self->chosen_site) != port
          || op_ftp_site_get_protocol (self->chosen_site) != security
          || (!anonymous && g_strcmp0 (op_account_get_user (self->chosen_site), user) != 0)))
    g_clear_object (&self->chosen_site);

  if (self->chosen_site != NULL)
    {
      /* A saved site: its charset, connection mode and the rest come with it. */
      self->client = op_ftp_site_new_client (self->chosen_site, NULL);
    }
  else
    self->client = op_ftp_client_new (host, (guint16) port, security);
  if (OP_IS_APPLICATION (g_application_get_default ()))
    application = OP_APPLICATION (g_application_get_default ());
  if (application != NULL && op_application_get_trust_store (application) != NULL)
    op_ftp_client_set_verifier (self->client,
                                OP_TLS_VERIFIER (op_application_get_trust_store (application)));
  op_ftp_client_set_allow_plaintext_password (self->client, allow_plaintext);
  if (self->settings != NULL)
    op_ftp_client_set_keepalive_interval (self->client,
                                          g_settings_get_uint (self->settings, "ftp-keepalive-seconds"));
  g_signal_connect_object (self->client, "notify::state", G_CALLBACK (on_state_changed), self,
                           G_CONNECT_SWAPPED);
  show_log_of (self, self->client);

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
  self->connect_cancellable = g_cancellable_new ();
  self->connecting = TRUE;
  op_ftp_client_connect_async (self->client, anonymous ? NULL : user,
                               password[0] != '\0' ? password : NULL, NULL,
                               self->connect_cancellable, on_connected, g_object_ref (self));
  update_state (self);
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

  if (!self->connecting)
    return;
  disconnect_session (self);
  update_state (self);
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
  update_state (self);
}

/* --- remote listing ----------------------------------------------------------------- */

static void
on_remote_listed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autofree char *path = user_data;
  g_autoptr (OpFtpListing) listing = NULL;
  g_autoptr (GError) error = NULL;
  OpFilesView *self;
  guint n_unparsed;

  listing = op_ftp_client_list_finish (OP_FTP_CLIENT (source), result, &error);
  self = g_object_get_data (source, "op-files-view");
  if (self == NULL || G_OBJECT (self->client) != source)
    return;

  if (listing == NULL)
    {
      _op_files_view_pane_error (self, self->remote_pane, _("Could not list the folder"), error);
      return;
    }

  n_unparsed = listing->unparsed->len;
  op_file_pane_clear_error (self->remote_pane);
  /* The rows are made on a worker thread (100,000 take a few hundred ms). */
  op_file_pane_set_ftp_listing (self->remote_pane, path, g_steal_pointer (&listing));
  if (n_unparsed > 0)
    {
      g_autofree char *message = g_strdup_printf (
          ngettext ("%u line of the listing could not be read and is not shown.",
                    "%u lines of the listing could not be read and are not shown.",
                    n_unparsed),
          n_unparsed);
      op_file_pane_show_error (self->remote_pane, message);
    }
  _op_files_view_update_actions (self);
}

/* Servers leave dot files out of LIST unless asked ("LIST -a"); MLSD lists them all.
 * The pane's filter hides them again while "Show Hidden Files" is off. */
static OpFtpListFlags
remote_list_flags (OpFilesView *self)
{
  return op_file_pane_get_show_hidden (self->remote_pane) ? OP_FTP_LIST_SHOW_HIDDEN
                                                          : OP_FTP_LIST_DEFAULT;
}

static void
on_remote_cwd (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  OpFilesView *self;

  path = op_ftp_client_cwd_finish (OP_FTP_CLIENT (source), result, &error);
  self = g_object_get_data (source, "op-files-view");
  if (self == NULL || G_OBJECT (self->client) != source)
    return;

  if (path == NULL)
    {
      _op_files_view_pane_error (self, self->remote_pane, _("Could not open the folder"), error);
      return;
    }

  op_ftp_client_list_async (self->client, NULL, remote_list_flags (self), self->remote_cancellable,
                            on_remote_listed, g_steal_pointer (&path));
}

static void
on_remote_pwd (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  OpFilesView *self;

  path = op_ftp_client_pwd_finish (OP_FTP_CLIENT (source), result, &error);
  self = g_object_get_data (source, "op-files-view");
  if (self == NULL || G_OBJECT (self->client) != source)
    return;

  if (path == NULL)
    {
      _op_files_view_pane_error (self, self->remote_pane, _("Could not open the folder"), error);
      return;
    }
  op_ftp_client_list_async (self->client, NULL, remote_list_flags (self), self->remote_cancellable,
                            on_remote_listed, g_steal_pointer (&path));
}

/* Lists @path (NULL: the current folder) through CWD, so the pane shows the server's
 * own spelling of the folder (PWD after CWD). Callbacks find the view through the
 * client, which the view owns: a view that is gone leaves them nothing to do. */
static void
load_remote (OpFilesView *self,
             const char  *path)
{
  if (self->client == NULL || !self->connected)
    return;

  g_object_set_data (G_OBJECT (self->client), "op-files-view", self);
  g_cancellable_cancel (self->remote_cancellable);
  g_clear_object (&self->remote_cancellable);
  self->remote_cancellable = g_cancellable_new ();

  op_file_pane_set_loading (self->remote_pane, path);
  if (path == NULL)
    op_ftp_client_pwd_async (self->client, self->remote_cancellable, on_remote_pwd, NULL);
  else
    op_ftp_client_cwd_async (self->client, path, self->remote_cancellable, on_remote_cwd, NULL);
}

void
_op_files_view_refresh_remote (OpFilesView *self)
{
  load_remote (self, op_file_pane_get_path (self->remote_pane));
}

/* Turning "Show Hidden Files" on asks the server again, for the dot files this time;
 * turning it off only filters what is there. */
static void
on_remote_show_hidden (OpFilesView *self)
{
  if (op_file_pane_get_show_hidden (self->remote_pane)
      && op_file_pane_get_path (self->remote_pane) != NULL)
    _op_files_view_refresh_remote (self);
}

/* --- local listing ------------------------------------------------------------------ */

typedef struct
{
  OpFilesView *self;
  GFile       *dir;
  GPtrArray   *rows;
  GCancellable *cancellable;
} LocalLoad;

static void
local_load_free (LocalLoad *load)
{
  g_object_unref (load->self);
  g_object_unref (load->dir);
  g_ptr_array_unref (load->rows);
  g_object_unref (load->cancellable);
  g_free (load);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LocalLoad, local_load_free)

static void
local_load_error (LocalLoad *load,
                  GError    *error)
{
  if (!g_cancellable_is_cancelled (load->cancellable))
    _op_files_view_pane_error (load->self, load->self->local_pane, _("Could not open the folder"), error);
}

static void
on_local_files (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (LocalLoad) load = user_data;
  GFileEnumerator *enumerator = G_FILE_ENUMERATOR (source);
  g_autoptr (GError) error = NULL;
  GList *infos;

  infos = g_file_enumerator_next_files_finish (enumerator, result, &error);
  if (error != NULL)
    {
      local_load_error (load, error);
      return;
    }
  if (g_cancellable_is_cancelled (load->cancellable))
    {
      g_list_free_full (infos, g_object_unref);
      return;
    }

  if (infos != NULL)
    {
      for (GList *l = infos; l != NULL; l = l->next)
        g_ptr_array_add (load->rows, op_file_row_new_from_file_info (l->data));
      g_list_free_full (infos, g_object_unref);
      GCancellable *cancellable = load->cancellable;

      g_file_enumerator_next_files_async (enumerator, LOCAL_BATCH, G_PRIORITY_DEFAULT,
                                          cancellable, on_local_files,
                                          g_steal_pointer (&load));
      return;
    }

  /* All read: show them in one change. */
  {
    OpFilesView *self = load->self;
    g_autofree char *path = g_file_get_parse_name (load->dir);

    g_set_object (&self->local_dir, load->dir);
    op_file_pane_clear_error (self->local_pane);
    op_file_pane_set_listing (self->local_pane, path, load->rows);
    _op_files_view_update_actions (self);
  }
}

static void
on_local_enumerated (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr (LocalLoad) load = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFileEnumerator) enumerator = NULL;

  enumerator = g_file_enumerate_children_finish (G_FILE (source), result, &error);
  if (enumerator == NULL)
    {
      local_load_error (load, error);
      return;
    }
  {
    GCancellable *cancellable = load->cancellable;

    g_file_enumerator_next_files_async (enumerator, LOCAL_BATCH, G_PRIORITY_DEFAULT,
                                        cancellable, on_local_files, g_steal_pointer (&load));
  }
}

static void
load_local (OpFilesView *self,
            GFile       *dir)
{
  LocalLoad *load;
  g_autofree char *path = g_file_get_parse_name (dir);

  g_cancellable_cancel (self->local_cancellable);
  g_clear_object (&self->local_cancellable);
  self->local_cancellable = g_cancellable_new ();

  load = g_new0 (LocalLoad, 1);
  load->self = g_object_ref (self);
  load->dir = g_object_ref (dir);
  load->rows = g_ptr_array_new_with_free_func (g_object_unref);
  load->cancellable = g_object_ref (self->local_cancellable);

  op_file_pane_set_loading (self->local_pane, path);
  g_file_enumerate_children_async (dir, LOCAL_ATTRIBUTES, G_FILE_QUERY_INFO_NONE,
                                   G_PRIORITY_DEFAULT, load->cancellable,
                                   on_local_enumerated, load);
}

void
_op_files_view_refresh_local (OpFilesView *self)
{
  if (self->local_dir != NULL)
    load_local (self, self->local_dir);
}

static void
refresh_pane (OpFilesView *self,
              OpFilePane  *pane)
{
  if (is_remote (self, pane))
    _op_files_view_refresh_remote (self);
  else
    _op_files_view_refresh_local (self);
}

/* --- navigation --------------------------------------------------------------------- */

static void
on_pane_navigate (OpFilePane  *pane,
                  const char  *path,
                  OpFilesView *self)
{
  if (is_remote (self, pane))
    load_remote (self, path);
  else
    {
      g_autoptr (GFile) dir = g_file_parse_name (path);
      load_local (self, dir);
    }
}

static void
go_up (OpFilesView *self,
       OpFilePane  *pane)
{
  const char *path = op_file_pane_get_path (pane);

  if (path == NULL)
    return;

  if (is_remote (self, pane))
    {
      g_autofree char *parent = remote_parent (path);
      load_remote (self, parent);
    }
  else if (self->local_dir != NULL)
    {
      g_autoptr (GFile) parent = g_file_get_parent (self->local_dir);
      if (parent != NULL)
        load_local (self, parent);
    }
}

static void
on_pane_go_up (OpFilePane  *pane,
               OpFilesView *self)
{
  go_up (self, pane);
}

static void
on_pane_refresh (OpFilePane  *pane,
                 OpFilesView *self)
{
  refresh_pane (self, pane);
}

static void
on_launched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (OpFilesView) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    _op_files_view_pane_error (self, self->local_pane, _("Could not open the file"), error);
}

static void
open_row (OpFilesView *self,
          OpFilePane  *pane,
          OpFileRow   *row)
{
  if (is_remote (self, pane))
    {
      g_autofree char *path = NULL;

      if (!op_file_row_is_directory (row) && !op_file_row_is_symlink (row))
        {
          /* A remote file opens like a local one: downloaded, with the default app. */
          _op_files_view_edit_action (GTK_WIDGET (self), "files.edit", NULL);
          return;
        }
      /* A link may point to a folder; CWD tells, and says so when it is not one. */
      path = _op_files_view_remote_join (op_file_pane_get_path (pane), op_file_row_get_name (row));
      load_remote (self, path);
    }
  else
    {
      g_autoptr (GFile) file = _op_files_view_local_child (self, row);

      if (op_file_row_is_directory (row))
        load_local (self, file);
      else
        {
          g_autofree char *uri = g_file_get_uri (file);
          g_app_info_launch_default_for_uri_async (uri, NULL, NULL, on_launched,
                                                   g_object_ref (self));
        }
    }
}

static void
on_pane_row_activated (OpFilePane  *pane,
                       OpFileRow   *row,
                       OpFilesView *self)
{
  open_row (self, pane, row);
}

static void
on_pane_focus_enter (GtkEventControllerFocus *controller,
                     OpFilesView             *self)
{
  OpFilePane *pane = OP_FILE_PANE (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller)));

  if (self->active_pane != pane)
    {
      self->active_pane = pane;
      _op_files_view_update_actions (self);
    }
}

static void
on_pane_pressed (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 OpFilesView     *self)
{
  GtkWidget *pane = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));

  if (self->active_pane != OP_FILE_PANE (pane))
    {
      self->active_pane = OP_FILE_PANE (pane);
      _op_files_view_update_actions (self);
    }
}

static void
on_pane_selection_changed (OpFilePane  *pane,
                           OpFilesView *self)
{
  if (pane == target_pane (self))
    _op_files_view_update_actions (self);
}

/* --- actions ------------------------------------------------------------------------ */

void
_op_files_view_update_actions (OpFilesView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  OpFilePane *pane = target_pane (self);
  g_autoptr (GPtrArray) selection = NULL;
  gboolean listed, remote, one, any;
  gboolean can_open = FALSE;

  /* The panes go first while the view is disposed. */
  if (pane == NULL)
    return;

  selection = op_file_pane_dup_selection (pane);
  listed = op_file_pane_get_path (pane) != NULL;
  remote = is_remote (self, pane);
  one = selection->len == 1;
  any = selection->len > 0;

  if (one)
    {
      OpFileRow *row = g_ptr_array_index (selection, 0);
      can_open = op_file_row_is_directory (row) || op_file_row_is_symlink (row) || !remote
                 || self->connected;
    }

  gtk_widget_action_set_enabled (widget, "files.disconnect", self->connected);
  gtk_widget_action_set_enabled (widget, "files.cancel-connect", self->connecting);
  gtk_widget_action_set_enabled (widget, "files.copy-log", self->client != NULL);
  gtk_widget_action_set_enabled (widget, "files.up", listed);
  gtk_widget_action_set_enabled (widget, "files.refresh", listed);
  gtk_widget_action_set_enabled (widget, "files.open", listed && can_open);
  gtk_widget_action_set_enabled (widget, "files.new-folder", listed);
  gtk_widget_action_set_enabled (widget, "files.rename", listed && one);
  gtk_widget_action_set_enabled (widget, "files.delete", listed && any);
  gtk_widget_action_set_enabled (widget, "files.permissions", listed && one);
  gtk_widget_action_set_enabled (widget, "files.copy-url", listed && any);
  gtk_widget_action_set_enabled (widget, "files.properties", listed && one);
  gtk_widget_action_set_enabled (widget, "files.edit", listed && one && remote && self->connected
                                 && !op_file_row_is_directory (g_ptr_array_index (selection, 0)));
  gtk_widget_action_set_enabled (widget, "files.download",
                                 listed && any && remote && self->connected);
  gtk_widget_action_set_enabled (widget, "files.upload", listed && any && !remote
                                 && self->connected
                                 && op_file_pane_get_path (self->remote_pane) != NULL);
  gtk_widget_action_set_enabled (widget, "files.clear-finished",
                                 self->queue != NULL
                                 && g_list_model_get_n_items (G_LIST_MODEL (self->queue)) > 0);
}

OpFileRow *
_op_files_view_single_selection (OpFilesView *self,
                  OpFilePane  *pane)
{
  g_autoptr (GPtrArray) selection = op_file_pane_dup_selection (pane);

  if (selection->len != 1)
    return NULL;
  return g_object_ref (g_ptr_array_index (selection, 0));
}

static void
up_action (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  go_up (self, target_pane (self));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  refresh_pane (self, target_pane (self));
}

static void
focus_path_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  op_file_pane_focus_path_entry (target_pane (self));
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  OpFilePane *pane = target_pane (self);
  g_autoptr (OpFileRow) row = _op_files_view_single_selection (self, pane);

  if (row != NULL)
    open_row (self, pane, row);
}

/* --- operations: one result handler for all of them --------------------------------- */

typedef struct
{
  OpFilesView *self;
  OpFilePane  *pane;
  char        *what;       /* translated: "Could not delete “x”" */
  char        *select;     /* a name to select after the refresh (nullable) */
  guint        pending;    /* operations still running in this batch */
  gboolean     failed;
} Operation;

static Operation *
operation_new (OpFilesView *self,
               OpFilePane  *pane,
               char        *what,
               const char  *select)
{
  Operation *op = g_new0 (Operation, 1);

  op->self = g_object_ref (self);
  op->pane = pane;
  op->what = what;
  op->select = g_strdup (select);
  op->pending = 1;
  return op;
}

static void
operation_free (Operation *op)
{
  g_object_unref (op->self);
  g_free (op->what);
  g_free (op->select);
  g_free (op);
}

/* Every operation ends here, with its error (NULL on success); the last one of a batch
 * refreshes the pane so it shows what the server (or disk) now holds. */
static void
operation_done (Operation *op,
                GError    *error)
{
  if (error != NULL && !op->failed)
    {
      op->failed = TRUE;
      _op_files_view_pane_error (op->self, op->pane, op->what, error);
    }
  if (--op->pending > 0)
    return;

  if (!op->failed)
    op_file_pane_clear_error (op->pane);
  /* The dialog that asked gave the focus back to where it was; the next key (F2,
   * Delete) is meant for the list. */
  op_file_pane_focus_list (op->pane);
  refresh_pane (op->self, op->pane);
  /* The name is selected once the new listing is in (a refresh is asynchronous). */
  if (op->select != NULL)
    g_object_set_data_full (G_OBJECT (op->pane), "op-select-after-load",
                            g_strdup (op->select), g_free);
  operation_free (op);
}

#define DEFINE_REMOTE_DONE(name, finish_func)                                       \
  static void                                                                       \
  name (GObject *source, GAsyncResult *result, gpointer user_data)                  \
  {                                                                                 \
    g_autoptr (GError) error = NULL;                                                \
    finish_func (OP_FTP_CLIENT (source), result, &error);                           \
    operation_done (user_data, error);                                              \
  }

DEFINE_REMOTE_DONE (on_remote_mkdir_done, op_ftp_client_mkdir_finish)
DEFINE_REMOTE_DONE (on_remote_rename_done, op_ftp_client_rename_finish)
DEFINE_REMOTE_DONE (on_remote_delete_done, op_ftp_client_delete_finish)
DEFINE_REMOTE_DONE (on_remote_rmtree_done, op_ftp_client_delete_tree_finish)
DEFINE_REMOTE_DONE (on_remote_chmod_done, op_ftp_client_chmod_finish)
DEFINE_REMOTE_DONE (on_remote_chmod_tree_done, op_ftp_client_chmod_tree_finish)

static void
on_local_mkdir_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_file_make_directory_finish (G_FILE (source), result, &error);
  operation_done (user_data, error);
}

static void
on_local_rename_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) renamed = g_file_set_display_name_finish (G_FILE (source), result, &error);
  operation_done (user_data, error);
}

static void
on_local_trash_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_file_trash_finish (G_FILE (source), result, &error);
  operation_done (user_data, error);
}

static void
on_local_chmod_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFileInfo) info = NULL;
  g_file_set_attributes_finish (G_FILE (source), result, &info, &error);
  operation_done (user_data, error);
}

/* After a refresh lands, select the name an operation asked for. */
static void
on_pane_listed (OpFilesView *self,
                OpFilePane  *pane)
{
  const char *name = g_object_get_data (G_OBJECT (pane), "op-select-after-load");

  if (name != NULL)
    {
      op_file_pane_select_name (pane, name);
      g_object_set_data (G_OBJECT (pane), "op-select-after-load", NULL);
    }
}

/* A name typed by the user for a new entry: one path component. */
static gboolean
valid_new_name (const char *name)
{
  return name[0] != '\0' && strcmp (name, ".") != 0 && strcmp (name, "..") != 0
         && strchr (name, '/') == NULL;
}

/* --- name dialogs (new folder, rename) ---------------------------------------------- */

typedef void (*NameChosen) (OpFilesView *self, OpFilePane *pane, OpFileRow *row,
                            const char *name);

typedef struct
{
  OpFilesView *self;
  OpFilePane  *pane;
  OpFileRow   *row;   /* nullable */
  NameChosen   chosen;
  GtkEntry    *entry;
} NameDialog;

static void
name_dialog_free (gpointer data)
{
  NameDialog *nd = data;

  g_object_unref (nd->self);
  g_clear_object (&nd->row);
  g_free (nd);
}

static void
on_name_entry_changed (GtkEditable      *entry,
                       AdwMessageDialog *dialog)
{
  adw_message_dialog_set_response_enabled (dialog, "ok",
                                           valid_new_name (gtk_editable_get_text (entry)));
}

static void
on_name_dialog_response (AdwMessageDialog *dialog,
                         const char       *response,
                         NameDialog       *nd)
{
  const char *name = gtk_editable_get_text (GTK_EDITABLE (nd->entry));

  if (g_strcmp0 (response, "ok") == 0 && valid_new_name (name))
    nd->chosen (nd->self, nd->pane, nd->row, name);
}

static void
ask_name (OpFilesView *self,
          OpFilePane  *pane,
          OpFileRow   *row,
          const char  *heading,
          const char  *button,
          const char  *initial,
          NameChosen   chosen)
{
  AdwMessageDialog *dialog;
  NameDialog *nd = g_new0 (NameDialog, 1);
  GtkWidget *entry = gtk_entry_new ();
  const char *dot;

  nd->self = g_object_ref (self);
  nd->pane = pane;
  nd->row = row != NULL ? g_object_ref (row) : NULL;
  nd->chosen = chosen;
  nd->entry = GTK_ENTRY (entry);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (_op_files_view_parent_window (self), heading, NULL));
  gtk_editable_set_text (GTK_EDITABLE (entry), initial);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Name"), -1);
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "ok", button, NULL);
  adw_message_dialog_set_response_appearance (dialog, "ok", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "ok");
  adw_message_dialog_set_close_response (dialog, "cancel");
  adw_message_dialog_set_response_enabled (dialog, "ok", valid_new_name (initial));
  g_signal_connect (entry, "changed", G_CALLBACK (on_name_entry_changed), dialog);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_name_dialog_response), nd,
                         (GClosureNotify) (void (*) (void)) name_dialog_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));

  /* Select the name without its extension, as file managers do when renaming. */
  gtk_widget_grab_focus (entry);
  dot = strrchr (initial, '.');
  gtk_editable_select_region (GTK_EDITABLE (entry), 0,
                              dot != NULL && dot != initial
                              ? (int) g_utf8_pointer_to_offset (initial, dot) : -1);
}

static void
create_folder (OpFilesView *self,
               OpFilePane  *pane,
               OpFileRow   *row,
               const char  *name)
{
  /* Translators: %s is a folder name */
  Operation *op = operation_new (self, pane,
                                 g_strdup_printf (_("Could not create the folder “%s”"), name),
                                 name);

  if (is_remote (self, pane))
    {
      g_autofree char *path = _op_files_view_remote_join (op_file_pane_get_path (pane), name);
      op_ftp_client_mkdir_async (self->client, path, NULL, on_remote_mkdir_done, op);
    }
  else
    {
      g_autoptr (GFile) dir = g_file_get_child_for_display_name (self->local_dir, name, NULL);

      if (dir == NULL)
        dir = g_file_get_child (self->local_dir, name);
      g_file_make_directory_async (dir, G_PRIORITY_DEFAULT, NULL, on_local_mkdir_done, op);
    }
}

static void
new_folder_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);

  ask_name (self, target_pane (self), NULL, _("New Folder"), _("C_reate"),
            _("New Folder"), create_folder);
}

static void
rename_entry (OpFilesView *self,
              OpFilePane  *pane,
              OpFileRow   *row,
              const char  *name)
{
  Operation *op;

  if (strcmp (name, op_file_row_get_name (row)) == 0)
    return;

  /* Translators: %s is a file name */
  op = operation_new (self, pane,
                      g_strdup_printf (_("Could not rename “%s”"), op_file_row_get_name (row)),
                      name);
  if (is_remote (self, pane))
    {
      g_autofree char *from = _op_files_view_remote_join (op_file_pane_get_path (pane), op_file_row_get_name (row));
      g_autofree char *to = _op_files_view_remote_join (op_file_pane_get_path (pane), name);

      op_ftp_client_rename_async (self->client, from, to, NULL, on_remote_rename_done, op);
    }
  else
    {
      g_autoptr (GFile) file = _op_files_view_local_child (self, row);
      g_file_set_display_name_async (file, name, G_PRIORITY_DEFAULT, NULL,
                                     on_local_rename_done, op);
    }
}

static void
rename_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  OpFilePane *pane = target_pane (self);
  g_autoptr (OpFileRow) row = _op_files_view_single_selection (self, pane);

  if (row == NULL)
    return;
  ask_name (self, pane, row, _("Rename"), _("_Rename"), op_file_row_get_name (row),
            rename_entry);
}

/* --- delete ------------------------------------------------------------------------- */

typedef struct
{
  OpFilesView *self;
  OpFilePane  *pane;
  GPtrArray   *rows;
} DeleteRequest;

static void
delete_request_free (gpointer data)
{
  DeleteRequest *request = data;

  g_object_unref (request->self);
  g_ptr_array_unref (request->rows);
  g_free (request);
}

static void
on_delete_response (AdwMessageDialog *dialog,
                    const char       *response,
                    DeleteRequest    *request)
{
  OpFilesView *self = request->self;
  OpFilePane *pane = request->pane;
  Operation *op;

  if (g_strcmp0 (response, "delete") != 0)
    return;

  op = operation_new (self, pane, g_strdup (_("Could not delete")), NULL);
  op->pending = request->rows->len;
  for (guint i = 0; i < request->rows->len; i++)
    {
      OpFileRow *row = g_ptr_array_index (request->rows, i);

      if (is_remote (self, pane))
        {
          g_autofree char *path = _op_files_view_remote_join (op_file_pane_get_path (pane),
                                               op_file_row_get_name (row));

          if (op_file_row_is_directory (row))
            op_ftp_client_delete_tree_async (self->client, path, NULL, NULL, NULL, NULL,
                                             on_remote_rmtree_done, op);
          else
            op_ftp_client_delete_async (self->client, path, NULL, on_remote_delete_done, op);
        }
      else
        {
          g_autoptr (GFile) file = _op_files_view_local_child (self, row);
          g_file_trash_async (file, G_PRIORITY_DEFAULT, NULL, on_local_trash_done, op);
        }
    }
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  OpFilePane *pane = target_pane (self);
  g_autoptr (GPtrArray) rows = op_file_pane_dup_selection (pane);
  DeleteRequest *request;
  AdwMessageDialog *dialog;
  g_autofree char *heading = NULL;
  const char *body;
  gboolean remote = is_remote (self, pane);

  if (rows->len == 0)
    return;

  if (rows->len == 1)
    /* Translators: %s is a file or folder name */
    heading = g_strdup_printf (remote ? _("Delete “%s”?") : _("Move “%s” to the Trash?"),
                               op_file_row_get_name (g_ptr_array_index (rows, 0)));
  else
    heading = g_strdup_printf (remote ? ngettext ("Delete %u Item?", "Delete %u Items?", rows->len)
                                      : ngettext ("Move %u Item to the Trash?",
                                                  "Move %u Items to the Trash?", rows->len),
                               rows->len);
  body = remote ? _("Deleted files and folders are gone from the server for good; folders "
                    "are deleted with everything in them.")
                : _("You can restore them from the Trash.");

  request = g_new0 (DeleteRequest, 1);
  request->self = g_object_ref (self);
  request->pane = pane;
  request->rows = g_steal_pointer (&rows);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (_op_files_view_parent_window (self), heading, body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"),
                                    "delete", remote ? _("_Delete") : _("_Move to Trash"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_delete_response), request,
                         (GClosureNotify) (void (*) (void)) delete_request_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- permissions -------------------------------------------------------------------- */

typedef struct
{
  OpFilesView    *self;
  OpFilePane     *pane;
  OpFileRow      *row;
  GtkEntry       *octal;
  GtkCheckButton *bits[9];
  GtkCheckButton *recurse;      /* (nullable) a remote folder only */
  GtkCheckButton *targets[3];   /* all, files only, folders only */
  gboolean        syncing;
} PermissionsDialog;

static void
permissions_dialog_free (gpointer data)
{
  PermissionsDialog *pd = data;

  g_object_unref (pd->self);
  g_object_unref (pd->row);
  g_free (pd);
}

static gboolean
parse_octal (const char *text,
             guint      *mode)
{
  guint64 value;

  if (text[0] == '\0' || strlen (text) > 4)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (*p < '0' || *p > '7')
      return FALSE;
  if (!g_ascii_string_to_unsigned (text, 8, 0, 07777, &value, NULL))
    return FALSE;
  *mode = (guint) value;
  return TRUE;
}

static void
on_octal_changed (GtkEditable       *entry,
                  PermissionsDialog *pd)
{
  guint mode;
  GtkWidget *dialog = gtk_widget_get_ancestor (GTK_WIDGET (entry), ADW_TYPE_MESSAGE_DIALOG);
  gboolean ok = parse_octal (gtk_editable_get_text (entry), &mode);

  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "apply", ok);
  if (!ok || pd->syncing)
    return;

  pd->syncing = TRUE;
  for (int i = 0; i < 9; i++)
    gtk_check_button_set_active (pd->bits[i], (mode & (0400 >> i)) != 0);
  pd->syncing = FALSE;
}

static void
on_bit_toggled (GtkCheckButton    *button,
                PermissionsDialog *pd)
{
  guint mode = 0;
  g_autofree char *text = NULL;

  if (pd->syncing)
    return;

  /* Keep the special bits (setuid, setgid, sticky) typed into the octal field. */
  parse_octal (gtk_editable_get_text (GTK_EDITABLE (pd->octal)), &mode);
  mode &= 07000;
  for (int i = 0; i < 9; i++)
    if (gtk_check_button_get_active (pd->bits[i]))
      mode |= 0400 >> i;

  text = g_strdup_printf ("%03o", mode);
  pd->syncing = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (pd->octal), text);
  pd->syncing = FALSE;
}

static void
on_permissions_response (AdwMessageDialog  *dialog,
                         const char        *response,
                         PermissionsDialog *pd)
{
  OpFilesView *self = pd->self;
  Operation *op;
  guint mode;

  if (g_strcmp0 (response, "apply") != 0
      || !parse_octal (gtk_editable_get_text (GTK_EDITABLE (pd->octal)), &mode))
    return;

  /* Translators: %s is a file name */
  op = operation_new (self, pd->pane,
                      g_strdup_printf (_("Could not change the permissions of “%s”"),
                                       op_file_row_get_name (pd->row)),
                      op_file_row_get_name (pd->row));
  if (is_remote (self, pd->pane))
    {
      g_autofree char *path = _op_files_view_remote_join (op_file_pane_get_path (pd->pane),
                                           op_file_row_get_name (pd->row));
      if (pd->recurse != NULL && gtk_check_button_get_active (pd->recurse))
        {
          OpFtpChmodTargets targets = OP_FTP_CHMOD_ALL;

          if (gtk_check_button_get_active (pd->targets[1]))
            targets = OP_FTP_CHMOD_FILES;
          else if (gtk_check_button_get_active (pd->targets[2]))
            targets = OP_FTP_CHMOD_FOLDERS;
          op_ftp_client_chmod_tree_async (self->client, path, mode, targets, NULL, NULL, NULL,
                                          NULL, on_remote_chmod_tree_done, op);
        }
      else
        op_ftp_client_chmod_async (self->client, path, mode, NULL, on_remote_chmod_done, op);
    }
  else
    {
      g_autoptr (GFile) file = _op_files_view_local_child (self, pd->row);
      g_autoptr (GFileInfo) info = g_file_info_new ();

      g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE, mode);
      g_file_set_attributes_async (file, info, G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                                   NULL, on_local_chmod_done, op);
    }
}

static void
permissions_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  OpFilePane *pane = target_pane (self);
  g_autoptr (OpFileRow) row = _op_files_view_single_selection (self, pane);
  const char *who[] = { N_("Owner"), N_("Group"), N_("Others") };
  const char *what[] = { N_("Read"), N_("Write"), N_("Execute") };
  /* Each check box's accessible name, whole: translations may not put the two words
   * side by side. Indexed [who][what]. */
  const char *names[3][3] = {
    { N_("Owner Read"), N_("Owner Write"), N_("Owner Execute") },
    { N_("Group Read"), N_("Group Write"), N_("Group Execute") },
    { N_("Others Read"), N_("Others Write"), N_("Others Execute") },
  };
  PermissionsDialog *pd;
  AdwMessageDialog *dialog;
  GtkWidget *grid, *box, *label;
  g_autofree char *heading = NULL;
  g_autofree char *octal = NULL;
  int mode;

  if (row == NULL)
    return;

  pd = g_new0 (PermissionsDialog, 1);
  pd->self = g_object_ref (self);
  pd->pane = pane;
  pd->row = g_object_ref (row);

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_widget_set_halign (grid, GTK_ALIGN_CENTER);
  for (int c = 0; c < 3; c++)
    {
      label = gtk_label_new (_(what[c]));
      gtk_grid_attach (GTK_GRID (grid), label, c + 1, 0, 1, 1);
    }
  for (int r = 0; r < 3; r++)
    {
      label = gtk_label_new (_(who[r]));
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_grid_attach (GTK_GRID (grid), label, 0, r + 1, 1, 1);
      for (int c = 0; c < 3; c++)
        {
          GtkWidget *check = gtk_check_button_new ();

          gtk_widget_set_halign (check, GTK_ALIGN_CENTER);
          gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          _(names[r][c]), -1);
          pd->bits[r * 3 + c] = GTK_CHECK_BUTTON (check);
          gtk_grid_attach (GTK_GRID (grid), check, c + 1, r + 1, 1, 1);
        }
    }

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  pd->octal = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_max_length (pd->octal, 4);
  gtk_entry_set_activates_default (pd->octal, TRUE);
  gtk_entry_set_input_purpose (pd->octal, GTK_INPUT_PURPOSE_DIGITS);
  gtk_accessible_update_property (GTK_ACCESSIBLE (pd->octal), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Octal Permissions"), -1);
  gtk_box_append (GTK_BOX (box), grid);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (pd->octal));

  /* A remote folder: the same mode for what is inside, through the FTP session (as
   * FileZilla: all of it, only the files, or only the folders). */
  if (is_remote (self, pane) && op_file_row_is_directory (row))
    {
      const char *target_labels[] = {
        N_("Apply to all files and folders"), N_("Apply to files only"),
        N_("Apply to folders only"),
      };
      GtkWidget *targets_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

      pd->recurse = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (_("Recurse into subfolders")));
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (pd->recurse));
      gtk_widget_set_margin_start (targets_box, 24);
      for (int i = 0; i < 3; i++)
        {
          pd->targets[i] = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (_(target_labels[i])));
          if (i > 0)
            gtk_check_button_set_group (pd->targets[i], pd->targets[0]);
          gtk_box_append (GTK_BOX (targets_box), GTK_WIDGET (pd->targets[i]));
        }
      gtk_check_button_set_active (pd->targets[0], TRUE);
      g_object_bind_property (pd->recurse, "active", targets_box, "sensitive",
                              G_BINDING_SYNC_CREATE);
      gtk_box_append (GTK_BOX (box), targets_box);
    }

  /* Translators: %s is a file name */
  heading = g_strdup_printf (_("Permissions of “%s”"), op_file_row_get_name (row));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (_op_files_view_parent_window (self), heading, NULL));
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "apply", _("_Apply"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "apply", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "apply");
  adw_message_dialog_set_close_response (dialog, "cancel");

  for (int i = 0; i < 9; i++)
    g_signal_connect (pd->bits[i], "toggled", G_CALLBACK (on_bit_toggled), pd);
  g_signal_connect (pd->octal, "changed", G_CALLBACK (on_octal_changed), pd);
  mode = op_file_row_get_mode (row);
  octal = g_strdup_printf ("%03o", mode >= 0 ? mode : 0644);
  gtk_editable_set_text (GTK_EDITABLE (pd->octal), octal);

  g_signal_connect_data (dialog, "response", G_CALLBACK (on_permissions_response), pd,
                         (GClosureNotify) (void (*) (void)) permissions_dialog_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- copy URL, properties ----------------------------------------------------------- */

static char *
remote_url (OpFilesView *self,
            const char  *path)
{
  const char *scheme = op_ftp_client_get_security (self->client) == OP_SECURITY_IMPLICIT_TLS
                       ? "ftps" : "ftp";
  guint16 port = op_ftp_client_get_port (self->client);
  guint16 default_port = g_str_equal (scheme, "ftps") ? 990 : 21;

  /* Never the password (DESIGN.md: no secret where it does not belong). */
  return g_uri_join (G_URI_FLAGS_NONE, scheme, self->user, op_ftp_client_get_host (self->client),
                     port != default_port ? port : -1, path, NULL, NULL);
}

static void
copy_url_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  OpFilePane *pane = target_pane (self);
  g_autoptr (GPtrArray) rows = op_file_pane_dup_selection (pane);
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      OpFileRow *row = g_ptr_array_index (rows, i);
      g_autofree char *url = NULL;

      if (is_remote (self, pane))
        {
          g_autofree char *path = _op_files_view_remote_join (op_file_pane_get_path (pane), op_file_row_get_name (row));
          url = remote_url (self, path);
        }
      else
        {
          g_autoptr (GFile) file = _op_files_view_local_child (self, row);
          url = g_file_get_uri (file);
        }
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, url);
    }

  if (text->len == 0)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text->str);
  _op_files_view_toast (self, ngettext ("Address copied", "Addresses copied", rows->len));
}

static void
properties_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  OpFilePane *pane = target_pane (self);
  g_autoptr (OpFileRow) row = _op_files_view_single_selection (self, pane);
  g_autoptr (GString) body = g_string_new (NULL);
  g_autofree char *type = NULL;
  g_autofree char *size = NULL;
  g_autofree char *modified = NULL;
  g_autofree char *permissions = NULL;
  g_autofree char *location = NULL;
  GtkWidget *dialog;
  GtkWidget *label;

  if (row == NULL)
    return;

  type = op_file_row_format_type (row);
  size = op_file_row_get_size (row) >= 0
         ? g_format_size_full (op_file_row_get_size (row), G_FORMAT_SIZE_LONG_FORMAT) : NULL;
  modified = op_file_row_format_modified (row);
  permissions = op_file_row_format_permissions (row);
  if (is_remote (self, pane))
    {
      g_autofree char *path = _op_files_view_remote_join (op_file_pane_get_path (pane), op_file_row_get_name (row));
      location = remote_url (self, path);
    }
  else
    {
      g_autoptr (GFile) file = _op_files_view_local_child (self, row);
      location = g_file_get_parse_name (file);
    }

  g_string_append_printf (body, _("Type: %s (%s)"), type, op_file_row_get_content_type (row));
  if (size != NULL)
    g_string_append_printf (body, "\n%s %s", _("Size:"), size);
  if (modified[0] != '\0')
    g_string_append_printf (body, "\n%s %s", _("Modified:"), modified);
  if (permissions[0] != '\0')
    g_string_append_printf (body, "\n%s %s (%03o)", _("Permissions:"), permissions,
                            op_file_row_get_mode (row));
  if (op_file_row_get_owner (row) != NULL)
    g_string_append_printf (body, "\n%s %s", _("Owner:"), op_file_row_get_owner (row));
  if (op_file_row_get_group (row) != NULL)
    g_string_append_printf (body, "\n%s %s", _("Group:"), op_file_row_get_group (row));
  if (op_file_row_get_link_target (row) != NULL)
    g_string_append_printf (body, "\n%s %s", _("Link to:"), op_file_row_get_link_target (row));
  g_string_append_printf (body, "\n%s %s", _("Location:"), location);

  dialog = adw_message_dialog_new (_op_files_view_parent_window (self), op_file_row_get_name (row), NULL);
  label = gtk_label_new (body->str);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), label);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
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
      show_error (self, message);
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
      show_error (self, message);
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

  if (self->accounts == NULL)
    {
      g_autoptr (GError) error = NULL;

      self->accounts = op_accounts_new_default ();
      if (!op_accounts_load (self->accounts, &error))
        {
          g_autofree char *message = g_strdup_printf (_("The saved sites could not be read: %s"),
                                                      error->message);
          show_error (self, message);
          g_clear_object (&self->accounts);
          return;
        }
    }
  manager = op_site_manager_new (_op_files_view_parent_window (self), self->accounts);
  g_signal_connect_object (manager, "connect", G_CALLBACK (on_site_manager_connect), self, 0);
  gtk_window_present (GTK_WINDOW (manager));
}

/* --- drag and drop between the panes and from the desktop ------------------------- */

/* What a pane's drag carries: the pane itself (in this process the drop side asks it
 * for its selection), and for local files also a GdkFileList, so a file manager or
 * another app can take them. */
static GdkContentProvider *
on_pane_drag_prepare (OpFilePane  *pane,
                      OpFilesView *self)
{
  GdkContentProvider *providers[2];
  guint n = 0;

  providers[n++] = gdk_content_provider_new_typed (OP_TYPE_FILE_PANE, pane);
  if (pane == self->local_pane && self->local_dir != NULL)
    {
      g_autoptr (GPtrArray) rows = op_file_pane_dup_selection (pane);
      GSList *files = NULL;
      GdkFileList *list;

      for (guint i = rows->len; i > 0; i--)
        files = g_slist_prepend (files, _op_files_view_local_child (self, g_ptr_array_index (rows, i - 1)));
      list = gdk_file_list_new_from_list (files);
      g_slist_free_full (files, g_object_unref);
      providers[n++] = gdk_content_provider_new_typed (GDK_TYPE_FILE_LIST, list);
      g_boxed_free (GDK_TYPE_FILE_LIST, list);
    }
  return gdk_content_provider_new_union (providers, n);
}

static void
upload_files (OpFilesView *self,
              GSList      *files)
{
  const char *remote_dir = op_file_pane_get_path (self->remote_pane);

  for (GSList *l = files; l != NULL; l = l->next)
    {
      GFile *file = l->data;
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *display = g_filename_display_name (name);
      g_autofree char *remote = _op_files_view_remote_join (remote_dir, display);
      /* A local stat: a small read, to tell a folder (uploaded recursively). */
      gboolean is_dir = g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL)
                        == G_FILE_TYPE_DIRECTORY;

      if (g_file_peek_path (file) == NULL)
        continue; /* not a local file (a URI of some other scheme) */
      op_transfer_queue_add_upload (self->queue, self->site, file, remote, is_dir, 0);
    }
}

static gboolean
on_remote_drop (GtkDropTarget *target,
                const GValue  *value,
                double         x,
                double         y,
                OpFilesView   *self)
{
  if (!self->connected || self->site == NULL || op_file_pane_get_path (self->remote_pane) == NULL)
    return FALSE;

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      upload_files (self, gdk_file_list_get_files (g_value_get_boxed (value)));
      return TRUE;
    }
  return FALSE;
}

static gboolean
on_local_drop (GtkDropTarget *target,
               const GValue  *value,
               double         x,
               double         y,
               OpFilesView   *self)
{
  if (G_VALUE_HOLDS (value, OP_TYPE_FILE_PANE)
      && g_value_get_object (value) == (gpointer) self->remote_pane
      && self->connected && self->site != NULL && self->local_dir != NULL)
    {
      _op_files_view_download_action (GTK_WIDGET (self), "files.download", NULL);
      return TRUE;
    }
  return FALSE;
}

static void
setup_drop_targets (OpFilesView *self)
{
  GtkDropTarget *remote = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  GtkDropTarget *local = gtk_drop_target_new (OP_TYPE_FILE_PANE, GDK_ACTION_COPY);

  g_signal_connect (remote, "drop", G_CALLBACK (on_remote_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self->remote_pane), GTK_EVENT_CONTROLLER (remote));
  g_signal_connect (local, "drop", G_CALLBACK (on_local_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self->local_pane), GTK_EVENT_CONTROLLER (local));
}

/* --- public API --------------------------------------------------------------------- */

GtkWidget *
op_files_view_new (void)
{
  return g_object_new (OP_TYPE_FILES_VIEW, NULL);
}

static gboolean
open_uri_in_view (GtkWidget   *view,
                  const char  *uri,
                  GError     **error)
{
  return op_files_view_open_uri (OP_FILES_VIEW (view), uri, error);
}

/**
 * op_files_view_register:
 *
 * Adds the Files view to the window's views (op-view-registry.h): first, built at once,
 * opening ftp:// and ftps:// (the desktop file registers both).
 */
void
op_files_view_register (void)
{
  static const char * const schemes[] = { "ftp", "ftps", NULL };
  static const OpViewInfo info = {
    .name = "files",
    .title = N_("Files"),
    .icon_name = "folder-remote-symbolic",
    .create = op_files_view_new,
    .lazy = FALSE,
    .schemes = schemes,
    .open_uri = open_uri_in_view,
    .create_preferences = op_files_preferences_page_new,
  };

  op_view_registry_add (&info);
}

OpFilePane *
op_files_view_get_local_pane (OpFilesView *self)
{
  g_return_val_if_fail (OP_IS_FILES_VIEW (self), NULL);
  return self->local_pane;
}

OpFilePane *
op_files_view_get_remote_pane (OpFilesView *self)
{
  g_return_val_if_fail (OP_IS_FILES_VIEW (self), NULL);
  return self->remote_pane;
}

OpFtpClient *
op_files_view_get_client (OpFilesView *self)
{
  g_return_val_if_fail (OP_IS_FILES_VIEW (self), NULL);
  return self->client;
}

void
op_files_view_set_local_folder (OpFilesView *self,
                                GFile       *folder)
{
  g_return_if_fail (OP_IS_FILES_VIEW (self));
  g_return_if_fail (G_IS_FILE (folder));

  g_set_object (&self->local_dir, folder);
  load_local (self, folder);
}

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

/* --- GObject ------------------------------------------------------------------------ */

static void
op_files_view_dispose (GObject *object)
{
  OpFilesView *self = OP_FILES_VIEW (object);

  g_cancellable_cancel (self->local_cancellable);
  g_clear_object (&self->local_cancellable);
  disconnect_session (self);
  if (self->client != NULL)
    {
      g_object_set_data (G_OBJECT (self->client), "op-files-view", NULL);
      g_signal_handlers_disconnect_by_func (op_ftp_client_get_log (self->client),
                                            on_log_changed, self);
    }
  g_clear_object (&self->client);
  g_clear_handle_id (&self->log_scroll_idle, g_source_remove);
  g_clear_handle_id (&self->refresh_idle, g_source_remove);
  if (self->queue != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->queue, self);
      /* Unfinished transfers come back paused next time (the queue is saved). */
      op_transfer_queue_save (self->queue, NULL);
    }
  g_clear_handle_id (&self->queue_filter_idle, g_source_remove);
  g_clear_object (&self->queue_state_filter);
  g_clear_object (&self->queue);
  g_clear_object (&self->site);
  g_clear_object (&self->recents);
  g_clear_object (&self->settings);
  g_clear_object (&self->accounts);
  g_clear_object (&self->chosen_site);
  g_clear_pointer (&self->edits, g_hash_table_unref);
  g_clear_object (&self->recent_menu);
  g_clear_object (&self->local_dir);
  gtk_widget_dispose_template (GTK_WIDGET (self), OP_TYPE_FILES_VIEW);

  G_OBJECT_CLASS (op_files_view_parent_class)->dispose (object);
}

static void
op_files_view_finalize (GObject *object)
{
  OpFilesView *self = OP_FILES_VIEW (object);

  g_free (self->user);

  G_OBJECT_CLASS (op_files_view_parent_class)->finalize (object);
}

/* A third of the lists' space, 180 to 320 px, for the queue and the log; after that
 * the divider stays where the user puts it. */
static gboolean
size_bottom_panel (gpointer data)
{
  OpFilesView *self = data;
  int paned_height = gtk_widget_get_height (GTK_WIDGET (self->vertical_paned));

  if (paned_height > 0)
    gtk_paned_set_position (self->vertical_paned,
                            paned_height - CLAMP (paned_height / 3, 180, 320));
  return G_SOURCE_REMOVE;
}

/* Below this width the panes stack instead of sitting side by side: a phone-sized
 * window has no room for two file lists next to each other. */
#define NARROW_WIDTH 640

static void
op_files_view_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  OpFilesView *self = OP_FILES_VIEW (widget);
  GtkOrientation wanted = width < NARROW_WIDTH ? GTK_ORIENTATION_VERTICAL
                                               : GTK_ORIENTATION_HORIZONTAL;

  if (gtk_orientable_get_orientation (GTK_ORIENTABLE (self->panes)) != wanted)
    {
      gtk_orientable_set_orientation (GTK_ORIENTABLE (self->panes), wanted);
      /* A narrow window keeps its height for the two lists: the queue and the log
       * come back when it is wide again. */
      gtk_widget_set_visible (GTK_WIDGET (self->bottom_paned),
                              wanted == GTK_ORIENTATION_HORIZONTAL);
    }

  gtk_widget_allocate (self->box, width, height, baseline, NULL);

  /* The queue and the log start at a useful height rather than their minimum (not from
   * inside an allocation: moving the divider asks for a new one). */
  if (!self->bottom_sized && gtk_widget_get_visible (GTK_WIDGET (self->bottom_paned))
      && gtk_widget_get_height (GTK_WIDGET (self->vertical_paned)) >= 400)
    {
      self->bottom_sized = TRUE;
      g_idle_add_full (G_PRIORITY_HIGH_IDLE, size_bottom_panel, g_object_ref (self),
                       g_object_unref);
    }
}

/* Measured and allocated by hand (not a layout manager) so size_allocate can change the
 * orientation above. */
static void
op_files_view_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  OpFilesView *self = OP_FILES_VIEW (widget);

  gtk_widget_measure (self->box, orientation, for_size, minimum, natural,
                      minimum_baseline, natural_baseline);
}

static void
op_files_view_class_init (OpFilesViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_files_view_dispose;
  object_class->finalize = op_files_view_finalize;
  widget_class->size_allocate = op_files_view_size_allocate;
  widget_class->measure = op_files_view_measure;

  g_type_ensure (OP_TYPE_FILE_PANE);

  gtk_widget_class_install_action (widget_class, "files.connect", NULL, connect_action);
  gtk_widget_class_install_action (widget_class, "files.disconnect", NULL, disconnect_action);
  gtk_widget_class_install_action (widget_class, "files.cancel-connect", NULL, cancel_connect_action);
  gtk_widget_class_install_action (widget_class, "files.copy-log", NULL, copy_log_action);
  gtk_widget_class_install_action (widget_class, "files.up", NULL, up_action);
  gtk_widget_class_install_action (widget_class, "files.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "files.focus-path", NULL, focus_path_action);
  gtk_widget_class_install_action (widget_class, "files.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "files.new-folder", NULL, new_folder_action);
  gtk_widget_class_install_action (widget_class, "files.rename", NULL, rename_action);
  gtk_widget_class_install_action (widget_class, "files.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "files.permissions", NULL, permissions_action);
  gtk_widget_class_install_action (widget_class, "files.copy-url", NULL, copy_url_action);
  gtk_widget_class_install_action (widget_class, "files.properties", NULL, properties_action);
  gtk_widget_class_install_action (widget_class, "files.download", NULL, _op_files_view_download_action);
  gtk_widget_class_install_action (widget_class, "files.open-recent", "u", open_recent_action);
  gtk_widget_class_install_action (widget_class, "files.edit", NULL, _op_files_view_edit_action);
  /* Ctrl+S: a window-wide shortcut, see op_files_view_init(). */
  gtk_widget_class_install_action (widget_class, "files.site-manager", NULL, site_manager_action);
  gtk_widget_class_install_action (widget_class, "files.upload", NULL, _op_files_view_upload_action);
  gtk_widget_class_install_action (widget_class, "files.clear-finished", NULL, _op_files_view_clear_finished_action);
  gtk_widget_class_install_action (widget_class, "files.queue-toggle-running", NULL,
                                   _op_files_view_queue_toggle_running_action);

  /* Keep these in step with op-help-overlay.ui. Keys an entry uses (BackSpace,
   * Delete) reach these only when no entry has the focus. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "files.focus-path", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "files.up", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_BackSpace, 0, "files.up", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "files.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F2, 0, "files.rename", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "files.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "files.new-folder", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "files.permissions", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "files.copy-url", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_ALT_MASK,
                                       "files.properties", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                       "files.edit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "files.download", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "files.upload", NULL);

  _op_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "files/op-files-view.ui");
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, box);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, protocol_dropdown);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, host_entry);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, port_entry);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, user_entry);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, password_entry);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, connect_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, disconnect_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, cancel_connect_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, recent_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, state_icon);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, state_label);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, tls_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, tls_label);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, error_label);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, local_pane);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, remote_pane);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, log_scrolled);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, log_view);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, queue_view);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, panes);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, bottom_paned);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, vertical_paned);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, queue_stack);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, queue_title);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, queue_filter);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, queue_run_button);
  gtk_widget_class_bind_template_child (widget_class, OpFilesView, context_menu);
  gtk_widget_class_bind_template_callback (widget_class, on_error_dismissed);
  gtk_widget_class_bind_template_callback (widget_class, on_protocol_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_quick_connect_activate);
}

static void
on_keepalive_setting_changed (OpFilesView *self)
{
  if (self->client != NULL)
    op_ftp_client_set_keepalive_interval (self->client,
                                          g_settings_get_uint (self->settings, "ftp-keepalive-seconds"));
}

static void
op_files_view_init (OpFilesView *self)
{
  GtkListItemFactory *factory;
  OpFilePane *panes[] = { NULL, NULL };

  gtk_widget_init_template (GTK_WIDGET (self));

  /* The quick-connect bar is a GtkFlowBox only to wrap in a narrow window: its cells are
   * no controls of their own, and Tab would stop on each (nameless to a screen reader)
   * before reaching the field inside. */
  {
    GtkWidget *bar = gtk_widget_get_parent (gtk_widget_get_parent (GTK_WIDGET (self->protocol_dropdown)));

    for (GtkWidget *cell = gtk_widget_get_first_child (bar); cell != NULL;
         cell = gtk_widget_get_next_sibling (cell))
      gtk_widget_set_focusable (cell, FALSE);
  }

  /* The site manager opens from anywhere in the window: right after start-up the focus is
   * on the header bar's menu button, outside this view, where its own key bindings (which
   * act on the focused pane) do not reach. */
  {
    GtkEventController *shortcuts = gtk_shortcut_controller_new ();

    gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                       GTK_SHORTCUT_SCOPE_MANAGED);
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_s, GDK_CONTROL_MASK),
                                                            gtk_named_action_new ("files.site-manager")));
    gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
  }

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_log_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_log_row), NULL);
  gtk_list_view_set_factory (self->log_view, factory);
  g_object_unref (factory);

  /* The transfer queue, with what was unfinished last time (paused). */
  self->queue = op_transfer_queue_new_default ();
  {
    GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
    g_autoptr (GSettingsSchema) schema = source != NULL
        ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;

    /* Only an uninstalled build lacks the schema (OpWindow says so). */
    if (schema != NULL)
      {
        self->settings = g_settings_new_full (schema, NULL, NULL);
        g_settings_bind (self->settings, "transfer-max-parallel", self->queue, "max-parallel",
                         G_SETTINGS_BIND_GET);
        /* The preferences take effect at once: the connected session's keep-alive too. */
        g_signal_connect_object (self->settings, "changed::ftp-keepalive-seconds",
                                 G_CALLBACK (on_keepalive_setting_changed), self,
                                 G_CONNECT_SWAPPED);
      }
  }
  {
    g_autoptr (GError) error = NULL;

    if (!op_transfer_queue_load (self->queue, NULL, &error))
      g_warning ("The transfer queue could not be restored: %s", error->message);
  }
  g_signal_connect (self->queue, "conflict", G_CALLBACK (_op_files_view_on_conflict), self);
  g_signal_connect (self->queue, "item-finished", G_CALLBACK (_op_files_view_on_item_finished), self);
  g_signal_connect_swapped (self->queue, "items-changed", G_CALLBACK (_op_files_view_on_queue_changed), self);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (_op_files_view_setup_queue_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (_op_files_view_bind_queue_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (_op_files_view_unbind_queue_row), self);
  gtk_list_view_set_factory (self->queue_view, factory);
  g_object_unref (factory);
  _op_files_view_setup_queue_list (self);
  _op_files_view_on_queue_changed (self);

  panes[0] = self->local_pane;
  panes[1] = self->remote_pane;
  for (guint i = 0; i < G_N_ELEMENTS (panes); i++)
    {
      GtkEventController *focus = gtk_event_controller_focus_new ();

      GtkGesture *click = gtk_gesture_click_new ();

      g_signal_connect (focus, "enter", G_CALLBACK (on_pane_focus_enter), self);
      gtk_widget_add_controller (GTK_WIDGET (panes[i]), focus);
      /* A click anywhere in a pane (an empty part of the list takes no focus) makes it
       * the one the commands act on. */
      gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
      gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
      g_signal_connect (click, "pressed", G_CALLBACK (on_pane_pressed), self);
      gtk_widget_add_controller (GTK_WIDGET (panes[i]), GTK_EVENT_CONTROLLER (click));
      g_signal_connect_object (panes[i], "navigate", G_CALLBACK (on_pane_navigate), self, 0);
      g_signal_connect_object (panes[i], "go-up", G_CALLBACK (on_pane_go_up), self, 0);
      g_signal_connect_object (panes[i], "refresh", G_CALLBACK (on_pane_refresh), self, 0);
      g_signal_connect_object (panes[i], "row-activated", G_CALLBACK (on_pane_row_activated), self, 0);
      g_signal_connect_object (panes[i], "selection-changed",
                               G_CALLBACK (on_pane_selection_changed), self, 0);
      g_signal_connect_object (panes[i], "listed", G_CALLBACK (on_pane_listed), self,
                               G_CONNECT_SWAPPED);
      op_file_pane_set_context_menu (panes[i], self->context_menu);
      g_signal_connect_object (panes[i], "drag-prepare", G_CALLBACK (on_pane_drag_prepare), self, 0);
    }
  g_signal_connect_object (self->remote_pane, "notify::show-hidden",
                           G_CALLBACK (on_remote_show_hidden), self, G_CONNECT_SWAPPED);

  setup_drop_targets (self);

  self->edits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) _op_files_view_edit_free);
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
  self->active_pane = self->local_pane;
  op_file_pane_set_placeholder (self->remote_pane, "network-server-symbolic",
                                _("Not Connected"),
                                _("Connect to a server to see its files here."));
  on_protocol_changed (self);
  update_state (self);
  {
    g_autoptr (GFile) home = g_file_new_for_path (g_get_home_dir ());
    op_files_view_set_local_folder (self, home);
  }
}
