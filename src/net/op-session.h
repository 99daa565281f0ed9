/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-connection.h"
#include "op-net-types.h"
#include "op-protocol-log.h"
#include "op-sasl.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

#define OP_TYPE_SESSION (op_session_get_type ())
G_DECLARE_DERIVABLE_TYPE (OpSession, op_session, OP, SESSION, GObject)

/*
 * OpSession is what every protocol client shares (DESIGN.md "Sessions and threads",
 * src/net/README.md): host, port and security; the settings; one connection used only
 * by the session's own worker thread; the protocol log; state, TLS state, peer
 * certificate and capabilities delivered to the main context through one coalescing,
 * bounded event queue; GTask jobs; the connect → greeting → capabilities → STARTTLS →
 * capabilities sequence; the plaintext-password policy; command/expect; the
 * dot-terminated block reader; a SASL driver; and one error policy.
 *
 * A client derives from it, fills in the class fields and vfuncs below in class_init,
 * and writes only what its protocol does differently: its reply reader, its reply-code
 * error mapping, its greeting, capabilities and STARTTLS verbs, and its commands.
 *
 * Threads: functions marked (worker) run inside a job (op_session_queue()) on the
 * session's thread; the others on the thread that made the session, whose main context
 * receives the events.
 */

/**
 * OpSessionSettings:
 * @verifier: (nullable): decides about certificates the system store refuses
 * @timeout: seconds for connecting and every read or write (0: none)
 * @allow_plaintext: the explicit opt-in for sending a password without TLS
 * @extra: (nullable): the subclass's own settings, from OpSessionClass.copy_settings
 *
 * The settings as they were when a job started: setters on the main thread change the
 * next job, never the running one.
 */
typedef struct
{
  OpTlsVerifier *verifier;
  guint          timeout;
  gboolean       allow_plaintext;
  gpointer       extra;
} OpSessionSettings;

/**
 * OpSessionEventFlags:
 * @OP_SESSION_EVENT_COALESCE: replaces an event of the same kind and key still waiting
 *   at the end of the queue (a value that only the latest of counts: EXISTS, one
 *   message's flags).
 * @OP_SESSION_EVENT_DROPPABLE: dropped (op_session_post_event() returns %FALSE) when
 *   the queue already holds OP_SESSION_MAX_PENDING_EVENTS; for what a server may send
 *   in floods.
 */
typedef enum
{
  OP_SESSION_EVENT_NONE      = 0,
  OP_SESSION_EVENT_COALESCE  = 1 << 0,
  OP_SESSION_EVENT_DROPPABLE = 1 << 1,
} OpSessionEventFlags;

/* Events waiting for the main context, at most. */
#define OP_SESSION_MAX_PENDING_EVENTS (64 * 1024)

/**
 * OpSessionJobFlags:
 * @OP_SESSION_JOB_NEEDS_CONNECTION: the job fails with the class's "not connected"
 *   error without a connection; while it runs the state is the class's busy state.
 * @OP_SESSION_JOB_RESULT_OVER_CANCEL: the job's own result (or error) stands even when
 *   its cancellable fired (GTask would replace it with "cancelled"): for a command whose
 *   outcome matters once it went out (SMTP after the final dot).
 */
typedef enum
{
  OP_SESSION_JOB_NONE               = 0,
  OP_SESSION_JOB_NEEDS_CONNECTION   = 1 << 0,
  OP_SESSION_JOB_RESULT_OVER_CANCEL = 1 << 1,
} OpSessionJobFlags;

/* What a boolean job returns for success (any non-NULL pointer will do). */
#define OP_SESSION_JOB_OK GINT_TO_POINTER (1)

/* (worker) Does the job's work; returns its result (OP_SESSION_JOB_OK for a boolean
 * job), or NULL with @error set. */
typedef gpointer (*OpSessionJobFunc) (OpSession     *session,
                                      gpointer       task_data,
                                      GCancellable  *cancellable,
                                      GError       **error);

/* (worker) One line of a dot-terminated block, unstuffed (RFC 1939 §3, RFC 3977 §3.1.1). */
typedef gboolean (*OpSessionLineFunc) (const char  *line,
                                       gsize        length,
                                       gpointer     user_data,
                                       GError     **error);

