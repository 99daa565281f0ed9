/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-nntp"

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <string.h>

#include "config.h"
#include "op-connection.h"
#include "op-nntp-client.h"
#include "op-nntp-client-private.h"
#include "op-nntp-private.h"
#include "op-sasl.h"
#include "op-secret.h"

/*
 * OpNntpClient's data exchanges, on its worker: the listings (LIST, NEWGROUPS, NEWNEWS,
 * LISTGROUP, HDR, HELP), OVER in batches to the main context, article text streamed to
 * the caller, and POST. The commands and their jobs are in op-nntp-client.c.
 */

/* LIST OVERVIEW.FMT: seven fixed fields and at most 64 extra (op-nntp-overview.h). */
#define MAX_FORMAT_LINES 128
/* Article text is written to the caller's stream in chunks of this size. */
#define WRITE_CHUNK (64 * 1024)

/* --- listings (worker) --------------------------------------------------------------------- */

static void
log_skipped (OpNntpClient *self,
             const char   *verb,
             GError       *error)
{
  /* Translators: %s is an NNTP command, then why a line of its listing was skipped */
  op_protocol_log_append_printf (op_session_get_log (SESSION (self)), OP_LOG_INFO,
                                 _("Skipped a line of %s: %s"), verb, error->message);
}

static gboolean
parse_listing_line (LineKind     kind,
                    const char  *line,
                    gsize        length,
                    gpointer     result,
                    GError     **error)
{
  switch (kind)
    {
    case LINE_ACTIVE:
      {
        OpNntpActive *active = op_nntp_parse_active_line (line, length, error);

        if (active != NULL)
          g_ptr_array_add (result, active);
        return active != NULL;
      }
    case LINE_NEWSGROUPS:
      {
        char *name = NULL, *description = NULL;

        if (!op_nntp_parse_newsgroups_line (line, length, &name, &description, error))
          return FALSE;
        g_hash_table_replace (result, name, description);
        return TRUE;
      }
    case LINE_ACTIVE_TIMES:
      {
        OpNntpGroupTime *entry = g_new0 (OpNntpGroupTime, 1);

        if (!op_nntp_parse_active_times_line (line, length, &entry->name, &entry->created,
                                              &entry->creator, error))
          {
            op_nntp_group_time_free (entry);
            return FALSE;
          }
        g_ptr_array_add (result, entry);
        return TRUE;
      }
    case LINE_MESSAGE_ID:
      {
        char *message_id = op_nntp_parse_message_id_line (line, length, error);

        if (message_id != NULL)
          g_ptr_array_add (result, message_id);
        return message_id != NULL;
      }
    case LINE_NUMBER:
      {
        guint64 number;

        if (!op_nntp_parse_number_line (line, length, &number, error))
          return FALSE;
        g_array_append_val (result, number);
        return TRUE;
      }
    case LINE_HDR:
      {
        OpNntpHeaderValue *entry = g_new0 (OpNntpHeaderValue, 1);

        if (!op_nntp_parse_hdr_line (line, length, &entry->number, &entry->value, error))
          {
            op_nntp_header_value_free (entry);
            return FALSE;
          }
        g_ptr_array_add (result, entry);
        return TRUE;
      }
    default:
      g_assert_not_reached ();
    }
}

gboolean
_op_nntp_collect_line (const char  *line,
                       gsize        length,
                       gpointer     user_data,
                       GError     **error)
{
  Collect *c = user_data;
  g_autoptr(GError) local_error = NULL;

  if (!parse_listing_line (c->kind, line, length, c->result, &local_error))
    {
      c->skipped++;
      log_skipped (c->self, c->verb, local_error);
    }
  return TRUE;
}

gboolean
_op_nntp_collect_help (const char  *line,
                       gsize        length,
                       gpointer     user_data,
                       GError     **error)
{
  Collect *c = user_data;
  g_autofree char *text = _op_nntp_sanitize (line, length);

  g_string_append (c->result, text);
  g_string_append_c (c->result, '\n');
  return TRUE;
}

