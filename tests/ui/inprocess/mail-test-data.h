/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-mime-message.h"

G_BEGIN_DECLS

/*
 * The messages of tests/data/mail/view/ for the Mail view's tests, as bytes (with
 * "REMOTE_PORT" replaced by @port) and parsed. Both fail the test on error.
 */
GBytes        *mail_test_load  (const char *name,
                                int         port);
OpMimeMessage *mail_test_parse (GBytes     *bytes);

G_END_DECLS
