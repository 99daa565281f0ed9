/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ftp-faults"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "op-ftp-client.h"
#include "op-test-fixtures.h"
#include "op-test-ftp-server.h"
#include "op-test-async.h"

/*
 * OpFtpClient against the scripted server of tests/support/op-test-ftp-server.h: hostile
 * names, stalled and dropped data connections, resume, cancel, PASV addresses, active
 * mode, odd replies, refusals, keep-alive, progress and ASCII mode. What is asserted is
 * what a user depends on: no file outside the target folder, no final file without every
 * byte, a session that is usable or clearly disconnected afterwards, the server's words
 * in the error.
 */

#define USER     "user"
#define PASSWORD "secret"
#define TIMEOUT  2          /* seconds: the client's timeout where stalls are tested */
#define MiB      (1024 * 1024)

typedef struct
{
  OpTestFtpServer *server;
  OpFtpClient     *client;
  char            *dir;      /* a temporary folder for local files */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = op_test_ftp_server_new ();
  op_test_ftp_server_set_login (f->server, USER, PASSWORD);
  f->dir = g_dir_make_tmp ("outpost-ftp-faults-XXXXXX", &error);
  g_assert_no_error (error);
}


static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->client != NULL)
    op_ftp_client_shutdown (f->client);
  g_clear_object (&f->client);
  g_clear_pointer (&f->server, op_test_ftp_server_free);
  op_test_remove_tree (f->dir);
  g_free (f->dir);
}

/* --- running async calls ------------------------------------------------------------ */

static OpFtpClient *
new_client (Fixture       *f,
            OpSecurity     security)
{
  OpFtpClient *client = op_ftp_client_new ("127.0.0.1", op_test_ftp_server_get_port (f->server),
                                           security);

  op_ftp_client_set_allow_plaintext_password (client, TRUE);
  op_ftp_client_set_timeout (client, TIMEOUT);
  return client;
}

static gboolean
client_connect (OpFtpClient  *client,
                const char   *user,
                const char   *password,
                GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_ftp_client_connect_async (client, user, password, NULL, NULL, op_test_store_result, &result);
  return op_ftp_client_connect_finish (client, op_test_wait_result (&result, 30), error);
}

/* Starts the server and connects f->client. */
static void
start (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  op_test_ftp_server_start (f->server, &error);
  g_assert_no_error (error);
  f->client = new_client (f, OP_SECURITY_NONE);
  g_assert_true (client_connect (f->client, USER, PASSWORD, &error));
  g_assert_no_error (error);
}

static gboolean
client_noop (OpFtpClient  *client,
             GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_ftp_client_noop_async (client, NULL, op_test_store_result, &result);
  return op_ftp_client_noop_finish (client, op_test_wait_result (&result, 30), error);
}

static void
client_quit (OpFtpClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  op_ftp_client_quit_async (client, NULL, op_test_store_result, &result);
  g_assert_true (op_ftp_client_quit_finish (client, op_test_wait_result (&result, 30), &error));
  g_assert_no_error (error);
}

static char *
client_pwd (OpFtpClient  *client,
            GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_ftp_client_pwd_async (client, NULL, op_test_store_result, &result);
  return op_ftp_client_pwd_finish (client, op_test_wait_result (&result, 30), error);
}

static gboolean
client_download (OpFtpClient         *client,
                 const char          *remote,
                 const char          *local,
                 OpFtpTransferFlags   flags,
                 OpFtpProgressFunc    progress,
                 gpointer             progress_data,
                 GCancellable        *cancellable,
                 GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (local);

  op_ftp_client_download_async (client, remote, file, flags, progress, progress_data, NULL,
                                cancellable, op_test_store_result, &result);
  return op_ftp_client_download_finish (client, op_test_wait_result (&result, 60), error);
}

static gboolean
client_download_known (OpFtpClient  *client,
                       const char   *remote,
                       const char   *local,
                       guint64       known_size,
                       gint64        known_mtime,
                       GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (local);

  op_ftp_client_download_known_async (client, remote, file, known_size, known_mtime,
                                      OP_FTP_TRANSFER_DEFAULT, NULL, NULL, NULL, NULL,
                                      op_test_store_result, &result);
  return op_ftp_client_download_finish (client, op_test_wait_result (&result, 60), error);
}

static gboolean
client_upload (OpFtpClient         *client,
               const char          *local,
               const char          *remote,
               OpFtpTransferFlags   flags,
               GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (local);

  op_ftp_client_upload_async (client, file, remote, flags, NULL, NULL, NULL, NULL,
                              op_test_store_result, &result);
  return op_ftp_client_upload_finish (client, op_test_wait_result (&result, 60), error);
}

static gboolean
client_download_tree (OpFtpClient  *client,
                      const char   *remote,
                      const char   *local,
                      GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (local);

  op_ftp_client_download_tree_async (client, remote, file, OP_FTP_TRANSFER_DEFAULT, NULL,
                                     NULL, NULL, NULL, op_test_store_result, &result);
  return op_ftp_client_download_tree_finish (client, op_test_wait_result (&result, 60), error);
}

/* --- data ---------------------------------------------------------------------------- */

/* @size bytes that differ at every offset a resume could get wrong. */
static GBytes *
make_data (gsize size)
{
  guint8 *data = g_malloc (size);
  guint32 x = 2463534242u;

  for (gsize i = 0; i < size; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      data[i] = (guint8) x;
    }
  return g_bytes_new_take (data, size);
}

static char *
sha256_of_bytes (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}


static gint64
file_size (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return -1;
  return st.st_size;
}

static char *
local (Fixture    *f,
       const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static void
write_local (const char *path,
             const void *data,
             gsize       size)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, size, &error);
  g_assert_no_error (error);
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack, needle);
}

/* --- hostile names ------------------------------------------------------------------- */

