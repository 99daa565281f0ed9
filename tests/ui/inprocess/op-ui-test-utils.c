/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include <string.h>

#include "op-ui-test-utils.h"

/* Long enough for a slow machine, short enough to fail usefully; stretched by
 * op_ui_test_slowdown() in the sanitizer build. */
#define WAIT_SECONDS 10

/* Built with AddressSanitizer (GCC defines __SANITIZE_ADDRESS__, clang has the feature). */
#if defined(__SANITIZE_ADDRESS__)
#define OP_UI_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OP_UI_TEST_SANITIZED 1
#endif
#endif
#ifndef OP_UI_TEST_SANITIZED
#define OP_UI_TEST_SANITIZED 0
#endif
/* When OUTPOST_TEST_SANITIZER_SLOWDOWN is not set (tests/meson.build sets it). */
#define DEFAULT_SLOWDOWN 4

static char *profile_root;

/**
 * op_ui_test_init:
 *
 * g_test_init() for a GTK test: the cairo renderer (steadier and lighter under Xvfb,
 * testing.md), the memory GSettings backend with the build's compiled schema, a
 * throwaway profile (the trust store lives there), no animations, then GTK and
 * libadwaita.
 */
void
op_ui_test_init (int    *argc,
                 char ***argv)
{
  g_autoptr (GError) error = NULL;

  /* Screens looked at in Chinese (OUTPOST_LOCALEDIR: the build's po folder). */
  if (g_getenv ("OUTPOST_LOCALEDIR") != NULL)
    {
      setlocale (LC_ALL, "");
      bindtextdomain (GETTEXT_PACKAGE, g_getenv ("OUTPOST_LOCALEDIR"));
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      textdomain (GETTEXT_PACKAGE);
    }
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", OUTPOST_TEST_SCHEMA_DIR, TRUE);
  /* No portal, no desktop settings: the tests must not depend on the host session. */
  g_setenv ("ADW_DISABLE_PORTAL", "1", TRUE);

  /* Not G_TEST_OPTION_ISOLATE_DIRS: it also replaces XDG_DATA_DIRS, which hides the
   * shared-mime-info database, and GdkPixbuf then can't tell an SVG icon is one. */
  profile_root = g_dir_make_tmp ("outpost-ui-test-XXXXXX", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      const char *names[] = { "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME" };
      g_autofree char *dir = g_build_filename (profile_root, names[i], NULL);

      g_setenv (names[i], dir, TRUE);
    }

  g_test_init (argc, argv, NULL);
  if (OP_UI_TEST_SANITIZED)
    g_test_message ("sanitizer build: waits, time, speed and memory bounds of this test "
                    "stretched %u times (OUTPOST_TEST_SANITIZER_SLOWDOWN)",
                    op_ui_test_slowdown ());
  gtk_init ();
  adw_init ();

  /* Transitions would leave both sides of a GtkStack mapped for a moment. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
}

static void
delete_tree (GFile *file)
{
  g_autoptr (GFileEnumerator) children = NULL;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL)
    {
      GFile *child = NULL;

      if (!g_file_enumerator_iterate (children, NULL, &child, NULL, NULL) || child == NULL)
        break;
      delete_tree (child);
    }

  g_file_delete (file, NULL, NULL);
}

/**
 * op_ui_test_slowdown:
 *
 * How many times longer (or bigger) a time, speed or memory bound of a test may be in
 * this build: 1 in a plain build, whatever the environment says, so no bound is ever
 * loosened there; in a build with AddressSanitizer (several times slower on every
 * allocation, with a quarantine of freed memory and full stacks for the leak check),
 * OUTPOST_TEST_SANITIZER_SLOWDOWN (a whole number from 1 to 50), 4 when unset.
 */
guint
op_ui_test_slowdown (void)
{
  static guint slowdown;

  if (slowdown == 0)
    {
      const char *value = g_getenv ("OUTPOST_TEST_SANITIZER_SLOWDOWN");
      guint64 parsed = DEFAULT_SLOWDOWN;

      if (OP_UI_TEST_SANITIZED && value != NULL
          && (!g_ascii_string_to_unsigned (value, 10, 1, 50, &parsed, NULL)))
        g_error ("OUTPOST_TEST_SANITIZER_SLOWDOWN=%s: a whole number from 1 to 50", value);
      slowdown = OP_UI_TEST_SANITIZED ? (guint) parsed : 1;
    }
  return slowdown;
}

/**
 * op_ui_test_run:
 *
 * g_test_run(), then removes the throwaway profile.
 */
int
op_ui_test_run (void)
{
  g_autoptr (GFile) root = NULL;
  int status;

  status = g_test_run ();

  root = g_file_new_for_path (profile_root);
  delete_tree (root);
  g_clear_pointer (&profile_root, g_free);

  return status;
}

static GtkWidget *
find (GtkWidget     *root,
      OpUiTestMatch  match,
      gconstpointer  data)
{
  if (match (root, data))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find (child, match, data);

      if (found != NULL)
        return found;
    }

  return NULL;
}

