/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Lines of NNTP's multi-line listings (RFC 3977 §5.2, §7.3, §7.6, §8.5; RFC 6048 §3),
 * already dot-unstuffed and without their line end (op_nntp_block_next_line). Pure
 * functions over bytes, unit-tested on captured INN transcripts and fuzzed. A line that
 * cannot be parsed is OP_NNTP_ERROR_BAD_REPLY; the caller decides whether to skip it.
 */

/**
 * OpNntpPosting:
 * The status field of LIST ACTIVE and NEWGROUPS (RFC 3977 §7.6.3, RFC 6048 §3.1.1).
 */
typedef enum
{
  OP_NNTP_POSTING_ALLOWED,     /* "y" */
  OP_NNTP_POSTING_FORBIDDEN,   /* "n" */
  OP_NNTP_POSTING_MODERATED,   /* "m" */
  OP_NNTP_POSTING_NO_LOCAL,    /* "x": articles arrive only from peers */
  OP_NNTP_POSTING_JUNK,        /* "j": articles are filed in junk */
  OP_NNTP_POSTING_ALIAS,       /* "=other.group": an alias (see @alias) */
  OP_NNTP_POSTING_UNKNOWN,     /* another letter: treat like "n" */
} OpNntpPosting;

/**
 * OpNntpActive:
 * @name: the group's name: UTF-8, no white space or control characters, at most
 *   OP_NNTP_MAX_GROUP_NAME bytes.
 * @high: the reported high water mark.
 * @low: the reported low water mark (an empty group may have @low = @high + 1).
 * @posting: the status field.
 * @alias: (nullable): the group named after "=" when @posting is ALIAS.
 */
typedef struct
{
  char          *name;
  guint64        high;
  guint64        low;
  OpNntpPosting  posting;
  char          *alias;
} OpNntpActive;

void          op_nntp_active_free       (OpNntpActive *active);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpNntpActive, op_nntp_active_free)

/* TRUE for a group name this client accepts from a server and sends in a command:
 * 1 to OP_NNTP_MAX_GROUP_NAME bytes of valid UTF-8 without white space, control
 * characters or the wildmat characters "*", "?", "[", "\" and "!" (RFC 3977 §4.1). */
gboolean      op_nntp_group_name_is_valid (const char *name,
                                           gsize       length);

/* "group high low status" (LIST ACTIVE, and NEWGROUPS lines). (transfer full) */
OpNntpActive *op_nntp_parse_active_line (const char   *line,
                                         gsize         length,
                                         GError      **error);

/* "group description" (LIST NEWSGROUPS, RFC 3977 §7.6.6): the separator is one or more
 * tabs or spaces. @description: sanitised UTF-8 (legacy 8-bit descriptions get U+FFFD),
 * possibly empty. */
gboolean      op_nntp_parse_newsgroups_line (const char  *line,
                                             gsize        length,
                                             char       **name,
                                             char       **description,
                                             GError     **error);

/* "group time creator" (LIST ACTIVE.TIMES, RFC 3977 §7.6.4): seconds since the epoch
 * and who created it (sanitised, possibly empty). */
gboolean      op_nntp_parse_active_times_line (const char  *line,
                                               gsize        length,
                                               char       **name,
                                               gint64      *created,
                                               char       **creator,
                                               GError     **error);

/* "number value" (HDR, RFC 3977 §8.5.2, and XHDR, RFC 2980 §2.6): number is 0 when the
 * request named a Message-ID. @value: sanitised, possibly empty. XHDR's "(none)" stays
 * as sent: its meaning depends on the server. */
gboolean      op_nntp_parse_hdr_line    (const char   *line,
                                         gsize         length,
                                         guint64      *number,
                                         char        **value,
                                         GError      **error);

/* A number of LISTGROUP's list (RFC 3977 §6.1.2). */
gboolean      op_nntp_parse_number_line (const char   *line,
                                         gsize         length,
                                         guint64      *number,
                                         GError      **error);

/*
 * CAPABILITIES (RFC 3977 §5.2): feed every line of the block; keywords are upper-cased,
 * arguments kept as sent. "VERSION 2" is required by RFC 3977; a server without it is
 * an RFC 977 server (op_nntp_capabilities_get_version returns 0 until a VERSION line
 * was seen).
 */
typedef struct _OpNntpCapabilities OpNntpCapabilities;

OpNntpCapabilities *op_nntp_capabilities_new      (void);
void                op_nntp_capabilities_free     (OpNntpCapabilities *caps);
void                op_nntp_capabilities_add_line (OpNntpCapabilities *caps,
                                                   const char         *line,
                                                   gsize               length);
/* TRUE if the server announced @keyword (e.g. "READER", "STARTTLS", "OVER"). */
gboolean            op_nntp_capabilities_has      (const OpNntpCapabilities *caps,
                                                   const char               *keyword);
/* TRUE if @keyword's arguments include @argument, case-insensitively (e.g. "LIST"
 * "OVERVIEW.FMT", "AUTHINFO" "USER", "SASL" "PLAIN", "COMPRESS" "DEFLATE"). */
gboolean            op_nntp_capabilities_has_arg  (const OpNntpCapabilities *caps,
                                                   const char               *keyword,
                                                   const char               *argument);
/* The highest version of the VERSION line, 0 when none. */
guint               op_nntp_capabilities_get_version (const OpNntpCapabilities *caps);
/* The arguments of @keyword (NULL-terminated, maybe empty), NULL if not announced.
 * (transfer none) */
const char * const *op_nntp_capabilities_get_args (const OpNntpCapabilities *caps,
                                                   const char               *keyword);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpNntpCapabilities, op_nntp_capabilities_free)

G_END_DECLS
