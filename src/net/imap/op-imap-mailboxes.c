/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-imap-client-private.h"
#include "op-imap-utf7.h"

/*
 * Folders: LIST/LSUB (with LIST-STATUS and SPECIAL-USE), STATUS, SELECT/EXAMINE (with
 * CONDSTORE and QRESYNC), CREATE, DELETE, RENAME, (UN)SUBSCRIBE, and leaving a folder
 * (CLOSE, UNSELECT) or working on it as a whole (CHECK, EXPUNGE).
 */


typedef struct
{
  GPtrArray  *mailboxes;   /* OpImapMailbox */
  GHashTable *by_name;     /* raw name → OpImapMailbox (borrowed) */
  gboolean    lsub;
} ListCollect;

static gboolean
collect_list (OpImapClient   *self,
              OpImapResponse *r,
              gpointer        data)
{
  ListCollect *lc = data;
  OpImapMailbox *m;

  if (r->kind != OP_IMAP_RESPONSE_DATA)
    return FALSE;
  if ((r->data == OP_IMAP_DATA_LIST && !lc->lsub) || (r->data == OP_IMAP_DATA_LSUB && lc->lsub))
    {
      m = g_hash_table_lookup (lc->by_name, r->list->raw_name);
      if (m == NULL)
        {
          if (!_op_imap_within_limit (self, lc->mailboxes->len + 1, OP_IMAP_MAX_MAILBOXES, lc->lsub ? "LSUB" : "LIST"))
            return TRUE;
          m = g_new0 (OpImapMailbox, 1);
          g_ptr_array_add (lc->mailboxes, m);
        }
      else
        op_imap_list_entry_free (m->entry);
      m->entry = g_steal_pointer (&r->list);
      if (m->entry->name == NULL)
        g_debug ("imap: a folder name that is not modified UTF-7: %s", m->entry->raw_name);
      g_hash_table_insert (lc->by_name, m->entry->raw_name, m);
      return TRUE;
    }
  if (r->data == OP_IMAP_DATA_STATUS)
    {
      /* RFC 5819 LIST-STATUS: STATUS follows its LIST. */
      m = g_hash_table_lookup (lc->by_name, r->status_data->raw_name);
      if (m == NULL)
        return FALSE;
      op_imap_mailbox_status_free (m->status);
      m->status = g_steal_pointer (&r->status_data);
      return TRUE;
    }
  return FALSE;
}

static GPtrArray *
do_list (OpImapClient  *self,
         const char    *pattern,
         gboolean       subscribed,
         GCancellable  *cancellable,
         GError       **error)
{
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(GPtrArray) mailboxes = g_ptr_array_new_with_free_func ((GDestroyNotify) op_imap_mailbox_free);
  g_autoptr(GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  ListCollect lc = { mailboxes, by_name, subscribed };
  g_autofree char *wire = NULL;

  if (!_op_imap_need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return NULL;
  wire = op_imap_utf7_encode (pattern != NULL ? pattern : "*", error);
  if (wire == NULL)
    return NULL;
  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, subscribed ? "LSUB" : "LIST");
  _op_imap_cmd_string (&c, self, "", 0);
  _op_imap_cmd_string (&c, self, wire, strlen (wire));
  if (!subscribed && _op_imap_has_cap (self, "LIST-EXTENDED"))
    {
      gboolean special = _op_imap_has_cap (self, "SPECIAL-USE");
      gboolean status = _op_imap_has_cap (self, "LIST-STATUS");

      if (special || status)
        {
          g_autoptr(GString) ret = g_string_new ("RETURN (");

          if (special)
            g_string_append (ret, "SPECIAL-USE");
          if (status)
            g_string_append_printf (ret, "%sSTATUS (MESSAGES UNSEEN UIDNEXT UIDVALIDITY%s)",
                                    special ? " " : "",
                                    _op_imap_has_cap (self, "CONDSTORE") ? " HIGHESTMODSEQ" : "");
          g_string_append_c (ret, ')');
          _op_imap_cmd_add (&c, ret->str);
        }
    }
  r = _op_imap_command_ok (self, &c, subscribed ? "LSUB" : "LIST", OP_IMAP_COMMAND_OTHER,
                  collect_list, &lc, cancellable, error);
  if (r == NULL)
    return NULL;
  return g_steal_pointer (&mailboxes);
}

static gboolean
collect_status (OpImapClient   *self,
                OpImapResponse *r,
                gpointer        data)
{
  OpImapMailboxStatus **out = data;

  if (r->kind != OP_IMAP_RESPONSE_DATA || r->data != OP_IMAP_DATA_STATUS)
    return FALSE;
  op_imap_mailbox_status_free (*out);
  *out = g_steal_pointer (&r->status_data);
  return TRUE;
}

static OpImapMailboxStatus *
do_status (OpImapClient  *self,
           const char    *mailbox,
           GCancellable  *cancellable,
           GError       **error)
{
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  OpImapMailboxStatus *status = NULL;

  if (!_op_imap_need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return NULL;
  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, "STATUS");
  if (!_op_imap_cmd_mailbox (&c, self, mailbox, error))
    return NULL;
  _op_imap_cmd_add (&c, _op_imap_has_cap (self, "CONDSTORE")
                ? "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)"
                : "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)");
  r = _op_imap_command_ok (self, &c, "STATUS", OP_IMAP_COMMAND_MAILBOX, collect_status, &status,
                  cancellable, error);
  if (r == NULL)
    {
      op_imap_mailbox_status_free (status);
      return NULL;
    }
  if (status == NULL)
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE,
                           _("The server did not report the folder's status."));
      return NULL;
    }
  return status;
}

