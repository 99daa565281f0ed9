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
 * OpNntpClient's public calls: each checks its arguments, queues a job
 * (op-nntp-client.c) and reads the job's results in its _finish.
 */

/* --- the public calls ---------------------------------------------------------------------- */

void
op_nntp_client_connect_async (OpNntpClient         *self,
                              const char           *user,
                              const char           *password,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  Job *job;
  GTask *task;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (user == NULL || password != NULL);

  task = _op_nntp_job_task (self, JOB_CONNECT, op_nntp_client_connect_async, cancellable, callback,
                            user_data, &job);
  job->user = g_strdup (user);
  job->secret = g_strdup (password);
  _op_nntp_job_queue (self, task, job);
}

gboolean
op_nntp_client_connect_finish (OpNntpClient  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return _op_nntp_job_finish_boolean (self, result, op_nntp_client_connect_async, error);
}

void
op_nntp_client_date_async (OpNntpClient         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  _op_nntp_queue_simple (self, JOB_DATE, op_nntp_client_date_async, NULL, cancellable,
                         callback, user_data);
}

/**
 * op_nntp_client_date_finish:
 *
 * Returns: (transfer full): the server's time in UTC, or %NULL
 */
GDateTime *
op_nntp_client_date_finish (OpNntpClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return _op_nntp_job_finish_pointer (self, result, op_nntp_client_date_async, error);
}

void
op_nntp_client_help_async (OpNntpClient         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  _op_nntp_queue_simple (self, JOB_HELP, op_nntp_client_help_async, NULL, cancellable,
                         callback, user_data);
}

char *
op_nntp_client_help_finish (OpNntpClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return _op_nntp_job_finish_pointer (self, result, op_nntp_client_help_async, error);
}

void
op_nntp_client_list_active_async (OpNntpClient         *self,
                                  const char           *wildmat,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  _op_nntp_queue_simple (self, JOB_LIST_ACTIVE, op_nntp_client_list_active_async, wildmat,
                         cancellable, callback, user_data);
}

/**
 * op_nntp_client_list_active_finish:
 *
 * Returns: (transfer full) (element-type OpNntpActive): the groups, or %NULL
 */
GPtrArray *
op_nntp_client_list_active_finish (OpNntpClient  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return _op_nntp_job_finish_pointer (self, result, op_nntp_client_list_active_async, error);
}

void
op_nntp_client_list_newsgroups_async (OpNntpClient         *self,
                                      const char           *wildmat,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  _op_nntp_queue_simple (self, JOB_LIST_NEWSGROUPS, op_nntp_client_list_newsgroups_async, wildmat,
                         cancellable, callback, user_data);
}

/**
 * op_nntp_client_list_newsgroups_finish:
 *
 * Returns: (transfer full) (element-type utf8 utf8): group name → description, or %NULL
 */
GHashTable *
op_nntp_client_list_newsgroups_finish (OpNntpClient  *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  return _op_nntp_job_finish_pointer (self, result, op_nntp_client_list_newsgroups_async, error);
}

void
op_nntp_client_list_active_times_async (OpNntpClient         *self,
                                        const char           *wildmat,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  _op_nntp_queue_simple (self, JOB_LIST_ACTIVE_TIMES, op_nntp_client_list_active_times_async, wildmat,
                         cancellable, callback, user_data);
}

/**
 * op_nntp_client_list_active_times_finish:
 *
 * Returns: (transfer full) (element-type OpNntpGroupTime): the groups, or %NULL
 */
GPtrArray *
op_nntp_client_list_active_times_finish (OpNntpClient  *self,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  return _op_nntp_job_finish_pointer (self, result, op_nntp_client_list_active_times_async, error);
}

void
op_nntp_client_list_overview_fmt_async (OpNntpClient         *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  _op_nntp_queue_simple (self, JOB_LIST_OVERVIEW_FMT, op_nntp_client_list_overview_fmt_async, NULL,
                         cancellable, callback, user_data);
}

/**
 * op_nntp_client_list_overview_fmt_finish:
 *
 * Returns: (transfer full): the lines of LIST OVERVIEW.FMT, or %NULL
 */
GStrv
op_nntp_client_list_overview_fmt_finish (OpNntpClient  *self,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  return _op_nntp_job_finish_pointer (self, result, op_nntp_client_list_overview_fmt_async, error);
}

void
op_nntp_client_newgroups_async (OpNntpClient         *self,
                                GDateTime            *since,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data)
{
  GTask *task;
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (since != NULL);
  job = _op_nntp_simple_call (self, JOB_NEWGROUPS, op_nntp_client_newgroups_async, NULL, cancellable,
                              callback, user_data, &task);
  job->since = g_date_time_ref (since);
  _op_nntp_job_queue (self, task, job);
}

