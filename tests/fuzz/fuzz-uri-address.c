/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-uri-address"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "op-account.h"
#include "op-ftp-site.h"
#include "op-mailto.h"
#include "op-mime.h"
#include "op-mime-private.h"
#include "news/op-news-uri.h"
#include "nntp/op-nntp-list.h"
#include "nntp/op-nntp-reply.h"

/*
 * What the user and other programs hand us as text: ftp:// and ftps:// URIs
 * (op_ftp_site_new_from_uri(), from the address bar and the command line), mailto: links
 * (op_mailto_parse()) and news:, nntp: and snews: links (op_news_uri_parse()), from
 * messages and the command line, and RFC 5322 address lists (From, To, Cc of every
 * message, through _op_mime_decode_address_list() as the MIME parser reads them). Each
 * line of the input (LF, a CR before it dropped) is tried as each, the links also behind
 * "mailto:" and "news:", and the whole input as one address list. Besides "no crash":
 *
 * - a URI that is taken makes a site whose host and user hold no control character,
 *   whose path starts with "/", and which is never given the URI's password; the site's
 *   own URI (op_ftp_site_to_uri()) holds no password, parses again, and names the same
 *   host, port, user, security and path;
 * - a mailto: link that is taken has every field valid UTF-8; one that is refused says so
 *   in G_URI_ERROR with a valid UTF-8 message (it is shown);
 * - a news link that is taken names a valid Message-ID (in angle brackets), or a valid
 *   group name (and an article number of at least 1), or is marked as naming neither;
 *   its scheme is lower case and its port -1 or a port;
 * - every address decodes to valid UTF-8, its envelope form is ASCII unless the local
 *   part needs SMTPUTF8, and the display form is valid UTF-8.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_no_controls (const char *text)
{
  g_assert (text != NULL);
  for (const char *p = text; *p != '\0'; p++)
    g_assert ((guchar) *p >= 0x20 && *p != 0x7f);
}

static void
check_uri (const char *uri)
{
  g_autoptr(OpAccount) site = NULL;
  g_autoptr(OpAccount) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *password = NULL;
  g_autofree char *path_again = NULL;
  g_autofree char *password_again = NULL;
  g_autofree char *copied = NULL;

  site = op_ftp_site_new_from_uri (uri, &path, &password, &error);
  if (site == NULL)
    {
      g_assert (error != NULL && error->message[0] != '\0');
      g_assert (path == NULL && password == NULL);
      return;
    }
  g_assert (error == NULL);
  check_no_controls (op_account_get_host (site));
  g_assert (op_account_get_host (site)[0] != '\0');
  check_no_controls (op_account_get_user (site));
  check_no_controls (path);
  g_assert (path[0] == '/');
  g_assert (g_utf8_validate (op_account_get_name (site), -1, NULL));

  copied = op_ftp_site_to_uri (site, path);
  g_assert (g_str_has_prefix (copied, "ftp://") || g_str_has_prefix (copied, "ftps://"));
  {
    /* No password ever: the userinfo, if any, is a user alone (a ":" in it encoded). */
    const char *authority = strstr (copied, "://") + 3;
    const char *slash = strchr (authority, '/');
    g_autofree char *auth = g_strndup (authority, slash != NULL ? (gsize) (slash - authority)
                                                                : strlen (authority));
    const char *at = strrchr (auth, '@');

    if (at != NULL)
      g_assert (memchr (auth, ':', at - auth) == NULL);
  }
  again = op_ftp_site_new_from_uri (copied, &path_again, &password_again, &error);
  if (again == NULL)
    g_error ("%s (from %s): %s", copied, uri, error->message);
  g_assert (password_again == NULL);
  if (g_strcmp0 (op_account_get_host (again), op_account_get_host (site)) != 0)
    g_error ("%s names host “%s”, its copy %s “%s”", uri, op_account_get_host (site),
             copied, op_account_get_host (again));
  g_assert (op_ftp_site_get_effective_port (again) == op_ftp_site_get_effective_port (site));
  g_assert (g_strcmp0 (op_account_get_user (again), op_account_get_user (site)) == 0);
  g_assert (op_account_get_security (again) == op_account_get_security (site));
  g_assert (g_strcmp0 (path_again, path) == 0);
}

