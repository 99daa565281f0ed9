/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-transcript"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "op-connection.h"
#include "op-ftp-error.h"
#include "op-ftp-reply.h"
#include "op-imap-error.h"
#include "op-imap-parser.h"
#include "op-pop3-error.h"
#include "op-pop3-reply.h"
#include "op-smtp-error.h"
#include "op-smtp-reply.h"
#include "nntp/op-nntp-error.h"
#include "nntp/op-nntp-reply.h"
#include "op-test-chunked-input-stream.h"
#include "fuzz-imap-common.h"

/*
 * A whole session transcript, what a server sent, read the way each client reads it: an
 * OpConnection over a stream that hands the bytes out in pieces, then the FTP, SMTP,
 * POP3 and NNTP clients' reply readers (op_connection_read_line() at the protocol's
 * line limit, and its reply parser; NNTP's and POP3's multi-line blocks, POP3's RETR
 * through the streaming unstuffer on raw reads) and the IMAP client's (raw reads fed to
 * OpImapParser). Each reader runs to the end of the transcript, or to the error that
 * would end the client's session.
 *
 * The input: a header of four bytes, then the transcript (seeds in corpus/fuzz-transcript
 * are tests/data transcripts behind a header). Header byte 0: which +OK of POP3's is a
 * RETR (1 the first, 0 none), whose body is read raw through the unstuffer (the POP3 story
 * ends there); the other +OK replies are followed by a block when the line after them is
 * not a status line (LIST, UIDL, CAPA). Its low bit: IMAP literals above 16 bytes go to a
 * sink. Bytes 1 to 3: the lengths of the chunks the transcript is cut into
 * (1 + the byte, in turn). Every reader runs three times, on the transcript in one piece,
 * byte by byte, and in those chunks, and must tell the same story each time: the same
 * replies, lines, responses and errors (besides "no crash", under ASan and UBSan). The
 * values are checked against the promises of the parsers' headers.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

#define HEADER 4

typedef struct
{
  const guint8 *data;
  gsize         size;
  const guint8 *lengths;  /* NULL: one piece; else 3 chunk lengths − 1 */
  gboolean      bytewise;
} Split;

static OpConnection *
connection_new (const Split *split)
{
  g_autoptr(OpTestChunkedInputStream) input = op_test_chunked_input_stream_new ();
  g_autoptr(GIOStream) stream = NULL;
  GMemoryOutputStream *output = NULL;
  gsize offset = 0;

  for (guint i = 0; offset < split->size; i++)
    {
      gsize chunk = split->size - offset;

      if (split->bytewise)
        chunk = 1;
      else if (split->lengths != NULL)
        chunk = MIN (chunk, (gsize) split->lengths[i % 3] + 1);
      op_test_chunked_input_stream_add (input, split->data + offset, chunk);
      offset += chunk;
    }
  stream = op_test_chunked_io_stream_new (input, &output);
  return op_connection_new_for_stream (stream, "server.test", 1, NULL, NULL);
}

static void
note_error (GString      *story,
            const GError *error)
{
  g_assert (error != NULL && error->message != NULL);
  g_assert (g_utf8_validate (error->message, -1, NULL));
  g_string_append_printf (story, "error %s %d %s\n", g_quark_to_string (error->domain),
                          error->code, error->message);
}

/* Text a parser promised to be valid UTF-8 (without control characters but TAB and, with
 * @newlines, LF). */
static void
check_text (const char *text,
            gboolean    newlines)
{
  g_assert (text != NULL && g_utf8_validate (text, -1, NULL));
  for (const char *p = text; *p != '\0'; p++)
    g_assert ((guchar) *p >= 0x20 || *p == '\t' || (newlines && *p == '\n'));
}

/* A line from op_connection_read_line(): no LF, at most @max bytes, nul-terminated. */
static void
check_line (const char *line,
            gsize       length,
            gsize       max)
{
  g_assert (length <= max && line[length] == '\0');
  g_assert (memchr (line, '\n', length) == NULL);
}

/* --- FTP and SMTP: lines into a reply parser ---------------------------------------------- */

