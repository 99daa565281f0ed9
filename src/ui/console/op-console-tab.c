/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-console-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "op-application.h"
#include "op-console-decoder.h"
#include "op-console-hex.h"
#include "op-console-lookup.h"
#include "op-console-tab.h"
#include "op-ui-resources.h"

typedef enum
{
  KIND_TCP,
  KIND_TLS,
  KIND_UDP,
  KIND_TCP_SERVER,
  KIND_UDP_SERVER,
  KIND_LOOKUP,
} Kind;

static const char *kind_names[] = { "tcp", "tls", "udp", "tcp-server", "udp-server", "lookup" };

struct _OpConsoleTab
{
  GtkBox               parent_instance;

  Kind                 kind;
  char                *title;
  OpConsoleSession    *session;
  OpConsoleServer     *server;
  OpConsoleTranscript *transcript;   /* of the session or server (unowned) */
  GCancellable        *cancellable;
  gboolean             hex_view;
  gboolean             follow;       /* keep the newest row in sight */

  AdwClamp            *form;
  AdwPreferencesGroup *form_group;
  AdwEntryRow         *host_row;
  AdwEntryRow         *port_row;
  AdwComboRow         *mode_row;
  AdwComboRow         *record_row;
  GtkButton           *start_button;
  GtkBox              *work;
  GtkLabel            *info_label;
  GtkButton           *start_tls_button;
  GtkButton           *shutdown_button;
  GtkButton           *stop_button;
  GtkMenuButton       *more_button;
  GtkLabel            *certificate_label;
  GtkBox              *clients_box;
  GtkListView         *clients_list;
  GtkStack            *output_stack;
  GtkScrolledWindow   *transcript_scroller;
  GtkListView         *transcript_list;
  GtkListView         *answers_list;
  GtkBox              *send_box;
  GtkEntry            *send_entry;
  GtkDropDown         *line_end_dropdown;
  GtkToggleButton     *send_hex_toggle;
  GMenu               *charset_section;
  GtkSingleSelection  *clients_selection;
  GtkFilter           *client_filter;  /* (nullable): a server's rows of one client */
  GHashTable          *bound_rows;     /* GtkListItem of the transcript with a record */
  GListStore          *answers;        /* OpConsoleAnswer of the last lookup */
};

enum
{
  PROP_0,
  PROP_TITLE,
  PROP_HEX_VIEW,
  PROP_CHARSET,
  PROP_TELNET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OpConsoleTab, op_console_tab, GTK_TYPE_BOX)

static OpWindow *
tab_window (OpConsoleTab *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return OP_IS_WINDOW (root) ? OP_WINDOW (root) : NULL;
}

/* A non-fatal problem, said in the window's toast (or the info line without a window). */
static void
tell (OpConsoleTab *self,
      const char   *message)
{
  OpWindow *window = tab_window (self);

  if (window != NULL)
    op_window_show_message (window, message);
  else
    gtk_label_set_text (self->info_label, message);
}

static void
set_title (OpConsoleTab *self,
           const char   *title)
{
  g_free (self->title);
  self->title = g_strdup (title);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

/* ---- transcript rows ---- */

/* One label a row ("← 12:00:01.250 peer  data", the time and peer dim): in a flood, rows
 * are bound again by the hundred in one frame, so each is as light as it can be. */
static void
setup_record_row (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  OpConsoleTab             *self)
{
  GtkWidget *text = gtk_label_new (NULL);

  gtk_widget_add_css_class (text, "monospace");
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_widget_set_margin_start (text, 6);
  gtk_widget_set_margin_end (text, 6);
  gtk_list_item_set_child (item, text);
  gtk_list_item_set_activatable (item, FALSE);
}

static void
bind_record_row (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 OpConsoleTab             *self)
{
  OpConsoleRecord *record = gtk_list_item_get_item (item);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  g_autofree char *stamp = op_console_format_time (op_console_record_get_time (record));
  const char *peer = op_console_record_get_peer (record);
  OpConsoleDirection direction = op_console_record_get_direction (record);
  g_autoptr (GString) text = g_string_new (direction == OP_CONSOLE_RECEIVED ? "← "
                                           : direction == OP_CONSOLE_SENT ? "→ " : "• ");
  PangoAttrList *attributes = pango_attr_list_new ();
  PangoAttribute *dim = pango_attr_foreground_alpha_new (G_MAXUINT16 / 100 * 55);
  gsize length;

  op_console_record_get_data (record, &length);

  /* Attributes, not markup: nothing to parse for each row. */
  dim->start_index = text->len;
  g_string_append (text, stamp);
  if (peer != NULL)
    g_string_append_printf (text, " %s", peer);
  dim->end_index = text->len;
  pango_attr_list_insert (attributes, dim);
  g_string_append_c (text, ' ');

  if (self->hex_view && direction != OP_CONSOLE_NOTE)
    {
      g_autofree char *dump = op_console_record_dump (record);

      /* Each dump line under the first one starts below the data, not the time. */
      g_string_append_c (text, '\n');
      g_string_append (text, dump);
    }
  else
    {
      gsize start = text->len;

      if (op_console_record_is_datagram (record))
        /* Translators: %lu is a size in bytes, %s the datagram's text */
        g_string_append_printf (text, ngettext ("[%lu byte] %s", "[%lu bytes] %s",
                                                (gulong) length),
                                (gulong) length, op_console_record_get_text (record));
      else
        g_string_append (text, op_console_record_get_text (record));

      if (direction == OP_CONSOLE_NOTE)
        {
          PangoAttribute *note = pango_attr_foreground_alpha_new (G_MAXUINT16 / 100 * 55);

          note->start_index = start;
          note->end_index = text->len;
          pango_attr_list_insert (attributes, note);
        }
    }

  gtk_label_set_text (label, text->str);
  gtk_label_set_attributes (label, attributes);
  pango_attr_list_unref (attributes);
}

static void
track_bound_row (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 OpConsoleTab             *self)
{
  g_hash_table_add (self->bound_rows, item);
}

static void
untrack_bound_row (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   OpConsoleTab             *self)
{
  g_hash_table_remove (self->bound_rows, item);
}

static gboolean
scroll_to_end (gpointer data)
{
  OpConsoleTab *self = data;
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->transcript_scroller);

  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
on_transcript_changed (OpConsoleTab *self,
                       guint         position,
                       guint         removed,
                       guint         added,
                       GListModel   *model)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->transcript_scroller);
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  if (added == 0)
    return;

  /* Follow the newest row unless the user scrolled up to read. */
  self->follow = gtk_adjustment_get_value (adjustment) >= bottom - 4;
  if (self->follow)
    g_idle_add_full (G_PRIORITY_LOW, scroll_to_end, g_object_ref (self), NULL);
}