static gboolean
collect_format_line (const char  *line,
                     gsize        length,
                     gpointer     user_data,
                     GError     **error)
{
  Collect *c = user_data;

  g_ptr_array_add (c->result, g_strndup (line, length));
  return TRUE;
}

/* Sends a listing command that must answer @expect and hands its lines to @func. */
gboolean
_op_nntp_listing (OpNntpClient       *self,
                  const char         *verb,
                  const char         *argument,
                  int                 expect,
                  gsize               max_line,
                  gsize               max_bytes,
                  OpSessionLineFunc   func,
                  Collect            *c,
                  GCancellable       *cancellable,
                  GError            **error)
{
  g_autoptr(OpNntpReply) reply = _op_nntp_command_multiline (self, verb, argument, expect,
                                                             OP_NNTP_COMMAND_OTHER, cancellable, error);

  if (reply == NULL)
    return FALSE;
  return op_session_read_block (SESSION (self), max_line, 0, max_bytes, func, c, cancellable,
                                error);
}

/* LIST OVERVIEW.FMT, parsed into the session's format; @lines (optional) gets the lines
 * as sent. A server without it (503, or no LIST OVERVIEW.FMT in CAPABILITIES) has the
 * RFC's seven fields, as does one whose format lacks them. */
gboolean
_op_nntp_load_format (OpNntpClient  *self,
                      gboolean       asked,
                      GStrv         *lines,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GPtrArray) received = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(OpNntpOverviewFormat) format = op_nntp_overview_format_new ();
  g_autoptr(GStrvBuilder) extra = g_strv_builder_new ();
  g_autoptr(OpNntpReply) reply = NULL;
  Collect c = { self, received, 0 };

  if (asked || self->w_caps == NULL || _op_nntp_has_capability_arg (self, "LIST", "OVERVIEW.FMT"))
    {
      reply = op_session_command (SESSION (self), "LIST OVERVIEW.FMT", NULL, OP_SEND_PLAIN,
                                  cancellable, error);
      if (reply == NULL)
        return FALSE;
      if (reply->code == 215)
        {
          if (!op_session_read_block (SESSION (self), OP_NNTP_MAX_REPLY_LINE, MAX_FORMAT_LINES,
                                      0, collect_format_line, &c, cancellable, error))
            return FALSE;
        }
      else if (asked)
        {
          g_propagate_error (error, _op_nntp_nntp_check_reply (SESSION (self), reply, 215,
                                                               "LIST OVERVIEW.FMT",
                                                               OP_NNTP_COMMAND_OTHER));
          return FALSE;
        }
    }

  for (guint i = 0; i < received->len; i++)
    {
      g_autoptr(GError) local_error = NULL;
      const char *line = received->pdata[i];

      if (!op_nntp_overview_format_add_line (format, line, strlen (line), &local_error))
        {
          log_skipped (self, "LIST OVERVIEW.FMT", local_error);
          break;
        }
    }
  if (!op_nntp_overview_format_is_complete (format))
    {
      g_clear_pointer (&format, op_nntp_overview_format_free);
      format = op_nntp_overview_format_new_default ();
    }
  for (guint i = 0; i < op_nntp_overview_format_get_n_extra (format); i++)
    g_strv_builder_add (extra, op_nntp_overview_format_get_extra_name (format, i));

  g_clear_pointer (&self->w_format, op_nntp_overview_format_free);
  g_clear_pointer (&self->w_format_extra, g_strfreev);
  self->w_format = g_steal_pointer (&format);
  self->w_format_extra = g_strv_builder_end (extra);
  if (lines != NULL)
    {
      g_ptr_array_add (received, NULL);
      *lines = (GStrv) g_ptr_array_steal (received, NULL);
    }
  return TRUE;
}

/* --- OVER in batches (worker → main context) --------------------------------------------- */

/* Shared by an OVER's worker and the batches it posts to the main context: how many
 * were posted and delivered, so the worker stays at most OP_NNTP_OVERVIEW_IN_FLIGHT
 * batches ahead. */
