/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail-webkit"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <webkit/webkit.h>

#include "op-mail-html-backend.h"

/*
 * The WebKitGTK 6.0 side of OpMailHtmlView (see op-mail-html-backend.h for the
 * contract). Built as a module of its own so that WebKit is loaded only when the first
 * HTML message is shown.
 *
 * Three independent locks keep a message from reaching the network or running code:
 * - the settings: no JavaScript from markup, no plug-ins, storage, WebGL, media or
 *   hyperlink auditing, and an ephemeral network session (no cache, no cookies);
 * - a Content-Security-Policy put in front of the message: default-src 'none', scripts
 *   forbidden, images, styles, fonts and media from "cid:" and "data:" only (and from
 *   anywhere once the user allowed remote content for this load);
 * - decide-policy: the view never navigates; a click on a link is handed to the
 *   application, every other navigation (meta refresh, form, window.open) is refused.
 */

/* Our own load of the message, the only navigation ever allowed. */
#define BASE_URI "outpost-mail:message"

typedef struct
{
  OpMailHtmlResolveFunc resolve;
  OpMailHtmlLinkFunc    link_activated;
  OpMailHtmlLoadedFunc  loaded_func;
  gpointer              user_data;
  gboolean              loaded;
  guint                 serial;     /* of the last load(), to drop stale size answers */
} ViewData;

static WebKitWebContext     *shared_context;
static WebKitNetworkSession *shared_session;
/* Web views ready for the next message: the prewarm's, and those of message views that
 * went (at most MAX_SPARES). Owned here until taken. */
#define MAX_SPARES 2
static GPtrArray            *spares;
/* The first web view: every later one is related to it, so they share its web process
 * instead of each starting one (kept for the life of the process). */
static WebKitWebView        *anchor;
static gboolean              prewarmed;

/* What a view shows while it waits in the spares: nothing of the last message. */
static const char EMPTY_PAGE[] =
  "<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">";

static const char CSP_BLOCKED[] =
  "default-src 'none'; script-src 'none'; object-src 'none'; frame-src 'none'; "
  "form-action 'none'; base-uri 'none'; "
  "img-src cid: data:; style-src 'unsafe-inline' cid:; font-src cid: data:; "
  "media-src cid:";
static const char CSP_REMOTE[] =
  "default-src 'none'; script-src 'none'; object-src 'none'; frame-src 'none'; "
  "form-action 'none'; base-uri 'none'; "
  "img-src * cid: data:; style-src * 'unsafe-inline' cid:; font-src * cid: data:; "
  "media-src * cid:";

static ViewData *
view_data (GtkWidget *view)
{
  return g_object_get_data (G_OBJECT (view), "op-mail-html-view-data");
}

static void
handle_cid (WebKitURISchemeRequest *request,
            gpointer                unused)
{
  WebKitWebView *view = webkit_uri_scheme_request_get_web_view (request);
  ViewData *data = view != NULL ? view_data (GTK_WIDGET (view)) : NULL;
  g_autofree char *content_type = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GInputStream) stream = NULL;
  g_autofree char *id = NULL;
  const char *path = webkit_uri_scheme_request_get_path (request);

  if (path != NULL)
    id = g_uri_unescape_string (path, NULL);
  if (data != NULL && id != NULL && data->resolve != NULL)
    bytes = data->resolve (id, &content_type, data->user_data);
  if (bytes == NULL)
    {
      g_autoptr (GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                              "The message has no part cid:%s",
                                              id != NULL ? id : "");
      webkit_uri_scheme_request_finish_error (request, error);
      return;
    }
  stream = g_memory_input_stream_new_from_bytes (bytes);
  webkit_uri_scheme_request_finish (request, stream, g_bytes_get_size (bytes),
                                    content_type != NULL ? content_type
                                                         : "application/octet-stream");
}

/* The message page itself: answered only for our own load_html() base URI, whose
 * content WebKit already has; anything else under the scheme is refused. */
static void
handle_base (WebKitURISchemeRequest *request,
             gpointer                unused)
{
  g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                                  "Not available");

  webkit_uri_scheme_request_finish_error (request, error);
}

