/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * The contract between the Mail view and its WebKitGTK module (mail/webkit/), which
 * OpMailHtmlView loads with GModule the first time an HTML message is shown. Only GLib
 * and GTK types cross it, so the module needs no symbol of the application and the
 * application no symbol of WebKit.
 *
 * The module's web views: run no JavaScript of the message (markup scripts and event
 * handlers are off, and the page's Content-Security-Policy forbids scripts), load
 * nothing from the network unless allow_remote is set for that load (then images,
 * styles, fonts and media only), get "cid:" resources from the resolver, never navigate
 * (a clicked link goes to link_activated), keep no cache, cookies or storage (an
 * ephemeral network session), and size themselves to their content.
 */

#define OP_MAIL_HTML_BACKEND_ABI 2
#define OP_MAIL_HTML_BACKEND_SYMBOL "op_mail_html_backend_get"

/* Returns the decoded content of the part whose Content-ID is @content_id (without
 * "cid:" or brackets) and its content type, or NULL when the message has none. Called on
 * the main thread. */
typedef GBytes *(*OpMailHtmlResolveFunc) (const char  *content_id,
                                          char       **content_type,
                                          gpointer     user_data);
/* A link in the message was clicked (http, https, mailto, …). */
typedef void    (*OpMailHtmlLinkFunc)    (const char  *uri,
                                          gpointer     user_data);
/* The last load() of the view finished: its content and its cid: images are in, and the
 * view has its height. */
typedef void    (*OpMailHtmlLoadedFunc)  (gpointer     user_data);
/* The result of run_script(): the value as a string, or NULL with @error. */
typedef void    (*OpMailHtmlScriptFunc)  (const char  *result,
                                          const GError *error,
                                          gpointer     user_data);

typedef struct
{
  guint       abi;                                   /* OP_MAIL_HTML_BACKEND_ABI */
  /* A new web view (floating reference, as any new widget); the one prewarm() made if
   * there is one. */
  GtkWidget *(*new_view)   (OpMailHtmlResolveFunc  resolve,
                            OpMailHtmlLinkFunc     link_activated,
                            OpMailHtmlLoadedFunc   loaded,
                            gpointer               user_data);
  /* The view calls none of its functions again (its owner is going; WebKit may still
   * hold the view for a while). */
  void       (*forget)     (GtkWidget             *view);
  /* Starts WebKit ahead of the first message: the web context, its web process and
   * network process, and one web view (with the settings of every other, an empty page
   * loaded) that the next new_view() returns. Does nothing if it was done. */
  void       (*prewarm)    (void);
  void       (*load)       (GtkWidget             *view,
                            const char            *html,
                            gboolean               allow_remote,
                            gboolean               dark);
  /* TRUE once the last load() finished (its content and its cid: images are in). */
  gboolean   (*is_loaded)  (GtkWidget             *view);
  /* Fits the view's height to its content again (after its width changed). */
  void       (*remeasure)  (GtkWidget             *view);
  /* Runs @script in a world of its own (not the page's, which runs none), for the
   * application's own checks and for tests; the page's scripts stay off. */
  void       (*run_script) (GtkWidget             *view,
                            const char            *script,
                            OpMailHtmlScriptFunc   callback,
                            gpointer               user_data);
} OpMailHtmlBackend;

typedef const OpMailHtmlBackend *(*OpMailHtmlBackendGetFunc) (void);

G_END_DECLS
