/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-smtp-servers"

#include "config.h"

#include <gmime/gmime.h>
#include <string.h>

#include "op-smtp-client.h"
#include "op-test-chunked-input-stream.h"
#include "op-test-fixtures.h"
#include "op-test-verifier.h"
#include "test-smtp-common.h"

/*
 * OpSmtpClient against the real SMTP submission server of tests/servers/smtp.sh
 * (aiosmtpd): STARTTLS with each AUTH mechanism, implicit TLS, a multipart message with
 * an attachment stored byte for byte as sent (after the server's dot-unstuffing), a
 * partial recipient failure reported per recipient, the SIZE limit, SMTPUTF8 and
 * 8BITMIME, and the commands around them. Endpoints come from the environment
 * (tests/servers/README.md); without them the tests skip.
 */

typedef struct
{
  const char *host;
  guint16     port;
  guint16     tls_port;
  const char *user;
  const char *password;
  const char *maildir;
  guint64     size_limit;
  OpTestVerifier *verifier;
} Server;

static gboolean
server_get (Server *s)
{
  const char *port, *tls_port, *limit, *ca;
  g_autoptr(GError) error = NULL;

  memset (s, 0, sizeof *s);
  if ((s->host = op_test_endpoint_env ("OUTPOST_TEST_SMTP_HOST")) == NULL ||
      (port = op_test_endpoint_env ("OUTPOST_TEST_SMTP_PORT")) == NULL ||
      (tls_port = op_test_endpoint_env ("OUTPOST_TEST_SMTP_TLS_PORT")) == NULL ||
      (s->user = op_test_endpoint_env ("OUTPOST_TEST_SMTP_USER")) == NULL ||
      (s->password = op_test_endpoint_env ("OUTPOST_TEST_SMTP_PASSWORD")) == NULL ||
      (s->maildir = op_test_endpoint_env ("OUTPOST_TEST_SMTP_MAILDIR")) == NULL ||
      (limit = op_test_endpoint_env ("OUTPOST_TEST_SMTP_SIZE_LIMIT")) == NULL ||
      (ca = op_test_endpoint_env ("OUTPOST_TEST_CA")) == NULL)
    return FALSE;
  s->port = (guint16) g_ascii_strtoull (port, NULL, 10);
  s->tls_port = (guint16) g_ascii_strtoull (tls_port, NULL, 10);
  s->size_limit = g_ascii_strtoull (limit, NULL, 10);
  s->verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  return TRUE;
}

static void
server_clear (Server *s)
{
  g_clear_object (&s->verifier);
}

static OpSmtpClient *
new_client (Server         *s,
            OpSecurity  security)
{
  OpSmtpClient *client = op_smtp_client_new (s->host,
                                             security == OP_SECURITY_IMPLICIT_TLS
                                             ? s->tls_port : s->port,
                                             security);

  op_smtp_client_set_verifier (client, OP_TLS_VERIFIER (s->verifier));
  op_smtp_client_set_timeout (client, 20);
  return client;
}

/* A connected, logged-in client. */
static OpSmtpClient *
ready_client (Server         *s,
              OpSecurity  security)
{
  OpSmtpClient *client = new_client (s, security);
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;

  caps = smtp_connect (client, &error);
  g_assert_no_error (error);
  g_assert_true (smtp_login (client, s->user, s->password, NULL, &error));
  g_assert_no_error (error);
  return client;
}

static char *
unique_token (const char *what)
{
  return g_strdup_printf ("%s-%08x%08x", what, g_random_int (), g_random_int ());
}