/**
 * OpSessionSaslFraming:
 * @send_start: sends the command that opens the exchange ("AUTH PLAIN …",
 *   "a1 AUTHENTICATE PLAIN …") with @initial (base64, nullable) as its argument. It must
 *   mask the response in the log (OP_SEND_SECRET_ARGUMENT or the log's AUTH rule).
 * @read_step: reads the server's next answer. A continuation ("334 …", "+ …") returns
 *   %NULL with *@challenge set to its text (transfer full, may be ""); the final reply
 *   returns that reply (transfer full, the class's reply type). %NULL and no challenge:
 *   @error is set.
 * @max_initial_response: the longest initial response that fits on the command line
 *   (RFC 5034 §4: 255 octets for the whole POP3 command); a longer one waits for the
 *   server's empty challenge. 0: no limit.
 * @max_steps: challenges answered at most before the exchange is cancelled with "*".
 *
 * What differs between protocols in SASL: only the framing of the exchange.
 */
typedef struct
{
  gboolean (*send_start) (OpSession     *session,
                          const char    *mechanism,
                          const char    *initial,
                          GCancellable  *cancellable,
                          GError       **error);
  gpointer (*read_step)  (OpSession     *session,
                          char         **challenge,
                          GCancellable  *cancellable,
                          GError       **error);
  gsize    max_initial_response;
  guint    max_steps;
} OpSessionSaslFraming;

/**
 * OpSessionClass:
 * @protocol: the protocol's name for the worker thread and messages ("pop3")
 * @default_port: the port of plain and STARTTLS sessions (0 in op_session_new…: this)
 * @default_tls_port: the port of implicit TLS
 * @error_domain: the protocol's error domain, and the codes the shared policy uses:
 * @error_connection_lost: the connection closed, stalled or failed mid-command
 * @error_bad_reply: the server sent something that is not a reply of the protocol
 * @error_not_connected: the call needs a connection
 * @error_invalid_argument: a command argument cannot be sent (CR, LF, NUL)
 * @error_plaintext_refused: a password would go out unencrypted
 * @error_tls_refused: TLS was required and the server does not do it
 * @error_auth_unavailable: the server offers no login the account may use
 * @error_preauth_refused: the server logged in before STARTTLS could start (IMAP
 *   PREAUTH) while TLS was required; -1 (the default): error_tls_refused
 * @max_reply_line: the longest reply line, without CRLF (the protocol's RFC limit)
 * @state_pspec: the subclass's "state" property, notified on the main context
 * @state_disconnected: the subclass's state values the base sets
 * @state_connecting: …
 * @state_ready: … after a job, while connected
 * @state_busy: … while a job with OP_SESSION_JOB_NEEDS_CONNECTION runs
 * @capabilities_free: frees what @dup_capabilities returns
 * @copy_settings: (main thread, under the settings lock) the subclass's settings for
 *   one job, in OpSessionSettings.extra
 * @free_settings: frees them
 * @open_connection: (worker) opens the transport; the default connects to host and
 *   port (TLS from the first byte for implicit TLS) with the job's timeout and
 *   verifier. Tests and tunnels give a stream of their own (op_connection_new_for_stream)
 * @reset: (worker) forgets what the subclass learnt from the server (capabilities,
 *   greeting data, authentication): after TLS starts and when the connection drops
 * @greet: (worker) reads the greeting; *@preauthenticated: the server logged us in
 *   already (IMAP PREAUTH), which the base refuses when STARTTLS is required
 * @capabilities: (worker) asks for and records the capabilities
 * @start_tls: (worker) checks the capabilities offer TLS, sends the protocol's verb and
 *   reads its go-ahead; %FALSE with the error (the refusal mapped, or error_tls_refused)
 * @has_buffered_input: (worker) whether the subclass's own read buffer holds bytes the
 *   connection's does not see (for the STARTTLS injection check)
 * @read_reply: (worker) reads one reply (the class's reply type, transfer full)
 * @reply_free: frees one
 * @check_reply: (worker) %NULL when @reply is what @expect asks for, else the mapped
 *   error (the protocol's one mapping function): for op_session_command_expect()
 * @dup_capabilities: (worker) a copy of the capabilities for the main context
 *   (nullable)
 * @ready_state: (worker, nullable) the state after a job while connected, for a
 *   protocol with several (IMAP: authenticated or selected); default state_ready
 * @deliver_event: (main context) an event of the subclass's own kind
 *
 * Class fields and vfuncs a client sets in its class_init.
 */