static OpConsolePeer *
selected_client (OpConsoleTab *self)
{
  if (self->clients_selection == NULL)
    return NULL;

  return gtk_single_selection_get_selected_item (self->clients_selection);
}

/* A server's rows: all of them, or only the selected client's. */
static gboolean
record_is_shown (gpointer item,
                 gpointer user_data)
{
  OpConsolePeer *peer = selected_client (user_data);

  return peer == NULL
         || g_strcmp0 (op_console_record_get_peer (item), op_console_peer_get_address (peer)) == 0;
}

static void
on_client_selected (OpConsoleTab *self)
{
  OpConsolePeer *peer = selected_client (self);
  g_autofree char *placeholder = NULL;

  gtk_filter_changed (self->client_filter, GTK_FILTER_CHANGE_DIFFERENT);
  placeholder = peer != NULL
      /* Translators: %s is a client's address */
      ? g_strdup_printf (_("Reply to %s"), op_console_peer_get_address (peer))
      : g_strdup (_("Reply to every client"));
  gtk_entry_set_placeholder_text (self->send_entry, placeholder);
}

static void
show_transcript (OpConsoleTab        *self,
                 OpConsoleTranscript *transcript)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GListModel *model = G_LIST_MODEL (g_object_ref (transcript));
  GtkNoSelection *selection;

  self->transcript = transcript;
  g_signal_connect (factory, "setup", G_CALLBACK (setup_record_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_record_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (track_bound_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (untrack_bound_row), self);
  if (self->client_filter != NULL)
    model = G_LIST_MODEL (gtk_filter_list_model_new (model, g_object_ref (self->client_filter)));
  selection = gtk_no_selection_new (model);
  gtk_list_view_set_factory (self->transcript_list, factory);
  gtk_list_view_set_model (self->transcript_list, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);
  g_signal_connect_object (transcript, "items-changed", G_CALLBACK (on_transcript_changed),
                           self, G_CONNECT_SWAPPED);
}

/* ---- state ---- */

static void
update_actions (OpConsoleTab *self)
{
  OpConsoleSessionState state = OP_CONSOLE_SESSION_NEW;
  gboolean open, tcp_plain = FALSE, stream = FALSE;

  if (self->session != NULL)
    {
      state = op_console_session_get_state (self->session);
      tcp_plain = op_console_session_get_protocol (self->session) == OP_CONSOLE_TCP
                  && !op_console_session_get_is_tls (self->session);
      stream = op_console_session_get_protocol (self->session) != OP_CONSOLE_UDP;
    }
  else if (self->server != NULL)
    state = op_console_server_get_state (self->server);

  open = state == OP_CONSOLE_SESSION_OPEN;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tab.start", state == OP_CONSOLE_SESSION_NEW
                                 || self->kind == KIND_LOOKUP);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tab.start-tls", open && tcp_plain);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tab.shutdown-write",
                                 open && stream
                                 && !op_console_session_get_write_shut (self->session));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tab.stop",
                                 state == OP_CONSOLE_SESSION_OPEN
                                 || state == OP_CONSOLE_SESSION_CONNECTING);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tab.send",
                                 open && (self->session == NULL
                                          || !op_console_session_get_write_shut (self->session)));
  gtk_widget_set_visible (GTK_WIDGET (self->start_tls_button), self->session != NULL && tcp_plain);
  gtk_widget_set_visible (GTK_WIDGET (self->shutdown_button), self->session != NULL && stream);
}

