/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"
#include "op-ftp-browser.h"
#include "op-test-fixtures.h"
#include "op-transfer-queue.h"

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

/* What an FTP test against one server of tests/servers works with. */
typedef enum
{
  OP_TRANSFER_TEST_ENV_QUEUE   = 1 << 0, /* a transfer queue that knows the password */
  OP_TRANSFER_TEST_ENV_BROWSER = 1 << 1, /* a browser on the queue's session pool, or
                                          * on a pool of its own */
} OpTransferTestEnvFlags;

typedef struct
{
  OpAccount        *site;
  char             *password;
  OpTransferQueue  *queue;    /* (nullable) */
  OpFtpSessionPool *pool;     /* (nullable): the browser's */
  OpFtpBrowser     *browser;  /* (nullable) */
  OpTestFtpDirs     dirs;     /* a server folder "/@prefix-…" and a local one */
} OpTransferTestEnv;

/* @server's site (op_transfer_test_site_new()), what @flags ask for, trusting the test
 * CA, and the folders; NULL when the environment lacks the server. */
OpTransferTestEnv *op_transfer_test_env_new        (const OpTransferTestServer *server,
                                                    const char                 *prefix,
                                                    OpTransferTestEnvFlags      flags);
/* Connects the browser and waits; it must then be connected over TLS. */
void               op_transfer_test_env_connect    (OpTransferTestEnv          *env,
                                                    guint                       timeout_ms);
/* Stops the queue's transfers, disconnects the browser, removes the folders. */
void               op_transfer_test_env_free       (OpTransferTestEnv          *env);

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
