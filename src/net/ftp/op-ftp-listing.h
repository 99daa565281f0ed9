/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * FTP directory listings: pure functions over the bytes a server sent on the data
 * connection (DESIGN.md "Layers": no sockets here), so they are unit-tested on real
 * samples (tests/data/ftp-listings/) and fuzzed (tests/fuzz/).
 *
 * Every name is kept twice: @wire_name, the exact bytes the server used (sent back
 * unchanged to address the file), and @name, valid UTF-8 for people (converted from the
 * site's charset; bytes that do not convert are replaced, never dropped).
 */

/**
 * OpFtpEntryType:
 * @OP_FTP_ENTRY_UNKNOWN: the listing did not say (name-only listings).
 * @OP_FTP_ENTRY_FILE: a regular file.
 * @OP_FTP_ENTRY_DIRECTORY: a directory.
 * @OP_FTP_ENTRY_SYMLINK: a symbolic link; @link_target holds its target when known.
 * @OP_FTP_ENTRY_OTHER: a device, socket, pipe or anything else that is not a file.
 */
typedef enum
{
  OP_FTP_ENTRY_UNKNOWN,
  OP_FTP_ENTRY_FILE,
  OP_FTP_ENTRY_DIRECTORY,
  OP_FTP_ENTRY_SYMLINK,
  OP_FTP_ENTRY_OTHER,
} OpFtpEntryType;

/**
 * OpFtpTimePrecision:
 * @OP_FTP_TIME_NONE: no time known; @mtime is 0.
 * @OP_FTP_TIME_DAY: only the date ("Jan 5 2019", DOS dates without time).
 * @OP_FTP_TIME_MINUTE: to the minute (Unix "Jan 5 12:34", DOS, VMS).
 * @OP_FTP_TIME_SECOND: to the second or better (MLSD modify, EPLF, VMS with seconds).
 */
typedef enum
{
  OP_FTP_TIME_NONE,
  OP_FTP_TIME_DAY,
  OP_FTP_TIME_MINUTE,
  OP_FTP_TIME_SECOND,
} OpFtpTimePrecision;

/**
 * OpFtpListFormat:
 * @OP_FTP_LIST_AUTO: detect per line among the LIST formats below (not MLSD).
 * @OP_FTP_LIST_MLSD: RFC 3659 MLSD/MLST fact lines.
 * @OP_FTP_LIST_UNIX: `ls -l` style.
 * @OP_FTP_LIST_DOS: DOS/IIS style.
 * @OP_FTP_LIST_EPLF: Easily Parsed LIST Format ("+i8388621.29609,m824255902,/,\tdev").
 * @OP_FTP_LIST_VMS: VMS, entries may span two lines.
 * @OP_FTP_LIST_NAME_ONLY: one name per line (NLST, and the last-resort fallback).
 */
typedef enum
{
  OP_FTP_LIST_AUTO,
  OP_FTP_LIST_MLSD,
  OP_FTP_LIST_UNIX,
  OP_FTP_LIST_DOS,
  OP_FTP_LIST_EPLF,
  OP_FTP_LIST_VMS,
  OP_FTP_LIST_NAME_ONLY,
} OpFtpListFormat;

/**
 * OpFtpEntry:
 * @name: the name as valid UTF-8 (never NULL, never empty).
 * @wire_name: the name's exact bytes as the server sent them (nul-terminated).
 * @link_target: (nullable): a symlink's target (UTF-8), when the listing shows it.
 * @type: file, directory, link…
 * @size: in bytes, or -1 when unknown.
 * @mtime: modification time, seconds since the Unix epoch (UTC when the listing says
 *   so — MLSD, EPLF — otherwise the server's clock taken as UTC), valid per @time_precision.
 * @time_precision: how much of @mtime is known.
 * @mode: Unix permission bits (07777), or -1 when unknown.
 * @owner: (nullable): owner name or number.
 * @group: (nullable): group name or number.
 * @perm: (nullable): the RFC 3659 "perm" fact ("adfrw", "flcdmpe"…), MLSD only.
 */
typedef struct
{
  char               *name;
  char               *wire_name;
  char               *link_target;
  OpFtpEntryType      type;
  gint64              size;
  gint64              mtime;
  OpFtpTimePrecision  time_precision;
  int                 mode;
  char               *owner;
  char               *group;
  char               *perm;
} OpFtpEntry;

#define OP_TYPE_FTP_ENTRY (op_ftp_entry_get_type ())
GType       op_ftp_entry_get_type (void) G_GNUC_CONST;
OpFtpEntry *op_ftp_entry_new      (void);
OpFtpEntry *op_ftp_entry_copy     (const OpFtpEntry *entry);
void        op_ftp_entry_free     (OpFtpEntry       *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpFtpEntry, op_ftp_entry_free)

/**
 * OpFtpListing:
 * @entries: (element-type OpFtpEntry): the entries, in the server's order, without "."
 *   and ".." (and without MLSD's "cdir"/"pdir" entries).
 * @unparsed: (element-type utf8): lines no parser understood (sanitized to valid UTF-8),
 *   so the caller can show them; never silently dropped. "total 42" lines of `ls -l` and
 *   blank lines are not entries and are not reported.
 * @format: the format the entries were parsed with (for AUTO, the one most lines matched).
 */
typedef struct
{
  GPtrArray       *entries;
  GPtrArray       *unparsed;
  OpFtpListFormat  format;
} OpFtpListing;

#define OP_TYPE_FTP_LISTING (op_ftp_listing_get_type ())
GType         op_ftp_listing_get_type (void) G_GNUC_CONST;
OpFtpListing *op_ftp_listing_new      (void);
OpFtpListing *op_ftp_listing_copy     (const OpFtpListing *listing);
void          op_ftp_listing_free     (OpFtpListing       *listing);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpFtpListing, op_ftp_listing_free)