static void
ensure_context (void)
{
  WebKitSecurityManager *security;

  if (shared_context != NULL)
    return;
  shared_context = webkit_web_context_new ();
  /* One web process for every message view: they all show mail from the same user. */
  webkit_web_context_set_cache_model (shared_context, WEBKIT_CACHE_MODEL_DOCUMENT_VIEWER);
  webkit_web_context_register_uri_scheme (shared_context, "cid", handle_cid, NULL, NULL);
  webkit_web_context_register_uri_scheme (shared_context, "outpost-mail", handle_base,
                                          NULL, NULL);
  security = webkit_web_context_get_security_manager (shared_context);
  webkit_security_manager_register_uri_scheme_as_secure (security, "cid");
  webkit_security_manager_register_uri_scheme_as_secure (security, "outpost-mail");
  webkit_security_manager_register_uri_scheme_as_cors_enabled (security, "cid");
  shared_session = webkit_network_session_new_ephemeral ();
}

static gboolean
on_decide_policy (WebKitWebView            *web_view,
                  WebKitPolicyDecision     *decision,
                  WebKitPolicyDecisionType  type,
                  gpointer                  unused)
{
  ViewData *data = view_data (GTK_WIDGET (web_view));

  if (type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION
      || type == WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION)
    {
      WebKitNavigationAction *action =
        webkit_navigation_policy_decision_get_navigation_action (WEBKIT_NAVIGATION_POLICY_DECISION (decision));
      WebKitURIRequest *request = webkit_navigation_action_get_request (action);
      const char *uri = webkit_uri_request_get_uri (request);

      if (type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION
          && g_strcmp0 (uri, BASE_URI) == 0
          && webkit_navigation_action_get_navigation_type (action) == WEBKIT_NAVIGATION_TYPE_OTHER
          && !webkit_navigation_action_is_user_gesture (action))
        {
          webkit_policy_decision_use (decision);
          return TRUE;
        }
      /* A link the user clicked leaves the view for the application; a navigation the
       * page starts on its own (meta refresh, a form) goes nowhere. */
      if (webkit_navigation_action_get_navigation_type (action) == WEBKIT_NAVIGATION_TYPE_LINK_CLICKED
          && uri != NULL && data != NULL && data->link_activated != NULL)
        data->link_activated (uri, data->user_data);
      webkit_policy_decision_ignore (decision);
      return TRUE;
    }
  if (type == WEBKIT_POLICY_DECISION_TYPE_RESPONSE)
    {
      /* Nothing is downloaded from a message page. */
      if (!webkit_response_policy_decision_is_mime_type_supported (WEBKIT_RESPONSE_POLICY_DECISION (decision)))
        {
          webkit_policy_decision_ignore (decision);
          return TRUE;
        }
    }
  return FALSE;
}

/* The view is as tall as its content: the conversation around it scrolls, not it. */
static void
height_ready (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  WebKitWebView *web_view = WEBKIT_WEB_VIEW (source);
  guint serial = GPOINTER_TO_UINT (user_data);
  g_autoptr (JSCValue) value = NULL;
  g_autofree char *answer = NULL;
  ViewData *data = view_data (GTK_WIDGET (web_view));
  guint page_serial = 0;
  char state[16] = "";
  int height = 0;

  value = webkit_web_view_evaluate_javascript_finish (web_view, result, NULL);
  if (data == NULL || serial != data->serial)
    return;
  if (value != NULL && jsc_value_is_string (value))
    answer = jsc_value_to_string (value);
  /* The finish of the load this one replaced (a kept view's empty page) can come after
   * it began: only the last load's page, complete (its cid: images in), is loaded. */
  if (answer == NULL || sscanf (answer, "%u %15s %d", &page_serial, state, &height) != 3
      || page_serial != data->serial || strcmp (state, "complete") != 0)
    return;
  gtk_widget_set_size_request (GTK_WIDGET (web_view), -1, CLAMP (height, 24, 100000));
  data->loaded = TRUE;
  if (data->loaded_func != NULL)
    data->loaded_func (data->user_data);
}