/**
 * op_nntp_client_newgroups_finish:
 *
 * Returns: (transfer full) (element-type OpNntpActive): the new groups, or %NULL
 */
GPtrArray *
op_nntp_client_newgroups_finish (OpNntpClient  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return _op_nntp_job_finish_pointer (self, result, op_nntp_client_newgroups_async, error);
}

void
op_nntp_client_newnews_async (OpNntpClient         *self,
                              const char           *wildmat,
                              GDateTime            *since,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  GTask *task;
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (wildmat != NULL);
  g_return_if_fail (since != NULL);
  job = _op_nntp_simple_call (self, JOB_NEWNEWS, op_nntp_client_newnews_async, wildmat, cancellable,
                              callback, user_data, &task);
  job->since = g_date_time_ref (since);
  _op_nntp_job_queue (self, task, job);
}

/**
 * op_nntp_client_newnews_finish:
 *
 * Returns: (transfer full) (element-type utf8): the Message-IDs, or %NULL
 */
GPtrArray *
op_nntp_client_newnews_finish (OpNntpClient  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return _op_nntp_job_finish_pointer (self, result, op_nntp_client_newnews_async, error);
}

void
op_nntp_client_group_async (OpNntpClient         *self,
                            const char           *group,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (group != NULL);
  _op_nntp_queue_simple (self, JOB_GROUP, op_nntp_client_group_async, group, cancellable,
                         callback, user_data);
}

gboolean
op_nntp_client_group_finish (OpNntpClient  *self,
                             GAsyncResult  *result,
                             guint64       *count,
                             guint64       *low,
                             guint64       *high,
                             GError       **error)
{
  if (!_op_nntp_job_finish_boolean (self, result, op_nntp_client_group_async, error))
    return FALSE;
  _op_nntp_get_marks (result, count, low, high);
  return TRUE;
}

void
op_nntp_client_listgroup_async (OpNntpClient         *self,
                                const char           *group,
                                guint64               low,
                                guint64               high,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data)
{
  GTask *task;
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  job = _op_nntp_simple_call (self, JOB_LISTGROUP, op_nntp_client_listgroup_async, group, cancellable,
                              callback, user_data, &task);
  job->low = low;
  job->high = high;
  _op_nntp_job_queue (self, task, job);
}

/**
 * op_nntp_client_listgroup_finish:
 *
 * Returns: (transfer full) (element-type guint64): the article numbers, or %NULL
 */
GArray *
op_nntp_client_listgroup_finish (OpNntpClient  *self,
                                 GAsyncResult  *result,
                                 guint64       *count,
                                 guint64       *low,
                                 guint64       *high,
                                 GError       **error)
{
  GArray *numbers = _op_nntp_job_finish_pointer (self, result, op_nntp_client_listgroup_async, error);

  if (numbers != NULL)
    _op_nntp_get_marks (result, count, low, high);
  return numbers;
}

void
op_nntp_client_over_async (OpNntpClient         *self,
                           guint64               low,
                           guint64               high,
                           OpNntpOverviewFunc    func,
                           gpointer              func_data,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  GTask *task;
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  job = _op_nntp_simple_call (self, JOB_OVER, op_nntp_client_over_async, NULL, cancellable, callback,
                              user_data, &task);
  job->low = low;
  job->high = high;
  job->over = _op_nntp_over_shared_new (func, func_data);
  _op_nntp_job_queue (self, task, job);
}

gboolean
op_nntp_client_over_finish (OpNntpClient  *self,
                            GAsyncResult  *result,
                            guint64       *n_overviews,
                            guint64       *n_skipped,
                            GError       **error)
{
  Job *job;

  if (!_op_nntp_job_finish_boolean (self, result, op_nntp_client_over_async, error))
    return FALSE;
  job = op_session_task_get_data (result);
  if (n_overviews != NULL)
    *n_overviews = job->r_count;
  if (n_skipped != NULL)
    *n_skipped = job->r_skipped;
  return TRUE;
}

void
op_nntp_client_over_message_id_async (OpNntpClient         *self,
                                      const char           *message_id,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data)
{
  GTask *task;
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (message_id != NULL);
  job = _op_nntp_simple_call (self, JOB_OVER_MESSAGE_ID, op_nntp_client_over_message_id_async, NULL,
                              cancellable, callback, user_data, &task);
  job->message_id = g_strdup (message_id);
  _op_nntp_job_queue (self, task, job);
}

/**
 * op_nntp_client_over_message_id_finish:
 *
 * Returns: (transfer full): the article's overview, or %NULL
 */
OpNntpOverview *
op_nntp_client_over_message_id_finish (OpNntpClient  *self,
                                       GAsyncResult  *result,
                                       GStrv         *extra_names,
                                       GError       **error)
{
  OpNntpOverview *overview = _op_nntp_job_finish_pointer (self, result,
                                                          op_nntp_client_over_message_id_async, error);

  if (overview != NULL && extra_names != NULL)
    *extra_names = g_steal_pointer (&((Job *) op_session_task_get_data (result))->r_extra_names);
  return overview;
}

