/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-mail-round-trip"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "op-imap-client.h"
#include "op-mime-composer.h"
#include "op-mime-message.h"
#include "op-mime-part.h"
#include "op-pop3-client.h"
#include "op-smtp-client.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"
#include "test-smtp-common.h"

/*
 * The scenario "send a multipart message with an attachment, and read it back,
 * byte-equivalent, through IMAP and through POP3", against the real servers of
 * tests/servers/ started together (`start --only dovecot smtp`: smtp.sh then delivers
 * every accepted message into Dovecot's test Maildir too).
 *
 * A multipart/mixed message (a text and HTML alternative, a binary attachment of a few
 * hundred KiB with a non-ASCII file name, a UTF-8 subject) is composed with
 * OpMimeComposer and sent with OpSmtpClient (AUTH, to two recipients). The reference is
 * what the client put on the wire after CRLF normalisation; the SMTP server's stored copy
 * must equal it. OpImapClient finds the message in INBOX by its Message-ID, fetches
 * BODY.PEEK[] and must get the same bytes, whose MIME parse gives back the subject, the
 * text, the HTML and the attachment (name and SHA-256); OpPop3Client finds it by UIDL
 * (the Maildir file name the SMTP server chose) and TOP, and RETR must give the same
 * bytes again. Finally the message is deleted through IMAP, so INBOX is as before.
 *
 * Once over STARTTLS/STLS and once over implicit TLS on all three.
 */

#define TIMEOUT_SECONDS   20
#define ATTACHMENT_SIZE   (300 * 1024 + 17)
#define DELIVERY_WAIT_MS  5000

typedef struct
{
  gboolean implicit_tls;
} Variant;

static const Variant starttls = { FALSE };
static const Variant implicit_tls = { TRUE };

typedef struct
{
  const char *smtp_host;
  guint16     smtp_port;
  const char *smtp_user;
  const char *smtp_password;
  const char *smtp_maildir;
  const char *mail_host;
  guint16     imap_port;
  guint16     pop3_port;
  const char *user;
  const char *password;
  OpTestVerifier *verifier;
} Servers;

/* Every variable the scenario needs, or FALSE (the test is then skipped, or failed with
 * OUTPOST_TEST_REQUIRE_SERVERS=1, by op_test_endpoint_env()). */
static gboolean
servers_get (Servers       *s,
             const Variant *variant)
{
  static const char *const names[] = {
    "OUTPOST_TEST_SMTP_HOST", "OUTPOST_TEST_SMTP_PORT", "OUTPOST_TEST_SMTP_TLS_PORT",
    "OUTPOST_TEST_SMTP_USER", "OUTPOST_TEST_SMTP_PASSWORD", "OUTPOST_TEST_SMTP_MAILDIR",
    "OUTPOST_TEST_MAIL_HOST", "OUTPOST_TEST_DOVECOT_IMAP_PORT",
    "OUTPOST_TEST_DOVECOT_IMAPS_PORT", "OUTPOST_TEST_DOVECOT_POP3_PORT",
    "OUTPOST_TEST_DOVECOT_POP3S_PORT", "OUTPOST_TEST_DOVECOT_RT_USER",
    "OUTPOST_TEST_DOVECOT_RT_PASSWORD", "OUTPOST_TEST_CA",
  };
  g_autoptr(GError) error = NULL;

  memset (s, 0, sizeof *s);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (op_test_endpoint_env (names[i]) == NULL)
      return FALSE;

#define PORT(name) ((guint16) g_ascii_strtoull (g_getenv (name), NULL, 10))
  s->smtp_host = g_getenv ("OUTPOST_TEST_SMTP_HOST");
  s->smtp_port = variant->implicit_tls ? PORT ("OUTPOST_TEST_SMTP_TLS_PORT")
                                       : PORT ("OUTPOST_TEST_SMTP_PORT");
  s->smtp_user = g_getenv ("OUTPOST_TEST_SMTP_USER");
  s->smtp_password = g_getenv ("OUTPOST_TEST_SMTP_PASSWORD");
  s->smtp_maildir = g_getenv ("OUTPOST_TEST_SMTP_MAILDIR");
  s->mail_host = g_getenv ("OUTPOST_TEST_MAIL_HOST");
  s->imap_port = variant->implicit_tls ? PORT ("OUTPOST_TEST_DOVECOT_IMAPS_PORT")
                                       : PORT ("OUTPOST_TEST_DOVECOT_IMAP_PORT");
  s->pop3_port = variant->implicit_tls ? PORT ("OUTPOST_TEST_DOVECOT_POP3S_PORT")
                                       : PORT ("OUTPOST_TEST_DOVECOT_POP3_PORT");
  s->user = g_getenv ("OUTPOST_TEST_DOVECOT_RT_USER");
  s->password = g_getenv ("OUTPOST_TEST_DOVECOT_RT_PASSWORD");
#undef PORT
  s->verifier = op_test_verifier_new_for_ca_file (g_getenv ("OUTPOST_TEST_CA"), &error);
  g_assert_no_error (error);
  return TRUE;
}

