/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ftp"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-ftp-client-private.h"
#include "op-secret.h"

G_DEFINE_ENUM_TYPE (OpFtpDataMode, op_ftp_data_mode,
  G_DEFINE_ENUM_VALUE (OP_FTP_DATA_PASSIVE, "passive"),
  G_DEFINE_ENUM_VALUE (OP_FTP_DATA_ACTIVE, "active"))

G_DEFINE_ENUM_TYPE (OpFtpState, op_ftp_state,
  G_DEFINE_ENUM_VALUE (OP_FTP_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (OP_FTP_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (OP_FTP_STATE_READY, "ready"),
  G_DEFINE_ENUM_VALUE (OP_FTP_STATE_BUSY, "busy"))

G_DEFINE_FINAL_TYPE (OpFtpClient, op_ftp_client, OP_TYPE_SESSION)

/* What the main context learns about the server: FEAT and SYST. */
typedef struct
{
  GHashTable *features;   /* (nullable) */
  char       *system;
} Capabilities;

static void
capabilities_free (gpointer data)
{
  Capabilities *caps = data;

  g_clear_pointer (&caps->features, g_hash_table_unref);
  g_free (caps->system);
  g_free (caps);
}

/* --- the session's vfuncs (worker) ------------------------------------------------------- */

static gpointer
dup_capabilities (OpSession *session)
{
  OpFtpClient *self = OP_FTP_CLIENT (session);
  Capabilities *caps = g_new0 (Capabilities, 1);

  /* The table is replaced, never changed, once made: a reference will do. */
  caps->features = self->w_features != NULL ? g_hash_table_ref (self->w_features) : NULL;
  caps->system = g_strdup (self->w_system);
  return caps;
}

static gpointer
copy_settings (OpSession *session)
{
  OpFtpClient *self = OP_FTP_CLIENT (session);
  OpFtpSettings *s = g_new0 (OpFtpSettings, 1);

  s->charset = g_strdup (self->charset);
  s->data_mode = self->data_mode;
  s->trust_pasv = self->trust_pasv;
  s->download_limit = self->download_limit != NULL ? g_object_ref (self->download_limit) : NULL;
  s->upload_limit = self->upload_limit != NULL ? g_object_ref (self->upload_limit) : NULL;
  return s;
}

static void
free_settings (gpointer extra)
{
  OpFtpSettings *s = extra;

  g_free (s->charset);
  g_clear_object (&s->download_limit);
  g_clear_object (&s->upload_limit);
  g_free (s);
}

/* The running job's settings: the session's timeout and FTP's own. */
static void
job_settings (OpFtpClient   *self,
              OpFtpSettings *s)
{
  const OpSessionSettings *base = op_session_get_settings (OP_SESSION (self));

  *s = *(const OpFtpSettings *) base->extra;
  s->timeout = base->timeout;
}

static void
reset (OpSession *session)
{
  OpFtpClient *self = OP_FTP_CLIENT (session);

  g_clear_pointer (&self->w_features, g_hash_table_unref);
  g_clear_pointer (&self->w_system, g_free);
  self->w_feat_refused = FALSE;
  self->w_type = 0;
  self->w_prot_p = FALSE;
  self->w_epsv_failed = FALSE;
}

/* One reply, multi-line ones whole (RFC 959 §4.2). 421 ends the session (RFC 959 §5.4:
 * the server closes the control connection after it). */
static OpFtpReply *
read_one (OpFtpClient   *self,
          GCancellable  *cancellable,
          GError       **error)
{
  OpSession *session = OP_SESSION (self);
  g_autoptr(OpFtpReplyParser) parser = op_ftp_reply_parser_new ();

  for (;;)
    {
      g_autofree char *line = NULL;
      GError *local_error = NULL;
      gsize length = 0;
      OpFtpReply *reply;

      line = op_session_read_line (session, OP_FTP_REPLY_MAX_LINE, &length, cancellable,
                                   error);
      if (line == NULL)
        return NULL;
      reply = op_ftp_reply_parser_push_line (parser, line, length, &local_error);
      if (local_error != NULL)
        {
          op_session_fail (session, local_error, error);
          return NULL;
        }
      if (reply == NULL)
        continue;
      if (reply->code == 421)
        {
          GError *cause = g_error_new (OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                                       _("The server closed the session: “%s”"),
                                       reply->text);

          op_ftp_reply_free (reply);
          op_session_fail (session, cause, error);
          return NULL;
        }
      return reply;
    }
}

OpFtpReply *
_op_ftp_client_read_reply (OpFtpClient   *self,
                           gboolean       preliminary_ok,
                           GCancellable  *cancellable,
                           GError       **error)
{
  for (;;)
    {
      OpFtpReply *reply = read_one (self, cancellable, error);

      if (reply == NULL)
        return NULL;
      if (OP_FTP_REPLY_CLASS (reply) != 1)
        {
          op_session_set_in_command (OP_SESSION (self), FALSE);
          return reply;
        }
      if (preliminary_ok)
        return reply;
      op_ftp_reply_free (reply);
    }
}

static gpointer
read_reply (OpSession     *session,
            GCancellable  *cancellable,
            GError       **error)
{
  return _op_ftp_client_read_reply (OP_FTP_CLIENT (session), FALSE, cancellable, error);
}

GError *
_op_ftp_client_reply_error (const OpFtpReply *reply,
                            const char       *verb,
                            OpFtpCommandKind  kind)
{
  if (OP_FTP_REPLY_CLASS (reply) == 4 || OP_FTP_REPLY_CLASS (reply) == 5)
    return op_ftp_error_from_reply (reply, verb, kind);
  return g_error_new (OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY,
                      _("The server answered %s with an unexpected reply: “%u %s”."),
                      verb, reply->code, reply->text);
}

static GError *
check_reply (OpSession     *session,
             gconstpointer  reply,
             int            expect,
             const char    *verb,
             int            kind)
{
  const OpFtpReply *r = reply;

  if (OP_FTP_REPLY_CLASS (r) == (guint) expect)
    return NULL;
  return _op_ftp_client_reply_error (r, verb, kind);
}

static gboolean
greet (OpSession     *session,
       gboolean      *preauthenticated,
       GCancellable  *cancellable,
       GError       **error)
{
  OpFtpClient *self = OP_FTP_CLIENT (session);
  g_autoptr(OpFtpReply) greeting = _op_ftp_client_read_reply (self, FALSE, cancellable, error);

  if (greeting == NULL)
    return FALSE;
  if (greeting->code == 220)
    return TRUE;
  g_propagate_error (error, greeting->code >= 400
                            ? op_ftp_error_from_reply (greeting, "connect",
                                                       OP_FTP_COMMAND_OTHER)
                            : g_error_new (OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY,
                                           _("The server did not greet as an FTP server: "
                                             "“%u %s”."),
                                           greeting->code, greeting->text));
  return FALSE;
}

/* FEAT (RFC 2389). It may be sent before login (§2), but a server may still refuse it
 * until then (530): then it is asked again after login. */
static gboolean
capabilities (OpSession     *session,
              GCancellable  *cancellable,
              GError       **error)
{
  OpFtpClient *self = OP_FTP_CLIENT (session);
  g_autoptr(OpFtpReply) reply = op_session_command (OP_SESSION (self), "FEAT", NULL, OP_SEND_PLAIN,
                                                    cancellable, error);

  if (reply == NULL)
    return FALSE;
  g_clear_pointer (&self->w_features, g_hash_table_unref);
  self->w_features = op_ftp_reply_parse_feat (reply);
  self->w_feat_refused = OP_FTP_REPLY_CLASS (reply) != 2;
  return TRUE;
}

/* RFC 4217 §4: AUTH TLS before the user name; a refusal ends the session before anything
 * secret went out (never a silent fallback to plain text). */
static gboolean
start_tls (OpSession     *session,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(OpFtpReply) reply = _op_ftp_client_command_expect (OP_FTP_CLIENT (session),
                                                               "AUTH", "TLS", 2,
                                                               OP_FTP_COMMAND_TLS,
                                                               cancellable, error);
  return reply != NULL;
}

/* --- commands (worker) ---------------------------------------------------------------- */

gboolean
_op_ftp_client_has_feature (OpFtpClient *self,
                            const char  *name)
{
  return self->w_features != NULL && g_hash_table_contains (self->w_features, name);
}

OpFtpReply *
_op_ftp_client_command_expect (OpFtpClient       *self,
                               const char        *verb,
                               const char        *argument,
                               guint              expected_class,
                               OpFtpCommandKind   kind,
                               GCancellable      *cancellable,
                               GError           **error)
{
  return op_session_command_expect (OP_SESSION (self), verb, argument, OP_SEND_PLAIN,
                                    (int) expected_class, kind, cancellable, error);
}

gboolean
_op_ftp_client_command_ok (OpFtpClient       *self,
                           const char        *verb,
                           const char        *argument,
                           OpFtpCommandKind   kind,
                           GCancellable      *cancellable,
                           GError           **error)
{
  g_autoptr(OpFtpReply) reply = _op_ftp_client_command_expect (self, verb, argument, 2, kind,
                                                               cancellable, error);
  return reply != NULL;
}

/* --- names ------------------------------------------------------------------------- */

char *
_op_ftp_to_wire (const OpFtpSettings  *s,
                 const char           *utf8,
                 GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  char *wire;

  if (!g_utf8_validate (utf8, -1, NULL))
    {
      g_set_error_literal (error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME,
                           _("The name is not valid UTF-8 text."));
      return NULL;
    }
  if (s->charset == NULL)
    return g_strdup (utf8);
  wire = op_ftp_charset_from_utf8 (s->charset, utf8, NULL, &local_error);
  if (wire == NULL)
    g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME,
                 _("“%s” cannot be written in the site’s character set (%s). Rename it, "
                   "or change the site’s character set."), utf8, s->charset);
  return wire;
}

char *
_op_ftp_wire_join (const char *dir,
                   const char *name)
{
  gsize len = strlen (dir);

  if (len == 0)
    return g_strdup (name);
  if (dir[len - 1] == '/')
    return g_strconcat (dir, name, NULL);
  return g_strconcat (dir, "/", name, NULL);
}

/* --- login (worker) -------------------------------------------------------------------- */

static const char *
anonymous_user (const char *user)
{
  return user == NULL || *user == '\0' ? "anonymous" : user;
}

static gboolean
is_anonymous (const char *user)
{
  return g_ascii_strcasecmp (anonymous_user (user), "anonymous") == 0 ||
         g_ascii_strcasecmp (anonymous_user (user), "ftp") == 0;
}

/* Connect (the session's sequence: greeting, FEAT, AUTH TLS), then USER/PASS[/ACCT],
 * PBSZ/PROT, OPTS UTF8, SYST and TYPE I. */
static gboolean
login (OpFtpClient          *self,
       const OpFtpSettings  *s,
       const char           *user,
       const char           *password,
       const char           *account,
       GCancellable         *cancellable,
       GError              **error)
{
  OpSession *session = OP_SESSION (self);
  g_autoptr(OpFtpReply) reply = NULL;
  gboolean anonymous = is_anonymous (user);

  /* Nothing secret may travel in the clear without the explicit opt-in: refuse before
   * connecting, so the refusal costs nothing and says exactly why. */
  if (op_session_get_security (session) == OP_SECURITY_NONE && !anonymous &&
      !op_session_check_plaintext (session, error))
    return FALSE;

  if (!op_session_open (session, cancellable, error))
    return FALSE;

  reply = op_session_command (OP_SESSION (self), "USER", anonymous_user (user), OP_SEND_PLAIN,
                              cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (reply->code == 331 || reply->code == 332)
    {
      const char *pass = password;

      if (anonymous && (pass == NULL || *pass == '\0'))
        pass = "anonymous@";
      g_clear_pointer (&reply, op_ftp_reply_free);
      reply = op_session_command (OP_SESSION (self), "PASS", pass != NULL ? pass : "",
                                  OP_SEND_SECRET_ARGUMENT, cancellable, error);
      if (reply == NULL)
        return FALSE;
    }
  if (reply->code == 332)
    {
      g_clear_pointer (&reply, op_ftp_reply_free);
      reply = op_session_command (OP_SESSION (self), "ACCT", account != NULL ? account : "",
                                  OP_SEND_SECRET_ARGUMENT, cancellable, error);
      if (reply == NULL)
        return FALSE;
    }
  if (OP_FTP_REPLY_CLASS (reply) != 2)
    {
      g_propagate_error (error, op_ftp_error_from_reply (reply, "USER",
                                                         OP_FTP_COMMAND_LOGIN));
      return FALSE;
    }
  g_clear_pointer (&reply, op_ftp_reply_free);

  if (op_session_get_security (session) != OP_SECURITY_NONE)
    {
      /* RFC 4217 §9: PBSZ 0 before PROT; PROT P encrypts every data connection. */
      if (!_op_ftp_client_command_ok (self, "PBSZ", "0", OP_FTP_COMMAND_TLS, cancellable,
                                      error) ||
          !_op_ftp_client_command_ok (self, "PROT", "P", OP_FTP_COMMAND_TLS, cancellable,
                                      error))
        return FALSE;
      self->w_prot_p = TRUE;
    }

  if (self->w_feat_refused &&
      !OP_SESSION_GET_CLASS (self)->capabilities (session, cancellable, error))
    return FALSE;

  /* RFC 2640 §3.1: UTF-8 path names when the server offers them and the site is UTF-8. */
  if (s->charset == NULL && _op_ftp_client_has_feature (self, "UTF8"))
    {
      reply = op_session_command (OP_SESSION (self), "OPTS", "UTF8 ON", OP_SEND_PLAIN, cancellable,
                                  error);
      if (reply == NULL)
        return FALSE;
      g_clear_pointer (&reply, op_ftp_reply_free);
    }

  reply = op_session_command (OP_SESSION (self), "SYST", NULL, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (OP_FTP_REPLY_CLASS (reply) == 2)
    {
      g_free (self->w_system);
      self->w_system = g_strdup (reply->text);
    }
  g_clear_pointer (&reply, op_ftp_reply_free);

  if (!_op_ftp_client_command_ok (self, "TYPE", "I", OP_FTP_COMMAND_OTHER, cancellable, error))
    return FALSE;
  self->w_type = 'I';
  return TRUE;
}

static void
touch (OpFtpClient *self)
{
  op_session_lock_settings (OP_SESSION (self));
  self->last_activity = g_get_monotonic_time ();
  op_session_unlock_settings (OP_SESSION (self));
}

/* Every call needs a session; one lost since the last call is re-established with the
 * credentials of the last login ("a dropped connection reconnects on the next action"). */
static gboolean
ensure_session (OpFtpClient          *self,
                const OpFtpSettings  *s,
                GCancellable         *cancellable,
                GError              **error)
{
  OpSession *session = OP_SESSION (self);
  g_autofree char *user = NULL;
  char *password = NULL;
  g_autofree char *account = NULL;
  gboolean want;
  gboolean ok;

  if (op_session_is_connected (session))
    return TRUE;
  op_session_lock_settings (session);
  want = self->want_connected;
  user = g_strdup (self->user);
  password = g_strdup (self->password);
  account = g_strdup (self->account);
  op_session_unlock_settings (session);
  if (!want)
    {
      op_secret_free (password);
      return op_session_require_connection (session, error);
    }
  /* The new session starts in the login folder: callers use absolute paths, as the
   * Files view does, to be unaffected. */
  op_protocol_log_append (op_session_get_log (session), OP_LOG_INFO, _("Reconnecting…"));
  ok = login (self, s, user, password, account, cancellable, error);
  op_secret_free (password);
  if (!ok)
    op_session_disconnect (session);
  return ok;
}

/* --- jobs ------------------------------------------------------------------------------ */

OpFtpJob *
_op_ftp_job_new (OpFtpJobFunc  func,
                 const char   *path)
{
  OpFtpJob *job = g_new0 (OpFtpJob, 1);

  job->func = func;
  job->path = g_strdup (path);
  return job;
}

static void
job_free (OpFtpJob *job)
{
  g_free (job->path);
  g_free (job->path2);
  g_free (job->wire);
  g_free (job->wire2);
  op_secret_free (job->secret);
  g_clear_object (&job->file);
  _op_ftp_sink_free (job->sink);
  g_free (job);
}

/* Every call but connect and quit: a session (reconnected if it dropped), the paths in
 * the site's charset, the call's own work, its progress finished. */
static gpointer
run_job (OpSession     *session,
         gpointer       data,
         GCancellable  *cancellable,
         GError       **error)
{
  OpFtpClient *self = OP_FTP_CLIENT (session);
  OpFtpJob *job = data;
  OpFtpSettings s;
  gpointer result = NULL;

  job_settings (self, &s);
  touch (self);
  if (ensure_session (self, &s, cancellable, error))
    {
      op_session_set_state (session, OP_FTP_STATE_BUSY);
      if ((job->path == NULL ||
           (job->wire = _op_ftp_to_wire (&s, job->path, error)) != NULL) &&
          (job->path2 == NULL ||
           (job->wire2 = _op_ftp_to_wire (&s, job->path2, error)) != NULL))
        result = job->func (self, job, &s, cancellable, error);
    }
  _op_ftp_sink_finish (job->sink);
  touch (self);
  return result;
}

void
_op_ftp_client_queue (OpFtpClient       *self,
                      GTask             *task,
                      OpFtpJob          *job,
                      GDestroyNotify     result_free,
                      OpSessionJobFlags  flags)
{
  op_session_queue (OP_SESSION (self), task, run_job, job, (GDestroyNotify) job_free,
                    result_free, flags);
}

void
_op_ftp_client_call (OpFtpClient         *self,
                     OpFtpJob            *job,
                     gpointer             source_tag,
                     GDestroyNotify       result_free,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  op_session_call (OP_SESSION (self), source_tag, run_job, job, (GDestroyNotify) job_free,
                   result_free, OP_SESSION_JOB_NONE, cancellable, callback, user_data);
}

/* A call on one path (or none). */
void
_op_ftp_client_simple_call (OpFtpClient         *self,
                            OpFtpJobFunc         func,
                            gpointer             source_tag,
                            const char          *path,
                            GDestroyNotify       result_free,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  _op_ftp_client_call (self, _op_ftp_job_new (func, path), source_tag, result_free,
                       cancellable, callback, user_data);
}

/* A call that is one command (on one path, or none) and must succeed with a 2yz. */
static gpointer
command_func (OpFtpClient          *self,
              OpFtpJob             *job,
              const OpFtpSettings  *s,
              GCancellable         *cancellable,
              GError              **error)
{
  return _op_ftp_client_command_ok (self, job->verb, job->wire, job->kind, cancellable,
                                    error) ? OP_SESSION_JOB_OK : NULL;
}

static OpFtpJob *
command_job_new (const char       *verb,
                 OpFtpCommandKind  kind,
                 const char       *path)
{
  OpFtpJob *job = _op_ftp_job_new (command_func, path);

  job->verb = verb;
  job->kind = kind;
  return job;
}

void
_op_ftp_client_command_call (OpFtpClient          *self,
                             const char           *verb,
                             OpFtpCommandKind      kind,
                             gpointer              source_tag,
                             const char           *path,
                             GCancellable         *cancellable,
                             GAsyncReadyCallback   callback,
                             gpointer              user_data)
{
  _op_ftp_client_call (self, command_job_new (verb, kind, path), source_tag, NULL,
                       cancellable, callback, user_data);
}

/* --- GObject ---------------------------------------------------------------------------- */

static void
stop_keepalive (OpFtpClient *self)
{
  if (self->keepalive_source == NULL)
    return;
  g_source_destroy (self->keepalive_source);
  g_clear_pointer (&self->keepalive_source, g_source_unref);
}

static void
op_ftp_client_dispose (GObject *object)
{
  OpFtpClient *self = OP_FTP_CLIENT (object);

  stop_keepalive (self);
  G_OBJECT_CLASS (op_ftp_client_parent_class)->dispose (object);
}

static void
op_ftp_client_finalize (GObject *object)
{
  OpFtpClient *self = OP_FTP_CLIENT (object);

  g_clear_pointer (&self->w_features, g_hash_table_unref);
  g_free (self->w_system);
  g_free (self->charset);
  g_clear_object (&self->download_limit);
  g_clear_object (&self->upload_limit);
  g_free (self->user);
  op_secret_free (self->password);
  g_free (self->account);

  G_OBJECT_CLASS (op_ftp_client_parent_class)->finalize (object);
}

static void
op_ftp_client_class_init (OpFtpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  OpSessionClass *session_class = OP_SESSION_CLASS (klass);

  object_class->dispose = op_ftp_client_dispose;
  object_class->finalize = op_ftp_client_finalize;

  session_class->protocol = "ftp";
  session_class->default_port = 21;
  /* RFC 4217 leaves implicit FTPS out; 990 is the port IANA lists as "ftps". */
  session_class->default_tls_port = 990;
  session_class->error_domain = OP_FTP_ERROR;
  session_class->error_connection_lost = OP_FTP_ERROR_CONNECTION_LOST;
  session_class->error_bad_reply = OP_FTP_ERROR_BAD_REPLY;
  session_class->error_not_connected = OP_FTP_ERROR_NOT_CONNECTED;
  session_class->error_invalid_argument = OP_FTP_ERROR_INVALID_NAME;
  session_class->error_plaintext_refused = OP_FTP_ERROR_PLAINTEXT_PASSWORD;
  session_class->error_tls_refused = OP_FTP_ERROR_TLS_REFUSED;
  session_class->max_reply_line = OP_FTP_REPLY_MAX_LINE;
  session_class->state_disconnected = OP_FTP_STATE_DISCONNECTED;
  session_class->state_connecting = OP_FTP_STATE_CONNECTING;
  session_class->state_ready = OP_FTP_STATE_READY;
  session_class->state_busy = OP_FTP_STATE_BUSY;
  /**
   * OpFtpClient:state:
   *
   * Where the session is, for a connection indicator; notified on the main context.
   */
  op_session_class_install_state (session_class, OP_TYPE_FTP_STATE);
  session_class->capabilities_free = capabilities_free;
  session_class->copy_settings = copy_settings;
  session_class->free_settings = free_settings;
  session_class->reset = reset;
  session_class->greet = greet;
  session_class->capabilities = capabilities;
  session_class->start_tls = start_tls;
  session_class->read_reply = read_reply;
  session_class->reply_free = (GDestroyNotify) op_ftp_reply_free;
  session_class->check_reply = check_reply;
  session_class->dup_capabilities = dup_capabilities;
}

static void
op_ftp_client_init (OpFtpClient *self)
{
  self->w_announced_size = -1;
}

OpFtpClient *
op_ftp_client_new (const char *host,
                   guint16     port,
                   OpSecurity  security)
{
  return op_session_new (OP_TYPE_FTP_CLIENT, host, port, security);
}

/* --- settings and what the main context sees -------------------------------------------- */

OP_SESSION_DEFINE_SETTINGS (OpFtpClient, op_ftp_client, OP_IS_FTP_CLIENT)
OP_SESSION_DEFINE_GETTERS (OpFtpClient, op_ftp_client, OP_IS_FTP_CLIENT)
OP_SESSION_DEFINE_STATE_GETTER (OpFtpClient, op_ftp_client, OP_IS_FTP_CLIENT, OpFtpState,
                                OP_FTP_STATE_DISCONNECTED)

void
op_ftp_client_set_charset (OpFtpClient *self,
                           const char  *charset)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  op_session_lock_settings (OP_SESSION (self));
  g_free (self->charset);
  self->charset = charset == NULL || g_ascii_strcasecmp (charset, "UTF-8") == 0 ||
                  g_ascii_strcasecmp (charset, "UTF8") == 0
                  ? NULL : g_strdup (charset);
  op_session_unlock_settings (OP_SESSION (self));
}

OP_SESSION_DEFINE_SETTER (OpFtpClient, op_ftp_client, OP_IS_FTP_CLIENT, data_mode, OpFtpDataMode)

void
op_ftp_client_set_trust_pasv_address (OpFtpClient *self,
                                      gboolean     trust)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  op_session_lock_settings (OP_SESSION (self));
  self->trust_pasv = trust;
  op_session_unlock_settings (OP_SESSION (self));
}

void
op_ftp_client_set_rate_limits (OpFtpClient *self,
                               OpRateLimit *download,
                               OpRateLimit *upload)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (download == NULL || OP_IS_RATE_LIMIT (download));
  g_return_if_fail (upload == NULL || OP_IS_RATE_LIMIT (upload));

  op_session_lock_settings (OP_SESSION (self));
  g_set_object (&self->download_limit, download);
  g_set_object (&self->upload_limit, upload);
  op_session_unlock_settings (OP_SESSION (self));
}