/*
 * An incremental parser: feed the data connection's bytes as they arrive, in chunks cut
 * anywhere; lines end at CRLF or LF. @charset (nullable: UTF-8) is the site's charset for
 * names; @now (seconds since the epoch, UTC) decides the year of Unix "Mon DD HH:MM"
 * dates (the most recent such date not more than a day in the future). A line longer than
 * OP_FTP_LIST_MAX_LINE bytes is reported as unparsed (cut) instead of growing memory.
 */
#define OP_FTP_LIST_MAX_LINE 8192

typedef struct _OpFtpListParser OpFtpListParser;

OpFtpListParser *op_ftp_list_parser_new    (OpFtpListFormat   format,
                                            const char       *charset,
                                            gint64            now);
void             op_ftp_list_parser_feed   (OpFtpListParser  *parser,
                                            const char       *data,
                                            gsize             length);
/* Ends the input (a last line without terminator counts) and returns the result; the
 * parser is freed. (transfer full) */
OpFtpListing    *op_ftp_list_parser_finish (OpFtpListParser  *parser);
void             op_ftp_list_parser_free   (OpFtpListParser  *parser);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpFtpListParser, op_ftp_list_parser_free)

/* One-shot: the whole listing at once. (transfer full) */
OpFtpListing    *op_ftp_listing_parse      (const char       *data,
                                            gsize             length,
                                            OpFtpListFormat   format,
                                            const char       *charset,
                                            gint64            now);

/*
 * One line of one format, without its line terminator, names kept as wire bytes and
 * converted with @charset. TRUE and @entry filled (its previous strings freed) when the
 * line is an entry of that format; FALSE otherwise (@entry then holds no strings).
 * VMS entries that span two lines are joined by the parser above, not here.
 * An entry named "." or ".." parses (TRUE); the listing drops it.
 * A name containing a NUL byte is not an entry (FALSE: it could not be sent back, and as
 * a C string it would name another file); the listing reports such a line as unparsed.
 * VMS names lose their ";version" and directories their ".DIR" ("PUB.DIR;1" is "PUB").
 */
gboolean op_ftp_parse_mlsd_line (const char *line, gsize length, const char *charset,
                                 OpFtpEntry *entry);
gboolean op_ftp_parse_unix_line (const char *line, gsize length, const char *charset,
                                 gint64 now, OpFtpEntry *entry);
gboolean op_ftp_parse_dos_line  (const char *line, gsize length, const char *charset,
                                 OpFtpEntry *entry);
gboolean op_ftp_parse_eplf_line (const char *line, gsize length, const char *charset,
                                 OpFtpEntry *entry);
gboolean op_ftp_parse_vms_line  (const char *line, gsize length, const char *charset,
                                 OpFtpEntry *entry);

/*
 * Charsets (a per-site setting: GB18030, Big5, Shift_JIS, ISO-8859-1…; NULL or "UTF-8"
 * for UTF-8). to_utf8 never fails: bytes that do not convert become U+FFFD, so a name is
 * always shown. from_utf8 fails with G_CONVERT_ERROR when the name cannot be expressed in
 * the charset (the user typed a character the server cannot store); the result may then
 * not be sent. Both return nul-terminated strings; @out_length (nullable) gets the length.
 */
char     *op_ftp_charset_to_utf8   (const char  *charset,
                                    const char  *bytes,
                                    gssize       length);
char     *op_ftp_charset_from_utf8 (const char  *charset,
                                    const char  *utf8,
                                    gsize       *out_length,
                                    GError     **error);
/* TRUE when g_iconv knows @charset (for validating a site's setting). */
gboolean  op_ftp_charset_is_supported (const char *charset);

/*
 * DESIGN.md "Hostile input": a remote name never becomes a local path unchanged.
 * Returns a name that is safe as one path component: "/", "\", NUL and control
 * characters (C0, DEL, C1) become "_", and leading/trailing spaces are kept. Returns NULL
 * for names that cannot be made safe: empty, ".", "..". Input is UTF-8 (an entry's @name).
 */
char     *op_ftp_local_name_from_remote (const char *name);

G_END_DECLS
