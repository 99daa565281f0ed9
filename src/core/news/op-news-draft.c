/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-draft"

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <string.h>

#include "op-mime-composer.h"
#include "op-mime-message.h"
#include "op-news-draft.h"
#include "nntp/op-nntp-list.h"

OpNewsDraft *
op_news_draft_new (const char *newsgroups)
{
  OpNewsDraft *draft = g_new0 (OpNewsDraft, 1);

  draft->newsgroups = g_strdup (newsgroups != NULL ? newsgroups : "");
  draft->subject = g_strdup ("");
  draft->body = g_strdup ("");
  draft->from = g_strdup ("");
  return draft;
}

OpNewsDraft *
op_news_draft_copy (const OpNewsDraft *draft)
{
  OpNewsDraft *copy;

  g_return_val_if_fail (draft != NULL, NULL);

  copy = g_new0 (OpNewsDraft, 1);
  copy->from = g_strdup (draft->from);
  copy->newsgroups = g_strdup (draft->newsgroups);
  copy->followup_to = g_strdup (draft->followup_to);
  copy->subject = g_strdup (draft->subject);
  copy->references = g_strdupv (draft->references);
  copy->body = g_strdup (draft->body);
  copy->reply_to = g_strdup (draft->reply_to);
  copy->to_poster = draft->to_poster;
  return copy;
}

void
op_news_draft_free (OpNewsDraft *draft)
{
  if (draft == NULL)
    return;
  g_free (draft->from);
  g_free (draft->newsgroups);
  g_free (draft->followup_to);
  g_free (draft->subject);
  g_strfreev (draft->references);
  g_free (draft->body);
  g_free (draft->reply_to);
  g_free (draft);
}

/* "a.b, c.d" → "a.b,c.d" (RFC 5536 §3.1.4: no white space in the list on the wire);
 * NULL with an error naming @field for an empty list or an invalid name. */
static char *
normalise_groups (const char *list, const char *field, gboolean allow_poster, GError **error)
{
  g_auto (GStrv) names = g_strsplit (list != NULL ? list : "", ",", -1);
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *name = g_strstrip (names[i]);

      if (*name == '\0')
        continue;
      if (allow_poster && g_ascii_strcasecmp (name, "poster") == 0)
        name = "poster";
      else if (!op_nntp_group_name_is_valid (name, strlen (name)))
        {
          g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER,
                       /* Translators: the first %s is a group name, the second the
                        * field (Newsgroups, Followup-To) */
                       _ ("“%s” in %s is not a newsgroup name."), name, field);
          return NULL;
        }
      if (out->len > 0)
        g_string_append_c (out, ',');
      g_string_append (out, name);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The subject of a follow-up: "Re: " once. */
static char *
followup_subject (const char *subject)
{
  g_autofree char *clean = g_strstrip (g_strdup (subject != NULL ? subject : ""));

  if (g_ascii_strncasecmp (clean, "re:", 3) == 0)
    return g_steal_pointer (&clean);
  return g_strconcat ("Re: ", clean, NULL);
}

