/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ftp-random-cuts"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "op-ftp-client.h"
#include "op-test-async.h"
#include "op-test-cut-campaign.h"
#include "op-test-fixtures.h"

/*
 * The random-cut campaign for FTP (issue 19): OpFtpClient against the plain vsftpd of
 * tests/servers/vsftpd.sh through the fault proxy of tests/support/, which relays the
 * control connection and, rewriting the EPSV and PASV replies, every data connection.
 * N_RUNS seeded cuts fall at random byte offsets, half on the control connection (either
 * way) and half on the data connections (the upload's or the download's bytes) of a
 * session that logs in, uploads a file, downloads another and quits.
 *
 * Every run must end within its timeout; each transfer is either reported failed with a
 * clear error or whole (SHA-256 of the server's copy, or of the local file); no file
 * under the final local name unless the download said it was complete, and the .part a
 * prefix of the source; after a failure the client is disconnected or still answers a
 * NOOP. Then an uncut session retries what failed with OP_FTP_TRANSFER_RESUME, and the
 * server's folder and the local one hold exactly the right files, whole, no .part left.
 * The counts are printed. The seed is fixed (SEED) so a failing run can be replayed; set
 * OUTPOST_TEST_CUT_SEED to try others.
 *
 * Plain FTP, because the proxy must read the EPSV and PASV replies to relay the data
 * connections; FTPS data connections are the subject of test-ftp-servers.c.
 */

#define N_RUNS          100
#define SEED            19
#define TIMEOUT_SECONDS 10
#define FILE_SIZE       (512 * 1024)

typedef struct
{
  const char *host;
  guint16     port;
  const char *user;
  const char *password;
  const char *root;
} Endpoint;

typedef struct
{
  Endpoint  endpoint;
  char     *server_dir;    /* on the server's disk */
  char     *remote_dir;    /* as the client names it */
  char     *local_dir;
  char     *upload_source; /* local, FILE_SIZE seeded bytes */
  GBytes   *upload_bytes;
  GBytes   *download_bytes; /* the server's down.bin */
  char     *upload_sum;
  char     *download_sum;
} Campaign;

typedef struct
{
  gboolean  connected;
  gboolean  uploaded;
  gboolean  downloaded;
  gboolean  ok;            /* the whole session succeeded */
  GError   *error;         /* else: the first error */
} Outcome;

/* FALSE without the vsftpd endpoint (op_test_endpoint_env() skipped or failed). */
static gboolean
get_endpoint (Endpoint *endpoint)
{
  const char *port;
  guint64 value;

  endpoint->host = op_test_endpoint_env ("OUTPOST_TEST_FTP_HOST");
  port = op_test_endpoint_env ("OUTPOST_TEST_VSFTPD_PORT");
  endpoint->user = op_test_endpoint_env ("OUTPOST_TEST_VSFTPD_USER");
  endpoint->password = op_test_endpoint_env ("OUTPOST_TEST_VSFTPD_PASSWORD");
  endpoint->root = op_test_endpoint_env ("OUTPOST_TEST_VSFTPD_ROOT");
  if (endpoint->host == NULL || port == NULL || endpoint->user == NULL ||
      endpoint->password == NULL || endpoint->root == NULL)
    return FALSE;
  g_assert_true (g_ascii_string_to_unsigned (port, 10, 1, G_MAXUINT16, &value, NULL));
  endpoint->port = value;
  return TRUE;
}

static GBytes *
seeded_bytes (guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint32 *words = g_new (guint32, FILE_SIZE / 4);

  for (gsize i = 0; i < FILE_SIZE / 4; i++)
    words[i] = g_rand_int (rand);
  return g_bytes_new_take (words, FILE_SIZE);
}

static char *
sha256_of_bytes (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}


/* TRUE when the file at @path holds the first bytes of @source (or nothing at all). */
static gboolean
is_prefix_of (const char *path,
              GBytes     *source)
{
  g_autofree char *contents = NULL;
  gsize length = 0, size = 0;
  const char *data = g_bytes_get_data (source, &size);

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  return length <= size && memcmp (contents, data, length) == 0;
}

