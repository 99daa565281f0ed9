/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-imap-fetch"

/*
 * UID FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE) of a large folder from the test Dovecot
 * (tests/servers/dovecot.sh) on loopback, over implicit TLS: Outpost's client parsing
 * the responses into OpImapFetch objects, next to the same command's bytes read raw off
 * an OpConnection (no parsing), in the same run. Prints both times, their ratio (target
 * at most 1.3) and the peak RSS (target at most 150 MB). Exits 77 without the servers.
 *
 * The folder "Bench" is generated in the test user's Maildir when it does not hold
 * OUTPOST_BENCH_MESSAGES messages (default 100,000): varied small messages (plain,
 * alternative, with an attachment, RFC 2047 subjects), written straight into cur/.
 * A first, untimed raw fetch lets Dovecot build its cache; then raw and Outpost take
 * turns OUTPOST_BENCH_RUNS times (default 2) and each one's best time counts. Each run
 * also prints the CPU time this process spent on it: on a busy machine the wall times
 * mostly measure how long Dovecot waited for a core, the CPU times what Outpost costs.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "op-bench-imap.h"
#include "op-connection.h"
#include "op-imap-client.h"
#include "op-test-verifier.h"

#define FOLDER "Bench"


static void
die (const char *what,
     GError     *error)
{
  op_bench_die ("bench-imap-fetch", what, error);
}

/* --- the folder ------------------------------------------------------------------------ */

static char *
message_text (guint i)
{
  static const char *names[] = { "Alice Example", "Bob Example", "=?UTF-8?B?5p2O5Lyf?=",
                                 "Carol Example", "Dana Example" };
  const char *from = names[i % G_N_ELEMENTS (names)];
  g_autofree char *date = g_strdup_printf ("Mon, %u Nov 2026 %02u:%02u:%02u +0000",
                                           1 + i % 28, i % 24, i % 60, (i / 60) % 60);

  switch (i % 3)
    {
    case 0:
      return g_strdup_printf ("From: %s <user%u@example.test>\r\nTo: tester@example.test\r\n"
                              "Subject: Message number %u about the quarterly plan\r\n"
                              "Date: %s\r\nMessage-ID: <bench-%u@example.test>\r\n"
                              "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
                              "Hello,\r\n\r\nthis is message %u. It has a few lines of text\r\n"
                              "so that the body is not empty.\r\n\r\nRegards\r\n",
                              from, i % 97, i, date, i, i);
    case 1:
      return g_strdup_printf ("From: %s <user%u@example.test>\r\nTo: tester@example.test, "
                              "Other <other@example.test>\r\nCc: cc@example.test\r\n"
                              "Subject: =?UTF-8?B?5LiL5ZGo5LqU55qE5Lya6K6u?= %u\r\n"
                              "Date: %s\r\nMessage-ID: <bench-%u@example.test>\r\n"
                              "In-Reply-To: <bench-%u@example.test>\r\n"
                              "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b%u\"\r\n\r\n"
                              "--b%u\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nPlain %u\r\n"
                              "--b%u\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>HTML %u</p>\r\n"
                              "--b%u--\r\n",
                              from, i % 97, i, date, i, i - 1, i, i, i, i, i, i);
    default:
      return g_strdup_printf ("From: %s <user%u@example.test>\r\nTo: tester@example.test\r\n"
                              "Subject: Report %u attached\r\nDate: %s\r\n"
                              "Message-ID: <bench-%u@example.test>\r\n"
                              "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m%u\"\r\n\r\n"
                              "--m%u\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nSee the report.\r\n"
                              "--m%u\r\nContent-Type: text/csv; name=\"report-%u.csv\"\r\n"
                              "Content-Disposition: attachment; filename=\"report-%u.csv\"\r\n"
                              "Content-Transfer-Encoding: base64\r\n\r\nbW9udGgsdmlzaXRzCjIwMjYtMDgsMTIwMwo=\r\n"
                              "--m%u--\r\n",
                              from, i % 97, i, date, i, i, i, i, i, i, i);
    }
}

