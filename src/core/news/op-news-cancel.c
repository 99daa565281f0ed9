/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-cancel"

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <string.h>

#include "nntp/op-nntp-reply.h"
#include "op-mime-private.h"
#include "op-news-cancel.h"

G_DEFINE_QUARK (op-news-cancel-error-quark, op_news_cancel_error)

char *
op_news_cancel_key (GBytes     *secret,
                    const char *message_id)
{
  gsize secret_length;
  const guint8 *secret_data = g_bytes_get_data (secret, &secret_length);
  g_autoptr(GHmac) hmac = NULL;
  guint8 digest[32];
  gsize digest_length = sizeof digest;
  g_autofree char *base64 = NULL;

  g_return_val_if_fail (secret != NULL && message_id != NULL, NULL);

  /* RFC 8315 §4: K = HMAC(secret, Message-ID), the hash the scheme names. */
  hmac = g_hmac_new (G_CHECKSUM_SHA256, secret_data, secret_length);
  g_hmac_update (hmac, (const guchar *) message_id, strlen (message_id));
  g_hmac_get_digest (hmac, digest, &digest_length);
  base64 = g_base64_encode (digest, digest_length);
  return g_strconcat ("sha256:", base64, NULL);
}

/* RFC 8315 §3: c-lock = base64(hash(c-key-string)), the key string being its base64. */
static char *
lock_of_key (const char *key_base64)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_length = sizeof digest;

  g_checksum_update (checksum, (const guchar *) key_base64, strlen (key_base64));
  g_checksum_get_digest (checksum, digest, &digest_length);
  return g_base64_encode (digest, digest_length);
}

char *
op_news_cancel_lock (GBytes     *secret,
                     const char *message_id)
{
  g_autofree char *key = op_news_cancel_key (secret, message_id);
  g_autofree char *lock = lock_of_key (key + strlen ("sha256:"));

  return g_strconcat ("sha256:", lock, NULL);
}

gboolean
op_news_cancel_lock_matches (const char *cancel_lock,
                             GBytes     *secret,
                             const char *message_id)
{
  g_autofree char *mine = NULL;
  g_auto(GStrv) tokens = NULL;

  if (cancel_lock == NULL)
    return FALSE;
  mine = op_news_cancel_lock (secret, message_id);
  /* RFC 8315 §2: one or more c-lock elements separated by white space (folded). */
  tokens = g_strsplit_set (cancel_lock, " \t\r\n", -1);
  for (guint i = 0; tokens[i] != NULL; i++)
    if (g_ascii_strcasecmp (tokens[i], mine) == 0 ||
        (g_ascii_strncasecmp (tokens[i], "sha256:", 7) == 0 && strcmp (tokens[i] + 7, mine + 7) == 0))
      return TRUE;
  return FALSE;
}

static GMimeMessage *
parse (GBytes  *article,
       GError **error)
{
  gsize length;
  const char *data = g_bytes_get_data (article, &length);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  GMimeMessage *message;

  op_mime_init ();
  stream = g_mime_stream_mem_new_with_buffer (data, length);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("The article cannot be read as a news article."));
  return message;
}

static GBytes *
serialise (GMimeMessage *message)
{
  g_autoptr(GMimeFormatOptions) options = g_mime_format_options_new ();
  char *text;

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  text = g_mime_object_to_string (GMIME_OBJECT (message), options);
  return g_bytes_new_take (text, strlen (text));
}

/* The Message-ID header with its angle brackets, valid (RFC 5536 §3.1.3), else NULL. */
static char *
message_id_of (GMimeMessage *message)
{
  const char *raw = g_mime_object_get_header (GMIME_OBJECT (message), "Message-ID");
  g_autofree char *id = raw != NULL ? g_strstrip (g_strdup (raw)) : NULL;

  if (id == NULL || !op_nntp_message_id_is_valid (id, strlen (id)))
    return NULL;
  return g_steal_pointer (&id);
}

static gboolean
missing (GError    **error,
         const char *header)
{
  g_set_error (error, OP_NEWS_CANCEL_ERROR, OP_NEWS_CANCEL_ERROR_INVALID,
               _("The article has no valid %s header."), header);
  return FALSE;
}

