/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * FTP replies (RFC 959 §4.2): pure functions over reply lines, unit-tested and fuzzed.
 */

/* RFC 959 gives no limit; real multi-line replies (FEAT, STAT, HELP, banners) stay far
 * below these, and a hostile server must not grow our memory without bound. */
#define OP_FTP_REPLY_MAX_LINE  4096
#define OP_FTP_REPLY_MAX_LINES 10000

/**
 * OpFtpReply:
 * @code: the three-digit reply code (100..599).
 * @lines: (array zero-terminated=1): every line as received (valid UTF-8: bytes that are
 *   not are replaced), the code prefix included.
 * @text: the text of the reply: the first line after "NNN " or "NNN-", then each later
 *   line (without a "NNN " / "NNN-" prefix where it has one), joined by "\n".
 */
typedef struct
{
  guint   code;
  char  **lines;
  char   *text;
} OpFtpReply;

#define OP_TYPE_FTP_REPLY (op_ftp_reply_get_type ())
GType       op_ftp_reply_get_type (void) G_GNUC_CONST;
OpFtpReply *op_ftp_reply_copy     (const OpFtpReply *reply);
void        op_ftp_reply_free     (OpFtpReply       *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpFtpReply, op_ftp_reply_free)

/* 1yz preliminary, 2yz done, 3yz more needed, 4yz transient failure, 5yz permanent. */
#define OP_FTP_REPLY_CLASS(reply) ((reply)->code / 100)

/*
 * Reassembles replies from lines. A multi-line reply starts with "NNN-" and ends with a
 * line "NNN " (or exactly "NNN") with the same code; lines between may be anything,
 * including ones that start with other digits (RFC 959 §4.2 requires only that). A first
 * line that does not start with three digits and " ", "-" or its end is a protocol error.
 */
typedef struct _OpFtpReplyParser OpFtpReplyParser;

OpFtpReplyParser *op_ftp_reply_parser_new       (void);
void              op_ftp_reply_parser_free      (OpFtpReplyParser *parser);
/* Returns a complete reply (transfer full), or NULL with no error when more lines are
 * needed, or NULL with OP_FTP_ERROR_BAD_REPLY. @line is one line without CRLF. */
OpFtpReply       *op_ftp_reply_parser_push_line (OpFtpReplyParser *parser,
                                                 const char       *line,
                                                 gsize             length,
                                                 GError          **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpFtpReplyParser, op_ftp_reply_parser_free)

/* Parsers for the replies that carry data. FALSE (with OP_FTP_ERROR_BAD_REPLY naming
 * what was expected) when the text does not hold it. */
/* 227 "Entering Passive Mode (h1,h2,h3,h4,p1,p2)": anywhere in the text, parentheses
 * optional. @address: "h1.h2.h3.h4" (transfer full). */
gboolean op_ftp_reply_parse_pasv (const OpFtpReply *reply,
                                  char            **address,
                                  guint16          *port,
                                  GError          **error);
/* 229 "Entering Extended Passive Mode (|||port|)": RFC 2428 §3, any delimiter 33..126. */
gboolean op_ftp_reply_parse_epsv (const OpFtpReply *reply,
                                  guint16          *port,
                                  GError          **error);
/* 257 "\"/a \"\"quoted\"\" dir\" …": RFC 959 Appendix II; returns the raw path bytes
 * (nul-terminated; the server's charset). */
gboolean op_ftp_reply_parse_pwd  (const OpFtpReply *reply,
                                  char            **path,
                                  GError          **error);
/* 213 "YYYYMMDDHHMMSS[.sss]" (RFC 3659 §2.3, UTC) → seconds since the epoch. */
gboolean op_ftp_reply_parse_mdtm (const OpFtpReply *reply,
                                  gint64           *mtime,
                                  GError          **error);
/* 213 "N" */
gboolean op_ftp_reply_parse_size (const OpFtpReply *reply,
                                  guint64          *size,
                                  GError          **error);
/* 150 "… (N bytes)": the size a server announces when it opens a RETR's data connection
 * (vsftpd, ProFTPD, many others; not a standard). FALSE, without an error, when the
 * reply holds none. */
gboolean op_ftp_reply_parse_announced_size (const OpFtpReply *reply,
                                            guint64          *size);
/* 211-FEAT lines (RFC 2389): upper-cased feature name → its parameters ("" when none).
 * (transfer full) (element-type utf8 utf8) */
GHashTable *op_ftp_reply_parse_feat (const OpFtpReply *reply);
/* "YYYYMMDDHHMMSS[.sss]" alone (MDTM, MLSD modify) → seconds since the epoch, UTC. */
gboolean op_ftp_parse_time_val   (const char       *text,
                                  gsize             length,
                                  gint64           *mtime);

G_END_DECLS