gboolean
op_ftp_client_has_feature (OpFtpClient *self,
                           const char  *feature)
{
  Capabilities *caps;
  g_autofree char *upper = NULL;

  g_return_val_if_fail (OP_IS_FTP_CLIENT (self), FALSE);
  g_return_val_if_fail (feature != NULL, FALSE);

  caps = op_session_get_capabilities (OP_SESSION (self));
  if (caps == NULL || caps->features == NULL)
    return FALSE;
  upper = g_ascii_strup (feature, -1);
  return g_hash_table_contains (caps->features, upper);
}

const char *
op_ftp_client_get_system (OpFtpClient *self)
{
  Capabilities *caps;

  g_return_val_if_fail (OP_IS_FTP_CLIENT (self), NULL);

  caps = op_session_get_capabilities (OP_SESSION (self));
  return caps != NULL ? caps->system : NULL;
}

/* --- connect, quit, keep-alive ---------------------------------------------------------- */

static gpointer
connect_job (OpSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  OpFtpClient *self = OP_FTP_CLIENT (session);
  OpFtpJob *job = data;
  OpFtpSettings s;

  job_settings (self, &s);
  if (op_session_is_connected (session))
    op_session_disconnect (session);
  if (!login (self, &s, job->path, job->secret, job->path2, cancellable, error))
    {
      op_session_disconnect (session);
      return NULL;
    }
  op_session_lock_settings (session);
  g_free (self->user);
  self->user = g_strdup (job->path);
  op_secret_free (self->password);
  self->password = g_strdup (job->secret);
  g_free (self->account);
  self->account = g_strdup (job->path2);
  self->want_connected = TRUE;
  op_session_unlock_settings (session);
  touch (self);
  return OP_SESSION_JOB_OK;
}