static void
update_info (OpConsoleTab *self)
{
  g_autoptr (GString) info = g_string_new (NULL);
  OpCertificateInfo *certificate;

  if (self->session != NULL)
    {
      OpConsoleSession *s = self->session;
      const char *error = op_console_session_get_error (s);

      switch (op_console_session_get_state (s))
        {
        case OP_CONSOLE_SESSION_CONNECTING:
          g_string_append (info, _("Connecting…"));
          break;
        case OP_CONSOLE_SESSION_OPEN:
          if (op_console_session_get_is_tls (s))
            /* Translators: the peer's address, the local address, the TLS version and
             * the cipher suite: "Peer 127.0.0.1:993 · local 127.0.0.1:40122 · TLS 1.3 · …" */
            g_string_append_printf (info, _("Peer %1$s · local %2$s · %3$s · %4$s"),
                                    op_console_session_get_peer_address (s),
                                    op_console_session_get_local_address (s),
                                    op_console_session_get_tls_version (s),
                                    op_console_session_get_tls_cipher (s));
          else
            /* Translators: the first %s is the peer's address, the second the local one */
            g_string_append_printf (info, _("Peer %s · local %s"),
                                    op_console_session_get_peer_address (s),
                                    op_console_session_get_local_address (s));
          break;
        case OP_CONSOLE_SESSION_FAILED:
          g_string_append_printf (info, _("Could not connect: %s"), error != NULL ? error : "");
          break;
        default:
          g_string_append (info, _("Closed."));
          break;
        }

      certificate = op_console_session_get_certificate (s);
      if (certificate != NULL)
        {
          g_autofree char *text =
            /* Translators: certificate details: subject, issuer, SHA-256 fingerprint */
            g_strdup_printf (_("Certificate: %s\nIssued by: %s\nSHA-256: %s"),
                             op_certificate_info_get_subject (certificate),
                             op_certificate_info_get_issuer (certificate),
                             op_certificate_info_get_sha256 (certificate));

          gtk_label_set_text (self->certificate_label, text);
        }
      gtk_widget_set_visible (GTK_WIDGET (self->certificate_label), certificate != NULL);
    }
  else if (self->server != NULL)
    {
      OpConsoleServer *s = self->server;

      switch (op_console_server_get_state (s))
        {
        case OP_CONSOLE_SESSION_OPEN:
          /* Translators: %s is an address, %u a port */
          g_string_append_printf (info, _("Listening on %s port %u"),
                                  op_console_server_get_address (s),
                                  op_console_server_get_port (s));
          break;
        case OP_CONSOLE_SESSION_FAILED:
          g_string_append_printf (info, _("The server could not start: %s"),
                                  op_console_server_get_error (s));
          break;
        case OP_CONSOLE_SESSION_CONNECTING:
          g_string_append (info, _("Starting…"));
          break;
        default:
          g_string_append (info, _("Stopped."));
          break;
        }
    }

  gtk_label_set_text (self->info_label, info->str);
  update_actions (self);
}

/* ---- the form ---- */

static gboolean
read_port (OpConsoleTab *self,
           gboolean      zero_ok,
           guint16      *port)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->port_row));
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, zero_ok ? 0 : 1, G_MAXUINT16, &value, NULL))
    {
      tell (self, zero_ok ? _("The port is a number from 0 to 65535 (0: any free port).")
                          : _("The port is a number from 1 to 65535."));
      gtk_widget_grab_focus (GTK_WIDGET (self->port_row));
      return FALSE;
    }

  *port = value;
  return TRUE;
}

static OpTlsVerifier *
app_verifier (void)
{
  GApplication *application = g_application_get_default ();

  if (!OP_IS_APPLICATION (application)
      || op_application_get_trust_store (OP_APPLICATION (application)) == NULL)
    return NULL;

  return OP_TLS_VERIFIER (op_application_get_trust_store (OP_APPLICATION (application)));
}

static void
show_work (OpConsoleTab *self)
{
  /* A lookup keeps its form: another query can follow. */
  gtk_widget_set_visible (GTK_WIDGET (self->form), self->kind == KIND_LOOKUP);
  gtk_widget_set_visible (GTK_WIDGET (self->work), TRUE);
}

static void
on_answers (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (OpConsoleTab) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GListModel) answers = op_console_lookup_finish (result, &error);
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* The same list takes the new answers (or none, under the reason). */
  for (guint i = 0; answers != NULL && i < g_list_model_get_n_items (answers); i++)
    g_ptr_array_add (items, g_list_model_get_item (answers, i));
  g_list_store_splice (self->answers, 0, g_list_model_get_n_items (G_LIST_MODEL (self->answers)),
                       items->pdata, items->len);
  gtk_label_set_text (self->info_label, answers != NULL ? "" : error->message);
  show_work (self);
}

