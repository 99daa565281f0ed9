/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * A plain-text message body in a GtkTextBuffer: quote levels ("> ", "> > ") each in a
 * colour of their own, the signature (from the last "-- " line on) dimmed, and links
 * (http, https, ftp, ftps, mailto, and "www." names) marked so a click can open them.
 */
void        _op_mail_plain_text_fill      (GtkTextBuffer     *buffer,
                                           const char        *text);
/* Colours for a dark or a light background. */
void        _op_mail_plain_text_set_dark  (GtkTextBuffer     *buffer,
                                           gboolean           dark);
/* The URI of the link at @iter, or NULL. */
const char *_op_mail_plain_text_uri_at    (const GtkTextIter *iter);
/* The quote level of the line at @iter (0 outside a quote), and whether it is in the
 * signature. For tests and accessibility. */
guint       _op_mail_plain_text_quote_level_at (const GtkTextIter *iter);
gboolean    _op_mail_plain_text_in_signature   (const GtkTextIter *iter);

G_END_DECLS
