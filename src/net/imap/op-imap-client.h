/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-imap-error.h"
#include "op-imap-parser.h"
#include "op-net-types.h"
#include "op-protocol-log.h"
#include "op-session.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

/* RFC 3501 §3 states, plus IDLE (RFC 2177). */
typedef enum
{
  OP_IMAP_STATE_DISCONNECTED,
  OP_IMAP_STATE_CONNECTING,
  OP_IMAP_STATE_NOT_AUTHENTICATED,
  OP_IMAP_STATE_AUTHENTICATED,
  OP_IMAP_STATE_SELECTED,
  OP_IMAP_STATE_IDLE,
} OpImapState;

#define OP_TYPE_IMAP_STATE (op_imap_state_get_type ())
GType op_imap_state_get_type (void) G_GNUC_CONST;

typedef enum
{
  OP_IMAP_AUTH_AUTO,     /* AUTHENTICATE PLAIN when offered, else LOGIN */
  OP_IMAP_AUTH_LOGIN,
  OP_IMAP_AUTH_PLAIN,
} OpImapAuthMethod;

typedef enum
{
  OP_IMAP_STORE_ADD,     /* +FLAGS */
  OP_IMAP_STORE_REMOVE,  /* -FLAGS */
  OP_IMAP_STORE_REPLACE, /* FLAGS */
} OpImapStoreMode;

/* What SELECT or EXAMINE reported. */
typedef struct
{
  char     *name;               /* UTF-8 */
  gboolean  read_only;
  guint32   exists;
  guint32   recent;
  guint32   uidvalidity;
  guint32   uidnext;
  guint32   unseen;             /* first unseen sequence number, 0 when not sent */
  guint64   highestmodseq;      /* 0 when the server has none (NOMODSEQ) */
  char    **flags;
  char    **permanent_flags;
  /* Only after op_imap_client_select_qresync_async() (RFC 7162 §3.2.5.1), else NULL: */
  char      *vanished;          /* (nullable) UIDs expunged since the given modseq, the
                                 * sets of all VANISHED (EARLIER) joined with ",", NULL
                                 * when none */
  GPtrArray *changed;           /* (element-type OpImapFetch) messages changed since the
                                 * given modseq: UID, FLAGS and MODSEQ, server's order */
} OpImapSelectInfo;

void op_imap_select_info_free (OpImapSelectInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpImapSelectInfo, op_imap_select_info_free)

/* One folder of a LIST/LSUB: @entry (names decoded) and, with LIST-STATUS, @status. */
typedef struct
{
  OpImapListEntry     *entry;
  OpImapMailboxStatus *status;  /* (nullable) */
} OpImapMailbox;

void op_imap_mailbox_free (OpImapMailbox *mailbox);

#define OP_TYPE_IMAP_CLIENT (op_imap_client_get_type ())
G_DECLARE_FINAL_TYPE (OpImapClient, op_imap_client, OP, IMAP_CLIENT, OpSession)

/*
 * An IMAP session (an OpSession: DESIGN.md "Sessions and threads"): every call
 * below is queued and runs in order; results and signals arrive on the GMainContext that
 * was the thread-default one when the client was made. Mailbox names are UTF-8 in this
 * API and modified UTF-7 on the wire. UID sets are RFC 3501 sequence sets ("1:4,7").
 *
 * Signals (untagged responses, whenever they arrive, also during other calls and IDLE):
 *   ::exists (guint count)               — the selected folder holds @count messages
 *   ::expunged (guint seq)               — message @seq was removed
 *   ::vanished (const char *uid_set)     — messages removed, by UID (QRESYNC)
 *   ::flags-changed (guint seq, guint uid, GStrv flags) — an unsolicited FETCH
 *   ::alert (const char *text)           — [ALERT]: show @text to the user
 *
 * Any new call interrupts a running IDLE with DONE first.
 */
/* @security: OP_SECURITY_IMPLICIT_TLS (port 993), OP_SECURITY_STARTTLS (143; required:
 * a server that does not offer it, refuses it or greets with PREAUTH is refused) or
 * OP_SECURITY_NONE (a password then also needs
 * op_imap_client_set_allow_plaintext_password()). @port 0: the default. */