static void
add_hostile_listing (Fixture            *f,
                     const char * const *names,
                     gsize               n_names)
{
  g_autoptr(GString) raw = g_string_new (NULL);

  for (gsize i = 0; i < n_names; i++)
    {
      g_autofree char *path = g_strconcat ("/hostile/", names[i], NULL);

      g_string_append_printf (raw, "-rw-r--r--    1 ftp      ftp             4 Jan 02  2024 %s\r\n",
                              names[i]);
      op_test_ftp_server_add_file (f->server, path, "data", 4);
    }
  /* A NUL inside a name: the listing parser reports the line as unparsed. */
  g_string_append_len (raw, "-rw-r--r--    1 ftp      ftp             4 Jan 02  2024 nul\0"
                            "/../../escaped\r\n", 73);
  op_test_ftp_server_set_listing (f->server, "/hostile", raw->str, raw->len);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* Every file and folder under @root, as paths relative to it. */
static void
collect (const char *root,
         const char *rel,
         GPtrArray  *out)
{
  g_autofree char *path = rel != NULL ? g_build_filename (root, rel, NULL) : g_strdup (root);
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = rel != NULL ? g_build_filename (rel, name, NULL) : g_strdup (name);

      g_ptr_array_add (out, g_strdup (child));
      collect (root, child, out);
    }
  g_dir_close (dir);
}

