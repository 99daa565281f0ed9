/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-nntp-error.h"
#include "op-nntp-list.h"
#include "op-nntp-overview.h"
#include "op-nntp-reply.h"
#include "op-progress.h"
#include "op-protocol-log.h"
#include "op-session.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

/**
 * OpNntpState:
 * @OP_NNTP_STATE_DISCONNECTED: not connected (yet, or any more: after QUIT, a dropped
 *   connection, a failed connect, or a command cancelled half-way).
 * @OP_NNTP_STATE_CONNECTING: connecting, TLS, MODE READER, login.
 * @OP_NNTP_STATE_READY: connected and idle.
 * @OP_NNTP_STATE_BUSY: running a command.
 */
typedef enum
{
  OP_NNTP_STATE_DISCONNECTED,
  OP_NNTP_STATE_CONNECTING,
  OP_NNTP_STATE_READY,
  OP_NNTP_STATE_BUSY,
} OpNntpState;

#define OP_TYPE_NNTP_STATE (op_nntp_state_get_type ())
GType op_nntp_state_get_type (void) G_GNUC_CONST;

/**
 * OpNntpAuthMethod:
 * @OP_NNTP_AUTH_NONE: not logged in (reading needs no login on many servers), or, as a
 *   preference, "choose": AUTHINFO USER/PASS when offered, else AUTHINFO SASL PLAIN.
 * @OP_NNTP_AUTH_USER_PASS: AUTHINFO USER and PASS (RFC 4643 §2.3).
 * @OP_NNTP_AUTH_SASL_PLAIN: AUTHINFO SASL PLAIN (RFC 4643 §2.4, RFC 4616).
 */
typedef enum
{
  OP_NNTP_AUTH_NONE,
  OP_NNTP_AUTH_USER_PASS,
  OP_NNTP_AUTH_SASL_PLAIN,
} OpNntpAuthMethod;

/**
 * OpNntpArticlePart:
 * @OP_NNTP_ARTICLE_WHOLE: ARTICLE: the header, a blank line and the body.
 * @OP_NNTP_ARTICLE_HEAD: HEAD: the header only.
 * @OP_NNTP_ARTICLE_BODY: BODY: the body only.
 */
typedef enum
{
  OP_NNTP_ARTICLE_WHOLE,
  OP_NNTP_ARTICLE_HEAD,
  OP_NNTP_ARTICLE_BODY,
} OpNntpArticlePart;

/**
 * OpNntpGroupTime:
 * @name: the group's name.
 * @created: when it was created, seconds since 1970 (UTC).
 * @creator: who created it (sanitised, possibly empty).
 *
 * One line of LIST ACTIVE.TIMES (RFC 3977 §7.6.4).
 */
typedef struct
{
  char   *name;
  gint64  created;
  char   *creator;
} OpNntpGroupTime;

void op_nntp_group_time_free (OpNntpGroupTime *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpNntpGroupTime, op_nntp_group_time_free)

/**
 * OpNntpHeaderValue:
 * @number: the article number (0 when asked for by Message-ID).
 * @value: the header's value (sanitised, possibly empty).
 *
 * One line of HDR or XHDR (RFC 3977 §8.5, RFC 2980 §2.6).
 */
typedef struct
{
  guint64  number;
  char    *value;
} OpNntpHeaderValue;

void op_nntp_header_value_free (OpNntpHeaderValue *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpNntpHeaderValue, op_nntp_header_value_free)

/**
 * OpNntpOverviewFunc:
 * @extra_names: the names of the overview's extra fields, in the order of
 *   OpNntpOverview.extra (from LIST OVERVIEW.FMT: "Xref" for "Xref:full")
 * @overviews: (transfer full) (element-type OpNntpOverview): up to
 *   OP_NNTP_OVERVIEW_BATCH overviews, in the server's order
 * @user_data: the data given to op_nntp_client_over_async()
 *
 * Receives one batch of an OVER on the caller's main context, in order, before the
 * call completes.
 */
typedef void (*OpNntpOverviewFunc) (const char * const *extra_names,
                                    GPtrArray          *overviews,
                                    gpointer            user_data);