static void
servers_clear (Servers *s)
{
  g_clear_object (&s->verifier);
}

#define WAIT(slot) smtp_test_wait (&(slot))
#define STORE      op_test_store_result

static char *
sha256_of (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}

/* LF → CRLF where not already CRLF, and a last CRLF: what the SMTP client puts on the
 * wire (before dot-stuffing, which the server undoes). */
static GBytes *
crlf_normalised (GBytes *message)
{
  gsize length;
  const char *data = g_bytes_get_data (message, &length);
  GByteArray *out = g_byte_array_sized_new (length + length / 20 + 2);

  for (gsize i = 0; i < length; i++)
    {
      if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
        g_byte_array_append (out, (const guint8 *) "\r", 1);
      g_byte_array_append (out, (const guint8 *) data + i, 1);
    }
  if (length == 0 || data[length - 1] != '\n')
    g_byte_array_append (out, (const guint8 *) "\r\n", 2);
  return g_byte_array_free_to_bytes (out);
}

/* The first difference between two byte strings, for a failure message that says where. */
static void
assert_bytes_equal (GBytes     *got,
                    GBytes     *expected,
                    const char *what)
{
  gsize n_got, n_expected, i;
  const guint8 *a = g_bytes_get_data (got, &n_got);
  const guint8 *b = g_bytes_get_data (expected, &n_expected);

  if (g_bytes_equal (got, expected))
    return;
  for (i = 0; i < MIN (n_got, n_expected) && a[i] == b[i]; i++)
    ;
  g_error ("%s: %" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT
           "; first difference at offset %" G_GSIZE_FORMAT, what, n_got, n_expected, i);
}

/* --- the message ----------------------------------------------------------------- */

typedef struct
{
  char   *token;
  char   *subject;
  char   *text;
  char   *html;
  char   *filename;
  GBytes *attachment;
  char   *attachment_sha256;
  char   *message_id;         /* without <> */
  GBytes *composed;           /* op_mime_composer_to_bytes() */
  GStrv   recipients;
  char   *from;
} Message;

static void
message_clear (Message *m)
{
  g_free (m->token);
  g_free (m->subject);
  g_free (m->text);
  g_free (m->html);
  g_free (m->filename);
  g_clear_pointer (&m->attachment, g_bytes_unref);
  g_free (m->attachment_sha256);
  g_free (m->message_id);
  g_clear_pointer (&m->composed, g_bytes_unref);
  g_strfreev (m->recipients);
  g_free (m->from);
}

/* Random bytes (every value 0..255 present), so a line-end or charset conversion
 * anywhere on the way would change the SHA-256. */
