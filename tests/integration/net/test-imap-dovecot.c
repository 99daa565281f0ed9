/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-imap-dovecot"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "op-imap-client.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"
#include "op-test-async.h"

/*
 * OpImapClient against a real IMAP server, Dovecot as tests/servers/dovecot.sh starts it
 * (endpoints from the environment; without them the tests skip; the checks are ones any
 * server answers, see tests/servers/README.md): STARTTLS and implicit TLS, the
 * special-use folders, SELECT values, FETCH of the seeded messages (envelope,
 * bodystructure, BODY[] byte-equal to tests/data/mail/seed/), flags, copy, move, append,
 * expunge, folder operations with non-ASCII names, and IDLE noticing a message appended
 * by a second connection. Tests that change mail work in folders of their own, so the
 * seeded INBOX stays as it is.
 */

#define TIMEOUT 20
#define WAIT_RESULT(slot) op_test_wait_result ((slot), TIMEOUT)

static const char *seeds[] = { "01-plain.eml", "02-html.eml", "03-alternative.eml",
                               "04-attachment.eml", "05-encoded-subject.eml" };

/* The client's protocol log, for a failure's message. */
static void
print_log (OpImapClient *client)
{
  GListModel *log = G_LIST_MODEL (op_imap_client_get_log (client));

  for (guint i = 0; i < g_list_model_get_n_items (log); i++)
    {
      g_autoptr(OpLogEntry) entry = g_list_model_get_item (log, i);

      g_test_message ("%s %s", op_log_entry_get_direction (entry) == OP_LOG_SENT ? ">" : "<",
                      op_log_entry_get_text (entry));
    }
}

/* A fresh logged-in session, or NULL when the servers are not running. */
static OpImapClient *
open_session (gboolean implicit_tls)
{
  const char *host = op_test_endpoint_env ("OUTPOST_TEST_MAIL_HOST");
  const char *port = op_test_endpoint_env (implicit_tls ? "OUTPOST_TEST_DOVECOT_IMAPS_PORT"
                                                        : "OUTPOST_TEST_DOVECOT_IMAP_PORT");
  const char *user = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_USER");
  const char *password = op_test_endpoint_env ("OUTPOST_TEST_DOVECOT_PASSWORD");
  const char *ca = op_test_endpoint_env ("OUTPOST_TEST_CA");
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  OpImapClient *client;

  if (host == NULL || port == NULL || user == NULL || password == NULL || ca == NULL)
    return NULL;
  verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  client = op_imap_client_new (host, (guint16) atoi (port),
                               implicit_tls ? OP_SECURITY_IMPLICIT_TLS
                                            : OP_SECURITY_STARTTLS);
  op_imap_client_set_verifier (client, OP_TLS_VERIFIER (verifier));
  op_imap_client_set_timeout (client, TIMEOUT);
  op_imap_client_connect_async (client, NULL, op_test_store_result, &r1);
  g_assert_true (op_imap_client_connect_finish (client, WAIT_RESULT (&r1), &error));
  g_assert_no_error (error);
  g_assert_true (op_imap_client_is_tls (client));
  op_imap_client_login_async (client, user, password, OP_IMAP_AUTH_AUTO, NULL, op_test_store_result, &r2);
  g_assert_true (op_imap_client_login_finish (client, WAIT_RESULT (&r2), &error));
  g_assert_no_error (error);
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_AUTHENTICATED);
  return client;
}

static OpImapSelectInfo *
select_box (OpImapClient *client,
            const char   *name)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  OpImapSelectInfo *info;

  op_imap_client_select_async (client, name, FALSE, NULL, op_test_store_result, &r);
  info = op_imap_client_select_finish (client, WAIT_RESULT (&r), &error);
  g_assert_no_error (error);
  return info;
}

static void
simple_ok (OpImapClient *client,
           GAsyncResult **r)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_imap_client_simple_finish (client, WAIT_RESULT (r), &error));
  g_assert_no_error (error);
  g_clear_object (r);
}

static void
create_box (OpImapClient *client,
            const char   *name)
{
  g_autoptr(GAsyncResult) r = NULL;

  op_imap_client_create_async (client, name, NULL, op_test_store_result, &r);
  simple_ok (client, &r);
}

static void
delete_box (OpImapClient *client,
            const char   *name)
{
  g_autoptr(GAsyncResult) r = NULL;

  op_imap_client_delete_async (client, name, NULL, op_test_store_result, &r);
  simple_ok (client, &r);
}

static GPtrArray *
fetch (OpImapClient        *client,
       const char          *set,
       OpImapFetchItems     items,
       const char * const  *sections)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *out;

  op_imap_client_fetch_async (client, set, items, sections, NULL, op_test_store_result, &r);
  out = op_imap_client_fetch_finish (client, WAIT_RESULT (&r), &error);
  g_assert_no_error (error);
  return out;
}

static GArray *
search (OpImapClient        *client,
        const char * const  *criteria)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  GArray *out;

  op_imap_client_search_async (client, criteria, NULL, op_test_store_result, &r);
  out = op_imap_client_search_finish (client, WAIT_RESULT (&r), &error);
  g_assert_no_error (error);
  return out;
}

static GBytes *
seed_bytes (guint i)
{
  g_autofree char *path = op_test_data_path ("mail", "seed", seeds[i], NULL);
  g_autoptr(GError) error = NULL;
  char *data;
  gsize size;

  g_file_get_contents (path, &data, &size, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, size);
}

