/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ftp"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "op-ftp-client-private.h"

/*
 * Moving bytes: progress, RETR and STOR over the data channel (ASCII conversion, the TLS
 * record gathering that keeps FTPS downloads fast), listings, and whole files through
 * NAME.part, with the calls that do one of them.
 */

#define TLS_RECORD_SIZE  (16 * 1024)
/* Rate over roughly the last two seconds of progress reports. */
#define RATE_WINDOW_USEC (2 * G_USEC_PER_SEC)
#define RATE_SAMPLES 48

/* --- progress ------------------------------------------------------------------------ */

/*
 * Carries OpFtpProgress to the caller: OpProgress rate-limits and delivers the byte count;
 * the other fields are read under @lock when it delivers; the rate is measured on the
 * main context from the deliveries themselves.
 */
struct _OpFtpSink
{
  OpFtpProgressFunc  func;
  gpointer           data;
  GDestroyNotify     notify;
  GMainContext      *context;
  OpProgress        *progress;

  GMutex             lock;
  guint              files_done;
  guint              files_total;
  char              *current_path;
  guint64            bytes_base;     /* bytes of files finished before the current one */

  /* Main context only. */
  gint64             sample_time[RATE_SAMPLES];
  guint64            sample_bytes[RATE_SAMPLES];
  guint              n_samples;
  guint              first_sample;
};

static void
sink_deliver (guint64  done,
              guint64  total,
              gpointer user_data)
{
  OpFtpSink *sink = user_data;
  OpFtpProgress p = { 0 };
  g_autofree char *path = NULL;
  gint64 now = g_get_monotonic_time ();
  guint i;

  /* Rate: bytes over the span between the oldest sample still inside the window and now. */
  while (sink->n_samples > 0 &&
         now - sink->sample_time[sink->first_sample] > RATE_WINDOW_USEC)
    {
      sink->first_sample = (sink->first_sample + 1) % RATE_SAMPLES;
      sink->n_samples--;
    }
  if (sink->n_samples == RATE_SAMPLES)
    {
      sink->first_sample = (sink->first_sample + 1) % RATE_SAMPLES;
      sink->n_samples--;
    }
  i = (sink->first_sample + sink->n_samples) % RATE_SAMPLES;
  sink->sample_time[i] = now;
  sink->sample_bytes[i] = done;
  sink->n_samples++;
  if (sink->n_samples > 1)
    {
      gint64 span = now - sink->sample_time[sink->first_sample];
      guint64 moved = done - MIN (done, sink->sample_bytes[sink->first_sample]);

      if (span > 0)
        p.bytes_per_second = (guint64) ((double) moved * G_USEC_PER_SEC / (double) span);
    }

  g_mutex_lock (&sink->lock);
  p.files_done = sink->files_done;
  p.files_total = sink->files_total;
  path = g_strdup (sink->current_path);
  g_mutex_unlock (&sink->lock);

  p.bytes_done = done;
  p.bytes_total = total;
  p.current_path = path;
  sink->func (&p, sink->data);
}

OpFtpSink *
_op_ftp_sink_new (GTask             *task,
                  OpFtpProgressFunc  func,
                  gpointer           data,
                  GDestroyNotify     notify)
{
  OpFtpSink *sink;

  if (func == NULL)
    {
      if (notify != NULL)
        notify (data);
      return NULL;
    }
  sink = g_new0 (OpFtpSink, 1);
  sink->func = func;
  sink->data = data;
  sink->notify = notify;
  sink->context = g_main_context_ref (g_task_get_context (task));
  g_mutex_init (&sink->lock);
  sink->progress = op_progress_new_for_task (task, sink_deliver, sink);
  return sink;
}

static gboolean
sink_free_now (gpointer data)
{
  OpFtpSink *sink = data;

  if (sink->notify != NULL)
    sink->notify (sink->data);
  g_object_unref (sink->progress);
  g_main_context_unref (sink->context);
  g_mutex_clear (&sink->lock);
  g_free (sink->current_path);
  g_free (sink);
  return G_SOURCE_REMOVE;
}

/* The task may be finalized on the worker; the caller's data is released on its own
 * context, after any delivery still queued there. */
void
_op_ftp_sink_free (OpFtpSink *sink)
{
  GSource *source;

  if (sink == NULL)
    return;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_LOW);
  g_source_set_callback (source, sink_free_now, sink, NULL);
  g_source_attach (source, sink->context);
  g_source_unref (source);
}

void
_op_ftp_sink_set_file (OpFtpSink  *sink,
                       const char *path,
                       guint       files_done)
{
  if (sink == NULL)
    return;
  g_mutex_lock (&sink->lock);
  g_free (sink->current_path);
  sink->current_path = g_strdup (path);
  sink->files_done = files_done;
  g_mutex_unlock (&sink->lock);
}

