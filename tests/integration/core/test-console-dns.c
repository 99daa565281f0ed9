/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include "op-console-lookup.h"
#include "op-test-async.h"

/*
 * The Console's lookups against a real DNS server: tests/console/with-dns-server runs this
 * program in a namespace of its own where the system resolver asks dnsmasq, authoritative
 * for example.test. Every answer crosses the wire: dnsmasq's packet, glibc's resolver,
 * GResolver's record parsing and ours.
 */

#define WAIT_SECONDS 20

/* The answers of one lookup as "KIND text; KIND text", or NULL with @error set. */
static char *
lookup_texts (OpConsoleLookupKind   kind,
              const char           *query,
              GError              **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GListModel) answers = NULL;
  GString *out;

  op_console_lookup_async (kind, query, NULL, op_test_store_result, &result);
  answers = op_console_lookup_finish (op_test_wait_result (&result, WAIT_SECONDS), error);
  if (answers == NULL)
    return NULL;

  out = g_string_new (NULL);
  for (guint i = 0; i < g_list_model_get_n_items (answers); i++)
    {
      g_autoptr (OpConsoleAnswer) answer = g_list_model_get_item (answers, i);

      g_string_append_printf (out, "%s%s %s", i > 0 ? "; " : "",
                              op_console_answer_get_kind (answer),
                              op_console_answer_get_text (answer));
    }

  return g_string_free (out, FALSE);
}

static void
test_records (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *mx = NULL;
  g_autofree char *srv = NULL;
  g_autofree char *txt = NULL;
  g_autofree char *ns = NULL;

  /* The server lists mx2 first: the answers come sorted by preference. */
  mx = lookup_texts (OP_CONSOLE_LOOKUP_MX, "example.test", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mx, ==, "MX 10 mx1.example.test; MX 20 mx2.example.test");

  srv = lookup_texts (OP_CONSOLE_LOOKUP_SRV, "_imaps._tcp.example.test", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (srv, ==, "SRV 0 5 993 imap.example.test");

  /* Spaces around a typed name are not part of it. */
  txt = lookup_texts (OP_CONSOLE_LOOKUP_TXT, " example.test ", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (txt, ==, "TXT v=spf1 -all");

  ns = lookup_texts (OP_CONSOLE_LOOKUP_NS, "example.test", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ns, ==, "NS ns1.example.test");
}

static void
test_records_missing (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *none = NULL;
  g_autofree char *no_mx = NULL;

  /* A name the zone does not have, and a name that has addresses but no MX record. */
  none = lookup_texts (OP_CONSOLE_LOOKUP_MX, "nothing.example.test", &error);
  g_assert_null (none);
  g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  no_mx = lookup_texts (OP_CONSOLE_LOOKUP_MX, "imap.example.test", &error);
  g_assert_null (no_mx);
  g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
}

static void
test_addresses (void)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GListModel) answers = NULL;
  gboolean v4 = FALSE, v6 = FALSE;

  op_console_lookup_async (OP_CONSOLE_LOOKUP_ADDRESSES, "imap.example.test", NULL,
                           op_test_store_result, &result);
  answers = op_console_lookup_finish (op_test_wait_result (&result, WAIT_SECONDS), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (answers), ==, 2);
  for (guint i = 0; i < g_list_model_get_n_items (answers); i++)
    {
      g_autoptr (OpConsoleAnswer) answer = g_list_model_get_item (answers, i);
      const char *text = op_console_answer_get_text (answer);

      /* Each address can open a session: the answer carries it. */
      g_assert_cmpstr (op_console_answer_get_address (answer), ==, text);
      if (g_str_equal (text, "192.0.2.10"))
        {
          v4 = TRUE;
          g_assert_cmpstr (op_console_answer_get_kind (answer), ==, "A");
        }
      else if (g_str_equal (text, "2001:db8::10"))
        {
          v6 = TRUE;
          g_assert_cmpstr (op_console_answer_get_kind (answer), ==, "AAAA");
        }
      else
        g_error ("Unexpected address %s", text);
    }
  g_assert_true (v4);
  g_assert_true (v6);
}

static void
test_reverse (void)
{
  const char *addresses[] = { "192.0.2.10", "2001:db8::10" };
  g_autoptr (GError) error = NULL;
  g_autofree char *unknown = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autofree char *names = lookup_texts (OP_CONSOLE_LOOKUP_REVERSE, addresses[i], &error);

      g_assert_no_error (error);
      g_assert_cmpstr (names, ==, "PTR imap.example.test");
    }

  /* An address in the zone with no name. */
  unknown = lookup_texts (OP_CONSOLE_LOOKUP_REVERSE, "192.0.2.99", &error);
  g_assert_null (unknown);
  g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  /* Outside the wrapper this would ask the machine's own resolver: a mistake, not a skip. */
  if (g_strcmp0 (g_getenv ("OUTPOST_TEST_DNS_SERVER"), "dnsmasq") != 0)
    g_error ("Run this test through tests/console/with-dns-server (meson test does)");

  g_test_add_func ("/console/dns/records", test_records);
  g_test_add_func ("/console/dns/records-missing", test_records_missing);
  g_test_add_func ("/console/dns/addresses", test_addresses);
  g_test_add_func ("/console/dns/reverse", test_reverse);

  return g_test_run ();
}
