/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-pop3-dovecot"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "op-imap-client.h"
#include "op-pop3-client.h"
#include "op-test-async.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"

/*
 * OpPop3Client against the POP3 server of tests/servers (Dovecot), over STLS and over
 * POP3S: STAT, LIST and UIDL agree, TOP and RETR return the seed files byte for byte,
 * DELE+QUIT removes a message, and RSET or a session that ends without QUIT keeps it.
 *
 * Server-neutral: messages are delivered through IMAP APPEND to the same account, and
 * every check is one any POP3 server answers (its own listings, RFC 1939's UIDL form,
 * an IMAP SEARCH); nothing reads the server's files. The endpoints come from the
 * environment (tests/servers/README.md), so another server can be named there.
 *
 * Other test programs (IMAP) share the mailbox and run in parallel, so these tests look
 * for the seed messages rather than assume they are alone, and delete only messages
 * they delivered themselves.
 */

#define TIMEOUT_SECONDS 10

typedef struct
{
  const char     *host;
  guint16         port;
  OpSecurity  security;
  const char     *user;
  const char     *password;
  const char     *ca;
  guint16         imaps_port;     /* the same account over IMAP, to deliver and check */
} Endpoint;

typedef struct
{
  const char     *port_variable;
  OpSecurity  security;
} Variant;

static const Variant stls = { "OUTPOST_TEST_DOVECOT_POP3_PORT", OP_SECURITY_STARTTLS };
static const Variant pop3s = { "OUTPOST_TEST_DOVECOT_POP3S_PORT", OP_SECURITY_IMPLICIT_TLS };

static gboolean
get_endpoint (Endpoint      *endpoint,
              const Variant *variant)
{
  const char *port, *imaps_port;
  guint64 value, imaps_value;

  endpoint->host = op_test_endpoint_env ("OUTPOST_TEST_MAIL_HOST");
  port = op_test_endpoint_env (variant->port_variable);
  endpoint->ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  endpoint->user = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_USER");
  endpoint->password = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_PASSWORD");
  imaps_port = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_IMAPS_PORT");
  if (endpoint->host == NULL || port == NULL || endpoint->ca == NULL ||
      endpoint->user == NULL || endpoint->password == NULL || imaps_port == NULL)
    return FALSE;
  if (!g_ascii_string_to_unsigned (port, 10, 1, G_MAXUINT16, &value, NULL) ||
      !g_ascii_string_to_unsigned (imaps_port, 10, 1, G_MAXUINT16, &imaps_value, NULL))
    {
      g_test_fail_printf ("%s or OUTPOST_TEST_DOVECOT_IMAPS_PORT is not a port number: “%s”, "
                          "“%s”", variant->port_variable, port, imaps_port);
      return FALSE;
    }
  endpoint->port = value;
  endpoint->imaps_port = imaps_value;
  endpoint->security = variant->security;
  return TRUE;
}

/* --- running async calls ------------------------------------------------------------ */

/* The result, once every notification queued before it reached the main context. */
static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  op_test_wait_result (slot, 60);
  op_test_spin_pending ();
  return *slot;
}

static OpPop3Client *
connect_client (const Endpoint *endpoint)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpTestVerifier) verifier = op_test_verifier_new_for_ca_file (endpoint->ca, &error);
  g_autoptr(GAsyncResult) result = NULL;
  OpPop3Client *client;

  g_assert_no_error (error);
  client = op_pop3_client_new (endpoint->host, endpoint->port, endpoint->security);
  op_pop3_client_set_verifier (client, OP_TLS_VERIFIER (verifier));
  op_pop3_client_set_timeout (client, TIMEOUT_SECONDS);
  op_pop3_client_connect_async (client, endpoint->user, endpoint->password, NULL,
                                op_test_store_result, &result);
  g_assert_true (op_pop3_client_connect_finish (client, wait_result (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_READY);
  g_assert_true (op_pop3_client_is_tls (client));
  return client;
}

static GArray *
client_list (OpPop3Client *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GArray *entries;

  op_pop3_client_list_async (client, 0, NULL, op_test_store_result, &result);
  entries = op_pop3_client_list_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  return entries;
}

static GPtrArray *
client_uidl (OpPop3Client *client,
             guint         number)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *entries;

  op_pop3_client_uidl_async (client, number, NULL, op_test_store_result, &result);
  entries = op_pop3_client_uidl_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  return entries;
}

