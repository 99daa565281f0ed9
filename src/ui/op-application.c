/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "op-application.h"
#include "op-preferences-window.h"
#include "op-secrets.h"
#include "op-ui-resources.h"
#include "op-ui-trust-prompt.h"
#include "op-view-registry.h"

struct _OpApplication
{
  AdwApplication   parent_instance;

  OpUriRouter     *uri_router;
  OpTrustStore    *trust_store;  /* created at startup */
  OpUiTrustPrompt *trust_prompt;
};

G_DEFINE_FINAL_TYPE (OpApplication, op_application, ADW_TYPE_APPLICATION)

/* The main window if there is one; never creates one (this may run while quitting). */
static OpWindow *
find_window (OpApplication *self)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (OP_IS_WINDOW (active))
    return OP_WINDOW (active);

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (OP_IS_WINDOW (l->data))
        return OP_WINDOW (l->data);
    }

  return NULL;
}

/**
 * op_application_ensure_window:
 * @self: the application
 *
 * Returns: (transfer none): the main window, created if there is none yet
 */
OpWindow *
op_application_ensure_window (OpApplication *self)
{
  OpWindow *window;

  g_return_val_if_fail (OP_IS_APPLICATION (self), NULL);

  window = find_window (self);
  if (window != NULL)
    return window;

  return op_window_new (GTK_APPLICATION (self));
}

static void
op_application_quit_action (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  OpApplication *self = OP_APPLICATION (user_data);
  GList *windows;

  /* Close the windows rather than quit outright, so each one saves its state (and, later,
   * can ask about unfinished work); the application ends with its last window. */
  windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (self)),
                              (GCopyFunc) g_object_ref, NULL);
  if (windows == NULL)
    g_application_quit (G_APPLICATION (self));

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));

  g_list_free_full (windows, g_object_unref);
}

static char *
debug_info (void)
{
  return g_strdup_printf ("Outpost %s\n"
                          "GTK %u.%u.%u\n"
                          "libadwaita %u.%u.%u\n"
                          "GLib %u.%u.%u\n",
                          PACKAGE_VERSION,
                          gtk_get_major_version (), gtk_get_minor_version (),
                          gtk_get_micro_version (),
                          adw_get_major_version (), adw_get_minor_version (),
                          adw_get_micro_version (),
                          glib_major_version, glib_minor_version, glib_micro_version);
}

