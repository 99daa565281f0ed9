/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

G_BEGIN_DECLS

/*
 * Fixture files and test-server endpoints, shared by every test program.
 *
 * Fixtures live under tests/data/, found through OUTPOST_TEST_DATA (set by
 * tests/meson.build's test_env). Real servers started by tests/servers/ publish their
 * endpoints in OUTPOST_TEST_* variables (tests/servers/README.md).
 */
const char      *op_test_data_dir          (void);
char            *op_test_data_path         (const char  *first_element,
                                            ...) G_GNUC_NULL_TERMINATED;
GTlsCertificate *op_test_load_certificate  (const char  *name,
                                            GError     **error);
GTlsCertificate *op_test_load_ca           (GError     **error);

const char      *op_test_endpoint_env      (const char  *name);

/* How many messages in @maildir's new/ folder (a server's delivery Maildir) contain
 * @needle. A missing folder holds none. */
guint            op_test_maildir_count     (const char  *maildir,
                                            const char  *needle);

/* The SHA-256 (hex) of the file at @path, or NULL when it cannot be read (no file).
 * (transfer full) */
char            *op_test_sha256_of_file    (const char  *path);

/* Removes @path and everything below it; symbolic links are removed, never followed. */
void             op_test_remove_tree       (const char  *path);

/*
 * The folders an FTP integration test transfers between: a private folder in a test
 * server's FTP root (on disk @root_dir, on the server @remote_dir, "/PREFIX-xxxxxxxx"),
 * owned by the account the server runs as (@uid, @gid, the root's owner), and a private
 * local folder. Cleared, both trees are removed.
 */
typedef struct
{
  char  *root_dir;
  char  *remote_dir;
  char  *local_dir;
  uid_t  uid;
  gid_t  gid;
} OpTestFtpDirs;

void             op_test_ftp_dirs_init     (OpTestFtpDirs *dirs,
                                            const char    *ftp_root,
                                            const char    *prefix);
void             op_test_ftp_dirs_clear    (OpTestFtpDirs *dirs);
/* A file (or folder) below @dirs' server folder, as the server's account would make it. */
void             op_test_ftp_dirs_put      (OpTestFtpDirs *dirs,
                                            const char    *relative,
                                            GBytes        *bytes);
void             op_test_ftp_dirs_mkdir    (OpTestFtpDirs *dirs,
                                            const char    *relative);

int              op_test_run               (void);
void             op_test_drain_thread_pool (void);

G_END_DECLS