static GBytes *
binary_attachment (void)
{
  guint8 *data = g_malloc (ATTACHMENT_SIZE);

  for (gsize i = 0; i < ATTACHMENT_SIZE; i++)
    data[i] = i < 256 ? (guint8) i : (guint8) g_random_int_range (0, 256);
  /* Line ends of every kind, and a NUL, inside the binary data. */
  memcpy (data + 1000, "\r\n.\r\n\n\r\0", 8);
  return g_bytes_new_take (data, ATTACHMENT_SIZE);
}

static void
compose (Message *m)
{
  g_autoptr(OpMimeComposer) composer = op_mime_composer_new ();
  g_autoptr(GError) error = NULL;
  OpMimeRequirements needs;

  m->token = g_strdup_printf ("rt-%08x%08x", g_random_int (), g_random_int ());
  m->subject = g_strdup_printf ("Rundreise über SMTP, IMAP und POP3 — 往返测试 ✉ %s", m->token);
  /* ASCII only, so GMime sends it as 7bit, as written: its lines that start with a dot
   * (and the lone dot) are on the wire as they are, and go through SMTP dot-stuffing,
   * the server's unstuffing, and POP3's unstuffing of RETR. The non-ASCII text is in the
   * HTML alternative (base64) and in the headers. */
  m->text = g_strdup_printf ("Hello,\n\n"
                             "this text goes out over SMTP and comes back over IMAP and POP3.\n"
                             ".A line that starts with a dot.\n"
                             "..Two dots.\n"
                             ".\n"
                             "A line that ends in spaces.  \n"
                             "Token %s\n", m->token);
  m->html = g_strdup_printf ("<!DOCTYPE html>\n<html><body>\n"
                             "<p>Hallo, <b>dieser Text</b> geht über SMTP hinaus.</p>\n"
                             "<p>中文：你好，世界。</p>\n<p>Token %s</p>\n</body></html>\n",
                             m->token);
  m->filename = g_strdup ("Prüfbericht 报告 – März.bin");
  m->attachment = binary_attachment ();
  m->attachment_sha256 = sha256_of (m->attachment);
  m->from = g_strdup ("sender@example.test");

  g_assert_true (op_mime_composer_set_from (composer, "Absender Müller", m->from, &error));
  g_assert_no_error (error);
  g_assert_true (op_mime_composer_add_to (composer, "Empfänger Eins", "first@example.test",
                                          &error));
  g_assert_no_error (error);
  g_assert_true (op_mime_composer_add_cc (composer, "收件人", "second@example.test", &error));
  g_assert_no_error (error);
  g_assert_true (op_mime_composer_set_subject (composer, m->subject, &error));
  g_assert_no_error (error);
  /* Marks the test's messages, so a later run removes what a failed one left in INBOX. */
  g_assert_true (op_mime_composer_add_header (composer, "X-Outpost-Test", m->token, &error));
  g_assert_no_error (error);
  op_mime_composer_set_text (composer, m->text);
  op_mime_composer_set_html (composer, m->html);
  g_assert_true (op_mime_composer_add_attachment (composer, m->filename,
                                                  "application/octet-stream",
                                                  m->attachment, &error));
  g_assert_no_error (error);

  /* A fresh UUID-based Message-ID: unique in the shared INBOX. */
  m->message_id = g_strdup (op_mime_composer_get_message_id (composer));
  g_assert_nonnull (strchr (m->message_id, '@'));
  m->recipients = op_mime_composer_dup_recipients (composer);
  g_assert_cmpuint (g_strv_length (m->recipients), ==, 2);
  g_assert_cmpstr (m->recipients[0], ==, "first@example.test");
  g_assert_cmpstr (m->recipients[1], ==, "second@example.test");

  m->composed = op_mime_composer_to_bytes (composer, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (m->composed), >, ATTACHMENT_SIZE);
  /* Headers RFC 2047-encoded, bodies quoted-printable or base64: 7-bit clean, so the
   * servers need neither 8BITMIME nor SMTPUTF8 for it. */
  needs = op_mime_composer_get_requirements (composer, &error);
  g_assert_no_error (error);
  g_assert_cmpint (needs, ==, OP_MIME_NEEDS_NOTHING);
  {
    gsize n;
    const char *data = g_bytes_get_data (m->composed, &n);

    g_assert_nonnull (g_strstr_len (data, (gssize) n, "multipart/mixed"));
    g_assert_nonnull (g_strstr_len (data, (gssize) n, "multipart/alternative"));
    g_assert_nonnull (g_strstr_len (data, (gssize) n, m->message_id));
    /* The dotted lines of the text, as they are (see above). */
    g_assert_nonnull (g_strstr_len (data, (gssize) n, "\r\n.A line that starts with a dot.\r\n"
                                                      "..Two dots.\r\n.\r\n"));
  }
}

