/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-mime-parse"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "op-mime.h"
#include "op-mime-composer.h"
#include "op-mime-message.h"

/*
 * The MIME parse path: the input as a message (without and with a fallback charset),
 * every decoded value and part of it (nested messages included), a reply, a forward and
 * a reopened draft made from it and serialised. (The input as HTML and as text in several
 * charsets is fuzz-mime-text's: together they made each run several times slower.)
 * Besides "no crash", the promises of op-mime-message.h are checked: every string valid
 * UTF-8, one-line headers without CR or LF, ids without spaces or brackets, bounded part
 * counts, and a reply or forward that goes out in CRLF lines.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_one_line (const char *text)
{
  if (text == NULL)
    return;
  g_assert (g_utf8_validate (text, -1, NULL));
  g_assert (strpbrk (text, "\r\n") == NULL);
}

static void
check_id (const char *id)
{
  if (id == NULL)
    return;
  check_one_line (id);
  g_assert (strpbrk (id, " <>") == NULL);
}

static void
check_addresses (GPtrArray *addresses)
{
  g_assert (addresses != NULL);
  for (guint i = 0; i < addresses->len; i++)
    {
      OpMimeAddress *address = g_ptr_array_index (addresses, i);

      check_one_line (address->name);
      check_one_line (address->address);
    }
}

static void
check_message (OpMimeMessage *message,
               guint          depth)
{
  const char * const *refs = op_mime_message_get_references (message);
  GPtrArray *parts = op_mime_message_get_parts (message);
  g_autoptr(GPtrArray) attachments = op_mime_message_dup_attachments (message);
  g_autofree char *header = op_mime_message_dup_header (message, "X-Mailer");

  g_assert (depth <= OP_MIME_MAX_DEPTH + 1);
  check_one_line (op_mime_message_get_subject (message));
  check_one_line (header);
  check_id (op_mime_message_get_message_id (message));
  check_id (op_mime_message_get_in_reply_to (message));
  for (guint i = 0; refs[i] != NULL; i++)
    check_id (refs[i]);
  check_addresses (op_mime_message_get_from (message));
  check_addresses (op_mime_message_get_sender (message));
  check_addresses (op_mime_message_get_reply_to (message));
  check_addresses (op_mime_message_get_to (message));
  check_addresses (op_mime_message_get_cc (message));
  check_addresses (op_mime_message_get_bcc (message));
  g_assert (g_utf8_validate (op_mime_message_get_text (message), -1, NULL));
  if (op_mime_message_get_html (message) != NULL)
    g_assert (g_utf8_validate (op_mime_message_get_html (message), -1, NULL));
  g_assert (parts->len <= OP_MIME_MAX_PARTS);
  g_assert (attachments->len <= parts->len);

  for (guint i = 0; i < parts->len; i++)
    {
      OpMimePart *part = g_ptr_array_index (parts, i);
      g_autofree char *safe = op_mime_part_get_safe_filename (part);
      g_autoptr(GBytes) bytes = op_mime_part_get_bytes (part, 1024 * 1024, NULL);
      const char *cid = op_mime_part_get_content_id (part);

      check_one_line (op_mime_part_get_filename (part));
      check_one_line (op_mime_part_get_content_type (part));
      check_one_line (safe);
      g_assert (*safe != '\0' && strchr (safe, '/') == NULL && strchr (safe, '\\') == NULL);
      g_assert (strcmp (safe, ".") != 0 && strcmp (safe, "..") != 0);
      if (bytes != NULL)
        g_assert (g_bytes_get_size (bytes) == op_mime_part_get_size (part));
      if (cid != NULL)
        g_assert (op_mime_message_find_content_id (message, cid) != NULL);
      if (op_mime_part_get_message (part) != NULL)
        check_message (op_mime_part_get_message (part), depth + 1);
    }
}

static void
check_wire (OpMimeComposer *composer)
{
  g_autoptr(GBytes) bytes = op_mime_composer_to_bytes (composer, NULL);
  const char *data;
  gsize length;

  g_assert (bytes != NULL);
  data = g_bytes_get_data (bytes, &length);
  for (gsize i = 0; i < length; i++)
    if (data[i] == '\n')
      g_assert (i > 0 && data[i - 1] == '\r');
  (void) op_mime_composer_get_requirements (composer, NULL);
}

static void
compose_from (OpMimeMessage *message)
{
  g_autoptr(OpMimeComposer) reply = op_mime_composer_new_reply (message, OP_MIME_REPLY_ALL, NULL);
  g_autoptr(OpMimeComposer) forward = NULL;
  g_autoptr(OpMimeComposer) draft = NULL;

  g_assert (op_mime_composer_set_from (reply, NULL, "fuzz@example.org", NULL));
  check_wire (reply);

  draft = op_mime_composer_new_from_draft (message, NULL);
  if (draft != NULL)
    {
      g_autofree char *sender = op_mime_composer_dup_envelope_from (draft);

      op_mime_composer_set_include_bcc (draft, TRUE);
      if (sender == NULL)
        g_assert (op_mime_composer_set_from (draft, NULL, "fuzz@example.org", NULL));
      check_wire (draft);
    }

  forward = op_mime_composer_new_forward (message, OP_MIME_FORWARD_ATTACHMENT, NULL);
  g_assert (forward != NULL);
  g_assert (op_mime_composer_set_from (forward, NULL, "fuzz@example.org", NULL));
  check_wire (forward);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char * const fallbacks[] = { NULL, "GB18030" };
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);

  /* A critical from GMime is a misuse of its API on some input: a finding. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  for (guint i = 0; i < G_N_ELEMENTS (fallbacks); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OpMimeMessage) message = op_mime_message_parse_bytes (bytes, fallbacks[i], &error);

      if (message == NULL)
        {
          g_assert (error != NULL && error->domain == OP_MIME_ERROR);
          continue;
        }
      check_message (message, 0);
      if (i == 0)
        compose_from (message);
    }

  (void) op_mime_scan_requirements (bytes);
  return 0;
}
