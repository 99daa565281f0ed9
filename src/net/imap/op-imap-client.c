/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-connection.h"
#include "op-imap-client.h"
#include "op-imap-utf7.h"
#include "op-secret.h"
#include "op-worker.h"

#define DEFAULT_TIMEOUT_SECONDS 30
#define READ_BUFFER_SIZE (64 * 1024)
/* RFC 2177 §3: clients re-issue IDLE at least every 29 minutes. */
#define IDLE_REFRESH_SECONDS (25 * 60)
/* The most messages one command collects (a UID SEARCH line is also bounded by the
 * parser's line limit). */
#define MAX_UIDS (1024 * 1024)
/* The longest UID set that VANISHED (EARLIER) responses may add up to for one command. */
#define MAX_VANISHED_TEXT (16 * 1024 * 1024)
/* A FETCH or SEARCH collects at most one answer per message the folder holds (twice
 * that, for a flag change announced in between), plus this margin, up to MAX_UIDS. */
#define RESPONSE_MARGIN 10000
/* LIST and LSUB: folders in one answer. */
#define MAX_MAILBOXES (64 * 1024)
/* Events the worker queued for the main context and that it has not delivered yet. */
#define MAX_PENDING_EVENTS (64 * 1024)

G_DEFINE_ENUM_TYPE (OpImapState, op_imap_state,
  G_DEFINE_ENUM_VALUE (OP_IMAP_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (OP_IMAP_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (OP_IMAP_STATE_NOT_AUTHENTICATED, "not-authenticated"),
  G_DEFINE_ENUM_VALUE (OP_IMAP_STATE_AUTHENTICATED, "authenticated"),
  G_DEFINE_ENUM_VALUE (OP_IMAP_STATE_SELECTED, "selected"),
  G_DEFINE_ENUM_VALUE (OP_IMAP_STATE_IDLE, "idle"))

struct _OpImapClient
{
  GObject          parent_instance;

  char            *host;
  guint16          port;
  OpImapSecurity   security;
  OpProtocolLog   *log;
  OpWorker        *worker;
  GMainContext    *context;

  /* Settings and IDLE control: any thread, under @lock. */
  GMutex           lock;
  OpTlsVerifier   *verifier;
  guint            timeout;
  gboolean         allow_plaintext;
  GCancellable    *idle_wake;        /* (nullable) cancelled to end IDLE */
  GQueue           pending_events;   /* (element-type Event) waiting for the main context */
  gboolean         delivery_scheduled;

  /* Main-context snapshots. */
  OpImapState      state;
  GStrv            capabilities;
  gboolean         is_tls;

  /* Worker only. */
  OpConnection    *conn;
  OpImapParser    *parser;
  char            *rbuf;
  gsize            rpos, rlen;
  guint            next_tag;
  GHashTable      *w_caps;           /* upper-case capability → itself */
  OpImapState      w_state;
  guint32          w_exists;
  gboolean         w_qresync;        /* ENABLE QRESYNC succeeded (RFC 7162 §3.2.3) */
  gboolean         w_logging_out;
  gboolean         w_idle_waiting;   /* a cancelled read leaves the session intact */
  gboolean         w_quiet_fetch;    /* a bulk FETCH: count responses, log a summary */
  guint            w_n_quiet;
  GError          *w_collect_error;  /* set by a collector: the session ends */
};

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

enum
{
  SIGNAL_EXISTS,
  SIGNAL_EXPUNGED,
  SIGNAL_VANISHED,
  SIGNAL_FLAGS_CHANGED,
  SIGNAL_ALERT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OpImapClient, op_imap_client, G_TYPE_OBJECT)

void
op_imap_select_info_free (OpImapSelectInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_strfreev (info->flags);
  g_strfreev (info->permanent_flags);
  g_free (info->vanished);
  g_clear_pointer (&info->changed, g_ptr_array_unref);
  g_free (info);
}

void
op_imap_mailbox_free (OpImapMailbox *mailbox)
{
  if (mailbox == NULL)
    return;
  op_imap_list_entry_free (mailbox->entry);
  op_imap_mailbox_status_free (mailbox->status);
  g_free (mailbox);
}

/* --- main-context delivery ------------------------------------------------------------ */

typedef struct
{
  OpImapClient *self;
  int           signal;      /* -1: a state update */
  guint         a, b;
  char         *text;
  GStrv         strv;
  OpImapState   state;
  gboolean      is_tls;
} Event;

static void
event_free (Event *e)
{
  g_object_unref (e->self);
  g_free (e->text);
  g_strfreev (e->strv);
  g_free (e);
}

static gboolean
deliver_event (gpointer data)
{
  Event *e = data;
  OpImapClient *self = e->self;

  switch (e->signal)
    {
    case -1:
      g_strfreev (self->capabilities);
      self->capabilities = g_steal_pointer (&e->strv);
      self->is_tls = e->is_tls;
      if (self->state != e->state)
        {
          self->state = e->state;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
        }
      break;
    case SIGNAL_EXISTS:
    case SIGNAL_EXPUNGED:
      g_signal_emit (self, signals[e->signal], 0, e->a);
      break;
    case SIGNAL_VANISHED:
    case SIGNAL_ALERT:
      g_signal_emit (self, signals[e->signal], 0, e->text);
      break;
    case SIGNAL_FLAGS_CHANGED:
      g_signal_emit (self, signals[e->signal], 0, e->a, e->b, e->strv);
      break;
    default:
      g_assert_not_reached ();
    }
  return G_SOURCE_REMOVE;
}

/* Main context: everything queued so far, in order, from one idle source. */
static gboolean
deliver_events (gpointer data)
{
  OpImapClient *self = data;
  GQueue events;
  Event *e;

  g_mutex_lock (&self->lock);
  events = self->pending_events;
  g_queue_init (&self->pending_events);
  self->delivery_scheduled = FALSE;
  g_mutex_unlock (&self->lock);
  while ((e = g_queue_pop_head (&events)) != NULL)
    {
      deliver_event (e);
      event_free (e);
    }
  return G_SOURCE_REMOVE;
}

/* Queues @e (transfer full) for the main context. Events that only update a value
 * replace the same kind of event still waiting at the end of the queue (a burst of
 * EXISTS, state updates, the flags of one message), so a flood during IDLE neither
 * attaches one source per response nor grows without bound. FALSE (and @e freed)
 * when the queue is full and @droppable. */
static gboolean
post_event_full (OpImapClient *self,
                 Event        *e,
                 gboolean      droppable)
{
  Event *tail;
  gboolean schedule = FALSE;

  e->self = g_object_ref (self);
  g_mutex_lock (&self->lock);
  tail = g_queue_peek_tail (&self->pending_events);
  if (tail != NULL && tail->signal == e->signal &&
      (e->signal == -1 || e->signal == SIGNAL_EXISTS ||
       (e->signal == SIGNAL_FLAGS_CHANGED && tail->a == e->a && tail->b == e->b)))
    {
      g_queue_pop_tail (&self->pending_events);
      event_free (tail);
    }
  else if (droppable && self->pending_events.length >= MAX_PENDING_EVENTS)
    {
      g_mutex_unlock (&self->lock);
      event_free (e);
      return FALSE;
    }
  g_queue_push_tail (&self->pending_events, e);
  if (!self->delivery_scheduled)
    {
      self->delivery_scheduled = TRUE;
      schedule = TRUE;
    }
  g_mutex_unlock (&self->lock);

  if (schedule)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, deliver_events, g_object_ref (self), g_object_unref);
      g_source_set_static_name (source, "[outpost] imap events");
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
  return TRUE;
}

static void
post_event (OpImapClient *self,
            Event        *e)
{
  post_event_full (self, e, FALSE);
}

static GStrv
caps_to_strv (GHashTable *caps)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer key;

  if (caps != NULL)
    {
      g_hash_table_iter_init (&iter, caps);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_strv_builder_add (b, key);
    }
  return g_strv_builder_end (b);
}

/* Worker: every state change goes through here (STYLE.md). */
static void
set_state (OpImapClient *self,
           OpImapState   state)
{
  Event *e = g_new0 (Event, 1);

  if (self->w_state != state)
    g_debug ("imap %s: state %d → %d", self->host, self->w_state, state);
  self->w_state = state;
  e->signal = -1;
  e->state = state;
  e->strv = caps_to_strv (self->w_caps);
  e->is_tls = self->conn != NULL && op_connection_is_tls (self->conn);
  post_event (self, e);
}

/* --- GObject ---------------------------------------------------------------------------- */

static void
op_imap_client_dispose (GObject *object)
{
  OpImapClient *self = OP_IMAP_CLIENT (object);

  if (self->worker != NULL)
    {
      op_imap_client_idle_stop (self);
      op_worker_shutdown (self->worker);
    }
  g_clear_object (&self->worker);

  G_OBJECT_CLASS (op_imap_client_parent_class)->dispose (object);
}

static void
op_imap_client_finalize (GObject *object)
{
  OpImapClient *self = OP_IMAP_CLIENT (object);

  if (self->conn != NULL)
    op_connection_close (self->conn, NULL, NULL);
  g_clear_object (&self->conn);
  g_clear_pointer (&self->parser, op_imap_parser_free);
  g_free (self->rbuf);
  g_clear_pointer (&self->w_caps, g_hash_table_unref);
  g_strfreev (self->capabilities);
  g_clear_object (&self->verifier);
  g_clear_object (&self->idle_wake);
  g_queue_clear_full (&self->pending_events, (GDestroyNotify) event_free);
  g_clear_error (&self->w_collect_error);
  g_clear_object (&self->log);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->host);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (op_imap_client_parent_class)->finalize (object);
}

static void
op_imap_client_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  OpImapClient *self = OP_IMAP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_imap_client_class_init (OpImapClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = op_imap_client_dispose;
  object_class->finalize = op_imap_client_finalize;
  object_class->get_property = op_imap_client_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       op_imap_state_get_type (), OP_IMAP_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_EXISTS] =
    g_signal_new ("exists", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_EXPUNGED] =
    g_signal_new ("expunged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_VANISHED] =
    g_signal_new ("vanished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_FLAGS_CHANGED] =
    g_signal_new ("flags-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_STRV);
  signals[SIGNAL_ALERT] =
    g_signal_new ("alert", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
op_imap_client_init (OpImapClient *self)
{
  g_mutex_init (&self->lock);
  self->timeout = DEFAULT_TIMEOUT_SECONDS;
  self->log = op_protocol_log_new ();
  self->context = g_main_context_ref_thread_default ();
  self->rbuf = g_malloc (READ_BUFFER_SIZE);
}

OpImapClient *
op_imap_client_new (const char     *host,
                    guint16         port,
                    OpImapSecurity  security)
{
  OpImapClient *self;
  g_autofree char *name = NULL;

  g_return_val_if_fail (host != NULL && *host != '\0', NULL);

  self = g_object_new (OP_TYPE_IMAP_CLIENT, NULL);
  self->host = g_strdup (host);
  self->port = port != 0 ? port : (security == OP_IMAP_SECURITY_IMPLICIT_TLS ? 993 : 143);
  self->security = security;
  name = g_strdup_printf ("imap %s", host);
  self->worker = op_worker_new (name);
  return self;
}

void
op_imap_client_set_verifier (OpImapClient  *self,
                             OpTlsVerifier *verifier)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_mutex_lock (&self->lock);
  g_set_object (&self->verifier, verifier);
  g_mutex_unlock (&self->lock);
}

void
op_imap_client_set_timeout (OpImapClient *self,
                            guint         seconds)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_mutex_lock (&self->lock);
  self->timeout = seconds;
  g_mutex_unlock (&self->lock);
}

void
op_imap_client_set_allow_plaintext_password (OpImapClient *self,
                                             gboolean      allow)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_mutex_lock (&self->lock);
  self->allow_plaintext = allow;
  g_mutex_unlock (&self->lock);
}

OpProtocolLog *
op_imap_client_get_log (OpImapClient *self)
{
  g_return_val_if_fail (OP_IS_IMAP_CLIENT (self), NULL);
  return self->log;
}

OpImapState
op_imap_client_get_state (OpImapClient *self)
{
  g_return_val_if_fail (OP_IS_IMAP_CLIENT (self), OP_IMAP_STATE_DISCONNECTED);
  return self->state;
}

gboolean
op_imap_client_is_tls (OpImapClient *self)
{
  g_return_val_if_fail (OP_IS_IMAP_CLIENT (self), FALSE);
  return self->is_tls;
}

gboolean
op_imap_client_has_capability (OpImapClient *self,
                               const char   *name)
{
  g_return_val_if_fail (OP_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; self->capabilities != NULL && self->capabilities[i] != NULL; i++)
    if (g_ascii_strcasecmp (self->capabilities[i], name) == 0)
      return TRUE;
  return FALSE;
}

GStrv
op_imap_client_dup_capabilities (OpImapClient *self)
{
  g_return_val_if_fail (OP_IS_IMAP_CLIENT (self), NULL);
  return g_strdupv (self->capabilities);
}

/* --- the connection (worker) ----------------------------------------------------------- */

static gboolean
has_cap (OpImapClient *self,
         const char   *name)
{
  return self->w_caps != NULL && g_hash_table_contains (self->w_caps, name);
}

static void
set_caps (OpImapClient *self,
          char        **caps)
{
  g_clear_pointer (&self->w_caps, g_hash_table_unref);
  self->w_caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; caps != NULL && caps[i] != NULL; i++)
    g_hash_table_add (self->w_caps, g_ascii_strup (caps[i], -1));
}

static gboolean
is_connected (OpImapClient *self)
{
  return self->conn != NULL && !op_connection_is_closed (self->conn);
}

static void
drop_connection (OpImapClient *self)
{
  if (self->conn != NULL)
    {
      op_connection_close (self->conn, NULL, NULL);
      g_clear_object (&self->conn);
    }
  g_clear_pointer (&self->parser, op_imap_parser_free);
  self->rpos = self->rlen = 0;
  g_clear_pointer (&self->w_caps, g_hash_table_unref);
  self->w_exists = 0;
  self->w_qresync = FALSE;
  set_state (self, OP_IMAP_STATE_DISCONNECTED);
}

/* The session is over: the error says why (cancellation stays silent). */
static void
session_failed (OpImapClient  *self,
                GError        *cause,
                GError       **error)
{
  drop_connection (self);
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      cause->domain == OP_IMAP_ERROR || cause->domain == OP_CONNECTION_ERROR)
    {
      g_propagate_error (error, cause);
      return;
    }
  g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_CONNECTION_LOST,
               _("The connection to the server was lost: %s"), cause->message);
  g_error_free (cause);
}

