/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-imap-error.h"
#include "op-imap-value.h"

G_BEGIN_DECLS

/*
 * IMAP responses (RFC 3501 §7, RFC 9051 where it differs, and the extensions the client
 * uses): a pure, incremental parser fed bytes in chunks split anywhere, unit-tested on
 * transcripts in tests/data/imap/ and fuzzed.
 */

/* Limits (RFC 3501 gives none; RFC 7162 §4 asks clients to accept lines of at least
 * 8192 octets). A SEARCH or VANISHED of 100,000 UIDs is ~700 KB on one line. */
#define OP_IMAP_MAX_LINE           (4 * 1024 * 1024)
/* Everything one response holds in memory: lines and literals kept whole. */
#define OP_IMAP_MAX_RESPONSE       (64 * 1024 * 1024)
/* One literal, even when streamed to the sink: no message is this large, and a
 * 20-digit {n} must not become an endless read. */
#define OP_IMAP_MAX_LITERAL        (G_GUINT64_CONSTANT (4) * 1024 * 1024 * 1024)
/* Nested lists: BODYSTRUCTURE nests two lists per MIME level; Dovecot stops at 100
 * levels of MIME nesting. */
#define OP_IMAP_MAX_DEPTH          256
/* Values in one list. */
#define OP_IMAP_MAX_LIST_ITEMS     (1024 * 1024)
/* Message content larger than this goes to the literal sink, when one is set. */
#define OP_IMAP_DEFAULT_STREAM_THRESHOLD (256 * 1024)

/* --- typed data ---------------------------------------------------------------------- */

/* Addresses and envelopes are each one allocation with their strings: read-only, freed
 * only through op_imap_envelope_free() (or with the fetch or body part holding them). */
typedef struct
{
  char *name;     /* (nullable) display name, raw (may be RFC 2047 encoded) */
  char *adl;      /* (nullable) source route */
  char *mailbox;  /* (nullable) local part, or the group name at a group start */
  char *host;     /* (nullable) NULL at a group start or end (RFC 3501 §7.4.2) */
} OpImapAddress;

typedef struct
{
  char      *date;        /* (nullable) the Date header, raw */
  char      *subject;     /* (nullable) raw (may be RFC 2047 encoded, or 8-bit) */
  GPtrArray *from;        /* (element-type OpImapAddress) never NULL, maybe empty; the
                           * lists are read-only and may be shared (sender and reply_to
                           * are often the same array as from; empty lists are one
                           * shared array) */
  GPtrArray *sender;
  GPtrArray *reply_to;
  GPtrArray *to;
  GPtrArray *cc;
  GPtrArray *bcc;
  char      *in_reply_to; /* (nullable) */
  char      *message_id;  /* (nullable) */
} OpImapEnvelope;

typedef struct _OpImapBodyPart OpImapBodyPart;

/**
 * OpImapBodyPart:
 * One node of a BODYSTRUCTURE (RFC 3501 §7.4.2, body). @type and @subtype are lower
 * case. @section is the part's section number for BODY[section] ("1", "2.1"; "" for a
 * multipart at the top); @params and @disposition_params hold name, value pairs
 * (names lower case), NULL-terminated. Common words among these strings are shared
 * constants: free a part only with op_imap_body_part_free(), never field by field.
 */
struct _OpImapBodyPart
{
  char            *type;
  char            *subtype;
  char            *section;
  char           **params;
  char            *id;
  char            *description;
  char            *encoding;
  guint32          size;
  guint32          lines;          /* text/\* and message/rfc822 */
  OpImapEnvelope  *envelope;       /* message/rfc822 and message/global */
  OpImapBodyPart  *message_body;   /* the same */
  char            *md5;
  char            *disposition;    /* lower case, e.g. "attachment" */
  char           **disposition_params;
  char           **languages;
  char            *location;
  GPtrArray       *children;       /* (element-type OpImapBodyPart) multipart only */
};

