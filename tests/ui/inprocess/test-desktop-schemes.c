/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The desktop file (data/io.github.outpost.Outpost.desktop.in, as built) declares the URI
 * schemes Outpost is offered for: every scheme a view routes (op-view-registry.h), and
 * the ones issue 18 lists for the Files, Mail and News views.
 */
#include "config.h"

#include <gio/gio.h>

#include "op-view-registry.h"

/* ftp/ftps: Files; mailto: Mail; news/nntp/snews: News (RFC 5538). */
static const char * const declared_schemes[] = {
  "ftp", "ftps", "mailto", "news", "nntp", "snews",
};

static GStrv
desktop_mime_types (void)
{
  g_autoptr (GKeyFile) keys = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  GStrv types;

  g_assert_true (g_key_file_load_from_file (keys, OUTPOST_TEST_DESKTOP_FILE, G_KEY_FILE_NONE,
                                            &error));
  g_assert_no_error (error);
  types = g_key_file_get_string_list (keys, G_KEY_FILE_DESKTOP_GROUP,
                                      G_KEY_FILE_DESKTOP_KEY_MIME_TYPE, NULL, &error);
  g_assert_no_error (error);
  return types;
}

static gboolean
declares (GStrv types, const char *scheme)
{
  g_autofree char *type = g_strconcat ("x-scheme-handler/", scheme, NULL);

  return g_strv_contains ((const char * const *) types, type);
}

static void
test_declares_listed_schemes (void)
{
  g_auto (GStrv) types = desktop_mime_types ();

  for (gsize i = 0; i < G_N_ELEMENTS (declared_schemes); i++)
    {
      if (!declares (types, declared_schemes[i]))
        g_error ("the desktop file does not declare x-scheme-handler/%s", declared_schemes[i]);
    }
  /* Nothing but scheme handlers: Outpost opens network addresses, not file types. */
  for (guint i = 0; types[i] != NULL; i++)
    g_assert_true (g_str_has_prefix (types[i], "x-scheme-handler/"));
}

static void
test_declares_every_routed_scheme (void)
{
  g_auto (GStrv) types = desktop_mime_types ();
  guint n_routed = 0;

  op_view_registry_ensure ();
  for (guint v = 0; v < op_view_registry_get_n_views (); v++)
    {
      const OpViewInfo *info = op_view_registry_get_view (v);

      for (guint s = 0; info->schemes != NULL && info->schemes[s] != NULL; s++)
        {
          if (!declares (types, info->schemes[s]))
            g_error ("the %s view routes %s: addresses, which the desktop file does not declare",
                     info->name, info->schemes[s]);
          n_routed++;
        }
    }
  /* Files (ftp, ftps) and Mail (mailto) at least. */
  g_assert_cmpuint (n_routed, >=, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/desktop/schemes/declares-listed", test_declares_listed_schemes);
  g_test_add_func ("/desktop/schemes/declares-every-routed", test_declares_every_routed_scheme);
  return g_test_run ();
}
