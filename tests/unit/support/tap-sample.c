/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tap-sample"

/* A program for test-tap.c: one test of each outcome the TAP runner must report. */

#include "config.h"

#include <stdlib.h>

#include <glib/gi18n.h>

#include "op-test-fixtures.h"
#include "op-test-tap.h"

static void
test_pass (gconstpointer data)
{
  g_assert_false (g_test_initialized ());
  g_print ("ok 99 a stray line that must not read as TAP\n");
}

static void
test_skip (gconstpointer data)
{
  op_tap_skip ("nothing to do here");
}

static void
test_assert (gconstpointer data)
{
  g_printerr ("before the assertion\n");
  g_assert_cmpint (GPOINTER_TO_INT (data), ==, 2);
}

static void
test_crash (gconstpointer data)
{
  abort ();
}

static void
test_endpoint (gconstpointer data)
{
  if (op_test_endpoint_env ("OUTPOST_TEST_TAP_SAMPLE_UNSET") == NULL)
    return;
}

int
main (int   argc,
      char *argv[])
{
  op_tap_add ("/tap/pass", test_pass, NULL);
  op_tap_add ("/tap/skip", test_skip, NULL);
  op_tap_add ("/tap/fail/assert", test_assert, GINT_TO_POINTER (1));
  op_tap_add ("/tap/fail/crash", test_crash, NULL);
  op_tap_add ("/tap/endpoint", test_endpoint, NULL);
  return op_tap_run (argc, argv);
}
