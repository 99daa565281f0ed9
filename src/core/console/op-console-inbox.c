/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-console"

#include "config.h"

#include <string.h>

#include "op-console-inbox.h"

/* What an item costs beyond its bytes (the item, its GBytes, the queue link): counted so
 * that a flood of tiny datagrams is bounded as well as one of big reads. */
#define ITEM_OVERHEAD 96

/* While more waits than one turn may take, the next turn comes after this pause, so the
 * main loop draws and answers input in between. */
#define DRAIN_PAUSE_MS 30

struct _OpConsoleInbox
{
  gatomicrefcount      ref_count;
  GMutex               lock;
  GQueue               items;        /* OpConsoleItem, oldest first (under @lock) */
  gsize                n_waiting;    /* cost of @items: bytes plus ITEM_OVERHEAD each (under @lock) */
  guint64              n_dropped;    /* under @lock */
  guint64              n_unreported; /* dropped, not yet noted in the transcript */
  GSource             *source;       /* (nullable): a drain is scheduled (under @lock) */
  GMainContext        *context;
  gboolean             closed;       /* under @lock */

  OpConsoleTranscript *transcript;   /* main thread only */
  OpConsoleEventFunc   event_func;
  gpointer             owner;
};

static void
item_free (OpConsoleItem *item)
{
  g_free (item->peer);
  g_clear_pointer (&item->data, g_bytes_unref);
  g_free (item);
}