/* A BODY[section]<origin> of a FETCH response. */
typedef struct
{
  char    *name;      /* the item as sent, e.g. "BODY[1.2]<0>", "RFC822.HEADER" */
  char    *section;   /* inside the brackets, e.g. "1.2", "HEADER.FIELDS (SUBJECT)" */
  gint64   origin;    /* <origin>, or -1 */
  GBytes  *data;      /* (nullable) NULL for NIL or a streamed literal */
  gboolean streamed;
  guint64  size;      /* bytes (also for a streamed literal) */
} OpImapSection;

typedef enum
{
  OP_IMAP_FETCH_UID           = 1 << 0,
  OP_IMAP_FETCH_FLAGS         = 1 << 1,
  OP_IMAP_FETCH_INTERNALDATE  = 1 << 2,
  OP_IMAP_FETCH_SIZE          = 1 << 3,
  OP_IMAP_FETCH_ENVELOPE      = 1 << 4,
  OP_IMAP_FETCH_BODYSTRUCTURE = 1 << 5,
  OP_IMAP_FETCH_MODSEQ        = 1 << 6,
} OpImapFetchItems;

typedef struct
{
  guint32           seq;
  OpImapFetchItems  items;         /* which of the fields below the response carried */
  guint32           uid;
  char            **flags;
  GDateTime        *internaldate;
  guint32           size;
  OpImapEnvelope   *envelope;
  OpImapBodyPart   *body;          /* BODYSTRUCTURE or BODY */
  guint64           modseq;
  GPtrArray        *sections;      /* (element-type OpImapSection) never NULL */
} OpImapFetch;

typedef enum
{
  OP_IMAP_MAILBOX_NOSELECT      = 1 << 0,
  OP_IMAP_MAILBOX_NOINFERIORS   = 1 << 1,
  OP_IMAP_MAILBOX_MARKED        = 1 << 2,
  OP_IMAP_MAILBOX_UNMARKED      = 1 << 3,
  OP_IMAP_MAILBOX_HAS_CHILDREN  = 1 << 4,
  OP_IMAP_MAILBOX_HAS_NO_CHILDREN = 1 << 5,
  OP_IMAP_MAILBOX_NONEXISTENT   = 1 << 6,
  OP_IMAP_MAILBOX_SUBSCRIBED    = 1 << 7,
  OP_IMAP_MAILBOX_REMOTE        = 1 << 8,
  /* RFC 6154 special use. */
  OP_IMAP_MAILBOX_ALL           = 1 << 9,
  OP_IMAP_MAILBOX_ARCHIVE       = 1 << 10,
  OP_IMAP_MAILBOX_DRAFTS        = 1 << 11,
  OP_IMAP_MAILBOX_FLAGGED       = 1 << 12,
  OP_IMAP_MAILBOX_JUNK          = 1 << 13,
  OP_IMAP_MAILBOX_SENT          = 1 << 14,
  OP_IMAP_MAILBOX_TRASH         = 1 << 15,
  /* RFC 5258 CHILDINFO ("SUBSCRIBED"): a child is subscribed. */
  OP_IMAP_MAILBOX_CHILD_SUBSCRIBED = 1 << 16,
} OpImapMailboxFlags;

typedef struct
{
  OpImapMailboxFlags  flags;
  char              **attributes;  /* every attribute as sent */
  char                delimiter;   /* 0 for NIL */
  char               *raw_name;    /* as sent (modified UTF-7) */
  char               *name;        /* (nullable) decoded UTF-8; NULL if not valid */
} OpImapListEntry;