/* --- SMTP ------------------------------------------------------------------------ */

/* Sends @m; returns the Maildir name the server stored it under ("queued as NAME"). */
static char *
send_message (Servers       *s,
              const Variant *variant,
              Message       *m,
              GBytes        *wire)
{
  g_autoptr(OpSmtpClient) client = NULL;
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  const char *queued;

  client = op_smtp_client_new (s->smtp_host, s->smtp_port,
                               variant->implicit_tls ? OP_SECURITY_IMPLICIT_TLS
                                                     : OP_SECURITY_STARTTLS);
  op_smtp_client_set_verifier (client, OP_TLS_VERIFIER (s->verifier));
  op_smtp_client_set_timeout (client, TIMEOUT_SECONDS);
  caps = smtp_connect (client, &error);
  g_assert_no_error (error);
  g_assert_nonnull (caps);
  g_assert_true (op_smtp_client_is_tls (client));
  g_assert_true (smtp_login (client, s->smtp_user, s->smtp_password, NULL, &error));
  g_assert_no_error (error);
  op_test_spin_pending ();
  g_assert_cmpint (op_smtp_client_get_auth_mechanism (client), !=, OP_SASL_MECHANISM_NONE);

  stream = g_memory_input_stream_new_from_bytes (m->composed);
  result = smtp_send_stream (client, m->from, (const char * const *) m->recipients, stream,
                             (gssize) g_bytes_get_size (m->composed), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpuint (result->n_accepted, ==, 2);
  g_assert_cmpuint (result->n_refused, ==, 0);
  g_assert_cmpuint (result->recipients->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      OpSmtpRecipient *r = result->recipients->pdata[i];

      g_assert_cmpstr (r->address, ==, m->recipients[i]);
      g_assert_true (r->accepted);
      g_assert_cmpuint (r->code, ==, 250);
      g_assert_null (r->error);
    }
  g_assert_cmpuint (result->reply->code, ==, 250);
  /* Dot-stuffing only adds bytes: at least the normalised message went out. */
  g_assert_cmpuint (result->bytes, >=, g_bytes_get_size (wire));

  queued = strstr (result->reply->text, "queued as ");
  g_assert_nonnull (queued);

  g_assert_true (smtp_quit (client, &error));
  g_assert_no_error (error);
  return g_strdup (queued + strlen ("queued as "));
}

/* The SMTP server's stored copy and envelope of @name. */
static void
check_smtp_store (Servers    *s,
                  const char *name,
                  Message    *m,
                  GBytes     *wire)
{
  g_autofree char *path = g_build_filename (s->smtp_maildir, "new", name, NULL);
  g_autofree char *sidecar = g_build_filename (s->smtp_maildir, "envelope", name, NULL);
  g_autoptr(GKeyFile) envelope = g_key_file_new ();
  g_autofree char *data = NULL;
  g_autofree char *rcpt = NULL;
  g_autofree char *from = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &data, &length, &error));
  g_assert_no_error (error);
  stored = g_bytes_new_take (g_steal_pointer (&data), length);
  assert_bytes_equal (stored, wire, "SMTP server's stored copy");

  g_assert_true (g_key_file_load_from_file (envelope, sidecar, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  from = g_key_file_get_string (envelope, "envelope", "mail-from", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (from, ==, m->from);
  rcpt = g_key_file_get_string (envelope, "envelope", "rcpt-to", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rcpt, ==, "first@example.test;second@example.test;");
}

/* --- the parse ------------------------------------------------------------------- */

static void
check_parse (GBytes  *bytes,
             Message *m)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpMimeMessage) parsed = op_mime_message_parse_bytes (bytes, NULL, &error);
  g_autoptr(GPtrArray) attachments = NULL;
  g_autoptr(GBytes) content = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *marker = NULL;
  OpMimePart *part;
  GPtrArray *from, *to, *cc;

  g_assert_no_error (error);
  g_assert_nonnull (parsed);
  g_assert_false (op_mime_message_get_truncated (parsed));
  g_assert_cmpstr (op_mime_message_get_subject (parsed), ==, m->subject);
  g_assert_cmpstr (op_mime_message_get_message_id (parsed), ==, m->message_id);
  marker = op_mime_message_dup_header (parsed, "X-Outpost-Test");
  g_assert_cmpstr (marker, ==, m->token);

  from = op_mime_message_get_from (parsed);
  to = op_mime_message_get_to (parsed);
  cc = op_mime_message_get_cc (parsed);
  g_assert_cmpuint (from->len, ==, 1);
  g_assert_cmpuint (to->len, ==, 1);
  g_assert_cmpuint (cc->len, ==, 1);
  g_assert_cmpstr (((OpMimeAddress *) from->pdata[0])->name, ==, "Absender Müller");
  g_assert_cmpstr (((OpMimeAddress *) from->pdata[0])->address, ==, m->from);
  g_assert_cmpstr (((OpMimeAddress *) to->pdata[0])->address, ==, "first@example.test");
  g_assert_cmpstr (((OpMimeAddress *) cc->pdata[0])->name, ==, "收件人");

  g_assert_false (op_mime_message_get_text_is_from_html (parsed));
  g_assert_cmpstr (op_mime_message_get_text (parsed), ==, m->text);
  g_assert_cmpstr (op_mime_message_get_html (parsed), ==, m->html);

  attachments = op_mime_message_dup_attachments (parsed);
  g_assert_cmpuint (attachments->len, ==, 1);
  part = attachments->pdata[0];
  g_assert_cmpstr (op_mime_part_get_filename (part), ==, m->filename);
  g_assert_cmpstr (op_mime_part_get_content_type (part), ==, "application/octet-stream");
  g_assert_false (op_mime_part_get_is_inline (part));
  g_assert_cmpuint (op_mime_part_get_size (part), ==, ATTACHMENT_SIZE);
  content = op_mime_part_get_bytes (part, 2 * ATTACHMENT_SIZE, &error);
  g_assert_no_error (error);
  sha = sha256_of (content);
  g_assert_cmpstr (sha, ==, m->attachment_sha256);
}

