/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-smtp-client.h"

G_BEGIN_DECLS

/* OpSmtpClient is split in two files: op-smtp-client.c (the session) and op-smtp-send.c
 * (sending a message). This is what they share. */

typedef struct
{
  char             *from;
  char            **recipients;
  GInputStream     *message;
  gssize            size;
  OpSmtpSendOptions options;
  char             *envid;
} OpSmtpSendJob;

void                      _op_smtp_send_job_free                  (OpSmtpSendJob  *job);

/* (worker) What the last EHLO said; never NULL while connected. */
const OpSmtpCapabilities *_op_smtp_client_get_worker_capabilities (OpSmtpClient   *self);

/* (worker) One send: checks, MAIL, RCPT, DATA, the message and the final reply.
 * (transfer full) */
OpSmtpSendResult         *_op_smtp_client_send                    (OpSmtpClient   *self,
                                                                   OpSmtpSendJob  *job,
                                                                   GCancellable   *cancellable,
                                                                   GError        **error);

G_END_DECLS
