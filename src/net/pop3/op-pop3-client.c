/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-pop3"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-connection.h"
#include "op-pop3-client.h"
#include "op-sasl.h"
#include "op-secret.h"

/* One read of message text: few system calls, far below any memory budget. */
#define READ_BUFFER_SIZE (64 * 1024)
/* RFC 5034 §4: a command with its initial response must fit in 255 octets (RFC 2449
 * §4), else the response goes on its own line after the server's "+ ". */
#define MAX_COMMAND_LENGTH 255
/* PLAIN answers once; anything more is not PLAIN. */
#define MAX_SASL_STEPS 1

G_DEFINE_ENUM_TYPE (OpPop3State, op_pop3_state,
  G_DEFINE_ENUM_VALUE (OP_POP3_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (OP_POP3_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (OP_POP3_STATE_READY, "ready"),
  G_DEFINE_ENUM_VALUE (OP_POP3_STATE_BUSY, "busy"))

/* What POP3 adds to OpSession: its own setting, and what the worker learnt. */
struct _OpPop3Client
{
  OpSession    parent_instance;

  gboolean     allow_apop;       /* under the session's settings lock */

  /* Worker only. */
  GHashTable  *w_capabilities;   /* (nullable) CAPA, upper-case names */
  gboolean     w_capa_supported; /* the server answered CAPA with +OK */
  char        *w_timestamp;      /* APOP timestamp of the greeting */
};

G_DEFINE_FINAL_TYPE (OpPop3Client, op_pop3_client, OP_TYPE_SESSION)

#define SESSION(self) (OP_SESSION (self))

void
op_pop3_uid_entry_free (OpPop3UidEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->uid);
  g_free (entry);
}

/* --- replies (worker) -------------------------------------------------------------------- */

/* A status line: +OK or -ERR (anything else ends the session). */
static gpointer
pop3_read_reply (OpSession     *session,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree char *line = NULL;
  GError *local_error = NULL;
  OpPop3Reply *reply;
  gsize length = 0;

  line = op_session_read_line (session, OP_POP3_MAX_REPLY_LINE, &length, cancellable, error);
  if (line == NULL)
    return NULL;
  reply = op_pop3_reply_parse (line, length, &local_error);
  if (reply == NULL)
    op_session_fail (session, local_error, error);
  return reply;
}

static GError *
pop3_check_reply (OpSession     *session,
                  gconstpointer  data,
                  int            expect,
                  const char    *verb,
                  int            kind)
{
  const OpPop3Reply *reply = data;

  return reply->ok ? NULL : op_pop3_error_from_reply (reply, verb, kind);
}

/* A command that must answer +OK; -ERR becomes the mapped error. A @multiline reply's
 * body is the caller's to read (the command stays open until then). */
static OpPop3Reply *
command_ok (OpPop3Client       *self,
            const char         *verb,
            const char         *argument,
            OpSendFlags         flags,
            OpPop3CommandKind   kind,
            gboolean            multiline,
            GCancellable       *cancellable,
            GError            **error)
{
  OpPop3Reply *reply = op_session_command_expect (SESSION (self), verb, argument, flags, 0,
                                                  kind, cancellable, error);

  if (reply != NULL && multiline)
    op_session_set_in_command (SESSION (self), TRUE);
  return reply;
}

static gboolean
read_multiline (OpPop3Client      *self,
                OpSessionLineFunc  func,
                gpointer           user_data,
                GCancellable      *cancellable,
                GError           **error)
{
  return op_session_read_block (SESSION (self), OP_POP3_MAX_REPLY_LINE,
                                OP_POP3_MAX_LISTING_LINES, 0, func, user_data, cancellable,
                                error);
}

/* --- greeting, CAPA, STLS (worker) ------------------------------------------------------- */

static gboolean
pop3_greet (OpSession     *session,
            gboolean      *preauthenticated,
            GCancellable  *cancellable,
            GError       **error)
{
  OpPop3Client *self = OP_POP3_CLIENT (session);
  g_autoptr(OpPop3Reply) greeting = op_session_read_reply (session, cancellable, error);

  if (greeting == NULL)
    return FALSE;
  if (!greeting->ok)
    {
      g_propagate_error (error, op_pop3_error_from_reply (greeting, _("greeting"),
                                                          OP_POP3_COMMAND_OTHER));
      return FALSE;
    }
  self->w_timestamp = op_pop3_parse_apop_timestamp (greeting->text);
  return TRUE;
}

static gboolean
add_capability (const char  *line,
                gsize        length,
                gpointer     user_data,
                GError     **error)
{
  op_pop3_capabilities_add_line (user_data, line, length);
  return TRUE;
}

/* CAPA (RFC 2449 §5), bounded like any reply. A server without it answers -ERR: then
 * nothing is known. */
static gboolean
pop3_capabilities (OpSession     *session,
                   GCancellable  *cancellable,
                   GError       **error)
{
  OpPop3Client *self = OP_POP3_CLIENT (session);
  g_autoptr(OpPop3Reply) reply = NULL;
  g_autoptr(GHashTable) capabilities = op_pop3_capabilities_new ();

  g_clear_pointer (&self->w_capabilities, g_hash_table_unref);
  reply = op_session_command (session, "CAPA", NULL, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return FALSE;
  self->w_capa_supported = reply->ok;
  if (reply->ok &&
      !op_session_read_block (session, OP_POP3_MAX_REPLY_LINE, OP_POP3_MAX_CAPA_LINES,
                              OP_POP3_MAX_CAPA_BYTES, add_capability, capabilities,
                              cancellable, error))
    return FALSE;
  self->w_capabilities = g_steal_pointer (&capabilities);
  return TRUE;
}

static gboolean
has_capability (OpPop3Client *self,
                const char   *name)
{
  return self->w_capabilities != NULL && g_hash_table_contains (self->w_capabilities, name);
}

static gboolean
offers_sasl (OpPop3Client *self,
             const char   *mechanism)
{
  const char *list;
  g_auto(GStrv) words = NULL;

  if (self->w_capabilities == NULL)
    return FALSE;
  list = g_hash_table_lookup (self->w_capabilities, "SASL");
  if (list == NULL)
    return FALSE;
  words = g_strsplit (list, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (g_ascii_strcasecmp (words[i], mechanism) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
pop3_start_tls (OpSession     *session,
                GCancellable  *cancellable,
                GError       **error)
{
  OpPop3Client *self = OP_POP3_CLIENT (session);
  g_autoptr(OpPop3Reply) reply = NULL;

  /* RFC 2595 §4: STLS is offered in CAPA. A server that lists capabilities without it
   * will not do TLS: stop before any user name goes out. One without CAPA may still
   * know STLS; its answer decides. */
  if (self->w_capa_supported && !has_capability (self, "STLS"))
    {
      g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_TLS_REFUSED,
                   _("The server %s does not offer encryption (STLS), so no password "
                     "was sent. Choose another security setting only if you trust "
                     "the network."), op_session_get_host (session));
      op_session_quit (SESSION (self), NULL);
      return FALSE;
    }
  reply = op_session_command (session, "STLS", NULL, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (!reply->ok)
    {
      g_propagate_error (error, op_pop3_error_from_reply (reply, "STLS", OP_POP3_COMMAND_TLS));
      op_session_quit (SESSION (self), NULL);
      return FALSE;
    }
  return TRUE;
}

/* After TLS and when the connection drops: what was learnt before is forgotten. That
 * includes the greeting's APOP timestamp, which a man in the middle may have chosen (to
 * replay the digest to the real server, or crack it); no greeting follows STLS, so APOP
 * is not used after it (RFC 2595 §4). */
static void
pop3_reset (OpSession *session)
{
  OpPop3Client *self = OP_POP3_CLIENT (session);

  g_clear_pointer (&self->w_capabilities, g_hash_table_unref);
  g_clear_pointer (&self->w_timestamp, g_free);
  self->w_capa_supported = FALSE;
}

static gpointer
pop3_dup_capabilities (OpSession *session)
{
  OpPop3Client *self = OP_POP3_CLIENT (session);

  return self->w_capabilities != NULL ? g_hash_table_ref (self->w_capabilities) : NULL;
}

static gpointer
pop3_copy_settings (OpSession *session)
{
  return GINT_TO_POINTER (OP_POP3_CLIENT (session)->allow_apop);
}

static gboolean
allow_apop (OpPop3Client *self)
{
  return GPOINTER_TO_INT (op_session_get_settings (SESSION (self))->extra);
}

/* --- login (worker) ------------------------------------------------------------------------ */

static gboolean
login_failed (OpPop3Client       *self,
              const OpPop3Reply  *reply,
              const char         *verb,
              GError            **error)
{
  g_propagate_error (error, op_pop3_error_from_reply (reply, verb, OP_POP3_COMMAND_LOGIN));
  op_session_disconnect (SESSION (self));
  return FALSE;
}

/* RFC 5034: "AUTH PLAIN" with the initial response when it fits; the log shows
 * "AUTH PLAIN ****". */
static gboolean
sasl_send_start (OpSession     *session,
                 const char    *mechanism,
                 const char    *initial,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree char *verb = g_strconcat ("AUTH ", mechanism, NULL);

  if (initial != NULL)
    return op_session_send (session, verb, initial, OP_SEND_SECRET_ARGUMENT, cancellable,
                            error);
  return op_session_send (session, "AUTH", mechanism, OP_SEND_PLAIN, cancellable, error);
}

/* RFC 5034 §4: "+ " and base64 continues the exchange; +OK or -ERR ends it. */
static gpointer
sasl_read_step (OpSession     *session,
                char         **challenge,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autofree char *line = NULL;
  GError *local_error = NULL;
  const char *data = NULL;
  OpPop3Reply *reply;
  gsize length = 0;

  line = op_session_read_line (session, OP_POP3_MAX_REPLY_LINE, &length, cancellable, error);
  if (line == NULL)
    return NULL;
  if (op_pop3_reply_is_continuation (line, length, &data))
    {
      *challenge = g_strdup (data);
      return NULL;
    }
  reply = op_pop3_reply_parse (line, length, &local_error);
  if (reply == NULL)
    op_session_fail (session, local_error, error);
  return reply;
}

static const OpSessionSaslFraming sasl_framing = {
  .send_start = sasl_send_start,
  .read_step = sasl_read_step,
  .max_initial_response = MAX_COMMAND_LENGTH - sizeof ("AUTH PLAIN ") + 1 - 2,
  .max_steps = MAX_SASL_STEPS,
};

static gboolean
auth_plain (OpPop3Client  *self,
            const char    *user,
            const char    *password,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(OpSaslSession) sasl = op_sasl_session_new (OP_SASL_MECHANISM_PLAIN, user, password);
  g_autoptr(OpPop3Reply) reply = NULL;
  GError *local_error = NULL;

  reply = op_session_sasl_authenticate (SESSION (self), &sasl_framing, sasl, cancellable,
                                        &local_error);
  if (reply == NULL)
    {
      op_session_propagate_sasl_error (SESSION (self), local_error, error);
      return FALSE;
    }
  if (!reply->ok)
    return login_failed (self, reply, "AUTH", error);
  return TRUE;
}

/* RFC 1939 §7: APOP name digest, digest = MD5 (timestamp password) in lower-case hex. */
static gboolean
apop (OpPop3Client  *self,
      const char    *user,
      const char    *password,
      GCancellable  *cancellable,
      GError       **error)
{
  GChecksum *checksum = g_checksum_new (G_CHECKSUM_MD5);
  const char *digest;
  char *argument;
  g_autoptr(OpPop3Reply) reply = NULL;

  /* The digest is as good as the password for an offline guess (and for a replay to a
   * server that reuses its timestamp): no copy stays in freed memory. GChecksum keeps
   * its hex string until it is freed, unwiped; it is ours to wipe until then. */
  g_checksum_update (checksum, (const guchar *) self->w_timestamp, -1);
  g_checksum_update (checksum, (const guchar *) password, -1);
  digest = g_checksum_get_string (checksum);
  argument = g_strconcat (user, " ", digest, NULL);
  op_secret_wipe ((char *) digest, strlen (digest));
  g_checksum_free (checksum);
  reply = op_session_command (SESSION (self), "APOP", argument, OP_SEND_SECRET_ARGUMENT,
                              cancellable, error);
  op_secret_free (argument);
  if (reply == NULL)
    return FALSE;
  if (!reply->ok)
    return login_failed (self, reply, "APOP", error);
  return TRUE;
}

static gboolean
user_pass (OpPop3Client  *self,
           const char    *user,
           const char    *password,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(OpPop3Reply) reply = NULL;

  reply = op_session_command (SESSION (self), "USER", user, OP_SEND_PLAIN, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (!reply->ok)
    return login_failed (self, reply, "USER", error);
  g_clear_pointer (&reply, op_pop3_reply_free);
  reply = op_session_command (SESSION (self), "PASS", password, OP_SEND_SECRET_ARGUMENT,
                              cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (!reply->ok)
    return login_failed (self, reply, "PASS", error);
  return TRUE;
}

static gboolean
login (OpPop3Client  *self,
       const char    *user,
       const char    *password,
       GCancellable  *cancellable,
       GError       **error)
{
  OpSession *session = SESSION (self);
  const OpSessionSettings *s = op_session_get_settings (session);
  gboolean encrypted;

  op_protocol_log_append_printf (op_session_get_log (session), OP_LOG_INFO,
                                 _("Connecting to %s port %u…"),
                                 op_session_get_host (session), op_session_get_port (session));

  if (!op_session_check_credential (session, user, _("user name"), error) ||
      !op_session_check_credential (session, password, _("password"), error))
    return FALSE;

  /* Without TLS and without the opt-in only APOP could log in: refuse at once when the
   * account does not allow that either, before anything goes out. */
  if (op_session_get_security (session) == OP_SECURITY_NONE && !allow_apop (self) &&
      !op_session_check_plaintext (session, error))
    return FALSE;

  if (!op_session_open (session, cancellable, error))
    return FALSE;

  encrypted = op_session_connection_is_tls (session);
  if (offers_sasl (self, "PLAIN") && (encrypted || s->allow_plaintext))
    {
      op_session_set_auth (session, OP_POP3_AUTH_SASL_PLAIN);
      if (!auth_plain (self, user, password, cancellable, error))
        return FALSE;
    }
  else if (self->w_timestamp != NULL && allow_apop (self))
    {
      if (strchr (user, ' ') != NULL)
        {
          g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_INVALID_ARGUMENT,
                       _("A user name with a space cannot log in with APOP."));
          op_session_quit (SESSION (self), NULL);
          return FALSE;
        }
      op_session_set_auth (session, OP_POP3_AUTH_APOP);
      if (!apop (self, user, password, cancellable, error))
        return FALSE;
    }
  else if (!op_session_check_plaintext (session, error))
    {
      op_session_quit (SESSION (self), NULL);
      return FALSE;
    }
  else if (self->w_capa_supported && !has_capability (self, "USER"))
    {
      /* RFC 2449 §6.8: a server that lists capabilities without USER refuses it. */
      g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_UNSUPPORTED,
                   _("The server offers no login method Outpost can use (it offers "
                     "neither USER, nor SASL PLAIN, nor APOP where allowed)."));
      op_session_quit (SESSION (self), NULL);
      return FALSE;
    }
  else
    {
      op_session_set_auth (session, OP_POP3_AUTH_USER_PASS);
      if (!user_pass (self, user, password, cancellable, error))
        return FALSE;
    }

  op_protocol_log_append (op_session_get_log (session), OP_LOG_INFO, _("Logged in."));
  return TRUE;
}

/* --- commands (worker) ---------------------------------------------------------------- */

static gboolean
collect_list (const char  *line,
              gsize        length,
              gpointer     user_data,
              GError     **error)
{
  OpPop3ListEntry entry;

  if (!op_pop3_parse_list_line (line, length, &entry.number, &entry.size, error))
    return FALSE;
  g_array_append_val (user_data, entry);
  return TRUE;
}

static gboolean
collect_uidl (const char  *line,
              gsize        length,
              gpointer     user_data,
              GError     **error)
{
  OpPop3UidEntry *entry = g_new0 (OpPop3UidEntry, 1);

  if (!op_pop3_parse_uidl_line (line, length, &entry->number, &entry->uid, error))
    {
      g_free (entry);
      return FALSE;
    }
  g_ptr_array_add (user_data, entry);
  return TRUE;
}

/* A single-message reply whose text must parse; a bad one ends the session. */
static gboolean
parse_or_fail (OpPop3Client  *self,
               gboolean       ok,
               GError        *local_error,
               GError       **error)
{
  if (ok)
    return TRUE;
  op_session_fail (SESSION (self), local_error, error);
  return FALSE;
}

static GArray *
list (OpPop3Client  *self,
      guint          number,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (OpPop3ListEntry));
  g_autoptr(OpPop3Reply) reply = NULL;
  g_autofree char *argument = number > 0 ? g_strdup_printf ("%u", number) : NULL;

  reply = command_ok (self, "LIST", argument, OP_SEND_PLAIN, OP_POP3_COMMAND_OTHER,
                      number == 0, cancellable, error);
  if (reply == NULL)
    return NULL;
  if (number == 0)
    {
      if (!read_multiline (self, collect_list, entries, cancellable, error))
        return NULL;
    }
  else
    {
      GError *local_error = NULL;
      OpPop3ListEntry entry;

      if (!parse_or_fail (self, op_pop3_parse_list_line (reply->text, strlen (reply->text),
                                                         &entry.number, &entry.size,
                                                         &local_error),
                          local_error, error))
        return NULL;
      g_array_append_val (entries, entry);
    }
  return g_steal_pointer (&entries);
}

static GPtrArray *
uidl (OpPop3Client  *self,
      guint          number,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) op_pop3_uid_entry_free);
  g_autoptr(OpPop3Reply) reply = NULL;
  g_autofree char *argument = number > 0 ? g_strdup_printf ("%u", number) : NULL;

  reply = command_ok (self, "UIDL", argument, OP_SEND_PLAIN, OP_POP3_COMMAND_OTHER,
                      number == 0, cancellable, error);
  if (reply == NULL)
    return NULL;
  if (number == 0)
    {
      if (!read_multiline (self, collect_uidl, entries, cancellable, error))
        return NULL;
    }
  else
    {
      GError *local_error = NULL;
      OpPop3UidEntry *entry = g_new0 (OpPop3UidEntry, 1);

      if (!op_pop3_parse_uidl_line (reply->text, strlen (reply->text), &entry->number,
                                    &entry->uid, &local_error))
        {
          g_free (entry);
          op_session_fail (SESSION (self), local_error, error);
          return NULL;
        }
      g_ptr_array_add (entries, entry);
    }
  return g_steal_pointer (&entries);
}

/* The body of a RETR or TOP whose +OK was read: unstuffed into @output as it arrives.
 * Succeeds only at the terminator; anything short of it ends the session with an
 * error, so a partial message is never reported as complete. */
static gboolean
receive_message (OpPop3Client   *self,
                 guint           number,
                 GOutputStream  *output,
                 OpProgress     *progress,
                 guint64         total,
                 guint64        *bytes,
                 GCancellable   *cancellable,
                 GError        **error)
{
  g_autoptr(OpPop3Unstuffer) unstuffer = op_pop3_unstuffer_new (OP_POP3_MAX_MESSAGE_LINE);
  g_autoptr(GByteArray) out = g_byte_array_sized_new (READ_BUFFER_SIZE);
  g_autofree guint8 *buffer = g_malloc (READ_BUFFER_SIZE);
  guint64 written = 0;

  *bytes = 0;
  while (!op_pop3_unstuffer_is_done (unstuffer))
    {
      GError *local_error = NULL;
      gssize n;
      gsize used = 0;

      n = op_connection_read (op_session_get_connection (SESSION (self)), buffer,
                              READ_BUFFER_SIZE, cancellable, &local_error);
      if (n < 0)
        {
          op_session_fail (SESSION (self), local_error, error);
          return FALSE;
        }
      if (n == 0)
        {
          g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, written);

          op_session_disconnect (SESSION (self));
          /* Translators: %u is a message number, %s a number of bytes */
          g_set_error (error, OP_POP3_ERROR, OP_POP3_ERROR_CONNECTION_LOST,
                       _("The server closed the connection in the middle of message %u "
                         "(after %s bytes); the message is incomplete."),
                       number, count);
          return FALSE;
        }
      g_byte_array_set_size (out, 0);
      if (!op_pop3_unstuffer_push (unstuffer, buffer, n, out, &used, &local_error))
        {
          op_session_fail (SESSION (self), local_error, error);
          return FALSE;
        }
      if (used < (gsize) n)
        {
          /* We never pipeline: nothing may follow the terminator before our next
           * command. */
          g_set_error (&local_error, OP_POP3_ERROR, OP_POP3_ERROR_BAD_REPLY,
                       _("The server sent data after the end of message %u."), number);
          op_session_fail (SESSION (self), local_error, error);
          return FALSE;
        }
      if (out->len > 0)
        {
          if (!g_output_stream_write_all (output, out->data, out->len, NULL, cancellable,
                                          &local_error))
            {
              /* The rest of the message is still on its way: the session is out of
               * step, so it ends (deleting nothing). */
              op_session_disconnect (SESSION (self));
              g_propagate_error (error, local_error);
              return FALSE;
            }
          written += out->len;
          if (progress != NULL)
            op_progress_update (progress, written, MAX (total, written));
        }
    }
  op_session_set_in_command (SESSION (self), FALSE);
  {
    g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, written);

    /* Translators: %u is a message number, %s a number of bytes */
    op_protocol_log_append_printf (op_session_get_log (SESSION (self)), OP_LOG_INFO,
                                   _("Received message %u (%s bytes)."), number, count);
  }
  *bytes = written;
  return g_output_stream_flush (output, cancellable, error);
}