static void
start_lookup (OpConsoleTab *self)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->host_row));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_title (self, *query != '\0' ? query : _("Lookup"));
  op_console_lookup_async (adw_combo_row_get_selected (self->record_row), query,
                           self->cancellable, on_answers, g_object_ref (self));
}

static void
on_session_notify (OpConsoleTab *self)
{
  update_info (self);
}

/* Port 0 asks the system for one: the title shows the port it gave. */
static void
on_server_port (OpConsoleTab *self)
{
  g_autofree char *title =
    g_strdup_printf (_("%s server :%u"),
                     op_console_server_get_protocol (self->server) == OP_CONSOLE_UDP ? "UDP" : "TCP",
                     op_console_server_get_port (self->server));

  set_title (self, title);
}

static void
start_session (OpConsoleTab *self)
{
  const char *host = gtk_editable_get_text (GTK_EDITABLE (self->host_row));
  g_autofree char *title = NULL;
  guint16 port;

  if (*g_strstrip ((char *) host) == '\0')
    {
      tell (self, _("Type the host name or address to connect to."));
      gtk_widget_grab_focus (GTK_WIDGET (self->host_row));
      return;
    }
  if (!read_port (self, FALSE, &port))
    return;

  self->session = op_console_session_new (self->kind == KIND_TLS ? OP_CONSOLE_TLS
                                          : self->kind == KIND_UDP ? OP_CONSOLE_UDP
                                          : OP_CONSOLE_TCP, host, port);
  op_console_session_set_verifier (self->session, app_verifier ());
  g_signal_connect_object (self->session, "notify", G_CALLBACK (on_session_notify), self,
                           G_CONNECT_SWAPPED);
  show_transcript (self, op_console_session_get_transcript (self->session));
  title = g_strdup_printf ("%s %s:%u", self->kind == KIND_TLS ? "TLS"
                                       : self->kind == KIND_UDP ? "UDP" : "TCP", host, port);
  set_title (self, title);
  show_work (self);
  op_console_session_open (self->session);
  gtk_widget_grab_focus (GTK_WIDGET (self->send_entry));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TELNET]);
}

static void
on_server_confirmed (AdwMessageDialog *dialog,
                     const char       *response,
                     OpConsoleTab     *self);

static void
start_server_now (OpConsoleTab *self)
{
  const char *address = gtk_editable_get_text (GTK_EDITABLE (self->host_row));
  GtkSingleSelection *selection;
  guint16 port;

  if (!read_port (self, TRUE, &port))
    return;

  self->server = op_console_server_new (self->kind == KIND_UDP_SERVER ? OP_CONSOLE_UDP
                                                                      : OP_CONSOLE_TCP,
                                        address, port, adw_combo_row_get_selected (self->mode_row));
  g_signal_connect_object (self->server, "notify", G_CALLBACK (on_session_notify), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->server, "notify::port", G_CALLBACK (on_server_port), self,
                           G_CONNECT_SWAPPED);
  selection = gtk_single_selection_new (g_object_ref (op_console_server_get_clients (self->server)));
  gtk_single_selection_set_can_unselect (selection, TRUE);
  gtk_single_selection_set_autoselect (selection, FALSE);
  self->clients_selection = selection;
  self->client_filter = GTK_FILTER (gtk_custom_filter_new (record_is_shown, self, NULL));
  g_signal_connect_object (selection, "notify::selected-item", G_CALLBACK (on_client_selected),
                           self, G_CONNECT_SWAPPED);
  show_transcript (self, op_console_server_get_transcript (self->server));
  on_client_selected (self);
  gtk_list_view_set_model (self->clients_list, GTK_SELECTION_MODEL (selection));
  gtk_widget_set_visible (GTK_WIDGET (self->clients_box), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->send_box),
                          op_console_server_get_mode (self->server) == OP_CONSOLE_SERVER_CHAT);
  on_server_port (self);
  show_work (self);
  op_console_server_start (self->server);
}