/* --- IMAP ------------------------------------------------------------------------ */

static OpImapClient *
imap_open (Servers       *s,
           const Variant *variant)
{
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpImapSelectInfo) info = NULL;
  OpImapClient *client;

  client = op_imap_client_new (s->mail_host, s->imap_port,
                               variant->implicit_tls ? OP_SECURITY_IMPLICIT_TLS
                                                     : OP_SECURITY_STARTTLS);
  op_imap_client_set_verifier (client, OP_TLS_VERIFIER (s->verifier));
  op_imap_client_set_timeout (client, TIMEOUT_SECONDS);
  op_imap_client_connect_async (client, NULL, STORE, &r1);
  g_assert_true (op_imap_client_connect_finish (client, WAIT (r1), &error));
  g_assert_no_error (error);
  g_assert_true (op_imap_client_is_tls (client));
  op_imap_client_login_async (client, s->user, s->password, OP_IMAP_AUTH_AUTO, NULL, STORE, &r2);
  g_assert_true (op_imap_client_login_finish (client, WAIT (r2), &error));
  g_assert_no_error (error);
  op_imap_client_select_async (client, "INBOX", FALSE, NULL, STORE, &r3);
  info = op_imap_client_select_finish (client, WAIT (r3), &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  return client;
}

static GArray *
imap_search_message_id (OpImapClient *client,
                        const char   *message_id)
{
  const char *criteria[] = { "HEADER", "Message-ID", message_id, NULL };
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  GArray *uids;

  op_imap_client_search_async (client, criteria, NULL, STORE, &r);
  uids = op_imap_client_search_finish (client, WAIT (r), &error);
  g_assert_no_error (error);
  g_assert_nonnull (uids);
  return uids;
}

