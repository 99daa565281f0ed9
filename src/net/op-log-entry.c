/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-log"

#include "config.h"

#include <glib/gi18n.h>

#include "op-log-entry.h"

struct _OpLogEntry
{
  GObject         parent_instance;

  OpLogDirection  direction;
  gint64          timestamp;
  char           *text;
};

G_DEFINE_FINAL_TYPE (OpLogEntry, op_log_entry, G_TYPE_OBJECT)

static void
op_log_entry_finalize (GObject *object)
{
  OpLogEntry *self = OP_LOG_ENTRY (object);

  g_clear_pointer (&self->text, g_free);

  G_OBJECT_CLASS (op_log_entry_parent_class)->finalize (object);
}

static void
op_log_entry_class_init (OpLogEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = op_log_entry_finalize;
}

static void
op_log_entry_init (OpLogEntry *self)
{
}

OpLogEntry *
op_log_entry_new (OpLogDirection  direction,
                  gint64          timestamp,
                  const char     *text)
{
  OpLogEntry *self;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (g_utf8_validate (text, -1, NULL), NULL);

  self = g_object_new (OP_TYPE_LOG_ENTRY, NULL);
  self->direction = direction;
  self->timestamp = timestamp;
  self->text = g_strdup (text);

  return self;
}

OpLogDirection
op_log_entry_get_direction (OpLogEntry *self)
{
  g_return_val_if_fail (OP_IS_LOG_ENTRY (self), OP_LOG_INFO);

  return self->direction;
}

/**
 * op_log_entry_get_timestamp:
 * @self: an entry
 *
 * Returns: when the entry was made, in microseconds since the epoch
 */
gint64
op_log_entry_get_timestamp (OpLogEntry *self)
{
  g_return_val_if_fail (OP_IS_LOG_ENTRY (self), 0);

  return self->timestamp;
}

/**
 * op_log_entry_dup_date_time:
 * @self: an entry
 *
 * Returns: (transfer full): when the entry was made, in local time
 */
GDateTime *
op_log_entry_dup_date_time (OpLogEntry *self)
{
  g_autoptr(GDateTime) seconds = NULL;

  g_return_val_if_fail (OP_IS_LOG_ENTRY (self), NULL);

  seconds = g_date_time_new_from_unix_local (self->timestamp / G_USEC_PER_SEC);
  if (seconds == NULL)
    return NULL;

  return g_date_time_add (seconds, self->timestamp % G_USEC_PER_SEC);
}

/**
 * op_log_entry_get_text:
 * @self: an entry
 *
 * Returns: (transfer none): the logged text (UTF-8, secrets already replaced by "****")
 */
const char *
op_log_entry_get_text (OpLogEntry *self)
{
  g_return_val_if_fail (OP_IS_LOG_ENTRY (self), NULL);

  return self->text;
}
