/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-imap-parser"

#include "config.h"

#include <string.h>

#include "op-imap-parser.h"
#include "op-test-fixtures.h"

/*
 * The IMAP response parser on transcripts in tests/data/imap/: every transcript gives
 * the same responses whether it arrives whole, a byte at a time, in chunks of any size,
 * or split in two at any byte (inside literals and their {n} headers too). Then the
 * typed data of each response kind, the limits, and malformed input.
 */

static GBytes *
load (const char *name)
{
  g_autofree char *path = op_test_data_path ("imap", name, NULL);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize length = 0;

  g_file_get_contents (path, &data, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, length);
}

static void
describe_body (GString              *s,
               const OpImapBodyPart *p)
{
  g_string_append_printf (s, "[%s %s/%s", p->section, p->type, p->subtype);
  for (guint i = 0; p->params != NULL && p->params[i] != NULL; i++)
    g_string_append_printf (s, " %s", p->params[i]);
  g_string_append_printf (s, " id=%s enc=%s size=%u lines=%u dsp=%s loc=%s",
                          p->id, p->encoding, p->size, p->lines, p->disposition, p->location);
  if (p->envelope != NULL)
    g_string_append_printf (s, " env=%s", p->envelope->subject);
  if (p->message_body != NULL)
    describe_body (s, p->message_body);
  for (guint i = 0; p->children != NULL && i < p->children->len; i++)
    describe_body (s, p->children->pdata[i]);
  g_string_append_c (s, ']');
}

/* Everything a response carries, as text, to compare parses. */
static char *
describe (const OpImapResponse *r)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%d tag=%s status=%d text=%s", r->kind, r->tag, r->status, r->text);
  if (r->code != NULL)
    g_string_append_printf (s, " code=%s(%s) n=%" G_GUINT64_FORMAT, r->code->name,
                            r->code->raw, r->code->number);
  if (r->kind == OP_IMAP_RESPONSE_DATA)
    g_string_append_printf (s, " %s %u data=%d args=%zu", r->name, r->number, r->data,
                            r->args->length);
  if (r->fetch != NULL)
    {
      g_string_append_printf (s, " uid=%u size=%u items=%x modseq=%" G_GUINT64_FORMAT,
                              r->fetch->uid, r->fetch->size, r->fetch->items, r->fetch->modseq);
      if (r->fetch->envelope != NULL)
        g_string_append_printf (s, " subject=%s", r->fetch->envelope->subject);
      if (r->fetch->body != NULL)
        describe_body (s, r->fetch->body);
      for (guint i = 0; i < r->fetch->sections->len; i++)
        {
          const OpImapSection *sec = r->fetch->sections->pdata[i];

          g_string_append_printf (s, " sec[%s]<%" G_GINT64_FORMAT ">=", sec->section, sec->origin);
          if (sec->data != NULL)
            g_string_append_len (s, g_bytes_get_data (sec->data, NULL), g_bytes_get_size (sec->data));
          else
            g_string_append (s, "NIL");
        }
    }
  if (r->list != NULL)
    g_string_append_printf (s, " list=%s/%s/%c/%x", r->list->raw_name, r->list->name,
                            r->list->delimiter ? r->list->delimiter : '0', r->list->flags);
  return g_string_free (s, FALSE);
}

/* Feeds @data in chunks of @chunk bytes (or in two pieces split at @split when @chunk
 * is 0) and returns the descriptions of the responses. */
static GPtrArray *
parse_chunked (const char *data,
               gsize       length,
               gsize       chunk,
               gsize       split)
{
  g_autoptr(OpImapParser) parser = op_imap_parser_new ();
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  gsize pos = 0;

  while (pos < length)
    {
      gsize piece = chunk > 0 ? MIN (chunk, length - pos)
                    : (pos < split ? split - pos : length - pos);
      gsize off = 0;

      while (off < piece)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(OpImapResponse) r = NULL;
          gssize n = op_imap_parser_feed (parser, data + pos + off, piece - off, &r, &error);

          g_assert_no_error (error);
          g_assert_cmpint (n, >, 0);
          off += n;
          if (r != NULL)
            g_ptr_array_add (out, describe (r));
          else
            g_assert_cmpuint (off, ==, piece);
        }
      pos += piece;
    }
  g_assert_true (op_imap_parser_is_idle (parser));
  return out;
}

static void
assert_same (GPtrArray *a,
             GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr (a->pdata[i], ==, b->pdata[i]);
}

static void
test_split_anywhere (gconstpointer data)
{
  const char *name = data;
  g_autoptr(GBytes) bytes = load (name);
  gsize length;
  const char *raw = g_bytes_get_data (bytes, &length);
  g_autoptr(GPtrArray) whole = parse_chunked (raw, length, length, 0);

  g_assert_cmpuint (whole->len, >, 0);
  for (gsize chunk = 1; chunk <= 17; chunk++)
    {
      g_autoptr(GPtrArray) parts = parse_chunked (raw, length, chunk, 0);

      assert_same (whole, parts);
    }
  /* Fed a byte at a time (chunk 1 above), the parser already stops at every boundary;
   * two-piece splits at every byte of the big transcripts cost minutes under ASan, so
   * past the first 2 KiB they step by a prime. */
  for (gsize split = 1; split < length; split += split < 2048 ? 1 : 13)
    {
      g_autoptr(GPtrArray) parts = parse_chunked (raw, length, 0, split);

      assert_same (whole, parts);
    }
}

