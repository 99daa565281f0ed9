/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "op-net-types.h"

G_BEGIN_DECLS

/**
 * OpAccountKind:
 * @OP_ACCOUNT_KIND_FTP: a Files site (FTP or FTPS)
 * @OP_ACCOUNT_KIND_MAIL: a mail account (IMAP or POP3 to read, SMTP to send)
 * @OP_ACCOUNT_KIND_NEWS: a news server (NNTP)
 * @OP_ACCOUNT_KIND_CONSOLE: a saved Console endpoint
 *
 * Written to the accounts file as "ftp", "mail", "news" and "console".
 */
typedef enum
{
  OP_ACCOUNT_KIND_FTP,
  OP_ACCOUNT_KIND_MAIL,
  OP_ACCOUNT_KIND_NEWS,
  OP_ACCOUNT_KIND_CONSOLE,
} OpAccountKind;

/* OpSecurity is the net layer's (op-net-types.h): one enum for accounts and clients. */

#define OP_TYPE_ACCOUNT_KIND (op_account_kind_get_type ())
GType        op_account_kind_get_type       (void) G_GNUC_CONST;
const char  *op_account_kind_to_string      (OpAccountKind  kind);
gboolean     op_account_kind_from_string    (const char    *string,
                                             OpAccountKind *kind);

const char  *op_security_to_string          (OpSecurity     security);
gboolean     op_security_from_string        (const char    *string,
                                             OpSecurity    *security);

#define OP_TYPE_ACCOUNT (op_account_get_type ())
G_DECLARE_FINAL_TYPE (OpAccount, op_account, OP, ACCOUNT, GObject)

/*
 * One account or site of the accounts file. There is deliberately no way to give it a
 * password: passwords live in OpSecrets, keyed by protocol, host, port and user.
 *
 * Extra keys hold what only one protocol needs (for mail: "smtp-host", "smtp-port",
 * "incoming" = imap/pop3, …). Their names are lower-case ASCII letters, digits and "-";
 * a name that mentions a password, secret or token is refused.
 */
OpAccount     *op_account_new                        (OpAccountKind  kind,
                                                      const char    *id);
const char    *op_account_get_id                     (OpAccount     *self);
OpAccountKind  op_account_get_kind                   (OpAccount     *self);

const char    *op_account_get_name                   (OpAccount     *self);
void           op_account_set_name                   (OpAccount     *self,
                                                      const char    *name);
const char    *op_account_get_host                   (OpAccount     *self);
void           op_account_set_host                   (OpAccount     *self,
                                                      const char    *host);
/* 0 means the protocol's default port. */
guint16        op_account_get_port                   (OpAccount     *self);
void           op_account_set_port                   (OpAccount     *self,
                                                      guint16        port);
const char    *op_account_get_user                   (OpAccount     *self);
void           op_account_set_user                   (OpAccount     *self,
                                                      const char    *user);
OpSecurity     op_account_get_security               (OpAccount     *self);
void           op_account_set_security               (OpAccount     *self,
                                                      OpSecurity     security);
/* DESIGN.md: sending a password without TLS needs this second, explicit opt-in. */
gboolean       op_account_get_allow_plaintext_password (OpAccount   *self);
void           op_account_set_allow_plaintext_password (OpAccount   *self,
                                                        gboolean     allow);

gboolean       op_account_extra_key_is_valid         (const char    *key);
const char    *op_account_get_extra                  (OpAccount     *self,
                                                      const char    *key);
void           op_account_set_extra                  (OpAccount     *self,
                                                      const char    *key,
                                                      const char    *value);
/* Sorted names of the extra keys (transfer full). */
GStrv          op_account_list_extra_keys            (OpAccount     *self);

G_END_DECLS
