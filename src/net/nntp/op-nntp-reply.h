/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * NNTP replies (RFC 3977): status lines, multi-line data blocks, and the single-line
 * replies whose text carries data (greeting, GROUP, ARTICLE/HEAD/BODY/STAT, DATE, POST).
 * Pure functions over bytes, unit-tested on captured INN transcripts and fuzzed. Parse
 * errors are OP_NNTP_ERROR_BAD_REPLY (op-nntp-error.h).
 */

/* RFC 3977 §3.1: an initial response line is at most 512 octets, CRLF included. Servers
 * quote group names and Message-IDs in it; twice that keeps a verbose server working
 * and a hostile one bounded. */
#define OP_NNTP_MAX_REPLY_LINE 1024
/* A line of a multi-line block that is not article text (LIST, OVER, HDR, NEWNEWS):
 * RFC 3977 sets no limit. An overview line carries a whole References header, which
 * INN does not fold or cut; 64 KiB holds a thread hundreds of articles deep. */
#define OP_NNTP_MAX_LIST_LINE (64 * 1024)
/* A line of article text (ARTICLE, BODY). RFC 5536 §3.1 keeps RFC 5322's 998 octets,
 * but yEnc and broken posters exceed it: allow far more while still refusing a "line"
 * without end. */
#define OP_NNTP_MAX_ARTICLE_LINE (1024 * 1024)
/* RFC 3977 §3.1.1: "Message-IDs ... MUST NOT exceed 250 octets". */
#define OP_NNTP_MAX_MESSAGE_ID 250
/* RFC 3977 §4.1 sets no limit on a group name; INN refuses names longer than 497
 * octets (its line limit minus the rest of an active line). */
#define OP_NNTP_MAX_GROUP_NAME 497

/**
 * OpNntpReply:
 * @code: the three-digit status code, 100..599 (RFC 3977 §3.2).
 * @text: the text after the code and one space; valid UTF-8 (other bytes are replaced,
 *   NUL and control characters become "?"), possibly empty.
 */
typedef struct
{
  guint  code;
  char  *text;
} OpNntpReply;

#define OP_TYPE_NNTP_REPLY (op_nntp_reply_get_type ())
GType        op_nntp_reply_get_type   (void) G_GNUC_CONST;
OpNntpReply *op_nntp_reply_copy       (const OpNntpReply *reply);
void         op_nntp_reply_free       (OpNntpReply       *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpNntpReply, op_nntp_reply_free)

/* A status line without its CRLF: three digits (the first 1-5), then the end or a space
 * and text. Longer than OP_NNTP_MAX_REPLY_LINE is an error. (transfer full) */
OpNntpReply *op_nntp_reply_parse      (const char        *line,
                                       gsize              length,
                                       GError           **error);

/* RFC 3977 §3.2: 1xx informative, 2xx done, 3xx send more, 4xx and 5xx failures. */
#define OP_NNTP_REPLY_IS_OK(r)       ((r)->code >= 100 && (r)->code < 400)
/* The codes after which a multi-line data block follows (RFC 3977 §3.4.1 and the
 * extensions this client uses): 100 HELP, 101 CAPABILITIES, 211 only after LISTGROUP
 * (the caller knows: pass @listgroup), 215 LIST, 220-222 ARTICLE/HEAD/BODY, 224 OVER,
 * 225 HDR, 221 XHDR, 230 NEWNEWS, 231 NEWGROUPS. */
gboolean     op_nntp_reply_is_multiline (const OpNntpReply *reply,
                                         gboolean           listgroup);

/*
 * One line of a multi-line block (without CRLF), dot-unstuffed (RFC 3977 §3.1.1): sets
 * *@is_end for the terminating "."; otherwise points *@text past a leading dot
 * ("..x" → ".x") and sets *@text_length.
 */
void         op_nntp_unstuff_line     (const char        *line,
                                       gsize              length,
                                       gboolean          *is_end,
                                       const char       **text,
                                       gsize             *text_length);

/*
 * Splits the bytes of a multi-line block into its lines, dot-unstuffed, until the
 * terminating ".". Feed it the bytes after the status line; each call returns the next
 * line (without its line end: CRLF, or a bare LF) and how far it read.
 */
typedef enum
{
  OP_NNTP_BLOCK_LINE,       /* *line, *length: the next line */
  OP_NNTP_BLOCK_END,        /* the terminator; *consumed includes it */
  OP_NNTP_BLOCK_NEED_MORE,  /* the rest is an incomplete line: feed more bytes */
  OP_NNTP_BLOCK_ERROR,      /* a line longer than @max_line: OP_NNTP_ERROR_BAD_REPLY */
} OpNntpBlockStatus;

OpNntpBlockStatus op_nntp_block_next_line (const char  *data,
                                           gsize        size,
                                           gsize        max_line,
                                           const char **line,
                                           gsize       *length,
                                           gsize       *consumed,
                                           GError     **error);

/* Greeting (RFC 3977 §5.1.1): 200 posting allowed, 201 not; 400 and 502 say the
 * service is unavailable (the error mapping turns them into errors). */
gboolean     op_nntp_greeting_allows_posting (const OpNntpReply *reply);

/* "211 number low high group" (GROUP, LISTGROUP; RFC 3977 §6.1.1). An empty group may
 * report low > high and number 0. @group: (transfer full) (optional). */
gboolean     op_nntp_parse_group_reply (const char        *text,
                                        guint64           *count,
                                        guint64           *low,
                                        guint64           *high,
                                        char             **group,
                                        GError           **error);

/* "n message-id" (220-223 ARTICLE, HEAD, BODY, STAT, NEXT, LAST; RFC 3977 §6.2). n is 0
 * when the article was asked for by Message-ID. @message_id: (transfer full) (optional). */
gboolean     op_nntp_parse_article_reply (const char      *text,
                                          guint64         *number,
                                          char           **message_id,
                                          GError         **error);

/* "111 yyyymmddhhmmss" (DATE, RFC 3977 §7.1), always UTC. (transfer full) */
GDateTime   *op_nntp_parse_date_reply (const char        *text,
                                       GError           **error);

/* TRUE when @text (a Message-ID, or a line of NEWNEWS) is "<" id ">" within RFC 3977
 * §3.6's rules: 3 to 250 octets of printable US-ASCII, no ">" inside. */
gboolean     op_nntp_message_id_is_valid (const char      *text,
                                          gsize            length);

/* NEWNEWS (RFC 3977 §7.4): one Message-ID per line. (transfer full) */
char        *op_nntp_parse_message_id_line (const char    *line,
                                            gsize          length,
                                            GError       **error);

/*
 * Article ranges (RFC 3977 §3.1 "range"): "n", "n-" or "n-m" with 1 ≤ n ≤ m ≤ 2^63-1.
 * @high is G_MAXUINT64 for the open "n-". Formatting refuses @low 0 or @high < @low.
 */
gboolean     op_nntp_range_parse      (const char        *text,
                                       gsize              length,
                                       guint64           *low,
                                       guint64           *high);
char        *op_nntp_range_format     (guint64            low,
                                       guint64            high);

G_END_DECLS