static gboolean
check_number (guint    number,
              GError **error)
{
  if (number > 0)
    return TRUE;
  g_set_error_literal (error, OP_POP3_ERROR, OP_POP3_ERROR_INVALID_ARGUMENT,
                       _("Message numbers start at 1."));
  return FALSE;
}

/* --- jobs ------------------------------------------------------------------------------ */

typedef enum
{
  JOB_CONNECT,
  JOB_STAT,
  JOB_LIST,
  JOB_UIDL,
  JOB_RETR,
  JOB_TOP,
  JOB_DELE,
  JOB_RSET,
  JOB_NOOP,
  JOB_QUIT,
} JobKind;

typedef struct
{
  JobKind        kind;
  char          *user;
  char          *secret;     /* a password, wiped when freed */
  guint          number;
  guint          lines;
  GOutputStream *output;
  OpProgress    *progress;   /* (nullable) RETR */
  guint64        result;     /* bytes of RETR/TOP, or the size of STAT */
  guint          count;      /* STAT */
} Job;

static void
job_free (Job *job)
{
  g_free (job->user);
  op_secret_free (job->secret);
  g_clear_object (&job->output);
  g_clear_object (&job->progress);
  g_free (job);
}

static gpointer
run_connect (OpSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  Job *job = data;

  /* A session that is connected already ends first, without QUIT (nothing deleted). */
  if (!login (OP_POP3_CLIENT (session), job->user, job->secret, cancellable, error))
    {
      op_session_disconnect (session);
      return NULL;
    }
  return OP_SESSION_JOB_OK;
}