void
_op_ftp_sink_set_total (OpFtpSink *sink,
                        guint      files_total)
{
  if (sink == NULL)
    return;
  g_mutex_lock (&sink->lock);
  sink->files_total = files_total;
  g_mutex_unlock (&sink->lock);
}

void
_op_ftp_sink_tick (OpFtpSink *sink)
{
  if (sink != NULL)
    op_progress_update (sink->progress, 0, 0);
}

void
_op_ftp_sink_finish (OpFtpSink *sink)
{
  if (sink != NULL)
    op_progress_finish (sink->progress);
}

/* --- moving bytes ------------------------------------------------------------------ */

void
_op_ftp_meter_update (OpFtpMeter *m,
                      guint64     moved)
{
  if (m->sink != NULL)
    op_progress_update (m->sink->progress, m->base + moved, m->total);
}

static gboolean
output_is_regular_file (GOutputStream *out)
{
  struct stat st;

  return G_IS_UNIX_OUTPUT_STREAM (out) &&
         fstat (g_unix_output_stream_get_fd (G_UNIX_OUTPUT_STREAM (out)), &st) == 0 &&
         S_ISREG (st.st_mode);
}

/* Data connection → @out, converting CRLF to LF in ASCII mode. */
static gboolean
receive_data (OpFtpData      *d,
              GOutputStream  *out,
              gboolean        ascii,
              OpRateLimit    *limit,
              OpFtpMeter     *meter,
              guint64        *moved,
              GCancellable   *cancellable,
              GError        **error)
{
  g_autofree guint8 *buffer = g_malloc (OP_FTP_DATA_BUFFER_SIZE + 1);
  GIOStream *stream = _op_ftp_data_get_stream (d);
  GInputStream *in = g_io_stream_get_input_stream (stream);
  /* TLS hands over one record (16 KiB) per read: gather what has already arrived into
   * one write, so a gigabyte is ~4,000 writes instead of 65,000. */
  gboolean gather = G_IS_TLS_CONNECTION (stream) && G_IS_POLLABLE_INPUT_STREAM (in) &&
                    g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (in));
  /* A GUnixOutputStream polls its fd and the cancellable before every write when given
   * one; a regular file is always writable, and the read checks cancellation anyway. */
  GCancellable *write_cancellable = output_is_regular_file (out) ? NULL : cancellable;
  gboolean pending_cr = FALSE;
  gboolean at_end = FALSE;
  g_autoptr(GError) failed = NULL;

  *moved = 0;
  while (!at_end)
    {
      g_autoptr(GError) local_error = NULL;
      /* Under a speed limit, reads of what the rate allows in a moment. */
      gsize want = limit != NULL ? op_rate_limit_chunk (limit, OP_FTP_DATA_BUFFER_SIZE)
                                 : OP_FTP_DATA_BUFFER_SIZE;
      gssize n = g_input_stream_read (in, buffer + 1, want, cancellable, &local_error);
      const guint8 *chunk = buffer + 1;
      gsize chunk_len;

      if (n < 0)
        {
          _op_ftp_transfer_error (error, g_steal_pointer (&local_error), *moved);
          return FALSE;
        }
      if (n == 0)
        break;
      while (gather && want - (gsize) n >= TLS_RECORD_SIZE)
        {
          gssize more = g_pollable_input_stream_read_nonblocking (
              G_POLLABLE_INPUT_STREAM (in), buffer + 1 + n, want - n,
              cancellable, &local_error);

          if (more > 0)
            n += more;
          else if (more == 0)
            at_end = TRUE;
          else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_clear_error (&local_error);
          else
            failed = g_steal_pointer (&local_error);   /* after writing what arrived */
          if (more <= 0)
            break;
        }
      *moved += n;
      chunk_len = n;

      if (ascii)
        {
          gsize o = 0;
          guint8 *p = buffer;

          /* A CR that ended the previous chunk goes before this one unless an LF follows. */
          if (pending_cr && buffer[1] != '\n')
            p[o++] = '\r';
          pending_cr = FALSE;
          for (gsize i = 1; i <= (gsize) n; i++)
            {
              if (buffer[i] == '\r')
                {
                  if (i == (gsize) n)
                    {
                      pending_cr = TRUE;
                      continue;
                    }
                  if (buffer[i + 1] == '\n')
                    continue;
                }
              p[o++] = buffer[i];
            }
          chunk = buffer;
          chunk_len = o;
        }

      if (!g_output_stream_write_all (out, chunk, chunk_len, NULL, write_cancellable,
                                      &local_error))
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_LOCAL,
                         _("Could not write the downloaded data: %s"), local_error->message);
          return FALSE;
        }
      _op_ftp_meter_update (meter, *moved);
      if (failed != NULL)
        {
          _op_ftp_transfer_error (error, g_steal_pointer (&failed), *moved);
          return FALSE;
        }
      if (limit != NULL && !op_rate_limit_consume (limit, n, cancellable, error))
        return FALSE;
    }
  if (pending_cr)
    {
      g_autoptr(GError) local_error = NULL;

      if (!g_output_stream_write_all (out, "\r", 1, NULL, cancellable, &local_error))
        {
          g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_LOCAL,
                       _("Could not write the downloaded data: %s"), local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

/* @in → data connection, converting LF to CRLF in ASCII mode. @moved counts local bytes. */
static gboolean
send_data (OpFtpData     *d,
           GInputStream  *in,
           gboolean       ascii,
           OpRateLimit   *limit,
           OpFtpMeter    *meter,
           guint64       *moved,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autofree guint8 *buffer = g_malloc (OP_FTP_DATA_BUFFER_SIZE);
  g_autofree guint8 *converted = ascii ? g_malloc (OP_FTP_DATA_BUFFER_SIZE * 2) : NULL;
  GOutputStream *out = g_io_stream_get_output_stream (_op_ftp_data_get_stream (d));
  guint8 previous = 0;

  *moved = 0;
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gsize want = limit != NULL ? op_rate_limit_chunk (limit, OP_FTP_DATA_BUFFER_SIZE)
                                 : OP_FTP_DATA_BUFFER_SIZE;
      gssize n = g_input_stream_read (in, buffer, want, cancellable, &local_error);
      const guint8 *chunk = buffer;
      gsize chunk_len;

      if (n < 0)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_LOCAL,
                         _("Could not read the file to upload: %s"), local_error->message);
          return FALSE;
        }
      if (n == 0)
        break;
      chunk_len = n;
      if (ascii)
        {
          gsize o = 0;

          for (gssize i = 0; i < n; i++)
            {
              if (buffer[i] == '\n' && previous != '\r')
                converted[o++] = '\r';
              converted[o++] = buffer[i];
              previous = buffer[i];
            }
          chunk = converted;
          chunk_len = o;
        }
      if (!g_output_stream_write_all (out, chunk, chunk_len, NULL, cancellable, &local_error))
        {
          _op_ftp_transfer_error (error, g_steal_pointer (&local_error), *moved);
          return FALSE;
        }
      *moved += n;
      _op_ftp_meter_update (meter, *moved);
      if (limit != NULL && !op_rate_limit_consume (limit, chunk_len, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
_op_ftp_set_type (OpFtpClient   *self,
                  gboolean       ascii,
                  GCancellable  *cancellable,
                  GError       **error)
{
  char wanted = ascii ? 'A' : 'I';

  if (self->w_type == wanted)
    return TRUE;
  if (!_op_ftp_client_command_ok (self, "TYPE", ascii ? "A" : "I", OP_FTP_COMMAND_OTHER,
                                  cancellable, error))
    return FALSE;
  self->w_type = wanted;
  return TRUE;
}

/* TYPE, the data connection, REST when @offset > 0, and VERB: the data stream is ready,
 * or NULL (after ABOR when the server had started the transfer). */
static OpFtpData *
open_transfer (OpFtpClient          *self,
               const OpFtpSettings  *s,
               const char           *verb,
               const char           *wire_path,
               guint64               offset,
               gboolean              ascii,
               OpFtpCommandKind      kind,
               GCancellable         *cancellable,
               GError              **error)
{
  g_autoptr(OpFtpData) d = NULL;
  gboolean started = FALSE;

  if (!_op_ftp_set_type (self, ascii, cancellable, error))
    return NULL;
  d = _op_ftp_data_prepare (self, s, cancellable, error);
  if (d == NULL)
    return NULL;
  if (!_op_ftp_start_transfer (self, s, d, verb, wire_path, offset, kind, &started,
                               cancellable, error))
    {
      if (started)
        _op_ftp_abort_and_explain (self, d, verb, error);
      return NULL;
    }
  return g_steal_pointer (&d);
}

/*
 * RETR @wire_path into @out from @offset. On failure after the transfer started, ABOR
 * re-synchronises the session. @moved: bytes received.
 */
static gboolean
retrieve (OpFtpClient          *self,
          const OpFtpSettings  *s,
          const char           *wire_path,
          GOutputStream        *out,
          guint64               offset,
          gboolean              ascii,
          OpFtpMeter           *meter,
          guint64              *moved,
          GCancellable         *cancellable,
          GError              **error)
{
  g_autoptr(OpFtpData) d = NULL;

  *moved = 0;
  d = open_transfer (self, s, "RETR", wire_path, offset, ascii, OP_FTP_COMMAND_READ,
                     cancellable, error);
  if (d == NULL)
    return FALSE;
  if (!receive_data (d, out, ascii, s->download_limit, meter, moved, cancellable, error))
    {
      _op_ftp_abort_and_explain (self, d, "RETR", error);
      return FALSE;
    }
  g_io_stream_close (_op_ftp_data_get_stream (d), NULL, NULL);
  return _op_ftp_finish_transfer (self, "RETR", OP_FTP_COMMAND_READ, *moved, cancellable,
                                  error);
}

/* STOR (or @verb: APPE) from @in; REST first when @offset > 0. @moved: bytes read. */
static gboolean
store (OpFtpClient          *self,
       const OpFtpSettings  *s,
       const char           *verb,
       const char           *wire_path,
       GInputStream         *in,
       guint64               offset,
       gboolean              ascii,
       OpFtpMeter           *meter,
       guint64              *moved,
       GCancellable         *cancellable,
       GError              **error)
{
  g_autoptr(OpFtpData) d = NULL;
  g_autoptr(GError) local_error = NULL;

  *moved = 0;
  d = open_transfer (self, s, verb, wire_path, offset, ascii, OP_FTP_COMMAND_WRITE,
                     cancellable, error);
  if (d == NULL)
    return FALSE;
  if (!send_data (d, in, ascii, s->upload_limit, meter, moved, cancellable, error))
    {
      _op_ftp_abort_and_explain (self, d, verb, error);
      return FALSE;
    }
  /* The server's end of file: TLS close_notify, then FIN. */
  if (!_op_ftp_data_end_upload (d, cancellable, &local_error))
    {
      _op_ftp_transfer_error (error, g_steal_pointer (&local_error), *moved);
      _op_ftp_abort_and_explain (self, d, verb, error);
      return FALSE;
    }
  return _op_ftp_finish_transfer (self, verb, OP_FTP_COMMAND_WRITE, *moved, cancellable,
                                  error);
}

/* Reads a whole listing (MLSD, LIST, NLST) through the parser. */
static OpFtpListing *
list_wire (OpFtpClient          *self,
           const OpFtpSettings  *s,
           const char           *verb,
           const char           *argument,
           OpFtpListFormat       format,
           GCancellable         *cancellable,
           GError              **error)
{
  g_autoptr(OpFtpData) d = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(OpFtpListParser) parser = NULL;
  g_autofree char *buffer = NULL;
  GInputStream *in;
  guint64 moved = 0;

  /* Listings are ASCII by definition but servers send them the same in either type; in
   * TYPE I the bytes arrive as they are and the parser takes CRLF and LF alike. */
  d = open_transfer (self, s, verb, argument, 0, FALSE, OP_FTP_COMMAND_READ, cancellable,
                     error);
  if (d == NULL)
    return NULL;

  parser = op_ftp_list_parser_new (format, s->charset, g_get_real_time () / G_USEC_PER_SEC);
  buffer = g_malloc (OP_FTP_DATA_BUFFER_SIZE);
  in = g_io_stream_get_input_stream (_op_ftp_data_get_stream (d));
  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, OP_FTP_DATA_BUFFER_SIZE, cancellable,
                                      &local_error);

      if (n < 0)
        {
          _op_ftp_transfer_error (error, g_steal_pointer (&local_error), moved);
          _op_ftp_abort_and_explain (self, d, verb, error);
          return NULL;
        }
      if (n == 0)
        break;
      moved += n;
      op_ftp_list_parser_feed (parser, buffer, n);
    }
  g_io_stream_close (_op_ftp_data_get_stream (d), NULL, NULL);
  if (!_op_ftp_finish_transfer (self, verb, OP_FTP_COMMAND_READ, moved, cancellable, error))
    return NULL;
  return op_ftp_list_parser_finish (g_steal_pointer (&parser));
}

OpFtpListing *
_op_ftp_list_dir (OpFtpClient          *self,
                  const OpFtpSettings  *s,
                  const char           *wire_path,
                  OpFtpListFlags        flags,
                  GCancellable         *cancellable,
                  GError              **error)
{
  if (_op_ftp_client_has_feature (self, "MLST") && !(flags & OP_FTP_LIST_FORCE_LIST))
    return list_wire (self, s, "MLSD", wire_path, OP_FTP_LIST_MLSD, cancellable, error);

  if (flags & OP_FTP_LIST_SHOW_HIDDEN)
    {
      /* "LIST -a" is a common extension, but the path then follows the option. Paths
       * starting with "-" would read as options, so those are listed plainly. */
      if (wire_path == NULL)
        return list_wire (self, s, "LIST", "-a", OP_FTP_LIST_AUTO, cancellable, error);
      if (wire_path[0] != '-')
        {
          g_autofree char *arg = g_strconcat ("-a ", wire_path, NULL);
          return list_wire (self, s, "LIST", arg, OP_FTP_LIST_AUTO, cancellable, error);
        }
    }
  return list_wire (self, s, "LIST", wire_path, OP_FTP_LIST_AUTO, cancellable, error);
}

/* --- files ------------------------------------------------------------------------- */

char *
_op_ftp_local_path (GFile   *file,
                    GError **error)
{
  char *path = g_file_get_path (file);

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_LOCAL,
                   _("“%s” is not a local file; transfers need a folder on this computer."),
                   uri);
    }
  return path;
}

