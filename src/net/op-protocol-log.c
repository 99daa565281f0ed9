/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-log"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-protocol-log.h"

struct _OpProtocolLog
{
  GObject       parent_instance;

  GMainContext *context;     /* where entries are delivered */
  guint         capacity;

  /* Shared with worker threads. */
  GMutex        mutex;
  GQueue        history;     /* (element-type OpLogEntry): the last @capacity entries */
  GQueue        pending;     /* (element-type OpLogEntry): not yet delivered on @context */
  gboolean      dispatch_scheduled;

  /* Owned by @context: the GListModel view, a ring of at most @capacity entries. */
  OpLogEntry  **ring;
  guint         ring_start;
  guint         ring_count;
};

enum
{
  SIGNAL_ENTRY_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void op_protocol_log_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OpProtocolLog, op_protocol_log, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      op_protocol_log_list_model_init))

static GType
op_protocol_log_get_item_type (GListModel *model)
{
  return OP_TYPE_LOG_ENTRY;
}

static guint
op_protocol_log_get_n_items (GListModel *model)
{
  return OP_PROTOCOL_LOG (model)->ring_count;
}

static gpointer
op_protocol_log_get_item (GListModel *model,
                          guint       position)
{
  OpProtocolLog *self = OP_PROTOCOL_LOG (model);

  if (position >= self->ring_count)
    return NULL;

  return g_object_ref (self->ring[(self->ring_start + position) % self->capacity]);
}

static void
op_protocol_log_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = op_protocol_log_get_item_type;
  iface->get_n_items = op_protocol_log_get_n_items;
  iface->get_item = op_protocol_log_get_item;
}

static void
clear_ring (OpProtocolLog *self)
{
  for (guint i = 0; i < self->ring_count; i++)
    g_object_unref (self->ring[(self->ring_start + i) % self->capacity]);
  self->ring_start = 0;
  self->ring_count = 0;
}

static void
op_protocol_log_finalize (GObject *object)
{
  OpProtocolLog *self = OP_PROTOCOL_LOG (object);

  if (self->ring != NULL)
    clear_ring (self);
  g_clear_pointer (&self->ring, g_free);
  g_queue_clear_full (&self->history, g_object_unref);
  g_queue_clear_full (&self->pending, g_object_unref);
  g_mutex_clear (&self->mutex);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (op_protocol_log_parent_class)->finalize (object);
}