static gpointer
run_quit (OpSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(OpPop3Reply) reply = NULL;

  if (!op_session_is_connected (session))
    {
      op_session_disconnect (session);
      return OP_SESSION_JOB_OK;
    }
  op_session_set_state (session, OP_POP3_STATE_BUSY);
  /* RFC 1939 §6: the deletions happen now; -ERR means some failed. */
  reply = command_ok (OP_POP3_CLIENT (session), "QUIT", NULL, OP_SEND_PLAIN,
                      OP_POP3_COMMAND_OTHER, FALSE, cancellable, error);
  op_session_disconnect (session);
  return reply != NULL ? OP_SESSION_JOB_OK : NULL;
}

static gpointer
run_command (OpSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  OpPop3Client *self = OP_POP3_CLIENT (session);
  Job *job = data;

  switch (job->kind)
    {
    case JOB_STAT:
      {
        g_autoptr(OpPop3Reply) reply = command_ok (self, "STAT", NULL, OP_SEND_PLAIN,
                                                   OP_POP3_COMMAND_OTHER, FALSE,
                                                   cancellable, error);
        GError *local_error = NULL;

        if (reply == NULL ||
            !parse_or_fail (self, op_pop3_parse_stat (reply->text, &job->count, &job->result,
                                                      &local_error),
                            local_error, error))
          return NULL;
        return OP_SESSION_JOB_OK;
      }

    case JOB_LIST:
      return list (self, job->number, cancellable, error);

    case JOB_UIDL:
      return uidl (self, job->number, cancellable, error);

    case JOB_RETR:
    case JOB_TOP:
      {
        g_autoptr(OpPop3Reply) reply = NULL;
        g_autofree char *argument = NULL;
        gboolean ok = FALSE;

        if (!check_number (job->number, error))
          return NULL;
        if (job->kind == JOB_RETR)
          argument = g_strdup_printf ("%u", job->number);
        else
          argument = g_strdup_printf ("%u %u", job->number, job->lines);
        reply = command_ok (self, job->kind == JOB_RETR ? "RETR" : "TOP", argument,
                            OP_SEND_PLAIN, OP_POP3_COMMAND_OTHER, TRUE, cancellable, error);
        if (reply != NULL)
          {
            guint64 total = 0;

            /* RFC 1939 §7's example: "+OK 120 octets"; the number is only a hint. */
            if (g_ascii_isdigit (reply->text[0]))
              total = g_ascii_strtoull (reply->text, NULL, 10);
            ok = receive_message (self, job->number, job->output, job->progress, total,
                                  &job->result, cancellable, error);
          }
        if (job->progress != NULL)
          op_progress_finish (job->progress);
        return ok ? OP_SESSION_JOB_OK : NULL;
      }

    case JOB_DELE:
      {
        g_autoptr(OpPop3Reply) reply = NULL;
        g_autofree char *argument = g_strdup_printf ("%u", job->number);

        if (!check_number (job->number, error))
          return NULL;
        reply = command_ok (self, "DELE", argument, OP_SEND_PLAIN, OP_POP3_COMMAND_OTHER,
                            FALSE, cancellable, error);
        return reply != NULL ? OP_SESSION_JOB_OK : NULL;
      }

    case JOB_RSET:
    case JOB_NOOP:
      {
        g_autoptr(OpPop3Reply) reply = NULL;

        reply = command_ok (self, job->kind == JOB_RSET ? "RSET" : "NOOP", NULL,
                            OP_SEND_PLAIN, OP_POP3_COMMAND_OTHER, FALSE, cancellable, error);
        return reply != NULL ? OP_SESSION_JOB_OK : NULL;
      }

    case JOB_CONNECT:
    case JOB_QUIT:
    default:
      g_assert_not_reached ();
    }
}

