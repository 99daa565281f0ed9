/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"

G_BEGIN_DECLS

/* Helpers shared by the transfer queue's tests against real FTP servers. */

/* A server of tests/servers with explicit FTPS: the variables that name its port,
 * account and FTP root on disk. */
typedef struct
{
  const char *name;
  const char *port_variable;
  const char *user_variable;
  const char *password_variable;
  const char *root_variable;
} OpTransferTestServer;

/* vsftpd, ProFTPD and Pure-FTPd. */
#define OP_TRANSFER_TEST_N_SERVERS 3
extern const OpTransferTestServer op_transfer_test_servers[OP_TRANSFER_TEST_N_SERVERS];

/* @server's site (explicit FTPS, binary) from the environment, with its password, FTP
 * root on disk and the test CA's file (transfer none: the environment's strings); NULL
 * when the environment lacks it (the test is then skipped, or fails when servers are
 * required: op_test_endpoint_env()). (transfer full) */
OpAccount *op_transfer_test_site_new     (const OpTransferTestServer *server,
                                          const char                **password,
                                          const char                **root,
                                          const char                **ca);

/* TRUE when @queue (an OpTransferQueue) has nothing running or queued. */
gboolean  op_transfer_test_queue_idle     (gpointer     queue);
/* Runs the main context until @predicate holds, failing after @timeout_ms. */
void      op_transfer_test_wait_until     (gboolean   (*predicate) (gpointer),
                                           gpointer     data,
                                           guint        timeout_ms);
/* (transfer full) @size random bytes. */
GBytes   *op_transfer_test_random_bytes   (gsize        size);
/* (transfer full) the SHA-256 of the file at @path, "(missing)" when it cannot be read. */
char     *op_transfer_test_sha256_of_file (const char  *path);

G_END_DECLS
