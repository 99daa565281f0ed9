/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What a failed connection to a mail server means for the user, so that the set-up and
 * the Mail page say what happened and offer what to do about it.
 *
 * @OP_MAIL_ERROR_KIND_OTHER: anything else (try again later).
 * @OP_MAIL_ERROR_KIND_PASSWORD: the server refused the user name or password.
 * @OP_MAIL_ERROR_KIND_UNREACHABLE: no connection (refused, no such host, no route,
 *   timed out).
 * @OP_MAIL_ERROR_KIND_CERTIFICATE: the server's certificate was not trusted (or is not
 *   the pinned one).
 */
typedef enum
{
  OP_MAIL_ERROR_KIND_OTHER,
  OP_MAIL_ERROR_KIND_PASSWORD,
  OP_MAIL_ERROR_KIND_UNREACHABLE,
  OP_MAIL_ERROR_KIND_CERTIFICATE,
} OpMailErrorKind;

OpMailErrorKind op_mail_error_kind   (const GError *error);
/* @message without its final full stop ("." or "。"), to go inside a sentence. */
char           *op_mail_error_clause (const char   *message);

G_END_DECLS
