/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

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

/* A folder of its own on the server for one test (owned by the FTP account, whose ids
 * are the FTP root's), and a local temporary folder beside it. */
typedef struct
{
  char  *remote_dir;   /* on the server, "/PREFIX-…" */
  char  *root_dir;     /* the same folder on disk */
  char  *local_dir;
  uid_t  uid;
  gid_t  gid;
} OpTransferTestFolders;

void      op_transfer_test_folders_init   (OpTransferTestFolders       *folders,
                                           const char                  *root,
                                           const char                  *prefix);
/* Removes both folders and everything in them. */
void      op_transfer_test_folders_clear  (OpTransferTestFolders       *folders);
/* A file or a folder in the server's folder (@relative), owned by the FTP account. */
void      op_transfer_test_put_remote     (const OpTransferTestFolders *folders,
                                           const char                  *relative,
                                           GBytes                      *bytes);
void      op_transfer_test_make_remote_dir (const OpTransferTestFolders *folders,
                                           const char                  *relative);

G_END_DECLS
