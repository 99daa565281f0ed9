/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "op-mail-conversation-view.h"
#include "op-mail-identity-item.h"
#include "op-mail-message-view.h"
#include "op-mail-plain-text.h"
#include "mail-test-data.h"
#include "op-ui-test-utils.h"
#include "op-window.h"

/* The Mail view's message widgets against real messages (tests/data/mail/view/), parsed
 * by the MIME code the store will use: plain text, HTML in the WebKit module, the
 * attachments and the source. */

static GListModel *
identities (void)
{
  GListStore *store = g_list_store_new (OP_TYPE_MAIL_IDENTITY_ITEM);
  g_autoptr (OpMailIdentityItem) me = op_mail_identity_item_new ("acct-1", "Me Myself", "me@example.test",
                                                        "Me\nhttps://me.example.test");

  g_list_store_append (store, me);
  return G_LIST_MODEL (store);
}

static GtkWindow *
window_with (GtkWidget *child)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (window, 800, 700);
  gtk_window_set_child (window, child);
  gtk_window_present (window);
  op_ui_test_iterate ();
  return window;
}

/* Issue 13: WebKit is loaded the first time an HTML message is shown, never before the
 * window's first frame. This runs first in this process, before any HTML. */
static gboolean
frame_drawn (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_after_paint (GdkFrameClock *clock,
                gboolean      *painted)
{
  *painted = TRUE;
}

static void
test_webkit_not_loaded_at_start (void)
{
  OpWindow *window = g_object_ref_sink (g_object_new (OP_TYPE_WINDOW, NULL));
  gboolean painted = FALSE;
  GdkFrameClock *clock;

  gtk_window_present (GTK_WINDOW (window));
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_assert_nonnull (clock);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &painted);
  g_assert_true (op_ui_test_wait_for (frame_drawn, &painted));
  g_signal_handlers_disconnect_by_func (clock, on_after_paint, &painted);

  g_assert_false (op_mail_html_view_backend_loaded ());
  /* No WebKit type exists in the process: the library is not even mapped. */
  g_assert_cmpuint (g_type_from_name ("WebKitWebView"), ==, 0);
  g_assert_null (g_getenv ("WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS"));
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

typedef struct
{
  char  *uri;      /* the last one */
  guint  count;
} Opened;

static gboolean
on_open_uri (GtkWidget  *view,
             const char *uri,
             Opened     *opened)
{
  g_free (opened->uri);
  opened->uri = g_strdup (uri);
  opened->count++;
  return TRUE;
}

static gboolean
uri_opened (gpointer data)
{
  return ((Opened *) data)->uri != NULL;
}

static int
offset_of (GtkTextView *text_view,
           const char  *needle)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (text_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  const char *found;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  found = strstr (text, needle);
  g_assert_nonnull (found);
  return g_utf8_pointer_to_offset (text, found);
}

static GtkTextIter
iter_at (GtkTextView *text_view,
         const char  *needle)
{
  GtkTextIter iter;

  gtk_text_buffer_get_iter_at_offset (gtk_text_view_get_buffer (text_view), &iter,
                                      offset_of (text_view, needle));
  return iter;
}

static void
test_plain_quotes_signature_links (void)
{
  g_autoptr (GBytes) bytes = mail_test_load ("plain-quoted.eml", 0);
  g_autoptr (OpMimeMessage) message = mail_test_parse (bytes);
  g_autoptr (GListModel) mine = identities ();
  OpMailMessageView *view = OP_MAIL_MESSAGE_VIEW (op_mail_message_view_new ());
  GtkWindow *window = window_with (GTK_WIDGET (view));
  GtkTextView *text_view = op_mail_message_view_get_text_view (view);
  Opened opened = { NULL, 0 };
  GtkTextIter iter;

  op_mail_message_view_set_identities (view, mine);
  op_mail_message_view_set_message (view, message, bytes);
  g_signal_connect (view, "open-uri", G_CALLBACK (on_open_uri), &opened);
  op_ui_test_iterate ();

  /* The header: sender, recipients, and the identity it came to. */
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (view), "Ann Example <ann@example.test>"));
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (view),
                                           "To: Me Myself <me@example.test>, Bob <bob@example.test>"));
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (view), "Cc: Carol <carol@example.test>"));
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (view), "Received as Me Myself <me@example.test>"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (text_view)));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (op_mail_message_view_get_html_view (view))));

  /* Quote levels: each level its own, the text outside none. */
  iter = iter_at (text_view, "Hi all");
  g_assert_cmpuint (_op_mail_plain_text_quote_level_at (&iter), ==, 0);
  iter = iter_at (text_view, "> Can we ship");
  g_assert_cmpuint (_op_mail_plain_text_quote_level_at (&iter), ==, 1);
  iter = iter_at (text_view, ">> Only if");
  g_assert_cmpuint (_op_mail_plain_text_quote_level_at (&iter), ==, 2);
  iter = iter_at (text_view, ">>> Which");
  g_assert_cmpuint (_op_mail_plain_text_quote_level_at (&iter), ==, 3);

  /* The signature, from its "-- " line to the end, and nothing before it. */
  iter = iter_at (text_view, "-- \nAnn Example");
  g_assert_true (_op_mail_plain_text_in_signature (&iter));
  iter = iter_at (text_view, "www.example.test");
  g_assert_true (_op_mail_plain_text_in_signature (&iter));
  iter = iter_at (text_view, ">>> Which");
  g_assert_false (_op_mail_plain_text_in_signature (&iter));

  /* Links: the parentheses belong to the URL, the full stop after it does not; a www.
   * name opens as https. Text outside a link opens nothing. */
  g_assert_true (op_mail_message_view_activate_link_at (view, offset_of (text_view, "example.org/wiki")));
  g_assert_cmpstr (opened.uri, ==, "https://example.org/wiki/Release_(2026)");
  g_assert_true (op_mail_message_view_activate_link_at (view, offset_of (text_view, "www.example.test") + 5));
  g_assert_cmpstr (opened.uri, ==, "https://www.example.test");
  g_assert_false (op_mail_message_view_activate_link_at (view, offset_of (text_view, "See you then")));
  g_assert_false (op_mail_message_view_activate_link_at (view, offset_of (text_view, "(2026).") + 6));

  /* A plain message loads no WebKit. */
  g_assert_false (op_mail_html_view_backend_loaded ());

  /* Show Source: the message as received, headers included. */
  op_mail_message_view_show_source (view);
  op_ui_test_iterate ();
  {
    OpMailSourceWindow *source = op_mail_message_view_get_source_window (view);
    g_autofree char *text = NULL;

    g_assert_nonnull (source);
    g_assert_true (gtk_widget_get_visible (GTK_WIDGET (source)));
    text = op_mail_source_window_dup_text (source);
    g_assert_nonnull (strstr (text, "Message-ID: <reply-2@example.test>\nIn-Reply-To:"));
    g_assert_null (strchr (text, '\r'));
    gtk_window_close (GTK_WINDOW (source));
    op_ui_test_iterate ();
    /* Closing destroys it: no hidden toplevel is left for GTK 4.8's AT-SPI root
     * (tests/ui/README.md), and Show Source builds a new one next time. */
    g_assert_null (op_mail_message_view_get_source_window (view));
    op_ui_test_assert_no_hidden_toplevel ();
    op_mail_message_view_show_source (view);
    op_ui_test_iterate ();
    g_assert_nonnull (op_mail_message_view_get_source_window (view));
    gtk_window_close (GTK_WINDOW (op_mail_message_view_get_source_window (view)));
    op_ui_test_iterate ();
    g_assert_null (op_mail_message_view_get_source_window (view));
  }

  g_free (opened.uri);
  gtk_window_destroy (window);
}