/* The stored message that contains @token, and its envelope. NULL when none. */
static GBytes *
find_stored (Server      *s,
             const char  *token,
             GKeyFile   **envelope)
{
  g_autofree char *new_dir = g_build_filename (s->maildir, "new", NULL);
  g_autoptr(GDir) dir = g_dir_open (new_dir, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (new_dir, name, NULL);
      g_autofree char *data = NULL;
      gsize length = 0;

      if (!g_file_get_contents (path, &data, &length, NULL))
        continue;
      if (g_strstr_len (data, (gssize) length, token) == NULL)
        continue;
      if (envelope != NULL)
        {
          g_autofree char *sidecar = g_build_filename (s->maildir, "envelope", name, NULL);
          g_autoptr(GError) error = NULL;

          *envelope = g_key_file_new ();
          g_key_file_load_from_file (*envelope, sidecar, G_KEY_FILE_NONE, &error);
          g_assert_no_error (error);
        }
      return g_bytes_new_take (g_steal_pointer (&data), length);
    }
  return NULL;
}

/* LF → CRLF where not already CRLF, and a last CRLF: what the wire carries after the
 * server undid the dot-stuffing. */
static GBytes *
crlf_normalised (const char *data,
                 gsize       length)
{
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

static char *
simple_message (const char *token,
                const char *from,
                const char *to)
{
  return g_strdup_printf ("From: <%s>\nTo: <%s>\nSubject: %s\nMessage-ID: <%s@example.test>\n"
                          "\nHello.\n.A line that starts with a dot.\n..Two dots.\n.\nEnd.\n",
                          from, to, token, token);
}

/* --- login with each mechanism ---------------------------------------------------- */

static void
check_mechanism (OpSaslMechanism mechanism)
{
  Server s;
  g_autoptr(OpSmtpClient) client = NULL;
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) envelope = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autofree char *token = unique_token (op_sasl_mechanism_to_string (mechanism));
  g_autofree char *message = simple_message (token, "sender@example.test",
                                             "rcpt@example.test");
  g_autoptr(GBytes) expected = crlf_normalised (message, strlen (message));
  g_autofree char *auth_user = NULL;
  g_autofree char *tls = NULL;
  const char *rcpt[] = { "rcpt@example.test", NULL };
  g_autofree char *password_b64 = NULL;

  if (!server_get (&s))
    return;
  client = new_client (&s, OP_SECURITY_STARTTLS);
  op_smtp_client_set_allowed_mechanisms (client, mechanism);
  caps = smtp_connect (client, &error);
  g_assert_no_error (error);
  /* After STARTTLS: the second EHLO's capabilities, with AUTH and without STARTTLS. */
  g_assert_false (caps->starttls);
  g_assert_true (g_strv_contains ((const char * const *) caps->auth,
                                  op_sasl_mechanism_to_string (mechanism)));
  op_test_spin_pending ();
  g_assert_true (op_smtp_client_is_tls (client));
  g_assert_true (op_smtp_client_has_extension (client, "pipelining"));
  g_assert_false (op_smtp_client_has_extension (client, "STARTTLS"));

  g_assert_true (smtp_login (client, s.user, s.password, NULL, &error));
  g_assert_no_error (error);
  op_test_spin_pending ();
  g_assert_cmpint (op_smtp_client_get_auth_mechanism (client), ==, mechanism);

  result = smtp_send (client, "sender@example.test", rcpt, message, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->n_accepted, ==, 1);
  g_assert_cmpuint (result->reply->code, ==, 250);

  stored = find_stored (&s, token, &envelope);
  g_assert_nonnull (stored);
  g_assert_true (g_bytes_equal (stored, expected));
  auth_user = g_key_file_get_string (envelope, "envelope", "auth-user", NULL);
  tls = g_key_file_get_string (envelope, "envelope", "tls", NULL);
  g_assert_cmpstr (auth_user, ==, s.user);
  g_assert_cmpstr (tls, ==, "true");

  /* The log shows the mechanism, never the password or a SASL blob holding it. */
  g_assert_true (smtp_log_contains (client, op_sasl_mechanism_to_string (mechanism)));
  g_assert_false (smtp_log_contains (client, s.password));
  password_b64 = g_base64_encode ((const guchar *) s.password, strlen (s.password));
  g_assert_false (smtp_log_contains (client, password_b64));

  g_assert_true (smtp_quit (client, &error));
  g_assert_no_error (error);
  op_test_spin_pending ();
  g_assert_cmpint (op_smtp_client_get_state (client), ==, OP_SMTP_STATE_DISCONNECTED);
  server_clear (&s);
}

