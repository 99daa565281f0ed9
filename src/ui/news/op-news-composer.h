/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "news/op-news-draft.h"
#include "news/op-news-server.h"

G_BEGIN_DECLS

#define OP_TYPE_NEWS_COMPOSER (op_news_composer_get_type ())
G_DECLARE_FINAL_TYPE (OpNewsComposer, op_news_composer, OP, NEWS_COMPOSER, AdwWindow)

/*
 * The News composer (issue 15, "Posting"): From, Newsgroups, Followup-To, Subject and
 * the text of @draft, posted through @server. A refusal (the server's reason, or a field
 * the article cannot have) is shown above the fields and the article stays, so it can
 * be corrected, posted again or saved as a file. On success it emits "posted" with the
 * article's Message-ID, remembers the From for the server's next article and closes.
 * Destroyed when closed (tests/ui/README.md: no hidden windows).
 */
OpNewsComposer *op_news_composer_new        (GtkWindow         *parent,
                                             OpNewsServer      *server,
                                             const OpNewsDraft *draft);
/* Writes the fields as typed (headers, a blank line, the text) to @file, so nothing is
 * lost even when they are not yet a valid article; a failure is shown like a refusal. */
void            op_news_composer_save_to    (OpNewsComposer    *self,
                                             GFile             *file);
/* Makes the article the replacement of @message_id (nullable: a new article again):
 * posted with "Supersedes:" and the old article's Cancel-Key (op_news_server_supersede_async).
 * The window says so. */
void            op_news_composer_set_supersedes (OpNewsComposer *self,
                                                 const char     *message_id);
const char     *op_news_composer_get_supersedes (OpNewsComposer *self);
/* The fields as they are now. (transfer full) */
OpNewsDraft    *op_news_composer_dup_draft  (OpNewsComposer    *self);
/* The fields, for tests and the screens. */
GtkEditable    *op_news_composer_get_from_entry       (OpNewsComposer *self);
GtkEditable    *op_news_composer_get_newsgroups_entry (OpNewsComposer *self);
GtkEditable    *op_news_composer_get_followup_entry   (OpNewsComposer *self);
GtkEditable    *op_news_composer_get_subject_entry    (OpNewsComposer *self);
GtkTextBuffer  *op_news_composer_get_body             (OpNewsComposer *self);
/* "" when no error is shown. */
const char     *op_news_composer_get_error  (OpNewsComposer    *self);

/* The From to start with: the last one posted with @account, else the first identity
 * of the profile's mail accounts, else "". (transfer full) */
char           *op_news_composer_default_from (OpAccount       *account);

G_END_DECLS