static GBytes *
client_fetch (OpPop3Client *client,
              guint         number,
              gint          top_lines)    /* -1: RETR */
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint64 bytes = 0;

  if (top_lines < 0)
    {
      op_pop3_client_retr_async (client, number, out, NULL, NULL, NULL, op_test_store_result,
                                 &result);
      g_assert_true (op_pop3_client_retr_finish (client, wait_result (&result), &bytes,
                                                 &error));
    }
  else
    {
      op_pop3_client_top_async (client, number, top_lines, out, NULL, op_test_store_result,
                                &result);
      g_assert_true (op_pop3_client_top_finish (client, wait_result (&result), &bytes,
                                                &error));
    }
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  g_assert_cmpuint (bytes, ==, g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static void
client_simple (OpPop3Client *client,
               const char   *what,
               guint         number)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;

  if (g_str_equal (what, "DELE"))
    {
      op_pop3_client_dele_async (client, number, NULL, op_test_store_result, &result);
      ok = op_pop3_client_dele_finish (client, wait_result (&result), &error);
    }
  else if (g_str_equal (what, "RSET"))
    {
      op_pop3_client_rset_async (client, NULL, op_test_store_result, &result);
      ok = op_pop3_client_rset_finish (client, wait_result (&result), &error);
    }
  else if (g_str_equal (what, "NOOP"))
    {
      op_pop3_client_noop_async (client, NULL, op_test_store_result, &result);
      ok = op_pop3_client_noop_finish (client, wait_result (&result), &error);
    }
  else if (g_str_equal (what, "QUIT"))
    {
      op_pop3_client_quit_async (client, NULL, op_test_store_result, &result);
      ok = op_pop3_client_quit_finish (client, wait_result (&result), &error);
      g_assert_cmpint (op_pop3_client_get_state (client), ==, OP_POP3_STATE_DISCONNECTED);
    }
  else
    g_assert_not_reached ();
  g_assert_no_error (error);
  g_assert_true (ok);
}

/* The seed files, sorted as the server script loads them. */
static GPtrArray *
load_seeds (void)
{
  g_autofree char *dir_path = op_test_data_path ("mail", "seed", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *seeds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".eml"))
      g_ptr_array_add (names, g_build_filename (dir_path, name, NULL));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *data = NULL;
      gsize size = 0;

      g_assert_true (g_file_get_contents (names->pdata[i], &data, &size, NULL));
      g_ptr_array_add (seeds, g_bytes_new_take (g_steal_pointer (&data), size));
    }
  g_assert_cmpuint (seeds->len, ==, 5);
  return seeds;
}

/* RFC 1939 §7: a unique-id is 1 to 70 characters in the range 0x21 to 0x7E. */
static gboolean
uidl_is_valid (const char *uid)
{
  gsize n = strlen (uid);

  if (n < 1 || n > 70)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if ((guchar) uid[i] < 0x21 || (guchar) uid[i] > 0x7e)
      return FALSE;
  return TRUE;
}