GtkWidget *
op_ui_test_find_matching (GtkWidget     *root,
                          OpUiTestMatch  match,
                          gconstpointer  data)
{
  return find (root, match, data);
}

static gboolean
label_is (GtkWidget     *widget,
          gconstpointer  text)
{
  return GTK_IS_LABEL (widget)
         && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

static gboolean
label_contains (GtkWidget     *widget,
                gconstpointer  text)
{
  return GTK_IS_LABEL (widget)
         && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
}

static gboolean
label_has_class (GtkWidget     *widget,
                 gconstpointer  css_class)
{
  return GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, css_class);
}

static gboolean
button_is (GtkWidget     *widget,
           gconstpointer  label)
{
  /* Mapped: AdwMessageDialog keeps a second, hidden set of response buttons for its
   * other layout. */
  return GTK_IS_BUTTON (widget)
         && gtk_widget_get_mapped (widget)
         && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
type_is (GtkWidget     *widget,
         gconstpointer  type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

GtkLabel *
op_ui_test_find_label (GtkWidget  *root,
                       const char *text)
{
  return (GtkLabel *) find (root, label_is, text);
}

GtkLabel *
op_ui_test_find_label_containing (GtkWidget  *root,
                                  const char *text)
{
  return (GtkLabel *) find (root, label_contains, text);
}

GtkLabel *
op_ui_test_find_label_with_class (GtkWidget  *root,
                                  const char *css_class)
{
  return (GtkLabel *) find (root, label_has_class, css_class);
}

/* @label as given to the button, with its mnemonic underscore; only a button that is on
 * screen. */
GtkButton *
op_ui_test_find_button (GtkWidget  *root,
                        const char *label)
{
  return (GtkButton *) find (root, button_is, label);
}

GtkWidget *
op_ui_test_find_type (GtkWidget *root,
                      GType      type)
{
  return find (root, type_is, GSIZE_TO_POINTER (type));
}

static gboolean
entry_row_is (GtkWidget     *widget,
              gconstpointer  title)
{
  return ADW_IS_ENTRY_ROW (widget)
         && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static gboolean
has_class (GtkWidget     *widget,
           gconstpointer  css_class)
{
  return gtk_widget_has_css_class (widget, css_class);
}

/* The first widget under @root (or @root) with the style class @css_class. */
GtkWidget *
op_ui_test_find_with_class (GtkWidget  *root,
                            const char *css_class)
{
  return find (root, has_class, css_class);
}

static gboolean
row_is (GtkWidget     *widget,
        gconstpointer  title)
{
  return ADW_IS_PREFERENCES_ROW (widget)
         && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

/* The row (AdwActionRow, AdwComboRow…) titled @title. */
GtkWidget *
op_ui_test_find_row (GtkWidget  *root,
                     const char *title)
{
  return find (root, row_is, title);
}

/* The AdwEntryRow titled @title, as a person finds a form's field. */
GtkEditable *
op_ui_test_find_entry_row (GtkWidget  *root,
                           const char *title)
{
  return GTK_EDITABLE (find (root, entry_row_is, title));
}

/* Depth first, as find() walks: the @nth widget (from 0) that @match accepts. */
static GtkWidget *
find_nth (GtkWidget     *root,
          OpUiTestMatch  match,
          gconstpointer  data,
          guint         *nth)
{
  if (match (root, data))
    {
      if (*nth == 0)
        return root;
      (*nth)--;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_nth (child, match, data, nth);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The @nth (from 0) entry row titled @title, for forms with several of one title. */
GtkEditable *
op_ui_test_find_nth_entry_row (GtkWidget  *root,
                               const char *title,
                               guint       nth)
{
  return GTK_EDITABLE (find_nth (root, entry_row_is, title, &nth));
}

GtkEditable *
op_ui_test_find_entry (GtkWidget  *root,
                       const char *placeholder)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkEditable *found;

      if (GTK_IS_ENTRY (child)
          && g_strcmp0 (gtk_entry_get_placeholder_text (GTK_ENTRY (child)), placeholder) == 0)
        return GTK_EDITABLE (child);
      if (GTK_IS_PASSWORD_ENTRY (child))
        {
          g_autofree char *text = NULL;
          g_object_get (child, "placeholder-text", &text, NULL);
          if (g_strcmp0 (text, placeholder) == 0)
            return GTK_EDITABLE (child);
        }
      found = op_ui_test_find_entry (child, placeholder);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Types @text into the @nth entry row titled @title (it must exist). */
void
op_ui_test_fill (GtkWidget  *root,
                 const char *title,
                 guint       nth,
                 const char *text)
{
  GtkEditable *row = op_ui_test_find_nth_entry_row (root, title, nth);

  g_assert_nonnull (row);
  gtk_editable_set_text (row, text);
}

GtkWidget *
op_ui_test_find_nth_type (GtkWidget *root,
                          GType      type,
                          guint      nth)
{
  return find_nth (root, type_is, GSIZE_TO_POINTER (type), &nth);
}

GtkWindow *
op_ui_test_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type))
        return window;
    }

  return NULL;
}

/* GTK 4.8's AT-SPI root answers GetChildAtIndex past the visible windows with the last
 * toplevel, and crashes when that one is hidden and has no D-Bus path: no window may
 * stay in GTK's list hidden (tests/ui/README.md "Windows and the accessibility tree"). */
void
op_ui_test_assert_no_hidden_toplevel (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (!gtk_widget_get_visible (GTK_WIDGET (window)))
        g_error ("toplevel %u of %u, a %s titled “%s”, is hidden but not destroyed", i, n,
                 G_OBJECT_TYPE_NAME (window),
                 gtk_window_get_title (window) ? gtk_window_get_title (window) : "");
    }
}

/* @text without any @c, e.g. a fingerprint without its line breaks. */
char *
op_ui_test_strip (const char *text,
                  char        c)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p != c)
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