static gboolean
not_connected (GError **error)
{
  g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NOT_CONNECTED,
                       _("Not connected to the server."));
  return FALSE;
}

/* FALSE when the main context is too far behind (see MAX_PENDING_EVENTS). */
static gboolean
post_untagged_events (OpImapClient   *self,
                      OpImapResponse *r)
{
  Event *e;

  if (r->kind == OP_IMAP_RESPONSE_STATUS && r->code != NULL &&
      r->code->kind == OP_IMAP_CODE_ALERT)
    {
      e = g_new0 (Event, 1);
      e->signal = SIGNAL_ALERT;
      e->text = g_utf8_make_valid (r->text, -1);
      return post_event_full (self, e, TRUE);
    }
  if (r->kind != OP_IMAP_RESPONSE_DATA)
    return TRUE;
  switch (r->data)
    {
    case OP_IMAP_DATA_EXISTS:
      e = g_new0 (Event, 1);
      e->signal = SIGNAL_EXISTS;
      e->a = r->number;
      return post_event_full (self, e, TRUE);
    case OP_IMAP_DATA_EXPUNGE:
      e = g_new0 (Event, 1);
      e->signal = SIGNAL_EXPUNGED;
      e->a = r->number;
      return post_event_full (self, e, TRUE);
    case OP_IMAP_DATA_VANISHED:
      if (!r->vanished_earlier)
        {
          e = g_new0 (Event, 1);
          e->signal = SIGNAL_VANISHED;
          e->text = g_strdup (r->set);
          return post_event_full (self, e, TRUE);
        }
      break;
    case OP_IMAP_DATA_FETCH:
      if (r->fetch->items & OP_IMAP_FETCH_FLAGS)
        {
          e = g_new0 (Event, 1);
          e->signal = SIGNAL_FLAGS_CHANGED;
          e->a = r->fetch->seq;
          e->b = r->fetch->uid;
          e->strv = g_strdupv (r->fetch->flags);
          return post_event_full (self, e, TRUE);
        }
      break;
    default:
      break;
    }
  return TRUE;
}

/* How many UIDs a set of numbers and ranges ("41,43:116") names; sets with anything
 * else (never sent in VANISHED) count 0. */
static guint64
uid_set_count (const char *set)
{
  guint64 count = 0;
  const char *p = set;

  while (p != NULL && *p != '\0')
    {
      char *end;
      guint64 a = g_ascii_strtoull (p, &end, 10), b = a;

      if (end == p)
        return 0;
      p = end;
      if (*p == ':')
        {
          b = g_ascii_strtoull (++p, &end, 10);
          if (end == p)
            return 0;
          p = end;
        }
      count += (a > b ? a - b : b - a) + 1;
      if (*p == ',')
        p++;
      else if (*p != '\0')
        return 0;
    }
  return count;
}

/* What every untagged response changes, whoever asked for it. */
static void
note_untagged (OpImapClient   *self,
               OpImapResponse *r)
{
  if (r->code != NULL && r->code->kind == OP_IMAP_CODE_CAPABILITY)
    set_caps (self, r->code->list);
  if (r->kind == OP_IMAP_RESPONSE_DATA)
    {
      if (r->data == OP_IMAP_DATA_CAPABILITY)
        set_caps (self, r->strv);
      else if (r->data == OP_IMAP_DATA_EXISTS)
        self->w_exists = r->number;
      else if (r->data == OP_IMAP_DATA_EXPUNGE && self->w_exists > 0)
        self->w_exists--;
      else if (r->data == OP_IMAP_DATA_VANISHED && !r->vanished_earlier)
        {
          /* RFC 7162 §3.2.10: with QRESYNC, VANISHED replaces EXPUNGE. */
          guint64 gone = uid_set_count (r->set);

          self->w_exists = gone >= self->w_exists ? 0 : self->w_exists - (guint32) gone;
        }
    }
}

/* The next response, reading as needed. */
static OpImapResponse *
read_response (OpImapClient  *self,
               GCancellable  *cancellable,
               GError       **error)
{
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      OpImapResponse *r = NULL;
      gssize n;

      if (!is_connected (self))
        {
          not_connected (error);
          return NULL;
        }
      if (self->rpos < self->rlen)
        {
          n = op_imap_parser_feed (self->parser, self->rbuf + self->rpos,
                                   self->rlen - self->rpos, &r, &local_error);
          if (n < 0)
            {
              session_failed (self, g_steal_pointer (&local_error), error);
              return NULL;
            }
          self->rpos += n;
          if (r != NULL)
            {
              if (self->w_quiet_fetch && r->kind == OP_IMAP_RESPONSE_DATA &&
                  r->data == OP_IMAP_DATA_FETCH)
                self->w_n_quiet++;
              else if (op_connection_get_log (self->conn) != NULL)
                {
                  /* The log shows each response in short: its tag, status or name,
                   * its code and text (data values are not repeated). */
                  static const char *status[] = { "OK", "NO", "BAD", "BYE", "PREAUTH" };
                  g_autoptr(GString) line = g_string_new (NULL);

                  if (r->kind == OP_IMAP_RESPONSE_CONTINUATION)
                    g_string_append (line, "+");
                  else if (r->kind == OP_IMAP_RESPONSE_TAGGED)
                    g_string_append_printf (line, "%s %s", r->tag, status[r->status]);
                  else if (r->kind == OP_IMAP_RESPONSE_STATUS)
                    g_string_append_printf (line, "* %s", status[r->status]);
                  else if (r->number > 0 || r->data == OP_IMAP_DATA_EXISTS)
                    g_string_append_printf (line, "* %u %s", r->number, r->name);
                  else
                    g_string_append_printf (line, "* %s …", r->name);
                  if (r->code != NULL)
                    g_string_append_printf (line, " [%s%s%s]", r->code->name,
                                            r->code->raw != NULL ? " " : "",
                                            r->code->raw != NULL ? r->code->raw : "");
                  if (r->text != NULL && *r->text != '\0')
                    g_string_append_printf (line, " %s", r->text);
                  op_protocol_log_append_received (op_connection_get_log (self->conn),
                                                   line->str, line->len);
                }
              return r;
            }
          continue;
        }
      self->rpos = self->rlen = 0;
      n = op_connection_read (self->conn, self->rbuf, READ_BUFFER_SIZE, cancellable,
                              &local_error);
      if (n < 0)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
              self->w_idle_waiting)
            {
              /* Only IDLE's wait can stop between responses and go on with DONE. */
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          /* Cancelled mid-command, the server's answer would arrive later and out of
           * step: the session ends here, clearly (DESIGN.md "Sessions and threads"). */
          session_failed (self, g_steal_pointer (&local_error), error);
          return NULL;
        }
      if (n == 0)
        {
          session_failed (self, g_error_new_literal (OP_IMAP_ERROR, OP_IMAP_ERROR_CONNECTION_LOST,
                                                     _("The server closed the connection.")),
                          error);
          return NULL;
        }
      self->rlen = n;
    }
}

/* --- commands ------------------------------------------------------------------------ */

/* Secrets are overwritten before their memory goes back to the allocator
 * (op_secret_wipe(): a plain memset before free may be optimised away). */
static void
wipe_string (char *s)
{
  if (s != NULL)
    op_secret_wipe (s, strlen (s));
}

static void
wipe_bytes (GBytes *bytes)
{
  gsize size;
  gpointer data = (gpointer) g_bytes_get_data (bytes, &size);

  /* Only for GBytes the command made itself (it owns the copy). */
  if (data != NULL && size > 0)
    op_secret_wipe (data, size);
}

typedef char SecretText;

static void
secret_text_free (SecretText *s)
{
  wipe_string (s);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SecretText, secret_text_free)

typedef struct
{
  GString   *text;       /* the line being built */
  GPtrArray *parts;      /* (element-type GBytes): line, literal, line, literal, …, line */
  gboolean   secret;     /* LOGIN, AUTHENTICATE: every part after the first is logged
                          * masked, and every buffer is wiped when the command is
                          * cleared */
  gboolean   bad;
  gboolean   after_literal;
} Cmd;

static void
cmd_init (Cmd *c)
{
  c->text = g_string_new (NULL);
  c->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  c->secret = FALSE;
  c->bad = FALSE;
  c->after_literal = FALSE;
}

/* A command that will hold a secret: its line is allocated once, large enough for
 * @reserve bytes, so that growing it leaves no copy of the secret behind. */
static void
cmd_init_secret (Cmd   *c,
                 gsize  reserve)
{
  cmd_init (c);
  g_string_free (c->text, TRUE);
  c->text = g_string_sized_new (reserve);
  c->secret = TRUE;
}

static void
cmd_clear (Cmd *c)
{
  if (c->secret)
    {
      if (c->text != NULL)
        op_secret_wipe (c->text->str, c->text->allocated_len);
      for (guint i = 0; c->parts != NULL && i < c->parts->len; i++)
        wipe_bytes (c->parts->pdata[i]);
    }
  if (c->text != NULL)
    g_string_free (c->text, TRUE);
  g_clear_pointer (&c->parts, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Cmd, cmd_clear)

/* A space before the next argument, unless it opens a list or starts the command. */
static void
cmd_separate (Cmd *c)
{
  if (c->text->len == 0 ? c->after_literal
      : (c->text->str[c->text->len - 1] != ' ' && c->text->str[c->text->len - 1] != '('))
    g_string_append_c (c->text, ' ');
}

static void
cmd_add (Cmd        *c,
         const char *text)
{
  cmd_separate (c);
  g_string_append (c->text, text);
}

static void
cmd_literal (Cmd          *c,
             OpImapClient *self,
             const void   *data,
             gsize         length)
{
  gsize reserve = c->text->allocated_len;

  /* RFC 7888 LITERAL+: no wait for the continuation request. */
  g_string_append_printf (c->text, "{%" G_GSIZE_FORMAT "%s}", length,
                          has_cap (self, "LITERAL+") ? "+" : "");

  g_ptr_array_add (c->parts, g_string_free_to_bytes (c->text));
  /* A secret command's next line is sized like the first, so it never grows. */
  c->text = c->secret ? g_string_sized_new (reserve) : g_string_new (NULL);
  g_ptr_array_add (c->parts, g_bytes_new (data, length));
  c->after_literal = TRUE;
}

/* An astring argument: a quoted string, or a literal for 8-bit and control bytes.
 * CR, LF and NUL are refused (the whole command then fails before anything is sent). */
static void
cmd_string (Cmd          *c,
            OpImapClient *self,
            const char   *s,
            gsize         length)
{
  gboolean literal = FALSE;

  cmd_separate (c);
  for (gsize i = 0; i < length; i++)
    {
      guchar ch = s[i];

      if (ch == '\r' || ch == '\n' || ch == '\0')
        {
          c->bad = TRUE;
          return;
        }
      if (ch >= 0x80 || ch < 0x20 || ch == 0x7f)
        literal = TRUE;
    }
  if (literal)
    {
      cmd_literal (c, self, s, length);
      return;
    }
  g_string_append_c (c->text, '"');
  for (gsize i = 0; i < length; i++)
    {
      if (s[i] == '"' || s[i] == '\\')
        g_string_append_c (c->text, '\\');
      g_string_append_c (c->text, s[i]);
    }
  g_string_append_c (c->text, '"');
}

/* A mailbox name: UTF-8 → modified UTF-7, then as a string. */
static gboolean
cmd_mailbox (Cmd           *c,
             OpImapClient  *self,
             const char    *name,
             GError       **error)
{
  g_autofree char *wire = NULL;

  if (name == NULL || *name == '\0')
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                           _("The folder name is empty."));
      return FALSE;
    }
  if (g_ascii_strcasecmp (name, "INBOX") == 0)
    wire = g_strdup ("INBOX");
  else
    wire = op_imap_utf7_encode (name, error);
  if (wire == NULL)
    return FALSE;
  cmd_string (c, self, wire, strlen (wire));
  return TRUE;
}

static gboolean
check_atom (const char  *text,
            gboolean     allow_brackets,
            GError     **error)
{
  if (text == NULL || *text == '\0')
    goto bad;
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar ch = *p;

      if (ch <= 0x20 || ch >= 0x7f || ch == '(' || ch == ')' || ch == '{' || ch == '"' ||
          ((ch == '[' || ch == ']') && !allow_brackets))
        goto bad;
    }
  return TRUE;

bad:
  g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
               _("“%s” cannot be sent to the server."), text != NULL ? text : "");
  return FALSE;
}

static gboolean
check_uid_set (const char  *set,
               GError     **error)
{
  if (set != NULL && *set != '\0' && strspn (set, "0123456789:,*") == strlen (set))
    return TRUE;
  g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
               _("“%s” is not a valid set of message numbers."), set != NULL ? set : "");
  return FALSE;
}

typedef gboolean (*Collect) (OpImapClient   *self,
                             OpImapResponse *r,
                             gpointer        data);

/* Handles an untagged response during a command: the command's collector first, then
 * the client's events. A BYE ends the session unless we are logging out. */
static gboolean
dispatch_untagged (OpImapClient    *self,
                   OpImapResponse  *r,
                   Collect          collect,
                   gpointer         data,
                   GError         **error)
{
  note_untagged (self, r);
  if (r->kind == OP_IMAP_RESPONSE_STATUS && r->status == OP_IMAP_STATUS_BYE &&
      !self->w_logging_out)
    {
      g_autofree char *text = g_utf8_make_valid (r->text, -1);

      session_failed (self, g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_CONNECTION_LOST,
                                         _("The server ended the session: “%s”"), text),
                      error);
      return FALSE;
    }
  if ((collect == NULL || !collect (self, r, data)) && !post_untagged_events (self, r))
    {
      session_failed (self, g_error_new_literal (OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                                                 _("The server sent more notifications than "
                                                   "can be handled, so the connection was "
                                                   "closed.")),
                      error);
      return FALSE;
    }
  if (self->w_collect_error != NULL)
    {
      session_failed (self, g_steal_pointer (&self->w_collect_error), error);
      return FALSE;
    }
  return TRUE;
}

/* A collector about to hold @count items of one kind, at most @limit: past it, the
 * session ends (the server floods), through dispatch_untagged. */
static gboolean
within_limit (OpImapClient *self,
              guint         count,
              guint         limit,
              const char   *what)
{
  if (count <= limit)
    return TRUE;
  if (self->w_collect_error == NULL)
    self->w_collect_error = g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                                         _("The server sent more %s data than one command "
                                           "can receive (%u), so the connection was closed."),
                                         what, limit);
  return FALSE;
}

