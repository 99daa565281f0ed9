/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Mail page on a 100,000-message folder (issue 13 "Benchmarks"), under Xvfb:
 *
 *   1. the store: one mail account (no server, so nothing syncs) whose Inbox holds
 *      OUTPOST_BENCH_MAIL_MESSAGES messages (default 100,000), written the way the IMAP
 *      sync writes a first sync (FETCH responses of UID, FLAGS, INTERNALDATE, RFC822.SIZE,
 *      ENVELOPE, BODYSTRUCTURE, MODSEQ and the References header, parsed by the IMAP
 *      parser, applied newest first in batches of OP_MAIL_SYNC_FIRST_BATCH then
 *      OP_MAIL_SYNC_BATCH), and the bodies of the two newest messages cached (a plain one
 *      and an HTML one) as the sync's body fetch caches them. Made once into a real
 *      SQLite file in a profile folder that later runs reuse;
 *   2. the real window (OpWindow), showing Files; then the Mail page is shown: from that
 *      moment to the end of the first frame after which the conversation list has rows
 *      on screen (target 200 ms), and the worst main-loop stall until the whole order of
 *      the folder is in;
 *   3. scrolling through the folder, one step per frame from a tick callback (as kinetic
 *      scrolling does): 240 frames of a quarter page each, then 120 jumps spread over
 *      the whole list, the end, and back to the top; the worst main-loop stall meanwhile
 *      (target 50 ms), in wall-clock time and in the main thread's own CPU time;
 *   4. the newest conversation (a cached plain message) selected: until the end of the
 *      first frame that shows its text (target 100 ms); then the next (a cached HTML
 *      message, the first one of the process): until the end of the first frame after
 *      its web view finished loading (target 500 ms, the first WebKit load included).
 *      WebKit is not loaded before the Mail page shows its first rows: the page starts
 *      it then (op_mail_html_view_prewarm_after_frame()), as it does for a user, so
 *      this is the first HTML message a user opens after looking at the list for as
 *      long as the scroll took. When WebKit's module was open is printed.
 *
 * With OUTPOST_BENCH_MAIL_HTML_AT_ONCE=1 the HTML message is selected instead as soon as
 * the first rows are painted (the worst case: WebKit still starting), and the scroll is
 * left out.
 *
 * Prints the figures; never fails on timing. OUTPOST_BENCH_MAIL_PROFILE sets the profile
 * folder (default $TMPDIR/outpost-bench-mail-view-UID: config, data and an XDG cache
 * emptied at each start); delete it to build the store again.
 *
 *   tests/ui/run-with-display.sh _build/tests/bench/bench-mail-view
 */
#define G_LOG_DOMAIN "bench-mail-view"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "bench-common.h"
#include "mail-test-data.h"
#include "op-mail-conversation-list.h"
#include "op-mail-conversation-row.h"
#include "op-mail-html-view.h"
#include "op-mail-imap-sync.h"
#include "op-mail-message-view.h"
#include "op-mail-view.h"
#include "op-ui-test-utils.h"
#include "op-window.h"

#define NAME           "bench-mail-view"
#define ACCOUNT_ID     "bench-account"
#define PROBE_MS       5
#define WAIT_SECONDS   120
#define SMOOTH_FRAMES  240
#define JUMPS          120

#define TARGET_ROWS_MS  200
#define TARGET_STALL_MS 50
#define TARGET_PLAIN_MS 100
#define TARGET_HTML_MS  500

/* --- the store, as a first sync writes it ----------------------------------------------- */

static const char * const names[] = {
  "Alice Example", "Bob Builder", "=?UTF-8?B?546L6Iqz?=", "Carol Jones", "Dave Smith",
  "=?UTF-8?B?5p2O5Lyf?=", "Erin Walker", "Frank Miller", "Grace Hopper", "Heidi Klum",
  "Ivan Petrov", "Judy Garland",
};

static const char * const topics[] = {
  "Plans for the release", "Meeting notes", "Budget for next quarter", "Build failure on CI",
  "Lunch on Friday?", "Review request", "Holiday schedule", "Server maintenance tonight",
  "Quarterly report", "Invitation: design review", "Your order has shipped",
  "Question about the API", "Weekly newsletter", "Travel arrangements", "Re-org announcement",
  "Bug in the parser", "Welcome aboard", "Conference talk accepted", "Password policy",
  "Office move",
};

#define PLAIN_TEXT \
  "Hello,\r\n\r\nHere is where we stand on the release. The branch is cut, the tests pass\r\n" \
  "on every platform but one, and the notes are half written.\r\n\r\n" \
  "> Can we ship on Friday?\r\n> Only if the tests pass.\r\n\r\n" \
  "They do now: see https://ci.example.test/builds/1234 for the last run.\r\n\r\n" \
  "-- \r\nAlice Example\r\nRelease team\r\n"

