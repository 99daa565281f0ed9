/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-mail-sync"

/*
 * The mail store against the test Dovecot (tests/servers/dovecot.sh), on the folder
 * "Bench" that bench-imap-fetch generates (run `meson test --benchmark imap-fetch` first;
 * without the folder or the servers this exits 77). In the same run:
 *   1. the raw wire: UID FETCH 1:* with the items a first sync asks for (UID FLAGS
 *      INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE MODSEQ BODY.PEEK[HEADER.FIELDS
 *      (REFERENCES)]), bytes read off an OpConnection until the tagged OK, nothing parsed;
 *   2. Outpost's first sync of the folder into a new store (OpMailImapSync: UID SEARCH,
 *      newest first in batches, parse, threading, FTS of the headers, committed);
 *   3. a later sync with nothing changed (QRESYNC);
 *   4. the first 50 rows of the folder's conversation model;
 *   5. one-word local searches (median);
 * and the peak RSS. Targets (issue 12): ratio of 2 to 1 at most 1.5, peak RSS 150 MB,
 * 3 at most 100 ms, 4 at most 50 ms, 5 at most 30 ms.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "op-connection.h"
#include "op-mail-conversation-list.h"
#include "op-mail-imap-sync.h"
#include "op-mail-store.h"
#include "op-test-verifier.h"

#define FOLDER "Bench"
#define ITEMS "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE MODSEQ " \
              "BODY.PEEK[HEADER.FIELDS (REFERENCES)])"

static GAsyncResult *awaited;

static void
await_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  awaited = g_object_ref (result);
}

static GAsyncResult *
await_result (void)
{
  while (awaited == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (&awaited);
}

static guint64
status_kib (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, field);
  return line != NULL ? g_ascii_strtoull (line + strlen (field), NULL, 10) : 0;
}

static void
die (const char *what,
     GError     *error)
{
  fprintf (stderr, "bench-mail-sync: %s: %s\n", what, error != NULL ? error->message : "");
  exit (1);
}

static OpConnection *
raw_session (const char    *host,
             guint16        port,
             OpTlsVerifier *verifier,
             const char    *user,
             const char    *password)
{
  g_autoptr(GError) error = NULL;
  OpConnection *conn = op_connection_connect (host, port, TRUE, 600, verifier, NULL, NULL, &error);
  g_autofree char *login = NULL;
  const char *lines[] = { NULL, "r2 ENABLE QRESYNC", "r3 EXAMINE " FOLDER, NULL };

  if (conn == NULL)
    die ("connect", error);
  g_free (op_connection_read_line (conn, 65536, NULL, NULL, &error));
  login = g_strdup_printf ("r1 LOGIN \"%s\" \"%s\"", user, password);
  lines[0] = login;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char tag[4] = { 'r', (char) ('1' + i), ' ', 0 };

      if (!op_connection_send_command (conn, lines[i], NULL, OP_SEND_SECRET_ARGUMENT, NULL, &error))
        die ("send", error);
      for (;;)
        {
          g_autofree char *line = op_connection_read_line (conn, 1 << 20, NULL, NULL, &error);

          if (line == NULL)
            die ("read", error);
          if (g_str_has_prefix (line, tag))
            {
              if (!g_str_has_prefix (line + 3, "OK"))
                die (line, NULL);
              break;
            }
        }
    }
  return conn;
}

static double
raw_fetch (OpConnection *conn,
           guint64      *bytes)
{
  static const char end[] = "\r\nr9 OK";
  g_autoptr(GError) error = NULL;
  g_autofree char *buffer = g_malloc (256 * 1024);
  char tail[sizeof end] = { 0 };
  gint64 start = g_get_monotonic_time ();
  gboolean found = FALSE;

  *bytes = 0;
  if (!op_connection_send_command (conn, "r9 UID FETCH 1:* " ITEMS, NULL, OP_SEND_PLAIN, NULL, &error))
    die ("send", error);
  for (;;)
    {
      gssize n = op_connection_read (conn, buffer, 256 * 1024, NULL, &error);
      g_autofree char *joined = NULL;

      if (n <= 0)
        die ("raw read", error);
      *bytes += n;
      joined = g_malloc (sizeof end + MIN (n, 64));
      memcpy (joined, tail, sizeof end - 1);
      memcpy (joined + sizeof end - 1, buffer + n - MIN (n, 64), MIN (n, 64));
      if (g_strstr_len (joined, sizeof end - 1 + MIN (n, 64), end) != NULL
          || g_strstr_len (buffer, n, end) != NULL)
        found = TRUE;
      if (found && buffer[n - 1] == '\n')
        break;
      if (n >= (gssize) sizeof end - 1)
        memcpy (tail, buffer + n - (sizeof end - 1), sizeof end - 1);
      else
        {
          memmove (tail, tail + n, sizeof end - 1 - n);
          memcpy (tail + sizeof end - 1 - n, buffer, n);
        }
    }
  return (g_get_monotonic_time () - start) / 1e6;
}

static void
remove_store (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
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
  guint runs = g_getenv ("OUTPOST_BENCH_RUNS") ? atoi (g_getenv ("OUTPOST_BENCH_RUNS")) : 2;
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpConnection) raw = NULL;
  g_autofree char *stamp = NULL;
  g_autofree char *count_text = NULL;
  g_autoptr(OpMailStore) store = NULL;
  g_autoptr(OpMailImapSync) sync = NULL;
  g_autofree char *dir = NULL;
  double best_raw = G_MAXDOUBLE, best_sync = G_MAXDOUBLE, later = 0, rows = 0;
  guint64 bytes = 0;
  guint total = 0;

  setvbuf (stdout, NULL, _IOLBF, 0);
  if (host == NULL || port_text == NULL || user == NULL || password == NULL || maildir == NULL || ca == NULL)
    {
      printf ("bench-mail-sync: the test servers are not running (tests/servers/start); skipped\n");
      return 77;
    }
  stamp = g_build_filename (maildir, "." FOLDER, "outpost-bench-count", NULL);
  if (!g_file_get_contents (stamp, &count_text, NULL, NULL))
    {
      printf ("bench-mail-sync: no folder %s yet: run `meson test --benchmark imap-fetch` first; skipped\n", FOLDER);
      return 77;
    }
  verifier = op_test_verifier_new_for_ca_file (ca, &error);
  if (verifier == NULL)
    die ("CA", error);

  raw = raw_session (host, atoi (port_text), OP_TLS_VERIFIER (verifier), user, password);
  {
    double warm = raw_fetch (raw, &bytes);
    printf ("folder %s: %s messages; warm-up raw fetch %.2f s, %" G_GUINT64_FORMAT " bytes\n", FOLDER,
            g_strstrip (count_text), warm, bytes);
  }

  for (guint run = 0; run < runs; run++)
    {
      g_autofree char *path = NULL;
      g_autoptr(OpMailFolderInfo) info = op_mail_folder_info_new (FOLDER, '/', OP_MAIL_SPECIAL_USE_NONE, TRUE);
      g_autoptr(GAsyncResult) r = NULL;
      double t;
      gint64 start;

      t = raw_fetch (raw, &bytes);
      best_raw = MIN (best_raw, t);
      printf ("run %u: raw %.2f s\n", run + 1, t);

      if (store != NULL)
        {
          op_mail_imap_sync_close (sync);
          g_clear_object (&sync);
          op_mail_store_close (store);
          g_clear_object (&store);
          remove_store (dir);
          g_clear_pointer (&dir, g_free);
        }
      dir = g_dir_make_tmp ("outpost-bench-store-XXXXXX", NULL);
      path = g_build_filename (dir, "store.sqlite", NULL);
      store = op_mail_store_open_sync (path, NULL, &error);
      if (store == NULL)
        die ("store", error);
      op_mail_store_ensure_folder_async (store, info, NULL, await_cb, NULL);
      r = await_result ();
      if (op_mail_store_ensure_folder_finish (store, r, &error) <= 0)
        die ("folder", error);
      g_clear_object (&r);
      sync = op_mail_imap_sync_new (store, host, atoi (port_text), OP_IMAP_SECURITY_IMPLICIT_TLS, user);
      op_mail_imap_sync_set_password (sync, password);
      op_mail_imap_sync_set_verifier (sync, OP_TLS_VERIFIER (verifier));
      op_mail_imap_sync_set_timeout (sync, 600);

      start = g_get_monotonic_time ();
      op_mail_imap_sync_folder_async (sync, FOLDER, NULL, await_cb, NULL);
      r = await_result ();
      if (!op_mail_imap_sync_finish (sync, r, &error))
        die ("first sync", error);
      t = (g_get_monotonic_time () - start) / 1e6;
      best_sync = MIN (best_sync, t);
      printf ("run %u: first sync %.2f s\n", run + 1, t);
    }

  {
    g_autoptr(OpMailFolder) folder = op_mail_store_lookup_folder (store, FOLDER);
    g_autoptr(GAsyncResult) r = NULL;
    gint64 start = g_get_monotonic_time ();

    total = op_mail_folder_get_total (folder);
    op_mail_imap_sync_folder_async (sync, FOLDER, NULL, await_cb, NULL);
    r = await_result ();
    if (!op_mail_imap_sync_finish (sync, r, &error))
      die ("later sync", error);
    later = (g_get_monotonic_time () - start) / 1e6;
  }

  {
    g_autoptr(OpMailFolder) folder = op_mail_store_lookup_folder (store, FOLDER);
    gint64 start = g_get_monotonic_time ();
    g_autoptr(OpMailConversationList) list = op_mail_conversation_list_new (store, op_mail_folder_get_id (folder));

    while (op_mail_conversation_list_get_loading (list) && g_list_model_get_n_items (G_LIST_MODEL (list)) < 50)
      g_main_context_iteration (NULL, TRUE);
    for (guint i = 0; i < 50 && i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
      g_object_unref (g_list_model_get_item (G_LIST_MODEL (list), i));
    rows = (g_get_monotonic_time () - start) / 1e6;
    while (op_mail_conversation_list_get_loading (list))
      g_main_context_iteration (NULL, TRUE);
    printf ("conversations: %u\n", g_list_model_get_n_items (G_LIST_MODEL (list)));
  }

  {
    const char *words[] = { "quarterly", "report", "alice", "plan", "attached", "carol", "message",
                            "example", "dana", "bob", "regards", "hello", "plain", "user42", "tester" };
    double times[G_N_ELEMENTS (words)];

    for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
      {
        g_autoptr(GAsyncResult) r = NULL;
        g_autoptr(GPtrArray) found = NULL;
        gint64 start = g_get_monotonic_time ();

        op_mail_store_search_async (store, words[i], 0, 100, NULL, await_cb, NULL);
        r = await_result ();
        found = op_mail_store_search_finish (store, r, &error);
        if (found == NULL)
          die ("search", error);
        times[i] = (g_get_monotonic_time () - start) / 1e6;
      }
    qsort (times, G_N_ELEMENTS (words), sizeof (double), compare_doubles);

    printf ("\nmessages stored: %u\n", total);
    printf ("raw fetch (best of %u):          %.2f s\n", runs, best_raw);
    printf ("first sync into the store:       %.2f s   ratio %.2f (target at most 1.5)\n", best_sync,
            best_sync / best_raw);
    printf ("later sync, nothing changed:     %.0f ms  (target at most 100 ms)\n", later * 1000);
    printf ("first 50 conversation rows:      %.0f ms  (target at most 50 ms)\n", rows * 1000);
    printf ("one-word search, median of %zu:   %.1f ms  (target at most 30 ms)\n", G_N_ELEMENTS (words),
            times[G_N_ELEMENTS (words) / 2] * 1000);
    printf ("peak RSS:                        %" G_GUINT64_FORMAT " MB (target at most 150 MB)\n",
            status_kib ("VmHWM:") / 1024);
  }

  op_mail_imap_sync_close (sync);
  op_mail_store_close (store);
  remove_store (dir);
  return 0;
}