/* How many answers a FETCH or SEARCH may collect. */
static guint
message_limit (OpImapClient *self)
{
  return (guint) MIN ((guint64) MAX_UIDS, 2 * (guint64) self->w_exists + RESPONSE_MARGIN);
}

/* A tagged response to no command of ours: the session is out of step. */
static void
unexpected_tag (OpImapClient  *self,
                GError       **error)
{
  session_failed (self, g_error_new_literal (OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                                             _("The server answered a command that was "
                                               "not sent.")),
                  error);
}

static gboolean
send_text (OpImapClient  *self,
           GBytes        *line,
           OpSendFlags    flags,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (line, &size);

  if (size == 0)
    {
      /* The end of a command whose last argument was a literal. */
      if (op_connection_write_all (self->conn, "\r\n", 2, cancellable, &local_error))
        return TRUE;
    }
  else if (op_connection_send_command_len (self->conn, data, NULL, -1, flags, cancellable,
                                           &local_error))
    return TRUE;
  if (g_error_matches (local_error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_BAD_ARGUMENT))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                           _("An argument contains a line break or a NUL character and "
                             "cannot be sent."));
      return FALSE;
    }
  session_failed (self, g_steal_pointer (&local_error), error);
  return FALSE;
}

/* Sends @c (with literals: waiting for each continuation unless LITERAL+) and reads up
 * to its tagged response, which is returned whatever its status. */
static OpImapResponse *
run_command (OpImapClient  *self,
             Cmd           *c,
             Collect        collect,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree char *tag = NULL;
  g_autoptr(GBytes) last = NULL;

  if (!is_connected (self))
    {
      not_connected (error);
      return NULL;
    }
  if (c->bad)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                           _("An argument contains a line break or a NUL character and "
                             "cannot be sent."));
      return NULL;
    }
  tag = g_strdup_printf ("a%u", ++self->next_tag);
  g_ptr_array_add (c->parts, g_string_free_to_bytes (g_steal_pointer (&c->text)));
  c->text = g_string_new (NULL);
  {
    /* The tag goes in front of the first part. */
    GBytes *first = c->parts->pdata[0];
    g_autoptr(GString) s = g_string_sized_new (strlen (tag) + 1 + g_bytes_get_size (first));

    g_string_append (s, tag);
    g_string_append_c (s, ' ');
    g_string_append_len (s, g_bytes_get_data (first, NULL), g_bytes_get_size (first));
    g_ptr_array_index (c->parts, 0) = g_string_free_to_bytes (g_steal_pointer (&s));
    if (c->secret)
      wipe_bytes (first);
    g_bytes_unref (first);
  }

  for (guint i = 0; i < c->parts->len; i += 2)
    {
      GBytes *line = c->parts->pdata[i];
      OpSendFlags flags = i > 0 && c->secret ? OP_SEND_SECRET_LINE : OP_SEND_PLAIN;
      gsize size;
      const char *text = g_bytes_get_data (line, &size);

      if (i + 1 < c->parts->len)
        {
          /* A line ending in a literal header, then the literal. */
          GBytes *lit = c->parts->pdata[i + 1];
          g_autoptr(GError) local_error = NULL;
          gboolean plus = size >= 2 && text[size - 2] == '+';

          if (!send_text (self, line, flags, cancellable, error))
            return NULL;
          while (!plus)
            {
              g_autoptr(OpImapResponse) r = read_response (self, cancellable, error);

              if (r == NULL)
                return NULL;
              if (r->kind == OP_IMAP_RESPONSE_CONTINUATION)
                break;
              if (r->kind == OP_IMAP_RESPONSE_TAGGED)
                {
                  if (g_strcmp0 (r->tag, tag) == 0)
                    return g_steal_pointer (&r);   /* refused before the literal */
                  unexpected_tag (self, error);
                  return NULL;
                }
              if (!dispatch_untagged (self, r, collect, data, error))
                return NULL;
            }
          if (!op_connection_write_all (self->conn, g_bytes_get_data (lit, NULL),
                                        g_bytes_get_size (lit), cancellable, &local_error))
            {
              session_failed (self, g_steal_pointer (&local_error), error);
              return NULL;
            }
        }
      else if (!send_text (self, line, flags, cancellable, error))
        return NULL;
    }

  for (;;)
    {
      g_autoptr(OpImapResponse) r = read_response (self, cancellable, error);

      if (r == NULL)
        return NULL;
      if (r->kind == OP_IMAP_RESPONSE_TAGGED)
        {
          if (g_strcmp0 (r->tag, tag) != 0)
            {
              unexpected_tag (self, error);
              return NULL;
            }
          if (r->code != NULL && r->code->kind == OP_IMAP_CODE_CAPABILITY)
            set_caps (self, r->code->list);
          return g_steal_pointer (&r);
        }
      if (r->kind == OP_IMAP_RESPONSE_CONTINUATION)
        {
          session_failed (self, g_error_new_literal (OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                                                     _("The server asked for data that was not announced.")),
                          error);
          return NULL;
        }
      if (!dispatch_untagged (self, r, collect, data, error))
        return NULL;
    }
}

/* A command that must end in OK; @verb names it in errors. */
static OpImapResponse *
command_ok (OpImapClient       *self,
            Cmd                *c,
            const char         *verb,
            OpImapCommandKind   kind,
            Collect             collect,
            gpointer            data,
            GCancellable       *cancellable,
            GError            **error)
{
  OpImapResponse *r = run_command (self, c, collect, data, cancellable, error);

  if (r == NULL)
    return NULL;
  if (r->status == OP_IMAP_STATUS_OK)
    return r;
  g_propagate_error (error, op_imap_error_from_response (r, verb, kind));
  op_imap_response_free (r);
  return NULL;
}

static gboolean
simple_command (OpImapClient       *self,
                const char         *text,
                OpImapCommandKind   kind,
                GCancellable       *cancellable,
                GError            **error)
{
  g_auto(Cmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;

  cmd_init (&c);
  cmd_add (&c, text);
  r = command_ok (self, &c, text, kind, NULL, NULL, cancellable, error);
  return r != NULL;
}

static gboolean
need_state (OpImapClient  *self,
            OpImapState    at_least,
            GError       **error)
{
  if (!is_connected (self))
    return not_connected (error);
  if (at_least == OP_IMAP_STATE_SELECTED && self->w_state != OP_IMAP_STATE_SELECTED)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NO_MAILBOX,
                           _("No folder is open."));
      return FALSE;
    }
  if (at_least == OP_IMAP_STATE_AUTHENTICATED &&
      self->w_state != OP_IMAP_STATE_AUTHENTICATED && self->w_state != OP_IMAP_STATE_SELECTED)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NOT_CONNECTED,
                           _("Not logged in to the server."));
      return FALSE;
    }
  return TRUE;
}

/* --- connecting and logging in ----------------------------------------------------------- */

static gboolean
ask_capabilities (OpImapClient  *self,
                  GCancellable  *cancellable,
                  GError       **error)
{
  return simple_command (self, "CAPABILITY", OP_IMAP_COMMAND_OTHER, cancellable, error);
}

static gboolean
do_connect (OpImapClient  *self,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(OpTlsVerifier) verifier = NULL;
  g_autoptr(OpImapResponse) greeting = NULL;
  g_autoptr(GError) local_error = NULL;
  guint timeout;
  gboolean preauth;

  if (is_connected (self))
    return TRUE;
  g_mutex_lock (&self->lock);
  verifier = self->verifier != NULL ? g_object_ref (self->verifier) : NULL;
  timeout = self->timeout;
  g_mutex_unlock (&self->lock);

  drop_connection (self);
  set_state (self, OP_IMAP_STATE_CONNECTING);
  self->conn = op_connection_connect (self->host, self->port,
                                      self->security == OP_IMAP_SECURITY_IMPLICIT_TLS,
                                      timeout, verifier, self->log, cancellable, &local_error);
  if (self->conn == NULL)
    {
      set_state (self, OP_IMAP_STATE_DISCONNECTED);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  self->parser = op_imap_parser_new ();
  self->w_logging_out = FALSE;

  greeting = read_response (self, cancellable, error);
  if (greeting == NULL)
    return FALSE;
  if (greeting->kind != OP_IMAP_RESPONSE_STATUS ||
      (greeting->status != OP_IMAP_STATUS_OK && greeting->status != OP_IMAP_STATUS_PREAUTH &&
       greeting->status != OP_IMAP_STATUS_BYE))
    {
      session_failed (self, g_error_new_literal (OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                                                 _("The server did not greet as an IMAP server does.")),
                      error);
      return FALSE;
    }
  if (greeting->status == OP_IMAP_STATUS_BYE)
    {
      g_autofree char *text = g_utf8_make_valid (greeting->text, -1);

      session_failed (self, g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_CONNECTION_LOST,
                                         _("The server refused the connection: “%s”"), text),
                      error);
      return FALSE;
    }
  preauth = greeting->status == OP_IMAP_STATUS_PREAUTH;
  if (preauth && self->security == OP_IMAP_SECURITY_STARTTLS)
    {
      /* RFC 3501 §11.1: a PREAUTH connection can never be upgraded, so TLS is lost. */
      session_failed (self, g_error_new_literal (OP_IMAP_ERROR, OP_IMAP_ERROR_PREAUTH_REFUSED,
                                                 _("The server logged in without encryption "
                                                   "(PREAUTH) although TLS is required, so the "
                                                   "connection was closed.")),
                      error);
      return FALSE;
    }
  if (greeting->code != NULL && greeting->code->kind == OP_IMAP_CODE_CAPABILITY)
    set_caps (self, greeting->code->list);
  else if (!ask_capabilities (self, cancellable, error))
    return FALSE;

  if (self->security == OP_IMAP_SECURITY_STARTTLS)
    {
      g_auto(Cmd) c = { 0 };
      g_autoptr(OpImapResponse) r = NULL;

      if (!has_cap (self, "STARTTLS"))
        {
          session_failed (self, g_error_new_literal (OP_IMAP_ERROR, OP_IMAP_ERROR_TLS_REFUSED,
                                                     _("The server does not offer STARTTLS, "
                                                       "which this account requires; nothing "
                                                       "secret was sent.")),
                          error);
          return FALSE;
        }
      cmd_init (&c);
      cmd_add (&c, "STARTTLS");
      r = run_command (self, &c, NULL, NULL, cancellable, error);
      if (r == NULL)
        return FALSE;
      if (r->status != OP_IMAP_STATUS_OK)
        {
          session_failed (self, op_imap_error_from_response (r, "STARTTLS", OP_IMAP_COMMAND_TLS),
                          error);
          return FALSE;
        }
      /* Bytes that came with the go-ahead are an injection (our buffer here; the
       * connection checks its own and the socket's). */
      if (self->rpos < self->rlen || !op_imap_parser_is_idle (self->parser))
        {
          self->rpos = self->rlen = 0;
          session_failed (self, g_error_new (OP_CONNECTION_ERROR,
                                             OP_CONNECTION_ERROR_STARTTLS_INJECTION,
                                             _("%s:%u sent data after agreeing to start TLS and "
                                               "before the secure connection began. This may be "
                                               "an attack injecting responses, so the connection "
                                               "was closed."),
                                             self->host, self->port),
                          error);
          return FALSE;
        }
      if (!op_connection_start_tls (self->conn, cancellable, &local_error))
        {
          session_failed (self, g_steal_pointer (&local_error), error);
          return FALSE;
        }
      /* RFC 3501 §6.2.1: forget what was learnt before TLS and ask again. */
      g_clear_pointer (&self->w_caps, g_hash_table_unref);
      if (!ask_capabilities (self, cancellable, error))
        return FALSE;
    }
  set_state (self, preauth ? OP_IMAP_STATE_AUTHENTICATED : OP_IMAP_STATE_NOT_AUTHENTICATED);
  return TRUE;
}

