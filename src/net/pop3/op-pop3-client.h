/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-pop3-error.h"
#include "op-pop3-reply.h"
#include "op-progress.h"
#include "op-protocol-log.h"
#include "op-session.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

/**
 * OpPop3State:
 * @OP_POP3_STATE_DISCONNECTED: not connected (yet, or any more: after QUIT, a dropped
 *   connection, a failed connect, or a command cancelled half-way).
 * @OP_POP3_STATE_CONNECTING: connecting, TLS, login.
 * @OP_POP3_STATE_READY: logged in (RFC 1939 TRANSACTION state) and idle.
 * @OP_POP3_STATE_BUSY: running a command.
 */
typedef enum
{
  OP_POP3_STATE_DISCONNECTED,
  OP_POP3_STATE_CONNECTING,
  OP_POP3_STATE_READY,
  OP_POP3_STATE_BUSY,
} OpPop3State;

#define OP_TYPE_POP3_STATE (op_pop3_state_get_type ())
GType op_pop3_state_get_type (void) G_GNUC_CONST;

/**
 * OpPop3AuthMethod:
 * @OP_POP3_AUTH_NONE: not logged in.
 * @OP_POP3_AUTH_SASL_PLAIN: AUTH PLAIN (RFC 5034), chosen when the server offers it.
 * @OP_POP3_AUTH_APOP: APOP (RFC 1939 §7), when the greeting has a timestamp, the account
 *   allows it and SASL PLAIN is not offered (or the link is unencrypted). Never after
 *   STLS: the timestamp came before TLS and is forgotten with the rest.
 * @OP_POP3_AUTH_USER_PASS: USER and PASS (RFC 1939 §7).
 */
typedef enum
{
  OP_POP3_AUTH_NONE,
  OP_POP3_AUTH_SASL_PLAIN,
  OP_POP3_AUTH_APOP,
  OP_POP3_AUTH_USER_PASS,
} OpPop3AuthMethod;

/**
 * OpPop3ListEntry:
 * @number: the message number in this session (1-based).
 * @size: its size in octets as the server counts it (RFC 1939 §5: CRLF line ends).
 */
typedef struct
{
  guint   number;
  guint64 size;
} OpPop3ListEntry;

/**
 * OpPop3UidEntry:
 * @number: the message number in this session.
 * @uid: its unique-id (RFC 1939 §7: 1 to 70 characters 0x21..0x7E), stable across
 *   sessions.
 */
typedef struct
{
  guint  number;
  char  *uid;
} OpPop3UidEntry;

void op_pop3_uid_entry_free (OpPop3UidEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpPop3UidEntry, op_pop3_uid_entry_free)

#define OP_TYPE_POP3_CLIENT (op_pop3_client_get_type ())
G_DECLARE_FINAL_TYPE (OpPop3Client, op_pop3_client, OP, POP3_CLIENT, OpSession)

/*
 * One POP3 session (RFC 1939, 2449, 2595, 5034) on OpSession: one connection and its
 * own worker thread (DESIGN.md "Sessions and threads"). Every _async call is queued and runs in
 * order; results and property notifications arrive on the caller's main context.
 *
 * Message numbers belong to one session. Deletions (DELE) take effect only at QUIT; a
 * session that ends any other way (a dropped connection, a cancelled command) deletes
 * nothing, as RFC 1939 §6 promises. A dropped session is not re-established behind the
 * caller's back: the next call fails with OP_POP3_ERROR_NOT_CONNECTED.
 *
 * Cancelling a call that waits in the queue leaves the session as it was. Cancelling a
 * command that has been sent ends the session (the reply would arrive out of step):
 * the client is then clearly disconnected and deleted nothing.
 *
 * Security (OpSecurity): with OP_SECURITY_NONE a password goes out only with
 * op_pop3_client_set_allow_plaintext_password(), and APOP (a digest, not the password)
 * is used when allowed and offered. OP_SECURITY_STARTTLS is STLS (RFC 2595) before
 * anything else, required: a server that does not offer or refuses it is an error
 * before any user name or password is sent. OP_SECURITY_IMPLICIT_TLS is POP3S (995).
 *
 * Dropping the last reference while connected returns at once: the connection is
 * closed on the worker (OpSession).
 *
 * Settings (set before op_pop3_client_connect_async()):
 */
