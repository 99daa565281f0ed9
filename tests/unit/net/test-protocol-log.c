/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-protocol-log"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-protocol-log.h"

typedef struct
{
  const char  *line;
  OpSendFlags  flags;
  const char  *expected;
} RedactCase;

static const RedactCase redact_cases[] = {
  /* What the caller asked for. */
  { "PASS s3cret", OP_SEND_SECRET_ARGUMENT, "PASS ****" },
  { "XSECRET a b c", OP_SEND_SECRET_ARGUMENT, "XSECRET ****" },
  { "XSECRET", OP_SEND_SECRET_ARGUMENT, "XSECRET ****" },
  { "AGJvYgBzM2NyZXQ=", OP_SEND_SECRET_LINE, "****" },
  { "USER bob", OP_SEND_SECRET_LINE, "****" },

  /* Plain lines stay as they are. */
  { "USER anonymous", OP_SEND_PLAIN, "USER anonymous" },
  { "RETR PASS.txt", OP_SEND_PLAIN, "RETR PASS.txt" },
  { "AUTH TLS", OP_SEND_PLAIN, "AUTH TLS" },
  { "AUTH PLAIN", OP_SEND_PLAIN, "AUTH PLAIN" },
  { "AUTHINFO USER bob", OP_SEND_PLAIN, "AUTHINFO USER bob" },
  { "a1 SELECT INBOX", OP_SEND_PLAIN, "a1 SELECT INBOX" },
  { "a1 AUTHENTICATE PLAIN", OP_SEND_PLAIN, "a1 AUTHENTICATE PLAIN" },
  { "PASS", OP_SEND_PLAIN, "PASS" },
  { "", OP_SEND_PLAIN, "" },

  /* Defence in depth: secrets are masked even when the caller forgot the flag. */
  { "PASS s3cret", OP_SEND_PLAIN, "PASS ****" },
  { "pass s3cret", OP_SEND_PLAIN, "pass ****" },
  { "PASS two words", OP_SEND_PLAIN, "PASS ****" },
  { "ACCT billing", OP_SEND_PLAIN, "ACCT ****" },
  { "APOP bob c4c9334bac560ecc979e58001b3e22fb", OP_SEND_PLAIN, "APOP bob ****" },
  { "AUTH PLAIN AGJvYgBzM2NyZXQ=", OP_SEND_PLAIN, "AUTH PLAIN ****" },
  { "auth login Ym9i", OP_SEND_PLAIN, "auth login ****" },
  { "AUTHINFO PASS hunter2", OP_SEND_PLAIN, "AUTHINFO PASS ****" },
  { "AUTHINFO SASL PLAIN AGJvYgBzM2NyZXQ=", OP_SEND_PLAIN, "AUTHINFO SASL PLAIN ****" },
  { "AUTHINFO SASL PLAIN", OP_SEND_PLAIN, "AUTHINFO SASL PLAIN" },
  { "AUTHINFO GENERIC kerberos x", OP_SEND_PLAIN, "AUTHINFO GENERIC ****" },
  { "a1 LOGIN bob s3cret", OP_SEND_PLAIN, "a1 LOGIN ****" },
  { "a1 login \"bob smith\" \"s3 cret\"", OP_SEND_PLAIN, "a1 login ****" },
  { "a1 AUTHENTICATE PLAIN AGJvYgBzM2NyZXQ=", OP_SEND_PLAIN, "a1 AUTHENTICATE PLAIN ****" },

  /* The flag and the known verb agree: the known rule keeps more context. */
  { "AUTHINFO PASS hunter2", OP_SEND_SECRET_ARGUMENT, "AUTHINFO PASS ****" },
  { "a1 LOGIN bob s3cret", OP_SEND_SECRET_ARGUMENT, "a1 LOGIN ****" },
};

static void
test_redact (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (redact_cases); i++)
    {
      g_autofree char *redacted = op_protocol_log_redact_line (redact_cases[i].line,
                                                               redact_cases[i].flags);

      g_test_message ("“%s” (flags %d)", redact_cases[i].line, redact_cases[i].flags);
      g_assert_cmpstr (redacted, ==, redact_cases[i].expected);
    }
}