/* The message's UID in INBOX. Delivery is a file rename that happened before the
 * server's 250, but Dovecot may see it only at its next look: search again (NOOP in
 * between) for a bounded while. */
static guint32
imap_find (OpImapClient *client,
           const char   *message_id)
{
  gint64 deadline = g_get_monotonic_time () + DELIVERY_WAIT_MS * G_TIME_SPAN_MILLISECOND;

  for (;;)
    {
      g_autoptr(GArray) uids = imap_search_message_id (client, message_id);
      g_autoptr(GAsyncResult) r = NULL;
      g_autoptr(GError) error = NULL;

      /* One message however many recipients: the server delivers one copy. */
      g_assert_cmpuint (uids->len, <=, 1);
      if (uids->len == 1)
        return g_array_index (uids, guint32, 0);
      if (g_get_monotonic_time () > deadline)
        g_error ("message <%s> did not arrive in INBOX within %d ms: smtp.sh delivers "
                 "into Dovecot's Maildir only when both start together "
                 "(tests/servers/start --only dovecot smtp)", message_id, DELIVERY_WAIT_MS);
      op_test_spin_for (100);
      op_imap_client_noop_async (client, NULL, STORE, &r);
      g_assert_true (op_imap_client_noop_finish (client, WAIT (r), &error));
      g_assert_no_error (error);
    }
}

static GBytes *
imap_read (OpImapClient *client,
           guint32       uid,
           gsize         expected_size)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) fetched = NULL;
  g_autofree char *set = g_strdup_printf ("%u", uid);
  OpImapFetch *f;
  guint64 size = 0;

  /* FLAGS and RFC822.SIZE first: the size the server counts is the size sent. */
  op_imap_client_fetch_async (client, set, OP_IMAP_FETCH_FLAGS | OP_IMAP_FETCH_SIZE, NULL,
                              NULL, STORE, &r1);
  fetched = op_imap_client_fetch_finish (client, WAIT (r1), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetched->len, ==, 1);
  f = fetched->pdata[0];
  g_assert_cmpuint (f->uid, ==, uid);
  g_assert_cmpuint (f->size, ==, expected_size);
  g_assert_false (g_strv_contains ((const char * const *) f->flags, "\\Seen"));

  /* BODY.PEEK[], streamed (the literal is a few hundred KiB). */
  op_imap_client_fetch_to_stream_async (client, uid, "", out, NULL, STORE, &r2);
  g_assert_true (op_imap_client_fetch_to_stream_finish (client, WAIT (r2), &size, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, expected_size);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static void
imap_store_deleted (OpImapClient *client,
                    const char   *set)
{
  const char *deleted[] = { "\\Deleted", NULL };
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;

  op_imap_client_store_async (client, set, OP_IMAP_STORE_ADD, deleted, NULL, STORE, &r);
  g_assert_true (op_imap_client_store_finish (client, WAIT (r), &error));
  g_assert_no_error (error);
}

static void
imap_expunge (OpImapClient *client)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;

  op_imap_client_expunge_async (client, NULL, STORE, &r);
  g_assert_true (op_imap_client_simple_finish (client, WAIT (r), &error));
  g_assert_no_error (error);
}