static void
start_server (OpConsoleTab *self)
{
  const char *address = gtk_editable_get_text (GTK_EDITABLE (self->host_row));
  AdwMessageDialog *dialog;
  g_autofree char *body = NULL;

  if (op_console_address_is_loopback (address) || tab_window (self) == NULL)
    {
      start_server_now (self);
      return;
    }

  /* Any other address lets other machines in: ask first. */
  body = g_strdup_printf (_("On %s, other computers on the network can connect to this "
                            "server and see what it answers."), address);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (tab_window (self)),
                                                       _("Open the Server to the Network?"),
                                                       body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "start", _("_Start"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "start", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_server_confirmed), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_server_confirmed (AdwMessageDialog *dialog,
                     const char       *response,
                     OpConsoleTab     *self)
{
  if (g_str_equal (response, "start") && self->server == NULL)
    start_server_now (self);
}

void
op_console_tab_start (OpConsoleTab *self)
{
  g_return_if_fail (OP_IS_CONSOLE_TAB (self));

  switch (self->kind)
    {
    case KIND_LOOKUP:
      start_lookup (self);
      break;
    case KIND_TCP_SERVER:
    case KIND_UDP_SERVER:
      if (self->server == NULL)
        start_server (self);
      break;
    default:
      if (self->session == NULL)
        start_session (self);
      break;
    }
}

static void
on_form_activated (OpConsoleTab *self)
{
  op_console_tab_start (self);
}

/* ---- sending ---- */

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (OpConsoleTab) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (OP_IS_CONSOLE_SESSION (source))
    ok = op_console_session_send_finish (OP_CONSOLE_SESSION (source), result, &error);
  else
    ok = op_console_server_send_finish (OP_CONSOLE_SERVER (source), result, &error);

  if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_("Could not send: %s"), error->message);

      tell (self, text);
    }
}

void
op_console_tab_send (OpConsoleTab *self)
{
  const char *text;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (OP_IS_CONSOLE_TAB (self));

  if (!gtk_widget_is_visible (GTK_WIDGET (self->send_box))
      || (self->session == NULL && self->server == NULL))
    return;

  text = gtk_editable_get_text (GTK_EDITABLE (self->send_entry));
  if (gtk_toggle_button_get_active (self->send_hex_toggle))
    {
      bytes = op_console_hex_decode (text, &error);
      if (bytes == NULL)
        {
          tell (self, error->message);
          return;
        }
    }
  else
    {
      static const char *ends[] = { "\r\n", "\n", "" };
      g_autofree char *line =
        g_strconcat (text, ends[MIN (gtk_drop_down_get_selected (self->line_end_dropdown), 2)],
                     NULL);

      bytes = g_bytes_new (line, strlen (line));
    }

  if (self->session != NULL)
    op_console_session_send_async (self->session, bytes, NULL, on_sent, g_object_ref (self));
  else
    {
      g_autoptr (OpConsolePeer) peer = NULL;

      if (gtk_single_selection_get_selected_item (self->clients_selection) != NULL)
        peer = g_object_ref (gtk_single_selection_get_selected_item (self->clients_selection));
      op_console_server_send_async (self->server,
                                    peer != NULL ? op_console_peer_get_address (peer) : NULL,
                                    bytes, NULL, on_sent, g_object_ref (self));
    }
  gtk_editable_set_text (GTK_EDITABLE (self->send_entry), "");
}

void
op_console_tab_toggle_hex (OpConsoleTab *self)
{
  g_return_if_fail (OP_IS_CONSOLE_TAB (self));

  g_object_set (self, "hex-view", !self->hex_view, NULL);
}

void
op_console_tab_stop (OpConsoleTab *self)
{
  g_return_if_fail (OP_IS_CONSOLE_TAB (self));

  g_cancellable_cancel (self->cancellable);
  if (self->session != NULL)
    op_console_session_close (self->session);
  if (self->server != NULL)
    op_console_server_stop (self->server);
}

/* ---- actions ---- */

static void
start_action (GtkWidget  *widget,
              const char *name,
              GVariant   *parameter)
{
  op_console_tab_start (OP_CONSOLE_TAB (widget));
}

static void
send_action (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  op_console_tab_send (OP_CONSOLE_TAB (widget));
}

static void
stop_action (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  op_console_tab_stop (OP_CONSOLE_TAB (widget));
}

static void
on_tls_started (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (OpConsoleTab) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!op_console_session_start_tls_finish (OP_CONSOLE_SESSION (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_("Start TLS failed: %s"), error->message);

      tell (self, text);
    }
  update_info (self);
}

static void
start_tls_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *parameter)
{
  OpConsoleTab *self = OP_CONSOLE_TAB (widget);

  if (self->session != NULL)
    op_console_session_start_tls_async (self->session, NULL, on_tls_started, g_object_ref (self));
}

static void
on_write_shut (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (OpConsoleTab) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!op_console_session_shutdown_write_finish (OP_CONSOLE_SESSION (source), result, &error))
    tell (self, error->message);
  update_info (self);
}

static void
shutdown_write_action (GtkWidget  *widget,
                       const char *name,
                       GVariant   *parameter)
{
  OpConsoleTab *self = OP_CONSOLE_TAB (widget);

  if (self->session != NULL)
    op_console_session_shutdown_write_async (self->session, NULL, on_write_shut,
                                             g_object_ref (self));
}

static void
template_http_action (GtkWidget  *widget,
                      const char *name,
                      GVariant   *parameter)
{
  OpConsoleTab *self = OP_CONSOLE_TAB (widget);
  const char *host = self->session != NULL ? op_console_session_get_host (self->session) : "";
  g_autofree char *request = NULL;

  /* Whole request in one send: the line ends are in it, so the line-end choice is
   * "None" and the bytes go as typed in hex. */
  request = g_strdup_printf ("GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: Outpost\r\n"
                             "Connection: close\r\n\r\n", host);
  {
    g_autofree char *hex = op_console_hex_encode ((const guint8 *) request, strlen (request));

    gtk_toggle_button_set_active (self->send_hex_toggle, TRUE);
    gtk_editable_set_text (GTK_EDITABLE (self->send_entry), hex);
  }
  gtk_widget_grab_focus (GTK_WIDGET (self->send_entry));
}