static void
test_starttls_plain (void)
{
  check_mechanism (OP_SASL_MECHANISM_PLAIN);
}

static void
test_starttls_login (void)
{
  check_mechanism (OP_SASL_MECHANISM_LOGIN);
}

static void
test_starttls_cram_md5 (void)
{
  check_mechanism (OP_SASL_MECHANISM_CRAM_MD5);
}

/* Without a restriction the strongest offered mechanism is used: CRAM-MD5. */
static void
test_strongest_mechanism (void)
{
  Server s;
  g_autoptr(OpSmtpClient) client = NULL;

  if (!server_get (&s))
    return;
  client = ready_client (&s, OP_SECURITY_STARTTLS);
  op_test_spin_pending ();
  g_assert_cmpint (op_smtp_client_get_auth_mechanism (client), ==, OP_SASL_MECHANISM_CRAM_MD5);
  server_clear (&s);
}

static void
test_wrong_password (void)
{
  Server s;
  g_autoptr(OpSmtpClient) client = NULL;
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(GError) error = NULL;
  const OpSaslMechanism mechanisms[] = { OP_SASL_MECHANISM_PLAIN, OP_SASL_MECHANISM_LOGIN,
                                         OP_SASL_MECHANISM_CRAM_MD5 };

  if (!server_get (&s))
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (mechanisms); i++)
    {
      client = new_client (&s, OP_SECURITY_IMPLICIT_TLS);
      op_smtp_client_set_allowed_mechanisms (client, mechanisms[i]);
      caps = smtp_connect (client, &error);
      g_assert_no_error (error);
      g_assert_false (smtp_login (client, s.user, "not-the-password", NULL, &error));
      g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_AUTH_FAILED);
      g_assert_nonnull (strstr (error->message, "535"));
      g_clear_error (&error);
      /* The session stays usable: try again with the right password. */
      g_assert_true (smtp_login (client, s.user, s.password, NULL, &error));
      g_assert_no_error (error);
      g_clear_pointer (&caps, op_smtp_capabilities_free);
      g_clear_object (&client);
    }
  server_clear (&s);
}

/* On the STARTTLS port, a plain-text session sees no AUTH (the server offers it only
 * after TLS), and the server refuses MAIL before TLS. */
static void
test_no_auth_before_tls (void)
{
  Server s;
  g_autoptr(OpSmtpClient) client = NULL;
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpCapabilities) after = NULL;
  g_autoptr(GError) error = NULL;

  if (!server_get (&s))
    return;
  client = new_client (&s, OP_SECURITY_NONE);
  caps = smtp_connect (client, &error);
  g_assert_no_error (error);
  g_assert_true (caps->starttls);
  g_assert_cmpuint (g_strv_length (caps->auth), ==, 0);
  g_assert_false (smtp_login (client, s.user, s.password, NULL, &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_AUTH_UNAVAILABLE);
  g_clear_error (&error);

  /* smtplib's starttls() on such a session, then login works. */
  after = smtp_starttls (client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (after->auth), ==, 3);
  g_assert_true (smtp_login (client, s.user, s.password, NULL, &error));
  g_assert_no_error (error);
  server_clear (&s);
}

/* --- implicit TLS ---------------------------------------------------------------- */