typedef enum
{
  OP_IMAP_STATUS_MESSAGES      = 1 << 0,
  OP_IMAP_STATUS_RECENT        = 1 << 1,
  OP_IMAP_STATUS_UIDNEXT       = 1 << 2,
  OP_IMAP_STATUS_UIDVALIDITY   = 1 << 3,
  OP_IMAP_STATUS_UNSEEN        = 1 << 4,
  OP_IMAP_STATUS_HIGHESTMODSEQ = 1 << 5,
  OP_IMAP_STATUS_SIZE          = 1 << 6,
  OP_IMAP_STATUS_DELETED       = 1 << 7,
} OpImapStatusItems;

typedef struct
{
  char              *raw_name;
  char              *name;        /* (nullable) decoded */
  OpImapStatusItems  items;
  guint32            messages;
  guint32            recent;
  guint32            uidnext;
  guint32            uidvalidity;
  guint32            unseen;
  guint32            deleted;
  guint64            highestmodseq;
  guint64            size;
} OpImapMailboxStatus;

typedef struct
{
  char    *tag;       /* (nullable) the correlator */
  gboolean uid;
  gboolean has_min, has_max, has_count, has_modseq;
  guint32  min, max, count;
  guint64  modseq;
  char    *all;       /* (nullable) sequence set */
} OpImapEsearch;

typedef struct
{
  char *prefix;       /* raw (modified UTF-7) */
  char  delimiter;    /* 0 for NIL */
} OpImapNamespace;

/* --- response codes (RFC 3501 §7.1, RFC 5530, RFC 4315, RFC 7162) ------------------- */

typedef enum
{
  OP_IMAP_CODE_NONE,
  OP_IMAP_CODE_OTHER,
  OP_IMAP_CODE_ALERT,
  OP_IMAP_CODE_BADCHARSET,
  OP_IMAP_CODE_CAPABILITY,
  OP_IMAP_CODE_PARSE,
  OP_IMAP_CODE_PERMANENTFLAGS,
  OP_IMAP_CODE_READ_ONLY,
  OP_IMAP_CODE_READ_WRITE,
  OP_IMAP_CODE_TRYCREATE,
  OP_IMAP_CODE_UIDNEXT,
  OP_IMAP_CODE_UIDVALIDITY,
  OP_IMAP_CODE_UNSEEN,
  OP_IMAP_CODE_HIGHESTMODSEQ,
  OP_IMAP_CODE_NOMODSEQ,
  OP_IMAP_CODE_MODIFIED,
  OP_IMAP_CODE_CLOSED,
  OP_IMAP_CODE_APPENDUID,
  OP_IMAP_CODE_COPYUID,
  OP_IMAP_CODE_UIDNOTSTICKY,
  OP_IMAP_CODE_AUTHENTICATIONFAILED,
  OP_IMAP_CODE_AUTHORIZATIONFAILED,
  OP_IMAP_CODE_UNAVAILABLE,
  OP_IMAP_CODE_EXPIRED,
  OP_IMAP_CODE_PRIVACYREQUIRED,
  OP_IMAP_CODE_NONEXISTENT,
  OP_IMAP_CODE_ALREADYEXISTS,
  OP_IMAP_CODE_NOPERM,
  OP_IMAP_CODE_OVERQUOTA,
  OP_IMAP_CODE_LIMIT,
  OP_IMAP_CODE_INUSE,
  OP_IMAP_CODE_CANNOT,
  OP_IMAP_CODE_SERVERBUG,
} OpImapCodeKind;

typedef struct
{
  OpImapCodeKind   kind;
  char            *name;      /* upper case, e.g. "UIDVALIDITY" */
  char            *raw;       /* (nullable) the text after the name, as sent */
  guint64          number;    /* UIDNEXT, UIDVALIDITY, UNSEEN, HIGHESTMODSEQ; the
                               * UIDVALIDITY of APPENDUID/COPYUID */
  char           **list;      /* (nullable) PERMANENTFLAGS, CAPABILITY, BADCHARSET */
  char            *source;    /* (nullable) COPYUID source set; MODIFIED set */
  char            *dest;      /* (nullable) APPENDUID/COPYUID destination set */
} OpImapCode;