static void
test_append_sent_redacts (void)
{
  g_autoptr(OpProtocolLog) log = op_protocol_log_new ();
  g_autoptr(GPtrArray) entries = NULL;

  op_protocol_log_append_sent (log, "PASS s3cret", OP_SEND_PLAIN);
  op_protocol_log_append_sent (log, "USER bob", OP_SEND_PLAIN);

  entries = op_protocol_log_dup_entries (log);
  g_assert_cmpuint (entries->len, ==, 2);
  g_assert_cmpstr (op_log_entry_get_text (entries->pdata[0]), ==, "PASS ****");
  g_assert_cmpstr (op_log_entry_get_text (entries->pdata[1]), ==, "USER bob");
  g_assert_cmpint (op_log_entry_get_direction (entries->pdata[0]), ==, OP_LOG_SENT);
}

static void
test_sanitize (void)
{
  g_autofree char *controls = op_protocol_log_sanitize_text ("a\033[2Jb\tc\x7f", -1);
  g_autofree char *nul = op_protocol_log_sanitize_text ("x\0y", 3);
  g_autofree char *invalid = op_protocol_log_sanitize_text ("caf\xe9 ok", -1);
  g_autofree char *utf8 = op_protocol_log_sanitize_text ("café 文件", -1);

  g_assert_cmpstr (controls, ==, "a␛[2Jb c␡");
  g_assert_cmpstr (nul, ==, "x␀y");
  g_assert_cmpstr (invalid, ==, "caf\xef\xbf\xbd ok");
  g_assert_cmpstr (utf8, ==, "café 文件");
}

static void
test_received_long_line_is_cut (void)
{
  g_autoptr(OpProtocolLog) log = op_protocol_log_new ();
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *line = g_strnfill (100000, 'x');
  const char *text;

  op_protocol_log_append_received (log, line, 100000);

  entries = op_protocol_log_dup_entries (log);
  text = op_log_entry_get_text (entries->pdata[0]);
  g_assert_true (g_str_has_prefix (text, line + 100000 - OP_PROTOCOL_LOG_MAX_TEXT));
  /* g_format_size() puts a no-break space before the unit, and a thousands separator
   * when the locale has one. */
  g_assert_true (g_str_has_prefix (text + OP_PROTOCOL_LOG_MAX_TEXT, "… (100.0"));
  g_assert_true (g_str_has_suffix (text, "kB (100,000 bytes) in all)") ||
                 g_str_has_suffix (text, "kB (100000 bytes) in all)"));
  g_assert_cmpuint (strlen (text), <, OP_PROTOCOL_LOG_MAX_TEXT + 64);
}