static gboolean
do_login (OpImapClient      *self,
          const char        *user,
          const char        *password,
          OpImapAuthMethod   method,
          GCancellable      *cancellable,
          GError           **error)
{
  g_autoptr(OpImapResponse) r = NULL;
  gboolean allow_plaintext;
  gboolean use_plain;

  if (!is_connected (self))
    return not_connected (error);
  if (self->w_state == OP_IMAP_STATE_AUTHENTICATED || self->w_state == OP_IMAP_STATE_SELECTED)
    return TRUE;
  if (strpbrk (user, "\r\n") != NULL || strpbrk (password, "\r\n") != NULL)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                           _("The user name or password contains a line break."));
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  allow_plaintext = self->allow_plaintext;
  g_mutex_unlock (&self->lock);
  if (!op_connection_is_tls (self->conn) && !allow_plaintext)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_PLAINTEXT_REFUSED,
                           _("The connection is not encrypted and this account does not allow "
                             "sending the password in plain text; nothing was sent."));
      return FALSE;
    }

  use_plain = method == OP_IMAP_AUTH_PLAIN ||
              (method == OP_IMAP_AUTH_AUTO && has_cap (self, "AUTH=PLAIN"));
  if (!use_plain && has_cap (self, "LOGINDISABLED"))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_LOGIN_DISABLED,
                           _("The server does not accept a password with LOGIN here "
                             "(LOGINDISABLED); nothing was sent."));
      return FALSE;
    }

  if (use_plain)
    {
      /* RFC 4616: authzid NUL authcid NUL passwd, in base64; RFC 4959 SASL-IR. */
      g_autoptr(GString) blob = g_string_sized_new (strlen (user) + strlen (password) + 2);
      g_autoptr(SecretText) b64 = NULL;
      g_auto(Cmd) c = { 0 };

      g_string_append_c (blob, '\0');
      g_string_append (blob, user);
      g_string_append_c (blob, '\0');
      g_string_append (blob, password);
      b64 = g_base64_encode ((const guchar *) blob->str, blob->len);
      op_secret_wipe (blob->str, blob->allocated_len);
      cmd_init_secret (&c, strlen ("AUTHENTICATE PLAIN ") + strlen (b64) + 1);
      if (has_cap (self, "SASL-IR"))
        {
          cmd_add (&c, "AUTHENTICATE PLAIN");
          cmd_add (&c, b64);
          r = run_command (self, &c, NULL, NULL, cancellable, error);
        }
      else
        {
          g_autofree char *tag = g_strdup_printf ("a%u", ++self->next_tag);
          g_autofree char *verb = g_strdup_printf ("%s AUTHENTICATE", tag);
          g_autoptr(GError) local_error = NULL;
          gboolean sent = FALSE;
          gboolean asked_again = FALSE;

          if (!op_connection_send_command (self->conn, verb, "PLAIN", OP_SEND_PLAIN,
                                           cancellable, &local_error))
            {
              session_failed (self, g_steal_pointer (&local_error), error);
              return FALSE;
            }
          for (;;)
            {
              r = read_response (self, cancellable, error);
              if (r == NULL)
                return FALSE;
              if (r->kind == OP_IMAP_RESPONSE_CONTINUATION)
                {
                  /* PLAIN is one message: the credentials go once. A second "+" is
                   * answered with "*", which cancels the exchange (RFC 3501 §6.2.2),
                   * instead of sending the password again and again. */
                  g_clear_pointer (&r, op_imap_response_free);
                  if (!op_connection_send_command (self->conn, sent ? "*" : b64, NULL,
                                                   sent ? OP_SEND_PLAIN : OP_SEND_SECRET_LINE,
                                                   cancellable, &local_error))
                    {
                      session_failed (self, g_steal_pointer (&local_error), error);
                      return FALSE;
                    }
                  if (sent)
                    asked_again = TRUE;
                  sent = TRUE;
                  continue;
                }
              if (r->kind == OP_IMAP_RESPONSE_TAGGED && g_strcmp0 (r->tag, tag) == 0 &&
                  asked_again)
                {
                  g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_AUTH_FAILED,
                                       _("The server asked for the credentials a second "
                                         "time; the login was cancelled."));
                  return FALSE;
                }
              if (r->kind == OP_IMAP_RESPONSE_TAGGED && g_strcmp0 (r->tag, tag) == 0)
                break;
              if (r->kind == OP_IMAP_RESPONSE_TAGGED)
                {
                  unexpected_tag (self, error);
                  return FALSE;
                }
              if (!dispatch_untagged (self, r, NULL, NULL, error))
                return FALSE;
              g_clear_pointer (&r, op_imap_response_free);
            }
          if (r->code != NULL && r->code->kind == OP_IMAP_CODE_CAPABILITY)
            set_caps (self, r->code->list);
        }
    }
  else
    {
      g_auto(Cmd) c = { 0 };

      /* Quoting at most doubles each byte. */
      cmd_init_secret (&c, strlen ("LOGIN ") + 2 * (strlen (user) + strlen (password)) + 8);
      cmd_add (&c, "LOGIN");
      cmd_string (&c, self, user, strlen (user));
      cmd_string (&c, self, password, strlen (password));
      r = run_command (self, &c, NULL, NULL, cancellable, error);
    }
  if (r == NULL)
    return FALSE;
  if (r->status != OP_IMAP_STATUS_OK)
    {
      g_propagate_error (error, op_imap_error_from_response (r, use_plain ? "AUTHENTICATE" : "LOGIN",
                                                             OP_IMAP_COMMAND_LOGIN));
      return FALSE;
    }
  /* RFC 3501 §6.2.3: capabilities may change after login. */
  if (r->code == NULL || r->code->kind != OP_IMAP_CODE_CAPABILITY)
    if (!ask_capabilities (self, cancellable, error))
      return FALSE;
  set_state (self, OP_IMAP_STATE_AUTHENTICATED);
  return TRUE;
}

/* --- mailboxes ------------------------------------------------------------------------ */

typedef struct
{
  GPtrArray  *mailboxes;   /* OpImapMailbox */
  GHashTable *by_name;     /* raw name → OpImapMailbox (borrowed) */
  gboolean    lsub;
} ListCollect;

static gboolean
collect_list (OpImapClient   *self,
              OpImapResponse *r,
              gpointer        data)
{
  ListCollect *lc = data;
  OpImapMailbox *m;

  if (r->kind != OP_IMAP_RESPONSE_DATA)
    return FALSE;
  if ((r->data == OP_IMAP_DATA_LIST && !lc->lsub) || (r->data == OP_IMAP_DATA_LSUB && lc->lsub))
    {
      m = g_hash_table_lookup (lc->by_name, r->list->raw_name);
      if (m == NULL)
        {
          if (!within_limit (self, lc->mailboxes->len + 1, MAX_MAILBOXES, lc->lsub ? "LSUB" : "LIST"))
            return TRUE;
          m = g_new0 (OpImapMailbox, 1);
          g_ptr_array_add (lc->mailboxes, m);
        }
      else
        op_imap_list_entry_free (m->entry);
      m->entry = g_steal_pointer (&r->list);
      if (m->entry->name == NULL)
        g_debug ("imap: a folder name that is not modified UTF-7: %s", m->entry->raw_name);
      g_hash_table_insert (lc->by_name, m->entry->raw_name, m);
      return TRUE;
    }
  if (r->data == OP_IMAP_DATA_STATUS)
    {
      /* RFC 5819 LIST-STATUS: STATUS follows its LIST. */
      m = g_hash_table_lookup (lc->by_name, r->status_data->raw_name);
      if (m == NULL)
        return FALSE;
      op_imap_mailbox_status_free (m->status);
      m->status = g_steal_pointer (&r->status_data);
      return TRUE;
    }
  return FALSE;
}

static GPtrArray *
do_list (OpImapClient  *self,
         const char    *pattern,
         gboolean       subscribed,
         GCancellable  *cancellable,
         GError       **error)
{
  g_auto(Cmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GPtrArray) mailboxes = g_ptr_array_new_with_free_func ((GDestroyNotify) op_imap_mailbox_free);
  g_autoptr(GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  ListCollect lc = { mailboxes, by_name, subscribed };
  g_autofree char *wire = NULL;

  if (!need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return NULL;
  wire = op_imap_utf7_encode (pattern != NULL ? pattern : "*", error);
  if (wire == NULL)
    return NULL;
  cmd_init (&c);
  cmd_add (&c, subscribed ? "LSUB" : "LIST");
  cmd_string (&c, self, "", 0);
  cmd_string (&c, self, wire, strlen (wire));
  if (!subscribed && has_cap (self, "LIST-EXTENDED"))
    {
      gboolean special = has_cap (self, "SPECIAL-USE");
      gboolean status = has_cap (self, "LIST-STATUS");

      if (special || status)
        {
          g_autoptr(GString) ret = g_string_new ("RETURN (");

          if (special)
            g_string_append (ret, "SPECIAL-USE");
          if (status)
            g_string_append_printf (ret, "%sSTATUS (MESSAGES UNSEEN UIDNEXT UIDVALIDITY%s)",
                                    special ? " " : "",
                                    has_cap (self, "CONDSTORE") ? " HIGHESTMODSEQ" : "");
          g_string_append_c (ret, ')');
          cmd_add (&c, ret->str);
        }
    }
  r = command_ok (self, &c, subscribed ? "LSUB" : "LIST", OP_IMAP_COMMAND_OTHER,
                  collect_list, &lc, cancellable, error);
  if (r == NULL)
    return NULL;
  return g_steal_pointer (&mailboxes);
}

static gboolean
collect_status (OpImapClient   *self,
                OpImapResponse *r,
                gpointer        data)
{
  OpImapMailboxStatus **out = data;

  if (r->kind != OP_IMAP_RESPONSE_DATA || r->data != OP_IMAP_DATA_STATUS)
    return FALSE;
  op_imap_mailbox_status_free (*out);
  *out = g_steal_pointer (&r->status_data);
  return TRUE;
}

static OpImapMailboxStatus *
do_status (OpImapClient  *self,
           const char    *mailbox,
           GCancellable  *cancellable,
           GError       **error)
{
  g_auto(Cmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  OpImapMailboxStatus *status = NULL;

  if (!need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return NULL;
  cmd_init (&c);
  cmd_add (&c, "STATUS");
  if (!cmd_mailbox (&c, self, mailbox, error))
    return NULL;
  cmd_add (&c, has_cap (self, "CONDSTORE")
                ? "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)"
                : "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)");
  r = command_ok (self, &c, "STATUS", OP_IMAP_COMMAND_MAILBOX, collect_status, &status,
                  cancellable, error);
  if (r == NULL)
    {
      op_imap_mailbox_status_free (status);
      return NULL;
    }
  if (status == NULL)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                           _("The server did not report the folder's status."));
      return NULL;
    }
  return status;
}

/* Appends the UID set of a VANISHED (EARLIER) response to @set (comma-joined); the
 * total is bounded like any other collected answer. */
static gboolean
collect_vanished_earlier (OpImapClient    *self,
                          OpImapResponse  *r,
                          char           **set)
{
  gsize len = *set != NULL ? strlen (*set) : 0;
  char *joined;

  if (!within_limit (self, (guint) MIN ((guint64) G_MAXUINT, (guint64) len + strlen (r->set)),
                     MAX_VANISHED_TEXT, "VANISHED"))
    return TRUE;
  joined = *set != NULL ? g_strconcat (*set, ",", r->set, NULL) : g_strdup (r->set);
  g_free (*set);
  *set = joined;
  return TRUE;
}

static gboolean
collect_select (OpImapClient   *self,
                OpImapResponse *r,
                gpointer        data)
{
  OpImapSelectInfo *info = data;

  /* With QRESYNC parameters (info->changed set), the changes since the caller's modseq
   * belong to the answer (RFC 7162 §3.2.5.1). */
  if (info->changed != NULL && r->kind == OP_IMAP_RESPONSE_DATA)
    {
      if (r->data == OP_IMAP_DATA_VANISHED && r->vanished_earlier)
        return collect_vanished_earlier (self, r, &info->vanished);
      if (r->data == OP_IMAP_DATA_FETCH && (r->fetch->items & OP_IMAP_FETCH_UID))
        {
          if (!within_limit (self, info->changed->len + 1, MAX_UIDS, "FETCH"))
            return TRUE;
          g_ptr_array_add (info->changed, g_steal_pointer (&r->fetch));
          return TRUE;
        }
    }

  if (r->kind == OP_IMAP_RESPONSE_STATUS && r->code != NULL)
    {
      switch (r->code->kind)
        {
        case OP_IMAP_CODE_UIDVALIDITY:
          info->uidvalidity = (guint32) r->code->number;
          return TRUE;
        case OP_IMAP_CODE_UIDNEXT:
          info->uidnext = (guint32) r->code->number;
          return TRUE;
        case OP_IMAP_CODE_UNSEEN:
          info->unseen = (guint32) r->code->number;
          return TRUE;
        case OP_IMAP_CODE_HIGHESTMODSEQ:
          info->highestmodseq = r->code->number;
          return TRUE;
        case OP_IMAP_CODE_NOMODSEQ:
          info->highestmodseq = 0;
          return TRUE;
        case OP_IMAP_CODE_PERMANENTFLAGS:
          g_strfreev (info->permanent_flags);
          info->permanent_flags = g_steal_pointer (&r->code->list);
          return TRUE;
        default:
          return FALSE;
        }
    }
  if (r->kind != OP_IMAP_RESPONSE_DATA)
    return FALSE;
  switch (r->data)
    {
    case OP_IMAP_DATA_FLAGS:
      g_strfreev (info->flags);
      info->flags = g_steal_pointer (&r->strv);
      return TRUE;
    case OP_IMAP_DATA_EXISTS:
      info->exists = r->number;
      return TRUE;
    case OP_IMAP_DATA_RECENT:
      info->recent = r->number;
      return TRUE;
    default:
      return FALSE;
    }
}

/* The caller's cached state of a folder, for SELECT (QRESYNC (…)). */
typedef struct
{
  guint32  uidvalidity;
  guint64  modseq;
  char    *known_uids;   /* (nullable) */
} QresyncParams;

static OpImapSelectInfo *
do_select (OpImapClient         *self,
           const char           *mailbox,
           gboolean              read_only,
           const QresyncParams  *qresync,
           GCancellable         *cancellable,
           GError              **error)
{
  g_auto(Cmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(OpImapSelectInfo) info = g_new0 (OpImapSelectInfo, 1);

  if (!need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return NULL;
  if (qresync != NULL)
    {
      if (!self->w_qresync)
        {
          g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                               _("QRESYNC is not enabled on this connection."));
          return NULL;
        }
      if (qresync->uidvalidity == 0 || qresync->modseq == 0 ||
          (qresync->known_uids != NULL && !check_uid_set (qresync->known_uids, error)))
        {
          if (error == NULL || *error == NULL)
            g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                                 _("A resynchronisation needs a UIDVALIDITY and a "
                                   "modification sequence above zero."));
          return NULL;
        }
    }
  cmd_init (&c);
  cmd_add (&c, read_only ? "EXAMINE" : "SELECT");
  if (!cmd_mailbox (&c, self, mailbox, error))
    return NULL;
  if (qresync != NULL)
    {
      /* RFC 7162 §3.2.5: (QRESYNC (uidvalidity modseq [known-uids])). */
      g_autofree char *param =
        g_strdup_printf ("(QRESYNC (%" G_GUINT32_FORMAT " %" G_GUINT64_FORMAT "%s%s))",
                         qresync->uidvalidity, qresync->modseq,
                         qresync->known_uids != NULL ? " " : "",
                         qresync->known_uids != NULL ? qresync->known_uids : "");

      cmd_add (&c, param);
      info->changed = g_ptr_array_new_with_free_func ((GDestroyNotify) op_imap_fetch_free);
    }
  /* RFC 7162 §3.1.8: (CONDSTORE) makes the server report HIGHESTMODSEQ. */
  else if (has_cap (self, "CONDSTORE"))
    cmd_add (&c, "(CONDSTORE)");
  /* Whatever happens now, the previous folder is closed (RFC 3501 §6.3.1). */
  if (self->w_state == OP_IMAP_STATE_SELECTED)
    set_state (self, OP_IMAP_STATE_AUTHENTICATED);
  r = command_ok (self, &c, read_only ? "EXAMINE" : "SELECT", OP_IMAP_COMMAND_MAILBOX,
                  collect_select, info, cancellable, error);
  if (r == NULL)
    return NULL;
  info->name = g_strdup (mailbox);
  info->read_only = read_only || (r->code != NULL && r->code->kind == OP_IMAP_CODE_READ_ONLY);
  self->w_exists = info->exists;
  set_state (self, OP_IMAP_STATE_SELECTED);
  /* The counts reach the caller as an event too, for one code path in views. */
  {
    Event *e = g_new0 (Event, 1);

    e->signal = SIGNAL_EXISTS;
    e->a = info->exists;
    post_event (self, e);
  }
  return g_steal_pointer (&info);
}

typedef enum
{
  MAILBOX_CREATE,
  MAILBOX_DELETE,
  MAILBOX_RENAME,
  MAILBOX_SUBSCRIBE,
  MAILBOX_UNSUBSCRIBE,
} MailboxOp;

static gboolean
do_mailbox_op (OpImapClient  *self,
               MailboxOp      op,
               const char    *mailbox,
               const char    *new_name,
               GCancellable  *cancellable,
               GError       **error)
{
  static const char *verbs[] = { "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE" };
  g_auto(Cmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;

  if (!need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return FALSE;
  cmd_init (&c);
  cmd_add (&c, verbs[op]);
  if (!cmd_mailbox (&c, self, mailbox, error))
    return FALSE;
  if (op == MAILBOX_RENAME && !cmd_mailbox (&c, self, new_name, error))
    return FALSE;
  r = command_ok (self, &c, verbs[op],
                  op == MAILBOX_CREATE ? OP_IMAP_COMMAND_CREATE : OP_IMAP_COMMAND_MAILBOX,
                  NULL, NULL, cancellable, error);
  return r != NULL;
}

/* --- messages --------------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *out;
  gboolean   want_vanished;   /* UID FETCH … (CHANGEDSINCE n VANISHED) */
  char      *vanished;
} FetchSink;

static gboolean
collect_fetch (OpImapClient   *self,
               OpImapResponse *r,
               gpointer        data)
{
  FetchSink *sink = data;
  GPtrArray *out = sink->out;

  if (sink->want_vanished && r->kind == OP_IMAP_RESPONSE_DATA &&
      r->data == OP_IMAP_DATA_VANISHED && r->vanished_earlier)
    return collect_vanished_earlier (self, r, &sink->vanished);
  if (r->kind != OP_IMAP_RESPONSE_DATA || r->data != OP_IMAP_DATA_FETCH ||
      !(r->fetch->items & OP_IMAP_FETCH_UID))
    return FALSE;
  if (!within_limit (self, out->len + 1, message_limit (self), "FETCH"))
    return TRUE;
  g_ptr_array_add (out, g_steal_pointer (&r->fetch));
  return TRUE;
}

/* "1.2" → "BODY.PEEK[1.2]"; "1<0.100>" → "BODY.PEEK[1]<0.100>". */
static char *
peek_item (const char  *section,
           GError     **error)
{
  const char *lt = strchr (section, '<');
  g_autofree char *part = g_strndup (section, lt != NULL ? (gsize) (lt - section) : strlen (section));

  for (const char *p = section; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f || *p == '{' || *p == ']' || *p == '[')
      {
        g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                     _("“%s” is not a valid message section."), section);
        return NULL;
      }
  if (lt != NULL)
    {
      guint64 a, b;
      const char *dot = strchr (lt, '.');
      const char *gt = strchr (lt, '>');

      if (dot == NULL || gt == NULL || gt[1] != '\0' || dot > gt ||
          !op_imap_parse_number (lt + 1, dot - lt - 1, G_MAXUINT32, &a) ||
          !op_imap_parse_number (dot + 1, gt - dot - 1, G_MAXUINT32, &b) || b == 0)
        {
          g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                       _("“%s” is not a valid message section."), section);
          return NULL;
        }
      return g_strdup_printf ("BODY.PEEK[%s]%s", part, lt);
    }
  return g_strdup_printf ("BODY.PEEK[%s]", part);
}

/* @changedsince: NULL, or UID FETCH … (CHANGEDSINCE *@changedsince [VANISHED]) with the
 * VANISHED (EARLIER) sets, when QRESYNC is enabled, in *@vanished. */
static GPtrArray *
do_fetch (OpImapClient        *self,
          const char          *uid_set,
          OpImapFetchItems     items,
          const char * const  *sections,
          const guint64       *changedsince,
          char               **vanished,
          GCancellable        *cancellable,
          GError             **error)
{
  g_auto(Cmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) op_imap_fetch_free);
  g_autoptr(GString) list = g_string_new ("(UID");
  FetchSink sink = { out, FALSE, NULL };

  if (!need_state (self, OP_IMAP_STATE_SELECTED, error) || !check_uid_set (uid_set, error))
    return NULL;
  if (changedsince != NULL)
    {
      if (!has_cap (self, "CONDSTORE"))
        {
          g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                               _("The server does not support CONDSTORE."));
          return NULL;
        }
      /* RFC 7162 §3.1.4.1: CHANGEDSINCE implies MODSEQ; ask for it anyway, to be plain. */
      items |= OP_IMAP_FETCH_MODSEQ;
      sink.want_vanished = self->w_qresync;
    }
  if (items & OP_IMAP_FETCH_FLAGS)
    g_string_append (list, " FLAGS");
  if (items & OP_IMAP_FETCH_INTERNALDATE)
    g_string_append (list, " INTERNALDATE");
  if (items & OP_IMAP_FETCH_SIZE)
    g_string_append (list, " RFC822.SIZE");
  if (items & OP_IMAP_FETCH_ENVELOPE)
    g_string_append (list, " ENVELOPE");
  if (items & OP_IMAP_FETCH_BODYSTRUCTURE)
    g_string_append (list, " BODYSTRUCTURE");
  if ((items & OP_IMAP_FETCH_MODSEQ) && has_cap (self, "CONDSTORE"))
    g_string_append (list, " MODSEQ");
  for (guint i = 0; sections != NULL && sections[i] != NULL; i++)
    {
      g_autofree char *item = peek_item (sections[i], error);

      if (item == NULL)
        return NULL;
      g_string_append_printf (list, " %s", item);
    }
  g_string_append_c (list, ')');
  cmd_init (&c);
  cmd_add (&c, "UID FETCH");
  cmd_add (&c, uid_set);
  cmd_add (&c, list->str);
  if (changedsince != NULL)
    {
      g_autofree char *modifier =
        g_strdup_printf ("(CHANGEDSINCE %" G_GUINT64_FORMAT "%s)", *changedsince,
                         sink.want_vanished ? " VANISHED" : "");

      cmd_add (&c, modifier);
    }
  /* Thousands of FETCH responses make one log line, not thousands. */
  self->w_quiet_fetch = TRUE;
  self->w_n_quiet = 0;
  r = command_ok (self, &c, "UID FETCH", OP_IMAP_COMMAND_OTHER, collect_fetch, &sink,
                  cancellable, error);
  self->w_quiet_fetch = FALSE;
  if (self->w_n_quiet > 0 && self->log != NULL)
    op_protocol_log_append_printf (self->log, OP_LOG_RECEIVED, "* … %u FETCH", self->w_n_quiet);
  if (r == NULL)
    {
      g_free (sink.vanished);
      return NULL;
    }
  if (vanished != NULL)
    *vanished = g_steal_pointer (&sink.vanished);
  g_free (sink.vanished);
  return g_steal_pointer (&out);
}

