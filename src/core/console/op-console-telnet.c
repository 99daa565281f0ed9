/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-console"

#include "config.h"

#include <string.h>

#include "op-console-telnet.h"

/* RFC 854 command codes. */
enum
{
  SE = 240,
  SB = 250,
  WILL = 251,
  WONT = 252,
  DO = 253,
  DONT = 254,
  IAC = 255,
};

typedef enum
{
  STATE_DATA,
  STATE_IAC,
  STATE_OPTION,    /* after WILL, WONT, DO or DONT */
  STATE_SB,        /* inside a subnegotiation */
  STATE_SB_IAC,
} State;

struct _OpConsoleTelnet
{
  State  state;
  guint8 verb;
};

OpConsoleTelnet *
op_console_telnet_new (void)
{
  return g_new0 (OpConsoleTelnet, 1);
}

void
op_console_telnet_free (OpConsoleTelnet *self)
{
  g_free (self);
}

void
op_console_telnet_filter (OpConsoleTelnet *self,
                          const guint8    *input,
                          gsize            length,
                          GByteArray      *data,
                          GByteArray      *reply)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (input != NULL || length == 0);
  g_return_if_fail (data != NULL && reply != NULL);

  for (gsize i = 0; i < length; i++)
    {
      guint8 c = input[i];

      switch (self->state)
        {
        case STATE_DATA:
          if (c == IAC)
            self->state = STATE_IAC;
          else
            g_byte_array_append (data, &c, 1);
          break;

        case STATE_IAC:
          if (c == IAC)
            {
              g_byte_array_append (data, &c, 1);
              self->state = STATE_DATA;
            }
          else if (c == WILL || c == WONT || c == DO || c == DONT)
            {
              self->verb = c;
              self->state = STATE_OPTION;
            }
          else if (c == SB)
            self->state = STATE_SB;
          else
            self->state = STATE_DATA; /* NOP, GA, AYT…: nothing to show */
          break;

        case STATE_OPTION:
          if (self->verb == DO || self->verb == WILL)
            {
              guint8 answer[3] = { IAC, self->verb == DO ? WONT : DONT, c };

              g_byte_array_append (reply, answer, sizeof answer);
            }
          self->state = STATE_DATA;
          break;

        case STATE_SB:
          if (c == IAC)
            self->state = STATE_SB_IAC;
          break;

        case STATE_SB_IAC:
          self->state = c == SE ? STATE_DATA : STATE_SB;
          break;
        }
    }
}

/**
 * op_console_telnet_escape:
 * @bytes: data to send
 *
 * Returns: (transfer full): @bytes with each 255 doubled (a new reference to @bytes when
 *   there is none)
 */
GBytes *
op_console_telnet_escape (GBytes *bytes)
{
  g_autoptr (GByteArray) out = NULL;
  const guint8 *p;
  gsize n;

  g_return_val_if_fail (bytes != NULL, NULL);

  p = g_bytes_get_data (bytes, &n);
  if (n == 0 || memchr (p, IAC, n) == NULL)
    return g_bytes_ref (bytes);

  out = g_byte_array_sized_new (n + 8);
  for (gsize i = 0; i < n; i++)
    {
      g_byte_array_append (out, &p[i], 1);
      if (p[i] == IAC)
        g_byte_array_append (out, &p[i], 1);
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}