static void
op_protocol_log_class_init (OpProtocolLogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = op_protocol_log_finalize;

  /**
   * OpProtocolLog::entry-added:
   * @self: the log
   * @entry: the new #OpLogEntry
   *
   * Emitted on the log's main context for every entry, in order, after the list model
   * was updated.
   */
  signals[SIGNAL_ENTRY_ADDED] =
    g_signal_new ("entry-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, OP_TYPE_LOG_ENTRY);
}

static void
op_protocol_log_init (OpProtocolLog *self)
{
  g_mutex_init (&self->mutex);
  g_queue_init (&self->history);
  g_queue_init (&self->pending);
  self->context = g_main_context_ref_thread_default ();
  self->capacity = OP_PROTOCOL_LOG_DEFAULT_CAPACITY;
}

OpProtocolLog *
op_protocol_log_new (void)
{
  return op_protocol_log_new_with_capacity (OP_PROTOCOL_LOG_DEFAULT_CAPACITY);
}

/**
 * op_protocol_log_new_with_capacity:
 * @capacity: how many entries to keep (older ones are dropped), at least 1
 *
 * Returns: (transfer full): a new log
 */
OpProtocolLog *
op_protocol_log_new_with_capacity (guint capacity)
{
  OpProtocolLog *self;

  g_return_val_if_fail (capacity > 0, NULL);

  self = g_object_new (OP_TYPE_PROTOCOL_LOG, NULL);
  self->capacity = capacity;

  return self;
}

/* Runs on self->context: moves pending entries into the list model and announces them. */
static gboolean
deliver_pending (gpointer user_data)
{
  OpProtocolLog *self = user_data;
  GQueue batch = G_QUEUE_INIT;
  guint old_count;
  guint added;
  guint removed;

  g_mutex_lock (&self->mutex);
  batch = self->pending;
  g_queue_init (&self->pending);
  self->dispatch_scheduled = FALSE;
  g_mutex_unlock (&self->mutex);

  added = batch.length;
  if (added == 0)
    return G_SOURCE_REMOVE;

  /* The pending queue is trimmed to the capacity, so the new entries always fit. */
  g_assert (added <= self->capacity);

  if (self->ring == NULL)
    self->ring = g_new0 (OpLogEntry *, self->capacity);

  old_count = self->ring_count;
  removed = 0;
  for (GList *l = batch.head; l != NULL; l = l->next)
    {
      if (self->ring_count == self->capacity)
        {
          g_object_unref (self->ring[self->ring_start]);
          self->ring[self->ring_start] = NULL;
          self->ring_start = (self->ring_start + 1) % self->capacity;
          self->ring_count--;
          removed++;
        }
      self->ring[(self->ring_start + self->ring_count) % self->capacity] = g_object_ref (l->data);
      self->ring_count++;
    }

  g_assert (self->ring_count == old_count + added - removed);

  if (removed > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
  g_list_model_items_changed (G_LIST_MODEL (self), self->ring_count - added, 0, added);

  for (GList *l = batch.head; l != NULL; l = l->next)
    g_signal_emit (self, signals[SIGNAL_ENTRY_ADDED], 0, l->data);

  g_queue_clear_full (&batch, g_object_unref);

  return G_SOURCE_REMOVE;
}

static void
append_entry (OpProtocolLog *self,
              OpLogEntry    *entry)
{
  gboolean schedule;

  g_mutex_lock (&self->mutex);

  g_queue_push_tail (&self->history, g_object_ref (entry));
  while (self->history.length > self->capacity)
    g_object_unref (g_queue_pop_head (&self->history));

  /* If the owner context is busy (or a test thread blocks it), undelivered entries are
   * bounded too: only the last @capacity could ever be shown. */
  g_queue_push_tail (&self->pending, g_object_ref (entry));
  while (self->pending.length > self->capacity)
    g_object_unref (g_queue_pop_head (&self->pending));

  schedule = !self->dispatch_scheduled;
  self->dispatch_scheduled = TRUE;

  g_mutex_unlock (&self->mutex);

  /* One delivery per batch: appending from a worker costs a lock, not a wakeup per line.
   * Called on the owner's thread, this delivers at once. */
  if (schedule)
    g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT,
                                deliver_pending, g_object_ref (self), g_object_unref);
}

/**
 * op_protocol_log_sanitize_text:
 * @data: bytes as they came from the network (any encoding, may contain NUL)
 * @length: length of @data, or -1 if it is nul-terminated
 *
 * Makes @data fit for a log line: invalid UTF-8 (and C1 controls) become U+FFFD, C0
 * controls become their visible Unicode "control pictures" (␀, ␛, …) so a hostile peer
 * cannot hide text or drive a terminal, a tab becomes a space, and text longer than %OP_PROTOCOL_LOG_MAX_TEXT bytes
 * is cut with a note of its real length.
 *
 * Returns: (transfer full): UTF-8 text
 */
char *
op_protocol_log_sanitize_text (const char *data,
                               gssize      length)
{
  GString *out;
  gsize size;
  gsize kept;
  gsize i = 0;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (data == NULL)
    data = "";
  size = length < 0 ? strlen (data) : (gsize) length;
  kept = MIN (size, OP_PROTOCOL_LOG_MAX_TEXT);
  out = g_string_sized_new (kept + 16);

  while (i < kept)
    {
      gunichar c = g_utf8_get_char_validated (data + i, kept - i);

      if (data[i] == '\0')
        {
          g_string_append_unichar (out, 0x2400);
          i++;
        }
      else if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* Invalid or cut sequence (or one hiding a NUL): one replacement per byte. */
          g_string_append_unichar (out, 0xfffd);
          i++;
        }
      else
        {
          gsize n = g_utf8_next_char (data + i) - (data + i);

          if (c == '\t')
            g_string_append_c (out, ' ');
          else if (c < 0x20)
            g_string_append_unichar (out, 0x2400 + c);
          else if (c == 0x7f)
            g_string_append_unichar (out, 0x2421);
          else if (c >= 0x80 && c < 0xa0)
            g_string_append_unichar (out, 0xfffd);
          else
            g_string_append_len (out, data + i, n);
          i += n;
        }
    }

  if (kept < size)
    {
      g_autofree char *total = g_format_size_full (size, G_FORMAT_SIZE_LONG_FORMAT);

      /* Translators: appended to a cut log line; %s is a size like "3.1 kB (3,100 bytes)" */
      g_string_append_printf (out, _("… (%s in all)"), total);
    }

  return g_string_free (out, FALSE);
}

/**
 * op_protocol_log_append:
 * @self: a log
 * @direction: what kind of entry this is
 * @text: the text (sanitized with op_protocol_log_sanitize_text())
 *
 * Appends an entry. Safe to call from any thread; observers see it on the log's
 * main context. Sent lines should go through op_protocol_log_append_sent(), which
 * redacts secrets.
 */
