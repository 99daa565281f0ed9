/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-console-transcript.h"

G_BEGIN_DECLS

/*
 * How a session's threads hand what they read to the main thread (internal to
 * core/console). Worker and reader threads push; the main context drains, at most
 * OP_CONSOLE_INBOX_BUDGET bytes a turn, so a flood never stalls the window. What waits
 * is bounded too: past the cap the oldest received chunks are dropped (and counted), as
 * the scrollback would drop them anyway — a flood costs neither memory nor time.
 */

#define OP_CONSOLE_INBOX_CAP    (2 * 1024 * 1024)
#define OP_CONSOLE_INBOX_BUDGET (32 * 1024)

typedef enum
{
  OP_CONSOLE_ITEM_STREAM,
  OP_CONSOLE_ITEM_DATAGRAM,
  OP_CONSOLE_ITEM_NOTE,
  OP_CONSOLE_ITEM_EVENT,    /* for the owner: @code and @peer say what happened */
} OpConsoleItemKind;

typedef struct
{
  OpConsoleItemKind   kind;
  OpConsoleDirection  direction;
  char               *peer;
  GBytes             *data;   /* stream or datagram bytes, or a note's text */
  int                 code;   /* an event's code */
} OpConsoleItem;

typedef struct _OpConsoleInbox OpConsoleInbox;

/* Called on the main context for each event, in order with the data around it. */
typedef void (*OpConsoleEventFunc) (gpointer    owner,
                                    int         code,
                                    const char *peer,
                                    GBytes     *data);

OpConsoleInbox *_op_console_inbox_new       (OpConsoleTranscript *transcript,
                                             OpConsoleEventFunc   event_func,
                                             gpointer             owner);
/* Stops deliveries (the owner is going away) and drops a reference. */
void            _op_console_inbox_close     (OpConsoleInbox      *self);
OpConsoleInbox *_op_console_inbox_ref       (OpConsoleInbox      *self);
void            _op_console_inbox_unref     (OpConsoleInbox      *self);
/* Any thread. */
void            _op_console_inbox_push_data (OpConsoleInbox      *self,
                                             OpConsoleItemKind    kind,
                                             OpConsoleDirection   direction,
                                             const char          *peer,
                                             const guint8        *data,
                                             gsize                length);
void            _op_console_inbox_push_note (OpConsoleInbox      *self,
                                             const char          *peer,
                                             const char          *text);
void            _op_console_inbox_push_event (OpConsoleInbox     *self,
                                              int                 code,
                                              const char         *peer,
                                              GBytes             *data);
/* Received bytes dropped so far because they came faster than they could be shown. */
guint64         _op_console_inbox_get_n_dropped (OpConsoleInbox  *self);

G_END_DECLS

G_BEGIN_DECLS
/* "127.0.0.1:7" or "[::1]:7" (transfer full); "?" for an address that is not inet. */
char           *_op_console_address_to_string (GSocketAddress *address);
G_END_DECLS
