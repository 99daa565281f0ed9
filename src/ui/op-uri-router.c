/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "op-uri-router.h"

/* Long enough for any address a person types; a longer one is cut in the message only. */
#define DISPLAY_MAX_CHARS 120

struct _OpUriRouter
{
  GObject     parent_instance;

  GHashTable *handlers; /* interned lower-case scheme → Route */
};

typedef struct
{
  OpUriHandler   handler;
  gpointer       user_data;
  GDestroyNotify destroy;
} Route;

G_DEFINE_FINAL_TYPE (OpUriRouter, op_uri_router, G_TYPE_OBJECT)

G_DEFINE_QUARK (op-uri-router-error-quark, op_uri_router_error)

static void
route_free (gpointer data)
{
  Route *route = data;

  if (route->destroy != NULL)
    route->destroy (route->user_data);
  g_free (route);
}

static void
op_uri_router_finalize (GObject *object)
{
  OpUriRouter *self = OP_URI_ROUTER (object);

  g_clear_pointer (&self->handlers, g_hash_table_unref);

  G_OBJECT_CLASS (op_uri_router_parent_class)->finalize (object);
}

static void
op_uri_router_class_init (OpUriRouterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_uri_router_finalize;
}

static void
op_uri_router_init (OpUriRouter *self)
{
  self->handlers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, route_free);
}

OpUriRouter *
op_uri_router_new (void)
{
  return g_object_new (OP_TYPE_URI_ROUTER, NULL);
}

static const char *
intern_scheme (const char *scheme)
{
  g_autofree char *lower = g_ascii_strdown (scheme, -1);

  return g_intern_string (lower);
}

/**
 * op_uri_router_register:
 * @self: the router
 * @scheme: a URI scheme such as "ftp"; case does not matter
 * @handler: opens a URI of that scheme
 * @user_data: (closure): passed to @handler
 * @destroy: (nullable): frees @user_data when the route is replaced or removed
 *
 * Routes URIs of @scheme to @handler, replacing a previous handler for it.
 */
void
op_uri_router_register (OpUriRouter    *self,
                        const char     *scheme,
                        OpUriHandler    handler,
                        gpointer        user_data,
                        GDestroyNotify  destroy)
{
  Route *route;

  g_return_if_fail (OP_IS_URI_ROUTER (self));
  g_return_if_fail (scheme != NULL && *scheme != '\0');
  g_return_if_fail (handler != NULL);

  route = g_new0 (Route, 1);
  route->handler = handler;
  route->user_data = user_data;
  route->destroy = destroy;
  g_hash_table_replace (self->handlers, (gpointer) intern_scheme (scheme), route);
}

void
op_uri_router_unregister (OpUriRouter *self,
                          const char  *scheme)
{
  g_return_if_fail (OP_IS_URI_ROUTER (self));
  g_return_if_fail (scheme != NULL);

  g_hash_table_remove (self->handlers, intern_scheme (scheme));
}

gboolean
op_uri_router_handles (OpUriRouter *self,
                       const char  *scheme)
{
  g_return_val_if_fail (OP_IS_URI_ROUTER (self), FALSE);
  g_return_val_if_fail (scheme != NULL, FALSE);

  return g_hash_table_contains (self->handlers, intern_scheme (scheme));
}

/* What the user is shown of @uri: no password, a local path instead of a file: URI, and
 * a bounded length. */
static char *
display_uri (const char *uri)
{
  g_autoptr (GUri) parsed = NULL;
  g_autofree char *shown = NULL;

  if (g_strcmp0 (g_uri_peek_scheme (uri), "file") == 0)
    {
      g_autofree char *path = g_filename_from_uri (uri, NULL, NULL);

      if (path != NULL)
        shown = g_filename_display_name (path);
    }

  if (shown == NULL)
    {
      parsed = g_uri_parse (uri, G_URI_FLAGS_PARSE_RELAXED | G_URI_FLAGS_HAS_PASSWORD, NULL);
      if (parsed != NULL)
        shown = g_uri_to_string_partial (parsed, G_URI_HIDE_PASSWORD);
      else
        shown = g_utf8_make_valid (uri, -1);
    }

  if (g_utf8_strlen (shown, -1) > DISPLAY_MAX_CHARS)
    {
      g_autofree char *head = g_utf8_substring (shown, 0, DISPLAY_MAX_CHARS - 1);

      g_free (shown);
      shown = g_strconcat (head, "…", NULL);
    }

  return g_steal_pointer (&shown);
}

/**
 * op_uri_router_route:
 * @self: the router
 * @window: the window to open @uri in
 * @uri: an absolute URI
 * @error: an #OpUriRouterError, or the handler's error
 *
 * Hands @uri to the handler registered for its scheme.
 *
 * Returns: %TRUE when a handler took @uri
 */
gboolean
op_uri_router_route (OpUriRouter  *self,
                     GtkWindow    *window,
                     const char   *uri,
                     GError      **error)
{
  g_autofree char *shown = NULL;
  const char *scheme;
  Route *route;

  g_return_val_if_fail (OP_IS_URI_ROUTER (self), FALSE);
  g_return_val_if_fail (window == NULL || GTK_IS_WINDOW (window), FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  scheme = g_uri_peek_scheme (uri);
  if (scheme != NULL)
    {
      route = g_hash_table_lookup (self->handlers, scheme);
      if (route != NULL)
        return route->handler (window, uri, route->user_data, error);
    }

  shown = display_uri (uri);

  if (scheme == NULL)
    g_set_error (error, OP_URI_ROUTER_ERROR, OP_URI_ROUTER_ERROR_INVALID,
                 /* Translators: %s is what was given on the command line */
                 _("Outpost can't open “%s”: it is not a valid address."), shown);
  else if (g_str_equal (scheme, "file"))
    g_set_error (error, OP_URI_ROUTER_ERROR, OP_URI_ROUTER_ERROR_UNSUPPORTED,
                 /* Translators: %s is the path of a local file */
                 _("Outpost can't open “%s”: it is a local file, and Outpost opens network "
                   "addresses."),
                 shown);
  else
    g_set_error (error, OP_URI_ROUTER_ERROR, OP_URI_ROUTER_ERROR_UNSUPPORTED,
                 /* Translators: the first %s is an address such as “gopher://example.com”,
                  * the second its scheme, such as “gopher” */
                 _("Outpost can't open “%s”: %s addresses are not supported."), shown, scheme);

  return FALSE;
}
