/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-test-fault-proxy.h"

G_BEGIN_DECLS

/*
 * What the random-cut campaigns (tests/integration/net/test-*-random-cuts.c, issue 19)
 * share: the seed, where each cut falls, what counts as a clear error, and the driver
 * that runs them. A campaign runs its session once uncut through the fault proxy to
 * learn how many bytes go each way (op_test_cut_plan_measure()), then
 * op_test_cut_campaign_run() arms the proxy with op_test_cut_arm() before each run.
 */

/* Where the cuts fall: the uncut session's bytes each way; 1 in @upstream_one_in cuts
 * go upstream. With @split_down and @split_up (the counts when the session's reads had
 * completed), half the cuts fall before them and half after, in the fewer bytes where a
 * message is written; with 0, the cuts spread over the whole session. */
typedef struct
{
  guint64 total_down;
  guint64 total_up;
  guint64 split_down;
  guint64 split_up;
  guint   upstream_one_in;
  /* FTP: the data connections' bytes each way; with either set, half the cuts fall on
   * the data connections (half each way), the others on the control connection. */
  guint64 data_down;
  guint64 data_up;
} OpTestCutPlan;

typedef struct
{
  gboolean downstream;
  gboolean data;     /* on the FTP data connections */
  guint64  after;    /* bytes let through before the cut */
  guint64  total;    /* of the uncut session's, that way */
} OpTestCut;

/* @fallback, or OUTPOST_TEST_CUT_SEED when it is set (to replay or try other seeds). */
guint32   op_test_cut_seed         (guint32              fallback);

/* Picks the next cut from @rand by @plan and arms @proxy with it for the next
 * connection. */
OpTestCut op_test_cut_arm          (OpTestFaultProxy    *proxy,
                                    GRand               *rand,
                                    const OpTestCutPlan *plan);

/* Logs a failed run: its number, the seed, the cut and @error's message. */
void      op_test_cut_note         (guint                run,
                                    guint32              seed,
                                    const OpTestCut     *cut,
                                    const GError        *error);

/* Waits for *@slot at most 3 × @timeout_seconds (the client's timeout and a margin: a
 * hung run fails the test here), then runs what is pending; returns *@slot. */
GAsyncResult *op_test_cut_wait      (GAsyncResult       **slot,
                                     guint                timeout_seconds);

/* After the uncut reference session: the bytes it sent each way through @proxy go into
 * @plan (total_down, total_up), and both must be more than 0. */
void      op_test_cut_plan_measure (OpTestCutPlan       *plan,
                                    OpTestFaultProxy    *proxy);

/*
 * The driver every campaign runs: @n_runs times, arm @proxy for the next cut (from @seed,
 * by @plan), then @func runs the session through it and checks what the protocol
 * promises. @func returns TRUE when the whole session succeeded, else FALSE with @error
 * (which it checked to be clear). Failed runs are noted with their cut
 * (op_test_cut_note()); then, with @retry, the proxy is disarmed and @retry does what a
 * client does after a failure (and checks that it works). At the end every run was
 * counted as whole or failed, and at least half failed (most cuts fell inside the
 * session: the campaign tested something).
 */
typedef gboolean (*OpTestCutRunFunc) (guint            run,
                                      const OpTestCut *cut,
                                      gpointer         user_data,
                                      GError         **error);
typedef void     (*OpTestCutRetryFunc) (guint          run,
                                        gpointer       user_data);

typedef struct
{
  guint runs;
  guint cut;        /* runs in which the proxy did cut */
  guint data_cuts;  /* cuts placed on FTP data connections */
  guint whole;      /* sessions that succeeded */
  guint failed;     /* sessions that ended with a clear error */
} OpTestCutCounts;

void      op_test_cut_campaign_run (OpTestFaultProxy    *proxy,
                                    const OpTestCutPlan *plan,
                                    guint32              seed,
                                    guint                n_runs,
                                    OpTestCutRunFunc     func,
                                    OpTestCutRetryFunc   retry,
                                    gpointer             user_data,
                                    OpTestCutCounts     *counts);

/* Fails the test unless @error is a clear error: of the client's @domain, or the
 * connection's, GIO's or TLS's, with a message. */
void      op_test_assert_clear_error (const GError      *error,
                                      GQuark             domain);

G_END_DECLS