/* All responses of a transcript, parsed from the whole file. */
static GPtrArray *
parse_file (const char *name)
{
  g_autoptr(GBytes) bytes = load (name);
  g_autoptr(OpImapParser) parser = op_imap_parser_new ();
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) op_imap_response_free);
  gsize length;
  const char *raw = g_bytes_get_data (bytes, &length);
  gsize pos = 0;

  while (pos < length)
    {
      g_autoptr(GError) error = NULL;
      OpImapResponse *r = NULL;
      gssize n = op_imap_parser_feed (parser, raw + pos, length - pos, &r, &error);

      g_assert_no_error (error);
      pos += n;
      g_assert_nonnull (r);
      g_ptr_array_add (out, r);
    }
  return out;
}

#define RESPONSE(a, i) ((const OpImapResponse *) (a)->pdata[(i)])

static void
test_greeting (void)
{
  g_autoptr(GPtrArray) r = parse_file ("greeting-capability.txt");

  g_assert_cmpuint (r->len, ==, 12);
  g_assert_cmpint (RESPONSE (r, 0)->kind, ==, OP_IMAP_RESPONSE_STATUS);
  g_assert_cmpint (RESPONSE (r, 0)->status, ==, OP_IMAP_STATUS_OK);
  g_assert_cmpint (RESPONSE (r, 0)->code->kind, ==, OP_IMAP_CODE_CAPABILITY);
  g_assert_true (g_strv_contains ((const char * const *) RESPONSE (r, 0)->code->list, "STARTTLS"));
  g_assert_true (g_strv_contains ((const char * const *) RESPONSE (r, 0)->code->list, "AUTH=PLAIN"));
  g_assert_cmpstr (RESPONSE (r, 0)->text, ==, "Dovecot (Debian) ready.");
  g_assert_cmpint (RESPONSE (r, 1)->kind, ==, OP_IMAP_RESPONSE_TAGGED);
  g_assert_cmpstr (RESPONSE (r, 1)->tag, ==, "a1");
  g_assert_true (g_strv_contains ((const char * const *) RESPONSE (r, 1)->code->list, "SPECIAL-USE"));
  g_assert_cmpstr (RESPONSE (r, 1)->text, ==, "Logged in");
  g_assert_cmpint (RESPONSE (r, 2)->data, ==, OP_IMAP_DATA_ID);
  g_assert_cmpstr (g_hash_table_lookup (RESPONSE (r, 2)->id, "name"), ==, "Dovecot");
  g_assert_cmpint (RESPONSE (r, 4)->data, ==, OP_IMAP_DATA_ENABLED);
  g_assert_cmpstr (RESPONSE (r, 4)->strv[1], ==, "QRESYNC");
  g_assert_cmpint (RESPONSE (r, 6)->data, ==, OP_IMAP_DATA_NAMESPACE);
  g_assert_cmpuint (RESPONSE (r, 6)->namespaces[0]->len, ==, 1);
  g_assert_cmpint (((OpImapNamespace *) RESPONSE (r, 6)->namespaces[0]->pdata[0])->delimiter, ==, '.');
  g_assert_null (RESPONSE (r, 6)->namespaces[1]);
  g_assert_cmpint (RESPONSE (r, 8)->kind, ==, OP_IMAP_RESPONSE_CONTINUATION);
  g_assert_cmpstr (RESPONSE (r, 8)->text, ==, "idling");
  g_assert_cmpstr (RESPONSE (r, 9)->text, ==, "");
  g_assert_cmpint (RESPONSE (r, 10)->status, ==, OP_IMAP_STATUS_BYE);
}