static void
template_gopher_action (GtkWidget  *widget,
                        const char *name,
                        GVariant   *parameter)
{
  OpConsoleTab *self = OP_CONSOLE_TAB (widget);

  /* RFC 1436: a selector line ended by CRLF; the empty selector asks for the top menu. */
  gtk_toggle_button_set_active (self->send_hex_toggle, FALSE);
  gtk_drop_down_set_selected (self->line_end_dropdown, 0);
  gtk_editable_set_text (GTK_EDITABLE (self->send_entry), "");
  gtk_entry_set_placeholder_text (self->send_entry,
                                  _("Gopher selector (empty: the server’s top menu)"));
  gtk_widget_grab_focus (GTK_WIDGET (self->send_entry));
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr (OpConsoleTab) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not save the transcript: %s"),
                                               error->message);

      tell (self, text);
    }
}

static void
on_save_response (GtkNativeDialog *chooser,
                  int              response,
                  OpConsoleTab    *self)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GBytes) bytes = NULL;
  gboolean raw = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "raw"));

  if (response == GTK_RESPONSE_ACCEPT && self->transcript != NULL)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      if (raw)
        bytes = op_console_transcript_to_raw (self->transcript);
      else
        {
          char *text = op_console_transcript_to_text (self->transcript);

          bytes = g_bytes_new_take (text, strlen (text));
        }
      g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_NONE, NULL,
                                           on_saved, g_object_ref (self));
    }
  g_object_unref (chooser);
}

static void
save_action (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  OpConsoleTab *self = OP_CONSOLE_TAB (widget);
  gboolean raw = g_str_equal (name, "tab.save-raw");
  GtkFileChooserNative *chooser;
  g_autofree char *suggested = NULL;

  chooser = gtk_file_chooser_native_new (raw ? _("Save Received Bytes")
                                             : _("Save Transcript as Text"),
                                         GTK_WINDOW (tab_window (self)),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  suggested = g_strdup_printf ("%s.%s", self->title != NULL ? self->title : "console",
                               raw ? "bin" : "txt");
  g_strdelimit (suggested, "/\\: ", '-');
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested);
  g_object_set_data (G_OBJECT (chooser), "raw", GINT_TO_POINTER (raw));
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
disconnect_action (GtkWidget  *widget,
                   const char *name,
                   GVariant   *parameter)
{
  OpConsoleTab *self = OP_CONSOLE_TAB (widget);

  if (self->server != NULL)
    op_console_server_disconnect (self->server, g_variant_get_string (parameter, NULL));
}

static void
copy_action (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          g_variant_get_string (parameter, NULL));
}

static void
open_address_action (GtkWidget  *widget,
                     const char *name,
                     GVariant   *parameter)
{
  /* The view opens the tab (it owns the tab view). */
  gtk_widget_activate_action (widget, "console.new-session-to", "s",
                              g_variant_get_string (parameter, NULL));
}

/* ---- client and answer rows ---- */

static void
setup_button_row (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  gpointer                  user_data)
{
  const char *kind = user_data;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);

  if (g_str_equal (kind, "client"))
    {
      GtkWidget *button = gtk_button_new_from_icon_name ("window-close-symbolic");

      gtk_widget_set_tooltip_text (button, _("Disconnect"));
      gtk_widget_add_css_class (button, "flat");
      gtk_box_append (GTK_BOX (box), button);
    }
  else
    {
      GtkWidget *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");
      GtkWidget *open = gtk_button_new_from_icon_name ("network-transmit-receive-symbolic");

      gtk_widget_set_tooltip_text (copy, _("Copy"));
      gtk_widget_add_css_class (copy, "flat");
      gtk_widget_set_tooltip_text (open, _("Open a Session to This Address"));
      gtk_widget_add_css_class (open, "flat");
      gtk_box_append (GTK_BOX (box), copy);
      gtk_box_append (GTK_BOX (box), open);
    }
  gtk_list_item_set_child (item, box);
}