static void
test_seeded_mailbox (gconstpointer data)
{
  const Variant *variant = data;
  g_autoptr(OpPop3Client) client = NULL;
  g_autoptr(GPtrArray) seeds = NULL;
  g_autoptr(GArray) listing = NULL;
  g_autoptr(GPtrArray) uids = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) distinct = g_hash_table_new (g_str_hash, g_str_equal);
  Endpoint endpoint = { 0 };
  guint count = 0, found = 0;
  guint64 size = 0, sum = 0;

  if (!get_endpoint (&endpoint, variant))
    return;

  seeds = load_seeds ();
  client = connect_client (&endpoint);
  /* Dovecot offers SASL PLAIN: the strongest method offered is the one used. */
  g_assert_cmpint (op_pop3_client_get_auth_method (client), ==, OP_POP3_AUTH_SASL_PLAIN);
  g_assert_true (op_pop3_client_has_capability (client, "TOP"));
  g_assert_true (op_pop3_client_has_capability (client, "UIDL"));

  op_pop3_client_stat_async (client, NULL, op_test_store_result, &result);
  g_assert_true (op_pop3_client_stat_finish (client, wait_result (&result), &count, &size,
                                             &error));
  g_assert_no_error (error);
  listing = client_list (client);
  uids = client_uidl (client, 0);

  /* STAT, LIST and UIDL agree with one another… */
  g_assert_cmpuint (listing->len, ==, count);
  g_assert_cmpuint (uids->len, ==, count);
  for (guint i = 0; i < listing->len; i++)
    {
      OpPop3ListEntry *entry = &g_array_index (listing, OpPop3ListEntry, i);
      OpPop3UidEntry *uid = uids->pdata[i];

      sum += entry->size;
      g_assert_cmpuint (entry->number, ==, i + 1);
      g_assert_cmpuint (uid->number, ==, i + 1);
      /* …and each UIDL has RFC 1939's form and names one message only. */
      if (!uidl_is_valid (uid->uid))
        g_error ("UIDL “%s” of message %u is not 1–70 printable characters", uid->uid,
                 uid->number);
      if (!g_hash_table_add (distinct, uid->uid))
        g_error ("UIDL “%s” names two messages", uid->uid);
    }
  g_assert_cmpuint (sum, ==, size);

  /* Every seed message is there: its LIST size is its size, RETR returns it byte for
   * byte, TOP returns its header and the lines asked for, and its one-message UIDL
   * matches the listing. */
  for (guint s = 0; s < seeds->len; s++)
    {
      GBytes *seed = seeds->pdata[s];
      gsize seed_size = g_bytes_get_size (seed);
      const char *seed_data = g_bytes_get_data (seed, NULL);
      gboolean matched = FALSE;

      for (guint i = 0; i < listing->len && !matched; i++)
        {
          OpPop3ListEntry *entry = &g_array_index (listing, OpPop3ListEntry, i);
          g_autoptr(GBytes) message = NULL;

          if (entry->size != seed_size)
            continue;
          message = client_fetch (client, entry->number, -1);
          if (!g_bytes_equal (message, seed))
            continue;
          matched = TRUE;
          found++;

          {
            const char *body = g_strstr_len (seed_data, seed_size, "\r\n\r\n");
            const char *after_two;
            g_autoptr(GBytes) top0 = client_fetch (client, entry->number, 0);
            g_autoptr(GBytes) top2 = client_fetch (client, entry->number, 2);
            g_autoptr(GPtrArray) one = client_uidl (client, entry->number);

            g_assert_nonnull (body);
            body += 4;
            g_assert_cmpmem (g_bytes_get_data (top0, NULL), g_bytes_get_size (top0),
                             seed_data, body - seed_data);
            after_two = strstr (strstr (body, "\r\n") + 2, "\r\n") + 2;
            g_assert_cmpmem (g_bytes_get_data (top2, NULL), g_bytes_get_size (top2),
                             seed_data, after_two - seed_data);
            g_assert_cmpuint (one->len, ==, 1);
            g_assert_cmpstr (((OpPop3UidEntry *) one->pdata[0])->uid, ==,
                             ((OpPop3UidEntry *) uids->pdata[i])->uid);
          }
        }
      if (!matched)
        g_error ("seed message %u (%" G_GSIZE_FORMAT " bytes) was not retrieved byte for byte",
                 s + 1, seed_size);
    }
  g_assert_cmpuint (found, ==, seeds->len);

  client_simple (client, "NOOP", 0);
  client_simple (client, "QUIT", 0);

  /* The password never reached the log. */
  {
    g_autoptr(GPtrArray) entries = op_protocol_log_dup_entries (op_pop3_client_get_log (client));

    for (guint i = 0; i < entries->len; i++)
      g_assert_null (strstr (op_log_entry_get_text (entries->pdata[i]), endpoint.password));
  }
}

