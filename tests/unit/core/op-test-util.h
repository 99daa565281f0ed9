/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A file under $OUTPOST_TEST_DATA (tests/data), e.g. ("tls", "server.pem", NULL). */
char            *op_test_data_path         (const char *first_element,
                                            ...) G_GNUC_NULL_TERMINATED;
/* tests/data/tls/NAME.pem; fails the test if it cannot be read. */
GTlsCertificate *op_test_load_certificate  (const char *name);
/* TRUE if @needle occurs anywhere in a file under @dir (recursively). Names each file
 * read in *@files_read when non-NULL. */
gboolean         op_test_tree_contains     (const char *dir,
                                            const char *needle,
                                            guint      *files_read);
/* Runs the thread-default main context until *@flag is TRUE or @timeout_ms elapse. */
gboolean         op_test_wait_for          (const gboolean *flag,
                                            guint           timeout_ms);

G_END_DECLS