static void
bind_client_row (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  user_data)
{
  OpConsolePeer *peer = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_widget_get_first_child (gtk_list_item_get_child (item));
  GtkWidget *button = gtk_widget_get_next_sibling (label);
  const char *address = op_console_peer_get_address (peer);
  g_autofree char *name = g_strdup_printf (_("Disconnect %s"), address);

  gtk_label_set_text (GTK_LABEL (label), address);
  /* The target first: an action with a parameter and no target only warns. */
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", address);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "tab.disconnect-client");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

static void
bind_answer_row (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  user_data)
{
  OpConsoleAnswer *answer = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_widget_get_first_child (gtk_list_item_get_child (item));
  GtkWidget *copy = gtk_widget_get_next_sibling (label);
  GtkWidget *open = gtk_widget_get_next_sibling (copy);
  const char *text = op_console_answer_get_text (answer);
  const char *address = op_console_answer_get_address (answer);
  g_autofree char *shown = g_strdup_printf ("%s  %s", op_console_answer_get_kind (answer), text);
  g_autofree char *copy_name = g_strdup_printf (_("Copy %s"), text);
  g_autofree char *open_name = g_strdup_printf (_("Open a Session to %s"), text);

  gtk_label_set_text (GTK_LABEL (label), shown);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (copy), "s", text);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (copy), "tab.copy");
  gtk_accessible_update_property (GTK_ACCESSIBLE (copy), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  copy_name, -1);
  gtk_widget_set_visible (open, address != NULL);
  if (address != NULL)
    {
      gtk_actionable_set_action_target (GTK_ACTIONABLE (open), "s", address);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (open), "tab.open-address");
      gtk_accessible_update_property (GTK_ACCESSIBLE (open), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      open_name, -1);
    }
}

static void
set_list_factory (GtkListView *list,
                  const char  *kind,
                  GCallback    bind)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_button_row), (gpointer) kind);
  g_signal_connect (factory, "bind", bind, NULL);
  gtk_list_view_set_factory (list, factory);
}

/* ---- GObject ---- */

static void
op_console_tab_dispose (GObject *object)
{
  OpConsoleTab *self = OP_CONSOLE_TAB (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* Servers stop and sessions close with their tab. */
  g_clear_object (&self->session);
  g_clear_object (&self->server);
  g_clear_object (&self->clients_selection);
  g_clear_object (&self->client_filter);
  self->transcript = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), OP_TYPE_CONSOLE_TAB);

  G_OBJECT_CLASS (op_console_tab_parent_class)->dispose (object);
}

static void
op_console_tab_finalize (GObject *object)
{
  g_free (OP_CONSOLE_TAB (object)->title);
  /* In finalize: the list unbinds its rows while the template is disposed. */
  g_hash_table_unref (OP_CONSOLE_TAB (object)->bound_rows);
  g_object_unref (OP_CONSOLE_TAB (object)->answers);

  G_OBJECT_CLASS (op_console_tab_parent_class)->finalize (object);
}

static void
op_console_tab_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  OpConsoleTab *self = OP_CONSOLE_TAB (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_HEX_VIEW:
      g_value_set_boolean (value, self->hex_view);
      break;
    case PROP_CHARSET:
      g_value_set_string (value, self->transcript != NULL
                                   ? op_console_transcript_get_charset (self->transcript)
                                   : "UTF-8");
      break;
    case PROP_TELNET:
      g_value_set_boolean (value, self->session != NULL
                                    && op_console_session_get_telnet (self->session));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Every bound row shows its record again, in place: no row widget is replaced (AT-SPI
 * in GTK 4.8 may be asking about it, tests/ui/README.md). */
static void
rebind_rows (OpConsoleTab *self)
{
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    bind_record_row (NULL, item, self);
}

static void
op_console_tab_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  OpConsoleTab *self = OP_CONSOLE_TAB (object);

  switch (prop_id)
    {
    case PROP_HEX_VIEW:
      if (self->hex_view != g_value_get_boolean (value))
        {
          self->hex_view = g_value_get_boolean (value);
          rebind_rows (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_CHARSET:
      if (self->transcript != NULL)
        {
          g_autoptr (GError) error = NULL;

          if (!op_console_transcript_set_charset (self->transcript, g_value_get_string (value),
                                                  &error))
            tell (self, error->message);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_TELNET:
      if (self->session != NULL)
        {
          op_console_session_set_telnet (self->session, g_value_get_boolean (value));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_console_tab_class_init (OpConsoleTabClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = op_console_tab_dispose;
  object_class->finalize = op_console_tab_finalize;
  object_class->get_property = op_console_tab_get_property;
  object_class->set_property = op_console_tab_set_property;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_HEX_VIEW] = g_param_spec_boolean ("hex-view", NULL, NULL, FALSE, flags);
  properties[PROP_CHARSET] = g_param_spec_string ("charset", NULL, NULL, "UTF-8", flags);
  properties[PROP_TELNET] = g_param_spec_boolean ("telnet", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  _op_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "console/op-console-tab.ui");
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, form);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, form_group);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, host_row);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, port_row);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, mode_row);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, record_row);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, start_button);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, work);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, info_label);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, start_tls_button);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, shutdown_button);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, stop_button);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, more_button);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, certificate_label);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, clients_box);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, clients_list);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, output_stack);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, transcript_scroller);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, transcript_list);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, answers_list);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, send_box);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, send_entry);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, line_end_dropdown);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, send_hex_toggle);
  gtk_widget_class_bind_template_child (widget_class, OpConsoleTab, charset_section);
  gtk_widget_class_bind_template_callback (widget_class, on_form_activated);
  gtk_widget_class_bind_template_callback (widget_class, op_console_tab_send);

  gtk_widget_class_install_action (widget_class, "tab.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "tab.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "tab.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "tab.start-tls", NULL, start_tls_action);
  gtk_widget_class_install_action (widget_class, "tab.shutdown-write", NULL,
                                   shutdown_write_action);
  gtk_widget_class_install_action (widget_class, "tab.template-http", NULL,
                                   template_http_action);
  gtk_widget_class_install_action (widget_class, "tab.template-gopher", NULL,
                                   template_gopher_action);
  gtk_widget_class_install_action (widget_class, "tab.save-text", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "tab.save-raw", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "tab.disconnect-client", "s",
                                   disconnect_action);
  gtk_widget_class_install_action (widget_class, "tab.copy", "s", copy_action);
  gtk_widget_class_install_action (widget_class, "tab.open-address", "s", open_address_action);
  gtk_widget_class_install_property_action (widget_class, "tab.hex-view", "hex-view");
  gtk_widget_class_install_property_action (widget_class, "tab.charset", "charset");
  gtk_widget_class_install_property_action (widget_class, "tab.telnet", "telnet");
}