static void
test_select (void)
{
  g_autoptr(GPtrArray) r = parse_file ("select-condstore.txt");
  const OpImapResponse *x;
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));

  g_assert_cmpuint (r->len, ==, 22);
  g_assert_cmpint (RESPONSE (r, 0)->data, ==, OP_IMAP_DATA_FLAGS);
  g_assert_cmpstr (RESPONSE (r, 0)->strv[5], ==, "$Forwarded");
  g_assert_cmpint (RESPONSE (r, 1)->code->kind, ==, OP_IMAP_CODE_PERMANENTFLAGS);
  g_assert_cmpstr (RESPONSE (r, 1)->code->list[6], ==, "\\*");
  g_assert_cmpint (RESPONSE (r, 2)->data, ==, OP_IMAP_DATA_EXISTS);
  g_assert_cmpuint (RESPONSE (r, 2)->number, ==, 5);
  g_assert_cmpint (RESPONSE (r, 3)->data, ==, OP_IMAP_DATA_RECENT);
  g_assert_cmpuint (RESPONSE (r, 5)->code->number, ==, 1700000000);
  g_assert_cmpint (RESPONSE (r, 5)->code->kind, ==, OP_IMAP_CODE_UIDVALIDITY);
  g_assert_cmpint (RESPONSE (r, 6)->code->kind, ==, OP_IMAP_CODE_UIDNEXT);
  g_assert_cmpuint (RESPONSE (r, 6)->code->number, ==, 6);
  g_assert_cmpint (RESPONSE (r, 7)->code->kind, ==, OP_IMAP_CODE_HIGHESTMODSEQ);
  g_assert_cmpuint (RESPONSE (r, 7)->code->number, ==, 12);
  g_assert_cmpint (RESPONSE (r, 8)->code->kind, ==, OP_IMAP_CODE_READ_WRITE);

  x = RESPONSE (r, 9);
  g_assert_cmpint (x->data, ==, OP_IMAP_DATA_VANISHED);
  g_assert_true (x->vanished_earlier);
  g_assert_cmpstr (x->set, ==, "300:310,405,411");
  g_assert_true (op_imap_sequence_set_expand (x->set, 100, uids));
  g_assert_cmpuint (uids->len, ==, 13);
  g_assert_cmpuint (g_array_index (uids, guint32, 12), ==, 411);
  g_assert_false (RESPONSE (r, 10)->vanished_earlier);
  g_assert_cmpint (RESPONSE (r, 11)->data, ==, OP_IMAP_DATA_EXPUNGE);
  g_assert_cmpuint (RESPONSE (r, 11)->number, ==, 3);
  x = RESPONSE (r, 12);
  g_assert_cmpuint (x->fetch->uid, ==, 4);
  g_assert_cmpuint (x->fetch->modseq, ==, 13);
  g_assert_cmpstr (x->fetch->flags[0], ==, "\\Seen");
  x = RESPONSE (r, 13);
  g_assert_cmpuint (x->numbers->len, ==, 3);
  g_assert_cmpuint (g_array_index (x->numbers, guint32, 2), ==, 6);
  g_assert_cmpuint (x->modseq, ==, 917162500);
  g_assert_cmpuint (RESPONSE (r, 14)->numbers->len, ==, 0);
  x = RESPONSE (r, 15);
  g_assert_cmpstr (x->esearch->tag, ==, "a7");
  g_assert_true (x->esearch->uid);
  g_assert_cmpuint (x->esearch->min, ==, 1);
  g_assert_cmpuint (x->esearch->max, ==, 5);
  g_assert_cmpuint (x->esearch->count, ==, 3);
  g_assert_cmpstr (x->esearch->all, ==, "1:3,5");
  x = RESPONSE (r, 16);
  g_assert_cmpint (x->code->kind, ==, OP_IMAP_CODE_APPENDUID);
  g_assert_cmpuint (x->code->number, ==, 1700000000);
  g_assert_cmpstr (x->code->dest, ==, "7");
  x = RESPONSE (r, 17);
  g_assert_cmpint (x->code->kind, ==, OP_IMAP_CODE_COPYUID);
  g_assert_cmpstr (x->code->source, ==, "1:2,4");
  g_assert_cmpstr (x->code->dest, ==, "7:9");
  x = RESPONSE (r, 18);
  g_assert_cmpint (x->status, ==, OP_IMAP_STATUS_NO);
  g_assert_cmpint (x->code->kind, ==, OP_IMAP_CODE_TRYCREATE);
  {
    g_autoptr(GError) e = op_imap_error_from_response (x, "COPY", OP_IMAP_COMMAND_MAILBOX);

    g_assert_error (e, OP_IMAP_ERROR, OP_IMAP_ERROR_MAILBOX_NOT_FOUND);
    g_assert_nonnull (strstr (e->message, "Mailbox doesn't exist: Nope"));
  }
  {
    g_autoptr(GError) e = op_imap_error_from_response (RESPONSE (r, 19), "LOGIN",
                                                       OP_IMAP_COMMAND_OTHER);

    g_assert_error (e, OP_IMAP_ERROR, OP_IMAP_ERROR_AUTH_FAILED);
  }
  {
    g_autoptr(GError) e = op_imap_error_from_response (RESPONSE (r, 20), "UID FETCH",
                                                       OP_IMAP_COMMAND_OTHER);

    g_assert_error (e, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD);
    g_assert_nonnull (strstr (e->message, "UID FETCH"));
  }
  x = RESPONSE (r, 21);
  g_assert_cmpstr (x->status_data->name, ==, "INBOX");
  g_assert_cmpuint (x->status_data->messages, ==, 5);
  g_assert_cmpuint (x->status_data->uidnext, ==, 6);
  g_assert_cmpuint (x->status_data->highestmodseq, ==, 12);
  g_assert_cmpuint (x->status_data->size, ==, 4096);
  g_assert_false (x->status_data->items & OP_IMAP_STATUS_RECENT);
}