/* The UID of seed @i in the selected folder, by its Message-ID. */
static guint32
seed_uid (OpImapClient *client,
          guint         i)
{
  g_autoptr(GBytes) bytes = seed_bytes (i);
  const char *data = g_bytes_get_data (bytes, NULL);
  const char *id = strstr (data, "Message-ID: ") + strlen ("Message-ID: ");
  g_autofree char *message_id = g_strndup (id, strcspn (id, "\r\n"));
  const char *criteria[] = { "HEADER", "Message-ID", message_id, NULL };
  g_autoptr(GArray) uids = search (client, criteria);

  g_assert_cmpuint (uids->len, ==, 1);
  return g_array_index (uids, guint32, 0);
}

static char *
unique_name (const char *prefix)
{
  return g_strdup_printf ("%s-%08x", prefix, g_random_int ());
}

static void
logout (OpImapClient *client)
{
  g_autoptr(GAsyncResult) r = NULL;

  op_imap_client_logout_async (client, NULL, op_test_store_result, &r);
  g_assert_true (op_imap_client_logout_finish (client, WAIT_RESULT (&r), NULL));
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_DISCONNECTED);
}

/* --- tests ----------------------------------------------------------------------------- */

static void
test_list_special_use (gconstpointer data)
{
  g_autoptr(OpImapClient) client = open_session (GPOINTER_TO_INT (data));
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) boxes = NULL;
  OpImapMailboxFlags seen = 0;
  gboolean inbox = FALSE;

  if (client == NULL)
    return;
  g_assert_true (op_imap_client_has_capability (client, "SPECIAL-USE"));
  op_imap_client_list_async (client, NULL, FALSE, NULL, op_test_store_result, &r);
  boxes = op_imap_client_list_finish (client, WAIT_RESULT (&r), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < boxes->len; i++)
    {
      OpImapMailbox *m = boxes->pdata[i];
      const char *name = m->entry->name;

      if (g_strcmp0 (name, "INBOX") == 0)
        {
          inbox = TRUE;
          /* LIST-STATUS: the counts came with the list. */
          if (op_imap_client_has_capability (client, "LIST-STATUS"))
            {
              g_assert_nonnull (m->status);
              g_assert_cmpuint (m->status->messages, >=, 5);
            }
        }
#define CHECK(folder, flag) \
      if (g_strcmp0 (name, folder) == 0) { g_assert_true (m->entry->flags & flag); seen |= flag; }
      CHECK ("Sent", OP_IMAP_MAILBOX_SENT)
      CHECK ("Drafts", OP_IMAP_MAILBOX_DRAFTS)
      CHECK ("Trash", OP_IMAP_MAILBOX_TRASH)
      CHECK ("Archive", OP_IMAP_MAILBOX_ARCHIVE)
#undef CHECK
    }
  g_assert_true (inbox);
  g_assert_cmpint (seen, ==, OP_IMAP_MAILBOX_SENT | OP_IMAP_MAILBOX_DRAFTS |
                              OP_IMAP_MAILBOX_TRASH | OP_IMAP_MAILBOX_ARCHIVE);
  logout (client);
}

static void
test_session (void)
{
  g_autoptr(OpImapClient) client = open_session (TRUE);
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GAsyncResult) r4 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) params = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) id = NULL;
  g_auto(GStrv) enabled = NULL;
  g_autoptr(GPtrArray) ns = NULL;
  g_autoptr(OpImapSelectInfo) info = NULL;
  g_autoptr(OpImapMailboxStatus) status = NULL;
  const char *caps[] = { "CONDSTORE", NULL };

  if (client == NULL)
    return;
  g_hash_table_insert (params, (char *) "name", (char *) "Outpost");
  op_imap_client_id_async (client, params, NULL, op_test_store_result, &r1);
  id = op_imap_client_id_finish (client, WAIT_RESULT (&r1), &error);
  g_assert_no_error (error);
  /* Any server's answer (RFC 2971 asks every server to give its name), not Dovecot's
   * own: the suite may be pointed at another IMAP server. */
  g_assert_nonnull (id);
  {
    const char *name = g_hash_table_lookup (id, "name");

    if (name == NULL || name[0] == '\0')
      g_error ("the server's ID answer names no server (%u fields)", g_hash_table_size (id));
  }

  op_imap_client_enable_async (client, caps, NULL, op_test_store_result, &r2);
  enabled = op_imap_client_enable_finish (client, WAIT_RESULT (&r2), &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) enabled, "CONDSTORE"));

  op_imap_client_namespace_async (client, NULL, op_test_store_result, &r3);
  ns = op_imap_client_namespace_finish (client, WAIT_RESULT (&r3), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ns->len, ==, 1);

  op_imap_client_status_async (client, "INBOX", NULL, op_test_store_result, &r4);
  status = op_imap_client_status_finish (client, WAIT_RESULT (&r4), &error);
  g_assert_no_error (error);

  info = select_box (client, "INBOX");
  g_assert_cmpuint (info->exists, >=, G_N_ELEMENTS (seeds));
  g_assert_cmpuint (info->exists, ==, status->messages);
  g_assert_cmpuint (info->uidvalidity, ==, status->uidvalidity);
  g_assert_cmpuint (info->uidnext, ==, status->uidnext);
  g_assert_cmpuint (info->uidvalidity, >, 0);
  g_assert_cmpuint (info->highestmodseq, >, 0);
  g_assert_true (g_strv_contains ((const char * const *) info->flags, "\\Seen"));
  g_assert_true (g_strv_contains ((const char * const *) info->permanent_flags, "\\*"));
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_SELECTED);
  logout (client);
}