typedef struct
{
  GOutputStream *stream;
  GCancellable  *cancellable;
  guint64        written;
  guint32        uid;
  char          *part;         /* the requested section, e.g. "1.2", "" */
  gint64         origin;       /* the requested <origin>, or -1 */
  gboolean       found;        /* the requested UID's FETCH carried the section */
  gboolean       empty;        /* … as NIL */
  guint32        stream_seq;   /* the FETCH whose literal went to the stream, or 0 */
  gboolean       stream_uid_known;
  gboolean       wrong_message;
  GError        *error;        /* the first write error */
} StreamSink;

/* TRUE when the fetch item @item ("BODY[1.2]<0>") is the one requested. */
static gboolean
stream_item_matches (StreamSink *s,
                     const char *item)
{
  const char *close;
  gint64 origin = -1;

  if (item == NULL || g_ascii_strncasecmp (item, "BODY[", 5) != 0)
    return FALSE;
  item += 5;
  close = strchr (item, ']');
  if (close == NULL || (gsize) (close - item) != strlen (s->part) ||
      g_ascii_strncasecmp (item, s->part, close - item) != 0)
    return FALSE;
  if (close[1] == '<')
    {
      guint64 n;
      const char *gt = strchr (close + 2, '>');

      if (gt == NULL || gt[1] != '\0' ||
          !op_imap_parse_number (close + 2, gt - close - 2, G_MAXUINT32, &n))
        return FALSE;
      origin = (gint64) n;
    }
  else if (close[1] != '\0')
    return FALSE;
  return origin == s->origin;
}

static void
stream_write (StreamSink   *s,
              const guint8 *data,
              gsize         length)
{
  g_autoptr(GError) local_error = NULL;

  if (s->error != NULL)
    return;
  if (!g_output_stream_write_all (s->stream, data, length, NULL, s->cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        s->error = g_steal_pointer (&local_error);
      else
        s->error = g_error_new (OP_IMAP_ERROR, OP_IMAP_ERROR_LOCAL,
                                _("Could not save the message: %s"), local_error->message);
      return;
    }
  s->written += length;
}

/* Only the requested section of the requested message goes to the stream; every other
 * literal (another message's body, an address or a folder name) is read and dropped. */
static gboolean
stream_sink (const OpImapLiteralInfo *info,
             const guint8            *data,
             gsize                    length,
             gpointer                 user_data,
             GError                 **error)
{
  StreamSink *s = user_data;

  if (info->seq == 0 || (info->uid != 0 && info->uid != s->uid) ||
      !stream_item_matches (s, info->item))
    return TRUE;
  if (info->offset == 0)
    {
      if (s->stream_seq != 0 || s->found)
        return TRUE;   /* the section once more: the first one counts */
      s->stream_seq = info->seq;
      s->stream_uid_known = info->uid != 0;
    }
  else if (info->seq != s->stream_seq)
    return TRUE;
  stream_write (s, data, length);
  if (s->error != NULL && g_error_matches (s->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* A cancel ends the command (and the session: the reply is half read). */
      g_propagate_error (error, g_steal_pointer (&s->error));
      return FALSE;
    }
  /* A write error: the rest is read and dropped, the session goes on, and the error is
   * reported when the command ends. */
  return TRUE;
}

static gboolean
collect_stream (OpImapClient   *self,
                OpImapResponse *r,
                gpointer        data)
{
  StreamSink *s = data;
  OpImapSection *match = NULL;

  if (r->kind != OP_IMAP_RESPONSE_DATA || r->data != OP_IMAP_DATA_FETCH)
    return FALSE;
  if (s->stream_seq != 0 && r->fetch->seq == s->stream_seq && !s->stream_uid_known &&
      !s->found && r->fetch->uid != s->uid)
    {
      /* The UID came after the streamed literal, and is not the one asked for. */
      s->wrong_message = TRUE;
      return FALSE;
    }
  if (!(r->fetch->items & OP_IMAP_FETCH_UID) || r->fetch->uid != s->uid || s->found)
    return FALSE;
  for (guint i = 0; i < r->fetch->sections->len && match == NULL; i++)
    {
      OpImapSection *sec = r->fetch->sections->pdata[i];

      if (g_ascii_strcasecmp (sec->section, s->part) == 0 && sec->origin == s->origin)
        match = sec;
    }
  if (match == NULL)
    return FALSE;   /* e.g. a FLAGS update of the same message */
  s->found = TRUE;
  if (match->streamed)
    return TRUE;    /* already in the stream, piece by piece */
  if (match->data == NULL)
    s->empty = TRUE;
  else if (g_bytes_get_size (match->data) > 0)
    {
      /* A small body arrives whole (or as a quoted string): write it now. */
      gsize size;
      const guint8 *bytes = g_bytes_get_data (match->data, &size);

      stream_write (s, bytes, size);
    }
  return TRUE;
}

static gboolean
do_fetch_to_stream (OpImapClient   *self,
                    guint32         uid,
                    const char     *section,
                    GOutputStream  *stream,
                    guint64        *size,
                    GCancellable   *cancellable,
                    GError        **error)
{
  g_auto(Cmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  g_autofree char *item = NULL;
  g_autofree char *uid_text = NULL;
  g_autofree char *part = NULL;
  const char *lt;
  StreamSink s = { stream, cancellable, 0, uid, NULL, -1, FALSE, FALSE, 0, FALSE, FALSE, NULL };

  if (!need_state (self, OP_IMAP_STATE_SELECTED, error))
    return FALSE;
  if (section == NULL)
    section = "";
  item = peek_item (section, error);
  if (item == NULL)
    return FALSE;
  /* peek_item checked the partial: "<origin.count>". */
  lt = strchr (section, '<');
  part = g_strndup (section, lt != NULL ? (gsize) (lt - section) : strlen (section));
  if (lt != NULL)
    s.origin = (gint64) g_ascii_strtoull (lt + 1, NULL, 10);
  s.part = part;
  uid_text = g_strdup_printf ("%u", uid);
  cmd_init (&c);
  cmd_add (&c, "UID FETCH");
  cmd_add (&c, uid_text);
  cmd_add (&c, "(UID");
  cmd_add (&c, item);
  g_string_append_c (c.text, ')');
  /* Every literal of this command passes the sink, which keeps only the one asked for. */
  op_imap_parser_set_literal_sink (self->parser, 0, stream_sink, &s);
  r = command_ok (self, &c, "UID FETCH", OP_IMAP_COMMAND_OTHER, collect_stream, &s,
                  cancellable, error);
  if (self->parser != NULL)
    op_imap_parser_set_literal_sink (self->parser, OP_IMAP_DEFAULT_STREAM_THRESHOLD, NULL, NULL);
  /* A failure that left a response half read (read_response already ends the session
   * on a cancel or a sink error) must never leave the rest for the next command. */
  if (r == NULL && self->parser != NULL && !op_imap_parser_is_idle (self->parser))
    drop_connection (self);
  if (r == NULL)
    {
      g_clear_error (&s.error);
      return FALSE;
    }
  if (s.error != NULL)
    {
      g_propagate_error (error, s.error);
      return FALSE;
    }
  if (s.wrong_message)
    {
      g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                   _("The server sent another message than the one asked for (UID %u)."), uid);
      return FALSE;
    }
  if (!s.found)
    {
      g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NO,
                   _("The message (UID %u) no longer exists on the server."), uid);
      return FALSE;
    }
  if (s.empty)
    {
      g_set_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_NO,
                   _("The server has no content for part “%s” of the message (UID %u)."),
                   section, uid);
      return FALSE;
    }
  *size = s.written;
  return TRUE;
}

static gboolean
collect_search (OpImapClient   *self,
                OpImapResponse *r,
                gpointer        data)
{
  GArray *out = data;

  if (r->kind != OP_IMAP_RESPONSE_DATA || r->data != OP_IMAP_DATA_SEARCH)
    return FALSE;
  if (!within_limit (self, out->len + r->numbers->len, message_limit (self), "SEARCH"))
    return TRUE;
  g_array_append_vals (out, r->numbers->data, r->numbers->len);
  return TRUE;
}