static void
test_list (void)
{
  g_autoptr(GPtrArray) r = parse_file ("list-special-use.txt");

  g_assert_cmpuint (r->len, ==, 11);
  g_assert_cmpstr (RESPONSE (r, 0)->list->name, ==, "INBOX");
  g_assert_cmpint (RESPONSE (r, 1)->list->flags, ==,
                   OP_IMAP_MAILBOX_SENT | OP_IMAP_MAILBOX_HAS_NO_CHILDREN);
  g_assert_true (RESPONSE (r, 2)->list->flags & OP_IMAP_MAILBOX_DRAFTS);
  g_assert_true (RESPONSE (r, 3)->list->flags & OP_IMAP_MAILBOX_TRASH);
  g_assert_true (RESPONSE (r, 4)->list->flags & OP_IMAP_MAILBOX_ARCHIVE);
  g_assert_cmpint (RESPONSE (r, 4)->list->delimiter, ==, '.');
  g_assert_cmpstr (RESPONSE (r, 6)->list->name, ==,
                   "\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
  g_assert_true (RESPONSE (r, 6)->list->flags & OP_IMAP_MAILBOX_NOSELECT);
  g_assert_cmpint (RESPONSE (r, 7)->list->delimiter, ==, 0);
  g_assert_true (RESPONSE (r, 7)->list->flags & OP_IMAP_MAILBOX_CHILD_SUBSCRIBED);
  g_assert_cmpint (RESPONSE (r, 8)->data, ==, OP_IMAP_DATA_LSUB);
  g_assert_cmpstr (RESPONSE (r, 8)->list->raw_name, ==, "Tom & Jerry");
  /* A name that is not modified UTF-7 is kept raw, not fatal to the whole LIST. */
  g_assert_cmpstr (RESPONSE (r, 9)->list->raw_name, ==, "Bad&name");
  g_assert_null (RESPONSE (r, 9)->list->name);
}

static void
test_bodystructure (void)
{
  g_autoptr(GPtrArray) r = parse_file ("fetch-bodystructure.txt");
  const OpImapFetch *f = RESPONSE (r, 0)->fetch;
  const OpImapBodyPart *b = f->body, *p;
  const OpImapAddress *a;
  g_autoptr(GDateTime) utc = NULL;

  g_assert_cmpuint (f->uid, ==, 1);
  g_assert_cmpuint (f->size, ==, 4286);
  g_assert_cmpuint (f->modseq, ==, 12);
  g_assert_cmpstr (f->flags[1], ==, "$Forwarded");
  utc = g_date_time_to_utc (f->internaldate);
  g_assert_cmpint (g_date_time_get_day_of_month (utc), ==, 8);
  g_assert_cmpint (g_date_time_get_hour (utc), ==, 5);

  g_assert_cmpstr (f->envelope->subject, ==, "afternoon meeting");
  g_assert_cmpstr (f->envelope->message_id, ==, "<B27397-0100000@Blurdybloop.COM>");
  g_assert_cmpuint (f->envelope->to->len, ==, 4);
  a = f->envelope->to->pdata[1];
  g_assert_cmpstr (a->mailbox, ==, "team");   /* a group start */
  g_assert_null (a->host);
  a = f->envelope->from->pdata[0];
  g_assert_cmpstr (a->name, ==, "Fred Foobar");
  g_assert_cmpstr (a->host, ==, "Blurdybloop.COM");
  g_assert_cmpuint (f->envelope->cc->len, ==, 0);
  /* Sender and Reply-To equal From: one shared, read-only list. */
  g_assert_true (f->envelope->sender == f->envelope->from);
  g_assert_true (f->envelope->reply_to == f->envelope->from);
  g_assert_true (f->envelope->to != f->envelope->from);

  g_assert_cmpstr (b->type, ==, "multipart");
  g_assert_cmpstr (b->subtype, ==, "mixed");
  g_assert_cmpstr (b->section, ==, "");
  g_assert_cmpstr (op_imap_params_lookup (b->params, "boundary"), ==, "b1");
  g_assert_cmpuint (b->children->len, ==, 5);

  p = op_imap_body_part_find (b, "1");
  g_assert_cmpstr (p->subtype, ==, "alternative");
  p = op_imap_body_part_find (b, "1.2");
  g_assert_cmpstr (p->subtype, ==, "html");
  g_assert_cmpuint (p->lines, ==, 10);
  p = op_imap_body_part_find (b, "1.1");
  g_assert_cmpstr (p->encoding, ==, "quoted-printable");
  p = op_imap_body_part_find (b, "2");
  g_assert_cmpstr (p->id, ==, "<logo@x>");
  g_assert_cmpstr (p->disposition, ==, "inline");
  g_assert_cmpstr (op_imap_params_lookup (p->disposition_params, "filename"), ==, "logo.png");
  p = op_imap_body_part_find (b, "3");
  g_assert_cmpstr (p->disposition, ==, "attachment");
  g_assert_cmpstr (p->description, ==, "Quarterly report");
  g_assert_cmpstr (op_imap_params_lookup (p->disposition_params, "filename*"), ==,
                   "UTF-8''%E6%8A%A5%E5%91%8A.pdf");
  g_assert_cmpstr (p->languages[1], ==, "ZH");
  g_assert_cmpstr (p->location, ==, "http://example.com/r");
  g_assert_cmpuint (p->size, ==, 40960);
  /* message/rfc822 holding a multipart: its parts are 4.1 and 4.2. */
  p = op_imap_body_part_find (b, "4");
  g_assert_cmpstr (p->type, ==, "message");
  g_assert_cmpstr (p->envelope->subject, ==, "afternoon meeting");
  g_assert_cmpuint (p->lines, ==, 20);
  p = op_imap_body_part_find (b, "4.2");
  g_assert_cmpstr (p->subtype, ==, "html");
  /* message/rfc822 holding one part: it is 5.1. */
  p = op_imap_body_part_find (b, "5.1");
  g_assert_cmpstr (p->subtype, ==, "plain");
  g_assert_cmpuint (p->lines, ==, 1);

  /* A single-part message is section 1. */
  b = RESPONSE (r, 1)->fetch->body;
  g_assert_cmpstr (b->section, ==, "1");
  g_assert_cmpstr (op_imap_params_lookup (b->params, "CHARSET"), ==, "US-ASCII");
  g_assert_cmpuint (b->lines, ==, 92);
  b = RESPONSE (r, 2)->fetch->body;
  g_assert_cmpstr (b->encoding, ==, "8bit");
}

static void
test_literals (void)
{
  g_autoptr(GPtrArray) r = parse_file ("fetch-literals.txt");
  const OpImapFetch *f = RESPONSE (r, 0)->fetch;
  const OpImapSection *s;
  gsize size;
  const char *body;

  g_assert_cmpuint (r->len, ==, 5);
  g_assert_cmpuint (f->seq, ==, 5);
  g_assert_cmpuint (f->uid, ==, 10);
  s = op_imap_fetch_find_section (f, "");
  body = g_bytes_get_data (s->data, &size);
  /* The literal holds a NUL, a CRLF and "{5}" at a line end: all kept as bytes. */
  g_assert_cmpuint (size, ==, 83);
  g_assert_cmpint (body[63], ==, '\0');
  g_assert_cmpmem (body + size - 11, 11, "and caf\xc3\xa9\r\n", 11);
  g_assert_nonnull (g_strstr_len (body, size, "Hello {5}\r\n"));
  g_assert_cmpint (body[size - 2], ==, '\r');
  s = op_imap_fetch_find_section (f, "HEADER.FIELDS (SUBJECT \"X-Y\")");
  g_assert_nonnull (s);
  g_assert_cmpuint (g_bytes_get_size (s->data), ==, 0);
  s = op_imap_fetch_find_section (f, "1");
  g_assert_cmpint (s->origin, ==, 0);
  g_assert_cmpmem (g_bytes_get_data (s->data, NULL), 5, "Hello", 5);
  s = op_imap_fetch_find_section (f, "2");
  g_assert_null (s->data);

  s = op_imap_fetch_find_section (RESPONSE (r, 1)->fetch, "HEADER");
  g_assert_cmpmem (g_bytes_get_data (s->data, NULL), g_bytes_get_size (s->data),
                   "Subject: x\"y\\z", 14);
  g_assert_cmpstr (RESPONSE (r, 2)->fetch->envelope->subject, ==,
                   "Gr\xc3\xbc\xc3\x9f" "e aus \xe5\x8c\x97\xe4\xba\xac");
  g_assert_cmpstr (((OpImapAddress *) RESPONSE (r, 2)->fetch->envelope->from->pdata[0])->name,
                   ==, "J\xc3\xb6rg");
  g_assert_cmpstr (RESPONSE (r, 3)->fetch->envelope->subject, ==, "ab\r\ncd");
}

typedef struct
{
  GByteArray *received;
  guint       calls;
  guint32     seq;
  char       *item;
  guint64     size;
  guint32     uid;
} SinkData;

static gboolean
sink (const OpImapLiteralInfo *info,
      const guint8            *data,
      gsize                    length,
      gpointer                 user_data,
      GError                 **error)
{
  SinkData *d = user_data;

  g_assert_cmpuint (info->offset, ==, d->received->len);
  g_byte_array_append (d->received, data, length);
  d->calls++;
  d->seq = info->seq;
  g_free (d->item);
  d->item = g_strdup (info->item);
  d->size = info->size;
  d->uid = info->uid;
  return TRUE;
}

static void
test_streamed_literal (void)
{
  g_autoptr(OpImapParser) parser = op_imap_parser_new ();
  g_autoptr(GString) in = g_string_new ("* 3 FETCH (UID 9 BODY[1]<0> {100000}\r\n");
  g_autoptr(OpImapResponse) r = NULL;
  SinkData d = { g_byte_array_new (), 0, 0, NULL, 0 };
  gsize pos = 0;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (in, 'a' + i % 26);
  g_string_append (in, " BODY[HEADER] {3}\r\nabc)\r\n");
  op_imap_parser_set_literal_sink (parser, 1000, sink, &d);
  while (pos < in->len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = op_imap_parser_feed (parser, in->str + pos, MIN (4096, in->len - pos), &r,
                                      &error);

      g_assert_no_error (error);
      pos += n;
    }
  g_assert_nonnull (r);
  g_assert_cmpuint (d.received->len, ==, 100000);
  g_assert_cmpmem (d.received->data, 100000, in->str + strlen ("* 3 FETCH (UID 9 BODY[1]<0> {100000}\r\n"), 100000);
  g_assert_cmpuint (d.calls, >=, 25);
  g_assert_cmpuint (d.seq, ==, 3);
  g_assert_cmpstr (d.item, ==, "BODY[1]<0>");
  g_assert_cmpuint (d.size, ==, 100000);
  /* The streamed section is in the response without its bytes; the small one is kept. */
  g_assert_true (((OpImapSection *) r->fetch->sections->pdata[0])->streamed);
  g_assert_null (((OpImapSection *) r->fetch->sections->pdata[0])->data);
  g_assert_cmpuint (((OpImapSection *) r->fetch->sections->pdata[0])->size, ==, 100000);
  g_assert_cmpuint (g_bytes_get_size (((OpImapSection *) r->fetch->sections->pdata[1])->data), ==, 3);
  g_byte_array_unref (d.received);
  g_free (d.item);
}

/* Streams @head, 2000 bytes of literal and @tail through a sink; returns the UID the
 * sink was told. */
static guint32
literal_uid (const char *head,
             const char *tail)
{
  g_autoptr(OpImapParser) parser = op_imap_parser_new ();
  g_autoptr(GString) in = g_string_new (head);
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  SinkData d = { g_byte_array_new (), 0, 0, NULL, 0 };
  guint32 uid;

  for (guint i = 0; i < 2000; i++)
    g_string_append_c (in, 'u');
  g_string_append (in, tail);
  op_imap_parser_set_literal_sink (parser, 1000, sink, &d);
  g_assert_cmpint (op_imap_parser_feed (parser, in->str, in->len, &r, &error), ==, in->len);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  g_assert_cmpuint (d.calls, >=, 1);
  uid = d.uid;
  g_byte_array_unref (d.received);
  g_free (d.item);
  return uid;
}

static void
test_literal_uid (void)
{
  /* The UID sent before a streamed literal is told to the sink, whatever precedes it. */
  g_assert_cmpuint (literal_uid ("* 3 FETCH (UID 9 BODY[] {2000}\r\n", ")\r\n"), ==, 9);
  g_assert_cmpuint (literal_uid ("* 3 FETCH (FLAGS (\\Seen UID) uid 12 BODY[HEADER.FIELDS (UID)] "
                                 "\"UID 4\" BODY[] {2000}\r\n", ")\r\n"), ==, 12);
  /* Not yet known: after the literal, or only inside another literal's bytes, a quoted
   * string or a nested list. */
  g_assert_cmpuint (literal_uid ("* 3 FETCH (BODY[] {2000}\r\n", " UID 9)\r\n"), ==, 0);
  g_assert_cmpuint (literal_uid ("* 3 FETCH (BODY[HEADER] {5}\r\nUID 7 BODY[] {2000}\r\n",
                                 " UID 9)\r\n"), ==, 0);
  g_assert_cmpuint (literal_uid ("* 3 FETCH (X-THING (UID 7) X-NAME \"UID 8\" BODY[] {2000}\r\n",
                                 " UID 9)\r\n"), ==, 0);
}

static void
test_only_bodies_streamed (void)
{
  g_autoptr(OpImapParser) parser = op_imap_parser_new ();
  g_autoptr(GString) in = g_string_new ("* 3 FETCH (UID 9 ENVELOPE (NIL {2000}\r\n");
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(OpImapResponse) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) name = g_string_new ("* LIST () \"/\" {2000}\r\n");
  SinkData d = { g_byte_array_new (), 0, 0, NULL, 0 };

  /* A subject or a folder name above the threshold is kept for the grammar: only
   * message content goes to the sink. */
  for (guint i = 0; i < 2000; i++)
    {
      g_string_append_c (in, 's');
      g_string_append_c (name, 'n');
    }
  g_string_append (in, " NIL NIL NIL NIL NIL NIL NIL NIL))\r\n");
  g_string_append (name, "\r\n");
  op_imap_parser_set_literal_sink (parser, 1000, sink, &d);
  g_assert_cmpint (op_imap_parser_feed (parser, in->str, in->len, &r, &error), ==, in->len);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  g_assert_cmpuint (strlen (r->fetch->envelope->subject), ==, 2000);
  g_assert_cmpint (op_imap_parser_feed (parser, name->str, name->len, &list, &error), ==, name->len);
  g_assert_no_error (error);
  g_assert_nonnull (list);
  g_assert_cmpuint (strlen (list->list->raw_name), ==, 2000);
  g_assert_cmpuint (d.calls, ==, 0);
  g_byte_array_unref (d.received);
  g_free (d.item);
}

