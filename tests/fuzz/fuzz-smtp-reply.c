/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-smtp-reply"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "op-sasl.h"
#include "op-smtp-error.h"
#include "op-smtp-reply.h"

/*
 * The SMTP reply parser: the input is split into lines at LF (a CR before it dropped, as
 * the connection does), pushed through one OpSmtpReplyParser, and every reply it makes
 * goes through op_smtp_capabilities_parse() and op_smtp_error_from_reply() for every
 * command kind; a 334 reply's text is answered as a challenge by every SASL mechanism
 * (op-sasl.h), as the client does. Besides "no crash", the promises of op-smtp-reply.h are checked: codes
 * 200..599, text and lines valid UTF-8 without control characters but tab and the line
 * breaks between lines, an enhanced code of the reply's class, bounded line counts, errors
 * in OP_SMTP_ERROR_BAD_REPLY.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_text (const char *text,
            gboolean    newlines_ok)
{
  g_assert (g_utf8_validate (text, -1, NULL));
  for (const char *p = text; *p != '\0'; p++)
    g_assert ((guchar) *p >= 0x20 || *p == '\t' || (newlines_ok && *p == '\n'));
}

static void
check_reply (const OpSmtpReply *reply)
{
  g_autoptr(OpSmtpCapabilities) caps = NULL;
  g_autoptr(OpSmtpCapabilities) copy = NULL;
  g_autofree char *described = NULL;
  guint n_lines;
  guint klass = 0;

  g_assert (reply->code >= 200 && reply->code <= 599);
  check_text (reply->text, TRUE);
  n_lines = g_strv_length (reply->lines);
  g_assert (n_lines >= 1 && n_lines <= OP_SMTP_REPLY_MAX_LINES);
  for (guint i = 0; i < n_lines; i++)
    {
      check_text (reply->lines[i], FALSE);
      g_assert (strlen (reply->lines[i]) <= OP_SMTP_REPLY_MAX_LINE * 3);
    }
  if (reply->enhanced_code != NULL)
    {
      g_assert (op_smtp_parse_enhanced_code (reply->enhanced_code, &klass, NULL, NULL) ==
                strlen (reply->enhanced_code));
      g_assert (klass == reply->code / 100);
    }
  described = op_smtp_reply_describe (reply);
  g_assert (g_utf8_validate (described, -1, NULL));

  caps = op_smtp_capabilities_parse (reply);
  copy = op_smtp_capabilities_copy (caps);
  for (guint i = 0; caps->auth[i] != NULL; i++)
    {
      g_assert (caps->auth[i][0] != '\0');
      check_text (caps->auth[i], FALSE);
    }
  g_assert (g_strv_length (copy->auth) == g_strv_length (caps->auth));
  g_assert (caps->has_size || caps->size_limit == 0);
  g_assert (caps->starttls == op_smtp_capabilities_has (caps, "starttls"));

  for (int kind = OP_SMTP_COMMAND_OTHER; kind <= OP_SMTP_COMMAND_MESSAGE; kind++)
    {
      g_autoptr(GError) mapped = op_smtp_error_from_reply (reply, "MAIL", kind);

      g_assert (mapped->domain == OP_SMTP_ERROR);
      g_assert (g_utf8_validate (mapped->message, -1, NULL));
      if (reply->code < 400)
        g_assert (mapped->code == OP_SMTP_ERROR_BAD_REPLY);
      /* Only 4xx replies may be retried. */
      g_assert (!op_smtp_error_is_transient (mapped) || reply->code / 100 == 4);
    }
}

/* Each mechanism answers @challenge at each step: a base64 answer or a SASL error. */
static void
check_challenge (const char *challenge)
{
  const OpSaslMechanism mechanisms[] = { OP_SASL_MECHANISM_LOGIN, OP_SASL_MECHANISM_PLAIN,
                                         OP_SASL_MECHANISM_CRAM_MD5,
                                         OP_SASL_MECHANISM_XOAUTH2 };

  for (gsize i = 0; i < G_N_ELEMENTS (mechanisms); i++)
    for (guint steps = 0; steps < 3; steps++)
      {
        g_autoptr(OpSaslSession) session = op_sasl_session_new (mechanisms[i], "user",
                                                                "secret");

        for (guint step = 0; step <= steps; step++)
          {
            g_autoptr(GError) error = NULL;
            char *response = op_sasl_session_respond (session, challenge, &error);

            if (response == NULL)
              {
                g_assert (error != NULL && error->domain == OP_SASL_ERROR);
                break;
              }
            for (const char *p = response; *p != '\0'; p++)
              g_assert (g_ascii_isalnum (*p) || *p == '+' || *p == '/' || *p == '=');
            op_sasl_secret_free (response);
          }
      }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(OpSmtpReplyParser) parser = op_smtp_reply_parser_new ();
  const char *p = (const char *) data;
  const char *end = p + size;
  g_autofree char *text = g_strndup (p, size);

  (void) op_smtp_parse_enhanced_code (text, NULL, NULL, NULL);

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize length = (nl != NULL ? nl : end) - p;
      g_autoptr(GError) error = NULL;
      g_autoptr(OpSmtpReply) reply = NULL;

      if (length > 0 && p[length - 1] == '\r')
        length--;
      reply = op_smtp_reply_parser_push_line (parser, p, length, &error);
      if (reply != NULL)
        {
          g_assert (error == NULL);
          check_reply (reply);
          if (reply->code == 334)
            check_challenge (reply->lines[0]);
        }
      else if (error != NULL)
        g_assert (g_error_matches (error, OP_SMTP_ERROR, OP_SMTP_ERROR_BAD_REPLY) &&
                  g_utf8_validate (error->message, -1, NULL));
      p = nl != NULL ? nl + 1 : end;
    }
  return 0;
}
