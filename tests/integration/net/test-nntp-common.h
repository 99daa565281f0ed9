/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <string.h>

#include "nntp/op-nntp-client.h"
#include "op-test-async.h"

/*
 * Blocking wrappers for the NNTP client tests: each starts an _async call and iterates
 * the main context until its callback ran (the client's worker does the I/O; results
 * and OVER batches come back on this thread, as in the application). A call that takes
 * more than 30 s fails the test.
 */

#define nntp_test_wait(slot) op_test_wait_result ((slot), 30)

static G_GNUC_UNUSED gboolean
nntp_connect (OpNntpClient  *client,
              const char    *user,
              const char    *password,
              GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  op_nntp_client_connect_async (client, user, password, NULL, op_test_store_result, &result);
  ok = op_nntp_client_connect_finish (client, nntp_test_wait (&result), error);
  op_test_spin_pending ();
  return ok;
}

/* QUIT must succeed and leave the client disconnected. */
static G_GNUC_UNUSED void
nntp_quit (OpNntpClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  op_nntp_client_quit_async (client, NULL, op_test_store_result, &result);
  g_assert_true (op_nntp_client_quit_finish (client, nntp_test_wait (&result), &error));
  g_assert_no_error (error);
  op_test_spin_pending ();
  g_assert_cmpint (op_nntp_client_get_state (client), ==, OP_NNTP_STATE_DISCONNECTED);
}

static G_GNUC_UNUSED gboolean
nntp_post (OpNntpClient  *client,
           const char    *article,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data (g_strdup (article), -1,
                                                                        g_free);
  gboolean ok;

  op_nntp_client_post_async (client, input, NULL, op_test_store_result, &result);
  ok = op_nntp_client_post_finish (client, nntp_test_wait (&result), error);
  op_test_spin_pending ();
  return ok;
}

/* What an OVER delivered: every overview in order, the batches, the largest batch, the
 * extra field names; @cancel_after_first (nullable) is cancelled by the first batch. */
typedef struct
{
  GPtrArray    *overviews;
  GStrv         extra_names;
  guint         n_batches;
  guint         largest;
  GCancellable *cancel_after_first;
} NntpBatches;

static G_GNUC_UNUSED void
nntp_collect_batch (const char * const *extra_names,
                    GPtrArray          *overviews,
                    gpointer            user_data)
{
  NntpBatches *b = user_data;

  b->n_batches++;
  b->largest = MAX (b->largest, overviews->len);
  if (b->extra_names == NULL)
    b->extra_names = g_strdupv ((GStrv) extra_names);
  for (guint i = 0; i < overviews->len; i++)
    g_ptr_array_add (b->overviews, g_steal_pointer (&overviews->pdata[i]));
  g_ptr_array_unref (overviews);
  if (b->cancel_after_first != NULL)
    g_cancellable_cancel (b->cancel_after_first);
}

static G_GNUC_UNUSED void
nntp_batches_clear (NntpBatches *b)
{
  g_clear_pointer (&b->overviews, g_ptr_array_unref);
  g_clear_pointer (&b->extra_names, g_strfreev);
  b->n_batches = 0;
  b->largest = 0;
}

static G_GNUC_UNUSED gboolean
nntp_over (OpNntpClient  *client,
           guint64        low,
           guint64        high,
           NntpBatches   *batches,
           GCancellable  *cancellable,
           guint64       *count,
           guint64       *skipped,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  nntp_batches_clear (batches);
  batches->overviews = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);
  op_nntp_client_over_async (client, low, high, nntp_collect_batch, batches, cancellable,
                             op_test_store_result, &result);
  ok = op_nntp_client_over_finish (client, nntp_test_wait (&result), count, skipped, error);
  op_test_spin_pending ();
  return ok;
}