static void
test_sink_removed_mid_literal (void)
{
  g_autoptr(OpImapParser) parser = op_imap_parser_new ();
  g_autoptr(GString) in = g_string_new ("* 3 FETCH (UID 9 BODY[] {5000}\r\n");
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  SinkData d = { g_byte_array_new (), 0, 0, NULL, 0 };
  gsize half;
  gssize n;

  for (guint i = 0; i < 5000; i++)
    g_string_append_c (in, 'x');
  g_string_append (in, ")\r\n");
  half = in->len / 2;
  op_imap_parser_set_literal_sink (parser, 1000, sink, &d);
  n = op_imap_parser_feed (parser, in->str, half, &r, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, half);
  g_assert_cmpuint (d.calls, ==, 1);
  /* The caller takes its sink away in the middle of the literal: the rest is read and
   * dropped, and the response still ends where it should. */
  op_imap_parser_set_literal_sink (parser, OP_IMAP_DEFAULT_STREAM_THRESHOLD, NULL, NULL);
  n = op_imap_parser_feed (parser, in->str + half, in->len - half, &r, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, in->len - half);
  g_assert_nonnull (r);
  g_assert_cmpuint (r->fetch->uid, ==, 9);
  g_assert_cmpuint (d.calls, ==, 1);
  g_assert_true (op_imap_parser_is_idle (parser));
  g_byte_array_unref (d.received);
  g_free (d.item);
}

