/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test-tap"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "op-test-fixtures.h"
#include "op-test-tap.h"

/* Exit status of a child whose test called op_tap_skip() (automake's "skipped"). */
#define TAP_EXIT_SKIP 77
#define TAP_DEFAULT_TIMEOUT 600

typedef struct
{
  char          *path;
  OpTapFunc      func;
  gconstpointer  data;
} TapTest;

static GPtrArray *tap_tests;

/* State of the test running in this (child) process. */
static gboolean  tap_in_test;
static gboolean  tap_failed;
static char     *tap_skip_reason;
static int       tap_status_fd = -1;

static void
tap_test_free (gpointer data)
{
  TapTest *test = data;

  g_free (test->path);
  g_free (test);
}

void
op_tap_add (const char    *path,
            OpTapFunc      func,
            gconstpointer  data)
{
  TapTest *test;

  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (func != NULL);

  if (tap_tests == NULL)
    tap_tests = g_ptr_array_new_with_free_func (tap_test_free);

  test = g_new0 (TapTest, 1);
  test->path = g_strdup (path);
  test->func = func;
  test->data = data;
  g_ptr_array_add (tap_tests, test);
}

gboolean
op_tap_is_running (void)
{
  return tap_in_test;
}

void
op_tap_skip (const char *reason)
{
  g_return_if_fail (tap_in_test);

  if (tap_skip_reason == NULL)
    tap_skip_reason = g_strdup (reason != NULL ? reason : "skipped");
}

void
op_tap_fail (const char *format,
             ...)
{
  va_list args;

  g_return_if_fail (tap_in_test);

  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
  tap_failed = TRUE;
}