/* The Date header and ENVELOPE date of the message numbered @uid out of @n: one every
 * five minutes, the newest on 7 December 2026 at noon. */
static GDateTime *
message_date (guint uid,
              guint n)
{
  g_autoptr (GDateTime) newest = g_date_time_new_utc (2026, 12, 7, 12, 0, 0);

  return g_date_time_add_seconds (newest, -300.0 * (n - uid));
}

/* Threads: the two newest messages stand alone (the plain and the HTML one, bodies
 * cached); before them, of each three messages two start a conversation and the third
 * answers the second (so 100,000 messages make about 66,667 conversations). */
static guint
parent_of (guint uid,
           guint n)
{
  return uid + 2 <= n && (uid - 1) % 3 == 2 ? uid - 1 : 0;
}

static char *
fetch_response (guint uid,
                guint n)
{
  guint i = uid - 1;
  guint parent = parent_of (uid, n);
  const char *name = names[i % G_N_ELEMENTS (names)];
  g_autoptr (GDateTime) date = message_date (uid, n);
  g_autofree char *date_text = g_date_time_format (date, "%a, %d %b %Y %H:%M:%S +0000");
  g_autofree char *internal = g_date_time_format (date, "%d-%b-%Y %H:%M:%S +0000");
  g_autofree char *subject = NULL;
  g_autofree char *address = NULL;
  g_autofree char *references = NULL;
  g_autofree char *in_reply_to = NULL;
  const char *flags;
  const char *body;

  if (uid == n)
    subject = g_strdup ("Where the release stands");
  else if (uid == n - 1)
    subject = g_strdup ("Outpost newsletter: December");
  else
    subject = g_strdup_printf ("%s%s #%u", parent != 0 ? "Re: " : "",
                               topics[(parent != 0 ? parent - 1 : i) % G_N_ELEMENTS (topics)],
                               parent != 0 ? parent : uid);
  address = g_strdup_printf ("(\"%s\" NIL \"user%u\" \"example.test\")", name, i % 97);
  if (parent != 0)
    {
      references = g_strdup_printf ("References: <m%u@bench.example.test>\r\n\r\n", parent);
      in_reply_to = g_strdup_printf ("\"<m%u@bench.example.test>\"", parent);
    }
  else
    references = g_strdup ("\r\n");

  if (uid + 2 > n)
    flags = "\\Seen";
  else if (i % 23 == 0)
    flags = "\\Seen \\Flagged";
  else if (i % 7 == 0)
    flags = "";
  else
    flags = "\\Seen";

  if (uid == n)
    body = "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 420 14 NIL NIL NIL NIL)";
  else if (uid == n - 1 || i % 4 == 1)
    body = "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 1500 30 NIL NIL NIL NIL)"
           "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 9000 120 NIL NIL NIL NIL)"
           " \"alternative\" (\"boundary\" \"alt\") NIL NIL NIL)";
  else if (i % 10 == 0)
    body = "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 800 20 NIL NIL NIL NIL)"
           "(\"application\" \"pdf\" (\"name\" \"report.pdf\") NIL NIL \"base64\" 120000 NIL"
           " (\"attachment\" (\"filename\" \"report.pdf\")) NIL NIL)"
           " \"mixed\" (\"boundary\" \"mix\") NIL NIL NIL)";
  else
    body = "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 1200 25 NIL NIL NIL NIL)";

  return g_strdup_printf ("* %u FETCH (UID %u FLAGS (%s) INTERNALDATE \"%s\" RFC822.SIZE %u MODSEQ (%u) "
                          "ENVELOPE (\"%s\" \"%s\" (%s) (%s) (%s) ((\"Me Myself\" NIL \"me\" \"example.test\")) "
                          "NIL NIL %s \"<m%u@bench.example.test>\") BODYSTRUCTURE %s "
                          "BODY[HEADER.FIELDS (REFERENCES)] {%zu}\r\n%s)\r\n",
                          uid, uid, flags, internal, 2000 + i % 5000, uid,
                          date_text, subject, address, address, address,
                          in_reply_to != NULL ? in_reply_to : "NIL", uid, body,
                          strlen (references), references);
}

static GBytes *
plain_message (guint n)
{
  g_autoptr (GDateTime) date = message_date (n, n);
  g_autofree char *date_text = g_date_time_format (date, "%a, %d %b %Y %H:%M:%S +0000");
  char *text = g_strdup_printf ("From: Alice Example <user%u@example.test>\r\n"
                                "To: Me Myself <me@example.test>\r\n"
                                "Subject: Where the release stands\r\n"
                                "Date: %s\r\n"
                                "Message-ID: <m%u@bench.example.test>\r\n"
                                "MIME-Version: 1.0\r\n"
                                "Content-Type: text/plain; charset=utf-8\r\n"
                                "\r\n" PLAIN_TEXT,
                                (n - 1) % 97, date_text, n);

  return g_bytes_new_take (text, strlen (text));
}