static void
test_fetch_structure (void)
{
  g_autoptr(OpImapClient) client = open_session (FALSE);
  g_autoptr(OpImapSelectInfo) info = NULL;
  g_autoptr(GPtrArray) msgs = NULL;
  g_autofree char *set = NULL;
  guint32 uids[G_N_ELEMENTS (seeds)];
  const OpImapFetch *f;
  const OpImapBodyPart *p;

  if (client == NULL)
    return;
  info = select_box (client, "INBOX");
  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    uids[i] = seed_uid (client, i);
  set = g_strdup_printf ("%u,%u,%u,%u,%u", uids[0], uids[1], uids[2], uids[3], uids[4]);
  msgs = fetch (client, set, OP_IMAP_FETCH_FLAGS | OP_IMAP_FETCH_ENVELOPE |
                             OP_IMAP_FETCH_BODYSTRUCTURE | OP_IMAP_FETCH_SIZE |
                             OP_IMAP_FETCH_INTERNALDATE | OP_IMAP_FETCH_MODSEQ, NULL);
  g_assert_cmpuint (msgs->len, ==, 5);
  for (guint i = 0; i < msgs->len; i++)
    {
      g_autoptr(GBytes) seed = NULL;
      guint k;

      f = msgs->pdata[i];
      for (k = 0; k < G_N_ELEMENTS (seeds) && uids[k] != f->uid; k++)
        ;
      g_assert_cmpuint (k, <, G_N_ELEMENTS (seeds));
      seed = seed_bytes (k);
      g_assert_cmpuint (f->size, ==, g_bytes_get_size (seed));
      g_assert_nonnull (f->internaldate);
      g_assert_nonnull (f->flags);
      g_assert_nonnull (f->envelope->message_id);
      g_assert_nonnull (strstr (g_bytes_get_data (seed, NULL), f->envelope->message_id));

      switch (k)
        {
        case 2:
          g_assert_cmpstr (f->envelope->subject, ==, "Re: Meeting notes");
          g_assert_cmpstr (f->envelope->in_reply_to, ==, "<notes-2026-11-04@example.test>");
          g_assert_cmpstr (((OpImapAddress *) f->envelope->from->pdata[0])->name, ==, "Bob Example");
          g_assert_cmpstr (f->body->subtype, ==, "alternative");
          g_assert_cmpuint (f->body->children->len, ==, 2);
          p = op_imap_body_part_find (f->body, "2");
          g_assert_cmpstr (p->subtype, ==, "html");
          break;
        case 3:
          g_assert_cmpstr (f->body->type, ==, "multipart");
          g_assert_cmpstr (f->body->subtype, ==, "mixed");
          p = op_imap_body_part_find (f->body, "2");
          g_assert_cmpstr (p->type, ==, "text");
          g_assert_cmpstr (p->subtype, ==, "csv");
          g_assert_cmpstr (p->encoding, ==, "base64");
          g_assert_cmpstr (p->disposition, ==, "attachment");
          g_assert_cmpstr (op_imap_params_lookup (p->disposition_params, "filename"), ==, "report.csv");
          p = op_imap_body_part_find (f->body, "1");
          g_assert_cmpstr (op_imap_params_lookup (p->params, "charset"), ==, "UTF-8");
          break;
        case 4:
          /* The envelope keeps RFC 2047 as sent; decoding is the MIME layer's job. */
          g_assert_cmpstr (f->envelope->subject, ==, "=?UTF-8?B?5LiL5ZGo5LqU55qE5Lya6K6u77yI6K+356Gu6K6k77yJ?=");
          g_assert_cmpstr (f->body->section, ==, "1");
          g_assert_cmpstr (f->body->encoding, ==, "8bit");
          break;
        default:
          break;
        }
    }
  logout (client);
}

static void
test_body_byte_equal (void)
{
  g_autoptr(OpImapClient) client = open_session (TRUE);
  g_autoptr(OpImapSelectInfo) info = NULL;

  if (client == NULL)
    return;
  info = select_box (client, "INBOX");
  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    {
      g_autoptr(GBytes) seed = seed_bytes (i);
      guint32 uid = seed_uid (client, i);
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
      g_autoptr(GAsyncResult) r = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) got = NULL;
      g_autoptr(GPtrArray) msgs = NULL;
      const char *sections[] = { "", "HEADER", "1<0.10>", NULL };
      guint64 size = 0;
      const OpImapSection *s;

      /* Streamed into a GOutputStream… */
      op_imap_client_fetch_to_stream_async (client, uid, "", out, NULL, op_test_store_result, &r);
      g_assert_true (op_imap_client_fetch_to_stream_finish (client, WAIT_RESULT (&r), &size, &error));
      g_assert_no_error (error);
      g_output_stream_close (out, NULL, NULL);
      got = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
      g_assert_cmpuint (size, ==, g_bytes_get_size (seed));
      g_assert_true (g_bytes_equal (got, seed));

      /* …and whole, with the header and a partial. */
      g_autofree char *uid_text = g_strdup_printf ("%u", uid);

      msgs = fetch (client, uid_text, OP_IMAP_FETCH_FLAGS, sections);
      g_assert_cmpuint (msgs->len, ==, 1);
      s = op_imap_fetch_find_section (msgs->pdata[0], "");
      g_assert_true (g_bytes_equal (s->data, seed));
      s = op_imap_fetch_find_section (msgs->pdata[0], "HEADER");
      g_assert_cmpmem (g_bytes_get_data (s->data, NULL), g_bytes_get_size (s->data),
                       g_bytes_get_data (seed, NULL), g_bytes_get_size (s->data));
      g_assert_nonnull (g_strstr_len (g_bytes_get_data (s->data, NULL), g_bytes_get_size (s->data), "\r\n\r\n"));
      s = op_imap_fetch_find_section (msgs->pdata[0], "1");
      g_assert_cmpint (s->origin, ==, 0);
      g_assert_cmpuint (g_bytes_get_size (s->data), ==, 10);
      /* BODY.PEEK: still unseen. */
      g_assert_false (g_strv_contains ((const char * const *) ((OpImapFetch *) msgs->pdata[0])->flags, "\\Seen"));
    }
  logout (client);
}