/* @format names a local path with "%s"; paths may be in any encoding, so the message is
 * made valid UTF-8 for display. */
void
_op_ftp_local_error (GError     **error,
                     int          saved_errno,
                     const char  *format,
                     ...)
{
  g_autofree char *message = NULL;
  g_autofree char *valid = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  valid = g_utf8_make_valid (message, -1);
  /* Translators: a local file operation that failed, then the system's reason:
   * "Could not create “a.txt.part”: Permission denied" */
  g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_LOCAL, _("%s: %s"), valid,
               g_strerror (saved_errno));
}

void
_op_ftp_remote_size_and_time (OpFtpClient   *self,
                              const char    *wire_path,
                              gboolean       want_size,
                              gboolean       want_time,
                              gint64        *size,
                              gint64        *mtime,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr(OpFtpReply) reply = NULL;
  guint64 value;

  *size = -1;
  *mtime = 0;
  /* A server that lists its features but not SIZE is not asked (RFC 3659 §2.2). */
  if (want_size &&
      (self->w_features == NULL || g_hash_table_size (self->w_features) == 0 ||
       _op_ftp_client_has_feature (self, "SIZE")))
    {
      reply = op_session_command (OP_SESSION (self), "SIZE", wire_path, OP_SEND_PLAIN, cancellable,
                                  error);
      if (reply == NULL)
        return;
      if (op_ftp_reply_parse_size (reply, &value, NULL))
        *size = (gint64) value;
      g_clear_pointer (&reply, op_ftp_reply_free);
    }
  if (want_time)
    {
      reply = op_session_command (OP_SESSION (self), "MDTM", wire_path, OP_SEND_PLAIN, cancellable,
                                  error);
      if (reply == NULL)
        return;
      if (!op_ftp_reply_parse_mdtm (reply, mtime, NULL))
        *mtime = 0;
    }
}