/* Which load the page is (the serial load() wrote into it), whether it is complete, and
 * the height of the root element's box, which holds the body and its margins: unlike
 * scrollHeight it is not at least the current viewport, so it can shrink. */
static void
measure (WebKitWebView *web_view,
         ViewData      *data)
{
  webkit_web_view_evaluate_javascript (web_view,
                                       "(function () {"
                                       "  var load = document.querySelector('meta[name=\"outpost-load\"]');"
                                       "  return (load ? load.content : '0') + ' ' + document.readyState + ' '"
                                       "         + Math.ceil(document.documentElement.getBoundingClientRect().height);"
                                       "})()",
                                       -1, "outpost", NULL, NULL, height_ready,
                                       GUINT_TO_POINTER (data->serial));
}

static void
on_load_changed (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 gpointer         unused)
{
  ViewData *data = view_data (GTK_WIDGET (web_view));

  if (event != WEBKIT_LOAD_FINISHED || data == NULL)
    return;
  measure (web_view, data);
}

static void
backend_remeasure (GtkWidget *view)
{
  ViewData *data = view_data (view);

  if (data != NULL && data->loaded)
    measure (WEBKIT_WEB_VIEW (view), data);
}

/* No "Reload", "Back", "Open Link in New Window" or "Inspect Element": only what makes
 * sense on a message (copy, select all). */
static gboolean
on_context_menu (WebKitWebView       *web_view,
                 WebKitContextMenu   *menu,
                 WebKitHitTestResult *hit,
                 gpointer             unused)
{
  GList *items = g_list_copy (webkit_context_menu_get_items (menu));

  for (GList *l = items; l != NULL; l = l->next)
    {
      WebKitContextMenuItem *item = l->data;

      switch (webkit_context_menu_item_get_stock_action (item))
        {
        case WEBKIT_CONTEXT_MENU_ACTION_COPY:
        case WEBKIT_CONTEXT_MENU_ACTION_SELECT_ALL:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_LINK_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_IMAGE_TO_CLIPBOARD:
          break;
        default:
          webkit_context_menu_remove (menu, item);
          break;
        }
    }
  g_list_free (items);
  return webkit_context_menu_get_n_items (menu) == 0;
}

/* A web view with the settings and handlers of every message view, and no owner's
 * callbacks yet. */
static WebKitWebView *
make_view (void)
{
  g_autoptr (WebKitSettings) settings = webkit_settings_new ();
  g_autoptr (WebKitUserContentManager) content = webkit_user_content_manager_new ();
  WebKitWebView *web_view;
  ViewData *data;

  ensure_context ();
  /* The application's own scripts (the height, the tests' checks) run in a world of
   * their own through evaluate_javascript; nothing in the message's markup runs. */
  webkit_settings_set_enable_javascript (settings, TRUE);
  webkit_settings_set_enable_javascript_markup (settings, FALSE);
  webkit_settings_set_javascript_can_open_windows_automatically (settings, FALSE);
  webkit_settings_set_javascript_can_access_clipboard (settings, FALSE);
  webkit_settings_set_enable_html5_local_storage (settings, FALSE);
  webkit_settings_set_enable_html5_database (settings, FALSE);
  webkit_settings_set_enable_developer_extras (settings, FALSE);
  webkit_settings_set_enable_page_cache (settings, FALSE);
  webkit_settings_set_enable_webgl (settings, FALSE);
  webkit_settings_set_enable_webaudio (settings, FALSE);
  webkit_settings_set_enable_media (settings, FALSE);
  webkit_settings_set_enable_fullscreen (settings, FALSE);
  webkit_settings_set_allow_file_access_from_file_urls (settings, FALSE);
  webkit_settings_set_allow_universal_access_from_file_urls (settings, FALSE);
  webkit_settings_set_enable_back_forward_navigation_gestures (settings, FALSE);
  webkit_settings_set_auto_load_images (settings, TRUE);
  /* A message is a still page: CPU rendering is enough, keeps the GPU out of reach of
   * its content, and is what draws under GTK's cairo renderer (without it the page
   * stays blank there, e.g. under the UI tests' display). */
  webkit_settings_set_hardware_acceleration_policy (settings, WEBKIT_HARDWARE_ACCELERATION_POLICY_NEVER);
  webkit_settings_set_default_charset (settings, "utf-8");

  /* "related-view" gives the context and the network session of the anchor. */
  if (anchor != NULL)
    web_view = g_object_new (WEBKIT_TYPE_WEB_VIEW,
                             "related-view", anchor,
                             "settings", settings,
                             "user-content-manager", content,
                             NULL);
  else
    {
      web_view = g_object_new (WEBKIT_TYPE_WEB_VIEW,
                               "web-context", shared_context,
                               "network-session", shared_session,
                               "settings", settings,
                               "user-content-manager", content,
                               NULL);
      anchor = g_object_ref_sink (web_view);
    }
  data = g_new0 (ViewData, 1);
  g_object_set_data_full (G_OBJECT (web_view), "op-mail-html-view-data", data, g_free);
  g_signal_connect (web_view, "decide-policy", G_CALLBACK (on_decide_policy), NULL);
  g_signal_connect (web_view, "load-changed", G_CALLBACK (on_load_changed), NULL);
  g_signal_connect (web_view, "context-menu", G_CALLBACK (on_context_menu), NULL);
  gtk_widget_set_hexpand (GTK_WIDGET (web_view), TRUE);
  gtk_widget_set_size_request (GTK_WIDGET (web_view), -1, 24);
  return web_view;
}