void
op_protocol_log_append (OpProtocolLog  *self,
                        OpLogDirection  direction,
                        const char     *text)
{
  g_autofree char *clean = NULL;
  g_autoptr(OpLogEntry) entry = NULL;

  g_return_if_fail (OP_IS_PROTOCOL_LOG (self));
  g_return_if_fail (text != NULL);

  clean = op_protocol_log_sanitize_text (text, -1);
  entry = op_log_entry_new (direction, g_get_real_time (), clean);
  append_entry (self, entry);
}

/**
 * op_protocol_log_append_printf:
 * @self: a log
 * @direction: what kind of entry this is
 * @format: printf-style format
 * @...: arguments
 *
 * Like op_protocol_log_append(), with a formatted text.
 */
void
op_protocol_log_append_printf (OpProtocolLog  *self,
                               OpLogDirection  direction,
                               const char     *format,
                               ...)
{
  g_autofree char *text = NULL;
  va_list args;

  g_return_if_fail (OP_IS_PROTOCOL_LOG (self));
  g_return_if_fail (format != NULL);

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  op_protocol_log_append (self, direction, text);
}

/**
 * op_protocol_log_append_sent:
 * @self: a log
 * @line: the line as sent, without CRLF
 * @flags: how to redact it
 *
 * Appends a sent line after op_protocol_log_redact_line(). Safe from any thread.
 */
void
op_protocol_log_append_sent (OpProtocolLog *self,
                             const char    *line,
                             OpSendFlags    flags)
{
  g_autofree char *redacted = NULL;

  g_return_if_fail (OP_IS_PROTOCOL_LOG (self));
  g_return_if_fail (line != NULL);

  redacted = op_protocol_log_redact_line (line, flags);
  op_protocol_log_append (self, OP_LOG_SENT, redacted);
}

/**
 * op_protocol_log_append_received:
 * @self: a log
 * @data: a received line without its terminator, as bytes
 * @length: its length
 *
 * Appends a received line as is, made valid and bounded by
 * op_protocol_log_sanitize_text(). Safe from any thread.
 */
void
op_protocol_log_append_received (OpProtocolLog *self,
                                 const char    *data,
                                 gsize          length)
{
  g_autofree char *clean = NULL;
  g_autoptr(OpLogEntry) entry = NULL;

  g_return_if_fail (OP_IS_PROTOCOL_LOG (self));
  g_return_if_fail (data != NULL || length == 0);

  clean = op_protocol_log_sanitize_text (data != NULL ? data : "", length);
  entry = op_log_entry_new (OP_LOG_RECEIVED, g_get_real_time (), clean);
  append_entry (self, entry);
}

/**
 * op_protocol_log_dup_entries:
 * @self: a log
 *
 * A snapshot of the entries kept so far, including those not yet delivered on the
 * log's main context. Safe from any thread (for example to save or copy a log, or in
 * tests that block the main context).
 *
 * Returns: (transfer full) (element-type OpLogEntry): the entries, oldest first
 */
GPtrArray *
op_protocol_log_dup_entries (OpProtocolLog *self)
{
  GPtrArray *entries;

  g_return_val_if_fail (OP_IS_PROTOCOL_LOG (self), NULL);

  g_mutex_lock (&self->mutex);
  entries = g_ptr_array_new_full (self->history.length, g_object_unref);
  for (GList *l = self->history.head; l != NULL; l = l->next)
    g_ptr_array_add (entries, g_object_ref (l->data));
  g_mutex_unlock (&self->mutex);

  return entries;
}

/**
 * op_protocol_log_clear:
 * @self: a log
 *
 * Forgets every entry. Call it on the log's main context (the UI's "Clear" action), the
 * only place where the list model may change.
 */