/*
 * The download of one file to a local path through "PATH.part" (DESIGN.md "Storage and
 * no data loss"): the final name appears only when every byte arrived.
 */
gboolean
_op_ftp_download_file (OpFtpClient          *self,
                       const OpFtpSettings  *s,
                       const char           *wire_path,
                       const char           *path,
                       OpFtpTransferFlags    flags,
                       OpFtpMeter           *meter,
                       gint64                known_size,
                       gint64                known_mtime,
                       GCancellable         *cancellable,
                       GError              **error)
{
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  g_autoptr(GOutputStream) out = NULL;
  gboolean ascii = (flags & OP_FTP_TRANSFER_ASCII) != 0;
  gint64 size = known_size;
  gint64 mtime = known_mtime;
  guint64 offset = 0;
  guint64 moved = 0;
  GStatBuf st;
  int fd;

  /* A size from a listing spares a SIZE per file; the 150 reply's count (below), or that
   * size, checks the end. Resuming needs the server's size before it starts. */
  gboolean want_size = size < 0 || (flags & OP_FTP_TRANSFER_RESUME);
  gboolean want_time = mtime == 0 && !(flags & OP_FTP_TRANSFER_NO_MTIME);

  if (want_size || want_time)
    {
      gint64 got_size, got_mtime;
      g_autoptr(GError) local_error = NULL;

      _op_ftp_remote_size_and_time (self, wire_path, want_size, want_time,
                                    &got_size, &got_mtime, cancellable, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (want_size && got_size >= 0)
        size = got_size;
      if (mtime == 0)
        mtime = got_mtime;
    }

  /* Resume from what the .part holds; REST counts bytes, which only binary mode keeps. */
  if ((flags & OP_FTP_TRANSFER_RESUME) && !ascii && g_stat (part, &st) == 0 &&
      S_ISREG (st.st_mode))
    {
      offset = st.st_size;
      if (size >= 0 && offset > (guint64) size)
        offset = 0;
    }
  meter->base += offset;
  if (meter->total == 0 && size >= 0)
    meter->total = size;

  if (size >= 0 && offset == (guint64) size && offset > 0)
    ;  /* the .part is already complete: only the rename is left */
  else
    {
      fd = g_open (part, O_WRONLY | O_CREAT | O_CLOEXEC | (offset > 0 ? O_APPEND : O_TRUNC),
                   0666);
      if (fd < 0)
        {
          _op_ftp_local_error (error, errno, _("Could not create “%s”"), part);
          return FALSE;
        }
      out = g_unix_output_stream_new (fd, TRUE);
      if (!retrieve (self, s, wire_path, out, offset, ascii, meter, &moved, cancellable,
                     error))
        {
          g_output_stream_close (out, NULL, NULL);
          /* A refused RETR (550, 425…) leaves no empty NAME.part behind; a failure after
           * bytes arrived keeps them for resuming (DESIGN.md "Storage and no data loss"). */
          if (offset == 0 && moved == 0)
            g_unlink (part);
          return FALSE;
        }
      if (!g_output_stream_close (out, NULL, NULL))
        {
          _op_ftp_local_error (error, errno, _("Could not write “%s”"), part);
          return FALSE;
        }
      /* What the server announced as it opened the data connection is the file as it
       * was sent (a listing's size may be older). */
      if (self->w_announced_size >= 0 && !(flags & OP_FTP_TRANSFER_RESUME))
        size = self->w_announced_size;
      /* A data connection that ends early without an error reply must not pass for a
       * complete file (binary sizes are exact). */
      if (!ascii && size >= 0 && offset + moved != (guint64) size)
        {
          g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                       _("The download ended after %llu of %lld bytes. Resume it to fetch "
                         "the rest."), (unsigned long long) (offset + moved), (long long) size);
          return FALSE;
        }
    }

  if (mtime > 0 && !(flags & OP_FTP_TRANSFER_NO_MTIME))
    {
      struct timespec times[2] = { { 0, UTIME_OMIT }, { mtime, 0 } };
      /* Best effort: a file system without times still gets the file. */
      (void) utimensat (AT_FDCWD, part, times, 0);
    }
  if (g_rename (part, path) != 0)
    {
      _op_ftp_local_error (error, errno,
                           _("Could not rename the finished download to “%s”"), path);
      return FALSE;
    }
  meter->base += moved;
  return TRUE;
}