OpNewsDraft *
op_news_draft_new_followup (GBytes *article, GError **error)
{
  g_autoptr (OpMimeMessage) original = NULL;
  g_autoptr (OpMimeComposer) reply = NULL;
  g_autoptr (OpNewsDraft) draft = NULL;
  g_autofree char *newsgroups = NULL;
  g_autofree char *followup_to = NULL;
  g_autofree char *groups = NULL;

  g_return_val_if_fail (article != NULL, NULL);

  original = op_mime_message_parse_bytes (article, NULL, error);
  if (original == NULL)
    return NULL;
  /* The mail composer's reply gives the quoted text and the References chain. */
  reply = op_mime_composer_new_reply (original, OP_MIME_REPLY_SENDER, NULL);
  newsgroups = op_mime_message_dup_header (original, "Newsgroups");
  followup_to = op_mime_message_dup_header (original, "Followup-To");
  if (followup_to != NULL)
    g_strstrip (followup_to);

  draft = op_news_draft_new (NULL);
  g_free (draft->subject);
  draft->subject = followup_subject (op_mime_message_get_subject (original));
  draft->references = g_strdupv ((GStrv)op_mime_composer_get_references (reply));
  g_free (draft->body);
  draft->body = g_strdup (op_mime_composer_get_text (reply));
  /* Son-of-RFC 1036 §4.3.2: the signature ("-- " and below) is not quoted back, nor
   * the empty quoted lines before it. */
  {
    char *signature = strstr (draft->body, "\n> -- \n");

    if (signature != NULL)
      {
        signature[1] = '\0';
        while (g_str_has_suffix (draft->body, "\n>\n"))
          draft->body[strlen (draft->body) - 2] = '\0';
      }
  }
  {
    GPtrArray *reply_to = op_mime_message_get_reply_to (original);
    GPtrArray *from = op_mime_message_get_from (original);
    GPtrArray *to = reply_to->len > 0 ? reply_to : from;

    if (to->len > 0)
      draft->reply_to = g_strdup (((OpMimeAddress *)g_ptr_array_index (to, 0))->address);
  }
  /* RFC 5536 §3.2.6: follow-ups go to Followup-To's groups; "poster" asks for a reply
   * by mail, so the groups stay the article's and the view offers the mail instead. */
  if (followup_to != NULL && g_ascii_strcasecmp (followup_to, "poster") == 0)
    {
      draft->to_poster = TRUE;
      groups = g_strdup (newsgroups);
    }
  else if (followup_to != NULL && *followup_to != '\0')
    groups = g_strdup (followup_to);
  else
    groups = g_strdup (newsgroups);
  g_free (draft->newsgroups);
  draft->newsgroups = normalise_groups (groups, "Newsgroups", FALSE, NULL);
  if (draft->newsgroups == NULL)
    draft->newsgroups = g_strdup ("");
  return g_steal_pointer (&draft);
}

/* Breaks @line (no newline) into @out at spaces. */
static void
wrap_line (GString *out, const char *line, guint width)
{
  const char *start = line;

  while (g_utf8_strlen (start, -1) > (glong)width)
    {
      const char *cut = NULL;
      const char *p = start;

      /* The last space within @width characters… */
      for (guint n = 0; *p != '\0' && n <= width; p = g_utf8_next_char (p), n++)
        if (*p == ' ' && p > start)
          cut = p;
      /* …else the first one after them: a long word (a URL) stays whole. */
      if (cut == NULL)
        cut = strchr (p, ' ');
      if (cut == NULL)
        break;
      g_string_append_len (out, start, cut - start);
      g_string_append_c (out, '\n');
      start = cut + 1;
      while (*start == ' ')
        start++;
    }
  g_string_append (out, start);
}

char *
op_news_draft_wrap (const char *text, guint width)
{
  g_auto (GStrv) lines = NULL;
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (width > 0, NULL);

  lines = g_strsplit (text, "\n", -1);
  out = g_string_sized_new (strlen (text) + 16);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, '\n');
      if (lines[i][0] == '>' || strcmp (lines[i], "-- ") == 0)
        g_string_append (out, lines[i]);
      else
        wrap_line (out, lines[i], width);
    }
  return g_string_free (out, FALSE);
}

