/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mailto"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-mailto.h"

void
op_mailto_free (OpMailto *mailto)
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
  /* The message is shown: valid UTF-8 even when the link is not. */
  g_autofree char *shown = g_utf8_make_valid (uri, -1);

  /* Translators: when a mailto: link cannot be opened; %s is the link. */
  g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED, _("“%s” is not a valid mailto: link"), shown);
  return FALSE;
}

OpMailto *
op_mailto_parse (const char  *uri,
                      GError     **error)
{
  g_autoptr (OpMailto) mailto = g_new0 (OpMailto, 1);
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
  /* The composer's fields take UTF-8 only ("mailto:%FF" used to reach GTK as it was). */
  if (to == NULL || !g_utf8_validate (to, -1, NULL))
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