/* A newsletter: a table layout with styles, twelve stories, and remote images (blocked,
 * so the bar offering them is shown). */
static GBytes *
html_message (guint n)
{
  g_autoptr (GDateTime) date = message_date (n - 1, n);
  g_autofree char *date_text = g_date_time_format (date, "%a, %d %b %Y %H:%M:%S +0000");
  GString *text = g_string_new (NULL);

  g_string_append_printf (text,
                          "From: %s <user%u@example.test>\r\n"
                          "To: Me Myself <me@example.test>\r\n"
                          "Subject: Outpost newsletter: December\r\n"
                          "Date: %s\r\n"
                          "Message-ID: <m%u@bench.example.test>\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
                          "\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                          "The December newsletter: twelve stories from the project.\r\n"
                          "\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                          "<!DOCTYPE html><html><head><style>"
                          "body{font-family:sans-serif;margin:0}td{padding:8px}"
                          ".story{border-bottom:1px solid #ddd}.story h2{font-size:18px;color:#1a5fb4}"
                          "</style></head><body><table width=\"100%%\" cellspacing=\"0\">"
                          "<tr><td><img src=\"https://news.example.test/logo.png\" width=\"200\" height=\"50\" alt=\"Outpost\"></td></tr>",
                          names[(n - 2) % G_N_ELEMENTS (names)], (n - 2) % 97, date_text, n - 1);
  for (guint i = 0; i < 12; i++)
    g_string_append_printf (text,
                            "<tr class=\"story\"><td><h2>Story %u: %s</h2>"
                            "<img src=\"https://news.example.test/story-%u.jpg\" width=\"120\" height=\"80\" align=\"left\">"
                            "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
                            "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
                            "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.</p>"
                            "<p><a href=\"https://news.example.test/story/%u\">Read more</a></p></td></tr>\r\n",
                            i + 1, topics[i % G_N_ELEMENTS (topics)], i, i);
  g_string_append (text, "</table></body></html>\r\n--alt--\r\n");
  return g_string_free_to_bytes (text);
}

static void
die (const char *what)
{
  printf ("%s: %s\n", NAME, what);
  exit (1);
}