/* --- responses ------------------------------------------------------------------------ */

typedef enum
{
  OP_IMAP_RESPONSE_CONTINUATION,
  OP_IMAP_RESPONSE_TAGGED,
  OP_IMAP_RESPONSE_STATUS,     /* untagged OK, NO, BAD, BYE, PREAUTH */
  OP_IMAP_RESPONSE_DATA,       /* every other untagged response */
} OpImapResponseKind;

typedef enum
{
  OP_IMAP_STATUS_OK,
  OP_IMAP_STATUS_NO,
  OP_IMAP_STATUS_BAD,
  OP_IMAP_STATUS_BYE,
  OP_IMAP_STATUS_PREAUTH,
} OpImapStatus;

typedef enum
{
  OP_IMAP_DATA_OTHER,
  OP_IMAP_DATA_CAPABILITY,
  OP_IMAP_DATA_ENABLED,
  OP_IMAP_DATA_LIST,
  OP_IMAP_DATA_LSUB,
  OP_IMAP_DATA_STATUS,
  OP_IMAP_DATA_SEARCH,
  OP_IMAP_DATA_ESEARCH,
  OP_IMAP_DATA_FLAGS,
  OP_IMAP_DATA_EXISTS,
  OP_IMAP_DATA_RECENT,
  OP_IMAP_DATA_EXPUNGE,
  OP_IMAP_DATA_FETCH,
  OP_IMAP_DATA_VANISHED,
  OP_IMAP_DATA_NAMESPACE,
  OP_IMAP_DATA_ID,
} OpImapDataKind;

/**
 * OpImapResponse:
 * One complete response. Which fields are set depends on @kind and @data:
 * - CONTINUATION: @text.
 * - TAGGED: @tag, @status (OK, NO, BAD), @code, @text.
 * - STATUS: @status, @code, @text.
 * - DATA: @name (upper case), @number (EXISTS, RECENT, EXPUNGE, FETCH), @args (for
 *   OP_IMAP_DATA_OTHER every value after the name; an empty list for the kinds below,
 *   whose values moved into typed data) and, by @data:
 *   CAPABILITY, ENABLED, FLAGS → @strv; LIST, LSUB → @list; STATUS → @status_data;
 *   SEARCH → @numbers (guint32) and @modseq; ESEARCH → @esearch; FETCH → @fetch;
 *   VANISHED → @vanished_earlier and @set; NAMESPACE → @namespaces[3] (personal, other
 *   users, shared; each NULL for NIL); ID → @id (NULL for NIL).
 * Texts are nul-terminated bytes as sent (RFC 9051 allows UTF-8; nothing is promised).
 */
struct _OpImapResponse
{
  OpImapResponseKind    kind;
  char                 *tag;
  OpImapStatus          status;
  OpImapCode           *code;
  char                 *text;

  OpImapDataKind        data;
  char                 *name;
  guint32               number;
  OpImapValue          *args;     /* a list, stored in @arena (never to be freed alone) */
  OpImapArena          *arena;    /* (private) */

  char                **strv;
  OpImapListEntry      *list;
  OpImapMailboxStatus  *status_data;
  GArray               *numbers;
  guint64               modseq;
  OpImapEsearch        *esearch;
  OpImapFetch          *fetch;
  gboolean              vanished_earlier;
  char                 *set;
  GPtrArray            *namespaces[3];
  GHashTable           *id;
};

void op_imap_response_free (OpImapResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpImapResponse, op_imap_response_free)

void op_imap_envelope_free  (OpImapEnvelope  *envelope);
void op_imap_body_part_free (OpImapBodyPart  *part);
void op_imap_fetch_free     (OpImapFetch     *fetch);
void op_imap_list_entry_free (OpImapListEntry *entry);
void op_imap_mailbox_status_free (OpImapMailboxStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpImapFetch, op_imap_fetch_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpImapBodyPart, op_imap_body_part_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpImapEnvelope, op_imap_envelope_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpImapListEntry, op_imap_list_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpImapMailboxStatus, op_imap_mailbox_status_free)