static void
campaign_set_up (Campaign *c)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base = g_strdup_printf ("cuts-%08x", g_random_int ());
  g_autofree char *down = NULL;
  gsize size;
  const char *data;

  c->server_dir = g_build_filename (c->endpoint.root, base, NULL);
  c->remote_dir = g_strconcat ("/", base, NULL);
  g_assert_cmpint (g_mkdir (c->server_dir, 0777), ==, 0);
  /* The FTP user (not us) writes there; the umask must not take that away. */
  g_assert_cmpint (g_chmod (c->server_dir, 0777), ==, 0);

  c->upload_bytes = seeded_bytes (SEED);
  c->download_bytes = seeded_bytes (SEED + 1);
  c->upload_sum = sha256_of_bytes (c->upload_bytes);
  c->download_sum = sha256_of_bytes (c->download_bytes);

  down = g_build_filename (c->server_dir, "down.bin", NULL);
  data = g_bytes_get_data (c->download_bytes, &size);
  g_file_set_contents (down, data, size, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (down, 0644), ==, 0);

  c->local_dir = g_dir_make_tmp ("outpost-ftp-cuts-XXXXXX", &error);
  g_assert_no_error (error);
  c->upload_source = g_build_filename (c->local_dir, "up.bin", NULL);
  data = g_bytes_get_data (c->upload_bytes, &size);
  g_file_set_contents (c->upload_source, data, size, &error);
  g_assert_no_error (error);
}

static void
campaign_tear_down (Campaign *c)
{
  op_test_remove_tree (c->server_dir);
  op_test_remove_tree (c->local_dir);
  g_free (c->server_dir);
  g_free (c->remote_dir);
  g_free (c->local_dir);
  g_free (c->upload_source);
  g_bytes_unref (c->upload_bytes);
  g_bytes_unref (c->download_bytes);
  g_free (c->upload_sum);
  g_free (c->download_sum);
}

static char *
local_path (Campaign   *c,
            const char *name)
{
  return g_build_filename (c->local_dir, name, NULL);
}

static char *
server_path (Campaign   *c,
             const char *name)
{
  return g_build_filename (c->server_dir, name, NULL);
}

/* Before each run: the upload not on the server, the download not here. */
static void
campaign_reset (Campaign *c)
{
  g_autofree char *uploaded = server_path (c, "up.bin");
  g_autofree char *downloaded = local_path (c, "down.bin");
  g_autofree char *part = local_path (c, "down.bin.part");

  g_unlink (uploaded);
  g_unlink (downloaded);
  g_unlink (part);
}

/* At most the client's timeout and a margin: a hang fails the test there. */
#define wait_result(slot) op_test_cut_wait ((slot), TIMEOUT_SECONDS)

/* After an error the client is cleanly disconnected, or still usable: a NOOP either
 * works or fails clearly and leaves it disconnected. */
static void
assert_usable_or_disconnected (OpFtpClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (op_ftp_client_get_state (client) == OP_FTP_STATE_DISCONNECTED)
    return;
  g_assert_cmpint (op_ftp_client_get_state (client), ==, OP_FTP_STATE_READY);
  op_ftp_client_noop_async (client, NULL, op_test_store_result, &result);
  if (!op_ftp_client_noop_finish (client, wait_result (&result), &error))
    {
      op_test_assert_clear_error (error, OP_FTP_ERROR);
      g_assert_cmpint (op_ftp_client_get_state (client), ==, OP_FTP_STATE_DISCONNECTED);
    }
}

static void
note_error (Outcome     *outcome,
            OpFtpClient *client,
            GError      *error)
{
  op_test_assert_clear_error (error, OP_FTP_ERROR);
  if (outcome->error == NULL)
    outcome->error = error;
  else
    g_error_free (error);
  assert_usable_or_disconnected (client);
}

/* One session through @port: log in, upload (unless @skip_upload), download (unless
 * @skip_download), quit. A failed transfer does not stop the other while the client is
 * connected. */
