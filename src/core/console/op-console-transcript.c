/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-console"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-console-decoder.h"
#include "op-console-record-private.h"
#include "op-console-transcript.h"

struct _OpConsoleTranscript
{
  GObject     parent_instance;

  GPtrArray  *records;      /* OpConsoleRecord, oldest first */
  gsize       n_bytes;
  gsize       max_bytes;
  guint       max_records;
  guint64     n_evicted;
  guint64     n_skipped;
  char       *charset;
  GHashTable *streams;      /* "direction peer" → Stream */
};

#define MAX_STREAMS 256

typedef struct
{
  OpConsoleDecoder *decoder;
  guint64           offset;
} Stream;

enum
{
  PROP_0,
  PROP_CHARSET,
  PROP_N_BYTES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OpConsoleTranscript, op_console_transcript, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static void
stream_free (gpointer data)
{
  Stream *stream = data;

  op_console_decoder_free (stream->decoder);
  g_free (stream);
}

static GType
get_item_type (GListModel *model)
{
  return OP_TYPE_CONSOLE_RECORD;
}

static guint
get_n_items (GListModel *model)
{
  return OP_CONSOLE_TRANSCRIPT (model)->records->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  OpConsoleTranscript *self = OP_CONSOLE_TRANSCRIPT (model);

  if (position >= self->records->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->records, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
op_console_transcript_finalize (GObject *object)
{
  OpConsoleTranscript *self = OP_CONSOLE_TRANSCRIPT (object);

  g_ptr_array_unref (self->records);
  g_hash_table_unref (self->streams);
  g_free (self->charset);

  G_OBJECT_CLASS (op_console_transcript_parent_class)->finalize (object);
}

static void
op_console_transcript_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  OpConsoleTranscript *self = OP_CONSOLE_TRANSCRIPT (object);

  switch (prop_id)
    {
    case PROP_CHARSET:
      g_value_set_string (value, self->charset);
      break;
    case PROP_N_BYTES:
      g_value_set_uint64 (value, self->n_bytes);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_console_transcript_class_init (OpConsoleTranscriptClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = op_console_transcript_finalize;
  object_class->get_property = op_console_transcript_get_property;

  properties[PROP_CHARSET] =
    g_param_spec_string ("charset", NULL, NULL, "UTF-8",
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_BYTES] =
    g_param_spec_uint64 ("n-bytes", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_console_transcript_init (OpConsoleTranscript *self)
{
  self->records = g_ptr_array_new_with_free_func (g_object_unref);
  self->streams = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, stream_free);
  self->charset = g_strdup ("UTF-8");
}

/**
 * op_console_transcript_new:
 * @max_bytes: the most bytes kept (at least OP_CONSOLE_RECORD_MAX_BYTES)
 * @max_records: the most records kept (at least 1)
 *
 * Returns: (transfer full): an empty transcript
 */
OpConsoleTranscript *
op_console_transcript_new (gsize max_bytes,
                           guint max_records)
{
  OpConsoleTranscript *self;

  g_return_val_if_fail (max_bytes >= OP_CONSOLE_RECORD_MAX_BYTES, NULL);
  g_return_val_if_fail (max_records >= 1, NULL);

  self = g_object_new (OP_TYPE_CONSOLE_TRANSCRIPT, NULL);
  self->max_bytes = max_bytes;
  self->max_records = max_records;

  return self;
}

static Stream *
get_stream (OpConsoleTranscript *self,
            OpConsoleDirection   direction,
            const char          *peer)
{
  g_autofree char *key = g_strdup_printf ("%d %s", direction, peer != NULL ? peer : "");
  Stream *stream = g_hash_table_lookup (self->streams, key);

  if (stream == NULL)
    {
      /* A UDP server may hear from any number of sources: past this many, all decoders
       * start afresh (at worst one character split across datagrams shows as U+FFFD). */
      if (g_hash_table_size (self->streams) >= MAX_STREAMS)
        g_hash_table_remove_all (self->streams);

      stream = g_new0 (Stream, 1);
      /* The charset was checked when it was chosen. */
      stream->decoder = op_console_decoder_new (self->charset, NULL);
      g_assert (stream->decoder != NULL);
      g_hash_table_insert (self->streams, g_steal_pointer (&key), stream);
    }

  return stream;
}

static OpConsoleRecord *
last_record (OpConsoleTranscript *self)
{
  if (self->records->len == 0)
    return NULL;

  return g_ptr_array_index (self->records, self->records->len - 1);
}

/* Drops records from the front once a bound is passed, down to 90 % of both bounds: one
 * big removal now and then costs a view far less than one small removal per append.
 * Keeps the newest record. */
static void
evict (OpConsoleTranscript *self)
{
  gsize low_bytes = self->max_bytes / 10 * 9;
  guint low_records = self->max_records - self->max_records / 10;
  guint n = 0;

  if (self->n_bytes <= self->max_bytes && self->records->len <= self->max_records)
    return;

  while (self->records->len - n > 1
         && (self->n_bytes > low_bytes || self->records->len - n > low_records))
    {
      OpConsoleRecord *record = g_ptr_array_index (self->records, n);
      gsize length;

      op_console_record_get_data (record, &length);
      self->n_bytes -= length;
      self->n_evicted += length;
      n++;
    }

  if (n == 0)
    return;

  g_ptr_array_remove_range (self->records, 0, n);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
}

static void
decode_into (Stream          *stream,
             OpConsoleRecord *record,
             const guint8    *data,
             gsize            length)
{
  op_console_decoder_decode (stream->decoder, data, length,
                             _op_console_record_get_string (record));
}

static void
finish_append (OpConsoleTranscript *self,
               guint                position,
               guint                removed,
               guint                added)
{
  if (removed > 0 || added > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  evict (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_BYTES]);
}

/**
 * op_console_transcript_append:
 * @self: a transcript
 * @direction: %OP_CONSOLE_RECEIVED or %OP_CONSOLE_SENT
 * @peer: (nullable): whom the bytes came from or went to, for a server's clients
 * @data: (array length=length): the bytes, as they came
 * @length: how many
 *
 * Adds bytes of a stream: they continue the last record when it is an unfinished line of
 * the same direction and peer.
 */
void
op_console_transcript_append (OpConsoleTranscript *self,
                              OpConsoleDirection   direction,
                              const char          *peer,
                              const guint8        *data,
                              gsize                length)
{
  OpConsoleRecord *last;
  Stream *stream;
  guint first_changed, removed = 0, added = 0;
  gint64 now;

  g_return_if_fail (OP_IS_CONSOLE_TRANSCRIPT (self));
  g_return_if_fail (direction != OP_CONSOLE_NOTE);
  g_return_if_fail (data != NULL || length == 0);

  if (length == 0)
    return;

  now = g_get_real_time ();
  stream = get_stream (self, direction, peer);
  last = last_record (self);
  first_changed = self->records->len;

  if (last != NULL
      && !_op_console_record_is_complete (last)
      && op_console_record_get_direction (last) == direction
      && g_strcmp0 (op_console_record_get_peer (last), peer) == 0)
    {
      first_changed = self->records->len - 1;
      removed = 1;
      added = 1;
    }
  else
    last = NULL;

  while (length > 0)
    {
      GByteArray *bytes;
      const guint8 *newline;
      gsize take;

      if (last == NULL)
        {
          last = _op_console_record_new (direction, now, peer, stream->offset, FALSE);
          g_ptr_array_add (self->records, last);
          added++;
        }

      bytes = _op_console_record_get_bytes (last);
      take = MIN (length, OP_CONSOLE_RECORD_MAX_BYTES - bytes->len);
      newline = memchr (data, '\n', take);
      if (newline != NULL)
        take = newline - data + 1;

      _op_console_record_append (last, data, take);
      decode_into (stream, last, data, take);
      stream->offset += take;
      self->n_bytes += take;
      data += take;
      length -= take;

      if (newline != NULL || bytes->len >= OP_CONSOLE_RECORD_MAX_BYTES)
        {
          _op_console_record_complete (last);
          last = NULL;
        }
    }

  finish_append (self, first_changed, removed, added);
}

void
op_console_transcript_append_datagram (OpConsoleTranscript *self,
                                       OpConsoleDirection   direction,
                                       const char          *peer,
                                       const guint8        *data,
                                       gsize                length)
{
  OpConsoleRecord *record;
  Stream *stream;

  g_return_if_fail (OP_IS_CONSOLE_TRANSCRIPT (self));
  g_return_if_fail (direction != OP_CONSOLE_NOTE);
  g_return_if_fail (data != NULL || length == 0);

  stream = get_stream (self, direction, peer);
  record = _op_console_record_new (direction, g_get_real_time (), peer, 0, TRUE);
  _op_console_record_append (record, data, length);
  /* A datagram is whole: nothing waits for the next one. */
  op_console_decoder_reset (stream->decoder);
  decode_into (stream, record, data, length);
  op_console_decoder_reset (stream->decoder);
  self->n_bytes += length;
  g_ptr_array_add (self->records, record);

  finish_append (self, self->records->len - 1, 0, 1);
}

void
op_console_transcript_append_note (OpConsoleTranscript *self,
                                   const char          *peer,
                                   const char          *text)
{
  OpConsoleRecord *record;

  g_return_if_fail (OP_IS_CONSOLE_TRANSCRIPT (self));
  g_return_if_fail (text != NULL);

  record = _op_console_record_new (OP_CONSOLE_NOTE, g_get_real_time (), peer, 0, FALSE);
  g_string_append (_op_console_record_get_string (record), text);
  g_ptr_array_add (self->records, record);

  finish_append (self, self->records->len - 1, 0, 1);
}

void
op_console_transcript_note_skipped (OpConsoleTranscript *self,
                                    guint64              length)
{
  g_autofree char *size = NULL;
  g_autofree char *text = NULL;
  GHashTableIter iter;
  Stream *stream;

  g_return_if_fail (OP_IS_CONSOLE_TRANSCRIPT (self));

  self->n_skipped += length;
  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &stream))
    {
      op_console_decoder_reset (stream->decoder);
      stream->offset += length;
    }

  size = g_format_size_full (length, G_FORMAT_SIZE_LONG_FORMAT);
  text = g_strdup_printf (_("%s received but not shown: data came faster than the window "
                            "can show it."), size);
  op_console_transcript_append_note (self, NULL, text);
}

/**
 * op_console_transcript_set_charset:
 * @self: a transcript
 * @charset: one of op_console_charsets(), or any iconv name
 * @error: a #GConvertError when the system can't convert from @charset
 *
 * Decodes every record again in @charset.
 *
 * Returns: %TRUE when @charset is in use
 */
gboolean
op_console_transcript_set_charset (OpConsoleTranscript  *self,
                                   const char           *charset,
                                   GError              **error)
{
  g_autoptr (OpConsoleDecoder) probe = NULL;

  g_return_val_if_fail (OP_IS_CONSOLE_TRANSCRIPT (self), FALSE);
  g_return_val_if_fail (charset != NULL, FALSE);

  if (g_ascii_strcasecmp (charset, self->charset) == 0)
    return TRUE;

  probe = op_console_decoder_new (charset, error);
  if (probe == NULL)
    return FALSE;

  g_free (self->charset);
  self->charset = g_strdup (charset);
  g_hash_table_remove_all (self->streams);

  for (guint i = 0; i < self->records->len; i++)
    {
      OpConsoleRecord *record = g_ptr_array_index (self->records, i);
      OpConsoleDirection direction = op_console_record_get_direction (record);
      GByteArray *bytes = _op_console_record_get_bytes (record);
      Stream *stream;

      if (direction == OP_CONSOLE_NOTE)
        continue;

      stream = get_stream (self, direction, op_console_record_get_peer (record));
      g_string_truncate (_op_console_record_get_string (record), 0);
      if (op_console_record_is_datagram (record))
        op_console_decoder_reset (stream->decoder);
      decode_into (stream, record, bytes->data, bytes->len);
      stream->offset = op_console_record_get_offset (record) + bytes->len;
    }

  g_list_model_items_changed (G_LIST_MODEL (self), 0, self->records->len,
                              self->records->len);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHARSET]);

  return TRUE;
}

const char *
op_console_transcript_get_charset (OpConsoleTranscript *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_TRANSCRIPT (self), NULL);