void
op_nntp_client_hdr_async (OpNntpClient         *self,
                          const char           *field,
                          const char           *message_id,
                          guint64               low,
                          guint64               high,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  GTask *task;
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (field != NULL);
  job = _op_nntp_simple_call (self, JOB_HDR, op_nntp_client_hdr_async, field, cancellable, callback,
                              user_data, &task);
  job->message_id = g_strdup (message_id);
  job->low = low;
  job->high = high;
  _op_nntp_job_queue (self, task, job);
}

/**
 * op_nntp_client_hdr_finish:
 *
 * Returns: (transfer full) (element-type OpNntpHeaderValue): the values, or %NULL
 */
GPtrArray *
op_nntp_client_hdr_finish (OpNntpClient  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return _op_nntp_job_finish_pointer (self, result, op_nntp_client_hdr_async, error);
}

void
op_nntp_client_article_async (OpNntpClient         *self,
                              OpNntpArticlePart     part,
                              const char           *message_id,
                              guint64               number,
                              GOutputStream        *output,
                              OpProgressFunc        progress,
                              gpointer              progress_data,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  GTask *task;
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (part <= OP_NNTP_ARTICLE_BODY);
  g_return_if_fail (G_IS_OUTPUT_STREAM (output));
  job = _op_nntp_simple_call (self, JOB_ARTICLE, op_nntp_client_article_async, NULL, cancellable,
                              callback, user_data, &task);
  job->part = part;
  job->message_id = g_strdup (message_id);
  job->number = number;
  job->output = g_object_ref (output);
  if (progress != NULL)
    job->progress = op_progress_new_for_task (task, progress, progress_data);
  _op_nntp_job_queue (self, task, job);
}

gboolean
op_nntp_client_article_finish (OpNntpClient  *self,
                               GAsyncResult  *result,
                               guint64       *number,
                               char         **message_id,
                               guint64       *bytes,
                               GError       **error)
{
  if (!_op_nntp_job_finish_boolean (self, result, op_nntp_client_article_async, error))
    return FALSE;
  _op_nntp_get_article (result, number, message_id);
  if (bytes != NULL)
    *bytes = ((Job *) op_session_task_get_data (result))->r_count;
  return TRUE;
}

static void
stat_call (OpNntpClient         *self,
           JobKind               kind,
           const char           *message_id,
           guint64               number,
           GCancellable         *cancellable,
           GAsyncReadyCallback   callback,
           gpointer              user_data)
{
  GTask *task;
  Job *job;

  /* One _finish for the three: they share the source tag of STAT. */
  job = _op_nntp_simple_call (self, kind, op_nntp_client_stat_async, NULL, cancellable, callback,
                              user_data, &task);
  job->message_id = g_strdup (message_id);
  job->number = number;
  _op_nntp_job_queue (self, task, job);
}

void
op_nntp_client_stat_async (OpNntpClient         *self,
                           const char           *message_id,
                           guint64               number,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  stat_call (self, JOB_STAT, message_id, number, cancellable, callback, user_data);
}

void
op_nntp_client_next_async (OpNntpClient         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  stat_call (self, JOB_NEXT, NULL, 0, cancellable, callback, user_data);
}

void
op_nntp_client_last_async (OpNntpClient         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  stat_call (self, JOB_LAST, NULL, 0, cancellable, callback, user_data);
}

gboolean
op_nntp_client_stat_finish (OpNntpClient  *self,
                            GAsyncResult  *result,
                            guint64       *number,
                            char         **message_id,
                            GError       **error)
{
  if (!_op_nntp_job_finish_boolean (self, result, op_nntp_client_stat_async, error))
    return FALSE;
  _op_nntp_get_article (result, number, message_id);
  return TRUE;
}

void
op_nntp_client_post_async (OpNntpClient         *self,
                           GInputStream         *article,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  GTask *task;
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (G_IS_INPUT_STREAM (article));
  job = _op_nntp_simple_call (self, JOB_POST, op_nntp_client_post_async, NULL, cancellable, callback,
                              user_data, &task);
  job->input = g_object_ref (article);
  _op_nntp_job_queue (self, task, job);
}

gboolean
op_nntp_client_post_finish (OpNntpClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return _op_nntp_job_finish_boolean (self, result, op_nntp_client_post_async, error);
}

void
op_nntp_client_quit_async (OpNntpClient         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  _op_nntp_queue_simple (self, JOB_QUIT, op_nntp_client_quit_async, NULL, cancellable,
                         callback, user_data);
}

gboolean
op_nntp_client_quit_finish (OpNntpClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return _op_nntp_job_finish_boolean (self, result, op_nntp_client_quit_async, error);
}

