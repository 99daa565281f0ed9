/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include "op-mail-private.h"

static void
step_clear (gpointer data)
{
  OpMailStep *step = data;

  g_free (step->keywords);
  g_clear_pointer (&step->fetch, op_imap_fetch_free);
  g_clear_pointer (&step->raw, g_bytes_unref);
  g_free (step->uidl);
  g_clear_pointer (&step->row, _op_mail_row_free);
}

OpMailUpdate *
op_mail_update_new (gint64 folder_id)
{
  OpMailUpdate *update = g_new0 (OpMailUpdate, 1);

  update->folder_id = folder_id;
  update->complete = -1;
  update->removals = g_array_new (FALSE, FALSE, sizeof (guint32));
  update->steps = g_array_new (FALSE, TRUE, sizeof (OpMailStep));
  g_array_set_clear_func (update->steps, step_clear);
  return update;
}

void
op_mail_update_free (OpMailUpdate *update)
{
  if (update == NULL)
    return;
  g_array_unref (update->removals);
  g_array_unref (update->steps);
  g_free (update);
}

void
op_mail_update_clear (OpMailUpdate *update)
{
  g_return_if_fail (update != NULL);
  update->clear = TRUE;
}

void
op_mail_update_set_state (OpMailUpdate *update,
                          guint32       uidvalidity,
                          guint32       uidnext,
                          guint64       highestmodseq)
{
  g_return_if_fail (update != NULL);
  update->uidvalidity = uidvalidity;
  update->uidnext = uidnext;
  update->highestmodseq = highestmodseq;
}

void
op_mail_update_set_complete (OpMailUpdate *update,
                             gboolean      complete)
{
  g_return_if_fail (update != NULL);
  update->complete = complete ? 1 : 0;
}

void
op_mail_update_add_fetch (OpMailUpdate *update,
                          OpImapFetch  *fetch)
{
  OpMailStep step = { OP_MAIL_STEP_FETCH };

  g_return_if_fail (update != NULL);
  g_return_if_fail (fetch != NULL);

  if ((fetch->items & OP_IMAP_FETCH_UID) == 0 || fetch->uid == 0)
    {
      op_imap_fetch_free (fetch);
      return;
    }
  step.uid = fetch->uid;
  step.fetch = fetch;
  g_array_append_val (update->steps, step);
}

void
op_mail_update_add_raw (OpMailUpdate *update,
                        guint32       uid,
                        OpMailFlags   flags,
                        gint64        date,
                        GBytes       *message)
{
  OpMailStep step = { OP_MAIL_STEP_RAW };

  g_return_if_fail (update != NULL);
  g_return_if_fail (uid > 0);
  g_return_if_fail (message != NULL);

  step.uid = uid;
  step.flags = flags;
  step.date = date;
  step.raw = g_bytes_ref (message);
  g_array_append_val (update->steps, step);
}

void
op_mail_update_add_pop3 (OpMailUpdate *update,
                         guint32       uid,
                         const char   *uidl,
                         GBytes       *message)
{
  OpMailStep step = { OP_MAIL_STEP_RAW };

  g_return_if_fail (update != NULL);
  g_return_if_fail (uid > 0);
  g_return_if_fail (uidl != NULL);
  g_return_if_fail (message != NULL);

  step.uid = uid;
  step.raw = g_bytes_ref (message);
  step.uidl = g_strdup (uidl);
  g_array_append_val (update->steps, step);
}

void
op_mail_update_set_flags (OpMailUpdate *update,
                          guint32       uid,
                          OpMailFlags   flags,
                          const char   *keywords,
                          guint64       modseq)
{
  OpMailStep step = { OP_MAIL_STEP_FLAGS };

  g_return_if_fail (update != NULL);

  step.uid = uid;
  step.flags = flags;
  step.keywords = g_strdup (keywords != NULL ? keywords : "");
  step.modseq = modseq;
  g_array_append_val (update->steps, step);
}

void
op_mail_update_remove_uid (OpMailUpdate *update,
                           guint32       uid)
{
  g_return_if_fail (update != NULL);
  g_array_append_val (update->removals, uid);
}

gboolean
op_mail_update_remove_uid_set (OpMailUpdate *update,
                               const char   *uid_set)
{
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));

  g_return_val_if_fail (update != NULL, FALSE);
  g_return_val_if_fail (uid_set != NULL, FALSE);

  /* A VANISHED set can name every UID of a large folder. */
  if (!op_imap_sequence_set_expand (uid_set, 10 * 1000 * 1000, uids))
    return FALSE;
  g_array_append_vals (update->removals, uids->data, uids->len);
  return TRUE;
}

gboolean
op_mail_update_is_empty (OpMailUpdate *update)
{
  g_return_val_if_fail (update != NULL, TRUE);
  return !update->clear && update->removals->len == 0 && update->steps->len == 0
    && update->uidvalidity == 0 && update->uidnext == 0 && update->highestmodseq == 0
    && update->complete < 0;
}
