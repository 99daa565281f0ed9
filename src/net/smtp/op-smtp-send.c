/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-smtp"

/* OpSmtpClient, part two: what a send does (scanning the message, the envelope, DATA
 * and its outcome). The session, EHLO, STARTTLS and AUTH are in op-smtp-client.c. */

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <string.h>

#include "op-connection.h"
#include "op-smtp-client-private.h"

/* RFC 5321 §4.5.3.2.6: "DATA Termination: 10 minutes" — the server may scan the message
 * before it answers; giving up earlier would leave its fate unknown for no reason. */
#define DATA_END_TIMEOUT_SECONDS (10 * 60)
/* One read of the message: large enough for few system calls, small enough to keep the
 * memory of a send flat whatever the message's size. */
#define MESSAGE_CHUNK_SIZE (64 * 1024)

#define SESSION(self) (OP_SESSION (self))

G_DEFINE_BOXED_TYPE (OpSmtpSendResult, op_smtp_send_result, op_smtp_send_result_copy,
                     op_smtp_send_result_free)

/* --- results ------------------------------------------------------------------------- */

static void
recipient_free (OpSmtpRecipient *r)
{
  g_free (r->address);
  g_free (r->enhanced_code);
  g_free (r->text);
  g_clear_error (&r->error);
  g_free (r);
}

static OpSmtpRecipient *
recipient_copy (const OpSmtpRecipient *r)
{
  OpSmtpRecipient *copy = g_new0 (OpSmtpRecipient, 1);

  copy->address = g_strdup (r->address);
  copy->accepted = r->accepted;
  copy->code = r->code;
  copy->enhanced_code = g_strdup (r->enhanced_code);
  copy->text = g_strdup (r->text);
  copy->error = r->error != NULL ? g_error_copy (r->error) : NULL;
  return copy;
}

void
op_smtp_send_result_free (OpSmtpSendResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->recipients, g_ptr_array_unref);
  g_clear_pointer (&result->reply, op_smtp_reply_free);
  g_free (result);
}

static OpSmtpSendResult *
send_result_new (void)
{
  OpSmtpSendResult *result = g_new0 (OpSmtpSendResult, 1);

  result->recipients = g_ptr_array_new_with_free_func ((GDestroyNotify) recipient_free);
  return result;
}

OpSmtpSendResult *
op_smtp_send_result_copy (const OpSmtpSendResult *result)
{
  OpSmtpSendResult *copy;

  g_return_val_if_fail (result != NULL, NULL);

  copy = send_result_new ();
  for (guint i = 0; i < result->recipients->len; i++)
    g_ptr_array_add (copy->recipients,
                     recipient_copy (g_ptr_array_index (result->recipients, i)));
  copy->n_accepted = result->n_accepted;
  copy->n_refused = result->n_refused;
  copy->reply = result->reply != NULL ? op_smtp_reply_copy (result->reply) : NULL;
  copy->bytes = result->bytes;
  return copy;
}

/* --- scanning ------------------------------------------------------------------------ */

/* RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets with its CRLF. Servers refuse
 * longer ones, or worse, break them (which corrupts signatures): refuse before sending. */
#define MAX_LINE_LENGTH 998

typedef struct
{
  gboolean in_headers;
  gboolean line_empty;
  gboolean eight_bit;
  gboolean utf8_headers;
  gboolean nul;
  char     previous;
  guint64  line_length;  /* bytes since the last LF */
  guint64  longest;      /* the longest line so far, without its line end */
  guint64  bytes;        /* as given */
  guint64  wire_bytes;   /* with every bare LF made CRLF (RFC 1870 §3: the size counts
                          * CRLF line ends; dot-stuffing is not counted) */
} Scanner;

static void
scanner_init (Scanner *s)
{
  memset (s, 0, sizeof *s);
  s->in_headers = TRUE;
  s->line_empty = TRUE;
}