static void
test_flags_copy_move_expunge (void)
{
  g_autoptr(OpImapClient) client = open_session (FALSE);
  g_autofree char *box = unique_name ("Work");
  g_autofree char *other = unique_name ("Other");
  g_autoptr(OpImapSelectInfo) info = NULL;
  g_autoptr(OpImapSelectInfo) info2 = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *moved = NULL;
  g_autofree char *set = NULL;
  g_autoptr(GPtrArray) msgs = NULL;
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  const char *flagged[] = { "\\Flagged", "$Important", NULL };
  const char *deleted[] = { "\\Deleted", NULL };
  const char *criteria[] = { "FLAGGED", NULL };

  if (client == NULL)
    return;
  create_box (client, box);
  create_box (client, other);
  info = select_box (client, "INBOX");
  set = g_strdup_printf ("%u,%u,%u", seed_uid (client, 0), seed_uid (client, 1), seed_uid (client, 3));
  op_imap_client_copy_async (client, set, box, NULL, op_test_store_result, &r);
  g_assert_true (op_imap_client_copy_finish (client, WAIT_RESULT (&r), &copied, &error));
  g_assert_no_error (error);
  g_clear_object (&r);
  g_assert_nonnull (copied);      /* Dovecot has UIDPLUS */
  g_assert_true (op_imap_sequence_set_expand (copied, 10, uids));
  g_assert_cmpuint (uids->len, ==, 3);

  info2 = select_box (client, box);
  g_assert_cmpuint (info2->exists, ==, 3);

  /* Flags. */
  op_imap_client_store_async (client, copied, OP_IMAP_STORE_ADD, flagged, NULL, op_test_store_result, &r);
  g_assert_true (op_imap_client_store_finish (client, WAIT_RESULT (&r), &error));
  g_clear_object (&r);
  {
    g_autoptr(GArray) found = search (client, criteria);

    g_assert_cmpuint (found->len, ==, 3);
  }
  msgs = fetch (client, "1:*", OP_IMAP_FETCH_FLAGS, NULL);
  g_assert_cmpuint (msgs->len, ==, 3);
  for (guint i = 0; i < msgs->len; i++)
    {
      OpImapFetch *f = msgs->pdata[i];

      g_assert_true (g_strv_contains ((const char * const *) f->flags, "\\Flagged"));
      g_assert_true (g_strv_contains ((const char * const *) f->flags, "$Important"));
    }

  /* Move one to the other folder. */
  {
    g_autofree char *one = g_strdup_printf ("%u", g_array_index (uids, guint32, 0));

    op_imap_client_move_async (client, one, other, NULL, op_test_store_result, &r);
    g_assert_true (op_imap_client_move_finish (client, WAIT_RESULT (&r), &moved, &error));
    g_assert_no_error (error);
    g_clear_object (&r);
    g_assert_nonnull (moved);
  }

  /* Expunge another. */
  {
    g_autofree char *two = g_strdup_printf ("%u", g_array_index (uids, guint32, 1));

    op_imap_client_store_async (client, two, OP_IMAP_STORE_ADD, deleted, NULL, op_test_store_result, &r);
    g_assert_true (op_imap_client_store_finish (client, WAIT_RESULT (&r), &error));
    g_clear_object (&r);
    op_imap_client_expunge_async (client, NULL, op_test_store_result, &r);
    simple_ok (client, &r);
  }
  g_clear_pointer (&msgs, g_ptr_array_unref);
  msgs = fetch (client, "1:*", OP_IMAP_FETCH_FLAGS, NULL);
  g_assert_cmpuint (msgs->len, ==, 1);
  g_assert_cmpuint (((OpImapFetch *) msgs->pdata[0])->uid, ==, g_array_index (uids, guint32, 2));

  op_imap_client_check_async (client, NULL, op_test_store_result, &r);
  simple_ok (client, &r);
  op_imap_client_close_async (client, NULL, op_test_store_result, &r);
  simple_ok (client, &r);
  g_clear_pointer (&info2, op_imap_select_info_free);
  info2 = select_box (client, other);
  g_assert_cmpuint (info2->exists, ==, 1);
  g_clear_pointer (&msgs, g_ptr_array_unref);
  {
    const char *sections[] = { "", NULL };
    g_autoptr(GBytes) seed = seed_bytes (0);

    msgs = fetch (client, moved, OP_IMAP_FETCH_FLAGS, sections);
    g_assert_cmpuint (msgs->len, ==, 1);
    g_assert_true (g_bytes_equal (op_imap_fetch_find_section (msgs->pdata[0], "")->data, seed));
  }

  /* UNSELECT (RFC 3691) leaves the folder without expunging. */
  op_imap_client_unselect_async (client, NULL, op_test_store_result, &r);
  simple_ok (client, &r);
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_AUTHENTICATED);
  delete_box (client, box);
  delete_box (client, other);
  logout (client);
}