/* A server on loopback that counts the connections a web view makes. */
typedef struct
{
  GSocketService *service;
  int             port;
  guint           connections;
} Server;

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             Server            *server)
{
  static const char reply[] = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  server->connections++;
  g_output_stream_write_all (out, reply, sizeof reply - 1, NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
server_start (Server *server)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  server->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                 &bound, &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (server->service, "incoming", G_CALLBACK (on_incoming), server);
  g_socket_service_start (server->service);
}

static gboolean
html_loaded (gpointer data)
{
  return op_mail_html_view_get_loaded (data);
}

typedef struct
{
  gboolean  done;
  char     *result;
} Script;

static void
script_done (const char   *result,
             const GError *error,
             gpointer      user_data)
{
  Script *script = user_data;

  g_assert_no_error ((GError *) error);
  script->result = g_strdup (result);
  script->done = TRUE;
}

static gboolean
script_finished (gpointer data)
{
  return ((Script *) data)->done;
}

static char *
run (OpMailHtmlView *html,
     const char     *code)
{
  Script script = { FALSE, NULL };

  op_mail_html_view_run_script (html, code, script_done, &script);
  g_assert_true (op_ui_test_wait_for (script_finished, &script));
  return script.result;
}

static gboolean
senders_saved (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static gboolean
got_connection (gpointer data)
{
  return ((Server *) data)->connections > 0;
}

/* Waits for the remote image to have failed or loaded, whichever: the question is
 * whether our server saw it. */
static gboolean
image_settled (gpointer data)
{
  g_autofree char *state = run (data, "document.getElementById('remote').complete ? 'yes' : 'no'");

  return g_strcmp0 (state, "yes") == 0;
}

static gboolean
backend_loaded (gpointer data)
{
  return op_mail_html_view_backend_loaded ();
}

/* html-remote.eml as it must show with its remote content blocked: the cid: image (the
 * 3×2 PNG of the message) in, no script of the message run (not <script>, not onload,
 * not onerror: they would change the title), and the remote image never requested. */
static void
assert_locked (OpMailHtmlView *html,
               Server         *server)
{
  char *value;

  value = run (html, "String(document.getElementById('inline').naturalWidth) + 'x' + "
                     "String(document.getElementById('inline').naturalHeight)");
  g_assert_cmpstr (value, ==, "3x2");
  g_free (value);
  value = run (html, "document.title");
  g_assert_cmpstr (value, ==, "December news");
  g_free (value);
  g_assert_true (op_ui_test_wait_for (image_settled, html));
  value = run (html, "String(document.getElementById('remote').naturalWidth)");
  g_assert_cmpstr (value, ==, "0");
  g_free (value);
  op_ui_test_iterate ();
  g_assert_cmpuint (server->connections, ==, 0);
}

static void
test_html_remote_blocked_cid_shown (void)
{
  Server server = { 0 };
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (OpMimeMessage) message = NULL;
  g_autofree char *senders_dir = g_dir_make_tmp ("outpost-senders-XXXXXX", NULL);
  g_autofree char *senders_path = g_build_filename (senders_dir, "senders", NULL);
  g_autoptr (GFile) senders_file = g_file_new_for_path (senders_path);
  g_autoptr (OpMailRemoteSenders) senders = op_mail_remote_senders_new (senders_file);
  OpMailMessageView *view;
  OpMailHtmlView *html;
  GtkTextView *text_view;
  GtkWindow *window;
  Opened opened = { NULL, 0 };
  char *value;

  server_start (&server);
  bytes = mail_test_load ("html-remote.eml", server.port);
  message = mail_test_parse (bytes);
  g_assert_true (_op_mail_html_has_remote_content (op_mime_message_get_html (message)));

  view = OP_MAIL_MESSAGE_VIEW (op_mail_message_view_new ());
  html = op_mail_message_view_get_html_view (view);
  op_mail_html_view_set_remote_senders (html, senders);
  g_signal_connect (view, "open-uri", G_CALLBACK (on_open_uri), &opened);
  window = window_with (GTK_WIDGET (view));
  op_mail_message_view_set_message (view, message, bytes);
  /* The first HTML message opens WebKit's module on a worker: the view shows it once the
   * module is there. */
  text_view = op_mail_message_view_get_text_view (view);
  g_assert_true (op_ui_test_wait_for (backend_loaded, NULL));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (html)));
  g_assert_true (op_ui_test_wait_for (html_loaded, html));
  /* The HTML replaces the text. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (text_view)));

  /* Blocked, and the bar offers it. */
  g_assert_true (op_mail_html_view_get_remote_blocked (html));
  g_assert_nonnull (op_ui_test_find_button (GTK_WIDGET (html), "_Show Remote Content"));
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (GTK_WIDGET (op_ui_test_find_button (GTK_WIDGET (html), "_Show Remote Content")))));

  assert_locked (html, &server);

  /* A link is handed to the application, the view stays on the message; a link to a
   * local file is not opened at all. */
  value = run (html, "document.getElementById('local').click(); 'clicked'");
  g_free (value);
  value = run (html, "document.getElementById('link').click(); 'clicked'");
  g_free (value);
  g_assert_true (op_ui_test_wait_for (uri_opened, &opened));
  g_assert_cmpstr (opened.uri, ==, "https://example.org/offer");
  g_assert_cmpuint (opened.count, ==, 1);
  value = run (html, "document.getElementById('heading').textContent");
  g_assert_cmpstr (value, ==, "December news");
  g_free (value);

  /* "Show Remote Content": loaded for this message, and only this time. */
  g_signal_emit_by_name (op_ui_test_find_button (GTK_WIDGET (html), "_Show Remote Content"), "clicked");
  g_assert_false (op_mail_html_view_get_remote_blocked (html));
  g_assert_true (op_ui_test_wait_for (html_loaded, html));
  g_assert_true (op_ui_test_wait_for (got_connection, &server));
  g_assert_false (op_mail_remote_senders_contains (senders, "news@example.test"));
  op_mail_message_view_set_message (view, message, bytes);
  g_assert_true (op_ui_test_wait_for (html_loaded, html));
  g_assert_true (op_mail_html_view_get_remote_blocked (html));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (text_view)));

  /* "Always From Sender": remembered, in the file too, and the content loads. */
  g_signal_emit_by_name (op_ui_test_find_button (GTK_WIDGET (html), "_Always From Sender"), "clicked");
  g_assert_true (op_mail_remote_senders_contains (senders, "NEWS@example.test"));
  g_assert_false (op_mail_html_view_get_remote_blocked (html));
  g_assert_true (op_ui_test_wait_for (html_loaded, html));
  g_assert_true (op_ui_test_wait_for (senders_saved, senders_path));
  {
    g_autoptr (OpMailRemoteSenders) reread = op_mail_remote_senders_new (senders_file);

    g_assert_true (op_mail_remote_senders_contains (reread, "news@example.test"));
    g_assert_false (op_mail_remote_senders_contains (reread, "ann@example.test"));
  }
  /* The next message from the sender is not blocked. */
  op_mail_message_view_set_message (view, message, bytes);
  g_assert_false (op_mail_html_view_get_remote_blocked (html));
  g_assert_true (op_ui_test_wait_for (html_loaded, html));

  /* Dark mode: the page's text follows it, over the card (a transparent page). */
  value = run (html, "getComputedStyle(document.documentElement).color");
  g_assert_cmpstr (value, ==, "rgb(0, 0, 0)");
  g_free (value);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  op_ui_test_iterate ();
  g_assert_true (op_ui_test_wait_for (html_loaded, html));
  value = run (html, "getComputedStyle(document.documentElement).color + ' ' + "
                     "getComputedStyle(document.documentElement).backgroundColor");
  g_assert_cmpstr (value, ==, "rgb(255, 255, 255) rgba(0, 0, 0, 0)");
  g_free (value);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  g_socket_service_stop (server.service);
  g_object_unref (server.service);
  g_free (opened.uri);
  gtk_window_destroy (window);
  g_unlink (senders_path);
  g_rmdir (senders_dir);
}