static Job *
job_new (JobKind kind,
         guint   number)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->number = number;
  return job;
}

/* Queues @job on @task (a call's task, with its source tag). */
static void
job_queue (OpPop3Client *self,
           GTask        *task,
           Job          *job)
{
  OpSessionJobFunc func = run_command;
  OpSessionJobFlags flags = OP_SESSION_JOB_NEEDS_CONNECTION;
  GDestroyNotify result_free = NULL;

  if (job->kind == JOB_CONNECT || job->kind == JOB_QUIT)
    {
      func = job->kind == JOB_CONNECT ? run_connect : run_quit;
      flags = OP_SESSION_JOB_NONE;
    }
  else if (job->kind == JOB_LIST)
    result_free = (GDestroyNotify) g_array_unref;
  else if (job->kind == JOB_UIDL)
    result_free = (GDestroyNotify) g_ptr_array_unref;
  op_session_queue (SESSION (self), task, func, job, (GDestroyNotify) job_free, result_free,
                    flags);
}

static void
simple_call (OpPop3Client         *self,
             JobKind               kind,
             gpointer              source_tag,
             guint                 number,
             GCancellable         *cancellable,
             GAsyncReadyCallback   callback,
             gpointer              user_data)
{
  job_queue (self, op_session_task_new (SESSION (self), source_tag, cancellable, callback,
                                        user_data),
             job_new (kind, number));
}

