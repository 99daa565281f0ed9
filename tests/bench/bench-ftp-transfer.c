/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-ftp-transfer"

/*
 * One transfer or listing with Outpost's FTP client against a test server, timed, with
 * the process's peak RSS growth over it. Driven by bench-ftp-transfer.sh (README.md),
 * which runs curl and lftp on the same files for the ratio.
 *
 *   bench-ftp-transfer SERVER download REMOTE LOCAL
 *   bench-ftp-transfer SERVER upload LOCAL REMOTE
 *   bench-ftp-transfer SERVER list REMOTE [mlsd|list]
 *   bench-ftp-transfer SERVER ttl REMOTE
 *
 * ttl is the time to a listing, what a person waits for after pressing Connect: from
 * main() through connect, TLS and login to the first LIST parsed, with the protocol log's
 * steps on the way. OUTPOST_BENCH_RATE_LIMIT (bytes per second) puts downloads and
 * uploads under a speed limit (op_ftp_client_set_rate_limits()).
 *
 * SERVER is vsftpd, vsftpd-ftps, proftpd (explicit FTPS) or pure-ftpd; endpoints come
 * from the OUTPOST_TEST_* variables of tests/servers/. Prints one line:
 *   outpost OP SECONDS s BYTES bytes MB/s RATE hwm-growth KIB KiB [entries N]
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "bench-common.h"
#include "op-ftp-client.h"
#include "op-test-verifier.h"

static GAsyncResult *awaited;

static void
await_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  awaited = g_object_ref (result);
  g_main_loop_quit (user_data);
}

static GAsyncResult *
await_result (GMainLoop *loop)
{
  if (awaited == NULL)
    g_main_loop_run (loop);
  return g_steal_pointer (&awaited);
}

/* Peak resident set size so far (VmHWM), KiB. */
static guint64
vm_hwm_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmHWM:");
  return line != NULL ? g_ascii_strtoull (line + 6, NULL, 10) : 0;
}

static const char *
need_env (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL || *value == '\0')
    {
      fprintf (stderr, "bench-ftp-transfer: %s is not set (source the env file of tests/servers/start)\n", name);
      exit (77);
    }
  return value;
}

