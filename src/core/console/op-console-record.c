/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-console"

#include "config.h"

#include <string.h>

#include "op-console-hex.h"
#include "op-console-record-private.h"

struct _OpConsoleRecord
{
  GObject             parent_instance;

  OpConsoleDirection  direction;
  gint64              time;
  char               *peer;
  guint64             offset;
  gboolean            datagram;
  gboolean            complete;
  GByteArray         *data;
  GString            *text;     /* decoded, as it came */
  char               *display;  /* (nullable): @text as shown, made when first asked */
};

G_DEFINE_FINAL_TYPE (OpConsoleRecord, op_console_record, G_TYPE_OBJECT)

static void
op_console_record_finalize (GObject *object)
{
  OpConsoleRecord *self = OP_CONSOLE_RECORD (object);

  g_free (self->peer);
  g_byte_array_unref (self->data);
  g_string_free (self->text, TRUE);
  g_free (self->display);

  G_OBJECT_CLASS (op_console_record_parent_class)->finalize (object);
}

static void
op_console_record_class_init (OpConsoleRecordClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_console_record_finalize;
}

static void
op_console_record_init (OpConsoleRecord *self)
{
  self->data = g_byte_array_new ();
  self->text = g_string_new (NULL);
}

OpConsoleRecord *
_op_console_record_new (OpConsoleDirection  direction,
                        gint64              time,
                        const char         *peer,
                        guint64             offset,
                        gboolean            datagram)
{
  OpConsoleRecord *self = g_object_new (OP_TYPE_CONSOLE_RECORD, NULL);

  self->direction = direction;
  self->time = time;
  self->peer = g_strdup (peer);
  self->offset = offset;
  self->datagram = datagram;
  self->complete = datagram || direction == OP_CONSOLE_NOTE;

  return self;
}

void
_op_console_record_append (OpConsoleRecord *self,
                           const guint8    *data,
                           gsize            length)
{
  g_byte_array_append (self->data, data, length);
}

GByteArray *
_op_console_record_get_bytes (OpConsoleRecord *self)
{
  return self->data;
}

GString *
_op_console_record_get_string (OpConsoleRecord *self)
{
  g_clear_pointer (&self->display, g_free);
  return self->text;
}

gboolean
_op_console_record_is_complete (OpConsoleRecord *self)
{
  return self->complete;
}

void
_op_console_record_complete (OpConsoleRecord *self)
{
  self->complete = TRUE;
}

OpConsoleDirection
op_console_record_get_direction (OpConsoleRecord *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_RECORD (self), OP_CONSOLE_NOTE);

  return self->direction;
}

gint64
op_console_record_get_time (OpConsoleRecord *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_RECORD (self), 0);

  return self->time;
}

const char *
op_console_record_get_peer (OpConsoleRecord *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_RECORD (self), NULL);

  return self->peer;
}

const guint8 *
op_console_record_get_data (OpConsoleRecord *self,
                            gsize           *length)
{
  g_return_val_if_fail (OP_IS_CONSOLE_RECORD (self), NULL);

  if (length != NULL)
    *length = self->data->len;

  return self->data->data;
}

guint64
op_console_record_get_offset (OpConsoleRecord *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_RECORD (self), 0);

  return self->offset;
}

/* The line end is left off (the row is the line); other control characters become their
 * Unicode pictures (U+2400…), so a stray ESC or NUL is seen rather than acted on. */
static char *
make_display (const char *text,
              gsize       length,
              gboolean    note)
{
  GString *out;

  if (note)
    return g_strndup (text, length);

  if (length > 0 && text[length - 1] == '\n')
    length--;
  if (length > 0 && text[length - 1] == '\r')
    length--;

  out = g_string_sized_new (length + 1);
  for (gsize i = 0; i < length; i++)
    {
      guchar c = text[i];

      if (c == '\t' || (c >= 0x20 && c != 0x7f))
        g_string_append_c (out, c);
      else
        g_string_append_unichar (out, c == 0x7f ? 0x2421 : 0x2400 + c);
    }

  return g_string_free (out, FALSE);
}

const char *
op_console_record_get_text (OpConsoleRecord *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_RECORD (self), NULL);

  if (self->display == NULL)
    self->display = make_display (self->text->str, self->text->len,
                                  self->direction == OP_CONSOLE_NOTE);

  return self->display;
}

gboolean
op_console_record_is_datagram (OpConsoleRecord *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_RECORD (self), FALSE);

  return self->datagram;
}

/**
 * op_console_record_dump:
 * @self: a record
 *
 * Returns: (transfer full): the hex dump of the record's bytes, without the last line
 *   end; a note's text for a note
 */
char *
op_console_record_dump (OpConsoleRecord *self)
{
  char *dump;
  gsize n;

  g_return_val_if_fail (OP_IS_CONSOLE_RECORD (self), NULL);

  if (self->direction == OP_CONSOLE_NOTE)
    return g_strdup (self->text->str);

  dump = op_console_hex_dump (self->data->data, self->data->len, self->offset);
  n = strlen (dump);
  if (n > 0 && dump[n - 1] == '\n')
    dump[n - 1] = '\0';

  return dump;
}