struct _OpSessionClass
{
  GObjectClass  parent_class;

  const char   *protocol;
  guint16       default_port;
  guint16       default_tls_port;

  GQuark        error_domain;
  int           error_connection_lost;
  int           error_bad_reply;
  int           error_not_connected;
  int           error_invalid_argument;
  int           error_plaintext_refused;
  int           error_tls_refused;
  int           error_auth_unavailable;
  int           error_preauth_refused;

  gsize         max_reply_line;

  GParamSpec   *state_pspec;
  int           state_disconnected;
  int           state_connecting;
  int           state_ready;
  int           state_busy;

  GDestroyNotify capabilities_free;

  gpointer  (*copy_settings)      (OpSession     *self);
  void      (*free_settings)      (gpointer       extra);

  OpConnection *(*open_connection) (OpSession     *self,
                                   GCancellable  *cancellable,
                                   GError       **error);
  void      (*reset)              (OpSession     *self);
  gboolean  (*greet)              (OpSession     *self,
                                   gboolean      *preauthenticated,
                                   GCancellable  *cancellable,
                                   GError       **error);
  gboolean  (*capabilities)       (OpSession     *self,
                                   GCancellable  *cancellable,
                                   GError       **error);
  gboolean  (*start_tls)          (OpSession     *self,
                                   GCancellable  *cancellable,
                                   GError       **error);
  gboolean  (*has_buffered_input) (OpSession     *self);

  gpointer  (*read_reply)         (OpSession     *self,
                                   GCancellable  *cancellable,
                                   GError       **error);
  void      (*reply_free)         (gpointer       reply);
  GError   *(*check_reply)        (OpSession     *self,
                                   gconstpointer  reply,
                                   int            expect,
                                   const char    *verb,
                                   int            kind);

  gpointer  (*dup_capabilities)   (OpSession     *self);
  int       (*ready_state)        (OpSession     *self);
  void      (*deliver_event)      (OpSession     *self,
                                   guint          kind,
                                   gpointer       data);

  gpointer      padding[8];
};

/* --- construction and settings (main thread) ------------------------------------------ */

/* For a subclass's class_init, after the state values are set: installs its "state"
 * property (an enum of @state_type, read-only, notified on the main context) and makes
 * it the class's state_pspec. Without a get_property of the subclass's own, the base's
 * reads it; one with properties of its own handles id 1 with op_session_get_state(). */
void               op_session_class_install_state    (OpSessionClass  *klass,
                                                      GType            state_type);

/* A subclass's _new(): a new session of @type (an OpSession subclass) with host, port
 * (0: the class's default for @security) and security; NULL for an empty host. */
gpointer           op_session_new                    (GType            type,
                                                      const char      *host,
                                                      guint16          port,
                                                      OpSecurity       security);

/* For a subclass's _new() that builds its object itself: host, port (0: the class's default for @security) and
 * security, set once. */
void               op_session_setup                  (OpSession       *self,
                                                      const char      *host,
                                                      guint16          port,
                                                      OpSecurity       security);

void               op_session_set_verifier           (OpSession       *self,
                                                      OpTlsVerifier   *verifier);
/* Connect and every read or write; a stalled server fails after this long. Default 30. */
void               op_session_set_timeout            (OpSession       *self,
                                                      guint            seconds);
/* The explicit opt-in for sending a password without TLS. Default FALSE. */
void               op_session_set_allow_plaintext_password (OpSession *self,
                                                      gboolean         allow);
/* The settings lock, for a subclass's own setters (its copy_settings runs under it). */
void               op_session_lock_settings          (OpSession       *self);
void               op_session_unlock_settings        (OpSession       *self);

/* --- what the main context sees -------------------------------------------------------- */

const char        *op_session_get_host               (OpSession       *self);
/* How many calls wait behind the running one (any thread): a job that waits for the
 * server until the next call (IMAP IDLE) ends when this is above zero. */
guint              op_session_get_n_queued           (OpSession       *self);
guint16            op_session_get_port               (OpSession       *self);
OpSecurity         op_session_get_security           (OpSession       *self);
OpProtocolLog     *op_session_get_log                (OpSession       *self);
/* (transfer none) The thread-default context of the thread that made the session: its
 * events are delivered there, and a subclass attaches its own timers there. Any thread. */
