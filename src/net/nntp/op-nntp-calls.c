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

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (user == NULL || password != NULL);

  job = _op_nntp_job_new (JOB_CONNECT, NULL);
  job->user = g_strdup (user);
  job->secret = g_strdup (password);
  _op_nntp_call (self, job, op_nntp_client_connect_async, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpNntpClient, op_nntp_client, connect)

void
op_nntp_client_date_async (OpNntpClient         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  _op_nntp_call (self, _op_nntp_job_new (JOB_DATE, NULL), op_nntp_client_date_async,
                 cancellable, callback, user_data);
}

/**
 * op_nntp_client_date_finish:
 *
 * Returns: (transfer full): the server's time in UTC, or %NULL
 */
OP_SESSION_DEFINE_FINISH_POINTER (OpNntpClient, op_nntp_client, date, GDateTime *)

void
op_nntp_client_help_async (OpNntpClient         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  _op_nntp_call (self, _op_nntp_job_new (JOB_HELP, NULL), op_nntp_client_help_async,
                 cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpNntpClient, op_nntp_client, help, char *)

void
op_nntp_client_list_active_async (OpNntpClient         *self,
                                  const char           *wildmat,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  _op_nntp_call (self, _op_nntp_job_new (JOB_LIST_ACTIVE, wildmat),
                 op_nntp_client_list_active_async, cancellable, callback, user_data);
}

/**
 * op_nntp_client_list_active_finish:
 *
 * Returns: (transfer full) (element-type OpNntpActive): the groups, or %NULL
 */
OP_SESSION_DEFINE_FINISH_POINTER (OpNntpClient, op_nntp_client, list_active, GPtrArray *)

void
op_nntp_client_list_newsgroups_async (OpNntpClient         *self,
                                      const char           *wildmat,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  _op_nntp_call (self, _op_nntp_job_new (JOB_LIST_NEWSGROUPS, wildmat),
                 op_nntp_client_list_newsgroups_async, cancellable, callback, user_data);
}

/**
 * op_nntp_client_list_newsgroups_finish:
 *
 * Returns: (transfer full) (element-type utf8 utf8): group name → description, or %NULL
 */
OP_SESSION_DEFINE_FINISH_POINTER (OpNntpClient, op_nntp_client, list_newsgroups, GHashTable *)

void
op_nntp_client_list_active_times_async (OpNntpClient         *self,
                                        const char           *wildmat,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  _op_nntp_call (self, _op_nntp_job_new (JOB_LIST_ACTIVE_TIMES, wildmat),
                 op_nntp_client_list_active_times_async, cancellable, callback, user_data);
}

/**
 * op_nntp_client_list_active_times_finish:
 *
 * Returns: (transfer full) (element-type OpNntpGroupTime): the groups, or %NULL
 */
OP_SESSION_DEFINE_FINISH_POINTER (OpNntpClient, op_nntp_client, list_active_times, GPtrArray *)

void
op_nntp_client_list_overview_fmt_async (OpNntpClient         *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  _op_nntp_call (self, _op_nntp_job_new (JOB_LIST_OVERVIEW_FMT, NULL),
                 op_nntp_client_list_overview_fmt_async, cancellable, callback, user_data);
}

/**
 * op_nntp_client_list_overview_fmt_finish:
 *
 * Returns: (transfer full): the lines of LIST OVERVIEW.FMT, or %NULL
 */
OP_SESSION_DEFINE_FINISH_POINTER (OpNntpClient, op_nntp_client, list_overview_fmt, GStrv)

void
op_nntp_client_newgroups_async (OpNntpClient         *self,
                                GDateTime            *since,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data)
{
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (since != NULL);
  job = _op_nntp_job_new (JOB_NEWGROUPS, NULL);
  job->since = g_date_time_ref (since);
  _op_nntp_call (self, job, op_nntp_client_newgroups_async, cancellable, callback, user_data);
}

/**
 * op_nntp_client_newgroups_finish:
 *
 * Returns: (transfer full) (element-type OpNntpActive): the new groups, or %NULL
 */
OP_SESSION_DEFINE_FINISH_POINTER (OpNntpClient, op_nntp_client, newgroups, GPtrArray *)

void
op_nntp_client_newnews_async (OpNntpClient         *self,
                              const char           *wildmat,
                              GDateTime            *since,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (wildmat != NULL);
  g_return_if_fail (since != NULL);
  job = _op_nntp_job_new (JOB_NEWNEWS, wildmat);
  job->since = g_date_time_ref (since);
  _op_nntp_call (self, job, op_nntp_client_newnews_async, cancellable, callback, user_data);
}

/**
 * op_nntp_client_newnews_finish:
 *
 * Returns: (transfer full) (element-type utf8): the Message-IDs, or %NULL
 */
OP_SESSION_DEFINE_FINISH_POINTER (OpNntpClient, op_nntp_client, newnews, GPtrArray *)

void
op_nntp_client_group_async (OpNntpClient         *self,
                            const char           *group,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (group != NULL);
  _op_nntp_call (self, _op_nntp_job_new (JOB_GROUP, group), op_nntp_client_group_async,
                 cancellable, callback, user_data);
}

gboolean
op_nntp_client_group_finish (OpNntpClient  *self,
                             GAsyncResult  *result,
                             guint64       *count,
                             guint64       *low,
                             guint64       *high,
                             GError       **error)
{
  if (!op_session_finish_boolean (SESSION (self), result, op_nntp_client_group_async, error))
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
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  job = _op_nntp_job_new (JOB_LISTGROUP, group);
  job->low = low;
  job->high = high;
  _op_nntp_call (self, job, op_nntp_client_listgroup_async, cancellable, callback, user_data);
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
  GArray *numbers = op_session_finish_pointer (SESSION (self), result,
                                               op_nntp_client_listgroup_async, error);

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
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  job = _op_nntp_job_new (JOB_OVER, NULL);
  job->low = low;
  job->high = high;
  job->over = _op_nntp_over_shared_new (func, func_data);
  _op_nntp_call (self, job, op_nntp_client_over_async, cancellable, callback, user_data);
}

gboolean
op_nntp_client_over_finish (OpNntpClient  *self,
                            GAsyncResult  *result,
                            guint64       *n_overviews,
                            guint64       *n_skipped,
                            GError       **error)
{
  Job *job;

  if (!op_session_finish_boolean (SESSION (self), result, op_nntp_client_over_async, error))
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
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (message_id != NULL);
  job = _op_nntp_job_new (JOB_OVER_MESSAGE_ID, NULL);
  job->message_id = g_strdup (message_id);
  _op_nntp_call (self, job, op_nntp_client_over_message_id_async, cancellable, callback, user_data);
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
  OpNntpOverview *overview = op_session_finish_pointer (SESSION (self), result,
                                                        op_nntp_client_over_message_id_async,
                                                        error);

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
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (field != NULL);
  job = _op_nntp_job_new (JOB_HDR, field);
  job->message_id = g_strdup (message_id);
  job->low = low;
  job->high = high;
  _op_nntp_call (self, job, op_nntp_client_hdr_async, cancellable, callback, user_data);
}

/**
 * op_nntp_client_hdr_finish:
 *
 * Returns: (transfer full) (element-type OpNntpHeaderValue): the values, or %NULL
 */
OP_SESSION_DEFINE_FINISH_POINTER (OpNntpClient, op_nntp_client, hdr, GPtrArray *)

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
  task = op_session_task_new (SESSION (self), op_nntp_client_article_async, cancellable, callback,
                              user_data);
  job = _op_nntp_job_new (JOB_ARTICLE, NULL);
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
  if (!op_session_finish_boolean (SESSION (self), result, op_nntp_client_article_async, error))
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
  Job *job;

  /* One _finish for the three: they share the source tag of STAT. */
  job = _op_nntp_job_new (kind, NULL);
  job->message_id = g_strdup (message_id);
  job->number = number;
  _op_nntp_call (self, job, op_nntp_client_stat_async, cancellable, callback, user_data);
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
  if (!op_session_finish_boolean (SESSION (self), result, op_nntp_client_stat_async, error))
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
  Job *job;

  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  g_return_if_fail (G_IS_INPUT_STREAM (article));
  job = _op_nntp_job_new (JOB_POST, NULL);
  job->input = g_object_ref (article);
  _op_nntp_call (self, job, op_nntp_client_post_async, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpNntpClient, op_nntp_client, post)

void
op_nntp_client_quit_async (OpNntpClient         *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (OP_IS_NNTP_CLIENT (self));
  _op_nntp_call (self, _op_nntp_job_new (JOB_QUIT, NULL), op_nntp_client_quit_async,
                 cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_BOOLEAN (OpNntpClient, op_nntp_client, quit)