void
op_protocol_log_clear (OpProtocolLog *self)
{
  guint removed;

  g_return_if_fail (OP_IS_PROTOCOL_LOG (self));

  g_mutex_lock (&self->mutex);
  g_queue_clear_full (&self->history, g_object_unref);
  g_queue_clear_full (&self->pending, g_object_unref);
  g_mutex_unlock (&self->mutex);

  removed = self->ring_count;
  if (self->ring != NULL)
    clear_ring (self);
  if (removed > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
}

/* Redaction ------------------------------------------------------------------------ */

typedef struct
{
  gsize start;
  gsize end;
} Word;

#define MAX_WORDS 4

/* Splits @line at spaces into at most MAX_WORDS words; the last one may be followed by
 * more text. Returns the number of words found. */
static guint
split_words (const char *line,
             Word        words[MAX_WORDS])
{
  guint n = 0;
  gsize i = 0;

  while (n < MAX_WORDS)
    {
      while (line[i] == ' ')
        i++;
      if (line[i] == '\0')
        break;
      words[n].start = i;
      while (line[i] != ' ' && line[i] != '\0')
        i++;
      words[n].end = i;
      n++;
    }

  return n;
}

static gboolean
word_is (const char *line,
         const Word *word,
         const char *keyword)
{
  gsize len = word->end - word->start;

  return len == strlen (keyword) && g_ascii_strncasecmp (line + word->start, keyword, len) == 0;
}

/* Keeps @line up to @keep_end and replaces the rest (if there is any) by the mask. */
static char *
mask_after (const char *line,
            gsize       keep_end)
{
  if (line[keep_end] == '\0')
    return g_strdup (line);

  return g_strdup_printf ("%.*s " OP_PROTOCOL_LOG_MASK, (int) keep_end, line);
}

/* Where the secret part of a command starts, for commands known to carry one, as the
 * end of the part that stays visible; 0 when the line holds no known secret. */
static gsize
known_secret_prefix (const char *line)
{
  Word w[MAX_WORDS];
  guint n = split_words (line, w);

  if (n < 2)
    return 0;

  /* RFC 959 §4.1.1 PASS and ACCT (FTP), RFC 1939 §7 PASS (POP3). */
  if (word_is (line, &w[0], "PASS") || word_is (line, &w[0], "ACCT"))
    return w[0].end;

  /* RFC 1939 §7 APOP name digest: the digest can be attacked offline. */
  if (word_is (line, &w[0], "APOP"))
    return n >= 3 ? w[1].end : w[0].end;

  /* RFC 4954 (SMTP), RFC 5034 (POP3): AUTH mechanism [initial-response]. FTP's
   * "AUTH TLS" (RFC 4217) has no third word and stays as is. */
  if (word_is (line, &w[0], "AUTH"))
    return n >= 3 ? w[1].end : 0;

  /* RFC 4643: AUTHINFO PASS password, AUTHINFO SASL mechanism [initial-response];
   * RFC 2980 §3.1.3: AUTHINFO GENERIC authenticator arguments. */
  if (word_is (line, &w[0], "AUTHINFO"))
    {
      if (word_is (line, &w[1], "PASS") || word_is (line, &w[1], "GENERIC"))
        return n >= 3 ? w[1].end : 0;
      if (word_is (line, &w[1], "SASL"))
        return n >= 4 ? w[2].end : 0;
      return 0;
    }

  /* IMAP, after the tag. RFC 9051 §6.2.3: tag LOGIN userid password. The user name may be
   * a quoted string with spaces or a literal, so everything after LOGIN goes.
   * RFC 4959 (SASL-IR): tag AUTHENTICATE mechanism initial-response. */
  if (word_is (line, &w[1], "LOGIN"))
    return n >= 3 ? w[1].end : 0;
  if (word_is (line, &w[1], "AUTHENTICATE"))
    return n >= 4 ? w[2].end : 0;

  return 0;
}

/**
 * op_protocol_log_redact_line:
 * @line: a line as sent, without CRLF
 * @flags: what the sender said about it
 *
 * What the log shows of a sent line. %OP_SEND_SECRET_LINE gives "****";
 * %OP_SEND_SECRET_ARGUMENT gives "VERB ****". As defence in depth, and whatever @flags
 * says, the secret part of PASS, ACCT, APOP, AUTH (the initial response after the
 * mechanism), AUTHINFO PASS/SASL/GENERIC, IMAP LOGIN and IMAP AUTHENTICATE is replaced by
 * "****" too, so a caller that forgot the flag leaks nothing.
 *
 * Returns: (transfer full): the text to log
 */
char *
op_protocol_log_redact_line (const char  *line,
                             OpSendFlags  flags)
{
  gsize keep;

  g_return_val_if_fail (line != NULL, NULL);

  if (flags == OP_SEND_SECRET_LINE)
    return g_strdup (OP_PROTOCOL_LOG_MASK);

  keep = known_secret_prefix (line);
  if (keep > 0)
    return mask_after (line, keep);

  if (flags == OP_SEND_SECRET_ARGUMENT)
    {
      Word w[MAX_WORDS];

      if (split_words (line, w) == 0)
        return g_strdup (OP_PROTOCOL_LOG_MASK);
      return g_strdup_printf ("%.*s " OP_PROTOCOL_LOG_MASK, (int) w[0].end, line);
    }

  return g_strdup (line);
}