OpConsoleInbox *
_op_console_inbox_new (OpConsoleTranscript *transcript,
                       OpConsoleEventFunc   event_func,
                       gpointer             owner)
{
  OpConsoleInbox *self = g_new0 (OpConsoleInbox, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  g_queue_init (&self->items);
  self->context = g_main_context_ref_thread_default ();
  self->transcript = g_object_ref (transcript);
  self->event_func = event_func;
  self->owner = owner;

  return self;
}

OpConsoleInbox *
_op_console_inbox_ref (OpConsoleInbox *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
_op_console_inbox_unref (OpConsoleInbox *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_queue_clear_full (&self->items, (GDestroyNotify) item_free);
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_source_unref (self->source);
    }
  g_mutex_clear (&self->lock);
  g_main_context_unref (self->context);
  g_object_unref (self->transcript);
  g_free (self);
}

void
_op_console_inbox_close (OpConsoleInbox *self)
{
  g_mutex_lock (&self->lock);
  self->closed = TRUE;
  self->owner = NULL;
  g_queue_clear_full (&self->items, (GDestroyNotify) item_free);
  self->n_waiting = 0;
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  g_mutex_unlock (&self->lock);

  _op_console_inbox_unref (self);
}

static gboolean drain (gpointer user_data);

/* Under @lock. */
static void
schedule (OpConsoleInbox *self,
          guint           delay_ms)
{
  if (self->source != NULL || self->closed)
    return;

  self->source = delay_ms == 0 ? g_idle_source_new () : g_timeout_source_new (delay_ms);
  g_source_set_priority (self->source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (self->source, drain, _op_console_inbox_ref (self),
                         (GDestroyNotify) _op_console_inbox_unref);
  g_source_set_static_name (self->source, "[outpost] console inbox");
  g_source_attach (self->source, self->context);
}

static void
push (OpConsoleInbox *self,
      OpConsoleItem  *item)
{
  gsize size = ITEM_OVERHEAD + (item->data != NULL ? g_bytes_get_size (item->data) : 0);

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      item_free (item);
      return;
    }

  g_queue_push_tail (&self->items, item);
  self->n_waiting += size;

  /* Over the cap: drop the oldest received data (notes, events and what was sent stay;
   * they are small and say what happened). */
  for (GList *l = self->items.head; l != NULL && self->n_waiting > OP_CONSOLE_INBOX_CAP;)
    {
      OpConsoleItem *old = l->data;
      GList *next = l->next;

      if ((old->kind == OP_CONSOLE_ITEM_STREAM || old->kind == OP_CONSOLE_ITEM_DATAGRAM)
          && old->direction == OP_CONSOLE_RECEIVED && old != item)
        {
          gsize old_size = g_bytes_get_size (old->data);

          self->n_waiting -= ITEM_OVERHEAD + old_size;
          self->n_dropped += old_size;
          self->n_unreported += old_size;
          g_queue_delete_link (&self->items, l);
          item_free (old);
        }
      l = next;
    }

  schedule (self, 0);
  g_mutex_unlock (&self->lock);
}

void
_op_console_inbox_push_data (OpConsoleInbox     *self,
                             OpConsoleItemKind   kind,
                             OpConsoleDirection  direction,
                             const char         *peer,
                             const guint8       *data,
                             gsize               length)
{
  OpConsoleItem *item = g_new0 (OpConsoleItem, 1);

  item->kind = kind;
  item->direction = direction;
  item->peer = g_strdup (peer);
  item->data = g_bytes_new (data, length);
  push (self, item);
}

void
_op_console_inbox_push_note (OpConsoleInbox *self,
                             const char     *peer,
                             const char     *text)
{
  OpConsoleItem *item = g_new0 (OpConsoleItem, 1);

  item->kind = OP_CONSOLE_ITEM_NOTE;
  item->direction = OP_CONSOLE_NOTE;
  item->peer = g_strdup (peer);
  item->data = g_bytes_new (text, strlen (text) + 1);
  push (self, item);
}

void
_op_console_inbox_push_event (OpConsoleInbox *self,
                              int             code,
                              const char     *peer,
                              GBytes         *data)
{
  OpConsoleItem *item = g_new0 (OpConsoleItem, 1);

  item->kind = OP_CONSOLE_ITEM_EVENT;
  item->code = code;
  item->peer = g_strdup (peer);
  item->data = data != NULL ? g_bytes_ref (data) : NULL;
  push (self, item);
}

guint64
_op_console_inbox_get_n_dropped (OpConsoleInbox *self)
{
  guint64 n;

  g_mutex_lock (&self->lock);
  n = self->n_dropped;
  g_mutex_unlock (&self->lock);

  return n;
}

static gboolean
drain (gpointer user_data)
{
  OpConsoleInbox *self = user_data;
  gsize budget = OP_CONSOLE_INBOX_BUDGET;

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->source, g_source_unref);

  while (!self->closed && budget > 0 && !g_queue_is_empty (&self->items))
    {
      OpConsoleItem *item = g_queue_pop_head (&self->items);
      guint64 unreported = self->n_unreported;
      const guint8 *data = NULL;
      gsize size = 0;

      self->n_unreported = 0;
      self->n_waiting -= ITEM_OVERHEAD + (item->data != NULL ? g_bytes_get_size (item->data) : 0);
      if (item->kind == OP_CONSOLE_ITEM_STREAM || item->kind == OP_CONSOLE_ITEM_DATAGRAM)
        data = g_bytes_get_data (item->data, &size);
      g_mutex_unlock (&self->lock);

      /* The transcript and the owner are main-thread objects: no lock while using them. */
      if (unreported > 0)
        op_console_transcript_note_skipped (self->transcript, unreported);

      switch (item->kind)
        {
        case OP_CONSOLE_ITEM_STREAM:
          op_console_transcript_append (self->transcript, item->direction, item->peer,
                                        data, size);
          break;
        case OP_CONSOLE_ITEM_DATAGRAM:
          op_console_transcript_append_datagram (self->transcript, item->direction,
                                                 item->peer, data, size);
          break;
        case OP_CONSOLE_ITEM_NOTE:
          op_console_transcript_append_note (self->transcript, item->peer,
                                             g_bytes_get_data (item->data, NULL));
          break;
        case OP_CONSOLE_ITEM_EVENT:
          if (self->event_func != NULL && self->owner != NULL)
            self->event_func (self->owner, item->code, item->peer, item->data);
          break;
        }

      budget -= MIN (budget, MAX (size, 64));
      item_free (item);
      g_mutex_lock (&self->lock);
    }

  if (!g_queue_is_empty (&self->items))
    schedule (self, DRAIN_PAUSE_MS);
  g_mutex_unlock (&self->lock);

  return G_SOURCE_REMOVE;
}

char *
_op_console_address_to_string (GSocketAddress *address)
{
  g_autofree char *host = NULL;
  GInetAddress *inet;
  guint16 port;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");

  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
  host = g_inet_address_to_string (inet);

  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", host, port);

  return g_strdup_printf ("%s:%u", host, port);
}