GBytes *
op_news_article_protect (GBytes      *article,
                         GBytes      *secret,
                         const char  *supersedes,
                         char       **message_id,
                         GError     **error)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autofree char *id = NULL;
  g_autofree char *lock = NULL;

  g_return_val_if_fail (article != NULL && secret != NULL, NULL);

  message = parse (article, error);
  if (message == NULL)
    return NULL;
  if (g_mime_object_get_header (GMIME_OBJECT (message), "Message-ID") == NULL)
    {
      InternetAddressList *from = g_mime_message_get_from (message);
      InternetAddress *first = from != NULL && internet_address_list_length (from) > 0
                               ? internet_address_list_get_address (from, 0) : NULL;
      const char *address = first != NULL && INTERNET_ADDRESS_IS_MAILBOX (first)
                            ? internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (first))
                            : NULL;
      const char *at = address != NULL ? strrchr (address, '@') : NULL;
      g_autofree char *made = g_mime_utils_generate_message_id (at != NULL && at[1] != '\0'
                                                                ? at + 1 : "outpost.invalid");

      id = g_strdup_printf ("<%s>", made);
      g_mime_object_set_header (GMIME_OBJECT (message), "Message-ID", id, NULL);
    }
  else if ((id = message_id_of (message)) == NULL)
    {
      missing (error, "Message-ID");
      return NULL;
    }
  if (supersedes != NULL)
    {
      g_autofree char *key = NULL;

      if (!op_nntp_message_id_is_valid (supersedes, strlen (supersedes)))
        {
          missing (error, "Supersedes");
          return NULL;
        }
      key = op_news_cancel_key (secret, supersedes);
      g_mime_object_set_header (GMIME_OBJECT (message), "Supersedes", supersedes, NULL);
      g_mime_object_set_header (GMIME_OBJECT (message), "Cancel-Key", key, NULL);
    }
  lock = op_news_cancel_lock (secret, id);
  g_mime_object_set_header (GMIME_OBJECT (message), "Cancel-Lock", lock, NULL);
  if (message_id != NULL)
    *message_id = g_steal_pointer (&id);
  return serialise (message);
}

static char *
check_own (GMimeMessage *message,
           GBytes       *secret,
           GError      **error)
{
  g_autofree char *id = message_id_of (message);

  if (id == NULL)
    {
      missing (error, "Message-ID");
      return NULL;
    }
  if (!op_news_cancel_lock_matches (g_mime_object_get_header (GMIME_OBJECT (message), "Cancel-Lock"),
                                    secret, id))
    {
      g_set_error (error, OP_NEWS_CANCEL_ERROR, OP_NEWS_CANCEL_ERROR_NOT_OWN,
                   _("%s was not posted from Outpost with this server’s key, so the server would not withdraw it."),
                   id);
      return NULL;
    }
  return g_steal_pointer (&id);
}

char *
op_news_article_check_own (GBytes  *original,
                           GBytes  *secret,
                           GError **error)
{
  g_autoptr(GMimeMessage) message = NULL;

  g_return_val_if_fail (original != NULL && secret != NULL, NULL);

  message = parse (original, error);
  return message != NULL ? check_own (message, secret, error) : NULL;
}

GBytes *
op_news_article_compose_cancel (GBytes  *original,
                                GBytes  *secret,
                                GError **error)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeMessage) cancel = NULL;
  GMimeTextPart *body;
  g_autofree char *id = NULL;
  g_autofree char *key = NULL;
  g_autofree char *control = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *cancel_id = NULL;
  g_autofree char *made = NULL;
  g_autofree char *domain = NULL;
  const char *from;
  const char *newsgroups;
  const char *at;

  g_return_val_if_fail (original != NULL && secret != NULL, NULL);

  message = parse (original, error);
  if (message == NULL || (id = check_own (message, secret, error)) == NULL)
    return NULL;
  from = g_mime_object_get_header (GMIME_OBJECT (message), "From");
  newsgroups = g_mime_object_get_header (GMIME_OBJECT (message), "Newsgroups");
  if (from == NULL || !op_mime_check_header_value (from, -1, "From", NULL))
    {
      missing (error, "From");
      return NULL;
    }
  if (newsgroups == NULL || !op_mime_check_header_value (newsgroups, -1, "Newsgroups", NULL))
    {
      missing (error, "Newsgroups");
      return NULL;
    }
  /* RFC 5537 §5.3: the cancel goes to the article's groups, from its poster. */
  cancel = g_mime_message_new (TRUE);
  /* The cancel's own Message-ID, in the domain of the article's ("<x@domain>"). */
  at = strrchr (id, '@');
  domain = g_strndup (at + 1, strlen (at + 1) - 1);
  made = g_mime_utils_generate_message_id (domain);
  cancel_id = g_strdup_printf ("<cancel.%s>", made);
  control = g_strdup_printf ("cancel %s", id);
  subject = g_strdup_printf ("cmsg cancel %s", id);
  key = op_news_cancel_key (secret, id);
  g_mime_object_set_header (GMIME_OBJECT (cancel), "From", from, NULL);
  g_mime_object_set_header (GMIME_OBJECT (cancel), "Newsgroups", newsgroups, NULL);
  g_mime_object_set_header (GMIME_OBJECT (cancel), "Subject", subject, NULL);
  g_mime_object_set_header (GMIME_OBJECT (cancel), "Message-ID", cancel_id, NULL);
  g_mime_object_set_header (GMIME_OBJECT (cancel), "Control", control, NULL);
  g_mime_object_set_header (GMIME_OBJECT (cancel), "Cancel-Key", key, NULL);
  body = g_mime_text_part_new_with_subtype ("plain");
  g_mime_text_part_set_text (body, "This article was cancelled by its author.\n");
  g_mime_message_set_mime_part (cancel, GMIME_OBJECT (body));
  g_object_unref (body);
  return serialise (cancel);
}