static void
test_implicit_tls (void)
{
  Server s;
  g_autoptr(OpSmtpClient) client = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GKeyFile) envelope = NULL;
  g_autofree char *token = unique_token ("implicit");
  g_autofree char *message = simple_message (token, "a@example.test", "b@example.test");
  g_autoptr(GBytes) expected = crlf_normalised (message, strlen (message));
  g_autofree char *tls = NULL;
  const char *rcpt[] = { "b@example.test", NULL };

  if (!server_get (&s))
    return;
  client = ready_client (&s, OP_SECURITY_IMPLICIT_TLS);
  op_test_spin_pending ();
  g_assert_true (op_smtp_client_is_tls (client));
  g_assert_nonnull (op_smtp_client_get_peer_certificate (client));

  result = smtp_send (client, "a@example.test", rcpt, message, -1, NULL, &error);
  g_assert_no_error (error);
  stored = find_stored (&s, token, &envelope);
  g_assert_nonnull (stored);
  g_assert_true (g_bytes_equal (stored, expected));
  tls = g_key_file_get_string (envelope, "envelope", "tls", NULL);
  g_assert_cmpstr (tls, ==, "true");
  server_clear (&s);
}

/* --- a multipart message with an attachment, byte for byte ------------------------- */

static GBytes *
compose_multipart (const char *token,
                   gsize       attachment_size)
{
  g_autoptr(GObject) message = G_OBJECT (g_mime_message_new (TRUE));
  g_autoptr(GObject) text = G_OBJECT (g_mime_text_part_new_with_subtype ("plain"));
  g_autoptr(GObject) attachment = G_OBJECT (g_mime_part_new_with_type ("application",
                                                                       "octet-stream"));
  g_autoptr(GObject) multipart = G_OBJECT (g_mime_multipart_new_with_subtype ("mixed"));
  g_autoptr(GObject) content = NULL;
  g_autoptr(GObject) wrapper = NULL;
  g_autoptr(GObject) out = NULL;
  GByteArray *random = g_byte_array_sized_new (attachment_size);
  g_autofree char *subject = g_strdup_printf ("Attachment %s", token);
  g_autofree char *body = g_strdup_printf ("Hello,\n.\n.the attachment is below.\n"
                                           "..and dots stay.\n%s\n", token);
  GByteArray *bytes;

  g_mime_message_add_mailbox (GMIME_MESSAGE (message), GMIME_ADDRESS_TYPE_FROM, "Sender",
                              "sender@example.test");
  g_mime_message_add_mailbox (GMIME_MESSAGE (message), GMIME_ADDRESS_TYPE_TO, "Rcpt",
                              "rcpt@example.test");
  g_mime_message_set_subject (GMIME_MESSAGE (message), subject, NULL);

  g_mime_text_part_set_text (GMIME_TEXT_PART (text), body);
  /* 7bit on purpose: the lines with leading dots reach the wire as they are. */
  g_mime_part_set_content_encoding (GMIME_PART (text), GMIME_CONTENT_ENCODING_7BIT);

  for (gsize i = 0; i < attachment_size; i++)
    {
      guint8 b = (guint8) g_random_int_range (0, 256);

      g_byte_array_append (random, &b, 1);
    }
  content = G_OBJECT (g_mime_stream_mem_new_with_byte_array (random));
  wrapper = G_OBJECT (g_mime_data_wrapper_new_with_stream (GMIME_STREAM (content),
                                                           GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content (GMIME_PART (attachment), GMIME_DATA_WRAPPER (wrapper));
  g_mime_part_set_filename (GMIME_PART (attachment), "data.bin");
  g_mime_part_set_content_encoding (GMIME_PART (attachment), GMIME_CONTENT_ENCODING_BASE64);

  g_mime_multipart_add (GMIME_MULTIPART (multipart), GMIME_OBJECT (text));
  g_mime_multipart_add (GMIME_MULTIPART (multipart), GMIME_OBJECT (attachment));
  g_mime_message_set_mime_part (GMIME_MESSAGE (message), GMIME_OBJECT (multipart));

  out = G_OBJECT (g_mime_stream_mem_new ());
  g_mime_object_write_to_stream (GMIME_OBJECT (message), NULL, GMIME_STREAM (out));
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  return g_bytes_new (bytes->data, bytes->len);
}

static void
test_multipart_attachment_byte_for_byte (void)
{
  Server s;
  g_autoptr(OpSmtpClient) client = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GKeyFile) envelope = NULL;
  g_autofree char *token = unique_token ("multipart");
  g_autoptr(GBytes) message = compose_multipart (token, 200 * 1024);
  g_autoptr(GBytes) expected = NULL;
  g_auto(GStrv) rcpt_to = NULL;
  g_autofree char *mail_from = NULL;
  g_autofree char *options = NULL;
  const char *rcpt[] = { "rcpt@example.test", NULL };
  gsize size;
  const char *data = g_bytes_get_data (message, &size);

  if (!server_get (&s))
    return;
  expected = crlf_normalised (data, size);
  client = ready_client (&s, OP_SECURITY_STARTTLS);
  result = smtp_send (client, "sender@example.test", rcpt, data, (gssize) size, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->n_accepted, ==, 1);
  g_assert_cmpuint (result->n_refused, ==, 0);
  /* Stuffed: three lines start with a dot, so three bytes more than the CRLF form, plus
   * nothing else. */
  g_assert_cmpuint (result->bytes, ==, g_bytes_get_size (expected) + 3);

  stored = find_stored (&s, token, &envelope);
  g_assert_nonnull (stored);
  g_assert_cmpuint (g_bytes_get_size (stored), ==, g_bytes_get_size (expected));
  g_assert_true (g_bytes_equal (stored, expected));

  mail_from = g_key_file_get_string (envelope, "envelope", "mail-from", NULL);
  rcpt_to = g_key_file_get_string_list (envelope, "envelope", "rcpt-to", NULL, NULL);
  options = g_key_file_get_string (envelope, "envelope", "mail-options", NULL);
  g_assert_cmpstr (mail_from, ==, "sender@example.test");
  g_assert_cmpuint (g_strv_length (rcpt_to), ==, 1);
  g_assert_cmpstr (rcpt_to[0], ==, "rcpt@example.test");
  /* SIZE was declared with the CRLF size; a 7-bit message asks for no 8BITMIME. */
  {
    g_autofree char *declared = g_strdup_printf ("SIZE=%" G_GSIZE_FORMAT ";",
                                                 g_bytes_get_size (expected));
    g_assert_nonnull (strstr (options, declared));
    g_assert_null (strstr (options, "8BITMIME"));
  }
  server_clear (&s);
}

/* The same through a stream that cannot be rewound and splits the message so that a
 * dot-line starts right at a read boundary and CR and LF of one line end fall into two
 * reads: stuffing and CRLF must not depend on how the bytes arrive. */
static void
test_unseekable_stream_split_everywhere (void)
{
  Server s;
  g_autoptr(OpSmtpClient) client = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(OpTestChunkedInputStream) stream = op_test_chunked_input_stream_new ();
  g_autofree char *token = unique_token ("chunked");
  g_autofree char *head = g_strdup_printf ("Subject: %s\r\n\r\nfirst line\r", token);
  const char *chunks[] = { "\n", ".dot at a boundary\n", "", "x\r", "\n.", ".\n", ".", "\n",
                           "no final line end" };
  GString *whole = g_string_new (head);
  g_autoptr(GBytes) expected = NULL;
  const char *rcpt[] = { "rcpt@example.test", NULL };

  if (!server_get (&s))
    return;
  op_test_chunked_input_stream_add_string (stream, head);
  for (gsize i = 0; i < G_N_ELEMENTS (chunks); i++)
    {
      if (chunks[i][0] != '\0')
        op_test_chunked_input_stream_add_string (stream, chunks[i]);
      g_string_append (whole, chunks[i]);
    }
  expected = crlf_normalised (whole->str, whole->len);
  g_string_free (whole, TRUE);

  client = ready_client (&s, OP_SECURITY_STARTTLS);
  result = smtp_send_stream (client, "sender@example.test", rcpt, G_INPUT_STREAM (stream), -1,
                             NULL, &error);
  g_assert_no_error (error);
  stored = find_stored (&s, token, NULL);
  g_assert_nonnull (stored);
  g_assert_true (g_bytes_equal (stored, expected));
  server_clear (&s);
}

/* --- recipients ---------------------------------------------------------------------- */

static void
test_partial_recipient_failure (void)
{
  Server s;
  g_autoptr(OpSmtpClient) client = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GKeyFile) envelope = NULL;
  g_auto(GStrv) rcpt_to = NULL;
  g_autofree char *token = unique_token ("partial");
  g_autofree char *message = simple_message (token, "sender@example.test", "many");
  const char *rcpt[] = { "one@example.test", "reject-me@example.test", "two@example.test",
                         "rejected.too@example.test", NULL };
  OpSmtpRecipient *r;

  if (!server_get (&s))
    return;
  client = ready_client (&s, OP_SECURITY_STARTTLS);
  result = smtp_send (client, "sender@example.test", rcpt, message, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->recipients->len, ==, 4);
  g_assert_cmpuint (result->n_accepted, ==, 2);
  g_assert_cmpuint (result->n_refused, ==, 2);

  r = g_ptr_array_index (result->recipients, 0);
  g_assert_cmpstr (r->address, ==, "one@example.test");
  g_assert_true (r->accepted);
  g_assert_null (r->error);
  r = g_ptr_array_index (result->recipients, 1);
  g_assert_cmpstr (r->address, ==, "reject-me@example.test");
  g_assert_false (r->accepted);
  g_assert_cmpuint (r->code, ==, 550);
  g_assert_cmpstr (r->enhanced_code, ==, "5.1.1");
  g_assert_nonnull (strstr (r->text, "Recipient address rejected"));
  g_assert_error (r->error, OP_SMTP_ERROR, OP_SMTP_ERROR_RECIPIENT_REFUSED);
  r = g_ptr_array_index (result->recipients, 2);
  g_assert_true (r->accepted);
  r = g_ptr_array_index (result->recipients, 3);
  g_assert_false (r->accepted);

  /* Delivered to exactly the accepted ones. */
  stored = find_stored (&s, token, &envelope);
  g_assert_nonnull (stored);
  rcpt_to = g_key_file_get_string_list (envelope, "envelope", "rcpt-to", NULL, NULL);
  g_assert_cmpuint (g_strv_length (rcpt_to), ==, 2);
  g_assert_cmpstr (rcpt_to[0], ==, "one@example.test");
  g_assert_cmpstr (rcpt_to[1], ==, "two@example.test");
  server_clear (&s);
}