/* The WebKit view inside @html (the type comes with the module). */
static GtkWidget *
find_web_view (GtkWidget *html)
{
  return op_ui_test_find_type (html, g_type_from_name ("WebKitWebView"));
}

/* One message view on @message in a window of its own; its web view loaded. */
static OpMailHtmlView *
show_html (OpMimeMessage       *message,
           GBytes              *bytes,
           OpMailRemoteSenders *senders,
           GtkWindow          **window)
{
  OpMailMessageView *view = OP_MAIL_MESSAGE_VIEW (op_mail_message_view_new ());
  OpMailHtmlView *html = op_mail_message_view_get_html_view (view);

  op_mail_html_view_set_remote_senders (html, senders);
  *window = window_with (GTK_WIDGET (view));
  op_mail_message_view_set_message (view, message, bytes);
  g_assert_true (op_ui_test_wait_for (html_loaded, html));
  return html;
}

/* The locks of a message hold in every web view, whether the view was started ahead of
 * time (op_mail_html_view_prewarm()) or kept from a message view that went, after that
 * message had its remote content shown. */
static void
test_html_reused_view_keeps_locks (void)
{
  Server server = { 0 };
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (OpMimeMessage) message = NULL;
  g_autoptr (OpMailRemoteSenders) senders = NULL;
  g_autofree char *senders_dir = g_dir_make_tmp ("outpost-senders-XXXXXX", NULL);
  g_autofree char *senders_path = g_build_filename (senders_dir, "senders", NULL);
  g_autoptr (GFile) senders_file = g_file_new_for_path (senders_path);
  OpMailHtmlView *html;
  GtkWindow *window;
  GtkWidget *first_web_view;
  char *value;

  senders = op_mail_remote_senders_new (senders_file);
  server_start (&server);
  bytes = mail_test_load ("html-remote.eml", server.port);
  message = mail_test_parse (bytes);
  /* A view made ahead of time (run alone, this test opens the module here). */
  op_mail_html_view_prewarm ();
  g_assert_true (op_ui_test_wait_for (backend_loaded, NULL));

  /* A message view whose remote content the user showed, then the view goes. */
  html = show_html (message, bytes, senders, &window);
  first_web_view = find_web_view (GTK_WIDGET (html));
  g_assert_nonnull (first_web_view);
  g_assert_true (op_mail_html_view_get_remote_blocked (html));
  op_mail_html_view_show_remote (html);
  g_assert_true (op_ui_test_wait_for (html_loaded, html));
  g_assert_true (op_ui_test_wait_for (got_connection, &server));
  gtk_window_destroy (window);
  op_ui_test_iterate ();

  /* The next message view gets that web view back, and everything is locked again: the
   * remote image is not fetched, no script of the message ran, cid: still resolves
   * (from the new owner), and a link goes to the new owner. */
  server.connections = 0;
  html = show_html (message, bytes, senders, &window);
  g_assert_true (find_web_view (GTK_WIDGET (html)) == first_web_view);
  g_assert_true (op_mail_html_view_get_remote_blocked (html));
  assert_locked (html, &server);
  {
    Opened opened = { NULL, 0 };
    GtkWidget *view = gtk_widget_get_ancestor (GTK_WIDGET (html), OP_TYPE_MAIL_MESSAGE_VIEW);

    g_signal_connect (view, "open-uri", G_CALLBACK (on_open_uri), &opened);
    value = run (html, "document.getElementById('link').click(); 'clicked'");
    g_free (value);
    g_assert_true (op_ui_test_wait_for (uri_opened, &opened));
    g_assert_cmpstr (opened.uri, ==, "https://example.org/offer");
    g_signal_handlers_disconnect_by_data (view, &opened);
    g_free (opened.uri);
  }
  gtk_window_destroy (window);
  op_ui_test_iterate ();

  g_socket_service_stop (server.service);
  g_object_unref (server.service);
  g_unlink (senders_path);
  g_rmdir (senders_dir);
}