static void
scanner_feed (Scanner      *s,
              const guint8 *data,
              gsize         size)
{
  for (gsize i = 0; i < size; i++)
    {
      guint8 b = data[i];

      if (b >= 0x80)
        {
          s->eight_bit = TRUE;
          if (s->in_headers)
            s->utf8_headers = TRUE;
        }
      else if (b == '\0')
        s->nul = TRUE;
      if (b == '\n')
        {
          if (s->previous != '\r')
            s->wire_bytes++;
          /* RFC 5322 §2.1: the header section ends at the first empty line. */
          if (s->line_empty)
            s->in_headers = FALSE;
          s->line_empty = TRUE;
          s->line_length = 0;
        }
      else
        {
          /* A CR counts once something follows it on the line (not before its LF). */
          s->line_length++;
          if (b != '\r')
            {
              s->line_empty = FALSE;
              s->longest = MAX (s->longest, s->line_length);
            }
        }
      s->previous = (char) b;
    }
  s->bytes += size;
  s->wire_bytes += size;
}

/* The size once sent: a last line without its line end gets one (GMime's unix2dos). */
static guint64
scanner_wire_size (const Scanner *s)
{
  return s->wire_bytes + (s->bytes > 0 && s->previous != '\n' ? 2 : 0);
}

void
op_smtp_message_scan (const guint8 *data,
                      gsize         size,
                      gboolean     *needs_8bit,
                      gboolean     *needs_utf8)
{
  Scanner s;

  g_return_if_fail (data != NULL || size == 0);

  scanner_init (&s);
  scanner_feed (&s, data, size);
  if (needs_8bit != NULL)
    *needs_8bit = s.eight_bit;
  if (needs_utf8 != NULL)
    *needs_utf8 = s.utf8_headers;
}

/* --- sending (worker) ---------------------------------------------------------------- */

void
_op_smtp_send_job_free (OpSmtpSendJob *job)
{
  g_free (job->from);
  g_strfreev (job->recipients);
  g_clear_object (&job->message);
  g_free (job->envid);
  g_free (job);
}

/* RFC 5321 §4.1.2 paths, without the angle brackets the client adds. */
static gboolean
check_address (const char  *address,
               gboolean     allow_empty,
               gboolean    *non_ascii,
               GError     **error)
{
  if (!op_connection_check_text (address, -1, NULL) || !g_utf8_validate (address, -1, NULL) ||
      strpbrk (address, "<> ") != NULL || (*address == '\0' && !allow_empty))
    {
      g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an address that can be sent to the server."), address);
      return FALSE;
    }
  for (const char *p = address; *p != '\0'; p++)
    if ((guchar) *p >= 0x80)
      *non_ascii = TRUE;
  return TRUE;
}

/* RFC 3461 §4: xtext. */
static char *
xtext (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (*p >= 33 && *p <= 126 && *p != '+' && *p != '=')
        g_string_append_c (out, (char) *p);
      else
        g_string_append_printf (out, "+%02X", *p);
    }
  return g_string_free (out, FALSE);
}

static char *
notify_parameter (OpSmtpDsnNotify notify)
{
  GString *s;

  if (notify == OP_SMTP_DSN_NOTIFY_DEFAULT)
    return NULL;
  if (notify & OP_SMTP_DSN_NOTIFY_NEVER)
    return g_strdup ("NOTIFY=NEVER");
  s = g_string_new ("NOTIFY=");
  if (notify & OP_SMTP_DSN_NOTIFY_SUCCESS)
    g_string_append (s, "SUCCESS,");
  if (notify & OP_SMTP_DSN_NOTIFY_FAILURE)
    g_string_append (s, "FAILURE,");
  if (notify & OP_SMTP_DSN_NOTIFY_DELAY)
    g_string_append (s, "DELAY,");
  g_string_truncate (s, s->len - 1);
  return g_string_free (s, FALSE);
}

/* What the message needs and how large it is, read through once when the stream can be
 * rewound; otherwise @scanner stays empty and @size is the caller's. */