/* --- GObject ---------------------------------------------------------------------------- */

static void
op_pop3_client_finalize (GObject *object)
{
  OpPop3Client *self = OP_POP3_CLIENT (object);

  g_clear_pointer (&self->w_capabilities, g_hash_table_unref);
  g_free (self->w_timestamp);

  G_OBJECT_CLASS (op_pop3_client_parent_class)->finalize (object);
}

static void
op_pop3_client_class_init (OpPop3ClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  OpSessionClass *session_class = OP_SESSION_CLASS (klass);

  object_class->finalize = op_pop3_client_finalize;

  session_class->protocol = "pop3";
  /* RFC 1939 §3 and RFC 8314 §7.3: 110 and 995. */
  session_class->default_port = 110;
  session_class->default_tls_port = 995;
  session_class->error_domain = OP_POP3_ERROR;
  session_class->error_connection_lost = OP_POP3_ERROR_CONNECTION_LOST;
  session_class->error_bad_reply = OP_POP3_ERROR_BAD_REPLY;
  session_class->error_not_connected = OP_POP3_ERROR_NOT_CONNECTED;
  session_class->error_invalid_argument = OP_POP3_ERROR_INVALID_ARGUMENT;
  session_class->error_plaintext_refused = OP_POP3_ERROR_PLAINTEXT_REFUSED;
  session_class->error_tls_refused = OP_POP3_ERROR_TLS_REFUSED;
  session_class->error_auth_unavailable = OP_POP3_ERROR_UNSUPPORTED;
  session_class->max_reply_line = OP_POP3_MAX_REPLY_LINE;
  session_class->state_disconnected = OP_POP3_STATE_DISCONNECTED;
  session_class->state_connecting = OP_POP3_STATE_CONNECTING;
  session_class->state_ready = OP_POP3_STATE_READY;
  session_class->state_busy = OP_POP3_STATE_BUSY;
  /**
   * OpPop3Client:state:
   *
   * Where the session is, for a connection indicator; notified on the main context.
   */
  op_session_class_install_state (session_class, OP_TYPE_POP3_STATE);
  session_class->capabilities_free = (GDestroyNotify) g_hash_table_unref;
  session_class->copy_settings = pop3_copy_settings;
  session_class->reset = pop3_reset;
  session_class->greet = pop3_greet;
  session_class->capabilities = pop3_capabilities;
  session_class->start_tls = pop3_start_tls;
  session_class->read_reply = pop3_read_reply;
  session_class->reply_free = (GDestroyNotify) op_pop3_reply_free;
  session_class->check_reply = pop3_check_reply;
  session_class->dup_capabilities = pop3_dup_capabilities;
}