static void
run_session (Campaign      *c,
             guint16        port,
             OpFtpTransferFlags flags,
             gboolean       skip_upload,
             gboolean       skip_download,
             Outcome       *outcome)
{
  g_autoptr(OpFtpClient) client = op_ftp_client_new (c->endpoint.host, port,
                                                     OP_SECURITY_NONE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) source = g_file_new_for_path (c->upload_source);
  g_autofree char *down = local_path (c, "down.bin");
  g_autoptr(GFile) target = g_file_new_for_path (down);
  g_autofree char *remote_up = g_strconcat (c->remote_dir, "/up.bin", NULL);
  g_autofree char *remote_down = g_strconcat (c->remote_dir, "/down.bin", NULL);

  memset (outcome, 0, sizeof *outcome);
  op_ftp_client_set_allow_plaintext_password (client, TRUE);
  op_ftp_client_set_timeout (client, TIMEOUT_SECONDS);

  op_ftp_client_connect_async (client, c->endpoint.user, c->endpoint.password, NULL, NULL,
                               op_test_store_result, &result);
  if (!op_ftp_client_connect_finish (client, wait_result (&result), &error))
    {
      op_test_assert_clear_error (error, OP_FTP_ERROR);
      outcome->error = g_steal_pointer (&error);
      return;
    }
  g_clear_object (&result);
  outcome->connected = TRUE;

  if (!skip_upload)
    {
      op_ftp_client_upload_async (client, source, remote_up, flags, NULL, NULL, NULL, NULL,
                                  op_test_store_result, &result);
      outcome->uploaded = op_ftp_client_upload_finish (client, wait_result (&result), &error);
      g_clear_object (&result);
      if (!outcome->uploaded)
        note_error (outcome, client, g_steal_pointer (&error));
    }

  if (!skip_download && op_ftp_client_get_state (client) != OP_FTP_STATE_DISCONNECTED)
    {
      op_ftp_client_download_async (client, remote_down, target, flags, NULL, NULL, NULL,
                                    NULL, op_test_store_result, &result);
      outcome->downloaded = op_ftp_client_download_finish (client, wait_result (&result),
                                                           &error);
      g_clear_object (&result);
      if (!outcome->downloaded)
        note_error (outcome, client, g_steal_pointer (&error));
    }

  if (op_ftp_client_get_state (client) != OP_FTP_STATE_DISCONNECTED)
    {
      /* QUIT on a dead connection closes it without error; a cut of its reply is not
       * a failure of the transfers. */
      op_ftp_client_quit_async (client, NULL, op_test_store_result, &result);
      if (!op_ftp_client_quit_finish (client, wait_result (&result), &error))
        note_error (outcome, client, g_steal_pointer (&error));
      g_clear_object (&result);
    }
  outcome->ok = outcome->error == NULL && (skip_upload || outcome->uploaded) &&
                (skip_download || outcome->downloaded);
}

/* What a cut run may leave: a transfer reported whole is whole; no local file under
 * the final name otherwise, and the .part a prefix of the source; the server's copy of
 * an upload that failed a prefix of the source. */
static void
check_after_cut (Campaign      *c,
                 const Outcome *outcome,
                 guint         *short_uploads)
{
  g_autofree char *uploaded = server_path (c, "up.bin");
  g_autofree char *downloaded = local_path (c, "down.bin");
  g_autofree char *part = local_path (c, "down.bin.part");
  g_autofree char *up_sum = op_test_sha256_of_file (uploaded);
  g_autofree char *down_sum = op_test_sha256_of_file (downloaded);

  if (outcome->uploaded)
    g_assert_cmpstr (up_sum, ==, c->upload_sum);
  else if (up_sum != NULL)
    {
      g_assert_true (is_prefix_of (uploaded, c->upload_bytes));
      *short_uploads += g_strcmp0 (up_sum, c->upload_sum) != 0;
    }

  if (outcome->downloaded)
    g_assert_cmpstr (down_sum, ==, c->download_sum);
  else
    g_assert_null (down_sum);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS) && outcome->downloaded);
  if (g_file_test (part, G_FILE_TEST_EXISTS))
    g_assert_true (is_prefix_of (part, c->download_bytes));
}

/* After the retry: on the server exactly down.bin and up.bin, both whole; here exactly
 * up.bin and down.bin, whole, no .part. */