struct _OverShared
{
  OpNntpOverviewFunc  func;
  gpointer            func_data;
  GStrv               extra_names;   /* set before the first batch is posted */
  GMutex              lock;
  GCond               cond;
  guint64             posted;
  guint64             delivered;
};

static void
over_shared_clear (gpointer data)
{
  OverShared *shared = data;

  g_strfreev (shared->extra_names);
  g_mutex_clear (&shared->lock);
  g_cond_clear (&shared->cond);
}

OverShared *
_op_nntp_over_shared_new (OpNntpOverviewFunc func,
                          gpointer           func_data)
{
  OverShared *shared = g_atomic_rc_box_new0 (OverShared);

  shared->func = func;
  shared->func_data = func_data;
  g_mutex_init (&shared->lock);
  g_cond_init (&shared->cond);
  return shared;
}

void
_op_nntp_over_shared_unref (OverShared *shared)
{
  g_atomic_rc_box_release_full (shared, over_shared_clear);
}

typedef struct
{
  OverShared *shared;
  GPtrArray  *overviews;
} Batch;

/* A batch delivered or dropped counts as consumed: the worker may go on. */
static void
batch_free (Batch *batch)
{
  g_mutex_lock (&batch->shared->lock);
  batch->shared->delivered++;
  g_cond_broadcast (&batch->shared->cond);
  g_mutex_unlock (&batch->shared->lock);
  g_clear_pointer (&batch->overviews, g_ptr_array_unref);
  _op_nntp_over_shared_unref (batch->shared);
  g_free (batch);
}

void
_op_nntp_nntp_deliver_event (OpSession *session,
                             guint      kind,
                             gpointer   data)
{
  Batch *batch = data;

  g_assert (kind == EVENT_OVERVIEW_BATCH);
  if (batch->shared->func != NULL)
    batch->shared->func ((const char * const *) batch->shared->extra_names,
                         g_steal_pointer (&batch->overviews), batch->shared->func_data);
}

typedef struct
{
  OpNntpClient *self;
  OverShared   *shared;
  GPtrArray    *batch;
  guint64       count;
  guint64       skipped;
  GCancellable *cancellable;
} OverRun;

static void
over_wake (GCancellable *cancellable,
           gpointer      data)
{
  OverShared *shared = data;

  g_mutex_lock (&shared->lock);
  g_cond_broadcast (&shared->cond);
  g_mutex_unlock (&shared->lock);
}

/* Posts the batch gathered so far, then waits while too many are in flight. */
static gboolean
over_flush (OverRun  *run,
            GError  **error)
{
  OverShared *shared = run->shared;
  Batch *batch;
  gboolean cancelled;

  if (run->batch->len == 0)
    return TRUE;
  batch = g_new0 (Batch, 1);
  batch->shared = g_atomic_rc_box_acquire (shared);
  batch->overviews = g_steal_pointer (&run->batch);
  run->batch = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);

  g_mutex_lock (&shared->lock);
  shared->posted++;
  g_mutex_unlock (&shared->lock);
  op_session_post_event (SESSION (run->self), EVENT_OVERVIEW_BATCH, 0, batch,
                         (GDestroyNotify) batch_free, OP_SESSION_EVENT_NONE);

  g_mutex_lock (&shared->lock);
  while (shared->posted - shared->delivered >= OP_NNTP_OVERVIEW_IN_FLIGHT &&
         !g_cancellable_is_cancelled (run->cancellable))
    g_cond_wait (&shared->cond, &shared->lock);
  g_mutex_unlock (&shared->lock);
  cancelled = g_cancellable_set_error_if_cancelled (run->cancellable, error);
  return !cancelled;
}

static gboolean
over_line (const char  *line,
           gsize        length,
           gpointer     user_data,
           GError     **error)
{
  OverRun *run = user_data;
  g_autoptr(GError) local_error = NULL;
  OpNntpOverview *overview = op_nntp_overview_parse (run->self->w_format, line, length,
                                                     &local_error);

  if (overview == NULL)
    {
      run->skipped++;
      log_skipped (run->self, "OVER", local_error);
      return TRUE;
    }
  g_ptr_array_add (run->batch, overview);
  run->count++;
  if (run->batch->len >= OP_NNTP_OVERVIEW_BATCH)
    return over_flush (run, error);
  return TRUE;
}