  return self->charset;
}

gsize
op_console_transcript_get_n_bytes (OpConsoleTranscript *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_TRANSCRIPT (self), 0);

  return self->n_bytes;
}

gsize
op_console_transcript_get_max_bytes (OpConsoleTranscript *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_TRANSCRIPT (self), 0);

  return self->max_bytes;
}

guint
op_console_transcript_get_max_records (OpConsoleTranscript *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_TRANSCRIPT (self), 0);

  return self->max_records;
}

guint64
op_console_transcript_get_n_evicted (OpConsoleTranscript *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_TRANSCRIPT (self), 0);

  return self->n_evicted;
}

guint64
op_console_transcript_get_n_skipped (OpConsoleTranscript *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_TRANSCRIPT (self), 0);

  return self->n_skipped;
}

void
op_console_transcript_clear (OpConsoleTranscript *self)
{
  guint n;

  g_return_if_fail (OP_IS_CONSOLE_TRANSCRIPT (self));

  n = self->records->len;
  g_ptr_array_set_size (self->records, 0);
  self->n_bytes = 0;
  if (n > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_BYTES]);
}

/**
 * op_console_format_time:
 * @time: microseconds since the epoch
 *
 * Returns: (transfer full): the local time as "HH:MM:SS.mmm"
 */
