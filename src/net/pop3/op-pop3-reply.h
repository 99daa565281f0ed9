/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * POP3 replies (RFC 1939, 2449, 3206): pure functions over bytes, unit-tested and
 * fuzzed. Errors are OP_POP3_ERROR_BAD_REPLY (op-pop3-error.h).
 */

/* RFC 2449 §4: a response is at most 512 octets, CRLF included. Real greetings and
 * errors stay below; twice that keeps a slightly verbose server working and a hostile
 * one bounded. CAPA, LIST and UIDL lines obey the same limit. */
#define OP_POP3_MAX_REPLY_LINE 1024
/* RFC 1939 §7: a unique-id is 1 to 70 characters in 0x21..0x7E. */
#define OP_POP3_MAX_UID 70
/* Lines of a multi-line LIST, UIDL or CAPA reply: a million messages is far beyond any
 * real maildrop, and bounds what a hostile server can make us hold. */
#define OP_POP3_MAX_LISTING_LINES 1000000
/* A CAPA reply is bounded like any other reply, not like a listing: RFC 2449 sets no
 * limit, real ones are a few hundred bytes (a dozen lines). */
#define OP_POP3_MAX_CAPA_LINES 100
#define OP_POP3_MAX_CAPA_BYTES (4 * 1024)
/* A line of message text (RETR, TOP). RFC 5322 §2.1.1 allows 998 octets; real mail
 * breaks that (unwrapped HTML, base64 without line breaks), so allow far more while
 * still refusing a "line" without end. */
#define OP_POP3_MAX_MESSAGE_LINE (1024 * 1024)

/**
 * OpPop3Reply:
 * @ok: TRUE for "+OK", FALSE for "-ERR".
 * @code: (nullable): the RFC 2449 §8 response code without brackets, upper-cased, e.g.
 *   "IN-USE", "SYS/TEMP", "AUTH"; NULL when the reply has none.
 * @text: the text after the status indicator (and the code), leading spaces removed;
 *   valid UTF-8 (other bytes are replaced), possibly empty.
 */
typedef struct
{
  gboolean  ok;
  char     *code;
  char     *text;
} OpPop3Reply;

#define OP_TYPE_POP3_REPLY (op_pop3_reply_get_type ())
GType        op_pop3_reply_get_type   (void) G_GNUC_CONST;
OpPop3Reply *op_pop3_reply_copy       (const OpPop3Reply *reply);
void         op_pop3_reply_free       (OpPop3Reply       *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpPop3Reply, op_pop3_reply_free)

/* A status line without its CRLF: "+OK…" or "-ERR…" (case-insensitive, RFC 1939 §3),
 * followed by the end or a space. (transfer full) */
OpPop3Reply *op_pop3_reply_parse      (const char        *line,
                                       gsize              length,
                                       GError           **error);

/* TRUE when @line is a SASL continuation ("+" or "+ " and base64, RFC 5034 §4);
 * @data (nullable) then points at the base64 text (possibly empty). */
gboolean     op_pop3_reply_is_continuation (const char   *line,
                                            gsize         length,
                                            const char  **data);

/* TRUE if @code is @name or starts with "@name/" (codes are hierarchical: "SYS/TEMP"
 * matches "SYS"). */
gboolean     op_pop3_reply_has_code   (const OpPop3Reply *reply,
                                       const char        *name);

/*
 * One line of a multi-line reply (without CRLF), dot-unstuffed (RFC 1939 §3): returns
 * TRUE and sets *@is_end for the terminating "."; otherwise points *@text past a leading
 * termination octet ("..x" → ".x") and sets *@text_length.
 */
void         op_pop3_unstuff_line     (const char        *line,
                                       gsize              length,
                                       gboolean          *is_end,
                                       const char       **text,
                                       gsize             *text_length);

/* CAPA (RFC 2449 §5): adds one capability line to @capabilities (upper-cased name →
 * its arguments, "" when none). Empty or non-ASCII names are ignored. */
void         op_pop3_capabilities_add_line (GHashTable   *capabilities,
                                            const char   *line,
                                            gsize         length);
GHashTable  *op_pop3_capabilities_new  (void);

/* "+OK nn mm" (RFC 1939 §5 STAT): @text is OpPop3Reply.text. */
gboolean     op_pop3_parse_stat       (const char        *text,
                                       guint             *count,
                                       guint64           *size,
                                       GError           **error);
/* "msg size" (LIST: a line of the listing, or the text of a single-message +OK). */
gboolean     op_pop3_parse_list_line  (const char        *line,
                                       gsize              length,
                                       guint             *number,
                                       guint64           *size,
                                       GError           **error);
/* "msg unique-id" (UIDL). @uid: (transfer full). */
gboolean     op_pop3_parse_uidl_line  (const char        *line,
                                       gsize              length,
                                       guint             *number,
                                       char             **uid,
                                       GError           **error);
/* The APOP timestamp of a greeting's text (RFC 1939 §7): "<…@…>", printable ASCII, no
 * spaces; NULL when there is none. (transfer full) (nullable) */
char        *op_pop3_parse_apop_timestamp (const char    *greeting_text);

/*
 * Streaming dot-unstuffer for the body of a multi-line reply (RETR, TOP). Feed it the
 * bytes after the status line in chunks split anywhere: it appends the message's bytes
 * to @out ("..x" lines become ".x"; line ends are kept as received) and stops after the
 * terminating "." line (CRLF "." CRLF; a bare LF is accepted as a line end too).
 */
typedef struct _OpPop3Unstuffer OpPop3Unstuffer;

OpPop3Unstuffer *op_pop3_unstuffer_new     (gsize             max_line);
void             op_pop3_unstuffer_free    (OpPop3Unstuffer  *unstuffer);
/* Returns how many bytes of @data were used: all of them, or fewer when the terminator
 * ended inside @data (the rest belongs to whatever follows). FALSE with
 * OP_POP3_ERROR_BAD_REPLY when a line is longer than @max_line bytes (not counting
 * its LF, and one byte more for the CR of CRLF). */
gboolean         op_pop3_unstuffer_push    (OpPop3Unstuffer  *unstuffer,
                                            const guint8     *data,
                                            gsize             size,
                                            GByteArray       *out,
                                            gsize            *used,
                                            GError          **error);
gboolean         op_pop3_unstuffer_is_done (OpPop3Unstuffer  *unstuffer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpPop3Unstuffer, op_pop3_unstuffer_free)

G_END_DECLS