static gboolean
is_web_view (GtkWidget     *widget,
             gconstpointer  unused)
{
  return g_str_equal (G_OBJECT_TYPE_NAME (widget), "WebKitWebView");
}

/* Waits for @widget's window to paint a frame (its layout is done). */
static void
wait_for_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;

  g_assert_nonnull (clock);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &painted);
  gtk_widget_queue_draw (widget);
  g_assert_true (op_ui_test_wait_for (frame_drawn, &painted));
  g_signal_handlers_disconnect_by_func (clock, on_after_paint, &painted);
}

static graphene_rect_t
bounds_in (GtkWidget *widget,
           GtkWidget *target)
{
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_compute_bounds (widget, target, &bounds));
  return bounds;
}

/* The first HTML message of the process, WebKit not started yet (it takes a second or
 * more): its text shows at once, under the remote-content bar where the HTML's body will
 * start, then the HTML replaces it without moving the bar. Runs before any other test
 * starts WebKit. */
static void
test_html_text_until_loaded (void)
{
  Server server = { 0 };
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (OpMimeMessage) message = NULL;
  OpMailMessageView *view;
  OpMailHtmlView *html;
  GtkTextView *text_view;
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  GtkWindow *window;
  GtkWidget *bar, *web_view;
  graphene_rect_t bar_meanwhile, text_meanwhile, bar_loaded, web_loaded;

  server_start (&server);
  bytes = mail_test_load ("html-remote.eml", server.port);
  message = mail_test_parse (bytes);
  view = OP_MAIL_MESSAGE_VIEW (op_mail_message_view_new ());
  html = op_mail_message_view_get_html_view (view);
  text_view = op_mail_message_view_get_text_view (view);
  window = window_with (GTK_WIDGET (view));

  g_assert_false (op_mail_html_view_backend_loaded ());
  op_mail_message_view_set_message (view, message, bytes);
  op_ui_test_iterate ();
  g_assert_false (op_mail_html_view_get_loaded (html));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (text_view)));
  gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (text_view), &start, &end);
  text = gtk_text_buffer_get_text (gtk_text_view_get_buffer (text_view), &start, &end, FALSE);
  g_assert_nonnull (strstr (text, "December news"));
  g_assert_null (strstr (text, "<h1"));
  /* The bar says already that remote content is blocked. */
  g_assert_true (op_mail_html_view_get_remote_blocked (html));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (op_ui_test_find_button (GTK_WIDGET (html), "_Show Remote Content"))));
  bar = op_ui_test_find_with_class (GTK_WIDGET (html), "op-mail-remote-bar");
  g_assert_nonnull (bar);
  wait_for_frame (GTK_WIDGET (view));
  g_assert_false (op_mail_html_view_get_loaded (html));
  bar_meanwhile = bounds_in (bar, GTK_WIDGET (view));
  text_meanwhile = bounds_in (GTK_WIDGET (text_view), GTK_WIDGET (view));
  /* No blank strip for the web view that is not there yet: the text starts just under
   * the bar, inset as the page's body will be. */
  g_assert_cmpfloat (text_meanwhile.origin.y - (bar_meanwhile.origin.y + bar_meanwhile.size.height),
                     <=, 6 + OP_MAIL_HTML_BODY_MARGIN);
  g_assert_cmpfloat (text_meanwhile.size.height, >, 0);

  g_assert_true (op_ui_test_wait_for (html_loaded, html));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (text_view)));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (html)));
  wait_for_frame (GTK_WIDGET (view));
  /* The HTML took the text's place: the bar did not move, and the page's body starts
   * where the text did. */
  web_view = op_ui_test_find_matching (GTK_WIDGET (html), is_web_view, NULL);
  g_assert_nonnull (web_view);
  g_assert_true (gtk_widget_get_mapped (web_view));
  bar_loaded = bounds_in (bar, GTK_WIDGET (view));
  web_loaded = bounds_in (web_view, GTK_WIDGET (view));
  g_assert_cmpfloat (bar_loaded.origin.y, ==, bar_meanwhile.origin.y);
  g_assert_cmpfloat (web_loaded.origin.y + OP_MAIL_HTML_BODY_MARGIN, ==, text_meanwhile.origin.y);
  g_assert_cmpfloat (web_loaded.origin.x + OP_MAIL_HTML_BODY_MARGIN, ==, text_meanwhile.origin.x);
  g_assert_cmpuint (server.connections, ==, 0);

  gtk_window_destroy (window);
  op_ui_test_iterate ();
  g_socket_service_stop (server.service);
  g_object_unref (server.service);
}

