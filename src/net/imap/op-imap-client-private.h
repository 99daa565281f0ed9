/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * OpImapClient is one type split across files (STYLE.md): op-imap-client.c (the session:
 * greeting, capabilities, STARTTLS, login, the reader and the events),
 * op-imap-command.c (building, sending and running commands; the session commands),
 * op-imap-mailboxes.c, op-imap-messages.c and op-imap-idle.c. Everything here runs on
 * the session's worker unless it says otherwise.
 */

#include "op-imap-client.h"

G_BEGIN_DECLS

/* RFC 7162 §4 asks for no limit; these keep a hostile server from filling memory. */
/* The most messages one command collects (a UID SEARCH line is also bounded by the
 * parser's line limit). */
#define OP_IMAP_MAX_UIDS (1024 * 1024)
/* The longest UID set that VANISHED (EARLIER) responses may add up to for one command. */
#define OP_IMAP_MAX_VANISHED_TEXT (16 * 1024 * 1024)
/* A FETCH or SEARCH collects at most one answer per message the folder holds (twice
 * that, for a flag change announced in between), plus this margin, up to MAX_UIDS. */
#define OP_IMAP_RESPONSE_MARGIN 10000
/* LIST and LSUB: folders in one answer. */
#define OP_IMAP_MAX_MAILBOXES (64 * 1024)

struct _OpImapClient
{
  OpSession        parent_instance;


  /* IDLE control: any thread, under the session's settings lock. */
  GCancellable    *idle_wake;        /* (nullable) cancelled to end IDLE */
  guint            idle_serial;      /* counts op_imap_client_idle_async() calls */
  guint            idle_stopped;     /* the newest serial op_imap_client_idle_stop() ended */

  /* Worker only. */
  OpImapParser    *parser;           /* (nullable) made when the first response is due */
  char            *rbuf;
  gsize            rpos, rlen;
  guint            next_tag;
  char            *sasl_tag;         /* the AUTHENTICATE under way */
  GHashTable      *w_caps;           /* upper-case capability → itself; NULL: not known */
  OpImapState      w_state;
  guint32          w_exists;
  gboolean         w_qresync;        /* ENABLE QRESYNC succeeded (RFC 7162 §3.2.3) */
  gboolean         w_logging_out;
  gboolean         w_preauth;        /* the greeting was PREAUTH */
  gboolean         w_idle_waiting;   /* a cancelled read leaves the session intact */
  gboolean         w_quiet_fetch;    /* a bulk FETCH: count responses, log a summary */
  guint            w_n_quiet;
  GError          *w_collect_error;  /* set by a collector: the session ends */
};

/* The client's own events (OpSession's, after its state). */
typedef enum
{
  _OP_IMAP_EVENT_EXISTS = 1,
  _OP_IMAP_EVENT_EXPUNGED,
  _OP_IMAP_EVENT_VANISHED,
  _OP_IMAP_EVENT_FLAGS_CHANGED,
  _OP_IMAP_EVENT_ALERT,
} OpImapEventKind;

/* --- the session (op-imap-client.c) ------------------------------------------------------ */

gboolean        _op_imap_has_cap           (OpImapClient   *self,
                                            const char     *name);
/* Every state change goes through here (STYLE.md). */
void            _op_imap_set_state         (OpImapClient   *self,
                                            OpImapState     state);
/* ::exists for the main context (never dropped). */
void            _op_imap_post_exists       (OpImapClient   *self,
                                            guint32         count);
/* FALSE when the main context is too far behind (OP_SESSION_MAX_PENDING_EVENTS). */
gboolean        _op_imap_post_untagged     (OpImapClient   *self,
                                            OpImapResponse *r);
/* The next response, reading as needed; a failure ends the session (the one policy,
 * op_session_fail()), except a cancelled wait in IDLE. */
OpImapResponse *_op_imap_read_response     (OpImapClient   *self,
                                            GCancellable   *cancellable,
                                            GError        **error);
/* What every untagged response changes, whoever asked for it. */
void            _op_imap_note_untagged     (OpImapClient   *self,
                                            OpImapResponse *r);
void            _op_imap_set_caps          (OpImapClient   *self,
                                            char          **caps);
/* The session ends with @cause (transfer full), mapped by op_session_fail(). */
void            _op_imap_fail              (OpImapClient   *self,
                                            GError         *cause,
                                            GError        **error);
/* A tagged response to no command of ours: the session is out of step. */
void            _op_imap_unexpected_tag    (OpImapClient   *self,
                                            GError        **error);
char           *_op_imap_next_tag          (OpImapClient   *self);

/* --- building and running commands (op-imap-command.c) ----------------------------------- */

typedef struct
{
  GString   *text;       /* the line being built */
  GPtrArray *parts;      /* (element-type GBytes): line, literal, line, literal, …, line */
  gboolean   secret;     /* LOGIN: every part after the first is logged masked, and every
                          * buffer is wiped when the command is cleared */
  gboolean   bad;
  gboolean   after_literal;
} OpImapCmd;

