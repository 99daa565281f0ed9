/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ftp-charset"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "op-ftp-client.h"
#include "op-test-fixtures.h"
#include "op-test-async.h"

/* A vsftpd call on loopback that has not answered by then is hung. */
#define WAIT_RESULT(slot) op_test_wait_result ((slot), 60)

/*
 * A site whose names are not UTF-8 (issue 3, "Non-UTF-8 servers"): vsftpd stores and
 * serves name bytes as they are, so a folder made on its disk with GB18030 names stands
 * for an old Chinese server. With the site charset set, names are shown as UTF-8, sent
 * back as the server's bytes, and a new name arrives on disk in GB18030.
 */

#define CHINESE_NAME "中文名字.txt"
#define UPLOAD_NAME "上传的文件.txt"
#define CONTENT "你好, GB18030\n"

typedef struct
{
  const char  *root;
  char        *dir;        /* on disk */
  char        *remote_dir; /* as the client names it */
  OpFtpClient *client;
  GAsyncResult *result;
} Fixture;

static char *
to_gb18030 (const char *utf8)
{
  g_autoptr(GError) error = NULL;
  char *bytes = g_convert (utf8, -1, "GB18030", "UTF-8", NULL, NULL, &error);

  g_assert_no_error (error);
  return bytes;
}

static gboolean
fixture_set_up (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *gb_name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *base = NULL;
  const char *host = op_test_endpoint_env ("OUTPOST_TEST_FTP_HOST");
  const char *port = op_test_endpoint_env ("OUTPOST_TEST_VSFTPD_PORT");
  const char *user = op_test_endpoint_env ("OUTPOST_TEST_VSFTPD_USER");
  const char *password = op_test_endpoint_env ("OUTPOST_TEST_VSFTPD_PASSWORD");

  f->root = op_test_endpoint_env ("OUTPOST_TEST_VSFTPD_ROOT");
  if (host == NULL || port == NULL || user == NULL || password == NULL || f->root == NULL)
    return FALSE;

  base = g_strdup_printf ("charset-%08x", g_random_int ());
  f->dir = g_build_filename (f->root, base, NULL);
  f->remote_dir = g_strconcat ("/", base, NULL);
  g_assert_cmpint (g_mkdir (f->dir, 0777), ==, 0);
  /* The FTP user (not us) writes there; the umask must not take that away. */
  g_assert_cmpint (g_chmod (f->dir, 0777), ==, 0);
  gb_name = to_gb18030 (CHINESE_NAME);
  path = g_build_filename (f->dir, gb_name, NULL);
  g_file_set_contents (path, CONTENT, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);

  f->client = op_ftp_client_new (host, (guint16) g_ascii_strtoull (port, NULL, 10),
                                 OP_SECURITY_NONE);
  op_ftp_client_set_allow_plaintext_password (f->client, TRUE);
  op_ftp_client_set_timeout (f->client, 10);
  op_ftp_client_set_charset (f->client, "GB18030");
  op_ftp_client_connect_async (f->client, user, password, NULL, NULL, op_test_store_result,
                               &f->result);
  op_ftp_client_connect_finish (f->client, WAIT_RESULT (&f->result), &error);
  g_clear_object (&f->result);
  g_assert_no_error (error);
  return TRUE;
}


static void
fixture_tear_down (Fixture *f)
{
  if (f->client != NULL)
    {
      op_ftp_client_quit_async (f->client, NULL, op_test_store_result, &f->result);
      op_ftp_client_quit_finish (f->client, WAIT_RESULT (&f->result), NULL);
      g_clear_object (&f->result);
      g_clear_object (&f->client);
    }
  if (f->dir != NULL)
    op_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->remote_dir);
}