typedef struct
{
  gboolean  done;
  GError   *error;
} Saved;

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Saved *saved = user_data;

  op_mail_attachment_save_finish (result, &saved->error);
  saved->done = TRUE;
}

static gboolean
save_finished (gpointer data)
{
  return ((Saved *) data)->done;
}

static void
test_attachments_sanitised (void)
{
  g_autoptr (GBytes) bytes = mail_test_load ("hostile-attachments.eml", 0);
  g_autoptr (OpMimeMessage) message = mail_test_parse (bytes);
  g_autofree char *dir = g_dir_make_tmp ("outpost-attach-XXXXXX", NULL);
  g_autoptr (GFile) folder = g_file_new_for_path (dir);
  OpMailMessageView *view = OP_MAIL_MESSAGE_VIEW (op_mail_message_view_new ());
  OpMailAttachmentList *list = op_mail_message_view_get_attachment_list (view);
  GtkWindow *window = window_with (GTK_WIDGET (view));
  g_autoptr (GPtrArray) written = g_ptr_array_new_with_free_func (g_object_unref);

  op_mail_message_view_set_message (view, message, bytes);
  op_ui_test_iterate ();
  g_assert_cmpuint (op_mail_attachment_list_get_n_items (list), ==, 4);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (list)));
  /* The name is shown as the message gives it, with its size. */
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (list), "../../.bashrc"));

  for (guint i = 0; i < op_mail_attachment_list_get_n_items (list); i++)
    {
      OpMimePart *part = op_mail_attachment_list_get_part (list, i);
      g_autoptr (GFile) dest = op_mail_attachment_dest_file (folder, part);
      g_autofree char *name = g_file_get_basename (dest);
      Saved saved = { FALSE, NULL };

      /* Inside the chosen folder, a plain visible name. */
      g_assert_true (g_file_has_parent (dest, folder));
      g_assert_null (strchr (name, '/'));
      g_assert_cmpint (name[0], !=, '.');
      op_mail_attachment_save_async (part, dest, NULL, on_saved, &saved);
      g_assert_true (op_ui_test_wait_for (save_finished, &saved));
      g_assert_no_error (saved.error);
      g_assert_true (g_file_query_exists (dest, NULL));
      g_ptr_array_add (written, g_object_ref (dest));
    }
  /* The decoded content, byte for byte. */
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_load_contents (g_ptr_array_index (written, 1), NULL, &contents, NULL, NULL, NULL));
    g_assert_cmpstr (contents, ==, "#!/bin/sh\necho evil\n");
  }
  /* A second save of the same part never overwrites the first. */
  {
    g_autoptr (GFile) again = op_mail_attachment_dest_file (folder, op_mail_attachment_list_get_part (list, 1));
    g_autofree char *first = g_file_get_basename (g_ptr_array_index (written, 1));
    g_autofree char *second = g_file_get_basename (again);

    g_assert_cmpstr (first, !=, second);
    g_assert_true (g_str_has_suffix (second, " (2).sh"));
  }
  for (guint i = 0; i < written->len; i++)
    g_file_delete (g_ptr_array_index (written, i), NULL, NULL);
  g_rmdir (dir);
  gtk_window_destroy (window);
}