static GArray *
do_search (OpImapClient        *self,
           const char * const  *criteria,
           GCancellable        *cancellable,
           GError             **error)
{
  static const char *string_keys[] = { "BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO",
                                       NULL };
  g_auto(Cmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (guint32));
  gboolean utf8 = FALSE;
  guint strings_left = 0;

  if (!need_state (self, OP_IMAP_STATE_SELECTED, error))
    return NULL;
  for (guint i = 0; criteria != NULL && criteria[i] != NULL; i++)
    for (const char *p = criteria[i]; *p != '\0'; p++)
      if ((guchar) *p >= 0x80)
        utf8 = TRUE;
  cmd_init (&c);
  cmd_add (&c, "UID SEARCH");
  /* RFC 3501 §6.4.4: CHARSET only when a string needs it. */
  if (utf8)
    cmd_add (&c, "CHARSET UTF-8");
  if (criteria == NULL || criteria[0] == NULL)
    cmd_add (&c, "ALL");
  for (guint i = 0; criteria != NULL && criteria[i] != NULL; i++)
    {
      const char *word = criteria[i];

      if (strings_left > 0)
        {
          if (!g_utf8_validate (word, -1, NULL))
            {
              g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                                   _("The search text is not valid UTF-8."));
              return NULL;
            }
          cmd_string (&c, self, word, strlen (word));
          strings_left--;
          continue;
        }
      if (!check_atom (word, FALSE, error))
        return NULL;
      cmd_add (&c, word);
      if (g_ascii_strcasecmp (word, "HEADER") == 0)
        strings_left = 2;
      else
        {
          g_autofree char *upper = g_ascii_strup (word, -1);

          if (g_strv_contains (string_keys, upper))
            strings_left = 1;
        }
    }
  if (strings_left > 0)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                           _("A search key is missing its text."));
      return NULL;
    }
  r = command_ok (self, &c, "UID SEARCH", OP_IMAP_COMMAND_OTHER, collect_search, out,
                  cancellable, error);
  if (r == NULL)
    return NULL;
  return g_steal_pointer (&out);
}

static gboolean
flag_list (GString             *out,
           const char * const  *flags,
           GError             **error)
{
  g_string_append_c (out, '(');
  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    {
      if (!check_atom (flags[i], FALSE, error))
        return FALSE;
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, flags[i]);
    }
  g_string_append_c (out, ')');
  return TRUE;
}

/* @unchangedsince: NULL, or UID STORE set (UNCHANGEDSINCE *@unchangedsince) … with the
 * MODIFIED response code's set (the UIDs not stored) in *@modified, NULL when none. */
static gboolean
do_store (OpImapClient        *self,
          const char          *uid_set,
          OpImapStoreMode      mode,
          const char * const  *flags,
          const guint64       *unchangedsince,
          char               **modified,
          GCancellable        *cancellable,
          GError             **error)
{
  static const char *modes[] = { "+FLAGS.SILENT", "-FLAGS.SILENT", "FLAGS.SILENT" };
  g_auto(Cmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GString) list = g_string_new (NULL);

  if (!need_state (self, OP_IMAP_STATE_SELECTED, error) || !check_uid_set (uid_set, error) ||
      !flag_list (list, flags, error))
    return FALSE;
  if (unchangedsince != NULL && !has_cap (self, "CONDSTORE"))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                           _("The server does not support CONDSTORE."));
      return FALSE;
    }
  cmd_init (&c);
  cmd_add (&c, "UID STORE");
  cmd_add (&c, uid_set);
  if (unchangedsince != NULL)
    {
      g_autofree char *modifier =
        g_strdup_printf ("(UNCHANGEDSINCE %" G_GUINT64_FORMAT ")", *unchangedsince);

      cmd_add (&c, modifier);
    }
  cmd_add (&c, modes[mode]);
  cmd_add (&c, list->str);
  r = command_ok (self, &c, "UID STORE", OP_IMAP_COMMAND_OTHER, NULL, NULL, cancellable, error);
  if (r == NULL)
    return FALSE;
  /* RFC 7162 §3.1.3: OK [MODIFIED set] names the messages changed since, left alone. */
  if (modified != NULL && r->code != NULL && r->code->kind == OP_IMAP_CODE_MODIFIED &&
      r->code->source != NULL)
    {
      if (!check_uid_set (r->code->source, NULL))
        {
          g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                               _("The server named an invalid set of modified messages."));
          return FALSE;
        }
      *modified = g_strdup (r->code->source);
    }
  return TRUE;
}

static gboolean
do_copy (OpImapClient  *self,
         const char    *verb,
         const char    *uid_set,
         const char    *mailbox,
         char         **dest_uids,
         GCancellable  *cancellable,
         GError       **error)
{
  g_auto(Cmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;

  cmd_init (&c);
  cmd_add (&c, verb);
  cmd_add (&c, uid_set);
  if (!cmd_mailbox (&c, self, mailbox, error))
    return FALSE;
  r = command_ok (self, &c, verb, OP_IMAP_COMMAND_MAILBOX, NULL, NULL, cancellable, error);
  if (r == NULL)
    return FALSE;
  if (r->code != NULL && r->code->kind == OP_IMAP_CODE_COPYUID)
    *dest_uids = g_strdup (r->code->dest);
  return TRUE;
}

/* Untagged COPYUID: RFC 6851 §4.3 puts it in an untagged OK before the expunges. */
static gboolean
collect_copyuid (OpImapClient   *self,
                 OpImapResponse *r,
                 gpointer        data)
{
  char **dest = data;

  if (r->kind == OP_IMAP_RESPONSE_STATUS && r->code != NULL &&
      r->code->kind == OP_IMAP_CODE_COPYUID)
    {
      g_free (*dest);
      *dest = g_strdup (r->code->dest);
      return TRUE;
    }
  return FALSE;
}

static gboolean
do_move (OpImapClient  *self,
         const char    *uid_set,
         const char    *mailbox,
         char         **dest_uids,
         GCancellable  *cancellable,
         GError       **error)
{
  const char *deleted[] = { "\\Deleted", NULL };

  if (!need_state (self, OP_IMAP_STATE_SELECTED, error) || !check_uid_set (uid_set, error))
    return FALSE;
  if (has_cap (self, "MOVE"))
    {
      g_auto(Cmd) c = { 0 };
      g_autoptr(OpImapResponse) r = NULL;

      cmd_init (&c);
      cmd_add (&c, "UID MOVE");
      cmd_add (&c, uid_set);
      if (!cmd_mailbox (&c, self, mailbox, error))
        return FALSE;
      r = command_ok (self, &c, "UID MOVE", OP_IMAP_COMMAND_MAILBOX, collect_copyuid,
                      dest_uids, cancellable, error);
      return r != NULL;
    }
  /* Without MOVE: copy, and delete only after the copy succeeded; UID EXPUNGE (UIDPLUS)
   * removes just these messages, not others someone marked \Deleted. */
  if (!has_cap (self, "UIDPLUS"))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                           _("The server can neither move messages (MOVE) nor remove "
                             "single messages (UIDPLUS); nothing was changed."));
      return FALSE;
    }
  if (!do_copy (self, "UID COPY", uid_set, mailbox, dest_uids, cancellable, error))
    return FALSE;
  if (!do_store (self, uid_set, OP_IMAP_STORE_ADD, deleted, NULL, NULL, cancellable,
                 error))
    return FALSE;
  {
    g_auto(Cmd) c = { 0 };
    g_autoptr(OpImapResponse) r = NULL;

    cmd_init (&c);
    cmd_add (&c, "UID EXPUNGE");
    cmd_add (&c, uid_set);
    r = command_ok (self, &c, "UID EXPUNGE", OP_IMAP_COMMAND_OTHER, NULL, NULL, cancellable,
                    error);
    return r != NULL;
  }
}

static char *
format_date_time (GDateTime *date)
{
  static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                  "Sep", "Oct", "Nov", "Dec" };
  gint64 offset = g_date_time_get_utc_offset (date) / G_TIME_SPAN_MINUTE;
  char sign = offset < 0 ? '-' : '+';

  if (offset < 0)
    offset = -offset;
  /* RFC 3501 date-time, with English month names whatever the locale. */
  return g_strdup_printf ("\"%2d-%s-%04d %02d:%02d:%02d %c%02d%02d\"",
                          g_date_time_get_day_of_month (date),
                          months[g_date_time_get_month (date) - 1],
                          g_date_time_get_year (date), g_date_time_get_hour (date),
                          g_date_time_get_minute (date), g_date_time_get_second (date),
                          sign, (int) (offset / 60), (int) (offset % 60));
}

static gboolean
do_append (OpImapClient        *self,
           const char          *mailbox,
           GBytes              *message,
           const char * const  *flags,
           GDateTime           *date,
           guint32             *uid,
           GCancellable        *cancellable,
           GError             **error)
{
  g_auto(Cmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  gsize size;
  const char *data = g_bytes_get_data (message, &size);

  if (!need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return FALSE;
  if (size == 0 || memchr (data, '\0', size) != NULL)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                           _("The message is empty or contains a NUL byte and cannot be "
                             "stored."));
      return FALSE;
    }
  cmd_init (&c);
  cmd_add (&c, "APPEND");
  if (!cmd_mailbox (&c, self, mailbox, error))
    return FALSE;
  if (flags != NULL && flags[0] != NULL)
    {
      g_autoptr(GString) list = g_string_new (NULL);

      if (!flag_list (list, flags, error))
        return FALSE;
      cmd_add (&c, list->str);
    }
  if (date != NULL)
    {
      g_autofree char *text = format_date_time (date);

      cmd_add (&c, text);
    }
  cmd_separate (&c);
  cmd_literal (&c, self, data, size);
  r = command_ok (self, &c, "APPEND", OP_IMAP_COMMAND_MAILBOX, NULL, NULL, cancellable, error);
  if (r == NULL)
    return FALSE;
  *uid = 0;
  if (r->code != NULL && r->code->kind == OP_IMAP_CODE_APPENDUID)
    {
      guint64 n;

      if (op_imap_parse_number (r->code->dest, strlen (r->code->dest), G_MAXUINT32, &n))
        *uid = (guint32) n;
    }
  return TRUE;
}

/* --- session commands ----------------------------------------------------------------- */

static gboolean
collect_id (OpImapClient   *self,
            OpImapResponse *r,
            gpointer        data)
{
  GHashTable **out = data;

  if (r->kind != OP_IMAP_RESPONSE_DATA || r->data != OP_IMAP_DATA_ID)
    return FALSE;
  g_clear_pointer (out, g_hash_table_unref);
  *out = g_steal_pointer (&r->id);
  return TRUE;
}

static GHashTable *
do_id (OpImapClient  *self,
       GHashTable    *params,
       GCancellable  *cancellable,
       GError       **error)
{
  g_auto(Cmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  GHashTable *server = NULL;

  if (!is_connected (self))
    {
      not_connected (error);
      return NULL;
    }
  cmd_init (&c);
  cmd_add (&c, "ID");
  if (params == NULL || g_hash_table_size (params) == 0)
    cmd_add (&c, "NIL");
  else
    {
      GHashTableIter iter;
      gpointer key, value;

      cmd_separate (&c);
      g_string_append_c (c.text, '(');
      g_hash_table_iter_init (&iter, params);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          cmd_string (&c, self, key, strlen (key));
          if (value == NULL)
            cmd_add (&c, "NIL");
          else
            cmd_string (&c, self, value, strlen (value));
        }
      g_string_append_c (c.text, ')');
    }
  r = command_ok (self, &c, "ID", OP_IMAP_COMMAND_OTHER, collect_id, &server, cancellable,
                  error);
  if (r == NULL)
    {
      g_clear_pointer (&server, g_hash_table_unref);
      return NULL;
    }
  if (server == NULL)
    server = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return server;
}

static gboolean
collect_enabled (OpImapClient   *self,
                 OpImapResponse *r,
                 gpointer        data)
{
  GStrvBuilder *b = data;

  if (r->kind != OP_IMAP_RESPONSE_DATA || r->data != OP_IMAP_DATA_ENABLED)
    return FALSE;
  g_strv_builder_addv (b, (const char **) r->strv);
  return TRUE;
}

static GStrv
do_enable (OpImapClient        *self,
           const char * const  *caps,
           GCancellable        *cancellable,
           GError             **error)
{
  g_auto(Cmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  GStrv enabled;

  if (!need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return NULL;
  if (!has_cap (self, "ENABLE"))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                           _("The server does not support ENABLE."));
      return NULL;
    }
  cmd_init (&c);
  cmd_add (&c, "ENABLE");
  for (guint i = 0; caps != NULL && caps[i] != NULL; i++)
    {
      if (!check_atom (caps[i], FALSE, error))
        return NULL;
      cmd_add (&c, caps[i]);
    }
  r = command_ok (self, &c, "ENABLE", OP_IMAP_COMMAND_OTHER, collect_enabled, b, cancellable,
                  error);
  if (r == NULL)
    return NULL;
  enabled = g_strv_builder_end (b);
  for (guint i = 0; enabled[i] != NULL; i++)
    if (g_ascii_strcasecmp (enabled[i], "QRESYNC") == 0)
      self->w_qresync = TRUE;
  return enabled;
}

static gboolean
collect_namespace (OpImapClient   *self,
                   OpImapResponse *r,
                   gpointer        data)
{
  GPtrArray **out = data;

  if (r->kind != OP_IMAP_RESPONSE_DATA || r->data != OP_IMAP_DATA_NAMESPACE)
    return FALSE;
  g_clear_pointer (out, g_ptr_array_unref);
  *out = g_steal_pointer (&r->namespaces[0]);
  return TRUE;
}