static char *
format_mfmt_time (gint64 mtime)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (mtime);

  return dt != NULL ? g_date_time_format (dt, "%Y%m%d%H%M%S") : NULL;
}

gboolean
_op_ftp_upload_file (OpFtpClient          *self,
                     const OpFtpSettings  *s,
                     const char           *path,
                     const char           *wire_path,
                     OpFtpTransferFlags    flags,
                     OpFtpMeter           *meter,
                     GCancellable         *cancellable,
                     GError              **error)
{
  g_autoptr(GInputStream) in = NULL;
  gboolean ascii = (flags & OP_FTP_TRANSFER_ASCII) != 0;
  const char *verb = (flags & OP_FTP_TRANSFER_APPEND) ? "APPE" : "STOR";
  guint64 offset = 0;
  guint64 moved = 0;
  GStatBuf st;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      _op_ftp_local_error (error, errno, _("Could not open “%s”"), path);
      return FALSE;
    }
  in = g_unix_input_stream_new (fd, TRUE);
  if (fstat (fd, &st) != 0)
    {
      _op_ftp_local_error (error, errno, _("Could not read “%s”"), path);
      return FALSE;
    }
  if (meter->total == 0)
    meter->total = st.st_size;

  if ((flags & OP_FTP_TRANSFER_RESUME) && !ascii && !(flags & OP_FTP_TRANSFER_APPEND))
    {
      g_autoptr(OpFtpReply) reply = op_session_command (OP_SESSION (self), "SIZE", wire_path,
                                                        OP_SEND_PLAIN, cancellable, error);
      guint64 remote = 0;

      if (reply == NULL)
        return FALSE;
      if (op_ftp_reply_parse_size (reply, &remote, NULL) && remote <= (guint64) st.st_size)
        offset = remote;
    }

  if (offset > 0 && lseek (fd, (off_t) offset, SEEK_SET) < 0)
    {
      _op_ftp_local_error (error, errno, _("Could not read “%s”"), path);
      return FALSE;
    }
  meter->base += offset;

  if (offset < (guint64) st.st_size || offset == 0)
    {
      g_autoptr(GError) local_error = NULL;

      if (!store (self, s, verb, wire_path, in, offset, ascii, meter, &moved, cancellable,
                  &local_error))
        {
          /* A server without REST STREAM for uploads takes the rest with APPE. */
          if (offset > 0 && g_error_matches (local_error, OP_FTP_ERROR,
                                             OP_FTP_ERROR_UNSUPPORTED))
            {
              g_clear_error (&local_error);
              if (!store (self, s, "APPE", wire_path, in, 0, ascii, meter, &moved,
                          cancellable, &local_error))
                {
                  g_propagate_error (error, g_steal_pointer (&local_error));
                  return FALSE;
                }
            }
          else
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
        }
    }
  meter->base += moved;

  /* A data connection cut after the last write left the socket looks to both ends like
   * the upload's end: the server stores the bytes it got and says 226. Binary sizes are
   * exact, so SIZE tells a short file from a whole one (a plain APPE to a file of unknown
   * size cannot be checked). */
  if (!ascii && !(flags & OP_FTP_TRANSFER_APPEND))
    {
      gint64 remote, unused;
      g_autoptr(GError) local_error = NULL;

      _op_ftp_remote_size_and_time (self, wire_path, TRUE, FALSE, &remote, &unused, cancellable,
                                    &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (remote >= 0 && (guint64) remote < offset + moved)
        {
          g_set_error (error, OP_FTP_ERROR, OP_FTP_ERROR_CONNECTION_LOST,
                       _("The server holds %lld of the %llu bytes uploaded: the connection "
                         "was cut. Resume the upload to send the rest."),
                       (long long) remote, (unsigned long long) (offset + moved));
          return FALSE;
        }
    }

  /* RFC 3659 has no MFMT; draft-somers-ftp-mfxx does, and most servers implement it. */
  if (!(flags & OP_FTP_TRANSFER_NO_MTIME) && _op_ftp_client_has_feature (self, "MFMT"))
    {
      g_autofree char *stamp = format_mfmt_time (st.st_mtime);
      g_autofree char *arg = g_strconcat (stamp, " ", wire_path, NULL);
      g_autoptr(OpFtpReply) reply = op_session_command (OP_SESSION (self), "MFMT", arg,
                                                        OP_SEND_PLAIN,
                                                        cancellable, error);

      if (reply == NULL)
        return FALSE;
      /* The file arrived whole; a refused time is not worth failing the upload for. */
    }
  return TRUE;
}