static void
expect_bad (const char *data,
            gsize       length,
            const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpImapResponse) r = op_imap_parse_response (data, length, &error);

  if (r != NULL)
    g_error ("parsed: %.*s", (int) length, data);
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE);
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, fragment);
}

static void
test_malformed (void)
{
  const char *files[] = { "bad-escape.txt", "bad-status.txt", "bad-uidvalidity.txt",
                          "short-envelope.txt", "uid-zero.txt", "unterminated-list.txt",
                          "truncated-literal.txt", NULL };

  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename ("bad", files[i], NULL);
      g_autoptr(GBytes) b = load (path);
      gsize length;
      const char *data = g_bytes_get_data (b, &length);

      expect_bad (data, length, NULL);
    }
  expect_bad ("* OK [UIDVALIDITY x] bad\r\n", 26, "UIDVALIDITY");
  expect_bad ("a1 MAYBE\r\n", 10, "not OK, NO or BAD");
  expect_bad ("* 1 FETCH (UID 1)junk\r\n", 23, NULL);
  expect_bad ("* 1 FETCH (FLAGS (\\Seen \"x\"))\r\n", 31, "flag list");
  expect_bad ("* 1 FETCH (INTERNALDATE \"yesterday\")\r\n", 38, "INTERNALDATE");
  expect_bad ("* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" x 1))\r\n", 67,
              "body structure");
  expect_bad ("* 99999999999 EXISTS\r\n", 22, "message number");
  expect_bad ("* VANISHED 3:x\r\n", 16, "VANISHED");
  expect_bad ("* LIST () \"//\" foo\r\n", 20, "LIST");
  expect_bad ("* 1 FETCH (UID 1 BODY[] {3}\r\nab", 31, "incomplete");
  expect_bad ("* SEARCH 1 {2} 3\r\n", 18, NULL);
  expect_bad ("* OK [APPENDUID 1 x] no\r\n", 25, "APPENDUID");
  expect_bad ("no tag\r\n", 8, NULL);
}