static void
test_append (void)
{
  g_autoptr(OpImapClient) client = open_session (TRUE);
  g_autofree char *box = unique_name ("Appended");
  g_autoptr(GBytes) message = g_bytes_new_static (
    "From: Outpost <outpost@example.test>\r\n"
    "To: tester@example.test\r\n"
    "Subject: =?UTF-8?B?5L2g5aW9?=\r\n"
    "Message-ID: <append-test@example.test>\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Gr\xc3\xbc\xc3\x9f" "e aus Peking: \xe4\xbd\xa0\xe5\xa5\xbd\r\n", 238);
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("+08:00");
  g_autoptr(GDateTime) date = g_date_time_new (tz, 2024, 2, 9, 23, 5, 7);
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpImapSelectInfo) info = NULL;
  g_autoptr(GPtrArray) msgs = NULL;
  const char *flags[] = { "\\Seen", "\\Draft", NULL };
  const char *sections[] = { "", NULL };
  const char *criteria[] = { "BODY", "\xe4\xbd\xa0\xe5\xa5\xbd", NULL };
  guint32 uid = 0;
  const OpImapFetch *f;

  if (client == NULL)
    return;
  g_assert_cmpuint (g_bytes_get_size (message), ==, strlen (g_bytes_get_data (message, NULL)));
  create_box (client, box);
  op_imap_client_append_async (client, box, message, flags, date, NULL, op_test_store_result, &r);
  g_assert_true (op_imap_client_append_finish (client, WAIT_RESULT (&r), &uid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (uid, >, 0);

  info = select_box (client, box);
  g_assert_cmpuint (info->exists, ==, 1);
  msgs = fetch (client, "1:*", OP_IMAP_FETCH_FLAGS | OP_IMAP_FETCH_INTERNALDATE, sections);
  f = msgs->pdata[0];
  g_assert_cmpuint (f->uid, ==, uid);
  g_assert_true (g_strv_contains ((const char * const *) f->flags, "\\Seen"));
  g_assert_true (g_strv_contains ((const char * const *) f->flags, "\\Draft"));
  g_assert_cmpint (g_date_time_to_unix (f->internaldate), ==, g_date_time_to_unix (date));
  g_assert_true (g_bytes_equal (op_imap_fetch_find_section (f, "")->data, message));
  {
    /* UID SEARCH CHARSET UTF-8 with a literal finds it. */
    g_autoptr(GArray) found = search (client, criteria);

    g_assert_cmpuint (found->len, ==, 1);
    g_assert_cmpuint (g_array_index (found, guint32, 0), ==, uid);
  }
  delete_box (client, box);
  logout (client);
}

static void
test_mailbox_names (void)
{
  g_autoptr(OpImapClient) client = open_session (FALSE);
  g_autofree char *suffix = unique_name ("");
  g_autofree char *name = g_strconcat ("Entw\xc3\xbcrfe & \xe6\x97\xa5\xe6\x9c\xac", suffix, NULL);
  g_autofree char *renamed = g_strconcat ("\xe5\x8f\x91\xe4\xbb\xb6\xe7\xae\xb1", suffix, NULL);
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) boxes = NULL;
  g_autoptr(GPtrArray) subscribed = NULL;
  gboolean found = FALSE;

  if (client == NULL)
    return;
  create_box (client, name);
  /* Creating it twice is refused. */
  op_imap_client_create_async (client, name, NULL, op_test_store_result, &r);
  g_assert_false (op_imap_client_simple_finish (client, WAIT_RESULT (&r), &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  g_clear_object (&r);

  op_imap_client_rename_async (client, name, renamed, NULL, op_test_store_result, &r);
  simple_ok (client, &r);
  op_imap_client_subscribe_async (client, renamed, NULL, op_test_store_result, &r);
  simple_ok (client, &r);
  op_imap_client_list_async (client, NULL, TRUE, NULL, op_test_store_result, &r);
  subscribed = op_imap_client_list_finish (client, WAIT_RESULT (&r), &error);
  g_assert_no_error (error);
  g_clear_object (&r);
  for (guint i = 0; i < subscribed->len; i++)
    if (g_strcmp0 (((OpImapMailbox *) subscribed->pdata[i])->entry->name, renamed) == 0)
      found = TRUE;
  g_assert_true (found);
  op_imap_client_unsubscribe_async (client, renamed, NULL, op_test_store_result, &r);
  simple_ok (client, &r);

  op_imap_client_list_async (client, NULL, FALSE, NULL, op_test_store_result, &r);
  boxes = op_imap_client_list_finish (client, WAIT_RESULT (&r), &error);
  g_assert_no_error (error);
  g_clear_object (&r);
  found = FALSE;
  for (guint i = 0; i < boxes->len; i++)
    {
      OpImapListEntry *e = ((OpImapMailbox *) boxes->pdata[i])->entry;

      g_assert_cmpstr (e->name, !=, name);
      if (g_strcmp0 (e->name, renamed) == 0)
        {
          found = TRUE;
          g_assert_true (g_str_has_prefix (e->raw_name, "&U9FO9nux-"));
        }
    }
  g_assert_true (found);
  delete_box (client, renamed);

  /* A folder that does not exist: Dovecot 2.3 answers SELECT with a NO that has no
   * response code, so it stays a plain refusal quoting the server. */
  op_imap_client_select_async (client, name, FALSE, NULL, op_test_store_result, &r);
  g_assert_null (op_imap_client_select_finish (client, WAIT_RESULT (&r), &error));
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NO);
  g_assert_nonnull (strstr (error->message, "SELECT"));
  g_assert_nonnull (strstr (error->message, "doesn't exist"));
  g_assert_cmpint (op_imap_client_get_state (client), ==, OP_IMAP_STATE_AUTHENTICATED);
  logout (client);
}

typedef struct
{
  guint    exists;
  gboolean changed;
} IdleEvents;

static void
on_exists (OpImapClient *client,
           guint         count,
           IdleEvents   *e)
{
  e->exists = count;
  e->changed = TRUE;
}

/* Iterates the main context until the wall clock has passed the next whole second (plus
 * a margin for the file system's coarse clock). */
static void
wait_for_next_second (void)
{
  gint64 now = g_get_real_time ();
  gint64 target = (now / G_USEC_PER_SEC + 1) * G_USEC_PER_SEC + 150 * 1000;
  gboolean done = FALSE;

  g_timeout_add ((target - now) / 1000 + 1, op_test_set_flag, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_idle (void)
{
  g_autoptr(OpImapClient) watcher = open_session (TRUE);
  g_autoptr(OpImapClient) writer = NULL;
  g_autofree char *box = unique_name ("Idle");
  g_autoptr(OpImapSelectInfo) info = NULL;
  g_autoptr(GAsyncResult) idle = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) seed = NULL;
  IdleEvents e = { 0 };

  if (watcher == NULL)
    return;
  writer = open_session (FALSE);
  create_box (writer, box);
  info = select_box (watcher, box);
  g_assert_cmpuint (info->exists, ==, 0);
  g_signal_connect (watcher, "exists", G_CALLBACK (on_exists), &e);
  /* The SELECT's own count arrives first. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  e.changed = FALSE;
  op_imap_client_idle_async (watcher, NULL, op_test_store_result, &idle);
  /* Let IDLE start, then deliver from the other connection. */
  while (op_imap_client_get_state (watcher) != OP_IMAP_STATE_IDLE)
    g_main_context_iteration (NULL, TRUE);
  /* Dovecot's IDLE notices changes through inotify and, when a busy machine has run out
   * of inotify instances, by comparing files' mtimes in whole seconds: a delivery in the
   * same second as IDLE's start is then only reported with the next change. A user never
   * waits for that; a test would wait forever. So deliver in the next second. */
  wait_for_next_second ();
  seed = seed_bytes (1);
  op_imap_client_append_async (writer, box, seed, NULL, NULL, NULL, op_test_store_result, &r);
  g_assert_true (op_imap_client_append_finish (writer, WAIT_RESULT (&r), NULL, &error));
  g_assert_no_error (error);
  if (!op_test_spin_until (&e.changed, TIMEOUT))
    {
      print_log (watcher);
      g_error ("the watcher saw no EXISTS within %d s of the delivery", TIMEOUT);
    }
  g_assert_cmpuint (e.exists, ==, 1);

  /* Any call ends IDLE cleanly, then runs. */
  {
    g_autoptr(GPtrArray) msgs = fetch (watcher, "1:*", OP_IMAP_FETCH_SIZE, NULL);

    g_assert_cmpuint (msgs->len, ==, 1);
    g_assert_cmpuint (((OpImapFetch *) msgs->pdata[0])->size, ==, g_bytes_get_size (seed));
  }
  g_assert_true (op_imap_client_idle_finish (watcher, WAIT_RESULT (&idle), &error));
  g_assert_no_error (error);
  logout (watcher);
  delete_box (writer, box);
  logout (writer);
}

/* A stop that comes before the worker has started the IDLE ends it all the same: the IDLE
 * completes without waiting for the server to report anything. */
static void
test_idle_stop_before_start (void)
{
  g_autoptr(OpImapClient) watcher = open_session (TRUE);
  g_autoptr(OpImapClient) writer = NULL;
  g_autofree char *box = unique_name ("IdleStop");
  g_autoptr(OpImapSelectInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  if (watcher == NULL)
    return;
  writer = open_session (FALSE);
  create_box (writer, box);
  info = select_box (watcher, box);
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(GAsyncResult) idle = NULL;

      op_imap_client_idle_async (watcher, NULL, op_test_store_result, &idle);
      op_imap_client_idle_stop (watcher);
      g_assert_true (op_imap_client_idle_finish (watcher, WAIT_RESULT (&idle), &error));
      g_assert_no_error (error);
      g_assert_cmpint (op_imap_client_get_state (watcher), ==, OP_IMAP_STATE_SELECTED);
    }
  logout (watcher);
  delete_box (writer, box);
  logout (writer);
}

/* A message of 8 MiB goes up with APPEND and comes back streamed into a GOutputStream,
 * byte-equal; the parser never holds it whole (OP_IMAP_MAX_RESPONSE is 64 MiB, but the
 * sink gets pieces of at most one read). */
static void
test_large_message (void)
{
  g_autoptr(OpImapClient) client = open_session (TRUE);
  g_autofree char *box = unique_name ("Large");
  g_autoptr(GString) text = g_string_new ("From: big@example.test\r\nSubject: big\r\n"
                                          "Content-Type: text/plain\r\n\r\n");
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpImapSelectInfo) info = NULL;
  guint32 uid = 0;
  guint64 size = 0;

  if (client == NULL)
    return;
  while (text->len < 8 * 1024 * 1024)
    g_string_append_printf (text, "line %08u of a large message, with some text in it\r\n",
                            (guint) text->len);
  message = g_string_free_to_bytes (g_steal_pointer (&text));
  create_box (client, box);
  op_imap_client_append_async (client, box, message, NULL, NULL, NULL, op_test_store_result, &r);
  g_assert_true (op_imap_client_append_finish (client, WAIT_RESULT (&r), &uid, &error));
  g_assert_no_error (error);
  g_clear_object (&r);
  info = select_box (client, box);
  op_imap_client_fetch_to_stream_async (client, uid, "", out, NULL, op_test_store_result, &r);
  g_assert_true (op_imap_client_fetch_to_stream_finish (client, WAIT_RESULT (&r), &size, &error));
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, NULL);
  got = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_cmpuint (size, ==, g_bytes_get_size (message));
  g_assert_true (g_bytes_equal (got, message));
  g_clear_object (&r);
  op_imap_client_close_async (client, NULL, op_test_store_result, &r);
  simple_ok (client, &r);
  delete_box (client, box);
  logout (client);
}

