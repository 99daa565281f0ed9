/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OP_TYPE_MAIL_REMOTE_SENDERS (op_mail_remote_senders_get_type ())
G_DECLARE_FINAL_TYPE (OpMailRemoteSenders, op_mail_remote_senders, OP, MAIL_REMOTE_SENDERS, GObject)

/*
 * The senders whose HTML mail may load remote content ("Always Show From Sender"): one
 * address a line in $XDG_CONFIG_HOME/outpost/mail/remote-content-senders, compared
 * case-insensitively. Read once when first used (a small file), written in the
 * background on each change.
 */
OpMailRemoteSenders *op_mail_remote_senders_new      (GFile               *file);
/* The one for the user's profile. (transfer none) */
OpMailRemoteSenders *op_mail_remote_senders_get_default (void);
gboolean             op_mail_remote_senders_contains (OpMailRemoteSenders *self,
                                                      const char          *address);
void                 op_mail_remote_senders_add      (OpMailRemoteSenders *self,
                                                      const char          *address);

G_END_DECLS
