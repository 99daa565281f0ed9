/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include <string.h>

#include "op-connection.h"
#include "op-test-async.h"
#include "op-test-cut-campaign.h"

guint32
op_test_cut_seed (guint32 fallback)
{
  const char *value = g_getenv ("OUTPOST_TEST_CUT_SEED");

  if (value == NULL)
    return fallback;
  return (guint32) g_ascii_strtoull (value, NULL, 10);
}

OpTestCut
op_test_cut_arm (OpTestFaultProxy    *proxy,
                 GRand               *rand,
                 const OpTestCutPlan *plan)
{
  OpTestCut cut = { 0 };
  guint64 split;

  g_assert_cmpuint (plan->upstream_one_in, >=, 2);
  if ((plan->data_down > 0 || plan->data_up > 0) && g_rand_boolean (rand))
    {
      cut.data = TRUE;
      cut.downstream = plan->data_up == 0 || (plan->data_down > 0 && g_rand_boolean (rand));
      cut.total = cut.downstream ? plan->data_down : plan->data_up;
      cut.after = (guint64) g_rand_double_range (rand, 0, (double) cut.total);
      op_test_fault_proxy_set_fault (proxy,
                                     cut.downstream ? OP_TEST_FAULT_CUT_DATA_DOWNSTREAM
                                                    : OP_TEST_FAULT_CUT_DATA_UPSTREAM,
                                     cut.after);
      return cut;
    }
  cut.downstream = g_rand_int_range (rand, 0, plan->upstream_one_in) != 0;
  cut.total = cut.downstream ? plan->total_down : plan->total_up;
  split = cut.downstream ? plan->split_down : plan->split_up;
  if (split == 0)
    cut.after = (guint64) g_rand_double_range (rand, 0, (double) cut.total);
  else if (g_rand_boolean (rand))
    cut.after = (guint64) g_rand_double_range (rand, (double) split, (double) cut.total);
  else
    cut.after = (guint64) g_rand_double_range (rand, 0, (double) split);
  op_test_fault_proxy_set_fault (proxy,
                                 cut.downstream ? OP_TEST_FAULT_CUT_DOWNSTREAM
                                                : OP_TEST_FAULT_CUT_UPSTREAM,
                                 cut.after);
  return cut;
}

void
op_test_cut_note (guint            run,
                  guint32          seed,
                  const OpTestCut *cut,
                  const GError    *error)
{
  g_test_message ("run %u (seed %u): cut %s%s after %" G_GUINT64_FORMAT " of %"
                  G_GUINT64_FORMAT " bytes: %s", run, seed, cut->data ? "data " : "",
                  cut->downstream ? "downstream" : "upstream", cut->after, cut->total,
                  error->message);
}

void
op_test_assert_clear_error (const GError *error,
                            GQuark        domain)
{
  g_assert_nonnull (error);
  if (error->domain != domain && error->domain != OP_CONNECTION_ERROR &&
      error->domain != G_IO_ERROR && error->domain != G_TLS_ERROR)
    g_error ("unexpected error %s %d: %s", g_quark_to_string (error->domain), error->code,
             error->message);
  g_assert_cmpstr (error->message, !=, "");
}

GAsyncResult *
op_test_cut_wait (GAsyncResult **slot,
                  guint          timeout_seconds)
{
  op_test_wait_result (slot, 3 * timeout_seconds);
  op_test_spin_pending ();
  return *slot;
}

void
op_test_cut_plan_measure (OpTestCutPlan    *plan,
                          OpTestFaultProxy *proxy)
{
  op_test_fault_proxy_get_counts (proxy, &plan->total_down, &plan->total_up, NULL);
  g_assert_cmpuint (plan->total_down, >, 0);
  g_assert_cmpuint (plan->total_up, >, 0);
}

void
op_test_cut_campaign_run (OpTestFaultProxy    *proxy,
                          const OpTestCutPlan *plan,
                          guint32              seed,
                          guint                n_runs,
                          OpTestCutRunFunc     func,
                          OpTestCutRetryFunc   retry,
                          gpointer             user_data,
                          OpTestCutCounts     *counts)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  memset (counts, 0, sizeof *counts);
  for (guint run = 0; run < n_runs; run++)
    {
      g_autoptr(GError) error = NULL;
      OpTestCut where = op_test_cut_arm (proxy, rand, plan);
      gboolean cut = FALSE;
      gboolean whole = func (run, &where, user_data, &error);

      op_test_fault_proxy_get_counts (proxy, NULL, NULL, &cut);
      counts->runs++;
      counts->cut += cut;
      counts->data_cuts += where.data;
      if (whole)
        {
          g_assert_no_error (error);
          counts->whole++;
        }
      else
        {
          g_assert_nonnull (error);
          op_test_cut_note (run, seed, &where, error);
          counts->failed++;
          if (retry != NULL)
            {
              op_test_fault_proxy_set_fault (proxy, OP_TEST_FAULT_NONE, 0);
              retry (run, user_data);
            }
        }
    }
  g_assert_cmpuint (counts->whole + counts->failed, ==, n_runs);
  g_assert_cmpuint (counts->failed, >=, n_runs / 2);
}
