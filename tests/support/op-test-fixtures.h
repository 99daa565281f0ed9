/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

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

int              op_test_run               (void);
void             op_test_drain_thread_pool (void);

G_END_DECLS