OpImapClient         *op_imap_client_new (const char     *host,
                                          guint16         port,
                                          OpSecurity      security);
OP_SESSION_DECLARE_SETTINGS (OpImapClient, op_imap_client)
OP_SESSION_DECLARE_GETTERS (OpImapClient, op_imap_client)
OpImapState           op_imap_client_get_state (OpImapClient *self);
/* Capabilities as last seen (upper case); main context snapshot. */
gboolean              op_imap_client_has_capability (OpImapClient *self,
                                                     const char   *name);
GStrv                 op_imap_client_dup_capabilities (OpImapClient *self);

void                  op_imap_client_connect_async (OpImapClient        *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean              op_imap_client_connect_finish (OpImapClient  *self,
                                                     GAsyncResult  *result,
                                                     GError       **error);

void                  op_imap_client_login_async (OpImapClient        *self,
                                                  const char          *user,
                                                  const char          *password,
                                                  OpImapAuthMethod     method,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean              op_imap_client_login_finish (OpImapClient  *self,
                                                   GAsyncResult  *result,
                                                   GError       **error);

/* RFC 2971: sends @params (field → value, nullable: NIL) and returns the server's (or NULL
 * for NIL). */
void                  op_imap_client_id_async (OpImapClient        *self,
                                               GHashTable          *params,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GHashTable           *op_imap_client_id_finish (OpImapClient  *self,
                                                GAsyncResult  *result,
                                                GError       **error);

/* RFC 5161: returns what the server enabled. */
void                  op_imap_client_enable_async (OpImapClient        *self,
                                                   const char * const  *capabilities,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GStrv                 op_imap_client_enable_finish (OpImapClient  *self,
                                                    GAsyncResult  *result,
                                                    GError       **error);

/* RFC 2342: the personal namespaces (element-type OpImapNamespace). */
void                  op_imap_client_namespace_async (OpImapClient        *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
GPtrArray            *op_imap_client_namespace_finish (OpImapClient  *self,
                                                       GAsyncResult  *result,
                                                       GError       **error);

void                  op_imap_client_noop_async (OpImapClient        *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean              op_imap_client_noop_finish (OpImapClient  *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
void                  op_imap_client_logout_async (OpImapClient        *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean              op_imap_client_logout_finish (OpImapClient  *self,
                                                    GAsyncResult  *result,
                                                    GError       **error);

/* LIST (or LSUB with @subscribed), with RETURN (SPECIAL-USE STATUS (…)) when offered.
 * @pattern: NULL for "*". (element-type OpImapMailbox) */
void                  op_imap_client_list_async (OpImapClient        *self,
                                                 const char          *pattern,
                                                 gboolean             subscribed,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GPtrArray            *op_imap_client_list_finish (OpImapClient  *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);

void                  op_imap_client_status_async (OpImapClient        *self,
                                                   const char          *mailbox,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
OpImapMailboxStatus  *op_imap_client_status_finish (OpImapClient  *self,
                                                    GAsyncResult  *result,
                                                    GError       **error);

/* SELECT, or EXAMINE with @read_only. */
void                  op_imap_client_select_async (OpImapClient        *self,
                                                   const char          *mailbox,
                                                   gboolean             read_only,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* RFC 7162 QRESYNC: SELECT/EXAMINE @mailbox (QRESYNC (@uidvalidity @modseq [@known_uids]))
 * with the caller's cached UIDVALIDITY and HIGHESTMODSEQ (both above zero) and,
 * optionally, the UIDs it knows. Needs QRESYNC enabled first (op_imap_client_enable_async
 * with "QRESYNC"), else OP_IMAP_ERROR_UNSUPPORTED. Finish with
 * op_imap_client_select_finish(): the VANISHED (EARLIER) and FETCH responses the server
 * sends in answer are collected into the result's @vanished and @changed, not emitted as
 * signals. When @uidvalidity no longer matches, the server sends neither and the cache
 * is void. */
void                  op_imap_client_select_qresync_async (OpImapClient        *self,
                                                           const char          *mailbox,
                                                           gboolean             read_only,
                                                           guint32              uidvalidity,
                                                           guint64              modseq,
                                                           const char          *known_uids,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
OpImapSelectInfo     *op_imap_client_select_finish (OpImapClient  *self,
                                                    GAsyncResult  *result,
                                                    GError       **error);

void                  op_imap_client_create_async (OpImapClient        *self,
                                                   const char          *mailbox,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
void                  op_imap_client_delete_async (OpImapClient        *self,
                                                   const char          *mailbox,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
void                  op_imap_client_rename_async (OpImapClient        *self,
                                                   const char          *mailbox,
                                                   const char          *new_name,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
void                  op_imap_client_subscribe_async (OpImapClient        *self,
                                                      const char          *mailbox,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
void                  op_imap_client_unsubscribe_async (OpImapClient        *self,
                                                        const char          *mailbox,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
void                  op_imap_client_close_async (OpImapClient        *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* RFC 3691 UNSELECT: leaves the folder without expunging (OP_IMAP_ERROR_UNSUPPORTED
 * without the capability). */
void                  op_imap_client_unselect_async (OpImapClient        *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
void                  op_imap_client_check_async (OpImapClient        *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
void                  op_imap_client_expunge_async (OpImapClient        *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* Finishes every call above that has no result of its own (each call has its own
 * source tag: a result of any other call is refused). */
gboolean              op_imap_client_simple_finish (OpImapClient  *self,
                                                    GAsyncResult  *result,
                                                    GError       **error);

/* UID FETCH @uid_set (@items) plus BODY.PEEK[s] for each of @sections ("", "1.2",
 * "HEADER", "HEADER.FIELDS (SUBJECT)", with an optional partial: "1<0.2048>").
 * (element-type OpImapFetch) in the server's order. */
void                  op_imap_client_fetch_async (OpImapClient        *self,
                                                  const char          *uid_set,
                                                  OpImapFetchItems     items,
                                                  const char * const  *sections,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
GPtrArray            *op_imap_client_fetch_finish (OpImapClient  *self,
                                                   GAsyncResult  *result,
                                                   GError       **error);

/* RFC 7162: UID FETCH @uid_set (@items MODSEQ …) (CHANGEDSINCE @changedsince), plus
 * VANISHED when QRESYNC is enabled: only the messages whose MODSEQ is above
 * @changedsince, each with its MODSEQ (element-type OpImapFetch). @vanished: the UIDs of
 * @uid_set expunged since @changedsince (VANISHED (EARLIER) sets joined with ","), NULL
 * when none or without QRESYNC. OP_IMAP_ERROR_UNSUPPORTED without CONDSTORE. */
void                  op_imap_client_fetch_changed_async (OpImapClient        *self,
                                                          const char          *uid_set,
                                                          OpImapFetchItems     items,
                                                          const char * const  *sections,
                                                          guint64              changedsince,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
GPtrArray            *op_imap_client_fetch_changed_finish (OpImapClient  *self,
                                                           GAsyncResult  *result,
                                                           char         **vanished,
                                                           GError       **error);

/* UID FETCH @uid BODY.PEEK[@section] written to @stream as it arrives (never held whole);
 * returns the bytes written. OP_IMAP_ERROR_NO when the message does not exist. */
void                  op_imap_client_fetch_to_stream_async (OpImapClient        *self,
                                                            guint32              uid,
                                                            const char          *section,
                                                            GOutputStream       *stream,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
gboolean              op_imap_client_fetch_to_stream_finish (OpImapClient  *self,
                                                             GAsyncResult  *result,
                                                             guint64       *size,
                                                             GError       **error);

/* UID SEARCH: @criteria are search keys and their arguments, e.g. { "UNSEEN", "SUBJECT",
 * "Grüße", NULL }: the arguments of BCC, BODY, CC, FROM, SUBJECT, TEXT, TO and HEADER
 * are strings (quoted, or literals when not ASCII, with CHARSET UTF-8); everything else
 * goes as an atom. Returns the UIDs (guint32). */
void                  op_imap_client_search_async (OpImapClient        *self,
                                                   const char * const  *criteria,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GArray               *op_imap_client_search_finish (OpImapClient  *self,
                                                    GAsyncResult  *result,
                                                    GError       **error);

void                  op_imap_client_store_async (OpImapClient        *self,
                                                  const char          *uid_set,
                                                  OpImapStoreMode      mode,
                                                  const char * const  *flags,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean              op_imap_client_store_finish (OpImapClient  *self,
                                                   GAsyncResult  *result,
                                                   GError       **error);

/* RFC 7162 conditional store: UID STORE @uid_set (UNCHANGEDSINCE @unchangedsince) …,
 * which changes only the messages whose MODSEQ is still at most @unchangedsince.
 * @modified: the UIDs the server left alone because they changed since (the MODIFIED
 * response code), NULL when every message was stored. OP_IMAP_ERROR_UNSUPPORTED without
 * CONDSTORE. */
void                  op_imap_client_store_unchanged_async (OpImapClient        *self,
                                                            const char          *uid_set,
                                                            OpImapStoreMode      mode,
                                                            const char * const  *flags,
                                                            guint64              unchangedsince,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
gboolean              op_imap_client_store_unchanged_finish (OpImapClient  *self,
                                                             GAsyncResult  *result,
                                                             char         **modified,
                                                             GError       **error);

/* RFC 4315 UID EXPUNGE: removes the messages of @uid_set already marked \Deleted, and
 * only those, unlike op_imap_client_expunge_async(), which also removes what other
 * clients marked. OP_IMAP_ERROR_UNSUPPORTED without UIDPLUS. */
void                  op_imap_client_uid_expunge_async (OpImapClient        *self,
                                                        const char          *uid_set,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean              op_imap_client_uid_expunge_finish (OpImapClient  *self,
                                                         GAsyncResult  *result,
                                                         GError       **error);

/* UID COPY / UID MOVE (without MOVE: UID COPY, then only if it succeeded UID STORE
 * +FLAGS.SILENT (\Deleted) and UID EXPUNGE, which needs UIDPLUS). @dest_uids: the COPYUID
 * destination set when the server sent one. */
void                  op_imap_client_copy_async (OpImapClient        *self,
                                                 const char          *uid_set,
                                                 const char          *mailbox,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
void                  op_imap_client_move_async (OpImapClient        *self,
                                                 const char          *uid_set,
                                                 const char          *mailbox,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean              op_imap_client_copy_finish (OpImapClient  *self,
                                                  GAsyncResult  *result,
                                                  char         **dest_uids,
                                                  GError       **error);
gboolean              op_imap_client_move_finish (OpImapClient  *self,
                                                  GAsyncResult  *result,
                                                  char         **dest_uids,
                                                  GError       **error);

/* APPEND @message (CRLF lines, no NUL) with @flags and @date (both nullable). @uid: from
 * APPENDUID, 0 when the server does not say. */
void                  op_imap_client_append_async (OpImapClient        *self,
                                                   const char          *mailbox,
                                                   GBytes              *message,
                                                   const char * const  *flags,
                                                   GDateTime           *date,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean              op_imap_client_append_finish (OpImapClient  *self,
                                                    GAsyncResult  *result,
                                                    guint32       *uid,
                                                    GError       **error);

/* IDLE until any other call (or op_imap_client_idle_stop(), or @cancellable: then the
 * result is G_IO_ERROR_CANCELLED) ends it with DONE. Meanwhile untagged responses arrive
 * as signals. Completes with TRUE when it ended cleanly. */
void                  op_imap_client_idle_async (OpImapClient        *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean              op_imap_client_idle_finish (OpImapClient  *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
/* Ends the IDLE under way, or one queued that has not started yet (it then completes
 * with TRUE without sending IDLE). */
void                  op_imap_client_idle_stop (OpImapClient *self);

G_END_DECLS