/* --- the calls -------------------------------------------------------------------------- */

static gpointer
list_func (OpFtpClient          *self,
           OpFtpJob             *job,
           const OpFtpSettings  *s,
           GCancellable         *cancellable,
           GError              **error)
{
  return _op_ftp_list_dir (self, s, job->wire, job->list_flags, cancellable, error);
}

void
op_ftp_client_list_async (OpFtpClient         *self,
                          const char          *path,
                          OpFtpListFlags       flags,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  OpFtpJob *job;

  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  job = _op_ftp_job_new (list_func, path);
  job->list_flags = flags;
  _op_ftp_client_call (self, job, op_ftp_client_list_async,
                       (GDestroyNotify) op_ftp_listing_free, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpFtpClient, op_ftp_client, list, OpFtpListing *)

static gpointer
nlst_func (OpFtpClient          *self,
           OpFtpJob             *job,
           const OpFtpSettings  *s,
           GCancellable         *cancellable,
           GError              **error)
{
  g_autoptr(OpFtpListing) listing = list_wire (self, s, "NLST", job->wire,
                                               OP_FTP_LIST_NAME_ONLY, cancellable, error);
  g_autoptr(GStrvBuilder) builder = NULL;

  if (listing == NULL)
    return NULL;
  builder = g_strv_builder_new ();
  for (guint i = 0; i < listing->entries->len; i++)
    {
      OpFtpEntry *entry = g_ptr_array_index (listing->entries, i);
      g_strv_builder_add (builder, entry->name);
    }
  return g_strv_builder_end (builder);
}

void
op_ftp_client_nlst_async (OpFtpClient         *self,
                          const char          *path,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));

  _op_ftp_client_call (self, _op_ftp_job_new (nlst_func, path), op_ftp_client_nlst_async,
                       (GDestroyNotify) g_strfreev, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpFtpClient, op_ftp_client, nlst, GStrv)

