/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Waiting for async calls in tests, on the thread-default main context:
 *
 *   g_autoptr(GAsyncResult) result = NULL;
 *
 *   op_pop3_client_noop_async (client, NULL, op_test_store_result, &result);
 *   ok = op_pop3_client_noop_finish (client, op_test_wait_result (&result, 30), &error);
 *
 * A wait that runs out fails the test (it does not skip or retry).
 */

/* A GAsyncReadyCallback: stores a reference to @result in *(GAsyncResult **) @user_data. */
void          op_test_store_result   (GObject       *source,
                                      GAsyncResult  *result,
                                      gpointer       user_data);
/* A GSourceFunc: sets *(gboolean *) @data. */
gboolean      op_test_set_flag       (gpointer       data);
/* Iterates until *@slot is set; fails the test after @seconds. (transfer none) */
GAsyncResult *op_test_wait_result    (GAsyncResult **slot,
                                      guint          seconds);
/* Iterates until *@flag is TRUE; FALSE when @seconds passed first. */
gboolean      op_test_spin_until     (gboolean      *flag,
                                      guint          seconds);
/* Iterates for @milliseconds (timers that live on the main context run). */
void          op_test_spin_for       (guint          milliseconds);
/* Dispatches what is ready now (queued notifications), without blocking. */
void          op_test_spin_pending   (void);

G_END_DECLS
