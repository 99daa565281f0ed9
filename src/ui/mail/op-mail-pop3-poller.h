/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"
#include "op-mail-store.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

/* Minutes between two downloads of a POP3 mailbox (POP3 has no IDLE). */
#define OP_MAIL_POP3_POLL_MINUTES 5

#define OP_TYPE_MAIL_POP3_POLLER (op_mail_pop3_poller_get_type ())
G_DECLARE_FINAL_TYPE (OpMailPop3Poller, op_mail_pop3_poller, OP, MAIL_POP3_POLLER, GObject)

/*
 * The Mail page's POP3 account: op_mail_pop3_sync_run_async() now, then every
 * OP_MAIL_POP3_POLL_MINUTES, one session at a time, until the poller is dropped.
 *
 * ::error (GError *) — a download failed (the next one still comes on time).
 * ::fetched () — a download finished.
 * Main thread only.
 */
OpMailPop3Poller *op_mail_pop3_poller_new   (OpMailStore   *store,
                                             OpAccount     *account,
                                             const char    *password,
                                             OpTlsVerifier *verifier);
void              op_mail_pop3_poller_start (OpMailPop3Poller *self);

G_END_DECLS