OpPop3Client  *op_pop3_client_new                        (const char      *host,
                                                          guint16          port,
                                                          OpSecurity       security);
OP_SESSION_DECLARE_SETTINGS (OpPop3Client, op_pop3_client)
/* Whether APOP may be used when the greeting offers it. Default FALSE: APOP rests on
 * MD5 and needs the server to keep the password in the clear; accounts opt in. */
void           op_pop3_client_set_allow_apop             (OpPop3Client    *self,
                                                          gboolean         allow);

OP_SESSION_DECLARE_GETTERS (OpPop3Client, op_pop3_client)
OpPop3State    op_pop3_client_get_state                  (OpPop3Client    *self);
/* After connect: the CAPA capabilities (learnt after TLS), case-insensitive names. */
gboolean       op_pop3_client_has_capability             (OpPop3Client    *self,
                                                          const char      *name);
OpPop3AuthMethod op_pop3_client_get_auth_method          (OpPop3Client    *self);

/* Connect, secure the link as the security mode says, and log in. On a client that is
 * connected already, the old session ends first, without QUIT (nothing deleted). */
void           op_pop3_client_connect_async              (OpPop3Client         *self,
                                                          const char           *user,
                                                          const char           *password,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean       op_pop3_client_connect_finish             (OpPop3Client    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* STAT: the number of messages and their total size. */
void           op_pop3_client_stat_async                 (OpPop3Client         *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean       op_pop3_client_stat_finish                (OpPop3Client    *self,
                                                          GAsyncResult    *result,
                                                          guint           *count,
                                                          guint64         *size,
                                                          GError         **error);

/* LIST (@number 0: every message). Returns (transfer full) (element-type OpPop3ListEntry)
 * in the server's order. */
void           op_pop3_client_list_async                 (OpPop3Client         *self,
                                                          guint                 number,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GArray        *op_pop3_client_list_finish                (OpPop3Client    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* UIDL (@number 0: every message). Returns (transfer full) (element-type OpPop3UidEntry). */
void           op_pop3_client_uidl_async                 (OpPop3Client         *self,
                                                          guint                 number,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GPtrArray     *op_pop3_client_uidl_finish                (OpPop3Client    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* RETR: the message, dot-unstuffed, written to @output as it arrives (never held whole
 * in memory), with its CRLF line ends. Succeeds only when the whole message arrived;
 * @output is flushed, not closed. @progress (nullable) gets bytes written so far and the
 * size the server announced ("+OK 641 octets"; 0 when it did not), on the caller's main
 * context, at most ~20 times a second. @bytes: what was written. */
void           op_pop3_client_retr_async                 (OpPop3Client         *self,
                                                          guint                 number,
                                                          GOutputStream        *output,
                                                          OpProgressFunc        progress,
                                                          gpointer              progress_data,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean       op_pop3_client_retr_finish                (OpPop3Client    *self,
                                                          GAsyncResult    *result,
                                                          guint64         *bytes,
                                                          GError         **error);

/* TOP: the header, the blank line and the first @lines lines of the body, like RETR. */
void           op_pop3_client_top_async                  (OpPop3Client         *self,
                                                          guint                 number,
                                                          guint                 lines,
                                                          GOutputStream        *output,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean       op_pop3_client_top_finish                 (OpPop3Client    *self,
                                                          GAsyncResult    *result,
                                                          guint64         *bytes,
                                                          GError         **error);

/* DELE: marks a message deleted; it goes at QUIT. */
void           op_pop3_client_dele_async                 (OpPop3Client         *self,
                                                          guint                 number,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean       op_pop3_client_dele_finish                (OpPop3Client    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* RSET: unmarks every message marked deleted in this session. */
void           op_pop3_client_rset_async                 (OpPop3Client         *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean       op_pop3_client_rset_finish                (OpPop3Client    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

void           op_pop3_client_noop_async                 (OpPop3Client         *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean       op_pop3_client_noop_finish                (OpPop3Client    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

/* QUIT: the server deletes the marked messages (RFC 1939 §6 UPDATE state) and the
 * session ends. An -ERR means the deletions failed. Without a session, does nothing. */
void           op_pop3_client_quit_async                 (OpPop3Client         *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean       op_pop3_client_quit_finish                (OpPop3Client    *self,
                                                          GAsyncResult    *result,
                                                          GError         **error);

G_END_DECLS