void
op_ftp_client_connect_async (OpFtpClient         *self,
                             const char          *user,
                             const char          *password,
                             const char          *account,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  OpFtpJob *job;

  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  job = _op_ftp_job_new (NULL, user);
  job->secret = g_strdup (password);
  job->path2 = g_strdup (account);
  op_session_call (OP_SESSION (self), op_ftp_client_connect_async, connect_job, job,
                   (GDestroyNotify) job_free, NULL, OP_SESSION_JOB_NONE, cancellable, callback,
                   user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpFtpClient, op_ftp_client, connect)

static gpointer
quit_job (OpSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  OpFtpClient *self = OP_FTP_CLIENT (session);

  op_session_lock_settings (session);
  self->want_connected = FALSE;
  op_session_unlock_settings (session);
  op_session_quit (session, cancellable);
  return OP_SESSION_JOB_OK;
}

void
op_ftp_client_quit_async (OpFtpClient         *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  op_session_call (OP_SESSION (self), op_ftp_client_quit_async, quit_job, NULL, NULL, NULL,
                   OP_SESSION_JOB_NONE, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpFtpClient, op_ftp_client, quit)

/* A keep-alive has nothing to keep alive without a connection; the next real call
 * reconnects. */
static gpointer
keepalive_job (OpSession     *session,
               gpointer       data,
               GCancellable  *cancellable,
               GError       **error)
{
  if (!op_session_is_connected (session))
    return OP_SESSION_JOB_OK;
  return run_job (session, data, cancellable, error);
}

static void
keepalive_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  OpFtpClient *self = OP_FTP_CLIENT (source);

  self->keepalive_pending = FALSE;
  /* A failure shows in the state; the next call reconnects. */
  op_session_finish_boolean (OP_SESSION (self), result, keepalive_done, NULL);
}

static gboolean
keepalive_tick (gpointer data)
{
  OpFtpClient *self = data;
  gint64 idle;

  if (op_session_get_state (OP_SESSION (self)) != OP_FTP_STATE_READY ||
      self->keepalive_pending)
    return G_SOURCE_CONTINUE;
  op_session_lock_settings (OP_SESSION (self));
  idle = g_get_monotonic_time () - self->last_activity;
  op_session_unlock_settings (OP_SESSION (self));
  if (idle < (gint64) self->keepalive_interval * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;
  self->keepalive_pending = TRUE;
  op_session_call (OP_SESSION (self), keepalive_done, keepalive_job,
                   command_job_new ("NOOP", OP_FTP_COMMAND_OTHER, NULL),
                   (GDestroyNotify) job_free, NULL, OP_SESSION_JOB_NONE, NULL, keepalive_done,
                   NULL);
  return G_SOURCE_CONTINUE;
}

/* The timer runs on the caller's context, where the state is delivered too. */
void
op_ftp_client_set_keepalive_interval (OpFtpClient *self,
                                      guint        seconds)
{
  GSource *source;

  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  stop_keepalive (self);
  self->keepalive_interval = seconds;
  if (seconds == 0)
    return;
  /* Checked a few times per interval, so the NOOP goes out soon after the idle time. */
  source = g_timeout_source_new_seconds (MAX (1, seconds / 4));
  g_source_set_callback (source, keepalive_tick, self, NULL);
  g_source_set_static_name (source, "[outpost] ftp keep-alive");
  g_source_attach (source, g_main_context_get_thread_default ());
  self->keepalive_source = source;
}

void
op_ftp_client_shutdown (OpFtpClient *self)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  stop_keepalive (self);
  op_session_shutdown (OP_SESSION (self));
}

/* --- calls of one command --------------------------------------------------------------- */

void
op_ftp_client_noop_async (OpFtpClient         *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  _op_ftp_client_command_call (self, "NOOP", OP_FTP_COMMAND_OTHER, op_ftp_client_noop_async,
                               NULL, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpFtpClient, op_ftp_client, noop)

/* CWD (or CDUP for ".."), when asked, then PWD. */
static gpointer
pwd_func (OpFtpClient          *self,
          OpFtpJob             *job,
          const OpFtpSettings  *s,
          GCancellable         *cancellable,
          GError              **error)
{
  g_autoptr(OpFtpReply) reply = NULL;
  g_autofree char *raw = NULL;

  if (job->wire != NULL)
    {
      gboolean up = g_strcmp0 (job->path, "..") == 0;

      if (!_op_ftp_client_command_ok (self, up ? "CDUP" : "CWD", up ? NULL : job->wire,
                                      OP_FTP_COMMAND_READ, cancellable, error))
        return NULL;
    }
  reply = _op_ftp_client_command_expect (self, "PWD", NULL, 2, OP_FTP_COMMAND_OTHER,
                                         cancellable, error);
  if (reply == NULL || !op_ftp_reply_parse_pwd (reply, &raw, error))
    return NULL;
  return op_ftp_charset_to_utf8 (s->charset, raw, -1);
}

void
op_ftp_client_pwd_async (OpFtpClient         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  _op_ftp_client_simple_call (self, pwd_func, op_ftp_client_pwd_async, NULL, g_free,
                              cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpFtpClient, op_ftp_client, pwd, char *)

void
op_ftp_client_cwd_async (OpFtpClient         *self,
                         const char          *path,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  _op_ftp_client_simple_call (self, pwd_func, op_ftp_client_cwd_async, path, g_free,
                              cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpFtpClient, op_ftp_client, cwd, char *)

static gpointer
size_func (OpFtpClient          *self,
           OpFtpJob             *job,
           const OpFtpSettings  *s,
           GCancellable         *cancellable,
           GError              **error)
{
  g_autoptr(OpFtpReply) reply = NULL;

  /* SIZE counts bytes as TYPE I sends them (RFC 3659 §4). */
  if (!_op_ftp_set_type (self, FALSE, cancellable, error))
    return NULL;
  reply = _op_ftp_client_command_expect (self, "SIZE", job->wire, 2, OP_FTP_COMMAND_READ,
                                         cancellable, error);
  if (reply == NULL || !op_ftp_reply_parse_size (reply, &job->result, error))
    return NULL;
  return OP_SESSION_JOB_OK;
}

void
op_ftp_client_size_async (OpFtpClient         *self,
                          const char          *path,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (path != NULL);
  _op_ftp_client_simple_call (self, size_func, op_ftp_client_size_async, path, NULL,
                              cancellable, callback, user_data);
}

gboolean
op_ftp_client_size_finish (OpFtpClient   *self,
                           GAsyncResult  *result,
                           guint64       *size,
                           GError       **error)
{
  if (!op_session_finish_boolean (OP_SESSION (self), result, op_ftp_client_size_async, error))
    return FALSE;
  if (size != NULL)
    *size = ((OpFtpJob *) op_session_task_get_data (result))->result;
  return TRUE;
}

/* ftplib's sendcmd: the verb is the first word, the rest its argument. Verbs that would
 * leave the session out of step are refused, as SMTP's raw command refuses its own: a
 * change of security (AUTH, CCC, PBSZ, PROT: the data channel's TLS follows PROT) or of
 * login (USER, PASS: reconnection uses the site's), and transfers, whose data connection
 * only the client's own calls open. */
static const char * const refused_verbs[] = {
  "AUTH", "CCC", "PROT", "PBSZ", "RETR", "STOR", "PASS", "USER", NULL
};

static gpointer
send_command_func (OpFtpClient          *self,
                   OpFtpJob             *job,
                   const OpFtpSettings  *s,
                   GCancellable         *cancellable,
                   GError              **error)
{
  const char *space = strchr (job->wire, ' ');
  g_autofree char *verb = g_strndup (job->wire, space != NULL ? (gsize) (space - job->wire)
                                                              : strlen (job->wire));
  OpSendFlags flags = OP_SEND_PLAIN;
  OpFtpReply *reply;

  if (verb[0] == '\0')
    {
      g_set_error_literal (error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME,
                           _("The command is empty."));
      return NULL;
    }
  for (guint i = 0; refused_verbs[i] != NULL; i++)
    if (g_ascii_strcasecmp (verb, refused_verbs[i]) == 0)
      {
        g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_INVALID_NAME,
                     _("%s cannot be sent as a plain command; use the client’s own call "
                       "for it."), refused_verbs[i]);
        return NULL;
      }
  if (g_ascii_strcasecmp (verb, "ACCT") == 0)
    flags = OP_SEND_SECRET_ARGUMENT;
  reply = op_session_command (OP_SESSION (self), verb, space != NULL ? space + 1 : NULL, flags,
                              cancellable, error);
  /* A TYPE sent by hand makes our idea of the type unknown. */
  self->w_type = 0;
  return reply;
}

void
op_ftp_client_send_command_async (OpFtpClient         *self,
                                  const char          *line,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (line != NULL);
  _op_ftp_client_simple_call (self, send_command_func, op_ftp_client_send_command_async, line,
                              (GDestroyNotify) op_ftp_reply_free, cancellable, callback,
                              user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpFtpClient, op_ftp_client, send_command, OpFtpReply *)
