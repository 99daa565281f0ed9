/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"
#include "op-ftp-client.h"

G_BEGIN_DECLS

/* At most this many recent connections are kept. */
#define OP_FTP_RECENTS_MAX 10

#define OP_TYPE_FTP_RECENTS (op_ftp_recents_get_type ())
G_DECLARE_FINAL_TYPE (OpFtpRecents, op_ftp_recents, OP, FTP_RECENTS, GObject)

/*
 * Recent connections: a GListModel of #OpAccount (kind FTP, not part of #OpAccounts),
 * most recent first, at most OP_FTP_RECENTS_MAX. Each holds only host, port, user and
 * protocol (and a name "user@host:port" for display); never a password. The UI connects
 * with one as with a site (op-ftp-site.h): the password comes from #OpSecrets or the
 * user.
 *
 * Saved as a key file ($XDG_CONFIG_HOME/outpost/recent-ftp.ini by default), written
 * atomically by op_ftp_recents_add() (a few hundred bytes, on the main thread).
 */
OpFtpRecents *op_ftp_recents_new          (GFile          *file);
OpFtpRecents *op_ftp_recents_new_default  (void);

/* Reads the file; a missing file is an empty list. A broken file is an error and leaves
 * the list empty. */
gboolean      op_ftp_recents_load         (OpFtpRecents   *self,
                                           GError        **error);

/* Puts host/port/user/protocol first (moving an equal entry up instead of adding a
 * second one; port 0 and the protocol's default port are equal), drops the oldest
 * beyond OP_FTP_RECENTS_MAX, and saves. @user NULL or "" or "anonymous": anonymous. */
gboolean      op_ftp_recents_add          (OpFtpRecents   *self,
                                           const char     *host,
                                           guint16         port,
                                           const char     *user,
                                           OpSecurity      protocol,
                                           GError        **error);
/* The same from a site or recent entry. */
gboolean      op_ftp_recents_add_site     (OpFtpRecents   *self,
                                           OpAccount      *site,
                                           GError        **error);
gboolean      op_ftp_recents_remove       (OpFtpRecents   *self,
                                           guint           position,
                                           GError        **error);
gboolean      op_ftp_recents_clear        (OpFtpRecents   *self,
                                           GError        **error);

G_END_DECLS