static GPtrArray *
do_namespace (OpImapClient  *self,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(OpImapResponse) r = NULL;
  g_auto(Cmd) c = { 0 };
  GPtrArray *personal = NULL;

  if (!need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return NULL;
  cmd_init (&c);
  cmd_add (&c, "NAMESPACE");
  r = command_ok (self, &c, "NAMESPACE", OP_IMAP_COMMAND_OTHER, collect_namespace, &personal,
                  cancellable, error);
  if (r == NULL)
    {
      g_clear_pointer (&personal, g_ptr_array_unref);
      return NULL;
    }
  if (personal == NULL)
    personal = g_ptr_array_new ();
  return personal;
}

static gboolean
do_logout (OpImapClient  *self,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  if (!is_connected (self))
    {
      drop_connection (self);
      return TRUE;
    }
  self->w_logging_out = TRUE;
  ok = simple_command (self, "LOGOUT", OP_IMAP_COMMAND_OTHER, cancellable, &local_error);
  drop_connection (self);
  /* The session ends either way; only cancellation is reported. */
  if (!ok && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* --- IDLE ------------------------------------------------------------------------------- */

static GSocket *
connection_socket (OpImapClient *self)
{
  GIOStream *stream = op_connection_get_stream (self->conn);

  if (G_IS_TLS_CONNECTION (stream))
    {
      GIOStream *base = NULL;

      g_object_get (stream, "base-io-stream", &base, NULL);
      stream = base;
      if (base != NULL)
        g_object_unref (base);   /* the TLS connection keeps it alive */
    }
  if (G_IS_SOCKET_CONNECTION (stream))
    return g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  return NULL;
}

static void
cancel_wake (GCancellable *cancellable,
             gpointer      data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
}

static gboolean
refresh_idle (gpointer data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
  return G_SOURCE_REMOVE;
}

static gboolean
do_idle (OpImapClient  *self,
         GCancellable  *cancellable,
         GError       **error)
{
  if (!need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return FALSE;
  if (!has_cap (self, "IDLE"))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                           _("The server does not support IDLE."));
      return FALSE;
    }

  for (;;)
    {
      g_autoptr(GCancellable) wake = g_cancellable_new ();
      g_autofree char *tag = g_strdup_printf ("a%u", ++self->next_tag);
      g_autofree char *verb = g_strdup_printf ("%s IDLE", tag);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(OpImapResponse) done = NULL;
      gulong handler = 0;
      GSocket *socket;
      gint timeout = 0;
      GSource *refresh;
      OpImapState before = self->w_state;
      gboolean refreshed;

      g_mutex_lock (&self->lock);
      g_set_object (&self->idle_wake, wake);
      g_mutex_unlock (&self->lock);
      /* A call queued before @wake existed ends this IDLE before it starts. */
      if (op_worker_get_n_queued (self->worker) > 0 || g_cancellable_is_cancelled (cancellable))
        break;
      if (cancellable != NULL)
        handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_wake),
                                         g_object_ref (wake), g_object_unref);

      if (!op_connection_send_command (self->conn, verb, NULL, OP_SEND_PLAIN, NULL, &local_error))
        {
          g_cancellable_disconnect (cancellable, handler);
          session_failed (self, g_steal_pointer (&local_error), error);
          return FALSE;
        }
      for (;;)
        {
          g_autoptr(OpImapResponse) r = read_response (self, NULL, error);

          if (r == NULL)
            {
              g_cancellable_disconnect (cancellable, handler);
              return FALSE;
            }
          if (r->kind == OP_IMAP_RESPONSE_CONTINUATION)
            break;
          if (r->kind == OP_IMAP_RESPONSE_TAGGED)
            {
              g_cancellable_disconnect (cancellable, handler);
              if (g_strcmp0 (r->tag, tag) == 0)
                {
                  g_propagate_error (error, op_imap_error_from_response (r, "IDLE",
                                                                         OP_IMAP_COMMAND_OTHER));
                  return FALSE;
                }
              unexpected_tag (self, error);
              return FALSE;
            }
          if (!dispatch_untagged (self, r, NULL, NULL, error))
            {
              g_cancellable_disconnect (cancellable, handler);
              return FALSE;
            }
        }
      set_state (self, OP_IMAP_STATE_IDLE);

      /* Waiting has no time limit; the refresh timer re-issues IDLE. */
      socket = connection_socket (self);
      if (socket != NULL)
        {
          timeout = g_socket_get_timeout (socket);
          g_socket_set_timeout (socket, 0);
        }
      refresh = g_timeout_source_new_seconds (IDLE_REFRESH_SECONDS);
      g_source_set_callback (refresh, refresh_idle, g_object_ref (wake), g_object_unref);
      g_source_attach (refresh, self->context);

      for (;;)
        {
          g_autoptr(OpImapResponse) r = NULL;

          self->w_idle_waiting = TRUE;
          r = read_response (self, wake, &local_error);
          self->w_idle_waiting = FALSE;
          if (r == NULL)
            break;
          if (r->kind != OP_IMAP_RESPONSE_STATUS && r->kind != OP_IMAP_RESPONSE_DATA)
            {
              g_clear_error (&local_error);
              local_error = g_error_new_literal (OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                                                 _("The server sent an unexpected response during IDLE."));
              break;
            }
          if (!dispatch_untagged (self, r, NULL, NULL, &local_error))
            break;
        }
      g_source_destroy (refresh);
      g_source_unref (refresh);
      if (socket != NULL && is_connected (self))
        g_socket_set_timeout (socket, timeout);
      g_cancellable_disconnect (cancellable, handler);
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          if (is_connected (self))
            session_failed (self, g_steal_pointer (&local_error), error);
          else
            g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_clear_error (&local_error);

      /* RFC 2177: DONE ends IDLE; the server then completes the IDLE command. */
      if (!op_connection_send_command (self->conn, "DONE", NULL, OP_SEND_PLAIN, NULL, &local_error))
        {
          session_failed (self, g_steal_pointer (&local_error), error);
          return FALSE;
        }
      for (;;)
        {
          g_autoptr(OpImapResponse) r = read_response (self, NULL, error);

          if (r == NULL)
            return FALSE;
          if (r->kind == OP_IMAP_RESPONSE_TAGGED)
            {
              if (g_strcmp0 (r->tag, tag) != 0)
                {
                  unexpected_tag (self, error);
                  return FALSE;
                }
              done = g_steal_pointer (&r);
              break;
            }
          if (!dispatch_untagged (self, r, NULL, NULL, error))
            return FALSE;
        }
      set_state (self, before == OP_IMAP_STATE_IDLE ? OP_IMAP_STATE_SELECTED : before);
      if (done->status != OP_IMAP_STATUS_OK)
        {
          g_propagate_error (error, op_imap_error_from_response (done, "IDLE",
                                                                 OP_IMAP_COMMAND_OTHER));
          return FALSE;
        }
      /* Ended by the refresh timer only: IDLE again. */
      refreshed = !g_cancellable_is_cancelled (cancellable) &&
                  op_worker_get_n_queued (self->worker) == 0;
      g_mutex_lock (&self->lock);
      refreshed = refreshed && self->idle_wake == wake;
      g_mutex_unlock (&self->lock);
      if (!refreshed)
        break;
    }

  g_mutex_lock (&self->lock);
  g_clear_object (&self->idle_wake);
  g_mutex_unlock (&self->lock);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return TRUE;
}

void
op_imap_client_idle_stop (OpImapClient *self)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));

  g_mutex_lock (&self->lock);
  if (self->idle_wake != NULL)
    {
      g_cancellable_cancel (self->idle_wake);
      g_clear_object (&self->idle_wake);
    }
  g_mutex_unlock (&self->lock);
}

/* --- jobs ------------------------------------------------------------------------------- */

typedef enum
{
  JOB_CONNECT,
  JOB_LOGIN,
  JOB_ID,
  JOB_ENABLE,
  JOB_NAMESPACE,
  JOB_NOOP,
  JOB_LOGOUT,
  JOB_LIST,
  JOB_STATUS,
  JOB_SELECT,
  JOB_MAILBOX,
  JOB_CLOSE,
  JOB_UNSELECT,
  JOB_CHECK,
  JOB_EXPUNGE,
  JOB_FETCH,
  JOB_FETCH_STREAM,
  JOB_SEARCH,
  JOB_STORE,
  JOB_COPY,
  JOB_MOVE,
  JOB_APPEND,
  JOB_IDLE,
} JobKind;

typedef struct
{
  JobKind          kind;
  char            *a;         /* user, mailbox, uid set, pattern, section */
  char            *b;         /* password, new name, destination */
  GStrv            strv;      /* flags, sections, criteria, capabilities */
  gint             number;    /* method, mode, items, MailboxOp */
  gboolean         flag;      /* read-only, subscribed */
  guint32          uid;
  GHashTable      *table;
  GBytes          *bytes;
  GDateTime       *date;
  GOutputStream   *stream;
  /* Results for *_finish out parameters. */
  char            *out_text;
  guint64          out_number;
} Job;

static void
job_free (Job *job)
{
  g_free (job->a);
  /* The LOGIN password, or a mailbox name: wiped either way. */
  wipe_string (job->b);
  g_free (job->b);
  g_strfreev (job->strv);
  g_clear_pointer (&job->table, g_hash_table_unref);
  g_clear_pointer (&job->bytes, g_bytes_unref);
  g_clear_pointer (&job->date, g_date_time_unref);
  g_clear_object (&job->stream);
  g_free (job->out_text);
  g_free (job);
}

static void
run_job (GTask        *task,
         gpointer      source_object,
         gpointer      task_data,
         GCancellable *cancellable)
{
  OpImapClient *self = source_object;
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  gpointer result = NULL;
  GDestroyNotify result_free = NULL;
  gboolean ok = FALSE;

  switch (job->kind)
    {
    case JOB_CONNECT:
      ok = do_connect (self, cancellable, &error);
      break;
    case JOB_LOGIN:
      ok = do_login (self, job->a, job->b, job->number, cancellable, &error);
      break;
    case JOB_ID:
      result = do_id (self, job->table, cancellable, &error);
      result_free = (GDestroyNotify) g_hash_table_unref;
      break;
    case JOB_ENABLE:
      result = do_enable (self, (const char * const *) job->strv, cancellable, &error);
      result_free = (GDestroyNotify) g_strfreev;
      break;
    case JOB_NAMESPACE:
      result = do_namespace (self, cancellable, &error);
      result_free = (GDestroyNotify) g_ptr_array_unref;
      break;
    case JOB_NOOP:
      ok = is_connected (self) ? simple_command (self, "NOOP", OP_IMAP_COMMAND_OTHER,
                                                 cancellable, &error)
                               : not_connected (&error);
      break;
    case JOB_LOGOUT:
      ok = do_logout (self, cancellable, &error);
      break;
    case JOB_LIST:
      result = do_list (self, job->a, job->flag, cancellable, &error);
      result_free = (GDestroyNotify) g_ptr_array_unref;
      break;
    case JOB_STATUS:
      result = do_status (self, job->a, cancellable, &error);
      result_free = (GDestroyNotify) op_imap_mailbox_status_free;
      break;
    case JOB_SELECT:
      if (job->number != 0)
        {
          QresyncParams q = { job->uid, job->out_number, job->b };

          result = do_select (self, job->a, job->flag, &q, cancellable, &error);
        }
      else
        result = do_select (self, job->a, job->flag, NULL, cancellable, &error);
      result_free = (GDestroyNotify) op_imap_select_info_free;
      break;
    case JOB_MAILBOX:
      ok = do_mailbox_op (self, job->number, job->a, job->b, cancellable, &error);
      break;
    case JOB_CLOSE:
      ok = need_state (self, OP_IMAP_STATE_SELECTED, &error) &&
           simple_command (self, "CLOSE", OP_IMAP_COMMAND_OTHER, cancellable, &error);
      if (ok)
        set_state (self, OP_IMAP_STATE_AUTHENTICATED);
      break;
    case JOB_UNSELECT:
      /* RFC 3691: leave the folder without expunging; CLOSE would expunge. */
      if (need_state (self, OP_IMAP_STATE_SELECTED, &error) && !has_cap (self, "UNSELECT"))
        g_set_error_literal (&error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                             _("The server does not support UNSELECT."));
      else
        ok = error == NULL &&
             simple_command (self, "UNSELECT", OP_IMAP_COMMAND_OTHER, cancellable, &error);
      if (ok)
        set_state (self, OP_IMAP_STATE_AUTHENTICATED);
      break;
    case JOB_CHECK:
      ok = need_state (self, OP_IMAP_STATE_SELECTED, &error) &&
           simple_command (self, "CHECK", OP_IMAP_COMMAND_OTHER, cancellable, &error);
      break;
    case JOB_EXPUNGE:
      ok = need_state (self, OP_IMAP_STATE_SELECTED, &error) &&
           simple_command (self, "EXPUNGE", OP_IMAP_COMMAND_OTHER, cancellable, &error);
      break;
    case JOB_FETCH:
      result = do_fetch (self, job->a, job->number, (const char * const *) job->strv,
                         job->flag ? &job->out_number : NULL, &job->out_text,
                         cancellable, &error);
      result_free = (GDestroyNotify) g_ptr_array_unref;
      break;
    case JOB_FETCH_STREAM:
      ok = do_fetch_to_stream (self, job->uid, job->a, job->stream, &job->out_number,
                               cancellable, &error);
      break;
    case JOB_SEARCH:
      result = do_search (self, (const char * const *) job->strv, cancellable, &error);
      result_free = (GDestroyNotify) g_array_unref;
      break;
    case JOB_STORE:
      ok = do_store (self, job->a, job->number, (const char * const *) job->strv,
                     job->flag ? &job->out_number : NULL, &job->out_text, cancellable, &error);
      break;
    case JOB_COPY:
      ok = need_state (self, OP_IMAP_STATE_SELECTED, &error) && check_uid_set (job->a, &error) &&
           do_copy (self, "UID COPY", job->a, job->b, &job->out_text, cancellable, &error);
      break;
    case JOB_MOVE:
      ok = do_move (self, job->a, job->b, &job->out_text, cancellable, &error);
      break;
    case JOB_APPEND:
      {
        guint32 uid = 0;

        ok = do_append (self, job->a, job->bytes, (const char * const *) job->strv, job->date,
                        &uid, cancellable, &error);
        job->out_number = uid;
      }
      break;
    case JOB_IDLE:
      ok = do_idle (self, cancellable, &error);
      break;
    default:
      g_assert_not_reached ();
    }

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (result_free != NULL)
    g_task_return_pointer (task, result, result_free);
  else
    g_task_return_boolean (task, ok);
}

static Job *
job_start (OpImapClient         *self,
           JobKind               kind,
           gpointer              source_tag,
           GCancellable         *cancellable,
           GAsyncReadyCallback   callback,
           gpointer              user_data,
           GTask               **task_out)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  *task_out = task;
  return job;
}

static void
job_queue (OpImapClient *self,
           GTask        *task)
{
  Job *job = g_task_get_task_data (task);

  /* Any call ends a running IDLE (RFC 2177: DONE, then the command). Another call is
   * queued first, so an IDLE that is just starting sees it waiting and does not start.
   * A new IDLE stops the old one before it is queued: stopping after would, when the
   * worker had already picked it up, end the new IDLE itself at once. */
  if (job->kind == JOB_IDLE)
    op_imap_client_idle_stop (self);
  op_worker_run (self->worker, task, run_job);
  if (job->kind != JOB_IDLE)
    op_imap_client_idle_stop (self);
  g_object_unref (task);
}

