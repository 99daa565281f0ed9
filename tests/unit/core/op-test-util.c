/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include <string.h>

#include "op-test-util.h"

char *
op_test_data_path (const char *first_element,
                   ...)
{
  const char *root = g_getenv ("OUTPOST_TEST_DATA");
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  if (root == NULL)
    g_error ("OUTPOST_TEST_DATA is not set; run the tests through `meson test`");

  g_ptr_array_add (parts, (gpointer) root);
  va_start (args, first_element);
  for (const char *part = first_element; part != NULL; part = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);

  return g_build_filenamev ((char **) parts->pdata);
}

GTlsCertificate *
op_test_load_certificate (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".pem", NULL);
  g_autofree char *path = op_test_data_path ("tls", file, NULL);
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;

  certificate = g_tls_certificate_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (certificate);

  return certificate;
}

/* Binary-safe: keyring files and databases hold NUL bytes. */
static gboolean
bytes_contain (const char *haystack,
               gsize       length,
               const char *needle,
               gsize       needle_length)
{
  if (needle_length == 0 || length < needle_length)
    return FALSE;

  for (gsize i = 0; i <= length - needle_length; i++)
    {
      if (haystack[i] == needle[0] && memcmp (haystack + i, needle, needle_length) == 0)
        return TRUE;
    }

  return FALSE;
}

gboolean
op_test_tree_contains (const char *dir,
                       const char *needle,
                       guint      *files_read)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;
  gsize needle_length = strlen (needle);

  if (handle == NULL)
    return FALSE;

  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (op_test_tree_contains (path, needle, files_read))
            return TRUE;
          continue;
        }

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)
          || !g_file_get_contents (path, &contents, &length, NULL))
        continue;

      if (files_read != NULL)
        (*files_read)++;

      if (bytes_contain (contents, length, needle, needle_length))
        {
          g_test_message ("“%s” contains the secret", path);
          return TRUE;
        }
    }

  return FALSE;
}

static gboolean
on_timeout (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;

  return G_SOURCE_REMOVE;
}

gboolean
op_test_wait_for (const gboolean *flag,
                  guint           timeout_ms)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gboolean timed_out = FALSE;
  g_autoptr(GSource) timeout = g_timeout_source_new (timeout_ms);

  g_source_set_callback (timeout, on_timeout, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!*flag && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);

  return *flag;
}