/* Whether PATH is selected by one of the -p arguments (itself or a test below it). */
static gboolean
tap_selected (const char    *path,
              GStrv          only)
{
  if (only == NULL || only[0] == NULL)
    return TRUE;

  for (guint i = 0; only[i] != NULL; i++)
    {
      gsize n = strlen (only[i]);

      if (n > 1 && only[i][n - 1] == '/')
        n--;
      if (strncmp (path, only[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
        return TRUE;
    }

  return FALSE;
}

G_GNUC_NORETURN static void
tap_child (TapTest *test,
           int      output_fd,
           int      status_fd,
           guint    timeout)
{
  int status;

  /* Both output streams go to the parent, which prints them as TAP comments: a stray
   * line on stdout must never read as a TAP result. */
  dup2 (output_fd, STDOUT_FILENO);
  dup2 (output_fd, STDERR_FILENO);
  close (output_fd);
  tap_status_fd = status_fd;
  alarm (timeout);

  tap_in_test = TRUE;
  test->func (test->data);
  tap_in_test = FALSE;

  if (tap_failed)
    status = EXIT_FAILURE;
  else if (tap_skip_reason != NULL)
    {
      g_autofree char *line = g_strdup_printf ("%s", tap_skip_reason);

      /* One line of TAP: no line breaks in the reason. */
      g_strdelimit (line, "\r\n", ' ');
      if (write (tap_status_fd, line, strlen (line)) < 0)
        g_printerr ("could not report the skip reason: %s\n", g_strerror (errno));
      status = TAP_EXIT_SKIP;
    }
  else
    status = EXIT_SUCCESS;

  /* The test's TLS handshakes ran on GLib pool threads: let them exit before the
   * process does, or GCC 12's LeakSanitizer crashes at exit (op_test_run()). */
  op_test_drain_thread_pool ();
  fflush (stdout);
  fflush (stderr);
  exit (status);
}

static char *
tap_read_all (int fd)
{
  GString *text = g_string_new (NULL);
  char buffer[4096];
  gssize n;

  for (;;)
    {
      n = read (fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_string_append_len (text, buffer, n);
    }

  return g_string_free (text, FALSE);
}

static void
tap_print_comment (const char *output)
{
  g_auto(GStrv) lines = NULL;

  if (output == NULL || output[0] == '\0')
    return;

  lines = g_strsplit (output, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0' && lines[i + 1] == NULL)
        break;
      printf ("# %s\n", lines[i]);
    }
}

/* Runs one test in a child; prints its TAP line. Returns FALSE when it failed. */
static gboolean
tap_run_one (TapTest  *test,
             guint     number,
             guint     timeout,
             gboolean  verbose)
{
  int output_pipe[2], status_pipe[2];
  g_autofree char *output = NULL;
  g_autofree char *skip = NULL;
  pid_t pid;
  int status;
  gboolean ok;

  fflush (stdout);
  fflush (stderr);
  if (pipe (output_pipe) < 0 || pipe (status_pipe) < 0)
    g_error ("pipe: %s", g_strerror (errno));

  pid = fork ();
  if (pid < 0)
    g_error ("fork: %s", g_strerror (errno));
  if (pid == 0)
    {
      close (output_pipe[0]);
      close (status_pipe[0]);
      tap_child (test, output_pipe[1], status_pipe[1], timeout);
    }

  close (output_pipe[1]);
  close (status_pipe[1]);
  output = tap_read_all (output_pipe[0]);
  skip = tap_read_all (status_pipe[0]);
  close (output_pipe[0]);
  close (status_pipe[0]);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      g_error ("waitpid: %s", g_strerror (errno));

  if (WIFEXITED (status) && WEXITSTATUS (status) == TAP_EXIT_SKIP)
    {
      printf ("ok %u %s # SKIP %s\n", number, test->path, skip);
      tap_print_comment (output);
      return TRUE;
    }

  ok = WIFEXITED (status) && WEXITSTATUS (status) == EXIT_SUCCESS;
  printf ("%s %u %s\n", ok ? "ok" : "not ok", number, test->path);
  if (!ok || verbose)
    tap_print_comment (output);
  if (WIFSIGNALED (status))
    printf ("# killed by signal %d (%s)%s\n", WTERMSIG (status), g_strsignal (WTERMSIG (status)),
            WTERMSIG (status) == SIGALRM ? ": the test ran out of time (OP_TAP_TIMEOUT)" : "");
  else if (!ok)
    printf ("# exited with status %d\n", WEXITSTATUS (status));

  return ok;
}

int
op_tap_run (int    argc,
            char **argv)
{
  g_autoptr(GStrvBuilder) only_builder = g_strv_builder_new ();
  g_auto(GStrv) only = NULL;
  g_autoptr(GPtrArray) selected = g_ptr_array_new ();
  gboolean list = FALSE, verbose = FALSE;
  guint timeout = TAP_DEFAULT_TIMEOUT, failed = 0;
  const char *timeout_env = g_getenv ("OP_TAP_TIMEOUT");
  guint64 value;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "-l"))
        list = TRUE;
      else if (g_str_equal (argv[i], "-v"))
        verbose = TRUE;
      else if (g_str_equal (argv[i], "-p") && i + 1 < argc)
        g_strv_builder_add (only_builder, argv[++i]);
      else if (g_str_equal (argv[i], "--tap"))
        ; /* What GTest programs are given; TAP is all this runner speaks. */
      else
        {
          fprintf (stderr, "Usage: %s [-l] [-v] [-p PATH]…\n", argv[0]);
          return 2;
        }
    }
  only = g_strv_builder_end (only_builder);
  if (timeout_env != NULL &&
      g_ascii_string_to_unsigned (timeout_env, 10, 1, G_MAXUINT, &value, NULL))
    timeout = value;

  for (guint i = 0; tap_tests != NULL && i < tap_tests->len; i++)
    {
      TapTest *test = g_ptr_array_index (tap_tests, i);

      if (tap_selected (test->path, only))
        g_ptr_array_add (selected, test);
    }

  if (list)
    {
      for (guint i = 0; i < selected->len; i++)
        printf ("%s\n", ((TapTest *) g_ptr_array_index (selected, i))->path);
      return EXIT_SUCCESS;
    }

  printf ("1..%u\n", selected->len);
  for (guint i = 0; i < selected->len; i++)
    if (!tap_run_one (g_ptr_array_index (selected, i), i + 1, timeout, verbose))
      failed++;
  fflush (stdout);

  g_clear_pointer (&tap_tests, g_ptr_array_unref);
  return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