static void
test_bounded (void)
{
  g_autoptr(OpProtocolLog) log = op_protocol_log_new_with_capacity (5);
  g_autoptr(GPtrArray) entries = NULL;

  for (guint i = 0; i < 12; i++)
    op_protocol_log_append_printf (log, OP_LOG_INFO, "entry %u", i);

  entries = op_protocol_log_dup_entries (log);
  g_assert_cmpuint (entries->len, ==, 5);
  g_assert_cmpstr (op_log_entry_get_text (entries->pdata[0]), ==, "entry 7");
  g_assert_cmpstr (op_log_entry_get_text (entries->pdata[4]), ==, "entry 11");

  /* The list model holds the same bounded window. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(OpLogEntry) entry = g_list_model_get_item (G_LIST_MODEL (log), i);
      g_autofree char *expected = g_strdup_printf ("entry %u", 7 + i);

      g_assert_cmpstr (op_log_entry_get_text (entry), ==, expected);
    }
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (log), 5));
}

typedef struct
{
  GThread   *owner;
  GPtrArray *texts;
  guint      n_wrong_thread;
  guint      n_items_added;
  guint      n_items_removed;
} Observer;

static void
on_entry_added (OpProtocolLog *log,
                OpLogEntry    *entry,
                gpointer       user_data)
{
  Observer *observer = user_data;

  if (g_thread_self () != observer->owner)
    observer->n_wrong_thread++;
  g_ptr_array_add (observer->texts, g_strdup (op_log_entry_get_text (entry)));
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  Observer *observer = user_data;

  observer->n_items_added += added;
  observer->n_items_removed += removed;
}

static gpointer
append_from_thread (gpointer data)
{
  OpProtocolLog *log = data;

  for (guint i = 0; i < 1000; i++)
    op_protocol_log_append_printf (log, OP_LOG_RECEIVED, "line %u", i);

  return NULL;
}

static void
test_delivered_on_owner_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(OpProtocolLog) log = NULL;
  Observer observer = { g_thread_self (), g_ptr_array_new_with_free_func (g_free), 0, 0, 0 };
  GThread *thread;

  /* The log belongs to the context that was thread-default when it was created. */
  g_main_context_push_thread_default (context);
  log = op_protocol_log_new_with_capacity (600);
  g_signal_connect (log, "entry-added", G_CALLBACK (on_entry_added), &observer);
  g_signal_connect (log, "items-changed", G_CALLBACK (on_items_changed), &observer);

  thread = g_thread_new ("appender", append_from_thread, log);
  g_thread_join (thread);

  /* Nothing is delivered until the owner's context runs. */
  g_assert_cmpuint (observer.texts->len, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 0);

  while (g_main_context_iteration (context, FALSE))
    ;

  /* Bounded: only the last 600 of 1000 were kept for delivery, in order. */
  g_assert_cmpuint (observer.n_wrong_thread, ==, 0);
  g_assert_cmpuint (observer.texts->len, ==, 600);
  g_assert_cmpstr (observer.texts->pdata[0], ==, "line 400");
  g_assert_cmpstr (observer.texts->pdata[599], ==, "line 999");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 600);
  g_assert_cmpuint (observer.n_items_added - observer.n_items_removed, ==, 600);

  g_main_context_pop_thread_default (context);
  g_ptr_array_unref (observer.texts);
}

static void
test_clear (void)
{
  g_autoptr(OpProtocolLog) log = op_protocol_log_new ();
  g_autoptr(GPtrArray) entries = NULL;

  op_protocol_log_append (log, OP_LOG_INFO, "one");
  op_protocol_log_append (log, OP_LOG_TLS, "two");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 2);

  op_protocol_log_clear (log);
  entries = op_protocol_log_dup_entries (log);
  g_assert_cmpuint (entries->len, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 0);

  op_protocol_log_append (log, OP_LOG_INFO, "three");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 1);
}

static void
test_entry_time (void)
{
  gint64 now = g_get_real_time ();
  g_autoptr(OpLogEntry) entry = op_log_entry_new (OP_LOG_INFO, now, "x");
  g_autoptr(GDateTime) when = op_log_entry_dup_date_time (entry);

  g_assert_cmpint (g_date_time_to_unix (when), ==, now / G_USEC_PER_SEC);
  g_assert_cmpint (g_date_time_get_microsecond (when), ==, now % G_USEC_PER_SEC);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/protocol-log/redact/secrets-in-every-protocol", test_redact);
  g_test_add_func ("/protocol-log/redact/append-sent-redacts", test_append_sent_redacts);
  g_test_add_func ("/protocol-log/text/control-characters-are-visible", test_sanitize);
  g_test_add_func ("/protocol-log/text/long-received-line-is-cut", test_received_long_line_is_cut);
  g_test_add_func ("/protocol-log/bounded/keeps-the-last-entries", test_bounded);
  g_test_add_func ("/protocol-log/threads/delivered-on-owner-context",
                   test_delivered_on_owner_context);
  g_test_add_func ("/protocol-log/clear", test_clear);
  g_test_add_func ("/protocol-log/entry/time", test_entry_time);

  return g_test_run ();
}
