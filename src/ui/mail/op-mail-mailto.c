/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail-mailto"

#include "config.h"

#include "op-mail-mailto.h"

void
op_mail_mailto_fill (const OpMailto *mailto,
                     OpMailComposer *composer)
{
  GtkTextIter start;

  g_return_if_fail (mailto != NULL);
  g_return_if_fail (OP_IS_MAIL_COMPOSER (composer));

  if (mailto->to != NULL)
    gtk_editable_set_text (op_mail_composer_get_to_entry (composer), mailto->to);
  if (mailto->cc != NULL)
    gtk_editable_set_text (op_mail_composer_get_cc_entry (composer), mailto->cc);
  if (mailto->bcc != NULL)
    gtk_editable_set_text (op_mail_composer_get_bcc_entry (composer), mailto->bcc);
  if (mailto->subject != NULL)
    gtk_editable_set_text (op_mail_composer_get_subject_entry (composer), mailto->subject);
  if (mailto->body != NULL && mailto->body[0] != '\0')
    {
      g_autofree char *body = g_strconcat (mailto->body, "\n", NULL);

      gtk_text_buffer_get_start_iter (op_mail_composer_get_body (composer), &start);
      gtk_text_buffer_insert (op_mail_composer_get_body (composer), &start, body, -1);
    }
}
