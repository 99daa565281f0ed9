/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An OpConnection's reader and writer: buffered lines, raw bytes, commands, DEFLATE.
 * Connecting, TLS and closing are in op-connection.c. */
#define G_LOG_DOMAIN "op-connection"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-connection-private.h"
#include "op-secret.h"

/* The first allocation of the read buffer; it grows to the largest line length a caller
 * allows (plus CRLF), never beyond. */
#define INITIAL_BUFFER_SIZE 4096

gboolean
op_connection_start_compression (OpConnection  *self,
                                 GError       **error)
{
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autoptr(GZlibDecompressor) decompressor = NULL;

  g_return_val_if_fail (OP_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (self->deflate == NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_op_connection_check_open (self, error))
    return FALSE;
  if (self->end > self->start)
    {
      _op_connection_abort (self);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s sent uncompressed data after agreeing to compress the connection."),
                   self->endpoint);
      return FALSE;
    }

  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW, -1);
  decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW);
  self->inflate = g_converter_input_stream_new (self->input, G_CONVERTER (decompressor));
  self->deflate = g_converter_output_stream_new (self->output, G_CONVERTER (compressor));
  /* Closing the connection closes @stream; the converters only wrap it. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (self->inflate), FALSE);
  g_filter_output_stream_set_close_base_stream (G_FILTER_OUTPUT_STREAM (self->deflate), FALSE);
  self->input = self->inflate;
  self->output = self->deflate;
  _op_connection_log_info (self, OP_LOG_INFO, _("Compression (DEFLATE) is on"));
  return TRUE;
}

gboolean
op_connection_is_compressed (OpConnection *self)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), FALSE);

  return self->deflate != NULL;
}

/* Makes room for at least @want bytes after self->end, moving unread bytes to the front
 * and growing the buffer to @want + what is unread, at most. */
static void
reserve (OpConnection *self,
         gsize         want)
{
  gsize unread = self->end - self->start;

  if (self->buffer_size - self->end >= want)
    return;

  if (self->start > 0)
    {
      memmove (self->buffer, self->buffer + self->start, unread);
      self->start = 0;
      self->end = unread;
    }

  if (self->buffer_size - self->end < want)
    {
      self->buffer_size = MAX (unread + want, INITIAL_BUFFER_SIZE);
      self->buffer = g_realloc (self->buffer, self->buffer_size);
    }
}

/* Reads once into the buffer. Returns the number of bytes read, 0 at end of stream. */
static gssize
fill_buffer (OpConnection  *self,
             gsize          room,
             GCancellable  *cancellable,
             GError       **error)
{
  gssize n;

  reserve (self, room);
  n = g_input_stream_read (self->input, self->buffer + self->end,
                           self->buffer_size - self->end, cancellable, error);
  if (n > 0)
    self->end += n;

  return n;
}

void
op_connection_set_log_lines (OpConnection *self,
                             gboolean      log_lines)
{
  g_return_if_fail (OP_IS_CONNECTION (self));

  self->quiet_lines = !log_lines;
}