/* Messages an earlier, failed run of this test left in INBOX (a failed assertion ends
 * the program before its clean-up): every message with our marker header but @keep. */
static void
imap_remove_leftovers (OpImapClient *client,
                       guint32       keep)
{
  const char *criteria[] = { "HEADER", "X-Outpost-Test", "rt-", NULL };
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GString) set = g_string_new (NULL);

  op_imap_client_search_async (client, criteria, NULL, STORE, &r);
  uids = op_imap_client_search_finish (client, WAIT (r), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < uids->len; i++)
    if (g_array_index (uids, guint32, i) != keep)
      g_string_append_printf (set, "%s%u", set->len > 0 ? "," : "",
                              g_array_index (uids, guint32, i));
  if (set->len == 0)
    return;
  g_test_message ("removing messages left by an earlier run: UIDs %s", set->str);
  imap_store_deleted (client, set->str);
  imap_expunge (client);
}

/* STORE \Deleted, EXPUNGE, and check it is gone. The client has no UID EXPUNGE of its
 * own (only in MOVE's fallback): EXPUNGE removes every \Deleted message of INBOX, and
 * no other test marks one there (they change messages in folders of their own). */
static void
imap_delete (OpImapClient *client,
             guint32       uid,
             const char   *message_id)
{
  g_autofree char *set = g_strdup_printf ("%u", uid);
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) after = NULL;

  imap_store_deleted (client, set);
  imap_expunge (client);
  after = imap_search_message_id (client, message_id);
  g_assert_cmpuint (after->len, ==, 0);

  op_imap_client_logout_async (client, NULL, STORE, &r3);
  g_assert_true (op_imap_client_logout_finish (client, WAIT (r3), &error));
  g_assert_no_error (error);
}

/* --- POP3 ------------------------------------------------------------------------ */

static OpPop3Client *
pop3_open (Servers       *s,
           const Variant *variant)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  OpPop3Client *client;

  client = op_pop3_client_new (s->mail_host, s->pop3_port,
                               variant->implicit_tls ? OP_SECURITY_IMPLICIT_TLS
                                                     : OP_SECURITY_STARTTLS);
  op_pop3_client_set_verifier (client, OP_TLS_VERIFIER (s->verifier));
  op_pop3_client_set_timeout (client, TIMEOUT_SECONDS);
  op_pop3_client_connect_async (client, s->user, s->password, NULL, STORE, &r);
  g_assert_true (op_pop3_client_connect_finish (client, WAIT (r), &error));
  g_assert_no_error (error);
  g_assert_true (op_pop3_client_is_tls (client));
  return client;
}