GMainContext      *op_session_get_context            (OpSession       *self);
/* The last state delivered (the subclass's enum value). */
int                op_session_get_state              (OpSession       *self);
gboolean           op_session_is_tls                 (OpSession       *self);
GTlsCertificate   *op_session_get_peer_certificate   (OpSession       *self);
/* (transfer none) (nullable): the last capabilities delivered (the subclass's type). */
gpointer           op_session_get_capabilities       (OpSession       *self);
/* The last authentication method delivered (the subclass's enum; 0 before login). */
guint              op_session_get_auth               (OpSession       *self);

/* Ends the session: queued calls fail as cancelled, the running one is cancelled, and
 * the connection is closed on the worker without waiting for it (never blocks). Later
 * calls fail. Dispose does this too. */
void               op_session_shutdown               (OpSession       *self);

/* --- jobs ------------------------------------------------------------------------------ */

/* A task for a call; @source_tag is the public _async function (every call has its
 * own, so each _finish checks it). (transfer full) */
GTask             *op_session_task_new               (OpSession            *self,
                                                      gpointer              source_tag,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
/* Queues @func on the worker behind the calls already queued. @task (transfer full)
 * gets @task_data; @result_free NULL makes it a boolean task. Before @func the settings
 * are snapshotted; after it, a command whose reply was not read to its end ends the
 * session (it would be out of step), and a connected session returns to state_ready. */
void               op_session_queue                  (OpSession            *self,
                                                      GTask                *task,
                                                      OpSessionJobFunc      func,
                                                      gpointer              task_data,
                                                      GDestroyNotify        task_data_free,
                                                      GDestroyNotify        result_free,
                                                      OpSessionJobFlags     flags);
/* A public call in one step: op_session_task_new() with @source_tag (the _async
 * function, checked again by its _finish), then op_session_queue(). */
void               op_session_call                   (OpSession            *self,
                                                      gpointer              source_tag,
                                                      OpSessionJobFunc      func,
                                                      gpointer              task_data,
                                                      GDestroyNotify        task_data_free,
                                                      GDestroyNotify        result_free,
                                                      OpSessionJobFlags     flags,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
/* (transfer none): the @task_data given to op_session_queue(), for a _finish. */
gpointer           op_session_task_get_data          (GAsyncResult         *result);
gboolean           op_session_finish_boolean         (OpSession            *self,
                                                      GAsyncResult         *result,
                                                      gpointer              source_tag,
                                                      GError              **error);
gpointer           op_session_finish_pointer         (OpSession            *self,
                                                      GAsyncResult         *result,
                                                      gpointer              source_tag,
                                                      GError              **error);

/* --- inside a job (worker) --------------------------------------------------------------- */

const OpSessionSettings *op_session_get_settings     (OpSession       *self);
OpConnection      *op_session_get_connection         (OpSession       *self);
gboolean           op_session_is_connected           (OpSession       *self);
/* FALSE with error_not_connected without a connection. */
gboolean           op_session_require_connection     (OpSession       *self,
                                                      GError         **error);
/* TLS is up on the worker's connection. */
gboolean           op_session_connection_is_tls      (OpSession       *self);

/* Every state change goes through here (STYLE.md): the state, with a snapshot of TLS,
 * certificate, capabilities and authentication, reaches the main context in order;
 * a burst of state changes coalesces into the last. */
void               op_session_set_state              (OpSession       *self,
                                                      int              state);
/* The authentication in use (the subclass's enum), shown from the next state event. */
void               op_session_set_auth               (OpSession       *self,
                                                      guint            auth);
guint              op_session_get_worker_auth        (OpSession       *self);
/* An event of the subclass's own @kind (>= 1) for its deliver_event, in order with the
 * state events. @data (transfer full) is freed with @destroy after delivery or when
 * dropped. FALSE when dropped (a DROPPABLE event and a full queue). */
gboolean           op_session_post_event             (OpSession       *self,
                                                      guint            kind,
                                                      guint64          key,
                                                      gpointer         data,
                                                      GDestroyNotify   destroy,
                                                      OpSessionEventFlags flags);

/* Connect as the security mode says: the connection (implicit TLS from the first
 * byte), the greeting, the capabilities, and for STARTTLS the verb, the injection check
 * (the connection's buffer and the subclass's), the handshake and the capabilities
 * again. On failure the connection is gone and @error says why. */
gboolean           op_session_open                   (OpSession       *self,
                                                      GCancellable    *cancellable,
                                                      GError         **error);
/* The STARTTLS step alone (a client that upgrades on request). */
gboolean           op_session_start_tls              (OpSession       *self,
                                                      GCancellable    *cancellable,
                                                      GError         **error);
/* Closes the connection (if any), forgets what was learnt (reset), and delivers the
 * disconnected state. */
void               op_session_disconnect             (OpSession       *self);
/* Sends QUIT, waits a few seconds at most for its reply (whatever it says), then
 * disconnects: the end of FTP, SMTP, POP3 and NNTP sessions that need no answer. No
 * QUIT while a reply is still due (the session is out of step). */
void               op_session_quit                   (OpSession       *self,
                                                      GCancellable    *cancellable);
/* The one error policy for a failed connection (STYLE.md): the session ends, and
 * @cause (transfer full) becomes @error. Cancellation, TLS errors, the injection
 * error and the protocol's own errors pass unchanged; a line past the limit is
 * error_bad_reply; a closed, reset or stalled connection is error_connection_lost. */
void               op_session_fail                   (OpSession       *self,
                                                      GError          *cause,
                                                      GError         **error);
/* FALSE with error_plaintext_refused when a password would go out unencrypted and the
 * account does not allow that. Nothing was sent. */
gboolean           op_session_check_plaintext        (OpSession       *self,
                                                      GError         **error);
/* FALSE with error_invalid_argument when @text (a user name, a password) holds CR, LF
 * or NUL; @what names it for the message ("user name", translated). */
gboolean           op_session_check_credential       (OpSession       *self,
                                                      const char      *text,
                                                      const char      *what,
                                                      GError         **error);

/* One line without its CRLF, at most @max_length bytes (0: the class's max_reply_line). */
char              *op_session_read_line              (OpSession       *self,
                                                      gsize            max_length,
                                                      gsize           *length,
                                                      GCancellable    *cancellable,
                                                      GError         **error);
/* Sends "VERB" or "VERB ARGUMENT" and CRLF; from now on a reply is due (in_command). */
gboolean           op_session_send                   (OpSession       *self,
                                                      const char      *verb,
                                                      const char      *argument,
                                                      OpSendFlags      flags,
                                                      GCancellable    *cancellable,
                                                      GError         **error);
/* Raw bytes (an empty SASL response, message data); a failure ends the session. */
gboolean           op_session_write_all              (OpSession       *self,
                                                      const void      *data,
                                                      gsize            size,
                                                      GCancellable    *cancellable,
                                                      GError         **error);
/* The class's read_reply; a reply read to its end clears in_command. */
gpointer           op_session_read_reply             (OpSession       *self,
                                                      GCancellable    *cancellable,
                                                      GError         **error);
/* Sends a command and reads its reply, whatever it says. */
gpointer           op_session_command                (OpSession       *self,
                                                      const char      *verb,
                                                      const char      *argument,
                                                      OpSendFlags      flags,
                                                      GCancellable    *cancellable,
                                                      GError         **error);
/* Like op_session_command(), but a reply that is not what @expect asks for (the
 * class's check_reply) becomes its mapped error. */
gpointer           op_session_command_expect         (OpSession       *self,
                                                      const char      *verb,
                                                      const char      *argument,
                                                      OpSendFlags      flags,
                                                      int              expect,
                                                      int              kind,
                                                      GCancellable    *cancellable,
                                                      GError         **error);
/* Whether a command's reply is still (partly) unread; a job that fails with it set
 * ends the session. Set by send, cleared by read_reply and read_block. */
void               op_session_set_in_command         (OpSession       *self,
                                                      gboolean         in_command);

/* The lines of a dot-terminated block (after its status line), unstuffed, to @func:
 * at most @max_lines lines of @max_line bytes and @max_bytes in all (0: no limit);
 * more is error_bad_reply and ends the session, as does an error of @func. */
gboolean           op_session_read_block             (OpSession         *self,
                                                      gsize              max_line,
                                                      guint              max_lines,
                                                      gsize              max_bytes,
                                                      OpSessionLineFunc  func,
                                                      gpointer           user_data,
                                                      GCancellable      *cancellable,
                                                      GError           **error);
/* The same for bulk data (an OVER of a whole group): the lines are not logged one by
 * one, which costs more than reading them; the log gets their count and size. */
gboolean           op_session_read_data_block        (OpSession         *self,
                                                      gsize              max_line,
                                                      guint              max_lines,
                                                      gsize              max_bytes,
                                                      OpSessionLineFunc  func,
                                                      gpointer           user_data,
                                                      GCancellable      *cancellable,
                                                      GError           **error);

/* One SASL exchange over @sasl with the protocol's @framing: the initial response on
 * the command line when it fits, each challenge answered (an empty response as an
 * empty line), "*" when the mechanism cannot answer. Returns the final reply (the
 * class's type; the caller maps a refusal), or NULL with @error: OP_SASL_ERROR when the
 * exchange could not go on, else the session's failure. Every response is wiped. */
gpointer           op_session_sasl_authenticate      (OpSession                  *self,
                                                      const OpSessionSaslFraming *framing,
                                                      OpSaslSession              *sasl,
                                                      GCancellable               *cancellable,
                                                      GError                    **error);

/* OpSasl's refusals (@sasl, transfer full) in the protocol's domain: a plaintext
 * refusal is error_plaintext_refused, no usable mechanism error_auth_unavailable, bad
 * credentials error_invalid_argument, a bad challenge error_bad_reply. */
void               op_session_propagate_sasl_error   (OpSession       *self,
                                                      GError          *sasl,
                                                      GError         **error);

/* Changes the connection's read/write timeout from now on; returns the previous one
 * (0 without a connection). */
guint              op_session_set_io_timeout         (OpSession       *self,
                                                      guint            seconds);

/*
 * A client's public settings and getters are the session's: these define them once.
 * In the client's .c (its header declares them with OP_SESSION_DECLARE_*, below):
 *
 *   OP_SESSION_DEFINE_SETTINGS (OpPop3Client, op_pop3_client, OP_IS_POP3_CLIENT)
 *   OP_SESSION_DEFINE_GETTERS (OpPop3Client, op_pop3_client, OP_IS_POP3_CLIENT)
 *
 *   OP_SESSION_DEFINE_STATE_GETTER (OpPop3Client, op_pop3_client, OP_IS_POP3_CLIENT,
 *                                   OpPop3State, OP_POP3_STATE_DISCONNECTED)
 *
 * SETTINGS: _set_verifier(), _set_timeout(), _set_allow_plaintext_password().
 * GETTERS: _get_host(), _get_port(), _get_security(), _get_log(), _is_tls(),
 *   _get_peer_certificate().
 * STATE_GETTER: _get_state(), in the client's own state enum.
 */
#define OP_SESSION_DEFINE_SETTINGS(TypeName, type_name, IS_TYPE) \
  void \
  type_name##_set_verifier (TypeName      *self, \
                            OpTlsVerifier *verifier) \
  { \
    g_return_if_fail (IS_TYPE (self)); \
    op_session_set_verifier (OP_SESSION (self), verifier); \
  } \
  void \
  type_name##_set_timeout (TypeName *self, \
                           guint     seconds) \
  { \
    g_return_if_fail (IS_TYPE (self)); \
    op_session_set_timeout (OP_SESSION (self), seconds); \
  } \
  void \
  type_name##_set_allow_plaintext_password (TypeName *self, \
                                            gboolean  allow) \
  { \
    g_return_if_fail (IS_TYPE (self)); \
    op_session_set_allow_plaintext_password (OP_SESSION (self), allow); \
  }