static void
op_application_about_action (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  OpApplication *self = OP_APPLICATION (user_data);
  g_autofree char *info = debug_info ();
  const char *developers[] = { _("The Outpost developers"), NULL };
  OpWindow *window = op_application_ensure_window (self);
  GtkWidget *about;

  gtk_window_present (GTK_WINDOW (window));
  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", window,
                        "modal", TRUE,
                        "application-name", "Outpost",
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "comments", _("Files over FTP and FTPS, mail, Usenet news and raw "
                                      "network sessions, in one window."),
                        "developer-name", _("The Outpost developers"),
                        "developers", developers,
                        /* Translators: put your names here, one per line */
                        "translator-credits", _("translator-credits"),
                        "copyright", _("© 2026 The Outpost developers"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "website", PACKAGE_URL,
                        "issue-url", PACKAGE_BUGREPORT,
                        "debug-info", info,
                        "debug-info-filename", "outpost-debug-info.txt",
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
op_application_shortcuts_action (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  OpApplication *self = OP_APPLICATION (user_data);
  OpWindow *window = op_application_ensure_window (self);

  gtk_window_present (GTK_WINDOW (window));
  /* OpWindow's own win.show-help-overlay (op-help-overlay.h). */
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-help-overlay", NULL);
}

static void
op_application_preferences_action (GSimpleAction *action,
                                   GVariant      *parameter,
                                   gpointer       user_data)
{
  OpApplication *self = OP_APPLICATION (user_data);
  OpWindow *window = op_application_ensure_window (self);
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = source != NULL
      ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;
  g_autoptr (GSettings) settings = NULL;

  gtk_window_present (GTK_WINDOW (window));
  /* Only an uninstalled build lacks the schema (OpWindow says so). */
  if (schema == NULL)
    return;
  settings = g_settings_new_full (schema, NULL, NULL);
  gtk_window_present (GTK_WINDOW (op_preferences_window_new (GTK_WINDOW (window), settings)));
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = op_application_quit_action },
  { .name = "about", .activate = op_application_about_action },
  { .name = "shortcuts", .activate = op_application_shortcuts_action },
  { .name = "preferences", .activate = op_application_preferences_action },
};

/* Without a keyring, passwords live in memory until the app quits (DESIGN.md
 * "Credentials"): say so once, when it is first found out, so no later password prompt
 * comes as a surprise. A dialog rather than a toast: the reason is a long sentence that a
 * toast would cut short in a narrow window. */
static void
on_secrets_persistent_changed (OpSecrets     *secrets,
                               GParamSpec    *pspec,
                               OpApplication *self)
{
  OpWindow *window;

  if (op_secrets_get_persistent (secrets))
    return;

  window = find_window (self);
  if (window == NULL)
    return;

  op_window_show_error (window, _("Passwords Can’t Be Saved"),
                        op_secrets_get_unavailable_reason (secrets));
}

static void
op_application_startup (GApplication *application)
{
  OpApplication *self = OP_APPLICATION (application);

  G_APPLICATION_CLASS (op_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit",
                                         (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         (const char *[]) { "<Control>comma", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close",
                                         (const char *[]) { "<Control>w", NULL });
  /* What GtkApplication gives the help overlay it loads itself; ours is built on demand
   * (op-help-overlay.h). */
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay",
                                         (const char *[]) { "<Control>question", NULL });

  /* One trust store for every connection; it asks through the trust dialog. The store
   * calls its prompt on the main context, which is the thread-default one here. */
  self->trust_store = op_trust_store_new_default ();
  self->trust_prompt = op_ui_trust_prompt_new (GTK_APPLICATION (self));
  op_trust_store_set_prompt (self->trust_store, OP_TRUST_PROMPT (self->trust_prompt));

  g_signal_connect_object (op_secrets_get_default (), "notify::persistent",
                           G_CALLBACK (on_secrets_persistent_changed), self, 0);
}

static void
op_application_activate (GApplication *application)
{
  OpApplication *self = OP_APPLICATION (application);

  gtk_window_present (GTK_WINDOW (op_application_ensure_window (self)));
}

static void
op_application_open (GApplication  *application,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  OpApplication *self = OP_APPLICATION (application);
  OpWindow *window = op_application_ensure_window (self);
  g_autoptr (GString) problems = g_string_new (NULL);
  guint n_problems = 0;

  gtk_window_present (GTK_WINDOW (window));

  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);
      g_autoptr (GError) error = NULL;

      if (op_application_open_uri (self, uri, &error)
          || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        continue;

      if (problems->len > 0)
        g_string_append (problems, "\n\n");
      g_string_append (problems, error->message);
      n_problems++;
    }

  /* One dialog for all the addresses that could not be opened, not one each. */
  if (n_problems > 0)
    op_window_show_error (window,
                          ngettext ("Can't Open Address", "Can't Open Addresses", n_problems),
                          problems->str);
}

static void
op_application_dispose (GObject *object)
{
  OpApplication *self = OP_APPLICATION (object);

  if (self->trust_store != NULL)
    op_trust_store_set_prompt (self->trust_store, NULL);
  g_clear_object (&self->trust_store);
  g_clear_object (&self->trust_prompt);
  g_clear_object (&self->uri_router);

  G_OBJECT_CLASS (op_application_parent_class)->dispose (object);
}

static void
op_application_class_init (OpApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = op_application_dispose;

  app_class->startup = op_application_startup;
  app_class->activate = op_application_activate;
  app_class->open = op_application_open;

  /* Before startup, which adds the app icons from the resources to the icon theme. */
  _op_ui_ensure_resources ();
}

/* A URI of a scheme a view registered (op-view-registry.h) opens in that view. */
static gboolean
open_view_uri (GtkWindow   *window,
               const char  *uri,
               gpointer     user_data,
               GError     **error)
{
  const OpViewInfo *info = user_data;

  if (!OP_IS_WINDOW (window))
    {
      g_set_error (error, OP_URI_ROUTER_ERROR, OP_URI_ROUTER_ERROR_UNSUPPORTED,
                   _("There is no window to open “%s” in."), uri);
      return FALSE;
    }

  op_window_show_view (OP_WINDOW (window), info->name);
  return info->open_uri (op_window_get_view (OP_WINDOW (window), info->name), uri, error);
}

static void
op_application_init (OpApplication *self)
{
  self->uri_router = op_uri_router_new ();

  op_view_registry_ensure ();
  for (guint i = 0; i < op_view_registry_get_n_views (); i++)
    {
      const OpViewInfo *info = op_view_registry_get_view (i);

      for (guint s = 0; info->schemes != NULL && info->schemes[s] != NULL; s++)
        op_uri_router_register (self->uri_router, info->schemes[s], open_view_uri,
                                (gpointer) info, NULL);
    }
}

/**
 * op_application_new:
 *
 * Returns: (transfer full): Outpost's application, single instance, opening URIs
 */
OpApplication *
op_application_new (void)
{
  return g_object_new (OP_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/outpost/Outpost",
                       NULL);
}

/**
 * op_application_get_uri_router:
 * @self: the application
 *
 * Views register the URI schemes they open here.
 *
 * Returns: (transfer none): the router
 */
OpUriRouter *
op_application_get_uri_router (OpApplication *self)
{
  g_return_val_if_fail (OP_IS_APPLICATION (self), NULL);

  return self->uri_router;
}

/**
 * op_application_get_trust_store:
 * @self: the application
 *
 * Returns: (transfer none) (nullable): the trust store every connection verifies with;
 *   %NULL before the application started up
 */
OpTrustStore *
op_application_get_trust_store (OpApplication *self)
{
  g_return_val_if_fail (OP_IS_APPLICATION (self), NULL);

  return self->trust_store;
}

/**
 * op_application_open_uri:
 * @self: the application
 * @uri: an absolute URI
 * @error: why no view took @uri; the message names the URI and can be shown as it is
 *
 * Opens @uri in the view that handles its scheme, in the main window.
 *
 * Returns: %TRUE when a view took @uri
 */
gboolean
op_application_open_uri (OpApplication  *self,
                         const char     *uri,
                         GError        **error)
{
  g_return_val_if_fail (OP_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  return op_uri_router_route (self->uri_router,
                              GTK_WINDOW (op_application_ensure_window (self)),
                              uri, error);
}