OpFtpJob *
_op_ftp_transfer_job_new (OpFtpClient          *self,
                          OpFtpJobFunc          func,
                          gpointer              source_tag,
                          const char           *remote_path,
                          GFile                *local,
                          OpFtpTransferFlags    flags,
                          OpFtpProgressFunc     progress,
                          gpointer              progress_data,
                          GDestroyNotify        progress_notify,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data,
                          GTask               **task)
{
  OpFtpJob *job = _op_ftp_job_new (func, remote_path);

  *task = op_session_task_new (OP_SESSION (self), source_tag, cancellable, callback,
                               user_data);
  job->file = local != NULL ? g_object_ref (local) : NULL;
  job->flags = flags;
  job->known_size = -1;
  job->sink = _op_ftp_sink_new (*task, progress, progress_data, progress_notify);
  return job;
}

void
_op_ftp_client_queue_transfer (OpFtpClient          *self,
                               OpFtpJobFunc          func,
                               gpointer              source_tag,
                               const char           *remote_path,
                               GFile                *local,
                               OpFtpTransferFlags    flags,
                               OpFtpProgressFunc     progress,
                               gpointer              progress_data,
                               GDestroyNotify        progress_notify,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data)
{
  GTask *task;
  OpFtpJob *job = _op_ftp_transfer_job_new (self, func, source_tag, remote_path, local, flags,
                                            progress, progress_data, progress_notify,
                                            cancellable, callback, user_data, &task);

  /* A cancel that lands once the file is complete (renamed, or stored on the server)
   * changes nothing: the caller learns that it finished, not that it was cancelled. */
  _op_ftp_client_queue (self, task, job, NULL, OP_SESSION_JOB_RESULT_OVER_CANCEL);
}