char *
op_console_format_time (gint64 time)
{
  /* The local zone once: g_time_zone_new_local() looks at /etc/localtime on every call,
   * and a view formats a time for every row it shows. */
  static GTimeZone *zone;
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (time / G_USEC_PER_SEC);
  g_autoptr (GDateTime) local = NULL;

  if (g_once_init_enter (&zone))
    g_once_init_leave (&zone, g_time_zone_new_local ());

  if (utc == NULL)
    return g_strdup ("--:--:--.---");

  local = g_date_time_to_timezone (utc, zone);
  return g_strdup_printf ("%02d:%02d:%02d.%03d", g_date_time_get_hour (local),
                          g_date_time_get_minute (local), g_date_time_get_second (local),
                          (int) (time % G_USEC_PER_SEC / 1000));
}

char *
op_console_transcript_to_text (OpConsoleTranscript *self)
{
  GString *out;

  g_return_val_if_fail (OP_IS_CONSOLE_TRANSCRIPT (self), NULL);

  out = g_string_new (NULL);
  for (guint i = 0; i < self->records->len; i++)
    {
      OpConsoleRecord *record = g_ptr_array_index (self->records, i);
      g_autofree char *stamp = op_console_format_time (op_console_record_get_time (record));
      const char *peer = op_console_record_get_peer (record);
      const char *mark;

      switch (op_console_record_get_direction (record))
        {
        case OP_CONSOLE_RECEIVED: mark = "←"; break;
        case OP_CONSOLE_SENT: mark = "→"; break;
        default: mark = "•"; break;
        }

      g_string_append_printf (out, "%s %s %s%s%s\n", stamp, mark,
                              peer != NULL ? peer : "", peer != NULL ? " " : "",
                              op_console_record_get_text (record));
    }

  return g_string_free (out, FALSE);
}

GBytes *
op_console_transcript_to_raw (OpConsoleTranscript *self)
{
  GByteArray *out;

  g_return_val_if_fail (OP_IS_CONSOLE_TRANSCRIPT (self), NULL);

  out = g_byte_array_new ();
  for (guint i = 0; i < self->records->len; i++)
    {
      OpConsoleRecord *record = g_ptr_array_index (self->records, i);
      const guint8 *data;
      gsize length;

      if (op_console_record_get_direction (record) != OP_CONSOLE_RECEIVED)
        continue;
      data = op_console_record_get_data (record, &length);
      g_byte_array_append (out, data, length);
    }

  return g_byte_array_free_to_bytes (out);
}