static void
make_folder (const char *maildir,
             guint       count)
{
  g_autofree char *dir = g_build_filename (maildir, "." FOLDER, NULL);
  g_autofree char *cur = g_build_filename (dir, "cur", NULL);
  g_autofree char *stamp = g_build_filename (dir, "outpost-bench-count", NULL);
  g_autofree char *have = NULL;
  GStatBuf st;
  gint64 start = g_get_monotonic_time ();

  if (g_file_get_contents (stamp, &have, NULL, NULL) && strtoul (have, NULL, 10) == count)
    return;
  if (g_stat (maildir, &st) != 0)
    die ("the Maildir is missing", NULL);
  if (g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

      if (system (cmd) != 0)
        die ("could not remove the old bench folder", NULL);
    }
  for (const char *sub = "cur"; sub != NULL; sub = g_str_equal (sub, "cur") ? "new" : g_str_equal (sub, "new") ? "tmp" : NULL)
    {
      g_autofree char *path = g_build_filename (dir, sub, NULL);

      g_mkdir_with_parents (path, 0755);
      if (chown (path, st.st_uid, st.st_gid) != 0)
        die ("chown", NULL);
    }
  if (chown (dir, st.st_uid, st.st_gid) != 0)
    die ("chown", NULL);
  for (guint i = 1; i <= count; i++)
    {
      g_autofree char *text = message_text (i);
      gsize size = strlen (text);
      g_autofree char *path = g_strdup_printf ("%s/%u.M%uP1.bench,S=%zu:2,%s", cur, 1700000000 + i,
                                               i, size, i % 4 == 0 ? "S" : "");
      FILE *f = fopen (path, "wb");

      if (f == NULL || fwrite (text, 1, size, f) != size || fclose (f) != 0)
        die ("could not write a message", NULL);
      if (chown (path, st.st_uid, st.st_gid) != 0)
        die ("chown", NULL);
    }
  {
    g_autofree char *n = g_strdup_printf ("%u", count);

    g_file_set_contents (stamp, n, -1, NULL);
  }
  printf ("generated %u messages in %s in %.1f s\n", count, dir,
          (g_get_monotonic_time () - start) / 1e6);
}

/* --- raw ------------------------------------------------------------------------------- */

static const char * const raw_commands[] = { "SELECT " FOLDER, NULL };

static OpConnection *
raw_session (const char    *host,
             guint16        port,
             OpTlsVerifier *verifier,
             const char    *user,
             const char    *password)
{
  return op_bench_raw_session (host, port, verifier, user, password, raw_commands);
}

/* Sends the command and reads raw bytes until the tagged OK; returns seconds. */
/* User and system time of the whole process (all threads), in seconds. */
static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static double
raw_fetch (OpConnection *conn,
           guint64      *bytes)
{
  return op_bench_raw_fetch (conn, "UID FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE)", bytes);
}

/* --- Outpost ------------------------------------------------------------------------------ */

static OpImapClient *
outpost_session (const char    *host,
                 guint16        port,
                 OpTlsVerifier *verifier,
                 const char    *user,
                 const char    *password)
{
  OpImapClient *client = op_imap_client_new (host, port, OP_SECURITY_IMPLICIT_TLS);
  g_autoptr(GError) error = NULL;
  g_autoptr(OpImapSelectInfo) info = NULL;
  g_autoptr(GAsyncResult) r = NULL;

  op_imap_client_set_verifier (client, verifier);
  op_imap_client_set_timeout (client, 600);
  op_imap_client_connect_async (client, NULL, op_bench_await_cb, NULL);
  r = op_bench_await_result ();
  if (!op_imap_client_connect_finish (client, r, &error))
    die ("connect", error);
  g_clear_object (&r);
  op_imap_client_login_async (client, user, password, OP_IMAP_AUTH_AUTO, NULL, op_bench_await_cb, NULL);
  r = op_bench_await_result ();
  if (!op_imap_client_login_finish (client, r, &error))
    die ("login", error);
  g_clear_object (&r);
  op_imap_client_select_async (client, FOLDER, TRUE, NULL, op_bench_await_cb, NULL);
  r = op_bench_await_result ();
  info = op_imap_client_select_finish (client, r, &error);
  if (info == NULL)
    die ("select", error);
  return client;
}

