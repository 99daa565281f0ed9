/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-main"

#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include <glib.h>

/*
 * Replays inputs through a libFuzzer target when the compiler has no libFuzzer (gcc):
 * every file named on the command line, and every file in every directory named there
 * (sorted, not recursive). So the seed corpus runs as an ordinary test, under ASan too.
 * With clang the targets link libFuzzer instead, whose main does the same with -runs=0.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static guint
run_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("%s", error->message);
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  return 1;
}

static guint
run_directory (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *name;
  guint count = 0;

  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    g_error ("%s", error->message);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);

  for (guint i = 0; i < names->len; i++)
    {
      const char *file = *(const char **) &g_ptr_array_index (names, i);

      if (g_file_test (file, G_FILE_TEST_IS_REGULAR))
        count += run_file (file);
    }
  return count;
}

int
main (int   argc,
      char *argv[])
{
  guint count = 0;

  for (int i = 1; i < argc; i++)
    {
      /* libFuzzer flags (-runs=0, -max_len=…) are accepted and ignored. */
      if (argv[i][0] == '-')
        continue;
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        count += run_directory (argv[i]);
      else
        count += run_file (argv[i]);
    }

  printf ("%s: %u inputs ran without a crash\n", argv[0], count);
  return count > 0 ? 0 : 1;
}
