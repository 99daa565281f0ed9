/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include <glib/gi18n.h>

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "op-test-fixtures.h"
#include "op-test-tap.h"

/**
 * op_test_data_dir:
 *
 * The tests/data folder. Aborts the test program with a clear message when
 * OUTPOST_TEST_DATA is not set (run tests through `meson test`).
 *
 * Returns: (transfer none): an absolute path
 */
const char *
op_test_data_dir (void)
{
  const char *dir = g_getenv ("OUTPOST_TEST_DATA");

  if (dir == NULL || *dir == '\0')
    g_error ("OUTPOST_TEST_DATA is not set: run the tests with `meson test -C BUILDDIR`, "
             "which sets it to tests/data");

  return dir;
}

/**
 * op_test_data_path:
 * @first_element: the first path element below tests/data
 * @...: more elements, then %NULL
 *
 * Returns: (transfer full): the path of a fixture, e.g. ("tls", "ca.pem", NULL)
 */
char *
op_test_data_path (const char *first_element,
                   ...)
{
  g_autoptr(GPtrArray) elements = g_ptr_array_new ();
  va_list args;

  g_ptr_array_add (elements, (gpointer) op_test_data_dir ());
  g_ptr_array_add (elements, (gpointer) first_element);

  va_start (args, first_element);
  for (const char *e = va_arg (args, const char *); e != NULL; e = va_arg (args, const char *))
    g_ptr_array_add (elements, (gpointer) e);
  va_end (args);

  g_ptr_array_add (elements, NULL);

  return g_build_filenamev ((char **) elements->pdata);
}

/**
 * op_test_load_certificate:
 * @name: "server" or "other" (tests/data/tls/NAME.pem and NAME-key.pem)
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the certificate with its private key
 */
GTlsCertificate *
op_test_load_certificate (const char  *name,
                          GError     **error)
{
  g_autofree char *cert_name = g_strconcat (name, ".pem", NULL);
  g_autofree char *key_name = g_strconcat (name, "-key.pem", NULL);
  g_autofree char *cert_path = op_test_data_path ("tls", cert_name, NULL);
  g_autofree char *key_path = op_test_data_path ("tls", key_name, NULL);

  return g_tls_certificate_new_from_files (cert_path, key_path, error);
}

/**
 * op_test_load_ca:
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the test CA (tests/data/tls/ca.pem) that signed
 *   the "server" and "other" certificates
 */
GTlsCertificate *
op_test_load_ca (GError **error)
{
  g_autofree char *path = op_test_data_path ("tls", "ca.pem", NULL);

  return g_tls_certificate_new_from_file (path, error);
}

/**
 * op_test_endpoint_env:
 * @name: a variable published by tests/servers/, e.g. "OUTPOST_TEST_VSFTPD_PORT"
 *
 * Reads an endpoint of a real test server. When it is missing, the current test is
 * skipped — or fails, when OUTPOST_TEST_REQUIRE_SERVERS=1 (as `build-aux/dev test` and
 * CI set it) — with a message naming the variable. Call it at the start of a test and
 * return when it gives %NULL.
 *
 * Returns: (transfer none) (nullable): the value, or %NULL if the test cannot run
 */
const char *
op_test_endpoint_env (const char *name)
{
  const char *value = g_getenv (name);
  g_autofree char *message = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  if (value != NULL && *value != '\0')
    return value;

  message = g_strdup_printf ("%s is not set: start the test servers with "
                             "`build-aux/dev test` (or `tests/servers/start` and source the "
                             "environment file it writes)", name);

  /* Programs run by op_tap_run() are not GTest programs (op-test-tap.h says why). */
  if (g_strcmp0 (g_getenv ("OUTPOST_TEST_REQUIRE_SERVERS"), "1") == 0)
    {
      if (op_tap_is_running ())
        op_tap_fail ("%s", message);
      else
        g_test_fail_printf ("%s", message);
    }
  else if (op_tap_is_running ())
    op_tap_skip (message);
  else
    g_test_skip (message);

  return NULL;
}

/* Threads of GLib's shared pool: named "pool-PRGNAME", or just "pool" in a program that
 * never set its name (op-test-tap.c runs without g_test_init()); the spawner stays. */
