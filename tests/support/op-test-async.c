/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include "op-test-async.h"

void
op_test_store_result (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

gboolean
op_test_set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
op_test_spin_until (gboolean *flag,
                    guint     seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (seconds, op_test_set_flag, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return !timed_out;
}

GAsyncResult *
op_test_wait_result (GAsyncResult **slot,
                     guint          seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (seconds, op_test_set_flag, &timed_out);

  while (*slot == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_false (timed_out);
  return *slot;
}

void
op_test_spin_for (guint milliseconds)
{
  gboolean done = FALSE;

  g_timeout_add (milliseconds, op_test_set_flag, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

void
op_test_spin_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}