static void
test_limits (void)
{
  g_autoptr(GString) deep = g_string_new ("* X ");
  g_autoptr(GString) long_line = g_string_new ("* SEARCH");
  g_autoptr(OpImapParser) parser = op_imap_parser_new ();
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  const char *huge = "* 1 FETCH (BODY[] {999999999999}\r\n";

  for (guint i = 0; i < OP_IMAP_MAX_DEPTH + 1; i++)
    g_string_append_c (deep, '(');
  for (guint i = 0; i < OP_IMAP_MAX_DEPTH + 1; i++)
    g_string_append_c (deep, ')');
  g_string_append (deep, "\r\n");
  expect_bad (deep->str, deep->len, "nested too deep");

  while (long_line->len <= OP_IMAP_MAX_LINE + 8)
    g_string_append (long_line, " 1234567");
  g_string_append (long_line, "\r\n");
  expect_bad (long_line->str, long_line->len, "too long");

  /* A literal larger than a response may hold is refused at its header, before any of
   * its bytes are read. */
  g_assert_cmpint (op_imap_parser_feed (parser, huge, strlen (huge), &r, &error), ==, -1);
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "too large"));
}

static void
expect_refused_header (const char *header,
                       gboolean    streamed)
{
  g_autoptr(OpImapParser) parser = op_imap_parser_new ();
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  SinkData d = { g_byte_array_new (), 0, 0, NULL, 0 };

  if (streamed)
    op_imap_parser_set_literal_sink (parser, 1000, sink, &d);
  if (op_imap_parser_feed (parser, header, strlen (header), &r, &error) != -1)
    g_error ("accepted: %s", header);
  g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "too large"));
  g_assert_cmpuint (d.calls, ==, 0);
  g_byte_array_unref (d.received);
  g_free (d.item);
}

static void
test_literal_size_limits (void)
{
  g_autofree char *above_response = g_strdup_printf ("* 1 FETCH (BODY[] {%u}\r\n",
                                                     OP_IMAP_MAX_RESPONSE + 1);
  g_autofree char *above_literal = g_strdup_printf ("* 1 FETCH (BODY[] {%" G_GUINT64_FORMAT "}\r\n",
                                                    OP_IMAP_MAX_LITERAL + 1);
  g_autofree char *at_response = g_strdup_printf ("* 1 FETCH (BODY[] {%u}\r\n",
                                                  OP_IMAP_MAX_RESPONSE - 100);
  g_autoptr(OpImapParser) parser = op_imap_parser_new ();
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GError) error = NULL;

  /* G_MAXUINT64 (and sizes that wrap the buffer's length around) are refused at the
   * header, kept or streamed, instead of reading until memory runs out. */
  expect_refused_header ("* 1 FETCH (BODY[] {18446744073709551615}\r\n", FALSE);
  expect_refused_header ("* 1 FETCH (BODY[] {18446744073709551615}\r\n", TRUE);
  expect_refused_header ("* 1 FETCH (BODY[] {18446744073709551600}\r\n", FALSE);
  /* Just above what one response may hold, and just above the largest streamed one. */
  expect_refused_header (above_response, FALSE);
  expect_refused_header (above_literal, TRUE);
  /* Below the limit, the header is accepted and the literal awaited. */
  g_assert_cmpint (op_imap_parser_feed (parser, at_response, strlen (at_response), &r, &error),
                   ==, strlen (at_response));
  g_assert_no_error (error);
  g_assert_null (r);
}

static void
test_leftover (void)
{
  /* The parser stops right after a response: what follows (bytes injected after a
   * STARTTLS go-ahead) stays with the caller. */
  const char *in = "a1 OK Begin TLS negotiation now.\r\n* OK injected\r\n";
  g_autoptr(OpImapParser) parser = op_imap_parser_new ();
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  gssize n = op_imap_parser_feed (parser, in, strlen (in), &r, &error);

  g_assert_no_error (error);
  g_assert_cmpint (n, ==, strlen ("a1 OK Begin TLS negotiation now.\r\n"));
  g_assert_nonnull (r);
  g_assert_true (op_imap_parser_is_idle (parser));
}