GBytes *
op_news_draft_to_article (const OpNewsDraft *draft, char **message_id, GError **error)
{
  g_autoptr (OpMimeComposer) composer = NULL;
  InternetAddressList *list = NULL;
  g_autofree char *newsgroups = NULL;
  g_autofree char *followup_to = NULL;
  g_autofree char *body = NULL;
  g_autofree char *subject = NULL;
  InternetAddress *from;
  const char      *address;
  GBytes          *bytes;
  gboolean         ok;

  g_return_val_if_fail (draft != NULL, NULL);

  op_mime_init ();
  composer = op_mime_composer_new ();
  if (draft->from != NULL)
    list = internet_address_list_parse (NULL, draft->from);
  if (list == NULL || internet_address_list_length (list) != 1
      || !INTERNET_ADDRESS_IS_MAILBOX (internet_address_list_get_address (list, 0)))
    {
      g_clear_object (&list);
      g_set_error_literal (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_ADDRESS,
                           _ ("From needs one address, like “Name <name@example.org>”."));
      return NULL;
    }
  from = internet_address_list_get_address (list, 0);
  address = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (from));
  /* RFC 5536 §3.1.2: the From of an article is a full address; servers (INN) refuse
   * one without a domain. */
  if (address == NULL || strchr (address, '@') == NULL || address[strlen (address) - 1] == '@')
    {
      g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_ADDRESS,
                   _ ("“%s” is not a full address: From needs one like name@example.org."),
                   address != NULL ? address : "");
      g_object_unref (list);
      return NULL;
    }
  ok = op_mime_composer_set_from (composer, internet_address_get_name (from), address, error);
  g_object_unref (list);
  if (!ok)
    return NULL;

  newsgroups = normalise_groups (draft->newsgroups, "Newsgroups", FALSE, error);
  if (newsgroups == NULL)
    return NULL;
  if (*newsgroups == '\0')
    {
      g_set_error_literal (error, OP_MIME_ERROR, OP_MIME_ERROR_INCOMPLETE,
                           _ ("Name at least one newsgroup to post to."));
      return NULL;
    }
  subject = g_strstrip (g_strdup (draft->subject != NULL ? draft->subject : ""));
  /* RFC 5536 §3.1.4: Subject is mandatory and not empty. */
  if (*subject == '\0')
    {
      g_set_error_literal (error, OP_MIME_ERROR, OP_MIME_ERROR_INCOMPLETE,
                           _ ("The article needs a subject."));
      return NULL;
    }
  if (!op_mime_composer_set_subject (composer, subject, error))
    return NULL;
  if (!op_mime_composer_add_header (composer, "Newsgroups", newsgroups, error))
    return NULL;
  if (draft->followup_to != NULL)
    {
      followup_to = normalise_groups (draft->followup_to, "Followup-To", TRUE, error);
      if (followup_to == NULL)
        return NULL;
      if (*followup_to != '\0'
          && !op_mime_composer_add_header (composer, "Followup-To", followup_to, error))
        return NULL;
    }
  if (draft->references != NULL
      && !op_mime_composer_set_references (composer, (const char *const *)draft->references,
                                           error))
    return NULL;
  body = op_news_draft_wrap (draft->body != NULL ? draft->body : "", OP_NEWS_DRAFT_WRAP_WIDTH);
  op_mime_composer_set_text (composer, body);
  bytes = op_mime_composer_to_bytes (composer, error);
  if (bytes != NULL && message_id != NULL)
    *message_id = g_strdup_printf ("<%s>", op_mime_composer_get_message_id (composer));
  return bytes;
}

static void
append_field (GString *uri, const char *name, const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  g_string_append_printf (uri, "%c%s=%s", strchr (uri->str, '?') != NULL ? '&' : '?', name,
                          escaped);
}

char *
op_news_draft_to_mailto (const OpNewsDraft *draft)
{
  g_autofree char *address = NULL;
  GString         *uri;

  g_return_val_if_fail (draft != NULL, NULL);

  if (draft->reply_to == NULL || *draft->reply_to == '\0')
    return NULL;
  /* RFC 6068 §2: "@" may stay as it is in the address. */
  address = g_uri_escape_string (draft->reply_to, "@", FALSE);
  uri = g_string_new ("mailto:");
  g_string_append (uri, address);
  if (draft->subject != NULL && *draft->subject != '\0')
    append_field (uri, "subject", draft->subject);
  if (draft->references != NULL && draft->references[0] != NULL)
    {
      g_autofree char *id = g_strdup_printf (
          "<%s>", draft->references[g_strv_length (draft->references) - 1]);

      append_field (uri, "In-Reply-To", id);
    }
  if (draft->body != NULL && *draft->body != '\0')
    append_field (uri, "body", draft->body);
  return g_string_free (uri, FALSE);
}