/* --- the same account over IMAP: delivery and an outside look ------------------------ */

static OpImapClient *
imap_open (const Endpoint *endpoint)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpTestVerifier) verifier = op_test_verifier_new_for_ca_file (endpoint->ca, &error);
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(OpImapSelectInfo) info = NULL;
  OpImapClient *client;

  g_assert_no_error (error);
  client = op_imap_client_new (endpoint->host, endpoint->imaps_port, OP_SECURITY_IMPLICIT_TLS);
  op_imap_client_set_verifier (client, OP_TLS_VERIFIER (verifier));
  op_imap_client_set_timeout (client, TIMEOUT_SECONDS);
  op_imap_client_connect_async (client, NULL, op_test_store_result, &r1);
  g_assert_true (op_imap_client_connect_finish (client, wait_result (&r1), &error));
  g_assert_no_error (error);
  op_imap_client_login_async (client, endpoint->user, endpoint->password, OP_IMAP_AUTH_AUTO,
                              NULL, op_test_store_result, &r2);
  g_assert_true (op_imap_client_login_finish (client, wait_result (&r2), &error));
  g_assert_no_error (error);
  op_imap_client_select_async (client, "INBOX", FALSE, NULL, op_test_store_result, &r3);
  info = op_imap_client_select_finish (client, wait_result (&r3), &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  return client;
}

static void
imap_close (OpImapClient *client)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;

  op_imap_client_logout_async (client, NULL, op_test_store_result, &r);
  g_assert_true (op_imap_client_logout_finish (client, wait_result (&r), &error));
  g_assert_no_error (error);
  g_object_unref (client);
}

/* Delivers a message to the account's INBOX through IMAP APPEND, as any server takes
 * one. Returns its Message-ID (without the angle brackets). */
static char *
deliver (const Endpoint *endpoint,
         const char     *test_name)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT ".%d.%s@example.test",
                                         g_get_real_time (), (int) getpid (), test_name);
  g_autofree char *text = g_strdup_printf ("From: Outpost tests <tests@example.test>\r\n"
                                           "To: outpost@example.test\r\n"
                                           "Subject: %s\r\n"
                                           "Message-ID: <%s>\r\n"
                                           "\r\n"
                                           ".a line that needs stuffing\r\n", test_name, id);
  g_autoptr(GBytes) message = g_bytes_new_take (g_steal_pointer (&text), strlen (text));
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  OpImapClient *client = imap_open (endpoint);

  op_imap_client_append_async (client, "INBOX", message, NULL, NULL, NULL,
                               op_test_store_result, &r);
  g_assert_true (op_imap_client_append_finish (client, wait_result (&r), NULL, &error));
  g_assert_no_error (error);
  imap_close (client);
  return g_steal_pointer (&id);
}

/* How many messages of INBOX carry @message_id, as a new IMAP session sees it. */
static guint
imap_count (const Endpoint *endpoint,
            const char     *message_id)
{
  const char *criteria[] = { "HEADER", "Message-ID", message_id, NULL };
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) found = NULL;
  OpImapClient *client = imap_open (endpoint);

  op_imap_client_search_async (client, criteria, NULL, op_test_store_result, &r);
  found = op_imap_client_search_finish (client, wait_result (&r), &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  imap_close (client);
  return found->len;
}