char *
op_connection_read_line (OpConnection  *self,
                         gsize          max_length,
                         gsize         *length,
                         GCancellable  *cancellable,
                         GError       **error)
{
  gsize scanned = 0;

  g_return_val_if_fail (OP_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (max_length > 0 && max_length < G_MAXSIZE / 2, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_op_connection_check_open (self, error))
    return NULL;

  for (;;)
    {
      /* No arithmetic on the buffer before its first allocation (NULL + 0 is undefined;
       * found by fuzz-transcript on an empty transcript). */
      const guint8 *data = self->buffer != NULL ? self->buffer + self->start : NULL;
      gsize available = self->end - self->start;
      /* A complete line is at most max_length bytes, CR and LF. */
      gsize limit = MIN (available, max_length + 2);
      const guint8 *lf = NULL;
      g_autoptr(GError) local_error = NULL;
      gssize n;

      if (scanned < limit)
        lf = memchr (data + scanned, '\n', limit - scanned);

      if (lf != NULL)
        {
          gsize line_length = lf - data;
          char *line;

          if (line_length > 0 && data[line_length - 1] == '\r')
            line_length--;

          if (line_length <= max_length)
            {
              line = g_malloc (line_length + 1);
              memcpy (line, data, line_length);
              line[line_length] = '\0';
              self->start += (lf - data) + 1;
              if (self->start == self->end)
                self->start = self->end = 0;

              if (self->log != NULL && !self->quiet_lines)
                op_protocol_log_append_received (self->log, line, line_length);
              if (length != NULL)
                *length = line_length;

              return line;
            }
          /* else: max_length + 1 bytes and a bare LF: too long, below. */
        }
      scanned = limit;

      /* No terminator within a line's maximum size: whatever follows, it is too long.
       * (max_length bytes and a CR may still be followed by the LF.) */
      if (lf != NULL || available > max_length + 1 ||
          (available == max_length + 1 && data[max_length] != '\r'))
        {
          g_autofree char *text = NULL;

          text = g_strdup_printf (_("Line longer than %lu bytes; closing the connection"),
                                  (gulong) max_length);
          _op_connection_log_info (self, OP_LOG_INFO, text);
          if (self->log != NULL)
            op_protocol_log_append_received (self->log, (const char *) data, available);
          _op_connection_abort (self);
          g_set_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_LINE_TOO_LONG,
                       _("%s sent a line longer than %lu bytes, more than the protocol "
                         "allows. The connection was closed to protect against a faulty "
                         "or hostile server; try again, and report it to the server's "
                         "administrator if it keeps happening."),
                       self->endpoint, (gulong) max_length);
          return NULL;
        }

      n = fill_buffer (self, max_length + 2 - available, cancellable, &local_error);
      if (n < 0)
        {
          /* Servers often close TLS without close_notify (RFC 8446 §6.1 asks for it);
           * a line protocol frames its own data, so that is just the end. */
          if (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_EOF))
            n = 0;
          else
            {
              _op_connection_propagate_error (self, g_steal_pointer (&local_error), error);
              return NULL;
            }
        }

      if (n == 0)
        {
          /* fill_buffer() may have moved or reallocated the buffer: @data is stale. */
          if (self->log != NULL && available > 0)
            op_protocol_log_append_received (self->log,
                                             (const char *) self->buffer + self->start,
                                             available);
          _op_connection_log_info (self, OP_LOG_INFO, _("The server closed the connection"));
          self->closed = TRUE;
          if (available > 0)
            g_set_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED,
                         _("%s closed the connection in the middle of a reply. Try again; "
                           "the server may have a problem."),
                         self->endpoint);
          else
            g_set_error (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_CLOSED,
                         _("%s closed the connection. Connect again to continue."),
                         self->endpoint);
          return NULL;
        }
    }
}