static void
check_after_retry (Campaign *c)
{
  const char *expected[] = { "down.bin", "up.bin" };
  const char *dirs[] = { c->server_dir, c->local_dir };
  g_autofree char *uploaded = server_path (c, "up.bin");
  g_autofree char *downloaded = local_path (c, "down.bin");
  g_autofree char *up_sum = op_test_sha256_of_file (uploaded);
  g_autofree char *down_sum = op_test_sha256_of_file (downloaded);

  for (guint d = 0; d < G_N_ELEMENTS (dirs); d++)
    {
      g_autoptr(GDir) dir = g_dir_open (dirs[d], 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      g_assert_nonnull (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_strdup (name));
      g_assert_cmpuint (names->len, ==, G_N_ELEMENTS (expected));
      for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
        g_assert_true (g_ptr_array_find_with_equal_func (names, expected[i], g_str_equal,
                                                         NULL));
    }
  g_assert_cmpstr (up_sum, ==, c->upload_sum);
  g_assert_cmpstr (down_sum, ==, c->download_sum);
}

/* What the runs count besides the driver (OpTestCutCounts). */
typedef struct
{
  Campaign *c;
  guint16   port;
  Outcome   last;          /* the last cut run's, for its retry */
  guint     uploads_whole;
  guint     downloads_whole;
  guint     uploads_retried;
  guint     downloads_retried;
  guint     downloads_resumed;
  guint     short_uploads;
} Runs;

/* One cut run: upload and download; what it leaves is checked (check_after_cut()). */
static gboolean
run_cut (guint            run,
         const OpTestCut *where,
         gpointer         user_data,
         GError         **error)
{
  Runs *r = user_data;
  Outcome *outcome = &r->last;

  campaign_reset (r->c);
  run_session (r->c, r->port, OP_FTP_TRANSFER_DEFAULT, FALSE, FALSE, outcome);
  g_test_message ("run %u: cut %s%s after %" G_GUINT64_FORMAT ": %s", run,
                  where->data ? "data " : "", where->downstream ? "downstream" : "upstream",
                  where->after, outcome->error ? outcome->error->message : "whole");
  check_after_cut (r->c, outcome, &r->short_uploads);
  r->uploads_whole += outcome->uploaded;
  r->downloads_whole += outcome->downloaded;
  if (outcome->ok)
    return TRUE;
  g_propagate_error (error, g_error_copy (outcome->error));
  g_clear_error (&outcome->error);
  return FALSE;
}

/* The retry, uncut: what failed, resumed where it stopped; then both folders hold
 * exactly the right files, whole. */
static void
retry_cut (guint    run,
           gpointer user_data)
{
  Runs *r = user_data;
  g_autofree char *part = local_path (r->c, "down.bin.part");
  Outcome retry;

  r->downloads_resumed += !r->last.downloaded && g_file_test (part, G_FILE_TEST_EXISTS);
  r->uploads_retried += !r->last.uploaded;
  r->downloads_retried += !r->last.downloaded;
  run_session (r->c, r->port, OP_FTP_TRANSFER_RESUME, r->last.uploaded, r->last.downloaded,
               &retry);
  g_assert_no_error (retry.error);
  g_assert_true (retry.ok);
  check_after_retry (r->c);
}

static void
test_random_cuts (void)
{
  g_autoptr(OpTestFaultProxy) proxy = NULL;
  guint32 seed = op_test_cut_seed (SEED);
  Campaign c = { 0 };
  Outcome reference = { 0 };
  OpTestCutPlan plan = { .upstream_one_in = 4 };
  OpTestCutCounts counts;
  Runs r = { 0 };

  if (!get_endpoint (&c.endpoint))
    return;
  campaign_set_up (&c);
  proxy = op_test_fault_proxy_new (c.endpoint.host, c.endpoint.port);
  op_test_fault_proxy_set_ftp_passive (proxy, TRUE);
  r.c = &c;
  r.port = op_test_fault_proxy_get_port (proxy);

  /* The whole session once, uncut: how many bytes go each way, on each connection. */
  campaign_reset (&c);
  run_session (&c, r.port, OP_FTP_TRANSFER_DEFAULT, FALSE, FALSE, &reference);
  g_assert_no_error (reference.error);
  g_assert_true (reference.ok);
  check_after_retry (&c);
  op_test_cut_plan_measure (&plan, proxy);
  op_test_fault_proxy_get_data_counts (proxy, &plan.data_down, &plan.data_up);
  g_assert_cmpuint (plan.data_down, ==, FILE_SIZE);
  g_assert_cmpuint (plan.data_up, ==, FILE_SIZE);

  op_test_cut_campaign_run (proxy, &plan, seed, N_RUNS, run_cut, retry_cut, &r, &counts);

  g_test_message ("FTP random cuts (seed %u): %u runs, %u cut (%u on data connections), "
                  "%u clear errors, %u whole sessions, %u whole uploads, %u whole "
                  "downloads; retried %u uploads (%u short on the server) and %u downloads "
                  "(%u from a .part), all whole; 0 hung, 0 corrupted", seed, counts.runs,
                  counts.cut, counts.data_cuts, counts.failed, counts.whole,
                  r.uploads_whole, r.downloads_whole, r.uploads_retried, r.short_uploads,
                  r.downloads_retried, r.downloads_resumed);
  campaign_tear_down (&c);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ftp/random-cuts/upload-and-download", test_random_cuts);
  return g_test_run ();
}