static gpointer
download_func (OpFtpClient          *self,
               OpFtpJob             *job,
               const OpFtpSettings  *s,
               GCancellable         *cancellable,
               GError              **error)
{
  g_autofree char *path = _op_ftp_local_path (job->file, error);
  OpFtpMeter meter = { job->sink, 0, 0 };

  _op_ftp_sink_set_file (job->sink, job->path, 0);
  if (path == NULL ||
      !_op_ftp_download_file (self, s, job->wire, path, job->flags, &meter, job->known_size,
                              job->known_mtime, cancellable, error))
    return NULL;
  _op_ftp_sink_set_file (job->sink, job->path, 1);
  return OP_SESSION_JOB_OK;
}

/* Both downloads, tagged op_ftp_client_download_async (its finish takes either). */
static void
queue_download (OpFtpClient         *self,
                const char          *remote_path,
                GFile               *local,
                gint64               known_size,
                gint64               known_mtime,
                OpFtpTransferFlags   flags,
                OpFtpProgressFunc    progress,
                gpointer             progress_data,
                GDestroyNotify       progress_notify,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  GTask *task;
  OpFtpJob *job = _op_ftp_transfer_job_new (self, download_func, op_ftp_client_download_async,
                                            remote_path, local, flags, progress, progress_data,
                                            progress_notify, cancellable, callback, user_data,
                                            &task);

  job->known_size = known_size;
  job->known_mtime = MAX (known_mtime, 0);
  /* As _op_ftp_client_queue_transfer(): a cancel once the file is complete changes
   * nothing. */
  _op_ftp_client_queue (self, task, job, NULL, OP_SESSION_JOB_RESULT_OVER_CANCEL);
}

void
op_ftp_client_download_async (OpFtpClient         *self,
                              const char          *remote_path,
                              GFile               *local,
                              OpFtpTransferFlags   flags,
                              OpFtpProgressFunc    progress,
                              gpointer             progress_data,
                              GDestroyNotify       progress_notify,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_path != NULL);
  g_return_if_fail (G_IS_FILE (local));

  queue_download (self, remote_path, local, -1, 0, flags, progress, progress_data, progress_notify,
                  cancellable, callback, user_data);
}

void
op_ftp_client_download_known_async (OpFtpClient         *self,
                                    const char          *remote_path,
                                    GFile               *local,
                                    guint64              known_size,
                                    gint64               known_mtime,
                                    OpFtpTransferFlags   flags,
                                    OpFtpProgressFunc    progress,
                                    gpointer             progress_data,
                                    GDestroyNotify       progress_notify,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_path != NULL);
  g_return_if_fail (G_IS_FILE (local));
  g_return_if_fail (known_size <= G_MAXINT64);

  queue_download (self, remote_path, local, (gint64) known_size, known_mtime, flags, progress,
                  progress_data, progress_notify, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpFtpClient, op_ftp_client, download)

static gpointer
upload_func (OpFtpClient          *self,
             OpFtpJob             *job,
             const OpFtpSettings  *s,
             GCancellable         *cancellable,
             GError              **error)
{
  g_autofree char *path = _op_ftp_local_path (job->file, error);
  OpFtpMeter meter = { job->sink, 0, 0 };

  _op_ftp_sink_set_file (job->sink, job->path, 0);
  if (path == NULL ||
      !_op_ftp_upload_file (self, s, path, job->wire, job->flags, &meter, cancellable,
                            error))
    return NULL;
  _op_ftp_sink_set_file (job->sink, job->path, 1);
  return OP_SESSION_JOB_OK;
}

void
op_ftp_client_upload_async (OpFtpClient         *self,
                            GFile               *local,
                            const char          *remote_path,
                            OpFtpTransferFlags   flags,
                            OpFtpProgressFunc    progress,
                            gpointer             progress_data,
                            GDestroyNotify       progress_notify,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OP_IS_FTP_CLIENT (self));
  g_return_if_fail (remote_path != NULL);
  g_return_if_fail (G_IS_FILE (local));

  _op_ftp_client_queue_transfer (self, upload_func, op_ftp_client_upload_async, remote_path,
                                 local, flags, progress, progress_data, progress_notify,
                                 cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpFtpClient, op_ftp_client, upload)