static gboolean
collect_select (OpImapClient   *self,
                OpImapResponse *r,
                gpointer        data)
{
  OpImapSelectInfo *info = data;

  /* With QRESYNC parameters (info->changed set), the changes since the caller's modseq
   * belong to the answer (RFC 7162 §3.2.5.1). */
  if (info->changed != NULL && r->kind == OP_IMAP_RESPONSE_DATA)
    {
      if (r->data == OP_IMAP_DATA_VANISHED && r->vanished_earlier)
        return _op_imap_collect_vanished_earlier (self, r, &info->vanished);
      if (r->data == OP_IMAP_DATA_FETCH && (r->fetch->items & OP_IMAP_FETCH_UID))
        {
          if (!_op_imap_within_limit (self, info->changed->len + 1, OP_IMAP_MAX_UIDS, "FETCH"))
            return TRUE;
          g_ptr_array_add (info->changed, g_steal_pointer (&r->fetch));
          return TRUE;
        }
    }

  if (r->kind == OP_IMAP_RESPONSE_STATUS && r->code != NULL)
    {
      switch (r->code->kind)
        {
        case OP_IMAP_CODE_UIDVALIDITY:
          info->uidvalidity = (guint32) r->code->number;
          return TRUE;
        case OP_IMAP_CODE_UIDNEXT:
          info->uidnext = (guint32) r->code->number;
          return TRUE;
        case OP_IMAP_CODE_UNSEEN:
          info->unseen = (guint32) r->code->number;
          return TRUE;
        case OP_IMAP_CODE_HIGHESTMODSEQ:
          info->highestmodseq = r->code->number;
          return TRUE;
        case OP_IMAP_CODE_NOMODSEQ:
          info->highestmodseq = 0;
          return TRUE;
        case OP_IMAP_CODE_PERMANENTFLAGS:
          g_strfreev (info->permanent_flags);
          info->permanent_flags = g_steal_pointer (&r->code->list);
          return TRUE;
        default:
          return FALSE;
        }
    }
  if (r->kind != OP_IMAP_RESPONSE_DATA)
    return FALSE;
  switch (r->data)
    {
    case OP_IMAP_DATA_FLAGS:
      g_strfreev (info->flags);
      info->flags = g_steal_pointer (&r->strv);
      return TRUE;
    case OP_IMAP_DATA_EXISTS:
      info->exists = r->number;
      return TRUE;
    case OP_IMAP_DATA_RECENT:
      info->recent = r->number;
      return TRUE;
    default:
      return FALSE;
    }
}

/* The caller's cached state of a folder, for SELECT (QRESYNC (…)). */
typedef struct
{
  guint32  uidvalidity;
  guint64  modseq;
  char    *known_uids;   /* (nullable) */
} QresyncParams;