static gboolean
prescan (GInputStream  *message,
         Scanner       *scanner,
         gboolean      *scanned,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autofree guint8 *buffer = NULL;
  goffset start;

  scanner_init (scanner);
  *scanned = FALSE;
  if (!G_IS_SEEKABLE (message) || !g_seekable_can_seek (G_SEEKABLE (message)))
    return TRUE;
  start = g_seekable_tell (G_SEEKABLE (message));
  buffer = g_malloc (MESSAGE_CHUNK_SIZE);
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_input_stream_read (message, buffer, MESSAGE_CHUNK_SIZE, cancellable,
                                      &local_error);

      if (n < 0)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_LOCAL,
                         _("The message could not be read: %s"), local_error->message);
          return FALSE;
        }
      if (n == 0)
        break;
      scanner_feed (scanner, buffer, (gsize) n);
    }
  if (!g_seekable_seek (G_SEEKABLE (message), start, G_SEEK_SET, cancellable, error))
    return FALSE;
  *scanned = TRUE;
  return TRUE;
}

/* Ends a session whose DATA cannot be completed: without the final "." the server
 * discards what it received (RFC 5321 §4.1.1.4), so the message is not delivered. */
static void
abort_data (OpSmtpClient *self)
{
  OpSession *session = SESSION (self);
  op_protocol_log_append (op_session_get_log (session), OP_LOG_INFO,
                          _("Closing the connection before the end of the message, so "
                            "the server does not deliver it."));
  op_session_disconnect (session);
}

static void
record_recipient (OpSmtpSendResult  *result,
                  const char        *address,
                  OpSmtpReply       *reply)
{
  OpSmtpRecipient *r = g_new0 (OpSmtpRecipient, 1);

  r->address = g_strdup (address);
  r->code = reply->code;
  r->enhanced_code = g_strdup (reply->enhanced_code);
  r->text = g_strdup (reply->text);
  r->accepted = OP_SMTP_REPLY_CLASS (reply) == 2;
  if (r->accepted)
    result->n_accepted++;
  else
    {
      r->error = op_smtp_error_from_reply (reply, "RCPT", OP_SMTP_COMMAND_RCPT);
      result->n_refused++;
    }
  g_ptr_array_add (result->recipients, r);
}

/* After a refused transaction: RSET, so the session can send the next message. */
static void
reset_transaction (OpSmtpClient *self,
                   GCancellable *cancellable)
{
  OpSession *session = SESSION (self);
  g_autoptr(OpSmtpReply) reply = NULL;

  if (op_session_is_connected (session))
    reply = op_session_command (session, "RSET", NULL, OP_SEND_PLAIN, cancellable,
                                NULL);
}

/* RFC 2920 §3.1: a client that writes without reading can fill the server's input while
 * the server blocks writing replies we do not read, and both wait for ever. With
 * PIPELINING, at most this many RCPTs go out before their replies are read: 100 lines
 * of at most 512 octets, and their replies, fit in any socket buffer. */
#define PIPELINE_BATCH 100

/* MAIL and every RCPT: pipelined (RFC 2920 §3.1: MAIL and RCPT may be sent in one go)
 * when offered, in batches of PIPELINE_BATCH, else one by one. Fills @result; FALSE on a
 * refused MAIL or a failure. */
