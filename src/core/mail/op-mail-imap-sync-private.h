/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * OpMailImapSync's own parts, shared by the files it is split into: op-mail-imap-sync.c
 * (the object, its sync thread and requests, connecting, IDLE, bodies and the server's
 * search), op-mail-imap-sync-folders.c (the folder list and each folder's first and later
 * syncs) and op-mail-imap-sync-queue.c (the replay of offline changes). Everything here
 * runs on the sync thread. Not for use outside the sync.
 */

#include <sqlite3.h>

#include "op-mail-imap-sync.h"
#include "op-mail-private.h"

G_BEGIN_DECLS

struct _OpMailImapSync
{
  GObject         parent_instance;

  /* Set on the main thread before the sync thread starts, then read-only (the password
   * and the verifier under @lock: they may change between requests). */
  OpMailStore    *store;
  GMainContext   *main_context;
  char           *host;
  guint16         port;
  OpSecurity  security;
  char           *user;
  GMutex          lock;
  char           *password;
  OpTlsVerifier  *verifier;
  guint           timeout;
  gboolean        allow_plaintext;
  gint            prefetch_days;

  GThread        *thread;
  GMainContext   *context;    /* the sync thread's */
  GAsyncQueue    *requests;
  gint            idle_wanted;
  gint            idling;
  gint            mode;
  gint            closing;

  /* Sync thread only. */
  OpImapClient   *client;
  sqlite3        *db;         /* a read connection of its own */
  char           *selected;
  gboolean        idle_changed;
};

/* Waiting for the client or the store on the sync thread: a call's callback is
 * _op_mail_imap_sync_got_result() with a GAsyncResult * slot (NULL) as its user data;
 * _op_mail_imap_sync_await() runs the sync thread's context until the slot is filled. */
void          _op_mail_imap_sync_got_result          (GObject          *source,
                                                      GAsyncResult     *result,
                                                      gpointer          user_data);
GAsyncResult *_op_mail_imap_sync_await               (OpMailImapSync   *self,
                                                      GAsyncResult    **slot);

/* ::new-mail, emitted on the main context. */
void          _op_mail_imap_sync_post_new_mail       (OpMailImapSync   *self,
                                                      gint64            folder_id,
                                                      gint64            message_id,
                                                      const char       *sender,
                                                      const char       *subject);

/* Connects and logs in unless a usable session is there (op-mail-imap-sync.c). */
gboolean      _op_mail_imap_sync_connect             (OpMailImapSync   *self,
                                                      GCancellable     *cancellable,
                                                      GError          **error);
/* SELECTs @name unless it is the selected folder already. */
gboolean      _op_mail_imap_sync_select              (OpMailImapSync   *self,
                                                      const char       *name,
                                                      GCancellable     *cancellable,
                                                      GError          **error);
/* A lost or unusable session (tried once more on a new one), not a refusal. */
gboolean      _op_mail_imap_sync_is_connection_error (const GError     *error);

/* The folder list, one folder, or the list and then every folder
 * (op-mail-imap-sync-folders.c). */
gboolean      _op_mail_imap_sync_folder_list         (OpMailImapSync   *self,
                                                      GCancellable     *cancellable,
                                                      GError          **error);
gboolean      _op_mail_imap_sync_folder              (OpMailImapSync   *self,
                                                      const char       *name,
                                                      GCancellable     *cancellable,
                                                      GError          **error);
gboolean      _op_mail_imap_sync_all                 (OpMailImapSync   *self,
                                                      GCancellable     *cancellable,
                                                      GError          **error);

/* Replays the store's queue of offline changes, oldest first (op-mail-imap-sync-queue.c). */
gboolean      _op_mail_imap_sync_replay              (OpMailImapSync   *self,
                                                      GCancellable     *cancellable,
                                                      GError          **error);

G_END_DECLS