static GBytes *
pop3_top_header (OpPop3Client *client,
                 guint         number)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  guint64 bytes = 0;

  op_pop3_client_top_async (client, number, 0, out, NULL, STORE, &r);
  g_assert_true (op_pop3_client_top_finish (client, WAIT (r), &bytes, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

/* Finds the message by UIDL (Dovecot's UIDL is the Maildir file name, which is the name
 * the SMTP server stored it under) and confirms it by TOP 0, then RETR. */
static GBytes *
pop3_read (OpPop3Client *client,
           const char   *name,
           Message      *m,
           GBytes       *wire)
{
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GAsyncResult) r4 = NULL;
  g_autoptr(GPtrArray) uids = NULL;
  g_autoptr(GArray) listing = NULL;
  g_autoptr(GBytes) header = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id_line = g_strdup_printf ("<%s>", m->message_id);
  guint number = 0;
  guint64 bytes = 0;
  gsize header_size;
  const char *header_data;
  const char *wire_data = g_bytes_get_data (wire, NULL);
  const char *blank = strstr (wire_data, "\r\n\r\n");

  op_pop3_client_uidl_async (client, 0, NULL, STORE, &r1);
  uids = op_pop3_client_uidl_finish (client, WAIT (r1), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < uids->len; i++)
    {
      OpPop3UidEntry *entry = uids->pdata[i];

      if (g_str_equal (entry->uid, name))
        {
          g_assert_cmpuint (number, ==, 0);
          number = entry->number;
        }
    }
  if (number == 0)
    g_error ("no POP3 UIDL is “%s” (%u messages)", name, uids->len);

  /* TOP 0: the header section and the blank line, exactly as sent. */
  header = pop3_top_header (client, number);
  header_data = g_bytes_get_data (header, &header_size);
  g_assert_nonnull (g_strstr_len (header_data, (gssize) header_size, id_line));
  g_assert_nonnull (blank);
  g_assert_cmpuint (header_size, ==, (gsize) (blank - wire_data) + 4);
  g_assert_cmpint (memcmp (header_data, wire_data, header_size), ==, 0);

  /* LIST: the size in octets with CRLF line ends, as sent. */
  op_pop3_client_list_async (client, number, NULL, STORE, &r2);
  listing = op_pop3_client_list_finish (client, WAIT (r2), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listing->len, ==, 1);
  g_assert_cmpuint (g_array_index (listing, OpPop3ListEntry, 0).number, ==, number);
  g_assert_cmpuint (g_array_index (listing, OpPop3ListEntry, 0).size, ==, g_bytes_get_size (wire));

  op_pop3_client_retr_async (client, number, out, NULL, NULL, NULL, STORE, &r3);
  g_assert_true (op_pop3_client_retr_finish (client, WAIT (r3), &bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bytes, ==, g_bytes_get_size (wire));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_no_error (error);

  /* Nothing marked for deletion: QUIT leaves the maildir as it was. */
  op_pop3_client_quit_async (client, NULL, STORE, &r4);
  g_assert_true (op_pop3_client_quit_finish (client, WAIT (r4), &error));
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

/* --- the scenario ---------------------------------------------------------------- */

static void
test_round_trip (gconstpointer data)
{
  const Variant *variant = data;
  Servers s;
  Message m = { 0 };
  g_autoptr(GBytes) wire = NULL;
  g_autoptr(GBytes) via_imap = NULL;
  g_autoptr(GBytes) via_pop3 = NULL;
  g_autoptr(OpImapClient) imap = NULL;
  g_autoptr(OpPop3Client) pop3 = NULL;
  g_autofree char *name = NULL;
  guint32 uid;

  if (!servers_get (&s, variant))
    return;

  compose (&m);
  wire = crlf_normalised (m.composed);
  /* The composer writes CRLF already, so the normalisation changes nothing. */
  assert_bytes_equal (wire, m.composed, "composed message after CRLF normalisation");

  name = send_message (&s, variant, &m, wire);
  g_test_message ("sent <%s> (%" G_GSIZE_FORMAT " bytes), stored as %s", m.message_id,
                  g_bytes_get_size (wire), name);
  check_smtp_store (&s, name, &m, wire);

  imap = imap_open (&s, variant);
  uid = imap_find (imap, m.message_id);
  imap_remove_leftovers (imap, uid);
  via_imap = imap_read (imap, uid, g_bytes_get_size (wire));
  assert_bytes_equal (via_imap, wire, "IMAP BODY[]");
  check_parse (via_imap, &m);

  pop3 = pop3_open (&s, variant);
  via_pop3 = pop3_read (pop3, name, &m, wire);
  assert_bytes_equal (via_pop3, wire, "POP3 RETR");

  /* Leave INBOX as it was for the other tests that share it. */
  imap_delete (imap, uid, m.message_id);

  message_clear (&m);
  servers_clear (&s);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/mail/round-trip/starttls", &starttls, test_round_trip);
  g_test_add_data_func ("/mail/round-trip/implicit-tls", &implicit_tls, test_round_trip);

  return op_test_run ();
}