void            _op_imap_cmd_init          (OpImapCmd      *c);
void            _op_imap_cmd_init_secret   (OpImapCmd      *c,
                                            gsize           reserve);
void            _op_imap_cmd_clear         (OpImapCmd      *c);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OpImapCmd, _op_imap_cmd_clear)
/* A space before the next argument, unless it opens a list or starts the command. */
void            _op_imap_cmd_separate      (OpImapCmd      *c);
void            _op_imap_cmd_add           (OpImapCmd      *c,
                                            const char     *text);
void            _op_imap_cmd_literal       (OpImapCmd      *c,
                                            OpImapClient   *self,
                                            const void     *data,
                                            gsize           length);
void            _op_imap_cmd_string        (OpImapCmd      *c,
                                            OpImapClient   *self,
                                            const char     *s,
                                            gsize           length);
gboolean        _op_imap_cmd_mailbox       (OpImapCmd      *c,
                                            OpImapClient   *self,
                                            const char     *name,
                                            GError        **error);
gboolean        _op_imap_check_atom        (const char     *text,
                                            GError        **error);
gboolean        _op_imap_check_uid_set     (const char     *set,
                                            GError        **error);

/* A command's collector: TRUE when it took @r (then no event is posted for it). */
typedef gboolean (*OpImapCollect) (OpImapClient   *self,
                                   OpImapResponse *r,
                                   gpointer        data);

/* Sends @c (with literals: waiting for each continuation unless LITERAL+) and reads up
 * to its tagged response, which is returned whatever its status. */
OpImapResponse *_op_imap_run_command       (OpImapClient   *self,
                                            OpImapCmd      *c,
                                            OpImapCollect   collect,
                                            gpointer        data,
                                            GCancellable   *cancellable,
                                            GError        **error);
/* A command that must end in OK; @verb names it in errors. */
OpImapResponse *_op_imap_command_ok        (OpImapClient      *self,
                                            OpImapCmd         *c,
                                            const char        *verb,
                                            OpImapCommandKind  kind,
                                            OpImapCollect      collect,
                                            gpointer           data,
                                            GCancellable      *cancellable,
                                            GError           **error);
gboolean        _op_imap_simple_command    (OpImapClient      *self,
                                            const char        *text,
                                            GCancellable      *cancellable,
                                            GError           **error);
/* An untagged response during a command: the command's collector first, then the
 * client's events. A BYE ends the session unless we are logging out. */
gboolean        _op_imap_dispatch_untagged (OpImapClient   *self,
                                            OpImapResponse *r,
                                            OpImapCollect   collect,
                                            gpointer        data,
                                            GError        **error);
gboolean        _op_imap_need_state        (OpImapClient   *self,
                                            OpImapState     at_least,
                                            GError        **error);
/* A collector about to hold @count items of one kind, at most @limit: past it, the
 * session ends (the server floods), through _op_imap_dispatch_untagged(). */
gboolean        _op_imap_within_limit      (OpImapClient   *self,
                                            guint           count,
                                            guint           limit,
                                            const char     *what);
/* How many answers a FETCH or SEARCH may collect. */
guint           _op_imap_message_limit     (OpImapClient   *self);
/* Appends the UID set of a VANISHED (EARLIER) response to @set (comma-joined). */
gboolean        _op_imap_collect_vanished_earlier (OpImapClient    *self,
                                                   OpImapResponse  *r,
                                                   char           **set);

/* --- calls ----------------------------------------------------------------------------- */

/* What one call carries to the worker, and its results for the _finish out parameters. */
typedef struct
{
  char            *a;         /* user, mailbox, uid set, pattern, section */
  char            *b;         /* password, new name, destination, known UIDs */
  GStrv            strv;      /* flags, sections, criteria, capabilities */
  gint             number;    /* method, mode, items, the mailbox command */
  gboolean         flag;      /* read-only, subscribed, conditional */
  guint32          uid;
  GHashTable      *table;
  GBytes          *bytes;
  GDateTime       *date;
  GOutputStream   *stream;
  guint64          in_number;  /* CHANGEDSINCE, UNCHANGEDSINCE, modseq */
  char            *out_text;
  guint64          out_number;
} OpImapJob;

void            _op_imap_job_free          (OpImapJob      *job);
/* Queues @func with @job (transfer full) for the call @source_tag (its _async). Any
 * call ends a running IDLE with DONE first (RFC 2177). @result_free NULL: a boolean
 * call. */
void            _op_imap_call              (OpImapClient        *self,
                                            gpointer             source_tag,
                                            OpSessionJobFunc     func,
                                            OpImapJob           *job,
                                            GDestroyNotify       result_free,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/* A finish shared by several calls: @result must come from one of @source_tags
 * (NULL-terminated), each call's own. */
gboolean        _op_imap_finish_boolean_of (OpImapClient   *self,
                                            GAsyncResult   *result,
                                            gpointer const *source_tags,
                                            GError        **error);

G_END_DECLS