static void
check_utf8_or_null (const char *text)
{
  g_assert (text == NULL || g_utf8_validate (text, -1, NULL));
}

static void
check_mailto (const char *uri)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpMailto) mailto = op_mailto_parse (uri, &error);

  if (mailto == NULL)
    {
      g_assert (error != NULL && error->domain == G_URI_ERROR);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      return;
    }
  g_assert (error == NULL);
  check_utf8_or_null (mailto->to);
  check_utf8_or_null (mailto->cc);
  check_utf8_or_null (mailto->bcc);
  check_utf8_or_null (mailto->subject);
  check_utf8_or_null (mailto->body);
}

static void
check_news_uri (const char *text)
{
  g_autoptr(OpNewsUri) uri = op_news_uri_parse (text);

  if (uri == NULL)
    return;
  g_assert (uri->scheme != NULL && uri->scheme[0] != '\0');
  for (const char *p = uri->scheme; *p != '\0'; p++)
    g_assert (!g_ascii_isupper (*p));
  g_assert (uri->port >= -1 && uri->port <= G_MAXUINT16);
  switch (uri->kind)
    {
    case OP_NEWS_URI_ARTICLE:
      g_assert (uri->message_id != NULL && uri->group == NULL && uri->number == 0);
      g_assert (op_nntp_message_id_is_valid (uri->message_id, strlen (uri->message_id)));
      g_assert (uri->message_id[0] == '<');
      break;
    case OP_NEWS_URI_GROUP_ARTICLE:
      g_assert (uri->number >= 1);
      G_GNUC_FALLTHROUGH;
    case OP_NEWS_URI_GROUP:
      g_assert (uri->group != NULL && uri->message_id == NULL);
      g_assert (op_nntp_group_name_is_valid (uri->group, strlen (uri->group)));
      g_assert (uri->kind == OP_NEWS_URI_GROUP_ARTICLE || uri->number == 0);
      break;
    case OP_NEWS_URI_BAD_ARTICLE:
    case OP_NEWS_URI_BAD_TARGET:
      g_assert (uri->group == NULL && uri->message_id == NULL && uri->number == 0);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
check_addresses (GMimeParserOptions *options,
                 const char         *raw)
{
  g_autoptr(InternetAddressList) list = _op_mime_decode_address_list (options, raw);
  int n;

  /* GMime makes no list of a value without any address. */
  if (list == NULL)
    return;
  n = internet_address_list_length (list);
  for (int i = 0; i < n; i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);
      const char *name = internet_address_get_name (address);

      if (name != NULL)
        g_assert (g_utf8_validate (name, -1, NULL));
      if (INTERNET_ADDRESS_IS_MAILBOX (address))
        {
          const char *spec = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
          g_autofree char *envelope = NULL;

          if (spec == NULL || !g_utf8_validate (spec, -1, NULL))
            continue;
          envelope = op_mime_address_to_envelope (spec);
          g_assert (envelope != NULL);
          if (!op_mime_address_needs_smtputf8 (spec))
            {
              const char *at = strrchr (envelope, '@');

              /* The domain in its IDNA form: ASCII, or left as it was when IDNA
               * cannot express it. */
              if (at != NULL)
                for (const char *p = envelope; p < at; p++)
                  g_assert ((guchar) *p < 0x80);
            }
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GMimeParserOptions) options = NULL;
  g_autofree char *whole = g_strndup ((const char *) data, size);
  const char *p = (const char *) data;
  const char *end = p + size;

  op_mime_init ();
  options = _op_mime_parser_options_new (NULL);
  check_addresses (options, whole);
  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize length = (nl != NULL ? nl : end) - p;
      g_autofree char *line = NULL;

      if (length > 0 && p[length - 1] == '\r')
        length--;
      line = g_strndup (p, length);
      check_uri (line);
      check_addresses (options, line);
      check_mailto (line);
      check_news_uri (line);
      {
        g_autofree char *mailto = g_strconcat ("mailto:", line, NULL);
        g_autofree char *news = g_strconcat ("news:", line, NULL);

        check_mailto (mailto);
        check_news_uri (news);
      }
      p = nl != NULL ? nl + 1 : end;
    }
  return 0;
}