static void
read_ftp (OpConnection *conn,
          GString      *story)
{
  g_autoptr(OpFtpReplyParser) parser = op_ftp_reply_parser_new ();

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OpFtpReply) reply = NULL;
      g_autofree char *line = NULL;
      gsize length = 0;

      line = op_connection_read_line (conn, OP_FTP_REPLY_MAX_LINE, &length, NULL, &error);
      if (line == NULL)
        {
          note_error (story, error);
          return;
        }
      check_line (line, length, OP_FTP_REPLY_MAX_LINE);
      reply = op_ftp_reply_parser_push_line (parser, line, length, &error);
      if (reply != NULL)
        {
          g_assert (error == NULL && reply->code >= 100 && reply->code <= 599);
          g_assert (g_utf8_validate (reply->text, -1, NULL));
          g_assert (reply->lines != NULL && reply->lines[0] != NULL);
          for (guint i = 0; reply->lines[i] != NULL; i++)
            g_assert (g_utf8_validate (reply->lines[i], -1, NULL));
          g_string_append_printf (story, "ftp %u %u %s\n", reply->code,
                                  g_strv_length (reply->lines), reply->text);
        }
      else if (error != NULL)
        {
          g_assert (error->domain == OP_FTP_ERROR);
          /* The parser starts afresh; read on, to reach the rest of the transcript. */
          note_error (story, error);
        }
    }
}

static void
read_smtp (OpConnection *conn,
           GString      *story)
{
  g_autoptr(OpSmtpReplyParser) parser = op_smtp_reply_parser_new ();

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OpSmtpReply) reply = NULL;
      g_autofree char *line = NULL;
      gsize length = 0;

      line = op_connection_read_line (conn, OP_SMTP_REPLY_MAX_LINE, &length, NULL, &error);
      if (line == NULL)
        {
          note_error (story, error);
          return;
        }
      check_line (line, length, OP_SMTP_REPLY_MAX_LINE);
      reply = op_smtp_reply_parser_push_line (parser, line, length, &error);
      if (reply != NULL)
        {
          g_assert (error == NULL && reply->code >= 200 && reply->code <= 599);
          g_assert (!op_smtp_reply_parser_is_partial (parser));
          check_text (reply->text, TRUE);
          g_string_append_printf (story, "smtp %u %s %s\n", reply->code,
                                  reply->enhanced_code != NULL ? reply->enhanced_code : "-",
                                  reply->text);
        }
      else if (error != NULL)
        {
          g_assert (error->domain == OP_SMTP_ERROR);
          note_error (story, error);
        }
    }
}

/* --- POP3: status lines, line blocks and RETR's raw body ---------------------------------- */

/* RETR: raw reads through the streaming unstuffer, as op-pop3-client.c reads a message.
 * The story ends with it: bytes after the terminator in the same read end the client's
 * session, in a later read they are the next reply, so what follows depends on the
 * split. */
static void
read_pop3_retr (OpConnection *conn,
                GString      *story)
{
  g_autoptr(OpPop3Unstuffer) unstuffer = op_pop3_unstuffer_new (OP_POP3_MAX_MESSAGE_LINE);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA1);
  guint64 total = 0;
  guint8 buffer[4096];

  while (!op_pop3_unstuffer_is_done (unstuffer))
    {
      g_autoptr(GError) error = NULL;
      gsize used = 0;
      gssize n = op_connection_read (conn, buffer, sizeof buffer, NULL, &error);

      if (n < 0)
        {
          note_error (story, error);
          return;
        }
      if (n == 0)
        {
          g_string_append_printf (story, "pop3 retr cut after %" G_GUINT64_FORMAT "\n",
                                  total);
          return;
        }
      g_byte_array_set_size (out, 0);
      if (!op_pop3_unstuffer_push (unstuffer, buffer, n, out, &used, &error))
        {
          g_assert (error->domain == OP_POP3_ERROR);
          note_error (story, error);
          return;
        }
      g_assert (used <= (gsize) n && (used == (gsize) n || op_pop3_unstuffer_is_done (unstuffer)));
      g_checksum_update (sum, out->data, out->len);
      total += out->len;
    }
  g_string_append_printf (story, "pop3 retr %" G_GUINT64_FORMAT " %s\n", total,
                          g_checksum_get_string (sum));
}

/* A LIST, UIDL or CAPA block whose first line is @first, through the line unstuffer and
 * the listing parsers. FALSE when the session ends. */
static gboolean
read_pop3_block (OpConnection *conn,
                 char         *first,
                 gsize         first_length,
                 GString      *story)
{
  g_autoptr(GHashTable) capabilities = op_pop3_capabilities_new ();
  g_autofree char *line = first;
  gsize length = first_length;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *uid = NULL;
      const char *text;
      gsize text_length;
      gboolean is_end;
      guint number;
      guint64 message_size;

      op_pop3_unstuff_line (line, length, &is_end, &text, &text_length);
      if (is_end)
        {
          g_string_append_printf (story, "pop3 end (%u capabilities)\n",
                                  g_hash_table_size (capabilities));
          return TRUE;
        }
      g_assert (text >= line && text + text_length == line + length);
      op_pop3_capabilities_add_line (capabilities, text, text_length);
      if (op_pop3_parse_list_line (text, text_length, &number, &message_size, NULL))
        g_string_append_printf (story, "pop3 list %u %" G_GUINT64_FORMAT "\n", number,
                                message_size);
      if (op_pop3_parse_uidl_line (text, text_length, &number, &uid, NULL))
        {
          g_assert (strlen (uid) >= 1 && strlen (uid) <= OP_POP3_MAX_UID);
          g_string_append_printf (story, "pop3 uidl %u %s\n", number, uid);
        }
      g_string_append_printf (story, "pop3 line %zu\n", text_length);

      g_free (g_steal_pointer (&line));
      line = op_connection_read_line (conn, OP_POP3_MAX_REPLY_LINE, &length, NULL, &error);
      if (line == NULL)
        {
          note_error (story, error);
          return FALSE;
        }
      check_line (line, length, OP_POP3_MAX_REPLY_LINE);
    }
}

