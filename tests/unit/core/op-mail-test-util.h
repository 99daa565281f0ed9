/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-mail-store.h"

G_BEGIN_DECLS

/* A store in a new temporary folder (*@dir, to remove with op_mail_test_remove_dir). */
OpMailStore *op_mail_test_open_store      (char         **dir);
void         op_mail_test_remove_dir      (const char    *dir);
/* Runs the write to its end on the thread-default main context. */
gboolean     op_mail_test_apply           (OpMailStore   *store,
                                           OpMailUpdate  *update,
                                           GError       **error);
gint64       op_mail_test_ensure_folder   (OpMailStore   *store,
                                           const char    *name,
                                           OpMailSpecialUse special_use);
/* A small RFC 5322 message. @irt, @refs (space-separated ids, no <>) nullable; @date in
 * seconds since the epoch. */
GBytes      *op_mail_test_message         (const char    *message_id,
                                           const char    *in_reply_to,
                                           const char    *references,
                                           const char    *subject,
                                           const char    *from,
                                           const char    *body,
                                           gint64         date);
/* The first column of the first row of @sql, run on the store file at @path through a
 * connection of its own (read-only); the test fails when there is no row. */
gint64       op_mail_test_query_int       (const char    *path,
                                           const char    *sql);
/* A GAsyncReadyCallback that keeps the result in *@slot (a GAsyncResult *). */
void          op_mail_test_store_result   (GObject       *source,
                                           GAsyncResult  *result,
                                           gpointer       slot);
/* Runs the thread-default main context until *@slot is set, at most @seconds (then the
 * test fails). (transfer none) */
GAsyncResult *op_mail_test_wait_result    (GAsyncResult **slot,
                                           guint          seconds);
/* Iterates the thread-default main context until nothing is pending (the store's
 * signals are emitted from idles). */
void         op_mail_test_drain           (void);

G_END_DECLS
