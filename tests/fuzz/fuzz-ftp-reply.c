/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-ftp-reply"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "op-ftp-error.h"
#include "op-ftp-reply.h"

/*
 * The FTP reply parser: the input is split into lines at LF (a CR before it dropped, as
 * the connection does), pushed through one OpFtpReplyParser, and every reply it makes
 * goes through each parse_* helper and op_ftp_error_from_reply(). Besides "no crash",
 * the promises of op-ftp-reply.h are checked: codes 100..599, text and lines valid UTF-8,
 * at most OP_FTP_REPLY_MAX_LINES lines, errors in OP_FTP_ERROR_BAD_REPLY.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_reply (const OpFtpReply *reply)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) features = NULL;
  g_autofree char *address = NULL;
  g_autofree char *path = NULL;
  guint16 port = 0;
  guint64 size = 0;
  gint64 mtime = 0;
  guint n_lines;

  g_assert (reply->code >= 100 && reply->code <= 599);
  g_assert (g_utf8_validate (reply->text, -1, NULL));
  n_lines = g_strv_length (reply->lines);
  g_assert (n_lines >= 1 && n_lines <= OP_FTP_REPLY_MAX_LINES);
  for (guint i = 0; i < n_lines; i++)
    {
      g_assert (g_utf8_validate (reply->lines[i], -1, NULL));
      g_assert (strlen (reply->lines[i]) <= OP_FTP_REPLY_MAX_LINE * 3);
    }

  if (op_ftp_reply_parse_pasv (reply, &address, &port, &error))
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);

      g_assert (inet != NULL);
      g_assert (port > 0);
    }
  else
    g_assert (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY));
  g_clear_error (&error);

  if (op_ftp_reply_parse_epsv (reply, &port, &error))
    g_assert (port > 0);
  else
    g_assert (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY));
  g_clear_error (&error);

  if (op_ftp_reply_parse_pwd (reply, &path, &error))
    g_assert (path != NULL);
  else
    g_assert (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY));
  g_clear_error (&error);

  if (op_ftp_reply_parse_mdtm (reply, &mtime, &error))
    g_assert (reply->code == 213);
  else
    g_assert (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY));
  g_clear_error (&error);

  if (op_ftp_reply_parse_size (reply, &size, &error))
    g_assert (size <= G_MAXINT64);
  else
    g_assert (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY));
  g_clear_error (&error);

  features = op_ftp_reply_parse_feat (reply);
  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, features);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        g_assert (*(const char *) key != '\0');
        g_assert (g_utf8_validate (key, -1, NULL));
        g_assert (g_utf8_validate (value, -1, NULL));
      }
  }

  if (reply->code >= 400)
    {
      for (int kind = OP_FTP_COMMAND_OTHER; kind <= OP_FTP_COMMAND_TLS_DATA; kind++)
        {
          g_autoptr(GError) mapped = op_ftp_error_from_reply (reply, "RETR", kind);

          g_assert (mapped->domain == OP_FTP_ERROR);
          g_assert (g_utf8_validate (mapped->message, -1, NULL));
          (void) op_ftp_error_is_transient (mapped);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(OpFtpReplyParser) parser = op_ftp_reply_parser_new ();
  const char *p = (const char *) data;
  const char *end = p + size;

  /* The time parser on the raw bytes, too (MLSD "modify" facts reach it directly). */
  {
    gint64 mtime;

    (void) op_ftp_parse_time_val (p, size, &mtime);
  }

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize length = (nl != NULL ? nl : end) - p;
      g_autoptr(GError) error = NULL;
      g_autoptr(OpFtpReply) reply = NULL;

      if (length > 0 && p[length - 1] == '\r')
        length--;
      reply = op_ftp_reply_parser_push_line (parser, p, length, &error);
      if (reply != NULL)
        {
          g_assert (error == NULL);
          check_reply (reply);
        }
      else if (error != NULL)
        g_assert (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_BAD_REPLY) &&
                  g_utf8_validate (error->message, -1, NULL));
      p = nl != NULL ? nl + 1 : end;
    }
  return 0;
}