static void
test_all_recipients_refused (void)
{
  Server s;
  g_autoptr(OpSmtpClient) client = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(OpSmtpSendResult) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autofree char *token = unique_token ("allrefused");
  g_autofree char *message = simple_message (token, "sender@example.test", "nobody");
  const char *rcpt[] = { "reject1@example.test", "reject2@example.test", NULL };
  const char *good[] = { "good@example.test", NULL };

  if (!server_get (&s))
    return;
  client = ready_client (&s, OP_SECURITY_STARTTLS);
  result = smtp_send (client, "sender@example.test", rcpt, message, -1, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_ALL_RECIPIENTS_REFUSED);
  g_assert_nonnull (strstr (error->message, "reject1@example.test: 550 5.1.1"));
  g_assert_nonnull (strstr (error->message, "reject2@example.test: 550 5.1.1"));
  g_clear_error (&error);
  g_assert_null (find_stored (&s, token, NULL));

  /* The session was reset and sends the next message. */
  again = smtp_send (client, "sender@example.test", good, message, -1, NULL, &error);
  g_assert_no_error (error);
  stored = find_stored (&s, token, NULL);
  g_assert_nonnull (stored);
  server_clear (&s);
}

/* --- size, 8BITMIME, SMTPUTF8 ------------------------------------------------------ */