/* Gives the view to a new owner (or to none); whatever its last load still answers is
 * stale. */
static void
set_owner (ViewData              *data,
           OpMailHtmlResolveFunc  resolve,
           OpMailHtmlLinkFunc     link_activated,
           OpMailHtmlLoadedFunc   loaded,
           gpointer               user_data)
{
  data->resolve = resolve;
  data->link_activated = link_activated;
  data->loaded_func = loaded;
  data->user_data = user_data;
  data->loaded = FALSE;
  data->serial++;
}

static GtkWidget *
backend_new_view (OpMailHtmlResolveFunc resolve,
                  OpMailHtmlLinkFunc    link_activated,
                  OpMailHtmlLoadedFunc  loaded,
                  gpointer              user_data)
{
  WebKitWebView *web_view;

  if (spares != NULL && spares->len > 0)
    {
      /* Our reference becomes the caller's floating one. */
      web_view = g_ptr_array_steal_index (spares, spares->len - 1);
      g_object_force_floating (G_OBJECT (web_view));
      gtk_widget_set_size_request (GTK_WIDGET (web_view), -1, 24);
    }
  else
    web_view = make_view ();
  set_owner (view_data (GTK_WIDGET (web_view)), resolve, link_activated, loaded, user_data);
  return GTK_WIDGET (web_view);
}

/* Where our <meta> elements go: after a leading doctype (so the message keeps its
 * rendering mode), else at the very start, ahead of anything the message says. */
static gsize
insertion_point (const char *html)
{
  const char *p = html;

  while (g_ascii_isspace (*p))
    p++;
  if (g_ascii_strncasecmp (p, "<!doctype", 9) == 0)
    {
      const char *end = strchr (p, '>');

      if (end != NULL)
        return end + 1 - html;
    }
  return 0;
}

static void
backend_load (GtkWidget  *view,
              const char *html,
              gboolean    allow_remote,
              gboolean    dark)
{
  WebKitWebView *web_view = WEBKIT_WEB_VIEW (view);
  WebKitUserContentManager *content = webkit_web_view_get_user_content_manager (web_view);
  ViewData *data = view_data (view);
  g_autoptr (GString) page = g_string_new (NULL);
  gsize at = insertion_point (html);
  GdkRGBA background = { 1, 1, 1, 1 };

  data->loaded = FALSE;
  data->serial++;
  g_string_append_len (page, html, at);
  g_string_append_printf (page,
                          "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">"
                          "<meta http-equiv=\"x-dns-prefetch-control\" content=\"off\">"
                          "<meta name=\"referrer\" content=\"no-referrer\">"
                          "<meta name=\"outpost-load\" content=\"%u\">",
                          allow_remote ? CSP_REMOTE : CSP_BLOCKED, data->serial);
  g_string_append (page, html + at);

  /* Dark mode: the page's defaults follow the window; a message that sets its own
   * colours keeps them. */
  webkit_user_content_manager_remove_all_style_sheets (content);
  if (dark)
    {
      g_autoptr (WebKitUserStyleSheet) sheet =
        webkit_user_style_sheet_new (":root { color-scheme: dark; }"
                                     "html { background-color: transparent; color: #ffffff; }"
                                     "a:link { color: #78aeed; }",
                                     WEBKIT_USER_CONTENT_INJECT_ALL_FRAMES,
                                     WEBKIT_USER_STYLE_LEVEL_USER, NULL, NULL);
      webkit_user_content_manager_add_style_sheet (content, sheet);
      /* The card shows through, as around the plain text. */
      background.alpha = 0;
    }
  webkit_web_view_set_background_color (web_view, &background);
  webkit_web_view_load_html (web_view, page->str, BASE_URI);
}