static gboolean
envelope (OpSmtpClient      *self,
          const char        *mail_argument,
          char             **rcpt_arguments,
          char             **recipients,
          OpSmtpSendResult  *result,
          GCancellable      *cancellable,
          GError           **error)
{
  OpSession *session = SESSION (self);
  gboolean pipelining = _op_smtp_client_get_worker_capabilities (self)->pipelining;
  g_autoptr(OpSmtpReply) mail = NULL;
  guint n = g_strv_length (recipients);

  if (pipelining)
    {
      if (!op_session_send (session, "MAIL", mail_argument, OP_SEND_PLAIN, cancellable,
                            error))
        return FALSE;
      for (guint start = 0;; start += PIPELINE_BATCH)
        {
          guint end = MIN (n, start + PIPELINE_BATCH);

          for (guint i = start; i < end; i++)
            if (!op_session_send (session, "RCPT", rcpt_arguments[i], OP_SEND_PLAIN,
                                  cancellable, error))
              return FALSE;
          if (mail == NULL)
            {
              mail = op_session_read_reply (session, cancellable, error);
              if (mail == NULL)
                return FALSE;
            }
          /* Every reply is read, even after a refused MAIL, to stay in step. */
          for (guint i = start; i < end; i++)
            {
              g_autoptr(OpSmtpReply) reply = op_session_read_reply (session, cancellable, error);

              if (reply == NULL)
                return FALSE;
              if (OP_SMTP_REPLY_CLASS (mail) == 2)
                record_recipient (result, recipients[i], reply);
            }
          /* A refused MAIL refuses every RCPT: no need to send the rest. */
          if (end == n || OP_SMTP_REPLY_CLASS (mail) != 2)
            break;
        }
      if (OP_SMTP_REPLY_CLASS (mail) != 2)
        {
          g_propagate_error (error, op_smtp_error_from_reply (mail, "MAIL",
                                                              OP_SMTP_COMMAND_MAIL));
          reset_transaction (self, cancellable);
          return FALSE;
        }
      return TRUE;
    }

  mail = op_session_command_expect (session, "MAIL", mail_argument, OP_SEND_PLAIN, 2,
                                    OP_SMTP_COMMAND_MAIL, cancellable, error);
  if (mail == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OpSmtpReply) reply = op_session_command (session, "RCPT", rcpt_arguments[i],
                                                         OP_SEND_PLAIN, cancellable, error);

      if (reply == NULL)
        return FALSE;
      record_recipient (result, recipients[i], reply);
    }
  return TRUE;
}

static GError *
all_refused_error (OpSmtpSendResult *result)
{
  GString *list = g_string_new (NULL);
  GError *error;

  for (guint i = 0; i < result->recipients->len; i++)
    {
      OpSmtpRecipient *r = g_ptr_array_index (result->recipients, i);

      g_string_append_printf (list, "\n%s: %u%s%s %s", r->address, r->code,
                              r->enhanced_code != NULL ? " " : "",
                              r->enhanced_code != NULL ? r->enhanced_code : "", r->text);
    }
  error = g_error_new (OP_SMTP_ERROR, OP_SMTP_ERROR_ALL_RECIPIENTS_REFUSED,
                       /* Translators: followed by one line per recipient with the
                        * server's reason */
                       _("The server refused every recipient, so the message was not "
                         "sent:%s"), list->str);
  g_string_free (list, TRUE);
  return error;
}

static void
set_line_too_long (GError **error)
{
  g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
               _("A line of the message is longer than SMTP allows (%d characters), so it "
                 "was not sent. Encode the message as quoted-printable or base64."),
               MAX_LINE_LENGTH);
}

/* The message through GMime's unix2dos (CRLF line ends, and one at the end) and SMTP
 * data (dot-stuffing) filters, onto the connection. Returns the bytes written. */