static guint
count_pool_threads (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    return 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", name, "comm", NULL);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (path, &comm, NULL, NULL) &&
          (g_str_has_prefix (comm, "pool-") || g_str_equal (comm, "pool\n")) &&
          !g_str_has_prefix (comm, "pool-spawner"))
        n++;
    }

  return n;
}

/**
 * op_test_drain_thread_pool:
 *
 * Lets GLib's idle pool threads exit (waiting at most 3 s). Call it before a process that
 * did TLS exits: GnuTLS leaves dynamic TLS in the threads that ran handshakes, and GCC
 * 12's LeakSanitizer crashes ("Tracer caught signal 11") while scanning it at exit. A
 * non-exclusive pool thread waits half a second for more work before it becomes unused,
 * so this takes about that long.
 */
void
op_test_drain_thread_pool (void)
{
  gint64 deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

  g_thread_pool_set_max_unused_threads (0);
  while (count_pool_threads () > 0 && g_get_monotonic_time () < deadline)
    {
      g_thread_pool_stop_unused_threads ();
      g_usleep (20 * 1000);
    }
}

/**
 * op_test_run:
 *
 * Use instead of g_test_run() in programs that do TLS: it runs the tests, then
 * op_test_drain_thread_pool().
 *
 * Returns: g_test_run()'s result
 */
int
op_test_run (void)
{
  int status = g_test_run ();

  op_test_drain_thread_pool ();
  return status;
}

char *
op_test_sha256_of_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

void
op_test_remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          op_test_remove_tree (child);
        }
    }
  g_remove (path);
}

void
op_test_ftp_dirs_init (OpTestFtpDirs *dirs,
                       const char    *ftp_root,
                       const char    *prefix)
{
  g_autofree char *name = g_strdup_printf ("%s-%08x", prefix, g_random_int ());
  g_autofree char *local_template = g_strdup_printf ("outpost-%s-XXXXXX", prefix);
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_cmpint (g_stat (ftp_root, &st), ==, 0);
  dirs->uid = st.st_uid;
  dirs->gid = st.st_gid;
  dirs->root_dir = g_build_filename (ftp_root, name, NULL);
  dirs->remote_dir = g_strconcat ("/", name, NULL);
  g_assert_cmpint (g_mkdir (dirs->root_dir, 0755), ==, 0);
  g_assert_cmpint (chown (dirs->root_dir, dirs->uid, dirs->gid), ==, 0);
  dirs->local_dir = g_dir_make_tmp (local_template, &error);
  g_assert_no_error (error);
}

void
op_test_ftp_dirs_clear (OpTestFtpDirs *dirs)
{
  if (dirs->root_dir != NULL)
    op_test_remove_tree (dirs->root_dir);
  if (dirs->local_dir != NULL)
    op_test_remove_tree (dirs->local_dir);
  g_clear_pointer (&dirs->root_dir, g_free);
  g_clear_pointer (&dirs->remote_dir, g_free);
  g_clear_pointer (&dirs->local_dir, g_free);
}

void
op_test_ftp_dirs_put (OpTestFtpDirs *dirs,
                      const char    *relative,
                      GBytes        *bytes)
{
  g_autofree char *path = g_build_filename (dirs->root_dir, relative, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  g_assert_cmpint (chmod (path, 0644), ==, 0);
  g_assert_cmpint (chown (path, dirs->uid, dirs->gid), ==, 0);
}

void
op_test_ftp_dirs_mkdir (OpTestFtpDirs *dirs,
                        const char    *relative)
{
  g_autofree char *path = g_build_filename (dirs->root_dir, relative, NULL);

  g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
  g_assert_cmpint (chown (path, dirs->uid, dirs->gid), ==, 0);
}

guint
op_test_maildir_count (const char *maildir,
                       const char *needle)
{
  g_autofree char *new_dir = g_build_filename (maildir, "new", NULL);
  g_autoptr(GDir) dir = g_dir_open (new_dir, 0, NULL);
  const char *name;
  guint count = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (new_dir, name, NULL);
      g_autofree char *data = NULL;
      gsize length = 0;

      if (g_file_get_contents (path, &data, &length, NULL) &&
          g_strstr_len (data, length, needle) != NULL)
        count++;
    }
  return count;
}