/* RFC 3977 §8.3; RFC 2980 §2.8 for a server that does not announce OVER. */
static const char *
over_verb (OpNntpClient *self)
{
  return _op_nntp_has_capability (self, "OVER") ? "OVER" : "XOVER";
}

gboolean
_op_nntp_over_range (OpNntpClient  *self,
                     guint64        low,
                     guint64        high,
                     OverShared    *shared,
                     guint64       *count,
                     guint64       *skipped,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autofree char *range = NULL;
  g_autoptr(OpNntpReply) reply = NULL;
  GError *local_error = NULL;
  OverRun run = { self, shared, NULL, 0, 0, cancellable };
  const char *verb;
  gulong handler;
  gboolean ok;

  if ((range = _op_nntp_format_range (low, high, error)) == NULL)
    return FALSE;
  if (self->w_format == NULL && !_op_nntp_load_format (self, FALSE, NULL, cancellable, error))
    return FALSE;
  shared->extra_names = g_strdupv (self->w_format_extra);

  verb = over_verb (self);
  reply = _op_nntp_command_multiline (self, verb, range, 224, OP_NNTP_COMMAND_OTHER, cancellable,
                                      &local_error);
  if (reply == NULL)
    {
      /* RFC 3977 §8.3.2: 423 no articles in that range; older servers say 420. */
      if (g_error_matches (local_error, OP_NNTP_ERROR, OP_NNTP_ERROR_NO_SUCH_ARTICLE))
        {
          g_error_free (local_error);
          *count = *skipped = 0;
          return TRUE;
        }
      g_propagate_error (error, local_error);
      return FALSE;
    }

  run.batch = g_ptr_array_new_with_free_func ((GDestroyNotify) op_nntp_overview_free);
  /* A cancellation (or the session's release) wakes a worker waiting for the window. */
  handler = cancellable != NULL ? g_cancellable_connect (cancellable, G_CALLBACK (over_wake),
                                                         shared, NULL)
                                : 0;
  ok = op_session_read_data_block (SESSION (self), OP_NNTP_MAX_LIST_LINE, 0, 0, over_line, &run,
                                   cancellable, error) &&
       over_flush (&run, error);
  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);
  g_ptr_array_unref (run.batch);
  *count = run.count;
  *skipped = run.skipped;
  return ok;
}

gboolean
_op_nntp_collect_one_overview (const char  *line,
                               gsize        length,
                               gpointer     user_data,
                               GError     **error)
{
  Collect *c = user_data;
  g_autoptr(GError) local_error = NULL;
  OpNntpOverview *overview;

  if (c->result != NULL)
    {
      c->skipped++;
      return TRUE;
    }
  overview = op_nntp_overview_parse (c->self->w_format, line, length, &local_error);
  if (overview == NULL)
    {
      c->skipped++;
      log_skipped (c->self, "OVER", local_error);
      return TRUE;
    }
  c->result = overview;
  return TRUE;
}

/* --- article text (worker) ----------------------------------------------------------------- */

typedef struct
{
  GOutputStream *output;
  OpProgress    *progress;
  GByteArray    *buffer;
  guint64        written;
  GError        *write_error;
  GCancellable  *cancellable;
} ArticleRun;

static gboolean
article_flush (ArticleRun  *run,
               GError     **error)
{
  if (run->buffer->len == 0)
    return TRUE;
  if (!g_output_stream_write_all (run->output, run->buffer->data, run->buffer->len, NULL,
                                  run->cancellable, &run->write_error))
    {
      /* The session is out of step (the rest of the text is on its way) and ends; the
       * caller learns the stream's error, not a made-up protocol one. */
      g_set_error_literal (error, OP_NNTP_ERROR, OP_NNTP_ERROR_CONNECTION_LOST,
                           run->write_error->message);
      return FALSE;
    }
  run->written += run->buffer->len;
  g_byte_array_set_size (run->buffer, 0);
  if (run->progress != NULL)
    op_progress_update (run->progress, run->written, 0);
  return TRUE;
}