/* --- CONDSTORE / QRESYNC (RFC 7162) ------------------------------------------------------ */

static void
enable_qresync (OpImapClient *client)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  const char *caps[] = { "QRESYNC", NULL };
  g_auto(GStrv) enabled = NULL;

  op_imap_client_enable_async (client, caps, NULL, op_test_store_result, &r);
  enabled = op_imap_client_enable_finish (client, WAIT_RESULT (&r), &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) enabled, "QRESYNC"));
}

static guint32
append_seed (OpImapClient *client,
             const char   *box,
             guint         i)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = seed_bytes (i);
  guint32 uid = 0;

  op_imap_client_append_async (client, box, message, NULL, NULL, NULL, op_test_store_result, &r);
  g_assert_true (op_imap_client_append_finish (client, WAIT_RESULT (&r), &uid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (uid, >, 0);
  return uid;
}

static void
store_flags (OpImapClient       *client,
             guint32             uid,
             const char * const *flags)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *set = g_strdup_printf ("%u", uid);

  op_imap_client_store_async (client, set, OP_IMAP_STORE_ADD, flags, NULL, op_test_store_result, &r);
  g_assert_true (op_imap_client_store_finish (client, WAIT_RESULT (&r), &error));
  g_assert_no_error (error);
}

static OpImapSelectInfo *
select_qresync (OpImapClient *client,
                const char   *box,
                guint32       uidvalidity,
                guint64       modseq,
                const char   *known)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  OpImapSelectInfo *info;

  op_imap_client_select_qresync_async (client, box, FALSE, uidvalidity, modseq, known, NULL,
                                       op_test_store_result, &r);
  info = op_imap_client_select_finish (client, WAIT_RESULT (&r), &error);
  g_assert_no_error (error);
  g_assert_nonnull (info->changed);
  return info;
}

