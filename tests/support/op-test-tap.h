/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A small TAP test runner for programs that must not be GTest programs.
 *
 * glib-networking turns TLS session resumption off when g_test_initialized() is true
 * (shared/notes/testing.md "FTP"), so tests of FTPS data connections against servers that
 * require session reuse (vsftpd, ProFTPD) cannot call g_test_init(). This runner never
 * does. It keeps GTest's habits otherwise: tests are added by path, g_assert*() works
 * (a failed assertion aborts), and the output is TAP for `meson test` (protocol: 'tap').
 *
 * Each test runs in a forked child, so an abort (a failed g_assert, a crash, a sanitizer
 * report) becomes "not ok N /path" with the child's output as "# " comment lines, and the
 * next test still runs. The parent never starts a thread or a main loop, so forking is
 * safe. A test that runs longer than OP_TAP_TIMEOUT seconds (default 600) is killed.
 *
 * Usage: PROGRAM [-l] [-v] [-p PATH]…
 *   -l       list the test paths and exit
 *   -p PATH  run only PATH and the tests below it (repeatable)
 *   -v       show every test's output, not only that of failed and skipped tests
 */
typedef void (*OpTapFunc) (gconstpointer data);

void     op_tap_add        (const char    *path,
                            OpTapFunc      func,
                            gconstpointer  data);
/* In a test: mark it skipped (it should return afterwards). */
void     op_tap_skip       (const char    *reason);
/* In a test: mark it failed and go on (like g_test_fail()); the message is shown. */
void     op_tap_fail       (const char    *format,
                            ...) G_GNUC_PRINTF (1, 2);
/* TRUE inside a test run by op_tap_run() (helpers shared with GTest programs ask). */
gboolean op_tap_is_running (void);
/* Runs the tests and prints TAP; returns the exit status for main(). */
int      op_tap_run        (int            argc,
                            char         **argv);

G_END_DECLS