#define OP_SESSION_DEFINE_GETTERS(TypeName, type_name, IS_TYPE) \
  const char * \
  type_name##_get_host (TypeName *self) \
  { \
    g_return_val_if_fail (IS_TYPE (self), NULL); \
    return op_session_get_host (OP_SESSION (self)); \
  } \
  guint16 \
  type_name##_get_port (TypeName *self) \
  { \
    g_return_val_if_fail (IS_TYPE (self), 0); \
    return op_session_get_port (OP_SESSION (self)); \
  } \
  OpSecurity \
  type_name##_get_security (TypeName *self) \
  { \
    g_return_val_if_fail (IS_TYPE (self), OP_SECURITY_NONE); \
    return op_session_get_security (OP_SESSION (self)); \
  } \
  OpProtocolLog * \
  type_name##_get_log (TypeName *self) \
  { \
    g_return_val_if_fail (IS_TYPE (self), NULL); \
    return op_session_get_log (OP_SESSION (self)); \
  } \
  gboolean \
  type_name##_is_tls (TypeName *self) \
  { \
    g_return_val_if_fail (IS_TYPE (self), FALSE); \
    return op_session_is_tls (OP_SESSION (self)); \
  } \
  GTlsCertificate * \
  type_name##_get_peer_certificate (TypeName *self) \
  { \
    g_return_val_if_fail (IS_TYPE (self), NULL); \
    return op_session_get_peer_certificate (OP_SESSION (self)); \
  }