static void
test_conversation_newest_open (void)
{
  g_autoptr (GBytes) first = mail_test_load ("plain-quoted.eml", 0);
  g_autoptr (GBytes) second = mail_test_load ("hostile-attachments.eml", 0);
  g_autoptr (GBytes) third = mail_test_load ("html-remote.eml", 1);
  g_autoptr (OpMimeMessage) a = mail_test_parse (first);   /* 1 Dec */
  g_autoptr (OpMimeMessage) b = mail_test_parse (second);  /* 3 Dec */
  g_autoptr (OpMimeMessage) c = mail_test_parse (third);   /* 2 Dec */
  OpMailConversationView *conversation = OP_MAIL_CONVERSATION_VIEW (op_mail_conversation_view_new ());
  GtkWindow *window = window_with (GTK_WIDGET (conversation));

  op_mail_conversation_view_add_message (conversation, b, second);
  op_mail_conversation_view_add_message (conversation, a, first);
  op_mail_conversation_view_add_message (conversation, c, third);
  op_ui_test_iterate ();

  g_assert_cmpuint (op_mail_conversation_view_get_n_messages (conversation), ==, 3);
  g_assert_true (op_mail_message_view_get_message (op_mail_conversation_view_get_message_view (conversation, 0)) == a);
  g_assert_true (op_mail_message_view_get_message (op_mail_conversation_view_get_message_view (conversation, 1)) == c);
  g_assert_true (op_mail_message_view_get_message (op_mail_conversation_view_get_message_view (conversation, 2)) == b);
  g_assert_false (op_mail_message_view_get_expanded (op_mail_conversation_view_get_message_view (conversation, 0)));
  g_assert_false (op_mail_message_view_get_expanded (op_mail_conversation_view_get_message_view (conversation, 1)));
  g_assert_true (op_mail_message_view_get_expanded (op_mail_conversation_view_get_message_view (conversation, 2)));
  /* A collapsed message shows a line of its text. */
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (op_mail_conversation_view_get_message_view (conversation, 0)),
                                           "Hi all, The notes are at https://example.org/wiki/Release_(2026). See you then. On Mon, 30 Nov 2026, Bob wrote:"));
  gtk_window_destroy (window);
}

