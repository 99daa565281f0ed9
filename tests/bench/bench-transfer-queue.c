/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-transfer-queue"

/*
 * One folder transfer through Outpost's transfer queue (the engine the Files view uses):
 * bench-transfer-queue.sh runs it next to lftp mirror and a curl loop on the same 1,000
 * small files (README.md).
 *
 *   bench-transfer-queue vsftpd|vsftpd-ftps download REMOTE-DIR LOCAL-DIR PARALLEL
 *   bench-transfer-queue vsftpd|vsftpd-ftps upload LOCAL-DIR REMOTE-DIR PARALLEL
 *
 * Prints "files N failed F seconds S logins L" (S: from the call to the last file).
 */

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdlib.h>

#include "op-ftp-site.h"
#include "op-test-verifier.h"
#include "op-transfer-queue.h"

static gboolean
folder_finished (OpTransferItem *folder)
{
  OpTransferState state = op_transfer_item_get_state (folder);

  return state == OP_TRANSFER_STATE_DONE || state == OP_TRANSFER_STATE_FAILED;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(OpTransferQueue) queue = NULL;
  g_autoptr(OpAccount) site = NULL;
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) local = NULL;
  gboolean ftps, download;
  const char *port;
  OpTransferItem *folder;
  gint64 start;
  double seconds;
  guint64 parallel;
  guint failed = 0;

  setlocale (LC_ALL, "");
  signal (SIGPIPE, SIG_IGN);
  if (argc != 6 || !g_ascii_string_to_unsigned (argv[5], 10, 1, OP_TRANSFER_QUEUE_MAX_PARALLEL,
                                                &parallel, NULL))
    {
      g_printerr ("usage: %s vsftpd|vsftpd-ftps download|upload FROM TO PARALLEL\n", argv[0]);
      return 2;
    }
  ftps = g_str_equal (argv[1], "vsftpd-ftps");
  download = g_str_equal (argv[2], "download");
  port = g_getenv (ftps ? "OUTPOST_TEST_VSFTPD_FTPS_PORT" : "OUTPOST_TEST_VSFTPD_PORT");
  if (port == NULL || g_getenv ("OUTPOST_TEST_CA") == NULL)
    {
      g_printerr ("no test servers in the environment\n");
      return 77;
    }

  site = op_ftp_site_new ();
  op_account_set_host (site, g_getenv ("OUTPOST_TEST_FTP_HOST"));
  op_account_set_port (site, (guint16) atoi (port));
  op_account_set_user (site, g_getenv ("OUTPOST_TEST_VSFTPD_USER"));
  op_ftp_site_set_protocol (site, ftps ? OP_SECURITY_STARTTLS : OP_SECURITY_NONE);
  op_account_set_allow_plaintext_password (site, !ftps);
  op_ftp_site_set_transfer_type (site, OP_FTP_TRANSFER_TYPE_BINARY);
  op_ftp_site_set_max_connections (site, (guint) parallel);

  verifier = op_test_verifier_new_for_ca_file (g_getenv ("OUTPOST_TEST_CA"), &error);
  if (verifier == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  queue = op_transfer_queue_new (NULL);
  op_transfer_queue_set_verifier (queue, OP_TLS_VERIFIER (verifier));
  op_transfer_queue_set_password (queue, site, g_getenv ("OUTPOST_TEST_VSFTPD_PASSWORD"));
  op_transfer_queue_set_max_parallel (queue, (guint) parallel);

  start = g_get_monotonic_time ();
  local = g_file_new_for_path (download ? argv[4] : argv[3]);
  if (download)
    folder = op_transfer_queue_add_download (queue, site, argv[3], local, TRUE, 0);
  else
    folder = op_transfer_queue_add_upload (queue, site, local, argv[4], TRUE, 0);
  op_transfer_item_set_overwrite (folder, OP_OVERWRITE_OVERWRITE);
  while (!folder_finished (folder))
    g_main_context_iteration (NULL, TRUE);
  seconds = (g_get_monotonic_time () - start) / 1e6;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (queue)); i++)
    {
      g_autoptr(OpTransferItem) item = g_list_model_get_item (G_LIST_MODEL (queue), i);

      if (op_transfer_item_get_state (item) == OP_TRANSFER_STATE_FAILED &&
          op_transfer_item_get_parent (item) == folder)
        failed++;
    }
  g_print ("files %u failed %u seconds %.3f logins %u\n",
           op_transfer_item_get_files_total (folder), failed, seconds,
           op_ftp_session_pool_get_n_logins (op_transfer_queue_get_session_pool (queue)));
  if (op_transfer_item_get_state (folder) != OP_TRANSFER_STATE_DONE)
    {
      g_printerr ("%s\n", op_transfer_item_get_error_message (folder));
      return 1;
    }
  return 0;
}