static void
die_on_error (const char *what,
              GError     *error)
{
  if (error != NULL)
    {
      fprintf (stderr, "bench-ftp-transfer: %s: %s\n", what, error->message);
      exit (1);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(OpFtpClient) client = NULL;
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *server, *op, *prefix, *port_var;
  OpSecurity security = OP_SECURITY_STARTTLS;
  gint64 main_time = g_get_monotonic_time ();
  gint64 main_real = g_get_real_time ();
  double main_cpu = (bench_cpu_usec () / 1e6);
  const char *limit = g_getenv ("OUTPOST_BENCH_RATE_LIMIT");
  gint64 connected;
  g_autofree char *user_var = NULL, *password_var = NULL;
  guint64 hwm_before, bytes = 0, entries = 0;
  gint64 start, end;
  double seconds;

  setlocale (LC_ALL, "");
  if (argc < 4)
    {
      fprintf (stderr, "Usage: %s SERVER download REMOTE LOCAL | upload LOCAL REMOTE | list REMOTE [mlsd|list]\n",
               argv[0]);
      return 2;
    }
  server = argv[1];
  op = argv[2];

  if (g_str_equal (server, "vsftpd"))
    prefix = "VSFTPD", port_var = "OUTPOST_TEST_VSFTPD_PORT", security = OP_SECURITY_NONE;
  else if (g_str_equal (server, "vsftpd-ftps"))
    prefix = "VSFTPD", port_var = "OUTPOST_TEST_VSFTPD_FTPS_PORT";
  else if (g_str_equal (server, "proftpd"))
    prefix = "PROFTPD", port_var = "OUTPOST_TEST_PROFTPD_PORT";
  else if (g_str_equal (server, "pure-ftpd"))
    prefix = "PUREFTPD", port_var = "OUTPOST_TEST_PUREFTPD_PORT";
  else
    {
      fprintf (stderr, "bench-ftp-transfer: unknown server %s\n", server);
      return 2;
    }
  user_var = g_strdup_printf ("OUTPOST_TEST_%s_USER", prefix);
  password_var = g_strdup_printf ("OUTPOST_TEST_%s_PASSWORD", prefix);

  verifier = op_test_verifier_new_for_ca_file (need_env ("OUTPOST_TEST_CA"), &error);
  die_on_error ("CA", error);
  client = op_ftp_client_new (need_env ("OUTPOST_TEST_FTP_HOST"),
                              atoi (need_env (port_var)), security);
  op_ftp_client_set_verifier (client, OP_TLS_VERIFIER (verifier));
  op_ftp_client_set_allow_plaintext_password (client, security == OP_SECURITY_NONE);
  op_ftp_client_set_timeout (client, 120);
  if (limit != NULL && *limit != '\0')
    {
      g_autoptr(OpRateLimit) rate = op_rate_limit_new (g_ascii_strtoull (limit, NULL, 10));

      op_ftp_client_set_rate_limits (client, rate, rate);
    }
  op_ftp_client_connect_async (client, need_env (user_var), need_env (password_var), NULL,
                               NULL, await_cb, loop);
  result = await_result (loop);
  op_ftp_client_connect_finish (client, result, &error);
  die_on_error ("connect", error);
  g_clear_object (&result);
  connected = g_get_monotonic_time ();

  if (g_str_equal (op, "ttl") && argc == 4)
    {
      g_autoptr(OpFtpListing) listing = NULL;
      g_autoptr(GPtrArray) entries_log = NULL;
      gint64 listed;

      op_ftp_client_list_async (client, argv[3], OP_FTP_LIST_FORCE_LIST, NULL, await_cb, loop);
      result = await_result (loop);
      listing = op_ftp_client_list_finish (client, result, &error);
      die_on_error ("list", error);
      listed = g_get_monotonic_time ();
      /* Where the time went: each line of the protocol log, from main(). */
      entries_log = op_protocol_log_dup_entries (op_ftp_client_get_log (client));
      for (guint i = 0; i < entries_log->len; i++)
        {
          OpLogEntry *entry = g_ptr_array_index (entries_log, i);

          fprintf (stderr, "  %7.1f ms  %s\n",
                   (op_log_entry_get_timestamp (entry) - main_real) / 1000.0,
                   op_log_entry_get_text (entry));
        }
      printf ("outpost ttl %.3f s connect+tls+login %.3f s list %.3f s entries %u cpu %.3f s\n",
              (listed - main_time) / (double) G_USEC_PER_SEC,
              (connected - main_time) / (double) G_USEC_PER_SEC,
              (listed - connected) / (double) G_USEC_PER_SEC, listing->entries->len,
              (bench_cpu_usec () / 1e6) - main_cpu);
      op_ftp_client_shutdown (client);
      return 0;
    }

  hwm_before = vm_hwm_kib ();
  start = g_get_monotonic_time ();
  if (g_str_equal (op, "download") && argc == 5)
    {
      g_autoptr(GFile) local = g_file_new_for_path (argv[4]);
      g_autoptr(GFileInfo) info = NULL;

      op_ftp_client_download_async (client, argv[3], local, OP_FTP_TRANSFER_NO_MTIME,
                                    NULL, NULL, NULL, NULL, await_cb, loop);
      result = await_result (loop);
      op_ftp_client_download_finish (client, result, &error);
      die_on_error ("download", error);
      info = g_file_query_info (local, G_FILE_ATTRIBUTE_STANDARD_SIZE, 0, NULL, &error);
      die_on_error ("local file", error);
      bytes = g_file_info_get_size (info);
    }
  else if (g_str_equal (op, "upload") && argc == 5)
    {
      g_autoptr(GFile) local = g_file_new_for_path (argv[3]);
      g_autoptr(GFileInfo) info = g_file_query_info (local, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                     0, NULL, &error);

      die_on_error ("local file", error);
      bytes = g_file_info_get_size (info);
      op_ftp_client_upload_async (client, local, argv[4], OP_FTP_TRANSFER_NO_MTIME,
                                  NULL, NULL, NULL, NULL, await_cb, loop);
      result = await_result (loop);
      op_ftp_client_upload_finish (client, result, &error);
      die_on_error ("upload", error);
    }
  else if (g_str_equal (op, "list") && (argc == 4 || argc == 5))
    {
      g_autoptr(OpFtpListing) listing = NULL;
      OpFtpListFlags flags = argc == 5 && g_str_equal (argv[4], "list")
                             ? OP_FTP_LIST_FORCE_LIST : OP_FTP_LIST_DEFAULT;

      op_ftp_client_list_async (client, argv[3], flags, NULL, await_cb, loop);
      result = await_result (loop);
      listing = op_ftp_client_list_finish (client, result, &error);
      die_on_error ("list", error);
      entries = listing->entries->len;
      end = g_get_monotonic_time ();
      seconds = (end - start) / (double) G_USEC_PER_SEC;
      printf ("outpost list %.3f s entries %" G_GUINT64_FORMAT " format %s hwm-growth %"
              G_GUINT64_FORMAT " KiB\n", seconds, entries,
              listing->format == OP_FTP_LIST_MLSD ? "mlsd" : "list",
              vm_hwm_kib () - hwm_before);
      op_ftp_client_shutdown (client);
      return 0;
    }
  else
    {
      fprintf (stderr, "bench-ftp-transfer: bad arguments for %s\n", op);
      return 2;
    }
  end = g_get_monotonic_time ();
  seconds = (end - start) / (double) G_USEC_PER_SEC;

  printf ("outpost %s %.3f s %" G_GUINT64_FORMAT " bytes MB/s %.1f hwm-growth %"
          G_GUINT64_FORMAT " KiB\n", op, seconds, bytes, bytes / seconds / 1e6,
          vm_hwm_kib () - hwm_before);
  op_ftp_client_shutdown (client);
  return 0;
}