static void
op_console_tab_init (OpConsoleTab *self)
{
  const char * const *charsets = op_console_charsets ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->bound_rows = g_hash_table_new (NULL, NULL);

  for (guint i = 0; charsets[i] != NULL; i++)
    {
      g_autoptr (GMenuItem) item = g_menu_item_new (charsets[i], NULL);

      g_menu_item_set_action_and_target (item, "tab.charset", "s", charsets[i]);
      g_menu_append_item (self->charset_section, item);
    }

  set_list_factory (self->clients_list, "client", G_CALLBACK (bind_client_row));
  set_list_factory (self->answers_list, "answer", G_CALLBACK (bind_answer_row));
  self->answers = g_list_store_new (OP_TYPE_CONSOLE_ANSWER);
  {
    GtkNoSelection *selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->answers)));

    gtk_list_view_set_model (self->answers_list, GTK_SELECTION_MODEL (selection));
    g_object_unref (selection);
  }
}

/**
 * op_console_tab_new:
 * @kind: "tcp", "tls", "udp", "tcp-server", "udp-server" or "lookup"
 * @host: (nullable): fills in the host (or the query)
 *
 * Returns: (transfer floating): a tab showing its form
 */
GtkWidget *
op_console_tab_new (const char *kind,
                    const char *host)
{
  OpConsoleTab *self = g_object_new (OP_TYPE_CONSOLE_TAB, NULL);
  gboolean server, lookup;
  const char *title = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (kind, kind_names[i]) == 0)
      self->kind = i;

  server = self->kind == KIND_TCP_SERVER || self->kind == KIND_UDP_SERVER;
  lookup = self->kind == KIND_LOOKUP;

  switch (self->kind)
    {
    case KIND_TCP: title = _("TCP Client"); break;
    case KIND_TLS: title = _("TLS Client"); break;
    case KIND_UDP: title = _("UDP Peer"); break;
    case KIND_TCP_SERVER: title = _("TCP Server"); break;
    case KIND_UDP_SERVER: title = _("UDP Server"); break;
    case KIND_LOOKUP: title = _("Lookups"); break;
    }
  set_title (self, title);
  adw_preferences_group_set_title (self->form_group, title);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->host_row),
                                 lookup ? _("Name, Address or Service")
                                 : server ? _("Address") : _("Host"));
  gtk_editable_set_text (GTK_EDITABLE (self->host_row),
                         host != NULL ? host : server ? "127.0.0.1" : "");
  gtk_widget_set_visible (GTK_WIDGET (self->port_row), !lookup);
  gtk_widget_set_visible (GTK_WIDGET (self->mode_row), server);
  gtk_widget_set_visible (GTK_WIDGET (self->record_row), lookup);
  gtk_button_set_label (self->start_button,
                        lookup ? _("Look Up") : server ? _("Start") : _("Connect"));
  gtk_button_set_label (self->stop_button, server ? _("Stop") : _("Close"));
  if (lookup)
    {
      gtk_widget_set_vexpand (GTK_WIDGET (self->form), FALSE);
      gtk_stack_set_visible_child_name (self->output_stack, "answers");
      gtk_widget_set_visible (GTK_WIDGET (self->send_box), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->stop_button), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->more_button), FALSE);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->start_tls_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->shutdown_button), FALSE);
  update_actions (self);

  return GTK_WIDGET (self);
}

const char *
op_console_tab_get_title (OpConsoleTab *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_TAB (self), NULL);
  return self->title;
}

OpConsoleSession *
op_console_tab_get_session (OpConsoleTab *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_TAB (self), NULL);
  return self->session;
}

OpConsoleServer *
op_console_tab_get_server (OpConsoleTab *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_TAB (self), NULL);
  return self->server;
}
