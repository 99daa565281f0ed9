/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-tap"

/* The TAP runner of tests/support/op-test-tap.c, through the tap-sample program. */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

static char *
run_sample (const char  *require,
            int         *status,
            ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ ();
  /* Meson gives the sample's path (tests/unit/support/meson.build). */
  const char *program = g_getenv ("OP_TAP_SAMPLE");
  char *output = NULL;
  const char *arg;
  va_list ap;

  env = g_environ_unsetenv (env, "OUTPOST_TEST_TAP_SAMPLE_UNSET");
  if (require != NULL)
    env = g_environ_setenv (env, "OUTPOST_TEST_REQUIRE_SERVERS", require, TRUE);
  else
    env = g_environ_unsetenv (env, "OUTPOST_TEST_REQUIRE_SERVERS");

  g_assert_nonnull (program);
  g_ptr_array_add (args, (char *) program);
  va_start (ap, status);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  g_spawn_sync (NULL, (char **) args->pdata, env, G_SPAWN_DEFAULT, NULL, NULL,
                &output, NULL, status, &error);
  g_assert_no_error (error);
  return output;
}

static void
test_all (void)
{
  int status;
  g_autofree char *out = run_sample (NULL, &status, NULL);

  g_test_message ("%s", out);
  g_assert_true (g_str_has_prefix (out, "1..5\n"));
  g_assert_nonnull (strstr (out, "\nok 1 /tap/pass\n"));
  /* Test output is passed on as comments only. */
  g_assert_null (strstr (out, "\nok 99"));
  g_assert_nonnull (strstr (out, "\nok 2 /tap/skip # SKIP nothing to do here\n"));
  g_assert_nonnull (strstr (out, "\nnot ok 3 /tap/fail/assert\n# before the assertion\n"));
  g_assert_nonnull (strstr (out, "assertion failed (GPOINTER_TO_INT (data) == 2)"));
  g_assert_nonnull (strstr (out, "\nnot ok 4 /tap/fail/crash\n"));
  g_assert_nonnull (strstr (out, "# killed by signal 6"));
  g_assert_nonnull (strstr (out, "\nok 5 /tap/endpoint # SKIP OUTPOST_TEST_TAP_SAMPLE_UNSET is not set"));
  g_assert_false (g_spawn_check_wait_status (status, NULL));
}

static void
test_require_servers (void)
{
  int status;
  g_autofree char *out = run_sample ("1", &status, "-p", "/tap/endpoint", NULL);

  g_assert_cmpstr (strtok (out, "\n"), ==, "1..1");
  g_assert_cmpstr (strtok (NULL, "\n"), ==, "not ok 1 /tap/endpoint");
  g_assert_true (g_str_has_prefix (strtok (NULL, "\n"), "# OUTPOST_TEST_TAP_SAMPLE_UNSET is not set"));
  g_assert_false (g_spawn_check_wait_status (status, NULL));
}

static void
test_select_and_list (void)
{
  int status;
  g_autofree char *out = run_sample (NULL, &status, "-p", "/tap/fail", "-l", NULL);
  g_autofree char *run = NULL;

  g_assert_cmpstr (out, ==, "/tap/fail/assert\n/tap/fail/crash\n");
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  run = run_sample (NULL, &status, "-p", "/tap/pass", "-p", "/tap/skip", NULL);
  g_assert_cmpstr (run, ==, "1..2\nok 1 /tap/pass\nok 2 /tap/skip # SKIP nothing to do here\n");
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/test-support/tap/outcomes", test_all);
  g_test_add_func ("/test-support/tap/require-servers", test_require_servers);
  g_test_add_func ("/test-support/tap/select-and-list", test_select_and_list);
  return g_test_run ();
}