gboolean
op_connection_check_text (const char  *text,
                          gssize       length,
                          GError     **error)
{
  gsize size;

  g_return_val_if_fail (text != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (text == NULL)
    return TRUE;

  size = length < 0 ? strlen (text) : (gsize) length;
  for (gsize i = 0; i < size; i++)
    {
      if (text[i] == '\r' || text[i] == '\n' || text[i] == '\0')
        {
          g_set_error_literal (error, OP_CONNECTION_ERROR, OP_CONNECTION_ERROR_BAD_ARGUMENT,
                               _("The command contains a line break or a NUL character, "
                                 "which could smuggle a second command to the server. "
                                 "Nothing was sent; remove the character and try again."));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
write_bytes (OpConnection  *self,
             const void    *data,
             gsize          size,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_output_stream_write_all (self->output, data, size, NULL, cancellable, &local_error) ||
      /* Compressed, a command reaches the server only with a sync flush (RFC 8054 §2.2.2). */
      (self->deflate != NULL && !g_output_stream_flush (self->output, cancellable, &local_error)))
    {
      _op_connection_propagate_error (self, g_steal_pointer (&local_error), error);
      return FALSE;
    }

  return TRUE;
}

gboolean
op_connection_send_command_len (OpConnection  *self,
                                const char    *verb,
                                const char    *argument,
                                gssize         argument_length,
                                OpSendFlags    flags,
                                GCancellable  *cancellable,
                                GError       **error)
{
  g_autoptr(GString) line = NULL;
  gsize size;
  gboolean ok;

  g_return_val_if_fail (OP_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (verb != NULL && *verb != '\0', FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_op_connection_check_open (self, error))
    return FALSE;

  if (!op_connection_check_text (verb, -1, error))
    return FALSE;
  if (argument != NULL && !op_connection_check_text (argument, argument_length, error))
    return FALSE;

  size = argument == NULL ? 0 : argument_length < 0 ? strlen (argument) : (gsize) argument_length;
  /* Room for verb, space, argument, CRLF and the NUL: never reallocated, so no copy of
   * a secret is left behind unwiped. */
  line = g_string_sized_new (strlen (verb) + 1 + size + 2 + 1);
  g_string_append (line, verb);
  if (argument != NULL)
    {
      g_string_append_c (line, ' ');
      g_string_append_len (line, argument, size);
    }

  if (self->log != NULL)
    {
      if (flags == OP_SEND_SECRET_ARGUMENT && argument != NULL)
        {
          /* The verb as the caller split it ("AUTHINFO PASS", "a1 LOGIN"). */
          g_autofree char *shown = g_strconcat (verb, " " OP_PROTOCOL_LOG_MASK, NULL);

          op_protocol_log_append_sent (self->log, shown, OP_SEND_PLAIN);
        }
      else
        {
          op_protocol_log_append_sent (self->log, line->str, flags);
        }
    }

  /* RFC 5321 §2.3.8, RFC 959 §4.1, RFC 3977 §3.1, RFC 9051 §2.2: lines end in CRLF. */
  g_string_append (line, "\r\n");

  ok = write_bytes (self, line->str, line->len, cancellable, error);
  /* The line may hold a password or a SASL blob: not only lines flagged secret, but also
   * SMTP's "AUTH PLAIN blob", sent as plain and masked by the log's own rules. A command
   * line is short, so it is always wiped rather than trusting the flag; the freed memory
   * must not keep the secret for a later allocation or a core dump to find. */
  op_secret_wipe (line->str, line->allocated_len);
  return ok;
}

gboolean
op_connection_send_command (OpConnection  *self,
                            const char    *verb,
                            const char    *argument,
                            OpSendFlags    flags,
                            GCancellable  *cancellable,
                            GError       **error)
{
  return op_connection_send_command_len (self, verb, argument, -1, flags, cancellable, error);
}

gboolean
op_connection_write_all (OpConnection  *self,
                         const void    *data,
                         gsize          size,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_return_val_if_fail (OP_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (data != NULL || size == 0, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_op_connection_check_open (self, error))
    return FALSE;

  if (self->log != NULL)
    op_protocol_log_append_printf (self->log, OP_LOG_SENT,
                                   ngettext ("(%lu byte of data)", "(%lu bytes of data)",
                                             (gulong) size),
                                   (gulong) size);

  return write_bytes (self, data, size, cancellable, error);
}

gssize
op_connection_read (OpConnection  *self,
                    void          *buffer,
                    gsize          size,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize n;

  g_return_val_if_fail (OP_IS_CONNECTION (self), -1);
  g_return_val_if_fail (buffer != NULL || size == 0, -1);
  g_return_val_if_fail (size <= G_MAXSSIZE, -1);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!_op_connection_check_open (self, error))
    return -1;

  if (self->end > self->start)
    {
      gsize count = MIN (size, self->end - self->start);

      memcpy (buffer, self->buffer + self->start, count);
      self->start += count;
      if (self->start == self->end)
        self->start = self->end = 0;
      return count;
    }

  n = g_input_stream_read (self->input, buffer, size, cancellable, &local_error);
  if (n < 0)
    _op_connection_propagate_error (self, g_steal_pointer (&local_error), error);

  return n;
}