/* Overviews per batch, and batches parsed ahead of the main context at most: an OVER
 * of a million articles holds at most this many overviews in memory at once. */
#define OP_NNTP_OVERVIEW_BATCH     1000
#define OP_NNTP_OVERVIEW_IN_FLIGHT 4

#define OP_TYPE_NNTP_CLIENT (op_nntp_client_get_type ())
G_DECLARE_FINAL_TYPE (OpNntpClient, op_nntp_client, OP, NNTP_CLIENT, OpSession)

/*
 * One NNTP reader session (RFC 3977, 4642, 4643, 6048, 2980's XOVER and XHDR) on
 * OpSession: one connection and its own worker thread (DESIGN.md "Sessions and
 * threads"). Every _async call is queued and runs in order; results, overview batches
 * and property notifications arrive on the caller's main context.
 *
 * Connecting secures the link as the security mode says (STARTTLS required, never a
 * silent fallback; implicit TLS on 563), sends MODE READER when the server asks for it
 * (RFC 3977 §5.3), logs in when a user name is given (only over TLS unless
 * op_nntp_client_set_allow_plaintext_password() was set), and starts COMPRESS DEFLATE
 * when op_nntp_client_set_compress() asked for it and the server offers it.
 * Capabilities are asked again after TLS, MODE READER and the login, as RFC 3977 §5.2,
 * RFC 4642 §2.2.2 and RFC 4643 §2.2 say.
 *
 * Articles are addressed by number in the current group (0: the current article) or by
 * Message-ID ("<…>"); a call takes a Message-ID when one is given. Article text is
 * written to the caller's output stream as it arrives (never held whole), dot-unstuffed,
 * with CRLF line ends. OVER results come in batches (OpNntpOverviewFunc) of at most
 * OP_NNTP_OVERVIEW_BATCH, at most OP_NNTP_OVERVIEW_IN_FLIGHT batches ahead of the main
 * context: a million headers never sit in memory at once.
 *
 * Cancelling a call that waits in the queue leaves the session as it was. Cancelling a
 * command that has been sent ends the session (the reply would arrive out of step):
 * the client is then clearly disconnected. Dropping the last reference while connected
 * returns at once: the connection is closed on the worker (OpSession).
 */
OpNntpClient  *op_nntp_client_new                        (const char      *host,
                                                          guint16          port,
                                                          OpSecurity       security);
OP_SESSION_DECLARE_SETTINGS (OpNntpClient, op_nntp_client)
/* Which login to use: OP_NNTP_AUTH_NONE (the default) chooses AUTHINFO USER/PASS when
 * offered, else SASL PLAIN; the others insist on one (a server that does not offer it
 * fails the login with OP_NNTP_ERROR_UNSUPPORTED). */
void           op_nntp_client_set_auth_method            (OpNntpClient    *self,
                                                          OpNntpAuthMethod method);
/* COMPRESS DEFLATE (RFC 8054) after connecting and logging in, when the server offers
 * it. Default FALSE: compression beside TLS lets an attacker who controls part of the
 * traffic learn about the rest from its size (RFC 8054 §6); accounts opt in. */
void           op_nntp_client_set_compress               (OpNntpClient    *self,
                                                          gboolean         compress);

OP_SESSION_DECLARE_GETTERS (OpNntpClient, op_nntp_client)
OpNntpState    op_nntp_client_get_state                  (OpNntpClient    *self);
OpNntpAuthMethod op_nntp_client_get_auth_method          (OpNntpClient    *self);
/* Whether COMPRESS DEFLATE is active on the connection. */
gboolean       op_nntp_client_is_compressed              (OpNntpClient    *self);
/* After connect: the capabilities (the last CAPABILITIES), keywords case-insensitive. */
gboolean       op_nntp_client_has_capability             (OpNntpClient    *self,
                                                          const char      *keyword);
gboolean       op_nntp_client_has_capability_arg         (OpNntpClient    *self,
                                                          const char      *keyword,
                                                          const char      *argument);
/* After connect: whether the server said posting is allowed (200, not 201, in the
 * greeting or after MODE READER), and the greeting's text. (nullable) */
