/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-mail-composer.h"
#include "op-mailto.h"

G_BEGIN_DECLS

/* Puts a mailto: link taken apart by op_mailto_parse() (core) into @composer's fields
 * (after op_mail_composer_start_new()); the body goes above the signature. */
void op_mail_mailto_fill (const OpMailto *mailto,
                          OpMailComposer *composer);

G_END_DECLS