static gboolean
article_line (const char  *line,
              gsize        length,
              gpointer     user_data,
              GError     **error)
{
  ArticleRun *run = user_data;

  g_byte_array_append (run->buffer, (const guint8 *) line, length);
  g_byte_array_append (run->buffer, (const guint8 *) "\r\n", 2);
  if (run->buffer->len >= WRITE_CHUNK)
    return article_flush (run, error);
  return TRUE;
}

/* The argument of ARTICLE, HEAD, BODY and STAT: a Message-ID, a number, or none. */
gboolean
_op_nntp_article_argument (const char  *message_id,
                           guint64      number,
                           char       **argument,
                           GError     **error)
{
  if (message_id != NULL)
    {
      if (!_op_nntp_check_message_id (message_id, error))
        return FALSE;
      *argument = g_strdup (message_id);
    }
  else
    *argument = number > 0 ? g_strdup_printf ("%" G_GUINT64_FORMAT, number) : NULL;
  return TRUE;
}

gboolean
_op_nntp_parse_article_reply (OpNntpClient       *self,
                              const OpNntpReply  *reply,
                              guint64            *number,
                              char              **message_id,
                              GError            **error)
{
  GError *local_error = NULL;

  return _op_nntp_parse_or_fail (self, op_nntp_parse_article_reply (reply->text, number, message_id,
                                                                    &local_error),
                                 local_error, error);
}

gboolean
_op_nntp_receive_article (OpNntpClient       *self,
                          OpNntpArticlePart   part,
                          const char         *message_id,
                          guint64             number,
                          GOutputStream      *output,
                          OpProgress         *progress,
                          guint64            *r_number,
                          char              **r_message_id,
                          guint64            *bytes,
                          GCancellable       *cancellable,
                          GError            **error)
{
  static const char * const verbs[] = { "ARTICLE", "HEAD", "BODY" };
  static const int codes[] = { 220, 221, 222 };
  g_autofree char *argument = NULL;
  g_autoptr(OpNntpReply) reply = NULL;
  ArticleRun run = { output, progress, NULL, 0, NULL, cancellable };
  GError *local_error = NULL;
  gboolean ok;

  if (!_op_nntp_article_argument (message_id, number, &argument, error))
    return FALSE;
  reply = _op_nntp_command_multiline (self, verbs[part], argument, codes[part], OP_NNTP_COMMAND_OTHER,
                                      cancellable, error);
  if (reply == NULL ||
      !_op_nntp_parse_article_reply (self, reply, r_number, r_message_id, error))
    return FALSE;

  run.buffer = g_byte_array_sized_new (WRITE_CHUNK + OP_NNTP_MAX_ARTICLE_LINE / 16);
  ok = op_session_read_block (SESSION (self), OP_NNTP_MAX_ARTICLE_LINE, 0, 0, article_line,
                              &run, cancellable, &local_error) &&
       article_flush (&run, &local_error);
  g_byte_array_unref (run.buffer);
  *bytes = run.written;
  if (!ok)
    {
      if (run.write_error != NULL)
        {
          g_clear_error (&local_error);
          op_session_disconnect (SESSION (self));
          local_error = g_steal_pointer (&run.write_error);
        }
      g_propagate_error (error, local_error);
      return FALSE;
    }
  {
    g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, run.written);

    /* Translators: %s is an NNTP command (ARTICLE, HEAD, BODY), then a number of bytes */
    op_protocol_log_append_printf (op_session_get_log (SESSION (self)), OP_LOG_INFO,
                                   _("Received the %s text (%s bytes)."), verbs[part], count);
  }
  return g_output_stream_flush (output, cancellable, error);
}

/* --- POST (worker) ------------------------------------------------------------------------- */