#define OP_SESSION_DEFINE_STATE_GETTER(TypeName, type_name, IS_TYPE, StateType, DISCONNECTED) \
  StateType \
  type_name##_get_state (TypeName *self) \
  { \
    g_return_val_if_fail (IS_TYPE (self), DISCONNECTED); \
    return (StateType) op_session_get_state (OP_SESSION (self)); \
  }

/* A client's own setter of one plain value, under the settings lock (its copy_settings
 * reads it there):
 *
 *   OP_SESSION_DEFINE_SETTER (OpPop3Client, op_pop3_client, OP_IS_POP3_CLIENT,
 *                             allow_apop, gboolean)
 *
 * defines op_pop3_client_set_allow_apop (self, value), which sets self->allow_apop. */
#define OP_SESSION_DEFINE_SETTER(TypeName, type_name, IS_TYPE, field, Type) \
  void \
  type_name##_set_##field (TypeName *self, \
                           Type      value) \
  { \
    g_return_if_fail (IS_TYPE (self)); \
    op_session_lock_settings (OP_SESSION (self)); \
    self->field = value; \
    op_session_unlock_settings (OP_SESSION (self)); \
  }

/* What a client's header declares for OP_SESSION_DEFINE_SETTINGS and _GETTERS (the
 * state getter it declares itself):
 *
 *   OP_SESSION_DECLARE_SETTINGS (OpPop3Client, op_pop3_client)
 *   OP_SESSION_DECLARE_GETTERS (OpPop3Client, op_pop3_client)
 *
 * _set_timeout(): connect and every read or write; a stalled server fails after this
 * long (default 30). _set_allow_plaintext_password(): the explicit opt-in for sending a
 * password without TLS (default FALSE). The getters read what the main context last
 * saw. */