static char *
large_message (const char *token,
               guint64     size)
{
  GString *m = g_string_new (NULL);

  g_string_append_printf (m, "Subject: %s\r\n\r\n", token);
  while (m->len < size)
    g_string_append (m, "0123456789012345678901234567890123456789012345678901234567890123\r\n");
  return g_string_free (m, FALSE);
}

static void
test_message_too_large (void)
{
  Server s;
  g_autoptr(OpSmtpClient) client = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(OpSmtpSendResult) small = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = unique_token ("toolarge");
  g_autofree char *message = NULL;
  g_autofree char *small_token = unique_token ("small-after-large");
  g_autofree char *small_message = NULL;
  const char *rcpt[] = { "rcpt@example.test", NULL };

  if (!server_get (&s))
    return;
  message = large_message (token, s.size_limit + 1000);
  small_message = simple_message (small_token, "a@example.test", "rcpt@example.test");
  client = ready_client (&s, OP_SECURITY_STARTTLS);

  /* Known size: refused before MAIL; the log shows no MAIL or DATA. */
  result = smtp_send (client, "sender@example.test", rcpt, message, -1, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_MESSAGE_TOO_LARGE);
  g_clear_error (&error);
  g_assert_false (smtp_log_contains (client, "MAIL FROM"));
  g_assert_false (smtp_log_contains (client, "DATA"));

  /* The session is unharmed. */
  small = smtp_send (client, "a@example.test", rcpt, small_message, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (find_stored (&s, token, NULL));
  server_clear (&s);
}

/* Unknown size through a stream that cannot be rewound: the client stops before the
 * final "." once the limit is passed, so nothing is delivered. */
static void
test_message_too_large_unknown_size (void)
{
  Server s;
  g_autoptr(OpSmtpClient) client = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpTestChunkedInputStream) stream = op_test_chunked_input_stream_new ();
  g_autofree char *token = unique_token ("toolarge-stream");
  g_autofree char *message = NULL;
  const char *rcpt[] = { "rcpt@example.test", NULL };
  gsize length;

  if (!server_get (&s))
    return;
  message = large_message (token, s.size_limit + 200 * 1024);
  length = strlen (message);
  for (gsize off = 0; off < length; off += 32 * 1024)
    op_test_chunked_input_stream_add (stream, message + off, MIN (32 * 1024, length - off));
  client = ready_client (&s, OP_SECURITY_STARTTLS);
  result = smtp_send_stream (client, "sender@example.test", rcpt, G_INPUT_STREAM (stream), -1,
                             NULL, &error);
  g_assert_null (result);
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_MESSAGE_TOO_LARGE);
  op_test_spin_pending ();
  g_assert_cmpint (op_smtp_client_get_state (client), ==, OP_SMTP_STATE_DISCONNECTED);
  /* Give the server a moment: had it seen a final ".", it would have stored it. */
  g_usleep (200 * 1000);
  g_assert_null (find_stored (&s, token, NULL));
  server_clear (&s);
}

