/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-nntp-client.h"
#include "op-nntp-reply.h"
#include "op-session.h"

G_BEGIN_DECLS

/*
 * Shared by the parts of OpNntpClient: op-nntp-client.c (replies, connecting, logging in,
 * the jobs, the object), op-nntp-data.c (listings, OVER, article text, POST) and
 * op-nntp-calls.c (the public calls).
 */

struct _OpNntpClient
{
  OpSession             parent_instance;

  OpNntpAuthMethod      auth_preference;   /* under the session's settings lock */
  gboolean              compress;          /* under the session's settings lock */

  /* Worker only. */
  GPtrArray            *w_cap_lines;       /* (nullable) CAPABILITIES as sent */
  OpNntpCapabilities   *w_caps;            /* (nullable) the same, parsed */
  gboolean              w_posting_allowed;
  char                 *w_welcome;
  OpNntpOverviewFormat *w_format;          /* (nullable) until the first OVER */
  GStrv                 w_format_extra;    /* its extra field names */
};

#define SESSION(self) (OP_SESSION (self))

/* The client's own events (OpSession.deliver_event). */
enum
{
  EVENT_OVERVIEW_BATCH = 1,
};

/* The lines of a listing, each parsed by its kind; a line that does not parse is
 * skipped, counted and logged (one bad group or header must not hide the rest). */
typedef enum
{
  LINE_ACTIVE,        /* LIST ACTIVE, NEWGROUPS: OpNntpActive */
  LINE_NEWSGROUPS,    /* LIST NEWSGROUPS: name → description */
  LINE_ACTIVE_TIMES,  /* LIST ACTIVE.TIMES: OpNntpGroupTime */
  LINE_MESSAGE_ID,    /* NEWNEWS: Message-IDs */
  LINE_NUMBER,        /* LISTGROUP: guint64 */
  LINE_HDR,           /* HDR, XHDR: OpNntpHeaderValue */
} LineKind;

typedef struct
{
  OpNntpClient *self;
  gpointer      result;
  guint64       skipped;
  int           kind;     /* LineKind, for collect_line */
  const char   *verb;     /* for the log */
} Collect;

typedef struct _OverShared OverShared;

typedef enum
{
  JOB_CONNECT,
  JOB_DATE,
  JOB_HELP,
  JOB_LIST_ACTIVE,
  JOB_LIST_NEWSGROUPS,
  JOB_LIST_ACTIVE_TIMES,
  JOB_LIST_OVERVIEW_FMT,
  JOB_NEWGROUPS,
  JOB_NEWNEWS,
  JOB_GROUP,
  JOB_LISTGROUP,
  JOB_OVER,
  JOB_OVER_MESSAGE_ID,
  JOB_HDR,
  JOB_ARTICLE,
  JOB_STAT,
  JOB_NEXT,
  JOB_LAST,
  JOB_POST,
  JOB_QUIT,
} JobKind;

typedef struct
{
  JobKind            kind;
  char              *user;
  char              *secret;        /* a password, wiped when freed */
  char              *text;          /* a wildmat, group or field */
  char              *message_id;
  guint64            number;
  guint64            low;
  guint64            high;
  GDateTime         *since;
  OpNntpArticlePart  part;
  GOutputStream     *output;
  GInputStream      *input;
  OpProgress        *progress;
  OverShared        *over;

  /* Results read by the _finish calls. */
  guint64            r_count;
  guint64            r_low;
  guint64            r_high;
  guint64            r_number;
  guint64            r_skipped;
  char              *r_message_id;
  GStrv              r_extra_names;
} Job;

/* op-nntp-client.c */

/* @expect: the one success code the command has (0: any 1xx-3xx). A failure code is the
 * mapped error; an unexpected success code, or 400 (the server is closing), leaves the
 * session out of step or over: it ends. */
GError *_op_nntp_nntp_check_reply (OpSession     *session,
                                   gconstpointer  data,
                                   int            expect,
                                   const char    *verb,
                                   int            kind);

OpNntpReply *_op_nntp_command (OpNntpClient       *self,
                               const char         *verb,
                               const char         *argument,
                               int                 expect,
                               OpNntpCommandKind   kind,
                               GCancellable       *cancellable,
                               GError            **error);

/* A multi-line reply whose status line was read: its block is still due. */
OpNntpReply *_op_nntp_command_multiline (OpNntpClient       *self,
                                         const char         *verb,
                                         const char         *argument,
                                         int                 expect,
                                         OpNntpCommandKind   kind,
                                         GCancellable       *cancellable,
                                         GError            **error);