static void
test_date_time (void)
{
  g_autoptr(GDateTime) a = op_imap_parse_date_time ("17-Jul-1996 02:44:25 -0700");
  g_autoptr(GDateTime) b = op_imap_parse_date_time (" 1-Jan-2024 00:00:00 +0000");

  g_assert_nonnull (a);
  g_assert_cmpint (g_date_time_to_unix (a), ==, 837596665);
  g_assert_nonnull (b);
  g_assert_null (op_imap_parse_date_time ("32-Jan-2024 00:00:00 +0000"));
  g_assert_null (op_imap_parse_date_time ("01-Foo-2024 00:00:00 +0000"));
  g_assert_null (op_imap_parse_date_time ("01-Jan-2024 00:00:00 +0000 x"));
}

/* A real session with Dovecot 2.3 (tests/servers/dovecot.sh, the seeded INBOX), captured
 * off the wire: what the server sent, whole. */
static void
test_dovecot_capture (void)
{
  g_autoptr(GPtrArray) r = parse_file ("dovecot-session.txt");
  guint n_fetch = 0, n_list = 0, n_bodies = 0;
  gboolean esearch = FALSE, search = FALSE;

  for (guint i = 0; i < r->len; i++)
    {
      const OpImapResponse *x = RESPONSE (r, i);

      if (x->kind == OP_IMAP_RESPONSE_TAGGED)
        g_assert_cmpint (x->status, ==, OP_IMAP_STATUS_OK);
      if (x->data == OP_IMAP_DATA_LIST)
        {
          n_list++;
          if (g_str_equal (x->list->name, "Sent"))
            g_assert_true (x->list->flags & OP_IMAP_MAILBOX_SENT);
          g_assert_cmpint (x->list->delimiter, ==, '/');
        }
      if (x->data == OP_IMAP_DATA_ESEARCH)
        {
          esearch = TRUE;
          g_assert_cmpstr (x->esearch->all, ==, "1:5");
          g_assert_cmpuint (x->esearch->count, ==, 5);
        }
      if (x->data == OP_IMAP_DATA_SEARCH)
        {
          search = TRUE;
          g_assert_cmpuint (x->numbers->len, ==, 1);
          g_assert_cmpuint (g_array_index (x->numbers, guint32, 0), ==, 5);
        }
      if (x->data == OP_IMAP_DATA_FETCH)
        {
          const OpImapSection *s = op_imap_fetch_find_section (x->fetch, "");

          n_fetch++;
          if (x->fetch->body != NULL)
            {
              g_assert_nonnull (x->fetch->envelope);
              g_assert_cmpuint (x->fetch->modseq, >, 0);
              if (x->fetch->uid == 4)
                {
                  const OpImapBodyPart *p = op_imap_body_part_find (x->fetch->body, "2");

                  g_assert_cmpstr (p->subtype, ==, "csv");
                  g_assert_cmpstr (op_imap_params_lookup (p->disposition_params, "filename"), ==,
                                   "report.csv");
                }
            }
          if (s != NULL)
            {
              /* BODY[] equals the seed file, byte for byte. */
              const char *name = x->fetch->uid == 4 ? "04-attachment.eml" : "05-encoded-subject.eml";
              g_autofree char *path = op_test_data_path ("mail", "seed", name, NULL);
              g_autofree char *seed = NULL;
              gsize size;

              g_assert_true (g_file_get_contents (path, &seed, &size, NULL));
              g_assert_cmpmem (g_bytes_get_data (s->data, NULL), g_bytes_get_size (s->data),
                               seed, size);
              g_assert_cmpuint (op_imap_fetch_find_section (x->fetch, "1")->size, ==, 20);
              g_assert_nonnull (op_imap_fetch_find_section (x->fetch, "HEADER.FIELDS (SUBJECT FROM)"));
              n_bodies++;
            }
        }
    }
  g_assert_cmpuint (n_list, ==, 5);
  g_assert_cmpuint (n_fetch, ==, 7);
  g_assert_cmpuint (n_bodies, ==, 2);
  g_assert_true (esearch);
  g_assert_true (search);
}

int
main (int   argc,
      char *argv[])
{
  const char *transcripts[] = { "greeting-capability.txt", "select-condstore.txt",
                                "list-special-use.txt", "fetch-bodystructure.txt",
                                "fetch-literals.txt", "dovecot-session.txt" };

  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (transcripts); i++)
    {
      g_autofree char *path = g_strdup_printf ("/imap/parser/split-anywhere/%s", transcripts[i]);

      g_test_add_data_func (path, transcripts[i], test_split_anywhere);
    }
  g_test_add_func ("/imap/parser/greeting", test_greeting);
  g_test_add_func ("/imap/parser/select", test_select);
  g_test_add_func ("/imap/parser/list", test_list);
  g_test_add_func ("/imap/parser/bodystructure", test_bodystructure);
  g_test_add_func ("/imap/parser/literals", test_literals);
  g_test_add_func ("/imap/parser/streamed-literal", test_streamed_literal);
  g_test_add_func ("/imap/parser/sink-removed-mid-literal", test_sink_removed_mid_literal);
  g_test_add_func ("/imap/parser/literal-uid", test_literal_uid);
  g_test_add_func ("/imap/parser/only-bodies-streamed", test_only_bodies_streamed);
  g_test_add_func ("/imap/parser/malformed", test_malformed);
  g_test_add_func ("/imap/parser/limits", test_limits);
  g_test_add_func ("/imap/parser/literal-size-limits", test_literal_size_limits);
  g_test_add_func ("/imap/parser/leftover", test_leftover);
  g_test_add_func ("/imap/parser/date-time", test_date_time);
  g_test_add_func ("/imap/parser/dovecot-capture", test_dovecot_capture);

  return g_test_run ();
}
