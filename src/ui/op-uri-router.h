/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OP_URI_ROUTER_ERROR (op_uri_router_error_quark ())

/**
 * OpUriRouterError:
 * @OP_URI_ROUTER_ERROR_INVALID: the argument is not an absolute URI.
 * @OP_URI_ROUTER_ERROR_UNSUPPORTED: no view handles the URI's scheme.
 *
 * Both messages are translated, name the URI and can be shown to the user as they are.
 */
typedef enum
{
  OP_URI_ROUTER_ERROR_INVALID,
  OP_URI_ROUTER_ERROR_UNSUPPORTED,
} OpUriRouterError;

GQuark op_uri_router_error_quark (void);

/**
 * OpUriHandler:
 * @window: the window the URI is opened in
 * @uri: the URI, as the user gave it
 * @user_data: the data passed to op_uri_router_register()
 * @error: set when the view can't open @uri; the message is shown to the user
 *
 * Opens @uri in the view that registered this handler (showing the view first).
 *
 * Returns: %TRUE when the view took @uri
 */
typedef gboolean (*OpUriHandler) (GtkWindow   *window,
                                  const char  *uri,
                                  gpointer     user_data,
                                  GError     **error);

#define OP_TYPE_URI_ROUTER (op_uri_router_get_type ())
G_DECLARE_FINAL_TYPE (OpUriRouter, op_uri_router, OP, URI_ROUTER, GObject)

/*
 * `outpost [URI…]` goes through here: each view registers the schemes it handles
 * (lower case, e.g. "ftp"), and a URI whose scheme nobody registered gets a clear error.
 */
OpUriRouter *op_uri_router_new         (void);
void         op_uri_router_register    (OpUriRouter     *self,
                                        const char      *scheme,
                                        OpUriHandler     handler,
                                        gpointer         user_data,
                                        GDestroyNotify   destroy);
void         op_uri_router_unregister  (OpUriRouter     *self,
                                        const char      *scheme);
gboolean     op_uri_router_handles     (OpUriRouter     *self,
                                        const char      *scheme);
gboolean     op_uri_router_route       (OpUriRouter     *self,
                                        GtkWindow       *window,
                                        const char      *uri,
                                        GError         **error);

G_END_DECLS