/* A reply whose text must parse; a bad one ends the session. */
gboolean _op_nntp_parse_or_fail (OpNntpClient  *self,
                                 gboolean       ok,
                                 GError        *local_error,
                                 GError       **error);

gboolean _op_nntp_has_capability (OpNntpClient *self,
                                  const char   *keyword);

gboolean _op_nntp_has_capability_arg (OpNntpClient *self,
                                      const char   *keyword,
                                      const char   *argument);

gboolean _op_nntp_invalid_argument (GError     **error,
                                    const char  *message);

gboolean _op_nntp_check_message_id (const char  *message_id,
                                    GError     **error);

char *_op_nntp_format_range (guint64   low,
                             guint64   high,
                             GError  **error);

/* A job of @kind with its text argument (nullable), for _op_nntp_call(). */
Job *_op_nntp_job_new (JobKind     kind,
                       const char *text);

/* Queues @job on @task (a call's task, when the call needs it before: progress). */
void _op_nntp_job_queue (OpNntpClient *self,
                         GTask        *task,
                         Job          *job);

void _op_nntp_call (OpNntpClient         *self,
                    Job                  *job,
                    gpointer              source_tag,
                    GCancellable         *cancellable,
                    GAsyncReadyCallback   callback,
                    gpointer              user_data);

/* What GROUP and LISTGROUP report, for their _finish. */
void _op_nntp_get_marks (GAsyncResult *result,
                         guint64      *count,
                         guint64      *low,
                         guint64      *high);

/* What ARTICLE, HEAD, BODY, STAT, NEXT and LAST report, for their _finish. */
void _op_nntp_get_article (GAsyncResult  *result,
                           guint64       *number,
                           char         **message_id);

/* op-nntp-data.c */

gboolean _op_nntp_collect_line (const char  *line,
                                gsize        length,
                                gpointer     user_data,
                                GError     **error);

gboolean _op_nntp_collect_help (const char  *line,
                                gsize        length,
                                gpointer     user_data,
                                GError     **error);

/* Sends a listing command that must answer @expect and hands its lines to @func. */
gboolean _op_nntp_listing (OpNntpClient       *self,
                           const char         *verb,
                           const char         *argument,
                           int                 expect,
                           gsize               max_line,
                           gsize               max_bytes,
                           OpSessionLineFunc   func,
                           Collect            *c,
                           GCancellable       *cancellable,
                           GError            **error);

/* LIST OVERVIEW.FMT, parsed into the session's format; @lines (optional) gets the lines
 * as sent. A server without it (503, or no LIST OVERVIEW.FMT in CAPABILITIES) has the
 * RFC's seven fields, as does one whose format lacks them. */
gboolean _op_nntp_load_format (OpNntpClient  *self,
                               gboolean       asked,
                               GStrv         *lines,
                               GCancellable  *cancellable,
                               GError       **error);

OverShared *_op_nntp_over_shared_new (OpNntpOverviewFunc func,
                                      gpointer           func_data);

void _op_nntp_over_shared_unref (OverShared *shared);

void _op_nntp_nntp_deliver_event (OpSession *session,
                                  guint      kind,
                                  gpointer   data);

gboolean _op_nntp_over_range (OpNntpClient  *self,
                              guint64        low,
                              guint64        high,
                              OverShared    *shared,
                              guint64       *count,
                              guint64       *skipped,
                              GCancellable  *cancellable,
                              GError       **error);

gboolean _op_nntp_collect_one_overview (const char  *line,
                                        gsize        length,
                                        gpointer     user_data,
                                        GError     **error);

/* The argument of ARTICLE, HEAD, BODY and STAT: a Message-ID, a number, or none. */
gboolean _op_nntp_article_argument (const char  *message_id,
                                    guint64      number,
                                    char       **argument,
                                    GError     **error);

gboolean _op_nntp_parse_article_reply (OpNntpClient       *self,
                                       const OpNntpReply  *reply,
                                       guint64            *number,
                                       char              **message_id,
                                       GError            **error);

gboolean _op_nntp_receive_article (OpNntpClient       *self,
                                   OpNntpArticlePart   part,
                                   const char         *message_id,
                                   guint64             number,
                                   GOutputStream      *output,
                                   OpProgress         *progress,
                                   guint64            *r_number,
                                   char              **r_message_id,
                                   guint64            *bytes,
                                   GCancellable       *cancellable,
                                   GError            **error);

gboolean _op_nntp_post_article (OpNntpClient  *self,
                                GInputStream  *article,
                                GCancellable  *cancellable,
                                GError       **error);

G_END_DECLS
