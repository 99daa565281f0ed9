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
 *      newest first in batches, parse, threading, FTS of the headers, committed), on a
 *      session that is already logged in, as the raw one is;
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

#include "op-bench-imap.h"
#include "op-connection.h"
#include "op-mail-conversation-list.h"
#include "op-mail-imap-sync.h"
#include "op-mail-store.h"
#include "op-test-verifier.h"

#define FOLDER "Bench"
#define ITEMS "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE MODSEQ " \
              "BODY.PEEK[HEADER.FIELDS (REFERENCES)])"


static void
die (const char *what,
     GError     *error)
{
  op_bench_die ("bench-mail-sync", what, error);
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

  {
    const char *commands[] = { "ENABLE QRESYNC", "EXAMINE " FOLDER, NULL };
    raw = op_bench_raw_session (host, atoi (port_text), OP_TLS_VERIFIER (verifier), user, password, commands);
  }
  {
    double warm = op_bench_raw_fetch (raw, "UID FETCH 1:* " ITEMS, &bytes);
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

      t = op_bench_raw_fetch (raw, "UID FETCH 1:* " ITEMS, &bytes);
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
      op_mail_store_ensure_folder_async (store, info, NULL, op_bench_await_cb, NULL);
      r = op_bench_await_result ();
      if (op_mail_store_ensure_folder_finish (store, r, &error) <= 0)
        die ("folder", error);
      g_clear_object (&r);
      sync = op_mail_imap_sync_new (store, host, atoi (port_text), OP_SECURITY_IMPLICIT_TLS, user);
      op_mail_imap_sync_set_password (sync, password);
      op_mail_imap_sync_set_verifier (sync, OP_TLS_VERIFIER (verifier));
      op_mail_imap_sync_set_timeout (sync, 600);
      /* The items of the target only: no body prefetch. */
      op_mail_imap_sync_set_prefetch_days (sync, 0);

      /* Connected and logged in first, as the raw session is. */
      op_mail_imap_sync_folders_async (sync, NULL, op_bench_await_cb, NULL);
      r = op_bench_await_result ();
      if (!op_mail_imap_sync_finish (sync, r, &error))
        die ("folder list", error);
      g_clear_object (&r);

      start = g_get_monotonic_time ();
      op_mail_imap_sync_folder_async (sync, FOLDER, NULL, op_bench_await_cb, NULL);
      r = op_bench_await_result ();
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
    op_mail_imap_sync_folder_async (sync, FOLDER, NULL, op_bench_await_cb, NULL);
    r = op_bench_await_result ();
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

        op_mail_store_search_async (store, words[i], 0, 100, NULL, op_bench_await_cb, NULL);
        r = op_bench_await_result ();
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
    printf ("peak RSS:                        %" G_GINT64_FORMAT " MB (target at most 150 MB)\n",
            bench_status_kib ("VmHWM:") / 1024);
  }

  op_mail_imap_sync_close (sync);
  op_mail_store_close (store);
  remove_store (dir);
  return 0;
}