/* The number of the message whose header carries @message_id (TOP n 0), or 0. */
static guint
number_of (OpPop3Client *client,
           const char   *message_id)
{
  g_autoptr(GArray) listing = client_list (client);
  g_autofree char *line = g_strdup_printf ("\r\nMessage-ID: <%s>\r\n", message_id);

  for (guint i = 0; i < listing->len; i++)
    {
      guint number = g_array_index (listing, OpPop3ListEntry, i).number;
      g_autoptr(GBytes) header = client_fetch (client, number, 0);

      if (g_strstr_len (g_bytes_get_data (header, NULL), g_bytes_get_size (header), line))
        return number;
    }
  return 0;
}

static void
test_dele_quit_and_rset (gconstpointer data)
{
  const Variant *variant = data;
  g_autofree char *kept = NULL;
  g_autofree char *deleted = NULL;
  Endpoint endpoint = { 0 };
  guint n;

  if (!get_endpoint (&endpoint, variant))
    return;

  kept = deliver (&endpoint, variant == &stls ? "rset-stls" : "rset-pop3s");
  deleted = deliver (&endpoint, variant == &stls ? "dele-stls" : "dele-pop3s");

  /* DELE, then RSET: nothing is deleted at QUIT. */
  {
    g_autoptr(OpPop3Client) client = connect_client (&endpoint);

    n = number_of (client, kept);
    g_assert_cmpuint (n, >, 0);
    client_simple (client, "DELE", n);
    client_simple (client, "RSET", 0);
    client_simple (client, "QUIT", 0);
  }
  g_assert_cmpuint (imap_count (&endpoint, kept), ==, 1);

  /* DELE, then the session ends without QUIT: RFC 1939 §6, nothing is deleted. */
  {
    g_autoptr(OpPop3Client) client = connect_client (&endpoint);

    n = number_of (client, kept);
    g_assert_cmpuint (n, >, 0);
    client_simple (client, "DELE", n);
  }
  {
    g_autoptr(OpPop3Client) client = connect_client (&endpoint);

    g_assert_cmpuint (number_of (client, kept), >, 0);
    client_simple (client, "QUIT", 0);
  }
  g_assert_cmpuint (imap_count (&endpoint, kept), ==, 1);

  /* DELE, then QUIT: the message is gone, from POP3 and from the mailbox. */
  {
    g_autoptr(OpPop3Client) client = connect_client (&endpoint);
    g_autoptr(GBytes) message = NULL;

    n = number_of (client, deleted);
    g_assert_cmpuint (n, >, 0);
    message = client_fetch (client, n, -1);
    /* The delivered text, unstuffed on the way back. */
    g_assert_nonnull (g_strstr_len (g_bytes_get_data (message, NULL), g_bytes_get_size (message),
                                    "\r\n\r\n.a line that needs stuffing\r\n"));
    client_simple (client, "DELE", n);
    client_simple (client, "QUIT", 0);
  }
  g_assert_cmpuint (imap_count (&endpoint, deleted), ==, 0);
  {
    g_autoptr(OpPop3Client) client = connect_client (&endpoint);

    g_assert_cmpuint (number_of (client, deleted), ==, 0);
    /* Clean up the kept one, through POP3 too. */
    n = number_of (client, kept);
    g_assert_cmpuint (n, >, 0);
    client_simple (client, "DELE", n);
    client_simple (client, "QUIT", 0);
  }
  g_assert_cmpuint (imap_count (&endpoint, kept), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_data_func ("/pop3/dovecot/stls/stat-list-uidl-top-retr-match-the-seeds", &stls,
                        test_seeded_mailbox);
  g_test_add_data_func ("/pop3/dovecot/pop3s/stat-list-uidl-top-retr-match-the-seeds", &pop3s,
                        test_seeded_mailbox);
  g_test_add_data_func ("/pop3/dovecot/stls/dele-quit-removes-rset-or-drop-keeps", &stls,
                        test_dele_quit_and_rset);
  g_test_add_data_func ("/pop3/dovecot/pop3s/dele-quit-removes-rset-or-drop-keeps", &pop3s,
                        test_dele_quit_and_rset);

  return op_test_run ();
}