static void
test_utf8_and_8bit (void)
{
  Server s;
  g_autoptr(OpSmtpClient) client = NULL;
  g_autoptr(OpSmtpSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GKeyFile) envelope = NULL;
  g_autofree char *token = unique_token ("utf8");
  g_autofree char *message = g_strdup_printf ("Subject: 你好 %s\r\nTo: <用户@例子.测试>\r\n\r\n"
                                              "Grüße aus Outpost.\r\n", token);
  g_autofree char *options = NULL;
  g_auto(GStrv) rcpt_to = NULL;
  const char *rcpt[] = { "用户@例子.测试", NULL };

  if (!server_get (&s))
    return;
  client = ready_client (&s, OP_SECURITY_STARTTLS);
  result = smtp_send (client, "sender@example.test", rcpt, message, -1, NULL, &error);
  g_assert_no_error (error);
  stored = find_stored (&s, token, &envelope);
  g_assert_nonnull (stored);
  g_assert_cmpmem (g_bytes_get_data (stored, NULL), g_bytes_get_size (stored),
                   message, strlen (message));
  options = g_key_file_get_string (envelope, "envelope", "mail-options", NULL);
  g_assert_nonnull (strstr (options, "BODY=8BITMIME"));
  g_assert_nonnull (strstr (options, "SMTPUTF8"));
  rcpt_to = g_key_file_get_string_list (envelope, "envelope", "rcpt-to", NULL, NULL);
  g_assert_cmpstr (rcpt_to[0], ==, "用户@例子.测试");
  server_clear (&s);
}

