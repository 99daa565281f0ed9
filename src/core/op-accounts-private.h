/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-account.h"

G_BEGIN_DECLS

/* The keys of an account group in accounts.ini. */
#define OP_ACCOUNT_KEY_ID                       "id"
#define OP_ACCOUNT_KEY_KIND                     "kind"
#define OP_ACCOUNT_KEY_NAME                     "name"
#define OP_ACCOUNT_KEY_HOST                     "host"
#define OP_ACCOUNT_KEY_PORT                     "port"
#define OP_ACCOUNT_KEY_USER                     "user"
#define OP_ACCOUNT_KEY_SECURITY                 "security"
#define OP_ACCOUNT_KEY_ALLOW_PLAINTEXT_PASSWORD "allow-plaintext-password"

gboolean _op_account_is_core_key          (const char *key);
gboolean _op_account_key_looks_secret     (const char *key);
gboolean _op_account_id_is_valid          (const char *id);
void     _op_account_set_extra_unchecked  (OpAccount  *self,
                                           const char *key,
                                           const char *value);

G_END_DECLS
