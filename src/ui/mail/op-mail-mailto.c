/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail-mailto"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-mail-mailto.h"

void
op_mail_mailto_free (OpMailMailto *mailto)
{
  if (mailto == NULL)
    return;
  g_free (mailto->to);
  g_free (mailto->cc);
  g_free (mailto->bcc);
  g_free (mailto->subject);
  g_free (mailto->body);
  g_free (mailto);
}

/* Appends @more to the comma-separated list *@field. */
static void
add_addresses (char       **field,
               const char  *more)
{
  char *joined;

  if (more == NULL || more[0] == '\0')
    return;
  joined = *field != NULL && (*field)[0] != '\0' ? g_strconcat (*field, ", ", more, NULL) : g_strdup (more);
  g_free (*field);
  *field = joined;
}

static gboolean
invalid (const char  *uri,
         GError     **error)
{
  /* Translators: when a mailto: link cannot be opened; %s is the link. */
  g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED, _("“%s” is not a valid mailto: link"), uri);
  return FALSE;
}

OpMailMailto *
op_mail_mailto_parse (const char  *uri,
                      GError     **error)
{
  g_autoptr (OpMailMailto) mailto = g_new0 (OpMailMailto, 1);
  g_auto (GStrv) fields = NULL;
  g_autofree char *to = NULL;
  const char *rest;
  const char *query;

  g_return_val_if_fail (uri != NULL, NULL);

  if (g_ascii_strncasecmp (uri, "mailto:", 7) != 0)
    {
      invalid (uri, error);
      return NULL;
    }
  rest = uri + 7;
  query = strchr (rest, '?');
  to = g_uri_unescape_segment (rest, query, NULL);
  if (to == NULL)
    {
      invalid (uri, error);
      return NULL;
    }
  add_addresses (&mailto->to, to);
  fields = query != NULL ? g_strsplit (query + 1, "&", -1) : g_new0 (char *, 1);
  for (guint i = 0; fields[i] != NULL; i++)
    {
      const char *equal = strchr (fields[i], '=');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (fields[i][0] == '\0')
        continue;
      name = g_uri_unescape_segment (fields[i], equal, NULL);
      value = equal != NULL ? g_uri_unescape_string (equal + 1, NULL) : g_strdup ("");
      if (name == NULL || value == NULL || !g_utf8_validate (value, -1, NULL))
        {
          invalid (uri, error);
          return NULL;
        }
      if (g_ascii_strcasecmp (name, "to") == 0)
        add_addresses (&mailto->to, value);
      else if (g_ascii_strcasecmp (name, "cc") == 0)
        add_addresses (&mailto->cc, value);
      else if (g_ascii_strcasecmp (name, "bcc") == 0)
        add_addresses (&mailto->bcc, value);
      else if (g_ascii_strcasecmp (name, "subject") == 0)
        {
          g_free (mailto->subject);
          mailto->subject = g_steal_pointer (&value);
        }
      else if (g_ascii_strcasecmp (name, "body") == 0)
        {
          g_free (mailto->body);
          mailto->body = g_steal_pointer (&value);
        }
      /* Other headers (In-Reply-To, Keywords …) are not taken from a link. */
    }
  return g_steal_pointer (&mailto);
}

void
op_mail_mailto_fill (const OpMailMailto *mailto,
                     OpMailComposer     *composer)
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