static OpImapSelectInfo *
do_select (OpImapClient         *self,
           const char           *mailbox,
           gboolean              read_only,
           const QresyncParams  *qresync,
           GCancellable         *cancellable,
           GError              **error)
{
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;
  g_autoptr(OpImapSelectInfo) info = g_new0 (OpImapSelectInfo, 1);

  if (!_op_imap_need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return NULL;
  if (qresync != NULL)
    {
      if (!self->w_qresync)
        {
          g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                               _("QRESYNC is not enabled on this connection."));
          return NULL;
        }
      if (qresync->uidvalidity == 0 || qresync->modseq == 0 ||
          (qresync->known_uids != NULL && !_op_imap_check_uid_set (qresync->known_uids, error)))
        {
          if (error == NULL || *error == NULL)
            g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME,
                                 _("A resynchronisation needs a UIDVALIDITY and a "
                                   "modification sequence above zero."));
          return NULL;
        }
    }
  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, read_only ? "EXAMINE" : "SELECT");
  if (!_op_imap_cmd_mailbox (&c, self, mailbox, error))
    return NULL;
  if (qresync != NULL)
    {
      /* RFC 7162 §3.2.5: (QRESYNC (uidvalidity modseq [known-uids])). */
      g_autofree char *param =
        g_strdup_printf ("(QRESYNC (%" G_GUINT32_FORMAT " %" G_GUINT64_FORMAT "%s%s))",
                         qresync->uidvalidity, qresync->modseq,
                         qresync->known_uids != NULL ? " " : "",
                         qresync->known_uids != NULL ? qresync->known_uids : "");

      _op_imap_cmd_add (&c, param);
      info->changed = g_ptr_array_new_with_free_func ((GDestroyNotify) op_imap_fetch_free);
    }
  /* RFC 7162 §3.1.8: (CONDSTORE) makes the server report HIGHESTMODSEQ. */
  else if (_op_imap_has_cap (self, "CONDSTORE"))
    _op_imap_cmd_add (&c, "(CONDSTORE)");
  /* Whatever happens now, the previous folder is closed (RFC 3501 §6.3.1). */
  if (self->w_state == OP_IMAP_STATE_SELECTED)
    _op_imap_set_state (self, OP_IMAP_STATE_AUTHENTICATED);
  r = _op_imap_command_ok (self, &c, read_only ? "EXAMINE" : "SELECT", OP_IMAP_COMMAND_MAILBOX,
                  collect_select, info, cancellable, error);
  if (r == NULL)
    return NULL;
  info->name = g_strdup (mailbox);
  info->read_only = read_only || (r->code != NULL && r->code->kind == OP_IMAP_CODE_READ_ONLY);
  self->w_exists = info->exists;
  _op_imap_set_state (self, OP_IMAP_STATE_SELECTED);
  /* The counts reach the caller as an event too, for one code path in views. */
  _op_imap_post_exists (self, info->exists);
  return g_steal_pointer (&info);
}

typedef enum
{
  MAILBOX_CREATE,
  MAILBOX_DELETE,
  MAILBOX_RENAME,
  MAILBOX_SUBSCRIBE,
  MAILBOX_UNSUBSCRIBE,
} MailboxOp;

static gboolean
do_mailbox_op (OpImapClient  *self,
               MailboxOp      op,
               const char    *mailbox,
               const char    *new_name,
               GCancellable  *cancellable,
               GError       **error)
{
  static const char *verbs[] = { "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE" };
  g_auto(OpImapCmd) c = { 0 };
  g_autoptr(OpImapResponse) r = NULL;

  if (!_op_imap_need_state (self, OP_IMAP_STATE_AUTHENTICATED, error))
    return FALSE;
  _op_imap_cmd_init (&c);
  _op_imap_cmd_add (&c, verbs[op]);
  if (!_op_imap_cmd_mailbox (&c, self, mailbox, error))
    return FALSE;
  if (op == MAILBOX_RENAME && !_op_imap_cmd_mailbox (&c, self, new_name, error))
    return FALSE;
  r = _op_imap_command_ok (self, &c, verbs[op],
                  op == MAILBOX_CREATE ? OP_IMAP_COMMAND_CREATE : OP_IMAP_COMMAND_MAILBOX,
                  NULL, NULL, cancellable, error);
  return r != NULL;
}

