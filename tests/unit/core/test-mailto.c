/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-mailto"

#include "config.h"

#include <string.h>

#include "op-mailto.h"

/* mailto: links (RFC 6068) taken apart as the Mail view's composer takes them. */

static OpMailto *
parse_ok (const char *uri)
{
  g_autoptr (GError) error = NULL;
  OpMailto *mailto = op_mailto_parse (uri, &error);

  g_assert_no_error (error);
  g_assert_nonnull (mailto);
  return mailto;
}

static void
test_fields (void)
{
  g_autoptr (OpMailto) m = parse_ok ("mailto:ann@example.org?cc=bob@example.org&subject=Hello%20there"
                                     "&body=Line%201%0ALine%202&bcc=carol@example.org");

  g_assert_cmpstr (m->to, ==, "ann@example.org");
  g_assert_cmpstr (m->cc, ==, "bob@example.org");
  g_assert_cmpstr (m->bcc, ==, "carol@example.org");
  g_assert_cmpstr (m->subject, ==, "Hello there");
  g_assert_cmpstr (m->body, ==, "Line 1\nLine 2");
}

/* Addresses from the path and every to=/cc= field add up; the scheme and the field names
 * in any case; the last subject wins; other headers are not taken from a link. */
static void
test_addresses_add_up (void)
{
  g_autoptr (OpMailto) m = parse_ok ("MailTo:a@x.test,b@x.test?TO=c@x.test&to=&Cc=d@x.test&cc=e@x.test"
                                     "&subject=one&SUBJECT=two&In-Reply-To=%3Cid@x%3E&&keywords");

  g_assert_cmpstr (m->to, ==, "a@x.test,b@x.test, c@x.test");
  g_assert_cmpstr (m->cc, ==, "d@x.test, e@x.test");
  g_assert_null (m->bcc);
  g_assert_cmpstr (m->subject, ==, "two");
  g_assert_null (m->body);
}

static void
test_empty (void)
{
  g_autoptr (OpMailto) bare = parse_ok ("mailto:");
  g_autoptr (OpMailto) query = parse_ok ("mailto:?subject=&body=");

  g_assert_null (bare->to);
  g_assert_null (bare->subject);
  g_assert_null (query->to);
  g_assert_cmpstr (query->subject, ==, "");
  g_assert_cmpstr (query->body, ==, "");
}

static void
test_unicode (void)
{
  g_autoptr (OpMailto) m = parse_ok ("mailto:%E5%BC%A0@example.test?subject=%E4%BD%A0%E5%A5%BD");

  g_assert_cmpstr (m->to, ==, "张@example.test");
  g_assert_cmpstr (m->subject, ==, "你好");
}

/* Refused with a message naming the link: another scheme, a bad percent-escape, a NUL,
 * bytes that are not UTF-8 (in the query or, since the move to core, in the path). */
static void
test_refused (void)
{
  const char *const bad[] = {
    "http://example.org/",
    "mailt:ann@example.org",
    "mailto:ann@example.org?subject=%FF%FE",
    "mailto:ann@example.org?subject=%zz",
    "mailto:%FF@example.org",
    "mailto:ann%00@example.org",
    "mailto:ann@example.org?body=a%00b",
    "mailto:ann@example.org?sub%ject=x",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (OpMailto) m = op_mailto_parse (bad[i], &error);

      g_assert_null (m);
      g_assert_error (error, G_URI_ERROR, G_URI_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mailto/fields", test_fields);
  g_test_add_func ("/mailto/addresses-add-up", test_addresses_add_up);
  g_test_add_func ("/mailto/empty", test_empty);
  g_test_add_func ("/mailto/unicode", test_unicode);
  g_test_add_func ("/mailto/refused", test_refused);
  return g_test_run ();
}
