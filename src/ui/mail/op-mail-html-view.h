/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "op-mail-html-backend.h"
#include "op-mail-remote-senders.h"
#include "op-mime-message.h"

G_BEGIN_DECLS

#define OP_TYPE_MAIL_HTML_VIEW (op_mail_html_view_get_type ())
G_DECLARE_FINAL_TYPE (OpMailHtmlView, op_mail_html_view, OP, MAIL_HTML_VIEW, GtkWidget)

/*
 * The HTML body of one message, in a sandboxed WebKit view (op-mail-html-backend.h)
 * that is loaded the first time a message is set. Remote content is blocked unless its
 * sender is in the remote-content senders; when the message has some, a bar offers to
 * show it for this message or always for this sender. "cid:" images come from the
 * message's own parts. A clicked link emits ::link-activated; the view never navigates.
 * It follows AdwStyleManager's dark mode.
 *
 * The module is opened on a worker thread the first time a message is set, or earlier
 * by op_mail_html_view_prewarm(); the message shows once it is open.
 *
 * Signals: ::link-activated (const char *uri); ::failed (const char *message): the
 * module could not be opened for the message set before it was.
 * Properties: "remote-blocked" (the message has remote content that is not shown; the
 * bar is visible), "loaded" (the last message finished loading).
 *
 * Until a message's HTML first loads, the view is only as tall as its bar and the space
 * under it: whatever follows it takes the web view's place, where the page's body starts
 * OP_MAIL_HTML_BODY_MARGIN pixels in (WebKit's default margin of <body>).
 */
#define OP_MAIL_HTML_BODY_MARGIN 8

GtkWidget   *op_mail_html_view_new                (void);
/* @senders NULL: op_mail_remote_senders_get_default(). */
void         op_mail_html_view_set_remote_senders (OpMailHtmlView      *self,
                                                   OpMailRemoteSenders *senders);
/* Shows @message's HTML body (it must have one). Returns FALSE with @error when the
 * HTML module could not be loaded before; the caller then shows the text. While the
 * module is still opening it returns TRUE, and ::failed says it later if it fails. */
gboolean     op_mail_html_view_set_message        (OpMailHtmlView      *self,
                                                   OpMimeMessage       *message,
                                                   GError             **error);
gboolean     op_mail_html_view_get_remote_blocked (OpMailHtmlView      *self);
gboolean     op_mail_html_view_get_loaded         (OpMailHtmlView      *self);
/* The bar's buttons: load the remote content of this message, or of every message
 * from its sender (remembered). */
void         op_mail_html_view_show_remote        (OpMailHtmlView      *self);
void         op_mail_html_view_always_show_remote (OpMailHtmlView      *self);
/* Runs @script in the application's own world of the page (see the backend). */
void         op_mail_html_view_run_script         (OpMailHtmlView      *self,
                                                   const char          *script,
                                                   OpMailHtmlScriptFunc callback,
                                                   gpointer             user_data);

/* Starting WebKit before the first HTML message (see the .c file): at once, or after
 * the next frame of @shown's window, on idle (what the Mail page does when it first
 * shows a folder with mail). */
void         op_mail_html_view_prewarm            (void);
void         op_mail_html_view_prewarm_after_frame (GtkWidget         *shown);
/* TRUE once the WebKit module was loaded in this process. */
gboolean     op_mail_html_view_backend_loaded     (void);
/* TRUE when @html refers to anything outside the message (http, https, ftp or
 * protocol-relative URLs in src, srcset, background, poster, data, url() or @import,
 * or a <link> to a stylesheet). */
gboolean     _op_mail_html_has_remote_content     (const char          *html);

G_END_DECLS