static void
test_hostile_names_download_tree (Fixture       *f,
                                  gconstpointer  data)
{
  static const char * const names[] = {
    "../evil", "a/b", "c\\d", "..", ".", "x\001y", "good", "tab\tname",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *target = local (f, "target");

  add_hostile_listing (f, names, G_N_ELEMENTS (names));
  start (f);

  g_assert_true (client_download_tree (f->client, "/hostile", target, &error));
  g_assert_no_error (error);

  /* Nothing escaped: the temporary folder holds the target folder only, and the target
   * holds the names made safe ("/", "\" and control characters → "_"), "." and ".."
   * being dropped by the listing parser. */
  collect (f->dir, NULL, found);
  g_ptr_array_sort (found, compare_strings);
  {
    static const char * const expected[] = {
      "target", "target/.._evil", "target/a_b", "target/c_d", "target/good",
      "target/tab_name", "target/x_y",
    };
    g_autoptr(GPtrArray) sorted = g_ptr_array_new ();

    for (guint i = 0; i < found->len; i++)
      g_test_message ("found %s", (char *) g_ptr_array_index (found, i));
    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      g_ptr_array_add (sorted, (gpointer) expected[i]);
    g_ptr_array_sort (sorted, compare_strings);
    g_assert_cmpuint (found->len, ==, sorted->len);
    for (guint i = 0; i < found->len; i++)
      g_assert_cmpstr (g_ptr_array_index (found, i), ==, g_ptr_array_index (sorted, i));
  }
  {
    g_autofree char *evil = g_build_filename (target, ".._evil", NULL);
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (evil, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "data");
  }
  /* And the wire names went back to the server unchanged. */
  g_assert_true (op_test_ftp_server_received (f->server, "RETR /hostile/../evil"));
  g_assert_true (op_test_ftp_server_received (f->server, "RETR /hostile/a/b"));
}

static void
test_hostile_names_collide (Fixture       *f,
                            gconstpointer  data)
{
  /* "a/b" and "a\b" would both become "a_b": refused before anything is written. */
  static const char * const names[] = { "a/b", "a\\b", "good" };
  g_autoptr(GError) error = NULL;
  g_autofree char *target = local (f, "target");
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  add_hostile_listing (f, names, G_N_ELEMENTS (names));
  start (f);

  g_assert_false (client_download_tree (f->client, "/hostile", target, &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME);
  g_assert_cmpstr (error->message, ==, "Two entries in “/hostile” would both be saved as "
                                       "“a_b”. Nothing was downloaded; rename one of them on "
                                       "the server.");
  collect (f->dir, NULL, found);
  g_assert_cmpuint (found->len, ==, 0);
  g_assert_false (op_test_ftp_server_received (f->server, "RETR *"));
}

static void
test_hostile_names_single_download (Fixture       *f,
                                    gconstpointer  data)
{
  /* The caller picked the local name: the remote one does not matter. */
  static const char * const names[] = { "../evil" };
  g_autoptr(GError) error = NULL;
  g_autofree char *chosen = local (f, "chosen.bin");
  g_autofree char *contents = NULL;

  add_hostile_listing (f, names, G_N_ELEMENTS (names));
  start (f);

  g_assert_true (client_download (f->client, "/hostile/../evil", chosen,
                                  OP_FTP_TRANSFER_DEFAULT, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (chosen, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "data");
}

/* --- stalls, drops and resume -------------------------------------------------------- */

static void
test_stall_mid_download (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GBytes) source = make_data (MiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = local (f, "file.bin");
  g_autofree char *part = local (f, "file.bin.part");
  gint64 started;
  gint64 elapsed;

  op_test_ftp_server_add_file (f->server, "/file.bin", g_bytes_get_data (source, NULL),
                               g_bytes_get_size (source));
  op_test_ftp_server_set_data_fault (f->server, OP_TEST_FTP_FAULT_STALL, 100000, 1);
  start (f);

  started = g_get_monotonic_time ();
  g_assert_false (client_download (f->client, "/file.bin", path, OP_FTP_TRANSFER_DEFAULT,
                                   NULL, NULL, NULL, &error));
  elapsed = (g_get_monotonic_time () - started) / G_USEC_PER_SEC;
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST);
  assert_contains (error->message, "after 100000 bytes");
  /* The timeout, plus at most the abort's own bound. */
  g_assert_cmpint (elapsed, <=, TIMEOUT + 5 + 1);
  g_assert_true (op_test_ftp_server_received (f->server, "ABOR"));

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (file_size (part), ==, 100000);

  /* The session survived the abort. */
  g_clear_error (&error);
  g_assert_true (client_noop (f->client, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (op_test_ftp_server_get_n_connections (f->server), ==, 1);
}

/* A stalled upload fails within the timeout (plus the abort's bound) and the session
 * stays usable. */
static void
test_stall_mid_upload (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GBytes) source = make_data (16 * MiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = local (f, "up.bin");
  gint64 started, elapsed;

  write_local (path, g_bytes_get_data (source, NULL), g_bytes_get_size (source));
  op_test_ftp_server_set_data_fault (f->server, OP_TEST_FTP_FAULT_STALL, MiB, 1);
  start (f);

  started = g_get_monotonic_time ();
  g_assert_false (client_upload (f->client, path, "/up.bin", OP_FTP_TRANSFER_DEFAULT, &error));
  elapsed = (g_get_monotonic_time () - started) / G_USEC_PER_SEC;
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST);
  g_assert_cmpint (elapsed, <=, TIMEOUT + 5 + 1);
  g_assert_true (op_test_ftp_server_received (f->server, "ABOR"));
  g_clear_error (&error);
  g_assert_true (client_noop (f->client, &error));
  g_assert_no_error (error);
}

static void
drop_then_resume (Fixture        *f,
                  OpTestFtpFault  fault,
                  const char     *expected_text)
{
  g_autoptr(GBytes) source = make_data (MiB + 12345);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = local (f, "file.bin");
  g_autofree char *part = local (f, "file.bin.part");
  g_autofree char *want = sha256_of_bytes (source);
  g_autofree char *got = NULL;

  op_test_ftp_server_add_file (f->server, "/file.bin", g_bytes_get_data (source, NULL),
                               g_bytes_get_size (source));
  op_test_ftp_server_set_data_fault (f->server, fault, 300000, 1);
  start (f);

  g_assert_false (client_download (f->client, "/file.bin", path, OP_FTP_TRANSFER_DEFAULT,
                                   NULL, NULL, NULL, &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST);
  assert_contains (error->message, expected_text);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (file_size (part), ==, 300000);
  g_clear_error (&error);

  /* "Resume after a forced disconnect": REST with the .part's size, then the rest. */
  g_assert_true (client_download (f->client, "/file.bin", path, OP_FTP_TRANSFER_RESUME,
                                  NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (op_test_ftp_server_received (f->server, "REST 300000"));
  got = op_test_sha256_of_file (path);
  g_assert_cmpstr (got, ==, want);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
}

static void
test_drop_mid_download_426 (Fixture       *f,
                            gconstpointer  data)
{
  drop_then_resume (f, OP_TEST_FTP_FAULT_DROP,
                    "The server ended the transfer after 300000 bytes: “426 Connection "
                    "closed; transfer aborted.”");
}

static void
test_drop_mid_download_silent (Fixture       *f,
                               gconstpointer  data)
{
  /* The data connection closes early, the server even says 226, but SIZE said more. */
  drop_then_resume (f, OP_TEST_FTP_FAULT_DROP_SILENT,
                    "The download ended after 300000 of 1060921 bytes. Resume it to fetch "
                    "the rest.");
}

/* The size known from a listing: no SIZE per file, and the count the server announces in
 * its 150 reply (here the listing's size is stale: the file grew) tells a silently short
 * transfer from a whole one. */
static void
test_size_known_download (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GBytes) source = make_data (MiB + 12345);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = local (f, "file.bin");
  g_autofree char *path2 = local (f, "copy.bin");
  g_autofree char *want = sha256_of_bytes (source);
  g_autofree char *got = NULL;
  g_autofree char *got2 = NULL;

  op_test_ftp_server_add_file (f->server, "/file.bin", g_bytes_get_data (source, NULL),
                               g_bytes_get_size (source));
  op_test_ftp_server_add_file (f->server, "/exact.bin", g_bytes_get_data (source, NULL),
                               g_bytes_get_size (source));
  op_test_ftp_server_set_data_fault (f->server, OP_TEST_FTP_FAULT_DROP_SILENT, 300000, 1);
  start (f);

  g_assert_false (client_download_known (f->client, "/file.bin", path, 1000, 0, &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST);
  g_assert_cmpstr (error->message, ==, "The download ended after 300000 of 1060921 bytes. "
                                       "Resume it to fetch the rest.");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  g_assert_true (client_download_known (f->client, "/file.bin", path, 1000, 0, &error));
  g_assert_no_error (error);
  got = op_test_sha256_of_file (path);
  g_assert_cmpstr (got, ==, want);
  /* The time is still asked for, to set it on the copy. */
  g_assert_true (op_test_ftp_server_received (f->server, "MDTM /file.bin"));
  g_assert_false (op_test_ftp_server_received (f->server, "SIZE*"));

  /* A time to the second from the listing: set on the copy, and no MDTM either. */
  g_assert_true (client_download_known (f->client, "/exact.bin", path2, g_bytes_get_size (source),
                                        1700000000, &error));
  g_assert_no_error (error);
  g_assert_false (op_test_ftp_server_received (f->server, "MDTM /exact.bin"));
  g_assert_false (op_test_ftp_server_received (f->server, "SIZE*"));
  {
    GStatBuf st;

    g_assert_cmpint (g_stat (path2, &st), ==, 0);
    g_assert_cmpint (st.st_mtime, ==, 1700000000);
  }
  got2 = op_test_sha256_of_file (path2);
  g_assert_cmpstr (got2, ==, want);
}

static void
test_drop_control_mid_download (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GBytes) source = make_data (MiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = local (f, "file.bin");
  g_autofree char *part = local (f, "file.bin.part");
  g_autofree char *want = sha256_of_bytes (source);
  g_autofree char *got = NULL;

  op_test_ftp_server_add_file (f->server, "/file.bin", g_bytes_get_data (source, NULL),
                               g_bytes_get_size (source));
  op_test_ftp_server_set_data_fault (f->server, OP_TEST_FTP_FAULT_DROP_CONTROL, 200000, 1);
  start (f);

  g_assert_false (client_download (f->client, "/file.bin", path, OP_FTP_TRANSFER_DEFAULT,
                                   NULL, NULL, NULL, &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (op_ftp_client_get_state (f->client), ==, OP_FTP_STATE_DISCONNECTED);
  g_clear_error (&error);

  /* The next call logs in again with the stored credentials and resumes. */
  g_assert_true (client_download (f->client, "/file.bin", path, OP_FTP_TRANSFER_RESUME,
                                  NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (op_test_ftp_server_get_n_connections (f->server), ==, 2);
  g_assert_true (op_test_ftp_server_received (f->server, "REST 200000"));
  got = op_test_sha256_of_file (path);
  g_assert_cmpstr (got, ==, want);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
}

static void
test_upload_resume_after_drop (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GBytes) source = make_data (8 * MiB);
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = local (f, "up.bin");
  g_autofree char *want = sha256_of_bytes (source);
  g_autofree char *got = NULL;

  write_local (path, g_bytes_get_data (source, NULL), g_bytes_get_size (source));
  op_test_ftp_server_add_folder (f->server, "/incoming");
  op_test_ftp_server_set_data_fault (f->server, OP_TEST_FTP_FAULT_DROP, MiB, 1);
  start (f);

  g_assert_false (client_upload (f->client, path, "/incoming/up.bin", OP_FTP_TRANSFER_DEFAULT,
                                 &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST);
  g_clear_error (&error);
  stored = op_test_ftp_server_dup_file (f->server, "/incoming/up.bin");
  g_assert_cmpuint (g_bytes_get_size (stored), ==, MiB);
  g_clear_pointer (&stored, g_bytes_unref);

  g_assert_true (client_upload (f->client, path, "/incoming/up.bin", OP_FTP_TRANSFER_RESUME,
                                &error));
  g_assert_no_error (error);
  g_assert_true (op_test_ftp_server_received (f->server, "SIZE /incoming/up.bin"));
  g_assert_true (op_test_ftp_server_received (f->server, "REST 1048576"));
  stored = op_test_ftp_server_dup_file (f->server, "/incoming/up.bin");
  got = sha256_of_bytes (stored);
  g_assert_cmpstr (got, ==, want);
}

/* The data connection cut after the client's last write: the server stores what it got
 * and says 226 (vsftpd does; the FTP random-cut campaign found it), but SIZE tells. */
static void
test_upload_cut_after_last_write (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GBytes) source = make_data (4000);
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = local (f, "up.bin");
  g_autofree char *want = sha256_of_bytes (source);
  g_autofree char *got = NULL;

  write_local (path, g_bytes_get_data (source, NULL), g_bytes_get_size (source));
  op_test_ftp_server_add_folder (f->server, "/incoming");
  op_test_ftp_server_set_data_fault (f->server, OP_TEST_FTP_FAULT_STORE_SHORT, 1500, 1);
  start (f);

  g_assert_false (client_upload (f->client, path, "/incoming/up.bin", OP_FTP_TRANSFER_DEFAULT,
                                 &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST);
  assert_contains (error->message, "The server holds 1500 of the 4000 bytes uploaded");
  g_clear_error (&error);

  g_assert_true (client_upload (f->client, path, "/incoming/up.bin", OP_FTP_TRANSFER_RESUME,
                                &error));
  g_assert_no_error (error);
  g_assert_true (op_test_ftp_server_received (f->server, "REST 1500"));
  stored = op_test_ftp_server_dup_file (f->server, "/incoming/up.bin");
  got = sha256_of_bytes (stored);
  g_assert_cmpstr (got, ==, want);
}

/* --- cancel -------------------------------------------------------------------------- */

static void
cancel_when_started (const OpFtpProgress *progress,
                     gpointer             user_data)
{
  if (progress->bytes_done > 0)
    g_cancellable_cancel (user_data);
}

static void
test_cancel_download (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GBytes) source = make_data (2 * MiB);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = local (f, "file.bin");
  g_autofree char *pwd = NULL;

  op_test_ftp_server_add_file (f->server, "/file.bin", g_bytes_get_data (source, NULL),
                               g_bytes_get_size (source));
  op_test_ftp_server_set_rate (f->server, MiB);
  start (f);

  g_assert_false (client_download (f->client, "/file.bin", path, OP_FTP_TRANSFER_DEFAULT,
                                   cancel_when_started, cancellable, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (op_test_ftp_server_received (f->server, "ABOR"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* The next command works on the same connection. */
  pwd = client_pwd (f->client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pwd, ==, "/");
  g_assert_cmpuint (op_test_ftp_server_get_n_connections (f->server), ==, 1);
}

/* --- data connections ---------------------------------------------------------------- */

static void
download_small (Fixture      *f,
                OpFtpClient  *client,
                GError      **error)
{
  g_autofree char *path = local (f, "small.txt");

  if (client_download (client, "/small.txt", path, OP_FTP_TRANSFER_DEFAULT, NULL, NULL, NULL,
                       error))
    {
      g_autofree char *contents = NULL;

      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      g_assert_cmpstr (contents, ==, "hello, world\n");
    }
}

static void
test_pasv_address_ignored (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpFtpClient) trusting = NULL;
  g_autofree char *path = local (f, "other.txt");

  op_test_ftp_server_add_file (f->server, "/small.txt", "hello, world\n", 13);
  op_test_ftp_server_set_pasv_address (f->server, "10.255.255.1");
  op_test_ftp_server_fail_command (f->server, "EPSV", "500 EPSV not understood.\r\n", 0);
  start (f);

  /* The 227 names 10.255.255.1; the client connects to its control peer instead. */
  download_small (f, f->client, &error);
  g_assert_no_error (error);
  g_assert_true (op_test_ftp_server_received (f->server, "PASV"));

  /* Trusting the address sends the data connection there, which fails clearly. (The
   * server serves one session at a time.) */
  client_quit (f->client);
  trusting = new_client (f, OP_SECURITY_NONE);
  op_ftp_client_set_trust_pasv_address (trusting, TRUE);
  g_assert_true (client_connect (trusting, USER, PASSWORD, &error));
  g_assert_false (client_download (trusting, "/small.txt", path, OP_FTP_TRANSFER_DEFAULT,
                                   NULL, NULL, NULL, &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST);
  assert_contains (error->message, "Could not open the data connection to 10.255.255.1 port ");
  assert_contains (error->message, "try the other transfer mode (active or passive)");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  op_ftp_client_shutdown (trusting);
}

static void
test_active_mode (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  op_test_ftp_server_add_file (f->server, "/small.txt", "hello, world\n", 13);
  start (f);
  op_ftp_client_set_data_mode (f->client, OP_FTP_DATA_ACTIVE);

  download_small (f, f->client, &error);
  g_assert_no_error (error);
  g_assert_true (op_test_ftp_server_received (f->server, "EPRT |1|127.0.0.1|*|"));
  g_assert_false (op_test_ftp_server_received (f->server, "EPSV"));
  g_assert_false (op_test_ftp_server_received (f->server, "PORT *"));
}

static void
test_active_mode_port (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  op_test_ftp_server_add_file (f->server, "/small.txt", "hello, world\n", 13);
  op_test_ftp_server_fail_command (f->server, "EPRT", "500 EPRT not understood.\r\n", 0);
  start (f);
  op_ftp_client_set_data_mode (f->client, OP_FTP_DATA_ACTIVE);

  download_small (f, f->client, &error);
  g_assert_no_error (error);
  g_assert_true (op_test_ftp_server_received (f->server, "EPRT *"));
  g_assert_true (op_test_ftp_server_received (f->server, "PORT 127,0,0,1,*"));
}

/* --- the control connection ---------------------------------------------------------- */

static void
test_multi_line_greeting (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pwd = NULL;

  op_test_ftp_server_set_greeting (f->server,
                                   "220-Welcome\r\n"
                                   "220-\r\n"
                                   "123 a line that starts with another code\r\n"
                                   "220-Still the greeting\r\n"
                                   "\r\n"
                                   "220\r\n");
  start (f);
  pwd = client_pwd (f->client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pwd, ==, "/");
}

static void
test_421_reconnects (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pwd = NULL;

  op_test_ftp_server_fail_command (f->server, "NOOP",
                                   "421 Timeout: closing control connection.\r\n", 1);
  start (f);

  g_assert_false (client_noop (f->client, &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST);
  assert_contains (error->message, "Timeout: closing control connection.");
  g_assert_cmpint (op_ftp_client_get_state (f->client), ==, OP_FTP_STATE_DISCONNECTED);
  g_clear_error (&error);

  pwd = client_pwd (f->client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pwd, ==, "/");
  g_assert_cmpuint (op_test_ftp_server_get_n_connections (f->server), ==, 2);
}

static void
test_login_refused (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  op_test_ftp_server_start (f->server, &error);
  g_assert_no_error (error);
  f->client = new_client (f, OP_SECURITY_NONE);
  g_assert_false (client_connect (f->client, USER, "wrong", &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_LOGIN_FAILED);
  assert_contains (error->message, "The server refused the login. Check the user name and "
                                   "password.");
  assert_contains (error->message, "“530 Login incorrect.”");
  g_assert_cmpint (op_ftp_client_get_state (f->client), ==, OP_FTP_STATE_DISCONNECTED);
}

static void
test_plaintext_password_refused (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) commands = NULL;

  op_test_ftp_server_start (f->server, &error);
  g_assert_no_error (error);
  f->client = op_ftp_client_new ("127.0.0.1", op_test_ftp_server_get_port (f->server),
                                 OP_SECURITY_NONE);
  g_assert_false (client_connect (f->client, USER, PASSWORD, &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_PLAINTEXT_PASSWORD);
  assert_contains (error->message, "The password would be sent unencrypted to 127.0.0.1.");
  /* Refused before connecting: the server never saw us. */
  op_test_spin_for (200);
  g_assert_cmpuint (op_test_ftp_server_get_n_connections (f->server), ==, 0);
  commands = op_test_ftp_server_dup_commands (f->server);
  g_assert_cmpuint (g_strv_length (commands), ==, 0);
}

static void
test_tls_refused (Fixture       *f,
                  gconstpointer  data)
{
  static const char * const refusals[] = {
    "534 Request denied for policy reasons.\r\n",
    "500 AUTH not understood.\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      g_autoptr(OpTestFtpServer) server = op_test_ftp_server_new ();
      g_autoptr(OpFtpClient) client = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *reply = g_strndup (refusals[i], strlen (refusals[i]) - 2);

      op_test_ftp_server_fail_command (server, "AUTH", refusals[i], 0);
      op_test_ftp_server_start (server, &error);
      g_assert_no_error (error);
      client = op_ftp_client_new ("127.0.0.1", op_test_ftp_server_get_port (server),
                                  OP_SECURITY_STARTTLS);
      op_ftp_client_set_timeout (client, TIMEOUT);

      g_assert_false (client_connect (client, USER, PASSWORD, &error));
      g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_TLS_REFUSED);
      assert_contains (error->message, "The server refused to encrypt the connection, so "
                                       "nothing was sent.");
      assert_contains (error->message, reply);
      g_assert_true (op_test_ftp_server_received (server, "AUTH TLS"));
      g_assert_false (op_test_ftp_server_received (server, "USER*"));
      g_assert_false (op_test_ftp_server_received (server, "PASS*"));
      op_ftp_client_shutdown (client);
    }
}

/* --- refusals ------------------------------------------------------------------------ */

static void
test_disk_full_on_stor (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = local (f, "up.txt");

  write_local (path, "some text\n", 10);
  op_test_ftp_server_fail_command (f->server, "STOR", "552 Quota exceeded.\r\n", 0);
  start (f);

  g_assert_false (client_upload (f->client, path, "/up.txt", OP_FTP_TRANSFER_DEFAULT, &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_DISK_FULL);
  g_assert_cmpstr (error->message, ==, "The server has no space left or the quota is "
                                       "exceeded. (STOR: “552 Quota exceeded.”)");
  g_clear_error (&error);
  g_assert_true (client_noop (f->client, &error));
}

static void
test_not_found_on_retr (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = local (f, "missing.bin");
  g_autofree char *part = local (f, "missing.bin.part");

  start (f);

  g_assert_false (client_download (f->client, "/missing.bin", path, OP_FTP_TRANSFER_DEFAULT,
                                   NULL, NULL, NULL, &error));
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "The file or folder does not exist on the server. "
                                       "(RETR: “550 No such file or directory.”)");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  /* Nothing arrived, so nothing is left in the user's folder, not even an empty .part. */
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  g_assert_true (client_noop (f->client, &error));
}

/* --- keep-alive ---------------------------------------------------------------------- */

static void
test_keepalive (Fixture       *f,
                gconstpointer  data)
{
  gint64 end;

  start (f);
  g_assert_false (op_test_ftp_server_received (f->server, "NOOP"));
  op_ftp_client_set_keepalive_interval (f->client, 1);

  end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (!op_test_ftp_server_received (f->server, "NOOP") && g_get_monotonic_time () < end)
    op_test_spin_for (50);
  g_assert_true (op_test_ftp_server_received (f->server, "NOOP"));
  op_ftp_client_set_keepalive_interval (f->client, 0);
}

/* --- progress ------------------------------------------------------------------------ */

typedef struct
{
  guint64  last_done;
  guint64  max_rate;
  guint64  total;
  guint    calls;
  gboolean decreased;
} Progress;

static void
record_progress (const OpFtpProgress *progress,
                 gpointer             user_data)
{
  Progress *p = user_data;

  if (progress->bytes_done < p->last_done)
    p->decreased = TRUE;
  p->last_done = progress->bytes_done;
  p->total = progress->bytes_total;
  p->max_rate = MAX (p->max_rate, progress->bytes_per_second);
  p->calls++;
}

static void
test_progress (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GBytes) source = make_data (3 * MiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = local (f, "file.bin");
  Progress progress = { 0 };

  op_test_ftp_server_add_file (f->server, "/file.bin", g_bytes_get_data (source, NULL),
                               g_bytes_get_size (source));
  /* About 1.5 s: long enough for a rate. */
  op_test_ftp_server_set_rate (f->server, 2 * MiB);
  start (f);

  g_assert_true (client_download (f->client, "/file.bin", path, OP_FTP_TRANSFER_DEFAULT,
                                  record_progress, &progress, NULL, &error));
  g_assert_no_error (error);
  /* The last update may arrive after the result: let it. */
  op_test_spin_for (200);
  g_assert_cmpuint (progress.calls, >=, 3);
  g_assert_false (progress.decreased);
  g_assert_cmpuint (progress.last_done, ==, 3 * MiB);
  g_assert_cmpuint (progress.total, ==, 3 * MiB);
  g_assert_cmpuint (progress.max_rate, >, 0);
}

/* --- ASCII mode ---------------------------------------------------------------------- */

static void
test_ascii_download (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = local (f, "text.txt");
  g_autofree char *contents = NULL;

  op_test_ftp_server_add_file (f->server, "/text.txt", "one\r\ntwo\r\n\r\nlone\rcr\r\n", 22);
  start (f);

  g_assert_true (client_download (f->client, "/text.txt", path, OP_FTP_TRANSFER_ASCII,
                                  NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "one\ntwo\n\nlone\rcr\n");
  g_assert_true (op_test_ftp_server_received (f->server, "TYPE A"));
}

static void
test_ascii_upload (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autofree char *path = local (f, "text.txt");

  write_local (path, "one\ntwo\n\nalready\r\n", 19);
  start (f);

  g_assert_true (client_upload (f->client, path, "/text.txt", OP_FTP_TRANSFER_ASCII, &error));
  g_assert_no_error (error);
  stored = op_test_ftp_server_dup_file (f->server, "/text.txt");
  g_assert_cmpmem (g_bytes_get_data (stored, NULL), g_bytes_get_size (stored),
                   "one\r\ntwo\r\n\r\nalready\r\n", 22);
}

static void
test_ascii_cr_at_chunk_boundary (Fixture       *f,
                                 gconstpointer  data)
{
  /* A CR as the last byte of every 64 KiB piece the server sends (and so of the client's
   * 256 KiB buffer, too), its LF the first byte of the next piece. */
  const gsize block = 64 * 1024;
  const gsize size = 6 * block + 100;
  g_autofree char *wire = g_malloc (size);
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = local (f, "big.txt");
  g_autofree char *contents = NULL;
  gsize length = 0;

  memset (wire, 'a', size);
  for (gsize i = block - 1; i + 1 < size; i += block)
    {
      wire[i] = '\r';
      wire[i + 1] = '\n';
      wire[i - 1000] = '\r';
      wire[i - 999] = '\n';
    }
  wire[size - 2] = '\r';
  wire[size - 1] = '\n';
  for (gsize i = 0; i < size; i++)
    if (!(wire[i] == '\r' && i + 1 < size && wire[i + 1] == '\n'))
      g_string_append_c (expected, wire[i]);

  op_test_ftp_server_add_file (f->server, "/big.txt", wire, size);
  /* Paced, so each 64 KiB piece arrives as a read of its own. */
  op_test_ftp_server_set_rate (f->server, 4 * MiB);
  start (f);

  g_assert_true (client_download (f->client, "/big.txt", path, OP_FTP_TRANSFER_ASCII,
                                  NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, expected->str, expected->len);
}

/* --- releasing the client ------------------------------------------------------------ */

/* Dropping a connected client from the main thread returns at once, whatever the worker
 * is stuck in: here a download whose server stopped sending and answers nothing, not even
 * ABOR, so the worker's ABOR waits its whole timeout. That wait and the connection's close
 * happen on the worker; the download ends as cancelled. */
static void
test_release_returns_at_once (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GBytes) source = make_data (4 * MiB);
  g_autofree char *path = local (f, "stalled.bin");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GObject) client = NULL;
  g_autoptr(GError) error = NULL;
  gint64 started;
  gint64 elapsed;

  op_test_ftp_server_add_file (f->server, "/stalled.bin", g_bytes_get_data (source, NULL),
                               g_bytes_get_size (source));
  op_test_ftp_server_set_data_fault (f->server, OP_TEST_FTP_FAULT_STALL_SILENT, MiB, 1);
  start (f);
  op_ftp_client_download_async (f->client, "/stalled.bin", file, OP_FTP_TRANSFER_DEFAULT,
                                NULL, NULL, NULL, NULL, op_test_store_result, &result);
  g_assert_true (op_test_ftp_server_wait_for (f->server, "RETR *", 5000));
  op_test_spin_for (300);

  started = g_get_monotonic_time ();
  op_ftp_client_shutdown (f->client);
  g_clear_object (&f->client);
  elapsed = g_get_monotonic_time () - started;
  g_assert_cmpint (elapsed, <, G_USEC_PER_SEC / 2);

  op_test_wait_result (&result, 30);
  client = g_async_result_get_source_object (result);
  g_assert_false (op_ftp_client_download_finish (OP_FTP_CLIENT (client), result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* An idle connected client, released: the caller does not wait for the close either. */
static void
test_release_idle (Fixture       *f,
                   gconstpointer  data)
{
  gint64 started;

  start (f);
  started = g_get_monotonic_time ();
  g_clear_object (&f->client);
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC / 2);
  /* The worker closes the connection: the server sees its end and takes the next one. */
  f->client = new_client (f, OP_SECURITY_NONE);
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (client_connect (f->client, USER, PASSWORD, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpuint (op_test_ftp_server_get_n_connections (f->server), ==, 2);
}

/* --- proxies ------------------------------------------------------------------------ */

/* A proxy resolver that, once armed, sends every connection to a SOCKS proxy that is not
 * there and counts how often it was asked: the session's connections must not ask. */
#define TEST_TYPE_PROXY_RESOLVER (test_proxy_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestProxyResolver, test_proxy_resolver, TEST, PROXY_RESOLVER, GObject)

struct _TestProxyResolver
{
  GObject parent_instance;
};

static gint proxy_armed;
static gint proxy_lookups;

static void test_proxy_resolver_iface_init (GProxyResolverInterface *iface);

G_DEFINE_TYPE_WITH_CODE (TestProxyResolver, test_proxy_resolver, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_PROXY_RESOLVER,
                                                test_proxy_resolver_iface_init))

static void
test_proxy_resolver_class_init (TestProxyResolverClass *klass)
{
}

static void
test_proxy_resolver_init (TestProxyResolver *self)
{
}

static gboolean
test_proxy_resolver_is_supported (GProxyResolver *resolver)
{
  return TRUE;
}

static char **
test_proxy_resolver_lookup (GProxyResolver  *resolver,
                            const char      *uri,
                            GCancellable    *cancellable,
                            GError         **error)
{
  const char *direct[] = { "direct://", NULL };
  const char *absent[] = { "socks5://127.0.0.1:9", NULL };

  if (!g_atomic_int_get (&proxy_armed))
    return g_strdupv ((char **) direct);
  g_atomic_int_inc (&proxy_lookups);
  return g_strdupv ((char **) absent);
}

static void
test_proxy_resolver_lookup_async (GProxyResolver      *resolver,
                                  const char          *uri,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);

  g_task_return_pointer (task, test_proxy_resolver_lookup (resolver, uri, cancellable, NULL),
                         (GDestroyNotify) g_strfreev);
}

static char **
test_proxy_resolver_lookup_finish (GProxyResolver  *resolver,
                                   GAsyncResult    *result,
                                   GError         **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_proxy_resolver_iface_init (GProxyResolverInterface *iface)
{
  iface->is_supported = test_proxy_resolver_is_supported;
  iface->lookup = test_proxy_resolver_lookup;
  iface->lookup_async = test_proxy_resolver_lookup_async;
  iface->lookup_finish = test_proxy_resolver_lookup_finish;
}

/* The default resolver (glib-networking's, from the environment or the desktop) would
 * send a data connection through a proxy the control connection never uses: then the
 * data connection goes elsewhere than the server, or nowhere. Both connect directly. */
static void
test_no_proxy_for_data (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = local (f, "small.txt");
  gboolean ok;

  op_test_ftp_server_add_file (f->server, "/small.txt", "hello, world\n", 13);
  g_atomic_int_set (&proxy_lookups, 0);
  g_atomic_int_set (&proxy_armed, TRUE);
  start (f);
  ok = client_download (f->client, "/small.txt", path, OP_FTP_TRANSFER_DEFAULT, NULL, NULL,
                        NULL, &error);
  g_atomic_int_set (&proxy_armed, FALSE);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpint (g_atomic_int_get (&proxy_lookups), ==, 0);
}

/* --- the raw command ---------------------------------------------------------------- */

static OpFtpReply *
client_send_command (OpFtpClient  *client,
                     const char   *line,
                     GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_ftp_client_send_command_async (client, line, NULL, op_test_store_result, &result);
  return op_ftp_client_send_command_finish (client, op_test_wait_result (&result, 30), error);
}

static guint
count_received (GStrv       lines,
                const char *verb)
{
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], verb, strlen (verb)) == 0 &&
        (lines[i][strlen (verb)] == ' ' || lines[i][strlen (verb)] == '\0'))
      n++;
  return n;
}

/* Verbs that would change the session's security or login, or start a transfer without
 * a data connection, leave the session out of step: the raw command refuses them before
 * sending anything, as SMTP's does, and the session goes on. */
static void
test_raw_command_refused (Fixture       *f,
                          gconstpointer  data)
{
  static const char * const lines[] = {
    "AUTH TLS", "ccc", "PROT C", "Pbsz 0", "RETR /a.txt", "stor /b.txt", "PASS other",
    "USER other",
  };
  static const char * const verbs[] = {
    "AUTH", "CCC", "PROT", "PBSZ", "RETR", "STOR", "PASS", "USER",
  };
  g_autoptr(OpFtpReply) noop = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) received = NULL;

  op_test_ftp_server_add_file (f->server, "/a.txt", "a\n", 2);
  start (f);

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_autoptr(OpFtpReply) reply = NULL;
      g_autofree char *expected = g_strdup_printf ("%s cannot be sent as a plain command",
                                                   verbs[i]);

      reply = client_send_command (f->client, lines[i], &error);
      g_assert_null (reply);
      g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME);
      assert_contains (error->message, expected);
      g_clear_error (&error);
    }

  noop = client_send_command (f->client, "NOOP", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (noop->code, ==, 200);
  g_assert_cmpint (op_ftp_client_get_state (f->client), ==, OP_FTP_STATE_READY);
  received = op_test_ftp_server_dup_commands (f->server);
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    {
      /* USER and PASS once each: the login's. */
      guint login = strcmp (verbs[i], "USER") == 0 || strcmp (verbs[i], "PASS") == 0;

      g_assert_cmpuint (count_received (received, verbs[i]), ==, login);
    }
  g_assert_cmpuint (op_test_ftp_server_get_n_connections (f->server), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Ours before any connection asks for the default resolver (the highest priority). */
  g_io_extension_point_register (G_PROXY_RESOLVER_EXTENSION_POINT_NAME);
  g_io_extension_point_implement (G_PROXY_RESOLVER_EXTENSION_POINT_NAME,
                                  TEST_TYPE_PROXY_RESOLVER, "outpost-test", 1000);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/ftp/faults/hostile-names/download-tree", test_hostile_names_download_tree);
  ADD ("/ftp/faults/hostile-names/collide", test_hostile_names_collide);
  ADD ("/ftp/faults/hostile-names/single-download", test_hostile_names_single_download);
  ADD ("/ftp/faults/stall-mid-download", test_stall_mid_download);
  ADD ("/ftp/faults/stall-mid-upload", test_stall_mid_upload);
  ADD ("/ftp/faults/drop-mid-download/426-then-resume", test_drop_mid_download_426);
  ADD ("/ftp/faults/drop-mid-download/silent-then-resume", test_drop_mid_download_silent);
  ADD ("/ftp/faults/drop-control-mid-download", test_drop_control_mid_download);
  ADD ("/ftp/faults/size-known/no-size-asked-150-checks-the-end", test_size_known_download);
  ADD ("/ftp/faults/upload-resume-after-drop", test_upload_resume_after_drop);
  ADD ("/ftp/faults/upload-cut-after-last-write", test_upload_cut_after_last_write);
  ADD ("/ftp/faults/cancel-download", test_cancel_download);
  ADD ("/ftp/faults/pasv-address-ignored", test_pasv_address_ignored);
  ADD ("/ftp/faults/active-mode/eprt", test_active_mode);
  ADD ("/ftp/faults/active-mode/port", test_active_mode_port);
  ADD ("/ftp/faults/multi-line-greeting", test_multi_line_greeting);
  ADD ("/ftp/faults/421-reconnects", test_421_reconnects);
  ADD ("/ftp/faults/login-refused", test_login_refused);
  ADD ("/ftp/faults/plaintext-password-refused", test_plaintext_password_refused);
  ADD ("/ftp/faults/tls-refused", test_tls_refused);
  ADD ("/ftp/faults/disk-full-on-stor", test_disk_full_on_stor);
  ADD ("/ftp/faults/not-found-on-retr", test_not_found_on_retr);
  ADD ("/ftp/faults/keepalive", test_keepalive);
  ADD ("/ftp/faults/progress", test_progress);
  ADD ("/ftp/faults/ascii/download", test_ascii_download);
  ADD ("/ftp/faults/ascii/upload", test_ascii_upload);
  ADD ("/ftp/faults/ascii/cr-at-chunk-boundary", test_ascii_cr_at_chunk_boundary);
  ADD ("/ftp/faults/raw-command/refuses-session-verbs", test_raw_command_refused);
  ADD ("/ftp/faults/proxy/data-connection-direct", test_no_proxy_for_data);
  ADD ("/ftp/faults/release/stalled-returns-at-once", test_release_returns_at_once);
  ADD ("/ftp/faults/release/idle-returns-at-once", test_release_idle);

#undef ADD

  return g_test_run ();
}