static void
op_pop3_client_init (OpPop3Client *self)
{
}

OpPop3Client *
op_pop3_client_new (const char *host,
                    guint16     port,
                    OpSecurity  security)
{
  return op_session_new (OP_TYPE_POP3_CLIENT, host, port, security);
}

OP_SESSION_DEFINE_SETTINGS (OpPop3Client, op_pop3_client, OP_IS_POP3_CLIENT)
OP_SESSION_DEFINE_GETTERS (OpPop3Client, op_pop3_client, OP_IS_POP3_CLIENT)
OP_SESSION_DEFINE_STATE_GETTER (OpPop3Client, op_pop3_client, OP_IS_POP3_CLIENT, OpPop3State,
                                OP_POP3_STATE_DISCONNECTED)

OP_SESSION_DEFINE_SETTER (OpPop3Client, op_pop3_client, OP_IS_POP3_CLIENT, allow_apop, gboolean)

gboolean
op_pop3_client_has_capability (OpPop3Client *self,
                               const char   *name)
{
  GHashTable *capabilities;
  g_autofree char *upper = NULL;

  g_return_val_if_fail (OP_IS_POP3_CLIENT (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  capabilities = op_session_get_capabilities (SESSION (self));
  if (capabilities == NULL)
    return FALSE;
  upper = g_ascii_strup (name, -1);
  return g_hash_table_contains (capabilities, upper);
}

OpPop3AuthMethod
op_pop3_client_get_auth_method (OpPop3Client *self)
{
  g_return_val_if_fail (OP_IS_POP3_CLIENT (self), OP_POP3_AUTH_NONE);
  return op_session_get_auth (SESSION (self));
}

/* --- the public calls ------------------------------------------------------------------- */

void
op_pop3_client_connect_async (OpPop3Client         *self,
                              const char           *user,
                              const char           *password,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  Job *job;

  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  g_return_if_fail (user != NULL);
  g_return_if_fail (password != NULL);

  job = job_new (JOB_CONNECT, 0);
  job->user = g_strdup (user);
  job->secret = g_strdup (password);
  job_queue (self, op_session_task_new (SESSION (self), op_pop3_client_connect_async,
                                        cancellable, callback, user_data),
             job);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpPop3Client, op_pop3_client, connect)

void
op_pop3_client_stat_async (OpPop3Client         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  simple_call (self, JOB_STAT, op_pop3_client_stat_async, 0, cancellable, callback,
               user_data);
}

gboolean
op_pop3_client_stat_finish (OpPop3Client  *self,
                            GAsyncResult  *result,
                            guint         *count,
                            guint64       *size,
                            GError       **error)
{
  Job *job;

  if (!op_session_finish_boolean (SESSION (self), result, op_pop3_client_stat_async, error))
    return FALSE;
  job = op_session_task_get_data (result);
  if (count != NULL)
    *count = job->count;
  if (size != NULL)
    *size = job->result;
  return TRUE;
}

void
op_pop3_client_list_async (OpPop3Client         *self,
                           guint                 number,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  simple_call (self, JOB_LIST, op_pop3_client_list_async, number, cancellable, callback,
               user_data);
}

/**
 * op_pop3_client_list_finish:
 *
 * Returns: (transfer full) (element-type OpPop3ListEntry): the entries, or %NULL
 */
OP_SESSION_DEFINE_FINISH_POINTER (OpPop3Client, op_pop3_client, list, GArray *)

void
op_pop3_client_uidl_async (OpPop3Client         *self,
                           guint                 number,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  simple_call (self, JOB_UIDL, op_pop3_client_uidl_async, number, cancellable, callback,
               user_data);
}

/**
 * op_pop3_client_uidl_finish:
 *
 * Returns: (transfer full) (element-type OpPop3UidEntry): the entries, or %NULL
 */
OP_SESSION_DEFINE_FINISH_POINTER (OpPop3Client, op_pop3_client, uidl, GPtrArray *)

static void
message_call (OpPop3Client         *self,
              JobKind               kind,
              gpointer              source_tag,
              guint                 number,
              guint                 lines,
              GOutputStream        *output,
              OpProgressFunc        progress,
              gpointer              progress_data,
              GCancellable         *cancellable,
              GAsyncReadyCallback   callback,
              gpointer              user_data)
{
  Job *job = job_new (kind, number);
  GTask *task = op_session_task_new (SESSION (self), source_tag, cancellable, callback,
                                     user_data);

  job->lines = lines;
  job->output = g_object_ref (output);
  if (progress != NULL)
    job->progress = op_progress_new_for_task (task, progress, progress_data);
  job_queue (self, task, job);
}

void
op_pop3_client_retr_async (OpPop3Client         *self,
                           guint                 number,
                           GOutputStream        *output,
                           OpProgressFunc        progress,
                           gpointer              progress_data,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  g_return_if_fail (G_IS_OUTPUT_STREAM (output));
  message_call (self, JOB_RETR, op_pop3_client_retr_async, number, 0, output, progress,
                progress_data, cancellable, callback, user_data);
}

gboolean
op_pop3_client_retr_finish (OpPop3Client  *self,
                            GAsyncResult  *result,
                            guint64       *bytes,
                            GError       **error)
{
  if (!op_session_finish_boolean (SESSION (self), result, op_pop3_client_retr_async, error))
    return FALSE;
  if (bytes != NULL)
    *bytes = ((Job *) op_session_task_get_data (result))->result;
  return TRUE;
}

void
op_pop3_client_top_async (OpPop3Client         *self,
                          guint                 number,
                          guint                 lines,
                          GOutputStream        *output,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  g_return_if_fail (G_IS_OUTPUT_STREAM (output));
  message_call (self, JOB_TOP, op_pop3_client_top_async, number, lines, output, NULL, NULL,
                cancellable, callback, user_data);
}

gboolean
op_pop3_client_top_finish (OpPop3Client  *self,
                           GAsyncResult  *result,
                           guint64       *bytes,
                           GError       **error)
{
  if (!op_session_finish_boolean (SESSION (self), result, op_pop3_client_top_async, error))
    return FALSE;
  if (bytes != NULL)
    *bytes = ((Job *) op_session_task_get_data (result))->result;
  return TRUE;
}

void
op_pop3_client_dele_async (OpPop3Client         *self,
                           guint                 number,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  simple_call (self, JOB_DELE, op_pop3_client_dele_async, number, cancellable, callback,
               user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpPop3Client, op_pop3_client, dele)

void
op_pop3_client_rset_async (OpPop3Client         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  simple_call (self, JOB_RSET, op_pop3_client_rset_async, 0, cancellable, callback,
               user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpPop3Client, op_pop3_client, rset)

void
op_pop3_client_noop_async (OpPop3Client         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  simple_call (self, JOB_NOOP, op_pop3_client_noop_async, 0, cancellable, callback,
               user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpPop3Client, op_pop3_client, noop)

void
op_pop3_client_quit_async (OpPop3Client         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_POP3_CLIENT (self));
  simple_call (self, JOB_QUIT, op_pop3_client_quit_async, 0, cancellable, callback,
               user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpPop3Client, op_pop3_client, quit)