static void
unselect (OpImapClient *client)
{
  g_autoptr(GAsyncResult) r = NULL;

  op_imap_client_unselect_async (client, NULL, op_test_store_result, &r);
  simple_ok (client, &r);
}

/* A cache made in one session catches up, after another session changed and expunged
 * messages, with nothing but the changes. */
static void
test_qresync_select (void)
{
  g_autoptr(OpImapClient) client = open_session (FALSE);
  g_autoptr(OpImapClient) other = open_session (TRUE);
  g_autofree char *box = unique_name ("Resync");
  g_autofree char *known = NULL;
  g_autofree char *gone = NULL;
  g_autoptr(OpImapSelectInfo) first = NULL;
  g_autoptr(OpImapSelectInfo) second = NULL;
  g_autoptr(OpImapSelectInfo) third = NULL;
  g_autoptr(OpImapSelectInfo) theirs = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  const char *flagged[] = { "\\Flagged", NULL };
  const char *deleted[] = { "\\Deleted", NULL };
  guint32 uids[3];
  OpImapFetch *f;

  if (client == NULL)
    return;
  enable_qresync (client);
  create_box (client, box);
  for (guint i = 0; i < 3; i++)
    uids[i] = append_seed (client, box, i);
  known = g_strdup_printf ("%u:%u", uids[0], uids[2]);
  first = select_box (client, box);
  g_assert_cmpuint (first->exists, ==, 3);
  g_assert_cmpuint (first->highestmodseq, >, 0);
  g_assert_null (first->changed);
  unselect (client);

  /* Another session flags the second message. */
  theirs = select_box (other, box);
  store_flags (other, uids[1], flagged);
  second = select_qresync (client, box, first->uidvalidity, first->highestmodseq, known);
  g_assert_cmpuint (second->highestmodseq, >, first->highestmodseq);
  g_assert_null (second->vanished);
  g_assert_cmpuint (second->changed->len, ==, 1);
  f = second->changed->pdata[0];
  g_assert_cmpuint (f->uid, ==, uids[1]);
  g_assert_true (g_strv_contains ((const char * const *) f->flags, "\\Flagged"));
  g_assert_cmpuint (f->modseq, >, first->highestmodseq);
  g_assert_cmpuint (f->modseq, <=, second->highestmodseq);
  unselect (client);

  /* … then expunges the third: VANISHED (EARLIER) names exactly its UID. */
  store_flags (other, uids[2], deleted);
  op_imap_client_expunge_async (other, NULL, op_test_store_result, &r);
  simple_ok (other, &r);
  third = select_qresync (client, box, first->uidvalidity, second->highestmodseq, known);
  gone = g_strdup_printf ("%u", uids[2]);
  g_assert_cmpstr (third->vanished, ==, gone);
  g_assert_cmpuint (third->exists, ==, 2);
  /* Only the expunge happened since: no message changed. */
  g_assert_cmpuint (third->changed->len, ==, 0);

  /* UID FETCH … (CHANGEDSINCE): only the message flagged since the first select, with
   * its MODSEQ; with QRESYNC the expunged one is named as vanished. */
  {
    g_autoptr(GAsyncResult) fr = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) changed = NULL;
    g_autofree char *vanished = NULL;

    op_imap_client_fetch_changed_async (client, known, OP_IMAP_FETCH_FLAGS, NULL,
                                        first->highestmodseq, NULL, op_test_store_result, &fr);
    changed = op_imap_client_fetch_changed_finish (client, WAIT_RESULT (&fr), &vanished,
                                                   &error);
    g_assert_no_error (error);
    g_assert_cmpuint (changed->len, ==, 1);
    f = changed->pdata[0];
    g_assert_cmpuint (f->uid, ==, uids[1]);
    g_assert_true (g_strv_contains ((const char * const *) f->flags, "\\Flagged"));
    g_assert_cmpuint (f->modseq, ==, ((OpImapFetch *) second->changed->pdata[0])->modseq);
    g_assert_cmpstr (vanished, ==, gone);
  }
  /* … and nothing at all since the latest one. */
  {
    g_autoptr(GAsyncResult) fr = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) changed = NULL;
    g_autofree char *vanished = NULL;

    op_imap_client_fetch_changed_async (client, "1:*", OP_IMAP_FETCH_FLAGS, NULL,
                                        third->highestmodseq, NULL, op_test_store_result, &fr);
    changed = op_imap_client_fetch_changed_finish (client, WAIT_RESULT (&fr), &vanished,
                                                   &error);
    g_assert_no_error (error);
    g_assert_cmpuint (changed->len, ==, 0);
    g_assert_null (vanished);
  }

  /* UID STORE (UNCHANGEDSINCE): the other session changes the first message after we
   * read its MODSEQ, so a conditional store on both leaves it alone and says so. */
  {
    g_autoptr(GAsyncResult) sr = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) msgs = NULL;
    g_autofree char *modified = NULL;
    g_autofree char *first_uid = g_strdup_printf ("%u", uids[0]);
    g_autofree char *both = g_strdup_printf ("%u:%u", uids[0], uids[1]);
    const char *answered[] = { "\\Answered", NULL };
    guint64 seen_modseq = third->highestmodseq;

    store_flags (other, uids[0], flagged);
    op_imap_client_store_unchanged_async (client, both, OP_IMAP_STORE_ADD, answered,
                                          seen_modseq, NULL, op_test_store_result, &sr);
    g_assert_true (op_imap_client_store_unchanged_finish (client, WAIT_RESULT (&sr),
                                                          &modified, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (modified, ==, first_uid);
    msgs = fetch (client, both, OP_IMAP_FETCH_FLAGS, NULL);
    g_assert_cmpuint (msgs->len, ==, 2);
    for (guint i = 0; i < msgs->len; i++)
      {
        OpImapFetch *m = msgs->pdata[i];
        gboolean is_answered = g_strv_contains ((const char * const *) m->flags, "\\Answered");

        g_assert_true (m->uid == uids[0] ? !is_answered : is_answered);
      }
  }
  unselect (client);

  logout (other);
  delete_box (client, box);
  logout (client);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/imap/dovecot/starttls/list-special-use", GINT_TO_POINTER (FALSE),
                        test_list_special_use);
  g_test_add_data_func ("/imap/dovecot/implicit-tls/list-special-use", GINT_TO_POINTER (TRUE),
                        test_list_special_use);
  g_test_add_func ("/imap/dovecot/session-and-select", test_session);
  g_test_add_func ("/imap/dovecot/fetch-envelope-bodystructure", test_fetch_structure);
  g_test_add_func ("/imap/dovecot/body-byte-equal", test_body_byte_equal);
  g_test_add_func ("/imap/dovecot/flags-copy-move-expunge", test_flags_copy_move_expunge);
  g_test_add_func ("/imap/dovecot/append", test_append);
  g_test_add_func ("/imap/dovecot/mailbox-names", test_mailbox_names);
  g_test_add_func ("/imap/dovecot/idle", test_idle);
  g_test_add_func ("/imap/dovecot/idle-stop-before-start", test_idle_stop_before_start);
  g_test_add_func ("/imap/dovecot/large-message-streamed", test_large_message);
  g_test_add_func ("/imap/dovecot/qresync/resync-changedsince-unchangedsince",
                   test_qresync_select);

  return op_test_run ();
}