static gboolean
keep_waking (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the default main context for @ms. */
static void
run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;
  guint wake = g_timeout_add (10, keep_waking, NULL);

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Runs the default main context until @done (a 50 ms wake-up keeps it checking), or
 * gives up after WAIT_SECONDS and exits. */
static void
wait_until (gboolean  (*done) (gpointer),
            gpointer    data,
            const char *what)
{
  gint64 end = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;
  guint wake = g_timeout_add (50, keep_waking, NULL);

  while (!done (data))
    {
      if (g_get_monotonic_time () > end)
        {
          g_autofree char *text = g_strdup_printf ("gave up waiting for %s", what);
          die (text);
        }
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
}

static void
wait_write (OpMailStore   *store,
            GAsyncResult **result)
{
  g_autoptr (GError) error = NULL;

  if (!op_mail_store_write_finish (store, op_ui_test_wait_result (result), &error))
    die (error->message);
  g_clear_object (result);
}

static void
build_store (guint n)
{
  g_autoptr (OpMailStore) store = NULL;
  g_autoptr (GPtrArray) folders = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_folder_info_free);
  g_autoptr (OpMailFolder) inbox = NULL;
  GAsyncResult *result = NULL;
  guint end = n;
  guint batch = OP_MAIL_SYNC_FIRST_BATCH;
  gint64 started = g_get_monotonic_time ();
  gint64 cpu = bench_cpu_usec ();
  gint64 ids[2];

  store = mail_test_add_account (ACCOUNT_ID, "Bench", "me@example.test", "Me Myself");
  g_ptr_array_add (folders, op_mail_folder_info_new ("INBOX", '/', OP_MAIL_SPECIAL_USE_INBOX, TRUE));
  g_ptr_array_add (folders, op_mail_folder_info_new ("Sent", '/', OP_MAIL_SPECIAL_USE_SENT, TRUE));
  g_ptr_array_add (folders, op_mail_folder_info_new ("Drafts", '/', OP_MAIL_SPECIAL_USE_DRAFTS, TRUE));
  g_ptr_array_add (folders, op_mail_folder_info_new ("Archive", '/', OP_MAIL_SPECIAL_USE_ARCHIVE, TRUE));
  g_ptr_array_add (folders, op_mail_folder_info_new ("Trash", '/', OP_MAIL_SPECIAL_USE_TRASH, TRUE));
  op_mail_store_set_folders_async (store, folders, NULL, op_ui_test_store_result, &result);
  wait_write (store, &result);
  inbox = op_mail_store_lookup_folder (store, "INBOX");

  /* Newest first, in the sync's batches (op-mail-imap-sync.c: fetch_missing). */
  while (end > 0)
    {
      guint start = end > batch ? end - batch : 0;
      OpMailUpdate *update = op_mail_update_new (op_mail_folder_get_id (inbox));

      for (guint uid = start + 1; uid <= end; uid++)
        {
          g_autofree char *text = fetch_response (uid, n);
          g_autoptr (GError) error = NULL;
          OpImapResponse *response = op_imap_parse_response (text, strlen (text), &error);

          if (response == NULL || response->fetch == NULL)
            die (error != NULL ? error->message : "a FETCH response without its FETCH");
          op_mail_update_add_fetch (update, g_steal_pointer (&response->fetch));
          op_imap_response_free (response);
        }
      if (start == 0)
        {
          op_mail_update_set_state (update, 1, n + 1, n);
          op_mail_update_set_complete (update, TRUE);
        }
      op_mail_store_apply_async (store, update, NULL, op_ui_test_store_result, &result);
      wait_write (store, &result);
      end = start;
      batch = OP_MAIL_SYNC_BATCH;
    }

  /* The two newest bodies, as the sync caches a body it fetched. */
  for (guint k = 0; k < 2; k++)
    {
      g_autoptr (OpMailMessage) message = op_mail_store_lookup_uid (store, op_mail_folder_get_id (inbox), n - k);
      g_autoptr (GBytes) bytes = k == 0 ? plain_message (n) : html_message (n);

      if (message == NULL)
        die ("a cached message is missing from the store");
      ids[k] = op_mail_message_get_id (message);
      op_mail_store_save_body_async (store, ids[k], bytes, NULL, op_ui_test_store_result, &result);
      wait_write (store, &result);
    }
  op_mail_store_close (store);
  printf ("%s: store of %u messages built in %.1f s (%.1f s of this process's CPU)\n", NAME, n,
          (g_get_monotonic_time () - started) / 1e6, (bench_cpu_usec () - cpu) / 1e6);
}

/* --- the page ------------------------------------------------------------------------- */

typedef struct
{
  OpWindow        *window;
  OpMailView      *view;
  BenchProbe       probe;
  gint64           paints;
  gint64           last_paint;
  gint64           worst_frame;   /* longest time between two paints, while measuring */
  gint64           last_paint_cpu;
  GArray          *frame_cpu;     /* gint64: the main thread's CPU from paint to paint */
  gboolean         frames_measured;

  /* what the next paint is waited for (NULL: nothing) */
  gboolean       (*ready) (gpointer);
  gpointer         ready_data;
  gint64           shown_at;      /* the end of the first paint after ready() held */
  guint            rows_seen;

  /* opening: when each step was first seen (monotonic, and the main thread's CPU) */
  gint64           step_at[5];
  gint64           step_cpu[5];
  guint            watch;

  /* WebKit's module: when it was seen loaded */
  gint64           module_at;
  guint            module_watch;

  /* scrolling */
  GtkAdjustment   *adjustment;
  guint            step;
  guint            tick;
  gboolean         scrolled;
  double           max_value;
} Bench;

static void
collect_rows (GtkWidget *widget,
              guint     *n)
{
  if (OP_IS_MAIL_CONVERSATION_ROW (widget))
    {
      const char *description = op_mail_conversation_row_get_description (OP_MAIL_CONVERSATION_ROW (widget));

      if (gtk_widget_get_mapped (widget) && description != NULL && description[0] != '\0')
        (*n)++;
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_rows (child, n);
}

static guint
rows_on_screen (Bench *bench)
{
  guint n = 0;

  if (bench->view != NULL)
    collect_rows (GTK_WIDGET (op_mail_view_get_list_view (bench->view)), &n);
  return n;
}

static OpMailConversationList *conversations (Bench *bench);

static const char * const open_steps[] = {
  "the page made",
  "its store open (accounts read, SQLite opened on the store's thread)",
  "the Inbox chosen (folders read)",
  "the list's first rows in its model",
  "rows mapped in the list view",
};

/* Notes which steps of opening the page have been reached. */
static gboolean
watch_open (gpointer data)
{
  Bench *bench = data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = bench_thread_cpu_usec ();
  gboolean reached[G_N_ELEMENTS (open_steps)] = { bench->view != NULL };

  if (bench->view != NULL)
    {
      OpMailConversationList *list = op_mail_view_get_folder_id (bench->view) != 0 ? conversations (bench) : NULL;

      reached[1] = op_mail_view_get_store (bench->view, ACCOUNT_ID) != NULL;
      reached[2] = op_mail_view_get_folder_id (bench->view) != 0;
      reached[3] = list != NULL && g_list_model_get_n_items (G_LIST_MODEL (list)) > 0;
      reached[4] = rows_on_screen (bench) > 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (open_steps); i++)
    if (reached[i] && bench->step_at[i] == 0)
      {
        bench->step_at[i] = now;
        bench->step_cpu[i] = cpu;
      }
  return G_SOURCE_CONTINUE;
}

static gboolean
watch_module (gpointer data)
{
  Bench *bench = data;

  if (bench->module_at == 0 && op_mail_html_view_backend_loaded ())
    bench->module_at = g_get_monotonic_time ();
  return G_SOURCE_CONTINUE;
}

static void
on_after_paint (GdkFrameClock *clock,
                Bench         *bench)
{
  gint64 now = g_get_monotonic_time ();

  gint64 cpu = bench_thread_cpu_usec ();

  if (bench->frames_measured && bench->last_paint != 0)
    {
      gint64 used = cpu - bench->last_paint_cpu;

      bench->worst_frame = MAX (bench->worst_frame, now - bench->last_paint);
      g_array_append_val (bench->frame_cpu, used);
    }
  bench->last_paint = now;
  bench->last_paint_cpu = cpu;
  bench->paints++;
  if (bench->watch != 0)
    watch_open (bench);
  if (bench->ready != NULL && bench->shown_at == 0 && bench->ready (bench->ready_data))
    bench->shown_at = now;
}

static gboolean
was_shown (gpointer data)
{
  return ((Bench *) data)->shown_at != 0;
}

/* Waits for the end of the first frame after which @ready (@data) holds; returns when it
 * was. */
static gint64
wait_shown (Bench       *bench,
            gboolean   (*ready) (gpointer),
            gpointer     data,
            const char  *what)
{
  bench->shown_at = 0;
  bench->ready_data = data;
  bench->ready = ready;
  wait_until (was_shown, bench, what);
  bench->ready = NULL;
  return bench->shown_at;
}

static gboolean
has_rows (gpointer data)
{
  Bench *bench = data;

  bench->rows_seen = rows_on_screen (bench);
  return bench->rows_seen > 0;
}

static OpMailConversationList *
conversations (Bench *bench)
{
  GtkSelectionModel *model = gtk_list_view_get_model (op_mail_view_get_list_view (bench->view));

  if (model == NULL)
    return NULL;
  return OP_MAIL_CONVERSATION_LIST (gtk_multi_selection_get_model (GTK_MULTI_SELECTION (model)));
}

static gboolean
order_loaded (gpointer data)
{
  OpMailConversationList *list = conversations (data);

  return list != NULL && !op_mail_conversation_list_get_loading (list);
}

static gboolean
view_made (gpointer data)
{
  Bench *bench = data;

  if (bench->view == NULL)
    {
      AdwViewStack *stack = op_window_get_view_stack (bench->window);
      GtkWidget *page = adw_view_stack_get_child_by_name (stack, "mail");

      if (page != NULL && ADW_IS_BIN (page) && OP_IS_MAIL_VIEW (adw_bin_get_child (ADW_BIN (page))))
        bench->view = OP_MAIL_VIEW (adw_bin_get_child (ADW_BIN (page)));
    }
  return bench->view != NULL;
}

/* One step of the scroll each frame, from the frame clock's update phase. */
static gboolean
scroll_tick (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       data)
{
  Bench *bench = data;
  double page = gtk_adjustment_get_page_size (bench->adjustment);
  double top = gtk_adjustment_get_upper (bench->adjustment) - page;
  double value;

  if (bench->step < SMOOTH_FRAMES)
    value = bench->step * page / 4;
  else if (bench->step < SMOOTH_FRAMES + JUMPS)
    value = top * (bench->step - SMOOTH_FRAMES + 1) / JUMPS;
  else if (bench->step == SMOOTH_FRAMES + JUMPS)
    value = 0;
  else
    {
      bench->tick = 0;
      bench->scrolled = TRUE;
      return G_SOURCE_REMOVE;
    }
  gtk_adjustment_set_value (bench->adjustment, value);
  bench->max_value = MAX (bench->max_value, gtk_adjustment_get_value (bench->adjustment));
  bench->step++;
  return G_SOURCE_CONTINUE;
}

static gboolean
scrolled (gpointer data)
{
  return ((Bench *) data)->scrolled;
}

typedef struct
{
  Bench  *bench;
  gint64  conversation_id;
  gboolean html;
  gint64  text_at;     /* the end of the first frame that showed its text (HTML: meanwhile) */
  gint64  text_cpu;    /* the main thread's CPU time then */
} Open;

static OpMailMessageView *
shown_message (Open *open)
{
  OpMailConversationView *conversation = op_mail_view_get_conversation_view (open->bench->view);

  if (op_mail_view_get_conversation_id (open->bench->view) != open->conversation_id
      || op_mail_view_get_n_pending_bodies (open->bench->view) > 0
      || op_mail_conversation_view_get_n_messages (conversation) != 1)
    return NULL;
  return op_mail_conversation_view_get_message_view (conversation, 0);
}

static gboolean
open_shown (gpointer data)
{
  Open *open = data;
  OpMailMessageView *message = shown_message (open);

  if (message == NULL)
    return FALSE;
  if (open->text_at == 0 && gtk_widget_get_mapped (GTK_WIDGET (op_mail_message_view_get_text_view (message))))
    {
      open->text_at = g_get_monotonic_time ();
      open->text_cpu = bench_thread_cpu_usec ();
    }
  if (open->html)
    {
      OpMailHtmlView *html = op_mail_message_view_get_html_view (message);

      return html != NULL && gtk_widget_get_mapped (GTK_WIDGET (html))
             && op_mail_html_view_get_loaded (html);
    }
  return gtk_widget_get_mapped (GTK_WIDGET (op_mail_message_view_get_text_view (message)));
}

/* Selects the conversation of the Inbox's message @uid, as a click on its row does, and
 * returns how long until a frame showed it (an HTML message: its web view loaded); and
 * in @text_ms (nullable) until a frame showed its text (-1 if none did), with the main
 * thread's CPU time meanwhile in @text_cpu_ms. */
static double
open_message (Bench      *bench,
              guint       uid,
              gboolean    html,
              const char *what,
              double     *text_ms,
              double     *text_cpu_ms)
{
  OpMailStore *store = op_mail_view_get_store (bench->view, ACCOUNT_ID);
  g_autoptr (OpMailMessage) message = op_mail_store_lookup_uid (store, op_mail_view_get_folder_id (bench->view), uid);
  GtkSelectionModel *selection = gtk_list_view_get_model (op_mail_view_get_list_view (bench->view));
  Open open = { bench, 0, html, 0 };
  gint64 started;
  int position;

  if (message == NULL)
    die ("a cached message is missing from the store");
  open.conversation_id = op_mail_message_get_conversation_id (message);
  position = op_mail_conversation_list_find (conversations (bench), open.conversation_id);
  if (position < 0)
    die ("a cached message's conversation is not in the list");
  double shown_ms;
  gint64 started_cpu = bench_thread_cpu_usec ();

  started = g_get_monotonic_time ();
  gtk_selection_model_select_item (selection, position, TRUE);
  shown_ms = (wait_shown (bench, open_shown, &open, what) - started) / 1e3;
  if (text_ms != NULL)
    {
      *text_ms = open.text_at != 0 ? (open.text_at - started) / 1e3 : -1;
      *text_cpu_ms = (open.text_cpu - started_cpu) / 1e3;
    }
  return shown_ms;
}

static void
print_stall (const char *what,
             BenchProbe *probe,
             gint64      since)
{
  printf ("%s:   worst main-loop stall %s: %.1f ms of wall-clock time (%+.3f s), %.1f ms of the main thread's CPU time (%+.3f s); target %d ms\n",
          NAME, what, probe->worst / 1e3, (probe->worst_at - since) / 1e6,
          probe->worst_cpu / 1e3, (probe->worst_cpu_at - since) / 1e6, TARGET_STALL_MS);
}

/* The plain and the HTML message again, WebKit's processes running; then the end. */
static int
open_again_and_end (Bench *bench,
                    guint  n)
{
  double plain_ms, html_ms;

  run_for (500);
  plain_ms = open_message (bench, n, FALSE, "the plain message", NULL, NULL);
  run_for (500);
  html_ms = open_message (bench, n - 1, TRUE, "the HTML message", NULL, NULL);
  printf ("%s: again, WebKit warm: plain message %.1f ms, HTML message %.1f ms\n", NAME, plain_ms, html_ms);
  bench_probe_stop (&bench->probe);
  bench_print_load (NAME, "at the end");
  gtk_window_destroy (GTK_WINDOW (bench->window));
  g_object_unref (bench->window);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  const char *n_env = g_getenv ("OUTPOST_BENCH_MAIL_MESSAGES");
  guint n = n_env != NULL ? (guint) atoi (n_env) : 100000;
  const char *profile_env = g_getenv ("OUTPOST_BENCH_MAIL_PROFILE");
  g_autofree char *profile = profile_env != NULL ? g_strdup (profile_env)
    : g_strdup_printf ("%s/outpost-bench-mail-view-%d", g_get_tmp_dir (), (int) getuid ());
  g_autofree char *marker = g_build_filename (profile, "ready", NULL);
  g_autofree char *expected = g_strdup_printf ("%u messages, schema %d\n", n, OP_MAIL_STORE_SCHEMA_VERSION);
  g_autofree char *found = NULL;
  g_autofree char *cache = NULL;
  g_autoptr (GError) error = NULL;
  GdkFrameClock *clock;
  Bench bench = { 0 };
  gint64 started, started_cpu, rows_at, rows_cpu, loaded_at;
  double plain_ms, html_ms, text_ms, text_cpu_ms;
  gboolean webkit_before;
  gboolean at_once = g_strcmp0 (g_getenv ("OUTPOST_BENCH_MAIL_HTML_AT_ONCE"), "1") == 0;
  gint64 page_shown;
  guint n_conversations;

  setvbuf (stdout, NULL, _IOLBF, 0);
  if (n < 3)
    die ("OUTPOST_BENCH_MAIL_MESSAGES must be 3 or more");
  for (guint i = 0; i < 3; i++)
    {
      const char *vars[] = { "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME" };
      const char *dirs[] = { "config", "data", "cache" };
      g_autofree char *dir = g_build_filename (profile, dirs[i], NULL);

      g_setenv (vars[i], dir, TRUE);
    }
  /* The cache starts empty each run; the store is kept. */
  cache = g_build_filename (profile, "cache", NULL);
  {
    g_autofree char *command = g_strdup_printf ("rm -rf '%s'", cache);

    if (system (command) != 0)
      die ("cannot empty the profile's cache folder");
  }
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", OUTPOST_TEST_SCHEMA_DIR, TRUE);
  g_setenv ("ADW_DISABLE_PORTAL", "1", TRUE);
  gtk_init ();
  adw_init ();

  bench_print_load (NAME, "at the start");
  if (!g_file_get_contents (marker, &found, NULL, NULL) || g_strcmp0 (found, expected) != 0)
    {
      g_autofree char *config = g_build_filename (profile, "config", NULL);
      g_autofree char *data = g_build_filename (profile, "data", NULL);
      g_autofree char *command = g_strdup_printf ("rm -rf '%s' '%s'", config, data);

      /* A profile of another size or schema: made again. */
      if (system (command) != 0)
        die ("cannot clear the old profile");
      g_mkdir_with_parents (profile, 0700);
      build_store (n);
      if (!g_file_set_contents (marker, expected, -1, &error))
        die (error->message);
    }
  else
    printf ("%s: store of %u messages reused from %s\n", NAME, n, profile);

  /* The real window on its first view (Files), settled. */
  bench.window = g_object_ref_sink (g_object_new (OP_TYPE_WINDOW, NULL));
  gtk_window_set_default_size (GTK_WINDOW (bench.window), 1280, 800);
  gtk_window_present (GTK_WINDOW (bench.window));
  gtk_widget_realize (GTK_WIDGET (bench.window));
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (bench.window));
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &bench);
  run_for (1000);

  /* 2. The Mail page shown: the page is made, the accounts read, the store opened on its
   * thread, the Inbox's conversation list (first rows, then the whole order). */
  webkit_before = op_mail_html_view_backend_loaded ();
  bench_probe_start (&bench.probe, PROBE_MS);
  bench.watch = g_timeout_add (1, watch_open, &bench);
  if (webkit_before)
    die ("WebKit's module was loaded before the Mail page was shown");
  bench.module_watch = g_timeout_add (1, watch_module, &bench);
  started = page_shown = g_get_monotonic_time ();
  started_cpu = bench_thread_cpu_usec ();
  op_window_show_view (bench.window, "mail");
  view_made (&bench);
  if (bench.view == NULL)
    die ("the Mail page was not made");
  watch_open (&bench);
  rows_at = wait_shown (&bench, has_rows, &bench, "the conversation list's first rows");
  rows_cpu = bench_thread_cpu_usec ();
  g_clear_handle_id (&bench.watch, g_source_remove);
  if (bench.module_at != 0 && bench.module_at < rows_at)
    die ("WebKit's module was open before the Mail page's first rows were painted");
  if (at_once)
    {
      /* The user clicks the HTML message as soon as the list shows. */
      bench_probe_reset (&bench.probe);
      started = g_get_monotonic_time ();
      html_ms = open_message (&bench, n - 1, TRUE, "the HTML message", &text_ms, &text_cpu_ms);
      g_clear_handle_id (&bench.module_watch, g_source_remove);
      printf ("%s: cached HTML message selected as soon as the first rows were painted (%.1f ms after the page was shown) → the end of the first frame after its web view loaded: %.1f ms; target %d ms (the first WebKit load included)\n",
              NAME, (started - page_shown) / 1e3, html_ms, TARGET_HTML_MS);
      if (text_ms >= 0)
        printf ("%s:   its text shown meanwhile (the end of the first frame with it): %.1f ms (main thread CPU %.1f ms)\n",
              NAME, text_ms, text_cpu_ms);
      if (bench.module_at != 0)
        printf ("%s:   WebKit's module open %.1f ms after the message was selected\n", NAME,
                (bench.module_at - started) / 1e3);
      print_stall ("meanwhile", &bench.probe, started);
      return open_again_and_end (&bench, n);
    }
  wait_until (order_loaded, &bench, "the folder's whole order");
  loaded_at = g_get_monotonic_time ();
  n_conversations = g_list_model_get_n_items (G_LIST_MODEL (conversations (&bench)));
  printf ("%s: Inbox of %u messages in %u conversations, window 1280×800 (cairo renderer)\n",
          NAME, n, n_conversations);
  printf ("%s:   first rows shown (Mail page shown → end of the first frame with rows): %.1f ms; target %d ms (%u rows on screen)\n",
          NAME, (rows_at - started) / 1e3, TARGET_ROWS_MS, bench.rows_seen);
  for (guint i = 0; i < G_N_ELEMENTS (open_steps); i++)
    printf ("%s:     %-70s after %6.1f ms (main thread CPU %5.1f ms)\n", NAME, open_steps[i],
            (bench.step_at[i] - started) / 1e3, (bench.step_cpu[i] - started_cpu) / 1e3);
  printf ("%s:     %-70s after %6.1f ms (main thread CPU %5.1f ms)\n", NAME, "the end of the frame that shows them",
          (rows_at - started) / 1e3, (rows_cpu - started_cpu) / 1e3);
  printf ("%s:   whole order of the folder in after %.1f ms\n", NAME, (loaded_at - started) / 1e3);
  print_stall ("while opening", &bench.probe, started);

  /* 3. Scrolling through it. */
  {
    GtkListView *list = op_mail_view_get_list_view (bench.view);
    gint64 scroll_start;
    double page;

    bench.adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list));
    page = gtk_adjustment_get_page_size (bench.adjustment);
    bench_probe_reset (&bench.probe);
    bench.frames_measured = TRUE;
    bench.worst_frame = 0;
    bench.last_paint = 0;
    bench.paints = 0;
    bench.frame_cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
    scroll_start = g_get_monotonic_time ();
    bench.tick = gtk_widget_add_tick_callback (GTK_WIDGET (list), scroll_tick, &bench, NULL);
    wait_until (scrolled, &bench, "the end of the scroll");
    printf ("%s: scrolling: %u smooth steps of a quarter page (%.0f px), %u jumps over the whole list, to the end and back, in %.2f s, %" G_GINT64_FORMAT " frames\n",
            NAME, SMOOTH_FRAMES, page / 4, JUMPS, (g_get_monotonic_time () - scroll_start) / 1e6, bench.paints);
    printf ("%s:   deepest position reached: %.0f of %.0f px\n", NAME, bench.max_value,
            gtk_adjustment_get_upper (bench.adjustment) - page);
    print_stall ("while scrolling", &bench.probe, scroll_start);
    printf ("%s:   longest time between two frames: %.1f ms\n", NAME, bench.worst_frame / 1e3);
    g_array_sort (bench.frame_cpu, compare_gint64);
    if (bench.frame_cpu->len > 0)
      printf ("%s:   the main thread's CPU time per frame: median %.1f ms, 95th percentile %.1f ms, most %.1f ms\n",
              NAME, g_array_index (bench.frame_cpu, gint64, bench.frame_cpu->len / 2) / 1e3,
              g_array_index (bench.frame_cpu, gint64, bench.frame_cpu->len * 95 / 100) / 1e3,
              g_array_index (bench.frame_cpu, gint64, bench.frame_cpu->len - 1) / 1e3);
    g_clear_pointer (&bench.frame_cpu, g_array_unref);
    bench.frames_measured = FALSE;
  }

  /* 4. A cached plain message, then a cached HTML one (WebKit's first load). */
  run_for (500);
  bench_probe_reset (&bench.probe);
  started = g_get_monotonic_time ();
  plain_ms = open_message (&bench, n, FALSE, "the plain message", NULL, NULL);
  printf ("%s: cached plain message shown (selected → end of the first frame with its text): %.1f ms; target %d ms\n",
          NAME, plain_ms, TARGET_PLAIN_MS);
  print_stall ("meanwhile", &bench.probe, started);
  bench_probe_reset (&bench.probe);
  started = g_get_monotonic_time ();
  html_ms = open_message (&bench, n - 1, TRUE, "the HTML message", &text_ms, &text_cpu_ms);
  g_clear_handle_id (&bench.module_watch, g_source_remove);
  printf ("%s: cached HTML message shown (selected → end of the first frame after its web view loaded): %.1f ms; target %d ms; the first HTML message of the process, %.1f s after the Mail page was shown\n",
          NAME, html_ms, TARGET_HTML_MS, (started - page_shown) / 1e6);
  if (text_ms >= 0)
    printf ("%s:   its text shown meanwhile (the end of the first frame with it): %.1f ms (main thread CPU %.1f ms)\n",
              NAME, text_ms, text_cpu_ms);
  if (bench.module_at != 0)
    printf ("%s:   WebKit's module open %.1f ms after the Mail page was shown (%.1f ms after its first rows were painted), started by the page\n",
            NAME, (bench.module_at - page_shown) / 1e3, (bench.module_at - rows_at) / 1e3);
  print_stall ("meanwhile", &bench.probe, started);
  return open_again_and_end (&bench, n);
}