static void
read_pop3 (OpConnection *conn,
           guint         retr,
           GString      *story)
{
  g_autofree char *pending = NULL;  /* a line read ahead, to be read as a status line */
  gsize pending_length = 0;
  gboolean after_ok = FALSE;
  guint n_ok = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OpPop3Reply) reply = NULL;
      g_autofree char *line = g_steal_pointer (&pending);
      gsize length = pending_length;
      const char *base64 = NULL;

      if (line == NULL)
        {
          line = op_connection_read_line (conn, OP_POP3_MAX_REPLY_LINE, &length, NULL, &error);
          if (line == NULL)
            {
              note_error (story, error);
              return;
            }
          check_line (line, length, OP_POP3_MAX_REPLY_LINE);
        }
      if (op_pop3_reply_is_continuation (line, length, &base64))
        {
          g_assert (base64 != NULL && base64 >= line && base64 <= line + length);
          g_string_append_printf (story, "pop3 + %s\n", base64);
          after_ok = FALSE;
          continue;
        }
      reply = op_pop3_reply_parse (line, length, &error);
      if (reply == NULL)
        {
          g_assert (error != NULL && error->domain == OP_POP3_ERROR);
          if (after_ok)
            {
              /* Not a status line after +OK: a LIST, UIDL or CAPA block. */
              after_ok = FALSE;
              if (!read_pop3_block (conn, g_steal_pointer (&line), length, story))
                return;
              continue;
            }
          note_error (story, error);
          continue;
        }
      g_assert (g_utf8_validate (reply->text, -1, NULL));
      if (reply->code != NULL)
        check_text (reply->code, FALSE);
      g_string_append_printf (story, "pop3 %s [%s] %s\n", reply->ok ? "+OK" : "-ERR",
                              reply->code != NULL ? reply->code : "", reply->text);
      after_ok = FALSE;
      if (reply->ok)
        {
          if (++n_ok == retr)
            {
              read_pop3_retr (conn, story);
              return;
            }
          else
            after_ok = TRUE;
        }
    }
}

/* --- NNTP: status lines and the blocks their codes announce ----------------------------- */

static void
read_nntp (OpConnection *conn,
           GString      *story)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OpNntpReply) reply = NULL;
      g_autofree char *line = NULL;
      gsize length = 0, max_line = OP_NNTP_MAX_REPLY_LINE, bytes = 0;
      guint n_lines = 0;

      line = op_connection_read_line (conn, OP_NNTP_MAX_REPLY_LINE, &length, NULL, &error);
      if (line == NULL)
        {
          note_error (story, error);
          return;
        }
      check_line (line, length, OP_NNTP_MAX_REPLY_LINE);
      reply = op_nntp_reply_parse (line, length, &error);
      if (reply == NULL)
        {
          /* The client's session ends on a reply it cannot read. */
          g_assert (error != NULL && error->domain == OP_NNTP_ERROR);
          note_error (story, error);
          return;
        }
      g_assert (reply->code >= 100 && reply->code <= 599);
      /* Control characters became "?", TAB among them. */
      check_text (reply->text, FALSE);
      g_assert (strchr (reply->text, '\t') == NULL);
      g_string_append_printf (story, "nntp %u %s\n", reply->code, reply->text);
      if (!op_nntp_reply_is_multiline (reply, FALSE))
        continue;

      /* The limits op-nntp-data.c reads these blocks with. */
      if (reply->code >= 220 && reply->code <= 222)
        max_line = OP_NNTP_MAX_ARTICLE_LINE;
      else if (reply->code != 101)
        max_line = OP_NNTP_MAX_LIST_LINE;
      for (;;)
        {
          g_autofree char *block_line = NULL;
          const char *text;
          gsize block_length = 0, text_length;
          gboolean is_end;

          block_line = op_connection_read_line (conn, max_line, &block_length, NULL, &error);
          if (block_line == NULL)
            {
              note_error (story, error);
              return;
            }
          check_line (block_line, block_length, max_line);
          op_nntp_unstuff_line (block_line, block_length, &is_end, &text, &text_length);
          if (is_end)
            break;
          g_assert (text + text_length == block_line + block_length);
          n_lines++;
          bytes += text_length;
          g_string_append_len (story, text, text_length);
          g_string_append_c (story, '\n');
        }
      g_string_append_printf (story, "nntp block %u lines %zu bytes\n", n_lines, bytes);
    }
}