/* What decides whether the bar is shown. The page's policy blocks the rest anyway; a
 * miss here only hides the offer. */
static void
test_remote_content_detection (void)
{
  const char *remote[] = {
    "<img src=\"http://t.example/p.gif\">",
    "<IMG SRC='https://t.example/p.gif'>",
    "<img src=//t.example/p.gif>",
    "<img srcset=\"https://t.example/a.png 2x\">",
    "<table background=\"http://t.example/bg.png\">",
    "<div style=\"background: url( 'https://t.example/x.png' )\">",
    "<style>@import url(\"https://t.example/s.css\");</style>",
    "<style>@import 'http://t.example/s.css';</style>",
    "<link rel=\"stylesheet\" href=\"https://t.example/s.css\">",
    "<video poster=\"https://t.example/v.jpg\">",
    "<object data=\"http://t.example/o.swf\">",
  };
  const char *local[] = {
    "<img src=\"cid:logo@example.test\">",
    "<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
    "<a href=\"https://example.org/\">a link is not content</a>",
    "<p>Visit http://example.org/ today</p>",
    "<div data-src=\"x\" style=\"color: red\">",
  };

  for (guint i = 0; i < G_N_ELEMENTS (remote); i++)
    if (!_op_mail_html_has_remote_content (remote[i]))
      g_error ("remote content not seen in %s", remote[i]);
  for (guint i = 0; i < G_N_ELEMENTS (local); i++)
    if (_op_mail_html_has_remote_content (local[i]))
      g_error ("remote content seen in %s", local[i]);
}

int
main (int   argc,
      char *argv[])
{
  op_ui_test_init (&argc, &argv);

  /* First: nothing before it may load WebKit. */
  g_test_add_func ("/mail/view/webkit-not-loaded-at-start", test_webkit_not_loaded_at_start);
  g_test_add_func ("/mail/view/plain/quotes-signature-links-source", test_plain_quotes_signature_links);
  g_test_add_func ("/mail/view/html/text-until-loaded", test_html_text_until_loaded);
  g_test_add_func ("/mail/view/attachments/names-sanitised", test_attachments_sanitised);
  g_test_add_func ("/mail/view/conversation/newest-open", test_conversation_newest_open);
  g_test_add_func ("/mail/view/html/remote-detection", test_remote_content_detection);
  g_test_add_func ("/mail/view/html/remote-blocked-cid-shown-no-script", test_html_remote_blocked_cid_shown);
  g_test_add_func ("/mail/view/html/reused-view-keeps-locks", test_html_reused_view_keeps_locks);

  return op_ui_test_run ();
}
