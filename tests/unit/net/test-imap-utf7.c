/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-imap-utf7"

#include "config.h"

#include <string.h>

#include "op-imap-error.h"
#include "op-imap-utf7.h"

/*
 * Modified UTF-7 mailbox names (RFC 3501 §5.1.3): the RFC's examples, round trips, and
 * the strict refusal of every malformed name a hostile server could send.
 */

static void
check_pair (const char *utf8,
            const char *utf7)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *encoded = op_imap_utf7_encode (utf8, &error);
  g_autofree char *decoded = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (encoded, ==, utf7);
  decoded = op_imap_utf7_decode (utf7, strlen (utf7), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (decoded, ==, utf8);
}

static void
test_rfc_examples (void)
{
  /* RFC 3501 §5.1.3: "~peter/mail/日本語/台北". */
  check_pair ("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
              "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
  check_pair ("INBOX", "INBOX");
  check_pair ("Tom & Jerry", "Tom &- Jerry");
  check_pair ("&", "&-");
  check_pair ("", "");
  /* Dovecot's example folder names. */
  check_pair ("Entw\xc3\xbcrfe", "Entw&APw-rfe");
  check_pair ("\xe5\x8f\x91\xe4\xbb\xb6\xe7\xae\xb1", "&U9FO9nux-");
}

static void
test_astral (void)
{
  /* U+1F4E7 (E-MAIL SYMBOL) needs a surrogate pair. */
  check_pair ("Mail \xf0\x9f\x93\xa7", "Mail &2D3c5w-");
}

static void
test_round_trips (void)
{
  const char *names[] = {
    "Sent", "Drafts/2024", "Ünïcödé & more", "日本語", "a&b&c", "-&-", "x\xc2\xa0y",
    "Здравствуйте", "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", "~/.hidden", NULL,
  };

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *encoded = op_imap_utf7_encode (names[i], &error);
      g_autofree char *decoded = NULL;

      g_assert_no_error (error);
      for (const char *p = encoded; *p != '\0'; p++)
        g_assert_true (*p >= 0x20 && *p <= 0x7e);
      decoded = op_imap_utf7_decode (encoded, strlen (encoded), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (decoded, ==, names[i]);
    }
}

static void
test_encode_refuses (void)
{
  const char *bad[] = { "a\nb", "tab\there", "\xff\xfe", "x\x7fy", "\xc2\x85", NULL };

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *encoded = op_imap_utf7_encode (bad[i], &error);

      g_assert_null (encoded);
      g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_INVALID_NAME);
    }
}

static void
test_decode_strict (void)
{
  const char *bad[] = {
    "&",               /* unterminated */
    "&U,BTFw",         /* unterminated */
    "&-&",             /* trailing unterminated */
    "&U/BTFw-",        /* "/" is not modified BASE64 */
    "&AGE-",           /* encodes "a": must be sent directly */
    "&2D0-",           /* lone high surrogate */
    "&3ec-",           /* lone low surrogate */
    "&U,BTFx-",        /* non-zero padding bits */
    "&U,BTFwA-",       /* a whole 6 bits of padding */
    "&U,A-&U,A-",      /* two encoded runs side by side */
    "caf\xc3\xa9",     /* 8-bit */
    "a\tb",            /* control */
    "&AAA-",           /* NUL */
    "&AB8-",           /* U+001F */
    NULL,
  };

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *decoded = op_imap_utf7_decode (bad[i], strlen (bad[i]), &error);

      if (decoded != NULL)
        g_error ("“%s” decoded to “%s”", bad[i], decoded);
      g_assert_error (error, OP_IMAP_ERROR, OP_IMAP_ERROR_BAD_RESPONSE);
      g_assert_nonnull (strstr (error->message, "modified UTF-7"));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/utf7/rfc-examples", test_rfc_examples);
  g_test_add_func ("/imap/utf7/astral", test_astral);
  g_test_add_func ("/imap/utf7/round-trips", test_round_trips);
  g_test_add_func ("/imap/utf7/encode-refuses", test_encode_refuses);
  g_test_add_func ("/imap/utf7/decode-strict", test_decode_strict);

  return g_test_run ();
}