/* --- IMAP: raw reads into the response parser ---------------------------------------------- */

static void
note_imap_response (const OpImapResponse *r,
                    GString              *story)
{
  g_string_append_printf (story, "imap %d %s %d %d %s %u", r->kind,
                          r->tag != NULL ? r->tag : "*", r->status, r->data,
                          r->name != NULL ? r->name : "-", r->number);
  if (r->text != NULL)
    g_string_append_printf (story, " %s", r->text);
  if (r->data == OP_IMAP_DATA_FETCH)
    {
      g_assert (r->fetch != NULL && r->fetch->seq == r->number);
      for (guint i = 0; i < r->fetch->sections->len; i++)
        {
          const OpImapSection *s = r->fetch->sections->pdata[i];

          g_assert (s->data == NULL || g_bytes_get_size (s->data) == s->size);
          g_string_append_printf (story, " [%" G_GUINT64_FORMAT "]", s->size);
        }
    }
  g_string_append_c (story, '\n');
}

static void
read_imap (OpConnection *conn,
           gboolean      stream_literals,
           GString      *story)
{
  g_autoptr(OpImapParser) parser = op_imap_parser_new ();
  guint64 expected = 0;
  char buffer[4096];

  if (stream_literals)
    op_imap_parser_set_literal_sink (parser, 16, fuzz_imap_literal_sink, &expected);
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = op_connection_read (conn, buffer, sizeof buffer, NULL, &error);
      gsize fed = 0;

      if (n < 0)
        {
          note_error (story, error);
          return;
        }
      if (n == 0)
        {
          g_string_append_printf (story, "imap end%s\n",
                                  op_imap_parser_is_idle (parser) ? "" : " inside a response");
          return;
        }
      while (fed < (gsize) n)
        {
          g_autoptr(OpImapResponse) response = NULL;
          gssize used = op_imap_parser_feed (parser, buffer + fed, n - fed, &response, &error);

          if (used < 0)
            {
              g_assert (error != NULL);
              note_error (story, error);
              return;
            }
          /* At least one byte per call, or a response. */
          g_assert (used > 0 || response != NULL);
          fed += used;
          if (response != NULL)
            {
              g_assert (op_imap_parser_is_idle (parser));
              note_imap_response (response, story);
            }
        }
    }
}

/* --- all of them, each split three ways -------------------------------------------------- */

typedef enum
{
  READ_FTP,
  READ_SMTP,
  READ_POP3,
  READ_NNTP,
  READ_IMAP,
  N_READERS
} Reader;

static char *
tell (Reader        reader,
      const Split  *split,
      guint8        flags)
{
  g_autoptr(OpConnection) conn = connection_new (split);
  GString *story = g_string_new (NULL);

  switch (reader)
    {
    case READ_FTP:  read_ftp (conn, story); break;
    case READ_SMTP: read_smtp (conn, story); break;
    case READ_POP3: read_pop3 (conn, flags, story); break;
    case READ_NNTP: read_nntp (conn, story); break;
    case READ_IMAP: read_imap (conn, flags & 1, story); break;
    case N_READERS: g_assert_not_reached ();
    }
  return g_string_free (story, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  guint8 header[HEADER] = { 0 };
  const guint8 *lengths = header + 1;
  Split whole, bytewise, chunked;

  /* Shorter inputs: a header of zeros and an empty transcript. */
  if (size > 0)
    {
      gsize taken = MIN (size, HEADER);

      memcpy (header, data, taken);
      data += taken;
      size -= taken;
    }
  whole = (Split) { data, size, NULL, FALSE };
  bytewise = (Split) { data, size, NULL, TRUE };
  chunked = (Split) { data, size, lengths, FALSE };

  for (Reader reader = 0; reader < N_READERS; reader++)
    {
      g_autofree char *one_piece = tell (reader, &whole, header[0]);
      g_autofree char *by_byte = tell (reader, &bytewise, header[0]);
      g_autofree char *in_chunks = tell (reader, &chunked, header[0]);

      g_assert_cmpstr (by_byte, ==, one_piece);
      g_assert_cmpstr (in_chunks, ==, one_piece);
    }
  return 0;
}