void
op_ui_test_iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
on_timeout (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
op_ui_test_wait_for (gboolean (*done) (gpointer),
                     gpointer   data)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS * op_ui_test_slowdown (), on_timeout,
                                    &timed_out);

  while (!done (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);

  return !timed_out;
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Waits until the weak pointer at @location is cleared (the object was finalized). */
gboolean
op_ui_test_wait_for_pointer (gpointer *location)
{
  return op_ui_test_wait_for (pointer_cleared, location);
}

typedef struct
{
  GType    type;
  gboolean shown;
} Toplevel;

static gboolean
toplevel_is (gpointer data)
{
  Toplevel *toplevel = data;

  return (op_ui_test_find_toplevel (toplevel->type) != NULL) == toplevel->shown;
}

/* Waits until a toplevel of @type is there (@shown) or none is; returns it or NULL. */
GtkWindow *
op_ui_test_wait_for_toplevel (GType    type,
                              gboolean shown)
{
  Toplevel toplevel = { type, shown };

  g_assert_true (op_ui_test_wait_for (toplevel_is, &toplevel));
  return op_ui_test_find_toplevel (type);
}

/* A GAsyncReadyCallback that keeps the result in *(GAsyncResult **) @user_data. */
void
op_ui_test_store_result (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
have_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* Waits for op_ui_test_store_result() to fill *@result. (transfer none) */
GAsyncResult *
op_ui_test_wait_result (GAsyncResult **result)
{
  g_assert_true (op_ui_test_wait_for (have_result, result));
  return *result;
}

/**
 * op_ui_test_shoot:
 * @name: the screen's name
 *
 * With OUTPOST_TEST_SHOTS=DIR, saves the display as DIR/NAME[SUFFIX].png
 * (OUTPOST_TEST_SHOTS_SUFFIX, e.g. "-dark") after a second of drawing, so a test's
 * screens can be looked at; without it, nothing.
 */
void
op_ui_test_shoot (const char *name)
{
  const char *dir = g_getenv ("OUTPOST_TEST_SHOTS");
  const char *suffix = g_getenv ("OUTPOST_TEST_SHOTS_SUFFIX");
  g_autofree char *command = NULL;
  g_autoptr (GError) error = NULL;
  gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC;

  if (dir == NULL)
    return;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (10000);
  command = g_strdup_printf ("import -window root %s/%s%s.png", dir, name, suffix != NULL ? suffix : "");
  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}