static gboolean
finish_boolean (OpImapClient  *self,
                GAsyncResult  *result,
                gpointer       source_tag,
                GError       **error)
{
  g_return_val_if_fail (OP_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (source_tag == NULL || g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gpointer
finish_pointer (OpImapClient  *self,
                GAsyncResult  *result,
                gpointer       source_tag,
                GError       **error)
{
  g_return_val_if_fail (OP_IS_IMAP_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

#define START(kind, tag) \
  GTask *task; \
  Job *job = job_start (self, kind, tag, cancellable, callback, user_data, &task)

/* --- public calls ----------------------------------------------------------------------- */

void
op_imap_client_connect_async (OpImapClient        *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  {
    START (JOB_CONNECT, op_imap_client_connect_async);
    (void) job;
    job_queue (self, task);
  }
}

gboolean
op_imap_client_connect_finish (OpImapClient  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return finish_boolean (self, result, op_imap_client_connect_async, error);
}

void
op_imap_client_login_async (OpImapClient        *self,
                            const char          *user,
                            const char          *password,
                            OpImapAuthMethod     method,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (user != NULL && password != NULL);
  {
    START (JOB_LOGIN, op_imap_client_login_async);
    job->a = g_strdup (user);
    job->b = g_strdup (password);
    job->number = method;
    job_queue (self, task);
  }
}

gboolean
op_imap_client_login_finish (OpImapClient  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return finish_boolean (self, result, op_imap_client_login_async, error);
}

void
op_imap_client_id_async (OpImapClient        *self,
                         GHashTable          *params,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  {
    START (JOB_ID, op_imap_client_id_async);
    job->table = params != NULL ? g_hash_table_ref (params) : NULL;
    job_queue (self, task);
  }
}

GHashTable *
op_imap_client_id_finish (OpImapClient  *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  return finish_pointer (self, result, op_imap_client_id_async, error);
}

void
op_imap_client_enable_async (OpImapClient        *self,
                             const char * const  *capabilities,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (capabilities != NULL && capabilities[0] != NULL);
  {
    START (JOB_ENABLE, op_imap_client_enable_async);
    job->strv = g_strdupv ((char **) capabilities);
    job_queue (self, task);
  }
}

GStrv
op_imap_client_enable_finish (OpImapClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return finish_pointer (self, result, op_imap_client_enable_async, error);
}

void
op_imap_client_namespace_async (OpImapClient        *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  {
    START (JOB_NAMESPACE, op_imap_client_namespace_async);
    (void) job;
    job_queue (self, task);
  }
}

GPtrArray *
op_imap_client_namespace_finish (OpImapClient  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return finish_pointer (self, result, op_imap_client_namespace_async, error);
}

void
op_imap_client_noop_async (OpImapClient        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  {
    START (JOB_NOOP, op_imap_client_noop_async);
    (void) job;
    job_queue (self, task);
  }
}

gboolean
op_imap_client_noop_finish (OpImapClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return finish_boolean (self, result, op_imap_client_noop_async, error);
}

void
op_imap_client_logout_async (OpImapClient        *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  {
    START (JOB_LOGOUT, op_imap_client_logout_async);
    (void) job;
    job_queue (self, task);
  }
}

gboolean
op_imap_client_logout_finish (OpImapClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return finish_boolean (self, result, op_imap_client_logout_async, error);
}

void
op_imap_client_list_async (OpImapClient        *self,
                           const char          *pattern,
                           gboolean             subscribed,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  {
    START (JOB_LIST, op_imap_client_list_async);
    job->a = g_strdup (pattern);
    job->flag = subscribed;
    job_queue (self, task);
  }
}

GPtrArray *
op_imap_client_list_finish (OpImapClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return finish_pointer (self, result, op_imap_client_list_async, error);
}

void
op_imap_client_status_async (OpImapClient        *self,
                             const char          *mailbox,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);
  {
    START (JOB_STATUS, op_imap_client_status_async);
    job->a = g_strdup (mailbox);
    job_queue (self, task);
  }
}

OpImapMailboxStatus *
op_imap_client_status_finish (OpImapClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return finish_pointer (self, result, op_imap_client_status_async, error);
}

void
op_imap_client_select_async (OpImapClient        *self,
                             const char          *mailbox,
                             gboolean             read_only,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);
  {
    START (JOB_SELECT, op_imap_client_select_async);
    job->a = g_strdup (mailbox);
    job->flag = read_only;
    job_queue (self, task);
  }
}

void
op_imap_client_select_qresync_async (OpImapClient        *self,
                                     const char          *mailbox,
                                     gboolean             read_only,
                                     guint32              uidvalidity,
                                     guint64              modseq,
                                     const char          *known_uids,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);
  {
    /* The same source tag: op_imap_client_select_finish() finishes both. */
    START (JOB_SELECT, op_imap_client_select_async);
    job->a = g_strdup (mailbox);
    job->flag = read_only;
    job->number = 1;
    job->uid = uidvalidity;
    job->out_number = modseq;
    job->b = g_strdup (known_uids);
    job_queue (self, task);
  }
}

OpImapSelectInfo *
op_imap_client_select_finish (OpImapClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return finish_pointer (self, result, op_imap_client_select_async, error);
}

static void
mailbox_call (OpImapClient        *self,
              MailboxOp            op,
              const char          *mailbox,
              const char          *new_name,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  START (JOB_MAILBOX, NULL);
  job->number = op;
  job->a = g_strdup (mailbox);
  job->b = g_strdup (new_name);
  job_queue (self, task);
}

void
op_imap_client_create_async (OpImapClient        *self,
                             const char          *mailbox,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self) && mailbox != NULL);
  mailbox_call (self, MAILBOX_CREATE, mailbox, NULL, cancellable, callback, user_data);
}

void
op_imap_client_delete_async (OpImapClient        *self,
                             const char          *mailbox,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self) && mailbox != NULL);
  mailbox_call (self, MAILBOX_DELETE, mailbox, NULL, cancellable, callback, user_data);
}

void
op_imap_client_rename_async (OpImapClient        *self,
                             const char          *mailbox,
                             const char          *new_name,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self) && mailbox != NULL && new_name != NULL);
  mailbox_call (self, MAILBOX_RENAME, mailbox, new_name, cancellable, callback, user_data);
}

void
op_imap_client_subscribe_async (OpImapClient        *self,
                                const char          *mailbox,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self) && mailbox != NULL);
  mailbox_call (self, MAILBOX_SUBSCRIBE, mailbox, NULL, cancellable, callback, user_data);
}

void
op_imap_client_unsubscribe_async (OpImapClient        *self,
                                  const char          *mailbox,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self) && mailbox != NULL);
  mailbox_call (self, MAILBOX_UNSUBSCRIBE, mailbox, NULL, cancellable, callback, user_data);
}

void
op_imap_client_close_async (OpImapClient        *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  {
    START (JOB_CLOSE, NULL);
    (void) job;
    job_queue (self, task);
  }
}

void
op_imap_client_unselect_async (OpImapClient        *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  {
    START (JOB_UNSELECT, NULL);
    (void) job;
    job_queue (self, task);
  }
}

void
op_imap_client_check_async (OpImapClient        *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  {
    START (JOB_CHECK, NULL);
    (void) job;
    job_queue (self, task);
  }
}

void
op_imap_client_expunge_async (OpImapClient        *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  {
    START (JOB_EXPUNGE, NULL);
    (void) job;
    job_queue (self, task);
  }
}

gboolean
op_imap_client_simple_finish (OpImapClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return finish_boolean (self, result, NULL, error);
}

void
op_imap_client_fetch_async (OpImapClient        *self,
                            const char          *uid_set,
                            OpImapFetchItems     items,
                            const char * const  *sections,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL);
  {
    START (JOB_FETCH, op_imap_client_fetch_async);
    job->a = g_strdup (uid_set);
    job->number = items;
    job->strv = g_strdupv ((char **) sections);
    job_queue (self, task);
  }
}

GPtrArray *
op_imap_client_fetch_finish (OpImapClient  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return finish_pointer (self, result, op_imap_client_fetch_async, error);
}

void
op_imap_client_fetch_changed_async (OpImapClient        *self,
                                    const char          *uid_set,
                                    OpImapFetchItems     items,
                                    const char * const  *sections,
                                    guint64              changedsince,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL);
  {
    START (JOB_FETCH, op_imap_client_fetch_changed_async);
    job->a = g_strdup (uid_set);
    job->number = items;
    job->strv = g_strdupv ((char **) sections);
    job->flag = TRUE;
    job->out_number = changedsince;
    job_queue (self, task);
  }
}

GPtrArray *
op_imap_client_fetch_changed_finish (OpImapClient  *self,
                                     GAsyncResult  *result,
                                     char         **vanished,
                                     GError       **error)
{
  GPtrArray *out = finish_pointer (self, result, op_imap_client_fetch_changed_async, error);

  if (out != NULL && vanished != NULL)
    *vanished = g_strdup (((Job *) g_task_get_task_data (G_TASK (result)))->out_text);
  return out;
}

void
op_imap_client_fetch_to_stream_async (OpImapClient        *self,
                                      guint32              uid,
                                      const char          *section,
                                      GOutputStream       *stream,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid > 0 && G_IS_OUTPUT_STREAM (stream));
  {
    START (JOB_FETCH_STREAM, op_imap_client_fetch_to_stream_async);
    job->uid = uid;
    job->a = g_strdup (section != NULL ? section : "");
    job->stream = g_object_ref (stream);
    job_queue (self, task);
  }
}

gboolean
op_imap_client_fetch_to_stream_finish (OpImapClient  *self,
                                       GAsyncResult  *result,
                                       guint64       *size,
                                       GError       **error)
{
  if (!finish_boolean (self, result, op_imap_client_fetch_to_stream_async, error))
    return FALSE;
  if (size != NULL)
    *size = ((Job *) g_task_get_task_data (G_TASK (result)))->out_number;
  return TRUE;
}

void
op_imap_client_search_async (OpImapClient        *self,
                             const char * const  *criteria,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  {
    START (JOB_SEARCH, op_imap_client_search_async);
    job->strv = g_strdupv ((char **) criteria);
    job_queue (self, task);
  }
}

GArray *
op_imap_client_search_finish (OpImapClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return finish_pointer (self, result, op_imap_client_search_async, error);
}

void
op_imap_client_store_async (OpImapClient        *self,
                            const char          *uid_set,
                            OpImapStoreMode      mode,
                            const char * const  *flags,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL && mode <= OP_IMAP_STORE_REPLACE);
  {
    START (JOB_STORE, op_imap_client_store_async);
    job->a = g_strdup (uid_set);
    job->number = mode;
    job->strv = g_strdupv ((char **) flags);
    job_queue (self, task);
  }
}

gboolean
op_imap_client_store_finish (OpImapClient  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return finish_boolean (self, result, op_imap_client_store_async, error);
}

void
op_imap_client_store_unchanged_async (OpImapClient        *self,
                                      const char          *uid_set,
                                      OpImapStoreMode      mode,
                                      const char * const  *flags,
                                      guint64              unchangedsince,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL && mode <= OP_IMAP_STORE_REPLACE);
  {
    START (JOB_STORE, op_imap_client_store_unchanged_async);
    job->a = g_strdup (uid_set);
    job->number = mode;
    job->strv = g_strdupv ((char **) flags);
    job->flag = TRUE;
    job->out_number = unchangedsince;
    job_queue (self, task);
  }
}

gboolean
op_imap_client_store_unchanged_finish (OpImapClient  *self,
                                       GAsyncResult  *result,
                                       char         **modified,
                                       GError       **error)
{
  if (!finish_boolean (self, result, op_imap_client_store_unchanged_async, error))
    return FALSE;
  if (modified != NULL)
    *modified = g_strdup (((Job *) g_task_get_task_data (G_TASK (result)))->out_text);
  return TRUE;
}

void
op_imap_client_copy_async (OpImapClient        *self,
                           const char          *uid_set,
                           const char          *mailbox,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL && mailbox != NULL);
  {
    START (JOB_COPY, op_imap_client_copy_async);
    job->a = g_strdup (uid_set);
    job->b = g_strdup (mailbox);
    job_queue (self, task);
  }
}

void
op_imap_client_move_async (OpImapClient        *self,
                           const char          *uid_set,
                           const char          *mailbox,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL && mailbox != NULL);
  {
    START (JOB_MOVE, op_imap_client_move_async);
    job->a = g_strdup (uid_set);
    job->b = g_strdup (mailbox);
    job_queue (self, task);
  }
}

static gboolean
finish_copy (OpImapClient  *self,
             GAsyncResult  *result,
             gpointer       tag,
             char         **dest_uids,
             GError       **error)
{
  if (!finish_boolean (self, result, tag, error))
    return FALSE;
  if (dest_uids != NULL)
    *dest_uids = g_strdup (((Job *) g_task_get_task_data (G_TASK (result)))->out_text);
  return TRUE;
}

gboolean
op_imap_client_copy_finish (OpImapClient  *self,
                            GAsyncResult  *result,
                            char         **dest_uids,
                            GError       **error)
{
  return finish_copy (self, result, op_imap_client_copy_async, dest_uids, error);
}

gboolean
op_imap_client_move_finish (OpImapClient  *self,
                            GAsyncResult  *result,
                            char         **dest_uids,
                            GError       **error)
{
  return finish_copy (self, result, op_imap_client_move_async, dest_uids, error);
}

void
op_imap_client_append_async (OpImapClient        *self,
                             const char          *mailbox,
                             GBytes              *message,
                             const char * const  *flags,
                             GDateTime           *date,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL && message != NULL);
  {
    START (JOB_APPEND, op_imap_client_append_async);
    job->a = g_strdup (mailbox);
    job->bytes = g_bytes_ref (message);
    job->strv = g_strdupv ((char **) flags);
    job->date = date != NULL ? g_date_time_ref (date) : NULL;
    job_queue (self, task);
  }
}

gboolean
op_imap_client_append_finish (OpImapClient  *self,
                              GAsyncResult  *result,
                              guint32       *uid,
                              GError       **error)
{
  if (!finish_boolean (self, result, op_imap_client_append_async, error))
    return FALSE;
  if (uid != NULL)
    *uid = (guint32) ((Job *) g_task_get_task_data (G_TASK (result)))->out_number;
  return TRUE;
}

void
op_imap_client_idle_async (OpImapClient        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  {
    START (JOB_IDLE, op_imap_client_idle_async);
    (void) job;
    job_queue (self, task);
  }
}

gboolean
op_imap_client_idle_finish (OpImapClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return finish_boolean (self, result, op_imap_client_idle_async, error);
}