gboolean       op_nntp_client_get_posting_allowed        (OpNntpClient    *self);
const char    *op_nntp_client_get_welcome                (OpNntpClient    *self);

/* Connect, secure the link, MODE READER when needed, and log in when @user is given
 * (@password then too). On a client that is connected already, the old session ends
 * first. */
void           op_nntp_client_connect_async              (OpNntpClient         *self,
                                                          const char           *user,
                                                          const char           *password,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean       op_nntp_client_connect_finish             (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* DATE (RFC 3977 §7.1): the server's clock, in UTC. (transfer full) */
void           op_nntp_client_date_async                 (OpNntpClient         *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GDateTime     *op_nntp_client_date_finish                (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* HELP (RFC 3977 §7.2): the server's help text, lines joined with "\n" (sanitised,
 * at most 64 KiB). (transfer full) */
void           op_nntp_client_help_async                 (OpNntpClient         *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
char          *op_nntp_client_help_finish                (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* LIST ACTIVE [wildmat] (RFC 3977 §7.6.3; @wildmat nullable: every group). Returns
 * (transfer full) (element-type OpNntpActive). Lines that do not parse are skipped. */
void           op_nntp_client_list_active_async          (OpNntpClient         *self,
                                                          const char           *wildmat,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GPtrArray     *op_nntp_client_list_active_finish         (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* LIST NEWSGROUPS [wildmat] (RFC 3977 §7.6.6). Returns (transfer full): group name →
 * description. */
void           op_nntp_client_list_newsgroups_async      (OpNntpClient         *self,
                                                          const char           *wildmat,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GHashTable    *op_nntp_client_list_newsgroups_finish     (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* LIST ACTIVE.TIMES [wildmat] (RFC 3977 §7.6.4). Returns (transfer full)
 * (element-type OpNntpGroupTime). */
void           op_nntp_client_list_active_times_async    (OpNntpClient         *self,
                                                          const char           *wildmat,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GPtrArray     *op_nntp_client_list_active_times_finish   (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* LIST OVERVIEW.FMT (RFC 3977 §8.4): the lines as the server sent them ("Subject:",
 * "Xref:full"…). OVER reads through them. (transfer full) */
void           op_nntp_client_list_overview_fmt_async    (OpNntpClient         *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GStrv          op_nntp_client_list_overview_fmt_finish   (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* NEWGROUPS (RFC 3977 §7.3): groups created since @since. Returns (transfer full)
 * (element-type OpNntpActive). */
void           op_nntp_client_newgroups_async            (OpNntpClient         *self,
                                                          GDateTime            *since,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GPtrArray     *op_nntp_client_newgroups_finish           (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* NEWNEWS (RFC 3977 §7.4): Message-IDs of articles posted to groups matching @wildmat
 * since @since. Returns (transfer full) (element-type utf8). */
void           op_nntp_client_newnews_async              (OpNntpClient         *self,
                                                          const char           *wildmat,
                                                          GDateTime            *since,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GPtrArray     *op_nntp_client_newnews_finish             (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* GROUP (RFC 3977 §6.1.1): selects @group; its estimated count and marks. */
void           op_nntp_client_group_async                (OpNntpClient         *self,
                                                          const char           *group,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean       op_nntp_client_group_finish               (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          guint64         *count,
                                                          guint64         *low,
                                                          guint64         *high,
                                                          GError         **error);

/* LISTGROUP [group [range]] (RFC 3977 §6.1.2): selects @group (nullable: the current
 * one) and lists its article numbers in @low..@high (@low 0: all; @high G_MAXUINT64:
 * open). Returns (transfer full) (element-type guint64); the marks as with GROUP. */
void           op_nntp_client_listgroup_async            (OpNntpClient         *self,
                                                          const char           *group,
                                                          guint64               low,
                                                          guint64               high,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GArray        *op_nntp_client_listgroup_finish           (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          guint64         *count,
                                                          guint64         *low,
                                                          guint64         *high,
                                                          GError         **error);

/* OVER (or XOVER, RFC 2980 §2.8, for a server without the OVER capability) of
 * @low..@high in the current group (@high G_MAXUINT64: open), read through the
 * server's LIST OVERVIEW.FMT (asked once per session; the RFC's seven fields when it
 * has none). Batches go to @func; @n_overviews: how many in all. Lines that do not
 * parse are skipped and counted in @n_skipped (logged). */
void           op_nntp_client_over_async                 (OpNntpClient         *self,
                                                          guint64               low,
                                                          guint64               high,
                                                          OpNntpOverviewFunc    func,
                                                          gpointer              func_data,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean       op_nntp_client_over_finish                (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          guint64         *n_overviews,
                                                          guint64         *n_skipped,
                                                          GError         **error);

/* OVER @message_id (RFC 3977 §8.3): one article's overview (number 0). Servers that
 * do not support it (INN) answer OP_NNTP_ERROR_UNSUPPORTED. @extra_names: (optional)
 * (transfer full): the names of its extra fields. (transfer full) */
void           op_nntp_client_over_message_id_async      (OpNntpClient         *self,
                                                          const char           *message_id,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
OpNntpOverview *op_nntp_client_over_message_id_finish    (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          GStrv           *extra_names,
                                                          GError         **error);

/* HDR (RFC 3977 §8.5), or XHDR for a server without the HDR capability: @field of the
 * article @message_id (nullable), or of @low..@high in the current group. Returns
 * (transfer full) (element-type OpNntpHeaderValue). */
void           op_nntp_client_hdr_async                  (OpNntpClient         *self,
                                                          const char           *field,
                                                          const char           *message_id,
                                                          guint64               low,
                                                          guint64               high,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GPtrArray     *op_nntp_client_hdr_finish                 (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* ARTICLE, HEAD or BODY (RFC 3977 §6.2) of @message_id (nullable), else of @number in
 * the current group (0: the current article), written to @output as it arrives
 * (dot-unstuffed, CRLF line ends; flushed, not closed). Succeeds only when the whole
 * text arrived. @progress (nullable): bytes written so far (total unknown: 0). */
void           op_nntp_client_article_async              (OpNntpClient         *self,
                                                          OpNntpArticlePart     part,
                                                          const char           *message_id,
                                                          guint64               number,
                                                          GOutputStream        *output,
                                                          OpProgressFunc        progress,
                                                          gpointer              progress_data,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
/* @number and @message_id (optional, transfer full): what the server says it sent
 * (number 0 when asked by Message-ID); @bytes: what was written. */
gboolean       op_nntp_client_article_finish             (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          guint64         *number,
                                                          char           **message_id,
                                                          guint64         *bytes,
                                                          GError         **error);

/* STAT (RFC 3977 §6.2.4): whether the article exists, without its text; by number it
 * becomes the current article. */
void           op_nntp_client_stat_async                 (OpNntpClient         *self,
                                                          const char           *message_id,
                                                          guint64               number,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
/* NEXT and LAST (RFC 3977 §6.1.3, §6.1.4): move the current article. */
void           op_nntp_client_next_async                 (OpNntpClient         *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
void           op_nntp_client_last_async                 (OpNntpClient         *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
/* For STAT, NEXT and LAST: the article's number and Message-ID (transfer full). */
gboolean       op_nntp_client_stat_finish                (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          guint64         *number,
                                                          char           **message_id,
                                                          GError         **error);

/* POST (RFC 3977 §6.3.1): @article (an RFC 5536 message, LF or CRLF line ends) is sent
 * after 340, dot-stuffed through GMime's filters, then the server's 240. A refusal
 * (440 not allowed, 441 failed, 480 login needed) is the mapped error quoting the
 * server's text. Once the final "." went out, the server's answer is the result even
 * when @cancellable fires meanwhile. */
void           op_nntp_client_post_async                 (OpNntpClient         *self,
                                                          GInputStream         *article,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean       op_nntp_client_post_finish                (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* QUIT (RFC 3977 §5.4): ends the session. Without a session, does nothing. */
void           op_nntp_client_quit_async                 (OpNntpClient         *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean       op_nntp_client_quit_finish                (OpNntpClient    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

G_END_DECLS