#define OP_SESSION_DECLARE_SETTINGS(TypeName, type_name) \
  void type_name##_set_verifier (TypeName *self, OpTlsVerifier *verifier); \
  void type_name##_set_timeout (TypeName *self, guint seconds); \
  void type_name##_set_allow_plaintext_password (TypeName *self, gboolean allow);

#define OP_SESSION_DECLARE_GETTERS(TypeName, type_name) \
  const char *type_name##_get_host (TypeName *self); \
  guint16 type_name##_get_port (TypeName *self); \
  OpSecurity type_name##_get_security (TypeName *self); \
  OpProtocolLog *type_name##_get_log (TypeName *self); \
  gboolean type_name##_is_tls (TypeName *self); \
  GTlsCertificate *type_name##_get_peer_certificate (TypeName *self);

/*
 * A public _finish that only hands over its call's result, checking the call's source
 * tag (the _async function of the same name):
 *
 *   OP_SESSION_DEFINE_FINISH_BOOLEAN (OpPop3Client, op_pop3_client, dele)
 *   OP_SESSION_DEFINE_FINISH_POINTER (OpPop3Client, op_pop3_client, list, GArray *)
 *
 * define op_pop3_client_dele_finish (self, result, error) → gboolean for
 * op_pop3_client_dele_async, and op_pop3_client_list_finish → GArray * (transfer full).
 */
#define OP_SESSION_DEFINE_FINISH_BOOLEAN(TypeName, type_name, call) \
  OP_SESSION_DEFINE_FINISH_ (TypeName, type_name, call, gboolean, boolean)
#define OP_SESSION_DEFINE_FINISH_POINTER(TypeName, type_name, call, ReturnType) \
  OP_SESSION_DEFINE_FINISH_ (TypeName, type_name, call, ReturnType, pointer)
#define OP_SESSION_DEFINE_FINISH_(TypeName, type_name, call, ReturnType, kind) \
  ReturnType \
  type_name##_##call##_finish (TypeName      *self, \
                               GAsyncResult  *result, \
                               GError       **error) \
  { \
    return op_session_finish_##kind (OP_SESSION (self), result, \
                                     type_name##_##call##_async, error); \
  }

G_END_DECLS