/* --- the other commands -------------------------------------------------------------- */

static void
test_commands (void)
{
  Server s;
  g_autoptr(OpSmtpClient) client = NULL;
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpCapabilities) helo = NULL;
  g_autoptr(OpSmtpReply) reply = NULL;
  g_autoptr(OpSmtpReply) refused = NULL;
  g_autoptr(GError) error = NULL;

  if (!server_get (&s))
    return;
  client = ready_client (&s, OP_SECURITY_STARTTLS);
  g_assert_true (smtp_noop (client, &error));
  g_assert_no_error (error);
  g_assert_true (smtp_rset (client, &error));
  g_assert_no_error (error);

  /* docmd(): replies come back as they are, errors included. */
  reply = smtp_command (client, "HELP", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (reply->code / 100, ==, 2);
  refused = smtp_command (client, "VRFY", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (refused->code, >=, 500);
  g_assert_null (smtp_command (client, "DATA", &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (smtp_command (client, "NOOP\r\nQUIT", &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  caps = smtp_ehlo (client, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (caps->pipelining);
  helo = smtp_ehlo (client, TRUE, &error);
  g_assert_no_error (error);
  g_assert_false (helo->pipelining);
  op_test_spin_pending ();
  g_assert_false (op_smtp_client_has_extension (client, "PIPELINING"));

  g_assert_true (smtp_quit (client, &error));
  g_assert_no_error (error);
  g_assert_false (smtp_noop (client, &error));
  g_assert_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_NOT_CONNECTED);
  server_clear (&s);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/smtp/aiosmtpd/starttls/auth-plain", test_starttls_plain);
  g_test_add_func ("/smtp/aiosmtpd/starttls/auth-login", test_starttls_login);
  g_test_add_func ("/smtp/aiosmtpd/starttls/auth-cram-md5", test_starttls_cram_md5);
  g_test_add_func ("/smtp/aiosmtpd/auth/strongest-mechanism", test_strongest_mechanism);
  g_test_add_func ("/smtp/aiosmtpd/auth/wrong-password", test_wrong_password);
  g_test_add_func ("/smtp/aiosmtpd/auth/not-offered-before-tls", test_no_auth_before_tls);
  g_test_add_func ("/smtp/aiosmtpd/implicit-tls/send", test_implicit_tls);
  g_test_add_func ("/smtp/aiosmtpd/send/multipart-attachment-byte-for-byte",
                   test_multipart_attachment_byte_for_byte);
  g_test_add_func ("/smtp/aiosmtpd/send/unseekable-stream-split-everywhere",
                   test_unseekable_stream_split_everywhere);
  g_test_add_func ("/smtp/aiosmtpd/send/partial-recipient-failure",
                   test_partial_recipient_failure);
  g_test_add_func ("/smtp/aiosmtpd/send/all-recipients-refused", test_all_recipients_refused);
  g_test_add_func ("/smtp/aiosmtpd/send/too-large", test_message_too_large);
  g_test_add_func ("/smtp/aiosmtpd/send/too-large-unknown-size",
                   test_message_too_large_unknown_size);
  g_test_add_func ("/smtp/aiosmtpd/send/utf8-and-8bit", test_utf8_and_8bit);
  g_test_add_func ("/smtp/aiosmtpd/commands", test_commands);

  return op_test_run ();
}