static double
outpost_fetch (OpImapClient *client,
               guint        *count)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GPtrArray) msgs = NULL;
  gint64 start = g_get_monotonic_time ();
  double seconds;

  op_imap_client_fetch_async (client, "1:*", OP_IMAP_FETCH_FLAGS | OP_IMAP_FETCH_ENVELOPE |
                              OP_IMAP_FETCH_BODYSTRUCTURE, NULL, NULL, op_bench_await_cb, NULL);
  r = op_bench_await_result ();
  msgs = op_imap_client_fetch_finish (client, r, &error);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  if (msgs == NULL)
    die ("fetch", error);
  *count = msgs->len;
  return seconds;
}

int
main (int   argc,
      char *argv[])
{
  const char *host = g_getenv ("OUTPOST_TEST_MAIL_HOST");
  const char *port_text = g_getenv ("OUTPOST_TEST_DOVECOT_IMAPS_PORT");
  const char *user = g_getenv ("OUTPOST_TEST_DOVECOT_USER");
  const char *password = g_getenv ("OUTPOST_TEST_DOVECOT_PASSWORD");
  const char *maildir = g_getenv ("OUTPOST_TEST_DOVECOT_MAILDIR");
  const char *ca = g_getenv ("OUTPOST_TEST_CA");
  guint count = g_getenv ("OUTPOST_BENCH_MESSAGES") ? atoi (g_getenv ("OUTPOST_BENCH_MESSAGES")) : 100000;
  guint runs = g_getenv ("OUTPOST_BENCH_RUNS") ? atoi (g_getenv ("OUTPOST_BENCH_RUNS")) : 2;
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpConnection) raw = NULL;
  g_autoptr(OpImapClient) client = NULL;
  double best_raw = G_MAXDOUBLE, best_outpost = G_MAXDOUBLE;
  guint64 bytes = 0;
  guint parsed = 0;
  gint64 hwm_before;

  setvbuf (stdout, NULL, _IOLBF, 0);
  if (host == NULL || port_text == NULL || user == NULL || password == NULL || maildir == NULL ||
      ca == NULL)
    {
      printf ("bench-imap-fetch: the test servers are not running (tests/servers/start); skipped\n");
      return 77;
    }
  verifier = op_test_verifier_new_for_ca_file (ca, &error);
  if (verifier == NULL)
    die ("CA", error);
  make_folder (maildir, count);

  raw = raw_session (host, atoi (port_text), OP_TLS_VERIFIER (verifier), user, password);
  {
    gint64 start = g_get_monotonic_time ();

    raw_fetch (raw, &bytes);
    printf ("warm-up (Dovecot builds its cache): %.2f s, %" G_GUINT64_FORMAT " bytes\n",
            (g_get_monotonic_time () - start) / 1e6, bytes);
  }
  client = outpost_session (host, atoi (port_text), OP_TLS_VERIFIER (verifier), user, password);
  hwm_before = bench_status_kib ("VmHWM:");
  for (guint i = 0; i < runs; i++)
    {
      double cpu0 = cpu_seconds ();
      double r = raw_fetch (raw, &bytes);
      double cpu1 = cpu_seconds ();
      double o = outpost_fetch (client, &parsed);
      double cpu2 = cpu_seconds ();

      printf ("run %u: raw %.3f s, outpost %.3f s (CPU: raw %.3f s, outpost %.3f s)\n", i + 1,
              r, o, cpu1 - cpu0, cpu2 - cpu1);
      best_raw = MIN (best_raw, r);
      best_outpost = MIN (best_outpost, o);
    }
  printf ("UID FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE), %u messages, %" G_GUINT64_FORMAT " bytes over TLS\n",
          parsed, bytes);
  printf ("raw read:       %.3f s (%.1f MB/s)\n", best_raw, bytes / best_raw / 1e6);
  printf ("outpost parse:  %.3f s (%.1f MB/s)\n", best_outpost, bytes / best_outpost / 1e6);
  printf ("ratio outpost/raw: %.2f (target <= 1.30)\n", best_outpost / best_raw);
  printf ("peak RSS: %.1f MB (target <= 150 MB); before the fetches %.1f MB\n",
          bench_status_kib ("VmHWM:") / 1024.0, hwm_before / 1024.0);
  if (parsed != count)
    {
      fprintf (stderr, "bench-imap-fetch: parsed %u messages, expected %u\n", parsed, count);
      return 1;
    }
  return 0;
}