#define POST_CHUNK (64 * 1024)

/* The article through GMime's unix2dos (CRLF line ends, and one at the end) and SMTP
 * data (dot-stuffing, which NNTP shares: RFC 3977 §3.1.1) filters, onto the
 * connection, then the terminating ".". A failure before the "." ends the session: the
 * server never sees a complete article, so nothing is posted. */
static gboolean
send_article (OpNntpClient  *self,
              GInputStream  *article,
              GCancellable  *cancellable,
              GError       **error)
{
  OpSession *session = SESSION (self);
  /* GMime 3.2 declares no autoptr for its types: hold them as GObjects. */
  g_autoptr(GObject) crlf_object = G_OBJECT (g_mime_filter_unix2dos_new (TRUE));
  g_autoptr(GObject) dots_object = G_OBJECT (g_mime_filter_smtp_data_new ());
  GMimeFilter *crlf = GMIME_FILTER (crlf_object);
  GMimeFilter *dots = GMIME_FILTER (dots_object);
  g_autofree char *buffer = g_malloc (POST_CHUNK);
  gboolean done = FALSE;

  while (!done)
    {
      GError *local_error = NULL;
      char *out1 = NULL, *out2 = NULL;
      size_t len1 = 0, len2 = 0, pre1 = 0, pre2 = 0;
      gssize n = g_input_stream_read (article, buffer, POST_CHUNK, cancellable, &local_error);

      if (n < 0)
        {
          op_session_disconnect (session);
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, local_error);
          else
            {
              g_set_error (error, OP_NNTP_ERROR, OP_NNTP_ERROR_INVALID_ARGUMENT,
                           _("The article could not be read, so it was not posted: %s"),
                           local_error->message);
              g_error_free (local_error);
            }
          return FALSE;
        }
      if (n > 0)
        {
          if (memchr (buffer, '\0', n) != NULL)
            {
              op_session_disconnect (session);
              return _op_nntp_invalid_argument (error, _("The article contains a NUL byte, which "
                                                         "NNTP cannot carry; it was not posted."));
            }
          g_mime_filter_filter (crlf, buffer, (size_t) n, 0, &out1, &len1, &pre1);
          g_mime_filter_filter (dots, out1, len1, pre1, &out2, &len2, &pre2);
        }
      else
        {
          g_mime_filter_complete (crlf, buffer, 0, 0, &out1, &len1, &pre1);
          g_mime_filter_complete (dots, out1, len1, pre1, &out2, &len2, &pre2);
          done = TRUE;
        }
      if (len2 > 0 && !op_session_write_all (session, out2, len2, cancellable, error))
        return FALSE;
    }
  return op_session_send (session, ".", NULL, OP_SEND_PLAIN, cancellable, error);
}

gboolean
_op_nntp_post_article (OpNntpClient  *self,
                       GInputStream  *article,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr(OpNntpReply) reply = NULL;

  /* RFC 3977 §6.3.1.2: 340 send the article; 440 posting not permitted. */
  reply = _op_nntp_command (self, "POST", NULL, 340, OP_NNTP_COMMAND_POST, cancellable, error);
  if (reply == NULL)
    return FALSE;
  g_clear_pointer (&reply, op_nntp_reply_free);
  op_session_set_in_command (SESSION (self), TRUE);
  if (!send_article (self, article, cancellable, error))
    return FALSE;
  /* The "." went out: the server's answer is the outcome, whatever happens to the
   * caller's cancellable now (the timeout still bounds the wait). */
  reply = op_session_read_reply (SESSION (self), NULL, error);
  if (reply == NULL)
    return FALSE;
  if (reply->code != 240)
    {
      g_propagate_error (error, _op_nntp_nntp_check_reply (SESSION (self), reply, 240, "POST",
                                                           OP_NNTP_COMMAND_POST));
      return FALSE;
    }
  op_protocol_log_append (op_session_get_log (SESSION (self)), OP_LOG_INFO,
                          _("The article was posted."));
  return TRUE;
}