static gboolean
stream_message (OpSmtpClient   *self,
                GInputStream   *message,
                gboolean        declared_8bit,
                guint64         size_limit,
                guint64        *bytes_written,
                GCancellable   *cancellable,
                GError        **error)
{
  OpSession *session = SESSION (self);
  /* GMime 3.2 declares no autoptr for its types: hold them as GObjects. */
  g_autoptr(GObject) crlf_object = G_OBJECT (g_mime_filter_unix2dos_new (TRUE));
  g_autoptr(GObject) dots_object = G_OBJECT (g_mime_filter_smtp_data_new ());
  GMimeFilter *crlf = GMIME_FILTER (crlf_object);
  GMimeFilter *dots = GMIME_FILTER (dots_object);
  g_autofree char *buffer = g_malloc (MESSAGE_CHUNK_SIZE);
  Scanner scanner;
  gboolean done = FALSE;

  scanner_init (&scanner);
  *bytes_written = 0;
  while (!done)
    {
      g_autoptr(GError) local_error = NULL;
      char *out1 = NULL, *out2 = NULL;
      size_t len1 = 0, len2 = 0, pre1 = 0, pre2 = 0;
      gssize n = g_input_stream_read (message, buffer, MESSAGE_CHUNK_SIZE, cancellable,
                                      &local_error);

      if (n < 0)
        {
          abort_data (self);
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_LOCAL,
                         _("The message could not be read, so it was not sent: %s"),
                         local_error->message);
          return FALSE;
        }
      if (n > 0)
        {
          /* RFC 5321 §4.5.2 / RFC 6152: no NUL in DATA, 8-bit bytes only after
           * BODY=8BITMIME, lines of at most 998 octets. What the caller did not declare
           * (or the scan could not see) is caught here, before the final "." makes it a
           * delivery. */
          scanner_feed (&scanner, (const guint8 *) buffer, (gsize) n);
          if (scanner.nul)
            {
              abort_data (self);
              g_set_error_literal (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                                   _("The message contains a NUL byte, which SMTP cannot "
                                     "carry; it was not sent."));
              return FALSE;
            }
          if (scanner.eight_bit && !declared_8bit)
            {
              abort_data (self);
              g_set_error_literal (error, OP_SMTP_ERROR, OP_SMTP_ERROR_8BIT_UNSUPPORTED,
                                   _("The message contains 8-bit data that was not "
                                     "declared, so it was not sent. Encode it as "
                                     "quoted-printable or base64."));
              return FALSE;
            }
          if (scanner.longest > MAX_LINE_LENGTH)
            {
              abort_data (self);
              set_line_too_long (error);
              return FALSE;
            }
          g_mime_filter_filter (crlf, buffer, (size_t) n, 0, &out1, &len1, &pre1);
          g_mime_filter_filter (dots, out1, len1, pre1, &out2, &len2, &pre2);
        }
      else
        {
          /* The end: what the filters held back, and a last CRLF if missing. */
          g_mime_filter_complete (crlf, buffer, 0, 0, &out1, &len1, &pre1);
          g_mime_filter_complete (dots, out1, len1, pre1, &out2, &len2, &pre2);
          done = TRUE;
        }
      /* RFC 1870 §6.3: a server that announced a limit discards a larger message
       * anyway; stop sending what it will refuse (the size was unknown before). The
       * size is the one on the wire, with CRLF line ends (RFC 1870 §3), as SIZE= is
       * when known: every bare LF counts twice. Before the end, the last line's ending
       * is not yet known and not counted, so the count never runs ahead. */
      if (size_limit > 0 &&
          (done ? scanner_wire_size (&scanner) : scanner.wire_bytes) > size_limit)
        {
          g_autofree char *max = g_format_size (size_limit);

          abort_data (self);
          g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_MESSAGE_TOO_LARGE,
                       _("The message is larger than the server accepts (%s), so it was "
                         "not sent."), max);
          return FALSE;
        }
      if (len2 > 0 &&
          !op_connection_write_all (op_session_get_connection (session), out2, len2,
                                    cancellable, &local_error))
        {
          op_session_fail (session, g_steal_pointer (&local_error), error);
          return FALSE;
        }
      *bytes_written += len2;
    }
  return TRUE;
}