/* The part at @section ("1.2"; "" for the top) of @body, or NULL. */
const OpImapBodyPart *op_imap_body_part_find (const OpImapBodyPart *body,
                                              const char           *section);
/* The section named @section in @fetch ("1.2" for BODY[1.2], "" for BODY[]). */
const OpImapSection  *op_imap_fetch_find_section (const OpImapFetch *fetch,
                                                  const char        *section);
/* A parameter's value (name compared case-insensitively) from a name, value array. */
const char           *op_imap_params_lookup      (char * const      *params,
                                                  const char        *name);

/* Sequence sets (RFC 3501 §9 sequence-set) of numbers, "*" excluded: expanded into
 * @numbers (guint32), at most @max_count of them, else FALSE. */
gboolean op_imap_sequence_set_expand (const char *set,
                                      guint       max_count,
                                      GArray     *numbers);

/* --- the parser ------------------------------------------------------------------------ */

/**
 * OpImapLiteralInfo:
 * What a streamed literal belongs to: @seq the FETCH message number (0 when the
 * literal is not in a FETCH), @uid the UID that the same FETCH sent before the literal
 * (0 when none came before it), @item the fetch item before it ("BODY[]",
 * "BODY[1]<0>"), @size its full size, @offset where the current piece starts.
 */
typedef struct
{
  guint32     seq;
  guint32     uid;
  const char *item;
  guint64     size;
  guint64     offset;
} OpImapLiteralInfo;

/* Receives a literal larger than the threshold in pieces (the last one ends at
 * offset + length == size; an empty literal is never streamed). Returning FALSE with
 * @error stops the parser with that error. */
typedef gboolean (*OpImapLiteralSink) (const OpImapLiteralInfo *info,
                                       const guint8            *data,
                                       gsize                    length,
                                       gpointer                 user_data,
                                       GError                 **error);

typedef struct _OpImapParser OpImapParser;

OpImapParser *op_imap_parser_new              (void);
void          op_imap_parser_free             (OpImapParser      *parser);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpImapParser, op_imap_parser_free)

/* Message content in a FETCH (BODY[…], BINARY[…], RFC822…) in literals larger than
 * @threshold bytes goes to @sink; every other literal is kept (NULL: keep them all,
 * within OP_IMAP_MAX_RESPONSE). A literal already being streamed when the sink is removed
 * goes on being read, and its remaining bytes are discarded. */
void          op_imap_parser_set_literal_sink (OpImapParser      *parser,
                                               gsize              threshold,
                                               OpImapLiteralSink  sink,
                                               gpointer           user_data);

/* Feeds up to @length bytes and returns how many were consumed: it stops right after
 * the end of a complete response, which is then in @response (transfer full). -1 with
 * OP_IMAP_ERROR_BAD_RESPONSE (or the sink's error) when the input is not valid IMAP or
 * exceeds a limit; the parser is then unusable. */
gssize        op_imap_parser_feed             (OpImapParser      *parser,
                                               const char        *data,
                                               gsize              length,
                                               OpImapResponse   **response,
                                               GError           **error);
/* TRUE between responses (no partial response held). */
gboolean      op_imap_parser_is_idle          (OpImapParser      *parser);
void          op_imap_parser_reset            (OpImapParser      *parser);

/* Parses one complete response from @data (its CRLFs included); convenience for tests. */
OpImapResponse *op_imap_parse_response        (const char        *data,
                                               gsize              length,
                                               GError           **error);

/* INTERNALDATE (RFC 3501 date-time: "17-Jul-1996 02:44:25 -0700"). (transfer full) */
GDateTime    *op_imap_parse_date_time         (const char        *text);

G_END_DECLS