static void
test_gb18030_list_download_upload (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OpFtpListing) listing = NULL;
  g_autofree char *gb_name = NULL;
  g_autofree char *gb_upload = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *local = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *on_disk = NULL;
  g_autoptr(GFile) file = NULL;
  OpFtpEntry *entry;

  if (!fixture_set_up (&f))
    return;
  gb_name = to_gb18030 (CHINESE_NAME);

  /* The listing shows the name as UTF-8 and keeps the server's bytes. */
  op_ftp_client_list_async (f.client, f.remote_dir, OP_FTP_LIST_DEFAULT, NULL,
                            op_test_store_result, &f.result);
  listing = op_ftp_client_list_finish (f.client, WAIT_RESULT (&f.result), &error);
  g_clear_object (&f.result);
  g_assert_no_error (error);
  g_assert_cmpuint (listing->entries->len, ==, 1);
  g_assert_cmpuint (listing->unparsed->len, ==, 0);
  entry = g_ptr_array_index (listing->entries, 0);
  g_assert_cmpstr (entry->name, ==, CHINESE_NAME);
  g_assert_cmpstr (entry->wire_name, ==, gb_name);
  g_assert_cmpint (entry->size, ==, strlen (CONTENT));

  /* A UTF-8 path from the user reaches the file named in GB18030. */
  tmp = g_dir_make_tmp ("outpost-charset-XXXXXX", &error);
  g_assert_no_error (error);
  local = g_build_filename (tmp, "download.txt", NULL);
  file = g_file_new_for_path (local);
  remote = g_strconcat (f.remote_dir, "/" CHINESE_NAME, NULL);
  op_ftp_client_download_async (f.client, remote, file, OP_FTP_TRANSFER_DEFAULT, NULL, NULL,
                                NULL, NULL, op_test_store_result, &f.result);
  op_ftp_client_download_finish (f.client, WAIT_RESULT (&f.result), &error);
  g_clear_object (&f.result);
  g_assert_no_error (error);
  g_file_get_contents (local, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, CONTENT);

  /* An upload under a Chinese name lands on disk in GB18030. */
  g_free (remote);
  remote = g_strconcat (f.remote_dir, "/" UPLOAD_NAME, NULL);
  op_ftp_client_upload_async (f.client, file, remote, OP_FTP_TRANSFER_DEFAULT, NULL, NULL,
                              NULL, NULL, op_test_store_result, &f.result);
  op_ftp_client_upload_finish (f.client, WAIT_RESULT (&f.result), &error);
  g_clear_object (&f.result);
  g_assert_no_error (error);
  gb_upload = to_gb18030 (UPLOAD_NAME);
  on_disk = g_build_filename (f.dir, gb_upload, NULL);
  g_assert_true (g_file_test (on_disk, G_FILE_TEST_IS_REGULAR));

  g_remove (local);
  g_rmdir (tmp);
  fixture_tear_down (&f);
}

static void
test_latin1_refuses_unrepresentable_name (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *local = NULL;
  g_autofree char *remote = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GDir) dir = NULL;
  guint count = 0;

  if (!fixture_set_up (&f))
    return;
  op_ftp_client_set_charset (f.client, "ISO-8859-1");

  tmp = g_dir_make_tmp ("outpost-charset-XXXXXX", &error);
  g_assert_no_error (error);
  local = g_build_filename (tmp, "file.txt", NULL);
  g_file_set_contents (local, "x", -1, &error);
  g_assert_no_error (error);
  file = g_file_new_for_path (local);

  /* "Café" fits Latin-1; "中文" does not and must not be sent mangled. */
  remote = g_strconcat (f.remote_dir, "/中文.txt", NULL);
  op_ftp_client_upload_async (f.client, file, remote, OP_FTP_TRANSFER_DEFAULT, NULL, NULL,
                              NULL, NULL, op_test_store_result, &f.result);
  g_assert_false (op_ftp_client_upload_finish (f.client, WAIT_RESULT (&f.result), &error));
  g_clear_object (&f.result);
  g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME);
  g_assert_nonnull (strstr (error->message, "ISO-8859-1"));
  g_clear_error (&error);

  g_free (remote);
  remote = g_strconcat (f.remote_dir, "/Café.txt", NULL);
  op_ftp_client_upload_async (f.client, file, remote, OP_FTP_TRANSFER_DEFAULT, NULL, NULL,
                              NULL, NULL, op_test_store_result, &f.result);
  op_ftp_client_upload_finish (f.client, WAIT_RESULT (&f.result), &error);
  g_clear_object (&f.result);
  g_assert_no_error (error);

  /* On disk: the original GB18030 file and "Caf\xe9.txt", nothing else. */
  dir = g_dir_open (f.dir, 0, &error);
  g_assert_no_error (error);
  for (const char *name; (name = g_dir_read_name (dir)) != NULL; count++)
    if (strncmp (name, "Caf", 3) == 0)
      g_assert_cmpstr (name, ==, "Caf\xe9.txt");
  g_assert_cmpuint (count, ==, 2);

  g_remove (local);
  g_rmdir (tmp);
  fixture_tear_down (&f);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ftp/charset/gb18030/list-download-upload",
                   test_gb18030_list_download_upload);
  g_test_add_func ("/ftp/charset/latin1/refuses-unrepresentable-name",
                   test_latin1_refuses_unrepresentable_name);

  return op_test_run ();
}