OpSmtpSendResult *
_op_smtp_client_send (OpSmtpClient    *self,
                      OpSmtpSendJob   *job,
         GCancellable    *cancellable,
         GError         **error)
{
  OpSession *session = SESSION (self);
  g_autoptr(OpSmtpSendResult) result = send_result_new ();
  g_autoptr(GString) mail_argument = NULL;
  g_autoptr(GPtrArray) rcpt_arguments = NULL;
  g_autoptr(OpSmtpReply) reply = NULL;
  g_autofree char *notify = NULL;
  g_autoptr(GError) local_error = NULL;
  const OpSmtpCapabilities *caps;
  Scanner scanner;
  gboolean scanned = FALSE;
  gboolean utf8_address = FALSE;
  gboolean needs_8bit, needs_utf8;
  gint64 size = job->size;
  guint64 limit;
  guint previous_timeout;

  if (!op_session_require_connection (session, error))
    return NULL;
  caps = _op_smtp_client_get_worker_capabilities (self);

  if (!check_address (job->from, TRUE, &utf8_address, error))
    return NULL;
  for (guint i = 0; job->recipients[i] != NULL; i++)
    if (!check_address (job->recipients[i], FALSE, &utf8_address, error))
      return NULL;

  if (!prescan (job->message, &scanner, &scanned, cancellable, error))
    return NULL;
  if (scanned)
    size = (gint64) scanner_wire_size (&scanner);

  needs_utf8 = utf8_address || (job->options.flags & OP_SMTP_SEND_UTF8) ||
               scanner.utf8_headers;
  /* An address alone needs SMTPUTF8, not BODY=8BITMIME; UTF-8 header fields are 8-bit
   * content (RFC 6532 §3.1). */
  needs_8bit = (job->options.flags & (OP_SMTP_SEND_8BIT | OP_SMTP_SEND_UTF8)) ||
               scanner.eight_bit;

  /* Refusals that cost nothing: before MAIL, nothing sent. */
  if (scanned && scanner.nul)
    {
      g_set_error_literal (error, OP_SMTP_ERROR, OP_SMTP_ERROR_INVALID_ARGUMENT,
                           _("The message contains a NUL byte, which SMTP cannot carry; it "
                             "was not sent."));
      return NULL;
    }
  if (scanned && scanner.longest > MAX_LINE_LENGTH)
    {
      set_line_too_long (error);
      return NULL;
    }
  if (needs_utf8 && !caps->smtputf8)
    {
      g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_UTF8_UNSUPPORTED,
                   utf8_address
                   ? _("An address is not plain ASCII, and the server %s does not accept "
                       "such addresses (no SMTPUTF8). Nothing was sent.")
                   : _("The message has non-ASCII header fields, and the server %s does "
                       "not accept them (no SMTPUTF8). Nothing was sent."),
                   op_session_get_host (session));
      return NULL;
    }
  if (needs_8bit && !caps->eightbitmime)
    {
      g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_8BIT_UNSUPPORTED,
                   _("The message contains 8-bit data, and the server %s does not accept "
                     "it (no 8BITMIME). Nothing was sent; encode the message as "
                     "quoted-printable or base64."), op_session_get_host (session));
      return NULL;
    }
  limit = caps->has_size ? caps->size_limit : 0;
  if (limit > 0 && size >= 0 && (guint64) size > limit)
    {
      g_autofree char *have = g_format_size ((guint64) size);
      g_autofree char *max = g_format_size (limit);

      g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_MESSAGE_TOO_LARGE,
                   _("The message (%s) is larger than the server %s accepts (%s). Nothing "
                     "was sent."), have, op_session_get_host (session), max);
      return NULL;
    }

  /* MAIL FROM:<reverse-path> [SIZE=] [BODY=8BITMIME] [SMTPUTF8] [RET=] [ENVID=] */
  mail_argument = g_string_new (NULL);
  g_string_append_printf (mail_argument, "FROM:<%s>", job->from);
  if (caps->has_size && size >= 0)
    g_string_append_printf (mail_argument, " SIZE=%" G_GINT64_FORMAT, size);
  if (needs_8bit)
    g_string_append (mail_argument, " BODY=8BITMIME");
  if (needs_utf8)
    g_string_append (mail_argument, " SMTPUTF8");
  if (caps->dsn)
    {
      if (job->options.dsn_return == OP_SMTP_DSN_RETURN_FULL)
        g_string_append (mail_argument, " RET=FULL");
      else if (job->options.dsn_return == OP_SMTP_DSN_RETURN_HEADERS)
        g_string_append (mail_argument, " RET=HDRS");
      if (job->envid != NULL)
        {
          g_autofree char *encoded = xtext (job->envid);

          g_string_append_printf (mail_argument, " ENVID=%s", encoded);
        }
      notify = notify_parameter (job->options.dsn_notify);
    }
  else if (job->options.dsn_notify != OP_SMTP_DSN_NOTIFY_DEFAULT ||
           job->options.dsn_return != OP_SMTP_DSN_RETURN_DEFAULT || job->envid != NULL)
    op_protocol_log_append (op_session_get_log (session), OP_LOG_INFO,
                            _("The server does not offer delivery status notifications "
                              "(DSN); sending without them."));

  rcpt_arguments = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; job->recipients[i] != NULL; i++)
    g_ptr_array_add (rcpt_arguments,
                     g_strdup_printf ("TO:<%s>%s%s", job->recipients[i],
                                      notify != NULL ? " " : "", notify != NULL ? notify : ""));
  g_ptr_array_add (rcpt_arguments, NULL);

  if (!envelope (self, mail_argument->str, (char **) rcpt_arguments->pdata, job->recipients,
                 result, cancellable, error))
    return NULL;
  if (result->n_accepted == 0)
    {
      reset_transaction (self, cancellable);
      g_propagate_error (error, all_refused_error (result));
      return NULL;
    }

  reply = op_session_command (session, "DATA", NULL, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return NULL;
  if (reply->code != 354)
    {
      g_propagate_error (error, op_smtp_error_from_reply (reply, "DATA",
                                                          OP_SMTP_COMMAND_DATA));
      reset_transaction (self, cancellable);
      return NULL;
    }
  g_clear_pointer (&reply, op_smtp_reply_free);

  if (!stream_message (self, job->message, needs_8bit, limit, &result->bytes, cancellable,
                       error))
    return NULL;

  /* From here the message may be delivered: whatever goes wrong before the server's
   * answer leaves its fate unknown, and the caller must never send it again blindly
   * (DESIGN.md "Storage and no data loss"). Cancelling counts as such a failure. */
  if (!op_connection_send_command (op_session_get_connection (session), ".", NULL,
                                   OP_SEND_PLAIN, cancellable, &local_error))
    goto unknown;
  previous_timeout = op_session_set_io_timeout (session,
                                                MAX (op_session_get_settings (session)->timeout,
                                                     DATA_END_TIMEOUT_SECONDS));
  {
    g_autoptr(OpSmtpReplyParser) parser = op_smtp_reply_parser_new ();

    while (reply == NULL)
      {
        g_autofree char *line = NULL;
        gsize length = 0;

        line = op_connection_read_line (op_session_get_connection (session),
                                        OP_SMTP_REPLY_MAX_LINE, &length, cancellable,
                                        &local_error);
        if (line == NULL)
          goto unknown;
        reply = op_smtp_reply_parser_push_line (parser, line, length, &local_error);
        if (local_error != NULL)
          goto unknown;
      }
  }
  op_session_set_io_timeout (session, previous_timeout);
  if (OP_SMTP_REPLY_CLASS (reply) != 2)
    {
      /* A definite refusal (421 included): not delivered. */
      g_propagate_error (error, op_smtp_error_from_reply (reply, "DATA",
                                                          OP_SMTP_COMMAND_MESSAGE));
      if (reply->code == 421)
        op_session_disconnect (session);
      return NULL;
    }
  result->reply = g_steal_pointer (&reply);
  return g_steal_pointer (&result);

unknown:
  op_session_disconnect (session);
  g_set_error (error, OP_SMTP_ERROR, OP_SMTP_ERROR_OUTCOME_UNKNOWN,
               _("The connection failed after the whole message was sent and before the "
                 "server confirmed it (%s). The message may or may not have been "
                 "delivered; check before sending it again."),
               local_error != NULL ? local_error->message : _("no reply"));
  return NULL;
}