/* --- calls --------------------------------------------------------------------------------- */

static gpointer
job_list (OpSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  OpImapJob *job = data;

  return do_list (OP_IMAP_CLIENT (session), job->a, job->flag, cancellable, error);
}

void
op_imap_client_list_async (OpImapClient        *self,
                           const char          *pattern,
                           gboolean             subscribed,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  OpImapJob *job;

  g_return_if_fail (OP_IS_IMAP_CLIENT (self));

  job = g_new0 (OpImapJob, 1);
  job->a = g_strdup (pattern);
  job->flag = subscribed;
  _op_imap_call (self, op_imap_client_list_async, job_list, job,
                 (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpImapClient, op_imap_client, list, GPtrArray *)

static gpointer
job_status (OpSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  return do_status (OP_IMAP_CLIENT (session), ((OpImapJob *) data)->a, cancellable, error);
}

void
op_imap_client_status_async (OpImapClient        *self,
                             const char          *mailbox,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  OpImapJob *job;

  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  job = g_new0 (OpImapJob, 1);
  job->a = g_strdup (mailbox);
  _op_imap_call (self, op_imap_client_status_async, job_status, job,
                 (GDestroyNotify) op_imap_mailbox_status_free, cancellable, callback, user_data);
}

OP_SESSION_DEFINE_FINISH_POINTER (OpImapClient, op_imap_client, status, OpImapMailboxStatus *)

static gpointer
job_select (OpSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  OpImapJob *job = data;
  QresyncParams q = { job->uid, job->in_number, job->b };

  return do_select (OP_IMAP_CLIENT (session), job->a, job->flag, job->number != 0 ? &q : NULL,
                    cancellable, error);
}

void
op_imap_client_select_async (OpImapClient        *self,
                             const char          *mailbox,
                             gboolean             read_only,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  OpImapJob *job;

  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  job = g_new0 (OpImapJob, 1);
  job->a = g_strdup (mailbox);
  job->flag = read_only;
  _op_imap_call (self, op_imap_client_select_async, job_select, job,
                 (GDestroyNotify) op_imap_select_info_free, cancellable, callback, user_data);
}

void
op_imap_client_select_qresync_async (OpImapClient        *self,
                                     const char          *mailbox,
                                     gboolean             read_only,
                                     guint32              uidvalidity,
                                     guint64              modseq,
                                     const char          *known_uids,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  OpImapJob *job;

  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  job = g_new0 (OpImapJob, 1);
  job->a = g_strdup (mailbox);
  job->flag = read_only;
  job->number = 1;
  job->uid = uidvalidity;
  job->in_number = modseq;
  job->b = g_strdup (known_uids);
  _op_imap_call (self, op_imap_client_select_qresync_async, job_select, job,
                 (GDestroyNotify) op_imap_select_info_free, cancellable, callback, user_data);
}

OpImapSelectInfo *
op_imap_client_select_finish (OpImapClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  gpointer tag;

  g_return_val_if_fail (OP_IS_IMAP_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  /* It finishes both SELECTs, each with its own source tag. */
  tag = g_task_get_source_tag (G_TASK (result));
  g_return_val_if_fail (tag == op_imap_client_select_async ||
                        tag == op_imap_client_select_qresync_async, NULL);
  return op_session_finish_pointer (OP_SESSION (self), result, tag, error);
}

static gpointer
job_mailbox (OpSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  OpImapJob *job = data;

  if (!do_mailbox_op (OP_IMAP_CLIENT (session), job->number, job->a, job->b, cancellable,
                      error))
    return NULL;
  return OP_SESSION_JOB_OK;
}

static void
mailbox_call (OpImapClient        *self,
              MailboxOp            op,
              gpointer             source_tag,
              const char          *mailbox,
              const char          *new_name,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  OpImapJob *job = g_new0 (OpImapJob, 1);

  job->number = op;
  job->a = g_strdup (mailbox);
  job->b = g_strdup (new_name);
  _op_imap_call (self, source_tag, job_mailbox, job, NULL, cancellable, callback, user_data);
}

void
op_imap_client_create_async (OpImapClient        *self,
                             const char          *mailbox,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self) && mailbox != NULL);
  mailbox_call (self, MAILBOX_CREATE, op_imap_client_create_async, mailbox, NULL,
                cancellable, callback, user_data);
}

void
op_imap_client_delete_async (OpImapClient        *self,
                             const char          *mailbox,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self) && mailbox != NULL);
  mailbox_call (self, MAILBOX_DELETE, op_imap_client_delete_async, mailbox, NULL,
                cancellable, callback, user_data);
}