static gboolean
backend_is_loaded (GtkWidget *view)
{
  ViewData *data = view_data (view);

  return data != NULL && data->loaded;
}

typedef struct
{
  OpMailHtmlScriptFunc callback;
  gpointer             user_data;
} ScriptCall;

static void
script_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  ScriptCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JSCValue) value = NULL;
  g_autofree char *text = NULL;

  value = webkit_web_view_evaluate_javascript_finish (WEBKIT_WEB_VIEW (source), result, &error);
  if (value != NULL)
    text = jsc_value_to_string (value);
  call->callback (text, error, call->user_data);
  g_free (call);
}

static void
backend_run_script (GtkWidget            *view,
                    const char           *script,
                    OpMailHtmlScriptFunc  callback,
                    gpointer              user_data)
{
  ScriptCall *call = g_new0 (ScriptCall, 1);

  call->callback = callback;
  call->user_data = user_data;
  webkit_web_view_evaluate_javascript (WEBKIT_WEB_VIEW (view), script, -1, "outpost",
                                       NULL, NULL, script_done, call);
}

static void
add_spare (WebKitWebView *web_view)
{
  if (spares == NULL)
    spares = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (spares, g_object_ref_sink (web_view));
  webkit_web_view_load_html (web_view, EMPTY_PAGE, BASE_URI);
}

/* The view's owner is going: the view forgets it, and is kept (with an empty page) for
 * the next message, whose load then needs no new view nor process. */
static void
backend_forget (GtkWidget *view)
{
  ViewData *data = view_data (view);

  if (data == NULL)
    return;
  set_owner (data, NULL, NULL, NULL, NULL);
  webkit_web_view_stop_loading (WEBKIT_WEB_VIEW (view));
  if (spares == NULL || spares->len < MAX_SPARES)
    add_spare (WEBKIT_WEB_VIEW (view));
}

/* The first message would otherwise wait for WebKit to start its web process and its
 * network process (most of a second, tests/bench/README.md "mail-view"): an empty page
 * in a view of our own starts them, under the same settings, policies and sandbox as
 * any message, and the view is the next message's. */
static void
backend_prewarm (void)
{
  if (prewarmed)
    return;
  prewarmed = TRUE;
  if (spares == NULL || spares->len == 0)
    add_spare (make_view ());
}

static const OpMailHtmlBackend backend = {
  .abi = OP_MAIL_HTML_BACKEND_ABI,
  .new_view = backend_new_view,
  .forget = backend_forget,
  .prewarm = backend_prewarm,
  .load = backend_load,
  .is_loaded = backend_is_loaded,
  .remeasure = backend_remeasure,
  .run_script = backend_run_script,
};

G_MODULE_EXPORT const OpMailHtmlBackend *op_mail_html_backend_get (void);

G_MODULE_EXPORT const OpMailHtmlBackend *
op_mail_html_backend_get (void)
{
  return &backend;
}

/* WebKit registers GTypes and keeps a web process: never unload the module. */
G_MODULE_EXPORT const char *g_module_check_init (GModule *module);

G_MODULE_EXPORT const char *
g_module_check_init (GModule *module)
{
  g_module_make_resident (module);
  return NULL;
}