void
op_imap_client_rename_async (OpImapClient        *self,
                             const char          *mailbox,
                             const char          *new_name,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self) && mailbox != NULL && new_name != NULL);
  mailbox_call (self, MAILBOX_RENAME, op_imap_client_rename_async, mailbox, new_name,
                cancellable, callback, user_data);
}

void
op_imap_client_subscribe_async (OpImapClient        *self,
                                const char          *mailbox,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self) && mailbox != NULL);
  mailbox_call (self, MAILBOX_SUBSCRIBE, op_imap_client_subscribe_async, mailbox, NULL,
                cancellable, callback, user_data);
}

void
op_imap_client_unsubscribe_async (OpImapClient        *self,
                                  const char          *mailbox,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self) && mailbox != NULL);
  mailbox_call (self, MAILBOX_UNSUBSCRIBE, op_imap_client_unsubscribe_async, mailbox, NULL,
                cancellable, callback, user_data);
}

/* CLOSE, UNSELECT, CHECK and EXPUNGE: commands on the selected folder as a whole. */
typedef enum
{
  FOLDER_CLOSE,
  FOLDER_UNSELECT,
  FOLDER_CHECK,
  FOLDER_EXPUNGE,
} FolderOp;

static gpointer
job_folder (OpSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  static const char *verbs[] = { "CLOSE", "UNSELECT", "CHECK", "EXPUNGE" };
  OpImapClient *self = OP_IMAP_CLIENT (session);
  FolderOp op = ((OpImapJob *) data)->number;

  if (!_op_imap_need_state (self, OP_IMAP_STATE_SELECTED, error))
    return NULL;
  /* RFC 3691: leave the folder without expunging; CLOSE would expunge. */
  if (op == FOLDER_UNSELECT && !_op_imap_has_cap (self, "UNSELECT"))
    {
      g_set_error_literal (error, OP_IMAP_ERROR, OP_IMAP_ERROR_UNSUPPORTED,
                           _("The server does not support UNSELECT."));
      return NULL;
    }
  if (!_op_imap_simple_command (self, verbs[op], cancellable, error))
    return NULL;
  if (op == FOLDER_CLOSE || op == FOLDER_UNSELECT)
    _op_imap_set_state (self, OP_IMAP_STATE_AUTHENTICATED);
  return OP_SESSION_JOB_OK;
}

static void
folder_call (OpImapClient        *self,
             FolderOp             op,
             gpointer             source_tag,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  OpImapJob *job = g_new0 (OpImapJob, 1);

  job->number = op;
  _op_imap_call (self, source_tag, job_folder, job, NULL, cancellable, callback, user_data);
}

void
op_imap_client_close_async (OpImapClient        *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  folder_call (self, FOLDER_CLOSE, op_imap_client_close_async, cancellable, callback,
               user_data);
}

void
op_imap_client_unselect_async (OpImapClient        *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  folder_call (self, FOLDER_UNSELECT, op_imap_client_unselect_async, cancellable, callback,
               user_data);
}

void
op_imap_client_check_async (OpImapClient        *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  folder_call (self, FOLDER_CHECK, op_imap_client_check_async, cancellable, callback,
               user_data);
}

void
op_imap_client_expunge_async (OpImapClient        *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (OP_IS_IMAP_CLIENT (self));
  folder_call (self, FOLDER_EXPUNGE, op_imap_client_expunge_async, cancellable, callback,
               user_data);
}

gboolean
op_imap_client_simple_finish (OpImapClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  gpointer const tags[] = {
    op_imap_client_create_async, op_imap_client_delete_async, op_imap_client_rename_async,
    op_imap_client_subscribe_async, op_imap_client_unsubscribe_async,
    op_imap_client_close_async, op_imap_client_unselect_async, op_imap_client_check_async,
    op_imap_client_expunge_async, NULL,
  };

  return _op_imap_finish_boolean_of (self, result, tags, error);
}
